/* test_gpu_profiles.c -- built-in profiles, derived model quantities
 * against the published figures in ../shared/reference/
 * hardware_and_models.md, name lookup, user files and bad input. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_skip.h"

#include "gpu_model/profiles.h"
#include "gpu_model/profiles_data.h"

static etsim_model_profile model(const char *name) {
    etsim_model_profile m;
    etsim_err err = {{0}};
    assert_int_equal(etsim_model_profile_find(name, &m, &err), 0);
    return m;
}

static void test_derived_shapes(void **state) {
    (void)state;
    /* KV bytes/token = 2 x layers x kv_heads x head_dim x 2 (the table's values) */
    etsim_model_profile m = model("llemma-34b");
    assert_true(m.kv_bytes_per_token == 196608.0);
    assert_true(fabs(m.params - 33.7e9) / 33.7e9 < 0.005);
    assert_true(m.weight_bytes == 2.0 * m.params);
    /* per layer: q 8192^2 + k,v 2 x 8192 x 1024 + o 8192^2 + MLP 3 x 8192 x 22016 */
    assert_true(m.layer_linear_params == 8192.0 * 8192 * 2 + 2.0 * 8192 * 1024 + 3.0 * 8192 * 22016);
    assert_true(m.linear_flops_per_token == 2.0 * (48 * m.layer_linear_params + 32000.0 * 8192));
    m = model("llemma-7b");
    assert_true(m.kv_bytes_per_token == 524288.0);
    assert_true(fabs(m.params - 6.74e9) / 6.74e9 < 0.005);
    m = model("mistral-7b");
    assert_true(m.kv_bytes_per_token == 131072.0);
    assert_true(fabs(m.params - 7.24e9) / 7.24e9 < 0.005);
    m = model("math-shepherd-mistral-7b");
    assert_true(m.kv_bytes_per_token == 131072.0);
    m = model("math-bert");
    assert_true(m.encoder_only && m.kv_bytes_per_token == 0 && m.lm_head_params == 0);
    assert_true(fabs(m.params - 110e6) / 110e6 < 0.05);
}

static void test_builtin_gpus(void **state) {
    (void)state;
    etsim_gpu_profile *g = NULL;
    int32_t n = 0;
    etsim_err err = {{0}};
    assert_int_equal(etsim_gpu_profiles_builtin(&g, &n, &err), 0);
    assert_int_equal(n, 5);
    const char *want[] = {"h100-sxm", "h100-nvl", "h100-pcie", "h200", "a100-80gb"};
    const double bw[] = {3.35e12, 3.9e12, 2.0e12, 4.8e12, 2.039e12};
    for (int i = 0; i < 5; i++) {
        assert_string_equal(g[i].name, want[i]);
        assert_true(g[i].bandwidth_bytes_per_s == bw[i]);
        /* every built-in has the tile model and fitted constants in range */
        assert_true(g[i].sm_count >= 100 && g[i].n_tiles >= 1);
        assert_true(g[i].eff_weight_bw > 0 && g[i].eff_weight_bw <= 1);
    }
    free(g);
    etsim_gpu_profile h;
    assert_int_equal(etsim_gpu_profile_find("H100", &h, &err), 0); /* alias, any case */
    assert_string_equal(h.name, "h100-sxm");
    assert_true(h.bf16_flops_per_s == 989e12);
    assert_int_equal(h.sm_count, 132);
    assert_int_equal(h.gemm_tiles[0].m, 128);
    assert_int_equal(h.gemm_tiles[0].n, 256);
    assert_int_equal(etsim_gpu_profile_find("h100-pcie", &h, &err), 0);
    assert_int_equal(h.sm_count, 114);
    assert_int_equal(etsim_gpu_profile_find("a100", &h, &err), 0);
    assert_int_equal(h.sm_count, 108);
}

