/*
 * test_share.c - unit tests for src/core/share.c: splitting a compensation
 * among the parties who share its cost, exact to the fen.
 *
 * Hand-worked splits (funding shares, responsibility weights, one fen, no
 * fen, leftover fen by remainder, by weight and by input order, zero
 * weights), every refusal, the limits (1e12 fen, 16 parties at 10000 bp x
 * 100), and properties over random cases from a fixed-seed generator: the
 * parts add up, each is within one fen of the exact share, a larger weight
 * never gets less, and the results match two slow reference splits written
 * here (sort the remainders; hand out one fen at a time).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/share.h"

#define MAXP OMB_SHARE_PARTIES_MAX

/* A party with id i + 1 for each (share_bp, weight) pair. */
typedef struct party_spec {
    int32_t share_bp, weight;
} party_spec;

/* Splits total among the parties and expects the amounts listed, in input order. */
static void expect_split(int64_t total, const party_spec *spec, size_t n, const int64_t *want)
{
    omb_share_in in[MAXP];
    omb_share_out out[MAXP];
    for (size_t i = 0; i < n; i++)
        in[i] = (omb_share_in){(int64_t)i + 1, spec[i].share_bp, spec[i].weight};
    omb_err err;
    omb_err_clear(&err);
    int rc = omb_share_split(total, in, n, out, &err);
    if (rc != OMB_OK)
        fail_msg("split of %" PRId64 ": refused %s (%s)", total, err.code, err.message);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i].party_id, (int64_t)i + 1);
        if (out[i].amount_fen != want[i])
            fail_msg("split of %" PRId64 ": party %zu got %" PRId64 ", want %" PRId64, total, i,
                     out[i].amount_fen, want[i]);
    }
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SPLIT(total, spec, ...)                                                                    \
    do {                                                                                           \
        static const int64_t want_[] = {__VA_ARGS__};                                              \
        assert_int_equal(N(spec), N(want_));                                                       \
        expect_split(total, spec, N(spec), want_);                                                 \
    } while (0)

static void test_funding_shares(void **state)
{
    (void)state;
    static const party_spec three[] = {{6000, 1}, {3000, 1}, {1000, 1}};
    SPLIT(100, three, 60, 30, 10);
    SPLIT(1000000, three, 600000, 300000, 100000);
    /* 101 * 0.6 = 60.6, 30.3, 10.1: the one fen left goes to the largest remainder */
    SPLIT(101, three, 61, 30, 10);
    /* 105: 63, 31.5, 10.5 - equal remainders, the larger share wins */
    SPLIT(105, three, 63, 32, 10);
    /* 9: 5.4, 2.7, 0.9 - two fen left, to .9 and .7 */
    SPLIT(9, three, 5, 3, 1);
    static const party_spec one[] = {{10000, 100}};
    SPLIT(12345, one, 12345);
    static const party_spec tiny[] = {{1, 1}};
    SPLIT(7, tiny, 7);
}

static void test_one_fen_and_none(void **state)
{
    (void)state;
    static const party_spec three[] = {{6000, 1}, {3000, 1}, {1000, 1}};
    SPLIT(1, three, 1, 0, 0);
    SPLIT(2, three, 1, 1, 0); /* 1.2, 0.6, 0.2 */
    SPLIT(0, three, 0, 0, 0);
    static const party_spec small_first[] = {{1000, 1}, {3000, 1}, {6000, 1}};
    SPLIT(1, small_first, 0, 0, 1);
}

static void test_ties(void **state)
{
    (void)state;
    /* equal weights, equal remainders: input order decides */
    static const party_spec equal[] = {{3000, 50}, {3000, 50}, {3000, 50}};
    SPLIT(10, equal, 4, 3, 3);
    SPLIT(11, equal, 4, 4, 3);
    SPLIT(12, equal, 4, 4, 4);
    SPLIT(1, equal, 1, 0, 0);
    /* 2 fen over 2500 / 7500: 0.5 and 1.5, equal remainders, the larger weight wins */
    static const party_spec quarter[] = {{2500, 1}, {7500, 1}};
    SPLIT(2, quarter, 0, 2);
    static const party_spec quarter_reversed[] = {{7500, 1}, {2500, 1}};
    SPLIT(2, quarter_reversed, 2, 0);
    /* the larger weight is decided by bp * weight, not by bp alone */
    static const party_spec by_product[] = {{1000, 3}, {2000, 1}, {3000, 1}};
    /* w = 3000, 2000, 3000 of 8000; 4 fen: 1.5, 1, 1.5 */
    SPLIT(4, by_product, 2, 1, 1);
}

