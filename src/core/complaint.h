/*
 * complaint.h - a complaint as the fold of its events.
 *
 * The scalar fields are what the store indexes and what rules look at; the
 * JSON document holds everything a reader sees (texts, complainant,
 * decision, notice...).  omb_fold_apply() advances a complaint by one event
 * using the lifecycle table, so replaying a complaint's events from an empty
 * omb_complaint gives its current state: the projection row is a cache of
 * exactly that.
 */
#ifndef OMB_COMPLAINT_H
#define OMB_COMPLAINT_H

#include "err.h"
#include "event.h"
#include "fields.h"
#include "lifecycle.h"
#include "timeutil.h"

#include <jansson.h>
#include <stdint.h>

enum omb_grade { OMB_GRADE_GENERAL, OMB_GRADE_IMPORTANT, OMB_GRADE_URGENT, OMB_GRADE_MAJOR };

const char *omb_grade_name(enum omb_grade g);
const char *omb_grade_zh(enum omb_grade g);
int omb_grade_parse(const char *name, enum omb_grade *out);

#define OMB_NO_MAX   24
#define OMB_CODE_MAX 33

typedef struct omb_complaint {
    int64_t id;
    char no[OMB_NO_MAX];
    enum omb_state state;
    enum omb_grade grade;
    char channel[OMB_CODE_MAX];
    char business[OMB_CODE_MAX];
    char cause[OMB_CODE_MAX];
    omb_ms received_at;
    omb_ms updated_at;
    int64_t target_party_id;
    int64_t product_id;
    int64_t lead_party_id;
    int64_t assignee_id;
    int64_t amount_fen;
    int64_t complainants;
    int64_t first_decider_id; /* author of the first decision, 0 before */
    int64_t version;          /* seq of the last event applied */
    json_t *doc;              /* owned; the reader's view, kept in step by the fold */
} omb_complaint;

/* The fields a new complaint carries (POST /v1/complaints). */
extern const omb_field_spec omb_complaint_create_fields[];

void omb_complaint_init(omb_complaint *c);
void omb_complaint_release(omb_complaint *c);

/*
 * Applies one event (the safe form, for replays and tests; writers use
 * the in-place form below).  Creation events ("received", "imported") need an
 * empty complaint; every other event must be allowed from the current state
 * by the lifecycle table and carry seq == version + 1.  On error the
 * complaint is unchanged: OMB_ECONFLICT "fold_conflict".
 */
int omb_fold_apply(omb_complaint *c, const omb_event *ev, omb_err *err);

/* The same without the copy that keeps a failure from showing: on error c
 * is left half-changed and may only be released.  For writers that discard
 * the complaint when a step fails, which spares copying its document.  The
 * document's scalar members (state, version, ...) are not rewritten: call
 * omb_complaint_sync_doc() before reading them (saving does). */
int omb_fold_apply_in_place(omb_complaint *c, const omb_event *ev, omb_err *err);

/* Whether a party is involved in the complaint (listed in its "parties"). */
bool omb_complaint_involves(const omb_complaint *c, int64_t party);

/* Item number n ("n") of the document's list key ("tasks", "transfers"), or NULL. */
json_t *omb_complaint_item(const omb_complaint *c, const char *key, int64_t n);
/* The transfer waiting for acknowledgement, or NULL. */
json_t *omb_complaint_pending_transfer(const omb_complaint *c);

/* Whether the fold knows the event of an action (it has an applier). */
bool omb_fold_applies(enum omb_action action);

/* Writes the scalar fields into c->doc so the document is complete. */
void omb_complaint_sync_doc(omb_complaint *c);

/* Reads the scalar fields back from a complete document (loading). */
int omb_complaint_from_doc(omb_complaint *c, json_t *doc, omb_err *err);

#endif
