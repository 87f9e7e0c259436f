/* test_engine_step.c -- the resumable search (etsim_search_begin / step /
 * finish, sim/engine/engine.h) against a lazy toy oracle that makes
 * children only when asked, as the synthetic and live sources do: stepping
 * by hand gives etsim_search_problem's result in both need modes; batch
 * mode hands out a selection's needs together; every selection is made
 * once; a need left unanswered is an error naming problem and node; a root
 * whose token count arrives late restarts the search once; two searches
 * sharing one tree, their merged needs answered together (the covering
 * capture's rounds), decide as each does alone. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/engine/engine.h"
#include "selectors/registry.h"

/* ---- a lazy toy oracle: a fixed tree, materialised on demand ------------- */
typedef struct toy_node {
    int parent, tokens;
    double score;
    int leaf;
} toy_node;

/* Three levels; the root has 5 children, each inner node 3. */
static const toy_node toy[] = {
    {-1, 10, 1.0, 0},                                     /* 0 root       */
    {0, 5, 0.9, 0}, {0, 6, 0.2, 0}, {0, 7, 0.6, 0}, {0, 8, 0.8, 0}, {0, 4, 0.5, 1},
    {1, 4, 0.7, 1}, {1, 5, 0.6, 0}, {1, 3, 0.3, 1},       /* 6-8  of 1    */
    {2, 3, 0.5, 1}, {2, 9, 0.4, 0}, {2, 2, 0.9, 1},       /* 9-11 of 2    */
    {3, 6, 0.1, 1}, {3, 2, 0.8, 1}, {3, 3, 0.6, 0},       /* 12-14 of 3   */
    {4, 5, 0.9, 1}, {4, 4, 0.2, 1}, {4, 7, 0.7, 1},       /* 15-17 of 4   */
    {7, 2, 0.9, 1}, {7, 2, 0.1, 1},                       /* 18-19 of 7   */
    {10, 3, 0.5, 1}, {14, 3, 0.4, 1}, {14, 1, 0.6, 1},    /* 20-22        */
};
#define TOY_N ((int)(sizeof toy / sizeof toy[0]))

typedef struct lazy {
    int late_root; /* 1: the root's tokens arrive with its first children */
} lazy;

static int lazy_open(etsim_oracle *o, int32_t problem, etsim_tree *t, etsim_err *err) {
    (void)err;
    lazy *lz = o->impl;
    t->prob.index = problem;
    etsim_problem_set(&t->prob, "toy", NULL, "1", NULL, 0);
    etsim_tree_add_root(t, lz->late_root ? 0 : toy[0].tokens);
    t->nodes[0].aux = 0; /* toy id */
    return 0;
}

static int lazy_expand(etsim_oracle *o, etsim_tree *t, int32_t node, int32_t want,
                       etsim_err *err) {
    (void)err;
    lazy *lz = o->impl;
    if (node == 0 && lz->late_root && t->nodes[0].step_tokens == 0) {
        t->nodes[0].step_tokens = toy[0].tokens;
        t->nodes[0].cum_tokens = toy[0].tokens;
    }
    int toy_id = (int)t->nodes[node].aux, k = 0;
    for (int i = 1; i < TOY_N && t->nodes[node].n_kids < want; i++) {
        if (toy[i].parent != toy_id) continue;
        if (k++ < t->nodes[node].n_kids) continue;
        int32_t id = etsim_tree_add_child(t, node, toy[i].tokens);
        etsim_tree_set_score(t, id, (float)toy[i].score);
        if (toy[i].leaf) t->nodes[id].flags |= ETSIM_NODE_LEAF;
        t->nodes[id].aux = (uint64_t)i;
    }
    return t->nodes[node].n_kids < want ? t->nodes[node].n_kids : want;
}

static void lazy_close(etsim_oracle *o) { (void)o; }

static const etsim_oracle_vtab lazy_vt = {"lazy", lazy_open, lazy_expand, lazy_close};

static etsim_oracle lazy_oracle(lazy *lz) {
    etsim_oracle o;
    memset(&o, 0, sizeof o);
    o.vt = &lazy_vt;
    o.impl = lz;
    o.meta.n_problems = 1;
    return o;
}

static void config(etsim_search_config *cfg, const char *selector, int width) {
    etsim_search_config_init(cfg, etsim_selector_find(selector), width);
    assert_non_null(cfg->sel.sel);
}

