/*
 * taxonomy.h - the complaint code taxonomy: channel, business type, cause
 * and claim codes with Chinese and English labels (JR/T 0169-2018 plus
 * pricing/fees and debt collection).
 *
 * The taxonomy is data (data/taxonomy.tsv, embedded into the binary as
 * omb_embed_taxonomy_tsv): tab-separated lines "kind code zh en", '#'
 * comment lines and blank lines ignored.  omb_taxonomy_parse() checks it
 * (column count, known kind, code syntax, UTF-8, duplicates) and builds a
 * sorted index so that omb_taxonomy_find() is a binary search; the result
 * is read-only afterwards and may be shared between threads.  Pure: no I/O.
 */
#ifndef OMB_TAXONOMY_H
#define OMB_TAXONOMY_H

#include "err.h"

#include <stddef.h>

/* Longest code in bytes (fits OMB_CODE_MAX of complaint.h with its NUL). */
#define OMB_TAXONOMY_CODE_MAX 32
/* Longest label (zh or en) in bytes. */
#define OMB_TAXONOMY_LABEL_MAX 200
/* Most codes a taxonomy may hold. */
#define OMB_TAXONOMY_CODES_MAX 4096

/* The kinds, in the order omb_taxonomy_list and GET /v1/taxonomy use. */
extern const char *const omb_taxonomy_kinds[]; /* channel, business, cause, claim, NULL */

typedef struct omb_code {
    const char *kind; /* one of omb_taxonomy_kinds (static storage) */
    const char *code; /* e.g. "web", "c12" */
    const char *zh;
    const char *en;
} omb_code;

typedef struct omb_taxonomy omb_taxonomy; /* opaque; owned by the caller of _parse */

/*
 * Parses len bytes of TSV text (need not be NUL-terminated; a trailing
 * NUL is ignored).  On success *out is a new taxonomy the caller frees with
 * omb_taxonomy_free().  On failure *out is NULL and OMB_EINVAL is returned
 * with err->code one of "taxonomy_syntax" (wrong column count, empty
 * column, label too long), "taxonomy_kind" (unknown kind), "taxonomy_code"
 * (bad code syntax), "taxonomy_encoding" (invalid UTF-8),
 * "taxonomy_duplicate" (same kind and code twice), "taxonomy_empty" (no
 * codes) or "taxonomy_too_big"; the message names the line number.
 */
int omb_taxonomy_parse(omb_taxonomy **out, const char *text, size_t len, omb_err *err);

void omb_taxonomy_free(omb_taxonomy *t);

/* The code of that kind, or NULL when kind or code is unknown. O(log n). */
const omb_code *omb_taxonomy_find(const omb_taxonomy *t, const char *kind, const char *code);

/*
 * All codes of one kind, in file order: returns the first of *n
 * consecutive omb_code values, or NULL with *n = 0 for an unknown kind.
 */
const omb_code *omb_taxonomy_list(const omb_taxonomy *t, const char *kind, size_t *n);

/* Number of codes of all kinds. */
size_t omb_taxonomy_count(const omb_taxonomy *t);

#endif
