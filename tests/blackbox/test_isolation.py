"""
test_isolation.py - a party sees only the complaints it is involved in
(docs/linkage.md "Isolation and personal data", docs/api.md "Parties, roles
and who sees what"), and inside an involved party each role does only what
the lifecycle table and the party rule allow.

The setup builds, on one server, complaints in several states:

  recv     received                      product (bank leads; lender, platform members)
  inv      investigating, a task to the lender, a transfer to the platform
           pending, a note and an attachment                             product
  dec      decided with compensation (a settlement for the three)        product
  closed   closed                                                        product
  med      in mediation with med_a (the mediator is involved)            product
  n_recv   received, an attachment                                       bank only
  n_dec    decided with compensation (all to the lead)                   bank only
  b2       bank2's own complaint with a note and an attachment           bank2 only
  r1       registered by the regulator against bank2                     regulator, bank2

Every complaint has its own complainant, description, amount and texts, so
that a leak of any of them can be recognised in a raw response body.

Then, table-driven over every endpoint that takes a complaint or a
per-party resource (the route table of src/http/routes.c, checked by
routes_covered), every user of a party that is not involved - every role of
bank2, the regulator's and the mediator's users for complaints not referred
to them, the lender and platform for complaints without the product, the
bank for bank2's, the operator's admin - is refused: complaint-scoped
endpoints answer exactly what they answer for a complaint number that does
not exist (byte for byte, the number in the message aside), and no body
holds any datum of the complaint.  Lists, the task inbox, clocks,
settlements, the repeat-complainant search and the stream replay of those
parties hold none of the complaints.  Inside the involved parties: auditors
and admins cannot act, note, attach or unmask; compliance cannot unmask;
agents of parties that do not lead cannot act except note, attach and
answer their own task.  Every refused attempt leaves the database
fingerprint (harness.fingerprint) and the attachment store unchanged; that
is checked for each test and for the whole refusal phase.

The last tests write: the allowed exceptions really work (notes,
attachments, answering the task, the mediator's unmasked read, a transfer
acknowledged moves the lead and the reading of personal data with it), the
live stream of other parties stays silent about the bank's complaints, and
a repeat complainant registered by another party reveals no number of a
complaint that party cannot see.  Finally each of the bank, the lender, the
platform (and the mediator) writes notes and files for its own party only
(visibility "party", and without a visibility: the default) and for every
party ("involved"): every user and role of the writer's party sees its own,
and the other involved parties see none of them anywhere - document, list,
timeline, attachment list, download, event proof, live stream and replay,
webhook deliveries - while the shared ones reach everyone; the export holds
no party-only note or file at all.  A task's answer cannot cite a party-only
file, and a party-only file becomes downloadable for another party only once
the same bytes are linked for every party.
"""

import hashlib
import json
import os
import re
import socket
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from harness import (USERS, Fixture, TestFailure, action_body, check, check_error, check_ok, eq,
                     fingerprint_diff, id_number, timeless, wait_for)

# Users besides the fixture's, so that every role of an uninvolved party is tried.
EXTRA_USERS = [
    ("bank2_sup", "bank2", "supervisor"),
    ("bank2_comp", "bank2", "compliance"),
    ("bank2_auditor", "bank2", "auditor"),
    ("reg_admin", "regulator", "admin"),
    ("med_admin", "mediator", "admin"),
]
ROLE_OF = {key: role for key, _, role in USERS + EXTRA_USERS}
PARTY_OF = {key: party for key, party, _ in USERS + EXTRA_USERS}

# A well-formed complaint number that names nothing: refusals must look exactly like its.
GHOST = "TS20200101999999"
GHOST_SHA = hashlib.sha256(b"never uploaded anywhere").hexdigest()
GHOST_HOOK = 999999

COMPLAINTS = ["recv", "inv", "dec", "closed", "med", "n_recv", "n_dec", "b2", "r1"]
STATES = {"recv": "received", "inv": "investigating", "dec": "decided", "closed": "closed",
          "med": "mediation", "n_recv": "received", "n_dec": "decided", "b2": "received",
          "r1": "received"}
BANK_COMPLAINTS = ["recv", "inv", "dec", "closed", "med", "n_recv", "n_dec"]
PRODUCT = {"recv", "inv", "dec", "closed", "med"}
NAMES = {"recv": "司马懿", "inv": "诸葛亮", "dec": "欧阳修", "closed": "上官婉儿", "med": "慕容复",
         "n_recv": "令狐冲", "n_dec": "东方不败", "b2": "独孤求败", "r1": "公孙胜"}
COMPENSATION = {"dec": 1357911, "closed": 2468013, "med": 3579124, "n_dec": 4680235}

# Every action the API takes (docs/api.md lifecycle table and docs/linkage.md).
ACTIONS = ["accept", "reject", "merge", "withdraw", "investigate", "decide", "notify", "review",
           "mediate", "close", "reopen", "assign", "classify", "note", "extend", "pause",
           "resume", "callback", "transfer", "acknowledge_transfer", "decline_transfer",
           "request_task", "answer_task", "cancel_task"]

PURPOSE = urllib.parse.quote("回访")

# The lifecycle table as documented (docs/api.md), with the party rule of docs/linkage.md.
# The states and roles of the linkage actions, which the guides do not list, are those of
# the lifecycle table in the code (before the decision for transfers, open states for a
# request, any state for answers and cancellations; agents and supervisors).
H = {"agent", "supervisor"}
OPEN = ["received", "accepted", "investigating", "decided", "notified", "review", "mediation"]
ANY = OPEN + ["closed", "rejected", "withdrawn", "merged"]
BEFORE = ["received", "accepted", "investigating"]
RULES = {
    "accept": [(["received"], H, "lead")],
    "reject": [(["received"], H, "lead")],
    "merge": [(["received", "accepted"], H, "lead")],
    "withdraw": [(BEFORE, H, "lead")],
    "investigate": [(["accepted"], H, "lead")],
    "decide": [(["investigating"], H, "lead"), (["review"], {"supervisor", "compliance"}, "lead"),
               (["mediation"], {"mediator", "supervisor"}, "lead_or_mediator")],
    "notify": [(["decided"], H | {"mediator"}, "lead_or_mediator")],
    "review": [(["notified"], H, "lead")],
    "mediate": [(["notified"], H | {"compliance"}, "lead")],
    "close": [(["notified"], H | {"mediator"}, "lead_or_mediator"), (["mediation"], {"mediator", "supervisor"},
                                           "lead_or_mediator")],
    "reopen": [(["closed"], {"supervisor", "compliance"}, "lead")],
    "assign": [(OPEN, H, "lead")],
    "classify": [(OPEN, H | {"compliance"}, "lead")],
    "note": [(ANY, H | {"compliance", "mediator"}, "involved")],
    "attach": [(ANY, H | {"compliance", "mediator"}, "involved")],
    "extend": [(BEFORE, H, "lead")],
    "pause": [(BEFORE + ["review"], H, "lead")],
    "resume": [(BEFORE + ["review"], H, "lead")],
    "callback": [(["closed"], H, "lead")],
    "transfer": [(BEFORE, H, "lead")],
    "acknowledge_transfer": [(BEFORE, H, "transfer_to")],
    "decline_transfer": [(BEFORE, H, "transfer_to")],
    "request_task": [(OPEN, H, "lead")],
    "answer_task": [(ANY, H, "task_to")],
    "cancel_task": [(ANY, H, "task_from")],
}
ALLOWED = "allowed"


def setup(ctx):
    ctx.s = ctx.server(name="isolation", settings={"sweep_interval_ms": 3600000})
    ctx.fx = Fixture(ctx.s, users=USERS + EXTRA_USERS).build()
    ctx.receiver = _Receiver()
    _build(ctx)


def teardown(ctx):
    ctx.receiver.stop()


# ---- a webhook receiver that takes everything ----------------------------------------


class _Receiver:
    """Answers 200 to every POST, so that the bank's webhook has delivered deliveries."""

    def __init__(self):
        self.bodies = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                outer.bodies.append(self.rfile.read(n))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# ---- the complaints ---------------------------------------------------------------------


def _person(i, name):
    return {"name": name, "phone": "1391234%04d" % (i + 1),
            "id_number": id_number("11010519900101%03d" % (i + 1))}


def _upload(ctx, no, name, data, who="bank_agent", visibility=None):
    path = "/v1/complaints/%s/attachments?name=%s" % (no, urllib.parse.quote(name))
    if visibility:
        path += "&visibility=" + visibility
    r = ctx.s.http("POST", path, data, token=ctx.fx.token(who), content_type="text/plain")
    return check_ok(r, 201, "upload %s to %s by %s" % (name, no, who))


