/*
 * test_writer.c - the batching writer under injected faults.
 *
 * The SQLite backend is wrapped by a vtab that can fail COMMIT or one
 * chosen event append, the way SQLite's own tests inject I/O errors.  The
 * tests check the writer's promises: a job that fails leaves nothing behind
 * while the rest of its batch commits (the batch runs again with
 * savepoints, numbering without gaps); a failed COMMIT fails every job of
 * the batch and stores none of them; a failed sync fails its batch and
 * stops all writing; no job is answered, and no reader's wait for
 * durability ends, before the sync of its batch returns; idempotency keys
 * hold inside a batch; nothing acknowledged is lost across a reopen.  The
 * ledger's frontier, kept above the store, follows every rollback, savepoint
 * and another connection's commits, and the leaves a database is owed are
 * built when it is opened: `ombud verify` finds every stored leaf and node
 * equal to what the events make.
 */
#include "app/app.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "unit_main.h"

/* ---- the fault-injecting backend ------------------------------------------ */

static omb_store_vtab faulty;
static int fail_commits;       /* fail this many COMMITs */
static int fail_syncs;         /* fail this many syncs */
static atomic_bool hold_syncs; /* syncs wait while this is set */
static atomic_int syncs_done;
static const char *fail_append_of; /* fail the event appends of this description */
static int fail_rollbacks_to;      /* fail this many ROLLBACK TOs, after rolling back all */

static int faulty_open(const char *dsn, int flags, omb_store **out, omb_err *err)
{
    int rc = omb_store_sqlite.open(dsn, flags, out, err);
    if (!rc)
        (*out)->vt = &faulty; /* the SQLite functions do not look at vt */
    return rc;
}

static int faulty_commit(omb_store *s, omb_err *err)
{
    if (fail_commits > 0) {
        fail_commits--;
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "injected: disk I/O error");
    }
    return omb_store_sqlite.commit(s, err);
}

static int faulty_commit_lazy(omb_store *s, omb_err *err)
{
    if (fail_commits > 0) {
        fail_commits--;
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "injected: disk I/O error");
    }
    return omb_store_sqlite.commit_lazy(s, err);
}

static int faulty_sync(omb_store *s, omb_err *err)
{
    while (atomic_load(&hold_syncs))
        usleep(1000);
    int rc = OMB_OK;
    if (fail_syncs > 0) {
        fail_syncs--;
        rc = omb_fail(err, OMB_EIO, "storage_error", NULL, "injected: fdatasync failed");
    } else {
        rc = omb_store_sqlite.sync(s, err);
    }
    atomic_fetch_add(&syncs_done, 1);
    return rc;
}

/* SQLite may roll a whole transaction back on its own after an I/O error,
 * a full disk or no memory; a ROLLBACK TO then fails. */
static int faulty_rollback_to(omb_store *s)
{
    if (fail_rollbacks_to > 0) {
        fail_rollbacks_to--;
        omb_store_sqlite.rollback(s);
        return OMB_EIO;
    }
    return omb_store_sqlite.rollback_to(s);
}

/* The event row goes in after its ledger row (app/ledger_append.c): failing
 * it leaves the app's frontier ahead of the rows. */
static int faulty_event_insert(omb_store *s, const omb_event *ev, const char *payload, size_t len,
                               omb_err *err)
{
    const char *desc = json_string_value(json_object_get(ev->payload, "description"));
    if (fail_append_of && desc && strcmp(desc, fail_append_of) == 0)
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "injected: append failed");
    return omb_store_sqlite.event_insert(s, ev, payload, len, err);
}

/* A job fails after all its events are stored when its idempotency record
 * cannot be written: the app's frontier is then known and ahead of the rows
 * that its savepoint takes back. */
#define FAIL_IDEM_KEY "fail-after-the-events"

static int faulty_idem_put(omb_store *s, const omb_idem *in, omb_ms now, omb_err *err)
{
    if (strcmp(in->key, FAIL_IDEM_KEY) == 0)
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "injected: idempotency record");
    return omb_store_sqlite.idem_put(s, in, now, err);
}

/* ---- fixture: an app on a fresh file with one party ------------------------ */

typedef struct fixture {
    char dir[64];
    omb_config cfg;
    omb_app *app;
    omb_principal agent;
} fixture;

