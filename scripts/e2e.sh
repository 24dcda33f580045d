#!/bin/sh
# e2e.sh - the web workbench's end-to-end tests (web/e2e/*.spec.ts, Playwright
# Test in Debian's headless Chromium) against the real server: the global
# setup starts OMBUD (default build/release/ombud) on a temporary database
# and a free loopback port, serving build/web (make web).
#   scripts/e2e.sh [OMBUD] [playwright test arguments...]
# OMBUD_SCREENSHOTS=1 also writes docs/screenshots/<page>.png.
# Prints each test, then "workbench: N passed, N failed" (fixme tests are
# neither: they are counted as skipped on the line before). The label has
# letters only, as scripts/test.sh's count() expects.
set -u
cd "$(dirname "$0")/.."
bin=${1:-build/release/ombud}
[ $# -gt 0 ] && shift
export OMBUD_E2E_BIN="$bin"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export PLAYWRIGHT_JSON_OUTPUT_NAME=../build/e2e/report.json
# A free loopback port, chosen by the kernel.
OMBUD_E2E_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export OMBUD_E2E_PORT
mkdir -p build/e2e
rm -f build/e2e/report.json
if [ ! -x web/node_modules/.bin/playwright ]; then
    echo "e2e: no web/node_modules (make web)"
    echo "workbench: 0 passed, 1 failed"
    exit 1
fi
(cd web && ./node_modules/.bin/playwright test --reporter=list,json "$@" < /dev/null)
rc=$?
if [ ! -s build/e2e/report.json ]; then
    echo "e2e: playwright wrote no report (exit $rc)"
    echo "workbench: 0 passed, 1 failed"
    exit 1
fi
node -e '
const r = JSON.parse(require("fs").readFileSync("build/e2e/report.json", "utf8"));
const s = r.stats || {};
const errors = (r.errors || []).length;
const failed = (s.unexpected || 0) + errors;
console.log(`workbench: ${s.skipped || 0} skipped (fixme), ${s.flaky || 0} flaky, ${Math.round((s.duration || 0) / 1000)} s`);
for (const e of r.errors || []) console.log("FAIL e2e setup or teardown: " + (e.message || "").split("\n")[0]);
const plain = (t) => (t || "").replace(/\x1b\[[0-9;]*m/g, "");
(function walk(suite) {
  for (const spec of suite.specs || [])
    for (const t of spec.tests)
      if (t.status === "unexpected") {
        const res = t.results[t.results.length - 1] || {};
        const msg = plain(res.error && res.error.message).split("\n").filter((l) => l.trim()).slice(0, 3);
        console.log(`FAIL ${spec.file}: ${spec.title}\n    ${msg.join("\n    ")}`);
      }
  for (const s of suite.suites || []) walk(s);
})({ suites: r.suites || [] });
console.log(`workbench: ${(s.expected || 0) + (s.flaky || 0)} passed, ${failed} failed`);
'
[ $rc -eq 0 ]
