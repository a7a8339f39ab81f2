#!/usr/bin/env bash
# The fuzz smoke: builds the libFuzzer targets with clang (preset `fuzz`, build-fuzz/) and runs
# each for QWENVL_FUZZ_SECONDS (default 20) from its seeds; fails on any crash or sanitizer
# report. Long runs: tests/fuzz/long-run.sh (docs/testing.md). Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
source scripts/ccache-args.sh
cmake --preset fuzz "${qwenvl_ccache_args[@]}" -DQWENVL_FUZZ_SECONDS="${QWENVL_FUZZ_SECONDS:-20}"
cmake --build --preset fuzz --parallel "$(nproc)"
ctest --preset fuzz --parallel "$(nproc)" "$@"
