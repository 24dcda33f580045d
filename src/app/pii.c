/*
 * pii.c - personal data at rest: the key file, sealing and opening the
 * complainant's personal data, blind indexes, and the secrets of webhooks.
 *
 * `ombud init` creates a key file (32 random bytes, hex, mode 0600) beside
 * the database, or where key_file says; the database records a check value
 * so that a server never runs on the wrong key.  Keys are derived
 * from it: one seals the complainant's name, phone and identity number
 * with XChaCha20-Poly1305 (a complaint's document holds only masked values
 * and the sealed box), one makes blind indexes (HMAC-SHA-256 of the
 * normalised phone or identity number, 16 bytes) so that repeat
 * complainants are found without decrypting, one seals webhook secrets, one
 * signs tree heads, and one derives the CSRF tokens of browser sessions.
 */
#include "app.h"
#include "core/pii.h"
#include "core/pii_text.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEAL_PREFIX    "v1."
#define AD_COMPLAINANT "ombud/complainant/v1"
#define AD_SECRET      "ombud/webhook-secret/v1"

static void key_path(const omb_app *app, char *out, size_t cap)
{
    if (app->cfg.key_file[0])
        snprintf(out, cap, "%s", app->cfg.key_file);
    else
        snprintf(out, cap, "%s.key", app->cfg.database);
}

static int read_key(const char *path, unsigned char key[32], omb_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? OMB_ENOTFOUND
                               : omb_fail(err, OMB_EIO, "key_file", "key_file",
                                          "cannot read key file %s: %s", path, strerror(errno));
    struct stat st;
    char hex[80];
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && (st.st_mode & 077) == 0)
        n = read(fd, hex, sizeof hex - 1);
    else if (fstat(fd, &st) == 0) {
        close(fd);
        return omb_fail(err, OMB_EIO, "key_file", "key_file",
                        "key file %s must be readable by its owner only (chmod 600)", path);
    }
    close(fd);
    size_t len = 0;
    if (n >= 64) {
        hex[n] = 0;
        if (sodium_hex2bin(key, 32, hex, (size_t)n, " \n\r\t", &len, NULL) == 0 && len == 32)
            return OMB_OK;
    }
    return omb_fail(err, OMB_EIO, "key_file", "key_file",
                    "key file %s does not hold a 32-byte key in hex", path);
}

static int write_key(const char *path, unsigned char key[32], omb_err *err)
{
    randombytes_buf(key, 32);
    char hex[65 + 1];
    sodium_bin2hex(hex, 65, key, 32);
    hex[64] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return omb_fail(err, OMB_EIO, "key_file", "key_file", "cannot create key file %s: %s", path,
                        strerror(errno));
    bool ok = write(fd, hex, 65) == 65 && fsync(fd) == 0;
    close(fd);
    sodium_memzero(hex, sizeof hex);
    if (!ok) {
        unlink(path);
        return omb_fail(err, OMB_EIO, "key_file", "key_file", "cannot write key file %s", path);
    }
    return OMB_OK;
}

/* A value the database keeps to recognise its key without holding it. */
static void key_check(const unsigned char key[32], char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)"ombud key check", 15, key, 32);
    sodium_bin2hex(out, 65, h, sizeof h);
}

