/*
 * cfpb.c - CFPB complaint rows to ombud creation payloads; see cfpb.h.
 *
 * All the knowledge of CFPB vocabulary is in the tables below: channel by
 * "Submitted via", business by Sub-product then Product, cause by
 * Sub-issue then Issue (a sub-issue such as "Problem with fees" says more
 * than the issue "Managing an account" it sits under), tags by "Tags".
 * Texts are matched whole, ASCII case-insensitive, spaces around ignored.
 */
#include "cfpb.h"
#include "buf.h"
#include "complaint.h"
#include "pii_text.h"
#include "timeutil.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *const omb_cfpb_columns[] = {
    [OMB_CFPB_DATE_RECEIVED] = "Date received",
    [OMB_CFPB_PRODUCT] = "Product",
    [OMB_CFPB_SUB_PRODUCT] = "Sub-product",
    [OMB_CFPB_ISSUE] = "Issue",
    [OMB_CFPB_SUB_ISSUE] = "Sub-issue",
    [OMB_CFPB_NARRATIVE] = "Consumer complaint narrative",
    [OMB_CFPB_COMPANY] = "Company",
    [OMB_CFPB_TAGS] = "Tags",
    [OMB_CFPB_SUBMITTED_VIA] = "Submitted via",
    [OMB_CFPB_COMPANY_RESPONSE] = "Company response to consumer",
    [OMB_CFPB_COMPLAINT_ID] = "Complaint ID",
    [OMB_CFPB_STATE] = "State",
    [OMB_CFPB_ZIP_CODE] = "ZIP code",
    [OMB_CFPB_DATE_SENT] = "Date sent to company",
    [OMB_CFPB_TIMELY] = "Timely response?",
};

const char *const omb_cfpb_reasons[] = {
    "bad_row",      "bad_encoding", "missing_id",      "bad_id",
    "missing_date", "bad_date",     "missing_product", "field_too_long",
    "bad_tag",      "bad_value",    "invalid_payload", "duplicate",
    NULL,
};

typedef struct text_map {
    const char *text;
    const char *code;
} text_map;

/* ---- tables ------------------------------------------------------------- */

static const text_map channels[] = {
    {"Web", "web"},
    {"Web Referral", "web"},
    {"Phone", "phone"},
    {"Referral", "regulator"},
    {"Postal mail", "letter"},
    {"Fax", "other"},
    {"Email", "email"},
};

/* Sub-products that name the business better than their product does. */
static const text_map sub_products[] = {
    {"General-purpose prepaid card", "payment"},
    {"Government benefit card", "payment"},
    {"Gift card", "payment"},
    {"Payroll card", "payment"},
    {"Student prepaid card", "payment"},
    {"Mobile or digital wallet", "payment"},
    {"Credit card debt", "credit_card"},
    {"Payday loan debt", "personal_loan"},
    {"Auto debt", "auto_loan"},
    {"Mortgage debt", "mortgage"},
    {"Federal student loan debt", "student_loan"},
    {"Private student loan debt", "student_loan"},
    {"Vehicle loan", "auto_loan"},
    {"Vehicle lease", "auto_loan"},
    {"Debt settlement", "other"},
};

static const text_map products[] = {
    {"Credit reporting, credit repair services, or other personal consumer reports",
     "credit_report"},
    {"Credit reporting or other personal consumer reports", "credit_report"},
    {"Credit reporting", "credit_report"},
    {"Payday loan, title loan, or personal loan", "personal_loan"},
    {"Payday loan, title loan, personal loan, or advance loan", "personal_loan"},
    {"Payday loan", "personal_loan"},
    {"Consumer Loan", "personal_loan"},
    {"Debt collection", "debt_collection"},
    {"Credit card or prepaid card", "credit_card"},
    {"Credit card", "credit_card"},
    {"Prepaid card", "payment"},
    {"Checking or savings account", "debit_card"},
    {"Bank account or service", "debit_card"},
    {"Mortgage", "mortgage"},
    {"Student loan", "student_loan"},
    {"Vehicle loan or lease", "auto_loan"},
    {"Money transfer, virtual currency, or money service", "payment"},
    {"Money transfers", "payment"},
    {"Virtual currency", "payment"},
    {"Debt or credit management", "other"},
    {"Other financial service", "other"},
};

