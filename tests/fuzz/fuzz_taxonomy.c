/*
 * fuzz_taxonomy.c - libFuzzer harness: the taxonomy loader (data/taxonomy.tsv,
 * src/core/taxonomy.c over src/core/tsv.c).
 *
 * A taxonomy that loads must find each code it lists under its kind.
 */
#include "fuzz_common.h"
#include "core/taxonomy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_copy(data, size);
    omb_taxonomy *t = NULL;
    omb_err err;
    omb_err_clear(&err);
    if (omb_taxonomy_parse(&t, text, size, &err) == OMB_OK) {
        size_t total = 0;
        for (size_t k = 0; omb_taxonomy_kinds[k]; k++) {
            size_t n;
            const omb_code *c = omb_taxonomy_list(t, omb_taxonomy_kinds[k], &n);
            for (size_t i = 0; i < n; i++)
                if (omb_taxonomy_find(t, c[i].kind, c[i].code) != &c[i])
                    abort();
            total += n;
        }
        if (total != omb_taxonomy_count(t))
            abort();
        omb_taxonomy_free(t);
    }
    free(text);
    return 0;
}
