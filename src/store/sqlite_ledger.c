/*
 * sqlite_ledger.c - the SQLite side of the evidence ledger: ledger rows
 * inserted as the app gives them, stored perfect nodes, signed tree heads,
 * witnesses and countersignatures, and cursors over the whole log for
 * `ombud verify`.  Nothing here hashes: leaves, the frontier and the nodes
 * a leaf completes are computed above the store (app/ledger_append.c), so
 * that another backend stores the same rows without re-implementing them.
 *
 * Layout.  One row per leaf: ledger(leaf, hashes).  hashes is the leaf hash
 * followed by the roots of the perfect subtrees that leaf completes, lowest
 * first, so node (level l, index i) is found in the row of leaf
 * (i + 1) * 2^l - 1 at byte 32 * l: any node in one lookup, nothing
 * recomputed, and rows only ever appended.  Event id = leaf index + 1.
 */
#include "sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ledger_stmt {
    G_SIZE,
    G_MAX_EVENT,
    G_ROW,
    G_INSERT,
    G_EVENTS_AFTER,
    G_ENTRY,
    G_HEAD_PUT,
    G_HEAD_GET,
    G_HEAD_LATEST,
    G_HEADS_LIST,
    G_WITNESS_PUT,
    G_WITNESS_GET,
    G_WITNESS_LIST,
    G_COSIGN_PUT,
    G_COSIGN_LIST,
    G__COUNT
};

_Static_assert(G__COUNT <= SQ_LEDGER_SLOTS, "raise SQ_LEDGER_SLOTS");

#define EVENT_COLUMNS                                                                              \
    "e.id, e.complaint_id, c.no, e.seq, e.subject, e.type, e.at, e.actor_user, e.actor_party, "    \
    "e.payload FROM events e LEFT JOIN complaints c ON c.id = e.complaint_id "

static const char *const ledger_sql[G__COUNT] = {
    [G_SIZE] = "SELECT max(leaf) FROM ledger",
    [G_MAX_EVENT] = "SELECT max(id) FROM events",
    [G_ROW] = "SELECT hashes FROM ledger WHERE leaf = ?1",
    [G_INSERT] = "INSERT INTO ledger(leaf, hashes) VALUES (?1, ?2)",
    [G_EVENTS_AFTER] = "SELECT " EVENT_COLUMNS "WHERE e.id > ?1 ORDER BY e.id",
    [G_ENTRY] = "SELECT " EVENT_COLUMNS "WHERE e.complaint_id = ?1 AND e.seq = ?2",
    [G_HEAD_PUT] = "INSERT OR IGNORE INTO tree_heads(size, at, root, signature) "
                   "VALUES (?1, ?2, ?3, ?4)",
    [G_HEAD_GET] = "SELECT size, at, root, signature FROM tree_heads WHERE size = ?1",
    [G_HEAD_LATEST] = "SELECT size, at, root, signature FROM tree_heads ORDER BY size DESC LIMIT 1",
    [G_HEADS_LIST] = "SELECT size, at, root, signature FROM tree_heads WHERE size > ?1 "
                     "ORDER BY size LIMIT ?2",
    [G_WITNESS_PUT] = "INSERT INTO witnesses(party_id, public_key, created_at, created_by) "
                      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(party_id) DO UPDATE SET "
                      "public_key = excluded.public_key, created_at = excluded.created_at, "
                      "created_by = excluded.created_by",
    [G_WITNESS_GET] = "SELECT w.party_id, p.code, w.public_key, w.created_at, w.created_by "
                      "FROM witnesses w JOIN parties p ON p.id = w.party_id WHERE w.party_id = ?1",
    [G_WITNESS_LIST] = "SELECT w.party_id, p.code, w.public_key, w.created_at, w.created_by "
                       "FROM witnesses w JOIN parties p ON p.id = w.party_id ORDER BY w.party_id",
    [G_COSIGN_PUT] = "INSERT INTO cosignatures(size, party_id, public_key, signature, at, user_id) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [G_COSIGN_LIST] = "SELECT c.size, c.party_id, p.code, c.public_key, c.signature, c.at, "
                      "c.user_id FROM cosignatures c JOIN parties p ON p.id = c.party_id "
                      "WHERE ?1 = 0 OR c.size = ?1 ORDER BY c.size, c.party_id",
};

static sqlite3_stmt *gstmt(sq_store *s, enum ledger_stmt id, omb_err *err)
{
    sqlite3_stmt *st = sq_prepared(s, &s->ledger[id], ledger_sql[id], err);
    if (st)
        sq_done(st);
    return st;
}

