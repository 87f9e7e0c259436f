/* test_gpu_des.c -- the serving simulation: a timeline worked by hand on a
 * toy GPU whose iterations cost exactly the host overhead, recomputation
 * after LRU eviction worked by hand, the sanity figures of issue 5 on
 * hand-built beam-like and REBASE-like trees with equal tokens, bad
 * configurations, and byte-identical reports. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gpu_model/cost.h"
#include "gpu_model/des.h"

/* A GPU so fast that an iteration costs its overhead a = 1 ms alone. */
static void toy_profiles(etsim_model_profile *m, etsim_gpu_profile *g) {
    etsim_err err = {{0}};
    assert_int_equal(etsim_model_profile_parse(
        "{\"name\":\"toy\",\"layers\":1,\"hidden\":8,\"heads\":1,\"kv_heads\":1,\"head_dim\":8,"
        "\"ffn\":8,\"vocab\":8,\"gated_mlp\":true,\"dtype_bytes\":2}", "toy", m, &err), 0);
    assert_int_equal(etsim_gpu_profile_parse(
        "{\"name\":\"toy\",\"hbm_bytes\":1e12,\"bandwidth_bytes_per_s\":1e15,"
        "\"bf16_flops_per_s\":1e18,\"layer_fixed_s\":0,\"iter_overhead_s\":0.001,"
        "\"gemm_kernel_s\":0,\"elementwise_kernel_s\":0,\"attn_kernel_s\":0,\"attn_per_req_s\":0,"
        "\"iter_overhead_per_req_s\":0}", "toy", g, &err), 0);
}

static void toy_config(etsim_des_config *c, etsim_model_profile *m, etsim_gpu_profile *g) {
    etsim_des_config_defaults(c);
    c->policy.model = c->prm.model = m;
    c->policy.gpu = c->prm.gpu = g;
    c->select_s = c->select_per_cand_s = c->select_pair_s = 0;
    c->batching = ETSIM_BATCH_MIXED; /* the hand timelines below mix prefill and decode */
}

/* root(10); round 0 forks a(3), b(3). */
static void test_hand_timeline(void **state) {
    (void)state;
    etsim_model_profile m;
    etsim_gpu_profile g;
    toy_profiles(&m, &g);
    etsim_des_config c;
    toy_config(&c, &m, &g);
    const int32_t parent[] = {-1, 0, 0}, tokens[] = {10, 3, 3}, cand[] = {1};
    etsim_cost_trace t;
    etsim_err err = {{0}};
    assert_int_equal(etsim_cost_trace_build(&t, 0, 3, parent, tokens, 1, cand, NULL, NULL, &err), 0);
    etsim_des_result r;
    assert_int_equal(etsim_des_run(&c, &t, 1, &r, &err), 0);
    /* policy it 1 (0-1 ms): a prefills the root (10) and makes its first
     * token, b finds the root cached and decodes; its 2 and 3 (1-3 ms):
     * both decode; at 3 ms both are done. PRM it 1 (3-4 ms): a prefills
     * root + a (13), b prefills b (3). Done at 4 ms. */
    assert_true(fabs(r.makespan_s - 0.004) < 1e-9);
    assert_int_equal(r.policy.iterations, 3);
    assert_int_equal(r.policy.decode_tokens, 5);
    assert_int_equal(r.policy.prefill_tokens, 10);
    assert_int_equal(r.prm.iterations, 1);
    assert_int_equal(r.prm.prefill_tokens, 16);
    assert_int_equal(r.generated_tokens, 6);
    assert_int_equal(r.scored_tokens, 6);
    assert_int_equal(r.policy.recomputed_tokens + r.prm.recomputed_tokens, 0);
    assert_int_equal(r.policy.batch_hist[1], 3); /* 2 requests in each */
    assert_int_equal(r.policy.used_peak, 16);    /* root + 3 + 3 */
    assert_int_equal(r.prm.used_peak, 16);
    assert_true(fabs(r.problems[0].end_s - 0.004) < 1e-9);
    /* busy: policy 3 ms of 4, PRM 1 ms */
    assert_true(fabs(r.policy.busy_s - 0.003) < 1e-9 && fabs(r.prm.busy_s - 0.001) < 1e-9);
    etsim_des_result_free(&r);
    etsim_cost_trace_free(&t);
}

/* The same tree under each batching policy. SEPARATE (SGLang's default):
 * it 1 (0-1 ms) prefills the root for a alone (b, its path cached by a's
 * admission, waits to decode); its 2-4 (1-4 ms) decode a run: a finishes
 * at 3 ms, b at 4 ms; the PRM scores a at 3-4 ms and b at 4-5 ms. CHUNKED
 * with a budget of 12 tokens: it 1 holds b's decode and a's 10-token
 * prefill (11 <= 12), so it matches MIXED (done at 4 ms). */
