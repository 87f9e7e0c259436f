/* ilp.c -- the ETS selection ILP in GLPK (model and tie rule in ilp.h).
 *
 * The model solved. The reference links every branch node to every
 * candidate below it (y_j >= x_i, one row per pair) and makes y binary.
 * Here one row per tree edge does the same work: y_parent >= y_child and
 * y_parent >= x_child imply y_j >= x_i for every descendant by transitivity.
 * y and z are continuous in [0, 1]: once x is integral the objective and
 * the rows force y_j = max of the x below j (with u < 0 the objective
 * pushes y down onto that bound; with u > 0 the rows y_j <= sum of j's
 * children, kept only in that case, cap it there) and z_k = min(1, sum of
 * the x in cluster k) (v > 0 pushes z up onto its only upper bound). So
 * the optimal x and value are those of the literal model; tests check this
 * against the literal model and against brute force. A branch node with a
 * single child has y equal to that child's value, so it is contracted into
 * the child (which takes over its cost): one column per candidate, per
 * branch node with two or more children, per cluster. The LP relaxation is
 * solved by the dual simplex from a dual feasible slack basis (every column
 * at the bound its objective sign prefers); when its x is integral that is
 * the ILP optimum, else GLPK's branch and cut finishes the job.
 *
 * The tie rule (ilp.h). Let v* be the optimal value and tol the tie
 * tolerance. A candidate is "decided" when no selection within tol of v*
 * can flip it, which the root LP proves from its reduced costs: for any
 * feasible point, value <= v_LP - |d_i| + (dual infeasibility slack) if x_i
 * leaves its nonbasic bound. When some are left "open" (always, when the
 * root LP is fractional), the decided ones are fixed and a row "objective
 * >= v* - tol" confines the problem to the tied optima. Then:
 *   1. one feasibility search asks whether any other selection is tied
 *      (a no-good row excludes x). Usually none is: x is the answer.
 *   2. Else the preference weight sum (N - rank_i) x_i is maximised over
 *      the tied optima (one branch and cut), a row fixes it at its maximum,
 *      and step 1 asks again.
 *   3. Only if a tie survives both, the open candidates are walked in
 *      preference order (the lexicographic step): one the incumbent keeps is
 *      fixed to 1; one it drops is probed by fixing it to 1 and searching,
 *      kept if some selection still satisfies every row, else fixed to 0.
 * Exact duplicates make many ties that are pure symmetry (same parent, same
 * cluster, same outcome weight): rows x_a >= x_b for a preferred to b remove
 * those before any search (add_symmetry_rows). Every accepted selection is
 * checked with the exact objective against v* - tol, so the value reported
 * never moves off the optimum. Step 3 alone would probe most candidates
 * on fractional roots; steps 1 and 2 leave it little to do. The cutting
 * planes the root solve made before its first incumbent are kept as rows
 * (harvest_cuts), so steps 1-3 start from a tighter relaxation (measured
 * at lambda_c = 2, width 256: about 0.10 s of GLPK per problem, 0.18 s
 * with step 3 alone and no kept cuts). Probes start from the basis the
 * previous one left (bound changes keep it dual feasible), so each costs a
 * few dual simplex pivots. The file is one piece (about 820 lines): the
 * edge model, the solves and the tie stages share one GLPK problem, its
 * basis and its cuts. */
#include <pthread.h>
#include <stdatomic.h>
#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "selectors/ilp.h"
#include "sim/core/prof.h"

/* ---- validation (the objective and tolerance live in ilp_model.c) ---------- */

static int check_model(const etsim_ilp_model *m, etsim_err *err) {
    if (m->n_cand < 1 || m->n_branch < 0 || m->n_clusters < 0)
        return etsim_errf(err, "ILP: %d candidates, %d branch nodes, %d clusters", m->n_cand,
                          m->n_branch, m->n_clusters);
    if (!isfinite(m->unit_cost) || !isfinite(m->coverage))
        return etsim_errf(err, "ILP: non-finite objective weight");
    for (int32_t j = 0; j < m->n_branch; j++) {
        int32_t p = m->branch_parent[j];
        if ((j == 0) != (p == -1) || p >= j)
            return etsim_errf(err, "ILP: branch %d has parent %d (not a tree in parent order)", j, p);
    }
    /* Without a branch node the only candidate is the root itself: both
     * solvers build on "N >= 2 candidates all lie under the root". */
    if (m->n_branch == 0 && m->n_cand > 1)
        return etsim_errf(err, "ILP: %d candidates and no branch node (only a lone candidate can "
                          "be the root)", m->n_cand);
    for (int32_t i = 0; i < m->n_cand; i++) {
        int32_t p = m->cand_parent[i];
        if (p < (m->n_branch > 0 ? 0 : -1) || p >= m->n_branch)
            return etsim_errf(err, "ILP: candidate %d has parent %d of %d branch nodes", i, p,
                              m->n_branch);
        if (!isfinite(m->outcome[i]))
            return etsim_errf(err, "ILP: candidate %d has a non-finite outcome weight", i);
        if (m->n_clusters > 0 && (m->cluster[i] < 0 || m->cluster[i] >= m->n_clusters))
            return etsim_errf(err, "ILP: candidate %d in cluster %d of %d", i, m->cluster[i],
                              m->n_clusters);
    }
    if (m->prefer) {
        uint8_t *seen = etsim_calloc((size_t)m->n_cand, 1);
        int bad = 0;
        for (int32_t r = 0; r < m->n_cand && !bad; r++) {
            int32_t i = m->prefer[r];
            if (i < 0 || i >= m->n_cand || seen[i]) bad = 1;
            else seen[i] = 1;
        }
        free(seen);
        if (bad) return etsim_errf(err, "ILP: preference order is not a permutation");
    }
    return 0;
}

