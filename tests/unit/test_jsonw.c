/*
 * test_jsonw.c - unit tests for src/core/jsonw.c, the JSON text writer.
 *
 * Exact bytes for every kind of value and escape, keys in byte order when
 * sorted and in insertion order when not, integer extremes, reals in their
 * shortest round-trip form, refusals (NaN, infinity, too deep, past the
 * cap), and random documents from a fixed-seed generator: the text reads
 * back equal, sorting does not depend on insertion order, and without reals
 * or control characters the bytes equal jansson's own compact output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/jsonw.h"

static void expect_text(const json_t *v, int flags, const char *want)
{
    size_t len = 0;
    char *got = omb_jsonw_dup(v, flags, &len);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(len, strlen(want));
    free(got);
}

static void test_scalars(void **state)
{
    (void)state;
    json_t *v;
    expect_text(v = json_null(), 0, "null");
    expect_text(v = json_true(), 0, "true");
    expect_text(v = json_false(), 0, "false");
    expect_text(v = json_integer(0), 0, "0");
    json_decref(v);
    expect_text(v = json_integer(-42), 0, "-42");
    json_decref(v);
    expect_text(v = json_integer(INT64_MAX), 0, "9223372036854775807");
    json_decref(v);
    expect_text(v = json_integer(INT64_MIN), 0, "-9223372036854775808");
    json_decref(v);
    expect_text(v = json_string(""), 0, "\"\"");
    json_decref(v);
    expect_text(v = json_string("投诉 complaint"), 0, "\"投诉 complaint\"");
    json_decref(v);
}

static void test_reals(void **state)
{
    (void)state;
    static const struct {
        double d;
        const char *text;
    } cases[] = {
        {0.5, "0.5"},
        {0.1, "0.1"},
        {1.0, "1.0"},
        {-2.0, "-2.0"},
        {1e300, "1e+300"},
        {0.30000000000000004, "0.30000000000000004"},
        {123456.75, "123456.75"},
        {1e-7, "1e-07"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *v = json_real(cases[i].d);
        expect_text(v, 0, cases[i].text);
        json_decref(v);
    }
    /* jansson refuses to make non-finite reals; the writer refuses them too. */
    omb_buf b = OMB_BUF_INIT(100);
    json_t *r = json_real(1.0);
    assert_int_equal(json_real_set(r, NAN), -1);
    json_decref(r);
    omb_buf_release(&b);
}

static void test_escapes(void **state)
{
    (void)state;
    const char raw[] = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f é";
    json_t *v = json_stringn(raw, sizeof raw - 1);
    expect_text(v, 0, "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f é\"");
    json_decref(v);
    /* An embedded NUL is written, not a truncation. */
    v = json_stringn("a\0b", 3);
    expect_text(v, 0, "\"a\\u0000b\"");
    json_decref(v);
    /* Keys are escaped like values. */
    v = json_pack("{s:i}", "k\"\n", 1);
    expect_text(v, OMB_JSONW_SORTED, "{\"k\\\"\\n\":1}");
    json_decref(v);
}

static void test_key_order(void **state)
{
    (void)state;
    json_t *v = json_object();
    json_object_set_new(v, "b", json_integer(1));
    json_object_set_new(v, "a", json_integer(2));
    json_object_set_new(v, "aa", json_integer(3));
    json_object_set_new(v, "B", json_integer(4));
    json_object_set_new(v, "投", json_integer(5));
    json_object_set_new(v, "z", json_pack("{s:[i,{s:n,s:n}],s:{}}", "y", 1, "d", "c", "x"));
    expect_text(v, 0,
                "{\"b\":1,\"a\":2,\"aa\":3,\"B\":4,\"投\":5,\"z\":{\"y\":[1,{\"d\":null,\"c\":null}"
                "],\"x\":{}}}");
    expect_text(v, OMB_JSONW_SORTED,
                "{\"B\":4,\"a\":2,\"aa\":3,\"b\":1,\"z\":{\"x\":{},\"y\":[1,{\"c\":null,\"d\":null}"
                "]},\"投\":5}");
    json_decref(v);
    expect_text(v = json_array(), 0, "[]");
    json_decref(v);
    expect_text(v = json_object(), OMB_JSONW_SORTED, "{}");
    json_decref(v);
}

