/*
 * err.c - filling omb_err values; see err.h for the convention.
 */
#include "err.h"

#include <stdio.h>
#include <string.h>

void omb_err_clear(omb_err *err)
{
    if (!err)
        return;
    err->rc = OMB_OK;
    err->code[0] = '\0';
    err->message[0] = '\0';
    err->field[0] = '\0';
}

static void copy_capped(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

int omb_fail(omb_err *err, int rc, const char *code, const char *field, const char *fmt, ...)
{
    if (!err)
        return rc;
    err->rc = rc;
    copy_capped(err->code, sizeof err->code, code);
    copy_capped(err->field, sizeof err->field, field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return rc;
}

static const struct {
    int rc;
    const char *name;
} rc_names[] = {
    {OMB_OK, "ok"},
    {OMB_EINVAL, "invalid"},
    {OMB_EUNAUTH, "unauthorized"},
    {OMB_EFORBIDDEN, "forbidden"},
    {OMB_ENOTFOUND, "not_found"},
    {OMB_ECONFLICT, "conflict"},
    {OMB_ETOOBIG, "too_large"},
    {OMB_EMEDIA, "unsupported_media_type"},
    {OMB_EFIELD, "invalid_field"},
    {OMB_EIO, "io_error"},
    {OMB_EBUSY, "busy"},
    {OMB_ELIMIT, "too_many_attempts"},
};

const char *omb_rc_name(int rc)
{
    for (size_t i = 0; i < sizeof rc_names / sizeof rc_names[0]; i++)
        if (rc_names[i].rc == rc)
            return rc_names[i].name;
    return "unknown";
}
