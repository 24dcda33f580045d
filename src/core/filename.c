/*
 * filename.c - the rules for attachment names; see filename.h.
 */
#include "filename.h"
#include "utf8.h"

#include <string.h>

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
    else if (!omb_utf8_plain(s, n))
        *why = "a name holds no control, line-break or direction characters";
    return *why == NULL;
}
