"""
test_actions.py - the actions a user may take (docs/api.md, "Actions a user may take") over
HTTP:

  1. the catalogue, GET /v1/actions: read by every user alike, it is the lifecycle as this
     suite states it (harness.ALLOWED, party_rule) plus the upload `attach`, with the fields
     of each body; its ETag answers If-None-Match with 304;
  2. GET /v1/complaints/{no}/actions for real complaints and users: the lead party's agent on
     a new complaint, the other involved parties, the auditor, the admin, an uninvolved party
     (404); the party a transfer names; a task's two parties; pause and resume; the first and
     the second (supervisor's) extension; a review decided by someone other than the first
     decision's author; callback and reopening after the close.

Wherever a list is read, every action it does not name is posted with a valid body
(harness.action_body) and must be refused with the complaint unchanged: the list never offers
less than the writes refuse, and what it offers is taken on the way (the lifecycle's steps).
"""

from harness import (ALLOWED, API_ACTIONS, Fixture, action_body, check, check_error, check_ok,
                     eq, party_rule)

NOTIFY_METHODS = ["sms", "phone", "letter", "email", "app", "wechat", "in_person"]


def setup(ctx):
    ctx.s = ctx.server(name="actions")
    ctx.fx = Fixture(ctx.s).build()


def _actions(ctx, no, who):
    got = check_ok(ctx.s.http("GET", "/v1/complaints/%s/actions" % no, token=ctx.fx.token(who)),
                   200, "actions of %s for %s" % (no, who))
    eq(got["no"], no, "no")
    return got


def _refused(ctx, no, who, listed):
    """Every action not listed for `who` is refused, and the complaint stays as it was."""
    fx = ctx.fx
    before = fx.get(no, who="bank_sup")["version"]
    for action in API_ACTIONS:
        if action in listed:
            continue
        r = ctx.s.http("POST", "/v1/complaints/%s/actions/%s" % (no, action),
                       action_body(action, fx), token=fx.token(who))
        check(r.status in (403, 409, 422),
              "%s by %s, not listed, answered %d %s" % (action, who, r.status, r.body))
    if "attach" not in listed:
        r = ctx.s.http("POST", "/v1/complaints/%s/attachments?name=a.txt" % no, b"abc",
                       token=fx.token(who), content_type="text/plain")
        check(r.status in (403, 409), "attach by %s, not listed, answered %d" % (who, r.status))
    eq(fx.get(no, who="bank_sup")["version"], before, "version after the refusals by " + who)


def _expect(ctx, no, who, want, refused=True):
    got = _actions(ctx, no, who)
    eq(got["actions"], want, "actions of %s in state %s for %s" % (no, got["state"], who))
    if refused:
        _refused(ctx, no, who, want)
    return got


# ---- 1. the catalogue ------------------------------------------------------------------


def test_catalogue_is_the_lifecycle(ctx):
    fx, s = ctx.fx, ctx.s
    first = None
    for who in ("bank_agent", "bank_auditor", "reg_user", "med_user", "op_admin"):
        r = s.http("GET", "/v1/actions", token=fx.token(who))
        cat = check_ok(r, 200, "catalogue for " + who)
        eq(r.headers.get("cache-control"), "private, no-cache", "Cache-Control")
        if first is None:
            first = cat
        eq(cat, first, "the catalogue is the same for " + who)
    check_error(s.http("GET", "/v1/actions"), 401, "missing_token")
    by_name = {a["name"]: a for a in first["actions"]}
    eq(sorted(by_name), sorted(API_ACTIONS + ["attach"]), "actions of the catalogue")
    for name, states in ALLOWED.items():
        a = by_name[name]
        eq(set(a["from"]), set(states), "states of " + name)
        eq(set(a["roles"]), set().union(*states.values()), "roles of " + name)
        eq(a["path"], "/v1/complaints/{no}/actions/" + name, "path of " + name)
        eq(a["body"], "json", "body of " + name)
        for rule in a["rules"]:
            for st in rule["from"]:
                check(set(rule["roles"]) <= states[st], "%s in %s: roles" % (name, st))
                eq(rule["party"], party_rule(name, st), "party rule of %s in %s" % (name, st))
        eq(sum(r["not_first_decider"] for r in a["rules"]), int(name == "decide"),
           "rows of %s for someone other than the first decider" % name)
    eq(by_name["accept"]["to"], "accepted", "accept leads to")
    eq(by_name["note"]["to"], None, "a note keeps the state")
    att = by_name["attach"]
    eq((att["path"], att["body"], att["fields"], att["rules"][0]["party"]),
       ("/v1/complaints/{no}/attachments", "file", [], "involved"), "attach")
    notify = {f["name"]: f for f in by_name["notify"]["fields"]}
    eq(notify["method"], {"name": "method", "type": "enum", "required": True,
                          "enum": NOTIFY_METHODS}, "notify's method")
    eq(notify["notified_at"], {"name": "notified_at", "type": "time", "required": True},
       "notify's time")
    eq(notify["proof"], {"name": "proof", "type": "text", "required": True, "min_length": 1,
                         "max_length": 500}, "notify's proof")
    pause = {f["name"]: f for f in by_name["pause"]["fields"]}
    eq(pause["reason_code"]["enum"], ["appraisal", "testing", "valuation", "mediation",
                                      "awaiting_consumer", "other"], "pause kinds")
    eq(pause["clock"]["required"], False, "pause's clock is optional")
    callback = {f["name"]: f for f in by_name["callback"]["fields"]}
    eq(callback["satisfaction"]["enum"], ["satisfied", "neutral", "dissatisfied", "unreachable"],
       "satisfaction")
    decide = {f["name"]: f for f in by_name["decide"]["fields"]}
    eq(decide["compensation_fen"], {"name": "compensation_fen", "type": "integer",
                                    "required": False, "min": 0, "max": 1000000000000},
       "compensation")
    eq(decide["party_responsibility"]["type"], "objects", "party_responsibility")
    eq(decide["party_responsibility"]["max_items"], 16, "party_responsibility items")
    eq([f["name"] for f in decide["party_responsibility"]["fields"]], ["party", "weight"],
       "party_responsibility members")
    eq(decide["routes"], {"name": "routes", "type": "strings", "required": True, "min_length": 1,
                          "max_length": 64, "max_items": 10}, "routes")
    task = {f["name"]: f for f in by_name["request_task"]["fields"]}
    eq(task["to_party"], {"name": "to_party", "type": "integer", "required": True, "min": 1},
       "an id has no upper bound")


