/*
 * test_merkle.c - unit tests for src/core/merkle.c, the RFC 6962 Merkle
 * tree of the evidence ledger.
 *
 * Published vectors: the leaf, node and empty hashes, the roots of the
 * eight certificate-transparency test leaves for sizes 0..8, and their
 * inclusion and consistency proofs, with the negative checks of the CT
 * verifier tests.  The seven-leaf example of RFC 6962 section 2.1.3 with
 * its audit paths and consistency proofs, node by node.  Random trees from
 * a fixed-seed generator (every size 1..300, and 1000, 1025, 4099): each
 * append's completed nodes against a naive MTH and n_done = 1 + trailing
 * ones; frontier root and frontier_load against the appended frontier;
 * roots, inclusion proofs (every leaf up to 100 leaves, a sample above) and
 * consistency proofs (every first size up to 64 leaves, a sample above)
 * against a naive recursive PATH and PROOF written here straight from the
 * RFC; the verifiers accept them and reject tampered ones (a flipped bit in
 * any hash, a hash dropped or added, wrong roots, wrong index or size).
 * The store never serves a node outside the tree asked about.  Refusals,
 * getter errors passed on at every read, 64-bit limits (a 65-hash
 * consistency proof, a full frontier), and hex.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/merkle.h"

#define N(a)    (sizeof(a) / sizeof((a)[0]))
#define MAXP    OMB_MERKLE_PROOF_MAX
#define MAXTREE 4099 /* 4096 + 3 leaves */

/* ---- helpers -------------------------------------------------------------- */

static void hex_to_hash(const char *hex, omb_hash out)
{
    if (omb_hash_parse(hex, out) != OMB_OK)
        fail_msg("bad hex in test: %s", hex);
}

static void expect_hash(const omb_hash got, const omb_hash want, const char *what)
{
    if (memcmp(got, want, OMB_HASH_LEN) != 0) {
        char g[65], w[65];
        omb_hash_hex(got, g);
        omb_hash_hex(want, w);
        fail_msg("%s: got %s, want %s", what, g, w);
    }
}

static void expect_hash_hex(const omb_hash got, const char *want, const char *what)
{
    omb_hash w;
    hex_to_hash(want, w);
    expect_hash(got, w, what);
}

static void expect_path(const omb_hash *got, size_t n_got, const omb_hash *want, size_t n_want,
                        const char *what)
{
    if (n_got != n_want)
        fail_msg("%s: %zu hashes, want %zu", what, n_got, n_want);
    for (size_t i = 0; i < n_want; i++)
        expect_hash(got[i], want[i], what);
}

/* ---- naive reference, straight from RFC 6962 section 2.1 ------------------ */

/* SHA-256 over one buffer, independent of the module's streaming hashes. */
static void naive_leaf(const uint8_t *d, size_t n, omb_hash out)
{
    uint8_t buf[1 + 64];
    assert_true(n <= 64);
    buf[0] = 0x00;
    memcpy(buf + 1, d, n);
    crypto_hash_sha256(out, buf, 1 + n);
}

static void naive_node(const omb_hash l, const omb_hash r, omb_hash out)
{
    uint8_t buf[1 + 2 * OMB_HASH_LEN];
    buf[0] = 0x01;
    memcpy(buf + 1, l, OMB_HASH_LEN);
    memcpy(buf + 1 + OMB_HASH_LEN, r, OMB_HASH_LEN);
    crypto_hash_sha256(out, buf, sizeof buf);
}

static uint64_t naive_k(uint64_t n)
{
    uint64_t k = 1;
    while (k < n - k) /* k * 2 < n, without overflow */
        k *= 2;
    return k;
}

/* MTH(D[n]) over leaf hashes. */
static void naive_mth(const omb_hash *d, uint64_t n, omb_hash out)
{
    if (n == 0) {
        crypto_hash_sha256(out, (const uint8_t *)"", 0);
        return;
    }
    if (n == 1) {
        memcpy(out, d[0], OMB_HASH_LEN);
        return;
    }
    uint64_t k = naive_k(n);
    omb_hash l, r;
    naive_mth(d, k, l);
    naive_mth(d + k, n - k, r);
    naive_node(l, r, out);
}

/* PATH(m, D[n]); left[i] says whether path[i] is a left sibling (may be NULL). */
static void naive_path(uint64_t m, const omb_hash *d, uint64_t n, omb_hash *path, bool *left,
                       size_t *len)
{
    if (n <= 1)
        return;
    uint64_t k = naive_k(n);
    if (m < k) {
        naive_path(m, d, k, path, left, len);
        if (path)
            naive_mth(d + k, n - k, path[*len]);
        if (left)
            left[*len] = false;
    } else {
        naive_path(m - k, d ? d + k : NULL, n - k, path, left, len);
        if (path)
            naive_mth(d, k, path[*len]);
        if (left)
            left[*len] = true;
    }
    (*len)++;
}

/* SUBPROOF(m, D[n], b); with d NULL only the length is counted. */
static void naive_subproof(uint64_t m, const omb_hash *d, uint64_t n, bool b, omb_hash *path,
                           size_t *len)
{
    if (m == n) {
        if (!b) {
            if (d)
                naive_mth(d, n, path[*len]);
            (*len)++;
        }
        return;
    }
    uint64_t k = naive_k(n);
    if (m <= k) {
        naive_subproof(m, d, k, b, path, len);
        if (d)
            naive_mth(d + k, n - k, path[*len]);
    } else {
        naive_subproof(m - k, d ? d + k : NULL, n - k, false, path, len);
        if (d)
            naive_mth(d, k, path[*len]);
    }
    (*len)++;
}

static size_t proof_len(uint64_t m, uint64_t n)
{
    size_t len = 0;
    naive_subproof(m, NULL, n, true, NULL, &len);
    return len;
}

