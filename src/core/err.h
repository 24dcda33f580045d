/*
 * err.h - the one error convention of ombud.
 *
 * Every fallible function returns an int: OMB_OK (0) on success, or one of
 * the negative OMB_E* kinds below.  When the caller needs to explain the
 * failure to a person, the function also fills an omb_err out-parameter with
 * a stable machine code ("missing_field"), a human message and, when one
 * field is at fault, its name.  The HTTP layer maps the kind to a status;
 * nothing else in the program knows about HTTP.
 */
#ifndef OMB_ERR_H
#define OMB_ERR_H

#include <stdarg.h>

enum omb_rc {
    OMB_OK = 0,
    OMB_EINVAL = -1,     /* malformed input: syntax, encoding (400) */
    OMB_EUNAUTH = -2,    /* no or bad credentials (401) */
    OMB_EFORBIDDEN = -3, /* authenticated but not allowed (403) */
    OMB_ENOTFOUND = -4,  /* no such resource (404) */
    OMB_ECONFLICT = -5,  /* state does not allow it, duplicate (409) */
    OMB_ETOOBIG = -6,    /* body or field over its cap (413) */
    OMB_EMEDIA = -7,     /* unsupported content type (415) */
    OMB_EFIELD = -8,     /* well-formed but semantically invalid (422) */
    OMB_EIO = -9,        /* storage or system failure (500/503) */
    OMB_EBUSY = -10,     /* temporarily unable, try again (503) */
    OMB_ELIMIT = -11,    /* too many attempts: wait before the next (429) */
};

#define OMB_ERR_CODE_MAX  40
#define OMB_ERR_MSG_MAX   240
#define OMB_ERR_FIELD_MAX 64

typedef struct omb_err {
    int rc;
    char code[OMB_ERR_CODE_MAX];
    char message[OMB_ERR_MSG_MAX];
    char field[OMB_ERR_FIELD_MAX];
} omb_err;

/* Clears *err to "no error". */
void omb_err_clear(omb_err *err);

/*
 * Fills *err (when err is not NULL) and returns rc, so that a failing
 * function can say `return omb_fail(err, OMB_EFIELD, "missing_field",
 * "amount", "amount is required");`.  field may be NULL.
 */
int omb_fail(omb_err *err, int rc, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The HTTP-neutral name of an rc, for logs ("invalid", "conflict", ...). */
const char *omb_rc_name(int rc);

#endif
