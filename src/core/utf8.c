/*
 * utf8.c - UTF-8 validation per RFC 3629, and plain text; see utf8.h.
 */
#include "utf8.h"

#include <stdint.h>

bool omb_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

size_t omb_utf8_count(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

/* Code points that make text read differently from what it holds, as
 * inclusive ranges. */
static const struct {
    uint32_t lo, hi;
} unplain[] = {
    {0x00, 0x1f},     /* C0 controls: CR, LF, TAB, NUL... */
    {0x7f, 0x9f},     /* DEL and the C1 controls */
    {0x200e, 0x200f}, /* left-to-right / right-to-left marks */
    {0x2028, 0x2029}, /* line and paragraph separators */
    {0x202a, 0x202e}, /* bidirectional embeddings and overrides ("exe.mp3" shown for "3pm.exe") */
    {0x2066, 0x2069}, /* bidirectional isolates */
    {0xfeff, 0xfeff}, /* byte order mark */
};

/* Decodes the code point at s (well-formed UTF-8); returns its length. */
static size_t decode(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] < 0xe0) {
        *cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
        return 2;
    }
    if (s[0] < 0xf0) {
        *cp = ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
        return 3;
    }
    *cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
          ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
    return 4;
}

bool omb_utf8_plain(const char *s, size_t n)
{
    if (!omb_utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += decode((const unsigned char *)s + i, &cp);
        for (size_t k = 0; k < sizeof unplain / sizeof unplain[0]; k++)
            if (cp >= unplain[k].lo && cp <= unplain[k].hi)
                return false;
    }
    return true;
}
