/* ets_polish.c -- local search on a selection of the ETS selection ILP, the
 * exact solver's primal heuristic (ets_exact.c polishes the answers of its
 * root passes with it).
 *
 * Why: in a large step the Lagrangian passes' answers keep violating
 * cluster rows for hundreds of passes, and the incumbent they gave stayed
 * far enough below the optimum that nothing was pruned (on the 1,024-
 * candidate bench step the optimum turned up after about 300 passes, deep
 * in the tree). A few sweeps of single moves from a pass's answer find it
 * within the first passes on most such steps. Every non-empty selection is
 * feasible, so this only changes how soon the search prunes, never its
 * answer.
 *
 * How: sweeps over the candidates in rank order, each taking the first
 * move that raises f by more than eps: add a candidate (it pays its path
 * up to the first used branch node, and gains v if its cluster was
 * uncovered), drop one (it saves the nodes only it uses, and loses v if it
 * was its cluster's only kept member), or swap a cluster's only kept
 * member for the best other member. Kept candidates below each branch node
 * (use) and per cluster (nk) give each move's change in O(depth). The
 * selection stays non-empty. */
#include <string.h>

#include "selectors/ets_states.h"

static void move_path(const etsim_polish_in *in, int32_t *use, int32_t *nk, int32_t i,
                      int32_t delta) {
    const etsim_ilp_model *m = in->m;
    for (int32_t j = m->cand_parent[i]; j >= 0; j = m->branch_parent[j]) use[j] += delta;
    if (m->n_clusters > 0) nk[m->cluster[i]] += delta;
}

/* f's change when candidate i joins, its cluster term aside (a node with
 * use <= 0 is unused: see the swap's marking) */
static double add_value(const etsim_polish_in *in, const int32_t *use, int32_t i) {
    const etsim_ilp_model *m = in->m;
    double d = in->a[i];
    for (int32_t j = m->cand_parent[i]; j >= 0 && use[j] <= 0; j = m->branch_parent[j]) d += in->u;
    return d;
}

/* The nodes only kept candidate i uses (use 1, a prefix of its path) set
 * to `to`, from `from`: marked -1 they read as unused with i out, without
 * walking i's whole path down and up again. */
static void mark_only(const etsim_polish_in *in, int32_t *use, int32_t i, int32_t from,
                      int32_t to) {
    const etsim_ilp_model *m = in->m;
    for (int32_t j = m->cand_parent[i]; j >= 0 && use[j] == from; j = m->branch_parent[j])
        use[j] = to;
}

/* f's change when kept candidate i leaves, its cluster term aside */
static double drop_value(const etsim_polish_in *in, const int32_t *use, int32_t i) {
    const etsim_ilp_model *m = in->m;
    double d = -in->a[i];
    for (int32_t j = m->cand_parent[i]; j >= 0 && use[j] == 1; j = m->branch_parent[j]) d -= in->u;
    return d;
}

double etsim_exact_polish(const etsim_polish_in *in, uint8_t *x, double f, int32_t *use,
                          int32_t *nk) {
    const etsim_ilp_model *m = in->m;
    int32_t N = m->n_cand, K = m->n_clusters;
    memset(use, 0, (size_t)m->n_branch * sizeof *use);
    if (K > 0) memset(nk, 0, (size_t)K * sizeof *nk);
    int32_t n_kept = 0;
    for (int32_t i = 0; i < N; i++)
        if (x[i]) {
            if (m->cand_parent[i] >= 0) use[m->cand_parent[i]]++;
            if (K > 0) nk[m->cluster[i]]++;
            n_kept++;
        }
    /* branch nodes come after their parents: one pass bottom up */
    for (int32_t j = m->n_branch - 1; j >= 0; j--)
        if (m->branch_parent[j] >= 0) use[m->branch_parent[j]] += use[j];
    double v = in->v, eps = in->eps;
    int improved = 1;
    for (int sweep = 0; improved && sweep < in->sweeps; sweep++) {
        improved = 0;
        for (int32_t r = 0; r < N; r++) {
            int32_t i = in->order[r], k = K > 0 ? m->cluster[i] : 0;
            if (!x[i]) {
                /* an unused parent costs u at least: skip the walk when even
                 * that loses (most candidates, and the walks dominate) */
                double gain = K > 0 && nk[k] == 0 ? v : 0.0;
                int32_t p = m->cand_parent[i];
                if (in->a[i] + gain + (p >= 0 && use[p] == 0 ? in->u : 0.0) <= eps) continue;
                double d = add_value(in, use, i) + gain;
                if (d > eps) {
                    x[i] = 1;
                    move_path(in, use, nk, i, 1);
                    n_kept++;
                    f += d;
                    improved = 1;
                }
                continue;
            }
            if (n_kept == 1) continue;
            int sole = K > 0 && nk[k] == 1;
            double d = drop_value(in, use, i);
            if (d - (sole ? v : 0.0) > eps) {
                x[i] = 0;
                move_path(in, use, nk, i, -1);
                n_kept--;
                f += d - (sole ? v : 0.0);
                improved = 1;
                continue;
            }
            if (!sole || in->cl_start[k + 1] - in->cl_start[k] == 1) continue;
            /* swap i for the best other member of its cluster, valued with
             * i out (its own nodes marked unused) */
            mark_only(in, use, i, 1, -1);
            int32_t best = -1;
            double best_d = eps;
            for (int32_t q = in->cl_start[k]; q < in->cl_start[k + 1]; q++) {
                int32_t j = in->cl_mem[q], pj = m->cand_parent[j];
                if (j == i || x[j]) continue;
                if (d + in->a[j] + (pj >= 0 && use[pj] <= 0 ? in->u : 0.0) <= best_d) continue;
                double dj = d + add_value(in, use, j);
                if (dj > best_d) {
                    best_d = dj;
                    best = j;
                }
            }
            mark_only(in, use, i, -1, 1);
            if (best < 0) continue;
            x[i] = 0;
            x[best] = 1;
            move_path(in, use, nk, i, -1);
            move_path(in, use, nk, best, 1);
            f += best_d;
            improved = 1;
        }
    }
    return f;
}
