#!/usr/bin/env bash
# On the GPU machine, after scripts/gpu-check.sh (its build and checkpoint): time to first token
# with the prompt's int4 layers through the fused int4 GEMM (QWENVL_PREFILL_GEMM=mma) and through
# dequantisation + cuBLAS (=cublas, the default), then the low-memory mode's peak at 2048 positions
# with the cuBLAS path's leased slots (bar: 7.0 GiB device used). Medians of 3. About 2-3 minutes.
#   scripts/prefill-ab.sh   env: BUILD (default build-gpu), CKPT (default /tmp/qwenvl-full),
#                           OUT (default out/gpu-check)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build-gpu}
CKPT=${CKPT:-/tmp/qwenvl-full}
OUT=${OUT:-$PWD/out/gpu-check}
mkdir -p "$OUT"
bench() {
  local tag=$1
  shift
  env "$@" timeout 300 "$BUILD/inference/qwenvl-bench" model --model "$CKPT" --runs 3 --decode 128 \
    --json "$OUT/prefill-ab-$tag.json" >"$OUT/prefill-ab-$tag.log" 2>"$OUT/prefill-ab-$tag.err"
  echo "== $tag (rc $?)"
  grep -E "^(vision encoder|time to first token|decode|peak memory)|qwenvl:" "$OUT/prefill-ab-$tag.err"
}
bench mma QWENVL_PREFILL_GEMM=mma
bench cublas QWENVL_PREFILL_GEMM=cublas
echo "== cublas, low-memory mode, 2048 positions"
QWENVL_PREFILL_GEMM=cublas timeout 300 "$BUILD/inference/qwenvl-bench" model --model "$CKPT" --runs 3 \
  --decode 1762 --low-memory --json "$OUT/prefill-ab-cublas-lowmem.json" >"$OUT/prefill-ab-cublas-lowmem.log" \
  2>"$OUT/prefill-ab-cublas-lowmem.err"
echo "rc $?"
grep -E "^(vision encoder|time to first token|peak memory)|qwenvl:|low-memory" "$OUT/prefill-ab-cublas-lowmem.err"
