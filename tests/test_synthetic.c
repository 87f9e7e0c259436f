/* test_synthetic.c -- the synthetic oracle: order-independent determinism,
 * the hidden-state invariants (tracks, answers, clusters, duplicates,
 * flags), statistical sanity of the default profile, metadata, and the
 * registry entry. Profile parsing has its own file (test_synthetic_profile.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/synthetic/synthetic.h"

static etsim_oracle *open_profile(const char *spec, const char *const *sets) {
    etsim_err err = {{0}};
    etsim_synth_profile p;
    if (etsim_synth_profile_load(spec, &p, &err)) fail_msg("%s", err.msg);
    for (int i = 0; sets && sets[i]; i += 2)
        if (etsim_synth_profile_set(&p, sets[i], sets[i + 1], &err)) fail_msg("%s", err.msg);
    etsim_oracle *o = etsim_synth_open(&p, &err);
    etsim_synth_profile_free(&p);
    assert_non_null(o);
    return o;
}

static void open_tree(etsim_oracle *o, int32_t problem, etsim_tree *t) {
    etsim_err err = {{0}};
    etsim_tree_init(t, o->meta.emb_dim);
    if (etsim_oracle_problem_open(o, problem, t, &err)) fail_msg("%s", err.msg);
}

static void expand(etsim_oracle *o, etsim_tree *t, int32_t node, int32_t want) {
    etsim_err err = {{0}};
    int got = etsim_oracle_expand(o, t, node, want, &err);
    if (got < 0) fail_msg("%s", err.msg);
    assert_int_equal(got, want);
    assert_true(t->nodes[node].n_kids >= want);
}

static int32_t find_by_key(const etsim_tree *t, uint64_t key) {
    for (int32_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].key == key) return i;
    return -1;
}

/* Same content for every node of a that b also has (matched by key). */
static int32_t compare_trees(const etsim_tree *a, const etsim_tree *b) {
    int32_t matched = 0;
    for (int32_t i = 0; i < a->n_nodes; i++) {
        int32_t j = find_by_key(b, a->nodes[i].key);
        if (j < 0) continue;
        const etsim_node *x = &a->nodes[i], *y = &b->nodes[j];
        assert_int_equal(x->ordinal, y->ordinal);
        assert_int_equal(x->depth, y->depth);
        assert_int_equal(x->step_tokens, y->step_tokens);
        assert_int_equal(x->cum_tokens, y->cum_tokens);
        assert_int_equal(x->flags, y->flags);
        assert_memory_equal(&x->score, &y->score, sizeof x->score);
        assert_true(x->text_hash == y->text_hash);
        assert_true(x->aux == y->aux);
        const char *ta = etsim_tree_answer(a, i), *tb = etsim_tree_answer(b, j);
        assert_true((ta == NULL) == (tb == NULL));
        if (ta) assert_string_equal(ta, tb);
        const char *xa = etsim_tree_text(a, i), *xb = etsim_tree_text(b, j);
        assert_true((xa == NULL) == (xb == NULL));
        if (xa) assert_string_equal(xa, xb);
        const float *ea = etsim_tree_embedding(a, i), *eb = etsim_tree_embedding(b, j);
        assert_true((ea == NULL) == (eb == NULL));
        if (ea) assert_memory_equal(ea, eb, (size_t)a->emb_dim * sizeof(float));
        matched++;
    }
    return matched;
}

