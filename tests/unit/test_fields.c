/*
 * test_fields.c - unit tests for src/core/fields.c: checking JSON objects
 * from outside against omb_field_spec tables.
 *
 * Every error code omb_fields_check can give is provoked at least once
 * ("unknown_field", "missing_field", "invalid_type", "invalid_value",
 * "too_long", "too_short", "empty_value", "out_of_range", "invalid_time", "too_many"),
 * with the field path it names, for top-level and nested fields; lengths
 * are counted in code points; the JSON accessors' defaults; the
 * complaint creation table; and the bounds of time fields (omb_fields_check_times).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdio.h>
#include <string.h>

#include "core/complaint.h"
#include "core/fields.h"

static const char *const colours[] = {"red", "green", "blue", NULL};

static const omb_field_spec item_spec[] = {
    {"id", OMB_F_INT, true, 1, 99, NULL, NULL, 0},
    {"label", OMB_F_STRING, false, 0, 4, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

static const omb_field_spec inner_spec[] = {
    {"name", OMB_F_STRING, true, 0, 10, NULL, NULL, 0},
    {"flag", OMB_F_BOOL, false, 0, 0, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

static const omb_field_spec spec[] = {
    {"title", OMB_F_STRING, true, 0, 5, NULL, NULL, 0},
    {"body", OMB_F_TEXT, false, 3, 100, NULL, NULL, 0},
    {"count", OMB_F_INT, false, -10, 10, NULL, NULL, 0},
    {"big", OMB_F_INT, false, 1, INT64_MAX, NULL, NULL, 0},
    {"ok", OMB_F_BOOL, false, 0, 0, NULL, NULL, 0},
    {"when", OMB_F_TIME, false, 0, 0, NULL, NULL, 0},
    {"colour", OMB_F_ENUM, false, 0, 0, colours, NULL, 0},
    {"tags", OMB_F_STRINGS, false, 0, 3, NULL, NULL, 2},
    {"inner", OMB_F_OBJECT, false, 0, 0, NULL, inner_spec, 0},
    {"items", OMB_F_OBJECTS, false, 0, 0, NULL, item_spec, 2},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

/* Checks `text` against `specs` under `path`; fills err. */
static int run(const omb_field_spec *specs, const char *path, const char *text, omb_err *err)
{
    json_error_t jerr;
    json_t *obj = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (!obj)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    omb_err_clear(err);
    int rc = omb_fields_check(obj, specs, path, err);
    json_decref(obj);
    return rc;
}

/* Expects `text` to fail with `code` naming `field`. */
static void expect(const char *text, const char *code, const char *field)
{
    omb_err err;
    int rc = run(spec, "", text, &err);
    if (rc != OMB_EFIELD)
        fail_msg("%s: rc %d, want %s", text, rc, code);
    if (strcmp(err.code, code) != 0 || strcmp(err.field, field) != 0)
        fail_msg("%s: got %s/%s, want %s/%s", text, err.code, err.field, code, field);
    assert_int_equal(err.rc, OMB_EFIELD);
    assert_true(strlen(err.message) > 0);
}

static void expect_ok(const char *text)
{
    omb_err err;
    int rc = run(spec, "", text, &err);
    if (rc != OMB_OK)
        fail_msg("%s: refused with %s/%s: %s", text, err.code, err.field, err.message);
}

static void test_valid(void **state)
{
    (void)state;
    expect_ok("{\"title\":\"hi\"}");
    expect_ok("{\"title\":\"hello\",\"body\":\"abc\",\"count\":-10,\"big\":9223372036854775807,"
              "\"ok\":false,\"when\":\"2026-11-22T08:00:00+08:00\",\"colour\":\"blue\","
              "\"tags\":[\"a\",\"bcd\"],\"inner\":{\"name\":\"n\",\"flag\":true},"
              "\"items\":[{\"id\":1},{\"id\":99,\"label\":\"four\"}]}");
    /* optional fields may be null; empty arrays are fine */
    expect_ok("{\"title\":\"hi\",\"body\":null,\"tags\":[],\"items\":[],\"inner\":null}");
    /* a date alone is a time (local midnight) */
    expect_ok("{\"title\":\"hi\",\"when\":\"2026-11-22\"}");
}

