/*
 * calendar.c - the business calendar: parsing the layered TSV data and
 * counting working days; see calendar.h.
 *
 * Each layer's text is copied once; columns become NUL-terminated strings
 * inside that copy, so names point into it.  The dates of all layers are
 * merged into one array sorted by day (for a day listed in several layers
 * the last layer wins), with prefix sums of each listed date's effect on
 * the plain Monday-to-Friday count: -1 for a holiday on a weekday, +1 for a
 * make-up workday on a weekend, 0 otherwise.  Working days in (a, b] are
 * then the weekdays in (a, b] (closed form) plus the prefix-sum difference,
 * and the n-th working day after a day is found by binary search on that
 * count.
 */
#include "calendar.h"
#include "tsv.h"
#include "buf.h"
#include "timeutil.h"
#include "utf8.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCOLS 3
/* Day numbers are clamped to +-2^40 (about 3 billion years) so that no
   arithmetic below can overflow, whatever a caller passes. */
#define DAY_LIMIT ((int64_t)1 << 40)

typedef struct entry {
    int64_t day;
    const char *name;
    bool work;
} entry;

typedef struct year_kind {
    int year;
    int kind;
} year_kind;

struct omb_calendar {
    char **texts; /* one copy per layer; names point into them */
    size_t ntexts;
    entry *e;        /* sorted by day, one per day */
    int64_t *prefix; /* prefix[i]: sum of the effects of e[0..i) */
    size_t n;
    int64_t rest_weekdays; /* listed weekdays that are rest days (bounds searches) */
    year_kind *years;      /* sorted by year, one per year */
    size_t ny;
};

/* A parsed date or year line before the layers are merged. */
typedef struct pending {
    int64_t key; /* day, or year */
    const char *name;
    const char *text; /* the date or year as written */
    int kind;         /* 1 workday / 0 holiday; or OMB_CALENDAR_YEAR_* */
    size_t layer, line;
} pending;

typedef struct pvec {
    pending *v;
    size_t n, alloc;
} pvec;

static void pvec_push(pvec *p, pending x)
{
    if (p->n == p->alloc) {
        p->alloc = p->alloc ? p->alloc * 2 : 128;
        p->v = omb_xrealloc(p->v, p->alloc * sizeof *p->v);
    }
    p->v[p->n++] = x;
}

/* ---- weekdays --------------------------------------------------------------- */

static int64_t clamp_day(int64_t d)
{
    return d < -DAY_LIMIT ? -DAY_LIMIT : d > DAY_LIMIT ? DAY_LIMIT : d;
}

static int64_t floor_div7(int64_t a)
{
    int64_t q = a / 7;
    return (a % 7 != 0 && a < 0) ? q - 1 : q;
}

int omb_calendar_weekday(int64_t day)
{
    /* 1970-01-01 (day 0) was a Thursday (4); day -3 a Monday. */
    int64_t m = clamp_day(day) + 3;
    return (int)(m - 7 * floor_div7(m)) + 1;
}

static bool is_weekend(int64_t day)
{
    return omb_calendar_weekday(day) >= 6;
}

/* Monday-to-Friday days in [Monday 1969-12-29, x] (negative before it), so
   that weekdays(b) - weekdays(a) counts the weekdays in (a, b]. */
static int64_t weekdays(int64_t x)
{
    int64_t m = x + 3;
    int64_t w = floor_div7(m);
    int64_t r = m - 7 * w + 1; /* days of this week up to x: 1..7 */
    return 5 * w + (r < 5 ? r : 5);
}

/* ---- parsing ---------------------------------------------------------------- */

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool year_ok(const char *s, int *y)
{
    return strlen(s) == 4 && digits(s, 4, y) && *y >= 1970;
}

