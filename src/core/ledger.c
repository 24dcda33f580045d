/*
 * ledger.c - what the evidence ledger hashes and signs, and the offline
 * check of a receipt; see ledger.h.
 *
 * Leaf bytes are written by hand, member by member in key order, so that
 * they never depend on a JSON library's choices; only strings go through
 * omb_jsonw_string.  A receipt is checked in the order ledger.h lists its
 * error codes: its shape, its entry, the leaf hash, the inclusion proof,
 * the head's signature, then the key it names.  libsodium must have been
 * initialised (sodium_init) by the program.
 */
#include "ledger.h"
#include "jsonw.h"
#include "sha256.h"
#include "timeutil.h"

#include <sodium.h>
#include <string.h>

#define HEAD_LABEL     "ombud-tree-head-v1"
#define HEAD_LABEL_LEN 19 /* with its 0x00 */

_Static_assert(HEAD_LABEL_LEN + 8 + 8 + OMB_HASH_LEN == OMB_HEAD_MESSAGE_LEN,
               "head message layout");

/* ---- leaf bytes ----------------------------------------------------------- */

static int put_i64(omb_buf *b, int64_t v)
{
    char tmp[24];
    char *p = tmp + sizeof tmp;
    /* unsigned, so that the most negative value has a magnitude */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return omb_buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

static int put_str(omb_buf *b, const char *s)
{
    return omb_jsonw_string(b, s, strlen(s));
}

/* actor_party, actor_user, at, complaint */
static int put_front(omb_buf *b, const omb_ledger_entry *e)
{
    int rc = omb_buf_puts(b, "{\"actor_party\":");
    if (!rc)
        rc = put_i64(b, e->actor_party);
    if (!rc)
        rc = omb_buf_puts(b, ",\"actor_user\":");
    if (!rc)
        rc = put_i64(b, e->actor_user);
    if (!rc)
        rc = omb_buf_puts(b, ",\"at\":");
    if (!rc)
        rc = put_i64(b, e->at);
    if (!rc)
        rc = omb_buf_puts(b, ",\"complaint\":");
    if (!rc)
        rc = e->complaint_no ? put_str(b, e->complaint_no) : omb_buf_puts(b, "null");
    return rc;
}

/* payload_sha256, seq, subject, type */
static int put_back(omb_buf *b, const omb_ledger_entry *e)
{
    uint8_t digest[OMB_SHA256_LEN];
    char hex[2 * OMB_SHA256_LEN + 1];
    omb_sha256(digest, e->payload, e->payload_len);
    omb_hex_encode(digest, sizeof digest, hex);
    int rc = omb_buf_puts(b, ",\"payload_sha256\":\"");
    if (!rc)
        rc = omb_buf_append(b, hex, 2 * sizeof digest);
    if (!rc)
        rc = omb_buf_putc(b, '"');
    if (!rc)
        rc = omb_buf_puts(b, ",\"seq\":");
    if (!rc)
        rc = e->complaint_no ? put_i64(b, e->seq) : omb_buf_puts(b, "null");
    if (!rc)
        rc = omb_buf_puts(b, ",\"subject\":");
    if (!rc)
        rc = put_str(b, e->subject);
    if (!rc)
        rc = omb_buf_puts(b, ",\"type\":");
    if (!rc)
        rc = put_str(b, e->type);
    if (!rc)
        rc = omb_buf_putc(b, '}');
    return rc;
}

int omb_ledger_entry_bytes(omb_buf *out, const omb_ledger_entry *e)
{
    if (!out || !e || !e->subject || !e->type || !e->payload || e->payload_len == 0)
        return OMB_EINVAL;
    size_t mark = out->len;
    int rc = put_front(out, e);
    if (!rc)
        rc = put_back(out, e);
    if (rc) {
        out->len = mark; /* leave out as it was */
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc;
}

int omb_ledger_entry_hash(omb_buf *scratch, const omb_ledger_entry *e, omb_hash out)
{
    omb_buf_reset(scratch);
    int rc = omb_ledger_entry_bytes(scratch, e);
    if (rc)
        return rc;
    omb_merkle_leaf_hash(scratch->data, scratch->len, out);
    return OMB_OK;
}

/* ---- tree heads ----------------------------------------------------------- */

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

void omb_ledger_head_message(const omb_tree_head *h, uint8_t out[OMB_HEAD_MESSAGE_LEN])
{
    memcpy(out, HEAD_LABEL, HEAD_LABEL_LEN); /* the literal's NUL is the 0x00 */
    put_be64(out + HEAD_LABEL_LEN, h->size);
    put_be64(out + HEAD_LABEL_LEN + 8, (uint64_t)h->at);
    memcpy(out + HEAD_LABEL_LEN + 16, h->root, OMB_HASH_LEN);
}

void omb_ledger_head_sign(omb_tree_head *h, const uint8_t secret[OMB_SIGN_SECRET_LEN])
{
    uint8_t msg[OMB_HEAD_MESSAGE_LEN];
    omb_ledger_head_message(h, msg);
    crypto_sign_detached(h->signature, NULL, msg, sizeof msg, secret);
}

bool omb_ledger_head_verify(const omb_tree_head *h, const uint8_t signature[OMB_SIGNATURE_LEN],
                            const uint8_t public_key[OMB_SIGN_PUBLIC_LEN])
{
    uint8_t msg[OMB_HEAD_MESSAGE_LEN];
    omb_ledger_head_message(h, msg);
    return crypto_sign_verify_detached(signature, msg, sizeof msg, public_key) == 0;
}

void omb_ledger_key_id(const uint8_t public_key[OMB_SIGN_PUBLIC_LEN], char out[OMB_KEY_ID_HEX + 1])
{
    uint8_t digest[OMB_SHA256_LEN];
    omb_sha256(digest, public_key, OMB_SIGN_PUBLIC_LEN);
    omb_hex_encode(digest, OMB_KEY_ID_HEX / 2, out);
}

/* ---- hex ------------------------------------------------------------------ */

void omb_hex_encode(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
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

int omb_hex_decode(const char *hex, uint8_t *out, size_t n)
{
    if (!hex)
        return OMB_EINVAL;
    for (size_t i = 0; i < 2 * n; i++)
        if (hex_digit(hex[i]) < 0) /* also stops at the NUL of a short string */
            return OMB_EINVAL;
    if (hex[2 * n] != '\0')
        return OMB_EINVAL;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(hex_digit(hex[2 * i]) << 4 | hex_digit(hex[2 * i + 1]));
    return OMB_OK;
}

/* ---- receipts: reading ---------------------------------------------------- */

/* The size of a string in omb_receipt_facts. */
#define FACT_CAP(member) sizeof(((omb_receipt_facts *)0)->member)

/* A receipt's fields, read and decoded. */
typedef struct fields {
    const char *complaint;
    const char *received_at;
    const char *entry;
    size_t entry_len;
    uint64_t leaf_index;
    omb_hash leaf_hash;
    omb_hash proof[OMB_MERKLE_PROOF_MAX];
    size_t n_proof;
    omb_tree_head head;
    uint8_t public_key[OMB_SIGN_PUBLIC_LEN];
    const char *key_id;
    const json_t *cosignatures; /* an array, or NULL */
} fields;

static int bad_format(omb_err *err, const char *field)
{
    return omb_fail(err, OMB_EINVAL, "receipt_format", field,
                    "the receipt's %s is missing or malformed", field);
}

/* The string member key of obj, shorter than cap (0: any length); NULL
 * when absent, not a string or holding a NUL. */
static const char *str_member(const json_t *obj, const char *key, size_t cap)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v) || (cap && json_string_length(v) >= cap) ||
        strlen(json_string_value(v)) != json_string_length(v))
        return NULL;
    return json_string_value(v);
}

