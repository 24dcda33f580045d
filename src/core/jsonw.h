/*
 * jsonw.h - JSON text from jansson values: fast, compact and deterministic.
 *
 * One writer for everything ombud stores or sends.  Output is compact (no
 * spaces).  Strings are written as UTF-8 with only '"', '\\' and control
 * characters escaped (\b \f \n \r \t, others as \u00xx).  Integers are plain
 * decimals; reals use the fewest significant digits that read back to the
 * same double, always with a '.' or an exponent so that they stay reals.
 *
 * With OMB_JSONW_SORTED the members of every object are written in byte
 * order of their keys: the same value always gives the same bytes, which is
 * what the evidence ledger hashes (see ledger.h).  Without it, members keep
 * their insertion order.
 */
#ifndef OMB_JSONW_H
#define OMB_JSONW_H

#include <jansson.h>

#include "buf.h"

enum { OMB_JSONW_SORTED = 1 };

/* Appends the text of v to b.  Returns OMB_OK, or OMB_ETOOBIG when b's cap
 * would be passed (b then holds a partial value: reset it), or OMB_EINVAL
 * for a value JSON cannot carry (NaN, infinity, nesting deeper than 64). */
int omb_jsonw(omb_buf *b, const json_t *v, int flags);

/* The text of v in a new string (free() it), or NULL on the errors above;
 * len (if given) gets its length. */
char *omb_jsonw_dup(const json_t *v, int flags, size_t *len);

/* Appends s (n bytes) as a JSON string, quotes included. */
int omb_jsonw_string(omb_buf *b, const char *s, size_t n);

#endif
