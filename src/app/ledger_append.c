/*
 * ledger_append.c - every event enters the store here, as a leaf of the
 * evidence ledger (ledger_append.h; docs/ledger.md): the one place that
 * builds leaf hashes and keeps the writer's frontier, so that a store
 * backend only inserts the rows it is given.  Also the backfill of the
 * events a database made before the ledger holds.
 */
#include "app/ledger_append.h"
#include "app/app.h"
#include "core/jsonw.h"
#include "core/ledger.h"
#include "core/merkle.h"

#include <stdlib.h>
#include <string.h>

#define LEAF_BYTES_MAX (1 << 20) /* leaf bytes hold the payload's digest, not the payload */

struct omb_ledger_tail {
    omb_store *store;          /* the connection the frontier mirrors */
    bool known;                /* the frontier mirrors its rows now */
    omb_merkle_frontier front; /* the right edge of the tree */
    bool marked, mark_known;   /* at the savepoint: */
    omb_merkle_frontier mark;  /* the right edge then */
    omb_buf scratch;           /* leaf bytes being hashed */
};

omb_ledger_tail *omb_ledger_tail_new(void)
{
    omb_ledger_tail *t = omb_xcalloc(1, sizeof *t);
    omb_buf_init(&t->scratch, LEAF_BYTES_MAX);
    return t;
}

void omb_ledger_tail_free(omb_ledger_tail *t)
{
    if (!t)
        return;
    omb_buf_release(&t->scratch);
    free(t);
}

int omb_ledger_tail_begin(omb_ledger_tail *t, omb_store *s, omb_err *err)
{
    bool others = true;
    int rc = s->vt->others_committed(s, &others, err);
    if (rc || others || t->store != s)
        t->known = false;
    t->store = s;
    t->marked = false;
    return rc;
}

void omb_ledger_tail_forget(omb_ledger_tail *t)
{
    t->known = false;
    t->marked = false;
}

void omb_ledger_tail_mark(omb_ledger_tail *t)
{
    t->marked = true;
    t->mark_known = t->known;
    if (t->known)
        t->mark = t->front;
}

void omb_ledger_tail_back(omb_ledger_tail *t)
{
    t->known = t->marked && t->mark_known;
    if (t->known)
        t->front = t->mark;
    t->marked = false;
}

/* ---- the frontier from the stored nodes ------------------------------------ */

int omb_store_node_get(void *ctx, unsigned level, uint64_t index, omb_hash out)
{
    omb_store_nodes *n = ctx;
    return n->s->vt->ledger_node(n->s, level, index, out, n->err);
}

/* The frontier of the first size leaves: one read per set bit of size. */
static int load_front(omb_ledger_tail *t, omb_store *s, uint64_t size, omb_err *err)
{
    OMB_STORE_NODES(nodes, s, err);
    return omb_merkle_frontier_load(&nodes, size, &t->front);
}

/* Loads the frontier of the stored tree, refusing a log whose events and
 * leaves disagree in number (rows inserted or deleted outside ombud). */
static int reload(omb_ledger_tail *t, omb_store *s, omb_err *err)
{
    uint64_t size;
    int64_t last;
    int rc = s->vt->ledger_size(s, &size, err);
    if (!rc)
        rc = s->vt->event_last_id(s, &last, err);
    if (!rc && (uint64_t)last != size)
        return omb_fail(err, OMB_EIO, "ledger_mismatch", NULL,
                        "the ledger has %llu leaves but the last event is %lld: run `ombud "
                        "verify`",
                        (unsigned long long)size, (long long)last);
    return rc ? rc : load_front(t, s, size, err);
}

/* ---- appending ----------------------------------------------------------------- */

/* Makes the entry leaf t->front.size: its hash, the nodes it completes, and
 * its ledger row. */
static int put_leaf(omb_ledger_tail *t, omb_store *s, const omb_ledger_entry *e, omb_err *err)
{
    omb_hash leaf, done[OMB_MERKLE_LEVELS];
    unsigned n_done;
    int rc = omb_ledger_entry_hash(&t->scratch, e, leaf);
    if (rc == OMB_ETOOBIG)
        return omb_fail(err, OMB_ETOOBIG, "event_too_large", NULL, "the event is too large");
    if (rc)
        return omb_fail(err, OMB_EIO, "storage_error", NULL,
                        "event %llu lacks its subject, type or payload text",
                        (unsigned long long)t->front.size + 1);
    omb_ledger_row row = {t->front.size, &done[0][0], 0};
    omb_merkle_append(&t->front, leaf, done, &n_done);
    row.len = (size_t)n_done * OMB_HASH_LEN;
    return s->vt->ledger_insert(s, &row, err);
}

