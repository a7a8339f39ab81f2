#!/usr/bin/env bash
# Makes the screenshots in docs/screenshots/: the real main window under Xvfb, playing each
# scripted conversation docs/screenshots/demo-NAME.json (pictures from the shared fixtures, a
# reply with grounding boxes streamed by the scripted backend), saved by the app itself
# (--demo-script FILE --screenshot PNG). Settings and autosave stay in a temp folder.
#   demo-en, demo-zh -> main-en.png, main-zh.png (with the conversations sidebar)
#   demo-boxes       -> boxes.png (fourteen labelled boxes: placement, badges)
#   demo-dark        -> dark.png (dark colours, a Markdown table and a code block)
#   demo-minimum     -> minimum.png (the window at its minimum size)
# Usage: scripts/screenshots.sh [BUILD_DIR]   (default: build; run scripts/build.sh first)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
app="$build/studio/qwenvl-studio"
shared="${QWENVL_SHARED_DIR:-../shared}"
fixtures="$(cd "$shared/fixtures" && pwd)"
if [ ! -x "$app" ]; then
  echo "screenshots: $app is missing; build first (scripts/build.sh)" >&2
  exit 1
fi
command -v xvfb-run >/dev/null || { echo "screenshots: xvfb-run is missing (apt-get install xvfb xauth)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for script in docs/screenshots/demo-*.json; do
  name="$(basename "$script" .json)"
  name="${name#demo-}"
  case "$name" in
    en | zh) out="docs/screenshots/main-$name.png" ;;
    *) out="docs/screenshots/$name.png" ;;
  esac
  sed "s#@FIXTURES@#${fixtures}#g" "$script" > "$tmp/demo-$name.json"
  xvfb-run -a -s "-screen 0 1600x1000x24" \
    env -u QT_QPA_PLATFORM HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" \
        XDG_RUNTIME_DIR="$tmp" QT_QPA_PLATFORMTHEME= \
    "$app" --demo-script "$tmp/demo-$name.json" --screenshot "$out"
done
