/*
 * test_fold.c - unit tests for src/core/fold.c: a complaint as the fold of
 * its events.
 *
 * Covers whole lifecycles (received ... closed, reopened; the review and
 * mediation paths; terminal outcomes; imports in a historical state), the
 * refusals ("fold_conflict": out-of-order seq, events the current state does
 * not allow, unknown event types, bad creation payloads) which must leave
 * the complaint exactly as it was, the document fields each event writes
 * (with the dispatch that follows every creation through the API), and the
 * omb_complaint_sync_doc / omb_complaint_from_doc round trip.  The other
 * multi-party events have their own tests in test_fold_link.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fold_both.h"
#include "unit_main.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/complaint.h"

/* 2026-11-22T00:00:00Z */
#define T0  1795305600000LL
#define MIN 60000LL

static const char *const creation =
    "{\"no\":\"TS20261122000001\",\"received_at\":\"2026-11-22T08:15:00+08:00\","
    "\"channel\":\"app\",\"business\":\"B01\",\"cause\":\"C05\",\"target_party\":3,"
    "\"product\":11,\"amount_fen\":150000,\"complainants\":2,"
    "\"complainant\":{\"name\":\"张三\",\"phone\":\"13800138000\"},"
    "\"description\":\"多收了服务费\",\"state\":\"closed\"}";

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return v;
}

/* Applies one event; seq 0 means "the next one". */
static int apply_seq(omb_complaint *c, const char *type, int64_t seq, omb_ms at, int64_t user,
                     const char *payload, omb_err *err)
{
    omb_event ev;
    omb_event_init(&ev, type, at, user, 1, payload ? parse(payload) : NULL);
    ev.complaint_id = 500;
    ev.seq = seq ? seq : c->version + 1;
    omb_err_clear(err);
    int rc = fold_both(c, &ev, err);
    omb_event_release(&ev);
    return rc;
}

static omb_ms clock_ms;

static int apply(omb_complaint *c, const char *type, int64_t user, const char *payload)
{
    omb_err err;
    clock_ms += MIN;
    int rc = apply_seq(c, type, 0, clock_ms, user, payload, &err);
    if (rc)
        fail_msg("applying %s in state %s: %s %s", type, omb_state_name(c->state), err.code,
                 err.message);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    clock_ms = T0;
    return 0;
}

static void received(omb_complaint *c)
{
    omb_complaint_init(c);
    apply(c, "received", 10, creation);
}

/* ---- snapshots: "unchanged" means every scalar and the document ---------- */

static void snapshot(const omb_complaint *c, omb_complaint *copy)
{
    *copy = *c;
    copy->doc = json_deep_copy(c->doc);
}

static void assert_same(const omb_complaint *a, const omb_complaint *b)
{
    assert_int_equal(a->id, b->id);
    assert_string_equal(a->no, b->no);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->grade, b->grade);
    assert_string_equal(a->channel, b->channel);
    assert_string_equal(a->business, b->business);
    assert_string_equal(a->cause, b->cause);
    assert_int_equal(a->received_at, b->received_at);
    assert_int_equal(a->updated_at, b->updated_at);
    assert_int_equal(a->target_party_id, b->target_party_id);
    assert_int_equal(a->product_id, b->product_id);
    assert_int_equal(a->lead_party_id, b->lead_party_id);
    assert_int_equal(a->assignee_id, b->assignee_id);
    assert_int_equal(a->amount_fen, b->amount_fen);
    assert_int_equal(a->complainants, b->complainants);
    assert_int_equal(a->first_decider_id, b->first_decider_id);
    assert_int_equal(a->version, b->version);
    if (!json_equal(a->doc, b->doc)) {
        char *x = json_dumps(a->doc, JSON_SORT_KEYS), *y = json_dumps(b->doc, JSON_SORT_KEYS);
        fail_msg("documents differ:\n%s\n%s", x, y);
    }
}

/* Applies an event that must be refused, and checks nothing changed. */
static void refused(omb_complaint *c, const char *type, int64_t seq, const char *payload)
{
    omb_complaint before;
    snapshot(c, &before);
    omb_err err;
    int rc = apply_seq(c, type, seq, T0 + 999 * MIN, 77, payload, &err);
    if (rc != OMB_ECONFLICT)
        fail_msg("%s (seq %lld) in state %s: rc %d, want conflict", type, (long long)seq,
                 omb_state_name(c->state), rc);
    assert_int_equal(err.rc, OMB_ECONFLICT);
    assert_string_equal(err.code, "fold_conflict");
    assert_true(strlen(err.message) > 0);
    assert_same(c, &before);
    json_decref(before.doc);
}

static const char *doc_str(const omb_complaint *c, const char *path1, const char *key)
{
    const json_t *o = path1 ? json_object_get(c->doc, path1) : c->doc;
    assert_non_null(o);
    const char *s = json_string_value(json_object_get(o, key));
    if (!s)
        fail_msg("doc %s.%s is not a string", path1 ? path1 : "", key);
    return s;
}

static int64_t doc_int(const omb_complaint *c, const char *path1, const char *key)
{
    const json_t *o = path1 ? json_object_get(c->doc, path1) : c->doc;
    assert_non_null(o);
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("doc %s.%s is not an integer", path1 ? path1 : "", key);
    return (int64_t)json_integer_value(v);
}

static const char *decision = "{\"finding\":\"多收服务费属实\",\"responsibility\":\"institution\","
                              "\"remedy\":\"退还服务费\",\"basis\":\"合同第5条\","
                              "\"routes\":[\"review\",\"mediation\"],\"compensation_fen\":12000}";
static const char *notice = "{\"method\":\"sms\",\"notified_at\":\"2026-11-23T10:00:00+08:00\","
                            "\"proof\":\"sms:abc123\"}";

