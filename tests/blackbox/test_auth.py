"""
test_auth.py - protection of logins and accounts: failed logins throttled
per username and per client address (429 with Retry-After, a lockout that
grows, the same answers for unknown usernames), failures logged with the
username and address but never the password, the password rules of new
users (API and CLI), deactivating and reactivating users and revoking a
user's tokens, effective at once on every worker thread.
"""

import json
import os
import subprocess
import threading

from harness import (Fixture, check, check_error, check_ok, db_query, eq, password_of,
                     wait_for)

# Enough requests on separate connections to reach every worker thread.
THREADS = 4
SPREAD = 16


def setup(ctx):
    # The per-user tests run from one address: give it room.
    ctx.s = ctx.server(name="auth", settings={"threads": THREADS,
                                              "login_max_failures_address": 1000})
    ctx.fx = Fixture(ctx.s).build()


def _login(s, username, password):
    return s.http("POST", "/v1/tokens", {"username": username, "password": password})


def _advance(s, seconds):
    check_ok(s.http("POST", "/v1/test/clock", {"advance_ms": int(seconds * 1000)}), 200,
             "advance the clock")


def _add_user(ctx, key, party="bank", role="agent", skills=None, token="op_admin"):
    fx = ctx.fx
    body = {"username": key, "display_name": key, "role": role, "party": fx.parties[party],
            "password": password_of(key)}
    if skills:
        body["skills"] = skills
    u = check_ok(ctx.s.http("POST", "/v1/users", body, token=fx.token(token)), 201,
                 "create user " + key)
    fx.users[key] = u
    return u


def _retry_after(r):
    value = r.headers.get("retry-after")
    check(value is not None and value.isdigit() and int(value) >= 1,
          "Retry-After %r on %r" % (value, r))
    return int(value)


def _user_events(s, uid):
    """(type, actor_user) of the events about a user, in order."""
    return [tuple(r) for r in db_query(s.db, "SELECT type, actor_user FROM events "
                                       "WHERE subject = ? ORDER BY id", ("user:%d" % uid,))]


def _statuses(s, token, n=SPREAD):
    """GET /v1/me n times, each on a new connection (so on every worker thread)."""
    return [s.http("GET", "/v1/me", token=token).status for _ in range(n)]


# ---- throttling -------------------------------------------------------------------


def test_login_locked_after_failures_per_user(ctx):
    s = ctx.s
    _add_user(ctx, "guess_me")
    pw = password_of("guess_me")
    for i in range(5):
        check_error(_login(s, "guess_me", "wrong-guess-%d" % i), 401, "bad_credentials",
                    what="failure %d" % (i + 1))
    # locked: even the right password waits, with Retry-After
    r = _login(s, "guess_me", pw)
    check_error(r, 429, "too_many_attempts", None, "locked user")
    wait = _retry_after(r)
    check(55 <= wait <= 60, "first lockout about 60 s, Retry-After %d" % wait)
    # other users are not affected
    check_ok(_login(s, "bank_agent", password_of("bank_agent")), 201, "another user")
    _advance(s, wait + 1)
    check_ok(_login(s, "guess_me", pw), 201, "login after the lockout")
    # the success cleared the counter: four failures do not lock
    for i in range(4):
        check_error(_login(s, "guess_me", "wrong-again-%d" % i), 401, "bad_credentials")
    check_ok(_login(s, "guess_me", pw), 201, "login after four failures")


