/*
 * complaints.c - the write use cases of a complaint: create, import, the
 * lifecycle actions and attachments.
 *
 * Each use case has two halves.  The omb_uc_* function runs on the
 * caller's thread: it checks the input against the field tables, the
 * taxonomy and the identity rules, and prepares a job.  The run_* function
 * runs on the writer inside the batch transaction: it loads what it needs,
 * asks the lifecycle table whether the action is allowed *now*, builds the
 * event, folds it into the complaint and stores both.
 */
#include "app.h"
#include "core/grade.h"
#include "core/identity.h"
#include "core/number.h"
#include "core/visibility.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a complaint job carries: the validated body and what it acts on. */
typedef struct complaint_input {
    json_t *body;
    char no[OMB_NO_MAX];
    enum omb_action action;
    char state[24];          /* imports: the historical state */
    json_t *source;          /* imports: the `source` object, or NULL */
    omb_pii_blind_set blind; /* creation: blind indexes of the complainant */
    json_t *clear;           /* creation: the free text before masking, in memory only */
} complaint_input;

static void input_free(void *p)
{
    complaint_input *in = p;
    json_decref(in->body);
    json_decref(in->source);
    json_decref(in->clear);
    free(in);
}

static int check_code(omb_app *app, const json_t *body, const char *key, const char *kind,
                      omb_err *err)
{
    const char *code = omb_json_str(body, key, NULL);
    if (code && !omb_taxonomy_find(app->taxonomy, kind, code))
        return omb_fail(err, OMB_EFIELD, "unknown_code", key,
                        "%s \"%s\" is not in the taxonomy (see GET /v1/taxonomy)", key, code);
    return OMB_OK;
}

/* Checks a creation body beyond its field table. */
static int check_create_body(omb_app *app, json_t *body, omb_err *err)
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

/* ---- create -------------------------------------------------------------- */

static void add_party(json_t *parties, int64_t id, const char *role)
{
    size_t i;
    json_t *p;
    json_array_foreach(parties, i, p) if (omb_json_int(p, "party", 0) == id) return;
    json_array_append_new(parties, json_pack("{s:I,s:s}", "party", (json_int_t)id, "role", role));
}

static bool has_party(const json_t *parties, int64_t id)
{
    size_t i;
    json_t *p;
    json_array_foreach(parties, i, p) if (omb_json_int(p, "party", 0) == id) return true;
    return false;
}

#define REPEATS_MAX 5

static int add_repeat(void *ctx, int64_t id, const char *no)
{
    json_t *list = ctx;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) if (strcmp(json_string_value(v), no) == 0) return OMB_OK;
    if (json_array_size(list) < REPEATS_MAX)
        json_array_append_new(list, json_string(no));
    return OMB_OK;
}

/* The numbers of earlier complaints involving `party` by the same phone or identity number. */
static int find_repeats(omb_store *s, int64_t party, const omb_pii_blind_set *b, json_t *out,
                        omb_err *err)
{
    int rc = OMB_OK;
    if (b->has_id_number)
        rc = s->vt->pii_index_find(s, "id_number", b->id_number, party, REPEATS_MAX, add_repeat,
                                   out, err);
    if (!rc && b->has_phone)
        rc = s->vt->pii_index_find(s, "phone", b->phone, party, REPEATS_MAX, add_repeat, out, err);
    return rc;
}

