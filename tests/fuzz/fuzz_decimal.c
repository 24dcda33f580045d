/*
 * fuzz_decimal.c - libFuzzer harness: the decimal integer parser
 * (src/core/decimal.c).
 *
 * The input is a text.  Whatever it is, the parser must agree with a slow
 * reference: accepted exactly when the text is an optional '-' and digits
 * whose value fits int64_t and the bounds, with that value; and a refusal
 * leaves the output untouched.
 */
#include "fuzz_common.h"
#include "core/decimal.h"
#include "core/err.h"

#include <string.h>

/* The reference: digit by digit in unsigned arithmetic with an explicit bound. */
static bool reference(const char *s, int64_t *out)
{
    bool neg = *s == '-';
    if (neg)
        s++;
    if (!*s)
        return false;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64)
        return 0;
    char text[65];
    memcpy(text, data, size);
    text[size] = '\0';
    int64_t want, got = 42;
    bool ok = reference(text, &want);
    int rc = omb_i64_parse(text, INT64_MIN, INT64_MAX, &got);
    if (ok != (rc == OMB_OK) || (ok && got != want) || (!ok && got != 42))
        abort();
    /* Bounds: a value outside [1, 1000] is refused, one inside accepted. */
    int64_t b = 42;
    rc = omb_i64_parse(text, 1, 1000, &b);
    bool inside = ok && want >= 1 && want <= 1000;
    if (inside != (rc == OMB_OK) || (inside && b != want) || (!inside && b != 42))
        abort();
    return 0;
}