static void test_not_an_object(void **state)
{
    (void)state;
    static const char *const bad[] = {"[]", "\"x\"", "1", "null", "true"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        omb_err err;
        assert_int_equal(run(spec, "", bad[i], &err), OMB_EFIELD);
        assert_string_equal(err.code, "invalid_type");
        assert_string_equal(err.field, "");
    }
    /* under a path, the path is named */
    omb_err err;
    assert_int_equal(run(spec, "body", "[]", &err), OMB_EFIELD);
    assert_string_equal(err.field, "body");
}

static void test_unknown_field(void **state)
{
    (void)state;
    expect("{\"title\":\"hi\",\"colour_\":\"red\"}", "unknown_field", "colour_");
    expect("{\"Title\":\"hi\"}", "unknown_field", "Title");
    expect("{\"\":1,\"title\":\"hi\"}", "unknown_field", "");
    /* unknown fields are found before missing ones */
    expect("{\"extra\":1}", "unknown_field", "extra");
    expect("{\"title\":\"hi\",\"inner\":{\"name\":\"n\",\"x\":1}}", "unknown_field", "inner.x");
    expect("{\"title\":\"hi\",\"items\":[{\"id\":1,\"zz\":2}]}", "unknown_field", "items.zz");
    /* a very long unknown name is cut to fit, still NUL-terminated */
    char text[400], name[200];
    memset(name, 'k', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(text, sizeof text, "{\"%s\":1}", name);
    omb_err err;
    assert_int_equal(run(spec, "", text, &err), OMB_EFIELD);
    assert_string_equal(err.code, "unknown_field");
    assert_int_equal(strlen(err.field), OMB_ERR_FIELD_MAX - 1);
    assert_int_equal(err.field[0], 'k');
}

static void test_missing_field(void **state)
{
    (void)state;
    expect("{}", "missing_field", "title");
    expect("{\"title\":null}", "missing_field", "title");
    expect("{\"body\":\"abc\"}", "missing_field", "title");
    expect("{\"title\":\"hi\",\"inner\":{}}", "missing_field", "inner.name");
    expect("{\"title\":\"hi\",\"inner\":{\"name\":null}}", "missing_field", "inner.name");
    expect("{\"title\":\"hi\",\"items\":[{\"id\":1},{\"label\":\"x\"}]}", "missing_field",
           "items.id");
    /* under a path */
    omb_err err;
    assert_int_equal(run(spec, "complaint", "{}", &err), OMB_EFIELD);
    assert_string_equal(err.field, "complaint.title");
}

static void test_invalid_type(void **state)
{
    (void)state;
    expect("{\"title\":5}", "invalid_type", "title");
    expect("{\"title\":[\"hi\"]}", "invalid_type", "title");
    expect("{\"title\":\"hi\",\"body\":true}", "invalid_type", "body");
    expect("{\"title\":\"hi\",\"count\":\"5\"}", "invalid_type", "count");
    expect("{\"title\":\"hi\",\"count\":1.0}", "invalid_type", "count");
    expect("{\"title\":\"hi\",\"ok\":0}", "invalid_type", "ok");
    expect("{\"title\":\"hi\",\"ok\":\"true\"}", "invalid_type", "ok");
    expect("{\"title\":\"hi\",\"when\":1795305600000}", "invalid_type", "when");
    expect("{\"title\":\"hi\",\"colour\":1}", "invalid_type", "colour");
    expect("{\"title\":\"hi\",\"tags\":\"a\"}", "invalid_type", "tags");
    expect("{\"title\":\"hi\",\"tags\":[\"a\",1]}", "invalid_type", "tags");
    expect("{\"title\":\"hi\",\"tags\":[null]}", "invalid_type", "tags");
    expect("{\"title\":\"hi\",\"inner\":[]}", "invalid_type", "inner");
    expect("{\"title\":\"hi\",\"inner\":\"x\"}", "invalid_type", "inner");
    expect("{\"title\":\"hi\",\"items\":{\"id\":1}}", "invalid_type", "items");
    expect("{\"title\":\"hi\",\"items\":[{\"id\":1},\"x\"]}", "invalid_type", "items");
    expect("{\"title\":\"hi\",\"inner\":{\"name\":\"n\",\"flag\":1}}", "invalid_type",
           "inner.flag");
    expect("{\"title\":\"hi\",\"items\":[{\"id\":\"1\"}]}", "invalid_type", "items.id");
}

static void test_too_long_counts_code_points(void **state)
{
    (void)state;
    /* title: at most 5 code points */
    expect_ok("{\"title\":\"abcde\"}");
    expect("{\"title\":\"abcdef\"}", "too_long", "title");
    expect_ok("{\"title\":\"投诉处理中\"}"); /* 5 code points, 15 bytes */
    expect("{\"title\":\"投诉处理中心\"}", "too_long", "title");
    expect_ok("{\"title\":\"😀😀😀😀😀\"}"); /* 5 code points, 20 bytes */
    expect("{\"title\":\"😀😀😀😀😀😀\"}", "too_long", "title");
    expect_ok("{\"title\":\"\\u6295\\u8bc9\"}"); /* escapes count as what they encode */
    /* strings in arrays, strings in nested objects */
    expect("{\"title\":\"hi\",\"tags\":[\"abcd\"]}", "too_long", "tags");
    expect_ok("{\"title\":\"hi\",\"tags\":[\"催收费\"]}");
    expect("{\"title\":\"hi\",\"inner\":{\"name\":\"12345678901\"}}", "too_long", "inner.name");
    expect("{\"title\":\"hi\",\"items\":[{\"id\":1,\"label\":\"fives\"}]}", "too_long",
           "items.label");
}

static void test_empty_value(void **state)
{
    (void)state;
    expect("{\"title\":\"\"}", "empty_value", "title");
    /* body has a minimum of 3 code points */
    expect("{\"title\":\"hi\",\"body\":\"ab\"}", "too_short", "body");
    expect("{\"title\":\"hi\",\"body\":\"\"}", "empty_value", "body");
    expect_ok("{\"title\":\"hi\",\"body\":\"一二三\"}");
    expect("{\"title\":\"hi\",\"tags\":[\"a\",\"\"]}", "empty_value", "tags");
    expect("{\"title\":\"hi\",\"inner\":{\"name\":\"\"}}", "empty_value", "inner.name");
}

static void test_out_of_range(void **state)
{
    (void)state;
    expect_ok("{\"title\":\"hi\",\"count\":10}");
    expect_ok("{\"title\":\"hi\",\"count\":-10}");
    expect_ok("{\"title\":\"hi\",\"count\":0}");
    expect("{\"title\":\"hi\",\"count\":11}", "out_of_range", "count");
    expect("{\"title\":\"hi\",\"count\":-11}", "out_of_range", "count");
    expect("{\"title\":\"hi\",\"big\":0}", "out_of_range", "big");
    expect("{\"title\":\"hi\",\"big\":-9223372036854775808}", "out_of_range", "big");
    expect("{\"title\":\"hi\",\"items\":[{\"id\":100}]}", "out_of_range", "items.id");
    expect("{\"title\":\"hi\",\"items\":[{\"id\":0}]}", "out_of_range", "items.id");
}

static void test_invalid_value(void **state)
{
    (void)state;
    expect("{\"title\":\"hi\",\"colour\":\"Red\"}", "invalid_value", "colour");
    expect("{\"title\":\"hi\",\"colour\":\"\"}", "invalid_value", "colour");
    expect("{\"title\":\"hi\",\"colour\":\"red \"}", "invalid_value", "colour");
    /* an embedded NUL: built by hand, as the JSON parser refuses \u0000 by default */
    json_t *obj = json_object();
    json_object_set_new(obj, "title", json_stringn("a\0b", 3));
    omb_err err;
    omb_err_clear(&err);
    assert_int_equal(omb_fields_check(obj, spec, "", &err), OMB_EFIELD);
    assert_string_equal(err.code, "invalid_value");
    assert_string_equal(err.field, "title");
    json_object_set_new(obj, "title", json_string("ok"));
    json_t *tags = json_array();
    json_array_append_new(tags, json_string("x"));
    json_array_append_new(tags, json_stringn("\0", 1));
    json_object_set_new(obj, "tags", tags);
    omb_err_clear(&err);
    assert_int_equal(omb_fields_check(obj, spec, "", &err), OMB_EFIELD);
    assert_string_equal(err.code, "invalid_value");
    assert_string_equal(err.field, "tags");
    json_decref(obj);
}

static void test_invalid_time(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2026-02-29T00:00:00Z", "2026-11-22T08:00:00", "yesterday",     "",
        "2026-11-22T25:00:00Z", "2026-11-22 08:00",    "1795305600000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "{\"title\":\"hi\",\"when\":\"%s\"}", bad[i]);
        expect(text, "invalid_time", "when");
    }
}

