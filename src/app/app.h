/*
 * app.h - the use cases of ombud and the context they run in.
 *
 * An omb_app holds what every use case needs: configuration, the taxonomy,
 * the clock, the store backend and the writer.  Writes are jobs: the caller
 * (an HTTP handler, the CLI) validates its input, fills an omb_job and
 * hands it to the writer, which runs many jobs in one transaction (a job
 * that fails leaves nothing behind) and reports back only once the batch
 * has reached the disk.  Reads run on the caller's own reader connection and never wait
 * for the writer; only their answers wait, when needed, for the disk
 * (omb_writer_await_durable).
 */
#ifndef OMB_APP_H
#define OMB_APP_H

#include "app/config.h"
#include "core/calendar.h"
#include "core/clock.h"
#include "core/complaint.h"
#include "core/err.h"
#include "core/grade.h"
#include "core/model.h"
#include "core/sha256.h"
#include "core/taxonomy.h"
#include "store/store.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct omb_writer omb_writer;
typedef struct omb_sweeper omb_sweeper;
typedef struct omb_deliverer omb_deliverer;
typedef struct omb_hub omb_hub;
typedef struct omb_routing omb_routing;
typedef struct omb_login_guard omb_login_guard;

/* Keys derived from the key file (pii.c). */
typedef struct omb_keys {
    unsigned char pii[32];           /* seals the complainant's personal data */
    unsigned char blind[32];         /* blind indexes */
    unsigned char webhook[32];       /* seals webhook secrets */
    unsigned char csrf[32];          /* derives a browser session's CSRF token (auth.c) */
    unsigned char ledger_public[32]; /* signs tree heads (Ed25519) */
    unsigned char ledger_secret[64];
} omb_keys;

/* A webhook as the writer fans events out to it: its party and the event
 * types it subscribes to (writer thread only). */
typedef struct omb_webhook_sub {
    int64_t id, party_id;
    json_t *events; /* array of types, "*" for all */
} omb_webhook_sub;

/* Who is asking: the user behind a token. */
typedef struct omb_principal {
    int64_t user_id;
    int64_t party_id;
    enum omb_role role;
    char username[OMB_CODE_LEN * 2];
    char party_kind[OMB_CODE_LEN];
    unsigned char token_hash[32];
} omb_principal;

typedef struct omb_readers omb_readers;

typedef struct omb_app {
    omb_config cfg;
    const omb_store_vtab *backend;
    omb_taxonomy *taxonomy;
    omb_grade_policy grade_policy;
    omb_clock_rules clock_rules;
    omb_calendar *calendar;
    /* Parties with a calendar of their own (a layer over `calendar`). */
    struct omb_party_calendar {
        int64_t party_id;
        omb_calendar *calendar;
    } * party_calendars;
    size_t n_party_calendars;
    omb_sweeper *sweeper; /* started by the server, NULL otherwise */
    omb_writer *writer;
    omb_keys keys;
    omb_routing *routing;
    omb_deliverer *deliverer; /* started by the server, NULL otherwise */
    omb_hub *hub;             /* live event streams; always present */
    /* writer thread only: the active webhooks, reloaded when webhooks_stale */
    omb_webhook_sub *webhook_subs;
    size_t n_webhook_subs;
    bool webhooks_stale;
    atomic_llong clock_offset_ms; /* test clock: added to the real time */
    atomic_llong clock_fixed_ms;  /* test clock: when non-zero, the time */
    atomic_llong auth_generation; /* bumped when a token is revoked: drops cached tokens */
    omb_login_guard *login_guard; /* failed logins per username and address (login_guard.c) */
    omb_readers *readers;         /* the reader connection of each thread (readers.c) */
    /* writer thread only: the ledger's frontier (ledger_append.h) */
    struct omb_ledger_tail *ledger_tail;
    /* the web workbench's files (webassets.h): loaded by `serve` when web_root
     * is set, else NULL; freed by omb_app_close */
    struct omb_webassets *web;
} omb_app;

/* ---- lifetime ------------------------------------------------------------ */

/* OMB_OK when cfg.database exists; else says to run `ombud init` (not_initialised). */
int omb_app_check_database(const omb_config *cfg, omb_err *err);
/* Opens the app on cfg: loads the taxonomy, starts the writer.  The database
 * must exist unless `create` (ombud init). */
int omb_app_open(omb_app **out, const omb_config *cfg, bool create, omb_err *err);
/* The same on a given storage backend (tests wrap the SQLite one to inject faults). */
int omb_app_open_backend(omb_app **out, const omb_config *cfg, bool create,
                         const omb_store_vtab *backend, omb_err *err);
/* Runs every queued write to its end and stops the writer; later
 * submissions fail with OMB_EBUSY. */
void omb_app_drain(omb_app *app);
/* Drains the writer and frees everything. */
void omb_app_close(omb_app *app);
/* A new reader connection (one per thread). */
int omb_app_reader(omb_app *app, omb_store **out, omb_err *err);
/* The calling thread's reader connection from the app's pool (readers.c):
 * opened on first use, closed by omb_app_close; NULL with err filled. */
