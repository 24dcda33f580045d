/*
 * test_pii_text.c - unit tests for src/core/pii_text.c: personal data found
 * and masked in free text.
 *
 * True positives of every kind in every format (separators, prefixes,
 * full-width digits, keywords), false positives of every shape that is not
 * personal data (amounts, dates, times, complaint, loan, contract and order
 * numbers, percentages, years, numbers failing their check), boundaries
 * (longer digit runs, letters, joined identifiers), overlapping candidates,
 * spans and their offsets, the cap of the span array, empty text, NULL,
 * invalid UTF-8, and random byte strings that must never crash or break
 * the invariants (spans in order, inside the text, never overlapping; the
 * mask of a text without findings is the text; a mask is never found again).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pii_text.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

typedef struct mask_case {
    const char *in;
    const char *out; /* NULL: the same as in (nothing found) */
} mask_case;

static void expect_masks(const mask_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        omb_buf b;
        omb_buf_init(&b, 1 << 20);
        size_t found = 99;
        assert_int_equal(omb_pii_text_mask(cases[i].in, strlen(cases[i].in), &b, &found), OMB_OK);
        const char *want = cases[i].out ? cases[i].out : cases[i].in;
        bool same = strcmp(omb_buf_str(&b), want) == 0;
        if (!same)
            print_error("masking \"%s\"\n   got \"%s\"\n  want \"%s\"\n", cases[i].in,
                        omb_buf_str(&b), want);
        /* a mask never looks like personal data itself */
        size_t again = omb_pii_text_scan(omb_buf_str(&b), b.len, NULL, 0);
        omb_buf_release(&b);
        assert_true(same);
        assert_int_equal(again, 0);
        assert_int_equal(found == 0, cases[i].out == NULL);
        assert_int_equal(omb_pii_text_scan(cases[i].in, strlen(cases[i].in), NULL, 0), found);
    }
}

/* The kinds found in text, in order, as their names joined by ','. */
static void expect_kinds(const char *text, const char *kinds)
{
    omb_pii_span spans[16];
    size_t n = omb_pii_text_scan(text, strlen(text), spans, N(spans));
    char got[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && i < N(spans); i++)
        used += (size_t)snprintf(got + used, sizeof got - used, "%s%s", i ? "," : "",
                                 omb_pii_kind_name(spans[i].kind));
    if (strcmp(got, kinds) != 0)
        fail_msg("kinds in \"%s\": got \"%s\", want \"%s\"", text, got, kinds);
}

/* ---- the issue's example ------------------------------------------------------------ */

static void test_issue_example(void **state)
{
    const char *text = "手机13700137000，身份证11010519491231002X";
    omb_pii_span s[4];
    assert_int_equal(omb_pii_text_scan(text, strlen(text), s, N(s)), 2);
    assert_int_equal(s[0].kind, OMB_PII_MOBILE);
    assert_int_equal(s[0].start, strlen("手机"));
    assert_int_equal(s[0].len, 11);
    assert_int_equal(s[1].kind, OMB_PII_ID_NUMBER);
    assert_int_equal(s[1].start, strlen("手机13700137000，身份证"));
    assert_int_equal(s[1].len, 18);
    mask_case c[] = {{text, "手机137****7000，身份证110***********002X"}};
    expect_masks(c, N(c));
}

/* ---- true positives --------------------------------------------------------------------- */

static void test_mobile(void **state)
{
    static const mask_case c[] = {
        {"13700137000", "137****7000"},
        {"请拨打13700137000联系我", "请拨打137****7000联系我"},
        {"tel: 19912345678.", "tel: 199****5678."},
        {"137 0013 7000", "137****7000"},
        {"137-0013-7000", "137****7000"},
        {"137 00137000", "137****7000"},
        {"1370013 7000", "137****7000"},
        {"+86 13700137000", "137****7000"},
        {"+8613700137000", "137****7000"},
        {"+86 137 0013 7000", "137****7000"},
        {"+86-137-0013-7000", "137****7000"},
        {"0086 13700137000", "137****7000"},
        {"008613700137000", "137****7000"},
        {"0086-137-0013-7000", "137****7000"},
        {"＋86 13700137000", "137****7000"},
        {"(13700137000)", "(137****7000)"},
        {"号码：13700137000；", "号码：137****7000；"},
        {"https://x.cn/?phone=13700137000&a=1", "https://x.cn/?phone=137****7000&a=1"},
        {"13700137000 13800138000", "137****7000 138****8000"},
        {"13700137000、13800138000", "137****7000、138****8000"},
        {"住址3号楼13700137000", "住址3号楼137****7000"},
    };
    expect_masks(c, N(c));
    expect_kinds("13300000000 14000000000 15000000000 16600000000 17700000000 18800000000 "
                 "19900000000",
                 "mobile,mobile,mobile,mobile,mobile,mobile,mobile");
}

