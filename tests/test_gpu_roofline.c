/* test_gpu_roofline.c -- the iteration model on hand-worked values: GEMM
 * tiles in waves, attention terms, batch-1 decode rate. (The fit against
 * every measured token count of the vidur profiles is test_gpu_calib.) */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "gpu_model/roofline.h"

static void profiles(etsim_model_profile *m, etsim_gpu_profile *g) {
    etsim_err err = {{0}};
    assert_int_equal(etsim_model_profile_find("llemma-34b", m, &err), 0);
    assert_int_equal(etsim_gpu_profile_find("h100-sxm", g, &err), 0);
}

/* The 4-SM toy GPU of the tests below: TILES its gemm_tiles, EXTRA more
 * fields (JSON members ending in a comma, or ""). */
static void toy_gpu(etsim_gpu_profile *g, const char *tiles, const char *extra) {
    char json[512];
    snprintf(json, sizeof json,
             "{\"name\":\"w\",\"hbm_bytes\":1e9,\"bandwidth_bytes_per_s\":1e15,"
             "\"bf16_flops_per_s\":4e9,\"sm_count\":4,\"gemm_tiles\":%s,%s"
             "\"gemm_kernel_s\":0,\"smooth_p\":64}", tiles, extra);
    etsim_err err = {{0}};
    assert_int_equal(etsim_gpu_profile_parse(json, "w", g, &err), 0);
}

/* 4 SMs of 1e9 FLOP/s each, one 16 x 16 tile at efficiency 1, no weight
 * stream to speak of (huge bandwidth), no launch time: a GEMM of n tokens,
 * N = 32, K = 100 has ceil(n/16) x 2 tiles in ceil(tiles / 4) waves, each
 * 2 x 16 x 16 x 100 / 1e9 s. */
static void test_gemm_waves(void **state) {
    (void)state;
    etsim_gpu_profile g;
    etsim_err err = {{0}};
    toy_gpu(&g, "[[16,16,1]]", "");
    double wave = 2.0 * 16 * 16 * 100 / 1e9;
    struct { double n, waves; } c[] = {{1, 1}, {16, 1}, {17, 1}, {32, 1}, {33, 2}, {64, 2}, {65, 3}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        double t = etsim_roofline_gemm_s(&g, c[i].n, 32, 100, 2);
        assert_true(fabs(t / (c[i].waves * wave) - 1) < 0.02);
    }
    /* a second, smaller tile at half efficiency wins where it saves a wave:
     * n = 33 with 8 x 16 tiles: 5 x 2 = 10 tiles, 3 waves of half the work
     * at half speed = 3 x wave, more than 2 x wave: the 16 x 16 tile stays */
    toy_gpu(&g, "[[16,16,1],[8,16,0.5]]", "");
    assert_true(fabs(etsim_roofline_gemm_s(&g, 33, 32, 100, 2) / (2 * wave) - 1) < 0.02);
    /* n = 8: one 8 x 16 row of 2 tiles, 1 wave of half work at half speed = 1 wave */
    assert_true(fabs(etsim_roofline_gemm_s(&g, 8, 32, 100, 2) / wave - 1) < 0.02);
    /* the weight stream bounds it below: slow memory */
    assert_int_equal(etsim_gpu_profile_parse(
        "{\"name\":\"w\",\"hbm_bytes\":1e9,\"bandwidth_bytes_per_s\":1e3,\"eff_weight_bw\":1,"
        "\"bf16_flops_per_s\":4e9,\"sm_count\":4,\"gemm_tiles\":[[16,16,1]],"
        "\"gemm_kernel_s\":0,\"smooth_p\":64}", "w", &g, &err), 0);
    double mem = (32.0 * 100 + 100 + 32) * 2 / 1e3;
    assert_true(fabs(etsim_roofline_gemm_s(&g, 1, 32, 100, 2) / mem - 1) < 0.02);
    assert_true(etsim_roofline_gemm_s(&g, 0, 32, 100, 2) == 0);
}

