/*
 * test_timeutil.c - unit tests for src/core/timeutil.c: civil dates, RFC
 * 3339 formatting and parsing, and local calendar days.
 *
 * Expected instants were computed independently (Python's datetime).
 * Covers offsets (Z, +08:00, -05:30), fractions, leap years and invalid
 * dates such as 2026-02-29, instants before 1970 (negative: formatted and
 * given a local day; 1969 text is refused by the parser), format/parse
 * round trips, and the local day at UTC+8 on both sides of midnight.
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
#include "core/timeutil.h"

#define H   OMB_MS_PER_HOUR
#define TZ8 OMB_TZ_SHANGHAI_MIN

static void test_days_from_civil(void **state)
{
    (void)state;
    assert_int_equal(omb_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(omb_days_from_civil(1970, 1, 2), 1);
    assert_int_equal(omb_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(omb_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(omb_days_from_civil(2024, 2, 29), 19782);
    assert_int_equal(omb_days_from_civil(2026, 11, 22), 20779);
    assert_int_equal(omb_days_from_civil(2400, 2, 29), 157113);
    assert_int_equal(omb_days_from_civil(1900, 1, 1), -25567);
    assert_int_equal(omb_days_from_civil(1, 1, 1), -719162);
}

static void test_civil_from_days(void **state)
{
    (void)state;
    int y;
    unsigned m, d;
    omb_civil_from_days(0, &y, &m, &d);
    assert_true(y == 1970 && m == 1 && d == 1);
    omb_civil_from_days(-1, &y, &m, &d);
    assert_true(y == 1969 && m == 12 && d == 31);
    omb_civil_from_days(19782, &y, &m, &d);
    assert_true(y == 2024 && m == 2 && d == 29);
    omb_civil_from_days(-719162, &y, &m, &d);
    assert_true(y == 1 && m == 1 && d == 1);

    /* walking day by day from year 1 to 9999 moves the date by exactly one day */
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int py = 1;
    unsigned pm = 1, pd = 1;
    int64_t first = omb_days_from_civil(1, 1, 1), last = omb_days_from_civil(9999, 12, 31);
    for (int64_t z = first + 1; z <= last; z++) {
        omb_civil_from_days(z, &y, &m, &d);
        unsigned len = mdays[pm - 1];
        if (pm == 2 && ((py % 4 == 0 && py % 100 != 0) || py % 400 == 0))
            len = 29;
        int ey = py;
        unsigned em = pm, ed = pd + 1;
        if (ed > len) {
            ed = 1;
            if (++em > 12) {
                em = 1;
                ey++;
            }
        }
        if (y != ey || m != em || d != ed)
            fail_msg("day %lld: %d-%u-%u, want %d-%u-%u", (long long)z, y, m, d, ey, em, ed);
        if (omb_days_from_civil(y, m, d) != z)
            fail_msg("day %lld does not come back", (long long)z);
        py = y, pm = m, pd = d;
    }
    assert_true(py == 9999 && pm == 12 && pd == 31);
}

static void expect_format(omb_ms t, const char *want)
{
    char out[32];
    memset(out, 'x', sizeof out);
    assert_int_equal(omb_time_format(t, out, sizeof out), OMB_OK);
    assert_string_equal(out, want);
}

static void test_format(void **state)
{
    (void)state;
    expect_format(0, "1970-01-01T00:00:00.000Z");
    expect_format(1, "1970-01-01T00:00:00.001Z");
    expect_format(1795335300123LL, "2026-11-22T08:15:00.123Z");
    expect_format(1709208000000LL, "2024-02-29T12:00:00.000Z");
    expect_format(253402300799999LL, "9999-12-31T23:59:59.999Z");
    /* negative instants: floor, not truncation */
    expect_format(-1, "1969-12-31T23:59:59.999Z");
    expect_format(-1000, "1969-12-31T23:59:59.000Z");
    expect_format(-28800000, "1969-12-31T16:00:00.000Z");
    expect_format(-OMB_MS_PER_DAY, "1969-12-31T00:00:00.000Z");
    expect_format(-OMB_MS_PER_DAY - 1, "1969-12-30T23:59:59.999Z");
    expect_format(-2208988800000LL, "1900-01-01T00:00:00.000Z");
    /* the buffer must hold 24 characters and the NUL */
    char out[25];
    assert_int_equal(omb_time_format(0, out, 24), OMB_EINVAL);
    assert_int_equal(omb_time_format(0, out, 25), OMB_OK);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
}

static void expect_parse(const char *s, int tz, omb_ms want)
{
    omb_ms t = 12345;
    int rc = omb_time_parse(s, tz, &t);
    if (rc != OMB_OK)
        fail_msg("\"%s\" refused", s);
    if (t != want)
        fail_msg("\"%s\" -> %lld, want %lld", s, (long long)t, (long long)want);
}

