/*
 * sqlite_views.c - the SQLite side of users' saved views (store.h, version
 * 6).  Same conventions as sqlite.c: every statement is prepared once per
 * connection from the table below, every call returns an OMB_* code.
 */
#include "sqlite_int.h"

enum view_stmt { V_INSERT, V_GET, V_UPDATE, V_DELETE, V_LIST, V_COUNT, V__COUNT };

_Static_assert(V__COUNT <= SQ_VIEW_SLOTS, "raise SQ_VIEW_SLOTS");

#define VIEW_COLUMNS "id, user_id, page, name, query, created_at, updated_at"

static const char *const view_sql[V__COUNT] = {
    [V_INSERT] = "INSERT INTO saved_views(user_id, page, name, query, created_at, updated_at) "
                 "VALUES (?1,?2,?3,?4,?5,?6)",
    [V_GET] = "SELECT " VIEW_COLUMNS " FROM saved_views WHERE id = ?2 AND user_id = ?1",
    [V_UPDATE] = "UPDATE saved_views SET page = ?3, name = ?4, query = ?5, updated_at = ?6 "
                 "WHERE id = ?2 AND user_id = ?1",
    [V_DELETE] = "DELETE FROM saved_views WHERE id = ?2 AND user_id = ?1",
    [V_LIST] = "SELECT " VIEW_COLUMNS " FROM saved_views WHERE user_id = ?1 ORDER BY id",
    [V_COUNT] = "SELECT count(*) FROM saved_views WHERE user_id = ?1",
};

/* The statement of id for a user (bound to ?1), or NULL with err filled. */
static sqlite3_stmt *vstmt(sq_store *s, enum view_stmt id, int64_t user_id, omb_err *err)
{
    sqlite3_stmt *st = sq_prepared(s, &s->views[id], view_sql[id], err);
    if (st)
        sqlite3_bind_int64(st, 1, user_id);
    return st;
}

static void read_view(sqlite3_stmt *st, void *out)
{
    omb_view *v = out;
    v->id = sqlite3_column_int64(st, 0);
    v->user_id = sqlite3_column_int64(st, 1);
    sq_col_copy(st, 2, v->page, sizeof v->page);
    sq_col_copy(st, 3, v->name, sizeof v->name);
    sq_col_copy(st, 4, v->query, sizeof v->query);
    v->created_at = sqlite3_column_int64(st, 5);
    v->updated_at = sqlite3_column_int64(st, 6);
}

static int no_view(omb_err *err, int64_t id)
{
    return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no view %lld", (long long)id);
}

int sq_view_insert(omb_store *base, omb_view *v, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = vstmt(s, V_INSERT, v->user_id, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_text(st, 2, v->page, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, v->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, v->query, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, v->created_at);
    sqlite3_bind_int64(st, 6, v->updated_at);
    int rc = sq_exec_stmt(s, st, err, "view");
    if (!rc)
        v->id = sq_last_id(s);
    return rc;
}

int sq_view_get(omb_store *base, int64_t user_id, int64_t id, omb_view *out, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = vstmt(s, V_GET, user_id, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_int64(st, 2, id);
    int rc = sq_fetch_one(s, st, read_view, out, err, "view");
    return rc == OMB_ENOTFOUND ? no_view(err, id) : rc;
}

int sq_view_update(omb_store *base, const omb_view *v, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = vstmt(s, V_UPDATE, v->user_id, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_int64(st, 2, v->id);
    sqlite3_bind_text(st, 3, v->page, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, v->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, v->query, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, v->updated_at);
    int rc = sq_exec_stmt(s, st, err, "view");
    if (!rc && sqlite3_changes(s->db) == 0)
        rc = no_view(err, v->id);
    return rc;
}

int sq_view_delete(omb_store *base, int64_t user_id, int64_t id, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = vstmt(s, V_DELETE, user_id, err);
    if (!st)
        return OMB_EIO;
    sqlite3_bind_int64(st, 2, id);
    int rc = sq_exec_stmt(s, st, err, "view");
    if (!rc && sqlite3_changes(s->db) == 0)
        rc = no_view(err, id);
    return rc;
}

int sq_view_list(omb_store *base, int64_t user_id, int (*cb)(void *, const omb_view *), void *ctx,
                 omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = vstmt(s, V_LIST, user_id, err);
    if (!st)
        return OMB_EIO;
    omb_view row;
    return sq_fetch_all(s, st, read_view, &row, (int (*)(void *, const void *))cb, ctx, err,
                        "views");
}

int sq_view_count(omb_store *base, int64_t user_id, int64_t *count, omb_err *err)
{
    sq_store *s = SQ(base);
    sqlite3_stmt *st = vstmt(s, V_COUNT, user_id, err);
    if (!st)
        return OMB_EIO;
    return sq_fetch_one(s, st, sq_read_int64, count, err, "views");
}
