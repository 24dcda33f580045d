/*
 * calendar.h - the business calendar: which days are working days (工作日)
 * in mainland China, for every rule that counts working days.
 *
 * The model.  A day is a day number (days since 1970-01-01, see
 * omb_days_from_civil in timeutil.h; 1970-01-01 was a Thursday).  Saturday
 * and Sunday are rest days and Monday to Friday working days, except for
 * the dates the calendar data lists: a `holiday` is a rest day (public
 * holidays, listed day by day, weekend days inside a holiday block too so
 * that their name shows), a `workday` is a working day (the make-up working
 * weekends, 调休, that pay for a long holiday block).  `year` lines say which
 * years the data covers and whether the year is the official State Council
 * arrangement or a projection; outside the covered years the rule is just
 * "weekends are rest days" (the data cannot know the holidays), which
 * omb_calendar_covers() lets a caller notice.
 *
 * The data is TSV (data/calendar.tsv, embedded as omb_embed_calendar_tsv):
 * '#' comment lines and blank lines are ignored; otherwise
 *     YYYY-MM-DD<TAB>holiday|workday<TAB>name
 *     year<TAB>YYYY<TAB>official|projected
 * Dates run from 1970-01-01 to 9999-12-31.  The text may carry a UTF-8 BOM,
 * CRLF line ends and one trailing NUL.
 *
 * Layers.  omb_calendar_parse() takes one or more texts: the national
 * calendar first, then e.g. a party's own calendar.  A later layer overrides
 * an earlier one date by date (a party may work on a national holiday, or
 * add a company holiday), and its `year` lines override the year's kind.
 * Within one layer a date or a year may appear only once.
 *
 * The result is immutable and may be shared between threads.  Lookups are
 * a binary search over the sorted, merged dates; counting working days uses
 * a closed form for weekdays plus prefix sums over the listed dates, so
 * omb_calendar_workdays_between() is O(log n) and omb_calendar_add_workdays()
 * O(log(span) * log n), whatever the number of days.  Pure: no I/O.
 */
#ifndef OMB_CALENDAR_H
#define OMB_CALENDAR_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest name in bytes. */
#define OMB_CALENDAR_NAME_MAX 200

/* Values of omb_calendar_year_kind(). */
enum omb_calendar_year {
    OMB_CALENDAR_YEAR_NONE = 0,
    OMB_CALENDAR_YEAR_OFFICIAL = 1,
    OMB_CALENDAR_YEAR_PROJECTED = 2,
};

typedef struct omb_calendar omb_calendar; /* opaque, immutable after parse */

/*
 * Parses n_layers texts (texts[i] of lens[i] bytes, need not be
 * NUL-terminated; texts[i] may be NULL when lens[i] is 0) into *out, which
 * the caller frees with omb_calendar_free().  On failure *out is NULL and
 * OMB_EINVAL is returned with err->code one of
 *   calendar_syntax     wrong column count, empty or too long name, invalid UTF-8
 *   calendar_date       not a valid YYYY-MM-DD date or YYYY year
 *   calendar_kind       neither holiday nor workday (official nor projected)
 *   calendar_duplicate  the same date (or year) twice within one layer
 *   calendar_empty      no layers, or a layer without a single date or year
 * and the message naming the line ("line 7: ...", "layer 2, line 7: ..."
 * when there is more than one layer).
 */
int omb_calendar_parse(omb_calendar **out, const char *const *texts, const size_t *lens,
                       size_t n_layers, omb_err *err);

void omb_calendar_free(omb_calendar *c);

/* ISO weekday of a day number: 1 Monday ... 7 Sunday. */
int omb_calendar_weekday(int64_t day);

bool omb_calendar_is_workday(const omb_calendar *c, int64_t day);

/* The name of the holiday or make-up day on `day` ("春节 / Spring Festival"),
   or NULL for an ordinary day.  Valid as long as the calendar. */
const char *omb_calendar_name(const omb_calendar *c, int64_t day);

/* First working day >= day. */
int64_t omb_calendar_next_workday(const omb_calendar *c, int64_t day);

/*
 * The n-th working day strictly after `day` (n >= 1); n == 0 returns
 * omb_calendar_next_workday(day); n < 0 returns the |n|-th working day
 * strictly before `day`.
 */
int64_t omb_calendar_add_workdays(const omb_calendar *c, int64_t day, int n);

/*
 * Working days in (from, to]: how many working days after `from` up to and
 * including `to`; 0 when to == from, and minus the count of (to, from] when
 * to < from.  Clamped to the int range.
 */
int omb_calendar_workdays_between(const omb_calendar *c, int64_t from, int64_t to);

/* Whether a year is covered by the data (a `year` line in any layer); outside
   the covered years only weekends count as rest days. */
bool omb_calendar_covers(const omb_calendar *c, int year);

/* OMB_CALENDAR_YEAR_NONE (0), _OFFICIAL (1) or _PROJECTED (2); the last
   layer with a `year` line for that year decides. */
int omb_calendar_year_kind(const omb_calendar *c, int year);

/* Whether a day in [from, to] lies in a year the data marks `projected`: a
   count over those days rests on holidays that are not yet official. */
bool omb_calendar_projected_between(const omb_calendar *c, int64_t from, int64_t to);

/* Values of omb_calendar_warning(). */
enum omb_calendar_warn {
    OMB_CALENDAR_WARN_NONE = 0,
    OMB_CALENDAR_WARN_PROJECTED = 1, /* the official years end soon; projected ones follow */
    OMB_CALENDAR_WARN_ENDING = 2,    /* the covered years end soon (or have ended) */
};

/*
 * What the calendar warns of on `today` (a day number) looking `ahead` days
 * on: _ENDING when the last covered year ends before today + ahead (*until:
 * its last day), else _PROJECTED when the last official year does and a
 * projected year follows it (*until: the last official day; the day before
 * the first covered year when no year is official), else _NONE.
 */
int omb_calendar_warning(const omb_calendar *c, int64_t today, int ahead, int64_t *until);

#endif
