/*
 * routes.c - the route table of the HTTP API, the generic write handler
 * and the handlers of reads and of the writes that need more.
 *
 * Most writes are described by their table entry alone (RT_WRITE): the use
 * case, whether a JSON body comes (RT_BODY), how the path parameters are
 * parsed (RP_ID, RP_SIZE, RP_ACTION) and whether an Idempotency-Key may
 * replay the answer (RT_NO_REPLAY); rt_write serves them all.  The login
 * (throttled by address, never replayed), logout, uploads (streamed to an
 * app upload) and the test clock keep handlers of their own.  A read
 * handler takes what it needs from the request (path parameters, query),
 * calls one query of the app layer on the thread's pooled reader and
 * replies.  A write's job goes to the writer with omb_req_submit(); the
 * reply is sent when the job has been committed.  No handler touches the
 * store (scripts/checksrc.sh checks).  The API is described in
 * docs/openapi.yaml.
 */
#include "app/log.h"
#include "app/version.h"
#include "core/filename.h"
#include "core/utf8.h"
#include "core/visibility.h"
#include "http.h"
#include "routes_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- shared steps ------------------------------------------------------------- */

enum MHD_Result rt_fail(omb_req *r, const omb_err *err)
{
    return omb_reply_error(r, err);
}

/* The request's Idempotency-Key (NULL when none), checked for its form. */
static int idempotency_key(omb_req *r, const char **out, omb_err *err)
{
    const char *key = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key");
    *out = key;
    if (!key)
        return OMB_OK;
    size_t n = strlen(key);
    bool ok = n > 0 && n < sizeof r->job.idem_key;
    for (size_t i = 0; ok && i < n; i++)
        ok = key[i] > 0x20 && key[i] < 0x7f;
    if (!ok)
        return omb_fail(err, OMB_EINVAL, "invalid_idempotency_key", "Idempotency-Key",
                        "Idempotency-Key must be 1 to 128 visible ASCII characters");
    return OMB_OK;
}

/* Reads Idempotency-Key and fingerprints the request for it: method, path,
 * body and `extra` (what an upload's body is: its digest, name and type). */
int rt_write_prelude(omb_req *r, const char *extra, omb_err *err)
{
    omb_job_init(&r->job, NULL, NULL, &r->who);
    const char *key;
    int rc = idempotency_key(r, &key, err);
    if (rc || !key)
        return rc;
    memcpy(r->job.idem_key, key, strlen(key) + 1);
    omb_sha256_ctx st;
    omb_sha256_init(&st);
    omb_sha256_update(&st, r->method, strlen(r->method));
    omb_sha256_update(&st, "\n", 1);
    omb_sha256_update(&st, r->path, strlen(r->path));
    omb_sha256_update(&st, "\n", 1);
    if (r->body.len)
        omb_sha256_update(&st, r->body.data, r->body.len);
    if (extra)
        omb_sha256_update(&st, extra, strlen(extra));
    omb_sha256_final(&st, r->job.req_hash);
    return OMB_OK;
}

/* The path parameters of a write route, as its entry says; a reply when they are bad. */
static bool write_params(omb_req *r, omb_write_in *in, enum MHD_Result *reply)
{
    const omb_route *rt = r->route;
    if ((rt->param == RP_ID || rt->param == RP_SIZE) && rt_parse_id(r->params[0], &in->id)) {
        *reply = rt->param == RP_ID ? omb_reply_fail(r, OMB_ENOTFOUND, "not_found", NULL,
                                                     "no such %s", rt->noun ? rt->noun : "record")
                                    : omb_reply_fail(r, OMB_ENOTFOUND, "no_head", NULL,
                                                     "no tree head of that size");
        return false;
    }
    enum omb_action action;
    if (rt->param == RP_ACTION) {
        if (omb_action_parse(r->params[1], &action) != OMB_OK) {
            *reply = omb_reply_fail(r, OMB_ENOTFOUND, "unknown_action", NULL,
                                    "no action %s (see docs/api.md)", r->params[1]);
            return false;
        }
        in->arg = (int)action;
    }
    return true;
}