/* Expand in two different orders and widths: identical children. */
static void test_order_independent(void **state) {
    (void)state;
    etsim_oracle *o = open_profile("default", NULL);
    etsim_tree a, b;
    open_tree(o, 7, &a);
    open_tree(o, 7, &b);
    /* a: root to 4, child 0 to 8, then child 1 to 5, then grandchild */
    expand(o, &a, 0, 4);
    expand(o, &a, a.nodes[0].kids[0], 8);
    expand(o, &a, a.nodes[0].kids[1], 5);
    int32_t g = a.nodes[a.nodes[0].kids[0]].kids[6];
    if (!(a.nodes[g].flags & ETSIM_NODE_LEAF)) expand(o, &a, g, 3);
    /* b: root to 2 then 4, child 1 first (3 then 5), child 0 in steps 3 -> 8 */
    expand(o, &b, 0, 2);
    expand(o, &b, 0, 4);
    expand(o, &b, b.nodes[0].kids[1], 3);
    expand(o, &b, b.nodes[0].kids[1], 5);
    expand(o, &b, b.nodes[0].kids[0], 3);
    expand(o, &b, b.nodes[0].kids[0], 8);
    int32_t gb = b.nodes[b.nodes[0].kids[0]].kids[6];
    if (!(b.nodes[gb].flags & ETSIM_NODE_LEAF)) expand(o, &b, gb, 3);
    assert_int_equal(a.n_nodes, b.n_nodes);
    assert_int_equal(compare_trees(&a, &b), a.n_nodes);
    assert_string_equal(a.prob.answer, b.prob.answer);
    assert_int_equal(a.prob.prompt_tokens, b.prob.prompt_tokens);

    /* A second oracle instance of the same profile: same tree. */
    etsim_oracle *o2 = open_profile("default", NULL);
    etsim_tree c;
    open_tree(o2, 7, &c);
    expand(o2, &c, 0, 4);
    expand(o2, &c, c.nodes[0].kids[0], 8);
    assert_int_equal(compare_trees(&c, &a), c.n_nodes);

    /* Another seed: the same positions get different content. */
    const char *sets[] = {"seed", "12345", NULL};
    etsim_oracle *o3 = open_profile("default", sets);
    etsim_tree d;
    open_tree(o3, 7, &d);
    expand(o3, &d, 0, 4);
    int differ = 0;
    for (int32_t k = 0; k < 4; k++) {
        int32_t i = find_by_key(&a, d.nodes[d.nodes[0].kids[k]].key);
        assert_true(i >= 0);
        differ += a.nodes[i].step_tokens != d.nodes[d.nodes[0].kids[k]].step_tokens;
    }
    assert_true(differ >= 2);

    etsim_tree_free(&a);
    etsim_tree_free(&b);
    etsim_tree_free(&c);
    etsim_tree_free(&d);
    etsim_oracle_close(o);
    etsim_oracle_close(o2);
    etsim_oracle_close(o3);
}

static double cos_dist(const float *x, const float *y, int32_t d) {
    double dot = 0, nx = 0, ny = 0;
    for (int32_t i = 0; i < d; i++) {
        dot += (double)x[i] * y[i];
        nx += (double)x[i] * x[i];
        ny += (double)y[i] * y[i];
    }
    return 1 - dot / sqrt(nx * ny);
}

