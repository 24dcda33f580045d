/*
 * merkle.c - RFC 6962 Merkle trees: hashes, the append frontier, proofs
 * built from stored perfect nodes, and their checks; see merkle.h.
 *
 * Every range a proof needs is D[a:a+n] with a a multiple of the largest
 * power of two not above n.  Such a range is the perfect subtrees of the
 * set bits of n, largest first, and its hash folds them from the right:
 * the same shape as the frontier of a tree of n leaves, so one loop serves
 * both (subtree_hash, fold_frontier).  Proofs are walked top-down and then
 * reversed, so nothing recurses.  Checks follow RFC 9162 2.1.3.2 and
 * 2.1.4.2 step by step.
 */
#include "merkle.h"
#include "err.h"

#include "sha256.h"

#include <string.h>

static const uint8_t leaf_prefix = 0x00;
static const uint8_t node_prefix = 0x01;

void omb_merkle_leaf_hash(const void *data, size_t len, omb_hash out)
{
    omb_sha256_ctx st;
    omb_sha256_init(&st);
    omb_sha256_update(&st, &leaf_prefix, 1);
    if (len)
        omb_sha256_update(&st, data, len);
    omb_sha256_final(&st, out);
}

/* out may be left or right: both are read before out is written. */
void omb_merkle_node_hash(const omb_hash left, const omb_hash right, omb_hash out)
{
    uint8_t in[1 + 2 * OMB_HASH_LEN];
    in[0] = node_prefix;
    memcpy(in + 1, left, OMB_HASH_LEN);
    memcpy(in + 1 + OMB_HASH_LEN, right, OMB_HASH_LEN);
    omb_sha256(out, in, sizeof in);
}

void omb_merkle_empty_root(omb_hash out)
{
    omb_sha256(out, "", 0);
}

/* ---- bits ----------------------------------------------------------------- */

static bool is_pow2(uint64_t n)
{
    return n && !(n & (n - 1));
}

/* The largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

/* n with bits 0..l cleared: where the perfect subtree of bit l starts. */
static uint64_t above_bit(uint64_t n, unsigned l)
{
    return n & ~((UINT64_C(2) << l) - 1);
}

/* ---- appending ------------------------------------------------------------ */

void omb_merkle_frontier_init(omb_merkle_frontier *f)
{
    memset(f, 0, sizeof *f);
}

void omb_merkle_append(omb_merkle_frontier *f, const omb_hash leaf, omb_hash *done,
                       unsigned *n_done)
{
    uint64_t old = f->size;
    if (old == UINT64_MAX) {
        *n_done = 0;
        return;
    }
    memcpy(done[0], leaf, OMB_HASH_LEN);
    unsigned l = 0;
    while ((old >> l) & 1) {
        omb_merkle_node_hash(f->root[l], done[l], done[l + 1]);
        memset(f->root[l], 0, OMB_HASH_LEN);
        l++;
    }
    memcpy(f->root[l], done[l], OMB_HASH_LEN);
    f->size = old + 1;
    *n_done = l + 1;
}

/* Folds the hashes of the set bits of n, lowest first, into out: the root
 * of the range they cover.  hash_of(l) gives bit l's subtree. */
typedef int (*bit_hash_fn)(const void *ctx, unsigned l, omb_hash out);

static int fold_bits(uint64_t n, bit_hash_fn hash_of, const void *ctx, omb_hash out)
{
    bool first = true;
    for (unsigned l = 0; l < 64; l++) {
        if (!((n >> l) & 1))
            continue;
        omb_hash h;
        int rc = hash_of(ctx, l, first ? out : h);
        if (rc)
            return rc;
        if (!first)
            omb_merkle_node_hash(h, out, out);
        first = false;
    }
    return OMB_OK;
}

static int frontier_bit(const void *ctx, unsigned l, omb_hash out)
{
    const omb_merkle_frontier *f = ctx;
    memcpy(out, f->root[l], OMB_HASH_LEN);
    return OMB_OK;
}

void omb_merkle_frontier_root(const omb_merkle_frontier *f, omb_hash out)
{
    if (f->size == 0)
        omb_merkle_empty_root(out);
    else
        fold_bits(f->size, frontier_bit, f, out);
}

/* ---- hashes from stored nodes --------------------------------------------- */