static void test_zero_weight(void **state)
{
    (void)state;
    static const party_spec zero_weight[] = {{5000, 0}, {5000, 1}};
    SPLIT(99, zero_weight, 0, 99);
    static const party_spec zero_bp[] = {{0, 100}, {4000, 10}, {6000, 10}};
    SPLIT(3, zero_bp, 0, 1, 2);
    SPLIT(1, zero_bp, 0, 0, 1);
    /* a zero-weight party never takes a leftover fen, even first in line by order */
    static const party_spec zero_first[] = {{0, 0}, {1, 1}, {1, 1}, {1, 1}};
    SPLIT(2, zero_first, 0, 1, 1, 0);
}

static void test_weights_change_the_split(void **state)
{
    (void)state;
    /* funder 60% with responsibility 1, acquirer 30% with responsibility 2: 6000 each */
    static const party_spec funder_acquirer[] = {{6000, 1}, {3000, 2}};
    SPLIT(100, funder_acquirer, 50, 50);
    SPLIT(101, funder_acquirer, 51, 50);
    static const party_spec same_bp[] = {{5000, 1}, {5000, 3}};
    SPLIT(100, same_bp, 25, 75);
    static const party_spec weight_only[] = {{10000, 100}, {10000, 0}, {10000, 1}};
    SPLIT(101, weight_only, 100, 0, 1);
    SPLIT(100, weight_only, 99, 0, 1); /* 99.0099... and 0.9900...: the fen left goes to .99 */
}

/* Expects omb_share_split to refuse with code and field, leaving out untouched. */
static void expect_refusal(int64_t total, const omb_share_in *in, size_t n, const char *code,
                           const char *field)
{
    omb_share_out out[MAXP + 1];
    memset(out, 0x5a, sizeof out);
    omb_err err;
    omb_err_clear(&err);
    int rc = omb_share_split(total, in, n, out, &err);
    if (rc != OMB_EINVAL)
        fail_msg("total %" PRId64 ", %zu parties: rc %d, want OMB_EINVAL", total, n, rc);
    assert_int_equal(err.rc, OMB_EINVAL);
    assert_string_equal(err.code, code);
    assert_string_equal(err.field, field);
    assert_true(err.message[0] != '\0');
    for (size_t i = 0; i < sizeof out; i++)
        assert_int_equal(((unsigned char *)out)[i], 0x5a);
    /* err may be NULL */
    assert_int_equal(omb_share_split(total, in, n, out, NULL), OMB_EINVAL);
}

