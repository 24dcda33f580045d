/*
 * linkage.c - how the parties of a complaint work together: which party
 * may take which action (the party rule of the lifecycle table), dispatch
 * of a new complaint by the routing rules, transfers between parties,
 * party tasks (协办), the settlement of compensation between the parties
 * (风险共担): the rules and the hooks of the action table (actions.c) that
 * the multi-party actions use.
 */
#include "app.h"
#include "core/routing.h"
#include "core/share.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- involvement ------------------------------------------------------------ */

static bool involved_as(const omb_complaint *c, int64_t party, const char *role)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(c->doc, "parties"), i, p)
    {
        if (omb_json_int(p, "party", 0) == party &&
            (!role || strcmp(omb_json_str(p, "role", ""), role) == 0))
            return true;
    }
    return false;
}

/* ---- the party rule ------------------------------------------------------------ */

int omb_app_party_check(const omb_complaint *c, const omb_principal *who, enum omb_action action,
                        const json_t *body, omb_err *err)
{
    const char *name = omb_action_get(action)->name;
    const json_t *task = NULL, *transfer = NULL;
    switch (omb_lifecycle_party(c->state, action, who->role)) {
    case OMB_PARTY_INVOLVED:
        return OMB_OK; /* the complaint was loaded as visible to the party */
    case OMB_PARTY_LEAD:
        if (who->party_id == c->lead_party_id)
            return OMB_OK;
        break;
    case OMB_PARTY_LEAD_OR_MEDIATOR:
        if (who->party_id == c->lead_party_id || involved_as(c, who->party_id, "mediator"))
            return OMB_OK;
        break;
    case OMB_PARTY_TASK_TO:
    case OMB_PARTY_TASK_FROM:
        task = omb_complaint_item(c, "tasks", omb_json_int(body, "task", 0));
        if (!task)
            return omb_fail(err, OMB_EFIELD, "unknown_reference", "task",
                            "the complaint has no task %lld",
                            (long long)omb_json_int(body, "task", 0));
        if (omb_json_int(task, action == OMB_ACT_ANSWER_TASK ? "to_party" : "from_party", 0) ==
            who->party_id) {
            const char *st = omb_json_str(task, "state", "");
            if (strcmp(st, "open") == 0 || strcmp(st, "overdue") == 0)
                return OMB_OK;
            return omb_fail(err, OMB_ECONFLICT, "task_closed", "task", "task %lld is already %s",
                            (long long)omb_json_int(task, "n", 0), st);
        }
        return omb_fail(err, OMB_EFORBIDDEN, "not_task_party", "task",
                        action == OMB_ACT_ANSWER_TASK
                            ? "the task is addressed to another party (协办事项不是发给本机构的)"
                            : "only the party that asked for the task may cancel it");
    case OMB_PARTY_TRANSFER_TO:
        transfer = omb_complaint_pending_transfer(c);
        if (!transfer)
            return omb_fail(err, OMB_ECONFLICT, "no_pending_transfer", NULL,
                            "the complaint has no transfer waiting for acknowledgement");
        if (omb_json_int(transfer, "to_party", 0) == who->party_id)
            return OMB_OK;
        return omb_fail(err, OMB_EFORBIDDEN, "not_transfer_party", NULL,
                        "the transfer is addressed to another party");
    default:
        break;
    }
    return omb_fail(err, OMB_EFORBIDDEN, "not_lead_party", NULL,
                    "only the lead party may %s this complaint (仅牵头处理机构可操作)", name);
}

/* ---- dispatch -------------------------------------------------------------------- */

/* The agents of a party on duty, their skills kept in one growing buffer. */
typedef struct agent_pool {
    omb_agent_candidate *c;
    size_t n, cap;
    omb_buf skills;
} agent_pool;

static int collect_agent(void *ctx, const omb_user *u)
{
    agent_pool *p = ctx;
    if (!u->active || !u->on_duty || u->role != OMB_ROLE_AGENT)
        return OMB_OK;
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 8;
        p->c = omb_xrealloc(p->c, p->cap * sizeof *p->c);
    }
    /* Offsets now, pointers once the buffer stops moving. */
    p->c[p->n] = (omb_agent_candidate){u->id, (const char *)(uintptr_t)p->skills.len, 0, true};
    if (omb_buf_append(&p->skills, u->skills, strlen(u->skills) + 1) != OMB_OK)
        return OMB_OK; /* an absurd roster: the rest are not candidates */
    p->n++;
    return OMB_OK;
}

