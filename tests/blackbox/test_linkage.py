"""
test_linkage.py - multi-party linkage (docs/linkage.md) over HTTP, with the
three institutions of one product's cooperation: the bank (funder, 6000 bp),
the lender (acquirer, 3000 bp) and the platform (1000 bp), plus an unrelated
bank (bank2), a regulator and a mediation centre.

  1. dispatch: a table of realistic complaints routed by data/routing.tsv to
     their lead party, department and queue (the `dispatched` event, seq 2,
     names the rule); the agent picked is the least-loaded on-duty agent,
     skilled ones first; off-duty agents are never picked; loads balance and
     follow state changes;
  2. the party rule: involved parties that do not lead get 403
     not_lead_party, notes and attachments are open to every involved party;
  3. party tasks (协办): request, answer with an attachment, overdue once by
     the sweeper, late answers, cancel, the inbox, working-day due times;
  4. transfers (转办): a transferee becomes involved, acknowledgement moves
     the lead, decline keeps it, escalation once after transfer_ack_hours;
  5. cost sharing (风险共担): the split by funding share x responsibility
     weight, exact to the fen (largest remainder), settlements per party,
     supersession by a review decision, and a randomised property check;
  6. personal data: masked everywhere, unmasked reads recorded as pii_read
     events and allowed only to the lead's handlers, repeat complainants by
     blind index, and nothing in clear in the database files at rest.

The tests run in order on one server whose test clock only moves forward:
2026-11-24 (Tue) for dispatch, 2026-11-27 (Fri) .. 12-01 for tasks,
2026-12-02 .. for transfers, then cost sharing and personal data.  Every
complaint gets its own telephone number unless a test wants a repeat.
"""

import datetime
import hashlib
import itertools
import os
import random
import stat
import urllib.parse
from fractions import Fraction

from harness import (Fixture, action_body, check, check_error, check_ok, eq, id_number,
                     password_of, wait_for)

HOUR = 3600 * 1000
MINUTE = 60 * 1000
DAY = 24 * HOUR
OPEN_STATES = "received,accepted,investigating,decided,notified,review,mediation"

# Extra agents: key -> (party key, skills).
EXTRA_AGENTS = [
    ("lender_coll1", "lender", ["collection"]),
    ("lender_coll2", "lender", ["collection"]),
    ("plat_tech", "platform", ["app", "c02"]),
    ("plat_priv", "platform", ["c10"]),
    ("bank_credit", "bank", ["credit_report"]),
    ("bank_mortgage", "bank", ["mortgage"]),
]

_phones = itertools.count(1)


def setup(ctx):
    # Background sweeps only when poked; tokens outlive the tests' stretch of test time.
    ctx.s = ctx.server(name="linkage", settings={"sweep_interval_ms": 3600000,
                                                 "token_ttl_hours": 24 * 366})
    _set_now(ctx, "2026-11-24T10:00:00+08:00")  # a Tuesday
    ctx.fx = Fixture(ctx.s).build()
    ctx.fx.users_by_id = {u["id"]: u for u in ctx.fx.users.values()}
    for key, party, skills in EXTRA_AGENTS:
        _add_agent(ctx, key, party, skills)


# ---- helpers ------------------------------------------------------------------------