enum MHD_Result rt_write(omb_req *r)
{
    const omb_route *rt = r->route;
    omb_err err;
    omb_err_clear(&err);
    omb_write_in in = {NULL, 0, r->params[0], rt->arg};
    enum MHD_Result reply;
    if (!write_params(r, &in, &reply))
        return reply;
    int rc = (rt->flags & RT_BODY) ? omb_req_json(r, &in.body, &err) : OMB_OK;
    if (!rc)
        rc = rt_write_prelude(r, NULL, &err);
    if (rt->flags & RT_NO_REPLAY)
        r->job.idem_key[0] = '\0';
    omb_app *app = omb_req_app(r);
    if (!rc)
        rc = rt->write_body ? rt->write_body(app, &r->job, in.body, &err)
                            : rt->write(app, &r->job, &in, &err);
    json_decref(in.body);
    if (rc)
        return rt_fail(r, &err);
    return omb_req_submit(r);
}

enum MHD_Result rt_reply_query(omb_req *r, int rc, json_t *out, const omb_err *err)
{
    if (rc)
        return rt_fail(r, err);
    return omb_reply_json(r, 200, out);
}

int rt_parse_id(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v < 1 || s[0] == '+' || s[0] == '-')
        return OMB_EINVAL;
    *out = v;
    return OMB_OK;
}

enum MHD_Result rt_one_by_id(omb_req *r, get_by_id q)
{
    omb_err err;
    omb_err_clear(&err);
    int64_t id;
    if (rt_parse_id(r->params[0], &id))
        return omb_reply_fail(r, OMB_ENOTFOUND, "not_found", NULL, "no such record");
    READER_OR_FAIL(r, rd, err);
    json_t *out = NULL;
    int rc = q(omb_req_app(r), rd, &r->who, id, &out, &err);
    return rt_reply_query(r, rc, out, &err);
}

enum MHD_Result rt_all_of(omb_req *r, get_list q)
{
    omb_err err;
    omb_err_clear(&err);
    READER_OR_FAIL(r, rd, err);
    json_t *out = NULL;
    int rc = q(omb_req_app(r), rd, &r->who, &out, &err);
    return rt_reply_query(r, rc, out, &err);
}

enum MHD_Result rt_collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    query_args *q = cls;
    if (q->n == QUERY_MAX) {
        q->overflow = true;
        return MHD_NO;
    }
    q->names[q->n] = key;
    q->values[q->n] = value ? value : "";
    q->n++;
    return MHD_YES;
}

/* ---- service ------------------------------------------------------------------ */

static enum MHD_Result h_health(omb_req *r)
{
    json_t *o;
    bool ok = omb_q_health(omb_req_app(r), &o);
    /* Health reports a failed disk rather than waiting on it. */
    r->durable_checked = true;
    return omb_reply_json(r, ok ? 200 : 503, o);
}

static enum MHD_Result h_version(omb_req *r)
{
    return omb_reply_json(r, 200,
                          json_pack("{s:s,s:s,s:s}", "name", "ombud", "version", OMB_VERSION, "api",
                                    OMB_API_VERSION));
}

static enum MHD_Result h_me(omb_req *r)
{
    return omb_reply_json(r, 200, omb_q_me(&r->who));
}

static enum MHD_Result h_taxonomy(omb_req *r)
{
    return omb_reply_json(r, 200, omb_q_taxonomy(omb_req_app(r)));
}

/* The client's address as text ("?" when unknown), for the login throttle and log. */
static void client_address(omb_req *r, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    snprintf(out, cap, "?");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)cap);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)cap);
}

