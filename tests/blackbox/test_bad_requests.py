"""
test_bad_requests.py - runs the corpus tests/data/bad_requests.txt (its
format is described at the top of that file) against a server started with
max_body=65536.  For each case: the status, error.code and error.field, a
body that is exactly the JSON error shape, and a database fingerprint (row
counts of every table, max(events.id), sums that move on updates) equal to
the one before the case.  The fingerprint is also compared across the
whole corpus, and the server must still be healthy at the end.
"""

import datetime
import hashlib
import os
import re

from harness import (BAD_ID, DATA, VALID_ID, Fixture, TestFailure, action_body, check,
                     check_error, check_ok, eq, fingerprint_diff, id_number, password_of, wait_for)

CORPUS = os.path.join(DATA, "bad_requests.txt")
MAX_BODY = 65536
MIN_CASES = 110


class Case:
    def __init__(self, name, line):
        self.name = name
        self.line = line
        self.method = "GET"
        self.path = None
        self.who = "none"
        self.headers = []  # (name, value or None)
        self.body = None  # list of lines
        self.fill = None
        self.chunked = False
        self.status = None
        self.code = None
        self.field = Ellipsis


def parse_corpus(path=CORPUS):
    cases, case = [], None
    names = set()
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            where = "%s:%d" % (os.path.basename(path), lineno)
            if not line.strip() or line.startswith("#"):
                continue
            m = re.match(r"^\[([A-Za-z0-9_-]+)\]\s*$", line)
            if m:
                if m.group(1) in names:
                    raise ValueError("%s: case %s given twice" % (where, m.group(1)))
                names.add(m.group(1))
                case = Case(m.group(1), lineno)
                cases.append(case)
                continue
            if case is None:
                raise ValueError("%s: text before the first case" % where)
            key, sep, value = line.partition(":")
            if not sep:
                raise ValueError("%s: expected key: value" % where)
            key, value = key.strip(), value[1:] if value.startswith(" ") else value
            if key == "method":
                case.method = value.strip()
            elif key == "path":
                case.path = value.strip()
            elif key == "as":
                case.who = value.strip()
            elif key == "header":
                value = value.strip()
                if value.startswith("-"):
                    case.headers.append((value[1:].strip(), None))
                else:
                    hname, _, hvalue = value.partition(":")
                    case.headers.append((hname.strip(), hvalue.strip()))
            elif key == "body":
                case.body = (case.body or []) + [value]
            elif key == "body-fill":
                case.fill = int(value)
            elif key == "chunked":
                case.chunked = value.strip() == "yes"
            elif key == "expect":
                parts = value.split()
                if len(parts) not in (2, 3):
                    raise ValueError("%s: expect STATUS CODE [FIELD]" % where)
                case.status, case.code = int(parts[0]), parts[1]
                if len(parts) == 3:
                    case.field = None if parts[2] == "null" else parts[2]
            else:
                raise ValueError("%s: unknown key %s" % (where, key))
    for c in cases:
        if not c.path or c.status is None:
            raise ValueError("case %s (line %d) needs path and expect" % (c.name, c.line))
    return cases


def _unescape(text):
    """The body text as bytes: UTF-8, with \\xNN as the byte NN."""
    out = bytearray()
    pos = 0
    for m in re.finditer(r"\\x([0-9A-Fa-f]{2})", text):
        out += text[pos:m.start()].encode("utf-8")
        out.append(int(m.group(1), 16))
        pos = m.end()
    out += text[pos:].encode("utf-8")
    return bytes(out)


