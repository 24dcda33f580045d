"""
test_integrity.py - rules that keep the records consistent: refused uploads
never reach the disk, a product's complaint names one of the product's
parties, users get only roles their party's kind can hold, codes are ASCII
identifiers while names may be any UTF-8, nulls are the same as absent, and
times are stored in one canonical form, and the complainant's personal data
is never stored in clear (only sealed, shown masked, read unmasked only
explicitly and on the record).
"""

import os

from harness import (Fixture, check, check_error, check_ok, db_query, eq, id_number,
                     password_of)


def setup(ctx):
    ctx.s = ctx.server(name="integrity")
    ctx.fx = Fixture(ctx.s).build()


def _blobs(server):
    """Files under the attachments directory (stored blobs and upload leftovers)."""
    found = []
    for root, _dirs, files in os.walk(server.att):
        found += [os.path.join(root, f) for f in files]
    return sorted(found)


def _upload(ctx, no, who, data=b"evidence bytes", name="a.bin"):
    return ctx.s.http("POST", "/v1/complaints/%s/attachments?name=%s" % (no, name), data,
                      content_type="application/octet-stream", token=ctx.fx.token(who))


def test_refused_uploads_leave_no_file(ctx):
    fx = ctx.fx
    no = fx.create()["no"]
    before = _blobs(ctx.s)
    # A role that may not attach, a party not involved, a complaint that does not exist.
    check_error(_upload(ctx, no, "bank_auditor", b"x" * 5000), 403, "role_not_allowed")
    check_error(_upload(ctx, no, "bank2_agent", b"y" * 5000), 404, "not_found")
    check_error(_upload(ctx, "TS20260101999999", "bank_agent", b"z" * 5000), 404, "not_found")
    check_error(_upload(ctx, no, "bank_agent", b"w" * 10, name=""), 400, "invalid_parameter")
    eq(_blobs(ctx.s), before, "files under the attachments directory")
    # An allowed upload is stored under its SHA-256.
    d = check_ok(_upload(ctx, no, "bank_agent", b"accepted bytes"), 201, "upload")
    sha = d["attachments"][-1]["sha256"]
    check(any(p.endswith(sha) for p in _blobs(ctx.s)), "blob %s stored" % sha)


def test_target_must_belong_to_the_product(ctx):
    fx = ctx.fx
    # bank_b is not a party of the product's cooperation.
    body = fx.complaint_body(target_party=fx.parties["bank2"])
    check_error(ctx.s.http("POST", "/v1/complaints", body, token=fx.token("bank2_agent")), 422,
                "invalid_value", "target_party")
    # Without the product the same complaint is bank_b's own, and only bank_b sees it.
    no = check_ok(ctx.s.http("POST", "/v1/complaints", fx.complaint_body(product=None),
                             token=fx.token("bank2_agent")), 201, "own complaint")["no"]
    check_error(ctx.s.http("GET", "/v1/complaints/" + no, token=fx.token("bank_agent")), 404,
                "not_found")


def test_roles_fit_the_party_kind(ctx):
    fx = ctx.fx
    tok = fx.token("bank_admin")
    for role in ("regulator", "mediator"):
        body = {"username": "x_" + role, "display_name": "X", "role": role,
                "password": password_of("new-user")}
        check_error(ctx.s.http("POST", "/v1/users", body, token=tok), 422, "invalid_value",
                    "role")
    body = {"username": "bank_new_agent", "display_name": "新客服", "role": "agent",
            "password": password_of("new-user")}
    u = check_ok(ctx.s.http("POST", "/v1/users", body, token=tok), 201, "agent in own bank")
    eq(u["party"], fx.parties["bank"], "party of the new user")
    # The operator cannot give a bank a regulator either.
    body = {"username": "bank_reg", "display_name": "X", "role": "regulator",
            "party": fx.parties["bank"]}
    check_error(ctx.s.http("POST", "/v1/users", body, token=fx.token("op_admin")), 422,
                "invalid_value", "role")


def test_codes_are_ascii_names_are_not(ctx):
    fx = ctx.fx
    op = fx.token("op_admin")
    for code in ("银行代码", "a b", "-lead", "x" * 33, "ok/slash"):
        r = ctx.s.http("POST", "/v1/parties", {"code": code, "name": "N", "kind": "bank"},
                       token=op)
        check_error(r, 422, None, "code", "party code %r" % code)
    for code in ("银行", "p q"):
        r = ctx.s.http("POST", "/v1/products",
                       {"code": code, "name": "N", "business": "internet_loan"}, token=op)
        check_error(r, 422, None, "code", "product code %r" % code)
    r = ctx.s.http("POST", "/v1/users", {"username": "张三", "display_name": "张三",
                                         "role": "agent", "party": fx.parties["bank"]},
                   token=op)
    check_error(r, 422, "invalid_value", "username")
    # 80 code points of four bytes each fit a name exactly.
    name = "\U0001F3E6" * 80
    p = check_ok(ctx.s.http("POST", "/v1/parties",
                            {"code": "emoji.bank", "name": name, "kind": "bank"}, token=op),
                 201, "party with a long name")
    got = check_ok(ctx.s.http("GET", "/v1/parties/%d" % p["id"], token=op), 200, "get party")
    eq(got["name"], name, "name read back")
    listed = check_ok(ctx.s.http("GET", "/v1/parties", token=op), 200, "list parties")
    check(any(x["name"] == name for x in listed["items"]), "party listed with its name")


