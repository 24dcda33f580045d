/*
 * sqlite.c - the SQLite backend of the store interface (store.h).
 *
 * One omb_store is one sqlite3 connection in WAL mode with
 * synchronous=FULL, so a COMMIT that returns has reached the disk; the
 * writer's connection instead commits lazily and syncs apart (sqlite_wal.c).
 * Every statement is prepared once per connection from the table below and
 * reset after use.  All SQL of ombud lives in this directory.
 */
#include "sqlite_int.h"

#include "core/buf.h"
#include "core/jsonw.h"

#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

enum stmt_id {
    Q_BEGIN,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_SAVEPOINT,
    Q_RELEASE,
    Q_ROLLBACK_TO,
    Q_META_GET,
    Q_META_SET,
    Q_PARTY_INSERT,
    Q_PARTY_GET,
    Q_PARTY_BY_CODE,
    Q_PARTY_LIST,
    Q_USER_INSERT,
    Q_USER_GET,
    Q_USER_BY_NAME,
    Q_USER_LIST,
    Q_USER_LIST_ALL,
    Q_PRODUCT_INSERT,
    Q_PRODUCT_GET,
    Q_PRODUCT_LIST,
    Q_COOP_INSERT,
    Q_COOP_MEMBER_INSERT,
    Q_COOP_GET,
    Q_COOP_BY_PRODUCT,
    Q_COOP_MEMBERS,
    Q_COOP_LIST,
    Q_TOKEN_INSERT,
    Q_TOKEN_LOOKUP,
    Q_TOKEN_REVOKE,
    Q_DAY_GET,
    Q_DAY_SET,
    Q_DATA_VERSION,
    Q_COMPLAINT_INSERT,
    Q_COMPLAINT_UPDATE,
    Q_COMPLAINT_PARTY,
    Q_COMPLAINT_LOAD,
    Q_COMPLAINT_DOC,
    Q_COMPLAINT_VISIBLE,
    Q_COMPLAINT_COUNT,
    Q_EVENT_INSERT,
    Q_EVENT_LIST,
    Q_IDEM_GET,
    Q_IDEM_PUT,
    Q_ATTACH_INSERT,
    Q_ATTACH_LINK,
    Q_ATTACH_GET,
    Q_ATTACH_VISIBLE,
    Q_CLOCK_PUT,
    Q_CLOCKS_DUE,
    Q_COMPLAINT_LOAD_ID,
    Q_UNASSIGNED_FEW,
    Q__COUNT
};

static const char *const sql_text[Q__COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SAVEPOINT] = "SAVEPOINT req",
    [Q_RELEASE] = "RELEASE req",
    [Q_ROLLBACK_TO] = "ROLLBACK TO req",
    [Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [Q_META_SET] = "INSERT INTO meta(key, value) VALUES (?1, ?2) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [Q_PARTY_INSERT] = "INSERT INTO parties(code, name, kind, created_at) VALUES (?1,?2,?3,?4)",
    [Q_PARTY_GET] = "SELECT id, code, name, kind, created_at FROM parties WHERE id = ?1",
    [Q_PARTY_BY_CODE] = "SELECT id, code, name, kind, created_at FROM parties WHERE code = ?1",
    [Q_PARTY_LIST] = "SELECT id, code, name, kind, created_at FROM parties ORDER BY id",
    [Q_USER_INSERT] = "INSERT INTO users(party_id, username, display_name, role, skills, active, "
                      "password_hash, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
    [Q_USER_GET] = "SELECT id, party_id, username, display_name, role, skills, active, "
                   "password_hash, created_at, on_duty FROM users WHERE id = ?1",
    [Q_USER_BY_NAME] = "SELECT id, party_id, username, display_name, role, skills, active, "
                       "password_hash, created_at, on_duty FROM users WHERE username = ?1",
    [Q_USER_LIST] = "SELECT id, party_id, username, display_name, role, skills, active, "
                    "password_hash, created_at, on_duty FROM users WHERE party_id = ?1 ORDER BY id",
    [Q_USER_LIST_ALL] = "SELECT id, party_id, username, display_name, role, skills, active, "
                        "password_hash, created_at, on_duty FROM users ORDER BY id",
    [Q_PRODUCT_INSERT] = "INSERT INTO products(code, name, business, created_at) "
                         "VALUES (?1,?2,?3,?4)",
    [Q_PRODUCT_GET] = "SELECT id, code, name, business, created_at FROM products WHERE id = ?1",
    [Q_PRODUCT_LIST] = "SELECT id, code, name, business, created_at FROM products ORDER BY id",
    [Q_COOP_INSERT] = "INSERT INTO cooperations(code, name, product_id, created_at) "
                      "VALUES (?1,?2,?3,?4)",
    [Q_COOP_MEMBER_INSERT] = "INSERT INTO cooperation_members(cooperation_id, party_id, role, "
                             "share_bp) VALUES (?1,?2,?3,?4)",
    [Q_COOP_GET] = "SELECT id, code, name, product_id, created_at FROM cooperations "
                   "WHERE id = ?1",
    [Q_COOP_BY_PRODUCT] = "SELECT id, code, name, product_id, created_at FROM cooperations "
                          "WHERE product_id = ?1",
    [Q_COOP_MEMBERS] = "SELECT party_id, role, share_bp FROM cooperation_members "
                       "WHERE cooperation_id = ?1 ORDER BY party_id",
    [Q_COOP_LIST] = "SELECT id, code, name, product_id, created_at FROM cooperations ORDER BY id",
    [Q_TOKEN_INSERT] = "INSERT INTO tokens(hash, user_id, label, created_at, expires_at) "
                       "VALUES (?1,?2,?3,?4,?5)",
    [Q_TOKEN_LOOKUP] =
        "SELECT u.id, u.party_id, u.username, u.display_name, u.role, u.skills, "
        "u.active, u.password_hash, u.created_at, u.on_duty, t.expires_at FROM tokens t "
        "JOIN users u ON u.id = t.user_id WHERE t.hash = ?1 AND "
        "t.revoked_at IS NULL AND t.expires_at > ?2 AND u.active = 1",
    [Q_TOKEN_REVOKE] = "UPDATE tokens SET revoked_at = ?2 WHERE hash = ?1 AND revoked_at IS NULL",
    [Q_DAY_GET] = "SELECT n FROM day_counters WHERE day = ?1",
    [Q_DAY_SET] = "INSERT INTO day_counters(day, n) VALUES (?1, ?2) "
                  "ON CONFLICT(day) DO UPDATE SET n = excluded.n",
    [Q_DATA_VERSION] = "PRAGMA data_version",
    [Q_COMPLAINT_INSERT] =
        "INSERT INTO complaints(no, state, grade, channel, business, cause, received_at, "
        "updated_at, target_party, product, lead_party, assignee, version, doc, clock_history) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
    [Q_COMPLAINT_UPDATE] =
        "UPDATE complaints SET state=?2, grade=?3, channel=?4, business=?5, cause=?6, "
        "received_at=?7, updated_at=?8, target_party=?9, product=?10, lead_party=?11, "
        "assignee=?12, version=?13, doc=?14, clock_history=?15 WHERE id = ?1",
    [Q_COMPLAINT_PARTY] = "INSERT OR IGNORE INTO complaint_parties(party_id, received_at, "
                          "complaint_id) VALUES (?1,?2,?3)",
    [Q_COMPLAINT_LOAD] = "SELECT id, doc, clock_history FROM complaints WHERE no = ?1",
    [Q_COMPLAINT_DOC] = "SELECT id, received_at, doc, clock_history FROM complaints WHERE no = ?1",
    [Q_COMPLAINT_VISIBLE] = "SELECT 1 FROM complaint_parties WHERE party_id = ?1 AND "
                            "received_at = ?2 AND complaint_id = ?3",
    [Q_COMPLAINT_COUNT] = "SELECT count(*) FROM complaints",
    [Q_EVENT_INSERT] = "INSERT INTO events(id, complaint_id, seq, subject, type, at, actor_user, "
                       "actor_party, payload) VALUES (?9,?1,?2,?3,?4,?5,?6,?7,?8)",
    [Q_EVENT_LIST] = "SELECT id, complaint_id, seq, subject, type, at, actor_user, actor_party, "
                     "payload FROM events WHERE complaint_id = ?1 ORDER BY seq",
    [Q_IDEM_GET] = "SELECT request_hash, status, response FROM idempotency "
                   "WHERE user_id = ?1 AND key = ?2",
    [Q_IDEM_PUT] = "INSERT INTO idempotency(user_id, key, request_hash, status, response, "
                   "created_at) VALUES (?1,?2,?3,?4,?5,?6)",
    [Q_ATTACH_INSERT] = "INSERT OR IGNORE INTO attachments(sha256, size, content_type, "
                        "created_at) VALUES (?1,?2,?3,?4)",
    [Q_ATTACH_LINK] = "INSERT OR IGNORE INTO complaint_attachments(sha256, complaint_id) "
                      "VALUES (?1,?2)",
    [Q_ATTACH_GET] = "SELECT sha256, size, content_type FROM attachments WHERE sha256 = ?1",
    [Q_ATTACH_VISIBLE] = "SELECT 1 FROM complaint_attachments ca "
                         "JOIN complaints c ON c.id = ca.complaint_id "
                         "JOIN complaint_parties cp ON cp.complaint_id = c.id AND "
                         "cp.received_at = c.received_at AND cp.party_id = ?2 "
                         "WHERE ca.sha256 = ?1 AND (NOT EXISTS (SELECT 1 FROM "
                         "attachment_visibility av WHERE av.sha256 = ca.sha256 AND "
                         "av.complaint_id = ca.complaint_id) OR EXISTS (SELECT 1 FROM "
                         "attachment_visibility av WHERE av.sha256 = ca.sha256 AND "
                         "av.complaint_id = ca.complaint_id AND av.party_id = ?2)) LIMIT 1",
    [Q_CLOCK_PUT] = "INSERT OR REPLACE INTO clocks(complaint_id, kind, lead_party, owner, state, "
                    "started_at, due_at, stopped_at, next_alert_at) "
                    "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    [Q_CLOCKS_DUE] = "SELECT complaint_id, next_alert_at FROM clocks "
                     "WHERE next_alert_at IS NOT NULL AND next_alert_at <= ?1 "
                     "ORDER BY next_alert_at LIMIT ?2",
    [Q_COMPLAINT_LOAD_ID] = "SELECT id, doc, clock_history FROM complaints WHERE id = ?1",
    [Q_UNASSIGNED_FEW] = "SELECT count(*) < ?1 FROM "
                         "(SELECT 1 FROM complaints WHERE assignee IS NULL LIMIT ?1)",
};