def setup(ctx):
    s = ctx.s = ctx.server({"max_body": MAX_BODY}, name="corpus")
    fx = ctx.fx = Fixture(s).build()
    r = s.http("POST", "/v1/complaints", fx.complaint_body(description="语料投诉"),
               token=fx.token("bank_agent"), headers={"Idempotency-Key": "corpus-key"})
    no = check_ok(r, 201, "corpus complaint")["no"]
    closed = fx.create()["no"]
    for a in ("accept", "investigate", "decide", "notify", "close"):
        fx.act(closed, a, action_body(a, fx))
    no_b = fx.create("bank2_agent", product=None)["no"]
    steps = {"NO_INV": ["accept", "investigate"],
             "NO_NOTIFIED": ["accept", "investigate", "decide", "notify"],
             "NO_REVIEW": ["accept", "investigate", "decide", "notify", "review"]}
    more = {}
    for name, path in steps.items():
        more[name] = fx.create()["no"]
        for a in path:
            who = "bank_sup" if (name, a) == ("NO_REVIEW", "decide") else "bank_agent"
            fx.act(more[name], a, action_body(a, fx), who=who)
    data = b"corpus attachment " + os.urandom(64)
    r = s.http("POST", "/v1/complaints/%s/attachments?name=a.bin" % no, data,
               token=fx.token("bank_agent"), content_type="application/octet-stream")
    check_ok(r, 201, "corpus attachment")
    # a token that was logged out
    t = fx.login("bank_agent2", password_of("bank_agent2"))
    check_ok(s.http("DELETE", "/v1/tokens/current", token=t), 200, "logout")
    ctx.tokens = dict(fx.tokens, revoked=t, garbage="omb_" + "Z" * 43, malformed="not-a-token")
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
    ctx.vars = {
        "NO": no, "NO_CLOSED": closed, "NO_B": no_b, "NO_INV": more["NO_INV"],
        "NO_NOTIFIED": more["NO_NOTIFIED"], "NO_REVIEW": more["NO_REVIEW"], "SHA": hashlib.sha256(data).hexdigest(),
        "BANK": fx.parties["bank"], "BANK2": fx.parties["bank2"],
        "LENDER": fx.parties["lender"], "PLATFORM": fx.parties["platform"],
        "REGULATOR": fx.parties["regulator"], "MEDIATOR": fx.parties["mediator"],
        "PRODUCT": fx.product, "AGENT2": fx.uid("bank_agent2"), "USER_B": fx.uid("bank2_agent"),
        "ID_OK": VALID_ID, "ID_BAD": BAD_ID, "ID_BAD_DATE": id_number("11010519491331002"),
        "FUTURE": future.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    ctx.cases = parse_corpus()
    ctx.start_fp = s.fingerprint()


def expand(ctx, text):
    def rep(m):
        if m.group(1):
            return m.group(2) * int(m.group(3))
        name = m.group(4)
        if name not in ctx.vars:
            raise TestFailure("unknown placeholder {%s}" % name)
        return str(ctx.vars[name])
    return re.sub(r"\{(repeat:(.):(\d+))\}|\{([A-Z][A-Z0-9_]*)\}", rep, text)


def run_case(ctx, case):
    s = ctx.s
    token = None
    if case.who != "none":
        check(case.who in ctx.tokens, "unknown token role %r" % case.who)
        token = ctx.tokens[case.who]
    headers = [(n, expand(ctx, v) if v is not None else None) for n, v in case.headers]
    body = None
    if case.fill is not None:
        pad = case.fill - len('{"description":""}')
        body = ('{"description":"%s"}' % ("x" * pad)).encode()
        eq(len(body), case.fill, "body-fill size")
    elif case.body is not None:
        body = _unescape(expand(ctx, "\n".join(case.body)))
    before = s.fingerprint()
    r = s.http(case.method, expand(ctx, case.path), body, headers=headers, token=token,
               chunked=case.chunked)
    if case.method == "HEAD":
        eq(r.status, case.status, "status")
    else:
        check_error(r, case.status, case.code, case.field, what=case.name)
    after = s.fingerprint()
    if after != before:
        raise TestFailure("the database changed: %s" % fingerprint_diff(before, after))


def collect(ctx):
    tests = [("corpus_size", lambda: check(len(ctx.cases) >= MIN_CASES,
                                           "only %d cases in %s" % (len(ctx.cases), CORPUS)))]
    for case in ctx.cases:
        tests.append(("case:" + case.name, (lambda c: lambda: run_case(ctx, c))(case)))
    tests.append(("database_unchanged_by_corpus", lambda: _whole(ctx)))
    tests.append(("every_error_class_covered", lambda: _coverage(ctx)))
    return tests


def _whole(ctx):
    end = ctx.s.fingerprint()
    if end != ctx.start_fp:
        raise TestFailure("the corpus changed the database: %s" % fingerprint_diff(ctx.start_fp,
                                                                                   end))
    h = check_ok(ctx.s.http("GET", "/v1/health"), 200, "health after the corpus")
    eq(h["writer"]["failed_commits"], 0, "failed commits")
    # every refused request was logged with its status
    def logged():
        return [e for e in ctx.s.log_events()
                if e.get("event") == "request" and e.get("status", 0) >= 400]
    wait_for(lambda: len(logged()) >= len(ctx.cases), timeout=10)
    check(len(logged()) >= len(ctx.cases), "%d refused requests logged for %d cases" % (
        len(logged()), len(ctx.cases)))
    # the corpus complaint is as it was
    d = ctx.fx.get(ctx.vars["NO"])
    eq((d["state"], d["version"]), ("received", 3),
       "the corpus complaint (created, dispatched, attached)")


def _coverage(ctx):
    statuses = {c.status for c in ctx.cases}
    want = {400, 401, 403, 404, 405, 409, 413, 415, 422}
    check(want <= statuses, "no case for %r" % sorted(want - statuses))
    paths = {re.sub(r"\{[^}]*\}|\?.*", "", c.path) for c in ctx.cases}
    for p in ("/v1/complaints", "/v1/tokens", "/v1/parties", "/v1/users", "/v1/products",
              "/v1/cooperations", "/v1/me", "/v1/attachments/", "/v1/tokens/current"):
        check(p in paths, "no case for %s" % p)
