/*
 * fold.c - a complaint as the fold of its events; see complaint.h.
 *
 * Each event type has an applier that copies what the event carries into
 * the complaint.  The state change itself is not written here: it comes
 * from the lifecycle table, the same table that authorised the action.
 */
#include "clock.h"
#include "complaint.h"
#include "fold_int.h"
#include "visibility.h"
#include "grade.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    const char *zh;
} grade_names[] = {
    [OMB_GRADE_GENERAL] = {"general", "一般"},
    [OMB_GRADE_IMPORTANT] = {"important", "重要"},
    [OMB_GRADE_URGENT] = {"urgent", "紧急"},
    [OMB_GRADE_MAJOR] = {"major", "重大"},
};

const char *omb_grade_name(enum omb_grade g)
{
    return (unsigned)g <= OMB_GRADE_MAJOR ? grade_names[g].name : "unknown";
}

const char *omb_grade_zh(enum omb_grade g)
{
    return (unsigned)g <= OMB_GRADE_MAJOR ? grade_names[g].zh : "未知";
}

int omb_grade_parse(const char *name, enum omb_grade *out)
{
    for (unsigned i = 0; i <= OMB_GRADE_MAJOR; i++)
        if (strcmp(grade_names[i].name, name) == 0) {
            *out = (enum omb_grade)i;
            return OMB_OK;
        }
    return OMB_EINVAL;
}

static const char *const grade_values[] = {"general", "important", "urgent", "major", NULL};

static const omb_field_spec complainant_fields[] = {
    {"name", OMB_F_STRING, true, 0, 100, NULL, NULL, 0},
    {"phone", OMB_F_STRING, false, 0, 32, NULL, NULL, 0},
    {"id_number", OMB_F_STRING, false, 0, 32, NULL, NULL, 0},
    {"customer_ref", OMB_F_STRING, false, 0, 64, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

const omb_field_spec omb_complaint_create_fields[] = {
    {"channel", OMB_F_STRING, true, 0, 32, NULL, NULL, 0},
    {"received_at", OMB_F_TIME, false, 0, 0, NULL, NULL, 0},
    {"institution_received_at", OMB_F_TIME, false, 0, 0, NULL, NULL, 0},
    {"complainant", OMB_F_OBJECT, true, 0, 0, NULL, complainant_fields, 0},
    {"target_party", OMB_F_INT, false, 1, INT64_MAX, NULL, NULL, 0},
    {"product", OMB_F_INT, false, 1, INT64_MAX, NULL, NULL, 0},
    {"loan_ref", OMB_F_STRING, false, 0, 64, NULL, NULL, 0},
    {"external_ref", OMB_F_STRING, false, 0, 64, NULL, NULL, 0},
    {"description", OMB_F_TEXT, true, 0, 10000, NULL, NULL, 0},
    {"claims", OMB_F_TEXT, false, 0, 2000, NULL, NULL, 0},
    {"amount_fen", OMB_F_INT, false, 0, 1000000000000LL, NULL, NULL, 0},
    {"complainants", OMB_F_INT, false, 1, 1000000, NULL, NULL, 0},
    {"business", OMB_F_STRING, false, 0, 32, NULL, NULL, 0},
    {"cause", OMB_F_STRING, false, 0, 32, NULL, NULL, 0},
    {"grade", OMB_F_ENUM, false, 0, 0, grade_values, NULL, 0},
    {"signals", OMB_F_STRINGS, false, 0, 32, NULL, NULL, 8},
    {"tags", OMB_F_STRINGS, false, 0, 32, NULL, NULL, 20},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

void omb_complaint_init(omb_complaint *c)
{
    memset(c, 0, sizeof *c);
    c->complainants = 1;
    c->doc = json_object();
}

void omb_complaint_release(omb_complaint *c)
{
    json_decref(c->doc);
    c->doc = NULL;
}

static void copy_code(char *dst, const json_t *obj, const char *key)
{
    const char *s = omb_json_str(obj, key, NULL);
    if (s)
        snprintf(dst, OMB_CODE_MAX, "%s", s);
}

/* Copies the scalar fields of a creation payload or a document. */
static int scalars_from(omb_complaint *c, const json_t *p, bool document, omb_err *err)
{
    const char *no = omb_json_str(p, "no", NULL);
    const char *recv = omb_json_str(p, "received_at", NULL);
    if (!no || strlen(no) >= OMB_NO_MAX || !recv)
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL,
                        "creation event lacks its number or time");
    snprintf(c->no, sizeof c->no, "%s", no);
    if (omb_time_parse(recv, 0, &c->received_at) != OMB_OK)
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL, "bad received_at");
    copy_code(c->channel, p, "channel");
    copy_code(c->business, p, "business");
    copy_code(c->cause, p, "cause");
    const char *grade = omb_json_str(p, "grade", "general");
    if (omb_grade_parse(grade, &c->grade) != OMB_OK)
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL, "bad grade");
    c->target_party_id = omb_json_int(p, "target_party", 0);
    c->product_id = omb_json_int(p, "product", 0);
    /* In a creation payload an absent lead party means "the target"; a document
     * leaves out a lead party it does not have (older documents wrote null). */
    c->lead_party_id = document || json_object_get(p, "lead_party")
                           ? omb_json_int(p, "lead_party", 0)
                           : c->target_party_id;
    c->assignee_id = omb_json_int(p, "assignee", 0);
    c->amount_fen = omb_json_int(p, "amount_fen", 0);
    c->complainants = omb_json_int(p, "complainants", 1);
    return OMB_OK;
}

