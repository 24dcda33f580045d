/*
 * writer.c - the one writer thread, and the syncer behind it.
 *
 * Jobs queue up while the previous batch commits; the writer then takes
 * them all (up to batch_max), opens one transaction, runs the jobs so that
 * a failing one leaves nothing behind (run_batch), and commits.  The
 * commit is lazy: other connections see
 * it at once, and the batch goes to the syncer thread, which makes it
 * durable (one sync covers every batch waiting) while the writer already
 * runs the next one.  Only then does any job's done() run, so no client
 * hears "ok" before its data is on disk, and no reader is answered with
 * data a power loss could take back (omb_writer_await_durable).  If COMMIT
 * fails, or a savepoint cannot be taken, released or rolled back to (the
 * transaction's state is then unknown), every job of the batch reports the
 * failure and nothing of it remains; if the sync fails, the disk can no longer be trusted: the
 * batch fails and so does every later write.  Idempotency keys are honoured inside the transaction,
 * so two retries of one request can never both write.  The ledger's frontier (ledger_append.h)
 * follows every begin, savepoint and rollback here, so that it never outlives rolled-back rows.
 */
#include "app.h"
#include "app/ledger_append.h"
#include "app/writer_internal.h"
#include "log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CAREFUL_BATCHES 16

/* A committed batch on its way to the disk. */
typedef struct batch {
    omb_job *jobs;
    uint64_t ticket; /* of its commit */
    bool wrote;      /* its commit succeeded: sync before answering */
    struct batch *next;
} batch;

struct omb_writer {
    omb_app *app;
    omb_store *store;
    pthread_t thread, syncer;
    pthread_mutex_t lock; /* the queue and the figures */
    pthread_cond_t wake;
    omb_job *head, *tail;
    long long queued;
    bool stopping;
    bool started, syncer_started;
    long long batches, jobs, failed_commits;
    int careful; /* batches still to run with a savepoint per job (writer thread) */

    pthread_mutex_t sync_lock; /* everything below */
    pthread_cond_t sync_wake, durable;
    batch *sync_head, *sync_tail;
    bool sync_stopping;
    atomic_bool broken; /* a sync failed: nothing more is written */
    omb_err why_broken;
    atomic_uint_fast64_t issued; /* ticket of the last commit begun */
    atomic_uint_fast64_t synced; /* every commit up to this ticket is durable */
};

void omb_job_init(omb_job *job, omb_job_fn run, void *input, const omb_principal *who)
{
    memset(job, 0, sizeof *job);
    job->run = run;
    job->input = input;
    if (who)
        job->who = *who;
    job->status = 200;
}

void omb_job_release(omb_job *job)
{
    if (job->input_free && job->input)
        job->input_free(job->input);
    job->input = NULL;
    json_decref(job->result);
    job->result = NULL;
    free(job->result_text);
    job->result_text = NULL;
    json_decref(job->feed);
    job->feed = NULL;
}

json_t *omb_job_result(const omb_job *job)
{
    if (job->result)
        return json_incref(job->result);
    if (!job->result_text)
        return NULL;
    json_error_t jerr;
    return json_loads(job->result_text, 0, &jerr);
}

/* Answers a job from its idempotency record, or refuses a reused key. */
static int idem_check(omb_app *app, omb_store *s, omb_job *job, bool *answered)
{
    omb_idem rec = {0};
    *answered = false;
    int rc = s->vt->idem_get(s, job->who.user_id, job->idem_key, &rec, &job->err);
    if (rc == OMB_ENOTFOUND)
        return OMB_OK;
    if (rc)
        return rc;
    *answered = true;
    if (memcmp(rec.request_hash, job->req_hash, 32) != 0) {
        free(rec.response);
        return omb_fail(&job->err, OMB_ECONFLICT, "idempotency_key_reused", NULL,
                        "this Idempotency-Key was used for a different request");
    }
    job->status = rec.status;
    job->result_text = rec.response;
    job->replayed = true;
    return OMB_OK;
}