/* ---- creation --------------------------------------------------------- */

static void test_received(void **state)
{
    (void)state;
    omb_complaint c;
    received(&c);
    assert_int_equal(c.state, OMB_ST_RECEIVED);
    assert_int_equal(c.version, 1);
    assert_int_equal(c.id, 500);
    assert_string_equal(c.no, "TS20261122000001");
    assert_int_equal(c.received_at, T0 + 15 * MIN); /* 08:15 at +08:00 is 00:15Z */
    assert_int_equal(c.updated_at, T0 + MIN);
    assert_string_equal(c.channel, "app");
    assert_string_equal(c.business, "B01");
    assert_string_equal(c.cause, "C05");
    assert_int_equal(c.grade, OMB_GRADE_GENERAL);
    assert_int_equal(c.target_party_id, 3);
    assert_int_equal(c.lead_party_id, 3); /* defaults to the target */
    assert_int_equal(c.product_id, 11);
    assert_int_equal(c.amount_fen, 150000);
    assert_int_equal(c.complainants, 2);
    assert_int_equal(c.assignee_id, 0);
    assert_int_equal(c.first_decider_id, 0);
    /* the document: the payload plus the scalars; a "state" in a received payload is ignored */
    assert_string_equal(doc_str(&c, NULL, "state"), "received");
    assert_string_equal(doc_str(&c, NULL, "state_zh"), "登记");
    assert_string_equal(doc_str(&c, NULL, "grade"), "general");
    assert_string_equal(doc_str(&c, NULL, "received_at"), "2026-11-22T00:15:00.000Z");
    assert_string_equal(doc_str(&c, NULL, "description"), "多收了服务费");
    assert_string_equal(doc_str(&c, "complainant", "name"), "张三");
    assert_int_equal(doc_int(&c, NULL, "version"), 1);
    assert_int_equal(doc_int(&c, NULL, "lead_party"), 3);
    /* no assignee yet: the member is absent, not null */
    assert_null(json_object_get(c.doc, "assignee"));
    assert_true(json_is_array(json_object_get(c.doc, "tags")));
    assert_int_equal(json_array_size(json_object_get(c.doc, "tags")), 0);
    omb_complaint_release(&c);
}

static void test_received_defaults(void **state)
{
    (void)state;
    omb_complaint c;
    omb_complaint_init(&c);
    assert_int_equal(c.complainants, 1);
    apply(&c, "received", 1,
          "{\"no\":\"TS20261122000002\",\"received_at\":\"2026-11-22T00:00:00Z\","
          "\"lead_party\":4,\"grade\":\"urgent\",\"assignee\":6}");
    assert_int_equal(c.received_at, T0);
    assert_int_equal(c.complainants, 1);
    assert_int_equal(c.target_party_id, 0);
    assert_int_equal(c.lead_party_id, 4);
    assert_int_equal(c.assignee_id, 6);
    assert_int_equal(c.grade, OMB_GRADE_URGENT);
    assert_string_equal(c.channel, "");
    /* optional members without a value are left out, never null */
    assert_null(json_object_get(c.doc, "channel"));
    assert_null(json_object_get(c.doc, "target_party"));
    assert_null(json_object_get(c.doc, "product"));
    assert_null(json_object_get(c.doc, "business"));
    assert_null(json_object_get(c.doc, "cause"));
    const char *key;
    json_t *v;
    json_object_foreach(c.doc, key, v)
    {
        if (json_is_null(v))
            fail_msg("document member %s is null", key);
    }
    omb_complaint_release(&c);
}

static void test_bad_creation(void **state)
{
    (void)state;
    omb_complaint c;
    omb_complaint_init(&c);
    /* lacking the number or the time */
    refused(&c, "received", 1, "{\"received_at\":\"2026-11-22T00:00:00Z\"}");
    refused(&c, "received", 1, "{\"no\":\"TS20261122000001\"}");
    /* a number too long for the complaint */
    refused(&c, "received", 1,
            "{\"no\":\"TS2026112200000000000000001\",\"received_at\":\"2026-11-22T00:00:00Z\"}");
    /* a bad time, a bad grade */
    refused(&c, "received", 1, "{\"no\":\"TS20261122000001\",\"received_at\":\"2026-02-30\"}");
    refused(&c, "received", 1,
            "{\"no\":\"TS20261122000001\",\"received_at\":\"2026-11-22T00:00:00Z\","
            "\"grade\":\"apocalyptic\"}");
    /* an import in a state that does not exist */
    refused(&c, "imported", 1,
            "{\"no\":\"TS20261122000001\",\"received_at\":\"2026-11-22T00:00:00Z\","
            "\"state\":\"limbo\"}");
    /* a creation that is not first */
    refused(&c, "received", 2, creation);
    assert_int_equal(c.version, 0);
    assert_int_equal(c.state, OMB_ST_RECEIVED);
    /* anything but a creation on an empty complaint */
    refused(&c, "accepted", 1, NULL);
    refused(&c, "note_added", 1, "{\"text\":\"x\"}");
    omb_complaint_release(&c);
}

/* ---- whole lifecycles ------------------------------------------------- */

/* The dispatch decision that follows every creation through the API (user 0: ombud). */
static const char *dispatch = "{\"rule\":\"pricing_cause\",\"lead_party\":4,\"lead_by\":\"funder\","
                              "\"lead_role\":\"funder\",\"department\":\"pricing\","
                              "\"queue\":\"pricing\",\"assignee\":20}";