static int64_t count_rows(fixture *f, const char *table)
{
    omb_store *r;
    omb_err err;
    assert_int_equal(omb_app_reader(f->app, &r, &err), OMB_OK);
    int64_t n = -1;
    if (strcmp(table, "complaints") == 0)
        assert_int_equal(r->vt->complaint_count(r, &n, &err), OMB_OK);
    r->vt->close(r);
    return n;
}

static void open_app(fixture *f, bool create)
{
    omb_err err;
    omb_err_clear(&err);
    int rc = omb_app_open_backend(&f->app, &f->cfg, create, &faulty, &err);
    if (rc)
        fail_msg("open: %s", err.message);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ombud-writer-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    omb_config_defaults(&f->cfg);
    snprintf(f->cfg.database, sizeof f->cfg.database, "%s/t.db", f->dir);
    snprintf(f->cfg.attachments, sizeof f->cfg.attachments, "%s/att", f->dir);
    faulty = omb_store_sqlite;
    faulty.name = "faulty-sqlite";
    faulty.open = faulty_open;
    faulty.commit = faulty_commit;
    faulty.commit_lazy = faulty_commit_lazy;
    faulty.sync = faulty_sync;
    faulty.event_insert = faulty_event_insert;
    faulty.idem_put = faulty_idem_put;
    faulty.rollback_to = faulty_rollback_to;
    fail_commits = 0;
    fail_syncs = 0;
    atomic_store(&hold_syncs, false);
    atomic_store(&syncs_done, 0);
    fail_append_of = NULL;
    open_app(f, true);

    /* An operator admin creates a bank; the agent principal belongs to it. */
    omb_principal op = {0};
    op.role = OMB_ROLE_ADMIN;
    snprintf(op.party_kind, sizeof op.party_kind, "operator");
    omb_job job;
    omb_err err;
    omb_job_init(&job, NULL, NULL, &op);
    json_t *body = json_pack("{s:s,s:s,s:s}", "code", "bank", "name", "Bank", "kind", "bank");
    assert_int_equal(omb_uc_create_party(f->app, &job, body, &err), OMB_OK);
    json_decref(body);
    assert_int_equal(omb_writer_run(f->app->writer, &job), OMB_OK);
    f->agent.party_id = json_integer_value(json_object_get(job.result, "id"));
    f->agent.user_id = 99;
    f->agent.role = OMB_ROLE_AGENT;
    omb_job_release(&job);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    omb_app_close(f->app);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* n create jobs for distinct complaints. */
static omb_job **make_creates(fixture *f, int n)
{
    omb_job **jobs = calloc((size_t)n, sizeof *jobs);
    for (int i = 0; i < n; i++) {
        jobs[i] = calloc(1, sizeof **jobs);
        omb_job_init(jobs[i], NULL, NULL, &f->agent);
        char desc[64];
        snprintf(desc, sizeof desc, "complaint number %d of the batch", i);
        json_t *body = json_pack("{s:s,s:{s:s},s:s}", "channel", "phone", "complainant", "name",
                                 "张三", "description", desc);
        omb_err err;
        assert_int_equal(omb_uc_create_complaint(f->app, jobs[i], body, &err), OMB_OK);
        json_decref(body);
    }
    return jobs;
}

static void free_jobs(omb_job **jobs, int n)
{
    for (int i = 0; i < n; i++) {
        omb_job_release(jobs[i]);
        free(jobs[i]);
    }
    free(jobs);
}

static void print_finding(void *ctx, const json_t *finding)
{
    char *text = json_dumps(finding, JSON_COMPACT);
    print_message("verify: %s\n", text ? text : "?");
    free(text);
}

/* Walks the ledger as `ombud verify` does: every stored leaf and node must
 * be what the events make.  Returns the number of leaves. */
static uint64_t ledger_clean(fixture *f)
{
    omb_store *r;
    omb_err err;
    assert_int_equal(omb_app_reader(f->app, &r, &err), OMB_OK);
    omb_verify_options opt = {NULL, NULL};
    omb_verify_stats st;
    assert_int_equal(omb_verify(r, &opt, print_finding, NULL, &st, &err), OMB_OK);
    r->vt->close(r);
    assert_int_equal(st.problems, 0);
    assert_int_equal(st.leaves, st.events);
    return st.leaves;
}

/* Runs n creates in one batch on the writer of app, job fail_after (-1:
 * none) failing after its events; returns how many succeeded. */
static int run_creates(fixture *f, omb_app *app, int n, int fail_after)
{
    omb_job **jobs = make_creates(f, n);
    if (fail_after >= 0) {
        snprintf(jobs[fail_after]->idem_key, sizeof jobs[fail_after]->idem_key, FAIL_IDEM_KEY);
        memset(jobs[fail_after]->req_hash, 9, 32);
    }
    omb_writer_run_many(app->writer, jobs, (size_t)n);
    int ok = 0;
    for (int i = 0; i < n; i++)
        ok += jobs[i]->rc == OMB_OK;
    free_jobs(jobs, n);
    return ok;
}

static void batch_commits_all(void **state)
{
    fixture *f = *state;
    omb_job **jobs = make_creates(f, 50);
    omb_writer_run_many(f->app->writer, jobs, 50);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(jobs[i]->rc, OMB_OK);
        assert_int_equal(jobs[i]->status, 201);
    }
    free_jobs(jobs, 50);
    assert_int_equal(count_rows(f, "complaints"), 50);
}

