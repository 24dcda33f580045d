#!/bin/sh
# bench_web_deps.sh - installs bench/web's npm packages (Lighthouse and
# playwright-core, pinned by bench/web/package-lock.json) for `make bench`
# only: `npm ci` when the lockfile is newer than the last install. The tests
# never need them.
set -eu
cd "$(dirname "$0")/.."
stamp=bench/web/node_modules/.ombud-npm-ci
if [ ! -f "$stamp" ] || [ bench/web/package-lock.json -nt "$stamp" ]; then
    echo "bench: npm ci in bench/web (Lighthouse, playwright-core)"
    mkdir -p build
    (cd bench/web && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-progress --no-audit --no-fund \
        < /dev/null > ../../build/bench-web-npm.log 2>&1) || {
        tail -n 30 build/bench-web-npm.log >&2
        echo "bench: npm ci in bench/web failed" >&2
        exit 1
    }
    touch "$stamp"
fi
