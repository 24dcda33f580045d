/*
 * export.c - `ombud export [--format csv|jsonl] [--out FILE]`: every
 * complaint, newest first, as CSV (one row per complaint, main fields) or
 * as JSON lines (the whole document as every party involved sees it).
 */
#include "cli.h"
#include "core/visibility.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const columns[] = {
    "no",          "state",        "grade",        "channel",     "business",   "cause",
    "received_at", "updated_at",   "target_party", "product",     "lead_party", "assignee",
    "amount_fen",  "complainants", "complainant",  "description", "claims",     NULL,
};

/* Writes one CSV field, quoted when it needs to be (RFC 4180). */
static void csv_field(FILE *f, const char *s, bool first)
{
    if (!first)
        fputc(',', f);
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_value(FILE *f, const json_t *v, bool first)
{
    char num[32];
    if (json_is_string(v)) {
        csv_field(f, json_string_value(v), first);
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        csv_field(f, num, first);
    } else {
        csv_field(f, "", first);
    }
}

typedef struct export_ctx {
    FILE *out;
    bool csv;
    long rows;
} export_ctx;

static int export_row(void *p, int64_t id, omb_ms received, const char *doc, size_t len,
                      const char *history, size_t history_len)
{
    export_ctx *x = p;
    x->rows++;
    if (!x->csv) {
        /* An export is for no party in particular: it holds what every party
         * involved sees, never a note or file one party keeps to itself. */
        char *shared = NULL;
        size_t shared_len = 0;
        if (omb_doc_text_for_party(doc, len, 0, &shared, &shared_len) != OMB_OK)
            return OMB_EIO;
        fwrite(shared ? shared : doc, 1, shared ? shared_len : len, x->out);
        fputc('\n', x->out);
        free(shared);
        return OMB_OK;
    }
    json_error_t jerr;
    json_t *d = json_loadb(doc, len, 0, &jerr);
    if (!d)
        return OMB_EIO;
    for (int i = 0; columns[i]; i++) {
        const json_t *v = strcmp(columns[i], "complainant") == 0
                              ? json_object_get(json_object_get(d, "complainant"), "name")
                              : json_object_get(d, columns[i]);
        csv_value(x->out, v, i == 0);
    }
    fputs("\r\n", x->out);
    json_decref(d);
    return OMB_OK;
}

int cmd_export(cli_args *a)
{
    const char *format = cli_opt(a, "format", "csv");
    if (strcmp(format, "csv") != 0 && strcmp(format, "jsonl") != 0) {
        cli_error("--format must be csv or jsonl");
        return 2;
    }
    const char *path = cli_opt(a, "out", NULL);
    FILE *out = path ? cli_create_private(path) : stdout;
    if (!out) {
        cli_error("cannot write %s", path);
        return 1;
    }
    omb_err err;
    omb_err_clear(&err);
    omb_store *r;
    int rc = omb_store_sqlite.open(a->cfg.database, OMB_STORE_READONLY, &r, &err);
    export_ctx x = {out, strcmp(format, "csv") == 0, 0};
    if (!rc) {
        if (x.csv) {
            for (int i = 0; columns[i]; i++)
                csv_field(out, columns[i], i == 0);
            fputs("\r\n", out);
        }
        omb_complaint_filter f;
        memset(&f, 0, sizeof f);
        rc = r->vt->complaint_list(r, &f, export_row, &x, &err);
        r->vt->close(r);
    }
    if (path && fclose(out) != 0 && !rc)
        rc = omb_fail(&err, OMB_EIO, "io_error", NULL, "cannot write %s", path);
    if (rc) {
        cli_report(&err);
        return 1;
    }
    fprintf(stderr, "exported %ld complaints\n", x.rows);
    return 0;
}
