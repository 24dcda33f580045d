/*
 * ledger.c - the evidence ledger's use cases: signed tree heads (on demand
 * and on a schedule), inclusion and consistency proofs, complaint receipts
 * (回执), witnesses and their countersignatures.
 *
 * The store appends a leaf with every event (sqlite_ledger.c); this file
 * signs what the tree has become and answers for it.  Heads are signed on
 * the writer thread, so a head's size and root are those of committed
 * leaves; proofs are read from reader connections, which see only
 * committed rows, against heads already stored.
 */
#include "app.h"
#include "app/ledger_append.h"

#include "log.h"

#include "core/ledger.h"
#include "core/merkle.h"
#include "core/number.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADS_PAGE_MAX 1000

/* Gives a prepared job its step and input (the route has set its key and fingerprint). */
static void set_job(omb_job *job, omb_job_fn run, void *input)
{
    job->run = run;
    job->input = input;
    job->input_free = input ? free : NULL;
}

/* The platform time of an entry (its "at"), as an RFC 3339 string. */
static void entry_time(const char *bytes, size_t len, char *out, size_t cap)
{
    json_error_t jerr;
    json_t *e = json_loadb(bytes, len, 0, &jerr);
    omb_time_format(omb_json_int(e, "at", 0), out, cap);
    json_decref(e);
}

/* ---- views ---------------------------------------------------------------------- */

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char hex[2 * OMB_SIGNATURE_LEN + 1];
    omb_hex_encode(p, n, hex);
    return json_string(hex);
}

static json_t *cosignature_json(const omb_cosignature *c)
{
    return json_pack("{s:I,s:s,s:o,s:o,s:o,s:I}", "party", (json_int_t)c->party_id, "party_code",
                     c->party_code, "public_key", hex_json(c->public_key, OMB_SIGN_PUBLIC_LEN),
                     "signature", hex_json(c->signature, OMB_SIGNATURE_LEN), "at",
                     omb_time_json(c->at), "by", (json_int_t)c->user_id);
}

static int add_cosignature(void *ctx, const omb_cosignature *c)
{
    json_array_append_new(ctx, cosignature_json(c));
    return OMB_OK;
}

static json_t *head_json(const omb_app *app, const omb_tree_head *h, json_t *cosignatures)
{
    char key_id[OMB_KEY_ID_HEX + 1];
    omb_ledger_key_id(app->keys.ledger_public, key_id);
    return json_pack("{s:I,s:o,s:I,s:o,s:o,s:s,s:o}", "size", (json_int_t)h->size, "at",
                     omb_time_json(h->at), "at_ms", (json_int_t)h->at, "root",
                     hex_json(h->root, OMB_HASH_LEN), "signature",
                     hex_json(h->signature, OMB_SIGNATURE_LEN), "key_id", key_id, "cosignatures",
                     cosignatures ? cosignatures : json_array());
}

/* A head's view with its countersignatures. */
static int head_view(omb_app *app, omb_store *s, const omb_tree_head *h, json_t **out, omb_err *err)
{
    json_t *cos = json_array();
    int rc = s->vt->cosignatures_list(s, h->size, add_cosignature, cos, err);
    if (rc) {
        json_decref(cos);
        return rc;
    }
    *out = head_json(app, h, cos);
    return OMB_OK;
}

static json_t *proof_json(const omb_hash *path, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, hex_json(path[i], OMB_HASH_LEN));
    return a;
}

/* ---- signing ---------------------------------------------------------------------- */

/* The head of the tree as it stands, signed now unless the latest stored head
 * already has this size.  Writer thread only. */
static int sign_current(omb_app *app, omb_store *s, omb_tree_head *h, bool *fresh, omb_err *err)
{
    uint64_t size;
    int rc = s->vt->ledger_size(s, &size, err);
    if (rc)
        return rc;
    *fresh = false;
    rc = s->vt->head_get(s, 0, h, err);
    if (!rc && h->size == size)
        return OMB_OK;
    if (rc && rc != OMB_ENOTFOUND)
        return rc;
    if (size == 0)
        return omb_fail(err, OMB_ECONFLICT, "empty_ledger", NULL, "the ledger has no events yet");
    memset(h, 0, sizeof *h);
    h->size = size;
    h->at = omb_app_now(app);
    OMB_STORE_NODES(nodes, s, err);
    if ((rc = omb_merkle_root(&nodes, size, h->root)) != OMB_OK)
        return rc;
    omb_ledger_head_sign(h, app->keys.ledger_secret);
    rc = s->vt->head_put(s, h, err);
    *fresh = !rc;
    return rc;
}

