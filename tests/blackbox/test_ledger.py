"""
test_ledger.py - the evidence ledger (issue 5): an RFC 6962 Merkle tree over
every event, signed tree heads, proofs, complaint receipts (回执), witnesses,
and `ombud verify` finding tampering done behind ombud's back.

The module carries its own RFC 6962 implementation (hashlib only): leaf and
node hashes, MTH, PATH and PROOF as RFC 6962 2.1 defines them, and the
RFC 9162 2.1.3.2 / 2.1.4.2 algorithms that check inclusion and consistency
proofs; it is first checked against the known answers of the Certificate
Transparency test tree.  With it, on one server (head_interval_ms=0, so
heads are signed only when asked):

  1. heads: none at first (404 no_head); POST /v1/ledger/heads signs (201)
     and answers 200 with the same head while the ledger has not grown;
     one head lands on a power of two (64) to exercise that branch of the
     consistency check; GET head, heads/{size}, the paged list
     (after/limit/next_after) and the key agree; every signed root equals
     the MTH recomputed from the leaf hashes read with sqlite3 from the
     `ledger` table, whose rows hold exactly the leaf and the perfect nodes
     it completes; every leaf hash equals the hash of the leaf bytes
     rebuilt here from the `events` row (+ complaints.no) in the spec's
     canonical form (payload_sha256 of the stored payload text);
     inclusion proofs for many (leaf, size) pairs and consistency proofs
     between every pair of stored heads (and other sizes) are exactly
     RFC 6962's PATH/PROOF and pass the RFC 9162 checks, while damaged ones
     fail them;
  2. receipts: a fresh complaint's receipt signs a head on demand, holds
     the creation event with only a digest of its payload (no description,
     no complainant), and its proof takes the leaf to the signed root;
     `ombud verify --receipt` accepts it (also pinned with --public-key
     from GET /v1/ledger/key) and refuses tampered copies with the right
     code; the proof of the dispatch event (seq 2); 404 for a party not
     involved, unknown numbers and events, without leaving a head behind;
     400/422 with the JSON error shape for bad parameters;
  3. witnesses: who may register a key (403 otherwise, 422 for bad keys,
     unknown parties), re-registration replaces it and is an audited event
     with its own leaf; countersignature refusals only (403 forbidden /
     not_a_witness, 422 invalid_signature for a random signature, 404
     no_head, 400/422 for malformed bodies) - Ed25519 signatures cannot be
     made with the standard library, so the successful path is tested
     elsewhere; head signatures are checked through `ombud verify` (clean
     with the key file, the --public-key of GET /v1/ledger/key and the
     receipt's key; a wrong key fails every head);
  4. refused actions (409/422) leave no event and no leaf; after a restart
     (with head_interval_ms now 200) the ledger goes on from where it was,
     heads are signed by the schedule, old heads stay consistent with new
     ones, and verify stays clean;
  5. tampering: the server is stopped, and for each case a copy of its
     database, key file and attachments is edited with sqlite3 (or the
     file system) and `ombud --db COPY verify --json` must exit 1 and report
     exactly the expected findings (kind plus leaf / event / node level and
     index / head size / attachment sha256), nothing else: a changed
     payload, type, time or actor (event_changed + head_root_events), a
     deleted event (event_deleted), the last event and its row deleted
     (head_beyond_ledger), an extra event (leaf_missing), two events
     exchanged (events_swapped naming each other) or their payloads and
     types exchanged (event_changed at both), a run renumbered after a
     deletion (events_moved with its offset), a stored node changed
     (node_changed at its level and index), a stored leaf changed
     (event_changed + node_changed of every stored ancestor +
     head_root_ledger), both the event and its row deleted (leaf_lost), a
     row missing a node (row_malformed), a head's root, time or signature
     changed (head_signature, head_root_*), a forged countersignature
     (cosignature_invalid), an event with an id below 1
     (event_out_of_range), an attachment's bytes changed or removed
     (attachment_changed / attachment_missing).  The untouched copy
     verifies clean.
"""

import datetime
import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import tempfile

from harness import (Fixture, TestFailure, action_body, check, check_error,
                     check_no_sanitizer_report, check_ok, db_query, eq, fingerprint,
                     fingerprint_diff, wait_for)

HEAD_KEYS = {"size", "at", "at_ms", "root", "signature", "key_id", "cosignatures"}
RECEIPT_KEYS = {"format", "complaint", "received_at", "entry", "leaf_index", "leaf_hash",
                "inclusion_proof", "tree_head", "public_key", "key_id", "cosignatures"}
PROOF_KEYS = {"complaint", "seq", "entry", "leaf_index", "leaf_hash", "inclusion_proof",
              "tree_head", "public_key", "key_id", "cosignatures"}
ENTRY_KEYS = ["actor_party", "actor_user", "at", "complaint", "payload_sha256", "seq", "subject",
              "type"]
WITNESS_KEYS = {"party", "party_code", "public_key", "key_id", "created_at", "created_by"}
RNG = random.Random(6962)


# ---- RFC 6962 / RFC 9162, independently ---------------------------------------------------


def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(data):
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def _split(n):
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def mth(leaves):
    """MTH(D[n]) of a list of leaf hashes (RFC 6962 2.1)."""
    n = len(leaves)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def audit_path(m, leaves):
    """PATH(m, D[n]) (RFC 6962 2.1.1)."""
    n = len(leaves)
    if n <= 1:
        return []
    k = _split(n)
    if m < k:
        return audit_path(m, leaves[:k]) + [mth(leaves[k:])]
    return audit_path(m - k, leaves[k:]) + [mth(leaves[:k])]


def consistency_proof(m, leaves):
    """PROOF(m, D[n]) (RFC 6962 2.1.2)."""

    def sub(m, d, b):
        n = len(d)
        if m == n:
            return [] if b else [mth(d)]
        k = _split(n)
        if m <= k:
            return sub(m, d[:k], b) + [mth(d[k:])]
        return sub(m - k, d[k:], False) + [mth(d[:k])]

    return sub(m, leaves, True)


def verify_inclusion(leaf, index, size, path, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, path):
    """RFC 9162 2.1.4.2 (first == second: an empty proof and equal roots)."""
    if first < 1 or first > second:
        return False
    if first == second:
        return not path and first_root == second_root
    path = list(path)
    if (first & (first - 1)) == 0:  # a power of two: the first tree is a node of the second
        path = [first_root] + path
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def stored_nodes(j, leaves):
    """What the ledger row of leaf j must hold: the leaf hash, then the root of every
    perfect subtree leaf j completes (levels 1, 2, ...)."""
    out = [leaves[j]]
    level = 1
    while (j + 1) % (1 << level) == 0:
        index = (j + 1 >> level) - 1
        out.append(mth(leaves[index << level:(index + 1) << level]))
        level += 1
    return out


def hexes(hashes):
    return [h.hex() for h in hashes]


def unhex(items):
    return [bytes.fromhex(h) for h in items]


# Known answers: the Certificate Transparency reference tree of 8 leaves.
CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
             "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


# ---- the ledger as stored ----------------------------------------------------------------


EVENT_SQL = ("SELECT e.id, e.complaint_id, c.no, e.seq, e.subject, e.type, e.at, e.actor_user, "
             "e.actor_party, e.payload FROM events e LEFT JOIN complaints c "
             "ON c.id = e.complaint_id ORDER BY e.id")


def entry_bytes(ev):
    """The leaf bytes of an event row (EVENT_SQL), in the spec's canonical form:
    keys in byte order, no spaces, the payload only as the SHA-256 of its stored text."""
    _id, cid, no, seq, subject, etype, at, actor_user, actor_party, payload = ev

    def s(x):
        return json.dumps(x, ensure_ascii=False)

    parts = [
        '"actor_party":%d' % actor_party,
        '"actor_user":%d' % actor_user,
        '"at":%d' % at,
        '"complaint":' + (s(no) if cid else "null"),
        '"payload_sha256":"%s"' % hashlib.sha256(payload.encode("utf-8")).hexdigest(),
        '"seq":' + ("%d" % seq if cid else "null"),
        '"subject":' + s(subject),
        '"type":' + s(etype),
    ]
    return ("{" + ",".join(parts) + "}").encode("utf-8")


def ledger_rows(db):
    """{leaf: hashes blob} of the ledger table."""
    return {leaf: bytes(blob) for leaf, blob in db_query(db, "SELECT leaf, hashes FROM ledger")}


def stored_leaves(db):
    rows = ledger_rows(db)
    eq(sorted(rows), list(range(len(rows))), "ledger leaves run 0..n-1")
    return [rows[i][:32] for i in range(len(rows))]


def ledger_size(db):
    return db_query(db, "SELECT count(*) FROM ledger")[0][0]


def rfc3339(ms):
    t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)


# ---- helpers -----------------------------------------------------------------------------


def setup(ctx):
    ctx.s = ctx.server(name="ledger", settings={"head_interval_ms": "0"})
    ctx.fx = Fixture(ctx.s).build()
    ctx.heads = {}  # size -> head view as POST/GET gave it
    ctx.complaints = []
    ctx.tmp = []


def teardown(ctx):
    for d in ctx.tmp:
        shutil.rmtree(d, ignore_errors=True)


def _get(ctx, path, who="bank_agent", status=200):
    return check_ok(ctx.s.http("GET", path, token=ctx.fx.token(who)), status, "GET " + path)


def _sign(ctx, who="bank_agent"):
    """POST /v1/ledger/heads; returns (status, head)."""
    r = ctx.s.http("POST", "/v1/ledger/heads", token=ctx.fx.token(who))
    check(r.status in (200, 201), "POST /v1/ledger/heads: %r" % r)
    return r.status, r.json


def _key(ctx):
    return _get(ctx, "/v1/ledger/key")


