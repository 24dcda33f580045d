/*
 * sqlite_wal.c - the writer connection's log: commits that readers see at
 * once and that become durable at the next sync, and a checkpointer thread.
 *
 * With synchronous=FULL every COMMIT waits for the fdatasync of the WAL,
 * and the writer thread idles meanwhile; every thousand pages a COMMIT also
 * copies the log into the database file and syncs that.  A connection
 * opened with OMB_STORE_LAZY_COMMIT runs synchronous=NORMAL instead, where
 * SQLite syncs the WAL only before a checkpoint and the database file after
 * one, and:
 *   - a lazy commit does not sync; sq_sync, the one call that
 *     may run on another thread while the owner works, makes every commit
 *     made before it durable with one fdatasync of the WAL file (its own
 *     descriptor: nothing of the sqlite3 handle is touched);
 *   - checkpoints run on a thread of this file with a connection of its
 *     own, woken by the WAL hook every SQ_CHECKPOINT_FRAMES frames.  A busy
 *     writer may never let that thread find the log fully copied, and the
 *     log restarts only then: past SQ_WAL_FORCE_FRAMES the hook copies the
 *     rest itself, so the next commit starts the log over.
 * A crash of the process loses nothing committed (the pages are in the
 * operating system's cache); a power loss loses nothing synced.
 */
#include "sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SQ_CHECKPOINT_FRAMES 1000 /* SQLite's own autocheckpoint size */
#define SQ_WAL_FORCE_FRAMES  8000 /* 32 MiB of 4 KiB pages */

struct sq_wal {
    sqlite3 *db; /* the checkpointer's connection */
    char path[4096];
    int fd; /* the WAL file */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool poked, stopping, started;
    int poked_at; /* frames in the log when last poked (owner thread) */
};

static void *checkpointer(void *arg)
{
    sq_wal *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (!w->poked && !w->stopping)
            pthread_cond_wait(&w->wake, &w->lock);
        bool run = w->poked && !w->stopping;
        w->poked = false;
        pthread_mutex_unlock(&w->lock);
        if (!run)
            break;
        /* PASSIVE never waits for the writer or readers; what it cannot
         * copy now (or after an error) it copies next time. */
        sqlite3_wal_checkpoint_v2(w->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    return NULL;
}

/* The WAL hook: runs on the owner's thread at the end of every COMMIT. */
static int on_commit(void *ctx, sqlite3 *db, const char *schema, int frames)
{
    sq_wal *w = ctx;
    if (frames < w->poked_at)
        w->poked_at = 0; /* the log started over */
    if (frames >= SQ_WAL_FORCE_FRAMES) {
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    } else if (frames - w->poked_at >= SQ_CHECKPOINT_FRAMES) {
        w->poked_at = frames;
        pthread_mutex_lock(&w->lock);
        w->poked = true;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
    }
    return SQLITE_OK;
}

/* Opens the WAL file for sq_sync (the connection's first read made it) and
 * syncs its directory entry, which under synchronous=NORMAL SQLite leaves
 * to the first checkpoint. */
static int open_log(sq_wal *w, omb_err *err)
{
    int fd = open(w->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "cannot open the log %s: %s", w->path,
                        strerrordesc_np(errno));
    char dir[sizeof w->path];
    snprintf(dir, sizeof dir, "%s", w->path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = dfd >= 0 && fsync(dfd) == 0 ? 0 : errno;
    if (dfd >= 0)
        close(dfd);
    if (rc) {
        close(fd);
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "cannot sync the directory of %s: %s",
                        w->path, strerrordesc_np(rc));
    }
    w->fd = fd;
    return OMB_OK;
}

int sq_wal_start(sq_store *s, omb_err *err)
{
    const char *name = sqlite3_db_filename(s->db, "main");
    const char *wal = name ? sqlite3_filename_wal(name) : NULL;
    if (!wal || !*wal || strlen(wal) >= sizeof s->wal->path)
        return omb_fail(err, OMB_EIO, "storage_error", NULL,
                        "lazy commits need a database file with a write-ahead log");
    sq_wal *w = omb_xcalloc(1, sizeof *w);
    snprintf(w->path, sizeof w->path, "%s", wal);
    w->fd = -1;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    s->wal = w;
    int rc = sqlite3_open_v2(name, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(w->db, "PRAGMA synchronous=NORMAL;", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "cannot open the checkpointer: %s",
                        w->db ? sqlite3_errmsg(w->db) : "out of memory");
    if (sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;", NULL, NULL,
                     NULL) != SQLITE_OK)
        return sq_db_fail(s, err, "lazy commits");
    if (open_log(w, err) != OMB_OK)
        return OMB_EIO;
    if (pthread_create(&w->thread, NULL, checkpointer, w) != 0)
        return omb_fail(err, OMB_EIO, "internal", NULL, "cannot start the checkpointer");
    w->started = true;
    /* Replaces the autocheckpoint hook, which wal_autocheckpoint=0 removed. */
    sqlite3_wal_hook(s->db, on_commit, w);
    return OMB_OK;
}

void sq_wal_stop(sq_store *s)
{
    sq_wal *w = s->wal;
    if (!w)
        return;
    if (w->started) {
        pthread_mutex_lock(&w->lock);
        w->stopping = true;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
    }
    if (s->db)
        sqlite3_wal_hook(s->db, NULL, NULL);
    sqlite3_close(w->db);
    if (w->fd >= 0)
        close(w->fd);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
    s->wal = NULL;
}

int sq_sync(omb_store *base, omb_err *err)
{
    sq_store *s = SQ(base);
    if (s->wal && fdatasync(s->wal->fd) != 0)
        return omb_fail(err, OMB_EIO, "storage_error", NULL,
                        "the disk did not make the log durable: %s", strerrordesc_np(errno));
    return OMB_OK;
}
