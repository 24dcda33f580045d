/*
 * taxonomy.c - parsing the code taxonomy TSV and looking codes up; see
 * taxonomy.h.
 *
 * The text is copied once; columns become NUL-terminated strings inside
 * that copy.  Codes are stored grouped by kind (file order within a kind)
 * so a kind lists as one slice, and an array of pointers sorted by
 * (kind, code) serves the binary search.
 */
#include "taxonomy.h"
#include "tsv.h"
#include "buf.h"
#include "utf8.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

const char *const omb_taxonomy_kinds[] = {"channel", "business", "cause", "claim", NULL};

#define NKINDS 4
#define NCOLS  4

struct omb_taxonomy {
    char *text;             /* the copy every string points into */
    omb_code *codes;        /* grouped by kind, file order within a kind */
    const omb_code **index; /* sorted by (kind, code) */
    size_t n;
    size_t kind_first[NKINDS];
    size_t kind_n[NKINDS];
};

/* A parsed line before the codes are grouped by kind. */
typedef struct pending {
    int kind;
    const char *code, *zh, *en;
    size_t line;
} pending;

static int kind_index(const char *kind)
{
    for (int k = 0; k < NKINDS; k++)
        if (strcmp(omb_taxonomy_kinds[k], kind) == 0)
            return k;
    return -1;
}

static bool code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > OMB_TAXONOMY_CODE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

/* Checks one non-comment line and appends it to *pend. */
static int parse_line(char *line, size_t len, size_t lineno, pending **pend, size_t *np,
                      size_t *alloc, omb_err *err)
{
    if (!omb_utf8_valid(line, len))
        return omb_fail(err, OMB_EINVAL, "taxonomy_encoding", NULL, "line %zu: invalid UTF-8",
                        lineno);
    char *cols[NCOLS];
    size_t ncols = omb_tsv_split(line, cols, NCOLS);
    if (ncols != NCOLS)
        return omb_fail(
            err, OMB_EINVAL, "taxonomy_syntax", NULL,
            "line %zu: expected 4 tab-separated columns (kind, code, zh, en), found %zu", lineno,
            ncols);
    int kind = kind_index(cols[0]);
    if (kind < 0)
        return omb_fail(err, OMB_EINVAL, "taxonomy_kind", NULL,
                        "line %zu: unknown kind \"%.40s\" (channel, business, cause or claim)",
                        lineno, cols[0]);
    if (!code_ok(cols[1]))
        return omb_fail(err, OMB_EINVAL, "taxonomy_code", NULL,
                        "line %zu: code \"%.40s\" must be 1-%d characters of a-z, 0-9 and _",
                        lineno, cols[1], OMB_TAXONOMY_CODE_MAX);
    for (int c = 2; c < NCOLS; c++) {
        size_t n = strlen(cols[c]);
        if (n == 0 || omb_tsv_blank(cols[c], n))
            return omb_fail(err, OMB_EINVAL, "taxonomy_syntax", NULL,
                            "line %zu: the %s label of %s is empty", lineno, c == 2 ? "zh" : "en",
                            cols[1]);
        if (n > OMB_TAXONOMY_LABEL_MAX)
            return omb_fail(err, OMB_EINVAL, "taxonomy_syntax", NULL,
                            "line %zu: the %s label of %s is longer than %d bytes", lineno,
                            c == 2 ? "zh" : "en", cols[1], OMB_TAXONOMY_LABEL_MAX);
    }
    if (*np == OMB_TAXONOMY_CODES_MAX)
        return omb_fail(err, OMB_EINVAL, "taxonomy_too_big", NULL, "line %zu: more than %d codes",
                        lineno, OMB_TAXONOMY_CODES_MAX);
    if (*np == *alloc) {
        *alloc = *alloc ? *alloc * 2 : 64;
        *pend = omb_xrealloc(*pend, *alloc * sizeof **pend);
    }
    (*pend)[(*np)++] = (pending){kind, cols[1], cols[2], cols[3], lineno};
    return OMB_OK;
}

static int code_cmp(const omb_code *a, const omb_code *b)
{
    int c = strcmp(a->kind, b->kind);
    return c ? c : strcmp(a->code, b->code);
}

static int index_cmp(const void *a, const void *b)
{
    return code_cmp(*(const omb_code *const *)a, *(const omb_code *const *)b);
}

