/*
 * test_csv.c - unit tests of the RFC 4180 CSV reader (src/core/csv.c):
 * quoting, line ends, BOM, blank lines, line numbers, caps, malformed
 * input and a randomised write-then-read round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include "core/buf.h"
#include "core/csv.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Reads every record of in[0..len) and renders them as "LINE:f1|f2|...\n";
 * returns the rc of the last omb_csv_next call and the error in *err.
 */
static int render(const char *in, size_t len, size_t field_max, size_t fields_max, omb_buf *out,
                  omb_err *err)
{
    omb_csv r;
    omb_csv_init(&r, in, len, field_max, fields_max);
    const omb_csv_record *rec;
    int rc;
    omb_err_clear(err);
    while ((rc = omb_csv_next(&r, &rec, err)) == OMB_OK && rec) {
        assert_int_equal(omb_buf_printf(out, "%zu:", rec->line), OMB_OK);
        for (size_t i = 0; i < rec->n; i++) {
            assert_int_equal(rec->fields[i].p[rec->fields[i].len], '\0');
            if (i)
                assert_int_equal(omb_buf_putc(out, '|'), OMB_OK);
            assert_int_equal(omb_buf_append(out, rec->fields[i].p, rec->fields[i].len), OMB_OK);
        }
        assert_int_equal(omb_buf_putc(out, '\n'), OMB_OK);
    }
    omb_csv_release(&r);
    return rc;
}

static void expect(const char *in, const char *want)
{
    omb_buf out = OMB_BUF_INIT(1 << 20);
    omb_err err;
    int rc = render(in, strlen(in), 0, 0, &out, &err);
    if (rc != OMB_OK)
        fail_msg("unexpected error %s: %s", err.code, err.message);
    assert_string_equal(omb_buf_str(&out), want);
    omb_buf_release(&out);
}

/* Expects an error with that rc and code, and `line` (when not NULL) in its message. */
static void expect_error(const char *in, size_t field_max, size_t fields_max, int want_rc,
                         const char *code, const char *line)
{
    omb_buf out = OMB_BUF_INIT(1 << 20);
    omb_err err;
    int rc = render(in, strlen(in), field_max, fields_max, &out, &err);
    assert_int_equal(rc, want_rc);
    assert_int_equal(err.rc, want_rc);
    assert_string_equal(err.code, code);
    if (line && !strstr(err.message, line))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, line);
    omb_buf_release(&out);
}

static void test_simple_lf(void **state)
{
    expect("a,b,c\nd,e,f\n", "1:a|b|c\n2:d|e|f\n");
}

static void test_crlf(void **state)
{
    expect("a,b\r\nc,d\r\n", "1:a|b\n2:c|d\n");
}

static void test_bare_cr(void **state)
{
    expect("a,b\rc,d", "1:a|b\n2:c|d\n");
}

static void test_no_final_newline(void **state)
{
    expect("a,b\nc,d", "1:a|b\n2:c|d\n");
    expect("a,\"b\"", "1:a|b\n");
}

static void test_quoted_comma(void **state)
{
    expect("\"a,b\",c\n", "1:a,b|c\n");
}

static void test_doubled_quotes(void **state)
{
    expect("\"he said \"\"hi\"\"\",x\n", "1:he said \"hi\"|x\n");
    expect("\"\"\"\"\n", "1:\"\n");
    expect("\"\",x\n", "1:|x\n");
}

static void test_embedded_newline(void **state)
{
    expect("\"line1\nline2\",x\nnext,y\n", "1:line1\nline2|x\n3:next|y\n");
    expect("\"a\r\nb\",c\r\nd,e\r\n", "1:a\r\nb|c\n3:d|e\n");
    expect("\"a\r\r\nb\",c\nd\n", "1:a\r\r\nb|c\n4:d\n");
}

static void test_bom(void **state)
{
    expect("\xEF\xBB\xBFh1,h2\n1,2\n", "1:h1|h2\n2:1|2\n");
    expect("\xEF\xBB\xBF", "");
    /* a BOM later in the file is data */
    expect("a\n\xEF\xBB\xBF\n", "1:a\n2:\xEF\xBB\xBF\n");
}

static void test_empty_fields(void **state)
{
    expect(",,\n", "1:||\n");
    expect("a,\n", "1:a|\n");
    expect("a,", "1:a|\n");
}

static void test_blank_lines_skipped(void **state)
{
    expect("a\n\n\r\nb\n", "1:a\n4:b\n");
    expect("\n\n", "");
    expect("", "");
}

static void test_null_input(void **state)
{
    omb_csv r;
    const omb_csv_record *rec = (const omb_csv_record *)&r;
    omb_csv_init(&r, NULL, 10, 0, 0);
    assert_int_equal(omb_csv_next(&r, &rec, NULL), OMB_OK);
    assert_null(rec);
    omb_csv_release(&r);
}