static int idem_record(omb_app *app, omb_store *s, omb_job *job)
{
    omb_idem rec = {0};
    rec.user_id = job->who.user_id;
    snprintf(rec.key, sizeof rec.key, "%s", job->idem_key);
    memcpy(rec.request_hash, job->req_hash, 32);
    rec.status = job->status;
    rec.response = job->result_text ? job->result_text : json_dumps(job->result, JSON_COMPACT);
    int rc = s->vt->idem_put(s, &rec, omb_app_now(app), &job->err);
    if (rec.response != job->result_text)
        free(rec.response);
    return rc;
}

/* How a run of jobs in the open transaction ended. */
enum run_outcome {
    RUN_DONE,     /* every job ran; those that failed left nothing behind */
    RUN_RETRY,    /* optimistic: a job failed, roll back and run with savepoints */
    RUN_ABANDONED /* a savepoint could not be taken, released or rolled back to:
                   * the transaction's state is unknown, the batch must fail */
};

/* Runs one job inside the open transaction: in its own savepoint, so that a
 * failure takes back only what this job wrote, or (optimistic) without.
 * False when the job's savepoint failed: nothing more may run in the
 * transaction (SQLite may already have rolled all of it back, and what
 * runs next would run outside it). */
static bool run_job(omb_writer *w, omb_job *job, bool savepoint)
{
    omb_store *s = w->store;
    omb_err_clear(&job->err);
    job->rc = savepoint ? s->vt->savepoint(s, &job->err) : OMB_OK;
    if (job->rc)
        return false;
    if (savepoint)
        omb_ledger_tail_mark(w->app->ledger_tail);
    bool answered = false;
    if (job->idem_key[0])
        job->rc = idem_check(w->app, s, job, &answered);
    if (!job->rc && !answered) {
        job->rc = job->run(w->app, s, job);
        if (!job->rc && job->idem_key[0])
            job->rc = idem_record(w->app, s, job);
    }
    if (job->rc) {
        if (!job->err.code[0])
            omb_fail(&job->err, job->rc, "internal", NULL, "the request failed");
        json_decref(job->result);
        job->result = NULL;
        free(job->result_text);
        job->result_text = NULL;
        json_decref(job->feed);
        job->feed = NULL;
        job->outbox_added = false;
        if (savepoint) {
            if (s->vt->rollback_to(s) != OMB_OK)
                return false;
            omb_ledger_tail_back(w->app->ledger_tail);
        }
    } else if (savepoint && s->vt->release(s, &job->err) != OMB_OK) {
        job->rc = job->err.rc ? job->err.rc : OMB_EIO;
        return false;
    }
    return true;
}

/* Puts a job back as it was queued, to run again. */
static void reset_job(omb_job *job)
{
    json_decref(job->result);
    job->result = NULL;
    free(job->result_text);
    job->result_text = NULL;
    json_decref(job->feed);
    job->feed = NULL;
    job->outbox_added = false;
    job->replayed = false;
    job->status = job->status_queued;
    job->rc = OMB_OK;
    omb_err_clear(&job->err);
}

/* Runs the jobs; without savepoints, stops at the first that fails. */
static enum run_outcome run_jobs(omb_writer *w, omb_job *jobs, bool savepoints)
{
    for (omb_job *j = jobs; j; j = j->next) {
        if (!run_job(w, j, savepoints))
            return RUN_ABANDONED;
        if (j->rc && !savepoints)
            return RUN_RETRY;
    }
    return RUN_DONE;
}

/* Hands a committed job's events to the live streams. */
static void publish_feed(omb_app *app, omb_job *job)
{
    size_t i;
    json_t *m;
    json_array_foreach(job->feed, i, m)
    {
        const char *text = json_string_value(json_array_get(m, 0));
        const json_t *list = json_array_get(m, 1);
        int64_t parties[OMB_MEMBERS_MAX * 2];
        size_t n = 0, k;
        json_t *p;
        json_array_foreach(list, k, p) if (n < sizeof parties / sizeof parties[0]) parties[n++] =
            json_integer_value(p);
        if (text)
            omb_hub_publish(app->hub, parties, n, text, strlen(text));
    }
    json_decref(job->feed);
    job->feed = NULL;
}

static void fail_batch(omb_job *jobs, const omb_err *why)
{
    for (omb_job *j = jobs; j; j = j->next) {
        if (j->rc == OMB_OK) {
            json_decref(j->feed);
            j->feed = NULL;
            json_decref(j->result);
            j->result = NULL;
            free(j->result_text);
            j->result_text = NULL;
        }
        j->rc = OMB_EIO;
        j->err = *why;
        j->err.rc = OMB_EIO;
    }
}

