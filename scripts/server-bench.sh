#!/usr/bin/env bash
# qwenvl-server under load: starts it on a free port of 127.0.0.1 with CHECKPOINT on DEVICE, runs
# scripts/server_load.py with 1, 4 and 16 concurrent clients (each request a fresh one-picture
# conversation, streamed, greedy, MAX_TOKENS tokens), then stops it with SIGTERM (exit 0 expected).
# Prints a Markdown table (requests/s, generated tokens/s, time to first token, latency) for
# docs/benchmarks.md; the server's access log and the JSON rows go to $OUT.
#   scripts/server-bench.sh BUILD_DIR CHECKPOINT [cpu|cuda]
#   env: OUT (out/server-bench), CONCURRENCY (1,4,16), REQUESTS (per client, 4), MAX_TOKENS (64),
#        IMAGES (the fixtures' images), SERVER_ARGS (extra qwenvl-server options)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: scripts/server-bench.sh BUILD_DIR CHECKPOINT [cpu|cuda]}
CKPT=${2:?usage: scripts/server-bench.sh BUILD_DIR CHECKPOINT [cpu|cuda]}
DEVICE=${3:-cuda}
OUT=${OUT:-$PWD/out/server-bench}
mkdir -p "$OUT"
SHARED=${QWENVL_SHARED_DIR:-}
if [ -z "$SHARED" ]; then
  if [ -d .shared/fixtures ]; then SHARED=$PWD/.shared; else SHARED=$(cd .. && pwd)/shared; fi
fi
IMAGES=${IMAGES:-$SHARED/fixtures/images}
SERVER=$BUILD/server/qwenvl-server
if [ ! -x "$SERVER" ]; then
  echo "server-bench: $SERVER was not built (is libcpp-httplib-dev installed? see docs/server.md)" >&2
  exit 1
fi

LOG=$OUT/server.log
: >"$LOG"
"$SERVER" --model "$CKPT" --device "$DEVICE" --port 0 --max-queue 64 --max-sessions 16 \
  --served-model-name bench ${SERVER_ARGS:-} 2>"$LOG" &
PID=$!
PORT=
for _ in $(seq 1 1200); do
  PORT=$(sed -nE 's/.* on http:\/\/127\.0\.0\.1:([0-9]+)$/\1/p' "$LOG" | head -1)
  [ -n "$PORT" ] && break
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$PORT" ]; then
  echo "server-bench: qwenvl-server did not start:" >&2
  tail -20 "$LOG" >&2
  kill "$PID" 2>/dev/null
  exit 1
fi
grep -m1 "serving" "$LOG"

python3 scripts/server_load.py "http://127.0.0.1:$PORT" bench --images "$IMAGES" \
  --concurrency "${CONCURRENCY:-1,4,16}" --requests-per-client "${REQUESTS:-4}" --max-tokens "${MAX_TOKENS:-64}" \
  --json "$OUT/server-bench.jsonl" | tee "$OUT/server-bench.md"
LOAD_RC=${PIPESTATUS[0]}

kill -TERM "$PID"
wait "$PID"
SERVER_RC=$?
echo "load rc=$LOAD_RC server exit=$SERVER_RC (after SIGTERM); access log: $LOG"
[ "$LOAD_RC" -eq 0 ] && [ "$SERVER_RC" -eq 0 ]
