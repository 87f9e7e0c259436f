/* pool.c -- the worker pool (see pool.h). Threads claim items with an
 * atomic fetch-and-add on one counter and stop at the end or at the stop
 * flag; there is no queue and no lock. */
#include "sim/core/pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "sim/core/util.h"

typedef struct pool {
    int64_t n;
    int64_t next;   /* next item to claim (atomic) */
    int stop;       /* an item failed (atomic)     */
    etsim_pool_fn fn;
    void *ctx;
} pool;

typedef struct worker_arg {
    pool *p;
    int thread;
} worker_arg;

static void *work(void *arg) {
    worker_arg *w = arg;
    pool *p = w->p;
    while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
        int64_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
        if (i >= p->n) break;
        if (p->fn(p->ctx, i, w->thread) < 0) __atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

int etsim_pool_run(int64_t n, int threads, etsim_pool_fn fn, void *ctx) {
    pool p = {.n = n, .fn = fn, .ctx = ctx};
    if (n <= 0) return 0;
    int t = threads < 1 ? 1 : threads;
    if (t > n) t = (int)n;
    pthread_t *tids = etsim_calloc((size_t)t, sizeof *tids);
    worker_arg *args = etsim_calloc((size_t)t, sizeof *args);
    int started = 0;
    for (int i = 1; i < t; i++) {
        args[started + 1] = (worker_arg){&p, started + 1};
        if (pthread_create(&tids[started], NULL, work, &args[started + 1]) == 0) started++;
    }
    args[0] = (worker_arg){&p, 0};
    work(&args[0]);
    for (int i = 0; i < started; i++) pthread_join(tids[i], NULL);
    free(tids);
    free(args);
    return p.stop ? -1 : 0;
}
