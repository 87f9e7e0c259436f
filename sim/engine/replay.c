/* replay.c -- the multi-threaded, order-preserving problem driver (see
 * replay.h). A ring of `window` result slots sits between the workers and
 * the in-order sink; whichever worker completes the oldest pending problem
 * delivers every consecutive finished one. The workers are the pool's
 * (sim/core/pool.h): problem k is its item k, and an item waits while it
 * is a whole window ahead of the oldest undelivered problem. */
#include "sim/engine/replay.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/pool.h"

typedef struct slot {
    etsim_problem_result res;
    int state;               /* 0 empty, 1 running, 2 done, 3 failed */
    etsim_err err;
} slot;

typedef struct driver {
    etsim_oracle *o;
    const etsim_search_config *cfg;
    const etsim_replay_opts *opt;
    etsim_replay_sink sink;
    void *ctx;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    slot *slots;
    int32_t window;
    int32_t next_emit;       /* next problem offset to deliver          */
    int failed;              /* set once a delivered problem failed     */
    etsim_err err;
    etsim_progress progress;
} driver;

/* Called with the lock held: deliver consecutive finished problems. */
static void emit_ready(driver *d) {
    while (!d->failed && d->next_emit < d->opt->count) {
        slot *s = &d->slots[d->next_emit % d->window];
        if (s->state == 3) {
            d->failed = 1;
            d->err = s->err;
        } else if (s->state == 2) {
            if (d->sink && d->sink(d->ctx, &s->res, &d->err) < 0) d->failed = 1;
            etsim_problem_result_free(&s->res);
            s->state = 0;
            d->next_emit++;
            etsim_progress_add(&d->progress, 1);
        } else {
            break;
        }
    }
    pthread_cond_broadcast(&d->cond);
}

/* Problem offset k, a pool item. Items are claimed in order, so every
 * problem before k is taken and the oldest undelivered one is running on
 * some thread: waiting for the window never waits on itself. */
static int replay_item(void *arg, int64_t item, int thread) {
    (void)thread;
    driver *d = arg;
    int32_t k = (int32_t)item;
    pthread_mutex_lock(&d->lock);
    while (!d->failed && k >= d->next_emit + d->window) pthread_cond_wait(&d->cond, &d->lock);
    if (d->failed) {
        pthread_mutex_unlock(&d->lock);
        return -1;
    }
    slot *s = &d->slots[k % d->window];
    s->state = 1;
    etsim_problem_result_init(&s->res, d->o->meta.emb_dim);
    pthread_mutex_unlock(&d->lock);
    int rc = etsim_search_problem(d->o, d->cfg, d->opt->first + k, &s->res, &s->err);
    pthread_mutex_lock(&d->lock);
    s->state = rc < 0 ? 3 : 2;
    if (rc < 0) etsim_problem_result_free(&s->res);
    emit_ready(d);
    int failed = d->failed;
    pthread_mutex_unlock(&d->lock);
    return failed ? -1 : 0;
}

int etsim_replay(etsim_oracle *o, const etsim_search_config *cfg,
                 const etsim_replay_opts *opt, etsim_replay_sink sink, void *ctx,
                 etsim_err *err) {
    driver d;
    memset(&d, 0, sizeof d);
    d.o = o;
    d.cfg = cfg;
    d.opt = opt;
    d.sink = sink;
    d.ctx = ctx;
    int threads = opt->threads < 1 ? 1 : opt->threads;
    d.window = 2 * threads;
    d.slots = etsim_calloc((size_t)d.window, sizeof *d.slots);
    pthread_mutex_init(&d.lock, NULL);
    pthread_cond_init(&d.cond, NULL);
    etsim_progress_start(&d.progress, opt->label ? opt->label : "problems", opt->count,
                         opt->progress, opt->progress_ctx);

    etsim_pool_run(opt->count, threads, replay_item, &d);
    etsim_progress_finish(&d.progress);

    /* Results of problems after a failure were never delivered. */
    for (int32_t i = 0; i < d.window; i++)
        if (d.slots[i].state == 2) etsim_problem_result_free(&d.slots[i].res);
    free(d.slots);
    pthread_mutex_destroy(&d.lock);
    pthread_cond_destroy(&d.cond);
    if (d.failed) {
        if (err) *err = d.err;
        return -1;
    }
    return 0;
}
