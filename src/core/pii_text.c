/*
 * pii_text.c - finding and masking personal data in free text; see
 * pii_text.h.  One pass from left to right: where a word of e-mail
 * characters starts, an address is tried; where a run of digits starts, the
 * run is cut into chunks at single separators and every range of chunks,
 * longest first, is tried against the kinds in turn.
 */
#include "pii_text.h"
#include "identity.h"
#include "pii.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define COUNT(a)     (sizeof(a) / sizeof((a)[0]))
#define CHUNKS_MAX   12 /* chunks read into one run; the rest starts a new run */
#define RANGE_CHUNKS 6  /* chunks one finding may span */
#define CHUNK_DIGITS 19 /* a longer chunk is never part of a finding */
#define RANGE_DIGITS 24
#define LOCAL_MAX    64
#define DOMAIN_MAX   253
#define LABEL_MAX    63
#define EXT_MAX      6 /* digits of a landline's extension */
#define GAP_MAX      4 /* characters between a keyword and its number */
#define END_OF_TEXT  (-2)
#define NOT_A_CHAR   (-1)

/* ---- characters ---------------------------------------------------------------- */

/* A character: its code point (NOT_A_CHAR for a byte that starts no
 * well-formed character, END_OF_TEXT past the end) and its bytes. */
typedef struct uch {
    int32_t cp;
    size_t n;
} uch;

static uch char_at(const char *t, size_t len, size_t i)
{
    if (i >= len)
        return (uch){END_OF_TEXT, 0};
    unsigned char b = (unsigned char)t[i];
    if (b < 0x80)
        return (uch){b, 1};
    /* Decoded and checked here, as omb_utf8_valid checks (RFC 3629): the
     * scan asks for most characters several times. */
    static const int32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n = b >= 0xF8 ? 0 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
    if (n == 0 || n > len - i)
        return (uch){NOT_A_CHAR, 1};
    int32_t cp = n == 2 ? b & 0x1F : n == 3 ? b & 0x0F : b & 0x07;
    for (size_t k = 1; k < n; k++) {
        unsigned char cb = (unsigned char)t[i + k];
        if ((cb & 0xC0) != 0x80)
            return (uch){NOT_A_CHAR, 1};
        cp = (cp << 6) | (cb & 0x3F);
    }
    if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return (uch){NOT_A_CHAR, 1};
    return (uch){cp, n};
}

/* The character that ends at byte i, starting at *at (END_OF_TEXT at 0). */
static uch char_before(const char *t, size_t len, size_t i, size_t *at)
{
    *at = i;
    if (i == 0)
        return (uch){END_OF_TEXT, 0};
    for (size_t k = 2; k <= 4 && k <= i && ((unsigned char)t[i - 1] & 0x80); k++) {
        if (((unsigned char)t[i - k] & 0xC0) == 0x80)
            continue;
        uch c = char_at(t, len, i - k);
        if (c.n == k) {
            *at = i - k;
            return c;
        }
        break;
    }
    *at = i - 1;
    uch c = char_at(t, len, i - 1);
    return c.n == 1 ? c : (uch){NOT_A_CHAR, 1};
}

/* ASCII and full-width digits: their value, or -1. */
static int digit_value(int32_t cp)
{
    if (cp >= '0' && cp <= '9')
        return cp - '0';
    if (cp >= 0xFF10 && cp <= 0xFF19)
        return cp - 0xFF10;
    return -1;
}

static bool is_letter(int32_t cp)
{
    return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= 0xFF21 && cp <= 0xFF3A) ||
           (cp >= 0xFF41 && cp <= 0xFF5A);
}

static bool is_alnum(int32_t cp)
{
    return is_letter(cp) || digit_value(cp) >= 0;
}

/* The check character of an identity number: X, x and their full-width forms. */
static bool is_check_x(int32_t cp)
{
    return cp == 'X' || cp == 'x' || cp == 0xFF38 || cp == 0xFF58;
}

static bool is_plus(int32_t cp)
{
    return cp == '+' || cp == 0xFF0B;
}

