/*
 * fields.c - checking JSON objects against omb_field_spec tables.
 */
#include "fields.h"
#include "timeutil.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

static void field_path(char *out, size_t cap, const char *path, const char *name)
{
    if (path && *path)
        snprintf(out, cap, "%s.%s", path, name);
    else
        snprintf(out, cap, "%s", name);
}

static const char *type_word(enum omb_field_type t)
{
    static const char *const words[] = {
        [OMB_F_STRING] = "a string",
        [OMB_F_TEXT] = "a string",
        [OMB_F_INT] = "an integer",
        [OMB_F_BOOL] = "true or false",
        [OMB_F_TIME] = "an RFC 3339 time",
        [OMB_F_ENUM] = "a string",
        [OMB_F_STRINGS] = "an array of strings",
        [OMB_F_OBJECT] = "an object",
        [OMB_F_OBJECTS] = "an array of objects",
    };
    return words[t];
}

static int check_string(const json_t *v, const omb_field_spec *f, const char *fp, omb_err *err)
{
    const char *s = json_string_value(v);
    size_t bytes = json_string_length(v);
    size_t n = omb_utf8_count(s, bytes);
    if (memchr(s, '\0', bytes))
        return omb_fail(err, OMB_EFIELD, "invalid_value", fp, "%s must not contain NUL", fp);
    if (n == 0)
        return omb_fail(err, OMB_EFIELD, "empty_value", fp, "%s must not be empty", fp);
    if (f->min > 0 && (int64_t)n < f->min)
        return omb_fail(err, OMB_EFIELD, "too_short", fp, "%s must be at least %lld characters", fp,
                        (long long)f->min);
    if (f->max > 0 && (int64_t)n > f->max)
        return omb_fail(err, OMB_EFIELD, "too_long", fp, "%s is longer than %lld characters", fp,
                        (long long)f->max);
    return OMB_OK;
}

static int check_value(const json_t *v, const omb_field_spec *f, const char *fp, omb_err *err)
{
    switch (f->type) {
    case OMB_F_STRING:
    case OMB_F_TEXT:
        if (!json_is_string(v))
            break;
        return check_string(v, f, fp, err);
    case OMB_F_INT:
        if (!json_is_integer(v))
            break;
        if (json_integer_value(v) < f->min || json_integer_value(v) > f->max)
            return omb_fail(err, OMB_EFIELD, "out_of_range", fp, "%s must be between %lld and %lld",
                            fp, (long long)f->min, (long long)f->max);
        return OMB_OK;
    case OMB_F_BOOL:
        if (!json_is_boolean(v))
            break;
        return OMB_OK;
    case OMB_F_TIME: {
        if (!json_is_string(v))
            break;
        omb_ms t;
        if (omb_time_parse(json_string_value(v), OMB_TZ_SHANGHAI_MIN, &t) != OMB_OK)
            return omb_fail(err, OMB_EFIELD, "invalid_time", fp,
                            "%s must be an RFC 3339 time such as 2026-11-22T08:00:00+08:00", fp);
        return OMB_OK;
    }
    case OMB_F_ENUM:
        if (!json_is_string(v))
            break;
        for (const char *const *e = f->values; *e; e++)
            if (strcmp(*e, json_string_value(v)) == 0)
                return OMB_OK;
        return omb_fail(err, OMB_EFIELD, "invalid_value", fp, "%s has a value that is not allowed",
                        fp);
    case OMB_F_STRINGS: {
        if (!json_is_array(v))
            break;
        if (f->max_items > 0 && json_array_size(v) > (size_t)f->max_items)
            return omb_fail(err, OMB_EFIELD, "too_many", fp, "%s has more than %d items", fp,
                            f->max_items);
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item)
        {
            if (!json_is_string(item))
                return omb_fail(err, OMB_EFIELD, "invalid_type", fp, "%s must hold only strings",
                                fp);
            int rc = check_string(item, f, fp, err);
            if (rc)
                return rc;
        }
        return OMB_OK;
    }
    case OMB_F_OBJECT:
        if (!json_is_object(v))
            break;
        return omb_fields_check(v, f->sub, fp, err);
    case OMB_F_OBJECTS: {
        if (!json_is_array(v))
            break;
        if (f->max_items > 0 && json_array_size(v) > (size_t)f->max_items)
            return omb_fail(err, OMB_EFIELD, "too_many", fp, "%s has more than %d items", fp,
                            f->max_items);
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item)
        {
            if (!json_is_object(item))
                return omb_fail(err, OMB_EFIELD, "invalid_type", fp, "%s must hold only objects",
                                fp);
            int rc = omb_fields_check(item, f->sub, fp, err);
            if (rc)
                return rc;
        }
        return OMB_OK;
    }
    }
    return omb_fail(err, OMB_EFIELD, "invalid_type", fp, "%s must be %s", fp, type_word(f->type));
}

