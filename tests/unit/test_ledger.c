/*
 * test_ledger.c - unit tests for src/core/ledger.c: what the evidence
 * ledger hashes and signs, and the offline check of receipts.
 *
 * Exact leaf bytes for a complaint event and for an event about another
 * subject (escapes in subject and type, nulls for complaint and seq), each
 * carrying the payload's SHA-256 as a literal computed with sha256sum; only
 * payload_len bytes are hashed (trailing text, an embedded NUL), one
 * changed payload byte changes the leaf and its hash, and no payload text
 * reaches the leaf; the buffer left as it was past its cap, refusals; the
 * entry hash as SHA-256(0x00 || bytes); the 67-byte head message byte by
 * byte (negative times in two's complement); Ed25519 signing from a fixed
 * seed (RFC 8032 test 1) and the rejection of any changed field, signature
 * or key; the key id; hex both ways with bad input.  Receipts are built
 * here for real: six entries in a tree made with omb_merkle_append, proofs
 * from its stored nodes, a signed head and a witness countersignature;
 * each receipt's received_at is its entry's at formatted.  They pass
 * (creation events of "received" and "imported" complaints, whatever their
 * payloads say of their number or time), then fail once per error code:
 * edited entry text, the entry of another complaint or a later event,
 * another received_at (a millisecond off, the same instant written
 * otherwise, an imported payload's own time), hand-written entries of the
 * leaf's shape with one member wrong, missing or mistyped (complaint, seq,
 * type, at, payload_sha256) or in the former shape with the payload
 * embedded, entries the check accepts that then fail the leaf hash, a
 * wrong leaf hash, broken proofs, other sizes, a bad signature, a key id
 * or pinned key that does not match, missing or malformed fields and a
 * wrong format; a bad countersignature only lowers cosignatures_valid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/ledger.h"
#include "core/merkle.h"
#include "core/timeutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 8032 section 7.1, test 1: secret key (seed) and public key. */
static const char *const rfc8032_seed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char *const rfc8032_public =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

/* SHA-256 of that public key, first 16 hex digits (Python's hashlib). */
#define RFC8032_KEY_ID "21fe31dfa154a261"

static void seed_keypair(const char *seed_hex, uint8_t pk[32], uint8_t sk[64])
{
    uint8_t seed[32];
    assert_int_equal(omb_hex_decode(seed_hex, seed, sizeof seed), OMB_OK);
    assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
}

/* ---- leaf bytes ----------------------------------------------------------- */

static const char complaint_payload[] =
    "{\"channel\":\"web\",\"no\":\"20261123000001\",\"received_at\":\"2026-11-23T02:00:00.000Z\"}";

static omb_ledger_entry complaint_entry(void)
{
    return (omb_ledger_entry){.complaint_no = "20261123000001",
                              .seq = 1,
                              .subject = "complaint",
                              .type = "received",
                              .at = 1795399200000,
                              .actor_user = 7,
                              .actor_party = 3,
                              .payload = complaint_payload,
                              .payload_len = strlen(complaint_payload)};
}

/* SHA-256 of the payload texts below, from `printf '%s' '<payload>' | sha256sum`. */
#define COMPLAINT_PAYLOAD_SHA256 "2f5a452353d4ed4f13a2274c91132f6c7e5c71eeba059bdba62df98776f039de"
#define PARTY_PAYLOAD_SHA256     "9066de3a51fdf9a632bd507db8624a09b1d058ae90ccf958008a76414e1bd03e"
#define EMPTY_OBJECT_SHA256      "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
/* "{}trailing", "a\0b" (printf 'a\0b' | sha256sum) and the complaint payload with "Web" */
#define TRAILING_SHA256    "9f495172220b565ba0da6fd4b1b9b15b3ea24aad16525ca64d1ee0038d090d60"
#define A_NUL_B_SHA256     "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138"
#define CAPITAL_WEB_SHA256 "e99c35d3a729a8d861fe03152b76ca6df0f8c0dcf56e97120f77490294ce0b0c"

static const char complaint_bytes[] =
    "{\"actor_party\":3,\"actor_user\":7,\"at\":1795399200000,\"complaint\":\"20261123000001\","
    "\"payload_sha256\":\"" COMPLAINT_PAYLOAD_SHA256 "\",\"seq\":1,\"subject\":\"complaint\","
    "\"type\":\"received\"}";

static void expect_bytes(const omb_ledger_entry *e, const char *want)
{
    omb_buf b = OMB_BUF_INIT(1 << 16);
    assert_int_equal(omb_ledger_entry_bytes(&b, e), OMB_OK);
    assert_string_equal(omb_buf_str(&b), want);
    assert_int_equal(b.len, strlen(want));
    omb_buf_release(&b);
}

/* The leaf bytes of the complaint entry with complaint "投诉/1", seq 12 and
 * the given payload digest. */
#define U_BYTES(sha)                                                                               \
    "{\"actor_party\":3,\"actor_user\":7,\"at\":1795399200000,\"complaint\":\"投诉/1\","         \
    "\"payload_sha256\":\"" sha "\",\"seq\":12,\"subject\":\"complaint\",\"type\":\"received\"}"

static void test_entry_bytes(void **state)
{
    (void)state;
    omb_ledger_entry e = complaint_entry();
    expect_bytes(&e, complaint_bytes);

    /* another subject: complaint and seq are null whatever seq holds */
    static const char party_payload[] = "{\"name\":\"Bank \\\"A\\\"\"}";
    omb_ledger_entry p = {.complaint_no = NULL,
                          .seq = 5,
                          .subject = "party:3 \"x\"\\",
                          .type = "renamed\n\t\x01",
                          .at = -1,
                          .actor_user = 0,
                          .actor_party = -9223372036854775807LL - 1,
                          .payload = party_payload,
                          .payload_len = strlen(party_payload)};
    expect_bytes(&p, "{\"actor_party\":-9223372036854775808,\"actor_user\":0,\"at\":-1,"
                     "\"complaint\":null,\"payload_sha256\":\"" PARTY_PAYLOAD_SHA256 "\","
                     "\"seq\":null,\"subject\":\"party:3 \\\"x\\\"\\\\\",\"type\":"
                     "\"renamed\\n\\t\\u0001\"}");

    /* non-ASCII and escapes in the complaint number are written as jsonw writes them */
    omb_ledger_entry u = e;
    u.complaint_no = "投诉/1";
    u.seq = 12;
    u.payload = "{}";
    u.payload_len = 2;
    expect_bytes(&u, U_BYTES(EMPTY_OBJECT_SHA256));
}

