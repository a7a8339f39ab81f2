#!/usr/bin/env bash
# On the build machine (Debian 12 with Qt 6 and nvcc 13): builds the app's end-to-end UI test
# (tests/ui/tst_ui_engine_e2e: window, worker thread, engine) and the CUDA module for sm_90, and
# packs what the GPU machine (CUDA 13, no Qt) lacks to run it offscreen into one tarball,
# .gpuui/gpuui.tar.xz, with scripts/run-gpu-ui.sh copied beside it as .gpuui/run-gpu-ui.sh.
#   scripts/pack-gpu-ui.sh        env: BUILD (default build; configured here when it has no cache),
#                                 DEVLIBS (default .devlibs, else /work/main/.devlibs)
# In the tarball (gpuui/):
#   bin/tst_ui_engine_e2e, lib/qwenvl-studio/libqwenvl-cuda.so   stripped (no debug info)
#   lib/          every library they and the plugins need that is not listed below
#   lib/fallback/ libstdc++, libgcc_s and a few libraries every Ubuntu base system has: the device's
#                 own are preferred; run-gpu-ui.sh puts these first only when ldd finds one
#                 missing or too old there (then the whole Debian 12 set is used together)
#   plugins/      platforms/libqoffscreen.so, imageformats (svg, jpeg, gif, ico), iconengines/svg
#   fonts/        DejaVu Sans (fonts-dejavu-core); fonts.conf is written at run time
#   MANIFEST      each file, the Debian package it came from, and the commit
# Left out on purpose: glibc (libc, libm, libpthread, libdl, librt, libresolv, ld-linux), the
# NVIDIA driver (libcuda), the CUDA runtime and cuBLAS (libcudart.so.13, libcublas*.so.13: the
# device's CUDA 13.0 toolkit; the module links them dynamically), and whatever .devlibs's
# devroot.tar.xz already carries (oneDNN, giflib, libtiff, libwebp, libjpeg and their
# dependencies): run-gpu-ui.sh sources .devlibs/env.sh, so .devlibs must be carried too.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
OUTDIR=$ROOT/.gpuui
DEVLIBS=${DEVLIBS:-}
if [ -z "$DEVLIBS" ]; then
  if [ -f .devlibs/devroot.tar.xz ]; then DEVLIBS=$ROOT/.devlibs; else DEVLIBS=/work/main/.devlibs; fi
fi
[ -f "$DEVLIBS/devroot.tar.xz" ] || { echo "no $DEVLIBS/devroot.tar.xz (set DEVLIBS)" >&2; exit 1; }

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  LAUNCHER=()
  if command -v ccache >/dev/null; then
    LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
  fi
  CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$ROOT")} cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DQWENVL_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 "${LAUNCHER[@]}"
fi
grep -qE "^CMAKE_CUDA_ARCHITECTURES:[A-Z]*=.*90" "$BUILD/CMakeCache.txt" ||
  { echo "$BUILD is not configured with CUDA for sm_90 (-DQWENVL_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90)" >&2; exit 1; }
CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$ROOT")} cmake --build "$BUILD" --target tst_ui_engine_e2e qwenvl-cuda \
  -j"${JOBS:-2}"

TEST_BIN=$BUILD/tests/ui/tst_ui_engine_e2e
MODULE=$(find "$BUILD" -name libqwenvl-cuda.so -path "*qwenvl-studio*" | head -1)
[ -x "$TEST_BIN" ] && [ -f "$MODULE" ] || { echo "the build has no $TEST_BIN or libqwenvl-cuda.so" >&2; exit 1; }
QT_PLUGINS=$(qtpaths6 --query QT_INSTALL_PLUGINS 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/qt6/plugins)
PLUGINS=(platforms/libqoffscreen.so imageformats/libqsvg.so imageformats/libqjpeg.so imageformats/libqgif.so
  imageformats/libqico.so iconengines/libqsvgicon.so)
FONT_DIR=/usr/share/fonts/truetype/dejavu
FONTS=(DejaVuSans.ttf DejaVuSans-Bold.ttf)

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
G=$STAGE/gpuui
mkdir -p "$G/bin" "$G/lib/qwenvl-studio" "$G/lib/fallback" "$G/plugins" "$G/fonts"
cp "$TEST_BIN" "$G/bin/"
cp "$MODULE" "$G/lib/qwenvl-studio/"
strip --strip-all "$G/bin/tst_ui_engine_e2e"
strip --strip-unneeded "$G/lib/qwenvl-studio/libqwenvl-cuda.so"
for p in "${PLUGINS[@]}"; do
  mkdir -p "$G/plugins/$(dirname "$p")"
  cp "$QT_PLUGINS/$p" "$G/plugins/$p"
