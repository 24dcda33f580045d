/*
 * witness.c - `ombud witness`: lets a partner party (a bank) act as a
 * Certificate-Transparency-style witness of a platform's evidence ledger.
 * The witness remembers the last signed tree head it saw, checks that every
 * new head extends it (an RFC 6962 consistency proof), and only then
 * countersigns the new head with its own Ed25519 key, so that a platform
 * that rewrote or forked its ledger cannot get a partner's signature on it.
 *
 *   ombud witness keygen --key FILE
 *       Creates a witness key: the 32-byte Ed25519 seed as 64 hex digits and
 *       a newline, in a new file of mode 0600 (never overwrites one).  Prints
 *       the public key (hex), which the party's admin registers with
 *       POST /v1/ledger/witnesses {"party":ID,"public_key":HEX}.
 *
 *   ombud witness public-key --key FILE
 *       Prints the public key of an existing key file (refused unless only
 *       its owner can read it).
 *
 *   ombud witness check --url URL --token TOKEN --key FILE --state FILE
 *                       [--log-key HEX] [--no-cosign]
 *       One witness round against the server at URL (http or https; a
 *       trailing "/v1" is ignored), as a user (admin, supervisor or auditor)
 *       of the witness party; the token may instead come from the
 *       environment variable OMBUD_TOKEN, which keeps it out of ps.
 *        1. GET /v1/ledger/key: the log's public key must be --log-key when
 *           given, else the key pinned in the state file; with neither it
 *           is trusted on first use (and pinned, which is said on stderr).
 *        2. GET /v1/ledger/head: its signature must verify with that key
 *           over the 67-byte head message (see core/ledger.h).
 *        3. Against the head in the state file (size M, root): the new size
 *           N must be >= M, equal roots when N == M, else the proof of
 *           GET /v1/ledger/consistency?first=M&second=N must verify.
 *        4. The state file is rewritten atomically (temporary file, fsync,
 *           rename, fsync of the directory) with the new head:
 *           {"at_ms":...,"checked_at_ms":...,"log_key":HEX,"root":HEX,"size":N}.
 *           It is written before countersigning, so that a head this
 *           witness vouched for is always the one it remembers.
 *        5. Unless --no-cosign (when --key is optional): the head message is
 *           signed with the witness key and sent to
 *           POST /v1/ledger/heads/N/cosignatures {"signature":HEX}; 201 and
 *           409 already_cosigned (a re-run) are both success.
 *       Prints one line: "witnessed head size N root 0123456789abcdef..
 *       (consistent with size M); countersigned", where the parenthesis may
 *       also be "(first head witnessed)" or "(unchanged since last time)",
 *       and the end "already countersigned" or "not countersigned
 *       (--no-cosign)".  Giving --log-key also re-pins a state file to that
 *       key (for a key rotation checked out of band).  A failed check
 *       (1-3) prints "KEY MISMATCH: ...", "BAD SIGNATURE: ..." or
 *       "FORK/INCONSISTENT: ..." on stderr, leaves the state file alone and
 *       countersigns nothing.
 *
 * Exit status: 0 ok, 1 a check failed (or the server refused the
 * countersignature), 2 usage, file, network or server errors.
 *
 * HTTP goes through libcurl: http and https only, no redirects, a connect
 * timeout of 10 s and a total of 30 s per request, responses capped at
 * 1 MiB.  Responses are parsed with jansson (duplicate keys refused).
 */
#include "cli.h"

#include "app/version.h"
#include "core/buf.h"
#include "core/ledger.h"
#include "core/merkle.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define W_OK_EXIT    0
#define W_CHECK_EXIT 1
#define W_ERROR_EXIT 2

#define RESPONSE_CAP       ((size_t)1 << 20)
#define URL_CAP            4096
#define TIMEOUT_MS         30000L
#define CONNECT_TIMEOUT_MS 10000L
#define KEY_FILE_MAX       128
#define STATE_FILE_MAX     65536
#define TOKEN_MAX          4096

