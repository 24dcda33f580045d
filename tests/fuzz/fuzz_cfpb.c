/*
 * fuzz_cfpb.c - libFuzzer harness: the CFPB complaint import (src/core/cfpb.c
 * over src/core/csv.c), as `ombud import --cfpb` reads a file.
 *
 * The first record is the header, each later one a complaint mapped to a
 * create payload.  A row may be refused for any listed reason but
 * "invalid_payload", which would mean the mapper built a payload the API
 * refuses (a mapper bug).
 */
#include "fuzz_common.h"
#include "core/cfpb.h"
#include "core/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_copy(data, size);
    omb_csv csv;
    omb_csv_init(&csv, text, size, OMB_CFPB_CSV_FIELD_MAX, OMB_CFPB_CSV_FIELDS_MAX);
    const omb_csv_record *rec;
    omb_cfpb_header header;
    omb_err err;
    omb_err_clear(&err);
    int rc = omb_csv_next(&csv, &rec, &err);
    if (!rc && rec && omb_cfpb_header_parse(&header, rec, &err) == OMB_OK) {
        omb_cfpb_row row;
        omb_cfpb_row_init(&row);
        while (omb_csv_next(&csv, &rec, &err) == OMB_OK && rec) {
            omb_err rerr;
            omb_err_clear(&rerr);
            if (omb_cfpb_map(&header, rec, &row, &rerr) == OMB_OK) {
                if (!row.payload || !row.state)
                    abort();
            } else if (strcmp(rerr.code, "invalid_payload") == 0) {
                fprintf(stderr, "mapped an invalid payload: %s\n", rerr.message);
                abort();
            }
        }
        omb_cfpb_row_release(&row);
    }
    omb_csv_release(&csv);
    free(text);
    return 0;
}
