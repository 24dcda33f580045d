/*
 * deliver.c - webhook deliveries from the durable outbox.
 *
 * The writer adds an outbox row for each (webhook, event) in the
 * transaction of the event, so nothing acknowledged is ever lost to a
 * crash.  This thread takes the deliveries whose time has come - for each
 * (webhook, complaint) only the earliest one not yet delivered, so a
 * complaint's events arrive in order - POSTs them with an HMAC-SHA-256
 * signature, and records each attempt through the writer: delivered on a
 * 2xx answer, otherwise retried after a delay that doubles up to
 * webhook_backoff_max_ms.  Delivery is at least once: a receiver
 * deduplicates by the X-Ombud-Delivery header.  Scheduling uses the wall
 * clock, never the test clock of the regulator's time limits.
 */
#include "app.h"
#include "log.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DELIVERY_BATCH 64
#define IDLE_WAIT_MS   5000

struct omb_deliverer {
    omb_app *app;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_bool stop;
    bool poked;
    omb_store *reader;
    CURL *curl;
};

omb_ms omb_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (omb_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void omb_webhook_signature(const char *secret, long long t, const char *body, size_t len, char *out,
                           size_t cap)
{
    char ts[24];
    int tn = snprintf(ts, sizeof ts, "%lld", t);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (size_t)tn);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    char hex[2 * sizeof mac + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, cap, "t=%s,v1=%s", ts, hex);
}

/* One delivery taken from the outbox, with its body built. */
typedef struct delivery {
    int64_t id, webhook_id;
    int attempts;
    char type[40];
    char *body;
    /* result */
    bool delivered;
    int status;
    char error[200];
} delivery;

typedef struct batch {
    delivery d[DELIVERY_BATCH];
    size_t n;
} batch;

static int take(void *ctx, const omb_outbox_row *o)
{
    batch *b = ctx;
    if (b->n == DELIVERY_BATCH)
        return OMB_OK;
    json_error_t jerr;
    json_t *payload = json_loadb(o->payload, o->payload_len, 0, &jerr);
    if (!payload)
        payload = json_object();
    /* Personal data leaves only masked: the sealed boxes stay home. */
    omb_event_payload_public(payload);
    char at[32];
    omb_time_format(o->at, at, sizeof at);
    json_t *body = json_pack("{s:I,s:I,s:{s:I,s:s,s:I,s:s,s:s,s:I,s:I,s:o}}", "delivery",
                             (json_int_t)o->id, "webhook", (json_int_t)o->webhook_id, "event", "id",
                             (json_int_t)o->event_id, "no", o->no, "seq", (json_int_t)o->seq,
                             "type", o->type, "at", at, "actor_user", (json_int_t)o->actor_user,
                             "actor_party", (json_int_t)o->actor_party, "payload", payload);
    delivery *d = &b->d[b->n++];
    memset(d, 0, sizeof *d);
    d->id = o->id;
    d->webhook_id = o->webhook_id;
    d->attempts = o->attempts;
    snprintf(d->type, sizeof d->type, "%s", o->type);
    d->body = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return OMB_OK;
}

static size_t discard(char *ptr, size_t size, size_t n, void *ctx)
{
    return size * n;
}

/* The webhook's URL and secret in clear, or false when it cannot be used. */
static bool hook_of(omb_deliverer *dl, int64_t id, omb_webhook *w, char *secret, size_t cap)
{
    omb_err err;
    if (dl->reader->vt->webhook_get(dl->reader, id, w, &err) != OMB_OK)
        return false;
    return omb_secret_open(dl->app, w->secret, secret, cap) == OMB_OK;
}

