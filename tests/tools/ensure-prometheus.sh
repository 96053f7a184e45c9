#!/usr/bin/env bash
# The metrics test checks the exposition with `promtool check metrics` and the metrics bench scrapes it with a real
# `prometheus`: both come with Debian's prometheus package. Install it when missing and we may (as
# tests/e2e/ensure-chromium.sh does for the browser); otherwise say exactly what to do. Prints promtool's path.
set -euo pipefail
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
    if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
      echo "witness: installing Debian's prometheus (promtool) for the metrics tests" >&2
      $sudo apt-get update -qq >&2
      # policy-rc.d-free containers have no init to start the service; --no-install-recommends keeps it to the binaries.
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >&2
    fi
  fi
fi
if ! command -v promtool >/dev/null 2>&1; then
  echo "witness: the metrics tests need promtool: install it (apt-get install prometheus)" >&2
  exit 1
fi
command -v promtool
