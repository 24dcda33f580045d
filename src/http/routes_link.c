/*
 * routes_link.c - the HTTP handlers of multi-party linkage: unmasked reads
 * of personal data, a party's task inbox, the duty roster, webhooks and
 * their deliveries, settlements and the search for repeat complainants.
 * The live event stream is in sse.c.
 */
#include "routes_int.h"

#include <string.h>

int rt_query_args(omb_req *r, query_args *q, omb_err *err)
{
    memset(q, 0, sizeof *q);
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, rt_collect_arg, q);
    if (q->overflow)
        return omb_fail(err, OMB_EINVAL, "too_many_parameters", NULL, "at most %d query parameters",
                        QUERY_MAX);
    return OMB_OK;
}

typedef int (*query_fn)(omb_app *, omb_store *, const omb_principal *, const char *const *,
                        const char *const *, size_t, json_t **, omb_err *);

static enum MHD_Result with_query(omb_req *r, query_fn q)
{
    omb_err err;
    omb_err_clear(&err);
    query_args a;
    if (rt_query_args(r, &a, &err))
        return rt_fail(r, &err);
    READER_OR_FAIL(r, rd, err);
    json_t *out = NULL;
    int rc = q(omb_req_app(r), rd, &r->who, a.names, a.values, a.n, &out, &err);
    return rt_reply_query(r, rc, out, &err);
}

/* A read of personal data (seq 0: the complainant's; else an event's free
 * text) with ?purpose=...: recorded, then answered. */
static enum MHD_Result reveal(omb_req *r, int64_t seq)
{
    omb_err err;
    omb_err_clear(&err);
    query_args a;
    int rc = rt_query_args(r, &a, &err);
    const char *purpose = NULL;
    for (size_t i = 0; !rc && i < a.n; i++) {
        if (strcmp(a.names[i], "purpose") == 0)
            purpose = a.values[i];
        else
            rc = omb_fail(&err, OMB_EINVAL, "unknown_parameter", a.names[i],
                          "unknown query parameter %s", a.names[i]);
    }
    omb_job_init(&r->job, NULL, NULL, &r->who);
    if (!rc && seq)
        rc = omb_uc_reveal_texts(omb_req_app(r), &r->job, r->params[0], seq, purpose, &err);
    else if (!rc)
        rc = omb_uc_reveal(omb_req_app(r), &r->job, r->params[0], purpose, &err);
    if (rc)
        return rt_fail(r, &err);
    return omb_req_submit(r);
}

/* GET /v1/complaints/{no}/complainant?purpose=... */
enum MHD_Result rt_reveal(omb_req *r)
{
    return reveal(r, 0);
}

/* GET /v1/complaints/{no}/events/{seq}/texts?purpose=... */
enum MHD_Result rt_reveal_texts(omb_req *r)
{
    int64_t seq;
    if (rt_parse_id(r->params[1], &seq))
        return omb_reply_fail(r, OMB_ENOTFOUND, "not_found", NULL, "no such event");
    return reveal(r, seq);
}

enum MHD_Result rt_tasks(omb_req *r)
{
    return with_query(r, omb_q_tasks);
}

enum MHD_Result rt_settlements(omb_req *r)
{
    return with_query(r, omb_q_settlements);
}

enum MHD_Result rt_repeat(omb_req *r)
{
    return with_query(r, omb_q_repeat);
}

enum MHD_Result rt_pii_reads(omb_req *r)
{
    return with_query(r, omb_q_pii_reads);
}

enum MHD_Result rt_stats(omb_req *r)
{
    return with_query(r, omb_q_stats);
}

enum MHD_Result rt_routing(omb_req *r)
{
    return with_query(r, omb_q_routing);
}

/* POST /v1/users/{id}/duty {"on_duty": bool} */
int rt_w_duty(omb_app *app, omb_job *job, const omb_write_in *in, omb_err *err)
{
    return omb_uc_set_duty(app, job, in->id, in->body, err);
}

/* ---- webhooks ------------------------------------------------------------------- */

enum MHD_Result rt_webhooks(omb_req *r)
{
    return rt_all_of(r, omb_q_webhooks);
}

enum MHD_Result rt_webhook(omb_req *r)
{
    return rt_one_by_id(r, omb_q_webhook);
}

/* DELETE /v1/webhooks/{id} and POST /v1/webhooks/{id}/enable (arg: active). */
int rt_w_webhook_active(omb_app *app, omb_job *job, const omb_write_in *in, omb_err *err)
{
    return omb_uc_webhook_active(app, job, in->id, in->arg != 0, err);
}

enum MHD_Result rt_deliveries(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    int64_t id;
    if (rt_parse_id(r->params[0], &id))
        return omb_reply_fail(r, OMB_ENOTFOUND, "not_found", NULL, "no such webhook");
    query_args a;
    if (rt_query_args(r, &a, &err))
        return rt_fail(r, &err);
    READER_OR_FAIL(r, rd, err);
    json_t *out = NULL;
    int rc = omb_q_deliveries(omb_req_app(r), rd, &r->who, id, a.names, a.values, a.n, &out, &err);
    return rt_reply_query(r, rc, out, &err);
}