/* Per-node invariants over many siblings: clusters, duplicates, answers. */
static void test_clusters_and_duplicates(void **state) {
    (void)state;
    etsim_oracle *o = open_profile("default", NULL);
    int64_t near_pairs = 0, far_pairs = 0, dups = 0, exact = 0, fresh = 0, common_pairs = 0;
    int64_t common = 0, common_exact = 0;
    double near_max = 0, far_min = 2, near_sum = 0;
    for (int32_t p = 0; p < 20; p++) {
        etsim_tree t;
        open_tree(o, p, &t);
        expand(o, &t, 0, 64);
        /* also a second level under the first non-leaf child */
        for (int32_t k = 0; k < 64; k++)
            if (!(t.nodes[t.nodes[0].kids[k]].flags & ETSIM_NODE_LEAF)) {
                expand(o, &t, t.nodes[0].kids[k], 64);
                break;
            }
        for (int32_t v = 1; v < t.n_nodes; v++) {
            const etsim_node *n = &t.nodes[v];
            const etsim_node *par = &t.nodes[n->parent];
            int32_t rep = etsim_synth_node_cluster(&t, v);
            assert_true(rep >= 0 && rep <= n->ordinal);
            int32_t rid = par->kids[rep];
            assert_int_equal(etsim_synth_node_cluster(&t, rid), rep); /* reps represent themselves */
            if (rep == n->ordinal) {
                fresh++;
                assert_false(etsim_synth_node_exact_dup(&t, v));
                int ex = 0;
                if (etsim_synth_node_common(&t, v, &ex)) {
                    common++;
                    common_exact += ex;
                    assert_false(n->flags & ETSIM_NODE_LEAF); /* common steps are not final */
                }
                continue;
            }
            dups++;
            /* same meaning: same track, same ending, same answer */
            assert_int_equal(etsim_synth_node_correct(&t, v), etsim_synth_node_correct(&t, rid));
            if (!(n->flags & ETSIM_NODE_MAXLEN))
                assert_int_equal(n->flags & ETSIM_NODE_LEAF, t.nodes[rid].flags & ETSIM_NODE_LEAF);
            if ((n->flags & ETSIM_NODE_LEAF) && (t.nodes[rid].flags & ETSIM_NODE_LEAF))
                assert_string_equal(etsim_tree_answer(&t, v), etsim_tree_answer(&t, rid));
            if (etsim_synth_node_exact_dup(&t, v)) {
                exact++;
                assert_true(n->text_hash == t.nodes[rid].text_hash);
                assert_string_equal(etsim_tree_text(&t, v), etsim_tree_text(&t, rid));
                assert_int_equal(n->step_tokens, t.nodes[rid].step_tokens);
                assert_memory_equal(etsim_tree_embedding(&t, v), etsim_tree_embedding(&t, rid),
                                    (size_t)t.emb_dim * sizeof(float));
            } else {
                assert_true(n->text_hash != t.nodes[rid].text_hash);
            }
        }
        /* pairwise distances among all non-root nodes (siblings and
         * cousins): near exactly when they share a centroid */
        for (int32_t a = 1; a < t.n_nodes; a++)
            for (int32_t b = a + 1; b < t.n_nodes; b++) {
                double d = cos_dist(etsim_tree_embedding(&t, a), etsim_tree_embedding(&t, b), t.emb_dim);
                if (etsim_synth_node_cluster_key(&t, a) == etsim_synth_node_cluster_key(&t, b)) {
                    near_pairs++;
                    near_sum += d;
                    if (d > near_max) near_max = d;
                    if (etsim_synth_node_cluster(&t, a) != etsim_synth_node_cluster(&t, b) ||
                        t.nodes[a].parent != t.nodes[b].parent)
                        common_pairs++; /* joined by a common step, not a sibling cluster */
                } else {
                    far_pairs++;
                    if (d < far_min) far_min = d;
                }
            }
        etsim_tree_free(&t);
    }
    /* default dup_rate 0.35, exact_dup_frac 0.3: both kinds occur often */
    assert_true(dups > 300 && fresh > 300);
    assert_true(exact > 60 && exact < dups);
    double dup_frac = (double)dups / (double)(dups + fresh);
    assert_true(dup_frac > 0.25 && dup_frac < 0.45);
    assert_true(near_pairs > 100 && far_pairs > 1000);
    assert_true(near_max < 0.05);                 /* one ETS cluster      */
    double near_mean = near_sum / (double)near_pairs;
    assert_true(near_mean > 0.002 && near_mean < 0.02); /* cluster_cos_dist 0.01 (exact pairs at 0) */
    assert_true(far_min > 0.4);                   /* never merged by the 0.05 cut */
    /* common steps (default rate 0.5 of fresh non-final steps) join cousins */
    assert_true(common > fresh / 4 && common < fresh * 3 / 4);
    assert_true(common_exact > common / 10 && common_exact < common / 2);
    assert_true(common_pairs > 100);
    etsim_oracle_close(o);
}

/* Exact common steps: one text, one length, one embedding wherever they
 * occur in a problem's tree (cousins included). */
static void test_common_steps(void **state) {
    (void)state;
    const char *sets[] = {"common_step_rate", "1", "common_steps", "2", "exact_dup_frac", "0.5",
                          "dup_rate", "0", NULL};
    etsim_oracle *o = open_profile("default", sets);
    etsim_tree t;
    open_tree(o, 11, &t);
    expand(o, &t, 0, 12);
    for (int32_t k = 0; k < 12; k++) {
        int32_t v = t.nodes[0].kids[k];
        if (!(t.nodes[v].flags & ETSIM_NODE_LEAF)) expand(o, &t, v, 12);
    }
    int64_t same = 0, exact_cousins = 0;
    for (int32_t a = 1; a < t.n_nodes; a++) {
        int ea = 0;
        int ca = etsim_synth_node_common(&t, a, &ea);
        assert_int_equal(ca == 0, (t.nodes[a].flags & ETSIM_NODE_LEAF) != 0); /* rate 1 */
        assert_true(ca >= 0 && ca <= 2);
        for (int32_t b = a + 1; b < t.n_nodes; b++) {
            int eb = 0;
            int cb = etsim_synth_node_common(&t, b, &eb);
            if (!ca || !ea || !eb || ca != cb || t.nodes[a].depth != t.nodes[b].depth ||
                etsim_synth_node_correct(&t, a) != etsim_synth_node_correct(&t, b) ||
                etsim_synth_node_cluster_key(&t, a) != etsim_synth_node_cluster_key(&t, b))
                continue;
            same++;
            exact_cousins += t.nodes[a].parent != t.nodes[b].parent;
            assert_true(t.nodes[a].text_hash == t.nodes[b].text_hash);
            assert_string_equal(etsim_tree_text(&t, a), etsim_tree_text(&t, b));
            assert_int_equal(t.nodes[a].step_tokens, t.nodes[b].step_tokens);
            assert_memory_equal(etsim_tree_embedding(&t, a), etsim_tree_embedding(&t, b),
                                (size_t)t.emb_dim * sizeof(float));
        }
    }
    assert_true(same > 20);
    assert_true(exact_cousins > 10);
    etsim_tree_free(&t);
    etsim_oracle_close(o);
}

