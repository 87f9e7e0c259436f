/* test_engine.c -- the search loop against a hand-built tree, with every
 * counter worked out by hand from the rules in sim/engine/engine.h, plus REBASE's
 * allocation on hand-worked cases. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/engine/engine.h"
#include "sim/engine/replay.h"
#include "selectors/registry.h"
#include "selectors/common.h"

/* ---- a toy oracle serving one fixed tree for every problem ---------------- */
typedef struct toy_node {
    int parent, tokens;
    double score; /* NAN = unscored */
    int leaf;
    const char *answer;
} toy_node;

static const toy_node toy[] = {
    {-1, 10, 1.0, 0, NULL},  /* 0 root                */
    {0, 5, 0.9, 0, NULL},    /* 1                     */
    {0, 6, 0.2, 1, "42"},    /* 2 leaf                */
    {0, 7, NAN, 0, NULL},    /* 3 unscored: dropped   */
    {0, 8, 0.8, 0, NULL},    /* 4                     */
    {1, 4, 0.7, 1, "42"},    /* 5 leaf                */
    {1, 5, 0.6, 1, "41"},    /* 6 leaf                */
    {4, 3, 0.5, 1, "42"},    /* 7 leaf                */
    {4, 9, 0.4, 1, "40"},    /* 8 leaf (never reached at width 4) */
};
#define TOY_N ((int)(sizeof toy / sizeof toy[0]))

static int toy_open(etsim_oracle *o, int32_t problem, etsim_tree *t, etsim_err *err) {
    (void)o;
    (void)err;
    t->prob.index = problem;
    etsim_problem_set(&t->prob, "toy", NULL, "42", NULL, 0);
    etsim_tree_add_root(t, toy[0].tokens);
    for (int i = 1; i < TOY_N; i++) {
        int id = etsim_tree_add_child(t, toy[i].parent, toy[i].tokens);
        assert_int_equal(id, i);
        if (!isnan(toy[i].score)) etsim_tree_set_score(t, id, (float)toy[i].score);
        if (toy[i].leaf) t->nodes[id].flags |= ETSIM_NODE_LEAF;
        etsim_tree_set_answer(t, id, toy[i].answer);
    }
    return 0;
}

static int toy_expand(etsim_oracle *o, etsim_tree *t, int32_t node, int32_t want,
                      etsim_err *err) {
    (void)o;
    (void)err;
    int have = t->nodes[node].n_kids;
    return have < want ? have : want;
}

static void toy_close(etsim_oracle *o) { (void)o; }

static const etsim_oracle_vtab toy_vt = {"toy", toy_open, toy_expand, toy_close};

static etsim_oracle toy_oracle(void) {
    etsim_oracle o;
    memset(&o, 0, sizeof o);
    o.vt = &toy_vt;
    o.meta.n_problems = 3;
    return o;
}

static void run(const char *selector, int width, const char *const *sets, int n_sets,
                etsim_problem_result *res, int expect_rc, etsim_err *err) {
    etsim_oracle o = toy_oracle();
    etsim_search_config cfg;
    etsim_search_config_init(&cfg, etsim_selector_find(selector), width);
    for (int i = 0; i < n_sets; i++) {
        char key[64];
        const char *eq = strchr(sets[i], '=');
        memcpy(key, sets[i], (size_t)(eq - sets[i]));
        key[eq - sets[i]] = 0;
        assert_int_equal(etsim_search_config_set(&cfg, key, eq + 1, err), 0);
    }
    etsim_problem_result_init(res, 0);
    assert_int_equal(etsim_search_problem(&o, &cfg, 0, res, err), expect_rc);
}

/* Width 4, REBASE T = 0.2, worked by hand:
 * depth 0: root is the only candidate, gets 4; KV 10; children 1-4 cost
 *          4 calls and 26 tokens; node 3 is unscored and dropped.
 * depth 1: node 2 is a leaf -> remaining 3. Candidates 1 (.9), 4 (.8):
 *          KV = 10 + 5 + 8 = 23. w1 = ceil(3 e^4.5 / (e^4.5 + e^4)) =
 *          ceil(1.87) = 2, w4 = 1. Children 5, 6, 7: 3 calls, 12 tokens.
 * depth 2: 5, 6, 7 are leaves -> remaining 0: stop. */
