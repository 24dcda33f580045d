#!/usr/bin/env python3
"""
soak.py - crash cycles for longer than the test suite runs them (`make soak`).

    python3 tests/blackbox/soak.py [--ombud build/release/ombud] [--cycles 20]
                                   [--run-seconds 3] [--threads 4] [--seed N] [--keep]

Runs one server on a temporary database and repeats crash.py's cycle: a load
of creates, notes and uploads with Idempotency-Keys, SIGKILL at a random
point, restart, every write counted and retried, `ombud verify`.  Prints one
line per cycle and the totals: cycles, requests sent, acknowledged, lost
(must be 0), duplicated (must be 0) and the verify result.  Exit code 1 when
anything was lost, duplicated, answered wrongly or failed to verify.
"""

import argparse
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
from crash import CrashCycles  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--ombud", default=os.path.join(harness.ROOT, "build", "release", "ombud"))
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--run-seconds", type=float, default=3.0,
                    help="the longest wait, after the first answered writes, before a kill")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    opts = ap.parse_args()
    # SIGTERM (an interrupted make) still stops the server and removes the files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    started = time.monotonic()
    s = harness.Server(opts.ombud, name="soak")
    ok = False
    try:
        s.init()
        s.start()
        fx = harness.Fixture(s, users=CrashCycles.fixture_users()).build()
        cc = CrashCycles(s, fx, threads=opts.threads, seed=opts.seed,
                         log=lambda text: print(text, flush=True))
        for _ in range(opts.cycles):
            cc.cycle(opts.run_seconds)
        cc.final_check()
        s.stop()
        reports = s.sanitizer_reports()
        for p in cc.problems[:50]:
            print("problem: " + p)
        for r in reports[:10]:
            print("sanitizer: " + r)
        c = cc.counts
        print("soak: cycles %d" % c["cycles"])
        print("soak: requests sent %d" % c["sent"])
        print("soak: acknowledged %d" % c["acknowledged"])
        print("soak: unacknowledged %d (written before the kill %d)" % (
            c["unacknowledged"], c["written_unacknowledged"]))
        print("soak: lost %d" % c["lost"])
        print("soak: duplicated %d" % c["duplicated"])
        print("soak: wrong replies %d" % c["wrong_replies"])
        print("soak: verify %s" % ("clean" if not c["verify_failures"] else
                                   "%d failures" % c["verify_failures"]))
        print("soak: seed %d, %.1fs" % (cc.seed, time.monotonic() - started))
        ok = not cc.problems and not reports
    except harness.TestFailure as e:
        print("soak: FAIL %s\n%s" % (e, s.log_tail()))
    finally:
        s.close(keep=opts.keep or not ok)
        if not ok:
            print("soak: files kept in %s" % s.dir)
    print("soak: %s" % ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