typedef struct range {
    const omb_merkle_nodes *nodes;
    uint64_t start; /* first leaf */
    uint64_t n;     /* leaves */
} range;

static int range_bit(const void *ctx, unsigned l, omb_hash out)
{
    const range *r = ctx;
    uint64_t at = r->start + above_bit(r->n, l);
    return r->nodes->get(r->nodes->ctx, l, at >> l, out);
}

/* MTH(D[start:start+n]) for n >= 1 and start a multiple of the largest
 * power of two not above n (every range RFC 6962 proofs use). */
static int subtree_hash(const omb_merkle_nodes *nodes, uint64_t start, uint64_t n, omb_hash out)
{
    if (n == 0 || start & ((UINT64_C(1) << (63 - __builtin_clzll(n))) - 1) ||
        start > UINT64_MAX - n)
        return OMB_EINVAL;
    range r = {nodes, start, n};
    return fold_bits(n, range_bit, &r, out);
}

static bool nodes_ok(const omb_merkle_nodes *nodes)
{
    return nodes && nodes->get;
}

int omb_merkle_frontier_load(const omb_merkle_nodes *nodes, uint64_t size, omb_merkle_frontier *f)
{
    if (!nodes_ok(nodes) || !f)
        return OMB_EINVAL;
    omb_merkle_frontier_init(f);
    for (unsigned l = 0; l < 64; l++) {
        if (!((size >> l) & 1))
            continue;
        int rc = nodes->get(nodes->ctx, l, (size >> l) - 1, f->root[l]);
        if (rc) {
            omb_merkle_frontier_init(f);
            return rc;
        }
    }
    f->size = size;
    return OMB_OK;
}

int omb_merkle_root(const omb_merkle_nodes *nodes, uint64_t size, omb_hash out)
{
    if (!nodes_ok(nodes))
        return OMB_EINVAL;
    if (size == 0) {
        omb_merkle_empty_root(out);
        return OMB_OK;
    }
    return subtree_hash(nodes, 0, size, out);
}

/* ---- proofs --------------------------------------------------------------- */

static void reverse(omb_hash *path, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        omb_hash t;
        memcpy(t, path[i], OMB_HASH_LEN);
        memcpy(path[i], path[n - 1 - i], OMB_HASH_LEN);
        memcpy(path[n - 1 - i], t, OMB_HASH_LEN);
    }
}

/* PATH(m, D[start:start+n]) walked from the top: each step keeps the half
 * holding leaf m and records the other half's hash. */
int omb_merkle_inclusion_proof(const omb_merkle_nodes *nodes, uint64_t index, uint64_t size,
                               omb_hash *path, size_t *n_path)
{
    if (!nodes_ok(nodes) || !path || !n_path || index >= size)
        return OMB_EINVAL;
    uint64_t start = 0, n = size, m = index;
    size_t count = 0;
    while (n > 1) {
        uint64_t k = split_point(n);
        int rc;
        if (m < k) {
            rc = subtree_hash(nodes, start + k, n - k, path[count]);
            n = k;
        } else {
            rc = subtree_hash(nodes, start, k, path[count]);
            start += k;
            m -= k;
            n -= k;
        }
        if (rc)
            return rc;
        count++;
    }
    reverse(path, count);
    *n_path = count;
    return OMB_OK;
}

/* SUBPROOF(m, D[start:start+n], b) walked from the top; the hash that ends
 * a walk which left the old tree's right edge (b false) goes last, so it
 * comes first once the path is reversed. */
int omb_merkle_consistency_proof(const omb_merkle_nodes *nodes, uint64_t first, uint64_t second,
                                 omb_hash *path, size_t *n_path)
{
    if (!nodes_ok(nodes) || !path || !n_path || first == 0 || first > second)
        return OMB_EINVAL;
    uint64_t start = 0, n = second, m = first;
    bool whole = true; /* b: the subtree is a prefix of the old tree */
    size_t count = 0;
    int rc = OMB_OK;
    while (m != n) {
        uint64_t k = split_point(n);
        if (m <= k) {
            rc = subtree_hash(nodes, start + k, n - k, path[count]);
            n = k;
        } else {
            rc = subtree_hash(nodes, start, k, path[count]);
            start += k;
            m -= k;
            n -= k;
            whole = false;
        }
        if (rc)
            return rc;
        count++;
    }
    if (!whole) {
        rc = subtree_hash(nodes, start, n, path[count]);
        if (rc)
            return rc;
        count++;
    }
    reverse(path, count);
    *n_path = count;
    return OMB_OK;
}

