/*
 * csv.c - RFC 4180 CSV reader over a memory buffer; see csv.h.
 *
 * Each call unescapes one record into r->text (a capped omb_buf), a NUL
 * after every field, and only then turns the field offsets into pointers,
 * since the buffer may move while it grows.  Spans without quotes or line
 * ends are copied in one append.
 */
#include "csv.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void omb_csv_init(omb_csv *r, const char *data, size_t len, size_t field_max, size_t fields_max)
{
    memset(r, 0, sizeof *r);
    r->data = data;
    r->len = data ? len : 0;
    r->line = 1;
    r->field_max = field_max ? field_max : OMB_CSV_FIELD_MAX_DEFAULT;
    r->fields_max = fields_max ? fields_max : OMB_CSV_FIELDS_MAX_DEFAULT;
    if (r->field_max > SIZE_MAX / 4)
        r->field_max = SIZE_MAX / 4;
    if (r->len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
    /* The per-field and per-record caps bound the record; this only guards overflow. */
    size_t cap = SIZE_MAX / 2;
    if (r->fields_max < cap / (r->field_max + 1))
        cap = r->fields_max * (r->field_max + 1);
    omb_buf_init(&r->text, cap);
    omb_err_clear(&r->failed);
}

void omb_csv_release(omb_csv *r)
{
    omb_buf_release(&r->text);
    free(r->offs);
    free(r->fields);
    r->offs = NULL;
    r->fields = NULL;
    r->alloc = 0;
}

__attribute__((format(printf, 5, 6))) static int fail(omb_csv *r, omb_err *err, int rc,
                                                      const char *code, const char *fmt, ...)
{
    char msg[OMB_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    omb_fail(&r->failed, rc, code, NULL, "%s", msg);
    if (err)
        *err = r->failed;
    return rc;
}

/* Appends data[from..to) to the current field, whose text starts at start. */
static int append(omb_csv *r, omb_err *err, size_t start, size_t from, size_t to, size_t field)
{
    size_t n = to - from;
    if (r->text.len - start + n > r->field_max || omb_buf_append(&r->text, r->data + from, n))
        return fail(r, err, OMB_ETOOBIG, "csv_field_too_long",
                    "line %zu: field %zu is longer than %zu bytes", r->line, field + 1,
                    r->field_max);
    return OMB_OK;
}

/* Counts line ends (LF, CRLF once, lone CR) in data[from..to). */
static size_t count_lines(const char *d, size_t from, size_t to, size_t len)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        if (d[i] == '\n' || (d[i] == '\r' && (i + 1 >= len || d[i + 1] != '\n')))
            n++;
    return n;
}

/* Reads a quoted field; pos is at the opening quote. */
static int quoted(omb_csv *r, omb_err *err, size_t start, size_t field)
{
    size_t opened = r->line;
    r->pos++;
    for (;;) {
        const char *q = memchr(r->data + r->pos, '"', r->len - r->pos);
        if (!q)
            return fail(r, err, OMB_EINVAL, "csv_unbalanced_quote",
                        "line %zu: the quote opening field %zu is never closed (record from "
                        "line %zu)",
                        opened, field + 1, r->rec.line);
        size_t at = (size_t)(q - r->data);
        int rc = append(r, err, start, r->pos, at, field);
        if (rc)
            return rc;
        r->line += count_lines(r->data, r->pos, at, r->len);
        r->pos = at + 1;
        if (r->pos < r->len && r->data[r->pos] == '"') {
            rc = append(r, err, start, r->pos, r->pos + 1, field);
            if (rc)
                return rc;
            r->pos++;
            continue;
        }
        break;
    }
    if (r->pos < r->len) {
        char c = r->data[r->pos];
        if (c != ',' && c != '\r' && c != '\n')
            return fail(r, err, OMB_EINVAL, "csv_bad_quote",
                        "line %zu: text after the closing quote of field %zu", r->line, field + 1);
    }
    return OMB_OK;
}

/* Reads an unquoted field up to a comma, a line end or the end of input. */
static int unquoted(omb_csv *r, omb_err *err, size_t start, size_t field)
{
    size_t i = r->pos;
    while (i < r->len) {
        char c = r->data[i];
        if (c == ',' || c == '\r' || c == '\n')
            break;
        if (c == '"')
            return fail(r, err, OMB_EINVAL, "csv_bad_quote",
                        "line %zu: a quote inside unquoted field %zu", r->line, field + 1);
        i++;
    }
    int rc = append(r, err, start, r->pos, i, field);
    r->pos = i;
    return rc;
}

static void grow(omb_csv *r)
{
    size_t alloc = r->alloc ? r->alloc * 2 : 32;
    r->offs = omb_xrealloc(r->offs, alloc * sizeof *r->offs);
    r->fields = omb_xrealloc(r->fields, alloc * sizeof *r->fields);
    r->alloc = alloc;
}

/* Consumes a line end at pos, if any; returns whether there was one. */
static bool line_end(omb_csv *r)
{
    if (r->pos >= r->len)
        return false;
    if (r->data[r->pos] == '\r') {
        r->pos++;
        if (r->pos < r->len && r->data[r->pos] == '\n')
            r->pos++;
    } else if (r->data[r->pos] == '\n') {
        r->pos++;
    } else {
        return false;
    }
    r->line++;
    return true;
}

int omb_csv_next(omb_csv *r, const omb_csv_record **rec, omb_err *err)
{
    *rec = NULL;
    if (r->failed.rc) {
        if (err)
            *err = r->failed;
        return r->failed.rc;
    }
    while (line_end(r))
        ; /* empty lines */
    if (r->pos >= r->len)
        return OMB_OK;
    omb_buf_reset(&r->text);
    r->rec.line = r->line;
    size_t n = 0;
    for (;;) {
        if (n == r->fields_max)
            return fail(r, err, OMB_ETOOBIG, "csv_too_many_fields",
                        "line %zu: the record from line %zu has more than %zu fields", r->line,
                        r->rec.line, r->fields_max);
        if (n == r->alloc)
            grow(r);
        size_t start = r->text.len;
        r->offs[n] = start;
        int rc = r->pos < r->len && r->data[r->pos] == '"' ? quoted(r, err, start, n)
                                                           : unquoted(r, err, start, n);
        if (rc)
            return rc;
        r->fields[n].len = r->text.len - start;
        if (omb_buf_putc(&r->text, '\0'))
            return fail(r, err, OMB_ETOOBIG, "csv_field_too_long",
                        "line %zu: the record from line %zu is too long", r->line, r->rec.line);
        n++;
        if (r->pos < r->len && r->data[r->pos] == ',') {
            r->pos++;
            continue;
        }
        line_end(r);
        break;
    }
    for (size_t i = 0; i < n; i++)
        r->fields[i].p = r->text.data + r->offs[i];
    r->rec.fields = r->fields;
    r->rec.n = n;
    *rec = &r->rec;
    return OMB_OK;
}

int omb_csv_field_index(const omb_csv_record *rec, const char *name, size_t *idx)
{
    size_t want = strlen(name);
    for (size_t i = 0; i < rec->n; i++) {
        const char *p = rec->fields[i].p;
        size_t len = rec->fields[i].len;
        while (len && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len == want && strncasecmp(p, name, len) == 0) {
            *idx = i;
            return OMB_OK;
        }
    }
    return OMB_ENOTFOUND;
}
