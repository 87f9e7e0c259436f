/* test_sel_ilp.c -- the ETS ILP (selectors/ilp.c): hand-worked optima and
 * ties, then hundreds of random instances (N <= 12) checked against brute
 * force enumeration (the optimal value, and the selection the documented
 * tie rule picks) and against the literal reference model in GLPK. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "selectors/ilp.h"

/* ---- hand-worked cases ------------------------------------------------------- */

/* root(0) -> a(1), b(2); candidates a1, a2 under a, b1 under b. */
static const int32_t tree3_cand_parent[] = {1, 1, 2};
static const int32_t tree3_branch_parent[] = {-1, 0, 0};

static void test_hand_no_coverage(void **state) {
    (void)state;
    /* O = (1/2, 1/4, 1/4), lambda_c = 1, M + N = 6: u = -1/6.
     * {a1} = 1/2 - 3/6 = 0; {a1,a2} = 3/4 - 4/6 = 1/12; {a1,b1} = 3/4 - 5/6;
     * all = 1 - 1 = 0; so the optimum is {a1, a2} at 1/12. */
    double O[] = {0.5, 0.25, 0.25};
    etsim_ilp_model m = {.n_cand = 3, .n_branch = 3, .cand_parent = tree3_cand_parent,
                         .branch_parent = tree3_branch_parent, .outcome = O,
                         .unit_cost = -1.0 / 6.0};
    uint8_t x[3];
    double obj;
    etsim_err err;
    assert_int_equal(etsim_ilp_solve(&m, x, &obj, NULL, &err), 0);
    assert_int_equal(x[0], 1);
    assert_int_equal(x[1], 1);
    assert_int_equal(x[2], 0);
    assert_true(fabs(obj - 1.0 / 12.0) < 1e-12);
    assert_int_equal(etsim_ilp_solve_literal(&m, x, &obj, &err), 0);
    assert_true(fabs(obj - 1.0 / 12.0) < 1e-12);
}

static void test_hand_coverage(void **state) {
    (void)state;
    /* Same tree; a1, a2 in cluster 0, b1 in cluster 1; lambda_s = 0.5 so each
     * covered cluster is worth 0.25: {a1,a2} = 1/12 + 1/4 = 1/3,
     * {a1,b1} = -1/12 + 1/2 = 5/12, all = 0 + 1/2 = 1/2 (the optimum). */
    double O[] = {0.5, 0.25, 0.25};
    int32_t cl[] = {0, 0, 1};
    etsim_ilp_model m = {.n_cand = 3, .n_branch = 3, .cand_parent = tree3_cand_parent,
                         .branch_parent = tree3_branch_parent, .outcome = O,
                         .unit_cost = -1.0 / 6.0, .n_clusters = 2, .cluster = cl,
                         .coverage = 0.25};
    uint8_t x[3];
    double obj;
    etsim_err err;
    assert_int_equal(etsim_ilp_solve(&m, x, &obj, NULL, &err), 0);
    assert_true(x[0] && x[1] && x[2]);
    assert_true(fabs(obj - 0.5) < 1e-12);
}

static void test_hand_positive_cost(void **state) {
    (void)state;
    /* lambda_c = 0: the reference's +1e-4 makes every node worth keeping. */
    double O[] = {0.0, 0.0, 1.0};
    etsim_ilp_model m = {.n_cand = 3, .n_branch = 3, .cand_parent = tree3_cand_parent,
                         .branch_parent = tree3_branch_parent, .outcome = O,
                         .unit_cost = 1e-4 / 6.0};
    uint8_t x[3];
    double obj;
    etsim_err err;
    assert_int_equal(etsim_ilp_solve(&m, x, &obj, NULL, &err), 0);
    assert_true(x[0] && x[1] && x[2]);
    assert_true(fabs(obj - (1.0 + 1e-4)) < 1e-12);
}

/* root(0) -> a(1) -> two candidates. */
static const int32_t pair_cand_parent[] = {1, 1};
static const int32_t pair_branch_parent[] = {-1, 0};

