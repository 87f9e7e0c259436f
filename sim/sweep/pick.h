/* pick.h -- the ETS paper's hyperparameter rule over a sweep's results:
 * for ETS and ETS-KV at each width (and source), take the LARGEST value of
 * the swept cost weight whose accuracy is within `tolerance` points
 * (0.2) of REBASE's at that width:  acc(lambda) >= acc(REBASE) - 0.2.
 *
 * The swept parameter is the ILP's cost weight, `lambdac` (the paper's
 * lambda_b: larger prunes more, so "largest within tolerance" is the one
 * that saves the most KV at no real accuracy cost); `--param` sweeps
 * another one. A series is the set of configs that differ only in that
 * parameter; its REBASE reference is the REBASE config of the same source,
 * width, engine settings and problems, preferring the same softmax
 * temperature. When no value is within tolerance the most accurate one is
 * taken and the pick is flagged (within = 0). Ties in accuracy never
 * matter: the rule orders by the parameter value. */
#ifndef ETSIM_SWEEP_PICK_H
#define ETSIM_SWEEP_PICK_H

#include <stdio.h>

#include "sim/sweep/report.h"

typedef struct etsim_pick {
    const etsim_report_row *rebase;     /* the reference                     */
    const etsim_report_row *chosen;
    double value;                       /* chosen parameter value            */
    int within;                         /* 1: met the rule; 0: fallback      */
    double kv_reduction;                /* REBASE KV / chosen KV (ETS metric) */
    const etsim_report_row **series;    /* ascending parameter value         */
    int32_t n_series;
} etsim_pick;

typedef struct etsim_pick_set {
    char *param;
    double tolerance;
    etsim_pick *picks;                  /* by source, selector, width        */
    int32_t n;
} etsim_pick_set;

/* Apply the rule to every ETS / ETS-KV series with a summary. Series
 * without a REBASE reference are an error naming them. */
int etsim_pick_paper(const etsim_report *rep, const char *param, double tolerance,
                     etsim_pick_set *out, etsim_err *err);

/* The rule itself, on accuracies acc[0..n) (percent) of one series ordered
 * by increasing parameter value: the index of the largest value whose
 * accuracy is within `tolerance` points of rebase_acc (*within = 1), else of
 * the most accurate, the larger value on ties (*within = 0). n >= 1. */
int etsim_pick_rule(const double *acc, int n, double rebase_acc, double tolerance, int *within);
void etsim_pick_set_free(etsim_pick_set *s);

/* Find the pick for (selector, source spec, width); NULL if none. */
const etsim_pick *etsim_pick_find(const etsim_pick_set *s, const char *selector,
                                  const char *source_spec, int32_t width);

void etsim_pick_print(FILE *fp, const etsim_pick_set *s, int verbose);
void etsim_pick_print_json(FILE *fp, const etsim_pick_set *s);

#endif
