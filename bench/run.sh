#!/bin/sh
# run.sh - `make bench`: prints the throughput, latency, CPU and memory figures
# of ombud on this machine, with the raw SQLite ceiling measured in the same run.
#   intake: durable complaint creates/s at 64 connections, p50/p99 latency,
#           and the server's CPU time (user + system) per create
#   reads:  complaint fetches/s at 64 connections, the server's CPU time per
#           fetch, and the share of the HTTP ceiling measured in the same run
#           (bench/http_ceiling: libmicrohttpd with ombud's daemon options
#           answering with a complaint's body from memory)
#   memory: server RSS after the runs, and serving a store of 1,000,000 complaints
#   ledger: leaf appends/s, proof generation, verify of 1,000,000 events (LEDGER_EVENTS)
#   web:    over the 1,000,000 complaints, the workbench in Debian's Chromium: time to a
#           queue's first rows and to a complaint's page, the JS+CSS bytes of a first
#           page, Lighthouse scores (bench/web/pages.mjs)
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

# await_url: waits for the server started as pid to print its port to
# $work/serve.out; sets URL.
await_url() {
    port=""
    for i in $(seq 1 100); do
        port=$(sed -nE 's/.*listening on http:\/\/[0-9.]+:([0-9]+).*/\1/p' "$work/serve.out")
        [ -n "$port" ] && break
        sleep 0.1
    done
    URL=http://127.0.0.1:$port
}

# start_server DB: starts ombud serve on a free port; sets pid and URL.
start_server() {
    $B/ombud --db "$1" --set attachments=$work/att ${BENCH_SERVER_OPTS:-} --listen 127.0.0.1:0 \
        serve > "$work/serve.out" 2> "$work/serve.err" &
    pid=$!
    await_url
}

stop_server() {
    kill -TERM "$pid"
    wait "$pid" || true
    pid=""
}

# cpu_ticks: user + system CPU time of the server (pid) so far, in clock
# ticks: fields 14 and 15 of /proc/PID/stat, counted after the "(name)".
TICKS_PER_S=$(getconf CLK_TCK)
cpu_ticks() {
    sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'
}

# wrk_value FILE NAME: one value of the wrk-summary line in FILE.
wrk_value() {
    sed -nE "s/^wrk-summary.* $2=([0-9.]+).*/\1/p" "$1"
}

# cpu_per_request WHO WHAT FILE TICKS_BEFORE TICKS_AFTER: the CPU time per
# request wrk reported in FILE.
cpu_per_request() {
    awk -v who="$1" -v what="$2" -v n="$(wrk_value "$3" requests)" -v t0="$4" -v t1="$5" \
        -v hz="$TICKS_PER_S" 'BEGIN {
        s = (t1 - t0) / hz
        printf "%s CPU: %.0f µs per %s (user+system %.2f s over %d requests)\n", \
            who, (n > 0 ? s * 1e6 / n : 0), what, s, n }'
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
t0=$(cpu_ticks)
wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s bench/create.lua "$URL/v1/complaints" \
    > "$work/create.txt"
t1=$(cpu_ticks)
grep wrk-summary "$work/create.txt"
cpu_per_request server "durable create" "$work/create.txt" "$t0" "$t1"
created=$(sqlite3 "file:$work/bench.db?mode=ro" "select count(*) from complaints")
echo "complaints stored: $created"
curl -s "$URL/v1/health"; echo

sqlite3 "file:$work/bench.db?mode=ro" "select no from complaints order by random() limit 20000" \
    > "$work/numbers.txt"
export OMBUD_NUMBERS="$work/numbers.txt"
echo "== reads: GET /v1/complaints/{no}, $CONNS connections, ${SECS}s"
t0=$(cpu_ticks)
wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s bench/fetch.lua "$URL" > "$work/fetch.txt"
t1=$(cpu_ticks)
grep wrk-summary "$work/fetch.txt"
cpu_per_request server fetch "$work/fetch.txt" "$t0" "$t1"
# One real answer, the body the HTTP ceiling serves.
curl -sf -H "Authorization: Bearer $TOKEN" "$URL/v1/complaints/$(head -n 1 "$work/numbers.txt")" \
    > "$work/complaint.json"

echo "== memory after these runs"
grep -E 'VmRSS|VmHWM' /proc/$pid/status
stop_server

echo "== ceiling: HTTP alone (libmicrohttpd with ombud's options, a $(wc -c < "$work/complaint.json")-byte" \
    "complaint from memory), $CONNS connections, ${SECS}s"
# The same thread pool as the server: cores + 1, or the threads key (or
# --threads) when BENCH_SERVER_OPTS sets it.
pool=$(echo "${BENCH_SERVER_OPTS:-}" | sed -nE 's/.*threads[= ]+([0-9]+).*/\1/p')
"$B/bench/http_ceiling" "$work/complaint.json" $pool > "$work/serve.out" 2> "$work/serve.err" &
pid=$!
await_url
t0=$(cpu_ticks)
wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s bench/fetch.lua "$URL" > "$work/ceiling.txt"
t1=$(cpu_ticks)
grep wrk-summary "$work/ceiling.txt"
cpu_per_request "HTTP ceiling" request "$work/ceiling.txt" "$t0" "$t1"
stop_server
awk -v f="$(wrk_value "$work/fetch.txt" rps)" -v c="$(wrk_value "$work/ceiling.txt" rps)" '
    function thousands(x,   s) {
        s = sprintf("%.0f", x)
        while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
        return s
    }
    BEGIN { printf "fetch %s/s = %.0f%% of the HTTP ceiling %s/s\n", thousands(f),
            (c > 0 ? 100 * f / c : 0), thousands(c) }'

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
    if [ -f build/web/index.html ] && [ -d bench/web/node_modules ] && [ -x /usr/bin/chromium ]; then
        echo "== web workbench over $MILLION complaints (Debian's Chromium, headless)"
        $M user add --party fill-bank --username million.supervisor --name M --role supervisor \
            --password bench-web-pw-2026 >/dev/null
        opts_before=${BENCH_SERVER_OPTS:-}
        BENCH_SERVER_OPTS="$opts_before --set web_root=$PWD/build/web"
        start_server "$work/million.db"
        BENCH_SERVER_OPTS=$opts_before
        (cd bench/web && node pages.mjs "$URL" million.supervisor bench-web-pw-2026 \
            "$(head -n 1 "$work/numbers.txt")") || echo "web workbench bench failed"
        stop_server
    else
        echo "== web workbench: skipped (build/web, bench/web/node_modules or /usr/bin/chromium missing)"
    fi
    echo "== clocks among $MILLION open complaints"
    "$B/bench/clocks" "$work/million.db" "$work/att"
fi
exit 0
