"""
test_idempotency.py - Idempotency-Key: a retried request is answered from
its record (same complaint, header Idempotent-Replayed: true, one row); a
key reused for another request is refused with 409; keys belong to their
user; many concurrent copies of one request create exactly one complaint;
actions and uploads honour keys too; and every write the index (/v1/)
lists answers a retry with one key from its record, except the few that
must never be replayed (a login, a webhook's creation: their answers hold
secrets), which run again instead.
"""

import hashlib
import os
import threading

from harness import (CREATED, MASKED, Fixture, check, check_error, check_ok, db_query, eq,
                     password_of, timeless)

H = "Idempotency-Key"


def setup(ctx):
    ctx.s = ctx.server(name="idem")
    ctx.fx = Fixture(ctx.s).build()


def _count(ctx, description):
    rows = db_query(ctx.s.db, "SELECT doc FROM complaints")
    return sum(1 for (doc,) in rows if ('"description":"%s"' % description) in doc)


def _create(ctx, key, who="bank_agent", **over):
    body = ctx.fx.complaint_body(**over)
    return ctx.s.http("POST", "/v1/complaints", body, token=ctx.fx.token(who), headers={H: key})


def test_same_key_same_body_replays(ctx):
    first = _create(ctx, "key-one", description="幂等一")
    a = check_ok(first, 201, "first")
    check("idempotent-replayed" not in first.headers, "first answer marked as replayed")
    idem_before = db_query(ctx.s.db, "SELECT count(*) FROM idempotency")[0][0]
    for i in range(3):
        again = _create(ctx, "key-one", description="幂等一")
        b = check_ok(again, 201, "retry %d" % i)
        eq(again.headers.get("idempotent-replayed"), "true", "Idempotent-Replayed header")
        eq(timeless(b), timeless(a), "the replayed body")
    eq(a["complainant"], MASKED, "complainant in the answer")
    eq(_count(ctx, "幂等一"), 1, "complaints in the database")
    eq(db_query(ctx.s.db, "SELECT count(*) FROM idempotency")[0][0], idem_before,
       "idempotency records")
    ctx.replayed_no = a["no"]


def test_same_key_other_body_refused(ctx):
    before = ctx.s.fingerprint()
    check_error(_create(ctx, "key-one", description="幂等一 changed"), 409,
                "idempotency_key_reused")
    # another path with the same key is another request too
    r = ctx.s.http("POST", "/v1/complaints/%s/notes" % ctx.replayed_no, {"text": "x"},
                   token=ctx.fx.token("bank_agent"), headers={H: "key-one"})
    check_error(r, 409, "idempotency_key_reused")
    eq(ctx.s.fingerprint(), before, "database after reused keys")
    eq(_count(ctx, "幂等一 changed"), 0, "complaint created with a reused key")


def test_keys_belong_to_their_user(ctx):
    # another user with the same key gets its own complaint, never the first user's
    r = _create(ctx, "key-one", who="bank_agent2", description="幂等一")
    d = check_ok(r, 201, "same key, other user")
    check("idempotent-replayed" not in r.headers, "another user's request was replayed")
    check(d["no"] != ctx.replayed_no, "another user's complaint was handed out")
    eq(_count(ctx, "幂等一"), 2, "complaints with that description")


def test_failed_request_does_not_use_the_key(ctx):
    r = _create(ctx, "key-after-failure", description="失败后重试", channel="fax")
    check_error(r, 422, "unknown_code", "channel")
    r = _create(ctx, "key-after-failure", description="失败后重试", channel="fax")
    check_error(r, 422, "unknown_code", "channel")
    r = _create(ctx, "key-after-failure", description="失败后重试")
    check_ok(r, 201, "valid request after failures with the same key")
    check("idempotent-replayed" not in r.headers, "a failure was recorded for the key")


