/*
 * clocks.c - clock figures on a filled database (bench/fill):
 *   - how long the sweeper takes to find the due clocks among all open
 *     complaints (the index range scan it runs every sweep), when none are
 *     due and when a full batch is;
 *   - how many complaints' clocks are computed per second from their
 *     documents (what every read and write of a complaint does).
 * Usage: clocks DB ATTACHMENTS_DIR
 */
#include "app/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int count_row(void *ctx, int64_t id, omb_ms at)
{
    (*(long *)ctx)++;
    return OMB_OK;
}

/* Times `runs` lookups of the clocks due at `at`; prints the figures. */
static void time_lookup(omb_store *r, omb_ms at, const char *label)
{
    const int runs = 200;
    double total = 0, worst = 0;
    long found = 0;
    for (int i = 0; i < runs; i++) {
        long n = 0;
        omb_err err;
        double t0 = now_ms();
        if (r->vt->clocks_due(r, at, 512, count_row, &n, &err)) {
            fprintf(stderr, "clocks: %s\n", err.message);
            exit(1);
        }
        double dt = now_ms() - t0;
        total += dt;
        if (dt > worst)
            worst = dt;
        found = n;
    }
    printf("sweeper lookup, %-28s %4ld found: %.3f ms mean, %.3f ms worst (%d runs)\n", label,
           found, total / runs, worst, runs);
}

typedef struct docs {
    char **text;
    size_t n, cap;
} docs;

/* Keeps each complaint's clock history, which is what clocks are computed from. */
static int keep_doc(void *ctx, int64_t id, omb_ms received, const char *doc, size_t len,
                    const char *history, size_t history_len)
{
    docs *d = ctx;
    if (d->n < d->cap)
        d->text[d->n++] = omb_xstrndup(history, history_len);
    return OMB_OK;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: clocks DB ATTACHMENTS_DIR\n");
        return 2;
    }
    omb_config cfg;
    omb_config_defaults(&cfg);
    snprintf(cfg.database, sizeof cfg.database, "%s", argv[1]);
    snprintf(cfg.attachments, sizeof cfg.attachments, "%s", argv[2]);
    omb_app *app;
    omb_err err;
    if (omb_app_open(&app, &cfg, false, &err)) {
        fprintf(stderr, "clocks: %s\n", err.message);
        return 1;
    }
    omb_store *r;
    if (omb_app_reader(app, &r, &err)) {
        fprintf(stderr, "clocks: %s\n", err.message);
        return 1;
    }
    int64_t complaints = 0;
    r->vt->complaint_count(r, &complaints, &err);
    omb_ms now = omb_app_now(app);
    printf("open complaints: %lld (each with a first-contact and a decision clock)\n",
           (long long)complaints);
    time_lookup(r, now, "now (nothing due yet):");
    time_lookup(r, now + 20 * OMB_MS_PER_HOUR, "in 20 h (warnings due):");
    time_lookup(r, now + 40 * OMB_MS_PER_DAY, "in 40 days (all breached):");

    /* Clock computation from documents, as reads and writes do it. */
    docs d = {calloc(10000, sizeof(char *)), 0, 10000};
    omb_complaint_filter f;
    memset(&f, 0, sizeof f);
    f.limit = 10000;
    r->vt->complaint_list(r, &f, keep_doc, &d, &err);
    json_t **parsed = calloc(d.n, sizeof *parsed);
    for (size_t i = 0; i < d.n; i++) {
        json_error_t jerr;
        parsed[i] = json_pack("{s:o}", "clock_events", json_loads(d.text[i], 0, &jerr));
    }
    const int rounds = 20;
    double t0 = now_ms();
    long computed = 0;
    for (int k = 0; k < rounds; k++)
        for (size_t i = 0; i < d.n; i++) {
            omb_complaint c;
            memset(&c, 0, sizeof c);
            c.doc = parsed[i];
            omb_clocks cl;
            if (omb_app_clocks(app, &c, now + k * OMB_MS_PER_HOUR, &cl, &err) == OMB_OK)
                computed++;
        }
    double dt = now_ms() - t0;
    printf("clock computation: %.0f complaints/s (%.2f us each, all clocks of a complaint)\n",
           computed / (dt / 1e3), dt * 1e3 / (double)computed);
    for (size_t i = 0; i < d.n; i++) {
        json_decref(parsed[i]);
        free(d.text[i]);
    }
    free(parsed);
    free(d.text);
    r->vt->close(r);
    omb_app_close(app);
    return 0;
}
