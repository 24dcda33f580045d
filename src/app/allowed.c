/*
 * allowed.c - what a user may do to a complaint as it stands.
 *
 * omb_app_action_check is the one check of an action's standing that its
 * write runs (complaints.c, reveal.c) before it looks at other records: the
 * lifecycle table (state, role, the author of the first decision), the
 * party rule (linkage.c) and what the action needs of the complaint's
 * pending objects (no transfer waiting, room for a task, a clock counting,
 * a pause open, an extension step left).  The actions a reader may take
 * now (GET /v1/complaints/{no}/actions) are made of that same check, tried
 * with every reference the complaint holds; the catalogue of
 * the actions users take (GET /v1/actions) is made of the lifecycle table
 * and the actions' field tables.
 */
#include "app.h"

#include <stdio.h>
#include <string.h>

/* ---- the standing of an action ------------------------------------------------ */

const char *omb_app_default_clock(const omb_complaint *c)
{
    return c->state == OMB_ST_REVIEW ? "review_decision" : "decision";
}

/* The clocks at now: the caller's, or computed into own. */
static int clocks_of(omb_app *app, const omb_complaint *c, const omb_clocks *cl, omb_clocks *own,
                     const omb_clocks **out, omb_err *err)
{
    *out = cl ? cl : own;
    return cl ? OMB_OK : omb_app_clocks(app, c, omb_app_now(app), own, err);
}

typedef int (*standing_fn)(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                           const omb_principal *who, enum omb_action action, const json_t *body,
                           omb_err *err);

static int no_transfer_pending(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                               const omb_principal *who, enum omb_action action, const json_t *body,
                               omb_err *err)
{
    if (omb_complaint_pending_transfer(c))
        return omb_fail(err, OMB_ECONFLICT, "transfer_pending", NULL,
                        "a transfer of this complaint is waiting for acknowledgement");
    return OMB_OK;
}

static int room_for_task(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                         const omb_principal *who, enum omb_action action, const json_t *body,
                         omb_err *err)
{
    if (json_array_size(json_object_get(c->doc, "tasks")) >= OMB_TASKS_MAX)
        return omb_fail(err, OMB_ECONFLICT, "too_many_tasks", NULL, "a complaint has %d tasks",
                        OMB_TASKS_MAX);
    return OMB_OK;
}

/* Extend, pause and resume are checked against the clock the body names
 * (the default clock when it names none). */
static int clock_check(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                       const omb_principal *who, enum omb_action action, const json_t *body,
                       omb_err *err)
{
    omb_clocks own;
    const omb_clocks *clocks;
    int rc = clocks_of(app, c, cl, &own, &clocks, err);
    if (rc)
        return rc;
    enum omb_clock_kind kind = OMB_CLOCK_DECISION;
    omb_clock_kind_parse(omb_json_str(body, "clock", omb_app_default_clock(c)), &kind);
    if (action == OMB_ACT_EXTEND)
        return omb_clock_extension_check(
            clocks, &app->clock_rules, (int)omb_json_int(body, "days", 0), who->role,
            json_object_get(body, "consumer_notice") != NULL, omb_app_now(app), err);
    if (action == OMB_ACT_PAUSE)
        return omb_clock_pause_check(clocks, kind, err);
    return omb_clock_resume_check(clocks, kind, omb_json_int(body, "pause", 0), err);
}

/* The bodies an action is tried with when the list is made: one for each
 * reference the complaint holds that the body could name. */
typedef void (*candidates_fn)(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                              enum omb_action action, json_t *bodies);

/* Each task of the complaint. */
static void each_task(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                      enum omb_action action, json_t *bodies)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(c->doc, "tasks"), i, t)
        json_array_append_new(bodies, json_pack("{s:I}", "task", omb_json_int(t, "n", 0)));
}

/* The values of the action's enumerated field `name`. */
static const char *const *field_values(enum omb_action action, const char *name)
{
    for (const omb_field_spec *f = omb_action_get(action)->fields; f && f->name; f++)
        if (f->type == OMB_F_ENUM && strcmp(f->name, name) == 0)
            return f->values;
    return NULL;
}

/* Each step the decision clock may be extended to, with a notice to the consumer. */
static void each_step(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                      enum omb_action action, json_t *bodies)
{
    const omb_clock_rule *r = &app->clock_rules.rule[OMB_CLOCK_DECISION];
    for (int e = 0; e < 2; e++)
        if (r->extend_to[e])
            json_array_append_new(
                bodies, json_pack("{s:i,s:{}}", "days", r->extend_to[e], "consumer_notice"));
}