static void send_one(omb_deliverer *dl, delivery *d)
{
    omb_webhook w;
    char secret[128];
    if (!d->body || !hook_of(dl, d->webhook_id, &w, secret, sizeof secret)) {
        snprintf(d->error, sizeof d->error, "the webhook or its secret cannot be read");
        return;
    }
    size_t len = strlen(d->body);
    char sig[160], h_sig[200], h_id[64], h_event[80], h_hook[64];
    omb_webhook_signature(secret, omb_wall_now() / 1000, d->body, len, sig, sizeof sig);
    sodium_memzero(secret, sizeof secret);
    snprintf(h_sig, sizeof h_sig, "X-Ombud-Signature: %s", sig);
    snprintf(h_id, sizeof h_id, "X-Ombud-Delivery: %lld", (long long)d->id);
    snprintf(h_event, sizeof h_event, "X-Ombud-Event: %s", d->type);
    snprintf(h_hook, sizeof h_hook, "X-Ombud-Webhook: %lld", (long long)d->webhook_id);
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "User-Agent: ombud-webhooks");
    headers = curl_slist_append(headers, "Expect:");
    headers = curl_slist_append(headers, h_sig);
    headers = curl_slist_append(headers, h_id);
    headers = curl_slist_append(headers, h_event);
    headers = curl_slist_append(headers, h_hook);
    CURL *c = dl->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, w.url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, d->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)dl->app->cfg.webhook_timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)dl->app->cfg.webhook_timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    d->status = (int)status;
    d->delivered = rc == CURLE_OK && status >= 200 && status < 300;
    if (rc != CURLE_OK)
        snprintf(d->error, sizeof d->error, "%s", curl_easy_strerror(rc));
    else if (!d->delivered)
        snprintf(d->error, sizeof d->error, "the receiver answered %ld", status);
}

/* The delay before attempt number `attempts` + 1. */
static omb_ms backoff(const omb_config *cfg, int attempts)
{
    omb_ms delay = cfg->webhook_backoff_ms;
    for (int i = 1; i < attempts && delay < cfg->webhook_backoff_max_ms; i++)
        delay *= 2;
    if (delay > cfg->webhook_backoff_max_ms)
        delay = cfg->webhook_backoff_max_ms;
    return delay + (omb_ms)randombytes_uniform((uint32_t)(delay / 10 + 1));
}

static int run_results(omb_app *app, omb_store *s, omb_job *job)
{
    batch *b = job->input;
    omb_ms now = omb_wall_now();
    int rc = OMB_OK;
    for (size_t i = 0; !rc && i < b->n; i++) {
        delivery *d = &b->d[i];
        if (!d->delivered && !d->error[0] && !d->status)
            continue; /* not attempted in this pass */
        rc = s->vt->outbox_result(s, d->id, d->delivered, d->status, d->error,
                                  d->delivered ? now : now + backoff(&app->cfg, d->attempts + 1),
                                  now, &job->err);
    }
    return rc;
}

/* One pass: returns the number of deliveries attempted. */
static size_t pass(omb_deliverer *dl)
{
    batch *b = omb_xcalloc(1, sizeof *b);
    omb_err err;
    /* Nothing leaves before it is durable: the rows read may be of a batch
     * still being synced. */
    if (dl->reader->vt->outbox_due(dl->reader, omb_wall_now(), DELIVERY_BATCH, take, b, &err) ||
        omb_writer_await_durable(dl->app->writer, &err)) {
        omb_log(OMB_LOG_WARN, "outbox_unreadable", json_pack("{s:s}", "message", err.message));
        for (size_t i = 0; i < b->n; i++)
            free(b->d[i].body);
        free(b);
        return 0;
    }
    /* A webhook that failed in this pass is not tried again until the next. */
    int64_t failed[DELIVERY_BATCH];
    size_t n_failed = 0, attempted = 0;
    for (size_t i = 0; i < b->n; i++) {
        bool skip = false;
        for (size_t k = 0; k < n_failed; k++)
            skip |= failed[k] == b->d[i].webhook_id;
        if (skip || atomic_load(&dl->stop))
            continue;
        send_one(dl, &b->d[i]);
        attempted++;
        if (!b->d[i].delivered) {
            failed[n_failed++] = b->d[i].webhook_id;
            omb_log(OMB_LOG_INFO, "webhook_failed",
                    json_pack("{s:I,s:I,s:i,s:s}", "delivery", (json_int_t)b->d[i].id, "webhook",
                              (json_int_t)b->d[i].webhook_id, "status", b->d[i].status, "error",
                              b->d[i].error));
        }
    }
    if (attempted) {
        omb_job job;
        omb_principal sys;
        memset(&sys, 0, sizeof sys);
        omb_job_init(&job, run_results, b, &sys);
        if (omb_writer_run(dl->app->writer, &job) != OMB_OK)
            omb_log(OMB_LOG_WARN, "outbox_not_updated",
                    json_pack("{s:s}", "message", job.err.message));
        job.input = NULL;
        omb_job_release(&job);
    }
    for (size_t i = 0; i < b->n; i++)
        free(b->d[i].body);
    free(b);
    return attempted;
}