def _build(ctx):
    s, fx = ctx.s, ctx.fx
    # The bank's webhook, so that another party's webhook has deliveries full of data.
    r = s.http("POST", "/v1/webhooks", {"url": "http://127.0.0.1:%d/bank" % ctx.receiver.port},
               token=fx.token("bank_admin"))
    ctx.hook = check_ok(r, 201, "register the bank's webhook")["id"]
    ctx.no, ctx.secrets, ctx.person, ctx.sha = {}, {}, {}, {}
    for i, key in enumerate(COMPLAINTS):
        marker = "隔离标记ISO%s%02d" % (key.upper().replace("_", ""), i)
        person = _person(i, NAMES[key])
        over = {"complainant": person, "description": marker + " 借款利率与宣传不符，要求退还多收利息。",
                "amount_fen": 4001111 + 1111 * i, "claims": "退还利息" + marker}
        if key in PRODUCT:
            d = fx.create(**over)
        elif key == "b2":
            d = fx.create("bank2_agent", product=None, **over)
        elif key == "r1":
            d = fx.create("reg_user", product=None, channel="regulator",
                          target_party=fx.parties["bank2"], **over)
        else:
            d = fx.create(product=None, **over)
        no = d["no"]
        ctx.no[key], ctx.person[key] = no, person
        masked = d["complainant"]
        ctx.secrets[key] = [no, marker, person["name"], person["phone"], person["id_number"],
                            masked["name"], masked["phone"], masked["id_number"],
                            '"amount_fen":%d' % over["amount_fen"]]
    n = ctx.no
    bank_lead = {k: fx.get(n[k])["lead_party"] for k in BANK_COMPLAINTS}
    eq(set(bank_lead.values()), {fx.parties["bank"]}, "the bank leads its complaints")
    mediator = fx.parties["mediator"]
    for key in ("inv", "dec", "closed", "med", "n_dec"):
        fx.act(n[key], "accept")
        fx.act(n[key], "investigate")
    for key in ("dec", "closed", "med", "n_dec"):
        body = action_body("decide", fx)
        body["compensation_fen"] = COMPENSATION[key]
        body["finding"] = "决定标记DEC%s" % key.upper()
        fx.act(n[key], "decide", body)
        ctx.secrets[key] += [body["finding"], "%d" % COMPENSATION[key]]
    for key in ("closed", "med"):
        fx.act(n[key], "notify", action_body("notify", fx))
    fx.act(n["closed"], "close", {"summary": "办结标记CLOSED"})
    fx.act(n["med"], "mediate", {"mediator_party": mediator, "reason": "调解标记MED"})
    ctx.secrets["closed"].append("办结标记CLOSED")
    ctx.secrets["med"].append("调解标记MED")
    # The complaint under investigation: a note, a file, a task to the lender, a transfer
    # to the platform waiting for acknowledgement.
    fx.act(n["inv"], "note", {"text": "备注标记NOTEINV"})
    for key, who in (("inv", "bank_agent"), ("n_recv", "bank_agent"), ("b2", "bank2_agent")):
        data = ("证据 evidence of %s %s\n" % (key, n[key])).encode("utf-8") * 3
        name = "证据EVID%s.txt" % key.upper().replace("_", "")
        _upload(ctx, n[key], name, data, who)
        ctx.sha[key] = hashlib.sha256(data).hexdigest()
        ctx.secrets[key] += [ctx.sha[key], name]
    fx.act(n["inv"], "request_task", {"to_party": fx.parties["lender"], "kind": "information",
                                      "request": "协办标记TASKINV 请提供交易流水"})
    fx.act(n["inv"], "transfer", {"to_party": fx.parties["platform"],
                                  "reason": "转办标记XFERINV 系统扣款故障"})
    ctx.secrets["inv"] += ["备注标记NOTEINV", "协办标记TASKINV", "转办标记XFERINV"]
    fx.act(n["b2"], "note", {"text": "备注标记NOTEB2"}, who="bank2_agent")
    ctx.secrets["b2"].append("备注标记NOTEB2")
    # The states the tests rely on.
    ctx.doc = {}
    for key in COMPLAINTS:
        who = "reg_user" if key == "r1" else "bank2_agent" if key == "b2" else "bank_agent"
        ctx.doc[key] = fx.get(n[key], who)
        eq(ctx.doc[key]["state"], STATES[key], "state of %s" % key)
    inv = ctx.doc["inv"]
    eq([(t["n"], t["to_party"], t["state"]) for t in inv["tasks"]],
       [(1, fx.parties["lender"], "open")], "the task of inv")
    eq([(t["n"], t["to_party"], t["state"]) for t in inv["transfers"]],
       [(1, fx.parties["platform"], "pending")], "the transfer of inv")
    check(any(p["party"] == mediator for p in ctx.doc["med"]["parties"]),
          "the mediator is involved in med: %r" % ctx.doc["med"]["parties"])
    ctx.parties = {k: {p["party"] for p in ctx.doc[k]["parties"]} for k in COMPLAINTS}
    # The bank's webhook has delivered every event before the refusals start.
    def all_delivered():
        r = s.http("GET", "/v1/webhooks/%d/deliveries?state=pending" % ctx.hook,
                   token=fx.token("bank_admin"))
        return r.status == 200 and r.json["items"] == []
    check(wait_for(all_delivered, timeout=120), "the bank's webhook did not deliver everything")
    ctx.fp0 = s.fingerprint()
    ctx.files0 = _files(ctx)
    ctx.docs0 = {k: timeless(ctx.fx.get(n[k], _reader(k))) for k in COMPLAINTS}


def _reader(key):
    return "reg_user" if key == "r1" else "bank2_agent" if key == "b2" else "bank_agent"


def _files(ctx):
    out = []
    for root, _, files in os.walk(ctx.s.att):
        out += [os.path.join(root, f) for f in files]
    return sorted(out)


def _outsiders(ctx, key):
    """Every user whose party is not involved in complaint `key` (the operator's admin too)."""
    involved = ctx.parties[key]
    return [u for u in ctx.fx.users if ctx.fx.users[u]["party"] not in involved]


# ---- checking refusals ----------------------------------------------------------------


def _secrets_in(ctx, raw, keys, allow=()):
    """The secrets of complaints `keys` found in raw (after removing the allowed texts)."""
    text = raw.decode("utf-8", "replace")
    for a in allow:
        text = text.replace(a, "")
    # JSON writers may escape non-ASCII: look at the decoded JSON text too.
    variants = [text]
    try:
        variants.append(json.dumps(json.loads(text), ensure_ascii=False))
    except ValueError:
        pass
    found = []
    for k in keys:
        for sec in ctx.secrets[k]:
            pattern = re.escape(sec)
            if sec.isdigit():
                pattern = r"(?<!\d)" + pattern + r"(?!\d)"
            if any(re.search(pattern, v) for v in variants):
                found.append("%s of %s" % (sec, k))
    return found


def _no_leak(ctx, resp, what, keys=None, allow=()):
    found = _secrets_in(ctx, resp.raw, keys or COMPLAINTS, allow)
    if found:
        raise TestFailure("%s: the body shows %s: %r" % (what, ", ".join(found[:6]),
                                                          resp.raw[:400]))


def _same_as_ghost(resp, ghost, real, fake, what):
    """resp must be byte for byte the answer for the ghost, with `fake` read as `real`."""
    want = ghost.raw.replace(fake.encode(), real.encode())
    if resp.status != ghost.status or resp.raw != want:
        raise TestFailure("%s: %d %r, but for a record that does not exist %d %r" % (
            what, resp.status, resp.raw[:300], ghost.status, ghost.raw[:300]))
    ct = resp.headers.get("content-type")
    eq(ct, ghost.headers.get("content-type"), "%s: content type" % what)


class _Problems:
    """Collects failures of a table-driven test and reports them together."""

    def __init__(self):
        self.items = []
        self.lock = threading.Lock()

    def run(self, fn, *args):
        try:
            fn(*args)
        except TestFailure as e:
            with self.lock:
                self.items.append(str(e))

    def raise_if_any(self):
        if self.items:
            raise TestFailure("%d failures; first: %s" % (len(self.items),
                                                          "\n".join(self.items[:8])))


def _parallel(jobs):
    """Runs callables on 4 threads; returns their results in order."""
    with ThreadPoolExecutor(4) as ex:
        return list(ex.map(lambda f: f(), jobs))


class _Unchanged:
    """Asserts that what a test did left the database and the file store as they were."""

    def __init__(self, ctx, what):
        self.ctx, self.what = ctx, what

    def __enter__(self):
        self.fp = self.ctx.s.fingerprint()
        self.files = _files(self.ctx)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type:
            return False
        fp = self.ctx.s.fingerprint()
        if fp != self.fp:
            raise TestFailure("%s changed the database: %s" % (self.what,
                                                                fingerprint_diff(self.fp, fp)))
        files = _files(self.ctx)
        eq(files, self.files, "%s: files in the attachment store" % self.what)
        return False


# ---- the complaint-scoped endpoints ------------------------------------------------------


def _action_body(ctx, action, who):
    """A body that passes every check before the complaint is looked up."""
    fx = ctx.fx
    own = fx.users[who]["party"]
    bodies = {
        "merge": {"into": GHOST, "reason": "合并"},
        "decide": dict(action_body("decide", fx), compensation_fen=1),
        "assign": {"assignee": fx.users[who]["id"]},
        "classify": {"cause": "c12"},
        "extend": {"days": 30, "reason": "延期"},
        "pause": {"reason_code": "other", "reason": "中止"},
        "resume": {"pause": 1},
        "callback": {"method": "phone", "satisfaction": "satisfied"},
        "transfer": {"to_party": own, "reason": "转办"},
        "acknowledge_transfer": {},
        "decline_transfer": {"reason": "退回"},
        "request_task": {"to_party": own, "kind": "information", "request": "协办"},
        "answer_task": {"task": 1, "answer": "答复"},
        "cancel_task": {"task": 1, "reason": "撤销"},
    }
    if action in bodies:
        return bodies[action]
    return action_body(action, fx)


def _endpoints(ctx):
    """(name, fn(no, who, key) -> Response) for every complaint-scoped endpoint."""
    s, fx = ctx.s, ctx.fx
    counter = [0]
    lock = threading.Lock()

    def idem():
        with lock:
            counter[0] += 1
            return {"Idempotency-Key": "isolation-%d" % counter[0]}

    eps = [
        ("GET complaint", lambda no, who: s.http("GET", "/v1/complaints/" + no,
                                                 token=fx.token(who))),
        ("GET timeline", lambda no, who: s.http("GET", "/v1/complaints/%s/timeline" % no,
                                                token=fx.token(who))),
        ("GET actions", lambda no, who: s.http("GET", "/v1/complaints/%s/actions" % no,
                                               token=fx.token(who))),
        ("GET attachments", lambda no, who: s.http("GET", "/v1/complaints/%s/attachments" % no,
                                                   token=fx.token(who))),
        ("GET complainant", lambda no, who: s.http(
            "GET", "/v1/complaints/%s/complainant?purpose=%s" % (no, PURPOSE),
            token=fx.token(who))),
        ("GET event texts", lambda no, who: s.http(
            "GET", "/v1/complaints/%s/events/1/texts?purpose=%s" % (no, PURPOSE),
            token=fx.token(who))),
        ("POST notes", lambda no, who: s.http("POST", "/v1/complaints/%s/notes" % no,
                                              {"text": "探测 probe"}, token=fx.token(who),
                                              headers=idem())),
        ("POST attachments", lambda no, who: s.http(
            "POST", "/v1/complaints/%s/attachments?name=probe.txt" % no,
            ("probe of %s by %s\n" % (no, who)).encode() * 50, token=fx.token(who),
            content_type="text/plain", headers=idem())),
        ("GET receipt", lambda no, who: s.http("GET", "/v1/complaints/%s/receipt" % no,
                                               token=fx.token(who))),
        ("GET event proof", lambda no, who: s.http(
            "GET", "/v1/complaints/%s/events/1/proof" % no, token=fx.token(who))),
    ]
    for action in ACTIONS:
        eps.append(("POST actions/" + action, (lambda a: lambda no, who: s.http(
            "POST", "/v1/complaints/%s/actions/%s" % (no, a), _action_body(ctx, a, who),
            token=fx.token(who), headers=idem()))(action)))
    return eps


def _outsider_endpoint(ctx, name, fn):
    """Every outsider of every complaint gets what a complaint that does not exist gets."""
    problems = _Problems()
    with _Unchanged(ctx, name):
        users = sorted({u for k in COMPLAINTS for u in _outsiders(ctx, k)})
        ghosts = dict(zip(users, _parallel([(lambda u: lambda: fn(GHOST, u))(u)
                                            for u in users])))
        for u, g in ghosts.items():
            problems.run(_ghost_shape, g, "%s %s as %s" % (name, GHOST, u))
        jobs, labels = [], []
        for key in COMPLAINTS:
            for u in _outsiders(ctx, key):
                jobs.append((lambda no, u: lambda: fn(no, u))(ctx.no[key], u))
                labels.append((key, u))
        check(len(jobs) >= 80, "only %d attempts of %s" % (len(jobs), name))
        for (key, u), resp in zip(labels, _parallel(jobs)):
            what = "%s %s (%s) as %s" % (name, ctx.no[key], key, u)
            problems.run(_same_as_ghost, resp, ghosts[u], ctx.no[key], GHOST, what)
            problems.run(_no_leak, ctx, resp, what, None, ("no complaint " + ctx.no[key],))
    problems.raise_if_any()
    # The complaints are as they were.
    for key in COMPLAINTS:
        eq(timeless(ctx.fx.get(ctx.no[key], _reader(key))), ctx.docs0[key],
           "%s after the attempts of %s" % (key, name))


