"""
test_service.py - the service endpoints (health, version, me, taxonomy) and
the platform's records (parties, users, products, cooperations, tokens),
with the roles that may touch them.  Health warns (and stays 200) when the
business calendar's official years are about to end.
"""

import datetime
import json
import socket
import threading
import time

from harness import (PARTIES, USERS, Fixture, check, check_error, check_ok, db_query, eq,
                     password_of, raw_exchange, status_lines, wait_for)


def setup(ctx):
    ctx.s = ctx.server(name="service")
    ctx.fx = Fixture(ctx.s).build()


def test_health_and_version(ctx):
    s = ctx.s
    h = check_ok(s.http("GET", "/v1/health"), 200, "health")
    eq(h["status"], "ok", "health.status")
    eq(h["database"], "ok", "health.database")
    check(isinstance(h["writer"]["batches"], int) and h["writer"]["failed_commits"] == 0,
          "health.writer %r" % h["writer"])
    v = check_ok(s.http("GET", "/v1/version"), 200, "version")
    eq(v["name"], "ombud", "version.name")
    check(v["version"] == h["version"] and v["api"], "version %r / health %r" % (v, h))
    r = s.http("GET", "/v1/health")
    check(r.headers.get("x-request-id"), "no X-Request-Id header")
    check(r.headers.get("content-type", "").startswith("application/json"), "content type")


def test_me_for_every_user(ctx):
    fx = ctx.fx
    for key, party, role in USERS:
        me = check_ok(ctx.s.http("GET", "/v1/me", token=fx.token(key)), 200, "me " + key)
        eq(me["id"], fx.uid(key), "me.id of " + key)
        eq(me["username"], key, "me.username")
        eq(me["role"], role, "me.role of " + key)
        eq(me["party"], fx.parties[party], "me.party of " + key)
    kinds = {key: kind for key, _, _, kind in PARTIES}
    me = check_ok(ctx.s.http("GET", "/v1/me", token=fx.token("reg_user")), 200, "me")
    eq(me["party_kind"], kinds["regulator"], "party_kind")
    me = check_ok(ctx.s.http("GET", "/v1/me", token=fx.token("op_admin")), 200, "me")
    eq((me["party_kind"], me["role"]), ("operator", "admin"), "operator admin")


def test_me_needs_a_token(ctx):
    r = ctx.s.http("GET", "/v1/me")
    check_error(r, 401, "missing_token")
    check(r.headers.get("www-authenticate", "").startswith("Bearer"), "no WWW-Authenticate")
    check_error(ctx.s.http("GET", "/v1/me", token="omb_" + "A" * 43), 401, "invalid_token")


def test_taxonomy(ctx):
    t = check_ok(ctx.s.http("GET", "/v1/taxonomy", token=ctx.fx.token("bank_agent")), 200,
                 "taxonomy")
    for kind in ("channel", "business", "cause"):
        check(isinstance(t.get(kind), list) and t[kind], "taxonomy has no %s" % kind)
        for item in t[kind]:
            check(set(item) == {"code", "zh", "en"} and all(item.values()),
                  "taxonomy item %r" % item)
    codes = {k: {i["code"] for i in v} for k, v in t.items()}
    check({"app", "phone", "regulator"} <= codes["channel"], "channels %r" % codes["channel"])
    check({"internet_loan", "credit_card"} <= codes["business"], "business codes")
    check({"c01", "c11", "c12"} <= codes["cause"], "cause codes")


def test_parties_list_and_get(ctx):
    fx = ctx.fx
    for who in ("bank_agent", "bank2_admin", "reg_user"):
        items = check_ok(ctx.s.http("GET", "/v1/parties", token=fx.token(who)), 200,
                         "parties")["items"]
        got = {p["code"]: p for p in items}
        for key, code, name, kind in PARTIES:
            check(code in got, "party %s missing for %s" % (code, who))
            eq((got[code]["id"], got[code]["name"], got[code]["kind"]),
               (fx.parties[key], name, kind), "party " + code)
    p = check_ok(ctx.s.http("GET", "/v1/parties/%d" % fx.parties["lender"],
                            token=fx.token("bank_agent")), 200, "party")
    eq(p["code"], "lender_a", "party code")
    check_error(ctx.s.http("GET", "/v1/parties/999999", token=fx.token("bank_agent")), 404,
                "not_found")