static void test_full_lifecycle(void **state)
{
    (void)state;
    omb_complaint c;
    received(&c);
    /* dispatched at once: the lead party, its department and queue, an agent */
    apply(&c, "dispatched", 0, dispatch);
    assert_int_equal(c.state, OMB_ST_RECEIVED);
    assert_int_equal(c.lead_party_id, 4);
    assert_int_equal(c.assignee_id, 20);
    assert_int_equal(doc_int(&c, NULL, "lead_party"), 4);
    assert_int_equal(doc_int(&c, NULL, "assignee"), 20);
    assert_string_equal(doc_str(&c, NULL, "department"), "pricing");
    assert_string_equal(doc_str(&c, NULL, "queue"), "pricing");
    assert_string_equal(doc_str(&c, "dispatch", "rule"), "pricing_cause");
    assert_string_equal(doc_str(&c, "dispatch", "lead_by"), "funder");
    assert_int_equal(doc_int(&c, "dispatch", "by"), 0);
    assert_string_equal(doc_str(&c, "dispatch", "at"), "2026-11-22T00:02:00.000Z");
    /* the acceptance may hand the lead to another party */
    apply(&c, "accepted", 10, "{\"lead_party\":5,\"note\":\"受理\",\"assignee\":30}");
    assert_int_equal(c.state, OMB_ST_ACCEPTED);
    assert_int_equal(c.lead_party_id, 5);
    assert_int_equal(c.assignee_id, 30);
    assert_string_equal(doc_str(&c, NULL, "queue"), "pricing");
    assert_int_equal(doc_int(&c, "acceptance", "by"), 10);
    assert_string_equal(doc_str(&c, "acceptance", "at"), "2026-11-22T00:03:00.000Z");
    assert_string_equal(doc_str(&c, "acceptance", "note"), "受理");

    apply(&c, "assigned", 10, "{\"assignee\":21}");
    assert_int_equal(c.assignee_id, 21);
    assert_int_equal(c.state, OMB_ST_ACCEPTED);
    apply(&c, "investigation_started", 21, NULL);
    assert_int_equal(c.state, OMB_ST_INVESTIGATING);
    assert_non_null(json_object_get(c.doc, "investigation"));
    apply(&c, "note_added", 21, "{\"text\":\"called the consumer\"}");
    apply(&c, "note_added", 21, "{\"text\":\"asked the funder\"}");
    assert_int_equal(doc_int(&c, NULL, "notes"), 2);
    assert_int_equal(c.state, OMB_ST_INVESTIGATING);

    apply(&c, "decided", 21, decision);
    assert_int_equal(c.state, OMB_ST_DECIDED);
    assert_int_equal(c.first_decider_id, 21);
    assert_int_equal(doc_int(&c, NULL, "first_decider"), 21);
    assert_int_equal(doc_int(&c, NULL, "decisions"), 1);
    assert_string_equal(doc_str(&c, "decision", "finding"), "多收服务费属实");
    assert_string_equal(doc_str(&c, "decision", "responsibility"), "institution");
    assert_int_equal(doc_int(&c, "decision", "compensation_fen"), 12000);
    assert_int_equal(doc_int(&c, "decision", "by"), 21);

    apply(&c, "notified", 21, notice);
    assert_int_equal(c.state, OMB_ST_NOTIFIED);
    assert_string_equal(doc_str(&c, "notice", "method"), "sms");
    assert_string_equal(doc_str(&c, "notice", "proof"), "sms:abc123");
    assert_string_equal(doc_str(&c, "notice", "notified_at"), "2026-11-23T10:00:00+08:00");

    apply(&c, "closed", 21, "{\"summary\":\"refunded\"}");
    assert_int_equal(c.state, OMB_ST_CLOSED);
    assert_string_equal(doc_str(&c, "closure", "summary"), "refunded");

    /* closed complaints are not assigned or classified, but take notes */
    refused(&c, "assigned", 0, "{\"assignee\":22}");
    refused(&c, "classified", 0, "{\"grade\":\"major\"}");
    apply(&c, "note_added", 21, "{\"text\":\"callback done\"}");
    assert_int_equal(c.state, OMB_ST_CLOSED);

    /* new facts reopen it: back to investigating, and around again */
    apply(&c, "reopened", 30, "{\"facts\":\"新的还款记录\"}");
    assert_int_equal(c.state, OMB_ST_INVESTIGATING);
    assert_int_equal(doc_int(&c, NULL, "reopened"), 1);
    assert_string_equal(doc_str(&c, "reopening", "facts"), "新的还款记录");
    apply(&c, "decided", 22,
          "{\"finding\":\"second\",\"responsibility\":\"shared\",\"remedy\":\"r\","
          "\"basis\":\"b\",\"routes\":[]}");
    assert_int_equal(c.first_decider_id, 21); /* the first decision's author stays */
    assert_int_equal(doc_int(&c, NULL, "decisions"), 2);
    assert_string_equal(doc_str(&c, "decision", "finding"), "second");
    apply(&c, "notified", 22, notice);
    apply(&c, "closed", 22, "{\"summary\":\"done again\"}");
    assert_int_equal(c.state, OMB_ST_CLOSED);
    assert_int_equal(c.version, 15);
    assert_int_equal(doc_int(&c, NULL, "version"), 15);
    assert_int_equal(c.updated_at, T0 + 15 * MIN);
    assert_string_equal(doc_str(&c, NULL, "updated_at"), "2026-11-22T00:15:00.000Z");
    /* the routing of the dispatch outlives the lifecycle; a closed complaint is not routed */
    assert_string_equal(doc_str(&c, "dispatch", "rule"), "pricing_cause");
    refused(&c, "dispatched", 0, dispatch);
    assert_string_equal(doc_str(&c, NULL, "state"), "closed");
    assert_string_equal(doc_str(&c, NULL, "state_zh"), "办结");
    omb_complaint_release(&c);
}

