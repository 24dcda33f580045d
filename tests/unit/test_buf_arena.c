/*
 * test_buf_arena.c - unit tests for src/core/buf.c (capped growable byte
 * buffer, aborting allocators) and src/core/arena.c (per-request bump
 * allocator with a total cap).
 *
 * Caps are enforced exactly (at the cap succeeds, one past fails with
 * OMB_ETOOBIG or NULL), a refused append or printf leaves the contents and
 * length as they were, printf grows past its small stack buffer, the
 * contents stay NUL-terminated, detach hands ownership over; arena
 * allocations are aligned, distinct, survive block growth and a refused
 * allocation, and absurd sizes are refused rather than wrapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

/* ---- buffer --------------------------------------------------------------- */

static void test_buf_empty(void **state)
{
    (void)state;
    omb_buf b = OMB_BUF_INIT(100);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 100);
    assert_string_equal(omb_buf_str(&b), "");
    omb_buf_reset(&b); /* on an empty buffer */
    assert_string_equal(omb_buf_str(&b), "");
    omb_buf_release(&b);
    omb_buf_release(&b); /* twice is harmless */

    omb_buf c;
    omb_buf_init(&c, 7);
    assert_null(c.data);
    assert_int_equal(c.len, 0);
    assert_int_equal(c.cap, 7);
    /* appending nothing is fine and makes the contents a real string */
    assert_int_equal(omb_buf_append(&c, "", 0), OMB_OK);
    assert_int_equal(c.len, 0);
    assert_string_equal(omb_buf_str(&c), "");
    omb_buf_release(&c);
}

