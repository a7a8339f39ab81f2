#!/usr/bin/env bash
# Builds the Debian packages with cpack, unpacks them into an empty root that holds only their
# files and the system libraries they resolve to (no CUDA anywhere, no ld.so cache), and runs
# there: `qwenvl-studio --version`, a CPU chat with the tiny checkpoint (which must print what
# the build tree's CLI prints) and `--device cuda`, which must fail with a clear message.
#   test_deb.sh BUILD_DIR BUILD_CLI CHECKPOINT VERSION CPACK   (as root: chroot; else exit 77)
set -euo pipefail
BUILD=$1 CLI=$2 CKPT=$3 VERSION=$4 CPACK=${5:-cpack}
if [ "$(id -u)" != 0 ] || ! chroot / true 2>/dev/null; then
  echo "skipped: the clean root is a chroot, which needs root (CI runs as root)"
  exit 77
fi
# /proc inside the root lets the programs find the module beside themselves (/proc/self/exe);
# where no mount namespace may be made (an unprivileged container) the module is named instead.
PROC=1
unshare --mount --fork true 2>/dev/null || PROC=0
WORK=$BUILD/package-test
ROOT=$WORK/root
rm -rf "$WORK"
mkdir -p "$WORK"
# CUDA's libraries and the toolkit's folder (not "cuda" alone: libicudata is ICU's).
CUDA_LIBS='libcuda\.|libcudart|libcublas|/cuda[-/]'
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

echo "== cpack -G DEB"
"$CPACK" -G DEB --config "$BUILD/CPackConfig.cmake" -B "$WORK/debs" >"$WORK/cpack.log" 2>&1 || {
  tail -30 "$WORK/cpack.log"
  fail "cpack failed"
}
rm -rf "$WORK/debs/_CPack_Packages"
deb() { find "$WORK/debs" -maxdepth 1 -name "$1_${VERSION}-*.deb" | head -1; }
MAIN=$(deb qwenvl-studio) TOOLS=$(deb qwenvl-studio-tools) CUDA=$(deb qwenvl-studio-cuda)
[ -n "$MAIN" ] && [ -n "$TOOLS" ] || fail "cpack made no qwenvl-studio or qwenvl-studio-tools package: $(ls "$WORK/debs")"
for d in "$MAIN" "$TOOLS" $CUDA; do echo "$(basename "$d"): Depends: $(dpkg-deb -f "$d" Depends)"; done
for d in "$MAIN" "$TOOLS"; do  # no CUDA package among their dependencies
  if dpkg-deb -f "$d" Depends Recommends | grep -iqE "cuda|cublas"; then fail "$(basename "$d") depends on CUDA"; fi
done

echo "== unpack into $ROOT"
mkdir -p "$ROOT/usr/lib" "$ROOT/usr/lib64" "$ROOT/proc" "$ROOT/tmp"
chmod 1777 "$ROOT/tmp"
ln -s usr/lib "$ROOT/lib"  # merged /usr, as on Debian 12
ln -s usr/lib64 "$ROOT/lib64"
dpkg -x "$MAIN" "$ROOT"
dpkg -x "$TOOLS" "$ROOT"