enum MHD_Result rt_login(omb_req *r, login_uc uc)
{
    omb_err err;
    omb_err_clear(&err);
    char address[INET6_ADDRSTRLEN];
    client_address(r, address, sizeof address);
    json_t *body = NULL;
    int rc = omb_req_json(r, &body, &err);
    if (!rc)
        rc = rt_write_prelude(r, NULL, &err);
    /* a login or sign-in is never replayed: it would hand out a token again */
    r->job.idem_key[0] = '\0';
    omb_store *rd = rc ? NULL : omb_req_reader(r, &err);
    if (!rc && !rd)
        rc = err.rc;
    if (!rc)
        rc = uc(omb_req_app(r), rd, &r->job, body, address, &r->retry_after_s, &err);
    json_decref(body);
    if (rc)
        return rt_fail(r, &err);
    return omb_req_submit(r);
}

static enum MHD_Result h_login(omb_req *r)
{
    return rt_login(r, omb_uc_login);
}

enum MHD_Result rt_logout(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    omb_job_init(&r->job, NULL, NULL, &r->who);
    if (omb_uc_revoke_token(omb_req_app(r), &r->job, &err))
        return rt_fail(r, &err);
    return omb_req_submit(r);
}

/* POST /v1/test/clock {"now": "..."} or {"advance_ms": n} or {"reset": true} */
static enum MHD_Result h_test_clock(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    json_t *body = NULL;
    if (omb_req_json(r, &body, &err))
        return rt_fail(r, &err);
    omb_app *app = omb_req_app(r);
    const char *now = omb_json_str(body, "now", NULL);
    json_t *adv = json_object_get(body, "advance_ms");
    omb_ms t;
    if (now && omb_time_parse(now, app->cfg.utc_offset_minutes, &t) == OMB_OK) {
        atomic_store(&app->clock_fixed_ms, t);
    } else if (json_is_integer(adv)) {
        omb_ms fixed = atomic_load(&app->clock_fixed_ms);
        if (fixed)
            atomic_store(&app->clock_fixed_ms, fixed + json_integer_value(adv));
        else
            atomic_fetch_add(&app->clock_offset_ms, json_integer_value(adv));
    } else if (json_is_true(json_object_get(body, "reset"))) {
        atomic_store(&app->clock_fixed_ms, 0);
        atomic_store(&app->clock_offset_ms, 0);
    } else {
        json_decref(body);
        return omb_reply_fail(r, OMB_EFIELD, "invalid_value", NULL,
                              "send now (RFC 3339), advance_ms or reset");
    }
    json_decref(body);
    omb_sweeper_poke(app);
    char s[32];
    omb_time_format(omb_app_now(app), s, sizeof s);
    return omb_reply_json(r, 200, json_pack("{s:s}", "now", s));
}

/* POST /v1/test/sweep: one sweep now, answered when its writes are committed. */
static enum MHD_Result h_test_sweep(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    READER_OR_FAIL(r, rd, err);
    omb_app *app = omb_req_app(r);
    long complaints = 0, alerts = 0;
    if (omb_sweep_once(app, rd, omb_app_now(app), &complaints, &alerts, &err))
        return rt_fail(r, &err);
    return omb_reply_json(
        r, 200,
        json_pack("{s:I,s:I}", "complaints", (json_int_t)complaints, "alerts", (json_int_t)alerts));
}

/* ---- clocks ----------------------------------------------------------------------- */

static int clock_filter(omb_req *r, omb_clock_filter *f, char *state, size_t cap, omb_err *err)
{
    query_args q = {0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, rt_collect_arg, &q);
    if (q.overflow)
        return omb_fail(err, OMB_EINVAL, "too_many_parameters", NULL, "at most %d query parameters",
                        QUERY_MAX);
    return omb_q_clock_filter_parse(omb_req_app(r), &r->who, q.names, q.values, q.n, f, state, cap,
                                    err);
}

/* GET /v1/clocks and GET /v1/clocks/compliance share their filters. */
static enum MHD_Result clock_query(omb_req *r, bool figures)
{
    omb_err err;
    omb_err_clear(&err);
    omb_clock_filter f;
    char state[16];
    if (clock_filter(r, &f, state, sizeof state, &err))
        return rt_fail(r, &err);
    READER_OR_FAIL(r, rd, err);
    json_t *out = NULL;
    int rc = figures ? omb_q_compliance(omb_req_app(r), rd, &f, &out, &err)
                     : omb_q_clocks(omb_req_app(r), rd, &f, state, &out, &err);
    return rt_reply_query(r, rc, out, &err);
}

