"""
test_front.py - the recommended nginx front (docs/nginx/ombud.conf, started
by front.py over TLS): what libmicrohttpd would answer in HTML, or not at
all, nginx answers with ombud's JSON error object; a slowloris client is cut
off at the header deadline; ombud's own answers (errors too) pass unchanged;
the event stream passes through unbuffered; uploads up to max_attachment
work; and nginx's log names the client and joins ombud's log by request id.
"""

import hashlib
import os
import socket
import time

import front
import harness
from harness import (Fixture, Response, check, check_error, check_ok, eq, raw_exchange,
                     status_lines, wait_for)

HEADER_TIMEOUT = 3  # seconds: client_header_timeout of the generated configuration


def setup(ctx):
    ctx.s = ctx.server(name="front", start=False)
    ctx.s.front = front.Nginx(header_timeout=HEADER_TIMEOUT)
    ctx.s.start()
    users = [u for u in harness.USERS if u[0] in ("bank_agent", "bank_auditor", "bank2_agent")]
    ctx.fx = Fixture(ctx.s, users=users).build()


def parse(raw, what):
    """The first response of a raw byte stream as a harness.Response."""
    end = raw.find(b"\r\n\r\n")
    check(end > 0, "%s: no response head in %r" % (what, raw[:200]))
    lines = raw[:end].decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    header_list = [(n.strip(), v.strip()) for n, _, v in (l.partition(":") for l in lines[1:])]
    headers = {n.lower(): v for n, v in header_list}
    body = raw[end + 4:]
    if "content-length" in headers:
        body = body[:int(headers["content-length"])]
    return Response(status, headers, body, header_list)


def front_error(ctx, data, status, code, what):
    """Sends raw bytes through nginx; checks that exactly one answer comes back, the JSON
    error object with that status and code (field null), with nginx's X-Request-Id."""
    raw = raw_exchange(ctx.s.port, data, timeout=10)
    eq(len(status_lines(raw)), 1, "%s: status lines in %r" % (what, raw[:300]))
    resp = parse(raw, what)
    check_error(resp, status, code, None, what)
    eq(resp.headers.get("content-type"), "application/json", what + ": content type")
    eq(resp.headers.get("x-content-type-options"), "nosniff", what + ": nosniff")
    check(len(resp.headers.get("x-request-id", "")) == 32, what + ": X-Request-Id %r" % (
        resp.headers.get("x-request-id"),))
    return resp


def head(method, path, *lines):
    text = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method, path)
    return (text + "".join(l + "\r\n" for l in lines) + "\r\n").encode("latin-1")


def post_raw(port, path, body, *lines):
    """A POST through raw_exchange, for answers that only nginx gives (502), which
    the API's description does not list under each operation."""
    data = head("POST", path, "Content-Length: %d" % len(body), "Connection: close", *lines)
    return parse(raw_exchange(port, data + body, timeout=30), "POST " + path)


def test_config_is_the_documented_file(ctx):
    with open(front.DOC, encoding="utf-8") as f:
        doc = f.read()
    with open(os.path.join(ctx.s.front.dir, "ombud.conf"), encoding="utf-8") as f:
        used = f.read()
    changed = [l for l in used.splitlines() if l not in doc.splitlines()]
    eq(len(changed), len(front.SUBSTITUTIONS), "lines changed from the documented file")
    try:
        front.render(doc.replace("client_header_timeout 10s;", "client_header_timeout 9s;"),
                     upstream_port=1, port=2, cert="c", key="k", dir="d", header_timeout=3,
                     max_body=1, max_attachment=2)
    except harness.TestFailure:
        return
    raise harness.TestFailure("render() accepted a file without a marked line")


