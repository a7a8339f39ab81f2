#!/usr/bin/env bash
# The CPU backend's speed on the full-size checkpoint (issue 13's bars): builds the engine without
# Qt or CUDA into $BUILD, writes the full checkpoint if $CKPT lacks it, then runs
# `qwenvl-bench model --device cpu` (medians of 3: vision, time to first token with one picture,
# decode tokens/s at the 286-token context, bytes per step and their share of the measured copy
# bandwidth) with all hardware threads and, where SMT doubles them, with one thread per core.
# Prints the figures against the bars and a Markdown row for docs/benchmarks.md.
#   scripts/cpu-bench.sh            env: CKPT (default /tmp/qwenvl-full), BUILD (build-cpu),
#                                   OUT (out/cpu-bench), QWENVL_SHARED_DIR, BENCH_ARGS,
#                                   SPLITS (GEMM splits, default "default" plus "bf16x3" on AMX)
# The full checkpoint's run takes about 2 minutes per split on a 16-core Xeon (each prompt with a picture
# takes seconds; the default BENCH_ARGS leave out the sampled decode and the chat-session TTFT).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/out/cpu-bench}
mkdir -p "$OUT"
SHARED=${QWENVL_SHARED_DIR:-}
if [ -z "$SHARED" ]; then
  if [ -d .shared/fixtures ]; then SHARED=$PWD/.shared; else SHARED=$(cd .. && pwd)/shared; fi
fi
CKPT=${CKPT:-/tmp/qwenvl-full}
BUILD=${BUILD:-build-cpu}
BENCH_ARGS=${BENCH_ARGS:---runs 3 --decode 128 --skip sampled,engine}
T0=$(date +%s)
stamp() { echo "[$(($(date +%s) - T0))s] $*"; }

have_dnnl=0
for prefix in /usr ${CMAKE_PREFIX_PATH//:/ }; do [ -f "$prefix/include/dnnl.h" ] && have_dnnl=1; done
if [ $have_dnnl = 0 ]; then
  echo "note: libdnnl-dev is not installed; the build falls back to OpenBLAS (slower prompts and vision)."
fi
CKPT_PID=""
if [ ! -f "$CKPT/model.safetensors.index.json" ] && [ ! -f "$CKPT/model.safetensors" ]; then
  stamp "writing the full-size checkpoint to $CKPT (beside the build)"
  python3 "$SHARED/tools/make_checkpoint.py" "$CKPT" --preset full --fast --shards 5 >"$OUT/checkpoint.log" 2>&1 &
  CKPT_PID=$!
fi

stamp "configure + build ($(nproc) jobs)"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQWENVL_BUILD_GUI=OFF -DQWENVL_CUDA=OFF \
  -DQWENVL_BUILD_TESTS=OFF >"$OUT/configure.log" 2>&1 || { tail -30 "$OUT/configure.log"; exit 1; }
cmake --build "$BUILD" --target qwenvl-bench --parallel "$(nproc)" >"$OUT/build.log" 2>&1 ||
  { grep -E "error|FAILED" "$OUT/build.log" | head -40; exit 1; }

if [ -n "$CKPT_PID" ]; then
  wait "$CKPT_PID" || { tail -20 "$OUT/checkpoint.log"; exit 1; }
  stamp "checkpoint written"
fi

CPU=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
LOGICAL=$(nproc)
CORES=$(lscpu -p=CORE,SOCKET 2>/dev/null | grep -v '^#' | sort -u | wc -l)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
{
  echo "cpu: $CPU"
  echo "logical CPUs: $LOGICAL, cores: $CORES"
  echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "commit: $COMMIT"
  lscpu | grep -iE "flags" | grep -o -E "avx512f|avx2|fma|f16c" | sort -u | tr '\n' ' '
  echo
} | tee "$OUT/machine.txt"

THREADS_LIST="$LOGICAL"
if [ "$CORES" -gt 0 ] && [ "$CORES" -lt "$LOGICAL" ]; then THREADS_LIST="$LOGICAL $CORES"; fi
# The GEMM splits to compare (cpu/gemm.h): the default, and bf16x3 where the CPU has AMX.
if [ -z "${SPLITS:-}" ]; then
  SPLITS=default
  if lscpu | grep -qw amx_bf16; then SPLITS="default bf16x3"; fi
fi
RUNS=""
for split in $SPLITS; do
  for t in $THREADS_LIST; do
    name="t$t-$split"
    stamp "qwenvl-bench model --device cpu --threads $t $BENCH_ARGS (GEMM split: $split)"
    if [ "$split" = default ]; then unset QWENVL_CPU_GEMM; else export QWENVL_CPU_GEMM=$split; fi
    # shellcheck disable=SC2086
    "$BUILD/inference/qwenvl-bench" model --model "$CKPT" --device cpu --threads "$t" $BENCH_ARGS \
      --json "$OUT/bench-$name.json" >"$OUT/bench-$name.out" 2>"$OUT/bench-$name.err" ||
      { tail -20 "$OUT/bench-$name.err"; exit 1; }
    grep -B1 -A14 "^device" "$OUT/bench-$name.err" | head -16
    RUNS="$RUNS $name"
  done
done
unset QWENVL_CPU_GEMM

# shellcheck disable=SC2086
python3 - "$OUT" "$CPU" "$COMMIT" $RUNS <<'PY'
import json, sys
out, cpu, commit, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
print("\n| threads, GEMM split | vision ms | TTFT ms | decode tok/s @286 | GB/step | copy GB/s | share | bars |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for name in runs:
    j = json.load(open(f"{out}/bench-{name}.json"))
    t = name[1:].split("-")[0] + ", " + j.get("cpu_gemm_split", "?")
    v, ttft = j["vision_ms"]["median"], j["ttft_ms"]["median"]
    tps, b = j["decode_tokens_per_second_at_prompt"], j["bytes_per_decode_step_at_prompt"]
    bw, share = j["memory_bandwidth_bytes_per_second"], j["bandwidth_share_at_prompt"]
    ok = [("decode >= 50% bw", share >= 0.5), ("vision <= 3 s", v <= 3000), ("TTFT <= 6 s", ttft <= 6000)]
    bars = ", ".join(f"{n}: {'yes' if o else 'NO'}" for n, o in ok)
    print(f"| {t} | {v:.0f} | {ttft:.0f} | {tps:.2f} | {b/1e9:.3f} | {bw/1e9:.1f} | {100*share:.1f} % | {bars} |")
print(f"\n{cpu}, commit {commit}; command: scripts/cpu-bench.sh (qwenvl-bench model --device cpu --threads N --runs 3 --decode 128 --skip sampled,engine)")
PY
stamp "done; JSON and logs in $OUT"