static void test_batching_policies(void **state) {
    (void)state;
    etsim_model_profile m;
    etsim_gpu_profile g;
    toy_profiles(&m, &g);
    const int32_t parent[] = {-1, 0, 0}, tokens[] = {10, 3, 3}, cand[] = {1};
    etsim_cost_trace t;
    etsim_err err = {{0}};
    assert_int_equal(etsim_cost_trace_build(&t, 0, 3, parent, tokens, 1, cand, NULL, NULL, &err), 0);
    const struct {
        etsim_batching mode;
        int32_t budget;
        double makespan;
        int64_t policy_iters;
    } cases[] = {{ETSIM_BATCH_SEPARATE, 8192, 0.005, 4}, {ETSIM_BATCH_CHUNKED, 12, 0.004, 3},
                 {ETSIM_BATCH_MIXED, 8192, 0.004, 3}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        etsim_des_config c;
        toy_config(&c, &m, &g);
        c.batching = cases[i].mode;
        c.policy.max_prefill_tokens = cases[i].budget;
        etsim_des_result r;
        assert_int_equal(etsim_des_run(&c, &t, 1, &r, &err), 0);
        print_message("batching %d budget %d: makespan %.4f s, policy iterations %lld\n",
                      (int)cases[i].mode, cases[i].budget, r.makespan_s,
                      (long long)r.policy.iterations);
        double mk = r.makespan_s;
        int64_t it = r.policy.iterations, dec = r.policy.decode_tokens;
        etsim_des_result_free(&r);
        assert_true(fabs(mk - cases[i].makespan) < 1e-9);
        assert_int_equal(it, cases[i].policy_iters);
        assert_int_equal(dec, 5);
    }
    etsim_cost_trace_free(&t);
}

/* Three copies of the timeline above with two in flight: both slots free
 * at 4 ms at once (one must stay idle), the third problem runs 4-8 ms. */
static void test_slots_free_together(void **state) {
    (void)state;
    etsim_model_profile m;
    etsim_gpu_profile g;
    toy_profiles(&m, &g);
    etsim_des_config c;
    toy_config(&c, &m, &g);
    c.inflight = 2;
    const int32_t parent[] = {-1, 0, 0}, tokens[] = {10, 3, 3}, cand[] = {1};
    etsim_cost_trace t[3];
    etsim_err err = {{0}};
    for (int i = 0; i < 3; i++)
        assert_int_equal(etsim_cost_trace_build(&t[i], i, 3, parent, tokens, 1, cand, NULL, NULL,
                                                &err), 0);
    etsim_des_result r;
    assert_int_equal(etsim_des_run(&c, t, 3, &r, &err), 0);
    assert_true(fabs(r.makespan_s - 0.008) < 1e-9);
    assert_true(fabs(r.problems[2].start_s - 0.004) < 1e-9);
    assert_int_equal(r.policy.batch_hist[2], 3); /* two problems: 4 requests */
    etsim_des_result_free(&r);
    for (int i = 0; i < 3; i++) etsim_cost_trace_free(&t[i]);
}

/* root(10) -> a(5), b(5); round 1: a -> a1(5), b -> b1(5). A 20-token
 * policy pool holds round 0 exactly; in round 1 a1 is admitted (its path
 * is cached), b1 must wait, a1's decoding evicts b (LRU), so b1 later
 * recomputes b's 5 tokens. The PRM pool is unlimited. */
static void test_hand_recompute(void **state) {
    (void)state;
    etsim_model_profile m;
    etsim_gpu_profile g;
    toy_profiles(&m, &g);
    etsim_des_config c;
    toy_config(&c, &m, &g);
    c.policy.pool_tokens = 20;
    const int32_t parent[] = {-1, 0, 0, 1, 2}, tokens[] = {10, 5, 5, 5, 5}, cand[] = {1, 2};
    etsim_cost_trace t;
    etsim_err err = {{0}};
    assert_int_equal(etsim_cost_trace_build(&t, 0, 5, parent, tokens, 2, cand, NULL, NULL, &err), 0);
    etsim_des_result r;
    assert_int_equal(etsim_des_run(&c, &t, 1, &r, &err), 0);
    assert_int_equal(r.policy.recomputed_tokens, 5);
    assert_int_equal(r.problems[0].recomputed_policy, 5);
    assert_int_equal(r.prm.recomputed_tokens, 0);
    assert_true(r.policy.evictions >= 1);
    assert_int_equal(r.policy.retractions, 0);
    assert_true(r.policy.used_peak <= 20);
    /* unlimited: nothing recomputed */
    c.policy.pool_tokens = ETSIM_KV_UNLIMITED;
    etsim_des_result u;
    assert_int_equal(etsim_des_run(&c, &t, 1, &u, &err), 0);
    assert_int_equal(u.policy.recomputed_tokens, 0);
    assert_true(u.makespan_s < r.makespan_s);
    /* too small for one request: root + a + 5 = 20 > 19 */
    c.policy.pool_tokens = 19;
    etsim_des_result bad;
    assert_int_equal(etsim_des_run(&c, &t, 1, &bad, &err), -1);
    assert_non_null(strstr(err.msg, "too small for one request"));
    etsim_des_result_free(&r);
    etsim_des_result_free(&u);
    etsim_cost_trace_free(&t);
}

