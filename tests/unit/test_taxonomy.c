/*
 * test_taxonomy.c - unit tests of the code taxonomy (src/core/taxonomy.c):
 * the shipped data/taxonomy.tsv (as embedded into the binary), lookups,
 * listing by kind, and every way a malformed TSV is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include "core/buf.h"
#include "core/taxonomy.h"

#include <stdio.h>
#include <string.h>

/* Generated from data/taxonomy.tsv by scripts/embed.sh (build/<flavour>/gen). */
extern const unsigned char omb_embed_taxonomy_tsv[];
extern const size_t omb_embed_taxonomy_tsv_len;

static omb_taxonomy *shipped(void)
{
    omb_taxonomy *t = NULL;
    omb_err err;
    int rc = omb_taxonomy_parse(&t, (const char *)omb_embed_taxonomy_tsv,
                                omb_embed_taxonomy_tsv_len, &err);
    if (rc)
        fail_msg("shipped taxonomy refused: %s: %s", err.code, err.message);
    return t;
}

/* Parses text that must be refused with code and with `line` in the message. */
static void refused(const char *text, const char *code, const char *line)
{
    omb_taxonomy *t = (omb_taxonomy *)&t;
    omb_err err;
    omb_err_clear(&err);
    assert_int_equal(omb_taxonomy_parse(&t, text, strlen(text), &err), OMB_EINVAL);
    assert_null(t);
    assert_int_equal(err.rc, OMB_EINVAL);
    assert_string_equal(err.code, code);
    if (line && !strstr(err.message, line))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, line);
}

static omb_taxonomy *accepted(const char *text, size_t len)
{
    omb_taxonomy *t = NULL;
    omb_err err;
    if (omb_taxonomy_parse(&t, text, len, &err) != OMB_OK)
        fail_msg("refused: %s: %s", err.code, err.message);
    return t;
}

static void test_shipped_parses(void **state)
{
    omb_taxonomy *t = shipped();
    assert_true(omb_taxonomy_count(t) >= 40);
    const omb_code *c = omb_taxonomy_find(t, "channel", "hotline_12345");
    assert_non_null(c);
    assert_string_equal(c->kind, "channel");
    assert_string_equal(c->code, "hotline_12345");
    assert_string_equal(c->zh, "政府服务热线转办");
    c = omb_taxonomy_find(t, "channel", "regulator");
    assert_non_null(c);
    assert_string_equal(c->zh, "监管转办");
    c = omb_taxonomy_find(t, "cause", "c12");
    assert_non_null(c);
    assert_string_equal(c->zh, "债务催收");
    assert_string_equal(c->en, "Debt collection");
    c = omb_taxonomy_find(t, "business", "credit_card");
    assert_non_null(c);
    assert_string_equal(c->zh, "信用卡");
    c = omb_taxonomy_find(t, "claim", "fee_waiver");
    assert_non_null(c);
    assert_string_equal(c->zh, "减免费用");
    omb_taxonomy_free(t);
}

/* The channels the grade rules and the CFPB mapper rely on, the causes of docs/api.md. */
static void test_shipped_has_required_codes(void **state)
{
    static const char *const need[][2] = {
        {"channel", "phone"},
        {"channel", "web"},
        {"channel", "app"},
        {"channel", "sms"},
        {"channel", "wechat"},
        {"channel", "email"},
        {"channel", "letter"},
        {"channel", "branch"},
        {"channel", "regulator"},
        {"channel", "hotline_12345"},
        {"channel", "media"},
        {"channel", "other"},
        {"business", "personal_loan"},
        {"business", "internet_loan"},
        {"business", "credit_card"},
        {"business", "consumer_instalment"},
        {"business", "credit_report"},
        {"business", "other"},
        {"claim", "compensation"},
        {"claim", "refund"},
        {"claim", "apology"},
        {"claim", "explanation"},
        {"claim", "correction"},
        {"claim", "stop"},
        {"claim", "fee_waiver"},
        {"claim", "other"},
        {"cause", "c99"},
    };
    omb_taxonomy *t = shipped();
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!omb_taxonomy_find(t, need[i][0], need[i][1]))
            fail_msg("missing %s %s", need[i][0], need[i][1]);
    char code[16];
    for (int i = 1; i <= 12; i++) {
        snprintf(code, sizeof code, "c%02d", i);
        assert_non_null(omb_taxonomy_find(t, "cause", code));
    }
    omb_taxonomy_free(t);
}

