/*
 * sqlite_link.c - the SQLite side of multi-party linkage: users on duty and
 * their loads, the tasks projection, blind indexes of personal data,
 * webhooks and their outbox, the event feed for live screens, and
 * settlements.  Same conventions as sqlite.c: every statement is prepared
 * once per connection from the table below, every call returns an OMB_*
 * code.
 */
#include "sqlite_int.h"

#include <stdio.h>
#include <string.h>

enum link_stmt {
    L_USER_DUTY,
    L_AGENT_LOAD,
    L_TASKS_CLEAR,
    L_TASK_PUT,
    L_TASKS_DUE,
    L_TASKS_LIST,
    L_PII_PUT,
    L_PII_FIND,
    L_WEBHOOK_INSERT,
    L_WEBHOOK_GET,
    L_WEBHOOK_LIST,
    L_WEBHOOK_LIST_ALL,
    L_WEBHOOK_ACTIVE,
    L_OUTBOX_ADD,
    L_OUTBOX_DUE,
    L_OUTBOX_RESULT,
    L_OUTBOX_LIST,
    L_OUTBOX_NEXT,
    L_EVENTS_SINCE,
    L_SETTLE_SUPERSEDE,
    L_SETTLE_PUT,
    L_SETTLE_LIST,
    L_USER_ACTIVE,
    L_USER_TOKENS_REVOKE,
    L_USERS_ACTIVE_COUNT,
    L__COUNT
};

_Static_assert(L__COUNT <= SQ_MORE_SLOTS, "raise SQ_MORE_SLOTS");

#define OPEN_STATES "('closed','rejected','withdrawn','merged')"
#define VISIBLE_TO(party_param, cid, received)                                                     \
    "(" party_param                                                                                \
    " = 0 OR EXISTS (SELECT 1 FROM complaint_parties cp WHERE cp.party_id = " party_param          \
    " AND cp.received_at = " received " AND cp.complaint_id = " cid "))"

