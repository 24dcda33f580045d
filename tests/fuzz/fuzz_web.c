/*
 * fuzz_web.c - libFuzzer harness: the readers of the web workbench's
 * request headers and paths (src/core/web.c).
 *
 * The input is one header value or path.  Each reader must stay within it;
 * Accept-Encoding takes gzip only when the header names gzip or "*", and
 * never once ", gzip;q=0" is added; If-None-Match matches the tag only when
 * the header holds it or "*"; a path taken as a file's has no dot segment,
 * no empty segment and no backslash; a gzip check never reads past its
 * input.
 */
#include "fuzz_common.h"
#include "core/web.h"

#include <strings.h>

static const char tag[] = "\"0123456789abcdef0123456789abcdef\"";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_cstr(data, size);
    size_t n = strlen(s);
    bool gz = omb_web_accepts_gzip(s);
    if (gz && !strcasestr(s, "gzip") && !strchr(s, '*'))
        abort();
    if (gz && n + 10 <= OMB_WEB_HEADER_MAX) {
        char *refused = omb_xmalloc(n + 10);
        memcpy(refused, s, n);
        memcpy(refused + n, ",gzip;q=0", 10);
        if (omb_web_accepts_gzip(refused))
            abort();
        free(refused);
    }
    if (omb_web_etag_matches(s, tag) && !strstr(s, tag + 1) && !strchr(s, '*'))
        abort();
    if (omb_web_path_ok(s) && (s[0] != '/' || strstr(s, "/.") || strstr(s, "//") ||
                               strchr(s, '\\') || n > OMB_WEB_PATH_MAX))
        abort();
    (void)omb_web_is_page_route(s);
    (void)omb_web_content_type(s);
    (void)omb_web_cache_control(s);
    free(s);
    char *copy = fz_copy(data, size);
    (void)omb_web_gzip_of((const uint8_t *)copy, size, (const uint8_t *)copy, size / 2);
    free(copy);
    return 0;
}
