/* ets_exact.c -- the ETS selection ILP (ilp.h) solved exactly without an LP:
 * a dynamic programme over the candidates' tree, and for the coverage term
 * a branch and bound whose bounds are Lagrangian relaxations of the cluster
 * rows, each solved by the same programme. It returns the selection the
 * tie rule of ilp.h picks, or declines (returns 0) and etsim_ilp_solve
 * falls back to GLPK (ilp.c). selectors/README.md ("Exact solver") says why
 * the answer is GLPK's answer.
 *
 * The objective. f(x) = sum_i (O_i + u) x_i + u |B(x)| + v |C(x)|, B(x) the
 * branch nodes with a kept candidate below, C(x) the clusters with a kept
 * member, u < 0 (cost), v >= 0 (coverage). With O_i = c_i / D (REBASE's
 * counts over their total D), f(x) is, up to rounding (~1e-13), the real
 * number C/D + u n + v k of three integers: kept counts C, nodes n,
 * clusters k. The tie rule chooses among S = {x : f(x) >= f* - tol} the
 * greatest preference weight W(x) = sum (N - rank_i) x_i, then the
 * lexicographically greatest x in rank order.
 *
 * No near ties (ets_ties.c). Every difference of two objective values is
 * dC/D + u dn + v dk with |dC| <= C_total, |dn| <= N + M, |dk| <= K. If no
 * such combination lies in [lo, tol + dtie] (lo = dtie / 2), then two
 * values are either equal up to rounding (< dtie apart) or more than the
 * tolerance apart, so S is exactly the set of selections whose value equals
 * the optimum up to rounding, and "within dtie" below is an equivalence on
 * every value the solver compares. Where some do (a near coincidence of
 * the weights: at N = 1,024 most steps have a few), the solver searches
 * anyway and then rules each combination out for its answer x*: a
 * selection that far from x* would have x*'s counts minus or plus the
 * combination, and a Lagrangian bound with the node and cluster weights
 * shifted (window_empty) shows that no selection with those counts
 * reaches that value. If one combination survives, it declines.
 *
 * The tree programme (ets_pass.c). Compare (value, W, lex) lexicographically,
 * values equal within dtie. Per subtree: its best non-empty selection. A
 * candidate's is itself; a branch node's is u plus, for each child, the
 * better of "empty" and the child's best (additive value and W; the
 * lexicographic order of a union of disjoint parts is decided part by
 * part), or, when every child prefers empty, the single best child (among
 * disjoint selections of equal value and W the lexicographically greater
 * is the one holding the smallest rank). Non-empty beats empty at equal
 * value (its W > 0). The root's best is the answer: "sum x >= 1" is "the
 * root is non-empty". Candidates fixed to 0 or 1 by the branch and bound
 * restrict the choices. One pass is O(N + M).
 *
 * Coverage. A cluster whose members all share one parent (sibling-local:
 * most clusters of real steps, every singleton) is exact inside the
 * programme: at that parent it is one more child whose best non-empty
 * choice is every member worth >= 0 (or the single best member) plus v.
 * The other clusters' rows z_k <= sum_{i in k} x_i are relaxed with
 * multipliers mu_k in [0, v] (solve_node): L(x) = f-without-them + sum_k
 * ((v - mu_k) + mu_k n_k) >= f(x) for every x, equal iff every cluster with
 * mu_k < v is covered and every cluster with mu_k > 0 has at most one kept
 * member. The programme maximises L; when its answer x has L(x) = f(x) it
 * is the best selection (in the full order) of the subproblem: any tied
 * selection has L >= f = the maximum, so it ties in L too and loses the
 * (W, lex) comparison. A pass in which a comparison fell between the
 * rounding bound and dtie is never used as such a certificate. The first
 * passes set mu_k to 0 or v per violated cluster, later ones take
 * subgradient steps; then the node branches on a violated cluster (its
 * first kept member in rank order is the j-th free one, or none is kept).
 * Nodes whose bound is below the incumbent (minus a rounding margin), or
 * tied with it and no better in (W, lex), are pruned. Every pass's answer
 * is a feasible selection and is offered as an incumbent; at the root it
 * is also polished by local search first (polish), and the subgradient
 * steps are Polyak's towards the incumbent's value, so that the bound
 * closes on the optimum once polishing has found it. The root runs on
 * while its gap keeps halving (ROOT_PROGRESS_SPAN).
 * Fixings are sharpened per node: a cluster whose free members share one
 * parent is solved inside the programme (node_setup), and after each pass
 * Lagrangian probing fixes to 0 every candidate whose best L when kept is
 * below the incumbent (etsim_exact_probe_fix). When at most
 * ETSIM_STATES_MAX_BITS relaxed clusters are left open, the node is solved
 * exactly by the tree programme over their coverage states (ets_states.c,
 * try_states). When a pass leaves at most HYBRID_OPEN clusters violated,
 * the same programme carries just those as states and keeps the others
 * relaxed (try_hybrid): violated clusters are mostly degenerate ones,
 * whose members tie at the multiplier's break-even point so that every
 * pass keeps all or none of them; their exact treatment settles at the
 * root scattered instances that take hundreds of branch-and-bound nodes
 * without it. At 1,024 candidates the root typically ends with 10 to 16
 * such clusters, so the hybrid takes up to HYBRID_OPEN = 16 of them before
 * it branches (the state programme's work estimate still refuses
 * scattered ones whose tables would be too large).
 * Past a pass budget the solver declines. The pass, the objective and
 * probing live in ets_pass.c (the solve's state they share with this file
 * in ets_solver.h), the near-tie scan, the ruling out of near ties and the
 * outcome denominator in ets_ties.c, the state programme in ets_states.c,
 * the local search in ets_polish.c; here: the incumbent, the hybrid, the
 * branching, the root's schedule and the shifted passes the ruling out
 * calls. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "selectors/ets_solver.h"

/* Passes per node. The root: multipliers flipped to 0 or v per violated
 * cluster, then Polyak subgradient steps until the hybrid settles it;
 * below the root the inherited multipliers are close, so a few steps. */