static void failed_commit_fails_every_job(void **state)
{
    fixture *f = *state;
    fail_commits = 1;
    omb_job **jobs = make_creates(f, 20);
    /* One submission: the jobs are queued together and share a batch. */
    omb_writer_run_many(f->app->writer, jobs, 20);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(jobs[i]->rc, OMB_EIO);
        assert_string_equal(jobs[i]->err.code, "storage_error");
        assert_null(jobs[i]->result);
        assert_null(jobs[i]->result_text);
    }
    free_jobs(jobs, 20);
    assert_int_equal(count_rows(f, "complaints"), 0);
    int failed = 20;
    /* The writer carries on. */
    jobs = make_creates(f, 5);
    omb_writer_run_many(f->app->writer, jobs, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(jobs[i]->rc, OMB_OK);
    free_jobs(jobs, 5);
    assert_int_equal(count_rows(f, "complaints"), 25 - failed);
}

static void failing_job_leaves_nothing(void **state)
{
    fixture *f = *state;
    /* The third job's event append fails after its complaint row, each time it runs. */
    fail_append_of = "complaint number 2 of the batch";
    omb_job **jobs = make_creates(f, 10);
    omb_writer_run_many(f->app->writer, jobs, 10);
    int ok = 0;
    long last = 0;
    for (int i = 0; i < 10; i++) {
        if (jobs[i]->rc != OMB_OK) {
            assert_int_equal(i, 2);
            assert_string_equal(jobs[i]->err.code, "storage_error");
            assert_null(jobs[i]->result_text);
            continue;
        }
        ok++;
        assert_int_equal(jobs[i]->status, 201);
        /* The retried batch numbers its complaints 1..9 with no gap. */
        json_t *res = omb_job_result(jobs[i]);
        const char *no = json_string_value(json_object_get(res, "no"));
        assert_non_null(no);
        long n = strtol(no + strlen(no) - 6, NULL, 10);
        assert_int_equal(n, last + 1);
        last = n;
        json_decref(res);
    }
    assert_int_equal(ok, 9);
    free_jobs(jobs, 10);
    /* The failed job's complaint row was rolled back with its savepoint. */
    assert_int_equal(count_rows(f, "complaints"), 9);
}

static void failed_sync_stops_writing(void **state)
{
    fixture *f = *state;
    fail_syncs = 1;
    omb_job **jobs = make_creates(f, 5);
    omb_writer_run_many(f->app->writer, jobs, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(jobs[i]->rc, OMB_EIO);
        assert_string_equal(jobs[i]->err.code, "storage_error");
        assert_null(jobs[i]->result_text);
    }
    free_jobs(jobs, 5);
    assert_true(omb_writer_broken(f->app->writer));
    omb_err err;
    assert_int_equal(omb_writer_await_durable(f->app->writer, &err), OMB_EIO);
    assert_non_null(strstr(err.message, "restart"));
    /* Nothing is written after: the disk can no longer be trusted. */
    jobs = make_creates(f, 2);
    omb_writer_run_many(f->app->writer, jobs, 2);
    for (int i = 0; i < 2; i++)
        assert_int_equal(jobs[i]->rc, OMB_EIO);
    free_jobs(jobs, 2);
    assert_int_equal(count_rows(f, "complaints"), 5);
}