/* Characters that join a number to letters or digits into one identifier. */
static bool is_joiner(int32_t cp)
{
    return cp == '-' || cp == '_' || cp == '/' || cp == '\\' || cp == '.' || cp == 0xFF0D;
}

enum sep { SEP_NONE, SEP_SPACE, SEP_HYPHEN, SEP_PAREN };

static enum sep sep_of(int32_t cp)
{
    if (cp == ' ' || cp == 0x3000)
        return SEP_SPACE;
    if (cp == '-' || cp == 0xFF0D || (cp >= 0x2010 && cp <= 0x2013))
        return SEP_HYPHEN;
    return SEP_NONE;
}

/* The character masks are written with: digits that touch it, or are
 * separated from it by one space or hyphen, are part of a masked number
 * ("137****7000", "6222 **** **** 7890"), never a finding of their own. */
static bool is_mask_star(int32_t cp)
{
    return cp == '*' || cp == 0xFF0A;
}

/* True when what starts at byte p follows a '*', directly or after one
 * space or hyphen: the end of a mask ("****7000", "**** 7890"). */
static bool after_mask(const char *t, size_t len, size_t p)
{
    size_t at, far_at;
    uch pc = char_before(t, len, p, &at);
    if (is_mask_star(pc.cp))
        return true;
    return sep_of(pc.cp) != SEP_NONE && is_mask_star(char_before(t, len, at, &far_at).cp);
}

