/*
 * sweeper.c - raises the warnings and escalations of clocks.
 *
 * A thread wakes every sweep_interval_ms (or when poked), asks the clocks
 * projection for the clocks whose next alert time has come - an index range
 * scan, never a walk over complaints - and gives the writer one job per
 * complaint.  The job recomputes the clocks inside the transaction and
 * records a clock_warning when a clock has used its warning share and a
 * clock_escalated when it is breached, each at most once per run of the
 * clock: the fold remembers which alerts a run already has, and the writer
 * runs one job at a time.  Party tasks and transfers are looked at the same
 * way through the tasks projection (tasks.c).
 */
#include "app.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SWEEP_BATCH      512
#define SWEEP_ROUNDS_MAX 1000

struct omb_sweeper {
    omb_app *app;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop, poked;
    omb_store *reader;
};

/* Addressees of an alert: the assignee (absent when none), the lead party's
 * supervisors and compliance. */
static json_t *addressees(const omb_complaint *c)
{
    json_t *to = json_pack("{s:I,s:[ss]}", "party", (json_int_t)c->lead_party_id, "roles",
                           "supervisor", "compliance");
    if (c->assignee_id)
        json_object_set_new(to, "assignee", json_integer(c->assignee_id));
    return to;
}

static json_t *time_json(omb_ms t)
{
    char s[32];
    omb_time_format(t, s, sizeof s);
    return json_string(s);
}

/* Adds one alert event to the change of the complaint. */
static int alert(omb_change *ch, const omb_clock *k, enum omb_action action, omb_ms now,
                 omb_err *err)
{
    const omb_complaint *c = &ch->c;
    json_t *p = json_pack("{s:s,s:i}", "clock", omb_clock_kind_name(k->kind), "run", k->runs);
    json_object_set_new(p, "due_at", time_json(k->due_at));
    json_object_set_new(p, "warn_at", time_json(k->warn_at));
    if (action == OMB_ACT_CLOCK_ESCALATION)
        json_object_set_new(p, "late_ms", json_integer(now - k->due_at));
    else
        json_object_set_new(p, "remaining_ms", json_integer(k->due_at > now ? k->due_at - now : 0));
    json_object_set_new(p, "to", addressees(c));
    return omb_change_add(ch, action, now, 0, 0, p, err);
}

typedef struct sweep_input {
    int64_t complaint_id;
    int alerts; /* out: events recorded */
} sweep_input;

static int run_sweep(omb_app *app, omb_store *s, omb_job *job)
{
    sweep_input *in = job->input;
    in->alerts = 0; /* a job may run twice */
    omb_change ch;
    omb_change_init(&ch);
    int rc = s->vt->complaint_load_id(s, in->complaint_id, &ch.c, &job->err);
    omb_ms now = omb_app_now(app);
    omb_clocks cl;
    if (!rc)
        rc = omb_app_clocks(app, &ch.c, now, &cl, &job->err);
    for (unsigned k = 0; !rc && k < OMB_CLOCK__COUNT; k++) {
        const omb_clock *clk = &cl.clock[k];
        omb_ms next = omb_clock_next_alert(clk, &app->clock_rules);
        if (!next || next > now)
            continue;
        if (!clk->warned && clk->warn_at && clk->warn_at <= now) {
            rc = alert(&ch, clk, OMB_ACT_CLOCK_WARNING, now, &job->err);
            in->alerts += !rc;
        }
        if (!rc && !clk->escalated && clk->due_at <= now) {
            rc = alert(&ch, clk, OMB_ACT_CLOCK_ESCALATION, now, &job->err);
            in->alerts += !rc;
        }
    }
    if (!rc) {
        int task_alerts = 0;
        rc = omb_app_sweep_tasks(app, &ch, now, &task_alerts, &job->err);
        in->alerts += task_alerts;
    }
    /* Committing also moves each clock's (and task's) next alert time on. */
    if (!rc)
        rc = omb_change_commit(app, s, job, &ch, 0, NULL);
    omb_change_release(&ch);
    return rc;
}

typedef struct due_ids {
    int64_t ids[SWEEP_BATCH];
    size_t n;
} due_ids;

static int collect(void *ctx, int64_t id, omb_ms at)
{
    due_ids *d = ctx;
    for (size_t i = 0; i < d->n; i++)
        if (d->ids[i] == id)
            return OMB_OK;
    if (d->n < SWEEP_BATCH)
        d->ids[d->n++] = id;
    return OMB_OK;
}

