/*
 * fuzz_routing.c - libFuzzer harness: the routing rules loader
 * (data/routing.tsv, src/core/routing.c over src/core/tsv.c and PCRE2).
 *
 * Rules that load must route a few complaints: dispatch always finds a
 * rule (the catch-all), whatever the description holds.
 */
#include "fuzz_common.h"
#include "core/routing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_copy(data, size);
    omb_routing *r = NULL;
    omb_err err;
    omb_err_clear(&err);
    if (omb_routing_parse(&r, text, size, &err) == OMB_OK) {
        static const omb_route_input inputs[] = {
            {"credit_card", "c01", "card", "phone", "general", "年费被重复收取 fee charged twice"},
            {"internet_loan", "c12", "loan_app", "web", "major",
             "催收电话 aaaaaaaaaaaaaaaaaaaaaaaa!"},
            {NULL, NULL, NULL, NULL, NULL, NULL},
            {"", "", "", "", "", "\xff\xfe not UTF-8"},
        };
        for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
            omb_route out;
            memset(&out, 0, sizeof out);
            omb_routing_match(r, &inputs[i], &out);
        }
        omb_routing_free(r);
    }
    free(text);
    return 0;
}
