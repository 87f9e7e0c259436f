/* cluster_cache.c -- clustering shared between selections with the same
 * candidates' embeddings.
 *
 * Clustering depends only on the candidates' embeddings (and the cut), not
 * on lambda_b or any other parameter, and a sweep runs all configurations
 * of one problem on one worker, one after the other (sim/sweep/sweep.c).
 * Configurations that differ only in a lambda start from the same tree, so
 * at their first depths they cluster the same vectors. Each thread keeps
 * the last results (a ring of ETSIM_CLUSTER_CACHE entries, at most
 * CACHE_BYTES of vectors); a lookup compares the vectors' bytes in full,
 * so a hit returns exactly what etsim_cluster_embeddings would compute.
 * Outputs therefore cannot depend on hits, on the thread count or on the
 * order configurations run in. The cache is per thread: no locks, and a
 * thread's entries are freed when it exits (a pthread key destructor). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "selectors/cluster.h"

enum { ETSIM_CLUSTER_CACHE = 48 };
#define CACHE_BYTES ((size_t)16 << 20)

typedef struct entry {
    uint64_t hash;
    int32_t n, dim, k;
    double t;
    float *vecs;     /* n x dim, copied                                   */
    int32_t *labels; /* n                                                  */
} entry;

typedef struct cache {
    entry e[ETSIM_CLUSTER_CACHE];
    int32_t next;    /* ring position to fill next                          */
    size_t bytes;
} cache;

static _Thread_local cache *tls_cache;
static _Atomic int sharing = 1;

void etsim_cluster_set_sharing(int on) { atomic_store(&sharing, on); }
static pthread_key_t cache_key;
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;

static void entry_free(cache *c, entry *e) {
    if (e->vecs) c->bytes -= (size_t)e->n * (size_t)e->dim * sizeof(float);
    free(e->vecs);
    free(e->labels);
    memset(e, 0, sizeof *e);
}

static void cache_destroy(void *p) {
    cache *c = p;
    for (int32_t q = 0; q < ETSIM_CLUSTER_CACHE; q++) entry_free(c, &c->e[q]);
    free(c);
}

static void cache_key_create(void) { pthread_key_create(&cache_key, cache_destroy); }

static cache *get_cache(void) {
    if (!tls_cache) {
        pthread_once(&cache_key_once, cache_key_create);
        tls_cache = etsim_calloc(1, sizeof *tls_cache);
        pthread_setspecific(cache_key, tls_cache);
    }
    return tls_cache;
}

/* FNV-1a over the vectors' bytes: a filter only, hits are checked in full. */
static uint64_t hash_vecs(const float *const *vecs, int32_t n, int32_t dim) {
    uint64_t h = 1469598103934665603ull ^ (uint64_t)n ^ ((uint64_t)dim << 32);
    for (int32_t i = 0; i < n; i++) {
        const unsigned char *b = (const unsigned char *)vecs[i];
        for (size_t q = 0; q < (size_t)dim * sizeof(float); q += 4) {
            uint32_t w;
            memcpy(&w, b + q, sizeof w);
            h = (h ^ w) * 1099511628211ull;
        }
    }
    return h;
}

static int same_vecs(const entry *e, const float *const *vecs) {
    for (int32_t i = 0; i < e->n; i++)
        if (memcmp(e->vecs + (size_t)i * (size_t)e->dim, vecs[i], (size_t)e->dim * sizeof(float)))
            return 0;
    return 1;
}

int32_t etsim_cluster_embeddings_shared(const float *const *vecs, int32_t n, int32_t dim,
                                        double t, const int32_t *names, int32_t *labels,
                                        etsim_err *err) {
    if (n <= 1 || dim <= 0 || !atomic_load(&sharing))
        return etsim_cluster_embeddings(vecs, n, dim, t, names, labels, err);
    cache *c = get_cache();
    uint64_t h = hash_vecs(vecs, n, dim);
    for (int32_t q = 0; q < ETSIM_CLUSTER_CACHE; q++) {
        entry *e = &c->e[q];
        if (e->vecs && e->hash == h && e->n == n && e->dim == dim && e->t == t &&
            same_vecs(e, vecs)) {
            memcpy(labels, e->labels, (size_t)n * sizeof *labels);
            return e->k;
        }
    }
    int32_t k = etsim_cluster_embeddings(vecs, n, dim, t, names, labels, err);
    if (k < 0) return k;
    size_t bytes = (size_t)n * (size_t)dim * sizeof(float);
    if (bytes > CACHE_BYTES / 4) return k;
    entry *e = &c->e[c->next];
    c->next = (c->next + 1) % ETSIM_CLUSTER_CACHE;
    entry_free(c, e);
    /* keep the total bounded: drop the oldest entries after this slot */
    for (int32_t q = c->next; c->bytes + bytes > CACHE_BYTES; q = (q + 1) % ETSIM_CLUSTER_CACHE)
        entry_free(c, &c->e[q]);
    *e = (entry){h, n, dim, k, t, etsim_malloc(bytes), etsim_malloc((size_t)n * sizeof *labels)};
    for (int32_t i = 0; i < n; i++) memcpy(e->vecs + (size_t)i * (size_t)dim, vecs[i], (size_t)dim * sizeof(float));
    memcpy(e->labels, labels, (size_t)n * sizeof *labels);
    c->bytes += bytes;
    return k;
}