static void test_review_path(void **state)
{
    (void)state;
    omb_complaint c;
    received(&c);
    apply(&c, "accepted", 10, NULL);
    apply(&c, "investigation_started", 10, NULL);
    apply(&c, "decided", 10, decision);
    apply(&c, "notified", 10, notice);
    apply(&c, "review_requested", 10,
          "{\"reason\":\"不服处理决定\",\"applied_at\":\"2026-11-30T09:00:00+08:00\"}");
    assert_int_equal(c.state, OMB_ST_REVIEW);
    assert_string_equal(doc_str(&c, "review", "reason"), "不服处理决定");
    /* a review cannot be closed or notified before its decision */
    refused(&c, "closed", 0, "{\"summary\":\"x\"}");
    refused(&c, "notified", 0, notice);
    refused(&c, "review_requested", 0, "{\"reason\":\"again\"}");
    apply(&c, "decided", 11,
          "{\"finding\":\"维持原决定\",\"responsibility\":\"consumer\",\"remedy\":\"无\","
          "\"basis\":\"b\",\"routes\":[\"mediation\"]}");
    assert_int_equal(c.state, OMB_ST_DECIDED);
    assert_int_equal(c.first_decider_id, 10);
    assert_int_equal(doc_int(&c, NULL, "decisions"), 2);
    assert_string_equal(doc_str(&c, "decision", "finding"), "维持原决定");
    assert_int_equal(doc_int(&c, "decision", "by"), 11);
    apply(&c, "notified", 11, notice);
    apply(&c, "closed", 11, "{\"summary\":\"upheld\"}");
    assert_int_equal(c.state, OMB_ST_CLOSED);
    assert_int_equal(c.version, 9);
    omb_complaint_release(&c);
}

static void test_mediation_path(void **state)
{
    (void)state;
    omb_complaint c;
    received(&c);
    apply(&c, "accepted", 10, NULL);
    apply(&c, "investigation_started", 10, NULL);
    apply(&c, "decided", 10, decision);
    apply(&c, "notified", 10, notice);
    apply(&c, "mediation_referred", 10, "{\"mediator_party\":9,\"reason\":\"consumer asked\"}");
    assert_int_equal(c.state, OMB_ST_MEDIATION);
    assert_int_equal(doc_int(&c, "mediation", "mediator_party"), 9);
    const json_t *parties = json_object_get(c.doc, "parties");
    assert_true(json_is_array(parties));
    assert_int_equal(json_array_size(parties), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(parties, 0), "party")), 9);
    assert_string_equal(json_string_value(json_object_get(json_array_get(parties, 0), "role")),
                        "mediator");
    /* classification still works during mediation */
    apply(&c, "classified", 10, "{\"grade\":\"important\"}");
    assert_int_equal(c.grade, OMB_GRADE_IMPORTANT);
    refused(&c, "reopened", 0, "{\"facts\":\"x\"}");
    /* the mediator decides: a new decision, notified, then a second mediation */
    apply(&c, "decided", 90, decision);
    apply(&c, "notified", 10, notice);
    apply(&c, "mediation_referred", 10, "{\"mediator_party\":9}");
    assert_int_equal(json_array_size(json_object_get(c.doc, "parties")), 1); /* not twice */
    refused(&c, "mediation_referred", 0, "{\"mediator_party\":9}"); /* already in mediation */
    omb_complaint_release(&c);
}

static void test_mediation_close_and_second_mediator(void **state)
{
    (void)state;
    omb_complaint c;
    received(&c);
    apply(&c, "accepted", 10, NULL);
    apply(&c, "investigation_started", 10, NULL);
    apply(&c, "decided", 10, decision);
    apply(&c, "notified", 10, notice);
    apply(&c, "mediation_referred", 10, "{\"mediator_party\":9}");
    /* mediation -> closed directly (agreement reached) */
    apply(&c, "closed", 90, "{\"summary\":\"调解成功\"}");
    assert_int_equal(c.state, OMB_ST_CLOSED);
    apply(&c, "reopened", 30, "{\"facts\":\"x\"}");
    apply(&c, "decided", 10, decision);
    apply(&c, "notified", 10, notice);
    apply(&c, "mediation_referred", 10, "{\"mediator_party\":12}");
    const json_t *parties = json_object_get(c.doc, "parties");
    assert_int_equal(json_array_size(parties), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(parties, 1), "party")), 12);
    omb_complaint_release(&c);
}

static void test_terminal_paths(void **state)
{
    (void)state;
    omb_complaint c;

    received(&c);
    apply(&c, "rejected", 10, "{\"reason\":\"不属于受理范围\"}");
    assert_int_equal(c.state, OMB_ST_REJECTED);
    assert_string_equal(doc_str(&c, "rejection", "reason"), "不属于受理范围");
    refused(&c, "accepted", 0, NULL);
    refused(&c, "reopened", 0, "{\"facts\":\"x\"}");
    refused(&c, "withdrawn", 0, "{\"reason\":\"x\"}");
    apply(&c, "note_added", 10, "{\"text\":\"consumer called\"}");
    assert_int_equal(c.state, OMB_ST_REJECTED);
    omb_complaint_release(&c);

    received(&c);
    apply(&c, "accepted", 10, NULL);
    apply(&c, "merged", 10, "{\"into\":\"TS20261122000009\"}");
    assert_int_equal(c.state, OMB_ST_MERGED);
    assert_string_equal(doc_str(&c, "merge", "into"), "TS20261122000009");
    refused(&c, "investigation_started", 0, NULL);
    omb_complaint_release(&c);

    received(&c);
    apply(&c, "accepted", 10, NULL);
    apply(&c, "investigation_started", 10, NULL);
    apply(&c, "withdrawn", 10, "{\"reason\":\"协商解决\"}");
    assert_int_equal(c.state, OMB_ST_WITHDRAWN);
    assert_string_equal(doc_str(&c, "withdrawal", "reason"), "协商解决");
    refused(&c, "decided", 0, decision);
    refused(&c, "assigned", 0, "{\"assignee\":3}");
    omb_complaint_release(&c);

    /* a decided complaint can no longer be withdrawn or merged */
    received(&c);
    apply(&c, "accepted", 10, NULL);
    apply(&c, "investigation_started", 10, NULL);
    apply(&c, "decided", 10, decision);
    refused(&c, "withdrawn", 0, "{\"reason\":\"x\"}");
    refused(&c, "merged", 0, "{\"into\":\"x\"}");
    refused(&c, "closed", 0, "{\"summary\":\"x\"}");
    omb_complaint_release(&c);
}