typedef struct answered {
    atomic_bool done;
} answered;

static void mark_done(omb_job *job)
{
    atomic_store(&((answered *)job->done_ctx)->done, true);
}

typedef struct waiter_arg {
    omb_writer *w;
    atomic_bool returned;
} waiter_arg;

static void *await_thread(void *p)
{
    waiter_arg *a = p;
    omb_err err;
    assert_int_equal(omb_writer_await_durable(a->w, &err), OMB_OK);
    atomic_store(&a->returned, true);
    return NULL;
}

static void nothing_leaves_before_its_sync(void **state)
{
    fixture *f = *state;
    atomic_store(&hold_syncs, true);
    int before = atomic_load(&syncs_done);
    omb_job **jobs = make_creates(f, 1);
    answered a = {false};
    jobs[0]->done = mark_done;
    jobs[0]->done_ctx = &a;
    assert_int_equal(omb_writer_submit(f->app->writer, jobs[0]), OMB_OK);
    /* The batch commits (a reader sees it) but its sync is held. */
    for (int i = 0; i < 2000 && count_rows(f, "complaints") == 0; i++)
        usleep(1000);
    assert_int_equal(count_rows(f, "complaints"), 1);
    waiter_arg wa = {f->app->writer, false};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, await_thread, &wa), 0);
    usleep(50000);
    assert_false(atomic_load(&a.done));
    assert_false(atomic_load(&wa.returned));
    assert_int_equal(atomic_load(&syncs_done), before);
    atomic_store(&hold_syncs, false);
    pthread_join(t, NULL);
    assert_true(atomic_load(&wa.returned));
    assert_true(atomic_load(&syncs_done) > before);
    for (int i = 0; i < 2000 && !atomic_load(&a.done); i++)
        usleep(1000);
    assert_true(atomic_load(&a.done));
    assert_int_equal(jobs[0]->rc, OMB_OK);
    free_jobs(jobs, 1);
}

/* A batch that commits while the sync of an earlier one is failing is not
 * answered "ok" either: the syncer marks the writer broken only after that
 * commit, and must not pass the later batch without a sync. */
static void batch_committed_while_a_sync_fails_is_not_acknowledged(void **state)
{
    fixture *f = *state;
    atomic_store(&hold_syncs, true);
    fail_syncs = 1;
    omb_job **first = make_creates(f, 1), **second = make_creates(f, 1);
    answered a = {false}, b = {false};
    first[0]->done = mark_done;
    first[0]->done_ctx = &a;
    second[0]->done = mark_done;
    second[0]->done_ctx = &b;
    assert_int_equal(omb_writer_submit(f->app->writer, first[0]), OMB_OK);
    for (int i = 0; i < 2000 && count_rows(f, "complaints") < 1; i++)
        usleep(1000);
    /* The first batch's (failing) sync is held; the second commits meanwhile. */
    assert_int_equal(omb_writer_submit(f->app->writer, second[0]), OMB_OK);
    for (int i = 0; i < 2000 && count_rows(f, "complaints") < 2; i++)
        usleep(1000);
    assert_int_equal(count_rows(f, "complaints"), 2);
    atomic_store(&hold_syncs, false);
    for (int i = 0; i < 4000 && !(atomic_load(&a.done) && atomic_load(&b.done)); i++)
        usleep(1000);
    assert_true(atomic_load(&a.done) && atomic_load(&b.done));
    assert_int_equal(first[0]->rc, OMB_EIO);
    assert_int_equal(second[0]->rc, OMB_EIO);
    assert_string_equal(second[0]->err.code, "storage_error");
    assert_true(omb_writer_broken(f->app->writer));
    free_jobs(first, 1);
    free_jobs(second, 1);
}

typedef struct sampler {
    const char *path;
    atomic_bool stop;
    long long largest;
} sampler;

