#!/usr/bin/env bash
# The sanitizer job: builds the engine, the unit and the parity tests with ASan + UBSan (preset
# `asan`, build-asan/, any report is fatal) and runs them. The ctest preset leaves out the tests
# too slow under ASan for CI (see docs/testing.md); extra arguments go to ctest (e.g. -R tst_bpe).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
source scripts/ccache-args.sh
cmake --preset asan "${qwenvl_ccache_args[@]}"
cmake --build --preset asan --parallel "$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --preset asan --parallel "$(nproc)" --timeout 1200 "$@"
