/*
 * clock.c - deadlines derived from a complaint's events; see clock.h.
 *
 * The computation walks the events once.  Each event type has an entry in
 * the effects table saying which clocks it starts, meets or cancels; the
 * few events that carry more (extensions, pauses, alerts, grade changes)
 * have their own step.  Due times are computed from the facts collected,
 * never stored and counted down.
 */
#include "buf.h"
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(k)   (1u << (k))

static const char *const kind_names[OMB_CLOCK__COUNT] = {
    [OMB_CLOCK_FIRST_CONTACT] = "first_contact",
    [OMB_CLOCK_DECISION] = "decision",
    [OMB_CLOCK_NOTICE] = "notice",
    [OMB_CLOCK_REVIEW_WINDOW] = "review_window",
    [OMB_CLOCK_REVIEW_DECISION] = "review_decision",
    [OMB_CLOCK_CALLBACK] = "callback",
};

static const char *const state_names[] = {
    [OMB_CLK_RUNNING] = "running",   [OMB_CLK_PAUSED] = "paused",
    [OMB_CLK_BREACHED] = "breached", [OMB_CLK_MET] = "met",
    [OMB_CLK_MET_LATE] = "met_late", [OMB_CLK_CANCELLED] = "cancelled",
};

static const char *const unit_names[] = {
    [OMB_UNIT_HOURS] = "hours",
    [OMB_UNIT_CALENDAR_DAYS] = "calendar_days",
    [OMB_UNIT_WORKING_DAYS] = "working_days",
    [OMB_UNIT_DECISION_DEADLINE] = "decision_deadline",
};

const char *omb_clock_kind_name(enum omb_clock_kind k)
{
    return (unsigned)k < OMB_CLOCK__COUNT ? kind_names[k] : "unknown";
}

int omb_clock_kind_parse(const char *name, enum omb_clock_kind *out)
{
    for (unsigned i = 0; i < OMB_CLOCK__COUNT; i++)
        if (strcmp(kind_names[i], name) == 0) {
            *out = (enum omb_clock_kind)i;
            return OMB_OK;
        }
    return OMB_EINVAL;
}

const char *omb_clock_state_name(enum omb_clock_state s)
{
    return (unsigned)s < COUNT(state_names) ? state_names[s] : "unknown";
}

/* ---- rules ------------------------------------------------------------------ */

static int parse_amount(const char *s, int *out)
{
    if (strcmp(s, "-") == 0) {
        *out = 0;
        return OMB_OK;
    }
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end || v < 1 || v > 100000)
        return OMB_EINVAL;
    *out = (int)v;
    return OMB_OK;
}

#define RULE_COLUMNS 11

int omb_clock_rules_parse(omb_clock_rules *out, const char *text, size_t len, omb_err *err)
{
    memset(out, 0, sizeof *out);
    bool seen[OMB_CLOCK__COUNT] = {false};
    char line[512];
    size_t pos = 0;
    int lineno = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        lineno++;
        size_t n = end - pos;
        if (n >= sizeof line)
            return omb_fail(err, OMB_EINVAL, "clock_rules_syntax", NULL, "line %d is too long",
                            lineno);
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos = end + 1;
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        char *col[RULE_COLUMNS];
        int nc = 0;
        for (char *p = line;; nc++) { /* counts every column: extra ones are an error too */
            if (nc < RULE_COLUMNS)
                col[nc] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        nc++;
        if (nc != RULE_COLUMNS)
            return omb_fail(err, OMB_EINVAL, "clock_rules_syntax", NULL,
                            "line %d: expected %d tab-separated columns", lineno, RULE_COLUMNS);
        enum omb_clock_kind k;
        if (omb_clock_kind_parse(col[0], &k))
            return omb_fail(err, OMB_EINVAL, "clock_rules_kind", NULL, "line %d: unknown clock %s",
                            lineno, col[0]);
        if (seen[k])
            return omb_fail(err, OMB_EINVAL, "clock_rules_duplicate", NULL,
                            "line %d: clock %s given twice", lineno, col[0]);
        seen[k] = true;
        omb_clock_rule *r = &out->rule[k];
        size_t u = 0;
        while (u < COUNT(unit_names) && strcmp(unit_names[u], col[1]) != 0)
            u++;
        int warn = 0;
        bool bad = u == COUNT(unit_names) || parse_amount(col[3], &warn) || warn > 99;
        r->unit = (enum omb_clock_unit)u;
        if (!bad && r->unit == OMB_UNIT_DECISION_DEADLINE)
            bad = strcmp(col[2], "-") != 0;
        else if (!bad)
            bad = parse_amount(col[2], &r->amount) || r->amount == 0;
        r->warn_percent = warn;
        for (int g = 0; !bad && g < 4; g++)
            bad = parse_amount(col[4 + g], &r->by_grade[g]) != OMB_OK;
        for (int e = 0; !bad && e < 2; e++)
            bad = parse_amount(col[8 + e], &r->extend_to[e]) != OMB_OK;
        if (!bad && strcmp(col[10], "institution") == 0)
            r->owner = OMB_OWNER_INSTITUTION;
        else if (!bad && strcmp(col[10], "consumer") == 0)
            r->owner = OMB_OWNER_CONSUMER;
        else
            bad = true;
        if (bad)
            return omb_fail(err, OMB_EINVAL, "clock_rules_value", NULL,
                            "line %d: a value of clock %s is not valid", lineno, col[0]);
    }
    for (unsigned k = 0; k < OMB_CLOCK__COUNT; k++)
        if (!seen[k])
            return omb_fail(err, OMB_EINVAL, "clock_rules_missing", NULL, "no rule for clock %s",
                            kind_names[k]);
    return OMB_OK;
}