/* ---- beam-like vs REBASE-like trees ------------------------------------ */

#define W 16
#define ROUNDS 6

/* Every round forks W nodes; round 0 from the root. Later rounds expand
 * the previous round's forks `pick[i]` with `count[i]` children each (in
 * fork order). Step tokens depend only on (problem, round, fork index),
 * so both shapes generate the same tokens. */
static void make_tree(etsim_cost_trace *t, int32_t problem, const int *pick, const int *count,
                      int n_exp) {
    int32_t n = 1 + W * ROUNDS, parent[1 + W * ROUNDS], tokens[1 + W * ROUNDS], cand[ROUNDS];
    parent[0] = -1;
    tokens[0] = 150 + problem % 7 * 10;
    int32_t k = 1;
    for (int r = 0; r < ROUNDS; r++) {
        cand[r] = r ? W : 1;
        int32_t prev = r ? 1 + (r - 1) * W : 0;
        for (int e = 0; e < (r ? n_exp : 1); e++)
            for (int j = 0; j < (r ? count[e] : W); j++) {
                parent[k] = r ? prev + pick[e] : 0;
                int f = k - 1 - r * W;
                tokens[k] = 40 + (problem * 13 + r * 7 + f * 5) % 60;
                k++;
            }
    }
    assert_int_equal(k, n);
    etsim_err err = {{0}};
    assert_int_equal(etsim_cost_trace_build(t, problem, n, parent, tokens, ROUNDS, cand, NULL,
                                            NULL, &err), 0);
}

static const int beam_pick[] = {0, 4, 8, 12}, beam_count[] = {4, 4, 4, 4};
static const int reb_pick[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
static const int reb_count[] = {2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1};
#define NPROB 16

static void run_pair(etsim_cost_config *cfg, etsim_cost_report *beam, etsim_cost_report *reb) {
    etsim_cost_trace tb[NPROB], tr[NPROB];
    for (int p = 0; p < NPROB; p++) {
        make_tree(&tb[p], p, beam_pick, beam_count, 4);
        make_tree(&tr[p], p, reb_pick, reb_count, 12);
    }
    etsim_err err = {{0}};
    if (etsim_cost_run(cfg, tb, NPROB, beam, &err) < 0) fail_msg("%s", err.msg);
    if (etsim_cost_run(cfg, tr, NPROB, reb, &err) < 0) fail_msg("%s", err.msg);
    for (int p = 0; p < NPROB; p++) {
        etsim_cost_trace_free(&tb[p]);
        etsim_cost_trace_free(&tr[p]);
    }
}

static void test_sanity_unlimited(void **state) {
    (void)state;
    etsim_cost_config cfg;
    etsim_cost_config_init(&cfg);
    etsim_err err = {{0}};
    assert_int_equal(etsim_cost_config_set(&cfg, "kv_tokens", "unlimited", &err), 0);
    assert_int_equal(etsim_cost_config_set(&cfg, "sharing", "0", &err), 0);
    etsim_cost_report b, r;
    run_pair(&cfg, &b, &r);
    assert_int_equal(b.sim.generated_tokens, r.sim.generated_tokens);
    double diff = fabs(r.sim.makespan_s - b.sim.makespan_s) / b.sim.makespan_s;
    print_message("unlimited KV, s=0: beam %.3f s, REBASE %.3f s (%.2f%% apart); replay KV "
                  "shared mean %.0f vs %.0f tokens\n", b.sim.makespan_s, r.sim.makespan_s,
                  100 * diff, b.kv_total.shared_mean, r.kv_total.shared_mean);
    assert_true(diff < 0.10);
    assert_true(r.kv_total.shared_mean > b.kv_total.shared_mean); /* REBASE keeps more paths */
    assert_int_equal(b.sim.policy.recomputed_tokens + r.sim.policy.recomputed_tokens, 0);
    etsim_cost_report_free(&b);
    etsim_cost_report_free(&r);
    etsim_cost_config_free(&cfg);
}

static void test_sanity_limited(void **state) {
    (void)state;
    etsim_cost_config cfg;
    etsim_cost_config_init(&cfg);
    etsim_err err = {{0}};
    assert_int_equal(etsim_cost_config_set(&cfg, "kv_tokens", "12000", &err), 0);
    etsim_cost_report b, r;
    run_pair(&cfg, &b, &r);
    int64_t rb = b.sim.policy.recomputed_tokens + b.sim.prm.recomputed_tokens;
    int64_t rr = r.sim.policy.recomputed_tokens + r.sim.prm.recomputed_tokens;
    print_message("12000-token pools: beam %.3f s recomputed %lld, REBASE %.3f s recomputed %lld\n",
                  b.sim.makespan_s, (long long)rb, r.sim.makespan_s, (long long)rr);
    assert_true(rr > rb);
    assert_true(r.sim.makespan_s > b.sim.makespan_s);
    etsim_cost_report_free(&b);
    etsim_cost_report_free(&r);
    etsim_cost_config_free(&cfg);
}

static char *report_text(etsim_cost_config *cfg) {
    etsim_cost_trace t[4];
    for (int p = 0; p < 4; p++) make_tree(&t[p], p, reb_pick, reb_count, 12);
    etsim_cost_report rep;
    etsim_err err = {{0}};
    if (etsim_cost_run(cfg, t, 4, &rep, &err) < 0) fail_msg("%s", err.msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    etsim_cost_report_write_json(fp, &rep, 1);
    fclose(fp);
    etsim_cost_report_free(&rep);
    for (int p = 0; p < 4; p++) etsim_cost_trace_free(&t[p]);
    return buf;
}

static void test_report_deterministic(void **state) {
    (void)state;
    etsim_cost_config cfg;
    etsim_cost_config_init(&cfg);
    etsim_err err = {{0}};
    assert_int_equal(etsim_cost_config_set(&cfg, "kv_tokens", "6000", &err), 0);
    assert_int_equal(etsim_cost_config_set(&cfg, "reserve_ratio", "0.3", &err), 0);
    assert_int_equal(etsim_cost_config_set(&cfg, "inflight", "3", &err), 0);
    char *a = report_text(&cfg), *b = report_text(&cfg);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "\"makespan_s\":"));
    assert_non_null(strstr(a, "\"per_problem\":["));
    free(a);
    free(b);
    etsim_cost_config_free(&cfg);
}