/* ---- GLPK plumbing ------------------------------------------------------------ */

typedef struct triplets {
    int *ia, *ja;
    double *ar;
    int64_t n, cap;
} triplets;

static void put(triplets *t, int row, int col, double v) {
    if (t->n + 2 > t->cap) {
        int64_t cap = t->cap;
        etsim_grow((void **)&t->ia, &cap, t->n + 2, sizeof *t->ia);
        cap = t->cap;
        etsim_grow((void **)&t->ja, &cap, t->n + 2, sizeof *t->ja);
        cap = t->cap;
        etsim_grow((void **)&t->ar, &cap, t->n + 2, sizeof *t->ar);
        t->cap = cap;
    }
    t->n++; /* GLPK arrays are 1-based: slot 0 stays unused */
    t->ia[t->n] = row;
    t->ja[t->n] = col;
    t->ar[t->n] = v;
}

static void triplets_free(triplets *t) {
    free(t->ia);
    free(t->ja);
    free(t->ar);
}

/* GLPK keeps an environment per thread; a pthread key whose destructor
 * frees it at thread exit means no driver has to know about GLPK. */
static pthread_key_t glpk_env_key;
static pthread_once_t glpk_env_key_once = PTHREAD_ONCE_INIT;

static void glpk_env_destroy(void *unused) { glp_free_env(); }
static void glpk_env_key_create(void) { pthread_key_create(&glpk_env_key, glpk_env_destroy); }

static glp_prob *new_prob(void) {
    pthread_once(&glpk_env_key_once, glpk_env_key_create);
    if (!pthread_getspecific(glpk_env_key)) pthread_setspecific(glpk_env_key, &glpk_env_key);
    glp_term_out(GLP_OFF);
    glp_prob *P = glp_create_prob();
    glp_set_obj_dir(P, GLP_MAX);
    return P;
}

/* glp_simplex from the basis P holds, once more from the slack basis when
 * that basis is unusable (singular, ill-conditioned) or, for an LP known to
 * have a point (must_be_feasible), when GLPK still reports no optimum: a
 * basis restored after an earlier search has made its primal simplex
 * declare a feasible LP infeasible (the instance in tests/cli_replay.sh).
 * Counts restarts in *restarts when not NULL; returns glp_simplex's code. */
static int simplex_restarting(glp_prob *P, const glp_smcp *p, int must_be_feasible,
                              int32_t *restarts) {
    int rc = glp_simplex(P, p);
    int bad_basis = rc == GLP_EBADB || rc == GLP_ESING || rc == GLP_ECOND;
    if (bad_basis || (rc == 0 && must_be_feasible && glp_get_status(P) != GLP_OPT)) {
        if (restarts) (*restarts)++;
        glp_std_basis(P);
        rc = glp_simplex(P, p);
    }
    return rc;
}

/* Solve the LP relaxation by the dual simplex. Returns 0 at an optimum;
 * when the rows admit no point at all, 1 if may_be_empty, else -1. */
static int solve_lp(glp_prob *P, int may_be_empty, etsim_err *err) {
    glp_smcp p;
    glp_init_smcp(&p);
    p.msg_lev = GLP_MSG_OFF;
    p.meth = GLP_DUALP;
    p.presolve = GLP_OFF;
    int rc = simplex_restarting(P, &p, !may_be_empty, NULL);
    if (rc != 0) return etsim_errf(err, "ILP: GLPK simplex failed (code %d)", rc);
    if (may_be_empty && glp_get_status(P) == GLP_NOFEAS) return 1;
    if (glp_get_status(P) != GLP_OPT)
        return etsim_errf(err, "ILP: LP relaxation not optimal (GLPK status %d)", glp_get_status(P));
    return 0;
}

/* A probe of the tie rule only asks whether some selection reaches the
 * floor: the callback stops the search at the first incumbent whose exact
 * objective (etsim_ilp_objective) does. */
typedef struct cut_store cut_store;

typedef struct probe_stop {
    const etsim_ilp_model *m;
    uint8_t *x;                   /* scratch, n_cand; NULL: never stop early */
    double floor_v;
    int64_t *nodes;               /* branch-and-bound subproblems selected */
    cut_store *cuts;              /* keep the root's cuts here (or NULL)    */
    int nofeas_ok;                /* "no integer point" is an answer (2),
                                     not a failure                         */
} probe_stop;

/* Cutting planes GLPK generated at the root of a solve, copied into the
 * problem so that the tie rule's searches start from the tightened
 * relaxation instead of generating the same cuts again (cut generation is
 * most of GLPK's time on fractional roots). They must hold for every
 * integer point, ties included: once GLPK has an incumbent it fixes
 * columns by reduced cost and bounds the objective, and cuts derived from
 * that are valid only for strictly better points. So the store freezes at
 * the first incumbent, and add_cuts also drops any cut the optimum itself
 * violates (numerical safety). */
