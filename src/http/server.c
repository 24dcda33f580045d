/*
 * server.c - the libmicrohttpd daemon and the life of a request; see
 * http.h for the sequence.  Routing lives in routes.c, replies in reply.c;
 * reader connections and upload files belong to the app (app/readers.c,
 * app/blobs.c).
 */
#include "http.h"
#include "app/log.h"
#include "core/jsonw.h"
#include "core/utf8.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct omb_http {
    omb_app *app;
    struct MHD_Daemon *daemon;
    int port;
    atomic_int in_flight;
    atomic_llong next_request;
    omb_sse_ticker *ticker;
};

omb_app *omb_req_app(omb_req *r)
{
    return r->http->app;
}

omb_store *omb_req_reader(omb_req *r, omb_err *err)
{
    return omb_app_reader_for_thread(r->http->app, err);
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- routing ------------------------------------------------------------------ */

/* Matches path against pattern, filling params; true on match. */
static bool match(const char *pattern, const char *path, char params[][ROUTE_PARAM_MAX])
{
    int np = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == ':') {
            while (*p && *p != '/')
                p++;
            const char *end = strchr(s, '/');
            size_t n = end ? (size_t)(end - s) : strlen(s);
            if (n == 0 || n >= ROUTE_PARAM_MAX || np == ROUTE_PARAMS)
                return false;
            memcpy(params[np], s, n);
            params[np][n] = '\0';
            np++;
            s += n;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

/* Finds the route; on failure fills err with 404 or 405. */
static const omb_route *route_find(omb_req *r, omb_err *err)
{
    /* With the web workbench, every path outside the API is one of its own. */
    if (r->http->app->web && !omb_is_api_path(r->path))
        return omb_static_route(r, err);
    size_t n;
    const omb_route *routes = omb_routes(&n);
    bool path_known = false;
    bool tests = r->http->app->cfg.test_clock;
    for (size_t i = 0; i < n; i++) {
        if ((routes[i].flags & RT_TEST) && !tests)
            continue;
        if (!match(routes[i].pattern, r->path, r->params))
            continue;
        path_known = true;
        if (strcmp(routes[i].method, r->method) == 0)
            return &routes[i];
    }
    if (path_known)
        omb_fail(err, OMB_EINVAL, "method_not_allowed", NULL, "%s is not allowed on %s", r->method,
                 r->path);
    else
        omb_fail(err, OMB_ENOTFOUND, "no_route", NULL, "no such endpoint: %s %s", r->method,
                 r->path);
    return NULL;
}

/* ---- the first call: route, auth, declared body ---------------------------------- */

static bool is_json_type(const char *ct)
{
    if (!ct)
        return false;
    size_t n = strlen("application/json");
    if (strncasecmp(ct, "application/json", n) != 0)
        return false;
    const char *rest = ct + n;
    while (*rest == ' ')
        rest++;
    return *rest == '\0' || *rest == ';';
}

/* Counts query parameters and finds any that is not valid UTF-8. */
typedef struct query_scan {
    int n;
    bool bad_utf8;
} query_scan;

static enum MHD_Result scan_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    query_scan *q = cls;
    q->n++;
    if (!omb_utf8_valid(key, strlen(key)) || (value && !omb_utf8_valid(value, strlen(value))))
        q->bad_utf8 = true;
    return MHD_YES;
}

/* Counts the Content-Length and Transfer-Encoding headers of a request. */
typedef struct framing {
    int lengths, encodings;
    bool other_coding; /* a Transfer-Encoding other than chunked */
} framing;

static enum MHD_Result scan_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    framing *f = cls;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        f->lengths++;
    else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->encodings++;
        if (!value || strcasecmp(value, "chunked") != 0)
            f->other_coding = true;
    }
    return MHD_YES;
}

/* The largest body the request's route takes (max_body when no route matched). */
static size_t body_cap(omb_req *r)
{
    const omb_config *cfg = &r->http->app->cfg;
    return r->route && (r->route->flags & RT_STREAM) ? cfg->max_attachment : cfg->max_body;
}