_Static_assert(Q__COUNT <= SQ_CORE_SLOTS, "raise SQ_CORE_SLOTS");

int sq_db_fail(sq_store *s, omb_err *err, const char *what)
{
    int code = sqlite3_extended_errcode(s->db);
    int primary = code & 0xff;
    if (primary == SQLITE_CONSTRAINT)
        return omb_fail(err, OMB_ECONFLICT, "conflict", NULL, "%s: %s", what,
                        sqlite3_errmsg(s->db));
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return omb_fail(err, OMB_EBUSY, "busy", NULL, "%s: database busy", what);
    return omb_fail(err, OMB_EIO, "storage_error", NULL, "%s: %s", what, sqlite3_errmsg(s->db));
}

sqlite3_stmt *sq_prepared(sq_store *s, sqlite3_stmt **slot, const char *sql, omb_err *err)
{
    if (!*slot &&
        sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
        sq_db_fail(s, err, "prepare");
        *slot = NULL;
        return NULL;
    }
    return *slot;
}

/* The prepared statement for id, reset and ready for binding. */
static sqlite3_stmt *stmt(sq_store *s, enum stmt_id id, omb_err *err)
{
    return sq_prepared(s, &s->stmts[id], sql_text[id], err);
}

void sq_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

void sq_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

void sq_bind_id(sqlite3_stmt *st, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

void sq_col_copy(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    size_t n = v ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (!cap)
        return;
    if (n >= cap)
        n = cap - 1; /* truncated, as snprintf would (callers size their fields) */
    if (n)
        memcpy(dst, v, n);
    dst[n] = '\0';
}

/* Runs a statement that returns no rows.  Resets it either way. */
int sq_exec_stmt(sq_store *s, sqlite3_stmt *st, omb_err *err, const char *what)
{
    int rc = sqlite3_step(st);
    int out = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? OMB_OK : sq_db_fail(s, err, what);
    sq_done(st);
    return out;
}

static int simple(omb_store *base, enum stmt_id id, omb_err *err, const char *what)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, id, err);
    if (!st)
        return err ? err->rc : OMB_EIO;
    return sq_exec_stmt(s, st, err, what);
}

/* ---- open / close ------------------------------------------------------ */

static int exec_sql(sq_store *s, const char *sql, omb_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        omb_fail(err, OMB_EIO, "storage_error", NULL, "%s", msg ? msg : "exec failed");
        sqlite3_free(msg);
        return OMB_EIO;
    }
    return OMB_OK;
}

static void sq_close(omb_store *base)
{
    sq_store *s = SQ(base);
    if (!s)
        return;
    sq_wal_stop(s);
    for (int i = 0; i < SQ_CORE_SLOTS; i++)
        sqlite3_finalize(s->stmts[i]);
    for (int i = 0; i < SQ_MORE_SLOTS; i++)
        sqlite3_finalize(s->more[i]);
    for (int i = 0; i < SQ_LEDGER_SLOTS; i++)
        sqlite3_finalize(s->ledger[i]);
    for (int i = 0; i < SQ_VIEW_SLOTS; i++)
        sqlite3_finalize(s->views[i]);
    sqlite3_close(s->db);
    free(s);
}

/* Process-wide settings, made before SQLite first initialises itself: no
 * memory statistics, which would take a global mutex around every
 * allocation of every connection. */
