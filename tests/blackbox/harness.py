"""
harness.py - the black-box test harness of ombud: a real server on a
temporary SQLite file, spoken to over HTTP.

Only the Python standard library is used (and python3-yaml, through
openapi_check.py, to read docs/openapi.yaml).  What it offers the test modules:

  Server       runs `ombud init`, then `ombud ... serve --test-clock` on
               127.0.0.1:0, parses the port from the "listening on" line,
               captures the JSON log lines of stderr to DIR/server.log,
               stops the server with SIGTERM (checking exit code 0 and the
               "server_stopped" line) and restarts it on the same files.
  http()       one request over a fresh socket (raw HTTP/1.1, so tests can
               send exactly the bytes they mean: invalid UTF-8, duplicate
               headers, chunked bodies, oversized bodies); returns a
               Response that unpacks to (status, headers, body) where body
               is the parsed JSON or the raw bytes.
  Fixture      logs in as the operator admin and creates the parties, users,
               product and cooperation every module needs, and a token for
               each user.  Its complaints are about the product's rate (cause
               c11), which dispatch (data/routing.tsv) gives to the funder,
               the bank: bank users lead them.  fx.lead_user(doc) names a
               user of whichever party leads a complaint; fx.create() gives
               each complaint a complainant of its own (person(k)), masked
               alike (MASKED), so that none counts as a repeat.
  ALLOWED      the lifecycle as the suite expects it (state and role of every
  PARTY_RULE   API action), the party rule of each action (docs/linkage.md),
  CREATED      and the first two events of every new complaint (received,
               dispatched by ombud itself: actor SYSTEM_ACTOR).
  raw_exchange sends raw bytes on one connection and returns what comes
               back (pipelining, framing, Expect: 100-continue).
  openapi      every response that http() and raw_exchange() read is checked
               against docs/openapi.yaml (openapi_check.py); a response the
               document does not describe fails the test that caused it.
               OMB_OPENAPI_CHECK=0 turns the check off while debugging.
  connect, TLS  a connection to a port, over TLS for the ports registered in
               TLS (an nginx front, front.py); http() and raw_exchange() use it.
               In run.py's `--front nginx` mode every Server gets a front:
               its port is then nginx's and direct_port ombud's own.
  fingerprint  row counts of every table (plus max(events.id) and a few
               sums that catch updates: versions, day counters, revoked
               tokens, assignees' loads, duty, closed tasks, superseded
               settlements) read with sqlite3 in read-only mode.
  check_agent_loads  the loads dispatch reads (agent_load) equal the open
               complaints per assignee.
  check_error  asserts that a response is exactly the JSON error shape
               {"error":{"code","message","field"}} with the given status.
  Context      what run.py hands a module: options and the servers it
               started; at the end every server is stopped with SIGTERM and
               must exit 0 with no sanitizer report in its log.

Test modules define functions test_*(ctx), run in the order they are
written, and optionally setup(ctx) (start servers, build fixtures),
collect(ctx) -> [(name, fn)] (tests made from data) and teardown(ctx).
Every CLI run is checked for sanitizer reports too.
"""

import datetime
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import openapi_check

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "tests", "data")

ADMIN_PASSWORD = "op-secret-0001"
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 60.0
HTTP_TIMEOUT = 60.0
OPENAPI_CHECK = os.environ.get("OMB_OPENAPI_CHECK", "1") != "0"


class TestFailure(AssertionError):
    """A check that did not hold."""


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def eq(got, want, what):
    if got != want:
        raise TestFailure("%s: got %r, want %r" % (what, got, want))


# ---- HTTP ----------------------------------------------------------------------


class Response:
    """An HTTP response; unpacks to (status, headers, body)."""

    def __init__(self, status, headers, raw, header_list):
        self.status = status
        self.headers = headers  # lower-case name -> last value
        self.header_list = header_list  # [(name, value), ...] as sent
        self.raw = raw
        ctype = headers.get("content-type", "")
        self.json = None
        self.body = raw
        if ctype.startswith("application/json"):
            try:
                self.json = json.loads(raw.decode("utf-8"))
                self.body = self.json
            except (UnicodeDecodeError, ValueError):
                self.body = raw

    def __iter__(self):
        return iter((self.status, self.headers, self.body))

    def __repr__(self):
        text = self.raw[:300].decode("utf-8", "replace")
        return "<%d %s>" % (self.status, text)