typedef struct cut_row {
    int64_t first;                /* first entry in cut_store.nz (>= 1)      */
    int len, type;
    double lb, ub;
} cut_row;

struct cut_store {
    int frozen;
    int n;
    int64_t cap;
    cut_row *rows;
    triplets nz;                  /* ja = column, ar = coefficient            */
};

static void harvest_cuts(glp_tree *T, cut_store *cs) {
    glp_prob *P = glp_ios_get_prob(T);
    if (glp_mip_status(P) == GLP_FEAS || glp_mip_status(P) == GLP_OPT) cs->frozen = 1;
    if (cs->frozen) return;
    if (glp_ios_curr_node(T) == 0 || glp_ios_node_level(T, glp_ios_curr_node(T)) != 0) return;
    int n_rows = glp_get_num_rows(P), n_cols = glp_get_num_cols(P);
    int *ind = etsim_malloc(((size_t)n_cols + 1) * sizeof *ind);
    double *val = etsim_malloc(((size_t)n_cols + 1) * sizeof *val);
    cs->n = 0;
    cs->nz.n = 0;
    for (int i = 1; i <= n_rows; i++) {
        glp_attr a;
        glp_ios_row_attr(T, i, &a);
        if (a.origin != GLP_RF_CUT) continue;
        int len = glp_get_mat_row(P, i, ind, val);
        etsim_grow((void **)&cs->rows, &cs->cap, cs->n + 1, sizeof *cs->rows);
        cs->rows[cs->n] = (cut_row){cs->nz.n + 1, len, glp_get_row_type(P, i),
                                    glp_get_row_lb(P, i), glp_get_row_ub(P, i)};
        for (int k = 1; k <= len; k++) put(&cs->nz, cs->n, ind[k], val[k]);
        cs->n++;
    }
    free(ind);
    free(val);
}

/* Append the stored cuts that the MIP optimum now in P satisfies to P as
 * ordinary rows (basic: the basis stays valid). */
static void add_cuts(glp_prob *P, const cut_store *cs) {
    for (int c = 0; c < cs->n; c++) {
        const cut_row *cr = &cs->rows[c];
        int len = cr->len;
        const int *ind = cs->nz.ja + cr->first - 1; /* 1-based, as GLPK reads rows */
        const double *val = cs->nz.ar + cr->first - 1;
        double act = 0.0, scale = 1.0;
        for (int k = 1; k <= len; k++) {
            act += val[k] * glp_mip_col_val(P, ind[k]);
            scale += fabs(val[k]);
        }
        double slack = 1e-7 * scale;
        int t = cr->type;
        if ((t == GLP_LO || t == GLP_DB || t == GLP_FX) && act < cr->lb - slack) continue;
        if ((t == GLP_UP || t == GLP_DB || t == GLP_FX) && act > cr->ub + slack) continue;
        int row = glp_add_rows(P, 1);
        glp_set_mat_row(P, row, len, ind, val);
        glp_set_row_bnds(P, row, t, cr->lb, cr->ub);
    }
}

static void cut_store_free(cut_store *cs) {
    free(cs->rows);
    triplets_free(&cs->nz);
}

static void probe_callback(glp_tree *T, void *info) {
    probe_stop *ps = info;
    int why = glp_ios_reason(T);
    if (ps->cuts && (why == GLP_ICUTGEN || why == GLP_IBRANCH || why == GLP_IBINGO ||
                     why == GLP_IHEUR))
        harvest_cuts(T, ps->cuts);
    if (glp_ios_reason(T) == GLP_ISELECT) (*ps->nodes)++;
    if (glp_ios_reason(T) != GLP_IBINGO || !ps->x) return;
    glp_prob *P = glp_ios_get_prob(T);
    for (int32_t i = 0; i < ps->m->n_cand; i++) ps->x[i] = glp_mip_col_val(P, i + 1) > 0.5;
    if (etsim_ilp_objective(ps->m, ps->x) >= ps->floor_v) glp_ios_terminate(T);
}

/* Branch and cut to proven optimality, or (stop->x != NULL) until an incumbent
 * reaches stop->floor_v: then returns 1 instead of 0. Gomory mixed integer
 * cuts are on: the LP relaxation of the coverage rows is weak when a
 * cluster's worth and the cost of the path to its members are close
 * (lambda_c = 2 at lambda_s ~ 1.45), and without the cuts GLPK's branch and
 * bound ran for minutes on such instances; with them the root gap closes in a
 * few rounds. */
static int solve_mip(glp_prob *P, int presolve, probe_stop *stop, etsim_err *err) {
    glp_iocp q;
    glp_init_iocp(&q);
    q.msg_lev = GLP_MSG_OFF;
    q.presolve = presolve ? GLP_ON : GLP_OFF;
    q.gmi_cuts = GLP_ON;
    q.mip_gap = 0.0;
    /* Branch-and-bound pruning tolerance well below the tie tolerance, so
     * that a "proven" optimum is optimal at the precision ties are judged. */
    q.tol_obj = 1e-11;
    q.cb_func = probe_callback;
    q.cb_info = stop;
    int rc = glp_intopt(P, &q);
    if (stop->x && rc == GLP_ESTOP) return 1;
    if (rc != 0) return etsim_errf(err, "ILP: GLPK branch and cut failed (code %d)", rc);
    if (stop->nofeas_ok && glp_mip_status(P) == GLP_NOFEAS) return 2;
    if (glp_mip_status(P) != GLP_OPT && !(stop->x && glp_mip_status(P) == GLP_NOFEAS))
        return etsim_errf(err, "ILP: no proven optimum (GLPK status %d)", glp_mip_status(P));
    return 0;
}

