/*
 * clocks.c - the clocks of complaints in the app: computed from the clock
 * history kept in each document, stored in the clocks projection on every
 * write of a complaint, shown to readers at the time of reading, listed and
 * counted for compliance figures.  The step that stores them with every
 * write of a complaint is commit.c's.
 */
#include "app.h"
#include "core/decimal.h"
#include "core/visibility.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_MAX 4096

static int clocks_from_doc(omb_app *app, const json_t *doc, omb_ms now, omb_clocks *out,
                           omb_err *err)
{
    const json_t *list = json_object_get(doc, "clock_events");
    size_t n = json_array_size(list);
    if (n > HISTORY_MAX)
        n = HISTORY_MAX;
    omb_event small[64];
    omb_event *evs = n <= 64 ? small : omb_xcalloc(n, sizeof *evs);
    n = omb_clock_events_from_json(list, evs, n);
    const omb_calendar *cal = omb_app_calendar_for(app, omb_clock_events_lead_party(list));
    int rc = omb_clocks_compute(&app->clock_rules, cal, app->cfg.utc_offset_minutes, evs, n, now,
                                out, err);
    if (evs != small)
        free(evs);
    return rc;
}

json_t *omb_app_calendar_warnings(const omb_app *app, omb_ms now)
{
    static const struct {
        const char *code, *before, *after;
    } kinds[] = {
        [OMB_CALENDAR_WARN_PROJECTED] = {"calendar_projected",
                                         "the official holidays of the calendar end on ",
                                         "; the days after it are projected: install the State "
                                         "Council's notice (calendar or calendar_extra)"},
        [OMB_CALENDAR_WARN_ENDING] = {"calendar_ending", "the calendar ends on ",
                                      "; after it only weekends are rest days: install the next "
                                      "year's holidays (calendar or calendar_extra)"},
    };
    json_t *out = json_array();
    int64_t today = (now + app->cfg.utc_offset_minutes * 60000LL) / OMB_MS_PER_DAY, until;
    int kind = omb_calendar_warning(app->calendar, today, app->cfg.calendar_warn_days, &until);
    if (kind == OMB_CALENDAR_WARN_NONE)
        return out;
    int y;
    unsigned m, d;
    char day[16], msg[300];
    omb_civil_from_days(until, &y, &m, &d);
    snprintf(day, sizeof day, "%04d-%02u-%02u", y, m, d);
    snprintf(msg, sizeof msg, "%s%s%s", kinds[kind].before, day, kinds[kind].after);
    json_array_append_new(
        out, json_pack("{s:s,s:s,s:s}", "code", kinds[kind].code, "message", msg, "until", day));
    return out;
}

int omb_app_clocks(omb_app *app, const omb_complaint *c, omb_ms now, omb_clocks *out, omb_err *err)
{
    return clocks_from_doc(app, c->doc, now, out, err);
}

/* The state a clock is stored with: breaches are read against due_at at query time. */
static const char *stored_state(const omb_clock *c)
{
    return c->state == OMB_CLK_BREACHED ? "running" : omb_clock_state_name(c->state);
}

/* Appends doc (a stored document's text) to out with "clocks" put in before
 * its closing brace, so a reader never pays for parsing the whole document. */
static int splice_clocks(omb_buf *out, const char *doc, size_t len, const omb_clocks *cl,
                         omb_ms now, omb_err *err)
{
    while (len && doc[len - 1] != '}')
        len--;
    if (len < 2)
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "a stored document is damaged");
    bool empty = len == 2; /* "{}" */
    int rc = omb_buf_append(out, doc, len - 1) || (!empty && omb_buf_putc(out, ',')) ||
             omb_buf_puts(out, "\"clocks\":") || omb_clocks_to_text(cl, now, out) ||
             omb_buf_putc(out, '}');
    if (rc)
        return omb_fail(err, OMB_ETOOBIG, "response_too_large", NULL, "the response is too large");
    return OMB_OK;
}

size_t omb_app_clock_rows(const omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                          omb_clock_row rows[OMB_CLOCK__COUNT])
{
    size_t n = 0;
    for (unsigned k = 0; k < OMB_CLOCK__COUNT; k++) {
        const omb_clock *clk = &cl->clock[k];
        if (!clk->active)
            continue;
        omb_clock_row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        snprintf(r->kind, sizeof r->kind, "%s", omb_clock_kind_name(clk->kind));
        r->lead_party = c->lead_party_id;
        snprintf(r->owner, sizeof r->owner, "%s",
                 app->clock_rules.rule[k].owner == OMB_OWNER_CONSUMER ? "consumer" : "institution");
        snprintf(r->state, sizeof r->state, "%s", stored_state(clk));
        r->started_at = clk->started_at;
        r->due_at = clk->due_at;
        r->stopped_at = clk->stopped_at;
        r->next_alert_at = omb_clock_next_alert(clk, &app->clock_rules);
    }
    return n;
}