static void test_refusals(void **state)
{
    (void)state;
    omb_share_in in[MAXP + 1];
    for (size_t i = 0; i < N(in); i++)
        in[i] = (omb_share_in){(int64_t)i + 100, 500, 10};
    omb_share_out out[MAXP];

    expect_refusal(100, in, 0, "invalid_value", "parties");
    expect_refusal(100, in, MAXP + 1, "invalid_value", "parties");
    expect_refusal(100, NULL, 2, "invalid_value", "parties");
    assert_int_equal(omb_share_split(100, in, 2, NULL, NULL), OMB_EINVAL);
    expect_refusal(-1, in, 2, "invalid_value", "total_fen");
    expect_refusal(INT64_MIN, in, 2, "invalid_value", "total_fen");
    expect_refusal(OMB_SHARE_TOTAL_MAX + 1, in, 2, "invalid_value", "total_fen");
    expect_refusal(INT64_MAX, in, 2, "invalid_value", "total_fen");

    static const struct {
        omb_share_in bad;
        const char *field;
    } bad_values[] = {
        {{-1, 500, 10}, "party_id"},      {{INT64_MIN, 500, 10}, "party_id"},
        {{7, -1, 10}, "share_bp"},        {{7, 10001, 10}, "share_bp"},
        {{7, INT32_MIN, 10}, "share_bp"}, {{7, INT32_MAX, 10}, "share_bp"},
        {{7, 500, -1}, "weight"},         {{7, 500, 101}, "weight"},
        {{7, 500, INT32_MIN}, "weight"},  {{7, 500, INT32_MAX}, "weight"},
    };
    for (size_t b = 0; b < N(bad_values); b++)
        for (size_t at = 0; at < 3; at++) { /* first, middle and last of three */
            omb_share_in three[3] = {{1, 500, 10}, {2, 500, 10}, {3, 500, 10}};
            three[at] = bad_values[b].bad;
            expect_refusal(100, three, 3, "invalid_value", bad_values[b].field);
        }

    /* a party listed twice, adjacent or apart, also with id 0 */
    omb_share_in twice[4] = {{1, 500, 10}, {2, 500, 10}, {3, 500, 10}, {1, 500, 10}};
    expect_refusal(100, twice, 4, "invalid_value", "party_id");
    twice[3].party_id = 3;
    expect_refusal(100, twice, 4, "invalid_value", "party_id");
    omb_share_in zeros[2] = {{0, 500, 10}, {0, 500, 10}};
    expect_refusal(100, zeros, 2, "invalid_value", "party_id");

    /* no weight at all: zero shares, zero weights, or each party one of the two */
    omb_share_in none[3] = {{1, 0, 10}, {2, 0, 100}, {3, 0, 1}};
    expect_refusal(100, none, 3, "no_weight", "parties");
    expect_refusal(0, none, 3, "no_weight", "parties");
    omb_share_in unweighted[2] = {{1, 5000, 0}, {2, 5000, 0}};
    expect_refusal(100, unweighted, 2, "no_weight", "parties");
    omb_share_in crossed[2] = {{1, 10000, 0}, {2, 0, 100}};
    expect_refusal(100, crossed, 2, "no_weight", "parties");

    /* the edges of every range are accepted */
    omb_share_in edges[3] = {{0, 0, 0}, {INT64_MAX, 10000, 100}, {5, 1, 0}};
    assert_int_equal(omb_share_split(0, edges, 3, out, NULL), OMB_OK);
    assert_int_equal(omb_share_split(OMB_SHARE_TOTAL_MAX, edges, 3, out, NULL), OMB_OK);
    assert_int_equal(out[1].amount_fen, OMB_SHARE_TOTAL_MAX);
    assert_int_equal(out[1].party_id, INT64_MAX);
    assert_int_equal(omb_share_split(100, in, MAXP, out, NULL), OMB_OK);
    for (size_t i = 0; i < MAXP; i++)
        assert_int_equal(out[i].amount_fen, i < 4 ? 7 : 6); /* 100 / 16 = 6.25 */
}

static void test_limits(void **state)
{
    (void)state;
    const int64_t max = OMB_SHARE_TOTAL_MAX;
    party_spec full[MAXP];
    int64_t want[MAXP];
    for (size_t i = 0; i < MAXP; i++) {
        full[i] = (party_spec){10000, 100};
        want[i] = max / MAXP;
    }
    expect_split(max, full, MAXP, want); /* 62,500,000,000 each */
    for (size_t i = 0; i < MAXP; i++)
        want[i] = (max - 1) / MAXP + (i < 15 ? 1 : 0);
    expect_split(max - 1, full, MAXP, want);

    static const party_spec three[] = {{10000, 100}, {10000, 100}, {10000, 100}};
    SPLIT(OMB_SHARE_TOTAL_MAX, three, 333333333334, 333333333333, 333333333333);
    static const party_spec lopsided[] = {{10000, 100}, {1, 1}};
    /* W = 1,000,001: 1e12 * 1e6 / W = 999999000000.999999, 1e12 / W = 999999.000000999999 */
    SPLIT(OMB_SHARE_TOTAL_MAX, lopsided, 999999000001, 999999);
    static const party_spec primes[] = {{9973, 97}, {9967, 89}, {7, 3}};
    /* W = 967381 + 887063 + 21 = 1854465; exact shares 521649640192.72...,
     * 478339035786.60..., 11324020.67...: the two fen left go to .72 and .67 */
    SPLIT(OMB_SHARE_TOTAL_MAX, primes, 521649640193, 478339035786, 11324021);
}

/* ---- random cases ---- */

/* splitmix64: a small fixed-seed generator, so every run sees the same cases. */
static uint64_t rng_state = 0x6f6d627564736861ULL; /* "ombudsha" */

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform enough in 0..max for tests. */
static int64_t rng_upto(int64_t max)
{
    return (int64_t)(rng_next() % ((uint64_t)max + 1));
}