/* Sub-issues that name the cause whatever the issue above them. */
static const text_map sub_issues[] = {
    /* c01 service attitude and quality */
    {"Problem with customer service", "c01"},
    /* c02 facilities and systems */
    {"Problem accessing account", "c02"},
    {"Problem using a debit or ATM card", "c02"},
    {"Can't use card to make purchases", "c02"},
    {"Trouble using the card to spend money in a store or online", "c02"},
    {"Trouble getting, activating, or registering a card", "c02"},
    /* c04 marketing */
    {"Received unsolicited financial product or insurance offers after opting out", "c04"},
    {"Received unwanted marketing or advertising", "c04"},
    {"Didn't receive advertised or promotional terms", "c04"},
    {"Didn't receive terms that were advertised", "c04"},
    {"Didn't receive services that were advertised", "c04"},
    {"Confusing or misleading advertising about the credit card", "c04"},
    {"Confusing or misleading advertising about the card", "c04"},
    {"Confusing or misleading advertising or marketing", "c04"},
    {"Confusing or misleading advertising", "c04"},
    /* c05 information disclosure */
    {"Confusing or missing disclosures", "c05"},
    {"Need information about your loan balance or loan terms", "c05"},
    {"Received bad information about your loan", "c05"},
    {"You never received your bill or did not know a payment was due", "c05"},
    {"Trouble getting information about the card", "c05"},
    /* c06 product returns */
    {"Problem with rewards from credit card", "c06"},
    /* c07 freedom of choice */
    {"Problem with additional products or services purchased with the loan", "c07"},
    {"Add-on products and services", "c07"},
    {"Sent card you never applied for", "c07"},
    {"Card opened without my consent or knowledge", "c07"},
    {"Don't want a card provided by your employer or the government", "c07"},
    /* c08 contract terms */
    {"Problem with product or service terms changing", "c08"},
    {"Changes in terms mid-deal or after closing", "c08"},
    {"Changes in terms from what was offered or advertised", "c08"},
    {"Credit card company forcing arbitration", "c08"},
    /* c09 fund security */
    {"Transaction was not authorized", "c09"},
    {"Card was charged for something you did not purchase with the card", "c09"},
    {"Charged for a purchase or transfer you did not make with the card", "c09"},
    {"Funds not handled or disbursed as instructed", "c09"},
    {"Fraudulent loan", "c09"},
    {"Account opened as a result of fraud", "c09"},
    {"Card opened as result of identity theft or fraud", "c09"},
    /* c10 information security */
    {"Privacy issues", "c10"},
    /* c11 pricing and fees */
    {"Problem with fees", "c11"},
    {"Fee problem", "c11"},
    {"Problem with fees charged", "c11"},
    {"Problem with fees or penalties", "c11"},
    {"Late or other fees", "c11"},
    {"Don't agree with the fees charged", "c11"},
    {"Overdrafts and overdraft fees", "c11"},
    {"Non-sufficient funds and associated fees", "c11"},
    {"Fees charged for closing account", "c11"},
    {"Charged too much interest", "c11"},
    {"Problem with the interest rate", "c11"},
    {"Unexpected increase in interest rate", "c11"},
    {"Termination fees or other problem when ending the lease early", "c11"},
    {"Excess mileage, damage, or wear fees, or other problem after the lease is finish", "c11"},
    {"Private mortgage insurance (PMI)", "c11"},
};