def test_concurrent_copies_create_one(ctx):
    n = 24
    results = [None] * n
    start = threading.Event()

    def worker(i):
        start.wait()
        try:
            results[i] = _create(ctx, "key-concurrent", description="并发幂等")
        except Exception as e:  # noqa: BLE001 - reported below
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    start.set()
    for t in threads:
        t.join(60)
    errors = [r for r in results if not hasattr(r, "status")]
    check(not errors, "requests failed: %r" % errors[:3])
    statuses = [r.status for r in results]
    eq(statuses, [201] * n, "statuses")
    nos = {r.json["no"] for r in results}
    eq(len(nos), 1, "complaint numbers handed out")
    fresh = [r for r in results if "idempotent-replayed" not in r.headers]
    eq(len(fresh), 1, "answers not marked as replayed")
    eq(_count(ctx, "并发幂等"), 1, "complaints in the database")
    rows = db_query(ctx.s.db, "SELECT type, count(*) FROM events WHERE complaint_id = "
                              "(SELECT id FROM complaints WHERE no = ?) GROUP BY type",
                    (nos.pop(),))
    eq(dict(rows), {"received": 1, "dispatched": 1}, "creation and dispatch events")


def test_actions_honour_keys(ctx):
    fx, s = ctx.fx, ctx.s
    no = fx.create()["no"]
    path = "/v1/complaints/%s/actions/accept" % no
    a = s.http("POST", path, {"note": "受理"}, token=fx.token("bank_agent"), headers={H: "acc-1"})
    check_ok(a, 200, "accept")
    b = s.http("POST", path, {"note": "受理"}, token=fx.token("bank_agent"), headers={H: "acc-1"})
    check_ok(b, 200, "accept replayed (not 409 illegal_transition)")
    eq(b.headers.get("idempotent-replayed"), "true", "replayed header")
    eq(timeless(b.json), timeless(a.json), "replayed document")
    # without the key the second accept is illegal
    check_error(s.http("POST", path, {"note": "受理"}, token=fx.token("bank_agent")), 409,
                "illegal_transition")
    types = [e["type"] for e in fx.timeline(no)["events"]]
    eq(types, CREATED + ["accepted"], "events")


def test_uploads_honour_keys(ctx):
    fx, s = ctx.fx, ctx.s
    no = fx.create()["no"]
    path = "/v1/complaints/%s/attachments?name=a.bin" % no
    one, two = os.urandom(3000), os.urandom(3000)

    def up(data, key):
        return s.http("POST", path, data, token=fx.token("bank_agent"),
                      content_type="application/octet-stream", headers={H: key})

    check_ok(up(one, "up-1"), 201, "upload")
    r = up(one, "up-1")
    check_ok(r, 201, "same upload again")
    eq(r.headers.get("idempotent-replayed"), "true", "replayed upload")
    before = s.fingerprint()
    check_error(up(two, "up-1"), 409, "idempotency_key_reused")
    eq(s.fingerprint(), before, "database after a reused upload key")
    att = fx.get(no)["attachments"]
    eq([a["sha256"] for a in att], [hashlib.sha256(one).hexdigest()], "attachments")


def test_bad_keys(ctx):
    before = ctx.s.fingerprint()
    for key in ("k" * 129, "with space", "tab\there", "ключ"):
        check_error(_create(ctx, key), 400, "invalid_idempotency_key", "Idempotency-Key",
                    what="key %r" % key[:20])
    check_error(ctx.s.http("POST", "/v1/complaints", ctx.fx.complaint_body(),
                           token=ctx.fx.token("bank_agent"), headers=[(H, "")]),
                400, "invalid_idempotency_key", "Idempotency-Key")
    eq(ctx.s.fingerprint(), before, "database after bad keys")
    check_ok(_create(ctx, "k" * 128, description="最长的键"), 201, "a key of 128 characters")


# ---- every write route of the index ---------------------------------------------------------