static void test_landline(void **state)
{
    static const mask_case c[] = {
        {"010-62345678", "010****5678"},
        {"01062345678", "010****5678"},
        {"010 62345678", "010****5678"},
        {"021-6234567", "021***4567"},
        {"0755-87654321", "075*****4321"},
        {"075587654321", "075*****4321"},
        {"0571-8765432", "057****5432"},
        {"(010)62345678", "010****5678"},
        {"（0755）87654321", "075*****4321"},
        {"(010) 62345678", "010****5678"},
        {"010-6234-5678", "010****5678"},
        {"010-623-5678", "010***5678"},
        {"021-62345678-801", "021*******8801"},
        {"电话010-62345678转801。", "电话010*******8801。"},
        {"座机：0755-87654321，", "座机：075*****4321，"},
    };
    expect_masks(c, N(c));
    expect_kinds("010-62345678 021-62345678 0755-87654321", "landline,landline,landline");
}

static void test_id_number(void **state)
{
    static const mask_case c[] = {
        {"11010519491231002X", "110***********002X"},
        {"11010519491231002x", "110***********002X"},
        {"440308199001011239", "440***********1239"},
        {"身份证：440308199001011239。", "身份证：440***********1239。"},
        {"110105 19491231 002X", "110***********002X"},
        {"１１０１０５１９４９１２３１００２Ｘ", "110***********002X"},
        {"１１０１０５１９４９１２３１００２ｘ", "110***********002X"},
        /* the old 15-digit form: province and a real birth date (1949-12-31) */
        {"110105491231002", "110********1002"},
        {"110105 491231 002", "110********1002"},
        /* named: a check character that does not match is still an identity number */
        {"身份证号11010519491231002Y", NULL},
        {"身份证号110105194912310021", "身份证号110***********0021"},
        {"证件号码：110105194912310021", "证件号码：110***********0021"},
        {"ID no. 110105194912310021", "ID no. 110***********0021"},
    };
    expect_masks(c, N(c));
}

static void test_bank_card(void **state)
{
    static const mask_case c[] = {
        {"4111111111111111", "4111 **** **** 1111"},
        {"4111 1111 1111 1111", "4111 **** **** 1111"},
        {"4111-1111-1111-1111", "4111 **** **** 1111"},
        {"6222021234567894", "6222 **** **** 7894"},
        {"6228480012345678903", "6228 **** **** *** 8903"},
        {"6228 4800 1234 5678 903", "6228 **** **** *** 8903"},
        {"622848 0012345678903", "6228 **** **** *** 8903"},
        {"378282246310005", "3782 **** *** 0005"},
        {"3782 822463 10005", "3782 **** *** 0005"},
        {"4222222222222", "4222 **** * 2222"},
        {"2221000000000009", "2221 **** **** 0009"},
        {"１２３４5678", NULL},
        {"４１１１１１１１１１１１１１１１", "4111 **** **** 1111"},
        /* named: any grouping, the Luhn digit not needed */
        {"卡号6222021234567890", "卡号6222 **** **** 7890"},
        {"卡号：6222 0212 3456 7890", "卡号：6222 **** **** 7890"},
        {"银行卡号为 6222 0212 3456 7890 1", "银行卡号为 6222 **** **** * 8901"},
        {"银行卡62220 21234 567890", "银行卡6222 **** **** 7890"},
        {"借记卡 1234567890123", "借记卡 1234 **** * 0123"},
        {"card no. 6222-0212-3456-7890", "card no. 6222 **** **** 7890"},
        {"还款账号6222021234567890123", "还款账号6222 **** **** *** 0123"},
    };
    expect_masks(c, N(c));
}

