/* test_sel_ets_exact.c -- differential test of the exact ETS solver
 * (selectors/ets_exact.c) against the GLPK path (selectors/ilp.c, solver
 * ETSIM_ILP_GLPK): thousands of random selection models -- 2 to 300
 * candidates, trees from flat to 12 deep, exact duplicates, outcome weights
 * that are counts over a small total (ties everywhere), cost weights
 * lambda_c in {0 (the +1e-4 guard), 0.25 .. 3}, coverage lambda_s in {0,
 * 0.5, 1, 1.45, 3} with clusters that are random, sibling groups or one
 * big cluster -- must give byte-identical selections and objectives. The
 * exact solver must also answer (not defer to GLPK) on most of them, or
 * the comparison would be vacuous. test_scattered: steps shaped like
 * `etsim bench`'s (a tree of geometric level sizes, REBASE's outcome
 * counts, small clusters scattered over the whole tree), where the hybrid
 * of ets_exact.c must settle most at the root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selectors/ilp.h"
#include "selectors/sel_bench.h"

enum { MAX_N = 300, MAX_M = 3000 };

typedef struct instance {
    int32_t N, M, K;
    int32_t cand_parent[MAX_N], branch_parent[MAX_M], cluster[MAX_N], prefer[MAX_N];
    double O[MAX_N];
    etsim_ilp_model m;
} instance;

static int32_t draw(etsim_rng *r, int32_t n) { return (int32_t)(etsim_rng_u64(r) % (uint64_t)n); }

/* Branch nodes level by level (the first nodes of a level under the nodes
 * of the level above in order, the rest under random ones) and the N
 * candidates likewise under the last level; returns M. */
static int32_t link_levels(instance *in, etsim_rng *r, int32_t N, const int32_t *size, int32_t depth) {
    int32_t M = 0, start[16];
    for (int32_t l = 0; l < depth; l++) {
        start[l] = M;
        for (int32_t k = 0; k < size[l]; k++, M++)
            in->branch_parent[M] = l == 0 ? -1
                                   : start[l - 1] + (k < size[l - 1] ? k : draw(r, size[l - 1]));
    }
    int32_t last = start[depth - 1], nlast = size[depth - 1];
    for (int32_t i = 0; i < N; i++) in->cand_parent[i] = last + (i < nlast ? i : draw(r, nlast));
    return M;
}

