/*
 * ledger_append.h - the writer's end of the evidence ledger: the tree's
 * right edge (the frontier) kept in memory, and the one step that stores an
 * event as a leaf (ledger_append.c).
 *
 * The frontier mirrors the rows of one store connection, and must never
 * outlive rows that were rolled back: whoever runs that connection's
 * transactions (writer.c) tells it about each one.
 */
#ifndef OMB_LEDGER_APPEND_H
#define OMB_LEDGER_APPEND_H

#include "core/err.h"
#include "core/event.h"
#include "store/store.h"

#include <stdint.h>

typedef struct omb_ledger_tail omb_ledger_tail;

/* A store's perfect nodes as core/merkle.h reads them: pass an
 * omb_store_nodes as the ctx of an omb_merkle_nodes whose get is
 * omb_store_node_get (OMB_STORE_NODES declares both). */
typedef struct omb_store_nodes {
    omb_store *s;
    omb_err *err; /* filled by a failed read */
} omb_store_nodes;
int omb_store_node_get(void *ctx, unsigned level, uint64_t index, omb_hash out);
#define OMB_STORE_NODES(name, store, err)                                                          \
    omb_store_nodes name##_ctx = {(store), (err)};                                                 \
    omb_merkle_nodes name = {omb_store_node_get, &name##_ctx}

omb_ledger_tail *omb_ledger_tail_new(void);
void omb_ledger_tail_free(omb_ledger_tail *t);

/* Right after s->vt->begin: keeps the frontier only if it mirrors s and no
 * other connection may have committed since (store.h, others_committed). */
int omb_ledger_tail_begin(omb_ledger_tail *t, omb_store *s, omb_err *err);
/* After a rollback of the whole transaction. */
void omb_ledger_tail_forget(omb_ledger_tail *t);
/* Right after s->vt->savepoint, and right after s->vt->rollback_to: the
 * frontier goes back to what it was at the savepoint. */
void omb_ledger_tail_mark(omb_ledger_tail *t);
void omb_ledger_tail_back(omb_ledger_tail *t);

/* Stores ev, inside a transaction on s, as the next leaf: its payload
 * serialised once (sorted), the leaf hash of the entry it makes
 * (core/ledger.h), the nodes it completes, then the ledger row and the
 * event row with id = leaf index + 1 (sets ev->id).  A complaint event
 * needs ev->complaint_no.  Reads nothing while the frontier is known; else
 * reloads it from O(log n) stored nodes, refusing (500 ledger_mismatch) a
 * log whose events and leaves disagree in number. */
int omb_ledger_tail_append(omb_ledger_tail *t, omb_store *s, omb_event *ev, omb_err *err);

/* Gives the events that migration 4 found without leaves their leaves, in
 * id order, in one transaction of its own on s (a writer's connection,
 * before any other write); does nothing unless meta says they are owed.
 * *added (may be NULL) counts the leaves.  OMB_EIO ledger_mismatch when the
 * event ids do not run on from the last leaf. */
int omb_ledger_backfill(omb_ledger_tail *t, omb_store *s, uint64_t *added, omb_err *err);

#endif
