#!/usr/bin/env bash
# Makes docs/screenshots/main-en.png and main-zh.png (and the kiosk's, below): the real main window under Xvfb, playing
# the scripted conversations docs/screenshots/demo-{en,zh}.json (pictures from the shared
# fixtures, a reply with grounding boxes streamed by the scripted backend), saved by the app
# itself (--demo-script FILE --screenshot PNG). Settings and autosave stay in a temp folder.
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
for lang in en zh; do
  sed "s#@FIXTURES@#${fixtures}#g" "docs/screenshots/demo-$lang.json" > "$tmp/demo-$lang.json"
  xvfb-run -a -s "-screen 0 1400x900x24" \
    env -u QT_QPA_PLATFORM HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" \
        XDG_RUNTIME_DIR="$tmp" QT_QPA_PLATFORMTHEME= \
    "$app" --demo-script "$tmp/demo-$lang.json" --screenshot "docs/screenshots/main-$lang.png"
done

# Kiosk mode (docs/kiosk.md): the attract screen, and an answered question with its boxes in
# English and in Chinese, from docs/screenshots/kiosk.json with the fixture pictures as its
# picture folder (the scripted backend again; no camera is opened for screenshots).
mkdir -p "$tmp/kiosk-pictures"
cp "$fixtures/images/astronaut.png" "$fixtures/images/chelsea.png" "$fixtures/images/coffee.png" \
   "$fixtures/images/rocket.jpg" "$tmp/kiosk-pictures/"
hash="$(echo 2468 | "$app" --kiosk-hash-pin)"
sed "s#@TMP@#${tmp}#g; s#@HASH@#${hash}#g" docs/screenshots/kiosk.json > "$tmp/kiosk.json"
for shot in attract-en:kiosk-attract answer-en:kiosk-demo-en answer-zh:kiosk-demo-zh; do
  name="${shot%%:*}"
  sed "s#@TMP@#${tmp}#g" "docs/screenshots/${shot#*:}.json" > "$tmp/${shot#*:}.json"
  xvfb-run -a -s "-screen 0 1400x900x24" \
    env -u QT_QPA_PLATFORM HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" \
        XDG_RUNTIME_DIR="$tmp" QT_QPA_PLATFORMTHEME= \
    "$app" --kiosk --kiosk-config "$tmp/kiosk.json" --demo-script "$tmp/${shot#*:}.json" \
           --screenshot "docs/screenshots/kiosk-$name.png"
done
