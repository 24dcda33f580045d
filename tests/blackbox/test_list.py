"""
test_list.py - GET /v1/complaints: every filter against what the suite
created (assignee=none: the complaints nobody is assigned to, the same whether
few or many complaints of all parties are unassigned; no=: the listed numbers
a party sees, others silently absent), cursor pagination (each complaint exactly once, newest first,
ties broken by id, next_cursor null at the end, stable while complaints
arrive), the limits of a page, bad parameters, and isolation between
parties.  The complaints are led by the bank, the lender and the platform
(as dispatch routes them, or an acceptance hands the lead over) and acted
on by their lead party; list items show the complainant masked.
"""

import base64
import datetime
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlencode

from harness import (MASKED, Fixture, check, check_agent_loads, check_error, check_ok, db_query,
                     eq, timeless)

N = 120
TZ = datetime.timezone(datetime.timedelta(hours=8))
# local midnight 60 days ago: every complaint is received in the past, whatever today is
BASE = (datetime.datetime.now(TZ) - datetime.timedelta(days=60)).replace(hour=0, minute=0,
                                                                           second=0, microsecond=0)
CHANNELS = ["app", "phone", "web", "wechat"]
BUSINESS = ["internet_loan", "credit_card"]
CAUSES = ["c11", "c12", "c01"]


