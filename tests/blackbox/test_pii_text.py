"""
test_pii_text.py - personal data written into free text (docs/linkage.md,
"Isolation and personal data"): a description, claims, notes, reasons, task
requests and answers, decisions, notice proofs, summaries and callback notes
that hold a mobile number, an identity number, a bank card number or an
e-mail address are stored and shown masked, and read in clear only through
GET /v1/complaints/{no}/events/{seq}/texts?purpose=..., which records a
pii_read event naming the event and the fields it read.

  1. intake: the document, the list, the timeline, `ombud export` (CSV and
     JSON lines) show 手机137****7000，身份证110***********002X; the grade
     and the routing still read the words of the text; a CFPB narrative
     imported with `ombud import` is masked too, and so is one too long for
     the description, kept as the attachment narrative.txt: the stored and
     downloaded file is masked, its original sealed into the attach event
     and read only through its texts (no clear number in the attachments
     folder or the database), and the description's cut splits no number;
  2. every free-text field of every action on the way to a closed complaint
     (and a transfer with its decline) is masked in the timeline and in the
     document's records;
  3. webhook payloads (a receiver run here) and the event stream carry no
     clear number and no sealed box;
  4. the database, its -wal and -shm files hold no clear number while the
     server runs and after it stopped, and no table holds one when read
     through SQLite;
  5. the read in clear: the lead's agent and supervisor read the originals,
     each read is a pii_read event; compliance, auditors and admins get 403
     pii_not_allowed, other involved parties 403 not_lead_party, uninvolved
     ones 404; an event without masked data is 404 no_personal_data; a
     purpose with personal data in it is masked like any other text; the
     originals are read back after a restart.
"""

import csv
import hashlib
import json
import os
import urllib.parse

from harness import DATA, Fixture, check, check_error, check_ok, db_connect, eq, wait_for
from test_webhooks import Receiver, Sse

TEXT = "手机13700137000，身份证11010519491231002X"
MASKED = "手机137****7000，身份证110***********002X"
CLAIMS = "退款请转到卡号6222021234567894，回复发邮件到z.san@example.com"
CLAIMS_MASKED = "退款请转到卡号6222 **** **** 7894，回复发邮件到z***@example.com"
SECRETS = [b"13700137000", b"11010519491231002X", b"19491231", b"6222021234567894",
           b"z.san@example.com", b"z.san"]
PURPOSE = urllib.parse.quote("回访")
LONG = 120


def setup(ctx):
    ctx.s = ctx.server(name="pii_text", settings={"webhook_timeout_ms": "500",
                                                   "webhook_backoff_ms": "50",
                                                   "webhook_backoff_max_ms": "400"})
    r = ctx.s.http("POST", "/v1/test/clock", {"now": "2026-12-01T09:00:00+08:00"})
    check_ok(r, 200, "set the clock")
    ctx.fx = Fixture(ctx.s).build()
    ctx.rcv = Receiver()
    r = ctx.s.http("POST", "/v1/webhooks", {"url": ctx.rcv.url("/bank")},
                   token=ctx.fx.token("bank_admin"))
    check_ok(r, 201, "register the bank's webhook")
    ctx.sse = Sse(ctx.s.port, ctx.fx.token("bank_agent"))
    wait_for(lambda: ctx.sse.status is not None, LONG)
    eq(ctx.sse.status, 200, "stream opened")
    ctx.events = {}  # no -> {type: [seq...]}


def teardown(ctx):
    ctx.sse.close()
    ctx.rcv.stop()


def _no_secret(raw, what):
    for sec in SECRETS:
        check(sec not in raw, "%s holds %r in clear" % (what, sec))
    check(b"sealed" not in raw, "%s holds a sealed box" % what)


def _timeline(ctx, no, who="bank_agent"):
    r = ctx.s.http("GET", "/v1/complaints/%s/timeline" % no, token=ctx.fx.token(who))
    return check_ok(r, 200, "timeline"), r.raw


def _masked_field(name):
    return "%s：%s" % (name, MASKED)


def _with_text(body, name):
    body = dict(body)
    body[name] = "%s：%s" % (name, TEXT)
    return body


# ---- 1. intake -----------------------------------------------------------------------------


