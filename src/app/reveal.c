/*
 * reveal.c - reading a complainant's personal data unmasked, and the duty
 * roster of agents.
 *
 * Every response shows the complainant masked (张*, 138****8000).  A user
 * whose role needs the real values to reach the consumer - an agent or
 * supervisor of the lead party, or the mediator the complaint was referred
 * to - asks for them explicitly; the read is recorded as a pii_read event
 * in the same transaction before the values leave the server, so every
 * unmasked read is in the complaint's history.
 */
#include "app.h"
#include "core/number.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reveal_input {
    char no[OMB_NO_MAX];
    char purpose[256];
} reveal_input;

/* The complainant as the creation event holds it (with its sealed box). */
static int first_complainant(void *ctx, const omb_event *ev)
{
    json_t **out = ctx;
    if (ev->seq != 1)
        return OMB_OK;
    *out = json_incref(json_object_get(ev->payload, "complainant"));
    return 1; /* stop: the rest of the history is not needed */
}

static int run_reveal(omb_app *app, omb_store *s, omb_job *job)
{
    reveal_input *in = job->input;
    omb_err *err = &job->err;
    omb_complaint c;
    int rc = s->vt->complaint_load(s, in->no, &c, err);
    if (rc)
        return rc;
    bool visible = false;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(c.doc, "parties"), i, p) visible |=
        omb_json_int(p, "party", 0) == job->who.party_id;
    if (!visible) {
        omb_complaint_release(&c);
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", in->no);
    }
    enum omb_state to;
    rc = omb_lifecycle_check(c.state, OMB_ACT_PII_READ, job->who.role, job->who.user_id,
                             c.first_decider_id, &to, err);
    if (rc == OMB_EFORBIDDEN)
        rc = omb_fail(err, OMB_EFORBIDDEN, "pii_not_allowed", NULL,
                      "role %s does not need the complainant's personal data (只有经办人员可查看)",
                      omb_role_name(job->who.role));
    if (!rc)
        rc = omb_app_party_check(&c, &job->who, OMB_ACT_PII_READ, NULL, err);
    json_t *clear = NULL, *sealed = NULL;
    if (!rc)
        rc = s->vt->event_list(s, c.id, first_complainant, &sealed, err);
    if (rc > 0)
        rc = OMB_OK; /* stopped after the first event */
    if (!rc)
        rc =
            omb_pii_open(app, sealed ? sealed : json_object_get(c.doc, "complainant"), &clear, err);
    json_decref(sealed);
    if (rc) {
        omb_complaint_release(&c);
        return rc;
    }
    json_t *fields = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(clear, key, v) json_array_append_new(fields, json_string(key));
    json_t *payload = json_pack("{s:o}", "fields", fields);
    if (in->purpose[0])
        json_object_set_new(payload, "purpose", json_string(in->purpose));
    omb_event ev;
    omb_event_init(&ev, omb_action_get(OMB_ACT_PII_READ)->event_type, omb_app_now(app),
                   job->who.user_id, job->who.party_id, payload);
    ev.complaint_id = c.id;
    ev.seq = c.version + 1;
    rc = omb_fold_apply(&c, &ev, err);
    if (!rc)
        rc = omb_app_save_complaint(app, s, &c, NULL, err);
    if (!rc)
        rc = omb_app_append_event(app, s, job, &c, &ev, err);
    if (!rc)
        job->result = json_pack("{s:s,s:O,s:I}", "no", c.no, "complainant", clear, "read_event",
                                (json_int_t)ev.id);
    json_decref(clear);
    omb_event_release(&ev);
    omb_complaint_release(&c);
    return rc;
}

int omb_uc_reveal(omb_app *app, omb_job *job, const char *no, const char *purpose, omb_err *err)
{
    if (!omb_number_parse(no, NULL, NULL))
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no);
    if (purpose && strlen(purpose) >= sizeof((reveal_input *)0)->purpose)
        return omb_fail(err, OMB_EINVAL, "invalid_parameter", "purpose",
                        "purpose is longer than 255 bytes");
    reveal_input *in = omb_xcalloc(1, sizeof *in);
    snprintf(in->no, sizeof in->no, "%s", no);
    snprintf(in->purpose, sizeof in->purpose, "%s", purpose ? purpose : "");
    job->run = run_reveal;
    job->input = in;
    job->input_free = free;
    return OMB_OK;
}

/* ---- the duty roster ----------------------------------------------------------- */

typedef struct duty_input {
    int64_t user_id;
    bool on_duty;
} duty_input;

static int run_duty(omb_app *app, omb_store *s, omb_job *job)
{
    duty_input *in = job->input;
    omb_user u;
    int rc = s->vt->user_get(s, in->user_id, &u, &job->err);
    if (rc == OMB_ENOTFOUND ||
        (!rc && job->who.role != OMB_ROLE_ADMIN && job->who.user_id != u.id &&
         job->who.role != OMB_ROLE_SUPERVISOR) ||
        (!rc && u.party_id != job->who.party_id))
        return omb_fail(&job->err, OMB_ENOTFOUND, "not_found", NULL, "no user %lld",
                        (long long)in->user_id);
    if (!rc)
        rc = s->vt->user_set_duty(s, in->user_id, in->on_duty, &job->err);
    if (!rc) {
        u.on_duty = in->on_duty;
        job->result = omb_user_json(&u);
        rc = omb_app_audit(app, s, job, "duty_changed", "user", u.id,
                           json_pack("{s:b}", "on_duty", in->on_duty));
    }
    return rc;
}

static const omb_field_spec duty_fields[] = {
    {"on_duty", OMB_F_BOOL, true, 0, 0, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

int omb_uc_set_duty(omb_app *app, omb_job *job, int64_t user_id, json_t *body, omb_err *err)
{
    int rc = omb_fields_check(body, duty_fields, "", err);
    if (rc)
        return rc;
    if (job->who.role != OMB_ROLE_ADMIN && job->who.role != OMB_ROLE_SUPERVISOR &&
        job->who.user_id != user_id)
        return omb_fail(err, OMB_EFORBIDDEN, "role_not_allowed", NULL,
                        "only the user, a supervisor or an admin of the party sets duty");
    duty_input *in = omb_xcalloc(1, sizeof *in);
    in->user_id = user_id;
    in->on_duty = json_is_true(json_object_get(body, "on_duty"));
    job->run = run_duty;
    job->input = in;
    job->input_free = free;
    return OMB_OK;
}