# Ports that speak TLS (an nginx front, see front.py): port -> ssl.SSLContext.
TLS = {}


class _TlsSocket:
    """A TLS connection used as http() and raw_exchange() use a socket.  OpenSSL does not
    allow one thread to read while another writes, so reading waits until sendall()
    has finished (or failed)."""

    def __init__(self, sock):
        self.sock = sock
        self.sent = threading.Event()

    def sendall(self, data):
        try:
            self.sock.sendall(data)
        finally:
            self.sent.set()

    def recv(self, n):
        self.sent.wait(self.sock.gettimeout())
        try:
            return self.sock.recv(n)
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            return b""
        except ssl.SSLError as e:
            raise ConnectionResetError(str(e)) from e

    def __getattr__(self, name):
        return getattr(self.sock, name)


def connect(port, timeout):
    """A connection to 127.0.0.1:port; over TLS when the port is in TLS."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    context = TLS.get(port)
    if context is None:
        return sock
    try:
        return _TlsSocket(context.wrap_socket(sock, server_hostname="127.0.0.1"))
    except BaseException:
        sock.close()
        raise


def _read_all(sock):
    chunks = []
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def _dechunk(data):
    out = []
    pos = 0
    while True:
        end = data.index(b"\r\n", pos)
        size = int(data[pos:end].split(b";")[0], 16)
        pos = end + 2
        if size == 0:
            return b"".join(out)
        out.append(data[pos:pos + size])
        pos += size + 2


def _encode_body(body):
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def http(port, method, path, body=None, headers=None, token=None, chunked=False,
         timeout=HTTP_TIMEOUT, content_type="application/json"):
    """One request on a new connection; returns a Response.

    body: dict/list (sent as JSON), str or bytes (sent as is), or None.
    headers: dict or list of (name, value); a value of None removes a
    default header (Host, Content-Type, Content-Length).
    token: sent as "Authorization: Bearer <token>".
    content_type: the default Content-Type for a body (None: none).
    chunked: send the body with Transfer-Encoding: chunked.
    """
    data = _encode_body(body)
    hdrs = [("Host", "127.0.0.1:%d" % port), ("Connection", "close")]
    if token is not None:
        hdrs.append(("Authorization", "Bearer " + token))
    if data is not None:
        if content_type:
            hdrs.append(("Content-Type", content_type))
        if chunked:
            hdrs.append(("Transfer-Encoding", "chunked"))
        else:
            hdrs.append(("Content-Length", str(len(data))))
    # Given headers replace the defaults of the same name; a value of None only removes.
    extra = list(headers.items() if isinstance(headers, dict) else (headers or []))
    given = {n.lower() for n, _ in extra}
    hdrs = [(n, v) for (n, v) in hdrs if n.lower() not in given]
    hdrs += [(n, v) for (n, v) in extra if v is not None]
    head = "%s %s HTTP/1.1\r\n" % (method, path)
    head += "".join("%s: %s\r\n" % (n, v) for n, v in hdrs) + "\r\n"
    payload = head.encode("utf-8")
    if data is not None:
        if chunked:
            step = 8192
            for i in range(0, len(data), step):
                part = data[i:i + step]
                payload += b"%x\r\n" % len(part) + part + b"\r\n"
            payload += b"0\r\n\r\n"
        else:
            payload += data
    sock = connect(port, timeout)
    try:
        # Send in a thread so that a server answering early (413, 401) is
        # read while the rest of the body is still going out.
        send_err = []

        def sender():
            try:
                sock.sendall(payload)
            except OSError as e:  # the server answered and closed early
                send_err.append(e)

        t = threading.Thread(target=sender, daemon=True)
        t.start()
        raw = _read_all(sock)
        t.join(timeout)
    finally:
        sock.close()
    if not raw:
        raise TestFailure("%s %s: no response (send error: %r)" % (method, path, send_err))
    head_end = raw.find(b"\r\n\r\n")
    check(head_end > 0, "%s %s: malformed response %r" % (method, path, raw[:200]))
    lines = raw[:head_end].decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
    check(m, "%s %s: bad status line %r" % (method, path, lines[0]))
    status = int(m.group(1))
    header_list = []
    headers_out = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        header_list.append((name.strip(), value.strip()))
        headers_out[name.strip().lower()] = value.strip()
    rest = raw[head_end + 4:]
    if headers_out.get("transfer-encoding", "").lower() == "chunked":
        rest = _dechunk(rest)
    elif "content-length" in headers_out:
        rest = rest[:int(headers_out["content-length"])]
    resp = Response(status, headers_out, rest, header_list)
    if OPENAPI_CHECK:
        check_openapi(openapi_check.check_response(method, path, status, headers_out, rest,
                                                   resp.json, front=port in TLS))
    return resp


def check_openapi(violations):
    """Fails with every violation of docs/openapi.yaml that a response showed."""
    if violations:
        raise TestFailure("response not as docs/openapi.yaml says:\n  " +
                          "\n  ".join(violations[:20]))


def raw_exchange(port, data, timeout=5.0):
    """Sends raw bytes on one connection; returns every byte the server sends back
    until it closes the connection or stays silent for `timeout` seconds."""
    sock = connect(port, timeout)
    out = b""
    try:
        sock.sendall(data)
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        sock.close()
    if OPENAPI_CHECK:
        check_openapi(openapi_check.check_exchange(data, out, front=port in TLS))
    return out


def status_lines(raw):
    """The status codes of the responses in a raw byte stream, in order."""
    return [int(m.group(1)) for m in re.finditer(rb"HTTP/1\.1 (\d{3}) ", raw)]


def check_error(resp, status, code, field=Ellipsis, what=""):
    """Asserts resp is exactly {"error":{"code","message","field"}} with status/code/field."""
    label = what or "response"
    if resp.status != status:
        raise TestFailure("%s: status %d, want %d (%r)" % (label, resp.status, status, resp))
    ctype = resp.headers.get("content-type", "")
    check(ctype.startswith("application/json"), "%s: content type %r" % (label, ctype))
    body = resp.json
    check(isinstance(body, dict), "%s: body is not a JSON object: %r" % (label, resp.raw[:200]))
    check(set(body) == {"error"}, "%s: top-level keys %r" % (label, sorted(body)))
    err = body["error"]
    check(isinstance(err, dict) and set(err) == {"code", "message", "field"},
          "%s: error keys %r" % (label, err))
    check(isinstance(err["code"], str) and err["code"], "%s: error.code %r" % (label, err))
    check(isinstance(err["message"], str) and err["message"],
          "%s: error.message %r" % (label, err))
    check(err["field"] is None or isinstance(err["field"], str),
          "%s: error.field %r" % (label, err["field"]))
    if code is not None and err["code"] != code:
        raise TestFailure("%s: error.code %r, want %r (%s)" % (label, err["code"], code,
                                                                err["message"]))
    if field is not Ellipsis and err["field"] != field:
        raise TestFailure("%s: error.field %r, want %r (%s)" % (label, err["field"], field,
                                                                 err["message"]))
    return err


def check_ok(resp, status, what=""):
    if resp.status != status:
        raise TestFailure("%s: status %d, want %d (%r)" % (what or "response", resp.status,
                                                          status, resp))
    return resp.json


# ---- the database, read-only -----------------------------------------------------


SANITIZER_MARKS = (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error:")


def check_no_sanitizer_report(stderr, what):
    """Fails when a sanitizer wrote a report into the stderr of a command."""
    for mark in SANITIZER_MARKS:
        at = stderr.find(mark)
        if at >= 0:
            raise TestFailure("%s: sanitizer report:\n%s" % (
                what, stderr[at:at + 1500].decode("utf-8", "replace")))


def db_connect(db_path):
    con = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=30)
    con.execute("PRAGMA query_only=1")
    return con


def fingerprint(db_path):
    """Row counts of every table, max(events.id) and sums that change on updates."""
    con = db_connect(db_path)
    try:
        fp = {}
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        for t in tables:
            fp[t] = con.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0]
        fp["events.max_id"] = con.execute("SELECT max(id) FROM events").fetchone()[0]
        fp["complaints.sum_version"] = con.execute(
            "SELECT total(version) FROM complaints").fetchone()[0]
        fp["day_counters.sum_n"] = con.execute("SELECT total(n) FROM day_counters").fetchone()[0]
        fp["tokens.revoked"] = con.execute(
            "SELECT count(*) FROM tokens WHERE revoked_at IS NOT NULL").fetchone()[0]
        # what moves without a row being added: assignees' loads, duty, tasks and transfers
        # being closed, settlements being superseded
        extra = {
            "agent_load.sum_open": ("agent_load", "SELECT total(open) FROM agent_load"),
            "users.on_duty": ("users", "SELECT count(*) FROM users WHERE on_duty"),
            "tasks.closed": ("tasks", "SELECT count(*) FROM tasks WHERE closed_at IS NOT NULL"),
            "settlements.superseded": ("settlements", "SELECT count(*) FROM settlements "
                                                      "WHERE state = 'superseded'"),
        }
        for key, (table, sql) in extra.items():
            if table in tables:
                fp[key] = con.execute(sql).fetchone()[0]
        return fp
    finally:
        con.close()


def fingerprint_diff(a, b):
    keys = sorted(set(a) | set(b))
    return ", ".join("%s %r->%r" % (k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k))


def db_query(db_path, sql, args=()):
    con = db_connect(db_path)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


# ---- the server --------------------------------------------------------------------


class Server:
    """One ombud server on a fresh temporary directory."""

    def __init__(self, ombud, settings=None, name="ombud", test_clock=True):
        self.ombud = os.path.abspath(ombud)
        self.dir = tempfile.mkdtemp(prefix="omb-bb-%s-" % name)
        self.db = os.path.join(self.dir, "t.db")
        self.att = os.path.join(self.dir, "att")
        self.log = os.path.join(self.dir, "server.log")
        # Tree heads only on demand unless a module asks for the timer: a head signed in the
        # background changes the fingerprints that show a refused request changed nothing.
        self.settings = {"head_interval_ms": 0}
        self.settings.update(settings or {})
        self.proc = None
        self.port = None
        self.admin_password = ADMIN_PASSWORD
        self.starts = 0
        self.test_clock = test_clock
        self.front = None  # a front.Nginx: then port is nginx's, direct_port ombud's
        self.direct_port = None

    def global_args(self):
        args = [self.ombud, "--db", self.db]
        if self.att:  # None: the default, beside the database
            args += ["--set", "attachments=" + self.att]
        for k, v in self.settings.items():
            args += ["--set", "%s=%s" % (k, v)]
        return args

    def run_cli(self, *words, timeout=120, check_rc=True):
        """Runs `ombud <global options> words...`; returns CompletedProcess."""
        cmd = self.global_args() + list(words)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           cwd=self.dir)
        check_no_sanitizer_report(p.stderr, " ".join(words))
        if check_rc and p.returncode != 0:
            raise TestFailure("%s exited %d: %s" % (" ".join(words), p.returncode,
                                                    p.stderr.decode("utf-8", "replace")[-2000:]))
        return p

    def init(self):
        att = ["--set", "attachments=" + self.att] if self.att else []
        p = subprocess.run([self.ombud, "init", "--db", self.db] + att +
                           ["--admin-password", self.admin_password],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, cwd=self.dir)
        check_no_sanitizer_report(p.stderr, "ombud init")
        if p.returncode != 0:
            raise TestFailure("ombud init exited %d: %s" % (p.returncode, p.stderr.decode()))
        check(b"initialised" in p.stdout, "init printed %r" % p.stdout)
        return self

    def start(self):
        check(self.proc is None, "server already running")
        cmd = self.global_args() + ["--listen", "127.0.0.1:0", "serve"]
        if self.test_clock:
            cmd.append("--test-clock")
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=logf, cwd=self.dir)
        logf.close()
        self.starts += 1
        deadline = time.monotonic() + STARTUP_TIMEOUT
        line = b""
        fd = self.proc.stdout.fileno()
        while time.monotonic() < deadline and b"\n" not in line:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                line += chunk
            elif self.proc.poll() is not None:
                break
        m = re.search(rb"ombud \S+ listening on http://127\.0\.0\.1:(\d+)/v1/", line)
        if not m:
            self.kill()
            raise TestFailure("server did not start (stdout %r)\n%s" % (line, self.log_tail()))
        self.port = self.direct_port = int(m.group(1))
        if self.front is not None:
            self.port = self.front.start(self.direct_port)
        return self

    def stop(self, sig=signal.SIGTERM, expect_rc=0):
        """Stops the server; checks the exit code and the server_stopped line."""
        check(self.proc is not None, "server not running")
        if self.front is not None:
            self.front.stop()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TestFailure("server did not stop within %ds\n%s" % (STOP_TIMEOUT,
                                                                     self.log_tail()))
        self.proc.stdout.close()
        self.proc = None
        if expect_rc is not None and rc != expect_rc:
            raise TestFailure("server exited with %d, want %d\n%s" % (rc, expect_rc,
                                                                       self.log_tail(60)))
        if expect_rc == 0:
            events = [e.get("event") for e in self.log_events()]
            check(events and events[-1] == "server_stopped",
                  "last log line is %r, not server_stopped" % (events[-1:] or None))
        return rc

    def restart(self):
        self.stop()
        return self.start()

    def kill(self):
        if self.front is not None:
            self.front.stop(check=False)
        if self.proc is not None:
            try:
                self.proc.kill()
                self.proc.wait(10)
            except Exception:
                pass
            if self.proc.stdout:
                self.proc.stdout.close()
            self.proc = None

    def close(self, keep=False):
        self.kill()
        if self.front is not None:
            self.front.close(keep=keep)
        if not keep and not os.environ.get("OMB_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, n=30):
        try:
            with open(self.log, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join("    | " + l[:400] for l in lines[-n:])

    def log_events(self):
        out = []
        try:
            with open(self.log, "rb") as f:
                for line in f.read().decode("utf-8", "replace").splitlines():
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        out.append({"event": None, "text": line})
        except OSError:
            pass
        return out

    def sanitizer_reports(self):
        """Lines of the log that AddressSanitizer/UBSan wrote."""
        try:
            with open(self.log, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return []
        return [l for l in text.splitlines()
                if "ERROR: AddressSanitizer" in l or "runtime error:" in l
                or "ERROR: LeakSanitizer" in l]

    # requests
    def http(self, method, path, body=None, headers=None, token=None, **kw):
        check(self.port is not None, "server not started")
        return http(self.port, method, path, body=body, headers=headers, token=token, **kw)

    def fingerprint(self):
        return fingerprint(self.db)


# ---- fixtures ------------------------------------------------------------------------


def id_number(first17):
    """A resident identity number with the right check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    checks = "10X98765432"
    s = sum(int(c) * w for c, w in zip(first17, weights))
    return first17 + checks[s % 11]