static void test_list_by_kind(void **state)
{
    omb_taxonomy *t = shipped();
    size_t total = 0;
    for (const char *const *k = omb_taxonomy_kinds; *k; k++) {
        size_t n = 0;
        const omb_code *codes = omb_taxonomy_list(t, *k, &n);
        assert_non_null(codes);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++) {
            assert_string_equal(codes[i].kind, *k);
            assert_ptr_equal(omb_taxonomy_find(t, *k, codes[i].code), &codes[i]);
        }
        total += n;
    }
    assert_int_equal(total, omb_taxonomy_count(t));
    size_t n = 0;
    const omb_code *causes = omb_taxonomy_list(t, "cause", &n);
    assert_int_equal(n, 13);
    assert_string_equal(causes[0].code, "c01"); /* file order */
    assert_string_equal(causes[12].code, "c99");
    const omb_code *ch = omb_taxonomy_list(t, "channel", &n);
    assert_string_equal(ch[0].code, "phone");
    n = 7;
    assert_null(omb_taxonomy_list(t, "grade", &n));
    assert_int_equal(n, 0);
    omb_taxonomy_free(t);
}

static void test_find_unknown(void **state)
{
    omb_taxonomy *t = shipped();
    assert_null(omb_taxonomy_find(t, "channel", "pigeon"));
    assert_null(omb_taxonomy_find(t, "channel", ""));
    assert_null(omb_taxonomy_find(t, "cause", "web"));
    assert_null(omb_taxonomy_find(t, "colour", "web"));
    assert_null(omb_taxonomy_find(t, "channel", "WEB"));
    assert_null(omb_taxonomy_find(t, NULL, "web"));
    assert_null(omb_taxonomy_find(t, "channel", NULL));
    assert_null(omb_taxonomy_find(NULL, "channel", "web"));
    omb_taxonomy_free(t);
    omb_taxonomy_free(NULL);
}

static void test_same_code_in_two_kinds(void **state)
{
    static const char text[] = "channel\tother\t其他\tOther\nclaim\tother\t其他\tOther\n";
    omb_taxonomy *t = accepted(text, sizeof text - 1);
    const omb_code *a = omb_taxonomy_find(t, "channel", "other");
    const omb_code *b = omb_taxonomy_find(t, "claim", "other");
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_string_equal(b->kind, "claim");
    omb_taxonomy_free(t);
}

static void test_comments_blank_crlf_bom_nul(void **state)
{
    static const char text[] = "\xEF\xBB\xBF# header\r\n"
                               "\r\n"
                               "   \n"
                               "# kind\tcode\tzh\ten\r\n"
                               "cause\tc01\t服务\tService\r\n"
                               "cause\tc02\t设施\tFacilities"; /* no final newline */
    /* sizeof includes the trailing NUL, which the parser ignores */
    omb_taxonomy *t = accepted(text, sizeof text);
    assert_int_equal(omb_taxonomy_count(t), 2);
    const omb_code *c = omb_taxonomy_find(t, "cause", "c01");
    assert_non_null(c);
    assert_string_equal(c->en, "Service"); /* no '\r' left */
    assert_string_equal(omb_taxonomy_find(t, "cause", "c02")->en, "Facilities");
    omb_taxonomy_free(t);
}

static void test_interleaved_kinds_grouped(void **state)
{
    static const char text[] = "cause\tc02\tb\tB\nchannel\tweb\tw\tW\ncause\tc01\ta\tA\n";
    omb_taxonomy *t = accepted(text, sizeof text - 1);
    size_t n;
    const omb_code *c = omb_taxonomy_list(t, "cause", &n);
    assert_int_equal(n, 2);
    assert_string_equal(c[0].code, "c02");
    assert_string_equal(c[1].code, "c01");
    c = omb_taxonomy_list(t, "channel", &n);
    assert_int_equal(n, 1);
    assert_null(omb_taxonomy_list(t, "claim", &n));
    omb_taxonomy_free(t);
}

static void test_wrong_column_count(void **state)
{
    refused("# c\ncause\tc01\t服务\n", "taxonomy_syntax", "line 2");
    refused("cause\tc01\t服务\tService\textra\n", "taxonomy_syntax", "found 5");
    refused("cause c01 服务 Service\n", "taxonomy_syntax", "line 1");
}

static void test_empty_label(void **state)
{
    refused("cause\tc01\t\tService\n", "taxonomy_syntax", "zh label");
    refused("cause\tc01\t服务\t  \n", "taxonomy_syntax", "en label");
}

static void test_label_too_long(void **state)
{
    char text[512];
    char label[OMB_TAXONOMY_LABEL_MAX + 2];
    memset(label, 'x', sizeof label - 1);
    label[sizeof label - 1] = '\0';
    snprintf(text, sizeof text, "cause\tc01\t服务\t%s\n", label);
    refused(text, "taxonomy_syntax", "longer than");
}

static void test_unknown_kind(void **state)
{
    refused("channel\tweb\t网站\tWebsite\ncolour\tred\t红\tRed\n", "taxonomy_kind", "line 2");
    refused("Channel\tweb\t网站\tWebsite\n", "taxonomy_kind", "line 1");
}