def test_only_operator_admin_creates_parties(ctx):
    fx = ctx.fx
    body = {"code": "new_bank", "name": "New bank", "kind": "bank"}
    before = ctx.s.fingerprint()
    for who in ("bank_admin", "bank_agent", "bank_sup", "reg_user", "bank2_admin"):
        check_error(ctx.s.http("POST", "/v1/parties", body, token=fx.token(who)), 403,
                    "role_not_allowed", what="party by " + who)
    eq(ctx.s.fingerprint(), before, "database after refused party creations")
    p = check_ok(ctx.s.http("POST", "/v1/parties", body, token=fx.token("op_admin")), 201,
                 "party by operator admin")
    eq((p["code"], p["kind"]), ("new_bank", "bank"), "created party")
    before = ctx.s.fingerprint()
    check_error(ctx.s.http("POST", "/v1/parties", body, token=fx.token("op_admin")), 409,
                "already_exists", "code")
    eq(ctx.s.fingerprint(), before, "database after a duplicate party code")


def test_users_of_own_party_only(ctx):
    fx, s = ctx.fx, ctx.s
    bank, bank2 = fx.parties["bank"], fx.parties["bank2"]
    u = check_ok(s.http("POST", "/v1/users", {"username": "bank_new1", "display_name": "New 1",
                                             "role": "agent", "skills": ["loans", "cards"]},
                        token=fx.token("bank_admin")), 201, "user without party")
    eq((u["party"], u["role"], u["skills"], u["active"]), (bank, "agent", ["loans", "cards"], True),
       "user created by bank admin")
    u2 = check_ok(s.http("POST", "/v1/users", {"username": "bank_new2", "display_name": "New 2",
                                              "role": "supervisor", "party": bank,
                                              "password": "long-enough-pw"},
                         token=fx.token("bank_admin")), 201, "user with own party")
    eq(u2["party"], bank, "party of user 2")
    before = s.fingerprint()
    check_error(s.http("POST", "/v1/users", {"username": "sneaky", "display_name": "S",
                                            "role": "admin", "party": bank2},
                       token=fx.token("bank_admin")), 403, "role_not_allowed", "party")
    for who in ("bank_agent", "bank_sup", "bank_auditor", "reg_user"):
        check_error(s.http("POST", "/v1/users", {"username": "x_" + who, "display_name": "X",
                                                "role": "agent"}, token=fx.token(who)),
                    403, "role_not_allowed", what="user by " + who)
    check_error(s.http("POST", "/v1/users", {"username": "bank_new1", "display_name": "Dup",
                                            "role": "agent"}, token=fx.token("bank_admin")),
                409, "already_exists", "username")
    eq(s.fingerprint(), before, "database after refused user creations")
    # the operator admin may create users in any party
    u3 = check_ok(s.http("POST", "/v1/users", {"username": "bank2_new", "display_name": "B2",
                                              "role": "agent", "party": bank2},
                         token=fx.token("op_admin")), 201, "user by operator admin")
    eq(u3["party"], bank2, "party of user 3")
    # a user without a password cannot log in; one with a password can
    check_error(s.http("POST", "/v1/tokens", {"username": "bank_new1", "password": "anything-at-all"}),
                401, "bad_credentials")
    tok = check_ok(s.http("POST", "/v1/tokens", {"username": "bank_new2",
                                                 "password": "long-enough-pw"}), 201, "login")
    me = check_ok(s.http("GET", "/v1/me", token=tok["token"]), 200, "me of new user")
    eq((me["username"], me["role"]), ("bank_new2", "supervisor"), "new user")