def _ghost_shape(resp, what):
    """What a complaint that does not exist gets: 404 not_found."""
    check_error(resp, 404, "not_found", None, what)


# ---- the per-party resources ---------------------------------------------------------------


def test_outsider_attachment_blobs(ctx):
    """GET /v1/attachments/{sha256} of another party's file is the 404 of a file never stored."""
    s, fx = ctx.s, ctx.fx
    problems = _Problems()
    with _Unchanged(ctx, "blob downloads"):
        for key in ("inv", "n_recv", "b2"):
            # The involved parties download it.
            for who in ("bank_agent", "bank_auditor") if key != "b2" else ("bank2_agent",):
                r = s.http("GET", "/v1/attachments/" + ctx.sha[key], token=fx.token(who))
                eq((r.status, hashlib.sha256(r.raw).hexdigest()), (200, ctx.sha[key]),
                   "download of %s's file by %s" % (key, who))
            for u in _outsiders(ctx, key):
                g = s.http("GET", "/v1/attachments/" + GHOST_SHA, token=fx.token(u))
                problems.run(_ghost_shape, g, "ghost file as %s" % u)
                r = s.http("GET", "/v1/attachments/" + ctx.sha[key], token=fx.token(u))
                what = "file of %s as %s" % (key, u)
                problems.run(_same_as_ghost, r, g, ctx.sha[key], GHOST_SHA, what)
                problems.run(_no_leak, ctx, r, what)
    problems.raise_if_any()


def _other_party_users(ctx, party_key):
    return [u for u in ctx.fx.users if ctx.fx.users[u]["party"] != ctx.fx.parties[party_key]]


def test_outsider_webhooks(ctx):
    """Another party's webhook and its deliveries do not exist for anyone else."""
    s, fx = ctx.s, ctx.fx
    problems = _Problems()
    hook = ctx.hook
    # The bank's admin sees it, with deliveries full of the bank's complaints.
    d = check_ok(s.http("GET", "/v1/webhooks/%d/deliveries?limit=200" % hook,
                        token=fx.token("bank_admin")), 200, "deliveries as bank_admin")
    check({i["no"] for i in d["items"]} >= {ctx.no[k] for k in BANK_COMPLAINTS},
          "the bank's deliveries name its complaints: %r" % sorted({i["no"] for i in d["items"]}))
    check(not {i["no"] for i in d["items"]} & {ctx.no["b2"], ctx.no["r1"]},
          "the bank's webhook got deliveries of bank2's complaints: %r" % d["items"])
    with _Unchanged(ctx, "webhook requests of other parties"):
        for u in _other_party_users(ctx, "bank"):
            if u == "op_admin":
                continue  # the operator's admin sees every webhook (docs/linkage.md)
            tok = fx.token(u)
            admin = ROLE_OF.get(u) == "admin"
            for method, tail in (("GET", ""), ("GET", "/deliveries"), ("DELETE", ""),
                                 ("POST", "/enable")):
                g = s.http(method, "/v1/webhooks/%d%s" % (GHOST_HOOK, tail), token=tok)
                r = s.http(method, "/v1/webhooks/%d%s" % (hook, tail), token=tok)
                what = "%s /v1/webhooks/%d%s as %s" % (method, hook, tail, u)
                if method == "GET" or admin:
                    problems.run(_ghost_shape, g, what + " (ghost)")
                    problems.run(_same_as_ghost, r, g, str(hook), str(GHOST_HOOK), what)
                else:  # only admins manage webhooks: refused before the webhook is looked up
                    problems.run(lambda r, w: check_error(r, 403, "role_not_allowed", None, w),
                                 r, what)
                problems.run(_no_leak, ctx, r, what)
            lst = s.http("GET", "/v1/webhooks", token=tok)
            if lst.status == 200:
                ids = [w["id"] for w in lst.json["items"]]
                problems.run(check, hook not in ids, "GET /v1/webhooks as %s lists the bank's "
                             "webhook %d: %r" % (u, hook, lst.json))
            else:
                problems.run(check_error, lst, 403, None, Ellipsis, "GET /v1/webhooks as " + u)
            problems.run(_no_leak, ctx, lst, "GET /v1/webhooks as " + u)
    problems.raise_if_any()
    eq(check_ok(s.http("GET", "/v1/webhooks/%d" % hook, token=fx.token("bank_admin")), 200,
                "the bank's webhook")["active"], True, "the bank's webhook is still active")


def test_outsider_workbench_reads(ctx):
    """GET /v1/pii_reads never lists a read of a complaint the reader's party is not involved in,
    and GET /v1/stats/complaints counts only the complaints the reader's party may list."""
    s, fx = ctx.s, ctx.fx
    no = ctx.no["recv"]
    lead = fx.lead_user(fx.get(no))
    check_ok(s.http("GET", "/v1/complaints/%s/complainant?purpose=isolation" % no,
                    token=fx.token(lead)), 200, "a reveal by the lead party")
    seen = check_ok(s.http("GET", "/v1/pii_reads?limit=1000", token=fx.token("bank_comp")), 200,
                    "the bank's log")
    check(no in [i["no"] for i in seen["items"]], "the involved bank sees the read of " + no)
    for u in ("bank2_sup", "bank2_comp", "bank2_admin", "bank2_auditor", "reg_admin",
              "med_admin"):
        log = check_ok(s.http("GET", "/v1/pii_reads?limit=1000", token=fx.token(u)), 200,
                       "the log as " + u)
        nos = {i["no"] for i in log["items"]}
        check(not (nos - _listed(ctx, u)), "%s's log names complaints it cannot list: %r"
              % (u, sorted(nos - _listed(ctx, u))))
        stats = check_ok(s.http("GET", "/v1/stats/complaints", token=fx.token(u)), 200,
                         "the counts as " + u)
        eq(stats["total"], len(_listed(ctx, u)), "%s counts only what it may list" % u)


