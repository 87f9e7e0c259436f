/* test_sel_beam_dvts.c -- beam search and DVTS (selectors/beam.c, dvts.c)
 * on hand-worked steps straight from the reference's rules: which
 * candidates are kept, how many children each gets, the fork order (the
 * next depth's insertion order), ties, DVTS's cycled depth-1 list and the
 * subtree ids it records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "sim/engine/selector.h"
#include "selectors/registry.h"

/* A view: the root (index 0), `n_mid` nodes under it, then candidates
 * whose parents are given as indices into the view. */
typedef struct view {
    etsim_sel_node nodes[64];
    int32_t cand[64];
    etsim_sel_input in;
    etsim_sel_config cfg;
    etsim_sel_output out;
} view;

static void view_init(view *v, const char *selector, int32_t width, int32_t initial_width,
                      int32_t depth) {
    memset(v, 0, sizeof *v);
    v->nodes[0] = (etsim_sel_node){.parent = -1, .id = 0, .score = 1.0, .tag = -1};
    v->in = (etsim_sel_input){.nodes = v->nodes, .n_nodes = 1, .cand = v->cand, .n_cand = 0,
                              .width = width, .initial_width = initial_width, .depth = depth};
    const etsim_selector *sel = etsim_selector_find(selector);
    assert_non_null(sel);
    etsim_sel_config_init(&v->cfg, sel);
}

static int32_t add_node(view *v, int32_t parent, double score, int is_cand) {
    int32_t k = v->in.n_nodes++;
    v->nodes[k] = (etsim_sel_node){.parent = parent, .id = 100 + k, .score = score, .tag = -1};
    if (is_cand) v->cand[v->in.n_cand++] = k;
    return k;
}

static void set(view *v, const char *key, const char *value) {
    etsim_err err;
    assert_int_equal(etsim_sel_config_set(&v->cfg, key, value, &err), 0);
}

static int run(view *v, etsim_err *err) {
    etsim_sel_output_init(&v->out, v->in.n_cand);
    for (int32_t i = 0; i < v->in.n_cand; i++) v->out.tags[i] = v->nodes[v->cand[i]].tag;
    return v->cfg.sel->select(&v->cfg, &v->in, &v->out, err);
}

/* Expect exactly these (candidate index, count) expansions, in order. */
static void expect(view *v, const int32_t *pairs, int32_t n) {
    int32_t k = 0;
    for (int32_t e = 0; e < v->out.n_exp; e++) {
        if (v->out.exp_count[e] == 0) continue; /* zero entries fork nothing */
        assert_true(k < n);
        assert_int_equal(v->out.exp_cand[e], pairs[2 * k]);
        assert_int_equal(v->out.exp_count[e], pairs[2 * k + 1]);
        k++;
    }
    assert_int_equal(k, n);
    etsim_sel_output_free(&v->out);
}

/* ---- beam search ------------------------------------------------------------ */

static void test_beam_depth0(void **state) {
    (void)state;
    view v;
    etsim_err err;
    view_init(&v, "beam", 16, 16, 0);
    v.cand[v.in.n_cand++] = 0;
    assert_int_equal(run(&v, &err), 0);
    expect(&v, (const int32_t[]){0, 16}, 1);
}

static void test_beam_order_and_ties(void **state) {
    (void)state;
    /* B = 16: keep = 4, each gets ceil(16/4) = 4. Scores (by insertion)
     * .5 .9 .5 .7 .9 .1: descending with ties later-first is
     * 4 (.9), 1 (.9), 3 (.7), 2 (.5), 0 (.5), 5 (.1); the top four fork. */
    view v;
    etsim_err err;
    view_init(&v, "beam", 16, 16, 2);
    int32_t a = add_node(&v, 0, 0.5, 0);
    const double s[] = {0.5, 0.9, 0.5, 0.7, 0.9, 0.1};
    for (int i = 0; i < 6; i++) add_node(&v, a, s[i], 1);
    assert_int_equal(run(&v, &err), 0);
    expect(&v, (const int32_t[]){4, 4, 1, 4, 3, 4, 2, 4}, 4);
}

static void test_beam_total_can_exceed_width(void **state) {
    (void)state;
    /* B = 10: keep = ceil(sqrt(10)) = 4, ceil(10/4) = 3 each: 12 > 10. */
    view v;
    etsim_err err;
    view_init(&v, "beam", 10, 16, 3);
    for (int i = 0; i < 5; i++) add_node(&v, 0, 0.1 * (i + 1), 1);
    assert_int_equal(run(&v, &err), 0);
    expect(&v, (const int32_t[]){4, 3, 3, 3, 2, 3, 1, 3}, 4);
}

static void test_beam_fixedwidth_and_few(void **state) {
    (void)state;
    /* fixedwidth 4 with B = 7: ceil(7/4) = 2 each. */
    view v;
    etsim_err err;
    view_init(&v, "beam", 7, 16, 1);
    set(&v, "fixedwidth", "4");
    for (int i = 0; i < 6; i++) add_node(&v, 0, 0.5, 1);
    assert_int_equal(run(&v, &err), 0);
    expect(&v, (const int32_t[]){5, 2, 4, 2, 3, 2, 2, 2}, 4); /* all tied: later first */
    /* Fewer candidates than keep: every one gets ceil(B / keep). */
    view_init(&v, "beam", 16, 16, 1);
    add_node(&v, 0, 0.2, 1);
    add_node(&v, 0, 0.3, 1);
    assert_int_equal(run(&v, &err), 0);
    expect(&v, (const int32_t[]){1, 4, 0, 4}, 2);
}

