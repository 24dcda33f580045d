#!/bin/sh
# run.sh - `make bench`: prints the figures of DESIGN.md section 11 for this
# machine, with the raw SQLite ceiling measured in the same run.
#   intake: durable complaint creates/s at 64 connections, p50/p99 latency
#   reads:  complaint fetches/s at 64 connections
#   memory: server RSS after the runs, and serving a store of 1,000,000 complaints
#   ledger: leaf appends/s, proof generation, verify of 1,000,000 events (LEDGER_EVENTS)
# Usage: bench/run.sh build/release
#   BENCH_SECONDS=10       length of each wrk run
#   BENCH_MILLION=1000000  complaints for the memory run (0 skips it)
set -eu
B=${1:-build/release}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_WRK_THREADS:-2}
MILLION=${BENCH_MILLION:-1000000}
work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# start_server DB: starts ombud serve on a free port; sets pid and URL.
start_server() {
    $B/ombud --db "$1" --set attachments=$work/att ${BENCH_SERVER_OPTS:-} --listen 127.0.0.1:0 \
        serve > "$work/serve.out" 2> "$work/serve.err" &
    pid=$!
    port=""
    for i in $(seq 1 100); do
        port=$(sed -nE 's/.*listening on http:\/\/[0-9.]+:([0-9]+).*/\1/p' "$work/serve.out")
        [ -n "$port" ] && break
        sleep 0.1
    done
    URL=http://127.0.0.1:$port
}

stop_server() {
    kill -TERM "$pid"
    wait "$pid" || true
    pid=""
}

cc -O2 -o "$work/sqlite_raw" bench/sqlite_raw.c -lsqlite3
echo "== ceiling: raw SQLite on this disk"
"$work/sqlite_raw" "$work" 3

OMBUD="$B/ombud --db $work/bench.db --set attachments=$work/att ${BENCH_SERVER_OPTS:-}"
$OMBUD init --admin-password bench-operator-pw >/dev/null
$OMBUD user add --party operator --username bench --name Bench --role admin >/dev/null
# A bank with one agent, whose token drives the load.
ADMIN=$($OMBUD token create admin)
start_server "$work/bench.db"
curl -sf -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"code":"bench-bank","name":"Bench Bank","kind":"bank"}' "$URL/v1/parties" >/dev/null
curl -sf -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"username":"bench.agent","display_name":"Bench Agent","role":"agent","party":2}' \
    "$URL/v1/users" >/dev/null
TOKEN=$($OMBUD token create bench.agent)
export OMBUD_TOKEN=$TOKEN

echo "== intake: POST /v1/complaints, $CONNS connections, ${SECS}s, durable (synced before each answer)"
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

echo "== memory after these runs"
grep -E 'VmRSS|VmHWM' /proc/$pid/status
stop_server

echo "== evidence ledger: leaf appends, proofs, verify of ${LEDGER_EVENTS:-1000000} events"
"$B/bench/ledger" "$work/ledger.db" "${LEDGER_EVENTS:-1000000}"
echo "ombud verify (the command, its own timing):"
"$B/ombud" --db "$work/ledger.db" verify --no-attachments | tail -2
rm -f "$work"/ledger.db*

if [ "$MILLION" -gt 0 ]; then
    echo "== memory serving $MILLION complaints"
    "$B/bench/fill" "$work/million.db" "$work/att" "$MILLION"
    M="$B/ombud --db $work/million.db --set attachments=$work/att"
    $M user add --party fill-bank --username million.agent --name M --role agent >/dev/null
    OMBUD_TOKEN=$($M token create million.agent)
    export OMBUD_TOKEN
    start_server "$work/million.db"
    sqlite3 "file:$work/million.db?mode=ro" \
        "select no from complaints where id % 50 = 0 order by random() limit 20000" \
        > "$work/numbers.txt"
    wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" -s bench/fetch.lua "$URL" > "$work/fetch1m.txt"
    grep wrk-summary "$work/fetch1m.txt"
    grep -E 'VmRSS|VmHWM' /proc/$pid/status
    du -h "$work/million.db" | sed 's/^/database size: /'
    stop_server
    echo "== clocks among $MILLION open complaints"
    "$B/bench/clocks" "$work/million.db" "$work/att"
fi
exit 0