omb_store *omb_app_reader_for_thread(omb_app *app, omb_err *err);
omb_readers *omb_readers_new(void);
void omb_readers_free(omb_readers *p);

/* Now, by the app's clock (real time, or the test clock when set). */
omb_ms omb_app_now(omb_app *app);

/* ---- the writer ------------------------------------------------------------ */

typedef struct omb_job omb_job;
/* Runs inside the batch transaction.  Returns OMB_OK and sets job->result,
 * or an error with job->err filled: then nothing it wrote remains.  A job
 * may run twice (the writer retries a batch with savepoints when one of its
 * jobs fails), so it must leave its input as it found it. */
typedef int (*omb_job_fn)(omb_app *app, omb_store *s, omb_job *job);

struct omb_job {
    omb_job_fn run;
    void *input;                     /* the use case's validated input */
    void (*input_free)(void *input); /* frees input; set by the use case */
    omb_principal who;
    char idem_key[129];         /* Idempotency-Key, "" when none */
    unsigned char req_hash[32]; /* SHA-256 of method, path and body */
    /* results, valid when done() is called */
    int rc;
    int status;    /* HTTP-neutral success status: 200 or 201 */
    bool replayed; /* answered from the idempotency record */
    omb_err err;
    json_t *result;    /* owned; the body to send on success, or NULL when ... */
    char *result_text; /* owned; ... the body is already text (stored documents, replays) */
    /* optional: called on the writer thread once COMMIT has made a successful
     * job visible to other connections (not yet durable); for effects
     * outside the database, such as dropping caches */
    void (*committed)(omb_app *app, omb_job *job);
    /* live-stream messages to publish once durable: [[text, [party...]], ...] */
    json_t *feed;
    bool outbox_added; /* webhook deliveries were queued */
    /* completion: called from the syncer thread once the job's batch is
     * durable (or has failed) */
    void (*done)(omb_job *job);
    void *done_ctx;
    /* the writer's own */
    omb_job *next;
    int status_queued; /* status before the first run, for a second one */
};

/* Queues a job; done() will be called exactly once.  Fails with OMB_EBUSY
 * when the writer is stopping. */
int omb_writer_submit(omb_writer *w, omb_job *job);
/* Queues a job and waits for it (CLI, tests). */
int omb_writer_run(omb_writer *w, omb_job *job);
/* Queues many jobs and waits for all of them. */
int omb_writer_run_many(omb_writer *w, omb_job **jobs, size_t n);
/* Waits until every commit another connection could have seen so far is
 * durable: a reader calls it before answering, so that nothing a power
 * loss could take back leaves the server.  OMB_EIO once a sync has failed. */
int omb_writer_await_durable(omb_writer *w, omb_err *err);
/* Whether a failed sync has stopped all writing (health check). */
bool omb_writer_broken(omb_writer *w);
/* Figures for /v1/health and the bench. */
typedef struct omb_writer_stats {
    long long batches, jobs, failed_commits, queued;
} omb_writer_stats;
void omb_writer_stats_get(omb_writer *w, omb_writer_stats *out);

void omb_job_init(omb_job *job, omb_job_fn run, void *input, const omb_principal *who);
void omb_job_release(omb_job *job);
/* The job's result as JSON (a new reference; parses result_text when needed). */
json_t *omb_job_result(const omb_job *job);

/* ---- authentication ------------------------------------------------------ */

/* Finds the principal of a bearer token; OMB_EUNAUTH when unknown. */
int omb_auth_token(omb_app *app, omb_store *reader, const char *token, omb_principal *out,
                   omb_err *err);
/* Hashes a password with Argon2id (interactive limits). */
int omb_auth_hash_password(const char *password, char out[OMB_PWHASH_LEN], omb_err *err);
/* A new random token: "omb_" + 43 base64url characters. */
void omb_auth_new_token(char out[64], unsigned char hash[32]);
void omb_auth_token_hash(const char *token, unsigned char hash[32]);
/* A browser session's CSRF token: base64url of HMAC-SHA-256 of the session
 * token's hash under keys.csrf (43 characters). */
#define OMB_CSRF_LEN 48
void omb_auth_csrf(const omb_app *app, const unsigned char token_hash[32], char out[OMB_CSRF_LEN]);
/* True when `sent` is the session's CSRF token (compared in constant time). */
bool omb_auth_csrf_ok(const omb_app *app, const unsigned char token_hash[32], const char *sent);
/* Drops every cached token of every thread (after a revocation). */
void omb_auth_forget_all(omb_app *app);
/* The rules of a new password beyond its length (core/password.h, with the
 * built-in list of common passwords): 422 weak_password, field password. */
int omb_auth_check_password(const char *username, const char *password, omb_err *err);

/* Throttling password guesses per username and per client address
 * (login_guard.c).  begin before checking a password: 0 when the attempt
 * may go ahead, else the ms to wait; every attempt that began must end. */
enum omb_login_outcome { OMB_LOGIN_FAILED, OMB_LOGIN_SUCCEEDED, OMB_LOGIN_CANCELLED };
omb_login_guard *omb_login_guard_new(const omb_config *cfg);
void omb_login_guard_free(omb_login_guard *g);
omb_ms omb_login_guard_begin(omb_login_guard *g, const char *username, const char *address,
                             omb_ms now);
