"""
test_webhooks.py - progress sync (docs/linkage.md "Progress sync"): webhooks
delivered from the durable outbox to a receiver this module runs itself,
and the server-sent-event stream GET /v1/stream.

The receiver is an http.server on 127.0.0.1 (an ephemeral port, kept across
its own restarts) that can be told to answer 200, answer 500, take longer
than webhook_timeout_ms to answer, or be shut down and started again on the
same port.  It records every request: path, headers, raw body, the mode it
was in and what it answered.  Every request must carry a valid
X-Ombud-Signature (t=<unix time>,v1=<hex HMAC-SHA-256(secret, "<t>.<raw body>")>)
for the secret shown once at registration, and X-Ombud-Delivery,
X-Ombud-Event and X-Ombud-Webhook matching the body.

The server runs with webhook_timeout_ms=300, webhook_backoff_ms=50 and
webhook_backoff_max_ms=400, so retries come quickly.  Delivery is at least
once: the checks deduplicate by X-Ombud-Delivery.  "In order" means that
for each webhook and complaint the first arrival of each delivery comes in
seq order, and no event arrives before the receiver has acknowledged (2xx)
the one before it.  Nothing here waits a fixed time: every wait is a
wait_for on what the receiver, the API or the stream has seen.

Scenarios: registration (secret shown once, bad URLs, unknown event types,
non-admins), (a) a healthy receiver gets every event of the bank's
complaints in order and nothing of bank2's, (b) 500s, then timeouts, then a
stopped receiver, then a restarted one: everything arrives in order and
the deliveries view records the attempts and errors, (c) a server restart
with the receiver down loses nothing, (d) DELETE deactivates: later events
wait and POST .../enable sends them, (e) payloads never carry clear
personal data or the sealed box; then the deliveries view and the
event stream (order, isolation, Last-Event-ID replay).
"""

import hashlib
import hmac
import json
import os
import re
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from harness import (Fixture, TestFailure, action_body, check, check_error, check_ok, eq,
                     fingerprint_diff, id_number, wait_for)

SETTINGS = {"webhook_timeout_ms": "300", "webhook_backoff_ms": "50",
            "webhook_backoff_max_ms": "400"}
SLOW_SECONDS = 1.5  # how long the receiver takes in "slow" mode: far beyond the 300 ms timeout
LONG = 240  # seconds: the generous limit of every wait for deliveries
PURPOSE = urllib.parse.quote("回访")
DELIVERY_KEYS = {"id", "event", "no", "seq", "type", "state", "attempts", "last_status",
                 "last_error", "next_attempt_at", "delivered_at", "created_at"}


def setup(ctx):
    ctx.s = ctx.server(name="webhooks", settings=SETTINGS)
    ctx.fx = Fixture(ctx.s).build()
    ctx.rcv = Receiver()
    ctx.hooks = {}  # path -> {"id", "secret", "party", "events"}
    ctx.complaints = []  # (no, party keys involved) of every complaint made here
    ctx.people = []  # every complainant sent, in clear
    ctx.lost_ok = set()  # complaints of scenario (d), whose completeness (d) reports itself


def teardown(ctx):
    ctx.rcv.stop()


# ---- the receiver -----------------------------------------------------------------------