static void test_imported(void **state)
{
    (void)state;
    omb_complaint c;
    omb_complaint_init(&c);
    apply(&c, "imported", 1, creation); /* the payload says "closed" */
    assert_int_equal(c.state, OMB_ST_CLOSED);
    assert_int_equal(c.version, 1);
    assert_string_equal(doc_str(&c, NULL, "state"), "closed");
    /* the import continues from its historical state */
    refused(&c, "accepted", 0, NULL);
    apply(&c, "reopened", 30, "{\"facts\":\"x\"}");
    assert_int_equal(c.state, OMB_ST_INVESTIGATING);
    omb_complaint_release(&c);

    omb_complaint_init(&c);
    apply(&c, "imported", 1,
          "{\"no\":\"TS20200101000001\",\"received_at\":\"2020-01-01\",\"state\":\"notified\"}");
    assert_int_equal(c.state, OMB_ST_NOTIFIED);
    assert_int_equal(c.received_at, 1577836800000LL); /* midnight UTC: imports carry no zone */
    apply(&c, "review_requested", 1, "{\"reason\":\"r\"}");
    assert_int_equal(c.state, OMB_ST_REVIEW);
    omb_complaint_release(&c);

    /* no state: received */
    omb_complaint_init(&c);
    apply(&c, "imported", 1,
          "{\"no\":\"TS20200101000002\",\"received_at\":\"2020-01-01T00:00:00Z\"}");
    assert_int_equal(c.state, OMB_ST_RECEIVED);
    refused(&c, "imported", 0,
            "{\"no\":\"TS20200101000002\",\"received_at\":\"2020-01-01T00:00:00Z\"}");
    omb_complaint_release(&c);
}

/* ---- refusals --------------------------------------------------------- */

static void test_out_of_order_seq(void **state)
{
    (void)state;
    omb_complaint c;
    received(&c);
    refused(&c, "accepted", 3, NULL); /* a gap */
    refused(&c, "accepted", 1, NULL); /* a repeat */
    refused(&c, "accepted", -1, NULL);
    omb_err err;
    assert_int_equal(apply_seq(&c, "accepted", 2, T0 + 5 * MIN, 10, NULL, &err), OMB_OK);
    assert_int_equal(c.version, 2);
    refused(&c, "investigation_started", 2, NULL);
    refused(&c, "investigation_started", 4, NULL);
    assert_int_equal(apply_seq(&c, "investigation_started", 3, T0 + 6 * MIN, 10, NULL, &err),
                     OMB_OK);
    assert_int_equal(c.state, OMB_ST_INVESTIGATING);
    omb_complaint_release(&c);
}

static void test_illegal_from_state(void **state)
{
    (void)state;
    omb_complaint c;
    received(&c);
    apply(&c, "classified", 10, "{\"tags\":[\"fees\"]}");
    refused(&c, "decided", 0, decision);
    refused(&c, "notified", 0, notice);
    refused(&c, "closed", 0, "{\"summary\":\"x\"}");
    refused(&c, "reopened", 0, "{\"facts\":\"x\"}");
    refused(&c, "investigation_started", 0, NULL);
    refused(&c, "review_requested", 0, "{\"reason\":\"x\"}");
    refused(&c, "mediation_referred", 0, "{\"mediator_party\":9}");
    assert_int_equal(c.state, OMB_ST_RECEIVED);
    assert_int_equal(c.version, 2);
    omb_complaint_release(&c);
}

static void test_unknown_event_type(void **state)
{
    (void)state;
    omb_complaint c;
    omb_complaint_init(&c);
    refused(&c, "exploded", 1, NULL);
    omb_complaint_release(&c);
    received(&c);
    refused(&c, "exploded", 0, NULL);
    refused(&c, "", 0, NULL);
    refused(&c, "accept", 0, NULL);   /* an action name, not an event type */
    refused(&c, "Accepted", 0, NULL); /* event types are exact */
    omb_complaint_release(&c);
}

static void test_failing_applier_leaves_complaint(void **state)
{
    (void)state;
    omb_complaint c;
    received(&c);
    /* the table allows classify here, but the grade is unknown: nothing may stick */
    refused(&c, "classified", 0,
            "{\"business\":\"B99\",\"cause\":\"C99\",\"grade\":\"apocalyptic\",\"tags\":[\"x\"]}");
    assert_string_equal(c.business, "B01");
    assert_string_equal(c.cause, "C05");
    assert_int_equal(json_array_size(json_object_get(c.doc, "tags")), 0);
    omb_complaint_release(&c);
}

/* ---- document fields -------------------------------------------------- */

/* The only member of the document's grade_reasons. */
static const char *only_reason(const omb_complaint *c)
{
    const json_t *r = json_object_get(c->doc, "grade_reasons");
    assert_int_equal(json_array_size(r), 1);
    return json_string_value(json_array_get(r, 0));
}