static void witness_usage(void)
{
    fputs("usage: ombud witness keygen --key FILE\n"
          "       ombud witness public-key --key FILE\n"
          "       ombud witness check --url URL --token TOKEN --key FILE --state FILE\n"
          "                           [--log-key HEX] [--no-cosign]\n",
          stderr);
}

/* ---- the witness key ------------------------------------------------------------------ */

typedef struct witness_key {
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
} witness_key;

static void print_hex_line(const uint8_t *p, size_t n)
{
    char hex[2 * 64 + 1];
    omb_hex_encode(p, n, hex);
    printf("%s\n", hex);
}

static int key_create(const char *path, witness_key *k)
{
    uint8_t seed[crypto_sign_SEEDBYTES];
    char line[2 * crypto_sign_SEEDBYTES + 2];
    crypto_sign_keypair(k->pk, k->sk);
    crypto_sign_ed25519_sk_to_seed(seed, k->sk);
    omb_hex_encode(seed, sizeof seed, line);
    line[2 * crypto_sign_SEEDBYTES] = '\n';
    sodium_memzero(seed, sizeof seed);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int e = errno;
        sodium_memzero(line, sizeof line);
        if (e == EEXIST)
            cli_error("key file %s already exists; refusing to overwrite it", path);
        else
            cli_error("cannot create key file %s: %s", path, strerror(e));
        return W_ERROR_EXIT;
    }
    size_t len = 2 * crypto_sign_SEEDBYTES + 1;
    bool ok = fchmod(fd, 0600) == 0 && write(fd, line, len) == (ssize_t)len && fsync(fd) == 0;
    int e = errno;
    sodium_memzero(line, sizeof line);
    if (close(fd) != 0)
        ok = false;
    if (!ok) {
        unlink(path);
        cli_error("cannot write key file %s: %s", path, strerror(e));
        return W_ERROR_EXIT;
    }
    return W_OK_EXIT;
}

static int key_load(const char *path, witness_key *k)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("cannot open key file %s: %s", path, strerror(errno));
        return W_ERROR_EXIT;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        cli_error("key file %s is not a regular file", path);
        return W_ERROR_EXIT;
    }
    if ((st.st_mode & 077) != 0) {
        close(fd);
        cli_error("key file %s must be readable by its owner only (chmod 600)", path);
        return W_ERROR_EXIT;
    }
    char text[KEY_FILE_MAX + 1];
    size_t len = 0;
    ssize_t n;
    while (len < KEY_FILE_MAX && (n = read(fd, text + len, KEY_FILE_MAX - len)) > 0)
        len += (size_t)n;
    close(fd);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    text[len] = '\0';
    uint8_t seed[crypto_sign_SEEDBYTES];
    int rc = omb_hex_decode(text, seed, sizeof seed);
    sodium_memzero(text, sizeof text);
    if (rc != OMB_OK) {
        cli_error("key file %s does not hold a witness key (64 hex digits)", path);
        return W_ERROR_EXIT;
    }
    crypto_sign_seed_keypair(k->pk, k->sk, seed);
    sodium_memzero(seed, sizeof seed);
    return W_OK_EXIT;
}

/* ---- HTTP ----------------------------------------------------------------------------- */

typedef struct client {
    CURL *curl;
    omb_buf base; /* the URL without a trailing "/" or "/v1" */
    omb_buf auth; /* "Authorization: Bearer ..." */
} client;

typedef struct response {
    long status;
    omb_buf body;
    bool too_big;
    json_t *json; /* the parsed body, when it is JSON */
} response;

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    response *r = ctx;
    size_t len = size * n;
    if (omb_buf_append(&r->body, p, len) != OMB_OK) {
        r->too_big = true;
        return 0;
    }
    return len;
}

static bool token_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > TOKEN_MAX)
        return false;
    for (const char *p = t; *p; p++)
        if (*p <= ' ' || *p >= 0x7f)
            return false;
    return true;
}