static void test_rebase_hand_worked(void **state) {
    (void)state;
    etsim_problem_result r;
    etsim_err err = {{0}};
    run("rebase", 4, NULL, 0, &r, 0, &err);
    assert_int_equal(r.c.model_calls, 7);
    assert_int_equal(r.c.tokens_generated, 26 + 12);
    assert_int_equal(r.c.kv_tokens, 33);
    assert_int_equal(r.c.selections, 2);
    assert_int_equal(r.c.dropped_unscored, 1);
    assert_int_equal(r.c.retired_leaf, 4);
    assert_int_equal(r.c.retired_length, 0);
    assert_int_equal(r.n_logs, 2);
    assert_int_equal(r.logs[1].width, 3);
    assert_int_equal(r.logs[1].n_cand, 2);
    assert_int_equal(r.log_nodes[r.logs[1].cand_off], 1);
    assert_int_equal(r.log_counts[r.logs[1].cand_off], 2);
    assert_int_equal(r.log_counts[r.logs[1].cand_off + 1], 1);
    /* answers: scored leaves in generation order */
    assert_int_equal(r.n_leaves, 4);
    int expect[] = {2, 5, 6, 7};
    for (int i = 0; i < 4; i++) assert_int_equal(r.leaves[i], expect[i]);
    /* generation order: root, 1, 2, 3, 4, 5, 6, 7 */
    assert_int_equal(r.n_gen, 8);
    etsim_problem_result_free(&r);
}

static void test_root_tokens_reference(void **state) {
    (void)state;
    etsim_problem_result r;
    etsim_err err = {{0}};
    const char *sets[] = {"root_tokens=reference"};
    run("rebase", 4, sets, 1, &r, 0, &err);
    /* the root counts 2 instead of 10 at both selections */
    assert_int_equal(r.c.kv_tokens, 2 + (2 + 5 + 8));
    etsim_problem_result_free(&r);
}

/* --set kv_metric=reference against rebase.py (SqueezeAILab/ETS @ac937a7),
 * DVTS at width 9 on the toy tree, worked by hand from the reference code:
 * subtrees = ceil(sqrt(9)) = 3 (select_dvts, line 274). Depth 0: the root
 * asks 9 children, the toy has 4 (truncate): 1, 2, 3, 4; 3 is unscored.
 * Depth 1: 2 is a leaf; candidates [1, 4] are fewer than 3 subtrees, so
 * the list is cycled to [1, 4, 1] (lines 282-290), and `nodes` gets every
 * entry of it (lines 355-357) before get_kv_size(nodes) (line 366).
 * get_kv_size (lines 208-227) appends each entry's own num_step_tokens
 * (line 215: node 1 twice) and each ancestor once (the dict of line 220):
 * 5 + 8 + 5 + root. Root = 10 (prompt) or 2 (root_tokens=reference, the
 * len() of the tokenizer's BatchEncoding, line 107).
 *   union:     depth 0: 10, depth 1: 10 + 5 + 8 = 23           -> 33
 *   reference: depth 0: 10, depth 1: 10 + 5 + 8 + 5 = 28       -> 38
 *   both reference: 2 + (2 + 5 + 8 + 5) = 22.
 * Depth 2: 5, 6, 7, 8 are leaves: stop. Other counters do not change.
 * tests/data/kv_reference_dvts.py runs the reference's own functions on
 * this tree and prints the same 38 and 22. */
static void test_kv_metric_reference_dvts(void **state) {
    (void)state;
    etsim_problem_result r;
    etsim_err err = {{0}};
    const char *u[] = {"on_missing=truncate"};
    run("dvts", 9, u, 1, &r, 0, &err);
    assert_int_equal(r.c.kv_tokens, 33);
    assert_int_equal(r.logs[1].kv_tokens, 23);
    int64_t calls = r.c.model_calls;
    etsim_problem_result_free(&r);
    const char *ref[] = {"on_missing=truncate", "kv_metric=reference"};
    run("dvts", 9, ref, 2, &r, 0, &err);
    assert_int_equal(r.c.kv_tokens, 38);
    assert_int_equal(r.logs[0].kv_tokens, 10);
    assert_int_equal(r.logs[1].kv_tokens, 28);
    assert_int_equal(r.c.model_calls, calls);
    etsim_problem_result_free(&r);
    const char *both[] = {"on_missing=truncate", "kv_metric=reference", "root_tokens=reference"};
    run("dvts", 9, both, 3, &r, 0, &err);
    assert_int_equal(r.c.kv_tokens, 22);
    etsim_problem_result_free(&r);
    /* no repeats (beam, REBASE, or DVTS without cycling): the same number */
    run("rebase", 4, ref + 1, 1, &r, 0, &err);
    assert_int_equal(r.c.kv_tokens, 33);
    etsim_problem_result_free(&r);
    etsim_search_config cfg;
    etsim_search_config_init(&cfg, etsim_selector_find("dvts"), 4);
    assert_int_equal(etsim_search_config_set(&cfg, "kv_metric", "both", &err), -1);
    assert_non_null(strstr(err.msg, "kv_metric: 'both' is not union|reference"));
}

