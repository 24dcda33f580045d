"""
test_lifecycle.py - complaints through their lifecycle over HTTP: the full
path with review (by someone other than the first decider), mediation,
closure and reopening; rejection, withdrawal and merging; every action
refused from every state it is not allowed in (409) and for every role not
allowed (403); multi-party visibility; notes and attachments.
"""

import hashlib
import os
import threading

from harness import (ALL_STATES, ALLOWED, API_ACTIONS, Fixture, action_body, check, check_error,
                     check_ok, eq)

MAX_ATTACHMENT = 65536


def setup(ctx):
    ctx.s = ctx.server({"max_attachment": MAX_ATTACHMENT}, name="lifecycle")
    ctx.fx = Fixture(ctx.s).build()


def _post(ctx, no, action, body, who):
    return ctx.s.http("POST", "/v1/complaints/%s/actions/%s" % (no, action), body,
                      token=ctx.fx.token(who))


def test_full_lifecycle(ctx):
    fx, s = ctx.fx, ctx.s
    parties = fx.parties
    c = fx.create("bank_agent")
    no = c["no"]
    check(no.startswith("TS") and len(no) == 16, "complaint number %r" % no)
    eq((c["state"], c["version"], c["grade"]), ("received", 1, "general"), "new complaint")
    eq(c["target_party"], parties["bank"], "target party defaults to the creator's")
    eq({p["party"]: p["role"] for p in c["parties"]},
       {parties["bank"]: "target", parties["lender"]: "acquirer",
        parties["platform"]: "platform"}, "parties from the cooperation")
    steps = [("received", "bank_agent")]

    def act(action, who, want_state, body=None):
        doc = fx.act(no, action, body if body is not None else action_body(action, fx), who=who)
        eq(doc["state"], want_state, "state after %s" % action)
        steps.append((action, who))
        return doc

    d = act("accept", "bank_agent", "accepted", {"lead_party": parties["lender"], "note": "受理"})
    eq(d["lead_party"], parties["lender"], "lead party set on acceptance")
    act("investigate", "bank_agent", "investigating")
    d = act("assign", "bank_sup", "investigating", {"assignee": fx.uid("bank_agent2")})
    eq(d["assignee"], fx.uid("bank_agent2"), "assignee")
    d = act("classify", "bank_comp", "investigating", {"cause": "c12", "tags": ["催收"]})
    eq((d["cause"], d["tags"]), ("c12", ["催收"]), "classified")
    d = act("note", "lender_agent", "investigating", {"text": "资方已核实还款记录"})
    eq(d["notes"], 1, "notes")
    # the first decision, by the supervisor
    d = act("decide", "bank_sup", "decided")
    eq((d["first_decider"], d["decisions"]), (fx.uid("bank_sup"), 1), "first decision")
    act("notify", "bank_agent", "notified")
    act("review", "bank_agent", "review")
    # the review decision: not by the first decider, not by an agent
    before = s.fingerprint()
    check_error(_post(ctx, no, "decide", action_body("decide", fx), "bank_sup"), 403,
                "same_handler")
    check_error(_post(ctx, no, "decide", action_body("decide", fx), "bank_agent"), 403,
                "role_not_allowed")
    eq(s.fingerprint(), before, "database after refused review decisions")
    d = act("decide", "bank_comp", "decided")
    eq((d["first_decider"], d["decisions"]), (fx.uid("bank_sup"), 2), "review decision")
    eq(d["decision"]["by"], fx.uid("bank_comp"), "decision author")
    act("notify", "bank_agent", "notified")
    # mediation: the mediator organisation joins the complaint
    check_error(fx.s.http("GET", "/v1/complaints/" + no, token=fx.token("med_user")), 404,
                "not_found")
    d = act("mediate", "bank_comp", "mediation")
    check({"party": parties["mediator"], "role": "mediator"} in d["parties"],
          "mediator party added: %r" % d["parties"])
    eq(fx.get(no, "med_user")["state"], "mediation", "mediator sees the complaint")
    check_error(_post(ctx, no, "close", {"summary": "x"}, "bank_agent"), 403, "role_not_allowed")
    act("note", "med_user", "mediation", {"text": "调解会议已安排"})
    act("close", "med_user", "closed", {"summary": "调解成功，办结"})
    check_error(_post(ctx, no, "reopen", {"facts": "x"}, "bank_agent"), 403, "role_not_allowed")
    d = act("reopen", "bank_sup", "investigating")
    eq(d["reopened"], 1, "reopened count")
    eq(d["version"], len(steps), "version = number of events")

    tl = fx.timeline(no)
    events = tl["events"]
    eq(tl["no"], no, "timeline no")
    eq([e["seq"] for e in events], list(range(1, len(steps) + 1)), "timeline seq")
    types = {"received": "received", "accept": "accepted", "investigate": "investigation_started",
             "assign": "assigned", "classify": "classified", "note": "note_added",
             "decide": "decided", "notify": "notified", "review": "review_requested",
             "mediate": "mediation_referred", "close": "closed", "reopen": "reopened"}
    eq([e["type"] for e in events], [types[a] for a, _ in steps], "timeline event types")
    eq([e["actor"]["user"] for e in events], [fx.uid(w) for _, w in steps], "timeline actors")
    eq([e["actor"]["party"] for e in events], [fx.users[w]["party"] for _, w in steps],
       "timeline actor parties")
    ats = [e["at"] for e in events]
    eq(ats, sorted(ats), "timeline times in order")
    ids = [e["id"] for e in events]
    eq(ids, sorted(ids), "event ids increase")
    eq(events[1]["payload"]["lead_party"], parties["lender"], "acceptance payload")
    # every involved party sees the same complaint and timeline; others do not
    for who in ("lender_agent", "plat_agent", "med_user", "bank_auditor"):
        eq(fx.get(no, who)["version"], len(steps), "version seen by " + who)
        eq(len(fx.timeline(no, who)["events"]), len(steps), "timeline seen by " + who)
    for who in ("bank2_agent", "reg_user"):
        check_error(s.http("GET", "/v1/complaints/" + no, token=fx.token(who)), 404, "not_found")
        check_error(s.http("GET", "/v1/complaints/%s/timeline" % no, token=fx.token(who)), 404,
                    "not_found")
    ctx.full_no = no


