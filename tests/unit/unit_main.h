/*
 * unit_main.h - the end of every unit test program: runs its cmocka group
 * and prints the closing line "N passed, N failed" that scripts/test.sh
 * counts.  Include it after <cmocka.h>; main() ends with
 *     return OMB_RUN_TESTS(tests, setup, teardown);
 */
#ifndef OMB_UNIT_MAIN_H
#define OMB_UNIT_MAIN_H

#include <stddef.h>
#include <stdio.h>

/* failed: what cmocka_run_group_tests returned (a negative value or more
 * than total when a group setup failed: then every test counts as failed). */
static inline int omb_unit_report(int failed, size_t total)
{
    if (failed < 0 || (size_t)failed > total)
        failed = (int)total;
    printf("%zu passed, %d failed\n", total - (size_t)failed, failed);
    return failed ? 1 : 0;
}

#define OMB_RUN_TESTS(tests, setup, teardown)                                                      \
    omb_unit_report(cmocka_run_group_tests(tests, setup, teardown),                                \
                    sizeof(tests) / sizeof((tests)[0]))

#endif
