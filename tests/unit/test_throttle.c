/*
 * test_throttle.c - unit tests for src/core/throttle.c: failed attempts per
 * key, the lockout they earn and its growth, the quiet window that forgets
 * them, attempts in flight, success, and the fixed-size table under a
 * flood of keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdio.h>

#include "core/throttle.h"

#define S 1000 /* one second in ms */

static const omb_throttle_rule rule = {5, 900 * S, 60 * S, 3600 * S};

/* One failed attempt at now; returns the lockout it earned. */
static omb_ms fail_once(omb_throttle *t, uint64_t key, omb_ms now)
{
    assert_int_equal(omb_throttle_begin(t, &rule, key, now), 0);
    return omb_throttle_end(t, &rule, key, now, OMB_THROTTLE_FAILED);
}

static void test_lockout_after_max(void **state)
{
    omb_throttle t;
    omb_throttle_init(&t, 64);
    omb_ms now = 1000000;
    for (int i = 0; i < 4; i++)
        assert_int_equal(fail_once(&t, 7, now + i), 0);
    assert_int_equal(fail_once(&t, 7, now + 4), 60 * S);
    /* locked: refused with the time left, other keys unaffected */
    assert_int_equal(omb_throttle_begin(&t, &rule, 7, now + 4 + 10 * S), 50 * S);
    assert_int_equal(fail_once(&t, 8, now + 5), 0);
    omb_throttle_free(&t);
}

static void test_backoff_grows_and_caps(void **state)
{
    omb_throttle t;
    omb_throttle_init(&t, 64);
    omb_ms now = 1000000;
    for (int i = 0; i < 4; i++)
        fail_once(&t, 7, now);
    omb_ms lock = fail_once(&t, 7, now);
    omb_ms want = 60 * S;
    for (int round = 0; round < 10; round++) {
        assert_int_equal(lock, want);
        now += lock;
        /* after a lockout one more failure locks again, twice as long */
        lock = fail_once(&t, 7, now);
        want = want * 2 > 3600 * S ? 3600 * S : want * 2;
    }
    assert_int_equal(lock, 3600 * S);
    omb_throttle_free(&t);
}

static void test_quiet_window_forgets(void **state)
{
    omb_throttle t;
    omb_throttle_init(&t, 64);
    omb_ms now = 1000000;
    for (int i = 0; i < 4; i++)
        fail_once(&t, 7, now);
    now += 900 * S; /* quiet for the window */
    for (int i = 0; i < 4; i++)
        assert_int_equal(fail_once(&t, 7, now), 0);
    assert_int_equal(fail_once(&t, 7, now), 60 * S);
    /* after the lockout and a quiet window, the first lockout is short again */
    now += 60 * S + 900 * S;
    for (int i = 0; i < 4; i++)
        assert_int_equal(fail_once(&t, 7, now), 0);
    assert_int_equal(fail_once(&t, 7, now), 60 * S);
    omb_throttle_free(&t);
}

static void test_success_forgets(void **state)
{
    omb_throttle t;
    omb_throttle_init(&t, 64);
    omb_ms now = 1000000;
    for (int i = 0; i < 4; i++)
        fail_once(&t, 7, now);
    assert_int_equal(omb_throttle_begin(&t, &rule, 7, now), 0);
    assert_int_equal(omb_throttle_end(&t, &rule, 7, now, OMB_THROTTLE_SUCCEEDED), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(fail_once(&t, 7, now), 0);
    /* a cancelled attempt counts neither way */
    assert_int_equal(omb_throttle_begin(&t, &rule, 7, now), 0);
    assert_int_equal(omb_throttle_end(&t, &rule, 7, now, OMB_THROTTLE_CANCELLED), 0);
    assert_int_equal(fail_once(&t, 7, now), 60 * S);
    omb_throttle_free(&t);
}

static void test_in_flight_count(void **state)
{
    omb_throttle t;
    omb_throttle_init(&t, 64);
    omb_ms now = 1000000;
    fail_once(&t, 7, now);
    fail_once(&t, 7, now);
    /* three more may be in flight at once, not a fourth */
    for (int i = 0; i < 3; i++)
        assert_int_equal(omb_throttle_begin(&t, &rule, 7, now), 0);
    assert_int_equal(omb_throttle_begin(&t, &rule, 7, now), OMB_THROTTLE_BUSY_MS);
    assert_int_equal(omb_throttle_end(&t, &rule, 7, now, OMB_THROTTLE_FAILED), 0);
    assert_int_equal(omb_throttle_end(&t, &rule, 7, now, OMB_THROTTLE_FAILED), 0);
    assert_int_equal(omb_throttle_end(&t, &rule, 7, now, OMB_THROTTLE_FAILED), 60 * S);
    assert_int_equal(omb_throttle_begin(&t, &rule, 7, now), 60 * S);
    omb_throttle_free(&t);
}

/* A flood of new keys never grows the table; a locked key outlives keys
 * that merely failed, and keys in flight are never evicted. */
static void test_flood_is_bounded(void **state)
{
    omb_throttle t;
    omb_throttle_init(&t, 16); /* two sets of 8 */
    assert_int_equal(t.sets, 2);
    omb_ms now = 1000000;
    uint64_t locked = 2; /* set 0 */
    for (int i = 0; i < 5; i++)
        fail_once(&t, locked, now);
    for (uint64_t k = 4; k < 100000; k += 2) /* all in set 0 */
        fail_once(&t, k, now + 1);
    assert_int_equal(omb_throttle_begin(&t, &rule, locked, now + 10 * S), 50 * S);
    /* eight attempts in flight fill a set: a ninth key waits */
    omb_throttle_free(&t);
    omb_throttle_init(&t, 8);
    for (uint64_t k = 1; k <= 8; k++)
        assert_int_equal(omb_throttle_begin(&t, &rule, k, now), 0);
    assert_int_equal(omb_throttle_begin(&t, &rule, 9, now), OMB_THROTTLE_BUSY_MS);
    assert_int_equal(omb_throttle_end(&t, &rule, 3, now, OMB_THROTTLE_SUCCEEDED), 0);
    assert_int_equal(omb_throttle_begin(&t, &rule, 9, now), 0);
    omb_throttle_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lockout_after_max),    cmocka_unit_test(test_backoff_grows_and_caps),
        cmocka_unit_test(test_quiet_window_forgets), cmocka_unit_test(test_success_forgets),
        cmocka_unit_test(test_in_flight_count),      cmocka_unit_test(test_flood_is_bounded),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