static const char *const link_sql[L__COUNT] = {
    [L_USER_DUTY] = "UPDATE users SET on_duty = ?2 WHERE id = ?1",
    [L_AGENT_LOAD] = "SELECT open FROM agent_load WHERE user_id = ?1",
    [L_TASKS_CLEAR] = "DELETE FROM tasks WHERE complaint_id = ?1",
    [L_TASK_PUT] = "INSERT INTO tasks(complaint_id, kind, n, from_party, to_party, state, "
                   "opened_at, due_at, closed_at, next_alert_at) "
                   "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
    [L_TASKS_DUE] = "SELECT complaint_id, next_alert_at FROM tasks "
                    "WHERE next_alert_at IS NOT NULL AND next_alert_at <= ?1 "
                    "ORDER BY next_alert_at LIMIT ?2",
    [L_TASKS_LIST] =
        "SELECT t.complaint_id, c.no, t.kind, t.n, t.from_party, t.to_party, t.state, "
        "t.opened_at, t.due_at, t.closed_at, t.next_alert_at FROM tasks t "
        "JOIN complaints c ON c.id = t.complaint_id "
        "WHERE (?1 = 0 OR (?2 IN (0, 1) AND t.to_party = ?1) OR (?2 IN (0, 2) AND "
        "t.from_party = ?1)) AND (?3 IS NULL OR t.kind = ?3) AND (?4 IS NULL OR t.state = ?4) "
        "ORDER BY t.due_at, t.complaint_id, t.n LIMIT ?5",
    [L_PII_PUT] = "INSERT OR IGNORE INTO pii_index(kind, blind, complaint_id) VALUES (?1,?2,?3)",
    [L_PII_FIND] = "SELECT p.complaint_id, c.no FROM pii_index p "
                   "JOIN complaints c ON c.id = p.complaint_id "
                   "WHERE p.kind = ?1 AND p.blind = ?2 AND " VISIBLE_TO(
                       "?3", "c.id", "c.received_at") " ORDER BY p.complaint_id DESC LIMIT ?4",
    [L_WEBHOOK_INSERT] = "INSERT INTO webhooks(party_id, url, events, secret, active, "
                         "created_at, created_by) VALUES (?1,?2,?3,?4,?5,?6,?7)",
    [L_WEBHOOK_GET] = "SELECT id, party_id, url, events, secret, active, created_at, created_by "
                      "FROM webhooks WHERE id = ?1",
    [L_WEBHOOK_LIST] = "SELECT id, party_id, url, events, secret, active, created_at, "
                       "created_by FROM webhooks WHERE party_id = ?1 ORDER BY id",
    [L_WEBHOOK_LIST_ALL] = "SELECT id, party_id, url, events, secret, active, created_at, "
                           "created_by FROM webhooks ORDER BY id",
    [L_WEBHOOK_ACTIVE] = "UPDATE webhooks SET active = ?2 WHERE id = ?1",
    [L_OUTBOX_ADD] = "INSERT INTO outbox(webhook_id, complaint_id, event_id, next_at, created_at) "
                     "VALUES (?1,?2,?3,?4,?4)",
    [L_OUTBOX_DUE] =
        "SELECT o.id, o.webhook_id, o.complaint_id, o.event_id, o.state, o.attempts, o.next_at, "
        "o.delivered_at, o.created_at, o.last_status, o.last_error, c.no, e.seq, e.type, e.at, "
        "e.actor_user, e.actor_party, e.payload FROM outbox o "
        "JOIN events e ON e.id = o.event_id JOIN complaints c ON c.id = o.complaint_id "
        "WHERE o.state = 'pending' AND o.next_at <= ?1 "
        "AND o.webhook_id IN (SELECT id FROM webhooks WHERE active = 1) "
        "AND NOT EXISTS (SELECT 1 FROM outbox p "
        "WHERE p.state = 'pending' AND p.webhook_id = o.webhook_id AND "
        "p.complaint_id = o.complaint_id AND p.id < o.id) ORDER BY o.id LIMIT ?2",
    [L_OUTBOX_RESULT] = "UPDATE outbox SET state = ?2, attempts = attempts + 1, next_at = ?3, "
                        "last_status = ?4, last_error = ?5, delivered_at = ?6 WHERE id = ?1 "
                        "AND state = 'pending'",
    [L_OUTBOX_LIST] =
        "SELECT o.id, o.webhook_id, o.complaint_id, o.event_id, o.state, o.attempts, o.next_at, "
        "o.delivered_at, o.created_at, o.last_status, o.last_error, c.no, e.seq, e.type, e.at, "
        "e.actor_user, e.actor_party, NULL FROM outbox o "
        "JOIN events e ON e.id = o.event_id JOIN complaints c ON c.id = o.complaint_id "
        "WHERE o.webhook_id = ?1 AND (?2 IS NULL OR o.state = ?2) AND o.id > ?3 "
        "ORDER BY o.id LIMIT ?4",
    [L_OUTBOX_NEXT] =
        "SELECT min(o.next_at) FROM outbox o WHERE o.state = 'pending' "
        "AND o.webhook_id IN (SELECT id FROM webhooks WHERE active = 1) "
        "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.state = 'pending' AND "
        "p.webhook_id = o.webhook_id AND p.complaint_id = o.complaint_id AND p.id < o.id)",
    [L_EVENTS_SINCE] =
        "SELECT e.id, e.complaint_id, e.seq, c.no, e.type, e.at, e.actor_user, e.actor_party, "
        "c.lead_party FROM events e JOIN complaints c ON c.id = e.complaint_id "
        "WHERE e.id > ?1 AND e.complaint_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
        "event_visibility v WHERE v.event_id = e.id AND v.party_id <> ?2) AND " VISIBLE_TO(
            "?2", "c.id", "c.received_at") " ORDER BY e.id LIMIT ?3",
    [L_SETTLE_SUPERSEDE] = "UPDATE settlements SET state = 'superseded' "
                           "WHERE complaint_id = ?1 AND state = 'due'",
    [L_SETTLE_PUT] = "INSERT OR REPLACE INTO settlements(complaint_id, decision, party_id, role, "
                     "share_bp, weight, amount_fen, state, decided_at) "
                     "VALUES (?1,?2,?3,?4,?5,?6,?7,'due',?8)",
    [L_SETTLE_LIST] =
        "SELECT s.complaint_id, c.no, s.decision, s.party_id, s.role, s.share_bp, s.weight, "
        "s.amount_fen, s.state, s.decided_at FROM settlements s "
        "JOIN complaints c ON c.id = s.complaint_id "
        "WHERE (?1 = 0 OR s.party_id = ?1) AND s.decided_at >= ?2 AND s.decided_at < ?3 "
        "AND (?4 = 1 OR s.state = 'due') ORDER BY s.decided_at, s.complaint_id, s.party_id "
        "LIMIT ?5",
    [L_USER_ACTIVE] = "UPDATE users SET active = ?2 WHERE id = ?1",
    [L_USER_TOKENS_REVOKE] = "UPDATE tokens SET revoked_at = ?2 "
                             "WHERE user_id = ?1 AND revoked_at IS NULL",
    [L_USERS_ACTIVE_COUNT] = "SELECT count(*) FROM users u JOIN parties p ON p.id = u.party_id "
                             "WHERE u.active = 1 AND u.role = ?1 AND p.kind = ?2",
};

