/*
 * test_lifecycle.c - unit tests for src/core/lifecycle.c: the complaint
 * lifecycle table.
 *
 * The heart of this file is an exhaustive check: for every state x every
 * action x every role, omb_lifecycle_check() and omb_lifecycle_party() are
 * compared with an expected matrix written out below by hand from docs/api.md
 * ("The complaint lifecycle") and docs/linkage.md (it does not read
 * omb_transitions()).  Also covered: the "same_handler" rule of review decisions, creation checks,
 * name parsing and formatting of states, roles and actions, and the fields
 * each action carries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdio.h>
#include <string.h>

#include "core/lifecycle.h"

/* ---- the expected matrix ------------------------------------------------ */

/*
 * One cell per (action, state).  `to` is where the action leads (SAME for
 * actions that keep the state, ILL when no rule allows the action from
 * that state); `roles` lists, by letter, the roles allowed:
 *   a agent, s supervisor, c compliance, d admin, u auditor, m mediator,
 *   r regulator.
 * A '!' in `roles` marks the review-decision rule: the actor must not be the
 * author of the first decision.
 * `party` is the party rule (docs/linkage.md) for the roles allowed:
 *   l the lead party, i any party involved, m the lead party or the mediator
 *   it was referred to, t the party a task is addressed to, f the party that
 *   asked for the task, x the party a pending transfer names;
 *   '-' where no user may act (illegal cells, the system's own records).
 */
#define ILL  (-2)
#define SAME (-1)

typedef struct cell {
    int to;
    const char *roles;
    char party;
} cell;

#define X                                                                                          \
    {                                                                                              \
        ILL, "", '-'                                                                               \
    }
/* the system's own records: legal in the state, but no user role may make them */
#define SYS                                                                                        \
    {                                                                                              \
        SAME, "", '-'                                                                              \
    }
#define RCV OMB_ST_RECEIVED
#define ACC OMB_ST_ACCEPTED
#define INV OMB_ST_INVESTIGATING
#define DEC OMB_ST_DECIDED
#define NOT OMB_ST_NOTIFIED
#define REV OMB_ST_REVIEW
#define MED OMB_ST_MEDIATION
#define CLO OMB_ST_CLOSED
#define REJ OMB_ST_REJECTED
#define WDR OMB_ST_WITHDRAWN
#define MRG OMB_ST_MERGED

/* clang-format off */
static const cell expected[OMB_ACT__COUNT][OMB_ST__COUNT] = {
/*                       received            accepted            investigating       decided             notified             review               mediation           closed              rejected            withdrawn           merged */
/* receive and import create complaints: they are never an action on an existing one */
[OMB_ACT_RECEIVE]     = {X,                  X,                  X,                  X,                  X,                   X,                   X,                  X,                  X,                  X,                  X},
[OMB_ACT_IMPORT]      = {X,                  X,                  X,                  X,                  X,                   X,                   X,                  X,                  X,                  X,                  X},
/* received -> accepted, rejected, merged, withdrawn; accepted -> investigating, withdrawn, merged */
[OMB_ACT_ACCEPT]      = {{ACC, "as", 'l'},   X,                  X,                  X,                  X,                   X,                   X,                  X,                  X,                  X,                  X},
[OMB_ACT_REJECT]      = {{REJ, "as", 'l'},   X,                  X,                  X,                  X,                   X,                   X,                  X,                  X,                  X,                  X},
[OMB_ACT_MERGE]       = {{MRG, "as", 'l'},   {MRG, "as", 'l'},   X,                  X,                  X,                   X,                   X,                  X,                  X,                  X,                  X},
[OMB_ACT_WITHDRAW]    = {{WDR, "as", 'l'},   {WDR, "as", 'l'},   {WDR, "as", 'l'},   X,                  X,                   X,                   X,                  X,                  X,                  X,                  X},
[OMB_ACT_INVESTIGATE] = {X,                  {INV, "as", 'l'},   X,                  X,                  X,                   X,                   X,                  X,                  X,                  X,                  X},
/* investigating -> decided; review -> decided (not by the first decider); mediation -> decided,
   there by the lead party's supervisor or the mediator it was referred to */
[OMB_ACT_DECIDE]      = {X,                  X,                  {DEC, "as", 'l'},   X,                  X,                   {DEC, "sc!", 'l'},   {DEC, "sm", 'm'},   X,                  X,                  X,                  X},
/* decided -> notified; notified -> closed: by the lead party, or by the mediator it was
   referred to, which serves its mediation's outcome on the consumer and closes */
[OMB_ACT_NOTIFY]      = {X,                  X,                  X,                  {NOT, "asm", 'm'},  X,                   X,                   X,                  X,                  X,                  X,                  X},
/* notified -> review, mediation, closed; mediation -> closed (lead party or mediator) */
[OMB_ACT_REVIEW]      = {X,                  X,                  X,                  X,                  {REV, "as", 'l'},    X,                   X,                  X,                  X,                  X,                  X},
[OMB_ACT_MEDIATE]     = {X,                  X,                  X,                  X,                  {MED, "asc", 'l'},   X,                   X,                  X,                  X,                  X,                  X},
[OMB_ACT_CLOSE]       = {X,                  X,                  X,                  X,                  {CLO, "asm", 'm'},   X,                   {CLO, "sm", 'm'},   X,                  X,                  X,                  X},
/* closed -> investigating, on new facts */
[OMB_ACT_REOPEN]      = {X,                  X,                  X,                  X,                  X,                   X,                   X,                  {INV, "sc", 'l'},   X,                  X,                  X},
/* open states only: neither closed nor terminal */
[OMB_ACT_ASSIGN]      = {{SAME, "as", 'l'},  {SAME, "as", 'l'},  {SAME, "as", 'l'},  {SAME, "as", 'l'},  {SAME, "as", 'l'},   {SAME, "as", 'l'},   {SAME, "as", 'l'},  X,                  X,                  X,                  X},
[OMB_ACT_CLASSIFY]    = {{SAME, "asc", 'l'}, {SAME, "asc", 'l'}, {SAME, "asc", 'l'}, {SAME, "asc", 'l'}, {SAME, "asc", 'l'},  {SAME, "asc", 'l'},  {SAME, "asc", 'l'}, X,                  X,                  X,                  X},
/* notes and attachments: any state, by any party involved */
[OMB_ACT_NOTE]        = {{SAME,"ascm",'i'},  {SAME,"ascm",'i'},  {SAME,"ascm",'i'},  {SAME,"ascm",'i'},  {SAME,"ascm",'i'},   {SAME,"ascm",'i'},   {SAME,"ascm",'i'},  {SAME,"ascm",'i'},  {SAME,"ascm",'i'},  {SAME,"ascm",'i'},  {SAME,"ascm",'i'}},
[OMB_ACT_ATTACH]      = {{SAME,"ascm",'i'},  {SAME,"ascm",'i'},  {SAME,"ascm",'i'},  {SAME,"ascm",'i'},  {SAME,"ascm",'i'},   {SAME,"ascm",'i'},   {SAME,"ascm",'i'},  {SAME,"ascm",'i'},  {SAME,"ascm",'i'},  {SAME,"ascm",'i'},  {SAME,"ascm",'i'}},
/* clock actions: extensions before the decision, pauses while a clock counts, callbacks after closing */
[OMB_ACT_EXTEND]      = {{SAME, "as", 'l'},  {SAME, "as", 'l'},  {SAME, "as", 'l'},  X,                  X,                   X,                   X,                  X,                  X,                  X,                  X},
[OMB_ACT_PAUSE]       = {{SAME, "as", 'l'},  {SAME, "as", 'l'},  {SAME, "as", 'l'},  X,                  X,                   {SAME, "as", 'l'},   X,                  X,                  X,                  X,                  X},
[OMB_ACT_RESUME]      = {{SAME, "as", 'l'},  {SAME, "as", 'l'},  {SAME, "as", 'l'},  X,                  X,                   {SAME, "as", 'l'},   X,                  X,                  X,                  X,                  X},
[OMB_ACT_CALLBACK]    = {X,                  X,                  X,                  X,                  X,                   X,                   X,                  {SAME, "as", 'l'},  X,                  X,                  X},
/* the system's clock alerts: open and closed complaints, no user role may record them */
[OMB_ACT_CLOCK_WARNING]    = {SYS,           SYS,                SYS,                SYS,                SYS,                 SYS,                 SYS,                SYS,                X,                  X,                  X},
[OMB_ACT_CLOCK_ESCALATION] = {SYS,           SYS,                SYS,                SYS,                SYS,                 SYS,                 SYS,                SYS,                X,                  X,                  X},
/* linkage (docs/linkage.md).  Dispatch: the system routes a complaint before its decision
   (on creation; the routing fields stay changeable until a decision is made) */
[OMB_ACT_DISPATCH]    = {SYS,                SYS,                SYS,                X,                  X,                   X,                   X,                  X,                  X,                  X,                  X},
/* a transfer hands the complaint to another party before the decision; the party it names
   acknowledges or declines it */
[OMB_ACT_TRANSFER]    = {{SAME, "as", 'l'},  {SAME, "as", 'l'},  {SAME, "as", 'l'},  X,                  X,                   X,                   X,                  X,                  X,                  X,                  X},
[OMB_ACT_ACK_TRANSFER]     = {{SAME, "as", 'x'}, {SAME, "as", 'x'}, {SAME, "as", 'x'}, X,              X,                   X,                   X,                  X,                  X,                  X,                  X},
[OMB_ACT_DECLINE_TRANSFER] = {{SAME, "as", 'x'}, {SAME, "as", 'x'}, {SAME, "as", 'x'}, X,              X,                   X,                   X,                  X,                  X,                  X,                  X},
/* a transfer left unacknowledged is escalated by the system, whatever became of the complaint */
[OMB_ACT_TRANSFER_ESCALATION] = {SYS,        SYS,                SYS,                SYS,                SYS,                 SYS,                 SYS,                SYS,                SYS,                SYS,                SYS},
/* party tasks: the lead party asks while the complaint is open; the addressee answers and the
   asker cancels in any state (a task outlives the complaint's end); the system marks overdue */
[OMB_ACT_REQUEST_TASK] = {{SAME, "as", 'l'}, {SAME, "as", 'l'},  {SAME, "as", 'l'},  {SAME, "as", 'l'},  {SAME, "as", 'l'},   {SAME, "as", 'l'},   {SAME, "as", 'l'},  X,                  X,                  X,                  X},
[OMB_ACT_ANSWER_TASK]  = {{SAME, "as", 't'}, {SAME, "as", 't'},  {SAME, "as", 't'},  {SAME, "as", 't'},  {SAME, "as", 't'},   {SAME, "as", 't'},   {SAME, "as", 't'},  {SAME, "as", 't'},  {SAME, "as", 't'},  {SAME, "as", 't'},  {SAME, "as", 't'}},
[OMB_ACT_CANCEL_TASK]  = {{SAME, "as", 'f'}, {SAME, "as", 'f'},  {SAME, "as", 'f'},  {SAME, "as", 'f'},  {SAME, "as", 'f'},   {SAME, "as", 'f'},   {SAME, "as", 'f'},  {SAME, "as", 'f'},  {SAME, "as", 'f'},  {SAME, "as", 'f'},  {SAME, "as", 'f'}},
[OMB_ACT_TASK_OVERDUE] = {SYS,               SYS,                SYS,                SYS,                SYS,                 SYS,                 SYS,                SYS,                SYS,                SYS,                SYS},
/* an unmasked read of the complainant's personal data: those who contact the consumer, of the
   lead party or the mediator it was referred to, in any state */
[OMB_ACT_PII_READ]     = {{SAME,"asm",'m'},  {SAME,"asm",'m'},   {SAME,"asm",'m'},   {SAME,"asm",'m'},   {SAME,"asm",'m'},    {SAME,"asm",'m'},    {SAME,"asm",'m'},   {SAME,"asm",'m'},   {SAME,"asm",'m'},   {SAME,"asm",'m'},   {SAME,"asm",'m'}},
};
/* clang-format on */