int omb_ledger_tail_append(omb_ledger_tail *t, omb_store *s, omb_event *ev, omb_err *err)
{
    if (ev->complaint_id && !ev->complaint_no[0])
        return omb_fail(err, OMB_EIO, "internal", NULL, "a complaint event without its number");
    if (t->store != s) {
        t->store = s;
        t->known = false;
    }
    size_t len = 0;
    char *payload = omb_jsonw_dup(ev->payload, OMB_JSONW_SORTED, &len);
    if (!payload)
        return omb_fail(err, OMB_EIO, "storage_error", NULL, "cannot serialise event");
    omb_ledger_entry e = {
        ev->complaint_id ? ev->complaint_no : NULL,
        ev->complaint_id ? ev->seq : 0,
        ev->subject,
        ev->type,
        ev->at,
        ev->actor_user_id,
        ev->actor_party_id,
        payload,
        len,
    };
    int rc = t->known ? OMB_OK : reload(t, s, err);
    if (!rc) {
        /* The leaf decides the event's id.  Until both rows are in, the
         * frontier is ahead of them: a failure has it reloaded. */
        t->known = false;
        ev->id = (int64_t)t->front.size + 1;
        rc = put_leaf(t, s, &e, err);
        if (!rc)
            rc = s->vt->event_insert(s, ev, payload, len, err);
        t->known = !rc;
        if (rc)
            ev->id = 0;
    }
    free(payload);
    return rc;
}

int omb_ledger_append(omb_app *app, omb_store *s, omb_event *ev, omb_err *err)
{
    return omb_ledger_tail_append(app->ledger_tail, s, ev, err);
}

/* ---- the backfill ---------------------------------------------------------------- */

#define BACKFILL_KEY "ledger_backfill"

/* Whether meta says that events are owed their leaves. */
static int owed(omb_store *s, bool *yes, omb_err *err)
{
    omb_buf v = OMB_BUF_INIT(64);
    int rc = s->vt->meta_get(s, BACKFILL_KEY, &v, err);
    *yes = !rc && strcmp(omb_buf_str(&v), "pending") == 0;
    omb_buf_release(&v);
    if (rc == OMB_ENOTFOUND) {
        omb_err_clear(err);
        rc = OMB_OK;
    }
    return rc;
}

/* Appends a leaf for every event after the last leaf, in id order. */
static int backfill_rows(omb_ledger_tail *t, omb_store *s, uint64_t *added, omb_err *err)
{
    uint64_t size;
    int rc = s->vt->ledger_size(s, &size, err);
    if (!rc)
        rc = load_front(t, s, size, err);
    omb_cursor *c = NULL;
    if (!rc)
        rc = s->vt->cursor_open(s, OMB_CURSOR_EVENTS, &c, err);
    omb_ledger_event ev;
    int step;
    while (!rc && (step = s->vt->cursor_next(c, &ev, err)) != OMB_ENOTFOUND) {
        if ((rc = step) != OMB_OK)
            break;
        if (ev.id <= (int64_t)size)
            continue;
        if (ev.id != (int64_t)size + 1) {
            rc = omb_fail(err, OMB_EIO, "ledger_mismatch", NULL,
                          "event ids are not consecutive at %lld (expected %llu): the ledger "
                          "cannot be built",
                          (long long)ev.id, (unsigned long long)size + 1);
            break;
        }
        rc = put_leaf(t, s, &ev.entry, err);
        size++;
        ++*added;
    }
    if (c)
        s->vt->cursor_close(c);
    return rc;
}

int omb_ledger_backfill(omb_ledger_tail *t, omb_store *s, uint64_t *added, omb_err *err)
{
    uint64_t n = 0;
    if (added)
        *added = 0;
    bool yes;
    int rc = owed(s, &yes, err); /* read first: most opens owe nothing */
    if (rc || !yes)
        return rc;
    rc = s->vt->begin(s, err);
    if (rc)
        return rc;
    rc = omb_ledger_tail_begin(t, s, err);
    if (!rc)
        rc = owed(s, &yes, err); /* again: another process may have done it */
    if (!rc && yes)
        rc = backfill_rows(t, s, &n, err);
    if (!rc && yes)
        rc = s->vt->meta_set(s, BACKFILL_KEY, "done", err);
    if (!rc)
        rc = s->vt->commit(s, err);
    if (rc)
        s->vt->rollback(s);
    omb_ledger_tail_forget(t);
    if (!rc && added)
        *added = n;
    return rc;
}
