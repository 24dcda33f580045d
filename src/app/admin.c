/*
 * admin.c - write use cases for the platform's own records: parties,
 * users, products, cooperations and tokens.  Each change is also an event
 * (subject "party:3", "user:7" ...) so the log covers everything.
 *
 * Who may do what: an admin of the operator party manages parties,
 * products and cooperations and users of any party; an admin of another
 * party manages only its own party's users.  Anyone may log in.
 */
#include "app.h"
#include "app/log.h"
#include "core/fields.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define END                                                                                        \
    {                                                                                              \
        NULL, 0, false, 0, 0, NULL, NULL, 0                                                        \
    }

const char *const omb_party_kinds[] = {"bank",     "lender",   "platform", "regulator",
                                       "mediator", "operator", NULL};
const char *const omb_member_roles[] = {"funder", "acquirer", "platform", NULL};
static const char *const role_values[] = {"agent",   "supervisor", "compliance", "admin",
                                          "auditor", "mediator",   "regulator",  NULL};

static const omb_field_spec party_fields[] = {
    {"code", OMB_F_STRING, true, 0, 32, NULL, NULL, 0},
    {"name", OMB_F_STRING, true, 0, 80, NULL, NULL, 0},
    {"kind", OMB_F_ENUM, true, 0, 0, omb_party_kinds, NULL, 0},
    END,
};
static const omb_field_spec user_fields[] = {
    {"username", OMB_F_STRING, true, 0, 64, NULL, NULL, 0},
    {"display_name", OMB_F_STRING, true, 0, 80, NULL, NULL, 0},
    {"role", OMB_F_ENUM, true, 0, 0, role_values, NULL, 0},
    {"party", OMB_F_INT, false, 1, INT64_MAX, NULL, NULL, 0},
    {"password", OMB_F_STRING, false, 10, 128, NULL, NULL, 0},
    {"skills", OMB_F_STRINGS, false, 0, 32, NULL, NULL, 16},
    END,
};
static const omb_field_spec product_fields[] = {
    {"code", OMB_F_STRING, true, 0, 32, NULL, NULL, 0},
    {"name", OMB_F_STRING, true, 0, 80, NULL, NULL, 0},
    {"business", OMB_F_STRING, true, 0, 32, NULL, NULL, 0},
    END,
};
static const omb_field_spec member_fields[] = {
    {"party", OMB_F_INT, true, 1, INT64_MAX, NULL, NULL, 0},
    {"role", OMB_F_ENUM, true, 0, 0, omb_member_roles, NULL, 0},
    {"share_bp", OMB_F_INT, true, 0, OMB_SHARE_TOTAL, NULL, NULL, 0},
    END,
};
static const omb_field_spec cooperation_fields[] = {
    {"code", OMB_F_STRING, true, 0, 32, NULL, NULL, 0},
    {"name", OMB_F_STRING, true, 0, 80, NULL, NULL, 0},
    {"product", OMB_F_INT, true, 1, INT64_MAX, NULL, NULL, 0},
    {"members", OMB_F_OBJECTS, true, 0, 0, NULL, member_fields, OMB_MEMBERS_MAX},
    END,
};
static const omb_field_spec login_fields[] = {
    {"username", OMB_F_STRING, true, 0, 64, NULL, NULL, 0},
    {"password", OMB_F_STRING, true, 0, 128, NULL, NULL, 0},
    {"label", OMB_F_STRING, false, 0, 64, NULL, NULL, 0},
    END,
};

static const omb_field_spec session_fields[] = {
    {"username", OMB_F_STRING, true, 0, 64, NULL, NULL, 0},
    {"password", OMB_F_STRING, true, 0, 128, NULL, NULL, 0},
    END,
};

