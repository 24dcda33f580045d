/*
 * sha256.c - SHA-256 with the x86 SHA extensions, else libsodium's.
 *
 * The compression function keeps the eight working variables in two
 * registers as the instructions want them, (A,B,E,F) and (C,D,G,H):
 * sha256rnds2 runs two rounds, sha256msg1/msg2 extend the message schedule
 * four words at a time.  Each of the 16 steps below runs four rounds.
 */
#include "sha256.h"

#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define OMB_SHA_NI 1
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

static atomic_int forced_portable;

#ifdef OMB_SHA_NI
__attribute__((target("sha,sse4.1,ssse3"))) static void compress(uint32_t h[8], const uint8_t *data,
                                                                 size_t blocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1);    /* B A D C */
    __m128i cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B); /* H G F E */
    __m128i abef = _mm_alignr_epi8(t, cdgh, 8);                                      /* F E B A */
    cdgh = _mm_blend_epi16(cdgh, t, 0xF0);                                           /* H G D C */
    for (; blocks; blocks--, data += 64) {
        __m128i abef_in = abef, cdgh_in = cdgh, w[4];
        for (int i = 0; i < 16; i++) {
            __m128i m;
            if (i < 4) {
                m = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * i)), bswap);
            } else {
                /* W[t..t+3] = W[t-16] + s0(W[t-15]) + W[t-7] + s1(W[t-2]) */
                m = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
                m = _mm_add_epi32(m, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
                m = _mm_sha256msg2_epu32(m, w[(i + 3) & 3]);
            }
            w[i & 3] = m;
            __m128i wk = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)&K[4 * i]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef_in);
        cdgh = _mm_add_epi32(cdgh, cdgh_in);
    }
    t = _mm_shuffle_epi32(abef, 0x1B);                                  /* A B E F */
    cdgh = _mm_shuffle_epi32(cdgh, 0xB1);                               /* G H C D */
    _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(t, cdgh, 0xF0)); /* A B C D */
    _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(cdgh, t, 8));    /* E F G H */
}

static bool have_sha_ni(void)
{
    static atomic_int known; /* 0 unknown, 1 no, 2 yes */
    int k = atomic_load(&known);
    if (!k) {
        /* CPUID directly: clang's __builtin_cpu_supports knows no "sha". */
        unsigned a, b, c, d;
        bool sse = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) && (c & bit_SSSE3);
        bool sha = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
        k = sse && sha ? 2 : 1;
        atomic_store(&known, k);
    }
    return k == 2;
}
#else
static void compress(uint32_t h[8], const uint8_t *data, size_t blocks)
{
    (void)h, (void)data, (void)blocks;
}

static bool have_sha_ni(void)
{
    return false;
}
#endif

bool omb_sha256_accelerated(void)
{
    return !atomic_load(&forced_portable) && have_sha_ni();
}

void omb_sha256_force_portable(bool on)
{
    atomic_store(&forced_portable, on);
}

void omb_sha256_init(omb_sha256_ctx *c)
{
    c->native = omb_sha256_accelerated();
    c->bytes = 0;
    c->used = 0;
    if (c->native)
        memcpy(c->h, H0, sizeof c->h);
    else
        crypto_hash_sha256_init(&c->sodium);
}

void omb_sha256_update(omb_sha256_ctx *c, const void *data, size_t len)
{
    if (!c->native) {
        crypto_hash_sha256_update(&c->sodium, data, len);
        return;
    }
    const uint8_t *p = data;
    c->bytes += len;
    if (c->used) {
        size_t take = 64 - c->used < len ? 64 - c->used : len;
        memcpy(c->block + c->used, p, take);
        c->used += take;
        p += take;
        len -= take;
        if (c->used < 64)
            return;
        compress(c->h, c->block, 1);
        c->used = 0;
    }
    if (len >= 64) {
        compress(c->h, p, len / 64);
        p += len - len % 64;
        len %= 64;
    }
    memcpy(c->block, p, len);
    c->used = len;
}

void omb_sha256_final(omb_sha256_ctx *c, uint8_t out[OMB_SHA256_LEN])
{
    if (!c->native) {
        crypto_hash_sha256_final(&c->sodium, out);
        return;
    }
    uint64_t bits = c->bytes * 8;
    c->block[c->used++] = 0x80;
    if (c->used > 56) {
        memset(c->block + c->used, 0, 64 - c->used);
        compress(c->h, c->block, 1);
        c->used = 0;
    }
    memset(c->block + c->used, 0, 56 - c->used);
    for (int i = 0; i < 8; i++)
        c->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    compress(c->h, c->block, 1);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}

void omb_sha256(uint8_t out[OMB_SHA256_LEN], const void *data, size_t len)
{
    omb_sha256_ctx c;
    omb_sha256_init(&c);
    omb_sha256_update(&c, data, len);
    omb_sha256_final(&c, out);
}