/* "YYYY-MM-DD", a real date from 1970-01-01 to 9999-12-31. */
static bool date_ok(const char *s, int64_t *day)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
        !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return false;
    if (y < 1970 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return false;
    *day = omb_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

/* "line 7" or "layer 2, line 7". */
static void where(char *out, size_t cap, size_t layer, size_t nlayers, size_t line)
{
    if (nlayers > 1)
        snprintf(out, cap, "layer %zu, line %zu", layer + 1, line);
    else
        snprintf(out, cap, "line %zu", line);
}

/* Checks one non-comment line and appends it to *dates or *years. */
static int parse_line(char *line, size_t len, size_t layer, size_t nlayers, size_t lineno,
                      pvec *dates, pvec *years, omb_err *err)
{
    char at[64];
    where(at, sizeof at, layer, nlayers, lineno);
    if (!omb_utf8_valid(line, len))
        return omb_fail(err, OMB_EINVAL, "calendar_syntax", NULL, "%s: invalid UTF-8", at);
    char *cols[NCOLS];
    size_t ncols = omb_tsv_split(line, cols, NCOLS);
    if (ncols != NCOLS)
        return omb_fail(err, OMB_EINVAL, "calendar_syntax", NULL,
                        "%s: expected 3 tab-separated columns (date, holiday|workday, name or "
                        "year, YYYY, official|projected), found %zu",
                        at, ncols);
    if (strcmp(cols[0], "year") == 0) {
        int y;
        if (!year_ok(cols[1], &y))
            return omb_fail(err, OMB_EINVAL, "calendar_date", NULL,
                            "%s: \"%.40s\" is not a year (YYYY, 1970-9999)", at, cols[1]);
        int kind = strcmp(cols[2], "official") == 0    ? OMB_CALENDAR_YEAR_OFFICIAL
                   : strcmp(cols[2], "projected") == 0 ? OMB_CALENDAR_YEAR_PROJECTED
                                                       : OMB_CALENDAR_YEAR_NONE;
        if (kind == OMB_CALENDAR_YEAR_NONE)
            return omb_fail(err, OMB_EINVAL, "calendar_kind", NULL,
                            "%s: year kind \"%.40s\" is neither official nor projected", at,
                            cols[2]);
        pvec_push(years, (pending){y, NULL, cols[1], kind, layer, lineno});
        return OMB_OK;
    }
    int64_t day;
    if (!date_ok(cols[0], &day))
        return omb_fail(err, OMB_EINVAL, "calendar_date", NULL,
                        "%s: \"%.40s\" is not a date (YYYY-MM-DD, from 1970-01-01)", at, cols[0]);
    bool work;
    if (strcmp(cols[1], "holiday") == 0)
        work = false;
    else if (strcmp(cols[1], "workday") == 0)
        work = true;
    else
        return omb_fail(err, OMB_EINVAL, "calendar_kind", NULL,
                        "%s: \"%.40s\" is neither holiday nor workday", at, cols[1]);
    size_t nn = strlen(cols[2]);
    if (nn == 0 || omb_tsv_blank(cols[2], nn))
        return omb_fail(err, OMB_EINVAL, "calendar_syntax", NULL, "%s: the name of %s is empty", at,
                        cols[0]);
    if (nn > OMB_CALENDAR_NAME_MAX)
        return omb_fail(err, OMB_EINVAL, "calendar_syntax", NULL,
                        "%s: the name of %s is longer than %d bytes", at, cols[0],
                        OMB_CALENDAR_NAME_MAX);
    pvec_push(dates, (pending){day, cols[2], cols[0], work, layer, lineno});
    return OMB_OK;
}

/* Orders by key, then layer, then line: the merge keeps the last of a key. */
static int pending_cmp(const void *pa, const void *pb)
{
    const pending *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->layer != b->layer)
        return a->layer < b->layer ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

/* v[0..n) is one layer's lines, sorted: reports the duplicate whose second
   occurrence comes first in the text. */
static int check_duplicates(const pending *v, size_t n, size_t nlayers, const char *what,
                            omb_err *err)
{
    const pending *dup = NULL, *first = NULL;
    for (size_t i = 1; i < n; i++) {
        if (v[i].key != v[i - 1].key)
            continue;
        if (!dup || v[i].line < dup->line) {
            dup = &v[i];
            first = &v[i - 1];
            /* the first of a run of equal keys is the earliest line */
            for (size_t j = i - 1; j > 0 && v[j - 1].key == v[i].key; j--)
                first = &v[j - 1];
        }
    }
    if (!dup)
        return OMB_OK;
    char at[64];
    where(at, sizeof at, dup->layer, nlayers, dup->line);
    return omb_fail(err, OMB_EINVAL, "calendar_duplicate", NULL,
                    "%s: %s %s is listed twice (first on line %zu)", at, what, dup->text,
                    first->line);
}

/* Sorts p->v[from..n), one layer's lines, and checks it for duplicates. */
static int sort_and_check(pvec *p, size_t from, size_t nlayers, const char *what, omb_err *err)
{
    if (p->n - from < 2)
        return OMB_OK; /* also keeps a NULL p->v away from qsort */
    qsort(p->v + from, p->n - from, sizeof *p->v, pending_cmp);
    return check_duplicates(p->v + from, p->n - from, nlayers, what, err);
}

/* Parses one layer into the copy c->texts[layer], appending its lines. */
static int parse_layer(omb_calendar *c, size_t layer, size_t nlayers, const char *text, size_t len,
                       pvec *dates, pvec *years, omb_err *err)
{
    if (!text)
        len = 0;
    if (len && text[len - 1] == '\0')
        len--;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    char *copy = c->texts[layer] = omb_xstrndup(len ? text : "", len);
    size_t d0 = dates->n, y0 = years->n;
    char *p = copy, *end = copy + len;
    for (size_t lineno = 1; p < end; lineno++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - p);
        if (n && p[n - 1] == '\r')
            n--;
        p[n] = '\0';
        if (n && p[0] != '#' && !omb_tsv_blank(p, n)) {
            int rc = parse_line(p, n, layer, nlayers, lineno, dates, years, err);
            if (rc)
                return rc;
        }
        p = nl ? nl + 1 : end;
    }
    if (dates->n == d0 && years->n == y0) {
        if (nlayers > 1)
            return omb_fail(err, OMB_EINVAL, "calendar_empty", NULL,
                            "layer %zu holds no dates and no years", layer + 1);
        return omb_fail(err, OMB_EINVAL, "calendar_empty", NULL,
                        "the calendar holds no dates and no years");
    }
    int rc = sort_and_check(dates, d0, nlayers, "date", err);
    return rc ? rc : sort_and_check(years, y0, nlayers, "year", err);
}