static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sq_open(const char *dsn, int flags, omb_store **out, omb_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_sqlite);
    sq_store *s = omb_xcalloc(1, sizeof *s);
    s->base.vt = &omb_store_sqlite;
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (flags & OMB_STORE_CREATE) {
        oflags |= SQLITE_OPEN_CREATE;
        /* SQLite would make the file 0644; its -wal and -shm files take the
         * database file's mode, so making it 0600 here keeps all three private. */
        if (strncmp(dsn, "file:", 5) != 0 && strcmp(dsn, ":memory:") != 0) {
            int fd = open(dsn, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
            if (fd >= 0)
                close(fd);
        }
    }
    if (sqlite3_open_v2(dsn, &s->db, oflags, NULL) != SQLITE_OK) {
        omb_fail(err, OMB_EIO, "storage_error", NULL, "cannot open database %s: %s", dsn,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sq_close(&s->base);
        return OMB_EIO;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 10000);
    /* The writer keeps 16 MiB of pages; each reader 4 MiB, and the OS cache. */
    int rc = exec_sql(s,
                      (flags & OMB_STORE_READONLY) ? "PRAGMA journal_mode=WAL; "
                                                     "PRAGMA synchronous=FULL; "
                                                     "PRAGMA cache_size=-4000; "
                                                     "PRAGMA temp_store=MEMORY;"
                                                   : "PRAGMA journal_mode=WAL; "
                                                     "PRAGMA synchronous=FULL; "
                                                     "PRAGMA foreign_keys=ON; "
                                                     "PRAGMA cache_size=-16000; "
                                                     "PRAGMA temp_store=MEMORY;",
                      err);
    if (!rc && !(flags & OMB_STORE_CREATE)) {
        /* Refuse a file that is not an ombud database. */
        sqlite3_stmt *probe = stmt(s, Q_META_GET, err);
        if (!probe)
            rc = omb_fail(err, OMB_EIO, "not_initialised", NULL,
                          "%s is not an ombud database (run `ombud init`)", dsn);
    }
    /* The writer applies the migrations the database lacks (sqlite_migrate.c);
     * every connection refuses a database made by a newer ombud. */
    if (!rc)
        rc = sq_migrate(s, !(flags & OMB_STORE_READONLY), err);
    if (!rc && (flags & OMB_STORE_READONLY))
        rc = exec_sql(s, "PRAGMA query_only=1;", err);
    if (!rc && (flags & OMB_STORE_LAZY_COMMIT) && !(flags & OMB_STORE_READONLY))
        rc = sq_wal_start(s, err);
    if (rc) {
        sq_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return OMB_OK;
}

/* ---- transactions ------------------------------------------------------ */

static void forget(sq_store *s)
{
    s->memo = (sq_memo){.data_version = s->memo.data_version};
}

/* Keeps the memo only if no other connection has committed since it was made. */
static int check_memo(sq_store *s, omb_err *err)
{
    sqlite3_stmt *st = stmt(s, Q_DATA_VERSION, err);
    if (!st)
        return OMB_EIO;
    int rc = sqlite3_step(st);
    int64_t version = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sq_done(st);
    if (rc != SQLITE_ROW)
        return sq_db_fail(s, err, "data version");
    s->others_committed = !s->version_known || version != s->memo.data_version;
    if (s->others_committed) {
        forget(s);
        s->memo.data_version = version;
    }
    s->version_known = true;
    s->memo.valid = true;
    return OMB_OK;
}

static int sq_others_committed(omb_store *base, bool *yes, omb_err *err)
{
    *yes = SQ(base)->others_committed;
    return OMB_OK;
}

static int sq_begin(omb_store *base, omb_err *err)
{
    int rc = simple(base, Q_BEGIN, err, "begin");
    if (!rc && (rc = check_memo(SQ(base), err)) != OMB_OK)
        simple(base, Q_ROLLBACK, NULL, "rollback"); /* begin fails whole */
    return rc;
}
static int sq_commit_lazy(omb_store *s, omb_err *err)
{
    return simple(s, Q_COMMIT, err, "commit");
}
static int sq_commit(omb_store *s, omb_err *err)
{
    int rc = sq_commit_lazy(s, err);
    return rc ? rc : sq_sync(s, err);
}
static int sq_rollback(omb_store *s)
{
    forget(SQ(s));
    return simple(s, Q_ROLLBACK, NULL, "rollback");
}
static int sq_savepoint(omb_store *s, omb_err *err)
{
    return simple(s, Q_SAVEPOINT, err, "savepoint");
}
static int sq_release(omb_store *s, omb_err *err)
{
    return simple(s, Q_RELEASE, err, "release");
}
static int sq_rollback_to(omb_store *s)
{
    forget(SQ(s));
    int rc = simple(s, Q_ROLLBACK_TO, NULL, "rollback to");
    if (!rc)
        rc = simple(s, Q_RELEASE, NULL, "release");
    return rc;
}

/* ---- meta -------------------------------------------------------------- */

static int sq_meta_get(omb_store *base, const char *key, omb_buf *out, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_META_GET, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int out_rc = OMB_OK;
    if (rc == SQLITE_ROW) {
        omb_buf_reset(out);
        if (omb_buf_puts(out, (const char *)sqlite3_column_text(st, 0)))
            out_rc = omb_fail(err, OMB_ETOOBIG, "too_large", NULL, "meta value too large");
    } else if (rc == SQLITE_DONE) {
        out_rc = omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no meta key %s", key);
    } else {
        out_rc = sq_db_fail(s, err, "meta_get");
    }
    sq_done(st);
    return out_rc;
}

static int sq_meta_set(omb_store *base, const char *key, const char *value, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_META_SET, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    return sq_exec_stmt(s, st, err, "meta_set");
}

/* ---- generic single-row fetch ------------------------------------------- */

/* Steps a bound statement expecting at most one row. */
int sq_fetch_one(sq_store *s, sqlite3_stmt *st, row_reader read, void *out, omb_err *err,
                 const char *what)
{
    int rc = sqlite3_step(st);
    int out_rc = OMB_OK;
    if (rc == SQLITE_ROW)
        read(st, out);
    else if (rc == SQLITE_DONE)
        out_rc = omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "%s not found", what);
    else
        out_rc = sq_db_fail(s, err, what);
    sq_done(st);
    return out_rc;
}

/* Steps a bound statement over all rows, calling read then cb for each. */
int sq_fetch_all(sq_store *s, sqlite3_stmt *st, row_reader read, void *row,
                 int (*cb)(void *, const void *), void *ctx, omb_err *err, const char *what)
{
    int rc, out_rc = OMB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read(st, row);
        if ((out_rc = cb(ctx, row)) != OMB_OK)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out_rc = sq_db_fail(s, err, what);
    sq_done(st);
    return out_rc;
}

int64_t sq_last_id(sq_store *s)
{
    return sqlite3_last_insert_rowid(s->db);
}

void sq_read_int64(sqlite3_stmt *st, void *out)
{
    *(int64_t *)out = sqlite3_column_int64(st, 0);
}

/* The one row of statement q for an integer key. */
static int fetch_by_int(omb_store *base, enum stmt_id q, int64_t key, row_reader read, void *out,
                        omb_err *err, const char *what)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, q, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_int64(st, 1, key);
    return sq_fetch_one(s, st, read, out, err, what);
}

/* The one row of statement q for a text key. */
static int fetch_by_text(omb_store *base, enum stmt_id q, const char *key, row_reader read,
                         void *out, omb_err *err, const char *what)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, q, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    return sq_fetch_one(s, st, read, out, err, what);
}

/* Every row of statement q (no parameters), each read into row and given to cb. */
static int list_rows(omb_store *base, enum stmt_id q, row_reader read, void *row,
                     int (*cb)(void *, const void *), void *ctx, omb_err *err, const char *what)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, q, err);
    if (!st)
        return OMB_EIO;
    return sq_fetch_all(s, st, read, row, cb, ctx, err, what);
}

/* ---- parties ----------------------------------------------------------- */

static void read_party(sqlite3_stmt *st, void *out)
{
    omb_party *p = out;
    p->id = sqlite3_column_int64(st, 0);
    sq_col_copy(st, 1, p->code, sizeof p->code);
    sq_col_copy(st, 2, p->name, sizeof p->name);
    sq_col_copy(st, 3, p->kind, sizeof p->kind);
    p->created_at = sqlite3_column_int64(st, 4);
}

static int sq_party_insert(omb_store *base, omb_party *p, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_PARTY_INSERT, err);
    if (!st)
        return OMB_EIO;
    sq_bind_text(st, 1, p->code);
    sq_bind_text(st, 2, p->name);
    sq_bind_text(st, 3, p->kind);
    sqlite3_bind_int64(st, 4, p->created_at);
    int rc = sq_exec_stmt(s, st, err, "party");
    if (!rc)
        p->id = sq_last_id(s);
    return rc;
}

static int sq_party_get(omb_store *base, int64_t id, omb_party *out, omb_err *err)
{
    return fetch_by_int(base, Q_PARTY_GET, id, read_party, out, err, "party");
}

static int sq_party_by_code(omb_store *base, const char *code, omb_party *out, omb_err *err)
{
    return fetch_by_text(base, Q_PARTY_BY_CODE, code, read_party, out, err, "party");
}

static int sq_party_list(omb_store *base, int (*cb)(void *, const omb_party *), void *ctx,
                         omb_err *err)
{
    omb_party row;
    return list_rows(base, Q_PARTY_LIST, read_party, &row, (int (*)(void *, const void *))cb, ctx,
                     err, "parties");
}

/* ---- users ------------------------------------------------------------- */

static void read_user(sqlite3_stmt *st, void *out)
{
    omb_user *u = out;
    u->id = sqlite3_column_int64(st, 0);
    u->party_id = sqlite3_column_int64(st, 1);
    sq_col_copy(st, 2, u->username, sizeof u->username);
    sq_col_copy(st, 3, u->display_name, sizeof u->display_name);
    const char *role = (const char *)sqlite3_column_text(st, 4);
    if (!role || omb_role_parse(role, &u->role) != OMB_OK)
        u->role = OMB_ROLE_AUDITOR; /* unknown roles get the least power */
    sq_col_copy(st, 5, u->skills, sizeof u->skills);
    u->active = sqlite3_column_int(st, 6) != 0;
    sq_col_copy(st, 7, u->password_hash, sizeof u->password_hash);
    u->created_at = sqlite3_column_int64(st, 8);
    u->on_duty = sqlite3_column_int(st, 9) != 0;
}

