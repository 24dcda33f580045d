"""
crash.py - crash cycles: load, SIGKILL at a random point, restart, check.

Shared by test_crash.py (a short run in `make test`) and soak.py (`make
soak`).  One cycle:

  1. several client threads send complaint creates, notes and attachment
     uploads (notes and uploads on complaints whose creation was answered),
     each request with an Idempotency-Key of its own, and record what they
     sent and what came back;
  2. once some writes were answered, at a random moment, the server is
     killed with SIGKILL and restarted on the same files;
  3. every write is counted in the database: a complaint by its description,
     a note by its text (event note_added), an upload by its SHA-256 (event
     attachment_added and the link to its complaint), each unique to its
     request.  An acknowledged write (2xx) found 0 times is lost, any write
     found more than once is duplicated;
  4. every request is sent again with its key: an acknowledged one must get
     the very answer it got (Idempotent-Replayed: true); an unacknowledged
     one gets 2xx, a replay exactly when it had been written before the
     kill, so that afterwards each write is there exactly once;
  5. `ombud verify` on the database must be clean.
"""

import collections
import hashlib
import json
import os
import random
import threading
import time

from harness import USERS, TestFailure, db_connect

KINDS = (("create", 5), ("note", 3), ("upload", 2))


class Op:
    """One write request as sent, and what came back."""

    def __init__(self, kind, key, user, path, body, content_type, mark, no=None):
        self.kind, self.key, self.user, self.path = kind, key, user, path
        self.body, self.content_type, self.mark, self.no = body, content_type, mark, no
        self.status = None  # HTTP status, None when no answer came
        self.answer = None  # the JSON answer
        self.error = None

    @property
    def acked(self):
        return self.status is not None and 200 <= self.status < 300