def test_users_list_shows_own_party(ctx):
    fx, s = ctx.fx, ctx.s
    for who, party in (("bank_admin", "bank"), ("bank_agent", "bank"), ("bank2_admin", "bank2"),
                       ("lender_agent", "lender")):
        items = check_ok(s.http("GET", "/v1/users", token=fx.token(who)), 200, "users")["items"]
        check(items, "no users for %s" % who)
        parties = {u["party"] for u in items}
        eq(parties, {fx.parties[party]}, "parties of users listed for " + who)
        check(all("password_hash" not in u and "password" not in u for u in items),
              "password data in the user list")
        names = {u["username"] for u in items}
        want = {k for k, p, _ in USERS if p == party}
        check(want <= names, "users of %s: %r missing" % (who, sorted(want - names)))
    all_users = check_ok(s.http("GET", "/v1/users", token=fx.token("op_admin")), 200,
                         "users")["items"]
    check({u["party"] for u in all_users} >= set(fx.parties[p] for p in
                                                 ("bank", "bank2", "lender", "regulator")),
          "operator admin sees every party's users")
    # one user: own party visible, other party's is not found
    me = check_ok(s.http("GET", "/v1/users/%d" % fx.uid("bank_agent2"),
                         token=fx.token("bank_admin")), 200, "user")
    eq(me["username"], "bank_agent2", "user by id")
    check_error(s.http("GET", "/v1/users/%d" % fx.uid("bank2_agent"),
                       token=fx.token("bank_admin")), 404, "not_found")
    check_ok(s.http("GET", "/v1/users/%d" % fx.uid("bank2_agent"), token=fx.token("op_admin")),
             200, "user by operator admin")
    check_error(s.http("GET", "/v1/users/0", token=fx.token("op_admin")), 404, "not_found")


def test_duty_of_agents(ctx):
    """POST /v1/users/{id}/duty: the user, a supervisor or an admin of its party sets it;
    dispatch assigns new complaints only to agents on duty."""
    fx, s = ctx.fx, ctx.s
    a1, a2 = fx.uid("bank_agent"), fx.uid("bank_agent2")

    def duty(uid, on, who, status=200):
        r = s.http("POST", "/v1/users/%d/duty" % uid, {"on_duty": on}, token=fx.token(who))
        return check_ok(r, status, "duty of %d by %s" % (uid, who))

    me = check_ok(s.http("GET", "/v1/users/%d" % a2, token=fx.token("bank_admin")), 200, "user")
    eq(me["on_duty"], True, "agents start on duty")
    before = s.fingerprint()
    check_error(s.http("POST", "/v1/users/%d/duty" % a2, {"on_duty": False},
                       token=fx.token("bank_agent")), 403, "role_not_allowed",
                what="duty of a colleague")
    check_error(s.http("POST", "/v1/users/%d/duty" % a2, {"on_duty": False},
                       token=fx.token("bank2_admin")), 404, "not_found",
                what="duty of another party's user")
    eq(s.fingerprint(), before, "database after refused duty changes")
    eq(duty(a2, False, "bank_admin")["on_duty"], False, "off duty (by the admin)")
    eq(check_ok(s.http("GET", "/v1/users/%d" % a2, token=fx.token("bank_sup")), 200,
                "user")["on_duty"], False, "off duty read back")
    # every other agent of the bank (earlier tests added some) off duty too
    users = check_ok(s.http("GET", "/v1/users", token=fx.token("bank_admin")), 200,
                     "users")["items"]
    others = [u["id"] for u in users if u["role"] == "agent" and u["id"] not in (a1, a2)]
    for uid in others:
        duty(uid, False, "bank_admin")
    # the bank leads rate complaints (cause c11): only its agent on duty gets them
    for _ in range(3):
        eq(fx.create()["assignee"], a1, "assignee while the other agents are off duty")
    duty(a1, False, "bank_agent")  # one's own duty
    d = fx.create()
    eq((d["lead_party"], d.get("assignee")), (fx.parties["bank"], None),
       "nobody on duty: led by the bank, not assigned")
    eq(d["dispatch"].get("assignee"), None, "dispatch without an assignee")
    eq(duty(a1, True, "bank_sup")["on_duty"], True, "on duty (by the supervisor)")
    duty(a2, True, "bank_agent2")
    for uid in others:
        duty(uid, True, "bank_admin")
    check(fx.create()["assignee"] in [a1, a2] + others, "assigned again")