def test_lockout_grows(ctx):
    s = ctx.s
    _add_user(ctx, "slow_down")
    for i in range(5):
        check_error(_login(s, "slow_down", "wrong-%d" % i), 401, "bad_credentials")
    waits = []
    for _ in range(3):
        r = _login(s, "slow_down", "still-wrong")
        check_error(r, 429, "too_many_attempts")
        waits.append(_retry_after(r))
        _advance(s, waits[-1] + 1)
        # one more failure after a lockout locks again, for longer
        check_error(_login(s, "slow_down", "wrong-after-lock"), 401, "bad_credentials")
    r = _login(s, "slow_down", password_of("slow_down"))
    check_error(r, 429, "too_many_attempts")
    waits.append(_retry_after(r))
    check(waits[1] > waits[0] * 1.5 and waits[2] > waits[1] * 1.5 and waits[3] > waits[2] * 1.5,
          "lockouts grow: %r" % waits)
    _advance(s, waits[-1] + 1)
    check_ok(_login(s, "slow_down", password_of("slow_down")), 201, "login at last")


def test_unknown_username_answers_alike(ctx):
    """An unknown username is throttled exactly like a known one: the answers do not tell
    which usernames exist."""
    s = ctx.s
    _add_user(ctx, "known_one")
    known, unknown = [], []
    for i in range(6):
        known.append(_login(s, "known_one", "not-it-%d" % i))
        unknown.append(_login(s, "nobody_at_all", "not-it-%d" % i))
    for k, u in zip(known, unknown):
        eq(k.status, u.status, "status for known and unknown usernames")
        eq(k.json, u.json, "body for known and unknown usernames")
        eq(k.headers.get("retry-after"), u.headers.get("retry-after"), "Retry-After")
    eq([r.status for r in known], [401] * 5 + [429], "statuses")
    _advance(s, 61)


def test_failures_logged_without_password(ctx):
    s = ctx.s
    secret = "a-very-secret-guess-77"
    check_error(_login(s, "bank_sup", secret), 401, "bad_credentials")
    check_error(_login(s, "no_such_user_x", secret), 401, "bad_credentials")

    def lines():
        out = []
        with open(s.log, "rb") as f:
            for raw in f:
                try:
                    out.append(json.loads(raw))
                except ValueError:
                    pass
        return out

    wait_for(lambda: sum(1 for l in lines() if l.get("event") == "login_failed" and
                         l.get("username") in ("bank_sup", "no_such_user_x")) >= 2)
    found = {l["username"]: l for l in lines() if l.get("event") == "login_failed"}
    for name, reason in (("bank_sup", "wrong_password"), ("no_such_user_x", "unknown_user")):
        line = found.get(name)
        check(line is not None, "no login_failed line for " + name)
        eq(line["address"], "127.0.0.1", "address of the failure")
        eq(line["reason"], reason, "reason of the failure")
        eq(line["level"], "warn", "level")
    with open(s.log, "rb") as f:
        check(secret.encode() not in f.read(), "the password is in the log")
    # throttled attempts are logged too
    for i in range(6):
        _login(s, "log_locked", "guess-%d" % i)
    wait_for(lambda: any(l.get("event") == "login_throttled" and
                         l.get("username") == "log_locked" for l in lines()))
    _advance(s, 61)


def test_parallel_guesses_cannot_overrun(ctx):
    """Guesses sent at once count while in flight: at most the limit are checked."""
    s = ctx.s
    results = []
    lock = threading.Lock()

    def guess(i):
        r = _login(s, "parallel_victim", "parallel-%d" % i)
        with lock:
            results.append(r.status)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(set(results) <= {401, 429}, "statuses %r" % results)
    check(results.count(401) <= 5, "%d guesses checked, at most 5 allowed" % results.count(401))
    _advance(s, 3600)


def test_throttle_per_address(ctx):
    """A second server with a small per-address limit: distinct usernames from one address
    are locked out together, the right password of another account included."""
    s2 = ctx.server(name="auth-addr", settings={"login_max_failures_address": 6})
    for i in range(6):
        check_error(_login(s2, "spray_%d" % i, "spray-password"), 401, "bad_credentials")
    r = _login(s2, "admin", s2.admin_password)
    check_error(r, 429, "too_many_attempts", None, "address locked")
    _retry_after(r)
    _advance(s2, _retry_after(r) + 1)
    token = check_ok(_login(s2, "admin", s2.admin_password), 201, "after the lockout")["token"]
    # a success does not clear the address: one more failure locks it again
    check_error(_login(s2, "spray_x", "spray-password"), 401, "bad_credentials")
    check_error(_login(s2, "admin", s2.admin_password), 429, "too_many_attempts")
    check_ok(s2.http("GET", "/v1/me", token=token), 200, "the token of the success")
    ctx.s2 = s2


