"""
test_import.py - `ombud import --format cfpb` of tests/data/cfpb_sample.csv
while the server runs on the same database (SQLite WAL): the printed
summary matches tests/data/cfpb_sample.expect, the database holds exactly
the imported complaints with external_ref "cfpb:<Complaint ID>", a second
run imports nothing new, the API serves what was imported, and `ombud
export` in CSV and JSON lines gives every complaint once.
"""

import csv
import io
import json
import os
import re

from harness import DATA, MASKED, Fixture, TestFailure, check, check_ok, db_query, eq

SAMPLE = os.path.join(DATA, "cfpb_sample.csv")
EXPECT = os.path.join(DATA, "cfpb_sample.expect")
OTHERS = 3  # complaints created through the API besides the import


def setup(ctx):
    ctx.s = ctx.server(name="import")
    users = [("bank_agent", "bank", "agent"), ("bank2_agent", "bank2", "agent")]
    ctx.fx = Fixture(ctx.s, users=users).build()
    for _ in range(OTHERS):
        ctx.fx.create()


def read_expect():
    want = {"reasons": {}}
    with open(EXPECT, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            if key.startswith("refused."):
                want["reasons"][key[len("refused."):]] = int(value)
            else:
                want[key] = int(value)
    return want


def parse_summary(text):
    """The import summary: "rows R, imported I, refused F" and "  refused REASON N" lines."""
    m = re.search(r"^rows (\d+), imported (\d+), refused (\d+)$", text, re.M)
    if not m:
        raise TestFailure("no summary line in %r" % text[-500:])
    got = {"rows": int(m.group(1)), "imported": int(m.group(2)), "refused": int(m.group(3)),
           "reasons": {}}
    for r in re.finditer(r"^\s+refused (\S+)\s+(\d+)$", text, re.M):
        got["reasons"][r.group(1)] = int(r.group(2))
    return got


def _import(ctx):
    p = ctx.s.run_cli("import", "--format", "cfpb", "--party", "bank_a", SAMPLE, timeout=300)
    return parse_summary(p.stdout.decode("utf-8"))


def _cfpb_docs(ctx):
    rows = db_query(ctx.s.db, "SELECT doc FROM complaints")
    docs = [json.loads(d) for (d,) in rows]
    return [d for d in docs if str(d.get("external_ref", "")).startswith("cfpb:")]


def test_import_matches_expect(ctx):
    want = read_expect()
    got = _import(ctx)
    eq(got, want, "import summary")
    eq(got["imported"] + got["refused"], got["rows"], "rows = imported + refused")
    ctx.want = want


def test_database_holds_the_imported(ctx):
    want = read_expect()
    docs = _cfpb_docs(ctx)
    eq(len(docs), want["imported"], "complaints with a cfpb: external_ref")
    refs = [d["external_ref"] for d in docs]
    eq(len(set(refs)), len(refs), "distinct external_ref")
    check(all(re.fullmatch(r"cfpb:\d+", r) for r in refs), "external_ref format")
    bank = ctx.fx.parties["bank"]
    check(all(d["target_party"] == bank for d in docs), "imported for the named party")
    states = {d["state"] for d in docs}
    check(states <= {"received", "investigating", "closed"}, "imported states %r" % states)
    check("closed" in states, "no closed complaint imported")
    total = db_query(ctx.s.db, "SELECT count(*) FROM complaints")[0][0]
    eq(total, want["imported"] + OTHERS, "complaints in the database")
    events = db_query(ctx.s.db, "SELECT count(*) FROM events WHERE type = 'imported'")[0][0]
    eq(events, want["imported"], "imported events")


def _fingerprint(ctx):
    """The database's fingerprint but for tree heads, which the server signs for the leaves of
    an import whenever its head interval has passed."""
    f = ctx.s.fingerprint()
    f.pop("tree_heads", None)
    return f


def test_second_import_adds_nothing(ctx):
    want = read_expect()
    before = _fingerprint(ctx)
    got = _import(ctx)
    eq(got["rows"], want["rows"], "rows")
    eq(got["imported"], 0, "imported again")
    eq(got["refused"], want["rows"], "refused again")
    reasons = dict(want["reasons"])
    reasons["duplicate"] = reasons.get("duplicate", 0) + want["imported"]
    eq(got["reasons"], reasons, "reasons of the second run")
    eq(_fingerprint(ctx), before, "database after the second import")


def test_api_serves_imported(ctx):
    fx, s = ctx.fx, ctx.s
    want = read_expect()
    seen, cursor = 0, None
    while True:
        path = "/v1/complaints?limit=200" + ("&cursor=" + cursor if cursor else "")
        body = check_ok(s.http("GET", path, token=fx.token("bank_agent")), 200, "list")
        seen += sum(1 for d in body["items"] if d.get("external_ref", "").startswith("cfpb:"))
        cursor = body["next_cursor"]
        if not cursor:
            break
    eq(seen, want["imported"], "imported complaints listed for the bank")
    body = check_ok(s.http("GET", "/v1/complaints?limit=5", token=fx.token("bank2_agent")), 200,
                    "list")
    eq(body["items"], [], "the other bank sees none")
    one = _cfpb_docs(ctx)[0]
    tl = fx.timeline(one["no"])
    # an import records history: it is not dispatched, and the party it names leads it
    eq([e["type"] for e in tl["events"]], ["imported"], "timeline of an imported complaint")
    got = fx.get(one["no"])
    eq((got["lead_party"], got.get("dispatch")), (fx.parties["bank"], None),
       "lead party of an imported complaint")
    closed = check_ok(s.http("GET", "/v1/complaints?state=closed&limit=1",
                             token=fx.token("bank_agent")), 200, "closed")["items"]
    check(closed and closed[0]["external_ref"].startswith("cfpb:"), "closed imported complaints")


def test_export_csv_and_jsonl(ctx):
    want = read_expect()
    total = want["imported"] + OTHERS
    out = os.path.join(ctx.s.dir, "export.csv")
    ctx.s.run_cli("export", "--format", "csv", "--out", out)
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, data = rows[0], rows[1:]
    check("no" in header and "state" in header, "CSV header %r" % header)
    eq(len(data), total, "CSV rows")
    check(all(len(r) == len(header) for r in data), "CSV rows with the wrong field count")
    nos = [r[header.index("no")] for r in data]
    eq(len(set(nos)), total, "distinct numbers in the CSV")
    p = ctx.s.run_cli("export", "--format", "jsonl")
    lines = [l for l in p.stdout.decode("utf-8").split("\n") if l]
    eq(len(lines), total, "JSON lines")
    docs = [json.loads(l) for l in lines]
    eq(sorted(d["no"] for d in docs), sorted(nos), "the same complaints in both exports")
    eq(sum(1 for d in docs if d.get("external_ref", "").startswith("cfpb:")), want["imported"],
       "imported complaints in the export")
    # the complaints made through the API: dispatched, and their complainant masked
    made = [d for d in docs if not d.get("external_ref", "").startswith("cfpb:")]
    eq(len(made), OTHERS, "complaints made through the API in the export")
    for d in made:
        eq(d["complainant"], MASKED, "complainant of %s in the export" % d["no"])
        eq(d["dispatch"]["lead_party"], ctx.fx.parties["bank"], "dispatch of %s" % d["no"])
    with open(out, encoding="utf-8") as f:
        text = f.read() + p.stdout.decode("utf-8")
    eq(re.findall(r"138\d{4}8000", text), [], "phone numbers in clear in the exports")
    check(b"exported %d complaints" % total in p.stderr, "export summary %r" % p.stderr[-200:])


def test_import_refuses_unknown_party(ctx):
    p = ctx.s.run_cli("import", "--format", "cfpb", "--party", "no_such_party", SAMPLE,
                      check_rc=False)
    eq(p.returncode, 1, "exit code")
    check(b"no_such_party" in p.stderr, "error names the party: %r" % p.stderr)
    bad = os.path.join(ctx.s.dir, "bad.csv")
    with io.open(bad, "w", encoding="utf-8") as f:
        f.write("Date received,Product\n2020-01-01,Mortgage\n")
    before = ctx.s.fingerprint()
    p = ctx.s.run_cli("import", "--format", "cfpb", "--party", "bank_a", bad, check_rc=False)
    eq(p.returncode, 1, "exit code for a file without the CFPB columns")
    eq(ctx.s.fingerprint(), before, "database after a refused file")


def test_import_before_the_floor(ctx):
    """received_at_floor (default 2000-01-01) refuses older rows, as a typing slip would be
    refused through the API; an import of older records lowers it for its run."""
    with open(SAMPLE, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, row = rows[0], list(rows[1])
    row[header.index("Date received")] = "1995-06-01"
    if "Date sent to company" in header:
        row[header.index("Date sent to company")] = "1995-06-02"
    row[header.index("Complaint ID")] = "99950601"
    old = os.path.join(ctx.s.dir, "old.csv")
    with open(old, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, row])
    before = _fingerprint(ctx)
    p = ctx.s.run_cli("import", "--format", "cfpb", "--party", "bank_a", old)
    got = parse_summary(p.stdout.decode("utf-8"))
    eq((got["rows"], got["imported"], got["refused"], got["reasons"]),
       (1, 0, 1, {"invalid_value": 1}), "a row of 1995 under the default floor")
    eq(_fingerprint(ctx), before, "database after the refused row")
    p = ctx.s.run_cli("--set", "received_at_floor=1990-01-01", "import", "--format", "cfpb",
                      "--party", "bank_a", old)
    got = parse_summary(p.stdout.decode("utf-8"))
    eq((got["rows"], got["imported"], got["refused"]), (1, 1, 0), "with the floor lowered")
    docs = [d for d in _cfpb_docs(ctx) if d["external_ref"] == "cfpb:99950601"]
    eq(len(docs), 1, "the imported complaint")
    check(docs[0]["no"].startswith("TS19950601"), "number %s" % docs[0]["no"])
    p = ctx.s.run_cli("--set", "received_at_floor=last year", "import", "--format", "cfpb",
                      "--party", "bank_a", old, check_rc=False)
    eq(p.returncode, 2, "exit code for a floor that is not a date")
    check(b"received_at_floor" in p.stderr, "the key named: %r" % p.stderr)