enum { ROOT_FLIP_PASSES = 4, ROOT_SUBGRADIENT_PASSES = 30, NODE_PASSES = 3 };
/* The hybrid starts once at most HYBRID_OPEN_EARLY clusters are violated,
 * or HYBRID_OPEN at a node's last pass (before it would branch): tried on
 * more clusters early, its state programme cost more than the passes it
 * saved at 256 candidates. */
enum { HYBRID_OPEN_EARLY = 8, HYBRID_OPEN = 16 };
/* The root goes on past its passes while they still pay: as long as the
 * bound's distance to the incumbent halved over the last ROOT_PROGRESS_SPAN
 * passes, up to ROOT_MAX_PASSES (a branch costs far more than a pass). */
enum { ROOT_PROGRESS_SPAN = 10, ROOT_MAX_PASSES = 400 };
/* Polishing (polish): the answers of the first POLISH_EVERY_FROM root
 * passes, then of every POLISH_EVERY-th; POLISH_SWEEPS sweeps over the
 * candidates at most. Polishing every pass cost about a fifth more at 256
 * candidates and found the optimum no sooner; which passes are polished
 * changes the search's path, and so whether a hard step settles within
 * the budget (the bench's 1,024-candidate step at lambda_b 2 does with
 * this schedule, and not with every 8th pass: 31-32 of 50 other such
 * steps settle either way). */
enum { POLISH_EVERY_FROM = 2, POLISH_EVERY = 4, POLISH_SWEEPS = 2 };
/* The state programme's work is charged to the pass budget at its cost:
 * a table-entry pair costs about a quarter of what a pass spends per
 * model element (4-6 ns against about 18 on machine A, 1,024
 * candidates). Charged a full pass per model size of pairs, 19 of 50
 * bench-shaped 1,024-candidate steps ran out of the budget; 15 do at a
 * quarter (selectors/README.md). */
enum { STATES_OPS_PER_PASS = 4 };

static int lex_greater(const solver *s, const uint8_t *a, const uint8_t *b) {
    for (int32_t r = 0; r < s->N; r++) {
        int32_t i = s->order[r];
        if (a[i] != b[i]) return a[i] > b[i];
    }
    return 0;
}

/* Keep x if it beats the incumbent in (value, W, lex). Returns f(x). */
static double offer(solver *s, const uint8_t *x) {
    int64_t w;
    double f = etsim_exact_objective(s, x, &w);
    int take = !s->have_inc || f > s->inc_f + s->dtie;
    if (!take && f >= s->inc_f - s->dtie)
        take = w > s->inc_w || (w == s->inc_w && lex_greater(s, x, s->inc_x));
    if (take) {
        s->have_inc = 1;
        s->inc_f = f;
        s->inc_w = w;
        memcpy(s->inc_x, x, (size_t)s->N);
    }
    return f;
}

/* Polish a pass's answer (ets_polish.c) and offer the result if it can be
 * the incumbent. s->nk (the pass's counts) is the caller's and is kept. */
static void polish(solver *s, const uint8_t *x0, double f) {
    int32_t N = s->N, K = s->K;
    etsim_polish_in in = {.m = s->m, .a = s->a, .order = s->order, .cl_start = s->cl_start,
                          .cl_mem = s->cl_mem, .u = s->u, .v = s->v, .eps = 4.0 * s->dtie,
                          .sweeps = POLISH_SWEEPS};
    /* done already: the last two are kept, as the root's flips
     * alternate between two answers */
    for (int q = 0; q < 2 && q < s->ls_done; q++)
        if (!memcmp(s->ls_last[q], x0, (size_t)N)) return;
    memcpy(s->ls_last[s->ls_done++ % 2], x0, (size_t)N);
    memcpy(s->ls_x, x0, (size_t)N);
    f = etsim_exact_polish(&in, s->ls_x, f, s->ls_use, s->ls_nk);
    if (f < s->inc_f - s->margin || !memcmp(s->ls_x, x0, (size_t)N)) return;
    if (K > 0) memcpy(s->ls_saved_nk, s->nk, (size_t)K * sizeof *s->nk);
    offer(s, s->ls_x);
    if (K > 0) memcpy(s->nk, s->ls_saved_nk, (size_t)K * sizeof *s->nk);
}