int omb_app_pick_agent(omb_app *app, omb_store *s, int64_t party, const char *queue,
                       const char *business, const char *cause, int64_t *user_id, omb_err *err)
{
    agent_pool p = {NULL, 0, 0, OMB_BUF_INIT(1 << 20)};
    *user_id = 0;
    int rc = s->vt->user_list(s, party, collect_agent, &p, err);
    for (size_t i = 0; !rc && i < p.n; i++) {
        p.c[i].skills = p.skills.data + (uintptr_t)p.c[i].skills;
        rc = s->vt->agent_load(s, p.c[i].user_id, &p.c[i].load, err);
    }
    if (!rc) {
        int k = omb_routing_pick_agent(p.c, p.n, queue, business, cause);
        if (k >= 0)
            *user_id = p.c[k].user_id;
    }
    free(p.c);
    omb_buf_release(&p.skills);
    return rc;
}

/* The text the routing patterns read: description and claims, as written
 * (clear holds those whose personal data the document masks). */
static void route_text(const omb_complaint *c, const json_t *clear, omb_buf *b)
{
    omb_buf_puts(b, omb_json_str(clear, "description", omb_json_str(c->doc, "description", "")));
    omb_buf_putc(b, '\n');
    omb_buf_puts(b, omb_json_str(clear, "claims", omb_json_str(c->doc, "claims", "")));
}

int omb_app_dispatch(omb_app *app, omb_store *s, const omb_complaint *c, const json_t *clear,
                     json_t **payload, omb_err *err)
{
    omb_product product = {0};
    omb_cooperation co = {0};
    int rc = OMB_OK;
    if (c->product_id) {
        rc = s->vt->product_get(s, c->product_id, &product, err);
        if (!rc) {
            rc = s->vt->cooperation_by_product(s, c->product_id, &co, err);
            if (rc == OMB_ENOTFOUND)
                rc = OMB_OK;
        }
        if (rc)
            return rc;
    }
    omb_buf text;
    omb_buf_init(&text, 64 * 1024);
    route_text(c, clear, &text);
    omb_route_input in = {
        c->business,       c->cause, product.code, c->channel, omb_grade_name(c->grade),
        omb_buf_str(&text)};
    omb_route route;
    omb_routing_match(app->routing, &in, &route);
    omb_buf_release(&text);

    /* The lead: the cooperation member with the rule's role, else the target. */
    int64_t lead = c->target_party_id;
    const char *why = "target";
    for (int i = 0; i < co.n_members && strcmp(route.lead, "target") != 0; i++)
        if (strcmp(co.members[i].role, route.lead) == 0) {
            lead = co.members[i].party_id;
            why = route.lead;
        }
    int64_t agent = 0;
    rc = omb_app_pick_agent(app, s, lead, route.queue, c->business, c->cause, &agent, err);
    if (rc)
        return rc;
    json_t *p = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s}", "rule", route.rule, "lead_party",
                          (json_int_t)lead, "lead_by", why, "department", route.department, "queue",
                          route.queue, "lead_role", route.lead);
    if (agent)
        json_object_set_new(p, "assignee", json_integer(agent));
    *payload = p;
    return OMB_OK;
}

/* ---- transfers, tasks, settlements ------------------------------------------------- */

json_t *omb_time_json(omb_ms t)
{
    if (!t)
        return json_null();
    char s[32];
    omb_time_format(t, s, sizeof s);
    return json_string(s);
}

static int check_institution(omb_store *s, int64_t party, const char *field, omb_err *err)
{
    omb_party p;
    int rc = s->vt->party_get(s, party, &p, err);
    if (rc == OMB_ENOTFOUND || (!rc && strcmp(p.kind, "bank") != 0 &&
                                strcmp(p.kind, "lender") != 0 && strcmp(p.kind, "platform") != 0))
        return omb_fail(err, OMB_EFIELD, "invalid_value", field,
                        "%s must be a bank, lender or platform", field);
    return rc;
}

int omb_refs_transfer(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                      json_t *payload)
{
    omb_err *err = &job->err;
    int64_t to = omb_json_int(payload, "to_party", 0);
    if (to == c->lead_party_id)
        return omb_fail(err, OMB_EFIELD, "invalid_value", "to_party",
                        "to_party already leads this complaint");
    int rc = check_institution(s, to, "to_party", err);
    if (rc)
        return rc;
    omb_ms now = omb_app_now(app);
    omb_ms due = omb_clock_limit_end(omb_app_calendar_for(app, to), app->cfg.utc_offset_minutes,
                                     OMB_UNIT_HOURS, app->cfg.transfer_ack_hours, now);
    json_object_set_new(
        payload, "transfer",
        json_integer((json_int_t)json_array_size(json_object_get(c->doc, "transfers")) + 1));
    json_object_set_new(payload, "due_at", omb_time_json(due));
    return OMB_OK;
}

