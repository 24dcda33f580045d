/*
 * jsonw.c - JSON text from jansson values; see jsonw.h.
 *
 * Written for the writer thread, which serialises every complaint document
 * and event: no printf on the common paths, runs of plain bytes copied at
 * once, object keys sorted with an insertion sort over a small stack array.
 */
#include "jsonw.h"
#include "err.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX  64
#define SORT_STACK 32

/* Which bytes need escaping: 0 = none, else the letter after '\' ('u' = \u00xx). */
static const char escape_of[256] = {
    ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r',  ['\t'] = 't', [0x00] = 'u',
    [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',  [0x05] = 'u', [0x06] = 'u',
    [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u',  [0x10] = 'u', [0x11] = 'u',
    [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u',  [0x16] = 'u', [0x17] = 'u',
    [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u',  [0x1c] = 'u', [0x1d] = 'u',
    [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"',  ['\\'] = '\\',
};

int omb_jsonw_string(omb_buf *b, const char *s, size_t n)
{
    int rc = omb_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        char e = escape_of[(unsigned char)s[i]];
        if (!e)
            continue;
        rc = omb_buf_append(b, s + run, i - run);
        if (rc)
            break;
        if (e == 'u') {
            static const char hex[] = "0123456789abcdef";
            char u[6] = {
                '\\', 'u', '0', '0', hex[(unsigned char)s[i] >> 4], hex[(unsigned char)s[i] & 15]};
            rc = omb_buf_append(b, u, sizeof u);
        } else {
            char two[2] = {'\\', e};
            rc = omb_buf_append(b, two, sizeof two);
        }
        run = i + 1;
    }
    if (!rc)
        rc = omb_buf_append(b, s + run, n - run);
    return rc ? rc : omb_buf_putc(b, '"');
}

static int put_int(omb_buf *b, json_int_t v)
{
    char tmp[24];
    char *p = tmp + sizeof tmp;
    /* Work in unsigned so that the most negative value has a magnitude. */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return omb_buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* The shortest "%.Ng" that reads back to d, with ".0" added to a bare integer. */
static int put_real(omb_buf *b, double d)
{
    if (!isfinite(d))
        return OMB_EINVAL;
    char tmp[40];
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp - 2, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    if (n <= 0 || (size_t)n >= sizeof tmp - 2)
        return OMB_EINVAL;
    if (!strpbrk(tmp, ".eEn")) {
        tmp[n++] = '.';
        tmp[n++] = '0';
    }
    return omb_buf_append(b, tmp, (size_t)n);
}

typedef struct member {
    const char *key;
    size_t key_len;
    json_t *value;
} member;

static int key_cmp(const member *a, const member *b)
{
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int c = memcmp(a->key, b->key, n);
    return c ? c : (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

static int cmp_members(const void *a, const void *b)
{
    return key_cmp(a, b);
}

static int write_value(omb_buf *b, const json_t *v, int flags, int depth);

static int write_member(omb_buf *b, const member *m, bool first, int flags, int depth)
{
    int rc = first ? OMB_OK : omb_buf_putc(b, ',');
    rc = rc ? rc : omb_jsonw_string(b, m->key, m->key_len);
    rc = rc ? rc : omb_buf_putc(b, ':');
    return rc ? rc : write_value(b, m->value, flags, depth + 1);
}

static int write_object(omb_buf *b, const json_t *v, int flags, int depth)
{
    int rc = omb_buf_putc(b, '{');
    size_t n = json_object_size(v);
    if (!(flags & OMB_JSONW_SORTED) || n < 2) {
        bool first = true;
        for (void *it = json_object_iter((json_t *)v); !rc && it;
             it = json_object_iter_next((json_t *)v, it)) {
            member m = {json_object_iter_key(it), json_object_iter_key_len(it),
                        json_object_iter_value(it)};
            rc = write_member(b, &m, first, flags, depth);
            first = false;
        }
        return rc ? rc : omb_buf_putc(b, '}');
    }
    member small[SORT_STACK];
    member *ms = n <= SORT_STACK ? small : omb_xmalloc(n * sizeof *ms);
    size_t k = 0;
    for (void *it = json_object_iter((json_t *)v); it && k < n;
         it = json_object_iter_next((json_t *)v, it), k++)
        ms[k] = (member){json_object_iter_key(it), json_object_iter_key_len(it),
                         json_object_iter_value(it)};
    if (k <= SORT_STACK) {
        for (size_t i = 1; i < k; i++) {
            member m = ms[i];
            size_t j = i;
            for (; j > 0 && key_cmp(&ms[j - 1], &m) > 0; j--)
                ms[j] = ms[j - 1];
            ms[j] = m;
        }
    } else {
        qsort(ms, k, sizeof *ms, cmp_members);
    }
    for (size_t i = 0; !rc && i < k; i++)
        rc = write_member(b, &ms[i], i == 0, flags, depth);
    if (ms != small)
        free(ms);
    return rc ? rc : omb_buf_putc(b, '}');
}

static int write_value(omb_buf *b, const json_t *v, int flags, int depth)
{
    if (depth > DEPTH_MAX)
        return OMB_EINVAL;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return write_object(b, v, flags, depth);
    case JSON_ARRAY: {
        int rc = omb_buf_putc(b, '[');
        size_t n = json_array_size(v);
        for (size_t i = 0; !rc && i < n; i++) {
            if (i)
                rc = omb_buf_putc(b, ',');
            rc = rc ? rc : write_value(b, json_array_get(v, i), flags, depth + 1);
        }
        return rc ? rc : omb_buf_putc(b, ']');
    }
    case JSON_STRING:
        return omb_jsonw_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return put_int(b, json_integer_value(v));
    case JSON_REAL:
        return put_real(b, json_real_value(v));
    case JSON_TRUE:
        return omb_buf_append(b, "true", 4);
    case JSON_FALSE:
        return omb_buf_append(b, "false", 5);
    case JSON_NULL:
        return omb_buf_append(b, "null", 4);
    }
    return OMB_EINVAL;
}

int omb_jsonw(omb_buf *b, const json_t *v, int flags)
{
    return v ? write_value(b, v, flags, 0) : OMB_EINVAL;
}

char *omb_jsonw_dup(const json_t *v, int flags, size_t *len)
{
    omb_buf b = OMB_BUF_INIT(SIZE_MAX / 2);
    /* Documents and payloads run to a kilobyte or two: start there. */
    omb_buf_reserve(&b, 2000);
    if (omb_jsonw(&b, v, flags) != OMB_OK) {
        omb_buf_release(&b);
        return NULL;
    }
    return omb_buf_detach(&b, len);
}