/* ---- time arithmetic ------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t local_day(omb_ms t, int tz)
{
    return floor_div(t + tz * 60000LL, OMB_MS_PER_DAY);
}

/* The last millisecond of local day d. */
static omb_ms end_of_day(int64_t d, int tz)
{
    return (d + 1) * OMB_MS_PER_DAY - tz * 60000LL - 1;
}

/*
 * The end of a limit of `amount` units started at `t`, lengthened by `paused` (the time
 * spent in pauses): exact for hours.  For day limits the paused time lengthens the period
 * first, rounded up to whole days, and only the last day of the lengthened period moves to
 * the next working day when it is a rest day; moving the unpaused last day first would
 * count the rest days after it on top of the pause.
 */
static omb_ms limit_end(const omb_calendar *cal, int tz, enum omb_clock_unit unit, int amount,
                        omb_ms t, omb_ms paused)
{
    int64_t last;
    switch (unit) {
    case OMB_UNIT_HOURS:
        return t + (omb_ms)amount * OMB_MS_PER_HOUR + paused;
    case OMB_UNIT_CALENDAR_DAYS:
        last = local_day(t, tz) + amount;
        break;
    case OMB_UNIT_WORKING_DAYS:
        last = omb_calendar_add_workdays(cal, local_day(t, tz), amount);
        break;
    default:
        return t;
    }
    if (paused > 0)
        last = local_day(end_of_day(last, tz) + paused, tz);
    return end_of_day(omb_calendar_next_workday(cal, last), tz);
}

omb_ms omb_clock_limit_end(const omb_calendar *cal, int tz_minutes, enum omb_clock_unit unit,
                           int amount, omb_ms t)
{
    return limit_end(cal, tz_minutes, unit, amount, t, 0);
}

/* Length of the union of the pauses of c, clipped to [started_at, until]. */
static omb_ms paused_total(const omb_clock *c, omb_ms until)
{
    omb_ms from[OMB_PAUSES_MAX], to[OMB_PAUSES_MAX];
    int n = 0;
    for (int i = 0; i < c->n_pauses; i++) {
        omb_ms f = c->pauses[i].from < c->started_at ? c->started_at : c->pauses[i].from;
        omb_ms t = c->pauses[i].to ? c->pauses[i].to : until;
        if (t > until)
            t = until;
        if (t <= f)
            continue;
        int k = n++;
        while (k > 0 && from[k - 1] > f) { /* insertion sort by start */
            from[k] = from[k - 1];
            to[k] = to[k - 1];
            k--;
        }
        from[k] = f;
        to[k] = t;
    }
    omb_ms total = 0, cur_from = 0, cur_to = 0;
    for (int i = 0; i < n; i++) {
        if (i == 0 || from[i] > cur_to) {
            total += cur_to - cur_from;
            cur_from = from[i];
            cur_to = to[i];
        } else if (to[i] > cur_to) {
            cur_to = to[i];
        }
    }
    return total + (cur_to - cur_from);
}

