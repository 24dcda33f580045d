"""
test_cli.py - the `ombud` command line beside a running server: init is
idempotent (and keeps the key file that seals personal data), `user add`
and `token create` make users and tokens the API accepts, bad options and
unknown commands exit 2, a bad configuration stops `serve` before it
listens, and `serve` refuses a database that was never initialised or whose
key file is missing or another database's.
"""

import os
import subprocess

from harness import Fixture, check, check_error, check_no_sanitizer_report, check_ok, eq


def setup(ctx):
    ctx.s = ctx.server(name="cli")
    ctx.fx = Fixture(ctx.s, users=[("bank_agent", "bank", "agent")]).build()


def _run(ctx, *args, env=None):
    p = subprocess.run([ctx.ombud] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120, cwd=ctx.s.dir, env=env)
    check_no_sanitizer_report(p.stderr, " ".join(args))
    return p


def _key(db):
    with open(db + ".key", "rb") as f:
        return f.read(), os.stat(db + ".key").st_mode & 0o777


def test_init_twice_changes_nothing(ctx):
    s = ctx.s
    before = s.fingerprint()
    key = _key(s.db)
    eq(oct(key[1]), oct(0o600), "mode of the key file made by init")
    p = s.run_cli("init", "--admin-password", "another-password")
    check(b"already initialised" in p.stdout, "second init said %r" % p.stdout)
    eq(s.fingerprint(), before, "database after a second init")
    eq(_key(s.db), key, "the key file after a second init")
    check_ok(s.http("POST", "/v1/tokens", {"username": "admin", "password": s.admin_password}),
             201, "the first admin password still works")


def test_user_add_and_token_create(ctx):
    s = ctx.s
    p = s.run_cli("user", "add", "--party", "bank_a", "--username", "cli_sup", "--name",
                  "命令行主管", "--role", "supervisor", "--password", "cli-password-1")
    check(b"cli_sup" in p.stdout, "user add said %r" % p.stdout)
    tok = check_ok(s.http("POST", "/v1/tokens", {"username": "cli_sup",
                                                 "password": "cli-password-1"}), 201,
                   "login of a user added by the CLI")["token"]
    me = check_ok(s.http("GET", "/v1/me", token=tok), 200, "me")
    eq((me["role"], me["party"]), ("supervisor", ctx.fx.parties["bank"]), "the CLI user")
    p = s.run_cli("token", "create", "cli_sup", "--label", "robot", "--ttl-hours", "2")
    token = p.stdout.decode().strip()
    check(token.startswith("omb_"), "token create printed %r" % token)
    eq(check_ok(s.http("GET", "/v1/me", token=token), 200, "me")["username"], "cli_sup",
       "user of the CLI token")
    # the CLI user can work on complaints at once
    d = check_ok(s.http("POST", "/v1/complaints", ctx.fx.complaint_body(), token=token), 201,
                 "complaint by the CLI user")
    eq(d["target_party"], ctx.fx.parties["bank"], "target party")


def test_cli_refusals(ctx):
    s = ctx.s
    before = s.fingerprint()
    cases = [
        (["user", "add", "--party", "no_such", "--username", "u", "--name", "n", "--role",
          "agent"], 1),
        (["user", "add", "--party", "bank_a", "--username", "bank_agent", "--name", "n", "--role",
          "agent"], 1),
        (["user", "add", "--party", "bank_a", "--username", "u9", "--name", "n", "--role",
          "wizard"], 1),
        (["user", "add", "--party", "bank_a"], 2),
        (["token", "create", "nobody"], 1),
        (["token", "create", "bank_agent", "--ttl-hours", "zero"], 2),
        (["import", "--format", "xml", "--party", "bank_a", "x.csv"], 2),
        (["export", "--format", "xml"], 2),
        (["frobnicate"], 2),
    ]
    for words, rc in cases:
        p = s.run_cli(*words, check_rc=False)
        eq(p.returncode, rc, "exit code of %s" % " ".join(words))
        check(p.stderr.strip(), "no message for %s" % " ".join(words))
    eq(s.fingerprint(), before, "database after refused commands")


def test_bad_configuration(ctx):
    db = ctx.s.db
    for setting in ("max_body=12", "max_body=lots", "page_max=0", "no_such_key=1",
                    "access_log=maybe"):
        p = _run(ctx, "--db", db, "--set", setting, "--listen", "127.0.0.1:0", "serve")
        eq(p.returncode, 2, "exit code with --set %s" % setting)
        check(b"listening" not in p.stdout, "served with --set %s" % setting)
    p = _run(ctx, "--db", db, "--listen", "nowhere", "serve")
    eq(p.returncode, 2, "exit code with a bad --listen")
    p = _run(ctx, "--db", db, "--set")
    eq(p.returncode, 2, "exit code of --set without a value")


def test_serve_needs_an_initialised_database(ctx):
    empty = os.path.join(ctx.s.dir, "empty.db")
    p = _run(ctx, "--db", empty, "--listen", "127.0.0.1:0", "serve")
    eq(p.returncode, 1, "exit code on a missing database")
    check(not os.path.exists(empty), "serve created a database")
    # ... and its own key file: not a missing one, not another database's
    other = os.path.join(ctx.s.dir, "other.db")
    p = _run(ctx, "init", "--db", other, "--admin-password", "other-operator-pw")
    eq(p.returncode, 0, "init of another database")
    os.rename(other + ".key", other + ".key.saved")
    p = _run(ctx, "--db", other, "--listen", "127.0.0.1:0", "serve")
    eq(p.returncode, 1, "exit code without the key file")
    check(b"listening" not in p.stdout and b"key" in p.stderr,
          "serve without the key file: %r" % p.stderr[-300:])
    with open(ctx.s.db + ".key", "rb") as src, open(other + ".key", "wb") as dst:
        dst.write(src.read())
    p = _run(ctx, "--db", other, "--listen", "127.0.0.1:0", "serve")
    eq(p.returncode, 1, "exit code with another database's key file")
    check(b"listening" not in p.stdout and b"key" in p.stderr,
          "serve with a foreign key file: %r" % p.stderr[-300:])
    p = _run(ctx, "version")
    eq(p.returncode, 0, "version")
    check(p.stdout.startswith(b"ombud "), "version printed %r" % p.stdout)
    p = _run(ctx)
    eq(p.returncode, 2, "exit code without a command")


def test_server_unaffected(ctx):
    check_ok(ctx.s.http("GET", "/v1/health"), 200, "health")
    check_error(ctx.s.http("GET", "/v1/me"), 401, "missing_token")