/* A random selection model; shape and weights from the seed. */
static void make_instance(instance *in, uint64_t seed, int32_t max_n) {
    etsim_rng r = etsim_rng_make(seed, 17, (uint64_t)max_n, 0, 0);
    memset(in, 0, sizeof *in);
    int32_t N = 2 + draw(&r, max_n - 1), depth = 1 + draw(&r, 12);
    int32_t size[16];
    size[0] = 1;
    for (int32_t l = 1; l < depth; l++) {
        int32_t grow = draw(&r, 3) == 0 ? 0 : draw(&r, N - size[l - 1] + 1);
        size[l] = size[l - 1] + grow / (1 + draw(&r, 3));
        if (size[l] > N) size[l] = N;
    }
    int32_t M = link_levels(in, &r, N, size, depth);
    /* Outcome weights: counts over a total B, often many equal, some exact
     * duplicates (same parent and count as the previous candidate). */
    int32_t B = 1 + draw(&r, draw(&r, 2) ? N + 1 : 4 * N), left = B;
    int32_t counts[MAX_N];
    int flat = draw(&r, 3) == 0;
    for (int32_t i = 0; i < N; i++) {
        int32_t c = flat ? (left > 0 && draw(&r, 2) ? 1 : 0) : draw(&r, (left < 4 ? left : 4) + 1);
        if (i == N - 1) c = left;
        if (i > 0 && draw(&r, 5) == 0 && counts[i - 1] <= left) {
            c = counts[i - 1];
            in->cand_parent[i] = in->cand_parent[i - 1];
        }
        if (c > left) c = left;
        counts[i] = c;
        left -= c;
    }
    for (int32_t i = 0; i < N; i++) in->O[i] = (double)counts[i] / B;
    static const double lambdac[] = {0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0};
    static const double lambdas[] = {0.0, 0.0, 0.5, 1.0, 1.45, 3.0};
    double lc = lambdac[draw(&r, 9)], ls = lambdas[draw(&r, 6)];
    int32_t K = 0;
    if (ls > 0) {
        int kind = draw(&r, 3);
        int32_t want = 1 + draw(&r, N);
        for (int32_t i = 0; i < N; i++)
            in->cluster[i] = kind == 0   ? draw(&r, want)                 /* scattered */
                             : kind == 1 ? in->cand_parent[i] % want     /* sibling groups */
                                         : (draw(&r, 8) == 0 ? draw(&r, want) : 0);
        int32_t map[MAX_N];
        for (int32_t c = 0; c < MAX_N; c++) map[c] = -1;
        for (int32_t i = 0; i < N; i++) {
            if (map[in->cluster[i]] < 0) map[in->cluster[i]] = K++;
            in->cluster[i] = map[in->cluster[i]];
        }
    }
    for (int32_t i = 0; i < N; i++) in->prefer[i] = i;
    for (int32_t i = N - 1; i > 0; i--) {
        int32_t j = draw(&r, i + 1), t = in->prefer[i];
        in->prefer[i] = in->prefer[j];
        in->prefer[j] = t;
    }
    in->N = N;
    in->M = M;
    in->K = K;
    double weight = lc == 0 ? 1e-4 : -lc;
    in->m = (etsim_ilp_model){.n_cand = N, .n_branch = M, .cand_parent = in->cand_parent,
                              .branch_parent = in->branch_parent, .outcome = in->O,
                              .unit_cost = weight / (double)(M + N), .n_clusters = K,
                              .cluster = in->cluster, .coverage = K ? ls / K : 0.0,
                              .prefer = in->prefer, .outcome_den = draw(&r, 4) ? B : 0};
}


/* A step shaped like etsim bench's instance (selectors/sel_bench.c): level
 * sizes growing geometrically to N over 4 to 11 levels, outcome counts from
 * REBASE's sequential ceil allocation of B = N over exp(5 s) (many ones and
 * zeros: ties everywhere), clusters of 2 to 6 members drawn at random over
 * all candidates (scattered: their members' lowest common ancestor is
 * usually the root). */
static void make_scattered(instance *in, uint64_t seed) {
    etsim_rng r = etsim_rng_make(seed, 23, 0, 0, 0);
    memset(in, 0, sizeof *in);
    int32_t N = 32 + draw(&r, MAX_N - 31), depth = 4 + draw(&r, 8), size[16];
    for (int32_t l = 0; l < depth; l++) {
        size[l] = (int32_t)(pow((double)N, (double)l / depth) + 0.5);
        if (l > 0 && size[l] < size[l - 1]) size[l] = size[l - 1];
    }
    int32_t M = link_levels(in, &r, N, size, depth);
    double weight[MAX_N], weight_sum = 0.0;
    for (int32_t i = 0; i < N; i++) {
        weight[i] = exp(5.0 * (double)draw(&r, 1000) / 1000.0);
        weight_sum += weight[i];
    }
    int32_t left = N;
    for (int32_t i = 0; i < N; i++) {
        int32_t c = (int32_t)ceil((double)left * weight[i] / weight_sum - 1e-9);
        c = c > left ? left : c < 0 ? 0 : c;
        in->O[i] = (double)c / N;
        left -= c;
        weight_sum -= weight[i];
    }
    int32_t want = N / (2 + draw(&r, 5)), K = 0, map[MAX_N];
    for (int32_t c = 0; c < MAX_N; c++) map[c] = -1;
    for (int32_t i = 0; i < N; i++) {
        int32_t c = draw(&r, want);
        if (map[c] < 0) map[c] = K++;
        in->cluster[i] = map[c];
    }
    for (int32_t i = 0; i < N; i++) in->prefer[i] = i;
    for (int32_t i = N - 1; i > 0; i--) {
        int32_t j = draw(&r, i + 1), t = in->prefer[i];
        in->prefer[i] = in->prefer[j];
        in->prefer[j] = t;
    }
    static const double lambdac[] = {0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0};
    static const double lambdas[] = {0.5, 1.0, 1.45, 2.0, 3.0};
    double lc = lambdac[draw(&r, 8)], ls = lambdas[draw(&r, 5)];
    in->N = N;
    in->M = M;
    in->K = K;
    in->m = (etsim_ilp_model){.n_cand = N, .n_branch = M, .cand_parent = in->cand_parent,
                              .branch_parent = in->branch_parent, .outcome = in->O,
                              .unit_cost = -lc / (double)(M + N), .n_clusters = K,
                              .cluster = in->cluster, .coverage = ls / K, .prefer = in->prefer,
                              .outcome_den = N};
}

