/*
 * fuzz_receipt.c - libFuzzer harness: the receipt checker of
 * `ombud verify --receipt FILE` (src/cli/verify.c reads the file as JSON,
 * src/core/ledger.c omb_receipt_check checks it), with no pinned key and
 * with one.
 *
 * A receipt the checker accepts must name a leaf inside its tree.
 */
#include "fuzz_common.h"
#include "core/ledger.h"

#include <sodium.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    if (sodium_init() < 0)
        fz_die("sodium_init", NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *receipt = json_loadb((const char *)data, size, 0, &jerr);
    if (!receipt)
        return 0;
    omb_receipt_facts facts;
    omb_err err;
    omb_err_clear(&err);
    if (omb_receipt_check(receipt, NULL, &facts, &err) == OMB_OK) {
        if (facts.leaf_index >= facts.tree_size)
            abort();
        static const uint8_t other[OMB_SIGN_PUBLIC_LEN] = {1};
        omb_receipt_check(receipt, other, &facts, &err);
    }
    json_decref(receipt);
    return 0;
}
