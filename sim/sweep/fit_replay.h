/* fit_replay.h -- run several search configurations over the problems of
 * a synthetic profile, for the fit objectives (fit_paper.c) and tests. */
#ifndef ETSIM_SWEEP_FIT_REPLAY_H
#define ETSIM_SWEEP_FIT_REPLAY_H

#include <stdint.h>

#include "sim/synthetic/synthetic.h"

/* Run `configs` (selector + width + params) over problems [0, n) of a
 * synthetic profile on T threads, one shared tree per problem; per config
 * the weighted-majority correct count and the ETS KV metric sum. Used by
 * the paper objective and by tests. */
typedef struct etsim_fit_run_cfg {
    const char *selector;
    int32_t width;
    const char *sets[4];          /* "key=value", NULL-terminated           */
    int64_t correct, kv_tokens, model_calls, tokens;
} etsim_fit_run_cfg;
int etsim_fit_replay(const etsim_synth_profile *p, int32_t problems, int threads,
                     etsim_fit_run_cfg *cfgs, int n_cfgs, etsim_err *err);

#endif
