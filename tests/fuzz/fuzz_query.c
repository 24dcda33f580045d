/*
 * fuzz_query.c - libFuzzer harness: the query-string parsers of the read
 * routes, and the reads they drive, on the world's database.
 *
 * Input: a first line "<route> <as>" and then the query string, split at
 * '&' and '=' into at most 32 name/value pairs as the server hands them
 * over.  route is one of complaints (omb_q_filter_parse, then omb_q_list),
 * clocks and compliance (omb_q_clock_filter_parse, then the read), tasks,
 * deliveries, settlements, repeat (complainants/complaints), heads,
 * consistency and inclusion (the ledger), pii_reads, stats and routing.  as is a fixture user
 * (fuzz_common.h).  A refusal must be a 4xx error with a code and an
 * answer must be writable as JSON.
 *
 * Seeds: tests/fuzz/corpus/query/; dictionary: tests/fuzz/query.dict.
 */
#include "fuzz_common.h"

typedef int (*pairs_read)(omb_app *, omb_store *, const omb_principal *, const char *const *,
                          const char *const *, size_t, json_t **, omb_err *);

static fz_world world;

static int complaints(const omb_principal *who, const fz_query *q, omb_err *err)
{
    omb_complaint_filter f;
    int rc = omb_q_filter_parse(world.app, who, q->names, q->values, q->n, &f, err);
    if (rc)
        return rc;
    omb_buf out = OMB_BUF_INIT(32 << 20);
    rc = omb_q_list(world.app, world.reader, &f, &out, err);
    omb_buf_release(&out);
    return rc;
}

static int clocks(const omb_principal *who, const fz_query *q, bool figures, omb_err *err)
{
    omb_clock_filter f;
    char state[16];
    int rc = omb_q_clock_filter_parse(world.app, who, q->names, q->values, q->n, &f, state,
                                      sizeof state, err);
    if (rc)
        return rc;
    json_t *out = NULL;
    rc = figures ? omb_q_compliance(world.app, world.reader, &f, &out, err)
                 : omb_q_clocks(world.app, world.reader, &f, state, &out, err);
    json_decref(out);
    return rc;
}

static int deliveries(omb_app *app, omb_store *r, const omb_principal *who,
                      const char *const *names, const char *const *values, size_t n, json_t **out,
                      omb_err *err)
{
    return omb_q_deliveries(app, r, who, 1, names, values, n, out, err);
}

static int ledger_heads(omb_app *app, omb_store *r, const omb_principal *who,
                        const char *const *names, const char *const *values, size_t n, json_t **out,
                        omb_err *err)
{
    return omb_q_ledger_heads(app, r, names, values, n, out, err);
}

static int consistency(omb_app *app, omb_store *r, const omb_principal *who,
                       const char *const *names, const char *const *values, size_t n, json_t **out,
                       omb_err *err)
{
    return omb_q_consistency(app, r, names, values, n, out, err);
}

static int inclusion(omb_app *app, omb_store *r, const omb_principal *who, const char *const *names,
                     const char *const *values, size_t n, json_t **out, omb_err *err)
{
    return omb_q_inclusion(app, r, names, values, n, out, err);
}

static const struct {
    const char *name;
    pairs_read read;
} pair_routes[] = {
    {"tasks", omb_q_tasks},     {"deliveries", deliveries},     {"settlements", omb_q_settlements},
    {"repeat", omb_q_repeat},   {"heads", ledger_heads},        {"consistency", consistency},
    {"inclusion", inclusion},   {"pii_reads", omb_q_pii_reads}, {"stats", omb_q_stats},
    {"routing", omb_q_routing},
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_world_open(&world);
    /* A signed head, so that the ledger reads have something to prove. */
    omb_job job;
    omb_err err;
    omb_job_init(&job, NULL, NULL, &world.who[0]);
    if (omb_uc_sign_head(world.app, &job, &err) || fz_run(&world, &job))
        fz_die("sign a head", &err);
    omb_job_release(&job);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input in;
    if (!fz_input_parse(&world, data, size, &in))
        return -1; /* not a query: keep it out of the corpus */
    const char *route = in.name;
    const omb_principal *who = in.who;
    fz_query q;
    fz_query_split(in.rest, &q);
    omb_err err;
    omb_err_clear(&err);
    int rc = OMB_OK;
    if (strcmp(route, "complaints") == 0) {
        rc = complaints(who, &q, &err);
    } else if (strcmp(route, "clocks") == 0 || strcmp(route, "compliance") == 0) {
        rc = clocks(who, &q, route[1] == 'o', &err);
    } else {
        for (size_t i = 0; i < sizeof pair_routes / sizeof pair_routes[0]; i++) {
            if (strcmp(route, pair_routes[i].name) == 0) {
                json_t *out = NULL;
                rc = pair_routes[i].read(world.app, world.reader, who, q.names, q.values, q.n, &out,
                                         &err);
                if (rc == OMB_OK)
                    fz_check_answer(route, out);
                json_decref(out);
            }
        }
    }
    fz_check_refusal(route, rc, &err);
    free(in.text);
    return 0;
}
