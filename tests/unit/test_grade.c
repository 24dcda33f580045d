/*
 * test_grade.c - unit tests for src/core/grade.c: grading a new complaint
 * (general / important / urgent / major) by the rules of docs/api.md
 * ("Registering a complaint").
 *
 * Each rule on its own (complainants, amount, channel, every signal, every
 * word of the text), both sides of each threshold, the highest grade
 * winning, a given grade acting as a floor, the reasons recorded, a custom
 * policy, and the refusal of unknown signals and grades; who may change a grade
 * later (lowering needs a supervisor or compliance officer and a reason) and the
 * reasons a grade set by hand carries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdio.h>
#include <string.h>

#include "core/grade.h"

/* Grades `text` with `policy` (defaults when NULL); reasons go to *reasons. */
static int grade_of(const omb_grade_policy *policy, const char *text, enum omb_grade *g,
                    json_t **reasons, omb_err *err)
{
    json_error_t jerr;
    json_t *p = json_loads(text, 0, &jerr);
    if (!p)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    *reasons = json_array();
    omb_err_clear(err);
    *g = OMB_GRADE_URGENT; /* a sentinel: errors must leave it alone */
    int rc = omb_grade_evaluate(policy ? policy : &omb_grade_defaults, p, g, *reasons, err);
    json_decref(p);
    return rc;
}

/* Expects `text` to grade as `want` with exactly the reasons listed (NULL-terminated). */
static void expect(const char *text, enum omb_grade want, ...)
{
    enum omb_grade g;
    json_t *reasons;
    omb_err err;
    int rc = grade_of(NULL, text, &g, &reasons, &err);
    if (rc != OMB_OK)
        fail_msg("%s: refused %s", text, err.code);
    if (g != want)
        fail_msg("%s: graded %s, want %s", text, omb_grade_name(g), omb_grade_name(want));
    va_list ap;
    va_start(ap, want);
    size_t n = 0;
    for (const char *r = va_arg(ap, const char *); r; r = va_arg(ap, const char *), n++) {
        const char *got = json_string_value(json_array_get(reasons, n));
        if (!got || strcmp(got, r) != 0)
            fail_msg("%s: reason %zu is %s, want %s", text, n, got ? got : "(none)", r);
    }
    va_end(ap);
    if (json_array_size(reasons) != n)
        fail_msg("%s: %zu reasons, want %zu", text, json_array_size(reasons), n);
    json_decref(reasons);
}

static void test_general(void **state)
{
    (void)state;
    expect("{}", OMB_GRADE_GENERAL, NULL);
    expect("{\"channel\":\"app\",\"description\":\"利率太高\",\"complainants\":1,"
           "\"amount_fen\":100,\"signals\":[]}",
           OMB_GRADE_GENERAL, NULL);
    expect("{\"grade\":\"general\"}", OMB_GRADE_GENERAL, NULL);
}

static void test_complainants(void **state)
{
    (void)state;
    expect("{\"complainants\":19}", OMB_GRADE_GENERAL, NULL);
    expect("{\"complainants\":20}", OMB_GRADE_MAJOR, "complainants>=20", NULL);
    expect("{\"complainants\":500}", OMB_GRADE_MAJOR, "complainants>=20", NULL);
}

static void test_amount(void **state)
{
    (void)state;
    expect("{\"amount_fen\":4999999}", OMB_GRADE_GENERAL, NULL);
    expect("{\"amount_fen\":5000000}", OMB_GRADE_IMPORTANT, "amount_fen>=5000000", NULL);
    expect("{\"amount_fen\":1000000000000}", OMB_GRADE_IMPORTANT, "amount_fen>=5000000", NULL);
}

static void test_channel(void **state)
{
    (void)state;
    expect("{\"channel\":\"regulator\"}", OMB_GRADE_IMPORTANT, "channel:regulator", NULL);
    expect("{\"channel\":\"hotline_12345\"}", OMB_GRADE_IMPORTANT, "channel:hotline_12345", NULL);
    expect("{\"channel\":\"Regulator\"}", OMB_GRADE_GENERAL, NULL);
    expect("{\"channel\":\"phone\"}", OMB_GRADE_GENERAL, NULL);
}

