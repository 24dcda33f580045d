/*
 * hub.c - live event streams: the writer publishes each committed event of
 * a complaint to the subscribers of the parties involved in it; the HTTP
 * layer holds one subscription per server-sent-event connection and takes
 * what is queued when woken.
 *
 * A subscriber's queue is capped: one that falls more than
 * SUB_QUEUE_MAX behind is told to reconnect (and replays what it missed
 * from the event log with Last-Event-ID), so a slow screen never holds
 * memory or the writer back.
 */
#include "app.h"

#include <stdlib.h>
#include <string.h>

#define SUB_QUEUE_MAX (1u << 20)

struct omb_sub {
    int64_t party; /* 0 = every party */
    omb_buf queue;
    bool overflow;
    void (*wake)(void *);
    void *wake_ctx;
    omb_sub *prev, *next;
};

struct omb_hub {
    pthread_mutex_t lock;
    omb_sub *head;
    atomic_int subscribers;
    bool closed;
};

bool omb_hub_listening(omb_hub *h)
{
    return atomic_load_explicit(&h->subscribers, memory_order_relaxed) > 0;
}

omb_hub *omb_hub_new(void)
{
    omb_hub *h = omb_xcalloc(1, sizeof *h);
    pthread_mutex_init(&h->lock, NULL);
    return h;
}

void omb_hub_free(omb_hub *h)
{
    if (!h)
        return;
    pthread_mutex_destroy(&h->lock);
    free(h);
}

omb_sub *omb_hub_subscribe(omb_hub *h, int64_t party, void (*wake)(void *), void *wake_ctx)
{
    omb_sub *s = omb_xcalloc(1, sizeof *s);
    s->party = party;
    s->wake = wake;
    s->wake_ctx = wake_ctx;
    omb_buf_init(&s->queue, SUB_QUEUE_MAX);
    pthread_mutex_lock(&h->lock);
    s->next = h->head;
    if (h->head)
        h->head->prev = s;
    h->head = s;
    atomic_fetch_add(&h->subscribers, 1);
    pthread_mutex_unlock(&h->lock);
    return s;
}

void omb_hub_unsubscribe(omb_hub *h, omb_sub *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&h->lock);
    if (s->prev)
        s->prev->next = s->next;
    else
        h->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    atomic_fetch_sub(&h->subscribers, 1);
    pthread_mutex_unlock(&h->lock);
    omb_buf_release(&s->queue);
    free(s);
}

bool omb_hub_take(omb_hub *h, omb_sub *s, omb_buf *out)
{
    pthread_mutex_lock(&h->lock);
    bool ok = !s->overflow && !h->closed;
    if (ok && s->queue.len && omb_buf_append(out, s->queue.data, s->queue.len) != OMB_OK)
        ok = false;
    omb_buf_reset(&s->queue);
    pthread_mutex_unlock(&h->lock);
    return ok;
}

static bool wants(const omb_sub *s, const int64_t *parties, size_t n)
{
    if (!s->party)
        return true;
    for (size_t i = 0; i < n; i++)
        if (parties[i] == s->party)
            return true;
    return false;
}

void omb_hub_publish(omb_hub *h, const int64_t *parties, size_t n, const char *text, size_t len)
{
    pthread_mutex_lock(&h->lock);
    for (omb_sub *s = h->head; s; s = s->next) {
        if (s->overflow || !wants(s, parties, n))
            continue;
        if (omb_buf_append(&s->queue, text, len) != OMB_OK)
            s->overflow = true;
        s->wake(s->wake_ctx);
    }
    pthread_mutex_unlock(&h->lock);
}

void omb_hub_close(omb_hub *h)
{
    pthread_mutex_lock(&h->lock);
    h->closed = true;
    for (omb_sub *s = h->head; s; s = s->next)
        s->wake(s->wake_ctx);
    pthread_mutex_unlock(&h->lock);
}

void omb_hub_wake_all(omb_hub *h)
{
    pthread_mutex_lock(&h->lock);
    for (omb_sub *s = h->head; s; s = s->next)
        s->wake(s->wake_ctx);
    pthread_mutex_unlock(&h->lock);
}
