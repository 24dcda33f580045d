/*
 * sqlite_int.h - what the files of the SQLite backend share: the
 * connection struct with its cache of prepared statements, and the small
 * helpers every query uses (binding, copying columns, stepping, errors).
 * Only src/store/sqlite*.c include it.
 */
#ifndef OMB_SQLITE_INT_H
#define OMB_SQLITE_INT_H

#include "store.h"

#include <sqlite3.h>

#define SQ_CORE_SLOTS   64 /* statements of sqlite.c */
#define SQ_MORE_SLOTS   48 /* statements of sqlite_link.c */
#define SQ_LEDGER_SLOTS 24 /* statements of sqlite_ledger.c */
#define SQ_VIEW_SLOTS   8  /* statements of sqlite_views.c */

/* What the writing connection remembers between statements so that it
 * need not read it back.  Every rollback forgets it, and so does a BEGIN
 * that finds another connection has committed since (PRAGMA data_version):
 * it never outlives the rows it mirrors. */
typedef struct sq_memo {
    bool valid;
    int64_t data_version;
    int32_t day;   /* the day counter last handed out, 0 for none */
    int64_t day_n; /* and its value */
} sq_memo;

typedef struct sq_wal sq_wal;

typedef struct sq_store {
    omb_store base;
    sqlite3 *db;
    sqlite3_stmt *stmts[SQ_CORE_SLOTS];
    sqlite3_stmt *more[SQ_MORE_SLOTS];
    sqlite3_stmt *ledger[SQ_LEDGER_SLOTS];
    sqlite3_stmt *views[SQ_VIEW_SLOTS];
    sq_memo memo;
    bool version_known;    /* memo.data_version has been read */
    bool others_committed; /* another connection committed before the last BEGIN */
    sq_wal *wal;           /* lazy commits and the checkpointer (sqlite_wal.c), or NULL */
} sq_store;

static inline sq_store *SQ(omb_store *s)
{
    return (sq_store *)s;
}

/* The memo is trusted only inside a transaction begun by sq_begin. */
static inline bool sq_memo_usable(const sq_store *s)
{
    return s->memo.valid && !sqlite3_get_autocommit(s->db);
}

typedef void (*row_reader)(sqlite3_stmt *st, void *out);

/* The statement cached in *slot, prepared from sql on first use. */
sqlite3_stmt *sq_prepared(sq_store *s, sqlite3_stmt **slot, const char *sql, omb_err *err);
/* Resets a statement and clears its bindings. */
void sq_done(sqlite3_stmt *st);
/* Maps the connection's last error to an OMB_* code and fills err. */
int sq_db_fail(sq_store *s, omb_err *err, const char *what);
/* Binds text, or NULL for NULL and "". */
void sq_bind_text(sqlite3_stmt *st, int i, const char *v);
/* Binds an id, or NULL for 0. */
void sq_bind_id(sqlite3_stmt *st, int i, int64_t v);
/* Copies a text column (NULL becomes ""), truncating to cap. */
void sq_col_copy(sqlite3_stmt *st, int i, char *dst, size_t cap);
/* Runs a statement that returns no rows; resets it either way. */
int sq_exec_stmt(sq_store *s, sqlite3_stmt *st, omb_err *err, const char *what);
/* Steps a bound statement expecting at most one row (OMB_ENOTFOUND for none). */
int sq_fetch_one(sq_store *s, sqlite3_stmt *st, row_reader read, void *out, omb_err *err,
                 const char *what);
/* Steps a bound statement over all rows, calling read then cb for each. */
int sq_fetch_all(sq_store *s, sqlite3_stmt *st, row_reader read, void *row,
                 int (*cb)(void *, const void *), void *ctx, omb_err *err, const char *what);
int64_t sq_last_id(sq_store *s);
/* A row_reader of one integer column into an int64_t. */
void sq_read_int64(sqlite3_stmt *st, void *out);

/* sqlite_reads.c: the log of personal-data reads and the dashboard's counts. */
int sq_pii_reads_list(omb_store *base, const omb_pii_read_filter *f,
                      int (*cb)(void *, const omb_pii_read_row *), void *ctx, omb_err *err);
int sq_complaint_stats(omb_store *base, const omb_stats_filter *f,
                       int (*cb)(void *, const omb_stats_row *), void *ctx, omb_err *err);

/* sqlite_wal.c: lazy commits (OMB_STORE_LAZY_COMMIT).  Start once the
 * connection has read the database; stop before closing it. */
int sq_wal_start(sq_store *s, omb_err *err);
void sq_wal_stop(sq_store *s);
int sq_sync(omb_store *s, omb_err *err);

/* sqlite_link.c: users on duty, loads, tasks, blind indexes, webhooks, the
 * outbox, the event feed and settlements (see store.h). */
int sq_user_set_duty(omb_store *s, int64_t user_id, bool on_duty, omb_err *err);
int sq_agent_load(omb_store *s, int64_t user_id, int64_t *open, omb_err *err);
int sq_tasks_save(omb_store *s, int64_t complaint_id, const omb_task_row *rows, size_t n,
                  omb_err *err);
int sq_tasks_due(omb_store *s, omb_ms now, int limit, int (*cb)(void *, int64_t, omb_ms), void *ctx,
                 omb_err *err);
int sq_tasks_list(omb_store *s, const omb_task_filter *f, int (*cb)(void *, const omb_task_row *),
                  void *ctx, omb_err *err);
int sq_pii_index_put(omb_store *s, const char *kind, const unsigned char blind[OMB_BLIND_LEN],
                     int64_t complaint_id, omb_err *err);
