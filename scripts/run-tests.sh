#!/usr/bin/env bash
# One command for the whole test suite on a fresh Debian 12 machine: install what is missing,
# build, run every test (UI tests run offscreen). Fixtures are read from ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
source scripts/ccache-args.sh
./scripts/build.sh "${qwenvl_ccache_args[@]}"
cd build
ctest --output-on-failure --parallel "$(nproc)" --timeout 1200