static void test_email(void **state)
{
    static const mask_case c[] = {
        {"zhangsan@example.com", "z***@example.com"},
        {"邮箱zhang.san+x@mail.example.com.cn，", "邮箱z***@mail.example.com.cn，"},
        {"Write to a@b.co.", "Write to a***@b.co."},
        {"13700137000@qq.com", "1***@qq.com"},
        {"mail:user_1@163.com;", "mail:u***@163.com;"},
        {"..x@example.org", "..x***@example.org"},
        {"a@b", NULL},
        {"x@example.c", NULL},
        {"x@example.123", NULL},
        {"x@-example.com", NULL},
        {"@example.com", NULL},
        {"user@", NULL},
        {"张三@example.com", NULL},
        /* glued to the next address: the domain is that address's local part,
         * and the mask leaves no address behind (found by fuzz_pii) */
        {"Wvit@b.xoa@b.xo.", "Wvit@b***@b.xo."},
        {"a@b.cn-@c.cn", "a@b***@c.cn"},
        {"x@y.com.@z.org", "x@y***@z.org"},
        {"a@b.cn_x@c.cn", "a@b***@c.cn"},
        /* a number in the local part of what follows is masked; the mask
         * must not make the domain before it the end of an address (found
         * by fuzz_pii: "0@e.cI%010***2310@" held "0@e.cI") */
        {"0@e.cI%0104912310@", "0@e.cI%010***2310@"},
    };
    expect_masks(c, N(c));
}

/* ---- false positives ------------------------------------------------------------------ */

static void test_not_personal_data(void **state)
{
    static const mask_case c[] = {
        /* amounts */
        {"借款5000元", NULL},
        {"¥12,345.67", NULL},
        {"3.5万", NULL},
        {"逾期罚息13700137000元", NULL},
        {"金额13700137000", NULL},
        {"¥13700137000", NULL},
        {"RMB 4111111111111111", NULL},
        {"13700137000.50", NULL},
        {"共计 4111111111111111 元", NULL},
        /* dates and times */
        {"2026-11-23", NULL},
        {"20261123", NULL},
        {"2026年11月23日", NULL},
        {"2026-11-23 10:30:00", NULL},
        {"20261123103000", NULL},
        {"2026/11/23", NULL},
        {"1990年", NULL},
        /* complaint, loan, contract and order numbers */
        {"TS20261122000123", NULL},
        {"投诉单号TS20261122000123", NULL},
        {"LN202611230001", NULL},
        {"HT-2026-000123", NULL},
        {"HT-13700137000", NULL},
        {"HT-4111111111111111", NULL},
        {"ORD_4111111111111111", NULL},
        {"order/4111111111111111", NULL},
        {"合同号HT20261123", NULL},
        {"订单号2026112312345670", NULL},
        {"订单号 1234567890123452", NULL},
        /* a 16-digit loan number that passes Luhn, named as such */
        {"借款编号6222021234567894", NULL},
        {"借款编号：6222021234567894", NULL},
        {"合同编号 4111111111111111", NULL},
        {"loan no. 4111111111111111", NULL},
        {"Loan No: 4111111111111111", NULL},
        {"order id 4111111111111111", NULL},
        {"订单号13700137000", NULL},
        {"流水号 440308199001011239", NULL},
        /* numbers that fail their check */
        {"4111111111111112", NULL},
        {"6222021234567890", NULL},
        {"2026112300012340", NULL},
        {"1234567890123452", NULL},
        {"11010519491231002Y", NULL},
        {"110105194912310021", NULL},
        {"310115198702301238", NULL},
        {"202611230001234568", NULL},
        {"200105491231002", NULL},
        {"110105491331002", NULL},
        /* not a mobile or landline */
        {"12700137000", NULL},
        {"23700137000", NULL},
        {"1370013700", NULL},
        {"010-12345678", NULL},
        {"001-62345678", NULL},
        {"0100-62345678", NULL},
        {"1 3700 137 000", NULL},
        {"86 1370013700", NULL},
        /* percentages, years, counts, versions */
        {"13.5%", NULL},
        {"利率 24%", NULL},
        {"2026", NULL},
        {"第13700137000次", NULL},
        {"v1.13700137000", NULL},
        {"3.13700137000", NULL},
        {"", NULL},
    };
    expect_masks(c, N(c));
}

/* ---- boundaries and overlaps ------------------------------------------------------------ */