static enum MHD_Result h_clocks(omb_req *r)
{
    return clock_query(r, false);
}

static enum MHD_Result h_compliance(omb_req *r)
{
    return clock_query(r, true);
}

/* ---- the platform's records ------------------------------------------------------ */

static enum MHD_Result h_parties(omb_req *r)
{
    return rt_all_of(r, omb_q_parties);
}
static enum MHD_Result h_party(omb_req *r)
{
    return rt_one_by_id(r, omb_q_party);
}
static enum MHD_Result h_users(omb_req *r)
{
    return rt_all_of(r, omb_q_users);
}
static enum MHD_Result h_user(omb_req *r)
{
    return rt_one_by_id(r, omb_q_user);
}
static int w_change_user(omb_app *app, omb_job *job, const omb_write_in *in, omb_err *err)
{
    return omb_uc_change_user(app, job, in->id, (enum omb_user_change)in->arg, err);
}
static enum MHD_Result h_products(omb_req *r)
{
    return rt_all_of(r, omb_q_products);
}
static enum MHD_Result h_product(omb_req *r)
{
    return rt_one_by_id(r, omb_q_product);
}
static enum MHD_Result h_cooperations(omb_req *r)
{
    return rt_all_of(r, omb_q_cooperations);
}
static enum MHD_Result h_cooperation(omb_req *r)
{
    return rt_one_by_id(r, omb_q_cooperation);
}

/* ---- complaints ----------------------------------------------------------------- */

static enum MHD_Result h_complaint_list(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    query_args q = {0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, rt_collect_arg, &q);
    if (q.overflow)
        return omb_reply_fail(r, OMB_EINVAL, "too_many_parameters", NULL,
                              "at most %d query parameters", QUERY_MAX);
    omb_complaint_filter f;
    omb_app *app = omb_req_app(r);
    if (omb_q_filter_parse(app, &r->who, q.names, q.values, q.n, &f, &err))
        return rt_fail(r, &err);
    READER_OR_FAIL(r, rd, err);
    omb_buf out = OMB_BUF_INIT(32 << 20);
    int rc = omb_q_list(app, rd, &f, &out, &err);
    if (rc) {
        omb_buf_release(&out);
        return rt_fail(r, &err);
    }
    return omb_reply_buf(r, 200, &out);
}

static enum MHD_Result h_complaint_get(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    READER_OR_FAIL(r, rd, err);
    omb_buf out = OMB_BUF_INIT(16 << 20);
    int rc = omb_q_complaint(omb_req_app(r), rd, &r->who, r->params[0], &out, &err);
    if (rc) {
        omb_buf_release(&out);
        return rt_fail(r, &err);
    }
    return omb_reply_buf(r, 200, &out);
}

static enum MHD_Result h_timeline(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    READER_OR_FAIL(r, rd, err);
    json_t *out = NULL;
    int rc = omb_q_timeline(omb_req_app(r), rd, &r->who, r->params[0], &out, &err);
    return rt_reply_query(r, rc, out, &err);
}

static int w_action(omb_app *app, omb_job *job, const omb_write_in *in, omb_err *err)
{
    return omb_uc_complaint_action(app, job, in->no, (enum omb_action)in->arg, in->body, err);
}

/* The query of an upload: one "name", at most one "visibility", nothing else. */
typedef struct attach_query {
    const char *name, *visibility;
    int names, visibilities, others;
    char other[64];
} attach_query;

static enum MHD_Result attach_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    attach_query *q = cls;
    if (strcmp(key, "name") == 0) {
        q->names++;
        q->name = value;
    } else if (strcmp(key, "visibility") == 0) {
        q->visibilities++;
        q->visibility = value ? value : "";
    } else if (q->others++ == 0) {
        snprintf(q->other, sizeof q->other, "%s", key);
    }
    return MHD_YES;
}

