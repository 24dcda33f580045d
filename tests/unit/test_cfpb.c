/*
 * test_cfpb.c - unit tests of the CFPB row mapper (src/core/cfpb.c): the
 * header (every missing column named at once), every mapping table branch,
 * every refusal reason, the state a company response implies, the `source`
 * object, narratives over the limit kept whole beside a truncated, marked
 * description, and the whole fixture tests/data/cfpb_sample.csv
 * against the counts in tests/data/cfpb_sample.expect.  Run from the
 * repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_main.h"

#include "core/buf.h"
#include "core/cfpb.h"
#include "core/complaint.h"
#include "core/csv.h"
#include "core/grade.h"
#include "core/taxonomy.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Generated from data/taxonomy.tsv by scripts/embed.sh (build/<flavour>/gen). */
extern const unsigned char omb_embed_taxonomy_tsv[];
extern const size_t omb_embed_taxonomy_tsv_len;

#define SAMPLE_CSV    "tests/data/cfpb_sample.csv"
#define SAMPLE_EXPECT "tests/data/cfpb_sample.expect"
#define NCOL          18

static const char *const header[NCOL] = {
    "Date received",
    "Product",
    "Sub-product",
    "Issue",
    "Sub-issue",
    "Consumer complaint narrative",
    "Company public response",
    "Company",
    "State",
    "ZIP code",
    "Tags",
    "Consumer consent provided?",
    "Submitted via",
    "Date sent to company",
    "Company response to consumer",
    "Timely response?",
    "Consumer disputed?",
    "Complaint ID",
};

/* A real row of the sample (the second), with a short narrative. */
static const char *const base[NCOL] = {
    "2019-09-24",
    "Debt collection",
    "I do not know",
    "Attempts to collect debt not owed",
    "Debt is not yours",
    "transworld systems inc. \nis trying to collect a debt that is not mine, not owed and is "
    "inaccurate.",
    "",
    "TRANSWORLD SYSTEMS INC",
    "FL",
    "335XX",
    "",
    "Consent provided",
    "Web",
    "2019-09-24",
    "Closed with explanation",
    "Yes",
    "N/A",
    "3384392",
};

static omb_taxonomy *taxonomy(void)
{
    omb_taxonomy *t = NULL;
    omb_err err;
    if (omb_taxonomy_parse(&t, (const char *)omb_embed_taxonomy_tsv, omb_embed_taxonomy_tsv_len,
                           &err))
        fail_msg("taxonomy: %s", err.message);
    return t;
}

static void put_field(omb_buf *b, const char *s)
{
    omb_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            omb_buf_putc(b, '"');
        omb_buf_putc(b, *s);
    }
    omb_buf_putc(b, '"');
}

static void put_record(omb_buf *b, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            omb_buf_putc(b, ',');
        put_field(b, fields[i]);
    }
    omb_buf_puts(b, "\r\n");
}

/* Reads a header and one row from csv and maps the row. */
static int map_text(const char *csv, size_t len, omb_cfpb_row *row, omb_err *err)
{
    omb_csv r;
    const omb_csv_record *rec;
    omb_cfpb_header h;
    omb_csv_init(&r, csv, len, OMB_CFPB_CSV_FIELD_MAX, OMB_CFPB_CSV_FIELDS_MAX);
    assert_int_equal(omb_csv_next(&r, &rec, err), OMB_OK);
    assert_non_null(rec);
    int rc = omb_cfpb_header_parse(&h, rec, err);
    if (rc == OMB_OK) {
        assert_int_equal(omb_csv_next(&r, &rec, err), OMB_OK);
        assert_non_null(rec);
        rc = omb_cfpb_map(&h, rec, row, err);
    }
    omb_csv_release(&r);
    return rc;
}

/*
 * Maps the base row with the columns named in the NULL-terminated
 * (column, value) pairs replaced.
 */
static int map_with(omb_cfpb_row *row, omb_err *err, ...)
{
    const char *fields[NCOL];
    memcpy(fields, base, sizeof fields);
    va_list ap;
    va_start(ap, err);
    const char *col;
    while ((col = va_arg(ap, const char *)) != NULL) {
        const char *val = va_arg(ap, const char *);
        size_t i = 0;
        while (i < NCOL && strcmp(header[i], col) != 0)
            i++;
        if (i == NCOL)
            fail_msg("no column %s", col);
        fields[i] = val;
    }
    va_end(ap);
    omb_buf b = OMB_BUF_INIT(1 << 20);
    put_record(&b, header, NCOL);
    put_record(&b, fields, NCOL);
    omb_err_clear(err);
    int rc = map_text(b.data, b.len, row, err);
    omb_buf_release(&b);
    return rc;
}

static const char *pstr(const omb_cfpb_row *row, const char *key)
{
    return omb_json_str(row->payload, key, NULL);
}

/* Maps with overrides and expects success and a valid payload. */
#define MAP_OK(row, ...)                                                                           \
    do {                                                                                           \
        omb_err e_;                                                                                \
        if (map_with((row), &e_, __VA_ARGS__, NULL) != OMB_OK)                                     \
            fail_msg("refused: %s: %s", e_.code, e_.message);                                      \
        assert_int_equal(omb_fields_check((row)->payload, omb_complaint_create_fields, "", &e_),   \
                         OMB_OK);                                                                  \
    } while (0)

