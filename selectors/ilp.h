/* ilp.h -- the ETS selection ILP (softmax_costmodel in the reference
 * harness), solved in process with GLPK.
 *
 * Variables: x_i (keep candidate i, binary), y_j (keep branch node j, i.e.
 * a distinct proper ancestor of some candidate), z_k (cluster k covered).
 * Objective (maximised):
 *     sum_i O_i x_i + u (sum_j y_j + sum_i x_i) + v sum_k z_k
 * with u = cost weight x node cost (the caller's -lambda_c / (M + N), or
 * +1e-4 / (M + N) as the reference substitutes for lambda_c = 0) and
 * v = lambda_s / K. Constraints: y_j >= x_i and y_j <= sum x_i for the
 * candidates i under j, z_k <= sum of x_i in cluster k, sum_i x_i >= 1.
 *
 * etsim_ilp_solve uses an equivalent, smaller model (see ilp.c): one
 * linking row per tree edge, y and z continuous in [0, 1]. Among optimal
 * selections it returns the one preferred by a lexicographic rule (see
 * etsim_ilp_model.prefer); the rule only chooses between selections whose
 * objective values are equal within etsim_ilp_tie_tolerance(), so it never
 * changes the optimal value. etsim_ilp_solve_literal builds the reference's
 * model row for row (one row per ancestor-candidate pair, all binary); it
 * exists to check the reformulation and to benchmark the difference. */
#ifndef ETSIM_ILP_H
#define ETSIM_ILP_H

#include <stdint.h>
#include "sim/core/util.h"

typedef struct etsim_ilp_model {
    int32_t n_cand;               /* N >= 1                                    */
    int32_t n_branch;             /* M >= 0                                    */
    const int32_t *cand_parent;   /* [N] branch index of the parent, -1: none  */
    const int32_t *branch_parent; /* [M] branch index of the parent, -1: root;
                                     every parent index < its child's index    */
    const double *outcome;        /* [N] O_i                                   */
    double unit_cost;             /* u: weight of every x_i and y_j            */
    int32_t n_clusters;           /* K; 0 = no coverage term                   */
    const int32_t *cluster;       /* [N] in [0, K) when K > 0                  */
    double coverage;              /* v: weight of every z_k                    */
    /* Tie rule: candidate indices, most preferred first (NULL = 0, 1, ...).
     * Among selections tied at the optimum, the chosen one has the greatest
     * preference weight sum_i (N - rank_i) x_i; among those still tied, it
     * is the lexicographically greatest x read in this order (it keeps the
     * most preferred candidate any of them keeps, then the next, ...). */
    const int32_t *prefer;
} etsim_ilp_model;

typedef struct etsim_ilp_stats {
    double lp_bound;              /* root LP relaxation value                  */
    int lp_integral;              /* the root LP optimum was integral          */
    int32_t open_cands;           /* candidates the reduced-cost test left open */
    int32_t tie_solves;           /* extra solves spent on the tie rule        */
    int32_t tie_fallbacks;        /* preference stage skipped (GLPK tolerance)  */
    int32_t tie_restarts;         /* preference LP restarted from the slack basis */
    int64_t bb_nodes;             /* branch-and-bound subproblems, all solves  */
} etsim_ilp_stats;

/* Solve; x[N] gets the selection, *objective its value (etsim_ilp_objective).
 * stats may be NULL. Returns 0, or -1 with err set (GLPK failure, bad
 * model). */
int etsim_ilp_solve(const etsim_ilp_model *m, uint8_t *x, double *objective,
                    etsim_ilp_stats *stats, etsim_err *err);

/* The reference's model as written in rebase.py, solved by GLPK's branch and
 * cut without any tie rule (like CBC, it returns whichever optimum it finds). */
int etsim_ilp_solve_literal(const etsim_ilp_model *m, uint8_t *x, double *objective,
                            etsim_err *err);

/* Objective of selection x with y and z at their implied values (y_j = 1
 * iff a kept candidate lies under j, z_k = 1 iff cluster k has one), summed
 * in a fixed order so equal selections give bit-identical values. */
double etsim_ilp_objective(const etsim_ilp_model *m, const uint8_t *x);

/* Two objective values within this distance are a tie. */
double etsim_ilp_tie_tolerance(const etsim_ilp_model *m);

/* GLPK keeps a per-thread environment, freed when the thread exits; the
 * main thread may free its own now with this (harmless if there is none). */
void etsim_ilp_thread_cleanup(void);

#endif
