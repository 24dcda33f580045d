/*
 * test_fold_link.c - unit tests for src/core/fold_link.c: the multi-party
 * events of a complaint as the fold applies them.
 *
 * Dispatch sets the lead party, department, queue and assignee; a transfer
 * adds the receiving party, and acknowledging it moves the lead; party
 * tasks go open -> answered (late or not), overdue, cancelled; every event
 * out of place (a second pending transfer, an unknown task, answering a
 * cancelled task, a task to an uninvolved party, acknowledgement by the
 * wrong party) is a fold_conflict that leaves the complaint exactly as it
 * was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fold_both.h"
#include "unit_main.h"

#include <stdio.h>
#include <string.h>

#include "core/complaint.h"

#define T0  1795305600000LL /* 2026-11-22T00:00:00Z */
#define MIN 60000LL

static const char *const creation =
    "{\"no\":\"TS20261122000001\",\"received_at\":\"2026-11-22T08:15:00+08:00\","
    "\"channel\":\"app\",\"target_party\":3,\"product\":11,"
    "\"parties\":[{\"party\":3,\"role\":\"target\"},{\"party\":4,\"role\":\"acquirer\"},"
    "{\"party\":5,\"role\":\"platform\"}],"
    "\"complainant\":{\"name\":\"张*\",\"phone\":\"138****8000\",\"sealed\":\"v1.x\"},"
    "\"description\":\"暴力催收\"}";

static omb_ms clock_ms;

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return v;
}

static int try_apply(omb_complaint *c, const char *type, int64_t party, const char *payload,
                     omb_err *err)
{
    omb_event ev;
    clock_ms += MIN;
    omb_event_init(&ev, type, clock_ms, 7, party, payload ? parse(payload) : NULL);
    ev.complaint_id = 500;
    ev.seq = c->version + 1;
    omb_err_clear(err);
    int rc = fold_both(c, &ev, err);
    omb_event_release(&ev);
    return rc;
}

static void apply(omb_complaint *c, const char *type, int64_t party, const char *payload)
{
    omb_err err;
    if (try_apply(c, type, party, payload, &err))
        fail_msg("applying %s: %s %s", type, err.code, err.message);
}

/* Expects a fold_conflict that changes nothing. */
static void refused(omb_complaint *c, const char *type, int64_t party, const char *payload)
{
    char *before = json_dumps(c->doc, JSON_SORT_KEYS);
    int64_t version = c->version, lead = c->lead_party_id, assignee = c->assignee_id;
    omb_err err;
    assert_int_equal(try_apply(c, type, party, payload, &err), OMB_ECONFLICT);
    assert_string_equal(err.code, "fold_conflict");
    char *after = json_dumps(c->doc, JSON_SORT_KEYS);
    assert_string_equal(before, after);
    assert_int_equal(c->version, version);
    assert_int_equal(c->lead_party_id, lead);
    assert_int_equal(c->assignee_id, assignee);
    free(before);
    free(after);
}

static void fresh(omb_complaint *c)
{
    clock_ms = T0;
    omb_complaint_init(c);
    apply(c, "received", 3, creation);
}

static json_t *nth(omb_complaint *c, const char *key, size_t i)
{
    json_t *v = json_array_get(json_object_get(c->doc, key), i);
    assert_non_null(v);
    return v;
}

static void test_sealed_box_stays_in_event(void **state)
{
    omb_complaint c;
    fresh(&c);
    json_t *who = json_object_get(c.doc, "complainant");
    assert_null(json_object_get(who, "sealed"));
    assert_string_equal(omb_json_str(who, "phone", ""), "138****8000");
    omb_complaint_release(&c);
}