/* Near coincidences on purpose: make_instance's small models with the
 * node cost u = -a / B + e_u and (with coverage) v = b / B + e_v, e_u and
 * e_v within the tie tolerance. Keeping one more node and a more counts
 * (or b fewer, for one more cluster) then changes the objective by e_u
 * (e_v): selections whose values differ by less than the tolerance
 * without being equal, which the tie rule treats as tied. The exact
 * solver must rule each such combination out by counts (window_empty in
 * ets_exact.c) or decline. */
static void make_near_tie(instance *in, uint64_t seed, int32_t max_n) {
    make_instance(in, seed, max_n);
    etsim_rng r = etsim_rng_make(seed, 29, 0, 0, 0);
    int32_t N = in->N, M = in->M, K = in->K;
    int64_t B = 0;
    for (int32_t D = 1; D <= 4 * MAX_N && !B; D++) { /* the counts' total */
        int ok = 1;
        for (int32_t i = 0; i < N && ok; i++) ok = fabs(in->O[i] * D - nearbyint(in->O[i] * D)) < 1e-9;
        if (ok) B = D;
    }
    in->m.outcome_den = B;
    double u = -(double)(1 + draw(&r, 3)) / (double)B;
    double v = K > 0 ? (double)(1 + draw(&r, 3)) / (double)B : 0.0;
    double tol = 1e-9 * (1.0 + fabs(u) * (double)(M + N) + v * (double)K);
    static const double part[] = {-0.9, -0.5, -0.2, 0.0, 0.2, 0.5, 0.9};
    in->m.unit_cost = u + part[draw(&r, 7)] * tol / (double)(1 + draw(&r, 3));
    in->m.coverage = K > 0 ? v + part[draw(&r, 7)] * tol / (double)(1 + draw(&r, 3)) : 0.0;
}