# Writes whose answer is never replayed from a record, or that take no key.
NOT_REPLAYED = {
    ("POST", "/v1/tokens"),  # a login: a replay would hand out the token again
    ("POST", "/v1/sessions"),  # a sign-in: the same (test_session.py, sign_in_never_replayed)
    ("POST", "/v1/webhooks"),  # the answer holds the webhook's secret
}
NO_KEYS = {
    ("DELETE", "/v1/tokens/current"),  # a logout ends the token it is sent with
    ("DELETE", "/v1/sessions/current"),  # a sign-out ends the session it is sent with
    ("POST", "/v1/test/clock"),  # test hooks, not writes of the API
    ("POST", "/v1/test/sweep"),
    # a valid countersignature needs a witness's Ed25519 signature of a head
    # (test_witness.py); the route is served like the others (test_routes.c)
    ("POST", "/v1/ledger/heads/{size}/cosignatures"),
}


def _new_user(ctx, name):
    fx = ctx.fx
    body = {"username": name, "display_name": name, "role": "agent",
            "party": fx.parties["bank"], "password": password_of(name)}
    return check_ok(ctx.s.http("POST", "/v1/users", body, token=fx.token("op_admin")), 201,
                    "user " + name)["id"]


def _new_webhook(ctx, who="bank_admin"):
    r = ctx.s.http("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/idem"},
                   token=ctx.fx.token(who))
    return check_ok(r, 201, "webhook")["id"]


def _write_recipes(ctx):
    """(method, path in the index) -> a function giving (path, body, who, content type)."""
    fx = ctx.fx
    bank = fx.parties["bank"]

    def coop():
        r = ctx.s.http("POST", "/v1/products", {"code": "idem_prod2", "name": "幂等产品",
                                                "business": "internet_loan"},
                       token=fx.token("op_admin"))
        product = check_ok(r, 201, "product")["id"]
        members = [{"party": bank, "role": "funder", "share_bp": 10000}]
        return ("/v1/cooperations", {"code": "idem_coop", "name": "幂等合作", "product": product,
                                     "members": members}, "op_admin", None)

    def activate():
        uid = _new_user(ctx, "idem_act")
        check_ok(ctx.s.http("POST", "/v1/users/%d/deactivate" % uid, token=fx.token("op_admin")),
                 200, "deactivate first")
        return "/v1/users/%d/activate" % uid, None, "op_admin", None

    def disable():
        hid = _new_webhook(ctx)
        return "/v1/webhooks/%d" % hid, None, "bank_admin", None

    def enable():
        hid = _new_webhook(ctx)
        check_ok(ctx.s.http("DELETE", "/v1/webhooks/%d" % hid, token=fx.token("bank_admin")), 200,
                 "disable first")
        return "/v1/webhooks/%d/enable" % hid, None, "bank_admin", None

    def view(name):
        r = ctx.s.http("POST", "/v1/me/views", {"name": name, "page": "queue", "query": "a=1"},
                       token=fx.token("bank_agent"))
        return "/v1/me/views/%d" % check_ok(r, 201, "view " + name)["id"]

    return {
        ("POST", "/v1/me/views"): lambda: (
            "/v1/me/views", {"name": "幂等视图", "page": "queue", "query": "state=received"},
            "bank_agent", None),
        ("PUT", "/v1/me/views/{id}"): lambda: (
            view("改名前"), {"name": "改名后", "page": "queue", "query": "b=2"}, "bank_agent", None),
        ("DELETE", "/v1/me/views/{id}"): lambda: (view("删除前"), None, "bank_agent", None),
        ("POST", "/v1/parties"): lambda: (
            "/v1/parties", {"code": "idem_party", "name": "幂等方", "kind": "bank"}, "op_admin",
            None),
        ("POST", "/v1/users"): lambda: (
            "/v1/users", {"username": "idem_new", "display_name": "idem", "role": "agent",
                          "party": bank, "password": password_of("idem_new")}, "op_admin", None),
        ("POST", "/v1/users/{id}/deactivate"): lambda: (
            "/v1/users/%d/deactivate" % _new_user(ctx, "idem_deact"), None, "op_admin", None),
        ("POST", "/v1/users/{id}/activate"): activate,
        ("DELETE", "/v1/users/{id}/tokens"): lambda: (
            "/v1/users/%d/tokens" % _new_user(ctx, "idem_tok"), None, "op_admin", None),
        ("POST", "/v1/users/{id}/duty"): lambda: (
            "/v1/users/%d/duty" % fx.uid("bank_agent2"), {"on_duty": False}, "bank_agent2", None),
        ("POST", "/v1/products"): lambda: (
            "/v1/products", {"code": "idem_prod", "name": "幂等", "business": "internet_loan"},
            "op_admin", None),
        ("POST", "/v1/cooperations"): coop,
        ("POST", "/v1/complaints"): lambda: (
            "/v1/complaints", fx.complaint_body(description="每条写路由"), "bank_agent", None),
        ("POST", "/v1/complaints/{no}/actions/{action}"): lambda: (
            "/v1/complaints/%s/actions/accept" % fx.create()["no"], {"note": "受理"},
            "bank_agent", None),
        ("POST", "/v1/complaints/{no}/notes"): lambda: (
            "/v1/complaints/%s/notes" % fx.create()["no"], {"text": "备注"}, "bank_agent", None),
        ("POST", "/v1/complaints/{no}/attachments"): lambda: (
            "/v1/complaints/%s/attachments?name=r.bin" % fx.create()["no"], os.urandom(500),
            "bank_agent", "application/octet-stream"),
        ("DELETE", "/v1/webhooks/{id}"): disable,
        ("POST", "/v1/webhooks/{id}/enable"): enable,
        ("POST", "/v1/ledger/heads"): lambda: ("/v1/ledger/heads", None, "bank_agent", None),
        ("POST", "/v1/ledger/witnesses"): lambda: (
            "/v1/ledger/witnesses", {"party": bank, "public_key": os.urandom(32).hex()},
            "bank_admin", None),
    }


