/* fit_replay.c -- the multi-config replay the fit objectives run (see
 * fit_replay.h): the pool's threads (sim/core/pool.h) take problems in
 * turn, run every configuration on the problem's one tree, and add integer
 * sums per configuration into their own accumulator, merged after the run
 * (so the merge order, and the thread count, do not change the result). */
#include "sim/sweep/fit_replay.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/pool.h"
#include "sim/sweep/metrics.h"
#include "selectors/registry.h"
#include "sim/engine/search_config.h"

enum { SUMS = 4 }; /* per configuration: correct, kv_tokens, model_calls, tokens */

typedef struct rep_ctx {
    etsim_oracle *o;
    etsim_search_config *sc;
    int n_cfgs;
    int64_t *acc;             /* [thread][cfg][SUMS]                    */
    pthread_mutex_t lock;     /* guards err                             */
    int failed;
    etsim_err err;
} rep_ctx;

static int rep_problem(void *arg, int64_t item, int thread) {
    rep_ctx *c = arg;
    int32_t p = (int32_t)item;
    int64_t *acc = c->acc + (size_t)thread * (size_t)c->n_cfgs * SUMS;
    etsim_problem_result res;
    etsim_problem_result_init(&res, c->o->meta.emb_dim);
    int rc = 0;
    for (int k = 0; k < c->n_cfgs; k++) {
        etsim_err e = {{0}};
        if (etsim_search_problem(c->o, &c->sc[k], p, &res, &e) < 0) {
            pthread_mutex_lock(&c->lock);
            if (!c->failed) c->err = e;
            c->failed = 1;
            pthread_mutex_unlock(&c->lock);
            rc = -1;
            break;
        }
        etsim_sweep_votes v;
        etsim_sweep_vote(&res, &v);
        acc[SUMS * k] += v.correct[0];
        acc[SUMS * k + 1] += res.c.kv_tokens;
        acc[SUMS * k + 2] += res.c.model_calls;
        acc[SUMS * k + 3] += res.c.tokens_generated;
    }
    etsim_problem_result_free(&res);
    return rc;
}

int etsim_fit_replay(const etsim_synth_profile *p, int32_t problems, int threads,
                     etsim_fit_run_cfg *cfgs, int n_cfgs, etsim_err *err) {
    rep_ctx c;
    memset(&c, 0, sizeof c);
    c.o = etsim_synth_open(p, err);
    if (!c.o) return -1;
    c.n_cfgs = n_cfgs;
    if (problems > c.o->meta.n_problems) problems = c.o->meta.n_problems;
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
    c.acc = etsim_calloc((size_t)t * (size_t)n_cfgs * SUMS, sizeof *c.acc);
    etsim_pool_run(problems, t, rep_problem, &c);
    pthread_mutex_destroy(&c.lock);
    if (c.failed) {
        *err = c.err;
        goto out;
    }
    /* integer sums: the merge order does not matter */
    for (int i = 0; i < t; i++)
        for (int k = 0; k < n_cfgs; k++) {
            const int64_t *a = c.acc + ((size_t)i * (size_t)n_cfgs + (size_t)k) * SUMS;
            cfgs[k].correct += a[0];
            cfgs[k].kv_tokens += a[1];
            cfgs[k].model_calls += a[2];
            cfgs[k].tokens += a[3];
        }
    rc = problems;
out:
    free(c.acc);
    free(c.sc);
    etsim_oracle_close(c.o);
    return rc;
}
