/*
 * decimal.h - the one parser of decimal integers given from outside (query
 * parameters, configuration values, path ids): an optional '-' and 1 to 19
 * digits, nothing else (no spaces, no '+', no hex), inside [min, max].
 */
#ifndef OMB_DECIMAL_H
#define OMB_DECIMAL_H

#include <stdint.h>

/* OMB_OK with *out set, or OMB_EINVAL (out untouched). */
int omb_i64_parse(const char *s, int64_t min, int64_t max, int64_t *out);

#endif