/* Before an upload is read: its parameters, the complaint and the role. */
static int precheck_attach(omb_req *r, omb_err *err)
{
    attach_query q = {NULL, NULL, 0, 0, 0, ""};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, attach_arg, &q);
    if (q.others)
        return omb_fail(err, OMB_EINVAL, "unknown_parameter", q.other,
                        "%s is not a known query parameter", q.other);
    if (q.names > 1)
        return omb_fail(err, OMB_EINVAL, "invalid_parameter", "name",
                        "name is given more than once");
    if (q.visibilities > 1)
        return omb_fail(err, OMB_EINVAL, "invalid_parameter", "visibility",
                        "visibility is given more than once");
    enum omb_visibility vis;
    if (q.visibility && omb_visibility_parse(q.visibility, &vis))
        return omb_fail(err, OMB_EFIELD, "invalid_value", "visibility",
                        "visibility has a value that is not allowed (party or involved)");
    const char *why;
    if (!q.name || !omb_filename_ok(q.name, strlen(q.name), &why))
        return omb_fail(err, OMB_EINVAL, "invalid_parameter", "name",
                        "give the file name as ?name=...: %s",
                        q.name ? why : "a name is 1 to 200 bytes");
    const char *key;
    int rc = idempotency_key(r, &key, err);
    if (rc)
        return rc;
    omb_store *rd = omb_req_reader(r, err);
    if (!rd)
        return err->rc;
    return omb_uc_attach_allowed(omb_req_app(r), rd, &r->who, r->params[0], err);
}

static enum MHD_Result h_attach(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    attach_query q = {NULL, NULL, 0, 0, 0, ""};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, attach_arg, &q);
    if (r->upload.size == 0)
        return omb_reply_fail(r, OMB_EFIELD, "empty_value", NULL, "the attachment is empty");
    const char *name = q.name; /* checked by precheck_attach */
    const char *ct =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct || !*ct || strlen(ct) > 120)
        ct = "application/octet-stream";
    /* A retry with the same key must send the same file under the same name. */
    char extra[1024];
    const char *sha = omb_upload_digest(&r->upload);
    snprintf(extra, sizeof extra, "%s\n%s\n%s%s%s", sha, name, ct, q.visibility ? "\n" : "",
             q.visibility ? q.visibility : "");
    int rc = rt_write_prelude(r, extra, &err);
    if (!rc)
        rc = omb_upload_finish(omb_req_app(r), &r->upload, &err);
    if (!rc)
        rc = omb_uc_attach(omb_req_app(r), &r->job, r->params[0], sha, (int64_t)r->upload.size,
                           name, ct, q.visibility, &err);
    if (rc)
        return rt_fail(r, &err);
    return omb_req_submit(r);
}

static enum MHD_Result h_attachments(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    READER_OR_FAIL(r, rd, err);
    omb_buf doc = OMB_BUF_INIT(16 << 20);
    int rc = omb_q_complaint(omb_req_app(r), rd, &r->who, r->params[0], &doc, &err);
    if (rc) {
        omb_buf_release(&doc);
        return rt_fail(r, &err);
    }
    json_error_t jerr;
    json_t *d = json_loadb(doc.data, doc.len, 0, &jerr);
    omb_buf_release(&doc);
    json_t *list = json_object_get(d, "attachments");
    json_t *out = json_pack("{s:O}", "items", list ? list : json_array());
    if (!list)
        json_decref(json_object_get(out, "items"));
    json_decref(d);
    return omb_reply_json(r, 200, out);
}

static enum MHD_Result h_blob(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    READER_OR_FAIL(r, rd, err);
    omb_attachment a;
    char path[700];
    int rc =
        omb_q_attachment(omb_req_app(r), rd, &r->who, r->params[0], &a, path, sizeof path, &err);
    if (rc)
        return rt_fail(r, &err);
    if (omb_req_await_durable(r, &err) != OMB_OK)
        return rt_fail(r, &err);
    int fd;
    uint64_t size;
    if (omb_blob_open(omb_req_app(r), a.sha256, &fd, &size, &err) != OMB_OK)
        return rt_fail(r, &err);
    struct MHD_Response *resp = MHD_create_response_from_fd(size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    /* Stored files are evidence, not pages: never let a browser render them. */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a.content_type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, "attachment");
    MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; sandbox");
    char etag[70];
    snprintf(etag, sizeof etag, "\"%s\"", a.sha256);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    return omb_reply_response(r, 200, resp);
}