/* ---- the walk over the events ------------------------------------------------------ */

typedef struct walk {
    const omb_clock_rules *rules;
    const omb_calendar *cal;
    int tz;
    enum omb_grade grade;
    omb_clocks *out;
    omb_ms decision_due_at_stop; /* due of the decision clock that the last decision met */
} walk;

static int amount_in_force(const walk *w, const omb_clock *c)
{
    const omb_clock_rule *r = &w->rules->rule[c->kind];
    if (c->extension > 0 && r->extend_to[c->extension - 1])
        return r->extend_to[c->extension - 1];
    int g = r->by_grade[w->grade];
    return g ? g : r->amount;
}

/* Due time of c counting pauses up to `until`. */
static omb_ms due_of(const walk *w, omb_clock *c, omb_ms until, omb_ms fixed_due)
{
    if (c->unit == OMB_UNIT_DECISION_DEADLINE)
        return fixed_due;
    if (!c->stopped_at) /* a stopped clock keeps the limit it stopped under (see stop()) */
        c->amount = amount_in_force(w, c);
    c->paused_ms = paused_total(c, until);
    return limit_end(w->cal, w->tz, c->unit, c->amount, c->started_at, c->paused_ms);
}

static void start(walk *w, enum omb_clock_kind k, omb_ms at)
{
    omb_clock *c = &w->out->clock[k];
    int runs = c->active ? c->runs : 0;
    memset(c, 0, sizeof *c);
    c->active = true;
    c->kind = k;
    c->unit = w->rules->rule[k].unit;
    c->runs = runs + 1;
    c->started_at = at;
    c->state = OMB_CLK_RUNNING;
}

static bool counting(const omb_clock *c)
{
    return c->active && c->stopped_at == 0;
}

/* Stops a counting clock as met (in time or late; decided at the end) or cancelled. */
static void stop(walk *w, enum omb_clock_kind k, omb_ms at, bool cancel)
{
    omb_clock *c = &w->out->clock[k];
    if (!counting(c))
        return;
    /* The limit in force when the clock stops is final: a later change of grade does
       not turn a clock met in time into a late one, or the other way round. */
    c->amount = amount_in_force(w, c);
    c->stopped_at = at;
    /* Close open pauses at the stop. */
    for (int i = 0; i < c->n_pauses; i++)
        if (!c->pauses[i].to)
            c->pauses[i].to = at;
    c->state = cancel ? OMB_CLK_CANCELLED : OMB_CLK_MET;
}

enum { E_START_RECEIVED = 1, E_STOP, E_CANCEL, E_START };

/* What each event type does to which clocks. */
static const struct {
    const char *type;
    uint32_t starts, meets, cancels;
} effects[] = {
    {"received", BIT(OMB_CLOCK_FIRST_CONTACT) | BIT(OMB_CLOCK_DECISION), 0, 0},
    {"accepted", 0, BIT(OMB_CLOCK_FIRST_CONTACT), 0},
    {"rejected", 0, BIT(OMB_CLOCK_FIRST_CONTACT),
     BIT(OMB_CLOCK_DECISION) | BIT(OMB_CLOCK_NOTICE) | BIT(OMB_CLOCK_REVIEW_DECISION)},
    {"merged", 0, BIT(OMB_CLOCK_FIRST_CONTACT),
     BIT(OMB_CLOCK_DECISION) | BIT(OMB_CLOCK_NOTICE) | BIT(OMB_CLOCK_REVIEW_DECISION)},
    {"withdrawn", 0, BIT(OMB_CLOCK_FIRST_CONTACT),
     BIT(OMB_CLOCK_DECISION) | BIT(OMB_CLOCK_NOTICE) | BIT(OMB_CLOCK_REVIEW_DECISION)},
    {"decided", BIT(OMB_CLOCK_NOTICE), BIT(OMB_CLOCK_DECISION) | BIT(OMB_CLOCK_REVIEW_DECISION), 0},
    {"notified", BIT(OMB_CLOCK_REVIEW_WINDOW), BIT(OMB_CLOCK_NOTICE), 0},
    {"review_requested", BIT(OMB_CLOCK_REVIEW_DECISION), BIT(OMB_CLOCK_REVIEW_WINDOW), 0},
    {"mediation_referred", 0, BIT(OMB_CLOCK_REVIEW_WINDOW), 0},
    {"closed", BIT(OMB_CLOCK_CALLBACK), BIT(OMB_CLOCK_REVIEW_WINDOW),
     BIT(OMB_CLOCK_NOTICE) | BIT(OMB_CLOCK_REVIEW_DECISION)},
    {"reopened", BIT(OMB_CLOCK_DECISION), 0, BIT(OMB_CLOCK_CALLBACK)},
    {"callback_recorded", 0, BIT(OMB_CLOCK_CALLBACK), 0},
};