int omb_app_check_identifier(const json_t *body, const char *field, size_t max, omb_err *err)
{
    const char *v = omb_json_str(body, field, "");
    size_t n = strlen(v);
    bool ok = n > 0 && n <= max;
    for (size_t i = 0; ok && i < n; i++) {
        char c = v[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        ok = alnum || (i > 0 && (c == '.' || c == '_' || c == '-'));
    }
    if (!ok)
        return omb_fail(err, OMB_EFIELD, "invalid_value", field,
                        "%s must be 1 to %zu ASCII letters, digits, '.', '_' or '-', "
                        "starting with a letter or digit",
                        field, max);
    return OMB_OK;
}

/* Which roles a user may have in each kind of party. */
static const struct {
    const char *kind;
    uint32_t roles;
} roles_by_kind[] = {
    {"bank", OMB_ROLEBIT(OMB_ROLE_AGENT) | OMB_ROLEBIT(OMB_ROLE_SUPERVISOR) |
                 OMB_ROLEBIT(OMB_ROLE_COMPLIANCE) | OMB_ROLEBIT(OMB_ROLE_ADMIN) |
                 OMB_ROLEBIT(OMB_ROLE_AUDITOR)},
    {"lender", OMB_ROLEBIT(OMB_ROLE_AGENT) | OMB_ROLEBIT(OMB_ROLE_SUPERVISOR) |
                   OMB_ROLEBIT(OMB_ROLE_COMPLIANCE) | OMB_ROLEBIT(OMB_ROLE_ADMIN) |
                   OMB_ROLEBIT(OMB_ROLE_AUDITOR)},
    {"platform", OMB_ROLEBIT(OMB_ROLE_AGENT) | OMB_ROLEBIT(OMB_ROLE_SUPERVISOR) |
                     OMB_ROLEBIT(OMB_ROLE_COMPLIANCE) | OMB_ROLEBIT(OMB_ROLE_ADMIN) |
                     OMB_ROLEBIT(OMB_ROLE_AUDITOR)},
    {"regulator", OMB_ROLEBIT(OMB_ROLE_REGULATOR) | OMB_ROLEBIT(OMB_ROLE_ADMIN)},
    {"mediator", OMB_ROLEBIT(OMB_ROLE_MEDIATOR) | OMB_ROLEBIT(OMB_ROLE_ADMIN)},
    {"operator", OMB_ROLEBIT(OMB_ROLE_ADMIN) | OMB_ROLEBIT(OMB_ROLE_AUDITOR)},
};

static bool role_fits_kind(enum omb_role role, const char *kind)
{
    for (size_t i = 0; i < COUNT(roles_by_kind); i++)
        if (strcmp(roles_by_kind[i].kind, kind) == 0)
            return (roles_by_kind[i].roles & OMB_ROLEBIT(role)) != 0;
    return false;
}

/* ---- JSON views ------------------------------------------------------------ */

static json_t *time_json(omb_ms t)
{
    char s[32];
    omb_time_format(t, s, sizeof s);
    return json_string(s);
}

json_t *omb_party_json(const omb_party *p)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)p->id, "code", p->code, "name",
                          p->name, "kind", p->kind);
    json_object_set_new(o, "created_at", time_json(p->created_at));
    return o;
}

json_t *omb_user_json(const omb_user *u)
{
    json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:s,s:b}", "id", (json_int_t)u->id, "party",
                          (json_int_t)u->party_id, "username", u->username, "display_name",
                          u->display_name, "role", omb_role_name(u->role), "active", u->active);
    json_object_set_new(o, "on_duty", json_boolean(u->on_duty));
    json_t *skills = json_array();
    char buf[OMB_NAME_LEN];
    snprintf(buf, sizeof buf, "%s", u->skills);
    for (char *p = buf, *comma; *p; p = comma + 1) {
        comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p)
            json_array_append_new(skills, json_string(p));
        if (!comma)
            break;
    }
    json_object_set_new(o, "skills", skills);
    json_object_set_new(o, "created_at", time_json(u->created_at));
    return o;
}

json_t *omb_product_json(const omb_product *p)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)p->id, "code", p->code, "name",
                          p->name, "business", p->business);
    json_object_set_new(o, "created_at", time_json(p->created_at));
    return o;
}

