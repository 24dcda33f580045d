/*
 * commit.c - the one step that commits a change of a complaint.
 *
 * Every write of a complaint - a creation, a lifecycle action, an
 * attachment, a read of personal data, the sweeper's alerts - builds an
 * omb_change: the complaint as loaded (or new), and the events the write
 * records, each folded into the complaint as it is added.  omb_change_commit
 * then stores all that follows from it, in the job's transaction and in
 * this order (docs/architecture.md, "A write"):
 *
 *   1. the complaint row, its involved parties, its clocks and its tasks
 *      and transfers (the projections the sweeper and the lists read);
 *   2. each event with its ledger leaf, its visibility when it is seen by
 *      one party alone, the outbox rows of the webhooks that want it, and
 *      the message the live streams get once the batch is durable;
 *   3. each event's own after-step from the action table (actions.c):
 *      settlement rows, attachment links, blind indexes;
 *   4. when asked, the complaint as the writer's party sees it now.
 *
 * Nothing else writes a complaint, so a new action or a second backend has
 * one path to follow.
 */
#include "app.h"
#include "core/visibility.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void omb_change_init(omb_change *ch)
{
    memset(ch, 0, sizeof *ch);
}

void omb_change_release(omb_change *ch)
{
    for (size_t i = 0; i < ch->n; i++)
        omb_event_release(&ch->ev[i]);
    free(ch->ev);
    free(ch->actions);
    omb_complaint_release(&ch->c);
    memset(ch, 0, sizeof *ch);
}

int omb_change_add(omb_change *ch, enum omb_action action, omb_ms at, int64_t user_id,
                   int64_t party_id, json_t *payload, omb_err *err)
{
    if (ch->n == ch->cap) {
        ch->cap = ch->cap ? 2 * ch->cap : 4;
        ch->ev = omb_xrealloc(ch->ev, ch->cap * sizeof *ch->ev);
        ch->actions = omb_xrealloc(ch->actions, ch->cap * sizeof *ch->actions);
    }
    ch->actions[ch->n] = action;
    omb_event *ev = &ch->ev[ch->n++];
    omb_event_init(ev, omb_action_get(action)->event_type, at, user_id, party_id, payload);
    ev->complaint_id = ch->c.id;
    ev->seq = ch->c.version + 1;
    /* In place: a change that fails is dropped whole, with its complaint. */
    return omb_fold_apply_in_place(&ch->c, ev, err);
}

/* ---- webhooks and live streams ------------------------------------------------ */

typedef struct webhook_sub_load {
    omb_webhook_sub *subs;
    size_t n;
} webhook_sub_load;

static int collect_webhook_sub(void *ctx, const omb_webhook *w)
{
    webhook_sub_load *l = ctx;
    /* Inactive webhooks get their rows too: their deliveries wait until enabled. */
    json_error_t jerr;
    json_t *events = json_loads(w->events, 0, &jerr);
    if (!json_is_array(events)) {
        json_decref(events);
        return OMB_OK;
    }
    l->subs = omb_xrealloc(l->subs, (l->n + 1) * sizeof *l->subs);
    l->subs[l->n++] = (omb_webhook_sub){w->id, w->party_id, events};
    return OMB_OK;
}

void omb_app_free_webhook_subs(omb_app *app)
{
    for (size_t i = 0; i < app->n_webhook_subs; i++)
        json_decref(app->webhook_subs[i].events);
    free(app->webhook_subs);
    app->webhook_subs = NULL;
    app->n_webhook_subs = 0;
}

static void reload_webhook_subs(omb_app *app, omb_store *s)
{
    webhook_sub_load l = {NULL, 0};
    omb_err err;
    if (s->vt->webhook_list(s, 0, collect_webhook_sub, &l, &err) != OMB_OK) {
        omb_log(OMB_LOG_ERROR, "webhooks_unreadable", json_pack("{s:s}", "message", err.message));
        for (size_t i = 0; i < l.n; i++)
            json_decref(l.subs[i].events);
        free(l.subs);
        return; /* keep the old list and try again next time */
    }
    omb_app_free_webhook_subs(app);
    app->webhook_subs = l.subs;
    app->n_webhook_subs = l.n;
    app->webhooks_stale = false;
}

static bool webhook_wants(const omb_webhook_sub *h, const char *type)
{
    size_t i;
    json_t *t;
    json_array_foreach(h->events, i, t)
    {
        const char *v = json_string_value(t);
        if (v && (strcmp(v, "*") == 0 || strcmp(v, type) == 0))
            return true;
    }
    return false;
}