static void test_too_many(void **state)
{
    (void)state;
    expect_ok("{\"title\":\"hi\",\"tags\":[\"a\",\"b\"]}");
    expect("{\"title\":\"hi\",\"tags\":[\"a\",\"b\",\"c\"]}", "too_many", "tags");
    expect_ok("{\"title\":\"hi\",\"items\":[{\"id\":1},{\"id\":2}]}");
    expect("{\"title\":\"hi\",\"items\":[{\"id\":1},{\"id\":2},{\"id\":3}]}", "too_many", "items");
    /* too many is reported before the items are looked at */
    expect("{\"title\":\"hi\",\"tags\":[1,2,3]}", "too_many", "tags");
}

static void test_first_fault_wins(void **state)
{
    (void)state;
    /* fields are checked in table order once no unknown field is present */
    expect("{\"title\":\"\",\"count\":99}", "empty_value", "title");
    expect("{\"title\":\"hi\",\"count\":99,\"colour\":\"pink\"}", "out_of_range", "count");
    /* a passing check does not touch err */
    omb_err err;
    omb_err_clear(&err);
    assert_int_equal(run(spec, "", "{\"title\":\"hi\"}", &err), OMB_OK);
    assert_int_equal(err.rc, OMB_OK);
    assert_string_equal(err.code, "");
    /* err may be NULL */
    json_t *obj = json_pack("{s:i}", "title", 1);
    assert_int_equal(omb_fields_check(obj, spec, "", NULL), OMB_EFIELD);
    assert_int_equal(omb_fields_check(obj, spec, NULL, NULL), OMB_EFIELD);
    json_decref(obj);
}