static int client_init(client *c, const char *url, const char *token)
{
    memset(c, 0, sizeof *c);
    omb_buf_init(&c->base, URL_CAP);
    omb_buf_init(&c->auth, TOKEN_MAX + 64);
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    if (n >= 3 && memcmp(url + n - 3, "/v1", 3) == 0)
        n -= 3;
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        cli_error("--url must be an http:// or https:// URL");
        return W_ERROR_EXIT;
    }
    if (!token_ok(token)) {
        cli_error("the token must be printable ASCII without spaces");
        return W_ERROR_EXIT;
    }
    if (omb_buf_append(&c->base, url, n) ||
        omb_buf_printf(&c->auth, "Authorization: Bearer %s", token)) {
        cli_error("--url or --token is too long");
        return W_ERROR_EXIT;
    }
    c->curl = curl_easy_init();
    if (!c->curl) {
        cli_error("cannot make a curl handle");
        return W_ERROR_EXIT;
    }
    return W_OK_EXIT;
}

static void client_release(client *c)
{
    if (c->curl)
        curl_easy_cleanup(c->curl);
    if (c->auth.data)
        sodium_memzero(c->auth.data, c->auth.len);
    omb_buf_release(&c->auth);
    omb_buf_release(&c->base);
}

static void response_release(response *r)
{
    omb_buf_release(&r->body);
    json_decref(r->json);
    r->json = NULL;
}

/* One request; path starts with "/v1/".  body (JSON text) makes it a POST.
 * Returns W_OK_EXIT with r filled (any status), or W_ERROR_EXIT after
 * saying why nothing usable came back. */
static int request(client *c, const char *path, const char *body, response *r)
{
    memset(r, 0, sizeof *r);
    omb_buf_init(&r->body, RESPONSE_CAP);
    omb_buf url = OMB_BUF_INIT(URL_CAP);
    if (omb_buf_printf(&url, "%s%s", omb_buf_str(&c->base), path)) {
        omb_buf_release(&url);
        cli_error("the URL is too long");
        return W_ERROR_EXIT;
    }
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, omb_buf_str(&c->auth));
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, "Expect:");
    if (body)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    CURL *h = c->curl;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, omb_buf_str(&url));
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "ombud-witness/" OMB_VERSION);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)RESPONSE_CAP);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    const char *method = body ? "POST" : "GET";
    if (rc != CURLE_OK) {
        if (r->too_big || rc == CURLE_FILESIZE_EXCEEDED)
            cli_error("%s %s: the response is larger than %zu bytes", method, omb_buf_str(&url),
                      RESPONSE_CAP);
        else
            cli_error("%s %s: %s", method, omb_buf_str(&url), curl_easy_strerror(rc));
        omb_buf_release(&url);
        response_release(r);
        return W_ERROR_EXIT;
    }
    omb_buf_release(&url);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    if (r->body.len) {
        json_error_t jerr;
        r->json = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &jerr);
    }
    return W_OK_EXIT;
}

static const char *error_code(const response *r)
{
    const json_t *e = json_object_get(r->json, "error");
    return omb_json_str(e, "code", "");
}

/* Says what the server answered instead of what was wanted. */
static void server_refused(const char *method, const char *path, const response *r)
{
    const json_t *e = json_object_get(r->json, "error");
    if (json_is_object(e))
        cli_error("%s %s: HTTP %ld %s: %s", method, path, r->status, omb_json_str(e, "code", "?"),
                  omb_json_str(e, "message", ""));
    else
        cli_error("%s %s: HTTP %ld (not an ombud error response)", method, path, r->status);
}

/* GET path expecting 200 and a JSON object; W_ERROR_EXIT otherwise. */
static int get_json(client *c, const char *path, response *r)
{
    int rc = request(c, path, NULL, r);
    if (rc)
        return rc;
    if (r->status != 200) {
        server_refused("GET", path, r);
        response_release(r);
        return W_ERROR_EXIT;
    }
    if (!json_is_object(r->json)) {
        cli_error("GET %s: the response is not a JSON object", path);
        response_release(r);
        return W_ERROR_EXIT;
    }
    return W_OK_EXIT;
}