json_t *omb_cooperation_json(const omb_cooperation *c)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:I}", "id", (json_int_t)c->id, "code", c->code, "name",
                          c->name, "product", (json_int_t)c->product_id);
    json_t *m = json_array();
    for (int i = 0; i < c->n_members; i++)
        json_array_append_new(m, json_pack("{s:I,s:s,s:i}", "party",
                                           (json_int_t)c->members[i].party_id, "role",
                                           c->members[i].role, "share_bp", c->members[i].share_bp));
    json_object_set_new(o, "members", m);
    json_object_set_new(o, "created_at", time_json(c->created_at));
    return o;
}

/* ---- shared job plumbing ---------------------------------------------------- */

static void body_free(void *p)
{
    json_decref((json_t *)p);
}

static void prepare(omb_job *job, omb_job_fn run, json_t *body)
{
    job->run = run;
    job->input = json_incref(body);
    job->input_free = body_free;
    job->status = 201;
}

bool omb_app_operator_admin(const omb_principal *who)
{
    return who->role == OMB_ROLE_ADMIN && strcmp(who->party_kind, "operator") == 0;
}

static int need_operator_admin(const omb_principal *who, omb_err *err)
{
    if (!omb_app_operator_admin(who))
        return omb_fail(err, OMB_EFORBIDDEN, "role_not_allowed", NULL,
                        "only an administrator of the platform operator may do this");
    return OMB_OK;
}

/* Appends an audit event about a non-complaint subject. */
int omb_app_audit(omb_app *app, omb_store *s, omb_job *job, const char *type, const char *kind,
                  int64_t id, json_t *payload)
{
    omb_event ev;
    omb_event_init(&ev, type, omb_app_now(app), job->who.user_id, job->who.party_id, payload);
    snprintf(ev.subject, sizeof ev.subject, "%s:%lld", kind, (long long)id);
    int rc = omb_ledger_append(app, s, &ev, &job->err);
    omb_event_release(&ev);
    return rc;
}

static int conflict_as(omb_err *err, int rc, const char *field, const char *what)
{
    if (rc == OMB_ECONFLICT)
        return omb_fail(err, OMB_ECONFLICT, "already_exists", field, "%s already exists", what);
    return rc;
}

/* ---- parties ---------------------------------------------------------------- */

static int run_party(omb_app *app, omb_store *s, omb_job *job)
{
    json_t *b = job->input;
    omb_party p = {0};
    snprintf(p.code, sizeof p.code, "%s", omb_json_str(b, "code", ""));
    snprintf(p.name, sizeof p.name, "%s", omb_json_str(b, "name", ""));
    snprintf(p.kind, sizeof p.kind, "%s", omb_json_str(b, "kind", ""));
    p.created_at = omb_app_now(app);
    int rc = s->vt->party_insert(s, &p, &job->err);
    if (rc)
        return conflict_as(&job->err, rc, "code", "a party with this code");
    job->result = omb_party_json(&p);
    return omb_app_audit(app, s, job, "party_created", "party", p.id, json_deep_copy(job->result));
}

int omb_uc_create_party(omb_app *app, omb_job *job, json_t *body, omb_err *err)
{
    int rc = need_operator_admin(&job->who, err);
    if (!rc)
        rc = omb_fields_check(body, party_fields, "", err);
    if (!rc)
        rc = omb_app_check_identifier(body, "code", OMB_CODE_LEN - 1, err);
    if (rc)
        return rc;
    prepare(job, run_party, body);
    return OMB_OK;
}

/* ---- users -------------------------------------------------------------------- */

typedef struct user_input {
    json_t *body;
    char password_hash[OMB_PWHASH_LEN];
} user_input;

static void user_input_free(void *p)
{
    user_input *in = p;
    json_decref(in->body);
    free(in);
}

