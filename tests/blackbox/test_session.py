"""
test_session.py - browser sessions (POST /v1/sessions, GET and DELETE
/v1/sessions/current): the token travels only in an HttpOnly, SameSite=Strict
cookie; a write made with the cookie needs the session's X-CSRF-Token and is
refused with 403 csrf_token_invalid, changing nothing, without it; bearer
tokens work as before and never need one; signing out, deactivating the user
and the session's lifetime end the cookie at once; sign-ins are throttled like
logins; a malformed Cookie header gets 401.
"""

import hashlib

from harness import (Fixture, check, check_error, check_ok, db_query, eq, fingerprint_diff,
                     password_of)

THREADS = 4
SPREAD = 12


def setup(ctx):
    ctx.s = ctx.server(name="session", settings={"threads": THREADS, "session_hours": 2,
                                                 "login_max_failures_address": 1000})
    ctx.fx = Fixture(ctx.s).build()


def _sign_in(s, username, password=None):
    return s.http("POST", "/v1/sessions",
                  {"username": username, "password": password or password_of(username)})


def _session(s, username):
    """(cookie value, csrf token) of a new session of username."""
    r = _sign_in(s, username)
    body = check_ok(r, 201, "sign in %s" % username)
    cookies = [v for k, v in r.header_list if k.lower() == "set-cookie"]
    eq(len(cookies), 1, "one Set-Cookie")
    first = cookies[0].split(";")[0]
    name, _, value = first.partition("=")
    eq(name, "ombud_session", "the cookie's name")
    return value, body["csrf_token"]


def _cookie(value):
    return {"Cookie": "theme=dark; ombud_session=%s" % value}


def _with(cookie, csrf=None):
    h = _cookie(cookie)
    if csrf is not None:
        h["X-CSRF-Token"] = csrf
    return h


def _advance(s, seconds):
    check_ok(s.http("POST", "/v1/test/clock", {"advance_ms": int(seconds * 1000)}), 200,
             "advance the clock")


def _user_body(key):
    return {"username": key, "display_name": key, "role": "agent", "party": 2,
            "password": password_of(key)}


def test_sign_in_sets_http_only_cookie(ctx):
    s = ctx.s
    r = _sign_in(s, "bank_agent")
    body = check_ok(r, 201, "sign in")
    check("token" not in body, "no token in the body: %r" % body)
    eq(sorted(body), ["csrf_token", "expires_at", "user"], "the answer's members")
    eq(body["user"]["username"], "bank_agent", "the user")
    check(len(body["csrf_token"]) >= 40, "a CSRF token: %r" % body["csrf_token"])
    eq(r.headers.get("cache-control"), "no-store", "Cache-Control")
    cookie = r.headers.get("set-cookie", "")
    parts = [p.strip() for p in cookie.split(";")]
    check(parts[0].startswith("ombud_session=omb_"), "the cookie: %r" % cookie)
    for attr in ("Path=/", "HttpOnly", "SameSite=Strict"):
        check(attr in parts, "%s in %r" % (attr, cookie))
    check("Secure" not in parts, "not Secure by default: %r" % cookie)
    # the token is an ordinary token row, labelled "session", stored hashed
    value = parts[0].split("=", 1)[1]
    rows = db_query(s.db, "SELECT label, expires_at - created_at FROM tokens WHERE hash = ?",
                    (hashlib.sha256(value.encode()).digest(),))
    eq([tuple(x) for x in rows], [("session", 2 * 3600 * 1000)],
       "one token row, found by the cookie's hash: label and lifetime (session_hours 2)")


def test_read_with_cookie(ctx):
    s = ctx.s
    cookie, csrf = _session(s, "bank_agent")
    me = check_ok(s.http("GET", "/v1/me", headers=_cookie(cookie)), 200, "GET /v1/me by cookie")
    eq(me["username"], "bank_agent", "who")
    check_ok(s.http("GET", "/v1/complaints", headers=_cookie(cookie)), 200, "a list by cookie")
    got = check_ok(s.http("GET", "/v1/sessions/current", headers=_cookie(cookie)), 200,
                   "the current session")
    eq(got["csrf_token"], csrf, "the CSRF token back after a reload")
    eq(got["user"]["username"], "bank_agent", "the session's user")
    # only for a cookie: a bearer token has no session
    check_error(s.http("GET", "/v1/sessions/current", token=ctx.fx.token("bank_agent")), 401,
                "missing_session")
    check_error(s.http("GET", "/v1/sessions/current"), 401, "missing_token")


def test_write_with_cookie_and_csrf(ctx):
    s, fx = ctx.s, ctx.fx
    cookie, csrf = _session(s, "bank_agent")
    doc = check_ok(s.http("POST", "/v1/complaints", fx.complaint_body(),
                          headers=_with(cookie, csrf)), 201, "a write with cookie and CSRF")
    check(doc["no"], "a complaint number")