static bool is_broken(omb_writer *w, omb_err *why)
{
    pthread_mutex_lock(&w->sync_lock);
    bool broken = w->broken;
    if (broken)
        *why = w->why_broken;
    pthread_mutex_unlock(&w->sync_lock);
    return broken;
}

/* Opens the batch's transaction. */
static int begin(omb_writer *w, omb_err *err)
{
    omb_store *s = w->store;
    int rc = s->vt->begin(s, err);
    if (!rc && (rc = omb_ledger_tail_begin(w->app->ledger_tail, s, err)) != OMB_OK)
        s->vt->rollback(s);
    return rc;
}

/* Takes the whole transaction back, and what the writer remembers of its rows. */
static void rollback(omb_writer *w)
{
    w->store->vt->rollback(w->store);
    omb_ledger_tail_forget(w->app->ledger_tail);
    w->app->webhooks_stale = true; /* a rolled-back job may have reloaded them */
}

/* Runs a batch in one transaction and commits it lazily.
 *
 * A savepoint per job costs SQLite a copy of every page the job is first
 * to touch, about a tenth of the writer's time.  So a batch first runs
 * without them; if a job fails, the transaction is rolled back (and with
 * it what the writer remembers of the rows) and the batch runs again with
 * a savepoint per job, as do the next CAREFUL_BATCHES batches. */
static void run_batch(omb_writer *w, batch *b, long long n)
{
    omb_err err;
    omb_err_clear(&err);
    omb_store *s = w->store;
    if (is_broken(w, &err)) {
        fail_batch(b->jobs, &err);
        return;
    }
    for (omb_job *j = b->jobs; j; j = j->next)
        j->status_queued = j->status;
    int rc = begin(w, &err);
    bool careful = w->careful > 0;
    w->careful -= careful;
    enum run_outcome out = rc ? RUN_DONE : run_jobs(w, b->jobs, careful);
    if (out == RUN_RETRY) {
        rollback(w);
        w->careful = CAREFUL_BATCHES;
        for (omb_job *j = b->jobs; j; j = j->next)
            reset_job(j);
        rc = begin(w, &err);
        out = rc ? RUN_DONE : run_jobs(w, b->jobs, true);
    }
    if (out == RUN_ABANDONED) {
        rollback(w);
        w->careful = CAREFUL_BATCHES;
        rc = omb_fail(&err, OMB_EIO, "storage_error", NULL,
                      "a savepoint of the batch failed; nothing of the batch was kept");
        omb_log(OMB_LOG_ERROR, "batch_abandoned", json_pack("{s:I}", "jobs", (json_int_t)n));
    }
    if (rc) {
        fail_batch(b->jobs, &err);
        return;
    }
    /* The ticket is taken before COMMIT: a reader that sees this batch's
     * rows finds at least this ticket issued, and waits for its sync. */
    b->ticket = atomic_fetch_add(&w->issued, 1) + 1;
    if (s->vt->commit_lazy(s, &err) != OMB_OK) {
        rollback(w);
        fail_batch(b->jobs, &err);
        pthread_mutex_lock(&w->lock);
        w->failed_commits++;
        pthread_mutex_unlock(&w->lock);
        omb_log(OMB_LOG_ERROR, "commit_failed",
                json_pack("{s:s,s:I}", "message", err.message, "jobs", (json_int_t)n));
        return;
    }
    b->wrote = true;
    for (omb_job *j = b->jobs; j; j = j->next)
        if (j->rc == OMB_OK && j->committed)
            j->committed(w->app, j);
}

