/*
 * test_number.c - unit tests for src/core/number.c: complaint numbers
 * "TS" + local date YYYYMMDD + a daily sequence of at least six digits.
 *
 * Covers formatting (padding, longer sequences, invalid days and sequences,
 * small buffers), parsing (round trips, every malformed shape), and that
 * a failed parse leaves its out-parameters alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/number.h"

static void test_format(void **state)
{
    (void)state;
    char out[24];
    assert_int_equal(omb_number_format(20261122, 123, out, sizeof out), OMB_OK);
    assert_string_equal(out, "TS20261122000123");
    assert_int_equal(omb_number_format(20261122, 1, out, sizeof out), OMB_OK);
    assert_string_equal(out, "TS20261122000001");
    assert_int_equal(omb_number_format(20261122, 999999, out, sizeof out), OMB_OK);
    assert_string_equal(out, "TS20261122999999");
    /* more than six digits when the day needs them */
    assert_int_equal(omb_number_format(20261122, 1000000, out, sizeof out), OMB_OK);
    assert_string_equal(out, "TS202611221000000");
    assert_int_equal(omb_number_format(20261122, 999999999, out, sizeof out), OMB_OK);
    assert_string_equal(out, "TS20261122999999999");
    assert_int_equal(strlen(out), 19);
    /* leap days and year ends */
    assert_int_equal(omb_number_format(20240229, 7, out, sizeof out), OMB_OK);
    assert_string_equal(out, "TS20240229000007");
    assert_int_equal(omb_number_format(20000229, 7, out, sizeof out), OMB_OK);
    assert_int_equal(omb_number_format(19700101, 7, out, sizeof out), OMB_OK);
    assert_string_equal(out, "TS19700101000007");
    assert_int_equal(omb_number_format(99991231, 7, out, sizeof out), OMB_OK);
    assert_string_equal(out, "TS99991231000007");
}

static void test_format_refuses(void **state)
{
    (void)state;
    char out[24];
    snprintf(out, sizeof out, "untouched");
    static const int32_t bad_days[] = {
        20260229, /* 2026 is not a leap year */
        21000229, /* nor is 2100 */
        20261301, 20261100, 20260001, 20260431, 20261232, 19691231, 0, -20261122, 100000101,
    };
    for (size_t i = 0; i < sizeof bad_days / sizeof bad_days[0]; i++)
        if (omb_number_format(bad_days[i], 1, out, sizeof out) != OMB_EINVAL)
            fail_msg("day %d accepted", (int)bad_days[i]);
    assert_int_equal(omb_number_format(20261122, 0, out, sizeof out), OMB_EINVAL);
    assert_int_equal(omb_number_format(20261122, -1, out, sizeof out), OMB_EINVAL);
    assert_int_equal(omb_number_format(20261122, 1000000000, out, sizeof out), OMB_EINVAL);
    assert_int_equal(omb_number_format(20261122, INT64_MAX, out, sizeof out), OMB_EINVAL);
    assert_string_equal(out, "untouched");
    /* a buffer too small for the text and its NUL */
    char small[17];
    assert_int_equal(omb_number_format(20261122, 1, small, 16), OMB_EINVAL);
    assert_int_equal(omb_number_format(20261122, 1, small, 17), OMB_OK);
    assert_string_equal(small, "TS20261122000001");
    assert_int_equal(omb_number_format(20261122, 1000000, small, 17), OMB_EINVAL);
}

static void test_parse(void **state)
{
    (void)state;
    int32_t day = 0;
    int64_t seq = 0;
    assert_true(omb_number_parse("TS20261122000123", &day, &seq));
    assert_int_equal(day, 20261122);
    assert_int_equal(seq, 123);
    assert_true(omb_number_parse("TS202611221000000", &day, &seq));
    assert_int_equal(seq, 1000000);
    assert_true(omb_number_parse("TS20261122999999999", &day, &seq));
    assert_int_equal(seq, 999999999);
    assert_true(omb_number_parse("TS20240229000001", &day, &seq));
    assert_int_equal(day, 20240229);
    /* out-parameters are optional */
    assert_true(omb_number_parse("TS20261122000123", NULL, NULL));
    assert_true(omb_number_parse("TS20261122000123", &day, NULL));
    assert_true(omb_number_parse("TS20261122000123", NULL, &seq));
}

static void test_parse_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "TS",
        "TS2026112200012", /* 15 characters: sequence too short */
        "TS20261122999999999"
        "9",                /* 20 characters */
        "ts20261122000123", /* the prefix is upper case */
        "TX20261122000123",
        "XS20261122000123",
        " TS20261122000123",
        "TS20261122000123 ",
        "TS2026112200012a",
        "TS2026-122000123",
        "TS20261122-00123",
        "TS20261122+00123",
        "TS20261122000000", /* sequence 0 */
        "TS20260229000001", /* no such day */
        "TS20261301000001",
        "TS20261100000001",
        "TS19691231000001",    /* before 1970 */
        "TS202611220123456",   /* seven digits with a leading zero */
        "TS2026112200001234",  /* eight digits with leading zeros */
        "TS20261122012345678", /* nine digits with a leading zero */
        "TS20261122000001\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t day = -7;
        int64_t seq = -7;
        if (omb_number_parse(bad[i], &day, &seq))
            fail_msg("\"%s\" accepted", bad[i]);
        assert_int_equal(day, -7);
        assert_int_equal(seq, -7);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    static const int32_t days[] = {19700101, 19991231, 20000229, 20261122, 20261231, 99991231};
    static const int64_t seqs[] = {1, 9, 10, 99999, 100000, 999999, 1000000, 12345678, 999999999};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        for (size_t k = 0; k < sizeof seqs / sizeof seqs[0]; k++) {
            char out[24];
            assert_int_equal(omb_number_format(days[i], seqs[k], out, sizeof out), OMB_OK);
            int32_t day = 0;
            int64_t seq = 0;
            if (!omb_number_parse(out, &day, &seq))
                fail_msg("%s does not parse", out);
            assert_int_equal(day, days[i]);
            assert_int_equal(seq, seqs[k]);
            assert_true(strlen(out) >= 16 && strlen(out) <= 19);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),     cmocka_unit_test(test_format_refuses),
        cmocka_unit_test(test_parse),      cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_round_trip),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
