/*
 * password.c - refusing weak new passwords.  See password.h.
 */
#include "password.h"

#include <string.h>

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool same_ci(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t h = strlen(hay), n = strlen(needle);
    for (size_t i = 0; n && i + n <= h; i++)
        if (same_ci(hay + i, needle, n))
            return true;
    return false;
}

bool omb_password_is_common(const char *list, size_t len, const char *password)
{
    size_t n = strlen(password);
    const char *end = list + len;
    for (const char *line = list; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *stop = nl ? nl : end;
        size_t m = (size_t)(stop - line);
        if (m && line[m - 1] == '\r')
            m--;
        if (m == n && m && line[0] != '#' && same_ci(line, password, n))
            return true;
        line = nl ? nl + 1 : end;
    }
    return false;
}

/* The byte length of the UTF-8 sequence that starts with c (1 for a stray byte). */
static size_t sequence_len(unsigned char c)
{
    return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* True when s is its first character (a whole UTF-8 sequence) repeated. */
static bool one_character(const char *s)
{
    size_t n = strlen(s), k = sequence_len((unsigned char)s[0]);
    if (n == 0 || k > n || n % k != 0)
        return false;
    for (size_t i = k; i < n; i += k)
        if (memcmp(s + i, s, k) != 0)
            return false;
    return true;
}

int omb_password_check(const char *username, const char *password, const char *list, size_t len,
                       omb_err *err)
{
    size_t u = strlen(username);
    if (one_character(password))
        return omb_fail(err, OMB_EFIELD, "weak_password", "password",
                        "password must not be one character repeated");
    if (u && strlen(password) == u && same_ci(password, username, u))
        return omb_fail(err, OMB_EFIELD, "weak_password", "password",
                        "password must not be the username");
    if (u >= OMB_PASSWORD_USERNAME_PART_MIN && contains_ci(password, username))
        return omb_fail(err, OMB_EFIELD, "weak_password", "password",
                        "password must not contain the username");
    if (omb_password_is_common(list, len, password))
        return omb_fail(err, OMB_EFIELD, "weak_password", "password",
                        "password is on the list of common passwords");
    return OMB_OK;
}
