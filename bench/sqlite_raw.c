/*
 * sqlite_raw.c - the ceiling for durable intake: how many rows per second
 * SQLite itself stores on this machine in WAL mode with synchronous=FULL,
 * one row of a complaint's size per insert, at 1 and at 100 rows per
 * transaction.  Usage: sqlite_raw DIR [SECONDS]
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int check(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "sqlite_raw: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
    return rc;
}

/* Inserts rows in transactions of `per_tx` for `seconds`; returns rows/s. */
static double run(const char *dir, int per_tx, double seconds)
{
    char path[512];
    snprintf(path, sizeof path, "%s/raw-%d.db", dir, per_tx);
    unlink(path);
    sqlite3 *db;
    check(sqlite3_open(path, &db), db, "open");
    check(sqlite3_exec(db,
                       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                       "CREATE TABLE t(id INTEGER PRIMARY KEY, no TEXT UNIQUE, state TEXT,"
                       " received_at INTEGER, doc TEXT);",
                       NULL, NULL, NULL),
          db, "schema");
    sqlite3_stmt *ins, *begin, *commit;
    check(sqlite3_prepare_v2(db, "INSERT INTO t(no, state, received_at, doc) VALUES (?,?,?,?)", -1,
                             &ins, NULL),
          db, "prepare");
    check(sqlite3_prepare_v2(db, "BEGIN", -1, &begin, NULL), db, "prepare");
    check(sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL), db, "prepare");
    char doc[900];
    memset(doc, 'x', sizeof doc - 1);
    doc[sizeof doc - 1] = '\0';
    long rows = 0;
    double start = now_s(), end = start;
    while (end - start < seconds) {
        check(sqlite3_step(begin), db, "begin");
        sqlite3_reset(begin);
        for (int i = 0; i < per_tx; i++) {
            char no[32];
            snprintf(no, sizeof no, "TS20261123%07ld", rows);
            sqlite3_bind_text(ins, 1, no, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 2, "received", -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 3, rows);
            sqlite3_bind_text(ins, 4, doc, -1, SQLITE_STATIC);
            check(sqlite3_step(ins), db, "insert");
            sqlite3_reset(ins);
            rows++;
        }
        check(sqlite3_step(commit), db, "commit");
        sqlite3_reset(commit);
        end = now_s();
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    unlink(path);
    return (double)rows / (end - start);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sqlite_raw DIR [SECONDS]\n");
        return 2;
    }
    double seconds = argc > 2 ? strtod(argv[2], NULL) : 3.0;
    printf("sqlite raw insert, WAL, synchronous=FULL, 1 row/tx:     %10.0f rows/s\n",
           run(argv[1], 1, seconds));
    printf("sqlite raw insert, WAL, synchronous=FULL, 100 rows/tx:  %10.0f rows/s\n",
           run(argv[1], 100, seconds));
    return 0;
}
