/*
 * grade.h - grading a new complaint: general / important / urgent / major.
 *
 * The grading rules of docs/api.md ("Registering a complaint") as a table:
 * each rule looks at one fact of the complaint (number of complainants,
 * channel, amount, a signal the channel reported, a word in the text) and
 * names the grade it implies.
 * The highest grade any rule implies wins; the reasons are kept so that a
 * person can see why.  A grade given at registration is a floor, never
 * lowered; a later change of grade follows omb_grade_change_check().
 */
#ifndef OMB_GRADE_H
#define OMB_GRADE_H

#include "complaint.h"

#include <jansson.h>

typedef struct omb_grade_policy {
    int64_t major_complainants;   /* default 20 */
    int64_t important_amount_fen; /* default 5,000,000 (50,000 yuan) */
} omb_grade_policy;

extern const omb_grade_policy omb_grade_defaults;

/* The signals a channel may report with a complaint. */
extern const char *const omb_grade_signals[];

/*
 * Grades the creation payload p (validated against
 * omb_complaint_create_fields).  Returns the grade and appends the reasons
 * (strings such as "complainants>=20") to `reasons` when not NULL.
 * Unknown signals give OMB_EFIELD "invalid_value" through err.
 */
int omb_grade_evaluate(const omb_grade_policy *policy, const json_t *p, enum omb_grade *out,
                       json_t *reasons, omb_err *err);

/*
 * Whether `role` may change a complaint's grade from `from` to `to` (classify).
 * Raising is open to every role that may classify; lowering loosens the clocks,
 * so it needs a supervisor or a compliance officer (403 "approval_required",
 * field "grade") and a reason (422 "missing_field", field "reason").
 */
int omb_grade_change_check(enum omb_grade from, enum omb_grade to, enum omb_role role,
                           bool has_reason, omb_err *err);

/*
 * The grade_reasons of a grade set by hand: ["given:<user>"] or, with a reason,
 * ["given:<user>:<reason>"], replacing the reasons of the grade it replaces.
 */
json_t *omb_grade_given_reasons(int64_t user_id, const char *reason);

#endif