static int run_user(omb_app *app, omb_store *s, omb_job *job)
{
    user_input *in = job->input;
    json_t *b = in->body;
    omb_user u = {0};
    u.party_id = omb_json_int(b, "party", job->who.party_id);
    omb_party p;
    int rc = s->vt->party_get(s, u.party_id, &p, &job->err);
    if (rc == OMB_ENOTFOUND)
        return omb_fail(&job->err, OMB_EFIELD, "unknown_reference", "party",
                        "party does not exist");
    if (rc)
        return rc;
    snprintf(u.username, sizeof u.username, "%s", omb_json_str(b, "username", ""));
    snprintf(u.display_name, sizeof u.display_name, "%s", omb_json_str(b, "display_name", ""));
    omb_role_parse(omb_json_str(b, "role", "agent"), &u.role);
    if (!role_fits_kind(u.role, p.kind))
        return omb_fail(&job->err, OMB_EFIELD, "invalid_value", "role",
                        "a party of kind %s cannot have users with role %s", p.kind,
                        omb_role_name(u.role));
    const json_t *skills = json_object_get(b, "skills");
    size_t i, len = 0;
    const json_t *sk;
    json_array_foreach(skills, i, sk)
    {
        int n = snprintf(u.skills + len, sizeof u.skills - len, "%s%s", i ? "," : "",
                         json_string_value(sk));
        if (n < 0 || (size_t)n >= sizeof u.skills - len)
            return omb_fail(&job->err, OMB_EFIELD, "too_long", "skills", "too many skills");
        len += (size_t)n;
    }
    u.active = true;
    u.on_duty = true;
    snprintf(u.password_hash, sizeof u.password_hash, "%s", in->password_hash);
    u.created_at = omb_app_now(app);
    rc = s->vt->user_insert(s, &u, &job->err);
    if (rc)
        return conflict_as(&job->err, rc, "username", "a user with this username");
    job->result = omb_user_json(&u);
    return omb_app_audit(app, s, job, "user_created", "user", u.id, json_deep_copy(job->result));
}

int omb_uc_create_user(omb_app *app, omb_job *job, json_t *body, omb_err *err)
{
    if (job->who.role != OMB_ROLE_ADMIN)
        return omb_fail(err, OMB_EFORBIDDEN, "role_not_allowed", NULL,
                        "only an administrator may create users");
    int rc = omb_fields_check(body, user_fields, "", err);
    if (!rc)
        rc = omb_app_check_identifier(body, "username", OMB_CODE_LEN * 2 - 2, err);
    size_t i;
    json_t *skill;
    json_array_foreach(json_object_get(body, "skills"), i, skill)
    {
        if (rc)
            break;
        json_t *one = json_pack("{s:O}", "skills", skill);
        rc = omb_app_check_identifier(one, "skills", 32, err);
        json_decref(one);
    }
    if (rc)
        return rc;
    int64_t party = omb_json_int(body, "party", job->who.party_id);
    if (party != job->who.party_id && !omb_app_operator_admin(&job->who))
        return omb_fail(err, OMB_EFORBIDDEN, "role_not_allowed", "party",
                        "you may create users only in your own party");
    const char *pw = omb_json_str(body, "password", NULL);
    if (pw && (rc = omb_auth_check_password(omb_json_str(body, "username", ""), pw, err)) != OMB_OK)
        return rc;
    user_input *in = omb_xcalloc(1, sizeof *in);
    in->body = json_incref(body);
    if (pw && (rc = omb_auth_hash_password(pw, in->password_hash, err)) != OMB_OK) {
        user_input_free(in);
        return rc;
    }
    job->run = run_user;
    job->input = in;
    job->input_free = user_input_free;
    job->status = 201;
    return OMB_OK;
}

/* ---- products and cooperations -------------------------------------------------- */

static int run_product(omb_app *app, omb_store *s, omb_job *job)
{
    json_t *b = job->input;
    omb_product p = {0};
    snprintf(p.code, sizeof p.code, "%s", omb_json_str(b, "code", ""));
    snprintf(p.name, sizeof p.name, "%s", omb_json_str(b, "name", ""));
    snprintf(p.business, sizeof p.business, "%s", omb_json_str(b, "business", ""));
    p.created_at = omb_app_now(app);
    int rc = s->vt->product_insert(s, &p, &job->err);
    if (rc)
        return conflict_as(&job->err, rc, "code", "a product with this code");
    job->result = omb_product_json(&p);
    return omb_app_audit(app, s, job, "product_created", "product", p.id,
                         json_deep_copy(job->result));
}