/* Common steps from the pool all tracks share (common_step_any_track):
 * correct and wrong candidates then meet in one cluster; with per-track
 * pools (the default) a cluster never mixes tracks. */
static int64_t mixed_track_pairs(const char *any_track) {
    const char *sets[] = {"common_step_rate", "1",   "common_steps", "2", "dup_rate", "0",
                          "error_logit_mean", "0",   "recover_prob", "0", "common_step_any_track",
                          any_track,          NULL};
    etsim_oracle *o = open_profile("default", sets);
    int64_t mixed = 0;
    for (int32_t p = 0; p < 4; p++) {
        etsim_tree t;
        open_tree(o, p, &t);
        expand(o, &t, 0, 16);
        for (int32_t k = 0; k < 16; k++) {
            int32_t v = t.nodes[0].kids[k];
            if (!(t.nodes[v].flags & ETSIM_NODE_LEAF)) expand(o, &t, v, 8);
        }
        for (int32_t a = 1; a < t.n_nodes; a++)
            for (int32_t b = a + 1; b < t.n_nodes; b++) {
                int ea = 0, eb = 0;
                if (!etsim_synth_node_common(&t, a, &ea) || !etsim_synth_node_common(&t, b, &eb))
                    continue;
                if (etsim_synth_node_cluster_key(&t, a) == etsim_synth_node_cluster_key(&t, b) &&
                    etsim_synth_node_correct(&t, a) != etsim_synth_node_correct(&t, b)) {
                    assert_int_equal(t.nodes[a].depth, t.nodes[b].depth);
                    mixed++;
                }
            }
        etsim_tree_free(&t);
    }
    etsim_oracle_close(o);
    return mixed;
}

static void test_common_steps_any_track(void **state) {
    (void)state;
    assert_int_equal(mixed_track_pairs("0"), 0);
    int64_t m1 = mixed_track_pairs("1");
    assert_true(m1 > 500);
}

/* level_noise_sd: levels stay quintiles (about 100 of 500 problems each)
 * but are only a noisy guide to difficulty; 0 keeps the exact quintile. */
static void levels_of(const char *noise, int32_t *levels, int32_t n) {
    const char *sets[] = {"level_noise_sd", noise, NULL};
    etsim_oracle *o = open_profile("default", sets);
    for (int32_t p = 0; p < n; p++) {
        etsim_tree t;
        open_tree(o, p, &t);
        levels[p] = t.prob.level;
        etsim_tree_free(&t);
    }
    etsim_oracle_close(o);
}

static void test_level_noise(void **state) {
    (void)state;
    enum { N = 500 };
    int32_t exact[N], noisy[N], count[6] = {0};
    levels_of("0", exact, N);
    levels_of("1", noisy, N);
    int32_t moved = 0, far = 0;
    for (int32_t p = 0; p < N; p++) {
        assert_true(noisy[p] >= 1 && noisy[p] <= 5);
        count[noisy[p]]++;
        moved += noisy[p] != exact[p];
        far += abs(noisy[p] - exact[p]) >= 3;
    }
    for (int l = 1; l <= 5; l++) assert_true(count[l] > 60 && count[l] < 140);
    assert_true(moved > N / 3); /* a noisy guide ...                   */
    assert_true(far < N / 10);  /* ... but still a guide               */
}

