/*
 * views.c - a user's saved views of the web workbench: a name for the list
 * query of a page, kept on the server for that user alone.
 *
 * Each user sees and changes only their own views: another user's view is
 * not found, as an unknown id is.  A view is a personal setting, not
 * evidence: its writes go through the writer like every write, but no event
 * records them and the ledger does not hold them.
 */
#include "app.h"
#include "core/fields.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIEWS_PER_USER 50

static const omb_field_spec view_fields[] = {
    {"name", OMB_F_STRING, true, 0, OMB_VIEW_NAME_MAX, NULL, NULL, 0},
    {"page", OMB_F_STRING, true, 0, OMB_VIEW_PAGE_MAX, NULL, NULL, 0},
    {"query", OMB_F_STRING, true, 0, OMB_VIEW_QUERY_MAX, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

static json_t *view_json(const omb_view *v)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:o,s:o}", "id", (json_int_t)v->id, "name", v->name, "page",
                     v->page, "query", v->query, "created_at", omb_time_json(v->created_at),
                     "updated_at", omb_time_json(v->updated_at));
}

/* Text that must read as what it holds, on one line. */
static int check_plain(const json_t *body, const char *field, omb_err *err)
{
    const json_t *v = json_object_get(body, field);
    if (!omb_utf8_plain(json_string_value(v), json_string_length(v)))
        return omb_fail(err, OMB_EFIELD, "invalid_value", field,
                        "%s must not hold control, line-break or direction characters", field);
    return OMB_OK;
}

/* The body of a POST or PUT, checked, as the view it describes. */
static int view_input(const json_t *body, omb_view **out, omb_err *err)
{
    int rc = omb_fields_check(body, view_fields, "", err);
    if (!rc)
        rc = omb_app_check_identifier(body, "page", OMB_VIEW_PAGE_MAX, err);
    if (!rc)
        rc = check_plain(body, "name", err);
    if (!rc && json_string_length(json_object_get(body, "query")) > OMB_VIEW_QUERY_MAX)
        rc = omb_fail(err, OMB_EFIELD, "too_long", "query", "query is longer than %d bytes",
                      OMB_VIEW_QUERY_MAX);
    if (!rc)
        rc = check_plain(body, "query", err);
    if (rc)
        return rc;
    omb_view *v = omb_xcalloc(1, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", omb_json_str(body, "name", ""));
    snprintf(v->page, sizeof v->page, "%s", omb_json_str(body, "page", ""));
    snprintf(v->query, sizeof v->query, "%s", omb_json_str(body, "query", ""));
    *out = v;
    return OMB_OK;
}

static int duplicate_as(omb_err *err, int rc)
{
    if (rc == OMB_ECONFLICT)
        return omb_fail(err, OMB_ECONFLICT, "duplicate_name", "name",
                        "you have a view of this page with this name already");
    return rc;
}

/* ---- writes ---------------------------------------------------------------------- */

/* Readies the job to run `run` on its input (heap, freed with the job). */
static int prepare(omb_job *job, omb_job_fn run, void *input)
{
    job->run = run;
    job->input = input;
    job->input_free = free;
    return OMB_OK;
}

static int run_create(omb_app *app, omb_store *s, omb_job *job)
{
    omb_view v = *(const omb_view *)job->input;
    int64_t count;
    int rc = s->vt->view_count(s, job->who.user_id, &count, &job->err);
    if (rc)
        return rc;
    if (count >= VIEWS_PER_USER)
        return omb_fail(&job->err, OMB_ECONFLICT, "too_many_views", NULL,
                        "you have %d views already; delete one first", VIEWS_PER_USER);
    v.user_id = job->who.user_id;
    v.created_at = v.updated_at = omb_app_now(app);
    rc = s->vt->view_insert(s, &v, &job->err);
    if (rc)
        return duplicate_as(&job->err, rc);
    job->result = view_json(&v);
    return OMB_OK;
}

int omb_uc_create_view(omb_app *app, omb_job *job, json_t *body, omb_err *err)
{
    omb_view *v;
    int rc = view_input(body, &v, err);
    if (rc)
        return rc;
    job->status = 201;
    return prepare(job, run_create, v);
}

static int run_update(omb_app *app, omb_store *s, omb_job *job)
{
    const omb_view *in = job->input;
    omb_view v;
    int rc = s->vt->view_get(s, job->who.user_id, in->id, &v, &job->err);
    if (rc)
        return rc;
    memcpy(v.name, in->name, sizeof v.name);
    memcpy(v.page, in->page, sizeof v.page);
    memcpy(v.query, in->query, sizeof v.query);
    v.updated_at = omb_app_now(app);
    rc = s->vt->view_update(s, &v, &job->err);
    if (rc)
        return duplicate_as(&job->err, rc);
    job->result = view_json(&v);
    return OMB_OK;
}

int omb_uc_update_view(omb_app *app, omb_job *job, int64_t id, json_t *body, omb_err *err)
{
    omb_view *v;
    int rc = view_input(body, &v, err);
    if (rc)
        return rc;
    v->id = id;
    return prepare(job, run_update, v);
}

static int run_delete(omb_app *app, omb_store *s, omb_job *job)
{
    int64_t id = *(const int64_t *)job->input;
    omb_view v;
    int rc = s->vt->view_get(s, job->who.user_id, id, &v, &job->err);
    if (!rc)
        rc = s->vt->view_delete(s, job->who.user_id, id, &job->err);
    if (!rc)
        job->result = view_json(&v);
    return rc;
}

int omb_uc_delete_view(omb_app *app, omb_job *job, int64_t id, omb_err *err)
{
    int64_t *in = omb_xcalloc(1, sizeof *in);
    *in = id;
    return prepare(job, run_delete, in);
}

/* ---- reads ----------------------------------------------------------------------- */

static int add_view(void *ctx, const omb_view *v)
{
    json_array_append_new(ctx, view_json(v));
    return OMB_OK;
}

int omb_q_views(omb_app *app, omb_store *r, const omb_principal *who, json_t **out, omb_err *err)
{
    json_t *items = json_array();
    int rc = r->vt->view_list(r, who->user_id, add_view, items, err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return OMB_OK;
}
