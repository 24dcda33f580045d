/*
 * test_filename.c - unit tests for src/core/filename.c: which attachment
 * names are accepted.
 *
 * Ordinary names in any script (Chinese with spaces and dates, dotfiles,
 * names with dots inside) pass; paths, '.' and '..', drives, CR/LF, NUL
 * (also as "%00"), C0/C1 controls, DEL, line separators and bidirectional
 * overrides are refused with a reason; the length limit counts bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdio.h>
#include <string.h>

#include "core/filename.h"

static bool ok(const char *s, size_t n)
{
    const char *why = "unset";
    bool r = omb_filename_ok(s, n, &why);
    if (r)
        assert_null(why);
    else
        assert_non_null(why);
    return r;
}

#define OK(lit)  assert_true(ok(lit, sizeof(lit) - 1))
#define BAD(lit) assert_false(ok(lit, sizeof(lit) - 1))

static void test_accepted(void **state)
{
    (void)state;
    OK("催收录音 2026-11.mp3");
    OK("合同.pdf");
    OK("a");
    OK(".hidden");
    OK("a..b.txt");
    OK("...txt");
    OK("report (final).docx");
    OK("C.txt");
    OK("100% done.txt");
    OK("emoji 😀.png");
}

static void test_paths_and_dots(void **state)
{
    (void)state;
    BAD(".");
    BAD("..");
    BAD("...");
    BAD("../../etc/passwd");
    BAD("/etc/passwd");
    BAD("a/b");
    BAD("a\\b");
    BAD("C:\\x");
    BAD("C:x");
    BAD("z:");
}

static void test_control_characters(void **state)
{
    (void)state;
    BAD("a\rb");
    BAD("a\nb");
    BAD("evil.txt\r\nX-Injected: 1");
    BAD("a\tb");
    BAD("\x01");
    BAD("a\x7f");
    BAD("a\xc2\x85"); /* U+0085 next line */
    BAD("a\xc2\x9f"); /* U+009F */
    BAD("a\xe2\x80\xa8"
        "b");                          /* U+2028 */
    BAD("invoice\xe2\x80\xaegpj.exe"); /* U+202E right-to-left override */
    BAD("a\xe2\x81\xa6");              /* U+2066 */
    BAD("\xef\xbb\xbf"
        "a"); /* byte order mark */
    BAD("a%00b");
    assert_false(ok("a\0b", 3));
    OK("a\xc2\xa0"
       "b"); /* U+00A0 no-break space is text */
}

static void test_length_and_encoding(void **state)
{
    (void)state;
    char name[256];
    memset(name, 'x', sizeof name);
    assert_true(ok(name, OMB_FILENAME_MAX));
    assert_false(ok(name, OMB_FILENAME_MAX + 1));
    assert_false(ok("", 0));
    BAD("\xff.txt");
    BAD("\xe5\x82"); /* cut in the middle of 催 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_paths_and_dots),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_length_and_encoding),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