def _check_head_view(ctx, h, what, cosigned=True):
    keys = set(h)
    check(keys == HEAD_KEYS or (not cosigned and keys == HEAD_KEYS - {"cosignatures"}),
          "%s: keys %r" % (what, sorted(keys)))
    check(isinstance(h["size"], int) and h["size"] > 0, "%s: size %r" % (what, h["size"]))
    eq(h["at"], rfc3339(h["at_ms"]), "%s: at is at_ms in RFC 3339" % what)
    check(len(h["root"]) == 64 and bytes.fromhex(h["root"]), "%s: root %r" % (what, h["root"]))
    check(len(h["signature"]) == 128 and bytes.fromhex(h["signature"]),
          "%s: signature %r" % (what, h["signature"]))
    eq(h["key_id"], _key(ctx)["key_id"], "%s: key_id" % what)
    if "cosignatures" in h:
        eq(h["cosignatures"], [], "%s: cosignatures" % what)


def _sign_new(ctx, who="bank_agent"):
    """Signs a head over a ledger that has grown: 201, the size of the ledger, the root
    recomputed here; a second POST answers 200 with the same head."""
    size = ledger_size(ctx.s.db)
    status, h = _sign(ctx, who)
    eq(status, 201, "POST /v1/ledger/heads after the ledger grew")
    _check_head_view(ctx, h, "new head")
    eq(h["size"], size, "signed size (leaves in the ledger table)")
    eq(h["root"], mth(stored_leaves(ctx.s.db)).hex(), "signed root (MTH recomputed)")
    status2, h2 = _sign(ctx, "bank2_agent")
    eq(status2, 200, "POST /v1/ledger/heads again, nothing new")
    eq(h2, h, "the head answered when nothing changed")
    ctx.heads[h["size"]] = h
    return h


def _upload(ctx, no, data, who="bank_agent", name="evidence.bin"):
    r = ctx.s.http("POST", "/v1/complaints/%s/attachments?name=%s" % (no, name), data,
                   content_type="application/octet-stream", token=ctx.fx.token(who))
    return check_ok(r, 201, "upload to %s" % no)


def _note(ctx, no, text="备注", who="bank_agent"):
    return ctx.fx.act(no, "note", {"text": text}, who=who)


