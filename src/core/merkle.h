/*
 * merkle.h - RFC 6962 Merkle trees: hashes, appends, proofs and their checks.
 *
 * The evidence ledger is an append-only list of leaves (one per event).
 * Hashes follow RFC 6962 section 2.1 (and RFC 9162 section 2.1):
 *
 *   leaf hash  = SHA-256(0x00 || leaf bytes)
 *   node hash  = SHA-256(0x01 || left || right)
 *   empty tree = SHA-256("")
 *
 * A tree of n leaves is split at k, the largest power of two below n.
 *
 * Stored nodes.  Only perfect subtrees are ever stored: node (level l,
 * index i) is the root of the 2^l leaves [i * 2^l, (i + 1) * 2^l); level 0
 * is the leaves.  Every other hash a proof needs is computed from O(log n)
 * of them.  Functions that need stored nodes take an omb_merkle_nodes: a
 * getter the store implements.
 *
 * The frontier.  A writer appending leaves keeps, for tree size n, the root
 * of each perfect subtree that n decomposes into (one per set bit of n).
 * Appending a leaf completes the leaf itself and zero or more parents:
 * exactly the nodes to store.
 *
 * Pure computation (libsodium's SHA-256); no I/O, no allocation.
 */
#ifndef OMB_MERKLE_H
#define OMB_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OMB_HASH_LEN      32
#define OMB_MERKLE_LEVELS 64 /* levels a 64-bit size can need */
/* Hashes in any proof for a 64-bit size: an audit path has at most 64, a
 * consistency proof at most 65 (PROOF(m, D[n]) for n > 2^63 can need 64
 * siblings plus MTH(D[0:m]), e.g. m = 0xaaaaaaaaaaaaaaab, n = 2^64 - 1). */
#define OMB_MERKLE_PROOF_MAX 65

typedef uint8_t omb_hash[OMB_HASH_LEN];

void omb_merkle_leaf_hash(const void *data, size_t len, omb_hash out);
void omb_merkle_node_hash(const omb_hash left, const omb_hash right, omb_hash out);
void omb_merkle_empty_root(omb_hash out);

/* ---- appending ------------------------------------------------------------ */

typedef struct omb_merkle_frontier {
    uint64_t size;                    /* leaves so far */
    omb_hash root[OMB_MERKLE_LEVELS]; /* root[l] is set when bit l of size is */
} omb_merkle_frontier;

void omb_merkle_frontier_init(omb_merkle_frontier *f);

/* Appends a leaf (its leaf hash).  Fills done[0..*n_done) with the nodes the
 * append completes, lowest first: done[0] is the leaf (level 0, index
 * f->size before the call), done[l] the node at level l, index
 * old_size >> l.  *n_done is 1 + the number of trailing one bits of the old
 * size.  done must hold OMB_MERKLE_LEVELS hashes. */
void omb_merkle_append(omb_merkle_frontier *f, const omb_hash leaf, omb_hash *done,
                       unsigned *n_done);

/* The root of the tree the frontier describes (the empty root for size 0). */
void omb_merkle_frontier_root(const omb_merkle_frontier *f, omb_hash out);

/* ---- stored nodes --------------------------------------------------------- */

/* Reads the stored perfect node (level, index) into out; returns OMB_OK or
 * an OMB_E* code (which the caller passes on). */
typedef struct omb_merkle_nodes {
    int (*get)(void *ctx, unsigned level, uint64_t index, omb_hash out);
    void *ctx;
} omb_merkle_nodes;

/* Rebuilds the frontier of a tree of size leaves from its stored nodes
 * (one read per set bit of size). */
int omb_merkle_frontier_load(const omb_merkle_nodes *nodes, uint64_t size, omb_merkle_frontier *f);

/* MTH(D[0:size]): the root of the first size leaves. */
int omb_merkle_root(const omb_merkle_nodes *nodes, uint64_t size, omb_hash out);

/* RFC 6962 2.1.1 PATH(index, D[0:size]): the audit path of leaf index in
 * the tree of the first size leaves, leaf side first.  Needs index < size.
 * path must hold OMB_MERKLE_PROOF_MAX hashes.  OMB_EINVAL for bad
 * arguments. */
int omb_merkle_inclusion_proof(const omb_merkle_nodes *nodes, uint64_t index, uint64_t size,
                               omb_hash *path, size_t *n_path);

/* RFC 6962 2.1.2 PROOF(first, D[0:second]): proves the tree of the first
 * `first` leaves is a prefix of the tree of `second` leaves.  Needs
 * 0 < first <= second (first == second gives an empty proof).  path must
 * hold OMB_MERKLE_PROOF_MAX hashes.  OMB_EINVAL for bad arguments. */
int omb_merkle_consistency_proof(const omb_merkle_nodes *nodes, uint64_t first, uint64_t second,
                                 omb_hash *path, size_t *n_path);

/* ---- checking proofs (RFC 9162 2.1.3.2 and 2.1.4.2) ---------------------- */

/* True when path proves leaf (a leaf hash) is leaf index of the tree of
 * size leaves with the given root. */
bool omb_merkle_verify_inclusion(const omb_hash leaf, uint64_t index, uint64_t size,
                                 const omb_hash *path, size_t n_path, const omb_hash root);

/* True when path proves the tree (first, first_root) is a prefix of the
 * tree (second, second_root).  first == second needs an empty path and
 * equal roots; first == 0 is refused (nothing to prove). */
bool omb_merkle_verify_consistency(uint64_t first, uint64_t second, const omb_hash first_root,
                                   const omb_hash second_root, const omb_hash *path, size_t n_path);

/* ---- hex ------------------------------------------------------------------ */

/* Lower-case hex of a hash into out (65 bytes with the NUL). */
void omb_hash_hex(const omb_hash h, char out[2 * OMB_HASH_LEN + 1]);
/* Parses 64 hex digits (either case); OMB_EINVAL otherwise. */
int omb_hash_parse(const char *hex, omb_hash out);

#endif
