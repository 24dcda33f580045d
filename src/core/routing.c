/*
 * routing.c - dispatch rules and agent choice; see routing.h.
 *
 * The text is copied once; columns become NUL-terminated strings inside
 * that copy and a rule keeps pointers to them ("*" becomes NULL, "any").
 * Code lists stay comma strings and are searched item by item when a
 * complaint is matched: rules hold a handful of codes, so a scan is as
 * fast as anything cleverer.  Patterns are compiled once; PCRE2 allows a
 * compiled pattern and a match context to be shared by threads as long as
 * nobody changes them, so matching only needs its own match data, made
 * per call.  Every PCRE2 allocation goes through omb_xmalloc, so running
 * out of memory aborts as it does everywhere else in ombud.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "routing.h"
#include "buf.h"
#include "complaint.h"
#include "tsv.h"
#include "utf8.h"

#include <limits.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

enum {
    COL_NAME,
    COL_BUSINESS,
    COL_CAUSE,
    COL_PRODUCT,
    COL_CHANNEL,
    COL_GRADE,
    COL_PATTERN,
    COL_LEAD,
    COL_DEPARTMENT,
    COL_QUEUE,
    NCOLS
};

#define CODE_MAX 32
/* Bounds on one pattern's work per complaint text, so that a careless
 * pattern meeting a long text costs milliseconds, not minutes. */
#define MATCH_LIMIT    1000000
#define HEAP_LIMIT_KIB 4096

static const char *const leads[] = {"funder", "acquirer", "platform", "target", NULL};

typedef struct rule {
    const char *name;
    const char *business, *cause, *product, *channel; /* comma lists; NULL = any */
    bool grade_any;
    enum omb_grade grade_lo, grade_hi;
    pcre2_code *re; /* NULL = any */
    const char *lead, *department, *queue;
    const char *grade_text, *pattern_text; /* the columns as written */
} rule;

struct omb_routing {
    char *text; /* the copy every string points into */
    rule *rules;
    size_t n;
    pcre2_general_context *gcx;
    pcre2_compile_context *ccx;
    pcre2_match_context *mcx;
};

/* ---- PCRE2 memory ---------------------------------------------------------------- */

static void *pcre_alloc(size_t n, void *unused)
{
    return omb_xmalloc(n);
}

static void pcre_release(void *p, void *unused)
{
    free(p);
}

/* ---- comma lists ----------------------------------------------------------------- */

/* True when the comma list holds an item equal to v (spaces and tabs around
 * an item are ignored).  v must be non-empty. */
static bool list_has(const char *list, const char *v)
{
    size_t vn = strlen(v);
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *e = comma ? comma : p + strlen(p);
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - p) == vn && memcmp(p, v, vn) == 0)
            return true;
        if (!comma)
            return false;
        p = comma + 1;
    }
}

static bool known(const char *v)
{
    return v && v[0] != '\0';
}

/* ---- parsing --------------------------------------------------------------------- */

/* A taxonomy-style code (a-z, 0-9, _) or, for products, an identifier as the
 * admin API accepts it (letters, digits, '.', '_', '-', starting with a
 * letter or digit), of n bytes at s. */
static bool code_ok(const char *s, size_t n, bool product)
{
    if (n == 0 || n > CODE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (product && !ok)
            ok = (c >= 'A' && c <= 'Z') || (i > 0 && (c == '.' || c == '-'));
        if (product && i == 0 && c == '_')
            ok = false;
        if (!ok)
            return false;
    }
    return true;
}

/* "*" (sets *out to NULL, any) or a comma list of codes with no empty item (sets *out). */
static bool list_ok(const char *s, bool product, const char **out)
{
    if (strcmp(s, "*") == 0) {
        *out = NULL;
        return true;
    }
    for (const char *p = s;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (!code_ok(p, n, product))
            return false;
        if (!comma)
            break;
        p = comma + 1;
    }
    *out = s;
    return true;
}