def _listed(ctx, u):
    """The numbers of every complaint user u may list."""
    out, cursor = set(), None
    while True:
        q = "/v1/complaints?limit=200" + ("&cursor=" + cursor if cursor else "")
        page = check_ok(ctx.s.http("GET", q, token=ctx.fx.token(u)), 200, "list as " + u)
        out |= {c["no"] for c in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            return out


def test_outsider_settlements(ctx):
    """GET /v1/settlements shows a party only its own parts; ?party=<other> is refused."""
    s, fx = ctx.s, ctx.fx
    problems = _Problems()
    # The bank sees its parts of dec, closed, med, n_dec; the lender its parts of the product's.
    bank = check_ok(s.http("GET", "/v1/settlements", token=fx.token("bank_admin")), 200,
                    "settlements as bank_admin")
    eq({i["no"] for i in bank["items"]}, {ctx.no[k] for k in ("dec", "closed", "med", "n_dec")},
       "the bank's settlements")
    lender = check_ok(s.http("GET", "/v1/settlements", token=fx.token("lender_agent")), 200,
                      "settlements as lender_agent")
    eq({i["no"] for i in lender["items"]}, {ctx.no[k] for k in ("dec", "closed", "med")},
       "the lender's settlements")
    check(all(i["party"] == fx.parties["lender"] for i in lender["items"]),
          "the lender sees only its own parts: %r" % lender["items"])
    with _Unchanged(ctx, "settlement queries"):
        for u in fx.users:
            if u == "op_admin":
                continue
            tok = fx.token(u)
            own = fx.users[u]["party"]
            for q in ("", "?superseded=true", "?from=2020-01-01"):
                r = s.http("GET", "/v1/settlements" + q, token=tok)
                what = "GET /v1/settlements%s as %s" % (q, u)
                if r.status == 200:
                    problems.run(check, all(i["party"] == own for i in r.json["items"]),
                                 "%s: parts of other parties %r" % (what, r.json["items"]))
                    problems.run(check, all(t["party"] == own for t in r.json["totals"]),
                                 "%s: totals of other parties %r" % (what, r.json["totals"]))
                    visible = [k for k in COMPLAINTS if own in ctx.parties[k]]
                    hidden = [k for k in COMPLAINTS if k not in visible]
                    problems.run(_no_leak, ctx, r, what, hidden)
                else:
                    problems.run(check_error, r, 403, None, Ellipsis, what)
                    problems.run(_no_leak, ctx, r, what)
            for other in ("bank", "lender", "platform", "bank2"):
                pid = fx.parties[other]
                if pid == own:
                    continue
                r = s.http("GET", "/v1/settlements?party=%d" % pid, token=tok)
                what = "GET /v1/settlements?party=%d as %s" % (pid, u)
                problems.run(lambda r, w: check(r.status in (403, 404), "%s: %r" % (w, r)), r,
                             what)
                problems.run(check_error, r, r.status if r.status in (403, 404) else 403, None,
                             Ellipsis, what)
                problems.run(_no_leak, ctx, r, what)
    problems.raise_if_any()


def test_outsider_complainant_search(ctx):
    """The blind-index search finds only the caller's party's complaints."""
    s, fx = ctx.s, ctx.fx
    problems = _Problems()
    got = check_ok(s.http("GET", "/v1/complainants/complaints?phone=" + ctx.person["inv"]["phone"],
                          token=fx.token("bank_agent")), 200, "search as bank_agent")
    eq(got, {"complaints": [ctx.no["inv"]]}, "the bank finds its complaint by phone")
    with _Unchanged(ctx, "complainant searches"):
        for key in COMPLAINTS:
            for u in _outsiders(ctx, key):
                for field in ("phone", "id_number"):
                    r = s.http("GET", "/v1/complainants/complaints?%s=%s" % (
                        field, ctx.person[key][field]), token=fx.token(u))
                    what = "search %s of %s as %s" % (field, key, u)
                    if r.status == 200:
                        problems.run(eq, r.json, {"complaints": []}, what)
                    else:
                        problems.run(check_error, r, 403, None, Ellipsis, what)
                    problems.run(_no_leak, ctx, r, what)
    problems.raise_if_any()


def test_outsider_tasks(ctx):
    """GET /v1/tasks of a party names only tasks and transfers to or from it."""
    s, fx = ctx.s, ctx.fx
    problems = _Problems()
    inbox = check_ok(s.http("GET", "/v1/tasks?direction=in", token=fx.token("lender_agent")),
                     200, "the lender's inbox")
    eq([(i["no"], i["kind"], i["n"]) for i in inbox["items"]], [(ctx.no["inv"], "task", 1)],
       "the lender's inbox")
    inbox = check_ok(s.http("GET", "/v1/tasks?direction=in&kind=transfer",
                            token=fx.token("plat_agent")), 200, "the platform's inbox")
    eq([(i["no"], i["kind"], i["n"]) for i in inbox["items"]], [(ctx.no["inv"], "transfer", 1)],
       "the platform's inbox")
    queries = ["", "?direction=in", "?direction=out", "?kind=task", "?kind=transfer",
               "?state=open", "?state=pending", "?direction=in&kind=task&state=open&limit=200"]
    with _Unchanged(ctx, "task inboxes"):
        for u in sorted(set(_outsiders(ctx, "inv")) | {"bank_auditor", "lender_sup",
                                                       "plat_agent", "med_user"}):
            for q in queries:
                r = s.http("GET", "/v1/tasks" + q, token=fx.token(u))
                what = "GET /v1/tasks%s as %s" % (q, u)
                own = fx.users[u]["party"]
                if r.status != 200:
                    problems.run(check, False, "%s: %r" % (what, r))
                    continue
                problems.run(check, all(own in (i["from_party"], i["to_party"])
                                        for i in r.json["items"]),
                             "%s: items of other parties %r" % (what, r.json["items"]))
                if u in _outsiders(ctx, "inv"):
                    problems.run(_no_leak, ctx, r, what, BANK_COMPLAINTS)
    problems.raise_if_any()


def test_outsider_clocks(ctx):
    """GET /v1/clocks and /v1/clocks/compliance count only the caller's complaints."""
    s, fx = ctx.s, ctx.fx
    problems = _Problems()
    bank = fx.parties["bank"]
    mine = check_ok(s.http("GET", "/v1/clocks?state=all&limit=200", token=fx.token("bank_agent")),
                    200, "the bank's clocks")
    check({ctx.no[k] for k in BANK_COMPLAINTS} <= {i["no"] for i in mine["items"]},
          "the bank's clocks list its complaints: %r" % mine["items"])
    queries = ["/v1/clocks", "/v1/clocks?state=all&limit=200", "/v1/clocks?party=%d" % bank,
               "/v1/clocks?state=all&party=%d&limit=200" % bank, "/v1/clocks?kind=decision",
               "/v1/clocks?state=breached", "/v1/clocks/compliance",
               "/v1/clocks/compliance?party=%d" % bank,
               "/v1/clocks/compliance?due_from=2020-01-01&due_to=2030-01-01"]
    with _Unchanged(ctx, "clock queries"):
        for u in fx.users:
            own = fx.users[u]["party"]
            hidden = [k for k in COMPLAINTS if own not in ctx.parties[k]]
            if not hidden or u == "op_admin":
                continue
            for q in queries:
                r = s.http("GET", q, token=fx.token(u))
                what = "GET %s as %s" % (q, u)
                if r.status != 200:
                    problems.run(check, False, "%s: %r" % (what, r))
                    continue
                hidden_nos = {ctx.no[k] for k in hidden}
                problems.run(check, not {i.get("no") for i in r.json["items"]} & hidden_nos,
                             "%s: clocks of complaints not involving the party" % what)
                if "compliance" in q:
                    leads = {ctx.doc[k]["lead_party"] for k in hidden} - {
                        ctx.doc[k]["lead_party"] for k in COMPLAINTS if k not in hidden}
                    problems.run(check, not {i["lead_party"] for i in r.json["items"]} & leads,
                                 "%s: figures of lead parties it cannot see %r" % (what, r.json))
                problems.run(_no_leak, ctx, r, what, hidden)
    problems.raise_if_any()


def test_outsider_complaint_lists(ctx):
    """GET /v1/complaints with every filter lists only complaints involving the party."""
    s, fx = ctx.s, ctx.fx
    p = fx.parties
    problems = _Problems()
    lists = ["", "?limit=200", "?state=received,accepted,investigating,decided,notified,review,"
             "mediation,closed", "?state=mediation", "?state=closed", "?state=decided",
             "?state=investigating", "?party=%d" % p["bank"], "?party=%d" % p["lender"],
             "?party=%d" % p["platform"], "?party=%d" % p["mediator"],
             "?lead_party=%d" % p["bank"], "?target_party=%d" % p["bank"],
             "?assignee=%d" % ctx.doc["recv"]["assignee"], "?product=%d" % fx.product,
             "?channel=app", "?business=internet_loan", "?cause=c11",
             "?grade=general,important,urgent,major", "?received_from=2020-01-01",
             "?received_from=2020-01-01&received_to=2099-01-01&limit=1"]
    with _Unchanged(ctx, "complaint lists"):
        for u in fx.users:
            own = fx.users[u]["party"]
            hidden = [k for k in COMPLAINTS if own not in ctx.parties[k]]
            if not hidden:
                continue
            for q in lists:
                r = s.http("GET", "/v1/complaints" + q, token=fx.token(u))
                what = "GET /v1/complaints%s as %s" % (q, u)
                if r.status != 200:
                    problems.run(check, False, "%s: %r" % (what, r))
                    continue
                nos = {i["no"] for i in r.json["items"]}
                problems.run(check, not nos & {ctx.no[k] for k in hidden},
                             "%s: lists complaints of others %r" % (what, sorted(nos)))
                problems.run(check, all(own in {x["party"] for x in i["parties"]}
                                        for i in r.json["items"]),
                             "%s: an item the party is not involved in" % what)
                problems.run(_no_leak, ctx, r, what, hidden)
        # A page walk with a cursor never leaves the party's complaints either.
        for u in ("bank2_agent", "med_user", "reg_user", "lender_agent"):
            own = fx.users[u]["party"]
            seen, cursor = [], None
            for _ in range(50):
                q = "?limit=1" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
                page = check_ok(s.http("GET", "/v1/complaints" + q, token=fx.token(u)), 200,
                                "page as " + u)
                seen += [i["no"] for i in page["items"]]
                cursor = page["next_cursor"]
                if not cursor:
                    break
            want = sorted(ctx.no[k] for k in COMPLAINTS if own in ctx.parties[k])
            problems.run(eq, sorted(seen), want, "every page of the list as %s" % u)
    problems.raise_if_any()


def test_outsider_users(ctx):
    """Users of another party (their duty, their deactivation and tokens) do not exist for
    anyone else."""
    s, fx = ctx.s, ctx.fx
    problems = _Problems()
    target = fx.uid("bank_agent")
    with _Unchanged(ctx, "user requests"):
        ghost_id = 999999
        for u in _other_party_users(ctx, "bank"):
            if u == "op_admin":
                continue  # the operator's admin sees every user (docs/api.md)
            tok = fx.token(u)
            g = s.http("GET", "/v1/users/%d" % ghost_id, token=tok)
            r = s.http("GET", "/v1/users/%d" % target, token=tok)
            problems.run(_ghost_shape, g, "GET a ghost user as %s" % u)
            problems.run(_same_as_ghost, r, g, str(target), str(ghost_id),
                         "GET /v1/users/%d as %s" % (target, u))
            r = s.http("POST", "/v1/users/%d/duty" % target, {"on_duty": False}, token=tok)
            what = "POST /v1/users/%d/duty as %s" % (target, u)
            if ROLE_OF.get(u) in ("admin", "supervisor"):
                g = s.http("POST", "/v1/users/%d/duty" % ghost_id, {"on_duty": False}, token=tok)
                problems.run(_ghost_shape, g, what + " (ghost)")
                problems.run(_same_as_ghost, r, g, str(target), str(ghost_id), what)
            else:
                problems.run(lambda r, w: check(r.status in (403, 404), "%s: %r" % (w, r)),
                             r, what)
            # deactivating, reactivating, revoking tokens: admins of other parties find no
            # such user, anyone else is refused by role
            for method, fmt in (("POST", "/v1/users/%d/deactivate"),
                                ("POST", "/v1/users/%d/activate"),
                                ("DELETE", "/v1/users/%d/tokens")):
                r = s.http(method, fmt % target, token=tok)
                what = "%s %s as %s" % (method, fmt % target, u)
                if ROLE_OF.get(u) == "admin":
                    g = s.http(method, fmt % ghost_id, token=tok)
                    problems.run(_ghost_shape, g, what + " (ghost)")
                    problems.run(_same_as_ghost, r, g, str(target), str(ghost_id), what)
                else:
                    problems.run(check_error, r, 403, "role_not_allowed", None, what)
            lst = check_ok(s.http("GET", "/v1/users", token=tok), 200, "GET /v1/users as " + u)
            problems.run(check, all(x["party"] == fx.users[u]["party"] for x in lst["items"]),
                         "GET /v1/users as %s lists users of other parties" % u)
    problems.raise_if_any()


# ---- the stream ---------------------------------------------------------------------------


class _Sse:
    """A GET /v1/stream connection read by a thread: status, headers and the events."""

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
                    self.status = int(lines[0].split()[1])
                    for line in lines[1:]:
                        k, _, v = line.partition(":")
                        self.headers[k.strip().lower()] = v.strip()
                    chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
                    raw = raw[end + 4:]
                if not chunked:
                    self.body += raw
                    raw = b""
                    continue
                while True:  # de-chunk what is complete
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
        for line in block.split("\n"):
            if line.startswith(":"):
                with self.lock:
                    self.comments.append(line)
                continue
            k, _, v = line.partition(":")
            ev[k] = v[1:] if v.startswith(" ") else v
        if "data" in ev:
            ev["data"] = json.loads(ev["data"])
            ev["id"] = int(ev["id"])
            with self.lock:
                self.events.append(ev)

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def close(self):
        self.stop = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(10)


def _visible_max_id(ctx, u):
    """The largest event id of the complaints user u's party is involved in."""
    own = ctx.fx.users[u]["party"]
    ids = []
    for k in COMPLAINTS:
        if own in ctx.parties[k]:
            ids += [e["id"] for e in ctx.fx.timeline(ctx.no[k], _reader(k))["events"]]
    return max(ids) if ids else None


def test_outsider_stream_replay(ctx):
    """A reconnecting stream replays only the events of the party's own complaints."""
    fx = ctx.fx
    problems = _Problems()
    with _Unchanged(ctx, "stream replays"):
        for u in fx.users:
            own = fx.users[u]["party"]
            hidden = [k for k in COMPLAINTS if own not in ctx.parties[k]]
            last = _visible_max_id(ctx, u)
            if not hidden or last is None:
                continue
            for how in ("header", "query"):
                sse = _Sse(ctx.s.port, fx.token(u), last_event_id=1 if how == "header" else None,
                           query="?after=1" if how == "query" else "")
                try:
                    ok = wait_for(lambda: any(e["id"] >= last for e in sse.snapshot())
                                  or sse.done, timeout=60)
                finally:
                    sse.close()
                what = "stream replay (%s) as %s" % (how, u)
                problems.run(eq, sse.status, 200, what + ": status")
                problems.run(check, ok and any(e["id"] == last for e in sse.events),
                             "%s: the last event %d of the party's complaints did not come "
                             "(got %r)" % (what, last, [e["id"] for e in sse.events][-5:]))
                nos = {e["data"]["no"] for e in sse.events}
                leaked = nos & {ctx.no[k] for k in hidden}
                problems.run(check, not leaked, "%s: events of %s" % (what, sorted(leaked)))
                problems.run(eq, [e["id"] for e in sse.events],
                             sorted({e["id"] for e in sse.events}), what + ": in id order")
    problems.raise_if_any()


# ---- inside the involved parties -------------------------------------------------------------


def _relation(ctx, key, who):
    party = ctx.fx.users[who]["party"]
    if party == ctx.doc[key]["lead_party"]:
        return "lead"
    for p in ctx.doc[key]["parties"]:
        if p["party"] == party:
            return "mediator" if p["role"] == "mediator" else "member"
    return None


def _expect(ctx, action, key, who):
    """What the lifecycle table and the party rule say of `who` taking `action` on `key`:
    ALLOWED, or (status, code) - code None when the guides do not name it."""
    state, role, rel = STATES[key], ROLE_OF[who], _relation(ctx, key, who)
    rows = [r for r in RULES[action] if state in r[0]]
    if not rows:
        return (409, "illegal_transition")
    rows = [r for r in rows if role in r[1]]
    if not rows:
        return (403, "role_not_allowed")
    rule = rows[0][2]
    party = ctx.fx.users[who]["party"]
    doc = ctx.doc[key]
    if rule == "involved":
        return ALLOWED
    if rule == "lead":
        return ALLOWED if rel == "lead" else (403, "not_lead_party")
    if rule == "lead_or_mediator":
        return ALLOWED if rel in ("lead", "mediator") else (403, "not_lead_party")
    if rule in ("task_to", "task_from"):
        task = [t for t in doc.get("tasks", []) if t["n"] == 1]
        if not task:
            return (None, None)  # no task 1 to answer or cancel: refused, code not documented
        side = "to_party" if rule == "task_to" else "from_party"
        return ALLOWED if task[0][side] == party else (403, "not_task_party")
    if rule == "transfer_to":
        pending = [t for t in doc.get("transfers", []) if t["state"] == "pending"]
        if not pending:
            return (None, None)  # nothing to acknowledge: refused, code not documented
        return ALLOWED if pending[0]["to_party"] == party else (403, "not_transfer_party")
    raise KeyError(rule)


INSIDERS = ["bank_auditor", "bank_admin", "bank_comp", "lender_agent", "lender_sup", "plat_agent",
            "med_user", "med_admin"]


def _inside_body(ctx, action):
    fx = ctx.fx
    p = fx.parties
    bodies = {
        "merge": {"into": ctx.no["recv"], "reason": "合并"},
        "assign": {"assignee": fx.uid("bank_agent2")},
        "mediate": {"mediator_party": p["mediator"]},
        "extend": {"days": 30, "reason": "延期"},
        "pause": {"reason_code": "other", "reason": "中止"},
        "resume": {"pause": 1},
        "callback": {"method": "phone", "satisfaction": "satisfied"},
        "transfer": {"to_party": p["lender"], "reason": "转办"},
        "acknowledge_transfer": {},
        "decline_transfer": {"reason": "退回"},
        "request_task": {"to_party": p["platform"], "kind": "information", "request": "协办"},
        "answer_task": {"task": 1, "answer": "答复"},
        "cancel_task": {"task": 1, "reason": "撤销"},
        "classify": {"cause": "c12"},
    }
    return bodies.get(action) or action_body(action, fx)


def test_roles_inside_involved_parties(ctx):
    """Auditors and admins cannot act; compliance only what the table gives it; agents of
    parties that do not lead only note, attach and answer their own task."""
    s, fx = ctx.s, ctx.fx
    problems = _Problems()
    tried = {}
    with _Unchanged(ctx, "refused actions inside the involved parties"):
        jobs, labels = [], []
        for key in BANK_COMPLAINTS:
            for who in INSIDERS:
                if _relation(ctx, key, who) is None:
                    continue
                for action in ACTIONS:
                    want = _expect(ctx, action, key, who)
                    if want == ALLOWED:
                        continue
                    path = "/v1/complaints/%s/actions/%s" % (ctx.no[key], action)
                    jobs.append((lambda p, a, w: lambda: s.http("POST", p, _inside_body(ctx, a),
                                                                 token=fx.token(w)))(
                        path, action, who))
                    labels.append((key, who, action, want))
        for (key, who, action, want), r in zip(labels, _parallel(jobs)):
            what = "%s on %s (%s) by %s" % (action, ctx.no[key], key, who)
            tried[(ROLE_OF[who], _relation(ctx, key, who), action)] = r.status
            if want[0] is None:
                problems.run(lambda r, w: check(400 <= r.status < 500, "%s: %r" % (w, r)), r,
                             what)
                problems.run(check_error, r, r.status, None, Ellipsis, what)
            else:
                problems.run(check_error, r, want[0], want[1], Ellipsis, what)
    problems.raise_if_any()
    # What the brief of each role promises was really tried.
    for who in ("bank_auditor", "bank_admin"):
        for action in ACTIONS:
            check(_expect(ctx, action, "recv", who) != ALLOWED, "%s may %s?" % (who, action))
    check(len(jobs) > 500, "only %d refusals tried" % len(jobs))


def test_roles_notes_and_files(ctx):
    """Auditors and admins may not note or attach; refused before the file is read."""
    s, fx = ctx.s, ctx.fx
    problems = _Problems()
    with _Unchanged(ctx, "refused notes and files"):
        for key in BANK_COMPLAINTS:
            for who in ("bank_auditor", "bank_admin") + (("med_admin",) if key == "med" else ()):
                no = ctx.no[key]
                r = s.http("POST", "/v1/complaints/%s/notes" % no, {"text": "备注"},
                           token=fx.token(who))
                problems.run(check_error, r, 403, "role_not_allowed", Ellipsis,
                             "note on %s by %s" % (key, who))
                r = s.http("POST", "/v1/complaints/%s/attachments?name=x.txt" % no,
                           b"refused file\n" * 100, token=fx.token(who), content_type="text/plain")
                problems.run(check_error, r, 403, "role_not_allowed", Ellipsis,
                             "attachment on %s by %s" % (key, who))
    problems.raise_if_any()


def test_roles_unmasking(ctx):
    """Only agents and supervisors of the lead party (and the mediator it referred to) unmask."""
    s, fx = ctx.s, ctx.fx
    problems = _Problems()
    with _Unchanged(ctx, "refused unmasked reads"):
        for key in BANK_COMPLAINTS:
            for who in INSIDERS:
                rel = _relation(ctx, key, who)
                if rel is None or (rel == "mediator" and ROLE_OF[who] == "mediator"):
                    continue
                r = s.http("GET", "/v1/complaints/%s/complainant?purpose=%s" % (
                    ctx.no[key], PURPOSE), token=fx.token(who))
                role = ROLE_OF[who]
                code = "pii_not_allowed" if role not in ("agent", "supervisor", "mediator") \
                    else "not_lead_party"
                what = "unmask %s (%s) as %s" % (ctx.no[key], key, who)
                problems.run(check_error, r, 403, code, Ellipsis, what)
                p = ctx.person[key]
                problems.run(check, not any(v in r.raw.decode("utf-8") for v in
                                            (p["name"], p["phone"], p["id_number"])),
                             "%s: clear personal data in %r" % (what, r.raw))
        # Every document any of them reads is masked.
        for key in BANK_COMPLAINTS:
            for who in INSIDERS + ["bank_agent"]:
                if _relation(ctx, key, who) is None:
                    continue
                for path in ("/v1/complaints/%s", "/v1/complaints/%s/timeline"):
                    r = s.http("GET", path % ctx.no[key], token=fx.token(who))
                    p = ctx.person[key]
                    problems.run(check, r.status == 200 and not any(
                        v in r.raw.decode("utf-8") for v in (p["name"], p["phone"],
                                                               p["id_number"])),
                                 "%s as %s: %r" % (path % ctx.no[key], who, r.raw[:200]))
                    problems.run(check, b'"sealed"' not in r.raw,
                                 "%s as %s shows the sealed box" % (path % ctx.no[key], who))
    problems.raise_if_any()


def test_roles_own_party_webhooks(ctx):
    """Inside the bank only admins manage webhooks; auditors read; the others are refused."""
    s, fx = ctx.s, ctx.fx
    problems = _Problems()
    with _Unchanged(ctx, "webhook requests inside the bank"):
        for who in ("bank_agent", "bank_agent2", "bank_sup", "bank_comp", "bank_auditor"):
            tok = fx.token(who)
            for method, tail in (("GET", ""), ("GET", "/deliveries")):
                r = s.http(method, "/v1/webhooks/%d%s" % (ctx.hook, tail), token=tok)
                what = "%s /v1/webhooks/%d%s as %s" % (method, ctx.hook, tail, who)
                if who == "bank_auditor":
                    problems.run(check_ok, r, 200, what)
                else:
                    problems.run(lambda r, w: check(r.status in (403, 404), "%s: %r" % (w, r)),
                                 r, what)
                    problems.run(_no_leak, ctx, r, what)
            for method, tail in (("DELETE", ""), ("POST", "/enable")):
                r = s.http(method, "/v1/webhooks/%d%s" % (ctx.hook, tail), token=tok)
                problems.run(check_error, r, 403, "role_not_allowed", Ellipsis,
                             "%s /v1/webhooks/%d%s as %s" % (method, ctx.hook, tail, who))
            r = s.http("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/x"}, token=tok)
            problems.run(check_error, r, 403, "role_not_allowed", Ellipsis,
                         "register a webhook as " + who)
    problems.raise_if_any()


