#!/usr/bin/env bash
# The Amx GEMM split (cpu/gemm_amx.cpp: our own AMX kernel for the bf16x3 products,
# QWENVL_CPU_GEMM=amx) on the GPU machine's Xeon, in one run of under 4 minutes: builds
# qwenvl-bench and qwenvl-cli without Qt or CUDA (writing the full checkpoint beside the build),
# prints the CPU's topology, times the ViT's and the prompt's GEMM shapes with the fp32 tiles and
# with amx at a few panel widths, k blocks, microkernels and loop orders (QWENVL_CPU_AMX_KERNEL,
# QWENVL_CPU_AMX_ORDER: nine more sweeps of about 4 s; `qwenvl-bench cpu --gemm-sweep`, each result's
# error against the fp32 tiles beside its time), checks `qwenvl-cli conform --device cpu` with amx
# against the public fp32 goldens (the tiny checkpoint; scripts/conform_compare.py, the checks of
# tst_conform_cpu), then runs the model benchmark of the full checkpoint with the fastest amx
# variant (`--runs 3 --decode 128 --skip sampled,engine`, or `--runs 1 --decode 32` when less
# than 150 s are left of LIMIT_S). Before the sweeps, the ViT's attention with the fp32 sgemm and
# on the tile unit (`qwenvl-bench cpu --attention`). Measures; the only verdicts are the errors
# and the goldens.
# On the GPU machine it needs the lead's .devlibs (oneDNN) and .shared (fixtures, checkpoint
# writer) carried. At most 5 files under OUT (build, checkpoint, sweep, conform and model logs).
#   scripts/amx-kernel-check.sh  env: OUT (default out/amx-kernel-check), CKPT (/tmp/qwenvl-full),
#                                BUILD (build-cpu), THREADS (all), QWENVL_SHARED_DIR, LIMIT_S (230),
#                                NO_BUILD=1 (use $BUILD as it is), WORK (scratch, /tmp/amx-kernel-check),
#                                SWEEP_EXTRA (more sweep arguments: a try on the build machine without
#                                AMX: QWENVL_CPU_AMX_EMULATE=1 SWEEP_EXTRA="--gemm-rows 32" CKPT=tiny)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# The GPU machine lacks oneDNN's and other Debian build dependencies: the lead's .devlibs has them.
if [ -f .devlibs/env.sh ]; then
  # shellcheck disable=SC1091
  source .devlibs/env.sh
fi
OUT=${OUT:-$PWD/out/amx-kernel-check}
WORK=${WORK:-/tmp/amx-kernel-check}
mkdir -p "$OUT" "$WORK"
SHARED=${QWENVL_SHARED_DIR:-}
if [ -z "$SHARED" ]; then
  if [ -d .shared/tools ]; then SHARED=$PWD/.shared; else SHARED=$(cd .. && pwd)/shared; fi
fi
CKPT=${CKPT:-/tmp/qwenvl-full}
BUILD=${BUILD:-build-cpu}
THREADS=${THREADS:-$(nproc)}
LIMIT_S=${LIMIT_S:-230}
PY=python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import numpy" 2>/dev/null && PY=/usr/bin/python3
T0=$(date +%s)
stamp() { echo "[$(($(date +%s) - T0))s] $*"; }
left() { echo $((LIMIT_S - ($(date +%s) - T0))); }

echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
lscpu | grep -E "^(CPU\(s\)|Thread\(s\) per core|Core\(s\) per socket|Socket\(s\)|NUMA node\(s\)|L1d|L2|L3)" | sed 's/^/  /'
echo "  amx flags: $(lscpu | grep -ow 'amx_[a-z0-9]*' | sort -u | tr '\n' ' ')"
echo "  commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), threads $THREADS"