/* The body size the request declares in Content-Length (0 when none). */
static unsigned long long declared_length(omb_req *r)
{
    const char *cl =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return cl ? strtoull(cl, NULL, 10) : 0;
}

static int first_call(omb_req *r, omb_err *err)
{
    omb_app *app = r->http->app;
    /* Two lengths, or a length beside chunking, let a proxy in front and this
     * server see different bodies (request smuggling): refuse them. */
    framing fr = {0, 0, false};
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, scan_framing, &fr);
    /* The library reads only chunked bodies; any other coding would leave it
     * waiting for a body it cannot frame until the connection times out. */
    if (fr.other_coding)
        return omb_fail(err, OMB_EINVAL, "unsupported_transfer_encoding", NULL,
                        "only Transfer-Encoding: chunked is supported");
    if (fr.lengths > 1 || fr.encodings > 1 || (fr.lengths && fr.encodings))
        return omb_fail(err, OMB_EINVAL, "invalid_framing", NULL,
                        "send one Content-Length or Transfer-Encoding: chunked, not both");
    query_scan q = {0, false};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, scan_arg, &q);
    if (!omb_utf8_valid(r->path, strlen(r->path)) || q.bad_utf8)
        return omb_fail(err, OMB_EINVAL, "invalid_utf8", NULL,
                        "the path or the query is not valid UTF-8");
    r->route = route_find(r, err);
    if (!r->route)
        return err->rc;
    if (q.n && !(r->route->flags & RT_QUERY))
        return omb_fail(err, OMB_EINVAL, "unknown_parameter", NULL,
                        "this endpoint takes no query parameters");
    if (!(r->route->flags & RT_PUBLIC)) {
        int rc = omb_req_authenticate(r, err);
        if (rc)
            return rc;
    }
    const char *ct =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    unsigned long long declared = declared_length(r);
    size_t cap = body_cap(r);
    if (declared > cap)
        return omb_fail(err, OMB_ETOOBIG, "body_too_large", NULL,
                        "the body is larger than %zu bytes", cap);
    if (r->route->flags & RT_BODY) {
        bool has_body = declared > 0 ||
                        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Transfer-Encoding");
        if (has_body && !is_json_type(ct))
            return omb_fail(err, OMB_EMEDIA, "unsupported_media_type", NULL,
                            "send the body as Content-Type: application/json");
    }
    if (r->route->precheck) {
        int rc = r->route->precheck(r, err);
        if (rc)
            return rc;
    }
    if (r->route->flags & RT_STREAM)
        return omb_upload_begin(app, &r->upload, err);
    return OMB_OK;
}

/* ---- an early refusal of a request with a body ------------------------------------ */

/*
 * Answers an error found from the headers alone.  Answered at once, the
 * library would close the connection without reading the body, and a
 * client (or a proxy) still sending it would get a reset or a broken pipe
 * instead of the answer.  So when the body is soundly framed (one
 * Content-Length, or chunked) within the route's cap and the client does
 * not wait for 100 Continue, the error is kept, the body read and dropped
 * (never written anywhere), and the error answered when it has arrived,
 * with Connection: close.  A refusal of the framing or of the body's size
 * is answered at once.
 */
static enum MHD_Result refuse_early(omb_req *r, omb_err *err)
{
    r->answered = true;
    framing fr = {0, 0, false};
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, scan_framing, &fr);
    const char *expect =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
    unsigned long long declared = declared_length(r);
    bool sound = fr.lengths + fr.encodings == 1 && !fr.other_coding;
    bool within = fr.encodings == 1 || declared <= body_cap(r);
    bool has_body = fr.encodings == 1 || declared > 0;
    if (err->rc == OMB_ETOOBIG || !sound || !within || !has_body || expect)
        return omb_reply_error(r, err);
    r->draining = true;
    r->drain_err = *err;
    r->close_after = true;
    return MHD_YES;
}

/* ---- body chunks ------------------------------------------------------------------ */