/* Maps with overrides and expects refusal for `reason` blaming `field`. */
static void refused_for(const char *reason, const char *field, const char *col, const char *val)
{
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    omb_err err;
    if (map_with(&row, &err, col, val, NULL) != OMB_EFIELD)
        fail_msg("%s \"%.60s\" was not refused", col, val);
    assert_string_equal(err.code, reason);
    assert_int_equal(err.rc, OMB_EFIELD);
    if (field)
        assert_string_equal(err.field, field);
    assert_non_null(strstr(err.message, "line 2"));
    assert_null(row.payload);
    int listed = 0;
    for (const char *const *r = omb_cfpb_reasons; *r; r++)
        listed |= strcmp(*r, reason) == 0;
    assert_true(listed);
    omb_cfpb_row_release(&row);
}

/* ---- header ------------------------------------------------------------- */

static void test_header_real(void **state)
{
    omb_buf b = OMB_BUF_INIT(4096);
    put_record(&b, header, NCOL);
    omb_csv r;
    const omb_csv_record *rec;
    omb_cfpb_header h;
    omb_err err;
    omb_csv_init(&r, b.data, b.len, 0, 0);
    assert_int_equal(omb_csv_next(&r, &rec, &err), OMB_OK);
    assert_int_equal(omb_cfpb_header_parse(&h, rec, &err), OMB_OK);
    assert_int_equal(h.nfields, NCOL);
    assert_int_equal(h.col[OMB_CFPB_DATE_RECEIVED], 0);
    assert_int_equal(h.col[OMB_CFPB_TAGS], 10);
    assert_int_equal(h.col[OMB_CFPB_SUBMITTED_VIA], 12);
    assert_int_equal(h.col[OMB_CFPB_COMPLAINT_ID], 17);
    omb_csv_release(&r);
    omb_buf_release(&b);
}

static void test_header_missing_column(void **state)
{
    for (size_t c = 0; c < OMB_CFPB_NREQUIRED; c++) {
        const char *names[NCOL];
        size_t n = 0;
        for (size_t i = 0; i < NCOL; i++)
            if (strcmp(header[i], omb_cfpb_columns[c]) != 0)
                names[n++] = header[i];
        assert_int_equal(n, NCOL - 1);
        omb_buf b = OMB_BUF_INIT(4096);
        put_record(&b, names, n);
        omb_csv r;
        const omb_csv_record *rec;
        omb_cfpb_header h;
        omb_err err;
        omb_csv_init(&r, b.data, b.len, 0, 0);
        assert_int_equal(omb_csv_next(&r, &rec, &err), OMB_OK);
        assert_int_equal(omb_cfpb_header_parse(&h, rec, &err), OMB_EINVAL);
        assert_string_equal(err.code, "cfpb_missing_column");
        assert_string_equal(err.field, omb_cfpb_columns[c]);
        assert_non_null(strstr(err.message, "lacks 1 required column: "));
        omb_csv_release(&r);
        omb_buf_release(&b);
    }
    /* every missing column named at once, the first in err.field */
    static const char two[] = "Date received,Product\r\n";
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    omb_err err;
    assert_int_equal(map_text(two, sizeof two - 1, &row, &err), OMB_EINVAL);
    assert_string_equal(err.code, "cfpb_missing_column");
    assert_string_equal(err.field, "Sub-product");
    assert_non_null(strstr(err.message, "lacks 9 required columns"));
    for (size_t c = OMB_CFPB_SUB_PRODUCT; c < OMB_CFPB_NREQUIRED; c++) {
        char quoted[80];
        snprintf(quoted, sizeof quoted, "\"%s\"", omb_cfpb_columns[c]);
        if (!strstr(err.message, quoted))
            fail_msg("%s not named in: %s", quoted, err.message);
    }
    assert_null(strstr(err.message, "\"Product\""));
    assert_null(strstr(err.message, "\"State\"")); /* optional */
}

static void test_header_duplicate_column(void **state)
{
    static const char csv[] = "Date received,Product,Sub-product,Issue,Sub-issue,Consumer "
                              "complaint narrative,Company,Tags,Submitted via,Company response "
                              "to consumer,Complaint ID,product\r\n";
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    omb_err err;
    assert_int_equal(map_text(csv, sizeof csv - 1, &row, &err), OMB_EINVAL);
    assert_string_equal(err.code, "cfpb_duplicate_column");
    assert_string_equal(err.field, "Product");
}

