/* kv_radix.c -- replay KV accounting and the LRU radix KV pool (see
 * kv_radix.h).
 *
 * The pool keeps per node: resident tokens, a reference count and the
 * number of resident children. Invariants: a resident node's ancestors are
 * resident; a pinned node's ancestors are pinned (requests pin whole root
 * paths). So the unreferenced resident nodes hang below the pinned ones as
 * whole subtrees and every one of them can be evicted, leaves first --
 * which is why `unref` is exactly what eviction can free.
 *
 * Evictable leaves sit in a binary min-heap ordered by (last access,
 * problem, node); entries go stale when a node is pinned again, gains a
 * resident child, or its slot is recycled, and are checked (version and
 * generation) when popped. The heap is rebuilt when stale entries
 * outnumber live nodes, so it stays O(resident nodes). */
#include "gpu_model/kv_radix.h"

#include <stdlib.h>
#include <string.h>

/* ---- replay accounting ------------------------------------------------ */

void etsim_kv_replay_account(const etsim_cost_trace *t, etsim_kv_replay_stats *out,
                             int32_t *stamp) {
    memset(out, 0, sizeof *out);
    for (int32_t i = 0; i < t->n_nodes; i++) stamp[i] = -1;
    for (int32_t r = 0; r < t->n_rounds; r++) {
        int32_t lo = t->round_off[r], hi = t->round_off[r + 1];
        if (lo >= hi) continue;
        int64_t shared = 0, unshared = 0;
        for (int32_t c = lo; c < hi; c++) {
            unshared += t->cum[c];
            /* walk up until a node already counted this round */
            for (int32_t v = c; v >= 0 && stamp[v] != r; v = t->parent[v]) {
                stamp[v] = r;
                shared += t->tokens[v];
            }
        }
        out->rounds++;
        out->shared_sum += shared;
        out->unshared_sum += unshared;
        if (shared > out->shared_peak) out->shared_peak = (double)shared;
        if (unshared > out->unshared_peak) out->unshared_peak = (double)unshared;
    }
    if (out->rounds) {
        out->shared_mean = (double)out->shared_sum / out->rounds;
        out->unshared_mean = (double)out->unshared_sum / out->rounds;
    }
}

/* ---- heap --------------------------------------------------------------- */

static int ent_less(const etsim_kvheap_ent *a, const etsim_kvheap_ent *b) {
    if (a->last != b->last) return a->last < b->last;
    return a->order < b->order;
}

static void heap_up(etsim_kvheap_ent *h, int64_t i) {
    etsim_kvheap_ent e = h[i];
    while (i > 0) {
        int64_t par = (i - 1) / 2;
        if (!ent_less(&e, &h[par])) break;
        h[i] = h[par];
        i = par;
    }
    h[i] = e;
}

static void heap_down(etsim_kvheap_ent *h, int64_t n, int64_t i) {
    etsim_kvheap_ent e = h[i];
    for (;;) {
        int64_t l = 2 * i + 1, m = i;
        const etsim_kvheap_ent *best = &e;
        if (l < n && ent_less(&h[l], best)) m = l, best = &h[l];
        if (l + 1 < n && ent_less(&h[l + 1], best)) m = l + 1;
        if (m == i) break;
        h[i] = h[m];
        i = m;
    }
    h[i] = e;
}

static int ent_valid(const etsim_kvpool *p, const etsim_kvheap_ent *e) {
    const etsim_kvslot *s = &p->slots[e->slot];
    if (!s->tr || s->gen != e->gen) return 0;
    const etsim_kvnode *nd = &s->node[e->node];
    return nd->ver == e->ver && nd->resident && nd->ref == 0 && nd->kids_res == 0;
}

static void heap_rebuild(etsim_kvpool *p) {
    int64_t k = 0;
    for (int64_t i = 0; i < p->n_heap; i++)
        if (ent_valid(p, &p->heap[i])) p->heap[k++] = p->heap[i];
    p->n_heap = k;
    for (int64_t i = k / 2; i-- > 0;) heap_down(p->heap, k, i);
}

