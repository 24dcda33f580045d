/*
 * verify.c - `ombud verify`: checks the whole evidence ledger against the
 * events it covers, from the database alone.
 *
 * One pass walks the events (by id) and the ledger rows (by leaf) side by
 * side.  Each event's leaf is rebuilt from its stored columns and compared
 * with the stored leaf hash; each row's stored parents are compared with
 * the hashes of their stored children; at every signed head's size the
 * roots of both trees (from the events, from the stored leaves) are
 * compared with the signed root and the signature and countersignatures
 * are checked.  A second pass, only when leaves differ, looks for the
 * events' hashes among the stored leaves to tell a moved event (reordered,
 * or shifted by an insertion or deletion) from a changed one.  Last, the
 * bytes of every attachment an event added are hashed again.
 *
 * Findings are reported through a callback as JSON objects naming the
 * exact leaf, event or node; nothing is written.
 */
#include "app.h"

#include "core/ledger.h"
#include "core/merkle.h"
#include "core/sha256.h"

#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MISMATCH_MAX 100000

typedef struct mismatch {
    uint64_t leaf;
    omb_hash hash;      /* the event's leaf hash */
    int64_t moved_from; /* stored leaf with this hash, -1 for none */
} mismatch;

typedef struct attachment_ref {
    char sha256[65];
    int64_t size; /* -1 unknown */
    uint64_t leaf;
} attachment_ref;

typedef struct verifier {
    omb_store *r;
    const omb_verify_options *opt;
    omb_verify_stats *stats;
    omb_verify_finding_fn finding;
    void *ctx;
    omb_err *err;
    omb_buf scratch;
    omb_merkle_frontier *fe;          /* the tree the events make */
    omb_merkle_frontier *fs;          /* the tree the stored leaves make */
    bool broken;                      /* a leaf is lost on both sides: roots unknown from here */
    bool split;                       /* the trees have differed: fs is kept apart from fe */
    omb_hash last[OMB_MERKLE_LEVELS]; /* the last node completed at each level, as stored */
    omb_tree_head *heads;
    size_t n_heads, next_head;
    mismatch *mm;
    size_t n_mm;
    bool mm_overflow;
    attachment_ref *att;
    size_t n_att, cap_att;
} verifier;

static void report(verifier *v, json_t *f)
{
    v->stats->problems++;
    v->finding(v->ctx, f);
    json_decref(f);
}

static json_t *event_ref(const omb_ledger_event *e)
{
    json_t *o = json_pack("{s:I,s:s}", "event_id", (json_int_t)e->id, "type", e->entry.type);
    if (e->entry.complaint_no) {
        json_object_set_new(o, "complaint", json_string(e->entry.complaint_no));
        json_object_set_new(o, "seq", json_integer(e->entry.seq));
    } else {
        json_object_set_new(o, "subject", json_string(e->entry.subject));
    }
    return o;
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char hex[2 * OMB_SIGNATURE_LEN + 1];
    omb_hex_encode(p, n, hex);
    return json_string(hex);
}

/* ---- heads ---------------------------------------------------------------------- */

static int collect_head(void *ctx, const omb_tree_head *h)
{
    verifier *v = ctx;
    v->heads = omb_xrealloc(v->heads, (v->n_heads + 1) * sizeof *v->heads);
    v->heads[v->n_heads++] = *h;
    return OMB_OK;
}

static int load_heads(verifier *v)
{
    uint64_t after = 0;
    for (;;) {
        size_t before = v->n_heads;
        int rc = v->r->vt->heads_list(v->r, after, 1000, collect_head, v, v->err);
        if (rc)
            return rc;
        if (v->n_heads - before < 1000)
            return OMB_OK;
        after = v->heads[v->n_heads - 1].size;
    }
}

typedef struct cosig_check {
    verifier *v;
    const omb_tree_head *h;
} cosig_check;

static int check_cosignature(void *ctx, const omb_cosignature *c)
{
    cosig_check *k = ctx;
    k->v->stats->cosignatures++;
    if (!omb_ledger_head_verify(k->h, c->signature, c->public_key))
        report(k->v, json_pack("{s:s,s:I,s:s,s:s}", "kind", "cosignature_invalid", "size",
                               (json_int_t)c->size, "party", c->party_code, "message",
                               "a countersignature does not verify over its head"));
    return OMB_OK;
}

