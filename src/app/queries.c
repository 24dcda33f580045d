/*
 * queries.c - the read use cases.  They run on the caller's own reader
 * connection and never touch the writer.  Every complaint read is limited
 * to the complaints the principal's party is involved in.
 */
#include "app.h"
#include "app/version.h"
#include "core/decimal.h"
#include "core/number.h"
#include "core/visibility.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int omb_q_complaint(omb_app *app, omb_store *r, const omb_principal *who, const char *no,
                    omb_buf *out, omb_err *err)
{
    if (!omb_number_parse(no, NULL, NULL))
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no);
    omb_buf doc = OMB_BUF_INIT(16 << 20), history = OMB_BUF_INIT(16 << 20);
    int rc = r->vt->complaint_doc(r, no, who->party_id, &doc, &history, NULL, err);
    if (!rc) {
        omb_buf_reset(out);
        rc = omb_app_view(app, who->party_id, doc.data, doc.len, omb_buf_str(&history), history.len,
                          omb_app_now(app), out, err);
    }
    omb_buf_release(&doc);
    omb_buf_release(&history);
    return rc;
}

typedef struct timeline_ctx {
    json_t *items;
    int64_t viewer;
} timeline_ctx;

static int timeline_row(void *p, const omb_event *ev)
{
    timeline_ctx *t = p;
    /* Notes and files another party keeps to itself are not there for this reader. */
    if (!omb_event_visible_to(ev, t->viewer))
        return OMB_OK;
    json_t *o = omb_event_to_json(ev);
    json_object_set_new(o, "visibility",
                        json_string(omb_visibility_name(
                            omb_event_restricted_to(ev) ? OMB_VIS_PARTY : OMB_VIS_INVOLVED)));
    /* The sealed personal data never leaves the server in a view. */
    omb_event_payload_public(json_object_get(o, "payload"));
    json_array_append_new(t->items, o);
    return OMB_OK;
}

int omb_q_timeline(omb_app *app, omb_store *r, const omb_principal *who, const char *no,
                   json_t **out, omb_err *err)
{
    if (!omb_number_parse(no, NULL, NULL))
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no);
    omb_buf doc = OMB_BUF_INIT(16 << 20);
    int64_t id;
    int rc = r->vt->complaint_doc(r, no, who->party_id, &doc, NULL, &id, err);
    omb_buf_release(&doc);
    if (rc)
        return rc;
    timeline_ctx t = {json_array(), who->party_id};
    rc = r->vt->event_list(r, id, timeline_row, &t, err);
    if (rc) {
        json_decref(t.items);
        return rc;
    }
    *out = json_pack("{s:s,s:o}", "no", no, "events", t.items);
    return OMB_OK;
}

/* ---- list filters --------------------------------------------------------- */