class Receiver:
    """A webhook receiver: mode "ok" (200), "fail" (500), "slow" (answers 503 after
    SLOW_SECONDS, long after the server gave up), or stopped (connections refused)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.mode = "ok"
        self.requests = []
        self.port = None
        self.httpd = None
        self.start()

    def start(self, mode="ok"):
        check(self.httpd is None, "receiver already running")
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(n)
                with outer.lock:
                    mode = outer.mode
                    rec = {"path": self.path, "headers": {k.lower(): v for k, v in
                                                          self.headers.items()},
                           "header_list": list(self.headers.items()), "raw": raw,
                           "mode": mode, "status": None, "at": time.time()}
                    status = {"ok": 200, "fail": 500, "slow": 503}[mode]
                    if mode != "slow":
                        rec["status"] = status
                    outer.requests.append(rec)
                if mode == "slow":
                    time.sleep(SLOW_SECONDS)  # the receiver's behaviour, not a test wait
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        with self.lock:
            self.mode = mode
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port or 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def set_mode(self, mode):
        with self.lock:
            self.mode = mode

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)


# ---- helpers --------------------------------------------------------------------------------


def _register(ctx, path, who="bank_admin", events=None):
    body = {"url": ctx.rcv.url(path)}
    if events is not None:
        body["events"] = events
    r = ctx.s.http("POST", "/v1/webhooks", body, token=ctx.fx.token(who))
    d = check_ok(r, 201, "register %s as %s" % (path, who))
    ctx.hooks[path] = {"id": d["id"], "secret": d["secret"], "party": d["party"],
                       "events": d["events"]}
    return d


def _person(ctx):
    i = len(ctx.people) + 1
    p = {"name": "测试人%s" % "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅卯辰巳午未申酉"[i // 10 % 10],
         "phone": "1371234%04d" % i, "id_number": id_number("32010219850615%03d" % i)}
    ctx.people.append(p)
    return p


def _create(ctx, who="bank_agent", **over):
    over.setdefault("complainant", _person(ctx))
    d = ctx.fx.create(who, **over)
    parties = {p["party"] for p in d["parties"]}
    ctx.complaints.append((d["no"], parties))
    return d["no"]


def _reader(ctx, parties):
    fx = ctx.fx
    for who in ("bank_agent", "bank2_agent", "lender_agent", "plat_agent"):
        if fx.users[who]["party"] in parties:
            return who
    raise KeyError(parties)


def _expected(ctx, path, skip=()):
    """{no: [(seq, type)]}: what the webhook at `path` must get, from the timelines."""
    hook = ctx.hooks[path]
    out = {}
    for no, parties in ctx.complaints:
        if hook["party"] not in parties or no in skip:
            continue
        events = ctx.fx.timeline(no, _reader(ctx, parties))["events"]
        out[no] = [(e["seq"], e["type"]) for e in events
                   if "*" in hook["events"] or e["type"] in hook["events"]]
    return out


def _parsed(rec):
    try:
        return json.loads(rec["raw"].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise TestFailure("a delivery that is not JSON: %r" % rec["raw"][:200])


def _acked(ctx, path):
    """{no: [(seq, type)]} acknowledged (2xx) by the receiver at `path`, deduplicated by
    delivery id, in the order of their first acknowledgement."""
    out, seen = {}, set()
    for rec in ctx.rcv.snapshot():
        if rec["path"] != path or rec["status"] != 200:
            continue
        body = _parsed(rec)
        if body["delivery"] in seen:
            continue
        seen.add(body["delivery"])
        ev = body["event"]
        out.setdefault(ev["no"], []).append((ev["seq"], ev["type"]))
    return out


def _missing(expected, acked):
    return [(no, s) for no, items in expected.items() for s in items
            if s not in acked.get(no, [])]


def _wait_all(ctx, path, skip=(), timeout=LONG):
    expected = _expected(ctx, path, skip)
    ok = wait_for(lambda: not _missing(expected, _acked(ctx, path)), timeout=timeout, step=0.2)
    if not ok:
        missing = _missing(expected, _acked(ctx, path))
        pend = _deliveries(ctx, path, "?state=pending")
        raise TestFailure("%s: %d events never acknowledged within %ds, e.g. %r; pending "
                          "deliveries: %r" % (path, len(missing), timeout, missing[:6],
                                              pend[:4]))
    return expected


def _check_order(ctx, path):
    """Per complaint: first arrivals in seq order; no event before the previous one's ack;
    every delivery id names one event; one delivery per event."""
    first = {}  # delivery -> (no, seq)
    by_event = {}
    arrivals = {}  # no -> [seq of first arrivals]
    acked = {}  # no -> set of acknowledged seqs
    for rec in ctx.rcv.snapshot():
        if rec["path"] != path:
            continue
        body = _parsed(rec)
        ev = body["event"]
        key = (ev["no"], ev["seq"])
        d = body["delivery"]
        if d in first:
            eq(first[d], key, "%s: delivery %d names one event" % (path, d))
        else:
            first[d] = key
            if by_event.setdefault(key, d) != d:
                raise TestFailure("%s: event %r delivered under two delivery ids %d and %d" % (
                    path, key, by_event[key], d))
            arrivals.setdefault(ev["no"], []).append(ev["seq"])
            earlier = [s for s in arrivals[ev["no"]][:-1]]
            if earlier and max(earlier) > ev["seq"]:
                raise TestFailure("%s: %s seq %d arrived after seq %d" % (
                    path, ev["no"], ev["seq"], max(earlier)))
            if earlier and not acked.get(ev["no"], set()) >= set(earlier):
                raise TestFailure("%s: %s seq %d arrived before seq %r was acknowledged" % (
                    path, ev["no"], ev["seq"], sorted(set(earlier) - acked.get(ev["no"],
                                                                                 set()))))
        if rec["status"] == 200:
            acked.setdefault(ev["no"], set()).add(ev["seq"])
    return arrivals


def _check_requests(ctx):
    """Every request the receiver got: signed with its webhook's secret, headers matching."""
    by_path = ctx.hooks
    for rec in ctx.rcv.snapshot():
        hook = by_path.get(rec["path"])
        check(hook is not None, "a request to an unknown path %r" % rec["path"])
        h = rec["headers"]
        what = "request to %s (%s)" % (rec["path"], h.get("x-ombud-delivery"))
        check(h.get("content-type", "").startswith("application/json"),
              "%s: content type %r" % (what, h.get("content-type")))
        names = [n.lower() for n, _ in rec["header_list"]]
        for n in ("x-ombud-signature", "x-ombud-delivery", "x-ombud-event", "x-ombud-webhook"):
            eq(names.count(n), 1, "%s: %s headers" % (what, n))
        m = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", h["x-ombud-signature"])
        check(m, "%s: signature %r" % (what, h["x-ombud-signature"]))
        t = int(m.group(1))
        check(abs(t - rec["at"]) < 300, "%s: signature time %d, received at %d" % (
            what, t, rec["at"]))
        mac = hmac.new(hook["secret"].encode(), m.group(1).encode() + b"." + rec["raw"],
                       hashlib.sha256).hexdigest()
        check(hmac.compare_digest(mac, m.group(2)), "%s: the signature does not verify" % what)
        wrong = hmac.new(b"whsec_not-the-secret", m.group(1).encode() + b"." + rec["raw"],
                         hashlib.sha256).hexdigest()
        check(wrong != m.group(2), "%s: verifies with any secret" % what)
        body = _parsed(rec)
        eq(set(body), {"delivery", "webhook", "event"}, "%s: body members" % what)
        eq(h["x-ombud-delivery"], str(body["delivery"]), "%s: X-Ombud-Delivery" % what)
        eq(h["x-ombud-webhook"], str(hook["id"]), "%s: X-Ombud-Webhook" % what)
        eq(body["webhook"], hook["id"], "%s: webhook in the body" % what)
        eq(h["x-ombud-event"], body["event"]["type"], "%s: X-Ombud-Event" % what)
        eq(set(body["event"]), {"id", "no", "seq", "type", "at", "actor_user", "actor_party",
                                "payload"}, "%s: event members" % what)


