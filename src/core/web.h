/*
 * web.h - the pure rules of serving the web workbench's files: which URL
 * paths may name a file, which are the page's own routes (answered with
 * index.html), the Content-Type of a file by its extension, how long a
 * browser may keep it, whether a request's Accept-Encoding takes gzip and
 * its If-None-Match names an entity tag, and whether a FILE.gz written by
 * the build is a gzip member of FILE.
 *
 * Headers are outside input: each is read within OMB_WEB_HEADER_MAX bytes,
 * and what cannot be read is taken in the safe sense (no gzip, no match).
 */
#ifndef OMB_WEB_H
#define OMB_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest URL path of a file (bytes, without the NUL). */
#define OMB_WEB_PATH_MAX 255
/* The longest Accept-Encoding or If-None-Match header read. */
#define OMB_WEB_HEADER_MAX 4096
/* An entity tag: '"', 32 hex digits of SHA-256, '"', NUL. */
#define OMB_WEB_ETAG_HEX 32
#define OMB_WEB_ETAG_LEN (OMB_WEB_ETAG_HEX + 3)

/* Whether path can name a file: it starts with '/', is at most
 * OMB_WEB_PATH_MAX bytes, and every segment is non-empty (except the
 * single "/"), starts with no '.' (no dotfile, no "." or ".."), and holds
 * no control character or backslash. */
bool omb_web_path_ok(const char *path);
/* Whether path is one of the page's own routes ("/", "/queue",
 * "/complaints/TS2026..."): its last segment has no '.'. */
bool omb_web_is_page_route(const char *path);
/* The Content-Type of a file by the extension of its name
 * ("application/octet-stream" for one not in the table). */
const char *omb_web_content_type(const char *name);
/* Cache-Control of a file: files under /assets/ carry a hash of their
 * contents in their names and are kept for a year; everything else
 * (index.html first) is checked with the server each time. */
const char *omb_web_cache_control(const char *path);
/* Whether an Accept-Encoding header accepts gzip (RFC 9110, 12.5.3):
 * "gzip" or "x-gzip" with a weight above 0, or else "*" with one; a
 * malformed weight counts as 0.  NULL (no header) accepts only identity. */
bool omb_web_accepts_gzip(const char *accept_encoding);
/* Whether an If-None-Match header matches etag (a quoted tag) by the weak
 * comparison (RFC 9110, 13.1.2): "*", or a list naming it with or without
 * W/.  A malformed header matches nothing. */
bool omb_web_etag_matches(const char *if_none_match, const char *etag);
/* The strong entity tag of bytes: '"' + OMB_WEB_ETAG_HEX hex digits of
 * their SHA-256 + '"'. */
void omb_web_etag(const void *data, size_t len, char out[OMB_WEB_ETAG_LEN]);
/* Whether gz is gzip data (RFC 1952: its magic and method) whose trailer
 * (CRC-32 and size) is that of data: a FILE.gz left from an earlier build
 * is not. */
bool omb_web_gzip_of(const uint8_t *gz, size_t gz_len, const uint8_t *data, size_t len);

#endif
