/*
 * lifecycle.h - the states of a complaint, the roles of users and the
 * action table that says, for every action, from which states it may be
 * taken, where it leads, who may take it and what it must carry.
 *
 * The table is the single statement of the lifecycle (docs/api.md, "The
 * complaint lifecycle").
 * The app layer asks omb_lifecycle_check() before building an event; the
 * fold (fold.h) replays the same table when it rebuilds a complaint from its
 * events, so an event log that breaks the rules is caught on replay.
 */
#ifndef OMB_LIFECYCLE_H
#define OMB_LIFECYCLE_H

#include "err.h"
#include "fields.h"

#include <stdbool.h>
#include <stdint.h>

enum omb_state {
    OMB_ST_RECEIVED,
    OMB_ST_ACCEPTED,
    OMB_ST_INVESTIGATING,
    OMB_ST_DECIDED,
    OMB_ST_NOTIFIED,
    OMB_ST_REVIEW,
    OMB_ST_MEDIATION,
    OMB_ST_CLOSED,
    OMB_ST_REJECTED,
    OMB_ST_WITHDRAWN,
    OMB_ST_MERGED,
    OMB_ST__COUNT
};

#define OMB_STBIT(s) (1u << (s))
#define OMB_ST_ANY   ((1u << OMB_ST__COUNT) - 1)
#define OMB_ST_TERMINAL                                                                            \
    (OMB_STBIT(OMB_ST_REJECTED) | OMB_STBIT(OMB_ST_WITHDRAWN) | OMB_STBIT(OMB_ST_MERGED))
#define OMB_ST_OPEN (OMB_ST_ANY & ~OMB_ST_TERMINAL & ~OMB_STBIT(OMB_ST_CLOSED))

enum omb_role {
    OMB_ROLE_AGENT,
    OMB_ROLE_SUPERVISOR,
    OMB_ROLE_COMPLIANCE,
    OMB_ROLE_ADMIN,
    OMB_ROLE_AUDITOR,
    OMB_ROLE_MEDIATOR,
    OMB_ROLE_REGULATOR,
    OMB_ROLE__COUNT
};

#define OMB_ROLEBIT(r) (1u << (r))

enum omb_action {
    OMB_ACT_RECEIVE,          /* create: -> received */
    OMB_ACT_ACCEPT,           /* received -> accepted */
    OMB_ACT_REJECT,           /* received -> rejected, with reason */
    OMB_ACT_MERGE,            /* received|accepted -> merged, into another complaint */
    OMB_ACT_WITHDRAW,         /* received|accepted|investigating -> withdrawn */
    OMB_ACT_INVESTIGATE,      /* accepted -> investigating */
    OMB_ACT_DECIDE,           /* investigating|review|mediation -> decided */
    OMB_ACT_NOTIFY,           /* decided -> notified, with method, time, proof */
    OMB_ACT_REVIEW,           /* notified -> review: the consumer applied */
    OMB_ACT_MEDIATE,          /* notified -> mediation: referred to a mediator */
    OMB_ACT_CLOSE,            /* notified|mediation -> closed */
    OMB_ACT_REOPEN,           /* closed -> investigating: new facts */
    OMB_ACT_ASSIGN,           /* open states: set the assignee */
    OMB_ACT_CLASSIFY,         /* open states: codes, grade, tags */
    OMB_ACT_NOTE,             /* any state: a note */
    OMB_ACT_ATTACH,           /* any state: an attachment (by SHA-256) */
    OMB_ACT_IMPORT,           /* create from an import, in a historical state */
    OMB_ACT_EXTEND,           /* before the decision: extend its time limit (30, 60 days) */
    OMB_ACT_PAUSE,            /* stop a clock: appraisal, testing, mediation, consumer's material */
    OMB_ACT_RESUME,           /* end a pause */
    OMB_ACT_CALLBACK,         /* closed: the callback and the consumer's satisfaction */
    OMB_ACT_CLOCK_WARNING,    /* the system: a clock has used its warning share */
    OMB_ACT_CLOCK_ESCALATION, /* the system: a clock is breached */
    OMB_ACT_DISPATCH,         /* the system: lead party, department, queue, agent by rule */
    OMB_ACT_TRANSFER,         /* hand the complaint to another party (转办) */
    OMB_ACT_ACK_TRANSFER,     /* the receiving party takes the transfer: it leads now */
    OMB_ACT_DECLINE_TRANSFER, /* the receiving party sends it back */
    OMB_ACT_TRANSFER_ESCALATION, /* the system: a transfer was not acknowledged in time */
    OMB_ACT_REQUEST_TASK,        /* the lead asks a partner for information or action (协办) */
    OMB_ACT_ANSWER_TASK,         /* the partner answers the task */
    OMB_ACT_CANCEL_TASK,         /* the party that asked withdraws the task */
    OMB_ACT_TASK_OVERDUE,        /* the system: a task was not answered in time */
    OMB_ACT_PII_READ,            /* a user read the complainant's personal data unmasked */
    OMB_ACT__COUNT
};