VALID_ID = id_number("11010519491231002")  # 11010519491231002X
BAD_ID = VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")

# The complainant of complaint_body(): ombud keeps it only sealed, and every view of a
# complaint (document, list, timeline, export) shows it masked as MASKED.
COMPLAINANT = {"name": "张三", "phone": "13800138000", "id_number": VALID_ID}
MASKED = {"name": "张*", "phone": "138****8000", "id_number": "110***********002X"}

_PERSON_IDS = []


def person(k):
    """The k-th complainant other than COMPLAINANT: another phone and identity number
    (so that ombud does not take the complaint for a repeat), masked exactly as
    COMPLAINANT is (MASKED): only the hidden middle digits differ."""
    if not _PERSON_IDS:
        day = datetime.date(1940, 1, 1)
        while len(_PERSON_IDS) < 4000:
            for area in ("101", "102", "105", "106", "107", "108"):
                n = id_number("110" + area + day.strftime("%Y%m%d") + "002")
                if n.endswith("002X") and n != VALID_ID:
                    _PERSON_IDS.append(n)
            day += datetime.timedelta(days=1)
    return {"name": "张三", "phone": "138%04d8000" % ((1000 + k) % 10000),
            "id_number": _PERSON_IDS[k % len(_PERSON_IDS)]}