/* The party rule a letter of the matrix stands for. */
static enum omb_party_rule party_of(char letter)
{
    switch (letter) {
    case 'l':
        return OMB_PARTY_LEAD;
    case 'i':
        return OMB_PARTY_INVOLVED;
    case 'm':
        return OMB_PARTY_LEAD_OR_MEDIATOR;
    case 't':
        return OMB_PARTY_TASK_TO;
    case 'f':
        return OMB_PARTY_TASK_FROM;
    case 'x':
        return OMB_PARTY_TRANSFER_TO;
    default:
        fail_msg("no party rule for letter '%c'", letter);
        return OMB_PARTY__COUNT;
    }
}

static const char role_letter[OMB_ROLE__COUNT] = {
    [OMB_ROLE_AGENT] = 'a',     [OMB_ROLE_SUPERVISOR] = 's', [OMB_ROLE_COMPLIANCE] = 'c',
    [OMB_ROLE_ADMIN] = 'd',     [OMB_ROLE_AUDITOR] = 'u',    [OMB_ROLE_MEDIATOR] = 'm',
    [OMB_ROLE_REGULATOR] = 'r',
};

/* Literal names, written out rather than read back from the library. */
static const char *const state_names[OMB_ST__COUNT] = {
    "received",  "accepted", "investigating", "decided",   "notified", "review",
    "mediation", "closed",   "rejected",      "withdrawn", "merged",
};
static const char *const state_zh[OMB_ST__COUNT] = {
    "登记", "受理", "调查核实", "已决定", "已告知", "复核",
    "调解", "办结", "不予受理", "撤诉",   "合并",
};
static const char *const role_names[OMB_ROLE__COUNT] = {
    "agent", "supervisor", "compliance", "admin", "auditor", "mediator", "regulator",
};
static const struct {
    const char *name;
    const char *event;
    int api; /* reachable through POST .../actions/<name> */
} action_names[OMB_ACT__COUNT] = {
    [OMB_ACT_RECEIVE] = {"receive", "received", 0},
    [OMB_ACT_ACCEPT] = {"accept", "accepted", 1},
    [OMB_ACT_REJECT] = {"reject", "rejected", 1},
    [OMB_ACT_MERGE] = {"merge", "merged", 1},
    [OMB_ACT_WITHDRAW] = {"withdraw", "withdrawn", 1},
    [OMB_ACT_INVESTIGATE] = {"investigate", "investigation_started", 1},
    [OMB_ACT_DECIDE] = {"decide", "decided", 1},
    [OMB_ACT_NOTIFY] = {"notify", "notified", 1},
    [OMB_ACT_REVIEW] = {"review", "review_requested", 1},
    [OMB_ACT_MEDIATE] = {"mediate", "mediation_referred", 1},
    [OMB_ACT_CLOSE] = {"close", "closed", 1},
    [OMB_ACT_REOPEN] = {"reopen", "reopened", 1},
    [OMB_ACT_ASSIGN] = {"assign", "assigned", 1},
    [OMB_ACT_CLASSIFY] = {"classify", "classified", 1},
    [OMB_ACT_NOTE] = {"note", "note_added", 1},
    [OMB_ACT_ATTACH] = {"attach", "attachment_added", 0},
    [OMB_ACT_IMPORT] = {"import", "imported", 0},
    [OMB_ACT_EXTEND] = {"extend", "extended", 1},
    [OMB_ACT_PAUSE] = {"pause", "paused", 1},
    [OMB_ACT_RESUME] = {"resume", "resumed", 1},
    [OMB_ACT_CALLBACK] = {"callback", "callback_recorded", 1},
    [OMB_ACT_CLOCK_WARNING] = {"clock_warning", "clock_warning", 0},
    [OMB_ACT_CLOCK_ESCALATION] = {"clock_escalation", "clock_escalated", 0},
    [OMB_ACT_DISPATCH] = {"dispatch", "dispatched", 0},
    [OMB_ACT_TRANSFER] = {"transfer", "transferred", 1},
    [OMB_ACT_ACK_TRANSFER] = {"acknowledge_transfer", "transfer_acknowledged", 1},
    [OMB_ACT_DECLINE_TRANSFER] = {"decline_transfer", "transfer_declined", 1},
    [OMB_ACT_TRANSFER_ESCALATION] = {"transfer_escalation", "transfer_escalated", 0},
    [OMB_ACT_REQUEST_TASK] = {"request_task", "task_requested", 1},
    [OMB_ACT_ANSWER_TASK] = {"answer_task", "task_answered", 1},
    [OMB_ACT_CANCEL_TASK] = {"cancel_task", "task_cancelled", 1},
    [OMB_ACT_TASK_OVERDUE] = {"task_overdue", "task_overdue", 0},
    [OMB_ACT_PII_READ] = {"pii_read", "pii_read", 0},
};
static const char *const party_names[OMB_PARTY__COUNT] = {
    [OMB_PARTY_LEAD] = "lead",
    [OMB_PARTY_INVOLVED] = "involved",
    [OMB_PARTY_LEAD_OR_MEDIATOR] = "lead_or_mediator",
    [OMB_PARTY_TASK_TO] = "task_to",
    [OMB_PARTY_TASK_FROM] = "task_from",
    [OMB_PARTY_TRANSFER_TO] = "transfer_to",
};

