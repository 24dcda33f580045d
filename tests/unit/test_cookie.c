/*
 * test_cookie.c - unit tests for src/core/cookie.c: finding one cookie in a
 * Cookie header.
 *
 * Found in any position, with or without spaces and a trailing ';', quoted
 * or not, beside cookies whose names contain it; absent when no pair names
 * it; refused when the header is not a list of name=value pairs, names it
 * twice, holds characters a cookie may not, gives it an empty value or one
 * longer than the buffer, or is longer than the bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdlib.h>
#include <string.h>

#include "core/cookie.h"

static int find(const char *header, char *out, size_t cap)
{
    return omb_cookie_find(header, "ombud_session", out, cap);
}

#define FOUND(h, v)                                                                                \
    do {                                                                                           \
        char out_[128];                                                                            \
        assert_int_equal(find(h, out_, sizeof out_), OMB_COOKIE_FOUND);                            \
        assert_string_equal(out_, v);                                                              \
    } while (0)

#define ABSENT(h)                                                                                  \
    do {                                                                                           \
        char out_[128];                                                                            \
        assert_int_equal(find(h, out_, sizeof out_), OMB_COOKIE_ABSENT);                           \
        assert_string_equal(out_, "");                                                             \
    } while (0)

#define BAD(h)                                                                                     \
    do {                                                                                           \
        char out_[128];                                                                            \
        assert_int_equal(find(h, out_, sizeof out_), OMB_COOKIE_MALFORMED);                        \
        assert_string_equal(out_, "");                                                             \
    } while (0)

static void test_found(void **state)
{
    (void)state;
    FOUND("ombud_session=omb_abc", "omb_abc");
    FOUND("a=1; ombud_session=omb_abc", "omb_abc");
    FOUND("ombud_session=omb_abc; a=1", "omb_abc");
    FOUND("a=1;ombud_session=omb_abc;b=2", "omb_abc");
    FOUND("  ombud_session=omb_abc  ", "omb_abc");
    FOUND("ombud_session=omb_abc;", "omb_abc");
    FOUND("ombud_session=omb_abc; ", "omb_abc");
    FOUND("ombud_session=\"omb_abc\"", "omb_abc");
    FOUND("x_ombud_session=1; ombud_session=v; ombud_session_x=2", "v");
    FOUND("ombud_session=a=b", "a=b"); /* '=' is a cookie-octet */
    FOUND("ombud_session=omb_-_AZaz09", "omb_-_AZaz09");
    FOUND("a=; ombud_session=v", "v"); /* others may be empty */
}

static void test_absent(void **state)
{
    (void)state;
    ABSENT("a=1");
    ABSENT("a=1; b=2");
    ABSENT("OMBUD_SESSION=v"); /* names are case-sensitive */
    ABSENT("ombud_sessio=v");
    ABSENT("ombud_session_=v");
    ABSENT("a=ombud_session");
}

static void test_malformed(void **state)
{
    (void)state;
    BAD("");
    BAD(" ");
    BAD(";");
    BAD("ombud_session");
    BAD("ombud_session=");
    BAD("ombud_session=\"\"");
    BAD("=v");
    BAD("a=1;; ombud_session=v");
    BAD("ombud_session=v; ombud_session=w");
    BAD("ombud_session=v; ombud_session=v");
    BAD("ombud_session=a b");
    BAD("ombud_session=a,b");
    BAD("ombud_session=a\\b");
    BAD("ombud_session=\"abc");
    BAD("ombud_session=abc\"");
    BAD("ombud_session=\"a\"b");
    BAD("ombud_session=\xc3\xa9");
    BAD("ombud_session=a\x7f");
    BAD("ombud_session=a\x01");
    BAD("ombud session=v");
    BAD("a b=1; ombud_session=v");
    BAD("a=1 b=2; ombud_session=v");
    BAD("ombud_session=v, a=1");
    BAD("(ombud_session)=v");
}

static void test_bounds(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(find("ombud_session=1234567", out, sizeof out), OMB_COOKIE_FOUND);
    assert_string_equal(out, "1234567");
    assert_int_equal(find("ombud_session=12345678", out, sizeof out), OMB_COOKIE_MALFORMED);
    assert_string_equal(out, "");
    /* a long value of another cookie does not matter */
    assert_int_equal(find("a=12345678901234567890; ombud_session=v", out, sizeof out),
                     OMB_COOKIE_FOUND);
    assert_int_equal(omb_cookie_find("a=1", "a", out, 0), OMB_COOKIE_MALFORMED);
    assert_int_equal(omb_cookie_find(NULL, "a", out, sizeof out), OMB_COOKIE_MALFORMED);

    size_t n = OMB_COOKIE_HEADER_MAX + 2;
    char *h = malloc(n);
    assert_non_null(h);
    memset(h, 'x', n - 1);
    memcpy(h, "ombud_session=v; a=", 19);
    h[OMB_COOKIE_HEADER_MAX] = '\0'; /* exactly the bound */
    assert_int_equal(find(h, out, sizeof out), OMB_COOKIE_FOUND);
    assert_string_equal(out, "v");
    h[OMB_COOKIE_HEADER_MAX] = 'x';
    h[n - 1] = '\0'; /* one past it */
    assert_int_equal(find(h, out, sizeof out), OMB_COOKIE_MALFORMED);
    assert_string_equal(out, "");
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_found),
        cmocka_unit_test(test_absent),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_bounds),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