PARTIES = [
    ("bank", "bank_a", "甲银行 Bank A", "bank"),
    ("lender", "lender_a", "乙消费金融 Lender A", "lender"),
    ("platform", "plat_a", "丙科技平台 Platform A", "platform"),
    ("bank2", "bank_b", "丁银行 Bank B (unrelated)", "bank"),
    ("regulator", "reg_a", "监管局 Regulator", "regulator"),
    ("mediator", "med_a", "调解中心 Mediation centre", "mediator"),
]

# key: (party key, role)
USERS = [
    ("bank_agent", "bank", "agent"),
    ("bank_agent2", "bank", "agent"),
    ("bank_sup", "bank", "supervisor"),
    ("bank_comp", "bank", "compliance"),
    ("bank_admin", "bank", "admin"),
    ("bank_auditor", "bank", "auditor"),
    ("lender_agent", "lender", "agent"),
    ("lender_sup", "lender", "supervisor"),
    ("plat_agent", "platform", "agent"),
    ("bank2_agent", "bank2", "agent"),
    ("bank2_admin", "bank2", "admin"),
    ("reg_user", "regulator", "regulator"),
    ("med_user", "mediator", "mediator"),
]


def password_of(username):
    """A fixture user's password: it must pass the password rules, so it
    neither contains the username nor is a common one."""
    return "pw-%s-0001" % hashlib.sha256(username.encode()).hexdigest()[:12]