static int sq_user_insert(omb_store *base, omb_user *u, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_USER_INSERT, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_int64(st, 1, u->party_id);
    sq_bind_text(st, 2, u->username);
    sq_bind_text(st, 3, u->display_name);
    sq_bind_text(st, 4, omb_role_name(u->role));
    sqlite3_bind_text(st, 5, u->skills, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, u->active ? 1 : 0);
    sqlite3_bind_text(st, 7, u->password_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, u->created_at);
    int rc = sq_exec_stmt(s, st, err, "user");
    if (!rc)
        u->id = sq_last_id(s);
    return rc;
}

static int sq_user_get(omb_store *base, int64_t id, omb_user *out, omb_err *err)
{
    return fetch_by_int(base, Q_USER_GET, id, read_user, out, err, "user");
}

static int sq_user_by_username(omb_store *base, const char *name, omb_user *out, omb_err *err)
{
    return fetch_by_text(base, Q_USER_BY_NAME, name, read_user, out, err, "user");
}

static int sq_user_list(omb_store *base, int64_t party_id, int (*cb)(void *, const omb_user *),
                        void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, party_id ? Q_USER_LIST : Q_USER_LIST_ALL, err);
    if (!st)
        return OMB_EIO;
    if (party_id)
        sqlite3_bind_int64(st, 1, party_id);
    omb_user row;
    return sq_fetch_all(s, st, read_user, &row, (int (*)(void *, const void *))cb, ctx, err,
                        "users");
}

/* ---- products ---------------------------------------------------------- */

static void read_product(sqlite3_stmt *st, void *out)
{
    omb_product *p = out;
    p->id = sqlite3_column_int64(st, 0);
    sq_col_copy(st, 1, p->code, sizeof p->code);
    sq_col_copy(st, 2, p->name, sizeof p->name);
    sq_col_copy(st, 3, p->business, sizeof p->business);
    p->created_at = sqlite3_column_int64(st, 4);
}

static int sq_product_insert(omb_store *base, omb_product *p, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_PRODUCT_INSERT, err);
    if (!st)
        return OMB_EIO;
    sq_bind_text(st, 1, p->code);
    sq_bind_text(st, 2, p->name);
    sq_bind_text(st, 3, p->business);
    sqlite3_bind_int64(st, 4, p->created_at);
    int rc = sq_exec_stmt(s, st, err, "product");
    if (!rc)
        p->id = sq_last_id(s);
    return rc;
}

static int sq_product_get(omb_store *base, int64_t id, omb_product *out, omb_err *err)
{
    return fetch_by_int(base, Q_PRODUCT_GET, id, read_product, out, err, "product");
}

static int sq_product_list(omb_store *base, int (*cb)(void *, const omb_product *), void *ctx,
                           omb_err *err)
{
    omb_product row;
    return list_rows(base, Q_PRODUCT_LIST, read_product, &row, (int (*)(void *, const void *))cb,
                     ctx, err, "products");
}

/* ---- cooperations ------------------------------------------------------ */

static void read_coop(sqlite3_stmt *st, void *out)
{
    omb_cooperation *c = out;
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    sq_col_copy(st, 1, c->code, sizeof c->code);
    sq_col_copy(st, 2, c->name, sizeof c->name);
    c->product_id = sqlite3_column_int64(st, 3);
    c->created_at = sqlite3_column_int64(st, 4);
}

static int load_members(sq_store *s, omb_cooperation *c, omb_err *err)
{
    sqlite3_stmt *st = stmt(s, Q_COOP_MEMBERS, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_int64(st, 1, c->id);
    int rc;
    c->n_members = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && c->n_members < OMB_MEMBERS_MAX) {
        omb_member *m = &c->members[c->n_members++];
        m->party_id = sqlite3_column_int64(st, 0);
        sq_col_copy(st, 1, m->role, sizeof m->role);
        m->share_bp = sqlite3_column_int(st, 2);
    }
    int out = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? OMB_OK : sq_db_fail(s, err, "members");
    sq_done(st);
    return out;
}

static int sq_coop_insert(omb_store *base, omb_cooperation *c, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_COOP_INSERT, err);
    if (!st)
        return OMB_EIO;
    sq_bind_text(st, 1, c->code);
    sq_bind_text(st, 2, c->name);
    sqlite3_bind_int64(st, 3, c->product_id);
    sqlite3_bind_int64(st, 4, c->created_at);
    int rc = sq_exec_stmt(s, st, err, "cooperation");
    if (rc)
        return rc;
    c->id = sq_last_id(s);
    for (int i = 0; i < c->n_members; i++) {
        st = stmt(s, Q_COOP_MEMBER_INSERT, err);
        if (!st)
            return OMB_EIO;
        sqlite3_bind_int64(st, 1, c->id);
        sqlite3_bind_int64(st, 2, c->members[i].party_id);
        sqlite3_bind_text(st, 3, c->members[i].role, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, c->members[i].share_bp);
        if ((rc = sq_exec_stmt(s, st, err, "cooperation member")) != OMB_OK)
            return rc;
    }
    return OMB_OK;
}

static int coop_fetch(sq_store *s, enum stmt_id q, int64_t key, omb_cooperation *out, omb_err *err)
{
    int rc = fetch_by_int(&s->base, q, key, read_coop, out, err, "cooperation");
    return rc ? rc : load_members(s, out, err);
}

static int sq_coop_get(omb_store *base, int64_t id, omb_cooperation *out, omb_err *err)
{
    return coop_fetch(SQ(base), Q_COOP_GET, id, out, err);
}

static int sq_coop_by_product(omb_store *base, int64_t product_id, omb_cooperation *out,
                              omb_err *err)
{
    return coop_fetch(SQ(base), Q_COOP_BY_PRODUCT, product_id, out, err);
}

static int sq_coop_list(omb_store *base, int (*cb)(void *, const omb_cooperation *), void *ctx,
                        omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_COOP_LIST, err);
    if (!st)
        return OMB_EIO;
    /* Collect ids first: member loading needs its own statement. */
    int64_t ids[1024];
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 1024)
        ids[n++] = sqlite3_column_int64(st, 0);
    sq_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_db_fail(s, err, "cooperations");
    for (int i = 0; i < n; i++) {
        omb_cooperation c;
        if ((rc = coop_fetch(s, Q_COOP_GET, ids[i], &c, err)) != OMB_OK)
            return rc;
        if ((rc = cb(ctx, &c)) != OMB_OK)
            return rc;
    }
    return OMB_OK;
}

/* ---- tokens ------------------------------------------------------------ */

static int sq_token_insert(omb_store *base, int64_t user_id, const unsigned char hash[32],
                           const char *label, omb_ms created_at, omb_ms expires_at, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_TOKEN_INSERT, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_text(st, 3, label ? label : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, created_at);
    sqlite3_bind_int64(st, 5, expires_at);
    return sq_exec_stmt(s, st, err, "token");
}

typedef struct token_row {
    omb_user user;
    omb_ms expires_at;
} token_row;

static void read_token_row(sqlite3_stmt *st, void *out)
{
    token_row *t = out;
    read_user(st, &t->user);
    t->expires_at = sqlite3_column_int64(st, 10);
}

static int sq_token_lookup(omb_store *base, const unsigned char hash[32], omb_ms now, omb_user *out,
                           omb_ms *expires_at, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_TOKEN_LOOKUP, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    token_row t;
    int rc = sq_fetch_one(s, st, read_token_row, &t, err, "token");
    if (!rc) {
        *out = t.user;
        *expires_at = t.expires_at;
    }
    if (rc == OMB_ENOTFOUND)
        return omb_fail(err, OMB_EUNAUTH, "invalid_token", NULL,
                        "the token is unknown, expired or revoked");
    return rc;
}