static void take_chunk(omb_req *r, const char *data, size_t n)
{
    omb_app *app = r->http->app;
    if (r->body_too_big)
        return;
    if (r->route->flags & RT_STREAM) {
        /* A failed write is reported as a storage error (upload.failed). */
        if (r->upload.size + n > app->cfg.max_attachment ||
            omb_upload_append(&r->upload, data, n) != OMB_OK)
            r->body_too_big = true;
        return;
    }
    if (omb_buf_append(&r->body, data, n) != OMB_OK)
        r->body_too_big = true;
}

/* ---- writes: suspend and resume ---------------------------------------------------- */

/*
 * A write is handed to the writer in the request's last call, but the
 * connection is suspended only in the call after it.  libmicrohttpd 0.9.75
 * keeps the poll state a connection had when it was suspended, and a
 * connection suspended in the last call is still "reading": once resumed
 * it reads first, and a client that has half-closed its side
 * (shutdown(SHUT_WR)) gives end-of-file, which the library treats as an
 * aborted request and closes the connection with the committed answer
 * unsent.  Returning once without an answer lets the library mark the
 * connection as waiting for the application (no more reading); it calls
 * the handler again at once, and only then is the connection suspended.
 * docs/operations.md says more.
 */
static void req_free(omb_req *r);

static void job_done(omb_job *job)
{
    omb_req *r = job->done_ctx;
    pthread_mutex_lock(&r->wait_lock);
    r->job_done = true;
    if (r->parked) {
        r->parked = false;
        MHD_resume_connection(r->conn);
    }
    bool orphan = r->orphaned;
    pthread_mutex_unlock(&r->wait_lock);
    if (orphan)
        req_free(r);
}

enum MHD_Result omb_req_submit(omb_req *r)
{
    r->job.done = job_done;
    r->job.done_ctx = r;
    r->suspended = true;
    if (omb_writer_submit(r->http->app->writer, &r->job) != OMB_OK) {
        r->job.rc = OMB_EBUSY;
        omb_fail(&r->job.err, OMB_EBUSY, "shutting_down", NULL, "the server is stopping");
        pthread_mutex_lock(&r->wait_lock);
        r->job_done = true;
        pthread_mutex_unlock(&r->wait_lock);
    }
    return MHD_YES;
}

/* True when the job is done; otherwise suspends the connection until it is. */
static bool job_finished_or_park(omb_req *r)
{
    pthread_mutex_lock(&r->wait_lock);
    bool done = r->job_done;
    if (!done && !r->parked) {
        r->parked = true;
        MHD_suspend_connection(r->conn);
    }
    pthread_mutex_unlock(&r->wait_lock);
    return done;
}

/* True when the client has shut its sending side down (shutdown(SHUT_WR)):
 * the library, which did not read while the write was running, would not
 * notice it and keep the connection open until it times out. */
