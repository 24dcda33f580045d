/*
 * clock.h - the regulator's time limits of a complaint, derived from its
 * history.
 *
 * Rules are data (data/clocks.tsv): for each kind of clock its unit (hours,
 * calendar days, working days, or "the decision's deadline"), its amount,
 * tighter amounts by grade, the share of the time at which a warning is
 * due, and the amounts a decision may be extended to.  omb_clocks_compute()
 * is a pure function of the rules, the business calendar, the complaint's
 * events and "now": nothing is counted down and nothing drifts.  The same
 * events always give the same deadlines.
 *
 * Day limits follow the Civil Code's counting: the day of the event is not
 * counted, a limit ends at the end of its last day (local time), and a last
 * day that is not a working day moves to the next working day.  Time spent
 * in a pause (appraisal, testing, valuation, mediation, waiting for the
 * consumer's material) does not count: the union of the paused intervals is
 * added to the deadline, so overlapping pauses count once and a pause never
 * shortens a deadline.  A day limit whose days (from its start to its due
 * day) reach into a year the calendar marks `projected` is flagged
 * `projected`: its deadline rests on holidays that are not yet official.
 */
#ifndef OMB_CLOCK_H
#define OMB_CLOCK_H

#include "buf.h"
#include "calendar.h"
#include "complaint.h"
#include "err.h"
#include "event.h"
#include "timeutil.h"

#include <stdbool.h>
#include <stdint.h>

enum omb_clock_kind {
    OMB_CLOCK_FIRST_CONTACT,   /* received -> accepted/rejected: 24 hours */
    OMB_CLOCK_DECISION,        /* received by the institution -> decided: 15 days (30, 60) */
    OMB_CLOCK_NOTICE,          /* decided -> notified: within the decision's deadline */
    OMB_CLOCK_REVIEW_WINDOW,   /* notified -> the consumer may apply for review: 30 days */
    OMB_CLOCK_REVIEW_DECISION, /* review applied -> decided: 30 days */
    OMB_CLOCK_CALLBACK,        /* closed -> callback recorded: 7 days */
    OMB_CLOCK__COUNT
};

enum omb_clock_unit {
    OMB_UNIT_HOURS,
    OMB_UNIT_CALENDAR_DAYS,
    OMB_UNIT_WORKING_DAYS,
    OMB_UNIT_DECISION_DEADLINE, /* ends when the decision it follows was due */
};

/* Whose obligation a clock is: only the institution's are warned, escalated
 * and counted in compliance figures; the consumer's are windows. */
enum omb_clock_owner { OMB_OWNER_INSTITUTION, OMB_OWNER_CONSUMER };

typedef struct omb_clock_rule {
    enum omb_clock_unit unit;
    int amount;
    int by_grade[4];  /* tighter amount for each grade, 0 = the rule's amount */
    int warn_percent; /* warning when this share of the time has passed */
    int extend_to[2]; /* amounts an extension may reach (decision: 30, 60), 0 = none */
    enum omb_clock_owner owner;
} omb_clock_rule;

typedef struct omb_clock_rules {
    omb_clock_rule rule[OMB_CLOCK__COUNT];
} omb_clock_rules;

const char *omb_clock_kind_name(enum omb_clock_kind k);
int omb_clock_kind_parse(const char *name, enum omb_clock_kind *out);

/*
 * Parses data/clocks.tsv: '#' comments, then one line per kind:
 *   kind  unit  amount  warn_percent  general important urgent major  extend_1 extend_2  owner
 * with "-" for "none".  Every kind must be given exactly once.
 * Errors (OMB_EINVAL, line number in the message): clock_rules_syntax,
 * clock_rules_kind, clock_rules_value, clock_rules_missing, clock_rules_duplicate.
 */
int omb_clock_rules_parse(omb_clock_rules *out, const char *text, size_t len, omb_err *err);

enum omb_clock_state {
    OMB_CLK_RUNNING,   /* counting, not yet due */
    OMB_CLK_PAUSED,    /* at least one pause is open */
    OMB_CLK_BREACHED,  /* due and not met */
    OMB_CLK_MET,       /* met in time */
    OMB_CLK_MET_LATE,  /* met after it was due */
    OMB_CLK_CANCELLED, /* the complaint ended another way (rejected, withdrawn, merged) */
};

const char *omb_clock_state_name(enum omb_clock_state s);

#define OMB_PAUSES_MAX 16

typedef struct omb_clock_pause {
    int64_t id;      /* seq of the event that opened it */
    omb_ms from, to; /* to == 0 while open */
    char reason[24];
} omb_clock_pause;