static int check_head(verifier *v, const omb_tree_head *h)
{
    v->stats->heads++;
    if (v->opt->public_key && !omb_ledger_head_verify(h, h->signature, v->opt->public_key))
        report(v,
               json_pack("{s:s,s:I,s:s}", "kind", "head_signature", "size", (json_int_t)h->size,
                         "message", "the head's signature does not verify with the ledger's key"));
    if (!v->broken) {
        omb_hash from_events, from_rows;
        omb_merkle_frontier_root(v->fe, from_events);
        omb_merkle_frontier_root(v->split ? v->fs : v->fe, from_rows);
        if (memcmp(from_rows, h->root, OMB_HASH_LEN) != 0)
            report(v, json_pack("{s:s,s:I,s:o,s:o,s:s}", "kind", "head_root_ledger", "size",
                                (json_int_t)h->size, "signed_root", hex_json(h->root, 32),
                                "stored_root", hex_json(from_rows, 32), "message",
                                "the stored tree no longer has the signed root: ledger rows "
                                "were rewritten"));
        if (memcmp(from_events, h->root, OMB_HASH_LEN) != 0)
            report(v, json_pack("{s:s,s:I,s:o,s:o,s:s}", "kind", "head_root_events", "size",
                                (json_int_t)h->size, "signed_root", hex_json(h->root, 32),
                                "events_root", hex_json(from_events, 32), "message",
                                "the events no longer produce the signed root"));
    }
    cosig_check k = {v, h};
    return v->r->vt->cosignatures_list(v->r, h->size, check_cosignature, &k, v->err);
}

/* Checks every head whose size the walk has just reached. */
static int heads_at(verifier *v, uint64_t size)
{
    int rc = OMB_OK;
    while (!rc && v->next_head < v->n_heads && v->heads[v->next_head].size <= size) {
        const omb_tree_head *h = &v->heads[v->next_head++];
        if (h->size == size)
            rc = check_head(v, h);
    }
    return rc;
}

/* ---- attachments ------------------------------------------------------------------- */

static void add_attachment(verifier *v, const char *sha, int64_t size, uint64_t leaf)
{
    if (!sha || strlen(sha) != 64)
        return;
    if (v->n_att == v->cap_att) {
        v->cap_att = v->cap_att ? 2 * v->cap_att : 64;
        v->att = omb_xrealloc(v->att, v->cap_att * sizeof *v->att);
    }
    attachment_ref *a = &v->att[v->n_att++];
    snprintf(a->sha256, sizeof a->sha256, "%s", sha);
    a->size = size;
    a->leaf = leaf;
}

/* Notes the attachments an event refers to: the one it added, or those it cites. */
static void note_attachments(verifier *v, const omb_ledger_event *e)
{
    const char *p = e->entry.payload;
    size_t n = e->entry.payload_len;
    json_error_t jerr;
    json_t *o = json_loadb(p, n, 0, &jerr);
    if (!o)
        return;
    uint64_t leaf = (uint64_t)(e->id - 1);
    if (strcmp(e->entry.type, "attachment_added") == 0)
        add_attachment(v, omb_json_str(o, "sha256", NULL), omb_json_int(o, "size", -1), leaf);
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(o, "attachments"), i, s)
        add_attachment(v, json_string_value(s), -1, leaf);
    json_decref(o);
}

static int cmp_att(const void *a, const void *b)
{
    return strcmp(((const attachment_ref *)a)->sha256, ((const attachment_ref *)b)->sha256);
}