/* Walk child-0 chains (fresh samples of the policy) to leaves. */
static void test_statistics(void **state) {
    (void)state;
    etsim_oracle *o = open_profile("default", NULL);
    int64_t leaves = 0, correct_leaves = 0, scored = 0, nodes = 0;
    double sc_c = 0, sc_w = 0, leaf_c = 0, leaf_w = 0;
    int64_t n_c = 0, n_w = 0, nl_c = 0, nl_w = 0, depth_sum = 0, tok_sum = 0, tok_n = 0;
    int problems_with_correct = 0;
    for (int32_t p = 0; p < 200; p++) {
        etsim_tree t;
        open_tree(o, p, &t);
        expand(o, &t, 0, 8);
        int any_correct = 0;
        for (int32_t k = 0; k < 8; k++) {
            int32_t v = t.nodes[0].kids[k];
            while (!(t.nodes[v].flags & ETSIM_NODE_LEAF) && t.nodes[v].cum_tokens < 1024) {
                expand(o, &t, v, 1);
                v = t.nodes[v].kids[0];
            }
            if (!(t.nodes[v].flags & ETSIM_NODE_LEAF)) continue;
            leaves++;
            depth_sum += t.nodes[v].depth;
            int c = etsim_synth_node_correct(&t, v);
            const char *ans = etsim_tree_answer(&t, v);
            assert_non_null(ans);
            /* the right answer exactly on correct tracks */
            assert_int_equal(c, !strcmp(ans, t.prob.answer));
            correct_leaves += c;
            any_correct |= c;
            if (c) {
                leaf_c += t.nodes[v].score;
                nl_c++;
            } else {
                leaf_w += t.nodes[v].score;
                nl_w++;
            }
        }
        problems_with_correct += any_correct;
        for (int32_t v = 1; v < t.n_nodes; v++) {
            nodes++;
            const etsim_node *n = &t.nodes[v];
            assert_true(n->step_tokens >= 1 && n->step_tokens <= 256);
            assert_int_equal(n->step_tokens == 256, (n->flags & ETSIM_NODE_MAXLEN) != 0);
            assert_true(n->flags & ETSIM_NODE_SCORED);
            assert_true(n->score > 0 && n->score < 1);
            scored++;
            tok_sum += n->step_tokens;
            tok_n++;
            if (etsim_synth_node_correct(&t, v)) {
                sc_c += n->score;
                n_c++;
            } else {
                sc_w += n->score;
                n_w++;
            }
        }
        etsim_tree_free(&t);
    }
    double frac = (double)correct_leaves / (double)leaves;
    double depth = (double)depth_sum / (double)leaves;
    double tok = (double)tok_sum / (double)tok_n;
    /* default profile: a single sample is right ~20% of the time, solutions
     * take ~6 steps of ~50 tokens, the PRM separates the tracks (correct
     * ~0.96, wrong ~0.79 on average; final steps 0.98 vs 0.69) but not
     * perfectly. */
    assert_true(leaves > 1400);
    assert_true(frac > 0.12 && frac < 0.35);
    assert_true(problems_with_correct > 50 && problems_with_correct < 170);
    assert_true(depth > 4.0 && depth < 9.0);
    assert_true(tok > 30 && tok < 70);
    double mc = sc_c / (double)n_c, mw = sc_w / (double)n_w;
    assert_true(mc > mw + 0.1);
    assert_true(mc < 0.99 && mw > 0.5);      /* high, as real PRM scores; fallible */
    assert_true(leaf_c / (double)nl_c > leaf_w / (double)nl_w + 0.15);
    assert_int_equal(scored, nodes);
    etsim_oracle_close(o);
}