def test_products_and_cooperations(ctx):
    fx, s = ctx.fx, ctx.s
    products = check_ok(s.http("GET", "/v1/products", token=fx.token("bank_agent")), 200,
                        "products")["items"]
    eq([(p["id"], p["code"], p["business"]) for p in products],
       [(fx.product, "loan_app", "internet_loan")], "products")
    p = check_ok(s.http("GET", "/v1/products/%d" % fx.product, token=fx.token("lender_agent")),
                 200, "product")
    eq(p["code"], "loan_app", "product code")
    coops = check_ok(s.http("GET", "/v1/cooperations", token=fx.token("plat_agent")), 200,
                     "cooperations")["items"]
    eq(len(coops), 1, "cooperations")
    c = check_ok(s.http("GET", "/v1/cooperations/%d" % fx.cooperation,
                        token=fx.token("bank_agent")), 200, "cooperation")
    eq(c["product"], fx.product, "cooperation product")
    members = {m["party"]: (m["role"], m["share_bp"]) for m in c["members"]}
    eq(members, {fx.parties["bank"]: ("funder", 6000), fx.parties["lender"]: ("acquirer", 3000),
                 fx.parties["platform"]: ("platform", 1000)}, "cooperation members")
    eq(sum(m["share_bp"] for m in c["members"]), 10000, "shares")
    check_error(s.http("GET", "/v1/cooperations/424242", token=fx.token("bank_agent")), 404,
                "not_found")
    check_error(s.http("GET", "/v1/products/424242", token=fx.token("bank_agent")), 404,
                "not_found")


def test_product_and_cooperation_rules(ctx):
    fx, s = ctx.fx, ctx.s
    op = fx.token("op_admin")
    before = s.fingerprint()
    body = {"code": "card2", "name": "Card", "business": "credit_card"}
    for who in ("bank_admin", "bank_agent", "reg_user"):
        check_error(s.http("POST", "/v1/products", body, token=fx.token(who)), 403,
                    "role_not_allowed", what="product by " + who)
    check_error(s.http("POST", "/v1/products", dict(body, business="spaceships"), token=op), 422,
                "unknown_code", "business")
    check_error(s.http("POST", "/v1/products", dict(body, code="loan_app"), token=op), 409,
                "already_exists", "code")
    bank, lender = fx.parties["bank"], fx.parties["lender"]
    members = [{"party": bank, "role": "funder", "share_bp": 7000},
               {"party": lender, "role": "acquirer", "share_bp": 3000}]
    coop = {"code": "coop2", "name": "Coop 2", "product": fx.product, "members": members}
    check_error(s.http("POST", "/v1/cooperations", coop, token=fx.token("bank_admin")), 403,
                "role_not_allowed")
    # a second cooperation for the same product
    check_error(s.http("POST", "/v1/cooperations", coop, token=op), 409, "already_exists")
    bad = dict(coop, members=[dict(members[0], share_bp=6999), members[1]])
    check_error(s.http("POST", "/v1/cooperations", bad, token=op), 422, "invalid_value", "members")
    bad = dict(coop, members=[members[0], dict(members[1], party=bank)])
    check_error(s.http("POST", "/v1/cooperations", bad, token=op), 422, "invalid_value", "members")
    bad = dict(coop, members=[members[0], dict(members[1], party=987654)])
    check_error(s.http("POST", "/v1/cooperations", bad, token=op), 422, "unknown_reference",
                "members.party")
    check_error(s.http("POST", "/v1/cooperations", dict(coop, product=987654), token=op), 422,
                "unknown_reference", "product")
    eq(s.fingerprint(), before, "database after refused products and cooperations")
    p = check_ok(s.http("POST", "/v1/products", body, token=op), 201, "product")
    c = check_ok(s.http("POST", "/v1/cooperations", dict(coop, product=p["id"]), token=op), 201,
                 "cooperation")
    eq(sum(m["share_bp"] for m in c["members"]), 10000, "shares of the new cooperation")