/* Each clock the body may name. */
static void each_clock(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                       enum omb_action action, json_t *bodies)
{
    for (const char *const *k = field_values(action, "clock"); k && *k; k++)
        json_array_append_new(bodies, json_pack("{s:s}", "clock", *k));
}

/* Each pause of each clock the body may name. */
static void each_pause(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                       enum omb_action action, json_t *bodies)
{
    for (const char *const *k = field_values(action, "clock"); k && *k; k++) {
        enum omb_clock_kind kind;
        if (omb_clock_kind_parse(*k, &kind) != OMB_OK)
            continue;
        for (int i = 0; i < cl->clock[kind].n_pauses; i++)
            json_array_append_new(bodies, json_pack("{s:s,s:I}", "clock", *k, "pause",
                                                    (json_int_t)cl->clock[kind].pauses[i].id));
    }
}

/* What an action needs of the complaint beyond the lifecycle table and the
 * party rule, and the bodies it is tried with for the list (an empty body
 * when none is named). */
static const struct {
    enum omb_action action;
    standing_fn check;
    candidates_fn candidates;
} standing[] = {
    {OMB_ACT_TRANSFER, no_transfer_pending, NULL}, {OMB_ACT_REQUEST_TASK, room_for_task, NULL},
    {OMB_ACT_ANSWER_TASK, NULL, each_task},        {OMB_ACT_CANCEL_TASK, NULL, each_task},
    {OMB_ACT_EXTEND, clock_check, each_step},      {OMB_ACT_PAUSE, clock_check, each_clock},
    {OMB_ACT_RESUME, clock_check, each_pause},
};

#define STANDING_ROWS (sizeof standing / sizeof standing[0])

int omb_app_action_check(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                         const omb_principal *who, enum omb_action action, const json_t *body,
                         enum omb_state *to, omb_err *err)
{
    enum omb_state next;
    int rc = omb_lifecycle_check(c->state, action, who->role, who->user_id, c->first_decider_id,
                                 to ? to : &next, err);
    if (!rc)
        rc = omb_app_party_check(c, who, action, body, err);
    for (size_t i = 0; !rc && i < STANDING_ROWS; i++)
        if (standing[i].action == action && standing[i].check)
            rc = standing[i].check(app, c, cl, who, action, body, err);
    return rc;
}

/* Whether some body lets the action through the check. */
static bool allowed(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                    const omb_principal *who, enum omb_action action)
{
    json_t *bodies = json_array();
    for (size_t i = 0; i < STANDING_ROWS; i++)
        if (standing[i].action == action && standing[i].candidates)
            standing[i].candidates(app, c, cl, action, bodies);
    if (json_array_size(bodies) == 0)
        json_array_append_new(bodies, json_object());
    bool ok = false;
    size_t i;
    json_t *body;
    json_array_foreach(bodies, i, body)
    {
        omb_err err;
        omb_err_clear(&err);
        ok = ok || omb_app_action_check(app, c, cl, who, action, body, NULL, &err) == OMB_OK;
    }
    json_decref(bodies);
    return ok;
}

json_t *omb_app_actions_allowed(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                                const omb_principal *who)
{
    json_t *names = json_array();
    for (int a = 0; a < OMB_ACT__COUNT; a++)
        if (omb_action_offered((enum omb_action)a) && allowed(app, c, cl, who, (enum omb_action)a))
            json_array_append_new(names, json_string(omb_action_get((enum omb_action)a)->name));
    return names;
}

int omb_q_complaint_actions(omb_app *app, omb_store *r, const omb_principal *who, const char *no,
                            json_t **out, omb_err *err)
{
    omb_complaint c;
    int rc = omb_app_load_visible(r, who, no, &c, err);
    if (rc)
        return rc;
    omb_clocks cl;
    rc = omb_app_clocks(app, &c, omb_app_now(app), &cl, err);
    if (!rc)
        *out =
            json_pack("{s:s,s:s,s:I,s:o}", "no", c.no, "state", omb_state_name(c.state), "version",
                      (json_int_t)c.version, "actions", omb_app_actions_allowed(app, &c, &cl, who));
    omb_complaint_release(&c);
    return rc;
}

/* ---- the catalogue ---------------------------------------------------------------- */

static json_t *fields_json(const omb_field_spec *specs);