static int run_sign(omb_app *app, omb_store *s, omb_job *job)
{
    omb_tree_head h;
    bool fresh;
    int rc = sign_current(app, s, &h, &fresh, &job->err);
    if (!rc)
        rc = head_view(app, s, &h, &job->result, &job->err);
    if (!rc) {
        job->status = fresh ? 201 : 200;
        if (fresh)
            omb_log(OMB_LOG_INFO, "tree_head_signed",
                    json_pack("{s:I}", "size", (json_int_t)h.size));
    }
    return rc;
}

int omb_uc_sign_head(omb_app *app, omb_job *job, omb_err *err)
{
    set_job(job, run_sign, NULL);
    return OMB_OK;
}

int omb_ledger_tick(omb_app *app, omb_store *reader, omb_err *err)
{
    if (app->cfg.head_interval_ms <= 0)
        return OMB_OK;
    uint64_t size;
    omb_tree_head last;
    int rc = reader->vt->ledger_size(reader, &size, err);
    if (rc)
        return rc;
    rc = reader->vt->head_get(reader, 0, &last, err);
    if (rc && rc != OMB_ENOTFOUND)
        return rc;
    bool none = rc == OMB_ENOTFOUND;
    if (size == 0 ||
        (!none && (last.size == size || omb_app_now(app) - last.at < app->cfg.head_interval_ms)))
        return OMB_OK;
    omb_principal sys;
    memset(&sys, 0, sizeof sys);
    omb_job job;
    omb_job_init(&job, run_sign, NULL, &sys);
    rc = omb_writer_run(app->writer, &job);
    if (!rc && job.rc)
        rc = omb_fail(err, job.rc, job.err.code, NULL, "%s", job.err.message);
    omb_job_release(&job);
    return rc;
}

/* ---- heads, key, proofs ------------------------------------------------------------- */

json_t *omb_q_ledger_key(omb_app *app)
{
    char key_id[OMB_KEY_ID_HEX + 1];
    omb_ledger_key_id(app->keys.ledger_public, key_id);
    return json_pack("{s:s,s:o,s:s,s:s}", "algorithm", "Ed25519", "public_key",
                     hex_json(app->keys.ledger_public, OMB_SIGN_PUBLIC_LEN), "key_id", key_id,
                     "signed", "\"ombud-tree-head-v1\" 0x00 || uint64 size || int64 at_ms || root");
}

int omb_q_ledger_head(omb_app *app, omb_store *r, uint64_t size, json_t **out, omb_err *err)
{
    omb_tree_head h;
    int rc = r->vt->head_get(r, size, &h, err);
    if (rc == OMB_ENOTFOUND)
        return omb_fail(err, OMB_ENOTFOUND, "no_head", NULL,
                        size ? "no tree head of size %llu" : "no tree head has been signed yet",
                        (unsigned long long)size);
    return rc ? rc : head_view(app, r, &h, out, err);
}

/* Parses a non-negative integer parameter. */
static int param_u64(const char *const *names, const char *const *values, size_t n,
                     const char *name, uint64_t dflt, bool required, uint64_t *out, omb_err *err)
{
    *out = dflt;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], name) != 0)
            continue;
        const char *v = values[i] ? values[i] : "";
        char *end;
        errno = 0;
        unsigned long long x = strtoull(v, &end, 10);
        if (!*v || *end || *v == '-' || *v == '+' || *v == ' ' || errno || x > INT64_MAX)
            return omb_fail(err, OMB_EINVAL, "invalid_parameter", name,
                            "%s must be a non-negative integer", name);
        *out = x;
        return OMB_OK;
    }
    return required ? omb_fail(err, OMB_EINVAL, "missing_parameter", name, "%s is required", name)
                    : OMB_OK;
}

/* Refuses parameters other than the listed ones. */
static int only_params(const char *const *names, size_t n, const char *const *allowed, omb_err *err)
{
    for (size_t i = 0; i < n; i++) {
        bool ok = false;
        for (size_t k = 0; allowed[k]; k++)
            ok |= strcmp(names[i], allowed[k]) == 0;
        if (!ok)
            return omb_fail(err, OMB_EINVAL, "unknown_parameter", names[i], "unknown parameter %s",
                            names[i]);
    }
    return OMB_OK;
}

typedef struct heads_ctx {
    omb_app *app;
    json_t *list;
    uint64_t last;
} heads_ctx;

