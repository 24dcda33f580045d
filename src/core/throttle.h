/*
 * throttle.h - counting failed attempts per key (a username, a client
 * address) in a fixed-size table, and the lockout they earn.
 *
 * The table has a fixed number of slots chosen at creation, in sets of
 * OMB_THROTTLE_WAYS; a key (a keyed hash the caller computes, never 0)
 * lives in one set.  When its set is full, a new key takes the slot of a
 * key that is quiet, else of the one least worth keeping (not locked,
 * oldest failure).  Memory is therefore bounded whatever the attacker
 * sends.
 *
 * Rules: every failure counts until the key has been quiet (no failure
 * and no lockout) for `window`.  The failure that reaches `max_failures`
 * locks the key for `lockout`; each further lockout doubles the time up
 * to `lockout_max`, and after a lockout a single failure locks again.
 * Attempts in flight count as failures until they end, so parallel
 * guesses cannot overrun the limit.  A success forgets the key.
 *
 * Pure and single-threaded: the caller serialises the calls and supplies
 * the time.
 */
#ifndef OMB_THROTTLE_H
#define OMB_THROTTLE_H

#include "timeutil.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OMB_THROTTLE_WAYS 8
/* The wait asked for while earlier attempts of a key are still in flight. */
#define OMB_THROTTLE_BUSY_MS 1000

typedef struct omb_throttle_rule {
    int max_failures; /* >= 1 */
    omb_ms window;
    omb_ms lockout;
    omb_ms lockout_max;
} omb_throttle_rule;

typedef struct omb_throttle_slot {
    uint64_t key; /* 0: empty */
    omb_ms last_failure;
    omb_ms locked_until;
    int32_t failures;
    int32_t pending;
    int32_t level; /* lockouts so far */
} omb_throttle_slot;

typedef struct omb_throttle {
    omb_throttle_slot *slots;
    size_t sets;
} omb_throttle;

enum omb_throttle_outcome {
    OMB_THROTTLE_FAILED,    /* a wrong guess: counts */
    OMB_THROTTLE_SUCCEEDED, /* forget the key */
    OMB_THROTTLE_CANCELLED, /* the attempt did not count either way */
};

/* A table of at least `slots` slots (rounded up to whole sets). */
void omb_throttle_init(omb_throttle *t, size_t slots);
void omb_throttle_free(omb_throttle *t);

/* Before an attempt: 0 when it may go ahead (it is then in flight until
 * omb_throttle_end), else how many ms to wait (at least 1). */
omb_ms omb_throttle_begin(omb_throttle *t, const omb_throttle_rule *rule, uint64_t key, omb_ms now);
/* After an attempt that began; returns the lockout it earned in ms (0 for none). */
omb_ms omb_throttle_end(omb_throttle *t, const omb_throttle_rule *rule, uint64_t key, omb_ms now,
                        enum omb_throttle_outcome outcome);

#endif
