/*
 * ledger.c - benchmarks of the evidence ledger, in process:
 *
 *   leaf appends/s      building an event's leaf bytes, hashing them and
 *                       appending the leaf to the frontier (core only), and
 *                       through the store: events with their ledger rows in
 *                       transactions of 1,000 (the writer's path, hashed in
 *                       app/ledger_append.c)
 *   proof generation    inclusion and consistency proofs from the stored
 *                       nodes of the whole tree, on a reader connection
 *   verify              `ombud verify`'s walk over every event, leaf, node
 *                       and the signed head
 *
 * The events are complaints' creation events (a realistic ~650-byte
 * payload) and dispatch events, two per complaint, as intake writes them.
 * Usage: ledger DB EVENTS   (DB must not exist)
 */
#include "app/app.h"
#include "app/ledger_append.h"
#include "core/ledger.h"
#include "core/merkle.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char creation[] =
    "{\"amount_fen\":356000,\"business\":\"internet_loan\",\"cause\":\"c12\",\"channel\":\"app\","
    "\"claims\":\"停止骚扰性催收，核减违约金\",\"complainant\":{\"customer_ref\":\"C-778812\","
    "\"name\":\"王*明\",\"phone\":\"139****0001\",\"sealed\":\"v1.Zm9vYmFyYmF6cXV4cXV1eHh4eHh4eH"
    "h4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\"},\"complainants\":1,"
    "\"description\":"
    "\"我在易分期借款一万元，逾期三天后每天接到十几个催收电话，还打给我的同事和家人，"
    "言语威胁，严重影响工作和生活。要求停止这种催收方式并说明违约金计算依据。\",\"grade\":"
    "\"general\","
    "\"grade_reasons\":[],\"lead_party\":2,\"loan_ref\":\"LNYF2026001122\",\"no\":\"%s\","
    "\"parties\":[{\"party\":2,\"role\":\"target\"}],\"received_at\":\"2026-11-23T02:00:00.000Z\","
    "\"target_party\":2}";
static const char dispatch[] = "{\"assignee\":3,\"department\":\"collections\",\"lead_party\":2,"
                               "\"queue\":\"collection\",\"rule\":\"collection-harassment\"}";

/* Leaf appends in the core: leaf bytes, SHA-256 and the frontier, no storage. */
static void bench_core(long n)
{
    omb_merkle_frontier *f = omb_xmalloc(sizeof *f);
    omb_merkle_frontier_init(f);
    omb_buf scratch = OMB_BUF_INIT(1 << 20);
    char payload[2048];
    int len = snprintf(payload, sizeof payload, creation, "TS20261123000001");
    omb_ledger_entry e = {"TS20261123000001", 1, "complaint", "received",
                          1795470595154LL,    7, 2,           payload,
                          (size_t)len};
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        omb_hash leaf, done[OMB_MERKLE_LEVELS];
        unsigned n_done;
        e.at++;
        omb_ledger_entry_hash(&scratch, &e, leaf);
        omb_merkle_append(f, leaf, done, &n_done);
    }
    double secs = now_s() - t0;
    printf("core leaf appends (leaf bytes + SHA-256 of a %d-byte payload + frontier): %.0f/s "
           "(%.2f us each)\n",
           len, (double)n / secs, secs / (double)n * 1e6);
    omb_buf_release(&scratch);
    free(f);
}

static void count_finding(void *ctx, const json_t *f)
{
    (void)ctx;
    char *text = json_dumps(f, JSON_COMPACT);
    fprintf(stderr, "finding: %s\n", text ? text : "?");
    free(text);
}

