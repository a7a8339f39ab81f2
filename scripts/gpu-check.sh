#!/usr/bin/env bash
# On the GPU machine: build the engine without Qt for sm_90, run the GPU tests (kernels against
# CPU references, the CUDA backend against the CPU backend, conform --device cuda against the
# goldens), write a full-size checkpoint to local disk and run the benchmark. Logs and JSON go to
# $OUT (default out/gpu-check); a short table is printed last.
#   scripts/gpu-check.sh [all|tests|bench|profile|server] env: BENCH_ARGS (default "--runs 3"),
#   QWENVL_SHARED_DIR (default .shared, else ../shared), CKPT (default /tmp/qwenvl-full),
#   LOWMEM (default 1: also benchmark the low-memory mode)
# `server` (also part of `all`): qwenvl-server with the CUDA backend under 1, 4 and 16 concurrent
# clients (scripts/server-bench.sh); its table goes to $OUT/server/server-bench.md.
set -uo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-all}
OUT=${OUT:-$PWD/out/gpu-check}
mkdir -p "$OUT"
SHARED=${QWENVL_SHARED_DIR:-}
if [ -z "$SHARED" ]; then
  if [ -d .shared/fixtures ]; then SHARED=$PWD/.shared; else SHARED=$(cd .. && pwd)/shared; fi
fi
CKPT=${CKPT:-/tmp/qwenvl-full}
BUILD=${BUILD:-build-gpu}
JOBS=$(nproc)
T0=$(date +%s)
stamp() { echo "[$(( $(date +%s) - T0 ))s] $*"; }

if [ "$MODE" != tests ] && [ ! -f "$CKPT/model.safetensors.index.json" ]; then
  stamp "writing the full-size checkpoint to $CKPT (background)"
  ( python3 "$SHARED/tools/make_checkpoint.py" "$CKPT" --preset full --fast --shards 5 >"$OUT/checkpoint.log" 2>&1;
    echo "exit $?" >>"$OUT/checkpoint.log" ) &
  CKPT_PID=$!
fi

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit,ecc.mode.current \
  --format=csv >"$OUT/gpu.txt" 2>&1
cat "$OUT/gpu.txt"

stamp "configure + build ($JOBS jobs)"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQWENVL_BUILD_GUI=OFF -DQWENVL_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DQWENVL_SHARED_DIR="$SHARED" -DPython3_EXECUTABLE="$(command -v python3)" >"$OUT/configure.log" 2>&1 || { tail -30 "$OUT/configure.log"; exit 1; }
cmake --build "$BUILD" --parallel "$JOBS" >"$OUT/build.log" 2>&1 || { grep -E "error|FAILED" "$OUT/build.log" | head -40; exit 1; }
grep -iE "warning" "$OUT/build.log" | head -20

TEST_RC=0
if [ "$MODE" = all ] || [ "$MODE" = tests ]; then
  stamp "GPU tests"
  ctest --test-dir "$BUILD" -L gpu -V --timeout ${TEST_TIMEOUT:-300} >"$OUT/ctest-gpu.log" 2>&1
  TEST_RC=$?
  # Failures and every timing line (the full log comes back as a file).
  grep -E "FAIL|time |Test +#[0-9]+:" "$OUT/ctest-gpu.log" | sed -E 's/^[0-9]+: //' | cut -c1-110 | head -130
  # The one-token GEMV kernels side by side (ring, streaming at each L2 prefetch depth).
  "$BUILD/tests/gpu/test_gemv" --sweep >"$OUT/gemv-sweep.txt" 2>&1 && grep -vE "^test_gemv" "$OUT/gemv-sweep.txt"
fi

BENCH_RC=0
if [ "$MODE" != tests ] && [ "$MODE" != server ]; then
  if [ -n "${CKPT_PID:-}" ]; then
    stamp "waiting for the checkpoint"
    wait "$CKPT_PID"
    tail -2 "$OUT/checkpoint.log"
  fi
  stamp "benchmark"
  timeout ${BENCH_TIMEOUT:-420} "$BUILD/inference/qwenvl-bench" model --model "$CKPT" ${BENCH_ARGS:---runs 3} --json "$OUT/bench.json" \
    >"$OUT/bench.log" 2>"$OUT/bench.err"
  BENCH_RC=$?
  tail -20 "$OUT/bench.err"
  if [ "${LOWMEM:-1}" = 1 ]; then
    # Low-memory mode (the vision tower streamed from pinned host memory): TTFT and the peak at
    # 2048 positions (286 + 1762).
    stamp "benchmark, low-memory mode"
    timeout ${BENCH_TIMEOUT:-420} "$BUILD/inference/qwenvl-bench" model --model "$CKPT" --runs 3 --decode 1762 \
      --low-memory --json "$OUT/bench-lowmem.json" >"$OUT/bench-lowmem.log" 2>"$OUT/bench-lowmem.err" || BENCH_RC=1
    sed 's/^/[low-memory] /' "$OUT/bench-lowmem.err" | tail -16
  fi
fi

SERVER_RC=0
if [ "$MODE" = server ] || [ "$MODE" = all ]; then
  if [ -n "${CKPT_PID:-}" ]; then wait "$CKPT_PID" 2>/dev/null; fi
  stamp "server under load"
  OUT="$OUT/server" QWENVL_SHARED_DIR="$SHARED" timeout ${SERVER_BENCH_TIMEOUT:-900} \
    scripts/server-bench.sh "$BUILD" "$CKPT" cuda >"$OUT/server-bench.log" 2>&1
  SERVER_RC=$?
  tail -8 "$OUT/server-bench.log"
fi

if [ "$MODE" = profile ]; then
  # Nsight Compute on the decode kernels of one layer (weights cold: ncu flushes caches per replay).
  stamp "ncu"
  NCU_SECTIONS="--section SpeedOfLight --section MemoryWorkloadAnalysis --section WarpStateStats --section Occupancy --section LaunchStats --section SchedulerStats"
  timeout 240 ncu -k regex:gemv_int4_kernel --launch-skip 40 --launch-count 4 $NCU_SECTIONS \
    "$BUILD/inference/qwenvl-bench" model --model "$CKPT" --runs 1 --decode 8 >"$OUT/ncu-gemv.txt" 2>&1
  timeout 120 ncu -k regex:"gemv_f16_kernel|decode_split_kernel|rope_qkv_kernel" --launch-skip 30 --launch-count 3 $NCU_SECTIONS \
    "$BUILD/inference/qwenvl-bench" model --model "$CKPT" --runs 1 --decode 8 >"$OUT/ncu-other.txt" 2>&1
  grep -E "gemv_int4_kernel|gemv_f16_kernel|decode_split|rope_qkv|Duration|DRAM Throughput|Memory Throughput|Compute \(SM\)|Achieved Occupancy|Issue Slots Busy|No Eligible|Registers Per|Theoretical Occupancy" "$OUT"/ncu-*.txt | cut -c1-120 | head -90
fi

stamp "summary"
[ -f "$OUT/ctest-gpu.log" ] && grep -E "tests passed|tests failed|\(Failed\)|\(Skipped\)|\(Timeout\)" "$OUT/ctest-gpu.log"
[ -f "$OUT/bench.err" ] && grep -E "^(device|load|vision|time to first|decode|bytes per|bandwidth|peak memory)" "$OUT/bench.err"
echo "tests rc=$TEST_RC bench rc=$BENCH_RC server rc=$SERVER_RC"
[ $TEST_RC -eq 0 ] && [ $BENCH_RC -eq 0 ] && [ $SERVER_RC -eq 0 ]