/* ---- the table ------------------------------------------------------------------- */

/* A read (or a write with a handler of its own), and a write served by rt_write. */
#define ROUTE(m, p, h, f)                                                                          \
    {                                                                                              \
        .method = m, .pattern = p, .handler = h, .flags = f                                        \
    }
#define WRITE(m, p, f, ...)                                                                        \
    {                                                                                              \
        .method = m, .pattern = p, .flags = RT_WRITE | (f), __VA_ARGS__                            \
    }

static const omb_route routes[] = {
    ROUTE("GET", "/v1/", rt_index, RT_PUBLIC),
    ROUTE("GET", "/v1", rt_index, RT_PUBLIC | RT_ALIAS),
    ROUTE("GET", "/", rt_index, RT_PUBLIC | RT_ALIAS),
    ROUTE("GET", "/v1/health", h_health, RT_PUBLIC),
    ROUTE("GET", "/v1/version", h_version, RT_PUBLIC),
    ROUTE("POST", "/v1/tokens", h_login, RT_PUBLIC | RT_BODY | RT_NO_STORE),
    ROUTE("DELETE", "/v1/tokens/current", rt_logout, 0),
    ROUTE("POST", "/v1/sessions", rt_session_open, RT_PUBLIC | RT_BODY | RT_NO_STORE | RT_SESSION),
    ROUTE("GET", "/v1/sessions/current", rt_session_get, RT_NO_STORE),
    ROUTE("DELETE", "/v1/sessions/current", rt_session_close, RT_NO_STORE),
    ROUTE("GET", "/v1/me", h_me, 0),
    ROUTE("GET", "/v1/taxonomy", h_taxonomy, 0),
    ROUTE("GET", "/v1/parties", h_parties, 0),
    WRITE("POST", "/v1/parties", RT_BODY, .write_body = omb_uc_create_party),
    ROUTE("GET", "/v1/parties/:id", h_party, 0),
    ROUTE("GET", "/v1/users", h_users, 0),
    WRITE("POST", "/v1/users", RT_BODY, .write_body = omb_uc_create_user),
    ROUTE("GET", "/v1/users/:id", h_user, 0),
    WRITE("POST", "/v1/users/:id/deactivate", 0, .write = w_change_user, .param = RP_ID,
          .noun = "user", .arg = OMB_USER_DEACTIVATE),
    WRITE("POST", "/v1/users/:id/activate", 0, .write = w_change_user, .param = RP_ID,
          .noun = "user", .arg = OMB_USER_ACTIVATE),
    WRITE("DELETE", "/v1/users/:id/tokens", 0, .write = w_change_user, .param = RP_ID,
          .noun = "user", .arg = OMB_USER_REVOKE_TOKENS),
    ROUTE("GET", "/v1/products", h_products, 0),
    WRITE("POST", "/v1/products", RT_BODY, .write_body = omb_uc_create_product),
    ROUTE("GET", "/v1/products/:id", h_product, 0),
    ROUTE("GET", "/v1/cooperations", h_cooperations, 0),
    WRITE("POST", "/v1/cooperations", RT_BODY, .write_body = omb_uc_create_cooperation),
    ROUTE("GET", "/v1/cooperations/:id", h_cooperation, 0),
    ROUTE("GET", "/v1/complaints", h_complaint_list, RT_QUERY),
    WRITE("POST", "/v1/complaints", RT_BODY, .write_body = omb_uc_create_complaint),
    ROUTE("GET", "/v1/complaints/:no", h_complaint_get, 0),
    ROUTE("GET", "/v1/complaints/:no/timeline", h_timeline, 0),
    WRITE("POST", "/v1/complaints/:no/actions/:action", RT_BODY, .write = w_action,
          .param = RP_ACTION),
    WRITE("POST", "/v1/complaints/:no/notes", RT_BODY, .write = w_action, .arg = OMB_ACT_NOTE),
    ROUTE("GET", "/v1/complaints/:no/attachments", h_attachments, 0),
    {.method = "POST",
     .pattern = "/v1/complaints/:no/attachments",
     .handler = h_attach,
     .flags = RT_STREAM | RT_QUERY,
     .precheck = precheck_attach},
    ROUTE("GET", "/v1/attachments/:sha256", h_blob, 0),
    ROUTE("POST", "/v1/test/clock", h_test_clock, RT_PUBLIC | RT_BODY | RT_TEST),
    ROUTE("POST", "/v1/test/sweep", h_test_sweep, RT_PUBLIC | RT_TEST),
    ROUTE("GET", "/v1/clocks", h_clocks, RT_QUERY),
    ROUTE("GET", "/v1/clocks/compliance", h_compliance, RT_QUERY),
    ROUTE("GET", "/v1/complaints/:no/complainant", rt_reveal, RT_QUERY | RT_NO_STORE),
    ROUTE("GET", "/v1/complaints/:no/events/:seq/texts", rt_reveal_texts, RT_QUERY | RT_NO_STORE),
    ROUTE("GET", "/v1/tasks", rt_tasks, RT_QUERY),
    WRITE("POST", "/v1/users/:id/duty", RT_BODY, .write = rt_w_duty, .param = RP_ID,
          .noun = "user"),
    ROUTE("GET", "/v1/webhooks", rt_webhooks, 0),
    /* like a login, never replayed: the record would have to keep the secret in clear */
    WRITE("POST", "/v1/webhooks", RT_BODY | RT_NO_REPLAY, .write_body = omb_uc_create_webhook),
    ROUTE("GET", "/v1/webhooks/:id", rt_webhook, 0),
    WRITE("DELETE", "/v1/webhooks/:id", 0, .write = rt_w_webhook_active, .param = RP_ID,
          .noun = "webhook", .arg = false),
    WRITE("POST", "/v1/webhooks/:id/enable", 0, .write = rt_w_webhook_active, .param = RP_ID,
          .noun = "webhook", .arg = true),
    ROUTE("GET", "/v1/webhooks/:id/deliveries", rt_deliveries, RT_QUERY),
    ROUTE("GET", "/v1/settlements", rt_settlements, RT_QUERY),
    ROUTE("GET", "/v1/complainants/complaints", rt_repeat, RT_QUERY),
    ROUTE("GET", "/v1/stream", rt_stream, RT_QUERY),
    ROUTE("GET", "/v1/ledger/key", rt_ledger_key, 0),
    ROUTE("GET", "/v1/ledger/head", rt_ledger_head, 0),
    ROUTE("GET", "/v1/ledger/heads", rt_ledger_heads, RT_QUERY),
    WRITE("POST", "/v1/ledger/heads", 0, .write = rt_w_sign_head),
    ROUTE("GET", "/v1/ledger/heads/:size", rt_ledger_head_by_size, 0),
    WRITE("POST", "/v1/ledger/heads/:size/cosignatures", RT_BODY, .write = rt_w_cosign,
          .param = RP_SIZE),
    ROUTE("GET", "/v1/ledger/consistency", rt_ledger_consistency, RT_QUERY),
    ROUTE("GET", "/v1/ledger/inclusion", rt_ledger_inclusion, RT_QUERY),
    ROUTE("GET", "/v1/ledger/witnesses", rt_witnesses, 0),
    WRITE("POST", "/v1/ledger/witnesses", RT_BODY, .write_body = omb_uc_register_witness),
    ROUTE("GET", "/v1/complaints/:no/events/:seq/proof", rt_event_proof, 0),
    ROUTE("GET", "/v1/complaints/:no/receipt", rt_receipt, 0),
};

const omb_route *omb_routes(size_t *count)
{
    *count = sizeof routes / sizeof routes[0];
    return routes;
}
