/*
 * reply.c - sending JSON responses and errors, and reading JSON bodies.
 *
 * Every error leaves as {"error":{"code","message","field"}} with the
 * status its kind maps to in the table below; nothing else in ombud knows
 * HTTP status codes.
 */
#include "http.h"
#include "core/jsonw.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    int rc;
    int status;
} statuses[] = {
    {OMB_OK, 200},        {OMB_EINVAL, 400},    {OMB_EUNAUTH, 401}, {OMB_EFORBIDDEN, 403},
    {OMB_ENOTFOUND, 404}, {OMB_ECONFLICT, 409}, {OMB_ETOOBIG, 413}, {OMB_EMEDIA, 415},
    {OMB_EFIELD, 422},    {OMB_EIO, 500},       {OMB_EBUSY, 503},   {OMB_ELIMIT, 429},
};

/* Error codes whose status is not their kind's. */
static const struct {
    const char *code;
    int status;
} code_statuses[] = {
    {"method_not_allowed", 405},
    {"unsupported_transfer_encoding", 501},
};

int omb_status_of(int rc)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i].rc == rc)
            return statuses[i].status;
    return 500;
}

int omb_req_await_durable(omb_req *r, omb_err *err)
{
    if (r->job_done || r->durable_checked)
        return OMB_OK;
    r->durable_checked = true;
    return omb_writer_await_durable(omb_req_app(r)->writer, err);
}

static enum MHD_Result send_response(omb_req *r, int status, struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO;
    omb_err err;
    if (omb_req_await_durable(r, &err) != OMB_OK) {
        MHD_destroy_response(resp);
        return omb_reply_error(r, &err);
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    /* Answers carrying a secret (a token, clear personal data) stay out of caches. */
    if (r->route && (r->route->flags & RT_NO_STORE))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (r->set_cookie[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
    if (status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"ombud\"");
    if (r->close_after)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (status == 429 && r->retry_after_s > 0) {
        char wait[24];
        snprintf(wait, sizeof wait, "%d", r->retry_after_s);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, wait);
    }
    if (r->job.replayed)
        MHD_add_response_header(resp, "Idempotent-Replayed", "true");
    return omb_reply_response(r, status, resp);
}

enum MHD_Result omb_reply_response(omb_req *r, int status, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    /* A browser must never guess another type than the one sent: a JSON
     * answer is never a page or a script, a download never runs. */
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    r->status = status;
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result omb_reply_text(omb_req *r, int status, char *json, size_t len)
{
    return send_response(r, status,
                         MHD_create_response_from_buffer(len, json, MHD_RESPMEM_MUST_FREE));
}

enum MHD_Result omb_reply_json(omb_req *r, int status, json_t *body)
{
    size_t len = 0;
    char *text = body ? omb_jsonw_dup(body, 0, &len) : NULL;
    json_decref(body);
    if (!text) {
        /* A view that could not be built (it never should) still gets an answer. */
        static const char fallback[] = "{\"error\":{\"code\":\"internal\",\"message\":"
                                       "\"the response could not be built\",\"field\":null}}";
        text = omb_xstrdup(fallback);
        len = sizeof fallback - 1;
        status = 500;
    }
    return omb_reply_text(r, status, text, len);
}

enum MHD_Result omb_reply_buf(omb_req *r, int status, omb_buf *b)
{
    size_t len;
    char *text = omb_buf_detach(b, &len);
    return omb_reply_text(r, status, text, len);
}

enum MHD_Result omb_reply_error(omb_req *r, const omb_err *err)
{
    int rc = err->rc ? err->rc : OMB_EIO;
    int status = omb_status_of(rc);
    for (size_t i = 0; i < sizeof code_statuses / sizeof code_statuses[0]; i++)
        if (strcmp(err->code, code_statuses[i].code) == 0)
            status = code_statuses[i].status;
    /* A message or field that quotes the request may hold bytes that are not UTF-8
     * (a cut name); jansson refuses such strings, and no answer would leave. */
    json_t *message = json_string(err->message[0] ? err->message : omb_rc_name(rc));
    json_t *field = err->field[0] ? json_string(err->field) : NULL;
    json_t *e = json_pack("{s:s,s:o}", "code", err->code[0] ? err->code : omb_rc_name(rc),
                          "message", message ? message : json_string(omb_rc_name(rc)));
    json_object_set_new(e, "field", field ? field : json_null());
    /* Storage faults are logged in full but not described to the client. */
    if (status >= 500 && rc == OMB_EIO) {
        json_object_set_new(e, "message",
                            json_string("internal error; the request changed nothing"));
    }
    return omb_reply_json(r, status, json_pack("{s:o}", "error", e));
}

enum MHD_Result omb_reply_fail(omb_req *r, int rc, const char *code, const char *field,
                               const char *fmt, ...)
{
    omb_err err;
    omb_err_clear(&err);
    err.rc = rc;
    snprintf(err.code, sizeof err.code, "%s", code);
    snprintf(err.field, sizeof err.field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err.message, sizeof err.message, fmt, ap);
    va_end(ap);
    return omb_reply_error(r, &err);
}

int omb_req_json(omb_req *r, json_t **out, omb_err *err)
{
    return omb_json_body(r->body.data, r->body.len, out, err);
}

int omb_json_body(const char *data, size_t len, json_t **out, omb_err *err)
{
    if (len == 0) {
        *out = json_object();
        return OMB_OK;
    }
    if (!omb_utf8_valid(data, len))
        return omb_fail(err, OMB_EINVAL, "invalid_utf8", NULL, "the body is not valid UTF-8");
    json_error_t jerr;
    json_t *v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!v) {
        if (json_error_code(&jerr) == json_error_duplicate_key)
            return omb_fail(err, OMB_EINVAL, "duplicate_key", NULL, "duplicate key: %s", jerr.text);
        return omb_fail(err, OMB_EINVAL, "invalid_json", NULL,
                        "the body is not valid JSON: %s at line %d column %d", jerr.text, jerr.line,
                        jerr.column);
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return omb_fail(err, OMB_EFIELD, "invalid_type", NULL, "the body must be a JSON object");
    }
    *out = v;
    return OMB_OK;
}