/* Returns the lockout the failure earned in ms (0 for none). */
omb_ms omb_login_guard_end(omb_login_guard *g, const char *username, const char *address,
                           omb_ms now, enum omb_login_outcome outcome);

/* ---- use cases: writes (each builds a job) -------------------------------- */

/* POST /v1/complaints: body validated against omb_complaint_create_fields. */
int omb_uc_create_complaint(omb_app *app, omb_job *job, json_t *body, omb_err *err);
/* Import a complaint in a historical state ("received", "investigating", "closed");
 * source (may be NULL) becomes the document's `source` object, as given. */
int omb_uc_import_complaint(omb_app *app, omb_job *job, json_t *body, const char *state,
                            const json_t *source, omb_err *err);
/* POST /v1/complaints/{no}/actions/{action}. */
int omb_uc_complaint_action(omb_app *app, omb_job *job, const char *no, enum omb_action action,
                            json_t *body, omb_err *err);
/* POST /v1/complaints/{no}/attachments: the blob is already stored.
 * visibility: "party", "involved" or NULL for the configured default. */
int omb_uc_attach(omb_app *app, omb_job *job, const char *no, const char *sha256, int64_t size,
                  const char *name, const char *content_type, const char *visibility, omb_err *err);
/* Attaches free text written by ombud itself as a text file (text/plain; charset=utf-8), such
 * as an imported narrative: the file stored (its sha256 into sha256) is the text with its
 * personal data masked, and the whole original is sealed into the attach event, whose payload
 * then says "masked": true, to be read through omb_uc_reveal_texts. */
int omb_uc_attach_text(omb_app *app, omb_job *job, const char *no, const char *text, size_t len,
                       const char *name, const char *visibility, char sha256[65], omb_err *err);
/* Whether the principal may attach a file to the complaint now: checked
 * before an upload is read, so that a refused upload never reaches the disk
 * (the writer checks again when the attachment is recorded). */
int omb_uc_attach_allowed(omb_app *app, omb_store *r, const omb_principal *who, const char *no,
                          omb_err *err);

int omb_uc_create_party(omb_app *app, omb_job *job, json_t *body, omb_err *err);
int omb_uc_create_user(omb_app *app, omb_job *job, json_t *body, omb_err *err);
int omb_uc_create_product(omb_app *app, omb_job *job, json_t *body, omb_err *err);
int omb_uc_create_cooperation(omb_app *app, omb_job *job, json_t *body, omb_err *err);
/* POST /v1/tokens (login) from the client `address`: no principal needed.
 * When the username or the address must wait (OMB_ELIMIT), *retry_after_s
 * says how many seconds. */
int omb_uc_login(omb_app *app, omb_store *reader, omb_job *job, json_t *body, const char *address,
                 int *retry_after_s, omb_err *err);
/* POST /v1/sessions (a browser's sign-in): the login's checks and throttle;
 * the answer also holds csrf_token, and its token goes into a cookie. */
int omb_uc_open_session(omb_app *app, omb_store *reader, omb_job *job, json_t *body,
                        const char *address, int *retry_after_s, omb_err *err);
int omb_uc_issue_token(omb_app *app, omb_job *job, const char *username, const char *label,
                       int ttl_hours, omb_err *err);
int omb_uc_revoke_token(omb_app *app, omb_job *job, omb_err *err);
/* POST /v1/users/{id}/deactivate, /activate and DELETE /v1/users/{id}/tokens:
 * an admin of the user's party or of the operator. */
enum omb_user_change { OMB_USER_DEACTIVATE, OMB_USER_ACTIVATE, OMB_USER_REVOKE_TOKENS };
int omb_uc_change_user(omb_app *app, omb_job *job, int64_t user_id, enum omb_user_change what,
                       omb_err *err);

/* ---- use cases: reads ------------------------------------------------------ */

int omb_q_complaint(omb_app *app, omb_store *r, const omb_principal *who, const char *no,
                    omb_buf *out, omb_err *err);
int omb_q_timeline(omb_app *app, omb_store *r, const omb_principal *who, const char *no,
                   json_t **out, omb_err *err);
/* Parses list filters from query parameters (name/value pairs). */
int omb_q_filter_parse(omb_app *app, const omb_principal *who, const char *const *names,
                       const char *const *values, size_t n, omb_complaint_filter *f, omb_err *err);
/* Writes {"items":[...],"next_cursor":...} into out. */
int omb_q_list(omb_app *app, omb_store *r, const omb_complaint_filter *f, omb_buf *out,
               omb_err *err);
int omb_q_parties(omb_app *app, omb_store *r, const omb_principal *who, json_t **out, omb_err *err);
int omb_q_party(omb_app *app, omb_store *r, const omb_principal *who, int64_t id, json_t **out,
                omb_err *err);
int omb_q_users(omb_app *app, omb_store *r, const omb_principal *who, json_t **out, omb_err *err);
int omb_q_user(omb_app *app, omb_store *r, const omb_principal *who, int64_t id, json_t **out,
               omb_err *err);