static void test_retire_by_length(void **state) {
    (void)state;
    etsim_problem_result r;
    etsim_err err = {{0}};
    /* cum(1) = 15, cum(4) = 18 >= 15: both retired by length at depth 1,
     * leaf 2 retired too: remaining 4 - 3 = 1 but no candidates: stop. */
    const char *sets[] = {"max_tokens=15"};
    run("rebase", 4, sets, 1, &r, 0, &err);
    assert_int_equal(r.c.retired_length, 2);
    assert_int_equal(r.c.retired_leaf, 1);
    assert_int_equal(r.c.selections, 1);
    assert_int_equal(r.n_leaves, 1);
    etsim_problem_result_free(&r);
}

static void test_max_expansions(void **state) {
    (void)state;
    etsim_problem_result r;
    etsim_err err = {{0}};
    const char *sets[] = {"max_expansions=1"};
    run("rebase", 4, sets, 1, &r, 0, &err);
    assert_int_equal(r.c.selections, 1);
    assert_int_equal(r.c.model_calls, 4);
    /* the depth-1 leaf still counts as an answer, as in the reference */
    assert_int_equal(r.n_leaves, 1);
    etsim_problem_result_free(&r);
}

static void test_missing_error(void **state) {
    (void)state;
    etsim_problem_result r;
    etsim_err err = {{0}};
    run("rebase", 8, NULL, 0, &r, -1, &err);
    assert_non_null(strstr(err.msg, "problem 0 (toy)"));
    assert_non_null(strstr(err.msg, "node 0: 8 children requested, only 4 recorded"));
    etsim_problem_result_free(&r);
}

static void test_missing_truncate(void **state) {
    (void)state;
    etsim_problem_result r;
    etsim_err err = {{0}};
    const char *sets[] = {"on_missing=truncate"};
    run("rebase", 8, sets, 1, &r, 0, &err);
    assert_int_equal(r.c.missing_children >= 4, 1);
    assert_int_equal(r.c.model_calls >= 4, 1);
    assert_int_equal(r.c.resampled_children, 0);
    etsim_problem_result_free(&r);
}

static void test_missing_resample(void **state) {
    (void)state;
    etsim_problem_result r;
    etsim_err err = {{0}};
    const char *sets[] = {"on_missing=resample"};
    run("rebase", 8, sets, 1, &r, 0, &err);
    const etsim_tree *t = &r.tree;
    /* root asked for 8: children 4..7 clone recorded 1, 2, 3, 4 in order */
    assert_int_equal(t->nodes[0].n_kids, 8);
    for (int j = 4; j < 8; j++) {
        const etsim_node *c = &t->nodes[t->nodes[0].kids[j]];
        assert_true(c->flags & ETSIM_NODE_RESAMPLED);
        assert_int_equal(c->src, j - 3);
        assert_int_equal(c->step_tokens, toy[j - 3].tokens);
    }
    assert_int_equal(r.c.model_calls >= 8, 1);
    assert_int_equal(r.c.dropped_unscored >= 2, 1); /* node 3 and its clone */
    assert_true(r.c.resampled_children >= 4);
    etsim_problem_result_free(&r);
}

static void test_unknown_parameter(void **state) {
    (void)state;
    etsim_search_config cfg;
    etsim_err err = {{0}};
    etsim_search_config_init(&cfg, etsim_selector_find("rebase"), 4);
    assert_int_equal(etsim_search_config_set(&cfg, "temperature", "1", &err), -1);
    assert_non_null(strstr(err.msg, "unknown parameter 'temperature'"));
    assert_int_equal(etsim_search_config_set(&cfg, "softmax_temperature", "abc", &err), -1);
    assert_int_equal(etsim_search_config_set(&cfg, "softmax_temperature", "0", &err), -1);
    assert_int_equal(etsim_search_config_set(&cfg, "softmax_temperature", "1.0", &err), 0);
}