def test_intake_masked(ctx):
    fx, s = ctx.fx, ctx.s
    d = fx.create("bank_agent", description=TEXT, claims=CLAIMS)
    ctx.no = d["no"]
    eq((d["description"], d["claims"]), (MASKED, CLAIMS_MASKED), "created document")
    for who in ("bank_agent", "bank_sup", "bank_comp", "bank_auditor", "lender_agent",
                "plat_agent"):
        r = s.http("GET", "/v1/complaints/" + ctx.no, token=fx.token(who))
        got = check_ok(r, 200, "GET as %s" % who)
        eq((got["description"], got["claims"]), (MASKED, CLAIMS_MASKED), "document as %s" % who)
        _no_secret(r.raw, "document as %s" % who)
        r = s.http("GET", "/v1/complaints?limit=200", token=fx.token(who))
        check_ok(r, 200, "list as %s" % who)
        _no_secret(r.raw, "list as %s" % who)
        tl, raw = _timeline(ctx, ctx.no, who)
        _no_secret(raw, "timeline as %s" % who)
        received = tl["events"][0]["payload"]
        eq((received["description"], received["claims"]), (MASKED, CLAIMS_MASKED),
           "received payload as %s" % who)
    got = check_ok(s.http("GET", "/v1/complaints?limit=200", token=fx.token("bank_agent")), 200,
                   "list")
    mine = [c for c in got["items"] if c["no"] == ctx.no]
    eq(len(mine), 1, "the complaint is listed")
    if "description" in mine[0]:
        eq(mine[0]["description"], MASKED, "listed description")


def test_grade_and_routing_read_the_words(ctx):
    fx = ctx.fx
    d = fx.create("bank_agent", description="再不退钱我就跳楼，电话13700137000", grade=None)
    eq(d["description"], "再不退钱我就跳楼，电话137****7000", "masked")
    eq(d["grade"], "urgent", "graded by the words of the text")
    check("text:跳楼" in d["grade_reasons"], "reason %r" % d["grade_reasons"])
    # Collection misconduct named in the text goes to the acquirer (data/routing.tsv).
    d = fx.create("bank_agent", description="暴力催收，每天打我手机13700137000和我家人",
                  cause="c11")
    eq(d["description"], "暴力催收，每天打我手机137****7000和我家人", "masked")
    eq(d["lead_party"], fx.parties["lender"], "routed by the words of the text")


def test_export_masked(ctx):
    for fmt in ("csv", "jsonl"):
        out = ctx.s.run_cli("export", "--format", fmt).stdout
        check(MASKED.encode() in out, "%s export holds the masked text" % fmt)
        _no_secret(out, "%s export" % fmt)


