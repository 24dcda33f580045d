"""
test_witness.py - `ombud witness` (src/cli/witness.c): a partner party (the
fixture's bank) acting as a Certificate-Transparency-style witness of the
evidence ledger of a live server.

The server runs with head_interval_ms=0, so tree heads are signed only when
a test asks (POST /v1/ledger/heads) and every size below is known.  The
bank's key is made with `witness keygen`, registered by the bank's admin
(POST /v1/ledger/witnesses), and `witness check` runs against the server's
URL as a bank supervisor, auditor or admin.

Covered: keygen (64 hex digits + newline, mode 0600, public key printed,
never overwrites), public-key, key files readable by others or malformed
refused; a check before any head exists; a first round (the log key
trusted on first use and pinned in the state file, the head countersigned:
the countersignature is in GET /v1/ledger/heads/{size}, in a receipt's
"cosignatures" and verifies offline with `ombud verify --receipt`, and
`ombud verify` of the server's database counts it and finds no problem); a
second round after more complaints (consistent with the old size,
countersigned again); a re-run with nothing new (409 already_cosigned is
success, the token from OMBUD_TOKEN); --log-key and pinned-key mismatches
(exit 1); a simulated fork (the state file given a wrong root for its size,
for a smaller and for the same size: exit 1, FORK/INCONSISTENT, no
countersignature, state untouched) and recovery; --no-cosign; a party
without a witness key (the server's refusal, exit 1); a bad token and an
unreachable server (exit 2); through a tampering proxy: a head whose root
no longer matches its signature (BAD SIGNATURE), a consistency proof with a
changed hash (FORK/INCONSISTENT), a 2 MiB response (refused, exit 2).
"""

import json
import os
import shutil
import socket
import stat
import subprocess
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from harness import Fixture, TestFailure, check, check_ok, eq

SETTINGS = {"head_interval_ms": "0"}


def setup(ctx):
    ctx.s = ctx.server(name="witness", settings=SETTINGS)
    ctx.fx = Fixture(ctx.s).build()
    ctx.url = "http://127.0.0.1:%d" % ctx.s.port
    ctx.key = os.path.join(ctx.s.dir, "bank-witness.key")
    ctx.state = os.path.join(ctx.s.dir, "bank-witness.state")
    ctx.pk = None
    ctx.sizes = []  # sizes of the heads the bank countersigned, in order
    ctx.complaints = []


# ---- helpers ----------------------------------------------------------------------------


def witness(ctx, *words, token=None, env_token=None, url=None):
    """Runs `ombud witness words...` (with --url/--token for check); returns
    (rc, stdout, stderr) as text."""
    cmd = [ctx.ombud, "witness"] + list(words)
    if words and words[0] == "check":
        cmd += ["--url", url or ctx.url]
        if token is not None:
            cmd += ["--token", token]
    env = dict(os.environ)
    env.pop("OMBUD_TOKEN", None)
    if env_token is not None:
        env["OMBUD_TOKEN"] = env_token
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                       cwd=ctx.s.dir, env=env)
    harness.check_no_sanitizer_report(p.stderr, " ".join(["witness"] + list(words)))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check_round(ctx, who="bank_sup", extra=(), key=None, state=None, **kw):
    return witness(ctx, "check", "--key", key or ctx.key, "--state", state or ctx.state,
                   *extra, token=kw.pop("token", ctx.fx.token(who)), **kw)


def expect_rc(result, rc, what):
    got, out, err = result
    if got != rc:
        raise TestFailure("%s: exit %d, want %d\nstdout: %s\nstderr: %s" % (what, got, rc, out,
                                                                           err))
    return out, err


def sign_head(ctx):
    """Signs a head now (POST /v1/ledger/heads); returns its view."""
    r = ctx.s.http("POST", "/v1/ledger/heads", token=ctx.fx.token("op_admin"))
    check(r.status in (200, 201), "sign head: %r" % r)
    return r.json


def make_complaints(ctx, n):
    for _ in range(n):
        ctx.complaints.append(ctx.fx.create()["no"])


def head(ctx, size):
    r = ctx.s.http("GET", "/v1/ledger/heads/%d" % size, token=ctx.fx.token("bank_sup"))
    return check_ok(r, 200, "GET /v1/ledger/heads/%d" % size)