/* kind 0: make_instance; 1: make_scattered */
static void run_differential(int kind, uint64_t first, uint64_t count, int32_t max_n,
                             double min_exact, double min_root_states) {
    int64_t exact = 0, root_states = 0, ruled_out = 0, declined[8] = {0};
    for (uint64_t seed = first; seed < first + count; seed++) {
        static instance in;
        if (kind == 0) make_instance(&in, seed, max_n);
        else make_scattered(&in, seed);
        static uint8_t xg[MAX_N], xe[MAX_N];
        double og, oe;
        etsim_ilp_stats sg, se;
        etsim_err err;
        in.m.solver = ETSIM_ILP_GLPK;
        if (etsim_ilp_solve(&in.m, xg, &og, &sg, &err) < 0) {
            print_error("seed %llu: GLPK: %s\n", (unsigned long long)seed, err.msg);
            fail();
        }
        in.m.solver = ETSIM_ILP_AUTO;
        assert_int_equal(etsim_ilp_solve(&in.m, xe, &oe, &se, &err), 0);
        exact += se.exact;
        root_states += se.exact && se.bb_nodes == 1 && se.states_runs > 0;
        ruled_out += se.exact && se.near_ties_ruled_out > 0;
        if (!se.exact) declined[se.exact_declined & 7]++;
        if (memcmp(xg, xe, (size_t)in.N) != 0 || og != oe) {
            int32_t first_diff = -1;
            for (int32_t i = 0; i < in.N && first_diff < 0; i++)
                if (xg[i] != xe[i]) first_diff = i;
            print_error("seed %llu: N=%d M=%d K=%d u=%g v=%g exact=%d: GLPK %.17g, new %.17g, "
                        "first difference at candidate %d\n",
                        (unsigned long long)seed, in.N, in.M, in.K, in.m.unit_cost,
                        in.m.coverage, se.exact, og, oe, first_diff);
            fail();
        }
    }
    print_message("%llu instances (N <= %d): exact solver answered %lld (%lld settled at the "
                  "root by a state programme, %lld after ruling out near ties); declined: no "
                  "denominator %lld, near tie %lld, positive cost %lld, budget %lld\n",
                  (unsigned long long)count, max_n, (long long)exact, (long long)root_states,
                  (long long)ruled_out, (long long)declined[1], (long long)declined[2],
                  (long long)declined[3], (long long)declined[4]);
    assert_true((double)exact >= min_exact * (double)count);
    assert_true((double)root_states >= min_root_states * (double)count);
}

/* Real steps (tests/data/ets_real_steps.txt): few large clusters scattered
 * over many parents, which the Lagrangian branch and bound alone handed to
 * GLPK; the state programme (ets_states.c) must answer each exactly, with
 * GLPK's selection (recorded, and solved again here). */
/* The GLPK path on larger near-tie models (N <= 40, and the N <= 120 one
 * that first showed it): where its tolerances find no integer point for
 * the tie rule's preference stage although the incumbent meets every row,
 * it must fall back (counted in tie_fallbacks) rather than fail the step;
 * 2000847 and 3001067 failed with "no proven optimum" before. */
static void test_glpk_near_ties(void **state) {
    (void)state;
    static const struct { uint64_t seed; int32_t max_n; } known[] = {{2000847, 40}, {3001067, 120}};
    int64_t fallbacks = 0;
    for (uint64_t q = 0; q < 62; q++) {
        static instance in;
        if (q < 2) make_near_tie(&in, known[q].seed, known[q].max_n);
        else make_near_tie(&in, 2000800 + q, 40);
        static uint8_t x[MAX_N];
        double obj;
        etsim_ilp_stats st;
        etsim_err err;
        in.m.solver = ETSIM_ILP_GLPK;
        if (etsim_ilp_solve(&in.m, x, &obj, &st, &err) < 0) {
            print_error("model %llu: GLPK path: %s\n", (unsigned long long)q, err.msg);
            fail();
        }
        fallbacks += st.tie_fallbacks;
        int kept = 0;
        for (int32_t i = 0; i < in.N; i++) kept += x[i];
        assert_true(kept >= 1);
        assert_true(obj == etsim_ilp_objective(&in.m, x));
    }
    assert_true(fallbacks > 0);
}

