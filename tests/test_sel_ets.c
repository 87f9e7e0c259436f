/* test_sel_ets.c -- ETS and ETS-KV (selectors/ets.c): hand-worked steps
 * from the formulas (outcome weights, costs, coverage, the REBASE
 * re-allocation and its fork order), the reference's special cases
 * (lambda_c = 0, identical step texts, depth 0, width-derived lambda_s),
 * bad input, and properties on random steps: the width is handed out
 * exactly, only kept candidates fork, and the kept set is no worse than
 * keeping any single candidate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "sim/engine/selector.h"
#include "selectors/common.h"
#include "selectors/registry.h"

typedef struct view {
    etsim_sel_node nodes[160];
    int32_t cand[128];
    float emb[160][4];
    etsim_sel_input in;
    etsim_sel_config cfg;
    etsim_sel_output out;
} view;

static void view_init(view *v, const char *selector, int32_t width, int32_t initial_width,
                      int32_t depth) {
    memset(v, 0, sizeof *v);
    v->nodes[0] = (etsim_sel_node){.parent = -1, .id = 0, .score = 1.0, .tag = -1};
    v->in = (etsim_sel_input){.nodes = v->nodes, .n_nodes = 1, .cand = v->cand, .width = width,
                              .initial_width = initial_width, .depth = depth, .emb_dim = 4};
    const etsim_selector *sel = etsim_selector_find(selector);
    assert_non_null(sel);
    etsim_sel_config_init(&v->cfg, sel);
}

static int32_t add(view *v, int32_t parent, double score, const char *text, const float *e) {
    int32_t k = v->in.n_nodes++;
    v->nodes[k] = (etsim_sel_node){.parent = parent, .id = 100 + k, .score = score, .tag = -1,
                                   .text = text};
    if (e) {
        memcpy(v->emb[k], e, sizeof v->emb[k]);
        v->nodes[k].embedding = v->emb[k];
    }
    return k;
}

static int32_t add_cand(view *v, int32_t parent, double score, const char *text, const float *e) {
    int32_t k = add(v, parent, score, text, e);
    v->cand[v->in.n_cand++] = k;
    return k;
}

static void set(view *v, const char *key, const char *value) {
    etsim_err err;
    assert_int_equal(etsim_sel_config_set(&v->cfg, key, value, &err), 0);
}

static int run(view *v, etsim_err *err) {
    etsim_sel_output_init(&v->out, v->in.n_cand);
    return v->cfg.sel->select(&v->cfg, &v->in, &v->out, err);
}

static void expect(view *v, const int32_t *pairs, int32_t n) {
    int32_t k = 0;
    for (int32_t e = 0; e < v->out.n_exp; e++) {
        if (v->out.exp_count[e] == 0) continue;
        assert_true(k < n);
        assert_int_equal(v->out.exp_cand[e], pairs[2 * k]);
        assert_int_equal(v->out.exp_count[e], pairs[2 * k + 1]);
        k++;
    }
    assert_int_equal(k, n);
}

static const float E_A[4] = {1, 0, 0, 0}, E_B[4] = {0, 1, 0, 0};

/* root -> a, b; candidates c0 (a, .8), c1 (a, .6), c2 (b, .8); B = 4, T = .2.
 * Outcome order (stable): c0, c2, c1; e = e^4, e^4, e^3:
 *   c0: ceil(4 e^4 / (2e^4 + e^3)) = ceil(1.69) = 2;  c2: ceil(2 / (1 + 1/e)) = 2;  c1: 0.
 * O = (1/2, 0, 1/2). M = 3 (root, a, b), N = 3: c = 1/6. */
static void build_small(view *v, const char *selector) {
    view_init(v, selector, 4, 16, 2);
    int32_t a = add(v, 0, 0.5, "a", NULL), b = add(v, 0, 0.5, "b", NULL);
    add_cand(v, a, 0.8, "c0", E_A);
    add_cand(v, a, 0.6, "c1", E_B);
    add_cand(v, b, 0.8, "c2", E_A);
}

