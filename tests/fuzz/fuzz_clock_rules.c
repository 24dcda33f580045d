/*
 * fuzz_clock_rules.c - libFuzzer harness: the clock rules loader
 * (data/clocks.tsv, src/core/clock.c over src/core/tsv.c).
 */
#include "fuzz_common.h"
#include "core/clock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_copy(data, size);
    omb_clock_rules rules;
    omb_err err;
    omb_err_clear(&err);
    if (omb_clock_rules_parse(&rules, text, size, &err) == OMB_OK) {
        for (int k = 0; k < OMB_CLOCK__COUNT; k++) {
            enum omb_clock_kind back;
            if (omb_clock_kind_parse(omb_clock_kind_name((enum omb_clock_kind)k), &back) ||
                back != (enum omb_clock_kind)k)
                abort();
        }
    }
    free(text);
    return 0;
}
