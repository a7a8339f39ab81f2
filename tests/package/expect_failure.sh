#!/usr/bin/env bash
# Runs a command that must fail cleanly: a non-zero exit below 126 (not "cannot run", not a
# signal) with TEXT in its output. Used for the CUDA module's error values.
#   expect_failure.sh TEXT COMMAND [ARGS...]
set -u
text=$1
shift
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -eq 0 ] || [ "$rc" -ge 126 ]; then
  echo "FAIL: expected a clean failure (exit 1..125), got exit $rc" >&2
  exit 1
fi
if ! grep -qF -- "$text" <<<"$out"; then
  echo "FAIL: the output does not say: $text" >&2
  exit 1
fi
echo "ok: exit $rc with \"$text\""