static const text_map issues[] = {
    /* c01 service attitude and quality */
    {"Problem with customer service", "c01"},
    {"Other service problem", "c01"},
    {"Can't contact lender or servicer", "c01"},
    {"Dealing with your lender or servicer", "c01"},
    /* c02 facilities and systems */
    {"Trouble using your card", "c02"},
    {"Trouble using the card", "c02"},
    {"Problem adding money", "c02"},
    {"Unable to get your credit report or credit score", "c02"},
    /* c03 rules and procedures */
    {"Problem with a credit reporting company's investigation into an existing problem", "c03"},
    {"Problem with a company's investigation into an existing problem", "c03"},
    {"Problem with a company's investigation into an existing issue", "c03"},
    {"Managing an account", "c03"},
    {"Account opening, closing, or management", "c03"},
    {"Opening an account", "c03"},
    {"Closing an account", "c03"},
    {"Closing your account", "c03"},
    {"Problem getting a card or closing an account", "c03"},
    {"Managing, opening, or closing your mobile wallet account", "c03"},
    {"Problem when making payments", "c03"},
    {"Trouble during payment process", "c03"},
    {"Loan payment wasn't credited to your account", "c03"},
    {"Problem with the payoff process at the end of the loan", "c03"},
    {"Payoff process", "c03"},
    {"Problems at the end of the loan or lease", "c03"},
    {"Getting the loan", "c03"},
    {"Getting a loan", "c03"},
    {"Getting a loan or lease", "c03"},
    {"Getting a line of credit", "c03"},
    {"Getting a credit card", "c03"},
    {"Applying for a mortgage or refinancing an existing mortgage", "c03"},
    {"Applying for a mortgage", "c03"},
    {"Closing on a mortgage", "c03"},
    {"Application processing delay", "c03"},
    {"Shopping for a loan or lease", "c03"},
    {"Struggling to pay your loan", "c03"},
    {"Struggling to pay mortgage", "c03"},
    {"Struggling to repay your loan", "c03"},
    {"Struggling to pay your bill", "c03"},
    {"Problems when you are unable to pay", "c03"},
    {"Managing the loan or lease", "c03"},
    {"Loan servicing, payments, escrow account", "c03"},
    {"Loan modification,collection,foreclosure", "c03"},
    {"Problem with a purchase shown on your statement", "c03"},
    {"Problem with a purchase or transfer", "c03"},
    {"Billing disputes", "c03"},
    {"Billing statement", "c03"},
    {"Credit limit changed", "c03"},
    {"Other transaction problem", "c03"},
    {"Transaction issue", "c03"},
    {"Making/receiving payments, sending money", "c03"},
    {"Problem with cash advance", "c03"},
    /* c04 marketing */
    {"Advertising and marketing, including promotional offers", "c04"},
    {"Advertising", "c04"},
    {"Confusing or misleading advertising or marketing", "c04"},
    /* c05 information disclosure */
    {"Confusing or missing disclosures", "c05"},
    /* c07 freedom of choice */
    {"Problem with additional add-on products or services", "c07"},
    {"Received a loan you didn't apply for", "c07"},
    /* c08 contract terms */
    {"Other features, terms, or problems", "c08"},
    {"Didn't provide services promised", "c08"},
    /* c09 fund security */
    {"Fraud or scam", "c09"},
    {"Unauthorized transactions or other transaction problem", "c09"},
    {"Identity theft / Fraud / Embezzlement", "c09"},
    {"Lost or stolen money order", "c09"},
    {"Money was taken from your bank account on the wrong day or for the wrong amount", "c09"},
    {"Problem with a lender or other company charging your account", "c09"},
    {"Can't stop withdrawals from your bank account", "c09"},
    {"Was approved for a loan, but didn't receive the money", "c09"},
    {"Was approved for a loan, but didn't receive money", "c09"},
    {"Money was not available when promised", "c09"},
    {"Wrong amount charged or received", "c09"},
    /* c10 information security (consumer data, including credit reports) */
    {"Incorrect information on your report", "c10"},
    {"Incorrect information on credit report", "c10"},
    {"Improper use of your report", "c10"},
    {"Improper use of my credit report", "c10"},
    {"Problem with fraud alerts or security freezes", "c10"},
    {"Credit monitoring or identity theft protection services", "c10"},
    {"Identity theft protection or other monitoring services", "c10"},
    /* c11 pricing and fees */
    {"Charged fees or interest you didn't expect", "c11"},
    {"Charged fees or interest I didn't expect", "c11"},
    {"Fees or interest", "c11"},
    {"Unexpected or other fees", "c11"},
    {"Excessive fees", "c11"},
    {"APR or interest rate", "c11"},
    {"Problem caused by your funds being low", "c11"},
    {"Problems caused by my funds being low", "c11"},
    {"Settlement process and costs", "c11"},
    /* c12 debt collection */
    {"Attempts to collect debt not owed", "c12"},
    {"Cont'd attempts collect debt not owed", "c12"},
    {"Communication tactics", "c12"},
    {"Written notification about debt", "c12"},
    {"Took or threatened to take negative or legal action", "c12"},
    {"False statements or representation", "c12"},
    {"Threatened to contact someone or share information improperly", "c12"},
    {"Improper contact or sharing of info", "c12"},
    {"Taking/threatening an illegal action", "c12"},
    {"Disclosure verification of debt", "c12"},
    {"Collection practices", "c12"},
    {"Vehicle was repossessed or sold the vehicle", "c12"},
    {"Vehicle was damaged or destroyed the vehicle", "c12"},
};

/* CFPB tags: the ombud tag, and the grading signal the tag implies (or NULL). */
static const struct {
    const char *text, *tag, *signal;
} tag_map[] = {
    {"Older American", "older_american", "vulnerable"},
    {"Servicemember", "servicemember", NULL},
};

