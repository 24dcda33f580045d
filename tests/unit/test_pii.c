/*
 * test_pii.c - unit tests for src/core/pii.c: masking and normalising
 * telephone numbers, resident identity numbers and names.
 *
 * The examples of pii.h, short numbers, country codes, mixed separators,
 * trimming and upper-casing, CJK and 4-byte UTF-8 names, invalid UTF-8,
 * empty and NULL input; for every output, every cap from 0 up: nothing
 * written past cap (nothing at all for cap 0), always NUL-terminated, cut
 * only at a character boundary.  Random strings of digits, separators,
 * CJK, 4-byte characters and broken bytes check the same over many inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/pii.h"
#include "core/utf8.h"

#define GUARD   0xA5
#define OUT_MAX 256
#define N(a)    (sizeof(a) / sizeof((a)[0]))

typedef void (*mask_fn)(const char *in, char *out, size_t cap);
typedef int (*normalize_fn)(const char *in, char *out, size_t cap);

/* Bytes in the UTF-8 character that starts with lead, for well-formed text. */
static size_t lead_len(unsigned char lead)
{
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

/* The longest prefix of the well-formed full that fits in cap - 1 bytes, cut between characters. */
static size_t fitting_prefix(const char *full, size_t cap)
{
    size_t len = 0, n = strlen(full);
    while (len < n && len + lead_len((unsigned char)full[len]) <= cap - 1)
        len += lead_len((unsigned char)full[len]);
    return len;
}

/* Checks that out (cap bytes, then guard bytes) holds full cut to cap, and nothing past cap. */
static void check_capped(const char *what, const char *in, const unsigned char *buf, size_t cap,
                         const char *full)
{
    for (size_t i = cap; i < OUT_MAX; i++)
        if (buf[i] != GUARD)
            fail_msg("%s(\"%s\") cap %zu: wrote byte %zu", what, in, cap, i);
    if (cap == 0)
        return;
    const char *out = (const char *)buf;
    size_t len = strnlen(out, cap);
    if (len == cap)
        fail_msg("%s(\"%s\") cap %zu: not NUL-terminated", what, in, cap);
    size_t want = fitting_prefix(full, cap);
    if (len != want || memcmp(out, full, len) != 0)
        fail_msg("%s(\"%s\") cap %zu: \"%s\", want the first %zu bytes of \"%s\"", what, in, cap,
                 out, want, full);
}

/* Expects mask(in) == want, and every smaller cap to cut it safely. */
static void expect_mask(const char *what, mask_fn mask, const char *in, const char *want)
{
    unsigned char buf[OUT_MAX];
    memset(buf, GUARD, sizeof buf);
    mask(in, (char *)buf, OUT_MAX - 1);
    if (strcmp((const char *)buf, want) != 0)
        fail_msg("%s(\"%s\") = \"%s\", want \"%s\"", what, in ? in : "(null)", buf, want);
    assert_true(omb_utf8_valid((const char *)buf, strlen(want)));
    for (size_t cap = 0; cap <= strlen(want) + 2; cap++) {
        memset(buf, GUARD, sizeof buf);
        mask(in, cap ? (char *)buf : NULL, cap);
        check_capped(what, in ? in : "(null)", buf, cap, want);
    }
    /* cap 0 with a real buffer writes nothing either */
    memset(buf, GUARD, sizeof buf);
    mask(in, (char *)buf, 0);
    check_capped(what, in ? in : "(null)", buf, 0, want);
}

/* Expects normalize(in) == want (NULL: refused), exactly fitting caps accepted, smaller refused. */
static void expect_normal(const char *what, normalize_fn normalize, const char *in,
                          const char *want)
{
    unsigned char buf[OUT_MAX];
    const char *shown = in ? in : "(null)";
    size_t need = want ? strlen(want) + 1 : 0;
    for (size_t cap = 0; cap <= need + 2 || cap <= 3; cap++) {
        memset(buf, GUARD, sizeof buf);
        int rc = normalize(in, cap ? (char *)buf : NULL, cap);
        for (size_t i = cap; i < OUT_MAX; i++)
            if (buf[i] != GUARD)
                fail_msg("%s(\"%s\") cap %zu: wrote byte %zu", what, shown, cap, i);
        bool fits = want && cap >= need;
        if (fits) {
            if (rc != OMB_OK || strcmp((const char *)buf, want) != 0)
                fail_msg("%s(\"%s\") cap %zu: rc %d \"%s\", want \"%s\"", what, shown, cap, rc, buf,
                         want);
        } else {
            if (rc != OMB_EINVAL)
                fail_msg("%s(\"%s\") cap %zu: rc %d, want OMB_EINVAL", what, shown, cap, rc);
            if (cap > 0 && buf[0] != '\0')
                fail_msg("%s(\"%s\") cap %zu: refused but left \"%.*s\"", what, shown, cap,
                         (int)cap, buf);
        }
    }
}

#define MASK_PHONE(in, want) expect_mask("omb_mask_phone", omb_mask_phone, in, want)
#define MASK_ID(in, want)    expect_mask("omb_mask_id_number", omb_mask_id_number, in, want)
#define MASK_NAME(in, want)  expect_mask("omb_mask_name", omb_mask_name, in, want)
#define NORM_PHONE(in, want)                                                                       \
    expect_normal("omb_pii_normalize_phone", omb_pii_normalize_phone, in, want)
#define NORM_ID(in, want) expect_normal("omb_pii_normalize_id", omb_pii_normalize_id, in, want)

static void test_mask_phone(void **state)
{
    (void)state;
    MASK_PHONE("13800138000", "138****8000");
    MASK_PHONE("+86 138-0013-8000", "138****8000");
    MASK_PHONE("+86 138 0013 8000", "138****8000");
    MASK_PHONE("8613800138000", "138****8000");
    MASK_PHONE("0086 138 0013 8000", "138****8000");
    MASK_PHONE("(010) 6552-9988", "010****9988");
    MASK_PHONE("010.6552.9988 ext", "010****9988");
    MASK_PHONE("95588", "***88");
    MASK_PHONE("1234567", "*****67");
    MASK_PHONE("12345678", "123*5678");
    MASK_PHONE("123456789012345678901", "123**************8901");
    MASK_PHONE("12", "12");
    MASK_PHONE("7", "7");
    MASK_PHONE("", "");
    MASK_PHONE("no digits", "");
    MASK_PHONE(NULL, "");
    MASK_PHONE("１３８", ""); /* full-width digits are not digits */
}

static void test_mask_id_number(void **state)
{
    (void)state;
    MASK_ID("11010519491231002X", "110***********002X");
    MASK_ID("11010519491231002x", "110***********002X");
    MASK_ID("  11010519491231002x\t\n", "110***********002X");
    MASK_ID("110105491231002", "110********1002"); /* 15-character first-generation number */
    MASK_ID("12345678", "123*5678");
    MASK_ID("1234567", "*****67");
    MASK_ID("ab", "AB");
    MASK_ID("x", "X");
    MASK_ID("", "");
    MASK_ID("   ", "");
    MASK_ID(NULL, "");
    MASK_ID("110 105 1949", "110*****1949"); /* inner spaces are characters */
    MASK_ID("护照E1234567", "护照E***4567"); /* ten characters */
    MASK_ID("\xff"
            "1234567890",
            "*12****7890"); /* an invalid byte is never copied */
    MASK_ID("1234567890\xff", "123****890*");
}

static void test_mask_name(void **state)
{
    (void)state;
    MASK_NAME("张三", "张*");
    MASK_NAME("欧阳娜娜", "欧***");
    MASK_NAME("Alice Smith", "A**********");
    MASK_NAME("张", "*");
    MASK_NAME("A", "*");
    MASK_NAME("", "");
    MASK_NAME("  ", "");
    MASK_NAME(NULL, "");
    MASK_NAME("  张三 \n", "张*");
    MASK_NAME("阿卜杜·热合曼", "阿******");
    MASK_NAME("𠀀𠀁", "𠀀*"); /* U+20000, 4 bytes */
    MASK_NAME("😀abc", "😀***");
    MASK_NAME("a𠀀", "a*");
    MASK_NAME("Zoë", "Z**");
}

static void test_mask_name_invalid_utf8(void **state)
{
    (void)state;
    MASK_NAME("\xff\xfe"
              "ab",
              "****"); /* invalid first byte: masked, not kept */
    MASK_NAME("a\xff"
              "b",
              "a**");
    MASK_NAME("\xff", "*");
    MASK_NAME("张\xe4\xb8", "张**"); /* a truncated character: two bytes, two stars */
    MASK_NAME("\xe4\xb8"
              "张",
              "***");
    MASK_NAME("\xc0\xaf"
              "x",
              "***");                      /* overlong '/' */
    MASK_NAME("\xed\xa0\x80", "***");      /* a surrogate */
    MASK_NAME("\xf4\x90\x80\x80", "****"); /* past U+10FFFF */
    MASK_NAME("\x80\x80", "**");           /* stray continuation bytes */
    MASK_NAME("李\x80", "李*");
}

static void test_truncation(void **state)
{
    (void)state;
    char out[8];
    /* "张*" needs 5 bytes: with less, 张 is dropped whole, never cut */
    static const struct {
        size_t cap;
        const char *want;
    } cuts[] = {{1, ""}, {2, ""}, {3, ""}, {4, "张"}, {5, "张*"}, {6, "张*"}};
    for (size_t i = 0; i < N(cuts); i++) {
        memset(out, GUARD, sizeof out);
        omb_mask_name("张三", out, cuts[i].cap);
        assert_string_equal(out, cuts[i].want);
        for (size_t k = cuts[i].cap; k < sizeof out; k++)
            assert_int_equal((unsigned char)out[k], GUARD);
    }
    memset(out, GUARD, sizeof out);
    omb_mask_phone("13800138000", out, 5);
    assert_string_equal(out, "138*");
    omb_mask_phone("13800138000", out, 1);
    assert_string_equal(out, "");
    omb_mask_id_number("11010519491231002X", out, sizeof out);
    assert_string_equal(out, "110****");
    /* cap 0: NULL out is fine, nothing is touched */
    omb_mask_phone("13800138000", NULL, 0);
    omb_mask_id_number("11010519491231002X", NULL, 0);
    omb_mask_name("张三", NULL, 0);
    assert_int_equal(omb_pii_normalize_phone("13800138000", NULL, 0), OMB_EINVAL);
    assert_int_equal(omb_pii_normalize_id("11010519491231002X", NULL, 0), OMB_EINVAL);
}

static void test_normalize_phone(void **state)
{
    (void)state;
    NORM_PHONE("+86 138 0013 8000", "13800138000");
    NORM_PHONE("+86 138-0013-8000", "13800138000");
    NORM_PHONE("0086-138-0013-8000", "13800138000");
    NORM_PHONE("008613800138000", "13800138000");
    NORM_PHONE("8613800138000", "13800138000");
    NORM_PHONE("13800138000", "13800138000");
    NORM_PHONE(" 138\t0013\n8000 ", "13800138000");
    NORM_PHONE("(+86) 138.0013.8000", "13800138000");
    NORM_PHONE("861380013800", "861380013800");     /* 12 digits: 86 is not a country code */
    NORM_PHONE("86138001380001", "86138001380001"); /* 14 digits neither */
    NORM_PHONE("1386001380000", "1386001380000");   /* 13 digits not starting with 86 */
    NORM_PHONE("0086", "0086");                     /* nothing after the prefix */
    NORM_PHONE("00861", "1");
    NORM_PHONE("(010) 6552-9988", "01065529988");
    NORM_PHONE("95588", "95588");
    NORM_PHONE("0", "0");
    NORM_PHONE("", NULL);
    NORM_PHONE("+-() ", NULL);
    NORM_PHONE("电话", NULL);
    NORM_PHONE(NULL, NULL);
}

static void test_normalize_id(void **state)
{
    (void)state;
    NORM_ID("11010519491231002x", "11010519491231002X");
    NORM_ID("11010519491231002X", "11010519491231002X");
    NORM_ID(" \t11010519491231002x\r\n", "11010519491231002X");
    NORM_ID("abc xyz", "ABC XYZ");   /* inner spaces are kept */
    NORM_ID("护照e123", "护照E123"); /* other bytes are copied */
    NORM_ID("x", "X");
    NORM_ID("", NULL);
    NORM_ID(" \t\n", NULL);
    NORM_ID(NULL, NULL);
}

/* ---- random strings ---- */

static uint64_t rng_state = 0x6f6d627564706969ULL; /* "ombudpii" */

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A random string of pieces: digits, separators, letters, CJK, 4-byte and broken bytes. */
static void random_text(char *s, size_t cap)
{
    static const char *const pieces[] = {
        "0",        "1",
        "3",        "6",
        "8",        "9",
        "86",       "0086",
        "+",        "-",
        " ",        "\t",
        "(",        ")",
        "x",        "X",
        "a",        "张",
        "娜",       "𠀀",
        "😀",        "\xff",
        "\x80",     "\xc0\xaf",
        "\xe4\xb8", "\xed\xa0\x80",
    };
    size_t len = 0, count = rng_next() % 24;
    for (size_t i = 0; i < count; i++) {
        const char *p = pieces[rng_next() % N(pieces)];
        size_t n = strlen(p);
        if (len + n >= cap)
            break;
        memcpy(s + len, p, n);
        len += n;
    }
    s[len] = '\0';
}

/* A slow reference for the phone normalisation: copy the digits, then drop a country code. */
static const char *reference_phone(const char *in, char *digits)
{
    size_t n = 0;
    for (const char *p = in; *p; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    digits[n] = '\0';
    if (n == 13 && strncmp(digits, "86", 2) == 0)
        return digits + 2;
    if (n > 4 && strncmp(digits, "0086", 4) == 0)
        return digits + 4;
    return digits;
}

static void check_random_mask(const char *what, mask_fn mask, const char *in, char *full)
{
    mask(in, full, OUT_MAX);
    assert_true(strlen(full) < OUT_MAX);
    if (!omb_utf8_valid(full, strlen(full)))
        fail_msg("%s: invalid UTF-8 out of a random input", what);
    unsigned char buf[OUT_MAX];
    for (size_t cap = 0; cap <= strlen(full) + 1; cap++) {
        memset(buf, GUARD, sizeof buf);
        mask(in, (char *)buf, cap);
        check_capped(what, in, buf, cap, full);
    }
}

static void test_random_strings(void **state)
{
    (void)state;
    for (int k = 0; k < 5000; k++) {
        char in[96], phone[OUT_MAX], id[OUT_MAX], name[OUT_MAX];
        random_text(in, sizeof in);
        check_random_mask("omb_mask_phone", omb_mask_phone, in, phone);
        check_random_mask("omb_mask_id_number", omb_mask_id_number, in, id);
        check_random_mask("omb_mask_name", omb_mask_name, in, name);

        /* the phone mask is the normalised number with some digits starred */
        char digits[OUT_MAX];
        const char *want = reference_phone(in, digits);
        expect_normal("omb_pii_normalize_phone", omb_pii_normalize_phone, in,
                      want[0] ? want : NULL);
        size_t n = strlen(want);
        assert_int_equal(strlen(phone), n);
        size_t stars = n >= 8 ? n - 7 : n > 2 ? n - 2 : 0;
        for (size_t i = 0; i < n; i++) {
            bool starred = n >= 8 ? i >= 3 && i + 4 < n : i + 2 < n;
            assert_int_equal(phone[i], starred ? '*' : want[i]);
            stars -= starred;
        }
        assert_int_equal(stars, 0);

        /* masks keep one character per character of the trimmed input */
        char normal[OUT_MAX];
        if (omb_pii_normalize_id(in, normal, sizeof normal) == OMB_OK) {
            size_t chars = 0;
            bool first_invalid = false;
            for (size_t at = 0; normal[at]; chars++) {
                size_t len = lead_len((unsigned char)normal[at]);
                if (strnlen(normal + at, len) < len || !omb_utf8_valid(normal + at, len)) {
                    first_invalid = first_invalid || at == 0;
                    len = 1;
                }
                at += len;
            }
            assert_int_equal(omb_utf8_count(id, strlen(id)), chars);
            assert_int_equal(omb_utf8_count(name, strlen(name)), chars);
            /* the name keeps its first character unless it is alone or broken */
            assert_int_equal(name[0] == '*', chars == 1 || first_invalid);
            expect_normal("omb_pii_normalize_id", omb_pii_normalize_id, in, normal);
        } else {
            assert_string_equal(id, "");
            assert_string_equal(name, "");
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mask_phone),   cmocka_unit_test(test_mask_id_number),
        cmocka_unit_test(test_mask_name),    cmocka_unit_test(test_mask_name_invalid_utf8),
        cmocka_unit_test(test_truncation),   cmocka_unit_test(test_normalize_phone),
        cmocka_unit_test(test_normalize_id), cmocka_unit_test(test_random_strings),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