def test_proxied_answers_pass_unchanged(ctx):
    s, fx = ctx.s, ctx.fx
    r = s.http("GET", "/v1/health")
    check_ok(r, 200, "health through nginx")
    check(r.headers.get("strict-transport-security"), "no HSTS header: %r" % r.headers)
    # ombud's own errors keep their code, field and ombud's request id (hex, not nginx's)
    r = s.http("GET", "/v1/complaints")
    check_error(r, 401, "missing_token", None, "no token")
    check(len(r.headers.get("x-request-id", "")) < 32, "ombud's X-Request-Id %r" % r.headers)
    r = s.http("POST", "/v1/complaints", fx.complaint_body(channel=None), token=fx.token("bank_agent"))
    check_error(r, 422, "missing_field", "channel", "missing channel")
    r = s.http("POST", "/v1/complaints", b"{", token=fx.token("bank_agent"))
    check_error(r, 400, "invalid_json", None, "bad JSON")


def test_content_length_minus_one(ctx):
    front_error(ctx, head("POST", "/v1/complaints", "Content-Length: -1") + b"{}", 400,
                "bad_request", "Content-Length: -1")


def test_bad_chunked_body(ctx):
    data = head("POST", "/v1/complaints", "Content-Type: application/json",
                "Transfer-Encoding: chunked") + b"zz\r\n{}\r\n0\r\n\r\n"
    front_error(ctx, data, 400, "bad_request", "bad chunk size")


def test_unknown_transfer_coding(ctx):
    data = head("POST", "/v1/complaints", "Content-Type: application/json",
                "Transfer-Encoding: gzip") + b"{}"
    front_error(ctx, data, 501, "not_implemented", "Transfer-Encoding: gzip")


def test_huge_header(ctx):
    front_error(ctx, head("GET", "/v1/health", "X-Big: " + "a" * 9000), 431,
                "headers_too_large", "a 9000-byte header line")


def test_long_request_line(ctx):
    front_error(ctx, head("GET", "/v1/" + "a" * 9000), 414, "uri_too_long", "a 9 KB path")


def test_http2_request_line(ctx):
    front_error(ctx, b"GET /v1/health HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 505,
                "http_version_not_supported", "HTTP/2.0")


def test_body_over_max_body(ctx):
    s, fx = ctx.s, ctx.fx
    before = s.fingerprint()
    body = b'{"description":"' + b"x" * (1 << 20) + b'"}'
    r = s.http("POST", "/v1/complaints", body, token=fx.token("bank_agent"))
    check_error(r, 413, "body_too_large", None, "a JSON body over 1 MiB")
    eq(r.headers.get("content-type"), "application/json", "413 content type")
    r = s.http("POST", "/v1/complaints", body, token=fx.token("bank_agent"), chunked=True)
    check_error(r, 413, "body_too_large", None, "a chunked JSON body over 1 MiB")
    eq(s.fingerprint(), before, "database after refused bodies")


def test_uploads_up_to_max_attachment(ctx):
    s, fx = ctx.s, ctx.fx
    no = fx.create()["no"]
    data = os.urandom(3 << 20)  # over max_body, under max_attachment
    r = s.http("POST", "/v1/complaints/%s/attachments?name=big.bin" % no, data,
               token=fx.token("bank_agent"), content_type="application/octet-stream",
               headers={"Idempotency-Key": "front-upload-1"})
    doc = check_ok(r, 201, "a 3 MiB upload through nginx")
    sha = hashlib.sha256(data).hexdigest()
    eq([a["sha256"] for a in doc["attachments"]], [sha], "attachments")
    r = s.http("GET", "/v1/attachments/" + sha, token=fx.token("bank_agent"))
    eq((r.status, r.raw == data), (200, True), "the upload read back through nginx")
    # Refused by ombud from its headers alone: ombud reads and drops the body nginx
    # sends, then answers with its own error (api.md, "Early refusals"), never a 502.
    before = s.fingerprint()
    for who, status, code in (("bank_auditor", 403, "role_not_allowed"),
                              ("bank2_agent", 404, "not_found")) * 3:
        r = post_raw(s.port, "/v1/complaints/%s/attachments?name=big.bin" % no, data,
                     "Authorization: Bearer " + fx.token(who),
                     "Content-Type: application/octet-stream")
        check_error(r, status, code, None, "a 3 MiB upload by " + who)
    eq(s.fingerprint(), before, "database after refused uploads")
    big = b"\0" * ((10 << 20) + 1)
    r = s.http("POST", "/v1/complaints/%s/attachments?name=huge.bin" % no, big,
               token=fx.token("bank_agent"), content_type="application/octet-stream")
    check_error(r, 413, "body_too_large", None, "an upload over 10 MiB")