def test_reject_path(ctx):
    fx, s = ctx.fx, ctx.s
    no = fx.create()["no"]
    check_error(_post(ctx, no, "reject", {}, "bank_agent"), 422, "missing_field", "reason")
    check_error(_post(ctx, no, "reject", {"reason": ""}, "bank_agent"), 422, "empty_value",
                "reason")
    d = fx.act(no, "reject", {"reason": "不属于受理范围"})
    eq(d["state"], "rejected", "state")
    eq(d["rejection"]["reason"], "不属于受理范围", "rejection reason kept")
    for action in ("accept", "investigate", "withdraw", "merge", "close", "reopen", "assign",
                   "classify"):
        check_error(_post(ctx, no, action, action_body(action, fx), "bank_agent"), 409,
                    "illegal_transition", what=action + " on rejected")
    # a note is still allowed on an ended complaint
    eq(fx.act(no, "note", {"text": "归档说明"})["notes"], 1, "note on rejected")
    eq([e["type"] for e in fx.timeline(no)["events"]], ["received", "rejected", "note_added"],
       "timeline")


def test_withdraw_path(ctx):
    fx = ctx.fx
    for path in ([], ["accept"], ["accept", "investigate"]):
        no = fx.create()["no"]
        for a in path:
            fx.act(no, a, action_body(a, fx))
        d = fx.act(no, "withdraw", {"reason": "消费者撤回投诉"})
        eq(d["state"], "withdrawn", "withdrawn after %r" % path)
        eq(d["withdrawal"]["reason"], "消费者撤回投诉", "withdrawal reason")
        for action in ("investigate", "decide", "accept", "withdraw"):
            check_error(_post(ctx, no, action, action_body(action, fx), "bank_agent"), 409,
                        "illegal_transition", what="%s after withdrawal" % action)


def test_merge_path(ctx):
    fx, s = ctx.fx, ctx.s
    a = fx.create()["no"]
    b = fx.create()["no"]
    other = fx.create("bank2_agent", product=None)["no"]
    before = s.fingerprint()
    check_error(_post(ctx, a, "merge", {"into": a}, "bank_agent"), 422, "invalid_value", "into")
    check_error(_post(ctx, a, "merge", {"into": "12345"}, "bank_agent"), 422, "invalid_value",
                "into")
    check_error(_post(ctx, a, "merge", {"into": "TS20200101999999"}, "bank_agent"), 422,
                "unknown_reference", "into")
    check_error(_post(ctx, a, "merge", {"into": other}, "bank_agent"), 422, "unknown_reference",
                "into")
    check_error(_post(ctx, a, "merge", {}, "bank_agent"), 422, "missing_field", "into")
    eq(s.fingerprint(), before, "database after refused merges")
    fx.act(b, "accept", {})
    d = fx.act(a, "merge", {"into": b, "reason": "同一笔借款重复投诉"})
    eq((d["state"], d["merge"]["into"]), ("merged", b), "merged")
    eq(fx.get(b)["state"], "accepted", "target untouched")
    # nothing merges into an ended complaint
    c = fx.create()["no"]
    check_error(_post(ctx, c, "merge", {"into": a}, "bank_agent"), 409, "illegal_transition",
                "into")
    eq(fx.get(c)["state"], "received", "state after refused merge")
    check_error(_post(ctx, a, "merge", {"into": c}, "bank_agent"), 409, "illegal_transition")