/* Cursor: base64url of "<received_ms>.<id>". */
static void cursor_encode(omb_ms received, int64_t id, char *out, size_t cap)
{
    char raw[48];
    int n = snprintf(raw, sizeof raw, "%lld.%lld", (long long)received, (long long)id);
    sodium_bin2base64(out, cap, (const unsigned char *)raw, (size_t)n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static int cursor_decode(const char *s, omb_ms *received, int64_t *id)
{
    unsigned char raw[48];
    size_t n;
    if (strlen(s) > 64 || sodium_base642bin(raw, sizeof raw - 1, s, strlen(s), NULL, &n, NULL,
                                            sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return OMB_EINVAL;
    raw[n] = '\0';
    char *dot = strchr((char *)raw, '.');
    if (!dot)
        return OMB_EINVAL;
    *dot = '\0';
    return omb_i64_parse((char *)raw, INT64_MIN, INT64_MAX, received) ||
                   omb_i64_parse(dot + 1, 1, INT64_MAX, id)
               ? OMB_EINVAL
               : OMB_OK;
}

typedef int (*param_fn)(omb_app *app, const char *v, omb_complaint_filter *f, omb_err *err,
                        const char *name);

static int bad_param(omb_err *err, const char *name, const char *why)
{
    return omb_fail(err, OMB_EINVAL, "invalid_parameter", name, "%s %s", name, why);
}

static int p_state(omb_app *app, const char *v, omb_complaint_filter *f, omb_err *err,
                   const char *name)
{
    char buf[256];
    if (strlen(v) >= sizeof buf)
        return bad_param(err, name, "is too long");
    snprintf(buf, sizeof buf, "%s", v);
    for (char *p = buf, *comma;; p = comma + 1) {
        comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        enum omb_state s;
        if (omb_state_parse(p, &s) != OMB_OK)
            return bad_param(err, name, "has an unknown state");
        f->states |= OMB_STBIT(s);
        if (!comma)
            break;
    }
    return OMB_OK;
}

static int p_grade(omb_app *app, const char *v, omb_complaint_filter *f, omb_err *err,
                   const char *name)
{
    char buf[128];
    if (strlen(v) >= sizeof buf)
        return bad_param(err, name, "is too long");
    snprintf(buf, sizeof buf, "%s", v);
    for (char *p = buf, *comma;; p = comma + 1) {
        comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        enum omb_grade g;
        if (omb_grade_parse(p, &g) != OMB_OK)
            return bad_param(err, name, "has an unknown grade");
        f->grades |= 1u << g;
        if (!comma)
            break;
    }
    return OMB_OK;
}

#define ID_PARAM(fn, member)                                                                       \
    static int fn(omb_app *app, const char *v, omb_complaint_filter *f, omb_err *err,              \
                  const char *name)                                                                \
    {                                                                                              \
        if (omb_i64_parse(v, 1, INT64_MAX, &f->member))                                            \
            return bad_param(err, name, "must be a positive integer id");                          \
        return OMB_OK;                                                                             \
    }

ID_PARAM(p_party, party)
ID_PARAM(p_lead, lead_party)
ID_PARAM(p_target, target_party)
ID_PARAM(p_product, product)

/* A user id, or "none": the complaints nobody is assigned to. */
static int p_assignee(omb_app *app, const char *v, omb_complaint_filter *f, omb_err *err,
                      const char *name)
{
    if (strcmp(v, "none") == 0)
        f->unassigned = true;
    else if (omb_i64_parse(v, 1, INT64_MAX, &f->assignee))
        return bad_param(err, name, "must be a positive integer id or none");
    return OMB_OK;
}

/* 1 ... page_max complaint numbers separated by commas, kept as given. */
static int p_no(omb_app *app, const char *v, omb_complaint_filter *f, omb_err *err,
                const char *name)
{
    int n = 0;
    for (const char *p = v;; n++) {
        size_t len = strcspn(p, ",");
        char no[OMB_NO_MAX];
        if (n == app->cfg.page_max || len >= sizeof no)
            break;
        memcpy(no, p, len);
        no[len] = '\0';
        if (!omb_number_parse(no, NULL, NULL))
            break;
        if (!p[len]) {
            f->nos = v;
            f->n_nos = n + 1;
            return OMB_OK;
        }
        p += len + 1;
    }
    char why[96];
    snprintf(why, sizeof why, "must be 1 to %d complaint numbers separated by commas",
             app->cfg.page_max);
    return bad_param(err, name, why);
}

static int code_param(omb_app *app, const char *kind, const char *v, char *dst, omb_err *err,
                      const char *name)
{
    if (!omb_taxonomy_find(app->taxonomy, kind, v))
        return bad_param(err, name, "is not a code in the taxonomy");
    snprintf(dst, OMB_CODE_MAX, "%s", v);
    return OMB_OK;
}

static int p_channel(omb_app *app, const char *v, omb_complaint_filter *f, omb_err *err,
                     const char *name)
{
    return code_param(app, "channel", v, f->channel, err, name);
}
static int p_business(omb_app *app, const char *v, omb_complaint_filter *f, omb_err *err,
                      const char *name)
{
    return code_param(app, "business", v, f->business, err, name);
}
static int p_cause(omb_app *app, const char *v, omb_complaint_filter *f, omb_err *err,
                   const char *name)
{
    return code_param(app, "cause", v, f->cause, err, name);
}

static int p_from(omb_app *app, const char *v, omb_complaint_filter *f, omb_err *err,
                  const char *name)
{
    if (omb_time_parse(v, app->cfg.utc_offset_minutes, &f->received_from))
        return bad_param(err, name, "must be an RFC 3339 time or a date");
    f->has_from = true;
    return OMB_OK;
}

static int p_to(omb_app *app, const char *v, omb_complaint_filter *f, omb_err *err,
                const char *name)
{
    if (omb_time_parse(v, app->cfg.utc_offset_minutes, &f->received_to))
        return bad_param(err, name, "must be an RFC 3339 time or a date");
    f->has_to = true;
    return OMB_OK;
}

static int p_cursor(omb_app *app, const char *v, omb_complaint_filter *f, omb_err *err,
                    const char *name)
{
    if (cursor_decode(v, &f->cursor_received, &f->cursor_id))
        return bad_param(err, name, "is not a cursor this server gave");
    f->has_cursor = true;
    return OMB_OK;
}

static int p_limit(omb_app *app, const char *v, omb_complaint_filter *f, omb_err *err,
                   const char *name)
{
    int64_t n;
    if (omb_i64_parse(v, 1, app->cfg.page_max, &n)) {
        char why[64];
        snprintf(why, sizeof why, "must be a whole number from 1 to %d", app->cfg.page_max);
        return bad_param(err, name, why);
    }
    f->limit = (int)n;
    return OMB_OK;
}

static const struct {
    const char *name;
    param_fn fn;
} params[] = {
    {"state", p_state},     {"grade", p_grade},        {"party", p_party},
    {"lead_party", p_lead}, {"assignee", p_assignee},  {"target_party", p_target},
    {"product", p_product}, {"channel", p_channel},    {"business", p_business},
    {"cause", p_cause},     {"received_from", p_from}, {"received_to", p_to},
    {"cursor", p_cursor},   {"limit", p_limit},        {"no", p_no},
};

int omb_q_filter_parse(omb_app *app, const omb_principal *who, const char *const *names,
                       const char *const *values, size_t n, omb_complaint_filter *f, omb_err *err)
{
    memset(f, 0, sizeof *f);
    f->viewer_party = who->party_id;
    f->limit = app->cfg.page_default;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < COUNT(params) && strcmp(params[k].name, names[i]) != 0)
            k++;
        if (k == COUNT(params))
            return omb_fail(err, OMB_EINVAL, "unknown_parameter", names[i],
                            "%s is not a known query parameter", names[i]);
        if (!values[i] || !*values[i])
            return bad_param(err, names[i], "must not be empty");
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[j], names[i]) == 0)
                return bad_param(err, names[i], "is given more than once");
        int rc = params[k].fn(app, values[i], f, err, names[i]);
        if (rc)
            return rc;
    }
    if (f->has_from && f->has_to && f->received_to <= f->received_from)
        return bad_param(err, "received_to", "must be later than received_from");
    return OMB_OK;
}