/* ---- reading what the server sent ----------------------------------------------------- */

static bool json_u64(const json_t *obj, const char *key, uint64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static bool json_hex(const json_t *obj, const char *key, uint8_t *out, size_t n)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) && omb_hex_decode(json_string_value(v), out, n) == OMB_OK;
}

static bool parse_head(const json_t *v, omb_tree_head *h)
{
    memset(h, 0, sizeof *h);
    const json_t *at = json_object_get(v, "at_ms");
    if (!json_u64(v, "size", &h->size) || h->size == 0 || !json_is_integer(at))
        return false;
    h->at = (omb_ms)json_integer_value(at);
    return json_hex(v, "root", h->root, OMB_HASH_LEN) &&
           json_hex(v, "signature", h->signature, OMB_SIGNATURE_LEN);
}

/* ---- the state file ------------------------------------------------------------------- */

typedef struct witness_state {
    bool have_key;
    uint8_t log_key[OMB_SIGN_PUBLIC_LEN];
    bool have_head;
    uint64_t size;
    omb_hash root;
    omb_ms at;
} witness_state;

/* Reads the state; a missing file is an empty state (first use). */
static int state_load(const char *path, witness_state *st)
{
    memset(st, 0, sizeof *st);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return W_OK_EXIT;
    if (fd < 0) {
        cli_error("cannot open state file %s: %s", path, strerror(errno));
        return W_ERROR_EXIT;
    }
    omb_buf text = OMB_BUF_INIT(STATE_FILE_MAX);
    char chunk[4096];
    ssize_t n;
    int rc = W_OK_EXIT;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        if (omb_buf_append(&text, chunk, (size_t)n)) {
            rc = W_ERROR_EXIT;
            break;
        }
    if (n < 0)
        rc = W_ERROR_EXIT;
    close(fd);
    json_t *j = NULL;
    if (!rc) {
        json_error_t jerr;
        j = json_loadb(omb_buf_str(&text), text.len, JSON_REJECT_DUPLICATES, &jerr);
    }
    omb_buf_release(&text);
    if (!rc && json_is_object(j)) {
        st->have_key = json_hex(j, "log_key", st->log_key, sizeof st->log_key);
        bool has_size = json_object_get(j, "size") != NULL;
        st->have_head = json_u64(j, "size", &st->size) && st->size > 0 &&
                        json_hex(j, "root", st->root, OMB_HASH_LEN);
        st->at = (omb_ms)omb_json_int(j, "at_ms", 0);
        if (!st->have_key || (has_size && !st->have_head))
            rc = W_ERROR_EXIT;
    } else {
        rc = W_ERROR_EXIT;
    }
    json_decref(j);
    if (rc)
        cli_error("state file %s is not a witness state (a JSON object with log_key, size, "
                  "root, at_ms)",
                  path);
    return rc;
}