static sqlite3_stmt *lstmt(sq_store *s, enum link_stmt id, omb_err *err)
{
    return sq_prepared(s, &s->more[id], link_sql[id], err);
}

#define LSTMT_OR_FAIL(st, s, id, err)                                                              \
    sqlite3_stmt *st = lstmt(s, id, err);                                                          \
    if (!st)                                                                                       \
        return OMB_EIO;

/* ---- users on duty, loads ---------------------------------------------- */

int sq_user_set_duty(omb_store *base, int64_t user_id, bool on_duty, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_USER_DUTY, err);
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int(st, 2, on_duty ? 1 : 0);
    int rc = sq_exec_stmt(s, st, err, "user duty");
    if (!rc && sqlite3_changes(s->db) == 0)
        rc = omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no user %lld", (long long)user_id);
    return rc;
}

int sq_agent_load(omb_store *base, int64_t user_id, int64_t *open, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_AGENT_LOAD, err);
    sqlite3_bind_int64(st, 1, user_id);
    *open = 0;
    int rc = sq_fetch_one(s, st, sq_read_int64, open, err, "agent load");
    return rc == OMB_ENOTFOUND ? OMB_OK : rc;
}

/* ---- tasks ------------------------------------------------------------- */

int sq_tasks_save(omb_store *base, int64_t complaint_id, const omb_task_row *rows, size_t n,
                  omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(clear, s, L_TASKS_CLEAR, err);
    sqlite3_bind_int64(clear, 1, complaint_id);
    int rc = sq_exec_stmt(s, clear, err, "tasks");
    for (size_t i = 0; !rc && i < n; i++) {
        LSTMT_OR_FAIL(st, s, L_TASK_PUT, err);
        const omb_task_row *t = &rows[i];
        sqlite3_bind_int64(st, 1, complaint_id);
        sqlite3_bind_text(st, 2, t->kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, t->n);
        sqlite3_bind_int64(st, 4, t->from_party);
        sqlite3_bind_int64(st, 5, t->to_party);
        sqlite3_bind_text(st, 6, t->state, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, t->opened_at);
        sqlite3_bind_int64(st, 8, t->due_at);
        sq_bind_id(st, 9, t->closed_at);
        sq_bind_id(st, 10, t->next_alert_at);
        rc = sq_exec_stmt(s, st, err, "task");
    }
    return rc;
}

int sq_tasks_due(omb_store *base, omb_ms now, int limit, int (*cb)(void *, int64_t, omb_ms),
                 void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_TASKS_DUE, err);
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    int rc, out = OMB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((out = cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1))) != OMB_OK)
            break;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out = sq_db_fail(s, err, "tasks due");
    sq_done(st);
    return out;
}

static void read_task(sqlite3_stmt *st, void *out)
{
    omb_task_row *t = out;
    t->complaint_id = sqlite3_column_int64(st, 0);
    sq_col_copy(st, 1, t->no, sizeof t->no);
    sq_col_copy(st, 2, t->kind, sizeof t->kind);
    t->n = sqlite3_column_int64(st, 3);
    t->from_party = sqlite3_column_int64(st, 4);
    t->to_party = sqlite3_column_int64(st, 5);
    sq_col_copy(st, 6, t->state, sizeof t->state);
    t->opened_at = sqlite3_column_int64(st, 7);
    t->due_at = sqlite3_column_int64(st, 8);
    t->closed_at = sqlite3_column_int64(st, 9);
    t->next_alert_at = sqlite3_column_int64(st, 10);
}