def test_merge_into_a_complaint_not_visible(ctx):
    """Merging into another party's complaint is refused as if it did not exist."""
    s, fx = ctx.s, ctx.fx
    with _Unchanged(ctx, "merges into complaints of others"):
        path = "/v1/complaints/%s/actions/merge" % ctx.no["recv"]
        g = s.http("POST", path, {"into": GHOST, "reason": "合并"}, token=fx.token("bank_agent"))
        check_error(g, 422, "unknown_reference", "into", "merge into a ghost")
        for key in ("b2", "r1"):
            r = s.http("POST", path, {"into": ctx.no[key], "reason": "合并"},
                       token=fx.token("bank_agent"))
            _same_as_ghost(r, g, ctx.no[key], GHOST, "merge into %s" % key)
            _no_leak(ctx, r, "merge into %s" % key, None, (ctx.no[key],))


def test_answer_task_with_a_file_not_visible(ctx):
    """A task's answer cannot cite a file of a complaint the answering party does not see."""
    s, fx = ctx.s, ctx.fx
    with _Unchanged(ctx, "answers citing files of others"):
        for sha in (ctx.sha["b2"], ctx.sha["n_recv"], GHOST_SHA):
            r = s.http("POST", "/v1/complaints/%s/actions/answer_task" % ctx.no["inv"],
                       {"task": 1, "answer": "答复", "attachments": [sha]},
                       token=fx.token("lender_agent"))
            check_error(r, 422, "unknown_reference", "attachments",
                        "answer citing %s" % sha[:12])