int omb_keys_open(omb_app *app, omb_store *ws, omb_err *err)
{
    char path[OMB_PATH_MAX + 8];
    key_path(app, path, sizeof path);
    unsigned char master[32];
    omb_buf stored;
    omb_buf_init(&stored, 256);
    omb_err ignore;
    bool known = ws->vt->meta_get(ws, "key_check", &stored, &ignore) == OMB_OK;
    int rc = read_key(path, master, err);
    if (rc == OMB_ENOTFOUND) {
        if (known)
            rc = omb_fail(err, OMB_EIO, "key_file", "key_file",
                          "the key file %s of this database is missing: personal data cannot "
                          "be read without it",
                          path);
        else
            rc = write_key(path, master, err);
    }
    char check[65];
    if (!rc) {
        key_check(master, check);
        if (known && strcmp(omb_buf_str(&stored), check) != 0)
            rc = omb_fail(err, OMB_EIO, "key_file", "key_file",
                          "key file %s does not belong to this database", path);
        else if (!known)
            rc = ws->vt->meta_set(ws, "key_check", check, err);
    }
    omb_buf_release(&stored);
    if (!rc) {
        crypto_kdf_derive_from_key(app->keys.pii, 32, 1, "ombudpii", master);
        crypto_kdf_derive_from_key(app->keys.blind, 32, 2, "ombudidx", master);
        crypto_kdf_derive_from_key(app->keys.webhook, 32, 3, "ombudwhk", master);
        crypto_kdf_derive_from_key(app->keys.csrf, 32, 5, "ombudcsr", master);
        unsigned char seed[crypto_sign_SEEDBYTES];
        crypto_kdf_derive_from_key(seed, sizeof seed, 4, "ombudsth", master);
        crypto_sign_seed_keypair(app->keys.ledger_public, app->keys.ledger_secret, seed);
        sodium_memzero(seed, sizeof seed);
        /* The public key is kept in the database too, for readers without the key file. */
        char pk[2 * 32 + 1];
        sodium_bin2hex(pk, sizeof pk, app->keys.ledger_public, 32);
        omb_buf_reset(&stored);
        if (ws->vt->meta_get(ws, "ledger_public_key", &stored, &ignore) != OMB_OK ||
            strcmp(omb_buf_str(&stored), pk) != 0)
            rc = ws->vt->meta_set(ws, "ledger_public_key", pk, err);
        omb_buf_release(&stored);
    }
    sodium_memzero(master, sizeof master);
    return rc;
}

int omb_ledger_key_from_file(const omb_config *cfg, unsigned char public_key[32], omb_err *err)
{
    omb_app probe;
    memset(&probe, 0, sizeof probe);
    probe.cfg = *cfg;
    char path[OMB_PATH_MAX + 8];
    key_path(&probe, path, sizeof path);
    unsigned char master[32], seed[crypto_sign_SEEDBYTES], secret[crypto_sign_SECRETKEYBYTES];
    int rc = read_key(path, master, err);
    if (rc == OMB_ENOTFOUND)
        rc = omb_fail(err, OMB_ENOTFOUND, "key_file", "key_file", "no key file %s", path);
    if (!rc) {
        crypto_kdf_derive_from_key(seed, sizeof seed, 4, "ombudsth", master);
        crypto_sign_seed_keypair(public_key, secret, seed);
    }
    sodium_memzero(master, sizeof master);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(secret, sizeof secret);
    return rc;
}

/* ---- sealing ---------------------------------------------------------------- */

/* Seals plain[0, len) as "v1." and base64url of nonce, ciphertext and tag;
 * the caller frees the text. */