int sq_tasks_list(omb_store *base, const omb_task_filter *f,
                  int (*cb)(void *, const omb_task_row *), void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_TASKS_LIST, err);
    sqlite3_bind_int64(st, 1, f->party);
    sqlite3_bind_int(st, 2, f->direction);
    sq_bind_text(st, 3, f->kind);
    sq_bind_text(st, 4, f->state);
    sqlite3_bind_int(st, 5, f->limit > 0 ? f->limit : 100);
    omb_task_row row;
    return sq_fetch_all(s, st, read_task, &row, (int (*)(void *, const void *))cb, ctx, err,
                        "tasks");
}

/* ---- blind indexes ----------------------------------------------------- */

int sq_pii_index_put(omb_store *base, const char *kind, const unsigned char blind[OMB_BLIND_LEN],
                     int64_t complaint_id, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_PII_PUT, err);
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, blind, OMB_BLIND_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, complaint_id);
    return sq_exec_stmt(s, st, err, "blind index");
}

int sq_pii_index_find(omb_store *base, const char *kind, const unsigned char blind[OMB_BLIND_LEN],
                      int64_t viewer_party, int limit, int (*cb)(void *, int64_t, const char *),
                      void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_PII_FIND, err);
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, blind, OMB_BLIND_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, viewer_party);
    sqlite3_bind_int(st, 4, limit);
    int rc, out = OMB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((out = cb(ctx, sqlite3_column_int64(st, 0),
                      (const char *)sqlite3_column_text(st, 1))) != OMB_OK)
            break;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out = sq_db_fail(s, err, "blind index");
    sq_done(st);
    return out;
}

/* ---- webhooks ---------------------------------------------------------- */

static void read_webhook(sqlite3_stmt *st, void *out)
{
    omb_webhook *w = out;
    w->id = sqlite3_column_int64(st, 0);
    w->party_id = sqlite3_column_int64(st, 1);
    sq_col_copy(st, 2, w->url, sizeof w->url);
    sq_col_copy(st, 3, w->events, sizeof w->events);
    sq_col_copy(st, 4, w->secret, sizeof w->secret);
    w->active = sqlite3_column_int(st, 5) != 0;
    w->created_at = sqlite3_column_int64(st, 6);
    w->created_by = sqlite3_column_int64(st, 7);
}

int sq_webhook_insert(omb_store *base, omb_webhook *w, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_WEBHOOK_INSERT, err);
    sqlite3_bind_int64(st, 1, w->party_id);
    sqlite3_bind_text(st, 2, w->url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, w->events, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, w->secret, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, w->active ? 1 : 0);
    sqlite3_bind_int64(st, 6, w->created_at);
    sqlite3_bind_int64(st, 7, w->created_by);
    int rc = sq_exec_stmt(s, st, err, "webhook");
    if (!rc)
        w->id = sq_last_id(s);
    return rc;
}

int sq_webhook_get(omb_store *base, int64_t id, omb_webhook *out, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_WEBHOOK_GET, err);
    sqlite3_bind_int64(st, 1, id);
    return sq_fetch_one(s, st, read_webhook, out, err, "webhook");
}

int sq_webhook_list(omb_store *base, int64_t party_id, int (*cb)(void *, const omb_webhook *),
                    void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, party_id ? L_WEBHOOK_LIST : L_WEBHOOK_LIST_ALL, err);
    if (party_id)
        sqlite3_bind_int64(st, 1, party_id);
    omb_webhook row;
    return sq_fetch_all(s, st, read_webhook, &row, (int (*)(void *, const void *))cb, ctx, err,
                        "webhooks");
}

int sq_webhook_set_active(omb_store *base, int64_t id, bool active, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_WEBHOOK_ACTIVE, err);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, active ? 1 : 0);
    int rc = sq_exec_stmt(s, st, err, "webhook");
    if (!rc && sqlite3_changes(s->db) == 0)
        rc = omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no webhook %lld", (long long)id);
    return rc;
}

/* ---- the outbox -------------------------------------------------------- */

