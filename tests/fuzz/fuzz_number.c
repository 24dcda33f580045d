/*
 * fuzz_number.c - libFuzzer harness: the complaint number parser
 * (src/core/number.c).
 *
 * A number that parses must format back to the same text from its day and
 * sequence (the parser accepts nothing the formatter would not write).
 * The input is read as a C string, as the route parameter it stands for.
 */
#include "fuzz_common.h"
#include "core/number.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_cstr(data, size);
    int32_t day = 0;
    int64_t seq = 0;
    if (omb_number_parse(s, &day, &seq)) {
        char back[64];
        if (omb_number_format(day, seq, back, sizeof back) != OMB_OK || strcmp(back, s) != 0) {
            fprintf(stderr, "number %s parses to %d/%lld, which does not format back\n", s,
                    (int)day, (long long)seq);
            abort();
        }
    }
    free(s);
    return 0;
}