static void test_unknown_names(void **state) {
    (void)state;
    etsim_err err = {{0}};
    etsim_gpu_profile g;
    etsim_model_profile m;
    assert_int_equal(etsim_gpu_profile_find("b200", &g, &err), -1);
    assert_non_null(strstr(err.msg, "unknown GPU 'b200'"));
    assert_non_null(strstr(err.msg, "h100-nvl"));
    assert_int_equal(etsim_model_profile_find("llama-70b", &m, &err), -1);
    assert_non_null(strstr(err.msg, "llemma-34b"));
    assert_non_null(strstr(err.msg, "math-bert"));
}

static void expect_gpu_error(const char *json, const char *needle) {
    etsim_gpu_profile g;
    etsim_err err = {{0}};
    assert_int_equal(etsim_gpu_profile_parse(json, "user.json", &g, &err), -1);
    if (!strstr(err.msg, needle)) fail_msg("error '%s' lacks '%s'", err.msg, needle);
    assert_non_null(strstr(err.msg, "user.json"));
}

static void expect_model_error(const char *json, const char *needle) {
    etsim_model_profile m;
    etsim_err err = {{0}};
    assert_int_equal(etsim_model_profile_parse(json, "m.json", &m, &err), -1);
    if (!strstr(err.msg, needle)) fail_msg("error '%s' lacks '%s'", err.msg, needle);
}

static void test_user_profiles(void **state) {
    (void)state;
    etsim_gpu_profile g;
    etsim_err err = {{0}};
    assert_int_equal(etsim_gpu_profile_parse(
        "{\"name\":\"toy\",\"hbm_bytes\":1e10,\"bandwidth_bytes_per_s\":1e12,"
        "\"bf16_flops_per_s\":1e14,\"eff_compute\":0.5,\"iter_overhead_s\":0}", "u", &g, &err), 0);
    assert_true(g.eff_compute == 0.5 && g.eff_weight_bw == 0.86 && g.iter_overhead_s == 0);
    expect_gpu_error("{\"name\":\"x\",\"hbm_bytes\":1e10,\"bandwidth_bytes_per_s\":0,"
                     "\"bf16_flops_per_s\":1e14}", "bandwidth_bytes_per_s");
    expect_gpu_error("{\"name\":\"x\",\"hbm_bytes\":-5,\"bandwidth_bytes_per_s\":1,"
                     "\"bf16_flops_per_s\":1e14}", "hbm_bytes");
    expect_gpu_error("{\"name\":\"x\",\"hbm_bytes\":1e10,\"bandwidth_bytes_per_s\":1e12,"
                     "\"bf16_flops_per_s\":1e14,\"eff_compute\":1.5}", "eff_compute");
    expect_gpu_error("{\"name\":\"x\",\"hbm_bytes\":1e10,\"bandwidth_bytes_per_s\":1e12,"
                     "\"bf16_flops_per_s\":1e14,\"iter_overhead_s\":-1}", "iter_overhead_s");
    expect_gpu_error("{\"name\":\"x\",\"hbm_byte\":1e10,\"bandwidth_bytes_per_s\":1e12,"
                     "\"bf16_flops_per_s\":1e14}", "unknown field 'hbm_byte'");
    expect_gpu_error("{\"name\":\"x\",\"bandwidth_bytes_per_s\":1e12,\"bf16_flops_per_s\":1e14}",
                     "missing field 'hbm_bytes'");
    expect_gpu_error("{\"name\":\"x\",", "invalid JSON");
    expect_gpu_error("{\"name\":\"x\",\"hbm_bytes\":\"80GB\",\"bandwidth_bytes_per_s\":1e12,"
                     "\"bf16_flops_per_s\":1e14}", "must be a number");

    const char *ok = "{\"name\":\"tiny\",\"layers\":2,\"hidden\":64,\"heads\":4,\"kv_heads\":2,"
                     "\"head_dim\":16,\"ffn\":128,\"vocab\":100,\"gated_mlp\":true,\"dtype_bytes\":2}";
    etsim_model_profile m;
    assert_int_equal(etsim_model_profile_parse(ok, "m.json", &m, &err), 0);
    assert_true(m.kv_bytes_per_token == 2.0 * 2 * 2 * 16 * 2);
    /* 2 x (q 64x64 + kv 2x64x32 + o 64x64 + 3x64x128 + norms 128) + emb + head + final norm */
    assert_true(m.params == 2.0 * (4096 + 4096 + 4096 + 24576 + 128) + 6400 + 6400 + 64);
    expect_model_error("{\"name\":\"t\",\"layers\":0,\"hidden\":64,\"heads\":4,\"kv_heads\":2,"
                       "\"head_dim\":16,\"ffn\":128,\"vocab\":100,\"gated_mlp\":true,"
                       "\"dtype_bytes\":2}", "layers");
    expect_model_error("{\"name\":\"t\",\"layers\":2,\"hidden\":64,\"heads\":4,\"kv_heads\":3,"
                       "\"head_dim\":16,\"ffn\":128,\"vocab\":100,\"gated_mlp\":true,"
                       "\"dtype_bytes\":2}", "multiple of kv_heads");
    expect_model_error("{\"name\":\"t\",\"layers\":2.5,\"hidden\":64,\"heads\":4,\"kv_heads\":2,"
                       "\"head_dim\":16,\"ffn\":128,\"vocab\":100,\"gated_mlp\":true,"
                       "\"dtype_bytes\":2}", "integer");
    expect_model_error("{\"name\":\"t\",\"layers\":2,\"hidden\":64,\"heads\":4,\"kv_heads\":2,"
                       "\"head_dim\":16,\"ffn\":128,\"vocab\":100,\"dtype_bytes\":2}",
                       "missing field 'gated_mlp'");
    expect_model_error("{\"name\":\"t\",\"layers\":2,\"hidden\":64,\"heads\":4,\"kv_heads\":2,"
                       "\"head_dim\":16,\"ffn\":128,\"vocab\":100,\"gated_mlp\":1,"
                       "\"dtype_bytes\":2}", "true or false");
}