/* ---- appliers: what each event copies into the complaint ---------------- */

static int apply_created(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    int rc = scalars_from(c, ev->payload, false, err);
    if (rc)
        return rc;
    json_t *doc = json_deep_copy(ev->payload);
    json_object_del(doc, "state");
    /* The sealed personal data stays in the creation event alone. */
    json_object_del(json_object_get(doc, "complainant"), "sealed");
    if (strcmp(ev->type, "imported") == 0) {
        const char *st = omb_json_str(ev->payload, "state", "received");
        if (omb_state_parse(st, &c->state) != OMB_OK)
            return json_decref(doc),
                   omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL, "bad imported state");
    } else {
        c->state = OMB_ST_RECEIVED;
    }
    json_decref(c->doc);
    c->doc = doc;
    return OMB_OK;
}

/* Stores the payload (with time and author) under doc[key]. */
void omb_fold_keep_record(omb_complaint *c, const omb_event *ev, const char *key)
{
    char at[32];
    omb_time_format(ev->at, at, sizeof at);
    json_t *rec = json_deep_copy(ev->payload);
    json_object_set_new(rec, "at", json_string(at));
    json_object_set_new(rec, "by", json_integer(ev->actor_user_id));
    json_object_set_new(c->doc, key, rec);
}

static int apply_accepted(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    int64_t lead = omb_json_int(ev->payload, "lead_party", 0);
    /* Handing the lead to another party hands the complaint to one of its agents,
     * or to none when the payload names none (older events wrote that as null). */
    if (lead && lead != c->lead_party_id)
        c->assignee_id = omb_json_int(ev->payload, "assignee", 0);
    if (lead)
        c->lead_party_id = lead;
    omb_fold_keep_record(c, ev, "acceptance");
    return OMB_OK;
}

#define RECORD_APPLIER(fn, key)                                                                    \
    static int fn(omb_complaint *c, const omb_event *ev, omb_err *err)                             \
    {                                                                                              \
        omb_fold_keep_record(c, ev, key);                                                          \
        return OMB_OK;                                                                             \
    }

RECORD_APPLIER(apply_rejected, "rejection")
RECORD_APPLIER(apply_merged, "merge")
RECORD_APPLIER(apply_withdrawn, "withdrawal")
RECORD_APPLIER(apply_investigation, "investigation")
RECORD_APPLIER(apply_notified, "notice")
RECORD_APPLIER(apply_review, "review")
RECORD_APPLIER(apply_closed, "closure")