static bool peer_half_closed(omb_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    char c;
    return ci && recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

static enum MHD_Result reply_job(omb_req *r)
{
    omb_job *job = &r->job;
    r->close_after = peer_half_closed(r);
    if (job->rc)
        return omb_reply_error(r, &job->err);
    if (job->result_text) {
        char *text = job->result_text;
        job->result_text = NULL;
        return omb_reply_text(r, job->status, text, strlen(text));
    }
    json_t *res = job->result;
    job->result = NULL;
    if (r->route->flags & RT_SESSION)
        omb_session_started(r, res);
    return omb_reply_json(r, job->status, res);
}

/* ---- the access handler ---------------------------------------------------------------- */

static omb_req *req_new(omb_http *h, struct MHD_Connection *conn, const char *url,
                        const char *method)
{
    omb_req *r = omb_xcalloc(1, sizeof *r);
    r->http = h;
    r->conn = conn;
    r->method = method;
    snprintf(r->path, sizeof r->path, "%s", url);
    omb_arena_init(&r->arena, 1 << 20);
    omb_buf_init(&r->body, h->app->cfg.max_body);
    omb_upload_init(&r->upload);
    pthread_mutex_init(&r->wait_lock, NULL);
    r->started_ns = now_ns();
    snprintf(r->request_id, sizeof r->request_id, "%llx",
             (unsigned long long)atomic_fetch_add(&h->next_request, 1));
    atomic_fetch_add(&h->in_flight, 1);
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    omb_http *h = cls;
    omb_req *r = *con_cls;
    if (!r) {
        r = req_new(h, conn, url, method);
        *con_cls = r;
        omb_err err;
        omb_err_clear(&err);
        if (strlen(url) >= sizeof r->path) {
            omb_fail(&err, OMB_ENOTFOUND, "no_route", NULL, "the path is too long");
            return refuse_early(r, &err);
        }
        if (first_call(r, &err) != OMB_OK)
            return refuse_early(r, &err);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (r->draining) {
            /* A chunked body that passes the cap is not read to its end. */
            r->drained += *upload_data_size;
            if (r->drained > body_cap(r))
                return MHD_NO;
        } else if (!r->answered) {
            take_chunk(r, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->draining) {
        r->draining = false;
        return omb_reply_error(r, &r->drain_err);
    }
    if (r->answered)
        return MHD_YES;
    if (r->suspended) {
        if (!job_finished_or_park(r))
            return MHD_YES;
        r->suspended = false;
        return reply_job(r);
    }
    if (r->body_too_big) {
        if (r->upload.failed)
            return omb_reply_fail(r, OMB_EIO, "io_error", NULL, "could not store the upload");
        return omb_reply_fail(r, OMB_ETOOBIG, "body_too_large", NULL,
                              "the body is larger than %zu bytes", body_cap(r));
    }
    return r->route->handler ? r->route->handler(r) : rt_write(r);
}

/* Text for the log: as it is when it is UTF-8, else with every byte from
 * 0x80 up written %HH (jansson refuses strings that are not UTF-8, and the
 * line of exactly such a request would lose all its fields). */
static const char *loggable(const char *s, char *out, size_t cap)
{
    if (omb_utf8_valid(s, strlen(s)))
        return s;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n + 4 < cap; p++) {
        if (*p < 0x80) {
            out[n++] = (char)*p;
        } else {
            snprintf(out + n, cap - n, "%%%02X", *p);
            n += 3;
        }
    }
    out[n] = '\0';
    return out;
}

static void log_request(omb_req *r)
{
    omb_app *app = r->http->app;
    if (!app->cfg.access_log || !omb_log_enabled(OMB_LOG_INFO))
        return;
    long long us = (now_ns() - r->started_ns) / 1000;
    char path[3 * sizeof r->path], method[96];
    const char *m = loggable(r->method, method, sizeof method);
    const char *p = loggable(r->path, path, sizeof path);
    /* Written as text (every request has this line): no JSON object built. */
    omb_buf f = OMB_BUF_INIT(sizeof path + sizeof method + 256);
    int rc = omb_buf_puts(&f, "\"id\":");
    rc = rc ? rc : omb_jsonw_string(&f, r->request_id, strlen(r->request_id));
    rc = rc ? rc : omb_buf_puts(&f, ",\"method\":");
    rc = rc ? rc : omb_jsonw_string(&f, m, strlen(m));
    rc = rc ? rc : omb_buf_puts(&f, ",\"path\":");
    rc = rc ? rc : omb_jsonw_string(&f, p, strlen(p));
    rc = rc ? rc : omb_buf_puts(&f, ",\"status\":");
    rc = rc ? rc : omb_buf_put_i64(&f, r->status);
    rc = rc ? rc : omb_buf_puts(&f, ",\"us\":");
    rc = rc ? rc : omb_buf_put_i64(&f, us);
    if (!rc && r->authed) {
        rc = omb_buf_puts(&f, ",\"user\":");
        rc = rc ? rc : omb_buf_put_i64(&f, r->who.user_id);
    }
    if (!rc)
        omb_log_members(OMB_LOG_INFO, "request", f.data, f.len);
    omb_buf_release(&f);
}

static void req_free(omb_req *r)
{
    omb_http *h = r->http;
    omb_upload_abort(&r->upload);
    omb_job_release(&r->job);
    omb_buf_release(&r->body);
    omb_arena_release(&r->arena);
    pthread_mutex_destroy(&r->wait_lock);
    free(r);
    atomic_fetch_sub(&h->in_flight, 1);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    omb_req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    log_request(r);
    /* A connection that ends between handing its job to the writer and
     * being suspended (a reset in that moment) leaves the job running: the
     * job's done() frees the request then. */
    pthread_mutex_lock(&r->wait_lock);
    bool orphan = r->suspended && !r->job_done;
    r->orphaned = orphan;
    pthread_mutex_unlock(&r->wait_lock);
    if (!orphan)
        req_free(r);
}

/* ---- the daemon ------------------------------------------------------------------------ */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %HH in the path and the query in place, as libmicrohttpd does,
 * except %00: a NUL would cut the text short, so that "/v1/parties/1%00x"
 * passed for "/v1/parties/1".  It stays "%00" and matches nothing. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    char *w = s;
    for (const char *p = s; *p;) {
        int hi = p[0] == '%' ? hex_value(p[1]) : -1;
        int lo = hi >= 0 ? hex_value(p[2]) : -1;
        if (lo >= 0 && (hi | lo) != 0) {
            *w++ = (char)(hi * 16 + lo);
            p += 3;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* libmicrohttpd's messages: fmt is its own printf format. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    omb_log(OMB_LOG_WARN, "http_library", json_pack("{s:s}", "message", msg));
}

int omb_http_start(omb_app *app, omb_http **out, omb_err *err)
{
    omb_http *h = omb_xcalloc(1, sizeof *h);
    h->app = app;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)app->cfg.listen_port);
    if (inet_pton(AF_INET, app->cfg.listen_host, &sa.sin_addr) != 1) {
        free(h);
        return omb_fail(err, OMB_EINVAL, "bad_config", "listen",
                        "listen host must be an IPv4 address, e.g. 127.0.0.1");
    }
    /* The socket is bound here, not by the library: its own error would name
     * port 0 (the port it was given inside a socket address is not the one it
     * prints), and the errno is what an operator needs. */
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 1024) != 0) {
        int e = errno;
        if (lfd >= 0)
            close(lfd);
        free(h);
        return omb_fail(err, OMB_EIO, "listen_failed", "listen", "cannot listen on %s:%d: %s",
                        app->cfg.listen_host, app->cfg.listen_port, strerror(e));
    }
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    h->port = getsockname(lfd, (struct sockaddr *)&bound, &blen) == 0 ? ntohs(bound.sin_port)
                                                                      : app->cfg.listen_port;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    /* One more worker than cores: a worker waiting on its reader connection's
     * I/O leaves a core to another. */
    unsigned threads =
        app->cfg.threads > 0 ? (unsigned)app->cfg.threads : (unsigned)(cores > 0 ? cores + 1 : 3);
    h->daemon = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
        on_request, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, lfd,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
    if (!h->daemon) {
        /* lfd is left to the library, which may have closed it already. */
        int port = h->port;
        free(h);
        return omb_fail(err, OMB_EIO, "listen_failed", "listen", "cannot serve on %s:%d",
                        app->cfg.listen_host, port);
    }
    h->ticker = omb_sse_ticker_start(app);
    *out = h;
    return OMB_OK;
}

int omb_http_port(omb_http *h)
{
    return h->port;
}

void omb_http_stop(omb_http *h, int grace_ms)
{
    if (!h)
        return;
    MHD_socket listen = MHD_quiesce_daemon(h->daemon);
    if (listen != MHD_INVALID_SOCKET)
        close(listen);
    /* Event streams end at once; other requests get the grace period. */
    omb_sse_ticker_stop(h->ticker);
    omb_hub_close(h->app->hub);
    /* Let requests in flight finish, then make sure the writer is empty. */
    for (int waited = 0; atomic_load(&h->in_flight) > 0 && waited < grace_ms; waited += 10)
        usleep(10000);
    omb_app_drain(h->app);
    MHD_stop_daemon(h->daemon);
    free(h);
}