/* ---- REBASE allocation ------------------------------------------------------ */
static void test_allocate_exact_ratios(void **state) {
    (void)state;
    double logits[4] = {5, 5, 5, 5};
    int32_t counts[4];
    /* 16/4 = 4 exactly at every step: must not round up to 5 */
    assert_int_equal(etsim_rebase_allocate(logits, 4, 16, counts), 16);
    for (int i = 0; i < 4; i++) assert_int_equal(counts[i], 4);
    double l2[3] = {4.5, 2.5, 2.5};
    int32_t c2[3];
    /* 8 e^4.5 / (e^4.5 + 2 e^2.5) = 6.30 -> 7; then 1 * 1/2 -> 1; then 0 */
    assert_int_equal(etsim_rebase_allocate(l2, 3, 8, c2), 8);
    assert_int_equal(c2[0], 7);
    assert_int_equal(c2[1], 1);
    assert_int_equal(c2[2], 0);
    double l3[3] = {1, -INFINITY, -INFINITY};
    int32_t c3[3];
    assert_int_equal(etsim_rebase_allocate(l3, 3, 5, c3), 5);
    assert_int_equal(c3[0], 5);
    assert_int_equal(c3[1], 0);
}

static void test_order_ties(void **state) {
    (void)state;
    double s[5] = {0.5, 0.9, 0.5, 0.1, 0.5};
    int32_t o[5];
    etsim_order_desc_later_first(s, 5, o);
    int later[5] = {1, 4, 2, 0, 3};
    for (int i = 0; i < 5; i++) assert_int_equal(o[i], later[i]);
    etsim_order_desc_stable(s, 5, o);
    int stable[5] = {1, 0, 2, 4, 3};
    for (int i = 0; i < 5; i++) assert_int_equal(o[i], stable[i]);
}

/* ---- the replay driver: order and thread independence ----------------------- */
typedef struct collect {
    int n;
    int32_t idx[8];
    int64_t calls[8];
} collect;

static int collect_sink(void *ctx, etsim_problem_result *res, etsim_err *err) {
    (void)err;
    collect *c = ctx;
    c->idx[c->n] = res->tree.prob.index;
    c->calls[c->n] = res->c.model_calls;
    c->n++;
    return 0;
}

/* The progress reports the library makes (it draws nothing itself). */
typedef struct seen_progress {
    int reports, finals;
    int64_t last_done, last_total;
    const char *what;
} seen_progress;

static void note_progress(void *ctx, const etsim_progress_report *r) {
    seen_progress *p = ctx;
    p->reports++;
    p->finals += r->final;
    p->last_done = r->done;
    p->last_total = r->total;
    p->what = r->what;
}

static void test_replay_order(void **state) {
    (void)state;
    etsim_oracle o = toy_oracle();
    etsim_search_config cfg;
    etsim_search_config_init(&cfg, etsim_selector_find("rebase"), 4);
    for (int threads = 1; threads <= 3; threads++) {
        collect c = {0};
        etsim_err err = {{0}};
        seen_progress pr = {0};
        etsim_replay_opts opt = {.first = 0, .count = 3, .threads = threads, .label = "toy",
                                 .progress = note_progress, .progress_ctx = &pr};
        assert_int_equal(etsim_replay(&o, &cfg, &opt, collect_sink, &c, &err), 0);
        assert_int_equal(c.n, 3);
        /* one final report, last, with every problem counted */
        assert_int_equal(pr.finals, 1);
        assert_true(pr.reports >= 1);
        assert_int_equal(pr.last_done, 3);
        assert_int_equal(pr.last_total, 3);
        assert_string_equal(pr.what, "toy");
        for (int i = 0; i < 3; i++) {
            assert_int_equal(c.idx[i], i);
            assert_int_equal(c.calls[i], 7);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rebase_hand_worked),
        cmocka_unit_test(test_root_tokens_reference),
        cmocka_unit_test(test_kv_metric_reference_dvts),
        cmocka_unit_test(test_retire_by_length),
        cmocka_unit_test(test_max_expansions),
        cmocka_unit_test(test_missing_error),
        cmocka_unit_test(test_missing_truncate),
        cmocka_unit_test(test_missing_resample),
        cmocka_unit_test(test_unknown_parameter),
        cmocka_unit_test(test_allocate_exact_ratios),
        cmocka_unit_test(test_order_ties),
        cmocka_unit_test(test_replay_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
