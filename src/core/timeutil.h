/*
 * timeutil.h - instants as milliseconds since the Unix epoch (UTC), their
 * RFC 3339 text form, and the local calendar day of an instant.
 *
 * Pure functions: no clock is read here (the app layer owns "now", so that
 * tests can set it).
 */
#ifndef OMB_TIMEUTIL_H
#define OMB_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t omb_ms; /* milliseconds since 1970-01-01T00:00:00Z */

#define OMB_MS_PER_SEC  1000LL
#define OMB_MS_PER_HOUR 3600000LL
#define OMB_MS_PER_DAY  86400000LL
/* Asia/Shanghai: UTC+8, no daylight saving since 1991. */
#define OMB_TZ_SHANGHAI_MIN (8 * 60)

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t omb_days_from_civil(int y, unsigned m, unsigned d);
void omb_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);

/* Formats t as "2026-11-22T08:15:00.000Z" (cap >= 25). */
int omb_time_format(omb_ms t, char *out, size_t cap);
/*
 * Parses RFC 3339 ("2026-11-22T08:15:00Z", "...+08:00", optional
 * fraction) or a plain date "2026-11-22" (taken as local midnight at
 * tz_minutes east of UTC).  Returns OMB_OK or OMB_EINVAL.
 */
int omb_time_parse(const char *s, int tz_minutes, omb_ms *out);
/* Local date of t at tz_minutes east of UTC, as YYYYMMDD. */
int32_t omb_time_local_yyyymmdd(omb_ms t, int tz_minutes);

#endif