/* Offer node as an evictable leaf if it is one. */
static void offer(etsim_kvpool *p, int32_t slot, int32_t v) {
    etsim_kvslot *s = &p->slots[slot];
    etsim_kvnode *nd = &s->node[v];
    if (!nd->resident || nd->ref || nd->kids_res) return;
    if (p->n_heap > 2 * p->n_resident + 1024) heap_rebuild(p);
    etsim_grow((void **)&p->heap, &p->cap_heap, p->n_heap + 1, sizeof *p->heap);
    etsim_kvheap_ent *e = &p->heap[p->n_heap];
    e->last = nd->last;
    e->order = ((uint64_t)(uint32_t)s->tr->problem << 32) | (uint32_t)v;
    e->slot = slot;
    e->node = v;
    e->gen = s->gen;
    e->ver = ++nd->ver;
    heap_up(p->heap, p->n_heap++);
}

/* ---- pool --------------------------------------------------------------- */

void etsim_kvpool_init(etsim_kvpool *p, int64_t cap, int32_t n_slots) {
    memset(p, 0, sizeof *p);
    p->cap = cap;
    p->n_slots = n_slots;
    p->slots = etsim_calloc((size_t)(n_slots > 0 ? n_slots : 1), sizeof *p->slots);
}

void etsim_kvpool_free(etsim_kvpool *p) {
    for (int32_t i = 0; i < p->n_slots; i++) free(p->slots[i].node);
    free(p->slots);
    free(p->heap);
    free(p->path);
    memset(p, 0, sizeof *p);
}

void etsim_kvpool_attach(etsim_kvpool *p, int32_t slot, const etsim_cost_trace *tr) {
    etsim_kvslot *s = &p->slots[slot];
    etsim_grow((void **)&s->node, &s->cap_node, tr->n_nodes, sizeof *s->node);
    memset(s->node, 0, (size_t)tr->n_nodes * sizeof *s->node);
    s->tr = tr;
    s->gen++;
}

void etsim_kvpool_detach(etsim_kvpool *p, int32_t slot) {
    etsim_kvslot *s = &p->slots[slot];
    if (!s->tr) return;
    for (int32_t v = 0; v < s->tr->n_nodes; v++) {
        etsim_kvnode *nd = &s->node[v];
        if (!nd->resident) continue;
        p->used -= nd->res;
        if (!nd->ref) p->unref -= nd->res;
        p->n_resident--;
    }
    s->tr = NULL;
    s->gen++;
}

void etsim_kvpool_scan(const etsim_kvpool *p, int32_t slot, int32_t node, etsim_kvpath *out) {
    const etsim_kvslot *s = &p->slots[slot];
    memset(out, 0, sizeof *out);
    for (int32_t v = node; v >= 0; v = s->tr->parent[v]) {
        const etsim_kvnode *nd = &s->node[v];
        if (nd->resident) {
            out->cached += nd->res;
            if (!nd->ref) out->cached_unref += nd->res;
        } else {
            out->missing += s->tr->tokens[v];
            if (nd->computed) out->recompute += s->tr->tokens[v];
        }
    }
}

static void evict_one(etsim_kvpool *p, const etsim_kvheap_ent *e) {
    etsim_kvslot *s = &p->slots[e->slot];
    etsim_kvnode *nd = &s->node[e->node];
    p->used -= nd->res;
    p->unref -= nd->res;
    p->n_resident--;
    p->evictions++;
    p->evicted_tokens += nd->res;
    nd->res = 0;
    nd->resident = 0;
    int32_t par = s->tr->parent[e->node];
    if (par >= 0) {
        s->node[par].kids_res--;
        offer(p, e->slot, par);
    }
}