static void die(const char *what, const omb_err *err)
{
    fprintf(stderr, "ledger bench: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ledger DB EVENTS\n");
        return 2;
    }
    long total = strtol(argv[2], NULL, 10);
    if (total < 2 || sodium_init() < 0)
        return 2;
    bench_core(total < 1000000 ? total : 1000000);

    omb_err err;
    omb_err_clear(&err);
    omb_store *w;
    if (omb_store_sqlite.open(argv[1], OMB_STORE_CREATE, &w, &err))
        die("open", &err);
    /* Minimal complaint rows, so that events join to their numbers as in a real store. */
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK)
        die("open complaints", NULL);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db,
                       "INSERT INTO complaints(id, no, state, grade, channel, received_at, "
                       "updated_at, version, doc) VALUES (?1, ?2, 'received', 'general', 'app', "
                       "0, 0, 2, '{}')",
                       -1, &ins, NULL);
    long complaints = total / 2;
    for (long i = 1; i <= complaints; i++) {
        char no[24];
        snprintf(no, sizeof no, "TS2026%08ld", i % 100000000);
        sqlite3_bind_int64(ins, 1, i);
        sqlite3_bind_text(ins, 2, no, -1, SQLITE_TRANSIENT);
        sqlite3_step(ins);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);

    /* Events with their leaves through the store, 1,000 per transaction,
     * hashed above it as the writer does (app/ledger_append.c). */
    omb_ledger_tail *tail = omb_ledger_tail_new();
    char no[24];
    double t0 = now_s();
    long done = 0;
    for (long i = 1; i <= complaints; i++) {
        if (done % 1000 == 0 && (w->vt->begin(w, &err) || omb_ledger_tail_begin(tail, w, &err)))
            die("begin", &err);
        for (int k = 0; k < 2; k++) {
            omb_event ev;
            snprintf(no, sizeof no, "TS2026%08ld", i % 100000000);
            json_error_t jerr;
            json_t *p = k == 0 ? json_loads(creation, 0, &jerr) : json_loads(dispatch, 0, &jerr);
            if (k == 0)
                json_object_set_new(p, "no", json_string(no));
            omb_event_init(&ev, k == 0 ? "received" : "dispatched", 1795470595154LL + i,
                           k == 0 ? 7 : 0, k == 0 ? 2 : 0, p);
            ev.complaint_id = i;
            ev.seq = k + 1;
            memcpy(ev.complaint_no, no, sizeof no);
            if (omb_ledger_tail_append(tail, w, &ev, &err))
                die("append", &err);
            omb_event_release(&ev);
            done++;
        }
        if (done % 1000 == 0 && w->vt->commit(w, &err))
            die("commit", &err);
    }
    if (done % 1000 && w->vt->commit(w, &err))
        die("commit", &err);
    omb_ledger_tail_free(tail);
    double secs = now_s() - t0;
    printf("store leaf appends (event + ledger row, 1,000 per transaction, synchronous=FULL): "
           "%.0f events/s\n",
           (double)done / secs);

    /* A signed head over the whole tree. */
    unsigned char pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    omb_tree_head h;
    memset(&h, 0, sizeof h);
    if (w->vt->ledger_size(w, &h.size, &err))
        die("size", &err);
    h.at = 1795470595154LL;
    OMB_STORE_NODES(wnodes, w, &err);
    if (omb_merkle_root(&wnodes, h.size, h.root))
        die("root", &err);
    omb_ledger_head_sign(&h, sk);
    if (w->vt->head_put(w, &h, &err))
        die("head", &err);
    w->vt->close(w);

    /* Proofs from a reader connection, at random leaves and sizes. */
    omb_store *r;
    if (omb_store_sqlite.open(argv[1], OMB_STORE_READONLY, &r, &err))
        die("open reader", &err);
    OMB_STORE_NODES(rnodes, r, &err);
    omb_hash path[OMB_MERKLE_PROOF_MAX];
    size_t n_path = 0, hashes = 0;
    const int proofs = 20000;
    uint64_t x = 88172645463325252ULL;
    t0 = now_s();
    for (int i = 0; i < proofs; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (omb_merkle_inclusion_proof(&rnodes, x % h.size, h.size, path, &n_path))
            die("inclusion proof", &err);
        hashes += n_path;
    }
    secs = now_s() - t0;
    printf("inclusion proof at %llu leaves: %.1f us each (%zu hashes)\n",
           (unsigned long long)h.size, secs / proofs * 1e6, hashes / proofs);
    hashes = 0;
    t0 = now_s();
    for (int i = 0; i < proofs; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t first = 1 + x % h.size;
        if (omb_merkle_consistency_proof(&rnodes, first, h.size, path, &n_path))
            die("consistency proof", &err);
        hashes += n_path;
    }
    secs = now_s() - t0;
    printf("consistency proof to %llu leaves: %.1f us each (%zu hashes)\n",
           (unsigned long long)h.size, secs / proofs * 1e6, hashes / proofs);

    /* The whole verify walk. */
    omb_verify_options opt = {pk, NULL};
    omb_verify_stats st;
    t0 = now_s();
    if (omb_verify(r, &opt, count_finding, NULL, &st, &err))
        die("verify", &err);
    secs = now_s() - t0;
    printf("verify %llu events (leaves, nodes, %llu signed head): %.2f s, %llu problems\n",
           (unsigned long long)st.events, (unsigned long long)st.heads, secs,
           (unsigned long long)st.problems);
    r->vt->close(r);
    return st.problems ? 1 : 0;
}