static void test_tie_between_siblings(void **state) {
    (void)state;
    /* O = (1/2, 1/2), lambda_c = 3, M + N = 4: u = -3/4. {a1} = {a2} = -1.75,
     * both = -2. The tie goes to the candidate preferred first. */
    double O[] = {0.5, 0.5};
    int32_t prefer_first[] = {0, 1}, prefer_second[] = {1, 0};
    etsim_ilp_model m = {.n_cand = 2, .n_branch = 2, .cand_parent = pair_cand_parent,
                         .branch_parent = pair_branch_parent, .outcome = O,
                         .unit_cost = -0.75, .prefer = prefer_first};
    uint8_t x[2];
    double obj;
    etsim_err err;
    assert_int_equal(etsim_ilp_solve(&m, x, &obj, NULL, &err), 0);
    assert_int_equal(x[0], 1);
    assert_int_equal(x[1], 0);
    assert_true(fabs(obj + 1.75) < 1e-12);
    m.prefer = prefer_second;
    assert_int_equal(etsim_ilp_solve(&m, x, &obj, NULL, &err), 0);
    assert_int_equal(x[0], 0);
    assert_int_equal(x[1], 1);
    assert_true(fabs(obj + 1.75) < 1e-12);
}

static void test_tie_prefers_keeping(void **state) {
    (void)state;
    /* O = (3/4, 1/4), u = -1/4: {a1} = 0 and {a1, a2} = 0 exactly; the
     * lexicographic rule keeps a2 as well, whichever order is preferred. */
    double O[] = {0.75, 0.25};
    int32_t prefer_second[] = {1, 0};
    etsim_ilp_model m = {.n_cand = 2, .n_branch = 2, .cand_parent = pair_cand_parent,
                         .branch_parent = pair_branch_parent, .outcome = O,
                         .unit_cost = -0.25};
    uint8_t x[2];
    double obj;
    etsim_err err;
    assert_int_equal(etsim_ilp_solve(&m, x, &obj, NULL, &err), 0);
    assert_true(x[0] && x[1]);
    assert_true(fabs(obj) < 1e-12);
    m.prefer = prefer_second;
    assert_int_equal(etsim_ilp_solve(&m, x, &obj, NULL, &err), 0);
    assert_true(x[0] && x[1]);
}

static void test_single_candidate(void **state) {
    (void)state;
    /* Depth 0: the root alone, no branch nodes; sum x >= 1 forces it. */
    double O[] = {1.0};
    int32_t cp[] = {-1};
    etsim_ilp_model m = {.n_cand = 1, .n_branch = 0, .cand_parent = cp, .outcome = O,
                         .unit_cost = -1.0};
    uint8_t x[1] = {0};
    double obj;
    etsim_err err;
    assert_int_equal(etsim_ilp_solve(&m, x, &obj, NULL, &err), 0);
    assert_int_equal(x[0], 1);
    assert_true(fabs(obj) < 1e-12);
}

static void test_bad_model(void **state) {
    (void)state;
    double O[] = {0.5, 0.5};
    int32_t bad_parent[] = {1, 5};
    etsim_ilp_model m = {.n_cand = 2, .n_branch = 2, .cand_parent = bad_parent,
                         .branch_parent = pair_branch_parent, .outcome = O, .unit_cost = -1};
    uint8_t x[2];
    double obj;
    etsim_err err;
    assert_int_equal(etsim_ilp_solve(&m, x, &obj, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "candidate 1"));
}

/* ---- random instances vs brute force ------------------------------------------ */

enum { MAX_N = 64, MAX_M = 400 };

typedef struct instance {
    int32_t N, M, K;
    int32_t cand_parent[MAX_N], branch_parent[MAX_M], cluster[MAX_N], prefer[MAX_N];
    double O[MAX_N];
    uint8_t anc[MAX_N][MAX_M]; /* anc[i][j]: branch j is an ancestor of candidate i */
    etsim_ilp_model m;
} instance;

static int32_t draw(etsim_rng *r, int32_t n) { return (int32_t)(etsim_rng_u64(r) % (uint64_t)n); }

