"""
test_http.py - HTTP behaviours of the server itself: every answer of every
route (errors too) says X-Content-Type-Options: nosniff; answers that carry
a token or clear personal data say Cache-Control: no-store; a client that
half-closes its side (shutdown(SHUT_WR)) right after a write still gets the
whole committed answer, and a retry with the same Idempotency-Key replays
it; a Transfer-Encoding other than chunked is answered 501 at once; an
upload refused by its headers alone is read and dropped, then answered with
ombud's error and Connection: close (one over max_attachment gets 413 at once);
attachment names that are paths, dots, drives or hold control characters
are refused while ordinary names in any script are kept as given; and
GET /v1/ (also /v1 and /) lists the API's endpoints from the route table,
each of which docs/openapi.yaml describes.
"""

import hashlib
import json
import os
import re
import socket
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from harness import (ROOT, Fixture, check, check_error, check_ok, eq, password_of, person,
                     raw_exchange, timeless)

HALF_CLOSED = 150  # creates sent with shutdown(SHUT_WR)
THREADS = 16


def setup(ctx):
    ctx.s = ctx.server(name="http")
    ctx.fx = Fixture(ctx.s).build()
    ctx.no = ctx.fx.create()["no"]


# ---- headers ---------------------------------------------------------------------------


def _index(ctx):
    return check_ok(ctx.s.http("GET", "/v1/"), 200, "GET /v1/")


def _sample_path(ctx, path):
    data = {"no": ctx.no, "id": "1", "sha256": "0" * 64, "action": "accept", "seq": "1",
            "size": "1"}
    return re.sub(r"\{(\w+)\}", lambda m: data[m.group(1)], path)