static int run_create(omb_app *app, omb_store *s, omb_job *job)
{
    complaint_input *in = job->input;
    omb_err *err = &job->err;
    json_t *body = in->body;
    omb_ms now = omb_app_now(app);
    int rc;

    /* Target party: given, or the creator's own. */
    int64_t target = omb_json_int(body, "target_party", job->who.party_id);
    omb_party tp;
    if ((rc = s->vt->party_get(s, target, &tp, err)) != OMB_OK)
        return rc == OMB_ENOTFOUND ? omb_fail(err, OMB_EFIELD, "unknown_reference", "target_party",
                                              "target_party does not exist")
                                   : rc;
    json_t *parties = json_array();
    add_party(parties, target, "target");
    int64_t product = omb_json_int(body, "product", 0);
    if (product) {
        omb_product pr;
        if ((rc = s->vt->product_get(s, product, &pr, err)) != OMB_OK) {
            json_decref(parties);
            return rc == OMB_ENOTFOUND ? omb_fail(err, OMB_EFIELD, "unknown_reference", "product",
                                                  "product does not exist")
                                       : rc;
        }
        omb_cooperation co;
        rc = s->vt->cooperation_by_product(s, product, &co, err);
        if (rc && rc != OMB_ENOTFOUND) {
            json_decref(parties);
            return rc;
        }
        for (int i = 0; !rc && i < co.n_members; i++)
            add_party(parties, co.members[i].party_id, co.members[i].role);
        /* A product's complaint is about one of the parties that run it. */
        if (!rc && json_array_size(parties) != (size_t)co.n_members) {
            json_decref(parties);
            return omb_fail(err, OMB_EFIELD, "invalid_value", "target_party",
                            "target_party is not a party of this product's cooperation");
        }
    }
    /* The creator's party must be involved; a regulator transfers a complaint in. */
    if (!has_party(parties, job->who.party_id)) {
        if (job->who.role != OMB_ROLE_REGULATOR) {
            json_decref(parties);
            return omb_fail(err, OMB_EFORBIDDEN, "party_not_involved", "target_party",
                            "your party is not involved with this target party or product");
        }
        add_party(parties, job->who.party_id, "regulator");
    }

    /* Number and times. */
    omb_ms received = now;
    const char *recv = omb_json_str(body, "received_at", NULL);
    if (recv)
        omb_time_parse(recv, app->cfg.utc_offset_minutes, &received);
    int64_t seq;
    int32_t day = omb_time_local_yyyymmdd(received, app->cfg.utc_offset_minutes);
    if ((rc = s->vt->complaint_next_seq(s, day, &seq, err)) != OMB_OK) {
        json_decref(parties);
        return rc;
    }
    char no[OMB_NO_MAX], when[32];
    if (omb_number_format(day, seq, no, sizeof no) != OMB_OK) {
        json_decref(parties);
        return omb_fail(err, OMB_EIO, "internal", NULL, "complaint numbers exhausted for %d",
                        (int)day);
    }
    omb_time_format(received, when, sizeof when);

    /* A complainant seen before by the same institution (by blind index) makes
     * a repeat complaint.  Only the count is kept: the earlier complaints'
     * numbers may belong to parties this one does not involve. */
    json_t *repeat_of = json_array();
    if ((rc = find_repeats(s, target, &in->blind, repeat_of, err)) != OMB_OK) {
        json_decref(repeat_of);
        json_decref(parties);
        return rc;
    }
    size_t repeats = json_array_size(repeat_of);
    json_decref(repeat_of);
    /* Grades and routes read the text as written, personal data included. */
    json_t *graded = body;
    if (repeats || in->clear) {
        graded = json_deep_copy(body);
        json_object_update(graded, in->clear);
    }
    if (repeats) {
        json_t *signals = json_object_get(graded, "signals");
        if (!json_is_array(signals)) {
            signals = json_array();
            json_object_set_new(graded, "signals", signals);
        }
        json_array_append_new(signals, json_string("repeat"));
    }
    enum omb_grade g;
    json_t *reasons = json_array();
    omb_grade_evaluate(&app->grade_policy, graded, &g, reasons, NULL);
    if (graded != body)
        json_decref(graded);

    /* The event payload: the body as given plus what the platform decided.
     * A copy: the body was allocated by the request's thread, which frees
     * it, and frees across threads contend for the allocator's locks. */
    json_t *payload = json_deep_copy(body);
    json_object_set_new(payload, "no", json_string(no));
    json_object_set_new(payload, "received_at", json_string(when));
    json_object_set_new(payload, "target_party", json_integer(target));
    json_object_set_new(payload, "lead_party", json_integer(target));
    json_object_set_new(payload, "parties", parties);
    if (!json_object_get(payload, "complainants"))
        json_object_set_new(payload, "complainants", json_integer(1));
    if (repeats)
        json_object_set_new(payload, "repeats", json_integer((json_int_t)repeats));
    json_object_set_new(payload, "grade", json_string(omb_grade_name(g)));
    json_object_set_new(payload, "grade_reasons", reasons);
    if (in->action == OMB_ACT_IMPORT)
        json_object_set_new(payload, "state", json_string(in->state));
    if (in->source)
        json_object_set_new(payload, "source", json_deep_copy(in->source));

    /* The creation event, then (for a new complaint) the dispatch decision. */
    omb_event ev[2];
    size_t n_ev = 1;
    omb_event_init(&ev[0], omb_action_get(in->action)->event_type, now, job->who.user_id,
                   job->who.party_id, payload);
    ev[0].seq = 1;
    omb_complaint c;
    omb_complaint_init(&c);
    rc = omb_fold_apply_in_place(&c, &ev[0], err);
    if (!rc && in->action == OMB_ACT_RECEIVE) {
        json_t *route = NULL;
        rc = omb_app_dispatch(app, s, &c, in->clear, &route, err);
        if (!rc) {
            omb_event_init(&ev[1], omb_action_get(OMB_ACT_DISPATCH)->event_type, now, 0, 0, route);
            ev[1].seq = 2;
            n_ev = 2;
            rc = omb_fold_apply_in_place(&c, &ev[1], err);
        }
    }
    char *text = NULL;
    if (!rc)
        rc = omb_app_save_complaint(app, s, &c, &text, err);
    for (size_t i = 0; !rc && i < n_ev; i++) {
        ev[i].complaint_id = c.id;
        rc = omb_app_append_event(app, s, job, &c, &ev[i], err);
    }
    if (!rc && in->blind.has_phone)
        rc = s->vt->pii_index_put(s, "phone", in->blind.phone, c.id, err);
    if (!rc && in->blind.has_id_number)
        rc = s->vt->pii_index_put(s, "id_number", in->blind.id_number, c.id, err);
    if (!rc) {
        job->result_text = text;
        job->status = 201;
    } else {
        free(text);
    }
    for (size_t i = 0; i < n_ev; i++)
        omb_event_release(&ev[i]);
    omb_complaint_release(&c);
    return rc;
}

