/*
 * store.h - the one storage interface of ombud.
 *
 * Like sqlite3_vfs, a backend is a table of function pointers with a
 * version number; the app layer speaks only to this table, so SQLite today
 * and PostgreSQL later are interchangeable.  An omb_store is one
 * connection: the writer thread owns one and runs batches of requests in a
 * transaction (with a savepoint per request when one of them fails); every
 * reader thread owns another.  Nothing here assumes SQLite: no rowids leak, times are integer
 * milliseconds, and every call returns an OMB_* code that callers check.
 *
 * A backend stores what it is given and computes nothing of the evidence
 * ledger: the app builds each leaf hash and the subtree roots it completes
 * (app/ledger_append.c), and the store only inserts them with the event and
 * reads them back.
 *
 * Every text handed back through a callback is valid only during the call.
 */
#ifndef OMB_STORE_H
#define OMB_STORE_H

#include "core/buf.h"
#include "core/complaint.h"
#include "core/err.h"
#include "core/event.h"
#include "core/ledger.h"
#include "core/model.h"

#include <stdbool.h>
#include <stdint.h>

/* The interface version: which entries omb_store_vtab has.  Entries are
 * only ever appended at the end of the vtab, under a heading comment
 * "---- version N: what ----", and the version is raised to N; no entry is
 * ever removed, reordered or changed.  So a backend whose version is at
 * least OMB_STORE_VERSION has every entry this app calls (a backend built
 * for a newer interface has more at the end, which this app ignores), and
 * the app refuses a backend with a lower one.  An entry the app no longer
 * calls keeps its place, renamed retired_*; a backend fills it with a
 * function that fails cleanly, and says in `oldest` (version 6) the oldest
 * interface it still serves in full, so that an app built for an older one
 * is refused instead of calling what was retired. */
#define OMB_STORE_VERSION 7

enum omb_store_flags {
    OMB_STORE_CREATE = 1 << 0,   /* create the database when absent */
    OMB_STORE_READONLY = 1 << 1, /* a reader connection */
    /* The writer's connection: commit_lazy and sync split a durable commit
     * in two, so that the writer can run its next batch while the disk
     * flushes the last one. */
    OMB_STORE_LAZY_COMMIT = 1 << 2,
};

typedef struct omb_store omb_store;

/* Filters for listing complaints; zero values mean "no filter". */
typedef struct omb_complaint_filter {
    int64_t viewer_party; /* only complaints this party is involved in; 0 = all */
    uint32_t states;      /* OMB_STBIT mask */
    uint32_t grades;      /* 1 << grade mask */
    int64_t party;        /* involved party */
    int64_t lead_party;
    int64_t assignee;
    int64_t target_party;
    int64_t product;
    char channel[OMB_CODE_MAX];
    char business[OMB_CODE_MAX];
    char cause[OMB_CODE_MAX];
    bool has_from, has_to;
    omb_ms received_from; /* inclusive */
    omb_ms received_to;   /* exclusive */
    bool has_cursor;      /* continue after (cursor_received, cursor_id) in the order */
    omb_ms cursor_received;
    int64_t cursor_id;
    int limit;
    bool unassigned; /* only complaints without an assignee (then assignee is 0) */
    /* Only the complaints of these numbers: n_nos well-formed numbers
     * separated by commas, duplicates allowed, in the caller's memory
     * (NULL, 0 = any). */
    const char *nos;
    int n_nos;
} omb_complaint_filter;

/* A row of a complaint list: stable order is received_at DESC, id DESC.
 * doc is the stored document; history its clock history (a JSON array). */
typedef int (*omb_complaint_row_cb)(void *ctx, int64_t id, omb_ms received_at, const char *doc,
                                    size_t doc_len, const char *history, size_t history_len);
typedef int (*omb_event_cb)(void *ctx, const omb_event *ev);