int omb_q_products(omb_app *app, omb_store *r, const omb_principal *who, json_t **out,
                   omb_err *err);
int omb_q_product(omb_app *app, omb_store *r, const omb_principal *who, int64_t id, json_t **out,
                  omb_err *err);
int omb_q_cooperations(omb_app *app, omb_store *r, const omb_principal *who, json_t **out,
                       omb_err *err);
int omb_q_cooperation(omb_app *app, omb_store *r, const omb_principal *who, int64_t id,
                      json_t **out, omb_err *err);
int omb_q_attachment(omb_app *app, omb_store *r, const omb_principal *who, const char *sha256,
                     omb_attachment *out, char *path, size_t path_cap, omb_err *err);
json_t *omb_q_me(const omb_principal *who);
json_t *omb_q_taxonomy(omb_app *app);
/* GET /v1/health: the database, the writer's figures and calendar warnings,
 * read on the calling thread's pooled reader; true when all is well. */
bool omb_q_health(omb_app *app, json_t **out);
/* Complaint events after an id that a party (0 = all) may see, in id
 * order, at most limit (an event stream resuming; queries_link.c). */
int omb_q_events_since(omb_app *app, omb_store *r, int64_t after_id, int64_t viewer_party,
                       int limit, int (*cb)(void *, const omb_feed_row *), void *ctx, omb_err *err);

/* ---- clocks (clocks.c, sweeper.c) ------------------------------------------- */

/* The calendar that counts the working days of a lead party. */
const omb_calendar *omb_app_calendar_for(const omb_app *app, int64_t lead_party);
/* The warnings of GET /v1/health at `now`: an array of {code, message, until}, empty
 * when the calendar's official years reach beyond calendar_warn_days from now. */
json_t *omb_app_calendar_warnings(const omb_app *app, omb_ms now);
/* The clocks of a complaint at `now`, from the history kept in its document. */
int omb_app_clocks(omb_app *app, const omb_complaint *c, omb_ms now, omb_clocks *out, omb_err *err);
/* The clocks projection rows of a complaint (its active clocks); how many. */
size_t omb_app_clock_rows(const omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                          omb_clock_row rows[OMB_CLOCK__COUNT]);
/* Appends a stored document's text to out as party `viewer` sees it
 * (core/visibility.h), with "clocks" at `now` put in before its closing brace. */
int omb_app_view_clocks(int64_t viewer, const char *doc, size_t len, const omb_clocks *cl,
                        omb_ms now, omb_buf *out, omb_err *err);
/* The reader's view of a stored document and its clock history: the
 * document as party `viewer` sees it (core/visibility.h) with its clocks
 * at `now` added. */
int omb_app_view(omb_app *app, int64_t viewer, const char *doc, size_t len, const char *history,
                 size_t history_len, omb_ms now, omb_buf *out, omb_err *err);

/* Starts the thread that raises warnings and escalations for due clocks. */
int omb_sweeper_start(omb_app *app, omb_err *err);
/* Makes the sweeper look now (the test clock moved). */
void omb_sweeper_poke(omb_app *app);
/* Stops the sweeper; call before draining the writer. */
void omb_sweeper_stop(omb_app *app);
/* One sweep at `now`, waiting for its writes: the number of complaints looked at. */
int omb_sweep_once(omb_app *app, omb_store *reader, omb_ms now, long *complaints, long *alerts,
                   omb_err *err);

/* GET /v1/clocks and GET /v1/clocks/compliance. */
int omb_q_clock_filter_parse(omb_app *app, const omb_principal *who, const char *const *names,
                             const char *const *values, size_t n, omb_clock_filter *f, char *state,
                             size_t state_cap, omb_err *err);
int omb_q_clocks(omb_app *app, omb_store *r, const omb_clock_filter *f, const char *state,
                 json_t **out, omb_err *err);
int omb_q_compliance(omb_app *app, omb_store *r, const omb_clock_filter *f, json_t **out,
                     omb_err *err);

/* ---- personal data (pii.c) ---------------------------------------------------- */

typedef struct omb_pii_blind_set {
    bool has_phone, has_id_number;
    unsigned char phone[OMB_BLIND_LEN], id_number[OMB_BLIND_LEN];
} omb_pii_blind_set;

/* Reads the key file (creating it for a database that has none yet). */
int omb_keys_open(omb_app *app, omb_store *ws, omb_err *err);
/* The ledger's public key as the key file of cfg derives it (OMB_ENOTFOUND
 * without a key file), for verifying without opening the app. */
int omb_ledger_key_from_file(const omb_config *cfg, unsigned char public_key[32], omb_err *err);
/* The blind index of a phone or identity number ("phone", "id_number"). */
int omb_pii_blind(const omb_app *app, const char *kind, const char *value,
                  unsigned char out[OMB_BLIND_LEN], omb_err *err);
/* Replaces the complainant's name, phone and identity number with masked
 * values and a sealed box of the originals; fills their blind indexes. */
