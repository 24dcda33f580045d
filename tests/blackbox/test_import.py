"""
test_import.py - `ombud import --format cfpb` of tests/data/cfpb_sample.csv
while the server runs on the same database (SQLite WAL): the printed
summary matches tests/data/cfpb_sample.expect, the database holds exactly
the imported complaints with external_ref "cfpb:<Complaint ID>" and the
CFPB's own fields in `source`, a narrative over the description's limit is
kept whole as the attachment narrative.txt (the description truncated and
marked), a second run imports (and attaches) nothing new, the API serves
what was imported, `ombud verify` finds the narrative files, `ombud export`
in CSV and JSON lines gives every complaint once, and a header without the
CFPB columns is refused naming every missing one.
"""

import csv
import hashlib
import io
import json
import os
import re

from harness import DATA, MASKED, Fixture, TestFailure, check, check_ok, db_query, eq

SAMPLE = os.path.join(DATA, "cfpb_sample.csv")
EXPECT = os.path.join(DATA, "cfpb_sample.expect")
OTHERS = 3  # complaints created through the API besides the import


def setup(ctx):
    # No background tree heads: the tests compare whole-database fingerprints, and a head
    # signed between two readings (head_interval_ms after the ledger grew) is not theirs.
    ctx.s = ctx.server(name="import", settings={"head_interval_ms": 0})
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


def _sample_rows():
    with open(SAMPLE, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return [dict(zip(rows[0], r)) for r in rows[1:] if len(r) == len(rows[0])]


def test_cfpb_fields_kept_in_source(ctx):
    """Company, State, ZIP code, Product, Sub-product, Issue, Sub-issue, Date sent to company,
    Timely response? and the company response: in the document's `source`, as the CFPB gave
    them."""
    docs = {d["external_ref"]: d for d in _cfpb_docs(ctx)}
    checked, seen = 0, set()
    for row in _sample_rows():
        d = docs.get("cfpb:" + row["Complaint ID"].strip())
        if not d or row["Complaint ID"] in seen:  # refused, or a repeated ID
            continue
        seen.add(row["Complaint ID"])
        want = {"format": "cfpb", "complaint_id": row["Complaint ID"].strip()}
        for col, key in (("Company", "company"), ("State", "state"), ("ZIP code", "zip_code"),
                         ("Product", "product"), ("Sub-product", "sub_product"),
                         ("Issue", "issue"), ("Sub-issue", "sub_issue"),
                         ("Company response to consumer", "company_response")):
            if row[col].strip():
                want[key] = row[col].strip()
        sent = row["Date sent to company"].strip()
        if sent:
            want["date_sent_to_company"] = (sent if "-" in sent else
                                            "%s-%s-%s" % (sent[6:], sent[:2], sent[3:5]))
        if row["Timely response?"].strip():
            want["timely_response"] = row["Timely response?"].strip() == "Yes"
        eq(d["source"], want, "source of %s" % d["no"])
        checked += 1
    check(checked >= 390, "only %d imported rows checked" % checked)
    # the API shows it too
    one = next(iter(docs.values()))
    eq(ctx.fx.get(one["no"])["source"], one["source"], "source in GET")


def test_long_narrative_kept_as_attachment(ctx):
    fx, s = ctx.fx, ctx.s
    mark = "…[truncated; full text in attachment narrative.txt]"
    long_rows = [r for r in _sample_rows() if len(r["Consumer complaint narrative"]) > 10000]
    eq(len(long_rows), 1, "rows of the sample with a narrative over 10,000 characters")
    row = long_rows[0]
    whole = row["Consumer complaint narrative"].encode("utf-8")
    d = [d for d in _cfpb_docs(ctx) if d["external_ref"] == "cfpb:" + row["Complaint ID"]][0]
    d = fx.get(d["no"])
    eq(len(d["description"]), 10000, "characters of the truncated description")
    check(d["description"].endswith(mark), "description ends %r" % d["description"][-80:])
    eq(d["description"][:-len(mark)], row["Consumer complaint narrative"][:10000 - len(mark)],
       "the description is the narrative's beginning")
    sha = hashlib.sha256(whole).hexdigest()
    eq([(a["name"], a["sha256"], a["size"], a["content_type"]) for a in d["attachments"]],
       [("narrative.txt", sha, len(whole), "text/plain; charset=utf-8")], "attachments")
    check("masked" not in d["attachments"][0], "a narrative without personal data is not masked")
    r = s.http("GET", "/v1/attachments/" + sha, token=fx.token("bank_agent"))
    eq((r.status, r.raw), (200, whole), "the whole narrative, downloaded")
    eq([e["type"] for e in fx.timeline(d["no"])["events"]], ["imported", "attachment_added"],
       "timeline of the complaint with a long narrative")
    # the files are where verify looks for them, and hash right
    p = s.run_cli("verify")
    check(b"1 attachments" in p.stdout, "verify: %r" % p.stdout[-300:])
    # no other imported complaint has an attachment
    others = [x for x in _cfpb_docs(ctx) if x["no"] != d["no"] and x.get("attachments")]
    eq(others, [], "other imported complaints with attachments")
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
    # every missing column is named at once; the optional ones are not asked for
    err = p.stderr.decode("utf-8")
    for col in ("Sub-product", "Issue", "Sub-issue", "Consumer complaint narrative", "Company",
                "Tags", "Submitted via", "Company response to consumer", "Complaint ID"):
        check('"%s"' % col in err, "%s not named: %r" % (col, err))
    for col in ("Date received", "Product", "State", "ZIP code", "Timely response?"):
        check('"%s"' % col not in err, "%s named: %r" % (col, err))


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
