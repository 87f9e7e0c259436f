/* test_gpu_roofline.c -- the iteration model against the public measured
 * H100 profile and hand-worked values.
 *
 * Reference: ../shared/reference/hardware_and_models.md, "Measured H100
 * SXM linear-layer time, CodeLlama-34B, tensor parallel 1", from
 * microsoft/vidur data/profiling/compute/h100/codellama/
 * CodeLlama-34b-Instruct-hf/mlp.csv (medians, ms per decoder layer). The
 * table is copied below; the model must be within 10% MAPE of the "all"
 * column (GEMMs + norms, rotary, activation, residual) over 1..4096 tokens. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "gpu_model/roofline.h"

static const double vidur_tokens[] = {1, 8, 32, 64, 128, 256, 512, 1024, 2048, 4096};
static const double vidur_gemm_ms[] = {0.478, 0.474, 0.487, 0.490, 0.520,
                                       0.597, 1.036, 2.220, 3.956, 8.127};
static const double vidur_all_ms[] = {0.507, 0.504, 0.518, 0.522, 0.551,
                                      0.636, 1.113, 2.372, 4.300, 8.818};
#define NV 10

static void profiles(etsim_model_profile *m, etsim_gpu_profile *g) {
    etsim_err err = {{0}};
    assert_int_equal(etsim_model_profile_find("llemma-34b", m, &err), 0);
    assert_int_equal(etsim_gpu_profile_find("h100-sxm", g, &err), 0);
}

static void test_vidur_mape(void **state) {
    (void)state;
    etsim_model_profile m;
    etsim_gpu_profile g;
    profiles(&m, &g);
    double mape = 0, mape_gemm = 0, worst = 0;
    for (int i = 0; i < NV; i++) {
        double n = vidur_tokens[i];
        double pred = etsim_roofline_layer_s(&m, &g, n) * 1e3;
        double e = fabs(pred - vidur_all_ms[i]) / vidur_all_ms[i];
        mape += e / NV;
        if (e > worst) worst = e;
        /* the GEMM-only part of the model: the p-norm roofline term */
        double w = m.layer_linear_params * m.dtype_bytes;
        double gemm = etsim_roofline_pnorm(w / (g.eff_weight_bw * g.bandwidth_bytes_per_s),
                                           2 * m.layer_linear_params * n /
                                               (g.eff_compute * g.bf16_flops_per_s),
                                           g.smooth_p) * 1e3;
        mape_gemm += fabs(gemm - vidur_gemm_ms[i]) / vidur_gemm_ms[i] / NV;
        print_message("tokens %5.0f  model %.4f ms  measured %.3f ms  (%+.1f%%)\n", n, pred,
                      vidur_all_ms[i], 100 * (pred - vidur_all_ms[i]) / vidur_all_ms[i]);
    }
    print_message("MAPE vs vidur 'all': %.2f%% (worst %.2f%%); GEMM term vs 'GEMMs': %.2f%%\n",
                  100 * mape, 100 * worst, 100 * mape_gemm);
    assert_true(mape < 0.10);
    assert_true(mape_gemm < 0.10);
}

static void test_batch1_decode_rate(void **state) {
    (void)state;
    etsim_model_profile m;
    etsim_gpu_profile g;
    profiles(&m, &g);
    etsim_iter_shape sh = {0};
    sh.decode_reqs = 1;
    sh.decode_ctx_sum = sh.decode_ctx_union = 512;
    sh.logits = 1;
    etsim_iter_terms t;
    etsim_roofline_iter(&m, &g, &sh, 0.0, &t);
    double rate = 1.0 / t.total_s;
    print_message("batch-1 decode, Llemma-34B on H100 SXM, 512 context: %.1f tokens/s\n", rate);
    assert_true(rate >= 40 && rate <= 50);
}

static void test_pnorm(void **state) {
    (void)state;
    assert_true(fabs(etsim_roofline_pnorm(3, 4, 2) - 5) < 1e-12);
    assert_true(etsim_roofline_pnorm(7, 0, 4) == 7);
    assert_true(etsim_roofline_pnorm(0, 0, 4) == 0);
    /* equal terms: 2^(1/p) x */
    assert_true(fabs(etsim_roofline_pnorm(1, 1, 4) - pow(2, 0.25)) < 1e-12);
    /* huge p: no overflow, tends to the max */
    assert_true(fabs(etsim_roofline_pnorm(1e300, 5e299, 64) - 1e300) / 1e300 < 1e-12);
}