/* Cluster states for a node's fixings. A cluster whose members not fixed
 * to 0 all share one parent is sibling-local here (exact inside the
 * programme), even when it was not before the fixings: its other members
 * can no longer cover it. One with every member fixed to 0 is dead. The
 * others are relaxed; one with a member fixed to 1 is covered for sure, so
 * its multiplier is 0 (exact). s->in_local and s->grp_parent are global
 * scratch: every node sets them again before its passes. */
static void node_setup(solver *s, const uint8_t *fix, uint8_t *mode, double *mu) {
    const etsim_ilp_model *m = s->m;
    for (int32_t k = 0; k < s->K; k++) {
        int any_one = 0, all_zero = 1;
        int32_t p = -2;
        for (int32_t q = s->cl_start[k]; q < s->cl_start[k + 1]; q++) {
            int32_t i = s->cl_mem[q];
            uint8_t f = fix[i];
            any_one |= f == FIX_ONE;
            if (f == FIX_ZERO) continue;
            all_zero = 0;
            int32_t pi = m->cand_parent[i];
            p = p == -2 ? pi : p == pi ? p : -1;
        }
        s->has_one[k] = (uint8_t)any_one;
        int local = s->orig_local[k] || p >= 0;
        if (local && p < 0) p = m->cand_parent[s->cl_mem[s->cl_start[k]]];
        s->grp_parent[k] = local ? p : -1;
        for (int32_t q = s->cl_start[k]; q < s->cl_start[k + 1]; q++)
            s->in_local[s->cl_mem[q]] = (uint8_t)local;
        mode[k] = local ? MODE_LOCAL : all_zero ? MODE_DEAD : MODE_OFF;
        if (any_one) mu[k] = 0.0; /* covered for sure: exact */
    }
}

/* The state programme (ets_states.c) over this node's open scattered
 * clusters: all of them (want NULL: if few, it solves the node exactly), or
 * those marked in want, the others relaxed with the multipliers mu (the
 * hybrid). Returns 1 (x offered, *val and *w its value in the programme
 * and preference weight), -1 nothing may be kept, 0 not tried or
 * declined. */
static int try_states(solver *s, const uint8_t *fix, const uint8_t *mode, const uint8_t *want,
                      const double *mu, const double *outside, double prune_below, uint8_t *x,
                      double *val, int64_t *w) {
    const etsim_ilp_model *m = s->m;
    int32_t n_bits = 0;
    for (int32_t k = 0; k < s->K; k++) {
        s->bit_of[k] = -1;
        if (mode[k] != MODE_OFF || s->has_one[k] || (want && !want[k])) continue;
        if (n_bits == ETSIM_STATES_MAX_BITS) return 0;
        s->bit_of[k] = n_bits++;
        int32_t l = -1;
        for (int32_t q = s->cl_start[k]; q < s->cl_start[k + 1]; q++) {
            int32_t i = s->cl_mem[q];
            if (fix[i] == FIX_ZERO) continue;
            int32_t p = m->cand_parent[i];
            if (l < 0) {
                l = p;
                continue;
            }
            while (s->bdepth[p] > s->bdepth[l]) p = m->branch_parent[p];
            while (s->bdepth[l] > s->bdepth[p]) l = m->branch_parent[l];
            while (p != l) {
                p = m->branch_parent[p];
                l = m->branch_parent[l];
            }
        }
        s->lca[k] = l;
    }
    /* The budget: about 512 table-entry pairs per model element (real
     * steps with 8 open clusters need under 250); the work done is charged
     * to the pass budget at one pass per STATES_OPS_PER_PASS model sizes
     * of pairs. Before any work, an estimate: a branch node's table has
     * at most 2^c entries, c the open clusters with a free member below it
     * and their lowest common ancestor at or above it; merging a child
     * costs the product of the two tables. Where that exceeds the budget
     * the programme is not started (scattered clusters all over the tree:
     * random instances). */
    int64_t size = (int64_t)s->N + s->M + s->K, ops = 0, limit = 512 * size;
    int32_t *active = s->st_active, *stamp = s->st_stamp;
    for (int32_t j = 0; j < s->M; j++) {
        active[j] = 0;
        stamp[j] = -1;
    }
    for (int32_t k = 0; k < s->K; k++) {
        if (s->bit_of[k] < 0) continue;
        for (int32_t q = s->cl_start[k]; q < s->cl_start[k + 1]; q++) {
            int32_t i = s->cl_mem[q];
            if (fix[i] == FIX_ZERO) continue;
            for (int32_t j = m->cand_parent[i]; j >= 0 && stamp[j] != k; j = m->branch_parent[j]) {
                stamp[j] = k;
                active[j]++;
                if (j == s->lca[k]) break;
            }
        }
    }
    int64_t estimate = 0;
    for (int32_t j = 1; j < s->M && estimate <= limit; j++)
        estimate += ((int64_t)1 << active[m->branch_parent[j]]) * ((int64_t)1 << active[j]);
    if (estimate > limit) return 0;
    etsim_states_in in = {.m = m, .u = s->u, .v = s->v, .dtie = s->dtie, .noise = s->noise,
                          .a = s->a, .rank = s->rank, .fix = fix, .grp_parent = s->grp_parent,
                          .bit_of = s->bit_of, .lca = s->lca, .cl_start = s->cl_start,
                          .cl_mem = s->cl_mem, .n_bits = n_bits, .op_limit = limit,
                          .mu = want ? mu : NULL, .outside = outside,
                          .prune_below = prune_below};
    int r = etsim_states_solve(&in, x, val, w, &ops);
    s->passes += 1 + ops / (STATES_OPS_PER_PASS * size);
    s->states_calls++;
    if (r == 1) offer(s, x);
    return r;
}