typedef struct omb_idem {
    int64_t user_id;
    char key[129];
    unsigned char request_hash[32];
    int status;
    char *response; /* heap; caller frees */
} omb_idem;

typedef struct omb_attachment {
    char sha256[65];
    int64_t size;
    char content_type[OMB_CODE_LEN * 4];
} omb_attachment;

/* One clock of one complaint, as the clocks projection keeps it. */
typedef struct omb_clock_row {
    int64_t complaint_id;
    char no[OMB_NO_MAX]; /* filled by clocks_list */
    char kind[24];
    int64_t lead_party;
    char owner[16]; /* institution, consumer */
    char state[16]; /* as of the last write: running, paused, met, met_late, cancelled */
    omb_ms started_at;
    omb_ms due_at;
    omb_ms stopped_at;    /* 0 while counting */
    omb_ms next_alert_at; /* 0 for none */
} omb_clock_row;

/* Filters for listing clocks and for compliance figures. */
typedef struct omb_clock_filter {
    int64_t viewer_party;    /* only complaints this party is involved in; 0 = all */
    int64_t lead_party;      /* 0 = any */
    char kind[24];           /* "" = any */
    omb_ms due_from, due_to; /* due_at in [from, to) */
    int open_only;           /* 1: only clocks still counting */
    omb_ms breached_before;  /* with open_only: only those due by this time, not paused (0 = any) */
    int limit;
} omb_clock_filter;

/* Compliance counts for one (kind, lead party) over a due-time range. */
typedef struct omb_clock_stats {
    char kind[24];
    int64_t lead_party;
    int64_t total, met, met_late, breached, counting, cancelled;
} omb_clock_stats;

/* A party task (协办) or a transfer awaiting acknowledgement, as the tasks
 * projection keeps it. */
typedef struct omb_task_row {
    int64_t complaint_id;
    char no[OMB_NO_MAX]; /* filled by tasks_list */
    char kind[12];       /* task, transfer */
    int64_t n;           /* number within the complaint */
    int64_t from_party, to_party;
    char state[16]; /* task: open, answered, overdue, cancelled; transfer: pending, ... */
    omb_ms opened_at, due_at;
    omb_ms closed_at;     /* 0 while open */
    omb_ms next_alert_at; /* 0 for none */
} omb_task_row;

typedef struct omb_task_filter {
    int64_t party;  /* to or from this party; 0 = any */
    int direction;  /* 0 both, 1 incoming (to_party), 2 outgoing (from_party) */
    char kind[12];  /* "" = any */
    char state[16]; /* "" = any */
    int limit;
} omb_task_filter;

#define OMB_BLIND_LEN 16 /* bytes of a blind index */

typedef struct omb_webhook {
    int64_t id;
    int64_t party_id;
    char url[512];
    char events[1024]; /* JSON array of event types; ["*"] = all */
    char secret[256];  /* sealed */
    bool active;
    omb_ms created_at;
    int64_t created_by;
} omb_webhook;

/* One delivery of one event to one webhook. */
typedef struct omb_outbox_row {
    int64_t id, webhook_id, complaint_id, event_id;
    char state[12]; /* pending, delivered */
    int attempts;
    omb_ms next_at, delivered_at, created_at;
    int last_status; /* HTTP status of the last attempt, 0 for none */
    char last_error[200];
    /* the event, filled by outbox_due and outbox_list */
    char no[OMB_NO_MAX];
    int64_t seq;
    char type[40];
    omb_ms at;
    int64_t actor_user, actor_party;
    const char *payload; /* outbox_due only; valid during the callback */
    size_t payload_len;
} omb_outbox_row;

/* An event of a complaint, for live feeds. */
typedef struct omb_feed_row {
    int64_t id, complaint_id, seq;
    char no[OMB_NO_MAX];
    char type[40];
    omb_ms at;
    int64_t actor_user, actor_party, lead_party;
} omb_feed_row;