/* A toy GPU and model with round numbers, to check each term by hand. */
static void toy(etsim_model_profile *m, etsim_gpu_profile *g) {
    etsim_err err = {{0}};
    assert_int_equal(etsim_model_profile_parse(
        "{\"name\":\"toy\",\"layers\":2,\"hidden\":64,\"heads\":4,\"kv_heads\":2,\"head_dim\":16,"
        "\"ffn\":128,\"vocab\":100,\"gated_mlp\":true,\"dtype_bytes\":2}", "toy", m, &err), 0);
    assert_int_equal(etsim_gpu_profile_parse(
        "{\"name\":\"toy\",\"hbm_bytes\":1e9,\"bandwidth_bytes_per_s\":1e9,"
        "\"bf16_flops_per_s\":1e12,\"eff_attn_bw\":0.5,\"eff_attn_compute\":0.25,"
        "\"iter_overhead_s\":0.001,\"iter_overhead_per_req_s\":0.0001}", "toy", g, &err), 0);
}

static void test_attention_terms(void **state) {
    (void)state;
    etsim_model_profile m;
    etsim_gpu_profile g;
    toy(&m, &g);
    /* KV bytes/token = 2 x 2 layers x 2 kv heads x 16 x 2 bytes = 256 */
    assert_true(m.kv_bytes_per_token == 256);
    /* 8 decode requests, each 100 context tokens of which 60 shared */
    etsim_iter_shape sh = {0};
    sh.decode_reqs = 8;
    sh.decode_ctx_sum = 800;
    sh.decode_ctx_union = 60 + 8 * 40;
    etsim_iter_terms t0, t1, th;
    etsim_roofline_iter(&m, &g, &sh, 0.0, &t0);
    etsim_roofline_iter(&m, &g, &sh, 1.0, &t1);
    etsim_roofline_iter(&m, &g, &sh, 0.5, &th);
    /* s = 0: 800 x 256 bytes over 0.5 x 1e9 B/s; s = 1: 380 x 256 */
    assert_true(fabs(t0.attention_s - 800.0 * 256 / 0.5e9) < 1e-15);
    assert_true(fabs(t1.attention_s - 380.0 * 256 / 0.5e9) < 1e-15);
    assert_true(fabs(th.attention_s - 590.0 * 256 / 0.5e9) < 1e-15);
    /* overhead a + b x requests */
    assert_true(fabs(t0.overhead_s - (0.001 + 8 * 0.0001)) < 1e-15);
    assert_true(fabs(t0.total_s - (t0.linear_s + t0.attention_s + t0.overhead_s)) < 1e-15);

    /* prefill: one request, 10 new tokens after 20 cached: 10 x (20 + 5.5) pairs */
    etsim_iter_shape pf = {0};
    pf.prefill_reqs = 1;
    pf.prefill_tokens = 10;
    pf.prefill_pairs = 10 * (20 + 5.5);
    pf.prefill_ctx_tokens = 20;
    etsim_iter_terms tp;
    etsim_roofline_iter(&m, &g, &pf, 0.0, &tp);
    double flops = 4.0 * 2 * 4 * 16 * 255; /* 4 L H d x pairs */
    assert_true(fabs(tp.attention_flops - flops) < 1e-6);
    double want = etsim_roofline_pnorm(flops / (0.25 * 1e12), 20.0 * 256 / 0.5e9, g.smooth_p);
    assert_true(fabs(tp.attention_s - want) < 1e-15);
    /* linear FLOPs: 2 x layer params x layers x tokens (no logits asked) */
    assert_true(tp.linear_flops == 2.0 * m.layer_linear_params * 2 * 10);
}

static void test_linear_monotone(void **state) {
    (void)state;
    etsim_model_profile m;
    etsim_gpu_profile g;
    profiles(&m, &g);
    double prev = 0;
    for (double n = 1; n <= 65536; n *= 2) {
        double t = etsim_roofline_linear_s(&m, &g, n, 1);
        assert_true(t > prev);
        prev = t;
    }
    assert_true(etsim_roofline_linear_s(&m, &g, 0, 0) == 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vidur_mape),      cmocka_unit_test(test_batch1_decode_rate),
        cmocka_unit_test(test_pnorm),           cmocka_unit_test(test_attention_terms),
        cmocka_unit_test(test_linear_monotone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