static int role_in(const char *roles, enum omb_role r)
{
    return strchr(roles, role_letter[r]) != NULL;
}

/* ---- helpers -------------------------------------------------------------- */

/* Out-of-range values stay within the bits of their enum (clang's -fsanitize=enum). */
#define SENTINEL   ((enum omb_state)OMB_ST__COUNT)
#define BAD_STATE  ((enum omb_state)15)
#define BAD_ACTION ((enum omb_action)63)

static void assert_err(const omb_err *err, int rc, const char *code)
{
    assert_int_equal(err->rc, rc);
    assert_string_equal(err->code, code);
    assert_string_equal(err->field, "");
    assert_true(strlen(err->message) > 0);
}

/* ---- the exhaustive matrix -------------------------------------------- */

static void test_matrix_exhaustive(void **state)
{
    (void)state;
    /* every action has its row: a cell left out would read as {0, NULL} */
    for (int a = 0; a < OMB_ACT__COUNT; a++)
        for (int s = 0; s < OMB_ST__COUNT; s++)
            if (!expected[a][s].roles || !expected[a][s].party || !action_names[a].name)
                fail_msg("no expected cell for action %d in state %s", a, state_names[s]);
    int checked = 0, allowed = 0, illegal = 0, forbidden = 0, same_handler = 0;
    int party_checked = 0;
    for (int s = 0; s < OMB_ST__COUNT; s++) {
        for (int a = 0; a < OMB_ACT__COUNT; a++) {
            const cell *want = &expected[a][s];
            for (int r = 0; r < OMB_ROLE__COUNT; r++) {
                char where[96];
                snprintf(where, sizeof where, "state=%s action=%s role=%s", state_names[s],
                         action_names[a].name, role_names[r]);
                /* The party rule of the row that lets the role act; where none does, the
                   default (the lead party), since the lifecycle check refuses it anyway. */
                int may = want->to != ILL && role_in(want->roles, (enum omb_role)r);
                if (may && want->party == '-')
                    fail_msg("%s: the matrix lets the role act but names no party rule", where);
                enum omb_party_rule want_party = may ? party_of(want->party) : OMB_PARTY_LEAD;
                enum omb_party_rule got_party =
                    omb_lifecycle_party((enum omb_state)s, (enum omb_action)a, (enum omb_role)r);
                if (got_party != want_party)
                    fail_msg("%s: party rule %s, want %s", where, omb_party_rule_name(got_party),
                             party_names[want_party]);
                party_checked++;
                /* Two actors: one who made the first decision (user 7), one who did not. */
                for (int who = 0; who < 3; who++) {
                    int64_t actor = who == 0 ? 7 : 8;
                    int64_t first = who == 2 ? 0 : 7; /* who 2: no decision yet */
                    omb_err err;
                    omb_err_clear(&err);
                    enum omb_state to = SENTINEL;
                    int rc = omb_lifecycle_check((enum omb_state)s, (enum omb_action)a,
                                                 (enum omb_role)r, actor, first, &to, &err);
                    checked++;
                    if (want->to == ILL) {
                        if (rc != OMB_ECONFLICT)
                            fail_msg("%s: rc %d, want conflict", where, rc);
                        assert_err(&err, OMB_ECONFLICT, "illegal_transition");
                        assert_int_equal(to, SENTINEL);
                        illegal++;
                    } else if (!role_in(want->roles, (enum omb_role)r)) {
                        if (rc != OMB_EFORBIDDEN)
                            fail_msg("%s: rc %d, want forbidden", where, rc);
                        assert_err(&err, OMB_EFORBIDDEN, "role_not_allowed");
                        assert_int_equal(to, SENTINEL);
                        forbidden++;
                    } else if (strchr(want->roles, '!') && actor == first) {
                        if (rc != OMB_EFORBIDDEN)
                            fail_msg("%s: rc %d, want same_handler", where, rc);
                        assert_err(&err, OMB_EFORBIDDEN, "same_handler");
                        assert_int_equal(to, SENTINEL);
                        same_handler++;
                    } else {
                        if (rc != OMB_OK)
                            fail_msg("%s actor=%lld first=%lld: rc %d (%s), want ok", where,
                                     (long long)actor, (long long)first, rc, err.code);
                        int want_to = want->to == SAME ? s : want->to;
                        if ((int)to != want_to)
                            fail_msg("%s: to %d, want %s", where, (int)to, state_names[want_to]);
                        assert_int_equal(err.rc, OMB_OK);
                        assert_string_equal(err.code, "");
                        allowed++;
                    }
                }
            }
        }
    }
    assert_int_equal(checked, OMB_ST__COUNT * OMB_ACT__COUNT * OMB_ROLE__COUNT * 3);
    assert_int_equal(party_checked, OMB_ST__COUNT * OMB_ACT__COUNT * OMB_ROLE__COUNT);
    assert_int_equal(OMB_ACT__COUNT, 33);
    /* The matrix above allows exactly this many (state, action, role) triples. */
    int cells_allowed = 0;
    for (int a = 0; a < OMB_ACT__COUNT; a++)
        for (int s = 0; s < OMB_ST__COUNT; s++)
            for (int r = 0; r < OMB_ROLE__COUNT; r++)
                if (expected[a][s].to != ILL && role_in(expected[a][s].roles, (enum omb_role)r))
                    cells_allowed++;
    /* 184 for the lifecycle and clock actions, 109 for the linkage ones: transfer,
       acknowledge and decline 3 states x 2 roles each, request_task 7 x 2, answer_task and
       cancel_task 11 x 2 each, pii_read 11 x 3; dispatch and the alerts none */
    assert_int_equal(cells_allowed, 184 + 109);
    /* how the allowed cells divide among the party rules */
    int by_party[OMB_PARTY__COUNT] = {0};
    for (int a = 0; a < OMB_ACT__COUNT; a++)
        for (int s = 0; s < OMB_ST__COUNT; s++)
            for (int r = 0; r < OMB_ROLE__COUNT; r++)
                if (expected[a][s].to != ILL && role_in(expected[a][s].roles, (enum omb_role)r))
                    by_party[party_of(expected[a][s].party)]++;
    assert_int_equal(by_party[OMB_PARTY_INVOLVED], 2 * 11 * 4); /* notes and attachments */
    /* decide and close in mediation, notify in decided, close in notified; pii_read */
    assert_int_equal(by_party[OMB_PARTY_LEAD_OR_MEDIATOR], 2 + 2 + 3 + 3 + 11 * 3);
    assert_int_equal(by_party[OMB_PARTY_TASK_TO], 22);
    assert_int_equal(by_party[OMB_PARTY_TASK_FROM], 22);
    assert_int_equal(by_party[OMB_PARTY_TRANSFER_TO], 12);
    /* accept 2, reject 2, merge 4, withdraw 6, investigate 2, decide 4, review 2,
       mediate 3, reopen 2, assign 14, classify 21, extend 6, pause 8, resume 8,
       callback 2, transfer 6, request_task 14 */
    assert_int_equal(by_party[OMB_PARTY_LEAD], 106);
    assert_int_equal(by_party[OMB_PARTY_LEAD] + by_party[OMB_PARTY_INVOLVED] +
                         by_party[OMB_PARTY_LEAD_OR_MEDIATOR] + by_party[OMB_PARTY_TASK_TO] +
                         by_party[OMB_PARTY_TASK_FROM] + by_party[OMB_PARTY_TRANSFER_TO],
                     cells_allowed);
    assert_int_equal(allowed + same_handler, cells_allowed * 3);
    assert_int_equal(same_handler, 2); /* supervisor and compliance deciding their own review */
    assert_true(illegal > 0 && forbidden > 0);
}