/* Parameters that switch behaviour on and off. */
static void test_switches(void **state) {
    (void)state;
    const char *sets[] = {"unscored_rate", "1", "dup_rate", "0", "emb_dim", "0",
                          "step_text", "false", "max_step_tokens", "20", NULL};
    etsim_oracle *o = open_profile("default", sets);
    assert_int_equal(o->meta.emb_dim, 0);
    etsim_tree t;
    open_tree(o, 3, &t);
    expand(o, &t, 0, 100);
    int capped = 0;
    for (int32_t v = 1; v < t.n_nodes; v++) {
        const etsim_node *n = &t.nodes[v];
        assert_false(n->flags & ETSIM_NODE_SCORED);
        assert_true(isnan(n->score));
        assert_int_equal(etsim_synth_node_cluster(&t, v), n->ordinal);
        assert_int_equal(n->emb_row, -1);
        assert_int_equal(n->text_off, -1);
        assert_true(n->text_hash != 0);
        assert_true(n->step_tokens <= 20);
        if (n->step_tokens == 20) {
            capped++;
            assert_true(n->flags & ETSIM_NODE_MAXLEN);
            assert_false(n->flags & ETSIM_NODE_LEAF); /* cut off before any answer */
        }
    }
    assert_true(capped > 50); /* median 48 tokens > cap 20 */
    etsim_tree_free(&t);
    etsim_oracle_close(o);

    /* dup_rate 1: every child after the first repeats an earlier meaning */
    const char *sets2[] = {"dup_rate", "1", "exact_dup_frac", "1", NULL};
    o = open_profile("default", sets2);
    open_tree(o, 3, &t);
    expand(o, &t, 0, 10);
    for (int32_t k = 0; k < 10; k++) {
        int32_t v = t.nodes[0].kids[k];
        assert_int_equal(etsim_synth_node_cluster(&t, v), 0);
        assert_true(t.nodes[v].text_hash == t.nodes[t.nodes[0].kids[0]].text_hash);
        assert_memory_equal(&t.nodes[v].score, &t.nodes[t.nodes[0].kids[0]].score, sizeof(float));
    }
    etsim_tree_free(&t);
    etsim_oracle_close(o);
}

static void test_meta_and_problems(void **state) {
    (void)state;
    etsim_err err = {{0}};
    /* through the registry, as `--synthetic gsm8k` does */
    etsim_oracle *o = etsim_oracle_kind_synthetic.open("gsm8k", &err);
    assert_non_null(o);
    assert_string_equal(o->meta.dataset, "gsm8k");
    assert_string_equal(o->meta.policy_model, "synthetic:gsm8k");
    assert_string_equal(o->meta.answer_format, "gsm8k");
    assert_int_equal(o->meta.n_problems, 1319);
    assert_int_equal(o->meta.emb_dim, 64);
    assert_non_null(strstr(o->meta.settings_json, "\"error_logit_mean\":-2.2"));
    etsim_oracle_close(o);

    o = etsim_oracle_kind_synthetic.open("", &err);
    assert_non_null(o);
    assert_string_equal(o->meta.policy_model, "synthetic:default");
    assert_int_equal(o->meta.n_problems, 500);
    etsim_tree t;
    open_tree(o, 499, &t);
    assert_int_equal(t.n_nodes, 1);
    assert_int_equal(t.prob.index, 499);
    assert_string_equal(t.prob.id, "synthetic/math500/0499");
    assert_non_null(t.prob.answer);
    assert_non_null(t.prob.subject);
    assert_true(t.prob.level >= 1 && t.prob.level <= 5);
    assert_true(t.prob.prompt_tokens >= 1);
    assert_int_equal(t.nodes[0].step_tokens, t.prob.prompt_tokens);
    /* errors: problem out of range, tree not empty, bad node */
    assert_int_equal(etsim_oracle_problem_open(o, 499, &t, &err), -1);
    assert_non_null(strstr(err.msg, "not empty"));
    assert_int_equal(etsim_oracle_expand(o, &t, 5, 2, &err), -1);
    assert_non_null(strstr(err.msg, "node 5"));
    etsim_tree_free(&t);
    etsim_tree_init(&t, 64);
    assert_int_equal(etsim_oracle_problem_open(o, 500, &t, &err), -1);
    assert_non_null(strstr(err.msg, "problem 500"));
    etsim_tree_free(&t);
    etsim_oracle_close(o);

    assert_null(etsim_oracle_kind_synthetic.open("no-such-profile", &err));
    assert_non_null(strstr(err.msg, "no-such-profile"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_independent),
        cmocka_unit_test(test_clusters_and_duplicates),
        cmocka_unit_test(test_common_steps),
        cmocka_unit_test(test_common_steps_any_track),
        cmocka_unit_test(test_level_noise),
        cmocka_unit_test(test_statistics),
        cmocka_unit_test(test_switches),
        cmocka_unit_test(test_meta_and_problems),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
