/*
 * tasks.c - the clocks of party tasks (协办) and transfers: the tasks
 * projection written with every save of a complaint that has any, the
 * sweeper's half (a task left unanswered past its due time becomes
 * overdue; a transfer left unacknowledged is escalated, each once), and a
 * party's task inbox.
 */
#include "app.h"

#include <stdio.h>
#include <string.h>

static omb_ms time_of(const json_t *o, const char *key)
{
    omb_ms t = 0;
    const char *s = omb_json_str(o, key, NULL);
    if (s)
        omb_time_parse(s, 0, &t);
    return t;
}

/* One projection row from a task or transfer of the document. */
static void row_of(omb_task_row *r, const char *kind, const json_t *it, const char *opened_key)
{
    memset(r, 0, sizeof *r);
    snprintf(r->kind, sizeof r->kind, "%s", kind);
    r->n = omb_json_int(it, "n", 0);
    r->from_party = omb_json_int(it, "from_party", 0);
    r->to_party = omb_json_int(it, "to_party", 0);
    snprintf(r->state, sizeof r->state, "%s", omb_json_str(it, "state", ""));
    r->opened_at = time_of(it, opened_key);
    r->due_at = time_of(it, "due_at");
    r->closed_at = time_of(it, "closed_at");
    /* The sweeper looks once at the due time: an open task becomes overdue,
     * a pending transfer is escalated; neither is looked at again. */
    bool waiting = strcmp(kind, "task") == 0 ? strcmp(r->state, "open") == 0
                                             : strcmp(r->state, "pending") == 0 &&
                                                   !json_is_true(json_object_get(it, "escalated"));
    r->next_alert_at = waiting ? r->due_at : 0;
}

int omb_app_save_tasks(omb_app *app, omb_store *s, const omb_complaint *c, omb_err *err)
{
    const json_t *tasks = json_object_get(c->doc, "tasks");
    const json_t *transfers = json_object_get(c->doc, "transfers");
    size_t n = json_array_size(tasks) + json_array_size(transfers);
    if (n == 0)
        return OMB_OK;
    omb_task_row *rows = omb_xcalloc(n, sizeof *rows);
    size_t k = 0, i;
    json_t *it;
    json_array_foreach(tasks, i, it) row_of(&rows[k++], "task", it, "opened_at");
    json_array_foreach(transfers, i, it) row_of(&rows[k++], "transfer", it, "at");
    int rc = s->vt->tasks_save(s, c->id, rows, n, err);
    free(rows);
    return rc;
}

int omb_app_sweep_tasks(omb_app *app, omb_change *ch, omb_ms now, int *alerts, omb_err *err)
{
    int rc = OMB_OK;
    const omb_complaint *c = &ch->c;
    /* Copies: each event added changes the document's lists. */
    json_t *tasks = json_deep_copy(json_object_get(c->doc, "tasks"));
    json_t *transfers = json_deep_copy(json_object_get(c->doc, "transfers"));
    size_t i;
    json_t *it;
    json_array_foreach(tasks, i, it)
    {
        omb_ms due = time_of(it, "due_at");
        if (rc || strcmp(omb_json_str(it, "state", ""), "open") != 0 || !due || due > now)
            continue;
        json_t *p = json_pack("{s:I,s:O,s:{s:I,s:I}}", "task", (json_int_t)omb_json_int(it, "n", 0),
                              "due_at", json_object_get(it, "due_at"), "to", "party",
                              (json_int_t)omb_json_int(it, "to_party", 0), "lead_party",
                              (json_int_t)c->lead_party_id);
        json_object_set_new(p, "late_ms", json_integer(now - due));
        rc = omb_change_add(ch, OMB_ACT_TASK_OVERDUE, now, 0, 0, p, err);
        *alerts += !rc;
    }
    json_array_foreach(transfers, i, it)
    {
        omb_ms due = time_of(it, "due_at");
        if (rc || strcmp(omb_json_str(it, "state", ""), "pending") != 0 ||
            json_is_true(json_object_get(it, "escalated")) || !due || due > now)
            continue;
        json_t *p = json_pack(
            "{s:I,s:O,s:{s:I,s:I,s:[ss]}}", "transfer", (json_int_t)omb_json_int(it, "n", 0),
            "due_at", json_object_get(it, "due_at"), "to", "party",
            (json_int_t)omb_json_int(it, "to_party", 0), "from_party",
            (json_int_t)omb_json_int(it, "from_party", 0), "roles", "supervisor", "compliance");
        json_object_set_new(p, "late_ms", json_integer(now - due));
        rc = omb_change_add(ch, OMB_ACT_TRANSFER_ESCALATION, now, 0, 0, p, err);
        *alerts += !rc;
    }
    json_decref(tasks);
    json_decref(transfers);
    return rc;
}

/* ---- the inbox ---------------------------------------------------------------- */

static int add_task(void *ctx, const omb_task_row *r)
{
    json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:s,s:o,s:o}", "no", r->no, "kind", r->kind, "n",
                          (json_int_t)r->n, "from_party", (json_int_t)r->from_party, "to_party",
                          (json_int_t)r->to_party, "state", r->state, "opened_at",
                          omb_time_json(r->opened_at), "due_at", omb_time_json(r->due_at));
    if (r->closed_at) /* absent while open, never null */
        json_object_set_new(o, "closed_at", omb_time_json(r->closed_at));
    json_array_append_new(ctx, o);
    return OMB_OK;
}

int omb_q_tasks(omb_app *app, omb_store *r, const omb_principal *who, const char *const *names,
                const char *const *values, size_t n, json_t **out, omb_err *err)
{
    omb_task_filter f = {0};
    f.party = who->party_id;
    f.limit = app->cfg.page_default;
    static const char *const kinds[] = {"task", "transfer", NULL};
    static const char *const states[] = {"open",    "answered",     "overdue",  "cancelled",
                                         "pending", "acknowledged", "declined", NULL};
    for (size_t i = 0; i < n; i++) {
        const char *k = names[i], *v = values[i];
        bool ok = true;
        if (strcmp(k, "direction") == 0) {
            f.direction = strcmp(v, "in") == 0 ? 1 : strcmp(v, "out") == 0 ? 2 : -1;
            ok = f.direction >= 0;
        } else if (strcmp(k, "kind") == 0 || strcmp(k, "state") == 0) {
            const char *const *list = k[0] == 'k' ? kinds : states;
            ok = false;
            for (size_t j = 0; list[j]; j++)
                ok |= strcmp(list[j], v) == 0;
            if (ok)
                snprintf(k[0] == 'k' ? f.kind : f.state, sizeof f.state, "%s", v);
        } else if (strcmp(k, "limit") == 0) {
            char *end;
            long v2 = strtol(v, &end, 10);
            ok = *v && !*end && v2 >= 1 && v2 <= app->cfg.page_max;
            f.limit = (int)v2;
        } else {
            return omb_fail(err, OMB_EINVAL, "unknown_parameter", k, "unknown query parameter %s",
                            k);
        }
        if (!ok)
            return omb_fail(err, OMB_EINVAL, "invalid_parameter", k, "bad value for %s", k);
    }
    json_t *items = json_array();
    int rc = r->vt->tasks_list(r, &f, add_task, items, err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return OMB_OK;
}
