/* test_gpu_measured.c -- measured profiles as input (gpu_model/measured.h)
 * and tensor parallelism (etsim_model_shard, roofline.h):
 *   - interpolation: exact at measured points, linear between, "not
 *     covered" outside the attention points, the analytic time scaled
 *     at the edge of the block table;
 *   - held-out rows: from every vidur pair in ../shared/data/gpu/vidur/
 *     (every TP degree), a profile of every other token count predicts
 *     the held-out ones within 3% MAPE (every token count, not powers of
 *     two);
 *   - TP 2/4/8 of the analytic model against vidur's TP rows;
 *   - bad input: a profile without TP-1 rows, a non-numeric attention cell,
 *     a TP degree that does not divide the heads, each one line naming
 *     file, row and column or the field.
 * The ../shared cases skip (77) with a reason when it is absent. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "gpu_model/calib.h"
#include "gpu_model/measured.h"
#include "gpu_model/roofline.h"
#include "tests/test_skip.h"

static char vidur[4096];

static int have_shared(void) {
    struct stat st;
    return stat(vidur, &st) == 0;
}

static void write_text(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* a tmp dir per case */
static void tmpdir(char *out, size_t cap) {
    snprintf(out, cap, "/tmp/etsim_test_measured.XXXXXX");
    assert_non_null(mkdtemp(out));
}

/* One vidur mlp.csv with the nine op columns, rows (tokens, tp, ms each). */
static void write_mlp(const char *path, const int *tokens, const int *tps, const double *ms,
                      int n) {
    static const char *ops[9] = {"input_layernorm", "attn_pre_proj", "attn_rope",
                                 "attn_post_proj", "post_attention_layernorm", "mlp_up_proj",
                                 "mlp_act", "mlp_down_proj", "add"};
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (int k = 0; k < 9; k++) fprintf(fp, "time_stats.%s.median,", ops[k]);
    fprintf(fp, "n_head,n_kv_head,n_embd,n_expanded_embd,use_gated_mlp,num_tokens,"
                "num_tensor_parallel_workers\n");
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 9; k++) fprintf(fp, "%g,", k == 1 ? ms[i] : 0.0);
        fprintf(fp, "32,8,4096,14336,True,%d,%d\n", tokens[i], tps[i]);
    }
    fclose(fp);
}

static void mistral(etsim_model_profile *m) {
    etsim_err err = {{0}};
    assert_int_equal(etsim_model_profile_find("mistral-7b", m, &err), 0);
}

static void test_interpolation(void **state) {
    (void)state;
    char d[64], path[128];
    tmpdir(d, sizeof d);
    const int tok[] = {1, 8, 64, 1, 64}, tp[] = {1, 1, 1, 2, 2};
    const double ms[] = {0.1, 0.2, 1.0, 0.05, 0.5};
    snprintf(path, sizeof path, "%s/mlp.csv", d);
    write_mlp(path, tok, tp, ms, 5);
    snprintf(path, sizeof path, "%s/attention_decode.csv", d);
    write_text(path, "# decode\nkv,b,ms\n100,1,0.01\n100,8,0.08\n200,1,0.02\n200,8,0.16\n");
    etsim_measured p;
    etsim_err err = {{0}};
    assert_int_equal(etsim_measured_load(d, &p, &err), 0);
    assert_int_equal(p.n_tp, 2);
    etsim_model_profile m, m2;
    mistral(&m);
    assert_true(etsim_measured_matches(&p, &m));
    double s = 0, edge = 0;
    assert_int_equal(etsim_measured_block_s(&p, &m, 8, &s, &edge), 1);
    assert_true(fabs(s - 0.2e-3) < 1e-12);
    assert_int_equal(etsim_measured_block_s(&p, &m, 36, &s, &edge), 1);
    assert_true(fabs(s - 0.6e-3) < 1e-12); /* halfway 8 -> 64 */
    assert_int_equal(etsim_measured_block_s(&p, &m, 100, &s, &edge), 2);
    assert_true(edge == 64 && fabs(s - 1e-3) < 1e-12);
    /* the TP-2 shard reads the TP-2 rows */
    assert_int_equal(etsim_model_shard(&m, 2, "tp", &m2, &err), 0);
    assert_true(etsim_measured_matches(&p, &m2));
    assert_int_equal(etsim_measured_block_s(&p, &m2, 32.5, &s, &edge), 1);
    assert_true(fabs(s - 0.275e-3) < 1e-12);
    /* the roofline uses it: one layer, and the analytic time scaled past 64 */
    etsim_gpu_profile g;
    assert_int_equal(etsim_gpu_profile_find("h100-sxm", &g, &err), 0);
    double a100 = etsim_roofline_layer_s(&m, &g, 100), a64 = etsim_roofline_layer_s(&m, &g, 64);
    g.measured = &p;
    assert_true(fabs(etsim_roofline_layer_s(&m, &g, 36) - 0.6e-3) < 1e-12);
    assert_true(fabs(etsim_roofline_layer_s(&m, &g, 100) - a100 * 1e-3 / a64) < 1e-12);
    /* decode attention: bilinear inside, not covered outside */
    assert_int_equal(etsim_measured_decode_s(&p, &m, 150, 4.5, &s), 1);
    assert_true(fabs(s - 0.5 * (0.045 + 0.09) * 1e-3) < 1e-12);
    assert_int_equal(etsim_measured_decode_s(&p, &m, 250, 4, &s), 0);
    assert_int_equal(etsim_measured_decode_s(&p, &m, 150, 9, &s), 0);
    assert_int_equal(etsim_measured_decode_s(&p, &m2, 150, 4, &s), 0); /* TP-1 points only */
    etsim_measured_free(&p);
    /* a model of another shape is not covered */
    etsim_model_profile l34;
    assert_int_equal(etsim_model_profile_find("llemma-34b", &l34, &err), 0);
    assert_int_equal(etsim_measured_load(d, &p, &err), 0);
    assert_false(etsim_measured_matches(&p, &l34));
    assert_int_equal(etsim_measured_block_s(&p, &l34, 8, &s, &edge), 0);
    etsim_measured_free(&p);
}

