/*
 * filename.c - the rules for attachment names; see filename.h.
 */
#include "filename.h"
#include "utf8.h"

#include <stdint.h>
#include <string.h>

/* Code points a name may not hold, as inclusive ranges. */
static const struct {
    uint32_t lo, hi;
} refused[] = {
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

static bool is_refused(uint32_t cp)
{
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (cp >= refused[i].lo && cp <= refused[i].hi)
            return true;
    return false;
}

static bool only_dots(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '.')
            return false;
    return true;
}

bool omb_filename_ok(const char *s, size_t n, const char **why)
{
    *why = NULL;
    if (n == 0 || n > OMB_FILENAME_MAX)
        *why = "a name is 1 to 200 bytes";
    else if (memchr(s, '\0', n) || !omb_utf8_valid(s, n))
        *why = "a name is valid UTF-8";
    else if (memchr(s, '/', n) || memchr(s, '\\', n))
        *why = "a name holds no '/' or '\\'";
    else if (only_dots(s, n))
        *why = "a name is not '.' or '..'";
    else if (n >= 2 && s[1] == ':' &&
             ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        *why = "a name does not start with a drive (C:)";
    else if (memmem(s, n, "%00", 3))
        *why = "a name holds no NUL (%00)";
    for (size_t i = 0; !*why && i < n;) {
        uint32_t cp;
        i += decode((const unsigned char *)s + i, &cp);
        if (is_refused(cp))
            *why = "a name holds no control, line-break or direction characters";
    }
    return *why == NULL;
}