static int apply_decided(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    if (!c->first_decider_id)
        c->first_decider_id = ev->actor_user_id;
    omb_fold_keep_record(c, ev, "decision");
    json_object_set_new(c->doc, "decisions",
                        json_integer(omb_json_int(c->doc, "decisions", 0) + 1));
    json_object_set_new(c->doc, "first_decider", json_integer(c->first_decider_id));
    return OMB_OK;
}

void omb_fold_add_party(omb_complaint *c, int64_t party, const char *role)
{
    json_t *parties = json_object_get(c->doc, "parties");
    if (!json_is_array(parties)) {
        parties = json_array();
        json_object_set_new(c->doc, "parties", parties);
    }
    size_t i;
    json_t *p;
    json_array_foreach(parties, i, p) if (omb_json_int(p, "party", 0) == party &&
                                          strcmp(omb_json_str(p, "role", ""), role) == 0) return;
    json_array_append_new(parties,
                          json_pack("{s:I,s:s}", "party", (json_int_t)party, "role", role));
}

static int apply_mediation(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    omb_fold_keep_record(c, ev, "mediation");
    omb_fold_add_party(c, omb_json_int(ev->payload, "mediator_party", 0), "mediator");
    return OMB_OK;
}

static int apply_reopened(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    omb_fold_keep_record(c, ev, "reopening");
    json_object_set_new(c->doc, "reopened", json_integer(omb_json_int(c->doc, "reopened", 0) + 1));
    return OMB_OK;
}

static int apply_assigned(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    c->assignee_id = omb_json_int(ev->payload, "assignee", 0);
    return OMB_OK;
}

static int apply_classified(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    const json_t *p = ev->payload;
    copy_code(c->business, p, "business");
    copy_code(c->cause, p, "cause");
    const char *g = omb_json_str(p, "grade", NULL);
    enum omb_grade was = c->grade;
    if (g && omb_grade_parse(g, &c->grade) != OMB_OK)
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL, "bad grade");
    /* The reasons describe the grade in force: a grade set by hand replaces them. */
    if (c->grade != was)
        json_object_set_new(
            c->doc, "grade_reasons",
            omb_grade_given_reasons(ev->actor_user_id, omb_json_str(p, "reason", NULL)));
    json_t *tags = json_object_get(p, "tags");
    if (json_is_array(tags))
        json_object_set_new(c->doc, "tags", json_deep_copy(tags)); /* never share the event's */
    return OMB_OK;
}

static int apply_note(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    omb_visibility_count_note(c->doc, ev);
    return OMB_OK;
}

static int apply_attachment(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    json_t *list = json_object_get(c->doc, "attachments");
    if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(c->doc, "attachments", list);
    }
    char at[32];
    omb_time_format(ev->at, at, sizeof at);
    json_t *a = json_deep_copy(ev->payload);
    json_object_set_new(a, "at", json_string(at));
    /* A text whose personal data is masked names the event that holds its original. */
    if (json_is_true(json_object_get(a, "masked")))
        json_object_set_new(a, "event", json_integer(c->version + 1));
    omb_visibility_mark_attachment(a, ev);
    json_array_append_new(list, a);
    return OMB_OK;
}

static int apply_extended(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    json_t *list = json_object_get(c->doc, "extensions");
    if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(c->doc, "extensions", list);
    }
    char at[32];
    omb_time_format(ev->at, at, sizeof at);
    json_t *rec = json_deep_copy(ev->payload);
    json_object_set_new(rec, "at", json_string(at));
    json_object_set_new(rec, "by", json_integer(ev->actor_user_id));
    json_array_append_new(list, rec);
    return OMB_OK;
}

RECORD_APPLIER(apply_callback, "callback")

/* Pauses, resumes and the system's alerts live in the timeline and the clocks. */
static int apply_clock_only(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    return OMB_OK;
}