static void test_nul_in_field(void **state)
{
    static const char in[] = "a\0b,c\n";
    omb_csv r;
    const omb_csv_record *rec;
    omb_csv_init(&r, in, sizeof in - 1, 0, 0);
    assert_int_equal(omb_csv_next(&r, &rec, NULL), OMB_OK);
    assert_non_null(rec);
    assert_int_equal(rec->n, 2);
    assert_int_equal(rec->fields[0].len, 3);
    assert_memory_equal(rec->fields[0].p, "a\0b", 3);
    omb_csv_release(&r);
}

static void test_unbalanced_quote(void **state)
{
    expect_error("a,b\n\"open,\nmore\n", 0, 0, OMB_EINVAL, "csv_unbalanced_quote", "line 2");
    expect_error("\"abc", 0, 0, OMB_EINVAL, "csv_unbalanced_quote", "line 1");
    expect_error("\"abc\"\"", 0, 0, OMB_EINVAL, "csv_unbalanced_quote", "line 1");
    expect_error("x\ny\n\"a\nb\nc", 0, 0, OMB_EINVAL, "csv_unbalanced_quote", "line 3");
}

static void test_bad_quote(void **state)
{
    expect_error("\"a\"b,c\n", 0, 0, OMB_EINVAL, "csv_bad_quote", "line 1");
    expect_error("ok\nab\"c,d\n", 0, 0, OMB_EINVAL, "csv_bad_quote", "line 2");
    expect_error("\"a\" ,b\n", 0, 0, OMB_EINVAL, "csv_bad_quote", "field 1");
}

static void test_error_is_sticky(void **state)
{
    static const char in[] = "a\n\"b\"x\nc\n";
    omb_csv r;
    const omb_csv_record *rec;
    omb_err err;
    omb_csv_init(&r, in, sizeof in - 1, 0, 0);
    assert_int_equal(omb_csv_next(&r, &rec, &err), OMB_OK);
    assert_non_null(rec);
    assert_int_equal(omb_csv_next(&r, &rec, &err), OMB_EINVAL);
    assert_null(rec);
    omb_err_clear(&err);
    assert_int_equal(omb_csv_next(&r, &rec, &err), OMB_EINVAL);
    assert_string_equal(err.code, "csv_bad_quote");
    assert_null(rec);
    omb_csv_release(&r);
}

static void test_field_cap(void **state)
{
    omb_buf out = OMB_BUF_INIT(1024);
    omb_err err;
    assert_int_equal(render("abcd,e\n", 7, 4, 0, &out, &err), OMB_OK);
    assert_int_equal(render("\"ab\"\"c\"\n", 8, 4, 0, &out, &err), OMB_OK);
    omb_buf_release(&out);
    expect_error("abcde,e\n", 4, 0, OMB_ETOOBIG, "csv_field_too_long", "field 1");
    expect_error("a,\"ab\ncde\"\n", 4, 0, OMB_ETOOBIG, "csv_field_too_long", "field 2");
    expect_error("a,\"abc\"\"\"\"\"\n", 4, 0, OMB_ETOOBIG, "csv_field_too_long", "field 2");
}

static void test_fields_cap(void **state)
{
    omb_buf out = OMB_BUF_INIT(1024);
    omb_err err;
    assert_int_equal(render("a,b,c\n", 6, 0, 3, &out, &err), OMB_OK);
    omb_buf_release(&out);
    expect_error("a,b,c,d\n", 0, 3, OMB_ETOOBIG, "csv_too_many_fields", "line 1");
    expect_error("x\na,b,c,\n", 0, 3, OMB_ETOOBIG, "csv_too_many_fields", "line 2");
}

static void test_line_numbers(void **state)
{
    expect("h\r\n\"multi\r\nline\r\nfield\",x\r\nnext\r\n\r\nlast",
           "1:h\n2:multi\r\nline\r\nfield|x\n5:next\n7:last\n");
}

static void test_big_field(void **state)
{
    size_t n = 200000;
    char *in = malloc(n + 16);
    assert_non_null(in);
    in[0] = '"';
    memset(in + 1, 'x', n);
    memcpy(in + 1 + n, "\",y\n", 5);
    omb_csv r;
    const omb_csv_record *rec;
    omb_csv_init(&r, in, strlen(in), 300000, 0);
    assert_int_equal(omb_csv_next(&r, &rec, NULL), OMB_OK);
    assert_non_null(rec);
    assert_int_equal(rec->fields[0].len, n);
    assert_string_equal(rec->fields[1].p, "y");
    assert_int_equal(omb_csv_next(&r, &rec, NULL), OMB_OK);
    assert_null(rec);
    omb_csv_release(&r);
    free(in);
}

static void test_field_index(void **state)
{
    static const char in[] = " Name ,AGE,Complaint ID\n";
    omb_csv r;
    const omb_csv_record *rec;
    size_t idx = 99;
    omb_csv_init(&r, in, sizeof in - 1, 0, 0);
    assert_int_equal(omb_csv_next(&r, &rec, NULL), OMB_OK);
    assert_int_equal(omb_csv_field_index(rec, "name", &idx), OMB_OK);
    assert_int_equal(idx, 0);
    assert_int_equal(omb_csv_field_index(rec, "age", &idx), OMB_OK);
    assert_int_equal(idx, 1);
    assert_int_equal(omb_csv_field_index(rec, "Complaint ID", &idx), OMB_OK);
    assert_int_equal(idx, 2);
    assert_int_equal(omb_csv_field_index(rec, "Complaint", &idx), OMB_ENOTFOUND);
    omb_csv_release(&r);
}