static void *deliverer_main(void *arg)
{
    omb_deliverer *dl = arg;
    for (;;) {
        size_t attempted = pass(dl);
        omb_ms wait = IDLE_WAIT_MS;
        omb_ms next = 0;
        omb_err err;
        if (!attempted && dl->reader->vt->outbox_next_at(dl->reader, &next, &err) == OMB_OK &&
            next) {
            omb_ms until = next - omb_wall_now();
            wait = until < 0 ? 0 : until < wait ? until : wait;
        }
        pthread_mutex_lock(&dl->lock);
        if (!atomic_load(&dl->stop) && !dl->poked && wait > 0 && !attempted) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            long long ns = ts.tv_nsec + (long long)wait * 1000000LL;
            ts.tv_sec += ns / 1000000000LL;
            ts.tv_nsec = ns % 1000000000LL;
            pthread_cond_timedwait(&dl->wake, &dl->lock, &ts);
        }
        bool stop = atomic_load(&dl->stop);
        dl->poked = false;
        pthread_mutex_unlock(&dl->lock);
        if (stop)
            break;
    }
    return NULL;
}

int omb_deliverer_start(omb_app *app, omb_err *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return omb_fail(err, OMB_EIO, "internal", NULL, "libcurl failed to initialise");
    omb_deliverer *dl = omb_xcalloc(1, sizeof *dl);
    dl->app = app;
    pthread_mutex_init(&dl->lock, NULL);
    pthread_cond_init(&dl->wake, NULL);
    dl->curl = curl_easy_init();
    int rc = dl->curl ? omb_app_reader(app, &dl->reader, err)
                      : omb_fail(err, OMB_EIO, "internal", NULL, "cannot make a curl handle");
    if (!rc && pthread_create(&dl->thread, NULL, deliverer_main, dl) != 0)
        rc = omb_fail(err, OMB_EIO, "internal", NULL, "cannot start the delivery thread");
    if (rc) {
        if (dl->reader)
            dl->reader->vt->close(dl->reader);
        if (dl->curl)
            curl_easy_cleanup(dl->curl);
        free(dl);
        return rc;
    }
    app->deliverer = dl;
    return OMB_OK;
}

void omb_deliverer_poke(omb_app *app)
{
    omb_deliverer *dl = app->deliverer;
    if (!dl)
        return;
    pthread_mutex_lock(&dl->lock);
    dl->poked = true;
    pthread_cond_signal(&dl->wake);
    pthread_mutex_unlock(&dl->lock);
}

void omb_deliverer_stop(omb_app *app)
{
    omb_deliverer *dl = app->deliverer;
    if (!dl)
        return;
    pthread_mutex_lock(&dl->lock);
    atomic_store(&dl->stop, true);
    pthread_cond_signal(&dl->wake);
    pthread_mutex_unlock(&dl->lock);
    pthread_join(dl->thread, NULL);
    dl->reader->vt->close(dl->reader);
    curl_easy_cleanup(dl->curl);
    pthread_mutex_destroy(&dl->lock);
    pthread_cond_destroy(&dl->wake);
    free(dl);
    app->deliverer = NULL;
    curl_global_cleanup();
}