static bool u64_member(const json_t *obj, const char *key, uint64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static bool hex_member(const json_t *obj, const char *key, uint8_t *out, size_t n)
{
    const char *s = str_member(obj, key, 0);
    return s && omb_hex_decode(s, out, n) == OMB_OK;
}

static int read_proof(const json_t *arr, fields *r, omb_err *err)
{
    if (!json_is_array(arr) || json_array_size(arr) > OMB_MERKLE_PROOF_MAX)
        return bad_format(err, "inclusion_proof");
    r->n_proof = json_array_size(arr);
    for (size_t i = 0; i < r->n_proof; i++) {
        const json_t *v = json_array_get(arr, i);
        if (!json_is_string(v) || omb_hash_parse(json_string_value(v), r->proof[i]) != OMB_OK)
            return bad_format(err, "inclusion_proof");
    }
    return OMB_OK;
}

/* tree_head: size, at_ms, root, signature, and "at" (when present) naming
 * the same instant as at_ms. */
static int read_head(const json_t *th, omb_tree_head *h, omb_err *err)
{
    if (!json_is_object(th))
        return bad_format(err, "tree_head");
    const json_t *at_ms = json_object_get(th, "at_ms");
    if (!u64_member(th, "size", &h->size))
        return bad_format(err, "tree_head.size");
    if (!json_is_integer(at_ms))
        return bad_format(err, "tree_head.at_ms");
    h->at = json_integer_value(at_ms);
    if (!hex_member(th, "root", h->root, OMB_HASH_LEN))
        return bad_format(err, "tree_head.root");
    if (!hex_member(th, "signature", h->signature, OMB_SIGNATURE_LEN))
        return bad_format(err, "tree_head.signature");
    const json_t *at = json_object_get(th, "at");
    omb_ms when = 0;
    if (at &&
        (!json_is_string(at) || omb_time_parse(json_string_value(at), 0, &when) || when != h->at))
        return bad_format(err, "tree_head.at");
    return OMB_OK;
}

static int read_receipt(const json_t *j, fields *r, omb_err *err)
{
    const char *format = json_is_object(j) ? str_member(j, "format", 0) : NULL;
    if (!format || strcmp(format, "ombud-receipt-v1") != 0)
        return bad_format(err, "format");
    if (!(r->complaint = str_member(j, "complaint", FACT_CAP(complaint))))
        return bad_format(err, "complaint");
    if (!(r->received_at = str_member(j, "received_at", FACT_CAP(received_at))))
        return bad_format(err, "received_at");
    const json_t *entry = json_object_get(j, "entry");
    if (!json_is_string(entry))
        return bad_format(err, "entry");
    r->entry = json_string_value(entry);
    r->entry_len = json_string_length(entry);
    if (!u64_member(j, "leaf_index", &r->leaf_index))
        return bad_format(err, "leaf_index");
    if (!hex_member(j, "leaf_hash", r->leaf_hash, OMB_HASH_LEN))
        return bad_format(err, "leaf_hash");
    int rc = read_proof(json_object_get(j, "inclusion_proof"), r, err);
    if (!rc)
        rc = read_head(json_object_get(j, "tree_head"), &r->head, err);
    if (rc)
        return rc;
    if (!hex_member(j, "public_key", r->public_key, OMB_SIGN_PUBLIC_LEN))
        return bad_format(err, "public_key");
    if (!(r->key_id = str_member(j, "key_id", 0)))
        return bad_format(err, "key_id");
    r->cosignatures = json_object_get(j, "cosignatures");
    if (r->cosignatures && !json_is_array(r->cosignatures))
        return bad_format(err, "cosignatures");
    return OMB_OK;
}

/* ---- receipts: checking --------------------------------------------------- */

static bool str_is(const json_t *v, const char *want)
{
    return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

/* The parsed entry is the creation event of the receipt's complaint. */
static bool entry_matches(const json_t *e, const fields *r)
{
    const json_t *type = json_object_get(e, "type");
    const json_t *seq = json_object_get(e, "seq");
    const json_t *at = json_object_get(e, "at");
    char when[32];
    return json_is_object(e) && str_is(json_object_get(e, "complaint"), r->complaint) &&
           json_is_integer(seq) && json_integer_value(seq) == 1 &&
           (str_is(type, "received") || str_is(type, "imported")) && json_is_integer(at) &&
           omb_time_format(json_integer_value(at), when, sizeof when) == OMB_OK &&
           strcmp(when, r->received_at) == 0 &&
           json_is_string(json_object_get(e, "payload_sha256"));
}

static int check_entry(const fields *r, omb_err *err)
{
    json_error_t jerr;
    json_t *e = json_loadb(r->entry, r->entry_len, JSON_REJECT_DUPLICATES, &jerr);
    bool ok = e && entry_matches(e, r);
    json_decref(e);
    if (!ok)
        return omb_fail(err, OMB_EINVAL, "entry_mismatch", "entry",
                        "the entry is not the creation event of complaint %s received at %s",
                        r->complaint, r->received_at);
    return OMB_OK;
}

static int check_tree(const fields *r, omb_err *err)
{
    omb_hash leaf;
    omb_merkle_leaf_hash(r->entry, r->entry_len, leaf);
    if (sodium_memcmp(leaf, r->leaf_hash, OMB_HASH_LEN) != 0)
        return omb_fail(err, OMB_EINVAL, "leaf_hash", "leaf_hash",
                        "the leaf hash is not the hash of the entry");
    if (!omb_merkle_verify_inclusion(leaf, r->leaf_index, r->head.size, r->proof, r->n_proof,
                                     r->head.root))
        return omb_fail(err, OMB_EINVAL, "inclusion_proof", "inclusion_proof",
                        "the proof does not take leaf %llu to the root of the tree of %llu leaves",
                        (unsigned long long)r->leaf_index, (unsigned long long)r->head.size);
    return OMB_OK;
}

static int check_keys(const fields *r, const uint8_t *pinned_key, omb_err *err)
{
    if (!omb_ledger_head_verify(&r->head, r->head.signature, r->public_key))
        return omb_fail(err, OMB_EINVAL, "signature", "tree_head.signature",
                        "the tree head's signature does not verify with the receipt's key");
    char id[OMB_KEY_ID_HEX + 1];
    omb_ledger_key_id(r->public_key, id);
    if (strcmp(id, r->key_id) != 0)
        return omb_fail(err, OMB_EINVAL, "key_mismatch", "key_id",
                        "the key id does not name the receipt's key");
    if (pinned_key && sodium_memcmp(pinned_key, r->public_key, OMB_SIGN_PUBLIC_LEN) != 0)
        return omb_fail(err, OMB_EINVAL, "key_mismatch", "public_key",
                        "the receipt is signed with key %s, not the expected key", id);
    return OMB_OK;
}

/* Counts the countersignatures and those that verify over the same head. */
static void count_cosignatures(const fields *r, omb_receipt_facts *facts)
{
    size_t n = r->cosignatures ? json_array_size(r->cosignatures) : 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(r->cosignatures, i);
        uint8_t pk[OMB_SIGN_PUBLIC_LEN], sig[OMB_SIGNATURE_LEN];
        facts->cosignatures++;
        if (json_is_object(c) && hex_member(c, "public_key", pk, sizeof pk) &&
            hex_member(c, "signature", sig, sizeof sig) &&
            omb_ledger_head_verify(&r->head, sig, pk))
            facts->cosignatures_valid++;
    }
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int omb_receipt_check(const json_t *receipt, const uint8_t *pinned_key, omb_receipt_facts *facts,
                      omb_err *err)
{
    fields r;
    memset(&r, 0, sizeof r);
    if (facts)
        memset(facts, 0, sizeof *facts);
    int rc = read_receipt(receipt, &r, err);
    if (!rc)
        rc = check_entry(&r, err);
    if (!rc)
        rc = check_tree(&r, err);
    if (!rc)
        rc = check_keys(&r, pinned_key, err);
    if (rc || !facts)
        return rc;
    copy_str(facts->complaint, sizeof facts->complaint, r.complaint);
    copy_str(facts->received_at, sizeof facts->received_at, r.received_at);
    facts->leaf_index = r.leaf_index;
    facts->tree_size = r.head.size;
    facts->head_at = r.head.at;
    omb_ledger_key_id(r.public_key, facts->key_id);
    count_cosignatures(&r, facts);
    return OMB_OK;
}
