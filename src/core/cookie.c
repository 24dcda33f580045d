/*
 * cookie.c - finding one cookie by name in a Cookie header (see cookie.h).
 */
#include "core/cookie.h"

#include <stdbool.h>
#include <string.h>

/* RFC 7230 tchar: the characters of a cookie's name. */
static bool name_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* RFC 6265 cookie-octet: printable ASCII but space, '"', ',', ';' and '\'. */
static bool value_char(unsigned char c)
{
    return c >= 0x21 && c <= 0x7E && c != '"' && c != ',' && c != ';' && c != '\\';
}

/* Refuses the whole header: nothing found is kept. */
static int refuse(char *out)
{
    out[0] = '\0';
    return OMB_COOKIE_MALFORMED;
}

int omb_cookie_find(const char *header, const char *name, char *out, size_t cap)
{
    if (cap)
        out[0] = '\0';
    if (!header || !name || cap == 0)
        return OMB_COOKIE_MALFORMED;
    size_t hlen = strnlen(header, OMB_COOKIE_HEADER_MAX + 1);
    if (hlen > OMB_COOKIE_HEADER_MAX)
        return refuse(out);
    size_t want = strlen(name);
    const char *p = header, *end = header + hlen;
    int found = OMB_COOKIE_ABSENT;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *n0 = p;
        while (p < end && name_char((unsigned char)*p))
            p++;
        size_t nlen = (size_t)(p - n0);
        if (nlen == 0 || p == end || *p != '=')
            return refuse(out);
        p++;
        bool quoted = p < end && *p == '"';
        if (quoted)
            p++;
        const char *v0 = p;
        while (p < end && value_char((unsigned char)*p))
            p++;
        size_t vlen = (size_t)(p - v0);
        if (quoted) {
            if (p == end || *p != '"')
                return refuse(out);
            p++;
        }
        if (nlen == want && memcmp(n0, name, want) == 0) {
            if (found == OMB_COOKIE_FOUND || vlen == 0 || vlen >= cap)
                return refuse(out);
            memcpy(out, v0, vlen);
            out[vlen] = '\0';
            found = OMB_COOKIE_FOUND;
        }
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p == end)
            return found;
        if (*p != ';')
            return refuse(out);
        p++;
        /* A trailing ";" (some clients send one) ends the list. */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p == end)
            return found;
    }
}