static void test_ets_kv_hand(void **state) {
    (void)state;
    /* lambda_c = 1: {c0} = {c2} = 1/2 - 3/6 = 0; {c0,c2} = 1 - 5/6 = 1/6;
     * {c0,c1} = 1/2 - 4/6; all = 1 - 1 = 0. Kept {c0, c2}; logits 4, 4:
     * descending with ties later-first, c2 then c0, 2 children each. */
    view v;
    etsim_err err;
    build_small(&v, "ets-kv");
    assert_int_equal(run(&v, &err), 0);
    assert_true(v.out.has_kept && v.out.has_objective && !v.out.has_clusters);
    assert_int_equal(v.out.kept[0], 1);
    assert_int_equal(v.out.kept[1], 0);
    assert_int_equal(v.out.kept[2], 1);
    assert_true(fabs(v.out.objective - 1.0 / 6.0) < 1e-12);
    expect(&v, (const int32_t[]){2, 2, 0, 2}, 2);
    etsim_sel_output_free(&v.out);
}

static void test_ets_coverage_hand(void **state) {
    (void)state;
    /* lambda_s = 1.5; c0 and c2 share a direction: K = 2, each covered
     * cluster worth 0.75. {c0,c2} = 1/6 + .75; {c0,c1} = -1/6 + 1.5;
     * {c1,c2} = -1/3 + 1.5; all = 0 + 1.5 = 1.5, the optimum. Every
     * candidate is kept, but c1's logit 3 gets no child of B = 4:
     * c2: ceil(4 e^4 / (2e^4 + e^3)) = 2, c0: ceil(2 e^4 / (e^4 + e^3)) = 2.
     * scipy numbers the clusters top-down: {c0, c2} = 0, {c1} = 1. */
    view v;
    etsim_err err;
    build_small(&v, "ets");
    set(&v, "lambdas", "1.5");
    assert_int_equal(run(&v, &err), 0);
    assert_true(v.out.kept[0] && v.out.kept[1] && v.out.kept[2]);
    assert_true(v.out.has_clusters);
    assert_int_equal(v.out.cluster[0], 0);
    assert_int_equal(v.out.cluster[1], 1);
    assert_int_equal(v.out.cluster[2], 0);
    assert_true(fabs(v.out.objective - 1.5) < 1e-12);
    expect(&v, (const int32_t[]){2, 2, 0, 2}, 2);
    etsim_sel_output_free(&v.out);
}

static void test_ets_default_lambdas(void **state) {
    (void)state;
    /* Everything kept as above, so the objective is exactly lambda_s:
     * 1.5 / 1.4 / 1.45 for N = 16 / 64 / 256 (and the nearest for others). */
    const int32_t widths[] = {16, 64, 256, 8, 100, 1024};
    const double want[] = {1.5, 1.4, 1.45, 1.5, 1.4, 1.45};
    for (int w = 0; w < 6; w++) {
        view v;
        etsim_err err;
        build_small(&v, "ets");
        v.in.initial_width = widths[w];
        assert_int_equal(run(&v, &err), 0);
        assert_true(fabs(v.out.objective - want[w]) < 1e-12);
        etsim_sel_output_free(&v.out);
    }
}

static void test_ets_lambdac_zero(void **state) {
    (void)state;
    /* lambda_c = 0 is replaced by +1e-4: every node adds value, all kept;
     * objective = 1 + 1e-4 (6 nodes x 1e-4 / 6). */
    view v;
    etsim_err err;
    build_small(&v, "ets-kv");
    set(&v, "lambdac", "0");
    assert_int_equal(run(&v, &err), 0);
    assert_true(v.out.kept[0] && v.out.kept[1] && v.out.kept[2]);
    assert_true(fabs(v.out.objective - (1.0 + 1e-4)) < 1e-12);
    etsim_sel_output_free(&v.out);
}

