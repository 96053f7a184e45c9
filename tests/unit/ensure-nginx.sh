#!/usr/bin/env bash
# The reverse-proxy test needs Debian's nginx: installed when missing and we may; otherwise exit 1 and the test skips
# with that reason. Debian starts the packaged nginx on port 80; the test runs its own, so that one is stopped.
set -euo pipefail
command -v nginx >/dev/null 2>&1 && exit 0
[ -x /usr/sbin/nginx ] && exit 0
bash "$(dirname "$0")/../tools/ensure-debian-package.sh" "the reverse-proxy test" "nginx-light|nginx" nginx /usr/sbin/nginx
(command -v systemctl >/dev/null 2>&1 && systemctl stop nginx 2>/dev/null) || true