#define GSTMT_OR_FAIL(st, s, id, err)                                                              \
    sqlite3_stmt *st = gstmt(s, id, err);                                                          \
    if (!st)                                                                                       \
        return OMB_EIO;

/* Copies a blob column of exactly n bytes; false when it has another length. */
static bool col_blob(sqlite3_stmt *st, int i, uint8_t *out, size_t n)
{
    const void *p = sqlite3_column_blob(st, i);
    if (!p || (size_t)sqlite3_column_bytes(st, i) != n)
        return false;
    memcpy(out, p, n);
    return true;
}

/* ---- size, nodes, rows ------------------------------------------------------ */

/* A max(...) query's value, 0 for an empty table. */
static int max_of(sq_store *s, enum ledger_stmt id, int64_t *out, bool *any, omb_err *err)
{
    GSTMT_OR_FAIL(st, s, id, err);
    int rc = sqlite3_step(st);
    *any = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    *out = *any ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    return rc == SQLITE_ROW ? OMB_OK : sq_db_fail(s, err, "ledger size");
}

int sq_ledger_size(omb_store *base, uint64_t *size, omb_err *err)
{
    int64_t last;
    bool any;
    int rc = max_of(SQ(base), G_SIZE, &last, &any, err);
    *size = any ? (uint64_t)last + 1 : 0;
    return rc;
}

int sq_ledger_node(omb_store *base, unsigned level, uint64_t index, omb_hash out, omb_err *err)
{
    sq_store *s = SQ(base);
    if (level >= OMB_MERKLE_LEVELS || (level && index >= (UINT64_MAX >> level)))
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no ledger node");
    uint64_t leaf = ((index + 1) << level) - 1;
    if (leaf > (uint64_t)INT64_MAX)
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no ledger node");
    GSTMT_OR_FAIL(st, s, G_ROW, err);
    sqlite3_bind_int64(st, 1, (int64_t)leaf);
    int rc = sqlite3_step(st);
    int out_rc = OMB_OK;
    if (rc == SQLITE_ROW) {
        const uint8_t *p = sqlite3_column_blob(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        if (p && len >= (size_t)(level + 1) * OMB_HASH_LEN)
            memcpy(out, p + (size_t)level * OMB_HASH_LEN, OMB_HASH_LEN);
        else
            out_rc =
                omb_fail(err, OMB_EIO, "ledger_damaged", NULL,
                         "ledger row %llu lacks node level %u", (unsigned long long)leaf, level);
    } else if (rc == SQLITE_DONE) {
        out_rc = omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no ledger node (%u, %llu)", level,
                          (unsigned long long)index);
    } else {
        out_rc = sq_db_fail(s, err, "ledger node");
    }
    sq_done(st);
    return out_rc;
}

int sq_event_last_id(omb_store *base, int64_t *id, omb_err *err)
{
    bool any;
    return max_of(SQ(base), G_MAX_EVENT, id, &any, err);
}

int sq_ledger_insert(omb_store *base, const omb_ledger_row *row, omb_err *err)
{
    sq_store *s = SQ(base);
    if (row->leaf > (uint64_t)INT64_MAX || row->len < OMB_HASH_LEN || row->len % OMB_HASH_LEN)
        return omb_fail(err, OMB_EINVAL, "internal", NULL, "a malformed ledger row");
    GSTMT_OR_FAIL(st, s, G_INSERT, err);
    sqlite3_bind_int64(st, 1, (int64_t)row->leaf);
    sqlite3_bind_blob(st, 2, row->hashes, (int)row->len, SQLITE_STATIC);
    return sq_exec_stmt(s, st, err, "ledger");
}

/* ---- events as the ledger reads them ---------------------------------------- */

static void read_event(sqlite3_stmt *st, omb_ledger_event *out)
{
    out->id = sqlite3_column_int64(st, 0);
    out->complaint_id = sqlite3_column_int64(st, 1);
    const char *no = (const char *)sqlite3_column_text(st, 2);
    out->entry.complaint_no = out->complaint_id ? (no ? no : "") : NULL;
    out->entry.seq = out->complaint_id ? sqlite3_column_int64(st, 3) : 0;
    const char *subject = (const char *)sqlite3_column_text(st, 4);
    const char *type = (const char *)sqlite3_column_text(st, 5);
    out->entry.subject = subject ? subject : "";
    out->entry.type = type ? type : "";
    out->entry.at = sqlite3_column_int64(st, 6);
    out->entry.actor_user = sqlite3_column_int64(st, 7);
    out->entry.actor_party = sqlite3_column_int64(st, 8);
    const char *payload = (const char *)sqlite3_column_text(st, 9);
    out->entry.payload = payload ? payload : "";
    out->entry.payload_len = payload ? (size_t)sqlite3_column_bytes(st, 9) : 0;
}

