/*
 * webhooks.c - a party's webhooks: registration (the secret is made here,
 * shown once and kept sealed), deactivation, and the views of webhooks and
 * of their deliveries.  The deliveries themselves are made by deliver.c
 * from the outbox that the commit step (commit.c) fills in the
 * transaction of each event.
 */
#include "app.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOOK_EVENTS_MAX 64

static bool may_manage(const omb_principal *who)
{
    return who->role == OMB_ROLE_ADMIN;
}

static bool may_see(const omb_principal *who, int64_t party)
{
    return omb_app_operator_admin(who) ||
           (party == who->party_id &&
            (who->role == OMB_ROLE_ADMIN || who->role == OMB_ROLE_AUDITOR));
}

static json_t *webhook_json(const omb_webhook *w)
{
    json_error_t jerr;
    json_t *events = json_loads(w->events, 0, &jerr);
    return json_pack("{s:I,s:I,s:s,s:o,s:b,s:o,s:I}", "id", (json_int_t)w->id, "party",
                     (json_int_t)w->party_id, "url", w->url, "events",
                     events ? events : json_array(), "active", w->active, "created_at",
                     omb_time_json(w->created_at), "created_by", (json_int_t)w->created_by);
}

/* ---- registration ------------------------------------------------------------------ */

static const omb_field_spec create_fields[] = {
    {"url", OMB_F_STRING, true, 0, 500, NULL, NULL, 0},
    {"events", OMB_F_STRINGS, false, 0, 40, NULL, NULL, HOOK_EVENTS_MAX},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

/* Whether host (of an http(s) URL) names this machine or a private network. */
static bool private_host(const char *host, size_t len)
{
    static const char *const prefixes[] = {"localhost", "127.", "10.", "192.168.", "169.254.",
                                           "[::1]",     "[fc",  "[fd", "0.",       NULL};
    for (size_t i = 0; prefixes[i]; i++)
        if (len >= strlen(prefixes[i]) && strncasecmp(host, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    int second;
    if (len > 4 && strncmp(host, "172.", 4) == 0 && sscanf(host + 4, "%d", &second) == 1 &&
        second >= 16 && second <= 31)
        return true;
    return false;
}

static int check_url(const omb_app *app, const char *url, omb_err *err)
{
    const char *rest = NULL;
    if (strncmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        rest = url + 8;
    size_t host_len = rest ? strcspn(rest, "/?#") : 0;
    bool ok = rest && host_len > 0 && !strchr(url, ' ') && !memchr(rest, '@', host_len);
    if (!ok)
        return omb_fail(err, OMB_EFIELD, "invalid_value", "url",
                        "url must be an http:// or https:// URL with a host and no credentials");
    if (!app->cfg.webhook_allow_private && private_host(rest, host_len))
        return omb_fail(err, OMB_EFIELD, "invalid_value", "url",
                        "url names a private address (webhook_allow_private is off)");
    return OMB_OK;
}

static bool known_event(const char *type)
{
    if (strcmp(type, "*") == 0)
        return true;
    enum omb_action a;
    return omb_action_by_event(type, &a) == OMB_OK;
}

typedef struct hook_input {
    omb_webhook w;
    char secret[64];
} hook_input;

static void hook_input_free(void *p)
{
    sodium_memzero(p, sizeof(hook_input));
    free(p);
}

static int run_create(omb_app *app, omb_store *s, omb_job *job)
{
    hook_input *in = job->input;
    in->w.created_at = omb_app_now(app);
    int rc = s->vt->webhook_insert(s, &in->w, &job->err);
    app->webhooks_stale = true;
    if (rc)
        return rc;
    json_t *view = webhook_json(&in->w);
    job->result = json_deep_copy(view);
    json_object_set_new(job->result, "secret", json_string(in->secret));
    job->status = 201;
    return omb_app_audit(app, s, job, "webhook_created", "webhook", in->w.id, view);
}

int omb_uc_create_webhook(omb_app *app, omb_job *job, json_t *body, omb_err *err)
{
    if (!may_manage(&job->who))
        return omb_fail(err, OMB_EFORBIDDEN, "role_not_allowed", NULL,
                        "only an admin of the party registers webhooks");
    int rc = omb_fields_check(body, create_fields, "", err);
    const char *url = omb_json_str(body, "url", "");
    if (!rc)
        rc = check_url(app, url, err);
    if (rc)
        return rc;
    json_t *events = json_object_get(body, "events");
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) if (!known_event(json_string_value(e))) return omb_fail(
        err, OMB_EFIELD, "invalid_value", "events", "events names an unknown event type: %s",
        json_string_value(e));
    hook_input *in = omb_xcalloc(1, sizeof *in);
    in->w.party_id = job->who.party_id;
    in->w.created_by = job->who.user_id;
    in->w.active = true;
    snprintf(in->w.url, sizeof in->w.url, "%s", url);
    char *list = json_array_size(events) ? json_dumps(events, JSON_COMPACT) : NULL;
    snprintf(in->w.events, sizeof in->w.events, "%s", list ? list : "[\"*\"]");
    free(list);
    unsigned char raw[24];
    randombytes_buf(raw, sizeof raw);
    memcpy(in->secret, "whsec_", 6);
    sodium_bin2base64(in->secret + 6, sizeof in->secret - 6, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    if (omb_secret_seal(app, in->secret, in->w.secret, sizeof in->w.secret) != OMB_OK) {
        hook_input_free(in);
        return omb_fail(err, OMB_EIO, "internal", NULL, "cannot seal the webhook secret");
    }
    job->run = run_create;
    job->input = in;
    job->input_free = hook_input_free;
    return OMB_OK;
}

typedef struct active_input {
    int64_t id;
    bool active;
} active_input;

static int run_active(omb_app *app, omb_store *s, omb_job *job)
{
    active_input *in = job->input;
    omb_webhook w;
    int rc = s->vt->webhook_get(s, in->id, &w, &job->err);
    if (rc == OMB_ENOTFOUND || (!rc && w.party_id != job->who.party_id))
        return omb_fail(&job->err, OMB_ENOTFOUND, "not_found", NULL, "no webhook %lld",
                        (long long)in->id);
    if (!rc)
        rc = s->vt->webhook_set_active(s, in->id, in->active, &job->err);
    app->webhooks_stale = true;
    if (rc)
        return rc;
    w.active = in->active;
    job->result = webhook_json(&w);
    return omb_app_audit(app, s, job, in->active ? "webhook_enabled" : "webhook_disabled",
                         "webhook", w.id, json_object());
}

int omb_uc_webhook_active(omb_app *app, omb_job *job, int64_t id, bool active, omb_err *err)
{
    if (!may_manage(&job->who))
        return omb_fail(err, OMB_EFORBIDDEN, "role_not_allowed", NULL,
                        "only an admin of the party manages webhooks");
    active_input *in = omb_xcalloc(1, sizeof *in);
    in->id = id;
    in->active = active;
    job->run = run_active;
    job->input = in;
    job->input_free = free;
    return OMB_OK;
}

/* ---- views ---------------------------------------------------------------------------- */

typedef struct hook_list {
    const omb_principal *who;
    json_t *items;
} hook_list;

static int add_hook(void *ctx, const omb_webhook *w)
{
    hook_list *l = ctx;
    if (may_see(l->who, w->party_id))
        json_array_append_new(l->items, webhook_json(w));
    return OMB_OK;
}

int omb_q_webhooks(omb_app *app, omb_store *r, const omb_principal *who, json_t **out, omb_err *err)
{
    hook_list l = {who, json_array()};
    int rc =
        r->vt->webhook_list(r, omb_app_operator_admin(who) ? 0 : who->party_id, add_hook, &l, err);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", l.items);
    return OMB_OK;
}

static int visible_hook(omb_store *r, const omb_principal *who, int64_t id, omb_webhook *w,
                        omb_err *err)
{
    int rc = r->vt->webhook_get(r, id, w, err);
    if (rc == OMB_ENOTFOUND || (!rc && !may_see(who, w->party_id)))
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no webhook %lld", (long long)id);
    return rc;
}

int omb_q_webhook(omb_app *app, omb_store *r, const omb_principal *who, int64_t id, json_t **out,
                  omb_err *err)
{
    omb_webhook w;
    int rc = visible_hook(r, who, id, &w, err);
    if (!rc)
        *out = webhook_json(&w);
    return rc;
}

static int add_delivery(void *ctx, const omb_outbox_row *o)
{
    json_t *d = json_pack("{s:I,s:I,s:s,s:I,s:s,s:s,s:i}", "id", (json_int_t)o->id, "event",
                          (json_int_t)o->event_id, "no", o->no, "seq", (json_int_t)o->seq, "type",
                          o->type, "state", o->state, "attempts", o->attempts);
    json_object_set_new(d, "last_status",
                        o->last_status ? json_integer(o->last_status) : json_null());
    json_object_set_new(d, "last_error",
                        o->last_error[0] ? json_string(o->last_error) : json_null());
    json_object_set_new(d, "next_attempt_at",
                        strcmp(o->state, "pending") == 0 ? omb_time_json(o->next_at) : json_null());
    json_object_set_new(d, "delivered_at", omb_time_json(o->delivered_at));
    json_object_set_new(d, "created_at", omb_time_json(o->created_at));
    json_array_append_new(ctx, d);
    return OMB_OK;
}

int omb_q_deliveries(omb_app *app, omb_store *r, const omb_principal *who, int64_t id,
                     const char *const *names, const char *const *values, size_t n, json_t **out,
                     omb_err *err)
{
    omb_webhook w;
    int rc = visible_hook(r, who, id, &w, err);
    if (rc)
        return rc;
    const char *state = NULL;
    long long after = 0, limit = app->cfg.page_default;
    for (size_t i = 0; i < n; i++) {
        char *end;
        bool ok = true;
        if (strcmp(names[i], "state") == 0) {
            state = values[i];
            ok = strcmp(state, "pending") == 0 || strcmp(state, "delivered") == 0;
        } else if (strcmp(names[i], "after") == 0) {
            after = strtoll(values[i], &end, 10);
            ok = *values[i] && !*end && after >= 0;
        } else if (strcmp(names[i], "limit") == 0) {
            limit = strtoll(values[i], &end, 10);
            ok = *values[i] && !*end && limit >= 1 && limit <= app->cfg.page_max;
        } else {
            return omb_fail(err, OMB_EINVAL, "unknown_parameter", names[i],
                            "unknown query parameter %s", names[i]);
        }
        if (!ok)
            return omb_fail(err, OMB_EINVAL, "invalid_parameter", names[i], "bad value for %s",
                            names[i]);
    }
    json_t *items = json_array();
    rc = r->vt->outbox_list(r, id, state, after, (int)limit, add_delivery, items, err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    size_t count = json_array_size(items);
    json_t *next = count == (size_t)limit
                       ? json_integer(omb_json_int(json_array_get(items, count - 1), "id", 0))
                       : json_null();
    *out = json_pack("{s:o,s:o}", "items", items, "next_after", next);
    return OMB_OK;
}
