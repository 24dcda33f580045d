/*
 * readers.c - the app's pool of reader connections: one per thread that
 * reads (the HTTP server's workers), opened on first use, kept for the
 * thread's life and closed with the app.
 */
#include "app.h"

#include <stdlib.h>

#define READERS_MAX 256

struct omb_readers {
    pthread_mutex_t lock;
    long long serial; /* tells this pool from an earlier one at the same address */
    omb_store *list[READERS_MAX];
    int n;
};

static atomic_llong next_serial = 1;

/* The calling thread's reader, and the pool it belongs to. */
static __thread omb_store *tl_reader;
static __thread long long tl_serial;

omb_readers *omb_readers_new(void)
{
    omb_readers *p = omb_xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    p->serial = atomic_fetch_add(&next_serial, 1);
    return p;
}

void omb_readers_free(omb_readers *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n; i++)
        p->list[i]->vt->close(p->list[i]);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

omb_store *omb_app_reader_for_thread(omb_app *app, omb_err *err)
{
    omb_readers *p = app->readers;
    if (tl_reader && tl_serial == p->serial)
        return tl_reader;
    omb_store *s;
    if (omb_app_reader(app, &s, err) != OMB_OK)
        return NULL;
    pthread_mutex_lock(&p->lock);
    if (p->n == READERS_MAX) {
        pthread_mutex_unlock(&p->lock);
        s->vt->close(s);
        omb_fail(err, OMB_EBUSY, "busy", NULL, "too many reader connections");
        return NULL;
    }
    p->list[p->n++] = s;
    pthread_mutex_unlock(&p->lock);
    tl_reader = s;
    tl_serial = p->serial;
    return s;
}