static void test_ets_identical_texts_skip_clustering(void **state) {
    (void)state;
    /* All step texts equal: the reference skips clustering, so no embedding
     * is needed even with lambda_s > 0; the result is ETS-KV's. */
    view v;
    etsim_err err;
    view_init(&v, "ets", 4, 16, 2);
    int32_t a = add(&v, 0, 0.5, "a", NULL), b = add(&v, 0, 0.5, "b", NULL);
    add_cand(&v, a, 0.8, "same", NULL);
    add_cand(&v, a, 0.6, "same", NULL);
    add_cand(&v, b, 0.8, "same", NULL);
    set(&v, "lambdas", "1.5");
    assert_int_equal(run(&v, &err), 0);
    assert_false(v.out.has_clusters);
    assert_true(fabs(v.out.objective - 1.0 / 6.0) < 1e-12);
    etsim_sel_output_free(&v.out);
    /* Texts unknown but hashes equal: the same. */
    for (int32_t i = 0; i < 3; i++) {
        v.nodes[v.cand[i]].text = NULL;
        v.nodes[v.cand[i]].text_hash = 0x1234;
    }
    assert_int_equal(run(&v, &err), 0);
    assert_false(v.out.has_clusters);
    etsim_sel_output_free(&v.out);
    /* ...but a source with no embeddings at all is refused even here (the
     * clones of --on-missing resample have equal texts: issue 12 saw ETS
     * run as ETS-KV on 97 of 97 problems that way), and at depth 0. */
    v.in.emb_dim = 0;
    assert_int_equal(run(&v, &err), -1);
    assert_non_null(strstr(err.msg, "no step embeddings"));
    etsim_sel_output_free(&v.out);
    view d0;
    view_init(&d0, "ets", 16, 16, 0);
    d0.cand[d0.in.n_cand++] = 0;
    d0.in.emb_dim = 0;
    assert_int_equal(run(&d0, &err), -1);
    etsim_sel_output_free(&d0.out);
    set(&d0, "lambdas", "0");
    assert_int_equal(run(&d0, &err), 0);
    etsim_sel_output_free(&d0.out);
}

static void test_ets_depth0(void **state) {
    (void)state;
    view v;
    etsim_err err;
    view_init(&v, "ets", 16, 16, 0);
    v.cand[v.in.n_cand++] = 0;
    assert_int_equal(run(&v, &err), 0);
    assert_int_equal(v.out.kept[0], 1);
    expect(&v, (const int32_t[]){0, 16}, 1);
    /* N = 1, M = 0: cost 1/1, O = 1: objective 1 - 1 = 0. */
    assert_true(fabs(v.out.objective) < 1e-12);
    etsim_sel_output_free(&v.out);
}

static void test_ets_bad_input(void **state) {
    (void)state;
    view v;
    etsim_err err;
    build_small(&v, "ets");
    v.nodes[v.cand[1]].embedding = NULL; /* missing where clustering is needed */
    assert_int_equal(run(&v, &err), -1);
    assert_non_null(strstr(err.msg, "node 104"));
    assert_non_null(strstr(err.msg, "embedding"));
    etsim_sel_output_free(&v.out);
    build_small(&v, "ets");
    v.in.emb_dim = 0;
    assert_int_equal(run(&v, &err), -1);
    assert_non_null(strstr(err.msg, "field embedding: missing (the source has no step "
                                    "embeddings), and lambdas = 1.5 needs step embeddings"));
    etsim_sel_output_free(&v.out);
    build_small(&v, "ets");
    v.nodes[v.cand[2]].score = INFINITY;
    assert_int_equal(run(&v, &err), -1);
    assert_non_null(strstr(err.msg, "score"));
    etsim_sel_output_free(&v.out);
    build_small(&v, "ets");
    v.in.width = 0;
    assert_int_equal(run(&v, &err), -1);
    etsim_sel_output_free(&v.out);
    assert_int_equal(etsim_sel_config_set(&v.cfg, "lambdas", "-1", &err), -1);
    assert_int_equal(etsim_sel_config_set(&v.cfg, "lambdac", "-0.5", &err), -1);
    /* ETS-KV needs no embeddings at all */
    build_small(&v, "ets-kv");
    v.in.emb_dim = 0;
    assert_int_equal(run(&v, &err), 0);
    etsim_sel_output_free(&v.out);
    assert_int_equal(etsim_sel_config_set(&v.cfg, "lambdas", "1", &err), -1);
}

/* ---- properties on random steps ------------------------------------------------- */

static int32_t draw(etsim_rng *r, int32_t n) { return (int32_t)(etsim_rng_u64(r) % (uint64_t)n); }

