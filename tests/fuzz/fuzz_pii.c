/*
 * fuzz_pii.c - libFuzzer harness: the personal-data detector of free text
 * (src/core/pii_text.c, omb_pii_text_scan and omb_pii_text_mask).
 *
 * The input is the text, any bytes.  Beyond not crashing, it checks what
 * pii_text.h promises: the spans are in order, non-empty, non-overlapping,
 * inside the text and of a known kind, and a scan with a smaller cap writes
 * the same first spans and counts the same; the mask masks as many spans as
 * the scan finds, copies a text without spans byte for byte, keeps the text
 * before the first span, and is at most MASK_GROWTH bytes longer per span
 * than the text; and scanning the masked text finds nothing (a mask must
 * not itself look like personal data: "137****7000" is no phone number).
 */
#include "fuzz_common.h"
#include "core/pii_text.h"

/* The most a mask adds to its span: a 13-digit card "4222222222222" becomes
 * "4222 **** * 2222" (3 more), an e-mail "a@b.co" "a***@b.co" (3 more). */
#define MASK_GROWTH 4

static void fail(const char *what, const char *text, size_t len)
{
    fprintf(stderr, "fuzz_pii: %s (text of %zu bytes)\n", what, len);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_copy(data, size);
    size_t n = omb_pii_text_scan(text, size, NULL, 0);
    omb_pii_span *spans = omb_xcalloc(n ? n : 1, sizeof *spans);
    if (omb_pii_text_scan(text, size, spans, n) != n)
        fail("two scans count differently", text, size);
    size_t prev_end = 0;
    for (size_t i = 0; i < n; i++) {
        if (spans[i].len == 0 || spans[i].start < prev_end || spans[i].start > size ||
            spans[i].len > size - spans[i].start || spans[i].kind >= OMB_PII__COUNT)
            fail("a span is empty, out of order, overlapping or outside the text", text, size);
        prev_end = spans[i].start + spans[i].len;
    }
    if (n > 1) {
        omb_pii_span first;
        if (omb_pii_text_scan(text, size, &first, 1) != n || first.start != spans[0].start ||
            first.len != spans[0].len || first.kind != spans[0].kind)
            fail("a scan with a cap of 1 differs", text, size);
    }

    omb_buf masked;
    omb_buf_init(&masked, size + n * MASK_GROWTH + 1);
    size_t found = 0;
    if (omb_pii_text_mask(text, size, &masked, &found) != OMB_OK)
        fail("the mask is longer than the bound", text, size);
    if (found != n)
        fail("the mask masks another number of spans than the scan finds", text, size);
    if (n == 0 && (masked.len != size || (size && memcmp(masked.data, text, size) != 0)))
        fail("a text without spans is not copied byte for byte", text, size);
    if (n > 0 && (masked.len < spans[0].start || memcmp(masked.data, text, spans[0].start) != 0))
        fail("the text before the first span is not kept", text, size);

    size_t again = omb_pii_text_scan(masked.data ? masked.data : "", masked.len, NULL, 0);
    if (again != 0)
        fail("the masked text still holds personal data", text, size);

    omb_buf_release(&masked);
    free(spans);
    free(text);
    return 0;
}
