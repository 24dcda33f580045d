/*
 * fuzz_utf8.c - libFuzzer harness: the UTF-8 validator (src/core/utf8.c)
 * against a plain reference decoder written from RFC 3629.
 *
 * Both must agree on every input (overlong forms, surrogates, code points
 * past U+10FFFF, stray continuation bytes and NUL are refused), and
 * omb_utf8_count must count the reference's code points.
 */
#include "fuzz_common.h"
#include "core/utf8.h"

/* The number of code points of s, or -1 when s is not UTF-8 without NUL. */
static long reference(const unsigned char *s, size_t n)
{
    long count = 0;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        unsigned cp, min;
        if (c == 0)
            return -1;
        if (c < 0x80) {
            i++;
            count++;
            continue;
        }
        if (c >= 0xC0 && c < 0xE0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c < 0xF0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c < 0xF8) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return -1;
        }
        if (n - i < len)
            return -1;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return -1;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        i += len;
        count++;
    }
    return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long want = reference(data, size);
    bool valid = omb_utf8_valid((const char *)data, size);
    if (valid != (want >= 0)) {
        fprintf(stderr, "omb_utf8_valid says %d, the reference %d\n", valid, want >= 0);
        abort();
    }
    if (valid && omb_utf8_count((const char *)data, size) != (size_t)want) {
        fprintf(stderr, "omb_utf8_count differs from the reference (%ld)\n", want);
        abort();
    }
    return 0;
}