static int value_error(omb_err *err, size_t lineno, const char *column, const char *value,
                       const char *expected)
{
    return omb_fail(err, OMB_EINVAL, "routing_value", NULL, "line %zu: %s \"%.40s\" %s", lineno,
                    column, value, expected);
}

static const char *const list_expected =
    "must be * or a comma list of codes of 1-32 characters of a-z, 0-9 and _";

/* Reads the grade column: "*", a grade, or a grade and "+". */
static int parse_grade(rule *ru, char *s, size_t lineno, omb_err *err)
{
    ru->grade_any = strcmp(s, "*") == 0;
    if (ru->grade_any)
        return OMB_OK;
    char name[16];
    size_t n = strlen(s);
    bool plus = n > 0 && s[n - 1] == '+';
    if (plus)
        n--;
    enum omb_grade g;
    if (n >= sizeof name)
        n = sizeof name - 1; /* too long to be a grade: fails below */
    memcpy(name, s, n);
    name[n] = '\0';
    if (omb_grade_parse(name, &g) != OMB_OK)
        return value_error(err, lineno, "grade", s,
                           "must be *, general, important, urgent or major, "
                           "or one of those and + for that grade or higher");
    ru->grade_lo = g;
    ru->grade_hi = plus ? OMB_GRADE_MAJOR : g;
    return OMB_OK;
}

static int parse_pattern(omb_routing *r, rule *ru, const char *s, size_t lineno, omb_err *err)
{
    if (strcmp(s, "*") == 0)
        return OMB_OK;
    int code = 0;
    PCRE2_SIZE offset = 0;
    ru->re = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED,
                           PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_NEVER_BACKSLASH_C, &code,
                           &offset, r->ccx);
    if (ru->re) {
        /* Compiled to machine code where PCRE2 can (faster on every complaint); the
         * interpreter runs the pattern otherwise. */
        pcre2_jit_compile(ru->re, PCRE2_JIT_COMPLETE);
        return OMB_OK;
    }
    PCRE2_UCHAR msg[160];
    if (pcre2_get_error_message(code, msg, sizeof msg) == PCRE2_ERROR_BADDATA)
        msg[0] = '\0';
    return omb_fail(err, OMB_EINVAL, "routing_pattern", NULL,
                    "line %zu: the pattern of rule %.40s does not compile: %s (at offset %zu)",
                    lineno, ru->name, (const char *)msg, (size_t)offset);
}