static void check_attachments(verifier *v)
{
    if (!v->opt->attachments || !v->n_att)
        return;
    qsort(v->att, v->n_att, sizeof *v->att, cmp_att);
    static unsigned char chunk[1 << 16];
    for (size_t i = 0; i < v->n_att; i++) {
        attachment_ref *a = &v->att[i];
        if (i && strcmp(a->sha256, v->att[i - 1].sha256) == 0)
            continue; /* content-addressed: one file however many events cite it */
        v->stats->attachments++;
        char path[OMB_PATH_MAX + 80];
        snprintf(path, sizeof path, "%s/%.2s/%s", v->opt->attachments, a->sha256, a->sha256);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            report(v, json_pack("{s:s,s:s,s:I,s:s}", "kind", "attachment_missing", "sha256",
                                a->sha256, "leaf", (json_int_t)a->leaf, "message",
                                "the stored bytes of an attachment are missing"));
            continue;
        }
        omb_sha256_ctx st;
        omb_sha256_init(&st);
        int64_t total = 0;
        ssize_t got;
        while ((got = read(fd, chunk, sizeof chunk)) > 0) {
            omb_sha256_update(&st, chunk, (size_t)got);
            total += got;
        }
        close(fd);
        unsigned char h[32];
        omb_sha256_final(&st, h);
        char hex[65];
        omb_hex_encode(h, 32, hex);
        if (got < 0 || strcmp(hex, a->sha256) != 0 || (a->size >= 0 && a->size != total))
            report(v, json_pack("{s:s,s:s,s:I,s:s,s:I,s:s}", "kind", "attachment_changed", "sha256",
                                a->sha256, "leaf", (json_int_t)a->leaf, "stored_sha256", hex,
                                "stored_size", (json_int_t)total, "message",
                                "the stored bytes of an attachment no longer have its hash"));
    }
}

/* ---- reading and hashing events ahead of the walk ---------------------------------------
 *
 * Hashing the events is most of the work, so it runs on worker threads
 * while the walk reads the next batch from SQLite: three batches rotate
 * (being read, being hashed, being walked). */

#define BATCH_EVENTS 4096
#define WORKERS_MAX  8

typedef struct batch_item {
    omb_ledger_event ev; /* texts point into the batch's text */
    size_t no_off, subject_off, type_off, payload_off;
    bool has_no;
    omb_hash he;
    bool hashed;
    bool cites; /* the payload may name attachments */
} batch_item;

typedef struct batch {
    batch_item *items;
    size_t n;
    omb_buf text;
} batch;

typedef struct event_source {
    omb_store *r;
    omb_cursor *cursor;
    bool eof;
    batch b[3];
    batch *cur, *hashing, *spare;
    size_t pos;
    int workers;
    pthread_t threads[WORKERS_MAX];
    struct hash_slice {
        batch *b;
        size_t from, to;
        omb_buf scratch;
    } slices[WORKERS_MAX];
    bool running;
} event_source;

static size_t put_text(batch *b, const char *s, size_t n)
{
    size_t off = b->text.len;
    if (omb_buf_append(&b->text, s, n) || omb_buf_putc(&b->text, '\0'))
        return SIZE_MAX;
    return off;
}

/* Reads up to BATCH_EVENTS events into b, copying their texts. */
static int fill(event_source *src, batch *b, omb_err *err)
{
    b->n = 0;
    omb_buf_reset(&b->text);
    while (!src->eof && b->n < BATCH_EVENTS) {
        omb_ledger_event ev;
        int rc = src->r->vt->cursor_next(src->cursor, &ev, err);
        if (rc == OMB_ENOTFOUND) {
            src->eof = true;
            break;
        }
        if (rc)
            return rc;
        batch_item *it = &b->items[b->n];
        it->ev = ev;
        it->has_no = ev.entry.complaint_no != NULL;
        it->no_off =
            it->has_no ? put_text(b, ev.entry.complaint_no, strlen(ev.entry.complaint_no)) : 0;
        it->subject_off = put_text(b, ev.entry.subject, strlen(ev.entry.subject));
        it->type_off = put_text(b, ev.entry.type, strlen(ev.entry.type));
        it->payload_off = put_text(b, ev.entry.payload, ev.entry.payload_len);
        if (it->no_off == SIZE_MAX || it->subject_off == SIZE_MAX || it->type_off == SIZE_MAX ||
            it->payload_off == SIZE_MAX)
            return omb_fail(err, OMB_ETOOBIG, "event_too_large", NULL, "event %lld is too large",
                            (long long)ev.id);
        b->n++;
    }
    /* The texts are in place: point at them. */
    for (size_t i = 0; i < b->n; i++) {
        batch_item *it = &b->items[i];
        it->ev.entry.complaint_no = it->has_no ? b->text.data + it->no_off : NULL;
        it->ev.entry.subject = b->text.data + it->subject_off;
        it->ev.entry.type = b->text.data + it->type_off;
        it->ev.entry.payload = b->text.data + it->payload_off;
        it->hashed = false;
    }
    return OMB_OK;
}

