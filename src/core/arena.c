/*
 * arena.c - bump allocator over a chain of blocks; see arena.h.
 */
#include "arena.h"
#include "buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct omb_arena_block {
    omb_arena_block *next;
    size_t size;
    size_t used;
    max_align_t data[];
};

#define ARENA_FIRST_BLOCK 4096

void omb_arena_init(omb_arena *a, size_t cap)
{
    a->head = NULL;
    a->used_total = 0;
    a->cap = cap;
}

void omb_arena_release(omb_arena *a)
{
    omb_arena_block *b = a->head;
    while (b) {
        omb_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used_total = 0;
}

void *omb_arena_alloc(omb_arena *a, size_t n)
{
    size_t align = sizeof(max_align_t);
    /* No block can be that large, and rounding it up would wrap to a tiny size
     * (and the block-size doubling below to 0, looping for ever). */
    if (n > SIZE_MAX / 4)
        return NULL;
    n = (n + align - 1) & ~(align - 1);
    if (n == 0)
        n = align;
    if (a->cap && (n > a->cap || a->used_total > a->cap - n))
        return NULL;
    omb_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = b ? b->size * 2 : ARENA_FIRST_BLOCK;
        while (size < n)
            size *= 2;
        omb_arena_block *nb = omb_xmalloc(sizeof *nb + size);
        nb->next = b;
        nb->size = size;
        nb->used = 0;
        a->head = nb;
        b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    a->used_total += n;
    return p;
}

char *omb_arena_strndup(omb_arena *a, const char *s, size_t n)
{
    char *p = n < SIZE_MAX ? omb_arena_alloc(a, n + 1) : NULL; /* n + 1 must not wrap */
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *omb_arena_strdup(omb_arena *a, const char *s)
{
    return omb_arena_strndup(a, s, strlen(s));
}