def _check_isolation(ctx):
    """No webhook ever got an event of a complaint its party is not involved in."""
    involved = {no: parties for no, parties in ctx.complaints}
    for rec in ctx.rcv.snapshot():
        hook = ctx.hooks[rec["path"]]
        no = _parsed(rec)["event"]["no"]
        check(no in involved, "%s got an event of %s, a complaint this module did not make" % (
            rec["path"], no))
        check(hook["party"] in involved[no], "%s (party %d) got an event of %s, which "
              "involves only %r" % (rec["path"], hook["party"], no, sorted(involved[no])))


def _deliveries(ctx, path, query="", who="bank_admin"):
    """Every delivery of the webhook at `path`, following next_after."""
    hook = ctx.hooks[path]
    if hook["party"] != ctx.fx.parties["bank"]:
        who = "bank2_admin"
    items, after = [], None
    for _ in range(1000):
        q = query + ("&" if query else "?") + "limit=200" + ("&after=%d" % after if after else "")
        page = check_ok(ctx.s.http("GET", "/v1/webhooks/%d/deliveries%s" % (hook["id"], q),
                                   token=ctx.fx.token(who)), 200, "deliveries of " + path)
        items += page["items"]
        after = page["next_after"]
        if after is None:
            return items
    raise TestFailure("deliveries of %s never end" % path)


def _work(ctx, no, steps, who="bank_agent"):
    """Takes lifecycle steps on a complaint: action names, or (action, body)."""
    for step in steps:
        action, body = step if isinstance(step, tuple) else (step, None)
        if body is None:
            body = action_body(action, ctx.fx) if action not in ("investigate",) else {}
        ctx.fx.act(no, action, body, who=who)


# ---- registration ------------------------------------------------------------------------------


def test_register_secret_shown_once(ctx):
    s, fx = ctx.s, ctx.fx
    d = _register(ctx, "/bank")
    eq(set(d), {"id", "party", "url", "events", "active", "created_at", "created_by", "secret"},
       "members of the registration answer")
    eq((d["party"], d["url"], d["events"], d["active"], d["created_by"]),
       (fx.parties["bank"], ctx.rcv.url("/bank"), ["*"], True, fx.uid("bank_admin")),
       "the registered webhook")
    check(re.fullmatch(r"whsec_[A-Za-z0-9_-]{20,}", d["secret"]), "secret %r" % d["secret"])
    secret = d["secret"]
    for who in ("bank_admin", "bank_auditor"):
        for path in ("/v1/webhooks/%d" % d["id"], "/v1/webhooks"):
            r = s.http("GET", path, token=fx.token(who))
            check_ok(r, 200, "GET %s as %s" % (path, who))
            check(secret.encode() not in r.raw and b'"secret"' not in r.raw,
                  "GET %s as %s shows the secret: %r" % (path, who, r.raw))
    one = check_ok(s.http("GET", "/v1/webhooks/%d" % d["id"], token=fx.token("bank_admin")), 200,
                   "GET the webhook")
    eq(one, {k: v for k, v in d.items() if k != "secret"}, "GET shows what was registered")
    # The secret is kept sealed: not in clear in the database files.
    for name in os.listdir(s.dir):
        if name.startswith("t.db"):
            with open(os.path.join(s.dir, name), "rb") as f:
                check(secret.encode() not in f.read(), "the secret is in clear in " + name)
    # Other webhooks: bank2's own, and a bank webhook for notes and unmasked reads only.
    _register(ctx, "/bank2", who="bank2_admin", events=["*"])
    n = _register(ctx, "/bank-notes", events=["note_added", "pii_read"])
    eq(n["events"], ["note_added", "pii_read"], "events of the filtered webhook")
    check(len({h["secret"] for h in ctx.hooks.values()}) == 3, "every webhook has its own secret")
    lst = check_ok(s.http("GET", "/v1/webhooks", token=fx.token("bank_admin")), 200, "list")
    eq(sorted(w["id"] for w in lst["items"]),
       sorted([ctx.hooks["/bank"]["id"], ctx.hooks["/bank-notes"]["id"]]), "the bank's webhooks")
    lst = check_ok(s.http("GET", "/v1/webhooks", token=fx.token("bank2_admin")), 200, "list")
    eq([w["id"] for w in lst["items"]], [ctx.hooks["/bank2"]["id"]], "bank2's webhooks")