/* One party's part of a decision's compensation. */
typedef struct omb_settlement_row {
    int64_t complaint_id;
    char no[OMB_NO_MAX]; /* filled by settlements_list */
    int64_t decision;    /* seq of the decision event */
    int64_t party_id;
    char role[16];
    int32_t share_bp, weight;
    int64_t amount_fen;
    char state[12]; /* due, superseded */
    omb_ms decided_at;
} omb_settlement_row;

typedef struct omb_settlement_filter {
    int64_t party;   /* 0 = every party */
    omb_ms from, to; /* decided_at in [from, to); 0 = open */
    bool superseded; /* include superseded parts */
    int limit;
} omb_settlement_filter;

/* A read of personal data in clear (a pii_read event) for the log of reads;
 * texts valid during the callback. */
typedef struct omb_pii_read_row {
    int64_t id; /* the event's id */
    char no[OMB_NO_MAX];
    int64_t seq;
    omb_ms at;
    int64_t actor_user, actor_party;
    const char *payload;
    size_t payload_len;
} omb_pii_read_row;

typedef struct omb_pii_read_filter {
    int64_t viewer_party; /* reads of complaints this party is involved in; 0 = every */
    int64_t user;         /* reads by this user; 0 = anyone */
    omb_ms from, to;      /* at in [from, to) */
    int64_t before;       /* events with a smaller id (paging); 0 = from the newest */
    int limit;
} omb_pii_read_filter;

/* Counts of complaints for the dashboard: one row per (state, grade) over
 * every complaint (day < 0), or per day of receipt in a window (state and
 * grade empty); day is the number of days since 1970-01-01 in the local
 * offset given to the query. */
typedef struct omb_stats_row {
    char state[16], grade[16];
    int64_t day;
    int64_t count;
} omb_stats_row;

typedef struct omb_stats_filter {
    int64_t viewer_party; /* 0 = every complaint */
    omb_ms from, to;      /* the window of the per-day counts */
    int64_t offset_ms;    /* the local offset days are counted in */
} omb_stats_filter;

/* ---- evidence ledger ---- */

/* A stored event as the ledger rebuilds its leaf; texts valid until the
 * next row.  Every member must be exactly what was inserted, because the
 * leaf hash covers it: entry.complaint_no is the number of the complaint
 * row (NULL, with seq 0, for an event about another subject); texts come
 * back as given (an empty subject is "", never NULL); entry.payload is the
 * payload text byte for byte. */
typedef struct omb_ledger_event {
    int64_t id; /* leaf index + 1 */
    int64_t complaint_id;
    omb_ledger_entry entry;
} omb_ledger_event;

/* A ledger row: the leaf hash of event leaf + 1, then the roots of the
 * perfect subtrees that leaf completes (levels 1, 2, ...), 32 bytes each.
 * So the perfect node (level l, index i) is bytes 32 l .. 32 l + 31 of the
 * row of leaf (i + 1) 2^l - 1 (docs/ledger.md, "Storage"). */
typedef struct omb_ledger_row {
    uint64_t leaf;
    const uint8_t *hashes;
    size_t len;
} omb_ledger_row;

/* A party that countersigns tree heads, with its Ed25519 public key. */
typedef struct omb_witness {
    int64_t party_id;
    char party_code[OMB_CODE_LEN];
    uint8_t public_key[OMB_SIGN_PUBLIC_LEN];
    omb_ms created_at;
    int64_t created_by;
} omb_witness;

typedef struct omb_cosignature {
    uint64_t size; /* the head countersigned */
    int64_t party_id;
    char party_code[OMB_CODE_LEN];
    uint8_t public_key[OMB_SIGN_PUBLIC_LEN];
    uint8_t signature[OMB_SIGNATURE_LEN];
    omb_ms at;
    int64_t user_id;
} omb_cosignature;

/* A user's saved view of a page of the web workbench: the page's list
 * query under a name (app/views.c). */
