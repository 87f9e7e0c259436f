/* fit.h -- fit synthetic-profile parameters to data, deterministically.
 *
 * Two targets:
 *  paper  one model setup of the ETS paper (llemma34b-math500, ...): the
 *         published REBASE and ETS accuracies and ETS KV reductions at
 *         widths 16, 64, 256 (ets_paper.json Table 1). The model is run
 *         exactly as `etsim paper` runs it (REBASE T 0.2; ETS T 0.2,
 *         lambda_d 1, lambda_b swept and picked by the paper's rule) on
 *         the first `problems` problems.
 *  real   search-and-learn outputs (.jsonl files given with --data): steps
 *         per completion, tokens per step, single-completion accuracy,
 *         PRM scores along correct and wrong completions (last step and
 *         mean), prefix sharing between completions and answer diversity,
 *         matched by running beam search on the synthetic model at each
 *         file's beam count.
 *
 * The search is a coordinate (pattern) search over a few parameters within
 * their ranges: try +-step on each parameter in turn, keep the first
 * improvement, halve all steps when a round finds none; stop after
 * max_evals evaluations or when the steps are small. Every evaluation is
 * deterministic (fixed seed, fixed problems, any thread count), so a fit
 * is reproducible bit for bit. */
#ifndef ETSIM_SWEEP_FIT_H
#define ETSIM_SWEEP_FIT_H

#include <stdio.h>

#include "sim/core/notice.h"
#include "sim/synthetic/synthetic.h"

#define ETSIM_FIT_MAX_PARAMS 12
#define ETSIM_FIT_MAX_STATS 24

typedef struct etsim_fit_param {
    const char *name;
    double lo, hi, step, min_step;
} etsim_fit_param;

typedef struct etsim_fit_opts {
    const char *target;           /* "paper" or "real"                       */
    const char *setup;            /* paper: llemma34b-math500, ...           */
    const char *base;             /* profile to start from                   */
    const char *reference;        /* ets_paper.json (paper target)           */
    const char *const *data;      /* real target: sal files                  */
    int n_data;
    int threads;
    int32_t problems;             /* problems per evaluation                 */
    int max_evals;
    const char *name;             /* profile name to write                   */
    etsim_notice notice;          /* each round's best; zeroed: none         */
} etsim_fit_opts;

/* Statistics an evaluation compares: model value, target, scale. */
typedef struct etsim_fit_stats {
    int n;
    const char *name[ETSIM_FIT_MAX_STATS];
    double model[ETSIM_FIT_MAX_STATS], target[ETSIM_FIT_MAX_STATS], scale[ETSIM_FIT_MAX_STATS];
} etsim_fit_stats;

typedef struct etsim_fit_result {
    etsim_synth_profile profile;  /* the fitted profile                      */
    char *json;                   /* ready to write (malloc'd)               */
    double loss, start_loss;
    int evals;
    etsim_fit_stats stats;        /* at the optimum                          */
} etsim_fit_result;

int etsim_fit_run(const etsim_fit_opts *o, etsim_fit_result *res, etsim_err *err);
void etsim_fit_result_free(etsim_fit_result *res);
void etsim_fit_print(FILE *fp, const etsim_fit_result *res);

/* ---- the two objectives (fit_paper.c, fit_real.c) ----------------------------------- */

/* Paper target: prepare targets for a setup; evaluate a profile. */
typedef struct etsim_fit_paper etsim_fit_paper;
etsim_fit_paper *etsim_fit_paper_new(const etsim_fit_opts *o, etsim_err *err);
int etsim_fit_paper_eval(etsim_fit_paper *fp, const etsim_synth_profile *p,
                         etsim_fit_stats *st, etsim_err *err);
void etsim_fit_paper_free(etsim_fit_paper *fp);
/* Parameters the paper fit moves. */
const etsim_fit_param *etsim_fit_paper_params(int *n);

typedef struct etsim_fit_real etsim_fit_real;
etsim_fit_real *etsim_fit_real_new(const etsim_fit_opts *o, etsim_err *err);
int etsim_fit_real_eval(etsim_fit_real *fr, const etsim_synth_profile *p, etsim_fit_stats *st,
                        etsim_err *err);
void etsim_fit_real_free(etsim_fit_real *fr);
const etsim_fit_param *etsim_fit_real_params(int *n);

#endif