/* The side of each sibling on the path of leaf m in a tree of n leaves. */
static size_t path_shape(uint64_t m, uint64_t n, bool *left)
{
    size_t len = 0;
    naive_path(m, NULL, n, NULL, left, &len);
    return len;
}

/* ---- an in-memory store of perfect nodes ---------------------------------- */

typedef struct store {
    omb_hash *level[OMB_MERKLE_LEVELS];
    bool *have[OMB_MERKLE_LEVELS];
    uint64_t cap[OMB_MERKLE_LEVELS];
    uint64_t limit; /* the tree size being asked about: no node beyond it */
    long reads;     /* getter calls */
    long fail_at;   /* the read (1-based) that fails with OMB_EIO; 0 none */
    long outside;   /* reads of nodes outside [0, limit) */
} store;

static void store_init(store *s, uint64_t leaves)
{
    memset(s, 0, sizeof *s);
    for (unsigned l = 0; l < OMB_MERKLE_LEVELS && (leaves >> l); l++) {
        s->cap[l] = leaves >> l;
        s->level[l] = calloc(s->cap[l], sizeof(omb_hash));
        s->have[l] = calloc(s->cap[l], sizeof(bool));
        assert_non_null(s->level[l]);
        assert_non_null(s->have[l]);
    }
}

static void store_free(store *s)
{
    for (unsigned l = 0; l < OMB_MERKLE_LEVELS; l++) {
        free(s->level[l]);
        free(s->have[l]);
    }
}

static void store_put(store *s, unsigned level, uint64_t index, const omb_hash h)
{
    assert_true(level < OMB_MERKLE_LEVELS && index < s->cap[level]);
    assert_false(s->have[level][index]); /* each node is completed once */
    memcpy(s->level[level][index], h, OMB_HASH_LEN);
    s->have[level][index] = true;
}

static int store_get(void *ctx, unsigned level, uint64_t index, omb_hash out)
{
    store *s = ctx;
    s->reads++;
    if (s->fail_at && s->reads == s->fail_at)
        return OMB_EIO;
    if (level >= 64 || index >= (s->limit >> level)) {
        s->outside++;
        return OMB_ENOTFOUND;
    }
    if (index >= s->cap[level] || !s->have[level][index])
        return OMB_ENOTFOUND;
    memcpy(out, s->level[level][index], OMB_HASH_LEN);
    return OMB_OK;
}

static omb_merkle_nodes store_nodes(store *s)
{
    return (omb_merkle_nodes){store_get, s};
}

/* Appends one leaf hash, checks and stores the completed nodes. */
static void append_checked(store *s, omb_merkle_frontier *f, const omb_hash *d, uint64_t i)
{
    omb_hash done[OMB_MERKLE_LEVELS];
    unsigned n_done = 0;
    assert_int_equal(f->size, i);
    omb_merkle_append(f, d[i], done, &n_done);
    assert_int_equal(f->size, i + 1);
    assert_int_equal(n_done, 1 + (unsigned)__builtin_ctzll(~i));
    for (unsigned l = 0; l < n_done; l++) {
        uint64_t width = UINT64_C(1) << l, index = i >> l;
        omb_hash want;
        naive_mth(d + index * width, width, want);
        expect_hash(done[l], want, "completed node");
        store_put(s, l, index, done[l]);
    }
}

/* ---- certificate-transparency vectors ------------------------------------- */

/* Leaves from google/certificate-transparency cpp/merkletree/merkle_tree_test.cc
 * (kInputs) and transparency-dev/merkle testonly/constants.go (LeafInputs). */
