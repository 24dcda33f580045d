/*
 * http.h - the HTTP server: libmicrohttpd with a thread pool, one request
 * context per request, a route table, JSON in and out.
 *
 * A request's life: the first call of the access handler matches the route,
 * authenticates the bearer token (or, without an Authorization header, the
 * browser session's cookie, and for a write by cookie its X-CSRF-Token;
 * routes_session.c) and checks the declared body size and
 * type, answering at once when any of these fail; the following calls
 * collect the body under its cap (attachments stream to an app upload,
 * app/blobs.c, while being hashed); the last call runs the route's handler,
 * or for a write route (RT_WRITE) the generic rt_write, which runs the use
 * case the route table names.  A write prepares an omb_job and gives it to
 * the writer; the next call suspends the connection (server.c says why not
 * in the same call), the syncer resumes it once the job's batch is durable,
 * and the response is sent from the job's result.
 *
 * Nothing here touches the store: reads run on the calling thread's reader
 * from the app's pool (omb_app_reader_for_thread) through app queries.
 */
#ifndef OMB_HTTP_H
#define OMB_HTTP_H

#include "app/app.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/sha256.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct omb_http omb_http;
typedef struct omb_req omb_req;

enum route_flags {
    RT_PUBLIC = 1 << 0,    /* no token needed */
    RT_BODY = 1 << 1,      /* takes a JSON body */
    RT_STREAM = 1 << 2,    /* takes a raw body streamed to a file (attachments) */
    RT_TEST = 1 << 3,      /* exists only when test_clock is on */
    RT_QUERY = 1 << 4,     /* reads query parameters; other routes refuse any */
    RT_NO_STORE = 1 << 5,  /* answers carry secrets: Cache-Control: no-store */
    RT_ALIAS = 1 << 6,     /* another path for a listed endpoint; not in the index */
    RT_WRITE = 1 << 7,     /* a write served by rt_write from the entry's use case */
    RT_NO_REPLAY = 1 << 8, /* a write whose answer holds a secret: never replayed */
    RT_SESSION = 1 << 9,   /* opens a browser session: the answer's token goes into a cookie */
};

/* What the path parameters of an RT_WRITE route are. */
enum route_param {
    RP_NONE,   /* nothing to parse (a complaint number is passed as text) */
    RP_ID,     /* params[0] is a record id: else 404 not_found, "no such <noun>" */
    RP_SIZE,   /* params[0] is a tree size: else 404 no_head */
    RP_ACTION, /* params[1] is an action name (core/lifecycle.h): else 404 unknown_action */
};

/* The input of a write use case, taken from the request by rt_write. */
typedef struct omb_write_in {
    json_t *body;   /* RT_BODY: the parsed JSON body, else NULL */
    int64_t id;     /* RP_ID, RP_SIZE: params[0] as a number */
    const char *no; /* params[0] as sent (a complaint number) */
    int arg;        /* the entry's arg, or the action of RP_ACTION */
} omb_write_in;

typedef int (*omb_write_fn)(omb_app *app, omb_job *job, const omb_write_in *in, omb_err *err);
typedef int (*omb_body_write_fn)(omb_app *app, omb_job *job, json_t *body, omb_err *err);

#define ROUTE_PARAMS    3
#define ROUTE_PARAM_MAX 72
#define QUERY_MAX       32

typedef enum MHD_Result (*omb_handler)(omb_req *r);

typedef struct omb_route {
    const char *method;
    const char *pattern; /* "/v1/complaints/:no/actions/:action" */
    omb_handler handler; /* NULL for RT_WRITE routes */
    unsigned flags;
    /* optional: runs after authentication, before any body is read; an
     * upload that would be refused is refused before it reaches the disk */
    int (*precheck)(omb_req *r, omb_err *err);
    /* RT_WRITE: the use case, one of the two shapes (write_body when it takes
     * only the JSON body), how the path parameters are parsed, what a bad id
     * is not found as, and a constant for the use case */
    omb_body_write_fn write_body;
    omb_write_fn write;
    enum route_param param;
    const char *noun;
    int arg;
} omb_route;

