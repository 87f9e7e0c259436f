/* ets_solver.h -- private to the exact ETS solver: the state of one solve,
 * shared by the search (ets_exact.c: branch and bound, hybrid, root
 * schedule, ruling out near ties) and the tree programme's pass with what
 * is read off it (ets_pass.c: the pass, the objective, rerooted values and
 * Lagrangian probing). ets_exact.c's file comment says how the solver
 * works; the state programme, the instance checks and the local search
 * have their own interface in ets_states.h. */
#ifndef ETSIM_ETS_SOLVER_H
#define ETSIM_ETS_SOLVER_H
#include <stdint.h>

#include "selectors/ets_states.h"
#include "selectors/ilp.h"

enum { FIX_FREE = 0, FIX_ZERO = 1, FIX_ONE = 2 };
enum { MODE_OFF = 0, MODE_DEAD = 2, MODE_LOCAL = 3 };

/* A subtree's best selection in the tie rule's order: value, preference
 * weight W, and its least rank (the lexicographic tie-break among
 * disjoint selections of equal value and W). */
typedef struct tuple {
    double val;
    int64_t w;
    int32_t minrank;
} tuple;

/* A pass's running state of one branch node, in one place (the pass
 * touches all of it per child): the kept children's value, W and least
 * rank; whether any is kept; the single best child while none is (fb,
 * fb_child; has_ne: one is possible); and whether the empty choice is
 * still allowed (no child forced). */
typedef struct branch_acc {
    double val;
    int64_t w;
    int32_t minrank, fb_child;
    tuple fb;
    uint8_t any, can_empty, has_ne;
} branch_acc;

typedef struct solver {
    const etsim_ilp_model *m;
    int32_t N, M, K;
    double u, v, dtie, noise;
    double margin;               /* what tie comparisons may lose to rounding
                                    over a whole selection: dtie (N + M + K + 2) */
    int uncertain;               /* this pass compared a near tie           */
    int32_t *rank, *order;
    double *a;                   /* O_i + u                                  */
    int32_t *cl_start, *cl_mem;  /* members of cluster k: cl_mem[cl_start[k]..] */
    /* one DP pass */
    branch_acc *acc;             /* per branch node: its children so far      */
    uint8_t *br_choice, *br_state, *cand_choice;
    uint8_t *in_local;           /* candidate's cluster is sibling-local     */
    uint8_t *has_one;            /* cluster has a member fixed to 1 (node)   */
    uint8_t *grp_choice;         /* local cluster k chose non-empty          */
    int32_t *grp_parent;         /* its members' parent, or -1: not local    */
    uint8_t *orig_local;         /* cluster k is sibling-local with no fixing */
    double *br_val;              /* branch node's best non-empty value (pass) */
    double *grp_val;             /* local cluster's best non-empty value      */
    double *out_val;             /* probe: value outside subtree j, j kept    */
    double *outside;             /* hybrid: value outside subtree j, parent kept */
    int32_t *bdepth;             /* branch node depth (root 0)                */
    int32_t *bit_of, *lca;       /* state programme: open clusters' bits      */
    int32_t *st_active, *st_stamp; /* and its work estimate's scratch [M]     */
    /* objective and coverage scratch */
    uint8_t *mark;
    int32_t *nk;
    int64_t passes, limit;
    int have_inc;
    double inc_f;
    int64_t inc_w;
    uint8_t *inc_x;
    double root_bound;
    int64_t nodes;
    int64_t states_calls;        /* state programmes run (hybrid or exact)    */
    int32_t *nk_last;            /* kept members per cluster of the last pass */
    uint8_t *want;               /* hybrid: clusters carried as state bits    */
    double *flip_prev;           /* root: the multipliers of the last flip pass */
    uint8_t *hyb_x;              /* hybrid: its answer                         */
    int64_t obj_nodes, obj_covered; /* n and k of the last etsim_exact_objective */
    /* polish: its selection, the last two answers it polished (ls_done
     * so far), its scratch (ets_polish.c), and s->nk saved across offer() */
    uint8_t *ls_x, *ls_last[2];
    int ls_done;
    int32_t *ls_use, *ls_nk, *ls_saved_nk;
} solver;


/* One pass of the tree programme (the candidates worth a_i plus mu of
 * their cluster, the node's fixings fix); 0 when nothing may be kept,
 * else 1 with x and the root's best. */
int etsim_exact_pass(solver *s, const uint8_t *fix, const double *mu, uint8_t *x, tuple *root);
/* f(x), summed in etsim_ilp_objective's order; *w gets W(x), s->nk the
 * kept members per cluster, s->obj_nodes and s->obj_covered its counts. */
double etsim_exact_objective(solver *s, const uint8_t *x, int64_t *w);
/* After a pass: s->out_val, and outside[] where given (see ets_pass.c). */
void etsim_exact_rerooted(solver *s, double *outside);
/* Lagrangian probing after a pass: fixes to 0 the candidates that cannot
 * be in an optimum; returns how many. */
int32_t etsim_exact_probe_fix(solver *s, uint8_t *fix, const double *mu, const uint8_t *x,
                              double constant);

#endif