class Fixture:
    """Parties, users with tokens, a product with a cooperation; see USERS/PARTIES."""

    def __init__(self, server, users=USERS):
        self.s = server
        self.parties = {}
        self.users = {}
        self.tokens = {}
        self.product = None
        self.cooperation = None
        self._users = users
        self._people = 0
        self._lock = threading.Lock()

    def login(self, username, password):
        r = self.s.http("POST", "/v1/tokens", {"username": username, "password": password})
        body = check_ok(r, 201, "login %s" % username)
        return body["token"]

    def build(self):
        s = self.s
        self.tokens["op_admin"] = self.login("admin", s.admin_password)
        op = self.tokens["op_admin"]
        self.users["op_admin"] = {"id": 1, "party": 1, "role": "admin", "username": "admin"}
        self.parties["operator"] = 1
        for key, code, name, kind in PARTIES:
            r = s.http("POST", "/v1/parties", {"code": code, "name": name, "kind": kind},
                       token=op)
            self.parties[key] = check_ok(r, 201, "create party %s" % code)["id"]

        def make_user(item):
            key, party, role = item
            body = {"username": key, "display_name": key.replace("_", " "), "role": role,
                    "party": self.parties[party], "password": password_of(key)}
            r = s.http("POST", "/v1/users", body, token=op)
            u = check_ok(r, 201, "create user %s" % key)
            token = self.login(key, password_of(key))
            return key, u, token

        with ThreadPoolExecutor(2) as ex:
            for key, u, token in ex.map(make_user, self._users):
                self.users[key] = u
                self.tokens[key] = token
        r = s.http("POST", "/v1/products", {"code": "loan_app", "name": "随借随还 Loan app",
                                            "business": "internet_loan"}, token=op)
        self.product = check_ok(r, 201, "create product")["id"]
        members = [
            {"party": self.parties["bank"], "role": "funder", "share_bp": 6000},
            {"party": self.parties["lender"], "role": "acquirer", "share_bp": 3000},
            {"party": self.parties["platform"], "role": "platform", "share_bp": 1000},
        ]
        r = s.http("POST", "/v1/cooperations", {"code": "coop_loan_app", "name": "联合贷 Joint loan",
                                                "product": self.product, "members": members},
                   token=op)
        self.cooperation = check_ok(r, 201, "create cooperation")["id"]
        return self

    def token(self, who):
        return self.tokens[who]

    def uid(self, who):
        return self.users[who]["id"]

    def party_key(self, party_id):
        """The PARTIES key of a party id ("bank", "lender", ...)."""
        for key, pid in self.parties.items():
            if pid == party_id:
                return key
        raise KeyError(party_id)

    def user_of(self, party_id, role="agent"):
        """The first fixture user of that party with that role: e.g. who may act for the
        lead party of a complaint, fx.user_of(doc["lead_party"])."""
        key = self.party_key(party_id)
        for user, party, r in self._users:
            if party == key and r == role:
                return user
        raise KeyError((key, role))

    def lead_user(self, doc, role="agent"):
        return self.user_of(doc["lead_party"], role)

    def next_person(self):
        with self._lock:
            self._people += 1
            return person(self._people)

    def complaint_body(self, **over):
        """A valid complaint: a complaint about the product's interest rate (cause c11, which
        data/routing.tsv routes to the cooperation's funder, the bank), by COMPLAINANT."""
        body = {
            "channel": "app",
            "complainant": dict(COMPLAINANT),
            "product": self.product,
            "description": "借款利率与宣传不符，要求退还多收利息。",
            "business": "internet_loan",
            "cause": "c11",
        }
        for k, v in over.items():
            if v is None:
                body.pop(k, None)
            else:
                body[k] = v
        return body

    def create(self, who="bank_agent", headers=None, **over):
        """Creates a complaint as `who`.  Unless `complainant` is given, each complaint has a
        complainant of its own (next_person()), so that none is graded as a repeat."""
        if "complainant" not in over:
            over["complainant"] = self.next_person()
        r = self.s.http("POST", "/v1/complaints", self.complaint_body(**over),
                        token=self.tokens[who], headers=headers)
        return check_ok(r, 201, "create complaint")

    def act(self, no, action, body=None, who="bank_agent", status=200):
        r = self.s.http("POST", "/v1/complaints/%s/actions/%s" % (no, action),
                        body if body is not None else {}, token=self.tokens[who])
        return check_ok(r, status, "%s %s by %s" % (action, no, who))

    def get(self, no, who="bank_agent"):
        return check_ok(self.s.http("GET", "/v1/complaints/" + no, token=self.tokens[who]), 200,
                        "get %s" % no)

    def timeline(self, no, who="bank_agent"):
        return check_ok(self.s.http("GET", "/v1/complaints/%s/timeline" % no,
                                    token=self.tokens[who]), 200, "timeline %s" % no)