static int prepare(omb_job *job, omb_job_fn run, json_t *body, enum omb_action action,
                   const char *no)
{
    complaint_input *in = omb_xcalloc(1, sizeof *in);
    in->body = json_incref(body);
    in->action = action;
    if (no)
        snprintf(in->no, sizeof in->no, "%s", no);
    job->run = run;
    job->input = in;
    job->input_free = input_free;
    return OMB_OK;
}

int omb_uc_create_complaint(omb_app *app, omb_job *job, json_t *body, omb_err *err)
{
    int rc = omb_lifecycle_check_create(OMB_ACT_RECEIVE, job->who.role, err);
    if (!rc)
        rc = check_create_body(app, body, err);
    if (rc)
        return rc;
    omb_fields_normalize(body, omb_complaint_create_fields, app->cfg.utc_offset_minutes);
    prepare(job, run_create, body, OMB_ACT_RECEIVE, NULL);
    complaint_input *in = job->input;
    rc = omb_pii_text_seal(app, in->body, omb_complaint_create_fields, &in->clear, err);
    return rc ? rc : omb_pii_seal(app, json_object_get(in->body, "complainant"), &in->blind, err);
}

int omb_uc_import_complaint(omb_app *app, omb_job *job, json_t *body, const char *state,
                            const json_t *source, omb_err *err)
{
    enum omb_state st;
    int rc = omb_lifecycle_check_create(OMB_ACT_IMPORT, job->who.role, err);
    if (!rc && omb_state_parse(state, &st) != OMB_OK)
        rc = omb_fail(err, OMB_EFIELD, "invalid_value", "state", "unknown state %s", state);
    if (!rc)
        rc = check_create_body(app, body, err);
    if (rc)
        return rc;
    omb_fields_normalize(body, omb_complaint_create_fields, app->cfg.utc_offset_minutes);
    prepare(job, run_create, body, OMB_ACT_IMPORT, NULL);
    complaint_input *in = job->input;
    snprintf(in->state, sizeof in->state, "%s", state);
    if (json_is_object(source))
        in->source = json_deep_copy(source);
    rc = omb_pii_text_seal(app, in->body, omb_complaint_create_fields, &in->clear, err);
    return rc ? rc : omb_pii_seal(app, json_object_get(in->body, "complainant"), &in->blind, err);
}

