/* ilp_model.c -- the ETS selection model's objective and tie tolerance
 * (ilp.h), shared by both solvers: the GLPK path (ilp.c) and the exact
 * solver (ets_exact.c). Kept apart so that neither solver's file depends on
 * the other's (ilp.c hands over to ets_exact.c, which uses these). */
#include <math.h>
#include <stdlib.h>

#include "selectors/ilp.h"

double etsim_ilp_objective(const etsim_ilp_model *m, const uint8_t *x) {
    uint8_t *mark = etsim_calloc((size_t)(m->n_branch > 0 ? m->n_branch : 1), 1);
    uint8_t *cov = etsim_calloc((size_t)(m->n_clusters > 0 ? m->n_clusters : 1), 1);
    double outcome = 0.0;
    int64_t nodes = 0, covered = 0;
    for (int32_t i = 0; i < m->n_cand; i++) {
        if (!x[i]) continue;
        outcome += m->outcome[i];
        nodes++;
        for (int32_t j = m->cand_parent[i]; j >= 0 && !mark[j]; j = m->branch_parent[j]) {
            mark[j] = 1;
            nodes++;
        }
        if (m->n_clusters > 0 && !cov[m->cluster[i]]) {
            cov[m->cluster[i]] = 1;
            covered++;
        }
    }
    free(mark);
    free(cov);
    return outcome + m->unit_cost * (double)nodes + m->coverage * (double)covered;
}

double etsim_ilp_tie_tolerance(const etsim_ilp_model *m) {
    /* |u| (M + N) = |lambda_c| and v K = lambda_s: the scale of the terms. */
    double scale = 1.0 + fabs(m->unit_cost) * (double)(m->n_branch + m->n_cand) +
                   fabs(m->coverage) * (double)m->n_clusters;
    return 1e-9 * scale;
}