static int clock_of_payload(const omb_event *ev, enum omb_clock_kind dflt, enum omb_clock_kind *k)
{
    const char *name = omb_json_str(ev->payload, "clock", NULL);
    if (!name) {
        *k = dflt;
        return OMB_OK;
    }
    return omb_clock_kind_parse(name, k);
}

static int step_special(walk *w, const omb_event *ev, omb_err *err)
{
    enum omb_clock_kind k;
    if (strcmp(ev->type, "extended") == 0) {
        if (clock_of_payload(ev, OMB_CLOCK_DECISION, &k))
            return OMB_OK;
        omb_clock *c = &w->out->clock[k];
        int64_t days = omb_json_int(ev->payload, "days", 0);
        const omb_clock_rule *r = &w->rules->rule[k];
        for (int e = 0; e < 2; e++)
            if (r->extend_to[e] && r->extend_to[e] == days && counting(c))
                c->extension = e + 1;
    } else if (strcmp(ev->type, "paused") == 0) {
        if (clock_of_payload(ev, OMB_CLOCK_DECISION, &k))
            return OMB_OK;
        omb_clock *c = &w->out->clock[k];
        if (!counting(c))
            return OMB_OK;
        if (c->n_pauses == OMB_PAUSES_MAX)
            return omb_fail(err, OMB_EINVAL, "clock_history", NULL,
                            "more than %d pauses in one run of the %s clock", OMB_PAUSES_MAX,
                            kind_names[k]);
        omb_clock_pause *p = &c->pauses[c->n_pauses++];
        memset(p, 0, sizeof *p);
        p->id = ev->seq;
        p->from = ev->at;
        snprintf(p->reason, sizeof p->reason, "%s",
                 omb_json_str(ev->payload, "reason_code", "other"));
    } else if (strcmp(ev->type, "resumed") == 0) {
        if (clock_of_payload(ev, OMB_CLOCK_DECISION, &k))
            return OMB_OK;
        omb_clock *c = &w->out->clock[k];
        int64_t id = omb_json_int(ev->payload, "pause", 0);
        for (int i = 0; i < c->n_pauses; i++)
            if (c->pauses[i].id == id && !c->pauses[i].to)
                c->pauses[i].to = ev->at;
    } else if (strcmp(ev->type, "clock_warning") == 0 || strcmp(ev->type, "clock_escalated") == 0) {
        if (clock_of_payload(ev, OMB_CLOCK_DECISION, &k))
            return OMB_OK;
        omb_clock *c = &w->out->clock[k];
        if (!c->active || omb_json_int(ev->payload, "run", 0) != c->runs)
            return OMB_OK;
        if (ev->type[6] == 'w')
            c->warned = true;
        else
            c->escalated = c->warned = true;
    } else if (strcmp(ev->type, "classified") == 0) {
        const char *g = omb_json_str(ev->payload, "grade", NULL);
        if (g)
            omb_grade_parse(g, &w->grade);
    }
    return OMB_OK;
}

