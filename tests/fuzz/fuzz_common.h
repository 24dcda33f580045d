/*
 * fuzz_common.h - what the libFuzzer harnesses of tests/fuzz/ share: a
 * NUL-terminated copy of the input, the split of a header line from the
 * rest, query strings as name/value pairs, and the "world": an app opened
 * on a temporary database with the parties and users of the black-box
 * fixture (tests/blackbox/harness.py: parties, users, the product 1 of a
 * cooperation, a complaint of bank_a and one of bank_b), so that a harness can run use cases
 * the way the HTTP handlers do.
 *
 * Header only (static inline): each harness is one translation unit.
 */
#ifndef OMB_FUZZ_COMMON_H
#define OMB_FUZZ_COMMON_H

#include "app/app.h"
#include "app/log.h"
#include "core/buf.h"
#include "core/jsonw.h"

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A fatal problem of the harness itself (not of the code under test). */
static inline void fz_die(const char *what, const omb_err *err)
{
    fprintf(stderr, "fuzz harness: %s: %s\n", what, err ? err->message : "");
    abort();
}

/* The input as a NUL-terminated string (caller frees). */
static inline char *fz_cstr(const uint8_t *data, size_t size)
{
    char *s = omb_xmalloc(size + 1);
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* The input as an exact-size copy, so that ASan sees any read past its end
 * (caller frees). */
static inline char *fz_copy(const uint8_t *data, size_t size)
{
    char *s = omb_xmalloc(size ? size : 1);
    if (size)
        memcpy(s, data, size);
    return s;
}

/* Query parameters as libmicrohttpd hands them to a handler: at most
 * FZ_QUERY_MAX (as QUERY_MAX in src/http/http.h) name=value pairs. */
#define FZ_QUERY_MAX 32
typedef struct fz_query {
    const char *names[FZ_QUERY_MAX];
    const char *values[FZ_QUERY_MAX];
    size_t n;
} fz_query;

/* Splits s (modified) at '&' and each part at its first '='; a part with
 * no '=' has the value "". */
static inline void fz_query_split(char *s, fz_query *q)
{
    q->n = 0;
    char *p = s;
    while (p && q->n < FZ_QUERY_MAX) {
        char *amp = strchr(p, '&');
        if (amp)
            *amp = '\0';
        char *eq = strchr(p, '=');
        if (eq)
            *eq = '\0';
        q->names[q->n] = p;
        q->values[q->n] = eq ? eq + 1 : "";
        q->n++;
        p = amp ? amp + 1 : NULL;
    }
}

/* ---- the world: an app with the black-box fixture's parties and users ---- */

/* The parties, in creation order: the operator is party 1, bank_a 2, ... */
static const struct {
    const char *key, *code, *kind;
} fz_parties[] = {
    {"operator", "operator", "operator"}, {"bank", "bank_a", "bank"},
    {"lender", "lender_a", "lender"},     {"platform", "plat_a", "platform"},
    {"bank2", "bank_b", "bank"},          {"regulator", "reg_a", "regulator"},
    {"mediator", "med_a", "mediator"},
};
#define FZ_N_PARTIES (sizeof fz_parties / sizeof fz_parties[0])

/* The users, in creation order: op_admin is user 1, bank_agent 2, ... */
static const struct {
    const char *key;
    size_t party; /* index into fz_parties */
    const char *role;
} fz_users[] = {
    {"op_admin", 0, "admin"},       {"bank_agent", 1, "agent"},     {"bank_agent2", 1, "agent"},
    {"bank_sup", 1, "supervisor"},  {"bank_comp", 1, "compliance"}, {"bank_admin", 1, "admin"},
    {"bank_auditor", 1, "auditor"}, {"lender_agent", 2, "agent"},   {"lender_sup", 2, "supervisor"},
    {"plat_agent", 3, "agent"},     {"bank2_agent", 4, "agent"},    {"bank2_admin", 4, "admin"},
    {"reg_user", 5, "regulator"},   {"med_user", 6, "mediator"},
};
#define FZ_N_USERS (sizeof fz_users / sizeof fz_users[0])

typedef struct fz_world {
    char dir[128];
    omb_config cfg;
    omb_app *app;
    omb_store *reader;
    int64_t party_id[FZ_N_PARTIES];
    omb_principal who[FZ_N_USERS];
    char no[32];   /* a complaint of bank_a, created by bank_agent */
    char no_b[32]; /* a complaint of bank_b */
} fz_world;

/* Runs one prepared job to its end; the job's result is left for the caller. */
static inline int fz_run(fz_world *w, omb_job *job)
{
    omb_writer_run(w->app->writer, job);
    return job->rc;
}

static inline int64_t fz_setup_write(fz_world *w, const omb_principal *who,
                                     int (*uc)(omb_app *, omb_job *, json_t *, omb_err *),
                                     json_t *body, const char *what)
{
    omb_job job;
    omb_err err;
    omb_err_clear(&err);
    omb_job_init(&job, NULL, NULL, who);
    if (uc(w->app, &job, body, &err))
        fz_die(what, &err);
    json_decref(body);
    if (fz_run(w, &job))
        fz_die(what, &job.err);
    json_t *res = omb_job_result(&job);
    int64_t id = json_integer_value(json_object_get(res, "id"));
    const char *no = json_string_value(json_object_get(res, "no"));
    if (no && !w->no[0])
        snprintf(w->no, sizeof w->no, "%s", no);
    else if (no)
        snprintf(w->no_b, sizeof w->no_b, "%s", no);
    json_decref(res);
    omb_job_release(&job);
    return id;
}

/* A complaint about the product's rate (cause c11): dispatch gives it to the bank. */
static inline json_t *fz_complaint_body(const char *description, bool product)
{
    json_t *b =
        json_pack("{s:s,s:{s:s},s:s,s:s,s:s}", "channel", "app", "complainant", "name", "张三",
                  "description", description, "business", "internet_loan", "cause", "c11");
    if (product)
        json_object_set_new(b, "product", json_integer(1));
    return b;
}

/* Opens the world on a fresh database in a new directory (under /dev/shm
 * when there is one: syncs there cost nothing). */
static inline void fz_world_open(fz_world *w)
{
    memset(w, 0, sizeof *w);
    omb_log_set_level(OMB_LOG_ERROR);
    struct stat st;
    const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(w->dir, sizeof w->dir, "%s/ombud-fuzz-XXXXXX", base);
    if (!mkdtemp(w->dir))
        fz_die("mkdtemp", NULL);
    omb_config_defaults(&w->cfg);
    snprintf(w->cfg.database, sizeof w->cfg.database, "%s/f.db", w->dir);
    snprintf(w->cfg.attachments, sizeof w->cfg.attachments, "%s/att", w->dir);
    w->cfg.log_level = 3;
    omb_err err;
    omb_err_clear(&err);
    if (omb_app_open(&w->app, &w->cfg, true, &err))
        fz_die("open the app", &err);
    if (omb_app_reader(w->app, &w->reader, &err))
        fz_die("open a reader", &err);

    omb_principal sys = {0};
    sys.role = OMB_ROLE_ADMIN;
    snprintf(sys.party_kind, sizeof sys.party_kind, "operator");
    for (size_t i = 0; i < FZ_N_PARTIES; i++) {
        json_t *body = json_pack("{s:s,s:s,s:s}", "code", fz_parties[i].code, "name",
                                 fz_parties[i].code, "kind", fz_parties[i].kind);
        w->party_id[i] = fz_setup_write(w, &sys, omb_uc_create_party, body, "create a party");
        if (i == 0)
            sys.party_id = w->party_id[0];
    }
    for (size_t i = 0; i < FZ_N_USERS; i++) {
        json_t *body = json_pack("{s:s,s:s,s:s,s:I}", "username", fz_users[i].key, "display_name",
                                 fz_users[i].key, "role", fz_users[i].role, "party",
                                 (json_int_t)w->party_id[fz_users[i].party]);
        omb_principal *p = &w->who[i];
        p->user_id = fz_setup_write(w, &sys, omb_uc_create_user, body, "create a user");
        p->party_id = w->party_id[fz_users[i].party];
        omb_role_parse(fz_users[i].role, &p->role);
        snprintf(p->username, sizeof p->username, "%s", fz_users[i].key);
        snprintf(p->party_kind, sizeof p->party_kind, "%s", fz_parties[fz_users[i].party].kind);
        if (i == 0)
            sys = *p;
    }
    /* The product 1 of a cooperation of the bank, the lender and the platform. */
    fz_setup_write(w, &sys, omb_uc_create_product,
                   json_pack("{s:s,s:s,s:s}", "code", "loan_app", "name", "Loan app", "business",
                             "internet_loan"),
                   "create a product");
    json_t *members =
        json_pack("[{s:I,s:s,s:i},{s:I,s:s,s:i},{s:I,s:s,s:i}]", "party",
                  (json_int_t)w->party_id[1], "role", "funder", "share_bp", 6000, "party",
                  (json_int_t)w->party_id[2], "role", "acquirer", "share_bp", 3000, "party",
                  (json_int_t)w->party_id[3], "role", "platform", "share_bp", 1000);
    fz_setup_write(w, &sys, omb_uc_create_cooperation,
                   json_pack("{s:s,s:s,s:i,s:o}", "code", "coop_loan_app", "name", "Joint loan",
                             "product", 1, "members", members),
                   "create a cooperation");
    fz_setup_write(w, &w->who[1], omb_uc_create_complaint,
                   fz_complaint_body("world complaint", true), "create a complaint");
    fz_setup_write(w, &w->who[10], omb_uc_create_complaint,
                   fz_complaint_body("world complaint of bank_b", false), "create a complaint");
}

static inline int fz_remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    return remove(path);
}