static void test_bad_code(void **state)
{
    refused("channel\tWeb\t网站\tWebsite\n", "taxonomy_code", "line 1");
    refused("channel\t\t网站\tWebsite\n", "taxonomy_code", "line 1");
    refused("channel\tweb site\t网站\tWebsite\n", "taxonomy_code", "line 1");
    refused("channel\tabcdefghijklmnopqrstuvwxyz0123456\tx\tX\n", "taxonomy_code", "line 1");
    static const char max[] = "channel\tabcdefghijklmnopqrstuvwxyz012345\tx\tX\n";
    omb_taxonomy *t = accepted(max, strlen(max));
    omb_taxonomy_free(t);
}

static void test_duplicate(void **state)
{
    refused("cause\tc01\ta\tA\ncause\tc02\tb\tB\n\ncause\tc01\tc\tC\n", "taxonomy_duplicate",
            "line 4");
    refused("cause\tc01\ta\tA\ncause\tc02\tb\tB\n\ncause\tc01\tc\tC\n", "taxonomy_duplicate",
            "first on line 1");
    /* the earliest second occurrence is the one reported */
    refused("cause\tc09\ta\tA\ncause\tc01\ta\tA\ncause\tc01\tb\tB\ncause\tc09\tb\tB\n",
            "taxonomy_duplicate", "line 3");
}

static void test_bad_utf8(void **state)
{
    refused("cause\tc01\t\xE6\x9C\tService\n", "taxonomy_encoding", "line 1");
    static const char nul[] = "cause\tc01\ta\0b\tService\n";
    omb_taxonomy *t = NULL;
    omb_err err;
    assert_int_equal(omb_taxonomy_parse(&t, nul, sizeof nul - 1, &err), OMB_EINVAL);
    assert_string_equal(err.code, "taxonomy_encoding");
    assert_null(t);
}

static void test_empty(void **state)
{
    refused("", "taxonomy_empty", NULL);
    refused("# only a comment\n\n", "taxonomy_empty", NULL);
    omb_taxonomy *t = NULL;
    omb_err err;
    assert_int_equal(omb_taxonomy_parse(&t, NULL, 5, &err), OMB_EINVAL);
    assert_string_equal(err.code, "taxonomy_empty");
}

static void test_too_many_codes(void **state)
{
    omb_buf b = OMB_BUF_INIT(1 << 20);
    for (int i = 0; i <= OMB_TAXONOMY_CODES_MAX; i++)
        omb_buf_printf(&b, "claim\tx%d\t甲\tA\n", i);
    refused(omb_buf_str(&b), "taxonomy_too_big", NULL);
    omb_buf_release(&b);
}

/* Many codes in scrambled order: every one is found, nothing else is. */
static void test_many_codes_lookup(void **state)
{
    enum { N = 2000 };
    omb_buf b = OMB_BUF_INIT(1 << 20);
    for (int i = 0; i < N; i++) {
        int v = (i * 7919) % N;
        omb_buf_printf(&b, "%s\tk%d\tzh%d\ten%d\n", omb_taxonomy_kinds[v % 4], v, v, v);
    }
    omb_taxonomy *t = accepted(b.data, b.len);
    assert_int_equal(omb_taxonomy_count(t), N);
    char code[16], en[16];
    for (int v = 0; v < N; v++) {
        snprintf(code, sizeof code, "k%d", v);
        snprintf(en, sizeof en, "en%d", v);
        const omb_code *c = omb_taxonomy_find(t, omb_taxonomy_kinds[v % 4], code);
        assert_non_null(c);
        assert_string_equal(c->en, en);
        assert_null(omb_taxonomy_find(t, omb_taxonomy_kinds[(v + 1) % 4], code));
    }
    assert_null(omb_taxonomy_find(t, "claim", "k"));
    assert_null(omb_taxonomy_find(t, "claim", "k99999"));
    omb_taxonomy_free(t);
    omb_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_parses),
        cmocka_unit_test(test_shipped_has_required_codes),
        cmocka_unit_test(test_list_by_kind),
        cmocka_unit_test(test_find_unknown),
        cmocka_unit_test(test_same_code_in_two_kinds),
        cmocka_unit_test(test_comments_blank_crlf_bom_nul),
        cmocka_unit_test(test_interleaved_kinds_grouped),
        cmocka_unit_test(test_wrong_column_count),
        cmocka_unit_test(test_empty_label),
        cmocka_unit_test(test_label_too_long),
        cmocka_unit_test(test_unknown_kind),
        cmocka_unit_test(test_bad_code),
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_bad_utf8),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_too_many_codes),
        cmocka_unit_test(test_many_codes_lookup),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