static void test_parse(void **state)
{
    (void)state;
    expect_parse("2026-11-22T08:15:00Z", 0, 1795335300000LL);
    expect_parse("2026-11-22T08:15:00.123Z", 0, 1795335300123LL);
    /* the default zone does not matter when the text names one */
    expect_parse("2026-11-22T08:15:00Z", TZ8, 1795335300000LL);
    expect_parse("2026-11-22T08:15:00+08:00", 0, 1795306500000LL);
    expect_parse("2026-11-22T00:15:00+00:00", 0, 1795306500000LL);
    expect_parse("2026-11-22T00:15:00-00:00", 0, 1795306500000LL);
    expect_parse("2026-01-01T00:00:00-05:30", 0, 1767245400000LL);
    expect_parse("2026-01-01T00:00:00+23:59", 0, 1767225600000LL - 23 * H - 59 * 60000LL);
    /* lower-case t and z, and a space, are accepted */
    expect_parse("2026-11-22t08:15:00z", 0, 1795335300000LL);
    expect_parse("2026-11-22 08:15:00Z", 0, 1795335300000LL);
    /* fractions of any length: milliseconds are kept, the rest dropped */
    expect_parse("2026-11-22T08:15:00.1Z", 0, 1795335300100LL);
    expect_parse("2026-11-22T08:15:00.12Z", 0, 1795335300120LL);
    expect_parse("2026-11-22T08:15:00.123456789Z", 0, 1795335300123LL);
    expect_parse("2026-11-22T08:15:00.999+08:00", 0, 1795306500999LL);
    /* a leap second is clamped to :59 */
    expect_parse("2016-12-31T23:59:60Z", 0, 1483228799000LL);
    /* a plain date is local midnight in the given zone */
    expect_parse("2026-11-22", 0, 1795305600000LL);
    expect_parse("2026-11-22", TZ8, 1795305600000LL - 8 * H);
    expect_parse("2026-11-22", -300, 1795305600000LL + 5 * H);
    /* leap days */
    expect_parse("2024-02-29T12:00:00Z", 0, 1709208000000LL);
    expect_parse("2000-02-29", 0, 951782400000LL);
    expect_parse("2400-02-29T00:00:00Z", 0, 13574563200000LL);
    /* the edges of the range */
    expect_parse("1970-01-01T00:00:00Z", 0, 0);
    expect_parse("9999-12-31T23:59:59.999Z", 0, 253402300799999LL);
    /* a 1970 date east of UTC is a negative instant */
    expect_parse("1970-01-01T00:00:00+08:00", 0, -8 * H);
    expect_parse("1970-01-01", TZ8, -8 * H);
    expect_parse("1970-01-01T07:59:59.999+08:00", 0, -1);
}

static void test_parse_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "2026",
        "2026-11-2",
        "2026-11-22x",
        "2026/11/22",
        "20261122",
        "2026-1-22",
        "2O26-11-22",
        " 2026-11-22",
        "2026-11-22 ",
        "+2026-11-22",
        /* dates that do not exist */
        "2026-02-29",
        "2026-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2026-02-30",
        "2026-04-31",
        "2026-13-01",
        "2026-00-10",
        "2026-11-00",
        "2026-11-32",
        /* times that do not exist */
        "2026-11-22T24:00:00Z",
        "2026-11-22T23:60:00Z",
        "2026-11-22T23:59:61Z",
        "2026-11-22T8:15:00Z",
        "2026-11-22T08:15Z",
        "2026-11-22T08:15:00", /* no zone */
        "2026-11-22X08:15:00Z",
        "2026-11-22T08-15-00Z",
        "2026-11-22T",
        /* fractions */
        "2026-11-22T08:15:00.Z",
        "2026-11-22T08:15:00.",
        "2026-11-22T08:15:00,5Z",
        /* offsets */
        "2026-11-22T08:15:00+0800",
        "2026-11-22T08:15:00+08",
        "2026-11-22T08:15:00+8:00",
        "2026-11-22T08:15:00+24:00",
        "2026-11-22T08:15:00+08:60",
        "2026-11-22T08:15:00 +08:00",
        "2026-11-22T08:15:00UTC",
        /* trailing bytes */
        "2026-11-22T08:15:00Zx",
        "2026-11-22T08:15:00ZZ",
        "2026-11-22T08:15:00+08:00x",
        "2026-11-22T08:15:00+08:00Z",
        /* years before 1970 are refused as written, even where the instant is not
         * negative; so the text omb_time_format writes for a negative instant does
         * not parse back (see test_round_trip) */
        "1969-12-31T23:59:59.999Z",
        "1969-12-31T16:00:00-08:00",
        "1900-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        omb_ms t = 777;
        if (omb_time_parse(bad[i], 0, &t) != OMB_EINVAL)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_int_equal(t, 777);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    char text0[32];
    static const omb_ms ts[] = {
        0,
        1,
        999,
        1795335300123LL,
        1709208000000LL,
        951782399999LL, /* the last millisecond of 2000-02-28 */
        253402300799999LL,
        4102444800000LL, /* 2100-01-01 */
    };
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        char text[32];
        assert_int_equal(omb_time_format(ts[i], text, sizeof text), OMB_OK);
        omb_ms back = 0;
        if (omb_time_parse(text, TZ8, &back) != OMB_OK)
            fail_msg("%lld formats as %s, which does not parse", (long long)ts[i], text);
        assert_int_equal(back, ts[i]);
    }
    /* a sweep over the years parse accepts, odd milliseconds included */
    for (omb_ms t = 0; t < 253402300799999LL; t += 7777777777LL) {
        char text[32];
        assert_int_equal(omb_time_format(t, text, sizeof text), OMB_OK);
        omb_ms back = 0;
        if (omb_time_parse(text, 0, &back) != OMB_OK || back != t)
            fail_msg("%lld -> %s -> %lld", (long long)t, text, (long long)back);
    }
    /* negative instants format, but their 1969 text is refused: the round trip
     * holds from the epoch on only */
    assert_int_equal(omb_time_format(-1, text0, sizeof text0), OMB_OK);
    omb_ms neg = 5;
    assert_int_equal(omb_time_parse(text0, 0, &neg), OMB_EINVAL);
    assert_int_equal(neg, 5);
    /* text in another zone comes back in UTC */
    omb_ms t;
    char text[32];
    assert_int_equal(omb_time_parse("2026-11-22T08:15:00.5+08:00", 0, &t), OMB_OK);
    assert_int_equal(omb_time_format(t, text, sizeof text), OMB_OK);
    assert_string_equal(text, "2026-11-22T00:15:00.500Z");
}

