#!/usr/bin/env bash
# On the GPU machine (CUDA 13, no Qt): runs the app's end-to-end UI test (window, worker thread,
# engine) offscreen with the CUDA backend on the full-size checkpoint, from the bundle that
# scripts/pack-gpu-ui.sh made on the build machine. Carry .gpuui (the bundle and a copy of this
# script), .devlibs (oneDNN and the picture libraries) and .shared (the fixtures and
# make_checkpoint.py); then `bash .gpuui/run-gpu-ui.sh` (or scripts/run-gpu-ui.sh) from the
# repository root. Prints the test's figures (E2E-FIGURES lines) and writes its logs to $OUT.
#   env: OUT (default out/gpu-ui), CKPT (default /tmp/qwenvl-full, gpu-check.sh's; written with
#   make_checkpoint.py $CKPT_ARGS when it has no config.json or weights), CKPT_ARGS (default
#   "--preset full --fast --shards 5"), E2E_DEVICE (cuda; cpu checks the bundle without a GPU),
#   LOWMEM (default 1: a second run of the figures with the app's low-memory setting, CUDA only),
#   E2E_MAX_NEW (the grounding reply's length, default 64), GPUUI_DIR (default /tmp/gpuui),
#   QWENVL_SHARED_DIR (default .shared, else ../shared), E2E_TIMEOUT (default 900 s a run),
#   PYTHON (default python3, with NumPy, for make_checkpoint.py).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
OUT=${OUT:-$ROOT/out/gpu-ui}
mkdir -p "$OUT"
TARBALL=${GPUUI_TARBALL:-$ROOT/.gpuui/gpuui.tar.xz}
DEST_PARENT=${GPUUI_DIR:-/tmp/gpuui}
CKPT=${CKPT:-/tmp/qwenvl-full}
CKPT_ARGS=${CKPT_ARGS---preset full --fast --shards 5}
DEVICE=${E2E_DEVICE:-cuda}
SHARED=${QWENVL_SHARED_DIR:-}
if [ -z "$SHARED" ]; then
  if [ -d .shared/fixtures ]; then SHARED=$ROOT/.shared; else SHARED=$(cd .. && pwd)/shared; fi
fi
T0=$(date +%s)
stamp() { echo "[$(($(date +%s) - T0))s] $*"; }
fail() { echo "run-gpu-ui: $*" | tee -a "$OUT/run.log" >&2; exit 1; }

[ -f "$TARBALL" ] || fail "no bundle $TARBALL: run scripts/pack-gpu-ui.sh on the build machine and carry .gpuui"
[ -f "$SHARED/tools/make_checkpoint.py" ] || fail "no $SHARED/tools/make_checkpoint.py: carry .shared"

# The checkpoint first, in the background, while the bundle is unpacked and checked.
CKPT_PID=
if [ ! -f "$CKPT/config.json" ] || { [ ! -f "$CKPT/model.safetensors.index.json" ] && [ ! -f "$CKPT/model.safetensors" ]; }; then
  stamp "writing the checkpoint to $CKPT ($CKPT_ARGS, background)"
  # shellcheck disable=SC2086
  ("${PYTHON:-python3}" "$SHARED/tools/make_checkpoint.py" "$CKPT" $CKPT_ARGS >"$OUT/checkpoint.log" 2>&1
    echo "exit $?" >>"$OUT/checkpoint.log") &
  CKPT_PID=$!
fi

# Unpack (again only when the bundle changed).
STAMP_NOW="$(stat -c '%s %Y' "$TARBALL")"
G=$DEST_PARENT/gpuui
if [ "$(cat "$DEST_PARENT/.stamp" 2>/dev/null)" != "$STAMP_NOW" ]; then
  rm -rf "$DEST_PARENT"
  mkdir -p "$DEST_PARENT"
  tar -C "$DEST_PARENT" -xJf "$TARBALL" || fail "cannot unpack $TARBALL"
  echo "$STAMP_NOW" >"$DEST_PARENT/.stamp"
fi
head -3 "$G/MANIFEST" | tee "$OUT/bundle.txt"

# Libraries: the bundle, then .devlibs's (oneDNN, giflib, libtiff, libwebp, libjpeg), then the
# CUDA toolkit's runtime and cuBLAS. The device's own libstdc++ and base libraries are used
# unless ldd finds one missing or too old; then the bundle's Debian 12 set (lib/fallback) goes first.
if [ -f .devlibs/env.sh ]; then
  # shellcheck disable=SC1091
  . .devlibs/env.sh
elif [ -d /tmp/devroot/lib ]; then
  export LD_LIBRARY_PATH=/tmp/devroot/lib:${LD_LIBRARY_PATH:-}
else
  echo "warning: no .devlibs (oneDNN, giflib, libtiff, libwebp): carry it unless the device has them" >&2
