"""
test_views.py - saved views, GET/POST /v1/me/views and PUT/DELETE
/v1/me/views/{id}: a user's named list queries of the web workbench's pages.

A view is answered exactly as {"id","name","page","query","created_at",
"updated_at"} with the query stored byte for byte; PUT replaces name, page
and query and keeps id and created_at; DELETE answers the view as it was.
Each user sees and changes only their own views: another user's id (of the
same party or another) is 404 not_found, as an unknown one is, and changes
nothing.  Names are unique per user and page (409 duplicate_name), a user
holds at most 50 views (409 too_many_views), and every bad body is the JSON
error naming the field, with the saved_views table unchanged.  Idempotency
keys replay like any write; views are personal settings, not evidence, so
they add no event to the ledger.
"""

from harness import Fixture, check, check_error, check_ok, db_query, eq

VIEW_KEYS = {"id", "name", "page", "query", "created_at", "updated_at"}
MAX_VIEWS = 50


def setup(ctx):
    ctx.s = ctx.server(name="views")
    ctx.fx = Fixture(ctx.s).build()


def _rows(ctx):
    return db_query(ctx.s.db, "SELECT * FROM saved_views ORDER BY id")


def _events(ctx):
    return db_query(ctx.s.db, "SELECT count(*), max(id) FROM events")[0]


def _req(ctx, method, path, body=None, who="bank_agent", headers=None):
    return ctx.s.http(method, path, body, token=ctx.fx.token(who), headers=headers)


def _create(ctx, who="bank_agent", status=201, **body):
    r = _req(ctx, "POST", "/v1/me/views", body, who)
    view = check_ok(r, status, "create view %r" % body)
    eq(set(view), VIEW_KEYS, "view keys")
    for k in ("name", "page", "query"):
        eq(view[k], body[k], "view " + k)
    return view


def _list(ctx, who="bank_agent"):
    body = check_ok(_req(ctx, "GET", "/v1/me/views", who=who), 200, "list views of " + who)
    eq(set(body), {"items"}, "list keys")
    return body["items"]


def _clear(ctx, who):
    for v in _list(ctx, who):
        check_ok(_req(ctx, "DELETE", "/v1/me/views/%d" % v["id"], who=who), 200, "delete")


def test_create_list_update_delete(ctx):
    events = _events(ctx)
    query = "state=received,accepted&grade=urgent&received_from=2026-11-01T00:00:00%2B08:00"
    a = _create(ctx, name="紧急待受理", page="queue", query=query)
    eq(a["created_at"], a["updated_at"], "a new view's times")
    b = _create(ctx, name="本周", page="dashboard", query="received_from=2026-11-23")
    check(b["id"] > a["id"], "ids grow")
    eq(_list(ctx), [a, b], "the list, by id")
    check_ok(ctx.s.http("POST", "/v1/test/clock", {"advance_ms": 1500}), 200, "advance the clock")
    r = _req(ctx, "PUT", "/v1/me/views/%d" % a["id"],
             {"name": "紧急", "page": "queue", "query": "grade=urgent,major"})
    c = check_ok(r, 200, "update")
    eq((c["id"], c["name"], c["page"], c["query"], c["created_at"]),
       (a["id"], "紧急", "queue", "grade=urgent,major", a["created_at"]), "the updated view")
    check(c["updated_at"] > a["updated_at"], "updated_at moves: %r" % c)
    eq(_list(ctx), [c, b], "the list after the update")
    # a PUT may move a view to another page
    d = check_ok(_req(ctx, "PUT", "/v1/me/views/%d" % b["id"],
                      {"name": "本周", "page": "queue", "query": b["query"]}), 200, "move")
    eq(d["page"], "queue", "moved to the queue")
    gone = check_ok(_req(ctx, "DELETE", "/v1/me/views/%d" % c["id"]), 200, "delete")
    eq(gone, c, "DELETE answers the view as it was")
    eq(_list(ctx), [d], "the list after the delete")
    check_error(_req(ctx, "DELETE", "/v1/me/views/%d" % c["id"]), 404, "not_found", None,
                what="a second delete")
    check_error(_req(ctx, "PUT", "/v1/me/views/%d" % c["id"],
                     {"name": "x", "page": "queue", "query": "x"}), 404, "not_found", None,
                what="update of a deleted view")
    eq(_events(ctx), events, "views record no event")
    _clear(ctx, "bank_agent")
    eq(_rows(ctx), [], "every view deleted")