#define OMB_VIEW_NAME_MAX  80   /* characters */
#define OMB_VIEW_PAGE_MAX  32   /* ASCII identifier */
#define OMB_VIEW_QUERY_MAX 2000 /* bytes */
typedef struct omb_view {
    int64_t id, user_id;
    char page[OMB_VIEW_PAGE_MAX + 1];
    char name[OMB_VIEW_NAME_MAX * 4 + 1];
    char query[OMB_VIEW_QUERY_MAX + 1];
    omb_ms created_at, updated_at;
} omb_view;

/* Whole-ledger walks in order (verify): rows are omb_ledger_event or omb_ledger_row. */
enum omb_cursor_kind { OMB_CURSOR_EVENTS, OMB_CURSOR_LEDGER };
typedef struct omb_cursor omb_cursor;

typedef struct omb_store_vtab {
    /* ---- version 1: the store ---- */
    int version; /* the OMB_STORE_VERSION the backend was built for */
    const char *name;

    int (*open)(const char *dsn, int flags, omb_store **out, omb_err *err);
    void (*close)(omb_store *s);

    /* Transactions.  begin keeps every other writer of the database out
     * until commit or rollback (SQLite: BEGIN IMMEDIATE; a server backend:
     * a lock taken at begin), so that the app's view of the ledger's end
     * stays true for the whole transaction.  savepoint/release/rollback_to
     * nest one level inside begin; after a failed rollback_to or release
     * the app abandons the transaction.  commit returns once the transaction is durable.
     * commit_lazy returns once other connections see it; it is durable when a later sync returns.
     * sync makes every commit before it durable, and is the one call that may run on another thread
     * while the owner works. */
    int (*begin)(omb_store *s, omb_err *err);
    int (*commit)(omb_store *s, omb_err *err);
    int (*commit_lazy)(omb_store *s, omb_err *err);
    int (*sync)(omb_store *s, omb_err *err);
    int (*rollback)(omb_store *s);
    int (*savepoint)(omb_store *s, omb_err *err);
    int (*release)(omb_store *s, omb_err *err);
    int (*rollback_to)(omb_store *s);

    /* Key-value settings (schema version, secrets' fingerprints, ...). */
    int (*meta_get)(omb_store *s, const char *key, omb_buf *out, omb_err *err);
    int (*meta_set)(omb_store *s, const char *key, const char *value, omb_err *err);

    /* Parties, users, products, cooperations.  *_insert sets ->id. */
    int (*party_insert)(omb_store *s, omb_party *p, omb_err *err);
    int (*party_get)(omb_store *s, int64_t id, omb_party *out, omb_err *err);
    int (*party_by_code)(omb_store *s, const char *code, omb_party *out, omb_err *err);
    int (*party_list)(omb_store *s, int (*cb)(void *, const omb_party *), void *ctx, omb_err *err);

    int (*user_insert)(omb_store *s, omb_user *u, omb_err *err);
    int (*user_get)(omb_store *s, int64_t id, omb_user *out, omb_err *err);
    int (*user_by_username)(omb_store *s, const char *username, omb_user *out, omb_err *err);
    int (*user_list)(omb_store *s, int64_t party_id, int (*cb)(void *, const omb_user *), void *ctx,
                     omb_err *err);

    int (*product_insert)(omb_store *s, omb_product *p, omb_err *err);
    int (*product_get)(omb_store *s, int64_t id, omb_product *out, omb_err *err);
    int (*product_list)(omb_store *s, int (*cb)(void *, const omb_product *), void *ctx,
                        omb_err *err);

    int (*cooperation_insert)(omb_store *s, omb_cooperation *c, omb_err *err);
    int (*cooperation_get)(omb_store *s, int64_t id, omb_cooperation *out, omb_err *err);
    /* The cooperation of a product (a product has at most one). */
    int (*cooperation_by_product)(omb_store *s, int64_t product_id, omb_cooperation *out,
                                  omb_err *err);
    int (*cooperation_list)(omb_store *s, int (*cb)(void *, const omb_cooperation *), void *ctx,
                            omb_err *err);

    /* Tokens: only the SHA-256 of a token is stored. */
    int (*token_insert)(omb_store *s, int64_t user_id, const unsigned char hash[32],
                        const char *label, omb_ms created_at, omb_ms expires_at, omb_err *err);
    /* Finds the active user of an unexpired, unrevoked token; OMB_EUNAUTH otherwise. */
    int (*token_lookup)(omb_store *s, const unsigned char hash[32], omb_ms now, omb_user *out,
                        omb_ms *expires_at, omb_err *err);
    int (*token_revoke)(omb_store *s, const unsigned char hash[32], omb_ms now, omb_err *err);

    /* Complaints.  next_number bumps the day's counter inside the transaction. */
    int (*complaint_next_seq)(omb_store *s, int32_t yyyymmdd, int64_t *seq, omb_err *err);
    /* Inserts (c->id == 0, sets it) or updates the projection, and the
     * involved parties listed in c->doc "parties".  The document's
     * "clock_events" are stored apart from it, so that readers parse only
     * them.  When doc_text is not NULL it receives the stored document (without
     * the history) as text (caller frees). */
    int (*complaint_save)(omb_store *s, omb_complaint *c, char **doc_text, omb_err *err);
    int (*complaint_load)(omb_store *s, const char *no, omb_complaint *out, omb_err *err);
    /* The stored document and clock history of a complaint the party is
     * involved in (0 = any): OMB_ENOTFOUND when absent or not visible to it. */
    int (*complaint_doc)(omb_store *s, const char *no, int64_t viewer_party, omb_buf *doc,
                         omb_buf *history, int64_t *id, omb_err *err);
    int (*complaint_list)(omb_store *s, const omb_complaint_filter *f, omb_complaint_row_cb cb,
                          void *ctx, omb_err *err);
    int (*complaint_count)(omb_store *s, int64_t *count, omb_err *err);

    /* Retired in version 6 (event_insert and ledger_insert took its place):
     * the app never calls it; backends make it fail. */
    int (*retired_event_append)(omb_store *s, omb_event *ev, omb_err *err);
    /* Walks one complaint's events in order. */
    int (*event_list)(omb_store *s, int64_t complaint_id, omb_event_cb cb, void *ctx, omb_err *err);

    /* Idempotency keys: get fills out (OMB_ENOTFOUND when new). */
    int (*idem_get)(omb_store *s, int64_t user_id, const char *key, omb_idem *out, omb_err *err);
    int (*idem_put)(omb_store *s, const omb_idem *in, omb_ms now, omb_err *err);

    /* Attachments: blobs are files; the store indexes them and their links. */
    int (*attachment_link)(omb_store *s, int64_t complaint_id, const omb_attachment *a, omb_ms now,
                           omb_err *err);
    /* OMB_OK when the blob is linked to a complaint the party may see (0 = any). */
    int (*attachment_visible)(omb_store *s, const char *sha256, int64_t viewer_party,
                              omb_attachment *out, omb_err *err);

    /* Clocks.  save replaces the rows of a complaint; due walks the clocks
     * whose next alert is at or before `now`, earliest first, through the
     * index (complaint ids may repeat); list and stats serve the API. */
    int (*clocks_save)(omb_store *s, int64_t complaint_id, const omb_clock_row *rows, size_t n,
                       omb_err *err);
    int (*clocks_due)(omb_store *s, omb_ms now, int limit,
                      int (*cb)(void *, int64_t complaint_id, omb_ms next_alert_at), void *ctx,
                      omb_err *err);
    int (*clocks_list)(omb_store *s, const omb_clock_filter *f,
                       int (*cb)(void *, const omb_clock_row *), void *ctx, omb_err *err);
    int (*clocks_stats)(omb_store *s, const omb_clock_filter *f, omb_ms now,
                        int (*cb)(void *, const omb_clock_stats *), void *ctx, omb_err *err);
    /* The document of a complaint by id (the sweeper), no visibility check. */
    int (*complaint_load_id)(omb_store *s, int64_t id, omb_complaint *out, omb_err *err);

    /* ---- version 2: multi-party linkage ---- */

    /* Whether a user takes new complaints from dispatch. */
    int (*user_set_duty)(omb_store *s, int64_t user_id, bool on_duty, omb_err *err);
    /* Open complaints assigned to a user now (kept as complaints change). */
    int (*agent_load)(omb_store *s, int64_t user_id, int64_t *open, omb_err *err);
    /* Tasks and transfers: save replaces a complaint's rows; due walks those
     * whose next alert has come, earliest first; list serves task inboxes. */
    int (*tasks_save)(omb_store *s, int64_t complaint_id, const omb_task_row *rows, size_t n,
                      omb_err *err);
    int (*tasks_due)(omb_store *s, omb_ms now, int limit,
                     int (*cb)(void *, int64_t complaint_id, omb_ms next_alert_at), void *ctx,
                     omb_err *err);
    int (*tasks_list)(omb_store *s, const omb_task_filter *f,
                      int (*cb)(void *, const omb_task_row *), void *ctx, omb_err *err);
    /* Keyed blind indexes of personal data ("phone", "id_number"); find
     * walks the complaints with that index the party may see, newest first. */
    int (*pii_index_put)(omb_store *s, const char *kind, const unsigned char blind[OMB_BLIND_LEN],
                         int64_t complaint_id, omb_err *err);
    int (*pii_index_find)(omb_store *s, const char *kind, const unsigned char blind[OMB_BLIND_LEN],
                          int64_t viewer_party, int limit,
                          int (*cb)(void *, int64_t complaint_id, const char *no), void *ctx,
                          omb_err *err);
    /* Webhooks of parties (party 0 = all). */
    int (*webhook_insert)(omb_store *s, omb_webhook *w, omb_err *err);
    int (*webhook_get)(omb_store *s, int64_t id, omb_webhook *out, omb_err *err);
    int (*webhook_list)(omb_store *s, int64_t party_id, int (*cb)(void *, const omb_webhook *),
                        void *ctx, omb_err *err);
    int (*webhook_set_active)(omb_store *s, int64_t id, bool active, omb_err *err);
    /* The outbox.  due walks pending deliveries whose time has come, in id
     * order, only the earliest pending one of each (webhook, complaint);
     * result records an attempt; next_at is the earliest time one of those
     * deliveries is due (0 for none). */
    int (*outbox_add)(omb_store *s, int64_t webhook_id, int64_t complaint_id, int64_t event_id,
                      omb_ms now, omb_err *err);
    int (*outbox_due)(omb_store *s, omb_ms now, int limit,
                      int (*cb)(void *, const omb_outbox_row *), void *ctx, omb_err *err);
    int (*outbox_result)(omb_store *s, int64_t id, bool delivered, int status, const char *error,
                         omb_ms next_at, omb_ms now, omb_err *err);
    int (*outbox_list)(omb_store *s, int64_t webhook_id, const char *state, int64_t after_id,
                       int limit, int (*cb)(void *, const omb_outbox_row *), void *ctx,
                       omb_err *err);
    int (*outbox_next_at)(omb_store *s, omb_ms *next, omb_err *err);
    /* Complaint events after an id, for a party (0 = all), in id order. */
    int (*events_since)(omb_store *s, int64_t after_id, int64_t viewer_party, int limit,
                        int (*cb)(void *, const omb_feed_row *), void *ctx, omb_err *err);
    /* Settlements: save marks the complaint's earlier parts superseded and adds rows. */
    int (*settlements_save)(omb_store *s, int64_t complaint_id, const omb_settlement_row *rows,
                            size_t n, omb_err *err);
    int (*settlements_list)(omb_store *s, const omb_settlement_filter *f,
                            int (*cb)(void *, const omb_settlement_row *), void *ctx, omb_err *err);

    /* ---- version 3: evidence ledger ---- */

    /* The number of leaves (the largest leaf index + 1, 0 for none). */
    int (*ledger_size)(omb_store *s, uint64_t *size, omb_err *err);
    /* The stored perfect node (level, index), read from its row as
     * omb_ledger_row says; OMB_ENOTFOUND past the tree, OMB_EIO for a row
     * too short to hold it. */
    int (*ledger_node)(omb_store *s, unsigned level, uint64_t index, omb_hash out, omb_err *err);
    /* Retired in version 6 (event_entry took its place: the app formats the
     * leaf bytes): the app never calls it; backends make it fail. */
    int (*retired_ledger_entry)(omb_store *s, int64_t complaint_id, int64_t seq, uint64_t *leaf,
                                omb_buf *bytes, omb_err *err);
    /* Signed tree heads: put keeps the first head of a size; get with size
     * 0 is the latest (OMB_ENOTFOUND for none); list walks sizes > after. */
    int (*head_put)(omb_store *s, const omb_tree_head *h, omb_err *err);
    int (*head_get)(omb_store *s, uint64_t size, omb_tree_head *out, omb_err *err);
    int (*heads_list)(omb_store *s, uint64_t after, int limit,
                      int (*cb)(void *, const omb_tree_head *), void *ctx, omb_err *err);
    /* Witnesses (one key per party; put replaces it) and their
     * countersignatures (one per party and head: OMB_ECONFLICT for a second). */
    int (*witness_put)(omb_store *s, const omb_witness *w, omb_err *err);
    int (*witness_get)(omb_store *s, int64_t party_id, omb_witness *out, omb_err *err);
    int (*witness_list)(omb_store *s, int (*cb)(void *, const omb_witness *), void *ctx,
                        omb_err *err);
    int (*cosignature_put)(omb_store *s, const omb_cosignature *c, omb_err *err);
    /* Countersignatures of one head (size 0 = of every head), by size then party. */
    int (*cosignatures_list)(omb_store *s, uint64_t size,
                             int (*cb)(void *, const omb_cosignature *), void *ctx, omb_err *err);
    /* Cursors: next fills the row and returns OMB_OK, or OMB_ENOTFOUND at
     * the end.  A cursor stays usable while the same connection writes in
     * the same transaction (the backfill of the ledger walks events while
     * it inserts ledger rows). */
    int (*cursor_open)(omb_store *s, enum omb_cursor_kind kind, omb_cursor **out, omb_err *err);
    int (*cursor_next)(omb_cursor *c, void *row, omb_err *err);
    void (*cursor_close)(omb_cursor *c);

    /* ---- version 5: note and attachment visibility; deactivating users ---- */

    /* Marks a complaint event as seen by one party alone (a party-only note
     * or file, core/visibility.h): events_since leaves it out for the others. */
    int (*event_restrict)(omb_store *s, int64_t event_id, int64_t party_id, omb_err *err);
    /* The party an event is seen by alone, 0 when every party involved sees it. */
    int (*event_restricted_to)(omb_store *s, int64_t event_id, int64_t *party_id, omb_err *err);
    /* attachment_link for a file seen by party_id alone (0: by every party
     * involved, which lifts the restriction of the same file on the same
     * complaint); attachment_visible finds a file for a party only through
     * a link that party sees. */
    int (*attachment_link_for)(omb_store *s, int64_t complaint_id, const omb_attachment *a,
                               omb_ms now, int64_t party_id, omb_err *err);

    /* Sets whether a user may log in and use tokens (OMB_ENOTFOUND: no user). */
    int (*user_set_active)(omb_store *s, int64_t user_id, bool active, omb_err *err);
    /* Revokes every unrevoked token of a user; *count says how many. */
    int (*user_tokens_revoke)(omb_store *s, int64_t user_id, omb_ms now, int64_t *count,
                              omb_err *err);
    /* How many active users with the role belong to parties of the kind. */
    int (*users_active_count)(omb_store *s, const char *party_kind, enum omb_role role,
                              int64_t *count, omb_err *err);

    /* ---- version 6: the ledger computed above the store ---- */

    /* Inserts an event under the id the app gives it in ev->id (its leaf
     * index + 1) with the payload text as given: the app serialises
     * ev->payload once and hashes those bytes into the leaf, so they must
     * come back byte for byte (no JSON column type that rewrites them).  A
     * complaint event needs complaint_id and seq.  An id that exists
     * already is refused (OMB_ECONFLICT or OMB_EIO): the uniqueness of ids
     * and leaves is the last guard of the ledger. */
    int (*event_insert)(omb_store *s, const omb_event *ev, const char *payload, size_t payload_len,
                        omb_err *err);
    /* Inserts the ledger row of a leaf as given (see omb_ledger_row); a leaf
     * that exists already is refused. */
    int (*ledger_insert)(omb_store *s, const omb_ledger_row *row, omb_err *err);
    /* The largest event id, 0 when there is none. */
    int (*event_last_id)(omb_store *s, int64_t *id, omb_err *err);
    /* The stored event seq of a complaint, as the ledger reads it (cb's
     * return is passed on); OMB_ENOTFOUND when there is none. */
    int (*event_entry)(omb_store *s, int64_t complaint_id, int64_t seq,
                       int (*cb)(void *, const omb_ledger_event *), void *ctx, omb_err *err);
    /* Asked right after begin, once other writers are kept out: whether
     * another connection committed between the end of this connection's
     * previous transaction and this begin (true for its first one), so that
     * what the app remembers of the rows (the ledger's frontier) may no
     * longer mirror them.  A backend that cannot tell answers true. */
    int (*others_committed)(omb_store *s, bool *yes, omb_err *err);
    /* The oldest interface version the backend serves in full (6 for a
     * backend without the entries retired in 6): an app built for an older
     * version refuses it. */
    int oldest;

    /* ---- version 7: what the web workbench keeps and reads: saved views, the
     * log of personal-data reads, the dashboard's counts ---- */

    /* A user's saved views.  insert sets v->id; a second view of the same
     * user with the same page and name is OMB_ECONFLICT (insert and update
     * alike).  get, update and delete find a view by its id and its user:
     * OMB_ENOTFOUND when that user has no such view.  update replaces the
     * page, name, query and updated_at; list walks a user's views by id;
     * count says how many the user has. */
    int (*view_insert)(omb_store *s, omb_view *v, omb_err *err);
    int (*view_get)(omb_store *s, int64_t user_id, int64_t id, omb_view *out, omb_err *err);
    int (*view_update)(omb_store *s, const omb_view *v, omb_err *err);
    int (*view_delete)(omb_store *s, int64_t user_id, int64_t id, omb_err *err);
    int (*view_list)(omb_store *s, int64_t user_id, int (*cb)(void *, const omb_view *), void *ctx,
                     omb_err *err);
    int (*view_count)(omb_store *s, int64_t user_id, int64_t *count, omb_err *err);

    /* pii_read events, newest first (the log of personal-data reads). */
    int (*pii_reads_list)(omb_store *s, const omb_pii_read_filter *f,
                          int (*cb)(void *, const omb_pii_read_row *), void *ctx, omb_err *err);
    /* The complaints a party sees counted by state and grade, then by day of
     * receipt inside the window, in that order. */
    int (*complaint_stats)(omb_store *s, const omb_stats_filter *f,
                           int (*cb)(void *, const omb_stats_row *), void *ctx, omb_err *err);
} omb_store_vtab;

/* The SQLite backend. */
extern const omb_store_vtab omb_store_sqlite;

/* The vtab an omb_store belongs to (every backend's struct begins with it). */
struct omb_store {
    const omb_store_vtab *vt;
};

#endif