/* payload_len bounds what is hashed; the payload is hashed as given, byte
 * for byte, and is never parsed or copied into the leaf. */
static void test_entry_payload_digest(void **state)
{
    (void)state;
    omb_ledger_entry u = complaint_entry();
    u.complaint_no = "投诉/1";
    u.seq = 12;

    /* only payload_len bytes of the text count */
    u.payload = "{}trailing";
    u.payload_len = 2;
    expect_bytes(&u, U_BYTES(EMPTY_OBJECT_SHA256));
    u.payload_len = strlen("{}trailing");
    expect_bytes(&u, U_BYTES(TRAILING_SHA256));

    /* an embedded NUL is hashed like any other byte */
    u.payload = "a\0b";
    u.payload_len = 3;
    expect_bytes(&u, U_BYTES(A_NUL_B_SHA256));

    /* one byte of payload changes the leaf */
    char changed[sizeof complaint_payload];
    memcpy(changed, complaint_payload, sizeof changed);
    char *w = strstr(changed, "\"web\"");
    assert_non_null(w);
    w[1] = 'W';
    omb_ledger_entry a = complaint_entry(), b = complaint_entry();
    b.payload = changed;
    assert_int_equal(b.payload_len, a.payload_len);
    static const char changed_bytes[] =
        "{\"actor_party\":3,\"actor_user\":7,\"at\":1795399200000,\"complaint\":"
        "\"20261123000001\",\"payload_sha256\":\"" CAPITAL_WEB_SHA256 "\",\"seq\":1,\"subject\":"
        "\"complaint\",\"type\":\"received\"}";
    expect_bytes(&a, complaint_bytes);
    expect_bytes(&b, changed_bytes);
    assert_int_equal(strlen(changed_bytes), strlen(complaint_bytes));
    assert_string_not_equal(changed_bytes, complaint_bytes);
    omb_hash ha, hb;
    omb_buf scratch = OMB_BUF_INIT(4096);
    assert_int_equal(omb_ledger_entry_hash(&scratch, &a, ha), OMB_OK);
    assert_int_equal(omb_ledger_entry_hash(&scratch, &b, hb), OMB_OK);
    assert_memory_not_equal(ha, hb, OMB_HASH_LEN);
    omb_buf_release(&scratch);

    /* no payload text reaches the leaf */
    omb_buf out = OMB_BUF_INIT(4096);
    assert_int_equal(omb_ledger_entry_bytes(&out, &a), OMB_OK);
    assert_null(strstr(omb_buf_str(&out), "channel"));
    assert_null(strstr(omb_buf_str(&out), "received_at"));
    omb_buf_release(&out);
}

static void test_entry_refusals(void **state)
{
    (void)state;
    omb_buf b = OMB_BUF_INIT(100);
    assert_int_equal(omb_buf_puts(&b, "prefix"), OMB_OK);
    omb_ledger_entry e = complaint_entry();
    /* past the cap: the buffer keeps what it had */
    assert_int_equal(omb_ledger_entry_bytes(&b, &e), OMB_ETOOBIG);
    assert_string_equal(omb_buf_str(&b), "prefix");
    assert_int_equal(b.len, 6);
    /* appended after what is there */
    b.cap = 1000;
    assert_int_equal(omb_ledger_entry_bytes(&b, &e), OMB_OK);
    assert_int_equal(b.len, 6 + strlen(complaint_bytes));
    assert_int_equal(memcmp(b.data + 6, complaint_bytes, strlen(complaint_bytes)), 0);

    omb_ledger_entry bad = e;
    bad.subject = NULL;
    assert_int_equal(omb_ledger_entry_bytes(&b, &bad), OMB_EINVAL);
    bad = e;
    bad.type = NULL;
    assert_int_equal(omb_ledger_entry_bytes(&b, &bad), OMB_EINVAL);
    bad = e;
    bad.payload = NULL;
    assert_int_equal(omb_ledger_entry_bytes(&b, &bad), OMB_EINVAL);
    bad = e;
    bad.payload_len = 0;
    assert_int_equal(omb_ledger_entry_bytes(&b, &bad), OMB_EINVAL);
    assert_int_equal(b.len, 6 + strlen(complaint_bytes));
    omb_buf_release(&b);
}

static void test_entry_hash(void **state)
{
    (void)state;
    omb_buf scratch = OMB_BUF_INIT(4096);
    assert_int_equal(omb_buf_puts(&scratch, "left over from before"), OMB_OK);
    omb_ledger_entry e = complaint_entry();
    omb_hash got, want, via_merkle;
    assert_int_equal(omb_ledger_entry_hash(&scratch, &e, got), OMB_OK);
    assert_string_equal(omb_buf_str(&scratch), complaint_bytes);

    uint8_t msg[1 + sizeof complaint_bytes];
    msg[0] = 0x00;
    memcpy(msg + 1, complaint_bytes, strlen(complaint_bytes));
    crypto_hash_sha256(want, msg, 1 + strlen(complaint_bytes));
    assert_memory_equal(got, want, OMB_HASH_LEN);
    omb_merkle_leaf_hash(complaint_bytes, strlen(complaint_bytes), via_merkle);
    assert_memory_equal(got, via_merkle, OMB_HASH_LEN);

    scratch.cap = 10;
    assert_int_equal(omb_ledger_entry_hash(&scratch, &e, got), OMB_ETOOBIG);
    omb_buf_release(&scratch);
}

/* ---- tree heads ----------------------------------------------------------- */