static char *seal_alloc(const unsigned char key[32], const char *ad, const char *plain, size_t len)
{
    size_t boxlen = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + len +
                    crypto_aead_xchacha20poly1305_ietf_ABYTES;
    size_t cap = sizeof SEAL_PREFIX - 1 +
                 sodium_base64_encoded_len(boxlen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    unsigned char *box = omb_xmalloc(boxlen);
    char *out = omb_xmalloc(cap);
    unsigned char *nonce = box;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, (const unsigned char *)plain,
        len, (const unsigned char *)ad, strlen(ad), NULL, nonce, key);
    memcpy(out, SEAL_PREFIX, sizeof SEAL_PREFIX - 1);
    sodium_bin2base64(out + sizeof SEAL_PREFIX - 1, cap - (sizeof SEAL_PREFIX - 1), box, boxlen,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    free(box);
    return out;
}

/* Opens a sealed text: the plain text (NUL-terminated; the caller zeroes
 * and frees it), or NULL when it is not a box of this key. */
static char *unseal_alloc(const unsigned char key[32], const char *ad, const char *sealed,
                          size_t *plain_len)
{
    size_t slen = strlen(sealed), boxlen;
    if (strncmp(sealed, SEAL_PREFIX, sizeof SEAL_PREFIX - 1) != 0)
        return NULL;
    unsigned char *box = omb_xmalloc(slen);
    char *out = NULL;
    if (sodium_base642bin(box, slen, sealed + sizeof SEAL_PREFIX - 1,
                          slen - (sizeof SEAL_PREFIX - 1), NULL, &boxlen, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
        boxlen >= crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
                      crypto_aead_xchacha20poly1305_ietf_ABYTES) {
        size_t clen = boxlen - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
        unsigned long long mlen;
        out = omb_xmalloc(clen - crypto_aead_xchacha20poly1305_ietf_ABYTES + 1);
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                (unsigned char *)out, &mlen, NULL,
                box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, clen, (const unsigned char *)ad,
                strlen(ad), box, key) != 0) {
            free(out);
            out = NULL;
        } else {
            out[mlen] = 0;
            *plain_len = (size_t)mlen;
        }
    }
    free(box);
    return out;
}

static void free_clear(char *plain, size_t len)
{
    if (plain) {
        sodium_memzero(plain, len);
        free(plain);
    }
}

static int seal(const unsigned char key[32], const char *ad, const char *plain, char *out,
                size_t cap)
{
    char *sealed = seal_alloc(key, ad, plain, strlen(plain));
    size_t n = strlen(sealed);
    int rc = n < cap ? OMB_OK : OMB_ETOOBIG;
    if (!rc)
        memcpy(out, sealed, n + 1);
    free(sealed);
    return rc;
}

static int unseal(const unsigned char key[32], const char *ad, const char *sealed, char *out,
                  size_t cap)
{
    size_t len = 0;
    char *plain = unseal_alloc(key, ad, sealed, &len);
    int rc = !plain ? OMB_EINVAL : len < cap ? OMB_OK : OMB_ETOOBIG;
    if (!rc)
        memcpy(out, plain, len + 1);
    free_clear(plain, len);
    return rc;
}

/* The personal members of a complainant and how each is masked. */
static const struct {
    const char *key;
    void (*mask)(const char *in, char *out, size_t cap);
} personal[] = {
    {"name", omb_mask_name},
    {"phone", omb_mask_phone},
    {"id_number", omb_mask_id_number},
};

int omb_pii_blind(const omb_app *app, const char *kind, const char *value,
                  unsigned char out[OMB_BLIND_LEN], omb_err *err)
{
    char norm[64];
    bool phone = strcmp(kind, "phone") == 0;
    int rc = phone ? omb_pii_normalize_phone(value, norm, sizeof norm)
                   : omb_pii_normalize_id(value, norm, sizeof norm);
    if (rc)
        return omb_fail(err, OMB_EFIELD, "invalid_value", kind, "%s is not usable", kind);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, app->keys.blind, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)kind, strlen(kind) + 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)norm, strlen(norm));
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, mac, OMB_BLIND_LEN);
    return OMB_OK;
}