def bank_cosignatures(ctx, size):
    return [c for c in head(ctx, size)["cosignatures"] if c["party"] == ctx.fx.parties["bank"]]


def read_state(ctx, path=None):
    with open(path or ctx.state, "rb") as f:
        return f.read()


def write_state(ctx, doc, path=None):
    with open(path or ctx.state, "w") as f:
        json.dump(doc, f)


def log_key(ctx):
    r = ctx.s.http("GET", "/v1/ledger/key", token=ctx.fx.token("bank_sup"))
    return check_ok(r, 200, "GET /v1/ledger/key")["public_key"]


def flip(hexstr):
    """The same hex string with its first digit changed."""
    return ("1" if hexstr[0] == "0" else "0") + hexstr[1:]


def verify_db(ctx):
    """`ombud verify --json` on the running server's database: its summary line."""
    p = ctx.s.run_cli("verify", "--json", check_rc=False)
    lines = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
    check(lines and lines[-1].get("kind") == "summary", "verify printed %r" % p.stdout[-500:])
    eq(p.returncode, 0, "ombud verify exit code (findings: %r)" % lines[:-1][:5])
    return lines[-1]


# ---- keys -------------------------------------------------------------------------------


def test_keygen(ctx):
    out, _ = expect_rc(witness(ctx, "keygen", "--key", ctx.key), 0, "keygen")
    ctx.pk = out.strip()
    check(len(ctx.pk) == 64 and all(c in "0123456789abcdef" for c in ctx.pk),
          "keygen printed %r" % out)
    st = os.stat(ctx.key)
    eq(stat.S_IMODE(st.st_mode), 0o600, "key file mode")
    with open(ctx.key, "rb") as f:
        text = f.read()
    check(len(text) == 65 and text.endswith(b"\n") and
          all(c in b"0123456789abcdef" for c in text[:64]), "key file holds %r" % text[:10])
    out, _ = expect_rc(witness(ctx, "public-key", "--key", ctx.key), 0, "public-key")
    eq(out.strip(), ctx.pk, "public-key of the new key")


def test_keygen_refuses_to_overwrite(ctx):
    with open(ctx.key, "rb") as f:
        before = f.read()
    _, err = expect_rc(witness(ctx, "keygen", "--key", ctx.key), 2, "keygen over a key")
    check("already exists" in err, "stderr: %r" % err)
    with open(ctx.key, "rb") as f:
        eq(f.read(), before, "key file after a refused keygen")


def test_key_permissions_refused(ctx):
    loose = os.path.join(ctx.s.dir, "loose.key")
    shutil.copyfile(ctx.key, loose)
    os.chmod(loose, 0o644)
    _, err = expect_rc(witness(ctx, "public-key", "--key", loose), 2, "public-key of a 0644 key")
    check("chmod 600" in err, "stderr: %r" % err)
    _, err = expect_rc(check_round(ctx, key=loose), 2, "check with a 0644 key")
    check("chmod 600" in err, "stderr: %r" % err)
    check(not os.path.exists(ctx.state), "a refused check wrote the state file")
    junk = os.path.join(ctx.s.dir, "junk.key")
    fd = os.open(junk, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"not a key\n")
    os.close(fd)
    _, err = expect_rc(witness(ctx, "public-key", "--key", junk), 2, "public-key of junk")
    check("64 hex digits" in err, "stderr: %r" % err)
    expect_rc(witness(ctx, "public-key", "--key", os.path.join(ctx.s.dir, "missing.key")), 2,
              "public-key of a missing file")
    expect_rc(witness(ctx, "bogus"), 2, "unknown witness command")
    expect_rc(witness(ctx, "check", "--state", ctx.state), 2, "check without --token/--key")


