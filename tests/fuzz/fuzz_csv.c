/*
 * fuzz_csv.c - libFuzzer harness: the CSV reader (src/core/csv.c).
 *
 * The first byte chooses small caps (field bytes, fields per record) so
 * that their errors are reached too; the rest is read record by record to
 * the end or the first error, which must then stay (errors are sticky).
 * Every field must be NUL-terminated at its length.
 */
#include "fuzz_common.h"
#include "core/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t field_max = (data[0] & 0x0F) ? (size_t)(data[0] & 0x0F) * 8 : 0;
    size_t fields_max = (data[0] >> 4) ? (size_t)(data[0] >> 4) : 0;
    char *text = fz_copy(data + 1, size - 1);
    omb_csv r;
    omb_csv_init(&r, text, size - 1, field_max, fields_max);
    const omb_csv_record *rec = NULL;
    omb_err err;
    omb_err_clear(&err);
    int rc;
    while ((rc = omb_csv_next(&r, &rec, &err)) == OMB_OK && rec) {
        if (rec->n < 1)
            abort();
        for (size_t i = 0; i < rec->n; i++)
            if (rec->fields[i].p[rec->fields[i].len] != '\0')
                abort();
        size_t idx;
        omb_csv_field_index(rec, "Complaint ID", &idx);
    }
    if (rc != OMB_OK) {
        omb_err again;
        if (omb_csv_next(&r, &rec, &again) != rc || strcmp(again.code, err.code) != 0)
            abort(); /* the error did not stick */
    }
    omb_csv_release(&r);
    free(text);
    return 0;
}
