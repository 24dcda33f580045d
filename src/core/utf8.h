/*
 * utf8.h - UTF-8 validation and counting, and what reads as plain text.
 *
 * ombud refuses invalid UTF-8 at the door: overlong forms, surrogates, code
 * points past U+10FFFF and stray continuation bytes are all errors.
 */
#ifndef OMB_UTF8_H
#define OMB_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8 (NUL bytes are refused too). */
bool omb_utf8_valid(const char *s, size_t n);
/* Number of code points in well-formed s[0..n). */
size_t omb_utf8_count(const char *s, size_t n);
/* True when s[0..n) is well-formed UTF-8 that reads as what it holds, on
 * one line: no C0 or C1 controls (line breaks and tabs included), DEL,
 * line or paragraph separators, bidirectional marks, embeddings, overrides
 * or isolates, or byte order marks. */
bool omb_utf8_plain(const char *s, size_t n);

#endif