# Bodies that carry what each action needs (fixture-independent ones).
def action_body(action, fx, into=None):
    if action == "accept":
        return {"note": "受理"}
    if action in ("reject", "withdraw"):
        return {"reason": "理由 reason"}
    if action == "merge":
        return {"into": into or "TS20260101000001", "reason": "重复投诉"}
    if action == "investigate":
        return {"note": "开始调查"}
    if action == "decide":
        return {"finding": "利率计算有误", "responsibility": "institution",
                "remedy": "退还多收利息", "compensation_fen": 12345, "basis": "借款合同第5条",
                "routes": ["review", "mediation", "litigation"]}
    if action == "notify":
        # now: a notice is not given before its decision, nor in the future (the server's
        # clock is the real time unless a test set it; such tests send their own times)
        now = datetime.datetime.now(datetime.timezone.utc)
        return {"method": "sms", "notified_at": now.isoformat(timespec="milliseconds"),
                "proof": "短信回执 12345"}
    if action == "review":
        return {"reason": "对处理结果不满意"}
    if action == "mediate":
        return {"mediator_party": fx.parties["mediator"], "reason": "申请调解"}
    if action == "close":
        return {"summary": "已办结"}
    if action == "reopen":
        return {"facts": "消费者提供了新的还款记录"}
    if action == "assign":
        return {"assignee": fx.uid("bank_agent2")}
    if action == "classify":
        return {"cause": "c12", "reason": "重新分类"}
    if action == "note":
        return {"text": "备注"}
    if action == "extend":
        return {"days": 30, "reason": "需要补充调查"}
    if action == "pause":
        return {"reason_code": "appraisal", "reason": "委托第三方鉴定"}
    if action == "resume":
        return {"pause": 1}
    if action == "callback":
        return {"method": "phone", "satisfaction": "satisfied"}
    if action == "transfer":
        return {"to_party": fx.parties["platform"], "reason": "系统扣款故障，由平台方处理"}
    if action == "acknowledge_transfer":
        return {"note": "接收"}
    if action == "decline_transfer":
        return {"reason": "不属于本机构"}
    if action == "request_task":
        return {"to_party": fx.parties["lender"], "kind": "information",
                "request": "请提供该笔借款的交易流水", "due_days": 3}
    if action == "answer_task":
        return {"task": 1, "answer": "流水见附件"}
    if action == "cancel_task":
        return {"task": 1, "reason": "已不需要"}
    raise KeyError(action)