def test_nulls_are_absent_and_times_canonical(ctx):
    fx = ctx.fx
    body = fx.complaint_body(tags=None)
    body["tags"] = None
    body["claims"] = None
    body["complainant"] = {"name": "李四", "phone": None, "id_number": None}
    clock = "/v1/test/clock"
    try:
        # received and decided on 11-19, the notice and the review after it (times are not
        # taken from before the step they follow, nor from the future)
        check_ok(ctx.s.http("POST", clock, {"now": "2026-11-19T10:00:00+08:00"}), 200, "clock")
        d = check_ok(ctx.s.http("POST", "/v1/complaints", body, token=fx.token("bank_agent")),
                     201, "create with nulls")
        eq(d["tags"], [], "tags")
        check("claims" not in d, "claims absent: %r" % d.get("claims"))
        eq(d["complainant"], {"name": "李*"}, "complainant (masked)")
        no = d["no"]
        for action, b in (("accept", {}), ("investigate", {})):
            fx.act(no, action, b)
        fx.act(no, "decide", {"finding": "f", "responsibility": "none", "remedy": "r",
                              "basis": "b", "routes": ["review"]})
        check_ok(ctx.s.http("POST", clock, {"now": "2026-11-22T10:00:00+08:00"}), 200, "clock")
        d = fx.act(no, "notify", {"method": "letter", "notified_at": "2026-11-20",
                                  "proof": "挂号信 123"})
        eq(d["notice"]["notified_at"], "2026-11-19T16:00:00.000Z", "notified_at stored in UTC")
        d = fx.act(no, "review", {"reason": "不服", "applied_at": "2026-11-21T09:30:00+08:00"})
        eq(d["review"]["applied_at"], "2026-11-21T01:30:00.000Z", "applied_at stored in UTC")
    finally:
        check_ok(ctx.s.http("POST", clock, {"reset": True}), 200, "reset")


def _cells(db):
    """Every text and blob cell of every table: [(table, column, value as text)]."""
    out = []
    tables = [r[0] for r in db_query(db, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    for t in tables:
        con_rows = db_query(db, 'SELECT * FROM "%s"' % t)
        cols = [r[1] for r in db_query(db, 'PRAGMA table_info("%s")' % t)]
        for row in con_rows:
            for col, v in zip(cols, row):
                if isinstance(v, bytes):
                    v = v.decode("utf-8", "replace")
                if isinstance(v, str):
                    out.append((t, col, v))
    return out


def test_personal_data_never_stored_in_clear(ctx):
    fx, s = ctx.fx, ctx.s
    clear = {"name": "王小明", "phone": "13912345678", "id_number": id_number("44030619851203123")}
    body = fx.complaint_body(complainant=dict(clear, customer_ref="CUST-0001"),
                             description="个人信息测试")
    r = s.http("POST", "/v1/complaints", body, token=fx.token("bank_agent"),
               headers={"Idempotency-Key": "pii-key"})
    d = check_ok(r, 201, "create")
    no = d["no"]
    masked = {"name": "王**", "phone": "139****5678",
              "id_number": clear["id_number"][:3] + "*" * 11 + clear["id_number"][-4:]}
    eq({k: d["complainant"].get(k) for k in masked}, masked, "masked complainant")
    fx.act(no, "accept", {"note": "受理"})
    # an unmasked read is explicit, for the roles that contact the consumer, and recorded
    path = "/v1/complaints/%s/complainant?purpose=%%E5%%9B%%9E%%E8%%AE%%BF" % no  # 回访
    before = s.fingerprint()
    check_error(s.http("GET", path, token=fx.token("bank_auditor")), 403, "pii_not_allowed")
    check_error(s.http("GET", path, token=fx.token("lender_agent")), 403, "not_lead_party")
    check_error(s.http("GET", path, token=fx.token("bank2_agent")), 404, "not_found")
    eq(s.fingerprint(), before, "database after refused reads")
    got = check_ok(s.http("GET", path, token=fx.token("bank_agent")), 200, "unmasked read")
    eq(got["no"], no, "no")
    eq({k: got["complainant"].get(k) for k in clear}, clear, "the personal data")
    eq(got["complainant"].get("customer_ref"), "CUST-0001", "customer_ref")
    last = fx.timeline(no)["events"][-1]
    eq((last["type"], last["id"], last["actor"]["user"]),
       ("pii_read", got["read_event"], fx.uid("bank_agent")), "the read is an event")
    check(last["payload"].get("purpose") == "回访", "purpose of the read %r" % last["payload"])
    # nothing of it in clear anywhere in the database, nor in the exports
    found = [(t, c) for t, c, v in _cells(s.db) if any(x in v for x in clear.values())]
    eq(found, [], "tables and columns holding the personal data in clear")
    for fmt in ("jsonl", "csv"):
        out = s.run_cli("export", "--format", fmt).stdout.decode("utf-8")
        check(no in out, "%s export without %s" % (fmt, no))
        leaked = [x for x in clear.values() if x in out]
        eq(leaked, [], "personal data in clear in the %s export" % fmt)
    with open(s.log, encoding="utf-8", errors="replace") as f:
        log = f.read()
    eq([x for x in clear.values() if x in log], [], "personal data in clear in the server log")
    # the key that seals it lives beside the database, readable by its owner only
    mode = os.stat(s.db + ".key").st_mode & 0o777
    eq(oct(mode), oct(0o600), "mode of the key file")