def test_login_and_logout(ctx):
    s = ctx.s
    before = s.fingerprint()
    check_error(s.http("POST", "/v1/tokens", {"username": "bank_agent", "password": "wrong-wrong"}),
                401, "bad_credentials")
    check_error(s.http("POST", "/v1/tokens", {"username": "nobody", "password": "wrong-wrong"}),
                401, "bad_credentials")
    eq(s.fingerprint(), before, "database after failed logins")
    tok = check_ok(s.http("POST", "/v1/tokens", {"username": "bank_agent",
                                                 "password": password_of("bank_agent"),
                                                 "label": "laptop"}), 201, "login")
    check(tok["token"].startswith("omb_") and tok["expires_at"], "token %r" % tok)
    eq(tok["user"]["username"], "bank_agent", "login user")
    t = tok["token"]
    check_ok(s.http("GET", "/v1/me", token=t), 200, "me with new token")
    out = check_ok(s.http("DELETE", "/v1/tokens/current", token=t), 200, "logout")
    eq(out, {"revoked": True}, "logout answer")
    check_error(s.http("GET", "/v1/me", token=t), 401, "invalid_token")
    check_error(s.http("DELETE", "/v1/tokens/current", token=t), 401, "invalid_token")
    # the other tokens of the same user still work
    check_ok(s.http("GET", "/v1/me", token=ctx.fx.token("bank_agent")), 200, "me")
    # the token is stored hashed: the database never holds it
    con_rows = db_query(s.db, "SELECT hex(hash) FROM tokens")
    check(all(t not in r[0] for r in con_rows), "token stored in clear")


def test_test_clock(ctx):
    s = ctx.s
    r = check_ok(s.http("POST", "/v1/test/clock", {"now": "2030-01-02T03:04:05+08:00"}), 200,
                 "set clock")
    eq(r["now"], "2030-01-01T19:04:05.000Z", "clock")
    r = check_ok(s.http("POST", "/v1/test/clock", {"advance_ms": 1000}), 200, "advance")
    eq(r["now"], "2030-01-01T19:04:06.000Z", "clock advanced")
    h = check_ok(s.http("GET", "/v1/health"), 200, "health")
    eq(h["time"], "2030-01-01T19:04:06.000Z", "health time")
    check_ok(s.http("POST", "/v1/test/clock", {"reset": True}), 200, "reset")
    check_error(s.http("POST", "/v1/test/clock", {"now": "yesterday"}), 422, "invalid_value")


def test_health_warns_of_the_projected_calendar(ctx):
    """The built-in calendar is official for 2025 and 2026 and projects 2027: /v1/health warns
    (and stays 200) within calendar_warn_days (60) of the end of 2026, and of the end of the
    calendar itself within 60 days of the end of 2027."""
    s = ctx.s
    cases = [
        ("2026-06-01T12:00:00+08:00", []),
        ("2026-10-31T12:00:00+08:00", []),
        ("2026-11-01T12:00:00+08:00", [("calendar_projected", "2026-12-31")]),
        ("2027-03-01T12:00:00+08:00", [("calendar_projected", "2026-12-31")]),
        ("2027-11-15T12:00:00+08:00", [("calendar_ending", "2027-12-31")]),
    ]
    try:
        for now, want in cases:
            check_ok(s.http("POST", "/v1/test/clock", {"now": now}), 200, "set clock")
            h = check_ok(s.http("GET", "/v1/health"), 200, "health on %s" % now)
            eq(h["status"], "ok", "status on %s" % now)
            eq([(w["code"], w["until"]) for w in h["warnings"]], want, "warnings on %s" % now)
            for w in h["warnings"]:
                check(w["until"] in w["message"], "message %r" % w["message"])
    finally:
        check_ok(s.http("POST", "/v1/test/clock", {"reset": True}), 200, "reset")


def test_calendar_warn_days_setting(ctx):
    """calendar_warn_days = 0 warns only once the official days have ended."""
    s = ctx.server(name="service-warn", settings={"calendar_warn_days": "0"})
    check_ok(s.http("POST", "/v1/test/clock", {"now": "2026-12-30T12:00:00+08:00"}), 200, "clock")
    eq(check_ok(s.http("GET", "/v1/health"), 200, "health")["warnings"], [], "warnings on 12-30")
    check_ok(s.http("POST", "/v1/test/clock", {"now": "2027-01-01T12:00:00+08:00"}), 200, "clock")
    eq([w["code"] for w in check_ok(s.http("GET", "/v1/health"), 200, "health")["warnings"]],
       ["calendar_projected"], "warnings on 2027-01-01")
    s.stop()