/* ---- actions -------------------------------------------------------------- */

/* Loads a complaint the principal's party is involved in. */
static int load_visible(omb_store *s, const omb_principal *who, const char *no, omb_complaint *c,
                        omb_err *err)
{
    int rc = s->vt->complaint_load(s, no, c, err);
    if (rc)
        return rc;
    if (!has_party(json_object_get(c->doc, "parties"), who->party_id)) {
        omb_complaint_release(c);
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no);
    }
    return OMB_OK;
}

/* Checks of an action that need the database; may add derived fields to payload. */
static int action_refs(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                       enum omb_action action, json_t *payload)
{
    omb_err *err = &job->err;
    int rc = OMB_OK;
    switch (action) {
    case OMB_ACT_ACCEPT: {
        int64_t lead = omb_json_int(payload, "lead_party", 0);
        if (lead && !has_party(json_object_get(c->doc, "parties"), lead))
            return omb_fail(err, OMB_EFIELD, "invalid_value", "lead_party",
                            "lead_party must be a party involved in the complaint");
        if (!lead)
            json_object_set_new(payload, "lead_party", json_integer(c->lead_party_id));
        if (lead && lead != c->lead_party_id) {
            /* The new lead's agent by load and skill; none on duty leaves it unassigned. */
            int64_t agent = 0;
            rc = omb_app_pick_agent(app, s, lead, omb_json_str(c->doc, "queue", "general"),
                                    c->business, c->cause, &agent, err);
            if (agent) /* none on duty: no assignee (the fold clears it) */
                json_object_set_new(payload, "assignee", json_integer(agent));
        }
        return rc;
    }
    case OMB_ACT_MERGE: {
        const char *into = omb_json_str(payload, "into", "");
        if (strcmp(into, c->no) == 0)
            return omb_fail(err, OMB_EFIELD, "invalid_value", "into",
                            "a complaint cannot be merged into itself");
        omb_complaint target;
        rc = load_visible(s, &job->who, into, &target, err);
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
    case OMB_ACT_ASSIGN: {
        omb_user u;
        rc = s->vt->user_get(s, omb_json_int(payload, "assignee", 0), &u, err);
        if (rc == OMB_ENOTFOUND ||
            (!rc && (u.party_id != job->who.party_id || !u.active ||
                     (u.role != OMB_ROLE_AGENT && u.role != OMB_ROLE_SUPERVISOR))))
            return omb_fail(err, OMB_EFIELD, "invalid_value", "assignee",
                            "assignee must be an active agent or supervisor of your party");
        return rc;
    }
    case OMB_ACT_MEDIATE: {
        omb_party p;
        rc = s->vt->party_get(s, omb_json_int(payload, "mediator_party", 0), &p, err);
        if (rc == OMB_ENOTFOUND || (!rc && strcmp(p.kind, "mediator") != 0))
            return omb_fail(err, OMB_EFIELD, "invalid_value", "mediator_party",
                            "mediator_party must be a mediation organisation");
        return rc;
    }
    case OMB_ACT_EXTEND:
    case OMB_ACT_PAUSE:
    case OMB_ACT_RESUME: {
        /* Clock actions name their clock explicitly in the event. */
        if (!json_object_get(payload, "clock"))
            /* In review the counting decision clock is the review's. */
            json_object_set_new(
                payload, "clock",
                json_string(c->state == OMB_ST_REVIEW ? "review_decision" : "decision"));
        enum omb_clock_kind kind = OMB_CLOCK_DECISION;
        omb_clock_kind_parse(omb_json_str(payload, "clock", "decision"), &kind);
        omb_ms now = omb_app_now(app);
        omb_clocks cl;
        if ((rc = omb_app_clocks(app, c, now, &cl, err)) != OMB_OK)
            return rc;
        if (action == OMB_ACT_EXTEND)
            return omb_clock_extension_check(
                &cl, &app->clock_rules, (int)omb_json_int(payload, "days", 0), job->who.role,
                json_object_get(payload, "consumer_notice") != NULL, now, err);
        if (action == OMB_ACT_PAUSE)
            return omb_clock_pause_check(&cl, kind, err);
        return omb_clock_resume_check(&cl, kind, omb_json_int(payload, "pause", 0), err);
    }
    case OMB_ACT_CLASSIFY: {
        enum omb_grade to = c->grade;
        const char *g = omb_json_str(payload, "grade", NULL);
        if (g)
            omb_grade_parse(g, &to);
        return omb_grade_change_check(c->grade, to, job->who.role,
                                      json_object_get(payload, "reason") != NULL, err);
    }
    case OMB_ACT_DECIDE: {
        const json_t *shares = json_object_get(payload, "party_responsibility");
        size_t i;
        const json_t *sh;
        json_array_foreach(shares, i, sh)
        {
            if (!has_party(json_object_get(c->doc, "parties"), omb_json_int(sh, "party", 0)))
                return omb_fail(err, OMB_EFIELD, "invalid_value", "party_responsibility",
                                "party_responsibility names a party not involved");
        }
        return OMB_OK;
    }
    default:
        return OMB_OK;
    }
}

/* The complaint as the writer's party sees it (core/visibility.h). */
static int view_for_writer(omb_job *job, char **text)
{
    char *own;
    size_t len;
    if (omb_doc_text_for_party(*text, strlen(*text), job->who.party_id, &own, &len) != OMB_OK)
        return omb_fail(&job->err, OMB_EIO, "storage_error", NULL, "a document is damaged");
    if (own) {
        free(*text);
        *text = own;
    }
    return OMB_OK;
}

/* The visibility of a note or file written without one: the configured default. */
static void default_visibility(omb_app *app, json_t *body)
{
    if (!json_object_get(body, "visibility"))
        json_object_set_new(body, "visibility",
                            json_string(omb_visibility_name(
                                (enum omb_visibility)app->cfg.note_visibility_default)));
}

static int run_action(omb_app *app, omb_store *s, omb_job *job)
{
    complaint_input *in = job->input;
    omb_err *err = &job->err;
    omb_complaint c;
    int rc = load_visible(s, &job->who, in->no, &c, err);
    if (rc)
        return rc;
    enum omb_state to;
    json_t *payload = json_deep_copy(in->body); /* see run_create */
    rc = omb_lifecycle_check(c.state, in->action, job->who.role, job->who.user_id,
                             c.first_decider_id, &to, err);
    if (!rc)
        rc = omb_app_party_check(&c, &job->who, in->action, payload, err);
    if (!rc)
        rc = omb_app_check_action_times(app, &c, in->action, payload, err);
    if (!rc)
        rc = action_refs(app, s, job, &c, in->action, payload);
    if (!rc)
        rc = omb_app_linkage_refs(app, s, job, &c, in->action, payload);
    if (!rc && in->action == OMB_ACT_DECIDE)
        rc = omb_app_settlement(app, s, &c, payload, err);
    if (rc) {
        json_decref(payload);
        omb_complaint_release(&c);
        return rc;
    }
    omb_event ev;
    omb_event_init(&ev, omb_action_get(in->action)->event_type, omb_app_now(app), job->who.user_id,
                   job->who.party_id, payload);
    ev.complaint_id = c.id;
    ev.seq = c.version + 1;
    rc = omb_fold_apply_in_place(&c, &ev, err);
    char *text = NULL;
    if (!rc)
        rc = omb_app_save_complaint(app, s, &c, &text, err);
    if (!rc)
        rc = omb_app_append_event(app, s, job, &c, &ev, err);
    if (!rc && in->action == OMB_ACT_DECIDE)
        rc = omb_app_save_settlement(app, s, &c, &ev, err);
    if (!rc && in->action == OMB_ACT_ATTACH) {
        omb_attachment a = {0};
        snprintf(a.sha256, sizeof a.sha256, "%s", omb_json_str(payload, "sha256", ""));
        a.size = omb_json_int(payload, "size", 0);
        snprintf(a.content_type, sizeof a.content_type, "%s",
                 omb_json_str(payload, "content_type", "application/octet-stream"));
        rc = s->vt->attachment_link_for(s, c.id, &a, ev.at, omb_event_restricted_to(&ev), err);
    }
    if (!rc)
        rc = view_for_writer(job, &text);
    if (!rc)
        job->result_text = text;
    else
        free(text);
    omb_event_release(&ev);
    omb_complaint_release(&c);
    return rc;
}

int omb_uc_complaint_action(omb_app *app, omb_job *job, const char *no, enum omb_action action,
                            json_t *body, omb_err *err)
{
    const omb_action_info *info = omb_action_get(action);
    if (!info || !info->fields)
        return omb_fail(err, OMB_ENOTFOUND, "unknown_action", NULL, "no such action");
    if (!omb_number_parse(no, NULL, NULL))
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no);
    int rc = omb_fields_check(body, info->fields, "", err);
    if (rc)
        return rc;
    if (action == OMB_ACT_CLASSIFY) {
        if (!json_object_get(body, "business") && !json_object_get(body, "cause") &&
            !json_object_get(body, "grade") && !json_object_get(body, "tags"))
            return omb_fail(err, OMB_EFIELD, "missing_field", NULL,
                            "classify needs at least one of business, cause, grade, tags");
        if ((rc = check_code(app, body, "business", "business", err)) ||
            (rc = check_code(app, body, "cause", "cause", err)))
            return rc;
    }
    if (action == OMB_ACT_MERGE && !omb_number_parse(omb_json_str(body, "into", ""), NULL, NULL))
        return omb_fail(err, OMB_EFIELD, "invalid_value", "into",
                        "into must be a complaint number such as TS20261122000123");
    omb_fields_normalize(body, info->fields, app->cfg.utc_offset_minutes);
    if (action == OMB_ACT_NOTE)
        default_visibility(app, body);
    prepare(job, run_action, body, action, no);
    return omb_pii_text_seal(app, ((complaint_input *)job->input)->body, info->fields, NULL, err);
}