/* Checks one non-comment line and fills *ru. */
static int parse_line(omb_routing *r, rule *ru, char *line, size_t len, size_t lineno, omb_err *err)
{
    if (!omb_utf8_valid(line, len))
        return omb_fail(err, OMB_EINVAL, "routing_syntax", NULL, "line %zu: invalid UTF-8", lineno);
    char *col[NCOLS];
    size_t ncols = omb_tsv_split(line, col, NCOLS);
    if (ncols != NCOLS)
        return omb_fail(err, OMB_EINVAL, "routing_syntax", NULL,
                        "line %zu: expected %d tab-separated columns (name, business, cause, "
                        "product, channel, grade, pattern, lead, department, queue), found %zu",
                        lineno, NCOLS, ncols);
    ru->name = col[COL_NAME];
    if (!code_ok(col[COL_NAME], strlen(col[COL_NAME]), false))
        return value_error(err, lineno, "name", col[COL_NAME],
                           "must be 1-32 characters of a-z, 0-9 and _");
    const struct {
        int col;
        const char *label;
        bool product;
        const char **slot;
    } lists[] = {
        {COL_BUSINESS, "business", false, &ru->business},
        {COL_CAUSE, "cause", false, &ru->cause},
        {COL_PRODUCT, "product", true, &ru->product},
        {COL_CHANNEL, "channel", false, &ru->channel},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (!list_ok(col[lists[i].col], lists[i].product, lists[i].slot))
            return value_error(err, lineno, lists[i].label, col[lists[i].col],
                               lists[i].product
                                   ? "must be * or a comma list of product codes (letters, "
                                     "digits, '.', '_', '-')"
                                   : list_expected);
    int rc = parse_grade(ru, col[COL_GRADE], lineno, err);
    if (rc)
        return rc;
    ru->grade_text = col[COL_GRADE];
    ru->pattern_text = col[COL_PATTERN];
    size_t k = 0;
    while (leads[k] && strcmp(leads[k], col[COL_LEAD]) != 0)
        k++;
    if (!leads[k])
        return value_error(err, lineno, "lead", col[COL_LEAD],
                           "must be funder, acquirer, platform or target");
    ru->lead = leads[k];
    ru->department = col[COL_DEPARTMENT];
    ru->queue = col[COL_QUEUE];
    if (!code_ok(ru->department, strlen(ru->department), false))
        return value_error(err, lineno, "department", ru->department,
                           "must be 1-32 characters of a-z, 0-9 and _");
    if (!code_ok(ru->queue, strlen(ru->queue), false))
        return value_error(err, lineno, "queue", ru->queue,
                           "must be 1-32 characters of a-z, 0-9 and _");
    /* Compiled last, so that a rule refused above holds no code to free. */
    return parse_pattern(r, ru, col[COL_PATTERN], lineno, err);
}

static bool catch_all(const rule *ru)
{
    return !ru->business && !ru->cause && !ru->product && !ru->channel && ru->grade_any && !ru->re;
}

int omb_routing_parse(omb_routing **out, const char *text, size_t len, omb_err *err)
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
    omb_routing *r = omb_xcalloc(1, sizeof *r);
    r->text = omb_xstrndup(text, len);
    r->gcx = pcre2_general_context_create(pcre_alloc, pcre_release, NULL);
    r->ccx = pcre2_compile_context_create(r->gcx);
    r->mcx = pcre2_match_context_create(r->gcx);
    pcre2_set_match_limit(r->mcx, MATCH_LIMIT);
    pcre2_set_heap_limit(r->mcx, HEAP_LIMIT_KIB);
    size_t alloc = 0, last_line = 0;
    int rc = OMB_OK;
    char *p = r->text, *end = r->text + len;
    for (size_t lineno = 1; p < end; lineno++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - p);
        if (n && p[n - 1] == '\r')
            n--;
        p[n] = '\0';
        if (n && p[0] != '#' && !omb_tsv_blank(p, n)) {
            if (r->n == alloc) {
                alloc = alloc ? alloc * 2 : 32;
                r->rules = omb_xrealloc(r->rules, alloc * sizeof *r->rules);
            }
            rule *ru = &r->rules[r->n];
            memset(ru, 0, sizeof *ru);
            rc = parse_line(r, ru, p, n, lineno, err);
            if (rc) {
                omb_routing_free(r);
                return rc;
            }
            r->n++;
            last_line = lineno;
        }
        p = nl ? nl + 1 : end;
    }
    if (r->n == 0)
        rc = omb_fail(err, OMB_EINVAL, "routing_missing", NULL, "the routing rules hold no rule");
    else if (!catch_all(&r->rules[r->n - 1]))
        rc = omb_fail(err, OMB_EINVAL, "routing_missing", NULL,
                      "line %zu: the last rule (%.40s) must be a catch-all, * in every column "
                      "from business to pattern",
                      last_line, r->rules[r->n - 1].name);
    if (rc) {
        omb_routing_free(r);
        return rc;
    }
    *out = r;
    return OMB_OK;
}

void omb_routing_free(omb_routing *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        pcre2_code_free(r->rules[i].re);
    pcre2_match_context_free(r->mcx);
    pcre2_compile_context_free(r->ccx);
    pcre2_general_context_free(r->gcx);
    free(r->rules);
    free(r->text);
    free(r);
}

