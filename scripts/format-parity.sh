#!/usr/bin/env bash
# Picture-format parity against another Pillow (the GPU machine has Pillow 12.3, the official
# pipeline's): writes the format pictures and goldens with that Pillow
# (tests/parity/make_format_goldens.py), decodes and resizes them with `qwenvl-cli preprocess
# --full`, and compares byte for byte (tests/parity/compare_format_goldens.py). Needs no Qt and
# no GPU; runs tst_picture_formats too where a Qt build has it.
# The engine needs the development files of libwebp, libtiff and giflib besides libjpeg and libpng
# (Debian/Ubuntu: libwebp-dev libtiff-dev libgif-dev); configuring says which one is missing.
#   scripts/format-parity.sh     env: PYTHON (default python3: must import PIL and numpy),
#                                BUILD (default build-formats), OUT (default out/format-parity)
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
BUILD=${BUILD:-build-formats}
OUT=${OUT:-$PWD/out/format-parity}
mkdir -p "$OUT"
"$PY" -c "import PIL, numpy; print('Pillow', PIL.__version__)" || { echo "format-parity: $PY needs Pillow and NumPy"; exit 2; }

if [ ! -x "$BUILD/inference/qwenvl-cli" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQWENVL_BUILD_GUI=OFF -DQWENVL_BUILD_TESTS=OFF \
    -DQWENVL_CUDA=OFF >"$OUT/configure.log" 2>&1 || { tail -30 "$OUT/configure.log"; exit 1; }
  cmake --build "$BUILD" --target qwenvl-cli --parallel "$(nproc)" >"$OUT/build.log" 2>&1 ||
    { grep -E "error|FAILED" "$OUT/build.log" | head -40; exit 1; }
fi
CLI=$BUILD/inference/qwenvl-cli

rm -rf "$OUT/goldens" "$OUT/engine"
"$PY" tests/parity/make_format_goldens.py "$OUT/goldens" || exit 1
shopt -s nullglob
pictures=("$OUT"/goldens/*.{gif,bmp,webp,tif,png,jpg})
"$CLI" preprocess --full --out-dir "$OUT/engine" "${pictures[@]}" >"$OUT/preprocess.log" 2>"$OUT/preprocess.err"
echo "engine refused $(wc -l <"$OUT/preprocess.err") pictures (expected: those Pillow refuses)"

# The codec versions the engine was built against, to tell codec differences from our own.
ENGINE_WEBP=$(pkg-config --modversion libwebp 2>/dev/null || true)
ENGINE_JPEG=$(pkg-config --modversion libjpeg 2>/dev/null || true)
"$PY" tests/parity/compare_format_goldens.py "$OUT/goldens" "$OUT/engine" \
  --engine-webp "$ENGINE_WEBP" --engine-jpeg "$ENGINE_JPEG" | tee "$OUT/compare.txt"
RC=${PIPESTATUS[0]}

for t in build/tests/parity/tst_picture_formats "$BUILD/tests/parity/tst_picture_formats"; do
  if [ -x "$t" ]; then
    QWENVL_FORMAT_GOLDENS="$OUT/goldens" QT_QPA_PLATFORM=offscreen "$t" >"$OUT/tst_picture_formats.log" 2>&1
    echo "tst_picture_formats ($t): exit $? ($(grep -E '^Totals' "$OUT/tst_picture_formats.log"))"
    break
  fi
done
exit "$RC"
