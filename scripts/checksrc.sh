#!/bin/sh
# checksrc.sh - source rules that the compiler does not enforce:
#   - no banned functions (sprintf, strcpy, strcat, atoi, gets, strtok, ...);
#   - every C file opens with a comment that says what it is for;
#   - the code is formatted as .clang-format says (when clang-format is here);
#   - no file in src/http touches the store (no vt-> call, no store header):
#     reads and writes go through the app layer;
#   - no file in src/store hashes the evidence ledger (leaf bytes, leaf
#     hashes, Merkle nodes): the app computes them and a backend only
#     stores them, so that a second backend need not re-implement them.
# Prints "N passed, N failed" (one check per rule).
set -u
cd "$(dirname "$0")/.."
files=$(ls src/*/*.c src/*/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h bench/*.c 2>/dev/null)
pass=0
fail=0

banned='(^|[^A-Za-z0-9_])(sprintf|vsprintf|strcpy|stpcpy|strcat|strncpy|strncat|atoi|atol|atoll|atof|gets|strtok|tmpnam)[[:space:]]*\('
if grep -nE "$banned" $files; then
    echo "checksrc: banned function used (see lines above)"
    fail=$((fail + 1))
else
    pass=$((pass + 1))
fi

missing=""
for f in $files; do
    head -n 1 "$f" | grep -q '^/\*' || missing="$missing $f"
done
if [ -n "$missing" ]; then
    echo "checksrc: files without a header comment:$missing"
    fail=$((fail + 1))
else
    pass=$((pass + 1))
fi

if grep -nE 'vt->|#include "store/' src/http/*.c src/http/*.h; then
    echo "checksrc: src/http touches the store (see lines above); go through src/app"
    fail=$((fail + 1))
else
    pass=$((pass + 1))
fi

if grep -nE 'omb_ledger_entry_(hash|bytes)|omb_merkle_[a-z_]+[[:space:]]*\(' src/store/*.c src/store/*.h; then
    echo "checksrc: src/store computes the ledger (see lines above); hash in src/app/ledger_append.c"
    fail=$((fail + 1))
else
    pass=$((pass + 1))
fi

if command -v clang-format >/dev/null 2>&1; then
    if clang-format --dry-run --Werror $files >/dev/null 2>&1; then
        pass=$((pass + 1))
    else
        echo "checksrc: files not formatted (run make format):"
        clang-format --dry-run $files 2>&1 | grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error)' |
            cut -d: -f1 | sort -u
        fail=$((fail + 1))
    fi
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