static void *hash_slice_main(void *arg)
{
    struct hash_slice *sl = arg;
    for (size_t i = sl->from; i < sl->to; i++) {
        batch_item *it = &sl->b->items[i];
        it->hashed = omb_ledger_entry_hash(&sl->scratch, &it->ev.entry, it->he) == OMB_OK;
        const omb_ledger_entry *e = &it->ev.entry;
        it->cites = memmem(e->payload, e->payload_len, "\"sha256\"", 8) ||
                    memmem(e->payload, e->payload_len, "\"attachments\"", 13);
    }
    return NULL;
}

static void launch(event_source *src, batch *b)
{
    size_t per = (b->n + (size_t)src->workers - 1) / (size_t)src->workers;
    for (int w = 0; w < src->workers; w++) {
        struct hash_slice *sl = &src->slices[w];
        sl->b = b;
        sl->from = per * (size_t)w < b->n ? per * (size_t)w : b->n;
        sl->to = sl->from + per < b->n ? sl->from + per : b->n;
        if (pthread_create(&src->threads[w], NULL, hash_slice_main, sl) != 0)
            hash_slice_main(sl); /* no thread: hash it here */
        else
            continue;
        src->threads[w] = 0;
    }
    src->running = true;
}

static void join(event_source *src)
{
    if (!src->running)
        return;
    for (int w = 0; w < src->workers; w++)
        if (src->threads[w])
            pthread_join(src->threads[w], NULL);
    src->running = false;
}

static int source_open(event_source *src, omb_store *r, omb_err *err)
{
    memset(src, 0, sizeof *src);
    src->r = r;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    /* As many hashers as processors: the walk mostly waits for them. */
    src->workers = cpus > 1 ? (int)(cpus < WORKERS_MAX ? cpus : WORKERS_MAX) : 1;
    for (int i = 0; i < 3; i++) {
        src->b[i].items = omb_xmalloc(BATCH_EVENTS * sizeof(batch_item));
        omb_buf_init(&src->b[i].text, 256 << 20);
    }
    for (int w = 0; w < WORKERS_MAX; w++)
        omb_buf_init(&src->slices[w].scratch, 64 << 20);
    src->cur = &src->b[0];
    src->hashing = &src->b[1];
    src->spare = &src->b[2];
    int rc = r->vt->cursor_open(r, OMB_CURSOR_EVENTS, &src->cursor, err);
    if (!rc)
        rc = fill(src, src->cur, err);
    if (!rc) {
        launch(src, src->cur);
        rc = fill(src, src->hashing, err);
        join(src);
    }
    if (!rc)
        launch(src, src->hashing);
    return rc;
}

/* The next event with its leaf hash; OMB_ENOTFOUND after the last. */
static int source_next(event_source *src, batch_item **out, omb_err *err)
{
    if (src->pos == src->cur->n) {
        if (!src->cur->n)
            return OMB_ENOTFOUND;
        int rc = fill(src, src->spare, err); /* while the workers hash the next one */
        join(src);
        if (rc)
            return rc;
        batch *done = src->cur;
        src->cur = src->hashing;
        src->hashing = src->spare;
        src->spare = done;
        src->pos = 0;
        launch(src, src->hashing);
        if (!src->cur->n)
            return OMB_ENOTFOUND;
    }
    *out = &src->cur->items[src->pos++];
    return OMB_OK;
}

static void source_close(event_source *src)
{
    join(src);
    if (src->cursor)
        src->r->vt->cursor_close(src->cursor);
    for (int i = 0; i < 3; i++) {
        free(src->b[i].items);
        omb_buf_release(&src->b[i].text);
    }
    for (int w = 0; w < WORKERS_MAX; w++)
        omb_buf_release(&src->slices[w].scratch);
}

/* ---- the walk ------------------------------------------------------------------------ */

static void note_mismatch(verifier *v, uint64_t leaf, const omb_hash h)
{
    if (v->n_mm == MISMATCH_MAX) {
        v->mm_overflow = true;
        return;
    }
    if (!v->mm)
        v->mm = omb_xmalloc(MISMATCH_MAX * sizeof *v->mm);
    mismatch *m = &v->mm[v->n_mm++];
    m->leaf = leaf;
    memcpy(m->hash, h, OMB_HASH_LEN);
    m->moved_from = -1;
}