#define FALLBACK_CHANNEL  "other"
#define FALLBACK_BUSINESS "other"
#define FALLBACK_CAUSE    "c99"
#define TAG_MAX           32 /* as the tags field of omb_complaint_create_fields */
#define TAGS_MAX          20

/* ---- text helpers ------------------------------------------------------- */

typedef struct span {
    const char *p;
    size_t len;
} span;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static span trim(const char *p, size_t len)
{
    while (len && is_space(*p)) {
        p++;
        len--;
    }
    while (len && is_space(p[len - 1]))
        len--;
    return (span){p, len};
}

static bool span_is(span s, const char *text)
{
    return strlen(text) == s.len && strncasecmp(text, s.p, s.len) == 0;
}

static const char *lookup(const text_map *map, size_t n, span s)
{
    if (s.len == 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (span_is(s, map[i].text))
            return map[i].code;
    return NULL;
}

static span cstr(const char *s)
{
    return s ? trim(s, strlen(s)) : (span){"", 0};
}

static const char *map_channel(span via)
{
    const char *c = lookup(channels, COUNT(channels), via);
    return c ? c : FALLBACK_CHANNEL;
}

static const char *map_business(span product, span sub)
{
    const char *c = lookup(sub_products, COUNT(sub_products), sub);
    if (!c)
        c = lookup(products, COUNT(products), product);
    return c ? c : FALLBACK_BUSINESS;
}

static const char *map_cause(span issue, span sub)
{
    const char *c = lookup(sub_issues, COUNT(sub_issues), sub);
    if (!c)
        c = lookup(issues, COUNT(issues), issue);
    return c ? c : FALLBACK_CAUSE;
}

const char *omb_cfpb_channel(const char *submitted_via)
{
    return map_channel(cstr(submitted_via));
}

const char *omb_cfpb_business(const char *product, const char *sub)
{
    return map_business(cstr(product), cstr(sub));
}

const char *omb_cfpb_cause(const char *issue, const char *sub_issue)
{
    return map_cause(cstr(issue), cstr(sub_issue));
}

const char *omb_cfpb_state_for_response(const char *response)
{
    span r = cstr(response);
    if (r.len >= 6 && strncasecmp(r.p, "closed", 6) == 0 &&
        (r.len == 6 || r.p[6] == ' ' || r.p[6] == ',' || r.p[6] == '-'))
        return "closed";
    if (span_is(r, "In progress"))
        return "investigating";
    return "received";
}

const char *omb_cfpb_table_code(const char *kind, size_t i)
{
    const struct {
        const char *kind;
        const text_map *a;
        size_t na;
        const text_map *b;
        size_t nb;
        const char *fallback;
    } sets[] = {
        {"channel", channels, COUNT(channels), NULL, 0, FALLBACK_CHANNEL},
        {"business", sub_products, COUNT(sub_products), products, COUNT(products),
         FALLBACK_BUSINESS},
        {"cause", sub_issues, COUNT(sub_issues), issues, COUNT(issues), FALLBACK_CAUSE},
    };
    for (size_t s = 0; kind && s < COUNT(sets); s++) {
        if (strcmp(kind, sets[s].kind) != 0)
            continue;
        if (i < sets[s].na)
            return sets[s].a[i].code;
        i -= sets[s].na;
        if (i < sets[s].nb)
            return sets[s].b[i].code;
        return i == sets[s].nb ? sets[s].fallback : NULL;
    }
    return NULL;
}

/* ---- header ------------------------------------------------------------- */

int omb_cfpb_header_parse(omb_cfpb_header *h, const omb_csv_record *rec, omb_err *err)
{
    memset(h, 0, sizeof *h);
    h->nfields = rec->n;
    /* Every missing required column is named at once, so one look at the file fixes it. */
    char missing[OMB_ERR_MSG_MAX - 64] = "";
    const char *first = NULL;
    size_t n_missing = 0, used = 0;
    for (size_t c = 0; c < OMB_CFPB_NCOLS; c++) {
        const char *name = omb_cfpb_columns[c];
        if (omb_csv_field_index(rec, name, &h->col[c]) != OMB_OK) {
            h->col[c] = SIZE_MAX;
            if (c >= OMB_CFPB_NREQUIRED)
                continue;
            first = first ? first : name;
            int w = snprintf(missing + used, sizeof missing - used, "%s\"%s\"",
                             n_missing ? ", " : "", name);
            if (w > 0 && (size_t)w < sizeof missing - used)
                used += (size_t)w;
            n_missing++;
            continue;
        }
        for (size_t j = h->col[c] + 1; j < rec->n; j++)
            if (span_is(trim(rec->fields[j].p, rec->fields[j].len), name))
                return omb_fail(err, OMB_EINVAL, "cfpb_duplicate_column", name,
                                "the header has two \"%s\" columns", name);
    }
    if (n_missing)
        return omb_fail(err, OMB_EINVAL, "cfpb_missing_column", first,
                        "the header lacks %zu required column%s: %s", n_missing,
                        n_missing == 1 ? "" : "s", missing);
    return OMB_OK;
}

/* ---- rows --------------------------------------------------------------- */

void omb_cfpb_row_init(omb_cfpb_row *row)
{
    memset(row, 0, sizeof *row);
    row->state = "received";
}

void omb_cfpb_row_release(omb_cfpb_row *row)
{
    json_decref(row->payload);
    json_decref(row->source);
    free(row->narrative);
    omb_cfpb_row_init(row);
}

__attribute__((format(printf, 5, 6))) static int
refuse(omb_err *err, const char *reason, const char *field, size_t line, const char *fmt, ...)
{
    char msg[OMB_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return omb_fail(err, OMB_EFIELD, reason, field, "line %zu: %s", line, msg);
}

static span field_raw(const omb_cfpb_header *h, const omb_csv_record *rec, enum omb_cfpb_col c)
{
    if (h->col[c] == SIZE_MAX) /* an optional column the file lacks */
        return (span){"", 0};
    const omb_csv_field *f = &rec->fields[h->col[c]];
    return (span){f->p, f->len};
}

static span field(const omb_cfpb_header *h, const omb_csv_record *rec, enum omb_cfpb_col c)
{
    span s = field_raw(h, rec, c);
    return trim(s.p, s.len);
}

/* "YYYY-MM-DD" (or the older export form "MM/DD/YYYY"), 1970 or later, at Shanghai midnight. */
static int parse_date(span s, omb_ms *out)
{
    char iso[11];
    if (s.len == 10 && s.p[4] == '-' && s.p[7] == '-') {
        memcpy(iso, s.p, 10);
    } else if (s.len == 10 && s.p[2] == '/' && s.p[5] == '/') {
        memcpy(iso, s.p + 6, 4);
        iso[4] = '-';
        memcpy(iso + 5, s.p, 2);
        iso[7] = '-';
        memcpy(iso + 8, s.p + 3, 2);
    } else {
        return OMB_EINVAL;
    }
    iso[10] = '\0';
    /* No complaint predates the epoch; such a year is a typo (omb_time_parse takes any year). */
    if (memcmp(iso, "1970", 4) < 0)
        return OMB_EINVAL;
    return omb_time_parse(iso, OMB_TZ_SHANGHAI_MIN, out);
}

/* Turns an unknown CFPB tag into a code: "Some Tag!" -> "some_tag". */
static bool slug(span s, char *out, size_t cap)
{
    size_t n = 0;
    bool gap = false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (gap && n) {
                if (n + 1 >= cap)
                    return false;
                out[n++] = '_';
            }
            gap = false;
            if (n + 1 >= cap)
                return false;
            out[n++] = c;
        } else {
            gap = true;
        }
    }
    out[n] = '\0';
    return n > 0;
}