static void test_buf_append(void **state)
{
    (void)state;
    omb_buf b = OMB_BUF_INIT(1000);
    assert_int_equal(omb_buf_puts(&b, "投诉"), OMB_OK);
    assert_int_equal(omb_buf_putc(&b, ':'), OMB_OK);
    assert_int_equal(omb_buf_append(&b, "abcdef", 3), OMB_OK);
    assert_int_equal(b.len, strlen("投诉") + 1 + 3);
    assert_string_equal(omb_buf_str(&b), "投诉:abc");
    assert_int_equal(b.data[b.len], '\0');
    /* binary data, NUL included, keeps its length */
    assert_int_equal(omb_buf_append(&b, "x\0y", 3), OMB_OK);
    assert_int_equal(b.len, strlen("投诉:abc") + 3);
    assert_memory_equal(b.data + b.len - 3, "x\0y", 3);
    assert_int_equal(b.data[b.len], '\0');
    /* reset keeps the memory */
    size_t alloc = b.alloc;
    omb_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(omb_buf_str(&b), "");
    assert_int_equal(b.alloc, alloc);
    assert_int_equal(omb_buf_puts(&b, "again"), OMB_OK);
    assert_string_equal(omb_buf_str(&b), "again");
    omb_buf_release(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    /* a released buffer can be used again, with the same cap */
    assert_int_equal(b.cap, 1000);
    assert_int_equal(omb_buf_puts(&b, "reborn"), OMB_OK);
    assert_string_equal(omb_buf_str(&b), "reborn");
    omb_buf_release(&b);
}

static void test_buf_growth(void **state)
{
    (void)state;
    omb_buf b = OMB_BUF_INIT(1 << 20);
    char expect[5001];
    for (int i = 0; i < 5000; i++) {
        char c = (char)('a' + i % 26);
        assert_int_equal(omb_buf_putc(&b, c), OMB_OK);
        expect[i] = c;
        assert_true(b.alloc > b.len);
    }
    expect[5000] = '\0';
    assert_int_equal(b.len, 5000);
    assert_string_equal(omb_buf_str(&b), expect);
    omb_buf_release(&b);
}

static void test_buf_cap(void **state)
{
    (void)state;
    omb_buf b = OMB_BUF_INIT(10);
    /* too much at once into an empty buffer: nothing is allocated */
    assert_int_equal(omb_buf_append(&b, "0123456789A", 11), OMB_ETOOBIG);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_string_equal(omb_buf_str(&b), "");
    /* exactly the cap fits */
    assert_int_equal(omb_buf_puts(&b, "01234"), OMB_OK);
    assert_int_equal(omb_buf_puts(&b, "56789"), OMB_OK);
    assert_int_equal(b.len, 10);
    /* one more byte does not, in any form, and changes nothing */
    assert_int_equal(omb_buf_putc(&b, 'X'), OMB_ETOOBIG);
    assert_int_equal(omb_buf_puts(&b, "X"), OMB_ETOOBIG);
    assert_int_equal(omb_buf_append(&b, "XYZ", 3), OMB_ETOOBIG);
    assert_int_equal(omb_buf_printf(&b, "%d", 7), OMB_ETOOBIG);
    assert_int_equal(b.len, 10);
    assert_string_equal(omb_buf_str(&b), "0123456789");
    /* nothing still fits */
    assert_int_equal(omb_buf_append(&b, "", 0), OMB_OK);
    /* after a partial overflow attempt, the buffer is still whole */
    omb_buf_reset(&b);
    assert_int_equal(omb_buf_puts(&b, "abcdefgh"), OMB_OK);
    assert_int_equal(omb_buf_puts(&b, "ijk"), OMB_ETOOBIG);
    assert_string_equal(omb_buf_str(&b), "abcdefgh");
    assert_int_equal(omb_buf_puts(&b, "ij"), OMB_OK);
    assert_string_equal(omb_buf_str(&b), "abcdefghij");
    /* a huge length is refused without touching the source */
    assert_int_equal(omb_buf_append(&b, NULL, SIZE_MAX), OMB_ETOOBIG);
    assert_int_equal(omb_buf_append(&b, NULL, SIZE_MAX - 5), OMB_ETOOBIG);
    assert_string_equal(omb_buf_str(&b), "abcdefghij");
    omb_buf_release(&b);

    /* a cap of zero admits nothing but nothing */
    omb_buf z = OMB_BUF_INIT(0);
    assert_int_equal(omb_buf_putc(&z, 'a'), OMB_ETOOBIG);
    assert_int_equal(omb_buf_append(&z, "", 0), OMB_OK);
    assert_string_equal(omb_buf_str(&z), "");
    omb_buf_release(&z);
}

static void test_buf_printf(void **state)
{
    (void)state;
    omb_buf b = OMB_BUF_INIT(100000);
    assert_int_equal(omb_buf_printf(&b, "%s=%d;", "n", 42), OMB_OK);
    assert_int_equal(omb_buf_printf(&b, "%lld", -9223372036854775807LL - 1), OMB_OK);
    assert_string_equal(omb_buf_str(&b), "n=42;-9223372036854775808");
    assert_int_equal(omb_buf_printf(&b, "%s", ""), OMB_OK);
    assert_int_equal(b.len, strlen("n=42;-9223372036854775808"));
    omb_buf_reset(&b);

    /* past the 256-byte stack buffer: 255, 256, 257 and many more bytes */
    static const size_t sizes[] = {255, 256, 257, 1000, 40000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        char *want = malloc(n + 1);
        assert_non_null(want);
        for (size_t k = 0; k < n; k++)
            want[k] = (char)('A' + k % 26);
        want[n] = '\0';
        omb_buf_reset(&b);
        assert_int_equal(omb_buf_puts(&b, "<"), OMB_OK);
        assert_int_equal(omb_buf_printf(&b, "%s|%zu", want, n), OMB_OK);
        char tail[32];
        snprintf(tail, sizeof tail, "|%zu", n);
        assert_int_equal(b.len, 1 + n + strlen(tail));
        assert_int_equal(b.data[0], '<');
        assert_memory_equal(b.data + 1, want, n);
        assert_string_equal(b.data + 1 + n, tail);
        assert_int_equal(b.data[b.len], '\0');
        free(want);
    }
    omb_buf_release(&b);
}

static void test_buf_printf_cap(void **state)
{
    (void)state;
    /* small path: the formatted text fits the stack buffer but not the cap */
    omb_buf b = OMB_BUF_INIT(20);
    assert_int_equal(omb_buf_puts(&b, "0123456789"), OMB_OK);
    assert_int_equal(omb_buf_printf(&b, "%s", "abcdefghijk"), OMB_ETOOBIG);
    assert_int_equal(b.len, 10);
    assert_string_equal(omb_buf_str(&b), "0123456789");
    assert_int_equal(omb_buf_printf(&b, "%s", "abcdefghij"), OMB_OK); /* exactly to the cap */
    assert_string_equal(omb_buf_str(&b), "0123456789abcdefghij");
    omb_buf_release(&b);

    /* long path: more than 256 bytes, over the cap */
    char big[600];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    omb_buf c = OMB_BUF_INIT(500);
    assert_int_equal(omb_buf_puts(&c, "head"), OMB_OK);
    assert_int_equal(omb_buf_printf(&c, "%s", big), OMB_ETOOBIG);
    assert_int_equal(c.len, 4);
    assert_string_equal(omb_buf_str(&c), "head");
    /* long path: exactly to the cap */
    big[496] = '\0';
    assert_int_equal(omb_buf_printf(&c, "%s", big), OMB_OK);
    assert_int_equal(c.len, 500);
    assert_memory_equal(c.data, "head", 4);
    assert_int_equal(c.data[499], 'q');
    assert_int_equal(c.data[500], '\0');
    omb_buf_release(&c);
}

static void test_buf_detach(void **state)
{
    (void)state;
    omb_buf b = OMB_BUF_INIT(64);
    assert_int_equal(omb_buf_puts(&b, "owned"), OMB_OK);
    size_t len = 0;
    char *p = omb_buf_detach(&b, &len);
    assert_string_equal(p, "owned");
    assert_int_equal(len, 5);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.alloc, 0);
    free(p);
    /* the buffer is usable after detaching */
    assert_int_equal(omb_buf_puts(&b, "next"), OMB_OK);
    assert_string_equal(omb_buf_str(&b), "next");
    omb_buf_release(&b);
    /* detaching an empty buffer gives an empty string to free */
    omb_buf e = OMB_BUF_INIT(64);
    p = omb_buf_detach(&e, NULL);
    assert_non_null(p);
    assert_string_equal(p, "");
    free(p);
}