/* Decisions and counters equal (node ids compared only when ids_too). */
static void same_result(const etsim_problem_result *a, const etsim_problem_result *b, int ids_too) {
    assert_memory_equal(&a->c, &b->c, sizeof a->c);
    assert_int_equal(a->n_logs, b->n_logs);
    assert_int_equal(a->n_log_nodes, b->n_log_nodes);
    assert_int_equal(a->n_exp_total, b->n_exp_total);
    assert_int_equal(a->n_leaves, b->n_leaves);
    assert_int_equal(a->n_gen, b->n_gen);
    for (int32_t i = 0; i < a->n_logs; i++) {
        assert_int_equal(a->logs[i].width, b->logs[i].width);
        assert_int_equal(a->logs[i].kv_tokens, b->logs[i].kv_tokens);
        assert_int_equal(a->logs[i].n_exp, b->logs[i].n_exp);
    }
    for (int64_t i = 0; i < a->n_log_nodes; i++) {
        assert_true(a->log_scores[i] == b->log_scores[i]);
        assert_int_equal(a->log_counts[i], b->log_counts[i]);
        assert_int_equal(a->log_tags[i], b->log_tags[i]);
        if (ids_too) assert_int_equal(a->log_nodes[i], b->log_nodes[i]);
    }
    for (int64_t i = 0; i < a->n_exp_total; i++) {
        assert_int_equal(a->exp_count[i], b->exp_count[i]);
        if (ids_too) assert_int_equal(a->exp_cand[i], b->exp_cand[i]);
    }
}

/* Step a search to the end, answering needs with the oracle. Returns the
 * number of steps that needed children; *max_need the most at once. */
static int drive(etsim_oracle *o, etsim_search *s, etsim_tree *t, int *max_need) {
    etsim_err err = {{0}};
    etsim_search_need *need;
    int32_t n;
    int rc, rounds = 0;
    *max_need = 0;
    while ((rc = etsim_search_step(s, &need, &n, &err)) == ETSIM_SEARCH_NEED_CHILDREN) {
        assert_true(n > 0);
        if (n > *max_need) *max_need = n;
        for (int32_t i = 0; i < n; i++)
            need[i].have = etsim_oracle_expand(o, t, need[i].node, need[i].want, &err);
        rounds++;
    }
    if (rc < 0) fail_msg("%s", err.msg);
    assert_int_equal(rc, ETSIM_SEARCH_DONE);
    return rounds;
}

static const char *const selectors[] = {"rebase", "beam", "dvts", "ets-kv"};

/* Widths 2 and 4 fit the toy tree; at width 8 the root runs short (5
 * children), which --on-missing truncate or resample handles. One need at
 * a time gives the loop's result, node ids included, in every case; batch
 * mode where the source does not run short (see engine.h). */
static void test_step_matches_loop(void **state) {
    (void)state;
    lazy lz = {0};
    etsim_oracle o = lazy_oracle(&lz);
    etsim_err err = {{0}};
    static const char *const missing[] = {"error", "truncate", "resample"};
    for (int k = 0; k < 4; k++)
        for (int width = 2; width <= 8; width *= 2)
            for (unsigned flags = 0; flags <= ETSIM_SEARCH_BATCH; flags += ETSIM_SEARCH_BATCH)
                for (int m = 0; m < 3; m++) {
                    if ((width == 8) != (m > 0) || (width == 8 && flags)) continue;
                    etsim_search_config cfg;
                    config(&cfg, selectors[k], width);
                    if (etsim_search_config_set(&cfg, "on_missing", missing[m], &err))
                        fail_msg("%s", err.msg);
                    etsim_problem_result ref, r;
                    etsim_problem_result_init(&ref, 0);
                    etsim_problem_result_init(&r, 0);
                    if (etsim_search_problem(&o, &cfg, 0, &ref, &err)) fail_msg("%s", err.msg);
                    etsim_search *s = etsim_search_begin(&o, &cfg, 0, &r, NULL, flags, &err);
                    assert_non_null(s);
                    int max_need;
                    int rounds = drive(&o, s, &r.tree, &max_need);
                    int64_t sel, ilp;
                    etsim_search_work(s, &sel, &ilp);
                    assert_int_equal(etsim_search_finish(s, &err), 0);
                    same_result(&ref, &r, 1);
                    assert_int_equal(r.tree.n_nodes, ref.tree.n_nodes);
                    /* each selection once; ets-kv solves one ILP per selection */
                    assert_int_equal(sel, r.c.selections);
                    assert_int_equal(ilp, strcmp(selectors[k], "ets-kv") ? 0 : sel);
                    /* batch: at most one stop per selection (the oracle never runs short) */
                    if (flags) assert_true(rounds <= r.c.selections);
                    else assert_int_equal(max_need, 1);
                    if (m == 2) assert_true(r.c.resampled_children > 0);
                    etsim_problem_result_free(&ref);
                    etsim_problem_result_free(&r);
                }
}