size_t omb_routing_count(const omb_routing *r)
{
    return r ? r->n : 0;
}

/* ---- matching -------------------------------------------------------------------- */

static bool code_matches(const char *list, const char *v)
{
    return !list || (known(v) && list_has(list, v));
}

void omb_routing_match(const omb_routing *r, const omb_route_input *in, omb_route *out)
{
    *out = (omb_route){NULL, NULL, NULL, NULL};
    if (!r || r->n == 0)
        return;
    static const omb_route_input none = {NULL, NULL, NULL, NULL, NULL, NULL};
    if (!in)
        in = &none;
    enum omb_grade grade = OMB_GRADE_GENERAL;
    bool grade_known = known(in->grade) && omb_grade_parse(in->grade, &grade) == OMB_OK;
    /* The text is checked once here, so PCRE2 need not check it for every rule. */
    size_t text_len = in->text ? strlen(in->text) : 0;
    bool text_ok = text_len > 0 && omb_utf8_valid(in->text, text_len);
    pcre2_match_data *md = NULL;
    const rule *hit = &r->rules[r->n - 1];
    for (size_t i = 0; i < r->n; i++) {
        const rule *ru = &r->rules[i];
        if (!code_matches(ru->business, in->business) || !code_matches(ru->cause, in->cause) ||
            !code_matches(ru->product, in->product) || !code_matches(ru->channel, in->channel))
            continue;
        if (!ru->grade_any && (!grade_known || grade < ru->grade_lo || grade > ru->grade_hi))
            continue;
        if (ru->re) {
            if (!text_ok)
                continue;
            if (!md)
                md = pcre2_match_data_create(1, r->gcx);
            /* A match with more groups than the one-pair vector returns 0, still a match;
             * errors (a match or heap limit reached) count as no match. */
            if (pcre2_match(ru->re, (PCRE2_SPTR)in->text, text_len, 0, PCRE2_NO_UTF_CHECK, md,
                            r->mcx) < 0)
                continue;
        }
        hit = ru;
        break;
    }
    pcre2_match_data_free(md);
    *out = (omb_route){hit->name, hit->lead, hit->department, hit->queue};
}

/* ---- agents ---------------------------------------------------------------------- */

static bool has_skill(const char *skills, const char *code)
{
    return known(skills) && known(code) && list_has(skills, code);
}

int omb_routing_pick_agent(const omb_agent_candidate *c, size_t n, const char *queue,
                           const char *business, const char *cause)
{
    if (!c || n > INT_MAX)
        n = c ? (size_t)INT_MAX : 0;
    int best = -1;
    bool best_skilled = false;
    for (size_t i = 0; i < n; i++) {
        const omb_agent_candidate *a = &c[i];
        if (!a->on_duty)
            continue;
        bool skilled = has_skill(a->skills, queue) || has_skill(a->skills, business) ||
                       has_skill(a->skills, cause);
        if (best >= 0) {
            const omb_agent_candidate *b = &c[best];
            if (skilled != best_skilled) {
                if (!skilled)
                    continue;
            } else if (a->load > b->load || (a->load == b->load && a->user_id >= b->user_id)) {
                continue;
            }
        }
        best = (int)i;
        best_skilled = skilled;
    }
    return best;
}

int omb_routing_rule(const omb_routing *r, size_t i, omb_route_rule *out)
{
    if (!r || i >= r->n)
        return OMB_ENOTFOUND;
    const rule *ru = &r->rules[i];
    *out = (omb_route_rule){
        .name = ru->name,
        .business = ru->business ? ru->business : "*",
        .cause = ru->cause ? ru->cause : "*",
        .product = ru->product ? ru->product : "*",
        .channel = ru->channel ? ru->channel : "*",
        .grade = ru->grade_text,
        .pattern = ru->pattern_text,
        .lead = ru->lead,
        .department = ru->department,
        .queue = ru->queue,
    };
    return OMB_OK;
}