/* ---- spot checks that read as sentences ------------------------------- */

static int check(enum omb_state s, enum omb_action a, enum omb_role r, enum omb_state *to,
                 omb_err *err)
{
    omb_err_clear(err);
    *to = SENTINEL;
    return omb_lifecycle_check(s, a, r, 1, 0, to, err);
}

static void test_illegal_transition(void **state)
{
    (void)state;
    omb_err err;
    enum omb_state to;
    /* a decision cannot skip the investigation */
    assert_int_equal(check(OMB_ST_RECEIVED, OMB_ACT_DECIDE, OMB_ROLE_SUPERVISOR, &to, &err),
                     OMB_ECONFLICT);
    assert_string_equal(err.code, "illegal_transition");
    assert_non_null(strstr(err.message, "decide"));
    assert_non_null(strstr(err.message, "received"));
    assert_int_equal(to, SENTINEL);
    /* terminal states admit nothing but notes and attachments, the answers to and
       cancellations of party tasks, reads of the personal data, and the system's alerts
       about tasks and transfers (which a supervisor may not record: see below) */
    for (int a = 0; a < OMB_ACT__COUNT; a++) {
        if (a == OMB_ACT_NOTE || a == OMB_ACT_ATTACH || a == OMB_ACT_ANSWER_TASK ||
            a == OMB_ACT_CANCEL_TASK || a == OMB_ACT_PII_READ || a == OMB_ACT_TASK_OVERDUE ||
            a == OMB_ACT_TRANSFER_ESCALATION)
            continue;
        assert_int_equal(
            check(OMB_ST_WITHDRAWN, (enum omb_action)a, OMB_ROLE_SUPERVISOR, &to, &err),
            OMB_ECONFLICT);
        assert_int_equal(check(OMB_ST_MERGED, (enum omb_action)a, OMB_ROLE_SUPERVISOR, &to, &err),
                         OMB_ECONFLICT);
        assert_int_equal(check(OMB_ST_REJECTED, (enum omb_action)a, OMB_ROLE_SUPERVISOR, &to, &err),
                         OMB_ECONFLICT);
    }
    /* an illegal transition is reported even to a role that could never act */
    assert_int_equal(check(OMB_ST_CLOSED, OMB_ACT_ACCEPT, OMB_ROLE_AUDITOR, &to, &err),
                     OMB_ECONFLICT);
    assert_string_equal(err.code, "illegal_transition");
    /* a complaint is transferred only before its decision, and tasks are asked while open */
    assert_int_equal(check(OMB_ST_DECIDED, OMB_ACT_TRANSFER, OMB_ROLE_AGENT, &to, &err),
                     OMB_ECONFLICT);
    assert_non_null(strstr(err.message, "transfer"));
    assert_int_equal(check(OMB_ST_NOTIFIED, OMB_ACT_ACK_TRANSFER, OMB_ROLE_AGENT, &to, &err),
                     OMB_ECONFLICT);
    assert_int_equal(check(OMB_ST_CLOSED, OMB_ACT_REQUEST_TASK, OMB_ROLE_SUPERVISOR, &to, &err),
                     OMB_ECONFLICT);
    assert_int_equal(check(OMB_ST_MEDIATION, OMB_ACT_REQUEST_TASK, OMB_ROLE_AGENT, &to, &err),
                     OMB_OK);
    /* the system's alerts are no user's to record, even where they are legal */
    assert_int_equal(check(OMB_ST_MERGED, OMB_ACT_TASK_OVERDUE, OMB_ROLE_SUPERVISOR, &to, &err),
                     OMB_EFORBIDDEN);
    assert_string_equal(err.code, "role_not_allowed");
    assert_int_equal(check(OMB_ST_RECEIVED, OMB_ACT_DISPATCH, OMB_ROLE_ADMIN, &to, &err),
                     OMB_EFORBIDDEN);
    assert_int_equal(check(OMB_ST_DECIDED, OMB_ACT_DISPATCH, OMB_ROLE_ADMIN, &to, &err),
                     OMB_ECONFLICT);
}