int omb_app_check_assignee(omb_store *s, int64_t party, int64_t id, omb_err *err)
{
    omb_user u;
    int rc = s->vt->user_get(s, id, &u, err);
    if (rc == OMB_ENOTFOUND ||
        (!rc && (u.party_id != party || !u.active ||
                 (u.role != OMB_ROLE_AGENT && u.role != OMB_ROLE_SUPERVISOR))))
        return omb_fail(err, OMB_EFIELD, "invalid_value", "assignee",
                        "assignee must be an active agent or supervisor of your party");
    return rc;
}

int omb_refs_acknowledge_transfer(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                                  json_t *payload)
{
    omb_err *err = &job->err;
    const json_t *t = omb_complaint_pending_transfer(c);
    const char *queue = omb_json_str(t, "queue", omb_json_str(c->doc, "queue", "general"));
    const char *dept = omb_json_str(t, "department", omb_json_str(c->doc, "department", NULL));
    int64_t assignee = omb_json_int(payload, "assignee", 0);
    int rc = assignee ? omb_app_check_assignee(s, job->who.party_id, assignee, err)
                      : omb_app_pick_agent(app, s, job->who.party_id, queue, c->business, c->cause,
                                           &assignee, err);
    if (rc)
        return rc;
    json_object_set_new(payload, "transfer", json_integer(omb_json_int(t, "n", 0)));
    json_object_set_new(payload, "lead_party", json_integer(job->who.party_id));
    json_object_set_new(payload, "queue", json_string(queue));
    if (dept)
        json_object_set_new(payload, "department", json_string(dept));
    json_object_set_new(payload, "rule", json_string("transfer"));
    if (assignee)
        json_object_set_new(payload, "assignee", json_integer(assignee));
    else
        json_object_del(payload, "assignee");
    return OMB_OK;
}

int omb_refs_request_task(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                          json_t *payload)
{
    omb_err *err = &job->err;
    const omb_principal *who = &job->who;
    int64_t to = omb_json_int(payload, "to_party", 0);
    if (to == who->party_id || !omb_complaint_involves(c, to))
        return omb_fail(err, OMB_EFIELD, "invalid_value", "to_party",
                        "to_party must be another party involved in the complaint");
    size_t n = json_array_size(json_object_get(c->doc, "tasks"));
    int days = (int)omb_json_int(payload, "due_days", app->cfg.task_days);
    omb_ms due = omb_clock_limit_end(omb_app_calendar_for(app, to), app->cfg.utc_offset_minutes,
                                     OMB_UNIT_WORKING_DAYS, days, omb_app_now(app));
    json_object_set_new(payload, "task", json_integer((json_int_t)n + 1));
    json_object_set_new(payload, "due_at", omb_time_json(due));
    json_object_set_new(payload, "due_days", json_integer(days));
    return OMB_OK;
}

/* An answer cites files already attached to this complaint for every party
 * involved (an answer is seen by all of them; a party-only file is not). */
int omb_refs_answer_task(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                         json_t *payload)
{
    omb_err *err = &job->err;
    size_t i, k;
    json_t *sha, *a;
    json_array_foreach(json_object_get(payload, "attachments"), i, sha)
    {
        bool attached = false;
        json_array_foreach(json_object_get(c->doc, "attachments"), k, a) attached |=
            strcmp(omb_json_str(a, "sha256", ""), json_string_value(sha)) == 0 &&
            !omb_json_int(a, "party", 0);
        if (!attached)
            return omb_fail(err, OMB_EFIELD, "unknown_reference", "attachments",
                            "attachments names a file not attached to this complaint for every "
                            "party involved (upload it with visibility=involved first)");
    }
    return OMB_OK;
}

/* A declined transfer names the transfer it sends back. */
int omb_refs_decline_transfer(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                              json_t *payload)
{
    json_object_set_new(payload, "transfer",
                        json_integer(omb_json_int(omb_complaint_pending_transfer(c), "n", 0)));
    return OMB_OK;
}

/* The weight the decision gives a party: listed weight, 0 when others are
 * listed, `dflt` when the decision lists none. */