int omb_pii_seal(const omb_app *app, json_t *complainant, omb_pii_blind_set *blind, omb_err *err);
/* The complainant's personal data in clear: {name, phone, id_number, customer_ref}. */
int omb_pii_open(const omb_app *app, const json_t *complainant, json_t **out, omb_err *err);
/* Masks the personal data found in the free-text fields (OMB_F_TEXT) of a
 * body checked against specs, and seals their originals into
 * body[OMB_SEALED_TEXT] ({"field": original, "object.field": ...}); nothing
 * is added when nothing was found.  *clear (when not NULL) receives the
 * originals for the caller's own use in memory, or NULL. */
int omb_pii_text_seal(const omb_app *app, json_t *body, const omb_field_spec *specs, json_t **clear,
                      omb_err *err);
/* Masks the personal data found in a text file's bytes text[0, len) as free text into masked
 * (a cap of 2 * len + 64 always suffices); when any was found, *sealed receives the sealed box of
 * {OMB_SEALED_FILE_FIELD: the whole original} for the event that attaches the file (the caller
 * frees it), else NULL.  OMB_ETOOBIG "too_large" when masked's cap is reached. */
#define OMB_SEALED_FILE_FIELD "content"
int omb_pii_text_seal_file(const omb_app *app, const char *text, size_t len, omb_buf *masked,
                           char **sealed, omb_err *err);
/* The originals of an event payload's masked free text, {"field": original} (*out NULL when
 * the payload has none); OMB_EIO "unseal_failed" when the key does not open them. */
int omb_pii_text_open(const omb_app *app, const json_t *payload, json_t **out, omb_err *err);
/* Webhook secrets at rest. */
int omb_secret_seal(const omb_app *app, const char *plain, char *out, size_t cap);
int omb_secret_open(const omb_app *app, const char *sealed, char *out, size_t cap);

/* ---- one change of a complaint (commit.c) and the action table (actions.c) ---- */

/* A write of one complaint: the complaint as loaded (or new), with every
 * event of the write folded in as it is added. */
typedef struct omb_change {
    omb_complaint c;
    omb_event *ev; /* the events to record, in order */
    enum omb_action *actions;
    size_t n, cap;
    const omb_pii_blind_set *blind; /* a creation: the complainant's blind indexes, or NULL */
} omb_change;

/* An empty change: then load ch->c, or omb_complaint_init it for a creation. */
void omb_change_init(omb_change *ch);
void omb_change_release(omb_change *ch);
/* Adds an event (taking payload) and folds it into ch->c; the actor is 0
 * for ombud itself.  On failure the change may only be released. */
int omb_change_add(omb_change *ch, enum omb_action action, omb_ms at, int64_t user_id,
                   int64_t party_id, json_t *payload, omb_err *err);
/* The one step that stores a change in the job's transaction: the complaint
 * row, its parties, clocks, tasks and transfers; every event with its
 * ledger leaf, visibility, webhook deliveries and live-stream message; each
 * event's after-hook.  When view_text is not NULL it receives the complaint
 * as party `viewer` sees it now, clocks included. */
int omb_change_commit(omb_app *app, omb_store *s, omb_job *job, omb_change *ch, int64_t viewer,
                      char **view_text);
/* The SSE message of a complaint event ("id: ...\nevent: ...\ndata: {...}\n\n"). */
void omb_feed_format(const omb_feed_row *f, omb_buf *out);
/* Frees the writer's list of webhooks (app->webhook_subs). */
void omb_app_free_webhook_subs(omb_app *app);

/* What an action's write does beyond what every write does (actions.c). */
typedef struct omb_action_hooks {
    enum omb_action action; /* the row's own action */
    bool listed;            /* false for an action the table forgot */
    /* on the caller's thread: what the body must satisfy beyond the
     * action's field table (a creation, which has none, checks its whole
     * body here), and defaults */
    int (*check)(omb_app *app, json_t *body, omb_err *err);
    /* in the transaction, before the fold: what the action refers to,
     * checked, and what it derives, added to the payload (job->err) */
    int (*refs)(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c, json_t *payload);
    /* in the transaction, after the event is stored: the rows that follow */
    int (*after)(omb_app *app, omb_store *s, omb_job *job, const omb_change *ch,
                 const omb_event *ev);
} omb_action_hooks;

/* The row of an action (a row of NULL hooks for an unknown one). */
const omb_action_hooks *omb_action_hooks_get(enum omb_action action);
/* Loads a complaint the principal's party is involved in (404 not_found otherwise, and for a
 * malformed number). */
int omb_app_load_visible(omb_store *s, const omb_principal *who, const char *no, omb_complaint *c,
                         omb_err *err);

/* ---- multi-party linkage (linkage.c, tasks.c, webhooks.c, deliver.c, hub.c) --------- */

/* A time as RFC 3339 text, or JSON null for 0. */
json_t *omb_time_json(omb_ms t);

/* Stores an event (complaint or audit) as the next leaf of the evidence
 * ledger, inside the job's transaction: the one way events enter the store
 * (ledger_append.c).  Sets ev->id; a complaint event needs ev->complaint_no. */
int omb_ledger_append(omb_app *app, omb_store *s, omb_event *ev, omb_err *err);
/* Routes a new complaint (run_create): the dispatch event's payload.  clear
 * holds the free text as written where the document masks it (or NULL). */
