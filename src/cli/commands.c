/*
 * commands.c - the small commands: serve, init, user add, token create.
 */
#include "app/dblock.h"
#include "app/log.h"
#include "app/version.h"
#include "app/webassets.h"
#include "cli.h"
#include "http/http.h"

#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static int open_app(cli_args *a, bool create, omb_app **app)
{
    omb_err err;
    omb_err_clear(&err);
    if (omb_app_open(app, &a->cfg, create, &err) != OMB_OK) {
        cli_report(&err);
        return 1;
    }
    return 0;
}

int cmd_serve(cli_args *a)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    /* Block the signals in every thread; the main thread waits for them. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (cli_flag(a, "test-clock"))
        a->cfg.test_clock = true;
    omb_err err;
    omb_err_clear(&err);
    int lock = -1;
    if (omb_app_check_database(&a->cfg, &err) || omb_dblock_take(a->cfg.database, &lock, &err)) {
        cli_report(&err);
        return 1;
    }
    /* The web workbench's files, read before anything else is opened. */
    omb_webassets *web = NULL;
    if (a->cfg.web_root[0] && omb_webassets_load(a->cfg.web_root, &web, &err) != OMB_OK) {
        cli_report(&err);
        omb_dblock_release(lock);
        return 1;
    }
    omb_app *app;
    if (open_app(a, false, &app)) {
        omb_webassets_free(web);
        omb_dblock_release(lock);
        return 1;
    }
    app->web = web;
    /* Only the server holding the lock may clear what a stopped one left. */
    long removed = 0;
    if (omb_blob_clean_uploads(app, &removed, &err) != OMB_OK) {
        cli_report(&err);
        omb_err_clear(&err);
    }
    if (removed)
        omb_log(OMB_LOG_INFO, "uploads_cleaned",
                json_pack("{s:I,s:s}", "removed", (json_int_t)removed, "message",
                          "removed unfinished uploads left by an earlier run"));
    omb_http *http;
    if (omb_http_start(app, &http, &err) != OMB_OK) {
        cli_report(&err);
        omb_app_close(app);
        omb_dblock_release(lock);
        return 1;
    }
    if (omb_sweeper_start(app, &err) != OMB_OK || omb_deliverer_start(app, &err) != OMB_OK) {
        cli_report(&err);
        omb_sweeper_stop(app);
        omb_http_stop(http, 0);
        omb_app_close(app);
        omb_dblock_release(lock);
        return 1;
    }
    printf("ombud %s listening on http://%s:%d/v1/\n", OMB_VERSION, app->cfg.listen_host,
           omb_http_port(http));
    if (web) {
        printf("web workbench at http://%s:%d/\n", app->cfg.listen_host, omb_http_port(http));
        omb_log(OMB_LOG_INFO, "web_loaded",
                json_pack("{s:s,s:I,s:I}", "web_root", app->cfg.web_root, "files",
                          (json_int_t)web->n, "bytes", (json_int_t)web->bytes));
    }
    fflush(stdout);
    omb_log(OMB_LOG_INFO, "server_started",
            json_pack("{s:s,s:s,s:i,s:s,s:b}", "version", OMB_VERSION, "host", app->cfg.listen_host,
                      "port", omb_http_port(http), "database", app->cfg.database, "test_clock",
                      app->cfg.test_clock));
    int sig = 0;
    sigwait(&set, &sig);
    omb_log(OMB_LOG_INFO, "server_stopping", json_pack("{s:i}", "signal", sig));
    omb_sweeper_stop(app);
    omb_deliverer_stop(app);
    omb_http_stop(http, app->cfg.shutdown_grace_ms);
    omb_app_close(app);
    omb_dblock_release(lock);
    omb_log(OMB_LOG_INFO, "server_stopped", NULL);
    return 0;
}

static int run_job(omb_app *app, omb_job *job)
{
    int rc = omb_writer_run(app->writer, job);
    if (rc)
        cli_report(&job->err);
    return rc;
}