static void make_instance(instance *in, uint64_t seed, int32_t max_n, int32_t max_depth) {
    etsim_rng r = etsim_rng_make(seed, 7, (uint64_t)max_n, 0, 0);
    memset(in, 0, sizeof *in);
    int32_t N = 1 + draw(&r, max_n), depth = 1 + draw(&r, max_depth);
    /* Level sizes 1 = s_0 <= s_1 <= ... <= s_depth = N: every branch node has
     * a candidate below it, as in a real selection step. */
    int32_t size[10], start[10];
    size[0] = 1;
    for (int32_t l = 1; l < depth; l++) size[l] = size[l - 1] + draw(&r, N - size[l - 1] + 1);
    size[depth] = N;
    int32_t M = 0;
    for (int32_t l = 0; l < depth; l++) {
        start[l] = M;
        for (int32_t k = 0; k < size[l]; k++, M++) {
            if (l == 0) in->branch_parent[M] = -1;
            else in->branch_parent[M] = start[l - 1] + (k < size[l - 1] ? k : draw(&r, size[l - 1]));
        }
    }
    int32_t last = start[depth - 1], nlast = size[depth - 1];
    for (int32_t i = 0; i < N; i++)
        in->cand_parent[i] = last + (i < nlast ? i : draw(&r, nlast));
    for (int32_t i = 0; i < N; i++)
        for (int32_t j = in->cand_parent[i]; j >= 0; j = in->branch_parent[j]) in->anc[i][j] = 1;
    /* O_i quantised as count/B, as the REBASE allocation makes them: this is
     * where exact ties come from. */
    int32_t B = 1 + draw(&r, 2 * N), left = B;
    for (int32_t i = 0; i < N; i++) {
        int32_t c = i == N - 1 ? left : draw(&r, left + 1);
        in->O[i] = (double)c / B;
        left -= c;
    }
    static const double lambdac[] = {0.0, 0.5, 1.0, 1.0, 2.0, 3.0};
    static const double lambdas[] = {0.0, 0.0, 0.5, 1.0, 1.45};
    double lc = lambdac[draw(&r, 6)], ls = lambdas[draw(&r, 5)];
    double weight = lc == 0 ? 1e-4 : -lc;
    in->N = N;
    in->M = M;
    in->K = ls > 0 ? 1 + draw(&r, N) : 0;
    for (int32_t i = 0; i < N; i++) in->cluster[i] = in->K ? draw(&r, in->K) : 0;
    /* cluster labels must be 0..K-1 all used: renumber */
    if (in->K) {
        int32_t map[MAX_N], k = 0;
        for (int32_t c = 0; c < MAX_N; c++) map[c] = -1;
        for (int32_t i = 0; i < N; i++) {
            if (map[in->cluster[i]] < 0) map[in->cluster[i]] = k++;
            in->cluster[i] = map[in->cluster[i]];
        }
        in->K = k;
    }
    for (int32_t i = 0; i < N; i++) in->prefer[i] = i;
    for (int32_t i = N - 1; i > 0; i--) { /* random preference order */
        int32_t j = draw(&r, i + 1), t = in->prefer[i];
        in->prefer[i] = in->prefer[j];
        in->prefer[j] = t;
    }
    in->m = (etsim_ilp_model){.n_cand = N, .n_branch = M, .cand_parent = in->cand_parent,
                              .branch_parent = in->branch_parent, .outcome = in->O,
                              .unit_cost = weight / (double)(M + N), .n_clusters = in->K,
                              .cluster = in->cluster,
                              .coverage = in->K ? ls / in->K : 0.0, .prefer = in->prefer};
}

/* The reference's objective, term by term in its order, from the
 * ancestor table: independent of etsim_ilp_objective's marking walk. */
static double literal_objective(const instance *in, const uint8_t *x) {
    double f = 0;
    for (int32_t i = 0; i < in->N; i++) f += in->O[i] * x[i];
    for (int32_t j = 0; j < in->M; j++) {
        int y = 0;
        for (int32_t i = 0; i < in->N; i++) y |= x[i] && in->anc[i][j];
        f += in->m.unit_cost * y;
    }
    for (int32_t i = 0; i < in->N; i++) f += in->m.unit_cost * x[i];
    for (int32_t k = 0; k < in->K; k++) {
        int z = 0;
        for (int32_t i = 0; i < in->N; i++) z |= x[i] && in->cluster[i] == k;
        f += in->m.coverage * z;
    }
    return f;
}

/* Is a lexicographically greater than b in preference order? */
static int lex_greater(const instance *in, const uint8_t *a, const uint8_t *b) {
    for (int32_t r = 0; r < in->N; r++) {
        int32_t i = in->prefer[r];
        if (a[i] != b[i]) return a[i] > b[i];
    }
    return 0;
}