static int sq_token_revoke(omb_store *base, const unsigned char hash[32], omb_ms now, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_TOKEN_REVOKE, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    int rc = sq_exec_stmt(s, st, err, "revoke");
    if (!rc && sqlite3_changes(s->db) == 0)
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no such active token");
    return rc;
}

/* ---- complaints -------------------------------------------------------- */

/* The next number of the day: the writer remembers the last one it handed
 * out, so a day's counter is read once and then only written. */
static int sq_next_seq(omb_store *base, int32_t day, int64_t *seq, omb_err *err)
{
    sq_store *s = SQ(base);
    int64_t n = 0;
    if (sq_memo_usable(s) && s->memo.day == day) {
        n = s->memo.day_n;
    } else {
        sqlite3_stmt *st = stmt(s, Q_DAY_GET, err);
        if (!st)
            return OMB_EIO;
        sqlite3_bind_int(st, 1, day);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sq_done(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return sq_db_fail(s, err, "day counter");
    }
    sqlite3_stmt *st = stmt(s, Q_DAY_SET, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_int(st, 1, day);
    sqlite3_bind_int64(st, 2, n + 1);
    int rc = sq_exec_stmt(s, st, err, "day counter");
    if (rc)
        return rc;
    if (sq_memo_usable(s)) {
        s->memo.day = day;
        s->memo.day_n = n + 1;
    }
    *seq = n + 1;
    return OMB_OK;
}

static int save_parties(sq_store *s, const omb_complaint *c, omb_err *err)
{
    const json_t *parties = json_object_get(c->doc, "parties");
    size_t i;
    const json_t *p;
    json_array_foreach(parties, i, p)
    {
        int64_t party = omb_json_int(p, "party", 0);
        if (!party)
            continue;
        sqlite3_stmt *st = stmt(s, Q_COMPLAINT_PARTY, err);
        if (!st)
            return OMB_EIO;
        sqlite3_bind_int64(st, 1, party);
        sqlite3_bind_int64(st, 2, c->received_at);
        sqlite3_bind_int64(st, 3, c->id);
        int rc = sq_exec_stmt(s, st, err, "complaint party");
        if (rc)
            return rc;
    }
    return OMB_OK;
}

static int sq_complaint_save(omb_store *base, omb_complaint *c, char **doc_text, omb_err *err)
{
    sq_store *s = SQ(base);
    bool insert = c->id == 0;
    sqlite3_stmt *st = stmt(s, insert ? Q_COMPLAINT_INSERT : Q_COMPLAINT_UPDATE, err);
    if (!st)
        return OMB_EIO;
    omb_complaint_sync_doc(c);
    /* The clock history is stored beside the document, not inside it. */
    json_t *history = json_incref(json_object_get(c->doc, "clock_events"));
    json_object_del(c->doc, "clock_events");
    size_t doc_len = 0, hist_len = 0;
    char *doc = omb_jsonw_dup(c->doc, 0, &doc_len);
    char *hist = history ? omb_jsonw_dup(history, 0, &hist_len) : NULL;
    if (history)
        json_object_set_new(c->doc, "clock_events", history);
    if (!doc) {
        free(hist);
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "cannot serialise complaint");
    }
    if (insert)
        sqlite3_bind_text(st, 1, c->no, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, c->id);
    sqlite3_bind_text(st, 2, omb_state_name(c->state), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, omb_grade_name(c->grade), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, c->channel, -1, SQLITE_STATIC);
    sq_bind_text(st, 5, c->business);
    sq_bind_text(st, 6, c->cause);
    sqlite3_bind_int64(st, 7, c->received_at);
    sqlite3_bind_int64(st, 8, c->updated_at);
    sq_bind_id(st, 9, c->target_party_id);
    sq_bind_id(st, 10, c->product_id);
    sq_bind_id(st, 11, c->lead_party_id);
    sq_bind_id(st, 12, c->assignee_id);
    sqlite3_bind_int64(st, 13, c->version);
    sqlite3_bind_text(st, 14, doc, (int)doc_len, SQLITE_STATIC);
    if (hist)
        sqlite3_bind_text(st, 15, hist, (int)hist_len, SQLITE_STATIC);
    else
        sqlite3_bind_text(st, 15, "[]", 2, SQLITE_STATIC);
    int rc = sq_exec_stmt(s, st, err, "complaint");
    free(hist);
    if (!rc && insert)
        c->id = sq_last_id(s);
    if (!rc)
        rc = save_parties(s, c, err);
    if (!rc && doc_text)
        *doc_text = doc;
    else
        free(doc);
    return rc;
}

/* Loads the complaint that a bound Q_COMPLAINT_LOAD* statement finds. */
static int load_complaint(sq_store *s, sqlite3_stmt *st, const char *what, omb_complaint *out,
                          omb_err *err)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        int out_rc = rc == SQLITE_DONE
                         ? omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", what)
                         : sq_db_fail(s, err, "complaint");
        sq_done(st);
        return out_rc;
    }
    int64_t id = sqlite3_column_int64(st, 0);
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)sqlite3_column_text(st, 1),
                             (size_t)sqlite3_column_bytes(st, 1), 0, &jerr);
    json_t *history = json_loadb((const char *)sqlite3_column_text(st, 2),
                                 (size_t)sqlite3_column_bytes(st, 2), 0, &jerr);
    sq_done(st);
    if (!doc || !json_is_array(history)) {
        json_decref(doc);
        json_decref(history);
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "complaint %s: bad document", what);
    }
    json_object_set_new(doc, "clock_events", history);
    rc = omb_complaint_from_doc(out, doc, err);
    if (rc) /* a damaged document: nothing is handed back */
        omb_complaint_release(out);
    out->id = id;
    return rc;
}

static int sq_complaint_load(omb_store *base, const char *no, omb_complaint *out, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_COMPLAINT_LOAD, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_text(st, 1, no, -1, SQLITE_STATIC);
    return load_complaint(s, st, no, out, err);
}

static int sq_complaint_load_id(omb_store *base, int64_t id, omb_complaint *out, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_COMPLAINT_LOAD_ID, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_int64(st, 1, id);
    char what[32];
    snprintf(what, sizeof what, "#%lld", (long long)id);
    return load_complaint(s, st, what, out, err);
}

static int sq_complaint_doc(omb_store *base, const char *no, int64_t viewer, omb_buf *out,
                            omb_buf *history, int64_t *id_out, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_COMPLAINT_DOC, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_text(st, 1, no, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        int out_rc = rc == SQLITE_DONE
                         ? omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no)
                         : sq_db_fail(s, err, "complaint");
        sq_done(st);
        return out_rc;
    }
    int64_t id = sqlite3_column_int64(st, 0);
    int64_t received = sqlite3_column_int64(st, 1);
    omb_buf_reset(out);
    int buf_rc =
        omb_buf_append(out, sqlite3_column_text(st, 2), (size_t)sqlite3_column_bytes(st, 2));
    if (!buf_rc && history) {
        omb_buf_reset(history);
        buf_rc = omb_buf_append(history, sqlite3_column_text(st, 3),
                                (size_t)sqlite3_column_bytes(st, 3));
    }
    sq_done(st);
    if (buf_rc)
        return omb_fail(err, OMB_ETOOBIG, "too_large", NULL, "complaint document too large");
    if (viewer) {
        sqlite3_stmt *v = stmt(s, Q_COMPLAINT_VISIBLE, err);
        if (!v)
            return OMB_EIO;
        sqlite3_bind_int64(v, 1, viewer);
        sqlite3_bind_int64(v, 2, received);
        sqlite3_bind_int64(v, 3, id);
        rc = sqlite3_step(v);
        sq_done(v);
        if (rc == SQLITE_DONE)
            return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no);
        if (rc != SQLITE_ROW)
            return sq_db_fail(s, err, "visibility");
    }
    if (id_out)
        *id_out = id;
    return OMB_OK;
}

/* The first parameter number of the listed complaint numbers (f->nos). */
#define LIST_NOS_PARAM 15
/* Unassigned complaints of all parties up to which a party's unassigned queue
 * is read from their index (complaints_unassigned) rather than from the
 * party's own rows. */