fi
CUDA_LIBS=
for d in ${CUDA_HOME:+$CUDA_HOME/lib64} /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
  ${CUDA_PATH:+$CUDA_PATH/lib64} $(command -v nvcc >/dev/null && dirname "$(readlink -f "$(command -v nvcc)")")/../lib64; do
  if [ -f "$d/libcublas.so.13" ]; then CUDA_LIBS=$(readlink -f "$d"); break; fi
done
BASE_LD=$(printf '%s' "${LD_LIBRARY_PATH:-}" | tr -s ':' | sed 's/^://; s/:$//')  # no empty entry (the cwd)
export LD_LIBRARY_PATH=$G/lib${BASE_LD:+:$BASE_LD}${CUDA_LIBS:+:$CUDA_LIBS}
ELFS=("$G/bin/tst_ui_engine_e2e" "$G/lib/qwenvl-studio/libqwenvl-cuda.so" $(find "$G/plugins" -name "*.so"))
unresolved() {
  for e in "${ELFS[@]}"; do
    if [ "$DEVICE" != cuda ] && [[ $e == *libqwenvl-cuda.so ]]; then continue; fi
    ldd "$e" 2>&1 | grep -E "not found" | sed "s|^|$(basename "$e"): |"
  done
}
MISSING=$(unresolved)
if [ -n "$MISSING" ]; then
  echo "with the device's own libraries:"$'\n'"$MISSING" >"$OUT/ldd-fallback.txt"
  export LD_LIBRARY_PATH=$G/lib:$G/lib/fallback${BASE_LD:+:$BASE_LD}${CUDA_LIBS:+:$CUDA_LIBS}
  stamp "using the bundle's libstdc++ and base libraries (see ldd-fallback.txt)"
  MISSING=$(unresolved)
fi
for e in "${ELFS[@]}"; do echo "== $e"; ldd "$e"; done >"$OUT/ldd.txt" 2>&1
[ -z "$MISSING" ] || fail "libraries not found:"$'\n'"$MISSING"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >>"$OUT/bundle.txt"

# Qt offscreen, with the bundle's plugins and font.
export QT_QPA_PLATFORM=offscreen QT_PLUGIN_PATH=$G/plugins
mkdir -p "$DEST_PARENT/fontcache" "$DEST_PARENT/runtime"
chmod 700 "$DEST_PARENT/runtime"
cat >"$G/fonts/fonts.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>$G/fonts</dir>
  <cachedir>$DEST_PARENT/fontcache</cachedir>
  <alias><family>sans-serif</family><prefer><family>DejaVu Sans</family></prefer></alias>
</fontconfig>
EOF
export FONTCONFIG_FILE=$G/fonts/fonts.conf XDG_RUNTIME_DIR=$DEST_PARENT/runtime
export QWENVL_FIXTURES=$SHARED/fixtures QWENVL_CUDA_MODULE=$G/lib/qwenvl-studio/libqwenvl-cuda.so
export QWENVL_E2E_MODEL=$CKPT QWENVL_E2E_DEVICE=$DEVICE
[ -n "${E2E_MAX_NEW:-}" ] && export QWENVL_E2E_MAX_NEW=$E2E_MAX_NEW

if [ "$DEVICE" = cuda ]; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv >"$OUT/gpu.txt" 2>&1
  cat "$OUT/gpu.txt"
fi
if [ -n "$CKPT_PID" ]; then
  stamp "waiting for the checkpoint"
  wait "$CKPT_PID"
  tail -1 "$OUT/checkpoint.log"
  grep -q "^exit 0" "$OUT/checkpoint.log" || fail "make_checkpoint.py failed (checkpoint.log)"
fi

stamp "end-to-end UI test: $DEVICE, $CKPT"
export QTEST_FUNCTION_TIMEOUT=${QTEST_FUNCTION_TIMEOUT:-900000}  # ms a test function (Qt Test: 300 s)
timeout "${E2E_TIMEOUT:-900}" "$G/bin/tst_ui_engine_e2e" >"$OUT/e2e.log" 2>&1
RC=$?
grep -E "E2E-|^(PASS|FAIL|SKIP)|Totals|QCRITICAL|QFATAL|Loc:" "$OUT/e2e.log" | cut -c1-400
RC_LOW=0
if [ "$DEVICE" = cuda ] && [ "${LOWMEM:-1}" = 1 ]; then
  stamp "the figures again with the app's low-memory setting"
  QWENVL_E2E_LOW_MEMORY=1 timeout "${E2E_TIMEOUT:-900}" "$G/bin/tst_ui_engine_e2e" aGroundingQuestionShowsItsFigures \
    >"$OUT/e2e-lowmem.log" 2>&1
  RC_LOW=$?
  grep -E "E2E-|^(PASS|FAIL|SKIP)|Totals|QFATAL|Loc:" "$OUT/e2e-lowmem.log" | sed 's/^/[low-memory] /' | cut -c1-400
fi
stamp "done: rc=$RC low-memory rc=$RC_LOW (logs in $OUT)"
[ $RC -eq 0 ] && [ $RC_LOW -eq 0 ]
