#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time from its seed corpora (a CTest `fuzz_*` test):
# passes when the target finds no crash, leak, timeout or sanitizer report.
#   smoke.sh BINARY WORKDIR SECONDS RUNS FLAGS|- SEED_DIR...
# FLAGS: the target's own libFuzzer flags in one argument ("-dict=F -max_len=N"), - for none.
# WORKDIR is emptied first; new corpus entries go to WORKDIR/corpus (never into the seed folders)
# and a crash's input to WORKDIR/crash-*. Extra libFuzzer flags: $QWENVL_FUZZ_FLAGS.
set -euo pipefail
if (($# < 5)); then
  echo "usage: smoke.sh BINARY WORKDIR SECONDS RUNS FLAGS|- SEED_DIR..." >&2
  exit 2
fi
bin=$1 work=$2 seconds=$3 runs=$4 own=$5
shift 5
for d in "$@"; do
  [ -d "$d" ] || { echo "smoke.sh: seed folder $d does not exist" >&2; exit 2; }
done
rm -rf "$work"
mkdir -p "$work/corpus"
flags=(-seed=1 -max_total_time="$seconds" -runs="$runs" -timeout=20 -rss_limit_mb=2560
  -print_final_stats=1 -artifact_prefix="$work/")
[ "$own" = - ] && own=""
# shellcheck disable=SC2086 # both are lists of flags
exec "$bin" "${flags[@]}" $own ${QWENVL_FUZZ_FLAGS:-} "$work/corpus" "$@"