static void test_bad_config(void **state) {
    (void)state;
    etsim_cost_config cfg;
    etsim_cost_config_init(&cfg);
    etsim_err err = {{0}};
    assert_int_equal(etsim_cost_config_set(&cfg, "sharing", "1.5", &err), -1);
    assert_int_equal(etsim_cost_config_set(&cfg, "inflight", "0", &err), -1);
    assert_int_equal(etsim_cost_config_set(&cfg, "policy_mem_fraction", "0", &err), -1);
    assert_int_equal(etsim_cost_config_set(&cfg, "colour", "red", &err), -1);
    assert_non_null(strstr(err.msg, "unknown cost option 'colour'"));
    etsim_cost_report rep;
    assert_int_equal(etsim_cost_config_set(&cfg, "gpu", "a100-80gb", &err), 0);
    assert_int_equal(etsim_cost_config_set(&cfg, "policy_mem_fraction", "0.5", &err), 0);
    assert_int_equal(etsim_cost_resolve(&cfg, &rep, &err), -1);
    assert_non_null(strstr(err.msg, "does not fit"));
    assert_non_null(strstr(err.msg, "GB short"));
    assert_int_equal(etsim_cost_config_set(&cfg, "gpu", "tpu-v5", &err), 0);
    assert_int_equal(etsim_cost_resolve(&cfg, &rep, &err), -1);
    assert_non_null(strstr(err.msg, "h100-nvl"));
    etsim_cost_config_free(&cfg);
    /* the defaults: ~1e5-token policy pool on an H100 NVL (reference doc) */
    etsim_cost_config_init(&cfg);
    assert_int_equal(etsim_cost_resolve(&cfg, &rep, &err), 0);
    assert_true(rep.policy.kv_pool_tokens > 90000 && rep.policy.kv_pool_tokens < 110000);
    assert_true(rep.prm.kv_pool_tokens < rep.policy.kv_pool_tokens);
    etsim_cost_config_free(&cfg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_timeline),
        cmocka_unit_test(test_batching_policies),
        cmocka_unit_test(test_slots_free_together),
        cmocka_unit_test(test_hand_recompute),
        cmocka_unit_test(test_sanity_unlimited),   cmocka_unit_test(test_sanity_limited),
        cmocka_unit_test(test_report_deterministic), cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