/* Columns in reverse order, an extra one, and only the columns the mapper needs. */
static void test_header_by_name_not_position(void **state)
{
    omb_cfpb_row want, got;
    omb_cfpb_row_init(&want);
    omb_cfpb_row_init(&got);
    MAP_OK(&want, "Tags", "Servicemember");
    const char *names[NCOL + 1], *fields[NCOL + 1];
    for (size_t i = 0; i < NCOL; i++) {
        names[i] = header[NCOL - 1 - i];
        fields[i] = strcmp(names[i], "Tags") == 0 ? "Servicemember" : base[NCOL - 1 - i];
    }
    names[NCOL] = "Something new";
    fields[NCOL] = "x";
    omb_buf b = OMB_BUF_INIT(1 << 16);
    put_record(&b, names, NCOL + 1);
    put_record(&b, fields, NCOL + 1);
    omb_err err;
    assert_int_equal(map_text(b.data, b.len, &got, &err), OMB_OK);
    assert_true(json_equal(want.payload, got.payload));
    omb_buf_release(&b);

    /* only the 11 columns the mapper reads */
    b = (omb_buf)OMB_BUF_INIT(1 << 16);
    const char *few[OMB_CFPB_NCOLS], *vals[OMB_CFPB_NCOLS];
    for (size_t c = 0; c < OMB_CFPB_NCOLS; c++) {
        few[c] = omb_cfpb_columns[c];
        vals[c] = "";
        for (size_t i = 0; i < NCOL; i++)
            if (strcmp(header[i], few[c]) == 0)
                vals[c] = strcmp(header[i], "Tags") == 0 ? "Servicemember" : base[i];
    }
    put_record(&b, few, OMB_CFPB_NCOLS);
    put_record(&b, vals, OMB_CFPB_NCOLS);
    assert_int_equal(map_text(b.data, b.len, &got, &err), OMB_OK);
    assert_true(json_equal(want.payload, got.payload));
    omb_buf_release(&b);
    omb_cfpb_row_release(&want);
    omb_cfpb_row_release(&got);
}

/* ---- mapping ------------------------------------------------------------ */

static void test_map_base_row(void **state)
{
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    MAP_OK(&row, "Consumer disputed?", "N/A");
    assert_string_equal(pstr(&row, "channel"), "web");
    assert_string_equal(pstr(&row, "received_at"), "2019-09-23T16:00:00.000Z");
    assert_string_equal(pstr(&row, "external_ref"), "cfpb:3384392");
    assert_string_equal(pstr(&row, "description"), base[5]);
    assert_string_equal(pstr(&row, "business"), "debt_collection");
    assert_string_equal(pstr(&row, "cause"), "c12");
    const json_t *who = json_object_get(row.payload, "complainant");
    assert_string_equal(omb_json_str(who, "name", ""), "CFPB consumer 3384392");
    assert_string_equal(omb_json_str(who, "customer_ref", ""), "CFPB-3384392");
    assert_null(json_object_get(row.payload, "tags"));
    assert_null(json_object_get(row.payload, "signals"));
    assert_null(json_object_get(row.payload, "grade"));
    assert_string_equal(row.id, "3384392");
    assert_string_equal(row.company, "TRANSWORLD SYSTEMS INC");
    assert_string_equal(row.response, "Closed with explanation");
    assert_string_equal(row.state, "closed");
    /* the mapped row can be mapped again into the same struct */
    MAP_OK(&row, "Complaint ID", " 42 ", "Company", "  ACME  ");
    assert_string_equal(row.id, "42");
    assert_string_equal(row.company, "ACME");
    assert_string_equal(pstr(&row, "external_ref"), "cfpb:42");
    omb_cfpb_row_release(&row);
    omb_cfpb_row_release(&row);
}

static void test_channels(void **state)
{
    static const char *const cases[][2] = {
        {"Web", "web"},
        {"Web Referral", "web"},
        {"Phone", "phone"},
        {"Referral", "regulator"},
        {"Postal mail", "letter"},
        {"Fax", "other"},
        {"Email", "email"},
        {" web ", "web"},
        {"POSTAL MAIL", "letter"},
        {"Carrier pigeon", "other"},
        {"", "other"},
    };
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_string_equal(omb_cfpb_channel(cases[i][0]), cases[i][1]);
        MAP_OK(&row, "Submitted via", cases[i][0]);
        assert_string_equal(pstr(&row, "channel"), cases[i][1]);
    }
    assert_string_equal(omb_cfpb_channel(NULL), "other");
    omb_cfpb_row_release(&row);
}

static void test_business(void **state)
{
    static const char *const cases[][3] = {
        {"Credit reporting, credit repair services, or other personal consumer reports",
         "Credit reporting", "credit_report"},
        {"Credit reporting or other personal consumer reports", "", "credit_report"},
        {"Credit reporting", "", "credit_report"},
        {"Payday loan, title loan, or personal loan", "Installment loan", "personal_loan"},
        {"Payday loan, title loan, or personal loan", "Title loan", "personal_loan"},
        {"Payday loan, title loan, personal loan, or advance loan", "", "personal_loan"},
        {"Payday loan", "", "personal_loan"},
        {"Consumer Loan", "", "personal_loan"},
        {"Consumer Loan", "Vehicle loan", "auto_loan"},
        {"Consumer Loan", "Vehicle lease", "auto_loan"},
        {"Debt collection", "I do not know", "debt_collection"},
        {"Debt collection", "Medical debt", "debt_collection"},
        {"Debt collection", "Credit card debt", "credit_card"},
        {"Debt collection", "Payday loan debt", "personal_loan"},
        {"Debt collection", "Auto debt", "auto_loan"},
        {"Debt collection", "Mortgage debt", "mortgage"},
        {"Debt collection", "Federal student loan debt", "student_loan"},
        {"Debt collection", "Private student loan debt", "student_loan"},
        {"Credit card or prepaid card", "General-purpose credit card or charge card",
         "credit_card"},
        {"Credit card or prepaid card", "General-purpose prepaid card", "payment"},
        {"Credit card or prepaid card", "Government benefit card", "payment"},
        {"Credit card or prepaid card", "Gift card", "payment"},
        {"Credit card or prepaid card", "Payroll card", "payment"},
        {"Credit card or prepaid card", "Student prepaid card", "payment"},
        {"Credit card", "", "credit_card"},
        {"Prepaid card", "", "payment"},
        {"Checking or savings account", "Checking account", "debit_card"},
        {"Bank account or service", "", "debit_card"},
        {"Mortgage", "FHA mortgage", "mortgage"},
        {"Student loan", "Federal student loan servicing", "student_loan"},
        {"Vehicle loan or lease", "Loan", "auto_loan"},
        {"Money transfer, virtual currency, or money service", "Domestic (US) money transfer",
         "payment"},
        {"Money transfer, virtual currency, or money service", "Mobile or digital wallet",
         "payment"},
        {"Money transfers", "", "payment"},
        {"Virtual currency", "", "payment"},
        {"Debt or credit management", "Debt settlement", "other"},
        {"Other financial service", "", "other"},
        {"Bank account or service", "Debt settlement", "other"},
        {"Something else entirely", "", "other"},
        {"credit CARD", "", "credit_card"},
    };
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(omb_cfpb_business(cases[i][0], cases[i][1]), cases[i][2]) != 0)
            fail_msg("%s / %s: %s, want %s", cases[i][0], cases[i][1],
                     omb_cfpb_business(cases[i][0], cases[i][1]), cases[i][2]);
        MAP_OK(&row, "Product", cases[i][0], "Sub-product", cases[i][1]);
        assert_string_equal(pstr(&row, "business"), cases[i][2]);
    }
    assert_string_equal(omb_cfpb_business(NULL, NULL), "other");
    omb_cfpb_row_release(&row);
}