int sq_outbox_add(omb_store *base, int64_t webhook_id, int64_t complaint_id, int64_t event_id,
                  omb_ms now, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_OUTBOX_ADD, err);
    sqlite3_bind_int64(st, 1, webhook_id);
    sqlite3_bind_int64(st, 2, complaint_id);
    sqlite3_bind_int64(st, 3, event_id);
    sqlite3_bind_int64(st, 4, now);
    return sq_exec_stmt(s, st, err, "outbox");
}

static void read_outbox(sqlite3_stmt *st, void *out)
{
    omb_outbox_row *o = out;
    o->id = sqlite3_column_int64(st, 0);
    o->webhook_id = sqlite3_column_int64(st, 1);
    o->complaint_id = sqlite3_column_int64(st, 2);
    o->event_id = sqlite3_column_int64(st, 3);
    sq_col_copy(st, 4, o->state, sizeof o->state);
    o->attempts = sqlite3_column_int(st, 5);
    o->next_at = sqlite3_column_int64(st, 6);
    o->delivered_at = sqlite3_column_int64(st, 7);
    o->created_at = sqlite3_column_int64(st, 8);
    o->last_status = sqlite3_column_int(st, 9);
    sq_col_copy(st, 10, o->last_error, sizeof o->last_error);
    sq_col_copy(st, 11, o->no, sizeof o->no);
    o->seq = sqlite3_column_int64(st, 12);
    sq_col_copy(st, 13, o->type, sizeof o->type);
    o->at = sqlite3_column_int64(st, 14);
    o->actor_user = sqlite3_column_int64(st, 15);
    o->actor_party = sqlite3_column_int64(st, 16);
    o->payload = (const char *)sqlite3_column_text(st, 17);
    o->payload_len = (size_t)sqlite3_column_bytes(st, 17);
}

int sq_outbox_due(omb_store *base, omb_ms now, int limit, int (*cb)(void *, const omb_outbox_row *),
                  void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_OUTBOX_DUE, err);
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    omb_outbox_row row;
    return sq_fetch_all(s, st, read_outbox, &row, (int (*)(void *, const void *))cb, ctx, err,
                        "outbox");
}

int sq_outbox_result(omb_store *base, int64_t id, bool delivered, int status, const char *error,
                     omb_ms next_at, omb_ms now, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_OUTBOX_RESULT, err);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, delivered ? "delivered" : "pending", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, next_at);
    sq_bind_id(st, 4, status);
    sq_bind_text(st, 5, error);
    sq_bind_id(st, 6, delivered ? now : 0);
    return sq_exec_stmt(s, st, err, "outbox");
}

int sq_outbox_list(omb_store *base, int64_t webhook_id, const char *state, int64_t after_id,
                   int limit, int (*cb)(void *, const omb_outbox_row *), void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_OUTBOX_LIST, err);
    sqlite3_bind_int64(st, 1, webhook_id);
    sq_bind_text(st, 2, state);
    sqlite3_bind_int64(st, 3, after_id);
    sqlite3_bind_int(st, 4, limit);
    omb_outbox_row row;
    return sq_fetch_all(s, st, read_outbox, &row, (int (*)(void *, const void *))cb, ctx, err,
                        "deliveries");
}

int sq_outbox_next_at(omb_store *base, omb_ms *next, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_OUTBOX_NEXT, err);
    *next = 0;
    return sq_fetch_one(s, st, sq_read_int64, next, err, "outbox");
}

/* ---- the event feed ---------------------------------------------------- */

static void read_feed(sqlite3_stmt *st, void *out)
{
    omb_feed_row *f = out;
    f->id = sqlite3_column_int64(st, 0);
    f->complaint_id = sqlite3_column_int64(st, 1);
    f->seq = sqlite3_column_int64(st, 2);
    sq_col_copy(st, 3, f->no, sizeof f->no);
    sq_col_copy(st, 4, f->type, sizeof f->type);
    f->at = sqlite3_column_int64(st, 5);
    f->actor_user = sqlite3_column_int64(st, 6);
    f->actor_party = sqlite3_column_int64(st, 7);
    f->lead_party = sqlite3_column_int64(st, 8);
}

