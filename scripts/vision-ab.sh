#!/usr/bin/env bash
# On the GPU machine, after scripts/gpu-check.sh (its build and checkpoint): the vision encoder
# and time to first token with each of the gpuvision switches off in turn, to see what each is
# worth, and the flash-attention key splits (QWENVL_FLASH_KSPLIT, QWENVL_FLASH_QREGS). Short
# decode (16 tokens), medians of 3. About 4 minutes; optional.
#   scripts/vision-ab.sh   env: BUILD (default build-gpu), CKPT (default /tmp/qwenvl-full),
#                          OUT (default out/gpu-check)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build-gpu}
CKPT=${CKPT:-/tmp/qwenvl-full}
OUT=${OUT:-$PWD/out/gpu-check}
mkdir -p "$OUT"
bench() {
  local tag=$1
  shift
  env "$@" timeout 300 "$BUILD/inference/qwenvl-bench" model --model "$CKPT" --runs 3 --decode 16 \
    --json "$OUT/vision-ab-$tag.json" >"$OUT/vision-ab-$tag.log" 2>"$OUT/vision-ab-$tag.err"
  echo "== $tag (rc $?)"
  grep -E "^(vision encoder|time to first token)|qwenvl:" "$OUT/vision-ab-$tag.err"
}
bench default QWENVL_UNUSED=1
bench no-vision-graph QWENVL_VISION_GRAPH=0
bench no-flash-pipeline QWENVL_FLASH_PIPELINE=0
bench flash-ksplit-1 QWENVL_FLASH_KSPLIT=1
bench flash-ksplit-2 QWENVL_FLASH_KSPLIT=2
bench flash-ksplit-4 QWENVL_FLASH_KSPLIT=4
bench flash-ksplit-2w QWENVL_FLASH_KSPLIT=2w
bench flash-qregs-1 QWENVL_FLASH_QREGS=1
bench cublas-ws-32mib QWENVL_CUBLAS_WORKSPACE_MB=32
bench no-lt-bias QWENVL_VIT_LT_BIAS=0
