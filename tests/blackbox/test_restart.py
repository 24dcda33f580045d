"""
test_restart.py - nothing is lost across a restart: SIGTERM stops the
server cleanly (exit 0, "server_stopped" logged), and after a restart on the
same files every complaint, document, timeline, list page, token,
attachment and idempotency record is as before.  Durability under load: a
burst of concurrent creates is cut by SIGTERM; after the restart every
complaint whose creation was answered 201 exists, with the document that
was answered.  Unfinished uploads that a stopped server left in
attachments/tmp are removed (and counted in the log) at the next start.

Upgrades: the database is made to look as every earlier release of ombud
left it (its schema version, without the tables and columns that came
later); the server started on it applies the migrations it lacks, once, and
every row of what that release held is as before, the ledger's rows are
exactly the ones written live (built above the store from the leaves that
migration 4 records as owed), and the assignees' loads are counted.  A
database of a newer schema version is refused by every command.
"""

import hashlib
import os
import signal
import socket
import sqlite3
import threading
import time

from harness import (CREATED, Fixture, action_body, check, check_agent_loads, check_error,
                     check_ok, db_connect, db_query, eq, timeless)


def setup(ctx):
    ctx.s = ctx.server(name="restart")
    ctx.fx = Fixture(ctx.s).build()


def _snapshot(ctx, owners):
    """What the API shows; owners maps each complaint number to a user who sees it."""
    fx, s = ctx.fx, ctx.s
    snap = {"fp": s.fingerprint(), "docs": {}, "timelines": {}}
    for no, who in owners.items():
        snap["docs"][no] = timeless(fx.get(no, who))
        snap["timelines"][no] = fx.timeline(no, who)
    pages = []
    cursor = None
    while True:
        path = "/v1/complaints?limit=7" + ("&cursor=" + cursor if cursor else "")
        body = check_ok(s.http("GET", path, token=fx.token("bank_agent")), 200, "list")
        for item in body["items"]:
            timeless(item)
        pages.append(body)
        cursor = body["next_cursor"]
        if not cursor:
            break
    snap["pages"] = pages
    for who in ("lender_agent", "bank2_agent"):
        r = s.http("GET", "/v1/complaints?limit=200", token=fx.token(who))
        snap["list_" + who] = timeless(check_ok(r, 200, "list"))
    for what in ("parties", "users", "products", "cooperations"):
        r = s.http("GET", "/v1/" + what, token=fx.token("op_admin"))
        snap[what] = check_ok(r, 200, what)
    return snap