int omb_sweep_once(omb_app *app, omb_store *reader, omb_ms now, long *complaints, long *alerts,
                   omb_err *err)
{
    *complaints = 0;
    *alerts = 0;
    int64_t last_first = -1;
    for (int round = 0; round < SWEEP_ROUNDS_MAX; round++) {
        due_ids d = {{0}, 0};
        int rc = reader->vt->clocks_due(reader, now, SWEEP_BATCH, collect, &d, err);
        if (!rc && d.n < SWEEP_BATCH)
            rc = reader->vt->tasks_due(reader, now, SWEEP_BATCH - (int)d.n, collect, &d, err);
        if (rc)
            return rc;
        /* Nothing due, or the same complaints again: a job could not move them on. */
        if (d.n == 0 || d.ids[0] == last_first)
            break;
        last_first = d.ids[0];
        omb_job jobs[SWEEP_BATCH];
        omb_job *ptrs[SWEEP_BATCH];
        sweep_input in[SWEEP_BATCH];
        omb_principal sys;
        memset(&sys, 0, sizeof sys);
        for (size_t i = 0; i < d.n; i++) {
            in[i].complaint_id = d.ids[i];
            in[i].alerts = 0;
            omb_job_init(&jobs[i], run_sweep, &in[i], &sys);
            ptrs[i] = &jobs[i];
        }
        rc = omb_writer_run_many(app->writer, ptrs, d.n);
        for (size_t i = 0; i < d.n; i++) {
            if (jobs[i].rc)
                omb_log(OMB_LOG_WARN, "sweep_failed",
                        json_pack("{s:I,s:s,s:s}", "complaint", (json_int_t)d.ids[i], "code",
                                  jobs[i].err.code, "message", jobs[i].err.message));
            *alerts += in[i].alerts;
            omb_job_release(&jobs[i]);
        }
        *complaints += (long)d.n;
        if (rc)
            return omb_fail(err, rc, "shutting_down", NULL, "the writer is stopping");
        if (d.n < SWEEP_BATCH)
            break;
    }
    return OMB_OK;
}

static void *sweeper_main(void *arg)
{
    omb_sweeper *sw = arg;
    omb_app *app = sw->app;
    for (;;) {
        pthread_mutex_lock(&sw->lock);
        if (!sw->stop && !sw->poked) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            long long ns = until.tv_nsec + (long long)app->cfg.sweep_interval_ms * 1000000LL;
            until.tv_sec += ns / 1000000000LL;
            until.tv_nsec = ns % 1000000000LL;
            pthread_cond_timedwait(&sw->wake, &sw->lock, &until);
        }
        bool stop = sw->stop;
        sw->poked = false;
        pthread_mutex_unlock(&sw->lock);
        if (stop)
            break;
        long complaints, alerts;
        omb_err err;
        omb_err_clear(&err);
        if (omb_sweep_once(app, sw->reader, omb_app_now(app), &complaints, &alerts, &err))
            omb_log(OMB_LOG_WARN, "sweep_failed", json_pack("{s:s}", "message", err.message));
        else if (alerts)
            omb_log(OMB_LOG_INFO, "sweep",
                    json_pack("{s:I,s:I}", "complaints", (json_int_t)complaints, "alerts",
                              (json_int_t)alerts));
        /* Sign a tree head when the ledger has grown and its interval has passed. */
        omb_err_clear(&err);
        if (omb_ledger_tick(app, sw->reader, &err))
            omb_log(OMB_LOG_WARN, "tree_head_failed", json_pack("{s:s}", "message", err.message));
    }
    return NULL;
}

int omb_sweeper_start(omb_app *app, omb_err *err)
{
    omb_sweeper *sw = omb_xcalloc(1, sizeof *sw);
    sw->app = app;
    pthread_mutex_init(&sw->lock, NULL);
    pthread_cond_init(&sw->wake, NULL);
    int rc = omb_app_reader(app, &sw->reader, err);
    if (!rc && pthread_create(&sw->thread, NULL, sweeper_main, sw) != 0)
        rc = omb_fail(err, OMB_EIO, "internal", NULL, "cannot start the sweeper thread");
    if (rc) {
        if (sw->reader)
            sw->reader->vt->close(sw->reader);
        free(sw);
        return rc;
    }
    app->sweeper = sw;
    return OMB_OK;
}

void omb_sweeper_poke(omb_app *app)
{
    omb_sweeper *sw = app->sweeper;
    if (!sw)
        return;
    pthread_mutex_lock(&sw->lock);
    sw->poked = true;
    pthread_cond_signal(&sw->wake);
    pthread_mutex_unlock(&sw->lock);
}

void omb_sweeper_stop(omb_app *app)
{
    omb_sweeper *sw = app->sweeper;
    if (!sw)
        return;
    pthread_mutex_lock(&sw->lock);
    sw->stop = true;
    pthread_cond_signal(&sw->wake);
    pthread_mutex_unlock(&sw->lock);
    pthread_join(sw->thread, NULL);
    sw->reader->vt->close(sw->reader);
    pthread_mutex_destroy(&sw->lock);
    pthread_cond_destroy(&sw->wake);
    free(sw);
    app->sweeper = NULL;
}
