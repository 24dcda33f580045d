/*
 * fold_int.h - what the appliers of the fold share (fold.c, fold_link.c):
 * the helpers that write event records into a complaint's document, and
 * the appliers of the multi-party events.  Internal to src/core.
 */
#ifndef OMB_FOLD_INT_H
#define OMB_FOLD_INT_H

#include "complaint.h"

typedef int (*applier)(omb_complaint *c, const omb_event *ev, omb_err *err);

/* Stores the payload (with time and author) under doc[key]. */
void omb_fold_keep_record(omb_complaint *c, const omb_event *ev, const char *key);
/* Adds {party, role} to doc["parties"] unless that pair is there. */
void omb_fold_add_party(omb_complaint *c, int64_t party, const char *role);

int omb_fold_dispatched(omb_complaint *c, const omb_event *ev, omb_err *err);
int omb_fold_transferred(omb_complaint *c, const omb_event *ev, omb_err *err);
int omb_fold_transfer_acknowledged(omb_complaint *c, const omb_event *ev, omb_err *err);
int omb_fold_transfer_declined(omb_complaint *c, const omb_event *ev, omb_err *err);
int omb_fold_transfer_escalated(omb_complaint *c, const omb_event *ev, omb_err *err);
int omb_fold_task_requested(omb_complaint *c, const omb_event *ev, omb_err *err);
int omb_fold_task_answered(omb_complaint *c, const omb_event *ev, omb_err *err);
int omb_fold_task_cancelled(omb_complaint *c, const omb_event *ev, omb_err *err);
int omb_fold_task_overdue(omb_complaint *c, const omb_event *ev, omb_err *err);
int omb_fold_pii_read(omb_complaint *c, const omb_event *ev, omb_err *err);

#endif