struct omb_req {
    omb_http *http;
    struct MHD_Connection *conn;
    const char *method;
    char path[256];
    const omb_route *route;
    char params[ROUTE_PARAMS][ROUTE_PARAM_MAX];
    omb_principal who;
    bool authed;
    bool by_cookie;       /* authenticated by the session cookie, not a bearer token */
    char set_cookie[160]; /* a Set-Cookie header for the answer ("" for none) */
    omb_arena arena;
    omb_buf body;
    bool body_too_big;
    bool answered; /* an early error was queued */
    /* an early error kept until the declared body is read and dropped */
    bool draining;
    size_t drained; /* bytes of a chunked body dropped so far */
    omb_err drain_err;
    omb_upload upload; /* a streamed upload (RT_STREAM routes) */
    /* writes: suspended = a job was submitted and not yet answered; parked =
     * the connection is suspended until job_done (both under wait_lock) */
    bool suspended;
    pthread_mutex_t wait_lock;
    bool parked;
    bool job_done;
    bool orphaned; /* the connection ended first: job_done frees the request */
    omb_job job;
    bool durable_checked; /* omb_req_await_durable has run */
    bool close_after;     /* answer with Connection: close (the client half-closed) */
    int retry_after_s;    /* Retry-After of a 429 answer */
    /* logging */
    long long started_ns;
    int status;
    char request_id[20];
};

typedef struct omb_http_options {
    const char *host;
    int port;
    int threads;
} omb_http_options;

/* Authenticates a request of a route that needs it (routes_session.c). */
int omb_req_authenticate(omb_req *r, omb_err *err);
/* Moves a successful sign-in's token from its answer into the session cookie. */
void omb_session_started(omb_req *r, json_t *answer);

int omb_http_start(omb_app *app, omb_http **out, omb_err *err);
/* The port actually bound (useful with port 0). */
int omb_http_port(omb_http *h);
/* Stops accepting, waits up to grace_ms for requests in flight, drains the
 * writer, then stops the server. */
void omb_http_stop(omb_http *h, int grace_ms);

/* ---- helpers for handlers (reply.c) ----------------------------------------- */

omb_app *omb_req_app(omb_req *r);
/* The calling thread's reader connection from the app's pool. */
omb_store *omb_req_reader(omb_req *r, omb_err *err);

enum MHD_Result omb_reply_json(omb_req *r, int status, json_t *body);           /* steals body */
enum MHD_Result omb_reply_text(omb_req *r, int status, char *json, size_t len); /* steals */
enum MHD_Result omb_reply_buf(omb_req *r, int status, omb_buf *b);              /* takes contents */
enum MHD_Result omb_reply_error(omb_req *r, const omb_err *err);
/* Queues a response built by the caller (a download, a file of the web
 * workbench) with the headers every answer carries (X-Request-Id,
 * X-Content-Type-Options); takes resp. */
enum MHD_Result omb_reply_response(omb_req *r, int status, struct MHD_Response *resp);
/* Before a read's answer leaves: waits until what it read is durable
 * (writes are answered only once durable anyway).  OMB_EIO, with err
 * filled, once the disk has failed. */
int omb_req_await_durable(omb_req *r, omb_err *err);
enum MHD_Result omb_reply_fail(omb_req *r, int rc, const char *code, const char *field,
                               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int omb_status_of(int rc);

/* Parses the request body as one JSON object (empty body = {}). */
int omb_req_json(omb_req *r, json_t **out, omb_err *err);
/* The same on bytes (omb_req_json's parser; tests/fuzz/fuzz_request.c). */
int omb_json_body(const char *data, size_t len, json_t **out, omb_err *err);
/* Hands r->job to the writer and suspends the connection. */
enum MHD_Result omb_req_submit(omb_req *r);
/* Serves an RT_WRITE route: parses the path parameters and the body,
 * starts the job with the Idempotency-Key, runs the entry's use case and
 * submits the job (routes.c). */
enum MHD_Result rt_write(omb_req *r);

/* Wakes every event stream now and then so idle ones send a keep-alive (sse.c). */
typedef struct omb_sse_ticker omb_sse_ticker;
omb_sse_ticker *omb_sse_ticker_start(omb_app *app);
void omb_sse_ticker_stop(omb_sse_ticker *t);

/* The route table (routes.c). */
const omb_route *omb_routes(size_t *count);
/* Whether path belongs to the API (/v1 and under /v1/), never to the web workbench. */
bool omb_is_api_path(const char *path);
/* The route of a path outside the API when the web workbench is served
 * (routes_static.c): GET and HEAD of a file or of a page's route; else
 * NULL with err filled (405 for another method on such a path, 404). */
const omb_route *omb_static_route(omb_req *r, omb_err *err);

#endif
