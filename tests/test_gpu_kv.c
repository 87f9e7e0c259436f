/* test_gpu_kv.c -- KV accounting over a hand-built search tree: the replay
 * figures (shared = union of the round's fork paths, unshared = sum of
 * their lengths) and the LRU radix pool (pinning, leaf-first LRU
 * eviction, recompute accounting). Expected values are worked by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "gpu_model/kv_radix.h"

/*  root(10) -- a(5) -- a1(4)
 *           \- b(6) -- b1(3)
 *                   \- b2(2)
 *  round 0 forks a, b; round 1 forks a1, b1, b2. */
static void build(etsim_cost_trace *t) {
    const int32_t parent[] = {-1, 0, 0, 1, 2, 2};
    const int32_t tokens[] = {10, 5, 6, 4, 3, 2};
    const int32_t cand[] = {1, 2};
    etsim_err err = {{0}};
    assert_int_equal(etsim_cost_trace_build(t, 7, 6, parent, tokens, 2, cand, NULL, NULL, &err), 0);
}

static void test_trace_rounds(void **state) {
    (void)state;
    etsim_cost_trace t;
    build(&t);
    assert_int_equal(t.round_off[0], 1);
    assert_int_equal(t.round_off[1], 3);
    assert_int_equal(t.round_off[2], 6);
    assert_int_equal(t.cum[4], 19);
    assert_int_equal(etsim_cost_trace_fork_tokens(&t), 20);
    etsim_cost_trace_free(&t);
}

static void test_replay_accounting(void **state) {
    (void)state;
    etsim_cost_trace t;
    build(&t);
    int32_t stamp[6];
    etsim_kv_replay_stats s;
    etsim_kv_replay_account(&t, &s, stamp);
    /* round 0: union {root, a, b} = 21; unshared 15 + 16 = 31
     * round 1: union {root, a, b, a1, b1, b2} = 30; unshared 19 + 19 + 18 = 56 */
    assert_int_equal(s.rounds, 2);
    assert_int_equal(s.shared_sum, 51);
    assert_int_equal(s.unshared_sum, 87);
    assert_true(s.shared_peak == 30 && s.unshared_peak == 56);
    assert_true(s.shared_mean == 25.5 && s.unshared_mean == 43.5);
    etsim_cost_trace_free(&t);
}

static void test_bad_traces(void **state) {
    (void)state;
    etsim_cost_trace t;
    etsim_err err = {{0}};
    const int32_t tok[] = {10, 5, 6};
    const int32_t late[] = {-1, 2, 0}; /* node 1's parent comes after it */
    assert_int_equal(etsim_cost_trace_build(&t, 3, 3, late, tok, 1, NULL, NULL, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "problem 3: node 1"));
    const int32_t deep[] = {-1, 0, 1}; /* depth 2 but one selection */
    assert_int_equal(etsim_cost_trace_build(&t, 3, 3, deep, tok, 1, NULL, NULL, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "only 1 selections"));
    const int32_t neg[] = {10, -1, 6};
    const int32_t ok[] = {-1, 0, 0};
    assert_int_equal(etsim_cost_trace_build(&t, 3, 3, ok, neg, 1, NULL, NULL, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "step tokens"));
    const int32_t order[] = {-1, 0, 1, 0}; /* depth 2 then depth 1 */
    const int32_t tok4[] = {1, 1, 1, 1};
    assert_int_equal(etsim_cost_trace_build(&t, 3, 4, order, tok4, 2, NULL, NULL, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "generation order"));
    const int32_t root[] = {0, 0, 0};
    assert_int_equal(etsim_cost_trace_build(&t, 3, 3, root, tok, 1, NULL, NULL, NULL, &err), -1);
}