void omb_feed_format(const omb_feed_row *f, omb_buf *out)
{
    char at[32];
    omb_time_format(f->at, at, sizeof at);
    json_t *data = json_pack("{s:I,s:s,s:I,s:s,s:s,s:I,s:I}", "id", (json_int_t)f->id, "no", f->no,
                             "seq", (json_int_t)f->seq, "type", f->type, "at", at, "actor_party",
                             (json_int_t)f->actor_party, "lead_party", (json_int_t)f->lead_party);
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    omb_buf_printf(out, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)f->id, f->type,
                   text ? text : "{}");
    free(text);
}

/* Queues the SSE message of an event for the parties that see it (those
 * involved, or the writer's party alone), sent once durable. */
static void add_feed(omb_job *job, const omb_complaint *c, const omb_event *ev, int64_t only)
{
    omb_feed_row f = {
        ev->id,          c->id, ev->seq, "", "", ev->at, ev->actor_user_id, ev->actor_party_id,
        c->lead_party_id};
    snprintf(f.no, sizeof f.no, "%s", c->no);
    snprintf(f.type, sizeof f.type, "%s", ev->type);
    omb_buf b;
    omb_buf_init(&b, 8192);
    omb_feed_format(&f, &b);
    json_t *parties = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(c->doc, "parties"), i, p)
    {
        int64_t party = omb_json_int(p, "party", 0);
        if (!only || party == only)
            json_array_append_new(parties, json_integer(party));
    }
    if (!job->feed)
        job->feed = json_array();
    json_array_append_new(job->feed, json_pack("[s,o]", omb_buf_str(&b), parties));
    omb_buf_release(&b);
}

/* Step 2 for one event: the event and its leaf, its visibility, its
 * webhook deliveries and its live-stream message. */
static int store_event(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                       omb_event *ev, omb_err *err)
{
    ev->complaint_id = c->id;
    snprintf(ev->complaint_no, sizeof ev->complaint_no, "%s", c->no);
    int rc = omb_ledger_append(app, s, ev, err);
    if (rc)
        return rc;
    /* A party-only note or file reaches the writer's party alone. */
    int64_t only = omb_event_restricted_to(ev);
    if (only && (rc = s->vt->event_restrict(s, ev->id, only, err)) != OMB_OK)
        return rc;
    if (app->webhooks_stale)
        reload_webhook_subs(app, s);
    omb_ms now = omb_wall_now(); /* deliveries keep the wall clock, not the test clock */
    for (size_t i = 0; !rc && i < app->n_webhook_subs; i++) {
        const omb_webhook_sub *h = &app->webhook_subs[i];
        if (!omb_complaint_involves(c, h->party_id) || !webhook_wants(h, ev->type) ||
            (only && h->party_id != only))
            continue;
        rc = s->vt->outbox_add(s, h->id, c->id, ev->id, now, err);
        job->outbox_added |= !rc;
    }
    if (!rc && omb_hub_listening(app->hub))
        add_feed(job, c, ev, only);
    return rc;
}

/* ---- the step ---------------------------------------------------------------- */

/* Step 1: the complaint row and the projections computed from it. */
static int store_complaint(omb_app *app, omb_store *s, omb_complaint *c, omb_ms now, omb_clocks *cl,
                           char **doc, omb_err *err)
{
    int rc = omb_app_clocks(app, c, now, cl, err);
    if (!rc)
        rc = s->vt->complaint_save(s, c, doc, err);
    omb_clock_row rows[OMB_CLOCK__COUNT];
    size_t n = rc ? 0 : omb_app_clock_rows(app, c, cl, rows);
    if (!rc && n)
        rc = s->vt->clocks_save(s, c->id, rows, n, err);
    if (!rc)
        rc = omb_app_save_tasks(app, s, c, err);
    return rc;
}

int omb_change_commit(omb_app *app, omb_store *s, omb_job *job, omb_change *ch, int64_t viewer,
                      char **view_text)
{
    omb_err *err = &job->err;
    omb_ms now = omb_app_now(app);
    omb_clocks cl;
    char *doc = NULL;
    int rc = store_complaint(app, s, &ch->c, now, &cl, view_text ? &doc : NULL, err);
    for (size_t i = 0; !rc && i < ch->n; i++)
        rc = store_event(app, s, job, &ch->c, &ch->ev[i], err);
    for (size_t i = 0; !rc && i < ch->n; i++) {
        const omb_action_hooks *h = omb_action_hooks_get(ch->actions[i]);
        if (h->after)
            rc = h->after(app, s, job, ch, &ch->ev[i]);
    }
    if (!rc && view_text) {
        omb_buf view = OMB_BUF_INIT(16 << 20);
        rc = omb_app_view_clocks(viewer, doc, strlen(doc), &cl, now, &view, err);
        if (!rc)
            *view_text = omb_buf_detach(&view, NULL);
        omb_buf_release(&view);
    }
    free(doc);
    return rc;
}