/* Picks a value: often an edge, sometimes a value from a small set (to make ties), else any. */
static int32_t pick(int32_t max, int32_t small)
{
    switch (rng_next() % 6) {
    case 0:
        return 0;
    case 1:
        return max;
    case 2:
    case 3:
        return (int32_t)rng_upto(small);
    default:
        return (int32_t)rng_upto(max);
    }
}

static int64_t pick_total(void)
{
    switch (rng_next() % 5) {
    case 0:
        return rng_upto(40);
    case 1:
        return rng_upto(1000);
    case 2:
        return rng_upto(10000000);
    case 3:
        return OMB_SHARE_TOTAL_MAX - rng_upto(1000);
    default:
        return rng_upto(OMB_SHARE_TOTAL_MAX);
    }
}

typedef struct rcase {
    int64_t total;
    size_t n;
    omb_share_in in[MAXP];
    int64_t w[MAXP], w_sum;
} rcase;

static void random_case(rcase *c)
{
    c->total = pick_total();
    c->n = 1 + (size_t)rng_upto(MAXP - 1);
    int32_t small_bp = (int32_t)rng_upto(4) * 1000, small_weight = (int32_t)rng_upto(5);
    c->w_sum = 0;
    for (size_t i = 0; i < c->n; i++) {
        c->in[i].party_id = (int64_t)(i * 1000) + rng_upto(999); /* distinct */
        c->in[i].share_bp = pick(OMB_SHARE_BP_MAX, small_bp);
        c->in[i].weight = pick(OMB_SHARE_WEIGHT_MAX, small_weight);
        c->w[i] = (int64_t)c->in[i].share_bp * c->in[i].weight;
        c->w_sum += c->w[i];
    }
}

/* Reference 1: sort the parties by (remainder, weight, order) with qsort, top ones get a fen. */
typedef struct ranked {
    size_t index;
    int64_t remainder, w;
} ranked;

static int by_claim(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->remainder != b->remainder)
        return a->remainder > b->remainder ? -1 : 1;
    if (a->w != b->w)
        return a->w > b->w ? -1 : 1;
    return a->index < b->index ? -1 : 1;
}

static void reference_sorted(const rcase *c, int64_t *amount)
{
    ranked r[MAXP];
    int64_t given = 0;
    for (size_t i = 0; i < c->n; i++) {
        unsigned __int128 product = (unsigned __int128)c->total * (uint64_t)c->w[i];
        amount[i] = (int64_t)(product / (uint64_t)c->w_sum);
        r[i] = (ranked){i, (int64_t)(product % (uint64_t)c->w_sum), c->w[i]};
        given += amount[i];
    }
    qsort(r, c->n, sizeof r[0], by_claim);
    for (int64_t k = 0; k < c->total - given; k++)
        amount[r[k].index]++;
}

/*
 * Reference 2: hand out the fen one at a time, each to the party whose part
 * falls furthest short of its exact share (total * w_i / W - part, compared
 * as total * w_i - part * W), ties to the larger weight, then the earlier.
 * Slow, so only for small totals.
 */
static void reference_one_by_one(const rcase *c, int64_t *amount)
{
    for (size_t i = 0; i < c->n; i++)
        amount[i] = 0;
    for (int64_t fen = 0; fen < c->total; fen++) {
        size_t best = 0;
        int64_t best_shortfall = 0;
        for (size_t i = 0; i < c->n; i++) {
            int64_t shortfall = c->total * c->w[i] - amount[i] * c->w_sum;
            if (i == 0 || shortfall > best_shortfall ||
                (shortfall == best_shortfall && c->w[i] > c->w[best])) {
                best = i;
                best_shortfall = shortfall;
            }
        }
        amount[best]++;
    }
}

#define RANDOM_CASES   30000
#define ONE_BY_ONE_MAX 1000