API_ACTIONS = ["accept", "reject", "merge", "withdraw", "investigate", "decide", "notify",
               "review", "mediate", "close", "reopen", "assign", "classify", "note", "extend",
               "pause", "resume", "callback", "transfer", "acknowledge_transfer",
               "decline_transfer", "request_task", "answer_task", "cancel_task"]

# The lifecycle of docs/api.md ("The complaint lifecycle") and docs/linkage.md as this suite
# expects it:
# action -> {state: roles allowed} ("open" = every state but closed and terminal ones).
HANDLERS = {"agent", "supervisor"}
OPEN = ["received", "accepted", "investigating", "decided", "notified", "review", "mediation"]
ALL_STATES = OPEN + ["closed", "rejected", "withdrawn", "merged"]
BEFORE_DECISION = ["received", "accepted", "investigating"]
ALLOWED = {
    "accept": {"received": HANDLERS},
    "reject": {"received": HANDLERS},
    "merge": {"received": HANDLERS, "accepted": HANDLERS},
    "withdraw": {s: HANDLERS for s in ("received", "accepted", "investigating")},
    "investigate": {"accepted": HANDLERS},
    "decide": {"investigating": HANDLERS, "review": {"supervisor", "compliance"},
               "mediation": {"mediator", "supervisor"}},
    "notify": {"decided": HANDLERS | {"mediator"}},
    "review": {"notified": HANDLERS},
    "mediate": {"notified": HANDLERS | {"compliance"}},
    "close": {"notified": HANDLERS | {"mediator"}, "mediation": {"mediator", "supervisor"}},
    "reopen": {"closed": {"supervisor", "compliance"}},
    "assign": {s: HANDLERS for s in OPEN},
    "classify": {s: HANDLERS | {"compliance"} for s in OPEN},
    "note": {s: HANDLERS | {"compliance", "mediator"} for s in ALL_STATES},
    "extend": {s: HANDLERS for s in BEFORE_DECISION},
    "pause": {s: HANDLERS for s in BEFORE_DECISION + ["review"]},
    "resume": {s: HANDLERS for s in BEFORE_DECISION + ["review"]},
    "callback": {"closed": HANDLERS},
    "transfer": {s: HANDLERS for s in BEFORE_DECISION},
    "acknowledge_transfer": {s: HANDLERS for s in BEFORE_DECISION},
    "decline_transfer": {s: HANDLERS for s in BEFORE_DECISION},
    "request_task": {s: HANDLERS for s in OPEN},
    "answer_task": {s: HANDLERS for s in ALL_STATES},
    "cancel_task": {s: HANDLERS for s in ALL_STATES},
}

