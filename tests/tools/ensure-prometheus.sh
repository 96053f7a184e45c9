#!/usr/bin/env bash
# The metrics test checks the exposition with `promtool check metrics` and the metrics bench scrapes it with a real
# `prometheus`: both come with Debian's prometheus package, installed when missing and we may. Prints promtool's path.
set -euo pipefail
command -v prometheus >/dev/null 2>&1 || bash "$(dirname "$0")/ensure-debian-package.sh" "the metrics tests" prometheus prometheus >&2
bash "$(dirname "$0")/ensure-debian-package.sh" "the metrics tests" prometheus promtool >&2
command -v promtool