typedef struct list_ctx {
    omb_app *app;
    int64_t viewer;
    omb_ms now;
    omb_err *err;
    omb_buf *out;
    int count;
    int limit;
    omb_ms last_received;
    int64_t last_id;
    bool more;
} list_ctx;

static int list_row(void *p, int64_t id, omb_ms received, const char *doc, size_t len,
                    const char *history, size_t history_len)
{
    list_ctx *l = p;
    if (l->count == l->limit) {
        l->more = true; /* the extra row only says there is a next page */
        return OMB_OK;
    }
    if (l->count && omb_buf_putc(l->out, ','))
        return OMB_ETOOBIG;
    int rc =
        omb_app_view(l->app, l->viewer, doc, len, history, history_len, l->now, l->out, l->err);
    if (rc)
        return rc;
    l->count++;
    l->last_received = received;
    l->last_id = id;
    return OMB_OK;
}

int omb_q_list(omb_app *app, omb_store *r, const omb_complaint_filter *f, omb_buf *out,
               omb_err *err)
{
    omb_complaint_filter q = *f;
    list_ctx l = {app, f->viewer_party, omb_app_now(app), err, out, 0, f->limit, 0, 0, false};
    q.limit = f->limit + 1;
    omb_buf_reset(out);
    omb_buf_puts(out, "{\"items\":[");
    int rc = r->vt->complaint_list(r, &q, list_row, &l, err);
    if (rc == OMB_ETOOBIG)
        return omb_fail(err, OMB_ETOOBIG, "response_too_large", "limit",
                        "the page is too large; ask for fewer items");
    if (rc)
        return rc;
    if (l.more) {
        char cur[96];
        cursor_encode(l.last_received, l.last_id, cur, sizeof cur);
        omb_buf_printf(out, "],\"count\":%d,\"next_cursor\":\"%s\"}", l.count, cur);
    } else {
        omb_buf_printf(out, "],\"count\":%d,\"next_cursor\":null}", l.count);
    }
    return OMB_OK;
}

/* ---- the platform's records ---------------------------------------------------- */

#define LIST_CB(fn, type, conv)                                                                    \
    static int fn(void *ctx, const type *x)                                                        \
    {                                                                                              \
        json_array_append_new((json_t *)ctx, conv(x));                                             \
        return OMB_OK;                                                                             \
    }

LIST_CB(party_row, omb_party, omb_party_json)
LIST_CB(product_row, omb_product, omb_product_json)
LIST_CB(coop_row, omb_cooperation, omb_cooperation_json)
LIST_CB(user_row, omb_user, omb_user_json)

static json_t *wrap_items(json_t *items)
{
    return json_pack("{s:o}", "items", items);
}

int omb_q_parties(omb_app *app, omb_store *r, const omb_principal *who, json_t **out, omb_err *err)
{
    json_t *items = json_array();
    int rc = r->vt->party_list(r, party_row, items, err);
    if (rc)
        return json_decref(items), rc;
    *out = wrap_items(items);
    return OMB_OK;
}

int omb_q_party(omb_app *app, omb_store *r, const omb_principal *who, int64_t id, json_t **out,
                omb_err *err)
{
    omb_party p;
    int rc = r->vt->party_get(r, id, &p, err);
    if (!rc)
        *out = omb_party_json(&p);
    return rc;
}

