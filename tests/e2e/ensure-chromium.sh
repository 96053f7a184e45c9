#!/usr/bin/env bash
# Browser tests need Debian's chromium (Playwright's own browser download needs the internet): installed when missing
# and we may. CHROMIUM_PATH points at another Chromium instead.
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
exec bash "$(dirname "$0")/../tools/ensure-debian-package.sh" --recommends "the browser tests (or set CHROMIUM_PATH)" chromium "$browser"