static void expect_err(const etsim_err *err, const char *a, const char *b) {
    print_message("error: %s\n", err->msg);
    assert_non_null(strstr(err->msg, a));
    if (b) assert_non_null(strstr(err->msg, b));
    assert_null(strchr(err->msg, '\n'));
}

static void test_bad_input(void **state) {
    (void)state;
    char d[64], path[128];
    tmpdir(d, sizeof d);
    etsim_measured p;
    etsim_err err = {{0}};
    assert_int_equal(etsim_measured_load(d, &p, &err), -1); /* no mlp.csv */
    expect_err(&err, "no mlp.csv", NULL);
    const int tok[] = {1, 8}, tp2[] = {2, 2};
    const double ms[] = {0.1, 0.2};
    snprintf(path, sizeof path, "%s/mlp.csv", d);
    write_mlp(path, tok, tp2, ms, 2);
    assert_int_equal(etsim_measured_load(d, &p, &err), -1);
    expect_err(&err, "mlp.csv", "num_tensor_parallel_workers = 1");
    const int tp1[] = {1, 1};
    write_mlp(path, tok, tp1, ms, 2);
    snprintf(path, sizeof path, "%s/attention.csv", d);
    write_text(path, "num_tensor_parallel_workers,batch_size,prefill_chunk_size,kv_cache_size,"
                     "is_prefill,time_stats.attn_decode.median,time_stats.attn_prefill.median\n"
                     "1,4,0,512,False,0.05,\n1,1,64,512,True,,0.03\n1,8,0,512,False,fast,\n");
    assert_int_equal(etsim_measured_load(d, &p, &err), -1);
    expect_err(&err, "attention.csv: row 4, column 'time_stats.attn_decode.median'", "fast");
    write_text(path, "num_tensor_parallel_workers,batch_size,prefill_chunk_size,kv_cache_size,"
                     "is_prefill,time_stats.attn_decode.median\n1,4,0,512,False,0.05\n");
    assert_int_equal(etsim_measured_load(d, &p, &err), -1);
    expect_err(&err, "row 1: missing column 'time_stats.attn_prefill.median'", NULL);
    write_text(path, "num_tensor_parallel_workers,batch_size,prefill_chunk_size,kv_cache_size,"
                     "is_prefill,time_stats.attn_decode.median,time_stats.attn_prefill.median\n"
                     "1,4,0,512,False,0.05,\n1,1,64,512,True,,0.03\n");
    assert_int_equal(etsim_measured_load(d, &p, &err), 0);
    assert_int_equal(p.decode.n, 1);
    assert_int_equal(p.prefill.n, 1);
    etsim_measured_free(&p);
    /* a TP degree that does not divide the heads */
    etsim_model_profile m, s;
    mistral(&m);
    assert_int_equal(etsim_model_shard(&m, 3, "tp", &s, &err), -1);
    expect_err(&err, "tp: tensor-parallel degree 3 does not divide the 32 attention heads", NULL);
    assert_int_equal(etsim_model_shard(&m, 16, "tp", &s, &err), 0); /* 8 KV heads replicated */
    assert_int_equal(s.kv_heads, 1);
    assert_int_equal(s.heads, 2);
}