def test_config_keys_checked(ctx):
    s = ctx.s
    p = s.run_cli("--set", "login_max_failures_user=0", "token", "create", "admin",
                  check_rc=False)
    check(p.returncode != 0 and b"login_max_failures_user" in p.stderr,
          "login_max_failures_user=0 accepted: %r" % p.stderr)
    p = s.run_cli("--set", "login_lockout_seconds=600", "--set", "login_lockout_max_seconds=60",
                  "token", "create", "admin", check_rc=False)
    check(p.returncode != 0 and b"login_lockout" in p.stderr,
          "lockout above its maximum accepted: %r" % p.stderr)


# ---- password rules ---------------------------------------------------------------------


def test_weak_passwords_refused(ctx):
    s, fx = ctx.s, ctx.fx
    before = db_query(s.db, "SELECT count(*) FROM users")[0][0]
    cases = [
        ("weak_a", "aaaaaaaaaaaa", "one character"),
        ("weak_b", "8888888888", "one character"),
        ("weak_c", "woaini1314", "common"),
        ("weak_d", "WoAiNi1314", "common"),
        ("weak_e", "1234567890", "common"),
        ("weak_f", "qq123456789", "common"),
        ("weak_g", "Password123", "common"),
        ("zhang.san.01", "Zhang.San.01", "username"),
        ("zhang.san.01", "my-ZHANG.SAN.01-pw", "username"),
    ]
    for username, pw, why in cases:
        for token in ("op_admin", "bank_admin"):
            body = {"username": username, "display_name": "弱口令", "role": "agent",
                    "party": fx.parties["bank"], "password": pw}
            err = check_error(s.http("POST", "/v1/users", body, token=fx.token(token)), 422,
                              "weak_password", "password", "%s / %s" % (username, pw))
            check(why in err["message"], "message %r does not say %s" % (err["message"], why))
    eq(db_query(s.db, "SELECT count(*) FROM users")[0][0], before, "users created")
    # the length rule still holds, and a good password passes
    check_error(s.http("POST", "/v1/users", {"username": "weak_h", "display_name": "x",
                                             "role": "agent", "password": "short"},
                       token=fx.token("bank_admin")), 422, "too_short", "password")
    check_ok(s.http("POST", "/v1/users", {"username": "strong_a", "display_name": "x",
                                          "role": "agent", "password": "青山绿水长流-2026"},
                    token=fx.token("bank_admin")), 201, "a good password")


def test_weak_passwords_refused_by_cli(ctx):
    s = ctx.s
    p = s.run_cli("user", "add", "--party", "bank_a", "--username", "cli_weak", "--name", "弱",
                  "--role", "agent", "--password", "5201314520", check_rc=False)
    check(p.returncode != 0 and b"common passwords" in p.stderr,
          "user add with a common password: rc %d %r" % (p.returncode, p.stderr))
    p = s.run_cli("user", "add", "--party", "bank_a", "--username", "cli_weak", "--name", "弱",
                  "--role", "agent", "--password", "my-cli_weak-pw", check_rc=False)
    check(p.returncode != 0 and b"username" in p.stderr, "user add with the username: %r"
          % p.stderr)
    eq(db_query(s.db, "SELECT count(*) FROM users WHERE username = 'cli_weak'")[0][0], 0,
       "cli_weak created")
    other = os.path.join(s.dir, "weak-init.db")
    for pw in ("admin-password-1", "1qaz2wsx3edc", "xxxxxxxxxxxx"):
        p = subprocess.run([s.ombud, "init", "--db", other, "--admin-password", pw],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=s.dir, timeout=60)
        check(p.returncode == 2, "init with %s: rc %d %r" % (pw, p.returncode, p.stderr))
        check(not os.path.exists(other), "init with a weak password created the database")