/* ASCII-only comparison of t[0, n) with word, ignoring the case of ASCII letters. */
static bool same_word(const char *t, const char *word, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char a = t[i], b = word[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/* ---- words around a number ------------------------------------------------------- */

enum context { CTX_NONE, CTX_OTHER, CTX_CARD, CTX_ID };

/* Words that say what the number after them is (ASCII words in lower case). */
static const struct {
    const char *word;
    enum context ctx;
} keywords[] = {
    /* numbers of other things, and amounts */
    {"编号", CTX_OTHER},
    {"单号", CTX_OTHER},
    {"合同号", CTX_OTHER},
    {"合同", CTX_OTHER},
    {"借款号", CTX_OTHER},
    {"借据号", CTX_OTHER},
    {"借据", CTX_OTHER},
    {"订单", CTX_OTHER},
    {"流水号", CTX_OTHER},
    {"流水", CTX_OTHER},
    {"交易号", CTX_OTHER},
    {"申请号", CTX_OTHER},
    {"批次号", CTX_OTHER},
    {"凭证号", CTX_OTHER},
    {"案号", CTX_OTHER},
    {"案件号", CTX_OTHER},
    {"发票号", CTX_OTHER},
    {"工号", CTX_OTHER},
    {"金额", CTX_OTHER},
    {"本金", CTX_OTHER},
    {"利息", CTX_OTHER},
    {"人民币", CTX_OTHER},
    {"¥", CTX_OTHER},
    {"￥", CTX_OTHER},
    {"$", CTX_OTHER},
    {"＄", CTX_OTHER},
    {"rmb", CTX_OTHER},
    {"cny", CTX_OTHER},
    {"loan no", CTX_OTHER},
    {"loan number", CTX_OTHER},
    {"loan id", CTX_OTHER},
    {"contract no", CTX_OTHER},
    {"contract number", CTX_OTHER},
    {"order no", CTX_OTHER},
    {"order number", CTX_OTHER},
    {"order id", CTX_OTHER},
    {"ref", CTX_OTHER},
    {"reference", CTX_OTHER},
    {"transaction id", CTX_OTHER},
    {"txn", CTX_OTHER},
    {"case no", CTX_OTHER},
    {"invoice no", CTX_OTHER},
    /* cards and accounts */
    {"卡号", CTX_CARD},
    {"银行卡", CTX_CARD},
    {"储蓄卡", CTX_CARD},
    {"信用卡", CTX_CARD},
    {"借记卡", CTX_CARD},
    {"账号", CTX_CARD},
    {"帐号", CTX_CARD},
    {"账户", CTX_CARD},
    {"card", CTX_CARD},
    {"card no", CTX_CARD},
    {"card number", CTX_CARD},
    {"account", CTX_CARD},
    {"account no", CTX_CARD},
    {"account number", CTX_CARD},
    /* identity numbers */
    {"身份证", CTX_ID},
    {"身份证号", CTX_ID},
    {"身份证号码", CTX_ID},
    {"身份证编号", CTX_ID},
    {"证件号", CTX_ID},
    {"证件号码", CTX_ID},
    {"证件编号", CTX_ID},
    {"id no", CTX_ID},
    {"id number", CTX_ID},
    {"id card", CTX_ID},
};

/* Characters that may stand between a keyword and its number ("卡号：", "loan no. "). */
static bool gap_char(int32_t cp)
{
    return cp == ' ' || cp == 0x3000 || cp == ':' || cp == 0xFF1A || cp == '#' || cp == 0xFF03 ||
           cp == '.' || cp == 0x4E3A /* 为 */ || cp == 0x662F /* 是 */;
}

/* What the words before byte i say about the number that starts there. */
static enum context context_before(const char *t, size_t len, size_t i)
{
    size_t at = i, prev;
    for (int g = 0; g < GAP_MAX; g++) {
        uch c = char_before(t, len, at, &prev);
        if (c.cp < 0 || !gap_char(c.cp))
            break;
        at = prev;
    }
    size_t best = 0;
    enum context ctx = CTX_NONE;
    for (size_t k = 0; k < COUNT(keywords); k++) {
        size_t n = strlen(keywords[k].word);
        if (n > at || n <= best || !same_word(t + at - n, keywords[k].word, n))
            continue;
        /* An ASCII word must start a word: "pref" is not "ref". */
        if ((unsigned char)keywords[k].word[0] < 0x80 && at > n &&
            is_letter((unsigned char)t[at - n - 1]))
            continue;
        best = n;
        ctx = keywords[k].ctx;
    }
    return ctx;
}

/* Units after a number that make it an amount, a count or a date. */
static const char *const units[] = {
    "元", "万", "亿", "块", "角", "分", "%",  "％", "‰",  "年",   "月",   "日",
    "天", "时", "秒", "笔", "期", "岁", "次", "倍", "个", "美元", "港元", "港币",
};

static bool unit_after(const char *t, size_t len, size_t i)
{
    if (i < len && t[i] == ' ')
        i++;
    for (size_t k = 0; k < COUNT(units); k++) {
        size_t n = strlen(units[k]);
        if (n <= len - i && memcmp(t + i, units[k], n) == 0)
            return true;
    }
    return false;
}

/* ---- runs of digits ------------------------------------------------------------------ */

typedef struct chunk {
    size_t start, end; /* bytes; end is after the check letter when there is one */
    char digits[CHUNK_DIGITS + 1];
    size_t n;        /* digits, may be more than CHUNK_DIGITS */
    bool x;          /* ends with an identity number's check letter X */
    enum sep before; /* the separator before it (SEP_NONE for the first) */
} chunk;

typedef struct run {
    chunk c[CHUNKS_MAX];
    size_t k;
    size_t end;
    bool plus, paren; /* the run follows '+' or '(' ... */
    size_t lead_at;   /* ... which starts there */
    bool start_free;  /* the run's first chunk may start a finding */
    bool end_free;    /* its last chunk may end one */
    bool cut;         /* CHUNKS_MAX chunks read, and more follow */
    enum context ctx; /* what the words before it say */
} run;

/* Reads the run of digit chunks that starts at byte p (a digit). */
static void read_run(const char *t, size_t len, size_t p, run *r)
{
    memset(r, 0, sizeof *r);
    size_t before_at, far_at;
    uch pc = char_before(t, len, p, &before_at);
    uch ppc = char_before(t, len, before_at, &far_at);
    r->plus = is_plus(pc.cp);
    r->paren = pc.cp == '(' || pc.cp == 0xFF08;
    r->lead_at = r->plus || r->paren ? before_at : p;
    r->start_free = !is_alnum(pc.cp) &&
                    !(is_joiner(pc.cp) && (is_alnum(ppc.cp) || is_mask_star(ppc.cp))) &&
                    !after_mask(t, len, p);
    r->ctx = context_before(t, len, r->lead_at);

    size_t i = p;
    enum sep before = SEP_NONE;
    for (;;) {
        chunk *ch = &r->c[r->k++];
        ch->start = i;
        ch->before = before;
        uch c;
        int v;
        while ((v = digit_value((c = char_at(t, len, i)).cp)) >= 0) {
            if (ch->n < CHUNK_DIGITS)
                ch->digits[ch->n] = (char)('0' + v);
            ch->n++;
            i += c.n;
        }
        ch->end = i;
        if (is_check_x(c.cp)) {
            if (!is_alnum(char_at(t, len, i + c.n).cp)) {
                ch->x = true;
                i += c.n;
                ch->end = i;
            }
            break;
        }
        if (r->k == CHUNKS_MAX)
            break;
        enum sep s = sep_of(c.cp);
        size_t next = i + c.n;
        if (r->k == 1 && r->paren && (c.cp == ')' || c.cp == 0xFF09)) {
            s = SEP_PAREN;
            uch sp = char_at(t, len, next);
            if (sep_of(sp.cp) == SEP_SPACE)
                next += sp.n;
        }
        if (s == SEP_NONE || digit_value(char_at(t, len, next).cp) < 0)
            break;
        before = s;
        i = next;
    }
    r->end = i;
    uch nc = char_at(t, len, i);
    uch nnc = char_at(t, len, i + nc.n);
    bool glued = is_alnum(nc.cp) || is_mask_star(nc.cp) ||
                 (is_joiner(nc.cp) && (is_alnum(nnc.cp) || is_mask_star(nnc.cp))) ||
                 (sep_of(nc.cp) != SEP_NONE && is_mask_star(nnc.cp));
    r->end_free = !glued && !unit_after(t, len, i);
    /* Cut short: the last chunk ends a finding as a chunk inside a run
     * does, when a space follows it. */
    r->cut = r->k == CHUNKS_MAX && sep_of(nc.cp) != SEP_NONE && digit_value(nnc.cp) >= 0;
    if (r->cut)
        r->end_free = r->end_free && sep_of(nc.cp) == SEP_SPACE;
}

/* The digits of chunks [i, j] of a run, as one candidate. */
typedef struct cand {
    char d[RANGE_DIGITS + 2]; /* digits, and 'X' when x */
    size_t nd;                /* digits, without the X */
    bool x, paren;
    size_t n;                  /* chunks */
    size_t lens[RANGE_CHUNKS]; /* characters of each chunk (its X counted) */
    enum sep seps[RANGE_CHUNKS];
} cand;

static bool range_free(const run *r, size_t i, size_t j)
{
    if (i == 0 ? !r->start_free : r->c[i].before != SEP_SPACE)
        return false;
    if (j + 1 == r->k ? !r->end_free : r->c[j + 1].before != SEP_SPACE)
        return false;
    return true;
}

static bool build(const run *r, size_t i, size_t j, cand *c)
{
    memset(c, 0, sizeof *c);
    for (size_t m = i; m <= j; m++) {
        const chunk *ch = &r->c[m];
        if (ch->n > CHUNK_DIGITS || c->nd + ch->n > RANGE_DIGITS)
            return false;
        memcpy(c->d + c->nd, ch->digits, ch->n);
        c->nd += ch->n;
        c->lens[c->n] = ch->n + (ch->x ? 1 : 0);
        c->seps[c->n] = m == i ? SEP_NONE : ch->before;
        c->paren |= c->seps[c->n] == SEP_PAREN;
        c->n++;
    }
    c->x = r->c[j].x;
    if (c->x)
        c->d[c->nd] = 'X';
    return true;
}

/* Whether the candidate's chunks from `from` on have exactly the lengths of
 * one of the groupings (each a 0-terminated list). */
static bool grouped(const cand *c, size_t from, const unsigned char (*groupings)[6], size_t count)
{
    for (size_t g = 0; g < count; g++) {
        size_t m = from, k = 0;
        while (groupings[g][k] && m < c->n && c->lens[m] == groupings[g][k])
            m++, k++;
        if (!groupings[g][k] && m == c->n)
            return true;
    }
    return false;
}

/* ---- the kinds ------------------------------------------------------------------------- */

static bool province_code(const char *d)
{
    static const unsigned char codes[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                          35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                          53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83};
    int v = (d[0] - '0') * 10 + (d[1] - '0');
    for (size_t k = 0; k < COUNT(codes); k++)
        if (codes[k] == v)
            return true;
    return false;
}

static bool luhn(const char *d, size_t n)
{
    int sum = 0;
    for (size_t k = 0; k < n; k++) {
        int v = d[n - 1 - k] - '0';
        if (k & 1)
            v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
    }
    return sum % 10 == 0;
}

static bool id_number(const cand *c, bool named)
{
    static const unsigned char g18[][6] = {{18}, {6, 8, 4}};
    static const unsigned char g15[][6] = {{15}, {6, 6, 3}};
    if (c->paren)
        return false;
    if ((c->x && c->nd == 17) || (!c->x && c->nd == 18))
        return named ||
               (grouped(c, 0, g18, COUNT(g18)) && province_code(c->d) && omb_id_number_valid(c->d));
    if (!c->x && c->nd == 15)
        return named || (grouped(c, 0, g15, COUNT(g15)) && province_code(c->d) &&
                         omb_id_number15_valid(c->d));
    return false;
}

/* A mobile number; *lead set when the finding starts at the run's '+'. */
static bool mobile(const run *r, size_t i, const cand *c, bool *lead)
{
    static const unsigned char groups[][6] = {{11}, {3, 4, 4}, {3, 8}, {7, 4}};
    if (c->x || c->paren)
        return false;
    const char *d = c->d;
    size_t nd = c->nd, from = 0;
    bool plus = i == 0 && r->plus;
    *lead = false;
    if (c->n >= 2 && c->lens[0] == 2 && plus && memcmp(d, "86", 2) == 0)
        d += 2, nd -= 2, from = 1, *lead = true;
    else if (c->n >= 2 && c->lens[0] == 4 && memcmp(d, "0086", 4) == 0)
        d += 4, nd -= 4, from = 1;
    else if (c->n == 1 && nd == 13 && plus && memcmp(d, "86", 2) == 0)
        d += 2, nd -= 2, *lead = true;
    else if (c->n == 1 && nd == 15 && memcmp(d, "0086", 4) == 0)
        d += 4, nd -= 4;
    if (nd != 11 || d[0] != '1' || d[1] < '3')
        return false;
    return c->n == 1 || grouped(c, from, groups, COUNT(groups));
}

/* A landline number: area code, number, optional extension after a hyphen. */
static bool landline(const cand *c)
{
    const char *d = c->d;
    if (c->x || d[0] != '0')
        return false;
    size_t area = d[1] == '1' ? (d[2] == '0' ? 3 : 0) : d[1] == '2' ? 3 : d[1] >= '3' ? 4 : 0;
    if (!area || c->nd <= area || d[area] < '2')
        return false;
    if (c->n == 1)
        return c->nd - area == 7 || c->nd - area == 8;
    if (c->lens[0] != area)
        return false;
    size_t m;
    if (c->lens[1] == 7 || c->lens[1] == 8)
        m = 2;
    else if (c->n >= 3 && (c->lens[1] == 3 || c->lens[1] == 4) && c->lens[2] == 4)
        m = 3;
    else
        return false;
    if (m < c->n && (m + 1 != c->n || c->seps[m] != SEP_HYPHEN || c->lens[m] > EXT_MAX))
        return false;
    for (size_t k = 2; k < c->n; k++)
        if (c->seps[k] == SEP_PAREN)
            return false;
    return true;
}

static bool bank_card(const cand *c, bool named)
{
    static const unsigned char groups[][6] = {
        {4, 4, 4, 1},    {4, 4, 4, 2},    {4, 4, 4, 3}, {4, 4, 4, 4}, {4, 4, 4, 4, 1},
        {4, 4, 4, 4, 2}, {4, 4, 4, 4, 3}, {4, 6, 5},    {4, 6, 4},    {6, 13},
    };
    if (c->x || c->paren || c->nd < 13 || c->nd > 19)
        return false;
    if (named)
        return true;
    const char *d = c->d;
    int iin = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
    bool issuer = strchr("34569", d[0]) != NULL || (c->nd == 16 && iin >= 2221 && iin <= 2720);
    return issuer && luhn(d, c->nd) && (c->n == 1 || grouped(c, 0, groups, COUNT(groups)));
}

/* What chunks [i, j] of the run are, if anything; the finding in *s. */
static bool interpret(const char *t, size_t len, const run *r, size_t i, size_t j, omb_pii_span *s)
{
    cand c;
    if (!range_free(r, i, j) || !build(r, i, j, &c))
        return false;
    enum context ctx = i == 0 ? r->ctx : CTX_NONE;
    bool lead = false;
    size_t start = r->c[i].start, end = r->c[j].end;
    if (ctx == CTX_OTHER)
        return false;
    if (ctx == CTX_ID && id_number(&c, true))
        s->kind = OMB_PII_ID_NUMBER;
    else if (ctx == CTX_CARD && bank_card(&c, true))
        s->kind = OMB_PII_BANK_CARD;
    else if (id_number(&c, false))
        s->kind = OMB_PII_ID_NUMBER;
    else if (mobile(r, i, &c, &lead))
        s->kind = OMB_PII_MOBILE;
    else if (landline(&c)) {
        s->kind = OMB_PII_LANDLINE;
        lead = i == 0 && r->paren && c.n > 1 && c.seps[1] == SEP_PAREN;
        /* An extension after 转 ("010-12345678转801"). */
        static const char zhuan[] = "转";
        size_t zn = sizeof zhuan - 1, k = end + zn, digits = 0;
        if (j + 1 == r->k && len - end > zn && memcmp(t + end, zhuan, zn) == 0) {
            uch d;
            while ((d = char_at(t, len, k)).cp >= 0 && digit_value(d.cp) >= 0 && digits <= EXT_MAX)
                k += d.n, digits++;
            if (digits >= 1 && digits <= EXT_MAX && !is_alnum(char_at(t, len, k).cp))
                end = k;
        }
    } else if (bank_card(&c, false))
        s->kind = OMB_PII_BANK_CARD;
    else
        return false;
    if (lead)
        start = r->lead_at;
    s->start = start;
    s->len = end - start;
    return true;
}

/* Emits the findings in a run; returns the byte after the run or the last finding. */
typedef void (*emit_fn)(void *ctx, const omb_pii_span *s);

static size_t scan_run(const char *t, size_t len, size_t p, emit_fn emit, void *ctx)
{
    run r;
    read_run(t, len, p, &r);
    size_t end = r.end;
    /* A run cut short is tried only from the chunks whose findings end
     * inside it; the rest is read again as a new run, so that a finding
     * across the cut is not lost. */
    size_t stop = r.cut ? r.k - RANGE_CHUNKS + 1 : r.k;
    size_t i = 0;
    while (i < stop) {
        size_t last = i + RANGE_CHUNKS - 1 < r.k - 1 ? i + RANGE_CHUNKS - 1 : r.k - 1;
        bool found = false;
        for (size_t j = last + 1; j-- > i;) {
            omb_pii_span s;
            if (interpret(t, len, &r, i, j, &s)) {
                emit(ctx, &s);
                if (s.start + s.len > end)
                    end = s.start + s.len;
                i = j + 1;
                found = true;
                break;
            }
        }
        if (!found)
            i++;
    }
    if (r.cut && i < r.k)
        return r.c[i].start;
    return end;
}

/* ---- e-mail addresses ------------------------------------------------------------------- */

static bool local_char(int32_t cp)
{
    return cp > 0 && cp < 0x80 && (is_alnum(cp) || strchr("._%+-", (int)cp));
}

static bool domain_char(char ch)
{
    return is_alnum((unsigned char)ch) || ch == '-' || ch == '.';
}

/* An address whose local part starts at byte p (or after the dots there). */
static bool email_at(const char *t, size_t len, size_t p, size_t *start, size_t *end)
{
    size_t at = p;
    while (at < len && local_char((unsigned char)t[at]) && at - p <= LOCAL_MAX + 1)
        at++;
    size_t s = p;
    while (s < at && t[s] == '.')
        s++;
    if (at >= len || t[at] != '@' || s == at || at - s > LOCAL_MAX)
        return false;
    size_t d = at + 1, e = d;
    while (e < len && domain_char(t[e]) && e - d <= DOMAIN_MAX)
        e++;
    while (e > d && (t[e - 1] == '.' || t[e - 1] == '-'))
        e--;
    if (e == d || e - d > DOMAIN_MAX)
        return false;
    size_t labels = 0, label = d;
    bool alpha = true;
    for (size_t q = d; q <= e; q++) {
        if (q < e && t[q] != '.') {
            alpha &= is_letter((unsigned char)t[q]);
            continue;
        }
        size_t n = q - label;
        if (n == 0 || n > LABEL_MAX || t[label] == '-' || t[q - 1] == '-')
            return false;
        labels++;
        if (q < e) {
            label = q + 1;
            alpha = true;
        } else if (!alpha || n < 2) {
            return false;
        }
    }
    if (labels < 2)
        return false;
    /* "a@b.cn@c.cn", "a@b.cn-x@c.cn": the domain is the local part of the
     * address that follows, which is the one to find (its mask must not
     * leave an address behind).  A mask's stars count as the local part's
     * characters here: masking a number inside that local part
     * ("b.cn%0104912310@" -> "b.cn%010***2310@") must not turn the domain
     * back into the end of an address, or a second scan would find it. */
    size_t q = e;
    while (q < len && (local_char((unsigned char)t[q]) || t[q] == '*'))
        q++;
    if (q < len && t[q] == '@')
        return false;
    *start = s;
    *end = e;
    return true;
}

/* ---- the scan ---------------------------------------------------------------------------- */

static void scan(const char *t, size_t len, emit_fn emit, void *ctx)
{
    bool after_local = false; /* the character before is one of an address's */
    for (size_t p = 0; p < len;) {
        uch c = char_at(t, len, p);
        bool local = local_char(c.cp);
        size_t s, e;
        if (local && !after_local && !after_mask(t, len, p) && email_at(t, len, p, &s, &e)) {
            emit(ctx, &(omb_pii_span){s, e - s, OMB_PII_EMAIL});
            p = e;
            after_local = false;
            continue;
        }
        size_t at;
        if (c.cp == '@' && is_mask_star(char_before(t, len, p, &at).cp)) {
            /* the domain of a masked address ("z***@0106213718.cn"): no finding */
            e = p + 1;
            while (e < len && domain_char(t[e]))
                e++;
            after_local = local_char((unsigned char)t[e - 1]);
            p = e;
            continue;
        }
        if (digit_value(c.cp) >= 0) {
            size_t next = scan_run(t, len, p, emit, ctx);
            after_local = local_char((unsigned char)t[next - 1]);
            p = next;
            continue;
        }
        after_local = local;
        p += c.n;
    }
}

typedef struct collect {
    omb_pii_span *out;
    size_t cap, n;
} collect;

static void collect_span(void *ctx, const omb_pii_span *s)
{
    collect *c = ctx;
    if (c->n < c->cap)
        c->out[c->n] = *s;
    c->n++;
}

size_t omb_pii_text_scan(const char *text, size_t len, omb_pii_span *out, size_t cap)
{
    collect c = {out, out ? cap : 0, 0};
    if (text)
        scan(text, len, collect_span, &c);
    return c.n;
}

/* ---- masks -------------------------------------------------------------------------------- */

#define MASK_MAX 512

/* The digits of a span in ASCII, with its X and a leading '+'. */
static void ascii_form(const char *s, size_t n, char *out, size_t cap)
{
    size_t w = 0;
    for (size_t i = 0; i < n && w + 1 < cap;) {
        uch c = char_at(s, n, i);
        int v = digit_value(c.cp);
        if (v >= 0)
            out[w++] = (char)('0' + v);
        else if (is_check_x(c.cp))
            out[w++] = 'X';
        else if (is_plus(c.cp) && w == 0)
            out[w++] = '+';
        i += c.n;
    }
    out[w] = '\0';
}

static void mask_phone_span(const char *s, size_t n, char *out, size_t cap)
{
    char a[64];
    ascii_form(s, n, a, sizeof a);
    omb_mask_phone(a, out, cap);
}

static void mask_id_span(const char *s, size_t n, char *out, size_t cap)
{
    char a[64];
    ascii_form(s, n, a, sizeof a);
    omb_mask_id_number(a, out, cap);
}

/* First and last four digits, the rest as '*', in groups of four: "6222 **** **** 1234". */
static void mask_card_span(const char *s, size_t n, char *out, size_t cap)
{
    char a[64];
    ascii_form(s, n, a, sizeof a);
    size_t nd = strlen(a), w = 0;
    for (size_t i = 0; i < nd && w + 2 < cap; i++) {
        if (i > 0 && ((i % 4 == 0 && i < nd - 4) || i == nd - 4))
            out[w++] = ' ';
        out[w++] = i < 4 || i >= nd - 4 ? a[i] : '*';
    }
    out[w] = '\0';
}

/* The local part's first character, then ***@ and the domain: "z***@example.com". */
static void mask_email_span(const char *s, size_t n, char *out, size_t cap)
{
    const char *at = memchr(s, '@', n);
    size_t domain = at ? n - (size_t)(at - s) : 0;
    if (cap < domain + 5) {
        out[0] = '\0';
        return;
    }
    out[0] = s[0];
    memcpy(out + 1, "***", 3);
    memcpy(out + 4, at, domain);
    out[4 + domain] = '\0';
}

static const struct {
    const char *name;
    void (*mask)(const char *s, size_t n, char *out, size_t cap);
} kinds[OMB_PII__COUNT] = {
    [OMB_PII_MOBILE] = {"mobile", mask_phone_span},
    [OMB_PII_LANDLINE] = {"landline", mask_phone_span},
    [OMB_PII_ID_NUMBER] = {"id_number", mask_id_span},
    [OMB_PII_BANK_CARD] = {"bank_card", mask_card_span},
    [OMB_PII_EMAIL] = {"email", mask_email_span},
};

const char *omb_pii_kind_name(enum omb_pii_kind kind)
{
    return (unsigned)kind < OMB_PII__COUNT ? kinds[kind].name : "unknown";
}

typedef struct masker {
    const char *text;
    omb_buf *out;
    size_t copied; /* text before this is written */
    size_t found;
    int rc;
} masker;

static void mask_span(void *ctx, const omb_pii_span *s)
{
    masker *m = ctx;
    char masked[MASK_MAX];
    kinds[s->kind].mask(m->text + s->start, s->len, masked, sizeof masked);
    if (!m->rc)
        m->rc = omb_buf_append(m->out, m->text + m->copied, s->start - m->copied);
    if (!m->rc)
        m->rc = omb_buf_puts(m->out, masked);
    m->copied = s->start + s->len;
    m->found++;
}

int omb_pii_text_mask(const char *text, size_t len, omb_buf *out, size_t *found)
{
    masker m = {text, out, 0, 0, OMB_OK};
    if (text)
        scan(text, len, mask_span, &m);
    if (!m.rc && len > m.copied)
        m.rc = omb_buf_append(out, text + m.copied, len - m.copied);
    if (found)
        *found = m.found;
    return m.rc;
}