static void test_beam_bad_input(void **state) {
    (void)state;
    view v;
    etsim_err err;
    view_init(&v, "beam", 16, 16, 1);
    add_node(&v, 0, 0.2, 1);
    add_node(&v, 0, NAN, 1);
    assert_int_equal(run(&v, &err), -1);
    assert_non_null(strstr(err.msg, "node 102"));
    etsim_sel_output_free(&v.out);
    assert_int_equal(etsim_sel_config_set(&v.cfg, "fixedwidth", "-1", &err), -1);
    assert_int_equal(etsim_sel_config_set(&v.cfg, "fixedwidth", "2.5", &err), -1);
    assert_non_null(strstr(err.msg, "not an integer"));
}

/* ---- DVTS ------------------------------------------------------------------- */

static void test_dvts_depth0(void **state) {
    (void)state;
    view v;
    etsim_err err;
    view_init(&v, "dvts", 12, 16, 0); /* root gets N, not the remaining B */
    v.cand[v.in.n_cand++] = 0;
    assert_int_equal(run(&v, &err), 0);
    expect(&v, (const int32_t[]){0, 16}, 1);
}

static void test_dvts_depth1_groups(void **state) {
    (void)state;
    /* N = 16: 4 subtrees, tree_width 4. Ten candidates split 3,3,2,2:
     * [.1 .5 .3] [.9 .2 .9] [.4 .4] [.6 .7]; best of each, first maximum on
     * ties: 1, 3, 6, 9. Subtree ids 0 0 0 1 1 1 2 2 3 3. */
    view v;
    etsim_err err;
    view_init(&v, "dvts", 16, 16, 1);
    const double s[] = {0.1, 0.5, 0.3, 0.9, 0.2, 0.9, 0.4, 0.4, 0.6, 0.7};
    for (int i = 0; i < 10; i++) add_node(&v, 0, s[i], 1);
    assert_int_equal(run(&v, &err), 0);
    const int32_t tags[] = {0, 0, 0, 1, 1, 1, 2, 2, 3, 3};
    assert_memory_equal(v.out.tags, tags, sizeof tags);
    expect(&v, (const int32_t[]){1, 4, 3, 4, 6, 4, 9, 4}, 4);
}

static void test_dvts_depth1_cycled(void **state) {
    (void)state;
    /* Three candidates, four subtrees: the list cycles to a b c a; each
     * group of one is kept, so a forks twice; a's id is the last one set. */
    view v;
    etsim_err err;
    view_init(&v, "dvts", 16, 16, 1);
    for (int i = 0; i < 3; i++) add_node(&v, 0, 0.3 + 0.1 * i, 1);
    assert_int_equal(run(&v, &err), 0);
    const int32_t tags[] = {3, 1, 2};
    assert_memory_equal(v.out.tags, tags, sizeof tags);
    expect(&v, (const int32_t[]){0, 4, 1, 4, 2, 4, 0, 4}, 4);
}

static void test_dvts_depth2_best_per_parent(void **state) {
    (void)state;
    /* N = 64 with fixedwidth 4: tree_width 16. Parents p, q, r; children in
     * insertion order: p:.3, q:.8, p:.7, r:.5, q:.8, p:.7. Best child per
     * parent, first maximum: p -> 2, q -> 1, r -> 3; forks in insertion order. */
    view v;
    etsim_err err;
    view_init(&v, "dvts", 40, 64, 2);
    set(&v, "fixedwidth", "4");
    int32_t p = add_node(&v, 0, 0.5, 0), q = add_node(&v, 0, 0.5, 0), r = add_node(&v, 0, 0.5, 0);
    const int32_t par[] = {p, q, p, r, q, p};
    const double s[] = {0.3, 0.8, 0.7, 0.5, 0.8, 0.7};
    for (int i = 0; i < 6; i++) {
        int32_t k = add_node(&v, par[i], s[i], 1);
        v.nodes[k].tag = i % 2; /* inherited subtree ids pass through untouched */
    }
    assert_int_equal(run(&v, &err), 0);
    const int32_t tags[] = {0, 1, 0, 1, 0, 1};
    assert_memory_equal(v.out.tags, tags, sizeof tags);
    expect(&v, (const int32_t[]){1, 16, 2, 16, 3, 16}, 3);
}

static void test_dvts_tree_width_zero(void **state) {
    (void)state;
    /* More subtrees than the width: floor(16 / 32) = 0 children, as the
     * reference computes it; the search then ends. */
    view v;
    etsim_err err;
    view_init(&v, "dvts", 16, 16, 1);
    set(&v, "fixedwidth", "32");
    for (int i = 0; i < 3; i++) add_node(&v, 0, 0.5, 1);
    assert_int_equal(run(&v, &err), 0);
    expect(&v, NULL, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_beam_depth0),
        cmocka_unit_test(test_beam_order_and_ties),
        cmocka_unit_test(test_beam_total_can_exceed_width),
        cmocka_unit_test(test_beam_fixedwidth_and_few),
        cmocka_unit_test(test_beam_bad_input),
        cmocka_unit_test(test_dvts_depth0),
        cmocka_unit_test(test_dvts_depth1_groups),
        cmocka_unit_test(test_dvts_depth1_cycled),
        cmocka_unit_test(test_dvts_depth2_best_per_parent),
        cmocka_unit_test(test_dvts_tree_width_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