int omb_uc_create_product(omb_app *app, omb_job *job, json_t *body, omb_err *err)
{
    int rc = need_operator_admin(&job->who, err);
    if (!rc)
        rc = omb_fields_check(body, product_fields, "", err);
    if (!rc)
        rc = omb_app_check_identifier(body, "code", OMB_CODE_LEN - 1, err);
    if (rc)
        return rc;
    const char *business = omb_json_str(body, "business", "");
    if (!omb_taxonomy_find(app->taxonomy, "business", business))
        return omb_fail(err, OMB_EFIELD, "unknown_code", "business",
                        "business \"%s\" is not in the taxonomy", business);
    prepare(job, run_product, body);
    return OMB_OK;
}

static int run_cooperation(omb_app *app, omb_store *s, omb_job *job)
{
    json_t *b = job->input;
    omb_err *err = &job->err;
    omb_cooperation c = {0};
    snprintf(c.code, sizeof c.code, "%s", omb_json_str(b, "code", ""));
    snprintf(c.name, sizeof c.name, "%s", omb_json_str(b, "name", ""));
    c.product_id = omb_json_int(b, "product", 0);
    omb_product pr;
    int rc = s->vt->product_get(s, c.product_id, &pr, err);
    if (rc == OMB_ENOTFOUND)
        return omb_fail(err, OMB_EFIELD, "unknown_reference", "product", "product does not exist");
    if (rc)
        return rc;
    const json_t *members = json_object_get(b, "members");
    size_t i;
    const json_t *m;
    json_array_foreach(members, i, m)
    {
        omb_member *mm = &c.members[c.n_members++];
        mm->party_id = omb_json_int(m, "party", 0);
        snprintf(mm->role, sizeof mm->role, "%s", omb_json_str(m, "role", ""));
        mm->share_bp = (int32_t)omb_json_int(m, "share_bp", 0);
        omb_party p;
        rc = s->vt->party_get(s, mm->party_id, &p, err);
        if (rc == OMB_ENOTFOUND)
            return omb_fail(err, OMB_EFIELD, "unknown_reference", "members.party",
                            "members names a party that does not exist");
        if (rc)
            return rc;
    }
    c.created_at = omb_app_now(app);
    rc = s->vt->cooperation_insert(s, &c, err);
    if (rc)
        return conflict_as(err, rc, "code",
                           "a cooperation with this code, or one for this product,");
    job->result = omb_cooperation_json(&c);
    return omb_app_audit(app, s, job, "cooperation_created", "cooperation", c.id,
                         json_deep_copy(job->result));
}

int omb_uc_create_cooperation(omb_app *app, omb_job *job, json_t *body, omb_err *err)
{
    int rc = need_operator_admin(&job->who, err);
    if (!rc)
        rc = omb_fields_check(body, cooperation_fields, "", err);
    if (!rc)
        rc = omb_app_check_identifier(body, "code", OMB_CODE_LEN - 1, err);
    if (rc)
        return rc;
    const json_t *members = json_object_get(body, "members");
    if (json_array_size(members) == 0)
        return omb_fail(err, OMB_EFIELD, "empty_value", "members", "members must not be empty");
    int64_t total = 0;
    size_t i, k;
    const json_t *m, *o;
    json_array_foreach(members, i, m)
    {
        total += omb_json_int(m, "share_bp", 0);
        json_array_foreach(
            members, k,
            o) if (k < i &&
                   omb_json_int(o, "party", 0) ==
                       omb_json_int(m, "party", 0)) return omb_fail(err, OMB_EFIELD,
                                                                    "invalid_value", "members",
                                                                    "members names a party twice");
    }
    if (total != OMB_SHARE_TOTAL)
        return omb_fail(err, OMB_EFIELD, "invalid_value", "members",
                        "members' share_bp must add up to %d (100%%)", OMB_SHARE_TOTAL);
    prepare(job, run_cooperation, body);
    return OMB_OK;
}

/* ---- tokens --------------------------------------------------------------------- */

typedef struct token_input {
    int64_t user_id;
    char username[OMB_CODE_LEN * 2];
    char label[OMB_NAME_LEN];
    int ttl_hours;
    bool session; /* a browser session: the answer carries its CSRF token */
} token_input;