/* REBASE at width 4 gives several depth-1 nodes children: batch mode asks
 * for them at once, the default mode one at a time. */
static void test_batch_needs(void **state) {
    (void)state;
    lazy lz = {0};
    etsim_oracle o = lazy_oracle(&lz);
    etsim_err err = {{0}};
    etsim_search_config cfg;
    config(&cfg, "rebase", 4);
    int most[2];
    for (unsigned flags = 0; flags <= 1; flags++) {
        etsim_problem_result r;
        etsim_problem_result_init(&r, 0);
        etsim_search *s = etsim_search_begin(&o, &cfg, 0, &r, NULL, flags, &err);
        drive(&o, s, &r.tree, &most[flags]);
        assert_int_equal(etsim_search_finish(s, &err), 0);
        etsim_problem_result_free(&r);
    }
    assert_int_equal(most[0], 1);
    assert_true(most[1] >= 2);
}

static void test_unanswered_need(void **state) {
    (void)state;
    lazy lz = {0};
    etsim_oracle o = lazy_oracle(&lz);
    etsim_err err = {{0}};
    etsim_search_config cfg;
    config(&cfg, "rebase", 4);
    etsim_problem_result r;
    etsim_problem_result_init(&r, 0);
    etsim_search *s = etsim_search_begin(&o, &cfg, 0, &r, NULL, 0, &err);
    etsim_search_need *need;
    int32_t n;
    assert_int_equal(etsim_search_step(s, &need, &n, &err), ETSIM_SEARCH_NEED_CHILDREN);
    assert_int_equal(n, 1);
    assert_int_equal(need[0].node, 0);
    assert_int_equal(need[0].want, 4);
    /* not answered */
    assert_int_equal(etsim_search_step(s, &need, &n, &err), -1);
    assert_non_null(strstr(err.msg, "problem 0 (toy): node 0"));
    assert_non_null(strstr(err.msg, "did not answer"));
    /* a failed search stays failed and cannot be finished */
    memset(&err, 0, sizeof err);
    assert_int_equal(etsim_search_step(s, &need, &n, &err), -1);
    assert_non_null(strstr(err.msg, "did not answer"));
    assert_int_equal(etsim_search_finish(s, &err), -1);
    assert_non_null(strstr(err.msg, "not done"));
    etsim_problem_result_free(&r);

    /* an answer the tree does not back */
    etsim_problem_result_init(&r, 0);
    s = etsim_search_begin(&o, &cfg, 0, &r, NULL, 0, &err);
    assert_int_equal(etsim_search_step(s, &need, &n, &err), ETSIM_SEARCH_NEED_CHILDREN);
    need[0].have = 4; /* nothing was added */
    assert_int_equal(etsim_search_step(s, &need, &n, &err), -1);
    assert_non_null(strstr(err.msg, "answered 4 children, the tree holds 0"));
    etsim_search_abandon(s);
    etsim_problem_result_free(&r);
}

/* The root's token count arrives with its first children (as from a live
 * policy server): the result is that of a root known from the start, at
 * the cost of the first selection made twice. */