# ---- deactivating users, revoking tokens ------------------------------------------------


def test_deactivate_stops_tokens_at_once(ctx):
    s, fx = ctx.s, ctx.fx
    u = _add_user(ctx, "leaver", skills=["internet_loan", "c11"])
    pw = password_of("leaver")
    tokens = [check_ok(_login(s, "leaver", pw), 201, "login")["token"] for _ in range(2)]
    # the skilled agent with no load is picked by dispatch
    doc = fx.create()
    eq(doc.get("assignee"), u["id"], "dispatch picks the new skilled agent")
    for t in tokens:
        eq(_statuses(s, t), [200] * SPREAD, "token works on every thread")
    path = "/v1/users/%d/deactivate" % u["id"]
    check_error(s.http("POST", path, token=fx.token("bank_agent")), 403, "role_not_allowed")
    check_error(s.http("POST", path, token=fx.token("bank_sup")), 403, "role_not_allowed")
    check_error(s.http("POST", path, token=fx.token("bank2_admin")), 404, "not_found")
    for t in tokens:
        eq(_statuses(s, t, 4), [200] * 4, "refused attempts changed nothing")
    r = s.http("POST", path, token=fx.token("bank_admin"))
    got = check_ok(r, 200, "deactivate")
    eq((got["id"], got["active"], got["username"]), (u["id"], False, "leaver"), "the answer")
    for t in tokens:
        eq(_statuses(s, t), [401] * SPREAD, "token after deactivation, on every thread")
    check_error(_login(s, "leaver", pw), 401, "bad_credentials", what="login when inactive")
    one = check_ok(s.http("GET", "/v1/users/%d" % u["id"], token=fx.token("bank_admin")), 200,
                   "get user")
    eq(one["active"], False, "active in GET /v1/users/{id}")
    # dispatch passes over the inactive agent; its assignment stays
    for _ in range(3):
        check(fx.create().get("assignee") not in (None, u["id"]), "dispatched to an inactive user")
    eq(fx.get(doc["no"])["assignee"], u["id"], "existing assignment kept")
    # recorded as an event, and logged
    rows = _user_events(s, u["id"])
    check(("user_deactivated", fx.uid("bank_admin")) in rows,
          "no user_deactivated event: %r" % rows)
    # deactivating again is harmless; then reactivate
    check_ok(s.http("POST", path, token=fx.token("op_admin")), 200, "deactivate again")
    act = "/v1/users/%d/activate" % u["id"]
    check_error(s.http("POST", act, token=fx.token("bank_agent")), 403, "role_not_allowed")
    check_error(s.http("POST", act, token=fx.token("bank2_admin")), 404, "not_found")
    got = check_ok(s.http("POST", act, token=fx.token("bank_admin")), 200, "activate")
    eq(got["active"], True, "active after activate")
    for t in tokens:
        eq(_statuses(s, t, 4), [401] * 4, "old tokens stay revoked after reactivation")
    t = check_ok(_login(s, "leaver", pw), 201, "login after reactivation")["token"]
    eq(_statuses(s, t, 4), [200] * 4, "new token")
    check(("user_activated", fx.uid("bank_admin")) in _user_events(s, u["id"]),
          "no user_activated event")


