#!/usr/bin/env bash
# Quits qwenvl-studio during a reply N times under Xvfb and counts the crashes (issue 9, item 1).
# Each run gets its own HOME (settings, conversations, the single-instance socket), loads the
# tiny checkpoint on the CPU with a picture, asks, waits until the question is in the autosave
# (so the reply has started), presses Ctrl+Q 1.5 s later and looks at how the process ended.
#   scripts/soak-quit.sh N [BUILD_DIR]   (default build/; needs xvfb-run, xauth, python3)
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [[ ${1:-} == --one-run ]]; then
  # Inside xvfb-run (a sh script, so a bash function cannot be handed through): one run.
  studio=$2 model=$3 picture=$4 home=$5
else
runs=${1:?usage: soak-quit.sh N [BUILD_DIR]}
build=$(cd "${2:-build}" && pwd)
studio="$build/studio/qwenvl-studio"
model="$build/tests/checkpoints/tiny"
picture="$here/../../shared/fixtures/images/astronaut.png"
[[ -f "$picture" ]] || picture=/work/shared/fixtures/images/astronaut.png
for f in "$studio" "$model/model.safetensors" "$picture"; do
  [[ -e "$f" ]] || { echo "soak-quit: missing $f (build the app and run the checkpoint_tiny test)" >&2; exit 2; }
done
command -v xvfb-run >/dev/null || { echo "soak-quit: xvfb-run missing (scripts/install-deps.sh)" >&2; exit 2; }
fi

# One run inside Xvfb: prints "crash", "ok" or "ok-idle" (quit landed after the reply ended).
one_run() {
  local home=$1
  HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_RUNTIME_DIR="$home/run" \
    "$studio" --model "$model" --backend cpu --no-restore --lang en "$picture" >"$home/log" 2>&1 &
  local pid=$!
  python3 "$here/xkeys.py" wait || { kill "$pid"; wait "$pid"; echo "no window appeared"; return; }
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
if [[ ${1:-} == --one-run ]]; then
  one_run "$home"
  exit 0
fi

# A private copy of the checkpoint: the app maps it, and a test run that rewrites the CTest
# fixture meanwhile would bring it down with SIGBUS (that is not the crash counted here).
copy=$(mktemp -d)
cp -r "$model" "$copy/tiny"
model="$copy/tiny"
trap 'rm -rf "$copy"' EXIT

crashes=0; idle=0; broken=0
for i in $(seq 1 "$runs"); do
  home=$(mktemp -d)
  mkdir -p "$home/run" && chmod 700 "$home/run"
  result=$(xvfb-run -a -s "-screen 0 1600x1000x24" "$here/soak-quit.sh" --one-run "$studio" "$model" "$picture" \
    "$home" 2>"$home/xvfb.log")
  case "$result" in
    crash*) crashes=$((crashes + 1)); echo "run $i: $result (log kept in $home/log)";;
    ok-idle) idle=$((idle + 1)); echo "run $i: the quit came after the reply had ended"; rm -rf "$home";;
    ok) rm -rf "$home";;
    # Anything else means the harness failed, not the app: say so rather than count it as fine.
    *) broken=$((broken + 1)); echo "run $i: no result (${result:-nothing}; see $home/xvfb.log)";;
  esac
done
echo "soak-quit: $runs runs, $crashes crashes, $idle quit after the reply, $broken runs without a result"
(( crashes == 0 && broken == 0 ))