def test_token_expiry_follows_the_clock(ctx):
    s, fx = ctx.s, ctx.fx
    tok = check_ok(s.http("POST", "/v1/tokens", {"username": "bank_agent",
                                                 "password": password_of("bank_agent")}), 201,
                   "login")["token"]
    try:
        # token_ttl_hours is 30 days by default
        check_ok(s.http("POST", "/v1/test/clock", {"advance_ms": 29 * 86400 * 1000}), 200, "clock")
        check_ok(s.http("GET", "/v1/me", token=tok), 200, "me after 29 days")
        check_ok(s.http("POST", "/v1/test/clock", {"advance_ms": 2 * 86400 * 1000}), 200, "clock")
        check_error(s.http("GET", "/v1/me", token=tok), 401, "invalid_token")
    finally:
        check_ok(s.http("POST", "/v1/test/clock", {"reset": True}), 200, "reset")
    check_ok(s.http("GET", "/v1/me", token=fx.token("bank_agent")), 200, "me after reset")


def test_numbers_follow_the_local_day(ctx):
    s, fx = ctx.s, ctx.fx
    tz = datetime.timezone(datetime.timedelta(hours=8))
    # 23:59:30 in Asia/Shanghai three days from now (tokens last 30 days)
    day = (datetime.datetime.now(tz) + datetime.timedelta(days=3)).replace(
        hour=23, minute=59, second=30, microsecond=0)
    nxt = day + datetime.timedelta(days=1)
    ymd, ymd_next = day.strftime("%Y%m%d"), nxt.strftime("%Y%m%d")
    try:
        # the number's date is the day in Asia/Shanghai (UTC+8), not in UTC
        check_ok(s.http("POST", "/v1/test/clock", {"now": day.isoformat()}), 200, "clock")
        a = fx.create()
        eq(a["no"][:10], "TS" + ymd, "number before local midnight")
        b = fx.create()
        eq(int(b["no"][10:]), int(a["no"][10:]) + 1, "the next number of the day")
        check_ok(s.http("POST", "/v1/test/clock", {"advance_ms": 60 * 1000}), 200, "clock")
        c = fx.create()
        eq(c["no"], "TS%s000001" % ymd_next, "first number of the next local day")
        utc = (day + datetime.timedelta(minutes=1)).astimezone(datetime.timezone.utc)
        eq(c["received_at"], utc.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "received_at from the clock")
        # received_at may be given; up to five minutes ahead of the clock is tolerated
        soon = nxt.replace(hour=0, minute=5, second=0)
        d = fx.create(received_at=soon.isoformat())
        eq(d["no"], "TS%s000002" % ymd_next, "number from the given received_at")
        late = nxt.replace(hour=0, minute=10, second=0)
        check_error(s.http("POST", "/v1/complaints", fx.complaint_body(received_at=late.isoformat()),
                           token=fx.token("bank_agent")), 422, "invalid_value", "received_at")
        old = (day - datetime.timedelta(days=400)).replace(hour=10, minute=0, second=0)
        e = fx.create(received_at=old.isoformat())
        eq(e["no"], "TS%s000001" % old.strftime("%Y%m%d"), "number of a complaint of last year")
    finally:
        check_ok(s.http("POST", "/v1/test/clock", {"reset": True}), 200, "reset")
    # The old complaint's clocks are long breached: the sweeper, poked by the reset, raises
    # their alerts in the background.  Wait for them, so that no later test (comparing
    # database fingerprints) sees them arrive.
    def alerted():
        types = [ev["type"] for ev in fx.timeline(e["no"])["events"]]
        return types.count("clock_escalated") == 2
    check(wait_for(alerted), "the old complaint's breached clocks were not escalated")
    eq(check_ok(s.http("POST", "/v1/test/sweep"), 200, "sweep")["alerts"], 0,
       "alerts left after the background sweep")