typedef struct omb_clock {
    bool active; /* the complaint has (or had) this clock */
    enum omb_clock_kind kind;
    enum omb_clock_state state;
    enum omb_clock_unit unit;
    int amount;    /* the limit in force, after grade and extension */
    int extension; /* 0 none, 1 first step (30 days), 2 second step (60 days) */
    int runs;      /* 1, or more when new facts restarted it */
    omb_ms started_at;
    omb_ms due_at; /* with pauses, open ones counted up to now (or the stop) */
    omb_ms warn_at;
    omb_ms stopped_at; /* 0 while counting */
    omb_ms paused_ms;
    int n_pauses;
    omb_clock_pause pauses[OMB_PAUSES_MAX];
    bool warned;    /* a warning for this run is in the history */
    bool escalated; /* an escalation for this run is in the history */
    bool projected; /* a day limit whose days reach into a projected calendar year */
} omb_clock;

typedef struct omb_clocks {
    omb_clock clock[OMB_CLOCK__COUNT];
} omb_clocks;

/*
 * Computes every clock of a complaint from its events (in seq order) at
 * `now`.  Events that do not concern clocks are skipped.  tz_minutes is the
 * local offset used for day limits (Asia/Shanghai: +480).  Returns OMB_OK,
 * or OMB_EINVAL "clock_history" for a history it cannot follow (more than
 * OMB_PAUSES_MAX pauses in one run).
 */
int omb_clocks_compute(const omb_clock_rules *rules, const omb_calendar *cal, int tz_minutes,
                       const omb_event *events, size_t n, omb_ms now, omb_clocks *out,
                       omb_err *err);

/* The end of a limit of `amount` hours, calendar days or working days
 * started at t, counted as every clock counts (other limits use it: party
 * tasks, transfers). */
omb_ms omb_clock_limit_end(const omb_calendar *cal, int tz_minutes, enum omb_clock_unit unit,
                           int amount, omb_ms t);

/* The next moment the sweeper must look at a clock, or 0 for never:
 * the warning time, then the due time, while it runs unpaused. */
omb_ms omb_clock_next_alert(const omb_clock *c, const omb_clock_rules *rules);

/*
 * Checks an extension before it is recorded: the decision clock must be
 * counting and not yet due; `to_amount` must be one of the rule's steps and
 * beyond the limit in force; the second step needs a supervisor and a
 * recorded notice to the consumer.  Errors: OMB_EFIELD out_of_range
 * (not a step: e.g. past 60 days), OMB_ECONFLICT already_extended,
 * clock_stopped, clock_breached, OMB_EFORBIDDEN approval_required,
 * OMB_EFIELD missing_field (consumer_notice).
 */
int omb_clock_extension_check(const omb_clocks *clocks, const omb_clock_rules *rules, int to_amount,
                              enum omb_role role, bool consumer_notified, omb_ms now, omb_err *err);

/* Checks a pause (the clock must be counting and not yet due: ECONFLICT clock_stopped,
 * clock_breached, too_many_pauses) or a resume (the pause must be open: ECONFLICT
 * pause_not_open, EFIELD invalid_value for a pause this run of the clock does not have). */
int omb_clock_pause_check(const omb_clocks *clocks, enum omb_clock_kind kind, omb_err *err);
int omb_clock_resume_check(const omb_clocks *clocks, enum omb_clock_kind kind, int64_t pause_id,
                           omb_err *err);

/*
 * The clock-relevant history kept inside a complaint's document, so that a
 * reader can compute the clocks without loading every event.  Each entry is
 * [seq, type, at_ms, {the payload members clocks read}].
 */
bool omb_clock_event_relevant(const char *type);
/* The lead party a clock history last names (received, accepted), 0 for none:
 * its calendar counts the working days. */
int64_t omb_clock_events_lead_party(const json_t *list);
void omb_clock_events_append(json_t *list, const omb_event *ev);
/* Rebuilds events from such a list into evs[0..cap); payloads are borrowed
 * from the list (do not release them).  Returns the number of events. */
size_t omb_clock_events_from_json(const json_t *list, omb_event *evs, size_t cap);

/* The JSON view of the clocks at now: [{kind, state, started_at, due_at, ...}],
 * as text appended to b (what readers get) or as a JSON value. */
int omb_clocks_to_text(const omb_clocks *c, omb_ms now, omb_buf *b);
json_t *omb_clocks_to_json(const omb_clocks *c, omb_ms now);

#endif