static void test_pool_lru(void **state) {
    (void)state;
    etsim_cost_trace t;
    build(&t);
    etsim_kvpool p;
    etsim_kvpool_init(&p, 30, 1);
    etsim_kvpool_attach(&p, 0, &t);
    etsim_kvpath kp;
    /* a's path: root + a missing, nothing computed before */
    etsim_kvpool_scan(&p, 0, 1, &kp);
    assert_true(kp.missing == 15 && kp.cached == 0 && kp.recompute == 0);
    assert_int_equal(etsim_kvpool_acquire(&p, 0, 1, 1.0), 0);
    assert_true(p.used == 15 && p.unref == 0);
    etsim_kvpool_scan(&p, 0, 2, &kp); /* b: root cached and pinned */
    assert_true(kp.cached == 10 && kp.cached_unref == 0 && kp.missing == 6);
    assert_int_equal(etsim_kvpool_acquire(&p, 0, 2, 2.0), 0);
    assert_true(p.used == 21);
    etsim_kvpool_release(&p, 0, 1, 3.0); /* a done at t=3 */
    etsim_kvpool_release(&p, 0, 2, 4.0); /* b done at t=4 */
    assert_true(p.unref == 21 && etsim_kvpool_avail(&p) == 30);
    /* b1 (3 tokens) needs 19: pin root, b; 9 free so nothing evicted */
    assert_int_equal(etsim_kvpool_acquire(&p, 0, 4, 5.0), 0);
    assert_true(p.used == 24 && p.evictions == 0);
    /* a1 wants 4 more with root and a: 6 free, fits */
    assert_int_equal(etsim_kvpool_acquire(&p, 0, 3, 6.0), 0);
    assert_true(p.used == 28);
    etsim_kvpool_release(&p, 0, 3, 7.0);
    /* b2 (2) fits exactly */
    assert_int_equal(etsim_kvpool_acquire(&p, 0, 5, 8.0), 0);
    assert_true(p.used == 30);
    etsim_kvpool_release(&p, 0, 5, 9.0);
    /* make room for 5: LRU leaf first is a1 (t=7, 4 tokens), then a
     * becomes a leaf (t=7, 5 tokens) -- b2 (t=9) survives */
    assert_int_equal(etsim_kvpool_make_room(&p, 5), 0);
    assert_true(p.evictions == 2 && p.evicted_tokens == 9 && p.used == 21);
    etsim_kvpool_scan(&p, 0, 3, &kp); /* a1 again: a and a1 were computed before */
    assert_true(kp.missing == 9 && kp.recompute == 9 && kp.cached == 10);
    /* 9 free; root, b, b1 are pinned, so only b2 (2) can go: 11 is possible */
    assert_int_equal(etsim_kvpool_make_room(&p, 11), 0);
    assert_true(p.used == 19);
    assert_int_equal(etsim_kvpool_make_room(&p, 12), -1); /* root, b, b1 pinned */
    etsim_kvpool_release(&p, 0, 4, 10.0);
    assert_int_equal(etsim_kvpool_make_room(&p, 30), 0);
    assert_true(p.used == 0 && p.unref == 0 && p.n_resident == 0);
    etsim_kvpool_free(&p);
    etsim_cost_trace_free(&t);
}

static void test_pool_decode_node(void **state) {
    (void)state;
    etsim_cost_trace t;
    build(&t);
    etsim_kvpool p;
    etsim_kvpool_init(&p, ETSIM_KV_UNLIMITED, 2);
    etsim_kvpool_attach(&p, 1, &t);
    assert_int_equal(etsim_kvpool_acquire(&p, 1, 0, 0.0), 0); /* root */
    etsim_kvpool_open(&p, 1, 1);
    etsim_kvpool_grow(&p, 3);
    assert_true(p.used == 13 && p.unref == 0);
    etsim_kvpool_drop(&p, 1, 1, 3); /* retracted after 3 tokens */
    assert_true(p.used == 10);
    etsim_kvpool_open(&p, 1, 1);
    etsim_kvpool_grow(&p, 5);
    etsim_kvpool_close(&p, 1, 1, 5, 2.0);
    etsim_kvpool_release(&p, 1, 0, 2.0);
    assert_true(p.used == 15 && p.unref == 15);
    etsim_kvpool_detach(&p, 1);
    assert_true(p.used == 0 && p.unref == 0 && p.n_resident == 0);
    etsim_kvpool_free(&p);
    etsim_cost_trace_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_rounds),    cmocka_unit_test(test_replay_accounting),
        cmocka_unit_test(test_bad_traces),      cmocka_unit_test(test_pool_lru),
        cmocka_unit_test(test_pool_decode_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