def test_catalogue_not_modified(ctx):
    s, token = ctx.s, ctx.fx.token("bank_agent")
    r = s.http("GET", "/v1/actions", token=token)
    tag = r.headers.get("etag")
    check(tag and tag.startswith('"') and len(tag) == 34, "ETag %r" % tag)
    again = s.http("GET", "/v1/actions", token=token, headers={"If-None-Match": tag})
    eq(again.status, 304, "If-None-Match with the ETag")
    eq(again.raw, b"", "a 304 has no body")
    eq(again.headers.get("etag"), tag, "the 304's ETag")
    other = s.http("GET", "/v1/actions", token=token, headers={"If-None-Match": '"0000"'})
    eq(other.status, 200, "If-None-Match with another ETag")
    eq(other.headers.get("etag"), tag, "the same build, the same ETag")


# ---- 2. what a reader may do now -------------------------------------------------------

NEW_LEAD = ["accept", "reject", "merge", "withdraw", "assign", "classify", "note", "attach",
            "extend", "pause", "transfer", "request_task"]


def test_a_new_complaint(ctx):
    fx, s = ctx.fx, ctx.s
    c = fx.create("bank_agent")
    no = c["no"]
    eq(c["lead_party"], fx.parties["bank"], "the bank leads")
    got = _expect(ctx, no, "bank_agent", NEW_LEAD)
    eq((got["state"], got["version"]), ("received", c["version"]), "state and version")
    _expect(ctx, no, "bank_sup", NEW_LEAD)
    _expect(ctx, no, "bank_comp", ["classify", "note", "attach"])
    for who in ("bank_auditor", "bank_admin"):
        _expect(ctx, no, who, [])
    for who in ("lender_agent", "plat_agent"):
        _expect(ctx, no, who, ["note", "attach"])
    for who in ("bank2_agent", "reg_user", "med_user"):
        check_error(s.http("GET", "/v1/complaints/%s/actions" % no, token=fx.token(who)), 404,
                    "not_found", what="not involved: " + who)
    check_error(s.http("GET", "/v1/complaints/TS2026/actions", token=fx.token("bank_agent")),
                404, "not_found", what="a malformed number")
    check_error(s.http("GET", "/v1/complaints/%s/actions?x=1" % no, token=fx.token("bank_agent")),
                400, "unknown_parameter", what="a query")
    check_error(s.http("GET", "/v1/complaints/%s/actions" % no), 401, "missing_token")
    # the document itself carries no list: it is the same for every reader and every write
    check("actions" not in fx.get(no), "no actions in the document")


def test_the_transfer_target(ctx):
    fx = ctx.fx
    no = fx.create("bank_agent")["no"]
    fx.act(no, "transfer", action_body("transfer", fx), who="bank_agent")
    waiting = [a for a in NEW_LEAD if a != "transfer"]
    _expect(ctx, no, "bank_agent", waiting)
    _expect(ctx, no, "plat_agent", ["note", "attach", "acknowledge_transfer", "decline_transfer"])
    _expect(ctx, no, "lender_agent", ["note", "attach"])
    fx.act(no, "acknowledge_transfer", {"note": "接收"}, who="plat_agent")
    _expect(ctx, no, "plat_agent", NEW_LEAD)
    _expect(ctx, no, "bank_agent", ["note", "attach"])


