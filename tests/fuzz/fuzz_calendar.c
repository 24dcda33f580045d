/*
 * fuzz_calendar.c - libFuzzer harness: the working-day calendar loader
 * (data/calendar.tsv and its layers, src/core/calendar.c over src/core/tsv.c).
 *
 * The input holds up to three layers separated by form feeds ('\f'), as
 * `calendar`, `calendar_extra` and a party's calendar stack.  A calendar
 * that loads is then asked the questions the clocks ask, around the days
 * it names.
 */
#include "fuzz_common.h"
#include "core/calendar.h"

#define LAYERS_MAX 3

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_copy(data, size);
    const char *texts[LAYERS_MAX];
    size_t lens[LAYERS_MAX];
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= size && n < LAYERS_MAX; i++) {
        if (i == size || text[i] == '\f' || n == LAYERS_MAX - 1) {
            if (n == LAYERS_MAX - 1)
                i = size;
            texts[n] = text + start;
            lens[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    omb_calendar *c = NULL;
    omb_err err;
    omb_err_clear(&err);
    if (omb_calendar_parse(&c, texts, lens, n, &err) == OMB_OK) {
        /* Day numbers around 2026 (days since 1970-01-01), and the far edges. */
        static const int64_t days[] = {20454, 20800, 0, -1, 36500, INT32_MAX, -INT32_MAX};
        for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
            int64_t d = days[i];
            omb_calendar_is_workday(c, d);
            omb_calendar_name(c, d);
            int64_t next = omb_calendar_next_workday(c, d);
            int64_t later = omb_calendar_add_workdays(c, d, 15);
            if (next < d || later < d)
                abort();
            omb_calendar_workdays_between(c, d, later);
            omb_calendar_covers(c, 2026);
            omb_calendar_year_kind(c, 2026);
        }
        omb_calendar_free(c);
    } else if (c) {
        abort(); /* a failed parse leaves *out NULL */
    }
    free(text);
    return 0;
}