static void *sample_log(void *p)
{
    sampler *sm = p;
    while (!atomic_load(&sm->stop)) {
        struct stat st;
        if (stat(sm->path, &st) == 0 && st.st_size > sm->largest)
            sm->largest = st.st_size;
        usleep(500);
    }
    return NULL;
}

/* Under a writer that never pauses, the checkpointer never finds the log
 * fully copied, so the log would grow for ever; the writer's own forced
 * checkpoint at 8,000 frames (about 33 MB) must start it over. */
static void log_stays_bounded(void **state)
{
    fixture *f = *state;
    enum { N = 12000 };
    char wal[sizeof f->cfg.database + 8];
    snprintf(wal, sizeof wal, "%s-wal", f->cfg.database);
    sampler sm = {wal, false, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, sample_log, &sm), 0);
    omb_job **jobs = make_creates(f, N);
    omb_writer_run_many(f->app->writer, jobs, N);
    atomic_store(&sm.stop, true);
    pthread_join(t, NULL);
    for (int i = 0; i < N; i++)
        assert_int_equal(jobs[i]->rc, OMB_OK);
    free_jobs(jobs, N);
    assert_int_equal(count_rows(f, "complaints"), N);
    /* The forced limit plus what one batch can add before the next commit. */
    print_message("largest log: %lld bytes\n", sm.largest);
    assert_true(sm.largest > 0);
    assert_true(sm.largest <= (8000LL + 4000) * (4096 + 24) + 32);
}

static void idempotency_inside_a_batch(void **state)
{
    fixture *f = *state;
    omb_job **jobs = make_creates(f, 2);
    /* Same key and same request fingerprint for both: the second is a replay. */
    for (int i = 0; i < 2; i++) {
        snprintf(jobs[i]->idem_key, sizeof jobs[i]->idem_key, "retry-1");
        memset(jobs[i]->req_hash, 7, 32);
    }
    omb_writer_run_many(f->app->writer, jobs, 2);
    assert_int_equal(jobs[0]->rc, OMB_OK);
    assert_int_equal(jobs[1]->rc, OMB_OK);
    assert_false(jobs[0]->replayed);
    assert_true(jobs[1]->replayed);
    json_t *first = omb_job_result(jobs[0]);
    const char *no = json_string_value(json_object_get(first, "no"));
    assert_non_null(no);
    assert_non_null(strstr(jobs[1]->result_text, no));
    json_decref(first);
    free_jobs(jobs, 2);
    assert_int_equal(count_rows(f, "complaints"), 1);

    /* The same key with a different request is refused and writes nothing. */
    jobs = make_creates(f, 1);
    snprintf(jobs[0]->idem_key, sizeof jobs[0]->idem_key, "retry-1");
    memset(jobs[0]->req_hash, 8, 32);
    omb_writer_run_many(f->app->writer, jobs, 1);
    assert_int_equal(jobs[0]->rc, OMB_ECONFLICT);
    assert_string_equal(jobs[0]->err.code, "idempotency_key_reused");
    free_jobs(jobs, 1);
    assert_int_equal(count_rows(f, "complaints"), 1);
}

static void acknowledged_survives_reopen(void **state)
{
    fixture *f = *state;
    omb_job **jobs = make_creates(f, 30);
    omb_writer_run_many(f->app->writer, jobs, 30);
    char nos[30][OMB_NO_MAX];
    for (int i = 0; i < 30; i++) {
        assert_int_equal(jobs[i]->rc, OMB_OK);
        json_t *res = omb_job_result(jobs[i]);
        snprintf(nos[i], sizeof nos[i], "%s", json_string_value(json_object_get(res, "no")));
        json_decref(res);
    }
    free_jobs(jobs, 30);
    omb_app_close(f->app);
    open_app(f, false);
    omb_store *r;
    omb_err err;
    assert_int_equal(omb_app_reader(f->app, &r, &err), OMB_OK);
    for (int i = 0; i < 30; i++) {
        omb_complaint c;
        assert_int_equal(r->vt->complaint_load(r, nos[i], &c, &err), OMB_OK);
        assert_int_equal(c.state, OMB_ST_RECEIVED);
        assert_int_equal(c.version, 2); /* received, dispatched */
        omb_complaint_release(&c);
    }
    r->vt->close(r);
}

