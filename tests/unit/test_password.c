/*
 * test_password.c - unit tests for src/core/password.c: the rules of a new
 * password beyond its length (one character repeated, the username, the
 * list of common passwords), and the built-in list itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdio.h>
#include <string.h>

#include "core/password.h"

extern const unsigned char omb_embed_common_passwords_txt[];
extern const size_t omb_embed_common_passwords_txt_len;

#define LIST     ((const char *)omb_embed_common_passwords_txt)
#define LIST_LEN omb_embed_common_passwords_txt_len

static void expect_refused(const char *username, const char *password, const char *why)
{
    omb_err err;
    omb_err_clear(&err);
    int rc = omb_password_check(username, password, LIST, LIST_LEN, &err);
    if (rc != OMB_EFIELD)
        fail_msg("%s / %s: accepted, want refused (%s)", username, password, why);
    assert_string_equal(err.code, "weak_password");
    assert_string_equal(err.field, "password");
    if (!strstr(err.message, why))
        fail_msg("%s / %s: message \"%s\" does not say \"%s\"", username, password, err.message,
                 why);
}

static void expect_accepted(const char *username, const char *password)
{
    omb_err err;
    omb_err_clear(&err);
    if (omb_password_check(username, password, LIST, LIST_LEN, &err) != OMB_OK)
        fail_msg("%s / %s: refused: %s", username, password, err.message);
}

static void test_one_character(void **state)
{
    expect_refused("bank_agent", "aaaaaaaaaaaa", "one character");
    expect_refused("bank_agent", "0000000000", "one character");
    expect_refused("bank_agent", "..........", "one character");
    expect_refused("bank_agent", "中中中中中中中中中中", "one character");
    expect_accepted("bank_agent", "aaaaaaaaab");
    expect_accepted("bank_agent", "中中中中中中中中中文");
}

static void test_username(void **state)
{
    expect_refused("bank.agent", "bank.agent", "be the username");
    expect_refused("bank.agent", "BANK.Agent", "be the username");
    expect_refused("bank.agent", "my-bank.agent-2026", "contain the username");
    expect_refused("admin", "Admin-Pass-0001", "contain the username");
    expect_refused("admin", "xxADMINxx99", "contain the username");
    expect_accepted("admin", "adm-in-pass-0001");
    /* a username of one or two characters is refused only as the whole password */
    expect_refused("ab", "AB", "be the username");
    expect_accepted("ab", "lab-notebook-7");
    expect_accepted("a", "a-strong-phrase");
}

static void test_common(void **state)
{
    static const char *const weak[] = {
        "123456",      "5201314",      "woaini1314",   "qq123456",    "a123456",
        "11111111",    "password1",    "abc123",       "88888888",    "zxcvbnm",
        "1234567890",  "qwertyuiop",   "1qaz2wsx3edc", "password123", "WoAiNi1314",
        "PassWord123", "iloveyou1314", "147258369",    "admin123456", "p@ssw0rd123",
    };
    for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++) {
        if (!omb_password_is_common(LIST, LIST_LEN, weak[i]))
            fail_msg("%s is not on the list", weak[i]);
        expect_refused("someone", weak[i], "");
    }
    expect_refused("someone", "woaini1314", "common passwords");
    expect_accepted("someone", "woaini1314!");
    expect_accepted("someone", "correct horse battery staple");
    /* comment lines are not passwords, nor is an empty one */
    assert_false(omb_password_is_common(LIST, LIST_LEN, ""));
    assert_false(omb_password_is_common(LIST, LIST_LEN, "# digits: runs and repeats"));
}

static void test_list_parsing(void **state)
{
    const char list[] = "# comment\r\nAbc123\r\n\nlast-without-newline";
    assert_true(omb_password_is_common(list, sizeof list - 1, "abc123"));
    assert_true(omb_password_is_common(list, sizeof list - 1, "ABC123"));
    assert_true(omb_password_is_common(list, sizeof list - 1, "last-without-newline"));
    assert_false(omb_password_is_common(list, sizeof list - 1, "# comment"));
    assert_false(omb_password_is_common(list, sizeof list - 1, "abc12"));
    assert_false(omb_password_is_common(list, sizeof list - 1, "abc1234"));
    assert_false(omb_password_is_common(list, sizeof list - 1, "last-without-newlin"));
    assert_false(omb_password_is_common(list, 0, "abc123"));
}

/* The built-in list: lower case (lookups fold the password only), no
 * duplicates, no blank or padded lines, a few hundred entries. */
static void test_builtin_list(void **state)
{
    const char *p = LIST, *end = LIST + LIST_LEN;
    int entries = 0;
    char seen[600][64];
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n && p[0] != '#') {
            if (n >= 64 || p[n - 1] == ' ' || p[0] == ' ' || p[n - 1] == '\r')
                fail_msg("bad line %.*s", (int)n, p);
            for (size_t i = 0; i < n; i++)
                if (p[i] >= 'A' && p[i] <= 'Z')
                    fail_msg("%.*s is not lower case", (int)n, p);
            assert_true(entries < 600);
            snprintf(seen[entries], sizeof seen[0], "%.*s", (int)n, p);
            for (int k = 0; k < entries; k++)
                if (strcmp(seen[k], seen[entries]) == 0)
                    fail_msg("%s is on the list twice", seen[k]);
            entries++;
        }
        p = nl ? nl + 1 : end;
    }
    assert_true(entries >= 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_character), cmocka_unit_test(test_username),
        cmocka_unit_test(test_common),        cmocka_unit_test(test_list_parsing),
        cmocka_unit_test(test_builtin_list),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