static void test_load_file(void **state) {
    (void)state;
    char path[] = "/tmp/etsim_gpu_profile_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs("{\"name\":\"lab-gpu\",\"hbm_bytes\":4e10,\"bandwidth_bytes_per_s\":1.5e12,"
          "\"bf16_flops_per_s\":3e14}", fp);
    fclose(fp);
    etsim_gpu_profile g;
    etsim_err err = {{0}};
    assert_int_equal(etsim_gpu_profile_load(path, &g, &err), 0);
    assert_string_equal(g.name, "lab-gpu");
    remove(path);
    assert_int_equal(etsim_gpu_profile_load(path, &g, &err), -1); /* gone */
}

/* The embedded copy must be the data files, byte for byte. */
static void test_embedded_matches_files(void **state) {
    (void)state;
    const char *src = getenv("ETSIM_SOURCE_DIR");
    if (!src) TEST_SKIP("ETSIM_SOURCE_DIR unset (the check reads gpu_model/profiles/)");
    const char *files[] = {"gpus.json", "models.json"};
    const char *emb[] = {etsim_profiles_gpus_json, etsim_profiles_models_json};
    for (int i = 0; i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/gpu_model/profiles/%s", src, files[i]);
        size_t len = 0;
        etsim_err err = {{0}};
        char *text = etsim_read_file(path, &len, &err);
        assert_non_null(text);
        if (strcmp(text, emb[i]))
            fail_msg("%s differs from profiles_data.c: run gpu_model/profiles/embed.sh", path);
        free(text);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derived_shapes),   cmocka_unit_test(test_builtin_gpus),
        cmocka_unit_test(test_unknown_names),    cmocka_unit_test(test_user_profiles),
        cmocka_unit_test(test_load_file),        cmocka_unit_test(test_embedded_matches_files),
    };
    return test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
