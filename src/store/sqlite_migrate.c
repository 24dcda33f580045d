/*
 * sqlite_migrate.c - the numbered list of schema migrations of the SQLite
 * backend, and the step that brings a database up to the last of them.
 *
 * Rules for the list (read before touching it):
 *  - Migration N takes a database from schema version N-1 to N.  Its SQL is
 *    src/store/migrations/NNNN_name.sql (embedded by the Makefile); an
 *    optional C step runs after the SQL in the same transaction, for what
 *    SQL alone cannot do.  Entry N of the table below is migration N.
 *  - A released migration is never edited, renumbered or removed: databases
 *    out there have run it.  Every change to the schema is a new migration
 *    appended at the end, with the next number; the binary then knows that
 *    number as its latest version.
 *  - Each migration runs once, in its own transaction, which also records N
 *    in meta.schema_version; a database at version N gets N+1... applied in
 *    order.  A database at a version above the last one known was made by a
 *    newer ombud and is refused.
 *  - Migrations 1 to 5 say CREATE ... IF NOT EXISTS because the binaries
 *    that released them ran the whole schema at every open, so a database
 *    may hold some of their tables before it records their number.  From 6
 *    on, a migration may rely on running exactly once.
 *  - The store computes nothing of the evidence ledger (store.h).  So
 *    migration 4's step no longer builds the leaves of the events written
 *    before the ledger: it records in meta that they are owed
 *    (ledger_backfill = pending), and the app gives them their leaves, the
 *    same rows as before, when it next opens the database for writing,
 *    before anything else is written (omb_ledger_backfill,
 *    app/ledger_append.c).
 */
#include "sqlite_int.h"

#include <stdio.h>

extern const unsigned char omb_embed_0001_base_sql[];
extern const unsigned char omb_embed_0002_clocks_sql[];
extern const unsigned char omb_embed_0003_linkage_sql[];
extern const unsigned char omb_embed_0004_ledger_sql[];
extern const unsigned char omb_embed_0005_visibility_sql[];
extern const unsigned char omb_embed_0006_views_sql[];
extern const unsigned char omb_embed_0007_reads_sql[];

static int add_columns_v3(sq_store *s, omb_err *err);
static int owe_leaves_v4(sq_store *s, omb_err *err);

static const struct migration {
    int version;
    const unsigned char *sql;
    int (*step)(sq_store *s, omb_err *err); /* runs after the SQL, or NULL */
} migrations[] = {
    {1, omb_embed_0001_base_sql, NULL},
    {2, omb_embed_0002_clocks_sql, NULL},
    {3, omb_embed_0003_linkage_sql, add_columns_v3},
    {4, omb_embed_0004_ledger_sql, owe_leaves_v4},
    {5, omb_embed_0005_visibility_sql, NULL},
    {6, omb_embed_0006_views_sql, NULL},
    {7, omb_embed_0007_reads_sql, NULL},
};

#define LATEST ((int)(sizeof migrations / sizeof migrations[0]))