int omb_q_users(omb_app *app, omb_store *r, const omb_principal *who, json_t **out, omb_err *err)
{
    json_t *items = json_array();
    int rc =
        r->vt->user_list(r, omb_app_operator_admin(who) ? 0 : who->party_id, user_row, items, err);
    if (rc)
        return json_decref(items), rc;
    *out = wrap_items(items);
    return OMB_OK;
}

int omb_q_user(omb_app *app, omb_store *r, const omb_principal *who, int64_t id, json_t **out,
               omb_err *err)
{
    omb_user u;
    int rc = r->vt->user_get(r, id, &u, err);
    if (!rc && u.party_id != who->party_id && !omb_app_operator_admin(who))
        rc = omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "user not found");
    if (!rc)
        *out = omb_user_json(&u);
    return rc;
}

int omb_q_products(omb_app *app, omb_store *r, const omb_principal *who, json_t **out, omb_err *err)
{
    json_t *items = json_array();
    int rc = r->vt->product_list(r, product_row, items, err);
    if (rc)
        return json_decref(items), rc;
    *out = wrap_items(items);
    return OMB_OK;
}

int omb_q_product(omb_app *app, omb_store *r, const omb_principal *who, int64_t id, json_t **out,
                  omb_err *err)
{
    omb_product p;
    int rc = r->vt->product_get(r, id, &p, err);
    if (!rc)
        *out = omb_product_json(&p);
    return rc;
}

int omb_q_cooperations(omb_app *app, omb_store *r, const omb_principal *who, json_t **out,
                       omb_err *err)
{
    json_t *items = json_array();
    int rc = r->vt->cooperation_list(r, coop_row, items, err);
    if (rc)
        return json_decref(items), rc;
    *out = wrap_items(items);
    return OMB_OK;
}

int omb_q_cooperation(omb_app *app, omb_store *r, const omb_principal *who, int64_t id,
                      json_t **out, omb_err *err)
{
    omb_cooperation c;
    int rc = r->vt->cooperation_get(r, id, &c, err);
    if (!rc)
        *out = omb_cooperation_json(&c);
    return rc;
}

int omb_q_attachment(omb_app *app, omb_store *r, const omb_principal *who, const char *sha256,
                     omb_attachment *out, char *path, size_t path_cap, omb_err *err)
{
    size_t n = strlen(sha256);
    bool hex = n == 64;
    for (size_t i = 0; hex && i < n; i++)
        hex = (sha256[i] >= '0' && sha256[i] <= '9') || (sha256[i] >= 'a' && sha256[i] <= 'f');
    if (!hex)
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no such attachment");
    int rc = r->vt->attachment_visible(r, sha256, who->party_id, out, err);
    if (rc)
        return rc;
    return omb_blob_path(app, sha256, path, path_cap);
}

json_t *omb_q_me(const omb_principal *who)
{
    return json_pack("{s:I,s:s,s:I,s:s,s:s}", "id", (json_int_t)who->user_id, "username",
                     who->username, "party", (json_int_t)who->party_id, "party_kind",
                     who->party_kind, "role", omb_role_name(who->role));
}

json_t *omb_q_taxonomy(omb_app *app)
{
    json_t *o = json_object();
    for (const char *const *kind = omb_taxonomy_kinds; *kind; kind++) {
        size_t n;
        const omb_code *c = omb_taxonomy_list(app->taxonomy, *kind, &n);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(
                arr, json_pack("{s:s,s:s,s:s}", "code", c[i].code, "zh", c[i].zh, "en", c[i].en));
        json_object_set_new(o, *kind, arr);
    }
    return o;
}

bool omb_q_health(omb_app *app, json_t **out)
{
    omb_err err;
    omb_err_clear(&err);
    omb_store *rd = omb_app_reader_for_thread(app, &err);
    omb_buf v = OMB_BUF_INIT(64);
    bool db_ok = rd && rd->vt->meta_get(rd, "schema_version", &v, &err) == OMB_OK;
    omb_buf_release(&v);
    omb_writer_stats st;
    omb_writer_stats_get(app->writer, &st);
    const char *db = !db_ok                           ? "unavailable"
                     : omb_writer_broken(app->writer) ? "write_failed"
                                                      : "ok";
    db_ok = strcmp(db, "ok") == 0;
    char now[32];
    omb_time_format(omb_app_now(app), now, sizeof now);
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:{s:I,s:I,s:I,s:I}}", "status", db_ok ? "ok" : "degraded",
                  "version", OMB_VERSION, "database", db, "time", now, "writer", "batches",
                  (json_int_t)st.batches, "jobs", (json_int_t)st.jobs, "queued",
                  (json_int_t)st.queued, "failed_commits", (json_int_t)st.failed_commits);
    json_object_set_new(o, "warnings", omb_app_calendar_warnings(app, omb_app_now(app)));
    *out = o;
    return db_ok;
}
