"""
test_reads.py - the reads of the web workbench's compliance, dashboard and
administration pages: the log of personal-data reads (GET /v1/pii_reads),
the counts of complaints by state, grade and day (GET /v1/stats/complaints)
and the dispatch rules in force (GET /v1/routing).

The log lists every read in clear of a complaint the reader's party is
involved in, newest first, paged by `cursor`, to supervisors, compliance
officers, admins and auditors only; another party's complaints never appear.
The counts are the reader's party's complaints only (every complaint for the
operator's admin), with every day of the window present. Bad parameters get
400 and the right field.
"""

import urllib.parse

from harness import Fixture, check, check_error, check_ok, eq


def setup(ctx):
    ctx.s = ctx.server(name="reads")
    ctx.fx = Fixture(ctx.s).build()
    fx = ctx.fx
    # Two complaints of the bank's product (the bank leads: cause c11), one of
    # an unrelated bank (bank2 is the target, not involved in the product).
    ctx.a = fx.create()["no"]
    ctx.b = fx.create()["no"]
    ctx.other = fx.create(who="bank2_agent", product=None, target_party=fx.parties["bank2"])["no"]
    for no, who in ((ctx.a, "bank_agent"), (ctx.b, "bank_agent"), (ctx.other, "bank2_agent")):
        r = ctx.s.http("GET", "/v1/complaints/%s/complainant?purpose=%s"
                       % (no, urllib.parse.quote("回访核实")), token=fx.token(who))
        check_ok(r, 200, "reveal %s" % no)


def _get(ctx, path, who):
    return ctx.s.http("GET", path, token=ctx.fx.token(who))


def test_pii_log_lists_the_partys_reads_newest_first(ctx):
    body = check_ok(_get(ctx, "/v1/pii_reads", "bank_comp"), 200, "the log")
    nos = [i["no"] for i in body["items"]]
    eq(nos, [ctx.b, ctx.a], "the bank's two reads, newest first")
    item = body["items"][0]
    eq(item["user"], ctx.fx.uid("bank_agent"), "who read")
    eq(item["party"], ctx.fx.parties["bank"], "the reader's party")
    eq(item["purpose"], "回访核实", "the purpose")
    check(set(item["fields"]) >= {"name", "phone", "id_number"}, "the fields: %r" % item)
    check(item["event"] > 0 and item["seq"] > 0 and item["at"].endswith("Z"), "ids: %r" % item)
    eq(body["next_cursor"], None, "one page")


def test_pii_log_never_shows_another_partys_complaints(ctx):
    for who in ("bank_sup", "bank_admin", "bank_auditor", "lender_sup"):
        body = check_ok(_get(ctx, "/v1/pii_reads", who), 200, who)
        check(ctx.other not in [i["no"] for i in body["items"]], "%s sees no bank2 read" % who)
    body = check_ok(_get(ctx, "/v1/pii_reads", "bank2_admin"), 200, "bank2")
    eq([i["no"] for i in body["items"]], [ctx.other], "bank2 sees its own read only")
    body = check_ok(_get(ctx, "/v1/pii_reads", "op_admin"), 200, "operator")
    eq(len(body["items"]), 3, "the operator's admin sees every read")


def test_pii_log_pages_and_filters(ctx):
    body = check_ok(_get(ctx, "/v1/pii_reads?limit=1", "bank_comp"), 200, "page 1")
    eq([i["no"] for i in body["items"]], [ctx.b], "the newest")
    cursor = body["next_cursor"]
    check(isinstance(cursor, str), "a next page: %r" % body)
    body = check_ok(_get(ctx, "/v1/pii_reads?limit=1&cursor=" + cursor, "bank_comp"), 200, "2")
    eq([i["no"] for i in body["items"]], [ctx.a], "the older")
    uid = ctx.fx.uid("bank_agent2")
    body = check_ok(_get(ctx, "/v1/pii_reads?user=%d" % uid, "bank_comp"), 200, "by user")
    eq(body["items"], [], "nobody else read")
    body = check_ok(_get(ctx, "/v1/pii_reads?from=2000-01-01&to=2000-01-02", "bank_comp"), 200,
                    "window")
    eq(body["items"], [], "no read in 2000")


def test_pii_log_roles_and_bad_parameters(ctx):
    for who in ("bank_agent", "reg_user", "med_user"):
        check_error(_get(ctx, "/v1/pii_reads", who), 403, "role_not_allowed", None)
    for query, field in (("limit=0", "limit"), ("limit=1001", "limit"), ("limit=+5", "limit"),
                         ("cursor=-1", "cursor"), ("user=x", "user"), ("from=yesterday", "from"),
                         ("from=2026-01-02&to=2026-01-01", "to")):
        check_error(_get(ctx, "/v1/pii_reads?" + query, "bank_comp"), 400, "invalid_parameter",
                    field)
    check_error(_get(ctx, "/v1/pii_reads?nope=1", "bank_comp"), 400, "unknown_parameter", "nope")


def test_stats_count_the_partys_complaints(ctx):
    body = check_ok(_get(ctx, "/v1/stats/complaints", "bank_agent"), 200, "stats")
    eq(body["total"], 2, "the bank's two complaints")
    eq(sum(body["by_state"].values()), 2, "by state")
    eq(body["open"], sum(body["open_by_grade"].values()), "open by grade adds up")
    eq(len(body["received"]), 30, "30 days by default")
    eq(sum(d["count"] for d in body["received"]), 2, "both received in the window")
    check(all(len(d["day"]) == 10 for d in body["received"]), "dates: %r" % body["received"][:2])
    body = check_ok(_get(ctx, "/v1/stats/complaints", "bank2_agent"), 200, "bank2")
    eq(body["total"], 1, "bank2's one complaint")
    body = check_ok(_get(ctx, "/v1/stats/complaints", "op_admin"), 200, "operator")
    eq(body["total"], 3, "every complaint")


def test_stats_window(ctx):
    body = check_ok(_get(ctx, "/v1/stats/complaints?from=2026-01-01&to=2026-01-08", "bank_agent"),
                    200, "a week")
    eq([d["day"] for d in body["received"]],
       ["2026-01-0%d" % d for d in range(1, 8)], "seven local days")
    for query, field in (("from=2026-01-02&to=2026-01-01", "to"), ("from=x", "from"),
                         ("from=2025-01-01&to=2026-01-03", "to")):
        check_error(_get(ctx, "/v1/stats/complaints?" + query, "bank_agent"), 400,
                    "invalid_parameter", field)
    check_error(_get(ctx, "/v1/stats/complaints?state=open", "bank_agent"), 400,
                "unknown_parameter", "state")


def test_routing_rules_in_force(ctx):
    body = check_ok(_get(ctx, "/v1/routing", "bank_agent"), 200, "routing")
    rules = body["rules"]
    eq(body["source"], "built-in", "the embedded rules")
    eq([r["order"] for r in rules], list(range(1, len(rules) + 1)), "in the order tried")
    last = rules[-1]
    for col in ("business", "cause", "product", "channel", "grade", "pattern"):
        eq(last[col], "*", "the catch-all's %s" % col)
    names = [r["name"] for r in rules]
    check("pricing_cause" in names, "the rule that routes c11: %r" % names)
    check_error(_get(ctx, "/v1/routing?x=1", "bank_agent"), 400, "unknown_parameter", "x")