#define FEW_UNASSIGNED 10000

/* Whether fewer than FEW_UNASSIGNED complaints have no assignee (the probe
 * reads at most that many entries of their index). */
static int few_unassigned(sq_store *s, bool *few, omb_err *err)
{
    sqlite3_stmt *st = stmt(s, Q_UNASSIGNED_FEW, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_int(st, 1, FEW_UNASSIGNED);
    int64_t yes = 0;
    int rc = sq_fetch_one(s, st, sq_read_int64, &yes, err, "list");
    *few = yes != 0;
    return rc;
}

/* Builds the list query for a filter; binds go through the same order.
 * A party's list walks its complaint_parties rows in order and keeps the
 * complaints that pass the filters.  Two filters can select a few
 * complaints out of many more efficiently from the complaints' side, each
 * kept only when the party is involved (CROSS JOIN fixes that order of the
 * loops): listed numbers, found through the unique index on `no` and then
 * sorted; and no assignee while few complaints have none, walked in order
 * through their partial index.  With many unassigned complaints the party's
 * own rows are walked, as for any other filter. */
static int sq_complaint_list(omb_store *base, const omb_complaint_filter *f,
                             omb_complaint_row_cb cb, void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    bool by_complaint = f->viewer_party && f->n_nos;
    if (f->viewer_party && !f->n_nos && f->unassigned) {
        int rc = few_unassigned(s, &by_complaint, err);
        if (rc)
            return rc;
    }
    omb_buf q = OMB_BUF_INIT(4096 + (size_t)f->n_nos * 8);
    bool by_party = f->viewer_party && !by_complaint;
    const char *c_received = by_party ? "p.received_at" : "c.received_at";
    const char *c_id = by_party ? "p.complaint_id" : "c.id";
    if (by_complaint)
        omb_buf_puts(&q, "SELECT c.id, c.received_at, c.doc, c.clock_history "
                         "FROM complaints c CROSS JOIN complaint_parties p "
                         "WHERE p.party_id = ?1 AND p.received_at = c.received_at "
                         "AND p.complaint_id = c.id");
    else if (by_party)
        omb_buf_puts(&q, "SELECT c.id, c.received_at, c.doc, c.clock_history "
                         "FROM complaint_parties p "
                         "JOIN complaints c ON c.id = p.complaint_id WHERE p.party_id = ?1");
    else
        omb_buf_puts(&q, "SELECT c.id, c.received_at, c.doc, c.clock_history "
                         "FROM complaints c WHERE ?1 IS NULL");
    for (int i = 0; i < f->n_nos; i++)
        omb_buf_printf(&q, "%s?%d", i ? "," : " AND c.no IN (", LIST_NOS_PARAM + i);
    if (f->n_nos)
        omb_buf_puts(&q, ")");
    if (f->states) {
        omb_buf_puts(&q, " AND c.state IN (");
        bool first = true;
        for (int i = 0; i < OMB_ST__COUNT; i++)
            if (f->states & OMB_STBIT(i)) {
                omb_buf_printf(&q, "%s'%s'", first ? "" : ",", omb_state_name((enum omb_state)i));
                first = false;
            }
        omb_buf_puts(&q, ")");
    }
    if (f->grades) {
        omb_buf_puts(&q, " AND c.grade IN (");
        bool first = true;
        for (int i = 0; i <= OMB_GRADE_MAJOR; i++)
            if (f->grades & (1u << i)) {
                omb_buf_printf(&q, "%s'%s'", first ? "" : ",", omb_grade_name((enum omb_grade)i));
                first = false;
            }
        omb_buf_puts(&q, ")");
    }
    if (f->party)
        omb_buf_puts(&q, " AND EXISTS (SELECT 1 FROM complaint_parties x WHERE x.party_id = ?2 "
                         "AND x.received_at = c.received_at AND x.complaint_id = c.id)");
    if (f->lead_party)
        omb_buf_puts(&q, " AND c.lead_party = ?3");
    if (f->assignee)
        omb_buf_puts(&q, " AND c.assignee = ?4");
    if (f->unassigned)
        omb_buf_puts(&q, " AND c.assignee IS NULL");
    if (f->channel[0])
        omb_buf_puts(&q, " AND c.channel = ?5");
    if (f->business[0])
        omb_buf_puts(&q, " AND c.business = ?6");
    if (f->cause[0])
        omb_buf_puts(&q, " AND c.cause = ?7");
    if (f->has_from)
        omb_buf_printf(&q, " AND %s >= ?8", c_received);
    if (f->has_to)
        omb_buf_printf(&q, " AND %s < ?9", c_received);
    if (f->has_cursor)
        omb_buf_printf(&q, " AND (%s < ?10 OR (%s = ?10 AND %s < ?11))", c_received, c_received,
                       c_id);
    if (f->target_party)
        omb_buf_puts(&q, " AND c.target_party = ?12");
    if (f->product)
        omb_buf_puts(&q, " AND c.product = ?13");
    omb_buf_printf(&q, " ORDER BY %s DESC, %s DESC LIMIT ?14", c_received, c_id);

    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, omb_buf_str(&q), -1, &st, NULL) != SQLITE_OK) {
        omb_buf_release(&q);
        return sq_db_fail(s, err, "list");
    }
    omb_buf_release(&q);
    sq_bind_id(st, 1, f->viewer_party);
    sqlite3_bind_int64(st, 2, f->party);
    sqlite3_bind_int64(st, 3, f->lead_party);
    sqlite3_bind_int64(st, 4, f->assignee);
    sqlite3_bind_text(st, 5, f->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, f->business, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, f->cause, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, f->received_from);
    sqlite3_bind_int64(st, 9, f->received_to);
    sqlite3_bind_int64(st, 10, f->cursor_received);
    sqlite3_bind_int64(st, 11, f->cursor_id);
    sqlite3_bind_int64(st, 12, f->target_party);
    sqlite3_bind_int64(st, 13, f->product);
    sqlite3_bind_int64(st, 14, f->limit > 0 ? f->limit : -1);
    const char *no = f->nos;
    for (int i = 0; i < f->n_nos && no; i++) {
        size_t n = strcspn(no, ",");
        sqlite3_bind_text(st, LIST_NOS_PARAM + i, no, (int)n, SQLITE_STATIC);
        no = no[n] ? no + n + 1 : NULL;
    }
    int rc, out = OMB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        out = cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                 (const char *)sqlite3_column_text(st, 2), (size_t)sqlite3_column_bytes(st, 2),
                 (const char *)sqlite3_column_text(st, 3), (size_t)sqlite3_column_bytes(st, 3));
        if (out)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out = sq_db_fail(s, err, "list");
    sqlite3_finalize(st);
    return out;
}

static int sq_complaint_count(omb_store *base, int64_t *count, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_COMPLAINT_COUNT, err);
    if (!st)
        return OMB_EIO;
    return sq_fetch_one(s, st, sq_read_int64, count, err, "count");
}

/* ---- events ------------------------------------------------------------ */

static int sq_event_insert(omb_store *base, const omb_event *ev, const char *payload,
                           size_t payload_len, omb_err *err)
{
    sq_store *s = SQ(base);
    if (ev->id < 1)
        return omb_fail(err, OMB_EINVAL, "internal", NULL, "an event without its id");
    if (payload_len > INT_MAX)
        return omb_fail(err, OMB_ETOOBIG, "event_too_large", NULL, "the event is too large");
    sqlite3_stmt *st = stmt(s, Q_EVENT_INSERT, err);
    if (!st)
        return OMB_EIO;
    sq_bind_id(st, 1, ev->complaint_id);
    if (ev->complaint_id)
        sqlite3_bind_int64(st, 2, ev->seq);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_text(st, 3, ev->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ev->type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, ev->at);
    sqlite3_bind_int64(st, 6, ev->actor_user_id);
    sqlite3_bind_int64(st, 7, ev->actor_party_id);
    sqlite3_bind_text(st, 8, payload, (int)payload_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, ev->id);
    return sq_exec_stmt(s, st, err, "event");
}