/* Groups the pending codes by kind and builds the sorted index. */
static void build(omb_taxonomy *t, const pending *pend, size_t n, size_t *lines)
{
    size_t next[NKINDS];
    for (size_t i = 0; i < n; i++)
        t->kind_n[pend[i].kind]++;
    for (size_t k = 0, at = 0; k < NKINDS; k++) {
        t->kind_first[k] = next[k] = at;
        at += t->kind_n[k];
    }
    t->codes = omb_xcalloc(n, sizeof *t->codes);
    t->index = omb_xcalloc(n, sizeof *t->index);
    t->n = n;
    for (size_t i = 0; i < n; i++) {
        size_t at = next[pend[i].kind]++;
        t->codes[at] =
            (omb_code){omb_taxonomy_kinds[pend[i].kind], pend[i].code, pend[i].zh, pend[i].en};
        lines[at] = pend[i].line;
    }
    for (size_t i = 0; i < n; i++)
        t->index[i] = &t->codes[i];
    qsort(t->index, n, sizeof *t->index, index_cmp);
}

/* Reports the duplicate whose second occurrence comes first in the file. */
static int check_duplicates(const omb_taxonomy *t, const size_t *lines, omb_err *err)
{
    size_t best = 0, first = 0;
    const omb_code *dup = NULL;
    for (size_t i = 1; i < t->n; i++) {
        if (code_cmp(t->index[i - 1], t->index[i]) != 0)
            continue;
        size_t la = lines[t->index[i - 1] - t->codes], lb = lines[t->index[i] - t->codes];
        size_t later = la > lb ? la : lb;
        if (!dup || later < best) {
            dup = t->index[i];
            best = later;
            first = la < lb ? la : lb;
        }
    }
    if (dup)
        return omb_fail(err, OMB_EINVAL, "taxonomy_duplicate", NULL,
                        "line %zu: duplicate %s code \"%s\" (first on line %zu)", best, dup->kind,
                        dup->code, first);
    return OMB_OK;
}

int omb_taxonomy_parse(omb_taxonomy **out, const char *text, size_t len, omb_err *err)
{
    *out = NULL;
    if (!text) {
        text = "";
        len = 0;
    }
    if (len && text[len - 1] == '\0')
        len--;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    omb_taxonomy *t = omb_xcalloc(1, sizeof *t);
    t->text = omb_xstrndup(text, len);
    pending *pend = NULL;
    size_t np = 0, alloc = 0, *lines = NULL;
    int rc = OMB_OK;
    char *p = t->text, *end = t->text + len;
    for (size_t lineno = 1; p < end; lineno++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - p);
        if (n && p[n - 1] == '\r')
            n--;
        p[n] = '\0';
        if (n && p[0] != '#' && !omb_tsv_blank(p, n)) {
            rc = parse_line(p, n, lineno, &pend, &np, &alloc, err);
            if (rc)
                goto fail;
        }
        p = nl ? nl + 1 : end;
    }
    if (np == 0) {
        rc = omb_fail(err, OMB_EINVAL, "taxonomy_empty", NULL, "the taxonomy holds no codes");
        goto fail;
    }
    lines = omb_xcalloc(np, sizeof *lines);
    build(t, pend, np, lines);
    rc = check_duplicates(t, lines, err);
    if (rc)
        goto fail;
    free(pend);
    free(lines);
    *out = t;
    return OMB_OK;
fail:
    free(pend);
    free(lines);
    omb_taxonomy_free(t);
    return rc;
}

void omb_taxonomy_free(omb_taxonomy *t)
{
    if (!t)
        return;
    free(t->text);
    free(t->codes);
    free(t->index);
    free(t);
}

const omb_code *omb_taxonomy_find(const omb_taxonomy *t, const char *kind, const char *code)
{
    if (!t || !kind || !code)
        return NULL;
    int k = kind_index(kind);
    if (k < 0)
        return NULL;
    const omb_code key = {omb_taxonomy_kinds[k], code, NULL, NULL};
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = code_cmp(&key, t->index[mid]);
        if (c == 0)
            return t->index[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const omb_code *omb_taxonomy_list(const omb_taxonomy *t, const char *kind, size_t *n)
{
    int k = t && kind ? kind_index(kind) : -1;
    if (k < 0 || t->kind_n[k] == 0) {
        *n = 0;
        return NULL;
    }
    *n = t->kind_n[k];
    return &t->codes[t->kind_first[k]];
}

size_t omb_taxonomy_count(const omb_taxonomy *t)
{
    return t ? t->n : 0;
}