static void test_role_not_allowed(void **state)
{
    (void)state;
    omb_err err;
    enum omb_state to;
    assert_int_equal(check(OMB_ST_RECEIVED, OMB_ACT_ACCEPT, OMB_ROLE_AUDITOR, &to, &err),
                     OMB_EFORBIDDEN);
    assert_string_equal(err.code, "role_not_allowed");
    assert_non_null(strstr(err.message, "auditor"));
    /* a regulator may create complaints but not handle them */
    assert_int_equal(check(OMB_ST_INVESTIGATING, OMB_ACT_DECIDE, OMB_ROLE_REGULATOR, &to, &err),
                     OMB_EFORBIDDEN);
    /* an agent may not decide a review */
    assert_int_equal(check(OMB_ST_REVIEW, OMB_ACT_DECIDE, OMB_ROLE_AGENT, &to, &err),
                     OMB_EFORBIDDEN);
    assert_string_equal(err.code, "role_not_allowed");
    /* only supervisors and compliance reopen */
    assert_int_equal(check(OMB_ST_CLOSED, OMB_ACT_REOPEN, OMB_ROLE_AGENT, &to, &err),
                     OMB_EFORBIDDEN);
    assert_int_equal(check(OMB_ST_CLOSED, OMB_ACT_REOPEN, OMB_ROLE_COMPLIANCE, &to, &err), OMB_OK);
    assert_int_equal(to, OMB_ST_INVESTIGATING);
    /* the mediator decides and closes in mediation; it serves the outcome on the consumer
       (decided -> notified) and closes after it (notified -> closed); nothing else */
    assert_int_equal(check(OMB_ST_MEDIATION, OMB_ACT_DECIDE, OMB_ROLE_MEDIATOR, &to, &err), OMB_OK);
    assert_int_equal(to, OMB_ST_DECIDED);
    assert_int_equal(check(OMB_ST_MEDIATION, OMB_ACT_CLOSE, OMB_ROLE_MEDIATOR, &to, &err), OMB_OK);
    assert_int_equal(to, OMB_ST_CLOSED);
    assert_int_equal(check(OMB_ST_DECIDED, OMB_ACT_NOTIFY, OMB_ROLE_MEDIATOR, &to, &err), OMB_OK);
    assert_int_equal(to, OMB_ST_NOTIFIED);
    assert_int_equal(check(OMB_ST_NOTIFIED, OMB_ACT_CLOSE, OMB_ROLE_MEDIATOR, &to, &err), OMB_OK);
    assert_int_equal(to, OMB_ST_CLOSED);
    assert_int_equal(check(OMB_ST_NOTIFIED, OMB_ACT_REVIEW, OMB_ROLE_MEDIATOR, &to, &err),
                     OMB_EFORBIDDEN);
    assert_int_equal(check(OMB_ST_NOTIFIED, OMB_ACT_MEDIATE, OMB_ROLE_MEDIATOR, &to, &err),
                     OMB_EFORBIDDEN);
    assert_int_equal(check(OMB_ST_INVESTIGATING, OMB_ACT_DECIDE, OMB_ROLE_MEDIATOR, &to, &err),
                     OMB_EFORBIDDEN);
    assert_int_equal(check(OMB_ST_MEDIATION, OMB_ACT_CLOSE, OMB_ROLE_AGENT, &to, &err),
                     OMB_EFORBIDDEN);
}

static enum omb_party_rule party(enum omb_state s, enum omb_action a, enum omb_role r)
{
    return omb_lifecycle_party(s, a, r);
}

static void test_party_rules(void **state)
{
    (void)state;
    /* the lead party handles the complaint through its life */
    assert_int_equal(party(OMB_ST_RECEIVED, OMB_ACT_ACCEPT, OMB_ROLE_AGENT), OMB_PARTY_LEAD);
    assert_int_equal(party(OMB_ST_REVIEW, OMB_ACT_DECIDE, OMB_ROLE_COMPLIANCE), OMB_PARTY_LEAD);
    assert_int_equal(party(OMB_ST_CLOSED, OMB_ACT_REOPEN, OMB_ROLE_SUPERVISOR), OMB_PARTY_LEAD);
    assert_int_equal(party(OMB_ST_ACCEPTED, OMB_ACT_TRANSFER, OMB_ROLE_AGENT), OMB_PARTY_LEAD);
    assert_int_equal(party(OMB_ST_MEDIATION, OMB_ACT_REQUEST_TASK, OMB_ROLE_SUPERVISOR),
                     OMB_PARTY_LEAD);
    /* in mediation the mediator it was referred to decides and closes too: one row for the
       mediator and the lead party's supervisor alike */
    assert_int_equal(party(OMB_ST_MEDIATION, OMB_ACT_DECIDE, OMB_ROLE_MEDIATOR),
                     OMB_PARTY_LEAD_OR_MEDIATOR);
    assert_int_equal(party(OMB_ST_MEDIATION, OMB_ACT_CLOSE, OMB_ROLE_SUPERVISOR),
                     OMB_PARTY_LEAD_OR_MEDIATOR);
    assert_int_equal(party(OMB_ST_NOTIFIED, OMB_ACT_CLOSE, OMB_ROLE_SUPERVISOR),
                     OMB_PARTY_LEAD_OR_MEDIATOR);
    assert_int_equal(party(OMB_ST_DECIDED, OMB_ACT_NOTIFY, OMB_ROLE_MEDIATOR),
                     OMB_PARTY_LEAD_OR_MEDIATOR);
    /* notes and attachments are for every party involved */
    assert_int_equal(party(OMB_ST_MERGED, OMB_ACT_NOTE, OMB_ROLE_COMPLIANCE), OMB_PARTY_INVOLVED);
    assert_int_equal(party(OMB_ST_DECIDED, OMB_ACT_ATTACH, OMB_ROLE_MEDIATOR), OMB_PARTY_INVOLVED);
    /* tasks: answered by their addressee, cancelled by their asker; transfers: answered by
       the party they name */
    assert_int_equal(party(OMB_ST_CLOSED, OMB_ACT_ANSWER_TASK, OMB_ROLE_AGENT), OMB_PARTY_TASK_TO);
    assert_int_equal(party(OMB_ST_REVIEW, OMB_ACT_CANCEL_TASK, OMB_ROLE_SUPERVISOR),
                     OMB_PARTY_TASK_FROM);
    assert_int_equal(party(OMB_ST_RECEIVED, OMB_ACT_ACK_TRANSFER, OMB_ROLE_AGENT),
                     OMB_PARTY_TRANSFER_TO);
    assert_int_equal(party(OMB_ST_INVESTIGATING, OMB_ACT_DECLINE_TRANSFER, OMB_ROLE_SUPERVISOR),
                     OMB_PARTY_TRANSFER_TO);
    /* the personal data: the lead party's handlers or the mediator */
    assert_int_equal(party(OMB_ST_WITHDRAWN, OMB_ACT_PII_READ, OMB_ROLE_AGENT),
                     OMB_PARTY_LEAD_OR_MEDIATOR);
    assert_int_equal(party(OMB_ST_MEDIATION, OMB_ACT_PII_READ, OMB_ROLE_MEDIATOR),
                     OMB_PARTY_LEAD_OR_MEDIATOR);
    /* where no row lets the role act, the answer is the lead party: the lifecycle refuses */
    assert_int_equal(party(OMB_ST_RECEIVED, OMB_ACT_NOTE, OMB_ROLE_AUDITOR), OMB_PARTY_LEAD);
    assert_int_equal(party(OMB_ST_DECIDED, OMB_ACT_TRANSFER, OMB_ROLE_AGENT), OMB_PARTY_LEAD);
    assert_int_equal(party(OMB_ST_RECEIVED, OMB_ACT_PII_READ, OMB_ROLE_COMPLIANCE), OMB_PARTY_LEAD);
    assert_int_equal(party(OMB_ST_RECEIVED, OMB_ACT_DISPATCH, OMB_ROLE_AGENT), OMB_PARTY_LEAD);
    assert_int_equal(party(OMB_ST_RECEIVED, OMB_ACT_NOTE, OMB_ROLE__COUNT), OMB_PARTY_LEAD);
    assert_int_equal(party(OMB_ST__COUNT, OMB_ACT_NOTE, OMB_ROLE_AGENT), OMB_PARTY_LEAD);
    assert_int_equal(party(OMB_ST_RECEIVED, OMB_ACT__COUNT, OMB_ROLE_AGENT), OMB_PARTY_LEAD);
    /* the names */
    for (int p = 0; p < OMB_PARTY__COUNT; p++)
        assert_string_equal(omb_party_rule_name((enum omb_party_rule)p), party_names[p]);
    assert_string_equal(omb_party_rule_name(OMB_PARTY__COUNT), "unknown");
    assert_string_equal(omb_party_rule_name((enum omb_party_rule)7), "unknown");
}