int sq_event_entry(omb_store *base, int64_t complaint_id, int64_t seq,
                   int (*cb)(void *, const omb_ledger_event *), void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    GSTMT_OR_FAIL(st, s, G_ENTRY, err);
    sqlite3_bind_int64(st, 1, complaint_id);
    sqlite3_bind_int64(st, 2, seq);
    int rc = sqlite3_step(st);
    int out = OMB_OK;
    if (rc == SQLITE_ROW) {
        omb_ledger_event ev;
        read_event(st, &ev);
        out = cb(ctx, &ev);
    } else if (rc == SQLITE_DONE) {
        out = omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no event %lld", (long long)seq);
    } else {
        out = sq_db_fail(s, err, "ledger entry");
    }
    sq_done(st);
    return out;
}

/* ---- tree heads --------------------------------------------------------------- */

static int read_head(sqlite3_stmt *st, omb_tree_head *h)
{
    h->size = (uint64_t)sqlite3_column_int64(st, 0);
    h->at = sqlite3_column_int64(st, 1);
    return col_blob(st, 2, h->root, OMB_HASH_LEN) &&
                   col_blob(st, 3, h->signature, OMB_SIGNATURE_LEN)
               ? OMB_OK
               : OMB_EIO;
}

int sq_head_put(omb_store *base, const omb_tree_head *h, omb_err *err)
{
    sq_store *s = SQ(base);
    GSTMT_OR_FAIL(st, s, G_HEAD_PUT, err);
    sqlite3_bind_int64(st, 1, (int64_t)h->size);
    sqlite3_bind_int64(st, 2, h->at);
    sqlite3_bind_blob(st, 3, h->root, OMB_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, h->signature, OMB_SIGNATURE_LEN, SQLITE_STATIC);
    return sq_exec_stmt(s, st, err, "tree head");
}

int sq_head_get(omb_store *base, uint64_t size, omb_tree_head *out, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = gstmt(s, size ? G_HEAD_GET : G_HEAD_LATEST, err);
    if (!st)
        return OMB_EIO;
    if (size)
        sqlite3_bind_int64(st, 1, (int64_t)size);
    int rc = sqlite3_step(st);
    int out_rc = OMB_OK;
    if (rc == SQLITE_ROW) {
        if (read_head(st, out) != OMB_OK)
            out_rc =
                omb_fail(err, OMB_EIO, "ledger_damaged", NULL, "a stored tree head is damaged");
    } else if (rc == SQLITE_DONE) {
        out_rc = omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no tree head");
    } else {
        out_rc = sq_db_fail(s, err, "tree head");
    }
    sq_done(st);
    return out_rc;
}

int sq_heads_list(omb_store *base, uint64_t after, int limit,
                  int (*cb)(void *, const omb_tree_head *), void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    GSTMT_OR_FAIL(st, s, G_HEADS_LIST, err);
    sqlite3_bind_int64(st, 1, (int64_t)after);
    sqlite3_bind_int(st, 2, limit);
    int rc, out = OMB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        omb_tree_head h;
        if (read_head(st, &h) != OMB_OK) {
            out = omb_fail(err, OMB_EIO, "ledger_damaged", NULL, "a stored tree head is damaged");
            break;
        }
        if ((out = cb(ctx, &h)) != OMB_OK)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE && !out)
        out = sq_db_fail(s, err, "tree heads");
    sq_done(st);
    return out;
}

/* ---- witnesses and countersignatures ------------------------------------------ */

int sq_witness_put(omb_store *base, const omb_witness *w, omb_err *err)
{
    sq_store *s = SQ(base);
    GSTMT_OR_FAIL(st, s, G_WITNESS_PUT, err);
    sqlite3_bind_int64(st, 1, w->party_id);
    sqlite3_bind_blob(st, 2, w->public_key, OMB_SIGN_PUBLIC_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, w->created_at);
    sqlite3_bind_int64(st, 4, w->created_by);
    return sq_exec_stmt(s, st, err, "witness");
}

static void read_witness(sqlite3_stmt *st, void *out)
{
    omb_witness *w = out;
    memset(w, 0, sizeof *w);
    w->party_id = sqlite3_column_int64(st, 0);
    sq_col_copy(st, 1, w->party_code, sizeof w->party_code);
    col_blob(st, 2, w->public_key, OMB_SIGN_PUBLIC_LEN);
    w->created_at = sqlite3_column_int64(st, 3);
    w->created_by = sqlite3_column_int64(st, 4);
}