static bool array_has(const json_t *a, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

/* Fills tags and signals from the comma-separated CFPB "Tags" field. */
static int map_tags(span all, json_t *tags, json_t *signals, size_t line, omb_err *err)
{
    const char *field_name = omb_cfpb_columns[OMB_CFPB_TAGS];
    const char *p = all.p, *end = all.p + all.len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        span one = trim(p, (size_t)(stop - p));
        p = comma ? comma + 1 : end;
        if (one.len == 0)
            continue;
        const char *tag = NULL, *signal = NULL;
        char made[TAG_MAX + 1];
        for (size_t i = 0; i < COUNT(tag_map) && !tag; i++)
            if (span_is(one, tag_map[i].text)) {
                tag = tag_map[i].tag;
                signal = tag_map[i].signal;
            }
        if (!tag) {
            if (!slug(one, made, sizeof made))
                return refuse(err, "bad_tag", field_name, line,
                              "tag \"%.*s\" does not make a code of 1-%d letters and digits",
                              (int)(one.len > 40 ? 40 : one.len), one.p, TAG_MAX);
            tag = made;
        }
        if (!array_has(tags, tag)) {
            if (json_array_size(tags) == TAGS_MAX)
                return refuse(err, "bad_tag", field_name, line, "more than %d tags", TAGS_MAX);
            json_array_append_new(tags, json_string(tag));
        }
        if (signal && !array_has(signals, signal))
            json_array_append_new(signals, json_string(signal));
    }
    return OMB_OK;
}