static void test_causes(void **state)
{
    static const char *const cases[][3] = {
        {"Attempts to collect debt not owed", "Debt is not yours", "c12"},
        {"Attempts to collect debt not owed", "Debt was result of identity theft", "c12"},
        {"Communication tactics", "Frequent or repeated calls", "c12"},
        {"Written notification about debt", "", "c12"},
        {"Took or threatened to take negative or legal action", "", "c12"},
        {"Vehicle was repossessed or sold the vehicle", "", "c12"},
        {"Charged fees or interest you didn't expect", "", "c11"},
        {"Fees or interest", "Problem with fees", "c11"},
        {"Managing an account", "Problem with fees", "c11"},
        {"Problem caused by your funds being low", "Overdrafts and overdraft fees", "c11"},
        {"Managing an account", "Deposits and withdrawals", "c03"},
        {"Managing an account", "Problem accessing account", "c02"},
        {"Managing an account", "Problem using a debit or ATM card", "c02"},
        {"Incorrect information on your report", "Information belongs to someone else", "c10"},
        {"Improper use of your report", "Reporting company used your report improperly", "c10"},
        {"Problem with fraud alerts or security freezes", "", "c10"},
        {"Problem with a credit reporting company's investigation into an existing problem",
         "Their investigation did not fix an error on your report", "c03"},
        {"Unable to get your credit report or credit score", "", "c02"},
        {"Fraud or scam", "", "c09"},
        {"Unauthorized transactions or other transaction problem", "", "c09"},
        {"Problem with a purchase shown on your statement", "Transaction was not authorized",
         "c09"},
        {"Getting a loan", "Fraudulent loan", "c09"},
        {"Advertising and marketing, including promotional offers",
         "Didn't receive advertised or promotional terms", "c04"},
        {"Getting a credit card", "Received unwanted marketing or advertising", "c04"},
        {"Confusing or missing disclosures", "", "c05"},
        {"Dealing with your lender or servicer", "Received bad information about your loan", "c05"},
        {"Other features, terms, or problems", "Problem with rewards from credit card", "c06"},
        {"Problem with additional add-on products or services", "", "c07"},
        {"Received a loan you didn't apply for", "", "c07"},
        {"Other features, terms, or problems", "Other problem", "c08"},
        {"Other features, terms, or problems", "Credit card company forcing arbitration", "c08"},
        {"Problem with customer service", "", "c01"},
        {"Can't contact lender or servicer", "", "c01"},
        {"Closing your account", "Can't close your account", "c03"},
        {"Struggling to pay your loan", "", "c03"},
        {"Other", "", "c99"},
        {"Property was damaged or destroyed property", "", "c99"},
        {"", "", "c99"},
        {"A brand new issue", "A brand new sub-issue", "c99"},
        {"fraud OR scam", "", "c09"},
    };
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(omb_cfpb_cause(cases[i][0], cases[i][1]), cases[i][2]) != 0)
            fail_msg("%s / %s: %s, want %s", cases[i][0], cases[i][1],
                     omb_cfpb_cause(cases[i][0], cases[i][1]), cases[i][2]);
        MAP_OK(&row, "Issue", cases[i][0], "Sub-issue", cases[i][1]);
        assert_string_equal(pstr(&row, "cause"), cases[i][2]);
    }
    assert_string_equal(omb_cfpb_cause(NULL, NULL), "c99");
    omb_cfpb_row_release(&row);
}