/* A small deterministic generator, so a failure can be replayed. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Writes random records with proper quoting, reads them back, compares. */
static void test_round_trip(void **state)
{
    static const char alphabet[] = "ab,\"\r\n \xE4\xB8\xAD";
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    for (int round = 0; round < 200; round++) {
        omb_buf csv = OMB_BUF_INIT(1 << 20), want = OMB_BUF_INIT(1 << 20);
        size_t nrec = 1 + next_rand(&seed) % 8;
        for (size_t rr = 0; rr < nrec; rr++) {
            size_t nf = 1 + next_rand(&seed) % 6;
            for (size_t f = 0; f < nf; f++) {
                size_t len = next_rand(&seed) % 12;
                if (nf == 1 && len == 0)
                    len = 1; /* a lone empty field would be a blank line */
                char field[16];
                for (size_t i = 0; i < len; i++)
                    field[i] = alphabet[next_rand(&seed) % (sizeof alphabet - 1)];
                bool quote = next_rand(&seed) % 2 || memchr(field, '"', len) ||
                             memchr(field, ',', len) || memchr(field, '\r', len) ||
                             memchr(field, '\n', len);
                if (f) {
                    omb_buf_putc(&csv, ',');
                    omb_buf_putc(&want, '|');
                }
                if (quote)
                    omb_buf_putc(&csv, '"');
                for (size_t i = 0; i < len; i++) {
                    if (field[i] == '"')
                        omb_buf_putc(&csv, '"');
                    omb_buf_putc(&csv, field[i]);
                    omb_buf_putc(&want, field[i]);
                }
                if (quote)
                    omb_buf_putc(&csv, '"');
            }
            omb_buf_puts(&csv, next_rand(&seed) % 2 ? "\r\n" : "\n");
            omb_buf_putc(&want, '\n');
        }
        omb_buf bare = OMB_BUF_INIT(1 << 20);
        omb_err err;
        omb_csv r;
        const omb_csv_record *rec;
        omb_csv_init(&r, csv.data, csv.len, 0, 0);
        int rc;
        while ((rc = omb_csv_next(&r, &rec, &err)) == OMB_OK && rec) {
            for (size_t i = 0; i < rec->n; i++) {
                if (i)
                    omb_buf_putc(&bare, '|');
                omb_buf_append(&bare, rec->fields[i].p, rec->fields[i].len);
            }
            omb_buf_putc(&bare, '\n');
        }
        if (rc)
            fail_msg("round %d: %s: %s", round, err.code, err.message);
        omb_csv_release(&r);
        assert_int_equal(bare.len, want.len);
        assert_memory_equal(bare.data, want.data, want.len);
        omb_buf_release(&bare);
        omb_buf_release(&csv);
        omb_buf_release(&want);
    }
}

/* Random bytes: the reader must never crash or overrun (ASan watches). */
static void test_garbage(void **state)
{
    static const char alphabet[] = "a,\"\r\n\xEF\xBB\xBF";
    uint64_t seed = 12345;
    for (int round = 0; round < 500; round++) {
        char in[64];
        size_t len = next_rand(&seed) % sizeof in;
        for (size_t i = 0; i < len; i++)
            in[i] = alphabet[next_rand(&seed) % (sizeof alphabet - 1)];
        omb_csv r;
        const omb_csv_record *rec;
        omb_err err;
        omb_csv_init(&r, in, len, 8, 4);
        int rc;
        size_t guard = 0;
        while ((rc = omb_csv_next(&r, &rec, &err)) == OMB_OK && rec)
            assert_true(++guard <= len);
        assert_true(rc == OMB_OK || rc == OMB_EINVAL || rc == OMB_ETOOBIG);
        omb_csv_release(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_lf),        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_bare_cr),          cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_quoted_comma),     cmocka_unit_test(test_doubled_quotes),
        cmocka_unit_test(test_embedded_newline), cmocka_unit_test(test_bom),
        cmocka_unit_test(test_empty_fields),     cmocka_unit_test(test_blank_lines_skipped),
        cmocka_unit_test(test_null_input),       cmocka_unit_test(test_nul_in_field),
        cmocka_unit_test(test_unbalanced_quote), cmocka_unit_test(test_bad_quote),
        cmocka_unit_test(test_error_is_sticky),  cmocka_unit_test(test_field_cap),
        cmocka_unit_test(test_fields_cap),       cmocka_unit_test(test_line_numbers),
        cmocka_unit_test(test_big_field),        cmocka_unit_test(test_field_index),
        cmocka_unit_test(test_round_trip),       cmocka_unit_test(test_garbage),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