/* Bytes of the first `n` code points of valid UTF-8 s[len]. */
static size_t utf8_prefix(const char *s, size_t len, size_t n)
{
    size_t i = 0;
    for (size_t seen = 0; i < len; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && seen++ == n)
            break;
    }
    return i;
}

/* Where a narrative is cut for the description: at `cut` bytes, or at the start of the
 * personal data (pii_text.h) that the cut would split, so that no part of a number is left
 * in the description where the masking of free text could no longer recognise it. */
static size_t safe_cut(const char *s, size_t len, size_t cut)
{
    size_t n = omb_pii_text_scan(s, len, NULL, 0);
    if (!n)
        return cut;
    omb_pii_span *spans = omb_xmalloc(n * sizeof *spans);
    omb_pii_text_scan(s, len, spans, n);
    for (size_t i = 0; i < n && spans[i].start < cut; i++)
        if (spans[i].start + spans[i].len > cut)
            cut = spans[i].start;
    free(spans);
    return cut;
}

/* The narrative, or "Product / Issue / Sub-issue" when there is none.  A narrative over
 * OMB_CFPB_DESCRIPTION_MAX code points gives its beginning (cut before any personal data it
 * would split) and OMB_CFPB_TRUNCATED_MARK; *truncated says so. */
static int description(const omb_cfpb_header *h, const omb_csv_record *rec, omb_buf *out,
                       const char **blame, bool *truncated)
{
    span narrative = field_raw(h, rec, OMB_CFPB_NARRATIVE);
    *truncated = false;
    if (trim(narrative.p, narrative.len).len) {
        *blame = omb_cfpb_columns[OMB_CFPB_NARRATIVE];
        if (omb_utf8_count(narrative.p, narrative.len) <= OMB_CFPB_DESCRIPTION_MAX)
            return omb_buf_append(out, narrative.p, narrative.len);
        static const char mark[] = OMB_CFPB_TRUNCATED_MARK;
        size_t keep = OMB_CFPB_DESCRIPTION_MAX - omb_utf8_count(mark, sizeof mark - 1);
        *truncated = true;
        size_t cut = utf8_prefix(narrative.p, narrative.len, keep);
        return omb_buf_append(out, narrative.p, safe_cut(narrative.p, narrative.len, cut)) ||
               omb_buf_puts(out, mark);
    }
    *blame = omb_cfpb_columns[OMB_CFPB_PRODUCT];
    const enum omb_cfpb_col parts[] = {OMB_CFPB_PRODUCT, OMB_CFPB_ISSUE, OMB_CFPB_SUB_ISSUE};
    int rc = OMB_OK;
    for (size_t i = 0; i < COUNT(parts) && !rc; i++) {
        span s = field(h, rec, parts[i]);
        if (!s.len)
            continue;
        if (out->len)
            rc = omb_buf_puts(out, " / ");
        if (!rc)
            rc = omb_buf_append(out, s.p, s.len);
    }
    return rc;
}

/* Copies s into dst[cap] whole, or says it does not fit. */
static bool copy_whole(char *dst, size_t cap, span s)
{
    if (s.len >= cap)
        return false;
    memcpy(dst, s.p, s.len);
    dst[s.len] = '\0';
    return true;
}

/* The CFPB's own fields kept in the complaint's `source` object; empty ones are left out. */
static const struct {
    enum omb_cfpb_col col;
    const char *key;
} source_texts[] = {
    {OMB_CFPB_COMPANY, "company"},         {OMB_CFPB_STATE, "state"},
    {OMB_CFPB_ZIP_CODE, "zip_code"},       {OMB_CFPB_PRODUCT, "product"},
    {OMB_CFPB_SUB_PRODUCT, "sub_product"}, {OMB_CFPB_ISSUE, "issue"},
    {OMB_CFPB_SUB_ISSUE, "sub_issue"},     {OMB_CFPB_COMPANY_RESPONSE, "company_response"},
};

