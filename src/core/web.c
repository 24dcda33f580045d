/*
 * web.c - the pure rules of serving the web workbench's files; see web.h.
 */
#include "web.h"
#include "ledger.h"
#include "sha256.h"

#include <string.h>
#include <strings.h>

/* ---- paths ----------------------------------------------------------------------- */

bool omb_web_path_ok(const char *path)
{
    size_t n = strnlen(path, OMB_WEB_PATH_MAX + 1);
    if (n == 0 || n > OMB_WEB_PATH_MAX || path[0] != '/')
        return false;
    if (n == 1)
        return true;
    const char *seg = path + 1;
    for (const char *p = seg;; p++) {
        if (*p == '/' || *p == '\0') {
            if (p == seg || *seg == '.')
                return false;
            if (*p == '\0')
                return true;
            seg = p + 1;
            continue;
        }
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f || c == '\\')
            return false;
    }
}

bool omb_web_is_page_route(const char *path)
{
    const char *last = strrchr(path, '/');
    return !strchr(last ? last + 1 : path, '.');
}

/* ---- what a file is and how long it is kept ---------------------------------------- */

static const struct {
    const char *ext, *type;
} types[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"ttf", "font/ttf"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"txt", "text/plain; charset=utf-8"},
};

const char *omb_web_content_type(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash : name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(dot + 1, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

const char *omb_web_cache_control(const char *path)
{
    if (strncmp(path, "/assets/", 8) == 0)
        return "public, max-age=31536000, immutable";
    return "no-cache";
}

/* ---- Accept-Encoding ---------------------------------------------------------------- */

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* A token character (RFC 9110, 5.6.2). */
static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A qvalue in thousandths ("0", "0.5", "1.000"); -1 when malformed. */
static int qvalue(const char *p, const char *end)
{
    if (p == end || (*p != '0' && *p != '1'))
        return -1;
    int whole = *p++ - '0', frac = 0, digits = 0;
    if (p < end && *p == '.') {
        for (p++; p < end && *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
            frac = frac * 10 + (*p - '0');
    }
    if (p != end)
        return -1;
    for (; digits < 3; digits++)
        frac *= 10;
    if (whole == 1 && frac != 0)
        return -1;
    return whole * 1000 + frac;
}

/* The weight of one list element [p, end) after its coding: OWS, then
 * nothing (1000) or ";" OWS "q=" qvalue OWS; 0 when malformed. */
static int weight(const char *p, const char *end)
{
    while (p < end && is_ows(*p))
        p++;
    if (p == end)
        return 1000;
    if (*p++ != ';')
        return 0;
    while (p < end && is_ows(*p))
        p++;
    if (end - p < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
        return 0;
    p += 2;
    while (end > p && is_ows(end[-1]))
        end--;
    int q = qvalue(p, end);
    return q < 0 ? 0 : q;
}

bool omb_web_accepts_gzip(const char *accept_encoding)
{
    if (!accept_encoding)
        return false;
    size_t n = strnlen(accept_encoding, OMB_WEB_HEADER_MAX + 1);
    if (n > OMB_WEB_HEADER_MAX)
        return false;
    /* The lowest weight each is given (a refusal anywhere wins); -1: not named. */
    int gzip = -1, star = -1;
    const char *p = accept_encoding, *end = accept_encoding + n;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *elem_end = comma ? comma : end;
        while (p < elem_end && is_ows(*p))
            p++;
        const char *tok = p;
        while (p < elem_end && is_tchar(*p))
            p++;
        size_t len = (size_t)(p - tok);
        bool ends_well = p == elem_end || is_ows(*p) || *p == ';';
        int w = len && ends_well ? weight(p, elem_end) : -1;
        int *slot = NULL;
        if (w >= 0 && ((len == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
                       (len == 6 && strncasecmp(tok, "x-gzip", 6) == 0)))
            slot = &gzip;
        else if (w >= 0 && len == 1 && *tok == '*')
            slot = &star;
        if (slot && (*slot < 0 || w < *slot))
            *slot = w;
        p = comma ? comma + 1 : end;
    }
    return gzip >= 0 ? gzip > 0 : star > 0;
}

/* ---- If-None-Match ---------------------------------------------------------------- */

/* A character of an opaque tag (RFC 9110, 8.8.3). */
static bool is_etagc(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

bool omb_web_etag_matches(const char *if_none_match, const char *etag)
{
    if (!if_none_match)
        return false;
    size_t n = strnlen(if_none_match, OMB_WEB_HEADER_MAX + 1);
    if (n > OMB_WEB_HEADER_MAX)
        return false;
    const char *p = if_none_match, *end = if_none_match + n;
    while (p < end && is_ows(*p))
        p++;
    const char *last = end;
    while (last > p && is_ows(last[-1]))
        last--;
    if (last - p == 1 && *p == '*')
        return true;
    size_t want = strlen(etag);
    bool matched = false, any = false;
    while (p < end) {
        while (p < end && (is_ows(*p) || *p == ','))
            p++;
        if (p == end)
            break;
        if (end - p >= 2 && p[0] == 'W' && p[1] == '/')
            p += 2;
        if (p == end || *p != '"')
            return false;
        const char *tag = p++;
        while (p < end && is_etagc((unsigned char)*p))
            p++;
        if (p == end || *p != '"')
            return false;
        p++;
        any = true;
        if ((size_t)(p - tag) == want && memcmp(tag, etag, want) == 0)
            matched = true;
        while (p < end && is_ows(*p))
            p++;
        if (p < end && *p != ',')
            return false;
    }
    return any && matched;
}

void omb_web_etag(const void *data, size_t len, char out[OMB_WEB_ETAG_LEN])
{
    uint8_t digest[OMB_SHA256_LEN];
    char hex[2 * OMB_SHA256_LEN + 1];
    omb_sha256(digest, data, len);
    omb_hex_encode(digest, OMB_WEB_ETAG_HEX / 2, hex);
    out[0] = '"';
    memcpy(out + 1, hex, OMB_WEB_ETAG_HEX);
    out[OMB_WEB_ETAG_HEX + 1] = '"';
    out[OMB_WEB_ETAG_HEX + 2] = '\0';
}

/* ---- gzip ------------------------------------------------------------------------- */

/* CRC-32 of ISO 3309 / ITU-T V.42, as gzip's trailer holds it. */
static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool omb_web_gzip_of(const uint8_t *gz, size_t gz_len, const uint8_t *data, size_t len)
{
    /* header (10 bytes), a deflate stream (at least 2), trailer (8) */
    if (gz_len < 20 || gz[0] != 0x1f || gz[1] != 0x8b || gz[2] != 8)
        return false;
    const uint8_t *trailer = gz + gz_len - 8;
    return le32(trailer + 4) == (uint32_t)len && le32(trailer) == crc32(data, len);
}
