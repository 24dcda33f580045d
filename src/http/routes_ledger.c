/*
 * routes_ledger.c - the HTTP handlers of the evidence ledger: the signing
 * key, signed tree heads (latest, by size, list, sign now), consistency and
 * inclusion proofs, an event's proof and a complaint's receipt, witnesses
 * and their countersignatures.  See docs/ledger.md.
 */
#include "routes_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef int (*ledger_query)(omb_app *, omb_store *, const char *const *, const char *const *,
                            size_t, json_t **, omb_err *);

static enum MHD_Result with_params(omb_req *r, ledger_query q)
{
    omb_err err;
    omb_err_clear(&err);
    query_args a;
    if (rt_query_args(r, &a, &err))
        return rt_fail(r, &err);
    READER_OR_FAIL(r, rd, err);
    json_t *out = NULL;
    int rc = q(omb_req_app(r), rd, a.names, a.values, a.n, &out, &err);
    return rt_reply_query(r, rc, out, &err);
}

/* A tree size in a path: a positive integer. */
static int parse_size(const char *s, uint64_t *out)
{
    int64_t v;
    if (rt_parse_id(s, &v))
        return OMB_EINVAL;
    *out = (uint64_t)v;
    return OMB_OK;
}

enum MHD_Result rt_ledger_key(omb_req *r)
{
    return omb_reply_json(r, 200, omb_q_ledger_key(omb_req_app(r)));
}

enum MHD_Result rt_ledger_head(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    READER_OR_FAIL(r, rd, err);
    json_t *out = NULL;
    int rc = omb_q_ledger_head(omb_req_app(r), rd, 0, &out, &err);
    return rt_reply_query(r, rc, out, &err);
}

enum MHD_Result rt_ledger_head_by_size(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    uint64_t size;
    if (parse_size(r->params[0], &size))
        return omb_reply_fail(r, OMB_ENOTFOUND, "no_head", NULL, "no tree head of that size");
    READER_OR_FAIL(r, rd, err);
    json_t *out = NULL;
    int rc = omb_q_ledger_head(omb_req_app(r), rd, size, &out, &err);
    return rt_reply_query(r, rc, out, &err);
}

enum MHD_Result rt_ledger_heads(omb_req *r)
{
    return with_params(r, omb_q_ledger_heads);
}

/* POST /v1/ledger/heads: sign a head now. */
int rt_w_sign_head(omb_app *app, omb_job *job, const omb_write_in *in, omb_err *err)
{
    return omb_uc_sign_head(app, job, err);
}

enum MHD_Result rt_ledger_consistency(omb_req *r)
{
    return with_params(r, omb_q_consistency);
}

enum MHD_Result rt_ledger_inclusion(omb_req *r)
{
    return with_params(r, omb_q_inclusion);
}

/* An event's proof or a receipt: from a reader when a signed head covers
 * it, else through the writer, which signs one first. */
static enum MHD_Result event_proof(omb_req *r, int64_t seq, bool receipt)
{
    omb_err err;
    omb_err_clear(&err);
    READER_OR_FAIL(r, rd, err);
    omb_job_init(&r->job, NULL, NULL, &r->who);
    json_t *out = NULL;
    int rc =
        omb_uc_event_proof(omb_req_app(r), rd, &r->job, r->params[0], seq, receipt, &out, &err);
    if (rc == OMB_PROOF_PENDING)
        return omb_req_submit(r);
    return rt_reply_query(r, rc, out, &err);
}

enum MHD_Result rt_event_proof(omb_req *r)
{
    int64_t seq;
    if (rt_parse_id(r->params[1], &seq))
        return omb_reply_fail(r, OMB_ENOTFOUND, "not_found", NULL, "no such event");
    return event_proof(r, seq, false);
}

enum MHD_Result rt_receipt(omb_req *r)
{
    return event_proof(r, 1, true);
}

enum MHD_Result rt_witnesses(omb_req *r)
{
    omb_err err;
    omb_err_clear(&err);
    READER_OR_FAIL(r, rd, err);
    json_t *out = NULL;
    int rc = omb_q_witnesses(omb_req_app(r), rd, &r->who, &out, &err);
    return rt_reply_query(r, rc, out, &err);
}

/* POST /v1/ledger/heads/{size}/cosignatures */
int rt_w_cosign(omb_app *app, omb_job *job, const omb_write_in *in, omb_err *err)
{
    return omb_uc_cosign(app, job, (uint64_t)in->id, in->body, err);
}
