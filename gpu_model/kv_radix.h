/* kv_radix.h -- KV-cache accounting over the search's token paths.
 *
 * The search tree is the radix tree of its token paths: a node holds its
 * step's tokens and shares its ancestors' with its siblings. Two users:
 *
 * 1. Replay accounting (no GPU, no capacity): per round, the KV that the
 *    round's forks need resident -- the union of their root paths (shared,
 *    as a radix cache stores it) and the sum of their path lengths (every
 *    path stored separately, no prefix sharing).
 *
 * 2. The KV pool of one serving GPU in the discrete-event simulation: a
 *    radix cache over the problems in flight with reference counts
 *    (running requests pin their paths) and LRU eviction of unreferenced
 *    leaves, as SGLang's RadixCache does. Eviction is by whole node (step).
 *    A pool has slots, one per problem in flight; a slot's nodes are the
 *    problem's cost-trace nodes. */
#ifndef ETSIM_GPU_KV_RADIX_H
#define ETSIM_GPU_KV_RADIX_H

#include <stdint.h>

#include "gpu_model/cost_trace.h"

/* ---- replay accounting ------------------------------------------------ */

typedef struct etsim_kv_replay_stats {
    int32_t rounds;             /* rounds that forked at least one node   */
    double shared_mean, shared_peak;     /* tokens, over those rounds     */
    double unshared_mean, unshared_peak;
    int64_t shared_sum, unshared_sum;    /* token-rounds                  */
} etsim_kv_replay_stats;

/* `stamp` is scratch of t->n_nodes int32 (any contents). */
void etsim_kv_replay_account(const etsim_cost_trace *t, etsim_kv_replay_stats *out,
                             int32_t *stamp);

/* ---- the KV pool of one server ----------------------------------------- */

typedef struct etsim_kvnode {
    double last;                /* last access, simulated seconds         */
    int32_t res;                /* resident tokens                        */
    int32_t ref;                /* running requests whose path holds it   */
    int32_t kids_res;           /* resident children                      */
    uint32_t ver;               /* bumps on every heap push (staleness)   */
    uint8_t resident;
    uint8_t computed;           /* computed on this server before         */
} etsim_kvnode;

typedef struct etsim_kvslot {
    const etsim_cost_trace *tr; /* NULL when the slot is empty            */
    etsim_kvnode *node;
    int64_t cap_node;
    uint32_t gen;               /* bumps on attach/detach (staleness)     */
} etsim_kvslot;

typedef struct etsim_kvheap_ent {
    double last;
    uint64_t order;             /* tie-break: problem << 32 | node         */
    int32_t slot, node;
    uint32_t gen, ver;
} etsim_kvheap_ent;

typedef struct etsim_kvpool {
    int64_t cap;                /* tokens; INT64_MAX / 4 = unlimited      */
    int64_t used;               /* resident tokens                        */
    int64_t unref;              /* resident tokens with ref == 0          */
    int64_t n_resident;         /* resident nodes                          */
    etsim_kvslot *slots;
    int32_t n_slots;
    etsim_kvheap_ent *heap;     /* evictable-leaf candidates, LRU first   */
    int64_t n_heap, cap_heap;
    int32_t *path;              /* scratch: a root path, leaf first       */
    int64_t cap_path;
    int64_t evictions, evicted_tokens;
} etsim_kvpool;

#define ETSIM_KV_UNLIMITED (INT64_MAX / 4)

/* What the path root..node would cost to acquire. */
typedef struct etsim_kvpath {
    int64_t cached;             /* resident tokens on the path            */
    int64_t cached_unref;       /* of those, unreferenced (evictable now) */
    int64_t missing;            /* tokens to (re)compute                  */
    int64_t recompute;          /* of those, computed here before         */
} etsim_kvpath;

void etsim_kvpool_init(etsim_kvpool *p, int64_t cap, int32_t n_slots);
void etsim_kvpool_free(etsim_kvpool *p);
void etsim_kvpool_attach(etsim_kvpool *p, int32_t slot, const etsim_cost_trace *tr);
/* Drop everything the slot holds (nothing may reference it any more). */
void etsim_kvpool_detach(etsim_kvpool *p, int32_t slot);

void etsim_kvpool_scan(const etsim_kvpool *p, int32_t slot, int32_t node, etsim_kvpath *out);
/* Tokens that could be freed now: free space plus unreferenced tokens. */
static inline int64_t etsim_kvpool_avail(const etsim_kvpool *p) {
    return p->cap - p->used + p->unref;
}
/* Evict LRU unreferenced leaves until `tokens` are free. -1 if impossible
 * (the pool is left with as much as it could free). */
int etsim_kvpool_make_room(etsim_kvpool *p, int64_t tokens);
/* Pin root..node, making the missing nodes resident (computed) after
 * evicting room for them. -1 (nothing changed) if room cannot be made. */
int etsim_kvpool_acquire(etsim_kvpool *p, int32_t slot, int32_t node, double now);
/* Unpin root..node at time `now` (its LRU time). */
void etsim_kvpool_release(etsim_kvpool *p, int32_t slot, int32_t node, double now);

/* A node being decoded: open pins it with 0 tokens (its path must be
 * pinned already); tokens are added to the pool in bulk as they are
 * generated (etsim_kvpool_grow, room made by the caller); close fixes its
 * size and unpins it alone; drop frees `tokens` and removes it. */
void etsim_kvpool_open(etsim_kvpool *p, int32_t slot, int32_t node);
static inline void etsim_kvpool_grow(etsim_kvpool *p, int64_t tokens) { p->used += tokens; }
void etsim_kvpool_close(etsim_kvpool *p, int32_t slot, int32_t node, int32_t tokens, double now);
void etsim_kvpool_drop(etsim_kvpool *p, int32_t slot, int32_t node, int32_t tokens);

#endif
