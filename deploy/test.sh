#!/usr/bin/env bash
# The README's test command: install packages, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install.sh
deploy/build.sh
ctest --test-dir build --output-on-failure --timeout 600 -j 2