def test_keep_alive_and_pipelining(ctx):
    port, tok = ctx.s.port, ctx.fx.token("bank_agent")
    two = (b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
           b"GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok.encode() +
           b"\r\nConnection: close\r\n\r\n")
    eq(status_lines(raw_exchange(port, two)), [200, 200], "two pipelined requests")
    # an error after the body was read keeps the connection
    body = b'{"username":"x"}'
    req = (b"POST /v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body) + body +
           b"GET /v1/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    eq(status_lines(raw_exchange(port, req)), [422, 200], "422 then the next request")


def test_early_errors_never_run_the_body_as_a_request(ctx):
    """An answer given before the body is read closes the connection: the body,
    whatever it holds, is never taken for the next request."""
    port, tok = ctx.s.port, ctx.fx.token("bank_agent")
    inner = b"DELETE /v1/tokens/current HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + \
        tok.encode() + b"\r\n\r\n"
    heads = [
        (401, b"POST /v1/complaints HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"),
        (415, b"POST /v1/complaints HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
              b"Authorization: Bearer " + tok.encode() + b"\r\n"),
        (404, b"POST /v1/nowhere HTTP/1.1\r\nHost: x\r\n"),
        (405, b"PUT /v1/me HTTP/1.1\r\nHost: x\r\n"),
    ]
    for status, head in heads:
        raw = raw_exchange(port, head + b"Content-Length: %d\r\n\r\n" % len(inner) + inner)
        eq(status_lines(raw), [status], "responses to an early error")
        check(b"Connection: close" in raw, "connection kept after an early error")
    # the token smuggled in the bodies was never revoked
    check_ok(ctx.s.http("GET", "/v1/me", token=tok), 200, "me")


def test_conflicting_framing_refused(ctx):
    port = ctx.s.port
    body = b'{"username":"a","password":"b"}'
    cases = [
        b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(body), len(body)) + body,
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n" % len(body) +
        body + b"\r\n0\r\n\r\n",
    ]
    before = ctx.s.fingerprint()
    for tail in cases:
        raw = raw_exchange(port, b"POST /v1/tokens HTTP/1.1\r\nHost: x\r\n"
                                 b"Content-Type: application/json\r\n" + tail)
        eq(status_lines(raw), [400], "answers to conflicting framing")
        doc = json.loads(raw[raw.index(b"\r\n\r\n") + 4:])
        eq(doc["error"]["code"], "invalid_framing", "error code")
    eq(ctx.s.fingerprint(), before, "database")


def test_test_clock_absent_without_the_flag(ctx):
    s2 = ctx.server(name="noclock", test_clock=False)
    check_error(s2.http("POST", "/v1/test/clock", {"advance_ms": 1000}), 404, "no_route")
    check_ok(s2.http("GET", "/v1/health"), 200, "health")
    s2.stop()


def test_logout_is_final_under_load(ctx):
    """Once DELETE /v1/tokens/current has answered, no request may pass with that token,
    whichever server thread serves it and whatever it had cached."""
    s = ctx.s
    late = []
    for trial in range(10):
        tok = check_ok(s.http("POST", "/v1/tokens", {"username": "bank_agent2",
                                                     "password": password_of("bank_agent2")}),
                       201, "login")["token"]
        done_at = [None]
        stop = threading.Event()

        def hammer():
            while not stop.is_set():
                t0 = time.monotonic()
                r = s.http("GET", "/v1/me", token=tok)
                if r.status == 200 and done_at[0] is not None and t0 > done_at[0]:
                    late.append((trial, r.status))

        threads = [threading.Thread(target=hammer) for _ in range(6)]
        for t in threads:
            t.start()
        time.sleep(0.02 + 0.005 * trial)
        check_ok(s.http("DELETE", "/v1/tokens/current", token=tok), 200, "logout")
        done_at[0] = time.monotonic()
        time.sleep(0.05)
        stop.set()
        for t in threads:
            t.join(30)
        check_error(s.http("GET", "/v1/me", token=tok), 401, "invalid_token")
    eq(late, [], "requests served with a token after its logout had answered")


def test_expect_continue(ctx):
    """A client that asks before sending: too large is refused at once, without the
    body; an acceptable request is told to go on and then answered."""
    s, tok = ctx.s, ctx.fx.token("bank_agent")
    head = (b"POST /v1/complaints HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok.encode() +
            b"\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n")
    raw = raw_exchange(s.port, head + b"Content-Length: 50000000\r\n\r\n", timeout=5)
    eq(status_lines(raw), [413], "answer to a declared body over max_body")
    body = json.dumps(ctx.fx.complaint_body(description="先问后发")).encode()
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    try:
        sock.sendall(head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
        first = sock.recv(4096)
        eq(status_lines(first), [100], "interim answer")
        sock.sendall(body)
        rest = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    finally:
        sock.close()
    eq(status_lines(first + rest), [100, 201], "answers")