/* The `source` object of a row, or a refusal (field_too_long, bad_date, bad_value). */
static int build_source(const omb_cfpb_header *h, const omb_csv_record *rec, const char *id,
                        json_t **out, omb_err *err)
{
    const size_t line = rec->line;
    json_t *src = json_pack("{s:s,s:s}", "format", "cfpb", "complaint_id", id);
    for (size_t i = 0; i < COUNT(source_texts); i++) {
        span s = field(h, rec, source_texts[i].col);
        const char *col = omb_cfpb_columns[source_texts[i].col];
        if (!s.len)
            continue;
        if (s.len > OMB_CFPB_TEXT_MAX) {
            json_decref(src);
            return refuse(err, "field_too_long", col, line, "%s is longer than %d bytes", col,
                          OMB_CFPB_TEXT_MAX);
        }
        json_object_set_new(src, source_texts[i].key, json_stringn(s.p, s.len));
    }
    span sent = field(h, rec, OMB_CFPB_DATE_SENT);
    if (sent.len) {
        omb_ms t;
        char day[32];
        if (parse_date(sent, &t) != OMB_OK) {
            json_decref(src);
            return refuse(err, "bad_date", omb_cfpb_columns[OMB_CFPB_DATE_SENT], line,
                          "Date sent to company \"%.*s\" is not a date (YYYY-MM-DD)",
                          (int)(sent.len > 40 ? 40 : sent.len), sent.p);
        }
        int32_t ymd = omb_time_local_yyyymmdd(t, OMB_TZ_SHANGHAI_MIN);
        snprintf(day, sizeof day, "%04d-%02d-%02d", (int)(ymd / 10000), (int)(ymd / 100 % 100),
                 (int)(ymd % 100));
        json_object_set_new(src, "date_sent_to_company", json_string(day));
    }
    span timely = field(h, rec, OMB_CFPB_TIMELY);
    if (timely.len) {
        if (!span_is(timely, "Yes") && !span_is(timely, "No")) {
            json_decref(src);
            return refuse(err, "bad_value", omb_cfpb_columns[OMB_CFPB_TIMELY], line,
                          "Timely response? \"%.*s\" is neither Yes nor No",
                          (int)(timely.len > 40 ? 40 : timely.len), timely.p);
        }
        json_object_set_new(src, "timely_response", json_boolean(span_is(timely, "Yes")));
    }
    *out = src;
    return OMB_OK;
}

static json_t *build(const omb_cfpb_header *h, const omb_csv_record *rec, const char *id,
                     omb_ms received, const omb_buf *desc)
{
    char text[128], at[32];
    json_t *p = json_object();
    json_object_set_new(p, "channel",
                        json_string(map_channel(field(h, rec, OMB_CFPB_SUBMITTED_VIA))));
    omb_time_format(received, at, sizeof at);
    json_object_set_new(p, "received_at", json_string(at));
    json_t *who = json_object();
    snprintf(text, sizeof text, "CFPB consumer %s", id);
    json_object_set_new(who, "name", json_string(text));
    snprintf(text, sizeof text, "CFPB-%s", id);
    json_object_set_new(who, "customer_ref", json_string(text));
    json_object_set_new(p, "complainant", who);
    snprintf(text, sizeof text, "cfpb:%s", id);
    json_object_set_new(p, "external_ref", json_string(text));
    json_t *d = json_stringn(desc->data, desc->len);
    if (!d) {
        json_decref(p);
        return NULL;
    }
    json_object_set_new(p, "description", d);
    json_object_set_new(p, "business",
                        json_string(map_business(field(h, rec, OMB_CFPB_PRODUCT),
                                                 field(h, rec, OMB_CFPB_SUB_PRODUCT))));
    json_object_set_new(
        p, "cause",
        json_string(map_cause(field(h, rec, OMB_CFPB_ISSUE), field(h, rec, OMB_CFPB_SUB_ISSUE))));
    return p;
}

