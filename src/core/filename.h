/*
 * filename.h - whether a name given to an attachment is safe to store and to
 * hand back as a file name: no path, no control characters, nothing a
 * terminal, a log line or a file system would read differently.
 */
#ifndef OMB_FILENAME_H
#define OMB_FILENAME_H

#include <stdbool.h>
#include <stddef.h>

#define OMB_FILENAME_MAX 200 /* bytes */

/* True when s[0..n) is an acceptable attachment name: 1 to OMB_FILENAME_MAX
 * bytes of UTF-8 without C0/C1 controls, DEL, line or paragraph separators,
 * bidirectional overrides, '/' or '\', not "." or "..", not starting with a
 * drive ("C:"), and without "%00" (which is how a NUL arrives in a query).
 * Otherwise false, and *why says what is wrong. */
bool omb_filename_ok(const char *s, size_t n, const char **why);

#endif
