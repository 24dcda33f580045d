/*
 * number.c - formatting and checking complaint numbers; see number.h.
 */
#include "number.h"
#include "err.h"
#include "timeutil.h"

#include <stdio.h>
#include <string.h>

static bool valid_day(int32_t d)
{
    int y = d / 10000, m = d / 100 % 100, dd = d % 100;
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || dd < 1)
        return false;
    /* A date is valid when it survives a round trip through day numbers. */
    int yy;
    unsigned mm, ddd;
    omb_civil_from_days(omb_days_from_civil(y, (unsigned)m, (unsigned)dd), &yy, &mm, &ddd);
    return yy == y && (int)mm == m && (int)ddd == dd;
}

int omb_number_format(int32_t yyyymmdd, int64_t seq, char *out, size_t cap)
{
    if (!valid_day(yyyymmdd) || seq < 1 || seq > 999999999)
        return OMB_EINVAL;
    int n = snprintf(out, cap, OMB_NO_PREFIX "%08d%06lld", (int)yyyymmdd, (long long)seq);
    return (n > 0 && (size_t)n < cap) ? OMB_OK : OMB_EINVAL;
}

bool omb_number_parse(const char *s, int32_t *yyyymmdd, int64_t *seq)
{
    size_t n = strlen(s);
    if (n < 16 || n > 19 || strncmp(s, OMB_NO_PREFIX, 2) != 0)
        return false;
    int32_t day = 0;
    int64_t q = 0;
    for (size_t i = 2; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (i < 10)
            day = day * 10 + (s[i] - '0');
        else
            q = q * 10 + (s[i] - '0');
    }
    if (!valid_day(day) || q < 1)
        return false;
    /* Exactly six digits unless the sequence needs more. */
    if (n > 16 && s[10] == '0')
        return false;
    if (yyyymmdd)
        *yyyymmdd = day;
    if (seq)
        *seq = q;
    return true;
}