int omb_uc_attach_allowed(omb_app *app, omb_store *r, const omb_principal *who, const char *no,
                          omb_err *err)
{
    if (!omb_number_parse(no, NULL, NULL))
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no);
    omb_complaint c;
    int rc = load_visible(r, who, no, &c, err);
    if (rc)
        return rc;
    enum omb_state to;
    rc = omb_lifecycle_check(c.state, OMB_ACT_ATTACH, who->role, who->user_id, c.first_decider_id,
                             &to, err);
    omb_complaint_release(&c);
    return rc;
}

int omb_uc_attach(omb_app *app, omb_job *job, const char *no, const char *sha256, int64_t size,
                  const char *name, const char *content_type, const char *visibility, omb_err *err)
{
    if (!omb_number_parse(no, NULL, NULL))
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no);
    enum omb_visibility vis;
    if (visibility && omb_visibility_parse(visibility, &vis) != OMB_OK)
        return omb_fail(err, OMB_EFIELD, "invalid_value", "visibility",
                        "visibility has a value that is not allowed (party or involved)");
    json_t *body = json_pack("{s:s,s:I,s:s,s:s}", "sha256", sha256, "size", (json_int_t)size,
                             "name", name, "content_type", content_type);
    if (visibility)
        json_object_set_new(body, "visibility", json_string(visibility));
    default_visibility(app, body);
    prepare(job, run_action, body, OMB_ACT_ATTACH, no);
    json_decref(body);
    job->status = 201;
    return OMB_OK;
}

int omb_uc_attach_text(omb_app *app, omb_job *job, const char *no, const char *text, size_t len,
                       const char *name, const char *visibility, char sha256[65], omb_err *err)
{
    omb_buf masked = OMB_BUF_INIT(2 * len + 64);
    char *sealed = NULL;
    int rc = omb_pii_text_seal_file(app, text, len, &masked, &sealed, err);
    if (!rc)
        rc = omb_blob_put(app, omb_buf_str(&masked), masked.len, sha256, err);
    if (!rc)
        rc = omb_uc_attach(app, job, no, sha256, (int64_t)masked.len, name,
                           "text/plain; charset=utf-8", visibility, err);
    if (!rc && sealed) {
        json_t *body = ((complaint_input *)job->input)->body;
        json_object_set_new(body, "masked", json_true());
        json_object_set_new(body, OMB_SEALED_TEXT, json_string(sealed));
    }
    free(sealed);
    omb_buf_release(&masked);
    return rc;
}
