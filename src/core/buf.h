/*
 * buf.h - a growable byte buffer with a hard cap.
 *
 * Every buffer that grows from outside input has a cap; appending past it
 * fails with OMB_ETOOBIG and leaves the buffer as it was.  The contents are
 * always NUL-terminated so they can be used as a C string.  Out of memory
 * aborts (see omb_xmalloc).
 */
#ifndef OMB_BUF_H
#define OMB_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct omb_buf {
    char *data; /* NUL-terminated; NULL until first append */
    size_t len;
    size_t alloc;
    size_t cap; /* largest len allowed */
} omb_buf;

#define OMB_BUF_INIT(cap_)                                                                         \
    {                                                                                              \
        NULL, 0, 0, (cap_)                                                                         \
    }

void omb_buf_init(omb_buf *b, size_t cap);
void omb_buf_release(omb_buf *b);
void omb_buf_reset(omb_buf *b);
int omb_buf_append(omb_buf *b, const void *p, size_t n);
int omb_buf_puts(omb_buf *b, const char *s);
int omb_buf_putc(omb_buf *b, char c);
/* Appends v in decimal. */
int omb_buf_put_i64(omb_buf *b, int64_t v);
/* Makes room for extra more bytes now (OMB_ETOOBIG past the cap). */
int omb_buf_reserve(omb_buf *b, size_t extra);
int omb_buf_printf(omb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the contents ("" when empty); the buffer keeps ownership. */
const char *omb_buf_str(const omb_buf *b);
/* Hands the contents to the caller (free() them) and resets the buffer. */
char *omb_buf_detach(omb_buf *b, size_t *len);

/* Allocation that aborts on failure: ombud does not limp on without memory. */
void *omb_xmalloc(size_t n);
void *omb_xcalloc(size_t n, size_t size);
void *omb_xrealloc(void *p, size_t n);
char *omb_xstrdup(const char *s);
char *omb_xstrndup(const char *s, size_t n);

#endif
