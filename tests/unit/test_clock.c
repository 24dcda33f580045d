/*
 * test_clock.c - unit tests of the clock engine (src/core/clock.c) with the
 * shipped rules (data/clocks.tsv) and business calendar (data/calendar.tsv)
 * as embedded into the binary.
 *
 * Histories are built by hand as events (seq 1..n) and the clocks computed
 * at a given "now" in Asia/Shanghai (+08:00).  Every expected instant is
 * written out as an RFC 3339 string worked out by hand from the rules and
 * the State Council holiday notices (and checked against data/calendar.tsv):
 * the Civil Code's day counting across Spring Festival and National Day
 * 2026, working-day rules, the 24-hour first contact and its urgent
 * tightening, extensions and their checks, pauses (single, overlapping,
 * nested, open), restarts on new facts, the decision -> notice -> review
 * chain, cancellations, alerts, the JSON view, and the rules parser's
 * errors.  Properties over random histories (seeded, reproducible) close:
 * pauses never bring a deadline forward, the order of resumes does not
 * matter, deadlines lie after their start and warnings between the two
 * (except the notice of a late decision, due with that decision and so
 * already late when it starts), met clocks stay met, and the clock history
 * kept in a document gives the same clocks as the events themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include "core/buf.h"
#include "core/calendar.h"
#include "core/clock.h"
#include "core/complaint.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Generated from data/calendar.tsv and data/clocks.tsv by scripts/embed.sh (build/<flavour>/gen).
 */
extern const unsigned char omb_embed_calendar_tsv[];
extern const size_t omb_embed_calendar_tsv_len;
extern const unsigned char omb_embed_clocks_tsv[];
extern const size_t omb_embed_clocks_tsv_len;

#define TZ       OMB_TZ_SHANGHAI_MIN
#define HOUR     OMB_MS_PER_HOUR
#define DAY      OMB_MS_PER_DAY
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define FC  OMB_CLOCK_FIRST_CONTACT
#define DEC OMB_CLOCK_DECISION
#define NOT OMB_CLOCK_NOTICE
#define RW  OMB_CLOCK_REVIEW_WINDOW
#define RD  OMB_CLOCK_REVIEW_DECISION
#define CB  OMB_CLOCK_CALLBACK

typedef struct fixture {
    omb_clock_rules rules;
    omb_calendar *cal;
} fixture;

/* ---- helpers ------------------------------------------------------------------ */

/* An RFC 3339 instant (or a date, local midnight in Shanghai) as milliseconds. */
static omb_ms T(const char *s)
{
    omb_ms t = 0;
    if (omb_time_parse(s, TZ, &t) != OMB_OK)
        fail_msg("bad test time %s", s);
    return t;
}

/* An instant as Shanghai local time, for messages. */
static const char *L(omb_ms t, char out[40])
{
    char u[32];
    if (t == 0) {
        snprintf(out, 40, "0");
        return out;
    }
    omb_time_format(t + TZ * 60000LL, u, sizeof u);
    u[23] = '\0'; /* drop the Z */
    snprintf(out, 40, "%s+08:00", u);
    return out;
}