def test_register_refusals(ctx):
    s, fx = ctx.s, ctx.fx
    before = s.fingerprint()
    good = ctx.rcv.url("/never")
    bad_urls = ["ftp://127.0.0.1/hook", "ftp://example.com/hook", "http:///hook", "https://",
                "http://", "http://user:password@example.com/hook", "https://token@example.com/",
                "https://@example.com/", "example.com/hook", "//example.com/hook",
                "file:///etc/passwd", "gopher://example.com/", "http://exa mple.com/"]
    for url in bad_urls:
        r = s.http("POST", "/v1/webhooks", {"url": url}, token=fx.token("bank_admin"))
        check_error(r, 422, None, "url", "register %r" % url)
        check(r.json["error"]["code"] in ("invalid_value", "empty_value"), "code for %r: %r" % (
            url, r.json))
    r = s.http("POST", "/v1/webhooks", {"url": ""}, token=fx.token("bank_admin"))
    check_error(r, 422, None, "url", "register an empty url")
    for events in (["no_such_event"], ["*", "bogus"], ["note_added", "Received"], ["receive"]):
        r = s.http("POST", "/v1/webhooks", {"url": good, "events": events},
                   token=fx.token("bank_admin"))
        check_error(r, 422, None, "events", "register events %r" % events)
    r = s.http("POST", "/v1/webhooks", {"url": good, "secret": "mine"},
               token=fx.token("bank_admin"))
    check_error(r, 422, "unknown_field", "secret", "register with a secret of one's own")
    for who in ("bank_agent", "bank_agent2", "bank_sup", "bank_comp", "bank_auditor",
                "lender_agent", "lender_sup", "plat_agent", "bank2_agent", "reg_user",
                "med_user"):
        r = s.http("POST", "/v1/webhooks", {"url": good}, token=fx.token(who))
        check_error(r, 403, "role_not_allowed", None, "register as " + who)
        hid = ctx.hooks["/bank"]["id"]
        for method, tail in (("DELETE", ""), ("POST", "/enable")):
            r = s.http(method, "/v1/webhooks/%d%s" % (hid, tail), token=fx.token(who))
            check_error(r, 403, "role_not_allowed", None, "%s %s as %s" % (method, tail, who))
    r = s.http("POST", "/v1/webhooks", {"url": good})
    check_error(r, 401, "missing_token", None, "register without a token")
    # Another party's admin cannot touch the bank's webhook.
    hid = ctx.hooks["/bank"]["id"]
    for method, tail in (("GET", ""), ("GET", "/deliveries"), ("DELETE", ""), ("POST", "/enable")):
        r = s.http(method, "/v1/webhooks/%d%s" % (hid, tail), token=fx.token("bank2_admin"))
        check_error(r, 404, "not_found", None, "%s %s as bank2_admin" % (method, tail))
    after = s.fingerprint()
    if after != before:
        raise TestFailure("refused registrations changed the database: %s" %
                          fingerprint_diff(before, after))
    eq(check_ok(s.http("GET", "/v1/webhooks/%d" % hid, token=fx.token("bank_admin")), 200,
                "the webhook")["active"], True, "the bank's webhook is still active")


# ---- (a) a healthy receiver ---------------------------------------------------------------------


def test_a_healthy_receiver_gets_every_event_in_order(ctx):
    fx = ctx.fx
    lender = fx.parties["lender"]
    a = _create(ctx)  # product: bank leads, lender and platform are members
    b = _create(ctx, product=None)  # the bank alone
    c = _create(ctx, "bank2_agent", product=None)  # bank2 alone
    d = _create(ctx, "bank2_agent", product=None)
    _work(ctx, a, ["accept", "investigate", ("note", {"text": "备注一"}),
                   ("request_task", {"to_party": lender, "kind": "information",
                                     "request": "请提供流水"})])
    _work(ctx, c, ["accept", ("note", {"text": "他行备注"})], who="bank2_agent")
    fx.act(a, "answer_task", {"task": 1, "answer": "流水已提供"}, who="lender_agent")
    _work(ctx, b, ["accept", ("note", {"text": "备注二"}), "investigate",
                   ("decide", dict(action_body("decide", fx), compensation_fen=5000))])
    check_ok(ctx.s.http("GET", "/v1/complaints/%s/complainant?purpose=%s" % (a, PURPOSE),
                        token=fx.token("bank_agent")), 200, "unmask")
    _work(ctx, d, [("note", {"text": "他行备注二"})], who="bank2_agent")
    _work(ctx, a, [("decide", dict(action_body("decide", fx), compensation_fen=9999)),
                   "notify", ("note", {"text": "备注三"})])
    for path in ("/bank", "/bank2", "/bank-notes"):
        expected = _wait_all(ctx, path)
        acked = _acked(ctx, path)
        for no, items in expected.items():
            eq(acked.get(no), items, "%s: what %s got, in order" % (path, no))
        extra = sorted(set(acked) - set(expected))
        check(not extra, "%s got events of %r" % (path, extra))
    eq(sorted(_expected(ctx, "/bank")), sorted([a, b]), "the bank's complaints")
    # Not even queued: the outbox has no row of a bank webhook for bank2's complaints.
    bank_hooks = (ctx.hooks["/bank"]["id"], ctx.hooks["/bank-notes"]["id"])
    rows = harness.db_query(
        ctx.s.db, "SELECT count(*) FROM outbox o JOIN complaints c ON c.id = o.complaint_id "
        "WHERE o.webhook_id IN (?,?) AND c.no IN (?,?)", bank_hooks + (c, d))[0][0]
    eq(rows, 0, "outbox rows of the bank's webhooks for bank2's complaints")
    eq(sorted(_expected(ctx, "/bank2")), sorted([c, d]), "bank2's complaints")
    check(all(t in ("note_added", "pii_read") for items in _acked(ctx, "/bank-notes").values()
              for _, t in items), "the filtered webhook got other types")
    check(any(t == "pii_read" for _, t in _acked(ctx, "/bank")[a]), "the unmasked read arrived")
    for path in ctx.hooks:
        _check_order(ctx, path)
    _check_requests(ctx)
    _check_isolation(ctx)
    # A healthy receiver needs one attempt per delivery: more only when the server really
    # retried (its attempts say so).
    dl = {x["id"]: x for x in _deliveries(ctx, "/bank")}
    counts = {}
    for rec in ctx.rcv.snapshot():
        if rec["path"] == "/bank":
            k = _parsed(rec)["delivery"]
            counts[k] = counts.get(k, 0) + 1
    for k, n in counts.items():
        check(n == 1 or dl[k]["attempts"] >= n, "delivery %d arrived %d times but the server "
              "counts %d attempts" % (k, n, dl[k]["attempts"]))
    for x in dl.values():
        eq(set(x), DELIVERY_KEYS, "members of a delivery")
        eq((x["state"], x["last_status"]), ("delivered", 200), "delivery %d" % x["id"])
        check(x["delivered_at"] and x["next_attempt_at"] is None, "delivery %r" % x)