int sq_events_since(omb_store *base, int64_t after_id, int64_t viewer_party, int limit,
                    int (*cb)(void *, const omb_feed_row *), void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_EVENTS_SINCE, err);
    sqlite3_bind_int64(st, 1, after_id);
    sqlite3_bind_int64(st, 2, viewer_party);
    sqlite3_bind_int(st, 3, limit);
    omb_feed_row row;
    return sq_fetch_all(s, st, read_feed, &row, (int (*)(void *, const void *))cb, ctx, err,
                        "events");
}

/* ---- settlements ------------------------------------------------------- */

int sq_settlements_save(omb_store *base, int64_t complaint_id, const omb_settlement_row *rows,
                        size_t n, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(old, s, L_SETTLE_SUPERSEDE, err);
    sqlite3_bind_int64(old, 1, complaint_id);
    int rc = sq_exec_stmt(s, old, err, "settlements");
    for (size_t i = 0; !rc && i < n; i++) {
        LSTMT_OR_FAIL(st, s, L_SETTLE_PUT, err);
        const omb_settlement_row *r = &rows[i];
        sqlite3_bind_int64(st, 1, complaint_id);
        sqlite3_bind_int64(st, 2, r->decision);
        sqlite3_bind_int64(st, 3, r->party_id);
        sqlite3_bind_text(st, 4, r->role, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, r->share_bp);
        sqlite3_bind_int(st, 6, r->weight);
        sqlite3_bind_int64(st, 7, r->amount_fen);
        sqlite3_bind_int64(st, 8, r->decided_at);
        rc = sq_exec_stmt(s, st, err, "settlement");
    }
    return rc;
}

static void read_settlement(sqlite3_stmt *st, void *out)
{
    omb_settlement_row *r = out;
    r->complaint_id = sqlite3_column_int64(st, 0);
    sq_col_copy(st, 1, r->no, sizeof r->no);
    r->decision = sqlite3_column_int64(st, 2);
    r->party_id = sqlite3_column_int64(st, 3);
    sq_col_copy(st, 4, r->role, sizeof r->role);
    r->share_bp = sqlite3_column_int(st, 5);
    r->weight = sqlite3_column_int(st, 6);
    r->amount_fen = sqlite3_column_int64(st, 7);
    sq_col_copy(st, 8, r->state, sizeof r->state);
    r->decided_at = sqlite3_column_int64(st, 9);
}

int sq_settlements_list(omb_store *base, const omb_settlement_filter *f,
                        int (*cb)(void *, const omb_settlement_row *), void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_SETTLE_LIST, err);
    sqlite3_bind_int64(st, 1, f->party);
    sqlite3_bind_int64(st, 2, f->from);
    sqlite3_bind_int64(st, 3, f->to ? f->to : INT64_MAX);
    sqlite3_bind_int(st, 4, f->superseded ? 1 : 0);
    sqlite3_bind_int(st, 5, f->limit > 0 ? f->limit : 1000);
    omb_settlement_row row;
    return sq_fetch_all(s, st, read_settlement, &row, (int (*)(void *, const void *))cb, ctx, err,
                        "settlements");
}

/* ---- deactivating users, revoking a user's tokens ---------------------- */

int sq_user_set_active(omb_store *base, int64_t user_id, bool active, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_USER_ACTIVE, err);
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int(st, 2, active ? 1 : 0);
    int rc = sq_exec_stmt(s, st, err, "user active");
    if (!rc && sqlite3_changes(s->db) == 0)
        rc = omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no user %lld", (long long)user_id);
    return rc;
}

int sq_user_tokens_revoke(omb_store *base, int64_t user_id, omb_ms now, int64_t *count,
                          omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_USER_TOKENS_REVOKE, err);
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, now);
    int rc = sq_exec_stmt(s, st, err, "revoke tokens");
    *count = rc ? 0 : sqlite3_changes(s->db);
    return rc;
}

int sq_users_active_count(omb_store *base, const char *party_kind, enum omb_role role,
                          int64_t *count, omb_err *err)
{
    sq_store *s = SQ(base);
    LSTMT_OR_FAIL(st, s, L_USERS_ACTIVE_COUNT, err);
    sqlite3_bind_text(st, 1, omb_role_name(role), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, party_kind, -1, SQLITE_STATIC);
    *count = 0;
    return sq_fetch_one(s, st, sq_read_int64, count, err, "active users");
}