static int exec_sql(sq_store *s, const char *sql, const char *what, omb_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return OMB_OK;
    int rc = omb_fail(err, OMB_EIO, "storage_error", NULL, "%s: %s", what,
                      msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return rc;
}

/* Columns added by version 3: complaints.clock_history came with version 2
 * without a number of its own, so a version 2 database may already have it. */
static int add_columns_v3(sq_store *s, omb_err *err)
{
    static const struct {
        const char *table, *column, *definition;
    } added[] = {
        {"complaints", "clock_history", "TEXT NOT NULL DEFAULT '[]'"},
        {"users", "on_duty", "INTEGER NOT NULL DEFAULT 1"},
    };
    for (size_t i = 0; i < sizeof added / sizeof added[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT %s FROM %s LIMIT 0", added[i].column, added[i].table);
        sqlite3_stmt *st = NULL;
        bool present = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK;
        sqlite3_finalize(st);
        if (present)
            continue;
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", added[i].table,
                 added[i].column, added[i].definition);
        int rc = exec_sql(s, sql, "migration 3", err);
        if (rc)
            return rc;
    }
    return OMB_OK;
}

/* Events beyond the last leaf are owed their leaves: the app builds them
 * (see the rules above).  Their ids must run on from the last leaf, or no
 * ledger can be built: then the migration fails and the database stays at
 * version 3, readable by the binary that made it. */
static int owe_leaves_v4(sq_store *s, omb_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT l.n, coalesce(max(e.id), 0), count(e.id) FROM "
                           "(SELECT coalesce(max(leaf) + 1, 0) AS n FROM ledger) l "
                           "LEFT JOIN events e ON e.id > l.n",
                           -1, &st, NULL) != SQLITE_OK)
        return sq_db_fail(s, err, "migration 4");
    int rc = OMB_OK;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = sq_db_fail(s, err, "migration 4");
    } else {
        int64_t leaves = sqlite3_column_int64(st, 0), last = sqlite3_column_int64(st, 1),
                owed = sqlite3_column_int64(st, 2);
        if (owed && last != leaves + owed)
            rc = omb_fail(err, OMB_EIO, "ledger_mismatch", NULL,
                          "event ids do not run on from leaf %lld (the last is %lld, %lld events "
                          "follow): the ledger cannot be built",
                          (long long)leaves, (long long)last, (long long)owed);
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    return exec_sql(s,
                    "INSERT INTO meta(key, value) SELECT 'ledger_backfill', 'pending' "
                    "WHERE (SELECT coalesce(max(id), 0) FROM events) > "
                    "(SELECT coalesce(max(leaf) + 1, 0) FROM ledger) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    "migration 4", err);
}

/* The schema version recorded in the database: 0 for an empty one. */
static int read_version(sq_store *s, int64_t *version, omb_err *err)
{
    *version = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'", -1,
                           &st, NULL) != SQLITE_OK)
        return sq_db_fail(s, err, "schema version");
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step == SQLITE_DONE)
        return OMB_OK;
    if (step != SQLITE_ROW)
        return sq_db_fail(s, err, "schema version");
    st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT CAST(value AS INTEGER), "
                           "CAST(CAST(value AS INTEGER) AS TEXT) = value "
                           "FROM meta WHERE key = 'schema_version'",
                           -1, &st, NULL) != SQLITE_OK)
        return sq_db_fail(s, err, "schema version");
    step = sqlite3_step(st);
    int rc = OMB_OK;
    if (step == SQLITE_ROW) {
        *version = sqlite3_column_int64(st, 0);
        if (!sqlite3_column_int(st, 1) || *version < 1)
            rc = omb_fail(err, OMB_EIO, "storage_error", NULL,
                          "the database's schema version is not a positive number");
    } else if (step != SQLITE_DONE) {
        rc = sq_db_fail(s, err, "schema version");
    }
    sqlite3_finalize(st);
    return rc;
}

static int refuse_newer(int64_t version, omb_err *err)
{
    return omb_fail(err, OMB_EIO, "schema_too_new", NULL,
                    "the database has schema version %lld, newer than this ombud knows (%d): "
                    "it was made or upgraded by a newer ombud; run that version, or restore "
                    "the backup taken before the upgrade",
                    (long long)version, LATEST);
}

/* Applies migration m inside one transaction, unless another connection
 * has applied it meanwhile. */
static int apply(sq_store *s, const struct migration *m, omb_err *err)
{
    int rc = exec_sql(s, "BEGIN IMMEDIATE", "migration", err);
    if (rc)
        return rc;
    int64_t version;
    rc = read_version(s, &version, err);
    if (!rc && version >= m->version) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return OMB_OK;
    }
    char what[32];
    snprintf(what, sizeof what, "migration %d", m->version);
    if (!rc)
        rc = exec_sql(s, (const char *)m->sql, what, err);
    if (!rc && m->step)
        rc = m->step(s, err);
    if (!rc) {
        char sql[160];
        snprintf(sql, sizeof sql,
                 "INSERT INTO meta(key, value) VALUES ('schema_version', '%d') "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value; COMMIT",
                 m->version);
        rc = exec_sql(s, sql, what, err);
    }
    if (rc)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int sq_migrate(sq_store *s, bool apply_missing, omb_err *err)
{
    int64_t version;
    int rc = read_version(s, &version, err);
    if (rc)
        return rc;
    if (version > LATEST)
        return refuse_newer(version, err);
    if (!apply_missing)
        return OMB_OK;
    for (int i = (int)version; i < LATEST && !rc; i++)
        rc = migrations[i].version == i + 1
                 ? apply(s, &migrations[i], err)
                 : omb_fail(err, OMB_EIO, "internal", NULL, "migration %d is numbered %d", i + 1,
                            migrations[i].version);
    /* A newer ombud may have upgraded the database between the two reads. */
    if (!rc)
        rc = read_version(s, &version, err);
    if (!rc && version > LATEST)
        rc = refuse_newer(version, err);
    return rc;
}