static int sq_event_list(omb_store *base, int64_t complaint_id, omb_event_cb cb, void *ctx,
                         omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_EVENT_LIST, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_int64(st, 1, complaint_id);
    int rc, out = OMB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        omb_event ev;
        json_error_t jerr;
        json_t *payload = json_loadb((const char *)sqlite3_column_text(st, 8),
                                     (size_t)sqlite3_column_bytes(st, 8), 0, &jerr);
        if (!payload) {
            out = omb_fail(err, OMB_EIO, "storage_error", NULL, "event %lld: bad payload",
                           (long long)sqlite3_column_int64(st, 0));
            break;
        }
        omb_event_init(&ev, (const char *)sqlite3_column_text(st, 4), sqlite3_column_int64(st, 5),
                       sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7), payload);
        ev.id = sqlite3_column_int64(st, 0);
        ev.complaint_id = sqlite3_column_int64(st, 1);
        ev.seq = sqlite3_column_int64(st, 2);
        sq_col_copy(st, 3, ev.subject, sizeof ev.subject);
        out = cb(ctx, &ev);
        omb_event_release(&ev);
        if (out)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE && !out)
        out = sq_db_fail(s, err, "events");
    sq_done(st);
    return out;
}

/* ---- idempotency ------------------------------------------------------- */

static int sq_idem_get(omb_store *base, int64_t user_id, const char *key, omb_idem *out,
                       omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_IDEM_GET, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int res = OMB_OK;
    if (rc == SQLITE_ROW) {
        out->user_id = user_id;
        snprintf(out->key, sizeof out->key, "%s", key);
        memset(out->request_hash, 0, 32);
        if (sqlite3_column_bytes(st, 0) == 32)
            memcpy(out->request_hash, sqlite3_column_blob(st, 0), 32);
        out->status = sqlite3_column_int(st, 1);
        out->response = omb_xstrdup((const char *)sqlite3_column_text(st, 2));
    } else if (rc == SQLITE_DONE) {
        res = OMB_ENOTFOUND;
    } else {
        res = sq_db_fail(s, err, "idempotency");
    }
    sq_done(st);
    return res;
}

static int sq_idem_put(omb_store *base, const omb_idem *in, omb_ms now, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_IDEM_PUT, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_int64(st, 1, in->user_id);
    sqlite3_bind_text(st, 2, in->key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, in->request_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, in->status);
    sqlite3_bind_text(st, 5, in->response ? in->response : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now);
    return sq_exec_stmt(s, st, err, "idempotency");
}

/* ---- attachments ------------------------------------------------------- */