done
for f in "${FONTS[@]}"; do cp "$FONT_DIR/$f" "$G/fonts/"; done

# What the device has or gets elsewhere (sonames).
GLIBC='^(libc|libm|libmvec|libpthread|libdl|librt|libresolv|libutil|libanl|ld-linux-x86-64)\.so'
NVIDIA='^(libcuda|libnvidia-|libcudart|libcublas|libcublasLt)\.'
FALLBACK='^(libstdc\+\+\.so\.6|libgcc_s\.so\.1|libz\.so\.1|libsystemd\.so\.0|libcap\.so\.2|libgcrypt\.so\.20|libgpg-error\.so\.0|liblz4\.so\.1|libpcre2-8\.so\.0|libselinux\.so\.1|libbz2\.so\.1\.0|libmd\.so\.0|libbsd\.so\.0|libexpat\.so\.1|libdbus-1\.so\.3|libkeyutils\.so\.1|libcom_err\.so\.2)$'
DEVROOT=$(tar -tJf "$DEVLIBS/devroot.tar.xz" | sed -n 's|^devroot/lib/||p' | grep '\.so' | sort -u)

: >"$STAGE/deps"
for elf in "$G/bin/tst_ui_engine_e2e" "$G/lib/qwenvl-studio/libqwenvl-cuda.so" $(find "$G/plugins" -name "*.so"); do
  ldd "$elf" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' >>"$STAGE/deps"
  if ldd "$elf" | grep -q "not found"; then
    # Here only the CUDA libraries may be missing (the module's, when not on the library path).
    ldd "$elf" | grep "not found" | grep -vE "libcudart|libcublas" && { echo "unresolved on this machine: $elf" >&2; exit 1; }
  fi
done
sort -u "$STAGE/deps" | while read -r soname path; do
  if [[ $soname =~ $GLIBC || $soname =~ $NVIDIA ]]; then continue; fi
  if grep -qxF "$soname" <<<"$DEVROOT"; then continue; fi
  if [[ $soname =~ $FALLBACK ]]; then dest=$G/lib/fallback; else dest=$G/lib; fi
  cp -L "$path" "$dest/$soname"
done

{
  echo "commit $(git rev-parse HEAD)$(git diff --quiet HEAD -- . ':!.gpuui' || echo ' (with uncommitted changes)')"
  echo "built $(date -u +%FT%TZ) on $(. /etc/os-release && echo "$PRETTY_NAME"), $(nvcc --version | tail -1)"
  echo "GLIBC needed up to $(objdump -T "$G/bin/tst_ui_engine_e2e" "$G/lib/qwenvl-studio/libqwenvl-cuda.so" "$G"/lib/*.so* |
    grep -oE 'GLIBC_[0-9.]+' | sort -uV | tail -1)"
  echo "the device provides: glibc, libcuda, libcudart.so.13, libcublas.so.13, libcublasLt.so.13; .devlibs: $(echo $DEVROOT | tr ' ' ',')"
  (cd "$STAGE" && find gpuui -type f | sort) | while read -r f; do
    base=$(basename "$f")
    src=$(grep -m1 "^$base " <(sort -u "$STAGE/deps") | cut -d' ' -f2 || true)
    pkg=$( [ -n "$src" ] && dpkg -S "$(readlink -f "$src")" 2>/dev/null | head -1 | cut -d: -f1 || true)
    printf '%9d %s %s\n' "$(stat -c %s "$STAGE/$f")" "$f" "${pkg:-}"
  done
} >"$G/MANIFEST"

mkdir -p "$OUTDIR"
tar -C "$STAGE" -cf - gpuui | xz -9e -T"${JOBS:-2}" >"$OUTDIR/gpuui.tar.xz.part"
mv "$OUTDIR/gpuui.tar.xz.part" "$OUTDIR/gpuui.tar.xz"
cp scripts/run-gpu-ui.sh "$OUTDIR/run-gpu-ui.sh"
echo "$OUTDIR/gpuui.tar.xz: $(stat -c %s "$OUTDIR/gpuui.tar.xz") bytes ($(du -h "$OUTDIR/gpuui.tar.xz" | cut -f1)), unpacked $(du -sh "$G" | cut -f1)"
echo "libraries: $(ls "$G/lib" | grep -c '\.so') in lib/, $(ls "$G/lib/fallback" | wc -l) in lib/fallback/"
