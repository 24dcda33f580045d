#!/usr/bin/env python3
"""
fuzz_seeds.py - writes the seed files of the libFuzzer harnesses into
tests/fuzz/corpus/<name>/seed-* (docs/testing.md).

  request  every POST case of tests/data/bad_requests.txt (and the reveal's
           purpose) as "<handler> <as> [<target>]\\n<body>", plus a valid body
           for every write route and action (harness.action_body)
  query    every GET case with a query string of a route fuzz_query knows
  csv, cfpb    tests/data/cfpb_sample.csv, whole and cut into small pieces
  taxonomy, calendar, clock_rules, routing   data/*.tsv
  config   docs/ombud.conf.example
  utf8, number  a few texts
  pii      free texts with phone, identity and card numbers, for the
           personal-data detector's harness (fuzz_pii.c, added with it)
  receipt  a real receipt, fetched from a server when --ombud is given
           (kept as it is otherwise)

The ids in bodies are those of the harness world (tests/fuzz/fuzz_common.h):
parties operator 1, bank 2, lender 3, platform 4, bank2 5, regulator 6,
mediator 7; users in fz_users order from 1; product 1.  Seeds are small and
deterministic; run `make fuzz` and merge (scripts/fuzz.sh --merge) to grow
the corpus.  Usage: scripts/fuzz_seeds.py [--ombud build/release/ombud]
"""

import argparse
import json
import os
import re
import sys
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "blackbox"))

import harness  # noqa: E402
from test_bad_requests import _unescape, parse_corpus  # noqa: E402

CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")

PARTIES = {"operator": 1, "bank": 2, "lender": 3, "platform": 4, "bank2": 5,
           "regulator": 6, "mediator": 7}
USERS = ["op_admin", "bank_agent", "bank_agent2", "bank_sup", "bank_comp", "bank_admin",
         "bank_auditor", "lender_agent", "lender_sup", "plat_agent", "bank2_agent",
         "bank2_admin", "reg_user", "med_user"]

VARS = {
    "NO": "{NO}", "NO_CLOSED": "{NO}", "NO_INV": "{NO}", "NO_NOTIFIED": "{NO}",
    "NO_REVIEW": "{NO}", "NO_B": "{NO_B}", "SHA": "ab" * 32,
    "BANK": 2, "BANK2": 5, "LENDER": 3, "PLATFORM": 4, "REGULATOR": 6, "MEDIATOR": 7,
    "PRODUCT": 1, "AGENT2": 3, "USER_B": 11,
    "ID_OK": harness.VALID_ID, "ID_BAD": harness.BAD_ID,
    "ID_BAD_DATE": harness.id_number("11010519491331002"), "FUTURE": "2026-12-09T10:00:00Z",
    "NAME": "name",
}

BODY_ROUTES = {"/v1/complaints": "complaints", "/v1/parties": "parties", "/v1/users": "users",
               "/v1/products": "products", "/v1/cooperations": "cooperations",
               "/v1/webhooks": "webhooks", "/v1/tokens": "tokens",
               "/v1/ledger/witnesses": "witnesses"}
QUERY_ROUTES = {"/v1/complaints": "complaints", "/v1/clocks": "clocks",
                "/v1/clocks/compliance": "compliance", "/v1/tasks": "tasks",
                "/v1/settlements": "settlements", "/v1/complainants/complaints": "repeat",
                "/v1/ledger/heads": "heads", "/v1/ledger/consistency": "consistency",
                "/v1/ledger/inclusion": "inclusion"}


def expand(text):
    def one(m):
        name = m.group(1)
        if name.startswith("repeat:"):
            _, ch, n = name.split(":")
            return ch * int(n)
        return str(VARS.get(name, m.group(0)))
    return re.sub(r"\{([A-Za-z_0-9]+(?::.:[0-9]+)?)\}", one, text)


def as_user(who):
    return who if who in USERS else "bank_agent"