/* One leaf position: the event and the row there (either may be absent). */
static int step(verifier *v, uint64_t i, const batch_item *item, const omb_ledger_row *row,
                json_t **pending)
{
    const omb_ledger_event *e = item ? &item->ev : NULL;
    omb_hash he, hs;
    if (item && !item->hashed)
        return omb_fail(v->err, OMB_ETOOBIG, "event_too_large", NULL, "event %lld is too large",
                        (long long)e->id);
    if (item)
        memcpy(he, item->he, OMB_HASH_LEN);
    bool row_ok = row && row->len >= OMB_HASH_LEN && row->len % OMB_HASH_LEN == 0;
    if (row && !row_ok)
        report(v, json_pack("{s:s,s:I,s:I,s:s}", "kind", "row_malformed", "leaf", (json_int_t)i,
                            "bytes", (json_int_t)row->len, "message",
                            "a ledger row does not hold whole hashes"));
    if (row_ok)
        memcpy(hs, row->hashes, OMB_HASH_LEN);
    if (e && row_ok && memcmp(he, hs, OMB_HASH_LEN) != 0) {
        note_mismatch(v, i, he);
        json_t *f = json_pack("{s:s,s:I,s:o}", "kind", "event_changed", "leaf", (json_int_t)i,
                              "event", event_ref(e));
        json_array_append_new(*pending, f);
    } else if (e && !row) {
        report(v, json_pack("{s:s,s:I,s:o,s:s}", "kind", "leaf_missing", "leaf", (json_int_t)i,
                            "event", event_ref(e), "message",
                            "an event has no ledger row: the row was deleted or the event "
                            "inserted"));
    } else if (!e && row) {
        report(v, json_pack("{s:s,s:I,s:I,s:s}", "kind", "event_deleted", "leaf", (json_int_t)i,
                            "event_id", (json_int_t)i + 1, "message",
                            "the event of this leaf is missing: deleted"));
    }
    if (!row_ok && !e) {
        v->broken = true;
        return OMB_OK;
    }
    if (!row_ok)
        memcpy(hs, he, OMB_HASH_LEN);
    if (!e)
        memcpy(he, hs, OMB_HASH_LEN);
    /* While events and rows agree the two trees are one: append once. */
    omb_hash done[OMB_MERKLE_LEVELS];
    unsigned n_done;
    bool differ = memcmp(he, hs, OMB_HASH_LEN) != 0;
    if (differ && !v->split) {
        *v->fs = *v->fe;
        v->split = true;
    }
    omb_merkle_append(v->fe, he, done, &n_done); /* done: the events' tree */
    if (v->split) {
        omb_hash ignore[OMB_MERKLE_LEVELS];
        omb_merkle_append(v->fs, hs, ignore, &n_done);
    }
    bool whole = row_ok && row->len == (size_t)n_done * OMB_HASH_LEN;
    if (row_ok && !whole)
        report(v, json_pack("{s:s,s:I,s:I,s:I,s:s}", "kind", "row_malformed", "leaf", (json_int_t)i,
                            "hashes", (json_int_t)(row->len / OMB_HASH_LEN), "expected",
                            (json_int_t)n_done, "message",
                            "a ledger row holds the wrong number of nodes"));
    /* Each stored node against its stored children, lowest first.  The
     * first that fails is reported and carried on as its children make it;
     * the nodes above it in the row are taken as stored: one change is
     * one finding, not a finding for every node above it. */
    if (v->broken)
        return OMB_OK; /* after a lost leaf the nodes above it cannot be checked */
    omb_hash cur;
    memcpy(cur, row_ok ? hs : he, OMB_HASH_LEN);
    bool failed = false;
    for (unsigned l = 1; l < n_done; l++) {
        omb_hash expected;
        omb_merkle_node_hash(v->last[l - 1], cur, expected);
        const uint8_t *stored = whole ? row->hashes + (size_t)l * OMB_HASH_LEN : NULL;
        memcpy(v->last[l - 1], cur, OMB_HASH_LEN);
        if (stored && failed) {
            memcpy(cur, stored, OMB_HASH_LEN);
            continue;
        }
        if (stored && memcmp(stored, expected, OMB_HASH_LEN) != 0) {
            report(v, json_pack("{s:s,s:I,s:I,s:I,s:s}", "kind", "node_changed", "level",
                                (json_int_t)l, "index", (json_int_t)(i >> l), "leaf_row",
                                (json_int_t)i, "message",
                                "a stored node differs from the hash of its children (it or a "
                                "child was changed)"));
            failed = true;
            /* Carry on whichever agrees with the events: the stored node
             * when a child was changed, the recomputed one when it was. */
            memcpy(cur, memcmp(stored, done[l], OMB_HASH_LEN) == 0 ? stored : expected,
                   OMB_HASH_LEN);
            continue;
        }
        memcpy(cur, expected, OMB_HASH_LEN);
    }
    memcpy(v->last[n_done - 1], cur, OMB_HASH_LEN);
    return OMB_OK;
}