static void test_dates(void **state)
{
    static const char *const good[][2] = {
        {"2020-03-18", "2020-03-17T16:00:00.000Z"}, {" 2020-03-18 ", "2020-03-17T16:00:00.000Z"},
        {"03/18/2020", "2020-03-17T16:00:00.000Z"}, {"2020-02-29", "2020-02-28T16:00:00.000Z"},
        {"1970-01-02", "1970-01-01T16:00:00.000Z"},
    };
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        MAP_OK(&row, "Date received", good[i][0]);
        assert_string_equal(pstr(&row, "received_at"), good[i][1]);
    }
    omb_cfpb_row_release(&row);
    static const char *const bad[] = {
        "2020-13-45", "2020-02-30", "2019-02-29",
        "20200318",   "2020-3-18",  "18/03/2020x",
        "2020/03/18", "13/01/2020", "2020-03-18T00:00:00Z",
        "1969-12-31", "yesterday",  "2020-0a-18",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refused_for("bad_date", "Date received", "Date received", bad[i]);
    refused_for("missing_date", "Date received", "Date received", "");
    refused_for("missing_date", "Date received", "Date received", "   ");
}

static void test_description(void **state)
{
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    MAP_OK(&row, "Consumer complaint narrative", "");
    assert_string_equal(pstr(&row, "description"),
                        "Debt collection / Attempts to collect debt not owed / Debt is not yours");
    MAP_OK(&row, "Consumer complaint narrative", " \n ", "Sub-issue", "");
    assert_string_equal(pstr(&row, "description"),
                        "Debt collection / Attempts to collect debt not owed");
    MAP_OK(&row, "Consumer complaint narrative", "", "Issue", "", "Sub-issue", "");
    assert_string_equal(pstr(&row, "description"), "Debt collection");
    MAP_OK(&row, "Consumer complaint narrative", "  keep \"my\" spaces  ");
    assert_string_equal(pstr(&row, "description"), "  keep \"my\" spaces  ");
    MAP_OK(&row, "Consumer complaint narrative", "信用卡被多收了利息");
    assert_string_equal(pstr(&row, "description"), "信用卡被多收了利息");
    omb_cfpb_row_release(&row);
}

static void test_description_limit(void **state)
{
    enum { MAX = OMB_CFPB_DESCRIPTION_MAX };
    char *ascii = malloc(MAX + 2);
    char *zh = malloc(3 * (MAX + 1) + 1);
    assert_non_null(ascii);
    assert_non_null(zh);
    memset(ascii, 'x', MAX);
    ascii[MAX] = '\0';
    for (int i = 0; i <= MAX; i++)
        memcpy(zh + 3 * i, "催", 3);
    zh[3 * MAX] = '\0';
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    MAP_OK(&row, "Consumer complaint narrative", ascii);
    assert_int_equal(strlen(pstr(&row, "description")), MAX);
    MAP_OK(&row, "Consumer complaint narrative", zh); /* 10,000 characters, 30,000 bytes */
    assert_int_equal(strlen(pstr(&row, "description")), 3 * MAX);
    assert_null(row.narrative); /* at the limit: whole, no attachment */
    omb_cfpb_row_release(&row);
    /* one over: the description is the beginning and the mark, the narrative kept whole */
    static const char mark[] = OMB_CFPB_TRUNCATED_MARK;
    size_t mark_cp = omb_utf8_count(mark, sizeof mark - 1);
    ascii[MAX] = 'y';
    ascii[MAX + 1] = '\0';
    MAP_OK(&row, "Consumer complaint narrative", ascii);
    const char *d = pstr(&row, "description");
    assert_int_equal(omb_utf8_count(d, strlen(d)), MAX);
    assert_int_equal(strlen(d), MAX - mark_cp + strlen(mark));
    assert_string_equal(d + MAX - mark_cp, mark);
    assert_int_equal(row.narrative_len, MAX + 1);
    assert_string_equal(row.narrative, ascii);
    assert_non_null(strstr(mark, "[truncated; full text in attachment narrative.txt]"));
    memcpy(zh + 3 * MAX, "催", 3);
    zh[3 * (MAX + 1)] = '\0';
    MAP_OK(&row, "Consumer complaint narrative", zh);
    d = pstr(&row, "description");
    assert_int_equal(omb_utf8_count(d, strlen(d)), MAX); /* cut between characters */
    assert_int_equal(strlen(d), 3 * (MAX - mark_cp) + strlen(mark));
    assert_int_equal(row.narrative_len, 3 * (MAX + 1));
    assert_memory_equal(row.narrative, zh, row.narrative_len);
    /* mapping another row drops the narrative */
    MAP_OK(&row, "Consumer disputed?", "N/A");
    assert_null(row.narrative);
    omb_cfpb_row_release(&row);
    free(ascii);
    free(zh);
}

/* A narrative whose cut for the description falls inside `pii` (placed `before` characters
 * ahead of the cut): the description stops before it, so that no part of it is left where the
 * masking of free text could no longer recognise it; the narrative is kept whole. */
static void cut_before(const char *pii, size_t before)
{
    enum { MAX = OMB_CFPB_DESCRIPTION_MAX };
    static const char mark[] = OMB_CFPB_TRUNCATED_MARK;
    size_t keep = MAX - omb_utf8_count(mark, sizeof mark - 1), at = keep - before;
    size_t len = MAX + 200;
    char *text = malloc(len + 1);
    assert_non_null(text);
    memset(text, 'x', len);
    text[at - 1] = ' ';
    memcpy(text + at, pii, strlen(pii));
    text[at + strlen(pii)] = ' ';
    text[len] = '\0';
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    MAP_OK(&row, "Consumer complaint narrative", text);
    const char *d = pstr(&row, "description");
    assert_int_equal(strlen(d), at + strlen(mark));
    assert_memory_equal(d, text, at);
    assert_string_equal(d + at, mark);
    assert_int_equal(row.narrative_len, len);
    assert_memory_equal(row.narrative, text, len);
    omb_cfpb_row_release(&row);
    free(text);
}