static void test_random_vs_brute_force(void **state) {
    (void)state;
    int lp_integral = 0, tie_instances = 0;
    for (uint64_t seed = 1; seed <= 400; seed++) {
        static instance in;
        make_instance(&in, seed, 12, 4);
        double tol = etsim_ilp_tie_tolerance(&in.m);
        /* brute force: the optimum, then the tie rule among the optima */
        double best = -INFINITY;
        uint8_t x[12], bx[12], chosen[12];
        for (uint32_t s = 1; s < (1u << in.N); s++) {
            for (int32_t i = 0; i < in.N; i++) x[i] = (s >> i) & 1;
            double f = etsim_ilp_objective(&in.m, x);
            assert_true(fabs(f - literal_objective(&in, x)) < 1e-12);
            if (f > best) best = f;
        }
        int first = 1, n_opt = 0;
        for (uint32_t s = 1; s < (1u << in.N); s++) {
            for (int32_t i = 0; i < in.N; i++) x[i] = (s >> i) & 1;
            if (etsim_ilp_objective(&in.m, x) < best - tol) continue;
            n_opt++;
            if (first || lex_greater(&in, x, bx)) memcpy(bx, x, (size_t)in.N);
            first = 0;
        }
        tie_instances += n_opt > 1;
        double obj;
        etsim_ilp_stats st;
        etsim_err err;
        assert_int_equal(etsim_ilp_solve(&in.m, chosen, &obj, &st, &err), 0);
        lp_integral += st.lp_integral;
        if (fabs(obj - best) > tol || memcmp(chosen, bx, (size_t)in.N) != 0) {
            print_error("seed %llu: N=%d M=%d K=%d obj %.17g best %.17g\n",
                        (unsigned long long)seed, in.N, in.M, in.K, obj, best);
            fail();
        }
        assert_int_equal(etsim_ilp_solve_literal(&in.m, x, &obj, &err), 0);
        assert_true(fabs(obj - best) <= tol);
    }
    /* The generator must actually produce ties, or the rule went untested. */
    assert_true(tie_instances >= 20);
    assert_true(lp_integral >= 1);
}

/* Larger steps (N <= 64, up to 8 deep): too many subsets to enumerate, so
 * the edge model is checked against the literal model's optimal value, and
 * the selection against the property the tie rule promises: no candidate
 * preferred over the first difference could have been kept instead. */
static void test_random_vs_literal_large(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        static instance in;
        make_instance(&in, seed, MAX_N, 8);
        uint8_t x[MAX_N], lx[MAX_N];
        double obj, lobj;
        etsim_err err;
        assert_int_equal(etsim_ilp_solve(&in.m, x, &obj, NULL, &err), 0);
        assert_int_equal(etsim_ilp_solve_literal(&in.m, lx, &lobj, &err), 0);
        double tol = etsim_ilp_tie_tolerance(&in.m);
        if (fabs(obj - lobj) > tol) {
            print_error("seed %llu: N=%d M=%d K=%d edge %.17g literal %.17g\n",
                        (unsigned long long)seed, in.N, in.M, in.K, obj, lobj);
            fail();
        }
        assert_true(fabs(obj - literal_objective(&in, x)) < 1e-9);
        /* The literal optimum is tied with ours, so the tie rule's choice
         * must be lexicographically at least as great. */
        assert_false(lex_greater(&in, lx, x));
    }
}

/* Two threads solving the same instances at once get the single-thread
 * answers (GLPK keeps its environment per thread); each thread frees its
 * environment before it exits, as engine workers must. */
typedef struct thread_job {
    uint64_t first;
    uint8_t x[30][MAX_N];
    double obj[30];
    int rc;
} thread_job;

static void *solve_batch(void *arg) {
    thread_job *job = arg;
    static _Thread_local instance in;
    for (int k = 0; k < 30; k++) {
        etsim_err err;
        make_instance(&in, job->first + (uint64_t)k, 40, 6);
        if (etsim_ilp_solve(&in.m, job->x[k], &job->obj[k], NULL, &err) < 0) job->rc = -1;
    }
    etsim_ilp_thread_cleanup();
    return NULL;
}

static void test_threads(void **state) {
    (void)state;
    static thread_job a, b, serial;
    memset(&a, 0, sizeof a);
    a.first = b.first = serial.first = 500;
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, solve_batch, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, solve_batch, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    solve_batch(&serial);
    assert_int_equal(a.rc | b.rc | serial.rc, 0);
    assert_memory_equal(a.x, serial.x, sizeof a.x);
    assert_memory_equal(b.x, serial.x, sizeof b.x);
    assert_memory_equal(a.obj, serial.obj, sizeof a.obj);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_no_coverage),
        cmocka_unit_test(test_hand_coverage),
        cmocka_unit_test(test_hand_positive_cost),
        cmocka_unit_test(test_tie_between_siblings),
        cmocka_unit_test(test_tie_prefers_keeping),
        cmocka_unit_test(test_single_candidate),
        cmocka_unit_test(test_bad_model),
        cmocka_unit_test(test_random_vs_brute_force),
        cmocka_unit_test(test_random_vs_literal_large),
        cmocka_unit_test(test_threads),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    etsim_ilp_thread_cleanup();
    return rc;
}
