/*
 * actions.c - the action table of the app: for every action of a
 * complaint, what its write does beyond what every write does.
 *
 * Every action has one row (tests/unit/test_actions.c checks that none is
 * missing, and that each API action also has its field table in
 * core/lifecycle.c and its applier in core/fold.c).  A row names up to
 * three hooks, each optional:
 *
 *   check  on the caller's thread: what the body must satisfy beyond the
 *          action's field table (taxonomy codes, formats; a creation, whose
 *          action has no field table, checks its whole body here), and
 *          defaults from the configuration;
 *   refs   in the transaction, before the fold: what the action refers to
 *          (users, parties, other complaints, clocks, tasks), checked and
 *          resolved into the payload, so the event records what was decided;
 *   after  in the transaction, after the event is stored (commit.c): the
 *          rows that follow from it (settlements, attachment links, blind
 *          indexes).
 *
 * Before refs, the write checks the action's standing on the complaint
 * (state, role, party rule, a transfer waiting, room for a task, the clocks:
 * omb_app_action_check, allowed.c), which the list of actions a reader may
 * take is made of.
 *
 * A creation runs check and after but no refs (run_create resolves its
 * parties and product itself); a read of personal data (reveal.c) runs
 * none.  Hooks of the multi-party actions live in linkage.c, beside the
 * rules they share; this file holds the others and the table.
 */
#include "app.h"
#include "core/grade.h"
#include "core/identity.h"
#include "core/number.h"
#include "core/visibility.h"

#include <stdio.h>
#include <string.h>

int omb_app_load_visible(omb_store *s, const omb_principal *who, const char *no, omb_complaint *c,
                         omb_err *err)
{
    if (!omb_number_parse(no, NULL, NULL))
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no);
    int rc = s->vt->complaint_load(s, no, c, err);
    if (rc)
        return rc;
    if (!omb_complaint_involves(c, who->party_id)) {
        omb_complaint_release(c);
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no);
    }
    return OMB_OK;
}

/* ---- check: on the caller's thread ------------------------------------------- */

static int check_code(omb_app *app, const json_t *body, const char *key, const char *kind,
                      omb_err *err)
{
    const char *code = omb_json_str(body, key, NULL);
    if (code && !omb_taxonomy_find(app->taxonomy, kind, code))
        return omb_fail(err, OMB_EFIELD, "unknown_code", key,
                        "%s \"%s\" is not in the taxonomy (see GET /v1/taxonomy)", key, code);
    return OMB_OK;
}

/* A new complaint: its field table, codes, identity numbers, times and grade. */
static int check_created(omb_app *app, json_t *body, omb_err *err)
{
    int rc = omb_fields_check(body, omb_complaint_create_fields, "", err);
    if (!rc)
        rc = check_code(app, body, "channel", "channel", err);
    if (!rc)
        rc = check_code(app, body, "business", "business", err);
    if (!rc)
        rc = check_code(app, body, "cause", "cause", err);
    if (rc)
        return rc;
    const json_t *who = json_object_get(body, "complainant");
    const char *phone = omb_json_str(who, "phone", NULL);
    if (phone && !omb_phone_valid(phone))
        return omb_fail(err, OMB_EFIELD, "invalid_value", "complainant.phone",
                        "complainant.phone is not a telephone number");
    const char *id = omb_json_str(who, "id_number", NULL);
    if (id && !omb_id_number_valid(id))
        return omb_fail(err, OMB_EFIELD, "invalid_value", "complainant.id_number",
                        "complainant.id_number is not a valid resident identity number");
    if ((rc = omb_app_check_create_times(app, body, err)) != OMB_OK)
        return rc;
    enum omb_grade g;
    return omb_grade_evaluate(&app->grade_policy, body, &g, NULL, err);
}

static int check_merge(omb_app *app, json_t *body, omb_err *err)
{
    if (!omb_number_parse(omb_json_str(body, "into", ""), NULL, NULL))
        return omb_fail(err, OMB_EFIELD, "invalid_value", "into",
                        "into must be a complaint number such as TS20261122000123");
    return OMB_OK;
}

static int check_classify(omb_app *app, json_t *body, omb_err *err)
{
    if (!json_object_get(body, "business") && !json_object_get(body, "cause") &&
        !json_object_get(body, "grade") && !json_object_get(body, "tags"))
        return omb_fail(err, OMB_EFIELD, "missing_field", NULL,
                        "classify needs at least one of business, cause, grade, tags");
    int rc = check_code(app, body, "business", "business", err);
    return rc ? rc : check_code(app, body, "cause", "cause", err);
}

