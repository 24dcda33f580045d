/*
 * fold_link.c - the appliers of the multi-party events: dispatch,
 * transfers between parties, party tasks (协办) and reads of personal data.
 *
 * A complaint's document keeps "dispatch" (the last routing decision and
 * the rule that made it), "transfers" and "tasks" (each numbered from 1
 * within the complaint, with its state), so that every reader sees the
 * linkage without loading events.  Due times are computed by the app when
 * the event is made and carried in it: replaying never consults a clock.
 */
#include "fold_int.h"

#include <string.h>

static json_t *time_json(omb_ms t)
{
    char s[32];
    omb_time_format(t, s, sizeof s);
    return json_string(s);
}

static json_t *list_of(omb_complaint *c, const char *key)
{
    json_t *list = json_object_get(c->doc, key);
    if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(c->doc, key, list);
    }
    return list;
}

json_t *omb_complaint_item(const omb_complaint *c, const char *key, int64_t n)
{
    json_t *list = json_object_get(c->doc, key);
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it) if (omb_json_int(it, "n", 0) == n) return it;
    return NULL;
}

bool omb_complaint_involves(const omb_complaint *c, int64_t party)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(c->doc, "parties"), i,
                       p) if (omb_json_int(p, "party", 0) == party) return true;
    return false;
}

static void copy_member(json_t *dst, const json_t *src, const char *key)
{
    json_t *v = json_object_get(src, key);
    if (v)
        json_object_set_new(dst, key, json_deep_copy(v));
}

/* Sets the routing fields a dispatch or an acknowledged transfer decides. */
static void route_to(omb_complaint *c, const json_t *p)
{
    int64_t lead = omb_json_int(p, "lead_party", 0);
    if (lead)
        c->lead_party_id = lead;
    c->assignee_id = omb_json_int(p, "assignee", 0);
    const char *keys[] = {"department", "queue"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = omb_json_str(p, keys[i], NULL);
        if (v)
            json_object_set_new(c->doc, keys[i], json_string(v));
        else
            json_object_del(c->doc, keys[i]); /* absent, never null */
    }
}

int omb_fold_dispatched(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    if (!omb_json_int(ev->payload, "lead_party", 0) || !omb_json_str(ev->payload, "rule", NULL))
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL, "dispatch without a rule");
    route_to(c, ev->payload);
    omb_fold_keep_record(c, ev, "dispatch");
    return OMB_OK;
}

/* ---- transfers ------------------------------------------------------------ */

json_t *omb_complaint_pending_transfer(const omb_complaint *c)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(c->doc, "transfers"), i,
                       t) if (strcmp(omb_json_str(t, "state", ""), "pending") == 0) return t;
    return NULL;
}

int omb_fold_transferred(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    const json_t *p = ev->payload;
    int64_t to = omb_json_int(p, "to_party", 0), n = omb_json_int(p, "transfer", 0);
    if (!to || n < 1 || omb_complaint_pending_transfer(c) || omb_complaint_item(c, "transfers", n))
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL, "transfer out of place");
    json_t *t =
        json_pack("{s:I,s:I,s:I,s:s,s:o,s:I,s:b}", "n", (json_int_t)n, "from_party",
                  (json_int_t)c->lead_party_id, "to_party", (json_int_t)to, "state", "pending",
                  "at", time_json(ev->at), "by", (json_int_t)ev->actor_user_id, "escalated", 0);
    copy_member(t, p, "reason");
    copy_member(t, p, "due_at");
    copy_member(t, p, "department");
    copy_member(t, p, "queue");
    json_array_append_new(list_of(c, "transfers"), t);
    if (!omb_complaint_involves(c, to))
        omb_fold_add_party(c, to, "transferee");
    return OMB_OK;
}

/* The pending transfer numbered in the payload, or a fold conflict. */
static int transfer_of(omb_complaint *c, const omb_event *ev, json_t **out, omb_err *err)
{
    json_t *t = omb_complaint_item(c, "transfers", omb_json_int(ev->payload, "transfer", 0));
    if (!t || strcmp(omb_json_str(t, "state", ""), "pending") != 0)
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL, "no such pending transfer");
    *out = t;
    return OMB_OK;
}