static void plain_free(void *p)
{
    free(p);
}

static int run_token(omb_app *app, omb_store *s, omb_job *job)
{
    token_input *in = job->input;
    omb_user u;
    int rc = s->vt->user_by_username(s, in->username, &u, &job->err);
    if (rc == OMB_ENOTFOUND)
        return omb_fail(&job->err, OMB_ENOTFOUND, "not_found", "username", "no user %s",
                        in->username);
    if (rc)
        return rc;
    if (!u.active)
        return omb_fail(&job->err, OMB_EFORBIDDEN, "user_inactive", NULL, "user is inactive");
    char token[64];
    unsigned char hash[32];
    omb_auth_new_token(token, hash);
    omb_ms now = omb_app_now(app);
    omb_ms expires = now + (omb_ms)in->ttl_hours * OMB_MS_PER_HOUR;
    if ((rc = s->vt->token_insert(s, u.id, hash, in->label, now, expires, &job->err)) != OMB_OK)
        return rc;
    char exp[32];
    omb_time_format(expires, exp, sizeof exp);
    job->result =
        json_pack("{s:s,s:s,s:o}", "token", token, "expires_at", exp, "user", omb_user_json(&u));
    if (in->session) {
        char csrf[OMB_CSRF_LEN];
        omb_auth_csrf(app, hash, csrf);
        json_object_set_new(job->result, "csrf_token", json_string(csrf));
    }
    job->who.user_id = job->who.user_id ? job->who.user_id : u.id;
    job->who.party_id = job->who.party_id ? job->who.party_id : u.party_id;
    return omb_app_audit(app, s, job, "token_issued", "user", u.id,
                         json_pack("{s:s,s:s}", "label", in->label, "expires_at", exp));
}

static void issue(omb_app *app, omb_job *job, const char *username, const char *label,
                  int ttl_hours, bool session)
{
    token_input *in = omb_xcalloc(1, sizeof *in);
    snprintf(in->username, sizeof in->username, "%s", username);
    snprintf(in->label, sizeof in->label, "%s", label ? label : "");
    in->ttl_hours = ttl_hours;
    in->session = session;
    job->run = run_token;
    job->input = in;
    job->input_free = plain_free;
    job->status = 201;
}

int omb_uc_issue_token(omb_app *app, omb_job *job, const char *username, const char *label,
                       int ttl_hours, omb_err *err)
{
    issue(app, job, username, label, ttl_hours > 0 ? ttl_hours : app->cfg.token_ttl_hours, false);
    return OMB_OK;
}

static char decoy[OMB_PWHASH_LEN];
static pthread_once_t decoy_once = PTHREAD_ONCE_INIT;

static void make_decoy(void)
{
    unsigned char secret[32];
    char text[65];
    randombytes_buf(secret, sizeof secret);
    sodium_bin2hex(text, sizeof text, secret, sizeof secret);
    if (omb_auth_hash_password(text, decoy, NULL) != OMB_OK)
        decoy[0] = '\0';
}

/* An Argon2id hash of a random secret, made once per process. */
static const char *decoy_hash(void)
{
    pthread_once(&decoy_once, make_decoy);
    static const char unusable[OMB_PWHASH_LEN] = "$argon2id$v=19$m=65536,t=2,p=1$invalid";
    return decoy[0] ? decoy : unusable;
}

/* Why a login failed, for the log only: the answer is the same for all. */
static const char *failure_reason(int lookup_rc, const omb_user *u, bool verified)
{
    if (lookup_rc != OMB_OK)
        return "unknown_user";
    if (!u->password_hash[0])
        return "no_password";
    if (!verified)
        return "wrong_password";
    return "inactive";
}

/* The login and the sign-in of a browser session: the same checks and the
 * same throttle; a session's token is labelled "session" and lives
 * session_hours. */