static int collect_head(void *ctx, const omb_tree_head *h)
{
    heads_ctx *c = ctx;
    json_t *view = head_json(c->app, h, NULL);
    json_object_del(view, "cosignatures"); /* shown by GET /v1/ledger/heads/{size} */
    json_array_append_new(c->list, view);
    c->last = h->size;
    return OMB_OK;
}

int omb_q_ledger_heads(omb_app *app, omb_store *r, const char *const *names,
                       const char *const *values, size_t n, json_t **out, omb_err *err)
{
    static const char *const allowed[] = {"after", "limit", NULL};
    uint64_t after, limit;
    int rc = only_params(names, n, allowed, err);
    if (!rc)
        rc = param_u64(names, values, n, "after", 0, false, &after, err);
    if (!rc)
        rc = param_u64(names, values, n, "limit", 100, false, &limit, err);
    if (!rc && (limit < 1 || limit > HEADS_PAGE_MAX))
        rc = omb_fail(err, OMB_EINVAL, "invalid_parameter", "limit", "limit must be 1 to %d",
                      HEADS_PAGE_MAX);
    if (rc)
        return rc;
    heads_ctx c = {app, json_array(), 0};
    rc = r->vt->heads_list(r, after, (int)limit, collect_head, &c, err);
    if (rc) {
        json_decref(c.list);
        return rc;
    }
    bool more = json_array_size(c.list) == limit;
    *out = json_pack("{s:o,s:o}", "heads", c.list, "next_after",
                     more ? json_integer((json_int_t)c.last) : json_null());
    return OMB_OK;
}

/* The committed tree size a proof may be asked against. */
static int tree_size(omb_store *r, uint64_t *size, omb_err *err)
{
    return r->vt->ledger_size(r, size, err);
}

int omb_q_consistency(omb_app *app, omb_store *r, const char *const *names,
                      const char *const *values, size_t n, json_t **out, omb_err *err)
{
    static const char *const allowed[] = {"first", "second", NULL};
    uint64_t first, second, size;
    int rc = only_params(names, n, allowed, err);
    if (!rc)
        rc = param_u64(names, values, n, "first", 0, true, &first, err);
    if (!rc)
        rc = param_u64(names, values, n, "second", 0, true, &second, err);
    if (!rc)
        rc = tree_size(r, &size, err);
    if (rc)
        return rc;
    if (first < 1 || first > second)
        return omb_fail(err, OMB_EFIELD, "invalid_parameter", "first",
                        "first must be at least 1 and at most second");
    if (second > size)
        return omb_fail(err, OMB_EFIELD, "invalid_parameter", "second",
                        "the ledger has only %llu leaves", (unsigned long long)size);
    omb_hash path[OMB_MERKLE_PROOF_MAX];
    size_t n_path = 0;
    OMB_STORE_NODES(nodes, r, err);
    rc = omb_merkle_consistency_proof(&nodes, first, second, path, &n_path);
    if (rc)
        return err->code[0] ? rc : omb_fail(err, rc, "internal", NULL, "cannot build the proof");
    *out = json_pack("{s:I,s:I,s:o}", "first", (json_int_t)first, "second", (json_int_t)second,
                     "proof", proof_json(path, n_path));
    return OMB_OK;
}

int omb_q_inclusion(omb_app *app, omb_store *r, const char *const *names, const char *const *values,
                    size_t n, json_t **out, omb_err *err)
{
    static const char *const allowed[] = {"leaf", "size", NULL};
    uint64_t leaf, size, have;
    int rc = only_params(names, n, allowed, err);
    if (!rc)
        rc = tree_size(r, &have, err);
    if (!rc)
        rc = param_u64(names, values, n, "leaf", 0, true, &leaf, err);
    if (!rc)
        rc = param_u64(names, values, n, "size", have, false, &size, err);
    if (rc)
        return rc;
    if (size > have)
        return omb_fail(err, OMB_EFIELD, "invalid_parameter", "size",
                        "the ledger has only %llu leaves", (unsigned long long)have);
    if (leaf >= size)
        return omb_fail(err, OMB_EFIELD, "invalid_parameter", "leaf",
                        "leaf must be below the tree size %llu", (unsigned long long)size);
    omb_hash path[OMB_MERKLE_PROOF_MAX], leaf_hash;
    size_t n_path = 0;
    OMB_STORE_NODES(nodes, r, err);
    rc = omb_merkle_inclusion_proof(&nodes, leaf, size, path, &n_path);
    if (!rc)
        rc = r->vt->ledger_node(r, 0, leaf, leaf_hash, err);
    if (rc)
        return err->code[0] ? rc : omb_fail(err, rc, "internal", NULL, "cannot build the proof");
    *out = json_pack("{s:I,s:I,s:o,s:o}", "leaf_index", (json_int_t)leaf, "tree_size",
                     (json_int_t)size, "leaf_hash", hex_json(leaf_hash, OMB_HASH_LEN), "proof",
                     proof_json(path, n_path));
    return OMB_OK;
}