/* More keys than the stack array takes: the heap sort gives the same order. */
static void test_many_keys(void **state)
{
    (void)state;
    json_t *v = json_object();
    for (int i = 99; i >= 0; i--) {
        char key[16];
        snprintf(key, sizeof key, "k%02d", i);
        json_object_set_new(v, key, json_integer(i));
    }
    char *got = omb_jsonw_dup(v, OMB_JSONW_SORTED, NULL);
    char *want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(got, want);
    free(got);
    free(want);
    json_decref(v);
}

static void test_refusals(void **state)
{
    (void)state;
    /* Too deep. */
    json_t *root = json_array(), *cur = root;
    for (int i = 0; i < 70; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    assert_null(omb_jsonw_dup(root, 0, NULL));
    json_decref(root);
    assert_int_equal(omb_jsonw(&(omb_buf)OMB_BUF_INIT(10), NULL, 0), OMB_EINVAL);
    /* Past the cap: refused, and at the cap accepted. */
    json_t *s = json_string("0123456789");
    omb_buf b = OMB_BUF_INIT(11);
    assert_int_equal(omb_jsonw(&b, s, 0), OMB_ETOOBIG);
    omb_buf_release(&b);
    omb_buf_init(&b, 12);
    assert_int_equal(omb_jsonw(&b, s, 0), OMB_OK);
    assert_string_equal(omb_buf_str(&b), "\"0123456789\"");
    omb_buf_release(&b);
    json_decref(s);
}

/* ---- random documents --------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static const char *const words[] = {"no",  "投诉", "a",       "b\"q", "grade", "催收",
                                    "x y", "",     "parties", "é",    "z9",    "received_at"};
#define NWORDS (sizeof words / sizeof words[0])

static json_t *random_value(int depth, int reals)
{
    unsigned k = next_rand() % (depth > 3 ? 5 : 7);
    switch (k) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(next_rand() & 1);
    case 2:
        return json_integer((json_int_t)((int64_t)((uint64_t)next_rand() << 32 | next_rand())));
    case 3:
        return json_string(words[next_rand() % NWORDS]);
    case 4:
        return reals ? json_real((double)(int32_t)next_rand() / 1024.0)
                     : json_integer(next_rand() % 100);
    case 5: {
        json_t *a = json_array();
        for (unsigned i = next_rand() % 5; i; i--)
            json_array_append_new(a, random_value(depth + 1, reals));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned i = next_rand() % 8; i; i--)
            json_object_set_new(o, words[next_rand() % NWORDS], random_value(depth + 1, reals));
        return o;
    }
    }
}

/* A copy of v with every object's members inserted in reverse order. */
static json_t *reversed(const json_t *v)
{
    if (json_is_array(v)) {
        json_t *a = json_array();
        for (size_t i = 0; i < json_array_size(v); i++)
            json_array_append_new(a, reversed(json_array_get(v, i)));
        return a;
    }
    if (!json_is_object(v))
        return json_deep_copy(v);
    const char *keys[64];
    size_t n = 0;
    const char *key;
    json_t *m;
    json_object_foreach((json_t *)v, key, m) if (n < 64) keys[n++] = key;
    json_t *o = json_object();
    while (n--)
        json_object_set_new(o, keys[n], reversed(json_object_get(v, keys[n])));
    return o;
}

static void test_random(void **state)
{
    (void)state;
    for (int i = 0; i < 3000; i++) {
        int reals = i % 2;
        json_t *v = random_value(0, reals);
        char *plain = omb_jsonw_dup(v, 0, NULL);
        char *sorted = omb_jsonw_dup(v, OMB_JSONW_SORTED, NULL);
        assert_non_null(plain);
        assert_non_null(sorted);
        json_error_t jerr;
        json_t *back = json_loads(plain, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        assert_non_null(back);
        assert_true(json_equal(back, v));
        json_decref(back);
        json_t *rev = reversed(v);
        char *sorted_rev = omb_jsonw_dup(rev, OMB_JSONW_SORTED, NULL);
        assert_string_equal(sorted, sorted_rev);
        if (!reals) {
            char *jp = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            char *js = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
            assert_string_equal(plain, jp);
            assert_string_equal(sorted, js);
            free(jp);
            free(js);
        }
        free(sorted_rev);
        json_decref(rev);
        free(plain);
        free(sorted);
        json_decref(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),   cmocka_unit_test(test_reals),
        cmocka_unit_test(test_escapes),   cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_many_keys), cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_random),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
