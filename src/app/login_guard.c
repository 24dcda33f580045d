/*
 * login_guard.c - throttling password guesses: failed logins are counted
 * per username and per client address (core/throttle.h) and a key that
 * failed too often is locked out for a time that grows with each lockout.
 *
 * Both tables have a fixed size, so memory stays bounded whatever is
 * sent.  Keys are a SipHash of the username or address under a key made
 * at start, so nobody can aim many keys at one set of a table.  The counts
 * live in memory only: a restart forgets them.  Unknown usernames are
 * counted like known ones, so the answers do not tell them apart.  Times
 * come from the app's clock (the test clock moves them too).
 */
#include "app.h"
#include "core/throttle.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Slots per table: 4096 x 40 bytes, 160 KiB each. */
#define GUARD_SLOTS 4096

struct omb_login_guard {
    pthread_mutex_t mu;
    omb_throttle users, addresses;
    omb_throttle_rule user_rule, address_rule;
    unsigned char key[crypto_shorthash_KEYBYTES];
};

omb_login_guard *omb_login_guard_new(const omb_config *cfg)
{
    omb_login_guard *g = omb_xcalloc(1, sizeof *g);
    pthread_mutex_init(&g->mu, NULL);
    omb_throttle_init(&g->users, GUARD_SLOTS);
    omb_throttle_init(&g->addresses, GUARD_SLOTS);
    omb_throttle_rule rule = {0, (omb_ms)cfg->login_window_seconds * 1000,
                              (omb_ms)cfg->login_lockout_seconds * 1000,
                              (omb_ms)cfg->login_lockout_max_seconds * 1000};
    g->user_rule = g->address_rule = rule;
    g->user_rule.max_failures = cfg->login_max_failures_user;
    g->address_rule.max_failures = cfg->login_max_failures_address;
    randombytes_buf(g->key, sizeof g->key);
    return g;
}

void omb_login_guard_free(omb_login_guard *g)
{
    if (!g)
        return;
    omb_throttle_free(&g->users);
    omb_throttle_free(&g->addresses);
    pthread_mutex_destroy(&g->mu);
    sodium_memzero(g->key, sizeof g->key);
    free(g);
}

static uint64_t key_of(const omb_login_guard *g, const char *text)
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)text, strlen(text), g->key);
    uint64_t k;
    memcpy(&k, h, sizeof k);
    return k ? k : 1;
}

omb_ms omb_login_guard_begin(omb_login_guard *g, const char *username, const char *address,
                             omb_ms now)
{
    uint64_t u = key_of(g, username), a = key_of(g, address);
    pthread_mutex_lock(&g->mu);
    omb_ms wait_user = omb_throttle_begin(&g->users, &g->user_rule, u, now);
    omb_ms wait_address = omb_throttle_begin(&g->addresses, &g->address_rule, a, now);
    if (wait_user == 0 && wait_address)
        omb_throttle_end(&g->users, &g->user_rule, u, now, OMB_THROTTLE_CANCELLED);
    if (wait_address == 0 && wait_user)
        omb_throttle_end(&g->addresses, &g->address_rule, a, now, OMB_THROTTLE_CANCELLED);
    pthread_mutex_unlock(&g->mu);
    return wait_user > wait_address ? wait_user : wait_address;
}

omb_ms omb_login_guard_end(omb_login_guard *g, const char *username, const char *address,
                           omb_ms now, enum omb_login_outcome outcome)
{
    uint64_t u = key_of(g, username), a = key_of(g, address);
    enum omb_throttle_outcome for_user = outcome == OMB_LOGIN_FAILED      ? OMB_THROTTLE_FAILED
                                         : outcome == OMB_LOGIN_SUCCEEDED ? OMB_THROTTLE_SUCCEEDED
                                                                          : OMB_THROTTLE_CANCELLED;
    /* A success forgets the username's failures, not the address's: one
     * account of its own must not let an address guess at the others. */
    enum omb_throttle_outcome for_address =
        outcome == OMB_LOGIN_FAILED ? OMB_THROTTLE_FAILED : OMB_THROTTLE_CANCELLED;
    pthread_mutex_lock(&g->mu);
    omb_ms lock_user = omb_throttle_end(&g->users, &g->user_rule, u, now, for_user);
    omb_ms lock_address = omb_throttle_end(&g->addresses, &g->address_rule, a, now, for_address);
    pthread_mutex_unlock(&g->mu);
    return lock_user > lock_address ? lock_user : lock_address;
}