/* The frontier lives above the store and must never outlive rolled-back
 * rows: a batch rolled back whole (its first, optimistic run), a job rolled
 * back to its savepoint after its ledger row went in, and later batches with
 * and without savepoints leave no gap and no wrong node. */
static void frontier_follows_rollbacks(void **state)
{
    fixture *f = *state;
    uint64_t leaves = ledger_clean(f);
    /* Optimistic: job 6 fails after its events, the batch is rolled back
     * whole and runs again with a savepoint per job. */
    assert_int_equal(run_creates(f, f->app, 10, 6), 9);
    /* Careful: a job fails at its first event row after its ledger row;
     * another after all its events. */
    fail_append_of = "complaint number 0 of the batch";
    assert_int_equal(run_creates(f, f->app, 5, -1), 4);
    fail_append_of = "complaint number 3 of the batch";
    assert_int_equal(run_creates(f, f->app, 5, 1), 3);
    fail_append_of = NULL;
    for (int i = 0; i < 20; i++) /* the careful batches run out */
        assert_int_equal(run_creates(f, f->app, 1 + i % 3, -1), 1 + i % 3);
    int creates = 9 + 4 + 3 + 7 * 1 + 7 * 2 + 6 * 3;
    assert_int_equal(ledger_clean(f), leaves + 2 * (uint64_t)creates); /* received, dispatched */
}

/* A savepoint that cannot be rolled back to (the whole transaction may be
 * gone already): the batch is abandoned whole; nothing of it is kept or
 * acknowledged, nothing runs outside the transaction, and the ledger stays
 * whole. */
static void failed_rollback_to_abandons_the_batch(void **state)
{
    fixture *f = *state;
    uint64_t leaves = ledger_clean(f);
    int64_t before = count_rows(f, "complaints");
    fail_rollbacks_to = 1;
    fail_append_of = "complaint number 1 of the batch";
    assert_int_equal(run_creates(f, f->app, 5, -1), 0);
    fail_append_of = NULL;
    assert_int_equal(fail_rollbacks_to, 0);
    assert_int_equal(count_rows(f, "complaints"), before);
    assert_int_equal(ledger_clean(f), leaves);
    assert_int_equal(run_creates(f, f->app, 3, -1), 3);
    assert_int_equal(ledger_clean(f), leaves + 6);
}

/* Another connection (another process, as `ombud import` beside a server)
 * appends between two batches: the writer's frontier must be reloaded. */
static void frontier_after_another_writer(void **state)
{
    fixture *f = *state;
    uint64_t leaves = ledger_clean(f);
    omb_app *other = NULL;
    omb_err err;
    assert_int_equal(omb_app_open_backend(&other, &f->cfg, false, &faulty, &err), OMB_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(run_creates(f, f->app, 2, -1), 2);
        assert_int_equal(run_creates(f, other, 3, -1), 3);
    }
    omb_app_close(other);
    assert_int_equal(run_creates(f, f->app, 1, -1), 1);
    assert_int_equal(ledger_clean(f), leaves + 2 * (3 * 5 + 1));
}

static void sql(fixture *f, const char *text)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->cfg.database, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", text, msg ? msg : "?");
    sqlite3_close(db);
}

/* Migration 4 leaves the leaves of older events owed (meta ledger_backfill);
 * the app builds them when it opens the database, exactly the rows the
 * writer would have written.  Events without leaves that are not owed are
 * never adopted, and owed events whose ids do not run on are refused. */
