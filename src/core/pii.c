/*
 * pii.c - masking and normalising telephone numbers, identity numbers and
 * names; see pii.h.  Everything streams over the input: no buffers, no
 * allocation.
 */
#include "pii.h"
#include "utf8.h"

#include <stdbool.h>
#include <string.h>

/* Which characters of a masked string stay visible. */
typedef struct mask_rule {
    size_t short_below; /* strings with fewer characters than this ... */
    size_t short_tail;  /* ... keep only this many at the end; */
    size_t head, tail;  /* longer ones keep this many at each end. */
} mask_rule;

static const mask_rule number_rule = {8, 2, 3, 4};
static const mask_rule name_rule = {2, 0, 1, 0};

static bool rule_keeps(const mask_rule *rule, size_t index, size_t count)
{
    if (count < rule->short_below)
        return index + rule->short_tail >= count;
    return index < rule->head || index + rule->tail >= count;
}

/* Writes into out[0..cap) whole pieces only, always leaving room for the NUL. */
typedef struct writer {
    char *out;
    size_t cap, len;
    bool full;
} writer;

static void put(writer *w, const char *bytes, size_t n)
{
    if (w->full || w->cap == 0 || n > w->cap - 1 - w->len) {
        w->full = true;
        return;
    }
    memcpy(w->out + w->len, bytes, n);
    w->len += n;
}

static void finish(writer *w)
{
    if (w->cap > 0)
        w->out[w->len] = '\0';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
    return c != '\0' && strchr(" \t\n\v\f\r", c) != NULL;
}

static char to_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* ---- telephone numbers: the digits, less a country code ---- */

typedef struct phone_digits {
    size_t skip;  /* leading digits that are a country code */
    size_t count; /* digits after them */
} phone_digits;

static phone_digits scan_phone(const char *phone)
{
    char first[4] = {0};
    size_t total = 0;
    for (const char *p = phone; *p; p++)
        if (is_digit(*p)) {
            if (total < sizeof first)
                first[total] = *p;
            total++;
        }
    size_t skip = 0;
    if (total == 13 && first[0] == '8' && first[1] == '6')
        skip = 2;
    else if (total > 4 && memcmp(first, "0086", 4) == 0)
        skip = 4;
    return (phone_digits){skip, total - skip};
}

/* Writes the digits of phone after the country code, each masked by rule when rule is set. */
static void write_phone(const char *phone, const mask_rule *rule, writer *w)
{
    phone_digits d = scan_phone(phone);
    size_t seen = 0;
    for (const char *p = phone; *p; p++) {
        if (!is_digit(*p) || seen++ < d.skip)
            continue;
        size_t index = seen - 1 - d.skip;
        put(w, rule && !rule_keeps(rule, index, d.count) ? "*" : p, 1);
    }
}

void omb_mask_phone(const char *phone, char *out, size_t cap)
{
    writer w = {out, cap, 0, false};
    write_phone(phone ? phone : "", &number_rule, &w);
    finish(&w);
}

int omb_pii_normalize_phone(const char *phone, char *out, size_t cap)
{
    writer w = {out, cap, 0, false};
    write_phone(phone ? phone : "", NULL, &w);
    bool ok = w.len > 0 && !w.full;
    if (!ok)
        w.len = 0;
    finish(&w);
    return ok ? OMB_OK : OMB_EINVAL;
}

/* ---- text: identity numbers and names, character by character ---- */

/* Bytes in the well-formed UTF-8 character at s[0..n), or 0 when s[0] does not start one. */
static size_t char_len(const char *s, size_t n)
{
    unsigned char lead = (unsigned char)s[0];
    size_t len = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    return len > 0 && len <= n && omb_utf8_valid(s, len) ? len : 0;
}

/* text without the ASCII white space around it: [*begin, *begin + *len). */
static void trim(const char *text, const char **begin, size_t *len)
{
    size_t n = strlen(text);
    while (n > 0 && is_space(*text))
        text++, n--;
    while (n > 0 && is_space(text[n - 1]))
        n--;
    *begin = text;
    *len = n;
}

static size_t count_chars(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t at = 0; at < n; count++) {
        size_t len = char_len(s + at, n - at);
        at += len ? len : 1;
    }
    return count;
}

/* Masks trimmed text by rule, ASCII letters upper-cased when asked; invalid bytes become '*'. */
static void mask_text(const char *text, const mask_rule *rule, bool upper, char *out, size_t cap)
{
    writer w = {out, cap, 0, false};
    const char *s;
    size_t n;
    trim(text ? text : "", &s, &n);
    size_t count = count_chars(s, n);
    for (size_t at = 0, index = 0; at < n; index++) {
        size_t len = char_len(s + at, n - at);
        if (len == 0 || !rule_keeps(rule, index, count)) {
            put(&w, "*", 1);
        } else if (upper && len == 1) {
            char c = to_upper(s[at]);
            put(&w, &c, 1);
        } else {
            put(&w, s + at, len);
        }
        at += len ? len : 1;
    }
    finish(&w);
}

void omb_mask_id_number(const char *id, char *out, size_t cap)
{
    mask_text(id, &number_rule, true, out, cap);
}

void omb_mask_name(const char *name, char *out, size_t cap)
{
    mask_text(name, &name_rule, false, out, cap);
}

int omb_pii_normalize_id(const char *id, char *out, size_t cap)
{
    const char *s;
    size_t n;
    trim(id ? id : "", &s, &n);
    if (n == 0 || n >= cap) {
        if (cap > 0)
            out[0] = '\0';
        return OMB_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = to_upper(s[i]);
    out[n] = '\0';
    return OMB_OK;
}
