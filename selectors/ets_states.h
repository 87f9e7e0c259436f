/* ets_states.h -- private to the exact ETS solver (ets_exact.c): the exact
 * tree programme over coverage states of the few scattered clusters left
 * open at a branch-and-bound node (ets_states.c says how it works), the
 * instance checks of ets_ties.c, and the local search of ets_polish.c. */
#ifndef ETSIM_ETS_STATES_H
#define ETSIM_ETS_STATES_H

#include <stdint.h>
#include "selectors/ilp.h"

enum { ETSIM_FIX_FREE = 0, ETSIM_FIX_ZERO = 1, ETSIM_FIX_ONE = 2 };
enum { ETSIM_STATES_MAX_BITS = 16 };

typedef struct etsim_states_in {
    const etsim_ilp_model *m;
    double u, v, dtie, noise;
    const double *a;          /* [N] O_i + u                                  */
    const int32_t *rank;      /* [N] rank in the preference order             */
    const uint8_t *fix;       /* [N] ETSIM_FIX_*                              */
    const int32_t *grp_parent;/* [K] parent of a sibling-local cluster, or -1 */
    const int32_t *bit_of;    /* [K] state bit of an open scattered cluster, or -1 */
    const int32_t *lca;       /* [K] lowest common ancestor of its free members */
    const int32_t *cl_start, *cl_mem; /* members by cluster, rank order       */
    int32_t n_bits;           /* <= ETSIM_STATES_MAX_BITS                     */
    int64_t op_limit;         /* work budget in table-entry pairs             */
    /* [K] Lagrangian multipliers of open clusters given no bit, or NULL
     * (then every open cluster has a bit). With mu, such a cluster's
     * members are each worth mu_k more, and the answer is the best of that
     * relaxation (ets_exact.c's try_hybrid), not of the node. */
    const double *mu;
    /* Bound pruning (NULL: none; needs mu). outside[j] bounds the
     * programme's value of everything outside branch node j's subtree,
     * with j used and the clusters that have a bit relaxed by mu as well
     * (a Lagrangian pass's rerooted values, without the bits' constants).
     * An entry of j's table that cannot lead to prune_below is dropped
     * (ets_states.c says how its bound is made). */
    const double *outside;
    double prune_below;
} etsim_states_in;

/* 1: x is the best selection of the node in the tie rule's order (of the
 * relaxation, with mu), *val its value without the open clusters' coverage
 * terms that have no bit and *w its preference weight; -1: no selection is
 * possible; 2: none reaches prune_below (bound pruning); 0: declined
 * (budget, or a comparison too close to call). *ops gets the work done
 * (table-entry pairs). */
int etsim_states_solve(const etsim_states_in *in, uint8_t *x, double *val, int64_t *w,
                       int64_t *ops);

/* ets_polish.c: local search from the non-empty selection x (value f),
 * moves taken when they raise f by more than eps; x is improved in place
 * and its value returned (a running sum: the caller recomputes it before
 * trusting it). use [M] and nk [K] are scratch. */
typedef struct etsim_polish_in {
    const etsim_ilp_model *m;
    const double *a;          /* [N] O_i + u                                  */
    const int32_t *order;     /* [N] candidates in rank order                 */
    const int32_t *cl_start, *cl_mem; /* members by cluster                   */
    double u, v, eps;
    int sweeps;               /* at most this many sweeps over the candidates */
} etsim_polish_in;

double etsim_exact_polish(const etsim_polish_in *in, uint8_t *x, double f, int32_t *use,
                          int32_t *nk);

/* ets_ties.c. O_i = c_i / D for integers c_i >= 0? Returns D (the
 * model's, or inferred up to 4096) and *C = sum c_i, or 0. */
int64_t etsim_exact_find_den(const etsim_ilp_model *m, int64_t *C);

/* An integer combination dC / D + v dk + u dn = value with |value| in [lo,
 * hi], |dC| <= C, |dn| <= NM, |dk| <= K: two objective values that far
 * apart would be tied by the rule but not by the solver's comparisons
 * (dC >= 0; the negated combination is the same difference the other way). */
typedef struct etsim_near_tie {
    int64_t dC;
    int32_t dk;
    int64_t dn;
    double value;
} etsim_near_tie;

/* All of them, up to max (returns the count, 0 when there is none, or -1
 * when there are more than max). */
int32_t etsim_exact_near_tie_list(double D, int64_t C, int32_t NM, int32_t K, double u, double v,
                                  double lo, double hi, etsim_near_tie *out, int32_t max);

/* Ruling them out for an answer x* (ets_exact.c's file comment says why
 * this is sound). A selection whose value differs from f = f(x*) by a
 * listed amount has x*'s counts (C, n, k) minus or plus the combination;
 * for those counts (n', k') and any shift (alpha, beta) with v + beta >= 0,
 * shifted_max(alpha, beta) - alpha n' - beta k' bounds the value of every
 * selection with them (shifted_max: the maximum of a Lagrangian relaxation
 * of the objective with node weight u + alpha and cluster weight v + beta,
 * within margin of the truth). Returns 1 when every combination, both
 * ways, has counts no selection has or a bound below the value it would
 * need; else 0. */
typedef struct etsim_rule_out_in {
    double f;            /* f(x*)                                           */
    int64_t C, n, k;     /* x*'s kept counts, nodes, covered clusters        */
    int64_t C_total;     /* every candidate's count                          */
    int64_t NM, K;       /* N + M, clusters                                  */
    double v, tol, margin;
} etsim_rule_out_in;

int etsim_exact_rule_out(const etsim_rule_out_in *in, const etsim_near_tie *nt, int32_t n_nt,
                         double (*shifted_max)(void *ctx, double alpha, double beta), void *ctx);

#endif