static void owed_leaves_are_built_at_open(void **state)
{
    fixture *f = *state;
    assert_int_equal(run_creates(f, f->app, 7, -1), 7);
    uint64_t leaves = ledger_clean(f);
    omb_app_close(f->app);
    sql(f, "DELETE FROM ledger WHERE leaf >= 3; "
           "INSERT INTO meta(key, value) VALUES ('ledger_backfill', 'pending')");
    open_app(f, false);
    assert_int_equal(ledger_clean(f), leaves);
    omb_store *r;
    omb_err err;
    omb_buf v = OMB_BUF_INIT(64);
    assert_int_equal(omb_app_reader(f->app, &r, &err), OMB_OK);
    assert_int_equal(r->vt->meta_get(r, "ledger_backfill", &v, &err), OMB_OK);
    assert_string_equal(omb_buf_str(&v), "done");
    r->vt->close(r);
    omb_buf_release(&v);
    assert_int_equal(run_creates(f, f->app, 2, -1), 2);
    assert_int_equal(ledger_clean(f), leaves + 4);

    /* Not owed: the writer refuses to append, and a reopen adopts nothing. */
    omb_app_close(f->app);
    sql(f, "DELETE FROM ledger WHERE leaf = (SELECT max(leaf) FROM ledger)");
    open_app(f, false);
    omb_job **jobs = make_creates(f, 1);
    omb_writer_run_many(f->app->writer, jobs, 1);
    assert_int_equal(jobs[0]->rc, OMB_EIO);
    assert_string_equal(jobs[0]->err.code, "ledger_mismatch");
    free_jobs(jobs, 1);
    omb_app_close(f->app);
    open_app(f, false);
    assert_int_equal(omb_app_reader(f->app, &r, &err), OMB_OK);
    uint64_t size;
    assert_int_equal(r->vt->ledger_size(r, &size, &err), OMB_OK);
    assert_int_equal(size, leaves + 3);
    r->vt->close(r);

    /* Owed, but an event is missing: the open is refused. */
    omb_app_close(f->app);
    f->app = NULL;
    sql(f, "DELETE FROM ledger WHERE leaf >= 2; DELETE FROM events WHERE id = 5; "
           "UPDATE meta SET value = 'pending' WHERE key = 'ledger_backfill'");
    omb_err_clear(&err);
    assert_int_equal(omb_app_open_backend(&f->app, &f->cfg, false, &faulty, &err), OMB_EIO);
    assert_null(f->app);
    assert_string_equal(err.code, "ledger_mismatch");
    assert_non_null(strstr(err.message, "not consecutive at 6"));
}

/* The store interface grows only at its end (store.h): a backend built for
 * an older interface lacks entries and is refused; one built for this or a
 * newer interface has every entry this app calls and serves it. */
static void refuses_older_interface_versions(void **state)
{
    fixture *f = *state;
    omb_app_close(f->app);
    f->app = NULL;
    /* version and oldest, each relative to OMB_STORE_VERSION */
    static const struct {
        int delta, oldest_delta;
        int rc;
        const char *why;
    } cases[] = {
        {-OMB_STORE_VERSION, 0, OMB_EINVAL, "older than"},
        {-1, 0, OMB_EINVAL, "older than"},
        {0, 0, OMB_OK, NULL},
        {1, 0, OMB_OK, NULL},
        {1, 1, OMB_EINVAL, "newer than"}, /* it retired entries this app calls */
        {0, -2, OMB_OK, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        omb_store_vtab backend = omb_store_sqlite;
        backend.version = OMB_STORE_VERSION + cases[i].delta;
        backend.oldest = OMB_STORE_VERSION + cases[i].oldest_delta;
        omb_app *app = NULL;
        omb_err err;
        omb_err_clear(&err);
        int rc = omb_app_open_backend(&app, &f->cfg, false, &backend, &err);
        if (rc != cases[i].rc)
            fail_msg("interface version %d: %d (%s)", backend.version, rc, err.message);
        if (rc) {
            assert_null(app);
            assert_non_null(strstr(err.message, cases[i].why));
            continue;
        }
        /* The app works through it. */
        omb_store *r;
        assert_int_equal(omb_app_reader(app, &r, &err), OMB_OK);
        int64_t n = -1;
        assert_int_equal(r->vt->complaint_count(r, &n, &err), OMB_OK);
        assert_int_equal(n, 0);
        r->vt->close(r);
        omb_app_close(app);
    }
    open_app(f, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(batch_commits_all, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_commit_fails_every_job, setup, teardown),
        cmocka_unit_test_setup_teardown(failing_job_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_sync_stops_writing, setup, teardown),
        cmocka_unit_test_setup_teardown(nothing_leaves_before_its_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(log_stays_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(idempotency_inside_a_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(acknowledged_survives_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(frontier_follows_rollbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_rollback_to_abandons_the_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(batch_committed_while_a_sync_fails_is_not_acknowledged,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(frontier_after_another_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(owed_leaves_are_built_at_open, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_older_interface_versions, setup, teardown),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
