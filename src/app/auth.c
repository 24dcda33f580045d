/*
 * auth.c - bearer tokens and passwords.
 *
 * A token is "omb_" followed by 32 random bytes in base64url.  Only its
 * SHA-256 is stored, so a copy of the database does not grant access.
 * Passwords are hashed with Argon2id at libsodium's interactive limits.
 *
 * Each thread keeps a small cache of recently seen tokens so that a busy
 * connection does not look its token up on every request.  An entry lives
 * at most AUTH_CACHE_MS, never past the token's expiry, and every entry is
 * dropped at once when any token is revoked through this process.
 *
 * A browser session is an ordinary token that travels in an HttpOnly
 * cookie.  Its CSRF token is derived, never stored: HMAC-SHA-256 of the
 * session token's hash under a key derived from the key file, base64url.
 * Only the server can make it, and only for that session.
 *
 * A new password must also pass core/password.h's rules, against the list
 * of common passwords built into the binary.
 */
#include "app.h"
#include "core/password.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define TOKEN_PREFIX     "omb_"
#define AUTH_CACHE_SLOTS 64
#define AUTH_CACHE_MS    5000

typedef struct auth_slot {
    unsigned char hash[32];
    omb_principal who;
    omb_ms valid_until;
    long long generation;
    const omb_app *app;
} auth_slot;

static __thread auth_slot auth_cache[AUTH_CACHE_SLOTS];

extern const unsigned char omb_embed_common_passwords_txt[];
extern const size_t omb_embed_common_passwords_txt_len;

static auth_slot *cache_slot(const unsigned char hash[32])
{
    return &auth_cache[hash[0] % AUTH_CACHE_SLOTS];
}

void omb_auth_forget_all(omb_app *app)
{
    atomic_fetch_add(&app->auth_generation, 1);
}

void omb_auth_token_hash(const char *token, unsigned char hash[32])
{
    crypto_hash_sha256(hash, (const unsigned char *)token, strlen(token));
}

void omb_auth_new_token(char out[64], unsigned char hash[32])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    char enc[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(enc, sizeof enc, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, 64, TOKEN_PREFIX "%s", enc);
    sodium_memzero(raw, sizeof raw);
    omb_auth_token_hash(out, hash);
}

int omb_auth_hash_password(const char *password, char out[OMB_PWHASH_LEN], omb_err *err)
{
    _Static_assert(crypto_pwhash_STRBYTES <= OMB_PWHASH_LEN, "hash buffer too small");
    if (crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return omb_fail(err, OMB_EIO, "internal", NULL, "password hashing ran out of memory");
    return OMB_OK;
}

int omb_auth_check_password(const char *username, const char *password, omb_err *err)
{
    return omb_password_check(username, password, (const char *)omb_embed_common_passwords_txt,
                              omb_embed_common_passwords_txt_len, err);
}

int omb_auth_token(omb_app *app, omb_store *r, const char *token, omb_principal *out, omb_err *err)
{
    size_t n = strlen(token);
    if (n < 8 || n > 128 || strncmp(token, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0)
        return omb_fail(err, OMB_EUNAUTH, "invalid_token", NULL, "the token is malformed");
    unsigned char hash[32];
    omb_auth_token_hash(token, hash);
    omb_ms now = omb_app_now(app);
    long long gen = atomic_load(&app->auth_generation);
    auth_slot *slot = cache_slot(hash);
    if (slot->app == app && slot->generation == gen && now < slot->valid_until &&
        sodium_memcmp(slot->hash, hash, 32) == 0) {
        *out = slot->who;
        return OMB_OK;
    }
    omb_user u;
    omb_ms expires;
    int rc = r->vt->token_lookup(r, hash, now, &u, &expires, err);
    if (rc)
        return rc;
    omb_party p;
    if ((rc = r->vt->party_get(r, u.party_id, &p, err)) != OMB_OK)
        return rc == OMB_ENOTFOUND ? omb_fail(err, OMB_EUNAUTH, "invalid_token", NULL,
                                              "the token's party no longer exists")
                                   : rc;
    memset(out, 0, sizeof *out);
    out->user_id = u.id;
    out->party_id = u.party_id;
    out->role = u.role;
    snprintf(out->username, sizeof out->username, "%s", u.username);
    snprintf(out->party_kind, sizeof out->party_kind, "%s", p.kind);
    memcpy(out->token_hash, hash, 32);
    memcpy(slot->hash, hash, 32);
    slot->who = *out;
    slot->generation = gen;
    slot->app = app;
    slot->valid_until = now + AUTH_CACHE_MS < expires ? now + AUTH_CACHE_MS : expires;
    return OMB_OK;
}

void omb_auth_csrf(const omb_app *app, const unsigned char token_hash[32], char out[OMB_CSRF_LEN])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, token_hash, 32, app->keys.csrf);
    sodium_bin2base64(out, OMB_CSRF_LEN, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(mac, sizeof mac);
}

bool omb_auth_csrf_ok(const omb_app *app, const unsigned char token_hash[32], const char *sent)
{
    char want[OMB_CSRF_LEN];
    omb_auth_csrf(app, token_hash, want);
    size_t n = strlen(want);
    bool ok = sent && strnlen(sent, n + 1) == n && sodium_memcmp(want, sent, n) == 0;
    sodium_memzero(want, sizeof want);
    return ok;
}