int omb_app_view(omb_app *app, int64_t viewer, const char *doc, size_t len, const char *history,
                 size_t history_len, omb_ms now, omb_buf *out, omb_err *err)
{
    json_error_t jerr;
    json_t *hist = json_loadb(history, history_len, 0, &jerr);
    if (!json_is_array(hist)) {
        json_decref(hist);
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "a stored clock history is damaged");
    }
    json_t *holder = json_pack("{s:o}", "clock_events", hist);
    omb_clocks cl;
    int rc = clocks_from_doc(app, holder, now, &cl, err);
    json_decref(holder);
    if (!rc)
        rc = omb_app_view_clocks(viewer, doc, len, &cl, now, out, err);
    return rc;
}

int omb_app_view_clocks(int64_t viewer, const char *doc, size_t len, const omb_clocks *cl,
                        omb_ms now, omb_buf *out, omb_err *err)
{
    /* What other parties keep to themselves is not shown (core/visibility.h). */
    char *own = NULL;
    size_t own_len = 0;
    if (omb_doc_text_for_party(doc, len, viewer, &own, &own_len) != OMB_OK)
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "a stored document is damaged");
    int rc = own ? splice_clocks(out, own, own_len, cl, now, err)
                 : splice_clocks(out, doc, len, cl, now, err);
    free(own);
    return rc;
}

/* ---- GET /v1/clocks ------------------------------------------------------------------ */

static int bad(omb_err *err, const char *name, const char *why)
{
    return omb_fail(err, OMB_EINVAL, "invalid_parameter", name, "%s %s", name, why);
}

int omb_q_clock_filter_parse(omb_app *app, const omb_principal *who, const char *const *names,
                             const char *const *values, size_t n, omb_clock_filter *f, char *state,
                             size_t state_cap, omb_err *err)
{
    static const char *const known[] = {"kind",   "party", "state", "due_from",
                                        "due_to", "limit", NULL};
    static const char *const states[] = {"open", "breached", "all", NULL};
    omb_ms now = omb_app_now(app);
    memset(f, 0, sizeof *f);
    f->viewer_party = who->party_id;
    f->due_from = now - 30 * OMB_MS_PER_DAY;
    f->due_to = now + 30 * OMB_MS_PER_DAY;
    f->limit = app->cfg.page_default;
    snprintf(state, state_cap, "open");
    for (size_t i = 0; i < n; i++) {
        const char *const *k = known;
        while (*k && strcmp(*k, names[i]) != 0)
            k++;
        if (!*k)
            return omb_fail(err, OMB_EINVAL, "unknown_parameter", names[i],
                            "%s is not a known query parameter", names[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[j], names[i]) == 0)
                return bad(err, names[i], "is given more than once");
        const char *v = values[i];
        if (!*v)
            return bad(err, names[i], "must not be empty");
        int64_t num;
        if (strcmp(names[i], "kind") == 0) {
            enum omb_clock_kind kind;
            if (omb_clock_kind_parse(v, &kind))
                return bad(err, names[i], "is not a clock kind");
            snprintf(f->kind, sizeof f->kind, "%s", v);
        } else if (strcmp(names[i], "party") == 0) {
            if (omb_i64_parse(v, 1, INT64_MAX, &f->lead_party))
                return bad(err, names[i], "must be a positive integer id");
        } else if (strcmp(names[i], "state") == 0) {
            const char *const *s = states;
            while (*s && strcmp(*s, v) != 0)
                s++;
            if (!*s)
                return bad(err, names[i], "must be open, breached or all");
            snprintf(state, state_cap, "%s", v);
        } else if (strcmp(names[i], "due_from") == 0) {
            if (omb_time_parse(v, app->cfg.utc_offset_minutes, &f->due_from))
                return bad(err, names[i], "must be an RFC 3339 time or a date");
        } else if (strcmp(names[i], "due_to") == 0) {
            if (omb_time_parse(v, app->cfg.utc_offset_minutes, &f->due_to))
                return bad(err, names[i], "must be an RFC 3339 time or a date");
        } else {
            if (omb_i64_parse(v, 1, app->cfg.page_max, &num))
                return bad(err, names[i], "is out of range");
            f->limit = (int)num;
        }
    }
    if (f->due_to <= f->due_from)
        return bad(err, "due_to", "must be later than due_from");
    f->open_only = strcmp(state, "all") != 0;
    if (strcmp(state, "breached") == 0)
        f->breached_before = now;
    return OMB_OK;
}

