/*
 * test_utf8.c - unit tests for src/core/utf8.c: UTF-8 validation and
 * counting.
 *
 * Valid text (ASCII, CJK, emoji, every encoding-length boundary) is
 * accepted; overlong forms, surrogates, code points past U+10FFFF, invalid
 * lead bytes, stray continuation bytes, truncated sequences and NUL bytes
 * are refused; code points are counted, not bytes.  Plain text (saved
 * views' names and queries, attachment names) is valid UTF-8 without the
 * controls, separators, direction marks and byte order marks that make text
 * read differently from what it holds; every code point of the refused
 * ranges is refused, those just outside them accepted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

typedef struct sample {
    const char *bytes;
    size_t n;
    const char *what;
} sample;

#define S(lit, what)                                                                               \
    {                                                                                              \
        lit, sizeof(lit) - 1, what                                                                 \
    }

static void test_valid(void **state)
{
    (void)state;
    static const sample good[] = {
        S("", "empty"),
        S("hello, world", "ASCII"),
        S("\x01\x7f", "control characters and DEL"),
        S("投诉处理联动机制", "CJK"),
        S("催收 debt collection 催收", "mixed"),
        S("😀", "emoji U+1F600"),
        S("👨‍👩‍👧", "emoji ZWJ sequence"),
        S("\xc2\x80", "U+0080, first two-byte"),
        S("\xdf\xbf", "U+07FF, last two-byte"),
        S("\xe0\xa0\x80", "U+0800, first three-byte"),
        S("\xed\x9f\xbf", "U+D7FF, just below the surrogates"),
        S("\xee\x80\x80", "U+E000, just above the surrogates"),
        S("\xef\xbf\xbd", "U+FFFD"),
        S("\xef\xbf\xbf", "U+FFFF, last three-byte"),
        S("\xf0\x90\x80\x80", "U+10000, first four-byte"),
        S("\xf4\x8f\xbf\xbf", "U+10FFFF, the last code point"),
        S("\xef\xbb\xbf"
          "BOM",
          "byte order mark"),
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!omb_utf8_valid(good[i].bytes, good[i].n))
            fail_msg("refused: %s", good[i].what);
}

static void test_invalid(void **state)
{
    (void)state;
    static const sample bad[] = {
        /* overlong forms */
        S("\xc0\x80", "overlong NUL"),
        S("\xc0\xaf", "overlong '/'"),
        S("\xc1\xbf", "overlong U+007F"),
        S("\xe0\x80\x80", "overlong three-byte NUL"),
        S("\xe0\x9f\xbf", "overlong U+07FF"),
        S("\xf0\x80\x80\x80", "overlong four-byte NUL"),
        S("\xf0\x8f\xbf\xbf", "overlong U+FFFF"),
        /* UTF-16 surrogates */
        S("\xed\xa0\x80", "U+D800"),
        S("\xed\xad\xbf", "U+DB7F"),
        S("\xed\xb0\x80", "U+DC00"),
        S("\xed\xbf\xbf", "U+DFFF"),
        S("\xed\xa0\xbd\xed\xb8\x80", "CESU-8 surrogate pair for U+1F600"),
        /* past U+10FFFF */
        S("\xf4\x90\x80\x80", "U+110000"),
        S("\xf5\x80\x80\x80", "lead F5"),
        S("\xf7\xbf\xbf\xbf", "U+1FFFFF"),
        S("\xf8\x88\x80\x80\x80", "five-byte form"),
        S("\xfc\x84\x80\x80\x80\x80", "six-byte form"),
        S("\xfe", "byte FE"),
        S("\xff", "byte FF"),
        /* stray continuation bytes */
        S("\x80", "lone 80"),
        S("\xbf", "lone BF"),
        S("a\x80z", "continuation between ASCII"),
        S("\xe6\x8a\x95\x95", "one continuation too many"),
        /* truncated sequences */
        S("\xc3", "two-byte lead at the end"),
        S("\xe6\x8a", "three-byte sequence cut short"),
        S("\xf0\x9f\x98", "four-byte sequence cut short"),
        S("\xe6\x8a"
          "A",
          "three-byte sequence interrupted by ASCII"),
        S("\xf0\x9f\x98"
          "\xf0\x9f\x98\x80",
          "cut short, then a whole emoji"),
        S("\xc3 ", "two-byte lead then space"),
        /* NUL bytes */
        S("\0", "a lone NUL"),
        S("a\0b", "NUL inside"),
        S("投\0诉", "NUL between CJK"),
        S("\xe6\x00\x95", "NUL inside a sequence"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (omb_utf8_valid(bad[i].bytes, bad[i].n))
            fail_msg("accepted: %s", bad[i].what);
}

