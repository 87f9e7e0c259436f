/* fit_replay.c -- the multi-config replay the fit objectives run (see
 * fit_replay.h): worker threads take problems in turn from a shared
 * counter, run every configuration on the problem's one tree, and add
 * integer sums per configuration (so the merge order, and the thread
 * count, do not change the result). */
#include "sim/sweep/fit_replay.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sweep/metrics.h"
#include "selectors/registry.h"
#include "sim/engine/search_config.h"

typedef struct rep_ctx {
    etsim_oracle *o;
    etsim_search_config *sc;
    etsim_fit_run_cfg *cfgs;
    int n_cfgs;
    int32_t problems;
    int32_t next;
    pthread_mutex_t lock;
    int failed;
    etsim_err err;
} rep_ctx;

static void *rep_worker(void *arg) {
    rep_ctx *c = arg;
    int64_t *acc = etsim_calloc((size_t)c->n_cfgs * 4, sizeof *acc);
    for (;;) {
        pthread_mutex_lock(&c->lock);
        int32_t p = c->failed ? c->problems : c->next++;
        pthread_mutex_unlock(&c->lock);
        if (p >= c->problems) break;
        etsim_problem_result res;
        etsim_problem_result_init(&res, c->o->meta.emb_dim);
        for (int k = 0; k < c->n_cfgs; k++) {
            etsim_err e = {{0}};
            if (etsim_search_problem(c->o, &c->sc[k], p, &res, &e) < 0) {
                pthread_mutex_lock(&c->lock);
                if (!c->failed) c->err = e;
                c->failed = 1;
                pthread_mutex_unlock(&c->lock);
                break;
            }
            etsim_sweep_votes v;
            etsim_sweep_vote(&res, &v);
            acc[4 * k] += v.correct[0];
            acc[4 * k + 1] += res.c.kv_tokens;
            acc[4 * k + 2] += res.c.model_calls;
            acc[4 * k + 3] += res.c.tokens_generated;
        }
        etsim_problem_result_free(&res);
    }
    /* integer sums: the merge order does not matter */
    pthread_mutex_lock(&c->lock);
    for (int k = 0; k < c->n_cfgs; k++) {
        c->cfgs[k].correct += acc[4 * k];
        c->cfgs[k].kv_tokens += acc[4 * k + 1];
        c->cfgs[k].model_calls += acc[4 * k + 2];
        c->cfgs[k].tokens += acc[4 * k + 3];
    }
    pthread_mutex_unlock(&c->lock);
    free(acc);
    return NULL;
}

int etsim_fit_replay(const etsim_synth_profile *p, int32_t problems, int threads,
                     etsim_fit_run_cfg *cfgs, int n_cfgs, etsim_err *err) {
    rep_ctx c;
    memset(&c, 0, sizeof c);
    c.o = etsim_synth_open(p, err);
    if (!c.o) return -1;
    c.cfgs = cfgs;
    c.n_cfgs = n_cfgs;
    c.problems = problems < c.o->meta.n_problems ? problems : c.o->meta.n_problems;
    c.sc = etsim_calloc((size_t)n_cfgs, sizeof *c.sc);
    int rc = -1;
    for (int k = 0; k < n_cfgs; k++) {
        const etsim_selector *sel = etsim_selector_lookup(cfgs[k].selector, err);
        int n_sets = 0;
        while (n_sets < 4 && cfgs[k].sets[n_sets]) n_sets++;
        if (!sel || etsim_search_config_from_sets(&c.sc[k], sel, cfgs[k].width, cfgs[k].sets, n_sets, err) < 0)
            goto out;
        cfgs[k].correct = cfgs[k].kv_tokens = cfgs[k].model_calls = cfgs[k].tokens = 0;
    }
    pthread_mutex_init(&c.lock, NULL);
    int t = threads < 1 ? 1 : threads;
    pthread_t *tids = etsim_calloc((size_t)t, sizeof *tids);
    int started = 0;
    for (int i = 1; i < t; i++)
        if (pthread_create(&tids[started], NULL, rep_worker, &c) == 0) started++;
    rep_worker(&c);
    for (int i = 0; i < started; i++) pthread_join(tids[i], NULL);
    free(tids);
    pthread_mutex_destroy(&c.lock);
    if (c.failed) {
        *err = c.err;
        goto out;
    }
    rc = c.problems;
out:
    free(c.sc);
    etsim_oracle_close(c.o);
    return rc;
}