def test_register_witness(ctx):
    fx = ctx.fx
    body = {"party": fx.parties["bank"], "public_key": ctx.pk}
    r = ctx.s.http("POST", "/v1/ledger/witnesses", body, token=fx.token("bank2_admin"))
    harness.check_error(r, 403, "forbidden", what="bank2's admin registering the bank's key")
    w = check_ok(ctx.s.http("POST", "/v1/ledger/witnesses", body, token=fx.token("bank_admin")),
                 201, "register the bank's witness key")
    eq(w["public_key"], ctx.pk, "registered key")
    listed = check_ok(ctx.s.http("GET", "/v1/ledger/witnesses", token=fx.token("bank_sup")), 200,
                      "GET /v1/ledger/witnesses")["witnesses"]
    check(any(x["party"] == fx.parties["bank"] and x["public_key"] == ctx.pk for x in listed),
          "witness list %r" % listed)


def test_no_head_yet(ctx):
    r = ctx.s.http("GET", "/v1/ledger/head", token=ctx.fx.token("bank_sup"))
    harness.check_error(r, 404, "no_head", what="GET /v1/ledger/head before any head")
    _, err = expect_rc(check_round(ctx), 2, "check before any head")
    check("no signed tree head" in err, "stderr: %r" % err)
    check(not os.path.exists(ctx.state), "state file written without a head")


# ---- witness rounds ---------------------------------------------------------------------


def test_first_round(ctx):
    fx = ctx.fx
    make_complaints(ctx, 3)
    h = sign_head(ctx)
    size = h["size"]
    out, err = expect_rc(check_round(ctx), 0, "first witness round")
    check("trusted the log key" in err and "first use" in err, "no TOFU notice: %r" % err)
    want = "witnessed head size %d root %s.. (first head witnessed); countersigned" % (
        size, h["root"][:16])
    eq(out.strip(), want, "summary line")
    state = json.loads(read_state(ctx))
    eq(state["log_key"], log_key(ctx), "pinned log key")
    eq((state["size"], state["root"], state["at_ms"]), (size, h["root"], h["at_ms"]),
       "state (size, root, at_ms)")
    cs = bank_cosignatures(ctx, size)
    eq(len(cs), 1, "bank countersignatures of head %d" % size)
    eq((cs[0]["public_key"], cs[0]["party_code"]), (ctx.pk, "bank_a"), "countersignature")
    eq(cs[0]["by"], fx.uid("bank_sup"), "countersigned by")
    ctx.sizes.append(size)

    # the receipt of a complaint under that head carries the countersignature ...
    no = ctx.complaints[0]
    rec = check_ok(ctx.s.http("GET", "/v1/complaints/%s/receipt" % no, token=fx.token("bank_agent")),
                   200, "receipt")
    eq(rec["tree_head"]["size"], size, "receipt's head size")
    got = [c for c in rec["cosignatures"] if c["public_key"] == ctx.pk]
    eq(len(got), 1, "bank countersignatures in the receipt (%r)" % rec["cosignatures"])
    eq(got[0]["signature"], cs[0]["signature"], "receipt countersignature")
    # ... which verifies offline
    path = os.path.join(ctx.s.dir, "receipt.json")
    with open(path, "w") as f:
        json.dump(rec, f)
    p = ctx.s.run_cli("verify", "--receipt", path, "--public-key", state["log_key"])
    check(b"1 of 1 countersignatures verify" in p.stdout, "verify --receipt: %r" % p.stdout)

    # `ombud verify` of the live database counts it and finds nothing wrong
    summary = verify_db(ctx)
    eq((summary["problems"], summary["cosignatures"]), (0, 1), "verify: problems, cosignatures")


def test_second_round(ctx):
    make_complaints(ctx, 4)
    h = sign_head(ctx)
    old = ctx.sizes[-1]
    check(h["size"] > old, "the ledger grew: %d -> %d" % (old, h["size"]))
    out, err = expect_rc(check_round(ctx, extra=("--log-key", log_key(ctx))), 0, "second round")
    check("first use" not in err, "TOFU notice on the second round: %r" % err)
    eq(out.strip(), "witnessed head size %d root %s.. (consistent with size %d); countersigned" % (
        h["size"], h["root"][:16], old), "summary line")
    eq(len(bank_cosignatures(ctx, h["size"])), 1, "bank countersignatures of the new head")
    eq(json.loads(read_state(ctx))["size"], h["size"], "state size")
    ctx.sizes.append(h["size"])
    eq(verify_db(ctx)["cosignatures"], 2, "countersignatures verify counts")