# ---- (b) failures, then recovery ----------------------------------------------------------------


def _pending_where(ctx, path, cond):
    return [x for x in _deliveries(ctx, path, "?state=pending") if cond(x)]


def test_b_failures_timeouts_and_refusals_then_everything_in_order(ctx):
    fx, rcv = ctx.fx, ctx.rcv
    nos = [_create(ctx), _create(ctx, product=None), _create(ctx)]
    other = _create(ctx, "bank2_agent", product=None)
    # 1. The receiver answers 500.
    rcv.set_mode("fail")
    start = len(rcv.snapshot())
    for no in nos:
        fx.act(no, "accept")
    fx.act(other, "accept", who="bank2_agent")

    def failed(mode, since, n):
        return len([r for r in rcv.snapshot()[since:] if r["mode"] == mode and
                    r["path"] == "/bank"]) >= n
    check(wait_for(lambda: failed("fail", start, 6), timeout=LONG), "no 500s answered")
    check(wait_for(lambda: _pending_where(ctx, "/bank", lambda x: x["last_status"] == 500 and
                                          x["attempts"] >= 2), timeout=LONG),
          "no pending delivery records a 500 after two attempts: %r" %
          _deliveries(ctx, "/bank", "?state=pending")[:3])
    for x in _pending_where(ctx, "/bank", lambda x: x["last_status"] == 500):
        check(isinstance(x["last_error"], str) and x["last_error"],
              "a 500 without last_error: %r" % x)
        check(x["next_attempt_at"] and x["delivered_at"] is None, "pending delivery %r" % x)
    # 2. The receiver takes longer than the timeout.
    rcv.set_mode("slow")
    start = len(rcv.snapshot())
    for no in nos:
        fx.act(no, "note", {"text": "超时期间的备注"})
    check(wait_for(lambda: failed("slow", start, 3), timeout=LONG), "no slow answers")
    check(wait_for(lambda: _pending_where(ctx, "/bank", lambda x: x["last_status"] is None and
                                          x["last_error"] and x["attempts"] >= 2),
                   timeout=LONG),
          "no pending delivery records a timeout: %r" % _deliveries(ctx, "/bank",
                                                                    "?state=pending")[:3])
    # 3. The receiver is gone: connections are refused.
    rcv.stop()
    attempts = {x["id"]: x["attempts"] for x in _deliveries(ctx, "/bank", "?state=pending")}
    for no in nos:
        fx.act(no, "investigate", {})
    fx.act(other, "note", {"text": "他行备注"}, who="bank2_agent")
    check(wait_for(lambda: _pending_where(
        ctx, "/bank", lambda x: x["attempts"] >= attempts.get(x["id"], 0) + 2 and
        x["last_status"] is None and x["last_error"]), timeout=LONG),
        "no refused attempts recorded: %r" % _deliveries(ctx, "/bank", "?state=pending")[:3])
    # 4. The receiver is back on the same port; more work meanwhile.
    rcv.start("ok")
    for no in nos:
        fx.act(no, "note", {"text": "恢复后的备注"})
    fx.act(nos[0], "classify", {"grade": "important"})
    for path in ("/bank", "/bank2", "/bank-notes"):
        expected = _wait_all(ctx, path)
        acked = _acked(ctx, path)
        for no, items in expected.items():
            eq(acked.get(no), items, "%s: what %s got, in order" % (path, no))
        _check_order(ctx, path)
    _check_requests(ctx)
    _check_isolation(ctx)
    # The deliveries view: everything delivered, retried ones with attempts > 1.
    dl = _deliveries(ctx, "/bank")
    eq([x for x in dl if x["state"] != "delivered"], [], "deliveries not delivered")
    retried = [x for x in dl if x["no"] in nos and x["attempts"] > 1]
    check(len(retried) >= 3, "only %d deliveries were retried: %r" % (len(retried), dl[-6:]))
    for x in dl:
        check(200 <= x["last_status"] < 300 and x["delivered_at"], "delivery %r" % x)
    modes = {r["mode"] for r in rcv.snapshot() if r["path"] == "/bank"}
    eq(modes >= {"ok", "fail", "slow"}, True, "modes the receiver answered in: %r" % modes)


# ---- (c) a server restart -----------------------------------------------------------------------


def test_c_server_restart_loses_nothing(ctx):
    s, fx, rcv = ctx.s, ctx.fx, ctx.rcv
    rcv.stop()
    nos = [_create(ctx), _create(ctx, product=None)]
    for no in nos:
        _work(ctx, no, ["accept", ("note", {"text": "重启前的备注"})])
    other = _create(ctx, "bank2_agent", product=None)
    hid = ctx.hooks["/bank"]["id"]
    ids = [r[0] for r in harness.db_query(s.db, "SELECT id FROM complaints WHERE no IN (?,?)",
                                          tuple(nos))]
    pending = harness.db_query(
        s.db, "SELECT count(*) FROM outbox WHERE webhook_id = ? AND state = 'pending' AND "
        "complaint_id IN (?,?)", (hid, ids[0], ids[1]))[0][0]
    check(pending >= 6, "only %d pending deliveries before the restart" % pending)
    check(wait_for(lambda: _pending_where(ctx, "/bank", lambda x: x["no"] in nos and
                                          x["attempts"] >= 1 and x["last_error"]),
                   timeout=LONG), "no failed attempt before the restart")
    s.stop()
    rcv.start("ok")
    s.start()
    for path in ("/bank", "/bank2", "/bank-notes"):
        expected = _wait_all(ctx, path)
        acked = _acked(ctx, path)
        for no in nos + [other]:
            if no in expected:
                eq(acked.get(no), expected[no], "%s: what %s got across the restart" % (path, no))
        _check_order(ctx, path)
    _check_requests(ctx)
    _check_isolation(ctx)
    eq([x for x in _deliveries(ctx, "/bank") if x["state"] != "delivered"], [],
       "deliveries not delivered after the restart")


