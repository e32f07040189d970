#!/usr/bin/env bash
# Installs the Debian packages the training-UX tests drive: chromium (report.html in a headless browser,
# test/train/report.test.ts and scripts/report-screenshot.sh) and tmux (the dashboard under a pseudo-terminal,
# test/cli/train-dashboard.test.ts). Needs root (CI and the dev machines run as root). No browser download from npm.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v tmux >/dev/null || missing+=(tmux)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