/* Second pass: which stored leaf each differing event matches, if any. */
static int find_moves(verifier *v)
{
    if (!v->n_mm)
        return OMB_OK;
    omb_cursor *c;
    int rc = v->r->vt->cursor_open(v->r, OMB_CURSOR_LEDGER, &c, v->err);
    if (rc)
        return rc;
    omb_ledger_row row;
    while ((rc = v->r->vt->cursor_next(c, &row, v->err)) == OMB_OK) {
        if (row.len < OMB_HASH_LEN)
            continue;
        for (size_t k = 0; k < v->n_mm; k++)
            if (v->mm[k].moved_from < 0 && v->mm[k].leaf != row.leaf &&
                memcmp(v->mm[k].hash, row.hashes, OMB_HASH_LEN) == 0)
                v->mm[k].moved_from = (int64_t)row.leaf;
    }
    v->r->vt->cursor_close(c);
    return rc == OMB_ENOTFOUND ? OMB_OK : rc;
}

/* Reports the differing events: runs shifted by the same offset as one
 * finding, pairs that traded places as a swap, the rest as changed. */
static void report_mismatches(verifier *v, json_t *pending)
{
    size_t n = json_array_size(pending);
    for (size_t k = 0; k < n;) {
        json_t *f = json_array_get(pending, k);
        mismatch *m = k < v->n_mm ? &v->mm[k] : NULL;
        if (!m || m->moved_from < 0) {
            json_object_set_new(f, "message",
                                json_string("the event's bytes no longer hash to its leaf: "
                                            "changed"));
            report(v, json_incref(f));
            k++;
            continue;
        }
        int64_t offset = (int64_t)m->leaf - m->moved_from;
        size_t end = k + 1;
        while (end < n && end < v->n_mm && v->mm[end].moved_from >= 0 &&
               v->mm[end].leaf == v->mm[end - 1].leaf + 1 &&
               (int64_t)v->mm[end].leaf - v->mm[end].moved_from == offset)
            end++;
        bool swap = end == k + 1 && offset != 0;
        if (swap) {
            for (size_t q = 0; q < v->n_mm; q++)
                if (v->mm[q].leaf == (uint64_t)m->moved_from)
                    swap = v->mm[q].moved_from == (int64_t)m->leaf;
        }
        if (swap) {
            json_object_set_new(f, "kind", json_string("events_swapped"));
            json_object_set_new(f, "with_leaf", json_integer(m->moved_from));
            json_object_set_new(f, "message",
                                json_string("this event belongs at another leaf, and that "
                                            "leaf's event here: reordered"));
        } else {
            json_object_set_new(f, "kind", json_string("events_moved"));
            json_object_set_new(f, "last_leaf", json_integer((json_int_t)v->mm[end - 1].leaf));
            json_object_set_new(f, "count", json_integer((json_int_t)(end - k)));
            json_object_set_new(f, "offset", json_integer(offset));
            json_object_set_new(f, "message",
                                json_string("these events are each found at another leaf, "
                                            "shifted by the same offset: an event was "
                                            "inserted, deleted or moved before them"));
        }
        report(v, json_incref(f));
        k = end;
    }
}