int etsim_kvpool_make_room(etsim_kvpool *p, int64_t tokens) {
    while (p->cap - p->used < tokens) {
        if (!p->n_heap) return -1;
        etsim_kvheap_ent e = p->heap[0];
        p->heap[0] = p->heap[--p->n_heap];
        if (p->n_heap) heap_down(p->heap, p->n_heap, 0);
        if (ent_valid(p, &e)) evict_one(p, &e);
    }
    return 0;
}

static void pin(etsim_kvpool *p, etsim_kvnode *nd, double now) {
    if (nd->ref++ == 0) p->unref -= nd->res;
    nd->last = now;
}

int etsim_kvpool_acquire(etsim_kvpool *p, int32_t slot, int32_t node, double now) {
    etsim_kvslot *s = &p->slots[slot];
    int64_t n = 0, missing = 0;
    for (int32_t v = node; v >= 0; v = s->tr->parent[v]) {
        etsim_grow((void **)&p->path, &p->cap_path, n + 1, sizeof *p->path);
        p->path[n++] = v;
        if (!s->node[v].resident) missing += s->tr->tokens[v];
    }
    /* pin the cached part first so that making room cannot evict it */
    for (int64_t i = 0; i < n; i++)
        if (s->node[p->path[i]].resident) pin(p, &s->node[p->path[i]], now);
    if (etsim_kvpool_make_room(p, missing) < 0) {
        for (int64_t i = 0; i < n; i++) {
            etsim_kvnode *nd = &s->node[p->path[i]];
            if (nd->resident && --nd->ref == 0) {
                p->unref += nd->res;
                offer(p, slot, p->path[i]);
            }
        }
        return -1;
    }
    for (int64_t i = n; i-- > 0;) { /* root first: parents before children */
        int32_t v = p->path[i];
        etsim_kvnode *nd = &s->node[v];
        if (nd->resident) continue;
        nd->resident = 1;
        nd->computed = 1;
        nd->res = s->tr->tokens[v];
        nd->ref = 1;
        nd->last = now;
        p->used += nd->res;
        p->n_resident++;
        if (s->tr->parent[v] >= 0) s->node[s->tr->parent[v]].kids_res++;
    }
    return 0;
}

void etsim_kvpool_release(etsim_kvpool *p, int32_t slot, int32_t node, double now) {
    etsim_kvslot *s = &p->slots[slot];
    for (int32_t v = node; v >= 0; v = s->tr->parent[v]) {
        etsim_kvnode *nd = &s->node[v];
        nd->last = now;
        if (--nd->ref == 0) {
            p->unref += nd->res;
            offer(p, slot, v);
        }
    }
}

void etsim_kvpool_open(etsim_kvpool *p, int32_t slot, int32_t node) {
    etsim_kvslot *s = &p->slots[slot];
    etsim_kvnode *nd = &s->node[node];
    nd->resident = 1;
    nd->res = 0;
    nd->ref = 1;
    p->n_resident++;
    if (s->tr->parent[node] >= 0) s->node[s->tr->parent[node]].kids_res++;
}

void etsim_kvpool_close(etsim_kvpool *p, int32_t slot, int32_t node, int32_t tokens, double now) {
    etsim_kvslot *s = &p->slots[slot];
    etsim_kvnode *nd = &s->node[node];
    nd->res = tokens;
    nd->computed = 1;
    nd->last = now;
    if (--nd->ref == 0) {
        p->unref += nd->res;
        offer(p, slot, node);
    }
}

void etsim_kvpool_drop(etsim_kvpool *p, int32_t slot, int32_t node, int32_t tokens) {
    etsim_kvslot *s = &p->slots[slot];
    etsim_kvnode *nd = &s->node[node];
    p->used -= tokens;
    p->n_resident--;
    nd->res = 0;
    nd->ref = 0;
    nd->resident = 0;
    int32_t par = s->tr->parent[node];
    if (par >= 0) s->node[par].kids_res--;
}
