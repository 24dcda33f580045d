/*
 * verify.c - `ombud verify`: checks the evidence ledger of the database
 * (every event, node, signed head, countersignature and attachment), or
 * with --receipt FILE a complaint receipt alone, offline.
 *
 *   ombud verify [--public-key HEX] [--json] [--no-attachments]
 *   ombud verify --receipt FILE [--public-key HEX]
 *
 * Exit status: 0 verified, 1 problems found, 2 could not check.
 */
#include "cli.h"

#include "core/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct printer {
    bool json;
} printer;

static void print_finding(void *ctx, const json_t *f)
{
    const printer *p = ctx;
    if (p->json) {
        char *line = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS);
        if (line)
            puts(line);
        free(line);
        return;
    }
    const char *kind = omb_json_str(f, "kind", "?");
    printf("FAIL %s", kind);
    if (json_object_get(f, "leaf"))
        printf(" leaf %lld", (long long)omb_json_int(f, "leaf", 0));
    if (json_object_get(f, "last_leaf"))
        printf("..%lld", (long long)omb_json_int(f, "last_leaf", 0));
    if (json_object_get(f, "with_leaf"))
        printf(" <-> leaf %lld", (long long)omb_json_int(f, "with_leaf", 0));
    if (json_object_get(f, "level"))
        printf(" node level %lld index %lld", (long long)omb_json_int(f, "level", 0),
               (long long)omb_json_int(f, "index", 0));
    if (json_object_get(f, "size"))
        printf(" head size %lld", (long long)omb_json_int(f, "size", 0));
    const json_t *ev = json_object_get(f, "event");
    if (ev && json_object_get(ev, "complaint"))
        printf(" (event %lld: complaint %s seq %lld %s)",
               (long long)omb_json_int(ev, "event_id", 0), omb_json_str(ev, "complaint", ""),
               (long long)omb_json_int(ev, "seq", 0), omb_json_str(ev, "type", ""));
    else if (ev)
        printf(" (event %lld: %s %s)", (long long)omb_json_int(ev, "event_id", 0),
               omb_json_str(ev, "subject", ""), omb_json_str(ev, "type", ""));
    if (json_object_get(f, "sha256"))
        printf(" attachment %s", omb_json_str(f, "sha256", ""));
    if (json_object_get(f, "offset"))
        printf(" shifted by %lld", (long long)omb_json_int(f, "offset", 0));
    printf(": %s\n", omb_json_str(f, "message", ""));
}

static int verify_receipt(const char *path, const unsigned char *pinned)
{
    json_error_t jerr;
    json_t *receipt = json_load_file(path, 0, &jerr);
    if (!receipt) {
        cli_error("cannot read receipt %s: %s (line %d)", path, jerr.text, jerr.line);
        return 2;
    }
    omb_receipt_facts facts;
    omb_err err;
    omb_err_clear(&err);
    int rc = omb_receipt_check(receipt, pinned, &facts, &err);
    json_decref(receipt);
    if (rc) {
        printf("FAIL receipt %s: %s: %s\n", path, err.code, err.message);
        return 1;
    }
    printf("OK receipt: complaint %s received %s is leaf %llu of the ledger under the head of "
           "size %llu signed by key %s%s; %d of %d countersignatures verify\n",
           facts.complaint, facts.received_at, (unsigned long long)facts.leaf_index,
           (unsigned long long)facts.tree_size, facts.key_id,
           pinned ? " (the key given)" : " (the key in the receipt: pin it with --public-key)",
           facts.cosignatures_valid, facts.cosignatures);
    return 0;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int cmd_verify(cli_args *a)
{
    unsigned char key[OMB_SIGN_PUBLIC_LEN];
    const unsigned char *pinned = NULL;
    const char *given = cli_opt(a, "public-key", NULL);
    if (given) {
        if (omb_hex_decode(given, key, sizeof key) != OMB_OK) {
            cli_error("--public-key must be 64 hex digits");
            return 2;
        }
        pinned = key;
    }
    const char *receipt = cli_opt(a, "receipt", NULL);
    if (receipt)
        return verify_receipt(receipt, pinned);

    printer p = {cli_flag(a, "json")};
    omb_err err;
    omb_err_clear(&err);
    const char *key_source = "given with --public-key";
    if (!pinned && omb_ledger_key_from_file(&a->cfg, key, &err) == OMB_OK) {
        pinned = key;
        key_source = "derived from the key file";
    }
    omb_store *r;
    int rc = omb_store_sqlite.open(a->cfg.database, OMB_STORE_READONLY, &r, &err);
    if (rc) {
        cli_report(&err);
        return 2;
    }
    if (!pinned) {
        omb_buf stored = OMB_BUF_INIT(256);
        omb_err ignore;
        if (r->vt->meta_get(r, "ledger_public_key", &stored, &ignore) == OMB_OK &&
            omb_hex_decode(omb_buf_str(&stored), key, sizeof key) == OMB_OK) {
            pinned = key;
            key_source = "read from the database itself (pass --public-key to pin it)";
        }
        omb_buf_release(&stored);
    }
    omb_verify_options opt = {pinned, cli_flag(a, "no-attachments") ? NULL : a->cfg.attachments};
    omb_verify_stats st;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = omb_verify(r, &opt, print_finding, &p, &st, &err);
    double secs = seconds_since(&t0);
    r->vt->close(r);
    if (rc) {
        cli_report(&err);
        return 2;
    }
    char key_id[OMB_KEY_ID_HEX + 1] = "none";
    if (pinned)
        omb_ledger_key_id(pinned, key_id);
    if (p.json) {
        json_t *sum = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:f}", "kind", "summary",
                                "leaves", (json_int_t)st.leaves, "events", (json_int_t)st.events,
                                "heads", (json_int_t)st.heads, "cosignatures",
                                (json_int_t)st.cosignatures, "attachments",
                                (json_int_t)st.attachments, "problems", (json_int_t)st.problems,
                                "size", (json_int_t)st.size, "key_id", key_id, "seconds", secs);
        char *line = json_dumps(sum, JSON_COMPACT | JSON_SORT_KEYS);
        puts(line ? line : "{}");
        free(line);
        json_decref(sum);
    } else {
        printf("ledger: %llu leaves, %llu events, %llu signed heads, %llu countersignatures, "
               "%llu attachments; key %s %s; %.2f s\n",
               (unsigned long long)st.leaves, (unsigned long long)st.events,
               (unsigned long long)st.heads, (unsigned long long)st.cosignatures,
               (unsigned long long)st.attachments, key_id,
               pinned ? key_source : "(no key: signatures not checked)", secs);
        if (st.problems)
            printf("FAILED: %llu problems\n", (unsigned long long)st.problems);
        else
            printf("OK: every event, node, head and attachment verifies\n");
    }
    return st.problems ? 1 : 0;
}
