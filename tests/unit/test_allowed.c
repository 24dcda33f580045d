/*
 * test_allowed.c - unit tests for the actions a user may take on a complaint
 * (src/app/allowed.c): walking every state, role and party of the user,
 * author of the first decision, tasks, transfers and clocks, an action is
 * listed exactly when the check that its write runs (omb_app_action_check)
 * accepts it with some body naming what the complaint holds; and the cases
 * the workbench shows, by hand: the lead's agent on a new complaint, the
 * auditor, the transfer's target, a task's two parties, review by another
 * person, the supervisor's 60-day extension, pause and resume, callback.
 * The catalogue (GET /v1/actions) is checked against the lifecycle table.
 */
#include "app/app.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "temp_app.h"
#include "unit_main.h"

#define LEAD  2 /* the lead party */
#define OTHER 3 /* another party involved */
#define MED   6 /* the mediation organisation */
#define ME    10
#define YOU   11

typedef struct fixture {
    char dir[64];
    omb_config cfg;
    omb_app *app;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->app = omb_temp_app_open("ombud-allowed", f->dir, &f->cfg);
    if (!f->app)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    int rc = omb_temp_app_close(f->app, f->dir);
    free(f);
    return rc;
}

/* ---- situations ------------------------------------------------------------------ */

static const char *const task_sets[] = {
    "[]",
    "[{\"n\":1,\"from_party\":2,\"to_party\":3,\"state\":\"open\"}]",
    "[{\"n\":1,\"from_party\":3,\"to_party\":2,\"state\":\"overdue\"},"
    " {\"n\":2,\"from_party\":2,\"to_party\":3,\"state\":\"answered\"}]",
    "[{\"n\":1,\"from_party\":2,\"to_party\":3,\"state\":\"cancelled\"}]",
};

static const char *const transfer_sets[] = {
    "[]",
    "[{\"n\":1,\"from_party\":2,\"to_party\":3,\"state\":\"pending\"}]",
    "[{\"n\":1,\"from_party\":2,\"to_party\":3,\"state\":\"declined\"}]",
};

enum clock_set {
    CLK_NONE,      /* no clock */
    CLK_RUNNING,   /* the decision clock counts, not extended */
    CLK_EXTENDED,  /* ... extended once (30 days) */
    CLK_EXTENDED2, /* ... extended twice (60 days) */
    CLK_BREACHED,  /* ... is due */
    CLK_PAUSED,    /* ... has pause 5 open (and pause 4 ended) */
    CLK_MET,       /* ... has stopped */
    CLK_REVIEW,    /* the review decision clock counts, paused once (pause 8, ended) */
    CLK__COUNT
};

static omb_complaint complaint(enum omb_state st, int64_t first_decider, const char *tasks,
                               const char *transfers)
{
    omb_complaint c;
    omb_complaint_init(&c);
    snprintf(c.no, sizeof c.no, "TS20261124000001");
    c.state = st;
    c.lead_party_id = LEAD;
    c.first_decider_id = first_decider;
    json_error_t jerr;
    json_decref(c.doc);
    c.doc = json_pack("{s:[{s:i,s:s},{s:i,s:s},{s:i,s:s}],s:o,s:o}", "parties", "party", LEAD,
                      "role", "target", "party", OTHER, "role", "acquirer", "party", MED, "role",
                      "mediator", "tasks", json_loads(tasks, 0, &jerr), "transfers",
                      json_loads(transfers, 0, &jerr));
    assert_non_null(c.doc);
    return c;
}