static void test_dispatch(void **state)
{
    omb_complaint c;
    fresh(&c);
    assert_int_equal(c.lead_party_id, 3);
    apply(&c, "dispatched", 0,
          "{\"rule\":\"collection_conduct\",\"lead_party\":4,\"department\":\"collection\","
          "\"queue\":\"collection\",\"assignee\":21}");
    assert_int_equal(c.lead_party_id, 4);
    assert_int_equal(c.assignee_id, 21);
    assert_string_equal(omb_json_str(c.doc, "queue", ""), "collection");
    assert_string_equal(omb_json_str(json_object_get(c.doc, "dispatch"), "rule", ""),
                        "collection_conduct");
    assert_int_equal(omb_json_int(c.doc, "lead_party", 0), 4);
    /* A dispatch without rule or lead is refused. */
    refused(&c, "dispatched", 0, "{\"lead_party\":4}");
    refused(&c, "dispatched", 0, "{\"rule\":\"x\"}");
    omb_complaint_release(&c);
}

static void test_transfer_acknowledged(void **state)
{
    omb_complaint c;
    fresh(&c);
    apply(&c, "transferred", 3,
          "{\"transfer\":1,\"to_party\":9,\"reason\":\"r\",\"due_at\":\"2026-11-23T00:00:00Z\"}");
    json_t *t = nth(&c, "transfers", 0);
    assert_string_equal(omb_json_str(t, "state", ""), "pending");
    assert_int_equal(omb_json_int(t, "from_party", 0), 3);
    /* The receiving party is involved from now on. */
    bool found = false;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(c.doc, "parties"), i, p) found |=
        omb_json_int(p, "party", 0) == 9 && strcmp(omb_json_str(p, "role", ""), "transferee") == 0;
    assert_true(found);
    /* One pending transfer at a time; numbers are not reused. */
    refused(&c, "transferred", 3, "{\"transfer\":2,\"to_party\":5,\"reason\":\"r\"}");
    /* Acknowledged by another party than the one named: refused. */
    refused(&c, "transfer_acknowledged", 5, "{\"transfer\":1,\"lead_party\":5,\"queue\":\"q\"}");
    apply(&c, "transfer_escalated", 0, "{\"transfer\":1}");
    assert_true(json_is_true(json_object_get(nth(&c, "transfers", 0), "escalated")));
    apply(&c, "transfer_acknowledged", 9,
          "{\"transfer\":1,\"lead_party\":9,\"queue\":\"app\",\"assignee\":30}");
    assert_int_equal(c.lead_party_id, 9);
    assert_int_equal(c.assignee_id, 30);
    assert_string_equal(omb_json_str(nth(&c, "transfers", 0), "state", ""), "acknowledged");
    /* Nothing pending any more. */
    refused(&c, "transfer_declined", 9, "{\"transfer\":1,\"reason\":\"r\"}");
    refused(&c, "transfer_escalated", 0, "{\"transfer\":1}");
    /* A second transfer may follow. */
    apply(&c, "transferred", 9, "{\"transfer\":2,\"to_party\":3,\"reason\":\"back\"}");
    assert_int_equal(omb_json_int(nth(&c, "transfers", 1), "from_party", 0), 9);
    omb_complaint_release(&c);
}

static void test_transfer_declined(void **state)
{
    omb_complaint c;
    fresh(&c);
    apply(&c, "transferred", 3, "{\"transfer\":1,\"to_party\":5,\"reason\":\"r\"}");
    apply(&c, "transfer_declined", 5, "{\"transfer\":1,\"reason\":\"不属于本机构\"}");
    assert_int_equal(c.lead_party_id, 3);
    assert_string_equal(omb_json_str(nth(&c, "transfers", 0), "state", ""), "declined");
    assert_string_equal(omb_json_str(nth(&c, "transfers", 0), "reason", ""), "r");
    assert_string_equal(omb_json_str(nth(&c, "transfers", 0), "decline_reason", ""),
                        "不属于本机构");
    refused(&c, "transferred", 3, "{\"transfer\":1,\"to_party\":4,\"reason\":\"r\"}");
    omb_complaint_release(&c);
}

