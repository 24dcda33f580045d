/*
 * test_user_admin.c - deactivating users on a real app and database: the
 * last active operator admin stays (two admins deactivating each other,
 * one after the other in the writer), an admin of another party sees no
 * such user, deactivation revokes the user's tokens; and the login guard
 * of the app (per username and per address, keyed, thread-safe).
 */
#include "app/app.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "temp_app.h"
#include "unit_main.h"

typedef struct fixture {
    char dir[64];
    omb_config cfg;
    omb_app *app;
    int64_t operator_id, bank_id;
} fixture;

static omb_principal principal(int64_t user, int64_t party, const char *kind)
{
    omb_principal p;
    memset(&p, 0, sizeof p);
    p.user_id = user;
    p.party_id = party;
    p.role = OMB_ROLE_ADMIN;
    snprintf(p.username, sizeof p.username, "u%lld", (long long)user);
    snprintf(p.party_kind, sizeof p.party_kind, "%s", kind);
    return p;
}

/* Runs a prepared job; returns its rc and, on success, the result's "id". */
static int run(fixture *f, omb_job *job, int prepared, omb_err *err, int64_t *id)
{
    if (prepared)
        return prepared;
    int rc = omb_writer_run(f->app->writer, job);
    if (rc)
        *err = job->err;
    else if (id)
        *id = json_integer_value(json_object_get(job->result, "id"));
    return rc;
}

static int64_t make(fixture *f, const omb_principal *who, json_t *body, bool party)
{
    omb_job job;
    omb_job_init(&job, NULL, NULL, who);
    omb_err err;
    omb_err_clear(&err);
    int prepared = party ? omb_uc_create_party(f->app, &job, body, &err)
                         : omb_uc_create_user(f->app, &job, body, &err);
    int64_t id = 0;
    int rc = run(f, &job, prepared, &err, &id);
    if (rc)
        fail_msg("create: %s", err.message);
    json_decref(body);
    omb_job_release(&job);
    return id;
}

static int change(fixture *f, const omb_principal *who, int64_t user, enum omb_user_change what,
                  omb_err *err)
{
    omb_job job;
    omb_job_init(&job, NULL, NULL, who);
    omb_err_clear(err);
    int rc = run(f, &job, omb_uc_change_user(f->app, &job, user, what, err), err, NULL);
    omb_job_release(&job);
    return rc;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->app = omb_temp_app_open("ombud-users", f->dir, &f->cfg);
    if (!f->app)
        fail_msg("could not open the app");
    omb_principal sys = principal(0, 0, "operator");
    f->operator_id = make(
        f, &sys, json_pack("{s:s,s:s,s:s}", "code", "operator", "name", "Op", "kind", "operator"),
        true);
    f->bank_id = make(
        f, &sys, json_pack("{s:s,s:s,s:s}", "code", "bank", "name", "Bank", "kind", "bank"), true);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    int rc = omb_temp_app_close(f->app, f->dir);
    free(f);
    return rc;
}

static int64_t add_user(fixture *f, const char *username, int64_t party, const char *role)
{
    omb_principal sys = principal(0, party, "operator");
    return make(f, &sys,
                json_pack("{s:s,s:s,s:s,s:I}", "username", username, "display_name", username,
                          "role", role, "party", (json_int_t)party),
                false);
}

static void last_operator_admin_stays(void **state)
{
    fixture *f = *state;
    int64_t a = add_user(f, "op_a", f->operator_id, "admin");
    int64_t b = add_user(f, "op_b", f->operator_id, "admin");
    omb_principal pa = principal(a, f->operator_id, "operator");
    omb_principal pb = principal(b, f->operator_id, "operator");
    omb_err err;
    /* validated while both were active; run one after the other */
    assert_int_equal(change(f, &pa, b, OMB_USER_DEACTIVATE, &err), OMB_OK);
    assert_int_equal(change(f, &pb, a, OMB_USER_DEACTIVATE, &err), OMB_ECONFLICT);
    assert_string_equal(err.code, "last_operator_admin");
    /* after a reactivation either may go again */
    assert_int_equal(change(f, &pa, b, OMB_USER_ACTIVATE, &err), OMB_OK);
    assert_int_equal(change(f, &pb, a, OMB_USER_DEACTIVATE, &err), OMB_OK);
    /* an operator auditor does not count as an admin */
    add_user(f, "op_auditor", f->operator_id, "auditor");
    assert_int_equal(change(f, &pa, b, OMB_USER_DEACTIVATE, &err), OMB_ECONFLICT);
    assert_string_equal(err.code, "last_operator_admin");
}

