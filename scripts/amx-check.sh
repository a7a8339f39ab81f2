#!/usr/bin/env bash
# The bf16x3 GEMM split's plans (cpu/gemm.h, QWENVL_CPU_BF16*) on an AMX machine, in one run of
# under 5 minutes on the GPU machine's 16-core Xeon: builds qwenvl-bench without Qt or CUDA
# (writing the full checkpoint beside the build), runs `qwenvl-bench cpu --gemm-sweep 0` with
# QWENVL_CPU_PROFILE=1 for each plan (the ViT's and the prompt's GEMM shapes, fp32 tiles beside
# them), picks the plan with the least time over the five shapes, and runs the model benchmark
# of the full checkpoint with it (`--runs 3 --decode 128 --skip sampled,engine`, or `--runs 1
# --decode 32` when less than 170 s are left of LIMIT_S). Measures, never asserts. On the GPU
# machine it needs the lead's .devlibs (oneDNN) and .shared (the checkpoint writer) carried.
#   scripts/amx-check.sh     env: OUT (default out/amx-check), CKPT (/tmp/qwenvl-full),
#                            BUILD (build-cpu), THREADS (all), QWENVL_SHARED_DIR, LIMIT_S (285),
#                            NO_BUILD=1 (use $BUILD as it is: a try on the build machine)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# The GPU machine lacks oneDNN's and other Debian build dependencies: the lead's .devlibs has them.
if [ -f .devlibs/env.sh ]; then
  # shellcheck disable=SC1091
  source .devlibs/env.sh
fi
OUT=${OUT:-$PWD/out/amx-check}
mkdir -p "$OUT"
SHARED=${QWENVL_SHARED_DIR:-}
if [ -z "$SHARED" ]; then
  if [ -d .shared/tools ]; then SHARED=$PWD/.shared; else SHARED=$(cd .. && pwd)/shared; fi
fi
CKPT=${CKPT:-/tmp/qwenvl-full}
BUILD=${BUILD:-build-cpu}
THREADS=${THREADS:-$(nproc)}
LIMIT_S=${LIMIT_S:-285}
T0=$(date +%s)
stamp() { echo "[$(($(date +%s) - T0))s] $*"; }

CKPT_PID=""
if [ ! -f "$CKPT/model.safetensors.index.json" ] && [ ! -f "$CKPT/model.safetensors" ]; then
  stamp "writing the full checkpoint to $CKPT in the background"
  python3 "$SHARED/tools/make_checkpoint.py" "$CKPT" --preset full --fast --shards 5 >"$OUT/checkpoint.log" 2>&1 &
  CKPT_PID=$!
fi
if [ "${NO_BUILD:-0}" != 1 ]; then
  stamp "configure + build qwenvl-bench ($(nproc) jobs)"
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQWENVL_BUILD_GUI=OFF -DQWENVL_CUDA=OFF \
    -DQWENVL_BUILD_TESTS=OFF >"$OUT/configure.log" 2>&1 || { tail -30 "$OUT/configure.log"; exit 1; }
  cmake --build "$BUILD" --target qwenvl-bench --parallel "$(nproc)" >"$OUT/build.log" 2>&1 ||
    { grep -E "error|FAILED" "$OUT/build.log" | head -40; exit 1; }
fi
BENCH=$BUILD/inference/qwenvl-bench
{
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) logical CPUs, threads $THREADS"
  echo "amx: $(lscpu | grep -ow 'amx_bf16' | head -1 || true)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
} | tee "$OUT/machine.txt"