/* Every other token count held out of each vidur table (every TP). */
static void test_held_out(void **state) {
    (void)state;
    if (!have_shared()) TEST_SKIP("../shared/data/gpu/vidur absent (set ETSIM_SHARED_DIR)");
    etsim_calib_data d;
    etsim_err err = {{0}};
    assert_int_equal(etsim_calib_load(vidur, &d, &err), 0);
    double worst = 0;
    for (int32_t p = 0; p < d.n_pairs; p++) {
        const etsim_calib_pair *pr = &d.pairs[p];
        for (int32_t k = -1; k < pr->n_tp; k++) {
            const etsim_vidur_mlp *t = k < 0 ? &pr->mlp : &pr->tp_mlp[k];
            int32_t tp = k < 0 ? 1 : pr->tp[k];
            etsim_vidur_mlp half = *t;
            half.rows = calloc((size_t)t->n, sizeof *half.rows);
            half.n = 0;
            for (int32_t i = 0; i < t->n; i += 2) half.rows[half.n++] = t->rows[i];
            etsim_measured ms;
            etsim_measured_from_mlp(&ms, &half);
            ms.tp[0] = tp;
            etsim_model_profile full, m;
            etsim_calib_block_model(&pr->mlp, &full);
            assert_int_equal(etsim_model_shard(&full, tp, "tp", &m, &err), 0);
            double sum = 0, s = 0, edge = 0;
            int32_t cnt = 0;
            for (int32_t i = 1; i < t->n; i += 2) {
                int r = etsim_measured_block_s(&ms, &m, t->rows[i].tokens, &s, &edge);
                if (r != 1) continue; /* past the last kept row */
                sum += fabs(s * 1e3 / t->rows[i].total_ms - 1.0);
                cnt++;
            }
            double mape = 100.0 * sum / cnt;
            print_message("%s %-26s TP %d: %d held-out rows, MAPE %.2f%%\n", pr->family,
                          pr->model, tp, cnt, mape);
            assert_true(cnt > 100);
            assert_true(mape <= 3.0);
            if (mape > worst) worst = mape;
            etsim_measured_free(&ms);
        }
    }
    print_message("worst held-out MAPE %.2f%%\n", worst);
    etsim_calib_free(&d);
}

/* The analytic model of one GPU's shard against vidur's TP rows. */
static void test_tp_rows(void **state) {
    (void)state;
    if (!have_shared()) TEST_SKIP("../shared/data/gpu/vidur absent (set ETSIM_SHARED_DIR)");
    etsim_calib_data d;
    etsim_err err = {{0}};
    assert_int_equal(etsim_calib_load(vidur, &d, &err), 0);
    for (int32_t p = 0; p < d.n_pairs; p++) {
        const etsim_calib_pair *pr = &d.pairs[p];
        etsim_gpu_profile g;
        assert_int_equal(etsim_gpu_profile_find(etsim_calib_family_gpu(pr->family), &g, &err), 0);
        assert_int_equal(pr->n_tp, 3);
        for (int32_t k = 0; k < pr->n_tp; k++) {
            double mape = 0;
            int32_t n = etsim_calib_mlp_mape_tp(&pr->mlp, &pr->tp_mlp[k], pr->tp[k], &g, &mape,
                                                NULL, NULL);
            print_message("%s %-26s TP %d: %d rows, MAPE %.2f%%\n", pr->family, pr->model,
                          pr->tp[k], n, mape);
            /* every profiled token count 1-4,096 of that degree, not powers of two */
            int32_t want = 0;
            for (int32_t i = 0; i < pr->tp_mlp[k].n; i++)
                want += pr->tp_mlp[k].rows[i].tokens <= 4096;
            assert_int_equal(n, want);
            assert_true(n > 200);
            /* the target, on every GPU, model and degree (stream-K
               schedules of the small sharded GEMMs, gpu_model/README.md) */
            assert_true(mape <= 8.0);
        }
    }
    etsim_calib_free(&d);
}

/* All-reduce: none at TP 1, ring volume over the link beyond. */
static void test_allreduce(void **state) {
    (void)state;
    etsim_gpu_profile g;
    etsim_err err = {{0}};
    assert_int_equal(etsim_gpu_profile_find("h100-sxm", &g, &err), 0);
    assert_true(etsim_roofline_allreduce_s(&g, 1e6, 1) == 0);
    double t = etsim_roofline_allreduce_s(&g, 1e6, 4);
    assert_true(fabs(t - (g.allreduce_s + 1.5e6 / (g.eff_interconnect * 450e9))) < 1e-15);
    etsim_model_profile m, s;
    assert_int_equal(etsim_model_profile_find("llemma-34b", &m, &err), 0);
    assert_int_equal(etsim_model_shard(&m, 4, "tp", &s, &err), 0);
    /* a shard's weights and KV are a quarter (norms replicated) */
    assert_true(s.kv_bytes_per_token * 4 == m.kv_bytes_per_token);
    assert_true(s.weight_bytes * 4 > m.weight_bytes && s.weight_bytes * 4 < 1.001 * m.weight_bytes);
    double t1 = etsim_roofline_linear_s(&m, &g, 256, 256), t4 = etsim_roofline_linear_s(&s, &g, 256, 256);
    print_message("llemma-34b, 256 tokens: TP 1 %.2f ms, TP 4 %.2f ms\n", t1 * 1e3, t4 * 1e3);
    assert_true(t4 < t1 / 2 && t4 > t1 / 4);
}

int main(void) {
    const char *shared = getenv("ETSIM_SHARED_DIR");
    snprintf(vidur, sizeof vidur, "%s/data/gpu/vidur", shared && shared[0] ? shared : "../shared");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interpolation), cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_held_out),      cmocka_unit_test(test_tp_rows),
        cmocka_unit_test(test_allreduce),
    };
    return test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