int omb_app_dispatch(omb_app *app, omb_store *s, const omb_complaint *c, const json_t *clear,
                     json_t **payload, omb_err *err);
/* The least-loaded agent of a party on duty with the skill (0 when none). */
int omb_app_pick_agent(omb_app *app, omb_store *s, int64_t party, const char *queue,
                       const char *business, const char *cause, int64_t *user_id, omb_err *err);
/* An active agent or supervisor of the party (422 invalid_value assignee otherwise). */
int omb_app_check_assignee(omb_store *s, int64_t party, int64_t id, omb_err *err);
/* The hooks of the multi-party actions (refs, see omb_action_hooks). */
int omb_refs_transfer(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                      json_t *payload);
int omb_refs_acknowledge_transfer(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                                  json_t *payload);
int omb_refs_decline_transfer(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                              json_t *payload);
int omb_refs_request_task(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                          json_t *payload);
int omb_refs_answer_task(omb_app *app, omb_store *s, omb_job *job, const omb_complaint *c,
                         json_t *payload);
int omb_app_save_settlement(omb_app *app, omb_store *s, omb_job *job, const omb_change *ch,
                            const omb_event *ev);
/* Checks the party rule of an action for the principal on complaint c. */
int omb_app_party_check(const omb_complaint *c, const omb_principal *who, enum omb_action action,
                        const json_t *body, omb_err *err);

/* ---- what a user may do to a complaint as it stands (allowed.c) ----------------- */

#define OMB_TASKS_MAX 1000 /* party tasks of one complaint */

/*
 * The standing of an action: whether `who` may take `action` on c as it
 * stands, with `body` naming what the action refers to (task, clock, pause,
 * days): the lifecycle table (*to: the next state; to may be NULL), the party
 * rule, and what the action needs of the complaint's pending objects (409
 * transfer_pending, too_many_tasks; for extend, pause and resume the clock
 * checks of core/clock.h).  cl: the complaint's clocks at now, or NULL to
 * compute them when needed.  The write of an action runs it before the checks
 * that read other records; omb_app_actions_allowed is made of it.
 */
int omb_app_action_check(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                         const omb_principal *who, enum omb_action action, const json_t *body,
                         enum omb_state *to, omb_err *err);
/* The names of the actions users take (omb_action_offered) that `who` may
 * take on c now: those omb_app_action_check lets through with some body
 * naming one of the complaint's tasks, clocks, pauses or extension steps.
 * cl: the complaint's clocks at now (not NULL). */
json_t *omb_app_actions_allowed(omb_app *app, const omb_complaint *c, const omb_clocks *cl,
                                const omb_principal *who);
/* The clock extend, pause and resume take when the body names none: the
 * decision's, in review the review decision's. */
const char *omb_app_default_clock(const omb_complaint *c);
/* GET /v1/actions: {"actions":[...]}, the catalogue of the actions users take,
 * from the lifecycle table and the actions' field tables. */
json_t *omb_q_actions(void);
/* GET /v1/complaints/{no}/actions: {"no","state","version","actions"}, the
 * actions the reader may take on the complaint now (omb_app_actions_allowed). */
int omb_q_complaint_actions(omb_app *app, omb_store *r, const omb_principal *who, const char *no,
                            json_t **out, omb_err *err);
/* The tasks projection rows of a complaint from its document. */
int omb_app_save_tasks(omb_app *app, omb_store *s, const omb_complaint *c, omb_err *err);
/* Adds the events of overdue tasks and unacknowledged transfers to the
 * sweeper's change (inside its job). */
int omb_app_sweep_tasks(omb_app *app, omb_change *ch, omb_ms now, int *alerts, omb_err *err);
/* The settlement of a decision with compensation (payload["settlement"]);
 * its rows are stored by the decision's after-hook, omb_app_save_settlement. */
int omb_app_settlement(omb_app *app, omb_store *s, const omb_complaint *c, json_t *payload,
                       omb_err *err);

/* Use cases. */
int omb_uc_reveal(omb_app *app, omb_job *job, const char *no, const char *purpose, omb_err *err);
/* GET /v1/complaints/{no}/events/{seq}/texts: the event's masked free text in clear. */
int omb_uc_reveal_texts(omb_app *app, omb_job *job, const char *no, int64_t seq,
                        const char *purpose, omb_err *err);

/* ---- saved views (views.c) ------------------------------------------------------- */

/* GET, POST /v1/me/views and PUT, DELETE /v1/me/views/{id}: the principal's own views. */
int omb_q_views(omb_app *app, omb_store *r, const omb_principal *who, json_t **out, omb_err *err);
int omb_uc_create_view(omb_app *app, omb_job *job, json_t *body, omb_err *err);
int omb_uc_update_view(omb_app *app, omb_job *job, int64_t id, json_t *body, omb_err *err);
int omb_uc_delete_view(omb_app *app, omb_job *job, int64_t id, omb_err *err);

/* ---- evidence ledger (ledger.c) ------------------------------------------------ */

/* omb_uc_event_proof's answer when the event is not yet under a signed head:
 * the job is ready to sign one and answer; submit it to the writer. */