static void test_local_day(void **state)
{
    (void)state;
    /* 2026-11-22 00:00 in Shanghai is 2026-11-21 16:00 UTC */
    omb_ms midnight = 1795276800000LL;
    assert_int_equal(omb_time_local_yyyymmdd(midnight - 1, TZ8), 20261121);
    assert_int_equal(omb_time_local_yyyymmdd(midnight, TZ8), 20261122);
    assert_int_equal(omb_time_local_yyyymmdd(midnight + 1, TZ8), 20261122);
    assert_int_equal(omb_time_local_yyyymmdd(midnight - 1, 0), 20261121);
    assert_int_equal(omb_time_local_yyyymmdd(midnight, 0), 20261121);
    /* UTC midnight is 08:00 in Shanghai, the same local day */
    assert_int_equal(omb_time_local_yyyymmdd(midnight + 8 * H, TZ8), 20261122);
    assert_int_equal(omb_time_local_yyyymmdd(midnight + 8 * H, 0), 20261122);
    assert_int_equal(omb_time_local_yyyymmdd(midnight + 24 * H - 1, TZ8), 20261122);
    assert_int_equal(omb_time_local_yyyymmdd(midnight + 24 * H, TZ8), 20261123);
    /* the year turns in Shanghai eight hours before London */
    omb_ms ny = 1798761600000LL; /* 2027-01-01T00:00:00Z */
    assert_int_equal(omb_time_local_yyyymmdd(ny - 8 * H - 1, TZ8), 20261231);
    assert_int_equal(omb_time_local_yyyymmdd(ny - 8 * H, TZ8), 20270101);
    assert_int_equal(omb_time_local_yyyymmdd(ny - 1, 0), 20261231);
    /* a leap day */
    assert_int_equal(omb_time_local_yyyymmdd(1709208000000LL, TZ8), 20240229);
    /* before the epoch */
    assert_int_equal(omb_time_local_yyyymmdd(-1, 0), 19691231);
    assert_int_equal(omb_time_local_yyyymmdd(-1, TZ8), 19700101);
    assert_int_equal(omb_time_local_yyyymmdd(-8 * H, TZ8), 19700101);
    assert_int_equal(omb_time_local_yyyymmdd(-8 * H - 1, TZ8), 19691231);
    /* west of UTC */
    assert_int_equal(omb_time_local_yyyymmdd(0, -300), 19691231);
    assert_int_equal(omb_time_local_yyyymmdd(5 * H, -300), 19700101);
    /* parsing a local date and asking for its day gives the date back */
    omb_ms t;
    assert_int_equal(omb_time_parse("2026-11-22", TZ8, &t), OMB_OK);
    assert_int_equal(omb_time_local_yyyymmdd(t, TZ8), 20261122);
    assert_int_equal(omb_time_local_yyyymmdd(t, 0), 20261121);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_from_civil), cmocka_unit_test(test_civil_from_days),
        cmocka_unit_test(test_format),          cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_refuses),   cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_local_day),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