def test_rerun_is_idempotent(ctx):
    size = ctx.sizes[-1]
    before = bank_cosignatures(ctx, size)
    out, _ = expect_rc(check_round(ctx, token=None, env_token=ctx.fx.token("bank_auditor")), 0,
                       "re-run with nothing new (token from OMBUD_TOKEN)")
    check(out.strip().endswith("(unchanged since last time); already countersigned"),
          "summary line %r" % out)
    eq(bank_cosignatures(ctx, size), before, "countersignatures after a re-run")


def test_log_key_mismatch(ctx):
    before = read_state(ctx)
    size = ctx.sizes[-1]
    _, err = expect_rc(check_round(ctx, extra=("--log-key", ctx.pk)), 1, "--log-key mismatch")
    check("KEY MISMATCH" in err and "--log-key" in err, "stderr: %r" % err)
    eq(read_state(ctx), before, "state after a key mismatch")
    # a state file pinning another key
    doc = json.loads(before)
    doc["log_key"] = flip(doc["log_key"])
    write_state(ctx, doc)
    _, err = expect_rc(check_round(ctx), 1, "pinned key mismatch")
    check("KEY MISMATCH" in err and "pinned" in err, "stderr: %r" % err)
    with open(ctx.state, "wb") as f:
        f.write(before)
    _, err = expect_rc(check_round(ctx, extra=("--log-key", "abc")), 2, "--log-key not hex")
    eq(len(bank_cosignatures(ctx, size)), 1, "countersignatures after mismatches")


def test_fork_detected(ctx):
    good = read_state(ctx)
    old = json.loads(good)
    make_complaints(ctx, 2)
    h = sign_head(ctx)
    check(h["size"] > old["size"], "the ledger grew")
    cases = [
        ("a wrong root for the old size", dict(old, root=flip(old["root"])),
         "consistency proof does not verify"),
        ("a wrong root for the same size", dict(old, size=h["size"], root=flip(h["root"])),
         "another root for the same size"),
        ("a larger old size", dict(old, size=h["size"] + 5), "smaller than before"),
    ]
    for what, doc, why in cases:
        write_state(ctx, doc)
        before = read_state(ctx)
        _, err = expect_rc(check_round(ctx), 1, "fork: " + what)
        check("FORK/INCONSISTENT" in err and why in err, "%s: stderr %r" % (what, err))
        eq(read_state(ctx), before, "state after a fork (%s)" % what)
        eq(bank_cosignatures(ctx, h["size"]), [], "countersignatures after a fork (%s)" % what)
    # the true state: consistent, countersigned
    with open(ctx.state, "wb") as f:
        f.write(good)
    out, _ = expect_rc(check_round(ctx, who="bank_admin"), 0, "round after the fork checks")
    check("(consistent with size %d); countersigned" % old["size"] in out, "summary %r" % out)
    eq(len(bank_cosignatures(ctx, h["size"])), 1, "countersignatures of the new head")
    ctx.sizes.append(h["size"])


def test_no_cosign(ctx):
    make_complaints(ctx, 1)
    h = sign_head(ctx)
    state = ctx.state
    res = witness(ctx, "check", "--state", state, "--no-cosign", token=ctx.fx.token("bank_sup"))
    out, _ = expect_rc(res, 0, "--no-cosign without --key")
    check(out.strip().endswith("(consistent with size %d); not countersigned (--no-cosign)" %
                               ctx.sizes[-1]), "summary %r" % out)
    eq(bank_cosignatures(ctx, h["size"]), [], "countersignatures with --no-cosign")
    eq(json.loads(read_state(ctx))["size"], h["size"], "state after --no-cosign")
    # the next full round countersigns the same head
    out, _ = expect_rc(check_round(ctx), 0, "round after --no-cosign")
    check(out.strip().endswith("(unchanged since last time); countersigned"), "summary %r" % out)
    eq(len(bank_cosignatures(ctx, h["size"])), 1, "countersignatures after the full round")
    ctx.sizes.append(h["size"])