static int login(omb_app *app, omb_store *r, omb_job *job, json_t *body, const char *address,
                 bool session, int *retry_after_s, omb_err *err)
{
    int rc = omb_fields_check(body, session ? session_fields : login_fields, "", err);
    if (rc)
        return rc;
    const char *username = omb_json_str(body, "username", "");
    const char *password = omb_json_str(body, "password", "");
    /* A username or address that failed too often waits, known or not: the
     * password is not even checked, so the answer tells nothing either. */
    omb_ms wait = omb_login_guard_begin(app->login_guard, username, address, omb_app_now(app));
    if (wait) {
        *retry_after_s = (int)((wait + 999) / 1000);
        omb_log(OMB_LOG_WARN, "login_throttled",
                json_pack("{s:s,s:s,s:i}", "username", username, "address", address,
                          "retry_after_s", *retry_after_s));
        return omb_fail(err, OMB_ELIMIT, "too_many_attempts", NULL,
                        "too many failed logins; try again in %d seconds", *retry_after_s);
    }
    omb_user u;
    rc = r->vt->user_by_username(r, username, &u, err);
    if (rc && rc != OMB_ENOTFOUND) {
        omb_login_guard_end(app->login_guard, username, address, omb_app_now(app),
                            OMB_LOGIN_CANCELLED);
        return rc;
    }
    /* Same answer, and the same work, for an unknown user and a wrong password:
     * an unknown user is checked against a hash no password matches. */
    const char *hash = rc == OMB_OK && u.password_hash[0] ? u.password_hash : decoy_hash();
    bool verified = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
    bool ok = rc == OMB_OK && u.active && u.password_hash[0] && verified;
    omb_ms lock = omb_login_guard_end(app->login_guard, username, address, omb_app_now(app),
                                      ok ? OMB_LOGIN_SUCCEEDED : OMB_LOGIN_FAILED);
    if (!ok) {
        omb_log(OMB_LOG_WARN, "login_failed",
                json_pack("{s:s,s:s,s:s,s:I}", "username", username, "address", address, "reason",
                          failure_reason(rc, &u, verified), "locked_s",
                          (json_int_t)((lock + 999) / 1000)));
        return omb_fail(err, OMB_EUNAUTH, "bad_credentials", NULL,
                        "the username or password is wrong");
    }
    if (session)
        issue(app, job, username, "session", app->cfg.session_hours, true);
    else
        issue(app, job, username, omb_json_str(body, "label", "login"), app->cfg.token_ttl_hours,
              false);
    return OMB_OK;
}

int omb_uc_login(omb_app *app, omb_store *r, omb_job *job, json_t *body, const char *address,
                 int *retry_after_s, omb_err *err)
{
    return login(app, r, job, body, address, false, retry_after_s, err);
}

int omb_uc_open_session(omb_app *app, omb_store *r, omb_job *job, json_t *body, const char *address,
                        int *retry_after_s, omb_err *err)
{
    return login(app, r, job, body, address, true, retry_after_s, err);
}

static int run_revoke(omb_app *app, omb_store *s, omb_job *job)
{
    int rc = s->vt->token_revoke(s, job->who.token_hash, omb_app_now(app), &job->err);
    if (rc)
        return rc;
    job->result = json_pack("{s:b}", "revoked", 1);
    return omb_app_audit(app, s, job, "token_revoked", "user", job->who.user_id, NULL);
}

/* The token caches are dropped after COMMIT, not inside the transaction: a
 * thread that looked the token up between the two would still have read it
 * as valid, and cached it under the new generation for AUTH_CACHE_MS. */
static void revoke_committed(omb_app *app, omb_job *job)
{
    omb_auth_forget_all(app);
}

int omb_uc_revoke_token(omb_app *app, omb_job *job, omb_err *err)
{
    job->run = run_revoke;
    job->committed = revoke_committed;
    job->status = 200;
    return OMB_OK;
}

/* ---- deactivating users, revoking a user's tokens ------------------------------------ */

/* What each change does, and the event that records it. */
static const struct {
    const char *event;
    bool sets_active, active, revokes;
} user_changes[] = {
    [OMB_USER_DEACTIVATE] = {"user_deactivated", true, false, true},
    [OMB_USER_ACTIVATE] = {"user_activated", true, true, false},
    [OMB_USER_REVOKE_TOKENS] = {"user_tokens_revoked", false, false, true},
};

