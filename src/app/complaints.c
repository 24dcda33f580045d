/*
 * complaints.c - the write use cases of a complaint: create, import, the
 * lifecycle actions and attachments.
 *
 * Each use case has two halves.  The omb_uc_* function runs on the
 * caller's thread: it checks the input against the action's field table
 * and its check hook (actions.c), and prepares a job.  The run_* function
 * runs on the writer inside the batch transaction.  run_action loads the
 * complaint, asks the lifecycle table whether the action is allowed *now*
 * and runs the action's refs hook; run_create resolves the new complaint's
 * parties, number and grade, and routes it.  Either adds its events to a
 * change and commits the change (commit.c), which stores everything that
 * follows from it.
 */
#include "app.h"
#include "core/grade.h"
#include "core/number.h"

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

/* ---- create -------------------------------------------------------------- */

static bool listed(const json_t *parties, int64_t id)
{
    size_t i;
    json_t *p;
    json_array_foreach(parties, i, p) if (omb_json_int(p, "party", 0) == id) return true;
    return false;
}

static void add_party(json_t *parties, int64_t id, const char *role)
{
    if (!listed(parties, id))
        json_array_append_new(parties,
                              json_pack("{s:I,s:s}", "party", (json_int_t)id, "role", role));
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
    if (!listed(parties, job->who.party_id)) {
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
    omb_change ch;
    omb_change_init(&ch);
    omb_complaint_init(&ch.c);
    ch.blind = &in->blind;
    rc = omb_change_add(&ch, in->action, now, job->who.user_id, job->who.party_id, payload, err);
    if (!rc && in->action == OMB_ACT_RECEIVE) {
        json_t *route = NULL;
        rc = omb_app_dispatch(app, s, &ch.c, in->clear, &route, err);
        if (!rc)
            rc = omb_change_add(&ch, OMB_ACT_DISPATCH, now, 0, 0, route, err);
    }
    char *text = NULL;
    if (!rc)
        rc = omb_change_commit(app, s, job, &ch, job->who.party_id, &text);
    if (!rc) {
        job->result_text = text;
        job->status = 201;
    }
    omb_change_release(&ch);
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

/* The creation use cases' common half: checks, then a job whose personal
 * data is sealed (the complainant's fields and the free text). */
static int prepare_create(omb_app *app, omb_job *job, json_t *body, enum omb_action action,
                          omb_err *err)
{
    const omb_action_hooks *hooks = omb_action_hooks_get(action);
    int rc = omb_lifecycle_check_create(action, job->who.role, err);
    if (!rc && hooks->check)
        rc = hooks->check(app, body, err);
    if (rc)
        return rc;
    omb_fields_normalize(body, omb_complaint_create_fields, app->cfg.utc_offset_minutes);
    prepare(job, run_create, body, action, NULL);
    complaint_input *in = job->input;
    rc = omb_pii_text_seal(app, in->body, omb_complaint_create_fields, &in->clear, err);
    return rc ? rc : omb_pii_seal(app, json_object_get(in->body, "complainant"), &in->blind, err);
}

int omb_uc_create_complaint(omb_app *app, omb_job *job, json_t *body, omb_err *err)
{
    return prepare_create(app, job, body, OMB_ACT_RECEIVE, err);
}

int omb_uc_import_complaint(omb_app *app, omb_job *job, json_t *body, const char *state,
                            const json_t *source, omb_err *err)
{
    enum omb_state st;
    if (omb_state_parse(state, &st) != OMB_OK) {
        int rc = omb_lifecycle_check_create(OMB_ACT_IMPORT, job->who.role, err);
        return rc ? rc
                  : omb_fail(err, OMB_EFIELD, "invalid_value", "state", "unknown state %s", state);
    }
    int rc = prepare_create(app, job, body, OMB_ACT_IMPORT, err);
    if (!job->input)
        return rc;
    complaint_input *in = job->input;
    snprintf(in->state, sizeof in->state, "%s", state);
    if (json_is_object(source))
        in->source = json_deep_copy(source);
    return rc;
}

/* ---- actions -------------------------------------------------------------- */

static int run_action(omb_app *app, omb_store *s, omb_job *job)
{
    complaint_input *in = job->input;
    omb_err *err = &job->err;
    omb_change ch;
    omb_change_init(&ch);
    omb_complaint *c = &ch.c;
    int rc = omb_app_load_visible(s, &job->who, in->no, c, err);
    if (rc)
        return rc;
    enum omb_state to;
    json_t *payload = json_deep_copy(in->body); /* see run_create */
    const omb_action_hooks *hooks = omb_action_hooks_get(in->action);
    rc = omb_app_action_check(app, c, NULL, &job->who, in->action, payload, &to, err);
    if (!rc)
        rc = omb_app_check_action_times(app, c, in->action, payload, err);
    if (!rc && hooks->refs)
        rc = hooks->refs(app, s, job, c, payload);
    if (!rc)
        rc = omb_change_add(&ch, in->action, omb_app_now(app), job->who.user_id, job->who.party_id,
                            payload, err);
    else
        json_decref(payload);
    char *text = NULL;
    if (!rc)
        rc = omb_change_commit(app, s, job, &ch, job->who.party_id, &text);
    if (!rc)
        job->result_text = text;
    omb_change_release(&ch);
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
    const omb_action_hooks *hooks = omb_action_hooks_get(action);
    int rc = omb_fields_check(body, info->fields, "", err);
    if (!rc && hooks->check)
        rc = hooks->check(app, body, err);
    if (rc)
        return rc;
    omb_fields_normalize(body, info->fields, app->cfg.utc_offset_minutes);
    prepare(job, run_action, body, action, no);
    return omb_pii_text_seal(app, ((complaint_input *)job->input)->body, info->fields, NULL, err);
}

int omb_uc_attach_allowed(omb_app *app, omb_store *r, const omb_principal *who, const char *no,
                          omb_err *err)
{
    omb_complaint c;
    int rc = omb_app_load_visible(r, who, no, &c, err);
    if (rc)
        return rc;
    rc = omb_app_action_check(app, &c, NULL, who, OMB_ACT_ATTACH, NULL, NULL, err);
    omb_complaint_release(&c);
    return rc;
}

int omb_uc_attach(omb_app *app, omb_job *job, const char *no, const char *sha256, int64_t size,
                  const char *name, const char *content_type, const char *visibility, omb_err *err)
{
    if (!omb_number_parse(no, NULL, NULL))
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no);
    json_t *body = json_pack("{s:s,s:I,s:s,s:s}", "sha256", sha256, "size", (json_int_t)size,
                             "name", name, "content_type", content_type);
    if (visibility)
        json_object_set_new(body, "visibility", json_string(visibility));
    const omb_action_hooks *hooks = omb_action_hooks_get(OMB_ACT_ATTACH);
    int rc = hooks->check ? hooks->check(app, body, err) : OMB_OK;
    if (!rc) {
        prepare(job, run_action, body, OMB_ACT_ATTACH, no);
        job->status = 201;
    }
    json_decref(body);
    return rc;
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