static void test_grade_reasons_follow_the_grade(void **state)
{
    (void)state;
    omb_complaint c;
    omb_complaint_init(&c);
    apply(&c, "received", 1,
          "{\"no\":\"TS20261122000002\",\"received_at\":\"2026-11-22T00:00:00Z\","
          "\"target_party\":3,\"grade\":\"urgent\",\"grade_reasons\":[\"text:跳楼\"]}");
    assert_string_equal(only_reason(&c), "text:跳楼");
    /* a classification that leaves the grade alone leaves its reasons alone */
    apply(&c, "classified", 10, "{\"cause\":\"C01\",\"reason\":\"重新分类\"}");
    apply(&c, "classified", 10, "{\"grade\":\"urgent\"}");
    assert_string_equal(only_reason(&c), "text:跳楼");
    /* lowered by user 8 (the app checked the role): the reasons say who and why */
    omb_err err;
    assert_int_equal(apply_seq(&c, "classified", 0, T0 + 30 * MIN, 8,
                               "{\"grade\":\"general\",\"reason\":\"引用他人原话\"}", &err),
                     OMB_OK);
    assert_int_equal(c.grade, OMB_GRADE_GENERAL);
    assert_string_equal(only_reason(&c), "given:8:引用他人原话");
    /* raised by user 9 without a reason: who, at least */
    assert_int_equal(
        apply_seq(&c, "classified", 0, T0 + 40 * MIN, 9, "{\"grade\":\"major\"}", &err), OMB_OK);
    assert_string_equal(only_reason(&c), "given:9");
    omb_complaint_release(&c);
}

static void test_classify_and_attachments(void **state)
{
    (void)state;
    omb_complaint c;
    received(&c);
    apply(&c, "classified", 10,
          "{\"business\":\"B07\",\"cause\":\"C12\",\"grade\":\"urgent\","
          "\"tags\":[\"催收\",\"fees\"]}");
    assert_string_equal(c.business, "B07");
    assert_string_equal(c.cause, "C12");
    assert_int_equal(c.grade, OMB_GRADE_URGENT);
    assert_string_equal(doc_str(&c, NULL, "grade"), "urgent");
    assert_string_equal(doc_str(&c, NULL, "grade_zh"), "紧急");
    assert_string_equal(doc_str(&c, NULL, "business"), "B07");
    const json_t *tags = json_object_get(c.doc, "tags");
    assert_int_equal(json_array_size(tags), 2);
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "催收");
    /* a classification without tags or grade keeps them; new tags replace the old */
    apply(&c, "classified", 10, "{\"cause\":\"C01\"}");
    assert_string_equal(c.cause, "C01");
    assert_string_equal(c.business, "B07");
    assert_int_equal(c.grade, OMB_GRADE_URGENT);
    assert_int_equal(json_array_size(json_object_get(c.doc, "tags")), 2);
    apply(&c, "classified", 10,
          "{\"tags\":[\"marketing\"],\"grade\":\"general\",\"reason\":\"关键词误报\"}");
    tags = json_object_get(c.doc, "tags");
    assert_int_equal(json_array_size(tags), 1);
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "marketing");
    assert_int_equal(c.grade, OMB_GRADE_GENERAL);

    apply(&c, "attachment_added", 10, "{\"sha256\":\"aa\",\"name\":\"合同.pdf\"}");
    apply(&c, "attachment_added", 11, "{\"sha256\":\"bb\",\"name\":\"录音.mp3\"}");
    const json_t *att = json_object_get(c.doc, "attachments");
    assert_int_equal(json_array_size(att), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(att, 0), "sha256")), "aa");
    assert_string_equal(json_string_value(json_object_get(json_array_get(att, 1), "name")),
                        "录音.mp3");
    assert_string_equal(json_string_value(json_object_get(json_array_get(att, 1), "at")),
                        "2026-11-22T00:06:00.000Z");
    assert_null(json_object_get(json_array_get(att, 1), "event"));
    assert_int_equal(c.state, OMB_ST_RECEIVED);
    assert_int_equal(c.version, 6);
    /* a text file whose personal data is masked names the event holding its sealed original,
       and the sealed box stays in the event */
    apply(&c, "attachment_added", 11,
          "{\"sha256\":\"cc\",\"name\":\"narrative.txt\",\"masked\":true,"
          "\"sealed_text\":\"v1.box\"}");
    att = json_array_get(json_object_get(c.doc, "attachments"), 2);
    assert_true(json_is_true(json_object_get(att, "masked")));
    assert_int_equal(json_integer_value(json_object_get(att, "event")), 7);
    assert_null(json_object_get(att, "sealed_text"));
    omb_complaint_release(&c);
}

static void test_event_payload_not_shared(void **state)
{
    (void)state;
    /* changing an event after it was applied does not reach the complaint */
    omb_complaint c;
    received(&c);
    omb_event ev;
    omb_event_init(&ev, "classified", T0 + 9 * MIN, 10, 1, parse("{\"tags\":[\"a\"]}"));
    ev.seq = 2;
    omb_err err;
    assert_int_equal(omb_fold_apply(&c, &ev, &err), OMB_OK);
    json_array_append_new(json_object_get(ev.payload, "tags"), json_string("b"));
    json_object_set_new(ev.payload, "extra", json_true());
    omb_event_release(&ev);
    assert_int_equal(json_array_size(json_object_get(c.doc, "tags")), 1);
    omb_complaint_release(&c);
}