CKPT_PID=""
if [ ! -f "$CKPT/model.safetensors.index.json" ] && [ ! -f "$CKPT/model.safetensors" ]; then
  stamp "writing the full checkpoint to $CKPT in the background"
  $PY "$SHARED/tools/make_checkpoint.py" "$CKPT" --preset full --fast --shards 5 >"$OUT/checkpoint.log" 2>&1 &
  CKPT_PID=$!
fi
if [ "${NO_BUILD:-0}" != 1 ]; then
  stamp "configure + build qwenvl-bench, qwenvl-cli ($(nproc) jobs)"
  { cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQWENVL_BUILD_GUI=OFF -DQWENVL_CUDA=OFF \
    -DQWENVL_BUILD_TESTS=OFF && cmake --build "$BUILD" --target qwenvl-bench qwenvl-cli --parallel "$(nproc)"; } \
    >"$OUT/build.log" 2>&1 || { grep -E "error|FAILED|Error" "$OUT/build.log" | head -40; exit 1; }
fi
BENCH=$BUILD/inference/qwenvl-bench
CLI=$BUILD/inference/qwenvl-cli

# The sweeps: name | environment | qwenvl-bench cpu arguments. The first times the fp32 tiles
# too; every one prints each result's error against the fp32 tiles (max_err: largest difference
# over the largest value; rel_l2; amx also its difference from the emulation that the unit tests run
# elsewhere, 0 when bit for bit). amx by default plans its panels (128, 64 or 32 columns) and
# row parts itself (QWENVL_DEBUG_AMX=1 prints the plans), k blocks of 256; the others fix the
# panel width (--gemm-sweep W), the k block, or count the panel packing free (more row parts).
# amx-k*/amx-o*: the other microkernels and loop orders (QWENVL_CPU_AMX_KERNEL, _ORDER, gemm.h;
# the same bits as kernel 0 in order 0, which tst_cpu_amx checks; here each one's
# "emulation diff" and the outputs that differ from kernel 0's on the tile unit must be 0), about
# 4 s each; o1kb128: strips outer with k blocks of 128, a
# strip's B (16 KiB) and a row block's A (16 KiB) both in L1.
SWEEPS=(
  "amx|QWENVL_CPU_PROFILE=1 QWENVL_DEBUG_AMX=1|--splits tiles,amx --gemm-sweep 0"
  "amx-k1|QWENVL_CPU_AMX_KERNEL=1|--splits amx --gemm-sweep 0"
  "amx-k2|QWENVL_CPU_AMX_KERNEL=2|--splits amx --gemm-sweep 0"
  "amx-o1|QWENVL_CPU_AMX_ORDER=1|--splits amx --gemm-sweep 0"
  "amx-o2|QWENVL_CPU_AMX_ORDER=2|--splits amx --gemm-sweep 0"
  "amx-k1o2|QWENVL_CPU_AMX_KERNEL=1 QWENVL_CPU_AMX_ORDER=2|--splits amx --gemm-sweep 0"
  "amx-k2o1|QWENVL_CPU_AMX_KERNEL=2 QWENVL_CPU_AMX_ORDER=1|--splits amx --gemm-sweep 0"
  "amx-k3|QWENVL_CPU_AMX_KERNEL=3|--splits amx --gemm-sweep 0"
  "amx-k3o1|QWENVL_CPU_AMX_KERNEL=3 QWENVL_CPU_AMX_ORDER=1|--splits amx --gemm-sweep 0"
  "amx-o1kb128|QWENVL_CPU_AMX_ORDER=1 QWENVL_CPU_AMX_KB=128|--splits amx --gemm-sweep 0"
  "amx-nt|QWENVL_CPU_AMX_KB=256|--splits amx --gemm-sweep 128,64"
  "amx-kb1024|QWENVL_CPU_AMX_KB=1024|--splits amx --gemm-sweep 0"
  "amx-parts4|QWENVL_CPU_AMX_PARTS=4|--splits amx --gemm-sweep 0"
)
: >"$OUT/sweep.log"
# The ViT's attention (cpu/attention.cpp; 1024 tokens, 16 heads of 104): the fp32 sgemm path, then
# the tile unit's (attention_amx, QWENVL_CPU_GEMM=amx), with its error against the sgemm path and
# its difference from the emulation over 2 heads (0: bit for bit); the profile splits each into
# q k^T, softmax, p v and (amx) the packing of K and V.
echo "== attention: QWENVL_CPU_GEMM=amx QWENVL_CPU_PROFILE=1 --attention" >>"$OUT/sweep.log"
if QWENVL_CPU_GEMM=amx QWENVL_CPU_PROFILE=1 timeout 60 "$BENCH" cpu --threads "$THREADS" --attention \
  >"$WORK/attention.json" 2>>"$OUT/sweep.log"; then
  stamp "attention at the ViT's shape"
  sed -n "/^== attention:/,\$p" "$OUT/sweep.log" | grep -E "^(attention |vit\.attention|  thread\.attention)|qwenvl:" |
    sed 's/^/  /'
