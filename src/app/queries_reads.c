/*
 * queries_reads.c - reads made for the web workbench's compliance and
 * dashboard pages: the log of personal-data reads (GET /v1/pii_reads), the
 * counts of complaints by state, grade and day (GET /v1/stats/complaints)
 * and the dispatch rules in force (GET /v1/routing).
 */
#include "app.h"
#include "core/decimal.h"
#include "core/routing.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>

#define PII_READS_MAX   1000
#define STATS_DAYS_MAX  366
#define STATS_DAYS_DFLT 30

static int bad_param(omb_err *err, const char *name, const char *why)
{
    return omb_fail(err, OMB_EINVAL, "invalid_parameter", name, "%s %s", name, why);
}

static json_t *time_json(omb_ms t)
{
    char buf[32];
    omb_time_format(t, buf, sizeof buf);
    return json_string(buf);
}

/* ---- GET /v1/pii_reads ------------------------------------------------------------ */

/* Who answers for the personal data a party holds: its supervisors,
 * compliance officers, admins and auditors (and the operator's admin). */
static const enum omb_role pii_log_roles[] = {OMB_ROLE_SUPERVISOR, OMB_ROLE_COMPLIANCE,
                                              OMB_ROLE_ADMIN, OMB_ROLE_AUDITOR};

static bool may_read_pii_log(const omb_principal *who)
{
    for (size_t i = 0; i < sizeof pii_log_roles / sizeof pii_log_roles[0]; i++)
        if (who->role == pii_log_roles[i])
            return true;
    return false;
}

typedef struct pii_list {
    json_t *items;
    int64_t last_id;
    int n;
} pii_list;

static int add_pii_read(void *ctx, const omb_pii_read_row *row)
{
    pii_list *l = ctx;
    json_t *payload = json_loadb(row->payload, row->payload_len, 0, NULL);
    json_t *item = json_pack("{s:I,s:s,s:I,s:o,s:I,s:I}", "event", (json_int_t)row->id, "no",
                             row->no, "seq", (json_int_t)row->seq, "at", time_json(row->at), "user",
                             (json_int_t)row->actor_user, "party", (json_int_t)row->actor_party);
    static const char *const copied[] = {"fields", "purpose", "event"};
    for (size_t i = 0; payload && i < sizeof copied / sizeof copied[0]; i++) {
        json_t *v = json_object_get(payload, copied[i]);
        if (v)
            json_object_set(item, strcmp(copied[i], "event") == 0 ? "read_seq" : copied[i], v);
    }
    json_decref(payload);
    json_array_append_new(l->items, item);
    l->last_id = row->id;
    l->n++;
    return OMB_OK;
}

int omb_q_pii_reads(omb_app *app, omb_store *r, const omb_principal *who, const char *const *names,
                    const char *const *values, size_t n, json_t **out, omb_err *err)
{
    omb_pii_read_filter f = {.viewer_party = omb_app_operator_admin(who) ? 0 : who->party_id,
                             .limit = 100};
    for (size_t i = 0; i < n; i++) {
        const char *k = names[i], *v = values[i];
        int64_t x;
        if (strcmp(k, "from") == 0 || strcmp(k, "to") == 0) {
            if (omb_time_parse(v, app->cfg.utc_offset_minutes, k[0] == 'f' ? &f.from : &f.to))
                return bad_param(err, k, "must be a date or an RFC 3339 time");
        } else if (strcmp(k, "user") == 0) {
            if (omb_i64_parse(v, 1, INT64_MAX, &f.user))
                return bad_param(err, k, "must be a positive integer id");
        } else if (strcmp(k, "cursor") == 0) {
            if (omb_i64_parse(v, 1, INT64_MAX, &f.before))
                return bad_param(err, k, "is not a cursor this server gave");
        } else if (strcmp(k, "limit") == 0) {
            if (omb_i64_parse(v, 1, PII_READS_MAX, &x))
                return bad_param(err, k, "must be a whole number from 1 to 1000");
            f.limit = (int)x;
        } else
            return omb_fail(err, OMB_EINVAL, "unknown_parameter", k, "unknown query parameter %s",
                            k);
    }
    if (f.to && f.to <= f.from)
        return bad_param(err, "to", "must be later than from");
    if (!may_read_pii_log(who))
        return omb_fail(err, OMB_EFORBIDDEN, "role_not_allowed", NULL,
                        "role %s may not read the log of personal-data reads",
                        omb_role_name(who->role));
    pii_list l = {json_array(), 0, 0};
    int rc = r->vt->pii_reads_list(r, &f, add_pii_read, &l, err);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    *out = json_pack("{s:o,s:i}", "items", l.items, "count", l.n);
    /* The cursor is the id of the last read listed: the next page starts below it. */
    char cursor[24];
    snprintf(cursor, sizeof cursor, "%lld", (long long)l.last_id);
    json_object_set_new(*out, "next_cursor", l.n == f.limit ? json_string(cursor) : json_null());
    return OMB_OK;
}

/* ---- GET /v1/stats/complaints ----------------------------------------------------- */