static void test_description_cut_before_personal_data(void **state)
{
    cut_before("13700137000", 5);
    cut_before("13700137000", 1);
    cut_before("11010519491231002X", 17);
    cut_before("6222 0212 3456 7894", 9);
    cut_before("z.san@example.com", 3);
    /* a cut that splits no personal data is where the limit puts it */
    enum { MAX = OMB_CFPB_DESCRIPTION_MAX };
    char *text = malloc(MAX + 100);
    assert_non_null(text);
    memset(text, 'x', MAX + 99);
    memcpy(text + MAX - 200, " 13700137000 ", 13);
    text[MAX + 99] = '\0';
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    MAP_OK(&row, "Consumer complaint narrative", text);
    const char *d = pstr(&row, "description");
    assert_int_equal(omb_utf8_count(d, strlen(d)), MAX);
    omb_cfpb_row_release(&row);
    free(text);
}

/* The CFPB fields that the payload cannot carry, in the row's `source` object. */
static void test_source(void **state)
{
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    MAP_OK(&row, "Consumer disputed?", "N/A");
    json_t *want =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "format", "cfpb",
                  "complaint_id", "3384392", "company", "TRANSWORLD SYSTEMS INC", "state", "FL",
                  "zip_code", "335XX", "product", "Debt collection", "sub_product", "I do not know",
                  "issue", "Attempts to collect debt not owed", "sub_issue", "Debt is not yours",
                  "date_sent_to_company", "2019-09-24", "timely_response", 1, "company_response",
                  "Closed with explanation");
    if (!json_equal(row.source, want)) {
        char *got = json_dumps(row.source, JSON_SORT_KEYS);
        fail_msg("source: %s", got);
    }
    json_decref(want);
    /* empty fields are left out; the older date form; No */
    MAP_OK(&row, "State", "", "ZIP code", " ", "Sub-issue", "", "Date sent to company",
           "09/25/2019", "Timely response?", "No");
    assert_null(json_object_get(row.source, "state"));
    assert_null(json_object_get(row.source, "zip_code"));
    assert_null(json_object_get(row.source, "sub_issue"));
    assert_string_equal(omb_json_str(row.source, "date_sent_to_company", ""), "2019-09-25");
    assert_true(json_is_false(json_object_get(row.source, "timely_response")));
    MAP_OK(&row, "Date sent to company", "", "Timely response?", "");
    assert_null(json_object_get(row.source, "date_sent_to_company"));
    assert_null(json_object_get(row.source, "timely_response"));
    omb_cfpb_row_release(&row);
    refused_for("bad_date", "Date sent to company", "Date sent to company", "yesterday");
    refused_for("bad_value", "Timely response?", "Timely response?", "Maybe");
    char issue[OMB_CFPB_TEXT_MAX + 2];
    memset(issue, 'i', sizeof issue - 1);
    issue[sizeof issue - 1] = '\0';
    refused_for("field_too_long", "Issue", "Issue", issue);

    /* a file without the optional columns: no such members */
    static const char few[] = "Date received,Product,Sub-product,Issue,Sub-issue,Consumer "
                              "complaint narrative,Company,Tags,Submitted via,Company response "
                              "to consumer,Complaint ID\r\n"
                              "2020-01-02,Mortgage,,Escrow,,,ACME,,Web,Closed,77\r\n";
    omb_err err;
    assert_int_equal(map_text(few, sizeof few - 1, &row, &err), OMB_OK);
    want =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "format", "cfpb", "complaint_id", "77", "company",
                  "ACME", "product", "Mortgage", "issue", "Escrow", "company_response", "Closed");
    assert_true(json_equal(row.source, want));
    json_decref(want);
    omb_cfpb_row_release(&row);
}

static void test_tags(void **state)
{
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    MAP_OK(&row, "Tags", "Older American");
    const json_t *tags = json_object_get(row.payload, "tags");
    const json_t *signals = json_object_get(row.payload, "signals");
    assert_int_equal(json_array_size(tags), 1);
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "older_american");
    assert_int_equal(json_array_size(signals), 1);
    assert_string_equal(json_string_value(json_array_get(signals, 0)), "vulnerable");

    MAP_OK(&row, "Tags", "Servicemember");
    tags = json_object_get(row.payload, "tags");
    assert_int_equal(json_array_size(tags), 1);
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "servicemember");
    assert_null(json_object_get(row.payload, "signals"));

    MAP_OK(&row, "Tags", "Older American, Servicemember");
    tags = json_object_get(row.payload, "tags");
    assert_int_equal(json_array_size(tags), 2);
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "servicemember");
    assert_int_equal(json_array_size(json_object_get(row.payload, "signals")), 1);

    MAP_OK(&row, "Tags", "Older American,older american, ,Some New Tag!,");
    tags = json_object_get(row.payload, "tags");
    assert_int_equal(json_array_size(tags), 2);
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "some_new_tag");
    assert_int_equal(json_array_size(json_object_get(row.payload, "signals")), 1);

    MAP_OK(&row, "Tags", " , ");
    assert_null(json_object_get(row.payload, "tags"));
    omb_cfpb_row_release(&row);

    refused_for("bad_tag", "Tags", "Tags", "Servicemember, !!!");
    refused_for("bad_tag", "Tags", "Tags", "Tag with a name far too long for a thirty-two code");
    omb_buf many = OMB_BUF_INIT(4096);
    for (int i = 0; i < 21; i++)
        omb_buf_printf(&many, "%stag %d", i ? ", " : "", i);
    refused_for("bad_tag", "Tags", "Tags", omb_buf_str(&many));
    omb_buf_release(&many);
}