/* LP x integral? Then copy it out. */
static int lp_x_integral(glp_prob *P, int32_t n, uint8_t *x) {
    for (int32_t i = 0; i < n; i++) {
        double v = glp_get_col_prim(P, i + 1);
        if (fabs(v) > 1e-9 && fabs(v - 1.0) > 1e-9) return 0;
    }
    for (int32_t i = 0; i < n; i++) x[i] = glp_get_col_prim(P, i + 1) > 0.5;
    return 1;
}

/* Symmetry. Candidates with the same parent, the same cluster and
 * bit-identical outcome weights (exact duplicates: the same step sampled
 * twice) are interchangeable: swapping them never changes the objective, so
 * every optimum that keeps some of them ties with the one keeping others.
 * The tie rule's answer keeps the most preferred members of such a group
 * (else a swap would give a tied, lexicographically greater selection), so
 * rows x_a >= x_b for a preferred to b within a group leave it feasible and
 * remove these ties before the search sees them. Returns the last row. */
typedef struct sym_key {
    int32_t parent, cluster, rank, cand;
    double outcome;
} sym_key;

static int sym_cmp(const void *pa, const void *pb) {
    const sym_key *a = pa, *b = pb;
    if (a->parent != b->parent) return a->parent < b->parent ? -1 : 1;
    if (a->cluster != b->cluster) return a->cluster < b->cluster ? -1 : 1;
    if (a->outcome != b->outcome) return a->outcome < b->outcome ? -1 : 1;
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

static int add_symmetry_rows(const etsim_ilp_model *m, triplets *t, int row, double *row_range) {
    int32_t N = m->n_cand;
    sym_key *keys = etsim_malloc((size_t)N * sizeof *keys);
    for (int32_t r = 0; r < N; r++) {
        int32_t i = m->prefer ? m->prefer[r] : r;
        keys[i] = (sym_key){m->cand_parent[i], m->n_clusters > 0 ? m->cluster[i] : 0, r, i,
                            m->outcome[i]};
    }
    qsort(keys, (size_t)N, sizeof *keys, sym_cmp);
    for (int32_t k = 1; k < N; k++) {
        const sym_key *a = &keys[k - 1], *b = &keys[k];
        if (a->parent != b->parent || a->cluster != b->cluster || a->outcome != b->outcome)
            continue;
        row++; /* x_a - x_b >= 0 */
        put(t, row, a->cand + 1, 1.0);
        put(t, row, b->cand + 1, -1.0);
        row_range[row] = 2;
    }
    free(keys);
    return row;
}

/* Append the row sum_c coef[c] col_c >= lb over columns 1..n_cols. */
static int add_row_lo(glp_prob *P, const double *coef, int n_cols, double lb) {
    int *ind = etsim_malloc(((size_t)n_cols + 1) * sizeof *ind);
    double *val = etsim_malloc(((size_t)n_cols + 1) * sizeof *val);
    int len = 0;
    for (int c = 1; c <= n_cols; c++)
        if (coef[c] != 0.0) {
            ind[++len] = c;
            val[len] = coef[c];
        }
    int r = glp_add_rows(P, 1);
    glp_set_mat_row(P, r, len, ind, val);
    glp_set_row_bnds(P, r, GLP_LO, lb, 0.0);
    free(ind);
    free(val);
    return r;
}

/* Is there a selection other than x that satisfies every row and bound now
 * in P (the objective floor row among them) and reaches floor_v exactly?
 * One feasibility search answers it for all open candidates at once: a
 * no-good row "differ from x in at least one open candidate" is added, and
 * branch and cut stops at the first such point. The row is removed and the
 * basis restored before returning. Returns 1 (another selection ties), 0
 * (x is the only one) or -1. */
static int tie_exists(glp_prob *P, const etsim_ilp_model *m, int n_cols, const uint8_t *open,
                      const uint8_t *x, uint8_t *xt, double floor_v, etsim_ilp_stats *st,
                      etsim_err *err) {
    int32_t N = m->n_cand;
    int n_rows = glp_get_num_rows(P);
    int *row_stat = etsim_malloc(((size_t)n_rows + 1) * sizeof *row_stat);
    int *col_stat = etsim_malloc(((size_t)n_cols + 1) * sizeof *col_stat);
    double *coef = etsim_calloc((size_t)n_cols + 1, sizeof *coef);
    for (int r = 1; r <= n_rows; r++) row_stat[r] = glp_get_row_stat(P, r);
    for (int c = 1; c <= n_cols; c++) col_stat[c] = glp_get_col_stat(P, c);
    int kept_open = 0;
    for (int32_t i = 0; i < N; i++)
        if (open[i]) {
            coef[i + 1] = x[i] ? -1.0 : 1.0;
            kept_open += x[i];
        }
    int nogood = add_row_lo(P, coef, n_cols, 1.0 - kept_open);
    st->tie_solves++;
    int rc = -1;
    int empty = solve_lp(P, 1, err);
    if (empty < 0) goto out;
    if (empty) {
        rc = 0;
    } else if (lp_x_integral(P, N, xt) && etsim_ilp_objective(m, xt) >= floor_v) {
        rc = 1;
    } else {
        probe_stop ps = {m, xt, floor_v, &st->bb_nodes, NULL, 0};
        int found = solve_mip(P, 0, &ps, err);
        if (found < 0) goto out;
        /* An optimum GLPK accepts only within its feasibility tolerance
         * counts as a tie: the walk that follows checks values exactly. */
        rc = found == 1 || glp_mip_status(P) == GLP_OPT;
    }
out:;
    int del[2] = {0, nogood};
    glp_del_rows(P, 1, del);
    for (int r = 1; r <= n_rows; r++) glp_set_row_stat(P, r, row_stat[r]);
    for (int c = 1; c <= n_cols; c++) glp_set_col_stat(P, c, col_stat[c]);
    free(row_stat);
    free(col_stat);
    free(coef);
    return rc;
}

/* The tie rule's first stage: among the selections P admits (the objective
 * floor row among its rows), the one with the greatest preference weight
 * sum_i w_i x_i, w_i = N - rank_i over the open candidates. Replaces x with
 * it, adds the row "weight >= that maximum" and restores the objective.
 * Returns 0, or -1. If GLPK's answer is not within the tie tolerance of the
 * optimum when valued exactly (it accepts rows within its own feasibility
 * tolerance, 1e-7), or it finds no integer point at all (the same
 * tolerances, on models with near ties), x is left as it was and no row is
 * added: the walk that follows then decides among all ties (counted in
 * stats). */
static int maximize_preference(glp_prob *P, const etsim_ilp_model *m, const double *obj,
                               int n_cols, const uint8_t *open, uint8_t *x, uint8_t *xt,
                               double floor_v, etsim_ilp_stats *st, etsim_err *err) {
    int32_t N = m->n_cand;
    int rc = -1;
    double *w = etsim_calloc((size_t)n_cols + 1, sizeof *w);
    for (int32_t r = 0; r < N; r++) {
        int32_t i = m->prefer ? m->prefer[r] : r;
        if (open[i]) w[i + 1] = (double)(N - r);
    }
    for (int c = 1; c <= n_cols; c++) glp_set_obj_coef(P, c, w[c]);
    st->tie_solves++;
    glp_smcp p;
    glp_init_smcp(&p);
    p.msg_lev = GLP_MSG_OFF;
    p.meth = GLP_PRIMAL; /* the current basis is usually primal feasible */
    /* the rows admit the incumbent, so the LP has a point */
    int src = simplex_restarting(P, &p, 1, &st->tie_restarts);
    if (src != 0 || glp_get_status(P) != GLP_OPT) {
        etsim_errf(err, "ILP: tie rule LP failed (code %d, status %d)", src, glp_get_status(P));
        goto out;
    }
    /* The rows admit x, so "no integer point" can only be GLPK's
     * tolerances at a floor this close (models with near ties): the same
     * fallback as an answer below the floor, not a failed run. */
    int no_point = 0;
    if (!lp_x_integral(P, N, xt)) {
        probe_stop ps = {m, NULL, 0.0, &st->bb_nodes, NULL, 1};
        int found = solve_mip(P, 0, &ps, err);
        if (found < 0) goto out;
        no_point = found == 2;
        for (int32_t i = 0; i < N && !no_point; i++) xt[i] = glp_mip_col_val(P, i + 1) > 0.5;
    }
    if (!no_point && etsim_ilp_objective(m, xt) >= floor_v) {
        double weight = 0.0;
        for (int32_t i = 0; i < N; i++) weight += xt[i] ? w[i + 1] : 0.0;
        add_row_lo(P, w, n_cols, weight - 0.5); /* integer weights */
        memcpy(x, xt, (size_t)N);
    } else {
        st->tie_fallbacks++;
    }
    rc = 0;
out:
    for (int c = 1; c <= n_cols; c++) glp_set_obj_coef(P, c, obj[c]);
    free(w);
    return rc;
}

/* ---- the edge model ------------------------------------------------------------- */

int etsim_ilp_solve(const etsim_ilp_model *m, uint8_t *x, double *objective,
                    etsim_ilp_stats *stats, etsim_err *err) {
    if (check_model(m, err) < 0) return -1;
    int32_t N = m->n_cand, M = m->n_branch, K = m->n_clusters;
    etsim_ilp_stats st;
    memset(&st, 0, sizeof st);
    if (N == 1) { /* sum x >= 1 decides it */
        x[0] = 1;
        *objective = etsim_ilp_objective(m, x);
        st.lp_bound = *objective;
        st.lp_integral = 1;
        st.exact = 1; /* answered without GLPK */
        if (stats) *stats = st;
        return 0;
    }
    int solver = m->solver != ETSIM_ILP_AUTO ? m->solver : etsim_ilp_default_solver();
    int declined = 0;
    int64_t exact_passes = 0;
    if (solver != ETSIM_ILP_GLPK) {
        if (etsim_ilp_solve_exact(m, x, &st)) {
            *objective = etsim_ilp_objective(m, x);
            if (stats) *stats = st;
            return 0;
        }
        if (solver == ETSIM_ILP_EXACT_ONLY)
            return etsim_errf(err, "ILP: the exact solver declined (reason %d)", st.exact_declined);
        declined = st.exact_declined;
        exact_passes = st.dp_passes;
        memset(&st, 0, sizeof st);
    }
    st.exact_declined = declined;
    st.dp_passes = exact_passes;
    /* N >= 2 candidates all lie under the root: M >= 1, every cand_parent
     * >= 0. Branch nodes with one child are contracted into that child
     * (their y equals it), so columns are: x_1..x_N, then one y per branch
     * node with two or more children, then z_1..z_K. */
    int rc = -1;
    cut_store cuts;
    memset(&cuts, 0, sizeof cuts);
    glp_prob *P = new_prob();
    triplets t;
    memset(&t, 0, sizeof t);
    int32_t *nchild = etsim_calloc((size_t)M, sizeof *nchild);
    int32_t *ycol = etsim_calloc((size_t)M, sizeof *ycol);
    for (int32_t j = 1; j < M; j++) nchild[m->branch_parent[j]]++;
    for (int32_t i = 0; i < N; i++) nchild[m->cand_parent[i]]++;
    int32_t n_y = 0;
    for (int32_t j = 0; j < M; j++)
        if (nchild[j] >= 2) ycol[j] = N + 1 + n_y++;
    int n_cols = N + n_y + K;
    int upper_rows = m->unit_cost > 0.0;
    /* rows: one edge per column below a kept branch, the upper rows, sum x,
     * coverage. At most N + n_y edges. */
    int max_rows = N + n_y + (upper_rows ? n_y : 0) + 1 + K + N;
    double *obj = etsim_calloc((size_t)n_cols + 1, sizeof *obj);
    double *row_range = etsim_calloc((size_t)max_rows + 1, sizeof *row_range);
    int *row_stat = etsim_malloc(((size_t)max_rows + 1) * sizeof *row_stat);
    int *col_stat = etsim_malloc(((size_t)n_cols + 1) * sizeof *col_stat);
    int32_t *eff_parent = etsim_malloc(((size_t)n_cols + 1) * sizeof *eff_parent);
    uint8_t *open = etsim_calloc((size_t)N, 1);
    uint8_t *xt = etsim_malloc((size_t)N);
    double *dj = etsim_malloc((size_t)N * sizeof *dj);
    for (int32_t i = 0; i < N; i++) obj[i + 1] = m->outcome[i] + m->unit_cost;
    for (int32_t j = 0; j < M; j++)
        if (ycol[j]) obj[ycol[j]] = m->unit_cost;
    for (int32_t k = 0; k < K; k++) obj[N + n_y + k + 1] = m->coverage;
    /* Walk up from every column past the one-child branch nodes (whose cost
     * it absorbs) to the branch column that links it. */
    for (int c = 1; c <= N + n_y; c++) eff_parent[c] = 0;
    for (int32_t i = 0; i < N; i++) {
        int32_t p = m->cand_parent[i];
        for (; p >= 0 && !ycol[p]; p = m->branch_parent[p]) obj[i + 1] += m->unit_cost;
        eff_parent[i + 1] = p >= 0 ? ycol[p] : 0;
    }
    for (int32_t j = 0; j < M; j++) {
        if (!ycol[j]) continue;
        int32_t p = m->branch_parent[j];
        for (; p >= 0 && !ycol[p]; p = m->branch_parent[p]) obj[ycol[j]] += m->unit_cost;
        eff_parent[ycol[j]] = p >= 0 ? ycol[p] : 0;
    }
    glp_add_cols(P, n_cols);
    for (int32_t i = 0; i < N; i++) glp_set_col_kind(P, i + 1, GLP_BV);
    for (int c = N + 1; c <= n_cols; c++) glp_set_col_bnds(P, c, GLP_DB, 0.0, 1.0);
    /* y binary too: branching on a shared branch node decides a whole
     * subtree's cost at once, which the x alone cannot express. */
    for (int c = N + 1; c <= N + n_y; c++) glp_set_col_kind(P, c, GLP_BV);
    for (int c = 1; c <= n_cols; c++) glp_set_obj_coef(P, c, obj[c]);
    int row = 0;
    for (int c = 1; c <= N + n_y; c++) { /* y_parent - child >= 0 */
        if (!eff_parent[c]) continue;
        row++;
        put(&t, row, eff_parent[c], 1.0);
        put(&t, row, c, -1.0);
        row_range[row] = 2;
    }
    int edge_rows = row;
    if (upper_rows) { /* y_j - sum of its (effective) children <= 0 */
        for (int c = N + 1; c <= N + n_y; c++) {
            row++;
            put(&t, row, c, 1.0);
            row_range[row] = 1;
        }
        for (int c = 1; c <= N + n_y; c++)
            if (eff_parent[c]) {
                int r = edge_rows + (eff_parent[c] - N);
                put(&t, r, c, -1.0);
                row_range[r] += 1;
            }
    }
    int upper_end = row;
    row++; /* sum x >= 1 */
    int sum_row = row;
    for (int32_t i = 0; i < N; i++) put(&t, row, i + 1, 1.0);
    row_range[row] = N;
    if (K > 0) { /* z_k - sum of cluster k's x <= 0 */
        int first = row + 1;
        for (int32_t k = 0; k < K; k++) {
            row++;
            put(&t, row, N + n_y + k + 1, 1.0);
            row_range[row] = 1;
        }
        for (int32_t i = 0; i < N; i++) {
            put(&t, first + m->cluster[i], i + 1, -1.0);
            row_range[first + m->cluster[i]] += 1;
        }
    }
    int cover_end = row;
    row = add_symmetry_rows(m, &t, row, row_range);
    int n_rows = row;
    glp_add_rows(P, n_rows);
    for (int r = 1; r <= n_rows; r++) {
        if (r <= edge_rows || r > cover_end) glp_set_row_bnds(P, r, GLP_LO, 0.0, 0.0);
        else if (r <= upper_end) glp_set_row_bnds(P, r, GLP_UP, 0.0, 0.0);
        else if (r == sum_row) glp_set_row_bnds(P, r, GLP_LO, 1.0, 0.0);
        else glp_set_row_bnds(P, r, GLP_UP, 0.0, 0.0);
    }
    glp_load_matrix(P, (int)t.n, t.ia, t.ja, t.ar);
    /* Dual feasible slack basis: rows basic, columns at the preferred bound. */
    for (int c = 1; c <= n_cols; c++)
        if (obj[c] > 0.0) glp_set_col_stat(P, c, GLP_NU);

    if (solve_lp(P, 0, err) < 0) goto done;
    double v_lp = glp_get_obj_val(P);
    st.lp_bound = v_lp;
    for (int r = 1; r <= n_rows; r++) row_stat[r] = glp_get_row_stat(P, r);
    for (int c = 1; c <= n_cols; c++) col_stat[c] = glp_get_col_stat(P, c);
    /* Reduced costs of the root LP, and the slack that any dual
     * infeasibility left by GLPK's tolerances adds to the bound. */
    double slack = 0.0;
    for (int r = 1; r <= n_rows; r++) {
        double d = glp_get_row_dual(P, r);
        if ((row_stat[r] == GLP_NL && d > 0) || (row_stat[r] == GLP_NU && d < 0))
            slack += fabs(d) * row_range[r];
    }
    for (int c = 1; c <= n_cols; c++) {
        double d = glp_get_col_dual(P, c);
        if ((col_stat[c] == GLP_NL && d > 0) || (col_stat[c] == GLP_NU && d < 0)) slack += fabs(d);
    }
    for (int32_t i = 0; i < N; i++) dj[i] = glp_get_col_dual(P, i + 1);
    st.lp_integral = lp_x_integral(P, N, x);
    if (!st.lp_integral) {
        probe_stop root = {m, NULL, 0.0, &st.bb_nodes, &cuts, 0};
        if (solve_mip(P, 0, &root, err) < 0) goto done;
        add_cuts(P, &cuts);
        for (int32_t i = 0; i < N; i++) x[i] = glp_mip_col_val(P, i + 1) > 0.5;
    }
    /* From here on the tie rule (ETSIM_PROF_TIE when profiling). */
    double t_tie = etsim_prof_enabled() ? etsim_prof_now() : 0.0;
    double best = etsim_ilp_objective(m, x);
    double tol = etsim_ilp_tie_tolerance(m);
    double floor_v = best - tol;
    for (int32_t i = 0; i < N; i++) {
        int s = col_stat[i + 1];
        int correct = (s == GLP_NL && dj[i] <= 0) || (s == GLP_NU && dj[i] >= 0);
        double bound = v_lp - fabs(dj[i]) + slack + 1e-12 * (1.0 + fabs(v_lp));
        open[i] = s == GLP_BS || !correct || bound >= floor_v;
        st.open_cands += open[i];
    }
    if (st.open_cands > 0) {
        /* Decided candidates keep their value in every tied optimum. */
        for (int32_t i = 0; i < N; i++)
            if (!open[i]) glp_set_col_bnds(P, i + 1, GLP_FX, x[i], x[i]);
        /* From here on P admits only selections within tol of the optimum. */
        add_row_lo(P, obj, n_cols, floor_v);
        int tied = tie_exists(P, m, n_cols, open, x, xt, floor_v, &st, err);
        if (tied > 0) {
            if (maximize_preference(P, m, obj, n_cols, open, x, xt, floor_v, &st, err) < 0)
                goto done;
            tied = tie_exists(P, m, n_cols, open, x, xt, floor_v, &st, err);
        }
        if (tied < 0) goto done;
        if (!tied) st.open_cands = 0; /* x is the rule's answer: nothing to walk */
    }
    if (st.open_cands > 0) {
        for (int32_t r = 0; r < N; r++) {
            int32_t i = m->prefer ? m->prefer[r] : r;
            if (!open[i]) continue;
            glp_set_col_bnds(P, i + 1, GLP_FX, 1.0, 1.0);
            if (x[i]) continue;
            /* Probe: the best selection that also keeps i. Each probe starts
             * from the basis the last one left (still dual feasible after
             * bound changes), so it costs a few dual simplex pivots. */
            st.tie_solves++;
            int empty = solve_lp(P, 1, err);
            if (empty < 0) goto done;
            int take = 0;
            if (!empty && glp_get_obj_val(P) >= floor_v) {
                if (!lp_x_integral(P, N, xt)) {
                    probe_stop ps = {m, xt, floor_v, &st.bb_nodes, NULL, 0};
                    int found = solve_mip(P, 0, &ps, err);
                    if (found < 0) goto done;
                    if (found == 0 && glp_mip_status(P) == GLP_NOFEAS) memset(xt, 0, (size_t)N);
                    else if (found == 0)
                        for (int32_t q = 0; q < N; q++) xt[q] = glp_mip_col_val(P, q + 1) > 0.5;
                }
                take = xt[i] && etsim_ilp_objective(m, xt) >= floor_v;
            }
            if (take) memcpy(x, xt, (size_t)N);
            else glp_set_col_bnds(P, i + 1, GLP_FX, 0.0, 0.0);
        }
    }
    *objective = etsim_ilp_objective(m, x);
    if (etsim_prof_enabled()) etsim_prof_add(ETSIM_PROF_TIE, etsim_prof_now() - t_tie);
    if (stats) *stats = st;
    rc = 0;
done:
    cut_store_free(&cuts);
    glp_delete_prob(P);
    triplets_free(&t);
    free(nchild);
    free(ycol);
    free(obj);
    free(row_range);
    free(row_stat);
    free(col_stat);
    free(eff_parent);
    free(open);
    free(xt);
    free(dj);
    return rc;
}

/* ---- the literal model ---------------------------------------------------------- */

int etsim_ilp_solve_literal(const etsim_ilp_model *m, uint8_t *x, double *objective,
                            etsim_err *err) {
    if (check_model(m, err) < 0) return -1;
    int32_t N = m->n_cand, M = m->n_branch, K = m->n_clusters;
    int rc = -1;
    glp_prob *P = new_prob();
    triplets t;
    memset(&t, 0, sizeof t);
    int n_cols = N + M + K;
    glp_add_cols(P, n_cols);
    for (int c = 1; c <= n_cols; c++) glp_set_col_kind(P, c, GLP_BV);
    for (int32_t i = 0; i < N; i++) glp_set_obj_coef(P, i + 1, m->outcome[i] + m->unit_cost);
    for (int32_t j = 0; j < M; j++) glp_set_obj_coef(P, N + j + 1, m->unit_cost);
    for (int32_t k = 0; k < K; k++) glp_set_obj_coef(P, N + M + k + 1, m->coverage);
    /* Per branch node: its activation row (y_j <= sum of the candidates
     * under it), then one link row per candidate under it. */
    int32_t *under_n = etsim_calloc((size_t)(M > 0 ? M : 1), sizeof *under_n);
    for (int32_t i = 0; i < N; i++)
        for (int32_t j = m->cand_parent[i]; j >= 0; j = m->branch_parent[j]) under_n[j]++;
    int row = 0;
    int32_t *act_row = etsim_calloc((size_t)(M > 0 ? M : 1), sizeof *act_row);
    for (int32_t j = 0; j < M; j++) {
        act_row[j] = ++row;
        glp_add_rows(P, 1);
        glp_set_row_bnds(P, row, GLP_UP, 0.0, 0.0);
        put(&t, row, N + j + 1, 1.0);
    }
    for (int32_t i = 0; i < N; i++)
        for (int32_t j = m->cand_parent[i]; j >= 0; j = m->branch_parent[j]) {
            put(&t, act_row[j], i + 1, -1.0);
            row++;
            glp_add_rows(P, 1);
            glp_set_row_bnds(P, row, GLP_LO, 0.0, 0.0);
            put(&t, row, N + j + 1, 1.0);
            put(&t, row, i + 1, -1.0);
        }
    row++;
    glp_add_rows(P, 1);
    glp_set_row_bnds(P, row, GLP_LO, 1.0, 0.0);
    for (int32_t i = 0; i < N; i++) put(&t, row, i + 1, 1.0);
    if (K > 0) {
        int first = row + 1;
        glp_add_rows(P, K);
        for (int32_t k = 0; k < K; k++) {
            glp_set_row_bnds(P, first + k, GLP_UP, 0.0, 0.0);
            put(&t, first + k, N + M + k + 1, 1.0);
        }
        for (int32_t i = 0; i < N; i++) put(&t, first + m->cluster[i], i + 1, -1.0);
    }
    glp_load_matrix(P, (int)t.n, t.ia, t.ja, t.ar);
    int64_t lit_nodes = 0;
    probe_stop lit = {m, NULL, 0.0, &lit_nodes, NULL, 0};
    if (solve_mip(P, 1, &lit, err) < 0) goto done;
    for (int32_t i = 0; i < N; i++) x[i] = glp_mip_col_val(P, i + 1) > 0.5;
    *objective = etsim_ilp_objective(m, x);
    rc = 0;
done:
    glp_delete_prob(P);
    triplets_free(&t);
    free(under_n);
    free(act_row);
    return rc;
}

void etsim_ilp_thread_cleanup(void) {
    pthread_once(&glpk_env_key_once, glpk_env_key_create);
    pthread_setspecific(glpk_env_key, NULL);
    glp_free_env();
}

/* The run-wide solver choice (etsim_ilp_set_default_solver); atomic so
 * that a bench may switch it between timed runs while no search runs. */
static _Atomic int default_solver = ETSIM_ILP_AUTO;

void etsim_ilp_set_default_solver(int solver) { atomic_store(&default_solver, solver); }

int etsim_ilp_default_solver(void) { return atomic_load(&default_solver); }

int etsim_ilp_solver_parse(const char *name) {
    if (!name) return ETSIM_ILP_AUTO;
    if (strcmp(name, "glpk") == 0) return ETSIM_ILP_GLPK;
    if (strcmp(name, "exact") == 0) return ETSIM_ILP_EXACT_ONLY;
    return ETSIM_ILP_AUTO;
}