static omb_ms wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (omb_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Makes the rename of a file in dir durable (best effort where the
 * directory cannot be opened). */
static void sync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir =
        slash ? omb_xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : omb_xstrdup(".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Replaces the state file atomically: temporary file, fsync, rename. */
static int state_save(const char *path, const witness_state *st)
{
    char key[2 * OMB_SIGN_PUBLIC_LEN + 1], root[2 * OMB_HASH_LEN + 1];
    omb_hex_encode(st->log_key, sizeof st->log_key, key);
    omb_hash_hex(st->root, root);
    json_t *j =
        json_pack("{s:s,s:I,s:s,s:I,s:I}", "log_key", key, "size", (json_int_t)st->size, "root",
                  root, "at_ms", (json_int_t)st->at, "checked_at_ms", (json_int_t)wall_ms());
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    omb_buf tmp = OMB_BUF_INIT(URL_CAP);
    int rc = W_ERROR_EXIT;
    if (!text || omb_buf_printf(&tmp, "%s.%ld.tmp", path, (long)getpid())) {
        cli_error("cannot write state file %s: path too long", path);
        goto out;
    }
    int fd = open(omb_buf_str(&tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        cli_error("cannot create %s: %s", omb_buf_str(&tmp), strerror(errno));
        goto out;
    }
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && rename(omb_buf_str(&tmp), path) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        unlink(omb_buf_str(&tmp));
        cli_error("cannot write state file %s: %s", path, strerror(e));
        goto out;
    }
    sync_dir_of(path);
    rc = W_OK_EXIT;
out:
    free(text);
    omb_buf_release(&tmp);
    return rc;
}

/* ---- one witness round ---------------------------------------------------------------- */

static void hex_prefix(const uint8_t *p, char out[17])
{
    omb_hex_encode(p, 8, out);
}

/* Step 1: the log's key, checked against --log-key or the pinned one. */
static int check_log_key(client *c, const uint8_t *given, const witness_state *st,
                         uint8_t key[OMB_SIGN_PUBLIC_LEN], bool *first_use)
{
    response r;
    int rc = get_json(c, "/v1/ledger/key", &r);
    if (rc)
        return rc;
    bool ok = json_hex(r.json, "public_key", key, OMB_SIGN_PUBLIC_LEN);
    response_release(&r);
    if (!ok) {
        cli_error("GET /v1/ledger/key: no public_key (64 hex digits) in the response");
        return W_ERROR_EXIT;
    }
    char got[2 * OMB_SIGN_PUBLIC_LEN + 1], want[2 * OMB_SIGN_PUBLIC_LEN + 1];
    omb_hex_encode(key, OMB_SIGN_PUBLIC_LEN, got);
    const uint8_t *expect = given ? given : st->have_key ? st->log_key : NULL;
    *first_use = expect == NULL;
    if (!expect)
        return W_OK_EXIT;
    if (sodium_memcmp(expect, key, OMB_SIGN_PUBLIC_LEN) != 0) {
        omb_hex_encode(expect, OMB_SIGN_PUBLIC_LEN, want);
        fprintf(stderr, "KEY MISMATCH: the log's public key is %s, not %s (%s)\n", got, want,
                given ? "--log-key" : "the key pinned in the state file");
        return W_CHECK_EXIT;
    }
    return W_OK_EXIT;
}

/* Step 2: the latest head, its signature checked. */
static int fetch_head(client *c, const uint8_t key[OMB_SIGN_PUBLIC_LEN], omb_tree_head *h)
{
    response r;
    int rc = request(c, "/v1/ledger/head", NULL, &r);
    if (rc)
        return rc;
    if (r.status == 404 && strcmp(error_code(&r), "no_head") == 0) {
        cli_error("the log has no signed tree head yet: nothing to witness");
        response_release(&r);
        return W_ERROR_EXIT;
    }
    if (r.status != 200) {
        server_refused("GET", "/v1/ledger/head", &r);
        response_release(&r);
        return W_ERROR_EXIT;
    }
    bool ok = parse_head(r.json, h);
    response_release(&r);
    if (!ok) {
        cli_error("GET /v1/ledger/head: not a tree head (size, at_ms, root, signature)");
        return W_ERROR_EXIT;
    }
    if (!omb_ledger_head_verify(h, h->signature, key)) {
        fprintf(stderr,
                "BAD SIGNATURE: the tree head of size %llu does not verify with the log "
                "key\n",
                (unsigned long long)h->size);
        return W_CHECK_EXIT;
    }
    return W_OK_EXIT;
}

static int inconsistent(const witness_state *st, const omb_tree_head *h, const char *why)
{
    char old_root[17], new_root[17];
    hex_prefix(st->root, old_root);
    hex_prefix(h->root, new_root);
    fprintf(stderr,
            "FORK/INCONSISTENT: %s (witnessed before: size %llu root %s..; now: size %llu root "
            "%s..); not countersigned, state not updated\n",
            why, (unsigned long long)st->size, old_root, (unsigned long long)h->size, new_root);
    return W_CHECK_EXIT;
}

/* Step 3: the new head extends the one witnessed before. */
static int check_consistency(client *c, const witness_state *st, const omb_tree_head *h)
{
    if (h->size < st->size)
        return inconsistent(st, h, "the log is smaller than before");
    if (h->size == st->size)
        return sodium_memcmp(h->root, st->root, OMB_HASH_LEN) == 0
                   ? W_OK_EXIT
                   : inconsistent(st, h, "another root for the same size");
    char path[96];
    snprintf(path, sizeof path, "/v1/ledger/consistency?first=%llu&second=%llu",
             (unsigned long long)st->size, (unsigned long long)h->size);
    response r;
    int rc = get_json(c, path, &r);
    if (rc)
        return rc;
    uint64_t first = 0, second = 0;
    const json_t *arr = json_object_get(r.json, "proof");
    size_t n = json_array_size(arr);
    omb_hash proof[OMB_MERKLE_PROOF_MAX];
    bool ok = json_u64(r.json, "first", &first) && json_u64(r.json, "second", &second) &&
              first == st->size && second == h->size && json_is_array(arr) &&
              n <= OMB_MERKLE_PROOF_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        const json_t *v = json_array_get(arr, i);
        ok = json_is_string(v) && omb_hash_parse(json_string_value(v), proof[i]) == OMB_OK;
    }
    response_release(&r);
    if (!ok)
        return inconsistent(st, h, "the server's consistency proof is malformed");
    if (!omb_merkle_verify_consistency(st->size, h->size, st->root, h->root,
                                       (const omb_hash *)proof, n))
        return inconsistent(st, h, "the consistency proof does not verify");
    return W_OK_EXIT;
}

/* Step 5: countersigns h.  *already is set when this party had done so. */
static int cosign(client *c, const witness_key *k, const omb_tree_head *h, bool *already)
{
    uint8_t msg[OMB_HEAD_MESSAGE_LEN], sig[OMB_SIGNATURE_LEN];
    char hex[2 * OMB_SIGNATURE_LEN + 1], path[64];
    omb_ledger_head_message(h, msg);
    crypto_sign_detached(sig, NULL, msg, sizeof msg, k->sk);
    omb_hex_encode(sig, sizeof sig, hex);
    json_t *body = json_pack("{s:s}", "signature", hex);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        cli_error("out of memory");
        return W_ERROR_EXIT;
    }
    snprintf(path, sizeof path, "/v1/ledger/heads/%llu/cosignatures", (unsigned long long)h->size);
    response r;
    int rc = request(c, path, text, &r);
    free(text);
    if (rc)
        return rc;
    *already = false;
    if (r.status == 201) {
        rc = W_OK_EXIT;
    } else if (r.status == 409 && strcmp(error_code(&r), "already_cosigned") == 0) {
        *already = true;
        rc = W_OK_EXIT;
    } else {
        server_refused("countersignature refused: POST", path, &r);
        rc = W_CHECK_EXIT;
    }
    response_release(&r);
    return rc;
}