static void test_random_properties(void **state)
{
    (void)state;
    size_t checked_one_by_one = 0, refused = 0, split = 0;
    for (int k = 0; k < RANDOM_CASES; k++) {
        rcase c;
        random_case(&c);
        omb_share_out out[MAXP];
        omb_err err;
        int rc = omb_share_split(c.total, c.in, c.n, out, &err);
        if (c.w_sum == 0) {
            assert_int_equal(rc, OMB_EINVAL);
            assert_string_equal(err.code, "no_weight");
            refused++;
            continue;
        }
        if (rc != OMB_OK)
            fail_msg("case %d: refused %s (%s)", k, err.code, err.message);
        split++;

        int64_t sum = 0;
        for (size_t i = 0; i < c.n; i++) {
            assert_int_equal(out[i].party_id, c.in[i].party_id);
            assert_true(out[i].amount_fen >= 0);
            sum += out[i].amount_fen;
            /* |part * W - total * w_i| < W, exactly: within one fen of the exact share */
            __int128 diff = (__int128)out[i].amount_fen * c.w_sum - (__int128)c.total * c.w[i];
            if (diff <= -(__int128)c.w_sum || diff >= (__int128)c.w_sum)
                fail_msg("case %d: party %zu got %" PRId64 ", more than a fen off", k, i,
                         out[i].amount_fen);
            if (c.w[i] == 0)
                assert_int_equal(out[i].amount_fen, 0);
        }
        if (sum != c.total)
            fail_msg("case %d: parts sum to %" PRId64 ", not %" PRId64, k, sum, c.total);

        for (size_t i = 0; i < c.n; i++)
            for (size_t j = 0; j < c.n; j++)
                if (c.w[i] > c.w[j] && out[i].amount_fen < out[j].amount_fen)
                    fail_msg("case %d: party %zu (w %" PRId64
                             ") got less than party %zu (w %" PRId64 ")",
                             k, i, c.w[i], j, c.w[j]);

        int64_t want[MAXP];
        reference_sorted(&c, want);
        for (size_t i = 0; i < c.n; i++)
            if (out[i].amount_fen != want[i])
                fail_msg("case %d: party %zu got %" PRId64 ", sorted reference %" PRId64, k, i,
                         out[i].amount_fen, want[i]);
        if (c.total <= ONE_BY_ONE_MAX) {
            reference_one_by_one(&c, want);
            for (size_t i = 0; i < c.n; i++)
                if (out[i].amount_fen != want[i])
                    fail_msg("case %d: party %zu got %" PRId64 ", one-by-one reference %" PRId64, k,
                             i, out[i].amount_fen, want[i]);
            checked_one_by_one++;
        }
    }
    printf("  %zu random splits (%zu also fen by fen), %zu without weight refused\n", split,
           checked_one_by_one, refused);
    assert_true(split >= 20000);
    assert_true(checked_one_by_one >= 5000);
    assert_true(refused > 0);
}

/* Scaling every weight by the same factor, or reordering parties with distinct weights,
 * changes nothing. */
static void test_random_invariance(void **state)
{
    (void)state;
    for (int k = 0; k < 5000; k++) {
        rcase c;
        random_case(&c);
        if (c.w_sum == 0)
            continue;
        omb_share_out out[MAXP], again[MAXP];
        assert_int_equal(omb_share_split(c.total, c.in, c.n, out, NULL), OMB_OK);

        /* every weight doubled: the same split */
        bool can_double = true;
        for (size_t i = 0; i < c.n; i++)
            can_double = can_double && c.in[i].weight <= OMB_SHARE_WEIGHT_MAX / 2;
        if (can_double) {
            omb_share_in doubled[MAXP];
            for (size_t i = 0; i < c.n; i++) {
                doubled[i] = c.in[i];
                doubled[i].weight *= 2;
            }
            assert_int_equal(omb_share_split(c.total, doubled, c.n, again, NULL), OMB_OK);
            for (size_t i = 0; i < c.n; i++)
                assert_int_equal(again[i].amount_fen, out[i].amount_fen);
        }

        /* reversed order: every party keeps its amount unless another has the same weight */
        omb_share_in reversed[MAXP];
        for (size_t i = 0; i < c.n; i++)
            reversed[i] = c.in[c.n - 1 - i];
        assert_int_equal(omb_share_split(c.total, reversed, c.n, again, NULL), OMB_OK);
        for (size_t i = 0; i < c.n; i++) {
            bool unique = true;
            for (size_t j = 0; j < c.n; j++)
                unique = unique && (j == i || c.w[j] != c.w[i]);
            assert_int_equal(again[c.n - 1 - i].party_id, c.in[i].party_id);
            if (unique)
                assert_int_equal(again[c.n - 1 - i].amount_fen, out[i].amount_fen);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_funding_shares),
        cmocka_unit_test(test_one_fen_and_none),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_zero_weight),
        cmocka_unit_test(test_weights_change_the_split),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_random_properties),
        cmocka_unit_test(test_random_invariance),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