def test_each_user_sees_only_their_own(ctx):
    mine = _create(ctx, name="我的", page="queue", query="assignee=4")
    theirs = _create(ctx, "bank_agent2", name="我的", page="queue", query="assignee=none")
    other = _create(ctx, "bank2_agent", name="他行", page="queue", query="state=received")
    eq(_list(ctx), [mine], "bank_agent's views")
    eq(_list(ctx, "bank_agent2"), [theirs], "a colleague's views")
    eq(_list(ctx, "bank2_agent"), [other], "another party's user's views")
    eq(_list(ctx, "op_admin"), [], "even the operator's admin sees only their own")
    before = _rows(ctx)
    body = {"name": "抢来的", "page": "queue", "query": "x=1"}
    for who in ("bank_agent2", "bank2_agent", "bank_admin", "op_admin"):
        check_error(_req(ctx, "PUT", "/v1/me/views/%d" % mine["id"], body, who), 404,
                    "not_found", None, what="PUT of bank_agent's view by " + who)
        check_error(_req(ctx, "DELETE", "/v1/me/views/%d" % mine["id"], who=who), 404,
                    "not_found", None, what="DELETE of bank_agent's view by " + who)
    eq(_rows(ctx), before, "nothing changed")
    for path in ("/v1/me/views/0", "/v1/me/views/abc", "/v1/me/views/-1",
                 "/v1/me/views/99999999", "/v1/me/views/%2B1"):
        check_error(_req(ctx, "DELETE", path), 404, "not_found", None, what="DELETE " + path)
        check_error(_req(ctx, "PUT", path, body), 404, "not_found", None, what="PUT " + path)
    eq(_rows(ctx), before, "nothing changed")
    for who in ("bank_agent", "bank_agent2", "bank2_agent"):
        _clear(ctx, who)


def test_names_are_unique_per_user_and_page(ctx):
    a = _create(ctx, name="逾期", page="queue", query="state=received")
    before = _rows(ctx)
    r = _req(ctx, "POST", "/v1/me/views", {"name": "逾期", "page": "queue", "query": "other"})
    check_error(r, 409, "duplicate_name", "name", what="the same name on the same page")
    eq(_rows(ctx), before, "nothing changed")
    b = _create(ctx, name="逾期", page="dashboard", query="other")
    c = _create(ctx, name="逾期 ", page="queue", query="other")
    d = _create(ctx, name="Overdue", page="queue", query="x")
    e = _create(ctx, name="overdue", page="queue", query="x")
    _create(ctx, "bank_sup", name="逾期", page="queue", query="state=received")
    before = _rows(ctx)
    r = _req(ctx, "PUT", "/v1/me/views/%d" % e["id"], {"name": "Overdue", "page": "queue",
                                                       "query": "y"})
    check_error(r, 409, "duplicate_name", "name", what="a rename onto another view's name")
    r = _req(ctx, "PUT", "/v1/me/views/%d" % b["id"], {"name": "逾期", "page": "queue",
                                                       "query": "y"})
    check_error(r, 409, "duplicate_name", "name", what="a move onto another view's name")
    eq(_rows(ctx), before, "nothing changed")
    same = check_ok(_req(ctx, "PUT", "/v1/me/views/%d" % a["id"],
                         {"name": "逾期", "page": "queue", "query": "state=accepted"}), 200,
                    "an update keeping its own name")
    eq(same["query"], "state=accepted", "the new query")
    eq(len(_list(ctx)), 5, "bank_agent's views")
    check(c and d, "names differ by a space and by letter case")
    _clear(ctx, "bank_agent")
    _clear(ctx, "bank_sup")


def test_at_most_50_views_per_user(ctx):
    views = [_create(ctx, "bank_sup", name="视图 %d" % i, page="p%d" % (i % 3), query="q=%d" % i)
             for i in range(MAX_VIEWS)]
    before = _rows(ctx)
    r = _req(ctx, "POST", "/v1/me/views", {"name": "one more", "page": "queue", "query": "x"},
             "bank_sup")
    check_error(r, 409, "too_many_views", None, what="the 51st view")
    eq(_rows(ctx), before, "nothing changed")
    eq(len(_list(ctx, "bank_sup")), MAX_VIEWS, "50 views listed")
    # others are not limited by this user's views; updates are not new views
    _create(ctx, "bank_comp", name="one more", page="queue", query="x")
    check_ok(_req(ctx, "PUT", "/v1/me/views/%d" % views[0]["id"],
                  {"name": "改名", "page": "queue", "query": "y"}, "bank_sup"), 200,
             "an update at the limit")
    check_ok(_req(ctx, "DELETE", "/v1/me/views/%d" % views[1]["id"], who="bank_sup"), 200,
             "delete one")
    _create(ctx, "bank_sup", name="one more", page="queue", query="x")
    _clear(ctx, "bank_sup")
    _clear(ctx, "bank_comp")


