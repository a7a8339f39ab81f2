#!/usr/bin/env bash
# Formats every tracked .cpp/.h/.cu/.cuh file with the repository's .clang-format, except the
# generated inference/src/tokenizer/unicode_data_*.cpp.
#   scripts/format.sh           rewrite the files in place
#   scripts/format.sh --check   change nothing; list the files that differ and exit 1 (a CTest
#                               test); exit 77 (skip) when clang-format is not installed
# env: CLANG_FORMAT (default: clang-format on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  *) echo "usage: scripts/format.sh [--check]" >&2; exit 2 ;;
esac

clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "format.sh: $clang_format not found: install clang-format (scripts/install-deps.sh does)" >&2
  if ((check)); then echo "format.sh: format check skipped" >&2; exit 77; fi
  exit 1
fi
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "format.sh: $PWD is not a git checkout; the files to format are the tracked ones" >&2
  exit 2
fi
# A broken .clang-format would otherwise show up as "every file differs".
if ! "$clang_format" --style=file --dump-config </dev/null >/dev/null; then
  echo "format.sh: $clang_format cannot read $PWD/.clang-format" >&2
  exit 2
fi

mapfile -d '' files < <(git ls-files -z -- '*.cpp' '*.h' '*.cu' '*.cuh' \
  ':(exclude)inference/src/tokenizer/unicode_data_*.cpp')

if ((!check)); then
  printf '%s\0' "${files[@]}" | xargs -0 "$clang_format" -i --style=file
  echo "format.sh: formatted ${#files[@]} files with $("$clang_format" --version)"
  exit 0
fi

differ=()
for f in "${files[@]}"; do
  "$clang_format" --dry-run --Werror --style=file "$f" >/dev/null 2>&1 || differ+=("$f")
done
if ((${#differ[@]})); then
  printf '%s\n' "${differ[@]}"
  echo "format.sh: ${#differ[@]} of ${#files[@]} files differ from .clang-format" \
    "($("$clang_format" --version)); run scripts/format.sh" >&2
  exit 1
fi
echo "format.sh: all ${#files[@]} files follow .clang-format"