static void clocks(omb_app *app, enum clock_set set, omb_clocks *cl)
{
    omb_ms now = omb_app_now(app);
    memset(cl, 0, sizeof *cl);
    if (set == CLK_NONE)
        return;
    omb_clock *d = &cl->clock[set == CLK_REVIEW ? OMB_CLOCK_REVIEW_DECISION : OMB_CLOCK_DECISION];
    d->active = true;
    d->kind = set == CLK_REVIEW ? OMB_CLOCK_REVIEW_DECISION : OMB_CLOCK_DECISION;
    d->state = OMB_CLK_RUNNING;
    d->started_at = now - 2 * OMB_MS_PER_DAY;
    d->due_at = now + 10 * OMB_MS_PER_DAY;
    d->amount = 15;
    if (set == CLK_EXTENDED || set == CLK_EXTENDED2)
        d->extension = set == CLK_EXTENDED ? 1 : 2;
    if (set == CLK_BREACHED) {
        d->state = OMB_CLK_BREACHED;
        d->due_at = now - OMB_MS_PER_DAY;
    }
    if (set == CLK_PAUSED) {
        d->state = OMB_CLK_PAUSED;
        d->n_pauses = 2;
        d->pauses[0] = (omb_clock_pause){4, now - OMB_MS_PER_DAY, now - 1000, "testing"};
        d->pauses[1] = (omb_clock_pause){5, now - 500, 0, "appraisal"};
    }
    if (set == CLK_MET) {
        d->state = OMB_CLK_MET;
        d->stopped_at = now - 1000;
    }
    if (set == CLK_REVIEW) {
        d->n_pauses = 1;
        d->pauses[0] = (omb_clock_pause){8, now - OMB_MS_PER_DAY, now - 1000, "other"};
    }
}

static omb_principal user(enum omb_role role, int64_t party, int64_t id)
{
    omb_principal p;
    memset(&p, 0, sizeof p);
    p.user_id = id;
    p.party_id = party;
    p.role = role;
    return p;
}

static bool listed(const json_t *names, const char *name)
{
    size_t i;
    const json_t *n;
    json_array_foreach(names, i, n) if (strcmp(json_string_value(n), name) == 0) return true;
    return false;
}

/* Every body a test can think of for an action: empty, and naming tasks, clocks, pauses and
 * extensions the complaints here have or do not have. */
static const char *const bodies[] = {
    "{}",
    "{\"task\":1}",
    "{\"task\":2}",
    "{\"task\":3}",
    "{\"clock\":\"first_contact\"}",
    "{\"clock\":\"decision\"}",
    "{\"clock\":\"review_decision\"}",
    "{\"pause\":4}",
    "{\"pause\":5}",
    "{\"pause\":8,\"clock\":\"review_decision\"}",
    "{\"pause\":5,\"clock\":\"decision\"}",
    "{\"days\":30}",
    "{\"days\":60}",
    "{\"days\":45}",
    "{\"days\":30,\"consumer_notice\":{}}",
    "{\"days\":60,\"consumer_notice\":{}}",
};

#define BODIES (sizeof bodies / sizeof bodies[0])

/* Whether the write's check accepts the action with one of the bodies (parsed). */
static bool some_body_passes(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                             const omb_principal *who, enum omb_action a, json_t *const *parsed)
{
    for (size_t i = 0; i < BODIES; i++) {
        omb_err err;
        omb_err_clear(&err);
        if (omb_app_action_check(app, c, cl, who, a, parsed[i], NULL, &err) == OMB_OK)
            return true;
    }
    return false;
}

/* One complaint: for each clock set, role and party, the list against the check. */
static long walk_users(omb_app *app, const omb_complaint *c, json_t *const *parsed,
                       const char *where)
{
    static const int64_t parties[] = {LEAD, OTHER, MED};
    long allowed = 0;
    for (int k = 0; k < CLK__COUNT; k++) {
        omb_clocks cl;
        clocks(app, (enum clock_set)k, &cl);
        for (int r = 0; r < OMB_ROLE__COUNT; r++)
            for (size_t p = 0; p < 3; p++) {
                omb_principal who = user((enum omb_role)r, parties[p], ME);
                json_t *names = omb_app_actions_allowed(app, c, &cl, &who);
                for (int a = 0; a < OMB_ACT__COUNT; a++) {
                    bool want = omb_action_offered((enum omb_action)a) &&
                                some_body_passes(app, c, &cl, &who, (enum omb_action)a, parsed);
                    const char *name = omb_action_get((enum omb_action)a)->name;
                    allowed += want;
                    if (listed(names, name) != want)
                        fail_msg("%s by %s of party %lld (%s, clocks %d): listed %d, the write "
                                 "accepts %d",
                                 name, omb_role_name((enum omb_role)r), (long long)parties[p],
                                 where, k, listed(names, name), want);
                }
                json_decref(names);
            }
    }
    return allowed;
}

