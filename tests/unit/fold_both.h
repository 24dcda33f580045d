/*
 * fold_both.h - applies an event to a complaint in both forms of the fold
 * for the fold's unit tests: the copying omb_fold_apply, whose result the
 * test goes on with, and the in-place omb_fold_apply_in_place that the
 * writers use (src/app/commit.c), on a copy.  Both must agree: the same
 * result code, and on success the same document and scalars.  Include it
 * after <cmocka.h>.
 */
#ifndef OMB_FOLD_BOTH_H
#define OMB_FOLD_BOTH_H

#include "core/complaint.h"

static inline int fold_both(omb_complaint *c, const omb_event *ev, omb_err *err)
{
    omb_complaint twin = *c;
    twin.doc = json_deep_copy(c->doc);
    omb_err twin_err;
    int twin_rc = omb_fold_apply_in_place(&twin, ev, &twin_err);
    int rc = omb_fold_apply(c, ev, err);
    assert_int_equal(twin_rc, rc);
    if (rc == OMB_OK) {
        omb_complaint_sync_doc(&twin);
        assert_int_equal(twin.state, c->state);
        assert_int_equal(twin.version, c->version);
        assert_int_equal(twin.grade, c->grade);
        assert_int_equal(twin.lead_party_id, c->lead_party_id);
        assert_int_equal(twin.assignee_id, c->assignee_id);
        if (!json_equal(twin.doc, c->doc)) {
            char *a = json_dumps(twin.doc, JSON_SORT_KEYS);
            char *b = json_dumps(c->doc, JSON_SORT_KEYS);
            fail_msg("%s: the in-place fold gives\n%s\nthe copying fold\n%s", ev->type, a, b);
        }
    }
    omb_complaint_release(&twin);
    return rc;
}

#endif