else
  stamp "attention bench failed"
  tail -5 "$OUT/sweep.log"
fi
if [ -n "$CKPT_PID" ] && kill -0 "$CKPT_PID" 2>/dev/null; then
  stamp "note: the full checkpoint is still being written: the sweeps' times may be noisy"
fi
for entry in "${SWEEPS[@]}"; do
  IFS='|' read -r name vars sweep_args <<<"$entry"
  [ "$(left)" -lt 150 ] && [ "$name" != amx ] && { stamp "skipping sweep $name and later ones (time)"; break; }
  echo "== $name: $vars $sweep_args" >>"$OUT/sweep.log"
  # shellcheck disable=SC2086
  env $vars timeout 90 "$BENCH" cpu --threads "$THREADS" $sweep_args ${SWEEP_EXTRA:-} >"$WORK/sweep-$name.json" 2>>"$OUT/sweep.log" ||
    { stamp "sweep $name failed"; tail -5 "$OUT/sweep.log"; continue; }
  stamp "sweep $name ($vars)"
  sed -n "/^== $name:/,\$p" "$OUT/sweep.log" | grep -E "^(vit|llm)\.|amx[. ]|qwenvl:" | awk '!seen[$0]++' | sed 's/^/  /'
done

# Milliseconds over the five shapes per split, width and k block; the fastest amx variant.
BEST=$($PY - "$WORK" "${SWEEPS[@]}" <<'PY'
import json, os, sys
work, sweeps = sys.argv[1], sys.argv[2:]
rows, best = {}, None
for entry in sweeps:
    name, env, _ = entry.split("|")
    path = f"{work}/sweep-{name}.json"
    if not os.path.exists(path):
        continue
    try:
        data = json.load(open(path))
    except ValueError:
        continue
    # the amx variant: its environment (the k block, forced row parts, the microkernel, the
    # loop order), "-" for the defaults
    amx_env = " ".join(v for v in env.split() if v.startswith(("QWENVL_CPU_AMX_KB=", "QWENVL_CPU_AMX_PARTS=",
                                                                "QWENVL_CPU_AMX_KERNEL=", "QWENVL_CPU_AMX_ORDER=")))
    for r in data:
        # width 0: each split's own choice (the tiles' depends on K; amx plans its own)
        key = (r["split"], 0 if r["default_width"] else r["width"], (amx_env or "-") if r["split"] == "amx" else "-")
        ms, err, emu, k0 = rows.get(key, (0.0, 0.0, -1.0, -1))
        rows[key] = (ms + 2e3 * r["M"] * r["N"] * r["K"] / (r["gflops"] * 1e9), max(err, r["max_err"]),
                     max(emu, r.get("emulation_max_diff", -1.0)), max(k0, 0) + r["kernel0_differing"]
                     if "kernel0_differing" in r else k0)
for (split, width, amx_env), (ms, err, emu, k0) in sorted(rows.items(), key=lambda kv: kv[1][0]):
    emu_note = f", emulation diff {emu:.2g}" if emu >= 0 else ""
    emu_note += f", {k0} outputs differ from kernel 0" if k0 >= 0 else ""
    print(f"  {split:6s} width {width or 'own':>4} {ms:8.1f} ms over the five shapes, max_err {err:.2g}{emu_note}"
          f"  {amx_env}", file=sys.stderr)
    if split == "amx" and best is None:
        best = " ".join(x for x in [amx_env if amx_env != "-" else "", f"QWENVL_CPU_GEMM_NT={width}" if width else ""] if x)
print(best or "")
PY
)
stamp "fastest amx variant: ${BEST:-the defaults}"