static void test_same_handler(void **state)
{
    (void)state;
    omb_err err;
    enum omb_state to = SENTINEL;
    /* the first decider (user 42) may not decide the review of its own decision */
    omb_err_clear(&err);
    assert_int_equal(
        omb_lifecycle_check(OMB_ST_REVIEW, OMB_ACT_DECIDE, OMB_ROLE_SUPERVISOR, 42, 42, &to, &err),
        OMB_EFORBIDDEN);
    assert_string_equal(err.code, "same_handler");
    assert_int_equal(err.rc, OMB_EFORBIDDEN);
    assert_int_equal(to, SENTINEL);
    /* someone else may */
    omb_err_clear(&err);
    assert_int_equal(
        omb_lifecycle_check(OMB_ST_REVIEW, OMB_ACT_DECIDE, OMB_ROLE_SUPERVISOR, 43, 42, &to, &err),
        OMB_OK);
    assert_int_equal(to, OMB_ST_DECIDED);
    /* no first decision recorded (0): the rule cannot apply */
    to = SENTINEL;
    assert_int_equal(
        omb_lifecycle_check(OMB_ST_REVIEW, OMB_ACT_DECIDE, OMB_ROLE_COMPLIANCE, 0, 0, &to, &err),
        OMB_OK);
    assert_int_equal(to, OMB_ST_DECIDED);
    /* the rule is specific to the review: the first decider decides after mediation */
    to = SENTINEL;
    assert_int_equal(omb_lifecycle_check(OMB_ST_MEDIATION, OMB_ACT_DECIDE, OMB_ROLE_SUPERVISOR, 42,
                                         42, &to, &err),
                     OMB_OK);
    assert_int_equal(to, OMB_ST_DECIDED);
    /* and after a reopening, back in investigation */
    to = SENTINEL;
    assert_int_equal(omb_lifecycle_check(OMB_ST_INVESTIGATING, OMB_ACT_DECIDE, OMB_ROLE_AGENT, 42,
                                         42, &to, &err),
                     OMB_OK);
    assert_int_equal(to, OMB_ST_DECIDED);
    /* role is checked before the same-handler rule */
    omb_err_clear(&err);
    assert_int_equal(
        omb_lifecycle_check(OMB_ST_REVIEW, OMB_ACT_DECIDE, OMB_ROLE_AGENT, 42, 42, &to, &err),
        OMB_EFORBIDDEN);
    assert_string_equal(err.code, "role_not_allowed");
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    omb_err err;
    enum omb_state to = SENTINEL;
    omb_err_clear(&err);
    assert_int_equal(
        omb_lifecycle_check(OMB_ST__COUNT, OMB_ACT_NOTE, OMB_ROLE_AGENT, 1, 0, &to, &err),
        OMB_EINVAL);
    assert_string_equal(err.code, "invalid_action");
    assert_int_equal(
        omb_lifecycle_check(OMB_ST_RECEIVED, OMB_ACT__COUNT, OMB_ROLE_AGENT, 1, 0, &to, &err),
        OMB_EINVAL);
    assert_int_equal(
        omb_lifecycle_check(OMB_ST_RECEIVED, OMB_ACT_ACCEPT, OMB_ROLE__COUNT, 1, 0, &to, &err),
        OMB_EINVAL);
    assert_int_equal(
        omb_lifecycle_check(BAD_STATE, OMB_ACT_ACCEPT, OMB_ROLE_AGENT, 1, 0, &to, &err),
        OMB_EINVAL);
    assert_int_equal(
        omb_lifecycle_check(OMB_ST_RECEIVED, BAD_ACTION, OMB_ROLE_AGENT, 1, 0, &to, &err),
        OMB_EINVAL);
    assert_int_equal(to, SENTINEL);
    /* err may be NULL: the code still comes back */
    assert_int_equal(
        omb_lifecycle_check(OMB_ST_CLOSED, OMB_ACT_ACCEPT, OMB_ROLE_AGENT, 1, 0, &to, NULL),
        OMB_ECONFLICT);
    assert_int_equal(
        omb_lifecycle_check(OMB_ST_RECEIVED, OMB_ACT_ACCEPT, OMB_ROLE_AGENT, 1, 0, &to, NULL),
        OMB_OK);
    assert_int_equal(to, OMB_ST_ACCEPTED);
}

/* The table never has two rows for the same (action, state): the answer is never ambiguous. */
static void test_table_unambiguous(void **state)
{
    (void)state;
    size_t n = 0;
    const omb_transition *t = omb_transitions(&n);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        assert_true((unsigned)t[i].action < OMB_ACT__COUNT);
        assert_true(t[i].to == OMB_TO_SAME || (t[i].to >= 0 && t[i].to < OMB_ST__COUNT));
        assert_int_equal(t[i].from & ~(uint32_t)OMB_ST_ANY, 0);
        /* only the system's own records have no role that may make them */
        assert_true(t[i].roles != 0 || (t[i].flags & OMB_RULE_SYSTEM));
        for (size_t j = i + 1; j < n; j++)
            if (t[i].action == t[j].action)
                assert_int_equal(t[i].from & t[j].from, 0);
    }
}

static void test_check_create(void **state)
{
    (void)state;
    /* receive: handlers and regulators (complaints transferred in) */
    static const char receive_ok[] = "asr";
    /* import: handlers and admins */
    static const char import_ok[] = "asd";
    for (int r = 0; r < OMB_ROLE__COUNT; r++) {
        omb_err err;
        omb_err_clear(&err);
        int rc = omb_lifecycle_check_create(OMB_ACT_RECEIVE, (enum omb_role)r, &err);
        if (role_in(receive_ok, (enum omb_role)r)) {
            assert_int_equal(rc, OMB_OK);
            assert_string_equal(err.code, "");
        } else {
            assert_int_equal(rc, OMB_EFORBIDDEN);
            assert_string_equal(err.code, "role_not_allowed");
        }
        omb_err_clear(&err);
        rc = omb_lifecycle_check_create(OMB_ACT_IMPORT, (enum omb_role)r, &err);
        if (role_in(import_ok, (enum omb_role)r)) {
            assert_int_equal(rc, OMB_OK);
        } else {
            assert_int_equal(rc, OMB_EFORBIDDEN);
            assert_string_equal(err.code, "role_not_allowed");
        }
    }
    /* no other action creates */
    for (int a = 0; a < OMB_ACT__COUNT; a++) {
        if (a == OMB_ACT_RECEIVE || a == OMB_ACT_IMPORT)
            continue;
        omb_err err;
        omb_err_clear(&err);
        assert_int_equal(omb_lifecycle_check_create((enum omb_action)a, OMB_ROLE_SUPERVISOR, &err),
                         OMB_EINVAL);
        assert_string_equal(err.code, "invalid_action");
    }
    omb_err err;
    assert_int_equal(omb_lifecycle_check_create(OMB_ACT__COUNT, OMB_ROLE_AGENT, &err), OMB_EINVAL);
    assert_int_equal(omb_lifecycle_check_create(OMB_ACT_RECEIVE, OMB_ROLE__COUNT, &err),
                     OMB_EFORBIDDEN);
    assert_int_equal(omb_lifecycle_check_create(OMB_ACT_RECEIVE, OMB_ROLE_AGENT, NULL), OMB_OK);
}

/* ---- names ------------------------------------------------------------- */