static int sq_attachment_link(omb_store *base, int64_t complaint_id, const omb_attachment *a,
                              omb_ms now, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_ATTACH_INSERT, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_text(st, 1, a->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->size);
    sqlite3_bind_text(st, 3, a->content_type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    int rc = sq_exec_stmt(s, st, err, "attachment");
    if (rc)
        return rc;
    st = stmt(s, Q_ATTACH_LINK, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_text(st, 1, a->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, complaint_id);
    return sq_exec_stmt(s, st, err, "attachment link");
}

static void read_attachment(sqlite3_stmt *st, void *out)
{
    omb_attachment *a = out;
    sq_col_copy(st, 0, a->sha256, sizeof a->sha256);
    a->size = sqlite3_column_int64(st, 1);
    sq_col_copy(st, 2, a->content_type, sizeof a->content_type);
}

static int sq_attachment_visible(omb_store *base, const char *sha256, int64_t viewer,
                                 omb_attachment *out, omb_err *err)
{
    sq_store *s = SQ(base);
    if (viewer) {
        sqlite3_stmt *v = stmt(s, Q_ATTACH_VISIBLE, err);
        if (!v)
            return OMB_EIO;
        sqlite3_bind_text(v, 1, sha256, -1, SQLITE_STATIC);
        sqlite3_bind_int64(v, 2, viewer);
        int rc = sqlite3_step(v);
        sq_done(v);
        if (rc == SQLITE_DONE)
            return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no such attachment");
        if (rc != SQLITE_ROW)
            return sq_db_fail(s, err, "attachment");
    }
    sqlite3_stmt *st = stmt(s, Q_ATTACH_GET, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    return sq_fetch_one(s, st, read_attachment, out, err, "attachment");
}

/* ---- clocks ------------------------------------------------------------ */

static void bind_ms_or_null(sqlite3_stmt *st, int i, omb_ms v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static int sq_clocks_save(omb_store *base, int64_t complaint_id, const omb_clock_row *rows,
                          size_t n, omb_err *err)
{
    sq_store *s = SQ(base);
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = stmt(s, Q_CLOCK_PUT, err);
        if (!st)
            return OMB_EIO;
        const omb_clock_row *r = &rows[i];
        sqlite3_bind_int64(st, 1, complaint_id);
        sqlite3_bind_text(st, 2, r->kind, -1, SQLITE_STATIC);
        sq_bind_id(st, 3, r->lead_party);
        sqlite3_bind_text(st, 4, r->owner, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, r->state, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, r->started_at);
        sqlite3_bind_int64(st, 7, r->due_at);
        bind_ms_or_null(st, 8, r->stopped_at);
        bind_ms_or_null(st, 9, r->next_alert_at);
        int rc = sq_exec_stmt(s, st, err, "clock");
        if (rc)
            return rc;
    }
    return OMB_OK;
}

static int sq_clocks_due(omb_store *base, omb_ms now, int limit, int (*cb)(void *, int64_t, omb_ms),
                         void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = stmt(s, Q_CLOCKS_DUE, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    int rc, out = OMB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((out = cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1))) != OMB_OK)
            break;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out = sq_db_fail(s, err, "due clocks");
    sq_done(st);
    return out;
}

/* The WHERE clause shared by clock listing and figures; binds ?1..?6. */
static void clock_where(omb_buf *q, const omb_clock_filter *f)
{
    if (f->viewer_party)
        omb_buf_puts(q, " JOIN complaints cm ON cm.id = k.complaint_id "
                        "JOIN complaint_parties p ON p.complaint_id = k.complaint_id AND "
                        "p.received_at = cm.received_at AND p.party_id = ?1");
    else
        omb_buf_puts(q, " JOIN complaints cm ON cm.id = k.complaint_id");
    omb_buf_puts(q, " WHERE k.due_at >= ?2 AND k.due_at < ?3");
    if (f->lead_party)
        omb_buf_puts(q, " AND k.lead_party = ?4");
    if (f->kind[0])
        omb_buf_puts(q, " AND k.kind = ?5");
    if (f->open_only)
        omb_buf_puts(q, " AND k.stopped_at IS NULL AND k.state <> 'cancelled'");
    /* Breached as clock.c has it: due at or before now, and not paused. */
    if (f->open_only && f->breached_before)
        omb_buf_puts(q, " AND k.due_at <= ?6 AND k.state <> 'paused'");
}

static void clock_bind(sqlite3_stmt *st, const omb_clock_filter *f)
{
    sqlite3_bind_int64(st, 1, f->viewer_party);
    sqlite3_bind_int64(st, 2, f->due_from);
    sqlite3_bind_int64(st, 3, f->due_to);
    sqlite3_bind_int64(st, 4, f->lead_party);
    sqlite3_bind_text(st, 5, f->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, f->breached_before);
}

static int sq_clocks_list(omb_store *base, const omb_clock_filter *f,
                          int (*cb)(void *, const omb_clock_row *), void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    omb_buf q = OMB_BUF_INIT(2048);
    omb_buf_puts(&q, "SELECT k.complaint_id, cm.no, k.kind, k.lead_party, k.owner, k.state, "
                     "k.started_at, k.due_at, k.stopped_at, k.next_alert_at FROM clocks k");
    clock_where(&q, f);
    omb_buf_puts(&q, " ORDER BY k.due_at, k.complaint_id, k.kind LIMIT ?7");
    sqlite3_stmt *st = NULL;
    int prc = sqlite3_prepare_v2(s->db, omb_buf_str(&q), -1, &st, NULL);
    omb_buf_release(&q);
    if (prc != SQLITE_OK)
        return sq_db_fail(s, err, "clocks");
    clock_bind(st, f);
    sqlite3_bind_int(st, 7, f->limit > 0 ? f->limit : -1);
    int rc, out = OMB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        omb_clock_row r;
        memset(&r, 0, sizeof r);
        r.complaint_id = sqlite3_column_int64(st, 0);
        sq_col_copy(st, 1, r.no, sizeof r.no);
        sq_col_copy(st, 2, r.kind, sizeof r.kind);
        r.lead_party = sqlite3_column_int64(st, 3);
        sq_col_copy(st, 4, r.owner, sizeof r.owner);
        sq_col_copy(st, 5, r.state, sizeof r.state);
        r.started_at = sqlite3_column_int64(st, 6);
        r.due_at = sqlite3_column_int64(st, 7);
        r.stopped_at = sqlite3_column_int64(st, 8);
        r.next_alert_at = sqlite3_column_int64(st, 9);
        if ((out = cb(ctx, &r)) != OMB_OK)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out = sq_db_fail(s, err, "clocks");
    sqlite3_finalize(st);
    return out;
}

static int sq_clocks_stats(omb_store *base, const omb_clock_filter *f, omb_ms now,
                           int (*cb)(void *, const omb_clock_stats *), void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    omb_buf q = OMB_BUF_INIT(2048);
    /* ?8 is now: a clock still counting past its due time is breached, unless it is
     * paused (its due time moves on while the pause lasts). */
    omb_buf_puts(&q, "SELECT k.kind, k.lead_party, count(*), "
                     "sum(k.state = 'met'), sum(k.state = 'met_late'), "
                     "sum(k.stopped_at IS NULL AND k.state NOT IN ('cancelled', 'paused') AND "
                     "k.due_at <= ?8), "
                     "sum(k.stopped_at IS NULL AND k.state <> 'cancelled' AND "
                     "(k.state = 'paused' OR k.due_at > ?8)), "
                     "sum(k.state = 'cancelled') FROM clocks k");
    clock_where(&q, f);
    omb_buf_puts(&q, " AND k.owner = 'institution' GROUP BY k.kind, k.lead_party "
                     "ORDER BY k.kind, k.lead_party");
    sqlite3_stmt *st = NULL;
    int prc = sqlite3_prepare_v2(s->db, omb_buf_str(&q), -1, &st, NULL);
    omb_buf_release(&q);
    if (prc != SQLITE_OK)
        return sq_db_fail(s, err, "clock figures");
    clock_bind(st, f);
    sqlite3_bind_int64(st, 8, now);
    int rc, out = OMB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        omb_clock_stats x;
        memset(&x, 0, sizeof x);
        sq_col_copy(st, 0, x.kind, sizeof x.kind);
        x.lead_party = sqlite3_column_int64(st, 1);
        x.total = sqlite3_column_int64(st, 2);
        x.met = sqlite3_column_int64(st, 3);
        x.met_late = sqlite3_column_int64(st, 4);
        x.breached = sqlite3_column_int64(st, 5);
        x.counting = sqlite3_column_int64(st, 6);
        x.cancelled = sqlite3_column_int64(st, 7);
        if ((out = cb(ctx, &x)) != OMB_OK)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out = sq_db_fail(s, err, "clock figures");
    sqlite3_finalize(st);
    return out;
}

/* The entries retired in version 6 (store.h): an app that still calls them
 * was built for an older interface. */
static int retired(omb_err *err)
{
    return omb_fail(err, OMB_EINVAL, "internal", NULL,
                    "this entry of the storage interface was retired in version 6");
}

static int sq_retired_event_append(omb_store *s, omb_event *ev, omb_err *err)
{
    return retired(err);
}

static int sq_retired_ledger_entry(omb_store *s, int64_t complaint_id, int64_t seq, uint64_t *leaf,
                                   omb_buf *bytes, omb_err *err)
{
    return retired(err);
}

const omb_store_vtab omb_store_sqlite = {
    .version = OMB_STORE_VERSION,
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .commit_lazy = sq_commit_lazy,
    .sync = sq_sync,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .release = sq_release,
    .rollback_to = sq_rollback_to,
    .meta_get = sq_meta_get,
    .meta_set = sq_meta_set,
    .party_insert = sq_party_insert,
    .party_get = sq_party_get,
    .party_by_code = sq_party_by_code,
    .party_list = sq_party_list,
    .user_insert = sq_user_insert,
    .user_get = sq_user_get,
    .user_by_username = sq_user_by_username,
    .user_list = sq_user_list,
    .product_insert = sq_product_insert,
    .product_get = sq_product_get,
    .product_list = sq_product_list,
    .cooperation_insert = sq_coop_insert,
    .cooperation_get = sq_coop_get,
    .cooperation_by_product = sq_coop_by_product,
    .cooperation_list = sq_coop_list,
    .token_insert = sq_token_insert,
    .token_lookup = sq_token_lookup,
    .token_revoke = sq_token_revoke,
    .complaint_next_seq = sq_next_seq,
    .complaint_save = sq_complaint_save,
    .complaint_load = sq_complaint_load,
    .complaint_doc = sq_complaint_doc,
    .complaint_list = sq_complaint_list,
    .complaint_count = sq_complaint_count,
    .retired_event_append = sq_retired_event_append,
    .event_list = sq_event_list,
    .idem_get = sq_idem_get,
    .idem_put = sq_idem_put,
    .attachment_link = sq_attachment_link,
    .attachment_visible = sq_attachment_visible,
    .clocks_save = sq_clocks_save,
    .clocks_due = sq_clocks_due,
    .clocks_list = sq_clocks_list,
    .clocks_stats = sq_clocks_stats,
    .complaint_load_id = sq_complaint_load_id,
    .user_set_duty = sq_user_set_duty,
    .agent_load = sq_agent_load,
    .tasks_save = sq_tasks_save,
    .tasks_due = sq_tasks_due,
    .tasks_list = sq_tasks_list,
    .pii_index_put = sq_pii_index_put,
    .pii_index_find = sq_pii_index_find,
    .webhook_insert = sq_webhook_insert,
    .webhook_get = sq_webhook_get,
    .webhook_list = sq_webhook_list,
    .webhook_set_active = sq_webhook_set_active,
    .outbox_add = sq_outbox_add,
    .outbox_due = sq_outbox_due,
    .outbox_result = sq_outbox_result,
    .outbox_list = sq_outbox_list,
    .outbox_next_at = sq_outbox_next_at,
    .events_since = sq_events_since,
    .settlements_save = sq_settlements_save,
    .settlements_list = sq_settlements_list,
    .ledger_size = sq_ledger_size,
    .ledger_node = sq_ledger_node,
    .retired_ledger_entry = sq_retired_ledger_entry,
    .head_put = sq_head_put,
    .head_get = sq_head_get,
    .heads_list = sq_heads_list,
    .witness_put = sq_witness_put,
    .witness_get = sq_witness_get,
    .witness_list = sq_witness_list,
    .cosignature_put = sq_cosignature_put,
    .cosignatures_list = sq_cosignatures_list,
    .cursor_open = sq_cursor_open,
    .cursor_next = sq_cursor_next,
    .cursor_close = sq_cursor_close,
    .event_restrict = sq_event_restrict,
    .event_restricted_to = sq_event_restricted_to,
    .attachment_link_for = sq_attachment_link_for,
    .user_set_active = sq_user_set_active,
    .user_tokens_revoke = sq_user_tokens_revoke,
    .users_active_count = sq_users_active_count,
    .event_insert = sq_event_insert,
    .ledger_insert = sq_ledger_insert,
    .event_last_id = sq_event_last_id,
    .event_entry = sq_event_entry,
    .others_committed = sq_others_committed,
    .oldest = 6,
    .view_insert = sq_view_insert,
    .view_get = sq_view_get,
    .view_update = sq_view_update,
    .view_delete = sq_view_delete,
    .view_list = sq_view_list,
    .view_count = sq_view_count,
    .pii_reads_list = sq_pii_reads_list,
    .complaint_stats = sq_complaint_stats,
};