/* Rules a row may carry beyond roles and states. */
enum omb_rule_flags {
    OMB_RULE_NONE = 0,
    OMB_RULE_NOT_FIRST_DECIDER = 1 << 0, /* actor must differ from the first decision's */
    OMB_RULE_API = 1 << 1,               /* reachable as POST .../actions/<name> */
    OMB_RULE_SYSTEM = 1 << 2,            /* recorded by ombud itself, never by a user */
    OMB_RULE_UPLOAD = 1 << 3,            /* reachable as POST .../attachments (a file) */
};

#define OMB_TO_SAME (-1) /* the action does not change the state */

/* Which of the parties involved in a complaint may take an action: the
 * party rule of a transition, checked by the app against the complaint. */
enum omb_party_rule {
    OMB_PARTY_LEAD,             /* the lead party (牵头方); the default */
    OMB_PARTY_INVOLVED,         /* any party involved */
    OMB_PARTY_LEAD_OR_MEDIATOR, /* the lead party or the mediator it was referred to */
    OMB_PARTY_TASK_TO,          /* the party the task is addressed to */
    OMB_PARTY_TASK_FROM,        /* the party that asked for the task */
    OMB_PARTY_TRANSFER_TO,      /* the party a pending transfer is addressed to */
    OMB_PARTY__COUNT
};

typedef struct omb_transition {
    enum omb_action action;
    uint32_t from;  /* OMB_STBIT mask of states it may be taken from */
    int to;         /* enum omb_state, or OMB_TO_SAME */
    uint32_t roles; /* OMB_ROLEBIT mask of roles that may take it */
    unsigned flags; /* enum omb_rule_flags */
    enum omb_party_rule party;
} omb_transition;

typedef struct omb_action_info {
    enum omb_action action;
    const char *name;             /* API name: "accept" */
    const char *event_type;       /* event it records: "accepted" */
    const char *zh;               /* label for people: "受理" */
    const omb_field_spec *fields; /* what its body carries; NULL-name terminated */
} omb_action_info;

const char *omb_state_name(enum omb_state s);
const char *omb_state_zh(enum omb_state s);
int omb_state_parse(const char *name, enum omb_state *out);

const char *omb_role_name(enum omb_role r);
int omb_role_parse(const char *name, enum omb_role *out);

const omb_action_info *omb_action_get(enum omb_action a);
/* Looks an action up by API name; only OMB_RULE_API actions are found. */
int omb_action_parse(const char *name, enum omb_action *out);
/* Whether users take the action through the API (OMB_RULE_API or OMB_RULE_UPLOAD):
 * the actions of the catalogue (GET /v1/actions). */
bool omb_action_offered(enum omb_action a);
/* Looks an action up by the event type it records. */
int omb_action_by_event(const char *event_type, enum omb_action *out);

/* The whole table, for tests and documentation. */
const omb_transition *omb_transitions(size_t *count);

/*
 * Decides whether `role` may take `action` on a complaint in `state`.
 * actor_user_id and first_decider_id feed OMB_RULE_NOT_FIRST_DECIDER
 * (first_decider_id 0 = no decision yet).  On success *to is the next state
 * (equal to `state` for actions that keep it).
 *
 * Errors: OMB_ECONFLICT "illegal_transition" when no row allows the action
 * from this state; OMB_EFORBIDDEN "role_not_allowed" when a row allows it
 * but not for this role; OMB_EFORBIDDEN "same_handler" when a review
 * decision is attempted by the first decision's author.
 */
int omb_lifecycle_check(enum omb_state state, enum omb_action action, enum omb_role role,
                        int64_t actor_user_id, int64_t first_decider_id, enum omb_state *to,
                        omb_err *err);

/* The party rule of the row that lets `role` take `action` in `state`
 * (OMB_PARTY_LEAD when no row does: omb_lifecycle_check refuses it anyway). */
enum omb_party_rule omb_lifecycle_party(enum omb_state state, enum omb_action action,
                                        enum omb_role role);
const char *omb_party_rule_name(enum omb_party_rule rule);

/* Whether `role` may create a complaint through `action` (RECEIVE or IMPORT). */
int omb_lifecycle_check_create(enum omb_action action, enum omb_role role, omb_err *err);

#endif