def test_restart_keeps_everything(ctx):
    fx, s = ctx.fx, ctx.s
    nos, owners = [], {}
    for i in range(12):
        who = ["bank_agent", "lender_agent", "bank2_agent"][i % 3]
        over = {"product": None} if who == "bank2_agent" else {}
        nos.append(fx.create(who, description="重启测试 %d" % i, **over)["no"])
        owners[nos[-1]] = who
    path = ["accept", "investigate", "decide", "notify", "review"]
    for i, no in enumerate(nos):
        # the bank leads its own and the lender's complaints (cause c11 goes to the funder)
        who = "bank2_agent" if i % 3 == 2 else "bank_agent"
        for a in path[:i % 6]:
            fx.act(no, a, action_body(a, fx), who=who)
        fx.act(no, "note", {"text": "备注 %d" % i}, who=who)
    data = os.urandom(4096)
    r = s.http("POST", "/v1/complaints/%s/attachments?name=r.bin&visibility=involved" % nos[0],
               data,
               token=fx.token("bank_agent"), content_type="application/octet-stream")
    check_ok(r, 201, "upload")
    r = s.http("POST", "/v1/complaints", fx.complaint_body(description="重启幂等"),
               token=fx.token("bank_agent"), headers={"Idempotency-Key": "restart-key"})
    idem_doc = check_ok(r, 201, "create with a key")
    owners[idem_doc["no"]] = "bank_agent"
    before = _snapshot(ctx, owners)

    s.stop()  # checks exit code 0 and the server_stopped line
    events = [e.get("event") for e in s.log_events()]
    check("server_stopping" in events, "no server_stopping line")
    s.start()

    after = _snapshot(ctx, owners)
    eq(after["fp"], before["fp"], "database fingerprint")
    for no in before["docs"]:
        eq(after["docs"][no], before["docs"][no], "document of %s" % no)
        eq(after["timelines"][no], before["timelines"][no], "timeline of %s" % no)
    for key in before:
        if key not in ("fp", "docs", "timelines"):
            eq(after[key], before[key], key)
    # tokens issued before the restart still work; the blob is still there
    r = s.http("GET", "/v1/attachments/" + hashlib.sha256(data).hexdigest(),
               token=fx.token("plat_agent"))
    eq((r.status, r.raw), (200, data), "attachment after restart")
    # the idempotency record survives: a retry is still a replay
    r = s.http("POST", "/v1/complaints", fx.complaint_body(description="重启幂等"),
               token=fx.token("bank_agent"), headers={"Idempotency-Key": "restart-key"})
    eq((r.status, r.headers.get("idempotent-replayed")), (201, "true"), "replay after restart")
    eq(timeless(r.json), timeless(idem_doc), "replayed document after restart")
    # the day counter goes on: no number is handed out twice
    new = fx.create()["no"]
    check(new not in before["docs"], "number %s handed out again" % new)
    rows = db_query(s.db, "SELECT count(*), count(DISTINCT no) FROM complaints")
    eq(rows[0][0], rows[0][1], "distinct complaint numbers")
    # every complaint made through the API was dispatched; the loads dispatch reads go on
    for no, tl in after["timelines"].items():
        eq([e["type"] for e in tl["events"][:2]], CREATED, "first events of %s" % no)
    check_agent_loads(s.db)
    # the personal data sealed before the restart is read with the key loaded at the start
    r = s.http("GET", "/v1/complaints/%s/complainant?purpose=%%E5%%9B%%9E%%E8%%AE%%BF"
               % idem_doc["no"], token=fx.token("bank_agent"))
    eq(check_ok(r, 200, "unmasked read after restart")["complainant"]["phone"], "13800138000",
       "phone unsealed after the restart")


def test_sigterm_while_idle_twice(ctx):
    s = ctx.s
    s.restart()
    s.restart()
    check_ok(s.http("GET", "/v1/health"), 200, "health after two restarts")


def test_durability_of_answered_creates(ctx):
    fx, s = ctx.fx, ctx.s
    answered = {}
    failures = []
    lock = threading.Lock()
    stop_sending = threading.Event()
    users = ["bank_agent", "bank_agent2", "bank_sup", "lender_agent"]

    def worker(k):
        n = 0
        while not stop_sending.is_set() and n < 1000:
            n += 1
            desc = "持久性 %d-%d" % (k, n)
            try:
                r = s.http("POST", "/v1/complaints", fx.complaint_body(description=desc),
                           token=fx.token(users[k % len(users)]), timeout=30)
            except Exception as e:  # noqa: BLE001 - refused or cut connections are expected
                with lock:
                    failures.append(repr(e))
                if "refused" in repr(e).lower() or "no response" in repr(e).lower():
                    return
                continue
            with lock:
                if r.status == 201:
                    answered[r.json["no"]] = r.json
                else:
                    failures.append(r.status)
            if r.status == 503:
                return

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    # let the burst build up, then stop the server while requests are in flight
    deadline = time.monotonic() + 20
    while len(answered) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    check(len(answered) >= 150, "only %d creates answered before the stop" % len(answered))
    s.proc.send_signal(signal.SIGTERM)
    rc = s.proc.wait(60)
    stop_sending.set()
    for t in threads:
        t.join(60)
    s.proc.stdout.close()
    s.proc = None
    if os.environ.get("OMB_DEBUG"):
        print("durability: %d answered, failures %r" % (len(answered), failures[:20]))
    eq(rc, 0, "exit code after SIGTERM under load")
    events = [e.get("event") for e in s.log_events()]
    eq(events[-1], "server_stopped", "last log line")
    statuses = {f for f in failures if isinstance(f, int)}
    check(statuses <= {503}, "unexpected statuses during the stop: %r" % statuses)
    s.start()
    rows = dict(db_query(s.db, "SELECT no, doc FROM complaints"))
    missing = [no for no in answered if no not in rows]
    eq(missing, [], "answered complaints missing after the restart (%d answered)" % len(answered))
    for no, doc in answered.items():
        eq(timeless(fx.get(no)), timeless(doc), "document of %s" % no)
    check_error(s.http("GET", "/v1/complaints/TS20200101999999", token=fx.token("bank_agent")),
                404, "not_found")


