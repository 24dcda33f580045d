"""
test_lifecycle.py - complaints through their lifecycle over HTTP: the full
path with review (by someone other than the first decider), mediation,
closure and reopening; rejection, withdrawal and merging; every action
refused from every state it is not allowed in (409), for every role not
allowed (403 role_not_allowed) and for every involved party that is not the
lead party (403 not_lead_party); the dispatch of a new complaint; the lead
party handed over on acceptance; multi-party visibility; the complainant
masked; notes and attachments.
"""

import hashlib
import os
import re
import threading

from harness import (ALL_STATES, ALLOWED, API_ACTIONS, CREATED, MASKED, SYSTEM_ACTOR, Fixture,
                     action_body, check, check_agent_loads, check_error, check_ok, eq,
                     party_rule, person)

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
    # created and dispatched at once: two events
    eq((c["state"], c["version"], c["grade"]), ("received", 2, "general"), "new complaint")
    eq(c["target_party"], parties["bank"], "target party defaults to the creator's")
    eq({p["party"]: p["role"] for p in c["parties"]},
       {parties["bank"]: "target", parties["lender"]: "acquirer",
        parties["platform"]: "platform"}, "parties from the cooperation")
    eq(c["complainant"], MASKED, "complainant masked")
    # data/routing.tsv: cause c11 (pricing) goes to the funder's pricing team
    eq((c["lead_party"], c["department"], c["queue"]), (parties["bank"], "pricing", "pricing"),
       "dispatched to the funder")
    disp = c["dispatch"]
    eq((disp["rule"], disp["lead_by"], disp["lead_role"], disp["lead_party"], disp["by"]),
       ("pricing_cause", "funder", "funder", parties["bank"], 0), "dispatch record")
    bank_agents = {fx.uid("bank_agent"), fx.uid("bank_agent2")}
    check(c["assignee"] in bank_agents, "assignee %r: not an agent of the bank" % c["assignee"])
    eq(disp["assignee"], c["assignee"], "dispatch assignee")
    steps = [("received", "bank_agent"), ("dispatched", None)]

    def act(action, who, want_state, body=None):
        doc = fx.act(no, action, body if body is not None else action_body(action, fx), who=who)
        eq(doc["state"], want_state, "state after %s" % action)
        steps.append((action, who))
        return doc

    # the acceptance names the lead party (the bank keeps the lead here; handing it over is
    # test_lead_party_handed_over_on_acceptance)
    d = act("accept", "bank_agent", "accepted", {"lead_party": parties["bank"], "note": "受理"})
    eq(d["lead_party"], parties["bank"], "lead party set on acceptance")
    act("investigate", "bank_agent", "investigating")
    d = act("assign", "bank_sup", "investigating", {"assignee": fx.uid("bank_agent2")})
    eq(d["assignee"], fx.uid("bank_agent2"), "assignee")
    d = act("classify", "bank_comp", "investigating", {"cause": "c12", "tags": ["催收"]})
    eq((d["cause"], d["tags"]), ("c12", ["催收"]), "classified")
    d = act("note", "lender_agent", "investigating", {"text": "资方已核实还款记录",
                                                    "visibility": "involved"})
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
    act("note", "med_user", "mediation", {"text": "调解会议已安排", "visibility": "involved"})
    act("close", "med_user", "closed", {"summary": "调解成功，办结"})
    check_error(_post(ctx, no, "reopen", {"facts": "x"}, "bank_agent"), 403, "role_not_allowed")
    d = act("reopen", "bank_sup", "investigating")
    eq(d["reopened"], 1, "reopened count")
    eq(d["version"], len(steps), "version = number of events")

    tl = fx.timeline(no)
    events = tl["events"]
    eq(tl["no"], no, "timeline no")
    eq([e["seq"] for e in events], list(range(1, len(steps) + 1)), "timeline seq")
    types = {"received": "received", "dispatched": "dispatched", "accept": "accepted",
             "investigate": "investigation_started",
             "assign": "assigned", "classify": "classified", "note": "note_added",
             "decide": "decided", "notify": "notified", "review": "review_requested",
             "mediate": "mediation_referred", "close": "closed", "reopen": "reopened"}
    eq([e["type"] for e in events], [types[a] for a, _ in steps], "timeline event types")
    eq([e["actor"]["user"] for e in events],
       [fx.uid(w) if w else SYSTEM_ACTOR["user"] for _, w in steps], "timeline actors")
    eq([e["actor"]["party"] for e in events],
       [fx.users[w]["party"] if w else SYSTEM_ACTOR["party"] for _, w in steps],
       "timeline actor parties")
    ats = [e["at"] for e in events]
    eq(ats, sorted(ats), "timeline times in order")
    ids = [e["id"] for e in events]
    eq(ids, sorted(ids), "event ids increase")
    eq(events[0]["payload"]["complainant"], MASKED, "complainant in the creation event")
    eq(events[1]["payload"], {"rule": "pricing_cause", "lead_party": parties["bank"],
                              "lead_by": "funder", "lead_role": "funder",
                              "department": "pricing", "queue": "pricing",
                              "assignee": c["assignee"]}, "dispatch payload")
    eq(events[1]["at"], events[0]["at"], "dispatched with the receipt")
    eq(events[2]["payload"]["lead_party"], parties["bank"], "acceptance payload")
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
    eq([e["type"] for e in fx.timeline(no)["events"]], CREATED + ["rejected", "note_added"],
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


def test_every_action_refused_for_a_party_not_leading(ctx):
    """The bank leads these complaints (data/routing.tsv sends cause c11 to the funder); the
    lender and the platform are involved and see them, but may take no lead-party action,
    whatever their role allows: 403 not_lead_party, after the state and role checks."""
    fx, s = ctx.fx, ctx.s
    by_state = _states(ctx)
    into = fx.create()["no"]
    partners = {"agent": ["lender_agent", "plat_agent"], "supervisor": ["lender_sup"]}
    before = s.fingerprint()
    refused = 0
    for state, no in by_state.items():
        eq(fx.get(no, "lender_agent")["lead_party"], fx.parties["bank"], "lead of " + state)
        for action in API_ACTIONS:
            allowed = ALLOWED[action].get(state)
            if allowed is None or party_rule(action, state) not in ("lead", "lead_or_mediator"):
                continue
            for role, users in partners.items():
                if role not in allowed:
                    continue
                for who in users:
                    r = _post(ctx, no, action, action_body(action, fx, into=into), who)
                    check_error(r, 403, "not_lead_party", None,
                                what="%s by %s in %s" % (action, who, state))
                    refused += 1
        # the party rules that name a task or a transfer
        check_error(_post(ctx, no, "answer_task", action_body("answer_task", fx),
                          "lender_agent"), 422, "unknown_reference", "task",
                    what="answer_task without tasks in " + state)
        check_error(_post(ctx, no, "cancel_task", action_body("cancel_task", fx), "bank_agent"),
                    422, "unknown_reference", "task", what="cancel_task without tasks in " + state)
        if state in ALLOWED["acknowledge_transfer"]:
            for action in ("acknowledge_transfer", "decline_transfer"):
                check_error(_post(ctx, no, action, action_body(action, fx), "plat_agent"), 409,
                            "no_pending_transfer", None,
                            what="%s without a transfer in %s" % (action, state))
    eq(s.fingerprint(), before, "database after %d refused actions" % refused)
    check(refused > 60, "only %d not-lead cases" % refused)
    # every involved party may still add a note, in every state
    for state, no in by_state.items():
        d = fx.act(no, "note", {"text": "合作方备注"}, who="plat_agent")
        eq(d["state"], state, "state after a partner's note")


def test_lead_party_handed_over_on_acceptance(ctx):
    fx, s = ctx.fx, ctx.s
    bank, lender = fx.parties["bank"], fx.parties["lender"]
    no = fx.create()["no"]
    eq(fx.get(no)["lead_party"], bank, "dispatched to the bank")
    before = s.fingerprint()
    # the lead goes only to a party involved, and only the lead may hand it over
    check_error(_post(ctx, no, "accept", {"lead_party": fx.parties["bank2"]}, "bank_agent"), 422,
                "invalid_value", "lead_party")
    check_error(_post(ctx, no, "accept", {"lead_party": lender}, "lender_agent"), 403,
                "not_lead_party")
    eq(s.fingerprint(), before, "database after refused acceptances")
    d = fx.act(no, "accept", {"lead_party": lender, "note": "由助贷机构牵头"})
    eq((d["state"], d["lead_party"]), ("accepted", lender), "lead party set on acceptance")
    eq(d["acceptance"]["lead_party"], lender, "acceptance record")
    # from now on the lender acts and the bank may not
    check_error(_post(ctx, no, "investigate", {}, "bank_agent"), 403, "not_lead_party")
    check_error(_post(ctx, no, "assign", {"assignee": fx.uid("bank_agent2")}, "bank_sup"), 403,
                "not_lead_party")
    d = fx.act(no, "investigate", {}, who="lender_agent")
    eq(d["state"], "investigating", "investigated by the new lead")
    d = fx.act(no, "assign", {"assignee": fx.uid("lender_sup")}, who="lender_agent")
    eq(d["assignee"], fx.uid("lender_sup"), "assigned within the new lead party")
    check_error(_post(ctx, no, "assign", {"assignee": fx.uid("bank_agent")}, "lender_agent"), 422,
                "invalid_value", "assignee")
    d = fx.act(no, "decide", action_body("decide", fx), who="lender_sup")
    eq((d["state"], d["first_decider"]), ("decided", fx.uid("lender_sup")), "decided by the lender")
    eq(fx.act(no, "note", {"text": "资方知悉", "visibility": "involved"})["notes"], 1,
       "the bank still adds notes")
    types = [e["type"] for e in fx.timeline(no, "lender_agent")["events"]]
    eq(types, CREATED + ["accepted", "investigation_started", "assigned", "decided",
                         "note_added"], "timeline")


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
    # ... or the mediator ends its mediation itself: outcome, notice, closure
    no = _drive(ctx, "mediation")
    d = fx.act(no, "decide", action_body("decide", fx), who="med_user")
    for who in ("lender_agent", "plat_agent"):
        check_error(_post(ctx, no, "notify", action_body("notify", fx), who), 403,
                    "not_lead_party", what="notify by " + who)
    d = fx.act(no, "notify", action_body("notify", fx), who="med_user")
    eq((d["state"], d["notice"]["by"]), ("notified", fx.uid("med_user")), "served by the mediator")
    for who in ("lender_agent", "plat_agent"):
        check_error(_post(ctx, no, "close", {"summary": "x"}, who), 403, "not_lead_party",
                    what="close by " + who)
    check_error(_post(ctx, no, "review", {"reason": "x"}, "med_user"), 403, "role_not_allowed")
    d = fx.act(no, "close", {"summary": "调解结案"}, who="med_user")
    eq((d["state"], d["closure"]["by"]), ("closed", fx.uid("med_user")), "closed by the mediator")
    check_error(_post(ctx, no, "callback", action_body("callback", fx), "med_user"), 403,
                "role_not_allowed")


def test_regulator_transfers_a_complaint_in(ctx):
    fx, s = ctx.fx, ctx.s
    body = fx.complaint_body(channel="regulator", target_party=fx.parties["bank"], product=None,
                             complainant=fx.next_person())
    d = check_ok(s.http("POST", "/v1/complaints", body, token=fx.token("reg_user")), 201,
                 "complaint by the regulator")
    roles = {p["party"]: p["role"] for p in d["parties"]}
    eq(roles, {fx.parties["bank"]: "target", fx.parties["regulator"]: "regulator"},
       "parties of a transferred complaint")
    eq(d["grade"], "important", "a transferred complaint is important")
    check("channel:regulator" in d["grade_reasons"], "grade reasons %r" % d["grade_reasons"])
    # data/routing.tsv: a regulator's complaint goes to the complaints office of its target
    eq((d["lead_party"], d["department"], d["queue"], d["dispatch"]["rule"]),
       (fx.parties["bank"], "complaints_office", "regulator", "regulator"), "dispatch")
    check(d["assignee"] in (fx.uid("bank_agent"), fx.uid("bank_agent2")),
          "assignee %r" % d["assignee"])
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
    eq(fx.create()["grade"], "general", "nothing special")


def test_repeat_complainant(ctx):
    """A complainant the institution complained against has seen before (found by the blind
    index of the phone or identity number, never in clear) makes a repeat complaint: it
    counts the earlier ones in `repeats` (their numbers are not copied) and is graded at
    least important."""
    fx, s = ctx.fx, ctx.s
    who = person(9000)
    first = fx.create(complainant=who)
    eq((first["grade"], first.get("repeats")), ("general", None), "the first complaint")
    second = fx.create(complainant=dict(who, name="张某"))
    eq((second["repeats"], second["grade"]), (1, "important"), "a repeat")
    check("signal:repeat" in second["grade_reasons"], "reasons %r" % second["grade_reasons"])
    check("repeat_of" not in second, "numbers of earlier complaints copied: %r" % second)
    # the same identity number with another phone is the same person
    third = fx.create(complainant={"name": "张三", "phone": person(9001)["phone"],
                                   "id_number": who["id_number"]})
    eq(third["repeats"], 2, "repeat by identity number")
    # and a more serious signal still wins
    fourth = fx.create(complainant=who, signals=["self_harm_threat"])
    eq((fourth["repeats"], fourth["grade"]), (3, "urgent"), "urgent repeat")
    for d in (first, second, third, fourth):
        eq(d["complainant"], MASKED, "complainant of %s" % d["no"])
    # another institution has not seen this person: no repeat there, and its search by the
    # phone finds only its own complaint
    other = fx.create("bank2_agent", product=None, complainant=who)
    eq((other.get("repeats"), other["grade"]), (None, "general"), "first complaint to bank_b")
    r = s.http("GET", "/v1/complainants/complaints?phone=" + who["phone"],
               token=fx.token("bank_agent"))
    eq(check_ok(r, 200, "search by phone")["complaints"],
       [fourth["no"], second["no"], first["no"]], "the bank's complaints from that phone")
    r = s.http("GET", "/v1/complainants/complaints?id_number=" + who["id_number"],
               token=fx.token("bank2_agent"))
    eq(check_ok(r, 200, "search by identity number")["complaints"], [other["no"]],
       "bank_b's complaints from that person")


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
    # every party involved writes notes, not only the lead party; by default
    # (note_visibility_default = party) a note stays with its writer's party
    eq(fx.get(no)["lead_party"], fx.parties["bank"], "lead party")
    r = s.http("POST", "/v1/complaints/%s/notes" % no, {"text": "资方备注"},
               token=fx.token("lender_agent"))
    eq(check_ok(r, 200, "note by a partner")["notes"], 1, "the partner's note count")
    eq(fx.get(no)["notes"], 3, "the bank's note count")
    check_error(s.http("POST", "/v1/complaints/%s/notes" % no, {"text": "x"},
                       token=fx.token("bank2_agent")), 404, "not_found")
    events = fx.timeline(no)["events"]
    eq([e["type"] for e in events[:2]], CREATED, "the first events")
    eq([(e["payload"].get("text"), e["visibility"]) for e in events[2:]],
       [("备注 0", "party"), ("备注 1", "party"), ("备注 2", "party")], "notes kept")
    eq([e["payload"].get("text") for e in fx.timeline(no, "lender_agent")["events"][2:]],
       ["资方备注"], "the partner's timeline")


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
    d = check_ok(_upload(ctx, no, data, name="evidence.bin&visibility=involved"), 201, "upload")
    att = d["attachments"]
    eq(len(att), 1, "attachments in the document")
    eq((att[0]["sha256"], att[0]["size"], att[0]["name"], att[0]["content_type"]),
       (sha, len(data), "evidence.bin", "application/octet-stream"), "attachment record")
    # a second file, sent chunked, with its own type and a Chinese name
    pdf = b"%PDF-1.4 " + os.urandom(20000)
    d = check_ok(_upload(ctx, no, pdf, who="lender_agent",
                         name="%E5%90%88%E5%90%8C.pdf&visibility=involved",
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
    eq(types, CREATED + ["attachment_added", "attachment_added"], "timeline")
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
            label = {("accept", "bank_auditor"): "accept_by_auditor",
                     ("accept", "lender_agent"): "accept_by_partner"}.get((action, who), action)
            results.append((label, r.status, r.json))

    jobs = [("accept", {}, "bank_agent")] * 8 + \
        [("note", {"text": "并发备注 %d" % i, "visibility": "involved"},
          ["bank_agent", "lender_agent", "bank_comp"][i % 3])
         for i in range(16)] + \
        [("close", {"summary": "x"}, "bank_agent")] * 4 + \
        [("accept", {}, "bank_auditor")] * 4 + \
        [("accept", {}, "lender_agent")] * 4
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
    # the lender is involved but does not lead: refused for its party, or for the state
    # once another accept won
    eq(by.get(("accept_by_partner", 403), 0) + by.get(("accept_by_partner", 409), 0), 4,
       "accepts by a partner refused")
    for action, status, body in results:
        if action == "accept_by_partner" and status == 403:
            eq(body["error"]["code"], "not_lead_party", "a partner's accept")
    eq(by.get(("note", 200), 0), 16, "notes")
    eq(by.get(("close", 409), 0), 4, "closes refused")
    for action, status, body in results:
        if status >= 400:
            check(set(body) == {"error"}, "error shape %r" % body)
    d = fx.get(no)
    eq((d["state"], d["notes"], d["version"]), ("accepted", 16, 19), "the complaint")
    events = fx.timeline(no)["events"]
    eq([e["seq"] for e in events], list(range(1, 20)), "event numbers")
    eq([e["type"] for e in events[:2]], CREATED, "the first events")
    eq(sorted(e["type"] for e in events),
       sorted(CREATED + ["accepted"] + ["note_added"] * 16), "event types")
    check_agent_loads(ctx.s.db)


def _store_files(ctx):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(ctx.s.att) for f in fs)


def test_note_visibility_refusals(ctx):
    """A note's or a file's visibility is party or involved: any other value is refused with
    422 naming the field, before anything is stored."""
    fx, s = ctx.fx, ctx.s
    no = fx.create()["no"]
    before, files = s.fingerprint(), _store_files(ctx)
    for path in ("/v1/complaints/%s/notes", "/v1/complaints/%s/actions/note"):
        for bad, code in (("secret", "invalid_value"), ("PARTY", "invalid_value"),
                          ("", "invalid_value"), (1, "invalid_type"), (["party"], "invalid_type")):
            r = s.http("POST", path % no, {"text": "备注", "visibility": bad},
                       token=fx.token("bank_agent"))
            check_error(r, 422, code, "visibility", "%s with visibility %r" % (path, bad))
    for query, status, code in (("&visibility=secret", 422, "invalid_value"),
                                ("&visibility=", 422, "invalid_value"),
                                ("&visibility=Involved", 422, "invalid_value"),
                                ("&visibility=party&visibility=involved", 400,
                                 "invalid_parameter")):
        r = _upload(ctx, no, b"refused file\n" * 50, name="x.txt" + query)
        check_error(r, status, code, "visibility", "upload with %s" % query)
    eq(s.fingerprint(), before, "the database after refused visibilities")
    eq(_store_files(ctx), files, "the attachment store after refused visibilities")


def test_note_visibility_default(ctx):
    """Without a visibility a note or file gets note_visibility_default: party unless
    configured; the timeline shows each event's visibility."""
    fx, s = ctx.fx, ctx.s
    no = fx.create()["no"]
    fx.act(no, "note", {"text": "内部合规备注"})
    d = check_ok(_upload(ctx, no, b"internal memo\n" * 20, name="memo.txt"), 201, "upload")
    eq([(a["name"], a["visibility"], a["party"]) for a in d["attachments"]],
       [("memo.txt", "party", fx.parties["bank"])], "the writer's view of its file")
    eq(d["notes"], 1, "the writer's note count")
    tl = fx.timeline(no)["events"]
    eq([(e["type"], e["visibility"], e["payload"].get("visibility")) for e in tl[2:]],
       [("note_added", "party", "party"), ("attachment_added", "party", "party")],
       "the writer's timeline")
    eq([e["visibility"] for e in tl[:2]], ["involved", "involved"], "other events")
    for who in ("bank_auditor", "bank_comp", "bank_sup"):  # every role of the writer's party
        eq(len(fx.timeline(no, who)["events"]), 4, "the timeline as " + who)
    other = fx.get(no, "lender_agent")
    eq((other.get("notes"), other.get("attachments")), (None, None), "the partner's view")
    eq([e["type"] for e in fx.timeline(no, "lender_agent")["events"]], CREATED,
       "the partner's timeline")
    # A server configured to share by default.
    s.settings["note_visibility_default"] = "involved"
    try:
        s.restart()
        fx.act(no, "note", {"text": "共享备注"})
        d = check_ok(_upload(ctx, no, b"shared memo\n" * 20, name="shared.txt"), 201, "upload")
        other = fx.get(no, "lender_agent")
        eq((other["notes"], [(a["name"], a["visibility"]) for a in other["attachments"]]),
           (1, [("shared.txt", "involved")]), "the partner's view with involved by default")
        eq([(e["type"], e["visibility"]) for e in fx.timeline(no, "lender_agent")["events"][2:]],
           [("note_added", "involved"), ("attachment_added", "involved")],
           "the partner's timeline with involved by default")
        # An explicit visibility still wins over the default.
        fx.act(no, "note", {"text": "仍为内部", "visibility": "party"})
        eq(fx.get(no, "lender_agent")["notes"], 1, "an explicit party-only note")
        eq(fx.get(no)["notes"], 3, "the writer's count")
    finally:
        del s.settings["note_visibility_default"]
        s.restart()
# Members the documentation gives as null (docs/api.md): the times and spans of a clock that
# has not reached them, the end of an open pause, the cursor of the last page, and the
# clock listings' filters and next alert.  Anywhere else a member without a value is absent.
NULL_ALLOWED = re.compile(
    r"(^|\.)clocks\.\d+\.(warn_at|stopped_at|remaining_ms|late_ms|pauses\.\d+\.to)$"
    r"|^items\.\d+\.(stopped_at|next_alert_at)$|^(due_from|due_to|next_cursor)$")


def _null_members(value, path=""):
    """The paths of the null members (and array items) inside a JSON value."""
    if value is None:
        return [path]
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _null_members(v, "%s.%s" % (path, k) if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _null_members(v, "%s.%d" % (path, i) if path else str(i))
    return out


def test_no_null_members_on_the_way(ctx):
    """docs/api.md: a member without a value does not appear.  Every answer of a complaint's
    whole way (registered without business or cause, handed to a lead party with nobody on
    duty, through review and mediation to closed) is searched for null members."""
    fx, s = ctx.fx, ctx.s
    answers = []
    real_http = s.http

    def http(method, path, *args, **kw):
        r = real_http(method, path, *args, **kw)
        if 200 <= r.status < 300 and r.json is not None:
            answers.append(("%s %s" % (method, path), r.json))
        return r

    def duty(who, on):
        check_ok(real_http("POST", "/v1/users/%d/duty" % fx.uid(who), {"on_duty": on},
                           token=fx.token(who)), 200, "duty of " + who)

    s.http = http
    try:
        for who in ("lender_agent", "lender_sup"):
            duty(who, False)
        d = fx.create(business=None, cause=None, claims=None, amount_fen=None)
        no = d["no"]
        lead = fx.lead_user(d)
        d = fx.act(no, "accept", {"lead_party": fx.parties["lender"]}, who=lead)
        check("assignee" not in d, "no lender agent on duty: %r" % d.get("assignee"))
        steps = [
            ("investigate", {}, "lender_agent"),
            ("classify", {"tags": ["利率"]}, "lender_agent"),
            ("note", {"text": "核实中"}, "bank_agent"),
            ("request_task", {"to_party": fx.parties["bank"], "kind": "information",
                              "request": "请提供放款记录"}, "lender_agent"),
            ("answer_task", {"task": 1, "answer": "见附件"}, "bank_agent"),
            ("decide", action_body("decide", fx), "lender_agent"),
            ("notify", None, "lender_agent"),
            ("review", {"reason": "不服"}, "lender_agent"),
            ("decide", action_body("decide", fx), "lender_sup"),
            ("notify", None, "lender_agent"),
            ("mediate", {"mediator_party": fx.parties["mediator"]}, "lender_agent"),
            ("decide", action_body("decide", fx), "med_user"),
            ("notify", None, "med_user"),
            ("close", {"summary": "调解结案"}, "med_user"),
            ("callback", {"method": "phone", "satisfaction": "satisfied"}, "lender_agent"),
        ]
        for action, body, who in steps:
            fx.act(no, action, body if body is not None else action_body(action, fx), who=who)
            if action == "request_task":  # the inboxes with an open task
                for party_user in ("lender_agent", "bank_agent"):
                    check_ok(s.http("GET", "/v1/tasks", token=fx.token(party_user)), 200, "tasks")
        for who in ("lender_agent", "bank_agent", "med_user"):
            fx.get(no, who)
            fx.timeline(no, who)
            check_ok(s.http("GET", "/v1/complaints", token=fx.token(who)), 200, "list")
        for path in ("/v1/tasks", "/v1/settlements", "/v1/clocks?state=all"):
            check_ok(s.http("GET", path, token=fx.token("lender_agent")), 200, path)
    finally:
        s.http = real_http
        for who in ("lender_agent", "lender_sup"):
            duty(who, True)
    check(len(answers) >= 31, "only %d answers" % len(answers))
    found = sorted({"%s: %s" % (what, p) for what, body in answers
                    for p in _null_members(body) if not NULL_ALLOWED.search(p)})
    eq(found, [], "null members")