static void step_effects(walk *w, const omb_event *ev)
{
    for (size_t i = 0; i < COUNT(effects); i++) {
        if (strcmp(effects[i].type, ev->type) != 0)
            continue;
        /* A decision meets whichever decision clock was counting; the notice
         * that follows is due when that clock was due. */
        if (effects[i].meets & BIT(OMB_CLOCK_DECISION)) {
            w->decision_due_at_stop = 0; /* none counting: see omb_clocks_compute() */
            for (int k = OMB_CLOCK_DECISION; k <= OMB_CLOCK_REVIEW_DECISION;
                 k += OMB_CLOCK_REVIEW_DECISION - OMB_CLOCK_DECISION) {
                omb_clock *c = &w->out->clock[k];
                if (counting(c)) {
                    w->decision_due_at_stop = due_of(w, c, ev->at, 0);
                    break;
                }
            }
        }
        for (unsigned k = 0; k < OMB_CLOCK__COUNT; k++) {
            if (effects[i].meets & BIT(k))
                stop(w, (enum omb_clock_kind)k, ev->at, false);
            if (effects[i].cancels & BIT(k))
                stop(w, (enum omb_clock_kind)k, ev->at, true);
        }
        for (unsigned k = 0; k < OMB_CLOCK__COUNT; k++)
            if (effects[i].starts & BIT(k))
                start(w, (enum omb_clock_kind)k, ev->at);
        return;
    }
}

int omb_clocks_compute(const omb_clock_rules *rules, const omb_calendar *cal, int tz_minutes,
                       const omb_event *events, size_t n, omb_ms now, omb_clocks *out, omb_err *err)
{
    memset(out, 0, sizeof *out);
    walk w = {rules, cal, tz_minutes, OMB_GRADE_GENERAL, out, 0};
    omb_ms notice_due = 0;
    for (size_t i = 0; i < n; i++) {
        const omb_event *ev = &events[i];
        if (strcmp(ev->type, "imported") == 0)
            return OMB_OK; /* history brought in from elsewhere has no clocks here */
        if (strcmp(ev->type, "received") == 0) {
            const char *g = omb_json_str(ev->payload, "grade", "general");
            omb_grade_parse(g, &w.grade);
            /* A complaint transferred in counts from when the institution received it. */
            omb_ms inst = ev->at;
            const char *when = omb_json_str(ev->payload, "institution_received_at", NULL);
            if (!when)
                when = omb_json_str(ev->payload, "received_at", NULL);
            if (when)
                omb_time_parse(when, tz_minutes, &inst);
            omb_event at_receipt = *ev;
            at_receipt.at = inst;
            step_effects(&w, &at_receipt);
            continue;
        }
        int rc = step_special(&w, ev, err);
        if (rc)
            return rc;
        bool decides = strcmp(ev->type, "decided") == 0;
        /* What happened with the consumer counts from when it happened, not when it
         * was recorded: the notice given at notified_at, the review applied for at
         * applied_at (never later than the record, never before the clock began). */
        omb_event when = *ev;
        const char *said = strcmp(ev->type, "notified") == 0
                               ? omb_json_str(ev->payload, "notified_at", NULL)
                           : strcmp(ev->type, "review_requested") == 0
                               ? omb_json_str(ev->payload, "applied_at", NULL)
                               : NULL;
        omb_ms t;
        if (said && omb_time_parse(said, tz_minutes, &t) == OMB_OK && t < ev->at)
            when.at = t;
        if (said) {
            /* Not before the clock this event stops started. */
            enum omb_clock_kind stops =
                strcmp(ev->type, "notified") == 0 ? OMB_CLOCK_NOTICE : OMB_CLOCK_REVIEW_WINDOW;
            if (out->clock[stops].active && when.at < out->clock[stops].started_at)
                when.at = out->clock[stops].started_at;
        }
        step_effects(&w, &when);
        /* A decision with no decision clock counting (after mediation): its notice is
           due by the decision rule counted from the decision. */
        if (decides)
            notice_due = w.decision_due_at_stop
                             ? w.decision_due_at_stop
                             : limit_end(cal, tz_minutes, rules->rule[OMB_CLOCK_DECISION].unit,
                                         rules->rule[OMB_CLOCK_DECISION].amount, ev->at, 0);
    }
    for (unsigned k = 0; k < OMB_CLOCK__COUNT; k++) {
        omb_clock *c = &out->clock[k];
        if (!c->active)
            continue;
        omb_ms until = c->stopped_at ? c->stopped_at : now;
        c->due_at = due_of(&w, c, until, notice_due);
        if (c->unit == OMB_UNIT_DECISION_DEADLINE)
            c->amount = 0;
        /* Which rest days a day limit skips is known for sure only in official years. */
        c->projected = c->unit != OMB_UNIT_HOURS &&
                       omb_calendar_projected_between(cal, local_day(c->started_at, tz_minutes),
                                                      local_day(c->due_at, tz_minutes));
        int warn = rules->rule[k].warn_percent;
        c->warn_at = warn ? c->started_at + (c->due_at - c->started_at) * warn / 100 : 0;
        bool open_pause = false;
        for (int i = 0; i < c->n_pauses; i++)
            open_pause |= c->pauses[i].to == 0;
        if (c->state == OMB_CLK_MET)
            c->state = c->stopped_at <= c->due_at ? OMB_CLK_MET : OMB_CLK_MET_LATE;
        else if (c->state != OMB_CLK_CANCELLED)
            c->state = open_pause         ? OMB_CLK_PAUSED
                       : now >= c->due_at ? OMB_CLK_BREACHED
                                          : OMB_CLK_RUNNING;
    }
    return OMB_OK;
}

