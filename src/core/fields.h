/*
 * fields.h - declarative checks for JSON objects that come from outside.
 *
 * A request body is described by a table of omb_field_spec; omb_fields_check
 * refuses unknown fields, missing required fields, wrong JSON types, strings
 * that are too long (counted in code points) or empty, integers out of range,
 * values outside an enumeration and malformed times.  The first fault found
 * is reported with its field name.  Pure: no I/O.
 */
#ifndef OMB_FIELDS_H
#define OMB_FIELDS_H

#include "err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum omb_field_type {
    OMB_F_STRING, /* non-empty string, max = longest length in code points */
    OMB_F_TEXT,   /* free text, like STRING, may be long (description, note, reason): the
                     personal data found in it is masked and sealed (app/pii.c) */
    OMB_F_INT,    /* integer in [min, max] */
    OMB_F_BOOL,
    OMB_F_TIME,    /* RFC 3339 string */
    OMB_F_ENUM,    /* string, one of `values` */
    OMB_F_STRINGS, /* array of strings, at most `max_items` of at most `max` code points */
    OMB_F_OBJECT,  /* object, checked against `sub` */
    OMB_F_OBJECTS, /* array of objects, each checked against `sub`, at most max_items */
};

typedef struct omb_field_spec {
    const char *name; /* NULL ends a table */
    enum omb_field_type type;
    bool required;
    int64_t min, max;                 /* INT range; STRING/TEXT/STRINGS: length bounds */
    const char *const *values;        /* ENUM: NULL-terminated list */
    const struct omb_field_spec *sub; /* OBJECT/OBJECTS */
    int max_items;                    /* STRINGS/OBJECTS */
} omb_field_spec;

/*
 * Checks obj against specs.  `path` prefixes field names in errors (""
 * at top level).  Returns OMB_OK, or OMB_EFIELD with err filled:
 * "unknown_field", "missing_field", "invalid_type", "invalid_value",
 * "too_long", "empty_value", "out_of_range", "invalid_time", "too_many".
 */
int omb_fields_check(const json_t *obj, const omb_field_spec *specs, const char *path,
                     omb_err *err);

/*
 * Puts a checked object in its stored form: members that are null (the
 * same as absent) are removed and times are rewritten as UTC RFC 3339
 * ("2026-11-24" at +08:00 becomes "2026-11-23T16:00:00.000Z"), recursively;
 * a plain date is taken as local midnight at tz_minutes east of UTC.
 */
void omb_fields_normalize(json_t *obj, const omb_field_spec *specs, int tz_minutes);

/*
 * Checks that every time field of a checked object (specs, recursively) lies in
 * [lo, hi] (milliseconds since the epoch).  A time before lo is refused as
 * before `lo_what` ("the complaint's receipt", "the decision"), one after hi as
 * in the future.  Returns OMB_OK, or OMB_EFIELD "invalid_value" naming the
 * field ("consumer_notice.notified_at" inside an object).
 */
int omb_fields_check_times(const json_t *obj, const omb_field_spec *specs, const char *path,
                           int64_t lo, const char *lo_what, int64_t hi, int tz_minutes,
                           omb_err *err);

/* Convenience accessors that return a default when the key is absent. */
const char *omb_json_str(const json_t *obj, const char *key, const char *dflt);
int64_t omb_json_int(const json_t *obj, const char *key, int64_t dflt);

#endif
