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
 * hold inside a batch; nothing acknowledged is lost across a reopen.
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

#include "unit_main.h"

/* ---- the fault-injecting backend ------------------------------------------ */

static omb_store_vtab faulty;
static int fail_commits;       /* fail this many COMMITs */
static int fail_syncs;         /* fail this many syncs */
static atomic_bool hold_syncs; /* syncs wait while this is set */
static atomic_int syncs_done;
static const char *fail_append_of; /* fail the event appends of this description */

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

static int faulty_append(omb_store *s, omb_event *ev, omb_err *err)
{
    const char *desc = json_string_value(json_object_get(ev->payload, "description"));
    if (fail_append_of && desc && strcmp(desc, fail_append_of) == 0)
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "injected: append failed");
    return omb_store_sqlite.event_append(s, ev, err);
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
    faulty.event_append = faulty_append;
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

/* The store interface grows only at its end (store.h): a backend built for
 * an older interface lacks entries and is refused; one built for this or a
 * newer interface has every entry this app calls and serves it. */
static void refuses_older_interface_versions(void **state)
{
    fixture *f = *state;
    omb_app_close(f->app);
    f->app = NULL;
    static const struct {
        int delta;
        int rc;
    } cases[] = {{-OMB_STORE_VERSION, OMB_EINVAL}, {-1, OMB_EINVAL}, {0, OMB_OK}, {1, OMB_OK}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        omb_store_vtab backend = omb_store_sqlite;
        backend.version = OMB_STORE_VERSION + cases[i].delta;
        omb_app *app = NULL;
        omb_err err;
        omb_err_clear(&err);
        int rc = omb_app_open_backend(&app, &f->cfg, false, &backend, &err);
        if (rc != cases[i].rc)
            fail_msg("interface version %d: %d (%s)", backend.version, rc, err.message);
        if (rc) {
            assert_null(app);
            assert_non_null(strstr(err.message, "older than"));
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
        cmocka_unit_test_setup_teardown(refuses_older_interface_versions, setup, teardown),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
