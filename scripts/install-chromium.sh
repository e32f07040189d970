#!/usr/bin/env bash
# Installs Debian's Chromium for the report browser test (test/train/report-browser.test.ts) and
# scripts/report-screenshot.sh. Needs root (CI and the dev machines run as root). No browser download from npm.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
