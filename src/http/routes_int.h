/*
 * routes_int.h - the steps handlers share (routes.c, routes_link.c,
 * routes_ledger.c, sse.c): replying with an error, preparing a write,
 * replying to a query, collecting query parameters, parsing path ids, and
 * the write use cases the route table names.  Internal to src/http.
 */
#ifndef OMB_ROUTES_INT_H
#define OMB_ROUTES_INT_H

#include "http.h"

typedef int (*get_by_id)(omb_app *, omb_store *, const omb_principal *, int64_t, json_t **,
                         omb_err *);
typedef int (*get_list)(omb_app *, omb_store *, const omb_principal *, json_t **, omb_err *);

typedef struct query_args {
    const char *names[QUERY_MAX];
    const char *values[QUERY_MAX];
    size_t n;
    bool overflow;
} query_args;

/* The reader connection of this thread, or a reply saying why not. */
#define READER_OR_FAIL(r, rd, err)                                                                 \
    omb_store *rd = omb_req_reader(r, &err);                                                       \
    if (!rd)                                                                                       \
        return rt_fail(r, &err);

enum MHD_Result rt_fail(omb_req *r, const omb_err *err);
/* Starts r->job for a write: Idempotency-Key and the request's fingerprint. */
int rt_write_prelude(omb_req *r, const char *extra, omb_err *err);
enum MHD_Result rt_reply_query(omb_req *r, int rc, json_t *out, const omb_err *err);
enum MHD_Result rt_one_by_id(omb_req *r, get_by_id q);
enum MHD_Result rt_all_of(omb_req *r, get_list q);
enum MHD_Result rt_collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value);
/* Collects the query parameters (OMB_EINVAL when there are too many). */
int rt_query_args(omb_req *r, query_args *q, omb_err *err);
int rt_parse_id(const char *s, int64_t *out);
/* A login or a sign-in (POST /v1/tokens, /v1/sessions): throttled by the
 * client's address, never replayed. */
typedef int (*login_uc)(omb_app *, omb_store *, omb_job *, json_t *, const char *, int *,
                        omb_err *);
enum MHD_Result rt_login(omb_req *r, login_uc uc);
/* Revokes the token the request was authenticated with (a logout, a sign-out). */
enum MHD_Result rt_logout(omb_req *r);

/* routes_session.c */
enum MHD_Result rt_session_open(omb_req *r);
enum MHD_Result rt_session_get(omb_req *r);
enum MHD_Result rt_session_close(omb_req *r);

/* routes_link.c and sse.c */
enum MHD_Result rt_reveal(omb_req *r);
enum MHD_Result rt_reveal_texts(omb_req *r);
enum MHD_Result rt_tasks(omb_req *r);
enum MHD_Result rt_webhooks(omb_req *r);
enum MHD_Result rt_webhook(omb_req *r);
int rt_w_duty(omb_app *app, omb_job *job, const omb_write_in *in, omb_err *err);
int rt_w_webhook_active(omb_app *app, omb_job *job, const omb_write_in *in, omb_err *err);
enum MHD_Result rt_deliveries(omb_req *r);
enum MHD_Result rt_settlements(omb_req *r);
enum MHD_Result rt_repeat(omb_req *r);
enum MHD_Result rt_pii_reads(omb_req *r);
enum MHD_Result rt_stats(omb_req *r);
enum MHD_Result rt_routing(omb_req *r);
enum MHD_Result rt_stream(omb_req *r);

/* routes_index.c */
enum MHD_Result rt_index(omb_req *r);

/* routes_ledger.c */
enum MHD_Result rt_ledger_key(omb_req *r);
enum MHD_Result rt_ledger_head(omb_req *r);
enum MHD_Result rt_ledger_head_by_size(omb_req *r);
enum MHD_Result rt_ledger_heads(omb_req *r);
int rt_w_sign_head(omb_app *app, omb_job *job, const omb_write_in *in, omb_err *err);
enum MHD_Result rt_ledger_consistency(omb_req *r);
enum MHD_Result rt_ledger_inclusion(omb_req *r);
enum MHD_Result rt_event_proof(omb_req *r);
enum MHD_Result rt_receipt(omb_req *r);
enum MHD_Result rt_witnesses(omb_req *r);
int rt_w_cosign(omb_app *app, omb_job *job, const omb_write_in *in, omb_err *err);

#endif