static void test_signals(void **state)
{
    (void)state;
    static const struct {
        const char *signal;
        enum omb_grade grade;
    } rules[] = {
        {"regulator_designated", OMB_GRADE_MAJOR}, {"disaster_event", OMB_GRADE_MAJOR},
        {"self_harm_threat", OMB_GRADE_URGENT},    {"violence_threat", OMB_GRADE_URGENT},
        {"media_exposure", OMB_GRADE_URGENT},      {"repeat", OMB_GRADE_IMPORTANT},
        {"vulnerable", OMB_GRADE_IMPORTANT},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        char text[128], why[64];
        snprintf(text, sizeof text, "{\"signals\":[\"%s\"]}", rules[i].signal);
        snprintf(why, sizeof why, "signal:%s", rules[i].signal);
        expect(text, rules[i].grade, why, NULL);
    }
    /* every signal the library lists is one it knows */
    size_t listed = 0;
    for (const char *const *s = omb_grade_signals; *s; s++, listed++) {
        char text[128];
        snprintf(text, sizeof text, "{\"signals\":[\"%s\"]}", *s);
        enum omb_grade g;
        json_t *reasons;
        omb_err err;
        assert_int_equal(grade_of(NULL, text, &g, &reasons, &err), OMB_OK);
        assert_true(g > OMB_GRADE_GENERAL);
        json_decref(reasons);
    }
    assert_int_equal(listed, sizeof rules / sizeof rules[0]);
    /* several signals: all recorded, the highest wins */
    expect("{\"signals\":[\"repeat\",\"media_exposure\",\"vulnerable\"]}", OMB_GRADE_URGENT,
           "signal:repeat", "signal:media_exposure", "signal:vulnerable", NULL);
}

static void test_unknown_signal(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"signals\":[\"angry\"]}", "{\"signals\":[\"repeat\",\"REPEAT\"]}",
        "{\"signals\":[\"\"]}",      "{\"complainants\":50,\"signals\":[\"vulnerable\",\"rich\"]}",
        "{\"signals\":[7]}", /* not even a string */
        "{\"signals\":[null]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum omb_grade g;
        json_t *reasons;
        omb_err err;
        assert_int_equal(grade_of(NULL, bad[i], &g, &reasons, &err), OMB_EFIELD);
        assert_string_equal(err.code, "invalid_value");
        assert_string_equal(err.field, "signals");
        assert_int_equal(g, OMB_GRADE_URGENT); /* *out untouched */
        json_decref(reasons);
    }
}

static void test_text(void **state)
{
    (void)state;
    static const struct {
        const char *word;
        enum omb_grade grade;
    } rules[] = {
        {"自杀", OMB_GRADE_URGENT},        {"轻生", OMB_GRADE_URGENT},
        {"跳楼", OMB_GRADE_URGENT},        {"不想活", OMB_GRADE_URGENT},
        {"同归于尽", OMB_GRADE_URGENT},    {"报复", OMB_GRADE_URGENT},
        {"曝光", OMB_GRADE_URGENT},        {"媒体", OMB_GRADE_URGENT},
        {"记者", OMB_GRADE_URGENT},        {"suicide", OMB_GRADE_URGENT},
        {"kill myself", OMB_GRADE_URGENT}, {"集体投诉", OMB_GRADE_IMPORTANT},
        {"老年人", OMB_GRADE_IMPORTANT},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        char text[160], why[64];
        snprintf(text, sizeof text, "{\"description\":\"催收电话太多，%s。\"}", rules[i].word);
        snprintf(why, sizeof why, "text:%s", rules[i].word);
        expect(text, rules[i].grade, why, NULL);
    }
    /* the words are looked for in the description only */
    expect("{\"claims\":\"我要曝光\",\"channel\":\"媒体\"}", OMB_GRADE_GENERAL, NULL);
    expect("{\"description\":\"平台服务态度差\"}", OMB_GRADE_GENERAL, NULL);
}

static void test_highest_wins(void **state)
{
    (void)state;
    expect("{\"amount_fen\":6000000,\"signals\":[\"self_harm_threat\"]}", OMB_GRADE_URGENT,
           "amount_fen>=5000000", "signal:self_harm_threat", NULL);
    expect("{\"complainants\":25,\"channel\":\"regulator\",\"description\":\"记者\"}",
           OMB_GRADE_MAJOR, "complainants>=20", "channel:regulator", "text:记者", NULL);
    expect("{\"channel\":\"hotline_12345\",\"description\":\"老年人\"}", OMB_GRADE_IMPORTANT,
           "channel:hotline_12345", "text:老年人", NULL);
}

static void test_given_grade_is_a_floor(void **state)
{
    (void)state;
    expect("{\"grade\":\"urgent\"}", OMB_GRADE_URGENT, "given", NULL);
    expect("{\"grade\":\"important\"}", OMB_GRADE_IMPORTANT, "given", NULL);
    expect("{\"grade\":\"major\",\"amount_fen\":9000000}", OMB_GRADE_MAJOR, "given",
           "amount_fen>=5000000", NULL);
    /* a rule may raise a given grade, never lower it */
    expect("{\"grade\":\"important\",\"description\":\"我要自杀\"}", OMB_GRADE_URGENT, "given",
           "text:自杀", NULL);
    expect("{\"grade\":\"general\",\"signals\":[\"vulnerable\"]}", OMB_GRADE_IMPORTANT,
           "signal:vulnerable", NULL);

    enum omb_grade g;
    json_t *reasons;
    omb_err err;
    assert_int_equal(grade_of(NULL, "{\"grade\":\"critical\"}", &g, &reasons, &err), OMB_EFIELD);
    assert_string_equal(err.code, "invalid_value");
    assert_string_equal(err.field, "grade");
    json_decref(reasons);
}