static void test_ets_random_properties(void **state) {
    (void)state;
    static const char *texts[] = {"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"};
    for (uint64_t seed = 1; seed <= 120; seed++) {
        etsim_rng r = etsim_rng_make(seed, 11, 0, 0, 0);
        view v;
        etsim_err err;
        int32_t B = 1 + draw(&r, 64), N = 1 + draw(&r, 40);
        view_init(&v, seed % 3 ? "ets" : "ets-kv", B, 64, 3);
        static const char *lc[] = {"0", "1", "2", "0.5"};
        set(&v, "lambdac", lc[draw(&r, 4)]);
        /* depth-3 tree: 1-3 nodes at depth 1, 1-6 at depth 2 */
        int32_t n1 = 1 + draw(&r, 3), n2 = n1 + draw(&r, 4), l1[3], l2[8];
        for (int32_t i = 0; i < n1; i++) l1[i] = add(&v, 0, 0.5, NULL, NULL);
        for (int32_t i = 0; i < n2; i++) l2[i] = add(&v, l1[i < n1 ? i : draw(&r, n1)], 0.5, NULL, NULL);
        for (int32_t i = 0; i < N; i++) {
            int32_t g = draw(&r, 8);
            float e[4] = {(float)(g % 3) + 0.01f * (float)draw(&r, 3), (float)(g / 3) + 1.0f,
                          (float)(g % 2), 0.5f};
            double score = draw(&r, 6) / 5.0; /* many exact ties */
            add_cand(&v, l2[i < n2 ? i : draw(&r, n2)], score, texts[g], e);
        }
        assert_int_equal(run(&v, &err), 0);
        /* the width is handed out exactly, only to kept candidates, in the
         * reference's order: descending logit, ties later-first */
        int64_t total = 0;
        double last = INFINITY;
        int32_t last_i = INT32_MAX;
        for (int32_t e = 0; e < v.out.n_exp; e++) {
            int32_t i = v.out.exp_cand[e];
            assert_true(v.out.kept[i]);
            double s = v.nodes[v.cand[i]].score;
            assert_true(s < last || (s == last && i < last_i));
            last = s;
            last_i = i;
            total += v.out.exp_count[e];
        }
        assert_int_equal(total, B);
        /* the objective of the kept set, recomputed here, equals the one
         * reported and beats every single-candidate selection */
        double O[128], scores[128], logits[128];
        int32_t order[128], counts[128];
        for (int32_t i = 0; i < N; i++) scores[i] = v.nodes[v.cand[i]].score;
        etsim_order_desc_stable(scores, N, order);
        for (int32_t k = 0; k < N; k++) logits[k] = scores[order[k]] / 0.2;
        etsim_rebase_allocate(logits, N, B, counts);
        for (int32_t k = 0; k < N; k++) O[order[k]] = (double)counts[k] / B;
        uint8_t mark[160];
        memset(mark, 0, sizeof mark);
        int32_t M = 0, K = 0;
        for (int32_t i = 0; i < N; i++)
            for (int32_t p = v.nodes[v.cand[i]].parent; p >= 0 && !mark[p]; p = v.nodes[p].parent) {
                mark[p] = 1;
                M++;
            }
        for (int32_t i = 0; i < N; i++)
            if (v.out.has_clusters && v.out.cluster[i] + 1 > K) K = v.out.cluster[i] + 1;
        double lcv = etsim_sel_config_get(&v.cfg, "lambdac");
        double u = (lcv == 0 ? 1e-4 : -lcv) / (M + N);
        double cov = K ? 1.4 / K : 0; /* lambdas default for N = 64 */
        double f = 0;
        int32_t nodes = 0, covered = 0;
        uint8_t seen[160] = {0}, cseen[128] = {0};
        for (int32_t i = 0; i < N; i++) {
            if (!v.out.kept[i]) continue;
            f += O[i];
            nodes++;
            for (int32_t p = v.nodes[v.cand[i]].parent; p >= 0 && !seen[p]; p = v.nodes[p].parent) {
                seen[p] = 1;
                nodes++;
            }
            if (K && !cseen[v.out.cluster[i]]) {
                cseen[v.out.cluster[i]] = 1;
                covered++;
            }
        }
        f += u * nodes + cov * covered;
        assert_true(fabs(f - v.out.objective) < 1e-9);
        for (int32_t i = 0; i < N; i++) {
            double single = O[i] + u * (1 + 3) + cov * (K ? 1 : 0); /* itself + 3 ancestors */
            assert_true(v.out.objective >= single - 1e-9);
        }
        etsim_sel_output_free(&v.out);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ets_kv_hand),
        cmocka_unit_test(test_ets_coverage_hand),
        cmocka_unit_test(test_ets_default_lambdas),
        cmocka_unit_test(test_ets_lambdac_zero),
        cmocka_unit_test(test_ets_identical_texts_skip_clustering),
        cmocka_unit_test(test_ets_depth0),
        cmocka_unit_test(test_ets_bad_input),
        cmocka_unit_test(test_ets_random_properties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
