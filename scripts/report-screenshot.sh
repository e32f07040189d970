#!/usr/bin/env bash
# Screenshot of a run report in headless Chromium (installs Debian's chromium first when missing).
#   bash scripts/report-screenshot.sh runs/<run>/report.html [out.png]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/install-test-tools.sh"
exec node "$here/report-screenshot.mjs" "$@"