int omb_verify(omb_store *r, const omb_verify_options *opt, omb_verify_finding_fn finding,
               void *ctx, omb_verify_stats *stats, omb_err *err)
{
    memset(stats, 0, sizeof *stats);
    verifier v = {.r = r, .opt = opt, .stats = stats, .finding = finding, .ctx = ctx, .err = err};
    omb_buf_init(&v.scratch, 64 << 20);
    v.fe = omb_xmalloc(sizeof *v.fe);
    v.fs = omb_xmalloc(sizeof *v.fs);
    omb_merkle_frontier_init(v.fe);
    omb_merkle_frontier_init(v.fs);
    json_t *pending = json_array();
    event_source *src = omb_xmalloc(sizeof *src);
    omb_cursor *cl = NULL;
    int rc = load_heads(&v);
    if (!rc)
        rc = source_open(src, r, err);
    else
        memset(src, 0, sizeof *src);
    if (!rc)
        rc = r->vt->cursor_open(r, OMB_CURSOR_LEDGER, &cl, err);
    batch_item *ev = NULL;
    omb_ledger_row row;
    bool has_e = false, has_l = false;
    if (!rc) {
        rc = source_next(src, &ev, err);
        has_e = rc == OMB_OK;
        rc = rc == OMB_ENOTFOUND ? OMB_OK : rc;
    }
    if (!rc) {
        rc = r->vt->cursor_next(cl, &row, err);
        has_l = rc == OMB_OK;
        rc = rc == OMB_ENOTFOUND ? OMB_OK : rc;
    }
    uint64_t i = 0;
    while (!rc && (has_e || has_l)) {
        if (has_e && ev->ev.id < 1) {
            /* Ids below 1 lie before every leaf. */
            report(&v, json_pack("{s:s,s:o,s:s}", "kind", "event_out_of_range", "event",
                                 event_ref(&ev->ev), "message", "an event id below 1"));
            rc = source_next(src, &ev, err);
            has_e = rc == OMB_OK;
            rc = rc == OMB_ENOTFOUND ? OMB_OK : rc;
            continue;
        }
        bool e_here = has_e && (uint64_t)(ev->ev.id - 1) == i;
        bool l_here = has_l && row.leaf == i;
        if (!e_here && !l_here) {
            /* Both sides skip this leaf: lost without trace. */
            report(&v,
                   json_pack("{s:s,s:I,s:s}", "kind", "leaf_lost", "leaf", (json_int_t)i, "message",
                             "both the event and the ledger row of this leaf are missing"));
            /* Keep the trees' positions with a stand-in; roots and the nodes
             * above it are not checked from here on. */
            omb_hash lost, ignore[OMB_MERKLE_LEVELS];
            unsigned n;
            memset(lost, 0, sizeof lost);
            omb_merkle_append(v.fe, lost, ignore, &n);
            if (v.split)
                omb_merkle_append(v.fs, lost, ignore, &n);
            v.broken = true;
        } else {
            if (e_here)
                stats->events++;
            if (l_here)
                stats->leaves++;
            rc = step(&v, i, e_here ? ev : NULL, l_here ? &row : NULL, &pending);
            if (e_here && !rc && ev->cites)
                note_attachments(&v, &ev->ev);
        }
        i++;
        if (!rc)
            rc = heads_at(&v, i);
        if (!rc && has_e && (uint64_t)(ev->ev.id - 1) < i) {
            rc = source_next(src, &ev, err);
            has_e = rc == OMB_OK;
            rc = rc == OMB_ENOTFOUND ? OMB_OK : rc;
        }
        if (!rc && has_l && row.leaf < i) {
            rc = r->vt->cursor_next(cl, &row, err);
            has_l = rc == OMB_OK;
            rc = rc == OMB_ENOTFOUND ? OMB_OK : rc;
        }
    }
    source_close(src);
    free(src);
    r->vt->cursor_close(cl);
    stats->size = i;
    for (; !rc && v.next_head < v.n_heads; v.next_head++) {
        const omb_tree_head *h = &v.heads[v.next_head];
        stats->heads++;
        report(&v, json_pack("{s:s,s:I,s:I,s:s}", "kind", "head_beyond_ledger", "size",
                             (json_int_t)h->size, "ledger_size", (json_int_t)i, "message",
                             "a signed head covers more leaves than the ledger holds: leaves "
                             "were deleted from the end"));
    }
    if (!rc)
        rc = find_moves(&v);
    if (!rc)
        report_mismatches(&v, pending);
    if (!rc && v.mm_overflow)
        report(&v, json_pack("{s:s,s:s}", "kind", "too_many", "message",
                             "more differing leaves than are classified; the rest are "
                             "reported as changed"));
    if (!rc)
        check_attachments(&v);
    json_decref(pending);
    free(v.heads);
    free(v.mm);
    free(v.att);
    free(v.fe);
    free(v.fs);
    omb_buf_release(&v.scratch);
    return rc;
}
