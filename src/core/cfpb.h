/*
 * cfpb.h - mapping complaints of the US CFPB public complaint database
 * (CSV export) to ombud creation payloads, for import and the demo.
 *
 * The columns are found by header name, not position.  Each row maps to a
 * JSON object valid against omb_complaint_create_fields (complaint.h):
 * channel from "Submitted via", received_at from "Date received" (a date
 * YYYY-MM-DD or MM/DD/YYYY, 1970 or later, taken as midnight
 * Asia/Shanghai), business from Product/Sub-product,
 * cause from Issue/Sub-issue (tables in cfpb.c; anything unmapped becomes
 * "other"/"c99"), description from the narrative (or "Product / Issue /
 * Sub-issue" when there is none), complainant, customer_ref, external_ref,
 * tags and signals from "Tags".  What the payload cannot carry comes back
 * beside it for the importer: the historical state the company response
 * implies, and the CFPB's own fields (company, state, ZIP code, product,
 * sub-product, issue, sub-issue, date sent to company, timely response,
 * company response, Complaint ID) as the complaint's `source` object.  A
 * narrative longer than the description's limit is kept whole beside the
 * payload (for an attachment) and the description is its beginning, marked
 * as truncated (cut before a phone number, ID number, card number or e-mail
 * address that the cut would split, pii_text.h).  A row that cannot be
 * mapped faithfully is refused with a stable reason.  Pure: no I/O.
 */
#ifndef OMB_CFPB_H
#define OMB_CFPB_H

#include "csv.h"
#include "err.h"

#include <jansson.h>
#include <stddef.h>

/* Caps for reading a CFPB export with omb_csv (a field over the CSV cap stops the file). */
#define OMB_CFPB_CSV_FIELD_MAX  (1024 * 1024)
#define OMB_CFPB_CSV_FIELDS_MAX 64

#define OMB_CFPB_ID_MAX          20    /* digits in a Complaint ID */
#define OMB_CFPB_COMPANY_MAX     256   /* bytes of a company name */
#define OMB_CFPB_RESPONSE_MAX    64    /* bytes of a company response */
#define OMB_CFPB_DESCRIPTION_MAX 10000 /* code points, as omb_complaint_create_fields */
#define OMB_CFPB_TEXT_MAX        256   /* bytes of a product, issue, state, ZIP code, ... */

/* The name of the attachment that keeps a narrative too long for the description, and the
   mark that ends such a description. */
#define OMB_CFPB_NARRATIVE_NAME "narrative.txt"
#define OMB_CFPB_TRUNCATED_MARK "…[truncated; full text in attachment " OMB_CFPB_NARRATIVE_NAME "]"

/* The columns the mapper reads: a header must hold those before
   OMB_CFPB_NREQUIRED; the later ones are read when present. */
enum omb_cfpb_col {
    OMB_CFPB_DATE_RECEIVED,
    OMB_CFPB_PRODUCT,
    OMB_CFPB_SUB_PRODUCT,
    OMB_CFPB_ISSUE,
    OMB_CFPB_SUB_ISSUE,
    OMB_CFPB_NARRATIVE,
    OMB_CFPB_COMPANY,
    OMB_CFPB_TAGS,
    OMB_CFPB_SUBMITTED_VIA,
    OMB_CFPB_COMPANY_RESPONSE,
    OMB_CFPB_COMPLAINT_ID,
    OMB_CFPB_STATE, /* optional from here on */
    OMB_CFPB_ZIP_CODE,
    OMB_CFPB_DATE_SENT,
    OMB_CFPB_TIMELY,
    OMB_CFPB_NCOLS
};
#define OMB_CFPB_NREQUIRED OMB_CFPB_STATE

/* Header names of the columns above ("Date received", ...), indexed by omb_cfpb_col. */
extern const char *const omb_cfpb_columns[];

/*
 * Every reason a row can be refused for, NULL-terminated, so an import
 * summary can count them: "bad_row" (field count differs from the
 * header), "bad_encoding", "missing_id", "bad_id", "missing_date",
 * "bad_date", "missing_product", "field_too_long", "bad_tag",
 * "bad_value" (a "Timely response?" other than Yes or No),
 * "invalid_payload" (a mapper bug; never expected) and "duplicate" (the
 * importer's, for a Complaint ID seen before; omb_cfpb_map never returns it).
 */
extern const char *const omb_cfpb_reasons[];

typedef struct omb_cfpb_header {
    size_t col[OMB_CFPB_NCOLS]; /* field index of each column; SIZE_MAX: optional, absent */
    size_t nfields;             /* fields in the header; every row must have as many */
} omb_cfpb_header;

/*
 * Finds the columns in a header record.  OMB_EINVAL with err->code
 * "cfpb_missing_column" (the message names every required column that is
 * missing, err->field the first) or "cfpb_duplicate_column" (err->field the
 * column) when the header is unusable.
 */
int omb_cfpb_header_parse(omb_cfpb_header *h, const omb_csv_record *rec, omb_err *err);

typedef struct omb_cfpb_row {
    json_t *payload;                          /* owned; NULL when the row is refused */
    char id[OMB_CFPB_ID_MAX + 1];             /* Complaint ID; "" when missing or bad */
    char company[OMB_CFPB_COMPANY_MAX + 1];   /* "Company" */
    char response[OMB_CFPB_RESPONSE_MAX + 1]; /* "Company response to consumer" */
    const char *state;                        /* omb_cfpb_state_for_response(response); static */
    json_t *source;  /* owned; the CFPB's fields as the complaint's `source` object */
    char *narrative; /* owned; the whole narrative when the description is truncated, or NULL */
    size_t narrative_len;
} omb_cfpb_row;

void omb_cfpb_row_init(omb_cfpb_row *row);
void omb_cfpb_row_release(omb_cfpb_row *row);

/*
 * Maps one data record.  Releases what *row held before.  On success
 * row->payload is set.  A refused row returns OMB_EFIELD with err->code
 * one of omb_cfpb_reasons, err->field the CFPB column at fault and the
 * line in the message; row->id is filled when the ID was readable.
 * Reasons are checked in the order bad_row, bad_encoding, missing_id,
 * bad_id, missing_date, bad_date, missing_product, field_too_long,
 * bad_value, bad_tag.
 */
int omb_cfpb_map(const omb_cfpb_header *h, const omb_csv_record *rec, omb_cfpb_row *row,
                 omb_err *err);

/*
 * The ombud state a CFPB company response implies: "closed" for "Closed"
 * and every "Closed ..." response, "investigating" for "In progress",
 * "received" otherwise (including "Untimely response" and "").
 */
const char *omb_cfpb_state_for_response(const char *response);

/* The table lookups omb_cfpb_map uses (NULL arguments read as ""). */
const char *omb_cfpb_channel(const char *submitted_via);              /* unknown: "other" */
const char *omb_cfpb_business(const char *product, const char *sub);  /* unknown: "other" */
const char *omb_cfpb_cause(const char *issue, const char *sub_issue); /* unknown: "c99" */

/*
 * The i-th code the tables can produce for kind "channel", "business" or
 * "cause" (repeats included, the fallback last), NULL past the end: lets a
 * test check every code against the taxonomy.
 */
const char *omb_cfpb_table_code(const char *kind, size_t i);

#endif
