#!/usr/bin/env bash
# The README's test command: install packages, build, run every test: the
# main configuration's, then the fuzz configuration's smoke run (both run
# even if the first fails).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install.sh
deploy/build.sh
status=0
ctest --preset default -j 2 || status=1
ctest --preset fuzz || status=1
exit "$status"