static void test_xalloc(void **state)
{
    (void)state;
    char *s = omb_xstrdup("投诉 complaint");
    assert_string_equal(s, "投诉 complaint");
    free(s);
    s = omb_xstrndup("abcdef", 3);
    assert_string_equal(s, "abc");
    free(s);
    s = omb_xstrndup("a\0c", 3);
    assert_memory_equal(s, "a\0c", 4);
    free(s);
    int *v = omb_xcalloc(10, sizeof *v);
    for (int i = 0; i < 10; i++)
        assert_int_equal(v[i], 0);
    v = omb_xrealloc(v, 1000 * sizeof *v);
    assert_int_equal(v[9], 0);
    v[999] = 5;
    free(v);
    /* zero sizes still give memory that can be freed */
    void *z = omb_xmalloc(0);
    assert_non_null(z);
    free(z);
    z = omb_xcalloc(0, 0);
    assert_non_null(z);
    free(z);
    z = omb_xrealloc(NULL, 0);
    assert_non_null(z);
    free(z);
}

/* ---- arena --------------------------------------------------------------- */

static void test_arena_alloc(void **state)
{
    (void)state;
    omb_arena a;
    omb_arena_init(&a, 0);
    assert_null(a.head);
    assert_int_equal(a.used_total, 0);
    char *p[200];
    for (int i = 0; i < 200; i++) {
        size_t n = (size_t)(i * 37 % 300) + 1;
        p[i] = omb_arena_alloc(&a, n);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % _Alignof(max_align_t), 0);
        memset(p[i], i, n); /* ASan: every byte is ours */
    }
    /* earlier pieces are intact after the arena grew new blocks */
    for (int i = 0; i < 200; i++) {
        size_t n = (size_t)(i * 37 % 300) + 1;
        for (size_t k = 0; k < n; k++)
            if ((unsigned char)p[i][k] != (unsigned char)i)
                fail_msg("piece %d byte %zu overwritten", i, k);
    }
    /* distinct pieces do not overlap */
    for (int i = 1; i < 200; i++)
        assert_ptr_not_equal(p[i], p[i - 1]);
    /* a zero-byte allocation is a real, distinct pointer */
    void *z1 = omb_arena_alloc(&a, 0), *z2 = omb_arena_alloc(&a, 0);
    assert_non_null(z1);
    assert_non_null(z2);
    assert_ptr_not_equal(z1, z2);
    /* larger than any block so far */
    char *huge = omb_arena_alloc(&a, 100000);
    assert_non_null(huge);
    memset(huge, 0x5a, 100000);
    assert_int_equal(p[0][0], 0);
    omb_arena_release(&a);
    assert_null(a.head);
    assert_int_equal(a.used_total, 0);
}

