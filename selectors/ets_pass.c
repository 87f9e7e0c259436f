/* ets_pass.c -- one pass of the exact ETS solver's tree programme and what
 * is read off it (ets_solver.h): the pass itself (each subtree's best
 * non-empty selection under the Lagrangian weights, bottom up, then the
 * answer top down), the objective of a selection, the rerooted values
 * (the best outside each subtree) and Lagrangian probing built on them.
 * ets_exact.c's file comment says what the pass computes and why its
 * answer is exact where it certifies one. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "selectors/ets_solver.h"

/* One pass's working set, copied out of the solver: the pass stores
 * bytes, which may alias anything, and with the arrays reached through
 * the solver every such store made the compiler reload every pointer. */
typedef struct pass_ctx {
    double dtie, noise;
    int uncertain;
    branch_acc *acc;
} pass_ctx;

/* A comparison whose difference is above the rounding bound but within
 * dtie could be a real difference the solver takes as a tie: the pass is
 * then not trusted as a certificate (s->uncertain). */
static void watch(pass_ctx *c, double d) {
    d = fabs(d);
    if (d > c->noise && d <= c->dtie) c->uncertain = 1;
}

static int better(pass_ctx *c, const tuple *a, const tuple *b) {
    if (isfinite(b->val)) watch(c, a->val - b->val);
    if (a->val > b->val + c->dtie) return 1;
    if (a->val < b->val - c->dtie) return 0;
    if (a->w != b->w) return a->w > b->w;
    return a->minrank < b->minrank;
}

/* Non-empty (worth val) beats empty: at equal value its W > 0 wins. */
static int worth_keeping(pass_ctx *c, double val) {
    watch(c, val);
    return val >= -c->dtie;
}

static void acc_add(pass_ctx *c, int32_t p, const tuple *t) {
    branch_acc *b = &c->acc[p];
    b->val += t->val;
    b->w += t->w;
    if (t->minrank < b->minrank) b->minrank = t->minrank;
    b->any = 1;
}

/* always inlined: four call sites kept gcc from it, at 8% of a solve */
static inline __attribute__((always_inline)) void offer_ne(pass_ctx *c, int32_t p, const tuple *t,
                                                          int32_t child) {
    /* the single best child matters only while no child is kept */
    branch_acc *b = &c->acc[p];
    if (b->any) return;
    b->has_ne = 1;
    if (b->fb_child < 0 || better(c, t, &b->fb)) {
        b->fb = *t;
        b->fb_child = child;
    }
}

/* One pass of the tree programme with candidate i worth a_i (+ v when its
 * cluster is on, or + mu[its cluster] when mu is given) and the fixings in
 * fix. Returns 0 when nothing may be
 * kept, else 1 with x and the root's best (value, W, min rank). */
