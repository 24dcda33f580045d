/*
 * arena.h - per-request memory: many small allocations, one free.
 *
 * A request allocates from its arena and never frees individual pieces; the
 * whole arena is released when the request completes.  Blocks grow
 * geometrically; a total cap bounds what one request may use.
 */
#ifndef OMB_ARENA_H
#define OMB_ARENA_H

#include <stddef.h>

typedef struct omb_arena_block omb_arena_block;

typedef struct omb_arena {
    omb_arena_block *head;
    size_t used_total;
    size_t cap; /* 0 = unlimited */
} omb_arena;

void omb_arena_init(omb_arena *a, size_t cap);
void omb_arena_release(omb_arena *a);
/*
 * Returns NULL only when the cap would be exceeded or n is absurd (more than
 * SIZE_MAX / 4, which no block can hold); aborts when out of memory.
 */
void *omb_arena_alloc(omb_arena *a, size_t n);
char *omb_arena_strndup(omb_arena *a, const char *s, size_t n);
char *omb_arena_strdup(omb_arena *a, const char *s);

#endif
