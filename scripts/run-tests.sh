#!/usr/bin/env bash
# One command for the whole test suite on a fresh Debian 12 machine: install what is missing,
# build, run every test (UI tests run offscreen). Fixtures are read from ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
cd build
ctest --output-on-failure --parallel "$(nproc)" --timeout 1200