/* A note or file written without a visibility gets the configured default. */
static int check_visibility(omb_app *app, json_t *body, omb_err *err)
{
    const char *given = omb_json_str(body, "visibility", NULL);
    enum omb_visibility vis;
    if (given && omb_visibility_parse(given, &vis) != OMB_OK)
        return omb_fail(err, OMB_EFIELD, "invalid_value", "visibility",
                        "visibility has a value that is not allowed (party or involved)");
    if (!given)
        json_object_set_new(body, "visibility",
                            json_string(omb_visibility_name(
                                (enum omb_visibility)app->cfg.note_visibility_default)));
    return OMB_OK;
}

/* ---- refs: in the transaction, before the fold -------------------------------- */

static int refs_accept(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                       json_t *payload)
{
    omb_err *err = &job->err;
    int64_t lead = omb_json_int(payload, "lead_party", 0);
    if (lead && !omb_complaint_involves(c, lead))
        return omb_fail(err, OMB_EFIELD, "invalid_value", "lead_party",
                        "lead_party must be a party involved in the complaint");
    if (!lead)
        json_object_set_new(payload, "lead_party", json_integer(c->lead_party_id));
    if (!lead || lead == c->lead_party_id)
        return OMB_OK;
    /* The new lead's agent by load and skill; none on duty leaves it unassigned. */
    int64_t agent = 0;
    int rc = omb_app_pick_agent(app, s, lead, omb_json_str(c->doc, "queue", "general"), c->business,
                                c->cause, &agent, err);
    if (agent) /* none on duty: no assignee (the fold clears it) */
        json_object_set_new(payload, "assignee", json_integer(agent));
    return rc;
}

static int refs_merge(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                      json_t *payload)
{
    omb_err *err = &job->err;
    const char *into = omb_json_str(payload, "into", "");
    if (strcmp(into, c->no) == 0)
        return omb_fail(err, OMB_EFIELD, "invalid_value", "into",
                        "a complaint cannot be merged into itself");
    omb_complaint target;
    int rc = omb_app_load_visible(s, &job->who, into, &target, err);
    if (rc == OMB_ENOTFOUND)
        return omb_fail(err, OMB_EFIELD, "unknown_reference", "into",
                        "into names no complaint you can see");
    if (rc)
        return rc;
    bool open = (OMB_STBIT(target.state) & OMB_ST_OPEN) != 0;
    omb_complaint_release(&target);
    if (!open)
        return omb_fail(err, OMB_ECONFLICT, "illegal_transition", "into",
                        "cannot merge into a complaint that is closed or ended");
    return OMB_OK;
}

static int refs_assign(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                       json_t *payload)
{
    return omb_app_check_assignee(s, job->who.party_id, omb_json_int(payload, "assignee", 0),
                                  &job->err);
}

static int refs_mediate(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                        json_t *payload)
{
    omb_party p;
    int rc = s->vt->party_get(s, omb_json_int(payload, "mediator_party", 0), &p, &job->err);
    if (rc == OMB_ENOTFOUND || (!rc && strcmp(p.kind, "mediator") != 0))
        return omb_fail(&job->err, OMB_EFIELD, "invalid_value", "mediator_party",
                        "mediator_party must be a mediation organisation");
    return rc;
}

/* Extend, pause and resume name their clock in the event (in review, the
 * counting decision clock is the review's); omb_app_action_check has checked
 * the action against it. */
static int refs_clock(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                      json_t *payload)
{
    if (!json_object_get(payload, "clock"))
        json_object_set_new(payload, "clock", json_string(omb_app_default_clock(c)));
    return OMB_OK;
}

/* Lowering a grade needs a reason and a supervisor (core/grade.h). */
static int refs_classify(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                         json_t *payload)
{
    enum omb_grade to = c->grade;
    const char *g = omb_json_str(payload, "grade", NULL);
    if (g)
        omb_grade_parse(g, &to);
    return omb_grade_change_check(c->grade, to, job->who.role,
                                  json_object_get(payload, "reason") != NULL, &job->err);
}

/* The parties a decision holds responsible are involved; its compensation
 * is shared between them (the settlement, linkage.c). */
static int refs_decide(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                       json_t *payload)
{
    size_t i;
    const json_t *sh;
    json_array_foreach(json_object_get(payload, "party_responsibility"), i, sh)
    {
        if (!omb_complaint_involves(c, omb_json_int(sh, "party", 0)))
            return omb_fail(&job->err, OMB_EFIELD, "invalid_value", "party_responsibility",
                            "party_responsibility names a party not involved");
    }
    return omb_app_settlement(app, s, c, payload, &job->err);
}

/* ---- after: in the transaction, once the event is stored ----------------------- */