static void test_length_is_respected(void **state)
{
    (void)state;
    /* only n bytes are looked at: a cut through a character is an error ... */
    const char *text = "投诉";
    assert_true(omb_utf8_valid(text, 6));
    assert_false(omb_utf8_valid(text, 5));
    assert_false(omb_utf8_valid(text, 4));
    assert_true(omb_utf8_valid(text, 3));
    assert_false(omb_utf8_valid(text, 1));
    /* ... and garbage past n is not */
    const char buf[] = {'o', 'k', '\xff', '\0'};
    assert_true(omb_utf8_valid(buf, 2));
    assert_false(omb_utf8_valid(buf, 3));
    assert_true(omb_utf8_valid(buf, 0));
}

static void test_every_code_point(void **state)
{
    (void)state;
    /* encode every scalar value by hand and check it is accepted and counted once */
    for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
        unsigned char b[4];
        size_t n;
        if (cp < 0x80) {
            b[0] = (unsigned char)cp;
            n = 1;
        } else if (cp < 0x800) {
            b[0] = (unsigned char)(0xC0 | (cp >> 6));
            b[1] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 2;
        } else if (cp < 0x10000) {
            b[0] = (unsigned char)(0xE0 | (cp >> 12));
            b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            b[2] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 3;
        } else {
            b[0] = (unsigned char)(0xF0 | (cp >> 18));
            b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
            b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            b[3] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 4;
        }
        int surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        if (omb_utf8_valid((const char *)b, n) == surrogate)
            fail_msg("U+%04X: wrong verdict", (unsigned)cp);
        if (!surrogate && omb_utf8_count((const char *)b, n) != 1)
            fail_msg("U+%04X: not counted once", (unsigned)cp);
    }
}

static void test_count(void **state)
{
    (void)state;
    assert_int_equal(omb_utf8_count("", 0), 0);
    assert_int_equal(omb_utf8_count("abc", 3), 3);
    assert_int_equal(omb_utf8_count("投诉abc", strlen("投诉abc")), 5);
    assert_int_equal(strlen("投诉abc"), 9);
    assert_int_equal(omb_utf8_count("😀", 4), 1);
    assert_int_equal(omb_utf8_count("😀😀x", 9), 3);
    assert_int_equal(omb_utf8_count("\xc2\x80\xdf\xbf", 4), 2);
    assert_int_equal(omb_utf8_count("é", strlen("é")), 1);
    /* only n bytes */
    assert_int_equal(omb_utf8_count("abcdef", 2), 2);
    assert_int_equal(omb_utf8_count("投诉", 3), 1);
}

static void test_plain(void **state)
{
    (void)state;
    static const sample good[] = {
        S("", "empty"),
        S("state=received&grade=urgent,major", "a list query"),
        S("紧急 未分派 (银行)", "CJK with spaces"),
        S("😀 ~ \xc2\xa0", "emoji, tilde, no-break space U+00A0"),
        S("\xe2\x80\x8d", "zero-width joiner U+200D"),
        S("\xe2\x80\xa7\xe2\x80\xaf", "U+2027 and U+202F, beside the refused ranges"),
        S("\xe2\x81\xa5\xe2\x81\xaa", "U+2065 and U+206A, beside the isolates"),
        S("\xef\xbb\xbe\xef\xbc\x80", "U+FEFE and U+FF00, beside the BOM"),
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!omb_utf8_plain(good[i].bytes, good[i].n))
            fail_msg("refused: %s", good[i].what);
    static const sample bad[] = {
        S("a\tb", "tab"),
        S("a\nb", "line feed"),
        S("a\rb", "carriage return"),
        S("\x1b[31m", "escape"),
        S("a\x7f", "DEL"),
        S("\xc2\x80", "U+0080, first C1 control"),
        S("\xc2\x9f", "U+009F, last C1 control"),
        S("\xe2\x80\x8e", "left-to-right mark"),
        S("\xe2\x80\x8f", "right-to-left mark"),
        S("\xe2\x80\xa8", "line separator"),
        S("\xe2\x80\xa9", "paragraph separator"),
        S("3pm\xe2\x80\xae"
          "exe.mp3",
          "right-to-left override"),
        S("\xe2\x80\xaa", "left-to-right embedding"),
        S("\xe2\x81\xa6", "left-to-right isolate"),
        S("\xe2\x81\xa9", "pop directional isolate"),
        S("\xef\xbb\xbf"
          "name",
          "byte order mark"),
        S("a\0b", "NUL"),
        S("\xff", "not UTF-8"),
        S("\xe6\x8a", "cut short"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (omb_utf8_plain(bad[i].bytes, bad[i].n))
            fail_msg("accepted: %s", bad[i].what);
    /* only n bytes are looked at */
    assert_true(omb_utf8_plain("ok\n", 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_length_is_respected),
        cmocka_unit_test(test_every_code_point),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_plain),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