static void *writer_main(void *arg)
{
    omb_writer *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->wake, &w->lock);
        if (!w->head && w->stopping) {
            pthread_mutex_unlock(&w->lock);
            break;
        }
        /* Take up to batch_max jobs. */
        omb_job *first = w->head, *last = w->head;
        long long n = 1;
        while (last->next && n < w->app->cfg.batch_max) {
            last = last->next;
            n++;
        }
        w->head = last->next;
        if (!w->head)
            w->tail = NULL;
        last->next = NULL;
        w->queued -= n;
        pthread_mutex_unlock(&w->lock);

        batch *b = omb_xcalloc(1, sizeof *b);
        b->jobs = first;
        run_batch(w, b, n);
        pthread_mutex_lock(&w->lock);
        w->batches++;
        w->jobs += n;
        pthread_mutex_unlock(&w->lock);
        /* To the syncer, in commit order. */
        pthread_mutex_lock(&w->sync_lock);
        if (w->sync_tail)
            w->sync_tail->next = b;
        else
            w->sync_head = b;
        w->sync_tail = b;
        pthread_cond_signal(&w->sync_wake);
        pthread_mutex_unlock(&w->sync_lock);
    }
    return NULL;
}

/* Answers the jobs of a durable (or failed) batch and frees it. */
static void finish_batch(omb_writer *w, batch *b)
{
    bool outbox = false;
    for (omb_job *j = b->jobs; j; j = j->next) {
        if (j->rc != OMB_OK)
            continue;
        publish_feed(w->app, j);
        outbox |= j->outbox_added;
    }
    if (outbox)
        omb_deliverer_poke(w->app);
    /* done() may free the job: read next first. */
    for (omb_job *j = b->jobs, *next; j; j = next) {
        next = j->next;
        j->next = NULL;
        j->done(j);
    }
    free(b);
}

static void *syncer_main(void *arg)
{
    omb_writer *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->sync_lock);
        while (!w->sync_head && !w->sync_stopping)
            pthread_cond_wait(&w->sync_wake, &w->sync_lock);
        batch *list = w->sync_head;
        w->sync_head = w->sync_tail = NULL;
        bool broken = w->broken;
        omb_err why_broken = w->why_broken;
        pthread_mutex_unlock(&w->sync_lock);
        if (!list)
            break;

        /* One sync makes every batch taken here durable. */
        bool wrote = false;
        uint64_t ticket = 0;
        for (batch *b = list; b; b = b->next) {
            wrote |= b->wrote;
            ticket = b->ticket > ticket ? b->ticket : ticket;
        }
        omb_err err;
        omb_err_clear(&err);
        int rc = OMB_OK;
        if (wrote && broken) {
            /* Committed after an earlier sync failed (the writer had not
             * seen it yet): these rows are no more trusted than those. */
            err = why_broken;
            rc = OMB_EIO;
        } else if (wrote) {
            rc = w->store->vt->sync(w->store, &err);
            if (rc)
                omb_log(OMB_LOG_ERROR, "sync_failed", json_pack("{s:s}", "message", err.message));
        }
        if (rc) {
            /* The rows are committed, but the disk may not hold them: the
             * clients hear a failure, and nothing is written after. */
            for (batch *b = list; b; b = b->next)
                if (b->wrote)
                    fail_batch(b->jobs, &err);
        }
        pthread_mutex_lock(&w->sync_lock);
        if (rc && !w->broken) {
            w->broken = true;
            omb_fail(&w->why_broken, OMB_EIO, "storage_error", NULL,
                     "writing stopped when the disk failed to sync; restart the server");
        }
        if (ticket > atomic_load(&w->synced))
            atomic_store(&w->synced, ticket);
        pthread_cond_broadcast(&w->durable);
        pthread_mutex_unlock(&w->sync_lock);
        for (batch *b = list, *next; b; b = next) {
            next = b->next;
            finish_batch(w, b);
        }
    }
    return NULL;
}

int omb_writer_await_durable(omb_writer *w, omb_err *err)
{
    if (!w)
        return OMB_OK;
    uint64_t ticket = atomic_load(&w->issued);
    if (atomic_load(&w->synced) >= ticket && !atomic_load(&w->broken))
        return OMB_OK;
    pthread_mutex_lock(&w->sync_lock);
    while (atomic_load(&w->synced) < ticket && !w->broken)
        pthread_cond_wait(&w->durable, &w->sync_lock);
    int rc = OMB_OK;
    if (w->broken) {
        *err = w->why_broken;
        rc = err->rc ? err->rc : OMB_EIO;
    }
    pthread_mutex_unlock(&w->sync_lock);
    return rc;
}

bool omb_writer_broken(omb_writer *w)
{
    omb_err why;
    return w && is_broken(w, &why);
}