def test_stop_with_idle_and_stalled_clients(ctx):
    """SIGTERM while one client idles on a kept-alive connection and another has sent
    half a body: the server still stops within its grace period, exit code 0, and
    the half-sent request changes nothing."""
    s2 = ctx.server({"shutdown_grace_ms": 1500}, name="stall")
    fx2 = Fixture(s2, users=[("bank_agent", "bank", "agent")]).build()
    before = s2.fingerprint()
    tok = fx2.token("bank_agent").encode()
    idle = socket.create_connection(("127.0.0.1", s2.port), timeout=10)
    idle.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
    check(b" 200 " in idle.recv(4096), "first answer on the idle connection")
    stalled = socket.create_connection(("127.0.0.1", s2.port), timeout=10)
    stalled.sendall(b"POST /v1/complaints HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok +
                    b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                    b'{"channel":"app",')
    time.sleep(0.2)
    t0 = time.monotonic()
    s2.proc.send_signal(signal.SIGTERM)
    rc = s2.proc.wait(30)
    took = time.monotonic() - t0
    s2.proc.stdout.close()
    s2.proc = None
    idle.close()
    stalled.close()
    eq(rc, 0, "exit code")
    check(took < 10, "stopping took %.1fs with a 1.5s grace period" % took)
    eq(s2.log_events()[-1].get("event"), "server_stopped", "last log line")
    s2.start()
    eq(s2.fingerprint(), before, "database after the stalled request")
    s2.stop()


def test_leftover_uploads_are_removed_at_start(ctx):
    s, fx = ctx.s, ctx.fx
    s.stop()
    tmp = os.path.join(s.att, "tmp")
    os.makedirs(tmp, exist_ok=True)
    left = []
    for i in range(3):
        path = os.path.join(tmp, "up-crash%d" % i)
        with open(path, "wb") as f:
            f.write(os.urandom(100))
        left.append(path)
    other = os.path.join(tmp, "keep.txt")  # not an upload of ours
    with open(other, "w") as f:
        f.write("x")
    s.start()
    for path in left:
        check(not os.path.exists(path), "%s is still there" % os.path.basename(path))
    check(os.path.exists(other), "a file that is no upload was removed")
    os.unlink(other)
    cleaned = [e for e in s.log_events() if e.get("event") == "uploads_cleaned"]
    check(cleaned and cleaned[-1].get("removed") == 3, "uploads_cleaned in the log: %r" % cleaned)
    # uploads work as before
    no = fx.create()["no"]
    r = s.http("POST", "/v1/complaints/%s/attachments?name=after.bin" % no, b"after restart",
               token=fx.token("bank_agent"), content_type="application/octet-stream")
    check_ok(r, 201, "upload after the restart")
    eq(os.listdir(tmp), [], "uploads left in tmp")


# ---- upgrades from every earlier release ------------------------------------------

LATEST_SCHEMA = 7
LINKAGE_TABLES = ["agent_load", "tasks", "pii_index", "webhooks", "outbox", "settlements"]
LEDGER_TABLES = ["ledger", "tree_heads", "witnesses", "cosignatures"]
VISIBILITY_TABLES = ["event_visibility", "attachment_visibility"]
VIEWS_TABLES = ["saved_views"]
# indexes of existing tables, by the schema version that added them
INDEXES = {6: ["complaints_unassigned"], 7: ["events_pii_read"]}

