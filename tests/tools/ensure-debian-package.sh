#!/usr/bin/env bash
# The real servers and tools the tests run (Chromium, nginx, Prometheus) come from Debian: there is no other internet
# here, and Playwright's own browser download cannot work. Install PACKAGE when none of the given commands exists and
# we may (root, or sudo); otherwise say exactly what to do and exit 1.
#
# usage: ensure-debian-package.sh [--recommends] "what needs it" PACKAGE[|OTHER] COMMAND_OR_PATH...
#   PACKAGE|OTHER: try PACKAGE, then OTHER (nginx-light|nginx). --recommends: install recommended packages too.
set -euo pipefail
recommends="--no-install-recommends"
if [ "${1:-}" = "--recommends" ]; then recommends=""; shift; fi
why="$1"; packages="$2"; shift 2
first="${packages%%|*}"
found() {
  for c in "$@"; do
    if [ -x "$c" ] || command -v "$c" >/dev/null 2>&1; then return 0; fi
  done
  return 1
}
found "$@" && exit 0
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
  if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
    echo "witness: installing Debian's $first for $why" >&2
    $sudo apt-get update -qq >&2
    IFS='|' read -ra choices <<< "$packages"
    for p in "${choices[@]}"; do
      # shellcheck disable=SC2086
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $recommends "$p" >/dev/null 2>&1 && break
    done
    found "$@" && exit 0
  fi
fi
echo "witness: $why needs $first: install it (apt-get install $first)" >&2
exit 1
