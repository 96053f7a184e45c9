#!/usr/bin/env bash
# Browser tests need Debian's chromium (Playwright's own browser download needs the internet). Install it when it is
# missing and we may; otherwise say exactly what to do. CHROMIUM_PATH points at another Chromium instead.
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
  if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
    echo "witness: installing Debian's chromium for the browser tests" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
    exit 0
  fi
fi
echo "witness: the browser tests need Chromium at $browser: install it (apt-get install chromium) or set CHROMIUM_PATH" >&2
exit 1
