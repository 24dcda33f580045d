#!/bin/sh
# test.sh - runs every test against one build flavour and prints the closing
# line "N passed, N failed".  Usage: scripts/test.sh build/asan
#   1. source checks (scripts/checksrc.sh)
#   2. each unit test program build/<flavour>/tests/test_*
#   3. the black-box suite against build/<flavour>/ombud (tests/blackbox/run.py)
#   4. part of it again behind nginx over TLS (run.py --front nginx)
#   4b. the web workbench's end-to-end tests in headless Chromium against
#      build/<flavour>/ombud serving build/web (scripts/e2e.sh; make web first)
#   5. each libFuzzer harness of build/fuzz/ (make FLAVOUR=fuzz fuzzers) for
#      FUZZ_SECONDS (10) over its corpus, after replaying its crash
#      reproducers (scripts/fuzz.sh --ci): one test per harness
set -u
B=${1:-build/asan}
pass=0
fail=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
log=$(mktemp -d)

# count LABEL RC OUTPUT-FILE: adds the "N passed, N failed" line of a runner.
count() {
    line=$(grep -E '^([a-z]+: )?[0-9]+ passed, [0-9]+ failed' "$3" | tail -n 1)
    p=$(printf '%s' "$line" | sed -E 's/^([a-z]+: )?([0-9]+) passed.*/\2/')
    f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    [ -n "$p" ] || p=0
    [ -n "$f" ] || f=0
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # a runner that crashed or exited non-zero failed, whatever it counted
    fi
    pass=$((pass + p))
    fail=$((fail + f))
    if [ "$f" -ne 0 ]; then
        echo "FAIL $1 ($p passed, $f failed)"
        # each failure with its reason (not the server log lines), then the end
        grep -E -A4 '^FAIL ' "$3" | grep -v -E '^    [|]' | head -n 80
        tail -n 5 "$3"
    else
        echo "ok   $1 ($p passed)"
    fi
}

scripts/checksrc.sh > "$log/checksrc" 2>&1
count checksrc $? "$log/checksrc"

for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    "$t" > "$log/$name" 2>&1
    count "$name" $? "$log/$name"
done

python3 tests/blackbox/run.py --ombud "$B/ombud" > "$log/blackbox" 2>&1
count blackbox $? "$log/blackbox"

python3 tests/blackbox/run.py --ombud "$B/ombud" --front nginx > "$log/front" 2>&1
count blackbox-nginx $? "$log/front"

scripts/e2e.sh "$B/ombud" > "$log/e2e" 2>&1
count e2e $? "$log/e2e"

scripts/fuzz.sh --ci build/fuzz > "$log/fuzz" 2>&1
count fuzz $? "$log/fuzz"

rm -rf "$log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
