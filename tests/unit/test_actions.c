/*
 * test_actions.c - unit tests for the action tables taken together: every
 * action has its row in the app's table of hooks (src/app/actions.c), its
 * applier in the fold (core/fold.c), its name and event type in the
 * lifecycle (core/lifecycle.c), and, when the API reaches it, its field
 * table; actions recorded by ombud itself take no body.  A new action that
 * misses one of them fails here rather than at run time.
 */
#include "app/app.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "unit_main.h"

/* The flags of the lifecycle rows of an action, or-ed together. */
static unsigned flags_of(enum omb_action a, bool *has_row)
{
    size_t n;
    const omb_transition *t = omb_transitions(&n);
    unsigned flags = 0;
    *has_row = false;
    for (size_t i = 0; i < n; i++)
        if (t[i].action == a) {
            flags |= t[i].flags;
            *has_row = true;
        }
    return flags;
}

static void every_action_has_its_hooks_row(void **state)
{
    for (int a = 0; a < OMB_ACT__COUNT; a++) {
        const omb_action_hooks *h = omb_action_hooks_get((enum omb_action)a);
        assert_non_null(h);
        if (!h->listed || (int)h->action != a)
            fail_msg("action %s has no row in the table of src/app/actions.c",
                     omb_action_get((enum omb_action)a)->name);
    }
}

static void every_action_is_folded(void **state)
{
    for (int a = 0; a < OMB_ACT__COUNT; a++)
        if (!omb_fold_applies((enum omb_action)a))
            fail_msg("action %s has no applier in core/fold.c",
                     omb_action_get((enum omb_action)a)->name);
}

static void every_action_has_a_name_an_event_and_a_lifecycle_row(void **state)
{
    for (int a = 0; a < OMB_ACT__COUNT; a++) {
        const omb_action_info *info = omb_action_get((enum omb_action)a);
        assert_non_null(info);
        assert_int_equal(info->action, a);
        assert_non_null(info->name);
        assert_non_null(info->event_type);
        assert_non_null(info->zh);
        enum omb_action back;
        assert_int_equal(omb_action_by_event(info->event_type, &back), OMB_OK);
        assert_int_equal(back, a);
        bool has_row;
        flags_of((enum omb_action)a, &has_row);
        if (!has_row)
            fail_msg("action %s has no row in the lifecycle table", info->name);
    }
}

static void every_api_action_has_fields_and_is_found_by_name(void **state)
{
    int api = 0;
    for (int a = 0; a < OMB_ACT__COUNT; a++) {
        const omb_action_info *info = omb_action_get((enum omb_action)a);
        bool has_row;
        unsigned flags = flags_of((enum omb_action)a, &has_row);
        enum omb_action found;
        int rc = omb_action_parse(info->name, &found);
        if (!(flags & OMB_RULE_API)) {
            assert_int_not_equal(rc, OMB_OK); /* not reachable as .../actions/<name> */
            continue;
        }
        api++;
        if (!info->fields)
            fail_msg("API action %s has no field table", info->name);
        assert_int_equal(rc, OMB_OK);
        assert_int_equal(found, a);
    }
    assert_true(api >= 20);
}

static void system_actions_take_no_body(void **state)
{
    for (int a = 0; a < OMB_ACT__COUNT; a++) {
        bool has_row;
        if (!(flags_of((enum omb_action)a, &has_row) & OMB_RULE_SYSTEM))
            continue;
        const omb_action_hooks *h = omb_action_hooks_get((enum omb_action)a);
        assert_null(omb_action_get((enum omb_action)a)->fields);
        assert_null(h->check);
        assert_null(h->refs);
    }
}

/* The creation actions check their body (they have no field table of
 * their own) and index the complainant after their event; their run
 * resolves what they refer to itself, so a refs hook would never run.
 * Neither would a check or refs hook of a read of personal data. */
static void creations_check_and_index(void **state)
{
    const enum omb_action creating[] = {OMB_ACT_RECEIVE, OMB_ACT_IMPORT};
    for (size_t i = 0; i < 2; i++) {
        const omb_action_hooks *h = omb_action_hooks_get(creating[i]);
        assert_non_null(h->check);
        assert_null(h->refs);
        assert_non_null(h->after);
    }
    assert_null(omb_action_hooks_get(OMB_ACT_PII_READ)->check);
    assert_null(omb_action_hooks_get(OMB_ACT_PII_READ)->refs);
    /* the rows that store more than the event */
    assert_non_null(omb_action_hooks_get(OMB_ACT_DECIDE)->after);
    assert_non_null(omb_action_hooks_get(OMB_ACT_ATTACH)->after);
}

static void unknown_action_has_empty_row(void **state)
{
    const omb_action_hooks *h = omb_action_hooks_get(OMB_ACT__COUNT);
    assert_int_equal(h->action, OMB_ACT__COUNT);
    assert_false(h->listed);
    assert_null(h->check);
    assert_null(h->refs);
    assert_null(h->after);
    assert_false(omb_fold_applies(OMB_ACT__COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_action_has_its_hooks_row),
        cmocka_unit_test(every_action_is_folded),
        cmocka_unit_test(every_action_has_a_name_an_event_and_a_lifecycle_row),
        cmocka_unit_test(every_api_action_has_fields_and_is_found_by_name),
        cmocka_unit_test(system_actions_take_no_body),
        cmocka_unit_test(creations_check_and_index),
        cmocka_unit_test(unknown_action_has_empty_row),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