# name, tile width (0: the split's own, 128) and environment of each plan; tiles-kc0 is the
# version measured before (one matmul per tile over the whole 3K, plain weights).
PLANS=(
  "blocks|0|QWENVL_CPU_BF16=blocks"
  "tiles|0|QWENVL_CPU_BF16=tiles"
  "tiles-kc0|0|QWENVL_CPU_BF16=tiles QWENVL_CPU_BF16_KC=0 QWENVL_CPU_BF16_BLOCKED=0"
  "blocks-plain|0|QWENVL_CPU_BF16=blocks QWENVL_CPU_BF16_BLOCKED=0"
  "blocks-nt256|256|QWENVL_CPU_BF16=blocks QWENVL_CPU_GEMM_NT=256"
  "blocks-mb512|0|QWENVL_CPU_BF16=blocks QWENVL_CPU_BF16_MB=512"
  "blocks-kc3072|0|QWENVL_CPU_BF16=blocks QWENVL_CPU_BF16_KC=3072"
  "tiles-kc3072|0|QWENVL_CPU_BF16=tiles QWENVL_CPU_BF16_KC=3072"
  "blocks-mb128|0|QWENVL_CPU_BF16=blocks QWENVL_CPU_BF16_MB=128"
  "team|0|QWENVL_CPU_BF16=team"
)
NAMES=""
for entry in "${PLANS[@]}"; do
  name=${entry%%|*}
  rest=${entry#*|}
  width=${rest%%|*}
  vars=${rest#*|}
  [ $(($(date +%s) - T0)) -gt 140 ] && { stamp "skipping $name and later plans (time)"; break; }
  debug=""
  [ "$name" = blocks ] && debug="QWENVL_DEBUG_BF16=1"
  # shellcheck disable=SC2086
  env QWENVL_CPU_GEMM=bf16x3 QWENVL_CPU_PROFILE=1 $vars $debug timeout 60 "$BENCH" cpu --threads "$THREADS" \
    --gemm-sweep "$width" >"$OUT/sweep-$name.json" 2>"$OUT/sweep-$name.err" || { stamp "$name failed"; tail -5 "$OUT/sweep-$name.err"; continue; }
  stamp "$name ($vars)"
  grep -E "^(vit|llm)\.|thread\.bf16\.|oneDNN" "$OUT/sweep-$name.err" | grep -v "^.* tiles " | sed 's/^/  /'
  NAMES="$NAMES $name"
done
{ grep -E "^weights" "$OUT/sweep-blocks.err" | sort -u | head -3; grep -E "^matmul" "$OUT/sweep-blocks.err" | sort -u | head -4; } 2>/dev/null | sed 's/^/  oneDNN: /'

# The fastest plan over the five shapes (seconds summed), and the fp32 tiles for reference.
# shellcheck disable=SC2086
BEST=$(python3 - "$OUT" $NAMES <<'PY'
import json, sys
out, names = sys.argv[1], sys.argv[2:]
best, rows = None, []
tiles = {}
for n in names:
    try:
        data = json.load(open(f"{out}/sweep-{n}.json"))
    except Exception:
        continue
    t = 0.0
    for r in data:
        s = 2.0 * r["M"] * r["N"] * r["K"] / (r["gflops"] * 1e9)
        if r["split"] == "bf16x3":
            t += s
        else:
            tiles.setdefault(r["shape"], []).append(s)
    rows.append((t, n))
    if best is None or t < best[0]:
        best = (t, n)
fp32 = sum(min(v) for v in tiles.values())
for t, n in sorted(rows):
    print(f"  {n:14s} {t * 1e3:8.1f} ms over the five shapes", file=sys.stderr)
print(f"  fp32 tiles     {fp32 * 1e3:8.1f} ms (best of the runs above)", file=sys.stderr)
print(best[1] if best else "")
PY
)
stamp "fastest plan: ${BEST:-none}"
[ -n "$BEST" ] || exit 1

if [ -n "$CKPT_PID" ]; then
  wait "$CKPT_PID" || { tail -20 "$OUT/checkpoint.log"; exit 1; }
  stamp "checkpoint written"
fi
vars=""
for entry in "${PLANS[@]}"; do [ "${entry%%|*}" = "$BEST" ] && vars=${entry#*|*|}; done
LEFT=$((LIMIT_S - ($(date +%s) - T0)))
# The full checkpoint's benchmark takes about 2 minutes on the Xeon; a shorter one when time is short.
MODEL_ARGS="--runs 3 --decode 128"
[ "$LEFT" -lt 170 ] && MODEL_ARGS="--runs 1 --decode 32"
stamp "model bench ($MODEL_ARGS), bf16x3 plan $BEST, ${LEFT}s left"
# shellcheck disable=SC2086
env QWENVL_CPU_GEMM=bf16x3 QWENVL_CPU_PROFILE=1 $vars timeout "$LEFT" "$BENCH" model --model "$CKPT" --device cpu \
  --threads "$THREADS" $MODEL_ARGS --skip sampled,engine --json "$OUT/model-$BEST.json" \
  >"$OUT/model-$BEST.out" 2>"$OUT/model-$BEST.err"
echo "model bench rc=$? (124: out of time)"
grep -E "vision|first token|decode at the prompt|bandwidth" "$OUT/model-$BEST.err" | head -12
grep -A14 "CPU profile" "$OUT/model-$BEST.err" | head -16
stamp "done"