int etsim_exact_pass(solver *s, const uint8_t *fix, const double *mu, uint8_t *x, tuple *root) {
    const etsim_ilp_model *m = s->m;
    const int32_t N = s->N, M = s->M, K = s->K;
    const int32_t *cand_parent = m->cand_parent, *branch_parent = m->branch_parent;
    const int32_t *cluster = m->cluster, *rank = s->rank;
    const int32_t *cl_start = s->cl_start, *cl_mem = s->cl_mem, *grp_parent = s->grp_parent;
    const double *a = s->a;
    const double u = s->u, v = s->v;
    const uint8_t *in_local = s->in_local;
    uint8_t *cand_choice = s->cand_choice, *grp_choice = s->grp_choice;
    branch_acc *acc = s->acc;
    uint8_t *br_choice = s->br_choice, *br_state = s->br_state;
    double *grp_val = s->grp_val, *br_val = s->br_val;
    pass_ctx c = {s->dtie, s->noise, 0, s->acc};
    int rc = 1;
    s->passes++;
    for (int32_t j = 0; j < M; j++) {
        acc[j].val = 0.0;
        acc[j].w = 0;
        acc[j].minrank = INT32_MAX;
        acc[j].fb_child = -1;
        acc[j].any = 0;
        acc[j].can_empty = 1;
        acc[j].has_ne = 0;
    }
    for (int32_t i = 0; i < N; i++) {
        int32_t p = cand_parent[i];
        cand_choice[i] = 0;
        if (fix[i] == FIX_ZERO || in_local[i]) continue;
        tuple t = {a[i], (int64_t)(N - rank[i]), rank[i]};
        if (K > 0) t.val += mu[cluster[i]];
        int ne;
        if (fix[i] == FIX_ONE) {
            ne = 1;
            acc[p].can_empty = 0;
        } else {
            ne = worth_keeping(&c, t.val);
        }
        cand_choice[i] = (uint8_t)ne;
        if (ne) acc_add(&c, p, &t);
        offer_ne(&c, p, &t, i);
    }
    /* Sibling-local clusters: all members under one parent, so the
     * coverage term is exact here. The group's best non-empty choice: every
     * member forced in or worth >= 0 (at equal value more W wins), or, if
     * none is, the single best member; worth v more for the cluster. */
    for (int32_t k = 0; k < K; k++) {
        int32_t p = grp_parent[k];
        if (p < 0) continue;
        grp_choice[k] = 0;
        grp_val[k] = -INFINITY;
        tuple t = {v, 0, INT32_MAX}, one = {-INFINITY, 0, INT32_MAX};
        int forced = 0, n_in = 0;
        int32_t one_i = -1;
        for (int32_t q = cl_start[k]; q < cl_start[k + 1]; q++) {
            int32_t i = cl_mem[q];
            if (fix[i] == FIX_ZERO) continue;
            tuple ti = {a[i], (int64_t)(N - rank[i]), rank[i]};
            if (fix[i] == FIX_ONE || worth_keeping(&c, ti.val)) {
                forced |= fix[i] == FIX_ONE;
                cand_choice[i] = 1;
                n_in++;
                t.val += ti.val;
                t.w += ti.w;
                if (ti.minrank < t.minrank) t.minrank = ti.minrank;
            } else if (one_i < 0 || better(&c, &ti, &one)) {
                one = ti;
                one_i = i;
            }
        }
        if (n_in == 0) {
            if (one_i < 0) continue; /* every member fixed to 0 */
            cand_choice[one_i] = 1;
            t.val += one.val;
            t.w = one.w;
            t.minrank = one.minrank;
        }
        int ne = forced || worth_keeping(&c, t.val);
        if (forced) acc[p].can_empty = 0;
        grp_choice[k] = (uint8_t)ne;
        grp_val[k] = t.val;
        if (ne) acc_add(&c, p, &t);
        offer_ne(&c, p, &t, N + M + k);
    }
    for (int32_t j = M - 1; j >= 0; j--) {
        tuple t;
        int possible = 1;
        if (acc[j].any) {
            t = (tuple){u + acc[j].val, acc[j].w, acc[j].minrank};
        } else if (acc[j].has_ne) {
            t = acc[j].fb;
            t.val += u;
        } else {
            possible = 0;
            t = (tuple){-INFINITY, 0, INT32_MAX};
        }
        if (j == 0) {
            *root = t;
            if (!possible) rc = 0;
            break;
        }
        int32_t p = branch_parent[j];
        br_choice[j] = 0;
        br_val[j] = t.val;
        if (!possible) continue;
        int ne = !acc[j].can_empty || worth_keeping(&c, t.val);
        if (!acc[j].can_empty) acc[p].can_empty = 0;
        br_choice[j] = (uint8_t)ne;
        if (ne) acc_add(&c, p, &t);
        offer_ne(&c, p, &t, N + j);
    }
    if (c.uncertain) s->uncertain = 1;
    if (!rc) return 0;
    br_state[0] = 1;
    for (int32_t j = 1; j < M; j++) {
        int32_t p = branch_parent[j];
        br_state[j] = !br_state[p]  ? 0
                      : acc[p].any ? br_choice[j]
                                   : (uint8_t)(acc[p].fb_child == N + j);
    }
    for (int32_t i = 0; i < N; i++) {
        int32_t p = cand_parent[i];
        if (in_local[i]) {
            int32_t k = cluster[i];
            x[i] = cand_choice[i] && br_state[p] &&
                   (acc[p].any ? grp_choice[k] : acc[p].fb_child == N + M + k);
        } else {
            x[i] = !br_state[p] ? 0 : acc[p].any ? cand_choice[i] : (uint8_t)(acc[p].fb_child == i);
        }
    }
    return 1;
}

/* f(x), summed in etsim_ilp_objective's order; *w gets W(x) and s->nk the
 * kept members per cluster. */