static void test_head_message(void **state)
{
    (void)state;
    omb_tree_head h = {.size = 0x0102030405060708ULL, .at = 1763863201000};
    for (int i = 0; i < OMB_HASH_LEN; i++)
        h.root[i] = (uint8_t)(0xa0 + i);
    uint8_t m[OMB_HEAD_MESSAGE_LEN];
    memset(m, 0xcc, sizeof m);
    omb_ledger_head_message(&h, m);
    static const uint8_t label[19] = {'o', 'm', 'b', 'u', 'd', '-', 't', 'r', 'e', 'e',
                                      '-', 'h', 'e', 'a', 'd', '-', 'v', '1', 0x00};
    static const uint8_t size_be[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t at_be[8] = {0x00, 0x00, 0x01, 0x9a, 0xae, 0x70, 0x84, 0xe8};
    assert_memory_equal(m, label, 19);
    assert_memory_equal(m + 19, size_be, 8);
    assert_memory_equal(m + 27, at_be, 8);
    for (int i = 0; i < OMB_HASH_LEN; i++)
        assert_int_equal(m[35 + i], 0xa0 + i);

    /* negative time: two's complement; the largest size */
    h.at = -2;
    h.size = UINT64_MAX;
    omb_ledger_head_message(&h, m);
    static const uint8_t minus_two[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
    static const uint8_t all_ones[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_memory_equal(m + 19, all_ones, 8);
    assert_memory_equal(m + 27, minus_two, 8);
    h.size = 0;
    h.at = 0;
    omb_ledger_head_message(&h, m);
    for (int i = 19; i < 35; i++)
        assert_int_equal(m[i], 0);
}

static void test_sign_verify(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], want_pk[32], other_pk[32], other_sk[64];
    seed_keypair(rfc8032_seed, pk, sk);
    assert_int_equal(omb_hex_decode(rfc8032_public, want_pk, 32), OMB_OK);
    assert_memory_equal(pk, want_pk, 32);
    seed_keypair("1111111111111111111111111111111111111111111111111111111111111111", other_pk,
                 other_sk);

    omb_tree_head h = {.size = 42, .at = 1763863201000};
    omb_merkle_leaf_hash("root", 4, h.root);
    omb_ledger_head_sign(&h, sk);
    assert_true(omb_ledger_head_verify(&h, h.signature, pk));

    /* the signature is Ed25519 over exactly the head message */
    uint8_t m[OMB_HEAD_MESSAGE_LEN];
    omb_ledger_head_message(&h, m);
    assert_int_equal(crypto_sign_verify_detached(h.signature, m, sizeof m, pk), 0);
    uint8_t again[OMB_SIGNATURE_LEN];
    crypto_sign_detached(again, NULL, m, sizeof m, sk);
    assert_memory_equal(again, h.signature, OMB_SIGNATURE_LEN);

    omb_tree_head c = h;
    c.size = 43;
    assert_false(omb_ledger_head_verify(&c, h.signature, pk));
    c = h;
    c.at = h.at + 1;
    assert_false(omb_ledger_head_verify(&c, h.signature, pk));
    for (int i = 0; i < OMB_HASH_LEN; i += 7) {
        c = h;
        c.root[i] ^= 0x01;
        assert_false(omb_ledger_head_verify(&c, h.signature, pk));
    }
    for (int i = 0; i < OMB_SIGNATURE_LEN; i += 9) {
        uint8_t sig[OMB_SIGNATURE_LEN];
        memcpy(sig, h.signature, sizeof sig);
        sig[i] ^= 0x40;
        assert_false(omb_ledger_head_verify(&h, sig, pk));
    }
    assert_false(omb_ledger_head_verify(&h, h.signature, other_pk));

    /* a witness countersigns the same bytes with its own key */
    uint8_t witness[OMB_SIGNATURE_LEN];
    crypto_sign_detached(witness, NULL, m, sizeof m, other_sk);
    assert_true(omb_ledger_head_verify(&h, witness, other_pk));
    assert_false(omb_ledger_head_verify(&h, witness, pk));
}

static void test_key_id(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64];
    seed_keypair(rfc8032_seed, pk, sk);
    char id[OMB_KEY_ID_HEX + 1];
    memset(id, 'z', sizeof id);
    omb_ledger_key_id(pk, id);
    assert_string_equal(id, RFC8032_KEY_ID);
    uint8_t digest[32];
    char full[65];
    crypto_hash_sha256(digest, pk, 32);
    omb_hex_encode(digest, 32, full);
    assert_int_equal(strncmp(full, id, OMB_KEY_ID_HEX), 0);
}

static void test_hex(void **state)
{
    (void)state;
    static const uint8_t bytes[] = {0x00, 0x01, 0xab, 0xff, 0x7f, 0x80};
    char hex[2 * sizeof bytes + 1];
    memset(hex, 'z', sizeof hex);
    omb_hex_encode(bytes, sizeof bytes, hex);
    assert_string_equal(hex, "0001abff7f80");
    uint8_t back[sizeof bytes];
    assert_int_equal(omb_hex_decode("0001abff7f80", back, sizeof back), OMB_OK);
    assert_memory_equal(back, bytes, sizeof bytes);
    assert_int_equal(omb_hex_decode("0001ABFF7F80", back, sizeof back), OMB_OK);
    assert_memory_equal(back, bytes, sizeof bytes);
    omb_hex_encode(bytes, 0, hex);
    assert_string_equal(hex, "");
    assert_int_equal(omb_hex_decode("", back, 0), OMB_OK);

    memset(back, 0xee, sizeof back);
    static const char *const bad[] = {
        "0001abff7f8",  "0001abff7f800", "0001abff7f80 ", " 001abff7f80",
        "0001abgf7f80", "0001abff7f8\n", "0x01abff7f80",  "",
        "0001-bff7f80",
    };
    for (size_t i = 0; i < N(bad); i++)
        if (omb_hex_decode(bad[i], back, sizeof back) != OMB_EINVAL)
            fail_msg("accepted %s", bad[i]);
    assert_int_equal(omb_hex_decode(NULL, back, sizeof back), OMB_EINVAL);
    assert_int_equal(omb_hex_decode("00", back, 0), OMB_EINVAL);
    for (size_t i = 0; i < sizeof back; i++)
        assert_int_equal(back[i], 0xee); /* untouched on refusal */
}

/* ---- receipts: a small ledger --------------------------------------------- */

#define ENTRIES 6
#define AT_HEAD 1795399201000LL /* 2026-11-23T02:00:01Z */

typedef struct ledger {
    uint8_t pk[32], sk[64];   /* the server's key */
    uint8_t wpk[32], wsk[64]; /* a witness */
    char *bytes[ENTRIES];     /* leaf bytes */
    size_t len[ENTRIES];
    omb_ms at[ENTRIES];        /* each entry's at */
    omb_hash node[4][ENTRIES]; /* stored perfect nodes */
    omb_tree_head head;
    uint8_t witness_sig[OMB_SIGNATURE_LEN];
} ledger;

typedef struct spec {
    const char *complaint, *subject, *type, *payload;
    int64_t seq;
    omb_ms at;
} spec;

/* Receipts take received_at from the entry's at, never from the payload:
 * the imported complaint's payload names the day it was first received
 * elsewhere, and the last complaint's payload names no number or time. */
static const spec specs[ENTRIES] = {
    {NULL, "party:3", "party_created", "{\"name\":\"Bank A\"}", 0, 1795399100000},
    {"20261123000001", "complaint", "received",
     "{\"channel\":\"web\",\"no\":\"20261123000001\",\"received_at\":\"2026-11-23T02:00:00.000Z\"}",
     1, 1795399200000}, /* 2026-11-23T02:00:00.000Z */
    {"20261123000001", "complaint", "accepted",
     "{\"no\":\"20261123000001\",\"received_at\":\"2026-11-23T02:00:00.000Z\"}", 2, 1795399200400},
    {"20261123000002", "complaint", "imported",
     "{\"no\":\"20261123000002\",\"received_at\":\"2026-10-01T08:00:00.000Z\",\"state\":"
     "\"closed\"}",
     1, 1795399200500}, /* 2026-11-23T02:00:00.500Z */
    {NULL, "user:7", "user_created", "{\"login\":\"li\"}", 0, 1795399200600},
    {"20261123000003", "complaint", "received", "{\"channel\":\"phone\"}", 1,
     1795399200999}, /* 2026-11-23T02:00:00.999Z */
};

static int ledger_get(void *ctx, unsigned level, uint64_t index, omb_hash out)
{
    const ledger *l = ctx;
    if (level >= 4 || index >= ((uint64_t)ENTRIES >> level))
        return OMB_ENOTFOUND;
    memcpy(out, l->node[level][index], OMB_HASH_LEN);
    return OMB_OK;
}

static void ledger_build(ledger *l)
{
    memset(l, 0, sizeof *l);
    seed_keypair(rfc8032_seed, l->pk, l->sk);
    seed_keypair("2222222222222222222222222222222222222222222222222222222222222222", l->wpk,
                 l->wsk);
    omb_merkle_frontier f;
    omb_merkle_frontier_init(&f);
    for (int i = 0; i < ENTRIES; i++) {
        const spec *s = &specs[i];
        omb_ledger_entry e = {.complaint_no = s->complaint,
                              .seq = s->seq,
                              .subject = s->subject,
                              .type = s->type,
                              .at = s->at,
                              .actor_user = 7,
                              .actor_party = 3,
                              .payload = s->payload,
                              .payload_len = strlen(s->payload)};
        omb_buf b = OMB_BUF_INIT(4096);
        omb_hash leaf, done[OMB_MERKLE_LEVELS];
        assert_int_equal(omb_ledger_entry_hash(&b, &e, leaf), OMB_OK);
        l->bytes[i] = omb_buf_detach(&b, &l->len[i]);
        l->at[i] = s->at;
        unsigned n_done;
        omb_merkle_append(&f, leaf, done, &n_done);
        for (unsigned k = 0; k < n_done; k++)
            memcpy(l->node[k][i >> k], done[k], OMB_HASH_LEN);
    }
    l->head.size = ENTRIES;
    l->head.at = AT_HEAD;
    omb_merkle_frontier_root(&f, l->head.root);
    omb_ledger_head_sign(&l->head, l->sk);
    uint8_t m[OMB_HEAD_MESSAGE_LEN];
    omb_ledger_head_message(&l->head, m);
    crypto_sign_detached(l->witness_sig, NULL, m, sizeof m, l->wsk);
}

static void ledger_free(ledger *l)
{
    for (int i = 0; i < ENTRIES; i++)
        free(l->bytes[i]);
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char hex[2 * 64 + 1];
    assert_true(n <= 64);
    omb_hex_encode(p, n, hex);
    return json_string(hex);
}

static json_t *head_json(const omb_tree_head *h)
{
    char at[32];
    assert_int_equal(omb_time_format(h->at, at, sizeof at), OMB_OK);
    json_t *j = json_object();
    json_object_set_new(j, "size", json_integer((json_int_t)h->size));
    json_object_set_new(j, "at", json_string(at));
    json_object_set_new(j, "at_ms", json_integer(h->at));
    json_object_set_new(j, "root", hex_json(h->root, OMB_HASH_LEN));
    json_object_set_new(j, "signature", hex_json(h->signature, OMB_SIGNATURE_LEN));
    return j;
}

/* The receipt of entry i as the server would write it, naming complaint;
 * received_at is the entry's at. */
static json_t *receipt_of(const ledger *l, int i, const char *complaint)
{
    char received_at[32];
    assert_int_equal(omb_time_format(l->at[i], received_at, sizeof received_at), OMB_OK);
    omb_merkle_nodes nodes = {ledger_get, (void *)l};
    omb_hash path[OMB_MERKLE_PROOF_MAX], leaf;
    size_t n_path = 0;
    assert_int_equal(omb_merkle_inclusion_proof(&nodes, (uint64_t)i, ENTRIES, path, &n_path),
                     OMB_OK);
    omb_merkle_leaf_hash(l->bytes[i], l->len[i], leaf);
    json_t *proof = json_array();
    for (size_t k = 0; k < n_path; k++)
        json_array_append_new(proof, hex_json(path[k], OMB_HASH_LEN));
    char key_id[OMB_KEY_ID_HEX + 1];
    omb_ledger_key_id(l->pk, key_id);
    json_t *cosig = json_object();
    json_object_set_new(cosig, "party", json_string("bank-a"));
    json_object_set_new(cosig, "public_key", hex_json(l->wpk, 32));
    json_object_set_new(cosig, "signature", hex_json(l->witness_sig, OMB_SIGNATURE_LEN));
    json_t *r = json_object();
    json_object_set_new(r, "format", json_string("ombud-receipt-v1"));
    json_object_set_new(r, "complaint", json_string(complaint));
    json_object_set_new(r, "received_at", json_string(received_at));
    json_object_set_new(r, "entry", json_stringn(l->bytes[i], l->len[i]));
    json_object_set_new(r, "leaf_index", json_integer(i));
    json_object_set_new(r, "leaf_hash", hex_json(leaf, OMB_HASH_LEN));
    json_object_set_new(r, "inclusion_proof", proof);
    json_object_set_new(r, "tree_head", head_json(&l->head));
    json_object_set_new(r, "public_key", hex_json(l->pk, 32));
    json_object_set_new(r, "key_id", json_string(key_id));
    json_t *cosigs = json_array();
    json_array_append_new(cosigs, cosig);
    json_object_set_new(r, "cosignatures", cosigs);
    return r;
}

static json_t *receipt_a(const ledger *l)
{
    return receipt_of(l, 1, "20261123000001");
}

static void expect_ok(const json_t *r, const uint8_t *pinned, omb_receipt_facts *facts)
{
    omb_err err;
    omb_err_clear(&err);
    int rc = omb_receipt_check(r, pinned, facts, &err);
    if (rc != OMB_OK)
        fail_msg("receipt refused: %s (%s, %s)", err.code, err.field, err.message);
}

static void expect_code(json_t *r, const uint8_t *pinned, const char *code, const char *what)
{
    omb_err err;
    omb_err_clear(&err);
    omb_receipt_facts facts;
    int rc = omb_receipt_check(r, pinned, &facts, &err);
    if (rc != OMB_EINVAL || strcmp(err.code, code) != 0)
        fail_msg("%s: got rc %d code \"%s\" (%s), want %s", what, rc, err.code, err.message, code);
    assert_int_equal(err.rc, OMB_EINVAL);
    assert_true(err.message[0] != '\0');
    json_decref(r);
}

static json_t *head_of(json_t *r)
{
    return json_object_get(r, "tree_head");
}

static void test_receipt_passes(void **state)
{
    (void)state;
    ledger l;
    ledger_build(&l);
    json_t *r = receipt_a(&l);
    omb_receipt_facts facts;
    memset(&facts, 0x5a, sizeof facts);
    expect_ok(r, NULL, &facts);
    assert_string_equal(facts.complaint, "20261123000001");
    assert_string_equal(facts.received_at, "2026-11-23T02:00:00.000Z");
    assert_int_equal(facts.leaf_index, 1);
    assert_int_equal(facts.tree_size, ENTRIES);
    assert_int_equal(facts.head_at, AT_HEAD);
    assert_string_equal(facts.key_id, RFC8032_KEY_ID);
    assert_int_equal(facts.cosignatures, 1);
    assert_int_equal(facts.cosignatures_valid, 1);
    expect_ok(r, l.pk, &facts); /* pinned to the right key */
    expect_ok(r, NULL, NULL);   /* facts are optional */
    omb_receipt_check(r, NULL, &facts, NULL);

    /* the receipt survives its own text */
    char *text = json_dumps(r, JSON_COMPACT);
    json_t *back = json_loads(text, 0, NULL);
    expect_ok(back, l.pk, &facts);
    json_decref(back);
    free(text);

    /* without the readable time or any countersignature */
    json_object_del(head_of(r), "at");
    json_object_del(r, "cosignatures");
    expect_ok(r, l.pk, &facts);
    assert_int_equal(facts.cosignatures, 0);
    assert_int_equal(facts.cosignatures_valid, 0);
    json_decref(r);

    /* an imported complaint: received when ombud recorded it, whatever
     * its payload says; and the last leaf of the tree, whose payload names
     * neither the complaint nor a time */
    r = receipt_of(&l, 3, "20261123000002");
    expect_ok(r, l.pk, &facts);
    assert_string_equal(facts.received_at, "2026-11-23T02:00:00.500Z");
    assert_int_equal(facts.leaf_index, 3);
    json_decref(r);
    r = receipt_of(&l, 5, "20261123000003");
    expect_ok(r, l.pk, &facts);
    assert_string_equal(facts.received_at, "2026-11-23T02:00:00.999Z");
    assert_int_equal(facts.leaf_index, 5);
    json_decref(r);
    ledger_free(&l);
}

static void set_str(json_t *obj, const char *key, const char *v)
{
    json_object_set_new(obj, key, json_string(v));
}

static void test_receipt_entry(void **state)
{
    (void)state;
    ledger l;
    ledger_build(&l);
    json_t *r;

    /* edited entry text: still the creation event, but not the leaf hashed */
    r = receipt_a(&l);
    char *edited = strdup(l.bytes[1]);
    char *p = strstr(edited, "\"actor_user\":7");
    assert_non_null(p);
    p[strlen("\"actor_user\":")] = '8';
    set_str(r, "entry", edited);
    free(edited);
    expect_code(r, l.pk, "leaf_hash", "edited entry");

    /* the entry, hash and proof of another complaint */
    r = receipt_of(&l, 3, "20261123000001");
    expect_code(r, l.pk, "entry_mismatch", "another complaint's entry");
    /* a later event of the same complaint */
    r = receipt_of(&l, 2, "20261123000001");
    expect_code(r, l.pk, "entry_mismatch", "accepted event");
    /* an event about a party */
    r = receipt_of(&l, 0, "20261123000001");
    expect_code(r, l.pk, "entry_mismatch", "party event");
    /* another received_at, also the same instant written otherwise */
    r = receipt_a(&l);
    set_str(r, "received_at", "2026-11-23T02:00:00.001Z");
    expect_code(r, l.pk, "entry_mismatch", "received_at");
    r = receipt_a(&l);
    set_str(r, "received_at", "2026-11-23T02:00:00Z");
    expect_code(r, l.pk, "entry_mismatch", "received_at without milliseconds");
    r = receipt_a(&l);
    set_str(r, "received_at", "2026-11-23T10:00:00.000+08:00");
    expect_code(r, l.pk, "entry_mismatch", "received_at at +08:00");
    /* the time an imported complaint's payload gives is not the entry's */
    r = receipt_of(&l, 3, "20261123000002");
    set_str(r, "received_at", "2026-10-01T08:00:00.000Z");
    expect_code(r, l.pk, "entry_mismatch", "payload's received_at");
    r = receipt_a(&l);
    set_str(r, "complaint", "20261123000009");
    expect_code(r, l.pk, "entry_mismatch", "complaint");

    /* Hand-written entries of the leaf's shape; with every member as given
     * below they are exactly leaf 1. */
#define ENTRY_TEXT(at, complaint, sha, seq, type)                                                  \
    "{\"actor_party\":3,\"actor_user\":7,\"at\":" at ",\"complaint\":" complaint                   \
    ",\"payload_sha256\":" sha ",\"seq\":" seq ",\"subject\":\"complaint\",\"type\":" type "}"
#define AT1   "1795399200000"
#define NO1   "\"20261123000001\""
#define SHA1  "\"" COMPLAINT_PAYLOAD_SHA256 "\""
#define SEQ1  "1"
#define TYPE1 "\"received\""
    assert_string_equal(ENTRY_TEXT(AT1, NO1, SHA1, SEQ1, TYPE1), l.bytes[1]);

    /* entries that are not the creation event's JSON */
    static const char *const entries[] = {
        "not json",
        "",
        "[1]",
        "null",
        /* the complaint: another, null, a number, missing */
        ENTRY_TEXT(AT1, "\"20261123000002\"", SHA1, SEQ1, TYPE1),
        ENTRY_TEXT(AT1, "null", SHA1, SEQ1, TYPE1),
        ENTRY_TEXT(AT1, "20261123000001", SHA1, SEQ1, TYPE1),
        "{\"actor_party\":3,\"actor_user\":7,\"at\":1795399200000,\"payload_sha256\":" SHA1
        ",\"seq\":1,\"subject\":\"complaint\",\"type\":\"received\"}",
        /* seq: 2, a string, a real, null, missing */
        ENTRY_TEXT(AT1, NO1, SHA1, "2", TYPE1),
        ENTRY_TEXT(AT1, NO1, SHA1, "\"1\"", TYPE1),
        ENTRY_TEXT(AT1, NO1, SHA1, "1.0", TYPE1),
        ENTRY_TEXT(AT1, NO1, SHA1, "null", TYPE1),
        "{\"actor_party\":3,\"actor_user\":7,\"at\":1795399200000,\"complaint\":" NO1
        ",\"payload_sha256\":" SHA1 ",\"subject\":\"complaint\",\"type\":\"received\"}",
        /* type: accepted, another case, null, missing */
        ENTRY_TEXT(AT1, NO1, SHA1, SEQ1, "\"accepted\""),
        ENTRY_TEXT(AT1, NO1, SHA1, SEQ1, "\"Received\""),
        ENTRY_TEXT(AT1, NO1, SHA1, SEQ1, "null"),
        "{\"actor_party\":3,\"actor_user\":7,\"at\":1795399200000,\"complaint\":" NO1
        ",\"payload_sha256\":" SHA1 ",\"seq\":1,\"subject\":\"complaint\"}",
        /* at: a millisecond or a second later, earlier, as text, a real, missing */
        ENTRY_TEXT("1795399200001", NO1, SHA1, SEQ1, TYPE1),
        ENTRY_TEXT("1795399201000", NO1, SHA1, SEQ1, TYPE1),
        ENTRY_TEXT("1795399199999", NO1, SHA1, SEQ1, TYPE1),
        ENTRY_TEXT("\"2026-11-23T02:00:00.000Z\"", NO1, SHA1, SEQ1, TYPE1),
        ENTRY_TEXT("1795399200000.0", NO1, SHA1, SEQ1, TYPE1),
        "{\"actor_party\":3,\"actor_user\":7,\"complaint\":" NO1 ",\"payload_sha256\":" SHA1
        ",\"seq\":1,\"subject\":\"complaint\",\"type\":\"received\"}",
        /* payload_sha256: missing, null, a number, an object, an array */
        "{\"actor_party\":3,\"actor_user\":7,\"at\":1795399200000,\"complaint\":" NO1
        ",\"seq\":1,\"subject\":\"complaint\",\"type\":\"received\"}",
        ENTRY_TEXT(AT1, NO1, "null", SEQ1, TYPE1),
        ENTRY_TEXT(AT1, NO1, "7", SEQ1, TYPE1),
        ENTRY_TEXT(AT1, NO1, "{}", SEQ1, TYPE1),
        ENTRY_TEXT(AT1, NO1, "[" SHA1 "]", SEQ1, TYPE1),
        /* the former shape: the payload itself in place of its digest */
        "{\"actor_party\":3,\"actor_user\":7,\"at\":1795399200000,\"complaint\":" NO1
        ",\"payload\":{\"channel\":\"web\",\"no\":\"20261123000001\",\"received_at\":\"2026-11-"
        "23T02:00:00.000Z\"},\"seq\":1,\"subject\":\"complaint\",\"type\":\"received\"}",
        /* a member twice */
        "{\"actor_party\":3,\"actor_user\":7,\"at\":1795399200000,\"complaint\":" NO1
        ",\"payload_sha256\":" SHA1 ",\"seq\":1,\"subject\":\"complaint\",\"type\":\"received\","
        "\"complaint\":" NO1 "}",
    };
    for (size_t i = 0; i < N(entries); i++) {
        r = receipt_a(&l);
        set_str(r, "entry", entries[i]);
        expect_code(r, l.pk, "entry_mismatch", entries[i]);
    }

    /* entries the check accepts as the creation event, which then fail the
     * hash: members in another order or spaced out, a digest that is only
     * a string or is another payload's, an "imported" type, another actor */
    static const char *const hashed[] = {
        "{\"type\":\"received\",\"subject\":\"complaint\",\"seq\":1,\"payload_sha256\":" SHA1
        ",\"complaint\":" NO1 ",\"at\":1795399200000,\"actor_user\":7,\"actor_party\":3}",
        "{ \"actor_party\": 3, \"actor_user\": 7, \"at\": 1795399200000, \"complaint\": " NO1
        ", \"payload_sha256\": " SHA1 ", \"seq\": 1, \"subject\": \"complaint\", \"type\": "
        "\"received\" }",
        ENTRY_TEXT(AT1, NO1, "\"not a digest\"", SEQ1, TYPE1),
        ENTRY_TEXT(AT1, NO1, "\"\"", SEQ1, TYPE1),
        ENTRY_TEXT(AT1, NO1, "\"" CAPITAL_WEB_SHA256 "\"", SEQ1, TYPE1),
        ENTRY_TEXT(AT1, NO1, SHA1, SEQ1, "\"imported\""),
        "{\"at\":1795399200000,\"complaint\":" NO1 ",\"payload_sha256\":" SHA1
        ",\"seq\":1,\"type\":\"received\"}",
    };
    for (size_t i = 0; i < N(hashed); i++) {
        r = receipt_a(&l);
        set_str(r, "entry", hashed[i]);
        expect_code(r, l.pk, "leaf_hash", hashed[i]);
    }
#undef ENTRY_TEXT
#undef AT1
#undef NO1
#undef SHA1
#undef SEQ1
#undef TYPE1
    ledger_free(&l);
}

static void test_receipt_tree(void **state)
{
    (void)state;
    ledger l;
    ledger_build(&l);
    json_t *r;
    omb_hash other;
    char hex[65];

    /* wrong leaf hash */
    r = receipt_a(&l);
    omb_merkle_leaf_hash(l.bytes[2], l.len[2], other);
    omb_hash_hex(other, hex);
    set_str(r, "leaf_hash", hex);
    expect_code(r, l.pk, "leaf_hash", "leaf hash of another entry");

    /* broken proofs */
    r = receipt_a(&l);
    json_t *proof = json_object_get(r, "inclusion_proof");
    char flipped[65];
    memcpy(flipped, json_string_value(json_array_get(proof, 0)), 65);
    flipped[10] = flipped[10] == '0' ? '1' : '0';
    json_array_set_new(proof, 0, json_string(flipped));
    expect_code(r, l.pk, "inclusion_proof", "flipped proof hash");
    r = receipt_a(&l);
    json_array_remove(json_object_get(r, "inclusion_proof"), 2);
    expect_code(r, l.pk, "inclusion_proof", "proof hash dropped");
    r = receipt_a(&l);
    json_array_append_new(json_object_get(r, "inclusion_proof"), hex_json(l.head.root, 32));
    expect_code(r, l.pk, "inclusion_proof", "proof hash added");
    r = receipt_a(&l);
    json_object_set_new(r, "leaf_index", json_integer(2));
    expect_code(r, l.pk, "inclusion_proof", "other leaf index");
    r = receipt_a(&l);
    json_object_set_new(r, "leaf_index", json_integer(ENTRIES));
    expect_code(r, l.pk, "inclusion_proof", "leaf index past the tree");

    /* another size: 4 leaves call for another path; 7 for the same path
     * (leaf 1 has the same siblings), so only the signature catches it */
    r = receipt_a(&l);
    json_object_set_new(head_of(r), "size", json_integer(4));
    expect_code(r, l.pk, "inclusion_proof", "size 4");
    r = receipt_a(&l);
    json_object_set_new(head_of(r), "size", json_integer(7));
    expect_code(r, l.pk, "signature", "size 7");
    r = receipt_a(&l);
    json_object_set_new(head_of(r), "size", json_integer(0));
    expect_code(r, l.pk, "inclusion_proof", "size 0");

    /* another root */
    r = receipt_a(&l);
    set_str(head_of(r), "root", hex);
    expect_code(r, l.pk, "inclusion_proof", "other root");
    ledger_free(&l);
}

static void test_receipt_signature(void **state)
{
    (void)state;
    ledger l;
    ledger_build(&l);
    json_t *r;

    /* a bad signature, another time */
    r = receipt_a(&l);
    uint8_t sig[OMB_SIGNATURE_LEN];
    memcpy(sig, l.head.signature, sizeof sig);
    sig[5] ^= 0x20;
    json_object_set_new(head_of(r), "signature", hex_json(sig, sizeof sig));
    expect_code(r, l.pk, "signature", "flipped signature bit");
    r = receipt_a(&l);
    json_object_del(head_of(r), "at");
    json_object_set_new(head_of(r), "at_ms", json_integer(AT_HEAD + 1));
    expect_code(r, l.pk, "signature", "other time");

    /* another public key, signature left: the signature fails first */
    r = receipt_a(&l);
    json_object_set_new(r, "public_key", hex_json(l.wpk, 32));
    expect_code(r, NULL, "signature", "other public key");

    /* the key id must name the key */
    r = receipt_a(&l);
    set_str(r, "key_id", "0000000000000000");
    expect_code(r, NULL, "key_mismatch", "wrong key id");
    r = receipt_a(&l);
    set_str(r, "key_id", RFC8032_KEY_ID "00");
    expect_code(r, NULL, "key_mismatch", "long key id");

    /* signed throughout with another key: fine unless a key is pinned */
    r = receipt_a(&l);
    omb_tree_head h = l.head;
    omb_ledger_head_sign(&h, l.wsk);
    json_object_set_new(head_of(r), "signature", hex_json(h.signature, OMB_SIGNATURE_LEN));
    json_object_set_new(r, "public_key", hex_json(l.wpk, 32));
    char id[OMB_KEY_ID_HEX + 1];
    omb_ledger_key_id(l.wpk, id);
    set_str(r, "key_id", id);
    omb_receipt_facts facts;
    expect_ok(r, NULL, &facts);
    assert_string_equal(facts.key_id, id);
    expect_ok(r, l.wpk, &facts);
    expect_code(json_incref(r), l.pk, "key_mismatch", "pinned key");
    json_decref(r);
    ledger_free(&l);
}

static void test_receipt_format(void **state)
{
    (void)state;
    ledger l;
    ledger_build(&l);
    json_t *r;

    static const char *const required[] = {
        "format",    "complaint",       "received_at", "entry",      "leaf_index",
        "leaf_hash", "inclusion_proof", "tree_head",   "public_key", "key_id"};
    for (size_t i = 0; i < N(required); i++) {
        r = receipt_a(&l);
        json_object_del(r, required[i]);
        expect_code(r, l.pk, "receipt_format", required[i]);
    }
    static const char *const head_required[] = {"size", "at_ms", "root", "signature"};
    for (size_t i = 0; i < N(head_required); i++) {
        r = receipt_a(&l);
        json_object_del(head_of(r), head_required[i]);
        expect_code(r, l.pk, "receipt_format", head_required[i]);
    }

    r = receipt_a(&l);
    set_str(r, "format", "ombud-receipt-v2");
    expect_code(r, l.pk, "receipt_format", "format v2");
    expect_code(json_array(), l.pk, "receipt_format", "an array");
    expect_code(json_string("receipt"), l.pk, "receipt_format", "a string");
    omb_err err;
    assert_int_equal(omb_receipt_check(NULL, NULL, NULL, &err), OMB_EINVAL);
    assert_string_equal(err.code, "receipt_format");

    /* wrong types and malformed values */
    struct {
        const char *key;
        json_t *value;
        bool in_head;
    } bad[] = {
        {"leaf_index", json_integer(-1), false},
        {"leaf_index", json_string("1"), false},
        {"leaf_hash", json_string("abc"), false},
        {"inclusion_proof", json_string("[]"), false},
        {"inclusion_proof", json_pack("[s]", "zz"), false},
        {"entry", json_integer(1), false},
        {"complaint", json_string("123456789012345678901234567890123"), false},
        {"complaint", json_stringn("20261123000001\0x", 16), false},
        {"received_at", json_null(), false},
        {"public_key", json_string("d75a98"), false},
        {"key_id", json_integer(7), false},
        {"cosignatures", json_object(), false},
        {"tree_head", json_string("head"), false},
        {"size", json_string("6"), true},
        {"size", json_integer(-6), true},
        {"at_ms", json_real(1.5), true},
        {"root", json_string(""), true},
        {"signature", json_string("00"), true},
        {"at", json_string("2026-11-23T02:00:02.000Z"), true},
        {"at", json_string("yesterday"), true},
        {"at", json_integer(AT_HEAD), true},
    };
    for (size_t i = 0; i < N(bad); i++) {
        r = receipt_a(&l);
        json_object_set_new(bad[i].in_head ? head_of(r) : r, bad[i].key, bad[i].value);
        expect_code(r, l.pk, "receipt_format", bad[i].key);
    }
    /* a proof longer than any tree needs */
    r = receipt_a(&l);
    json_t *long_proof = json_array();
    for (int i = 0; i < OMB_MERKLE_PROOF_MAX + 1; i++)
        json_array_append_new(long_proof, hex_json(l.head.root, 32));
    json_object_set_new(r, "inclusion_proof", long_proof);
    expect_code(r, l.pk, "receipt_format", "long proof");
    ledger_free(&l);
}

static void test_receipt_cosignatures(void **state)
{
    (void)state;
    ledger l;
    ledger_build(&l);
    omb_receipt_facts facts;
    json_t *r = receipt_a(&l);
    json_t *cosigs = json_object_get(r, "cosignatures");

    /* a bad countersignature is counted, not refused */
    uint8_t sig[OMB_SIGNATURE_LEN];
    memcpy(sig, l.witness_sig, sizeof sig);
    sig[0] ^= 1;
    json_object_set_new(json_array_get(cosigs, 0), "signature", hex_json(sig, sizeof sig));
    expect_ok(r, l.pk, &facts);
    assert_int_equal(facts.cosignatures, 1);
    assert_int_equal(facts.cosignatures_valid, 0);

    /* a good one, one over another head, one with the server's key, and junk */
    json_t *good = json_object();
    json_object_set_new(good, "party", json_string("bank-b"));
    json_object_set_new(good, "public_key", hex_json(l.wpk, 32));
    json_object_set_new(good, "signature", hex_json(l.witness_sig, OMB_SIGNATURE_LEN));
    json_array_append_new(cosigs, good);
    omb_tree_head older = l.head;
    older.size = 5;
    omb_ledger_head_sign(&older, l.wsk);
    json_t *stale = json_deep_copy(good);
    json_object_set_new(stale, "signature", hex_json(older.signature, OMB_SIGNATURE_LEN));
    json_array_append_new(cosigs, stale);
    json_t *wrong_key = json_deep_copy(good);
    json_object_set_new(wrong_key, "public_key", hex_json(l.pk, 32));
    json_array_append_new(cosigs, wrong_key);
    json_array_append_new(cosigs, json_string("junk"));
    json_array_append_new(cosigs, json_pack("{s:s,s:s}", "public_key", "zz", "signature", "00"));
    json_array_append_new(cosigs, json_object());
    expect_ok(r, l.pk, &facts);
    assert_int_equal(facts.cosignatures, 7);
    assert_int_equal(facts.cosignatures_valid, 1);

    /* the server's own signature as a countersignature verifies too */
    json_t *own = json_object();
    json_object_set_new(own, "public_key", hex_json(l.pk, 32));
    json_object_set_new(own, "signature", hex_json(l.head.signature, OMB_SIGNATURE_LEN));
    json_array_append_new(cosigs, own);
    expect_ok(r, l.pk, &facts);
    assert_int_equal(facts.cosignatures, 8);
    assert_int_equal(facts.cosignatures_valid, 2);
    json_decref(r);
    ledger_free(&l);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_bytes),    cmocka_unit_test(test_entry_payload_digest),
        cmocka_unit_test(test_entry_refusals), cmocka_unit_test(test_entry_hash),
        cmocka_unit_test(test_head_message),   cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_key_id),         cmocka_unit_test(test_hex),
        cmocka_unit_test(test_receipt_passes), cmocka_unit_test(test_receipt_entry),
        cmocka_unit_test(test_receipt_tree),   cmocka_unit_test(test_receipt_signature),
        cmocka_unit_test(test_receipt_format), cmocka_unit_test(test_receipt_cosignatures),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