omb_ms omb_clock_next_alert(const omb_clock *c, const omb_clock_rules *rules)
{
    if (!c->active || rules->rule[c->kind].owner != OMB_OWNER_INSTITUTION)
        return 0;
    if (c->state != OMB_CLK_RUNNING && c->state != OMB_CLK_BREACHED)
        return 0;
    if (!c->warned && c->warn_at)
        return c->warn_at;
    if (!c->escalated)
        return c->due_at;
    return 0;
}

/* ---- checks for the actions that change clocks ----------------------------------------- */

int omb_clock_extension_check(const omb_clocks *clocks, const omb_clock_rules *rules, int to_amount,
                              enum omb_role role, bool consumer_notified, omb_ms now, omb_err *err)
{
    const omb_clock *c = &clocks->clock[OMB_CLOCK_DECISION];
    const omb_clock_rule *r = &rules->rule[OMB_CLOCK_DECISION];
    int step = 0;
    for (int e = 0; e < 2; e++)
        if (r->extend_to[e] && r->extend_to[e] == to_amount)
            step = e + 1;
    if (!step)
        return omb_fail(err, OMB_EFIELD, "out_of_range", "days",
                        "a decision may be extended to %d or %d days only", r->extend_to[0],
                        r->extend_to[1]);
    if (!counting(c))
        return omb_fail(err, OMB_ECONFLICT, "clock_stopped", "days",
                        "the decision clock is not counting");
    if (c->state == OMB_CLK_BREACHED || now >= c->due_at)
        return omb_fail(err, OMB_ECONFLICT, "clock_breached", "days",
                        "the decision was due at an earlier time; an extension cannot cure it");
    if (c->extension >= step)
        return omb_fail(err, OMB_ECONFLICT, "already_extended", "days",
                        "the decision clock is already extended to %d days", c->amount);
    if (step == 2) {
        if (role != OMB_ROLE_SUPERVISOR)
            return omb_fail(err, OMB_EFORBIDDEN, "approval_required", "days",
                            "an extension to %d days needs a supervisor's approval", to_amount);
        if (!consumer_notified)
            return omb_fail(err, OMB_EFIELD, "missing_field", "consumer_notice",
                            "an extension to %d days must record the notice to the consumer",
                            to_amount);
    }
    return OMB_OK;
}

int omb_clock_pause_check(const omb_clocks *clocks, enum omb_clock_kind kind, omb_err *err)
{
    const omb_clock *c = &clocks->clock[kind];
    if (!counting(c))
        return omb_fail(err, OMB_ECONFLICT, "clock_stopped", "clock",
                        "the %s clock is not counting", kind_names[kind]);
    if (c->state == OMB_CLK_BREACHED)
        return omb_fail(err, OMB_ECONFLICT, "clock_breached", "clock",
                        "the %s clock is already due; a pause cannot cure it", kind_names[kind]);
    if (c->n_pauses == OMB_PAUSES_MAX)
        return omb_fail(err, OMB_ECONFLICT, "too_many_pauses", "clock",
                        "the %s clock has been paused %d times already", kind_names[kind],
                        OMB_PAUSES_MAX);
    return OMB_OK;
}