static void listed_iff_the_write_accepts(void **state)
{
    fixture *f = *state;
    static const int64_t deciders[] = {0, ME, YOU};
    json_t *parsed[BODIES];
    for (size_t i = 0; i < BODIES; i++) {
        json_error_t jerr;
        parsed[i] = json_loads(bodies[i], 0, &jerr);
    }
    long complaints = 0, allowed = 0;
    for (int st = 0; st < OMB_ST__COUNT; st++)
        /* the first decision's author matters to a review's decision alone */
        for (size_t d = 0; d < (st == OMB_ST_REVIEW ? 3 : 1); d++)
            for (size_t t = 0; t < sizeof task_sets / sizeof task_sets[0]; t++)
                for (size_t x = 0; x < sizeof transfer_sets / sizeof transfer_sets[0]; x++) {
                    omb_complaint c =
                        complaint((enum omb_state)st, deciders[d], task_sets[t], transfer_sets[x]);
                    char where[96];
                    snprintf(where, sizeof where,
                             "state %s, decider %lld, tasks %zu, transfers %zu",
                             omb_state_name((enum omb_state)st), (long long)deciders[d], t, x);
                    allowed += walk_users(f->app, &c, parsed, where);
                    complaints++;
                    omb_complaint_release(&c);
                }
    for (size_t i = 0; i < BODIES; i++)
        json_decref(parsed[i]);
    assert_true(complaints > 100);
    assert_true(allowed > 1000);
}

/* ---- by hand ------------------------------------------------------------------------ */

/* The names listed for a user, as one comma-separated string. */
static char *names_for(omb_app *app, const omb_complaint *c, enum clock_set set, enum omb_role role,
                       int64_t party, int64_t id)
{
    omb_clocks cl;
    clocks(app, set, &cl);
    omb_principal who = user(role, party, id);
    json_t *names = omb_app_actions_allowed(app, c, &cl, &who);
    static char out[1024];
    out[0] = '\0';
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n)
    {
        size_t len = strlen(out);
        snprintf(out + len, sizeof out - len, "%s%s", len ? "," : "", json_string_value(n));
    }
    json_decref(names);
    return out;
}

static void the_lead_agent_on_a_new_complaint(void **state)
{
    fixture *f = *state;
    omb_complaint c = complaint(OMB_ST_RECEIVED, 0, "[]", "[]");
    assert_string_equal(
        names_for(f->app, &c, CLK_RUNNING, OMB_ROLE_AGENT, LEAD, ME),
        "accept,reject,merge,withdraw,assign,classify,note,attach,extend,pause,transfer,"
        "request_task");
    /* another party involved: notes and files only */
    assert_string_equal(names_for(f->app, &c, CLK_RUNNING, OMB_ROLE_AGENT, OTHER, ME),
                        "note,attach");
    omb_complaint_release(&c);
}

static void the_auditor_and_the_regulator_write_nothing(void **state)
{
    fixture *f = *state;
    for (int st = 0; st < OMB_ST__COUNT; st++) {
        omb_complaint c = complaint((enum omb_state)st, YOU, task_sets[1], transfer_sets[1]);
        assert_string_equal(names_for(f->app, &c, CLK_PAUSED, OMB_ROLE_AUDITOR, LEAD, ME), "");
        assert_string_equal(names_for(f->app, &c, CLK_PAUSED, OMB_ROLE_REGULATOR, LEAD, ME), "");
        assert_string_equal(names_for(f->app, &c, CLK_PAUSED, OMB_ROLE_ADMIN, LEAD, ME), "");
        omb_complaint_release(&c);
    }
}

