#!/usr/bin/env bash
# The reverse-proxy test needs Debian's nginx. Install it when it is missing and we may (as ensure-chromium.sh does
# for the browser); otherwise say what to do, exit 1, and the test skips with that reason.
set -euo pipefail
command -v nginx >/dev/null 2>&1 && exit 0
[ -x /usr/sbin/nginx ] && exit 0
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
  if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
    echo "witness: installing Debian's nginx for the reverse-proxy test" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx >/dev/null
    # Debian starts the packaged nginx on port 80; the test runs its own.
    (command -v systemctl >/dev/null 2>&1 && $sudo systemctl stop nginx 2>/dev/null) || true
    exit 0
  fi
fi
echo "witness: the reverse-proxy test needs nginx: install it (apt-get install nginx)" >&2
exit 1