/* A new complaint's blind indexes, which find the complainant's next complaint. */
static int after_created(omb_app *app, omb_store *s, omb_job *job, const omb_change *ch,
                         const omb_event *ev)
{
    const omb_pii_blind_set *b = ch->blind;
    int rc = OMB_OK;
    if (b && b->has_phone)
        rc = s->vt->pii_index_put(s, "phone", b->phone, ch->c.id, &job->err);
    if (!rc && b && b->has_id_number)
        rc = s->vt->pii_index_put(s, "id_number", b->id_number, ch->c.id, &job->err);
    return rc;
}

/* The file's link, seen by the writer's party alone or by every party involved. */
static int after_attached(omb_app *app, omb_store *s, omb_job *job, const omb_change *ch,
                          const omb_event *ev)
{
    omb_attachment a = {0};
    snprintf(a.sha256, sizeof a.sha256, "%s", omb_json_str(ev->payload, "sha256", ""));
    a.size = omb_json_int(ev->payload, "size", 0);
    snprintf(a.content_type, sizeof a.content_type, "%s",
             omb_json_str(ev->payload, "content_type", "application/octet-stream"));
    return s->vt->attachment_link_for(s, ch->c.id, &a, ev->at, omb_event_restricted_to(ev),
                                      &job->err);
}

/* ---- the table -------------------------------------------------------------------- */

/* A row of the table; a row not written is all zero, and its `listed` false. */
#define ROW(a, check, refs, after) [a] = {a, true, check, refs, after}

static const omb_action_hooks hooks[OMB_ACT__COUNT] = {
    ROW(OMB_ACT_RECEIVE, check_created, NULL, after_created),
    ROW(OMB_ACT_IMPORT, check_created, NULL, after_created),
    ROW(OMB_ACT_ACCEPT, NULL, refs_accept, NULL),
    ROW(OMB_ACT_REJECT, NULL, NULL, NULL),
    ROW(OMB_ACT_MERGE, check_merge, refs_merge, NULL),
    ROW(OMB_ACT_WITHDRAW, NULL, NULL, NULL),
    ROW(OMB_ACT_INVESTIGATE, NULL, NULL, NULL),
    ROW(OMB_ACT_DECIDE, NULL, refs_decide, omb_app_save_settlement),
    ROW(OMB_ACT_NOTIFY, NULL, NULL, NULL),
    ROW(OMB_ACT_REVIEW, NULL, NULL, NULL),
    ROW(OMB_ACT_MEDIATE, NULL, refs_mediate, NULL),
    ROW(OMB_ACT_CLOSE, NULL, NULL, NULL),
    ROW(OMB_ACT_REOPEN, NULL, NULL, NULL),
    ROW(OMB_ACT_ASSIGN, NULL, refs_assign, NULL),
    ROW(OMB_ACT_CLASSIFY, check_classify, refs_classify, NULL),
    ROW(OMB_ACT_NOTE, check_visibility, NULL, NULL),
    ROW(OMB_ACT_ATTACH, check_visibility, NULL, after_attached),
    ROW(OMB_ACT_EXTEND, NULL, refs_clock, NULL),
    ROW(OMB_ACT_PAUSE, NULL, refs_clock, NULL),
    ROW(OMB_ACT_RESUME, NULL, refs_clock, NULL),
    ROW(OMB_ACT_CALLBACK, NULL, NULL, NULL),
    ROW(OMB_ACT_CLOCK_WARNING, NULL, NULL, NULL),
    ROW(OMB_ACT_CLOCK_ESCALATION, NULL, NULL, NULL),
    ROW(OMB_ACT_DISPATCH, NULL, NULL, NULL),
    ROW(OMB_ACT_TRANSFER, NULL, omb_refs_transfer, NULL),
    ROW(OMB_ACT_ACK_TRANSFER, NULL, omb_refs_acknowledge_transfer, NULL),
    ROW(OMB_ACT_DECLINE_TRANSFER, NULL, omb_refs_decline_transfer, NULL),
    ROW(OMB_ACT_TRANSFER_ESCALATION, NULL, NULL, NULL),
    ROW(OMB_ACT_REQUEST_TASK, NULL, omb_refs_request_task, NULL),
    ROW(OMB_ACT_ANSWER_TASK, NULL, omb_refs_answer_task, NULL),
    ROW(OMB_ACT_CANCEL_TASK, NULL, NULL, NULL),
    ROW(OMB_ACT_TASK_OVERDUE, NULL, NULL, NULL),
    ROW(OMB_ACT_PII_READ, NULL, NULL, NULL),
};

const omb_action_hooks *omb_action_hooks_get(enum omb_action action)
{
    static const omb_action_hooks none = {OMB_ACT__COUNT, false, NULL, NULL, NULL};
    return (unsigned)action < OMB_ACT__COUNT ? &hooks[action] : &none;
}