def test_database_unchanged_by_every_refusal(ctx):
    fp = ctx.s.fingerprint()
    if fp != ctx.fp0:
        raise TestFailure("the refused requests changed the database: %s" %
                          fingerprint_diff(ctx.fp0, fp))
    eq(_files(ctx), ctx.files0, "files in the attachment store")
    for key in COMPLAINTS:
        eq(timeless(ctx.fx.get(ctx.no[key], _reader(key))), ctx.docs0[key], "document of " + key)
    h = check_ok(ctx.s.http("GET", "/v1/health"), 200, "health")
    eq(h["writer"]["failed_commits"], 0, "failed commits")


def test_routes_covered(ctx):
    """Every route of the table that reads or acts on a complaint or a per-party resource
    is tried by this module."""
    covered = {
        ("GET", "/v1/complaints"), ("GET", "/v1/complaints/:no"),
        ("GET", "/v1/complaints/:no/timeline"), ("GET", "/v1/complaints/:no/actions"),
        ("POST", "/v1/complaints/:no/actions/:action"),
        ("POST", "/v1/complaints/:no/notes"), ("GET", "/v1/complaints/:no/attachments"),
        ("POST", "/v1/complaints/:no/attachments"), ("GET", "/v1/attachments/:sha256"),
        ("GET", "/v1/clocks"), ("GET", "/v1/clocks/compliance"),
        ("GET", "/v1/complaints/:no/complainant"), ("GET", "/v1/complaints/:no/events/:seq/texts"),
        ("GET", "/v1/tasks"),
        ("POST", "/v1/users/:id/duty"), ("GET", "/v1/users"), ("GET", "/v1/users/:id"),
        ("POST", "/v1/users/:id/deactivate"), ("POST", "/v1/users/:id/activate"),
        ("DELETE", "/v1/users/:id/tokens"), ("GET", "/v1/webhooks"), ("POST", "/v1/webhooks"), ("GET", "/v1/webhooks/:id"),
        ("DELETE", "/v1/webhooks/:id"), ("POST", "/v1/webhooks/:id/enable"),
        ("GET", "/v1/webhooks/:id/deliveries"), ("GET", "/v1/settlements"),
        ("GET", "/v1/complainants/complaints"), ("GET", "/v1/stream"),
        ("GET", "/v1/complaints/:no/receipt"), ("GET", "/v1/complaints/:no/events/:seq/proof"),
        ("GET", "/v1/pii_reads"), ("GET", "/v1/stats/complaints"),
    }
    # Shared or public records, one's own session, creation of records, test endpoints.
    not_party_scoped = {
        ("GET", "/v1/"), ("GET", "/v1/health"), ("GET", "/v1/version"), ("POST", "/v1/tokens"),
        ("DELETE", "/v1/tokens/current"), ("GET", "/v1/me"), ("GET", "/v1/taxonomy"),
        # the catalogue of actions is the lifecycle table, the same for everyone (test_actions.py)
        ("GET", "/v1/actions"),
        # the dispatch rules are the server's configuration, the same for everyone (test_reads.py)
        ("GET", "/v1/routing"),
        # a browser session is one's own token in a cookie (test_session.py)
        # saved views are each user's own, tried across users and parties (test_views.py)
        ("GET", "/v1/me/views"), ("POST", "/v1/me/views"), ("PUT", "/v1/me/views/:id"),
        ("DELETE", "/v1/me/views/:id"),
        ("POST", "/v1/sessions"), ("GET", "/v1/sessions/current"),
        ("DELETE", "/v1/sessions/current"),
        ("GET", "/v1/parties"), ("POST", "/v1/parties"), ("GET", "/v1/parties/:id"),
        ("POST", "/v1/users"), ("GET", "/v1/products"), ("POST", "/v1/products"),
        ("GET", "/v1/products/:id"), ("GET", "/v1/cooperations"), ("POST", "/v1/cooperations"),
        ("GET", "/v1/cooperations/:id"), ("POST", "/v1/complaints"), ("POST", "/v1/test/clock"),
        ("POST", "/v1/test/sweep"),
        # The ledger's heads, proofs and witnesses are shared by every party: hashes,
        # signatures and public keys, no complaint content (test_ledger.py).
        ("GET", "/v1/ledger/key"), ("GET", "/v1/ledger/head"), ("GET", "/v1/ledger/heads"),
        ("POST", "/v1/ledger/heads"), ("GET", "/v1/ledger/heads/:size"),
        ("POST", "/v1/ledger/heads/:size/cosignatures"), ("GET", "/v1/ledger/consistency"),
        ("GET", "/v1/ledger/inclusion"), ("GET", "/v1/ledger/witnesses"),
        ("POST", "/v1/ledger/witnesses"),
    }
    # The index (GET /v1/) lists the route table, test routes included under --test-clock.
    index = check_ok(ctx.s.http("GET", "/v1/"), 200, "the index")["endpoints"]
    table = [(e["method"], re.sub(r"\{([^}]*)\}", r":\1", e["path"])) for e in index
             if e["path"].startswith("/v1/")]
    check(len(table) > 30, "the route table was not found in the index")
    missing = sorted(set(table) - covered - not_party_scoped)
    check(not missing, "routes this module does not try: %r" % missing)
    # Every action name the API knows is tried: any other name is unknown_action.
    r = ctx.s.http("POST", "/v1/complaints/%s/actions/%s" % (ctx.no["recv"], "no_such_action"),
                   {}, token=ctx.fx.token("bank_agent"))
    check_error(r, 404, "unknown_action", None, "an unknown action")


def collect(ctx):
    tests = [("routes_covered", lambda: test_routes_covered(ctx))]
    for name, fn in _endpoints(ctx):
        tests.append(("outsider:" + name, (lambda n, f: lambda: _outsider_endpoint(ctx, n, f))(
            name, fn)))
    for fn in (test_outsider_attachment_blobs, test_outsider_webhooks, test_outsider_settlements,
               test_outsider_complainant_search, test_outsider_tasks, test_outsider_clocks,
               test_outsider_complaint_lists, test_outsider_users, test_outsider_stream_replay,
               test_roles_inside_involved_parties, test_roles_notes_and_files,
               test_roles_unmasking, test_roles_own_party_webhooks,
               test_merge_into_a_complaint_not_visible, test_answer_task_with_a_file_not_visible,
               test_database_unchanged_by_every_refusal,
               test_outsider_workbench_reads,  # reveals: after the refusals' fingerprint
               test_involved_parties_may_note_attach_and_answer, test_mediator_unmasks,
               test_acknowledged_transfer_moves_the_lead, test_live_streams_of_other_parties,
               test_repeat_complainant_reveals_no_other_party,
               test_task_answer_cites_only_files_of_the_complaint,
               test_party_only_notes_and_files, test_party_only_files_cited_or_linked_again):
        tests.append((fn.__name__[5:], (lambda f: lambda: f(ctx))(fn)))
    return tests


# ---- the allowed exceptions (these write) ------------------------------------------------------


def test_involved_parties_may_note_attach_and_answer(ctx):
    s, fx = ctx.s, ctx.fx
    no = ctx.no["inv"]
    for who in ("lender_agent", "lender_sup", "plat_agent", "bank_comp"):
        fx.act(no, "note", {"text": "备注 by " + who}, who=who)
        check_ok(s.http("POST", "/v1/complaints/%s/notes" % no, {"text": "备注2 " + who},
                        token=fx.token(who)), 200, "notes by " + who)
    fx.act(ctx.no["med"], "note", {"text": "调解备注"}, who="med_user")
    data = b"lender's statement of the loan\n" * 20
    d = _upload(ctx, no, "流水.txt", data, "lender_agent", "involved")
    sha = hashlib.sha256(data).hexdigest()
    check(sha in [a["sha256"] for a in d["attachments"]], "the lender's file is listed")
    # The platform (not the task's party) may not answer; the lender may, citing its file.
    r = s.http("POST", "/v1/complaints/%s/actions/answer_task" % no,
               {"task": 1, "answer": "答复"}, token=fx.token("plat_agent"))
    check_error(r, 403, "not_task_party", Ellipsis, "answer by the platform")
    d = fx.act(no, "answer_task", {"task": 1, "answer": "流水见附件", "attachments": [sha]},
               who="lender_agent")
    t = [t for t in d["tasks"] if t["n"] == 1][0]
    eq((t["state"], t.get("attachments")), ("answered", [sha]), "the answered task")
    # The file is readable by every involved party, still by no other.
    for who in ("bank_agent", "plat_agent", "lender_sup"):
        r = s.http("GET", "/v1/attachments/" + sha, token=fx.token(who))
        eq(r.status, 200, "download of the lender's file by " + who)
    for who in _outsiders(ctx, "inv"):
        r = s.http("GET", "/v1/attachments/" + sha, token=fx.token(who))
        check_error(r, 404, "not_found", None, "download of the lender's file by " + who)
    # The lender's inbox has it answered; bank2's still nothing.
    inbox = check_ok(s.http("GET", "/v1/tasks?direction=in", token=fx.token("lender_agent")),
                     200, "the lender's inbox")
    eq([(i["no"], i["state"]) for i in inbox["items"]], [(no, "answered")], "the lender's inbox")


def test_mediator_unmasks(ctx):
    s, fx = ctx.s, ctx.fx
    no = ctx.no["med"]
    r = s.http("GET", "/v1/complaints/%s/complainant?purpose=%s" % (no, PURPOSE),
               token=fx.token("med_user"))
    d = check_ok(r, 200, "the mediator unmasks")
    p = ctx.person["med"]
    eq((d["no"], d["complainant"]["name"], d["complainant"]["phone"],
        d["complainant"]["id_number"]), (no, p["name"], p["phone"], p["id_number"]),
       "the mediator's unmasked read")
    ev = [e for e in fx.timeline(no)["events"] if e["id"] == d["read_event"]]
    eq([(e["type"], e["actor"]["party"]) for e in ev], [("pii_read", fx.parties["mediator"])],
       "the read is recorded")
    # The mediator of med is still an outsider of the other complaints.
    for key in ("recv", "closed"):
        r = s.http("GET", "/v1/complaints/%s/complainant?purpose=%s" % (ctx.no[key], PURPOSE),
                   token=fx.token("med_user"))
        check_error(r, 404, "not_found", None, "the mediator unmasks " + key)


