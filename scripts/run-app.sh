#!/usr/bin/env bash
# One command to try the app on a fresh Debian 12 machine: install what is missing, build,
# start QwenVL Studio. Arguments go to the app, e.g. --model /path/to/Qwen-VL-Chat-Int4.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
exec ./build/studio/qwenvl-studio "$@"