def test_deactivate_refusals(ctx):
    s, fx = ctx.s, ctx.fx
    me = fx.uid("bank_admin")
    check_error(s.http("POST", "/v1/users/%d/deactivate" % me, token=fx.token("bank_admin")),
                409, "cannot_deactivate_self")
    check_error(s.http("POST", "/v1/users/1/deactivate", token=fx.token("op_admin")), 409,
                "cannot_deactivate_self")
    for bad in ("999999", "abc", "0", "-1"):
        check_error(s.http("POST", "/v1/users/%s/deactivate" % bad, token=fx.token("op_admin")),
                    404, "not_found")
        check_error(s.http("DELETE", "/v1/users/%s/tokens" % bad, token=fx.token("op_admin")),
                    404, "not_found")
    check_error(s.http("POST", "/v1/users/%d/deactivate" % fx.uid("bank_agent")), 401,
                "missing_token")
    # an admin of another party cannot touch the bank's users; the operator's admin can
    check_error(s.http("POST", "/v1/users/1/deactivate", token=fx.token("bank_admin")), 404,
                "not_found")
    eq(_statuses(s, fx.token("op_admin"), 2), [200, 200], "operator admin still works")


def test_revoke_user_tokens(ctx):
    s, fx = ctx.s, ctx.fx
    u = _add_user(ctx, "many_tokens", party="lender")
    pw = password_of("many_tokens")
    tokens = [check_ok(_login(s, "many_tokens", pw), 201, "login")["token"] for _ in range(3)]
    for t in tokens:
        eq(_statuses(s, t), [200] * SPREAD, "token works on every thread")
    path = "/v1/users/%d/tokens" % u["id"]
    check_error(s.http("DELETE", path, token=fx.token("lender_agent")), 403, "role_not_allowed")
    check_error(s.http("DELETE", path, token=fx.token("bank_admin")), 404, "not_found")
    eq(_statuses(s, tokens[0], 4), [200] * 4, "refused revocations changed nothing")
    got = check_ok(s.http("DELETE", path, token=fx.token("op_admin")), 200, "revoke")
    eq(got, {"user": u["id"], "revoked_tokens": 3}, "answer")
    for t in tokens:
        eq(_statuses(s, t), [401] * SPREAD, "revoked token, on every thread")
    got = check_ok(s.http("DELETE", path, token=fx.token("op_admin")), 200, "revoke again")
    eq(got["revoked_tokens"], 0, "nothing left to revoke")
    # the user stays active and may log in again
    t = check_ok(_login(s, "many_tokens", pw), 201, "login after revocation")["token"]
    eq(_statuses(s, t, 4), [200] * 4, "new token")
    check(("user_tokens_revoked", fx.uid("op_admin")) in _user_events(s, u["id"]),
          "no user_tokens_revoked event")


def test_last_operator_admin_stays(ctx):
    """Two operator admins deactivating each other at once: one of them stays active."""
    s2 = ctx.s2
    _advance(s2, 7200)  # past the address lockout of test_throttle_per_address
    op = check_ok(_login(s2, "admin", s2.admin_password), 201, "login")["token"]
    body = {"username": "second_op", "display_name": "第二管理员", "role": "admin", "party": 1,
            "password": "another-operator-pw"}
    second = check_ok(s2.http("POST", "/v1/users", body, token=op), 201, "second admin")
    op2 = check_ok(_login(s2, "second_op", "another-operator-pw"), 201, "login")["token"]
    results = {}
    barrier = threading.Barrier(2)

    def deactivate(who, token, target):
        barrier.wait()
        results[who] = s2.http("POST", "/v1/users/%d/deactivate" % target, token=token)

    threads = [threading.Thread(target=deactivate, args=("first", op, second["id"])),
               threading.Thread(target=deactivate, args=("second", op2, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status for r in results.values())
    check(statuses in ([200, 401], [200, 409]), "statuses %r" % results)
    for r in results.values():
        if r.status == 409:
            check_error(r, 409, "last_operator_admin")
    active = db_query(s2.db, "SELECT count(*) FROM users WHERE party_id = 1 AND role = 'admin' "
                      "AND active = 1")[0][0]
    eq(active, 1, "active operator admins")