static void test_boundaries(void **state)
{
    static const mask_case c[] = {
        {"137001370001", NULL},
        {"913700137000", NULL},
        {"abc13700137000", NULL},
        {"13700137000abc", NULL},
        {"Ａ13700137000", NULL},
        {"13700137000ｂ", NULL},
        {"１13700137000", NULL},
        {"11010519491231002X1", NULL},
        {"111010519491231002X", NULL},
        {"11010519491231002XY", NULL},
        {"4111111111111111111111", NULL},
        {"x13700137000@", NULL},
        /* digits touching a mask's '*' are part of a masked number (found by fuzz_pii) */
        {"信用卡11307031036 13800138000", "信用卡11307031036 138****8000"},
        {"信用卡11307031036 138****8000", NULL},
        {"13700137000*", NULL},
        {"*13700137000", NULL},
        {"13700137000＊", NULL},
        {"卡号为 6222 **** **** * 0816 78010908 1", NULL},
        {"13700137000 ****", NULL},
        {"**** 13700137000", NULL},
        {"(010) 6415680@qq.com", "010***5680@qq.com"},
        {"010***5680@qq.com", NULL},
        {"4111 **** **** 7890@qq.com", NULL},
        {"ser_0@0106213718--er30X.loan", "s***@0106213718--er30X.loan"},
        {"230201@1X--89824--18226112304--6223.co", "2***@1X--89824--18226112304--6223.co"},
        {"４１１１１１１１１１１１１１１１_1@1.se", "４１１１１１１１１１１１１１１１_***@1.se"},
        {"a***.13700137000", NULL},
        {"4111 1111 1111 1111@qq.com", "4111 **** **** 1111@qq.com"},
        /* a phone across the twelfth group of a long run of numbers (found by fuzz_pii) */
        {"1 2 3 4 5 6 7 8 9 1 132 3456 7890", "1 2 3 4 5 6 7 8 9 1 132****7890"},
        {"1 2 3 4 5 6 7 8 9 1 1 13200137000 2", "1 2 3 4 5 6 7 8 9 1 1 132****7000 2"},
        {"1 2 3 4 5 6 7 8 9 1 1 2-13200137000", NULL},
        {"13700137000_", "137****7000_"},
        {"13700137000-", "137****7000-"},
        {"13700137000-张三", "137****7000-张三"},
        {"张三-13700137000", "张三-137****7000"},
        {"电话:13700137000", "电话:137****7000"},
        {"“13700137000”", "“137****7000”"},
    };
    expect_masks(c, N(c));
}

static void test_overlaps(void **state)
{
    /* an identity number glued to a phone: one longer run, neither */
    expect_kinds("44030819900101123913700137000", "");
    /* a phone, then a card: the longest range from the left wins */
    expect_kinds("13700137000 4111 1111 1111 1111", "mobile,bank_card");
    expect_kinds("4111 1111 1111 1111 13700137000", "bank_card,mobile");
    /* a date before a phone does not swallow it */
    expect_kinds("2026 13700137000", "mobile");
    expect_kinds("2026-11-23 13700137000", "mobile");
    /* an identity number that passes Luhn too stays an identity number */
    expect_kinds("110105194912310021", "");
    expect_kinds("440308199001011239 4111111111111111", "id_number,bank_card");
    /* a card named as one is a card even when it could be an identity number */
    expect_kinds("卡号440308199001011239", "bank_card");
    /* a landline followed by a mobile, joined by a space */
    expect_kinds("010-62345678 13700137000", "landline,mobile");
    /* an e-mail address takes the digits of its local part */
    expect_kinds("13700137000@qq.com 13800138000", "email,mobile");
    /* every kind once */
    expect_kinds("手机13700137000，座机010-62345678，身份证11010519491231002X，"
                 "卡号6222021234567894，邮箱z@example.com",
                 "mobile,landline,id_number,bank_card,email");
}