static void test_sealed_text_stays_in_the_event(void **state)
{
    (void)state;
    /* the sealed originals of masked free text never reach the document */
    omb_complaint c;
    omb_complaint_init(&c);
    omb_event ev;
    json_t *p = parse(creation);
    json_object_set_new(p, OMB_SEALED_TEXT, json_string("v1.box"));
    omb_event_init(&ev, "received", T0, 10, 1, p);
    ev.seq = 1;
    omb_err err;
    assert_int_equal(omb_fold_apply(&c, &ev, &err), OMB_OK);
    assert_non_null(json_object_get(ev.payload, OMB_SEALED_TEXT)); /* the event keeps it */
    omb_event_release(&ev);
    apply(&c, "accepted", 10, "{\"note\":\"137****7000\",\"sealed_text\":\"v1.box\"}");
    apply(&c, "note_added", 10, "{\"text\":\"137****7000\",\"sealed_text\":\"v1.box\"}");
    apply(&c, "investigation_started", 10, "{\"sealed_text\":\"v1.box\"}");
    apply(&c, "extended", 10,
          "{\"clock\":\"decision\",\"days\":30,\"reason\":\"r\",\"sealed_text\":\"v1.box\"}");
    char *text = json_dumps(c.doc, JSON_COMPACT);
    assert_null(strstr(text, "sealed_text"));
    assert_null(strstr(text, "v1.box"));
    free(text);
    assert_string_equal(doc_str(&c, "acceptance", "note"), "137****7000");
    omb_complaint_release(&c);
    /* the payload public view drops both sealed boxes */
    json_t *pub = parse("{\"text\":\"x\",\"sealed_text\":\"v1.a\","
                        "\"complainant\":{\"name\":\"张*\",\"sealed\":\"v1.b\"}}");
    omb_event_payload_public(pub);
    assert_null(json_object_get(pub, OMB_SEALED_TEXT));
    assert_null(json_object_get(json_object_get(pub, "complainant"), "sealed"));
    assert_string_equal(json_string_value(json_object_get(pub, "text")), "x");
    json_decref(pub);
}

/* ---- the document round trip ----------------------------------------- */

static void from_doc_of(const omb_complaint *c, omb_complaint *out)
{
    omb_err err;
    omb_err_clear(&err);
    int rc = omb_complaint_from_doc(out, json_deep_copy(c->doc), &err);
    if (rc)
        fail_msg("from_doc: %s %s", err.code, err.message);
}

static void test_doc_round_trip(void **state)
{
    (void)state;
    omb_complaint c, d;
    received(&c);
    apply(&c, "dispatched", 0, dispatch);
    apply(&c, "accepted", 10, "{\"lead_party\":5}");
    apply(&c, "assigned", 10, "{\"assignee\":21}");
    apply(&c, "classified", 10, "{\"grade\":\"major\",\"tags\":[\"t\"],\"business\":\"B02\"}");
    apply(&c, "investigation_started", 21, NULL);
    apply(&c, "decided", 21, decision);
    apply(&c, "notified", 21, notice);
    apply(&c, "review_requested", 21, "{\"reason\":\"r\"}");
    from_doc_of(&c, &d);
    /* from_doc does not know the id; the store does */
    d.id = c.id;
    assert_same(&c, &d);
    assert_int_equal(d.first_decider_id, 21);
    assert_int_equal(d.state, OMB_ST_REVIEW);
    assert_int_equal(d.grade, OMB_GRADE_MAJOR);
    assert_int_equal(d.lead_party_id, 5);
    assert_int_equal(d.assignee_id, 21);
    /* syncing the loaded complaint gives the same document back */
    omb_complaint_sync_doc(&d);
    assert_same(&c, &d);
    /* and the loaded complaint folds on like the original */
    omb_err err;
    assert_int_equal(apply_seq(&d, "decided", 0, T0 + 100 * MIN, 22, decision, &err), OMB_OK);
    assert_int_equal(d.state, OMB_ST_DECIDED);
    assert_int_equal(d.first_decider_id, 21);
    assert_int_equal(d.version, 10);
    omb_complaint_release(&d);
    omb_complaint_release(&c);

    /* the linkage a document keeps: a dispatch and a pending transfer to a new party */
    received(&c);
    apply(&c, "dispatched", 0, dispatch);
    apply(&c, "transferred", 10,
          "{\"to_party\":6,\"transfer\":1,\"reason\":\"由平台处理\",\"queue\":\"app\","
          "\"due_at\":\"2026-11-23T00:00:00.000Z\"}");
    assert_int_equal(c.lead_party_id, 4); /* until the transfer is acknowledged */
    from_doc_of(&c, &d);
    d.id = c.id;
    assert_same(&c, &d);
    assert_int_equal(d.lead_party_id, 4);
    assert_int_equal(d.assignee_id, 20);
    omb_complaint_sync_doc(&d);
    assert_same(&c, &d);
    /* and the loaded complaint takes the acknowledgement like the original */
    assert_int_equal(apply_seq(&d, "transfer_acknowledged", 0, T0 + 100 * MIN, 30,
                               "{\"transfer\":1,\"lead_party\":6,\"queue\":\"app\","
                               "\"rule\":\"transfer\",\"assignee\":31}",
                               &err),
                     OMB_OK);
    assert_int_equal(d.lead_party_id, 6);
    assert_int_equal(d.assignee_id, 31);
    omb_complaint_release(&d);
    omb_complaint_release(&c);
}

static void test_handover_without_agent(void **state)
{
    (void)state;
    omb_complaint c;
    received(&c);
    apply(&c, "assigned", 10, "{\"assignee\":20}");
    /* the same lead party: the assignee stays */
    apply(&c, "accepted", 10, "{\"lead_party\":3}");
    assert_int_equal(c.assignee_id, 20);
    omb_complaint_release(&c);
    /* handed to party 5 with none of its agents on duty: unassigned, the member absent */
    received(&c);
    apply(&c, "assigned", 10, "{\"assignee\":20}");
    apply(&c, "accepted", 10, "{\"lead_party\":5}");
    assert_int_equal(c.lead_party_id, 5);
    assert_int_equal(c.assignee_id, 0);
    assert_null(json_object_get(c.doc, "assignee"));
    assert_null(json_object_get(json_object_get(c.doc, "acceptance"), "assignee"));
    omb_complaint_release(&c);
    /* an older event wrote "no agent" as null: the same fold */
    received(&c);
    apply(&c, "assigned", 10, "{\"assignee\":20}");
    apply(&c, "accepted", 10, "{\"lead_party\":5,\"assignee\":null}");
    assert_int_equal(c.assignee_id, 0);
    assert_null(json_object_get(c.doc, "assignee"));
    omb_complaint_release(&c);
}