static void the_transfer_target_acknowledges_or_declines(void **state)
{
    fixture *f = *state;
    omb_complaint c = complaint(OMB_ST_ACCEPTED, 0, "[]", transfer_sets[1]);
    assert_string_equal(names_for(f->app, &c, CLK_RUNNING, OMB_ROLE_AGENT, OTHER, ME),
                        "note,attach,acknowledge_transfer,decline_transfer");
    /* the lead waits: no second transfer, and it cannot acknowledge its own */
    char *lead = names_for(f->app, &c, CLK_RUNNING, OMB_ROLE_SUPERVISOR, LEAD, ME);
    assert_null(strstr(lead, "transfer"));
    assert_non_null(strstr(lead, "investigate"));
    omb_complaint_release(&c);
    /* a declined transfer waits for nobody */
    c = complaint(OMB_ST_ACCEPTED, 0, "[]", transfer_sets[2]);
    assert_string_equal(names_for(f->app, &c, CLK_RUNNING, OMB_ROLE_AGENT, OTHER, ME),
                        "note,attach");
    assert_non_null(
        strstr(names_for(f->app, &c, CLK_RUNNING, OMB_ROLE_AGENT, LEAD, ME), ",transfer,"));
    omb_complaint_release(&c);
}

static void a_task_is_answered_by_its_addressee_and_cancelled_by_its_asker(void **state)
{
    fixture *f = *state;
    omb_complaint c = complaint(OMB_ST_CLOSED, 0, task_sets[1], "[]");
    assert_string_equal(names_for(f->app, &c, CLK_NONE, OMB_ROLE_AGENT, OTHER, ME),
                        "note,attach,answer_task");
    assert_string_equal(names_for(f->app, &c, CLK_NONE, OMB_ROLE_AGENT, LEAD, ME),
                        "note,attach,callback,cancel_task");
    omb_complaint_release(&c);
    /* an answered or cancelled task is over; an overdue one may still be answered */
    c = complaint(OMB_ST_CLOSED, 0, task_sets[2], "[]");
    assert_string_equal(names_for(f->app, &c, CLK_NONE, OMB_ROLE_AGENT, OTHER, ME),
                        "note,attach,cancel_task");
    assert_string_equal(names_for(f->app, &c, CLK_NONE, OMB_ROLE_AGENT, LEAD, ME),
                        "note,attach,callback,answer_task");
    omb_complaint_release(&c);
    c = complaint(OMB_ST_CLOSED, 0, task_sets[3], "[]");
    assert_string_equal(names_for(f->app, &c, CLK_NONE, OMB_ROLE_AGENT, OTHER, ME), "note,attach");
    omb_complaint_release(&c);
}

static void a_review_is_decided_by_another_person(void **state)
{
    fixture *f = *state;
    omb_complaint c = complaint(OMB_ST_REVIEW, ME, "[]", "[]");
    assert_null(strstr(names_for(f->app, &c, CLK_REVIEW, OMB_ROLE_SUPERVISOR, LEAD, ME), "decide"));
    assert_non_null(
        strstr(names_for(f->app, &c, CLK_REVIEW, OMB_ROLE_SUPERVISOR, LEAD, YOU), "decide"));
    assert_non_null(
        strstr(names_for(f->app, &c, CLK_REVIEW, OMB_ROLE_COMPLIANCE, LEAD, YOU), "decide"));
    assert_null(strstr(names_for(f->app, &c, CLK_REVIEW, OMB_ROLE_AGENT, LEAD, YOU), "decide"));
    /* the review's clock is paused and resumed by default; its pause 8 is over */
    assert_string_equal(names_for(f->app, &c, CLK_REVIEW, OMB_ROLE_AGENT, LEAD, YOU),
                        "assign,classify,note,attach,pause,request_task");
    omb_complaint_release(&c);
}