#define OMB_PROOF_PENDING 1

/* Signs a tree head of the ledger as it stands (200 with the latest head when
 * it has not grown, 201 with a new one). */
int omb_uc_sign_head(omb_app *app, omb_job *job, omb_err *err);
/* The sweeper's step: signs a head when the ledger has grown and
 * head_interval_ms has passed since the last. */
int omb_ledger_tick(omb_app *app, omb_store *reader, omb_err *err);
json_t *omb_q_ledger_key(omb_app *app);
/* A stored head with its countersignatures (size 0 = the latest). */
int omb_q_ledger_head(omb_app *app, omb_store *r, uint64_t size, json_t **out, omb_err *err);
int omb_q_ledger_heads(omb_app *app, omb_store *r, const char *const *names,
                       const char *const *values, size_t n, json_t **out, omb_err *err);
int omb_q_consistency(omb_app *app, omb_store *r, const char *const *names,
                      const char *const *values, size_t n, json_t **out, omb_err *err);
int omb_q_inclusion(omb_app *app, omb_store *r, const char *const *names, const char *const *values,
                    size_t n, json_t **out, omb_err *err);
/* The inclusion proof of a visible complaint's event seq under the latest
 * head, or (receipt) the complaint's receipt: OMB_OK with *out, or
 * OMB_PROOF_PENDING with job ready to run. */
int omb_uc_event_proof(omb_app *app, omb_store *r, omb_job *job, const char *no, int64_t seq,
                       bool receipt, json_t **out, omb_err *err);
int omb_uc_register_witness(omb_app *app, omb_job *job, json_t *body, omb_err *err);
int omb_q_witnesses(omb_app *app, omb_store *r, const omb_principal *who, json_t **out,
                    omb_err *err);
int omb_uc_cosign(omb_app *app, omb_job *job, uint64_t size, json_t *body, omb_err *err);

/* ---- verifying the ledger (verify.c) ----------------------------------------------- */

typedef struct omb_verify_options {
    const unsigned char *public_key; /* checks head signatures with it; NULL skips them */
    const char *attachments;         /* the attachments directory; NULL skips the bytes */
} omb_verify_options;

typedef struct omb_verify_stats {
    uint64_t size; /* leaf positions walked */
    uint64_t events, leaves, heads, cosignatures, attachments;
    uint64_t problems;
} omb_verify_stats;

/* Receives each finding: {"kind", "message", and the leaf, event, node or head}. */
typedef void (*omb_verify_finding_fn)(void *ctx, const json_t *finding);

/* Walks the whole ledger of a (reader) store; OMB_OK when the walk ran, with
 * stats->problems findings reported. */
int omb_verify(omb_store *r, const omb_verify_options *opt, omb_verify_finding_fn finding,
               void *ctx, omb_verify_stats *stats, omb_err *err);
int omb_uc_set_duty(omb_app *app, omb_job *job, int64_t user_id, json_t *body, omb_err *err);
int omb_uc_create_webhook(omb_app *app, omb_job *job, json_t *body, omb_err *err);
int omb_uc_webhook_active(omb_app *app, omb_job *job, int64_t id, bool active, omb_err *err);
int omb_q_tasks(omb_app *app, omb_store *r, const omb_principal *who, const char *const *names,
                const char *const *values, size_t n, json_t **out, omb_err *err);
int omb_q_webhooks(omb_app *app, omb_store *r, const omb_principal *who, json_t **out,
                   omb_err *err);
int omb_q_webhook(omb_app *app, omb_store *r, const omb_principal *who, int64_t id, json_t **out,
                  omb_err *err);
int omb_q_deliveries(omb_app *app, omb_store *r, const omb_principal *who, int64_t id,
                     const char *const *names, const char *const *values, size_t n, json_t **out,
                     omb_err *err);
int omb_q_settlements(omb_app *app, omb_store *r, const omb_principal *who,
                      const char *const *names, const char *const *values, size_t n, json_t **out,
                      omb_err *err);
int omb_q_repeat(omb_app *app, omb_store *r, const omb_principal *who, const char *const *names,
                 const char *const *values, size_t n, json_t **out, omb_err *err);
/* The workbench's reads (queries_reads.c): the log of personal-data reads,
 * the dashboard's counts and the dispatch rules in force. */
int omb_q_pii_reads(omb_app *app, omb_store *r, const omb_principal *who, const char *const *names,
                    const char *const *values, size_t n, json_t **out, omb_err *err);
int omb_q_stats(omb_app *app, omb_store *r, const omb_principal *who, const char *const *names,
                const char *const *values, size_t n, json_t **out, omb_err *err);
int omb_q_routing(omb_app *app, omb_store *r, const omb_principal *who, const char *const *names,
                  const char *const *values, size_t n, json_t **out, omb_err *err);

/* Webhook deliveries: a thread that sends the outbox in order per complaint. */
omb_ms omb_wall_now(void); /* real time, whatever the test clock says */
int omb_deliverer_start(omb_app *app, omb_err *err);
void omb_deliverer_poke(omb_app *app);
void omb_deliverer_stop(omb_app *app);
/* X-Ombud-Signature for a body at unix time t: "t=<t>,v1=<hex HMAC-SHA-256(secret, t.body)>". */
void omb_webhook_signature(const char *secret, long long t, const char *body, size_t len, char *out,
                           size_t cap);