double etsim_exact_objective(solver *s, const uint8_t *x, int64_t *w) {
    const etsim_ilp_model *m = s->m;
    const int32_t N = s->N, M = s->M, K = s->K;
    const int32_t *cand_parent = m->cand_parent, *branch_parent = m->branch_parent;
    const int32_t *cluster = m->cluster, *rank = s->rank;
    const double *outcome = m->outcome;
    uint8_t *used = s->mark; /* branch node with a kept candidate below: all 0 between calls */
    int32_t *nk = s->nk;
    double out_sum = 0.0;
    int64_t nodes = 0, covered = 0, wsum = 0;
    for (int32_t k = 0; k < K; k++) nk[k] = 0;
    for (int32_t i = 0; i < N; i++) {
        if (!x[i]) continue;
        out_sum += outcome[i];
        nodes++;
        wsum += N - rank[i];
        if (cand_parent[i] >= 0) used[cand_parent[i]] = 1;
        if (K > 0 && nk[cluster[i]]++ == 0) covered++;
    }
    /* branch nodes bottom up (a parent's index is below its children's) */
    for (int32_t j = M - 1; j >= 0; j--) {
        if (!used[j]) continue;
        used[j] = 0;
        nodes++;
        if (j > 0) used[branch_parent[j]] = 1;
    }
    *w = wsum;
    s->obj_nodes = nodes;
    s->obj_covered = covered;
    return out_sum + m->unit_cost * (double)nodes + m->coverage * (double)covered;
}

/* After a pass, top down: out_val[j], the best L outside subtree j's
 * children with j kept, j's own cost included; and, where outside is
 * given, outside[j], the best L outside subtree j with its parent kept
 * (the root's: 0). */
void etsim_exact_rerooted(solver *s, double *outside) {
    const etsim_ilp_model *m = s->m;
    const branch_acc *acc = s->acc;
    s->out_val[0] = s->u + (acc[0].any ? acc[0].val : 0.0);
    if (outside) outside[0] = 0.0;
    for (int32_t j = 1; j < s->M; j++) {
        int32_t p = m->branch_parent[j];
        double rest = s->out_val[p] - (s->br_choice[j] && acc[p].any ? s->br_val[j] : 0.0);
        s->out_val[j] = rest + s->u + (acc[j].any ? acc[j].val : 0.0);
        if (outside) outside[j] = rest;
    }
}

/* Lagrangian probing after a pass: for every free candidate the pass left
 * out, the best L over selections that keep it (the programme's value
 * outside its parent's subtree, computed top down, plus its parent's
 * children with it forced in). L >= f, so when that bound is below the
 * incumbent by more than the rounding margin no selection keeping the
 * candidate is optimal or tied with the optimum, and fixing it to 0 leaves
 * the node's best selection in the full order unchanged. Returns how many
 * it fixed. */
int32_t etsim_exact_probe_fix(solver *s, uint8_t *fix, const double *mu, const uint8_t *x,
                              double constant) {
    const etsim_ilp_model *m = s->m;
    int32_t N = s->N, n_fixed = 0;
    double limit = s->inc_f - s->margin - constant;
    etsim_exact_rerooted(s, NULL);
    for (int32_t i = 0; i < N; i++) {
        if (fix[i] != FIX_FREE || x[i]) continue;
        int32_t p = m->cand_parent[i];
        double b;
        if (!s->in_local[i]) {
            double val = s->a[i] + (s->K > 0 ? mu[m->cluster[i]] : 0.0);
            b = s->out_val[p] - (s->cand_choice[i] && s->acc[p].any ? val : 0.0) + val;
        } else {
            int32_t k = m->cluster[i];
            double g = s->v;
            for (int32_t q = s->cl_start[k]; q < s->cl_start[k + 1]; q++) {
                int32_t c = s->cl_mem[q];
                if (fix[c] == FIX_ZERO) continue;
                if (c == i || fix[c] == FIX_ONE || s->a[c] >= -s->dtie) g += s->a[c];
            }
            b = s->out_val[p] - (s->grp_choice[k] && s->acc[p].any ? s->grp_val[k] : 0.0) + g;
        }
        if (b < limit) {
            fix[i] = FIX_ZERO;
            n_fixed++;
        }
    }
    return n_fixed;
}
