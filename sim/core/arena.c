/* arena.c -- bump arena (see arena.h): a list of blocks, newest first;
 * an allocation takes the next 16-byte-aligned bytes of the newest block
 * or opens a block big enough for it. A reset keeps the first block, so a
 * loop that resets per item allocates nothing once warm. */
#include "sim/core/arena.h"

#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"

struct etsim_arena_block {
    etsim_arena_block *next;
    size_t used, cap;
    _Alignas(16) char data[];
};

#define ARENA_BLOCK_MIN (64 * 1024)

void etsim_arena_init(etsim_arena *a) { a->head = a->first = NULL; }

static etsim_arena_block *arena_new_block(size_t need) {
    size_t cap = need > ARENA_BLOCK_MIN ? need : ARENA_BLOCK_MIN;
    etsim_arena_block *b = etsim_malloc(sizeof *b + cap);
    b->next = NULL;
    b->used = 0;
    b->cap = cap;
    return b;
}

void *etsim_arena_alloc(etsim_arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->cap - a->head->used < n) {
        etsim_arena_block *b = arena_new_block(n);
        b->next = a->head;
        a->head = b;
        if (!a->first) a->first = b;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

void etsim_arena_reset(etsim_arena *a) {
    etsim_arena_block *b = a->head;
    while (b && b != a->first) {
        etsim_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = a->first;
    if (a->first) a->first->used = 0;
}

void etsim_arena_free(etsim_arena *a) {
    etsim_arena_block *b = a->head;
    while (b) {
        etsim_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = a->first = NULL;
}

char *etsim_arena_strndup(etsim_arena *a, const char *s, size_t n) {
    char *p = etsim_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}
char *etsim_arena_strdup(etsim_arena *a, const char *s) { return etsim_arena_strndup(a, s, strlen(s)); }
char *etsim_arena_concat(etsim_arena *a, const char *x, const char *y) {
    size_t nx = strlen(x), ny = strlen(y);
    char *p = etsim_arena_alloc(a, nx + ny + 1);
    memcpy(p, x, nx);
    memcpy(p + nx, y, ny + 1);
    return p;
}