static void test_state_names(void **state)
{
    (void)state;
    for (int s = 0; s < OMB_ST__COUNT; s++) {
        assert_string_equal(omb_state_name((enum omb_state)s), state_names[s]);
        assert_string_equal(omb_state_zh((enum omb_state)s), state_zh[s]);
        enum omb_state back = SENTINEL;
        assert_int_equal(omb_state_parse(state_names[s], &back), OMB_OK);
        assert_int_equal(back, s);
    }
    assert_string_equal(omb_state_name(OMB_ST__COUNT), "unknown");
    assert_string_equal(omb_state_name(BAD_STATE), "unknown");
    assert_string_equal(omb_state_zh(OMB_ST__COUNT), "未知");
    static const char *const bad[] = {"",        "RECEIVED", "Received", "received ", "open",
                                      "unknown", "登记",     "close",    "decide"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum omb_state out = SENTINEL;
        assert_int_equal(omb_state_parse(bad[i], &out), OMB_EINVAL);
        assert_int_equal(out, SENTINEL);
    }
}

static void test_role_names(void **state)
{
    (void)state;
    for (int r = 0; r < OMB_ROLE__COUNT; r++) {
        assert_string_equal(omb_role_name((enum omb_role)r), role_names[r]);
        enum omb_role back = OMB_ROLE__COUNT;
        assert_int_equal(omb_role_parse(role_names[r], &back), OMB_OK);
        assert_int_equal(back, r);
    }
    assert_string_equal(omb_role_name(OMB_ROLE__COUNT), "unknown");
    static const char *const bad[] = {"", "Agent", "root", "consumer", "agents", "unknown"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum omb_role out = OMB_ROLE__COUNT;
        assert_int_equal(omb_role_parse(bad[i], &out), OMB_EINVAL);
        assert_int_equal(out, OMB_ROLE__COUNT);
    }
}

static void test_action_names(void **state)
{
    (void)state;
    int api = 0;
    for (int a = 0; a < OMB_ACT__COUNT; a++) {
        const omb_action_info *info = omb_action_get((enum omb_action)a);
        assert_non_null(info);
        assert_int_equal(info->action, a);
        assert_string_equal(info->name, action_names[a].name);
        assert_string_equal(info->event_type, action_names[a].event);
        assert_non_null(info->zh);
        assert_true(strlen(info->zh) > 0);

        /* every event type leads back to its action */
        enum omb_action back = OMB_ACT__COUNT;
        assert_int_equal(omb_action_by_event(action_names[a].event, &back), OMB_OK);
        assert_int_equal(back, a);

        /* only API actions are found by name */
        back = OMB_ACT__COUNT;
        int rc = omb_action_parse(action_names[a].name, &back);
        if (action_names[a].api) {
            assert_int_equal(rc, OMB_OK);
            assert_int_equal(back, a);
            api++;
        } else {
            assert_int_equal(rc, OMB_EINVAL);
            assert_int_equal(back, OMB_ACT__COUNT);
        }
    }
    assert_int_equal(api, 24);
    assert_null(omb_action_get(OMB_ACT__COUNT));
    assert_null(omb_action_get(BAD_ACTION));

    enum omb_action out = OMB_ACT__COUNT;
    assert_int_equal(omb_action_parse("receive", &out), OMB_EINVAL);
    assert_int_equal(omb_action_parse("import", &out), OMB_EINVAL);
    assert_int_equal(omb_action_parse("attach", &out), OMB_EINVAL);
    /* the system's records and the read of personal data have no action endpoint */
    assert_int_equal(omb_action_parse("dispatch", &out), OMB_EINVAL);
    assert_int_equal(omb_action_parse("pii_read", &out), OMB_EINVAL);
    assert_int_equal(omb_action_parse("task_overdue", &out), OMB_EINVAL);
    assert_int_equal(omb_action_parse("transfer_escalation", &out), OMB_EINVAL);
    assert_int_equal(omb_action_parse("acknowledge", &out), OMB_EINVAL);
    assert_int_equal(omb_action_parse("", &out), OMB_EINVAL);
    assert_int_equal(omb_action_parse("Accept", &out), OMB_EINVAL);
    assert_int_equal(omb_action_parse("accepted", &out), OMB_EINVAL);  /* an event, not an action */
    assert_int_equal(omb_action_by_event("accept", &out), OMB_EINVAL); /* an action, not an event */
    assert_int_equal(omb_action_by_event("", &out), OMB_EINVAL);
    assert_int_equal(omb_action_by_event("exploded", &out), OMB_EINVAL);
    assert_int_equal(out, OMB_ACT__COUNT);
}

/* ---- what actions carry ------------------------------------------------ */

static int check_body(enum omb_action a, const char *body, omb_err *err)
{
    json_error_t jerr;
    json_t *obj = json_loads(body, 0, &jerr);
    if (!obj)
        fail_msg("bad test JSON %s: %s", body, jerr.text);
    omb_err_clear(err);
    const omb_action_info *info = omb_action_get(a);
    static const omb_field_spec none[] = {{NULL, 0, false, 0, 0, NULL, NULL, 0}};
    int rc = omb_fields_check(obj, info->fields ? info->fields : none, "", err);
    json_decref(obj);
    return rc;
}