static void the_second_extension_is_the_supervisors(void **state)
{
    fixture *f = *state;
    omb_complaint c = complaint(OMB_ST_INVESTIGATING, 0, "[]", "[]");
    assert_non_null(strstr(names_for(f->app, &c, CLK_RUNNING, OMB_ROLE_AGENT, LEAD, ME), "extend"));
    assert_null(strstr(names_for(f->app, &c, CLK_EXTENDED, OMB_ROLE_AGENT, LEAD, ME), "extend"));
    assert_non_null(
        strstr(names_for(f->app, &c, CLK_EXTENDED, OMB_ROLE_SUPERVISOR, LEAD, ME), "extend"));
    assert_null(
        strstr(names_for(f->app, &c, CLK_EXTENDED2, OMB_ROLE_SUPERVISOR, LEAD, ME), "extend"));
    /* a breached or stopped clock is neither extended nor paused */
    for (enum clock_set k = CLK_BREACHED; k <= CLK_MET; k += CLK_MET - CLK_BREACHED) {
        char *names = names_for(f->app, &c, k, OMB_ROLE_SUPERVISOR, LEAD, ME);
        assert_null(strstr(names, "extend"));
        assert_null(strstr(names, "pause"));
    }
    omb_complaint_release(&c);
}

static void resume_needs_an_open_pause(void **state)
{
    fixture *f = *state;
    omb_complaint c = complaint(OMB_ST_ACCEPTED, 0, "[]", "[]");
    assert_null(strstr(names_for(f->app, &c, CLK_RUNNING, OMB_ROLE_AGENT, LEAD, ME), "resume"));
    char *names = names_for(f->app, &c, CLK_PAUSED, OMB_ROLE_AGENT, LEAD, ME);
    assert_non_null(strstr(names, "resume"));
    assert_non_null(strstr(names, "pause")); /* pauses may overlap */
    omb_complaint_release(&c);
}

static void callback_after_close_for_the_handlers(void **state)
{
    fixture *f = *state;
    omb_complaint c = complaint(OMB_ST_NOTIFIED, 0, "[]", "[]");
    assert_null(strstr(names_for(f->app, &c, CLK_NONE, OMB_ROLE_AGENT, LEAD, ME), "callback"));
    omb_complaint_release(&c);
    c = complaint(OMB_ST_CLOSED, 0, "[]", "[]");
    assert_string_equal(names_for(f->app, &c, CLK_NONE, OMB_ROLE_AGENT, LEAD, ME),
                        "note,attach,callback");
    assert_string_equal(names_for(f->app, &c, CLK_NONE, OMB_ROLE_SUPERVISOR, LEAD, ME),
                        "reopen,note,attach,callback");
    assert_string_equal(names_for(f->app, &c, CLK_NONE, OMB_ROLE_COMPLIANCE, LEAD, ME),
                        "reopen,note,attach");
    assert_string_equal(names_for(f->app, &c, CLK_NONE, OMB_ROLE_AGENT, OTHER, ME), "note,attach");
    omb_complaint_release(&c);
}

