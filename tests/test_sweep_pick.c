/* test_sweep_pick.c -- the paper's hyperparameter rule (sim/sweep/pick.h)
 * on hand-made summaries, and the reference vote used by sweep lines
 * (sim/sweep/metrics.h) on a hand-worked set of leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "sim/sweep/metrics.h"
#include "sim/sweep/pick.h"

static void row(etsim_report_row *r, const char *hash, const char *sel, int32_t width,
                const char *pname, double pval, double acc, double kv) {
    memset(r, 0, sizeof *r);
    snprintf(r->hash, sizeof r->hash, "%s", hash);
    r->selector = etsim_strdup(sel);
    r->width = width;
    r->param_name[0] = etsim_strdup("softmax_temperature");
    r->param_value[0] = 0.2;
    r->n_params = 1;
    if (pname) {
        r->param_name[1] = etsim_strdup(pname);
        r->param_value[1] = pval;
        r->n_params = 2;
    }
    r->engine = etsim_strdup("e");
    r->source_kind = etsim_strdup("synthetic");
    r->source_spec = etsim_strdup("default");
    r->dataset = etsim_strdup("math500");
    r->count = 500;
    r->has_summary = 1;
    r->problems = 500;
    r->acc_weighted = acc;
    r->mean_kv = kv;
}

static void test_largest_within_tolerance(void **state) {
    (void)state;
    etsim_report rep = {0};
    rep.rows = etsim_calloc(8, sizeof *rep.rows);
    row(&rep.rows[rep.n_rows++], "a0", "rebase", 64, NULL, 0, 50.0, 1000);
    /* ETS series at width 64: 1.0 -> 50.4, 1.5 -> 49.8 (exactly -0.2: in),
     * 2.0 -> 49.6 (out) */
    row(&rep.rows[rep.n_rows++], "b1", "ets", 64, "lambdac", 2.0, 49.6, 400);
    row(&rep.rows[rep.n_rows++], "b2", "ets", 64, "lambdac", 1.0, 50.4, 800);
    row(&rep.rows[rep.n_rows++], "b3", "ets", 64, "lambdac", 1.5, 49.8, 500);
    /* ETS-KV: nothing within tolerance: the most accurate, flagged */
    row(&rep.rows[rep.n_rows++], "c1", "ets-kv", 64, "lambdac", 0.75, 49.0, 900);
    row(&rep.rows[rep.n_rows++], "c2", "ets-kv", 64, "lambdac", 1.25, 48.0, 600);
    etsim_pick_set set;
    etsim_err err = {{0}};
    assert_int_equal(etsim_pick_paper(&rep, "lambdac", 0.2, &set, &err), 0);
    assert_int_equal(set.n, 2);
    const etsim_pick *p = etsim_pick_find(&set, "ets", "default", 64);
    assert_non_null(p);
    assert_true(p->value == 1.5);
    assert_int_equal(p->within, 1);
    assert_string_equal(p->chosen->hash, "b3");
    assert_string_equal(p->rebase->hash, "a0");
    assert_true(fabs(p->kv_reduction - 2.0) < 1e-12);
    assert_int_equal(p->n_series, 3);
    assert_true(etsim_report_param(p->series[0], "lambdac") == 1.0); /* ascending */
    const etsim_pick *k = etsim_pick_find(&set, "ets-kv", "default", 64);
    assert_non_null(k);
    assert_int_equal(k->within, 0);
    assert_true(k->value == 0.75);
    etsim_pick_set_free(&set);
    /* a tighter tolerance moves the pick */
    assert_int_equal(etsim_pick_paper(&rep, "lambdac", 0.1, &set, &err), 0);
    assert_true(etsim_pick_find(&set, "ets", "default", 64)->value == 1.0);
    etsim_pick_set_free(&set);
    etsim_report_free(&rep);
}

static void test_missing_rebase(void **state) {
    (void)state;
    etsim_report rep = {0};
    rep.rows = etsim_calloc(2, sizeof *rep.rows);
    row(&rep.rows[rep.n_rows++], "a0", "rebase", 16, NULL, 0, 50.0, 1000);
    row(&rep.rows[rep.n_rows++], "b1", "ets", 64, "lambdac", 1.0, 49.6, 400);
    etsim_pick_set set;
    etsim_err err = {{0}};
    assert_int_equal(etsim_pick_paper(&rep, "lambdac", 0.2, &set, &err), -1);
    assert_non_null(strstr(err.msg, "no REBASE"));
    assert_int_equal(etsim_pick_paper(&rep, "lambdaz", 0.2, &set, &err), -1);
    assert_non_null(strstr(err.msg, "lambdaz"));
    etsim_report_free(&rep);
}

/* Leaves (answer, last-step score) under a root; ground truth "3". */
static void leaves(etsim_problem_result *r, const char *const *ans, const double *w, int n) {
    etsim_problem_result_init(r, 0);
    etsim_tree *t = &r->tree;
    etsim_problem_set(&t->prob, "p0", NULL, "3", NULL, 0);
    etsim_tree_add_root(t, 10);
    r->leaves = etsim_malloc((size_t)n * sizeof *r->leaves);
    for (int i = 0; i < n; i++) {
        int32_t v = etsim_tree_add_child(t, 0, 5);
        etsim_tree_set_score(t, v, (float)w[i]);
        if (ans[i]) etsim_tree_set_answer(t, v, ans[i]);
        r->leaves[r->n_leaves++] = v;
    }
}

static void test_reference_vote(void **state) {
    (void)state;
    /* weighted: class 3 = 0.5 + 0.25 ("3.0" grades equal to "3") = 0.75,
     * class 4 = 0.5 + 0.375 = 0.875 -> the vote is the answer that pushed
     * class 4 over the running maximum: "4". majority: 2 vs 2, the first
     * class to reach 2 is 4 (at its second member). best: 0.5 first max. */
    const char *ans[4] = {"3", "4", "4", "3.0"};
    const double w[4] = {0.5, 0.5, 0.375, 0.25};
    etsim_problem_result r;
    leaves(&r, ans, w, 4);
    etsim_sweep_votes v;
    etsim_sweep_vote(&r, &v);
    assert_string_equal(v.answer[0], "4");
    assert_int_equal(v.correct[0], 0);
    assert_string_equal(v.answer[1], "4");
    assert_int_equal(v.correct[1], 0);
    assert_string_equal(v.answer[2], "3");
    assert_int_equal(v.correct[2], 1);
    etsim_problem_result_free(&r);
    /* all-zero weights: math_evaluate.py's `if weight > max_vote` never
     * fires, so the weighted vote has no answer (max_rep stays None) */
    const double z[2] = {0, 0};
    leaves(&r, ans, z, 2);
    etsim_sweep_vote(&r, &v);
    assert_null(v.answer[0]);
    assert_int_equal(v.correct[0], 0);
    assert_string_equal(v.answer[1], "3"); /* majority: 1 vote each, first class */
    assert_int_equal(v.correct[1], 1);
    etsim_problem_result_free(&r);
    /* no leaves: no answer at all */
    leaves(&r, ans, z, 0);
    etsim_sweep_vote(&r, &v);
    for (int k = 0; k < 3; k++) {
        assert_null(v.answer[k]);
        assert_int_equal(v.correct[k], 0);
    }
    etsim_problem_result_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_largest_within_tolerance),
        cmocka_unit_test(test_missing_rebase),
        cmocka_unit_test(test_reference_vote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