class CrashCycles:
    """Crash cycles against one harness.Server with its built harness.Fixture."""

    USERS = ("bank_agent", "bank_agent2", "bank_sup")

    @classmethod
    def fixture_users(cls):
        """The harness.USERS the load needs (a smaller fixture starts faster)."""
        return [u for u in USERS if u[0] in cls.USERS]

    def __init__(self, server, fx, threads=4, seed=None, log=None):
        self.s, self.fx = server, fx
        self.threads = threads
        self.seed = seed if seed is not None else random.randrange(1 << 30)
        self.rng = random.Random(self.seed)
        self.log = log or (lambda text: None)
        self.lock = threading.Lock()
        self.complaints = []  # numbers of complaints whose creation was acknowledged
        self.ops = []  # every Op of every cycle
        self.n = 0
        self.counts = {"cycles": 0, "sent": 0, "acknowledged": 0, "unacknowledged": 0,
                       "written_unacknowledged": 0, "lost": 0, "duplicated": 0,
                       "wrong_replies": 0, "verify_failures": 0}
        self.problems = []

    # ---- the load ----------------------------------------------------------------

    def _next_op(self, rng):
        with self.lock:
            self.n += 1
            n = self.n
            pool = list(self.complaints)
        key = "crash-%d-%d" % (self.seed, n)
        mark = "崩溃测试 [%s]" % key
        user = rng.choice(self.USERS)
        kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        if kind != "create" and not pool:
            kind = "create"
        if kind == "create":
            body = self.fx.complaint_body(description=mark, complainant=self.fx.next_person())
            return Op(kind, key, user, "/v1/complaints", _json(body), "application/json", mark)
        no = rng.choice(pool)
        if kind == "note":
            return Op(kind, key, user, "/v1/complaints/%s/actions/note" % no,
                      _json({"text": mark}), "application/json", mark, no)
        data = mark.encode() + os.urandom(rng.randrange(1, 64) * 1024)
        return Op(kind, key, user, "/v1/complaints/%s/attachments?name=c%d.bin" % (no, n), data,
                  "application/octet-stream", hashlib.sha256(data).hexdigest(), no)

    def _send(self, op, timeout=15):
        return self.s.http("POST", op.path, op.body, token=self.fx.token(op.user),
                           content_type=op.content_type, timeout=timeout,
                           headers={"Idempotency-Key": op.key})

    def _worker(self, k, stop, ops):
        rng = random.Random("%d-%d-%d" % (self.seed, self.counts["cycles"], k))
        while not stop.is_set():
            op = self._next_op(rng)
            with self.lock:
                ops.append(op)
            try:
                r = self._send(op)
            except Exception as e:  # noqa: BLE001 - a killed server cuts or refuses
                op.error = repr(e)
                if "refused" in op.error.lower():
                    return
                continue
            op.status, op.answer = r.status, r.json
            if op.acked and op.kind == "create":
                with self.lock:
                    self.complaints.append(r.json["no"])

    def cycle(self, run_s):
        """One load, kill, restart and check; returns this cycle's ops."""
        s = self.s
        ops, stop = [], threading.Event()
        threads = [threading.Thread(target=self._worker, args=(k, stop, ops), daemon=True)
                   for k in range(self.threads)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while (sum(op.acked for op in list(ops)) < 5 and time.monotonic() < deadline):
            time.sleep(0.01)
        time.sleep(self.rng.uniform(0, run_s))
        s.kill()  # SIGKILL
        stop.set()
        for t in threads:
            t.join(60)
        s.start()
        self.counts["cycles"] += 1
        self._check(ops)
        self.ops += ops
        return ops

    # ---- the checks ----------------------------------------------------------------

    def census(self):
        """What the database holds, read at once: (kind, mark, complaint) -> times."""
        con = db_connect(self.s.db)
        try:
            rows = [("create", d, None) for (d,) in con.execute(
                "SELECT json_extract(doc, '$.description') FROM complaints")]
            rows += [("note", text, None) for (text,) in con.execute(
                "SELECT json_extract(payload, '$.text') FROM events WHERE type = 'note_added'")]
            links = set(con.execute("SELECT c.no, a.sha256 FROM complaint_attachments a "
                                    "JOIN complaints c ON c.id = a.complaint_id"))
            rows += [("upload", sha, no) for no, sha in con.execute(
                "SELECT c.no, json_extract(e.payload, '$.sha256') FROM events e JOIN complaints c "
                "ON c.id = e.complaint_id WHERE e.type = 'attachment_added'")
                     if (no, sha) in links]
        finally:
            con.close()
        return collections.Counter(rows)

    @staticmethod
    def found(census, op):
        """How many times op's write is in the database: a complaint by its description,
        a note by its text, an upload by its SHA-256 (event and link) on its complaint."""
        return census[(op.kind, op.mark, op.no if op.kind == "upload" else None)]

    def _problem(self, what, text):
        self.counts[what] += 1
        self.problems.append(text)

    def _check(self, ops):
        c = self.counts
        c["sent"] += len(ops)
        acked = sum(op.acked for op in ops)
        written = 0
        census = self.census()
        for op in ops:
            n = self.found(census, op)
            if op.acked:
                c["acknowledged"] += 1
                if n == 0:
                    self._problem("lost", "%s %s: acknowledged %d, not found" % (
                        op.kind, op.key, op.status))
            else:
                c["unacknowledged"] += 1
                if op.status is not None:
                    self._problem("wrong_replies", "%s %s: status %d %r" % (
                        op.kind, op.key, op.status, op.answer))
                c["written_unacknowledged"] += n
                written += n
            if n > 1:
                self._problem("duplicated", "%s %s: found %d times" % (op.kind, op.key, n))
            self._retry(op, n)
        census = self.census()
        for op in ops:
            n = self.found(census, op)
            if n != 1:
                self._problem("lost" if n == 0 else "duplicated",
                              "%s %s: found %d times after the retry" % (op.kind, op.key, n))
        self._verify()
        self.log("cycle %d: %d sent, %d acknowledged, %d written without an answer" % (
            c["cycles"], len(ops), acked, written))

    def _retry(self, op, n_before):
        r = self._send(op, timeout=60)
        replayed = r.headers.get("idempotent-replayed") == "true"
        if op.acked:
            if (r.status, r.json, replayed) != (op.status, op.answer, True):
                self._problem("wrong_replies", "%s %s: retry answered %d (replayed %s), first "
                                               "%d" % (op.kind, op.key, r.status, replayed,
                                                       op.status))
            return
        if not 200 <= r.status < 300 or replayed != (n_before == 1):
            self._problem("wrong_replies", "%s %s: retry of an unanswered request: %d, replayed "
                                           "%s, found %d before" % (op.kind, op.key, r.status,
                                                                    replayed, n_before))
            return
        op.status, op.answer = r.status, r.json
        if op.kind == "create":
            with self.lock:
                self.complaints.append(r.json["no"])

    def _verify(self):
        p = self.s.run_cli("verify", check_rc=False)
        if p.returncode != 0:
            self._problem("verify_failures", "ombud verify exited %d: %s" % (
                p.returncode, p.stdout.decode("utf-8", "replace")[-1500:]))

    def final_check(self):
        """Every write of every cycle is in the database exactly once."""
        census = self.census()
        for op in self.ops:
            n = self.found(census, op)
            if n != 1:
                self._problem("lost" if n == 0 else "duplicated",
                              "%s %s: found %d times at the end" % (op.kind, op.key, n))

    def summary(self):
        c = self.counts
        return ("cycles %d, requests sent %d, acknowledged %d, unacknowledged %d (of which "
                "written before the kill %d), lost %d, duplicated %d, wrong replies %d, "
                "verify %s (seed %d)" % (c["cycles"], c["sent"], c["acknowledged"],
                                         c["unacknowledged"], c["written_unacknowledged"],
                                         c["lost"], c["duplicated"], c["wrong_replies"],
                                         "clean" if not c["verify_failures"] else
                                         "%d failures" % c["verify_failures"], self.seed))

    def check_clean(self):
        if self.problems:
            raise TestFailure("%s\n%s" % (self.summary(), "\n".join(self.problems[:20])))


def _json(body):
    return json.dumps(body, ensure_ascii=False).encode("utf-8")
