/*
 * share.h - cost sharing (风险共担): a compensation split between the
 * parties who fund it, exact to the fen.
 *
 * Each party weighs share_bp * weight: its funding share in basis points
 * times the responsibility weight the decision gives it.  The total is
 * split in proportion to those weights by the largest-remainder (Hamilton)
 * method, so the parts always add up to the total and each part is within
 * one fen of the exact proportional share.
 */
#ifndef OMB_SHARE_H
#define OMB_SHARE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define OMB_SHARE_PARTIES_MAX 16
#define OMB_SHARE_TOTAL_MAX   1000000000000LL /* 1e12 fen */
#define OMB_SHARE_BP_MAX      10000
#define OMB_SHARE_WEIGHT_MAX  100

typedef struct omb_share_in {
    int64_t party_id; /* >= 0, each party listed once */
    int32_t share_bp; /* funding share in basis points, 0..10000 */
    int32_t weight;   /* responsibility weight assigned in the decision, 0..100 */
} omb_share_in;

typedef struct omb_share_out {
    int64_t party_id;
    int64_t amount_fen;
} omb_share_out;

/*
 * Splits total_fen (0..1e12) among n parties (1..OMB_SHARE_PARTIES_MAX) in
 * proportion to w_i = share_bp * weight.  Each party first gets
 * floor(total * w_i / W), W being the sum of the w_i; the fen left over go
 * one each to the largest remainders, ties broken by the larger w_i, then by
 * input order.  out[i] corresponds to in[i].
 *
 * The parts always sum to total_fen; every part differs from the exact
 * proportional share by less than one fen; a party with a larger w_i never
 * gets less than one with a smaller w_i; a party with w_i == 0 gets nothing.
 *
 * Errors (out untouched): OMB_EINVAL "no_weight" when W == 0;
 * OMB_EINVAL "invalid_value" for n out of range, NULL in or out, a value
 * negative or over its range, or a party listed twice.
 */
int omb_share_split(int64_t total_fen, const omb_share_in *in, size_t n, omb_share_out *out,
                    omb_err *err);

#endif