int sq_pii_index_find(omb_store *s, const char *kind, const unsigned char blind[OMB_BLIND_LEN],
                      int64_t viewer_party, int limit,
                      int (*cb)(void *, int64_t complaint_id, const char *no), void *ctx,
                      omb_err *err);
int sq_webhook_insert(omb_store *s, omb_webhook *w, omb_err *err);
int sq_webhook_get(omb_store *s, int64_t id, omb_webhook *out, omb_err *err);
int sq_webhook_list(omb_store *s, int64_t party_id, int (*cb)(void *, const omb_webhook *),
                    void *ctx, omb_err *err);
int sq_webhook_set_active(omb_store *s, int64_t id, bool active, omb_err *err);
int sq_outbox_add(omb_store *s, int64_t webhook_id, int64_t complaint_id, int64_t event_id,
                  omb_ms now, omb_err *err);
int sq_outbox_due(omb_store *s, omb_ms now, int limit, int (*cb)(void *, const omb_outbox_row *),
                  void *ctx, omb_err *err);
int sq_outbox_result(omb_store *s, int64_t id, bool delivered, int status, const char *error,
                     omb_ms next_at, omb_ms now, omb_err *err);
int sq_outbox_list(omb_store *s, int64_t webhook_id, const char *state, int64_t after_id, int limit,
                   int (*cb)(void *, const omb_outbox_row *), void *ctx, omb_err *err);
int sq_outbox_next_at(omb_store *s, omb_ms *next, omb_err *err);
int sq_events_since(omb_store *s, int64_t after_id, int64_t viewer_party, int limit,
                    int (*cb)(void *, const omb_feed_row *), void *ctx, omb_err *err);
int sq_settlements_save(omb_store *s, int64_t complaint_id, const omb_settlement_row *rows,
                        size_t n, omb_err *err);
int sq_settlements_list(omb_store *s, const omb_settlement_filter *f,
                        int (*cb)(void *, const omb_settlement_row *), void *ctx, omb_err *err);
int sq_user_set_active(omb_store *s, int64_t user_id, bool active, omb_err *err);
int sq_user_tokens_revoke(omb_store *s, int64_t user_id, omb_ms now, int64_t *count, omb_err *err);
int sq_users_active_count(omb_store *s, const char *party_kind, enum omb_role role, int64_t *count,
                          omb_err *err);

/* sqlite_migrate.c: the numbered schema migrations.  sq_migrate refuses a
 * database newer than the last migration and, if apply_missing, applies
 * the ones it lacks, each in its own transaction. */
int sq_migrate(sq_store *s, bool apply_missing, omb_err *err);

/* sqlite_ledger.c: the evidence ledger's rows (see store.h). */
int sq_ledger_insert(omb_store *s, const omb_ledger_row *row, omb_err *err);
int sq_ledger_size(omb_store *s, uint64_t *size, omb_err *err);
int sq_ledger_node(omb_store *s, unsigned level, uint64_t index, omb_hash out, omb_err *err);
int sq_event_last_id(omb_store *s, int64_t *id, omb_err *err);
int sq_event_entry(omb_store *s, int64_t complaint_id, int64_t seq,
                   int (*cb)(void *, const omb_ledger_event *), void *ctx, omb_err *err);
int sq_head_put(omb_store *s, const omb_tree_head *h, omb_err *err);
int sq_head_get(omb_store *s, uint64_t size, omb_tree_head *out, omb_err *err);
int sq_heads_list(omb_store *s, uint64_t after, int limit, int (*cb)(void *, const omb_tree_head *),
                  void *ctx, omb_err *err);
int sq_witness_put(omb_store *s, const omb_witness *w, omb_err *err);
int sq_witness_get(omb_store *s, int64_t party_id, omb_witness *out, omb_err *err);
int sq_witness_list(omb_store *s, int (*cb)(void *, const omb_witness *), void *ctx, omb_err *err);
int sq_cosignature_put(omb_store *s, const omb_cosignature *c, omb_err *err);
int sq_cosignatures_list(omb_store *s, uint64_t size, int (*cb)(void *, const omb_cosignature *),
                         void *ctx, omb_err *err);
int sq_cursor_open(omb_store *s, enum omb_cursor_kind kind, omb_cursor **out, omb_err *err);
int sq_cursor_next(omb_cursor *c, void *row, omb_err *err);
void sq_cursor_close(omb_cursor *c);

/* sqlite_vis.c: note and attachment visibility (see store.h). */
int sq_event_restrict(omb_store *s, int64_t event_id, int64_t party_id, omb_err *err);
int sq_event_restricted_to(omb_store *s, int64_t event_id, int64_t *party_id, omb_err *err);
int sq_attachment_link_for(omb_store *s, int64_t complaint_id, const omb_attachment *a, omb_ms now,
                           int64_t party_id, omb_err *err);

/* sqlite_views.c: users' saved views (see store.h). */
int sq_view_insert(omb_store *s, omb_view *v, omb_err *err);
int sq_view_get(omb_store *s, int64_t user_id, int64_t id, omb_view *out, omb_err *err);
int sq_view_update(omb_store *s, const omb_view *v, omb_err *err);
int sq_view_delete(omb_store *s, int64_t user_id, int64_t id, omb_err *err);
int sq_view_list(omb_store *s, int64_t user_id, int (*cb)(void *, const omb_view *), void *ctx,
                 omb_err *err);
int sq_view_count(omb_store *s, int64_t user_id, int64_t *count, omb_err *err);

#endif