static const struct {
    const uint8_t *d;
    size_t n;
} ct_leaves[8] = {
    {(const uint8_t *)"", 0},
    {(const uint8_t *)"\x00", 1},
    {(const uint8_t *)"\x10", 1},
    {(const uint8_t *)"\x20\x21", 2},
    {(const uint8_t *)"\x30\x31", 2},
    {(const uint8_t *)"\x40\x41\x42\x43", 4},
    {(const uint8_t *)"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
    {(const uint8_t *)"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16},
};

/* kSHA256Roots / RootHashes(): MTH of the first n leaves, n = 0..8. */
static const char *const ct_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

#define H_96A2 "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
#define H_5F08 "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
#define H_6B47 "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
#define H_BC1A "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
#define H_CA85 "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
#define H_D37E "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
#define H_FAC5 "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
#define H_6E34 "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
#define H_0EBC "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"

typedef struct vector {
    uint64_t a, b; /* leaf index and size, or first and second size */
    size_t n;
    const char *hex[3];
} vector;

/* kSHA256Paths (1-based leaves there: 1, 6, 3, 2) and refInclusionProof's
 * table in transparency-dev/merkle testonly/reference_test.go. */
static const vector ct_paths[] = {
    {0, 1, 0, {NULL}},
    {0, 2, 1, {H_96A2}},
    {1, 2, 1, {H_6E34}},
    {0, 8, 3, {H_96A2, H_5F08, H_6B47}},
    {5, 8, 3, {H_BC1A, H_CA85, H_D37E}},
    {2, 3, 1, {H_FAC5}},
    {1, 5, 3, {H_6E34, H_5F08, H_BC1A}},
};

/* kSHA256Proofs. */
static const vector ct_proofs[] = {
    {1, 1, 0, {NULL}},
    {1, 8, 3, {H_96A2, H_5F08, H_6B47}},
    {6, 8, 3, {H_0EBC, H_CA85, H_D37E}},
    {2, 5, 2, {H_5F08, H_BC1A}},
};

typedef struct ct_tree {
    omb_hash d[8];
    store s;
    omb_merkle_frontier f;
} ct_tree;

static void ct_tree_build(ct_tree *t)
{
    store_init(&t->s, 8);
    omb_merkle_frontier_init(&t->f);
    for (uint64_t i = 0; i < 8; i++) {
        omb_merkle_leaf_hash(ct_leaves[i].d, ct_leaves[i].n, t->d[i]);
        append_checked(&t->s, &t->f, t->d, i);
    }
    t->s.limit = 8;
}

static void vector_path(const vector *v, omb_hash *out)
{
    for (size_t i = 0; i < v->n; i++)
        hex_to_hash(v->hex[i], out[i]);
}

static void test_hashes(void **state)
{
    (void)state;
    omb_hash h;
    omb_merkle_empty_root(h);
    expect_hash_hex(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty");
    omb_merkle_leaf_hash("", 0, h);
    expect_hash_hex(h, H_6E34, "leaf of empty data");
    omb_merkle_leaf_hash(NULL, 0, h);
    expect_hash_hex(h, H_6E34, "leaf of NULL, 0");
    omb_merkle_leaf_hash("\x00", 1, h);
    expect_hash_hex(h, H_96A2, "leaf 00");
    /* transparency-dev/merkle rfc6962/rfc6962_test.go */
    omb_merkle_leaf_hash("L123456", 7, h);
    expect_hash_hex(h, "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56",
                    "leaf L123456");
    omb_hash a, b;
    hex_to_hash(H_6E34, a);
    hex_to_hash(H_96A2, b);
    omb_merkle_node_hash(a, b, h);
    expect_hash_hex(h, ct_roots[2], "node of the first two leaves");
    /* the output may be either input */
    omb_merkle_node_hash(a, b, a);
    expect_hash_hex(a, ct_roots[2], "node into its left input");
    hex_to_hash(H_6E34, a);
    omb_merkle_node_hash(a, b, b);
    expect_hash_hex(b, ct_roots[2], "node into its right input");
}

static void test_ct_roots(void **state)
{
    (void)state;
    ct_tree t;
    store_init(&t.s, 8);
    omb_merkle_frontier_init(&t.f);
    omb_hash root;
    omb_merkle_frontier_root(&t.f, root);
    expect_hash_hex(root, ct_roots[0], "frontier root of 0 leaves");
    for (uint64_t n = 1; n <= 8; n++) {
        omb_merkle_leaf_hash(ct_leaves[n - 1].d, ct_leaves[n - 1].n, t.d[n - 1]);
        append_checked(&t.s, &t.f, t.d, n - 1);
        t.s.limit = n;
        omb_merkle_frontier_root(&t.f, root);
        expect_hash_hex(root, ct_roots[n], "frontier root");
    }
    omb_merkle_nodes nodes = store_nodes(&t.s);
    for (uint64_t n = 0; n <= 8; n++) {
        t.s.limit = n;
        assert_int_equal(omb_merkle_root(&nodes, n, root), OMB_OK);
        expect_hash_hex(root, ct_roots[n], "root from stored nodes");
    }
    assert_int_equal(t.s.outside, 0);
    store_free(&t.s);
}

/* The CT verifier's negative checks for one inclusion proof. */
static void ct_inclusion_negatives(const omb_hash leaf, uint64_t i, uint64_t n,
                                   const omb_hash *path, size_t len, const omb_hash root)
{
    omb_hash empty, wrong_leaf, bad[MAXP + 1];
    omb_merkle_empty_root(empty);
    omb_merkle_leaf_hash("WrongLeaf", 9, wrong_leaf);
    assert_false(omb_merkle_verify_inclusion(leaf, i - 1, n, path, len, root));
    assert_false(omb_merkle_verify_inclusion(leaf, i + 1, n, path, len, root));
    assert_false(omb_merkle_verify_inclusion(leaf, i ^ 2, n, path, len, root));
    assert_false(omb_merkle_verify_inclusion(leaf, i, n * 2, path, len, root));
    assert_false(omb_merkle_verify_inclusion(leaf, i, n / 2, path, len, root));
    assert_false(omb_merkle_verify_inclusion(wrong_leaf, i, n, path, len, root));
    assert_false(omb_merkle_verify_inclusion(leaf, i, n, path, len, empty));
    for (size_t j = 0; j < len; j++) {
        memcpy(bad, path, len * sizeof(omb_hash));
        memcpy(bad[j], empty, OMB_HASH_LEN);
        assert_false(omb_merkle_verify_inclusion(leaf, i, n, bad, len, root));
    }
    memcpy(bad, path, len * sizeof(omb_hash));
    memcpy(bad[len], root, OMB_HASH_LEN);
    assert_false(omb_merkle_verify_inclusion(leaf, i, n, bad, len + 1, root));
    if (len)
        assert_false(omb_merkle_verify_inclusion(leaf, i, n, path, len - 1, root));
    memcpy(bad[0], root, OMB_HASH_LEN);
    memcpy(bad + 1, path, len * sizeof(omb_hash));
    assert_false(omb_merkle_verify_inclusion(leaf, i, n, bad, len + 1, root));
}

static void test_ct_inclusion(void **state)
{
    (void)state;
    ct_tree t;
    ct_tree_build(&t);
    omb_merkle_nodes nodes = store_nodes(&t.s);
    for (size_t v = 0; v < N(ct_paths); v++) {
        const vector *vec = &ct_paths[v];
        omb_hash want[3], got[MAXP], root;
        size_t len = 99;
        vector_path(vec, want);
        t.s.limit = vec->b;
        assert_int_equal(omb_merkle_inclusion_proof(&nodes, vec->a, vec->b, got, &len), OMB_OK);
        expect_path(got, len, want, vec->n, "CT inclusion proof");
        hex_to_hash(ct_roots[vec->b], root);
        assert_true(omb_merkle_verify_inclusion(t.d[vec->a], vec->a, vec->b, want, vec->n, root));
        if (vec->n)
            ct_inclusion_negatives(t.d[vec->a], vec->a, vec->b, want, vec->n, root);
    }
    assert_int_equal(t.s.outside, 0);
    store_free(&t.s);
}

/* The CT verifier's negative checks for one consistency proof. */
static void ct_consistency_negatives(uint64_t m, uint64_t n, const omb_hash *p, size_t len,
                                     const omb_hash r1, const omb_hash r2)
{
    omb_hash empty, bad[MAXP + 1];
    omb_merkle_empty_root(empty);
    assert_false(omb_merkle_verify_consistency(m - 1, n, r1, r2, p, len));
    assert_false(omb_merkle_verify_consistency(m + 1, n, r1, r2, p, len));
    assert_false(omb_merkle_verify_consistency(m ^ 2, n, r1, r2, p, len));
    assert_false(omb_merkle_verify_consistency(m, n * 2, r1, r2, p, len));
    assert_false(omb_merkle_verify_consistency(m, n / 2, r1, r2, p, len));
    assert_false(omb_merkle_verify_consistency(m, n, r1, empty, p, len));
    assert_false(omb_merkle_verify_consistency(m, n, empty, r2, p, len));
    assert_false(omb_merkle_verify_consistency(m, n, r2, r1, p, len));
    assert_false(omb_merkle_verify_consistency(m, n, r1, r2, p, 0));
    for (size_t j = 0; j < len; j++) {
        memcpy(bad, p, len * sizeof(omb_hash));
        memcpy(bad[j], empty, OMB_HASH_LEN);
        assert_false(omb_merkle_verify_consistency(m, n, r1, r2, bad, len));
    }
    memcpy(bad, p, len * sizeof(omb_hash));
    memcpy(bad[len], p[len - 1], OMB_HASH_LEN);
    assert_false(omb_merkle_verify_consistency(m, n, r1, r2, bad, len + 1));
    assert_false(omb_merkle_verify_consistency(m, n, r1, r2, p, len - 1));
    memcpy(bad[0], empty, OMB_HASH_LEN);
    memcpy(bad + 1, p, len * sizeof(omb_hash));
    assert_false(omb_merkle_verify_consistency(m, n, r1, r2, bad, len + 1));
    memcpy(bad[0], p[0], OMB_HASH_LEN);
    assert_false(omb_merkle_verify_consistency(m, n, r1, r2, bad, len + 1));
}

static void test_ct_consistency(void **state)
{
    (void)state;
    ct_tree t;
    ct_tree_build(&t);
    omb_merkle_nodes nodes = store_nodes(&t.s);
    for (size_t v = 0; v < N(ct_proofs); v++) {
        const vector *vec = &ct_proofs[v];
        omb_hash want[3], got[MAXP], r1, r2;
        size_t len = 99;
        vector_path(vec, want);
        t.s.limit = vec->b;
        assert_int_equal(omb_merkle_consistency_proof(&nodes, vec->a, vec->b, got, &len), OMB_OK);
        expect_path(got, len, want, vec->n, "CT consistency proof");
        hex_to_hash(ct_roots[vec->a], r1);
        hex_to_hash(ct_roots[vec->b], r2);
        assert_true(omb_merkle_verify_consistency(vec->a, vec->b, r1, r2, want, vec->n));
        if (vec->n)
            ct_consistency_negatives(vec->a, vec->b, want, vec->n, r1, r2);
    }
    assert_int_equal(t.s.outside, 0);
    store_free(&t.s);
}

/* ---- RFC 6962 section 2.1.3: the seven-leaf example ----------------------- */

static void test_rfc_seven_leaves(void **state)
{
    (void)state;
    ct_tree t;
    ct_tree_build(&t);
    t.s.limit = 7;
    omb_merkle_nodes nodes = store_nodes(&t.s);
    /* a..f are the leaves d0..d5, j is d6; g, h, i, k, l their parents */
    omb_hash a, b, c, d, e, f, g, h, i, j, k, l, root;
    memcpy(a, t.d[0], 32), memcpy(b, t.d[1], 32), memcpy(c, t.d[2], 32);
    memcpy(d, t.d[3], 32), memcpy(e, t.d[4], 32), memcpy(f, t.d[5], 32);
    memcpy(j, t.d[6], 32);
    naive_node(a, b, g), naive_node(c, d, h), naive_node(e, f, i);
    naive_node(g, h, k), naive_node(i, j, l), naive_node(k, l, root);
    expect_hash_hex(root, ct_roots[7], "seven-leaf root");

    static const struct {
        uint64_t leaf;
        size_t n;
        char names[4];
    } paths[] = {{0, 3, "bhl"}, {3, 3, "cgl"}, {4, 3, "fjk"}, {6, 2, "ik"}};
    static const struct {
        uint64_t m;
        size_t n;
        char names[5];
    } proofs[] = {{3, 4, "cdgl"}, {4, 1, "l"}, {6, 3, "ijk"}};
    const uint8_t *by_name[12] = {a, b, c, d, e, f, g, h, i, j, k, l};
    omb_hash want[4], got[MAXP];
    size_t len;

    for (size_t p = 0; p < N(paths); p++) {
        for (size_t x = 0; x < paths[p].n; x++)
            memcpy(want[x], by_name[paths[p].names[x] - 'a'], 32);
        assert_int_equal(omb_merkle_inclusion_proof(&nodes, paths[p].leaf, 7, got, &len), OMB_OK);
        expect_path(got, len, want, paths[p].n, paths[p].names);
        assert_true(
            omb_merkle_verify_inclusion(t.d[paths[p].leaf], paths[p].leaf, 7, got, len, root));
    }
    for (size_t p = 0; p < N(proofs); p++) {
        for (size_t x = 0; x < proofs[p].n; x++)
            memcpy(want[x], by_name[proofs[p].names[x] - 'a'], 32);
        assert_int_equal(omb_merkle_consistency_proof(&nodes, proofs[p].m, 7, got, &len), OMB_OK);
        expect_path(got, len, want, proofs[p].n, proofs[p].names);
        omb_hash old;
        naive_mth(t.d, proofs[p].m, old);
        assert_true(omb_merkle_verify_consistency(proofs[p].m, 7, old, root, got, len));
    }
    /* hash0 of the three-leaf tree is H(g, c) */
    omb_hash hash0, r3;
    naive_node(g, c, hash0);
    assert_int_equal(omb_merkle_root(&nodes, 3, r3), OMB_OK);
    expect_hash(r3, hash0, "root of D[3]");
    assert_int_equal(t.s.outside, 0);
    store_free(&t.s);
}

/* ---- random trees --------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    /* splitmix64 */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

typedef struct world {
    omb_hash *d; /* leaf hashes */
    store s;
    omb_merkle_nodes nodes;
    uint64_t rng;
    long inclusion_checked, consistency_checked, size_rejections;
} world;

/* Tampered inclusion proofs: every one must be refused. */
static void inclusion_tamper(const world *w, uint64_t i, uint64_t n, const omb_hash *p, size_t len,
                             const omb_hash root)
{
    omb_hash bad[MAXP + 1];
    const uint8_t *leaf = w->d[i];
    for (size_t j = 0; j < len; j++) {
        unsigned bit = (unsigned)(i * 31 + j * 37) % 256; /* one bit, somewhere */
        memcpy(bad, p, len * sizeof(omb_hash));
        bad[j][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_false(omb_merkle_verify_inclusion(leaf, i, n, bad, len, root));
    }
    if (len) {
        assert_false(omb_merkle_verify_inclusion(leaf, i, n, p, len - 1, root));
        assert_false(omb_merkle_verify_inclusion(leaf, i, n, p + 1, len - 1, root));
    }
    memcpy(bad, p, len * sizeof(omb_hash));
    memcpy(bad[len], w->d[0], OMB_HASH_LEN);
    assert_false(omb_merkle_verify_inclusion(leaf, i, n, bad, len + 1, root));
    omb_hash wrong;
    memcpy(wrong, root, OMB_HASH_LEN);
    wrong[31] ^= 1;
    assert_false(omb_merkle_verify_inclusion(leaf, i, n, p, len, wrong));
    memcpy(wrong, leaf, OMB_HASH_LEN);
    wrong[0] ^= 0x80;
    assert_false(omb_merkle_verify_inclusion(wrong, i, n, p, len, root));
}

/* Another index or size keeps the hashes: the check passes exactly when the
 * siblings sit on the same sides (the claimed position is not hashed). */
static void inclusion_moved(uint64_t i, uint64_t n, const omb_hash *leaf, const omb_hash *p,
                            size_t len, const omb_hash root)
{
    bool side[MAXP], other[MAXP];
    size_t got = path_shape(i, n, side);
    assert_int_equal(got, len);
    const uint64_t idx[] = {i - 1, i + 1, i ^ 1, i ^ 2, i, i, i, i, i + 1};
    const uint64_t size[] = {n, n, n, n, n - 1, n + 1, n * 2, n / 2, n + 1};
    for (size_t c = 0; c < N(idx); c++) {
        if (idx[c] == i && size[c] == n)
            continue;
        bool expect = false;
        if (idx[c] < size[c]) {
            size_t olen = path_shape(idx[c], size[c], other);
            expect = olen == len && memcmp(side, other, len * sizeof(bool)) == 0;
        }
        if (omb_merkle_verify_inclusion(*leaf, idx[c], size[c], p, len, root) != expect)
            fail_msg("leaf %" PRIu64 " of %" PRIu64 " checked as %" PRIu64 " of %" PRIu64
                     ": want %d",
                     i, n, idx[c], size[c], expect);
    }
}

static void check_inclusion(world *w, uint64_t i, uint64_t n, const omb_hash root)
{
    omb_hash got[MAXP], want[MAXP];
    size_t len = 0, wlen = 0;
    assert_int_equal(omb_merkle_inclusion_proof(&w->nodes, i, n, got, &len), OMB_OK);
    naive_path(i, w->d, n, want, NULL, &wlen);
    expect_path(got, len, want, wlen, "inclusion proof");
    assert_true(omb_merkle_verify_inclusion(w->d[i], i, n, got, len, root));
    inclusion_tamper(w, i, n, got, len, root);
    inclusion_moved(i, n, &w->d[i], got, len, root);
    w->inclusion_checked++;
}

/* Tampered consistency proofs: every one must be refused. */
static void consistency_tamper(const omb_hash *p, size_t len, uint64_t m, uint64_t n,
                               const omb_hash r1, const omb_hash r2)
{
    omb_hash bad[MAXP + 1], wrong;
    for (size_t j = 0; j < len; j++) {
        memcpy(bad, p, len * sizeof(omb_hash));
        bad[j][j % 32] ^= 0x10;
        assert_false(omb_merkle_verify_consistency(m, n, r1, r2, bad, len));
    }
    assert_false(omb_merkle_verify_consistency(m, n, r1, r2, p, len - 1));
    assert_false(omb_merkle_verify_consistency(m, n, r1, r2, p + 1, len - 1));
    memcpy(bad, p, len * sizeof(omb_hash));
    memcpy(bad[len], r1, OMB_HASH_LEN);
    assert_false(omb_merkle_verify_consistency(m, n, r1, r2, bad, len + 1));
    memcpy(bad[0], r1, OMB_HASH_LEN);
    memcpy(bad + 1, p, len * sizeof(omb_hash));
    assert_false(omb_merkle_verify_consistency(m, n, r1, r2, bad, len + 1));
    memcpy(wrong, r1, OMB_HASH_LEN);
    wrong[7] ^= 4;
    assert_false(omb_merkle_verify_consistency(m, n, wrong, r2, p, len));
    memcpy(wrong, r2, OMB_HASH_LEN);
    wrong[9] ^= 4;
    assert_false(omb_merkle_verify_consistency(m, n, r1, wrong, p, len));
    assert_false(omb_merkle_verify_consistency(m, n, r2, r1, p, len));
}

/* Other sizes with the same hashes: refused whenever they call for a proof
 * of another length (with the same length a different tree of those sizes
 * can have these roots, e.g. 4 leaves read as 3 whose last is a node). */
static void consistency_moved(world *w, uint64_t m, uint64_t n, const omb_hash *p, size_t len,
                              const omb_hash r1, const omb_hash r2)
{
    const uint64_t a[] = {m - 1, m + 1, m ^ 2, m, m, m, m};
    const uint64_t b[] = {n, n, n, n - 1, n + 1, n * 2, n / 2};
    for (size_t c = 0; c < N(a); c++) {
        if ((a[c] == m && b[c] == n) || a[c] == 0 || a[c] > b[c])
            continue;
        if (a[c] == b[c] || proof_len(a[c], b[c]) != len) {
            assert_false(omb_merkle_verify_consistency(a[c], b[c], r1, r2, p, len));
            w->size_rejections++;
        }
    }
}

static void check_consistency(world *w, uint64_t m, uint64_t n, const omb_hash r2)
{
    omb_hash got[MAXP], want[MAXP], r1;
    size_t len = 0, wlen = 0;
    assert_int_equal(omb_merkle_consistency_proof(&w->nodes, m, n, got, &len), OMB_OK);
    naive_subproof(m, w->d, n, true, want, &wlen);
    expect_path(got, len, want, wlen, "consistency proof");
    naive_mth(w->d, m, r1);
    assert_true(omb_merkle_verify_consistency(m, n, r1, r2, got, len));
    if (m < n) {
        consistency_tamper(got, len, m, n, r1, r2);
        consistency_moved(w, m, n, got, len, r1, r2);
    } else {
        assert_int_equal(len, 0);
    }
    w->consistency_checked++;
}

/* The leaves (lo 0) or first sizes (lo 1) to check in a tree of n leaves:
 * all of them up to all_upto leaves, else the ends, the middle, some at
 * random and, in the large trees, those around each power of two. */
static size_t pick(world *w, uint64_t n, uint64_t lo, uint64_t all_upto, uint64_t *out)
{
    size_t k = 0;
    if (n <= all_upto) {
        for (uint64_t x = lo; x < n + lo; x++)
            out[k++] = x;
        return k;
    }
    const uint64_t fixed[] = {lo, lo + 1, n / 2, n + lo - 2, n + lo - 1};
    for (size_t i = 0; i < N(fixed); i++)
        out[k++] = fixed[i];
    for (uint64_t p = 2; n > 300 && p + 1 < n; p *= 2) {
        out[k++] = p - 1;
        out[k++] = p;
        out[k++] = p + 1;
    }
    for (int i = 0; i < 8; i++)
        out[k++] = lo + rng_next(&w->rng) % n;
    return k;
}

static void check_size(world *w, uint64_t n)
{
    omb_hash root, want;
    w->s.limit = n;
    assert_int_equal(omb_merkle_root(&w->nodes, n, root), OMB_OK);
    naive_mth(w->d, n, want);
    expect_hash(root, want, "root");
    uint64_t which[128];
    size_t k = pick(w, n, 0, 100, which);
    for (size_t i = 0; i < k; i++)
        check_inclusion(w, which[i], n, root);
    k = pick(w, n, 1, 64, which);
    for (size_t i = 0; i < k; i++)
        check_consistency(w, which[i], n, root);
}

static bool checked_size(uint64_t n)
{
    return n <= 300 || n == 1000 || n == 1025 || n == MAXTREE;
}

static void test_random_trees(void **state)
{
    (void)state;
    world w;
    memset(&w, 0, sizeof w);
    w.rng = 0x6f6d627564ULL; /* "ombud" */
    w.d = calloc(MAXTREE, sizeof(omb_hash));
    assert_non_null(w.d);
    store_init(&w.s, MAXTREE);
    w.nodes = store_nodes(&w.s);
    omb_merkle_frontier f, loaded;
    omb_merkle_frontier_init(&f);
    for (uint64_t n = 1; n <= MAXTREE; n++) {
        uint8_t data[40];
        size_t len = rng_next(&w.rng) % sizeof data;
        for (size_t i = 0; i < len; i++)
            data[i] = (uint8_t)rng_next(&w.rng);
        omb_merkle_leaf_hash(data, len, w.d[n - 1]);
        omb_hash nl;
        naive_leaf(data, len, nl);
        expect_hash(w.d[n - 1], nl, "leaf hash");
        append_checked(&w.s, &f, w.d, n - 1);
        w.s.limit = n;
        /* the frontier: loaded from stored nodes, and its root */
        assert_int_equal(omb_merkle_frontier_load(&w.nodes, n, &loaded), OMB_OK);
        assert_memory_equal(&loaded, &f, sizeof f);
        omb_hash fr, r;
        omb_merkle_frontier_root(&f, fr);
        assert_int_equal(omb_merkle_root(&w.nodes, n, r), OMB_OK);
        expect_hash(fr, r, "frontier root");
        if (checked_size(n))
            check_size(&w, n);
    }
    assert_int_equal(w.s.outside, 0);
    print_message("  %ld inclusion and %ld consistency proofs, %ld size mismatches refused\n",
                  w.inclusion_checked, w.consistency_checked, w.size_rejections);
    store_free(&w.s);
    free(w.d);
}

/* ---- refusals and getter errors ------------------------------------------- */

static void test_refusals(void **state)
{
    (void)state;
    ct_tree t;
    ct_tree_build(&t);
    omb_merkle_nodes nodes = store_nodes(&t.s), no_get = {NULL, NULL};
    omb_hash p[MAXP], r, leaf;
    size_t len = 77;
    assert_int_equal(omb_merkle_inclusion_proof(&nodes, 8, 8, p, &len), OMB_EINVAL);
    assert_int_equal(omb_merkle_inclusion_proof(&nodes, 9, 8, p, &len), OMB_EINVAL);
    assert_int_equal(omb_merkle_inclusion_proof(&nodes, 0, 0, p, &len), OMB_EINVAL);
    assert_int_equal(omb_merkle_inclusion_proof(NULL, 0, 1, p, &len), OMB_EINVAL);
    assert_int_equal(omb_merkle_inclusion_proof(&no_get, 0, 1, p, &len), OMB_EINVAL);
    assert_int_equal(omb_merkle_consistency_proof(&nodes, 0, 8, p, &len), OMB_EINVAL);
    assert_int_equal(omb_merkle_consistency_proof(&nodes, 0, 0, p, &len), OMB_EINVAL);
    assert_int_equal(omb_merkle_consistency_proof(&nodes, 5, 4, p, &len), OMB_EINVAL);
    assert_int_equal(omb_merkle_consistency_proof(NULL, 1, 4, p, &len), OMB_EINVAL);
    assert_int_equal(len, 77);
    assert_int_equal(omb_merkle_root(NULL, 1, r), OMB_EINVAL);
    omb_merkle_frontier f;
    assert_int_equal(omb_merkle_frontier_load(NULL, 1, &f), OMB_EINVAL);
    /* a first size of 0 or above the second is refused; equal sizes need
     * equal roots and no hashes */
    omb_hash r3, r4;
    hex_to_hash(ct_roots[3], r3);
    hex_to_hash(ct_roots[4], r4);
    assert_true(omb_merkle_verify_consistency(3, 3, r3, r3, p, 0));
    assert_false(omb_merkle_verify_consistency(3, 3, r3, r4, p, 0));
    assert_false(omb_merkle_verify_consistency(3, 3, r3, r3, &r3, 1));
    assert_false(omb_merkle_verify_consistency(0, 0, r3, r3, p, 0));
    assert_false(omb_merkle_verify_consistency(0, 4, r3, r4, p, 0));
    assert_false(omb_merkle_verify_consistency(4, 3, r4, r3, p, 0));
    assert_false(omb_merkle_verify_consistency(3, 4, r3, r4, p, 0));
    assert_false(omb_merkle_verify_consistency(3, 4, r3, r4, p, MAXP + 1));
    /* inclusion: the index must be inside the tree */
    hex_to_hash(H_6E34, leaf);
    assert_true(omb_merkle_verify_inclusion(leaf, 0, 1, p, 0, leaf));
    assert_false(omb_merkle_verify_inclusion(leaf, 0, 0, p, 0, leaf));
    assert_false(omb_merkle_verify_inclusion(leaf, 1, 1, p, 0, leaf));
    assert_false(omb_merkle_verify_inclusion(leaf, 2, 1, p, 0, leaf));
    assert_false(omb_merkle_verify_inclusion(leaf, 0, 1, p, MAXP + 1, leaf));
    store_free(&t.s);
}

/* Runs every reading function against a store failing at read k; returns
 * how many reads the call needed when nothing failed. */
typedef int (*reader_fn)(omb_merkle_nodes *nodes);

static int read_root(omb_merkle_nodes *nodes)
{
    omb_hash r;
    return omb_merkle_root(nodes, 27, r);
}

static int read_load(omb_merkle_nodes *nodes)
{
    omb_merkle_frontier f;
    return omb_merkle_frontier_load(nodes, 27, &f);
}

static int read_inclusion(omb_merkle_nodes *nodes)
{
    omb_hash p[MAXP];
    size_t len;
    return omb_merkle_inclusion_proof(nodes, 12, 27, p, &len);
}

static int read_consistency(omb_merkle_nodes *nodes)
{
    omb_hash p[MAXP];
    size_t len;
    return omb_merkle_consistency_proof(nodes, 11, 27, p, &len);
}

static void test_getter_errors(void **state)
{
    (void)state;
    store s;
    store_init(&s, 32);
    omb_hash d[32];
    omb_merkle_frontier f;
    omb_merkle_frontier_init(&f);
    for (uint64_t i = 0; i < 32; i++) {
        uint8_t b = (uint8_t)i;
        omb_merkle_leaf_hash(&b, 1, d[i]);
        append_checked(&s, &f, d, i);
    }
    omb_merkle_nodes nodes = store_nodes(&s);
    reader_fn readers[] = {read_root, read_load, read_inclusion, read_consistency};
    for (size_t r = 0; r < N(readers); r++) {
        s.limit = 27;
        s.fail_at = 0;
        s.reads = 0;
        assert_int_equal(readers[r](&nodes), OMB_OK);
        long needed = s.reads;
        assert_true(needed > 0);
        for (long k = 1; k <= needed; k++) {
            s.reads = 0;
            s.fail_at = k;
            assert_int_equal(readers[r](&nodes), OMB_EIO);
        }
        /* a node the store lacks: its not-found is passed on */
        s.fail_at = 0;
        s.have[0][26] = false;
        s.have[1][12] = false;
        s.have[0][25] = false;
        s.have[2][6] = false;
        s.have[3][2] = false;
        s.have[4][0] = false;
        s.have[4][1] = false;
        assert_int_equal(readers[r](&nodes), OMB_ENOTFOUND);
        s.have[0][26] = s.have[1][12] = s.have[0][25] = true;
        s.have[2][6] = s.have[3][2] = s.have[4][0] = s.have[4][1] = true;
    }
    /* a failed load leaves an empty frontier */
    s.limit = 27;
    s.reads = 0;
    s.fail_at = 2;
    assert_int_equal(omb_merkle_frontier_load(&nodes, 27, &f), OMB_EIO);
    omb_merkle_frontier empty;
    omb_merkle_frontier_init(&empty);
    assert_memory_equal(&f, &empty, sizeof f);
    store_free(&s);
}

/* ---- 64-bit limits -------------------------------------------------------- */

/* A tree whose leaves are all the same: node (l, i) is t[l] for every i. */
typedef struct uniform {
    omb_hash t[OMB_MERKLE_LEVELS];
    long reads;
} uniform;

static int uniform_get(void *ctx, unsigned level, uint64_t index, omb_hash out)
{
    uniform *u = ctx;
    (void)index;
    u->reads++;
    if (level >= OMB_MERKLE_LEVELS)
        return OMB_EINVAL;
    memcpy(out, u->t[level], OMB_HASH_LEN);
    return OMB_OK;
}

static void test_limits(void **state)
{
    (void)state;
    uniform u = {.reads = 0};
    omb_merkle_leaf_hash("x", 1, u.t[0]);
    for (unsigned l = 1; l < OMB_MERKLE_LEVELS; l++)
        naive_node(u.t[l - 1], u.t[l - 1], u.t[l]);
    omb_merkle_nodes nodes = {uniform_get, &u};
    const uint64_t max = UINT64_MAX, m = 0xaaaaaaaaaaaaaaabULL;
    omb_hash p[MAXP], r1, r2;
    size_t len = 0;

    assert_int_equal(omb_merkle_root(&nodes, max, r2), OMB_OK);
    assert_int_equal(omb_merkle_root(&nodes, m, r1), OMB_OK);
    assert_int_equal(omb_merkle_consistency_proof(&nodes, m, max, p, &len), OMB_OK);
    assert_int_equal(len, 65);
    assert_int_equal(proof_len(m, max), 65);
    assert_true(omb_merkle_verify_consistency(m, max, r1, r2, p, len));
    assert_false(omb_merkle_verify_consistency(m, max, r1, r2, p, len - 1));

    /* the last leaf sits alone under 63 siblings; those of the first half
     * have 64 */
    assert_int_equal(omb_merkle_inclusion_proof(&nodes, max - 1, max, p, &len), OMB_OK);
    assert_int_equal(len, 63);
    assert_true(omb_merkle_verify_inclusion(u.t[0], max - 1, max, p, len, r2));
    assert_int_equal(omb_merkle_inclusion_proof(&nodes, max >> 1, max, p, &len), OMB_OK);
    assert_int_equal(len, 64);
    assert_true(omb_merkle_verify_inclusion(u.t[0], max >> 1, max, p, len, r2));
    assert_int_equal(omb_merkle_inclusion_proof(&nodes, 0, max, p, &len), OMB_OK);
    assert_int_equal(len, 64);
    assert_true(omb_merkle_verify_inclusion(u.t[0], 0, max, p, len, r2));

    /* a frontier of 2^63 - 1 leaves takes one more, completing 64 nodes */
    omb_merkle_frontier f;
    assert_int_equal(omb_merkle_frontier_load(&nodes, max >> 1, &f), OMB_OK);
    omb_hash done[OMB_MERKLE_LEVELS], fr;
    unsigned n_done = 0;
    omb_merkle_append(&f, u.t[0], done, &n_done);
    assert_int_equal(n_done, 64);
    assert_int_equal(f.size, UINT64_C(1) << 63);
    for (unsigned l = 0; l < 64; l++)
        expect_hash(done[l], u.t[l], "completed node of a uniform tree");
    /* a full frontier: its root, and an append that changes nothing */
    assert_int_equal(omb_merkle_frontier_load(&nodes, max, &f), OMB_OK);
    omb_merkle_frontier_root(&f, fr);
    expect_hash(fr, r2, "root of a full frontier");
    omb_merkle_frontier before = f;
    omb_merkle_append(&f, u.t[0], done, &n_done);
    assert_int_equal(n_done, 0);
    assert_memory_equal(&before, &f, sizeof f);
}

/* ---- hex ------------------------------------------------------------------ */

static void test_hex(void **state)
{
    (void)state;
    omb_hash h, back;
    for (int i = 0; i < OMB_HASH_LEN; i++)
        h[i] = (uint8_t)(i * 37 + 5);
    char hex[65];
    omb_hash_hex(h, hex);
    assert_int_equal(strlen(hex), 64);
    assert_string_equal(hex, "052a4f7499bee3082d52779cc1e60b30557a9fc4e90e33587da2c7ec11365b80");
    assert_int_equal(omb_hash_parse(hex, back), OMB_OK);
    assert_memory_equal(h, back, OMB_HASH_LEN);
    assert_int_equal(
        omb_hash_parse("052A4F7499BEE3082D52779CC1E60B30557A9FC4E90E33587DA2C7EC11365B80", back),
        OMB_OK);
    assert_memory_equal(h, back, OMB_HASH_LEN);
    memset(back, 0xee, sizeof back);
    static const char *const bad[] = {
        "",
        "052a4f7499bee3082d52779cc1e60b30557a9fc4e90e33587da2c7ec11365b8",
        "052a4f7499bee3082d52779cc1e60b30557a9fc4e90e33587da2c7ec11365b800",
        "052a4f7499bee3082d52779cc1e60b30557a9fc4e90e33587da2c7ec11365b8g",
        "x52a4f7499bee3082d52779cc1e60b30557a9fc4e90e33587da2c7ec11365b80",
        " 52a4f7499bee3082d52779cc1e60b30557a9fc4e90e33587da2c7ec11365b80",
        "052a4f7499bee3082d52779cc1e60b30557a9fc4e90e33587da2c7ec11365b80 ",
        "0x2a4f7499bee3082d52779cc1e60b30557a9fc4e90e33587da2c7ec11365b80",
    };
    for (size_t i = 0; i < N(bad); i++)
        assert_int_equal(omb_hash_parse(bad[i], back), OMB_EINVAL);
    assert_int_equal(omb_hash_parse(NULL, back), OMB_EINVAL);
    for (int i = 0; i < OMB_HASH_LEN; i++)
        assert_int_equal(back[i], 0xee); /* untouched on refusal */
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hashes),           cmocka_unit_test(test_ct_roots),
        cmocka_unit_test(test_ct_inclusion),     cmocka_unit_test(test_ct_consistency),
        cmocka_unit_test(test_rfc_seven_leaves), cmocka_unit_test(test_random_trees),
        cmocka_unit_test(test_refusals),         cmocka_unit_test(test_getter_errors),
        cmocka_unit_test(test_limits),           cmocka_unit_test(test_hex),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