def _run(ctx, args, what):
    p = subprocess.run([ctx.s.ombud] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    check_no_sanitizer_report(p.stderr, what)
    return p


def _verify(ctx, db, att, *extra, json_out=True):
    """`ombud --db DB --set attachments=ATT verify [--json] extra...` ->
    (exit code, findings, summary, completed process)."""
    args = ["--db", db, "--set", "attachments=" + att, "verify"] + (["--json"] if json_out else [])
    p = _run(ctx, args + list(extra), "verify " + db)
    out = p.stdout.decode("utf-8", "replace")
    if not json_out:
        return p.returncode, out, None, p
    check(p.returncode in (0, 1), "verify exited %d: %s%s" % (p.returncode, out[-1000:],
                                                             p.stderr.decode()[-1000:]))
    lines = []
    for line in out.splitlines():
        if line.strip():
            try:
                lines.append(json.loads(line))
            except ValueError:
                raise TestFailure("verify --json printed a line that is not JSON: %r" % line)
    check(lines and lines[-1].get("kind") == "summary", "verify --json: no summary line: %r" % out)
    summary, findings = lines[-1], lines[:-1]
    eq(summary["problems"], len(findings), "summary.problems (findings printed)")
    eq(p.returncode, 1 if findings else 0, "verify exit code")
    for f in findings:
        check(isinstance(f.get("message"), str) and f["message"], "finding without message: %r" % f)
    return p.returncode, findings, summary, p


def _fact(f):
    """What identifies a finding exactly."""
    k = f["kind"]
    if k == "events_moved":
        return (k, f["leaf"], f["last_leaf"], f["count"], f["offset"])
    if k == "events_swapped":
        return (k, f["leaf"], f["with_leaf"])
    if k in ("event_changed", "leaf_missing", "event_deleted", "leaf_lost", "row_malformed"):
        return (k, f["leaf"])
    if k == "node_changed":
        return (k, f["level"], f["index"], f["leaf_row"])
    if k.startswith("head_"):
        return (k, f["size"])
    if k == "cosignature_invalid":
        return (k, f["size"], f["party"])
    if k in ("attachment_changed", "attachment_missing"):
        return (k, f["sha256"], f["leaf"])
    if k == "event_out_of_range":
        return (k, f["event"]["event_id"])
    return (k,)


def _expect(findings, want, what):
    got = sorted(_fact(f) for f in findings)
    want = sorted(want)
    if got != want:
        raise TestFailure("%s: findings\n  got  %r\n  want %r\n  (%s)" % (
            what, got, want, "\n   ".join(json.dumps(f, ensure_ascii=False) for f in findings)))


def _roots_after(snap, leaf, kind="head_root_events"):
    """head_root_* findings of every head that covers leaf."""
    return [(kind, size) for size in snap["heads"] if size > leaf]


# ---- 0. the independent implementation ----------------------------------------------------


def test_rfc6962_reference_vectors(ctx):
    leaves = [leaf_hash(bytes.fromhex(x)) for x in CT_LEAVES]
    eq(sha256(b"").hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "MTH of the empty tree")
    for n in range(1, 9):
        eq(mth(leaves[:n]).hex(), CT_ROOTS[n - 1], "CT reference root of %d leaves" % n)
    # PATH/PROOF of RFC 6962 pass the RFC 9162 checks for every (leaf, size), (m, n) ...
    many = [leaf_hash(b"leaf %d" % i) for i in range(70)]
    roots = [mth(many[:n]) for n in range(71)]
    for n in range(1, 71):
        for m in range(n):
            p = audit_path(m, many[:n])
            check(verify_inclusion(many[m], m, n, p, roots[n]), "inclusion %d/%d" % (m, n))
        for m in range(1, n + 1):
            p = consistency_proof(m, many[:n])
            check(verify_consistency(m, n, roots[m], roots[n], p), "consistency %d/%d" % (m, n))
    # ... and nothing damaged passes them.
    for m, n in [(0, 1), (3, 7), (6, 7), (16, 17), (5, 64), (63, 64), (17, 70)]:
        p = audit_path(m, many[:n])
        check(not verify_inclusion(many[m], m, n, p, roots[n - 1] if n > 1 else sha256(b"x")),
              "inclusion %d/%d against another root" % (m, n))
        if p:
            bad = list(p)
            bad[len(bad) // 2] = sha256(bad[len(bad) // 2])
            check(not verify_inclusion(many[m], m, n, bad, roots[n]), "damaged path %d/%d" % (m, n))
        check(not verify_inclusion(many[m], m, n, p + [roots[1]], roots[n]), "long path")
        if n > 1:
            other = m + 1 if m + 1 < n else m - 1
            check(not verify_inclusion(many[m], other, n, p, roots[n]),
                  "path of %d used for leaf %d of %d" % (m, other, n))
    for m, n in [(1, 2), (3, 7), (4, 7), (8, 13), (16, 17), (63, 64), (64, 70)]:
        p = consistency_proof(m, many[:n])
        check(not verify_consistency(m, n, roots[m - 1] if m > 1 else sha256(b"x"), roots[n], p),
              "consistency %d/%d with a wrong first root" % (m, n))
        check(not verify_consistency(m, n, roots[m], roots[n - 1], p),
              "consistency %d/%d with a wrong second root" % (m, n))
        for i in range(len(p)):
            bad = list(p)
            bad[i] = sha256(bad[i])
            check(not verify_consistency(m, n, roots[m], roots[n], bad),
                  "damaged consistency proof %d/%d at %d" % (m, n, i))
    check(verify_consistency(5, 5, roots[5], roots[5], []), "first == second")
    check(not verify_consistency(5, 5, roots[5], roots[5], [roots[1]]), "first == second, path")
    check(not verify_consistency(0, 5, roots[0], roots[5], []), "first == 0")


# ---- 1. heads ----------------------------------------------------------------------------


def test_no_head_yet(ctx):
    s, fx = ctx.s, ctx.fx
    check_error(s.http("GET", "/v1/ledger/head", token=fx.token("bank_agent")), 404, "no_head")
    eq(_get(ctx, "/v1/ledger/heads"), {"heads": [], "next_after": None}, "heads before any")
    check_error(s.http("GET", "/v1/ledger/heads/1", token=fx.token("bank_agent")), 404, "no_head")
    check_error(s.http("GET", "/v1/ledger/head"), 401, None, what="head without a token")
    check_error(s.http("POST", "/v1/ledger/heads"), 401, None, what="sign without a token")
    # A party that is not involved asks for a receipt before any head exists: 404, and
    # nothing is signed for it.
    no = fx.create()["no"]
    ctx.complaints.append(no)
    before = fingerprint(s.db)
    check_error(s.http("GET", "/v1/complaints/%s/receipt" % no, token=fx.token("bank2_agent")),
                404, "not_found", what="receipt for bank2")
    check_error(s.http("GET", "/v1/complaints/%s/events/2/proof" % no,
                       token=fx.token("bank2_agent")), 404, "not_found", what="proof for bank2")
    eq(fingerprint_diff(before, fingerprint(s.db)), "", "database after refused proofs")
    # Every event so far has its leaf.
    eq(ledger_size(s.db), db_query(s.db, "SELECT max(id) FROM events")[0][0], "leaves = events")


def test_sign_heads(ctx):
    s, fx = ctx.s, ctx.fx
    key = _key(ctx)
    eq(set(key), {"algorithm", "public_key", "key_id", "signed"}, "key view keys")
    eq(key["algorithm"], "Ed25519", "algorithm")
    eq(key["key_id"], hashlib.sha256(bytes.fromhex(key["public_key"])).hexdigest()[:16],
       "key_id = SHA-256(public key)[:16 hex]")
    eq(db_query(s.db, "SELECT value FROM meta WHERE key = 'ledger_public_key'"),
       [(key["public_key"],)], "meta ledger_public_key")
    h1 = _sign_new(ctx)
    eq(_get(ctx, "/v1/ledger/head"), h1, "GET /v1/ledger/head")
    # round 2: complaints and actions of several kinds
    c1 = ctx.complaints[0]
    c2 = fx.create()["no"]
    c3 = fx.create()["no"]
    ctx.complaints += [c2, c3]
    fx.act(c1, "accept", action_body("accept", fx))
    fx.act(c1, "investigate", action_body("investigate", fx))
    _note(ctx, c2, "第一次备注")
    h2 = _sign_new(ctx, who="bank_sup")
    check(h2["size"] > h1["size"], "the ledger grew")
    check(h2["at_ms"] >= h1["at_ms"], "heads are signed in time order")
    # round 3: an attachment, a classification, one more complaint
    data = b"evidence ledger attachment " + os.urandom(32)
    _upload(ctx, c1, data)
    ctx.attachment = hashlib.sha256(data).hexdigest()
    fx.act(c2, "classify", action_body("classify", fx))
    ctx.complaints.append(fx.create()["no"])
    _sign_new(ctx)
    # round 4: exactly one event more
    _note(ctx, c3, "one more")
    _sign_new(ctx)
    # round 5: notes until the ledger holds 64 leaves, a power of two
    check(ledger_size(s.db) < 64, "room to reach 64 leaves: %d" % ledger_size(s.db))
    while ledger_size(s.db) < 64:
        _note(ctx, c2, "note %d" % ledger_size(s.db))
    _sign_new(ctx)
    # round 6: a few more, past the power of two
    c5 = fx.create()["no"]
    ctx.complaints.append(c5)
    fx.act(c5, "accept", action_body("accept", fx))
    _note(ctx, c3, "备注 三")
    last = _sign_new(ctx)
    eq(_get(ctx, "/v1/ledger/head"), last, "GET /v1/ledger/head: the latest")
    eq(db_query(s.db, "SELECT count(*) FROM tree_heads")[0][0], len(ctx.heads), "stored heads")


def test_heads_paging(ctx):
    sizes = sorted(ctx.heads)
    full = _get(ctx, "/v1/ledger/heads")
    eq(set(full), {"heads", "next_after"}, "list keys")
    eq([h["size"] for h in full["heads"]], sizes, "every head, by size")
    eq(full["next_after"], None, "next_after of the only page")
    for h in full["heads"]:
        _check_head_view(ctx, h, "listed head %d" % h["size"], cosigned=False)
        listed = dict(h)
        listed.pop("cosignatures", None)
        stored = dict(ctx.heads[h["size"]])
        stored.pop("cosignatures")
        eq(listed, stored, "listed head %d" % h["size"])
    for limit in (1, 2, 4, len(sizes), 1000):
        seen, after, pages = [], None, 0
        while True:
            q = "/v1/ledger/heads?limit=%d" % limit + ("&after=%d" % after if after is not None
                                                        else "")
            page = _get(ctx, q)
            pages += 1
            check(len(page["heads"]) <= limit, "page longer than limit %d" % limit)
            seen += [h["size"] for h in page["heads"]]
            if page["next_after"] is None:
                break
            eq(page["next_after"], page["heads"][-1]["size"], "next_after: the last size")
            after = page["next_after"]
            check(pages <= len(sizes) + 1, "paging does not end")
        eq(seen, sizes, "heads paged by %d" % limit)
    mid = sizes[len(sizes) // 2]
    eq([h["size"] for h in _get(ctx, "/v1/ledger/heads?after=%d" % (mid - 1))["heads"]],
       [x for x in sizes if x >= mid], "after = a size - 1")
    eq([h["size"] for h in _get(ctx, "/v1/ledger/heads?after=%d&limit=2" % mid)["heads"]],
       [x for x in sizes if x > mid][:2], "after = a size")
    eq(_get(ctx, "/v1/ledger/heads?after=%d" % sizes[-1]), {"heads": [], "next_after": None},
       "after the last head")


def test_heads_by_size(ctx):
    s, fx = ctx.s, ctx.fx
    for size, h in ctx.heads.items():
        eq(_get(ctx, "/v1/ledger/heads/%d" % size), h, "GET heads/%d" % size)
    sizes = set(ctx.heads)
    missing = next(n for n in range(1, 200) if n not in sizes)
    for bad in (str(missing), str(max(sizes) + 1), "0", "-1", "abc", "1e3",
                "99999999999999999999999"):
        check_error(s.http("GET", "/v1/ledger/heads/" + bad, token=fx.token("bank_agent")), 404,
                    "no_head", what="heads/" + bad)


def test_stored_tree_is_rfc6962(ctx):
    """The root of every head, recomputed from the leaf hashes of the ledger table, and every
    row's stored nodes, recomputed from the leaves."""
    db = ctx.s.db
    rows = ledger_rows(db)
    leaves = stored_leaves(db)
    for size, h in sorted(ctx.heads.items()):
        eq(h["root"], mth(leaves[:size]).hex(), "root of head %d recomputed from the leaves" % size)
        eq(db_query(db, "SELECT root, at FROM tree_heads WHERE size = ?", (size,)),
           [(bytes.fromhex(h["root"]), h["at_ms"])], "stored head %d" % size)
    for j in range(len(leaves)):
        want = stored_nodes(j, leaves)
        got = rows[j]
        eq(len(got), 32 * len(want), "ledger row %d: bytes" % j)
        eq([got[i:i + 32].hex() for i in range(0, len(got), 32)], hexes(want),
           "ledger row %d: leaf then completed nodes" % j)


def test_leaf_bytes_rebuilt_from_events(ctx):
    """Pins the canonical leaf format: the bytes rebuilt here from each stored event hash to
    its stored leaf (event id = leaf index + 1)."""
    db = ctx.s.db
    leaves = stored_leaves(db)
    events = db_query(db, EVENT_SQL)
    eq([e[0] for e in events], list(range(1, len(leaves) + 1)), "event ids 1..n = leaves + 1")
    wrong = [e[0] for e in events if leaf_hash(entry_bytes(e)) != leaves[e[0] - 1]]
    if wrong:
        e = events[wrong[0] - 1]
        raise TestFailure("%d of %d events do not hash to their leaf as the spec's leaf format "
                          "says (first: event %d, rebuilt %s)" % (
                              len(wrong), len(events), e[0], entry_bytes(e)[:300]))
    kinds = {(e[1] is not None, e[5]) for e in events}
    check((False, "party_created") in kinds and (True, "received") in kinds
          and (True, "dispatched") in kinds and (True, "attachment_added") in kinds,
          "events of both kinds of subject were checked: %r" % sorted(kinds))


def test_inclusion_proofs(ctx):
    db = ctx.s.db
    leaves = stored_leaves(db)
    n = len(leaves)
    sizes = sorted({1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, n - 1, n}
                   | set(ctx.heads))
    sizes = [x for x in sizes if 1 <= x <= n]
    checked = 0
    for size in sizes:
        root = bytes.fromhex(ctx.heads[size]["root"]) if size in ctx.heads else mth(leaves[:size])
        picks = {0, size - 1, size // 2, RNG.randrange(size)}
        for leaf in sorted(picks):
            r = _get(ctx, "/v1/ledger/inclusion?leaf=%d&size=%d" % (leaf, size))
            eq(set(r), {"leaf_index", "tree_size", "leaf_hash", "proof"}, "inclusion keys")
            eq((r["leaf_index"], r["tree_size"]), (leaf, size), "inclusion leaf/size")
            eq(r["leaf_hash"], leaves[leaf].hex(), "leaf_hash %d" % leaf)
            eq(r["proof"], hexes(audit_path(leaf, leaves[:size])),
               "proof of %d in %d: RFC 6962 PATH" % (leaf, size))
            check(verify_inclusion(leaves[leaf], leaf, size, unhex(r["proof"]), root),
                  "inclusion of %d in %d does not verify" % (leaf, size))
            checked += 1
    # size defaults to the ledger's
    r = _get(ctx, "/v1/ledger/inclusion?leaf=3")
    eq((r["tree_size"], r["proof"]), (n, hexes(audit_path(3, leaves))), "default size")
    check(checked > 50, "inclusion proofs checked: %d" % checked)


def test_consistency_proofs(ctx):
    leaves = stored_leaves(ctx.s.db)
    n = len(leaves)
    heads = sorted(ctx.heads.items())
    pairs = 0
    for i, (m, hm) in enumerate(heads):
        for k, hn in heads[i:]:
            r = _get(ctx, "/v1/ledger/consistency?first=%d&second=%d" % (m, k))
            eq(set(r), {"first", "second", "proof"}, "consistency keys")
            eq((r["first"], r["second"]), (m, k), "consistency sizes")
            eq(r["proof"], hexes(consistency_proof(m, leaves[:k])),
               "consistency %d -> %d: RFC 6962 PROOF" % (m, k))
            first_root, second_root = bytes.fromhex(hm["root"]), bytes.fromhex(hn["root"])
            check(verify_consistency(m, k, first_root, second_root, unhex(r["proof"])),
                  "heads %d -> %d: the consistency proof does not verify" % (m, k))
            if m != k:
                check(not verify_consistency(m, k, second_root, second_root, unhex(r["proof"])),
                      "heads %d -> %d: verified against the wrong first root" % (m, k))
            pairs += 1
    eq(pairs, len(heads) * (len(heads) + 1) // 2, "pairs of heads checked")
    check(64 in ctx.heads, "a head of 64 leaves (a power of two) was among them")
    for m, k in [(1, 1), (1, 2), (1, n), (2, 3), (3, 7), (7, 8), (8, 9), (13, 64), (33, n),
                 (n - 1, n)]:
        r = _get(ctx, "/v1/ledger/consistency?first=%d&second=%d" % (m, k))
        eq(r["proof"], hexes(consistency_proof(m, leaves[:k])), "consistency %d -> %d" % (m, k))
        check(verify_consistency(m, k, mth(leaves[:m]), mth(leaves[:k]), unhex(r["proof"])),
              "consistency %d -> %d does not verify" % (m, k))


# ---- 2. receipts and event proofs -----------------------------------------------------------


def _check_entry(ctx, entry, no, seq, etype, what):
    e = json.loads(entry)
    eq(list(e), ENTRY_KEYS, "%s: entry keys, in byte order" % what)
    eq((e["complaint"], e["seq"], e["subject"], e["type"]), (no, seq, "complaint", etype),
       "%s: entry" % what)
    ev = db_query(ctx.s.db, EVENT_SQL.replace("ORDER BY e.id", "WHERE c.no = ? AND e.seq = ?"),
                  (no, seq))
    eq(len(ev), 1, "%s: the event row" % what)
    eq(entry.encode("utf-8"), entry_bytes(ev[0]), "%s: entry = the leaf bytes rebuilt here" % what)
    eq(e["payload_sha256"], hashlib.sha256(ev[0][9].encode("utf-8")).hexdigest(),
       "%s: payload_sha256" % what)
    return ev[0]


def _check_proof_doc(ctx, doc, what):
    """leaf_hash, the inclusion proof against tree_head.root, the head as stored, the key."""
    entry = doc["entry"].encode("utf-8")
    eq(doc["leaf_hash"], leaf_hash(entry).hex(), "%s: leaf_hash = H(0x00 || entry)" % what)
    leaves = stored_leaves(ctx.s.db)
    eq(doc["leaf_hash"], leaves[doc["leaf_index"]].hex(), "%s: leaf_hash as stored" % what)
    th = doc["tree_head"]
    _check_head_view(ctx, th, what + ": tree_head", cosigned=False)
    check("cosignatures" not in th, "%s: tree_head without cosignatures" % what)
    stored = dict(_get(ctx, "/v1/ledger/heads/%d" % th["size"]))
    eq(doc["cosignatures"], stored.pop("cosignatures"), "%s: cosignatures" % what)
    eq(th, stored, "%s: tree_head = the stored head" % what)
    check(doc["leaf_index"] < th["size"], "%s: the head covers the leaf" % what)
    check(verify_inclusion(leaf_hash(entry), doc["leaf_index"], th["size"],
                           unhex(doc["inclusion_proof"]), bytes.fromhex(th["root"])),
          "%s: the inclusion proof does not take the leaf to tree_head.root" % what)
    eq(doc["inclusion_proof"], hexes(audit_path(doc["leaf_index"], leaves[:th["size"]])),
       "%s: inclusion_proof = PATH" % what)
    key = _key(ctx)
    eq((doc["public_key"], doc["key_id"]), (key["public_key"], key["key_id"]), "%s: key" % what)


def test_receipt_of_fresh_complaint(ctx):
    s, fx = ctx.s, ctx.fx
    made = fx.create()
    no = made["no"]
    heads_before = _get(ctx, "/v1/ledger/heads")["heads"]
    check(heads_before[-1]["size"] < ledger_size(s.db), "no head covers the new complaint yet")
    r = _get(ctx, "/v1/complaints/%s/receipt" % no)
    eq(set(r), RECEIPT_KEYS, "receipt keys")
    eq((r["format"], r["complaint"]), ("ombud-receipt-v1", no), "receipt format, complaint")
    ev = _check_entry(ctx, r["entry"], no, 1, "received", "receipt")
    eq(r["leaf_index"], ev[0] - 1, "leaf_index = event id - 1")
    eq(r["received_at"], rfc3339(ev[6]), "received_at = the entry's at")
    eq(r["received_at"], made["received_at"], "received_at = the complaint's")
    # a head was signed for it, covering exactly the ledger as it was
    heads_after = _get(ctx, "/v1/ledger/heads")["heads"]
    eq(len(heads_after), len(heads_before) + 1, "heads after the receipt")
    eq(r["tree_head"]["size"], ledger_size(s.db), "the head signed on demand")
    _check_proof_doc(ctx, r, "receipt")
    ctx.heads[r["tree_head"]["size"]] = _get(ctx, "/v1/ledger/heads/%d" % r["tree_head"]["size"])
    # nothing of the complaint itself, only the digest of the payload
    text = r["entry"]
    for secret in (fx.complaint_body()["description"], "description", "complainant", "张",
                   "phone", "name", "sealed", "id_number", '"payload"'):
        check(secret not in text, "the receipt's entry discloses %r" % secret)
    # again: the same head, nothing signed
    again = _get(ctx, "/v1/complaints/%s/receipt" % no)
    eq(again, r, "the receipt asked again")
    eq(len(_get(ctx, "/v1/ledger/heads")["heads"]), len(heads_after), "no head for the second")
    # an involved party that does not lead gets the same receipt
    eq(_get(ctx, "/v1/complaints/%s/receipt" % no, who="lender_agent"), r, "lender's receipt")
    ctx.receipt = r
    ctx.receipt_no = no
    ctx.complaints.append(no)


def _receipt_file(ctx, doc, name):
    d = tempfile.mkdtemp(prefix="omb-bb-ledger-receipt-")
    ctx.tmp.append(d)
    path = os.path.join(d, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
    return path


def _check_receipt_cli(ctx, doc, name, code, *extra):
    path = _receipt_file(ctx, doc, name + ".json")
    p = _run(ctx, ["verify", "--receipt", path] + list(extra), "verify --receipt " + name)
    out = p.stdout.decode("utf-8", "replace")
    if code is None:
        eq(p.returncode, 0, "verify --receipt %s: exit (%s%s)" % (name, out, p.stderr.decode()))
        check(out.startswith("OK receipt"), "verify --receipt %s printed %r" % (name, out))
        return out
    eq(p.returncode, 1, "verify --receipt %s (tampered): exit (%s%s)" % (name, out,
                                                                       p.stderr.decode()))
    want = "FAIL receipt %s: %s:" % (path, code)
    check(out.startswith(want), "verify --receipt %s: %r, want %r" % (name, out, want))
    return out


def test_receipt_verified_offline(ctx):
    r = ctx.receipt
    key = _key(ctx)
    out = _check_receipt_cli(ctx, r, "receipt", None)
    check(ctx.receipt_no in out and "leaf %d" % r["leaf_index"] in out
          and "size %d" % r["tree_head"]["size"] in out and key["key_id"] in out,
          "OK line names complaint, leaf, size and key: %r" % out)
    out = _check_receipt_cli(ctx, r, "pinned", None, "--public-key", key["public_key"])
    check("(the key given)" in out, "pinned key mentioned: %r" % out)

    def tampered(change):
        doc = json.loads(json.dumps(r))
        change(doc)
        return doc

    entry = json.loads(r["entry"])
    other_key = os.urandom(32).hex()
    # the entry edited (still the creation event): its hash is no longer the leaf hash
    edited = dict(entry, actor_user=entry["actor_user"] + 1)
    edited_text = json.dumps(edited, separators=(",", ":"), ensure_ascii=False)
    _check_receipt_cli(ctx, tampered(lambda d: d.update(entry=edited_text)), "entry", "leaf_hash")
    # ... and the leaf hash recomputed to match: the proof fails
    _check_receipt_cli(ctx, tampered(lambda d: d.update(
        entry=edited_text, leaf_hash=leaf_hash(edited_text.encode()).hex())), "entry_rehashed",
        "inclusion_proof")
    # another event type is not a creation event
    other = json.dumps(dict(entry, type="accepted"), separators=(",", ":"), ensure_ascii=False)
    _check_receipt_cli(ctx, tampered(lambda d: d.update(entry=other)), "entry_type",
                       "entry_mismatch")
    _check_receipt_cli(ctx, tampered(lambda d: d.update(complaint="TS20200101000001")),
                       "complaint", "entry_mismatch")
    # the time of receipt is the entry's: claiming another one is a mismatch, and changing
    # the entry's time along with it breaks the leaf hash
    earlier = rfc3339(entry["at"] - 86400000)
    _check_receipt_cli(ctx, tampered(lambda d: d.update(received_at=earlier)), "received_at",
                       "entry_mismatch")
    moved = json.dumps(dict(entry, at=entry["at"] - 86400000), separators=(",", ":"),
                       ensure_ascii=False)
    _check_receipt_cli(ctx, tampered(lambda d: d.update(received_at=earlier, entry=moved)),
                       "entry_at", "leaf_hash")
    for other in (r["leaf_index"] - 1, r["leaf_index"] + 1):
        ok = verify_inclusion(bytes.fromhex(r["leaf_hash"]), other, r["tree_head"]["size"],
                              unhex(r["inclusion_proof"]), bytes.fromhex(r["tree_head"]["root"]))
        check(not ok, "leaf_index %d accepted by the RFC 9162 check" % other)
        _check_receipt_cli(ctx, tampered(lambda d: d.update(leaf_index=other)),
                           "leaf_index_%d" % other, "inclusion_proof")

    def flip_proof(d):
        p = d["inclusion_proof"]
        p[1] = ("0" if p[1][0] != "0" else "1") + p[1][1:]

    _check_receipt_cli(ctx, tampered(flip_proof), "proof", "inclusion_proof")
    _check_receipt_cli(ctx, tampered(lambda d: d["inclusion_proof"].pop()), "short_proof",
                       "inclusion_proof")

    def flip_sig(d):
        sig = d["tree_head"]["signature"]
        d["tree_head"]["signature"] = sig[:10] + ("0" if sig[10] != "0" else "1") + sig[11:]

    _check_receipt_cli(ctx, tampered(flip_sig), "signature", "signature")
    _check_receipt_cli(ctx, r, "wrong_key", "key_mismatch", "--public-key", other_key)
    _check_receipt_cli(ctx, tampered(lambda d: d.update(key_id="0" * 16)), "key_id",
                       "key_mismatch")
    _check_receipt_cli(ctx, tampered(lambda d: d.update(
        public_key=other_key, key_id=hashlib.sha256(bytes.fromhex(other_key)).hexdigest()[:16])),
        "other_key", "signature")
    # the head's time is signed too
    _check_receipt_cli(ctx, tampered(lambda d: d["tree_head"].update(
        at_ms=d["tree_head"]["at_ms"] + 1, at=rfc3339(d["tree_head"]["at_ms"] + 1))),
        "head_at", "signature")
    # tree_head.size changed: the proof fails when the RFC 9162 check says so, else the
    # signature (the size is signed) does
    size = r["tree_head"]["size"]
    for new in (size + 1, size - 1, size + 2):
        ok = verify_inclusion(bytes.fromhex(r["leaf_hash"]), r["leaf_index"], new,
                              unhex(r["inclusion_proof"]), bytes.fromhex(r["tree_head"]["root"]))
        _check_receipt_cli(ctx, tampered(lambda d: d["tree_head"].update(size=new)),
                           "size_%d" % new, "signature" if ok else "inclusion_proof")
    _check_receipt_cli(ctx, tampered(lambda d: d.update(format="ombud-receipt-v0")), "format",
                       "receipt_format")
    _check_receipt_cli(ctx, tampered(lambda d: d.pop("tree_head")), "no_head", "receipt_format")
    # not JSON at all: could not check
    path = _receipt_file(ctx, {}, "junk.json")
    with open(path, "w") as f:
        f.write("not json")
    eq(_run(ctx, ["verify", "--receipt", path], "verify --receipt junk").returncode, 2,
       "verify --receipt of a file that is not JSON")


def test_event_proof(ctx):
    s, fx = ctx.s, ctx.fx
    no = ctx.receipt_no
    p = _get(ctx, "/v1/complaints/%s/events/2/proof" % no)
    eq(set(p), PROOF_KEYS, "event proof keys")
    eq((p["complaint"], p["seq"]), (no, 2), "event proof names its event")
    ev = _check_entry(ctx, p["entry"], no, 2, "dispatched", "dispatch proof")
    e = json.loads(p["entry"])
    eq((e["actor_user"], e["actor_party"]), (0, 0), "dispatch is ombud's own event")
    eq(p["leaf_index"], ev[0] - 1, "leaf_index")
    eq(p["tree_head"], ctx.receipt["tree_head"], "the head already covering it")
    _check_proof_doc(ctx, p, "dispatch proof")
    # an event after the latest head: a head is signed for it
    fx.act(no, "accept", action_body("accept", fx))
    size = ledger_size(s.db)
    p3 = _get(ctx, "/v1/complaints/%s/events/3/proof" % no)
    _check_entry(ctx, p3["entry"], no, 3, "accepted", "accept proof")
    eq(p3["tree_head"]["size"], size, "a head signed for the new event")
    _check_proof_doc(ctx, p3, "accept proof")
    ctx.heads[size] = _get(ctx, "/v1/ledger/heads/%d" % size)
    # the receipt now comes with the latest head, and still verifies
    r = _get(ctx, "/v1/complaints/%s/receipt" % no)
    eq(r["tree_head"]["size"], size, "the receipt under the latest head")
    _check_proof_doc(ctx, r, "receipt under a later head")
    _check_receipt_cli(ctx, r, "later_head", None)


def test_proofs_isolated_and_not_found(ctx):
    s, fx = ctx.s, ctx.fx
    no = ctx.receipt_no
    before = fingerprint(s.db)
    for who in ("bank2_agent", "bank2_admin"):
        check_error(s.http("GET", "/v1/complaints/%s/receipt" % no, token=fx.token(who)), 404,
                    "not_found", what="receipt for %s" % who)
        for seq in (1, 2):
            check_error(s.http("GET", "/v1/complaints/%s/events/%d/proof" % (no, seq),
                               token=fx.token(who)), 404, "not_found",
                        what="proof %d for %s" % (seq, who))
    for path in ("/v1/complaints/TS20200101999999/receipt", "/v1/complaints/xyz/receipt",
                 "/v1/complaints/%s/events/99/proof" % no, "/v1/complaints/%s/events/0/proof" % no,
                 "/v1/complaints/%s/events/-1/proof" % no, "/v1/complaints/%s/events/x/proof" % no,
                 "/v1/complaints/%s/events/99999999999999999999/proof" % no,
                 "/v1/complaints/TS20200101999999/events/1/proof"):
        check_error(s.http("GET", path, token=fx.token("bank_agent")), 404, "not_found",
                    what=path)
    check_error(s.http("GET", "/v1/complaints/%s/receipt" % no), 401, None, what="no token")
    eq(fingerprint_diff(before, fingerprint(s.db)), "", "database after refused proofs")


def test_bad_ledger_parameters(ctx):
    s, fx = ctx.s, ctx.fx
    n = ledger_size(s.db)
    cases = [
        ("inclusion", 400, "missing_parameter", "leaf"),
        ("inclusion?size=3", 400, "missing_parameter", "leaf"),
        ("inclusion?leaf=abc", 400, "invalid_parameter", "leaf"),
        ("inclusion?leaf=-1", 400, "invalid_parameter", "leaf"),
        ("inclusion?leaf=", 400, "invalid_parameter", "leaf"),
        ("inclusion?leaf=1.5", 400, "invalid_parameter", "leaf"),
        ("inclusion?leaf=99999999999999999999", 400, "invalid_parameter", "leaf"),
        ("inclusion?leaf=1&size=x", 400, "invalid_parameter", "size"),
        ("inclusion?leaf=1&x=1", 400, "unknown_parameter", "x"),
        ("inclusion?leaf=%d" % n, 422, "invalid_parameter", "leaf"),
        ("inclusion?leaf=5&size=5", 422, "invalid_parameter", "leaf"),
        ("inclusion?leaf=0&size=0", 422, "invalid_parameter", "leaf"),
        ("inclusion?leaf=1&size=%d" % (n + 1), 422, "invalid_parameter", "size"),
        ("consistency", 400, "missing_parameter", None),
        ("consistency?first=1", 400, "missing_parameter", "second"),
        ("consistency?second=3", 400, "missing_parameter", "first"),
        ("consistency?first=a&second=3", 400, "invalid_parameter", "first"),
        ("consistency?first=1&second=+3", 400, "invalid_parameter", "second"),
        ("consistency?first=1&second=3&leaf=1", 400, "unknown_parameter", "leaf"),
        ("consistency?first=0&second=3", 422, "invalid_parameter", "first"),
        ("consistency?first=0&second=0", 422, "invalid_parameter", "first"),
        ("consistency?first=4&second=3", 422, "invalid_parameter", "first"),
        ("consistency?first=1&second=%d" % (n + 1), 422, "invalid_parameter", "second"),
        ("heads?limit=0", 400, "invalid_parameter", "limit"),
        ("heads?limit=1001", 400, "invalid_parameter", "limit"),
        ("heads?limit=x", 400, "invalid_parameter", "limit"),
        ("heads?after=-1", 400, "invalid_parameter", "after"),
        ("heads?after=x", 400, "invalid_parameter", "after"),
        ("heads?size=1", 400, "unknown_parameter", "size"),
    ]
    for q, status, code, field in cases:
        r = s.http("GET", "/v1/ledger/" + q, token=fx.token("bank_agent"))
        if status == 422 and r.status == 400:
            status = 400  # either is fine for a value out of range, as long as it is refused
        check_error(r, status, code, field if field else Ellipsis, what="GET /v1/ledger/" + q)
    eq(_get(ctx, "/v1/ledger/heads?limit=1000")["next_after"], None, "limit 1000")
    for q in ("inclusion?leaf=0&size=1", "consistency?first=%d&second=%d" % (n, n)):
        _get(ctx, "/v1/ledger/" + q)


# ---- 3. witnesses -----------------------------------------------------------------------------


def _post_witness(ctx, who, body):
    return ctx.s.http("POST", "/v1/ledger/witnesses", body, token=ctx.fx.token(who))


def test_witness_registration(ctx):
    s, fx = ctx.s, ctx.fx
    bank = fx.parties["bank"]
    k1, k2, k3 = (os.urandom(32).hex() for _ in range(3))
    before = fingerprint(s.db)
    for who in ("bank_agent", "bank_sup", "bank_auditor", "bank2_admin", "reg_user"):
        check_error(_post_witness(ctx, who, {"party": bank, "public_key": k1}), 403, "forbidden",
                    what="witness registered by %s" % who)
    check_error(_post_witness(ctx, "bank_admin", {"party": fx.parties["lender"], "public_key": k1}),
                403, "forbidden", what="bank's admin for the lender")
    bad = [({"party": bank, "public_key": "zz" * 32}, "public_key"),
           ({"party": bank, "public_key": k1[:62]}, "public_key"),
           ({"party": bank, "public_key": k1 + "00"}, "public_key"),
           ({"party": bank, "public_key": 7}, "public_key"),
           ({"party": bank}, "public_key"),
           ({"public_key": k1}, "party"),
           ({"party": "2", "public_key": k1}, "party"),
           ({"party": bank, "public_key": k1, "extra": 1}, "extra")]
    for body, field in bad:
        check_error(_post_witness(ctx, "bank_admin", body), 422, None, field,
                    what="witness body %r" % body)
    check_error(_post_witness(ctx, "op_admin", {"party": 999, "public_key": k1}), 422,
                "unknown_reference", "party", what="unknown party")
    check_error(_post_witness(ctx, "bank_admin", "not json"), 400, None, what="not JSON")
    eq(fingerprint_diff(before, fingerprint(s.db)), "", "database after refused registrations")
    # the party's own admin, then the operator's admin replacing it (upper-case hex taken)
    w = check_ok(_post_witness(ctx, "bank_admin", {"party": bank, "public_key": k1.upper()}), 201,
                 "bank registers its witness key")
    eq(set(w), WITNESS_KEYS, "witness keys")
    eq((w["party"], w["party_code"], w["public_key"], w["created_by"]),
       (bank, "bank_a", k1, fx.uid("bank_admin")), "witness view")
    eq(w["key_id"], hashlib.sha256(bytes.fromhex(k1)).hexdigest()[:16], "witness key_id")
    w2 = check_ok(_post_witness(ctx, "op_admin", {"party": bank, "public_key": k2}), 201,
                  "operator replaces it")
    w3 = check_ok(_post_witness(ctx, "op_admin", {"party": fx.parties["lender"], "public_key": k3}),
                  201, "operator registers the lender's")
    listed = _get(ctx, "/v1/ledger/witnesses", who="bank2_agent")
    eq(listed, {"witnesses": [w2, w3]}, "witnesses, one key per party")
    eq(db_query(s.db, "SELECT party_id, hex(public_key) FROM witnesses ORDER BY party_id"),
       [(bank, k2.upper()), (fx.parties["lender"], k3.upper())], "witnesses table")
    # each registration is an audit event with its own leaf
    evs = db_query(s.db, "SELECT id, subject, actor_user, payload FROM events "
                         "WHERE type = 'witness_registered' ORDER BY id")
    eq([(e[1], e[2], json.loads(e[3])["public_key"]) for e in evs],
       [("party:%d" % bank, fx.uid("bank_admin"), k1), ("party:%d" % bank, 1, k2),
        ("party:%d" % fx.parties["lender"], 1, k3)], "witness_registered events")
    eq(ledger_size(s.db), evs[-1][0], "a leaf for each")
    ctx.witness_key = k2


def _cosign(ctx, who, size, body):
    return ctx.s.http("POST", "/v1/ledger/heads/%s/cosignatures" % size, body,
                      token=ctx.fx.token(who))


def test_cosignature_refusals(ctx):
    s = ctx.s
    size = _sign_new(ctx)["size"]
    sig = os.urandom(64).hex()
    before = fingerprint(s.db)
    for who in ("bank_sup", "bank_admin", "bank_auditor", "lender_sup"):
        check_error(_cosign(ctx, who, size, {"signature": sig}), 422, "invalid_signature",
                    "signature", what="random signature by %s" % who)
    check_error(_cosign(ctx, "bank2_admin", size, {"signature": sig}), 403, "not_a_witness",
                what="a party without a witness key")
    check_error(_cosign(ctx, "bank_agent", size, {"signature": sig}), 403, "forbidden",
                what="an agent")
    for bad in (size + 1, 999999, 0, "abc", -1):
        check_error(_cosign(ctx, "bank_sup", bad, {"signature": sig}), 404, "no_head",
                    what="cosignature for head %s" % bad)
    for body, field in [({}, "signature"), ({"signature": "zz" * 64}, "signature"),
                        ({"signature": sig[:126]}, "signature"), ({"signature": sig + "00"},
                                                                   "signature"),
                        ({"signature": 5}, "signature"), ({"signature": sig, "x": 1}, "x"),
                        ([sig], None)]:
        r = _cosign(ctx, "bank_sup", size, body)
        check(r.status in (400, 422), "cosignature body %r: %r" % (body, r))
        check_error(r, r.status, None, field if field else Ellipsis, what="body %r" % body)
    check_error(_cosign(ctx, "bank_sup", size, "not json"), 400, None, what="not JSON")
    eq(fingerprint_diff(before, fingerprint(s.db)), "", "database after refused cosignatures")
    eq(_get(ctx, "/v1/ledger/heads/%d" % size)["cosignatures"], [], "no countersignature")


# ---- the signatures, through ombud verify -------------------------------------------------------


def test_verify_live_database(ctx):
    s = ctx.s
    key = _key(ctx)
    rc, findings, summary, _ = _verify(ctx, s.db, s.att)
    n = ledger_size(s.db)
    eq((rc, findings), (0, []), "verify of the live database")
    heads = db_query(s.db, "SELECT count(*) FROM tree_heads")[0][0]
    eq({k: summary[k] for k in ("leaves", "events", "heads", "cosignatures", "attachments",
                                "size", "key_id")},
       {"leaves": n, "events": n, "heads": heads, "cosignatures": 0, "attachments": 1, "size": n,
        "key_id": key["key_id"]}, "verify summary")
    rc, findings, summary, _ = _verify(ctx, s.db, s.att, "--public-key", key["public_key"])
    eq((rc, findings), (0, []), "verify with the key of GET /v1/ledger/key")
    # the receipt's key is the same one: its heads verify with it (the 67-byte message)
    eq(ctx.receipt["public_key"], key["public_key"], "the receipt's key")
    rc, findings, _, _ = _verify(ctx, s.db, s.att, "--public-key", ctx.witness_key)
    _expect(findings, [("head_signature", size) for size, in
                       db_query(s.db, "SELECT size FROM tree_heads")], "verify with another key")
    rc, text, _, p = _verify(ctx, s.db, s.att, json_out=False)
    eq(rc, 0, "verify (text)")
    check("OK: every event, node, head and attachment verifies" in text
          and "%d leaves" % n in text, "verify text output: %r" % text)
    eq(_run(ctx, ["--db", s.db, "verify", "--public-key", "xyz"], "bad key").returncode, 2,
       "verify --public-key that is not hex")


# ---- 4. refused actions, restart ----------------------------------------------------------------


def test_refused_actions_leave_no_leaf(ctx):
    s, fx = ctx.s, ctx.fx
    no = ctx.complaints[0]  # investigating
    before = fingerprint(s.db)
    head = ctx.heads[max(ctx.heads)]
    r = s.http("POST", "/v1/complaints/%s/actions/accept" % no, {"note": "again"},
               token=fx.token("bank_agent"))
    check(r.status in (409, 422), "accept twice: %r" % r)
    r = s.http("POST", "/v1/complaints/%s/actions/decide" % no, {"finding": "x"},
               token=fx.token("bank_agent"))
    check(r.status in (400, 422), "decide without its fields: %r" % r)
    r = s.http("POST", "/v1/complaints/%s/actions/merge" % no,
               {"into": "TS20200101999999", "reason": "重复"}, token=fx.token("bank_agent"))
    check(r.status in (404, 409, 422), "merge into nothing: %r" % r)
    r = s.http("POST", "/v1/complaints/%s/actions/note" % no, {"text": "x"},
               token=fx.token("bank2_agent"))
    check_error(r, 404, "not_found", what="note by a party not involved")
    r = s.http("POST", "/v1/complaints", fx.complaint_body(cause="c99999"),
               token=fx.token("bank_agent"))
    check(r.status in (400, 422), "complaint with an unknown cause: %r" % r)
    eq(fingerprint_diff(before, fingerprint(s.db)), "", "database after refused requests")
    # the next event takes the next leaf, and the tree grows from the same prefix
    _note(ctx, no, "after the refusals")
    eq(ledger_size(s.db), before["ledger"] + 1, "one leaf for one event")
    ev = db_query(s.db, EVENT_SQL)[-1]
    eq(ev[0], before["events.max_id"] + 1, "event id")
    leaves = stored_leaves(s.db)
    eq(leaves[-1], leaf_hash(entry_bytes(ev)), "the new leaf")
    h = _sign_new(ctx)
    c = _get(ctx, "/v1/ledger/consistency?first=%d&second=%d" % (head["size"], h["size"]))
    check(verify_consistency(head["size"], h["size"], bytes.fromhex(head["root"]),
                             bytes.fromhex(h["root"]), unhex(c["proof"])),
          "old head consistent with the new one")


def test_restart_continues_ledger(ctx):
    s, fx = ctx.s, ctx.fx
    old = ctx.heads[max(ctx.heads)]
    n = ledger_size(s.db)
    s.settings.update({"head_interval_ms": "200", "sweep_interval_ms": "100"})
    stop_rc = s.stop(expect_rc=None)  # checked at the end, so that the rest is tested anyway
    stopped = [e.get("event") for e in s.log_events()][-1:]
    s.start()
    eq(_get(ctx, "/v1/ledger/head"), old, "the latest head after a restart")
    eq(ledger_size(s.db), n, "leaves after a restart")
    no = fx.create()["no"]
    ctx.complaints.append(no)
    fx.act(no, "accept", action_body("accept", fx))
    size = ledger_size(s.db)
    eq(size, n + 3, "received, dispatched, accepted: three leaves")
    eq(stored_leaves(s.db)[n:], [leaf_hash(entry_bytes(e)) for e in db_query(s.db, EVENT_SQL)[n:]],
       "the new leaves")
    # the schedule signs a head of the grown ledger by itself
    check(wait_for(lambda: _get(ctx, "/v1/ledger/head")["size"] >= size, timeout=20),
          "no head signed by the schedule after a restart")
    h = _get(ctx, "/v1/ledger/head")
    _check_head_view(ctx, h, "scheduled head")
    leaves = stored_leaves(s.db)
    eq(h["root"], mth(leaves[:h["size"]]).hex(), "scheduled head's root")
    ctx.heads[h["size"]] = h
    for first, hf in sorted(ctx.heads.items()):
        c = _get(ctx, "/v1/ledger/consistency?first=%d&second=%d" % (first, h["size"]))
        check(verify_consistency(first, h["size"], bytes.fromhex(hf["root"]),
                                 bytes.fromhex(h["root"]), unhex(c["proof"])),
              "head %d consistent with %d after the restart" % (first, h["size"]))
    r = _get(ctx, "/v1/complaints/%s/receipt" % no)
    _check_proof_doc(ctx, r, "receipt after a restart")
    vrc, findings, summary, _ = _verify(ctx, s.db, s.att)
    eq((vrc, findings), (0, []), "verify after a restart")
    eq((stop_rc, stopped), (0, ["server_stopped"]),
       "exit code and last log line of the server stopped for the restart (see its log)")


# ---- 5. tampering behind ombud's back ----------------------------------------------------


def test_tamper_snapshot_verifies_clean(ctx):
    """Stops the server (after signing a head over everything) and keeps its files; the
    untouched copy verifies clean."""
    s = ctx.s
    status, h = _sign(ctx)
    ctx.heads[h["size"]] = h
    eq(h["size"], ledger_size(s.db), "the last head covers every leaf")
    stop_rc = s.stop(expect_rc=None)  # checked below, once the snapshot is there for the others
    snap = tempfile.mkdtemp(prefix="omb-bb-ledger-snap-")
    ctx.tmp.append(snap)
    for name in os.listdir(s.dir):
        if name.startswith("t.db"):
            shutil.copy2(os.path.join(s.dir, name), os.path.join(snap, name))
    shutil.copytree(s.att, os.path.join(snap, "att"))
    db = os.path.join(snap, "t.db")
    events = db_query(db, EVENT_SQL)
    info = {
        "dir": snap,
        "n": len(events),
        "events": events,
        "heads": sorted(size for size, in db_query(db, "SELECT size FROM tree_heads")),
        "leaves": stored_leaves(db),
    }
    eq(info["n"], len(info["leaves"]), "events = leaves in the snapshot")
    eq(info["heads"][-1], info["n"], "a head of the full size")
    check(len(info["heads"]) >= 6, "heads in the snapshot: %r" % info["heads"])
    att = [e for e in events if e[5] == "attachment_added"]
    eq(len(att), 1, "one attachment_added event")
    info["attachment"] = (json.loads(att[0][9])["sha256"], att[0][0] - 1)
    eq(info["attachment"][0], ctx.attachment, "the attachment's sha256")
    ctx.snap = info
    d = _copy(ctx, "clean")
    rc, findings, summary, _ = _verify(ctx, d["db"], d["att"])
    eq((rc, findings), (0, []), "the untouched copy")
    eq((summary["leaves"], summary["events"], summary["heads"], summary["attachments"]),
       (info["n"], info["n"], len(info["heads"]), 1), "summary of the untouched copy")
    eq(stop_rc, 0, "exit code of the server (see its log)")
    events = [e.get("event") for e in s.log_events()]
    check(events and events[-1] == "server_stopped", "last log line %r" % events[-1:])


def _copy(ctx, name):
    """A fresh copy of the snapshot: {"dir", "db", "att"}."""
    d = tempfile.mkdtemp(prefix="omb-bb-ledger-%s-" % name)
    ctx.tmp.append(d)
    snap = ctx.snap["dir"]
    for f in os.listdir(snap):
        if f.startswith("t.db"):
            shutil.copy2(os.path.join(snap, f), os.path.join(d, f))
    shutil.copytree(os.path.join(snap, "att"), os.path.join(d, "att"))
    return {"dir": d, "db": os.path.join(d, "t.db"), "att": os.path.join(d, "att")}


def _edit(copy, *statements):
    con = sqlite3.connect(copy["db"])
    try:
        for sql in statements:
            if isinstance(sql, tuple):
                con.execute(sql[0], sql[1])
            else:
                con.execute(sql)
        con.commit()
    finally:
        con.close()


def _tampered(ctx, name, want, *statements):
    """Copies the snapshot, applies the statements, runs verify --json: exit 1 and exactly
    the wanted findings."""
    c = _copy(ctx, name)
    _edit(c, *statements)
    rc, findings, summary, _ = _verify(ctx, c["db"], c["att"])
    eq(rc, 1, "%s: verify exit code" % name)
    _expect(findings, want, name)
    return findings, summary, c


def _pick(ctx, etype=None, complaint=True, start=None, avoid=()):
    """An event of the snapshot (a row of EVENT_SQL) in the middle of the ledger, covered by
    several heads and not the last."""
    snap = ctx.snap
    lo = start if start is not None else snap["heads"][0] + 1
    for e in snap["events"][lo - 1:-2]:
        if e[0] in avoid or e[5] == "attachment_added":
            continue
        if (e[1] is not None) == complaint and (etype is None or e[5] == etype):
            return e
    raise TestFailure("no %s event to tamper with" % etype)


def _event_fact(f, e, what, seq=None):
    """The finding names the event as it is stored now (seq: after an edit of it)."""
    ev = f.get("event") or {}
    eq(ev.get("event_id"), e[0], "%s: the finding's event id" % what)
    if e[1] is not None:
        eq((ev.get("complaint"), ev.get("seq")), (e[2], seq if seq is not None else e[3]),
           "%s: the finding's event" % what)


def test_tamper_event_payload(ctx):
    e = _pick(ctx, "accepted")
    leaf = e[0] - 1
    payload = json.loads(e[9])
    payload["note"] = "受理 (edited)"
    want = [("event_changed", leaf)] + _roots_after(ctx.snap, leaf)
    findings, _, _ = _tampered(ctx, "payload", want,
                               ("UPDATE events SET payload = ? WHERE id = ?",
                                (json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                                 e[0])))
    _event_fact([f for f in findings if f["kind"] == "event_changed"][0], e, "payload")


def test_tamper_event_type_at_actor(ctx):
    used = []
    for name, column, value in [("type", "type", lambda e: "rejected"),
                                ("at", "at", lambda e: e[6] - 60000),
                                ("actor", "actor_user", lambda e: e[7] + 1),
                                ("actor_party", "actor_party", lambda e: e[8] + 1),
                                ("seq", "seq", lambda e: e[3] + 1000)]:
        e = _pick(ctx, None, avoid=used)
        used.append(e[0])
        leaf = e[0] - 1
        findings, _, _ = _tampered(
            ctx, name, [("event_changed", leaf)] + _roots_after(ctx.snap, leaf),
            ("UPDATE events SET %s = ? WHERE id = ?" % column, (value(e), e[0])))
        _event_fact(findings[[f["kind"] for f in findings].index("event_changed")], e, name,
                    seq=value(e) if column == "seq" else None)
    # a subject event (no complaint): its subject edited
    e = _pick(ctx, None, complaint=False, start=2)
    leaf = e[0] - 1
    _tampered(ctx, "subject", [("event_changed", leaf)] + _roots_after(ctx.snap, leaf),
              ("UPDATE events SET subject = 'party:999' WHERE id = ?", (e[0],)))


def test_tamper_event_deleted(ctx):
    e = _pick(ctx, "dispatched")
    findings, _, _ = _tampered(ctx, "deleted", [("event_deleted", e[0] - 1)],
                               ("DELETE FROM events WHERE id = ?", (e[0],)))
    eq(findings[0].get("event_id"), e[0], "event_deleted: event_id")


def test_tamper_last_event_and_row_deleted(ctx):
    n = ctx.snap["n"]
    findings, summary, _ = _tampered(ctx, "last", [("head_beyond_ledger", n)],
                                     ("DELETE FROM events WHERE id = ?", (n,)),
                                     ("DELETE FROM ledger WHERE leaf = ?", (n - 1,)))
    eq(findings[0].get("ledger_size"), n - 1, "head_beyond_ledger: ledger_size")
    eq(summary["size"], n - 1, "summary size")


def test_tamper_event_inserted_after_end(ctx):
    n = ctx.snap["n"]
    e = ctx.snap["events"][-1]
    findings, _, _ = _tampered(
        ctx, "inserted", [("leaf_missing", n)],
        ("INSERT INTO events(id, complaint_id, seq, subject, type, at, actor_user, actor_party, "
         "payload) VALUES (?, NULL, NULL, 'user:2', 'token_issued', ?, 2, 2, '{}')",
         (n + 1, e[6] + 1)))
    eq(findings[0]["event"]["event_id"], n + 1, "leaf_missing: the inserted event")


def test_tamper_events_swapped(ctx):
    a = _pick(ctx, "accepted")
    b = _pick(ctx, "note_added", start=a[0] + 3) if any(
        e[5] == "note_added" for e in ctx.snap["events"]) else _pick(ctx, None, start=a[0] + 3)
    la, lb = a[0] - 1, b[0] - 1
    # whole rows exchanged (ids swapped): each event is found at the other's leaf
    findings, _, _ = _tampered(ctx, "swapped",
                               [("events_swapped", la, lb), ("events_swapped", lb, la)]
                               + _roots_after(ctx.snap, la),
                               ("UPDATE events SET id = -7 WHERE id = ?", (a[0],)),
                               ("UPDATE events SET id = ? WHERE id = ?", (a[0], b[0])),
                               ("UPDATE events SET id = ? WHERE id = -7", (b[0],)))
    # adjacent events swapped
    c = _pick(ctx, "received", start=lb + 2)
    lc = c[0] - 1  # its dispatch is lc + 1
    _tampered(ctx, "swapped_adjacent",
              [("events_swapped", lc, lc + 1), ("events_swapped", lc + 1, lc)]
              + _roots_after(ctx.snap, lc),
              ("UPDATE events SET id = -7 WHERE id = ?", (c[0],)),
              ("UPDATE events SET id = ? WHERE id = ?", (c[0], c[0] + 1)),
              ("UPDATE events SET id = ? WHERE id = -7", (c[0] + 1,)))
    # only payloads and types exchanged: neither is any stored leaf, both are named
    _tampered(ctx, "payloads_swapped",
              [("event_changed", la), ("event_changed", lb)] + _roots_after(ctx.snap, la),
              ("UPDATE events SET payload = ?, type = ? WHERE id = ?", (b[9], b[5], a[0])),
              ("UPDATE events SET payload = ?, type = ? WHERE id = ?", (a[9], a[5], b[0])))


def test_tamper_events_shifted(ctx):
    """Event k deleted and every later id decremented: the run after it is found one leaf
    further on (offset -1), and the last leaf has no event."""
    n = ctx.snap["n"]
    e = _pick(ctx, "accepted")
    k = e[0]
    leaf = k - 1
    statements = [("DELETE FROM events WHERE id = ?", (k,))]
    statements += [("UPDATE events SET id = ? WHERE id = ?", (i - 1, i))
                   for i in range(k + 1, n + 1)]
    findings, _, _ = _tampered(ctx, "shifted",
                               [("events_moved", leaf, n - 2, n - 1 - leaf, -1),
                                ("event_deleted", n - 1)] + _roots_after(ctx.snap, leaf),
                               *statements)
    moved = [f for f in findings if f["kind"] == "events_moved"][0]
    eq(moved["event"]["event_id"], k, "events_moved: the first event of the run")
    # and shifted the other way: an event inserted in the middle, later ids incremented
    # (the ledger then lacks a row for the last event)
    statements = [("UPDATE events SET id = ? WHERE id = ?", (i + 1, i))
                  for i in range(n, k - 1, -1)]
    statements.append(("INSERT INTO events(id, complaint_id, seq, subject, type, at, actor_user, "
                       "actor_party, payload) VALUES (?, NULL, NULL, 'user:2', 'token_issued', ?, "
                       "2, 2, '{}')", (k, e[6])))
    _tampered(ctx, "shifted_up",
              [("event_changed", leaf), ("events_moved", leaf + 1, n - 1, n - 1 - leaf, 1),
               ("leaf_missing", n)] + _roots_after(ctx.snap, leaf), *statements)


def _row(ctx, j):
    return ledger_rows(os.path.join(ctx.snap["dir"], "t.db"))[j]


def test_tamper_stored_node(ctx):
    n = ctx.snap["n"]
    j = max(x for x in range(n) if (x + 1) % 8 == 0)  # completes levels 1, 2 and 3
    blob = bytearray(_row(ctx, j))
    eq(len(blob), 32 * (1 + (j + 1 & -(j + 1)).bit_length() - 1), "row %d holds its nodes" % j)
    blob[2 * 32 + 5] ^= 0x40  # a byte of the level-2 node
    _tampered(ctx, "node", [("node_changed", 2, (j + 1) // 4 - 1, j)],
              ("UPDATE ledger SET hashes = ? WHERE leaf = ?", (bytes(blob), j)))
    # the level-1 node of another row
    j1 = j - 6  # (j1 + 1) % 2 == 0, not % 4
    blob = bytearray(_row(ctx, j1))
    eq(len(blob), 64, "row %d: the leaf and one node" % j1)
    blob[63] ^= 1
    _tampered(ctx, "node1", [("node_changed", 1, (j1 + 1) // 2 - 1, j1)],
              ("UPDATE ledger SET hashes = ? WHERE leaf = ?", (bytes(blob), j1)))


def test_tamper_stored_leaf(ctx):
    """A leaf hash rewritten in its row (an even leaf, so that its parent is stored in the
    next row): the event no longer matches its leaf (event_changed), the parent node no
    longer is the hash of its stored children (node_changed at level 1 in the next row, the
    row the change made inconsistent - and no other: the rows above were not edited), and
    the stored tree no longer has the signed roots of the heads covering it."""
    e = _pick(ctx, None, start=ctx.snap["heads"][0] + 1)
    j = e[0] - 1
    if j % 2:
        j += 1
    blob = bytearray(_row(ctx, j))
    eq(len(blob), 32, "row %d holds only its leaf" % j)
    blob[0] ^= 0x80
    want = [("event_changed", j), ("node_changed", 1, j >> 1, j + 1)]
    want += _roots_after(ctx.snap, j, "head_root_ledger")
    _tampered(ctx, "leaf", want, ("UPDATE ledger SET hashes = ? WHERE leaf = ?", (bytes(blob), j)))
    # an odd leaf completes its parent in its own row: the same, in that row
    j += 1
    blob = bytearray(_row(ctx, j))
    blob[31] ^= 0x01
    want = [("event_changed", j), ("node_changed", 1, j >> 1, j)]
    want += _roots_after(ctx.snap, j, "head_root_ledger")
    _tampered(ctx, "leaf_odd", want, ("UPDATE ledger SET hashes = ? WHERE leaf = ?",
                                      (bytes(blob), j)))


def test_tamper_event_and_row_deleted(ctx):
    e = _pick(ctx, "dispatched")
    _tampered(ctx, "lost", [("leaf_lost", e[0] - 1)],
              ("DELETE FROM events WHERE id = ?", (e[0],)),
              ("DELETE FROM ledger WHERE leaf = ?", (e[0] - 1,)))


def test_tamper_row_malformed(ctx):
    n = ctx.snap["n"]
    j = max(x for x in range(n) if (x + 1) % 4 == 0 and (x + 1) % 8)  # leaf + 2 nodes
    blob = _row(ctx, j)
    eq(len(blob), 96, "row %d" % j)
    findings, _, _ = _tampered(ctx, "row_short", [("row_malformed", j)],
                               ("UPDATE ledger SET hashes = ? WHERE leaf = ?", (blob[:64], j)))
    eq((findings[0].get("hashes"), findings[0].get("expected")), (2, 3), "row_malformed counts")
    _tampered(ctx, "row_bytes", [("row_malformed", j)],
              ("UPDATE ledger SET hashes = ? WHERE leaf = ?", (blob[:33], j)))


def test_tamper_signed_head(ctx):
    heads = ctx.snap["heads"]
    size = heads[len(heads) // 2]
    _tampered(ctx, "head_root", [("head_signature", size), ("head_root_ledger", size),
                                 ("head_root_events", size)],
              ("UPDATE tree_heads SET root = ? WHERE size = ?", (os.urandom(32), size)))
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(ctx.snap["dir"], "t.db"), uri=True)
    sig = bytearray(con.execute("SELECT signature FROM tree_heads WHERE size = ?",
                                (size,)).fetchone()[0])
    con.close()
    sig[7] ^= 0x01
    _tampered(ctx, "head_signature", [("head_signature", size)],
              ("UPDATE tree_heads SET signature = ? WHERE size = ?", (bytes(sig), size)))
    _tampered(ctx, "head_at", [("head_signature", heads[0])],
              ("UPDATE tree_heads SET at = at + 1 WHERE size = ?", (heads[0],)))
    # without the key file, the key is the one kept in meta
    c = _copy(ctx, "head_nokey")
    os.unlink(os.path.join(c["dir"], "t.db.key"))
    _edit(c, ("UPDATE tree_heads SET signature = ? WHERE size = ?", (bytes(sig), size)))
    rc, findings, summary, _ = _verify(ctx, c["db"], c["att"])
    _expect(findings, [("head_signature", size)], "head signature, key from meta")


def test_tamper_forged_cosignature(ctx):
    size = ctx.snap["heads"][-1]
    c = _copy(ctx, "cosign")
    bank = db_query(c["db"], "SELECT id FROM parties WHERE code = 'bank_a'")[0][0]
    _edit(c, ("INSERT INTO cosignatures(size, party_id, public_key, signature, at, user_id) "
              "VALUES (?, ?, ?, ?, 0, 1)", (size, bank, os.urandom(32), os.urandom(64))))
    rc, findings, summary, _ = _verify(ctx, c["db"], c["att"])
    _expect(findings, [("cosignature_invalid", size, "bank_a")], "forged countersignature")
    eq(summary["cosignatures"], 1, "countersignatures checked")


def test_tamper_event_out_of_range(ctx):
    e = ctx.snap["events"][-1]
    for bad in (0, -3):
        findings, _, _ = _tampered(
            ctx, "event_id_%d" % bad, [("event_out_of_range", bad)],
            ("INSERT INTO events(id, complaint_id, seq, subject, type, at, actor_user, "
             "actor_party, payload) VALUES (?, NULL, NULL, 'user:2', 'token_issued', ?, 2, 2, "
             "'{}')", (bad, e[6])))


def test_tamper_attachment(ctx):
    sha, leaf = ctx.snap["attachment"]
    c = _copy(ctx, "att_changed")
    path = os.path.join(c["att"], sha[:2], sha)
    check(os.path.isfile(path), "stored attachment %s" % path)
    data = b"replaced evidence"
    with open(path, "wb") as f:
        f.write(data)
    rc, findings, _, _ = _verify(ctx, c["db"], c["att"])
    _expect(findings, [("attachment_changed", sha, leaf)], "attachment bytes replaced")
    eq((findings[0].get("stored_sha256"), findings[0].get("stored_size")),
       (hashlib.sha256(data).hexdigest(), len(data)), "attachment_changed: what is stored")
    rc, findings, _, _ = _verify(ctx, c["db"], c["att"], "--no-attachments")
    eq((rc, findings), (0, []), "verify --no-attachments")
    os.unlink(path)
    rc, findings, _, _ = _verify(ctx, c["db"], c["att"])
    _expect(findings, [("attachment_missing", sha, leaf)], "attachment removed")
    # the text output names it as well
    rc, text, _, _ = _verify(ctx, c["db"], c["att"], json_out=False)
    eq(rc, 1, "verify (text) exit")
    check("FAIL attachment_missing leaf %d attachment %s" % (leaf, sha) in text
          and "FAILED: 1 problems" in text, "verify text output: %r" % text)


def test_tamper_text_output(ctx):
    e = _pick(ctx, "accepted")
    leaf = e[0] - 1
    c = _copy(ctx, "text")
    _edit(c, ("UPDATE events SET at = at + 1 WHERE id = ?", (e[0],)))
    rc, text, _, _ = _verify(ctx, c["db"], c["att"], json_out=False)
    eq(rc, 1, "verify (text) exit")
    want = "FAIL event_changed leaf %d (event %d: complaint %s seq %d accepted): " % (
        leaf, e[0], e[2], e[3])
    check(any(line.startswith(want) for line in text.splitlines()),
          "no line %r in %r" % (want, text))
    for size in ctx.snap["heads"]:
        line = "FAIL head_root_events head size %d: " % size
        check((line in text) == (size > leaf), "%r %s in the text output" % (
            line, "missing" if size > leaf else "unexpected"))
    k = len(_roots_after(ctx.snap, leaf))
    check("FAILED: %d problems" % (1 + k) in text, "summary line in %r" % text[-300:])
