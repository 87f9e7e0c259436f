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
    int32_t n_branch;             /* M >= 0; M >= 1 when N >= 2 (a root)       */
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
    /* Outcome weights are counts / outcome_den (the REBASE allocation's
     * total); 0 = unknown (the exact solver then infers it, or defers to
     * GLPK). Only the exact solver reads it (ets_exact.c). */
    int64_t outcome_den;
    /* Which solver: ETSIM_ILP_AUTO (0: the exact solver of ets_exact.c, GLPK
     * where it cannot certify its answer), ETSIM_ILP_GLPK (always GLPK, the
     * reference path the differential tests compare against) or
     * ETSIM_ILP_EXACT_ONLY (tests: etsim_ilp_solve fails instead of falling
     * back). etsim_ilp_set_default_solver overrides AUTO for a whole run
     * (the CLI sets it from ETSIM_ETS_SOLVER=glpk|exact|auto). */
    int solver;
} etsim_ilp_model;

enum { ETSIM_ILP_AUTO = 0, ETSIM_ILP_GLPK = 1, ETSIM_ILP_EXACT_ONLY = 2 };

typedef struct etsim_ilp_stats {
    double lp_bound;              /* root LP relaxation value                  */
    int lp_integral;              /* the root LP optimum was integral          */
    int32_t open_cands;           /* candidates the reduced-cost test left open */
    int32_t tie_solves;           /* extra solves spent on the tie rule        */
    int32_t tie_fallbacks;        /* preference stage skipped (GLPK tolerance)  */
    int32_t tie_restarts;         /* preference LP restarted from the slack basis */
    int64_t bb_nodes;             /* branch-and-bound subproblems, all solves  */
    int exact;                    /* 1: the exact solver answered (no GLPK)   */
    int exact_declined;           /* why it deferred to GLPK (ETSIM_EXACT_*)  */
    int64_t dp_passes;            /* tree DP passes of the exact solver       */
    int64_t states_runs;          /* its state programmes (exact or hybrid)    */
    int32_t near_ties_ruled_out;  /* near-tie combinations it ruled out by
                                     counts after its search (ets_exact.c)     */
} etsim_ilp_stats;

/* Reasons the exact solver defers to GLPK (stats.exact_declined). */
enum {
    ETSIM_EXACT_OK = 0,
    ETSIM_EXACT_NO_DEN,      /* outcome weights not counts / a known total   */
    ETSIM_EXACT_NEAR_TIE,    /* two objective values might differ by less
                                than the tie tolerance without being equal  */
    ETSIM_EXACT_POS_COST,    /* unit cost >= 0 and all-keep not provably unique */
    ETSIM_EXACT_NODE_LIMIT,  /* branch and bound over the coverage rows ran
                                past its budget                             */
    ETSIM_EXACT_NO_TREE,     /* no branch node (every candidate's parent is
                                -1): the tree programme has no root          */
};

/* The exact solver alone (ets_exact.c): returns 1 with x and stats filled,
 * or 0 when it cannot certify the tie rule's answer (stats->exact_declined
 * says why; etsim_ilp_solve then uses GLPK). m must be valid (N >= 2). */
int etsim_ilp_solve_exact(const etsim_ilp_model *m, uint8_t *x, etsim_ilp_stats *stats);

/* The solver models with solver = ETSIM_ILP_AUTO use for the whole run
 * (default ETSIM_ILP_AUTO; set before searches start), and the name of one:
 * ETSIM_ILP_GLPK for "glpk", ETSIM_ILP_EXACT_ONLY for "exact", else AUTO. */
void etsim_ilp_set_default_solver(int solver);
int etsim_ilp_default_solver(void);
int etsim_ilp_solver_parse(const char *name);

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