def _ms(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _iso(ms):
    t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def _set_now(ctx, when):
    ms = when if isinstance(when, int) else _ms(when)
    got = check_ok(ctx.s.http("POST", "/v1/test/clock", {"now": _iso(ms)}), 200, "set clock")
    eq(got["now"], _iso(ms), "clock set")
    ctx.now = ms
    return ms


def _advance(ctx, ms):
    got = check_ok(ctx.s.http("POST", "/v1/test/clock", {"advance_ms": ms}), 200, "advance")
    ctx.now += ms
    eq(got["now"], _iso(ctx.now), "clock advanced")
    return ctx.now


def _sweep(ctx):
    return check_ok(ctx.s.http("POST", "/v1/test/sweep"), 200, "sweep")


def _add_agent(ctx, key, party, skills, role="agent"):
    fx = ctx.fx
    body = {"username": key, "display_name": key.replace("_", " "), "role": role,
            "party": fx.parties[party], "password": password_of(key), "skills": skills}
    u = check_ok(ctx.s.http("POST", "/v1/users", body, token=fx.token("op_admin")), 201,
                 "create user %s" % key)
    eq((u["skills"], u["on_duty"], u["active"]), (skills, True, True), "new agent %s" % key)
    fx.users[key] = u
    fx.users_by_id[u["id"]] = u
    fx.tokens[key] = fx.login(key, password_of(key))
    return u


def _new_phone():
    return "139%08d" % next(_phones)


def _create(ctx, who="bank_agent", **over):
    """A complaint with its own phone number (no ID), so it is no repeat of another."""
    over.setdefault("complainant", {"name": "张三", "phone": _new_phone()})
    return ctx.fx.create(who, **over)


def _post(ctx, no, action, body, who):
    return ctx.s.http("POST", "/v1/complaints/%s/actions/%s" % (no, action), body,
                      token=ctx.fx.token(who))


def _events(ctx, no, etype=None, who="bank_agent"):
    evs = ctx.fx.timeline(no, who)["events"]
    return [e for e in evs if etype is None or e["type"] == etype]


def _duty(ctx, key, on, who):
    r = ctx.s.http("POST", "/v1/users/%d/duty" % ctx.fx.uid(key), {"on_duty": on},
                   token=ctx.fx.token(who))
    u = check_ok(r, 200, "duty of %s -> %s by %s" % (key, on, who))
    eq((u["id"], u["on_duty"]), (ctx.fx.uid(key), on), "duty answer")
    return u


def _party_token(ctx, party_id):
    fx = ctx.fx
    for who in ("bank_agent", "lender_agent", "plat_agent", "bank2_agent"):
        if fx.users[who]["party"] == party_id:
            return fx.token(who)
    raise KeyError(party_id)


def _load(ctx, uid, party_id):
    """Open complaints assigned to a user, counted through the list API."""
    r = ctx.s.http("GET", "/v1/complaints?assignee=%d&state=%s&limit=200" % (uid, OPEN_STATES),
                   token=_party_token(ctx, party_id))
    page = check_ok(r, 200, "complaints of assignee %d" % uid)
    check(page["next_cursor"] is None, "more than 200 open complaints for %d" % uid)
    return page["count"]


def _expected_agent(ctx, party_id, queue, business, cause):
    """linkage.md, Dispatch: among the party's active agents on duty, those with a skill equal
    to the queue, the business or the cause first; the fewest open complaints; the lowest id."""
    users = check_ok(ctx.s.http("GET", "/v1/users", token=ctx.fx.token("op_admin")), 200,
                     "users")["items"]
    best = None
    for u in users:
        if u["party"] != party_id or u["role"] != "agent" or not u["active"] or not u["on_duty"]:
            continue
        skilled = bool({queue, business, cause} & set(u["skills"]))
        key = (not skilled, _load(ctx, u["id"], party_id), u["id"])
        if best is None or key < best:
            best = key
    return best[2] if best else None


def _to_investigating(ctx, no, who="bank_agent"):
    ctx.fx.act(no, "accept", {"note": "受理"}, who=who)
    return ctx.fx.act(no, "investigate", {"note": "调查"}, who=who)


def _decide_body(total=None, resp=None):
    body = action_body("decide", None)
    body.pop("compensation_fen")
    if total is not None:
        body["compensation_fen"] = total
    if resp is not None:
        body["party_responsibility"] = resp
    return body


def _upload(ctx, no, data, who, name, ctype="application/octet-stream", visibility="involved"):
    path = "/v1/complaints/%s/attachments?name=%s" % (no, urllib.parse.quote(name))
    if visibility:
        path += "&visibility=" + visibility
    return ctx.s.http("POST", path, data, token=ctx.fx.token(who), content_type=ctype)


# ---- 1. dispatch -------------------------------------------------------------------


def _routing_cases(fx):
    """(label, creator, body overrides, lead party key, rule, department, queue)."""
    p = fx.parties
    return [
        ("催收电话打到单位 (c12)", "bank_agent",
         {"cause": "c12", "description": "催收人员每天多次打电话到我单位，影响工作，要求停止。"},
         "lender", "collection_cause", "collection", "collection"),
        ("爆通讯录 filed as a fee dispute", "bank_agent",
         {"cause": "c11", "description": "逾期三天后催收员爆通讯录，给我的亲友和同事群发短信。",
          "claims": "停止催收骚扰，赔礼道歉"},
         "lender", "collection_conduct", "collection", "collection"),
        ("暴力催收 威胁上门", "plat_agent",
         {"cause": "c03", "description": "催收人员威胁要上门，并辱骂我的家人，属于暴力催收。"},
         "lender", "collection_conduct", "collection", "collection"),
        ("外包催收态度 (debt_collection)", "bank_agent",
         {"business": "debt_collection", "cause": "c01",
          "description": "外包催收公司工作人员态度恶劣，说话难听。"},
         "lender", "collection_business", "collection", "collection"),
        ("征信记录错误 (credit_report)", "bank_agent",
         {"business": "credit_report", "cause": "c03",
          "description": "按时还款却被上报逾期记录，要求更正我的信用记录。"},
         "bank", "credit_business", "credit", "credit_report"),
        ("电话推销诱导借款 (c04)", "lender_agent",
         {"cause": "c04", "description": "客服电话推销时诱导我开通借款，称不借也不收费。"},
         "lender", "marketing_cause", "marketing", "marketing"),
        ("个人信息泄露 (c10)", "bank_agent",
         {"cause": "c10", "description": "我的借款信息被泄露给第三方，经常接到陌生贷款电话。"},
         "platform", "privacy_cause", "data_protection", "privacy"),
        ("APP闪退无法还款 (c02)", "bank_agent",
         {"cause": "c02", "description": "APP闪退，还款日当天无法完成还款，导致逾期。"},
         "platform", "app_cause", "technology", "app"),
        ("服务费担保费过高 (c11)", "lender_agent",
         {"cause": "c11", "description": "借款一万元，服务费和担保费加起来实际年化超过24%。",
          "claims": "退还多收的服务费"},
         "bank", "pricing_cause", "pricing", "pricing"),
        ("合同条款未提示 (c08)", "bank_agent",
         {"cause": "c08", "description": "借款合同中的自动续期条款没有任何提示。"},
         "bank", "contract_cause", "legal", "contract"),
        ("营销短信 (text only)", "bank_agent",
         {"cause": "c99", "description": "每天收到好几条营销短信，退订后依然发送。"},
         "lender", "marketing_calls", "marketing", "marketing"),
        ("未经同意查询征信 (text only)", "bank_agent",
         {"cause": "c01", "description": "未经本人同意查询了我的征信，要求说明原因。"},
         "bank", "credit_text", "credit", "credit_report"),
        ("登录不了 (text only)", "bank_agent",
         {"cause": "c03", "description": "更新后一直登录不了，验证码收不到。"},
         "platform", "app_fault", "technology", "app"),
        ("提前还款违约金 (text only)", "bank_agent",
         {"cause": "c03", "description": "提前还款时被收取3%的违约金，合同签订时没有说明。"},
         "bank", "pricing_text", "pricing", "pricing"),
        ("停息挂账 (text only)", "bank_agent",
         {"cause": "c03", "description": "因失业无力还款，申请停息挂账，客服不予处理。"},
         "bank", "repayment_hardship", "repayment", "repayment"),
        ("结清后仍显示欠款 (text only)", "bank_agent",
         {"cause": "c03", "description": "我已提前还款结清，系统仍显示有未还金额。"},
         "bank", "repayment_text", "repayment", "repayment"),
        ("页面金额 (bare mention of the app)", "bank_agent",
         {"cause": "c99", "description": "借款页面显示的到账金额和实际到账不一致。"},
         "platform", "app_mention", "technology", "app"),
        ("客服态度 (default)", "bank_agent",
         {"cause": "c01", "description": "客服人员态度冷淡，问题一直没有答复。"},
         "bank", "default", "service", "general"),
        ("集体投诉 complainants>=20 (major)", "lender_agent",
         {"cause": "c11", "complainants": 25,
          "description": "集体投诉：多名借款人反映利率和服务费不透明。"},
         "lender", "major", "complaints_office", "major"),
        ("暴力催收 + regulator_designated (major)", "plat_agent",
         {"cause": "c12", "signals": ["regulator_designated"],
          "description": "监管指定督办：暴力催收，威胁消费者家属。"},
         "platform", "major", "complaints_office", "major"),
        ("监管转办 (regulator channel)", "reg_user",
         {"channel": "regulator", "target_party": p["lender"], "cause": "c11",
          "description": "监管转办：消费者反映提前还款手续费过高。"},
         "lender", "regulator", "complaints_office", "regulator"),
        ("12345转办 (hotline)", "bank_agent",
         {"channel": "hotline_12345", "cause": "c02",
          "description": "12345转办：APP无法登录，无法查看账单。"},
         "bank", "regulator", "complaints_office", "regulator"),
        ("催收 without a product: the target leads", "bank_agent",
         {"product": None, "cause": "c12", "description": "催收电话频繁，要求停止。"},
         "bank", "collection_cause", "collection", "collection"),
    ]


# Queues for which the lead party has an agent with the skill: (lead key, queue) -> agents.
SKILLED = {
    ("lender", "collection"): {"lender_coll1", "lender_coll2"},
    ("platform", "app"): {"plat_tech"},
    ("platform", "privacy"): {"plat_priv"},  # by the cause code c10
    ("bank", "credit_report"): {"bank_credit"},
}


def test_dispatch_table(ctx):
    fx, s = ctx.fx, ctx.s
    cases = _routing_cases(fx)
    check(len(cases) >= 12, "at least 12 routing cases")
    skilled_picks = 0
    for label, who, over, lead_key, rule, dept, queue in cases:
        lead = fx.parties[lead_key]
        body = fx.complaint_body(**over)
        want_agent = _expected_agent(ctx, lead, queue, body["business"], body.get("cause"))
        d = _create(ctx, who, **over)
        no = d["no"]
        got = (d["lead_party"], d["department"], d["queue"])
        eq(got, (lead, dept, queue), "%s: lead_party/department/queue" % label)
        eq(d["dispatch"]["rule"], rule, "%s: dispatch.rule" % label)
        if rule == "major":
            eq(d["grade"], "major", "%s: grade" % label)
        eq(d["assignee"], want_agent, "%s: assignee (least-loaded on-duty agent, skilled first)"
           % label)
        check(d["assignee"] is not None, "%s: an agent was picked" % label)
        eq(fx.users_by_id[d["assignee"]]["party"], lead, "%s: assignee of the lead party" % label)
        if (lead_key, queue) in SKILLED:
            names = {fx.users_by_id[d["assignee"]]["username"]}
            check(names <= SKILLED[(lead_key, queue)], "%s: skilled agent picked, got %r"
                  % (label, names))
            skilled_picks += 1
        ev = fx.timeline(no, who)["events"]
        eq([e["type"] for e in ev[:2]], ["received", "dispatched"], "%s: first events" % label)
        disp = ev[1]
        eq(disp["seq"], 2, "%s: dispatched is the second event" % label)
        p = disp["payload"]
        eq((p["rule"], p["lead_party"], p["department"], p["queue"], p.get("assignee")),
           (rule, lead, dept, queue, want_agent), "%s: dispatched payload" % label)
        eq({k: d["dispatch"].get(k) for k in ("rule", "lead_party", "department", "queue")},
           {"rule": rule, "lead_party": lead, "department": dept, "queue": queue},
           "%s: the document's dispatch" % label)
        # The lead party's agent sees it; an uninvolved bank does not.
        r = s.http("GET", "/v1/complaints/" + no, token=fx.token("bank2_agent"))
        check_error(r, 404, "not_found", what="%s: bank2 reads it" % label)
    check(skilled_picks >= 8, "skill preference exercised (%d cases)" % skilled_picks)


def test_dispatched_event_actor(ctx):
    """linkage.md, Dispatch: the dispatched event is recorded by the system, with
    "actor": {"user": 0, "party": 0} like every event ombud records itself."""
    d = _create(ctx, cause="c11", description="利率过高。")
    ev = _events(ctx, d["no"])[1]
    eq((ev["seq"], ev["type"]), (2, "dispatched"), "second event")
    eq(ev["actor"], {"user": 0, "party": 0}, "actor of the dispatched event")


def test_dispatch_lead_role_fields(ctx):
    """The dispatched payload names the role the rule asked for and how the lead was found."""
    fx = ctx.fx
    d = _create(ctx, cause="c12", description="催收电话每天打来，要求停止。")
    p = _events(ctx, d["no"], "dispatched")[0]["payload"]
    eq((p["lead_role"], p["lead_by"], p["lead_party"]), ("acquirer", "acquirer",
                                                           fx.parties["lender"]),
       "acquirer-led dispatch")
    d = _create(ctx, cause="c01", description="客服态度冷淡。")
    p = _events(ctx, d["no"], "dispatched")[0]["payload"]
    eq((p["lead_role"], p["lead_party"]), ("target", fx.parties["bank"]), "target-led dispatch")


def test_assignment_by_load_skill_and_duty(ctx):
    fx, s = ctx.fx, ctx.s
    lender = fx.parties["lender"]
    a = _add_agent(ctx, "lender_as_a", "lender", ["collection"])["id"]
    b = _add_agent(ctx, "lender_as_b", "lender", ["collection"])["id"]
    check(a < b, "ids in creation order")
    # Only the two fresh collection agents (load 0) stay on duty among the skilled ones.
    _duty(ctx, "lender_coll1", False, "lender_sup")
    _duty(ctx, "lender_coll2", False, "lender_coll2")  # the user itself
    eq(_load(ctx, a, lender) + _load(ctx, b, lender), 0, "fresh agents have no load")

    made = []

    def collect_case(want, label):
        d = _create(ctx, cause="c12", description="催收人员频繁来电，要求停止催收。 " + label)
        eq((d["lead_party"], d["queue"]), (lender, "collection"), "%s: routed" % label)
        eq(d["assignee"], want, "%s: assignee" % label)
        eq(_events(ctx, d["no"], "dispatched")[0]["payload"].get("assignee"), want,
           "%s: dispatched assignee" % label)
        made.append((d["no"], want))
        return d["no"]

    # Equal agents: the lowest id first, then the loads balance.
    for i, want in enumerate([a, b, a, b]):
        collect_case(want, "balance %d" % i)
    eq((_load(ctx, a, lender), _load(ctx, b, lender)), (2, 2), "loads balanced")
    # A goes off duty (its own request): never picked, though its load is lower.
    _duty(ctx, "lender_as_a", False, "lender_as_a")
    collect_case(b, "A off duty 1")
    collect_case(b, "A off duty 2")
    eq((_load(ctx, a, lender), _load(ctx, b, lender)), (2, 4), "loads with A off duty")
    # Back on duty (by a supervisor): the least loaded wins until the loads are equal.
    _duty(ctx, "lender_as_a", True, "lender_sup")
    collect_case(a, "A back 1")
    collect_case(a, "A back 2")
    collect_case(a, "tie 4:4 -> lowest id")
    # The load follows state changes: two of B's complaints withdrawn -> B is least loaded.
    b_nos = [no for no, who in made if who == b]
    for no in b_nos[:2]:
        d = fx.act(no, "withdraw", {"reason": "消费者撤回"}, who="lender_sup")
        eq(d["state"], "withdrawn", "withdrawn")
    eq((_load(ctx, a, lender), _load(ctx, b, lender)), (5, 2), "loads after withdrawals")
    collect_case(b, "after withdrawals")
    # Reassignment moves load: A's complaint assigned to B.
    a_no = [no for no, who in made if who == a][0]
    fx.act(a_no, "assign", {"assignee": b}, who="lender_sup")
    eq((_load(ctx, a, lender), _load(ctx, b, lender)), (4, 4), "loads after assign")
    collect_case(a, "after assign (tie)")
    # No skilled agent on duty: an unskilled one on duty is picked.
    _duty(ctx, "lender_as_a", False, "lender_sup")
    _duty(ctx, "lender_as_b", False, "lender_sup")
    collect_case(fx.uid("lender_agent"), "only the unskilled agent on duty")
    # Nobody on duty: no assignee.
    _duty(ctx, "lender_agent", False, "lender_agent")
    d = _create(ctx, cause="c12", description="催收电话太多。")
    eq((d["lead_party"], d.get("assignee")), (lender, None), "nobody on duty")
    check("assignee" not in d, "no assignee member, not null: %r" % d.get("assignee"))
    # Duty is set by the user, a supervisor or an admin of the party only.
    r = s.http("POST", "/v1/users/%d/duty" % a, {"on_duty": True},
               token=fx.token("lender_coll1"))
    check(r.status in (403, 404), "another agent sets A's duty: %r" % r)
    r = s.http("POST", "/v1/users/%d/duty" % a, {"on_duty": True}, token=fx.token("bank_sup"))
    check(r.status in (403, 404), "another party's supervisor sets A's duty: %r" % r)
    users = check_ok(s.http("GET", "/v1/users/%d" % a, token=fx.token("lender_sup")), 200, "user")
    eq(users["on_duty"], False, "A still off duty")
    for key in ("lender_agent", "lender_as_a", "lender_as_b", "lender_coll1", "lender_coll2"):
        _duty(ctx, key, True, "lender_sup")


# ---- 2. the lead party ------------------------------------------------------------------


def test_lead_party_rule(ctx):
    fx, s = ctx.fx, ctx.s
    p = fx.parties
    d = _create(ctx)  # c11 pricing: the bank (funder) leads
    no = d["no"]
    eq(d["lead_party"], p["bank"], "bank leads")
    version = d["version"]
    received_actions = [
        ("accept", {"note": "受理"}),
        ("reject", {"reason": "理由"}),
        ("withdraw", {"reason": "理由"}),
        ("classify", {"cause": "c12", "reason": "重新分类"}),
        ("assign", {"assignee": fx.uid("plat_agent")}),
        ("transfer", {"to_party": p["platform"], "reason": "由平台处理"}),
        ("request_task", {"to_party": p["bank"], "kind": "information", "request": "请提供合同"}),
        ("extend", {"days": 30, "reason": "需要补充调查"}),
        ("pause", {"reason_code": "appraisal", "reason": "鉴定"}),
    ]
    for who in ("plat_agent", "lender_agent", "lender_sup"):
        for action, body in received_actions:
            check_error(_post(ctx, no, action, body, who), 403, "not_lead_party",
                        what="%s by %s (not the lead)" % (action, who))
    eq(fx.get(no)["version"], version, "refused actions changed nothing")
    # Notes and attachments: any involved party.
    d = fx.act(no, "note", {"text": "平台方：已调取登录日志", "visibility": "involved"},
               who="plat_agent")
    eq(d["notes"], 1, "note by the platform")
    d = check_ok(s.http("POST", "/v1/complaints/%s/notes" % no,
                        {"text": "资金方备注", "visibility": "involved"},
                        token=fx.token("lender_agent")), 200, "note by the lender")
    eq(d["notes"], 2, "note by the lender")
    r = _upload(ctx, no, b"login log 2026-11-24", "plat_agent", "登录日志.txt", "text/plain")
    eq(len(check_ok(r, 201, "attachment by the platform")["attachments"]), 1, "attachment")
    check_error(_post(ctx, no, "note", {"text": "x"}, "bank2_agent"), 404, "not_found",
                what="note by an uninvolved bank")
    # The lead moves on; the others still cannot decide or transfer.
    _to_investigating(ctx, no)
    for who in ("plat_agent", "lender_agent"):
        check_error(_post(ctx, no, "decide", _decide_body(100), who), 403, "not_lead_party",
                    what="decide by %s" % who)
        check_error(_post(ctx, no, "transfer", {"to_party": p["platform"], "reason": "转平台"},
                          who), 403, "not_lead_party", what="transfer by %s" % who)
    check_error(_post(ctx, no, "decide", _decide_body(100), "bank2_agent"), 404, "not_found",
                what="decide by an uninvolved bank")
    d = fx.act(no, "decide", _decide_body(), who="bank_agent")
    eq(d["state"], "decided", "the lead decides")
    eq(d["notes"], 2, "notes kept")


# ---- 3. party tasks ------------------------------------------------------------------


def test_tasks(ctx):
    fx, s = ctx.fx, ctx.s
    p = fx.parties
    _set_now(ctx, "2026-11-27T10:00:00+08:00")  # a Friday
    d = _create(ctx)
    no = d["no"]
    eq(d["lead_party"], p["bank"], "bank leads")
    # 1. The lead asks the platform for the transaction logs, due in one working day: the end
    #    of Monday 11-30 (the Friday of the request is not counted; the weekend is skipped).
    d = fx.act(no, "request_task", {"to_party": p["platform"], "kind": "information",
                                    "request": "请提供该笔借款的交易流水和扣款日志",
                                    "due_days": 1})
    t1 = d["tasks"][0]
    eq((t1["n"], t1["from_party"], t1["to_party"], t1["state"], t1["kind"], t1["due_at"]),
       (1, p["bank"], p["platform"], "open", "information", "2026-11-30T15:59:59.999Z"),
       "task 1")
    eq(_events(ctx, no)[-1]["type"], "task_requested", "task_requested event")
    # The platform's inbox shows it; the lender's does not; the bank's outbox does.
    inbox = check_ok(s.http("GET", "/v1/tasks?direction=in", token=fx.token("plat_agent")), 200,
                     "platform inbox")["items"]
    mine = [i for i in inbox if i["no"] == no]
    eq([(i["kind"], i["n"], i["state"], i["to_party"], i["due_at"]) for i in mine],
       [("task", 1, "open", p["platform"], "2026-11-30T15:59:59.999Z")], "platform inbox")
    inbox = check_ok(s.http("GET", "/v1/tasks?direction=in", token=fx.token("lender_agent")), 200,
                     "lender inbox")["items"]
    eq([i for i in inbox if i["no"] == no], [], "lender inbox")
    out = check_ok(s.http("GET", "/v1/tasks?direction=out", token=fx.token("bank_agent")), 200,
                   "bank outbox")["items"]
    eq([(i["kind"], i["n"]) for i in out if i["no"] == no], [("task", 1)], "bank outbox")
    # 2. The platform uploads the log and answers with it.
    log = "交易流水\n2026-11-20 扣款 1000.00 成功\n".encode("utf-8")
    sha = hashlib.sha256(log).hexdigest()
    r = _upload(ctx, no, log, "plat_agent", "扣款日志.csv", "text/csv")
    eq([a["sha256"] for a in check_ok(r, 201, "upload")["attachments"]], [sha], "uploaded")
    check_error(_post(ctx, no, "answer_task", {"task": 1, "answer": "见附件"}, "lender_agent"),
                403, "not_task_party", what="answer by the lender (task is the platform's)")
    check_error(_post(ctx, no, "answer_task", {"task": 1, "answer": "见附件"}, "bank_agent"),
                403, "not_task_party", what="answer by the asking party")
    check_error(_post(ctx, no, "answer_task", {"task": 99, "answer": "x"}, "plat_agent"), 422,
                "unknown_reference", what="answer to an unknown task")
    _advance(ctx, 2 * HOUR)
    d = fx.act(no, "answer_task", {"task": 1, "answer": "流水见附件", "attachments": [sha]},
               who="plat_agent")
    t1 = d["tasks"][0]
    eq((t1["state"], t1["late"], t1["answer"], t1["attachments"]),
       ("answered", False, "流水见附件", [sha]), "task 1 answered in time")
    # 3. A task to the lender left unanswered; one for cancelling (default 3 working days).
    d = fx.act(no, "request_task", {"to_party": p["lender"], "kind": "action",
                                    "request": "请核实放款记录并说明扣款依据", "due_days": 1})
    t2 = d["tasks"][1]
    eq((t2["n"], t2["to_party"], t2["state"], t2["due_at"]),
       (2, p["lender"], "open", "2026-11-30T15:59:59.999Z"), "task 2")
    d = fx.act(no, "request_task", {"to_party": p["lender"], "kind": "information",
                                    "request": "请提供催收录音"})
    t3 = d["tasks"][2]
    eq((t3["n"], t3["due_at"]), (3, "2026-12-02T15:59:59.999Z"),
       "task 3: three working days from Friday is Wednesday")
    # cancel_task: only the asking party.
    check_error(_post(ctx, no, "cancel_task", {"task": 3, "reason": "不需要了"}, "plat_agent"),
                403, "not_task_party", what="cancel by an uninvolved-in-the-task party")
    check_error(_post(ctx, no, "cancel_task", {"task": 3, "reason": "不需要了"}, "lender_agent"),
                403, "not_task_party", what="cancel by the addressee")
    check_error(_post(ctx, no, "cancel_task", {"task": 42, "reason": "x"}, "bank_agent"), 422,
                "unknown_reference", what="cancel an unknown task")
    d = fx.act(no, "cancel_task", {"task": 3, "reason": "已从其他渠道取得"}, who="bank_agent")
    eq(d["tasks"][2]["state"], "cancelled", "task 3 cancelled")
    # 4. Monday passes: 1 ms before the due time the task is still open; after it, overdue.
    _set_now(ctx, "2026-11-30T23:59:59.998+08:00")
    _sweep(ctx)
    eq(fx.get(no)["tasks"][1]["state"], "open", "task 2 1 ms before its due time")
    eq(_events(ctx, no, "task_overdue"), [], "no task_overdue before the due time")
    _set_now(ctx, "2026-12-01T10:00:00+08:00")
    _sweep(ctx)
    wait_for(lambda: fx.get(no)["tasks"][1]["state"] == "overdue", timeout=5)
    d = fx.get(no)
    eq([t["state"] for t in d["tasks"]], ["answered", "overdue", "cancelled"], "task states")
    overdue = _events(ctx, no, "task_overdue")
    eq(len(overdue), 1, "one task_overdue event")
    eq(overdue[0]["payload"]["task"], 2, "task_overdue names task 2")
    _sweep(ctx)
    _advance(ctx, HOUR)
    _sweep(ctx)
    eq(len(_events(ctx, no, "task_overdue")), 1, "still one task_overdue after more sweeps")
    inbox = check_ok(s.http("GET", "/v1/tasks?direction=in&state=overdue",
                            token=fx.token("lender_agent")), 200, "lender overdue")["items"]
    eq([(i["n"], i["state"]) for i in inbox if i["no"] == no], [(2, "overdue")],
       "lender's overdue inbox")
    # 5. An overdue task can still be answered: late.
    d = fx.act(no, "answer_task", {"task": 2, "answer": "已核实，扣款依据为合同第五条"},
               who="lender_agent")
    t2 = d["tasks"][1]
    eq((t2["state"], t2["late"]), ("answered", True), "task 2 answered late")
    _sweep(ctx)
    eq(len(_events(ctx, no, "task_overdue")), 1, "no overdue event after the answer")
    # Tasks go to involved parties only.
    r = _post(ctx, no, "request_task", {"to_party": p["bank2"], "kind": "information",
                                        "request": "x"}, "bank_agent")
    check_error(r, 422, None, "to_party", what="task to an uninvolved party")


# ---- 4. transfers -------------------------------------------------------------------------


def test_transfer_acknowledged(ctx):
    fx, s = ctx.fx, ctx.s
    p = fx.parties
    _set_now(ctx, "2026-12-02T10:00:00+08:00")  # a Wednesday
    d = _create(ctx, cause="c11", description="同一期账单被重复扣款两次，要求退还。")
    no = d["no"]
    eq(d["lead_party"], p["bank"], "bank leads")
    d = fx.act(no, "transfer", {"to_party": p["platform"], "reason": "系统扣款故障，由平台方处理",
                                "queue": "app"})
    tr = d["transfers"]
    eq(len(tr), 1, "one transfer")
    eq((tr[0]["from_party"], tr[0]["to_party"], tr[0]["state"], tr[0]["due_at"],
        tr[0]["escalated"]),
       (p["bank"], p["platform"], "pending", "2026-12-03T02:00:00.000Z", False), "transfer")
    eq(d["lead_party"], p["bank"], "lead unchanged while pending")
    eq(_events(ctx, no)[-1]["type"], "transferred", "transferred event")
    inbox = check_ok(s.http("GET", "/v1/tasks?direction=in&kind=transfer",
                            token=fx.token("plat_agent")), 200, "platform transfers")["items"]
    eq([(i["kind"], i["state"]) for i in inbox if i["no"] == no], [("transfer", "pending")],
       "the platform's inbox shows the transfer")
    # One at a time; only the named party answers.
    check_error(_post(ctx, no, "transfer", {"to_party": p["lender"], "reason": "转资金方"},
                      "bank_agent"), 409, "transfer_pending", what="second transfer")
    for who in ("lender_agent", "bank_agent"):
        check_error(_post(ctx, no, "acknowledge_transfer", {}, who), 403, "not_transfer_party",
                    what="acknowledge by %s" % who)
        check_error(_post(ctx, no, "decline_transfer", {"reason": "不同意"}, who), 403,
                    "not_transfer_party", what="decline by %s" % who)
    check_error(_post(ctx, no, "acknowledge_transfer", {}, "bank2_agent"), 404, "not_found",
                what="acknowledge by an uninvolved bank")
    want = _expected_agent(ctx, p["platform"], "app", "internet_loan", "c11")
    eq(want, fx.uid("plat_tech"), "the platform's app agent is the expected pick")
    d = fx.act(no, "acknowledge_transfer", {}, who="plat_agent")
    eq((d["lead_party"], d["assignee"], d["queue"]), (p["platform"], want, "app"),
       "platform leads after acknowledging")
    eq((d["transfers"][0]["state"]), "acknowledged", "transfer acknowledged")
    eq(_events(ctx, no)[-1]["type"], "transfer_acknowledged", "event")
    # The bank no longer leads; the platform does.
    check_error(_post(ctx, no, "accept", {}, "bank_agent"), 403, "not_lead_party",
                what="accept by the former lead")
    d = fx.act(no, "accept", {"note": "平台受理"}, who="plat_tech")
    eq(d["state"], "accepted", "accepted by the new lead")


def test_transfer_to_uninvolved_party(ctx):
    fx, s = ctx.fx, ctx.s
    p = fx.parties
    d = _create(ctx, product=None, cause="c02", description="扣款失败，APP一直显示处理中。")
    no = d["no"]
    eq(d["lead_party"], p["bank"], "no product: the target leads")
    eq([x["party"] for x in d["parties"]], [p["bank"]], "only the bank is involved")
    for who in ("plat_agent", "lender_agent", "bank2_agent"):
        check_error(s.http("GET", "/v1/complaints/" + no, token=fx.token(who)), 404, "not_found",
                    what="%s before the transfer" % who)
    # Not to a regulator or a mediator; not to the lead itself.
    for key in ("regulator", "mediator", "bank"):
        check_error(_post(ctx, no, "transfer", {"to_party": p[key], "reason": "转办"},
                          "bank_agent"), 422, None, "to_party", what="transfer to %s" % key)
    d = fx.act(no, "transfer", {"to_party": p["platform"], "reason": "系统问题由平台处理"})
    check(p["platform"] in [x["party"] for x in d["parties"]], "the transferee is involved")
    got = check_ok(s.http("GET", "/v1/complaints/" + no, token=fx.token("plat_agent")), 200,
                   "platform reads the transferred complaint")
    eq(got["transfers"][0]["state"], "pending", "platform sees the pending transfer")
    for who in ("lender_agent", "bank2_agent"):
        check_error(s.http("GET", "/v1/complaints/" + no, token=fx.token(who)), 404, "not_found",
                    what="%s after the transfer" % who)
    # Decline: the bank keeps the lead.
    d = fx.act(no, "decline_transfer", {"reason": "非平台系统问题，请资金方核实"},
               who="plat_agent")
    eq((d["lead_party"], d["transfers"][0]["state"]), (p["bank"], "declined"), "declined")
    eq(_events(ctx, no)[-1]["type"], "transfer_declined", "event")
    check_error(_post(ctx, no, "acknowledge_transfer", {}, "plat_agent"), 409, None,
                what="acknowledge after decline")
    d = fx.act(no, "accept", {}, who="bank_agent")
    eq(d["state"], "accepted", "the bank still acts as lead")


def test_transfer_escalated_once(ctx):
    fx, s = ctx.fx, ctx.s
    p = fx.parties
    _set_now(ctx, "2026-12-02T14:00:00+08:00")
    d = _create(ctx, cause="c11", description="服务费收取不合理。")
    no = d["no"]
    d = fx.act(no, "transfer", {"to_party": p["lender"], "reason": "助贷服务费由资金方处理"})
    due = d["transfers"][0]["due_at"]
    eq(due, _iso(ctx.now + 24 * HOUR), "due after transfer_ack_hours (24 h)")
    _advance(ctx, 24 * HOUR - MINUTE)
    _sweep(ctx)
    eq(_events(ctx, no, "transfer_escalated"), [], "not escalated before the due time")
    eq(fx.get(no)["transfers"][0]["escalated"], False, "escalated flag before")
    _advance(ctx, 2 * MINUTE)
    _sweep(ctx)
    wait_for(lambda: fx.get(no)["transfers"][0]["escalated"], timeout=5)
    esc = _events(ctx, no, "transfer_escalated")
    eq(len(esc), 1, "one transfer_escalated event")
    eq(esc[0]["payload"].get("transfer"), 1, "it names the transfer")
    t = fx.get(no)["transfers"][0]
    eq((t["state"], t["escalated"]), ("pending", True), "still pending, escalated")
    _sweep(ctx)
    _advance(ctx, HOUR)
    _sweep(ctx)
    eq(len(_events(ctx, no, "transfer_escalated")), 1, "still one after more sweeps")
    # Both parties see the escalation.
    eq(len(_events(ctx, no, "transfer_escalated", who="lender_agent")), 1, "lender sees it")
    # It can still be acknowledged, with a named assignee.
    d = fx.act(no, "acknowledge_transfer", {"assignee": fx.uid("lender_coll1")},
               who="lender_sup")
    eq((d["lead_party"], d["assignee"], d["transfers"][0]["state"]),
       (p["lender"], fx.uid("lender_coll1"), "acknowledged"), "acknowledged after escalation")
    _advance(ctx, 2 * DAY)
    _sweep(ctx)
    eq(len(_events(ctx, no, "transfer_escalated")), 1, "nothing after acknowledgement")


# ---- 5. cost sharing ----------------------------------------------------------------------


def _coop(fx):
    p = fx.parties
    return [(p["bank"], "funder", 6000), (p["lender"], "acquirer", 3000),
            (p["platform"], "platform", 1000)]


def _expected_split(total, members, weights):
    """linkage.md: floor of each exact share, the rest to the largest remainders (ties: the
    larger weight, then the cooperation's order).  members: [(party, role, share_bp)]."""
    w = [share * weights.get(party, 0) for party, _, share in members]
    big_w = sum(w)
    amounts = [total * wi // big_w for wi in w]
    rem = [total * wi % big_w for wi in w]
    left = total - sum(amounts)
    order = sorted(range(len(w)), key=lambda i: (-rem[i], -w[i], i))
    for i in order[:left]:
        amounts[i] += 1
    return {members[i][0]: amounts[i] for i in range(len(w))}


def _settlement(ctx, no):
    ev = _events(ctx, no, "decided")[-1]
    st = ev["payload"].get("settlement")
    check(isinstance(st, dict), "decided event without settlement: %r" % ev["payload"])
    return st


def _check_parts(st, total, members, weights, label):
    eq(st["total_fen"], total, "%s: total_fen" % label)
    check(isinstance(st.get("basis"), str) and st["basis"], "%s: basis %r" % (label, st))
    parts = st["parts"]
    roles = {party: (role, share) for party, role, share in members}
    by_party = {}
    for part in parts:
        check(part["party"] in roles, "%s: part of a non-member %r" % (label, part))
        eq((part["role"], part["share_bp"]), roles[part["party"]], "%s: role/share of %d"
           % (label, part["party"]))
        eq(part["weight"], weights.get(part["party"], 0), "%s: weight of %d"
           % (label, part["party"]))
        by_party[part["party"]] = part["amount_fen"]
    eq(sum(by_party.values()), total, "%s: the parts sum to the total" % label)
    big_w = sum(share * weights.get(party, 0) for party, _, share in members)
    for party, _, share in members:
        amount = by_party.get(party, 0)
        exact = Fraction(total * share * weights.get(party, 0), big_w)
        check(abs(amount - exact) < 1, "%s: part of %d is %d, exact share %s" % (
            label, party, amount, exact))
    want = _expected_split(total, members, weights)
    eq({k: v for k, v in by_party.items() if v}, {k: v for k, v in want.items() if v},
       "%s: amounts by largest remainder" % label)
    return by_party


def _settlements(ctx, who, query=""):
    r = ctx.s.http("GET", "/v1/settlements" + ("?" + query if query else ""),
                   token=ctx.fx.token(who))
    return check_ok(r, 200, "settlements as %s %s" % (who, query))


def test_cost_sharing_by_funding_share(ctx):
    fx = ctx.fx
    p = fx.parties
    members = _coop(fx)
    d = _create(ctx, description="重复扣款导致逾期，要求赔偿损失。")
    no = d["no"]
    _to_investigating(ctx, no)
    d = fx.act(no, "decide", _decide_body(10001))
    eq(d["state"], "decided", "decided")
    st = _settlement(ctx, no)
    by = _check_parts(st, 10001, members, {p["bank"]: 1, p["lender"]: 1, p["platform"]: 1},
                      "funding shares")
    eq(by, {p["bank"]: 6001, p["lender"]: 3000, p["platform"]: 1000}, "6000/3000/1000 of 10001")
    ctx.share_no = no
    # Responsibility weights: bank 1, lender 2, platform 0 -> 6000:6000:0; the odd fen goes
    # to the bank (equal remainders and weights: the cooperation's order).
    d = _create(ctx, description="提前还款违约金争议。")
    no2 = d["no"]
    _to_investigating(ctx, no2)
    resp = [{"party": p["bank"], "weight": 1}, {"party": p["lender"], "weight": 2},
            {"party": p["platform"], "weight": 0}]
    fx.act(no2, "decide", _decide_body(10001, resp))
    st = _settlement(ctx, no2)
    by = _check_parts(st, 10001, members, {p["bank"]: 1, p["lender"]: 2, p["platform"]: 0},
                      "weights 1/2/0")
    eq((by[p["bank"]], by[p["lender"]], by.get(p["platform"], 0)), (5001, 5000, 0),
       "weighted split of 10001")
    # Members not listed weigh 0.
    d = _create(ctx, description="服务费争议。")
    no3 = d["no"]
    _to_investigating(ctx, no3)
    fx.act(no3, "decide", _decide_body(999, [{"party": p["platform"], "weight": 3}]))
    by = _check_parts(_settlement(ctx, no3), 999, members, {p["platform"]: 3}, "platform only")
    eq(by.get(p["platform"]), 999, "all to the only weighted member")
    # No compensation: no settlement.
    d = _create(ctx, description="解释说明即可。")
    no4 = d["no"]
    _to_investigating(ctx, no4)
    fx.act(no4, "decide", _decide_body())
    check("settlement" not in _events(ctx, no4, "decided")[-1]["payload"],
          "no settlement without compensation")
    # Settlements per party: each sees only its own parts.
    for who, key in (("bank_agent", "bank"), ("lender_agent", "lender"),
                     ("plat_agent", "platform")):
        got = _settlements(ctx, who)
        check(got["items"], "%s has settlement parts" % who)
        check(all(i["party"] == p[key] for i in got["items"]),
              "%s sees only its party's parts: %r" % (who, got["items"][:3]))
        mine = {i["no"]: i["amount_fen"] for i in got["items"]}
        want = {no: {"bank": 6001, "lender": 3000, "platform": 1000}[key],
                no2: {"bank": 5001, "lender": 5000, "platform": 0}[key],
                no3: {"bank": 0, "lender": 0, "platform": 999}[key]}
        for n, amount in want.items():
            eq(mine.get(n, 0), amount, "%s: part of %s" % (who, n))
        check(no4 not in mine, "%s: no part of a decision without compensation" % who)
        totals = [t for t in got["totals"] if t["party"] == p[key]]
        eq(len(totals), 1, "%s: one total for its party" % who)
        eq(totals[0]["amount_fen"], sum(i["amount_fen"] for i in got["items"]),
           "%s: total of what is due" % who)
        check(all(t["party"] == p[key] for t in got["totals"]), "%s: only its totals" % who)
    got = _settlements(ctx, "bank2_agent")
    check(all(i["no"] not in (no, no2, no3) for i in got["items"]), "bank2 sees none of them")
    got = _settlements(ctx, "op_admin")
    eq(sorted((i["party"], i["amount_fen"]) for i in got["items"] if i["no"] == no),
       sorted([(p["bank"], 6001), (p["lender"], 3000), (p["platform"], 1000)]),
       "the operator's admin sees every party")


def test_review_supersedes_settlement(ctx):
    fx = ctx.fx
    p = fx.parties
    members = _coop(fx)
    d = _create(ctx, description="重复扣款，要求赔偿。")
    no = d["no"]
    _to_investigating(ctx, no)
    fx.act(no, "decide", _decide_body(3000))
    fx.act(no, "notify", {"method": "sms", "notified_at": _iso(ctx.now), "proof": "短信回执"})
    fx.act(no, "review", {"reason": "对补偿金额不满意"})
    resp = [{"party": p["bank"], "weight": 1}, {"party": p["platform"], "weight": 4}]
    d = fx.act(no, "decide", _decide_body(5003, resp), who="bank_sup")
    eq((d["state"], d["decisions"]), ("decided", 2), "review decision")
    by = _check_parts(_settlement(ctx, no), 5003, members, {p["bank"]: 1, p["platform"]: 4},
                      "review decision")
    # 6000:0:4000 of 5003 -> 3001.8 / 2001.2 -> 3002 / 2001
    eq((by[p["bank"]], by.get(p["lender"], 0), by[p["platform"]]), (3002, 0, 2001),
       "review split")
    first = {p["bank"]: 1800, p["lender"]: 900, p["platform"]: 300}
    for who, key in (("bank_agent", "bank"), ("lender_agent", "lender"),
                     ("plat_agent", "platform")):
        cur = [i["amount_fen"] for i in _settlements(ctx, who)["items"] if i["no"] == no]
        want = by.get(p[key], 0)
        check(cur == [want] or (want == 0 and cur == []),
              "%s: current parts of %s are %r, want only the review's %d" % (who, no, cur, want))
        old = [i["amount_fen"] for i in _settlements(ctx, who, "superseded=true")["items"]
               if i["no"] == no]
        check(first[p[key]] in old, "%s: superseded=true shows the earlier part %d: %r"
              % (who, first[p[key]], old))
    # Totals count only current parts.
    got = _settlements(ctx, "lender_agent")
    total = [t["amount_fen"] for t in got["totals"] if t["party"] == p["lender"]]
    eq(total, [sum(i["amount_fen"] for i in got["items"])], "lender total")
    check(all(i["no"] != no or i["amount_fen"] == 0 for i in got["items"]),
          "lender owes nothing of %s after the review" % no)


def test_cost_sharing_property(ctx):
    fx = ctx.fx
    p = fx.parties
    members = _coop(fx)
    rng = random.Random(20261124)
    totals = [1, 2, 3, 7, 10, 99, 10 ** 12, 10 ** 12 - 1]
    while len(totals) < 40:
        totals.append(rng.choice([rng.randint(1, 100), rng.randint(1, 10 ** 6),
                                  rng.randint(1, 10 ** 12)]))
    for i, total in enumerate(totals):
        if i % 5 == 0:
            weights = {party: 1 for party, _, _ in members}
            resp = None
        else:
            weights = {}
            resp = []
            for party, _, _ in members:
                if rng.random() < 0.8:
                    w = rng.choice([0, 1, rng.randint(0, 100), 100])
                    weights[party] = w
                    resp.append({"party": party, "weight": w})
            if not any(weights.values()):
                party = rng.choice(members)[0]
                weights[party] = rng.randint(1, 100)
                resp = [r for r in resp if r["party"] != party]
                resp.append({"party": party, "weight": weights[party]})
        d = _create(ctx, description="随机分摊 %d" % i)
        _to_investigating(ctx, d["no"])
        ctx.fx.act(d["no"], "decide", _decide_body(total, resp))
        _check_parts(_settlement(ctx, d["no"]), total, members, weights,
                     "case %d: total %d, weights %r" % (i, total, weights))
    # All weights zero cannot be shared.
    d = _create(ctx, description="零权重")
    _to_investigating(ctx, d["no"])
    r = _post(ctx, d["no"], "decide",
              _decide_body(100, [{"party": party, "weight": 0} for party, _, _ in members]),
              "bank_agent")
    check_error(r, 422, None, "party_responsibility", what="all weights zero")


# ---- 6. personal data -----------------------------------------------------------------------

PII_NAME = "张璟"
PII_PHONE = "13851238000"
PII_ID = id_number("44030619880315123")
PII_REF = "CUST-20261124-77"


def _masked_id(v):
    return v[:3] + "*" * 11 + v[-4:]


def test_personal_data_masked_and_revealed(ctx):
    fx, s = ctx.fx, ctx.s
    p = fx.parties
    d = fx.create("bank_agent", complainant={"name": PII_NAME, "phone": PII_PHONE,
                                             "id_number": PII_ID, "customer_ref": PII_REF},
                  description="借款利率与宣传不符。")
    no = d["no"]
    ctx.pii_no = no
    masked = {"name": "张*", "phone": "138****8000", "id_number": _masked_id(PII_ID)}
    eq({k: d["complainant"].get(k) for k in masked}, masked, "created document masked")
    secrets = [PII_PHONE.encode(), PII_ID.encode(), PII_NAME.encode("utf-8"), b"sealed"]
    for who in ("bank_agent", "bank_agent2", "bank_sup", "bank_comp", "bank_admin",
                "bank_auditor", "lender_agent", "lender_sup", "plat_agent"):
        r = s.http("GET", "/v1/complaints/" + no, token=fx.token(who))
        got = check_ok(r, 200, "GET as %s" % who)
        eq({k: got["complainant"].get(k) for k in masked}, masked, "masked for %s" % who)
        r2 = s.http("GET", "/v1/complaints/%s/timeline" % no, token=fx.token(who))
        check_ok(r2, 200, "timeline as %s" % who)
        r3 = s.http("GET", "/v1/complaints?limit=200", token=fx.token(who))
        check_ok(r3, 200, "list as %s" % who)
        for label, raw in (("document", r.raw), ("timeline", r2.raw), ("list", r3.raw)):
            for sec in secrets:
                check(sec not in raw, "%s as %s contains %r" % (label, who, sec))
    received = _events(ctx, no, "received")[0]["payload"]
    eq({k: received["complainant"].get(k) for k in masked}, masked, "received payload masked")
    # Unmasked read by the lead's agent, with a purpose.
    before = len(_events(ctx, no))
    r = s.http("GET", "/v1/complaints/%s/complainant?purpose=%s" % (no, urllib.parse.quote("回访")),
               token=fx.token("bank_agent"))
    got = check_ok(r, 200, "reveal as the lead's agent")
    eq((got["no"], got["complainant"]),
       (no, {"name": PII_NAME, "phone": PII_PHONE, "id_number": PII_ID, "customer_ref": PII_REF}),
       "clear values")
    evs = _events(ctx, no)
    eq(len(evs), before + 1, "one event added")
    ev = evs[-1]
    eq((ev["type"], ev["id"], ev["actor"]), ("pii_read", got["read_event"],
                                             {"user": fx.uid("bank_agent"), "party": p["bank"]}),
       "pii_read event")
    eq(ev["payload"].get("purpose"), "回访", "purpose recorded")
    check({"name", "phone", "id_number"} <= set(ev["payload"].get("fields", [])),
          "fields recorded: %r" % ev["payload"])
    # A supervisor of the lead may read too (no purpose).
    got = check_ok(s.http("GET", "/v1/complaints/%s/complainant" % no, token=fx.token("bank_sup")),
                   200, "reveal as the lead's supervisor")
    eq(got["complainant"]["phone"], PII_PHONE, "supervisor reads the phone")
    eq(_events(ctx, no)[-1]["actor"]["user"], fx.uid("bank_sup"), "second pii_read by bank_sup")
    # Roles that do not contact the consumer; parties that do not lead; uninvolved parties.
    n_reads = len(_events(ctx, no, "pii_read"))
    for who in ("bank_comp", "bank_auditor", "bank_admin"):
        check_error(s.http("GET", "/v1/complaints/%s/complainant" % no, token=fx.token(who)), 403,
                    "pii_not_allowed", what="reveal as %s" % who)
    for who in ("plat_agent", "lender_agent", "lender_sup"):
        check_error(s.http("GET", "/v1/complaints/%s/complainant" % no, token=fx.token(who)), 403,
                    "not_lead_party", what="reveal as %s" % who)
    check_error(s.http("GET", "/v1/complaints/%s/complainant" % no,
                       token=fx.token("bank2_agent")), 404, "not_found", what="reveal as bank2")
    eq(len(_events(ctx, no, "pii_read")), n_reads, "refused reads are not recorded")
    # After all this the timeline still holds nothing in clear.
    for who in ("bank_agent", "plat_agent"):
        raw = s.http("GET", "/v1/complaints/%s/timeline" % no, token=fx.token(who)).raw
        for sec in secrets:
            check(sec not in raw, "timeline as %s contains %r after reads" % (who, sec))


def test_repeat_complainants(ctx):
    fx, s = ctx.fx, ctx.s
    first = ctx.pii_no
    d = fx.create("bank_agent", complainant={"name": "张璟", "phone": "+86 138-5123-8000"},
                  grade=None, description="上次投诉后仍被重复扣款。")
    no = d["no"]
    check(1 <= d.get("repeats", 0) <= 5, "repeats counts the earlier complaints: %r" % d.get("repeats"))
    check("repeat_of" not in d, "no earlier numbers are copied into the complaint")
    check(d["grade"] in ("important", "urgent", "major"), "repeat graded %r" % d["grade"])
    check("signal:repeat" in d["grade_reasons"], "reason %r" % d["grade_reasons"])
    eq(d["complainant"]["phone"], "138****8000", "formatted phone masked")
    # By ID number alone.
    d3 = fx.create("lender_agent", complainant={"name": "张璟", "id_number": PII_ID},
                   description="身份证号相同的再次投诉。")
    check(d3.get("repeats", 0) >= 1, "repeat by id_number: %r" % d3.get("repeats"))
    # The search lists the party's complaints from that person.
    for q in ("phone=13851238000", "phone=" + urllib.parse.quote("+86 138-5123-8000"),
              "id_number=" + PII_ID):
        got = check_ok(s.http("GET", "/v1/complainants/complaints?" + q,
                              token=fx.token("bank_agent")), 200, "search %s" % q)
        check(first in got["complaints"], "%s: first complaint listed: %r" % (q, got))
        if q.startswith("phone"):
            check(no in got["complaints"], "%s: repeat listed: %r" % (q, got))
        got = check_ok(s.http("GET", "/v1/complainants/complaints?" + q,
                              token=fx.token("bank2_agent")), 200, "search %s as bank2" % q)
        eq(got["complaints"], [], "%s: bank2 finds nothing" % q)
    got = check_ok(s.http("GET", "/v1/complainants/complaints?phone=13900000000",
                          token=fx.token("bank_agent")), 200, "unknown phone")
    eq(got["complaints"], [], "unknown phone")
    # The masked numbers do not reveal anything in the repeat's timeline either.
    raw = s.http("GET", "/v1/complaints/%s/timeline" % no, token=fx.token("bank_agent")).raw
    for sec in (PII_PHONE.encode(), b"5123", PII_NAME.encode("utf-8"), b"sealed"):
        check(sec not in raw, "repeat timeline contains %r" % sec)


def test_repeat_of_respects_isolation(ctx):
    """linkage.md, Isolation: a party sees only complaints it is involved in.  A complaint
    the unrelated bank registers from the same phone must not reveal the other parties'
    complaints, nor count them as repeats."""
    fx, s = ctx.fx, ctx.s
    d = fx.create("bank2_agent", product=None,
                  complainant={"name": "张璟", "phone": PII_PHONE},
                  description="另一家银行的信用卡年费争议。")
    check("repeat_of" not in d, "no complaint numbers copied: %r" % d.get("repeat_of"))
    # bank2 never saw this person: not a repeat for bank2, and nothing reveals the others.
    check("repeats" not in d, "repeats counts only the institution's own: %r" % d.get("repeats"))
    eq(d["grade"], "general", "not graded as a repeat for another institution")


def test_personal_data_at_rest(ctx):
    fx, s = ctx.fx, ctx.s
    key_file = s.db + ".key"
    check(os.path.exists(key_file), "key file %s exists" % key_file)
    eq(stat.S_IMODE(os.stat(key_file).st_mode), 0o600, "key file mode")
    with open(key_file, "rb") as f:
        key = f.read()
    # 32 random bytes: raw, or written as 64 hex digits (and a newline).
    check(len(key) == 32 or (len(key.strip()) == 64 and
                             all(c in b"0123456789abcdefABCDEF" for c in key.strip())),
          "key file holds %d bytes, not a 32-byte key" % len(key))
    secrets = [PII_PHONE.encode(), PII_ID.encode(), PII_NAME.encode("utf-8"),
               PII_NAME.encode("unicode_escape"),
               "+86 138-5123-8000".encode()]
    secrets.append(PII_NAME.encode("utf-16-le"))

    def scan(when):
        seen = []
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = s.db + suffix
            if not os.path.exists(path):
                continue
            with open(path, "rb") as f:
                data = f.read()
            seen.append(suffix or "db")
            for sec in secrets:
                check(sec not in data, "%s: %s contains %r in clear" % (when, path, sec))
        check("db" in seen, "%s: database file read" % when)
        return seen

    running = scan("while running")
    check("-wal" in running, "the -wal file exists while the server runs: %r" % running)
    s.stop()
    scan("after stop")
    # The server refuses to start with a missing or a foreign key file.
    os.rename(key_file, key_file + ".bak")
    try:
        refused = False
        try:
            s.start()
        except AssertionError:
            refused = True
        if not refused:
            s.stop()
        check(refused, "the server started without its key file")
        with open(key_file, "wb") as f:
            f.write(os.urandom(32).hex().encode() + b"\n")
        os.chmod(key_file, 0o600)
        refused = False
        try:
            s.start()
        except AssertionError:
            refused = True
        if not refused:
            s.stop()
        check(refused, "the server started with a foreign key file")
        os.remove(key_file)
    finally:
        if os.path.exists(key_file + ".bak"):
            os.replace(key_file + ".bak", key_file)
    # The server starts again with its key file and reads the sealed values back.
    s.start()
    _set_now(ctx, ctx.now)
    got = check_ok(s.http("GET", "/v1/complaints/%s/complainant?purpose=%s"
                          % (ctx.pii_no, urllib.parse.quote("复核")),
                          token=fx.token("bank_agent")), 200, "reveal after restart")
    eq((got["complainant"]["phone"], got["complainant"]["id_number"], got["complainant"]["name"]),
       (PII_PHONE, PII_ID, PII_NAME), "clear values after restart")
    eq(_events(ctx, ctx.pii_no)[-1]["payload"].get("purpose"), "复核", "purpose after restart")
