#!/bin/sh
# run.sh - `make bench`: prints the figures of DESIGN.md section 11 for this
# machine, with the raw SQLite ceiling measured in the same run.
#   intake: durable complaint creates/s at 64 connections, p50/p99 latency
#   reads:  complaint fetches/s at 64 connections
#   memory: server RSS after the runs
# Usage: bench/run.sh build/release   (BENCH_SECONDS=10 by default)
set -eu
B=${1:-build/release}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_WRK_THREADS:-2}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT INT TERM
pid=""

cc -O2 -o "$work/sqlite_raw" bench/sqlite_raw.c -lsqlite3
echo "== ceiling: raw SQLite on this disk"
"$work/sqlite_raw" "$work" 3

OMBUD="$B/ombud --db $work/bench.db --set attachments=$work/att ${BENCH_SERVER_OPTS:-}"
$OMBUD init --admin-password bench-admin-pass >/dev/null
$OMBUD user add --party operator --username bench --name Bench --role admin >/dev/null
# A bank with one agent, whose token drives the load.
ADMIN=$($OMBUD token create admin)
$OMBUD --listen 127.0.0.1:0 serve > "$work/serve.out" 2> "$work/serve.err" &
pid=$!
for i in $(seq 1 100); do
    port=$(sed -nE 's/.*listening on http:\/\/[0-9.]+:([0-9]+).*/\1/p' "$work/serve.out")
    [ -n "$port" ] && break
    sleep 0.1
done
URL=http://127.0.0.1:$port
curl -sf -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"code":"bench-bank","name":"Bench Bank","kind":"bank"}' "$URL/v1/parties" >/dev/null
curl -sf -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"username":"bench.agent","display_name":"Bench Agent","role":"agent","party":2}' \
    "$URL/v1/users" >/dev/null
TOKEN=$($OMBUD token create bench.agent)
export OMBUD_TOKEN=$TOKEN

echo "== intake: POST /v1/complaints, $CONNS connections, ${SECS}s, durable (synchronous=FULL)"
wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s bench/create.lua "$URL/v1/complaints" \
    > "$work/create.txt"
grep wrk-summary "$work/create.txt"
created=$(sqlite3 "file:$work/bench.db?mode=ro" "select count(*) from complaints")
echo "complaints stored: $created"
curl -s "$URL/v1/health"; echo

sqlite3 "file:$work/bench.db?mode=ro" "select no from complaints order by random() limit 20000" \
    > "$work/numbers.txt"
export OMBUD_NUMBERS="$work/numbers.txt"
echo "== reads: GET /v1/complaints/{no}, $CONNS connections, ${SECS}s"
wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s bench/fetch.lua "$URL" > "$work/fetch.txt"
grep wrk-summary "$work/fetch.txt"

echo "== memory"
grep -E 'VmRSS|VmHWM' /proc/$pid/status
kill -TERM $pid
wait $pid || true
pid=""
