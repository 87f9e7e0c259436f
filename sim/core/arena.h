/* arena.h -- a bump arena: many short-lived allocations owned by one
 * object and released together (etsim_arena_reset after each item of a
 * loop, etsim_arena_free at the end), so early returns never leak. Used by
 * the answer graders (one grading call's strings, sim/eval/pystr.h) and
 * the result reader (one problem's fields, sim/engine/result_read.h). */
#ifndef ETSIM_ARENA_H
#define ETSIM_ARENA_H

#include <stddef.h>

typedef struct etsim_arena_block etsim_arena_block;
typedef struct etsim_arena {
    etsim_arena_block *head; /* current block (newest first)           */
    etsim_arena_block *first; /* kept across resets                    */
} etsim_arena;

void etsim_arena_init(etsim_arena *a);
void etsim_arena_reset(etsim_arena *a);   /* drop all but the first block */
void etsim_arena_free(etsim_arena *a);
void *etsim_arena_alloc(etsim_arena *a, size_t n);
char *etsim_arena_strndup(etsim_arena *a, const char *s, size_t n);
char *etsim_arena_strdup(etsim_arena *a, const char *s);
char *etsim_arena_concat(etsim_arena *a, const char *x, const char *y);

#endif