/* Stream-K: the same 4-SM GPU with streamk_eff 0.5 and 10-deep K slices.
 * One 16 x 16 tile (n = 1, N = 16, K = 100): data-parallel, one SM does a
 * whole wave while three idle; stream-K deals its 10 slices over the 4 SMs
 * (3 slice rounds of 10 K each at half speed = 0.6 wave). Four tiles fill
 * the wave: stream-K would take 10 rounds at half speed, so the whole wave
 * stays. Five tiles (N = 80): data-parallel 2 waves, stream-K
 * ceil(50 / 4) = 13 rounds = 2.6 waves, so 2 waves. */
static void test_gemm_streamk(void **state) {
    (void)state;
    etsim_gpu_profile g;
    etsim_err err = {{0}};
    toy_gpu(&g, "[[16,16,1]]", "\"streamk_eff\":0.5,\"streamk_k\":10,");
    double wave = 2.0 * 16 * 16 * 100 / 1e9;
    assert_true(fabs(etsim_roofline_gemm_s(&g, 1, 16, 100, 2) / (0.6 * wave) - 1) < 0.02);
    assert_true(fabs(etsim_roofline_gemm_s(&g, 1, 64, 100, 2) / wave - 1) < 0.02);
    assert_true(fabs(etsim_roofline_gemm_s(&g, 1, 80, 100, 2) / (2 * wave) - 1) < 0.02);
    /* off by default: a file without streamk_eff keeps whole waves */
    toy_gpu(&g, "[[16,16,1]]", "");
    assert_true(fabs(etsim_roofline_gemm_s(&g, 1, 16, 100, 2) / wave - 1) < 0.02);
    /* out of range: one line naming the field */
    assert_int_equal(etsim_gpu_profile_parse(
        "{\"name\":\"w\",\"hbm_bytes\":1e9,\"bandwidth_bytes_per_s\":1e15,"
        "\"bf16_flops_per_s\":4e9,\"streamk_eff\":1.5}", "w", &g, &err), -1);
    assert_non_null(strstr(err.msg, "streamk_eff"));
    assert_int_equal(etsim_gpu_profile_parse(
        "{\"name\":\"w\",\"hbm_bytes\":1e9,\"bandwidth_bytes_per_s\":1e15,"
        "\"bf16_flops_per_s\":4e9,\"streamk_k\":0}", "w", &g, &err), -1);
    assert_non_null(strstr(err.msg, "streamk_k"));
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
    /* 38-50: vidur's measured H100 block at one token (0.507 ms x 48), the
     * A100-measured attention floor (9 us x 48 layers), the LM head and
     * 0.2 ms host time already come to 39.8 tokens/s */
    assert_true(rate >= 38 && rate <= 50);
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
        "\"attn_kernel_s\":0,\"attn_per_req_s\":0,"
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
    pf.prefill_causal_pairs = 10 * 5.5;
    pf.prefill_ctx_tokens = 20;
    etsim_iter_terms tp;
    etsim_roofline_iter(&m, &g, &pf, 0.0, &tp);
    double flops = 4.0 * 2 * 4 * 16 * 255; /* 4 L H d x pairs */
    assert_true(fabs(tp.attention_flops - flops) < 1e-6);
    double want = fmax(flops / (0.25 * 1e12), 20.0 * 256 / 0.5e9); /* causal work 1 */
    assert_true(fabs(tp.attention_s - want) < 1e-15);
    /* causal pairs at 3x the work of pairs against cached KV */
    g.attn_causal_work = 3;
    etsim_roofline_iter(&m, &g, &pf, 0.0, &tp);
    want = fmax(4.0 * 2 * 4 * 16 * (200 + 3 * 55) / (0.25 * 1e12), 20.0 * 256 / 0.5e9);
    assert_true(fabs(tp.attention_s - want) < 1e-15);
    /* the latency floor and per-request term: L (t_a + t_r D) */
    g.attn_kernel_s = 1e-5;
    g.attn_per_req_s = 1e-6;
    etsim_roofline_iter(&m, &g, &sh, 0.0, &t0);
    assert_true(fabs(t0.attention_s - (2 * (1e-5 + 8e-6) + 800.0 * 256 / 0.5e9)) < 1e-15);
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
        cmocka_unit_test(test_gemm_waves),      cmocka_unit_test(test_gemm_streamk),
        cmocka_unit_test(test_batch1_decode_rate),
        cmocka_unit_test(test_pnorm),           cmocka_unit_test(test_attention_terms),
        cmocka_unit_test(test_linear_monotone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