static void test_refusals(void **state)
{
    refused_for("missing_id", "Complaint ID", "Complaint ID", "");
    refused_for("missing_id", "Complaint ID", "Complaint ID", " ");
    refused_for("bad_id", "Complaint ID", "Complaint ID", "12a");
    refused_for("bad_id", "Complaint ID", "Complaint ID", "-5");
    refused_for("bad_id", "Complaint ID", "Complaint ID", "123456789012345678901");
    refused_for("missing_product", "Product", "Product", "");
    refused_for("bad_encoding", "Consumer complaint narrative", "Consumer complaint narrative",
                "bad \xFF byte");
    refused_for("bad_encoding", "Company", "Company", "\xC0\xAF");
    char company[OMB_CFPB_COMPANY_MAX + 2];
    memset(company, 'c', sizeof company - 1);
    company[sizeof company - 1] = '\0';
    refused_for("field_too_long", "Company", "Company", company);
    company[OMB_CFPB_COMPANY_MAX] = '\0';
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    MAP_OK(&row, "Company", company);
    assert_int_equal(strlen(row.company), OMB_CFPB_COMPANY_MAX);
    omb_cfpb_row_release(&row);
    refused_for("field_too_long", "Company response to consumer", "Company response to consumer",
                "Closed with an explanation so long that it does not fit sixty-four bytes");

    /* the row keeps the ID it could read, for the import log */
    omb_err err;
    assert_int_equal(map_with(&row, &err, "Date received", "2020-13-45", NULL), OMB_EFIELD);
    assert_string_equal(row.id, "3384392");
    assert_null(row.payload);
    /* reasons come in a fixed order: the ID before the date before the product */
    assert_int_equal(
        map_with(&row, &err, "Complaint ID", "", "Date received", "", "Product", "", NULL),
        OMB_EFIELD);
    assert_string_equal(err.code, "missing_id");
    assert_int_equal(map_with(&row, &err, "Date received", "x", "Product", "", NULL), OMB_EFIELD);
    assert_string_equal(err.code, "bad_date");
    assert_int_equal(map_with(&row, &err, "Product", "", "Tags", "!!!", NULL), OMB_EFIELD);
    assert_string_equal(err.code, "missing_product");
    omb_cfpb_row_release(&row);
}

static void test_bad_row(void **state)
{
    omb_buf b = OMB_BUF_INIT(1 << 16);
    put_record(&b, header, NCOL);
    put_record(&b, base, NCOL - 1);
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    omb_err err;
    assert_int_equal(map_text(b.data, b.len, &row, &err), OMB_EFIELD);
    assert_string_equal(err.code, "bad_row");
    assert_non_null(strstr(err.message, "17 fields"));
    omb_buf_release(&b);
}