def test_bad_bodies(ctx):
    _create(ctx, name="keep", page="queue", query="state=received")
    base = {"name": "ok", "page": "queue", "query": "state=received"}

    def with_(**over):
        body = dict(base)
        for k, v in over.items():
            if v is Ellipsis:
                del body[k]
            else:
                body[k] = v
        return body

    cases = [
        (with_(name=Ellipsis), 422, "missing_field", "name"),
        (with_(page=Ellipsis), 422, "missing_field", "page"),
        (with_(query=Ellipsis), 422, "missing_field", "query"),
        (with_(name=None), 422, "missing_field", "name"),
        (with_(extra=1), 422, "unknown_field", "extra"),
        (with_(name=""), 422, "empty_value", "name"),
        (with_(page=""), 422, "empty_value", "page"),
        (with_(query=""), 422, "empty_value", "query"),
        (with_(name=5), 422, "invalid_type", "name"),
        (with_(page=["queue"]), 422, "invalid_type", "page"),
        (with_(query={"state": "received"}), 422, "invalid_type", "query"),
        (with_(name="名" * 81), 422, "too_long", "name"),
        (with_(name="a\tb"), 422, "invalid_value", "name"),
        (with_(name="line\nbreak"), 422, "invalid_value", "name"),
        (with_(name="\u202eevil"), 422, "invalid_value", "name"),
        (with_(name="\ufeffbom"), 422, "invalid_value", "name"),
        (with_(name="\x7f"), 422, "invalid_value", "name"),
        (with_(name="\u0085next"), 422, "invalid_value", "name"),
        (with_(page="p" * 33), 422, "too_long", "page"),
        (with_(page="my queue"), 422, "invalid_value", "page"),
        (with_(page="_queue"), 422, "invalid_value", "page"),
        (with_(page="队列"), 422, "invalid_value", "page"),
        (with_(query="q" * 2001), 422, "too_long", "query"),
        (with_(query="名" * 667), 422, "too_long", "query"),  # 667 characters, 2001 bytes
        (with_(query="state=received\r\n"), 422, "invalid_value", "query"),
        (with_(query="a\u2028b"), 422, "invalid_value", "query"),
        ([base], 422, "invalid_type", None),
        ("not json", 400, "invalid_json", None),
        ('{"name":"a","name":"b","page":"queue","query":"x"}', 400, "duplicate_key", None),
    ]
    before, events = _rows(ctx), _events(ctx)
    for body, status, code, field in cases:
        for method, path in (("POST", "/v1/me/views"),
                             ("PUT", "/v1/me/views/%d" % before[0][0])):
            check_error(_req(ctx, method, path, body), status, code, field,
                        what="%s %r" % (method, body if len(repr(body)) < 80 else code))
    eq(_rows(ctx), before, "nothing changed")
    eq(_events(ctx), events, "no event")
    # the limits themselves are allowed
    _create(ctx, name="名" * 80, page="p" * 32, query="q" * 2000)
    _create(ctx, name="n2", page="p.v_2-x", query="名" * 666 + "xx")
    check_error(_req(ctx, "GET", "/v1/me/views?page=queue"), 400, "unknown_parameter",
                what="a query parameter")
    check_error(ctx.s.http("GET", "/v1/me/views"), 401, "missing_token", what="no token")
    check_error(ctx.s.http("POST", "/v1/me/views", base), 401, "missing_token", what="no token")
    _clear(ctx, "bank_agent")


def test_idempotency_keys(ctx):
    body = {"name": "重放", "page": "queue", "query": "state=received"}
    h = {"Idempotency-Key": "view-create-1"}
    first = _req(ctx, "POST", "/v1/me/views", body, headers=h)
    view = check_ok(first, 201, "create with a key")
    again = _req(ctx, "POST", "/v1/me/views", body, headers=h)
    eq(check_ok(again, 201, "the retry"), view, "the retry answers the same view")
    eq(again.headers.get("idempotent-replayed"), "true", "Idempotent-Replayed")
    eq(len(_rows(ctx)), 1, "one view")
    check_error(_req(ctx, "POST", "/v1/me/views", dict(body, name="另一个"), headers=h), 409,
                "idempotency_key_reused", what="the key with another body")
    # keys are the user's own: another user's same key is a new request
    other = _req(ctx, "POST", "/v1/me/views", body, "bank_agent2", headers=h)
    check(check_ok(other, 201, "another user's key")["id"] != view["id"], "a view of its own")
    path = "/v1/me/views/%d" % view["id"]
    h = {"Idempotency-Key": "view-delete-1"}
    gone = check_ok(_req(ctx, "DELETE", path, headers=h), 200, "delete with a key")
    replay = _req(ctx, "DELETE", path, headers=h)
    eq(check_ok(replay, 200, "the retried delete"), gone, "the retried delete's answer")
    eq(replay.headers.get("idempotent-replayed"), "true", "Idempotent-Replayed")
    # a failure is not recorded: the same key runs again once it can succeed
    h = {"Idempotency-Key": "view-create-2"}
    _create(ctx, name="占用", page="queue", query="x")
    check_error(_req(ctx, "POST", "/v1/me/views", dict(body, name="占用"), headers=h), 409,
                "duplicate_name", "name")
    _clear(ctx, "bank_agent")
    check_ok(_req(ctx, "POST", "/v1/me/views", dict(body, name="占用"), headers=h), 201,
             "the same key after the failure")
    _clear(ctx, "bank_agent")
    _clear(ctx, "bank_agent2")