/* A field as the catalogue describes it: the words of core/fields.h. */
static json_t *field_json(const omb_field_spec *f)
{
    static const char *const types[] = {
        [OMB_F_STRING] = "string",   [OMB_F_TEXT] = "text",     [OMB_F_INT] = "integer",
        [OMB_F_BOOL] = "boolean",    [OMB_F_TIME] = "time",     [OMB_F_ENUM] = "enum",
        [OMB_F_STRINGS] = "strings", [OMB_F_OBJECT] = "object", [OMB_F_OBJECTS] = "objects",
    };
    json_t *o = json_pack("{s:s,s:s,s:b}", "name", f->name, "type", types[f->type], "required",
                          f->required);
    switch (f->type) {
    case OMB_F_STRING:
    case OMB_F_TEXT:
    case OMB_F_STRINGS:
        /* an empty string is refused whatever the table says */
        json_object_set_new(o, "min_length", json_integer(f->min > 0 ? f->min : 1));
        if (f->max > 0)
            json_object_set_new(o, "max_length", json_integer(f->max));
        break;
    case OMB_F_INT:
        json_object_set_new(o, "min", json_integer(f->min));
        if (f->max < INT64_MAX) /* an id: no bound a client needs */
            json_object_set_new(o, "max", json_integer(f->max));
        break;
    case OMB_F_ENUM: {
        json_t *values = json_array();
        for (const char *const *v = f->values; *v; v++)
            json_array_append_new(values, json_string(*v));
        json_object_set_new(o, "enum", values);
        break;
    }
    case OMB_F_OBJECT:
    case OMB_F_OBJECTS:
        json_object_set_new(o, "fields", fields_json(f->sub));
        break;
    default:
        break;
    }
    if (f->max_items > 0 && (f->type == OMB_F_STRINGS || f->type == OMB_F_OBJECTS))
        json_object_set_new(o, "max_items", json_integer(f->max_items));
    return o;
}

static json_t *fields_json(const omb_field_spec *specs)
{
    json_t *list = json_array();
    for (const omb_field_spec *f = specs; f && f->name; f++)
        json_array_append_new(list, field_json(f));
    return list;
}

/* The names of the states (or roles) whose bits are set in mask (OMB_STBIT, OMB_ROLEBIT). */
static json_t *names_json(uint32_t mask, bool roles)
{
    json_t *list = json_array();
    for (int i = 0; i < (roles ? OMB_ROLE__COUNT : OMB_ST__COUNT); i++)
        if (mask & (1u << i))
            json_array_append_new(list, json_string(roles ? omb_role_name((enum omb_role)i)
                                                          : omb_state_name((enum omb_state)i)));
    return list;
}

/* One action of the catalogue, from its rows of the lifecycle table. */
static json_t *action_json(enum omb_action a)
{
    const omb_action_info *info = omb_action_get(a);
    size_t n;
    const omb_transition *t = omb_transitions(&n);
    uint32_t from = 0, roles = 0;
    int to = OMB_TO_SAME;
    unsigned flags = 0;
    json_t *rules = json_array();
    for (size_t i = 0; i < n; i++) {
        if (t[i].action != a)
            continue;
        from |= t[i].from;
        roles |= t[i].roles;
        to = t[i].to;
        flags |= t[i].flags;
        json_array_append_new(
            rules, json_pack("{s:o,s:o,s:s,s:b}", "from", names_json(t[i].from, false), "roles",
                             names_json(t[i].roles, true), "party", omb_party_rule_name(t[i].party),
                             "not_first_decider", (t[i].flags & OMB_RULE_NOT_FIRST_DECIDER) != 0));
    }
    bool upload = !(flags & OMB_RULE_API);
    char path[96];
    snprintf(path, sizeof path, "/v1/complaints/{no}/%s%s", upload ? "attachments" : "actions/",
             upload ? "" : info->name);
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "name", info->name, "label", info->zh, "event",
        info->event_type, "path", path, "body", upload ? "file" : "json", "from",
        names_json(from, false), "to",
        to == OMB_TO_SAME ? json_null() : json_string(omb_state_name((enum omb_state)to)), "roles",
        names_json(roles, true), "rules", rules, "fields", fields_json(info->fields));
    return o;
}

json_t *omb_q_actions(void)
{
    json_t *list = json_array();
    for (int a = 0; a < OMB_ACT__COUNT; a++)
        if (omb_action_offered((enum omb_action)a))
            json_array_append_new(list, action_json((enum omb_action)a));
    return json_pack("{s:o}", "actions", list);
}
