/*
 * share.c - splitting a compensation among the parties who share its cost,
 * exact to the fen by the largest-remainder method; see share.h.
 */
#include "share.h"

#include <inttypes.h>
#include <stdbool.h>

/* The largest product total * w_i is 1e12 * 10000 * 100 = 1e18, which int64 holds. */
_Static_assert(OMB_SHARE_TOTAL_MAX <=
                   INT64_MAX / ((int64_t)OMB_SHARE_BP_MAX * OMB_SHARE_WEIGHT_MAX),
               "total_fen * share_bp * weight must fit in int64_t");

static int check_inputs(int64_t total_fen, const omb_share_in *in, size_t n,
                        const omb_share_out *out, omb_err *err)
{
    if (n < 1 || n > OMB_SHARE_PARTIES_MAX || !in || !out)
        return omb_fail(err, OMB_EINVAL, "invalid_value", "parties",
                        "between 1 and %d parties are needed", OMB_SHARE_PARTIES_MAX);
    if (total_fen < 0 || total_fen > OMB_SHARE_TOTAL_MAX)
        return omb_fail(err, OMB_EINVAL, "invalid_value", "total_fen",
                        "total_fen %" PRId64 " is outside 0..%lld", total_fen, OMB_SHARE_TOTAL_MAX);
    for (size_t i = 0; i < n; i++) {
        if (in[i].party_id < 0)
            return omb_fail(err, OMB_EINVAL, "invalid_value", "party_id",
                            "party %zu: party_id %" PRId64 " is negative", i, in[i].party_id);
        if (in[i].share_bp < 0 || in[i].share_bp > OMB_SHARE_BP_MAX)
            return omb_fail(err, OMB_EINVAL, "invalid_value", "share_bp",
                            "party %" PRId64 ": share_bp %" PRId32 " is outside 0..%d",
                            in[i].party_id, in[i].share_bp, OMB_SHARE_BP_MAX);
        if (in[i].weight < 0 || in[i].weight > OMB_SHARE_WEIGHT_MAX)
            return omb_fail(err, OMB_EINVAL, "invalid_value", "weight",
                            "party %" PRId64 ": weight %" PRId32 " is outside 0..%d",
                            in[i].party_id, in[i].weight, OMB_SHARE_WEIGHT_MAX);
        for (size_t j = 0; j < i; j++)
            if (in[j].party_id == in[i].party_id)
                return omb_fail(err, OMB_EINVAL, "invalid_value", "party_id",
                                "party %" PRId64 " is listed twice", in[i].party_id);
    }
    return OMB_OK;
}

/* True when party a is first in line for a leftover fen before party b. */
static bool comes_first(const int64_t *remainder, const int64_t *w, size_t a, size_t b)
{
    if (remainder[a] != remainder[b])
        return remainder[a] > remainder[b];
    if (w[a] != w[b])
        return w[a] > w[b];
    return a < b;
}

int omb_share_split(int64_t total_fen, const omb_share_in *in, size_t n, omb_share_out *out,
                    omb_err *err)
{
    int rc = check_inputs(total_fen, in, n, out, err);
    if (rc != OMB_OK)
        return rc;

    int64_t w[OMB_SHARE_PARTIES_MAX], remainder[OMB_SHARE_PARTIES_MAX];
    int64_t w_sum = 0;
    for (size_t i = 0; i < n; i++) {
        w[i] = (int64_t)in[i].share_bp * in[i].weight;
        w_sum += w[i];
    }
    if (w_sum == 0)
        return omb_fail(err, OMB_EINVAL, "no_weight", "parties",
                        "every party has a zero share or a zero weight");

    int64_t left = total_fen;
    for (size_t i = 0; i < n; i++) {
        out[i].party_id = in[i].party_id;
        out[i].amount_fen = total_fen * w[i] / w_sum;
        remainder[i] = total_fen * w[i] % w_sum;
        left -= out[i].amount_fen;
    }
    /* Fewer than n fen are left: one each to the first `left` parties in line. */
    for (size_t i = 0; i < n; i++) {
        int64_t ahead = 0;
        for (size_t j = 0; j < n; j++)
            ahead += j != i && comes_first(remainder, w, j, i);
        if (ahead < left)
            out[i].amount_fen++;
    }
    return OMB_OK;
}