int omb_pii_seal(const omb_app *app, json_t *complainant, omb_pii_blind_set *blind, omb_err *err)
{
    memset(blind, 0, sizeof *blind);
    if (!json_is_object(complainant))
        return OMB_OK;
    const char *phone = omb_json_str(complainant, "phone", NULL);
    const char *id = omb_json_str(complainant, "id_number", NULL);
    omb_err unusable; /* validated before; an unusable value is simply not indexed */
    if (phone && omb_pii_blind(app, "phone", phone, blind->phone, &unusable) == OMB_OK)
        blind->has_phone = true;
    if (id && omb_pii_blind(app, "id_number", id, blind->id_number, &unusable) == OMB_OK)
        blind->has_id_number = true;
    json_t *clear = json_object();
    for (size_t i = 0; i < sizeof personal / sizeof personal[0]; i++) {
        json_t *v = json_object_get(complainant, personal[i].key);
        if (json_is_string(v))
            json_object_set(clear, personal[i].key, v);
    }
    char *plain = json_dumps(clear, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(clear);
    char sealed[2048];
    int rc = plain ? seal(app->keys.pii, AD_COMPLAINANT, plain, sealed, sizeof sealed) : OMB_EIO;
    if (plain) {
        sodium_memzero(plain, strlen(plain));
        free(plain);
    }
    if (rc)
        return omb_fail(err, OMB_EFIELD, "too_long", "complainant",
                        "the complainant's personal data is too long");
    for (size_t i = 0; i < sizeof personal / sizeof personal[0]; i++) {
        const char *v = omb_json_str(complainant, personal[i].key, NULL);
        if (!v)
            continue;
        char masked[512];
        personal[i].mask(v, masked, sizeof masked);
        json_object_set_new(complainant, personal[i].key, json_string(masked));
    }
    json_object_set_new(complainant, "sealed", json_string(sealed));
    return OMB_OK;
}

int omb_pii_open(const omb_app *app, const json_t *complainant, json_t **out, omb_err *err)
{
    const char *sealed = omb_json_str(complainant, "sealed", NULL);
    json_t *res = json_object();
    if (sealed) {
        char plain[2048];
        if (unseal(app->keys.pii, AD_COMPLAINANT, sealed, plain, sizeof plain) != OMB_OK) {
            json_decref(res);
            return omb_fail(err, OMB_EIO, "unseal_failed", NULL,
                            "the complainant's personal data cannot be opened with this key");
        }
        json_error_t jerr;
        json_t *clear = json_loads(plain, 0, &jerr);
        sodium_memzero(plain, sizeof plain);
        if (clear)
            json_object_update(res, clear);
        json_decref(clear);
    }
    const char *ref = omb_json_str(complainant, "customer_ref", NULL);
    if (ref)
        json_object_set_new(res, "customer_ref", json_string(ref));
    *out = res;
    return OMB_OK;
}

int omb_secret_seal(const omb_app *app, const char *plain, char *out, size_t cap)
{
    return seal(app->keys.webhook, AD_SECRET, plain, out, cap);
}

int omb_secret_open(const omb_app *app, const char *sealed, char *out, size_t cap)
{
    return unseal(app->keys.webhook, AD_SECRET, sealed, out, cap);
}

/* ---- personal data in free text ------------------------------------------------ */

#define AD_TEXT "ombud/free-text/v1"

/* The dotted path of field `name` under `path`, written into fp. */
static const char *field_path(char *fp, size_t cap, const char *path, const char *name)
{
    snprintf(fp, cap, "%s%s%s", path, *path ? "." : "", name);
    return fp;
}

/* Masks the free-text fields (OMB_F_TEXT) of obj by specs, recursively; the
 * originals of those that changed go into originals under their path.  A
 * field's path is written only when it is needed (every create walks all
 * the specs, most of whose fields are absent or not text). */
static int mask_texts(json_t *obj, const omb_field_spec *specs, const char *path, json_t *originals,
                      omb_err *err)
{
    int rc = OMB_OK;
    for (const omb_field_spec *f = specs; !rc && f && f->name; f++) {
        json_t *v = json_object_get(obj, f->name);
        if (!v)
            continue;
        char fp[OMB_ERR_FIELD_MAX];
        if (f->type == OMB_F_TEXT && json_is_string(v)) {
            size_t len = json_string_length(v), found = 0;
            omb_buf masked = OMB_BUF_INIT(2 * len + 64); /* a card's mask is a little longer */
            rc = omb_pii_text_mask(json_string_value(v), len, &masked, &found);
            if (rc) {
                field_path(fp, sizeof fp, path, f->name);
                rc = omb_fail(err, OMB_EFIELD, "too_long", fp, "%s is too long", fp);
            } else if (found) {
                json_object_set(originals, field_path(fp, sizeof fp, path, f->name), v);
                json_object_set_new(obj, f->name, json_stringn(omb_buf_str(&masked), masked.len));
            }
            omb_buf_release(&masked);
        } else if (f->type == OMB_F_OBJECT && json_is_object(v)) {
            rc = mask_texts(v, f->sub, field_path(fp, sizeof fp, path, f->name), originals, err);
        } else if (f->type == OMB_F_OBJECTS && json_is_array(v)) {
            field_path(fp, sizeof fp, path, f->name);
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item)
            {
                char ip[OMB_ERR_FIELD_MAX];
                bool fits = snprintf(ip, sizeof ip, "%s.%zu", fp, i) < (int)sizeof ip;
                if (!rc && fits)
                    rc = mask_texts(item, f->sub, ip, originals, err);
            }
        }
    }
    return rc;
}