/* Merges all layers' dates (last layer wins) and builds the prefix sums. */
static void build(omb_calendar *c, pvec *dates, pvec *years)
{
    if (dates->n > 1)
        qsort(dates->v, dates->n, sizeof *dates->v, pending_cmp);
    c->e = omb_xcalloc(dates->n ? dates->n : 1, sizeof *c->e);
    for (size_t i = 0; i < dates->n; i++) {
        const pending *d = &dates->v[i];
        if (i + 1 < dates->n && dates->v[i + 1].key == d->key)
            continue; /* a later layer lists the same day */
        c->e[c->n++] = (entry){d->key, d->name, d->kind == 1};
    }
    c->prefix = omb_xcalloc(c->n + 1, sizeof *c->prefix);
    for (size_t i = 0; i < c->n; i++) {
        bool weekend = is_weekend(c->e[i].day);
        int effect = c->e[i].work ? (weekend ? 1 : 0) : (weekend ? 0 : -1);
        c->prefix[i + 1] = c->prefix[i] + effect;
        c->rest_weekdays += effect < 0;
    }
    if (years->n > 1)
        qsort(years->v, years->n, sizeof *years->v, pending_cmp);
    c->years = omb_xcalloc(years->n ? years->n : 1, sizeof *c->years);
    for (size_t i = 0; i < years->n; i++) {
        if (i + 1 < years->n && years->v[i + 1].key == years->v[i].key)
            continue;
        c->years[c->ny++] = (year_kind){(int)years->v[i].key, years->v[i].kind};
    }
}

int omb_calendar_parse(omb_calendar **out, const char *const *texts, const size_t *lens,
                       size_t n_layers, omb_err *err)
{
    *out = NULL;
    if (n_layers == 0)
        return omb_fail(err, OMB_EINVAL, "calendar_empty", NULL, "no calendar layers");
    omb_calendar *c = omb_xcalloc(1, sizeof *c);
    c->texts = omb_xcalloc(n_layers, sizeof *c->texts);
    c->ntexts = n_layers;
    pvec dates = {0}, years = {0};
    int rc = OMB_OK;
    for (size_t i = 0; i < n_layers && rc == OMB_OK; i++)
        rc = parse_layer(c, i, n_layers, texts[i], lens[i], &dates, &years, err);
    if (rc == OMB_OK)
        build(c, &dates, &years);
    free(dates.v);
    free(years.v);
    if (rc) {
        omb_calendar_free(c);
        return rc;
    }
    *out = c;
    return OMB_OK;
}

void omb_calendar_free(omb_calendar *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->ntexts; i++)
        free(c->texts[i]);
    free(c->texts);
    free(c->e);
    free(c->prefix);
    free(c->years);
    free(c);
}

/* ---- lookups ---------------------------------------------------------------- */

/* Number of listed dates <= day. */
static size_t upto(const omb_calendar *c, int64_t day)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->e[mid].day <= day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const entry *find(const omb_calendar *c, int64_t day)
{
    size_t i = upto(c, day);
    return (i > 0 && c->e[i - 1].day == day) ? &c->e[i - 1] : NULL;
}