def test_acknowledged_transfer_moves_the_lead(ctx):
    s, fx = ctx.s, ctx.fx
    no = ctx.no["inv"]
    r = s.http("POST", "/v1/complaints/%s/actions/acknowledge_transfer" % no, {},
               token=fx.token("lender_agent"))
    check_error(r, 403, "not_transfer_party", Ellipsis, "acknowledge by the lender")
    d = fx.act(no, "acknowledge_transfer", {}, who="plat_agent")
    eq(d["lead_party"], fx.parties["platform"], "lead after the acknowledgement")
    # Now the bank is an involved party that does not lead.
    r = s.http("POST", "/v1/complaints/%s/actions/classify" % no, {"cause": "c12"},
               token=fx.token("bank_agent"))
    check_error(r, 403, "not_lead_party", Ellipsis, "classify by the bank after the transfer")
    r = s.http("GET", "/v1/complaints/%s/complainant?purpose=%s" % (no, PURPOSE),
               token=fx.token("bank_agent"))
    check_error(r, 403, "not_lead_party", Ellipsis, "unmask by the bank after the transfer")
    check_ok(s.http("GET", "/v1/complaints/%s/complainant?purpose=%s" % (no, PURPOSE),
                    token=fx.token("plat_agent")), 200, "unmask by the platform")
    fx.act(no, "note", {"text": "银行补充说明"}, who="bank_agent")
    # Outsiders still see nothing.
    for who in _outsiders(ctx, "inv"):
        r = s.http("GET", "/v1/complaints/" + no, token=fx.token(who))
        check_error(r, 404, "not_found", None, "GET inv by %s after the transfer" % who)


def test_live_streams_of_other_parties(ctx):
    """While the bank works, the streams of bank2, the regulator and the mediator show only
    their own complaints; the bank's shows its own and nothing of bank2's."""
    s, fx = ctx.s, ctx.fx
    watchers = ["bank_agent", "bank2_agent", "reg_user", "med_user", "lender_agent"]
    streams = {u: _Sse(s.port, fx.token(u)) for u in watchers}
    try:
        for u, st in streams.items():
            check(wait_for(lambda: st.status is not None, timeout=30), "stream of %s opened" % u)
            eq(st.status, 200, "stream status for " + u)
            check(st.headers.get("content-type", "").startswith("text/event-stream"),
                  "stream content type %r" % st.headers)
        n = ctx.no
        fx.act(n["recv"], "note", {"text": "实时备注"})
        fx.act(n["n_recv"], "classify", {"grade": "important"})
        fx.act(n["closed"], "note", {"text": "办结后备注"}, who="bank_sup")
        fx.act(n["b2"], "note", {"text": "另一银行备注"}, who="bank2_agent")
        # Sentinels, last: one event each watcher must see.
        shared = "involved"  # the sentinels reach every party involved
        sentinels = {
            "bank2_agent": fx.act(n["r1"], "note", {"text": "被投诉方备注", "visibility": shared},
                                  who="bank2_agent"),
            "reg_user": None, "med_user": fx.act(n["med"], "note", {"text": "哨兵",
                                                                    "visibility": shared},
                                                  who="med_user"),
            "lender_agent": None, "bank_agent": fx.act(n["dec"], "note", {"text": "哨兵",
                                                                          "visibility": shared}),
        }
        sentinels["reg_user"] = sentinels["bank2_agent"]
        sentinels["lender_agent"] = sentinels["bank_agent"]
        for u, doc in sentinels.items():
            last = fx.timeline(doc["no"], "bank_agent" if doc["no"] in (
                n["med"], n["dec"]) else "reg_user")["events"][-1]["id"]
            st = streams[u]
            check(wait_for(lambda: any(e["id"] == last for e in st.snapshot()), timeout=60),
                  "the stream of %s did not get event %d; got %r" % (
                      u, last, [(e["id"], e["data"]["no"]) for e in st.snapshot()]))
        for u, st in streams.items():
            own = fx.users[u]["party"]
            hidden = {n[k] for k in COMPLAINTS if own not in ctx.parties[k]}
            if u == "lender_agent":
                hidden.discard(n["inv"])
            got = [e["data"]["no"] for e in st.snapshot()]
            check(not set(got) & hidden, "the stream of %s shows %r" % (
                u, sorted(set(got) & hidden)))
            check(got, "the stream of %s is empty" % u)
            for e in st.snapshot():
                eq((e["event"], e["id"]), (e["data"]["type"], e["data"]["id"]),
                   "id/event lines match the data for " + u)
        eq(sorted({e["data"]["no"] for e in streams["bank2_agent"].snapshot()}),
           sorted([n["b2"], n["r1"]]), "what bank2's stream shows")
        eq(sorted({e["data"]["no"] for e in streams["med_user"].snapshot()}), [n["med"]],
           "what the mediator's stream shows")
    finally:
        for st in streams.values():
            st.close()


def test_repeat_complainant_reveals_no_other_party(ctx):
    """bank2 registers a complaint from the bank's complainant: the new document and its
    timeline name no complaint bank2 cannot see, and since bank2 (the institution complained
    against) has not seen the person before, it is no repeat (docs/linkage.md: `repeats`
    counts what the institution complained against has seen)."""
    s, fx = ctx.s, ctx.fx
    hidden = {ctx.no[k] for k in COMPLAINTS if fx.parties["bank2"] not in ctx.parties[k]}
    d = fx.create("bank2_agent", product=None, complainant=dict(ctx.person["inv"]),
                  description="同一消费者向另一家银行投诉，借款利率与宣传不符。")
    body = json.dumps(d, ensure_ascii=False)
    shown = sorted(no for no in hidden if no in body)
    tl = json.dumps(fx.timeline(d["no"], "bank2_agent"), ensure_ascii=False)
    shown_tl = sorted(no for no in hidden if no in tl)
    check(not shown and not shown_tl,
          "bank2's new complaint %s names complaints bank2 cannot see: document %r, timeline %r"
          % (d["no"], shown, shown_tl))
    check("repeat_of" not in d, "a repeat_of member: %r" % d.get("repeat_of"))
    eq((d.get("repeats"), "signal:repeat" in d["grade_reasons"]), (None, False),
       "bank2's complaint from a person only the bank has seen")
    # The bank's own repeat complaint counts the earlier one, without naming it.
    mine = fx.create(complainant=dict(ctx.person["inv"]))
    check("repeat_of" not in mine, "a repeat_of member: %r" % mine.get("repeat_of"))
    check(isinstance(mine.get("repeats"), int) and mine["repeats"] >= 1 and
          "signal:repeat" in mine["grade_reasons"],
          "the bank's repeat complaint: repeats %r, grade_reasons %r" % (
              mine.get("repeats"), mine["grade_reasons"]))


def test_task_answer_cites_only_files_of_the_complaint(ctx):
    """A task's answer cites "attachments already uploaded to the complaint" (docs/linkage.md):
    a file the lender attached to a complaint of its own that the bank cannot see is refused,
    so that its hash never reaches the bank."""
    s, fx = ctx.s, ctx.fx
    own = fx.create("lender_agent", product=None,
                    description="乙消费金融自己的投诉：借款利率与宣传不符。")
    data = b"a file of the lender's own complaint\n" * 10
    _upload(ctx, own["no"], "lender-own.txt", data, "lender_agent")
    sha = hashlib.sha256(data).hexdigest()
    no = ctx.no["recv"]
    fx.act(no, "request_task", {"to_party": fx.parties["lender"], "kind": "information",
                                "request": "请提供资料"})
    task = fx.get(no)["tasks"][-1]["n"]
    r = s.http("POST", "/v1/complaints/%s/actions/answer_task" % no,
               {"task": task, "answer": "见附件", "attachments": [sha]},
               token=fx.token("lender_agent"))
    if r.status == 200:
        r2 = s.http("GET", "/v1/attachments/" + sha, token=fx.token("bank_agent"))
        raise TestFailure("the lender's answer on %s cites the file %s of its complaint %s that "
                          "the bank cannot see (200; the bank's download answers %d); want 422 "
                          "unknown_reference" % (no, sha[:16], own["no"], r2.status))
    check_error(r, 422, "unknown_reference", "attachments", "answer citing a foreign file")


# ---- party-only notes and files (these write) ----------------------------------------------

# The writer of each party's notes and files on a complaint of the product.
VIS_WRITERS = {"bank": "bank_agent", "lender": "lender_agent", "platform": "plat_agent"}


def _users_of(ctx, party_key):
    pid = ctx.fx.parties[party_key]
    return sorted(u for u in ctx.fx.users if ctx.fx.users[u]["party"] == pid)


def _vis_write(ctx, no, party, who, tag, private, shared, doc_counts):
    """Writes through every path a note or a file takes: a party-only note by /notes and one
    by actions/note without a visibility (the configured default, party), a note for every
    party, a party-only file, a file without a visibility, and a file for every party."""
    s, fx = ctx.s, ctx.fx
    texts = {"party": "仅本方备注PRIVNOTE%s1" % tag, "default": "仅本方备注PRIVNOTE%s2" % tag,
             "shared": "共享备注SHAREDNOTE%s" % tag}
    check_ok(s.http("POST", "/v1/complaints/%s/notes" % no,
                    {"text": texts["party"], "visibility": "party"}, token=fx.token(who)), 200,
             "party-only note by " + who)
    fx.act(no, "note", {"text": texts["default"]}, who=who)
    fx.act(no, "note", {"text": texts["shared"], "visibility": "involved"}, who=who)
    private[party] += [texts["party"], texts["default"]]
    shared.append(texts["shared"])
    for vis, label in (("party", "PRIVFILE"), (None, "PRIVDEF"), ("involved", "SHAREDFILE")):
        name = "%s%s.txt" % (label, tag)
        data = ("file %s of %s on %s\n" % (name, party, no)).encode() * 7
        d = _upload(ctx, no, name, data, who, vis)
        sha = hashlib.sha256(data).hexdigest()
        check(sha in [a["sha256"] for a in d["attachments"]],
              "%s: the writer's own view lists %s" % (who, name))
        if vis == "involved":
            shared += [name, sha]
        else:
            private[party] += [name, sha]
    doc_counts[party] = 2


def _markers_in(raw, markers):
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        text += json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        pass
    return [m for m in markers if m in text]


