/*
 * sqlite_reads.c - the SQLite side of two reads of the web workbench: the
 * log of personal-data reads (pii_read events, through the partial index of
 * migration 7) and the dashboard's counts of complaints by state, grade and
 * day of receipt.  Both are rare next to complaint reads, so each statement
 * is prepared when it runs.
 */
#include "sqlite_int.h"

#include <stdio.h>

/* ?1 viewer party (0: every), ?2 before id (0: none), ?3 from, ?4 to,
 * ?5 user (0: anyone), ?6 limit. */
static const char *const sql_pii_reads =
    "SELECT e.id, c.no, e.seq, e.at, e.actor_user, e.actor_party, e.payload "
    "FROM events e JOIN complaints c ON c.id = e.complaint_id "
    "WHERE e.type = 'pii_read' AND (?2 = 0 OR e.id < ?2) AND e.at >= ?3 AND e.at < ?4 "
    "AND (?5 = 0 OR e.actor_user = ?5) "
    "AND (?1 = 0 OR EXISTS (SELECT 1 FROM complaint_parties p WHERE p.party_id = ?1 "
    "AND p.received_at = c.received_at AND p.complaint_id = c.id)) "
    "ORDER BY e.id DESC LIMIT ?6";

int sq_pii_reads_list(omb_store *base, const omb_pii_read_filter *f,
                      int (*cb)(void *, const omb_pii_read_row *), void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql_pii_reads, -1, &st, NULL) != SQLITE_OK)
        return sq_db_fail(s, err, "pii reads");
    sqlite3_bind_int64(st, 1, f->viewer_party);
    sqlite3_bind_int64(st, 2, f->before);
    sqlite3_bind_int64(st, 3, f->from);
    sqlite3_bind_int64(st, 4, f->to ? f->to : INT64_MAX);
    sqlite3_bind_int64(st, 5, f->user);
    sqlite3_bind_int(st, 6, f->limit > 0 ? f->limit : 100);
    int rc, out = OMB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        omb_pii_read_row row = {.id = sqlite3_column_int64(st, 0)};
        sq_col_copy(st, 1, row.no, sizeof row.no);
        row.seq = sqlite3_column_int64(st, 2);
        row.at = sqlite3_column_int64(st, 3);
        row.actor_user = sqlite3_column_int64(st, 4);
        row.actor_party = sqlite3_column_int64(st, 5);
        row.payload = (const char *)sqlite3_column_text(st, 6);
        row.payload_len = (size_t)sqlite3_column_bytes(st, 6);
        if ((out = cb(ctx, &row)) != OMB_OK)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out = sq_db_fail(s, err, "pii reads");
    sqlite3_finalize(st);
    return out;
}

/* Counts by state and grade: a party's complaints through complaint_parties,
 * every complaint for party 0.  ?1 party. */
static const char *const sql_by_state_party =
    "SELECT c.state, c.grade, count(*) FROM complaint_parties p "
    "JOIN complaints c ON c.id = p.complaint_id WHERE p.party_id = ?1 "
    "GROUP BY c.state, c.grade";
static const char *const sql_by_state_all =
    "SELECT state, grade, count(*) FROM complaints WHERE ?1 = 0 GROUP BY state, grade";
/* Counts by day of receipt: ?1 party, ?2 offset, ?3 from, ?4 to. */
static const char *const sql_by_day_party =
    "SELECT (p.received_at + ?2) / 86400000 AS d, count(*) FROM complaint_parties p "
    "WHERE p.party_id = ?1 AND p.received_at >= ?3 AND p.received_at < ?4 GROUP BY d ORDER BY d";
static const char *const sql_by_day_all =
    "SELECT (received_at + ?2) / 86400000 AS d, count(*) FROM complaints "
    "WHERE ?1 = 0 AND received_at >= ?3 AND received_at < ?4 GROUP BY d ORDER BY d";

static int stats_query(sq_store *s, const char *sql, const omb_stats_filter *f, bool by_day,
                       int (*cb)(void *, const omb_stats_row *), void *ctx, omb_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sq_db_fail(s, err, "stats");
    sqlite3_bind_int64(st, 1, f->viewer_party);
    if (by_day) {
        sqlite3_bind_int64(st, 2, f->offset_ms);
        sqlite3_bind_int64(st, 3, f->from);
        sqlite3_bind_int64(st, 4, f->to);
    }
    int rc, out = OMB_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        omb_stats_row row = {.day = -1};
        if (by_day) {
            row.day = sqlite3_column_int64(st, 0);
            row.count = sqlite3_column_int64(st, 1);
        } else {
            sq_col_copy(st, 0, row.state, sizeof row.state);
            sq_col_copy(st, 1, row.grade, sizeof row.grade);
            row.count = sqlite3_column_int64(st, 2);
        }
        if ((out = cb(ctx, &row)) != OMB_OK)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        out = sq_db_fail(s, err, "stats");
    sqlite3_finalize(st);
    return out;
}

int sq_complaint_stats(omb_store *base, const omb_stats_filter *f,
                       int (*cb)(void *, const omb_stats_row *), void *ctx, omb_err *err)
{
    sq_store *s = SQ(base);
    bool all = f->viewer_party == 0;
    int rc = stats_query(s, all ? sql_by_state_all : sql_by_state_party, f, false, cb, ctx, err);
    if (rc == OMB_OK)
        rc = stats_query(s, all ? sql_by_day_all : sql_by_day_party, f, true, cb, ctx, err);
    return rc;
}