/* Does x (whose members per cluster offer() left in s->nk) violate the
 * relaxed row of an open cluster k: uncovered with mu_k < v, or covered
 * twice with mu_k > 0? Those are the clusters where L(x) > f(x). */
static int row_violated(const solver *s, const int32_t *nk, const double *mu, int32_t k) {
    return (nk[k] == 0 && mu[k] != s->v) || (nk[k] >= 2 && mu[k] != 0.0);
}

/* The hybrid: the clusters the last pass violated (its counts in s->nk) carried
 * exactly as state bits, the other open clusters relaxed with their
 * multipliers. Its answer x' maximises L'(x) = (the programme's value) +
 * sum over relaxed clusters of (v - mu_k) + mu_k n_k, and L' >= f. If x'
 * violates no relaxed row, L'(x') = f(x') and x' is the node's best in the
 * tie rule's order (as for a plain pass: a tied selection ties in L' and
 * loses on W / lex); the clusters it does violate join the bits and the
 * programme runs again, up to ETSIM_STATES_MAX_BITS. Its bound prunes as
 * a pass's does. Degenerate clusters (members tied at the multiplier's
 * break-even point, which subgradient steps never separate) are what this
 * settles without branching. Returns 1 when the node is settled. */
static int try_hybrid(solver *s, const uint8_t *fix, const uint8_t *mode, const double *mu) {
    int32_t K = s->K, n_want = 0;
    double margin = s->margin;
    /* offer() below counts each answer into s->nk; the pass's counts are
     * kept for the bits and restored for the multipliers' step */
    memcpy(s->nk_last, s->nk, (size_t)K * sizeof *s->nk);
    for (int32_t k = 0; k < K; k++) {
        s->want[k] = mode[k] == MODE_OFF && !s->has_one[k] && row_violated(s, s->nk_last, mu, k);
        n_want += s->want[k];
    }
    int settled = 0;
    /* bound pruning inside the programme (etsim_states_in.outside): the
     * last pass's rerooted values bound what lies outside each subtree */
    etsim_exact_rerooted(s, s->outside);
    while (!settled && n_want > 0 && n_want <= ETSIM_STATES_MAX_BITS && s->passes < s->limit) {
        double val;
        int64_t w;
        /* the programme's value plus the relaxed clusters' constant is the
         * bound; the bits' clusters are relaxed outside the subtrees */
        double relaxed = 0.0;
        for (int32_t k = 0; k < K; k++)
            if (mode[k] == MODE_OFF && !s->want[k])
                relaxed += s->v - mu[k]; /* covered for sure: mu 0, adds v */
        double prune_below = s->inc_f - margin - relaxed;
        int r = try_states(s, fix, mode, s->want, mu, s->outside, prune_below, s->hyb_x, &val, &w);
        if (r == 0) break;
        if (r < 0 || r == 2) { /* nothing may be kept (the relaxation has the
                                * node's rows), or nothing reaches the incumbent */
            settled = 1;
            break;
        }
        double bound = val + relaxed;
        if (bound < s->inc_f - margin) {
            settled = 1;
            break;
        }
        int32_t added = 0;
        for (int32_t k = 0; k < K; k++) {
            if (mode[k] != MODE_OFF || s->has_one[k] || s->want[k]) continue;
            if (row_violated(s, s->nk, mu, k)) {
                s->want[k] = 1;
                added++;
            }
        }
        if (!added) {
            settled = 1; /* L'(x') = f(x'): the node's best */
            break;
        }
        if (bound <= s->inc_f + s->dtie &&
            (w < s->inc_w || (w == s->inc_w && !lex_greater(s, s->hyb_x, s->inc_x)))) {
            settled = 1; /* tied with the incumbent at best, and no better */
            break;
        }
        n_want += added;
    }
    memcpy(s->nk, s->nk_last, (size_t)K * sizeof *s->nk);
    return settled;
}

/* One branch-and-bound node: fix, mode and mu are this node's own copies
 * (children start from the parent's multipliers). The first passes use
 * mu in {0, v} flipped per violated cluster, the later ones subgradient
 * steps; after each pass probing fixes candidates that cannot be in an
 * optimum. Returns 0, or -1 when the pass budget ran out. */