/* ---- checking proofs ------------------------------------------------------ */

static bool hash_eq(const omb_hash a, const omb_hash b)
{
    return memcmp(a, b, OMB_HASH_LEN) == 0;
}

/* Right-shifts fn and sn together until fn's lowest bit is set or fn is 0. */
static void shift_to_set_bit(uint64_t *fn, uint64_t *sn)
{
    while (!(*fn & 1) && *fn != 0) {
        *fn >>= 1;
        *sn >>= 1;
    }
}

bool omb_merkle_verify_inclusion(const omb_hash leaf, uint64_t index, uint64_t size,
                                 const omb_hash *path, size_t n_path, const omb_hash root)
{
    if (index >= size || n_path > OMB_MERKLE_PROOF_MAX || (n_path && !path))
        return false;
    uint64_t fn = index, sn = size - 1;
    omb_hash r;
    memcpy(r, leaf, OMB_HASH_LEN);
    for (size_t i = 0; i < n_path; i++) {
        if (sn == 0)
            return false;
        if ((fn & 1) || fn == sn) {
            omb_merkle_node_hash(path[i], r, r);
            if (!(fn & 1))
                shift_to_set_bit(&fn, &sn);
        } else {
            omb_merkle_node_hash(r, path[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && hash_eq(r, root);
}

/* The proof as RFC 9162 2.1.4.2 reads it: first_root prepended when first
 * is a power of two. */
typedef struct cproof {
    const omb_hash *path;
    size_t n_path;
    const uint8_t *head; /* the prepended hash, or NULL */
} cproof;

static const uint8_t *cproof_at(const cproof *p, size_t i)
{
    if (p->head)
        return i == 0 ? p->head : p->path[i - 1];
    return p->path[i];
}

static size_t cproof_len(const cproof *p)
{
    return p->n_path + (p->head ? 1 : 0);
}

bool omb_merkle_verify_consistency(uint64_t first, uint64_t second, const omb_hash first_root,
                                   const omb_hash second_root, const omb_hash *path, size_t n_path)
{
    if (first == 0 || first > second || n_path > OMB_MERKLE_PROOF_MAX || (n_path && !path))
        return false;
    if (first == second)
        return n_path == 0 && hash_eq(first_root, second_root);
    if (n_path == 0)
        return false;
    cproof p = {path, n_path, is_pow2(first) ? first_root : NULL};
    uint64_t fn = first - 1, sn = second - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    omb_hash fr, sr;
    memcpy(fr, cproof_at(&p, 0), OMB_HASH_LEN);
    memcpy(sr, fr, OMB_HASH_LEN);
    for (size_t i = 1; i < cproof_len(&p); i++) {
        const uint8_t *c = cproof_at(&p, i);
        if (sn == 0)
            return false;
        if ((fn & 1) || fn == sn) {
            omb_merkle_node_hash(c, fr, fr);
            omb_merkle_node_hash(c, sr, sr);
            if (!(fn & 1))
                shift_to_set_bit(&fn, &sn);
        } else {
            omb_merkle_node_hash(sr, c, sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && hash_eq(fr, first_root) && hash_eq(sr, second_root);
}

/* ---- hex ------------------------------------------------------------------ */

void omb_hash_hex(const omb_hash h, char out[2 * OMB_HASH_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < OMB_HASH_LEN; i++) {
        out[2 * i] = digits[h[i] >> 4];
        out[2 * i + 1] = digits[h[i] & 15];
    }
    out[2 * OMB_HASH_LEN] = '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int omb_hash_parse(const char *hex, omb_hash out)
{
    if (!hex)
        return OMB_EINVAL;
    omb_hash h;
    for (size_t i = 0; i < OMB_HASH_LEN; i++) {
        int hi = hex_digit(hex[2 * i]);
        int lo = hi < 0 ? -1 : hex_digit(hex[2 * i + 1]);
        if (lo < 0)
            return OMB_EINVAL;
        h[i] = (uint8_t)(hi << 4 | lo);
    }
    if (hex[2 * OMB_HASH_LEN] != '\0')
        return OMB_EINVAL;
    memcpy(out, h, OMB_HASH_LEN);
    return OMB_OK;
}