typedef struct clock_list {
    json_t *items;
    omb_ms now;
} clock_list;

static json_t *time_json(omb_ms t)
{
    char s[32];
    if (!t)
        return json_null();
    omb_time_format(t, s, sizeof s);
    return json_string(s);
}

static int clock_item(void *ctx, const omb_clock_row *r)
{
    clock_list *l = ctx;
    bool counting = !r->stopped_at && strcmp(r->state, "cancelled") != 0;
    const char *state =
        counting && strcmp(r->state, "paused") != 0 && r->due_at <= l->now ? "breached" : r->state;
    json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "no", r->no, "kind", r->kind, "owner", r->owner,
                          "state", state);
    json_object_set_new(o, "lead_party", r->lead_party ? json_integer(r->lead_party) : json_null());
    json_object_set_new(o, "started_at", time_json(r->started_at));
    json_object_set_new(o, "due_at", time_json(r->due_at));
    json_object_set_new(o, "stopped_at", time_json(r->stopped_at));
    json_object_set_new(o, "next_alert_at", time_json(r->next_alert_at));
    json_array_append_new(l->items, o);
    return OMB_OK;
}

int omb_q_clocks(omb_app *app, omb_store *r, const omb_clock_filter *f, const char *state,
                 json_t **out, omb_err *err)
{
    clock_list l = {json_array(), omb_app_now(app)};
    int rc = r->vt->clocks_list(r, f, clock_item, &l, err);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    *out = json_pack("{s:s,s:o,s:o,s:o,s:I}", "state", state, "due_from", time_json(f->due_from),
                     "due_to", time_json(f->due_to), "items", l.items, "count",
                     (json_int_t)json_array_size(l.items));
    return OMB_OK;
}

/* ---- GET /v1/clocks/compliance --------------------------------------------------------- */

typedef struct figures {
    json_t *items;
    json_t *by_kind; /* kind -> totals */
} figures;

static json_t *share(int64_t met, int64_t settled)
{
    return settled ? json_real((double)met / (double)settled) : json_null();
}

static void add_counts(json_t *o, const omb_clock_stats *x)
{
    static const char *const keys[] = {"total",    "met",      "met_late",
                                       "breached", "counting", "cancelled"};
    const int64_t vals[] = {x->total, x->met, x->met_late, x->breached, x->counting, x->cancelled};
    for (size_t i = 0; i < 6; i++) {
        json_t *v = json_object_get(o, keys[i]);
        json_object_set_new(o, keys[i], json_integer((v ? json_integer_value(v) : 0) + vals[i]));
    }
    int64_t met = json_integer_value(json_object_get(o, "met"));
    int64_t settled = met + json_integer_value(json_object_get(o, "met_late")) +
                      json_integer_value(json_object_get(o, "breached"));
    json_object_set_new(o, "met_share", share(met, settled));
}

static int figure_row(void *ctx, const omb_clock_stats *x)
{
    figures *fg = ctx;
    json_t *o = json_pack("{s:s}", "kind", x->kind);
    json_object_set_new(o, "lead_party", x->lead_party ? json_integer(x->lead_party) : json_null());
    add_counts(o, x);
    json_array_append_new(fg->items, o);
    json_t *k = json_object_get(fg->by_kind, x->kind);
    if (!k) {
        k = json_pack("{s:s}", "kind", x->kind);
        json_object_set_new(fg->by_kind, x->kind, k);
    }
    add_counts(k, x);
    return OMB_OK;
}

int omb_q_compliance(omb_app *app, omb_store *r, const omb_clock_filter *f, json_t **out,
                     omb_err *err)
{
    figures fg = {json_array(), json_object()};
    omb_clock_filter q = *f;
    q.open_only = 0;
    q.breached_before = 0;
    int rc = r->vt->clocks_stats(r, &q, omb_app_now(app), figure_row, &fg, err);
    if (rc) {
        json_decref(fg.items);
        json_decref(fg.by_kind);
        return rc;
    }
    json_t *kinds = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(fg.by_kind, key, v) json_array_append(kinds, v);
    json_decref(fg.by_kind);
    *out = json_pack("{s:o,s:o,s:o,s:o}", "due_from", time_json(f->due_from), "due_to",
                     time_json(f->due_to), "by_kind", kinds, "items", fg.items);
    return OMB_OK;
}