def test_a_task_between_two_parties(ctx):
    fx = ctx.fx
    no = fx.create("bank_agent")["no"]
    fx.act(no, "accept", {"note": "受理"})
    fx.act(no, "request_task", action_body("request_task", fx))
    lead = ["investigate", "merge", "withdraw", "assign", "classify", "note", "attach",
            "extend", "pause", "transfer", "request_task", "cancel_task"]
    _expect(ctx, no, "bank_agent", sorted(lead, key=API_ORDER.index))
    _expect(ctx, no, "lender_agent", ["note", "attach", "answer_task"])
    _expect(ctx, no, "plat_agent", ["note", "attach"])
    fx.act(no, "answer_task", {"task": 1, "answer": "流水已提供"}, who="lender_agent")
    _expect(ctx, no, "lender_agent", ["note", "attach"])
    check("cancel_task" not in _actions(ctx, no, "bank_agent")["actions"], "answered: no cancel")


def test_pause_resume_and_extensions(ctx):
    fx = ctx.fx
    no = fx.create("bank_agent")["no"]
    doc = fx.act(no, "pause", action_body("pause", fx))
    pause = [c for c in doc["clocks"] if c["kind"] == "decision"][0]["pauses"][0]["id"]
    got = _expect(ctx, no, "bank_agent", sorted(NEW_LEAD + ["resume"], key=API_ORDER.index))
    fx.act(no, "resume", {"pause": pause})
    eq(_actions(ctx, no, "bank_agent")["actions"], NEW_LEAD, "resumed: no resume")
    check("extend" in got["actions"], "extend before the first extension")
    fx.act(no, "extend", action_body("extend", fx))
    _expect(ctx, no, "bank_agent", [a for a in NEW_LEAD if a != "extend"])
    _expect(ctx, no, "bank_sup", NEW_LEAD)  # the 60 days are the supervisor's
    fx.act(no, "extend", {"days": 60, "reason": "案情复杂",
                          "consumer_notice": {"method": "sms",
                                              "notified_at": _now_iso()}}, who="bank_sup")
    _expect(ctx, no, "bank_sup", [a for a in NEW_LEAD if a != "extend"])


def _to_notified(ctx, no, decider):
    fx = ctx.fx
    fx.act(no, "accept", {"note": "受理"})
    fx.act(no, "investigate", {"note": "调查"})
    fx.act(no, "decide", action_body("decide", fx), who=decider)
    return fx.act(no, "notify", action_body("notify", fx))


def test_review_by_another_person(ctx):
    fx = ctx.fx
    no = fx.create("bank_agent")["no"]
    _to_notified(ctx, no, "bank_sup")
    _expect(ctx, no, "bank_agent", ["review", "mediate", "close", "assign", "classify", "note",
                                    "attach", "request_task"])
    fx.act(no, "review", action_body("review", fx))
    _expect(ctx, no, "bank_sup", ["assign", "classify", "note", "attach", "pause",
                                  "request_task"])
    _expect(ctx, no, "bank_comp", ["decide", "classify", "note", "attach"])
    _expect(ctx, no, "bank_agent", ["assign", "classify", "note", "attach", "pause",
                                    "request_task"])
    fx.act(no, "decide", action_body("decide", fx), who="bank_comp")


def test_callback_after_close(ctx):
    fx = ctx.fx
    no = fx.create("bank_agent")["no"]
    _to_notified(ctx, no, "bank_agent")
    fx.act(no, "close", action_body("close", fx))
    _expect(ctx, no, "bank_agent", ["note", "attach", "callback"])
    _expect(ctx, no, "bank_sup", ["reopen", "note", "attach", "callback"])
    _expect(ctx, no, "bank_comp", ["reopen", "note", "attach"])
    _expect(ctx, no, "lender_agent", ["note", "attach"])
    _expect(ctx, no, "bank_auditor", [])
    fx.act(no, "callback", action_body("callback", fx))
    eq(_actions(ctx, no, "bank_agent")["actions"], ["note", "attach", "callback"],
       "a callback may be recorded again")


API_ORDER = ["accept", "reject", "merge", "withdraw", "investigate", "decide", "notify", "review",
             "mediate", "close", "reopen", "assign", "classify", "note", "attach", "extend",
             "pause", "resume", "callback", "transfer", "acknowledge_transfer",
             "decline_transfer", "request_task", "answer_task", "cancel_task"]


def _now_iso():
    import datetime
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