# Which party may take an action (docs/linkage.md): "lead" the lead party only,
# "lead_or_mediator" also the mediator it was referred to (deciding and closing in
# mediation, then serving the outcome and closing), "involved" any party involved, "task_to"/"task_from" the party a task is
# addressed to / that asked for it, "transfer_to" the party a pending transfer names.
PARTY_RULE = dict({a: "lead" for a in ALLOWED}, note="involved", answer_task="task_to",
                  cancel_task="task_from", acknowledge_transfer="transfer_to",
                  decline_transfer="transfer_to")


def party_rule(action, state):
    if (action, state) in (("decide", "mediation"), ("close", "mediation"),
                           ("notify", "decided"), ("close", "notified")):
        return "lead_or_mediator"
    return PARTY_RULE[action]


# The first two events of every complaint made through POST /v1/complaints: its receipt,
# then ombud's own dispatch decision (actor user 0, party 0, as for every system event).
CREATED = ["received", "dispatched"]
SYSTEM_ACTOR = {"user": 0, "party": 0}


def check_agent_loads(db_path):
    """The assignees' loads kept by the database equal the open complaints per assignee."""
    con = db_connect(db_path)
    try:
        kept = {u: n for u, n in con.execute("SELECT user_id, open FROM agent_load") if n}
        counted = dict(con.execute(
            "SELECT assignee, count(*) FROM complaints WHERE assignee IS NOT NULL AND state NOT "
            "IN ('closed','rejected','withdrawn','merged') GROUP BY assignee").fetchall())
    finally:
        con.close()
    eq(kept, counted, "agent_load (user: open complaints)")


def timeless(doc):
    """A complaint document (or a page of them) without what depends on the
    moment of reading - the clocks' remaining_ms and late_ms - so that two
    readings of the same state compare equal."""
    if isinstance(doc, dict):
        for item in doc.get("items", []) if "items" in doc else []:
            timeless(item)
        for c in doc.get("clocks", []):
            c.pop("remaining_ms", None)
            c.pop("late_ms", None)
    return doc


def wait_for(cond, timeout=10.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


# ---- what run.py hands each module ---------------------------------------------------


class Context:
    """Options and the servers of one module; run.py prints their log tails on failure."""

    def __init__(self, opts):
        self.opts = opts
        self.ombud = opts.ombud
        self.servers = []

    def server(self, settings=None, name="ombud", start=True, test_clock=True):
        s = Server(self.ombud, settings=settings, name=name, test_clock=test_clock)
        self.servers.append(s)
        if getattr(self.opts, "front", None) == "nginx":
            import front  # noqa: PLC0415 - only in the nginx-front mode
            s.front = front.Nginx(settings=s.settings)
        s.init()
        if start:
            s.start()
        return s

    def finish(self):
        """Stops every server still running; checks exit 0 and no sanitizer report."""
        problems = []
        for s in self.servers:
            try:
                if s.proc is not None:
                    s.stop()
            except TestFailure as e:
                problems.append(str(e))
            reports = s.sanitizer_reports()
            if reports:
                problems.append("sanitizer reports in %s:\n%s" % (s.log, "\n".join(reports[:10])))
        return problems

    def cleanup(self, keep=False):
        for s in self.servers:
            s.close(keep=keep)