def _at(i):
    # three complaints share each hour, so the id must break ties
    return BASE + datetime.timedelta(hours=i // 3)


def _spec(fx, i):
    who = "lender_agent" if i % 5 == 4 else "bank_agent"
    over = {
        "channel": CHANNELS[i % 4], "business": BUSINESS[i % 2], "cause": CAUSES[i % 3],
        "received_at": _at(i).isoformat(), "description": "列表测试 %d" % i,
    }
    # data/routing.tsv leads c11 to the funder (the bank), c12 to the acquirer (the lender)
    # and a c01 complaint about an app fault to the platform
    if i % 12 == 8:
        over["description"] = "列表测试 %d：APP闪退" % i
    if i % 6 == 5 and who == "bank_agent":
        over["product"] = None
    signals = []
    if i % 10 == 0:
        signals.append("vulnerable")
    if i % 15 == 0:
        signals.append("media_exposure")
    if signals:
        over["signals"] = signals
    return who, over


# Whom each lead party assigns to (i % 7 == 3): another handler of that party.
ASSIGN_TO = {"bank": "bank_agent2", "lender": "lender_sup", "platform": "plat_agent"}


def _make(ctx, i):
    """Complaint i, acted on by a user of whichever party dispatch made its lead."""
    fx = ctx.fx
    who, over = _spec(fx, i)
    doc = fx.create(who, **over)
    no = doc["no"]
    if i % 4 == 1:
        lead = i % 8 == 1 and doc.get("product") == fx.product  # the lender must be involved
        body = {"lead_party": fx.parties["lender"]} if lead else {}
        doc = fx.act(no, "accept", body, who=fx.lead_user(doc))
    if i % 7 == 3:
        assignee = ASSIGN_TO[fx.party_key(doc["lead_party"])]
        doc = fx.act(no, "assign", {"assignee": fx.uid(assignee)}, who=fx.lead_user(doc))
    if i % 9 == 8 and doc["state"] == "received":
        doc = fx.act(no, "reject", {"reason": "不予受理"}, who=fx.lead_user(doc))
    return doc


def setup(ctx):
    # no sweep between the creations and the reads: documents compare equal (clocks aside)
    ctx.s = ctx.server(name="list", settings={"sweep_interval_ms": 3600000})
    fx = ctx.fx = Fixture(ctx.s).build()
    with ThreadPoolExecutor(4) as ex:
        docs = list(ex.map(lambda i: _make(ctx, i), range(N)))
    ctx.docs = {d["no"]: d for d in docs}
    # complaints the bank must never see
    ctx.hidden = [fx.create("lender_agent", product=None)["no"] for _ in range(4)]
    ctx.other = [fx.create("bank2_agent", product=None)["no"] for _ in range(5)]
    rows = db_query(ctx.s.db, "SELECT no, id, received_at FROM complaints")
    ctx.key = {no: (rec, cid) for no, cid, rec in rows}
    # the data must exercise every lead party and both ways the lead is set
    leads = {d["lead_party"] for d in docs}
    check({fx.parties[p] for p in ("bank", "lender", "platform")} <= leads,
          "lead parties %r" % sorted(leads))
    check(any(d.get("acceptance", {}).get("lead_party") == fx.parties["lender"] and
              d["dispatch"]["lead_party"] != fx.parties["lender"] for d in docs),
          "no lead handed to the lender on acceptance")


def _ordered(ctx, nos):
    return sorted(nos, key=lambda no: ctx.key[no], reverse=True)


def _list(ctx, who="bank_agent", **params):
    qs = urlencode(params)
    r = ctx.s.http("GET", "/v1/complaints" + ("?" + qs if qs else ""), token=ctx.fx.token(who))
    body = check_ok(r, 200, "list %s" % qs)
    check(set(body) == {"items", "count", "next_cursor"}, "list keys %r" % sorted(body))
    eq(body["count"], len(body["items"]), "count")
    return body


def _all(ctx, who="bank_agent", limit=200, **params):
    """Every page; returns the complaint numbers in the order served."""
    out, cursor, pages = [], None, 0
    while True:
        p = dict(params, limit=limit)
        if cursor:
            p["cursor"] = cursor
        body = _list(ctx, who, **p)
        pages += 1
        out += [d["no"] for d in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return out, pages
        eq(len(body["items"]), limit, "a page before the last is full")
        check(pages < 1000, "pagination does not end")


def test_all_visible_newest_first(ctx):
    got, _ = _all(ctx)
    eq(len(got), N, "complaints listed for the bank")
    eq(got, _ordered(ctx, ctx.docs), "order (received_at desc, id desc)")
    # a listed complaint is its document (clocks aside), with the complainant masked
    items = _list(ctx, limit=200)["items"]
    for item in items:
        eq(item["complainant"], MASKED, "complainant of %s in the list" % item["no"])
        eq(timeless(item), timeless(dict(ctx.docs[item["no"]])), "list item %s" % item["no"])


def test_agent_loads(ctx):
    # the loads dispatch reads were kept by the database through concurrent creations,
    # acceptances, assignments and rejections
    check_agent_loads(ctx.s.db)


def test_pagination_limit_25(ctx):
    got, pages = _all(ctx, limit=25)
    eq(pages, 5, "pages of 25 for %d complaints" % N)
    eq(len(got), len(set(got)), "a complaint listed twice")
    eq(got, _ordered(ctx, ctx.docs), "paginated order")
    last = _list(ctx, limit=25, cursor=_list(ctx, limit=100)["next_cursor"])
    eq((last["count"], last["next_cursor"]), (20, None), "the last page")


def test_default_and_max_page(ctx):
    body = _list(ctx)
    eq(body["count"], 50, "default page size")
    check(body["next_cursor"], "a cursor after the default page")
    eq(_list(ctx, limit=200)["count"], N, "limit = page_max")
    eq(_list(ctx, limit=1)["count"], 1, "limit = 1")
    exact = _list(ctx, limit=N)
    eq((exact["count"], exact["next_cursor"]), (N, None), "a page holding exactly everything")


def _check_filter(ctx, pred, what, who="bank_agent", limit=200, **params):
    want = _ordered(ctx, [no for no, d in ctx.docs.items() if pred(d)])
    check(want, "filter %s selects nothing: the test data is wrong" % what)
    check(len(want) < N, "filter %s selects everything: the test data is wrong" % what)
    got, _ = _all(ctx, who, limit=limit, **params)
    eq(got, want, "filter " + what)
    return got


def test_filter_state(ctx):
    _check_filter(ctx, lambda d: d["state"] == "accepted", "state=accepted", state="accepted")
    _check_filter(ctx, lambda d: d["state"] in ("received", "accepted"), "state=received,accepted",
                  limit=9, state="received,accepted")
    body = _list(ctx, state="closed")
    eq(body["items"], [], "nothing closed")


def test_filter_grade(ctx):
    _check_filter(ctx, lambda d: d["grade"] == "important", "grade=important", grade="important")
    _check_filter(ctx, lambda d: d["grade"] in ("urgent", "major"), "grade=urgent,major",
                  grade="urgent,major")


def test_filter_codes(ctx):
    _check_filter(ctx, lambda d: d["channel"] == "phone", "channel", channel="phone")
    _check_filter(ctx, lambda d: d.get("business") == "credit_card", "business", limit=13,
                  business="credit_card")
    _check_filter(ctx, lambda d: d.get("cause") == "c12", "cause", cause="c12")
    _check_filter(ctx, lambda d: (d["state"], d["channel"], d.get("cause")) == ("received", "app",
                                                                            "c11"),
                  "state+channel+cause", state="received", channel="app", cause="c11")


def test_filter_parties_and_people(ctx):
    fx = ctx.fx
    lender = fx.parties["lender"]
    _check_filter(ctx, lambda d: d.get("assignee") == fx.uid("bank_agent2"), "assignee",
                  assignee=fx.uid("bank_agent2"))
    _check_filter(ctx, lambda d: d.get("assignee") == fx.uid("lender_sup"), "assignee (lender)",
                  assignee=fx.uid("lender_sup"))
    _check_filter(ctx, lambda d: any(p["party"] == lender for p in d["parties"]), "party",
                  party=lender)
    _check_filter(ctx, lambda d: d["lead_party"] == lender, "lead_party", lead_party=lender)
    _check_filter(ctx, lambda d: d["target_party"] == lender, "target_party", target_party=lender)
    _check_filter(ctx, lambda d: d.get("product") == fx.product, "product", product=fx.product)


def test_filter_received_range(ctx):
    lo, hi = BASE + datetime.timedelta(hours=10), BASE + datetime.timedelta(hours=20)

    def when(d):
        return datetime.datetime.fromisoformat(d["received_at"].replace("Z", "+00:00"))

    got = _check_filter(ctx, lambda d: lo <= when(d) < hi, "received_from/received_to",
                        received_from=lo.isoformat(), received_to=hi.isoformat())
    eq(len(got), 30, "complaints in ten hours")
    # a bare date is midnight in Asia/Shanghai
    day2 = BASE + datetime.timedelta(days=1)
    _check_filter(ctx, lambda d: when(d) >= day2, "received_from=date",
                  received_from=day2.strftime("%Y-%m-%d"))
    _check_filter(ctx, lambda d: when(d) < day2, "received_to=date",
                  received_to=day2.strftime("%Y-%m-%d"))


def test_bad_parameters(ctx):
    s, tok = ctx.s, ctx.fx.token("bank_agent")
    cases = [
        ("limit=201", "invalid_parameter", "limit"),
        ("limit=0", "invalid_parameter", "limit"),
        ("limit=-5", "invalid_parameter", "limit"),
        ("limit=1e2", "invalid_parameter", "limit"),
        ("limit=%2B5", "invalid_parameter", "limit"),
        ("limit=99999999999999999999", "invalid_parameter", "limit"),
        ("sort=received_at", "unknown_parameter", "sort"),
        ("state=open", "invalid_parameter", "state"),
        ("state=received,", "invalid_parameter", "state"),
        ("state=received&state=accepted", "invalid_parameter", "state"),
        ("grade=severe", "invalid_parameter", "grade"),
        ("channel=fax", "invalid_parameter", "channel"),
        ("party=abc", "invalid_parameter", "party"),
        ("party=0", "invalid_parameter", "party"),
        ("assignee=-1", "invalid_parameter", "assignee"),
        ("assignee=None", "invalid_parameter", "assignee"),
        ("assignee=null", "invalid_parameter", "assignee"),
        ("assignee=none,4", "invalid_parameter", "assignee"),
        ("assignee=none&assignee=4", "invalid_parameter", "assignee"),
        ("no=TS1", "invalid_parameter", "no"),
        ("no=ts20261124000001", "invalid_parameter", "no"),
        ("no=TS20261124000001,", "invalid_parameter", "no"),
        ("no=,TS20261124000001", "invalid_parameter", "no"),
        ("no=TS20261124000001,,TS20261124000002", "invalid_parameter", "no"),
        ("no=TS20261124000001%20", "invalid_parameter", "no"),
        ("no=TS20261124000001;TS20261124000002", "invalid_parameter", "no"),
        ("no=%2C", "invalid_parameter", "no"),
        ("no=", "invalid_parameter", "no"),
        ("no=" + ",".join("TS20261124%06d" % k for k in range(1, 202)), "invalid_parameter",
         "no"),
        ("cursor=not-a-cursor", "invalid_parameter", "cursor"),
        ("cursor=" + base64.urlsafe_b64encode(b"12.x").decode().rstrip("="), "invalid_parameter",
         "cursor"),
        ("cursor=" + base64.urlsafe_b64encode(b"12.0").decode().rstrip("="), "invalid_parameter",
         "cursor"),
        ("received_from=2026-13-01", "invalid_parameter", "received_from"),
        ("received_from=2026-10-02&received_to=2026-10-01", "invalid_parameter", "received_to"),
        ("received_to=" + quote("2026-10-01T00:00:00"), "invalid_parameter", "received_to"),
        ("limit=", "invalid_parameter", "limit"),
    ]
    for qs, code, field in cases:
        check_error(s.http("GET", "/v1/complaints?" + qs, token=tok), 400, code, field, what=qs)


def test_isolation(ctx):
    fx, s = ctx.fx, ctx.s
    got, _ = _all(ctx, "bank2_agent")
    eq(sorted(got), sorted(ctx.other), "the unrelated bank lists only its own complaints")
    eq(_all(ctx, "reg_user")[0], [], "the regulator lists nothing it is not involved in")
    some = sorted(ctx.docs)[:5]
    for no in some:
        for path in ("/v1/complaints/" + no, "/v1/complaints/%s/timeline" % no,
                     "/v1/complaints/%s/attachments" % no):
            check_error(s.http("GET", path, token=fx.token("bank2_agent")), 404, "not_found",
                        what="GET %s by the unrelated bank" % path)
        check_error(s.http("POST", "/v1/complaints/%s/notes" % no, {"text": "x"},
                           token=fx.token("bank2_agent")), 404, "not_found")
    for no in ctx.hidden:
        check_error(s.http("GET", "/v1/complaints/" + no, token=fx.token("bank_agent")), 404,
                    "not_found", what="a lender-only complaint seen by the bank")
    lender_sees, _ = _all(ctx, "lender_agent")
    want = [no for no, d in ctx.docs.items() if d.get("product") == fx.product] + ctx.hidden
    eq(lender_sees, _ordered(ctx, want), "what the lender sees")
    plat, _ = _all(ctx, "plat_agent", limit=30)
    eq(plat, _ordered(ctx, [no for no, d in ctx.docs.items() if d.get("product") == fx.product]),
       "what the platform sees")
    # filters never widen what a party sees
    got, _ = _all(ctx, "bank2_agent", party=fx.parties["bank"])
    eq(got, [], "party filter across parties")


def test_pagination_stable_while_complaints_arrive(ctx):
    fx = ctx.fx
    first = _list(ctx, limit=25)
    seen = [d["no"] for d in first["items"]]
    # complaints arriving now are newer than every page already served
    new = [fx.create()["no"] for _ in range(3)]
    cursor = first["next_cursor"]
    while cursor:
        body = _list(ctx, limit=25, cursor=cursor)
        seen += [d["no"] for d in body["items"]]
        cursor = body["next_cursor"]
    eq(len(seen), len(set(seen)), "a complaint served twice")
    eq(seen, _ordered(ctx, ctx.docs), "pages after new arrivals")
    check(not set(new) & set(seen), "new complaints leaked into later pages")
    eq(_list(ctx, limit=3)["items"][0]["no"], new[-1], "the newest complaint comes first")


# ---- the unassigned queue and listed numbers ---------------------------------------


def _duty(ctx, who, on):
    fx = ctx.fx
    check_ok(ctx.s.http("POST", "/v1/users/%d/duty" % fx.uid(who), {"on_duty": on},
                        token=fx.token(who)), 200, "duty of %s" % who)


def test_filter_unassigned(ctx):
    fx = ctx.fx
    # with no bank agent on duty, dispatch assigns nobody
    for who in ("bank_agent", "bank_agent2"):
        _duty(ctx, who, False)
    try:
        new = [fx.create("bank_agent", product=None) for _ in range(4)]
    finally:
        for who in ("bank_agent", "bank_agent2"):
            _duty(ctx, who, True)
    check(all("assignee" not in d for d in new), "the new complaints have no assignee")
    fx.act(new[1]["no"], "assign", {"assignee": fx.uid("bank_agent2")}, who="bank_agent")
    fx.act(new[2]["no"], "accept", {}, who="bank_agent")
    every = _list(ctx, limit=200)["items"]
    check(len(every) < 200, "the bank sees fewer than a page")
    want = [d["no"] for d in every if "assignee" not in d]
    eq(want, [new[3]["no"], new[2]["no"], new[0]["no"]], "the bank's unassigned complaints")
    got, pages = _all(ctx, limit=1, assignee="none")
    eq((got, pages), (want, 3), "assignee=none, one per page")
    got, _ = _all(ctx, assignee="none", state="received")
    eq(got, [new[3]["no"], new[0]["no"]], "assignee=none&state=received")
    # an id still works beside it
    got, _ = _all(ctx, assignee=fx.uid("bank_agent2"))
    check(new[1]["no"] in got and not set(want) & set(got), "assignee=<id>")
    # other parties see none of the bank's
    for who in ("lender_agent", "bank2_agent", "reg_user"):
        got, _ = _all(ctx, who, assignee="none")
        check(not set(want) & set(got), "%s sees the bank's unassigned complaints" % who)
    eq(_all(ctx, "bank2_agent", assignee="none")[0], [], "bank2's unassigned (it had an agent)")


def test_filter_numbers(ctx):
    fx = ctx.fx
    mine = sorted(ctx.docs)
    some = [mine[7], mine[3], mine[50], mine[3], mine[99], mine[0]]  # unordered, one twice
    nowhere = "TS20200101999999"
    foreign = ctx.hidden[:2] + ctx.other[:2]  # the lender's and the other bank's
    asked = some[:3] + foreign + [nowhere] + some[3:]
    body = _list(ctx, no=",".join(asked))
    eq([d["no"] for d in body["items"]], _ordered(ctx, set(some)), "no=: the bank's, in order")
    eq(body["next_cursor"], None, "one page")
    for d in body["items"]:
        eq(timeless(d), timeless(dict(ctx.docs[d["no"]])), "listed document %s" % d["no"])
    # paging and other filters as for any filter
    got, pages = _all(ctx, limit=2, no=",".join(asked))
    eq((got, pages), (_ordered(ctx, set(some)), 3), "no= two per page")
    state = ctx.docs[some[0]]["state"]
    _check_filter(ctx, lambda d: d["no"] in some and d["state"] == state, "no=&state=",
                  no=",".join(some), state=state)
    # the other parties see only their own among them: never a 404, never more
    bank2 = [d["no"] for d in _list(ctx, "bank2_agent", no=",".join(asked))["items"]]
    eq(bank2, _ordered(ctx, ctx.other[:2]), "what the other bank sees of the list")
    lender = [d["no"] for d in _list(ctx, "lender_agent", no=",".join(asked))["items"]]
    want = [no for no in set(some) if ctx.docs[no].get("product") == fx.product] + ctx.hidden[:2]
    eq(lender, _ordered(ctx, want), "what the lender sees of the list")
    eq(_list(ctx, "reg_user", no=",".join(asked))["items"], [], "the regulator sees none")
    eq(_list(ctx, no=nowhere)["items"], [], "a number nobody has")
    # page_max numbers at once
    full = mine + [nowhere] * (200 - len(mine))
    got = [d["no"] for d in _list(ctx, limit=200, no=",".join(full))["items"]]
    eq(got, _ordered(ctx, mine), "200 numbers")


def test_unassigned_among_many(ctx):
    """With 10,000 or more unassigned complaints of all parties the list walks the party's own
    rows instead of their index: the answer is the same."""
    before = {who: _all(ctx, who, limit=2, assignee="none")[0]
              for who in ("bank_agent", "lender_agent", "bank2_agent")}
    check(before["bank_agent"], "the bank has unassigned complaints")
    ctx.s.stop()
    # complaints of a party nobody here belongs to: no user lists them
    con = sqlite3.connect(ctx.s.db)
    try:
        with con:
            con.executemany(
                "INSERT INTO complaints(no, state, grade, channel, received_at, updated_at, "
                "version, doc) VALUES (?, 'received', 'general', 'phone', ?, ?, 1, '{}')",
                [("TS20000101%06d" % k, 946684800000 + k, 946684800000 + k)
                 for k in range(1, 10001)])
    finally:
        con.close()
    ctx.s.start()
    for who, want in before.items():
        eq(_all(ctx, who, limit=2, assignee="none")[0], want, "unassigned of %s among many" % who)
    eq(_all(ctx, assignee="none", state="received")[0], before["bank_agent"][:1] +
       before["bank_agent"][2:], "with a state")