# (what made it, its schema version, tables and columns it did not have yet)
RELEASES = [
    ("foundation", 1, ["clocks"] + LINKAGE_TABLES + LEDGER_TABLES + VISIBILITY_TABLES +
     VIEWS_TABLES, [("complaints", "clock_history"), ("users", "on_duty")]),
    ("clocks", 2, LINKAGE_TABLES + LEDGER_TABLES + VISIBILITY_TABLES + VIEWS_TABLES,
     [("complaints", "clock_history"), ("users", "on_duty")]),
    ("clock history", 2, LINKAGE_TABLES + LEDGER_TABLES + VISIBILITY_TABLES + VIEWS_TABLES,
     [("users", "on_duty")]),
    ("linkage", 3, LEDGER_TABLES + VISIBILITY_TABLES + VIEWS_TABLES, []),
    ("ledger", 4, VISIBILITY_TABLES + VIEWS_TABLES, []),
    ("visibility", 4, VIEWS_TABLES, []),
    ("numbered visibility", 5, VIEWS_TABLES, []),
    ("saved views", 6, [], []),
]


def _rows(db, table, skip=()):
    """Every row of a table as sorted tuples of (column, value), without skip."""
    con = db_connect(db)
    try:
        cur = con.execute('SELECT * FROM "%s"' % table)
        names = [d[0] for d in cur.description]
        return sorted(tuple(sorted((n, v) for n, v in zip(names, row) if n not in skip))
                      for row in cur)
    finally:
        con.close()


def _shape(db):
    """Tables, indexes and triggers with their columns, in no particular order."""
    con = db_connect(db)
    try:
        return sorted(con.execute(
            "SELECT m.type, m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk "
            "FROM sqlite_master m LEFT JOIN pragma_table_info(m.name) p "
            "WHERE m.type IN ('table', 'index', 'trigger')").fetchall(), key=repr)
    finally:
        con.close()


def _schema_version(db):
    return db_query(db, "SELECT value FROM meta WHERE key = 'schema_version'")[0][0]


def _copy_db(src, dst):
    """A consistent copy of a database, WAL included (SQLite's online backup)."""
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(dst + suffix):
            os.unlink(dst + suffix)
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


def _restore(s, live):
    """Puts the copy of the live database back and starts the server on it again."""
    if s.proc is not None:
        s.stop()
    _copy_db(live, s.db)
    os.unlink(live)
    s.start()


def _make_old(db, version, tables, columns):
    con = sqlite3.connect(db)
    try:
        for t in ("agent_load_insert", "agent_load_update"):
            if "agent_load" in tables:
                con.execute("DROP TRIGGER %s" % t)
        for t in tables:
            con.execute('DROP TABLE "%s"' % t)
        for v, names in INDEXES.items():
            for name in names if v > version else []:
                con.execute('DROP INDEX "%s"' % name)
        for t, c in columns:
            con.execute('ALTER TABLE "%s" DROP COLUMN "%s"' % (t, c))
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
        con.commit()
    finally:
        con.close()