def test_write_without_csrf_refused(ctx):
    s, fx = ctx.s, ctx.fx
    cookie, csrf = _session(s, "bank_agent")
    other, other_csrf = _session(s, "bank_sup")
    before = s.fingerprint()
    for what, csrf_sent in (("no", None), ("wrong", "x" * len(csrf)), ("empty", ""),
                            ("another session's", other_csrf), ("longer", csrf + "A"),
                            ("shorter", csrf[:-1])):
        r = s.http("POST", "/v1/complaints", fx.complaint_body(), headers=_with(cookie, csrf_sent))
        check_error(r, 403, "csrf_token_invalid", None, "%s CSRF token" % what)
        r = s.http("DELETE", "/v1/sessions/current", headers=_with(cookie, csrf_sent))
        check_error(r, 403, "csrf_token_invalid", None, "sign-out with %s CSRF token" % what)
    after = s.fingerprint()
    eq(fingerprint_diff(before, after), "", "refused writes changed nothing")
    # the session still works
    check_ok(s.http("GET", "/v1/me", headers=_cookie(cookie)), 200, "still signed in")


def test_bearer_needs_no_csrf(ctx):
    s, fx = ctx.s, ctx.fx
    check_ok(s.http("POST", "/v1/complaints", fx.complaint_body(), token=fx.token("bank_agent")),
             201, "a bearer write without CSRF")
    # an Authorization header wins over a cookie: the bearer token decides
    cookie, _ = _session(s, "bank_sup")
    r = s.http("POST", "/v1/complaints", fx.complaint_body(), token=fx.token("bank_agent"),
               headers=_cookie(cookie))
    check_ok(r, 201, "bearer with a cookie beside it")
    check_error(s.http("GET", "/v1/me", token="omb_nonsense", headers=_cookie(cookie)), 401,
                "invalid_token", what="a bad bearer token is not rescued by the cookie")


def test_sign_out_ends_cookie_at_once(ctx):
    s = ctx.s
    cookie, csrf = _session(s, "bank_agent")
    eq([s.http("GET", "/v1/me", headers=_cookie(cookie)).status for _ in range(SPREAD)],
       [200] * SPREAD, "the cookie works on every thread")
    r = s.http("DELETE", "/v1/sessions/current", headers=_with(cookie, csrf))
    got = check_ok(r, 200, "sign out")
    eq(got, {"revoked": True}, "the answer")
    cleared = r.headers.get("set-cookie", "")
    check(cleared.startswith("ombud_session=;") and "Max-Age=0" in cleared,
          "the cookie is expired: %r" % cleared)
    eq([s.http("GET", "/v1/me", headers=_cookie(cookie)).status for _ in range(SPREAD)],
       [401] * SPREAD, "the cookie after sign-out, on every thread")
    check_error(s.http("GET", "/v1/sessions/current", headers=_cookie(cookie)), 401,
                "invalid_token")
    # a bearer token cannot sign a session out
    check_error(s.http("DELETE", "/v1/sessions/current", token=ctx.fx.token("bank_agent")), 401,
                "missing_session")


def test_sign_in_throttled_like_login(ctx):
    s, fx = ctx.s, ctx.fx
    check_ok(s.http("POST", "/v1/users", _user_body("sess_guess"), token=fx.token("op_admin")),
             201, "create user")
    for i in range(5):
        check_error(_sign_in(s, "sess_guess", "wrong-guess-%d" % i), 401, "bad_credentials",
                    what="failure %d" % (i + 1))
    r = _sign_in(s, "sess_guess")
    check_error(r, 429, "too_many_attempts", None, "locked")
    check(r.headers.get("retry-after", "").isdigit(), "Retry-After: %r" % r)
    # one throttle for both doors: the login is locked too
    r = s.http("POST", "/v1/tokens", {"username": "sess_guess",
                                      "password": password_of("sess_guess")})
    check_error(r, 429, "too_many_attempts", None, "login locked by failed sign-ins")
    check_error(_sign_in(s, "nobody_here", "whatever-1234"), 401, "bad_credentials")
    check_error(s.http("POST", "/v1/sessions", {"username": "bank_agent"}), 422, "missing_field",
                "password")
    check_error(s.http("POST", "/v1/sessions", {"username": "bank_agent", "password": "x",
                                                "label": "mine"}), 422, "unknown_field", "label")
    _advance(s, 3600)
    cookie, _ = _session(s, "sess_guess")
    check_ok(s.http("GET", "/v1/me", headers=_cookie(cookie)), 200, "after the lockout")


