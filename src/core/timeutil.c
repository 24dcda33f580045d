/*
 * timeutil.c - civil-date arithmetic (Howard Hinnant's algorithms) and
 * RFC 3339 formatting and parsing; see timeutil.h.
 */
#include "timeutil.h"
#include "err.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int64_t omb_days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void omb_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int omb_time_format(omb_ms t, char *out, size_t cap)
{
    int64_t days = floor_div(t, OMB_MS_PER_DAY);
    int64_t rem = t - days * OMB_MS_PER_DAY;
    int y;
    unsigned m, d;
    omb_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        int n = snprintf(out, cap, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d,
                         (int)(rem / OMB_MS_PER_HOUR), (int)(rem / 60000 % 60),
                         (int)(rem / 1000 % 60), (int)(rem % 1000));
        return (n > 0 && (size_t)n < cap) ? OMB_OK : OMB_EINVAL;
    }
    /* The common case by hand: this runs several times for every complaint written. */
    if (cap < 25)
        return OMB_EINVAL;
    const int fields[7] = {y,
                           (int)m,
                           (int)d,
                           (int)(rem / OMB_MS_PER_HOUR),
                           (int)(rem / 60000 % 60),
                           (int)(rem / 1000 % 60),
                           (int)(rem % 1000)};
    static const int widths[7] = {4, 2, 2, 2, 2, 2, 3};
    static const char seps[7] = {'-', '-', 'T', ':', ':', '.', 'Z'};
    char *p = out;
    for (int i = 0; i < 7; i++) {
        int v = fields[i];
        for (int k = widths[i] - 1; k >= 0; k--) {
            p[k] = (char)('0' + v % 10);
            v /= 10;
        }
        p += widths[i];
        *p++ = seps[i];
    }
    *p = '\0';
    return OMB_OK;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool valid_date(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
        return false;
    int max = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d <= max;
}

int omb_time_parse(const char *s, int tz_minutes, omb_ms *out)
{
    size_t n = strlen(s);
    int y, mo, d, h = 0, mi = 0, se = 0, ms = 0, off = tz_minutes;
    if (n < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || !valid_date(y, mo, d))
        return OMB_EINVAL;
    const char *p = s + 10;
    if (*p) {
        if ((*p != 'T' && *p != 't' && *p != ' ') || strlen(p) < 9)
            return OMB_EINVAL;
        if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi) || p[6] != ':' ||
            !digits(p + 7, 2, &se) || h > 23 || mi > 59 || se > 60)
            return OMB_EINVAL;
        if (se == 60)
            se = 59; /* leap second: clamp */
        p += 9;
        if (*p == '.') {
            p++;
            int nd = 0;
            while (*p >= '0' && *p <= '9') {
                if (nd < 3)
                    ms = ms * 10 + (*p - '0');
                nd++;
                p++;
            }
            if (nd == 0)
                return OMB_EINVAL;
            for (; nd < 3; nd++)
                ms *= 10;
        }
        if (*p == 'Z' || *p == 'z') {
            off = 0;
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            if (strlen(p) != 6 || !digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) ||
                oh > 23 || om > 59)
                return OMB_EINVAL;
            off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
            p += 6;
        } else {
            return OMB_EINVAL;
        }
        if (*p)
            return OMB_EINVAL;
    }
    int64_t days = omb_days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out = days * OMB_MS_PER_DAY + (int64_t)h * OMB_MS_PER_HOUR + mi * 60000LL + se * 1000LL + ms -
           off * 60000LL;
    return OMB_OK;
}

int32_t omb_time_local_yyyymmdd(omb_ms t, int tz_minutes)
{
    int64_t days = floor_div(t + tz_minutes * 60000LL, OMB_MS_PER_DAY);
    int y;
    unsigned m, d;
    omb_civil_from_days(days, &y, &m, &d);
    return (int32_t)(y * 10000 + (int)m * 100 + (int)d);
}