/* ---- event proofs and receipts -------------------------------------------------------- */

typedef struct proof_input {
    char no[OMB_NO_MAX];
    int64_t seq;
    bool receipt;
} proof_input;

/* The leaf bytes and index of a stored event (event_entry's callback). */
typedef struct entry_out {
    omb_buf *bytes;
    uint64_t leaf;
    omb_err *err;
} entry_out;

static int take_entry(void *ctx, const omb_ledger_event *ev)
{
    entry_out *o = ctx;
    o->leaf = (uint64_t)(ev->id - 1);
    if (omb_ledger_entry_bytes(o->bytes, &ev->entry) != OMB_OK)
        return omb_fail(o->err, OMB_ETOOBIG, "response_too_large", NULL, "the event is too large");
    return OMB_OK;
}

/* The proof of one event of a visible complaint under head h (which must
 * cover it), as an event proof or, for the creation event, a receipt. */
static int build_proof(omb_app *app, omb_store *s, const omb_principal *who, const proof_input *in,
                       const omb_tree_head *h, json_t **out, omb_err *err)
{
    int64_t id;
    omb_buf doc = OMB_BUF_INIT(16 << 20), hist = OMB_BUF_INIT(16 << 20);
    int rc = s->vt->complaint_doc(s, in->no, who->party_id, &doc, &hist, &id, err);
    omb_buf_release(&doc);
    omb_buf_release(&hist);
    if (rc)
        return rc;
    omb_buf entry = OMB_BUF_INIT(1 << 20);
    entry_out got = {&entry, 0, err};
    rc = s->vt->event_entry(s, id, in->seq, take_entry, &got, err);
    uint64_t leaf = got.leaf;
    /* Another party's party-only note or file is not there for this reader
     * (its entry names the writer's party; event id = leaf index + 1). */
    int64_t only = 0;
    if (!rc)
        rc = s->vt->event_restricted_to(s, (int64_t)leaf + 1, &only, err);
    if (!rc && only && only != who->party_id)
        rc = omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no event %lld", (long long)in->seq);
    if (!rc && leaf >= h->size)
        rc = OMB_PROOF_PENDING;
    omb_hash path[OMB_MERKLE_PROOF_MAX], leaf_hash;
    size_t n_path = 0;
    OMB_STORE_NODES(nodes, s, err);
    if (!rc)
        rc = omb_merkle_inclusion_proof(&nodes, leaf, h->size, path, &n_path);
    if (!rc) {
        omb_merkle_leaf_hash(entry.data, entry.len, leaf_hash);
        json_t *cos = json_array();
        rc = s->vt->cosignatures_list(s, h->size, add_cosignature, cos, err);
        json_t *head = head_json(app, h, NULL);
        json_object_del(head, "cosignatures");
        char key_id[OMB_KEY_ID_HEX + 1];
        omb_ledger_key_id(app->keys.ledger_public, key_id);
        json_t *o = json_object();
        if (in->receipt) {
            char at[32];
            entry_time(entry.data, entry.len, at, sizeof at);
            json_object_set_new(o, "format", json_string("ombud-receipt-v1"));
            json_object_set_new(o, "complaint", json_string(in->no));
            json_object_set_new(o, "received_at", json_string(at));
        } else {
            json_object_set_new(o, "complaint", json_string(in->no));
            json_object_set_new(o, "seq", json_integer(in->seq));
        }
        json_object_set_new(o, "entry", json_stringn(entry.data, entry.len));
        json_object_set_new(o, "leaf_index", json_integer((json_int_t)leaf));
        json_object_set_new(o, "leaf_hash", hex_json(leaf_hash, OMB_HASH_LEN));
        json_object_set_new(o, "inclusion_proof", proof_json(path, n_path));
        json_object_set_new(o, "tree_head", head);
        json_object_set_new(o, "public_key",
                            hex_json(app->keys.ledger_public, OMB_SIGN_PUBLIC_LEN));
        json_object_set_new(o, "key_id", json_string(key_id));
        json_object_set_new(o, "cosignatures", cos);
        if (rc)
            json_decref(o);
        else
            *out = o;
    }
    omb_buf_release(&entry);
    return rc;
}