static void party_admins_and_roles(void **state)
{
    fixture *f = *state;
    int64_t admin = add_user(f, "bank_admin", f->bank_id, "admin");
    int64_t agent = add_user(f, "bank_agent", f->bank_id, "agent");
    int64_t op = add_user(f, "op_admin", f->operator_id, "admin");
    omb_principal bank_admin = principal(admin, f->bank_id, "bank");
    omb_principal other_admin = principal(999, 12345, "bank");
    omb_principal agent_p = principal(agent, f->bank_id, "bank");
    agent_p.role = OMB_ROLE_AGENT;
    omb_err err;
    assert_int_equal(change(f, &agent_p, admin, OMB_USER_DEACTIVATE, &err), OMB_EFORBIDDEN);
    assert_int_equal(change(f, &other_admin, agent, OMB_USER_DEACTIVATE, &err), OMB_ENOTFOUND);
    assert_int_equal(change(f, &bank_admin, op, OMB_USER_DEACTIVATE, &err), OMB_ENOTFOUND);
    assert_int_equal(change(f, &bank_admin, 424242, OMB_USER_REVOKE_TOKENS, &err), OMB_ENOTFOUND);
    assert_int_equal(change(f, &bank_admin, admin, OMB_USER_DEACTIVATE, &err), OMB_ECONFLICT);
    assert_string_equal(err.code, "cannot_deactivate_self");
    /* a token of the agent stops working with the deactivation */
    omb_job job;
    omb_principal sys = principal(0, 0, "operator");
    omb_job_init(&job, NULL, NULL, &sys);
    assert_int_equal(omb_uc_issue_token(f->app, &job, "bank_agent", "t", 1, &err), OMB_OK);
    assert_int_equal(omb_writer_run(f->app->writer, &job), OMB_OK);
    char token[64];
    snprintf(token, sizeof token, "%s", json_string_value(json_object_get(job.result, "token")));
    omb_job_release(&job);
    omb_store *r;
    assert_int_equal(omb_app_reader(f->app, &r, &err), OMB_OK);
    omb_principal who;
    assert_int_equal(omb_auth_token(f->app, r, token, &who, &err), OMB_OK); /* now cached */
    assert_int_equal(change(f, &bank_admin, agent, OMB_USER_DEACTIVATE, &err), OMB_OK);
    assert_int_equal(omb_auth_token(f->app, r, token, &who, &err), OMB_EUNAUTH);
    assert_int_equal(change(f, &bank_admin, agent, OMB_USER_ACTIVATE, &err), OMB_OK);
    assert_int_equal(omb_auth_token(f->app, r, token, &who, &err), OMB_EUNAUTH);
    r->vt->close(r);
}

/* Threads hammering one username: never more checked failures than allowed. */
typedef struct hammer {
    omb_login_guard *g;
    int allowed;
    pthread_mutex_t mu;
} hammer;

static void *hammer_run(void *arg)
{
    hammer *h = arg;
    for (int i = 0; i < 200; i++) {
        if (omb_login_guard_begin(h->g, "victim", "10.0.0.1", 1000) == 0) {
            pthread_mutex_lock(&h->mu);
            h->allowed++;
            pthread_mutex_unlock(&h->mu);
            omb_login_guard_end(h->g, "victim", "10.0.0.1", 1000, OMB_LOGIN_FAILED);
        }
    }
    return NULL;
}

static void login_guard(void **state)
{
    fixture *f = *state;
    omb_login_guard *g = omb_login_guard_new(&f->cfg);
    /* per username: 5 failures; an unknown and a known username alike */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(omb_login_guard_begin(g, "alice", "10.0.0.1", 1000), 0);
        omb_login_guard_end(g, "alice", "10.0.0.1", 1000, OMB_LOGIN_FAILED);
    }
    assert_int_equal(omb_login_guard_begin(g, "alice", "10.0.0.2", 2000), 59000);
    assert_int_equal(omb_login_guard_begin(g, "bob", "10.0.0.2", 2000), 0);
    omb_login_guard_end(g, "bob", "10.0.0.2", 2000, OMB_LOGIN_SUCCEEDED);
    /* per address: 20 failures over different usernames */
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "spray%d", i);
        assert_int_equal(omb_login_guard_begin(g, name, "10.0.0.3", 1000), 0);
        omb_login_guard_end(g, name, "10.0.0.3", 1000, OMB_LOGIN_FAILED);
    }
    assert_int_equal(omb_login_guard_begin(g, "bob", "10.0.0.3", 1000), 60000);
    /* a refused address does not count against the username */
    for (int i = 0; i < 10; i++)
        assert_true(omb_login_guard_begin(g, "carol", "10.0.0.3", 1000) > 0);
    assert_int_equal(omb_login_guard_begin(g, "carol", "10.0.0.4", 1000), 0);
    omb_login_guard_end(g, "carol", "10.0.0.4", 1000, OMB_LOGIN_CANCELLED);
    omb_login_guard_free(g);

    hammer h = {omb_login_guard_new(&f->cfg), 0, PTHREAD_MUTEX_INITIALIZER};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer_run, &h);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(h.allowed, 5);
    omb_login_guard_free(h.g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(last_operator_admin_stays, setup, teardown),
        cmocka_unit_test_setup_teardown(party_admins_and_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(login_guard, setup, teardown),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