static void test_late_root_tokens(void **state) {
    (void)state;
    lazy early = {0}, late = {1};
    etsim_oracle oe = lazy_oracle(&early), ol = lazy_oracle(&late);
    etsim_err err = {{0}};
    for (int k = 0; k < 4; k++) {
        etsim_search_config cfg;
        config(&cfg, selectors[k], 4);
        etsim_problem_result ref, r;
        etsim_problem_result_init(&ref, 0);
        etsim_problem_result_init(&r, 0);
        if (etsim_search_problem(&oe, &cfg, 0, &ref, &err)) fail_msg("%s", err.msg);
        etsim_search *s = etsim_search_begin(&ol, &cfg, 0, &r, NULL, ETSIM_SEARCH_BATCH, &err);
        int max_need;
        drive(&ol, s, &r.tree, &max_need);
        int64_t sel, ilp;
        etsim_search_work(s, &sel, &ilp);
        assert_int_equal(etsim_search_finish(s, &err), 0);
        same_result(&ref, &r, 1);
        assert_int_equal(r.logs[0].kv_tokens, toy[0].tokens);
        assert_int_equal(sel, r.c.selections + 1);
        etsim_problem_result_free(&ref);
        etsim_problem_result_free(&r);
    }
}

/* Four searches over one tree, stepped in rounds: each round every
 * unfinished search steps, their needs are merged per node (first asker's
 * order, largest want) and made, then answered. Each search decides as it
 * does alone (node ids differ: the shared tree numbers nodes in round
 * order), and the tree holds exactly the union of what they generated. */
static void test_shared_tree_rounds(void **state) {
    (void)state;
    lazy lz = {0};
    etsim_oracle o = lazy_oracle(&lz);
    etsim_err err = {{0}};
    enum { N = 4 };
    etsim_search_config cfg[N];
    etsim_problem_result alone[N], mine[N];
    etsim_search *s[N];
    etsim_search_need *need[N];
    int32_t n_need[N];
    etsim_tree shared;
    etsim_tree_init(&shared, 0);
    assert_int_equal(etsim_oracle_problem_open(&o, 0, &shared, &err), 0);
    for (int c = 0; c < N; c++) {
        config(&cfg[c], selectors[c], 2 + c); /* 2..5: the root has 5 children */
        etsim_problem_result_init(&alone[c], 0);
        etsim_problem_result_init(&mine[c], 0);
        if (etsim_search_problem(&o, &cfg[c], 0, &alone[c], &err)) fail_msg("%s", err.msg);
        s[c] = etsim_search_begin(&o, &cfg[c], 0, &mine[c], &shared, ETSIM_SEARCH_BATCH, &err);
        assert_non_null(s[c]);
        n_need[c] = 0;
    }
    int left = N;
    for (int round = 0; left > 0; round++) {
        assert_true(round < 100);
        etsim_search_need merged[64];
        int n_merged = 0;
        for (int c = 0; c < N; c++) {
            if (!s[c]) continue;
            for (int32_t i = 0; i < n_need[c]; i++) {
                int32_t have = shared.nodes[need[c][i].node].n_kids;
                need[c][i].have = have < need[c][i].want ? have : need[c][i].want;
            }
            int rc = etsim_search_step(s[c], &need[c], &n_need[c], &err);
            if (rc < 0) fail_msg("%s", err.msg);
            if (rc == ETSIM_SEARCH_DONE) {
                assert_int_equal(etsim_search_finish(s[c], &err), 0);
                s[c] = NULL;
                left--;
                continue;
            }
            for (int32_t i = 0; i < n_need[c]; i++) {
                int k = 0;
                while (k < n_merged && merged[k].node != need[c][i].node) k++;
                if (k == n_merged) {
                    assert_true(n_merged < 64);
                    merged[n_merged++] = need[c][i];
                } else if (merged[k].want < need[c][i].want) {
                    merged[k].want = need[c][i].want;
                }
            }
        }
        for (int k = 0; k < n_merged; k++)
            etsim_oracle_expand(&o, &shared, merged[k].node, merged[k].want, &err);
    }
    /* the union: every node but the root generated by some search */
    uint8_t *seen = calloc((size_t)shared.n_nodes, 1);
    for (int c = 0; c < N; c++) {
        same_result(&alone[c], &mine[c], 0);
        for (int32_t i = 1; i < mine[c].n_gen; i++) seen[mine[c].gen_order[i]] = 1;
        etsim_problem_result_free(&alone[c]);
        etsim_problem_result_free(&mine[c]);
    }
    for (int32_t v = 1; v < shared.n_nodes; v++) assert_true(seen[v]);
    free(seen);
    etsim_tree_free(&shared);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_matches_loop),
        cmocka_unit_test(test_batch_needs),
        cmocka_unit_test(test_unanswered_need),
        cmocka_unit_test(test_late_root_tokens),
        cmocka_unit_test(test_shared_tree_rounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
