#!/bin/sh
# web.sh - builds the web workbench (web/) into build/web, which ombud serves
# (web_root), doing only what changed since the last time:
#   1. `npm ci` when web/package-lock.json is newer than the last install
#      (the stamp web/node_modules/.ombud-npm-ci; no browser is downloaded);
#   2. `vue-tsc --noEmit && vite build` when a file under web/ (outside
#      node_modules) is newer than the last build (the stamp build/web.stamp);
#   3. FILE.gz beside each .js, .css, .html and .svg of build/web that lacks
#      an up-to-date one, for clients that accept gzip.
# One line per step; any failure stops the script with a message.
set -eu
cd "$(dirname "$0")/.."
out=build/web
stamp=build/web.stamp
installed=web/node_modules/.ombud-npm-ci
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

die() {
    echo "web: $*" >&2
    exit 1
}

command -v npm >/dev/null 2>&1 || die "no npm: run scripts/deps.sh (make deps) first"
mkdir -p build

if [ ! -f "$installed" ] || [ web/package-lock.json -nt "$installed" ]; then
    echo "web: npm ci (web/package-lock.json changed)"
    (cd web && npm ci --no-progress < /dev/null > ../build/web-npm.log 2>&1) || {
        tail -n 30 build/web-npm.log >&2
        die "npm ci failed (whole log: build/web-npm.log)"
    }
    touch "$installed"
else
    echo "web: packages up to date"
fi

changed=""
if [ ! -f "$stamp" ] || [ ! -f "$out/index.html" ]; then
    changed=yes
elif [ -n "$(find web -path web/node_modules -prune -o -newer "$stamp" -type f -print | head -n 1)" ]; then
    changed=yes
fi
if [ -n "$changed" ]; then
    echo "web: vue-tsc --noEmit && vite build -> $out"
    rm -f "$stamp"
    # The stamp's time is the build's start: an edit made during the build
    # is newer than it and builds again next time.
    touch "$stamp.new"
    (cd web && ./node_modules/.bin/vue-tsc --noEmit < /dev/null) || die "type check failed (vue-tsc)"
    (cd web && ./node_modules/.bin/vite build --logLevel warn < /dev/null) || die "vite build failed"
    [ -f "$out/index.html" ] || die "vite build wrote no $out/index.html"
    mv "$stamp.new" "$stamp"
else
    echo "web: $out up to date"
fi

n=0
for f in $(find "$out" -type f \( -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \)); do
    if [ ! -f "$f.gz" ] || [ "$f" -nt "$f.gz" ]; then
        gzip -k -9 -n -f "$f" || die "gzip $f failed"
        n=$((n + 1))
    fi
done
echo "web: gzip: $n file(s) compressed"