def _drive(ctx, state):
    """A new complaint of the bank in `state` (decisions by bank_agent)."""
    fx = ctx.fx
    no = fx.create()["no"]
    paths = {
        "received": [], "accepted": ["accept"], "investigating": ["accept", "investigate"],
        "decided": ["accept", "investigate", "decide"],
        "notified": ["accept", "investigate", "decide", "notify"],
        "review": ["accept", "investigate", "decide", "notify", "review"],
        "mediation": ["accept", "investigate", "decide", "notify", "mediate"],
        "closed": ["accept", "investigate", "decide", "notify", "close"],
        "rejected": ["reject"], "withdrawn": ["withdraw"],
    }
    if state == "merged":
        into = fx.create()["no"]
        fx.act(no, "merge", {"into": into})
    else:
        for a in paths[state]:
            fx.act(no, a, action_body(a, fx))
    eq(fx.get(no)["state"], state, "driven state")
    return no


def _states(ctx):
    if not hasattr(ctx, "by_state"):
        ctx.by_state = {st: _drive(ctx, st) for st in ALL_STATES}
    return ctx.by_state


def test_every_action_refused_from_wrong_state(ctx):
    fx, s = ctx.fx, ctx.s
    by_state = _states(ctx)
    into = fx.create()["no"]
    before = s.fingerprint()
    refused = 0
    for state, no in by_state.items():
        version = fx.get(no)["version"]
        for action in API_ACTIONS:
            if state in ALLOWED[action]:
                continue
            # a supervisor may do most things: the refusal must come from the state
            r = _post(ctx, no, action, action_body(action, fx, into=into), "bank_sup")
            check_error(r, 409, "illegal_transition", what="%s from %s" % (action, state))
            refused += 1
        eq(fx.get(no)["version"], version, "version of the %s complaint" % state)
    eq(s.fingerprint(), before, "database after %d refused actions" % refused)
    check(refused > 100, "only %d wrong-state cases" % refused)


def test_every_action_refused_for_wrong_role(ctx):
    fx, s = ctx.fx, ctx.s
    by_state = _states(ctx)
    into = fx.create()["no"]
    bank_roles = {"agent": "bank_agent", "supervisor": "bank_sup", "compliance": "bank_comp",
                  "admin": "bank_admin", "auditor": "bank_auditor"}
    before = s.fingerprint()
    refused = 0
    for state, no in by_state.items():
        for action in API_ACTIONS:
            allowed = ALLOWED[action].get(state)
            if allowed is None:
                continue
            for role, who in bank_roles.items():
                if role in allowed:
                    continue
                r = _post(ctx, no, action, action_body(action, fx, into=into), who)
                check_error(r, 403, "role_not_allowed", what="%s by %s in %s" % (action, role,
                                                                                 state))
                refused += 1
    # the mediator may act only where its organisation is involved
    check_error(_post(ctx, by_state["received"], "note", {"text": "x"}, "med_user"), 404,
                "not_found")
    for action in ("accept", "note"):
        check_error(_post(ctx, by_state["received"], action, action_body(action, fx), "reg_user"),
                    404, "not_found")
    eq(s.fingerprint(), before, "database after %d refused actions" % refused)
    check(refused > 40, "only %d wrong-role cases" % refused)


def test_mediation_decision_and_close_roles(ctx):
    fx = ctx.fx
    no = _drive(ctx, "mediation")
    for who in ("bank_agent", "bank_comp", "bank_auditor"):
        check_error(_post(ctx, no, "decide", action_body("decide", fx), who), 403,
                    "role_not_allowed", what="decide in mediation by " + who)
    d = fx.act(no, "decide", action_body("decide", fx), who="med_user")
    eq((d["state"], d["decisions"]), ("decided", 2), "mediator's decision")
    fx.act(no, "notify", action_body("notify", fx))
    d = fx.act(no, "close", {"summary": "办结"}, who="bank_agent")
    eq(d["state"], "closed", "closed by an agent from notified")