def test_deactivated_user_cookie_fails(ctx):
    s, fx = ctx.s, ctx.fx
    u = check_ok(s.http("POST", "/v1/users", _user_body("sess_leaver"),
                        token=fx.token("op_admin")), 201, "create user")
    cookie, _ = _session(s, "sess_leaver")
    check_ok(s.http("GET", "/v1/me", headers=_cookie(cookie)), 200, "works before")
    check_ok(s.http("POST", "/v1/users/%d/deactivate" % u["id"], token=fx.token("bank_admin")),
             200, "deactivate")
    eq([s.http("GET", "/v1/me", headers=_cookie(cookie)).status for _ in range(SPREAD)],
       [401] * SPREAD, "the cookie of a deactivated user, on every thread")
    check_error(_sign_in(s, "sess_leaver"), 401, "bad_credentials", what="sign-in when inactive")


def test_cookie_expires(ctx):
    s = ctx.s
    r = _sign_in(s, "bank_agent")
    body = check_ok(r, 201, "sign in")
    cookie = r.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    check_ok(s.http("GET", "/v1/me", headers=_cookie(cookie)), 200, "fresh")
    _advance(s, 2 * 3600 - 60)
    check_ok(s.http("GET", "/v1/me", headers=_cookie(cookie)), 200, "a minute before it expires")
    _advance(s, 120)
    eq([s.http("GET", "/v1/me", headers=_cookie(cookie)).status for _ in range(SPREAD)],
       [401] * SPREAD, "expired after session_hours (2), on every thread")
    check(body["expires_at"].endswith("Z"), "expires_at: %r" % body["expires_at"])


def test_malformed_cookie_header(ctx):
    s, fx = ctx.s, ctx.fx
    cookie, csrf = _session(s, "bank_agent")
    for h in ("ombud_session", "ombud_session=", "=x", ";", "ombud_session=a b",
              "ombud_session=%s; ombud_session=%s" % (cookie, cookie),
              "ombud_session=\"%s" % cookie, "ombud_session=" + "a" * 5000,
              "x=" + "y" * 9000 + "; ombud_session=" + cookie,
              "ombud_session=omb_\xe4\xb8\xad"):
        r = s.http("GET", "/v1/me", headers={"Cookie": h})
        check_error(r, 401, "invalid_token", None, "Cookie: %r" % h[:60])
    for h in ("theme=dark", "ombud_session_x=" + cookie):
        check_error(s.http("GET", "/v1/me", headers={"Cookie": h}), 401, "missing_token",
                    what="Cookie: %r" % h[:60])
    check_error(s.http("GET", "/v1/me", headers={"Cookie": "ombud_session=omb_notatoken"}), 401,
                "invalid_token")
    # two Cookie headers (a client sends one) are refused, whatever they hold
    r = s.http("GET", "/v1/me", headers=[("Cookie", "ombud_session=" + cookie),
                                         ("Cookie", "theme=dark")])
    check_error(r, 401, "invalid_token", None, "two Cookie headers")
    before = s.fingerprint()
    r = s.http("POST", "/v1/complaints", fx.complaint_body(),
               headers={"Cookie": "ombud_session=%s, x=1" % cookie, "X-CSRF-Token": csrf})
    check_error(r, 401, "invalid_token")
    eq(fingerprint_diff(before, s.fingerprint()), "", "nothing changed")
    check_ok(s.http("GET", "/v1/me", headers=_cookie(cookie)), 200, "the server is fine")


def test_config_keys_checked(ctx):
    s = ctx.s
    for bad in ("session_hours=0", "session_hours=745", "session_hours=x",
                "session_cookie_secure=maybe"):
        p = s.run_cli("--set", bad, "token", "create", "admin", check_rc=False)
        check(p.returncode != 0 and bad.split("=")[0].encode() in p.stderr,
              "%s accepted: %r" % (bad, p.stderr))


def test_sign_in_never_replayed(ctx):
    s = ctx.s
    h = {"Idempotency-Key": "sign-in-once"}
    body = {"username": "bank_agent", "password": password_of("bank_agent")}
    first = s.http("POST", "/v1/sessions", body, headers=h)
    second = s.http("POST", "/v1/sessions", body, headers=h)
    check_ok(first, 201, "first")
    check_ok(second, 201, "second")
    check("idempotent-replayed" not in second.headers, "not replayed: %r" % second.headers)
    check(first.headers["set-cookie"] != second.headers["set-cookie"], "two sessions")


def test_secure_cookie(ctx):
    s2 = ctx.server(name="session_secure", settings={"session_cookie_secure": "on"})
    r = s2.http("POST", "/v1/sessions", {"username": "admin", "password": s2.admin_password})
    check_ok(r, 201, "sign in")
    parts = [p.strip() for p in r.headers.get("set-cookie", "").split(";")]
    check("Secure" in parts and "HttpOnly" in parts, "Secure: %r" % parts)