# ---- (d) deactivation ---------------------------------------------------------------------------


def test_d_deactivated_webhook_queues_and_enable_sends(ctx):
    s, fx, rcv = ctx.s, ctx.fx, ctx.rcv
    path = "/bank"
    hid = ctx.hooks[path]["id"]
    no = _create(ctx)
    ctx.lost_ok.add(no)
    _wait_all(ctx, path)
    r = s.http("DELETE", "/v1/webhooks/%d" % hid, token=fx.token("bank_admin"))
    eq(check_ok(r, 200, "DELETE the webhook")["active"], False, "active after DELETE")
    eq(check_ok(s.http("GET", "/v1/webhooks/%d" % hid, token=fx.token("bank_admin")), 200,
                "GET")["active"], False, "GET after DELETE")
    start = len(rcv.snapshot())
    _work(ctx, no, ["accept", ("note", {"text": "停用期间的备注"}), "investigate"])
    later = _create(ctx)
    ctx.lost_ok.add(later)
    fx.act(later, "note", {"text": "停用期间的新投诉"})
    # bank2's webhook is still active: once its event has arrived, the delivery thread has
    # had its chance to send the bank's.
    b2 = _create(ctx, "bank2_agent", product=None)
    _wait_all(ctx, "/bank2")
    sent = [r for r in rcv.snapshot()[start:] if r["path"] == path]
    eq(sent, [], "requests to the deactivated webhook")
    expected = _expected(ctx, path)
    timeline_ids = {}
    for n in (no, later):
        timeline_ids[n] = [e["id"] for e in fx.timeline(n)["events"]]
    queued = {x["event"] for x in _deliveries(ctx, path)}
    not_queued = [(n, eid) for n in (no, later) for eid in timeline_ids[n] if eid not in queued]
    r = s.http("POST", "/v1/webhooks/%d/enable" % hid, token=fx.token("bank_admin"))
    eq(check_ok(r, 200, "enable")["active"], True, "active after enable")
    fx.act(no, "note", {"text": "启用后的备注"})
    # Everything that was queued arrives, in order.
    exp_after = _expected(ctx, path)
    queued_now = {x["event"] for x in _deliveries(ctx, path)}
    wait_for(lambda: all(x["state"] == "delivered" for x in _deliveries(ctx, path)),
             timeout=LONG, step=0.2)
    eq([x["id"] for x in _deliveries(ctx, path) if x["state"] != "delivered"], [],
       "deliveries still pending after enable")
    _check_order(ctx, path)
    _check_requests(ctx)
    if not_queued:
        acked = _acked(ctx, path)
        raise TestFailure(
            "events committed while the webhook was deactivated were never queued (no outbox "
            "row), so enabling it does not send them: %d events, e.g. %r; %s got seqs %r of %r; "
            "%s got %r of %r" % (len(not_queued), not_queued[:4], no, [q for q, _ in acked.get(
                no, [])], [q for q, _ in exp_after[no]], later,
                [q for q, _ in acked.get(later, [])], [q for q, _ in exp_after[later]]))
    expected = _wait_all(ctx, path)
    acked = _acked(ctx, path)
    for n in (no, later):
        eq(acked.get(n), expected[n], "%s: what %s got after enable" % (path, n))
    check(queued_now, "nothing queued")
    _check_isolation(ctx)
    eq(b2 in _acked(ctx, "/bank2"), True, "bank2's webhook kept working")


# ---- (e) what a payload may carry ---------------------------------------------------------------