def test_slowloris_cut_at_header_deadline(ctx):
    """A client trickling one header line a second is closed by nginx within
    client_header_timeout (ombud alone would keep it open for ever)."""
    sock = harness.connect(ctx.s.port, 1.0)
    t0 = time.monotonic()
    closed_after = None
    try:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for i in range(4 * HEADER_TIMEOUT):
            try:
                if sock.recv(4096) == b"":
                    closed_after = time.monotonic() - t0
                    break
            except socket.timeout:
                pass
            except OSError:
                closed_after = time.monotonic() - t0
                break
            try:
                sock.sendall(b"X-Trickle-%d: a\r\n" % i)
            except OSError:
                closed_after = time.monotonic() - t0
                break
    finally:
        sock.close()
    check(closed_after is not None, "the slow client is still connected after %.1fs" % (
        time.monotonic() - t0))
    check(HEADER_TIMEOUT - 0.5 <= closed_after <= HEADER_TIMEOUT + 2,
          "closed after %.1fs, want about %ds" % (closed_after, HEADER_TIMEOUT))


def test_event_stream_unbuffered(ctx):
    s, fx = ctx.s, ctx.fx
    sock = harness.connect(s.port, 10)
    try:
        sock.sendall(head("GET", "/v1/stream", "Authorization: Bearer " + fx.token("bank_agent"),
                          "Accept: text/event-stream"))
        got = b""
        while b"ombud event stream" not in got:
            chunk = sock.recv(65536)
            check(chunk, "the stream closed: %r" % got)
            got += chunk
        check(got.startswith(b"HTTP/1.1 200 "), "stream answer %r" % got[:200])
        check(b"text/event-stream" in got, "stream content type in %r" % got[:400])
        no = fx.create()["no"].encode()
        t0 = time.monotonic()
        sock.settimeout(0.5)
        while no not in got and time.monotonic() - t0 < 5:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                continue
            check(chunk, "the stream closed before the event")
            got += chunk
        check(no in got, "the event of %s did not come through within 5 s" % no.decode())
        check(time.monotonic() - t0 < 2, "the event took %.1fs" % (time.monotonic() - t0))
    finally:
        sock.close()


def test_log_names_the_client(ctx):
    s = ctx.s
    r = s.http("GET", "/v1/health", headers={"X-Forwarded-For": "203.0.113.9",
                                             "X-Request-Id": "forged"})
    check_ok(r, 200, "health")
    rid = r.headers.get("x-request-id")
    check(rid and rid != "forged", "X-Request-Id %r" % rid)
    lines = []
    check(wait_for(lambda: lines.extend(l for l in s.front.access_log()
                                        if l.get("ombud_id") == rid) or lines, timeout=5),
          "no nginx log line with ombud_id %s" % rid)
    line = lines[0]
    eq((line["client"], line["request"], line["status"]),
       ("127.0.0.1", "GET /v1/health HTTP/1.1", 200), "nginx's log line")
    eq(line["tls"] in ("TLSv1.2", "TLSv1.3"), True, "TLS protocol %r" % line["tls"])
    check(wait_for(lambda: [e for e in s.log_events()
                            if e.get("event") == "request" and e.get("id") == rid], timeout=5),
          "no request line with id %s in ombud's log" % rid)
    # nginx's own error answers are logged with the client too
    raw_exchange(s.port, head("POST", "/v1/complaints", "Content-Length: -1"))
    check(wait_for(lambda: any(l["status"] == 400 and l["client"] == "127.0.0.1"
                               for l in s.front.access_log()), timeout=5),
          "no log line for nginx's own 400")


def test_bad_gateway_when_ombud_is_down(ctx):
    n = front.Nginx()
    try:
        n.start(front.free_port())  # nothing listens there
        r = post_raw(n.port, "/v1/complaints", b'{"a":1}', "Content-Type: application/json",
                     "Idempotency-Key: k-502")
        check_error(r, 502, "bad_gateway", None, "ombud down")
    finally:
        n.close()