static void test_policy(void **state)
{
    (void)state;
    assert_int_equal(omb_grade_defaults.major_complainants, 20);
    assert_int_equal(omb_grade_defaults.important_amount_fen, 5000000);
    omb_grade_policy strict = {.major_complainants = 5, .important_amount_fen = 100000};
    enum omb_grade g;
    json_t *reasons;
    omb_err err;
    assert_int_equal(grade_of(&strict, "{\"complainants\":5}", &g, &reasons, &err), OMB_OK);
    assert_int_equal(g, OMB_GRADE_MAJOR);
    assert_string_equal(json_string_value(json_array_get(reasons, 0)), "complainants>=5");
    json_decref(reasons);
    assert_int_equal(
        grade_of(&strict, "{\"complainants\":4,\"amount_fen\":100000}", &g, &reasons, &err),
        OMB_OK);
    assert_int_equal(g, OMB_GRADE_IMPORTANT);
    assert_string_equal(json_string_value(json_array_get(reasons, 0)), "amount_fen>=100000");
    json_decref(reasons);
    /* a single complainant is the default when none is said */
    omb_grade_policy one = {.major_complainants = 1, .important_amount_fen = 1};
    assert_int_equal(grade_of(&one, "{}", &g, &reasons, &err), OMB_OK);
    assert_int_equal(g, OMB_GRADE_MAJOR);
    json_decref(reasons);
}

static void test_reasons_optional(void **state)
{
    (void)state;
    json_t *p = json_pack("{s:i,s:[s]}", "complainants", 30, "signals", "repeat");
    enum omb_grade g = OMB_GRADE_GENERAL;
    assert_int_equal(omb_grade_evaluate(&omb_grade_defaults, p, &g, NULL, NULL), OMB_OK);
    assert_int_equal(g, OMB_GRADE_MAJOR);
    json_decref(p);
    p = json_pack("{s:[s]}", "signals", "nope");
    assert_int_equal(omb_grade_evaluate(&omb_grade_defaults, p, &g, NULL, NULL), OMB_EFIELD);
    json_decref(p);
}

static void test_grade_change(void **state)
{
    (void)state;
    omb_err err;
    /* raising, or keeping, is open to every role that may classify, reason or not */
    assert_int_equal(
        omb_grade_change_check(OMB_GRADE_GENERAL, OMB_GRADE_URGENT, OMB_ROLE_AGENT, false, &err),
        OMB_OK);
    assert_int_equal(
        omb_grade_change_check(OMB_GRADE_URGENT, OMB_GRADE_URGENT, OMB_ROLE_AGENT, false, &err),
        OMB_OK);
    /* lowering: never by an agent, even with a reason */
    omb_err_clear(&err);
    assert_int_equal(
        omb_grade_change_check(OMB_GRADE_URGENT, OMB_GRADE_GENERAL, OMB_ROLE_AGENT, true, &err),
        OMB_EFORBIDDEN);
    assert_string_equal(err.code, "approval_required");
    assert_string_equal(err.field, "grade");
    assert_int_equal(
        omb_grade_change_check(OMB_GRADE_MAJOR, OMB_GRADE_IMPORTANT, OMB_ROLE_MEDIATOR, true, &err),
        OMB_EFORBIDDEN);
    /* a supervisor or a compliance officer, with a reason */
    omb_err_clear(&err);
    assert_int_equal(omb_grade_change_check(OMB_GRADE_URGENT, OMB_GRADE_GENERAL,
                                            OMB_ROLE_SUPERVISOR, false, &err),
                     OMB_EFIELD);
    assert_string_equal(err.code, "missing_field");
    assert_string_equal(err.field, "reason");
    assert_int_equal(omb_grade_change_check(OMB_GRADE_URGENT, OMB_GRADE_GENERAL,
                                            OMB_ROLE_SUPERVISOR, true, &err),
                     OMB_OK);
    assert_int_equal(
        omb_grade_change_check(OMB_GRADE_MAJOR, OMB_GRADE_URGENT, OMB_ROLE_COMPLIANCE, true, &err),
        OMB_OK);
}

static void test_given_reasons(void **state)
{
    (void)state;
    json_t *r = omb_grade_given_reasons(17, "误判：关键词出现在引用中");
    assert_int_equal(json_array_size(r), 1);
    assert_string_equal(json_string_value(json_array_get(r, 0)),
                        "given:17:误判：关键词出现在引用中");
    json_decref(r);
    r = omb_grade_given_reasons(5, NULL);
    assert_int_equal(json_array_size(r), 1);
    assert_string_equal(json_string_value(json_array_get(r, 0)), "given:5");
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_general),
        cmocka_unit_test(test_complainants),
        cmocka_unit_test(test_amount),
        cmocka_unit_test(test_channel),
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_unknown_signal),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_highest_wins),
        cmocka_unit_test(test_given_grade_is_a_floor),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_reasons_optional),
        cmocka_unit_test(test_grade_change),
        cmocka_unit_test(test_given_reasons),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
