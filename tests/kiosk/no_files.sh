#!/usr/bin/env bash
# `qwenvl-studio --kiosk` with a fresh HOME and XDG folders leaves no file under any of them:
# (1) one whole visit (picture from the configured folder, a question, the streamed answer with
# boxes; the scripted backend of --demo-script) and the end of the kiosk; (2) a kiosk started with
# the camera offered and the model loading, ended by SIGTERM after a few seconds.
# Usage: tests/kiosk/no_files.sh PATH/TO/qwenvl-studio   (QWENVL_SHARED_DIR: the shared folder)
set -euo pipefail
app="$1"
here="$(cd "$(dirname "$0")" && pwd)"
shared="${QWENVL_SHARED_DIR:-$here/../../../shared}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/pictures" "$tmp/out" "$tmp/model"
cp "$shared/fixtures/images/astronaut.png" "$tmp/pictures/"
hash="$(echo 2468 | "$app" --kiosk-hash-pin)"
cat > "$tmp/kiosk.json" <<JSON
{ "model": { "folder": "model", "backend": "cpu" },
  "visitor": { "camera": true, "typing": true, "picture_folder": "pictures" },
  "questions": [ { "en": "What is this?", "zh_CN": "这是什么？" } ],
  "admin": { "pin_hash": "$hash" } }
JSON
cat > "$tmp/demo.json" <<JSON
{ "language": "en", "pictures": ["$tmp/pictures/astronaut.png"], "question": "What is this?",
  "reply": "<ref>An astronaut</ref><box>(100,100),(600,900)</box> by a flag.", "token_delay_ms": 2,
  "window_size": [1024, 700] }
JSON

fresh() {
  rm -rf "$tmp/home"
  mkdir -p "$tmp/home/config" "$tmp/home/data" "$tmp/home/cache" "$tmp/home/state" "$tmp/home/runtime"
  chmod 700 "$tmp/home/runtime"
}
check() {
  local left
  left="$(find "$tmp/home" -mindepth 1 \! -path "$tmp/home/config" \! -path "$tmp/home/data" \! -path "$tmp/home/cache" \
          \! -path "$tmp/home/state" \! -path "$tmp/home/runtime")"
  if [ -n "$left" ]; then
    echo "FAIL ($1): the kiosk left files behind:" >&2
    echo "$left" >&2
    exit 1
  fi
  echo "ok ($1): no file under HOME or the XDG folders"
}
run() {
  exec env HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/config" XDG_DATA_HOME="$tmp/home/data" \
      XDG_CACHE_HOME="$tmp/home/cache" XDG_STATE_HOME="$tmp/home/state" XDG_RUNTIME_DIR="$tmp/home/runtime" \
      QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" "$app" --kiosk --kiosk-config "$tmp/kiosk.json" "$@"
}

fresh
(run --demo-script "$tmp/demo.json" --screenshot "$tmp/out/visit.png")
test -s "$tmp/out/visit.png"
check "one visit"

fresh
(run) & pid=$!
sleep 5
kill -TERM "$pid" 2>/dev/null || true
for _ in 1 2 3 4 5; do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" || true
check "start with the camera offered"
