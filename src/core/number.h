/*
 * number.h - complaint numbers: "TS" + local date YYYYMMDD + a sequence of
 * at least six digits that restarts every day, e.g. TS20261122000123.
 * The store keeps one counter per day; these functions only format and
 * check the text.
 */
#ifndef OMB_NUMBER_H
#define OMB_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OMB_NO_PREFIX "TS"

/* Formats into out (cap >= 24).  Returns OMB_OK or OMB_EINVAL. */
int omb_number_format(int32_t yyyymmdd, int64_t seq, char *out, size_t cap);
/* True when s is a well-formed complaint number; fills day and seq when not NULL. */
bool omb_number_parse(const char *s, int32_t *yyyymmdd, int64_t *seq);

#endif
