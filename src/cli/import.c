/*
 * import.c - `ombud import --format cfpb --party CODE FILE`.
 *
 * Reads a CSV in the public CFPB complaint layout, maps each row with
 * core/cfpb.c and imports it through the same use case as the API, in
 * batches through the writer.  Each row carries the Idempotency-Key
 * "cfpb:<Complaint ID>", so importing a file twice, or a file that repeats
 * an ID, creates nothing twice.  A narrative too long for the description
 * is kept whole as the attachment narrative.txt of its complaint, with its
 * personal data masked like every free text and the original sealed into
 * the attach event (key "cfpb:<Complaint ID>:narrative", so a second run
 * attaches nothing twice and completes what a broken run left out).  A
 * progress bar is drawn on a terminal; a summary of rows imported and
 * refused, with reasons, ends the run.
 */
#include "cli.h"
#include "core/cfpb.h"
#include "core/csv.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK    1000
#define FILE_MAX (2ULL << 30)

static int read_file(const char *path, omb_buf *b, omb_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return omb_fail(err, OMB_EIO, "io_error", NULL, "cannot open %s", path);
    char chunk[65536];
    size_t n;
    int rc = OMB_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (omb_buf_append(b, chunk, n))
            rc = omb_fail(err, OMB_ETOOBIG, "too_large", NULL, "%s is too large", path);
    if (!rc && ferror(f))
        rc = omb_fail(err, OMB_EIO, "io_error", NULL, "cannot read %s", path);
    fclose(f);
    return rc;
}

static void count_reason(cli_import_stats *st, const char *reason)
{
    json_t *v = json_object_get(st->reasons, reason);
    json_object_set_new(st->reasons, reason, json_integer(v ? json_integer_value(v) + 1 : 1));
}

static void progress_bar(size_t done, size_t total, long rows)
{
    int width = 40, fill = total ? (int)((double)done / (double)total * width) : width;
    char bar[48];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\rimporting [%s] %3d%%  %ld rows", bar,
            total ? (int)((double)done * 100.0 / (double)total) : 100, rows);
    fflush(stderr);
}

/* A row's whole narrative waiting for its complaint, by the index of the row's job. */
typedef struct narrative {
    char *text; /* owned; NULL: none */
    size_t len;
    char id[OMB_CFPB_ID_MAX + 1];
} narrative;

/* Attaches the narratives of the rows whose complaint now exists (created or replayed). */
static void attach_narratives(omb_app *app, omb_job **jobs, narrative *narr, size_t n,
                              cli_import_stats *st)
{
    omb_job *att[CHUNK];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!narr[i].text || jobs[i]->rc != OMB_OK)
            continue;
        json_error_t jerr;
        json_t *doc = jobs[i]->result_text ? json_loads(jobs[i]->result_text, 0, &jerr) : NULL;
        const char *no = omb_json_str(doc, "no", NULL);
        char sha[65];
        omb_err err;
        omb_err_clear(&err);
        omb_principal sys;
        cli_system_principal(&sys, jobs[i]->who.party_id, OMB_ROLE_SUPERVISOR);
        omb_job *job = omb_xcalloc(1, sizeof *job);
        omb_job_init(job, NULL, NULL, &sys);
        /* The consumer's own words: every party involved reads them, masked; the original is
           sealed into the attach event. */
        if (!no || omb_uc_attach_text(app, job, no, narr[i].text, narr[i].len,
                                      OMB_CFPB_NARRATIVE_NAME, "involved", sha, &err) != OMB_OK) {
            fprintf(stderr, "ombud: the narrative of CFPB complaint %s was not attached: %s\n",
                    narr[i].id, no ? err.message : "no complaint number");
            st->attach_failed++;
            omb_job_release(job);
            free(job);
            json_decref(doc);
            continue;
        }
        snprintf(job->idem_key, sizeof job->idem_key, "cfpb:%s:narrative", narr[i].id);
        char what[128];
        snprintf(what, sizeof what, "%s %s", no, sha);
        crypto_hash_sha256(job->req_hash, (const unsigned char *)what, strlen(what));
        att[k++] = job;
        json_decref(doc);
    }
    if (k)
        omb_writer_run_many(app->writer, att, k);
    for (size_t i = 0; i < k; i++) {
        if (att[i]->rc != OMB_OK) {
            fprintf(stderr, "ombud: a narrative was not attached: %s\n", att[i]->err.message);
            st->attach_failed++;
        } else if (!att[i]->replayed) {
            st->attached++;
        }
        omb_job_release(att[i]);
        free(att[i]);
    }
}

/* Submits the pending jobs, attaches their long narratives and counts the outcomes. */
static void flush_jobs(omb_app *app, omb_job **jobs, narrative *narr, size_t n,
                       cli_import_stats *st)
{
    omb_writer_run_many(app->writer, jobs, n);
    attach_narratives(app, jobs, narr, n, st);
    for (size_t i = 0; i < n; i++) {
        omb_job *j = jobs[i];
        free(narr[i].text);
        narr[i].text = NULL;
        if (j->rc == OMB_OK && !j->replayed) {
            st->imported++;
        } else if (j->replayed || strcmp(j->err.code, "idempotency_key_reused") == 0) {
            st->duplicates++;
            st->refused++;
            count_reason(st, "duplicate");
        } else {
            st->refused++;
            count_reason(st, j->err.code[0] ? j->err.code : "error");
        }
        omb_job_release(j);
        free(j);
    }
}

