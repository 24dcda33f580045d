/*
 * fill.c - fills a database with N complaints through the real write path
 * (use case, writer, batched transactions), for benchmarks that need a
 * large store.  Creates a bank and an agent when the database is new.
 * Usage: fill DB ATTACHMENTS_DIR N
 */
#include "app/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK 2000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_one(omb_app *app, omb_job *job, int rc, const omb_err *err)
{
    if (rc || omb_writer_run(app->writer, job)) {
        fprintf(stderr, "fill: %s\n", rc ? err->message : job->err.message);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: fill DB ATTACHMENTS_DIR N\n");
        return 2;
    }
    long total = strtol(argv[3], NULL, 10);
    omb_config cfg;
    omb_config_defaults(&cfg);
    snprintf(cfg.database, sizeof cfg.database, "%s", argv[1]);
    snprintf(cfg.attachments, sizeof cfg.attachments, "%s", argv[2]);
    cfg.batch_max = getenv("FILL_BATCH") ? (int)strtol(getenv("FILL_BATCH"), NULL, 10) : 4096;
    omb_app *app;
    omb_err err;
    omb_err_clear(&err);
    if (omb_app_open(&app, &cfg, true, &err)) {
        fprintf(stderr, "fill: %s\n", err.message);
        return 1;
    }
    omb_principal op = {0};
    op.role = OMB_ROLE_ADMIN;
    snprintf(op.party_kind, sizeof op.party_kind, "operator");
    omb_job job;
    omb_job_init(&job, NULL, NULL, &op);
    json_t *body =
        json_pack("{s:s,s:s,s:s}", "code", "fill-bank", "name", "Fill Bank", "kind", "bank");
    int rc = omb_uc_create_party(app, &job, body, &err);
    json_decref(body);
    if (run_one(app, &job, rc, &err))
        return 1;
    omb_principal agent = {0};
    agent.user_id = 1;
    agent.party_id = json_integer_value(json_object_get(job.result, "id"));
    agent.role = OMB_ROLE_AGENT;
    omb_job_release(&job);

    omb_job *jobs = calloc(CHUNK, sizeof *jobs);
    omb_job *ptrs[CHUNK];
    double start = now_s();
    for (long done = 0; done < total;) {
        int n = total - done < CHUNK ? (int)(total - done) : CHUNK;
        for (int i = 0; i < n; i++) {
            omb_job_init(&jobs[i], NULL, NULL, &agent);
            body =
                json_pack("{s:s,s:{s:s,s:s},s:s,s:s,s:I}", "channel", "app", "complainant", "name",
                          "王小明", "phone", "13800138000", "cause", "c12", "description",
                          "逾期三天后每天接到十几个催收电话，还打给我的同事和家人，言语威胁。",
                          "amount_fen", (json_int_t)(done + i) % 500000);
            if (omb_uc_create_complaint(app, &jobs[i], body, &err)) {
                fprintf(stderr, "fill: %s\n", err.message);
                return 1;
            }
            json_decref(body);
            ptrs[i] = &jobs[i];
        }
        omb_writer_run_many(app->writer, ptrs, (size_t)n);
        for (int i = 0; i < n; i++) {
            if (jobs[i].rc) {
                fprintf(stderr, "fill: %s\n", jobs[i].err.message);
                return 1;
            }
            omb_job_release(&jobs[i]);
        }
        done += n;
    }
    double secs = now_s() - start;
    printf("filled %ld complaints in %.1f s (%.0f/s through the writer)\n", total, secs,
           (double)total / secs);
    free(jobs);
    omb_app_close(app);
    return 0;
}
