"""
test_cli.py - the `ombud` command line beside a running server: init is
idempotent (and keeps the key file that seals personal data), `user add`
and `token create` make users and tokens the API accepts, bad options and
unknown commands exit 2, a bad configuration stops `serve` before it
listens, and `serve` refuses a database that was never initialised (saying
which `ombud init` to run) or whose key file is missing or another
database's.  A second `serve` on the same database is refused while the
first goes on; a busy port is named in the error; everything ombud creates
(database, -wal, -shm, key, lock, attachments, exports) is private: files
0600, folders 0700, whatever the umask.  Without `attachments` set, the
attachment files live beside the database, where `verify` finds them from
any working directory.
"""

import hashlib
import os
import shutil
import socket
import stat
import subprocess
import tempfile

from harness import Fixture, Server, check, check_error, check_no_sanitizer_report, check_ok, eq


def setup(ctx):
    # No background tree heads: a head signed while a refused command runs would change
    # the fingerprint that shows the command changed nothing.
    ctx.s = ctx.server(name="cli", settings={"head_interval_ms": 0})
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
                    "access_log=maybe", "note_visibility_default=everyone"):
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


def test_missing_database_says_how_to_make_it(ctx):
    missing = os.path.join(ctx.s.dir, "nowhere", "x.db")
    for words in (["serve"], ["user", "add", "--party", "p", "--username", "u", "--name", "n",
                               "--role", "agent"], ["token", "create", "admin"]):
        p = _run(ctx, "--db", missing, "--listen", "127.0.0.1:0", *words)
        eq(p.returncode, 1, "exit code of %s on a missing database" % words[0])
        want = ("ombud --db %s init" % missing).encode()
        check(want in p.stderr, "%s on a missing database said %r" % (words[0], p.stderr[-300:]))
        check(b"unable to open database file" not in p.stderr, "SQLite's own message")
    check(not os.path.exists(os.path.dirname(missing)), "a command created the folder")


def test_busy_port_is_named(ctx):
    other = os.path.join(ctx.s.dir, "port.db")
    eq(_run(ctx, "init", "--db", other, "--admin-password", "port-holder-pass-7k").returncode, 0,
       "init")
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        p = _run(ctx, "--db", other, "--listen", "127.0.0.1:%d" % port, "serve")
    finally:
        holder.close()
    eq(p.returncode, 1, "exit code on a busy port")
    check(b"listening" not in p.stdout, "served on a busy port")
    check(("127.0.0.1:%d" % port).encode() in p.stderr and b"in use" in p.stderr,
          "the error on a busy port: %r" % p.stderr[-300:])
    check(b"port 0" not in p.stderr, "the error names port 0: %r" % p.stderr[-300:])


def test_second_server_is_refused(ctx):
    s, fx = ctx.s, ctx.fx
    before = s.fingerprint()
    p = _run(ctx, "--db", s.db, "--set", "attachments=" + s.att, "--listen", "127.0.0.1:0",
             "serve")
    eq(p.returncode, 1, "exit code of a second server")
    check(b"listening" not in p.stdout, "the second server listened")
    check(b"already serving" in p.stderr and (b"process %d" % s.proc.pid) in p.stderr,
          "the second server said %r" % p.stderr[-300:])
    eq(s.fingerprint(), before, "database after the refused server")
    # the first one goes on, reading and writing
    check_ok(s.http("GET", "/v1/health"), 200, "health of the first server")
    check_ok(s.http("POST", "/v1/complaints", fx.complaint_body(), token=fx.token("bank_agent")),
             201, "a write to the first server")


def _mode(path):
    return oct(stat.S_IMODE(os.stat(path).st_mode))


def test_files_are_private(ctx):
    s, fx = ctx.s, ctx.fx
    no = check_ok(s.http("POST", "/v1/complaints", fx.complaint_body(),
                         token=fx.token("bank_agent")), 201, "create")["no"]
    data = b"private evidence " + os.urandom(16)
    check_ok(s.http("POST", "/v1/complaints/%s/attachments?name=p.bin" % no, data,
                    token=fx.token("bank_agent"), content_type="application/octet-stream"), 201,
             "upload")
    sha = hashlib.sha256(data).hexdigest()
    out = os.path.join(s.dir, "export.csv")
    with open(out, "w") as f:
        f.write("old")
    os.chmod(out, 0o644)
    s.run_cli("export", "--out", out)
    fresh = os.path.join(s.dir, "fresh", "f.db")
    old_umask = os.umask(0o022)
    try:
        _run(ctx, "--db", fresh, "--set", "attachments=" + os.path.join(s.dir, "fresh-att"),
             "init", "--admin-password", "fresh-files-pass-7k")
    finally:
        os.umask(old_umask)
    files = [s.db, s.db + "-wal", s.db + "-shm", s.db + ".key", s.db + ".lock",
             os.path.join(s.att, sha[:2], sha), out, fresh, fresh + ".key"]
    for path in files:
        eq(_mode(path), oct(0o600), "mode of %s" % os.path.relpath(path, s.dir))
    for path in (s.att, os.path.join(s.att, sha[:2]), os.path.join(s.att, "tmp"),
                 os.path.dirname(fresh), os.path.join(s.dir, "fresh-att")):
        eq(_mode(path), oct(0o700), "mode of %s/" % os.path.relpath(path, s.dir))


def test_server_unaffected(ctx):
    check_ok(ctx.s.http("GET", "/v1/health"), 200, "health")
    check_error(ctx.s.http("GET", "/v1/me"), 401, "missing_token")


def test_attachments_found_beside_the_database(ctx):
    """Without `attachments` set, serve stores files beside the database and verify (run
    from another working directory) finds them there."""
    s = Server(ctx.ombud, name="cli-att")
    s.att = None
    ctx.servers.append(s)
    s.init().start()
    fx = Fixture(s, users=[("bank_agent", "bank", "agent")]).build()
    no = fx.create()["no"]
    check_ok(s.http("POST", "/v1/complaints/%s/attachments?name=proof.txt" % no, b"proof",
                    token=fx.token("bank_agent"), content_type="text/plain"), 201, "upload")
    check(os.path.isdir(os.path.join(s.dir, "attachments")),
          "no attachments directory beside the database: %r" % sorted(os.listdir(s.dir)))
    s.stop()
    elsewhere = tempfile.mkdtemp(prefix="omb-bb-elsewhere-")
    try:
        p = subprocess.run([ctx.ombud, "--db", s.db, "verify"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120, cwd=elsewhere)
        check_no_sanitizer_report(p.stderr, "verify")
        eq(p.returncode, 0, "verify from another directory (%s)" % (p.stdout + p.stderr)[-400:])
        check(b"1 attachments" in p.stdout, "verify hashed no attachment: %r" % p.stdout)
        p = subprocess.run([ctx.ombud, "--db", s.db, "export", "--format", "jsonl"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                           cwd=elsewhere)
        check_no_sanitizer_report(p.stderr, "export")
        eq(p.returncode, 0, "export from another directory")
        check(no.encode() in p.stdout, "export lacks %s" % no)
        eq(os.listdir(elsewhere), [], "files made in the working directory")
    finally:
        shutil.rmtree(elsewhere, ignore_errors=True)