static const applier appliers[OMB_ACT__COUNT] = {
    [OMB_ACT_EXTEND] = apply_extended,
    [OMB_ACT_PAUSE] = apply_clock_only,
    [OMB_ACT_RESUME] = apply_clock_only,
    [OMB_ACT_CALLBACK] = apply_callback,
    [OMB_ACT_CLOCK_WARNING] = apply_clock_only,
    [OMB_ACT_CLOCK_ESCALATION] = apply_clock_only,
    [OMB_ACT_RECEIVE] = apply_created,
    [OMB_ACT_IMPORT] = apply_created,
    [OMB_ACT_ACCEPT] = apply_accepted,
    [OMB_ACT_REJECT] = apply_rejected,
    [OMB_ACT_MERGE] = apply_merged,
    [OMB_ACT_WITHDRAW] = apply_withdrawn,
    [OMB_ACT_INVESTIGATE] = apply_investigation,
    [OMB_ACT_DECIDE] = apply_decided,
    [OMB_ACT_NOTIFY] = apply_notified,
    [OMB_ACT_REVIEW] = apply_review,
    [OMB_ACT_MEDIATE] = apply_mediation,
    [OMB_ACT_CLOSE] = apply_closed,
    [OMB_ACT_REOPEN] = apply_reopened,
    [OMB_ACT_ASSIGN] = apply_assigned,
    [OMB_ACT_CLASSIFY] = apply_classified,
    [OMB_ACT_NOTE] = apply_note,
    [OMB_ACT_ATTACH] = apply_attachment,
    [OMB_ACT_DISPATCH] = omb_fold_dispatched,
    [OMB_ACT_TRANSFER] = omb_fold_transferred,
    [OMB_ACT_ACK_TRANSFER] = omb_fold_transfer_acknowledged,
    [OMB_ACT_DECLINE_TRANSFER] = omb_fold_transfer_declined,
    [OMB_ACT_TRANSFER_ESCALATION] = omb_fold_transfer_escalated,
    [OMB_ACT_REQUEST_TASK] = omb_fold_task_requested,
    [OMB_ACT_ANSWER_TASK] = omb_fold_task_answered,
    [OMB_ACT_CANCEL_TASK] = omb_fold_task_cancelled,
    [OMB_ACT_TASK_OVERDUE] = omb_fold_task_overdue,
    [OMB_ACT_PII_READ] = omb_fold_pii_read,
};

bool omb_fold_applies(enum omb_action action)
{
    return (unsigned)action < OMB_ACT__COUNT && appliers[action] != NULL;
}

/* Where the lifecycle table sends `state` on `action`, ignoring roles. */
static int next_state(enum omb_state state, enum omb_action action, enum omb_state *to)
{
    size_t n;
    const omb_transition *t = omb_transitions(&n);
    for (size_t i = 0; i < n; i++)
        if (t[i].action == action && (t[i].from & OMB_STBIT(state))) {
            *to = t[i].to == OMB_TO_SAME ? state : (enum omb_state)t[i].to;
            return OMB_OK;
        }
    return OMB_ECONFLICT;
}

