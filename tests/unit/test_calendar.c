/*
 * test_calendar.c - unit tests of the business calendar (src/core/calendar.c)
 * and of the shipped data/calendar.tsv as embedded into the binary.
 *
 * Every holiday and make-up working day of 2025 and 2026 is checked against
 * a literal list typed from the State Council notices (independent of the
 * data file), day by day over both years; the Spring Festival and National
 * Day blocks are walked with hand-computed answers for add_workdays and
 * workdays_between; days outside the covered years follow weekends only;
 * add_workdays and workdays_between agree with each other and with a naive
 * day-by-day count for random inputs; layers override date by date; and
 * every malformed text is refused with its code and line number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include "core/buf.h"
#include "core/calendar.h"
#include "core/timeutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Generated from data/calendar.tsv by scripts/embed.sh (build/<flavour>/gen). */
extern const unsigned char omb_embed_calendar_tsv[];
extern const size_t omb_embed_calendar_tsv_len;

/* ---- helpers ------------------------------------------------------------------ */

/* "2026-02-14" -> day number; the test's own parser, not the calendar's. */
static int64_t D(const char *s)
{
    int y = 0, m = 0, d = 0;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
        fail_msg("bad test date %s", s);
    return omb_days_from_civil(y, (unsigned)m, (unsigned)d);
}

static const char *S(int64_t day, char out[16])
{
    int y;
    unsigned m, d;
    omb_civil_from_days(day, &y, &m, &d);
    snprintf(out, 16, "%04d-%02u-%02u", y, m, d);
    return out;
}