def test_every_answer_says_nosniff(ctx):
    s, fx = ctx.s, ctx.fx
    endpoints = _index(ctx)["endpoints"]
    check(len(endpoints) > 40, "only %d endpoints listed" % len(endpoints))
    spare = fx.login("bank_agent2", password_of("bank_agent2"))
    seen = set()
    for ep in endpoints:
        method, path = ep["method"], _sample_path(ctx, ep["path"])
        if path.startswith("/v1/users/1/"):
            # not the operator admin itself, whose tokens DELETE /v1/users/{id}/tokens revokes
            path = path.replace("/1/", "/%d/" % fx.uid("lender_sup"), 1)
        body = {} if method == "POST" else None
        tries = [None]
        if ep["token"] and path != "/v1/stream":  # the stream never ends; see below
            # what would end the admin's own session is sent with a spare token
            ends_session = path == "/v1/tokens/current" or (
                method in ("POST", "DELETE") and path.startswith("/v1/users/1/"))
            tries.append(spare if ends_session else fx.token("op_admin"))
        for token in tries:
            r = s.http(method, path, body, token=token)
            seen.add(r.status)
            eq(r.headers.get("x-content-type-options"), "nosniff",
               "nosniff on %s %s (%d, token %s)" % (method, path, r.status, bool(token)))
        if method == "DELETE" and ep["path"].endswith("/tokens"):
            # revoking a user's tokens may have revoked the admin's own: log in again
            fx.tokens["op_admin"] = fx.login("admin", s.admin_password)
    # the stream, with a token, says it from the start
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    try:
        sock.sendall(("GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
                      % fx.token("bank_agent")).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            check(chunk, "stream closed before its headers")
            head += chunk
    finally:
        sock.close()
    check(b"x-content-type-options: nosniff" in head.lower(), "nosniff on the stream %r" % head)
    # errors of every kind, before and after routing
    for method, path, token in (("GET", "/v1/nothing-here", None), ("PUT", "/v1/health", None),
                                ("GET", "/v1/me", "omb_not-a-token"),
                                ("GET", "/v1/health?x=1", None)):
        r = s.http(method, path, token=token)
        check(r.status >= 400, "%s %s answered %d" % (method, path, r.status))
        eq(r.headers.get("x-content-type-options"), "nosniff", "nosniff on %s %s" % (method, path))
        seen.add(r.status)
    for status in (200, 201, 400, 401, 404, 405, 422):
        check(status in seen, "no answer with status %d was checked (%r)" % (status, seen))


def test_secrets_are_not_cached(ctx):
    s, fx = ctx.s, ctx.fx
    r = s.http("POST", "/v1/tokens", {"username": "bank_agent",
                                      "password": password_of("bank_agent")})
    check_ok(r, 201, "login")
    eq(r.headers.get("cache-control"), "no-store", "Cache-Control of a login")
    r = s.http("POST", "/v1/tokens", {"username": "bank_agent", "password": "wrong-password"})
    eq(r.headers.get("cache-control"), "no-store", "Cache-Control of a refused login")
    fx.act(ctx.no, "accept", {"note": "受理"})
    path = "/v1/complaints/%s/complainant?purpose=%s" % (ctx.no, urllib.parse.quote("回访"))
    r = s.http("GET", path, token=fx.token("bank_agent"))
    check_ok(r, 200, "unmasked read")
    eq(r.headers.get("cache-control"), "no-store", "Cache-Control of an unmasked read")
    r = s.http("GET", "/v1/complaints/" + ctx.no, token=fx.token("bank_agent"))
    check_ok(r, 200, "document")
    eq(r.headers.get("cache-control"), None, "Cache-Control of a masked document")


# ---- half-closed connections -------------------------------------------------------------


def _half_closed(port, request):
    """Sends request, shuts the sending side down at once, reads the whole answer."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    try:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        sock.close()


def _parse(raw, what):
    head, sep, body = raw.partition(b"\r\n\r\n")
    check(sep, "%s: no complete answer (%d bytes: %r)" % (what, len(raw), raw[:120]))
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", head)
    check(m, "%s: status line %r" % (what, head[:60]))
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower().decode()] = v.strip().decode()
    check("content-length" in headers, "%s: no Content-Length" % what)
    eq(len(body), int(headers["content-length"]), "%s: body length" % what)
    return int(m.group(1)), headers, json.loads(body)


def _create_request(ctx, i):
    body = json.dumps(ctx.fx.complaint_body(complainant=person(5000 + i),
                                            description="半关闭连接 %d" % i),
                      ensure_ascii=False).encode()
    head = ("POST /v1/complaints HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n"
            "Idempotency-Key: half-closed-%d\r\n\r\n"
            % (ctx.fx.token("bank_agent"), len(body), i)).encode()
    return head + body


def test_half_closed_writes_get_their_answer(ctx):
    s = ctx.s
    requests = [_create_request(ctx, i) for i in range(HALF_CLOSED)]
    with ThreadPoolExecutor(THREADS) as ex:
        raws = list(ex.map(lambda req: _half_closed(s.port, req), requests))
    lost = [i for i, raw in enumerate(raws) if not raw]
    eq(lost, [], "writes answered with nothing after shutdown(SHUT_WR)")
    firsts = []
    for i, raw in enumerate(raws):
        status, headers, doc = _parse(raw, "half-closed create %d" % i)
        eq(status, 201, "status of half-closed create %d" % i)
        firsts.append(doc)
    nos = [d["no"] for d in firsts]
    eq(len(set(nos)), HALF_CLOSED, "distinct complaints")
    # the client learns the result again by its key: the same answer, replayed
    with ThreadPoolExecutor(THREADS) as ex:
        again = list(ex.map(lambda req: _half_closed(s.port, req), requests))
    for i, raw in enumerate(again):
        status, headers, doc = _parse(raw, "retry %d" % i)
        eq(status, 201, "status of retry %d" % i)
        eq(headers.get("idempotent-replayed"), "true", "retry %d replayed" % i)
        eq(timeless(doc), timeless(firsts[i]), "replayed body %d" % i)
    rows = s.fingerprint()["complaints"]
    check(rows >= HALF_CLOSED, "complaints in the database: %d" % rows)
    statuses = [e.get("status") for e in s.log_events()
                if e.get("event") == "request" and e.get("path") == "/v1/complaints"]
    check(0 not in statuses, "requests logged with status 0")


def test_half_closed_upload_gets_its_answer(ctx):
    s, fx = ctx.s, ctx.fx
    no = fx.create()["no"]
    for i in range(12):
        data = b"half-closed upload %d " % i + os.urandom(32)
        req = ("POST /v1/complaints/%s/attachments?name=u%d.bin HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Bearer %s\r\nContent-Type: application/octet-stream\r\n"
               "Content-Length: %d\r\n\r\n" % (no, i, fx.token("bank_agent"), len(data)))
        status, _, doc = _parse(_half_closed(s.port, req.encode() + data), "upload %d" % i)
        eq(status, 201, "status of half-closed upload %d" % i)
        eq(doc["attachments"][-1]["sha256"], hashlib.sha256(data).hexdigest(),
           "digest of upload %d" % i)


def _reset_after(port, request, delay):
    """Sends request and resets the connection (RST) after delay seconds."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    try:
        sock.sendall(request)
        if delay:
            time.sleep(delay)
    finally:
        sock.close()


def test_writes_reset_by_the_client_leave_a_sound_server(ctx):
    # A connection reset while its write runs: the write may or may not be committed, the
    # server must neither crash nor leak (the sanitizers check server_exit), and a retry
    # with the key tells the client which.
    s = ctx.s
    requests = [_create_request(ctx, 1000 + i) for i in range(120)]
    with ThreadPoolExecutor(THREADS) as ex:
        list(ex.map(lambda a: _reset_after(s.port, a[1], (a[0] % 4) * 0.002),
                    enumerate(requests)))
    check_ok(s.http("GET", "/v1/health"), 200, "health after resets")
    for i, req in enumerate(requests[:20]):
        status, headers, doc = _parse(_half_closed(s.port, req), "retry after reset %d" % i)
        eq(status, 201, "status of the retry after reset %d" % i)


# ---- framing -------------------------------------------------------------------------------


def test_unknown_transfer_coding_is_refused_at_once(ctx):
    s = ctx.s
    before = s.fingerprint()
    for coding in ("gzip", "gzip, chunked", "identity", "compress"):
        req = ("POST /v1/complaints HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/json\r\nTransfer-Encoding: %s\r\n\r\n"
               % (ctx.fx.token("bank_agent"), coding)).encode() + b"5\r\n{}{}{\r\n0\r\n\r\n"
        t0 = time.monotonic()
        raw = raw_exchange(s.port, req, timeout=5.0)
        took = time.monotonic() - t0
        check(took < 3.0, "Transfer-Encoding: %s answered after %.1f s" % (coding, took))
        status, _, doc = _parse(raw, "Transfer-Encoding: %s" % coding)
        eq(status, 501, "status for Transfer-Encoding: %s" % coding)
        eq(doc["error"]["code"], "unsupported_transfer_encoding", "code for %s" % coding)
    eq(s.fingerprint(), before, "database after refused codings")


# ---- refused uploads: the body is read and dropped, then the answer --------------------------


def _refused_upload(port, head, body, tmp_dir, chunk=1 << 16):
    """Sends head and the WHOLE body (checking half-way that no upload file was
    opened), then reads the answer to the end: the server closes after it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        sock.sendall(head)
        for i in range(0, len(body), chunk):
            sock.sendall(body[i:i + chunk])
            if i == (len(body) // 2) // chunk * chunk:
                time.sleep(0.05)
                opened = os.listdir(tmp_dir) if os.path.isdir(tmp_dir) else []
                eq(opened, [], "upload files while a refused body arrives")
        out = b""
        while True:
            got = sock.recv(65536)
            if not got:
                return out
            out += got
    finally:
        sock.close()


def test_refused_upload_gets_its_answer_after_the_body(ctx):
    # Refused by its headers alone, an upload within max_attachment is still read (and
    # dropped) before the answer: a client that writes the whole body, as a proxy does, gets
    # ombud's error, not a reset or a broken pipe; then the connection is closed.
    s, fx = ctx.s, ctx.fx
    no = fx.create()["no"]
    data = os.urandom(3 << 20)  # over max_body, under max_attachment
    tmp_dir = os.path.join(s.att, "tmp")
    before = s.fingerprint()
    path = "/v1/complaints/%s/attachments?name=big.bin" % no
    cases = [("Authorization: Bearer %s\r\n" % fx.token("bank_auditor"), 403, "role_not_allowed"),
             ("Authorization: Bearer %s\r\n" % fx.token("bank2_agent"), 404, "not_found"),
             ("", 401, "missing_token"),
             ("Authorization: Bearer nope\r\n", 401, "invalid_token")]
    for auth, status, code in cases:
        for chunked in (False, True):
            what = "a refused 3 MiB upload (%d %s%s)" % (status, code, ", chunked" if chunked else "")
            if chunked:
                framing = "Transfer-Encoding: chunked\r\n"
                body = b"".join(b"%x\r\n" % len(data[i:i + 65536]) + data[i:i + 65536] + b"\r\n"
                                for i in range(0, len(data), 65536)) + b"0\r\n\r\n"
            else:
                framing = "Content-Length: %d\r\n" % len(data)
                body = data
            head = ("POST %s HTTP/1.1\r\nHost: x\r\n%sContent-Type: application/octet-stream\r\n"
                    "%s\r\n" % (path, auth, framing)).encode()
            try:
                raw = _refused_upload(s.port, head, body, tmp_dir)
            except (ConnectionResetError, BrokenPipeError) as e:
                check(False, "%s: %r while sending the body or reading the answer" % (what, e))
            got, headers, doc = _parse(raw, what)
            eq((got, doc["error"]["code"]), (status, code), what)
            eq(headers.get("connection", "").lower(), "close", "%s: Connection" % what)
    eq(s.fingerprint(), before, "database after refused uploads")
    opened = os.listdir(tmp_dir) if os.path.isdir(tmp_dir) else []
    eq(opened, [], "upload files after refused uploads")
    # over max_attachment: refused at once by its declared length, the body is not awaited
    head = ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
            % (path, fx.token("bank_auditor"), (10 << 20) + 1)).encode()
    t0 = time.monotonic()
    status, _, doc = _parse(raw_exchange(s.port, head, timeout=5.0), "an upload over 10 MiB")
    check(time.monotonic() - t0 < 3.0, "an upload over 10 MiB answered late")
    eq((status, doc["error"]["code"]), (413, "body_too_large"), "an upload over 10 MiB")


# ---- attachment names ------------------------------------------------------------------------


REFUSED_NAMES = [
    "a\r\nX-Injected: 1", "a\rb", "line\nbreak", "nul\x00.txt", "tab\t.txt", "bell\x07",
    "del\x7f", "c1\u0085", "rlo\u202egpj.exe", "ls\u2028x", ".", "..", "../../etc/passwd",
    "/etc/passwd", "a/b", "C:\\x", "C:x", "..\\..\\boot.ini", "%00",
]


def _upload(ctx, no, name_query, data=b"evidence"):
    return ctx.s.http("POST", "/v1/complaints/%s/attachments?name=%s" % (no, name_query), data,
                      token=ctx.fx.token("bank_agent"), content_type="application/octet-stream")


def test_unsafe_attachment_names_are_refused(ctx):
    s = ctx.s
    no = ctx.fx.create()["no"]
    before = s.fingerprint()
    for name in REFUSED_NAMES:
        # "%00" stands for the NUL a client sends; quote() would keep it as the text "%2500"
        query = "a%00b" if name == "%00" else urllib.parse.quote(name, safe="")
        check_error(_upload(ctx, no, query), 400, "invalid_parameter", "name",
                    "upload named %r" % name)
    eq(s.fingerprint(), before, "database after refused names")
    eq(ctx.fx.get(no).get("attachments", []), [], "attachments after refused names")


def test_ordinary_names_are_kept(ctx):
    no = ctx.fx.create()["no"]
    names = ["催收录音 2026-11.mp3", "合同 (签字版).pdf", ".profile", "v1.2..final.txt"]
    for i, name in enumerate(names):
        r = _upload(ctx, no, urllib.parse.quote(name, safe=""), b"file %d" % i)
        eq(check_ok(r, 201, "upload named %r" % name)["attachments"][-1]["name"], name,
           "name in the answer")
    got = [a["name"] for a in ctx.fx.get(no)["attachments"]]
    eq(sorted(got), sorted(names), "names in the document")


# ---- the index -------------------------------------------------------------------------------


def test_index_lists_the_api(ctx):
    s = ctx.s
    index = _index(ctx)
    for key in ("name", "version", "api", "docs", "endpoints"):
        check(key in index, "index lacks %s" % key)
    eq(index["docs"], "docs/api.md", "where the docs are")
    for path in ("/v1", "/"):
        r = s.http("GET", path)
        eq(check_ok(r, 200, "GET %s" % path), index, "GET %s" % path)
    pairs = {(e["method"], e["path"]) for e in index["endpoints"]}
    for want in [("GET", "/v1/health"), ("POST", "/v1/complaints"),
                 ("POST", "/v1/complaints/{no}/actions/{action}"), ("POST", "/v1/tokens"),
                 ("GET", "/v1/complaints/{no}/complainant"), ("GET", "/v1/")]:
        check(want in pairs, "index lacks %s %s" % want)
    public = {e["path"] for e in index["endpoints"] if e["method"] == "GET" and not e["token"]}
    check({"/v1/health", "/v1/version", "/v1/"} <= public, "public endpoints %r" % public)
    # every endpoint the server has is described in docs/openapi.yaml
    with open(os.path.join(ROOT, "docs", "openapi.yaml"), encoding="utf-8") as f:
        spec = f.read()
    documented = set(re.findall(r"^  (/\S*):\s*$", spec, re.M))
    for e in index["endpoints"]:
        check(e["path"] in documented, "%s %s is not in docs/openapi.yaml" % (e["method"],
                                                                             e["path"]))
        method_block = re.search(r"^  %s:\s*$(.*?)(?=^  /|\Z)" % re.escape(e["path"]), spec,
                                 re.M | re.S).group(1)
        check(re.search(r"^    %s:" % e["method"].lower(), method_block, re.M),
              "%s %s is not in docs/openapi.yaml" % (e["method"], e["path"]))
    check_error(s.http("GET", "/v1/?x=1"), 400, "unknown_parameter")