static void close_item(json_t *it, const omb_event *ev, const char *state)
{
    json_object_set_new(it, "state", json_string(state));
    json_object_set_new(it, "closed_at", time_json(ev->at));
    json_object_set_new(it, "closed_by", json_integer(ev->actor_user_id));
}

int omb_fold_transfer_acknowledged(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    json_t *t;
    int rc = transfer_of(c, ev, &t, err);
    if (rc)
        return rc;
    if (omb_json_int(ev->payload, "lead_party", 0) != omb_json_int(t, "to_party", -1))
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL,
                        "a transfer is acknowledged by the party it names");
    close_item(t, ev, "acknowledged");
    route_to(c, ev->payload);
    return OMB_OK;
}

int omb_fold_transfer_declined(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    json_t *t;
    int rc = transfer_of(c, ev, &t, err);
    if (rc)
        return rc;
    close_item(t, ev, "declined");
    json_object_set_new(t, "decline_reason", json_string(omb_json_str(ev->payload, "reason", "")));
    return OMB_OK;
}

int omb_fold_transfer_escalated(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    json_t *t;
    int rc = transfer_of(c, ev, &t, err);
    if (rc)
        return rc;
    json_object_set_new(t, "escalated", json_true());
    json_object_set_new(t, "escalated_at", time_json(ev->at));
    return OMB_OK;
}

/* ---- party tasks ------------------------------------------------------------ */

int omb_fold_task_requested(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    const json_t *p = ev->payload;
    int64_t to = omb_json_int(p, "to_party", 0), n = omb_json_int(p, "task", 0);
    if (!to || n < 1 || omb_complaint_item(c, "tasks", n) || !omb_complaint_involves(c, to))
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL, "task out of place");
    json_t *t =
        json_pack("{s:I,s:I,s:I,s:s,s:o,s:I}", "n", (json_int_t)n, "from_party",
                  (json_int_t)ev->actor_party_id, "to_party", (json_int_t)to, "state", "open",
                  "opened_at", time_json(ev->at), "opened_by", (json_int_t)ev->actor_user_id);
    copy_member(t, p, "kind");
    copy_member(t, p, "request");
    copy_member(t, p, "due_at");
    json_array_append_new(list_of(c, "tasks"), t);
    return OMB_OK;
}

/* The task numbered in the payload, still open or overdue, or a fold conflict. */
static int task_of(omb_complaint *c, const omb_event *ev, json_t **out, omb_err *err)
{
    json_t *t = omb_complaint_item(c, "tasks", omb_json_int(ev->payload, "task", 0));
    const char *st = t ? omb_json_str(t, "state", "") : "";
    if (strcmp(st, "open") != 0 && strcmp(st, "overdue") != 0)
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL, "no such open task");
    *out = t;
    return OMB_OK;
}

int omb_fold_task_answered(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    json_t *t;
    int rc = task_of(c, ev, &t, err);
    if (rc)
        return rc;
    omb_ms due = 0;
    omb_time_parse(omb_json_str(t, "due_at", ""), 0, &due);
    close_item(t, ev, "answered");
    json_object_set_new(t, "late", json_boolean(due && ev->at > due));
    copy_member(t, ev->payload, "answer");
    copy_member(t, ev->payload, "attachments");
    return OMB_OK;
}

int omb_fold_task_cancelled(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    json_t *t;
    int rc = task_of(c, ev, &t, err);
    if (rc)
        return rc;
    close_item(t, ev, "cancelled");
    json_object_set_new(t, "cancel_reason", json_string(omb_json_str(ev->payload, "reason", "")));
    return OMB_OK;
}

int omb_fold_task_overdue(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    json_t *t = omb_complaint_item(c, "tasks", omb_json_int(ev->payload, "task", 0));
    if (!t || strcmp(omb_json_str(t, "state", ""), "open") != 0)
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL, "no such open task");
    json_object_set_new(t, "state", json_string("overdue"));
    json_object_set_new(t, "overdue_at", time_json(ev->at));
    return OMB_OK;
}

/* ---- personal data ------------------------------------------------------------ */

int omb_fold_pii_read(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    json_object_set_new(c->doc, "pii_reads",
                        json_integer(omb_json_int(c->doc, "pii_reads", 0) + 1));
    return OMB_OK;
}
