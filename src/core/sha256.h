/*
 * sha256.h - SHA-256 (FIPS 180-4) for the ledger, attachments and request
 * fingerprints: the processor's SHA instructions where it has them, and
 * libsodium's implementation where it does not.
 *
 * The ledger hashes every event's payload and leaf, and `ombud verify`
 * every stored byte again; with the SHA extensions (Intel since Goldmont
 * and Ice Lake, AMD since Zen) a block takes a fraction of the time of
 * portable code.  Both paths give the same digests (tests/unit/test_sha256.c
 * checks them against each other and the FIPS vectors).
 */
#ifndef OMB_SHA256_H
#define OMB_SHA256_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OMB_SHA256_LEN 32

typedef struct omb_sha256_ctx {
    bool native; /* the SHA instructions: state in h, bytes, block */
    uint32_t h[8];
    uint64_t bytes; /* hashed so far */
    uint8_t block[64];
    size_t used;                     /* bytes waiting in block */
    crypto_hash_sha256_state sodium; /* the portable path */
} omb_sha256_ctx;

void omb_sha256_init(omb_sha256_ctx *c);
void omb_sha256_update(omb_sha256_ctx *c, const void *data, size_t len);
void omb_sha256_final(omb_sha256_ctx *c, uint8_t out[OMB_SHA256_LEN]);
/* The digest of one buffer. */
void omb_sha256(uint8_t out[OMB_SHA256_LEN], const void *data, size_t len);

/* Whether the SHA instructions are in use; omb_sha256_force_portable makes
 * this process use the portable path (tests, benchmarks). */
bool omb_sha256_accelerated(void);
void omb_sha256_force_portable(bool on);

#endif
