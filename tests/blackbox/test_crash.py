"""
test_crash.py - crash cycles (crash.py): under a load of complaint creates,
notes and uploads from several client threads, each with an
Idempotency-Key, the server is killed with SIGKILL at a random point and
restarted on the same files, three times.  Every acknowledged write is there
exactly once, a retry of every request by its key gets the same answer (or,
for an unanswered one, writes at most once), and `ombud verify` is clean.
`make soak` runs the same for 20 cycles (soak.py).
"""

import os

from crash import CrashCycles
from harness import Fixture, check

CYCLES = 3
RUN_S = 1.5  # the longest wait, after the first answered writes, before the kill


def setup(ctx):
    ctx.s = ctx.server(name="crash")
    ctx.fx = Fixture(ctx.s, users=CrashCycles.fixture_users()).build()


def test_crash_cycles(ctx):
    seed = int(os.environ["OMB_CRASH_SEED"]) if os.environ.get("OMB_CRASH_SEED") else None
    cc = CrashCycles(ctx.s, ctx.fx, threads=4, seed=seed,
                     log=print if os.environ.get("OMB_DEBUG") else None)
    for _ in range(CYCLES):
        cc.cycle(RUN_S)
    cc.final_check()
    print("    crash: " + cc.summary())
    cc.check_clean()
    check(cc.counts["acknowledged"] >= 5 * CYCLES, "too few acknowledged writes: " +
          cc.summary())