# Two hardware threads per core share one tile unit: the defaults again with one thread per core.
TPC=$(lscpu | sed -n 's/^Thread(s) per core: *//p' | head -1)
if [ "${TPC:-1}" -gt 1 ] && [ "$(left)" -gt 150 ]; then
  CORES=$((THREADS / TPC))
  echo "== amx-cores: --threads $CORES" >>"$OUT/sweep.log"
  # shellcheck disable=SC2086
  timeout 60 "$BENCH" cpu --threads "$CORES" --splits tiles,amx --gemm-sweep 0 ${SWEEP_EXTRA:-} >/dev/null 2>>"$OUT/sweep.log" &&
    stamp "sweep with one thread per core ($CORES threads)" &&
    sed -n "/^== amx-cores:/,\$p" "$OUT/sweep.log" | grep -E "^(vit|llm)\." | sed 's/^/  /'
fi

# conform --device cpu with amx on the tiny checkpoint, against the fp32 goldens.
stamp "conform --device cpu, QWENVL_CPU_GEMM=amx (tiny checkpoint)"
{
  [ -f "$WORK/tiny/model.safetensors" ] || $PY "$SHARED/tools/make_checkpoint.py" "$WORK/tiny"
  rm -rf "$WORK/conform"
  QWENVL_CPU_GEMM=amx timeout 60 "$CLI" conform --model "$WORK/tiny" --scenarios "$SHARED/fixtures/tiny_scenarios.json" \
    --workdir "$SHARED/fixtures" --out "$WORK/conform" --device cpu --threads "$THREADS"
  echo "conform rc=$?"
  $PY scripts/conform_compare.py "$WORK/conform" "$SHARED/fixtures/golden/tiny" "$SHARED/fixtures/tiny_scenarios.json"
} >"$OUT/conform.log" 2>&1
grep -E "^(conform|  FAIL|qwenvl:)|: visual" "$OUT/conform.log" | sed 's/^/  /'

if [ -n "$CKPT_PID" ]; then
  wait "$CKPT_PID" || { tail -20 "$OUT/checkpoint.log"; exit 1; }
  stamp "checkpoint written"
fi
LEFT=$(left)
# The full checkpoint's benchmark takes about 2 minutes on the Xeon; a shorter one when time is short.
MODEL_ARGS="--runs 3 --decode 128"
[ "$LEFT" -lt 150 ] && MODEL_ARGS="--runs 1 --decode 32"
[ "$LEFT" -lt 40 ] && LEFT=40
stamp "model bench ($MODEL_ARGS), amx ${BEST:-defaults}, ${LEFT}s left"
# shellcheck disable=SC2086
env QWENVL_CPU_GEMM=amx QWENVL_CPU_PROFILE=1 $BEST timeout "$LEFT" "$BENCH" model --model "$CKPT" --device cpu \
  --threads "$THREADS" $MODEL_ARGS --skip sampled,engine --json "$WORK/model.json" >"$WORK/model.out" 2>"$OUT/model.log"
echo "model bench rc=$? (124: out of time)"
grep -E "qwenvl:|vision|first token|decode at the prompt|bandwidth" "$OUT/model.log" | head -12
grep -A14 "CPU profile" "$OUT/model.log" | head -16
stamp "done"