#define assert_time(got, want)                                                                     \
    do {                                                                                           \
        omb_ms g_ = (got);                                                                         \
        if (g_ != T(want)) {                                                                       \
            char s_[40];                                                                           \
            fail_msg("%s: got %s, want %s", #got, L(g_, s_), want);                                \
        }                                                                                          \
    } while (0)

#define assert_state(clk, want)                                                                    \
    do {                                                                                           \
        enum omb_clock_state g_ = (clk).state;                                                     \
        if (g_ != (want))                                                                          \
            fail_msg("%s: state %s, want %s", #clk, omb_clock_state_name(g_),                      \
                     omb_clock_state_name(want));                                                  \
    } while (0)

#define assert_err(rc_expr, err, want_rc, want_code, want_field)                                   \
    do {                                                                                           \
        int r_ = (rc_expr);                                                                        \
        if (r_ != (want_rc) || strcmp((err).code, (want_code)) != 0)                               \
            fail_msg("%s: rc %d code \"%s\" (%s), want %d %s", #rc_expr, r_, (err).code,           \
                     (err).message, (want_rc), (want_code));                                       \
        if (strcmp((err).field, (want_field)) != 0)                                                \
            fail_msg("%s: field \"%s\", want \"%s\"", #rc_expr, (err).field, (want_field));        \
    } while (0)

#define HMAX 96

typedef struct hist {
    omb_event ev[HMAX];
    size_t n;
} hist;

static int64_t add_at(hist *h, const char *type, omb_ms at, json_t *payload)
{
    if (h->n == HMAX)
        fail_msg("history too long");
    omb_event *ev = &h->ev[h->n];
    omb_event_init(ev, type, at, 7, 1, payload);
    ev->complaint_id = 1;
    ev->seq = (int64_t)++h->n;
    return ev->seq;
}

static int64_t add(hist *h, const char *type, const char *at, json_t *payload)
{
    return add_at(h, type, T(at), payload);
}

static void release(hist *h)
{
    for (size_t i = 0; i < h->n; i++)
        omb_event_release(&h->ev[i]);
    h->n = 0;
}

/* "received" at `at` (also its received_at), with an optional grade. */
static void received(hist *h, const char *at, const char *grade)
{
    json_t *p = json_pack("{s:s,s:s,s:s,s:s}", "no", "TS1", "received_at", at, "channel", "app",
                          "description", "多收了服务费");
    if (grade)
        json_object_set_new(p, "grade", json_string(grade));
    add(h, "received", at, p);
}

static int64_t pause_on(hist *h, const char *at, const char *clk, const char *reason)
{
    json_t *p = json_pack("{s:s,s:s}", "reason_code", reason, "reason", "送外部机构鉴定");
    if (clk)
        json_object_set_new(p, "clock", json_string(clk));
    return add(h, "paused", at, p);
}

static void resume_on(hist *h, const char *at, const char *clk, int64_t pause)
{
    json_t *p = json_pack("{s:I}", "pause", (json_int_t)pause);
    if (clk)
        json_object_set_new(p, "clock", json_string(clk));
    add(h, "resumed", at, p);
}

static void extend(hist *h, const char *at, int days)
{
    add(h, "extended", at,
        json_pack("{s:s,s:i,s:s}", "clock", "decision", "days", days, "reason", "情况复杂"));
}

static void alert(hist *h, const char *type, const char *at, const char *clk, int run)
{
    json_t *p = json_pack("{s:i}", "run", run);
    if (clk)
        json_object_set_new(p, "clock", json_string(clk));
    add(h, type, at, p);
}

static void classify(hist *h, const char *at, const char *grade)
{
    add(h, "classified", at, json_pack("{s:s}", "grade", grade));
}

static void compute_with(const omb_clock_rules *rules, const omb_calendar *cal, const hist *h,
                         omb_ms now, omb_clocks *out)
{
    omb_err err;
    omb_err_clear(&err);
    int rc = omb_clocks_compute(rules, cal, TZ, h->ev, h->n, now, out, &err);
    if (rc != OMB_OK)
        fail_msg("compute refused: %s: %s", err.code, err.message);
}

static void compute(const fixture *fx, const hist *h, const char *now, omb_clocks *out)
{
    compute_with(&fx->rules, fx->cal, h, T(now), out);
}

/* The decision clock of a complaint received at `recv` (its only event), at `now`. */
static void decision_of(const fixture *fx, const char *recv, const char *now, omb_clock *out)
{
    hist h = {.n = 0};
    received(&h, recv, NULL);
    omb_clocks cl;
    compute(fx, &h, now, &cl);
    *out = cl.clock[DEC];
    release(&h);
}

static int group_setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    omb_err err;
    omb_err_clear(&err);
    if (omb_clock_rules_parse(&fx->rules, (const char *)omb_embed_clocks_tsv,
                              omb_embed_clocks_tsv_len, &err) != OMB_OK) {
        fprintf(stderr, "shipped clock rules refused: %s: %s\n", err.code, err.message);
        free(fx);
        return -1;
    }
    const char *t = (const char *)omb_embed_calendar_tsv;
    size_t len = omb_embed_calendar_tsv_len;
    if (omb_calendar_parse(&fx->cal, &t, &len, 1, &err) != OMB_OK) {
        fprintf(stderr, "shipped calendar refused: %s: %s\n", err.code, err.message);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *fx = *state;
    omb_calendar_free(fx->cal);
    free(fx);
    return 0;
}

/* ---- 1. rules ------------------------------------------------------------------- */

static const char *const rule_lines[] = {
    "first_contact\thours\t24\t80\t-\t-\t2\t2\t-\t-\tinstitution",
    "decision\tcalendar_days\t15\t80\t-\t-\t-\t-\t30\t60\tinstitution",
    "notice\tdecision_deadline\t-\t80\t-\t-\t-\t-\t-\t-\tinstitution",
    "review_window\tcalendar_days\t30\t-\t-\t-\t-\t-\t-\t-\tconsumer",
    "review_decision\tcalendar_days\t30\t80\t-\t-\t-\t-\t-\t-\tinstitution",
    "callback\tcalendar_days\t7\t80\t-\t-\t-\t-\t-\t-\tinstitution",
};

/* The default rules after a comment line (so rule i is on line i + 2), with
 * line `which` replaced by `with` (NULL: left out) and `extra` appended. */
static void rules_text(omb_buf *b, int which, const char *with, const char *extra)
{
    omb_buf_reset(b);
    omb_buf_puts(b, "# kind\tunit\tamount\t...\n");
    for (int i = 0; i < (int)COUNT(rule_lines); i++) {
        const char *l = i == which ? with : rule_lines[i];
        if (l)
            omb_buf_printf(b, "%s\n", l);
    }
    if (extra)
        omb_buf_puts(b, extra);
}

static void rules_refused(const char *text, const char *code, const char *needle)
{
    omb_clock_rules r;
    omb_err err;
    omb_err_clear(&err);
    assert_int_equal(omb_clock_rules_parse(&r, text, strlen(text), &err), OMB_EINVAL);
    if (strcmp(err.code, code) != 0)
        fail_msg("rules refused with %s (%s), want %s", err.code, err.message, code);
    if (needle && !strstr(err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void rules_accepted(const char *text, omb_clock_rules *r)
{
    omb_err err;
    omb_err_clear(&err);
    if (omb_clock_rules_parse(r, text, strlen(text), &err) != OMB_OK)
        fail_msg("rules refused: %s: %s", err.code, err.message);
}

static void test_rules_embedded(void **state)
{
    const fixture *fx = *state;
    const omb_clock_rule *r = fx->rules.rule;
    assert_int_equal(r[FC].unit, OMB_UNIT_HOURS);
    assert_int_equal(r[FC].amount, 24);
    assert_int_equal(r[FC].warn_percent, 80);
    assert_int_equal(r[FC].by_grade[OMB_GRADE_GENERAL], 0);
    assert_int_equal(r[FC].by_grade[OMB_GRADE_IMPORTANT], 0);
    assert_int_equal(r[FC].by_grade[OMB_GRADE_URGENT], 2);
    assert_int_equal(r[FC].by_grade[OMB_GRADE_MAJOR], 2);
    assert_int_equal(r[FC].extend_to[0], 0);
    assert_int_equal(r[FC].owner, OMB_OWNER_INSTITUTION);

    assert_int_equal(r[DEC].unit, OMB_UNIT_CALENDAR_DAYS);
    assert_int_equal(r[DEC].amount, 15);
    assert_int_equal(r[DEC].warn_percent, 80);
    assert_int_equal(r[DEC].extend_to[0], 30);
    assert_int_equal(r[DEC].extend_to[1], 60);
    for (int g = 0; g < 4; g++)
        assert_int_equal(r[DEC].by_grade[g], 0);

    assert_int_equal(r[NOT].unit, OMB_UNIT_DECISION_DEADLINE);
    assert_int_equal(r[NOT].amount, 0);
    assert_int_equal(r[NOT].warn_percent, 80);

    assert_int_equal(r[RW].unit, OMB_UNIT_CALENDAR_DAYS);
    assert_int_equal(r[RW].amount, 30);
    assert_int_equal(r[RW].warn_percent, 0);
    assert_int_equal(r[RW].owner, OMB_OWNER_CONSUMER);

    assert_int_equal(r[RD].unit, OMB_UNIT_CALENDAR_DAYS);
    assert_int_equal(r[RD].amount, 30);
    assert_int_equal(r[RD].owner, OMB_OWNER_INSTITUTION);
    assert_int_equal(r[CB].unit, OMB_UNIT_CALENDAR_DAYS);
    assert_int_equal(r[CB].amount, 7);
    assert_int_equal(r[CB].warn_percent, 80);

    /* the same text typed here parses to the same rules */
    omb_buf b = OMB_BUF_INIT(1 << 16);
    rules_text(&b, -1, NULL, NULL);
    omb_clock_rules mine;
    rules_accepted(omb_buf_str(&b), &mine);
    assert_memory_equal(&mine, &fx->rules, sizeof mine);

    /* names */
    for (int k = 0; k < OMB_CLOCK__COUNT; k++) {
        enum omb_clock_kind back;
        assert_int_equal(omb_clock_kind_parse(omb_clock_kind_name((enum omb_clock_kind)k), &back),
                         OMB_OK);
        assert_int_equal(back, k);
    }
    enum omb_clock_kind dummy;
    assert_int_equal(omb_clock_kind_parse("task", &dummy), OMB_EINVAL);
    assert_string_equal(omb_clock_kind_name(OMB_CLOCK__COUNT), "unknown");
    assert_string_equal(omb_clock_state_name(OMB_CLK_MET_LATE), "met_late");
    assert_string_equal(omb_clock_state_name((enum omb_clock_state)99), "unknown");
    omb_buf_release(&b);
}

static void test_rules_accepted_forms(void **state)
{
    (void)state;
    omb_clock_rules r;
    /* CRLF, blank lines, no final newline */
    const char *crlf = "# c\r\n\r\n"
                       "first_contact\thours\t24\t80\t-\t-\t2\t2\t-\t-\tinstitution\r\n"
                       "decision\tworking_days\t10\t-\t-\t12\t-\t-\t20\t40\tinstitution\r\n"
                       "notice\tdecision_deadline\t-\t-\t-\t-\t-\t-\t-\t-\tinstitution\r\n"
                       "review_window\tcalendar_days\t30\t-\t-\t-\t-\t-\t-\t-\tconsumer\r\n"
                       "\n"
                       "review_decision\thours\t100000\t99\t-\t-\t-\t-\t-\t-\tconsumer\r\n"
                       "callback\tcalendar_days\t1\t1\t-\t-\t-\t-\t-\t-\tinstitution";
    rules_accepted(crlf, &r);
    assert_int_equal(r.rule[DEC].unit, OMB_UNIT_WORKING_DAYS);
    assert_int_equal(r.rule[DEC].amount, 10);
    assert_int_equal(r.rule[DEC].warn_percent, 0);
    assert_int_equal(r.rule[DEC].by_grade[OMB_GRADE_IMPORTANT], 12);
    assert_int_equal(r.rule[DEC].extend_to[0], 20);
    assert_int_equal(r.rule[DEC].extend_to[1], 40);
    assert_int_equal(r.rule[NOT].warn_percent, 0);
    assert_int_equal(r.rule[RD].amount, 100000);
    assert_int_equal(r.rule[RD].warn_percent, 99);
    assert_int_equal(r.rule[RD].owner, OMB_OWNER_CONSUMER);
    assert_int_equal(r.rule[CB].amount, 1);
    assert_int_equal(r.rule[CB].warn_percent, 1);
}

static void test_rules_errors(void **state)
{
    (void)state;
    omb_buf b = OMB_BUF_INIT(1 << 16);

    /* syntax: column counts (decision is line 3) */
    rules_text(&b, 1, "decision\tcalendar_days\t15\t80\t-\t-\t-\t-\t30\t60", NULL);
    rules_refused(omb_buf_str(&b), "clock_rules_syntax", "line 3");
    rules_text(&b, 1, "decision", NULL);
    rules_refused(omb_buf_str(&b), "clock_rules_syntax", "line 3");
    rules_text(&b, 1, "decision 15 days", NULL);
    rules_refused(omb_buf_str(&b), "clock_rules_syntax", "line 3");
    rules_text(&b, 1, "decision\tcalendar_days\t15\t80\t-\t-\t-\t-\t30\t60\tinstitution\textra",
               NULL);
    rules_refused(omb_buf_str(&b), "clock_rules_syntax", "line 3");
    rules_text(&b, 1, "decision\tcalendar_days\t15\t80\t-\t-\t-\t-\t30\t60\tinstitution\t", NULL);
    rules_refused(omb_buf_str(&b), "clock_rules_syntax", "line 3");
    /* a line too long */
    char longl[700];
    memset(longl, 'x', sizeof longl - 1);
    longl[sizeof longl - 1] = '\0';
    rules_text(&b, 5, longl, NULL);
    rules_refused(omb_buf_str(&b), "clock_rules_syntax", "line 7");

    /* unknown kinds */
    rules_text(&b, -1, NULL, "task\thours\t24\t80\t-\t-\t-\t-\t-\t-\tinstitution\n");
    rules_refused(omb_buf_str(&b), "clock_rules_kind", "line 8");
    rules_text(&b, 0, "First_contact\thours\t24\t80\t-\t-\t2\t2\t-\t-\tinstitution", NULL);
    rules_refused(omb_buf_str(&b), "clock_rules_kind", "line 2");
    rules_text(&b, 0, "\thours\t24\t80\t-\t-\t2\t2\t-\t-\tinstitution", NULL);
    rules_refused(omb_buf_str(&b), "clock_rules_kind", "line 2");

    /* missing and duplicate kinds */
    rules_text(&b, 5, NULL, NULL);
    rules_refused(omb_buf_str(&b), "clock_rules_missing", "callback");
    rules_text(&b, 2, NULL, NULL);
    rules_refused(omb_buf_str(&b), "clock_rules_missing", "notice");
    rules_refused("", "clock_rules_missing", "first_contact");
    rules_refused("# nothing but comments\n\n", "clock_rules_missing", "first_contact");
    rules_text(&b, -1, NULL, "decision\tcalendar_days\t20\t80\t-\t-\t-\t-\t30\t60\tinstitution\n");
    rules_refused(omb_buf_str(&b), "clock_rules_duplicate", "line 8");
    rules_text(&b, 5, rule_lines[0], NULL);
    rules_refused(omb_buf_str(&b), "clock_rules_duplicate", "line 7");

    /* bad values, each on the decision line (line 3) */
    static const char *const bad[] = {
        "decision\tweeks\t15\t80\t-\t-\t-\t-\t30\t60\tinstitution",
        "decision\t\t15\t80\t-\t-\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\t0\t80\t-\t-\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\t-1\t80\t-\t-\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\t-\t80\t-\t-\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\t\t80\t-\t-\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\tfifteen\t80\t-\t-\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\t15d\t80\t-\t-\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\t100001\t80\t-\t-\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\t99999999999999999999\t80\t-\t-\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\t15\t100\t-\t-\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\t15\t0\t-\t-\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\t15\t80%\t-\t-\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\t15\t80\t0\t-\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\t15\t80\t-\tx\t-\t-\t30\t60\tinstitution",
        "decision\tcalendar_days\t15\t80\t-\t-\t-\t-2\t30\t60\tinstitution",
        "decision\tcalendar_days\t15\t80\t-\t-\t-\t-\t0\t60\tinstitution",
        "decision\tcalendar_days\t15\t80\t-\t-\t-\t-\t30\tsixty\tinstitution",
        "decision\tcalendar_days\t15\t80\t-\t-\t-\t-\t30\t60\tbank",
        "decision\tcalendar_days\t15\t80\t-\t-\t-\t-\t30\t60\t",
        "decision\tcalendar_days\t15\t80\t-\t-\t-\t-\t30\t60\tInstitution",
        "decision\tdecision_deadline\t15\t80\t-\t-\t-\t-\t30\t60\tinstitution",
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        rules_text(&b, 1, bad[i], NULL);
        rules_refused(omb_buf_str(&b), "clock_rules_value", "line 3");
    }
    /* the notice's amount must be "-" */
    rules_text(&b, 2, "notice\tdecision_deadline\t15\t80\t-\t-\t-\t-\t-\t-\tinstitution", NULL);
    rules_refused(omb_buf_str(&b), "clock_rules_value", "line 4");
    /* the first error wins: a bad value before a missing kind */
    rules_text(&b, 5, NULL, "decision\tweeks\t15\t80\t-\t-\t-\t-\t30\t60\tinstitution\n");
    rules_refused(omb_buf_str(&b), "clock_rules_duplicate", "line 7");
    omb_buf_release(&b);
}

/* ---- 2. first contact ------------------------------------------------------------- */

static void test_first_contact_met(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    hist h = {.n = 0};

    /* Monday 2026-03-02 09:00, general: due 24 hours later, warning at 80 % (19.2 h) */
    received(&h, "2026-03-02T09:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-02T09:30:00+08:00", &cl);
    assert_true(cl.clock[FC].active);
    assert_state(cl.clock[FC], OMB_CLK_RUNNING);
    assert_int_equal(cl.clock[FC].amount, 24);
    assert_int_equal(cl.clock[FC].unit, OMB_UNIT_HOURS);
    assert_int_equal(cl.clock[FC].runs, 1);
    assert_time(cl.clock[FC].started_at, "2026-03-02T09:00:00+08:00");
    assert_time(cl.clock[FC].due_at, "2026-03-03T09:00:00+08:00");
    assert_time(cl.clock[FC].warn_at, "2026-03-03T04:12:00+08:00");
    assert_int_equal(cl.clock[FC].stopped_at, 0);
    /* only first contact and decision start at receipt */
    assert_true(cl.clock[DEC].active);
    for (int k = NOT; k <= CB; k++)
        assert_false(cl.clock[k].active);

    /* accepted in time */
    add(&h, "accepted", "2026-03-02T15:00:00+08:00", json_pack("{s:i}", "lead_party", 3));
    compute(fx, &h, "2026-03-09T10:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_MET);
    assert_time(cl.clock[FC].stopped_at, "2026-03-02T15:00:00+08:00");
    assert_time(cl.clock[FC].due_at, "2026-03-03T09:00:00+08:00");
    assert_state(cl.clock[DEC], OMB_CLK_RUNNING); /* acceptance does not stop the decision */
    release(&h);

    /* accepted at the very last millisecond is in time, one later is late */
    received(&h, "2026-03-02T09:00:00+08:00", NULL);
    add(&h, "accepted", "2026-03-03T09:00:00.000+08:00", NULL);
    compute(fx, &h, "2026-03-04T00:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_MET);
    release(&h);
    received(&h, "2026-03-02T09:00:00+08:00", NULL);
    add(&h, "accepted", "2026-03-03T09:00:00.001+08:00", NULL);
    compute(fx, &h, "2026-03-04T00:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_MET_LATE);
    assert_time(cl.clock[FC].stopped_at, "2026-03-03T09:00:00.001+08:00");
    release(&h);

    /* a rejection is a first answer too: it meets first contact and cancels the decision */
    received(&h, "2026-03-02T09:00:00+08:00", NULL);
    add(&h, "rejected", "2026-03-02T12:00:00+08:00",
        json_pack("{s:s}", "reason", "不属于受理范围"));
    compute(fx, &h, "2026-03-20T00:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_MET);
    assert_state(cl.clock[DEC], OMB_CLK_CANCELLED);
    assert_time(cl.clock[DEC].stopped_at, "2026-03-02T12:00:00+08:00");
    release(&h);
}

static void test_first_contact_breached(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    hist h = {.n = 0};
    received(&h, "2026-03-02T09:00:00+08:00", "general");
    compute(fx, &h, "2026-03-03T08:59:59.999+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_RUNNING);
    compute(fx, &h, "2026-03-03T09:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_BREACHED);
    compute(fx, &h, "2026-03-05T00:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_BREACHED);
    assert_time(cl.clock[FC].due_at, "2026-03-03T09:00:00+08:00");
    assert_int_equal(cl.clock[FC].stopped_at, 0);
    /* answered after the breach: met late */
    add(&h, "accepted", "2026-03-05T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-06T00:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_MET_LATE);
    release(&h);
}

static void test_first_contact_urgent(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    hist h = {.n = 0};

    /* graded urgent (and major) at receipt: 2 hours, warning at 96 minutes */
    static const char *const tight[] = {"urgent", "major"};
    for (size_t i = 0; i < COUNT(tight); i++) {
        received(&h, "2026-03-02T09:00:00+08:00", tight[i]);
        compute(fx, &h, "2026-03-02T09:30:00+08:00", &cl);
        assert_int_equal(cl.clock[FC].amount, 2);
        assert_time(cl.clock[FC].due_at, "2026-03-02T11:00:00+08:00");
        assert_time(cl.clock[FC].warn_at, "2026-03-02T10:36:00+08:00");
        /* the grade does not change the decision's 15 days */
        assert_int_equal(cl.clock[DEC].amount, 15);
        assert_time(cl.clock[DEC].due_at, "2026-03-17T23:59:59.999+08:00");
        release(&h);
    }
    received(&h, "2026-03-02T09:00:00+08:00", "important");
    compute(fx, &h, "2026-03-02T09:30:00+08:00", &cl);
    assert_int_equal(cl.clock[FC].amount, 24);
    assert_time(cl.clock[FC].due_at, "2026-03-03T09:00:00+08:00");
    release(&h);

    /* classified urgent an hour after receipt: the limit tightens from the start */
    received(&h, "2026-03-02T09:00:00+08:00", NULL);
    classify(&h, "2026-03-02T10:00:00+08:00", "urgent");
    compute(fx, &h, "2026-03-02T10:59:59.999+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_RUNNING);
    assert_int_equal(cl.clock[FC].amount, 2);
    assert_time(cl.clock[FC].due_at, "2026-03-02T11:00:00+08:00");
    compute(fx, &h, "2026-03-02T11:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_BREACHED);
    add(&h, "accepted", "2026-03-02T10:30:00+08:00", NULL);
    compute(fx, &h, "2026-03-02T12:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_MET);
    release(&h);

    received(&h, "2026-03-02T09:00:00+08:00", NULL);
    classify(&h, "2026-03-02T10:00:00+08:00", "urgent");
    add(&h, "accepted", "2026-03-02T11:30:00+08:00", NULL);
    compute(fx, &h, "2026-03-02T12:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_MET_LATE);
    release(&h);

    /* downgraded before the answer: back to 24 hours */
    received(&h, "2026-03-02T09:00:00+08:00", "urgent");
    classify(&h, "2026-03-02T10:00:00+08:00", "general");
    add(&h, "accepted", "2026-03-02T12:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-02T12:00:00+08:00", &cl);
    assert_time(cl.clock[FC].due_at, "2026-03-03T09:00:00+08:00");
    assert_state(cl.clock[FC], OMB_CLK_MET);
    release(&h);

    /* a classification after the answer does not reach back: the clock was met under
       the limit in force when it stopped */
    received(&h, "2026-03-02T09:00:00+08:00", NULL);
    add(&h, "accepted", "2026-03-02T13:00:00+08:00", NULL);
    classify(&h, "2026-03-02T15:00:00+08:00", "urgent");
    compute(fx, &h, "2026-03-02T16:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_MET);
    assert_int_equal(cl.clock[FC].amount, 24);
    assert_time(cl.clock[FC].due_at, "2026-03-03T09:00:00+08:00");
    release(&h);

    /* an unknown grade in the payload is ignored */
    received(&h, "2026-03-02T09:00:00+08:00", "severe");
    compute(fx, &h, "2026-03-02T09:30:00+08:00", &cl);
    assert_int_equal(cl.clock[FC].amount, 24);
    release(&h);
}

static void test_transferred(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    hist h = {.n = 0};

    /* transferred by the regulator: the consumer complained on 02-25, the institution
       received it on 03-02 09:00, it was recorded on 03-05 */
    add(&h, "received", "2026-03-05T10:00:00+08:00",
        json_pack("{s:s,s:s,s:s}", "no", "TS2", "received_at", "2026-02-25T10:00:00+08:00",
                  "institution_received_at", "2026-03-02T09:00:00+08:00"));
    compute(fx, &h, "2026-03-05T10:00:00+08:00", &cl);
    assert_time(cl.clock[FC].started_at, "2026-03-02T09:00:00+08:00");
    assert_time(cl.clock[FC].due_at, "2026-03-03T09:00:00+08:00");
    assert_state(cl.clock[FC], OMB_CLK_BREACHED);
    assert_time(cl.clock[DEC].started_at, "2026-03-02T09:00:00+08:00");
    assert_time(cl.clock[DEC].due_at, "2026-03-17T23:59:59.999+08:00");
    release(&h);

    /* only received_at (given by the channel): the clocks count from it */
    add(&h, "received", "2026-03-02T09:05:00+08:00",
        json_pack("{s:s,s:s}", "no", "TS3", "received_at", "2026-03-02T08:00:00+08:00"));
    compute(fx, &h, "2026-03-02T09:05:00+08:00", &cl);
    assert_time(cl.clock[FC].started_at, "2026-03-02T08:00:00+08:00");
    assert_time(cl.clock[FC].due_at, "2026-03-03T08:00:00+08:00");
    release(&h);

    /* neither: the event's time; a date only is local midnight */
    add(&h, "received", "2026-03-02T09:05:00+08:00", json_pack("{s:s}", "no", "TS4"));
    compute(fx, &h, "2026-03-02T09:05:00+08:00", &cl);
    assert_time(cl.clock[FC].started_at, "2026-03-02T09:05:00+08:00");
    release(&h);
    add(&h, "received", "2026-03-03T09:05:00+08:00",
        json_pack("{s:s,s:s}", "no", "TS5", "institution_received_at", "2026-01-31"));
    compute(fx, &h, "2026-03-03T09:05:00+08:00", &cl);
    assert_time(cl.clock[FC].started_at, "2026-01-31T00:00:00+08:00");
    assert_time(cl.clock[DEC].due_at, "2026-02-24T23:59:59.999+08:00");
    release(&h);
}

/* ---- 3. the decision: 15 calendar days, Civil Code counting ------------------------------ */

typedef struct due_case {
    const char *received;
    const char *due;
    const char *why;
} due_case;

static void check_due_cases(const fixture *fx, const due_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        omb_clock d;
        decision_of(fx, c[i].received, c[i].received, &d);
        if (d.due_at != T(c[i].due)) {
            char s[40];
            fail_msg("received %s: due %s, want %s (%s)", c[i].received, L(d.due_at, s), c[i].due,
                     c[i].why);
        }
        assert_time(d.started_at, c[i].received);
        assert_int_equal(d.amount, 15);
        assert_int_equal(d.unit, OMB_UNIT_CALENDAR_DAYS);
    }
}

static void test_decision_spring_festival(void **state)
{
    const fixture *fx = *state;
    /* 春节 2026: Sun 02-15 .. Mon 02-23 rest, Sat 02-14 and Sat 02-28 working;
       元旦: 01-01 .. 01-03 rest, Sun 01-04 working */
    static const due_case cases[] = {
        {"2025-12-17T10:00:00+08:00", "2026-01-04T23:59:59.999+08:00",
         "day 15 is 01-01 (元旦), 01-02 and Sat 01-03 rest, Sun 01-04 a make-up working day"},
        {"2026-01-29T10:00:00+08:00", "2026-02-13T23:59:59.999+08:00", "day 15 is Fri 02-13"},
        {"2026-01-30T10:00:00+08:00", "2026-02-14T23:59:59.999+08:00",
         "day 15 is Sat 02-14, a make-up working day"},
        {"2026-01-31T10:00:00+08:00", "2026-02-24T23:59:59.999+08:00",
         "day 15 is Sun 02-15, inside the holiday: first working day after it is Tue 02-24"},
        {"2026-02-01T10:00:00+08:00", "2026-02-24T23:59:59.999+08:00", "day 15 is 02-16"},
        {"2026-02-08T10:00:00+08:00", "2026-02-24T23:59:59.999+08:00",
         "day 15 is Mon 02-23, the last day of the holiday"},
        {"2026-02-09T10:00:00+08:00", "2026-02-24T23:59:59.999+08:00", "day 15 is Tue 02-24"},
        {"2026-02-13T10:00:00+08:00", "2026-02-28T23:59:59.999+08:00",
         "day 15 is Sat 02-28, a make-up working day"},
        {"2026-02-14T10:00:00+08:00", "2026-03-02T23:59:59.999+08:00",
         "day 15 is Sun 03-01, an ordinary Sunday"},
        {"2026-02-15T10:00:00+08:00", "2026-03-02T23:59:59.999+08:00",
         "received on a holiday: still counted from the next day, day 15 is Mon 03-02"},
        /* the day of receipt is not counted whatever the hour */
        {"2026-01-31T00:00:00+08:00", "2026-02-24T23:59:59.999+08:00", "local midnight"},
        {"2026-01-31T00:10:00+08:00", "2026-02-24T23:59:59.999+08:00",
         "still 01-30 in UTC: the local day counts"},
        {"2026-01-30T23:59:59.999+08:00", "2026-02-14T23:59:59.999+08:00", "last ms of 01-30"},
        {"2026-01-30T16:30:00Z", "2026-02-24T23:59:59.999+08:00", "00:30 on 01-31 in Shanghai"},
    };
    check_due_cases(fx, cases, COUNT(cases));

    /* state around the deadline */
    const fixture *f = fx;
    omb_clocks cl;
    hist h = {.n = 0};
    received(&h, "2026-01-31T10:00:00+08:00", NULL);
    compute(f, &h, "2026-02-24T23:59:59.998+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_RUNNING);
    compute(f, &h, "2026-02-24T23:59:59.999+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_BREACHED);
    add(&h, "decided", "2026-02-24T23:59:59.999+08:00", NULL);
    compute(f, &h, "2026-03-01T00:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_MET);
    release(&h);
    received(&h, "2026-01-31T10:00:00+08:00", NULL);
    add(&h, "decided", "2026-02-25T00:00:00+08:00", NULL);
    compute(f, &h, "2026-03-01T00:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_MET_LATE);
    release(&h);
}

static void test_decision_national_day(void **state)
{
    const fixture *fx = *state;
    /* 中秋 Fri 09-25 .. Sun 09-27 rest; 国庆 Thu 10-01 .. Wed 10-07 rest;
       Sun 09-20 and Sat 10-10 working */
    static const due_case cases[] = {
        {"2026-09-05T10:00:00+08:00", "2026-09-20T23:59:59.999+08:00",
         "day 15 is Sun 09-20, a make-up working day"},
        {"2026-09-11T10:00:00+08:00", "2026-09-28T23:59:59.999+08:00",
         "day 15 is Sat 09-26 (中秋), then Sun 09-27: Mon 09-28"},
        {"2026-09-16T10:00:00+08:00", "2026-10-08T23:59:59.999+08:00",
         "day 15 is 10-01: first working day after the holiday is Thu 10-08"},
        {"2026-09-22T10:00:00+08:00", "2026-10-08T23:59:59.999+08:00", "day 15 is 10-07"},
        {"2026-09-23T10:00:00+08:00", "2026-10-08T23:59:59.999+08:00", "day 15 is 10-08"},
        {"2026-09-24T10:00:00+08:00", "2026-10-09T23:59:59.999+08:00", "day 15 is Fri 10-09"},
        {"2026-09-25T10:00:00+08:00", "2026-10-10T23:59:59.999+08:00",
         "received on a holiday, day 15 is Sat 10-10, a make-up working day"},
        {"2026-09-26T10:00:00+08:00", "2026-10-12T23:59:59.999+08:00",
         "day 15 is Sun 10-11, an ordinary Sunday"},
        {"2026-09-28T10:00:00+08:00", "2026-10-13T23:59:59.999+08:00", "day 15 is Tue 10-13"},
    };
    check_due_cases(fx, cases, COUNT(cases));
}

static void test_callback_across_holidays(void **state)
{
    const fixture *fx = *state;
    static const struct {
        const char *closed, *due;
    } cases[] = {
        {"2026-09-24T10:00:00+08:00", "2026-10-08T23:59:59.999+08:00"}, /* day 7 is 10-01 */
        {"2026-02-10T10:00:00+08:00", "2026-02-24T23:59:59.999+08:00"}, /* day 7 is 02-17 */
        {"2026-02-07T10:00:00+08:00", "2026-02-14T23:59:59.999+08:00"}, /* Sat, working */
        {"2026-03-11T10:00:00+08:00", "2026-03-18T23:59:59.999+08:00"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        hist h = {.n = 0};
        received(&h, "2026-01-05T10:00:00+08:00", NULL);
        add(&h, "closed", cases[i].closed, json_pack("{s:s}", "summary", "已办结"));
        omb_clocks cl;
        compute(fx, &h, cases[i].closed, &cl);
        assert_true(cl.clock[CB].active);
        assert_state(cl.clock[CB], OMB_CLK_RUNNING);
        assert_time(cl.clock[CB].started_at, cases[i].closed);
        assert_time(cl.clock[CB].due_at, cases[i].due);
        release(&h);
    }
}

/* ---- 4. working-day rules ------------------------------------------------------------ */

static const char working_rules[] =
    "# decision in working days (工作日), as a deployment may configure it\n"
    "first_contact\thours\t24\t80\t-\t-\t2\t2\t-\t-\tinstitution\n"
    "decision\tworking_days\t5\t80\t-\t-\t-\t-\t10\t20\tinstitution\n"
    "notice\tdecision_deadline\t-\t80\t-\t-\t-\t-\t-\t-\tinstitution\n"
    "review_window\tcalendar_days\t30\t-\t-\t-\t-\t-\t-\t-\tconsumer\n"
    "review_decision\tworking_days\t3\t80\t-\t-\t-\t-\t-\t-\tinstitution\n"
    "callback\tworking_days\t2\t80\t-\t-\t-\t-\t-\t-\tinstitution\n";

static void test_working_days(void **state)
{
    const fixture *fx = *state;
    omb_clock_rules wr;
    rules_accepted(working_rules, &wr);
    static const struct {
        const char *received, *due;
        int days;
    } cases[] = {
        /* Thu 02-12: Fri 02-13 (1), Sat 02-14 make-up (2), holiday, 02-24 (3), 25 (4), 26 (5) */
        {"2026-02-12T10:00:00+08:00", "2026-02-26T23:59:59.999+08:00", 0},
        /* ... 02-27 (6), Sat 02-28 make-up (7), 03-02 (8), 03 (9), 04 (10) */
        {"2026-02-12T10:00:00+08:00", "2026-03-04T23:59:59.999+08:00", 10},
        {"2026-02-13T10:00:00+08:00", "2026-02-27T23:59:59.999+08:00", 0},
        /* received on the make-up Saturday, and on a holiday */
        {"2026-02-14T10:00:00+08:00", "2026-02-28T23:59:59.999+08:00", 0},
        {"2026-02-15T10:00:00+08:00", "2026-02-28T23:59:59.999+08:00", 0},
        /* Fri 09-18: Sun 09-20 make-up (1), 21, 22, 23, 24 (5) */
        {"2026-09-18T10:00:00+08:00", "2026-09-24T23:59:59.999+08:00", 0},
        /* ... 中秋 09-25..27, 28 (6), 29, 30, 国庆 10-01..07, 10-08 (9), 10-09 (10) */
        {"2026-09-18T10:00:00+08:00", "2026-10-09T23:59:59.999+08:00", 10},
        /* Wed 09-23: 24, 28, 29, 30, 10-08 */
        {"2026-09-23T10:00:00+08:00", "2026-10-08T23:59:59.999+08:00", 0},
        /* ... 10-09, Sat 10-10 make-up, 12, 13, 14 */
        {"2026-09-23T10:00:00+08:00", "2026-10-14T23:59:59.999+08:00", 10},
        {"2026-09-23T10:00:00+08:00", "2026-10-28T23:59:59.999+08:00", 20},
        /* Wed 09-30: 10-08, 09, Sat 10-10, 12, 13 */
        {"2026-09-30T10:00:00+08:00", "2026-10-13T23:59:59.999+08:00", 0},
        /* an ordinary week */
        {"2026-03-02T10:00:00+08:00", "2026-03-09T23:59:59.999+08:00", 0},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        hist h = {.n = 0};
        received(&h, cases[i].received, NULL);
        if (cases[i].days)
            extend(&h, cases[i].received, cases[i].days);
        omb_clocks cl;
        compute_with(&wr, fx->cal, &h, T(cases[i].received), &cl);
        assert_int_equal(cl.clock[DEC].unit, OMB_UNIT_WORKING_DAYS);
        assert_int_equal(cl.clock[DEC].amount, cases[i].days ? cases[i].days : 5);
        if (cl.clock[DEC].due_at != T(cases[i].due)) {
            char s[40];
            fail_msg("received %s (+%d): due %s, want %s", cases[i].received, cases[i].days,
                     L(cl.clock[DEC].due_at, s), cases[i].due);
        }
        release(&h);
    }

    /* callback in 2 working days: closed Fri 02-13 -> Sat 02-14 (1), Tue 02-24 (2) */
    hist h = {.n = 0};
    omb_clocks cl;
    received(&h, "2026-02-02T10:00:00+08:00", NULL);
    add(&h, "closed", "2026-02-13T10:00:00+08:00", NULL);
    compute_with(&wr, fx->cal, &h, T("2026-02-13T10:00:00+08:00"), &cl);
    assert_time(cl.clock[CB].due_at, "2026-02-24T23:59:59.999+08:00");
    release(&h);

    /* review decision in 3 working days: requested Fri 04-03 -> 04-07 (Qingming 04-04..06),
       08, 09 */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    add(&h, "decided", "2026-03-04T10:00:00+08:00", NULL);
    add(&h, "notified", "2026-03-04T11:00:00+08:00", NULL);
    add(&h, "review_requested", "2026-04-03T10:00:00+08:00", NULL);
    compute_with(&wr, fx->cal, &h, T("2026-04-03T10:00:00+08:00"), &cl);
    assert_time(cl.clock[RD].due_at, "2026-04-09T23:59:59.999+08:00");
    /* its decision's notice is due when the review decision was */
    add(&h, "decided", "2026-04-07T10:00:00+08:00", NULL);
    compute_with(&wr, fx->cal, &h, T("2026-04-07T10:00:00+08:00"), &cl);
    assert_time(cl.clock[NOT].due_at, "2026-04-09T23:59:59.999+08:00");
    release(&h);

    /* pauses are added to a working-day deadline as time, then the day is rounded up to
       the end of a working day: 5 working days from Mon 03-02 end on Mon 03-09 */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    int64_t p = pause_on(&h, "2026-03-03T10:00:00+08:00", NULL, "testing");
    resume_on(&h, "2026-03-03T11:00:00+08:00", NULL, p);
    compute_with(&wr, fx->cal, &h, T("2026-03-04T10:00:00+08:00"), &cl);
    assert_time(cl.clock[DEC].due_at, "2026-03-10T23:59:59.999+08:00");
    release(&h);
    /* paused Fri 03-06 10:00 .. Mon 03-09 10:00: 72 hours of time are added (the rule
       counts the paused interval, not the working days in it) */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    p = pause_on(&h, "2026-03-06T10:00:00+08:00", NULL, "testing");
    resume_on(&h, "2026-03-09T10:00:00+08:00", NULL, p);
    compute_with(&wr, fx->cal, &h, T("2026-03-09T10:00:00+08:00"), &cl);
    assert_time(cl.clock[DEC].due_at, "2026-03-12T23:59:59.999+08:00");
    release(&h);
}

/* ---- 5. extensions -------------------------------------------------------------------- */

static void test_extension_check(void **state)
{
    const fixture *fx = *state;
    const omb_clock_rules *r = &fx->rules;
    omb_clocks cl;
    omb_err err;
    hist h = {.n = 0};
    omb_ms now = T("2026-03-10T10:00:00+08:00");

    /* received Mon 03-02 10:00, due 03-17 */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    add(&h, "accepted", "2026-03-02T11:00:00+08:00", NULL);
    compute_with(r, fx->cal, &h, now, &cl);

    /* amounts that are not a step: out_of_range; past 60 refused */
    static const int not_steps[] = {45, 61, 90, 15, 0, -30, 31, 59, 120, 366};
    for (size_t i = 0; i < COUNT(not_steps); i++) {
        omb_err_clear(&err);
        assert_err(
            omb_clock_extension_check(&cl, r, not_steps[i], OMB_ROLE_SUPERVISOR, true, now, &err),
            err, OMB_EFIELD, "out_of_range", "days");
    }
    /* 15 -> 30: an agent may, no notice needed */
    assert_int_equal(omb_clock_extension_check(&cl, r, 30, OMB_ROLE_AGENT, false, now, &err),
                     OMB_OK);
    assert_int_equal(omb_clock_extension_check(&cl, r, 30, OMB_ROLE_SUPERVISOR, false, now, &err),
                     OMB_OK);
    /* 15 -> 60: a supervisor with the consumer told */
    omb_err_clear(&err);
    assert_err(omb_clock_extension_check(&cl, r, 60, OMB_ROLE_AGENT, true, now, &err), err,
               OMB_EFORBIDDEN, "approval_required", "days");
    omb_err_clear(&err);
    assert_err(omb_clock_extension_check(&cl, r, 60, OMB_ROLE_COMPLIANCE, true, now, &err), err,
               OMB_EFORBIDDEN, "approval_required", "days");
    omb_err_clear(&err);
    assert_err(omb_clock_extension_check(&cl, r, 60, OMB_ROLE_SUPERVISOR, false, now, &err), err,
               OMB_EFIELD, "missing_field", "consumer_notice");
    assert_int_equal(omb_clock_extension_check(&cl, r, 60, OMB_ROLE_SUPERVISOR, true, now, &err),
                     OMB_OK);

    /* the reason is required by the action's field table, the consumer notice is an
       object with method and time */
    const omb_field_spec *f = omb_action_get(OMB_ACT_EXTEND)->fields;
    json_t *body = json_pack("{s:i}", "days", 30);
    omb_err_clear(&err);
    assert_err(omb_fields_check(body, f, "", &err), err, OMB_EFIELD, "missing_field", "reason");
    json_object_set_new(body, "reason", json_string("需外部机构评估"));
    assert_int_equal(omb_fields_check(body, f, "", &err), OMB_OK);
    json_object_set_new(body, "consumer_notice", json_pack("{s:s}", "method", "sms"));
    omb_err_clear(&err);
    assert_int_equal(omb_fields_check(body, f, "", &err), OMB_EFIELD);
    json_object_set_new(
        body, "consumer_notice",
        json_pack("{s:s,s:s}", "method", "sms", "notified_at", "2026-03-10T09:00:00+08:00"));
    assert_int_equal(omb_fields_check(body, f, "", &err), OMB_OK);
    json_decref(body);

    /* extended to 30 */
    extend(&h, "2026-03-10T10:00:00+08:00", 30);
    compute_with(r, fx->cal, &h, now, &cl);
    assert_int_equal(cl.clock[DEC].extension, 1);
    omb_err_clear(&err);
    assert_err(omb_clock_extension_check(&cl, r, 30, OMB_ROLE_SUPERVISOR, true, now, &err), err,
               OMB_ECONFLICT, "already_extended", "days");
    omb_err_clear(&err);
    assert_err(omb_clock_extension_check(&cl, r, 60, OMB_ROLE_AGENT, true, now, &err), err,
               OMB_EFORBIDDEN, "approval_required", "days");
    omb_err_clear(&err);
    assert_err(omb_clock_extension_check(&cl, r, 60, OMB_ROLE_SUPERVISOR, false, now, &err), err,
               OMB_EFIELD, "missing_field", "consumer_notice");
    assert_int_equal(omb_clock_extension_check(&cl, r, 60, OMB_ROLE_SUPERVISOR, true, now, &err),
                     OMB_OK);
    /* the 15-day deadline has passed but the 30-day one has not: still allowed */
    omb_ms later = T("2026-03-25T10:00:00+08:00");
    compute_with(r, fx->cal, &h, later, &cl);
    assert_int_equal(omb_clock_extension_check(&cl, r, 60, OMB_ROLE_SUPERVISOR, true, later, &err),
                     OMB_OK);

    /* extended to 60: nothing more */
    extend(&h, "2026-03-25T10:00:00+08:00", 60);
    compute_with(r, fx->cal, &h, later, &cl);
    assert_int_equal(cl.clock[DEC].extension, 2);
    omb_err_clear(&err);
    assert_err(omb_clock_extension_check(&cl, r, 60, OMB_ROLE_SUPERVISOR, true, later, &err), err,
               OMB_ECONFLICT, "already_extended", "days");
    omb_err_clear(&err);
    assert_err(omb_clock_extension_check(&cl, r, 30, OMB_ROLE_SUPERVISOR, true, later, &err), err,
               OMB_ECONFLICT, "already_extended", "days");
    omb_err_clear(&err);
    assert_err(omb_clock_extension_check(&cl, r, 90, OMB_ROLE_SUPERVISOR, true, later, &err), err,
               OMB_EFIELD, "out_of_range", "days");
    release(&h);

    /* a stopped clock: decided, withdrawn, or never started (imported) */
    static const char *const stoppers[] = {"decided", "withdrawn", "rejected", "merged"};
    for (size_t i = 0; i < COUNT(stoppers); i++) {
        received(&h, "2026-03-02T10:00:00+08:00", NULL);
        add(&h, stoppers[i], "2026-03-05T10:00:00+08:00", NULL);
        compute_with(r, fx->cal, &h, now, &cl);
        omb_err_clear(&err);
        assert_err(omb_clock_extension_check(&cl, r, 30, OMB_ROLE_SUPERVISOR, true, now, &err), err,
                   OMB_ECONFLICT, "clock_stopped", "days");
        release(&h);
    }
    add(&h, "imported", "2026-03-02T10:00:00+08:00", json_pack("{s:s}", "state", "investigating"));
    compute_with(r, fx->cal, &h, now, &cl);
    omb_err_clear(&err);
    assert_err(omb_clock_extension_check(&cl, r, 30, OMB_ROLE_SUPERVISOR, true, now, &err), err,
               OMB_ECONFLICT, "clock_stopped", "days");
    release(&h);

    /* already due: an extension cannot cure a breach */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    static const char *const at[] = {"2026-03-17T23:59:59.999+08:00", "2026-03-18T00:00:00+08:00",
                                     "2026-04-20T00:00:00+08:00"};
    for (size_t i = 0; i < COUNT(at); i++) {
        compute_with(r, fx->cal, &h, T(at[i]), &cl);
        omb_err_clear(&err);
        assert_err(omb_clock_extension_check(&cl, r, 30, OMB_ROLE_SUPERVISOR, true, T(at[i]), &err),
                   err, OMB_ECONFLICT, "clock_breached", "days");
    }
    omb_ms last = T("2026-03-17T23:59:59.998+08:00");
    compute_with(r, fx->cal, &h, last, &cl);
    assert_int_equal(omb_clock_extension_check(&cl, r, 30, OMB_ROLE_AGENT, false, last, &err),
                     OMB_OK);
    /* a paused clock is still counting: it may be extended */
    pause_on(&h, "2026-03-05T10:00:00+08:00", "decision", "appraisal");
    compute_with(r, fx->cal, &h, now, &cl);
    assert_state(cl.clock[DEC], OMB_CLK_PAUSED);
    assert_int_equal(omb_clock_extension_check(&cl, r, 30, OMB_ROLE_AGENT, false, now, &err),
                     OMB_OK);
    release(&h);
}

static void test_extension_due(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    hist h = {.n = 0};

    /* Mon 03-02 + 30 = Wed 04-01 */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    extend(&h, "2026-03-10T10:00:00+08:00", 30);
    compute(fx, &h, "2026-03-20T10:00:00+08:00", &cl);
    assert_int_equal(cl.clock[DEC].amount, 30);
    assert_int_equal(cl.clock[DEC].extension, 1);
    assert_time(cl.clock[DEC].started_at, "2026-03-02T10:00:00+08:00");
    assert_time(cl.clock[DEC].due_at, "2026-04-01T23:59:59.999+08:00");
    assert_state(cl.clock[DEC], OMB_CLK_RUNNING);
    /* + 60 = Fri 05-01, 劳动节 05-01..05-05: Wed 05-06 */
    extend(&h, "2026-03-20T10:00:00+08:00", 60);
    compute(fx, &h, "2026-03-20T10:00:00+08:00", &cl);
    assert_int_equal(cl.clock[DEC].amount, 60);
    assert_int_equal(cl.clock[DEC].extension, 2);
    assert_time(cl.clock[DEC].due_at, "2026-05-06T23:59:59.999+08:00");
    release(&h);

    /* straight from 15 to 60 */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    extend(&h, "2026-03-10T10:00:00+08:00", 60);
    compute(fx, &h, "2026-03-20T10:00:00+08:00", &cl);
    assert_int_equal(cl.clock[DEC].extension, 2);
    assert_time(cl.clock[DEC].due_at, "2026-05-06T23:59:59.999+08:00");
    release(&h);

    /* across Spring Festival: 01-20 + 30 = 02-19 (holiday) -> 02-24; + 60 = Sat 03-21 -> 03-23 */
    received(&h, "2026-01-20T10:00:00+08:00", NULL);
    extend(&h, "2026-01-30T10:00:00+08:00", 30);
    compute(fx, &h, "2026-02-01T10:00:00+08:00", &cl);
    assert_time(cl.clock[DEC].due_at, "2026-02-24T23:59:59.999+08:00");
    extend(&h, "2026-02-10T10:00:00+08:00", 60);
    compute(fx, &h, "2026-02-11T10:00:00+08:00", &cl);
    assert_time(cl.clock[DEC].due_at, "2026-03-23T23:59:59.999+08:00");
    release(&h);

    /* an extension that is not a step, or of a stopped clock, changes nothing */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    extend(&h, "2026-03-10T10:00:00+08:00", 45);
    compute(fx, &h, "2026-03-10T10:00:00+08:00", &cl);
    assert_int_equal(cl.clock[DEC].extension, 0);
    assert_int_equal(cl.clock[DEC].amount, 15);
    assert_time(cl.clock[DEC].due_at, "2026-03-17T23:59:59.999+08:00");
    add(&h, "decided", "2026-03-12T10:00:00+08:00", NULL);
    extend(&h, "2026-03-13T10:00:00+08:00", 30);
    compute(fx, &h, "2026-03-20T10:00:00+08:00", &cl);
    assert_int_equal(cl.clock[DEC].extension, 0);
    assert_time(cl.clock[DEC].due_at, "2026-03-17T23:59:59.999+08:00");
    assert_state(cl.clock[DEC], OMB_CLK_MET);
    release(&h);

    /* decided after 15 days but within the 30 of the extension: met */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    extend(&h, "2026-03-10T10:00:00+08:00", 30);
    add(&h, "decided", "2026-03-30T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-04-20T10:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_MET);
    release(&h);
}

/* ---- 6. pauses ---------------------------------------------------------------------- */

static void test_pause_single(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    omb_err err;
    hist h = {.n = 0};

    /* received Mon 03-02 10:00, due Tue 03-17; paused 48 hours -> Thu 03-19 */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    int64_t p = pause_on(&h, "2026-03-03T10:00:00+08:00", "decision", "appraisal");
    resume_on(&h, "2026-03-05T10:00:00+08:00", "decision", p);
    compute(fx, &h, "2026-03-06T10:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_RUNNING);
    assert_int_equal(cl.clock[DEC].paused_ms, 2 * DAY);
    assert_time(cl.clock[DEC].due_at, "2026-03-19T23:59:59.999+08:00");
    assert_int_equal(cl.clock[DEC].n_pauses, 1);
    assert_int_equal(cl.clock[DEC].pauses[0].id, p);
    assert_string_equal(cl.clock[DEC].pauses[0].reason, "appraisal");
    assert_time(cl.clock[DEC].pauses[0].from, "2026-03-03T10:00:00+08:00");
    assert_time(cl.clock[DEC].pauses[0].to, "2026-03-05T10:00:00+08:00");
    /* the first contact clock is not touched */
    assert_int_equal(cl.clock[FC].paused_ms, 0);
    assert_time(cl.clock[FC].due_at, "2026-03-03T10:00:00+08:00");
    release(&h);

    /* one hour of pause moves a day limit to the end of the next working day */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    p = pause_on(&h, "2026-03-03T10:00:00+08:00", NULL, "awaiting_consumer");
    resume_on(&h, "2026-03-03T11:00:00+08:00", NULL, p);
    compute(fx, &h, "2026-03-06T10:00:00+08:00", &cl);
    assert_int_equal(cl.clock[DEC].paused_ms, HOUR);
    assert_time(cl.clock[DEC].due_at, "2026-03-18T23:59:59.999+08:00");
    release(&h);

    /* 96 hours: Sat 03-21 -> Mon 03-23 */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    p = pause_on(&h, "2026-03-03T10:00:00+08:00", NULL, "valuation");
    resume_on(&h, "2026-03-07T10:00:00+08:00", NULL, p);
    compute(fx, &h, "2026-03-08T10:00:00+08:00", &cl);
    assert_int_equal(cl.clock[DEC].paused_ms, 4 * DAY);
    assert_time(cl.clock[DEC].due_at, "2026-03-23T23:59:59.999+08:00");
    release(&h);

    /* the first contact clock (hours) moves by exactly the paused time:
       09:00 + 24 h + 3.5 h; warning at 80 % of 27.5 h = 22 h */
    received(&h, "2026-03-02T09:00:00+08:00", NULL);
    p = pause_on(&h, "2026-03-02T10:00:00+08:00", "first_contact", "awaiting_consumer");
    compute(fx, &h, "2026-03-02T11:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_PAUSED);
    assert_state(cl.clock[DEC], OMB_CLK_RUNNING);
    assert_int_equal(omb_clock_resume_check(&cl, FC, p, &err), OMB_OK);
    resume_on(&h, "2026-03-02T13:30:00+08:00", "first_contact", p);
    compute(fx, &h, "2026-03-02T14:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_RUNNING);
    assert_int_equal(cl.clock[FC].paused_ms, 3 * HOUR + HOUR / 2);
    assert_time(cl.clock[FC].due_at, "2026-03-03T12:30:00+08:00");
    assert_time(cl.clock[FC].warn_at, "2026-03-03T07:00:00+08:00");
    assert_time(cl.clock[DEC].due_at, "2026-03-17T23:59:59.999+08:00");
    release(&h);
}

static void test_pause_across_holidays(void **state)
{
    const fixture *fx = *state;
    /* The paused time lengthens the period; the last day of the lengthened period moves
       to the next working day if it is a rest day (Civil Code art. 203).  A rest day is
       not counted on top of the pause. */
    static const struct {
        const char *received, *from, *to, *due;
    } cases[] = {
        /* 01-31: day 15 is Sun 02-15; + 1 day = 02-16, a holiday -> 02-24 */
        {"2026-01-31T10:00:00+08:00", "2026-02-02T10:00:00+08:00", "2026-02-03T10:00:00+08:00",
         "2026-02-24T23:59:59.999+08:00"},
        /* + 1 hour: 00:59 on 02-16 -> 02-24 */
        {"2026-01-31T10:00:00+08:00", "2026-02-02T10:00:00+08:00", "2026-02-02T11:00:00+08:00",
         "2026-02-24T23:59:59.999+08:00"},
        /* + 9 days = Tue 02-24, a working day */
        {"2026-01-31T10:00:00+08:00", "2026-02-02T10:00:00+08:00", "2026-02-11T10:00:00+08:00",
         "2026-02-24T23:59:59.999+08:00"},
        /* + 10 days = Wed 02-25 */
        {"2026-01-31T10:00:00+08:00", "2026-02-02T10:00:00+08:00", "2026-02-12T10:00:00+08:00",
         "2026-02-25T23:59:59.999+08:00"},
        /* 01-29: day 15 is Fri 02-13; + 1 day = Sat 02-14, a make-up working day */
        {"2026-01-29T10:00:00+08:00", "2026-02-02T10:00:00+08:00", "2026-02-03T10:00:00+08:00",
         "2026-02-14T23:59:59.999+08:00"},
        /* + 2 days = Sun 02-15 -> 02-24 */
        {"2026-01-29T10:00:00+08:00", "2026-02-02T10:00:00+08:00", "2026-02-04T10:00:00+08:00",
         "2026-02-24T23:59:59.999+08:00"},
        /* 09-16: day 15 is 10-01; + 3 days = 10-04 -> Thu 10-08 */
        {"2026-09-16T10:00:00+08:00", "2026-09-17T10:00:00+08:00", "2026-09-20T10:00:00+08:00",
         "2026-10-08T23:59:59.999+08:00"},
        /* + 8 days = Fri 10-09 */
        {"2026-09-16T10:00:00+08:00", "2026-09-17T10:00:00+08:00", "2026-09-25T10:00:00+08:00",
         "2026-10-09T23:59:59.999+08:00"},
        /* + 9 days = Sat 10-10, a make-up working day */
        {"2026-09-16T10:00:00+08:00", "2026-09-17T10:00:00+08:00", "2026-09-26T10:00:00+08:00",
         "2026-10-10T23:59:59.999+08:00"},
        /* a pause during the holiday itself: 02-16 .. 02-20 = 4 days, 02-19 -> 02-24 */
        {"2026-01-31T10:00:00+08:00", "2026-02-16T10:00:00+08:00", "2026-02-20T10:00:00+08:00",
         "2026-02-24T23:59:59.999+08:00"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        hist h = {.n = 0};
        received(&h, cases[i].received, NULL);
        int64_t p = pause_on(&h, cases[i].from, NULL, "appraisal");
        resume_on(&h, cases[i].to, NULL, p);
        omb_clocks cl;
        compute(fx, &h, cases[i].to, &cl);
        assert_int_equal(cl.clock[DEC].paused_ms, T(cases[i].to) - T(cases[i].from));
        if (cl.clock[DEC].due_at != T(cases[i].due)) {
            char s[40];
            fail_msg("received %s, paused %s .. %s: due %s, want %s", cases[i].received,
                     cases[i].from, cases[i].to, L(cl.clock[DEC].due_at, s), cases[i].due);
        }
        release(&h);
    }
}

static void test_pause_overlap_nested(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    hist h = {.n = 0};

    /* overlapping: 03-03 10:00 .. 03-05 10:00 and 03-04 10:00 .. 03-06 10:00, union 72 h */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    int64_t a = pause_on(&h, "2026-03-03T10:00:00+08:00", NULL, "appraisal");
    int64_t b = pause_on(&h, "2026-03-04T10:00:00+08:00", NULL, "awaiting_consumer");
    resume_on(&h, "2026-03-05T10:00:00+08:00", NULL, a);
    compute(fx, &h, "2026-03-05T12:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_PAUSED); /* b is still open */
    resume_on(&h, "2026-03-06T10:00:00+08:00", NULL, b);
    compute(fx, &h, "2026-03-07T10:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_RUNNING);
    assert_int_equal(cl.clock[DEC].n_pauses, 2);
    assert_int_equal(cl.clock[DEC].paused_ms, 3 * DAY);
    assert_time(cl.clock[DEC].due_at, "2026-03-20T23:59:59.999+08:00");
    release(&h);

    /* the same, resumed the other way round (b first): 03-03 .. 03-05 */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    a = pause_on(&h, "2026-03-03T10:00:00+08:00", NULL, "appraisal");
    b = pause_on(&h, "2026-03-04T10:00:00+08:00", NULL, "awaiting_consumer");
    resume_on(&h, "2026-03-05T10:00:00+08:00", NULL, b);
    resume_on(&h, "2026-03-06T10:00:00+08:00", NULL, a);
    compute(fx, &h, "2026-03-07T10:00:00+08:00", &cl);
    assert_int_equal(cl.clock[DEC].paused_ms, 3 * DAY);
    assert_time(cl.clock[DEC].due_at, "2026-03-20T23:59:59.999+08:00");
    release(&h);

    /* nested: 03-03 .. 03-08 holds 03-04 .. 03-05: 120 h, Sun 03-22 -> Mon 03-23 */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    a = pause_on(&h, "2026-03-03T10:00:00+08:00", NULL, "testing");
    b = pause_on(&h, "2026-03-04T10:00:00+08:00", NULL, "valuation");
    resume_on(&h, "2026-03-05T10:00:00+08:00", NULL, b);
    resume_on(&h, "2026-03-08T10:00:00+08:00", NULL, a);
    compute(fx, &h, "2026-03-09T10:00:00+08:00", &cl);
    assert_int_equal(cl.clock[DEC].paused_ms, 5 * DAY);
    assert_time(cl.clock[DEC].due_at, "2026-03-23T23:59:59.999+08:00");
    release(&h);

    /* disjoint: two hours each -> 4 h, 03-18 */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    a = pause_on(&h, "2026-03-03T10:00:00+08:00", NULL, "testing");
    resume_on(&h, "2026-03-03T12:00:00+08:00", NULL, a);
    b = pause_on(&h, "2026-03-04T10:00:00+08:00", NULL, "testing");
    resume_on(&h, "2026-03-04T12:00:00+08:00", NULL, b);
    compute(fx, &h, "2026-03-05T10:00:00+08:00", &cl);
    assert_int_equal(cl.clock[DEC].paused_ms, 4 * HOUR);
    assert_time(cl.clock[DEC].due_at, "2026-03-18T23:59:59.999+08:00");
    release(&h);

    /* pauses of another clock do not count; a resume naming the wrong clock does nothing */
    received(&h, "2026-03-02T09:00:00+08:00", NULL);
    a = pause_on(&h, "2026-03-02T10:00:00+08:00", "first_contact", "awaiting_consumer");
    resume_on(&h, "2026-03-02T12:00:00+08:00", "decision", a);
    compute(fx, &h, "2026-03-02T14:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_PAUSED);
    assert_int_equal(cl.clock[DEC].n_pauses, 0);
    assert_int_equal(cl.clock[FC].paused_ms, 4 * HOUR);
    resume_on(&h, "2026-03-02T15:00:00+08:00", "first_contact", a);
    /* and a second resume of the same pause changes nothing */
    resume_on(&h, "2026-03-02T18:00:00+08:00", "first_contact", a);
    compute(fx, &h, "2026-03-02T19:00:00+08:00", &cl);
    assert_int_equal(cl.clock[FC].paused_ms, 5 * HOUR);
    assert_time(cl.clock[FC].due_at, "2026-03-03T14:00:00+08:00");
    release(&h);
}

static void test_pause_open(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    hist h = {.n = 0};

    /* open since 03-03 10:00: counted up to now */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    pause_on(&h, "2026-03-03T10:00:00+08:00", NULL, "appraisal");
    compute(fx, &h, "2026-03-05T16:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_PAUSED);
    assert_int_equal(cl.clock[DEC].paused_ms, 54 * HOUR);
    assert_int_equal(cl.clock[DEC].pauses[0].to, 0);
    /* 03-17 23:59:59.999 + 54 h = 03-20 05:59 -> end of Fri 03-20 */
    assert_time(cl.clock[DEC].due_at, "2026-03-20T23:59:59.999+08:00");
    compute(fx, &h, "2026-03-10T10:00:00+08:00", &cl);
    assert_int_equal(cl.clock[DEC].paused_ms, 7 * DAY);
    assert_time(cl.clock[DEC].due_at, "2026-03-24T23:59:59.999+08:00");
    /* long after the original deadline, still paused, never breached */
    compute(fx, &h, "2026-06-01T10:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_PAUSED);
    assert_true(cl.clock[DEC].due_at > T("2026-06-01T10:00:00+08:00"));

    /* a decision while paused closes the pause at the decision */
    add(&h, "decided", "2026-03-06T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-06-01T10:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_MET);
    assert_int_equal(cl.clock[DEC].paused_ms, 3 * DAY);
    assert_time(cl.clock[DEC].pauses[0].to, "2026-03-06T10:00:00+08:00");
    assert_time(cl.clock[DEC].due_at, "2026-03-20T23:59:59.999+08:00");
    /* its notice is due when the decision was */
    assert_time(cl.clock[NOT].due_at, "2026-03-20T23:59:59.999+08:00");
    release(&h);

    /* a withdrawal while paused: cancelled, pause closed */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    pause_on(&h, "2026-03-03T10:00:00+08:00", NULL, "appraisal");
    add(&h, "withdrawn", "2026-03-04T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-06-01T10:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_CANCELLED);
    assert_int_equal(cl.clock[DEC].paused_ms, DAY);
    assert_time(cl.clock[DEC].pauses[0].to, "2026-03-04T10:00:00+08:00");
    release(&h);
}

static void test_pause_resume_checks(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    omb_err err;
    hist h = {.n = 0};

    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-03T09:00:00+08:00", &cl);
    assert_int_equal(omb_clock_pause_check(&cl, DEC, &err), OMB_OK);
    assert_int_equal(omb_clock_pause_check(&cl, FC, &err), OMB_OK);
    /* clocks not started */
    omb_err_clear(&err);
    assert_err(omb_clock_pause_check(&cl, RD, &err), err, OMB_ECONFLICT, "clock_stopped", "clock");
    omb_err_clear(&err);
    assert_err(omb_clock_resume_check(&cl, DEC, 2, &err), err, OMB_EFIELD, "invalid_value",
               "pause");

    int64_t a = pause_on(&h, "2026-03-03T10:00:00+08:00", NULL, "appraisal");
    int64_t b = pause_on(&h, "2026-03-03T11:00:00+08:00", NULL, "testing");
    resume_on(&h, "2026-03-03T12:00:00+08:00", NULL, a);
    compute(fx, &h, "2026-03-03T13:00:00+08:00", &cl);
    /* an ended pause, an unknown one, one of another clock, the open one */
    omb_err_clear(&err);
    assert_err(omb_clock_resume_check(&cl, DEC, a, &err), err, OMB_ECONFLICT, "pause_not_open",
               "pause");
    omb_err_clear(&err);
    assert_err(omb_clock_resume_check(&cl, DEC, 99, &err), err, OMB_EFIELD, "invalid_value",
               "pause");
    omb_err_clear(&err);
    assert_err(omb_clock_resume_check(&cl, FC, b, &err), err, OMB_EFIELD, "invalid_value", "pause");
    omb_err_clear(&err);
    assert_err(omb_clock_resume_check(&cl, DEC, 1, &err), err, OMB_EFIELD, "invalid_value",
               "pause");
    assert_int_equal(omb_clock_resume_check(&cl, DEC, b, &err), OMB_OK);
    /* a pause while paused (a second reason) is allowed */
    assert_int_equal(omb_clock_pause_check(&cl, DEC, &err), OMB_OK);

    /* stopped clocks refuse pauses; the open pause was closed by the stop */
    add(&h, "accepted", "2026-03-03T14:00:00+08:00", NULL);
    add(&h, "decided", "2026-03-04T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-04T11:00:00+08:00", &cl);
    omb_err_clear(&err);
    assert_err(omb_clock_pause_check(&cl, DEC, &err), err, OMB_ECONFLICT, "clock_stopped", "clock");
    omb_err_clear(&err);
    assert_err(omb_clock_pause_check(&cl, FC, &err), err, OMB_ECONFLICT, "clock_stopped", "clock");
    omb_err_clear(&err);
    assert_err(omb_clock_resume_check(&cl, DEC, b, &err), err, OMB_ECONFLICT, "pause_not_open",
               "pause");
    /* the notice clock now counts */
    assert_int_equal(omb_clock_pause_check(&cl, NOT, &err), OMB_OK);
    release(&h);

    /* a breached clock: a pause cannot cure the breach either */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-18T10:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_BREACHED);
    omb_err_clear(&err);
    assert_err(omb_clock_pause_check(&cl, DEC, &err), err, OMB_ECONFLICT, "clock_breached",
               "clock");
    release(&h);

    /* imported: nothing counts */
    add(&h, "imported", "2026-03-02T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-03T10:00:00+08:00", &cl);
    omb_err_clear(&err);
    assert_err(omb_clock_pause_check(&cl, DEC, &err), err, OMB_ECONFLICT, "clock_stopped", "clock");
    release(&h);

    /* at most OMB_PAUSES_MAX pauses in one run */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    omb_ms t = T("2026-03-03T10:00:00+08:00");
    for (int i = 0; i < OMB_PAUSES_MAX; i++) {
        int64_t id = add_at(&h, "paused", t, json_pack("{s:s}", "reason_code", "other"));
        add_at(&h, "resumed", t + 60000, json_pack("{s:I}", "pause", (json_int_t)id));
        t += HOUR;
    }
    compute(fx, &h, "2026-03-04T10:00:00+08:00", &cl);
    assert_int_equal(cl.clock[DEC].n_pauses, OMB_PAUSES_MAX);
    assert_int_equal(cl.clock[DEC].paused_ms, OMB_PAUSES_MAX * 60000);
    omb_err_clear(&err);
    assert_err(omb_clock_pause_check(&cl, DEC, &err), err, OMB_ECONFLICT, "too_many_pauses",
               "clock");
    add_at(&h, "paused", t, json_pack("{s:s}", "reason_code", "other"));
    omb_err_clear(&err);
    assert_int_equal(omb_clocks_compute(&fx->rules, fx->cal, TZ, h.ev, h.n,
                                        T("2026-03-04T10:00:00+08:00"), &cl, &err),
                     OMB_EINVAL);
    assert_string_equal(err.code, "clock_history");
    release(&h);
}

/* ---- 7. restart on new facts ---------------------------------------------------------- */

static void test_reopen_restarts(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    omb_err err;
    hist h = {.n = 0};

    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    add(&h, "accepted", "2026-03-02T11:00:00+08:00", NULL);
    extend(&h, "2026-03-05T10:00:00+08:00", 30);
    int64_t p = pause_on(&h, "2026-03-06T10:00:00+08:00", NULL, "testing");
    resume_on(&h, "2026-03-07T10:00:00+08:00", NULL, p);
    add(&h, "decided", "2026-03-10T10:00:00+08:00", NULL);
    add(&h, "notified", "2026-03-10T12:00:00+08:00", NULL);
    add(&h, "closed", "2026-03-11T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-12T10:00:00+08:00", &cl);
    /* run 1: 03-02 + 30 = 04-01, + 24 h paused = Thu 04-02 */
    assert_state(cl.clock[DEC], OMB_CLK_MET);
    assert_time(cl.clock[DEC].due_at, "2026-04-02T23:59:59.999+08:00");
    assert_time(cl.clock[NOT].due_at, "2026-04-02T23:59:59.999+08:00");
    assert_state(cl.clock[CB], OMB_CLK_RUNNING);
    assert_time(cl.clock[CB].due_at, "2026-03-18T23:59:59.999+08:00");

    /* new facts on Fri 03-20: day 15 is Sat 04-04 (清明 04-04..06) -> Tue 04-07 */
    add(&h, "reopened", "2026-03-20T10:00:00+08:00",
        json_pack("{s:s}", "facts", "消费者提供了新的还款凭证"));
    compute(fx, &h, "2026-03-25T10:00:00+08:00", &cl);
    const omb_clock *d = &cl.clock[DEC];
    assert_state(*d, OMB_CLK_RUNNING);
    assert_int_equal(d->runs, 2);
    assert_time(d->started_at, "2026-03-20T10:00:00+08:00");
    assert_int_equal(d->extension, 0);
    assert_int_equal(d->amount, 15);
    assert_int_equal(d->n_pauses, 0);
    assert_int_equal(d->paused_ms, 0);
    assert_int_equal(d->stopped_at, 0);
    assert_time(d->due_at, "2026-04-07T23:59:59.999+08:00");
    assert_time(d->warn_at, "2026-04-04T06:47:59.999+08:00");
    /* the callback is cancelled; first contact and the old notice are history */
    assert_state(cl.clock[CB], OMB_CLK_CANCELLED);
    assert_time(cl.clock[CB].stopped_at, "2026-03-20T10:00:00+08:00");
    assert_state(cl.clock[FC], OMB_CLK_MET);
    assert_state(cl.clock[NOT], OMB_CLK_MET);
    assert_int_equal(cl.clock[FC].runs, 1);
    /* the old pause is not a pause of this run; the extension may be asked again */
    omb_err_clear(&err);
    assert_err(omb_clock_resume_check(&cl, DEC, p, &err), err, OMB_EFIELD, "invalid_value",
               "pause");
    omb_ms now = T("2026-03-25T10:00:00+08:00");
    assert_int_equal(
        omb_clock_extension_check(&cl, &fx->rules, 30, OMB_ROLE_AGENT, false, now, &err), OMB_OK);

    /* decided again: run 2 met, its notice due with it; closed again: callback run 2 */
    add(&h, "decided", "2026-03-30T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-30T11:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_MET);
    assert_int_equal(cl.clock[NOT].runs, 2);
    assert_state(cl.clock[NOT], OMB_CLK_RUNNING);
    assert_time(cl.clock[NOT].due_at, "2026-04-07T23:59:59.999+08:00");
    add(&h, "notified", "2026-03-31T10:00:00+08:00", NULL);
    add(&h, "closed", "2026-04-01T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-04-01T11:00:00+08:00", &cl);
    assert_int_equal(cl.clock[CB].runs, 2);
    assert_state(cl.clock[CB], OMB_CLK_RUNNING);
    /* 04-01 + 7 = Wed 04-08 */
    assert_time(cl.clock[CB].due_at, "2026-04-08T23:59:59.999+08:00");
    release(&h);
}

/* ---- 8. the chain of clocks ---------------------------------------------------------- */

static void test_chain(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    hist h = {.n = 0};

    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    add(&h, "accepted", "2026-03-02T11:00:00+08:00", NULL);
    add(&h, "investigation_started", "2026-03-02T12:00:00+08:00", NULL); /* not a clock event */
    add(&h, "note_added", "2026-03-03T12:00:00+08:00", json_pack("{s:s}", "text", "已联系资金方"));

    /* decided 03-12: the decision is met, the notice is due when the decision was */
    add(&h, "decided", "2026-03-12T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-12T11:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_MET);
    assert_true(cl.clock[NOT].active);
    assert_state(cl.clock[NOT], OMB_CLK_RUNNING);
    assert_int_equal(cl.clock[NOT].unit, OMB_UNIT_DECISION_DEADLINE);
    assert_int_equal(cl.clock[NOT].amount, 0);
    assert_time(cl.clock[NOT].started_at, "2026-03-12T10:00:00+08:00");
    assert_time(cl.clock[NOT].due_at, "2026-03-17T23:59:59.999+08:00");
    assert_time(cl.clock[NOT].warn_at, "2026-03-16T21:11:59.999+08:00");
    assert_false(cl.clock[RW].active);

    /* notified 03-13: the consumer's review window, 30 days: Sun 04-12 -> Mon 04-13 */
    add(&h, "notified", "2026-03-13T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-13T11:00:00+08:00", &cl);
    assert_state(cl.clock[NOT], OMB_CLK_MET);
    assert_state(cl.clock[RW], OMB_CLK_RUNNING);
    assert_time(cl.clock[RW].started_at, "2026-03-13T10:00:00+08:00");
    assert_time(cl.clock[RW].due_at, "2026-04-13T23:59:59.999+08:00");
    assert_int_equal(cl.clock[RW].warn_at, 0);

    /* review requested 03-20: review decision in 30 days: Sun 04-19 -> Mon 04-20 */
    add(&h, "review_requested", "2026-03-20T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-20T11:00:00+08:00", &cl);
    assert_state(cl.clock[RW], OMB_CLK_MET);
    assert_state(cl.clock[RD], OMB_CLK_RUNNING);
    assert_time(cl.clock[RD].due_at, "2026-04-20T23:59:59.999+08:00");
    assert_state(cl.clock[DEC], OMB_CLK_MET); /* the first decision clock stays met */

    /* the review decision 04-10: its notice is due 04-20 */
    add(&h, "decided", "2026-04-10T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-04-10T11:00:00+08:00", &cl);
    assert_state(cl.clock[RD], OMB_CLK_MET);
    assert_state(cl.clock[NOT], OMB_CLK_RUNNING);
    assert_int_equal(cl.clock[NOT].runs, 2);
    assert_time(cl.clock[NOT].started_at, "2026-04-10T10:00:00+08:00");
    assert_time(cl.clock[NOT].due_at, "2026-04-20T23:59:59.999+08:00");

    /* notified 04-11 (a Saturday): a new window of 30 days, Mon 05-11 */
    add(&h, "notified", "2026-04-11T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-04-11T11:00:00+08:00", &cl);
    assert_state(cl.clock[NOT], OMB_CLK_MET);
    assert_int_equal(cl.clock[RW].runs, 2);
    assert_state(cl.clock[RW], OMB_CLK_RUNNING);
    assert_time(cl.clock[RW].due_at, "2026-05-11T23:59:59.999+08:00");

    /* closed 04-12: callback in 7 days, Sun 04-19 -> Mon 04-20 */
    add(&h, "closed", "2026-04-12T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-04-12T11:00:00+08:00", &cl);
    assert_state(cl.clock[RW], OMB_CLK_MET);
    assert_state(cl.clock[CB], OMB_CLK_RUNNING);
    assert_time(cl.clock[CB].due_at, "2026-04-20T23:59:59.999+08:00");
    compute(fx, &h, "2026-04-21T00:00:00+08:00", &cl);
    assert_state(cl.clock[CB], OMB_CLK_BREACHED);

    add(&h, "callback_recorded", "2026-04-15T10:00:00+08:00",
        json_pack("{s:s,s:s}", "method", "phone", "satisfaction", "satisfied"));
    compute(fx, &h, "2026-05-01T00:00:00+08:00", &cl);
    assert_state(cl.clock[CB], OMB_CLK_MET);
    assert_time(cl.clock[CB].stopped_at, "2026-04-15T10:00:00+08:00");
    for (int k = 0; k < OMB_CLOCK__COUNT; k++) {
        assert_true(cl.clock[k].active);
        assert_state(cl.clock[k], OMB_CLK_MET);
    }
    release(&h);

    /* a notice after the decision's deadline is late; a review window left to lapse */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    add(&h, "decided", "2026-03-12T10:00:00+08:00", NULL);
    add(&h, "notified", "2026-03-18T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-04-20T10:00:00+08:00", &cl);
    assert_state(cl.clock[NOT], OMB_CLK_MET_LATE);
    /* 03-18 + 30 = Fri 04-17 */
    assert_time(cl.clock[RW].due_at, "2026-04-17T23:59:59.999+08:00");
    assert_state(cl.clock[RW], OMB_CLK_BREACHED);
    release(&h);
}

/* A decision after mediation (no decision clock counting): its notice is due by the
   decision rule counted from the decision, not by an earlier decision's deadline. */
static void test_mediation_decision(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    hist h = {.n = 0};
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    add(&h, "accepted", "2026-03-02T11:00:00+08:00", NULL);
    add(&h, "decided", "2026-03-12T10:00:00+08:00", NULL);
    add(&h, "notified", "2026-03-13T10:00:00+08:00", NULL);
    add(&h, "mediation_referred", "2026-03-20T10:00:00+08:00",
        json_pack("{s:i}", "mediator_party", 9));
    compute(fx, &h, "2026-03-20T11:00:00+08:00", &cl);
    assert_state(cl.clock[RW], OMB_CLK_MET);
    assert_false(cl.clock[RD].active);
    /* the mediator's decision on Fri 04-10: 04-10 + 15 = Sat 04-25 -> Mon 04-27 */
    add(&h, "decided", "2026-04-10T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-04-10T11:00:00+08:00", &cl);
    assert_int_equal(cl.clock[NOT].runs, 2);
    assert_time(cl.clock[NOT].started_at, "2026-04-10T10:00:00+08:00");
    assert_time(cl.clock[NOT].due_at, "2026-04-27T23:59:59.999+08:00");
    assert_state(cl.clock[NOT], OMB_CLK_RUNNING);
    add(&h, "notified", "2026-04-13T10:00:00+08:00", NULL);
    add(&h, "closed", "2026-04-14T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-04-14T11:00:00+08:00", &cl);
    assert_state(cl.clock[NOT], OMB_CLK_MET);
    release(&h);

    /* the same with working-day rules: 5 working days from Wed 09-23 is Thu 10-08 */
    omb_clock_rules wr;
    rules_accepted(working_rules, &wr);
    received(&h, "2026-09-01T10:00:00+08:00", NULL);
    add(&h, "decided", "2026-09-03T10:00:00+08:00", NULL);
    add(&h, "notified", "2026-09-04T10:00:00+08:00", NULL);
    add(&h, "mediation_referred", "2026-09-10T10:00:00+08:00", NULL);
    add(&h, "decided", "2026-09-23T10:00:00+08:00", NULL);
    compute_with(&wr, fx->cal, &h, T("2026-09-23T11:00:00+08:00"), &cl);
    assert_time(cl.clock[NOT].due_at, "2026-10-08T23:59:59.999+08:00");
    release(&h);
}

/* A decision made after its deadline: the notice was due with the decision (Art. 21), so it
   starts already due and can only be late; this is the one clock whose due time may lie
   before its start, and its warning then lies between the two. */
static void test_late_decision_notice(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    hist h = {.n = 0};
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    add(&h, "decided", "2026-03-20T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-20T10:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_MET_LATE);
    assert_time(cl.clock[NOT].started_at, "2026-03-20T10:00:00+08:00");
    assert_time(cl.clock[NOT].due_at, "2026-03-17T23:59:59.999+08:00");
    assert_true(cl.clock[NOT].warn_at >= cl.clock[NOT].due_at &&
                cl.clock[NOT].warn_at <= cl.clock[NOT].started_at);
    assert_state(cl.clock[NOT], OMB_CLK_BREACHED);
    /* the sweeper warns and escalates at once */
    assert_true(omb_clock_next_alert(&cl.clock[NOT], &fx->rules) <= T("2026-03-20T10:00:00+08:00"));
    /* notified in the same instant as the decision: still late */
    add(&h, "notified", "2026-03-20T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-21T11:00:00+08:00", &cl);
    assert_state(cl.clock[NOT], OMB_CLK_MET_LATE);
    json_t *j = omb_clocks_to_json(&cl, T("2026-03-21T11:00:00+08:00"));
    const json_t *n = json_array_get(j, NOT);
    assert_string_equal(json_string_value(json_object_get(n, "kind")), "notice");
    assert_int_equal(json_integer_value(json_object_get(n, "late_ms")), 208800001);
    json_decref(j);
    release(&h);
}

static void test_cancel_and_import(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    hist h = {.n = 0};

    static const char *const enders[] = {"rejected", "withdrawn", "merged"};
    for (size_t i = 0; i < COUNT(enders); i++) {
        received(&h, "2026-03-02T10:00:00+08:00", NULL);
        add(&h, "accepted", "2026-03-02T11:00:00+08:00", NULL);
        add(&h, enders[i], "2026-03-20T10:00:00+08:00", NULL); /* after the deadline */
        compute(fx, &h, "2026-04-20T10:00:00+08:00", &cl);
        assert_state(cl.clock[DEC], OMB_CLK_CANCELLED);
        assert_time(cl.clock[DEC].stopped_at, "2026-03-20T10:00:00+08:00");
        assert_state(cl.clock[FC], OMB_CLK_MET);
        assert_int_equal(omb_clock_next_alert(&cl.clock[DEC], &fx->rules), 0);
        release(&h);
    }
    /* a withdrawal after the decision (during a review) cancels the review decision */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    add(&h, "decided", "2026-03-12T10:00:00+08:00", NULL);
    add(&h, "notified", "2026-03-13T10:00:00+08:00", NULL);
    add(&h, "review_requested", "2026-03-20T10:00:00+08:00", NULL);
    add(&h, "withdrawn", "2026-03-25T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-04-25T10:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_MET);
    assert_state(cl.clock[RD], OMB_CLK_CANCELLED);
    release(&h);

    /* imported complaints have no clocks, whatever follows */
    add(&h, "imported", "2026-03-02T10:00:00+08:00",
        json_pack("{s:s,s:s,s:s}", "no", "IM1", "received_at", "2026-03-02T10:00:00+08:00", "state",
                  "investigating"));
    add(&h, "decided", "2026-03-12T10:00:00+08:00", NULL);
    add(&h, "closed", "2026-03-13T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-04-25T10:00:00+08:00", &cl);
    for (int k = 0; k < OMB_CLOCK__COUNT; k++)
        assert_false(cl.clock[k].active);
    json_t *j = omb_clocks_to_json(&cl, T("2026-04-25T10:00:00+08:00"));
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    release(&h);

    /* no events at all */
    compute(fx, &h, "2026-04-25T10:00:00+08:00", &cl);
    for (int k = 0; k < OMB_CLOCK__COUNT; k++)
        assert_false(cl.clock[k].active);
}

/* ---- 9. alerts -------------------------------------------------------------------------- */

static void test_alerts(void **state)
{
    const fixture *fx = *state;
    const omb_clock_rules *r = &fx->rules;
    omb_clocks cl;
    hist h = {.n = 0};

    received(&h, "2026-03-02T09:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-02T10:00:00+08:00", &cl);
    assert_time(omb_clock_next_alert(&cl.clock[FC], r), "2026-03-03T04:12:00+08:00");
    /* the decision: 80 % of 03-02 09:00 .. 03-17 23:59:59.999 (15 d 14:59:59.999) */
    assert_time(cl.clock[DEC].warn_at, "2026-03-14T20:59:59.999+08:00");
    assert_time(omb_clock_next_alert(&cl.clock[DEC], r), "2026-03-14T20:59:59.999+08:00");

    /* a warning of another clock, or of another run, does not count */
    alert(&h, "clock_warning", "2026-03-03T04:12:00+08:00", "decision", 1);
    alert(&h, "clock_warning", "2026-03-03T04:12:00+08:00", "first_contact", 2);
    compute(fx, &h, "2026-03-03T04:12:00+08:00", &cl);
    assert_false(cl.clock[FC].warned);
    assert_time(omb_clock_next_alert(&cl.clock[FC], r), "2026-03-03T04:12:00+08:00");
    assert_true(cl.clock[DEC].warned);
    assert_time(omb_clock_next_alert(&cl.clock[DEC], r), "2026-03-17T23:59:59.999+08:00");

    /* warned: the due time next */
    alert(&h, "clock_warning", "2026-03-03T04:12:00+08:00", "first_contact", 1);
    compute(fx, &h, "2026-03-03T04:12:00+08:00", &cl);
    assert_true(cl.clock[FC].warned);
    assert_false(cl.clock[FC].escalated);
    assert_time(omb_clock_next_alert(&cl.clock[FC], r), "2026-03-03T09:00:00+08:00");
    /* breached and not yet escalated: still the due time */
    compute(fx, &h, "2026-03-03T09:30:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_BREACHED);
    assert_time(omb_clock_next_alert(&cl.clock[FC], r), "2026-03-03T09:00:00+08:00");
    /* escalated: nothing more */
    alert(&h, "clock_escalated", "2026-03-03T09:00:00+08:00", "first_contact", 1);
    compute(fx, &h, "2026-03-03T09:30:00+08:00", &cl);
    assert_true(cl.clock[FC].escalated);
    assert_int_equal(omb_clock_next_alert(&cl.clock[FC], r), 0);
    release(&h);

    /* an escalation alone implies the warning; an alert without a clock is the decision's */
    received(&h, "2026-03-02T09:00:00+08:00", NULL);
    alert(&h, "clock_escalated", "2026-03-03T09:00:00+08:00", "first_contact", 1);
    alert(&h, "clock_warning", "2026-03-14T21:12:00+08:00", NULL, 1);
    compute(fx, &h, "2026-03-14T21:12:00+08:00", &cl);
    assert_true(cl.clock[FC].warned);
    assert_int_equal(omb_clock_next_alert(&cl.clock[FC], r), 0);
    assert_true(cl.clock[DEC].warned);
    assert_time(omb_clock_next_alert(&cl.clock[DEC], r), "2026-03-17T23:59:59.999+08:00");
    release(&h);

    /* breached without a warning: the warning (already past) comes first */
    received(&h, "2026-03-02T09:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-20T09:00:00+08:00", &cl);
    assert_state(cl.clock[DEC], OMB_CLK_BREACHED);
    assert_time(omb_clock_next_alert(&cl.clock[DEC], r), "2026-03-14T20:59:59.999+08:00");
    release(&h);

    /* met, paused and cancelled clocks give nothing */
    received(&h, "2026-03-02T09:00:00+08:00", NULL);
    add(&h, "accepted", "2026-03-02T10:00:00+08:00", NULL);
    pause_on(&h, "2026-03-03T10:00:00+08:00", NULL, "appraisal");
    compute(fx, &h, "2026-03-04T10:00:00+08:00", &cl);
    assert_state(cl.clock[FC], OMB_CLK_MET);
    assert_int_equal(omb_clock_next_alert(&cl.clock[FC], r), 0);
    assert_state(cl.clock[DEC], OMB_CLK_PAUSED);
    assert_int_equal(omb_clock_next_alert(&cl.clock[DEC], r), 0);
    assert_int_equal(omb_clock_next_alert(&cl.clock[RD], r), 0); /* not active */
    add(&h, "withdrawn", "2026-03-05T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-06T10:00:00+08:00", &cl);
    assert_int_equal(omb_clock_next_alert(&cl.clock[DEC], r), 0);
    release(&h);

    /* the consumer's review window never alerts, the callback does */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    add(&h, "decided", "2026-03-10T10:00:00+08:00", NULL);
    add(&h, "notified", "2026-03-11T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-12T10:00:00+08:00", &cl);
    assert_state(cl.clock[RW], OMB_CLK_RUNNING);
    assert_int_equal(omb_clock_next_alert(&cl.clock[RW], r), 0);
    compute(fx, &h, "2026-05-12T10:00:00+08:00", &cl);
    assert_state(cl.clock[RW], OMB_CLK_BREACHED);
    assert_int_equal(omb_clock_next_alert(&cl.clock[RW], r), 0);
    add(&h, "closed", "2026-03-11T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-12T10:00:00+08:00", &cl);
    /* 80 % of 03-11 10:00 .. 03-18 23:59:59.999 */
    assert_time(omb_clock_next_alert(&cl.clock[CB], r), "2026-03-17T11:35:59.999+08:00");
    release(&h);
}

static void test_alerts_after_reopen(void **state)
{
    const fixture *fx = *state;
    const omb_clock_rules *r = &fx->rules;
    omb_clocks cl;
    hist h = {.n = 0};

    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    alert(&h, "clock_warning", "2026-03-14T21:12:00+08:00", "decision", 1);
    alert(&h, "clock_escalated", "2026-03-18T00:00:00+08:00", "decision", 1);
    add(&h, "decided", "2026-03-19T10:00:00+08:00", NULL);
    add(&h, "notified", "2026-03-19T11:00:00+08:00", NULL);
    add(&h, "closed", "2026-03-19T12:00:00+08:00", NULL);
    add(&h, "reopened", "2026-03-20T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-03-21T10:00:00+08:00", &cl);
    /* run 2: the warnings of run 1 do not count */
    assert_int_equal(cl.clock[DEC].runs, 2);
    assert_false(cl.clock[DEC].warned);
    assert_false(cl.clock[DEC].escalated);
    assert_time(omb_clock_next_alert(&cl.clock[DEC], r), "2026-04-04T06:47:59.999+08:00");
    /* a late sweeper recording a warning of run 1 now: still not this run's */
    alert(&h, "clock_warning", "2026-03-21T10:00:00+08:00", "decision", 1);
    compute(fx, &h, "2026-03-21T10:00:00+08:00", &cl);
    assert_false(cl.clock[DEC].warned);
    alert(&h, "clock_warning", "2026-04-04T06:48:00+08:00", "decision", 2);
    compute(fx, &h, "2026-04-04T06:48:00+08:00", &cl);
    assert_true(cl.clock[DEC].warned);
    assert_time(omb_clock_next_alert(&cl.clock[DEC], r), "2026-04-07T23:59:59.999+08:00");
    release(&h);
}

/* ---- 11. the JSON view ------------------------------------------------------------------- */

static const json_t *clock_json(const json_t *arr, const char *kind)
{
    size_t i;
    const json_t *o;
    json_array_foreach(arr, i, o) if (strcmp(json_string_value(json_object_get(o, "kind")), kind) ==
                                      0) return o;
    fail_msg("no clock %s in the view", kind);
    return NULL;
}

#define assert_json_str(o, key, want)                                                              \
    do {                                                                                           \
        const char *v_ = json_string_value(json_object_get((o), (key)));                           \
        if (!v_ || strcmp(v_, (want)) != 0)                                                        \
            fail_msg("%s: \"%s\", want \"%s\"", (key), v_ ? v_ : "(not a string)", (want));        \
    } while (0)

#define assert_json_null(o, key)                                                                   \
    do {                                                                                           \
        const json_t *v_ = json_object_get((o), (key));                                            \
        if (!json_is_null(v_))                                                                     \
            fail_msg("%s: not null", (key));                                                       \
    } while (0)

#define assert_json_int(o, key, want)                                                              \
    do {                                                                                           \
        const json_t *v_ = json_object_get((o), (key));                                            \
        if (!json_is_integer(v_) || json_integer_value(v_) != (want))                              \
            fail_msg("%s: %lld, want %lld", (key),                                                 \
                     json_is_integer(v_) ? (long long)json_integer_value(v_) : -1LL,               \
                     (long long)(want));                                                           \
    } while (0)

static void test_to_json(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    hist h = {.n = 0};

    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    add(&h, "accepted", "2026-03-02T11:00:00+08:00", NULL);
    int64_t p = pause_on(&h, "2026-03-03T10:00:00+08:00", "decision", "appraisal");
    resume_on(&h, "2026-03-04T10:00:00+08:00", "decision", p);
    omb_ms now = T("2026-03-10T10:00:00+08:00");
    compute_with(&fx->rules, fx->cal, &h, now, &cl);
    json_t *arr = omb_clocks_to_json(&cl, now);
    assert_int_equal(json_array_size(arr), 2);
    assert_json_str(json_array_get(arr, 0), "kind", "first_contact");
    assert_json_str(json_array_get(arr, 1), "kind", "decision");

    const json_t *fc = clock_json(arr, "first_contact");
    assert_json_str(fc, "state", "met");
    assert_json_str(fc, "started_at", "2026-03-02T02:00:00.000Z");
    assert_json_str(fc, "due_at", "2026-03-03T02:00:00.000Z");
    assert_json_str(fc, "warn_at", "2026-03-02T21:12:00.000Z");
    assert_json_str(fc, "stopped_at", "2026-03-02T03:00:00.000Z");
    assert_json_null(fc, "remaining_ms");
    assert_json_null(fc, "late_ms");
    assert_json_int(fc, "paused_ms", 0);
    assert_json_int(json_object_get(fc, "limit"), "amount", 24);
    assert_json_str(json_object_get(fc, "limit"), "unit", "hours");
    assert_json_int(fc, "extension", 0);
    assert_json_int(fc, "run", 1);
    assert_true(json_is_false(json_object_get(fc, "warned")));
    assert_true(json_is_false(json_object_get(fc, "escalated")));
    assert_int_equal(json_array_size(json_object_get(fc, "pauses")), 0);

    /* decision: 03-17 + 24 h paused = 03-18 */
    const json_t *d = clock_json(arr, "decision");
    assert_json_str(d, "state", "running");
    assert_json_str(d, "due_at", "2026-03-18T15:59:59.999Z");
    assert_json_null(d, "stopped_at");
    assert_json_int(d, "remaining_ms", 741599999); /* 8 d 13:59:59.999 */
    assert_json_null(d, "late_ms");
    assert_json_int(d, "paused_ms", DAY);
    assert_json_int(json_object_get(d, "limit"), "amount", 15);
    assert_json_str(json_object_get(d, "limit"), "unit", "calendar_days");
    const json_t *ps = json_object_get(d, "pauses");
    assert_int_equal(json_array_size(ps), 1);
    assert_json_int(json_array_get(ps, 0), "id", p);
    assert_json_str(json_array_get(ps, 0), "reason", "appraisal");
    assert_json_str(json_array_get(ps, 0), "from", "2026-03-03T02:00:00.000Z");
    assert_json_str(json_array_get(ps, 0), "to", "2026-03-04T02:00:00.000Z");
    json_decref(arr);

    /* breached: late by now - due, no remaining time */
    now = T("2026-03-20T10:00:00+08:00");
    compute_with(&fx->rules, fx->cal, &h, now, &cl);
    arr = omb_clocks_to_json(&cl, now);
    d = clock_json(arr, "decision");
    assert_json_str(d, "state", "breached");
    assert_json_null(d, "remaining_ms");
    assert_json_int(d, "late_ms", 122400001); /* 1 d 10:00:00.001 */
    json_decref(arr);
    /* breached at the very due instant: late by 0 */
    now = T("2026-03-18T23:59:59.999+08:00");
    compute_with(&fx->rules, fx->cal, &h, now, &cl);
    arr = omb_clocks_to_json(&cl, now);
    d = clock_json(arr, "decision");
    assert_json_str(d, "state", "breached");
    assert_json_null(d, "remaining_ms");
    assert_json_int(d, "late_ms", 0);
    json_decref(arr);

    /* paused (open pause): remaining time to the moving due time; pause "to" null */
    pause_on(&h, "2026-03-05T10:00:00+08:00", "decision", "mediation");
    now = T("2026-03-06T10:00:00+08:00");
    compute_with(&fx->rules, fx->cal, &h, now, &cl);
    arr = omb_clocks_to_json(&cl, now);
    d = clock_json(arr, "decision");
    assert_json_str(d, "state", "paused");
    /* paused 24 h + 24 h: 03-19 */
    assert_json_str(d, "due_at", "2026-03-19T15:59:59.999Z");
    assert_json_int(d, "remaining_ms", T("2026-03-19T23:59:59.999+08:00") - now);
    assert_json_null(json_array_get(json_object_get(d, "pauses"), 1), "to");
    assert_json_str(json_array_get(json_object_get(d, "pauses"), 1), "reason", "mediation");
    json_decref(arr);
    release(&h);

    /* met late: late by stopped - due; the notice and the window's view */
    received(&h, "2026-03-02T10:00:00+08:00", NULL);
    add(&h, "decided", "2026-03-20T10:00:00+08:00", NULL);
    add(&h, "notified", "2026-03-20T12:00:00+08:00", NULL);
    now = T("2026-03-21T10:00:00+08:00");
    compute_with(&fx->rules, fx->cal, &h, now, &cl);
    arr = omb_clocks_to_json(&cl, now);
    assert_int_equal(json_array_size(arr), 4);
    d = clock_json(arr, "decision");
    assert_json_str(d, "state", "met_late");
    assert_json_int(d, "late_ms", 208800001); /* 03-20 10:00 - 03-17 23:59:59.999 */
    assert_json_null(d, "remaining_ms");
    const json_t *n = clock_json(arr, "notice");
    assert_json_int(json_object_get(n, "limit"), "amount", 0);
    assert_json_str(json_object_get(n, "limit"), "unit", "decision_deadline");
    assert_json_str(n, "state", "met_late");
    const json_t *w = clock_json(arr, "review_window");
    assert_json_str(w, "state", "running");
    assert_json_null(w, "warn_at");
    assert_json_null(w, "stopped_at");
    assert_json_int(w, "remaining_ms", T("2026-04-20T23:59:59.999+08:00") - now);
    json_decref(arr);
    /* cancelled: neither remaining nor late */
    add(&h, "review_requested", "2026-03-22T10:00:00+08:00", NULL);
    add(&h, "withdrawn", "2026-04-30T10:00:00+08:00", NULL);
    now = T("2026-05-01T10:00:00+08:00");
    compute_with(&fx->rules, fx->cal, &h, now, &cl);
    arr = omb_clocks_to_json(&cl, now);
    const json_t *rd = clock_json(arr, "review_decision");
    assert_json_str(rd, "state", "cancelled");
    assert_json_null(rd, "remaining_ms");
    assert_json_null(rd, "late_ms");
    assert_json_str(rd, "stopped_at", "2026-04-30T02:00:00.000Z");
    json_decref(arr);
    release(&h);
}

/* ---- the history kept in a complaint's document ---------------------------------------- */

/* A day limit whose days reach into 2027 (projected in data/calendar.tsv) is flagged
   `projected`, in the clock and in its JSON; hour limits and day limits inside the
   official years are not; a layer that makes 2027 official clears the flag. */
static void test_projected(void **state)
{
    const fixture *fx = *state;
    omb_clocks cl;
    hist h = {.n = 0};
    received(&h, "2026-12-01T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-12-01T11:00:00+08:00", &cl);
    assert_false(cl.clock[FC].projected);
    assert_false(cl.clock[DEC].projected); /* day 15 is Wed 2026-12-16 */
    release(&h);

    received(&h, "2026-12-20T10:00:00+08:00", NULL);
    compute(fx, &h, "2026-12-20T11:00:00+08:00", &cl);
    assert_false(cl.clock[FC].projected); /* 24 hours: no calendar */
    assert_true(cl.clock[DEC].projected); /* day 15 is 2027-01-04 */
    json_t *arr = omb_clocks_to_json(&cl, T("2026-12-20T11:00:00+08:00"));
    assert_true(json_is_true(json_object_get(clock_json(arr, "decision"), "projected")));
    assert_true(json_is_false(json_object_get(clock_json(arr, "first_contact"), "projected")));
    json_decref(arr);
    /* the same days over a calendar where 2027 is official */
    const char *texts[2] = {(const char *)omb_embed_calendar_tsv, "year\t2027\tofficial\n"};
    size_t lens[2] = {omb_embed_calendar_tsv_len, strlen(texts[1])};
    omb_calendar *official = NULL;
    omb_err err;
    assert_int_equal(omb_calendar_parse(&official, texts, lens, 2, &err), OMB_OK);
    compute_with(&fx->rules, official, &h, T("2026-12-20T11:00:00+08:00"), &cl);
    assert_false(cl.clock[DEC].projected);
    omb_calendar_free(official);
    /* decided in 2027 and notified: the notice and review window lie in 2027 too */
    add(&h, "decided", "2027-01-02T10:00:00+08:00", NULL);
    compute(fx, &h, "2027-01-02T11:00:00+08:00", &cl);
    assert_true(cl.clock[DEC].projected);
    release(&h);
}

static void test_fold_history(void **state)
{
    const fixture *fx = *state;
    omb_complaint c;
    omb_complaint_init(&c);
    hist h = {.n = 0};
    received(&h, "2026-03-02T10:00:00+08:00", "important");
    /* dispatched to party 2, handed to party 3 on acceptance, transferred to party 4: the
       clocks count by the calendar of the party leading at the end */
    add(&h, "dispatched", "2026-03-02T10:00:00+08:00",
        json_pack("{s:s,s:i,s:s,s:s,s:i}", "rule", "pricing_cause", "lead_party", 2, "department",
                  "pricing", "queue", "pricing", "assignee", 20));
    add(&h, "accepted", "2026-03-02T11:00:00+08:00", json_pack("{s:i}", "lead_party", 3));
    add(&h, "investigation_started", "2026-03-02T12:00:00+08:00", NULL);
    add(&h, "transferred", "2026-03-03T10:00:00+08:00",
        json_pack("{s:i,s:i,s:s,s:s}", "to_party", 4, "transfer", 1, "reason", "由平台处理",
                  "due_at", "2026-03-04T10:00:00+08:00"));
    add(&h, "transfer_acknowledged", "2026-03-03T15:00:00+08:00",
        json_pack("{s:i,s:i,s:s,s:s,s:i}", "transfer", 1, "lead_party", 4, "rule", "transfer",
                  "queue", "app", "assignee", 31));
    add(&h, "extended", "2026-03-05T10:00:00+08:00",
        json_pack("{s:s,s:i,s:s}", "clock", "decision", "days", 30, "reason", "需调取资金方流水"));
    int64_t p = pause_on(&h, "2026-03-06T10:00:00+08:00", "decision", "appraisal");
    resume_on(&h, "2026-03-08T10:00:00+08:00", "decision", p);
    add(&h, "note_added", "2026-03-09T10:00:00+08:00", json_pack("{s:s}", "text", "x"));
    add(&h, "decided", "2026-03-20T10:00:00+08:00",
        json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "finding", "f", "responsibility", "institution",
                  "remedy", "r", "basis", "b", "routes", "mediation"));
    add(&h, "notified", "2026-03-20T12:00:00+08:00",
        json_pack("{s:s,s:s,s:s}", "method", "sms", "notified_at", "2026-03-20T12:00:00+08:00",
                  "proof", "sms-1"));
    add(&h, "closed", "2026-03-21T10:00:00+08:00", json_pack("{s:s}", "summary", "s"));
    add(&h, "reopened", "2026-03-25T10:00:00+08:00", json_pack("{s:s}", "facts", "新证据"));
    omb_err err;
    for (size_t i = 0; i < h.n; i++) {
        omb_err_clear(&err);
        if (omb_fold_apply(&c, &h.ev[i], &err) != OMB_OK)
            fail_msg("fold of %s refused: %s %s", h.ev[i].type, err.code, err.message);
    }
    const json_t *list = json_object_get(c.doc, "clock_events");
    /* all but investigation_started, transferred and note_added */
    assert_int_equal(json_array_size(list), h.n - 3);
    const json_t *first = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_array_get(first, 0)), 1);
    assert_string_equal(json_string_value(json_array_get(first, 1)), "received");
    assert_int_equal(json_integer_value(json_array_get(first, 2)), h.ev[0].at);
    const json_t *pay = json_array_get(first, 3);
    assert_string_equal(omb_json_str(pay, "grade", ""), "important");
    assert_null(json_object_get(pay, "description")); /* only what clocks read */
    /* of a dispatch and an acknowledged transfer only the lead party is kept */
    const json_t *disp = json_array_get(list, 1);
    assert_string_equal(json_string_value(json_array_get(disp, 1)), "dispatched");
    assert_int_equal(json_object_size(json_array_get(disp, 3)), 1);
    assert_int_equal(omb_json_int(json_array_get(disp, 3), "lead_party", 0), 2);
    const json_t *ack = json_array_get(list, 3);
    assert_string_equal(json_string_value(json_array_get(ack, 1)), "transfer_acknowledged");
    assert_int_equal(json_integer_value(json_array_get(ack, 0)), 6);
    assert_int_equal(json_object_size(json_array_get(ack, 3)), 1);
    /* the lead party is the last one named: dispatch, acceptance, transfer */
    assert_int_equal(omb_clock_events_lead_party(list), 4);
    for (size_t k = 1; k <= 3; k++) {
        json_t *prefix = json_array();
        for (size_t i = 0; i <= k; i++)
            json_array_append(prefix, json_array_get(list, i));
        assert_int_equal(omb_clock_events_lead_party(prefix), (int64_t)k + 1);
        json_decref(prefix);
    }

    omb_event evs[HMAX];
    size_t n = omb_clock_events_from_json(list, evs, HMAX);
    assert_int_equal(n, h.n - 3);
    static const char now_text[] = "2026-03-26T10:00:00+08:00";
    omb_ms now = T(now_text);
    omb_clocks a, b;
    compute_with(&fx->rules, fx->cal, &h, now, &a);
    omb_err_clear(&err);
    assert_int_equal(omb_clocks_compute(&fx->rules, fx->cal, TZ, evs, n, now, &b, &err), OMB_OK);
    json_t *ja = omb_clocks_to_json(&a, now), *jb = omb_clocks_to_json(&b, now);
    assert_true(json_equal(ja, jb));
    json_decref(ja);
    json_decref(jb);
    assert_int_equal(b.clock[DEC].runs, 2);
    /* the linkage moves no clock: the same history with those events as notes (same seqs,
       so that the resume still names its pause) gives the same clocks */
    hist *plain = malloc(sizeof *plain);
    assert_non_null(plain);
    *plain = h; /* shares the payloads: not released */
    for (size_t i = 0; i < plain->n; i++)
        if (strcmp(plain->ev[i].type, "dispatched") == 0 ||
            strcmp(plain->ev[i].type, "transferred") == 0 ||
            strcmp(plain->ev[i].type, "transfer_acknowledged") == 0)
            snprintf(plain->ev[i].type, sizeof plain->ev[i].type, "%s", "note_added");
    static const char *const moments[] = {"2026-03-02T10:30:00+08:00", "2026-03-04T10:00:00+08:00",
                                          "2026-03-21T12:00:00+08:00", now_text};
    for (size_t i = 0; i < sizeof moments / sizeof moments[0]; i++) {
        omb_ms t = T(moments[i]);
        omb_clocks x, y;
        compute_with(&fx->rules, fx->cal, &h, t, &x);
        compute_with(&fx->rules, fx->cal, plain, t, &y);
        json_t *jx = omb_clocks_to_json(&x, t), *jy = omb_clocks_to_json(&y, t);
        if (!json_equal(jx, jy))
            fail_msg("the linkage events changed the clocks at %s", moments[i]);
        json_decref(jx);
        json_decref(jy);
    }
    free(plain);
    /* a short buffer takes the first events only */
    assert_int_equal(omb_clock_events_from_json(list, evs, 3), 3);
    omb_complaint_release(&c);
    release(&h);
}

/* ---- 10. properties over random histories ----------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(rng_state >> 33) % n;
}

static omb_ms rnd_ms(omb_ms n)
{
    uint64_t hi = rnd(1u << 30), lo = rnd(1u << 30);
    return (omb_ms)(((hi << 30) | lo) % (uint64_t)n);
}

/* A symbolic event: resumes name the paused event by index, so that events can be
   inserted before them. */
typedef struct spec {
    const char *type;
    omb_ms at;
    int clock; /* -1: the payload names no clock */
    int ref;   /* resumed: index of the paused spec; -1 an id that is no pause */
    int days;  /* extended */
    int grade; /* received, classified: -1 none */
    int run;   /* clock_warning, clock_escalated */
    omb_ms inst;
} spec;

#define SMAX 48

static const char *const grade_names_t[] = {"general", "important", "urgent", "major"};
static const char *const reasons_t[] = {"appraisal", "testing",           "valuation",
                                        "mediation", "awaiting_consumer", "other"};

static void materialize(const spec *s, size_t n, hist *h)
{
    h->n = 0;
    for (size_t i = 0; i < n; i++) {
        const spec *x = &s[i];
        json_t *p = json_object();
        if (x->clock >= 0)
            json_object_set_new(p, "clock",
                                json_string(omb_clock_kind_name((enum omb_clock_kind)x->clock)));
        if (strcmp(x->type, "received") == 0) {
            char t[32];
            omb_time_format(x->at, t, sizeof t);
            json_object_set_new(p, "no", json_string("P1"));
            json_object_set_new(p, "received_at", json_string(t));
            json_object_set_new(p, "description", json_string("随机"));
            if (x->inst) {
                omb_time_format(x->inst, t, sizeof t);
                json_object_set_new(p, "institution_received_at", json_string(t));
            }
        }
        if (x->grade >= 0)
            json_object_set_new(p, "grade", json_string(grade_names_t[x->grade]));
        if (strcmp(x->type, "extended") == 0) {
            json_object_set_new(p, "days", json_integer(x->days));
            json_object_set_new(p, "reason", json_string("情况复杂"));
        }
        if (strcmp(x->type, "paused") == 0) {
            json_object_set_new(p, "reason_code", json_string(reasons_t[i % COUNT(reasons_t)]));
            json_object_set_new(p, "reason", json_string("外部评估"));
        }
        if (strcmp(x->type, "resumed") == 0)
            json_object_set_new(p, "pause", json_integer(x->ref >= 0 ? x->ref + 1 : 9999));
        if (strncmp(x->type, "clock_", 6) == 0)
            json_object_set_new(p, "run", json_integer(x->run));
        if (strcmp(x->type, "accepted") == 0)
            json_object_set_new(p, "lead_party", json_integer(3));
        /* the linkage: a dispatch or an acknowledged transfer names the lead party, a task
           names its addressee; none of them moves a clock */
        if (strcmp(x->type, "dispatched") == 0 || strcmp(x->type, "transfer_acknowledged") == 0) {
            json_object_set_new(p, "lead_party", json_integer(2 + (json_int_t)(i % 3)));
            json_object_set_new(p, "rule", json_string("default"));
            json_object_set_new(p, "queue", json_string("general"));
        }
        if (strcmp(x->type, "task_requested") == 0) {
            json_object_set_new(p, "to_party", json_integer(4));
            json_object_set_new(p, "task", json_integer(1));
            json_object_set_new(p, "kind", json_string("information"));
        }
        add_at(h, x->type, x->at, p);
    }
}

/* Inserts x at pos, keeping the resumes' references. */
static void insert_spec(spec *s, size_t *n, size_t pos, spec x)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(s[i].type, "resumed") == 0 && s[i].ref >= (int)pos)
            s[i].ref++;
    memmove(&s[pos + 1], &s[pos], (*n - pos) * sizeof *s);
    s[pos] = x;
    (*n)++;
}

static omb_ms rnd_gap(void)
{
    switch (rnd(7)) {
    case 0:
        return 0;
    case 1:
        return rnd(60000);
    case 2:
        return rnd_ms(6 * HOUR);
    case 3:
        return rnd_ms(2 * DAY);
    case 4:
        return rnd_ms(5 * DAY);
    case 5:
        return rnd_ms(20 * DAY);
    default:
        return (omb_ms)rnd(48) * HOUR; /* whole hours: instants on boundaries */
    }
}

static const struct {
    const char *type;
    int weight;
} gen_types[] = {
    /* clang-format off */
    {"accepted", 8},      {"classified", 3},       {"extended", 4},
    {"paused", 9},        {"resumed", 9},          {"decided", 6},
    {"notified", 5},      {"review_requested", 3}, {"mediation_referred", 1},
    {"closed", 4},        {"reopened", 3},         {"callback_recorded", 3},
    {"clock_warning", 3}, {"clock_escalated", 2},  {"rejected", 1},
    {"withdrawn", 1},     {"merged", 1},           {"note_added", 2},
    {"dispatched", 1},    {"task_requested", 1},   {"transfer_acknowledged", 1},
    /* clang-format on */
};

static int rnd_clock(void)
{
    static const int choice[] = {-1, -1, DEC, DEC, FC, FC, RD, RD, NOT, RW, CB};
    return choice[rnd(COUNT(choice))];
}

/* A random history of up to SMAX - 4 events; *now after the last one. */
static size_t gen_history(spec *s, omb_ms *now)
{
    size_t n = 0;
    omb_ms t = T("2025-01-01T00:00:00+08:00") + rnd_ms(1060 * DAY);
    spec r = {.type = "received", .at = t, .clock = -1, .ref = -1, .grade = -1};
    if (rnd(3) == 0)
        r.grade = (int)rnd(4);
    if (rnd(4) == 0)
        r.inst = t - rnd_ms(10 * DAY);
    s[n++] = r;
    int total = 0;
    for (size_t i = 0; i < COUNT(gen_types); i++)
        total += gen_types[i].weight;
    size_t len = rnd(SMAX - 8);
    int pauses = 0;
    while (n < len) {
        int w = (int)rnd((uint32_t)total);
        size_t k = 0;
        while (w >= gen_types[k].weight)
            w -= gen_types[k++].weight;
        spec x = {.type = gen_types[k].type, .clock = -1, .ref = -1, .grade = -1};
        t += rnd_gap();
        x.at = t;
        if (strcmp(x.type, "classified") == 0) {
            x.grade = (int)rnd(4);
        } else if (strcmp(x.type, "extended") == 0) {
            static const int days[] = {30, 60, 60, 45};
            x.days = days[rnd(COUNT(days))];
            x.clock = rnd(2) ? DEC : -1;
        } else if (strcmp(x.type, "paused") == 0) {
            if (pauses == 10)
                continue;
            pauses++;
            x.clock = rnd_clock();
        } else if (strcmp(x.type, "resumed") == 0) {
            /* mostly a pause that exists, named with its own clock */
            size_t cand[SMAX], nc = 0;
            for (size_t i = 0; i < n; i++)
                if (strcmp(s[i].type, "paused") == 0)
                    cand[nc++] = i;
            if (nc && rnd(10)) {
                x.ref = (int)cand[rnd((uint32_t)nc)];
                x.clock = rnd(10) ? s[x.ref].clock : rnd_clock();
            } else {
                x.clock = rnd_clock();
            }
        } else if (strncmp(x.type, "clock_", 6) == 0) {
            x.clock = rnd_clock();
            x.run = 1 + (int)rnd(2);
        }
        s[n++] = x;
    }
    *now = t + rnd_gap() + rnd_ms(40 * DAY);
    return n;
}

static void compute_spec(const fixture *fx, const spec *s, size_t n, omb_ms now, omb_clocks *out)
{
    hist *h = calloc(1, sizeof *h);
    assert_non_null(h);
    materialize(s, n, h);
    compute_with(&fx->rules, fx->cal, h, now, out);
    release(h);
    free(h);
}

static void describe(const spec *s, size_t n, omb_ms now)
{
    char a[40];
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "  %zu %s %s clock=%d ref=%d days=%d grade=%d run=%d\n", i + 1, s[i].type,
                L(s[i].at, a), s[i].clock, s[i].ref, s[i].days, s[i].grade, s[i].run);
    fprintf(stderr, "  now %s\n", L(now, a));
}

#define ITERATIONS 2000

/* (a) adding a pause never brings any deadline forward */
static void test_prop_pause_never_earlier(void **state)
{
    const fixture *fx = *state;
    rng_state = 0x1234567887654321u;
    spec s[SMAX];
    int checked = 0;
    for (int it = 0; it < ITERATIONS; it++) {
        omb_ms now;
        size_t n = gen_history(s, &now);
        omb_clocks before, after;
        compute_spec(fx, s, n, now, &before);
        /* a pause inserted after the receipt, resumed later or left open */
        size_t pos = 1 + rnd((uint32_t)n);
        omb_ms lo = s[pos - 1].at, hi = pos < n ? s[pos].at : now;
        spec p = {.type = "paused", .clock = rnd_clock(), .ref = -1, .grade = -1};
        p.at = lo + rnd_ms(hi - lo + 1);
        insert_spec(s, &n, pos, p);
        if (rnd(3)) {
            size_t q = pos + 1 + rnd((uint32_t)(n - pos));
            omb_ms lo2 = s[q - 1].at, hi2 = q < n ? s[q].at : now;
            spec r = {.type = "resumed", .clock = p.clock, .ref = (int)pos, .grade = -1};
            r.at = lo2 + rnd_ms(hi2 - lo2 + 1);
            insert_spec(s, &n, q, r);
        }
        compute_spec(fx, s, n, now, &after);
        for (int k = 0; k < OMB_CLOCK__COUNT; k++) {
            const omb_clock *b = &before.clock[k], *a = &after.clock[k];
            assert_int_equal(a->active, b->active);
            if (!a->active)
                continue;
            checked++;
            if (a->due_at < b->due_at) {
                char x[40], y[40];
                describe(s, n, now);
                fail_msg("iteration %d: %s due %s before the pause at %zu, %s after", it,
                         omb_clock_kind_name((enum omb_clock_kind)k), L(b->due_at, x), pos + 1,
                         L(a->due_at, y));
            }
            assert_true(a->paused_ms >= b->paused_ms || a->runs != b->runs || k == NOT);
        }
    }
    assert_true(checked > ITERATIONS);
}

/* (b) the order in which overlapping pauses are resumed does not change the deadline */
static void test_prop_resume_order(void **state)
{
    const fixture *fx = *state;
    rng_state = 0x0badc0ffee15900du;
    for (int it = 0; it < ITERATIONS; it++) {
        spec s[SMAX], u[SMAX];
        size_t n = 0;
        omb_ms t = T("2025-01-01T00:00:00+08:00") + rnd_ms(1060 * DAY);
        s[n++] = (spec){.type = "received",
                        .at = t,
                        .clock = -1,
                        .ref = -1,
                        .grade = rnd(2) ? -1 : (int)rnd(4)};
        int which = rnd(3) == 0 ? FC : rnd(2) ? DEC : -1;
        if (which != FC && rnd(2)) {
            t += rnd_ms(3 * HOUR);
            s[n++] = (spec){.type = "accepted", .at = t, .clock = -1, .ref = -1, .grade = -1};
        }
        int k = 2 + (int)rnd(5);
        size_t opened[8];
        for (int i = 0; i < k; i++) {
            t += rnd(4) ? rnd_ms(which == FC ? 3 * HOUR : 3 * DAY) : 0;
            opened[i] = n;
            s[n++] = (spec){.type = "paused", .at = t, .clock = which, .ref = -1, .grade = -1};
        }
        int resumes = k - (int)rnd(2) * (int)rnd((uint32_t)k); /* some may stay open */
        omb_ms rt[8];
        for (int i = 0; i < resumes; i++) {
            t += rnd(4) ? rnd_ms(which == FC ? 3 * HOUR : 4 * DAY) : 0;
            rt[i] = t;
        }
        int perm[8];
        for (int i = 0; i < k; i++)
            perm[i] = i;
        for (int i = k - 1; i > 0; i--) {
            int j = (int)rnd((uint32_t)i + 1), x = perm[i];
            perm[i] = perm[j];
            perm[j] = x;
        }
        size_t m = n;
        memcpy(u, s, n * sizeof *s);
        for (int i = 0; i < resumes; i++) {
            s[n++] = (spec){
                .type = "resumed", .at = rt[i], .clock = which, .ref = (int)opened[i], .grade = -1};
            u[m++] = (spec){.type = "resumed",
                            .at = rt[i],
                            .clock = which,
                            .ref = (int)opened[perm[i]],
                            .grade = -1};
        }
        omb_ms stop = 0;
        if (rnd(2)) {
            t += rnd_gap();
            stop = t;
            const char *end = which == FC ? "accepted" : "decided";
            s[n++] = (spec){.type = end, .at = t, .clock = -1, .ref = -1, .grade = -1};
            u[m++] = s[n - 1];
        }
        omb_ms now = t + rnd_gap();
        omb_clocks a, b;
        compute_spec(fx, s, n, now, &a);
        compute_spec(fx, u, m, now, &b);
        /* the union: from the first opening to the last resume, or to the stop or now
           while one is open */
        omb_ms until = stop ? stop : now;
        omb_ms want = (resumes == k ? rt[resumes - 1] : until) - s[opened[0]].at;
        if (a.clock[which == FC ? FC : DEC].paused_ms != want)
            fail_msg("iteration %d: paused %lld ms, want %lld", it,
                     (long long)a.clock[which == FC ? FC : DEC].paused_ms, (long long)want);
        for (int c = 0; c < OMB_CLOCK__COUNT; c++) {
            if (a.clock[c].due_at != b.clock[c].due_at ||
                a.clock[c].paused_ms != b.clock[c].paused_ms ||
                a.clock[c].state != b.clock[c].state) {
                char x[40], y[40];
                describe(u, m, now);
                fail_msg("iteration %d: %s due %s in order, %s permuted", it,
                         omb_clock_kind_name((enum omb_clock_kind)c), L(a.clock[c].due_at, x),
                         L(b.clock[c].due_at, y));
            }
        }
    }
}

static void check_bounds(const omb_clocks *cl, omb_ms now, int it, const spec *s, size_t n)
{
    for (int k = 0; k < OMB_CLOCK__COUNT; k++) {
        const omb_clock *c = &cl->clock[k];
        if (!c->active)
            continue;
        const char *why = NULL;
        /* the notice of a late decision is due before it starts: already late */
        bool late_notice = k == NOT && c->due_at < c->started_at;
        omb_ms lo = late_notice ? c->due_at : c->started_at;
        omb_ms hi = late_notice ? c->started_at : c->due_at;
        if (c->due_at < c->started_at && !late_notice)
            why = "due before start";
        else if (late_notice && (c->state == OMB_CLK_MET || c->state == OMB_CLK_RUNNING))
            why = "a notice due before it started is met or running";
        else if (c->warn_at && (c->warn_at < lo || c->warn_at > hi))
            why = "warning outside start..due";
        else if (c->paused_ms < 0)
            why = "negative pause";
        else if (c->state == OMB_CLK_MET && !(c->stopped_at && c->stopped_at <= c->due_at))
            why = "met but not stopped in time";
        else if (c->state == OMB_CLK_MET_LATE && !(c->stopped_at > c->due_at))
            why = "met late but in time";
        else if (c->state == OMB_CLK_BREACHED && (c->stopped_at || now < c->due_at))
            why = "breached but stopped or not due";
        else if (c->state == OMB_CLK_RUNNING && (c->stopped_at || now >= c->due_at))
            why = "running but stopped or due";
        else if (c->state == OMB_CLK_PAUSED && c->stopped_at)
            why = "paused but stopped";
        else if (c->kind != (enum omb_clock_kind)k || c->runs < 1)
            why = "kind or runs";
        else if (c->unit != OMB_UNIT_DECISION_DEADLINE && c->amount <= 0)
            why = "no amount";
        if (why) {
            char a[40], b[40], w[40];
            describe(s, n, now);
            fail_msg("iteration %d: %s %s: state %s started %s due %s warn %s", it,
                     omb_clock_kind_name((enum omb_clock_kind)k), why,
                     omb_clock_state_name(c->state), L(c->started_at, a), L(c->due_at, b),
                     L(c->warn_at, w));
        }
    }
}

/* (c) deadlines after their start, warnings between; states agree with the times */
static void test_prop_bounds(void **state)
{
    const fixture *fx = *state;
    rng_state = 0x5eed5eed5eed5eedu;
    spec s[SMAX];
    for (int it = 0; it < ITERATIONS; it++) {
        omb_ms now;
        size_t n = gen_history(s, &now);
        omb_clocks cl;
        compute_spec(fx, s, n, now, &cl);
        check_bounds(&cl, now, it, s, n);
        /* and for every prefix of the history at the time of its last event */
        size_t cut = 1 + rnd((uint32_t)n);
        compute_spec(fx, s, cut, s[cut - 1].at, &cl);
        check_bounds(&cl, s[cut - 1].at, it, s, cut);
    }
}

/* (d) a later now never turns a met clock into another state */
static void test_prop_met_stays(void **state)
{
    const fixture *fx = *state;
    rng_state = 0x00c0ffee00c0ffeeu;
    spec s[SMAX];
    int met = 0;
    for (int it = 0; it < ITERATIONS; it++) {
        omb_ms now;
        size_t n = gen_history(s, &now);
        omb_clocks a, b;
        compute_spec(fx, s, n, now, &a);
        omb_ms later = now + rnd_ms(200 * DAY);
        compute_spec(fx, s, n, later, &b);
        for (int k = 0; k < OMB_CLOCK__COUNT; k++) {
            const omb_clock *x = &a.clock[k], *y = &b.clock[k];
            if (!x->active || x->stopped_at == 0)
                continue;
            met += x->state == OMB_CLK_MET;
            if (y->state != x->state || y->due_at != x->due_at || y->stopped_at != x->stopped_at ||
                y->paused_ms != x->paused_ms) {
                describe(s, n, now);
                fail_msg("iteration %d: %s was %s, later %s", it,
                         omb_clock_kind_name((enum omb_clock_kind)k),
                         omb_clock_state_name(x->state), omb_clock_state_name(y->state));
            }
        }
    }
    assert_true(met > ITERATIONS / 4);
}

static void same_clocks(const omb_clocks *a, const omb_clocks *b, int it)
{
    for (int k = 0; k < OMB_CLOCK__COUNT; k++) {
        const omb_clock *x = &a->clock[k], *y = &b->clock[k];
        bool same = x->active == y->active && x->state == y->state && x->unit == y->unit &&
                    x->amount == y->amount && x->extension == y->extension && x->runs == y->runs &&
                    x->started_at == y->started_at && x->due_at == y->due_at &&
                    x->warn_at == y->warn_at && x->stopped_at == y->stopped_at &&
                    x->paused_ms == y->paused_ms && x->n_pauses == y->n_pauses &&
                    x->warned == y->warned && x->escalated == y->escalated;
        for (int i = 0; same && i < x->n_pauses; i++)
            same = x->pauses[i].id == y->pauses[i].id && x->pauses[i].from == y->pauses[i].from &&
                   x->pauses[i].to == y->pauses[i].to &&
                   strcmp(x->pauses[i].reason, y->pauses[i].reason) == 0;
        if (!same)
            fail_msg("iteration %d: clock %s differs after the round trip", it,
                     omb_clock_kind_name((enum omb_clock_kind)k));
    }
}

/* (e) the clock history kept in a document gives the same clocks */
static void test_prop_roundtrip(void **state)
{
    const fixture *fx = *state;
    rng_state = 0x7777000011112222u;
    spec s[SMAX];
    for (int it = 0; it < ITERATIONS; it++) {
        omb_ms now;
        size_t n = gen_history(s, &now);
        hist *h = calloc(1, sizeof *h);
        assert_non_null(h);
        materialize(s, n, h);
        omb_clocks a, b;
        compute_with(&fx->rules, fx->cal, h, now, &a);
        json_t *list = json_array();
        for (size_t i = 0; i < h->n; i++)
            omb_clock_events_append(list, &h->ev[i]);
        /* through text, as stored */
        char *text = json_dumps(list, JSON_COMPACT);
        json_decref(list);
        json_error_t jerr;
        list = json_loads(text, 0, &jerr);
        free(text);
        assert_non_null(list);
        omb_event evs[SMAX];
        size_t m = omb_clock_events_from_json(list, evs, SMAX);
        size_t want = 0;
        for (size_t i = 0; i < h->n; i++)
            want += omb_clock_event_relevant(h->ev[i].type);
        assert_int_equal(m, want);
        omb_err err;
        omb_err_clear(&err);
        assert_int_equal(omb_clocks_compute(&fx->rules, fx->cal, TZ, evs, m, now, &b, &err),
                         OMB_OK);
        same_clocks(&a, &b, it);
        json_t *ja = omb_clocks_to_json(&a, now), *jb = omb_clocks_to_json(&b, now);
        if (!json_equal(ja, jb))
            fail_msg("iteration %d: views differ", it);
        json_decref(ja);
        json_decref(jb);
        json_decref(list);
        release(h);
        free(h);
    }
}

/* The consumer's dates count, not the time they were recorded: a notice given
 * on day 3 but recorded on day 20 met its deadline, and the review window runs
 * 30 days from the notice; a review applied for on day 25, recorded on day 40,
 * was in time and its decision clock starts on day 25. */
static void test_consumer_dates_count(void **state)
{
    const fixture *fx = *state;
    hist h = {.n = 0};
    received(&h, "2026-11-02T10:00:00+08:00", NULL);
    add(&h, "accepted", "2026-11-02T11:00:00+08:00", NULL);
    add(&h, "decided", "2026-11-05T10:00:00+08:00", NULL);
    add(&h, "notified", "2026-11-30T10:00:00+08:00",
        json_pack("{s:s}", "notified_at", "2026-11-05T16:00:00+08:00"));
    omb_clocks cl;
    compute(fx, &h, "2026-12-01T10:00:00+08:00", &cl);
    assert_state(cl.clock[NOT], OMB_CLK_MET);
    assert_time(cl.clock[NOT].stopped_at, "2026-11-05T16:00:00+08:00");
    assert_time(cl.clock[RW].started_at, "2026-11-05T16:00:00+08:00");
    /* 30 days after 11-05 is Sat 12-05, a rest day: the window ends Mon 12-07. */
    assert_time(cl.clock[RW].due_at, "2026-12-07T23:59:59.999+08:00");
    add(&h, "review_requested", "2026-12-20T10:00:00+08:00",
        json_pack("{s:s}", "applied_at", "2026-12-04T09:00:00+08:00"));
    compute(fx, &h, "2026-12-21T10:00:00+08:00", &cl);
    assert_state(cl.clock[RW], OMB_CLK_MET);
    assert_time(cl.clock[RD].started_at, "2026-12-04T09:00:00+08:00");
    /* A date before the clock began is taken as the clock's start. */
    hist g = {.n = 0};
    received(&g, "2026-11-02T10:00:00+08:00", NULL);
    add(&g, "decided", "2026-11-05T10:00:00+08:00", NULL);
    add(&g, "notified", "2026-11-06T10:00:00+08:00",
        json_pack("{s:s}", "notified_at", "2026-11-01T10:00:00+08:00"));
    compute(fx, &g, "2026-11-07T10:00:00+08:00", &cl);
    assert_time(cl.clock[NOT].stopped_at, "2026-11-05T10:00:00+08:00");
    release(&h);
    release(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_embedded),
        cmocka_unit_test(test_projected),
        cmocka_unit_test(test_consumer_dates_count),
        cmocka_unit_test(test_rules_accepted_forms),
        cmocka_unit_test(test_rules_errors),
        cmocka_unit_test(test_first_contact_met),
        cmocka_unit_test(test_first_contact_breached),
        cmocka_unit_test(test_first_contact_urgent),
        cmocka_unit_test(test_transferred),
        cmocka_unit_test(test_decision_spring_festival),
        cmocka_unit_test(test_decision_national_day),
        cmocka_unit_test(test_callback_across_holidays),
        cmocka_unit_test(test_working_days),
        cmocka_unit_test(test_extension_check),
        cmocka_unit_test(test_extension_due),
        cmocka_unit_test(test_pause_single),
        cmocka_unit_test(test_pause_across_holidays),
        cmocka_unit_test(test_pause_overlap_nested),
        cmocka_unit_test(test_pause_open),
        cmocka_unit_test(test_pause_resume_checks),
        cmocka_unit_test(test_reopen_restarts),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_mediation_decision),
        cmocka_unit_test(test_late_decision_notice),
        cmocka_unit_test(test_cancel_and_import),
        cmocka_unit_test(test_alerts),
        cmocka_unit_test(test_alerts_after_reopen),
        cmocka_unit_test(test_to_json),
        cmocka_unit_test(test_fold_history),
        cmocka_unit_test(test_prop_pause_never_earlier),
        cmocka_unit_test(test_prop_resume_order),
        cmocka_unit_test(test_prop_bounds),
        cmocka_unit_test(test_prop_met_stays),
        cmocka_unit_test(test_prop_roundtrip),
    };
    return OMB_RUN_TESTS(tests, group_setup, group_teardown);
}