static void no_task_past_the_thousandth(void **state)
{
    fixture *f = *state;
    omb_complaint c = complaint(OMB_ST_INVESTIGATING, 0, "[]", "[]");
    json_t *tasks = json_object_get(c.doc, "tasks");
    for (int i = 1; i < OMB_TASKS_MAX; i++)
        json_array_append_new(tasks, json_pack("{s:i,s:i,s:i,s:s}", "n", i, "from_party", LEAD,
                                               "to_party", OTHER, "state", "answered"));
    assert_non_null(
        strstr(names_for(f->app, &c, CLK_RUNNING, OMB_ROLE_AGENT, LEAD, ME), "request_task"));
    json_array_append_new(tasks, json_pack("{s:i,s:i,s:i,s:s}", "n", OMB_TASKS_MAX, "from_party",
                                           LEAD, "to_party", OTHER, "state", "answered"));
    assert_null(
        strstr(names_for(f->app, &c, CLK_RUNNING, OMB_ROLE_AGENT, LEAD, ME), "request_task"));
    omb_principal who = user(OMB_ROLE_AGENT, LEAD, ME);
    omb_err err;
    omb_err_clear(&err);
    assert_int_equal(
        omb_app_action_check(f->app, &c, NULL, &who, OMB_ACT_REQUEST_TASK, NULL, NULL, &err),
        OMB_ECONFLICT);
    assert_string_equal(err.code, "too_many_tasks");
    omb_complaint_release(&c);
}

/* The write's refusals keep their codes, in the order docs/api.md gives. */
static void the_check_refuses_as_the_write_did(void **state)
{
    fixture *f = *state;
    static const struct {
        enum omb_state st;
        const char *transfers;
        enum omb_action action;
        enum omb_role role;
        int64_t party;
        const char *body;
        int rc;
        const char *code;
    } cases[] = {
        {OMB_ST_CLOSED, "[]", OMB_ACT_ACCEPT, OMB_ROLE_AGENT, LEAD, "{}", OMB_ECONFLICT,
         "illegal_transition"},
        {OMB_ST_RECEIVED, "[]", OMB_ACT_ACCEPT, OMB_ROLE_AUDITOR, LEAD, "{}", OMB_EFORBIDDEN,
         "role_not_allowed"},
        {OMB_ST_RECEIVED, "[]", OMB_ACT_ACCEPT, OMB_ROLE_AGENT, OTHER, "{}", OMB_EFORBIDDEN,
         "not_lead_party"},
        {OMB_ST_RECEIVED, "[]", OMB_ACT_ACK_TRANSFER, OMB_ROLE_AGENT, OTHER, "{}", OMB_ECONFLICT,
         "no_pending_transfer"},
        {OMB_ST_RECEIVED, "[{\"n\":1,\"to_party\":3,\"state\":\"pending\"}]", OMB_ACT_ACK_TRANSFER,
         OMB_ROLE_AGENT, MED, "{}", OMB_EFORBIDDEN, "not_transfer_party"},
        {OMB_ST_RECEIVED, "[{\"n\":1,\"to_party\":3,\"state\":\"pending\"}]", OMB_ACT_TRANSFER,
         OMB_ROLE_AGENT, LEAD, "{}", OMB_ECONFLICT, "transfer_pending"},
        {OMB_ST_RECEIVED, "[]", OMB_ACT_ANSWER_TASK, OMB_ROLE_AGENT, OTHER, "{\"task\":7}",
         OMB_EFIELD, "unknown_reference"},
        {OMB_ST_RECEIVED, "[]", OMB_ACT_RESUME, OMB_ROLE_AGENT, LEAD, "{\"pause\":5}",
         OMB_ECONFLICT, "pause_not_open"},
        {OMB_ST_RECEIVED, "[]", OMB_ACT_EXTEND, OMB_ROLE_AGENT, LEAD, "{\"days\":45}", OMB_EFIELD,
         "out_of_range"},
        {OMB_ST_RECEIVED, "[]", OMB_ACT_EXTEND, OMB_ROLE_AGENT, LEAD,
         "{\"days\":60,\"consumer_notice\":{}}", OMB_EFORBIDDEN, "approval_required"},
        {OMB_ST_RECEIVED, "[]", OMB_ACT_PAUSE, OMB_ROLE_AGENT, LEAD,
         "{\"clock\":\"first_contact\"}", OMB_ECONFLICT, "clock_stopped"},
    };
    omb_clocks cl;
    clocks(f->app, CLK_PAUSED, &cl);
    cl.clock[OMB_CLOCK_DECISION].pauses[1].to = omb_app_now(f->app); /* pause 5 ended */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        omb_complaint c = complaint(cases[i].st, 0, "[]", cases[i].transfers);
        omb_principal who = user(cases[i].role, cases[i].party, ME);
        json_error_t jerr;
        json_t *body = json_loads(cases[i].body, 0, &jerr);
        omb_err err;
        omb_err_clear(&err);
        int rc = omb_app_action_check(f->app, &c, &cl, &who, cases[i].action, body, NULL, &err);
        if (rc != cases[i].rc || strcmp(err.code, cases[i].code) != 0)
            fail_msg("case %zu: %d %s, want %d %s", i, rc, err.code, cases[i].rc, cases[i].code);
        json_decref(body);
        omb_complaint_release(&c);
    }
}