#define assert_day_equal(got, want)                                                                \
    do {                                                                                           \
        char g_[16];                                                                               \
        int64_t gd_ = (got);                                                                       \
        if (gd_ != D(want))                                                                        \
            fail_msg("%s: got %s, want %s", #got, S(gd_, g_), want);                               \
    } while (0)

static omb_calendar *layers(const char *const *texts, size_t n)
{
    size_t lens[4];
    for (size_t i = 0; i < n; i++)
        lens[i] = texts[i] ? strlen(texts[i]) : 0;
    omb_calendar *c = NULL;
    omb_err err;
    omb_err_clear(&err);
    if (omb_calendar_parse(&c, texts, lens, n, &err) != OMB_OK)
        fail_msg("refused: %s: %s", err.code, err.message);
    assert_non_null(c);
    return c;
}

static omb_calendar *accepted(const char *text)
{
    return layers(&text, 1);
}

static omb_calendar *shipped(void)
{
    const char *t = (const char *)omb_embed_calendar_tsv;
    size_t len = omb_embed_calendar_tsv_len;
    omb_calendar *c = NULL;
    omb_err err;
    if (omb_calendar_parse(&c, &t, &len, 1, &err) != OMB_OK)
        fail_msg("shipped calendar refused: %s: %s", err.code, err.message);
    return c;
}

/* The national calendar with a party's own layer on top. */
static omb_calendar *shipped_with(const char *party)
{
    const char *t[2] = {(const char *)omb_embed_calendar_tsv, party};
    size_t lens[2] = {omb_embed_calendar_tsv_len, strlen(party)};
    omb_calendar *c = NULL;
    omb_err err;
    if (omb_calendar_parse(&c, t, lens, 2, &err) != OMB_OK)
        fail_msg("refused: %s: %s", err.code, err.message);
    return c;
}

/* Layers that must be refused with code and with `needle` in the message. */
static void refused_layers(const char *const *texts, size_t n, const char *code, const char *needle)
{
    size_t lens[4];
    for (size_t i = 0; i < n; i++)
        lens[i] = texts[i] ? strlen(texts[i]) : 0;
    omb_calendar *c = (omb_calendar *)&c;
    omb_err err;
    omb_err_clear(&err);
    assert_int_equal(omb_calendar_parse(&c, texts, lens, n, &err), OMB_EINVAL);
    assert_null(c);
    assert_int_equal(err.rc, OMB_EINVAL);
    if (strcmp(err.code, code) != 0)
        fail_msg("code %s (%s), want %s", err.code, err.message, code);
    if (needle && !strstr(err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void refused(const char *text, const char *code, const char *needle)
{
    refused_layers(&text, 1, code, needle);
}

static bool weekend(int64_t day)
{
    /* independent of the calendar: 1970-01-04 was a Sunday */
    int64_t r = ((day - 3) % 7 + 7) % 7; /* 0 Sunday .. 6 Saturday */
    return r == 0 || r == 6;
}

/* Naive references: one day at a time through omb_calendar_is_workday. */
static int naive_between(const omb_calendar *c, int64_t from, int64_t to)
{
    int n = 0;
    for (int64_t d = from + 1; d <= to; d++)
        n += omb_calendar_is_workday(c, d);
    return n;
}

static int64_t naive_add(const omb_calendar *c, int64_t day, int n)
{
    if (n == 0) {
        while (!omb_calendar_is_workday(c, day))
            day++;
        return day;
    }
    int step = n > 0 ? 1 : -1;
    for (int k = n > 0 ? n : -n; k > 0;) {
        day += step;
        k -= omb_calendar_is_workday(c, day);
    }
    return day;
}

/* ---- the literal lists of 2025 and 2026 (from the State Council notices) ----- */

static const char *const rest_2025[] = {
    "2025-01-01", /* 元旦 */
    "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01",
    "2025-02-02", "2025-02-03", "2025-02-04",                             /* 春节 */
    "2025-04-04", "2025-04-05", "2025-04-06",                             /* 清明 */
    "2025-05-01", "2025-05-02", "2025-05-03", "2025-05-04", "2025-05-05", /* 劳动节 */
    "2025-05-31", "2025-06-01", "2025-06-02",                             /* 端午 */
    "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05",
    "2025-10-06", "2025-10-07", "2025-10-08", /* 国庆、中秋 */
};
static const char *const work_2025[] = {"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28",
                                        "2025-10-11"};
static const char *const rest_2026[] = {
    "2026-01-01", "2026-01-02", "2026-01-03", /* 元旦 */
    "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
    "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23",               /* 春节 */
    "2026-04-04", "2026-04-05", "2026-04-06",                             /* 清明 */
    "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05", /* 劳动节 */
    "2026-06-19", "2026-06-20", "2026-06-21",                             /* 端午 */
    "2026-09-25", "2026-09-26", "2026-09-27",                             /* 中秋 */
    "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05",
    "2026-10-06", "2026-10-07", /* 国庆 */
};
static const char *const work_2026[] = {"2026-01-04", "2026-02-14", "2026-02-28",
                                        "2026-05-09", "2026-09-20", "2026-10-10"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool listed(const char *const *list, size_t n, int64_t day)
{
    for (size_t i = 0; i < n; i++)
        if (D(list[i]) == day)
            return true;
    return false;
}

/* ---- the shipped data ----------------------------------------------------------- */

static void test_shipped_coverage(void **state)
{
    (void)state;
    omb_calendar *c = shipped();
    assert_true(omb_calendar_covers(c, 2025));
    assert_true(omb_calendar_covers(c, 2026));
    assert_true(omb_calendar_covers(c, 2027));
    assert_false(omb_calendar_covers(c, 2024));
    assert_false(omb_calendar_covers(c, 2028));
    assert_false(omb_calendar_covers(c, 0));
    assert_false(omb_calendar_covers(c, INT_MIN));
    assert_false(omb_calendar_covers(c, INT_MAX));
    assert_int_equal(omb_calendar_year_kind(c, 2025), OMB_CALENDAR_YEAR_OFFICIAL);
    assert_int_equal(omb_calendar_year_kind(c, 2026), OMB_CALENDAR_YEAR_OFFICIAL);
    assert_int_equal(omb_calendar_year_kind(c, 2027), OMB_CALENDAR_YEAR_PROJECTED);
    assert_int_equal(omb_calendar_year_kind(c, 2024), OMB_CALENDAR_YEAR_NONE);
    assert_int_equal(omb_calendar_year_kind(c, 2028), 0);
    omb_calendar_free(c);
}

/* 2027 is projected: a count that reaches into it says so; the health warning looks
   60 days ahead of the last official day (2026-12-31) and of the last covered one. */
static void test_projected_and_warning(void **state)
{
    (void)state;
    omb_calendar *c = shipped();
    assert_false(omb_calendar_projected_between(c, D("2026-01-01"), D("2026-12-31")));
    assert_true(omb_calendar_projected_between(c, D("2026-12-20"), D("2027-01-04")));
    assert_true(omb_calendar_projected_between(c, D("2027-03-01"), D("2027-03-16")));
    assert_false(omb_calendar_projected_between(c, D("2028-01-01"), D("2028-02-01")));
    assert_true(omb_calendar_projected_between(c, D("2020-01-01"), D("2030-01-01")));
    int64_t until = -1;
    assert_int_equal(omb_calendar_warning(c, D("2026-06-01"), 60, &until), OMB_CALENDAR_WARN_NONE);
    assert_int_equal(omb_calendar_warning(c, D("2026-10-31"), 60, &until), OMB_CALENDAR_WARN_NONE);
    assert_int_equal(omb_calendar_warning(c, D("2026-10-31"), 61, &until),
                     OMB_CALENDAR_WARN_PROJECTED);
    assert_day_equal(until, "2026-12-31");
    assert_int_equal(omb_calendar_warning(c, D("2026-12-07"), 60, &until),
                     OMB_CALENDAR_WARN_PROJECTED);
    assert_int_equal(omb_calendar_warning(c, D("2027-06-01"), 60, &until),
                     OMB_CALENDAR_WARN_PROJECTED);
    assert_day_equal(until, "2026-12-31");
    assert_int_equal(omb_calendar_warning(c, D("2027-11-15"), 60, &until),
                     OMB_CALENDAR_WARN_ENDING);
    assert_day_equal(until, "2027-12-31");
    assert_int_equal(omb_calendar_warning(c, D("2029-01-01"), 0, &until), OMB_CALENDAR_WARN_ENDING);
    assert_int_equal(omb_calendar_warning(c, D("2026-12-07"), 0, &until), OMB_CALENDAR_WARN_NONE);
    omb_calendar_free(c);
    /* once 2027 is official, only the end of the data is warned of */
    c = shipped_with("year\t2027\tofficial\n");
    assert_false(omb_calendar_projected_between(c, D("2026-12-20"), D("2027-01-04")));
    assert_int_equal(omb_calendar_warning(c, D("2026-12-07"), 60, &until), OMB_CALENDAR_WARN_NONE);
    assert_int_equal(omb_calendar_warning(c, D("2027-11-15"), 60, &until),
                     OMB_CALENDAR_WARN_ENDING);
    omb_calendar_free(c);
    /* only projected years: projected from their first day */
    const char *t = "year\t2030\tprojected\n";
    size_t len = strlen(t);
    omb_err err;
    assert_int_equal(omb_calendar_parse(&c, &t, &len, 1, &err), OMB_OK);
    assert_int_equal(omb_calendar_warning(c, D("2029-12-01"), 60, &until),
                     OMB_CALENDAR_WARN_PROJECTED);
    assert_day_equal(until, "2029-12-31");
    omb_calendar_free(c);
}

static void test_weekday(void **state)
{
    (void)state;
    assert_int_equal(omb_calendar_weekday(0), 4);               /* 1970-01-01 Thursday */
    assert_int_equal(omb_calendar_weekday(-3), 1);              /* 1969-12-29 Monday */
    assert_int_equal(omb_calendar_weekday(-1), 3);              /* 1969-12-31 Wednesday */
    assert_int_equal(omb_calendar_weekday(3), 7);               /* 1970-01-04 Sunday */
    assert_int_equal(omb_calendar_weekday(D("2000-01-01")), 6); /* Saturday */
    assert_int_equal(omb_calendar_weekday(D("2026-02-14")), 6);
    assert_int_equal(omb_calendar_weekday(D("2026-02-23")), 1);
    assert_int_equal(omb_calendar_weekday(D("2025-01-01")), 3);
    assert_int_equal(omb_calendar_weekday(D("2027-10-01")), 5);
    for (int64_t d = -1000; d < 1000; d++) {
        int w = omb_calendar_weekday(d);
        assert_true(w >= 1 && w <= 7);
        assert_int_equal(w >= 6, weekend(d));
        assert_int_equal(omb_calendar_weekday(d + 1), w % 7 + 1);
    }
    /* absurd day numbers do not overflow */
    int w = omb_calendar_weekday(INT64_MAX);
    assert_true(w >= 1 && w <= 7);
    w = omb_calendar_weekday(INT64_MIN);
    assert_true(w >= 1 && w <= 7);
}

/* Every day of 2025 and 2026 against the literal lists. */
static void test_every_day_2025_2026(void **state)
{
    (void)state;
    omb_calendar *c = shipped();
    assert_int_equal(COUNT(rest_2025), 28);
    assert_int_equal(COUNT(work_2025), 5);
    assert_int_equal(COUNT(rest_2026), 33);
    assert_int_equal(COUNT(work_2026), 6);
    int named = 0;
    char buf[16];
    for (int64_t d = D("2025-01-01"); d <= D("2026-12-31"); d++) {
        bool rest =
            listed(rest_2025, COUNT(rest_2025), d) || listed(rest_2026, COUNT(rest_2026), d);
        bool work =
            listed(work_2025, COUNT(work_2025), d) || listed(work_2026, COUNT(work_2026), d);
        bool want = work || (!rest && !weekend(d));
        if (omb_calendar_is_workday(c, d) != want)
            fail_msg("%s: is_workday %d, want %d", S(d, buf), !want, want);
        const char *name = omb_calendar_name(c, d);
        if ((name != NULL) != (rest || work))
            fail_msg("%s: name %s", S(d, buf), name ? name : "(null)");
        if (work && weekend(d) == false)
            fail_msg("%s: make-up day not on a weekend", S(d, buf));
        if (work && !strstr(name, "调休"))
            fail_msg("%s: make-up day named %s", S(d, buf), name);
        if (rest && strstr(name, "调休"))
            fail_msg("%s: holiday named %s", S(d, buf), name);
        named += name != NULL;
    }
    assert_int_equal(named, 28 + 5 + 33 + 6);
    /* 261 weekdays a year, 13 statutory days off: 248 working days in each year */
    assert_int_equal(omb_calendar_workdays_between(c, D("2024-12-31"), D("2025-12-31")), 248);
    assert_int_equal(omb_calendar_workdays_between(c, D("2025-12-31"), D("2026-12-31")), 248);
    assert_int_equal(omb_calendar_workdays_between(c, D("2026-12-31"), D("2027-12-31")), 248);
    omb_calendar_free(c);
}

static void test_names(void **state)
{
    (void)state;
    omb_calendar *c = shipped();
    assert_string_equal(omb_calendar_name(c, D("2026-02-16")), "春节 / Spring Festival");
    assert_string_equal(omb_calendar_name(c, D("2026-02-21")), "春节 / Spring Festival");
    assert_string_equal(omb_calendar_name(c, D("2026-02-14")),
                        "春节调休上班 / Spring Festival make-up working day");
    assert_string_equal(omb_calendar_name(c, D("2025-01-01")), "元旦 / New Year's Day");
    assert_non_null(strstr(omb_calendar_name(c, D("2025-10-06")), "中秋"));
    assert_string_equal(omb_calendar_name(c, D("2026-09-26")), "中秋节 / Mid-Autumn Festival");
    assert_string_equal(omb_calendar_name(c, D("2026-10-03")), "国庆节 / National Day");
    assert_null(omb_calendar_name(c, D("2026-02-24")));
    assert_null(omb_calendar_name(c, D("2026-02-13")));
    assert_null(omb_calendar_name(c, D("2024-10-01"))); /* not covered */
    omb_calendar_free(c);
}

static void test_spring_festival_2025(void **state)
{
    (void)state;
    omb_calendar *c = shipped();
    assert_false(omb_calendar_is_workday(c, D("2025-01-25"))); /* Sat */
    assert_true(omb_calendar_is_workday(c, D("2025-01-26")));  /* Sun, make-up */
    assert_true(omb_calendar_is_workday(c, D("2025-01-27")));
    for (int64_t d = D("2025-01-28"); d <= D("2025-02-04"); d++)
        assert_false(omb_calendar_is_workday(c, d));
    assert_true(omb_calendar_is_workday(c, D("2025-02-05")));
    assert_true(omb_calendar_is_workday(c, D("2025-02-08")));  /* Sat, make-up */
    assert_false(omb_calendar_is_workday(c, D("2025-02-09"))); /* Sun */
    assert_day_equal(omb_calendar_add_workdays(c, D("2025-01-25"), 1), "2025-01-26");
    assert_day_equal(omb_calendar_add_workdays(c, D("2025-01-27"), 1), "2025-02-05");
    assert_day_equal(omb_calendar_add_workdays(c, D("2025-01-27"), 4), "2025-02-08");
    assert_day_equal(omb_calendar_add_workdays(c, D("2025-01-27"), 5), "2025-02-10");
    assert_day_equal(omb_calendar_next_workday(c, D("2025-01-28")), "2025-02-05");
    assert_day_equal(omb_calendar_add_workdays(c, D("2025-02-01"), 0), "2025-02-05");
    assert_day_equal(omb_calendar_add_workdays(c, D("2025-02-05"), -1), "2025-01-27");
    assert_day_equal(omb_calendar_add_workdays(c, D("2025-02-05"), -3), "2025-01-24");
    /* (Fri 01-24, Sun 02-09]: 01-26, 01-27, 02-05, 02-06, 02-07, 02-08 */
    assert_int_equal(omb_calendar_workdays_between(c, D("2025-01-24"), D("2025-02-09")), 6);
    assert_int_equal(omb_calendar_workdays_between(c, D("2025-01-27"), D("2025-02-04")), 0);
    omb_calendar_free(c);
}

static void test_spring_festival_2026(void **state)
{
    (void)state;
    omb_calendar *c = shipped();
    assert_true(omb_calendar_is_workday(c, D("2026-02-13")));  /* Fri */
    assert_true(omb_calendar_is_workday(c, D("2026-02-14")));  /* Sat, make-up */
    assert_false(omb_calendar_is_workday(c, D("2026-02-15"))); /* Sun, first day off */
    assert_false(omb_calendar_is_workday(c, D("2026-02-23"))); /* Mon, last day off */
    assert_true(omb_calendar_is_workday(c, D("2026-02-24")));
    assert_true(omb_calendar_is_workday(c, D("2026-02-28")));  /* Sat, make-up */
    assert_false(omb_calendar_is_workday(c, D("2026-03-01"))); /* Sun */
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-02-13"), 1), "2026-02-14");
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-02-13"), 2), "2026-02-24");
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-02-12"), 3), "2026-02-24");
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-02-14"), 1), "2026-02-24");
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-02-24"), 4), "2026-02-28");
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-02-24"), 5), "2026-03-02");
    assert_day_equal(omb_calendar_next_workday(c, D("2026-02-15")), "2026-02-24");
    assert_day_equal(omb_calendar_next_workday(c, D("2026-02-14")), "2026-02-14");
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-02-24"), -1), "2026-02-14");
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-02-24"), -2), "2026-02-13");
    /* (Fri 02-13, Sat 02-28]: 02-14, 02-24..02-27, 02-28 */
    assert_int_equal(omb_calendar_workdays_between(c, D("2026-02-13"), D("2026-02-28")), 6);
    assert_int_equal(omb_calendar_workdays_between(c, D("2026-02-28"), D("2026-02-13")), -6);
    assert_int_equal(omb_calendar_workdays_between(c, D("2026-02-14"), D("2026-02-23")), 0);
    /* 15 working days from 2026-02-10 (Tue): 11,12,13,14,24,25,26,27,28,3-2..3-6 = 14, 3-9 */
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-02-10"), 15), "2026-03-09");
    omb_calendar_free(c);
}

static void test_national_day_2025(void **state)
{
    (void)state;
    omb_calendar *c = shipped();
    assert_false(omb_calendar_is_workday(c, D("2025-09-27"))); /* Sat */
    assert_true(omb_calendar_is_workday(c, D("2025-09-28")));  /* Sun, make-up */
    for (int64_t d = D("2025-10-01"); d <= D("2025-10-08"); d++)
        assert_false(omb_calendar_is_workday(c, d));
    assert_true(omb_calendar_is_workday(c, D("2025-10-09")));
    assert_true(omb_calendar_is_workday(c, D("2025-10-11")));  /* Sat, make-up */
    assert_false(omb_calendar_is_workday(c, D("2025-10-12"))); /* Sun */
    assert_day_equal(omb_calendar_add_workdays(c, D("2025-09-30"), 1), "2025-10-09");
    assert_day_equal(omb_calendar_add_workdays(c, D("2025-09-30"), 3), "2025-10-11");
    assert_day_equal(omb_calendar_add_workdays(c, D("2025-09-30"), 4), "2025-10-13");
    assert_day_equal(omb_calendar_add_workdays(c, D("2025-09-26"), 1), "2025-09-28");
    /* (Fri 09-26, Sun 10-12]: 09-28, 09-29, 09-30, 10-09, 10-10, 10-11 */
    assert_int_equal(omb_calendar_workdays_between(c, D("2025-09-26"), D("2025-10-12")), 6);
    omb_calendar_free(c);
}

static void test_national_day_2026(void **state)
{
    (void)state;
    omb_calendar *c = shipped();
    assert_true(omb_calendar_is_workday(c, D("2026-09-20")));  /* Sun, make-up */
    assert_false(omb_calendar_is_workday(c, D("2026-09-25"))); /* Fri, 中秋 */
    assert_true(omb_calendar_is_workday(c, D("2026-09-30")));
    for (int64_t d = D("2026-10-01"); d <= D("2026-10-07"); d++)
        assert_false(omb_calendar_is_workday(c, d));
    assert_true(omb_calendar_is_workday(c, D("2026-10-08")));
    assert_true(omb_calendar_is_workday(c, D("2026-10-10")));  /* Sat, make-up */
    assert_false(omb_calendar_is_workday(c, D("2026-10-11"))); /* Sun */
    /* 10-08 (1), 10-09 (2), Sat 10-10 (3), Mon 10-12 (4), Tue 10-13 (5) */
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-09-30"), 5), "2026-10-13");
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-09-30"), 3), "2026-10-10");
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-09-24"), 1), "2026-09-28");
    /* 15 working days from Tue 09-15: 16,17,18,20,21,22,23,24,28,29,30,10-08,09,10 = 14 */
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-09-15"), 15), "2026-10-12");
    /* (Fri 09-18, Wed 09-30]: 09-20..09-24 (5), 09-28..09-30 (3) */
    assert_int_equal(omb_calendar_workdays_between(c, D("2026-09-18"), D("2026-09-30")), 8);
    assert_int_equal(omb_calendar_workdays_between(c, D("2026-09-30"), D("2026-10-12")), 4);
    omb_calendar_free(c);
}

/* Outside the covered years only weekends are rest days. */
static void test_outside_coverage(void **state)
{
    (void)state;
    omb_calendar *c = shipped();
    assert_true(omb_calendar_is_workday(c, D("2024-10-01")));  /* Tue, no data */
    assert_true(omb_calendar_is_workday(c, D("2028-01-03")));  /* Mon */
    assert_false(omb_calendar_is_workday(c, D("2028-01-01"))); /* Sat */
    assert_false(omb_calendar_is_workday(c, D("2024-02-10"))); /* Sat */
    assert_true(omb_calendar_is_workday(c, D("1970-01-01")));  /* Thu */
    assert_false(omb_calendar_is_workday(c, D("1970-01-03"))); /* Sat */
    assert_true(omb_calendar_is_workday(c, D("1969-12-31")));  /* Wed, before the epoch */
    assert_day_equal(omb_calendar_add_workdays(c, D("2024-12-27"), 3), "2025-01-02");
    assert_int_equal(omb_calendar_workdays_between(c, D("2028-03-05"), D("2028-03-12")), 5);
    assert_int_equal(omb_calendar_workdays_between(c, D("2024-01-07"), D("2024-12-29")), 255);
    assert_day_equal(omb_calendar_next_workday(c, D("1970-01-03")), "1970-01-05");
    assert_day_equal(omb_calendar_add_workdays(c, D("1970-01-05"), -1), "1970-01-02");
    assert_day_equal(omb_calendar_add_workdays(c, D("1970-01-02"), -5), "1969-12-26");
    for (int64_t d = D("2028-01-01"); d < D("2030-01-01"); d++)
        assert_int_equal(omb_calendar_is_workday(c, d), !weekend(d));
    omb_calendar_free(c);
}

/* ---- properties ------------------------------------------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(rng_state >> 33) % n;
}

static void check_consistency(const omb_calendar *c, int64_t from, int n)
{
    char a[16], b[16];
    int64_t r = omb_calendar_add_workdays(c, from, n);
    if (r != naive_add(c, from, n))
        fail_msg("add(%s, %d) = %s, naive %s", S(from, a), n, S(r, b), S(naive_add(c, from, n), b));
    assert_true(omb_calendar_is_workday(c, r));
    if (n > 0) {
        assert_true(r > from);
        assert_int_equal(omb_calendar_workdays_between(c, from, r), n);
        assert_int_equal(omb_calendar_workdays_between(c, from, r - 1), n - 1);
        assert_int_equal(omb_calendar_workdays_between(c, r, from), -n);
        assert_int_equal(naive_between(c, from, r), n);
        if (omb_calendar_is_workday(c, from))
            assert_true(omb_calendar_add_workdays(c, r, -n) == from);
    } else if (n == 0) {
        assert_true(r >= from);
        assert_true(r == omb_calendar_next_workday(c, from));
        assert_int_equal(omb_calendar_workdays_between(c, from - 1, r), 1);
    } else {
        assert_true(r < from);
        assert_int_equal(omb_calendar_workdays_between(c, r - 1, from - 1), -n);
        assert_int_equal(omb_calendar_workdays_between(c, r, from - 1), -n - 1);
    }
}

static void test_add_between_consistency(void **state)
{
    (void)state;
    omb_calendar *c = shipped();
    int64_t lo = D("2024-06-01"), span = D("2028-06-01") - lo;
    for (int i = 0; i < 3000; i++) {
        int64_t from = lo + rnd((uint32_t)span);
        int n = (int)rnd(401);
        check_consistency(c, from, n);
        if (i % 4 == 0)
            check_consistency(c, from, -(int)rnd(300) - 1);
        int64_t to = lo + rnd((uint32_t)span);
        int w = omb_calendar_workdays_between(c, from, to);
        assert_int_equal(w, -omb_calendar_workdays_between(c, to, from));
        if (i % 8 == 0)
            assert_int_equal(w,
                             from <= to ? naive_between(c, from, to) : -naive_between(c, to, from));
    }
    /* every start day around the 2026 Spring Festival and National Day, n = 0..20 */
    for (int64_t d = D("2026-02-01"); d <= D("2026-03-10"); d++)
        for (int n = -20; n <= 20; n++)
            check_consistency(c, d, n);
    for (int64_t d = D("2026-09-10"); d <= D("2026-10-20"); d++)
        for (int n = -20; n <= 20; n++)
            check_consistency(c, d, n);
    omb_calendar_free(c);
}

static void test_large_counts(void **state)
{
    (void)state;
    omb_calendar *c = shipped();
    int64_t from = D("2025-01-01");
    int64_t r = omb_calendar_add_workdays(c, from, 1000000);
    assert_int_equal(omb_calendar_workdays_between(c, from, r), 1000000);
    assert_true(omb_calendar_is_workday(c, r));
    r = omb_calendar_add_workdays(c, from, INT_MAX);
    assert_int_equal(omb_calendar_workdays_between(c, from, r), INT_MAX);
    r = omb_calendar_add_workdays(c, from, INT_MIN);
    assert_true(r < from);
    assert_true(omb_calendar_is_workday(c, r));
    /* clamped rather than overflowing */
    assert_int_equal(omb_calendar_workdays_between(c, INT64_MIN, INT64_MAX), INT_MAX);
    assert_int_equal(omb_calendar_workdays_between(c, INT64_MAX, INT64_MIN), INT_MIN);
    (void)omb_calendar_add_workdays(c, INT64_MAX, INT_MAX);
    (void)omb_calendar_add_workdays(c, INT64_MIN, INT_MIN);
    (void)omb_calendar_next_workday(c, INT64_MIN);
    /* a deadline computation is cheap: 200,000 of them over 300 working days */
    int64_t sum = 0;
    for (int i = 0; i < 200000; i++)
        sum += omb_calendar_add_workdays(c, from + i % 1000, 300) - from;
    assert_true(sum > 0);
    omb_calendar_free(c);
}

/* ---- layers ------------------------------------------------------------------------ */

static void test_layers(void **state)
{
    (void)state;
    omb_calendar *c = shipped_with("# party calendar\n"
                                   "2026-10-05\tworkday\t值班 / Duty day\n"
                                   "2026-03-16\tholiday\t公司假日 / Company holiday\n"
                                   "2026-02-14\tholiday\t公司补休 / Company rest day\n"
                                   "2028-01-01\tholiday\t公司假日 / Company holiday\n"
                                   "year\t2027\tofficial\n"
                                   "year\t2029\tprojected\n");
    omb_calendar *n = shipped();
    /* a national holiday worked */
    assert_false(omb_calendar_is_workday(n, D("2026-10-05")));
    assert_true(omb_calendar_is_workday(c, D("2026-10-05")));
    assert_string_equal(omb_calendar_name(c, D("2026-10-05")), "值班 / Duty day");
    assert_string_equal(omb_calendar_name(c, D("2026-10-04")), "国庆节 / National Day");
    /* a company holiday on a Monday */
    assert_true(omb_calendar_is_workday(n, D("2026-03-16")));
    assert_false(omb_calendar_is_workday(c, D("2026-03-16")));
    assert_null(omb_calendar_name(n, D("2026-03-16")));
    /* a national make-up Saturday not worked */
    assert_false(omb_calendar_is_workday(c, D("2026-02-14")));
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-02-13"), 1), "2026-02-24");
    /* a holiday on a Saturday changes nothing */
    assert_false(omb_calendar_is_workday(c, D("2028-01-01")));
    /* counts */
    assert_day_equal(omb_calendar_add_workdays(n, D("2026-09-30"), 1), "2026-10-08");
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-09-30"), 1), "2026-10-05");
    assert_day_equal(omb_calendar_add_workdays(c, D("2026-09-30"), 5), "2026-10-12");
    assert_int_equal(omb_calendar_workdays_between(n, D("2026-09-30"), D("2026-10-12")), 4);
    assert_int_equal(omb_calendar_workdays_between(c, D("2026-09-30"), D("2026-10-12")), 5);
    assert_int_equal(omb_calendar_workdays_between(n, D("2026-03-13"), D("2026-03-20")), 5);
    assert_int_equal(omb_calendar_workdays_between(c, D("2026-03-13"), D("2026-03-20")), 4);
    assert_int_equal(omb_calendar_workdays_between(c, D("2025-12-31"), D("2026-12-31")),
                     248 + 1 - 1 - 1);
    /* year kinds: the later layer decides, any layer covers */
    assert_int_equal(omb_calendar_year_kind(n, 2027), OMB_CALENDAR_YEAR_PROJECTED);
    assert_int_equal(omb_calendar_year_kind(c, 2027), OMB_CALENDAR_YEAR_OFFICIAL);
    assert_int_equal(omb_calendar_year_kind(c, 2026), OMB_CALENDAR_YEAR_OFFICIAL);
    assert_int_equal(omb_calendar_year_kind(c, 2029), OMB_CALENDAR_YEAR_PROJECTED);
    assert_false(omb_calendar_covers(c, 2028)); /* a date alone does not cover a year */
    /* the properties hold with layers too */
    for (int64_t d = D("2026-02-01"); d <= D("2026-03-31"); d++)
        for (int k = -12; k <= 12; k++)
            check_consistency(c, d, k);
    for (int64_t d = D("2026-09-15"); d <= D("2026-10-15"); d++)
        for (int k = -12; k <= 12; k++)
            check_consistency(c, d, k);
    omb_calendar_free(c);
    omb_calendar_free(n);
}

/* Three layers, the same date in all of them: the last one wins; a party
   layer may hold only year lines, or only dates. */
static void test_three_layers(void **state)
{
    (void)state;
    const char *t[3] = {"2026-07-01\tholiday\tA\nyear\t2026\tprojected\n",
                        "2026-07-01\tworkday\tB\n2026-07-02\tholiday\tB2\n",
                        "year\t2026\tofficial\n2026-07-01\tholiday\tC\n"};
    omb_calendar *c = layers(t, 3);
    assert_false(omb_calendar_is_workday(c, D("2026-07-01")));
    assert_string_equal(omb_calendar_name(c, D("2026-07-01")), "C");
    assert_false(omb_calendar_is_workday(c, D("2026-07-02")));
    assert_string_equal(omb_calendar_name(c, D("2026-07-02")), "B2");
    assert_int_equal(omb_calendar_year_kind(c, 2026), OMB_CALENDAR_YEAR_OFFICIAL);
    omb_calendar_free(c);
    c = layers(t, 2);
    assert_true(omb_calendar_is_workday(c, D("2026-07-01")));
    assert_string_equal(omb_calendar_name(c, D("2026-07-01")), "B");
    assert_int_equal(omb_calendar_year_kind(c, 2026), OMB_CALENDAR_YEAR_PROJECTED);
    omb_calendar_free(c);
}

/* ---- syntax -------------------------------------------------------------------------- */

static void test_comments_blank_crlf_bom_nul(void **state)
{
    (void)state;
    omb_calendar *c = accepted("\xEF\xBB\xBF# comment\r\n"
                               "\r\n"
                               "   \t \n"
                               "year\t2030\tofficial\r\n"
                               "2030-01-01\tholiday\t元旦 / New Year's Day\r\n"
                               "# 2030-01-02\tholiday\tnot this\n"
                               "2030-01-05\tworkday\tx"); /* no final newline */
    assert_false(omb_calendar_is_workday(c, D("2030-01-01")));
    assert_true(omb_calendar_is_workday(c, D("2030-01-02")));
    assert_true(omb_calendar_is_workday(c, D("2030-01-05")));
    assert_string_equal(omb_calendar_name(c, D("2030-01-01")), "元旦 / New Year's Day");
    assert_string_equal(omb_calendar_name(c, D("2030-01-05")), "x");
    assert_int_equal(omb_calendar_year_kind(c, 2030), OMB_CALENDAR_YEAR_OFFICIAL);
    omb_calendar_free(c);
    /* a trailing NUL counts as the end of the text */
    const char text[] = "2030-01-01\tholiday\tA\n";
    const char *t = text;
    size_t len = sizeof text; /* with the NUL */
    omb_err err;
    assert_int_equal(omb_calendar_parse(&c, &t, &len, 1, &err), OMB_OK);
    assert_false(omb_calendar_is_workday(c, D("2030-01-01")));
    omb_calendar_free(c);
    omb_calendar_free(NULL);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    refused("# c\n2026-01-01\tholiday\n", "calendar_syntax", "line 2");
    refused("2026-01-01 holiday A\n", "calendar_syntax", "line 1");
    refused("2026-01-01\tholiday\tA\tB\n", "calendar_syntax", "found 4");
    refused("\n\n2026-01-01\tholiday\t\n", "calendar_syntax", "line 3");
    refused("2026-01-01\tholiday\t  \n", "calendar_syntax", "empty");
    refused("year\t2026\n", "calendar_syntax", "line 1");
    refused("2026-01-01\tholiday\t\xC3\x28\n", "calendar_syntax", "UTF-8");
    char longname[300];
    memset(longname, 'x', sizeof longname);
    longname[sizeof longname - 1] = '\0';
    char text[400];
    snprintf(text, sizeof text, "2026-01-01\tholiday\tA\n2026-01-02\tholiday\t%s\n", longname);
    refused(text, "calendar_syntax", "line 2");
}

static void test_date_errors(void **state)
{
    (void)state;
    refused("2026-02-29\tholiday\tA\n", "calendar_date", "line 1"); /* not a leap year */
    refused("x\n\n2026-02-30\tholiday\tA\n", "calendar_syntax", "line 1");
    refused("# c\n\n2026-02-30\tholiday\tA\n", "calendar_date", "line 3");
    refused("2026-2-3\tholiday\tA\n", "calendar_date", "2026-2-3");
    refused("2026-13-01\tholiday\tA\n", "calendar_date", NULL);
    refused("2026-04-31\tholiday\tA\n", "calendar_date", NULL);
    refused("2026-01-00\tholiday\tA\n", "calendar_date", NULL);
    refused("1969-12-31\tholiday\tA\n", "calendar_date", NULL);
    refused("2026/01/01\tholiday\tA\n", "calendar_date", NULL);
    refused("2026-01-01 \tholiday\tA\n", "calendar_date", NULL);
    refused("+026-01-01\tholiday\tA\n", "calendar_date", NULL);
    refused("\tholiday\tA\n", "calendar_date", NULL);
    refused("year\t26\tofficial\n", "calendar_date", "line 1");
    refused("year\t1969\tofficial\n", "calendar_date", NULL);
    refused("year\t2O26\tofficial\n", "calendar_date", NULL);
    /* leap days are fine */
    omb_calendar *c = accepted("2028-02-29\tholiday\tA\n2000-02-29\tholiday\tB\n");
    assert_false(omb_calendar_is_workday(c, D("2028-02-29")));
    assert_false(omb_calendar_is_workday(c, D("2000-02-29")));
    omb_calendar_free(c);
    refused("2100-02-29\tholiday\tA\n", "calendar_date", NULL);
}

static void test_kind_errors(void **state)
{
    (void)state;
    refused("2026-01-01\tHoliday\tA\n", "calendar_kind", "line 1");
    refused("2026-01-01\tholiday\tA\n2026-01-04\twork\tB\n", "calendar_kind", "line 2");
    refused("2026-01-01\t\tA\n", "calendar_kind", NULL);
    refused("year\t2026\tdraft\n", "calendar_kind", "line 1");
    refused("year\t2026\tOfficial\n", "calendar_kind", NULL);
}

static void test_duplicates(void **state)
{
    (void)state;
    refused("year\t2026\tofficial\n"
            "2026-01-01\tholiday\tA\n"
            "2026-01-02\tholiday\tA\n"
            "2026-01-01\tworkday\tB\n",
            "calendar_duplicate", "line 4");
    refused("2026-01-01\tholiday\tA\n"
            "2026-01-01\tholiday\tA\n",
            "calendar_duplicate", "first on line 1");
    /* the earliest second occurrence is reported */
    refused("2026-05-01\tholiday\tA\n"
            "2026-01-01\tholiday\tA\n"
            "2026-01-01\tholiday\tA\n"
            "2026-05-01\tholiday\tA\n",
            "calendar_duplicate", "line 3");
    refused("year\t2026\tofficial\n"
            "year\t2026\tprojected\n",
            "calendar_duplicate", "line 2");
    /* the same date in two layers is an override, not a duplicate */
    const char *ok[2] = {"2026-01-01\tholiday\tA\n", "2026-01-01\tworkday\tB\n"};
    omb_calendar *c = layers(ok, 2);
    assert_true(omb_calendar_is_workday(c, D("2026-01-01")));
    omb_calendar_free(c);
    /* within the second layer it is */
    const char *bad[2] = {"2026-01-01\tholiday\tA\n",
                          "# party\n2026-01-02\tholiday\tB\n2026-01-02\tworkday\tC\n"};
    refused_layers(bad, 2, "calendar_duplicate", "layer 2, line 3");
}

static void test_empty(void **state)
{
    (void)state;
    refused("", "calendar_empty", NULL);
    refused("# only comments\n\n", "calendar_empty", NULL);
    const char *none = NULL;
    refused_layers(&none, 1, "calendar_empty", NULL);
    refused_layers(NULL, 0, "calendar_empty", NULL);
    const char *t[2] = {"2026-01-01\tholiday\tA\n", "# nothing\n"};
    refused_layers(t, 2, "calendar_empty", "layer 2");
    /* an error in a later layer names the layer */
    const char *u[3] = {"2026-01-01\tholiday\tA\n", "year\t2026\tofficial\n",
                        "\n2026-01-02\tholiday\tB\n2026-01-03\trest\tC\n"};
    refused_layers(u, 3, "calendar_kind", "layer 3, line 3");
    /* a layer of year lines only is not empty */
    const char *v[1] = {"year\t2031\tprojected\n"};
    omb_calendar *c = layers(v, 1);
    assert_true(omb_calendar_covers(c, 2031));
    assert_true(omb_calendar_is_workday(c, D("2031-01-01")));
    assert_null(omb_calendar_name(c, D("2031-01-01")));
    omb_calendar_free(c);
}

/* Many dates in scrambled order: lookups and counts still agree with the naive walk. */
static void test_many_dates(void **state)
{
    (void)state;
    enum { N = 3000 };
    omb_buf b = OMB_BUF_INIT(1 << 20);
    int64_t base = D("2030-01-01");
    for (int i = 0; i < N; i++) {
        int v = (int)(((long)i * 7919) % N);
        char s[16];
        omb_buf_printf(&b, "%s\t%s\tn%d\n", S(base + 2 * v, s), v % 3 ? "holiday" : "workday", v);
    }
    omb_calendar *c = accepted(omb_buf_str(&b));
    char s[16], want[16];
    for (int v = 0; v < N; v++) {
        snprintf(want, sizeof want, "n%d", v);
        const char *name = omb_calendar_name(c, base + 2 * v);
        if (!name || strcmp(name, want) != 0)
            fail_msg("%s: name %s, want %s", S(base + 2 * v, s), name ? name : "(null)", want);
        assert_int_equal(omb_calendar_is_workday(c, base + 2 * v), v % 3 == 0);
        assert_null(omb_calendar_name(c, base + 2 * v + 1));
    }
    for (int i = 0; i < 500; i++) {
        int64_t from = base - 30 + rnd(2 * N + 60);
        check_consistency(c, from, (int)rnd(60));
        check_consistency(c, from, -(int)rnd(60));
    }
    omb_calendar_free(c);
    omb_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_coverage),
        cmocka_unit_test(test_projected_and_warning),
        cmocka_unit_test(test_weekday),
        cmocka_unit_test(test_every_day_2025_2026),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_spring_festival_2025),
        cmocka_unit_test(test_spring_festival_2026),
        cmocka_unit_test(test_national_day_2025),
        cmocka_unit_test(test_national_day_2026),
        cmocka_unit_test(test_outside_coverage),
        cmocka_unit_test(test_add_between_consistency),
        cmocka_unit_test(test_large_counts),
        cmocka_unit_test(test_layers),
        cmocka_unit_test(test_three_layers),
        cmocka_unit_test(test_comments_blank_crlf_bom_nul),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_date_errors),
        cmocka_unit_test(test_kind_errors),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_many_dates),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