static int solve_node(solver *s, uint8_t *fix, uint8_t *mode, double *mu, uint8_t *x, int depth) {
    int32_t K = s->K;
    s->nodes++;
    node_setup(s, fix, mode, mu);
    /* the state programme is tried again only when fixings have left
     * fewer open clusters than at its last refusal */
    int32_t states_refused = INT32_MAX, hybrid_refused = INT32_MAX;
    double margin = s->margin;
    int32_t branch_on = -1;
    double gap_ring[ROOT_PROGRESS_SPAN]; /* the root's last gaps to the incumbent */
    for (int q = 0; q < ROOT_PROGRESS_SPAN; q++) gap_ring[q] = INFINITY;
    int n_flip = depth == 0 ? ROOT_FLIP_PASSES : 0;
    int n_passes = depth == 0 ? ROOT_FLIP_PASSES + ROOT_SUBGRADIENT_PASSES : NODE_PASSES;
    for (int pass = 0; pass < n_passes; pass++) {
        if (s->passes >= s->limit) return -1;
        if (K > 0) {
            int32_t open = 0;
            for (int32_t k = 0; k < K; k++) open += mode[k] == MODE_OFF && !s->has_one[k];
            if (open < states_refused && open <= ETSIM_STATES_MAX_BITS) {
                double val;
                int64_t w;
                int r = try_states(s, fix, mode, NULL, NULL, NULL, 0.0, x, &val, &w);
                if (r != 0) return 0; /* solved exactly, or nothing may be kept */
                states_refused = open;
            }
        }
        double constant = 0.0;
        for (int32_t k = 0; k < K; k++)
            if (mode[k] == MODE_OFF) constant += s->v - mu[k];
        tuple root;
        s->uncertain = 0;
        if (!etsim_exact_pass(s, fix, mu, x, &root)) return 0; /* nothing may be kept */
        double bound = root.val + constant;
        if (depth == 0 && bound < s->root_bound) s->root_bound = bound;
        double fx = offer(s, x); /* also counts s->nk for x */
        if (depth == 0 && (pass < POLISH_EVERY_FROM || pass % POLISH_EVERY == 0)) polish(s, x, fx);
        if (bound < s->inc_f - margin) return 0;
        if (depth == 0) {
            /* gap_ring[pass % span] holds the gap of pass - span */
            double gap = bound - s->inc_f, then = gap_ring[pass % ROOT_PROGRESS_SPAN];
            gap_ring[pass % ROOT_PROGRESS_SPAN] = gap;
            if (pass == n_passes - 1 && n_passes < ROOT_MAX_PASSES && pass >= ROOT_PROGRESS_SPAN &&
                gap < 0.5 * then)
                n_passes++;
        }
        /* L(x) - f(x) = sum over clusters of (v - mu) if uncovered, mu (n - 1)
         * if covered: zero iff each term is. */
        int violated = 0;
        int32_t fewest = INT32_MAX;
        double norm2 = 0.0;
        branch_on = -1;
        for (int32_t k = 0; k < K; k++) {
            if (mode[k] != MODE_OFF) continue;
            if (!row_violated(s, s->nk, mu, k)) continue;
            violated++;
            double g = (double)s->nk[k] - 1.0;
            norm2 += g * g;
            int32_t n_free = 0;
            for (int32_t q = s->cl_start[k]; q < s->cl_start[k + 1]; q++)
                n_free += fix[s->cl_mem[q]] == FIX_FREE;
            if (n_free < fewest) {
                fewest = n_free;
                branch_on = k;
            }
        }
        if (!s->uncertain) {
            if (!violated) return 0; /* L(x) = f(x) = max L: x is this node's best */
            if (bound <= s->inc_f + s->dtie &&
                (root.w < s->inc_w || (root.w == s->inc_w && !lex_greater(s, x, s->inc_x))))
                return 0; /* tied with the incumbent at best, and no better in (W, lex) */
        }
        if (!violated) break; /* uncertain pass: branch on something else */
        /* the hybrid again only once fewer clusters are violated than at
         * its last failure */
        int32_t hybrid_open = pass == n_passes - 1 ? HYBRID_OPEN : HYBRID_OPEN_EARLY;
        if (violated <= hybrid_open && violated < hybrid_refused) {
            if (try_hybrid(s, fix, mode, mu)) return 0;
            hybrid_refused = violated;
        }
        if (etsim_exact_probe_fix(s, fix, mu, x, constant) > 0) {
            node_setup(s, fix, mode, mu);
            n_passes++; /* each such pass fixes a candidate: bounded */
            continue;   /* the same multipliers, a tighter programme */
        }
        if (pass < n_flip) {
            int back = pass > 0; /* the flip returns to the last pass's mu */
            for (int32_t k = 0; k < K; k++) {
                double old = mu[k];
                if (mode[k] == MODE_OFF && !s->has_one[k]) {
                    if (s->nk[k] == 0) mu[k] = s->v;
                    else if (s->nk[k] >= 2) mu[k] = 0.0;
                }
                if (back && mu[k] != s->flip_prev[k]) back = 0;
                s->flip_prev[k] = old;
            }
            /* Then the flips alternate between two multiplier vectors, and
             * the passes left in the flip phase repeat passes already done:
             * go on at the last pass with these multipliers (same parity).
             * The schedule is kept, so the search takes the path it took
             * with the repeats (their answers had been offered and
             * polished), unless probing would have fixed more in them. */
            int32_t resume = n_flip - (n_flip - (pass + 1)) % 2;
            if (back && resume > pass + 1) pass = resume - 1;
        } else {
            /* Polyak's step towards the incumbent's value: once polishing
             * has found the optimum, which equals the Lagrangian dual's
             * value when the LP relaxation is integral (bench steps: GLPK's
             * root LP is), the bound closes geometrically; a step size
             * decaying by 0.9 a pass stalled it 1e-4 above the optimum */
            double step = (bound - s->inc_f + margin) / norm2;
            for (int32_t k = 0; k < K; k++) {
                if (mode[k] != MODE_OFF || s->has_one[k]) continue;
                double nmu = mu[k] - step * ((double)s->nk[k] - 1.0);
                mu[k] = nmu < 0 ? 0.0 : nmu > s->v ? s->v : nmu;
            }
        }
    }
    if (branch_on < 0) {
        /* no violated cluster but untrusted comparisons: branch on any
         * free member of a cluster not yet settled, else give up */
        for (int32_t k = 0; k < K && branch_on < 0; k++)
            if (mode[k] == MODE_OFF && !s->has_one[k]) branch_on = k;
        if (branch_on < 0) return -1;
    }
    /* Branch on the cluster: its first kept member in rank order is the
     * j-th free one (earlier free members dropped), or none is kept. The
     * children partition the node and each settles the cluster exactly. */
    uint8_t *cfix = etsim_malloc((size_t)s->N + (size_t)K + 1);
    uint8_t *cmode = cfix + s->N;
    double *cmu = etsim_malloc(((size_t)K + 1) * sizeof *cmu);
    int rc = 0;
    int32_t k = branch_on;
    for (int32_t qj = s->cl_start[k]; qj <= s->cl_start[k + 1] && rc == 0; qj++) {
        if (qj < s->cl_start[k + 1] && fix[s->cl_mem[qj]] != FIX_FREE) continue;
        memcpy(cfix, fix, (size_t)s->N);
        memcpy(cmode, mode, (size_t)K);
        memcpy(cmu, mu, (size_t)K * sizeof *cmu);
        for (int32_t q = s->cl_start[k]; q < qj; q++)
            if (fix[s->cl_mem[q]] == FIX_FREE) cfix[s->cl_mem[q]] = FIX_ZERO;
        if (qj < s->cl_start[k + 1]) cfix[s->cl_mem[qj]] = FIX_ONE;
        rc = solve_node(s, cfix, cmode, cmu, x, depth + 1);
    }
    free(cfix);
    free(cmu);
    return rc;
}