/* Closes the world and removes its directory. */
static inline void fz_world_close(fz_world *w)
{
    w->reader->vt->close(w->reader);
    omb_app_close(w->app);
    nftw(w->dir, fz_remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* The user of the fixture called key (NULL when none). */
static inline const omb_principal *fz_who(const fz_world *w, const char *key)
{
    for (size_t i = 0; i < FZ_N_USERS; i++)
        if (strcmp(fz_users[i].key, key) == 0)
            return &w->who[i];
    return NULL;
}

/* What a client would get for rc/err: a refusal of bad input must be a
 * 4xx JSON error with a code; a 500 (OMB_EIO) or a 503 means that bad input
 * reached a storage or system failure, a defect (abort). */
static inline void fz_check_refusal(const char *what, int rc, const omb_err *err)
{
    if (rc == OMB_OK)
        return;
    /* The kinds src/http/reply.c answers with a 4xx status. */
    static const int refusals[] = {OMB_EINVAL,    OMB_EUNAUTH, OMB_EFORBIDDEN, OMB_ENOTFOUND,
                                   OMB_ECONFLICT, OMB_ETOOBIG, OMB_EMEDIA,     OMB_EFIELD};
    bool refusal = false;
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        refusal = refusal || rc == refusals[i];
    if (!refusal || !err->code[0]) {
        fprintf(stderr, "%s answered %s %s: %s (field %s)\n", what, omb_rc_name(rc), err->code,
                err->message, err->field);
        abort();
    }
}

/* A successful answer must be writable as the JSON the server sends. */
static inline void fz_check_answer(const char *what, const json_t *v)
{
    size_t len;
    char *text = v ? omb_jsonw_dup(v, 0, &len) : NULL;
    if (!text) {
        fprintf(stderr, "%s: the answer could not be written as JSON\n", what);
        abort();
    }
    free(text);
}

/* An input of the request and query harnesses: a first line
 * "<name> <as> [<target>]", then the rest (body or query string). */
typedef struct fz_input {
    char *text; /* owned: the input, NUL-terminated, cut into the parts below */
    const char *name, *target;
    const omb_principal *who;
    char *rest;
    size_t rest_len;
} fz_input;

/* Splits an input; false (and nothing to free) when its first line does not
 * name a route and a user of the world. */
static inline bool fz_input_parse(const fz_world *w, const uint8_t *data, size_t size, fz_input *in)
{
    memset(in, 0, sizeof *in);
    in->text = fz_cstr(data, size);
    char *nl = memchr(in->text, '\n', size);
    in->rest = nl ? nl + 1 : in->text + size;
    in->rest_len = size - (size_t)(in->rest - in->text);
    if (nl)
        *nl = '\0';
    char *save = NULL;
    in->name = strtok_r(in->text, " ", &save);
    const char *as = in->name ? strtok_r(NULL, " ", &save) : NULL;
    in->target = as ? strtok_r(NULL, " ", &save) : NULL;
    in->who = as ? fz_who(w, as) : NULL;
    if (!in->name || !in->who) {
        free(in->text);
        return false;
    }
    return true;
}

#endif