static void test_spans(void **state)
{
    const char *text = "a 13700137000 b z@example.com c";
    omb_pii_span s[2];
    assert_int_equal(omb_pii_text_scan(text, strlen(text), s, 2), 2);
    assert_int_equal(s[0].start, 2);
    assert_int_equal(s[0].len, 11);
    assert_int_equal(s[1].start, 16);
    assert_int_equal(s[1].len, 13);
    assert_int_equal(s[1].kind, OMB_PII_EMAIL);
    /* the cap: only the first spans are written, all are counted */
    omb_pii_span one[2] = {{0, 0, OMB_PII__COUNT}, {77, 77, OMB_PII__COUNT}};
    assert_int_equal(omb_pii_text_scan(text, strlen(text), one, 1), 2);
    assert_int_equal(one[0].start, 2);
    assert_int_equal(one[1].start, 77);
    assert_int_equal(omb_pii_text_scan(text, strlen(text), NULL, 5), 2);
    /* len bounds the text: a number cut by len is shorter, and not found */
    assert_int_equal(omb_pii_text_scan(text, 12, s, 2), 0);
    assert_int_equal(omb_pii_text_scan(text, 13, s, 2), 1);
    /* prefixes belong to the span: "+86 " and "(" */
    const char *plus = "call +86 13700137000";
    assert_int_equal(omb_pii_text_scan(plus, strlen(plus), s, 1), 1);
    assert_int_equal(s[0].start, 5);
    assert_int_equal(s[0].len, 15);
    const char *paren = "(010)62345678";
    assert_int_equal(omb_pii_text_scan(paren, strlen(paren), s, 1), 1);
    assert_int_equal(s[0].start, 0);
    assert_int_equal(s[0].len, strlen(paren));
    /* full-width digits are three bytes each */
    const char *wide = "号１３７００１３７０００。";
    assert_int_equal(omb_pii_text_scan(wide, strlen(wide), s, 1), 1);
    assert_int_equal(s[0].start, 3);
    assert_int_equal(s[0].len, 33);
    assert_string_equal(omb_pii_kind_name(OMB_PII_LANDLINE), "landline");
    assert_string_equal(omb_pii_kind_name(OMB_PII__COUNT), "unknown");
}

static void test_empty_and_null(void **state)
{
    omb_pii_span s[1];
    assert_int_equal(omb_pii_text_scan("", 0, s, 1), 0);
    assert_int_equal(omb_pii_text_scan(NULL, 0, s, 1), 0);
    assert_int_equal(omb_pii_text_scan("13700137000", 0, s, 1), 0);
    omb_buf b;
    omb_buf_init(&b, 64);
    size_t found = 9;
    assert_int_equal(omb_pii_text_mask("", 0, &b, &found), OMB_OK);
    assert_int_equal(found, 0);
    assert_string_equal(omb_buf_str(&b), "");
    assert_int_equal(omb_pii_text_mask(NULL, 0, &b, NULL), OMB_OK);
    omb_buf_release(&b);
}

static void test_cap_of_output(void **state)
{
    omb_buf b;
    omb_buf_init(&b, 8);
    size_t found;
    assert_int_equal(omb_pii_text_mask("13700137000 ok", 14, &b, &found), OMB_ETOOBIG);
    omb_buf_release(&b);
    omb_buf_init(&b, 14);
    assert_int_equal(omb_pii_text_mask("13700137000 ok", 14, &b, &found), OMB_OK);
    assert_string_equal(omb_buf_str(&b), "137****7000 ok");
    omb_buf_release(&b);
}

static void test_invalid_utf8(void **state)
{
    static const mask_case c[] = {
        {"\xff"
         "13700137000\xfe",
         "\xff"
         "137****7000\xfe"},
        {"\xe6\x89"
         "13700137000",
         "\xe6\x89"
         "137****7000"},
        {"13700137000\xe6\x89", "137****7000\xe6\x89"},
        {"\xef\xbc"
         "13700137000",
         "\xef\xbc"
         "137****7000"},
        {"\xef\xbc\x91"
         "3700137000",
         "137****7000"},
        {"1370013700\xef\xbc", NULL},
        {"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80", NULL},
        /* A digit written too long (two, three and four bytes), a surrogate and
         * a five-byte lead are no characters: they neither start nor extend
         * a number. */
        {"\xc0\xb1"
         "3700137000",
         NULL},
        {"\xe0\x80\xb1"
         "3700137000",
         NULL},
        {"\xf0\x80\x80\xb1"
         "3700137000",
         NULL},
        {"1370013700\xc0\xb0", NULL},
        {"\xed\xbf\xbf"
         "13700137000",
         "\xed\xbf\xbf"
         "137****7000"},
        {"\xf8\x88\x80\x80\x80"
         "13700137000",
         "\xf8\x88\x80\x80\x80"
         "137****7000"},
        {"z@example.com\x80", "z***@example.com\x80"},
    };
    expect_masks(c, N(c));
    /* embedded NUL bytes are characters like any other */
    const char nul[] = "a\0"
                       "13700137000\0b";
    omb_pii_span s[2];
    assert_int_equal(omb_pii_text_scan(nul, sizeof nul - 1, s, 2), 1);
    assert_int_equal(s[0].start, 2);
    /* a NUL is not part of an address's local part (found by fuzz_pii: the
     * mask "110***********002X\0iles_@r1.se" was an address again) */
    const char mail[] = "ab\0"
                        "cd@example.com";
    assert_int_equal(omb_pii_text_scan(mail, sizeof mail - 1, s, 2), 1);
    assert_int_equal(s[0].start, 3);
    const char id_mail[] = "110***********002X\0"
                           "iles_@r1.se";
    assert_int_equal(omb_pii_text_scan(id_mail, sizeof id_mail - 1, s, 2), 1);
    assert_int_equal(s[0].start, 19);
}