# Copies the libraries FILE resolves to on this machine into the root; none may be CUDA's.
copy_libs() {
  local file=$1 lib
  ldd "$file" >"$WORK/ldd.txt" || fail "ldd $file"
  if grep -q "not found" "$WORK/ldd.txt"; then fail "$file: $(grep "not found" "$WORK/ldd.txt")"; fi
  if grep -qE "$CUDA_LIBS" "$WORK/ldd.txt"; then fail "$file resolves CUDA libraries: $(cat "$WORK/ldd.txt")"; fi
  while read -r lib; do
    local dest=$ROOT/usr${lib#/usr}
    [ -e "$dest" ] || { mkdir -p "$(dirname "$dest")" && cp -L "$lib" "$dest"; }
  done < <(sed -nE 's|.*=> (/[^ ]+) \(0x.*|\1|p; s|^\s*(/[^ ]+) \(0x.*|\1|p' "$WORK/ldd.txt")
}
for exe in "$ROOT"/usr/bin/*; do
  echo "-- ldd ${exe#"$ROOT"}"
  ldd "$exe" | sed 's/ (0x[0-9a-f]*)//'
  if readelf -d "$exe" | grep -E "R(UN)?PATH"; then fail "${exe#"$ROOT"} has a run path"; fi
  copy_libs "$exe"
done
# The offscreen platform plugin (and its libraries) at the path Qt looks in.
QTCORE=$(ldd "$ROOT/usr/bin/qwenvl-studio" | sed -nE 's|.*=> (/[^ ]+libQt6Core[^ ]*) .*|\1|p')
PLUGIN=$(dirname "$(readlink -f "$QTCORE")")/qt6/plugins/platforms/libqoffscreen.so
[ -f "$PLUGIN" ] || fail "no Qt offscreen plugin at $PLUGIN"
mkdir -p "$ROOT$(dirname "$PLUGIN")"
cp "$PLUGIN" "$ROOT$PLUGIN"
copy_libs "$PLUGIN"
if find "$ROOT" | grep -E "$CUDA_LIBS"; then fail "CUDA files in the root"; fi
[ ! -e "$ROOT/etc/ld.so.cache" ] || fail "the root has an ld.so cache"
cp -al "$CKPT" "$ROOT/ckpt" 2>/dev/null || cp -r "$CKPT" "$ROOT/ckpt"
du -sh --exclude=ckpt "$ROOT"

# Where the CUDA package puts the module (named to the programs when /proc cannot be mounted).
MODULE=/usr/lib/qwenvl-studio/libqwenvl-cuda.so
if [ -n "$CUDA" ]; then MODULE=$(dpkg-deb -c "$CUDA" | grep -o '/usr/[^ ]*/libqwenvl-cuda\.so$'); fi
# Runs a command inside the root: empty environment, /proc only (for /proc/self/exe).
in_root() {
  local env=(env -i PATH=/usr/bin:/usr/sbin:/bin:/sbin HOME=/tmp QT_QPA_PLATFORM=offscreen)
  if ((PROC)); then
    "${env[@]}" unshare --mount --fork sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$ROOT" "$@"
  else
    "${env[@]}" QWENVL_CUDA_MODULE="$MODULE" chroot "$ROOT" "$@"
  fi
}
# A command in the root that must fail with exit 1..125 and say TEXT.
expect_failure() {
  local text=$1 rc=0
  shift
  in_root "$@" >"$WORK/out.txt" 2>&1 || rc=$?
  cat "$WORK/out.txt"
  [ "$rc" -ne 0 ] && [ "$rc" -lt 126 ] || fail "$* exited $rc; expected a clean failure"
  grep -qF -- "$text" "$WORK/out.txt" || fail "$* did not say: $text"
}

echo "== qwenvl-studio --version"
in_root /usr/bin/qwenvl-studio --version >"$WORK/version.txt" 2>&1 || { cat "$WORK/version.txt"; fail "qwenvl-studio --version"; }
cat "$WORK/version.txt"
grep -qF "$VERSION" "$WORK/version.txt" || fail "qwenvl-studio --version does not print $VERSION"

echo "== CPU chat, packaged vs build tree"
# One thread: the same sums in the same order in both runs.
CHAT=(chat --prompt hi --greedy --max-new 4 --threads 1)
in_root /usr/bin/qwenvl-cli "${CHAT[@]}" --model /ckpt >"$WORK/chat-root.txt" 2>"$WORK/chat-root.err" || {
  cat "$WORK/chat-root.err"
  fail "qwenvl-cli chat in the root"
}
"$CLI" "${CHAT[@]}" --model "$CKPT" >"$WORK/chat-build.txt" 2>/dev/null || fail "qwenvl-cli chat in the build tree"
cat "$WORK/chat-root.err" "$WORK/chat-root.txt"
[ -s "$WORK/chat-root.txt" ] || fail "the packaged CLI printed no reply"
cmp "$WORK/chat-root.txt" "$WORK/chat-build.txt" || fail "the packaged CLI replied differently from the build tree's"

echo "== --device cuda without the CUDA package"
expect_failure "the CUDA backend is not installed" /usr/bin/qwenvl-cli "${CHAT[@]}" --model /ckpt --device cuda
if [ -n "$CUDA" ]; then
  echo "== --device cuda with the CUDA package but no CUDA libraries"
  dpkg -x "$CUDA" "$ROOT"
  expect_failure "CUDA libraries not found: libcu" /usr/bin/qwenvl-cli "${CHAT[@]}" --model /ckpt --device cuda
  in_root /usr/bin/qwenvl-studio --version >/dev/null 2>&1 || fail "qwenvl-studio --version with the CUDA package"
fi
rm -rf "$ROOT"
echo "package test passed (packages kept in $WORK/debs)"