def test_regulator_transfers_a_complaint_in(ctx):
    fx, s = ctx.fx, ctx.s
    body = fx.complaint_body(channel="regulator", target_party=fx.parties["bank"], product=None)
    d = check_ok(s.http("POST", "/v1/complaints", body, token=fx.token("reg_user")), 201,
                 "complaint by the regulator")
    roles = {p["party"]: p["role"] for p in d["parties"]}
    eq(roles, {fx.parties["bank"]: "target", fx.parties["regulator"]: "regulator"},
       "parties of a transferred complaint")
    eq(d["grade"], "important", "a transferred complaint is important")
    check("channel:regulator" in d["grade_reasons"], "grade reasons %r" % d["grade_reasons"])
    eq(fx.get(d["no"], "reg_user")["no"], d["no"], "regulator sees it")
    check_error(_post(ctx, d["no"], "accept", {}, "reg_user"), 403, "role_not_allowed")
    eq(fx.act(d["no"], "accept", {})["state"], "accepted", "bank accepts it")
    # an agent cannot file against a party its own is not involved with
    body = fx.complaint_body(target_party=fx.parties["bank2"], product=None)
    check_error(s.http("POST", "/v1/complaints", body, token=fx.token("bank_agent")), 403,
                "party_not_involved", "target_party")


def test_grade_rules_on_create(ctx):
    fx = ctx.fx
    eq(fx.create(complainants=25)["grade"], "major", "25 complainants")
    eq(fx.create(signals=["self_harm_threat"])["grade"], "urgent", "self-harm threat")
    eq(fx.create(description="催收人员威胁要曝光我的个人信息")["grade"], "urgent", "media threat")
    eq(fx.create(amount_fen=6000000)["grade"], "important", "large amount")
    eq(fx.create(grade="important")["grade"], "important", "given grade")


def test_notes(ctx):
    fx, s = ctx.fx, ctx.s
    no = fx.create()["no"]
    for i in range(3):
        r = s.http("POST", "/v1/complaints/%s/notes" % no, {"text": "备注 %d" % i},
                   token=fx.token("bank_agent"))
        eq(check_ok(r, 200, "note")["notes"], i + 1, "note count")
    check_error(s.http("POST", "/v1/complaints/%s/notes" % no, {"text": "x"},
                       token=fx.token("bank_auditor")), 403, "role_not_allowed")
    check_error(s.http("POST", "/v1/complaints/%s/notes" % no, {"text": "x" * 5001},
                       token=fx.token("bank_agent")), 422, "too_long", "text")
    events = fx.timeline(no)["events"]
    eq([e["payload"].get("text") for e in events[1:]], ["备注 0", "备注 1", "备注 2"], "notes kept")


def _upload(ctx, no, data, who="bank_agent", name="evidence.bin", ctype="application/octet-stream",
            **kw):
    path = "/v1/complaints/%s/attachments" % no
    if name is not None:
        path += "?name=" + name
    return ctx.s.http("POST", path, data, token=ctx.fx.token(who), content_type=ctype, **kw)


def test_attachments(ctx):
    fx, s = ctx.fx, ctx.s
    no = fx.create()["no"]
    data = os.urandom(5000) + b"\x00\x00end"
    sha = hashlib.sha256(data).hexdigest()
    d = check_ok(_upload(ctx, no, data), 201, "upload")
    att = d["attachments"]
    eq(len(att), 1, "attachments in the document")
    eq((att[0]["sha256"], att[0]["size"], att[0]["name"], att[0]["content_type"]),
       (sha, len(data), "evidence.bin", "application/octet-stream"), "attachment record")
    # a second file, sent chunked, with its own type and a Chinese name
    pdf = b"%PDF-1.4 " + os.urandom(20000)
    d = check_ok(_upload(ctx, no, pdf, who="lender_agent", name="%E5%90%88%E5%90%8C.pdf",
                         ctype="application/pdf", chunked=True), 201, "chunked upload")
    eq([a["name"] for a in d["attachments"]], ["evidence.bin", "合同.pdf"], "names")
    lst = check_ok(s.http("GET", "/v1/complaints/%s/attachments" % no,
                          token=fx.token("plat_agent")), 200, "list")
    eq([a["sha256"] for a in lst["items"]], [sha, hashlib.sha256(pdf).hexdigest()], "list")
    r = s.http("GET", "/v1/attachments/" + sha, token=fx.token("bank_auditor"))
    eq(r.status, 200, "download status")
    eq(r.raw, data, "downloaded bytes")
    eq(r.headers.get("content-type"), "application/octet-stream", "download type")
    eq(r.headers.get("etag"), '"%s"' % sha, "ETag")
    r = s.http("GET", "/v1/attachments/" + hashlib.sha256(pdf).hexdigest(),
               token=fx.token("bank_agent"))
    eq((r.status, r.raw, r.headers.get("content-type")), (200, pdf, "application/pdf"), "pdf")
    check_error(s.http("GET", "/v1/attachments/" + sha, token=fx.token("bank2_agent")), 404,
                "not_found")
    check_error(s.http("GET", "/v1/complaints/%s/attachments" % no,
                       token=fx.token("bank2_agent")), 404, "not_found")
    types = [e["type"] for e in fx.timeline(no)["events"]]
    eq(types, ["received", "attachment_added", "attachment_added"], "timeline")
    ctx.attach_no = no