/* Random text of digits, separators, letters, CJK, full-width forms and
 * broken bytes: spans in order, inside the text, never overlapping; the
 * mask keeps everything outside them. */
static void test_random(void **state)
{
    static const char *const pieces[] = {
        "1",
        "3",
        "7",
        "0",
        "6",
        "9",
        "8",
        "2",
        " ",
        "-",
        "+",
        "(",
        ")",
        "X",
        "a",
        "z",
        "@",
        ".",
        "_",
        "/",
        "元",
        "号",
        "卡号",
        "１",
        "３",
        "－",
        "（",
        "）",
        "\xff",
        "\xe6\x89",
        "手机",
        "借款编号",
        "com",
        "86",
        "0086",
        "13700137000",
        "4111111111111111",
        "11010519491231002",
        "010",
        "62345678",
        "转",
    };
    srand(20261123);
    char text[512];
    omb_pii_span spans[64];
    for (int round = 0; round < 20000; round++) {
        size_t len = 0;
        int parts = rand() % 40;
        for (int p = 0; p < parts; p++) {
            const char *piece = pieces[rand() % N(pieces)];
            size_t n = strlen(piece);
            if (len + n >= sizeof text)
                break;
            memcpy(text + len, piece, n);
            len += n;
        }
        size_t n = omb_pii_text_scan(text, len, spans, N(spans));
        size_t prev_end = 0;
        for (size_t i = 0; i < n && i < N(spans); i++) {
            assert_true(spans[i].len > 0);
            assert_true(spans[i].start >= prev_end);
            assert_true(spans[i].start + spans[i].len <= len);
            assert_true(spans[i].kind < OMB_PII__COUNT);
            prev_end = spans[i].start + spans[i].len;
        }
        omb_buf b;
        omb_buf_init(&b, 1 << 16);
        size_t found;
        assert_int_equal(omb_pii_text_mask(text, len, &b, &found), OMB_OK);
        assert_int_equal(found, n);
        if (n == 0) {
            assert_int_equal(b.len, len);
            assert_memory_equal(b.data ? b.data : "", text, len);
        } else {
            /* the text before the first span and after the last is kept */
            assert_memory_equal(b.data, text, spans[0].start);
        }
        /* masking twice finds nothing new in what the first mask left */
        omb_buf again;
        omb_buf_init(&again, 1 << 16);
        size_t found2;
        assert_int_equal(omb_pii_text_mask(omb_buf_str(&b), b.len, &again, &found2), OMB_OK);
        if (found2 != 0)
            fail_msg("a masked text still holds personal data: \"%s\" -> \"%s\"", omb_buf_str(&b),
                     omb_buf_str(&again));
        omb_buf_release(&again);
        omb_buf_release(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_example),     cmocka_unit_test(test_mobile),
        cmocka_unit_test(test_landline),          cmocka_unit_test(test_id_number),
        cmocka_unit_test(test_bank_card),         cmocka_unit_test(test_email),
        cmocka_unit_test(test_not_personal_data), cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_overlaps),          cmocka_unit_test(test_spans),
        cmocka_unit_test(test_empty_and_null),    cmocka_unit_test(test_cap_of_output),
        cmocka_unit_test(test_invalid_utf8),      cmocka_unit_test(test_random),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