typedef struct stats_acc {
    json_t *states;  /* state -> count, every complaint */
    json_t *grades;  /* grade -> count, open complaints */
    json_t *per_day; /* day number (text) -> count */
    int64_t total, open;
} stats_acc;

static void add_count(json_t *obj, const char *key, int64_t n)
{
    json_t *cur = json_object_get(obj, key);
    json_object_set_new(obj, key, json_integer((cur ? json_integer_value(cur) : 0) + n));
}

static int add_stats(void *ctx, const omb_stats_row *row)
{
    stats_acc *a = ctx;
    if (row->day >= 0) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)row->day);
        add_count(a->per_day, key, row->count);
        return OMB_OK;
    }
    enum omb_state st;
    add_count(a->states, row->state, row->count);
    a->total += row->count;
    if (omb_state_parse(row->state, &st) == OMB_OK && (OMB_STBIT(st) & OMB_ST_OPEN)) {
        add_count(a->grades, row->grade, row->count);
        a->open += row->count;
    }
    return OMB_OK;
}

int omb_q_stats(omb_app *app, omb_store *r, const omb_principal *who, const char *const *names,
                const char *const *values, size_t n, json_t **out, omb_err *err)
{
    int64_t off = (int64_t)app->cfg.utc_offset_minutes * 60000;
    omb_ms now = omb_app_now(app);
    omb_ms to = ((now + off) / OMB_MS_PER_DAY + 1) * OMB_MS_PER_DAY - off; /* end of today */
    omb_ms from = to - STATS_DAYS_DFLT * OMB_MS_PER_DAY;
    bool has_from = false;
    for (size_t i = 0; i < n; i++) {
        const char *k = names[i], *v = values[i];
        if (strcmp(k, "from") == 0 || strcmp(k, "to") == 0) {
            if (omb_time_parse(v, app->cfg.utc_offset_minutes, k[0] == 'f' ? &from : &to))
                return bad_param(err, k, "must be a date or an RFC 3339 time");
            has_from |= k[0] == 'f';
        } else
            return omb_fail(err, OMB_EINVAL, "unknown_parameter", k, "unknown query parameter %s",
                            k);
    }
    if (!has_from)
        from = to - STATS_DAYS_DFLT * OMB_MS_PER_DAY;
    if (to <= from)
        return bad_param(err, "to", "must be later than from");
    if (to - from > STATS_DAYS_MAX * OMB_MS_PER_DAY)
        return bad_param(err, "to", "must be at most 366 days after from");

    omb_stats_filter f = {.viewer_party = omb_app_operator_admin(who) ? 0 : who->party_id,
                          .from = from,
                          .to = to,
                          .offset_ms = off};
    stats_acc a = {json_object(), json_object(), json_object(), 0, 0};
    int rc = r->vt->complaint_stats(r, &f, add_stats, &a, err);
    if (rc) {
        json_decref(a.states);
        json_decref(a.grades);
        json_decref(a.per_day);
        return rc;
    }
    /* Every day of the window, zeros included, as local dates. */
    json_t *days = json_array();
    for (int64_t d = (from + off) / OMB_MS_PER_DAY; d * OMB_MS_PER_DAY - off < to; d++) {
        char key[24], date[16];
        snprintf(key, sizeof key, "%lld", (long long)d);
        int y;
        unsigned m, dd;
        omb_civil_from_days(d, &y, &m, &dd);
        snprintf(date, sizeof date, "%04d-%02u-%02u", y, m, dd);
        json_t *c = json_object_get(a.per_day, key);
        json_array_append_new(days, json_pack("{s:s,s:I}", "day", date, "count",
                                              (json_int_t)(c ? json_integer_value(c) : 0)));
    }
    json_decref(a.per_day);
    *out = json_pack("{s:o,s:o,s:I,s:I,s:o,s:o,s:o}", "from", time_json(from), "to", time_json(to),
                     "total", (json_int_t)a.total, "open", (json_int_t)a.open, "by_state", a.states,
                     "open_by_grade", a.grades, "received", days);
    return OMB_OK;
}

/* ---- GET /v1/routing -------------------------------------------------------------- */

int omb_q_routing(omb_app *app, omb_store *r, const omb_principal *who, const char *const *names,
                  const char *const *values, size_t n, json_t **out, omb_err *err)
{
    if (n)
        return omb_fail(err, OMB_EINVAL, "unknown_parameter", names[0],
                        "unknown query parameter %s", names[0]);
    json_t *rules = json_array();
    omb_route_rule ru;
    for (size_t i = 0; omb_routing_rule(app->routing, i, &ru) == OMB_OK; i++)
        json_array_append_new(rules, json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
                                               "order", (int)i + 1, "name", ru.name, "business",
                                               ru.business, "cause", ru.cause, "product",
                                               ru.product, "channel", ru.channel, "grade", ru.grade,
                                               "pattern", ru.pattern, "lead", ru.lead, "department",
                                               ru.department, "queue", ru.queue));
    *out =
        json_pack("{s:o,s:s}", "rules", rules, "source", app->cfg.routing[0] ? "file" : "built-in");
    return OMB_OK;
}
