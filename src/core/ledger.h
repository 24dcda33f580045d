/*
 * ledger.h - what the evidence ledger hashes and signs, and receipts.
 *
 * Leaf bytes.  Every event is one leaf.  Its bytes are deterministic JSON
 * (members in byte order of their keys, no spaces) built from the event as
 * stored:
 *
 *   {"actor_party":3,"actor_user":7,"at":1795399200000,
 *    "complaint":"20261123000001"|null,"payload_sha256":"<hex>",
 *    "seq":1|null,"subject":"complaint","type":"received"}
 *
 * "payload_sha256" is the SHA-256 of the stored payload text (written
 * sorted by jsonw.h): the leaf commits to every byte of the payload, a
 * verifier rebuilds it without parsing, and a receipt that carries the
 * leaf bytes discloses no complaint text or sealed personal data.
 * "complaint" and "seq" are null for events about other subjects
 * ("party:3", "user:7").
 *
 * Tree heads.  A signed tree head commits to (size, time, root).  The
 * signature is Ed25519 over
 *
 *   "ombud-tree-head-v1" 0x00 || uint64 size || int64 at_ms || root
 *
 * (integers big-endian: 19 + 8 + 8 + 32 = 67 bytes).  Witnesses countersign
 * the same bytes with their own keys.
 *
 * Receipts.  A receipt (回执) proves to anyone, offline, that a complaint's
 * creation event is in the ledger under a signed head; "received_at" is
 * the entry's "at" (when ombud recorded it) in RFC 3339:
 *
 *   {"format":"ombud-receipt-v1","complaint":"20261123000001",
 *    "received_at":"2026-11-23T02:00:00.000Z","entry":"<the leaf bytes>",
 *    "leaf_index":17,"leaf_hash":"<hex>","inclusion_proof":["<hex>",...],
 *    "tree_head":{"size":42,"at":"2026-11-23T02:00:01.000Z",
 *                 "at_ms":1795399201000,"root":"<hex>","signature":"<hex>"},
 *    "public_key":"<hex>","key_id":"<hex>",
 *    "cosignatures":[{"party":"bank-a","public_key":"<hex>",
 *                     "signature":"<hex>"}, ...]}
 *
 * Pure computation (libsodium's SHA-256 and Ed25519); no I/O.
 */
#ifndef OMB_LEDGER_H
#define OMB_LEDGER_H

#include "buf.h"
#include "err.h"
#include "merkle.h"
#include "timeutil.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define OMB_SIGN_PUBLIC_LEN  32
#define OMB_SIGN_SECRET_LEN  64
#define OMB_SIGNATURE_LEN    64
#define OMB_HEAD_MESSAGE_LEN 67
#define OMB_KEY_ID_HEX       16 /* hex digits of SHA-256(public key) that name a key */

/* One event as the ledger sees it. */
typedef struct omb_ledger_entry {
    const char *complaint_no; /* NULL for events about other subjects */
    int64_t seq;              /* 0 for events about other subjects */
    const char *subject;
    const char *type;
    omb_ms at;
    int64_t actor_user;
    int64_t actor_party;
    const char *payload; /* the stored payload text */
    size_t payload_len;
} omb_ledger_entry;

/* Appends the entry's leaf bytes to out (OMB_ETOOBIG past its cap;
 * OMB_EINVAL without subject, type or payload text).  On failure out is
 * left as it was. */
int omb_ledger_entry_bytes(omb_buf *out, const omb_ledger_entry *e);

/* The leaf hash of an entry, using scratch for its bytes (reset first). */
int omb_ledger_entry_hash(omb_buf *scratch, const omb_ledger_entry *e, omb_hash out);

typedef struct omb_tree_head {
    uint64_t size;
    omb_ms at;
    omb_hash root;
    uint8_t signature[OMB_SIGNATURE_LEN];
} omb_tree_head;

void omb_ledger_head_message(const omb_tree_head *h, uint8_t out[OMB_HEAD_MESSAGE_LEN]);
/* Signs h (fills h->signature) with an Ed25519 secret key. */
void omb_ledger_head_sign(omb_tree_head *h, const uint8_t secret[OMB_SIGN_SECRET_LEN]);
/* Checks a signature over h's message: h's own, or a witness's. */
bool omb_ledger_head_verify(const omb_tree_head *h, const uint8_t signature[OMB_SIGNATURE_LEN],
                            const uint8_t public_key[OMB_SIGN_PUBLIC_LEN]);

/* The key id: the first OMB_KEY_ID_HEX hex digits of SHA-256(public key). */
void omb_ledger_key_id(const uint8_t public_key[OMB_SIGN_PUBLIC_LEN], char out[OMB_KEY_ID_HEX + 1]);

/* Lower-case hex of n bytes into out (2n + 1 bytes); parsing of exactly n
 * bytes from 2n hex digits (OMB_EINVAL otherwise). */
void omb_hex_encode(const uint8_t *p, size_t n, char *out);
int omb_hex_decode(const char *hex, uint8_t *out, size_t n);

/* What checking a receipt established. */
typedef struct omb_receipt_facts {
    char complaint[32];
    char received_at[32];
    uint64_t leaf_index;
    uint64_t tree_size;
    omb_ms head_at;
    char key_id[OMB_KEY_ID_HEX + 1];
    int cosignatures;       /* countersignatures present */
    int cosignatures_valid; /* of which verify */
} omb_receipt_facts;

/* Checks a receipt: its entry is the creation event of the complaint it
 * names, received when it says; the leaf hash is the entry's; the proof
 * takes the leaf to the head's root; the head's signature verifies with
 * the receipt's public key, which must equal pinned_key when one is given;
 * and each countersignature is checked (counted, not required).  Returns
 * OMB_OK, or OMB_EINVAL with err naming the first thing that failed
 * ("receipt_format", "entry_mismatch", "leaf_hash", "inclusion_proof",
 * "signature", "key_mismatch").  "receipt_format" covers missing or
 * malformed members, a tree_head.at (optional) that is not at_ms, and an
 * entry that is not a string; "key_mismatch" a key_id that does not name
 * public_key as well as a public_key other than pinned_key.  facts (may be
 * NULL) is filled on success and zeroed otherwise.  libsodium must have
 * been initialised (sodium_init). */
int omb_receipt_check(const json_t *receipt, const uint8_t *pinned_key, omb_receipt_facts *facts,
                      omb_err *err);

#endif