static int witness_round(client *c, const witness_key *k, const uint8_t *given_key,
                         const char *state_path)
{
    witness_state st;
    int rc = state_load(state_path, &st);
    if (rc)
        return rc;
    uint8_t key[OMB_SIGN_PUBLIC_LEN];
    bool first_use = false;
    if ((rc = check_log_key(c, given_key, &st, key, &first_use)))
        return rc;
    omb_tree_head h;
    if ((rc = fetch_head(c, key, &h)))
        return rc;
    if (st.have_head && (rc = check_consistency(c, &st, &h)))
        return rc;
    witness_state next = {.have_key = true, .have_head = true, .size = h.size, .at = h.at};
    memcpy(next.log_key, key, sizeof key);
    memcpy(next.root, h.root, OMB_HASH_LEN);
    if ((rc = state_save(state_path, &next)))
        return rc;
    if (first_use) {
        char hex[2 * OMB_SIGN_PUBLIC_LEN + 1];
        omb_hex_encode(key, sizeof key, hex);
        fprintf(stderr,
                "ombud: trusted the log key %s on first use and pinned it in %s (compare it "
                "with the key the platform published, or pass --log-key)\n",
                hex, state_path);
    }
    bool already = false;
    if (k && (rc = cosign(c, k, &h, &already)))
        return rc;
    char root[17];
    hex_prefix(h.root, root);
    printf("witnessed head size %llu root %s.. ", (unsigned long long)h.size, root);
    if (!st.have_head)
        printf("(first head witnessed)");
    else if (st.size == h.size)
        printf("(unchanged since last time)");
    else
        printf("(consistent with size %llu)", (unsigned long long)st.size);
    printf("; %s\n", !k        ? "not countersigned (--no-cosign)"
                     : already ? "already countersigned"
                               : "countersigned");
    return W_OK_EXIT;
}