def _walk(v, path=""):
    if isinstance(v, dict):
        for k, x in v.items():
            yield path + "." + k, k, x
            yield from _walk(x, path + "." + k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _walk(x, "%s[%d]" % (path, i))


def test_e_payloads_never_show_personal_data(ctx):
    fx = ctx.fx
    no = _create(ctx, complainant={"name": "钱多多", "phone": "+86 139-0013-9000",
                                   "id_number": id_number("44030419900307123"),
                                   "customer_ref": "CUST-0042"})
    ctx.people.append({"name": "钱多多", "phone": "13900139000",
                       "id_number": id_number("44030419900307123")})
    check_ok(ctx.s.http("GET", "/v1/complaints/%s/complainant?purpose=%s" % (no, PURPOSE),
                        token=fx.token("bank_agent")), 200, "unmask")
    fx.act(no, "note", {"text": "已联系"})
    _wait_all(ctx, "/bank", skip=ctx.lost_ok)
    doc = fx.get(no)
    seen_received = 0
    for rec in ctx.rcv.snapshot():
        body = _parsed(rec)
        text = json.dumps(body, ensure_ascii=False)
        raw = rec["raw"].decode("utf-8")
        for p in ctx.people:
            digits = re.sub(r"\D", "", p["phone"])
            for clear in (p["name"], p["id_number"], digits, digits[-11:]):
                check(clear not in text and clear not in raw,
                      "delivery %d shows %r in clear: %s" % (body["delivery"], clear, raw[:300]))
        for where, key, _ in _walk(body):
            check(key != "sealed", "delivery %d has a sealed member at %s" % (body["delivery"],
                                                                                where))
        ev = body["event"]
        if ev["no"] == no and ev["type"] == "received":
            seen_received += 1
            eq(ev["payload"]["complainant"], doc["complainant"],
               "the complainant in the received event is the masked one of the document")
        if ev["type"] == "pii_read":
            check(set(ev["payload"]) <= {"fields", "purpose"}, "pii_read payload %r" % ev)
    check(seen_received >= 1, "the received event of %s was not delivered" % no)
    # The same holds for the stream's data lines (they carry no payload at all).


# ---- the deliveries view ------------------------------------------------------------------------


def test_deliveries_view(ctx):
    s, fx = ctx.s, ctx.fx
    hid = ctx.hooks["/bank"]["id"]
    every = _deliveries(ctx, "/bank")
    check(len(every) > 20, "only %d deliveries" % len(every))
    eq([x["id"] for x in every], sorted(x["id"] for x in every), "deliveries in id order")
    eq(len({x["event"] for x in every}), len(every), "one delivery per event")
    # Pages of 7 walk the same list.
    got, after = [], None
    for _ in range(200):
        q = "?limit=7" + ("&after=%d" % after if after else "")
        page = check_ok(s.http("GET", "/v1/webhooks/%d/deliveries%s" % (hid, q),
                               token=fx.token("bank_admin")), 200, "page")
        got += page["items"]
        check(len(page["items"]) <= 7, "page of %d" % len(page["items"]))
        after = page["next_after"]
        if after is None:
            break
        eq(after, page["items"][-1]["id"], "next_after")
    eq([x["id"] for x in got], [x["id"] for x in every], "the pages")
    delivered = check_ok(s.http("GET", "/v1/webhooks/%d/deliveries?state=delivered&limit=200" %
                                hid, token=fx.token("bank_auditor")), 200, "auditor reads")
    check(all(x["state"] == "delivered" for x in delivered["items"]), "state filter")
    # What the receiver got under each delivery id is what the view says.
    view = {x["id"]: x for x in every}
    for rec in ctx.rcv.snapshot():
        if rec["path"] != "/bank":
            continue
        body = _parsed(rec)
        x = view.get(body["delivery"])
        check(x is not None, "delivery %d is not in the view" % body["delivery"])
        eq((x["event"], x["no"], x["seq"], x["type"]),
           (body["event"]["id"], body["event"]["no"], body["event"]["seq"],
            body["event"]["type"]), "delivery %d" % x["id"])
    for q, code in (("?state=bogus", "invalid_parameter"), ("?limit=0", "invalid_parameter"),
                    ("?after=x", "invalid_parameter"), ("?foo=1", "unknown_parameter")):
        r = s.http("GET", "/v1/webhooks/%d/deliveries%s" % (hid, q), token=fx.token("bank_admin"))
        check_error(r, 400, code, Ellipsis, "deliveries" + q)
    for who in ("bank_agent", "bank_sup", "bank_comp"):
        r = s.http("GET", "/v1/webhooks/%d/deliveries" % hid, token=fx.token(who))
        check(r.status in (403, 404), "deliveries as %s: %r" % (who, r))
        check(b'"items"' not in r.raw, "deliveries as %s: %r" % (who, r.raw[:200]))
    r = s.http("GET", "/v1/webhooks/%d/deliveries" % hid, token=fx.token("bank2_admin"))
    check_error(r, 404, "not_found", None, "deliveries as bank2_admin")


# ---- the event stream ---------------------------------------------------------------------------


class Sse:
    """A GET /v1/stream connection read by a thread: status, headers, events and comments."""

    def __init__(self, port, token, last_event_id=None, query=""):
        self.events, self.comments = [], []
        self.status, self.headers, self.body = None, {}, b""
        self.lock = threading.Lock()
        self.done = False
        self.stop = False
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=harness.HTTP_TIMEOUT)
        head = "GET /v1/stream%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (query, port)
        head += "Authorization: Bearer %s\r\nAccept: text/event-stream\r\n" % token
        if last_event_id is not None:
            head += "Last-Event-ID: %s\r\n" % last_event_id
        self.sock.sendall((head + "\r\n").encode())
        self.sock.settimeout(0.5)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        raw, text = b"", ""
        chunked, pos = None, 0
        try:
            while not self.stop:
                try:
                    data = self.sock.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not data:
                    break
                raw += data
                if self.status is None:
                    end = raw.find(b"\r\n\r\n")
                    if end < 0:
                        continue
                    lines = raw[:end].decode("latin-1").split("\r\n")
                    self.headers = {}
                    for line in lines[1:]:
                        k, _, v = line.partition(":")
                        self.headers[k.strip().lower()] = v.strip()
                    chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
                    self.status = int(lines[0].split()[1])
                    raw = raw[end + 4:]
                if not chunked:
                    self.body += raw
                    raw = b""
                    continue
                while True:
                    eol = raw.find(b"\r\n", pos)
                    if eol < 0:
                        break
                    size = int(raw[pos:eol].split(b";")[0], 16)
                    if size == 0:
                        self.stop = True
                        break
                    if len(raw) < eol + 2 + size + 2:
                        break
                    text += raw[eol + 2:eol + 2 + size].decode("utf-8")
                    pos = eol + 2 + size + 2
                raw, pos = raw[pos:], 0
                while "\n\n" in text:
                    block, text = text.split("\n\n", 1)
                    self._block(block)
        finally:
            self.done = True

    def _block(self, block):
        ev = {}
        lines = block.split("\n")
        for line in lines:
            if line.startswith(":"):
                with self.lock:
                    self.comments.append(line)
                continue
            k, _, v = line.partition(":")
            if k in ev:
                raise TestFailure("a repeated %s line in %r" % (k, block))
            ev[k] = v[1:] if v.startswith(" ") else v
        if "data" in ev:
            ev["raw"] = block
            ev["data"] = json.loads(ev["data"])
            ev["id"] = int(ev["id"])
            with self.lock:
                self.events.append(ev)

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def has(self, event_id):
        return any(e["id"] == event_id for e in self.snapshot())

    def close(self):
        self.stop = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(10)


