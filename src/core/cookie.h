/*
 * cookie.h - finding one cookie by name in a request's Cookie header.
 *
 * The header is outside input: it is read within a bound, and a header
 * that is not a plain list of name=value pairs (RFC 6265, section 4.2.1,
 * read with some leniency about spaces) or that names the wanted cookie
 * twice is refused as a whole.
 */
#ifndef OMB_COOKIE_H
#define OMB_COOKIE_H

#include <stddef.h>

/* The longest Cookie header read. */
#define OMB_COOKIE_HEADER_MAX 8192

enum { OMB_COOKIE_MALFORMED = -1, OMB_COOKIE_ABSENT = 0, OMB_COOKIE_FOUND = 1 };

/*
 * Looks for the cookie `name` in `header`.  OMB_COOKIE_FOUND with its value
 * (without surrounding double quotes) in out[0..cap); OMB_COOKIE_ABSENT when
 * the header is well formed but has no such cookie; OMB_COOKIE_MALFORMED
 * when the header is longer than OMB_COOKIE_HEADER_MAX, is not a list of
 * name=value pairs, names the cookie twice, or its value does not fit in
 * out or is empty.  out is "" unless found.
 */
int omb_cookie_find(const char *header, const char *name, char *out, size_t cap);

#endif
