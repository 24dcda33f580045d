#!/usr/bin/env python3
"""
run.py - runs the black-box tests of ombud against a real server.

    python3 tests/blackbox/run.py [--ombud build/asan/ombud] [--only list,restart] [--keep]
                                  [--front nginx]

Each module of MODULES runs in this order with its own server(s): its
setup(ctx) builds what the tests share, then each test prints one line
"PASS name (seconds)" or "FAIL name: reason"; after the tests the module's
servers are stopped with SIGTERM and must exit 0 with no sanitizer report
(one more line, "<module>/server_exit").  The last line is always
"blackbox: N passed, N failed"; the exit code is 1 when anything failed.

--front nginx runs FRONT_MODULES with every server behind nginx configured
by docs/nginx/ombud.conf (front.py): the tests' requests go over TLS to
nginx, which proxies them to ombud.  Standard library only.
"""

import argparse
import importlib
import inspect
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402

MODULES = [
    "test_openapi",
    "test_service",
    "test_lifecycle",
    "test_list",
    "test_idempotency",
    "test_integrity",
    "test_clocks",
    "test_calendars",
    "test_bad_requests",
    "test_restart",
    "test_import",
    "test_cli",
    "test_linkage",
    "test_isolation",
    "test_webhooks",
    "test_pii_text",
    "test_ledger",
    "test_witness",
    "test_http",
    "test_front",
    "test_crash",
    "test_auth",
    "test_session",
    "test_web",
]

# The modules of the nginx-front mode: the lifecycle (with uploads), lists,
# idempotent retries, clocks and linkage, all spoken through harness.http()
# and so through nginx.  Left out, as tried: service (it sends deliberately
# malformed framing, Expect: 100-continue and early errors that only ombud
# itself should judge; nginx answers those, see test_front), bad_requests
# and integrity (raw malformed bytes), isolation and webhooks (their event
# streams open plain sockets to the server's port), witness and cli (the
# ombud CLI speaks plain HTTP to the server), restart (stalled raw
# clients), ledger (passes, but its tamper tests restart servers for a
# minute and say nothing about the front), import and calendars (little
# HTTP); test_front starts its own nginx and test_crash kills the server.
FRONT_MODULES = [
    "test_lifecycle",
    "test_list",
    "test_idempotency",
    "test_clocks",
    "test_linkage",
]


def collect(mod, ctx):
    if hasattr(mod, "collect"):
        return mod.collect(ctx)
    fns = [(name, fn) for name, fn in vars(mod).items()
           if name.startswith("test_") and inspect.isfunction(fn) and fn.__module__ == mod.__name__]
    fns.sort(key=lambda item: item[1].__code__.co_firstlineno)
    return [(name[5:], (lambda f: lambda: f(ctx))(fn)) for name, fn in fns]


def reason_of(exc):
    if isinstance(exc, AssertionError):
        text = str(exc) or "assertion failed"
        if not str(exc):
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            text = "assertion failed at %s:%d: %s" % (os.path.basename(tb.filename), tb.lineno,
                                                      tb.line)
        return text
    tb = traceback.extract_tb(exc.__traceback__)
    where = tb[-1] if tb else None
    loc = " at %s:%d" % (os.path.basename(where.filename), where.lineno) if where else ""
    return "%s: %s%s" % (type(exc).__name__, exc, loc)


def print_reason(label, reason, ctx):
    lines = reason.splitlines() or [""]
    print("FAIL %s: %s" % (label, lines[0]))
    for line in lines[1:]:
        print("    " + line)
    for s in ctx.servers if ctx else []:
        print("    server log %s (last lines):" % s.log)
        print(s.log_tail(12))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--ombud", default=os.path.join(harness.ROOT, "build", "asan", "ombud"))
    ap.add_argument("--only", default="", help="comma-separated module names (without test_)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    ap.add_argument("--front", choices=["nginx"], default=None,
                    help="run FRONT_MODULES behind nginx (docs/nginx/ombud.conf)")
    opts = ap.parse_args()
    opts.ombud = os.path.abspath(opts.ombud)
    passed = failed = 0
    if not os.access(opts.ombud, os.X_OK):
        print("FAIL setup: %s is not an executable (build it with make FLAVOUR=asan)" % opts.ombud)
        print("blackbox: 0 passed, 1 failed")
        return 1
    only = {("test_" + m if not m.startswith("test_") else m) for m in opts.only.split(",") if m}
    started = time.monotonic()
    for modname in FRONT_MODULES if opts.front else MODULES:
        if only and modname not in only:
            continue
        short = modname[5:]
        ctx = harness.Context(opts)
        try:
            mod = importlib.import_module(modname)
            if hasattr(mod, "setup"):
                mod.setup(ctx)
            tests = collect(mod, ctx)
        except Exception as e:  # noqa: BLE001 - a setup failure is a failed test
            print_reason("%s/setup" % short, reason_of(e), ctx)
            failed += 1
            ctx.finish()
            ctx.cleanup(keep=True)
            continue
        for name, fn in tests:
            label = "%s/%s" % (short, name)
            t0 = time.monotonic()
            try:
                fn()
            except Exception as e:  # noqa: BLE001
                print_reason(label, reason_of(e), ctx)
                failed += 1
                continue
            passed += 1
            print("PASS %s (%.2fs)" % (label, time.monotonic() - t0))
            sys.stdout.flush()
        problems = []
        try:
            if hasattr(mod, "teardown"):
                mod.teardown(ctx)
        except Exception as e:  # noqa: BLE001
            problems.append(reason_of(e))
        problems += ctx.finish()
        if problems:
            print_reason("%s/server_exit" % short, "\n".join(problems), ctx)
            failed += 1
        else:
            passed += 1
            print("PASS %s/server_exit" % short)
        ctx.cleanup(keep=opts.keep or bool(problems))
    print("(%.1fs)" % (time.monotonic() - started))
    print("blackbox: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