int cmd_init(cli_args *a)
{
    const char *pw = cli_opt(a, "admin-password", NULL);
    if (pw && (strlen(pw) < 10 || strlen(pw) > 128)) {
        cli_error("--admin-password must be 10 to 128 characters");
        return 2;
    }
    omb_err weak;
    omb_err_clear(&weak);
    if (pw && omb_auth_check_password("admin", pw, &weak) != OMB_OK) {
        cli_error("--admin-password: %s", weak.message);
        return 2;
    }
    omb_app *app;
    if (open_app(a, true, &app))
        return 1;
    int rc = 0;
    omb_store *r;
    omb_err err;
    omb_err_clear(&err);
    if (omb_app_reader(app, &r, &err)) {
        cli_report(&err);
        omb_app_close(app);
        return 1;
    }
    omb_party op;
    if (r->vt->party_by_code(r, "operator", &op, &err) == OMB_OK) {
        printf("database %s is already initialised\n", app->cfg.database);
        goto out;
    }
    omb_principal sys;
    cli_system_principal(&sys, 0, OMB_ROLE_ADMIN);
    omb_job job;
    omb_job_init(&job, NULL, NULL, &sys);
    json_t *body = json_pack("{s:s,s:s,s:s}", "code", "operator", "name",
                             "平台运营方 Platform operator", "kind", "operator");
    rc = omb_uc_create_party(app, &job, body, &err);
    json_decref(body);
    if (rc || run_job(app, &job)) {
        if (rc)
            cli_report(&err);
        rc = 1;
        omb_job_release(&job);
        goto out;
    }
    int64_t op_id = json_integer_value(json_object_get(job.result, "id"));
    omb_job_release(&job);

    char password[OMB_PWHASH_LEN];
    const char *given = cli_opt(a, "admin-password", NULL);
    if (given) {
        snprintf(password, sizeof password, "%s", given);
    } else {
        /* Random, and drawn again in the unlikely case it breaks a password rule. */
        unsigned char raw[12];
        do {
            randombytes_buf(raw, sizeof raw);
            sodium_bin2base64(password, sizeof password, raw, sizeof raw,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        } while (omb_auth_check_password("admin", password, NULL) != OMB_OK);
    }
    cli_system_principal(&sys, op_id, OMB_ROLE_ADMIN);
    omb_job_init(&job, NULL, NULL, &sys);
    body = json_pack("{s:s,s:s,s:s,s:I,s:s}", "username", "admin", "display_name",
                     "平台管理员 Administrator", "role", "admin", "party", (json_int_t)op_id,
                     "password", password);
    rc = omb_uc_create_user(app, &job, body, &err);
    json_decref(body);
    if (rc || run_job(app, &job)) {
        if (rc)
            cli_report(&err);
        rc = 1;
    } else {
        printf("initialised %s\noperator admin: username admin, password %s\n", app->cfg.database,
               password);
    }
    omb_job_release(&job);
out:
    r->vt->close(r);
    omb_app_close(app);
    return rc;
}

int cmd_user(cli_args *a)
{
    if (a->n_words < 2 || strcmp(a->words[1], "add") != 0) {
        cli_error("usage: ombud user add --party CODE --username U --name N --role R "
                  "[--password P]");
        return 2;
    }
    const char *party = cli_opt(a, "party", NULL), *username = cli_opt(a, "username", NULL);
    const char *name = cli_opt(a, "name", NULL), *role = cli_opt(a, "role", NULL);
    if (!party || !username || !name || !role) {
        cli_error("user add needs --party, --username, --name and --role");
        return 2;
    }
    omb_app *app;
    if (open_app(a, false, &app))
        return 1;
    omb_err err;
    omb_err_clear(&err);
    omb_store *r;
    int rc = omb_app_reader(app, &r, &err);
    omb_party p;
    if (!rc) {
        rc = r->vt->party_by_code(r, party, &p, &err);
        r->vt->close(r); /* also when the party is unknown */
        if (rc)
            omb_fail(&err, rc, "unknown_party", "party", "no party with code %s", party);
    }
    if (rc) {
        cli_report(&err);
        omb_app_close(app);
        return 1;
    }
    omb_principal sys;
    cli_system_principal(&sys, p.id, OMB_ROLE_ADMIN);
    omb_job job;
    omb_job_init(&job, NULL, NULL, &sys);
    json_t *body = json_pack("{s:s,s:s,s:s,s:I}", "username", username, "display_name", name,
                             "role", role, "party", (json_int_t)p.id);
    const char *pw = cli_opt(a, "password", NULL);
    if (pw)
        json_object_set_new(body, "password", json_string(pw));
    rc = omb_uc_create_user(app, &job, body, &err);
    json_decref(body);
    if (rc)
        cli_report(&err);
    else if (!run_job(app, &job))
        printf("user %s (id %lld) added to %s as %s\n", username,
               (long long)json_integer_value(json_object_get(job.result, "id")), party, role);
    else
        rc = 1;
    omb_job_release(&job);
    omb_app_close(app);
    return rc ? 1 : 0;
}

int cmd_token(cli_args *a)
{
    if (a->n_words < 3 || strcmp(a->words[1], "create") != 0) {
        cli_error("usage: ombud token create USERNAME [--label L] [--ttl-hours N]");
        return 2;
    }
    int ttl = cli_int(a, "ttl-hours", 0, 1, 24 * 366 * 5);
    if (ttl < 0)
        return 2;
    omb_app *app;
    if (open_app(a, false, &app))
        return 1;
    omb_principal sys;
    cli_system_principal(&sys, 0, OMB_ROLE_ADMIN);
    omb_job job;
    omb_job_init(&job, NULL, NULL, &sys);
    omb_err err;
    omb_err_clear(&err);
    const char *label = cli_opt(a, "label", "cli");
    if (strlen(label) > 64) {
        cli_error("--label must be at most 64 bytes");
        omb_app_close(app);
        return 2;
    }
    int rc = omb_uc_issue_token(app, &job, a->words[2], label, ttl, &err);
    if (!rc)
        rc = run_job(app, &job);
    if (!rc)
        printf("%s\n", json_string_value(json_object_get(job.result, "token")));
    omb_job_release(&job);
    omb_app_close(app);
    return rc ? 1 : 0;
}