static void test_accessors(void **state)
{
    (void)state;
    json_t *o =
        json_pack("{s:s,s:I,s:n,s:f}", "s", "text", "i", (json_int_t)-42, "nul", "real", 2.5);
    assert_string_equal(omb_json_str(o, "s", "d"), "text");
    assert_string_equal(omb_json_str(o, "missing", "d"), "d");
    assert_string_equal(omb_json_str(o, "i", "d"), "d");
    assert_string_equal(omb_json_str(o, "nul", "d"), "d");
    assert_null(omb_json_str(o, "missing", NULL));
    assert_int_equal(omb_json_int(o, "i", 7), -42);
    assert_int_equal(omb_json_int(o, "missing", 7), 7);
    assert_int_equal(omb_json_int(o, "s", 7), 7);
    assert_int_equal(omb_json_int(o, "real", 7), 7);
    assert_int_equal(omb_json_int(o, "nul", 7), 7);
    /* not an object at all */
    assert_string_equal(omb_json_str(NULL, "s", "d"), "d");
    assert_int_equal(omb_json_int(NULL, "i", 3), 3);
    json_decref(o);
}

static void test_complaint_create_fields(void **state)
{
    (void)state;
    omb_err err;
    const char *good = "{\"channel\":\"app\",\"received_at\":\"2026-11-22T08:00:00+08:00\","
                       "\"complainant\":{\"name\":\"李四\",\"phone\":\"13800138000\"},"
                       "\"description\":\"重复扣款\",\"amount_fen\":100,\"complainants\":3,"
                       "\"grade\":\"important\",\"signals\":[\"vulnerable\"],\"tags\":[\"t\"],"
                       "\"target_party\":2,\"product\":5}";
    assert_int_equal(run(omb_complaint_create_fields, "", good, &err), OMB_OK);
    assert_int_equal(run(omb_complaint_create_fields, "",
                         "{\"channel\":\"app\",\"complainant\":{},\"description\":\"d\"}", &err),
                     OMB_EFIELD);
    assert_string_equal(err.code, "missing_field");
    assert_string_equal(err.field, "complainant.name");
    assert_int_equal(run(omb_complaint_create_fields, "",
                         "{\"channel\":\"app\",\"complainant\":{\"name\":\"n\"},"
                         "\"description\":\"d\",\"complainants\":0}",
                         &err),
                     OMB_EFIELD);
    assert_string_equal(err.code, "out_of_range");
    assert_string_equal(err.field, "complainants");
    assert_int_equal(run(omb_complaint_create_fields, "",
                         "{\"channel\":\"app\",\"complainant\":{\"name\":\"n\"},"
                         "\"description\":\"d\",\"state\":\"closed\"}",
                         &err),
                     OMB_EFIELD);
    assert_string_equal(err.code, "unknown_field");
    assert_string_equal(err.field, "state");
    assert_int_equal(run(omb_complaint_create_fields, "",
                         "{\"complainant\":{\"name\":\"n\"},\"description\":\"d\"}", &err),
                     OMB_EFIELD);
    assert_string_equal(err.field, "channel");
}