int omb_pii_text_seal(const omb_app *app, json_t *body, const omb_field_spec *specs, json_t **clear,
                      omb_err *err)
{
    if (clear)
        *clear = NULL;
    json_t *originals = json_object();
    int rc = mask_texts(body, specs, "", originals, err);
    if (!rc && json_object_size(originals) > 0) {
        char *plain = json_dumps(originals, JSON_COMPACT | JSON_SORT_KEYS);
        if (!plain)
            rc = omb_fail(err, OMB_EIO, "internal", NULL, "cannot seal the free text");
        else {
            size_t len = strlen(plain);
            char *sealed = seal_alloc(app->keys.pii, AD_TEXT, plain, len);
            free_clear(plain, len);
            json_object_set_new(body, OMB_SEALED_TEXT, json_string(sealed));
            free(sealed);
            if (clear)
                *clear = json_incref(originals);
        }
    }
    json_decref(originals);
    return rc;
}

int omb_pii_text_seal_file(const omb_app *app, const char *text, size_t len, omb_buf *masked,
                           char **sealed, omb_err *err)
{
    *sealed = NULL;
    size_t found = 0;
    if (omb_pii_text_mask(text, len, masked, &found) != OMB_OK)
        return omb_fail(err, OMB_ETOOBIG, "too_large", NULL, "the text is too large to mask");
    if (!found)
        return OMB_OK;
    json_t *whole = json_stringn(text, len); /* NULL: not UTF-8 */
    json_t *original = whole ? json_pack("{s:o}", OMB_SEALED_FILE_FIELD, whole) : NULL;
    char *plain = original ? json_dumps(original, JSON_COMPACT) : NULL;
    json_decref(original);
    if (!plain)
        return omb_fail(err, OMB_EIO, "internal", NULL, "cannot seal the text");
    size_t plen = strlen(plain);
    *sealed = seal_alloc(app->keys.pii, AD_TEXT, plain, plen);
    free_clear(plain, plen);
    return OMB_OK;
}

int omb_pii_text_open(const omb_app *app, const json_t *payload, json_t **out, omb_err *err)
{
    *out = NULL;
    const char *sealed = omb_json_str(payload, OMB_SEALED_TEXT, NULL);
    if (!sealed)
        return OMB_OK;
    size_t len = 0;
    char *plain = unseal_alloc(app->keys.pii, AD_TEXT, sealed, &len);
    json_error_t jerr;
    json_t *texts = plain ? json_loadb(plain, len, 0, &jerr) : NULL;
    free_clear(plain, len);
    if (!json_is_object(texts)) {
        json_decref(texts);
        return omb_fail(err, OMB_EIO, "unseal_failed", NULL,
                        "the event's free text cannot be opened with this key");
    }
    *out = texts;
    return OMB_OK;
}
