/*
 * test_decimal.c - unit tests for src/core/decimal.c, the one parser of
 * decimal integers given from outside.
 *
 * Accepted: an optional '-' and digits, up to the limits of int64_t, inside
 * the bounds.  Refused, leaving the output untouched: empty texts, signs
 * alone or doubled, '+', spaces anywhere, other characters, overflow by one,
 * values outside the bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include "core/decimal.h"
#include "core/err.h"

static void accepts(const char *s, int64_t want)
{
    int64_t v = 7;
    assert_int_equal(omb_i64_parse(s, INT64_MIN, INT64_MAX, &v), OMB_OK);
    assert_true(v == want);
}

static void refuses(const char *s, int64_t min, int64_t max)
{
    int64_t v = 7;
    assert_int_equal(omb_i64_parse(s, min, max, &v), OMB_EINVAL);
    assert_true(v == 7);
}

static void test_accepted(void **state)
{
    accepts("0", 0);
    accepts("-0", 0);
    accepts("42", 42);
    accepts("007", 7);
    accepts("-15", -15);
    accepts("9223372036854775807", INT64_MAX);
    accepts("-9223372036854775808", INT64_MIN);
}

static void test_refused(void **state)
{
    static const char *const bad[] = {"",    "-",    "--1", "+1", " 1", "1 ",  "\t1",
                                      "1.0", "0x10", "1e3", "١",  "1-", "-+1", "12a"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refuses(bad[i], INT64_MIN, INT64_MAX);
    refuses("9223372036854775808", INT64_MIN, INT64_MAX);
    refuses("-9223372036854775809", INT64_MIN, INT64_MAX);
    refuses("99999999999999999999", INT64_MIN, INT64_MAX);
    int64_t v = 7;
    assert_int_equal(omb_i64_parse(NULL, 0, 1, &v), OMB_EINVAL);
}

static void test_bounds(void **state)
{
    int64_t v = 0;
    assert_int_equal(omb_i64_parse("1", 1, 1000, &v), OMB_OK);
    assert_int_equal(omb_i64_parse("1000", 1, 1000, &v), OMB_OK);
    assert_true(v == 1000);
    refuses("0", 1, 1000);
    refuses("1001", 1, 1000);
    refuses("-1", 1, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_bounds),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