static int weight_of(const json_t *resp, int64_t party, int dflt)
{
    if (json_array_size(resp) == 0)
        return dflt;
    size_t i;
    json_t *r;
    json_array_foreach(resp, i, r) if (omb_json_int(r, "party", 0) ==
                                       party) return (int)omb_json_int(r, "weight", 0);
    return 0;
}

int omb_app_settlement(omb_app *app, omb_store *s, const omb_complaint *c, json_t *payload,
                       omb_err *err)
{
    int64_t total = omb_json_int(payload, "compensation_fen", 0);
    if (total <= 0)
        return OMB_OK;
    const json_t *resp = json_object_get(payload, "party_responsibility");
    omb_cooperation co = {0};
    int rc =
        c->product_id ? s->vt->cooperation_by_product(s, c->product_id, &co, err) : OMB_ENOTFOUND;
    if (rc && rc != OMB_ENOTFOUND)
        return rc;
    omb_share_in in[OMB_SHARE_PARTIES_MAX];
    const char *roles[OMB_SHARE_PARTIES_MAX];
    size_t n = 0;
    const char *basis;
    if (co.n_members) {
        basis = "cooperation";
        size_t i;
        json_t *r;
        json_array_foreach(resp, i, r)
        {
            bool member = false;
            for (int k = 0; k < co.n_members; k++)
                member |= co.members[k].party_id == omb_json_int(r, "party", 0);
            if (!member)
                return omb_fail(err, OMB_EFIELD, "invalid_value", "party_responsibility",
                                "party_responsibility names a party outside the product's "
                                "cooperation");
        }
        for (int k = 0; k < co.n_members && n < OMB_SHARE_PARTIES_MAX; k++, n++) {
            in[n] = (omb_share_in){co.members[k].party_id, co.members[k].share_bp,
                                   weight_of(resp, co.members[k].party_id, 1)};
            roles[n] = co.members[k].role;
        }
    } else if (json_array_size(resp)) {
        basis = "responsibility";
        size_t i;
        json_t *r;
        json_array_foreach(resp, i, r)
        {
            if (n == OMB_SHARE_PARTIES_MAX)
                break;
            in[n] = (omb_share_in){omb_json_int(r, "party", 0), OMB_SHARE_TOTAL,
                                   (int32_t)omb_json_int(r, "weight", 0)};
            roles[n++] = "responsible";
        }
    } else {
        basis = "lead";
        in[n] = (omb_share_in){c->lead_party_id, OMB_SHARE_TOTAL, 1};
        roles[n++] = "lead";
    }
    omb_share_out out[OMB_SHARE_PARTIES_MAX];
    rc = omb_share_split(total, in, n, out, err);
    if (rc)
        return omb_fail(err, OMB_EFIELD, "invalid_value", "party_responsibility",
                        "the compensation cannot be shared: %s", err->message);
    json_t *parts = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            parts, json_pack("{s:I,s:s,s:i,s:i,s:I}", "party", (json_int_t)out[i].party_id, "role",
                             roles[i], "share_bp", (int)in[i].share_bp, "weight", (int)in[i].weight,
                             "amount_fen", (json_int_t)out[i].amount_fen));
    json_object_set_new(
        payload, "settlement",
        json_pack("{s:s,s:I,s:o}", "basis", basis, "total_fen", (json_int_t)total, "parts", parts));
    return OMB_OK;
}

int omb_app_save_settlement(omb_app *app, omb_store *s, omb_job *job, const omb_change *ch,
                            const omb_event *ev)
{
    const omb_complaint *c = &ch->c;
    const json_t *parts = json_object_get(json_object_get(ev->payload, "settlement"), "parts");
    omb_settlement_row rows[OMB_SHARE_PARTIES_MAX];
    size_t n = 0, i;
    json_t *p;
    json_array_foreach(parts, i, p)
    {
        if (n == OMB_SHARE_PARTIES_MAX)
            break;
        omb_settlement_row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->complaint_id = c->id;
        r->decision = ev->seq;
        r->party_id = omb_json_int(p, "party", 0);
        snprintf(r->role, sizeof r->role, "%s", omb_json_str(p, "role", ""));
        r->share_bp = (int32_t)omb_json_int(p, "share_bp", 0);
        r->weight = (int32_t)omb_json_int(p, "weight", 0);
        r->amount_fen = omb_json_int(p, "amount_fen", 0);
        r->decided_at = ev->at;
    }
    /* A new decision without compensation still supersedes an earlier settlement. */
    return s->vt->settlements_save(s, c->id, rows, n, &job->err);
}
