/*
 * decimal.c - the strict decimal integer parser (decimal.h).
 */
#include "decimal.h"

#include "err.h"

#include <stdbool.h>

int omb_i64_parse(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s)
        return OMB_EINVAL;
    bool neg = *s == '-';
    if (neg)
        s++;
    if (!*s)
        return OMB_EINVAL;
    /* Accumulate negatively so INT64_MIN parses without overflow. */
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return OMB_EINVAL;
        int d = *s - '0';
        if (v < (INT64_MIN + d) / 10)
            return OMB_EINVAL;
        v = v * 10 - d;
    }
    if (!neg) {
        if (v == INT64_MIN)
            return OMB_EINVAL;
        v = -v;
    }
    if (v < min || v > max)
        return OMB_EINVAL;
    *out = v;
    return OMB_OK;
}