def test_party_without_witness_key(ctx):
    key = os.path.join(ctx.s.dir, "bank2.key")
    state = os.path.join(ctx.s.dir, "bank2.state")
    expect_rc(witness(ctx, "keygen", "--key", key), 0, "bank2 keygen")
    _, err = expect_rc(check_round(ctx, who="bank2_admin", key=key, state=state), 1,
                       "countersigning by a party with no witness key")
    check("not_a_witness" in err and "403" in err, "stderr: %r" % err)
    # the bank's agent may read the ledger but not countersign
    state2 = os.path.join(ctx.s.dir, "agent.state")
    _, err = expect_rc(check_round(ctx, who="bank_agent", state=state2), 1,
                       "countersigning by an agent")
    check("forbidden" in err, "stderr: %r" % err)


def test_bad_token_and_unreachable(ctx):
    before = read_state(ctx)
    _, err = expect_rc(check_round(ctx, token="no-such-token"), 2, "a bad token")
    check("401" in err, "stderr: %r" % err)
    # a port nothing listens on: bind, note the port, close
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    expect_rc(check_round(ctx, url="http://127.0.0.1:%d/v1/" % port), 2, "unreachable server")
    expect_rc(check_round(ctx, url="ftp://127.0.0.1/"), 2, "not an http URL")
    eq(read_state(ctx), before, "state after failed rounds")


class TamperingProxy:
    """Forwards GETs to the real server and alters what comes back: "root" flips a
    digit of the head's root (its signature no longer matches), "proof" flips one
    of a consistency proof's hashes, "huge" answers 2 MiB instead."""

    def __init__(self, port):
        self.mode = None
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if proxy.mode == "huge":
                    return self.answer(200, b'{"x":"' + b"a" * (2 << 20) + b'"}')
                req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, self.path),
                                             headers={"Authorization":
                                                      self.headers["Authorization"]})
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        status, body = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, body = e.code, e.read()
                doc = json.loads(body)
                if proxy.mode == "root" and self.path == "/v1/ledger/head":
                    doc["root"] = flip(doc["root"])
                if proxy.mode == "proof" and self.path.startswith("/v1/ledger/consistency"):
                    doc["proof"][0] = flip(doc["proof"][0])
                self.answer(status, json.dumps(doc).encode())

            def do_POST(self):
                self.answer(500, b'{"error":{"code":"proxy","message":"no POST here"}}')

            def answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_tampered_responses(ctx):
    """What a man in the middle (or a lying server) sends is caught: a head whose
    root does not match its signature, a consistency proof that does not hold,
    an oversized response; a state file for an older head is used so that a
    consistency proof is asked for."""
    old = ctx.sizes[0]
    h_old = head(ctx, old)
    doc = {"log_key": log_key(ctx), "size": old, "root": h_old["root"], "at_ms": h_old["at_ms"]}
    state = os.path.join(ctx.s.dir, "proxy.state")
    proxy = TamperingProxy(ctx.s.port)
    try:
        for mode, rc, mark in [("root", 1, "BAD SIGNATURE"), ("proof", 1, "FORK/INCONSISTENT"),
                               ("huge", 2, "larger than")]:
            write_state(ctx, doc, state)
            before = read_state(ctx, state)
            proxy.mode = mode
            _, err = expect_rc(check_round(ctx, state=state, url=proxy.url), rc, "proxy " + mode)
            check(mark in err, "proxy %s: stderr %r" % (mode, err))
            eq(read_state(ctx, state), before, "state after proxy " + mode)
        # untouched answers through the proxy pass (countersigning needs no proxy: --no-cosign)
        proxy.mode = None
        out, _ = expect_rc(witness(ctx, "check", "--state", state, "--no-cosign",
                                   token=ctx.fx.token("bank_sup"), url=proxy.url), 0,
                           "proxy passing answers through")
        check("(consistent with size %d)" % old in out, "summary %r" % out)
    finally:
        proxy.stop()


def test_verify_counts_every_countersignature(ctx):
    summary = verify_db(ctx)
    eq((summary["problems"], summary["cosignatures"]), (0, len(ctx.sizes)),
       "verify: problems, cosignatures (heads countersigned: %r)" % ctx.sizes)
    p = ctx.s.run_cli("verify")
    check(b"%d countersignatures" % len(ctx.sizes) in p.stdout and b"OK:" in p.stdout,
          "verify printed %r" % p.stdout)