/* Reader path: answers when the latest head already covers the event. */
static int proof_now(omb_app *app, omb_store *r, const omb_principal *who, const proof_input *in,
                     json_t **out, omb_err *err)
{
    omb_tree_head h;
    int rc = r->vt->head_get(r, 0, &h, err);
    if (rc == OMB_ENOTFOUND) { /* no head yet: pending, once the event is known to be visible */
        omb_err_clear(err);
        memset(&h, 0, sizeof h);
        rc = OMB_OK;
    }
    return rc ? rc : build_proof(app, r, who, in, &h, out, err);
}

static int run_proof(omb_app *app, omb_store *s, omb_job *job)
{
    omb_tree_head h;
    bool fresh;
    int rc = sign_current(app, s, &h, &fresh, &job->err);
    if (!rc)
        rc = build_proof(app, s, &job->who, job->input, &h, &job->result, &job->err);
    if (rc == OMB_PROOF_PENDING)
        rc = omb_fail(&job->err, OMB_EIO, "internal", NULL, "the new head does not cover it");
    return rc;
}

int omb_uc_event_proof(omb_app *app, omb_store *r, omb_job *job, const char *no, int64_t seq,
                       bool receipt, json_t **out, omb_err *err)
{
    if (!omb_number_parse(no, NULL, NULL))
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no complaint %s", no);
    if (seq < 1)
        return omb_fail(err, OMB_ENOTFOUND, "not_found", NULL, "no event %lld", (long long)seq);
    proof_input *in = omb_xcalloc(1, sizeof *in);
    snprintf(in->no, sizeof in->no, "%s", no);
    in->seq = seq;
    in->receipt = receipt;
    *out = NULL;
    int rc = proof_now(app, r, &job->who, in, out, err);
    if (rc != OMB_PROOF_PENDING) {
        free(in);
        return rc;
    }
    /* Not yet under a signed head: sign one on the writer and answer from there. */
    omb_err_clear(err);
    set_job(job, run_proof, in);
    return OMB_PROOF_PENDING;
}

/* ---- witnesses ------------------------------------------------------------------------ */

static json_t *witness_json(const omb_witness *w)
{
    char key_id[OMB_KEY_ID_HEX + 1];
    omb_ledger_key_id(w->public_key, key_id);
    return json_pack("{s:I,s:s,s:o,s:s,s:o,s:I}", "party", (json_int_t)w->party_id, "party_code",
                     w->party_code, "public_key", hex_json(w->public_key, OMB_SIGN_PUBLIC_LEN),
                     "key_id", key_id, "created_at", omb_time_json(w->created_at), "created_by",
                     (json_int_t)w->created_by);
}

typedef struct witness_input {
    omb_witness w;
} witness_input;

static int run_witness(omb_app *app, omb_store *s, omb_job *job)
{
    witness_input *in = job->input;
    omb_party p;
    int rc = s->vt->party_get(s, in->w.party_id, &p, &job->err);
    if (rc == OMB_ENOTFOUND)
        return omb_fail(&job->err, OMB_EFIELD, "unknown_reference", "party",
                        "party does not exist");
    if (rc)
        return rc;
    in->w.created_at = omb_app_now(app);
    in->w.created_by = job->who.user_id;
    snprintf(in->w.party_code, sizeof in->w.party_code, "%s", p.code);
    rc = s->vt->witness_put(s, &in->w, &job->err);
    if (!rc) {
        json_t *payload = json_pack("{s:I,s:o}", "party", (json_int_t)p.id, "public_key",
                                    hex_json(in->w.public_key, OMB_SIGN_PUBLIC_LEN));
        rc = omb_app_audit(app, s, job, "witness_registered", "party", p.id, payload);
    }
    if (!rc) {
        job->result = witness_json(&in->w);
        job->status = 201;
    }
    return rc;
}