static void test_tasks(void **state)
{
    omb_complaint c;
    fresh(&c);
    /* Due in 30 minutes from the event (clock moves a minute per event). */
    apply(&c, "task_requested", 3,
          "{\"task\":1,\"to_party\":5,\"kind\":\"information\",\"request\":\"流水\","
          "\"due_at\":\"2026-11-22T00:30:00Z\"}");
    apply(&c, "task_requested", 3,
          "{\"task\":2,\"to_party\":4,\"kind\":\"action\",\"request\":\"停止催收\","
          "\"due_at\":\"2026-11-22T00:03:00Z\"}");
    apply(&c, "task_requested", 3,
          "{\"task\":3,\"to_party\":4,\"kind\":\"information\",\"request\":\"录音\","
          "\"due_at\":\"2026-11-23T00:00:00Z\"}");
    refused(&c, "task_requested", 3, "{\"task\":3,\"to_party\":4,\"kind\":\"action\"}");
    refused(&c, "task_requested", 3, "{\"task\":4,\"to_party\":99,\"kind\":\"action\"}");
    assert_string_equal(omb_json_str(nth(&c, "tasks", 0), "state", ""), "open");
    assert_int_equal(omb_json_int(nth(&c, "tasks", 0), "from_party", 0), 3);

    apply(&c, "task_answered", 5, "{\"task\":1,\"answer\":\"见附件\",\"attachments\":[\"ab\"]}");
    json_t *t1 = nth(&c, "tasks", 0);
    assert_string_equal(omb_json_str(t1, "state", ""), "answered");
    assert_false(json_is_true(json_object_get(t1, "late")));
    assert_int_equal(json_array_size(json_object_get(t1, "attachments")), 1);
    refused(&c, "task_answered", 5, "{\"task\":1,\"answer\":\"again\"}");

    apply(&c, "task_overdue", 0, "{\"task\":2}");
    assert_string_equal(omb_json_str(nth(&c, "tasks", 1), "state", ""), "overdue");
    refused(&c, "task_overdue", 0, "{\"task\":2}"); /* once */
    apply(&c, "task_answered", 4, "{\"task\":2,\"answer\":\"已停止\"}");
    assert_true(json_is_true(json_object_get(nth(&c, "tasks", 1), "late")));

    apply(&c, "task_cancelled", 3, "{\"task\":3,\"reason\":\"已不需要\"}");
    assert_string_equal(omb_json_str(nth(&c, "tasks", 2), "state", ""), "cancelled");
    refused(&c, "task_answered", 4, "{\"task\":3,\"answer\":\"late\"}");
    refused(&c, "task_cancelled", 3, "{\"task\":3,\"reason\":\"x\"}");
    refused(&c, "task_answered", 4, "{\"task\":9,\"answer\":\"x\"}");
    omb_complaint_release(&c);
}

static void test_pii_reads_counted(void **state)
{
    omb_complaint c;
    fresh(&c);
    apply(&c, "pii_read", 3, "{\"fields\":[\"phone\"],\"purpose\":\"回访\"}");
    apply(&c, "pii_read", 3, "{\"fields\":[\"phone\"]}");
    assert_int_equal(omb_json_int(c.doc, "pii_reads", 0), 2);
    assert_int_equal(c.version, 3);
    omb_complaint_release(&c);
}

static void test_linkage_after_decision_refused(void **state)
{
    omb_complaint c;
    fresh(&c);
    apply(&c, "accepted", 3, NULL);
    apply(&c, "investigation_started", 3, NULL);
    apply(&c, "decided", 3,
          "{\"finding\":\"f\",\"responsibility\":\"none\",\"remedy\":\"r\",\"basis\":\"b\","
          "\"routes\":[\"review\"]}");
    /* Transfers and dispatch happen before the decision only (the lifecycle table). */
    refused(&c, "transferred", 3, "{\"transfer\":1,\"to_party\":5,\"reason\":\"r\"}");
    refused(&c, "dispatched", 0, "{\"rule\":\"x\",\"lead_party\":4}");
    /* Tasks go on while the complaint is open. */
    apply(&c, "task_requested", 3, "{\"task\":1,\"to_party\":5,\"kind\":\"information\"}");
    omb_complaint_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sealed_box_stays_in_event),
        cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_transfer_acknowledged),
        cmocka_unit_test(test_transfer_declined),
        cmocka_unit_test(test_tasks),
        cmocka_unit_test(test_pii_reads_counted),
        cmocka_unit_test(test_linkage_after_decision_refused),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