def test_every_write_route_replays(ctx):
    s, fx = ctx.s, ctx.fx
    index = check_ok(s.http("GET", "/v1/"), 200, "index")["endpoints"]
    writes = [(e["method"], e["path"]) for e in index if e["method"] != "GET"]
    check(len(writes) > 10, "write routes in the index: %r" % writes)
    recipes = _write_recipes(ctx)
    unknown = [w for w in writes if w not in recipes and w not in NOT_REPLAYED | NO_KEYS]
    eq(unknown, [], "write routes without a replay check here (add one)")
    for n, (method, route) in enumerate(w for w in writes if w in recipes):
        path, body, who, ctype = recipes[(method, route)]()
        key = "every-route-%d" % n
        kw = {"content_type": ctype} if ctype else {}
        what = "%s %s" % (method, route)
        first = s.http(method, path, body, token=fx.token(who), headers={H: key}, **kw)
        check(first.status in (200, 201), "%s: %r" % (what, first))
        check("idempotent-replayed" not in first.headers, what + ": first answer replayed")
        before = s.fingerprint()
        again = s.http(method, path, body, token=fx.token(who), headers={H: key}, **kw)
        eq(again.status, first.status, what + ": status of the retry")
        eq(again.headers.get("idempotent-replayed"), "true", what + ": Idempotent-Replayed")
        eq(timeless(again.json), timeless(first.json), what + ": the replayed body")
        eq(s.fingerprint(), before, what + ": database after the retry")


def test_secret_answers_are_not_replayed(ctx):
    s, fx = ctx.s, ctx.fx
    for n in range(2):
        r = s.http("POST", "/v1/tokens", {"username": "bank_agent",
                                          "password": password_of("bank_agent")},
                   headers={H: "login-key"})
        check_ok(r, 201, "login %d" % n)
        check("idempotent-replayed" not in r.headers, "a login was replayed")
    hooks = set()
    for n in range(2):
        r = s.http("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/again"},
                   token=fx.token("bank_admin"), headers={H: "hook-key"})
        hooks.add(check_ok(r, 201, "webhook %d" % n)["id"])
        check("idempotent-replayed" not in r.headers, "a webhook's creation was replayed")
    eq(len(hooks), 2, "webhooks created with one key")