static void test_state_for_response(void **state)
{
    static const char *const cases[][2] = {
        {"Closed with explanation", "closed"},
        {"Closed with non-monetary relief", "closed"},
        {"Closed with monetary relief", "closed"},
        {"Closed without relief", "closed"},
        {"Closed with relief", "closed"},
        {"Closed", "closed"},
        {"closed", "closed"},
        {"In progress", "investigating"},
        {" in progress ", "investigating"},
        {"Untimely response", "received"},
        {"", "received"},
        {"Closedown", "received"},
        {"Not closed", "received"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(omb_cfpb_state_for_response(cases[i][0]), cases[i][1]);
    assert_string_equal(omb_cfpb_state_for_response(NULL), "received");
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    MAP_OK(&row, "Company response to consumer", "In progress");
    assert_string_equal(row.state, "investigating");
    MAP_OK(&row, "Company response to consumer", "");
    assert_string_equal(row.state, "received");
    omb_cfpb_row_release(&row);
}

/* A regulator referral of an older American is graded important, for both reasons. */
static void test_grade_of_mapped_row(void **state)
{
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    MAP_OK(&row, "Submitted via", "Referral", "Tags", "Older American");
    enum omb_grade g;
    json_t *reasons = json_array();
    omb_err err;
    assert_int_equal(omb_grade_evaluate(&omb_grade_defaults, row.payload, &g, reasons, &err),
                     OMB_OK);
    assert_int_equal(g, OMB_GRADE_IMPORTANT);
    char *text = json_dumps(reasons, JSON_COMPACT);
    assert_non_null(strstr(text, "channel:regulator"));
    assert_non_null(strstr(text, "signal:vulnerable"));
    free(text);
    json_decref(reasons);
    omb_cfpb_row_release(&row);
}

static void test_table_codes_in_taxonomy(void **state)
{
    omb_taxonomy *t = taxonomy();
    static const char *const kinds[] = {"channel", "business", "cause"};
    for (size_t k = 0; k < 3; k++) {
        size_t i = 0;
        const char *code;
        while ((code = omb_cfpb_table_code(kinds[k], i)) != NULL) {
            if (!omb_taxonomy_find(t, kinds[k], code))
                fail_msg("%s code %s is not in the taxonomy", kinds[k], code);
            i++;
        }
        assert_true(i > 3);
    }
    assert_null(omb_cfpb_table_code("claim", 0));
    assert_null(omb_cfpb_table_code(NULL, 0));
    assert_string_equal(omb_cfpb_table_code("channel", 0), "web");
    omb_taxonomy_free(t);
}

/* ---- the fixture -------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run the tests from the repository root)", path);
    omb_buf b = OMB_BUF_INIT(64 << 20);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(omb_buf_append(&b, chunk, n), OMB_OK);
    fclose(f);
    return omb_buf_detach(&b, len);
}

typedef struct seen_ids {
    char (*ids)[OMB_CFPB_ID_MAX + 1];
    size_t n, alloc;
} seen_ids;

static int seen_add(seen_ids *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->ids[i], id) == 0)
            return 1;
    if (s->n == s->alloc) {
        s->alloc = s->alloc ? 2 * s->alloc : 256;
        s->ids = omb_xrealloc(s->ids, s->alloc * sizeof *s->ids);
    }
    snprintf(s->ids[s->n++], sizeof s->ids[0], "%s", id);
    return 0;
}

/*
 * Maps the whole fixture as the importer would (refusals counted by reason,
 * a Complaint ID seen before refused as "duplicate") and compares the
 * summary with the .expect file line for line.
 */
static void test_sample_file(void **state)
{
    size_t len, elen;
    char *csv = slurp(SAMPLE_CSV, &len);
    char *expect = slurp(SAMPLE_EXPECT, &elen);
    omb_taxonomy *t = taxonomy();
    omb_csv r;
    const omb_csv_record *rec;
    omb_cfpb_header h;
    omb_cfpb_row row;
    omb_err err;
    omb_csv_init(&r, csv, len, OMB_CFPB_CSV_FIELD_MAX, OMB_CFPB_CSV_FIELDS_MAX);
    omb_cfpb_row_init(&row);
    assert_int_equal(omb_csv_next(&r, &rec, &err), OMB_OK);
    assert_int_equal(omb_cfpb_header_parse(&h, rec, &err), OMB_OK);

    size_t nreasons = 0;
    while (omb_cfpb_reasons[nreasons])
        nreasons++;
    size_t counts[32] = {0}, rows = 0, imported = 0, refused = 0;
    assert_true(nreasons <= 32);
    seen_ids seen = {NULL, 0, 0};
    int rc;
    while ((rc = omb_csv_next(&r, &rec, &err)) == OMB_OK && rec) {
        rows++;
        const char *reason = NULL;
        if (omb_cfpb_map(&h, rec, &row, &err) != OMB_OK)
            reason = err.code;
        else if (seen_add(&seen, row.id))
            reason = "duplicate";
        if (reason) {
            size_t k = 0;
            while (k < nreasons && strcmp(omb_cfpb_reasons[k], reason) != 0)
                k++;
            assert_true(k < nreasons);
            counts[k]++;
            refused++;
            continue;
        }
        imported++;
        assert_int_equal(omb_fields_check(row.payload, omb_complaint_create_fields, "", &err),
                         OMB_OK);
        assert_non_null(omb_taxonomy_find(t, "channel", omb_json_str(row.payload, "channel", "")));
        assert_non_null(
            omb_taxonomy_find(t, "business", omb_json_str(row.payload, "business", "")));
        assert_non_null(omb_taxonomy_find(t, "cause", omb_json_str(row.payload, "cause", "")));
        assert_true(row.company[0] != '\0');
    }
    if (rc)
        fail_msg("%s: %s", err.code, err.message);

    /* the summary in the .expect format, reasons in alphabetical order */
    omb_buf got = OMB_BUF_INIT(4096);
    omb_buf_printf(&got, "rows=%zu\nimported=%zu\nrefused=%zu\n", rows, imported, refused);
    for (;;) {
        size_t best = nreasons;
        for (size_t k = 0; k < nreasons; k++)
            if (counts[k] &&
                (best == nreasons || strcmp(omb_cfpb_reasons[k], omb_cfpb_reasons[best]) < 0))
                best = k;
        if (best == nreasons)
            break;
        omb_buf_printf(&got, "refused.%s=%zu\n", omb_cfpb_reasons[best], counts[best]);
        counts[best] = 0;
    }
    assert_string_equal(omb_buf_str(&got), expect);

    omb_buf_release(&got);
    free(seen.ids);
    omb_cfpb_row_release(&row);
    omb_csv_release(&r);
    omb_taxonomy_free(t);
    free(csv);
    free(expect);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_real),
        cmocka_unit_test(test_header_missing_column),
        cmocka_unit_test(test_source),
        cmocka_unit_test(test_header_duplicate_column),
        cmocka_unit_test(test_header_by_name_not_position),
        cmocka_unit_test(test_map_base_row),
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_business),
        cmocka_unit_test(test_causes),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_description),
        cmocka_unit_test(test_description_limit),
        cmocka_unit_test(test_description_cut_before_personal_data),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_bad_row),
        cmocka_unit_test(test_state_for_response),
        cmocka_unit_test(test_grade_of_mapped_row),
        cmocka_unit_test(test_table_codes_in_taxonomy),
        cmocka_unit_test(test_sample_file),
    };
    return OMB_RUN_TESTS(tests, NULL, NULL);
}