/* ---- the commands --------------------------------------------------------------------- */

static int run_check(cli_args *a)
{
    const char *url = cli_opt(a, "url", NULL);
    const char *token = cli_opt(a, "token", getenv("OMBUD_TOKEN"));
    const char *key_path = cli_opt(a, "key", NULL);
    const char *state_path = cli_opt(a, "state", NULL);
    const char *log_key_hex = cli_opt(a, "log-key", NULL);
    bool sign = !cli_flag(a, "no-cosign");
    if (!url || !token || !state_path || (sign && !key_path)) {
        cli_error("witness check needs --url, --token (or OMBUD_TOKEN), --state and --key "
                  "(unless --no-cosign)");
        witness_usage();
        return W_ERROR_EXIT;
    }
    uint8_t given[OMB_SIGN_PUBLIC_LEN];
    if (log_key_hex && omb_hex_decode(log_key_hex, given, sizeof given) != OMB_OK) {
        cli_error("--log-key must be 64 hex digits (an Ed25519 public key)");
        return W_ERROR_EXIT;
    }
    witness_key k;
    int rc = sign ? key_load(key_path, &k) : W_OK_EXIT;
    if (rc)
        return rc;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        cli_error("libcurl failed to initialise");
        sodium_memzero(&k, sizeof k);
        return W_ERROR_EXIT;
    }
    client c;
    rc = client_init(&c, url, token);
    if (!rc)
        rc = witness_round(&c, sign ? &k : NULL, log_key_hex ? given : NULL, state_path);
    client_release(&c);
    curl_global_cleanup();
    sodium_memzero(&k, sizeof k);
    return rc;
}

int cmd_witness(cli_args *a)
{
    if (a->n_words != 2) {
        witness_usage();
        return W_ERROR_EXIT;
    }
    if (sodium_init() < 0) {
        cli_error("libsodium failed to initialise");
        return W_ERROR_EXIT;
    }
    const char *sub = a->words[1];
    if (strcmp(sub, "check") == 0)
        return run_check(a);
    bool keygen = strcmp(sub, "keygen") == 0;
    if (!keygen && strcmp(sub, "public-key") != 0) {
        cli_error("unknown witness command %s", sub);
        witness_usage();
        return W_ERROR_EXIT;
    }
    const char *path = cli_opt(a, "key", NULL);
    if (!path) {
        cli_error("witness %s needs --key FILE", sub);
        return W_ERROR_EXIT;
    }
    witness_key k;
    int rc = keygen ? key_create(path, &k) : key_load(path, &k);
    if (!rc)
        print_hex_line(k.pk, sizeof k.pk);
    if (!rc && keygen)
        fprintf(stderr,
                "ombud: wrote the witness key to %s; register the public key above with POST "
                "/v1/ledger/witnesses\n",
                path);
    sodium_memzero(&k, sizeof k);
    return rc;
}