def test_upgrade_from_every_earlier_release(ctx):
    s, fx = ctx.s, ctx.fx
    listed = check_ok(s.http("GET", "/v1/complaints?limit=3", token=fx.token("bank_agent")), 200,
                      "list")["items"]
    docs = {c["no"]: timeless(fx.get(c["no"], "bank_agent")) for c in listed}
    s.stop()
    eq(_schema_version(s.db), str(LATEST_SCHEMA), "schema version of a new database")
    live = os.path.join(s.dir, "live.db")
    _copy_db(s.db, live)
    shape = _shape(live)
    tables = [r[0] for r in db_query(live, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    check(len(docs) == 3 and db_query(live, "SELECT count(*) FROM ledger")[0][0] > 10,
          "the database holds complaints and ledger rows")
    try:
        for name, version, dropped, columns in RELEASES:
            _copy_db(live, s.db)
            _make_old(s.db, version, dropped, columns)
            s.start()
            s.stop()
            what = "upgrade from %s (schema %d)" % (name, version)
            eq(_schema_version(s.db), str(LATEST_SCHEMA), what + ": schema version")
            eq(_shape(s.db), shape, what + ": tables, columns, indexes, triggers")
            skip = {c for _, c in columns}
            for t in tables:
                if t in dropped or t == "meta":
                    continue
                if _rows(s.db, t, skip) != _rows(live, t, skip):
                    raise AssertionError("%s: table %s changed" % (what, t))
            backfill = db_query(s.db, "SELECT value FROM meta WHERE key = 'ledger_backfill'")
            if "ledger" in dropped:
                # rebuilt from the events: exactly the rows written live, by the app (migration
                # 4 only records that the leaves are owed)
                eq(_rows(s.db, "ledger"), _rows(live, "ledger"), what + ": ledger rows")
                eq(backfill, [("done",)], what + ": the owed leaves are built")
            else:
                eq(backfill, [], what + ": no leaves owed")
            check_agent_loads(s.db)
            if ("complaints", "clock_history") in columns:
                eq(db_query(s.db, "SELECT DISTINCT clock_history FROM complaints"), [("[]",)],
                   what + ": clock history of old complaints")
            s.start()
            for no, doc in docs.items():
                r = s.http("GET", "/v1/complaints/%s" % no, token=fx.token("bank_agent"))
                got = timeless(check_ok(r, 200, what + ": GET " + no))
                if not columns:  # the same document, clocks included
                    eq(got, doc, what + ": document of " + no)
            s.stop()
            p = s.run_cli("verify", "--no-attachments", check_rc=False)
            eq(p.returncode, 0, what + ": verify exit status (%r)" % p.stdout[-500:])
            # opened again: nothing left to apply, nothing changes
            before = s.fingerprint()
            s.start()
            s.stop()
            eq(s.fingerprint(), before, what + ": a second open")
    finally:
        _restore(s, live)


def test_pre_ledger_database_with_a_gap_is_left_as_it_was(ctx):
    """A database made before the ledger whose event ids do not run on cannot be given a
    ledger: migration 4 fails, and the database keeps its schema version and rows."""
    s = ctx.s
    s.stop()
    live = os.path.join(s.dir, "live.db")
    _copy_db(s.db, live)
    try:
        name, version, dropped, columns = next(r for r in RELEASES if r[0] == "linkage")
        _make_old(s.db, version, dropped, columns)
        con = sqlite3.connect(s.db)
        con.execute("DELETE FROM events WHERE id = (SELECT min(id) + 3 FROM events)")
        con.commit()
        con.close()
        before = s.fingerprint()
        p = s.run_cli("serve", check_rc=False, timeout=30)
        err = p.stderr.decode("utf-8", "replace")
        check(p.returncode != 0, "serve on a pre-ledger database with a gap exited 0")
        check("the ledger cannot be built" in err, "the refusal says why: %r" % err[-400:])
        eq(_schema_version(s.db), str(version), "the schema version is kept")
        eq(s.fingerprint(), before, "nothing of the database changed")
    finally:
        _restore(s, live)


def test_newer_schema_is_refused(ctx):
    s = ctx.s
    s.stop()
    try:
        con = sqlite3.connect(s.db)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                    (str(LATEST_SCHEMA + 1),))
        con.commit()
        con.close()
        before = s.fingerprint()
        for words in (["serve"], ["verify", "--no-attachments"], ["export"],
                      ["token", "create", "admin"]):
            p = s.run_cli(*words, check_rc=False, timeout=30)
            err = p.stderr.decode("utf-8", "replace")
            check(p.returncode != 0, "%s on a newer database exited 0" % words[0])
            check("schema version %d, newer than this ombud knows (%d)"
                  % (LATEST_SCHEMA + 1, LATEST_SCHEMA) in err,
                  "%s: the refusal says why: %r" % (words[0], err[-400:]))
        eq(s.fingerprint(), before, "a refused database is not changed")
    finally:
        if s.proc is not None:
            s.stop()
        con = sqlite3.connect(s.db)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                    (str(LATEST_SCHEMA),))
        con.commit()
        con.close()
        s.start()