int omb_clock_resume_check(const omb_clocks *clocks, enum omb_clock_kind kind, int64_t pause_id,
                           omb_err *err)
{
    const omb_clock *c = &clocks->clock[kind];
    for (int i = 0; c->active && i < c->n_pauses; i++)
        if (c->pauses[i].id == pause_id)
            return c->pauses[i].to ? omb_fail(err, OMB_ECONFLICT, "pause_not_open", "pause",
                                              "pause %lld has already ended", (long long)pause_id)
                                   : OMB_OK;
    return omb_fail(err, OMB_EFIELD, "invalid_value", "pause",
                    "pause %lld is not a pause of the %s clock", (long long)pause_id,
                    kind_names[kind]);
}

/* ---- the reader's view ----------------------------------------------------------------- */

/* ,"key": */
static int put_key(omb_buf *b, const char *key)
{
    return omb_buf_puts(b, ",\"") || omb_buf_puts(b, key) || omb_buf_puts(b, "\":");
}

static int put_time(omb_buf *b, const char *key, omb_ms t)
{
    char text[40];
    if (put_key(b, key))
        return OMB_ETOOBIG;
    if (!t || omb_time_format(t, text, sizeof text) != OMB_OK)
        return omb_buf_puts(b, "null");
    return omb_buf_putc(b, '"') || omb_buf_puts(b, text) || omb_buf_putc(b, '"');
}

static int put_ms(omb_buf *b, const char *key, bool set, omb_ms v)
{
    if (put_key(b, key))
        return OMB_ETOOBIG;
    return set ? omb_buf_put_i64(b, v) : omb_buf_puts(b, "null");
}

static int put_bool(omb_buf *b, const char *key, bool v)
{
    return put_key(b, key) || omb_buf_puts(b, v ? "true" : "false");
}

/* A pause reason as a JSON-safe word (reason codes are identifiers). */
static void safe_word(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++) {
        char c = *in;
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        out[n++] = ok ? c : '_';
    }
    out[n] = '\0';
}

int omb_clocks_to_text(const omb_clocks *cl, omb_ms now, omb_buf *b)
{
    int rc = omb_buf_putc(b, '[');
    bool first = true;
    for (unsigned k = 0; !rc && k < OMB_CLOCK__COUNT; k++) {
        const omb_clock *c = &cl->clock[k];
        if (!c->active)
            continue;
        bool counting_now = c->state == OMB_CLK_RUNNING || c->state == OMB_CLK_PAUSED;
        bool late_state = c->state == OMB_CLK_BREACHED || c->state == OMB_CLK_MET_LATE;
        omb_ms late = c->state == OMB_CLK_BREACHED   ? now - c->due_at
                      : c->state == OMB_CLK_MET_LATE ? c->stopped_at - c->due_at
                                                     : 0;
        rc = omb_buf_puts(b, first ? "{\"kind\":\"" : ",{\"kind\":\"") ||
             omb_buf_puts(b, kind_names[k]) || omb_buf_puts(b, "\",\"state\":\"") ||
             omb_buf_puts(b, state_names[c->state]) || omb_buf_putc(b, '"');
        first = false;
        rc = rc || put_time(b, "started_at", c->started_at) || put_time(b, "due_at", c->due_at) ||
             put_time(b, "warn_at", c->warn_at) || put_time(b, "stopped_at", c->stopped_at) ||
             put_ms(b, "remaining_ms", counting_now, c->due_at > now ? c->due_at - now : 0) ||
             put_ms(b, "late_ms", late_state, late) || put_ms(b, "paused_ms", true, c->paused_ms);
        rc = rc || omb_buf_puts(b, ",\"limit\":{\"amount\":") || omb_buf_put_i64(b, c->amount) ||
             omb_buf_puts(b, ",\"unit\":\"") || omb_buf_puts(b, unit_names[c->unit]) ||
             omb_buf_puts(b, "\"}") || put_ms(b, "extension", true, c->extension) ||
             put_ms(b, "run", true, c->runs) || put_bool(b, "warned", c->warned) ||
             put_bool(b, "escalated", c->escalated) || put_bool(b, "projected", c->projected) ||
             omb_buf_puts(b, ",\"pauses\":[");
        for (int i = 0; !rc && i < c->n_pauses; i++) {
            char reason[sizeof c->pauses[i].reason];
            safe_word(c->pauses[i].reason, reason, sizeof reason);
            rc = omb_buf_printf(b, "%s{\"id\":%lld,\"reason\":\"%s\"", i ? "," : "",
                                (long long)c->pauses[i].id, reason) ||
                 put_time(b, "from", c->pauses[i].from) || put_time(b, "to", c->pauses[i].to) ||
                 omb_buf_putc(b, '}');
        }
        rc = rc || omb_buf_puts(b, "]}");
    }
    return rc ? rc : omb_buf_putc(b, ']');
}