int sq_witness_get(omb_store *base, int64_t party_id, omb_witness *out, omb_err *err)
{
    sq_store *s = SQ(base);
    GSTMT_OR_FAIL(st, s, G_WITNESS_GET, err);
    sqlite3_bind_int64(st, 1, party_id);
    return sq_fetch_one(s, st, read_witness, out, err, "witness");
}

int sq_witness_list(omb_store *base, int (*cb)(void *, const omb_witness *), void *ctx,
                    omb_err *err)
{
    sq_store *s = SQ(base);
    GSTMT_OR_FAIL(st, s, G_WITNESS_LIST, err);
    omb_witness row;
    return sq_fetch_all(s, st, read_witness, &row, (int (*)(void *, const void *))cb, ctx, err,
                        "witnesses");
}

int sq_cosignature_put(omb_store *base, const omb_cosignature *c, omb_err *err)
{
    sq_store *s = SQ(base);
    GSTMT_OR_FAIL(st, s, G_COSIGN_PUT, err);
    sqlite3_bind_int64(st, 1, (int64_t)c->size);
    sqlite3_bind_int64(st, 2, c->party_id);
    sqlite3_bind_blob(st, 3, c->public_key, OMB_SIGN_PUBLIC_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, c->signature, OMB_SIGNATURE_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, c->at);
    sqlite3_bind_int64(st, 6, c->user_id);
    return sq_exec_stmt(s, st, err, "countersignature");
}

static void read_cosignature(sqlite3_stmt *st, void *out)
{
    omb_cosignature *c = out;
    memset(c, 0, sizeof *c);
    c->size = (uint64_t)sqlite3_column_int64(st, 0);
    c->party_id = sqlite3_column_int64(st, 1);
    sq_col_copy(st, 2, c->party_code, sizeof c->party_code);
    col_blob(st, 3, c->public_key, OMB_SIGN_PUBLIC_LEN);
    col_blob(st, 4, c->signature, OMB_SIGNATURE_LEN);
    c->at = sqlite3_column_int64(st, 5);
    c->user_id = sqlite3_column_int64(st, 6);
}

int sq_cosignatures_list(omb_store *base, uint64_t size, int (*cb)(void *, const omb_cosignature *),
                         void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    GSTMT_OR_FAIL(st, s, G_COSIGN_LIST, err);
    sqlite3_bind_int64(st, 1, (int64_t)size);
    omb_cosignature row;
    return sq_fetch_all(s, st, read_cosignature, &row, (int (*)(void *, const void *))cb, ctx, err,
                        "countersignatures");
}

/* ---- cursors --------------------------------------------------------------------- */

struct omb_cursor {
    sq_store *s;
    enum omb_cursor_kind kind;
    sqlite3_stmt *st; /* its own statement: cursors run side by side */
};

int sq_cursor_open(omb_store *base, enum omb_cursor_kind kind, omb_cursor **out, omb_err *err)
{
    sq_store *s = SQ(base);
    const char *sql = kind == OMB_CURSOR_EVENTS ? ledger_sql[G_EVENTS_AFTER]
                                                : "SELECT leaf, hashes FROM ledger ORDER BY leaf";
    omb_cursor *c = omb_xcalloc(1, sizeof *c);
    c->s = s;
    c->kind = kind;
    if (sqlite3_prepare_v2(s->db, sql, -1, &c->st, NULL) != SQLITE_OK) {
        int rc = sq_db_fail(s, err, "cursor");
        sqlite3_finalize(c->st);
        free(c);
        return rc;
    }
    if (kind == OMB_CURSOR_EVENTS) /* every row, even ids below 1 that ombud never writes */
        sqlite3_bind_int64(c->st, 1, INT64_MIN);
    *out = c;
    return OMB_OK;
}

int sq_cursor_next(omb_cursor *c, void *row, omb_err *err)
{
    int rc = sqlite3_step(c->st);
    if (rc == SQLITE_DONE)
        return OMB_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return sq_db_fail(c->s, err, "cursor");
    if (c->kind == OMB_CURSOR_EVENTS) {
        read_event(c->st, row);
    } else {
        omb_ledger_row *r = row;
        r->leaf = (uint64_t)sqlite3_column_int64(c->st, 0);
        r->hashes = sqlite3_column_blob(c->st, 1);
        r->len = r->hashes ? (size_t)sqlite3_column_bytes(c->st, 1) : 0;
    }
    return OMB_OK;
}

void sq_cursor_close(omb_cursor *c)
{
    if (!c)
        return;
    sqlite3_finalize(c->st);
    free(c);
}