/* etsim_exact_rule_out's bound (ets_ties.c): max L over every selection
 * with the node weight u + alpha and the cluster weight v + beta, the
 * root's multipliers capped at v + beta, plus the relaxed clusters'
 * constant. */
typedef struct shift_ctx {
    solver *s;
    const double *root_mu, *a0;
    double u0, v0;
    double *mu;
    uint8_t *fix, *x;
} shift_ctx;

static double shifted_max(void *arg, double alpha, double beta) {
    shift_ctx *c = arg;
    solver *s = c->s;
    int32_t N = s->N, K = s->K;
    uint8_t *mode = c->fix + N;
    s->u = c->u0 + alpha;
    s->v = c->v0 + beta;
    for (int32_t i = 0; i < N; i++) s->a[i] = c->a0[i] + alpha;
    for (int32_t k = 0; k < K; k++) c->mu[k] = c->root_mu[k] < s->v ? c->root_mu[k] : s->v;
    memset(c->fix, FIX_FREE, (size_t)N + (size_t)(K > 0 ? K : 1));
    node_setup(s, c->fix, mode, c->mu);
    double constant = 0.0;
    for (int32_t k = 0; k < K; k++)
        if (mode[k] == MODE_OFF) constant += s->v - c->mu[k];
    tuple root;
    double val = etsim_exact_pass(s, c->fix, c->mu, c->x, &root) ? root.val + constant : -INFINITY;
    s->u = c->u0;
    s->v = c->v0;
    memcpy(s->a, c->a0, (size_t)N * sizeof *s->a);
    return val;
}

/* Rule out the listed near ties for the answer s->inc_x (see the file
 * comment); 1 when every one is ruled out. */
static int window_empty(solver *s, const etsim_near_tie *nt, int32_t n_nt, const double *root_mu,
                        double D, int64_t C_total, double tol) {
    const etsim_ilp_model *m = s->m;
    size_t nz = (size_t)s->N, kz = (size_t)(s->K > 0 ? s->K : 1);
    int64_t w;
    etsim_rule_out_in in = {.f = etsim_exact_objective(s, s->inc_x, &w), .n = s->obj_nodes,
                            .k = s->obj_covered, .C_total = C_total, .NM = s->N + s->M,
                            .K = s->K, .v = s->v, .tol = tol,
                            .margin = s->margin};
    for (int32_t i = 0; i < s->N; i++)
        if (s->inc_x[i]) in.C += (int64_t)nearbyint(m->outcome[i] * D);
    double *a0 = etsim_malloc(nz * sizeof *a0);
    memcpy(a0, s->a, nz * sizeof *a0);
    shift_ctx c = {s, root_mu, a0, s->u, s->v, etsim_malloc(kz * sizeof(double)),
                   etsim_malloc(nz + kz), etsim_malloc(nz)};
    int all = etsim_exact_rule_out(&in, nt, n_nt, shifted_max, &c);
    free(a0);
    free(c.mu);
    free(c.fix);
    free(c.x);
    return all;
}

