/*
 * test_sha256.c - unit tests for src/core/sha256.c.
 *
 * The FIPS 180-4 example digests ("", "abc", the 448- and 896-bit
 * messages, a million 'a') on both paths; every length 0..1100 and random
 * longer buffers against libsodium's crypto_hash_sha256; the same buffers
 * fed in random pieces (including empty ones and pieces that straddle
 * blocks); the lengths around the padding boundary (55, 56, 63, 64, 119,
 * 120 bytes).  When the processor has no SHA extensions the native path
 * is reported as such and only the portable one is checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include "core/sha256.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hex(const uint8_t *d, char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void check_vector(const char *msg, size_t repeat, const char *want)
{
    omb_sha256_ctx c;
    omb_sha256_init(&c);
    for (size_t i = 0; i < repeat; i++)
        omb_sha256_update(&c, msg, strlen(msg));
    uint8_t d[32];
    omb_sha256_final(&c, d);
    char got[65];
    hex(d, got);
    assert_string_equal(got, want);
}

static void vectors_on(bool portable)
{
    omb_sha256_force_portable(portable);
    check_vector("", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_vector("abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_vector("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check_vector("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                 "klmnopqrlmnopqrsmnopqrstnopqrstu",
                 1, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    check_vector("a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    omb_sha256_force_portable(false);
}

static void fips_vectors(void **state)
{
    (void)state;
    vectors_on(true);
    if (!omb_sha256_accelerated())
        print_message("no SHA extensions on this processor: portable path only\n");
    vectors_on(false);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void digest_pieces(const uint8_t *buf, size_t len, bool random_pieces, uint8_t out[32])
{
    omb_sha256_ctx c;
    omb_sha256_init(&c);
    size_t at = 0;
    while (random_pieces && at < len) {
        size_t piece = next() % 150;
        if (piece > len - at)
            piece = len - at;
        omb_sha256_update(&c, buf + at, piece);
        at += piece;
    }
    if (!random_pieces)
        omb_sha256_update(&c, buf, len);
    omb_sha256_final(&c, out);
}

static void against_libsodium(void **state)
{
    (void)state;
    enum { MAX = 70000 };
    uint8_t *buf = malloc(MAX);
    for (size_t i = 0; i < MAX; i++)
        buf[i] = (uint8_t)next();
    size_t lengths[1200];
    size_t n = 0;
    for (size_t len = 0; len <= 1100; len++)
        lengths[n++] = len;
    while (n < sizeof lengths / sizeof lengths[0])
        lengths[n++] = next() % MAX;
    for (int portable = 0; portable < 2; portable++) {
        omb_sha256_force_portable(portable);
        for (size_t i = 0; i < n; i++) {
            uint8_t want[32], whole[32], pieces[32], once[32];
            crypto_hash_sha256(want, buf, lengths[i]);
            digest_pieces(buf, lengths[i], false, whole);
            digest_pieces(buf, lengths[i], true, pieces);
            omb_sha256(once, buf, lengths[i]);
            if (memcmp(want, whole, 32) || memcmp(want, pieces, 32) || memcmp(want, once, 32))
                fail_msg("length %zu (%s) differs from libsodium", lengths[i],
                         portable ? "portable" : "native");
        }
    }
    omb_sha256_force_portable(false);
    free(buf);
}

static void padding_boundaries(void **state)
{
    (void)state;
    static const size_t edges[] = {55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129};
    uint8_t buf[200];
    memset(buf, 0x61, sizeof buf);
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        uint8_t want[32], got[32];
        crypto_hash_sha256(want, buf, edges[i]);
        /* Byte by byte: every block boundary is crossed inside update. */
        omb_sha256_ctx c;
        omb_sha256_init(&c);
        for (size_t k = 0; k < edges[i]; k++)
            omb_sha256_update(&c, buf + k, 1);
        omb_sha256_final(&c, got);
        assert_memory_equal(want, got, 32);
    }
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fips_vectors),
        cmocka_unit_test(against_libsodium),
        cmocka_unit_test(padding_boundaries),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