static void test_action_fields(void **state)
{
    (void)state;
    omb_err err;
    /* a rejection and a withdrawal need a reason */
    assert_int_equal(check_body(OMB_ACT_REJECT, "{}", &err), OMB_EFIELD);
    assert_string_equal(err.code, "missing_field");
    assert_string_equal(err.field, "reason");
    assert_int_equal(check_body(OMB_ACT_REJECT, "{\"reason\":\"重复投诉\"}", &err), OMB_OK);
    assert_int_equal(check_body(OMB_ACT_WITHDRAW, "{}", &err), OMB_EFIELD);
    assert_string_equal(err.field, "reason");
    /* accept: an optional note */
    assert_int_equal(check_body(OMB_ACT_ACCEPT, "{}", &err), OMB_OK);
    assert_int_equal(check_body(OMB_ACT_ACCEPT, "{\"lead\":1}", &err), OMB_EFIELD);
    assert_string_equal(err.code, "unknown_field");
    /* a decision: finding, responsibility, remedy, basis, routes open */
    const char *decision = "{\"finding\":\"多收费用\",\"responsibility\":\"institution\","
                           "\"remedy\":\"退还\",\"basis\":\"合同第5条\",\"routes\":[\"review\","
                           "\"mediation\"],\"compensation_fen\":12345,"
                           "\"party_responsibility\":[{\"party\":1,\"weight\":60},"
                           "{\"party\":2,\"weight\":40}]}";
    assert_int_equal(check_body(OMB_ACT_DECIDE, decision, &err), OMB_OK);
    assert_int_equal(check_body(OMB_ACT_DECIDE,
                                "{\"finding\":\"x\",\"responsibility\":\"institution\","
                                "\"remedy\":\"x\",\"routes\":[]}",
                                &err),
                     OMB_EFIELD);
    assert_string_equal(err.field, "basis");
    assert_int_equal(check_body(OMB_ACT_DECIDE,
                                "{\"finding\":\"x\",\"responsibility\":\"god\",\"remedy\":\"x\","
                                "\"basis\":\"x\",\"routes\":[]}",
                                &err),
                     OMB_EFIELD);
    assert_string_equal(err.code, "invalid_value");
    assert_string_equal(err.field, "responsibility");
    /* a notice: method, time and proof */
    assert_int_equal(check_body(OMB_ACT_NOTIFY,
                                "{\"method\":\"sms\",\"notified_at\":\"2026-11-22T08:00:00+08:00\","
                                "\"proof\":\"sms-receipt-1\"}",
                                &err),
                     OMB_OK);
    assert_int_equal(check_body(OMB_ACT_NOTIFY,
                                "{\"method\":\"pigeon\",\"notified_at\":\"2026-11-22T08:00:00Z\","
                                "\"proof\":\"x\"}",
                                &err),
                     OMB_EFIELD);
    assert_string_equal(err.field, "method");
    assert_int_equal(check_body(OMB_ACT_NOTIFY,
                                "{\"method\":\"sms\",\"notified_at\":\"2026-02-30T08:00:00Z\","
                                "\"proof\":\"x\"}",
                                &err),
                     OMB_EFIELD);
    assert_string_equal(err.code, "invalid_time");
    /* mediation names the mediator party */
    assert_int_equal(check_body(OMB_ACT_MEDIATE, "{\"mediator_party\":0}", &err), OMB_EFIELD);
    assert_string_equal(err.code, "out_of_range");
    assert_int_equal(check_body(OMB_ACT_MEDIATE, "{\"mediator_party\":9}", &err), OMB_OK);
    /* reopening carries the new facts; closing a summary; assigning an assignee */
    assert_int_equal(check_body(OMB_ACT_REOPEN, "{}", &err), OMB_EFIELD);
    assert_string_equal(err.field, "facts");
    assert_int_equal(check_body(OMB_ACT_CLOSE, "{\"summary\":\"\"}", &err), OMB_EFIELD);
    assert_string_equal(err.code, "empty_value");
    assert_int_equal(check_body(OMB_ACT_ASSIGN, "{\"assignee\":5}", &err), OMB_OK);
    assert_int_equal(
        check_body(OMB_ACT_CLASSIFY, "{\"grade\":\"urgent\",\"tags\":[\"催收\"]}", &err), OMB_OK);
    assert_int_equal(check_body(OMB_ACT_CLASSIFY, "{\"grade\":\"critical\"}", &err), OMB_EFIELD);
    assert_int_equal(check_body(OMB_ACT_NOTE, "{\"text\":\"called back\"}", &err), OMB_OK);
    assert_int_equal(check_body(OMB_ACT_REVIEW, "{\"reason\":\"不服\"}", &err), OMB_OK);
    assert_int_equal(check_body(OMB_ACT_MERGE, "{\"into\":\"TS20261122000001\"}", &err), OMB_OK);
    assert_int_equal(check_body(OMB_ACT_MERGE, "{\"reason\":\"dup\"}", &err), OMB_EFIELD);
    assert_string_equal(err.field, "into");
    /* a transfer names the party and the reason; department and queue are optional */
    assert_int_equal(check_body(OMB_ACT_TRANSFER,
                                "{\"to_party\":4,\"reason\":\"系统扣款故障\",\"queue\":\"app\","
                                "\"department\":\"technology\"}",
                                &err),
                     OMB_OK);
    assert_int_equal(check_body(OMB_ACT_TRANSFER, "{\"reason\":\"x\"}", &err), OMB_EFIELD);
    assert_string_equal(err.code, "missing_field");
    assert_string_equal(err.field, "to_party");
    assert_int_equal(check_body(OMB_ACT_TRANSFER, "{\"to_party\":0,\"reason\":\"x\"}", &err),
                     OMB_EFIELD);
    assert_string_equal(err.code, "out_of_range");
    assert_int_equal(check_body(OMB_ACT_TRANSFER, "{\"to_party\":4}", &err), OMB_EFIELD);
    assert_string_equal(err.field, "reason");
    /* acknowledging may name the assignee; declining needs a reason */
    assert_int_equal(check_body(OMB_ACT_ACK_TRANSFER, "{}", &err), OMB_OK);
    assert_int_equal(check_body(OMB_ACT_ACK_TRANSFER, "{\"assignee\":17,\"note\":\"收到\"}", &err),
                     OMB_OK);
    assert_int_equal(check_body(OMB_ACT_ACK_TRANSFER, "{\"to_party\":4}", &err), OMB_EFIELD);
    assert_string_equal(err.code, "unknown_field");
    assert_int_equal(check_body(OMB_ACT_DECLINE_TRANSFER, "{}", &err), OMB_EFIELD);
    assert_string_equal(err.field, "reason");
    /* a task: to whom, what kind, what is asked, in how many working days (1-30) */
    assert_int_equal(check_body(OMB_ACT_REQUEST_TASK,
                                "{\"to_party\":4,\"kind\":\"information\","
                                "\"request\":\"请提供交易流水\",\"due_days\":3}",
                                &err),
                     OMB_OK);
    assert_int_equal(check_body(OMB_ACT_REQUEST_TASK,
                                "{\"to_party\":4,\"kind\":\"action\",\"request\":\"停止催收\"}",
                                &err),
                     OMB_OK);
    assert_int_equal(check_body(OMB_ACT_REQUEST_TASK,
                                "{\"to_party\":4,\"kind\":\"favour\",\"request\":\"x\"}", &err),
                     OMB_EFIELD);
    assert_string_equal(err.code, "invalid_value");
    assert_string_equal(err.field, "kind");
    assert_int_equal(check_body(OMB_ACT_REQUEST_TASK,
                                "{\"to_party\":4,\"kind\":\"action\",\"request\":\"x\","
                                "\"due_days\":31}",
                                &err),
                     OMB_EFIELD);
    assert_string_equal(err.code, "out_of_range");
    assert_string_equal(err.field, "due_days");
    assert_int_equal(check_body(OMB_ACT_REQUEST_TASK,
                                "{\"to_party\":4,\"kind\":\"action\",\"request\":\"x\","
                                "\"due_days\":0}",
                                &err),
                     OMB_EFIELD);
    assert_string_equal(err.field, "due_days");
    assert_int_equal(check_body(OMB_ACT_REQUEST_TASK, "{\"to_party\":4,\"kind\":\"action\"}", &err),
                     OMB_EFIELD);
    assert_string_equal(err.field, "request");
    /* answering names the task, with attachments by SHA-256 (64 characters) */
    char answer[400];
    snprintf(answer, sizeof answer,
             "{\"task\":1,\"answer\":\"流水见附件\",\"attachments\":[\"%s\"]}",
             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    assert_int_equal(check_body(OMB_ACT_ANSWER_TASK, answer, &err), OMB_OK);
    assert_int_equal(check_body(OMB_ACT_ANSWER_TASK,
                                "{\"task\":1,\"answer\":\"x\",\"attachments\":[\"abc\"]}", &err),
                     OMB_EFIELD);
    assert_string_equal(err.field, "attachments");
    assert_int_equal(check_body(OMB_ACT_ANSWER_TASK, "{\"answer\":\"x\"}", &err), OMB_EFIELD);
    assert_string_equal(err.field, "task");
    assert_int_equal(check_body(OMB_ACT_ANSWER_TASK, "{\"task\":0,\"answer\":\"x\"}", &err),
                     OMB_EFIELD);
    assert_string_equal(err.code, "out_of_range");
    assert_int_equal(check_body(OMB_ACT_CANCEL_TASK, "{\"task\":2,\"reason\":\"不需要了\"}", &err),
                     OMB_OK);
    assert_int_equal(check_body(OMB_ACT_CANCEL_TASK, "{\"task\":2}", &err), OMB_EFIELD);
    assert_string_equal(err.field, "reason");
    /* the system's records and the read carry nothing a user writes */
    static const enum omb_action bare[] = {OMB_ACT_DISPATCH, OMB_ACT_TRANSFER_ESCALATION,
                                           OMB_ACT_TASK_OVERDUE, OMB_ACT_PII_READ};
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++)
        assert_null(omb_action_get(bare[i])->fields);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_exhaustive), cmocka_unit_test(test_illegal_transition),
        cmocka_unit_test(test_role_not_allowed),  cmocka_unit_test(test_party_rules),
        cmocka_unit_test(test_same_handler),      cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_table_unambiguous), cmocka_unit_test(test_check_create),
        cmocka_unit_test(test_state_names),       cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_action_names),      cmocka_unit_test(test_action_fields),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