static const omb_field_spec witness_fields[] = {
    {"party", OMB_F_INT, true, 1, INT64_MAX, NULL, NULL, 0},
    {"public_key", OMB_F_STRING, true, 64, 64, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

int omb_uc_register_witness(omb_app *app, omb_job *job, json_t *body, omb_err *err)
{
    int rc = omb_fields_check(body, witness_fields, "", err);
    if (rc)
        return rc;
    int64_t party = omb_json_int(body, "party", 0);
    if (!(omb_app_operator_admin(&job->who) ||
          (job->who.role == OMB_ROLE_ADMIN && party == job->who.party_id)))
        return omb_fail(err, OMB_EFORBIDDEN, "forbidden", NULL,
                        "only the operator's admin or the party's own admin registers its witness "
                        "key");
    witness_input *in = omb_xcalloc(1, sizeof *in);
    in->w.party_id = party;
    if (omb_hex_decode(omb_json_str(body, "public_key", ""), in->w.public_key,
                       OMB_SIGN_PUBLIC_LEN) != OMB_OK) {
        free(in);
        return omb_fail(err, OMB_EFIELD, "invalid_value", "public_key",
                        "public_key must be 64 hex digits (an Ed25519 public key)");
    }
    set_job(job, run_witness, in);
    return OMB_OK;
}

static int add_witness(void *ctx, const omb_witness *w)
{
    json_array_append_new(ctx, witness_json(w));
    return OMB_OK;
}

int omb_q_witnesses(omb_app *app, omb_store *r, const omb_principal *who, json_t **out,
                    omb_err *err)
{
    json_t *list = json_array();
    int rc = r->vt->witness_list(r, add_witness, list, err);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "witnesses", list);
    return OMB_OK;
}

typedef struct cosign_input {
    uint64_t size;
    uint8_t signature[OMB_SIGNATURE_LEN];
} cosign_input;

static int run_cosign(omb_app *app, omb_store *s, omb_job *job)
{
    cosign_input *in = job->input;
    omb_err *err = &job->err;
    omb_tree_head h;
    int rc = s->vt->head_get(s, in->size, &h, err);
    if (rc == OMB_ENOTFOUND)
        return omb_fail(err, OMB_ENOTFOUND, "no_head", NULL, "no tree head of size %llu",
                        (unsigned long long)in->size);
    omb_witness w;
    if (!rc && (rc = s->vt->witness_get(s, job->who.party_id, &w, err)) == OMB_ENOTFOUND)
        return omb_fail(err, OMB_EFORBIDDEN, "not_a_witness", NULL,
                        "your party has no witness key (POST /v1/ledger/witnesses)");
    if (rc)
        return rc;
    if (!omb_ledger_head_verify(&h, in->signature, w.public_key))
        return omb_fail(err, OMB_EFIELD, "invalid_signature", "signature",
                        "the signature does not verify with your party's witness key over "
                        "this head");
    omb_cosignature c;
    memset(&c, 0, sizeof c);
    c.size = h.size;
    c.party_id = w.party_id;
    snprintf(c.party_code, sizeof c.party_code, "%s", w.party_code);
    memcpy(c.public_key, w.public_key, sizeof c.public_key);
    memcpy(c.signature, in->signature, sizeof c.signature);
    c.at = omb_app_now(app);
    c.user_id = job->who.user_id;
    rc = s->vt->cosignature_put(s, &c, err);
    if (rc == OMB_ECONFLICT)
        return omb_fail(err, OMB_ECONFLICT, "already_cosigned", NULL,
                        "your party has already countersigned the head of size %llu",
                        (unsigned long long)h.size);
    if (!rc) {
        job->result = cosignature_json(&c);
        job->status = 201;
    }
    return rc;
}

static const omb_field_spec cosign_fields[] = {
    {"signature", OMB_F_STRING, true, 128, 128, NULL, NULL, 0},
    {NULL, 0, false, 0, 0, NULL, NULL, 0},
};

int omb_uc_cosign(omb_app *app, omb_job *job, uint64_t size, json_t *body, omb_err *err)
{
    int rc = omb_fields_check(body, cosign_fields, "", err);
    if (rc)
        return rc;
    if (job->who.role != OMB_ROLE_ADMIN && job->who.role != OMB_ROLE_SUPERVISOR &&
        job->who.role != OMB_ROLE_AUDITOR)
        return omb_fail(err, OMB_EFORBIDDEN, "forbidden", NULL,
                        "countersigning takes an admin, supervisor or auditor of a witness party");
    cosign_input *in = omb_xcalloc(1, sizeof *in);
    in->size = size;
    if (omb_hex_decode(omb_json_str(body, "signature", ""), in->signature, OMB_SIGNATURE_LEN)) {
        free(in);
        return omb_fail(err, OMB_EFIELD, "invalid_value", "signature",
                        "signature must be 128 hex digits (an Ed25519 signature)");
    }
    set_job(job, run_cosign, in);
    return OMB_OK;
}