def _open(ctx, who, **kw):
    st = Sse(ctx.s.port, ctx.fx.token(who), **kw)
    check(wait_for(lambda: st.status is not None and st.comments, timeout=60),
          "the stream of %s did not start (status %r)" % (who, st.status))
    eq(st.status, 200, "stream status for " + who)
    check(st.headers.get("content-type", "").startswith("text/event-stream"),
          "stream content type %r" % st.headers)
    return st


def _last_id(ctx, no, who="bank_agent"):
    return ctx.fx.timeline(no, who)["events"][-1]["id"]


def test_stream_live_in_order_and_isolated(ctx):
    fx = ctx.fx
    bank = _open(ctx, "bank_agent")
    other = _open(ctx, "bank2_agent")
    try:
        a = _create(ctx)
        b = _create(ctx, product=None)
        x = _create(ctx, "bank2_agent", product=None)
        _work(ctx, a, ["accept", ("note", {"text": "流1"})])
        _work(ctx, x, ["accept", ("note", {"text": "他行流"})], who="bank2_agent")
        _work(ctx, b, [("note", {"text": "流2"}), "accept"])
        check_ok(ctx.s.http("GET", "/v1/complaints/%s/complainant?purpose=%s" % (a, PURPOSE),
                            token=fx.token("bank_agent")), 200, "unmask")
        fx.act(x, "note", {"text": "他行哨兵"}, who="bank2_agent")  # bank2's last
        fx.act(a, "note", {"text": "哨兵"})  # the bank's last
        for st, no, who in ((bank, a, "bank_agent"), (other, x, "bank2_agent")):
            last = _last_id(ctx, no, who)
            check(wait_for(lambda: st.has(last), timeout=LONG),
                  "the stream of %s did not get event %d: %r" % (
                      who, last, [e["id"] for e in st.snapshot()]))
        for st, mine, theirs, who in ((bank, [a, b], [x], "bank_agent"),
                                      (other, [x], [a, b], "bank2_agent")):
            got = st.snapshot()
            ids = [e["id"] for e in got]
            eq(ids, sorted(set(ids)), "%s: ids increase" % who)
            for e in got:
                d = e["data"]
                eq(set(d), {"id", "no", "seq", "type", "at", "actor_party", "lead_party"},
                   "%s: data members" % who)
                eq((e["id"], e["event"]), (d["id"], d["type"]), "%s: id and event lines" % who)
            leaked = {e["data"]["no"] for e in got} & set(theirs)
            check(not leaked, "the stream of %s shows %r" % (who, sorted(leaked)))
            for no in mine:
                tl = [(ev["id"], ev["seq"], ev["type"]) for ev in fx.timeline(
                    no, "bank2_agent" if who == "bank2_agent" else "bank_agent")["events"]]
                eq([(e["id"], e["data"]["seq"], e["event"]) for e in got
                    if e["data"]["no"] == no], tl, "%s: the events of %s" % (who, no))
            for p in ctx.people:
                for clear in (p["name"], p["phone"], p["id_number"]):
                    check(all(clear not in e["raw"] for e in got),
                          "the stream shows %r in clear" % clear)
        ctx.live = bank.snapshot()
        ctx.live_other = other.snapshot()
        # Reconnecting with Last-Event-ID (or ?after=) replays exactly the later events.
        live = ctx.live
        cut = live[len(live) // 2]["id"]
        want = [(e["id"], e["event"], e["data"]) for e in live if e["id"] > cut]
        for kw in ({"last_event_id": cut}, {"query": "?after=%d" % cut}):
            again = _open(ctx, "bank_agent", **kw)
            try:
                check(wait_for(lambda: again.has(live[-1]["id"]), timeout=LONG),
                      "the replay %r did not reach %d" % (kw, live[-1]["id"]))
                eq([(e["id"], e["event"], e["data"]) for e in again.snapshot()], want,
                   "replay %r" % kw)
            finally:
                again.close()
        # bank2's replay from the same point holds only bank2's events.
        want_other = [(e["id"], e["data"]["no"]) for e in ctx.live_other if e["id"] > cut]
        again = _open(ctx, "bank2_agent", last_event_id=cut)
        try:
            check(wait_for(lambda: again.has(ctx.live_other[-1]["id"]), timeout=LONG),
                  "bank2's replay did not reach %d" % ctx.live_other[-1]["id"])
            eq([(e["id"], e["data"]["no"]) for e in again.snapshot()], want_other,
               "bank2's replay")
        finally:
            again.close()
        # A resume point that is not an event id is refused.
        r = ctx.s.http("GET", "/v1/stream?after=abc", token=fx.token("bank_agent"))
        check_error(r, 400, "invalid_parameter", Ellipsis, "stream ?after=abc")
        r = ctx.s.http("GET", "/v1/stream")
        check_error(r, 401, "missing_token", None, "stream without a token")
    finally:
        bank.close()
        other.close()