static void test_arena_accounting(void **state)
{
    (void)state;
    omb_arena a;
    omb_arena_init(&a, 0);
    size_t align = sizeof(max_align_t); /* the arena's unit: a multiple of the alignment */
    assert_int_equal(align % _Alignof(max_align_t), 0);
    assert_non_null(omb_arena_alloc(&a, 1));
    assert_int_equal(a.used_total, align); /* rounded up to the unit */
    assert_non_null(omb_arena_alloc(&a, align));
    assert_int_equal(a.used_total, 2 * align);
    assert_non_null(omb_arena_alloc(&a, align + 1));
    assert_int_equal(a.used_total, 4 * align);
    omb_arena_release(&a);
}

static void test_arena_cap(void **state)
{
    (void)state;
    size_t align = sizeof(max_align_t);
    omb_arena a;
    omb_arena_init(&a, 10 * align);
    char *first = omb_arena_alloc(&a, 4 * align);
    assert_non_null(first);
    memset(first, 'f', 4 * align);
    /* over the cap: NULL, and nothing is counted */
    assert_null(omb_arena_alloc(&a, 7 * align));
    assert_int_equal(a.used_total, 4 * align);
    assert_null(omb_arena_alloc(&a, 11 * align));
    char longer[8 * 64];
    memset(longer, 'L', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_null(omb_arena_strdup(&a, longer));
    assert_null(omb_arena_strndup(&a, longer, 6 * align)); /* one byte more than is left */
    assert_int_equal(a.used_total, 4 * align);
    /* what was there is untouched */
    for (size_t k = 0; k < 4 * align; k++)
        assert_int_equal(first[k], 'f');
    /* exactly up to the cap still works */
    char *rest = omb_arena_alloc(&a, 6 * align);
    assert_non_null(rest);
    memset(rest, 'r', 6 * align);
    assert_int_equal(a.used_total, 10 * align);
    assert_null(omb_arena_alloc(&a, 1));
    assert_null(omb_arena_alloc(&a, 0));
    /* release starts over with the same cap */
    omb_arena_release(&a);
    assert_int_equal(a.cap, 10 * align);
    assert_non_null(omb_arena_alloc(&a, 10 * align));
    assert_null(omb_arena_alloc(&a, 1));
    omb_arena_release(&a);
}

static void test_arena_absurd_sizes(void **state)
{
    (void)state;
    /* sizes near SIZE_MAX must be refused, not rounded round to something tiny */
    omb_arena a;
    omb_arena_init(&a, 1 << 20);
    assert_null(omb_arena_alloc(&a, SIZE_MAX));
    assert_null(omb_arena_alloc(&a, SIZE_MAX - 1));
    assert_null(omb_arena_alloc(&a, SIZE_MAX - sizeof(max_align_t) + 2));
    assert_null(omb_arena_strndup(&a, "x", SIZE_MAX));
    assert_int_equal(a.used_total, 0);
    omb_arena_release(&a);
    /* even without a cap */
    omb_arena_init(&a, 0);
    assert_null(omb_arena_alloc(&a, SIZE_MAX));
    assert_null(omb_arena_alloc(&a, SIZE_MAX / 2 + 2));
    assert_int_equal(a.used_total, 0);
    assert_non_null(omb_arena_alloc(&a, 8));
    omb_arena_release(&a);
}

static void test_arena_strings(void **state)
{
    (void)state;
    omb_arena a;
    omb_arena_init(&a, 4096);
    char *s = omb_arena_strdup(&a, "调解 mediation");
    assert_string_equal(s, "调解 mediation");
    char *t = omb_arena_strndup(&a, "abcdef", 4);
    assert_string_equal(t, "abcd");
    char *e = omb_arena_strdup(&a, "");
    assert_string_equal(e, "");
    assert_string_equal(s, "调解 mediation");
    omb_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_empty),     cmocka_unit_test(test_buf_append),
        cmocka_unit_test(test_buf_growth),    cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_printf),    cmocka_unit_test(test_buf_printf_cap),
        cmocka_unit_test(test_buf_detach),    cmocka_unit_test(test_xalloc),
        cmocka_unit_test(test_arena_alloc),   cmocka_unit_test(test_arena_accounting),
        cmocka_unit_test(test_arena_cap),     cmocka_unit_test(test_arena_absurd_sizes),
        cmocka_unit_test(test_arena_strings),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