bool omb_calendar_is_workday(const omb_calendar *c, int64_t day)
{
    day = clamp_day(day);
    const entry *e = find(c, day);
    return e ? e->work : !is_weekend(day);
}

const char *omb_calendar_name(const omb_calendar *c, int64_t day)
{
    const entry *e = find(c, clamp_day(day));
    return e ? e->name : NULL;
}

/* Working days in (a, b], a <= b, both clamped. */
static int64_t count(const omb_calendar *c, int64_t a, int64_t b)
{
    return weekdays(b) - weekdays(a) + c->prefix[upto(c, b)] - c->prefix[upto(c, a)];
}

/* A span of days that surely holds k working days: any 7*q days hold 5*q
   weekdays, of which at most rest_weekdays are listed rest days. */
static int64_t span_for(const omb_calendar *c, int64_t k)
{
    return 7 * ((k + c->rest_weekdays + 4) / 5) + 7;
}

/* The k-th (k >= 1) working day strictly after a. */
static int64_t nth_after(const omb_calendar *c, int64_t a, int64_t k)
{
    int64_t lo = a + 1, hi = a + span_for(c, k);
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (count(c, a, mid) >= k)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The k-th (k >= 1) working day strictly before a. */
static int64_t nth_before(const omb_calendar *c, int64_t a, int64_t k)
{
    int64_t lo = a - span_for(c, k), hi = a - 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo + 1) / 2;
        if (count(c, mid - 1, a - 1) >= k)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

int64_t omb_calendar_next_workday(const omb_calendar *c, int64_t day)
{
    return nth_after(c, clamp_day(day) - 1, 1);
}

int64_t omb_calendar_add_workdays(const omb_calendar *c, int64_t day, int n)
{
    day = clamp_day(day);
    if (n == 0)
        return nth_after(c, day - 1, 1);
    if (n > 0)
        return nth_after(c, day, n);
    return nth_before(c, day, -(int64_t)n);
}

int omb_calendar_workdays_between(const omb_calendar *c, int64_t from, int64_t to)
{
    from = clamp_day(from);
    to = clamp_day(to);
    int64_t w = to >= from ? count(c, from, to) : -count(c, to, from);
    return w > INT_MAX ? INT_MAX : w < INT_MIN ? INT_MIN : (int)w;
}

int omb_calendar_year_kind(const omb_calendar *c, int year)
{
    size_t lo = 0, hi = c->ny;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->years[mid].year == year)
            return c->years[mid].kind;
        if (c->years[mid].year < year)
            lo = mid + 1;
        else
            hi = mid;
    }
    return OMB_CALENDAR_YEAR_NONE;
}

bool omb_calendar_covers(const omb_calendar *c, int year)
{
    return omb_calendar_year_kind(c, year) != OMB_CALENDAR_YEAR_NONE;
}

bool omb_calendar_projected_between(const omb_calendar *c, int64_t from, int64_t to)
{
    int yf, yt;
    unsigned m, d;
    omb_civil_from_days(clamp_day(from), &yf, &m, &d);
    omb_civil_from_days(clamp_day(to), &yt, &m, &d);
    for (size_t i = 0; i < c->ny; i++)
        if (c->years[i].kind == OMB_CALENDAR_YEAR_PROJECTED && c->years[i].year >= yf &&
            c->years[i].year <= yt)
            return true;
    return false;
}

int omb_calendar_warning(const omb_calendar *c, int64_t today, int ahead, int64_t *until)
{
    *until = 0;
    if (!c->ny)
        return OMB_CALENDAR_WARN_NONE;
    int last = c->years[c->ny - 1].year, official = 0;
    for (size_t i = 0; i < c->ny; i++)
        if (c->years[i].kind == OMB_CALENDAR_YEAR_OFFICIAL)
            official = c->years[i].year;
    int64_t horizon = clamp_day(today) + (ahead > 0 ? ahead : 0);
    int64_t end = omb_days_from_civil(last + 1, 1, 1) - 1;
    if (horizon >= end) {
        *until = end;
        return OMB_CALENDAR_WARN_ENDING;
    }
    if (official == last)
        return OMB_CALENDAR_WARN_NONE;
    end = official ? omb_days_from_civil(official + 1, 1, 1) - 1
                   : omb_days_from_civil(c->years[0].year, 1, 1) - 1;
    if (horizon < end)
        return OMB_CALENDAR_WARN_NONE;
    *until = end;
    return OMB_CALENDAR_WARN_PROJECTED;
}