json_t *omb_clocks_to_json(const omb_clocks *cl, omb_ms now)
{
    omb_buf b = OMB_BUF_INIT(1 << 20);
    json_t *arr = NULL;
    if (omb_clocks_to_text(cl, now, &b) == OMB_OK) {
        json_error_t jerr;
        arr = json_loadb(b.data, b.len, 0, &jerr);
    }
    omb_buf_release(&b);
    return arr ? arr : json_array();
}

/* ---- the clock history inside a document -------------------------------------------- */

/* The event types clocks read, and the payload members they read. */
static const struct {
    const char *type;
    const char *members[5];
} relevant[] = {
    {"received", {"grade", "received_at", "institution_received_at", "lead_party"}},
    {"imported", {NULL}},
    {"accepted", {"lead_party", NULL}},
    {"rejected", {NULL}},
    {"merged", {NULL}},
    {"withdrawn", {NULL}},
    {"decided", {NULL}},
    {"notified", {"notified_at", NULL}},
    {"review_requested", {"applied_at", NULL}},
    {"mediation_referred", {NULL}},
    {"closed", {NULL}},
    {"reopened", {NULL}},
    {"callback_recorded", {NULL}},
    {"classified", {"grade", NULL}},
    {"extended", {"clock", "days", NULL}},
    {"paused", {"clock", "reason_code", NULL}},
    {"resumed", {"clock", "pause", NULL}},
    {"clock_warning", {"clock", "run", NULL}},
    {"clock_escalated", {"clock", "run", NULL}},
    /* the lead party's calendar counts working days */
    {"dispatched", {"lead_party", NULL}},
    {"transfer_acknowledged", {"lead_party", NULL}},
};

static int relevant_index(const char *type)
{
    for (size_t i = 0; i < COUNT(relevant); i++)
        if (strcmp(relevant[i].type, type) == 0)
            return (int)i;
    return -1;
}

bool omb_clock_event_relevant(const char *type)
{
    return relevant_index(type) >= 0;
}

void omb_clock_events_append(json_t *list, const omb_event *ev)
{
    int i = relevant_index(ev->type);
    if (i < 0)
        return;
    json_t *p = json_object();
    for (const char *const *m = relevant[i].members; *m; m++) {
        json_t *v = json_object_get(ev->payload, *m);
        if (v)
            json_object_set(p, *m, v);
    }
    json_array_append_new(
        list, json_pack("[I,s,I,o]", (json_int_t)ev->seq, ev->type, (json_int_t)ev->at, p));
}

size_t omb_clock_events_from_json(const json_t *list, omb_event *evs, size_t cap)
{
    size_t n = 0, i;
    const json_t *e;
    json_array_foreach(list, i, e)
    {
        if (n == cap)
            break;
        const char *type = json_string_value(json_array_get(e, 1));
        if (!type || json_array_size(e) != 4)
            continue;
        omb_event *ev = &evs[n++];
        memset(ev, 0, sizeof *ev);
        ev->seq = json_integer_value(json_array_get(e, 0));
        snprintf(ev->type, sizeof ev->type, "%s", type);
        ev->at = json_integer_value(json_array_get(e, 2));
        ev->payload = json_array_get(e, 3);
    }
    return n;
}

int64_t omb_clock_events_lead_party(const json_t *list)
{
    int64_t lead = 0;
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e)
    {
        int64_t p = omb_json_int(json_array_get(e, 3), "lead_party", 0);
        if (p)
            lead = p;
    }
    return lead;
}
