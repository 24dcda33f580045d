/*
 * sqlite_vis.c - the SQLite side of note and attachment visibility: which
 * complaint events and which attachment links one party alone sees (the
 * tables event_visibility and attachment_visibility of migration 5).  The
 * statements are rare (a party-only note or file, an attachment link, an
 * event proof), so each is prepared when it is run.
 */
#include "sqlite_int.h"

static const char *const sql_restrict_event =
    "INSERT OR REPLACE INTO event_visibility(event_id, party_id) VALUES (?1, ?2)";
static const char *const sql_event_party =
    "SELECT party_id FROM event_visibility WHERE event_id = ?1";
/* A party-only link restricts the file on this complaint unless every party
 * involved already sees it there (a link without restrictions). */
static const char *const sql_restrict_link =
    "INSERT OR IGNORE INTO attachment_visibility(sha256, complaint_id, party_id) "
    "SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM complaint_attachments "
    "WHERE sha256 = ?1 AND complaint_id = ?2) OR EXISTS (SELECT 1 FROM attachment_visibility "
    "WHERE sha256 = ?1 AND complaint_id = ?2)";
static const char *const sql_open_link =
    "DELETE FROM attachment_visibility WHERE sha256 = ?1 AND complaint_id = ?2";

static int run_once(sq_store *s, const char *sql, int64_t a, int64_t b, const char *text,
                    int64_t *out, omb_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sq_db_fail(s, err, "visibility");
    int i = 1;
    if (text)
        sqlite3_bind_text(st, i++, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, i++, a);
    if (sqlite3_bind_parameter_count(st) >= i)
        sqlite3_bind_int64(st, i, b);
    int rc = sqlite3_step(st);
    if (out)
        *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? OMB_OK : sq_db_fail(s, err, "visibility");
}

int sq_event_restrict(omb_store *base, int64_t event_id, int64_t party_id, omb_err *err)
{
    return run_once(SQ(base), sql_restrict_event, event_id, party_id, NULL, NULL, err);
}

int sq_event_restricted_to(omb_store *base, int64_t event_id, int64_t *party_id, omb_err *err)
{
    return run_once(SQ(base), sql_event_party, event_id, 0, NULL, party_id, err);
}

int sq_attachment_link_for(omb_store *base, int64_t complaint_id, const omb_attachment *a,
                           omb_ms now, int64_t party_id, omb_err *err)
{
    sq_store *s = SQ(base);
    int rc = party_id ? run_once(s, sql_restrict_link, complaint_id, party_id, a->sha256, NULL, err)
                      : run_once(s, sql_open_link, complaint_id, 0, a->sha256, NULL, err);
    return rc ? rc : base->vt->attachment_link(base, complaint_id, a, now, err);
}