typedef struct change_input {
    int64_t user_id;
    enum omb_user_change what;
} change_input;

/* Deactivating the last active operator admin would leave nobody to
 * manage the platform (two admins deactivating each other, one after the
 * other in the writer). */
static int keeps_an_operator_admin(omb_store *s, const omb_user *u, omb_err *err)
{
    omb_party p;
    int rc = s->vt->party_get(s, u->party_id, &p, err);
    if (rc || !u->active || u->role != OMB_ROLE_ADMIN || strcmp(p.kind, "operator") != 0)
        return rc;
    int64_t n = 0;
    if ((rc = s->vt->users_active_count(s, "operator", OMB_ROLE_ADMIN, &n, err)) != OMB_OK)
        return rc;
    if (n <= 1)
        return omb_fail(err, OMB_ECONFLICT, "last_operator_admin", NULL,
                        "user %lld is the last active administrator of the operator",
                        (long long)u->id);
    return OMB_OK;
}

static int run_change_user(omb_app *app, omb_store *s, omb_job *job)
{
    change_input *in = job->input;
    omb_err *err = &job->err;
    omb_user u;
    int rc = s->vt->user_get(s, in->user_id, &u, err);
    if (rc == OMB_ENOTFOUND ||
        (!rc && u.party_id != job->who.party_id && !omb_app_operator_admin(&job->who)))
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no user %lld",
                        (long long)in->user_id);
    if (!rc && in->what == OMB_USER_DEACTIVATE)
        rc = keeps_an_operator_admin(s, &u, err);
    if (rc)
        return rc;
    omb_ms now = omb_app_now(app);
    if (user_changes[in->what].sets_active) {
        u.active = user_changes[in->what].active;
        rc = s->vt->user_set_active(s, u.id, u.active, err);
    }
    int64_t revoked = 0;
    if (!rc && user_changes[in->what].revokes)
        rc = s->vt->user_tokens_revoke(s, u.id, now, &revoked, err);
    if (rc)
        return rc;
    json_t *payload = json_pack("{s:b}", "active", u.active);
    if (user_changes[in->what].revokes)
        json_object_set_new(payload, "revoked_tokens", json_integer(revoked));
    job->result = user_changes[in->what].sets_active
                      ? omb_user_json(&u)
                      : json_pack("{s:I,s:I}", "user", (json_int_t)u.id, "revoked_tokens",
                                  (json_int_t)revoked);
    return omb_app_audit(app, s, job, user_changes[in->what].event, "user", u.id, payload);
}

/* After COMMIT: the tokens stop working on every thread from the answer
 * on (see revoke_committed), and the log says who did what. */
static void change_committed(omb_app *app, omb_job *job)
{
    const change_input *in = job->input;
    omb_auth_forget_all(app);
    json_t *fields = json_pack("{s:I,s:I,s:s}", "user", (json_int_t)in->user_id, "by",
                               (json_int_t)job->who.user_id, "by_username", job->who.username);
    json_t *revoked = json_object_get(job->result, "revoked_tokens");
    if (revoked)
        json_object_set(fields, "revoked_tokens", revoked);
    omb_log(OMB_LOG_INFO, user_changes[in->what].event, fields);
}

int omb_uc_change_user(omb_app *app, omb_job *job, int64_t user_id, enum omb_user_change what,
                       omb_err *err)
{
    if (job->who.role != OMB_ROLE_ADMIN)
        return omb_fail(err, OMB_EFORBIDDEN, "role_not_allowed", NULL,
                        "only an administrator of the user's party or of the operator may do this");
    if (what == OMB_USER_DEACTIVATE && user_id == job->who.user_id)
        return omb_fail(err, OMB_ECONFLICT, "cannot_deactivate_self", NULL,
                        "an administrator cannot deactivate themselves");
    change_input *in = omb_xcalloc(1, sizeof *in);
    in->user_id = user_id;
    in->what = what;
    job->run = run_change_user;
    job->input = in;
    job->input_free = plain_free;
    job->committed = change_committed;
    job->status = 200;
    return OMB_OK;
}
