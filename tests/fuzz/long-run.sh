#!/usr/bin/env bash
# A long fuzzing run of every target (or the ones named), in parallel, from the same seeds as the
# CTest smoke runs, keeping each target's grown corpus in WORKDIR/NAME/corpus between runs.
#   tests/fuzz/long-run.sh BUILD_DIR WORKDIR SECONDS [NAME...]   e.g. build-fuzz /tmp/fuzz 600
# Prints per target: executions, cov, ft, and crash files (WORKDIR/NAME/crash-*); exit 1 on any.
set -euo pipefail
if (($# < 3)); then
  echo "usage: tests/fuzz/long-run.sh BUILD_DIR WORKDIR SECONDS [NAME...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd) work=$2 seconds=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$(sed -n 's/^QWENVL_SHARED_DIR:PATH=//p' "$build/CMakeCache.txt")/fixtures
seeds=$build/tests/fuzz/seeds
[ -d "$seeds/tokenizer" ] || { echo "long-run.sh: run 'ctest --test-dir $build -R fuzz_seeds' first" >&2; exit 2; }
names=("$@")
((${#names[@]})) || names=(image safetensors safetensors_index config tokenizer stream_decoder grounding conversation)
declare -A extra=([image]="$fixtures/images $seeds/image" [safetensors]="$seeds/safetensors"
  [safetensors_index]="$seeds/safetensors_index" [config]="$seeds/config" [tokenizer]="$seeds/tokenizer"
  [stream_decoder]="$seeds/stream_decoder" [grounding]="" [conversation]="$seeds/conversation")
declare -A dict=([safetensors]=json.dict [safetensors_index]=json.dict [config]=json.dict [grounding]=grounding.dict
  [conversation]=conversation.dict)
declare -A own=([image]=-max_len=131072 [conversation]=-max_len=65536)  # as in tests/fuzz/CMakeLists.txt
export QWENVL_TIKTOKEN=$fixtures/qwen.tiktoken
pids=()
for n in "${names[@]}"; do
  mkdir -p "$work/$n/corpus"
  flags=(-seed=1 -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -print_final_stats=1
    -artifact_prefix="$work/$n/")
  [ -z "${dict[$n]:-}" ] || flags+=(-dict="$here/${dict[$n]}")
  [ -z "${own[$n]:-}" ] || flags+=("${own[$n]}")
  # shellcheck disable=SC2086 # extra[] is a list of folders (or none)
  own_corpus=""
  [ -d "$here/corpus/$n" ] && own_corpus="$here/corpus/$n"
  # shellcheck disable=SC2086 # own_corpus and extra[] are folders or nothing
  "$build/tests/fuzz/fuzz_$n" "${flags[@]}" "$work/$n/corpus" $own_corpus ${extra[$n]} \
    >"$work/$n/log" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!names[@]}"; do
  n=${names[$i]}
  wait "${pids[$i]}" || status=1
  execs=$(sed -n 's/^stat::number_of_executed_units: //p' "$work/$n/log")
  last=$(grep -E '^#[0-9]+' "$work/$n/log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)
  crashes=$(find "$work/$n" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' -o -maxdepth 1 -name 'timeout-*' \
    -o -maxdepth 1 -name 'oom-*' | wc -l)
  printf '%-18s executions %-10s %-22s crashes %s\n' "$n" "${execs:-?}" "${last:-?}" "$crashes"
  ((crashes == 0)) || status=1
done
exit $status