int cli_import_cfpb(omb_app *app, const char *path, int64_t party_id, bool progress,
                    cli_import_stats *st, omb_err *err)
{
    omb_buf data = OMB_BUF_INIT(FILE_MAX);
    int rc = read_file(path, &data, err);
    if (rc) {
        omb_buf_release(&data);
        return rc;
    }
    omb_csv csv;
    omb_csv_init(&csv, omb_buf_str(&data), data.len, OMB_CFPB_CSV_FIELD_MAX,
                 OMB_CFPB_CSV_FIELDS_MAX);
    const omb_csv_record *rec;
    omb_cfpb_header header;
    rc = omb_csv_next(&csv, &rec, err);
    if (!rc && !rec)
        rc = omb_fail(err, OMB_EINVAL, "empty_file", NULL, "%s is empty", path);
    if (!rc)
        rc = omb_cfpb_header_parse(&header, rec, err);
    omb_principal sys;
    cli_system_principal(&sys, party_id, OMB_ROLE_ADMIN);
    omb_job *jobs[CHUNK];
    static narrative narr[CHUNK];
    size_t n = 0;
    omb_cfpb_row row;
    omb_cfpb_row_init(&row);
    while (!rc) {
        omb_err rerr;
        omb_err_clear(&rerr);
        rc = omb_csv_next(&csv, &rec, err);
        if (rc || !rec)
            break;
        st->rows++;
        if (omb_cfpb_map(&header, rec, &row, &rerr) != OMB_OK) {
            st->refused++;
            count_reason(st, rerr.code);
            continue;
        }
        json_object_set_new(row.payload, "target_party", json_integer(party_id));
        omb_job *job = omb_xcalloc(1, sizeof *job);
        omb_job_init(job, NULL, NULL, &sys);
        if (omb_uc_import_complaint(app, job, row.payload, row.state, row.source, &rerr) !=
            OMB_OK) {
            st->refused++;
            count_reason(st, rerr.code);
            free(job);
            continue;
        }
        snprintf(job->idem_key, sizeof job->idem_key, "cfpb:%s", row.id);
        char *text = json_dumps(row.payload, JSON_COMPACT | JSON_SORT_KEYS);
        crypto_hash_sha256(job->req_hash, (const unsigned char *)text, strlen(text));
        free(text);
        narr[n].text = row.narrative; /* the row gives up its whole narrative */
        narr[n].len = row.narrative_len;
        row.narrative = NULL;
        snprintf(narr[n].id, sizeof narr[n].id, "%s", row.id);
        jobs[n++] = job;
        if (n == CHUNK) {
            flush_jobs(app, jobs, narr, n, st);
            n = 0;
            if (progress)
                progress_bar(csv.pos, csv.len, st->rows);
        }
    }
    if (n)
        flush_jobs(app, jobs, narr, n, st);
    if (progress) {
        progress_bar(csv.len, csv.len, st->rows);
        fputc('\n', stderr);
    }
    omb_cfpb_row_release(&row);
    omb_csv_release(&csv);
    omb_buf_release(&data);
    return rc;
}

int cmd_import(cli_args *a)
{
    const char *format = cli_opt(a, "format", "cfpb");
    const char *party = cli_opt(a, "party", NULL);
    if (strcmp(format, "cfpb") != 0 || !party || a->n_words < 2) {
        cli_error("usage: ombud import --format cfpb --party CODE FILE");
        return 2;
    }
    omb_app *app;
    omb_err err;
    omb_err_clear(&err);
    if (omb_app_open(&app, &a->cfg, false, &err)) {
        cli_report(&err);
        return 1;
    }
    omb_store *r;
    omb_party p;
    int rc = omb_app_reader(app, &r, &err);
    if (!rc) {
        rc = r->vt->party_by_code(r, party, &p, &err);
        r->vt->close(r);
        if (rc == OMB_ENOTFOUND)
            omb_fail(&err, rc, "unknown_party", "party", "no party with code %s", party);
    }
    cli_import_stats st = {0};
    st.reasons = json_object();
    bool progress = isatty(STDERR_FILENO) && !cli_flag(a, "no-progress");
    if (!rc)
        rc = cli_import_cfpb(app, a->words[1], p.id, progress, &st, &err);
    if (rc)
        cli_report(&err);
    printf("rows %ld, imported %ld, refused %ld\n", st.rows, st.imported, st.refused);
    if (st.attached || st.attach_failed)
        printf("  narratives attached %ld, not attached %ld\n", st.attached, st.attach_failed);
    const char *reason;
    json_t *v;
    json_object_foreach(st.reasons, reason, v)
        printf("  refused %-20s %lld\n", reason, (long long)json_integer_value(v));
    json_decref(st.reasons);
    omb_app_close(app);
    return rc || st.attach_failed ? 1 : 0;
}