static void test_doc_round_trip_edges(void **state)
{
    (void)state;
    omb_complaint c, d;
    /* zero and empty scalars are left out of the document and come back as zero and empty */
    omb_complaint_init(&c);
    apply(&c, "received", 1,
          "{\"no\":\"TS20261122000003\",\"received_at\":\"2026-11-22T00:00:00.007Z\","
          "\"target_party\":3,\"lead_party\":0}");
    assert_int_equal(c.lead_party_id, 0);
    assert_int_equal(c.received_at, T0 + 7);
    from_doc_of(&c, &d);
    d.id = c.id;
    assert_same(&c, &d);
    omb_complaint_release(&d);
    omb_complaint_release(&c);

    /* an imported complaint in a terminal state */
    omb_complaint_init(&c);
    apply(&c, "imported", 1,
          "{\"no\":\"TS20261122000004\",\"received_at\":\"2026-11-22T00:00:00Z\","
          "\"state\":\"withdrawn\",\"complainants\":25,\"amount_fen\":0}");
    from_doc_of(&c, &d);
    d.id = c.id;
    assert_same(&c, &d);
    assert_int_equal(d.state, OMB_ST_WITHDRAWN);
    assert_int_equal(d.complainants, 25);
    omb_complaint_release(&d);
    omb_complaint_release(&c);
}

static void test_from_doc_refuses_bad_documents(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"received_at\":\"2026-11-22T00:00:00.000Z\",\"state\":\"received\"}",
        "{\"no\":\"TS20261122000001\",\"state\":\"received\"}",
        "{\"no\":\"TS20261122000001\",\"received_at\":\"2026-11-22T00:00:00.000Z\"}",
        "{\"no\":\"TS20261122000001\",\"received_at\":\"2026-11-22T00:00:00.000Z\","
        "\"state\":\"limbo\"}",
        "{\"no\":\"TS20261122000001\",\"received_at\":\"2026-11-22T00:00:00.000Z\","
        "\"state\":\"received\",\"grade\":\"extreme\"}",
        "{\"no\":\"TS20261122000001\",\"received_at\":\"yesterday\",\"state\":\"received\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        omb_complaint d;
        omb_err err;
        omb_err_clear(&err);
        assert_int_equal(omb_complaint_from_doc(&d, parse(bad[i]), &err), OMB_ECONFLICT);
        assert_string_equal(err.code, "fold_conflict");
        omb_complaint_release(&d);
    }
}

/* ---- grade names (they live in fold.c) --------------------------------- */

static void test_grade_names(void **state)
{
    (void)state;
    static const char *const names[] = {"general", "important", "urgent", "major"};
    static const char *const zh[] = {"一般", "重要", "紧急", "重大"};
    for (int g = OMB_GRADE_GENERAL; g <= OMB_GRADE_MAJOR; g++) {
        assert_string_equal(omb_grade_name((enum omb_grade)g), names[g]);
        assert_string_equal(omb_grade_zh((enum omb_grade)g), zh[g]);
        enum omb_grade back = OMB_GRADE_GENERAL;
        assert_int_equal(omb_grade_parse(names[g], &back), OMB_OK);
        assert_int_equal(back, g);
    }
    assert_string_equal(omb_grade_name((enum omb_grade)7), "unknown");
    assert_string_equal(omb_grade_zh((enum omb_grade)7), "未知");
    enum omb_grade out = OMB_GRADE_URGENT;
    assert_int_equal(omb_grade_parse("Major", &out), OMB_EINVAL);
    assert_int_equal(omb_grade_parse("", &out), OMB_EINVAL);
    assert_int_equal(out, OMB_GRADE_URGENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_received, setup),
        cmocka_unit_test_setup(test_received_defaults, setup),
        cmocka_unit_test_setup(test_bad_creation, setup),
        cmocka_unit_test_setup(test_full_lifecycle, setup),
        cmocka_unit_test_setup(test_review_path, setup),
        cmocka_unit_test_setup(test_mediation_path, setup),
        cmocka_unit_test_setup(test_mediation_close_and_second_mediator, setup),
        cmocka_unit_test_setup(test_terminal_paths, setup),
        cmocka_unit_test_setup(test_imported, setup),
        cmocka_unit_test_setup(test_out_of_order_seq, setup),
        cmocka_unit_test_setup(test_illegal_from_state, setup),
        cmocka_unit_test_setup(test_unknown_event_type, setup),
        cmocka_unit_test_setup(test_failing_applier_leaves_complaint, setup),
        cmocka_unit_test_setup(test_classify_and_attachments, setup),
        cmocka_unit_test_setup(test_grade_reasons_follow_the_grade, setup),
        cmocka_unit_test_setup(test_event_payload_not_shared, setup),
        cmocka_unit_test_setup(test_sealed_text_stays_in_the_event, setup),
        cmocka_unit_test_setup(test_doc_round_trip, setup),
        cmocka_unit_test_setup(test_handover_without_agent, setup),
        cmocka_unit_test_setup(test_doc_round_trip_edges, setup),
        cmocka_unit_test_setup(test_from_doc_refuses_bad_documents, setup),
        cmocka_unit_test_setup(test_grade_names, setup),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