static void test_real_steps(void **state) {
    (void)state;
    const char *src = getenv("ETSIM_SOURCE_DIR");
    if (!src) {
        print_message("ETSIM_SOURCE_DIR unset: skipped\n");
        skip();
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/ets_real_steps.txt", src);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[256];
    while (fgets(line, sizeof line, fp) && line[0] == '#')
        ;
    int n_models = 0;
    do {
        int N, M, K, ex, dec;
        double u, v;
        long long den;
        if (sscanf(line, "%d %d %d %lf %lf %lld %d %d", &N, &M, &K, &u, &v, &den, &ex, &dec) != 8)
            break;
        assert_true(N > 1 && N <= MAX_N && M > 0 && M <= MAX_M && K > 0);
        static int32_t cp[MAX_N], bp[MAX_M], cl[MAX_N], pr[MAX_N];
        static double o[MAX_N];
        static uint8_t want[MAX_N], xg[MAX_N], xe[MAX_N];
        static char bits[MAX_N + 2];
        for (int i = 0; i < N; i++) assert_int_equal(fscanf(fp, "%d", &cp[i]), 1);
        for (int j = 0; j < M; j++) assert_int_equal(fscanf(fp, "%d", &bp[j]), 1);
        for (int i = 0; i < N; i++) assert_int_equal(fscanf(fp, "%lf", &o[i]), 1);
        for (int i = 0; i < N; i++) assert_int_equal(fscanf(fp, "%d", &cl[i]), 1);
        for (int i = 0; i < N; i++) assert_int_equal(fscanf(fp, "%d", &pr[i]), 1);
        assert_int_equal(fscanf(fp, "%301s", bits), 1);
        for (int i = 0; i < N; i++) want[i] = (uint8_t)(bits[i] - '0');
        etsim_ilp_model m = {.n_cand = N, .n_branch = M, .cand_parent = cp, .branch_parent = bp,
                             .outcome = o, .unit_cost = u, .n_clusters = K, .cluster = cl,
                             .coverage = v, .prefer = pr, .outcome_den = den,
                             .solver = ETSIM_ILP_GLPK};
        double og, oe;
        etsim_ilp_stats se;
        etsim_err err;
        assert_int_equal(etsim_ilp_solve(&m, xg, &og, NULL, &err), 0);
        m.solver = ETSIM_ILP_EXACT_ONLY;
        assert_int_equal(etsim_ilp_solve(&m, xe, &oe, &se, &err), 0);
        assert_true(se.exact);
        assert_memory_equal(xg, want, (size_t)N);
        assert_memory_equal(xe, want, (size_t)N);
        assert_true(og == oe);
        n_models++;
        if (fscanf(fp, " ") < 0) break;
    } while (fgets(line, sizeof line, fp));
    fclose(fp);
    assert_int_equal(n_models, 10);
}

/* `etsim bench`'s steps at 512 and 1,024 candidates (issue 17: one step
 * at 1,024 within 20 ms). The exact solver must answer the bench's own
 * 1,024-candidate step at every lambda_b of the paper's sweeps, and its
 * selection must be GLPK's there and on other instances of both sizes
 * wherever it answers. Until the root polished its passes' answers
 * (polish in ets_exact.c) and took Polyak steps, lambda_b 1, 1.5 and 2
 * ran past the pass budget here. */
static void test_bench_steps(void **state) {
    (void)state;
    static const double lambdas[] = {0.75, 1.0, 1.25, 1.5, 2.0};
    static const struct {
        int32_t n;
        uint64_t seed;
        int must_answer;
    } steps[] = {{1024, 42, 1}, {512, 7, 0}, {512, 8, 0}};
    int answered = 0;
    for (size_t q = 0; q < sizeof steps / sizeof *steps; q++)
        for (size_t l = 0; l < sizeof lambdas / sizeof *lambdas; l++) {
            etsim_err err;
            etsim_sel_bench_model *bm =
                etsim_sel_bench_model_new(steps[q].n, steps[q].seed, lambdas[l], &err);
            assert_non_null(bm);
            etsim_ilp_model m = *etsim_sel_bench_model_ilp(bm);
            int32_t N = m.n_cand;
            uint8_t *xe = calloc((size_t)N, 1), *xg = calloc((size_t)N, 1);
            etsim_ilp_stats st;
            int exact = etsim_ilp_solve_exact(&m, xe, &st), same = 1, glpk_rc = 0;
            if (exact) {
                double obj;
                m.solver = ETSIM_ILP_GLPK;
                glpk_rc = etsim_ilp_solve(&m, xg, &obj, NULL, &err);
                same = !memcmp(xe, xg, (size_t)N);
                answered++;
            }
            free(xe);
            free(xg);
            etsim_sel_bench_model_free(bm);
            if (steps[q].must_answer && !exact)
                fail_msg("N %d lambda_b %.2f: declined (reason %d, %lld passes)", N, lambdas[l],
                         st.exact_declined, (long long)st.dp_passes);
            assert_int_equal(glpk_rc, 0);
            if (!same) fail_msg("N %d lambda_b %.2f: not GLPK's selection", N, lambdas[l]);
        }
    assert_true(answered >= 10);
}

static void test_small(void **state) {
    (void)state;
    run_differential(0, 1, 3000, 16, 0.8, 0.0);
}

static void test_medium(void **state) {
    (void)state;
    run_differential(0, 100000, 600, 80, 0.8, 0.0);
}

static void test_large(void **state) {
    (void)state;
    run_differential(0, 200000, 60, MAX_N, 0.6, 0.0);
}

static void test_scattered(void **state) {
    (void)state;
    run_differential(1, 300000, 50, MAX_N, 0.75, 0.4);
}

/* The tie rule by enumeration (N <= 12): the optimum, then among the
 * selections within the tolerance the greatest preference weight, then
 * the lexicographically greatest in preference order. */
static void brute_rule(const instance *in, uint8_t *best_x) {
    double tol = etsim_ilp_tie_tolerance(&in->m), best = -INFINITY;
    uint8_t x[MAX_N];
    for (uint32_t s = 1; s < (1u << in->N); s++) {
        for (int32_t i = 0; i < in->N; i++) x[i] = (s >> i) & 1;
        double f = etsim_ilp_objective(&in->m, x);
        if (f > best) best = f;
    }
    int64_t best_w = -1;
    for (uint32_t s = 1; s < (1u << in->N); s++) {
        for (int32_t i = 0; i < in->N; i++) x[i] = (s >> i) & 1;
        if (etsim_ilp_objective(&in->m, x) < best - tol) continue;
        int64_t w = 0;
        for (int32_t r = 0; r < in->N; r++) w += x[in->prefer[r]] ? in->N - r : 0;
        int better = w > best_w;
        for (int32_t r = 0; r < in->N && w == best_w && !better; r++) {
            int32_t i = in->prefer[r];
            if (x[i] != best_x[i]) {
                better = x[i] > best_x[i];
                break;
            }
        }
        if (better) {
            best_w = w;
            memcpy(best_x, x, (size_t)in->N);
        }
    }
}

/* Models built to have near ties (make_near_tie): where the exact solver
 * answers -- after ruling the near ties out by counts -- its selection must
 * be the tie rule's, found by enumeration. The reference here is the
 * enumeration, not GLPK: at differences this close to the tolerance GLPK's
 * own tolerances (1e-7 on rows, its LP bounds) can miss the optimum by more
 * than the tie tolerance. Both outcomes of the check must occur. */
static void test_near_ties(void **state) {
    (void)state;
    int64_t ruled_out = 0, declined = 0;
    for (uint64_t seed = 400000; seed < 402000; seed++) {
        static instance in;
        make_near_tie(&in, seed, 10);
        static uint8_t want[MAX_N], got[MAX_N];
        brute_rule(&in, want);
        etsim_ilp_stats st;
        memset(&st, 0, sizeof st);
        in.m.solver = ETSIM_ILP_EXACT_ONLY;
        if (!etsim_ilp_solve_exact(&in.m, got, &st)) {
            declined += st.exact_declined == ETSIM_EXACT_NEAR_TIE;
            continue;
        }
        ruled_out += st.near_ties_ruled_out > 0;
        if (memcmp(got, want, (size_t)in.N) != 0) {
            print_error("seed %llu: N=%d M=%d K=%d u=%.17g v=%.17g: the exact solver's selection "
                        "is not the tie rule's (near ties ruled out: %d)\n",
                        (unsigned long long)seed, in.N, in.M, in.K, in.m.unit_cost,
                        in.m.coverage, st.near_ties_ruled_out);
            fail();
        }
    }
    print_message("2000 near-tie models: exact solver answered %lld after ruling out near ties, "
                  "declined %lld for one it could not\n",
                  (long long)ruled_out, (long long)declined);
    assert_true(ruled_out > 0);
    assert_true(declined > 0);
}

/* Candidates at the root (no branch node, every parent -1) can only be a
 * lone candidate: with N >= 2 both solvers would index a branch 0 that is
 * not there. Such a model must be rejected with an error by either solver
 * choice, the exact solver called directly must decline it, and a lone
 * root candidate must still be kept. Under ASan this also checks that
 * nothing is read outside the solvers' arrays on the way. */
static void test_no_tree(void **state) {
    (void)state;
    int32_t cand_parent[3] = {-1, -1, -1}, cluster[3] = {0, 1, 1};
    double outcome[3] = {0.5, 0.25, 0.25};
    etsim_ilp_model m = {.n_cand = 3, .n_branch = 0, .cand_parent = cand_parent,
                         .outcome = outcome, .unit_cost = -0.1, .n_clusters = 2,
                         .cluster = cluster, .coverage = 0.2, .outcome_den = 4};
    uint8_t x[3];
    etsim_ilp_stats st;
    memset(&st, 0, sizeof st);
    assert_int_equal(etsim_ilp_solve_exact(&m, x, &st), 0);
    assert_int_equal(st.exact_declined, ETSIM_EXACT_NO_TREE);
    double obj;
    etsim_err err;
    for (int solver = 0; solver < 2; solver++) {
        m.solver = solver ? ETSIM_ILP_GLPK : ETSIM_ILP_AUTO;
        assert_int_equal(etsim_ilp_solve(&m, x, &obj, &st, &err), -1);
        assert_non_null(strstr(err.msg, "no branch node"));
    }
    m.n_cand = 1; /* a lone root candidate is kept */
    m.solver = ETSIM_ILP_AUTO;
    assert_int_equal(etsim_ilp_solve(&m, x, &obj, &st, &err), 0);
    assert_int_equal(x[0], 1);
}

/* Clusters without a member (valid: z_k <= an empty sum) are dead at every
 * node. Random models with an empty cluster first, in the middle and last
 * must get GLPK's selection, mostly from the exact solver. This checks the
 * answers; that no member list is read for an empty cluster lies inside
 * the solver's own block, where no sanitizer can see it. */
static void test_empty_clusters(void **state) {
    (void)state;
    int64_t answered = 0;
    for (uint64_t seed = 500000; seed < 500300; seed++) {
        static instance in;
        make_instance(&in, seed, 40);
        if (in.K < 1) continue;
        /* renumber: cluster c becomes c + 1 + (c >= K/2), leaving 0, K/2 + 1
         * and K + 2 empty */
        int32_t K = in.K;
        for (int32_t i = 0; i < in.N; i++) in.cluster[i] += 1 + (in.cluster[i] >= K / 2);
        in.K = in.m.n_clusters = K + 3;
        uint8_t got[MAX_N], want[MAX_N];
        double f_got, f_want;
        etsim_ilp_stats st;
        etsim_err err;
        in.m.solver = ETSIM_ILP_AUTO;
        assert_int_equal(etsim_ilp_solve(&in.m, got, &f_got, &st, &err), 0);
        answered += st.exact;
        in.m.solver = ETSIM_ILP_GLPK;
        assert_int_equal(etsim_ilp_solve(&in.m, want, &f_want, &st, &err), 0);
        if (memcmp(got, want, (size_t)in.N) != 0 || f_got != f_want) {
            print_error("seed %llu: N=%d M=%d K=%d: the selection differs from GLPK's\n",
                        (unsigned long long)seed, in.N, in.M, in.K);
            fail();
        }
    }
    assert_true(answered > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_tree),
        cmocka_unit_test(test_empty_clusters),
        cmocka_unit_test(test_small),
        cmocka_unit_test(test_medium),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_scattered),
        cmocka_unit_test(test_near_ties),
        cmocka_unit_test(test_glpk_near_ties),
        cmocka_unit_test(test_real_steps),
        cmocka_unit_test(test_bench_steps),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    etsim_ilp_thread_cleanup();
    return rc;
}