/* ---- omb_fields_check_times ------------------------------------------------- */

static const omb_field_spec notice_spec[] = {
    {"method", OMB_F_STRING, true, 0, 10, NULL, NULL, 0},
    {"notified_at", OMB_F_TIME, true, 0, 0, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

static const omb_field_spec timed_spec[] = {
    {"at", OMB_F_TIME, false, 0, 0, NULL, NULL, 0},
    {"days", OMB_F_INT, false, 0, 9, NULL, NULL, 0},
    {"notice", OMB_F_OBJECT, false, 0, 0, NULL, notice_spec, 0},
    {"notices", OMB_F_OBJECTS, false, 0, 0, NULL, notice_spec, 4},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

/* 2026-11-22T00:00:00Z and a day later */
#define LO 1795305600000LL
#define HI (LO + 86400000LL)

static int times(const char *text, omb_err *err)
{
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    if (!o)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    omb_err_clear(err);
    int rc = omb_fields_check_times(o, timed_spec, "", LO, "the decision", HI, 480, err);
    json_decref(o);
    return rc;
}

static void test_times_in_bounds(void **state)
{
    (void)state;
    omb_err err;
    /* both bounds are inside; no time at all is fine */
    assert_int_equal(times("{}", &err), OMB_OK);
    assert_int_equal(times("{\"days\":3}", &err), OMB_OK);
    assert_int_equal(times("{\"at\":\"2026-11-22T00:00:00Z\"}", &err), OMB_OK);
    assert_int_equal(times("{\"at\":\"2026-11-23T08:00:00+08:00\"}", &err), OMB_OK);
    assert_int_equal(
        times("{\"notice\":{\"method\":\"sms\",\"notified_at\":\"2026-11-22T12:00:00Z\"},"
              "\"notices\":[{\"method\":\"sms\",\"notified_at\":\"2026-11-23\"}]}",
              &err),
        OMB_OK);
    /* before lo, by a millisecond, or years */
    assert_int_equal(times("{\"at\":\"2026-11-21T23:59:59.999Z\"}", &err), OMB_EFIELD);
    assert_string_equal(err.code, "invalid_value");
    assert_string_equal(err.field, "at");
    assert_non_null(strstr(err.message, "before the decision"));
    assert_int_equal(times("{\"at\":\"2001-01-01\"}", &err), OMB_EFIELD);
    assert_string_equal(err.field, "at");
    /* after hi: the future */
    assert_int_equal(times("{\"at\":\"2026-11-23T00:00:00.001Z\"}", &err), OMB_EFIELD);
    assert_string_equal(err.code, "invalid_value");
    assert_non_null(strstr(err.message, "future"));
    assert_int_equal(times("{\"at\":\"2030-01-01\"}", &err), OMB_EFIELD);
    /* nested fields are named by their path */
    assert_int_equal(
        times("{\"notice\":{\"method\":\"sms\",\"notified_at\":\"2035-01-01\"}}", &err),
        OMB_EFIELD);
    assert_string_equal(err.field, "notice.notified_at");
    assert_int_equal(times("{\"notices\":[{\"method\":\"sms\",\"notified_at\":\"2026-11-22\"},"
                           "{\"method\":\"sms\",\"notified_at\":\"1990-01-01\"}]}",
                           &err),
                     OMB_EFIELD);
    assert_string_equal(err.field, "notices.notified_at");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),           cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_unknown_field),   cmocka_unit_test(test_missing_field),
        cmocka_unit_test(test_invalid_type),    cmocka_unit_test(test_too_long_counts_code_points),
        cmocka_unit_test(test_empty_value),     cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_invalid_value),   cmocka_unit_test(test_invalid_time),
        cmocka_unit_test(test_too_many),        cmocka_unit_test(test_first_fault_wins),
        cmocka_unit_test(test_accessors),       cmocka_unit_test(test_complaint_create_fields),
        cmocka_unit_test(test_times_in_bounds),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