int omb_fields_check(const json_t *obj, const omb_field_spec *specs, const char *path, omb_err *err)
{
    char fp[OMB_ERR_FIELD_MAX];
    if (!json_is_object(obj))
        return omb_fail(err, OMB_EFIELD, "invalid_type", path && *path ? path : NULL,
                        "the body must be a JSON object");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        const omb_field_spec *f = specs;
        while (f && f->name && strcmp(f->name, key) != 0)
            f++;
        field_path(fp, sizeof fp, path, key);
        if (!f || !f->name)
            return omb_fail(err, OMB_EFIELD, "unknown_field", fp, "%s is not a known field", fp);
    }
    for (const omb_field_spec *f = specs; f && f->name; f++) {
        field_path(fp, sizeof fp, path, f->name);
        const json_t *val = json_object_get(obj, f->name);
        if (!val || json_is_null(val)) {
            if (f->required)
                return omb_fail(err, OMB_EFIELD, "missing_field", fp, "%s is required", fp);
            continue;
        }
        int rc = check_value(val, f, fp, err);
        if (rc)
            return rc;
    }
    return OMB_OK;
}

int omb_fields_check_times(const json_t *obj, const omb_field_spec *specs, const char *path,
                           int64_t lo, const char *lo_what, int64_t hi, int tz_minutes,
                           omb_err *err)
{
    char fp[OMB_ERR_FIELD_MAX], when[32];
    for (const omb_field_spec *f = specs; f && f->name; f++) {
        const json_t *v = json_object_get(obj, f->name);
        field_path(fp, sizeof fp, path, f->name);
        int rc = OMB_OK;
        omb_ms t;
        if (f->type == OMB_F_TIME && json_is_string(v) &&
            omb_time_parse(json_string_value(v), tz_minutes, &t) == OMB_OK) {
            if (t < lo) {
                omb_time_format(lo, when, sizeof when);
                return omb_fail(err, OMB_EFIELD, "invalid_value", fp,
                                "%s must not be before %s (%s)", fp, lo_what, when);
            }
            if (t > hi) {
                omb_time_format(hi, when, sizeof when);
                return omb_fail(err, OMB_EFIELD, "invalid_value", fp,
                                "%s is in the future (later than %s)", fp, when);
            }
        } else if (f->type == OMB_F_OBJECT && json_is_object(v)) {
            rc = omb_fields_check_times(v, f->sub, fp, lo, lo_what, hi, tz_minutes, err);
        } else if (f->type == OMB_F_OBJECTS && json_is_array(v)) {
            size_t i;
            const json_t *item;
            json_array_foreach(v, i, item)
            {
                if (!rc)
                    rc = omb_fields_check_times(item, f->sub, fp, lo, lo_what, hi, tz_minutes, err);
            }
        }
        if (rc)
            return rc;
    }
    return OMB_OK;
}

const char *omb_json_str(const json_t *obj, const char *key, const char *dflt)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : dflt;
}

int64_t omb_json_int(const json_t *obj, const char *key, int64_t dflt)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

void omb_fields_normalize(json_t *obj, const omb_field_spec *specs, int tz_minutes)
{
    for (const omb_field_spec *f = specs; f && f->name; f++) {
        json_t *v = json_object_get(obj, f->name);
        if (!v)
            continue;
        if (json_is_null(v)) {
            json_object_del(obj, f->name);
            continue;
        }
        if (f->type == OMB_F_TIME && json_is_string(v)) {
            omb_ms t;
            char text[32];
            if (omb_time_parse(json_string_value(v), tz_minutes, &t) == OMB_OK &&
                omb_time_format(t, text, sizeof text) == OMB_OK)
                json_object_set_new(obj, f->name, json_string(text));
        } else if (f->type == OMB_F_OBJECT) {
            omb_fields_normalize(v, f->sub, tz_minutes);
        } else if (f->type == OMB_F_OBJECTS) {
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item) omb_fields_normalize(item, f->sub, tz_minutes);
        }
    }
}