def test_attachment_refusals(ctx):
    fx, s = ctx.fx, ctx.s
    no = ctx.attach_no if hasattr(ctx, "attach_no") else fx.create()["no"]
    before = s.fingerprint()
    check_error(_upload(ctx, no, os.urandom(MAX_ATTACHMENT + 1)), 413, "body_too_large")
    check_error(_upload(ctx, no, os.urandom(MAX_ATTACHMENT + 5000), chunked=True), 413,
                "body_too_large")
    check_error(_upload(ctx, no, b""), 422, "empty_value")
    check_error(_upload(ctx, no, b"abc", name=None), 400, "invalid_parameter", "name")
    check_error(_upload(ctx, no, b"abc", name="a/b"), 400, "invalid_parameter", "name")
    check_error(_upload(ctx, no, b"abc", name="a&x=1"), 400, "unknown_parameter", "x")
    check_error(_upload(ctx, no, b"abc", who="bank_auditor"), 403, "role_not_allowed")
    check_error(_upload(ctx, no, b"abc", who="bank2_agent"), 404, "not_found")
    check_error(_upload(ctx, "TS20200101999999", b"abc"), 404, "not_found")
    check_error(_upload(ctx, "nonsense", b"abc"), 404, "not_found")
    eq(s.fingerprint(), before, "database after refused uploads")
    tmp = os.path.join(s.att, "tmp")
    left = os.listdir(tmp) if os.path.isdir(tmp) else []
    eq(left, [], "temporary upload files left behind")
    # exactly at the cap is fine
    check_ok(_upload(ctx, no, os.urandom(MAX_ATTACHMENT)), 201, "upload of max_attachment bytes")


def test_concurrent_actions_on_one_complaint(ctx):
    """Many writers at once on one complaint: exactly one accept wins, every note
    lands, refused actions leave no trace, and the events stay numbered 1..n."""
    fx = ctx.fx
    no = fx.create()["no"]
    results = []
    lock = threading.Lock()
    start = threading.Event()

    def send(action, body, who):
        start.wait()
        r = _post(ctx, no, action, body, who)
        with lock:
            results.append((action if who != "bank_auditor" else "accept_by_auditor", r.status,
                            r.json))

    jobs = [("accept", {}, "bank_agent")] * 8 + \
        [("note", {"text": "并发备注 %d" % i}, ["bank_agent", "lender_agent", "bank_comp"][i % 3])
         for i in range(16)] + \
        [("close", {"summary": "x"}, "bank_agent")] * 4 + \
        [("accept", {}, "bank_auditor")] * 4
    threads = [threading.Thread(target=send, args=job) for job in jobs]
    for t in threads:
        t.start()
    start.set()
    for t in threads:
        t.join(60)
    eq(len(results), len(jobs), "answers")
    by = {}
    for action, status, body in results:
        by.setdefault((action, status), 0)
        by[(action, status)] += 1
    accepted = by.get(("accept", 200), 0)
    eq(accepted, 1, "accepts that won")
    eq(by.get(("accept", 409), 0), 7, "accepts refused as illegal")
    # the auditor is refused for the role, or for the state once another accept won
    eq(by.get(("accept_by_auditor", 403), 0) + by.get(("accept_by_auditor", 409), 0), 4,
       "accepts by the auditor refused")
    eq(by.get(("note", 200), 0), 16, "notes")
    eq(by.get(("close", 409), 0), 4, "closes refused")
    for action, status, body in results:
        if status >= 400:
            check(set(body) == {"error"}, "error shape %r" % body)
    d = fx.get(no)
    eq((d["state"], d["notes"], d["version"]), ("accepted", 16, 18), "the complaint")
    events = fx.timeline(no)["events"]
    eq([e["seq"] for e in events], list(range(1, 19)), "event numbers")
    eq(sorted(e["type"] for e in events),
       sorted(["received", "accepted"] + ["note_added"] * 16), "event types")
