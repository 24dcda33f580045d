#!/bin/sh
# fuzz.sh - runs the libFuzzer harnesses of tests/fuzz/ (built by
# `make FLAVOUR=fuzz fuzzers` into build/fuzz/) and reports on each.
#
#   scripts/fuzz.sh [--ci] [--merge] [BUILD_DIR [NAME...]]
#
# Default (make fuzz): each harness runs FUZZ_SECONDS (60) over its corpus,
# tests/fuzz/corpus/<name>/ (read only) plus build/fuzz/corpus/<name>/, where
# the new units go; it prints executions, exec/s, the final cov: and ft:,
# new units and crashes per harness.
# --ci (scripts/test.sh): FUZZ_SECONDS defaults to 10, new units go to a
# temporary directory, and each harness is one test: it fails on a crash,
# leak, timeout or sanitizer report.  The closing line is
# "fuzz: N passed, N failed".
# --merge: minimises tests/fuzz/corpus/<name>/ plus build/fuzz/corpus/<name>/
# into tests/fuzz/corpus/<name>/ (libFuzzer -merge=1); no fuzzing.
# In every mode the reproducers in tests/fuzz/regress/<name>/ are replayed
# first, and a crash leaves its reproducer in build/fuzz/crashes/<name>/.
set -u
ci=0
merge=0
while [ $# -gt 0 ]; do
    case "$1" in
    --ci) ci=1 ;;
    --merge) merge=1 ;;
    *) break ;;
    esac
    shift
done
B=${1:-build/fuzz}
[ $# -gt 0 ] && shift
if [ $ci -eq 1 ]; then
    secs=${FUZZ_SECONDS:-10}
else
    secs=${FUZZ_SECONDS:-60}
fi
# Leaks and every sanitizer report fail the run; libFuzzer writes the input.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

names=$*
if [ -z "$names" ]; then
    for f in tests/fuzz/fuzz_*.c; do
        n=$(basename "$f" .c)
        names="$names ${n#fuzz_}"
    done
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
[ $merge -eq 1 ] || printf '%-12s %10s %8s %7s %7s %6s %s\n' harness execs exec/s cov ft new result

for name in $names; do
    bin="$B/fuzz_$name"
    if [ ! -x "$bin" ]; then
        echo "FAIL $name: no $bin (make FLAVOUR=fuzz fuzzers)"
        fail=$((fail + 1))
        continue
    fi
    seeds=tests/fuzz/corpus/$name
    crashes=$B/crashes/$name
    mkdir -p "$seeds" "$crashes"
    # A harness's dictionary: tests/fuzz/<name>.dict, or the one it shares.
    case "$name" in
    taxonomy | calendar | clock_rules | routing) d=tsv ;;
    cfpb) d=csv ;;
    *) d=$name ;;
    esac
    dict=""
    [ -f "tests/fuzz/$d.dict" ] && dict="-dict=tests/fuzz/$d.dict"
    log="$tmp/$name.log"

    # The reproducers of crashes found before: each must run clean now.
    ok=1
    if [ -n "$(ls -A "tests/fuzz/regress/$name" 2>/dev/null)" ]; then
        if ! "$bin" -runs=1 "tests/fuzz/regress/$name"/* > "$tmp/$name.regress" 2>&1; then
            ok=0
            echo "FAIL $name: a reproducer of tests/fuzz/regress/$name/ crashes again:"
            grep -E 'Running:|ERROR|SUMMARY' "$tmp/$name.regress" | tail -n 5
        fi
    fi

    if [ $merge -eq 1 ]; then
        work=$B/corpus/$name
        mkdir -p "$work" "$tmp/merged-$name"
        # shellcheck disable=SC2086
        "$bin" -merge=1 $dict "$tmp/merged-$name" "$seeds" "$work" > "$log" 2>&1 || {
            echo "FAIL $name: merge failed"
            tail -n 20 "$log"
            fail=$((fail + 1))
            continue
        }
        before=$(ls "$seeds" | wc -l)
        rm -f "$seeds"/*
        cp "$tmp/merged-$name"/* "$seeds"/ 2>/dev/null
        echo "$name: $before -> $(ls "$seeds" | wc -l) units, $(du -sk "$seeds" | cut -f1) KiB"
        pass=$((pass + 1))
        continue
    fi

    if [ $ci -eq 1 ]; then
        work=$tmp/corpus-$name
    else
        work=$B/corpus/$name
    fi
    mkdir -p "$work"
    before=$(ls "$crashes" | wc -l)
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=25 -rss_limit_mb=3072 \
        -artifact_prefix="$crashes/" $dict "$work" "$seeds" > "$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    new=$(sed -n 's/^stat::new_units_added: *//p' "$log")
    last=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -n 1)
    cov=$(printf '%s' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    found=$(($(ls "$crashes" | wc -l) - before))
    result=ok
    if [ $rc -ne 0 ] || [ $ok -eq 0 ]; then
        result="FAIL (exit $rc)"
    fi
    printf '%-12s %10s %8s %7s %7s %6s %s\n' "$name" "${execs:--}" "${rate:--}" "${cov:--}" \
        "${ft:--}" "${new:--}" "$result"
    if [ $rc -ne 0 ]; then
        grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5
        grep -E '^    #[0-9]' "$log" | head -n 12
        unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        [ -n "$unit" ] && echo "  reproduce: $bin $unit"
        if [ $found -eq 0 ]; then
            echo "  (no reproducer written; the log ends:)"
            tail -n 5 "$log"
        fi
    fi
    if [ "$result" = ok ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
    fi
done

echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