static int fold(omb_complaint *c, const omb_event *ev, bool keep_on_error, omb_err *err)
{
    enum omb_action action;
    if (omb_action_by_event(ev->type, &action) != OMB_OK || !appliers[action])
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL, "unknown event type %s",
                        ev->type);
    bool creating = action == OMB_ACT_RECEIVE || action == OMB_ACT_IMPORT;
    if (creating != (c->version == 0))
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL,
                        "event %s at position %lld out of place", ev->type,
                        (long long)c->version + 1);
    if (ev->seq && ev->seq != c->version + 1)
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL, "event seq %lld follows %lld",
                        (long long)ev->seq, (long long)c->version);
    enum omb_state to = c->state;
    if (!creating && next_state(c->state, action, &to) != OMB_OK)
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL,
                        "event %s is not allowed in state %s", ev->type, omb_state_name(c->state));
    /* Apply to a copy so that a failing applier leaves c untouched; a
     * creation replaces the (empty) document, so it has nothing to copy. */
    omb_complaint next = *c;
    next.doc = keep_on_error && !creating ? json_deep_copy(c->doc) : json_incref(c->doc);
    /* The sealed originals of masked free text stay in the event alone. */
    omb_event shown = *ev;
    if (json_object_get(ev->payload, OMB_SEALED_TEXT)) {
        shown.payload = json_copy(ev->payload);
        json_object_del(shown.payload, OMB_SEALED_TEXT);
    }
    int rc = appliers[action](&next, &shown, err);
    if (shown.payload != ev->payload)
        json_decref(shown.payload);
    if (rc) {
        json_decref(next.doc);
        return rc;
    }
    if (!creating)
        next.state = to;
    if (omb_clock_event_relevant(ev->type)) {
        json_t *list = json_object_get(next.doc, "clock_events");
        if (!json_is_array(list)) {
            list = json_array();
            json_object_set_new(next.doc, "clock_events", list);
        }
        omb_event numbered = *ev;
        numbered.seq = c->version + 1;
        omb_clock_events_append(list, &numbered);
    }
    next.version = c->version + 1;
    next.updated_at = ev->at;
    if (ev->complaint_id)
        next.id = ev->complaint_id;
    json_decref(c->doc);
    *c = next;
    if (keep_on_error)
        omb_complaint_sync_doc(c);
    return OMB_OK;
}

int omb_fold_apply(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    return fold(c, ev, true, err);
}

int omb_fold_apply_in_place(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    return fold(c, ev, false, err);
}

/* An optional member that has no value is left out of the document, never null
 * (docs/api.md, Conventions). */
static void set_id(json_t *doc, const char *key, int64_t v)
{
    if (v)
        json_object_set_new(doc, key, json_integer(v));
    else
        json_object_del(doc, key);
}

static void set_code(json_t *doc, const char *key, const char *v)
{
    if (*v)
        json_object_set_new(doc, key, json_string(v));
    else
        json_object_del(doc, key);
}

void omb_complaint_sync_doc(omb_complaint *c)
{
    char t[32];
    json_t *d = c->doc;
    json_object_set_new(d, "no", json_string(c->no));
    json_object_set_new(d, "state", json_string(omb_state_name(c->state)));
    json_object_set_new(d, "state_zh", json_string(omb_state_zh(c->state)));
    json_object_set_new(d, "grade", json_string(omb_grade_name(c->grade)));
    json_object_set_new(d, "grade_zh", json_string(omb_grade_zh(c->grade)));
    set_code(d, "channel", c->channel);
    set_code(d, "business", c->business);
    set_code(d, "cause", c->cause);
    omb_time_format(c->received_at, t, sizeof t);
    json_object_set_new(d, "received_at", json_string(t));
    omb_time_format(c->updated_at, t, sizeof t);
    json_object_set_new(d, "updated_at", json_string(t));
    set_id(d, "target_party", c->target_party_id);
    set_id(d, "product", c->product_id);
    set_id(d, "lead_party", c->lead_party_id);
    set_id(d, "assignee", c->assignee_id);
    json_object_set_new(d, "amount_fen", json_integer(c->amount_fen));
    json_object_set_new(d, "complainants", json_integer(c->complainants));
    json_object_set_new(d, "version", json_integer(c->version));
    if (!json_object_get(d, "tags"))
        json_object_set_new(d, "tags", json_array());
}

int omb_complaint_from_doc(omb_complaint *c, json_t *doc, omb_err *err)
{
    omb_complaint_init(c);
    json_decref(c->doc);
    c->doc = doc;
    int rc = scalars_from(c, doc, true, err);
    if (rc)
        return rc;
    if (omb_state_parse(omb_json_str(doc, "state", ""), &c->state) != OMB_OK)
        return omb_fail(err, OMB_ECONFLICT, "fold_conflict", NULL, "bad state in document");
    const char *upd = omb_json_str(doc, "updated_at", NULL);
    if (upd)
        omb_time_parse(upd, 0, &c->updated_at);
    c->first_decider_id = omb_json_int(doc, "first_decider", 0);
    c->version = omb_json_int(doc, "version", 0);
    return OMB_OK;
}
