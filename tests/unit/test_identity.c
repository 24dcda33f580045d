/*
 * test_identity.c - unit tests for src/core/identity.c: mainland resident
 * identity numbers (GB 11643-1999, ISO 7064 MOD 11-2 check character) and
 * telephone numbers.
 *
 * Valid numbers (including the X check character, upper and lower case,
 * and leap-day birth dates) were computed independently; invalid ones have
 * a wrong check character, a wrong length, stray characters or a birth date
 * that does not exist (with a correct check character, so that the date
 * check itself is exercised).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdio.h>
#include <string.h>

#include "core/identity.h"

static void test_id_valid(void **state)
{
    (void)state;
    static const char *const good[] = {
        "11010519491231002X", /* the example of GB 11643-1999 */
        "11010519491231002x", /* lower-case x */
        "11010119900307002X", "110101199003074514", "110101199003070070", /* check character 0 */
        "110105199001010010", "310115198506151236", "440304200002291236", /* born on 2000-02-29 */
        "110101202402293217",                                             /* born on 2024-02-29 */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!omb_id_number_valid(good[i]))
            fail_msg("%s refused", good[i]);
}

static void test_id_wrong_check_character(void **state)
{
    (void)state;
    /* of the eleven possible check characters exactly one is right */
    static const char *const bases[] = {"11010519491231002", "11010119900307451",
                                        "44030420000229123", "11010119900307007"};
    static const char *const right = "X460";
    static const char all[] = "0123456789X";
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        int accepted = 0;
        for (size_t k = 0; k < sizeof all - 1; k++) {
            char id[19];
            snprintf(id, sizeof id, "%s%c", bases[b], all[k]);
            if (omb_id_number_valid(id)) {
                accepted++;
                assert_int_equal(all[k], right[b]);
            }
        }
        assert_int_equal(accepted, 1);
    }
    /* a single changed digit in the body breaks the check */
    assert_false(omb_id_number_valid("11010519491231003X"));
    assert_false(omb_id_number_valid("21010519491231002X"));
    /* two swapped digits too */
    assert_false(omb_id_number_valid("110101199003075414"));
}

static void test_id_bad_shape(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "11010519491231002",   /* 17 characters */
        "11010519491231002X1", /* 19 */
        "110105194912310",     /* 15: the old format is not accepted */
        "X10105199001010010",  /* X elsewhere than last */
        "1101051990010100X0",
        "11010519491231002Y",
        "11010519491231002 ",
        " 11010519491231002X",
        "1101051949123100 2X",
        "11010519491231002\xef\xbc\xb8", /* a full-width X */
        "1101051949-231002X",
        "11010519491231002-",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (omb_id_number_valid(bad[i]))
            fail_msg("\"%s\" accepted", bad[i]);
}

static void test_id_bad_birth_date(void **state)
{
    (void)state;
    /* each has a correct check character: only the date is wrong */
    static const char *const bad[] = {
        "110101200102290007", /* 2001-02-29 */
        "110101190002290003", /* 1900-02-29: 1900 is not a leap year */
        "110101199013010004", /* month 13 */
        "110101199001000001", /* day 00 */
        "110101199001320005", /* day 32 */
        "110101189912310001", /* born before 1900 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (omb_id_number_valid(bad[i]))
            fail_msg("%s accepted", bad[i]);
}

static void test_phone(void **state)
{
    (void)state;
    static const char *const good[] = {
        "13800138000",
        "+8613800138000",
        "+86 138-0013-8000",
        "010-12345678",
        "12345",                /* five digits */
        "95588",                /* a bank's service number */
        "12345678901234567890", /* twenty digits */
        "+1 415 555 0100",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!omb_phone_valid(good[i]))
            fail_msg("\"%s\" refused", good[i]);
    static const char *const bad[] = {
        "",
        "+",
        "1234",                  /* four digits */
        "123456789012345678901", /* twenty-one */
        "+ - -",
        "138a0013800",
        "++8613800138000",
        "86+13800138000",
        "(010) 12345678",
        "138.0013.8000",
        "138\t0013\t8000",
        "１３８００１３８０００", /* full-width digits */
        "13800138000 ext 1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (omb_phone_valid(bad[i]))
            fail_msg("\"%s\" accepted", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_valid),     cmocka_unit_test(test_id_wrong_check_character),
        cmocka_unit_test(test_id_bad_shape), cmocka_unit_test(test_id_bad_birth_date),
        cmocka_unit_test(test_phone),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