int omb_cfpb_map(const omb_cfpb_header *h, const omb_csv_record *rec, omb_cfpb_row *row,
                 omb_err *err)
{
    omb_cfpb_row_release(row);
    const size_t line = rec->line;
    if (rec->n != h->nfields)
        return refuse(err, "bad_row", NULL, line, "%zu fields where the header has %zu", rec->n,
                      h->nfields);
    for (size_t c = 0; c < OMB_CFPB_NCOLS; c++) {
        span s = field_raw(h, rec, (enum omb_cfpb_col)c);
        if (!omb_utf8_valid(s.p, s.len))
            return refuse(err, "bad_encoding", omb_cfpb_columns[c], line, "%s is not valid UTF-8",
                          omb_cfpb_columns[c]);
    }

    const char *col_id = omb_cfpb_columns[OMB_CFPB_COMPLAINT_ID];
    span id = field(h, rec, OMB_CFPB_COMPLAINT_ID);
    if (!id.len)
        return refuse(err, "missing_id", col_id, line, "no Complaint ID");
    bool digits = id.len <= OMB_CFPB_ID_MAX;
    for (size_t i = 0; i < id.len && digits; i++)
        digits = id.p[i] >= '0' && id.p[i] <= '9';
    if (!digits)
        return refuse(err, "bad_id", col_id, line, "Complaint ID \"%.*s\" is not 1-%d digits",
                      (int)(id.len > 40 ? 40 : id.len), id.p, OMB_CFPB_ID_MAX);
    copy_whole(row->id, sizeof row->id, id);

    const char *col_date = omb_cfpb_columns[OMB_CFPB_DATE_RECEIVED];
    span date = field(h, rec, OMB_CFPB_DATE_RECEIVED);
    omb_ms received;
    if (!date.len)
        return refuse(err, "missing_date", col_date, line, "no Date received");
    if (parse_date(date, &received) != OMB_OK)
        return refuse(err, "bad_date", col_date, line,
                      "Date received \"%.*s\" is not a date (YYYY-MM-DD)",
                      (int)(date.len > 40 ? 40 : date.len), date.p);
    if (!field(h, rec, OMB_CFPB_PRODUCT).len)
        return refuse(err, "missing_product", omb_cfpb_columns[OMB_CFPB_PRODUCT], line,
                      "no Product");

    const char *col_company = omb_cfpb_columns[OMB_CFPB_COMPANY];
    const char *col_response = omb_cfpb_columns[OMB_CFPB_COMPANY_RESPONSE];
    if (!copy_whole(row->company, sizeof row->company, field(h, rec, OMB_CFPB_COMPANY)))
        return refuse(err, "field_too_long", col_company, line, "Company is longer than %d bytes",
                      OMB_CFPB_COMPANY_MAX);
    if (!copy_whole(row->response, sizeof row->response, field(h, rec, OMB_CFPB_COMPANY_RESPONSE)))
        return refuse(err, "field_too_long", col_response, line,
                      "Company response to consumer is longer than %d bytes",
                      OMB_CFPB_RESPONSE_MAX);

    json_t *source = NULL;
    int rc = build_source(h, rec, row->id, &source, err);
    if (rc)
        return rc;

    /* The buffer cap (4 bytes a code point) only bounds memory; the limit is counted below. */
    omb_buf desc = OMB_BUF_INIT(4 * OMB_CFPB_DESCRIPTION_MAX);
    const char *blame = NULL;
    bool truncated = false;
    rc = description(h, rec, &desc, &blame, &truncated);
    if (rc || omb_utf8_count(desc.data, desc.len) > OMB_CFPB_DESCRIPTION_MAX) {
        omb_buf_release(&desc);
        json_decref(source);
        return refuse(err, "field_too_long", blame, line,
                      "the description is longer than %d characters", OMB_CFPB_DESCRIPTION_MAX);
    }

    json_t *tags = json_array(), *signals = json_array();
    rc = map_tags(field(h, rec, OMB_CFPB_TAGS), tags, signals, line, err);
    json_t *p = rc ? NULL : build(h, rec, row->id, received, &desc);
    omb_buf_release(&desc);
    if (rc || !p) {
        json_decref(tags);
        json_decref(signals);
        json_decref(source);
        return rc ? rc : refuse(err, "invalid_payload", NULL, line, "description is not text");
    }
    if (json_array_size(tags))
        json_object_set(p, "tags", tags);
    if (json_array_size(signals))
        json_object_set(p, "signals", signals);
    json_decref(tags);
    json_decref(signals);

    omb_err check;
    omb_err_clear(&check);
    if (omb_fields_check(p, omb_complaint_create_fields, "", &check) != OMB_OK) {
        json_decref(p);
        json_decref(source);
        return refuse(err, "invalid_payload", check.field[0] ? check.field : NULL, line,
                      "the mapped payload is invalid: %s", check.message);
    }
    if (truncated) {
        span whole = field_raw(h, rec, OMB_CFPB_NARRATIVE);
        row->narrative = omb_xmalloc(whole.len + 1);
        memcpy(row->narrative, whole.p, whole.len);
        row->narrative[whole.len] = '\0';
        row->narrative_len = whole.len;
    }
    row->payload = p;
    row->source = source;
    row->state = omb_cfpb_state_for_response(row->response);
    return OMB_OK;
}