/* ---- the catalogue ---------------------------------------------------------------- */

static void the_catalogue_is_the_lifecycle_table(void **state)
{
    json_t *cat = omb_q_actions();
    json_t *list = json_object_get(cat, "actions");
    size_t n, i;
    const omb_transition *t = omb_transitions(&n);
    json_t *a;
    int offered = 0;
    for (int k = 0; k < OMB_ACT__COUNT; k++)
        offered += omb_action_offered((enum omb_action)k);
    assert_int_equal(json_array_size(list), offered);
    json_array_foreach(list, i, a)
    {
        enum omb_action action;
        const char *name = json_string_value(json_object_get(a, "name"));
        bool api = omb_action_parse(name, &action) == OMB_OK;
        if (!api)
            assert_string_equal(name, "attach");
        else
            assert_true(omb_action_offered(action));
        assert_string_equal(json_string_value(json_object_get(a, "body")), api ? "json" : "file");
        /* one rule per row of the table, with the same target state */
        size_t rows = 0;
        for (size_t r = 0; r < n; r++) {
            if (strcmp(omb_action_get(t[r].action)->name, name) != 0)
                continue;
            const json_t *rule = json_array_get(json_object_get(a, "rules"), rows++);
            assert_non_null(rule);
            assert_string_equal(json_string_value(json_object_get(rule, "party")),
                                omb_party_rule_name(t[r].party));
            const json_t *to = json_object_get(a, "to");
            if (t[r].to == OMB_TO_SAME)
                assert_true(json_is_null(to));
            else
                assert_string_equal(json_string_value(to), omb_state_name((enum omb_state)t[r].to));
        }
        assert_int_equal(rows, json_array_size(json_object_get(a, "rules")));
    }
    /* fields as the field tables say: notify's method is an enumeration */
    json_array_foreach(list, i,
                       a) if (strcmp(json_string_value(json_object_get(a, "name")), "notify") == 0)
    {
        const json_t *method = json_array_get(json_object_get(a, "fields"), 0);
        assert_string_equal(json_string_value(json_object_get(method, "type")), "enum");
        assert_true(json_is_true(json_object_get(method, "required")));
        assert_int_equal(json_array_size(json_object_get(method, "enum")), 7);
    }
    json_decref(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(listed_iff_the_write_accepts),
        cmocka_unit_test(the_lead_agent_on_a_new_complaint),
        cmocka_unit_test(the_auditor_and_the_regulator_write_nothing),
        cmocka_unit_test(the_transfer_target_acknowledges_or_declines),
        cmocka_unit_test(a_task_is_answered_by_its_addressee_and_cancelled_by_its_asker),
        cmocka_unit_test(a_review_is_decided_by_another_person),
        cmocka_unit_test(the_second_extension_is_the_supervisors),
        cmocka_unit_test(resume_needs_an_open_pause),
        cmocka_unit_test(callback_after_close_for_the_handlers),
        cmocka_unit_test(no_task_past_the_thousandth),
        cmocka_unit_test(the_check_refuses_as_the_write_did),
        cmocka_unit_test(the_catalogue_is_the_lifecycle_table),
    };
    return OMB_RUN_TESTS(tests, setup, teardown);
}