/* Every array of one solve in one zeroed block, carved in 16-byte aligned
 * pieces: solver_carve runs once with no base to size the block, then
 * again to carve it. */
typedef struct carver {
    char *base;
    size_t used;
} carver;

static void *carve(carver *c, size_t n, size_t size) {
    size_t off = (c->used + 15) & ~(size_t)15;
    c->used = off + n * size;
    return c->base ? c->base + off : NULL;
}

static void solver_carve(solver *s, carver *c, size_t nz, size_t mz, size_t kz, double **mu,
                         uint8_t **fix, int32_t **fill) {
    s->rank = carve(c, nz, sizeof *s->rank);
    s->order = carve(c, nz, sizeof *s->order);
    s->a = carve(c, nz, sizeof *s->a);
    s->cl_start = carve(c, kz + 1, sizeof *s->cl_start);
    s->cl_mem = carve(c, nz, sizeof *s->cl_mem);
    s->acc = carve(c, mz, sizeof *s->acc);
    s->st_active = carve(c, mz, sizeof *s->st_active);
    s->st_stamp = carve(c, mz, sizeof *s->st_stamp);
    s->br_choice = carve(c, mz, 1);
    s->br_state = carve(c, mz, 1);
    s->mark = carve(c, mz, 1);
    s->cand_choice = carve(c, nz, 1);
    s->inc_x = carve(c, nz, 1);
    s->nk = carve(c, kz, sizeof *s->nk);
    s->in_local = carve(c, nz, 1);
    s->grp_choice = carve(c, kz, 1);
    s->has_one = carve(c, kz, 1);
    s->grp_parent = carve(c, kz, sizeof *s->grp_parent);
    s->orig_local = carve(c, kz, 1);
    s->br_val = carve(c, mz, sizeof *s->br_val);
    s->grp_val = carve(c, kz, sizeof *s->grp_val);
    s->out_val = carve(c, mz, sizeof *s->out_val);
    s->outside = carve(c, mz, sizeof *s->outside);
    s->bdepth = carve(c, mz, sizeof *s->bdepth);
    s->bit_of = carve(c, kz, sizeof *s->bit_of);
    s->lca = carve(c, kz, sizeof *s->lca);
    s->nk_last = carve(c, kz, sizeof *s->nk_last);
    s->flip_prev = carve(c, kz, sizeof *s->flip_prev);
    s->want = carve(c, kz, 1);
    s->hyb_x = carve(c, nz, 1);
    s->ls_x = carve(c, nz, 1);
    s->ls_last[0] = carve(c, nz, 1);
    s->ls_last[1] = carve(c, nz, 1);
    s->ls_use = carve(c, mz, sizeof *s->ls_use);
    s->ls_nk = carve(c, kz, sizeof *s->ls_nk);
    s->ls_saved_nk = carve(c, kz, sizeof *s->ls_saved_nk);
    *mu = carve(c, kz, sizeof **mu);
    *fix = carve(c, nz + kz, 1); /* a node's fixings, then its cluster modes */
    *fill = carve(c, kz, sizeof **fill);
}