int omb_writer_start(omb_app *app, omb_store *store, omb_writer **out, omb_err *err)
{
    omb_writer *w = omb_xcalloc(1, sizeof *w);
    w->app = app;
    w->store = store;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    pthread_mutex_init(&w->sync_lock, NULL);
    pthread_cond_init(&w->sync_wake, NULL);
    pthread_cond_init(&w->durable, NULL);
    atomic_init(&w->issued, 0);
    atomic_init(&w->synced, 0);
    if (pthread_create(&w->syncer, NULL, syncer_main, w) != 0) {
        omb_writer_free(w);
        return omb_fail(err, OMB_EIO, "internal", NULL, "cannot start the syncer thread");
    }
    w->syncer_started = true;
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        omb_writer_free(w);
        return omb_fail(err, OMB_EIO, "internal", NULL, "cannot start the writer thread");
    }
    w->started = true;
    *out = w;
    return OMB_OK;
}

void omb_writer_stop(omb_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    if (w->started)
        pthread_join(w->thread, NULL);
    w->started = false;
    /* The syncer answers what the writer committed last, then stops. */
    pthread_mutex_lock(&w->sync_lock);
    w->sync_stopping = true;
    pthread_cond_signal(&w->sync_wake);
    pthread_mutex_unlock(&w->sync_lock);
    if (w->syncer_started)
        pthread_join(w->syncer, NULL);
    w->syncer_started = false;
}

void omb_writer_free(omb_writer *w)
{
    if (!w)
        return;
    omb_writer_stop(w);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->sync_lock);
    pthread_cond_destroy(&w->sync_wake);
    pthread_cond_destroy(&w->durable);
    free(w);
}

omb_store *omb_writer_store(omb_writer *w)
{
    return w ? w->store : NULL;
}

/* Appends jobs[0..n) to the queue under one lock, so they can share a batch. */
static int enqueue(omb_writer *w, omb_job **jobs, size_t n)
{
    pthread_mutex_lock(&w->lock);
    if (w->stopping) {
        pthread_mutex_unlock(&w->lock);
        return OMB_EBUSY;
    }
    for (size_t i = 0; i < n; i++) {
        jobs[i]->next = NULL;
        if (w->tail)
            w->tail->next = jobs[i];
        else
            w->head = jobs[i];
        w->tail = jobs[i];
    }
    w->queued += (long long)n;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    return OMB_OK;
}

int omb_writer_submit(omb_writer *w, omb_job *job)
{
    return enqueue(w, &job, 1);
}

/* Waiting for jobs from a thread that is not the writer. */
typedef struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t pending;
} waiter;

static void waiter_done(omb_job *job)
{
    waiter *wt = job->done_ctx;
    pthread_mutex_lock(&wt->lock);
    wt->pending--;
    pthread_cond_signal(&wt->cond);
    pthread_mutex_unlock(&wt->lock);
}

int omb_writer_run_many(omb_writer *w, omb_job **jobs, size_t n)
{
    waiter wt = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, n};
    for (size_t i = 0; i < n; i++) {
        jobs[i]->done = waiter_done;
        jobs[i]->done_ctx = &wt;
    }
    if (n && enqueue(w, jobs, n) != OMB_OK) {
        for (size_t i = 0; i < n; i++) {
            jobs[i]->rc = OMB_EBUSY;
            omb_fail(&jobs[i]->err, OMB_EBUSY, "shutting_down", NULL, "the writer is stopping");
        }
        return OMB_EBUSY;
    }
    pthread_mutex_lock(&wt.lock);
    while (wt.pending)
        pthread_cond_wait(&wt.cond, &wt.lock);
    pthread_mutex_unlock(&wt.lock);
    pthread_mutex_destroy(&wt.lock);
    pthread_cond_destroy(&wt.cond);
    return OMB_OK;
}

int omb_writer_run(omb_writer *w, omb_job *job)
{
    omb_writer_run_many(w, &job, 1);
    return job->rc;
}

void omb_writer_stats_get(omb_writer *w, omb_writer_stats *out)
{
    pthread_mutex_lock(&w->lock);
    out->batches = w->batches;
    out->jobs = w->jobs;
    out->failed_commits = w->failed_commits;
    out->queued = w->queued;
    pthread_mutex_unlock(&w->lock);
}
