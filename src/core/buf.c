/*
 * buf.c - capped growable buffer and aborting allocators; see buf.h.
 */
#include "buf.h"
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "ombud: out of memory allocating %zu bytes\n", n);
    abort();
}

void *omb_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *omb_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory(n * size);
    return p;
}

void *omb_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *omb_xstrndup(const char *s, size_t n)
{
    char *p = omb_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *omb_xstrdup(const char *s)
{
    return omb_xstrndup(s, strlen(s));
}

void omb_buf_init(omb_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void omb_buf_release(omb_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
}

void omb_buf_reset(omb_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int reserve(omb_buf *b, size_t extra)
{
    if (extra > b->cap || b->len > b->cap - extra)
        return OMB_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return OMB_OK;
    size_t alloc = b->alloc ? b->alloc : 64;
    while (alloc < need)
        alloc *= 2;
    b->data = omb_xrealloc(b->data, alloc);
    b->alloc = alloc;
    return OMB_OK;
}

int omb_buf_append(omb_buf *b, const void *p, size_t n)
{
    int rc = reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return OMB_OK;
}

int omb_buf_puts(omb_buf *b, const char *s)
{
    return omb_buf_append(b, s, strlen(s));
}

int omb_buf_putc(omb_buf *b, char c)
{
    if (b->len + 2 <= b->alloc && b->len < b->cap) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return OMB_OK;
    }
    return omb_buf_append(b, &c, 1);
}

int omb_buf_put_i64(omb_buf *b, int64_t v)
{
    char tmp[24];
    char *p = tmp + sizeof tmp;
    /* In unsigned, so that the most negative value has a magnitude. */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return omb_buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

int omb_buf_reserve(omb_buf *b, size_t extra)
{
    return reserve(b, extra);
}

int omb_buf_printf(omb_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return OMB_EINVAL;
    if ((size_t)n < sizeof small)
        return omb_buf_append(b, small, (size_t)n);
    int rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return OMB_OK;
}

const char *omb_buf_str(const omb_buf *b)
{
    return b->data ? b->data : "";
}

char *omb_buf_detach(omb_buf *b, size_t *len)
{
    char *p = b->data ? b->data : omb_xstrdup("");
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    return p;
}
