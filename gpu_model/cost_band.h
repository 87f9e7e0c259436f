/* cost_band.h -- the throughput of a replay as a band rather than one
 * number: the serving simulation rerun over KV pool sizes (x0.5 to x2 of
 * the configured pool) and problems in flight (4, 8, 16, 32), each run
 * labelled with its regime (etsim_cost_regime). With a baseline replay
 * (REBASE for Table 2) each setting also gives the throughput ratio, and
 * the band is the ratio's range over all settings.
 *
 * The simulated ETS / REBASE gain is a KV-pool threshold effect: it is
 * near 1 with an unlimited pool and changes, not monotonically, as the
 * pool crosses the working sets of the two searches, so one number hides
 * how much it depends on the serving setup. */
#ifndef ETSIM_GPU_COST_BAND_H
#define ETSIM_GPU_COST_BAND_H

#include <stdio.h>

#include "gpu_model/cost.h"

#define ETSIM_BAND_N_SCALES 5
#define ETSIM_BAND_N_INFLIGHT 4
#define ETSIM_BAND_RUNS (ETSIM_BAND_N_SCALES * ETSIM_BAND_N_INFLIGHT)

extern const double etsim_band_scales[ETSIM_BAND_N_SCALES];     /* 0.5 ... 2 */
extern const int32_t etsim_band_inflight[ETSIM_BAND_N_INFLIGHT]; /* 4 ... 32 */

typedef struct etsim_band_run {
    double kv_scale;
    int32_t inflight;
    int64_t policy_pool;        /* tokens; -1 unlimited                */
    double problems_per_s, base_problems_per_s, ratio; /* NAN without a baseline */
    char regime[20], base_regime[20];
} etsim_band_run;

typedef struct etsim_cost_band {
    int32_t n;
    etsim_band_run runs[ETSIM_BAND_RUNS];
    int has_base;
    double lo, hi;              /* range of the ratio (or problems/s)  */
    double nominal;             /* at the configuration as given       */
} etsim_cost_band;

/* Run every setting on `traces` (and `base` when nb > 0). `nominal` is
 * the configuration's own value (kv_scale and inflight as given). */
int etsim_cost_band_run(const etsim_cost_config *c, const etsim_cost_trace *traces, int32_t n,
                        const etsim_cost_trace *base, int32_t nb, etsim_cost_band *out,
                        etsim_err *err);

void etsim_cost_band_print(FILE *fp, const etsim_cost_band *b);
/* {"band":{"lo","hi","nominal","of","runs":[...]}} body (no braces around). */
void etsim_cost_band_write_json(FILE *fp, const etsim_cost_band *b);

#endif