/* Live streams of events per party (hub.c). */
typedef struct omb_sub omb_sub;
omb_hub *omb_hub_new(void);
void omb_hub_free(omb_hub *h);
/* A subscription to a party's events (0 = every party); wake is called
 * (from any thread) when there is something to read. */
omb_sub *omb_hub_subscribe(omb_hub *h, int64_t party, void (*wake)(void *), void *wake_ctx);
void omb_hub_unsubscribe(omb_hub *h, omb_sub *sub);
/* Moves what is queued for sub into out (SSE text); returns false when the
 * subscriber fell too far behind and must reconnect. */
bool omb_hub_take(omb_hub *h, omb_sub *sub, omb_buf *out);
/* Publishes an SSE message to the subscribers of the listed parties. */
void omb_hub_publish(omb_hub *h, const int64_t *parties, size_t n, const char *text, size_t len);
/* Ends every stream (shutdown): take() answers false from now on. */
void omb_hub_close(omb_hub *h);
/* Whether anyone subscribes now (the writer builds messages only then). */
bool omb_hub_listening(omb_hub *h);
/* Wakes every subscriber (keep-alive, shutdown). */
void omb_hub_wake_all(omb_hub *h);

/* Appends an audit event about a non-complaint subject ("user", 7). */
int omb_app_audit(omb_app *app, omb_store *s, omb_job *job, const char *type, const char *kind,
                  int64_t id, json_t *payload);

/* Codes, usernames and the like are ASCII identifiers: 1 to max letters,
 * digits, '.', '_', '-', starting with a letter or digit, for they appear in
 * URLs, logs and files.  Checks body[field] (422 invalid_value otherwise). */
int omb_app_check_identifier(const json_t *body, const char *field, size_t max, omb_err *err);
/* Whether the principal is an admin of the operator party, who sees and
 * manages every party. */
bool omb_app_operator_admin(const omb_principal *who);

/* JSON views of the model. */
json_t *omb_party_json(const omb_party *p);
json_t *omb_user_json(const omb_user *u);
json_t *omb_product_json(const omb_product *p);
json_t *omb_cooperation_json(const omb_cooperation *c);

/* Plausible times (times.c): a creation's received_at and institution_received_at,
 * and the time fields of an action on complaint c; 422 invalid_value naming the field. */
int omb_app_check_create_times(omb_app *app, const json_t *body, omb_err *err);
int omb_app_check_action_times(omb_app *app, const omb_complaint *c, enum omb_action action,
                               const json_t *payload, omb_err *err);

/* ---- attachment blobs (blobs.c) -------------------------------------------- */

/* An upload streamed to a temporary file under <attachments>/tmp while
 * being hashed, then placed at its content address. */
typedef struct omb_upload {
    int fd; /* -1 when no file is open */
    char tmp[OMB_PATH_MAX + 24];
    size_t size;
    bool failed; /* a write to the file failed */
    omb_sha256_ctx hash;
    char sha256[65]; /* set by omb_upload_digest */
} omb_upload;

/* An upload with no file (what omb_upload_abort accepts too). */
void omb_upload_init(omb_upload *u);
/* Creates the temporary file. */
int omb_upload_begin(omb_app *app, omb_upload *u, omb_err *err);
/* Writes and hashes n more bytes; OMB_EIO (and u->failed) when the disk refuses. */
int omb_upload_append(omb_upload *u, const void *data, size_t n);
/* The SHA-256 of what was appended, in hex; no more appends after it. */
const char *omb_upload_digest(omb_upload *u);
/* Syncs the file and moves it to its content address. */
int omb_upload_finish(omb_app *app, omb_upload *u, omb_err *err);
/* Closes and removes whatever of the upload is left. */
void omb_upload_abort(omb_upload *u);
/* Opens the stored blob of sha256 for reading: *fd (the caller closes it)
 * and its *size; 500 blob_missing when it is not on disk. */
int omb_blob_open(omb_app *app, const char *sha256, int *fd, uint64_t *size, omb_err *err);
/* Attachments on disk: <dir>/<aa>/<sha256>. */
int omb_blob_path(omb_app *app, const char *sha256, char *out, size_t cap);
/* Moves the synced file tmp to the content address of sha256 and syncs its folder. */
int omb_blob_place(omb_app *app, const char *tmp, const char *sha256, omb_err *err);
/* Stores data[len] at its content address (durably: file and folder synced) and gives its
 * SHA-256 in hex; a blob already there is kept. */
int omb_blob_put(omb_app *app, const void *data, size_t len, char sha256[65], omb_err *err);
/* Removes the upload files (<attachments>/tmp/up-*) that a server which
 * stopped mid-upload left; only for the process that holds the database's
 * lock (dblock.h), since a running server's uploads live there too.
 * *removed counts them. */
int omb_blob_clean_uploads(omb_app *app, long *removed, omb_err *err);

#endif