class Writer:
    def __init__(self):
        self.counts = {}

    def put(self, name, label, data):
        d = os.path.join(CORPUS, name)
        os.makedirs(d, exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", label)[:60]
        with open(os.path.join(d, "seed-" + slug), "wb") as f:
            f.write(data)
        self.counts[name] = self.counts.get(name, 0) + 1


# (method, path pattern, handler or None for the action named by group 2); group 1 is the target.
PATH_ROUTES = [
    ("POST", r"^/v1/complaints/([^/]+)/actions/([a-z_]+)$", None),
    ("POST", r"^/v1/complaints/([^/]+)/notes$", "notes"),
    ("POST", r"^/v1/users/([^/]+)/duty$", "duty"),
    ("POST", r"^/v1/ledger/heads/([^/]+)/cosignatures$", "cosignatures"),
    ("GET", r"^/v1/complaints/([^/]+)/complainant$", "complainant"),
]


def request_line(method, path):
    """(handler, target, query) of a write route, or None."""
    p, _, query = path.partition("?")
    if method == "POST" and p in BODY_ROUTES:
        return BODY_ROUTES[p], None, query
    for want, pattern, handler in PATH_ROUTES:
        m = re.match(pattern, p)
        if method == want and m:
            return handler or m.group(2), m.group(1), query
    return None


def seeds_from_corpus(w):
    for case in parse_corpus():
        path = expand(case.path)
        who = as_user(case.who)
        got = request_line(case.method, path)
        if got:
            handler, target, query = got
            if handler == "complainant":
                purpose = dict(urllib.parse.parse_qsl(query)).get("purpose", "")
                body = purpose.encode("utf-8")
            elif case.fill:
                body = b"{}"
            else:
                body = _unescape(expand("\n".join(case.body))) if case.body is not None else b""
            head = "%s %s%s\n" % (handler, who, " " + target if target else "")
            w.put("request", case.name, head.encode("utf-8") + body)
            continue
        p, _, query = path.partition("?")
        if case.method == "GET" and p in QUERY_ROUTES and query:
            w.put("query", case.name, "%s %s\n%s" % (QUERY_ROUTES[p], who, query))


class FakeFixture:
    parties = PARTIES

    @staticmethod
    def uid(who):
        return USERS.index(who) + 1


def good_requests(w):
    body = {"channel": "app", "complainant": dict(harness.COMPLAINANT), "product": 1,
            "description": "借款利率与宣传不符，要求退还多收利息。", "business": "internet_loan",
            "cause": "c11", "claims": ["refund"], "amount_fen": 1200}
    w.put("request", "good-complaint", "complaints bank_agent\n" + json.dumps(body, ensure_ascii=False))
    goods = {
        "parties": ("op_admin", {"code": "bank_c", "name": "Bank C", "kind": "bank"}),
        "users": ("op_admin", {"username": "u1", "display_name": "U 1", "role": "agent",
                               "party": 2, "skills": "internet_loan,c11"}),
        "products": ("op_admin", {"code": "p2", "name": "P 2", "business": "credit_card"}),
        "cooperations": ("op_admin", {"code": "co2", "name": "Co 2", "product": 1, "members": [
            {"party": 2, "role": "funder", "share_bp": 10000}]}),
        "webhooks": ("bank_admin", {"url": "https://hooks.example.com/ombud",
                                    "events": ["received", "decided"]}),
        "witnesses": ("op_admin", {"party": 6, "public_key": "00" * 32}),
        "tokens": ("bank_agent", {"username": "nobody", "password": "pw"}),
        "duty": ("bank_sup", {"on_duty": False}),
        "cosignatures": ("bank_auditor", {"signature": "00" * 64}),
    }
    for handler, (who, b) in goods.items():
        w.put("request", "good-" + handler, "%s %s\n%s" % (handler, who, json.dumps(b)))
    w.put("request", "good-complainant", "complainant bank_sup {NO}\n核实身份 verify identity")
    for action in harness.API_ACTIONS:
        b = harness.action_body(action, FakeFixture, into="{NO_B}")
        handler = "notes" if action == "note" else action
        w.put("request", "good-" + action, "%s bank_agent {NO}\n%s" % (
            handler, json.dumps(b, ensure_ascii=False)))


def good_queries(w):
    for route, query in [
            ("complaints", "state=received&limit=5&sort=-received_at"),
            ("complaints", "q=利率&business=internet_loan&cause=c11&grade=general"),
            ("clocks", "kind=decision&state=running&due_before=2026-12-31"),
            ("compliance", "from=2026-01-01&to=2026-12-31&lead_party=2"),
            ("tasks", "state=open&to_party=3"), ("settlements", "party=2"),
            ("repeat", "phone=13800138000"), ("heads", "limit=2"),
            ("consistency", "first=1&second=3"), ("inclusion", "size=5&leaf=1")]:
        w.put("query", "good-%s-%s" % (route, query[:20]), "%s bank_sup\n%s" % (route, query))


def file_seeds(w):
    csv = open(os.path.join(ROOT, "tests", "data", "cfpb_sample.csv"), "rb").read()
    lines = csv.split(b"\n")
    w.put("cfpb", "cfpb-sample-head", b"\n".join(lines[:40]))
    w.put("cfpb", "cfpb-sample-one", b"\n".join(lines[:2]) + b"\n")
    w.put("csv", "cfpb-sample-head", b"\x00" + b"\n".join(lines[:20]))
    w.put("csv", "quotes", b"\x00" + b'a,"b ""c"" d",e\r\n"x\ny",,\r"open')
    w.put("csv", "bom-small-caps", b"\x21" + b"\xef\xbb\xbfa,b,c\n1,2,3\n")
    for name in ("taxonomy", "calendar", "routing"):
        w.put(name, name + "-tsv", open(os.path.join(ROOT, "data", name + ".tsv"), "rb").read())
    w.put("clock_rules", "clocks-tsv", open(os.path.join(ROOT, "data", "clocks.tsv"), "rb").read())
    layers = "year\t2026\tofficial\n2026-10-01\tholiday\t国庆节 / National Day\n" \
             "\fyear\t2027\tprojected\n2027-10-09\tworkday\t调休 / make-up day\n" \
             "\f2026-06-01\tholiday\tparty day\n"
    w.put("calendar", "layers", layers)
    w.put("config", "example", open(os.path.join(ROOT, "docs", "ombud.conf.example"), "rb").read())
    w.put("config", "small", b"listen = 0.0.0.0:0\npage_default = 50\npage_max = 10\n")
    for i, text in enumerate(["plain ascii", "张三 借款利率", "\U0001F600 emoji", "\xe9t\xe9"]):
        w.put("utf8", "text-%d" % i, text)
    w.put("utf8", "bad", b"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80")
    # pii: the personal-data detector's harness (tests/fuzz/fuzz_pii.c) reads free text.
    for i, text in enumerate([
            "我的手机号是13800138000，身份证号%s，请回电。" % harness.VALID_ID,
            "call me on +86 138-0013-8000 or card 6222 0212 3456 7890 123",
            "no personal data here, only 12345 and 2026-11-20"]):
        w.put("pii", "text-%d" % i, text)
    for i, text in enumerate(pii_examples()):
        w.put("pii", "unit-%d" % i, text)
    w.put("number", "good", "TS20261122000123")
    w.put("number", "long-seq", "TS202611221234567")


def pii_examples():
    """The texts of the true and false positive cases of the detector's unit
    test (the first string of each {"text", "mask"} case, plain literals)."""
    src = open(os.path.join(ROOT, "tests", "unit", "test_pii_text.c"), encoding="utf-8").read()
    seen = []
    for m in re.finditer(r'^\s*\{"((?:[^"\\]|\\")*)", (?:"|NULL)', src, re.M):
        text = m.group(1).replace('\\"', '"')
        if text and text not in seen:
            seen.append(text)
    return seen


def fetch_receipt(w, ombud):
    s = harness.Server(ombud, name="fuzz-seeds")
    try:
        s.init()
        s.start()
        fx = harness.Fixture(s).build()
        no = fx.create()["no"]
        r = s.http("POST", "/v1/ledger/heads", token=fx.token("op_admin"))
        harness.check_ok(r, 201, "sign a head")
        r = s.http("GET", "/v1/complaints/%s/receipt" % no, token=fx.token("bank_agent"))
        receipt = harness.check_ok(r, 200, "receipt")
        w.put("receipt", "receipt", json.dumps(receipt, ensure_ascii=False, indent=1))
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ombud", help="an ombud binary to fetch a real receipt from")
    args = ap.parse_args()
    w = Writer()
    seeds_from_corpus(w)
    good_requests(w)
    good_queries(w)
    file_seeds(w)
    if args.ombud:
        fetch_receipt(w, args.ombud)
    for name in sorted(w.counts):
        print("%-12s %d seeds" % (name, w.counts[name]))


if __name__ == "__main__":
    main()
