/*
 * sse.c - GET /v1/stream: a server-sent-event stream of the events of the
 * complaints a party is involved in, for live screens.
 *
 * Each stream subscribes to the hub (app/hub.c) for the principal's party.
 * Its response is produced by a content reader: when nothing is queued the
 * reader suspends the connection, and the hub's wake-up resumes it, so an
 * idle stream costs no thread and no polling.  A ticker wakes every stream
 * every SSE_KEEPALIVE_MS so that idle ones send a comment line and proxies
 * keep them open.  A client that reconnects with Last-Event-ID (or
 * ?after=<event id>) first receives what it missed, from the event log.
 */
#include "routes_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SSE_KEEPALIVE_MS 15000
#define SSE_REPLAY_MAX   1000
#define SSE_CHUNK        (64 * 1024)

typedef struct stream {
    omb_app *app;
    struct MHD_Connection *conn;
    omb_sub *sub;
    pthread_mutex_t lock;
    bool suspended; /* we suspended the connection and nobody resumed it yet */
    bool pending;   /* woken while running: look again before suspending */
    omb_buf out;
    size_t off;
    omb_ms last_write;
} stream;

static omb_ms mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (omb_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wake(void *ctx)
{
    stream *st = ctx;
    pthread_mutex_lock(&st->lock);
    if (st->suspended) {
        st->suspended = false;
        MHD_resume_connection(st->conn);
    } else {
        st->pending = true;
    }
    pthread_mutex_unlock(&st->lock);
}

static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    stream *st = cls;
    for (;;) {
        if (st->off < st->out.len) {
            size_t n = st->out.len - st->off;
            if (n > max)
                n = max;
            memcpy(buf, st->out.data + st->off, n);
            st->off += n;
            st->last_write = mono_ms();
            return (ssize_t)n;
        }
        omb_buf_reset(&st->out);
        st->off = 0;
        pthread_mutex_lock(&st->lock);
        st->pending = false;
        pthread_mutex_unlock(&st->lock);
        if (!omb_hub_take(st->app->hub, st->sub, &st->out))
            return MHD_CONTENT_READER_END_OF_STREAM; /* too far behind, or stopping */
        if (st->out.len)
            continue;
        if (mono_ms() - st->last_write >= SSE_KEEPALIVE_MS) {
            omb_buf_puts(&st->out, ": keep-alive\n\n");
            continue;
        }
        pthread_mutex_lock(&st->lock);
        if (st->pending) {
            pthread_mutex_unlock(&st->lock);
            continue;
        }
        st->suspended = true;
        MHD_suspend_connection(st->conn);
        pthread_mutex_unlock(&st->lock);
        return 0;
    }
}

static void free_stream(void *cls)
{
    stream *st = cls;
    omb_hub_unsubscribe(st->app->hub, st->sub);
    omb_buf_release(&st->out);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

static int replay_row(void *ctx, const omb_feed_row *f)
{
    omb_feed_format(f, ctx);
    return OMB_OK;
}

/* Where a reconnecting client left off: Last-Event-ID or ?after=. */
static int resume_point(omb_req *r, int64_t *after, omb_err *err)
{
    query_args a;
    int rc = rt_query_args(r, &a, err);
    const char *v = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Last-Event-ID");
    for (size_t i = 0; !rc && i < a.n; i++) {
        if (strcmp(a.names[i], "after") == 0)
            v = a.values[i];
        else
            rc = omb_fail(err, OMB_EINVAL, "unknown_parameter", a.names[i],
                          "unknown query parameter %s", a.names[i]);
    }
    *after = 0;
    if (!rc && v && rt_parse_id(v, after) != OMB_OK && strcmp(v, "0") != 0)
        rc = omb_fail(err, OMB_EINVAL, "invalid_parameter", "after",
                      "the resume point must be an event id");
    return rc;
}

enum MHD_Result rt_stream(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    int64_t after;
    if (resume_point(r, &after, &err))
        return rt_fail(r, &err);
    READER_OR_FAIL(r, rd, err);
    omb_app *app = omb_req_app(r);
    stream *st = omb_xcalloc(1, sizeof *st);
    st->app = app;
    st->conn = r->conn;
    pthread_mutex_init(&st->lock, NULL);
    omb_buf_init(&st->out, 16 << 20);
    st->last_write = mono_ms();
    /* Subscribe first: an event committed during the replay is sent twice, never lost. */
    st->sub = omb_hub_subscribe(app->hub, r->who.party_id, wake, st);
    omb_buf_puts(&st->out, "retry: 2000\n: ombud event stream\n\n");
    int rc = after ? omb_q_events_since(app, rd, after, r->who.party_id, SSE_REPLAY_MAX, replay_row,
                                        &st->out, &err)
                   : OMB_OK;
    if (!rc)
        rc = omb_req_await_durable(r, &err);
    if (rc) {
        free_stream(st);
        return rt_fail(r, &err);
    }
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_CHUNK,
                                                                  read_stream, st, free_stream);
    if (!resp) {
        free_stream(st);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    r->status = 200;
    enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- the keep-alive ticker ------------------------------------------------------------ */

struct omb_sse_ticker {
    omb_app *app;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
};

static void *ticker_main(void *arg)
{
    omb_sse_ticker *t = arg;
    pthread_mutex_lock(&t->lock);
    while (!t->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += SSE_KEEPALIVE_MS / 1000;
        pthread_cond_timedwait(&t->wake, &t->lock, &until);
        if (!t->stop)
            omb_hub_wake_all(t->app->hub);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

omb_sse_ticker *omb_sse_ticker_start(omb_app *app)
{
    omb_sse_ticker *t = omb_xcalloc(1, sizeof *t);
    t->app = app;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

void omb_sse_ticker_stop(omb_sse_ticker *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->wake);
    free(t);
}