def test_import_masked(ctx):
    """`ombud import --format cfpb`: a narrative with a phone, a card and an e-mail address."""
    with open(os.path.join(DATA, "cfpb_sample.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, row = rows[0], list(rows[1])
    row[header.index("Consumer complaint narrative")] = (
        "Call me at 13700137000 or write to z.san@example.com; they charged my card "
        "6222 0212 3456 7894 twice.")
    row[header.index("Complaint ID")] = "9900001"
    path = os.path.join(ctx.s.dir, "pii.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, row])
    ctx.s.run_cli("import", "--format", "cfpb", "--party", "bank_a", path, timeout=120)
    got = check_ok(ctx.s.http("GET", "/v1/complaints?limit=200", token=ctx.fx.token("bank_agent")),
                   200, "list")
    items = [c for c in got["items"] if c.get("external_ref") == "cfpb:9900001"]
    eq(len(items), 1, "the imported complaint is listed")
    d = ctx.fx.get(items[0]["no"])
    eq(d["description"], "Call me at 137****7000 or write to z***@example.com; they charged my "
       "card 6222 **** **** 7894 twice.", "the imported narrative")
    got = check_ok(_texts(ctx, d["no"], 1), 200, "the narrative in clear")
    eq(got["texts"]["description"], row[header.index("Consumer complaint narrative")],
       "the imported narrative in clear")


MARK = "…[truncated; full text in attachment narrative.txt]"
NARRATIVE_TAIL = "。请回电手机13700137000，身份证11010519491231002X，邮件z.san@example.com。"
NARRATIVE_TAIL_MASKED = "。请回电手机137****7000，身份证110***********002X，邮件z***@example.com。"


def _cfpb_file(ctx, name, narratives):
    """A CFPB CSV of the sample's first row with each narrative under its Complaint ID."""
    with open(os.path.join(DATA, "cfpb_sample.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, out = rows[0], [rows[0]]
    for cid, text in narratives:
        row = list(rows[1])
        row[header.index("Consumer complaint narrative")] = text
        row[header.index("Complaint ID")] = cid
        out.append(row)
    path = os.path.join(ctx.s.dir, name)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(out)
    return path


def _imported(ctx, cid):
    got = check_ok(ctx.s.http("GET", "/v1/complaints?limit=200", token=ctx.fx.token("bank_agent")),
                   200, "list")
    items = [c for c in got["items"] if c.get("external_ref") == "cfpb:" + cid]
    eq(len(items), 1, "the imported complaint cfpb:%s is listed" % cid)
    return ctx.fx.get(items[0]["no"])


def _scan_tree(top, what):
    seen = 0
    for root, _, files in os.walk(top):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                _no_secret_db(f.read(), "%s %s" % (what, os.path.join(root, name)))
            seen += 1
    return seen


def test_import_long_narrative_masked(ctx):
    """A CFPB narrative over the description's limit, with a phone, an ID number and an e-mail
    address past the limit: the attachment narrative.txt is stored and served masked, its original
    is sealed into the attach event and read in clear only through the recorded purpose read; a
    number that the description's cut would split is left out of the description whole."""
    fx, s = ctx.fx, ctx.s
    head = "The bank charged my account twice and did not refund it. " * 180  # 10,440 chars
    whole = head + NARRATIVE_TAIL
    masked = (head + NARRATIVE_TAIL_MASKED).encode("utf-8")
    keep = 10000 - len(MARK)
    split = "x" * (keep - 6) + " 13912345678 " + "y" * 200  # the cut falls inside the phone
    path = _cfpb_file(ctx, "long.csv", [("9900002", whole), ("9900003", split)])
    p = s.run_cli("import", "--format", "cfpb", "--party", "bank_a", path, timeout=120)
    check(b"narratives attached 2, not attached 0" in p.stdout, "summary: %r" % p.stdout)
    d = _imported(ctx, "9900002")
    no = d["no"]
    eq(d["description"], head[:keep] + MARK, "the truncated description")
    sha = hashlib.sha256(masked).hexdigest()
    eq(d["attachments"], [{"sha256": sha, "size": len(masked), "name": "narrative.txt",
                           "content_type": "text/plain; charset=utf-8", "at": d["attachments"][0]["at"],
                           "visibility": "involved", "masked": True, "event": 2}],
       "the narrative's attachment: the masked text, naming the event with its original")
    for who in ("bank_agent", "bank_comp", "bank_auditor"):
        r = s.http("GET", "/v1/attachments/" + sha, token=fx.token(who))
        eq((r.status, r.raw), (200, masked), "narrative.txt downloaded by %s" % who)
        r = s.http("GET", "/v1/complaints/%s/attachments" % no, token=fx.token(who))
        check_ok(r, 200, "attachment list as %s" % who)
        _no_secret(r.raw, "attachment list as %s" % who)
        r = s.http("GET", "/v1/complaints/" + no, token=fx.token(who))
        check_ok(r, 200, "document as %s" % who)
        _no_secret(r.raw, "document as %s" % who)
    tl, raw = _timeline(ctx, no)
    _no_secret(raw, "timeline of the import")
    eq([(e["type"], e["seq"]) for e in tl["events"]], [("imported", 1), ("attachment_added", 2)],
       "timeline of the import")
    eq(tl["events"][1]["payload"]["masked"], True, "the attach event says its text is masked")
    for fmt in ("csv", "jsonl"):
        _no_secret(s.run_cli("export", "--format", fmt).stdout, "%s export" % fmt)
    check(_scan_tree(s.att or os.path.join(s.dir, "attachments"), "attachments") > 0,
          "attachment files read")
    _scan_files(ctx, "after the import")
    _scan_tables(ctx)
    # The whole original, read through the recorded purpose read of the attach event.
    got = check_ok(_texts(ctx, no, 2), 200, "the narrative in clear")
    eq(got, {"no": no, "seq": 2, "type": "attachment_added", "texts": {"content": whole},
             "read_event": got["read_event"]}, "the whole original narrative")
    tl, raw = _timeline(ctx, no)
    ev = tl["events"][-1]
    eq((ev["type"], ev["id"], ev["payload"]), ("pii_read", got["read_event"],
                                               {"event": 2, "fields": ["content"],
                                                "purpose": "回访"}), "the read is recorded")
    _no_secret(raw, "timeline after the read")
    check_error(_texts(ctx, no, 2, "bank_comp"), 403, "pii_not_allowed", what="compliance reads")
    # No part of a number split by the description's cut.
    d = _imported(ctx, "9900003")
    eq(d["description"], "x" * (keep - 6) + " " + MARK, "the description cut before the phone")
    tl, raw = _timeline(ctx, d["no"])
    check(b"1391" not in raw, "the timeline of the split number: %r" % raw[-300:])
    # A second run attaches nothing twice.
    n = len(_timeline(ctx, no)[0]["events"])
    p = s.run_cli("import", "--format", "cfpb", "--party", "bank_a", path, timeout=120)
    check(b"imported 0, refused 2" in p.stdout and b"narratives attached" not in p.stdout,
          "second run: %r" % p.stdout)
    eq(len(_timeline(ctx, no)[0]["events"]), n, "events after the second run")
    eq(len(ctx.fx.get(no)["attachments"]), 1, "attachments after the second run")


# ---- 2. every free-text field of every action -------------------------------------------------


def _act(ctx, no, action, body, who="bank_agent", status=200):
    r = ctx.s.http("POST", "/v1/complaints/%s/actions/%s" % (no, action), body,
                   token=ctx.fx.token(who))
    _no_secret(r.raw, "%s answer" % action)
    return check_ok(r, status, "%s by %s" % (action, who))


def test_actions_masked(ctx):
    fx, s = ctx.fx, ctx.s
    no = ctx.no
    steps = [
        ("accept", {}, "note", "bank_agent"),
        ("note", {}, "text", "bank_agent"),
        ("note", {}, "text", "lender_agent"),
        ("investigate", {}, "note", "bank_agent"),
        ("request_task", {"to_party": fx.parties["lender"], "kind": "information"}, "request",
         "bank_agent"),
        ("answer_task", {"task": 1}, "answer", "lender_agent"),
        ("extend", {"days": 30}, "reason", "bank_agent"),
        ("pause", {"reason_code": "appraisal"}, "reason", "bank_agent"),
        ("resume", {"pause": 1}, "note", "bank_agent"),
        ("classify", {"cause": "c11"}, "reason", "bank_agent"),
        ("decide", {"responsibility": "institution", "remedy": "退还利息", "basis": "合同",
                    "routes": ["review"]}, "finding", "bank_agent"),
        ("notify", {"method": "sms", "notified_at": "2026-12-01T09:30:00+08:00"}, "proof",
         "bank_agent"),
        ("close", {}, "summary", "bank_agent"),
        ("callback", {"method": "phone", "satisfaction": "satisfied"}, "note", "bank_agent"),
    ]
    seqs = {}
    for action, body, field, who in steps:
        if action == "resume":
            body = dict(body, pause=seqs[("pause", "reason", "bank_agent")])
        if action == "notify":
            check_ok(s.http("POST", "/v1/test/clock", {"advance_ms": 3600 * 1000}), 200,
                     "advance the clock")
        _act(ctx, no, action, _with_text(body, field), who)
        tl, raw = _timeline(ctx, no)
        _no_secret(raw, "timeline after %s" % action)
        ev = tl["events"][-1]
        eq(ev["payload"][field], _masked_field(field), "%s.%s in the timeline" % (action, field))
        check("sealed_text" not in ev["payload"], "%s: the sealed text is not shown" % action)
        seqs[(action, field, who)] = ev["seq"]
    ctx.seqs = seqs
    doc = fx.get(no)
    for key, field in (("acceptance", "note"), ("investigation", "note"),
                       ("decision", "finding"), ("notice", "proof"), ("closure", "summary"),
                       ("callback", "note")):
        eq(doc[key][field], _masked_field(field), "document %s.%s" % (key, field))
        check("sealed_text" not in doc[key], "document %s has no sealed text" % key)
    eq(doc["tasks"][0]["request"], _masked_field("request"), "task request in the document")
    eq(doc["tasks"][0]["answer"], _masked_field("answer"), "task answer in the document")
    eq(doc["extensions"][0]["reason"], _masked_field("reason"), "extension in the document")
    # The same walk on the notes route.
    r = s.http("POST", "/v1/complaints/%s/notes" % no, {"text": TEXT}, token=fx.token("bank_sup"))
    check_ok(r, 200, "note on the notes route")
    tl, raw = _timeline(ctx, no)
    eq(tl["events"][-1]["payload"]["text"], MASKED, "note text")
    ctx.note_seq = tl["events"][-1]["seq"]


def test_transfer_masked(ctx):
    fx = ctx.fx
    d = fx.create("bank_agent", description="扣款异常")
    no = d["no"]
    _act(ctx, no, "transfer", _with_text({"to_party": fx.parties["platform"]}, "reason"))
    _act(ctx, no, "decline_transfer", _with_text({}, "reason"), who="plat_agent")
    doc = fx.get(no)
    eq(doc["transfers"][0]["reason"], _masked_field("reason"), "transfer reason")
    eq(doc["transfers"][0]["decline_reason"], _masked_field("reason"), "decline reason")
    _no_secret(fx.s.http("GET", "/v1/complaints/" + no, token=fx.token("plat_agent")).raw,
               "transferred document")


# ---- 3. webhooks and the stream ------------------------------------------------------------------


def test_webhooks_and_stream_masked(ctx):
    tl, _ = _timeline(ctx, ctx.no)
    last = tl["events"][-1]["seq"]

    def delivered():
        seqs = set()
        for req in ctx.rcv.snapshot():
            body = json.loads(req["raw"])
            if body["event"]["no"] == ctx.no:
                seqs.add(body["event"]["seq"])
        return last in seqs

    check(wait_for(delivered, LONG), "the webhook received the complaint's last event")
    bodies = [req["raw"] for req in ctx.rcv.snapshot()]
    check(any(MASKED.encode() in b for b in bodies), "webhook payloads hold the masked text")
    for raw in bodies:
        _no_secret(raw, "webhook payload")
    check(wait_for(lambda: any(e["data"]["no"] == ctx.no and e["data"]["seq"] == last
                               for e in ctx.sse.snapshot()), LONG),
          "the stream carried the complaint's last event")
    for e in ctx.sse.snapshot():
        _no_secret(e["raw"].encode(), "stream event")


# ---- 4. the database ----------------------------------------------------------------------------


def _scan_files(ctx, when):
    seen = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = ctx.s.db + suffix
        if os.path.exists(path):
            with open(path, "rb") as f:
                _no_secret_db(f.read(), "%s %s" % (when, path))
            seen.append(suffix or "db")
    check("db" in seen, "%s: database file read" % when)


def _no_secret_db(data, what):
    for sec in SECRETS:
        check(sec not in data, "%s holds %r in clear" % (what, sec))


def _scan_tables(ctx):
    con = db_connect(ctx.s.db)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        rows = 0
        for t in tables:
            for row in con.execute('SELECT * FROM "%s"' % t):
                rows += 1
                for v in row:
                    if isinstance(v, str):
                        v = v.encode("utf-8")
                    if isinstance(v, bytes):
                        _no_secret_db(v, "table %s" % t)
        check(rows > 0, "tables read")
    finally:
        con.close()


def test_database_holds_no_clear_number(ctx):
    _scan_files(ctx, "while running")
    _scan_tables(ctx)
    ctx.sse.close()
    ctx.s.stop()
    _scan_files(ctx, "after stop")
    _scan_tables(ctx)
    ctx.s.start()
    ctx.sse = Sse(ctx.s.port, ctx.fx.token("bank_agent"))


# ---- 5. the read in clear -----------------------------------------------------------------------


def _texts(ctx, no, seq, who="bank_agent", purpose=PURPOSE):
    q = "?purpose=" + purpose if purpose is not None else ""
    return ctx.s.http("GET", "/v1/complaints/%s/events/%d/texts%s" % (no, seq, q),
                      token=ctx.fx.token(who))


def test_read_in_clear(ctx):
    fx, no = ctx.fx, ctx.no
    tl, _ = _timeline(ctx, no)
    before = len(tl["events"])
    got = check_ok(_texts(ctx, no, 1), 200, "read the description in clear")
    eq(got, {"no": no, "seq": 1, "type": "received",
             "texts": {"description": TEXT, "claims": CLAIMS}, "read_event": got["read_event"]},
       "the originals of the creation")
    tl, raw = _timeline(ctx, no)
    eq(len(tl["events"]), before + 1, "one event recorded")
    ev = tl["events"][-1]
    eq((ev["type"], ev["id"], ev["actor"]["user"]), ("pii_read", got["read_event"],
                                                     fx.uid("bank_agent")), "pii_read event")
    eq(ev["payload"], {"event": 1, "fields": ["claims", "description"], "purpose": "回访"},
       "the read names the event and its fields")
    _no_secret(raw, "timeline after the read")
    # Each action's text, by the lead's agent and its supervisor.
    for (action, field, who), seq in ctx.seqs.items():
        got = check_ok(_texts(ctx, no, seq, "bank_sup"), 200, "read %s in clear" % action)
        eq((got["seq"], got["texts"]), (seq, {field: "%s：%s" % (field, TEXT)}),
           "the original of %s.%s" % (action, field))
    got = check_ok(_texts(ctx, no, ctx.note_seq, purpose=None), 200, "read without purpose")
    eq(got["texts"], {"text": TEXT}, "the note's original")
    check("purpose" not in _timeline(ctx, no)[0]["events"][-1]["payload"], "no purpose recorded")


def test_read_refused(ctx):
    fx, no = ctx.fx, ctx.no
    n = len(_timeline(ctx, no)[0]["events"])
    for who in ("bank_comp", "bank_auditor", "bank_admin"):
        check_error(_texts(ctx, no, 1, who), 403, "pii_not_allowed", what="read as %s" % who)
    for who in ("lender_agent", "lender_sup", "plat_agent"):
        check_error(_texts(ctx, no, 1, who), 403, "not_lead_party", what="read as %s" % who)
    check_error(_texts(ctx, no, 1, "bank2_agent"), 404, "not_found", what="read as bank2")
    check_error(_texts(ctx, no, 2), 404, "no_personal_data", what="the dispatch event")
    check_error(_texts(ctx, no, 9999), 404, "not_found", what="no such event")
    check_error(ctx.s.http("GET", "/v1/complaints/%s/events/abc/texts" % no,
                           token=fx.token("bank_agent")), 404, "not_found", what="seq abc")
    check_error(ctx.s.http("GET", "/v1/complaints/%s/events/1/texts?who=me" % no,
                           token=fx.token("bank_agent")), 400, "unknown_parameter",
                what="unknown parameter")
    check_error(ctx.s.http("GET", "/v1/complaints/%s/events/1/texts" % no), 401, "missing_token",
                what="no token")
    eq(len(_timeline(ctx, no)[0]["events"]), n, "refused reads are not recorded")


def test_party_only_note_not_read_by_others(ctx):
    """Another party's party-only note does not exist for the reader, in clear or masked: the
    lead party's agent gets 404 for it, as for an event that does not exist, and nothing is
    recorded; the writer's party reads it."""
    fx, s = ctx.fx, ctx.s
    no = fx.create()["no"]
    r = s.http("POST", "/v1/complaints/%s/notes" % no,
                {"text": "内部：%s" % TEXT, "visibility": "party"}, token=fx.token("lender_agent"))
    check_ok(r, 200, "the lender's party-only note")
    seq = r.json["version"]
    n = len(_timeline(ctx, no)[0]["events"])
    check_error(_texts(ctx, no, seq), 404, "not_found", what="the bank reads the lender's note")
    eq(len(_timeline(ctx, no)[0]["events"]), n, "the refused read is not recorded")
    r = s.http("POST", "/v1/complaints/%s/notes" % no,
                {"text": "共享：%s" % TEXT, "visibility": "involved"}, token=fx.token("lender_agent"))
    check_ok(r, 200, "the lender's shared note")
    got = check_ok(_texts(ctx, no, r.json["version"]), 200, "the bank reads the shared note")
    eq(got["texts"], {"text": "共享：%s" % TEXT}, "the shared note's original")


def test_purpose_masked(ctx):
    no = ctx.no
    got = check_ok(_texts(ctx, no, 1, purpose=urllib.parse.quote("回访13800138000")), 200,
                   "read with a phone in the purpose")
    tl, raw = _timeline(ctx, no)
    ev = tl["events"][-1]
    eq(ev["payload"]["purpose"], "回访138****8000", "the purpose is masked")
    check(b"13800138000" not in raw, "the purpose's phone is not in the timeline")
    got = check_ok(_texts(ctx, no, ev["seq"]), 200, "read the purpose in clear")
    eq(got["texts"], {"purpose": "回访13800138000"}, "the purpose's original")


def test_read_after_restart(ctx):
    ctx.sse.close()
    ctx.s.stop()
    ctx.s.start()
    got = check_ok(_texts(ctx, ctx.no, 1), 200, "read after a restart")
    eq(got["texts"]["description"], TEXT, "the original after a restart")
    ctx.sse = Sse(ctx.s.port, ctx.fx.token("bank_agent"))