def test_party_only_notes_and_files(ctx):
    """Notes and files written with visibility "party" (or without one: the default) reach
    every user and role of the writer's party and no other party on any path - document,
    list, timeline, attachment list, download, event proof, live stream and its replay,
    webhook deliveries, export; those written "involved" reach every party involved."""
    s, fx = ctx.s, ctx.fx
    op = fx.token("op_admin")
    for key, party in (("vis_lender_admin", "lender"), ("vis_plat_admin", "platform")):
        body = {"username": key, "display_name": key, "role": "admin",
                "party": fx.parties[party], "password": harness.password_of(key)}
        fx.users[key] = check_ok(s.http("POST", "/v1/users", body, token=op), 201, "user " + key)
        fx.tokens[key] = fx.login(key, harness.password_of(key))
    hooks = {"bank": ctx.hook}
    for party, admin in (("lender", "vis_lender_admin"), ("platform", "vis_plat_admin")):
        r = s.http("POST", "/v1/webhooks", {"url": "http://127.0.0.1:%d/%s" % (
            ctx.receiver.port, party)}, token=fx.token(admin))
        hooks[party] = check_ok(r, 201, "the webhook of " + party)["id"]
    watchers = {"bank": "bank_auditor", "lender": "lender_sup", "platform": "plat_agent",
                "mediator": "med_user", "bank2": "bank2_agent"}
    streams = {p: _Sse(s.port, fx.token(u)) for p, u in watchers.items()}
    try:
        for p, st in streams.items():
            check(wait_for(lambda: st.status is not None, timeout=30), "stream of " + p)
            eq(st.status, 200, "stream status of " + p)
        no = fx.create(description="可见性VISIBILITY 借款利率与宣传不符。")["no"]
        first_id = fx.timeline(no)["events"][0]["id"]
        private = {p: [] for p in ("bank", "lender", "platform", "mediator")}
        shared, counts = [], {}
        for party, who in VIS_WRITERS.items():
            _vis_write(ctx, no, party, who, party.upper(), private, shared, counts)
        med = ctx.no["med"]
        fx.act(med, "note", {"text": "调解方备注PRIVNOTEMED", "visibility": "party"},
               who="med_user")
        private["mediator"].append("调解方备注PRIVNOTEMED")
        # The party-only events as their writers' parties see them.
        own_events = {}
        for party, who in list(VIS_WRITERS.items()) + [("mediator", "med_user")]:
            c = med if party == "mediator" else no
            evs = [e for e in fx.timeline(c, who)["events"] if e.get("visibility") == "party"]
            check(all(e["actor"]["party"] == fx.parties[party] for e in evs),
                  "%s's timeline shows party-only events of others: %r" % (party, evs))
            own_events[party] = {(c, e["seq"], e["id"]) for e in evs}
        eq({p: len(v) for p, v in own_events.items() if p != "mediator"},
           {"bank": 4, "lender": 4, "platform": 4}, "party-only events")
        check(own_events["mediator"], "the mediator's party-only note")
        sentinel = fx.act(no, "note", {"text": "哨兵SENTINEL", "visibility": "involved"})
        last = fx.timeline(no)["events"][-1]["id"]
        for p in ("bank", "lender", "platform"):
            st = streams[p]
            check(wait_for(lambda: any(e["id"] == last for e in st.snapshot()), timeout=60),
                  "the stream of %s did not get event %d" % (p, last))
        med_last = max(i for _, _, i in own_events["mediator"])
        check(wait_for(lambda: any(e["id"] == med_last for e in streams["mediator"].snapshot()),
                       timeout=60), "the mediator's stream did not get its own note")
    finally:
        for st in streams.values():
            st.close()
    eq(sentinel["notes"], 3 + 1 + counts["bank"], "the bank's note count")
    problems = _Problems()
    involved = {no: ("bank", "lender", "platform"), med: ("bank", "lender", "platform",
                                                          "mediator")}
    for c, parties in involved.items():
        for viewer in parties:
            own = private[viewer]
            others = [m for p in parties if p != viewer for m in private[p]]
            other_ids = {i for p in parties if p != viewer for (cc, _, i) in own_events[p]
                         if cc == c}
            for u in _users_of(ctx, viewer):
                tok = fx.token(u)
                for path in ("/v1/complaints/%s" % c, "/v1/complaints/%s/timeline" % c,
                             "/v1/complaints/%s/attachments" % c, "/v1/complaints?limit=200"):
                    r = s.http("GET", path, token=tok)
                    what = "GET %s as %s" % (path, u)
                    problems.run(eq, r.status, 200, what)
                    problems.run(eq, _markers_in(r.raw, others), [], what + ": others' markers")
                    if c == no and "timeline" in path:
                        problems.run(eq, _markers_in(r.raw, own + shared), own + shared,
                                     what + ": its own party-only and the shared ones")
                        evs = r.json["events"]
                        problems.run(eq, {e["id"] for e in evs} & other_ids, set(),
                                     what + ": others' party-only events")
                        problems.run(check, all(e["visibility"] in ("party", "involved")
                                                for e in evs), what + ": visibility shown")
                if c == no:
                    d = fx.get(no, u)
                    problems.run(eq, d["notes"], 4 + counts.get(viewer, 0),
                                 "notes of the document as %s" % u)
                    names = [a["name"] for a in d.get("attachments", [])]
                    problems.run(eq, sorted(n for n in names if "PRIV" in n),
                                 sorted(m for m in own if m.endswith(".txt")),
                                 "party-only files listed for %s" % u)
                for p in parties:
                    for m in private[p]:
                        if len(m) != 64:
                            continue
                        r = s.http("GET", "/v1/attachments/" + m, token=tok)
                        what = "download of %s's party-only file by %s" % (p, u)
                        if p == viewer:
                            problems.run(eq, r.status, 200, what)
                        else:
                            g = s.http("GET", "/v1/attachments/" + GHOST_SHA, token=tok)
                            problems.run(_same_as_ghost, r, g, m, GHOST_SHA, what)
                    for cc, seq, _ in own_events[p]:
                        if cc != c or u not in ("bank_agent", "lender_agent", "plat_agent",
                                                "med_user", "bank_auditor", "lender_sup"):
                            continue
                        r = s.http("GET", "/v1/complaints/%s/events/%d/proof" % (cc, seq),
                                   token=tok)
                        what = "proof of %s's party-only event %s/%d as %s" % (p, cc, seq, u)
                        if p == viewer:
                            problems.run(eq, r.status, 200, what)
                        else:
                            problems.run(check_error, r, 404, "not_found", None, what)
    # The streams: each party got its own party-only events and nothing of the others'.
    for p, st in streams.items():
        ids = {e["id"] for e in st.events}
        mine = {i for _, _, i in own_events.get(p, ()) if i >= first_id}  # written while open
        theirs = {i for q, v in own_events.items() if q != p for _, _, i in v}
        problems.run(eq, ids & theirs, set(), "the live stream of %s: others' party-only" % p)
        problems.run(eq, mine - ids, set(), "the live stream of %s: its own party-only" % p)
    # A replay from before the complaint's first event, for each party.
    for p in ("bank", "lender", "platform"):
        sse = _Sse(s.port, fx.token(watchers[p]), last_event_id=first_id - 1)
        try:
            wait_for(lambda: any(e["id"] >= last for e in sse.snapshot()) or sse.done,
                     timeout=60)
        finally:
            sse.close()
        ids = {e["id"] for e in sse.events}
        theirs = {i for q, v in own_events.items() if q != p for _, _, i in v}
        mine = {i for c, _, i in own_events[p] if c == no}
        problems.run(check, last in ids, "the replay of %s did not reach %d" % (p, last))
        problems.run(eq, ids & theirs, set(), "the replay of %s: others' party-only" % p)
        problems.run(eq, mine - ids, set(), "the replay of %s: its own party-only" % p)
    # The webhooks: every delivery made, each party's has its own and none of the others'.
    def delivered(hook, admin):
        r = s.http("GET", "/v1/webhooks/%d/deliveries?state=pending" % hook, token=fx.token(admin))
        return r.status == 200 and r.json["items"] == []
    admins = {"bank": "bank_admin", "lender": "vis_lender_admin", "platform": "vis_plat_admin"}
    for p, hook in hooks.items():
        check(wait_for(lambda: delivered(hook, admins[p]), timeout=120),
              "the webhook of %s did not deliver everything" % p)
    bodies = [json.loads(b) for b in list(ctx.receiver.bodies) if b]
    for p, hook in hooks.items():
        mine = [b for b in bodies if b.get("webhook") == hook]
        ids = {b["event"]["id"] for b in mine}
        theirs = {i for q, v in own_events.items() if q != p for _, _, i in v}
        problems.run(eq, ids & theirs, set(), "the deliveries of %s: others' party-only" % p)
        problems.run(eq, {i for c, _, i in own_events[p] if c == no} - ids, set(),
                     "the deliveries of %s: its own party-only" % p)
        others = [m for q in private if q != p for m in private[q]]
        problems.run(eq, _markers_in(json.dumps(mine, ensure_ascii=False), others), [],
                     "the delivery bodies of %s" % p)
        listed = check_ok(s.http("GET", "/v1/webhooks/%d/deliveries?limit=200" % hook,
                                 token=fx.token(admins[p])), 200, "deliveries of " + p)
        problems.run(eq, {i["event"] for i in listed["items"]} & theirs, set(),
                     "GET deliveries of %s: others' party-only" % p)
    # The export is for no party: nothing party-only, every shared file.
    everyone = [m for v in private.values() for m in v]
    for fmt in ("jsonl", "csv"):
        out = s.run_cli("export", "--format", fmt).stdout
        problems.run(eq, _markers_in(out, everyone), [], "export --format " + fmt)
    out = s.run_cli("export", "--format", "jsonl").stdout
    problems.run(eq, _markers_in(out, [m for m in shared if m.endswith(".txt")]),
                 [m for m in shared if m.endswith(".txt")], "the shared files in the export")
    problems.raise_if_any()


def test_party_only_files_cited_or_linked_again(ctx):
    """A task's answer (seen by every party involved) cannot cite a party-only file; a
    party-only file becomes downloadable by another party once the same bytes are linked
    for every party involved."""
    s, fx = ctx.s, ctx.fx
    no = fx.create(description="可见性二VISIBILITY 借款利率与宣传不符。")["no"]
    data = b"the lender's internal ledger extract\n" * 9
    sha = hashlib.sha256(data).hexdigest()
    _upload(ctx, no, "internal.txt", data, "lender_agent", "party")
    fx.act(no, "request_task", {"to_party": fx.parties["lender"], "kind": "information",
                                "request": "请提供资料"})
    r = s.http("POST", "/v1/complaints/%s/actions/answer_task" % no,
               {"task": 1, "answer": "见附件", "attachments": [sha]},
               token=fx.token("lender_agent"))
    check_error(r, 422, "unknown_reference", "attachments", "answer citing a party-only file")
    for who in ("bank_agent", "plat_agent"):
        check_error(s.http("GET", "/v1/attachments/" + sha, token=fx.token(who)), 404,
                    "not_found", None, "the lender's party-only file as " + who)
    # The platform happens to hold the same bytes and links them for everyone.
    d = _upload(ctx, no, "same-bytes.txt", data, "plat_agent", "involved")
    eq([a.get("visibility") for a in d["attachments"] if a["sha256"] == sha], ["involved"],
       "the platform's view of the file")
    for who in ("bank_agent", "lender_sup"):
        r = s.http("GET", "/v1/attachments/" + sha, token=fx.token(who))
        eq((r.status, r.raw), (200, data), "the file linked for everyone, as " + who)
    d = fx.act(no, "answer_task", {"task": 1, "answer": "见附件", "attachments": [sha]},
               who="lender_agent")
    eq(d["tasks"][0]["state"], "answered", "the answer citing the shared link")
    eq(sorted((a["name"], a.get("visibility")) for a in d["attachments"]),
       [("internal.txt", "party"), ("same-bytes.txt", "involved")], "the lender's view")
    eq([(a["name"], a.get("visibility")) for a in fx.get(no)["attachments"]],
       [("same-bytes.txt", "involved")], "the bank's view")
