#!/usr/bin/env bash
# The kiosk soak (not in CI; docs/kiosk.md has the last figures): VISITS scripted visits (pick a
# picture of the folder → tap a preset question → the whole answer → the idle countdown runs out
# and wipes the visit) against the real CPU engine on the tiny checkpoint, the kiosk window
# offscreen. Reports the resident memory after visit 50 and after the last one (must grow less
# than 5 %), and checks that no file was created under a fresh HOME and XDG folders.
# Usage: scripts/kiosk-soak.sh [VISITS=500] [MAX_NEW_TOKENS=8] [BUILD_DIR=build]
set -euo pipefail
cd "$(dirname "$0")/.."
visits="${1:-500}"
max_new="${2:-8}"
build="${3:-build}"
shared="${QWENVL_SHARED_DIR:-$(cd ../shared && pwd)}"
cmake --build "$build" --target kiosk_soak -j2 >/dev/null
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 "$shared/tools/make_checkpoint.py" --help >/dev/null 2>&1 || true
model="$build/tests/checkpoints/tiny"
if [ ! -f "$model/model.safetensors" ]; then
  echo "kiosk-soak: making the tiny checkpoint (ctest -R checkpoint_tiny)"
  ctest --test-dir "$build" -R '^checkpoint_tiny$' --output-on-failure >/dev/null
fi
mkdir -p "$tmp/home/config" "$tmp/home/data" "$tmp/home/cache" "$tmp/home/state" "$tmp/home/runtime"
chmod 700 "$tmp/home/runtime"
start=$(date +%s)
env HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/config" XDG_DATA_HOME="$tmp/home/data" \
    XDG_CACHE_HOME="$tmp/home/cache" XDG_STATE_HOME="$tmp/home/state" XDG_RUNTIME_DIR="$tmp/home/runtime" \
    QT_QPA_PLATFORM=offscreen QWENVL_FIXTURES="$shared/fixtures" \
    "$build/tests/kiosk/kiosk_soak" "$(cd "$model" && pwd)" "$visits" "$max_new"
echo "kiosk-soak: $visits visits in $(( $(date +%s) - start )) s"
left="$(find "$tmp/home" -mindepth 2)"
if [ -n "$left" ]; then
  echo "kiosk-soak: FAIL: files created under the fresh HOME/XDG folders:" >&2
  echo "$left" >&2
  exit 1
fi
echo "kiosk-soak: no file under the fresh HOME and XDG folders"
