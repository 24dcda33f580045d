/*
 * throttle.c - failed attempts per key in a fixed-size table.  See throttle.h.
 */
#include "throttle.h"
#include "buf.h"

#include <stdlib.h>
#include <string.h>

void omb_throttle_init(omb_throttle *t, size_t slots)
{
    t->sets = slots / OMB_THROTTLE_WAYS + (slots % OMB_THROTTLE_WAYS != 0);
    if (t->sets == 0)
        t->sets = 1;
    t->slots = omb_xcalloc(t->sets * OMB_THROTTLE_WAYS, sizeof *t->slots);
}

void omb_throttle_free(omb_throttle *t)
{
    free(t->slots);
    t->slots = NULL;
    t->sets = 0;
}

static omb_throttle_slot *set_of(omb_throttle *t, uint64_t key)
{
    return &t->slots[(key % t->sets) * OMB_THROTTLE_WAYS];
}

/* The time from which a key's quiet period runs. */
static omb_ms busy_until(const omb_throttle_slot *s)
{
    return s->last_failure > s->locked_until ? s->last_failure : s->locked_until;
}

/* Forgets the failures of a key that has been quiet for the window. */
static void age(omb_throttle_slot *s, const omb_throttle_rule *rule, omb_ms now)
{
    if (now - busy_until(s) >= rule->window) {
        s->failures = 0;
        s->level = 0;
    }
}

/* A slot no attempt needs: nothing in flight, no lock, nothing counted. */
static bool idle(omb_throttle_slot *s, const omb_throttle_rule *rule, omb_ms now)
{
    if (s->key == 0)
        return true;
    if (s->pending || now < s->locked_until)
        return false;
    age(s, rule, now);
    return s->failures == 0 && s->level == 0;
}

static omb_throttle_slot *find(omb_throttle *t, uint64_t key)
{
    omb_throttle_slot *set = set_of(t, key);
    for (int i = 0; i < OMB_THROTTLE_WAYS; i++)
        if (set[i].key == key)
            return &set[i];
    return NULL;
}

/* The key's slot, made when absent: an idle one, else the one least worth
 * keeping (not locked before locked, then the oldest failure).  NULL when
 * every slot of the set has attempts in flight. */
static omb_throttle_slot *take(omb_throttle *t, const omb_throttle_rule *rule, uint64_t key,
                               omb_ms now)
{
    omb_throttle_slot *s = find(t, key);
    if (s)
        return s;
    omb_throttle_slot *set = set_of(t, key), *victim = NULL;
    for (int i = 0; i < OMB_THROTTLE_WAYS && !victim; i++)
        if (idle(&set[i], rule, now))
            victim = &set[i];
    bool spare = victim != NULL;
    for (int i = 0; i < OMB_THROTTLE_WAYS && !spare; i++) {
        omb_throttle_slot *c = &set[i];
        if (c->pending)
            continue;
        bool locked = now < c->locked_until;
        if (!victim || (now < victim->locked_until && !locked) ||
            ((now < victim->locked_until) == locked && c->last_failure < victim->last_failure))
            victim = c;
    }
    if (victim) {
        memset(victim, 0, sizeof *victim);
        victim->key = key;
    }
    return victim;
}

omb_ms omb_throttle_begin(omb_throttle *t, const omb_throttle_rule *rule, uint64_t key, omb_ms now)
{
    omb_throttle_slot *s = take(t, rule, key, now);
    if (!s)
        return OMB_THROTTLE_BUSY_MS;
    if (now < s->locked_until)
        return s->locked_until - now;
    age(s, rule, now);
    if (s->failures + s->pending >= rule->max_failures)
        return OMB_THROTTLE_BUSY_MS;
    s->pending++;
    return 0;
}

omb_ms omb_throttle_end(omb_throttle *t, const omb_throttle_rule *rule, uint64_t key, omb_ms now,
                        enum omb_throttle_outcome outcome)
{
    omb_throttle_slot *s = find(t, key);
    if (s && s->pending > 0)
        s->pending--;
    if (outcome == OMB_THROTTLE_CANCELLED)
        return 0;
    if (outcome == OMB_THROTTLE_SUCCEEDED) {
        if (s && s->pending == 0)
            memset(s, 0, sizeof *s);
        else if (s)
            s->failures = s->level = 0, s->locked_until = 0;
        return 0;
    }
    if (!s && !(s = take(t, rule, key, now)))
        return 0;
    age(s, rule, now);
    s->failures++;
    s->last_failure = now;
    if (s->failures < rule->max_failures)
        return 0;
    omb_ms lock = rule->lockout;
    for (int i = 0; i < s->level && lock < rule->lockout_max; i++)
        lock *= 2;
    if (lock > rule->lockout_max)
        lock = rule->lockout_max;
    if (s->level < 62)
        s->level++;
    s->locked_until = now + lock;
    s->failures = rule->max_failures - 1;
    return lock;
}
