/*
 * reveal.c - reading a complainant's personal data unmasked, and the duty
 * roster of agents.
 *
 * Every response shows the complainant masked (张*, 138****8000), and the
 * personal data found in free text masked too.  A user whose role needs the
 * real values to reach the consumer - an agent or supervisor of the lead
 * party, or the mediator the complaint was referred to - asks for them
 * explicitly: the complainant, or the free text of one event; the read is
 * recorded as a pii_read event in the same transaction before the values
 * leave the server, so every unmasked read is in the complaint's history.
 */
#include "app.h"
#include "core/number.h"
#include "core/visibility.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reveal_input {
    char no[OMB_NO_MAX];
    int64_t seq;     /* 0: the complainant; else the event whose free text is read */
    json_t *purpose; /* {"purpose"} masked, with its sealed original when it held personal data */
} reveal_input;

static void reveal_free(void *p)
{
    reveal_input *in = p;
    json_decref(in->purpose);
    free(in);
}

/* One event of a complaint's history, picked by its seq. */
typedef struct event_pick {
    int64_t seq;
    int64_t viewer; /* the reader's party */
    json_t *payload;
    char type[40];
    bool hidden; /* another party's party-only note or file */
} event_pick;

static int pick_event(void *ctx, const omb_event *ev)
{
    event_pick *p = ctx;
    if (ev->seq != p->seq)
        return OMB_OK;
    p->payload = json_incref(ev->payload);
    snprintf(p->type, sizeof p->type, "%s", ev->type);
    p->hidden = !omb_event_visible_to(ev, p->viewer);
    return 1; /* stop: the rest of the history is not needed */
}

/* Loads the complaint when the principal may read its personal data. */
static int reveal_allowed(omb_app *app, omb_store *s, const omb_job *job, const char *no,
                          omb_complaint *c, omb_err *err)
{
    int rc = omb_app_load_visible(s, &job->who, no, c, err);
    if (rc)
        return rc;
    rc = omb_app_action_check(app, c, NULL, &job->who, OMB_ACT_PII_READ, NULL, NULL, err);
    if (rc == OMB_EFORBIDDEN && strcmp(err->code, "role_not_allowed") == 0)
        rc = omb_fail(err, OMB_EFORBIDDEN, "pii_not_allowed", NULL,
                      "role %s does not need the complainant's personal data (只有经办人员可查看)",
                      omb_role_name(job->who.role));
    if (rc)
        omb_complaint_release(c);
    return rc;
}

/* The personal data asked for, in clear: the complainant's (seq 0), or the
 * originals of an event's masked free text. */
static int open_clear(omb_app *app, const omb_complaint *c, const reveal_input *in,
                      const event_pick *pick, json_t **clear, omb_err *err)
{
    if (in->seq == 0)
        return omb_pii_open(app,
                            pick->payload ? json_object_get(pick->payload, "complainant")
                                          : json_object_get(c->doc, "complainant"),
                            clear, err);
    if (!pick->payload || pick->hidden) /* another party's party-only event does not exist */
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no event %lld in complaint %s",
                        (long long)in->seq, in->no);
    int rc = omb_pii_text_open(app, pick->payload, clear, err);
    if (!rc && !*clear)
        rc = omb_fail(err, OMB_ENOTFOUND, "no_personal_data", NULL,
                      "event %lld of complaint %s holds no masked personal data",
                      (long long)in->seq, in->no);
    return rc;
}

static int run_reveal(omb_app *app, omb_store *s, omb_job *job)
{
    reveal_input *in = job->input;
    omb_err *err = &job->err;
    omb_change ch;
    omb_change_init(&ch);
    omb_complaint *c = &ch.c;
    int rc = reveal_allowed(app, s, job, in->no, c, err);
    if (rc)
        return rc;
    /* The complainant as the creation event holds it, with its sealed box. */
    event_pick pick = {in->seq ? in->seq : 1, job->who.party_id, NULL, "", false};
    json_t *clear = NULL;
    rc = s->vt->event_list(s, c->id, pick_event, &pick, err);
    if (rc > 0)
        rc = OMB_OK; /* stopped at the event */
    if (!rc)
        rc = open_clear(app, c, in, &pick, &clear, err);
    json_decref(pick.payload);
    if (rc) {
        omb_change_release(&ch);
        return rc;
    }
    json_t *fields = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(clear, key, v) json_array_append_new(fields, json_string(key));
    json_t *payload = json_pack("{s:o}", "fields", fields);
    if (in->seq)
        json_object_set_new(payload, "event", json_integer(in->seq));
    json_object_update(payload, in->purpose);
    rc = omb_change_add(&ch, OMB_ACT_PII_READ, omb_app_now(app), job->who.user_id,
                        job->who.party_id, payload, err);
    if (!rc)
        rc = omb_change_commit(app, s, job, &ch, 0, NULL);
    if (!rc && in->seq)
        job->result =
            json_pack("{s:s,s:I,s:s,s:O,s:I}", "no", c->no, "seq", (json_int_t)in->seq, "type",
                      pick.type, "texts", clear, "read_event", (json_int_t)ch.ev[0].id);
    else if (!rc)
        job->result = json_pack("{s:s,s:O,s:I}", "no", c->no, "complainant", clear, "read_event",
                                (json_int_t)ch.ev[0].id);
    json_decref(clear);
    omb_change_release(&ch);
    return rc;
}

/* The purpose is free text: personal data in it is masked like any other. */
static const omb_field_spec purpose_fields[] = {
    {"purpose", OMB_F_TEXT, false, 0, 255, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

static int prepare_reveal(omb_app *app, omb_job *job, const char *no, int64_t seq,
                          const char *purpose, omb_err *err)
{
    if (!omb_number_parse(no, NULL, NULL))
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no);
    if (purpose && strlen(purpose) > 255)
        return omb_fail(err, OMB_EINVAL, "invalid_parameter", "purpose",
                        "purpose is longer than 255 bytes");
    reveal_input *in = omb_xcalloc(1, sizeof *in);
    snprintf(in->no, sizeof in->no, "%s", no);
    in->seq = seq;
    in->purpose = json_object();
    if (purpose && *purpose)
        json_object_set_new(in->purpose, "purpose", json_string(purpose));
    job->run = run_reveal;
    job->input = in;
    job->input_free = reveal_free;
    return omb_pii_text_seal(app, in->purpose, purpose_fields, NULL, err);
}

int omb_uc_reveal(omb_app *app, omb_job *job, const char *no, const char *purpose, omb_err *err)
{
    return prepare_reveal(app, job, no, 0, purpose, err);
}

int omb_uc_reveal_texts(omb_app *app, omb_job *job, const char *no, int64_t seq,
                        const char *purpose, omb_err *err)
{
    return prepare_reveal(app, job, no, seq, purpose, err);
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
