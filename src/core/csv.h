/*
 * csv.h - an RFC 4180 CSV reader over a memory buffer, one record at a
 * time.
 *
 * Fields are separated by commas; a field may be quoted, and inside quotes
 * a doubled quote stands for one quote and commas, CR and LF are data.
 * Records end at CRLF, LF or a lone CR; the last record may lack its line
 * end.  A UTF-8 byte order mark at the very start is skipped.  Lines that
 * are completely empty are skipped (not read as a record with one empty
 * field).  Strict about quotes: a quote inside an unquoted field, text
 * after a closing quote and a quote left open at the end of the input are
 * errors.  Every field has a size cap and every record a field-count cap.
 *
 * Errors are sticky: after one, omb_csv_next() keeps returning it, because
 * the reader cannot know where the next record starts.  Pure: the reader
 * never does I/O; the caller supplies the bytes (a file read or mapped
 * whole).  Fields are valid until the next call of omb_csv_next().
 */
#ifndef OMB_CSV_H
#define OMB_CSV_H

#include "buf.h"
#include "err.h"

#include <stddef.h>

#define OMB_CSV_FIELD_MAX_DEFAULT  (64 * 1024)
#define OMB_CSV_FIELDS_MAX_DEFAULT 256

typedef struct omb_csv_field {
    const char *p; /* unescaped bytes, followed by a NUL (p[len] == '\0') */
    size_t len;    /* bytes; use it, not strlen(), since data may hold NUL bytes */
} omb_csv_field;

typedef struct omb_csv_record {
    const omb_csv_field *fields;
    size_t n;    /* number of fields, >= 1 */
    size_t line; /* 1-based line where the record starts */
} omb_csv_record;

typedef struct omb_csv {
    const char *data; /* not owned */
    size_t len, pos;
    size_t line;       /* line at pos */
    size_t field_max;  /* bytes per field */
    size_t fields_max; /* fields per record */
    omb_buf text;      /* unescaped fields of the current record, NUL after each */
    size_t *offs;      /* offset of each field in text */
    omb_csv_field *fields;
    size_t alloc; /* entries in offs and fields */
    omb_csv_record rec;
    omb_err failed; /* the sticky error; rc == OMB_OK while none */
} omb_csv;

/*
 * Starts reading data[0..len).  field_max and fields_max of 0 select the
 * defaults above.  The reader keeps a pointer to data, not a copy.
 */
void omb_csv_init(omb_csv *r, const char *data, size_t len, size_t field_max, size_t fields_max);
void omb_csv_release(omb_csv *r);

/*
 * Reads the next record.  Returns OMB_OK with *rec pointing at it, or
 * OMB_OK with *rec = NULL at the end of the input.  Errors (with the line
 * in the message):
 *   OMB_EINVAL "csv_unbalanced_quote" - a quoted field is never closed;
 *   OMB_EINVAL "csv_bad_quote"        - a quote inside an unquoted field,
 *                                       or text after a closing quote;
 *   OMB_ETOOBIG "csv_field_too_long"  - a field over field_max bytes;
 *   OMB_ETOOBIG "csv_too_many_fields" - a record over fields_max fields.
 */
int omb_csv_next(omb_csv *r, const omb_csv_record **rec, omb_err *err);

/*
 * The index of the field equal to name (ASCII case-insensitive, spaces
 * around the field ignored) in a header record: OMB_OK with *idx, or
 * OMB_ENOTFOUND.
 */
int omb_csv_field_index(const omb_csv_record *rec, const char *name, size_t *idx);

#endif