int etsim_ilp_solve_exact(const etsim_ilp_model *m, uint8_t *x, etsim_ilp_stats *stats) {
    int32_t N = m->n_cand, M = m->n_branch, K = m->n_clusters;
    etsim_ilp_stats st;
    memset(&st, 0, sizeof st);
    double u = m->unit_cost, v = K > 0 ? m->coverage : 0.0;
    double tol = etsim_ilp_tie_tolerance(m);
    double scale = tol * 1e9;
    /* rounding of sums over N + M + K terms of size <= scale, with room */
    double noise = 4e-16 * (double)(N + M + K + 8) * scale;
    double dtie = 4.0 * noise > 1e-3 * tol ? 4.0 * noise : 1e-3 * tol;
    if (dtie > 0.1 * tol || v < 0) {
        st.exact_declined = ETSIM_EXACT_NEAR_TIE;
        goto decline;
    }
    if (M < 1) { /* a valid model (check_model), but the passes start at branch 0 */
        st.exact_declined = ETSIM_EXACT_NO_TREE;
        goto decline;
    }
    if (u >= 0) {
        /* every term is worth keeping: all-keep is optimal, and the only
         * tied optimum when dropping anything costs more than tol */
        int ok = u > tol + dtie;
        for (int32_t i = 0; i < N && ok; i++) ok = m->outcome[i] >= 0;
        if (!ok) {
            st.exact_declined = ETSIM_EXACT_POS_COST;
            goto decline;
        }
        memset(x, 1, (size_t)N);
        st.exact = 1;
        st.lp_integral = 1;
        st.lp_bound = etsim_ilp_objective(m, x);
        if (stats) *stats = st;
        return 1;
    }
    int64_t C = 0;
    int64_t D = etsim_exact_find_den(m, &C);
    if (D <= 0) {
        st.exact_declined = ETSIM_EXACT_NO_DEN;
        goto decline;
    }
    /* Near ties: listed, searched anyway, and ruled out after the search
     * by counts (window_empty) or the solver declines. The scan holds C + 1
     * doubles and runs over (2K + 1)(C + 1) pairs, C the outcome counts'
     * total (the width): from 2^20 or 2^27 pairs the step goes to GLPK
     * rather than allocate and scan for it (the input is untrusted). */
    if (C >= ((int64_t)1 << 20) || (2 * (int64_t)K + 1) * (C + 1) > ((int64_t)1 << 27)) {
        st.exact_declined = ETSIM_EXACT_NEAR_TIE;
        goto decline;
    }
    enum { MAX_NEAR_TIES = 64 };
    etsim_near_tie near[MAX_NEAR_TIES];
    int32_t n_near = etsim_exact_near_tie_list((double)D, C, N + M, K, u, v, 0.5 * dtie,
                                               tol + dtie, near, MAX_NEAR_TIES);
    if (n_near < 0) { /* too many to rule out one by one */
        st.exact_declined = ETSIM_EXACT_NEAR_TIE;
        goto decline;
    }

    solver s;
    memset(&s, 0, sizeof s);
    s.m = m;
    s.N = N;
    s.M = M;
    s.K = K;
    s.u = u;
    s.v = v;
    s.dtie = dtie;
    s.noise = noise;
    s.margin = dtie * (double)(N + M + K + 2);
    size_t nz = (size_t)N, mz = (size_t)M, kz = (size_t)(K > 0 ? K : 1);
    double *mu;
    uint8_t *fix;
    int32_t *fill;
    carver c = {NULL, 0}; /* size the block, then carve it */
    solver_carve(&s, &c, nz, mz, kz, &mu, &fix, &fill);
    c.base = etsim_calloc(c.used, 1);
    c.used = 0;
    solver_carve(&s, &c, nz, mz, kz, &mu, &fix, &fill); /* all zero: mu 0, FIX_FREE, MODE_OFF */
    for (int32_t j = 0; j < M; j++) s.bdepth[j] = j == 0 ? 0 : s.bdepth[m->branch_parent[j]] + 1;
    uint8_t *mode = fix + nz;
    for (int32_t r = 0; r < N; r++) {
        int32_t i = m->prefer ? m->prefer[r] : r;
        s.order[r] = i;
        s.rank[i] = r;
    }
    for (int32_t i = 0; i < N; i++) s.a[i] = m->outcome[i] + u;
    if (K > 0) {
        for (int32_t i = 0; i < N; i++) s.cl_start[m->cluster[i] + 1]++;
        for (int32_t k = 0; k < K; k++) s.cl_start[k + 1] += s.cl_start[k];
        memcpy(fill, s.cl_start, kz * sizeof *fill);
        for (int32_t r = 0; r < N; r++) {
            int32_t i = s.order[r];
            s.cl_mem[fill[m->cluster[i]]++] = i;
        }
        for (int32_t k = 0; k < K; k++) {
            if (s.cl_start[k] == s.cl_start[k + 1]) continue; /* no member: dead at every node */
            int32_t p = m->cand_parent[s.cl_mem[s.cl_start[k]]];
            for (int32_t q = s.cl_start[k] + 1; q < s.cl_start[k + 1] && p >= 0; q++)
                if (m->cand_parent[s.cl_mem[q]] != p) p = -1;
            s.orig_local[k] = p >= 0;
        }
    }
    /* Pass budget: a few per candidate and cluster, and about 1.2 M DP
     * steps at most (15 to 23 ms on bench-shaped 1,024-candidate steps
     * that run out of it, where the GLPK path takes 75 ms to 3.2 s), so
     * that an instance handed on to GLPK costs little more than GLPK
     * alone. */
    int64_t size = (int64_t)N + M + K, by_work = 1200000 / size;
    s.limit = 64 + 8 * ((int64_t)N + K);
    if (s.limit > by_work) s.limit = by_work > 64 ? by_work : 64;
    s.root_bound = INFINITY;
    int rc = solve_node(&s, fix, mode, mu, x, 0);
    st.dp_passes = s.passes;
    st.states_runs = s.states_calls;
    st.bb_nodes = s.nodes;
    st.lp_bound = s.root_bound;
    st.lp_integral = s.nodes == 1 && s.states_calls == 0;
    if (rc == 0 && s.have_inc && n_near > 0) {
        /* mu: the root's multipliers (each child works on its own copy) */
        if (window_empty(&s, near, n_near, mu, (double)D, C, tol)) {
            st.near_ties_ruled_out = n_near;
        } else {
            st.exact_declined = ETSIM_EXACT_NEAR_TIE;
            rc = -1;
        }
    }
    if (rc == 0 && s.have_inc) {
        memcpy(x, s.inc_x, nz);
        st.exact = 1;
    } else if (!st.exact_declined) {
        st.exact_declined = ETSIM_EXACT_NODE_LIMIT;
    }
    free(c.base);
    if (stats) *stats = st;
    return st.exact;
decline:
    if (stats) *stats = st;
    return 0;
}
