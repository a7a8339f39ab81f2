#!/usr/bin/env bash
# Quits qwenvl-studio during a reply N times under Xvfb and counts the crashes (issue 9, item 1).
# Each run gets its own HOME (settings, conversations, the single-instance socket), loads the
# tiny checkpoint on the CPU with a picture, asks, waits until the question is in the autosave
# (so the reply has started), presses Ctrl+Q 1.5 s later and looks at how the process ended.
#   scripts/soak-quit.sh N [BUILD_DIR]   (default build/; needs xvfb-run, xauth, python3)
set -u
runs=${1:?usage: soak-quit.sh N [BUILD_DIR]}
build=${2:-build}
here=$(cd "$(dirname "$0")" && pwd)
studio="$build/studio/qwenvl-studio"
model="$build/tests/checkpoints/tiny"
picture="$here/../../shared/fixtures/images/astronaut.png"
[[ -f "$picture" ]] || picture=/work/shared/fixtures/images/astronaut.png
for f in "$studio" "$model/model.safetensors" "$picture"; do
  [[ -e "$f" ]] || { echo "soak-quit: missing $f (build the app and run the checkpoint_tiny test)" >&2; exit 2; }
done
command -v xvfb-run >/dev/null || { echo "soak-quit: xvfb-run missing (scripts/install-deps.sh)" >&2; exit 2; }

# One run inside Xvfb: prints "crash", "ok" or "ok-idle" (quit landed after the reply ended).
one_run() {
  local home=$1
  HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_RUNTIME_DIR="$home/run" \
    "$studio" --model "$model" --backend cpu --no-restore --lang en "$picture" >"$home/log" 2>&1 &
  local pid=$!
  python3 "$here/xkeys.py" wait || { kill "$pid"; wait "$pid"; echo crash; return; }
  sleep 0.5
  python3 "$here/xkeys.py" type "Describe the picture in detail."
  # Return until the question reaches the autosave: the model may still be loading.
  local sent=0
  for _ in $(seq 1 300); do
    python3 "$here/xkeys.py" key Return
    if grep -rqs "Describe the picture in detail" "$home/data" --include='*.json'; then sent=1; break; fi
    sleep 0.2
  done
  sleep 1.5
  python3 "$here/xkeys.py" key ctrl+q
  wait "$pid"
  local rc=$?
  if (( rc != 0 )) || grep -qiE "malloc|double free|corrupt|Segmentation|Aborted" "$home/log"; then
    echo "crash rc=$rc"; return
  fi
  if (( sent )) && grep -rqs '"stopped"' "$home/data" --include='*.json'; then echo ok; else echo ok-idle; fi
}
export -f one_run
export studio model picture here

crashes=0; idle=0
for i in $(seq 1 "$runs"); do
  home=$(mktemp -d)
  mkdir -p "$home/run" && chmod 700 "$home/run"
  result=$(xvfb-run -a -s "-screen 0 1600x1000x24" bash -c "one_run '$home'")
  case "$result" in
    crash*) crashes=$((crashes + 1)); echo "run $i: $result (log kept in $home/log)";;
    ok-idle) idle=$((idle + 1)); rm -rf "$home";;
    *) rm -rf "$home";;
  esac
done
echo "soak-quit: $runs runs, $crashes crashes, $idle quit outside a reply"
(( crashes == 0 ))
