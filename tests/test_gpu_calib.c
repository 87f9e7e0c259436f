/* test_gpu_calib.c -- the shipped GPU constants against the measured
 * vidur profiles in ../shared/data/gpu/vidur/ (provenance:
 * ../shared/data/MANIFEST.json; microsoft/vidur
 * data/profiling/compute/{a100,h100}/.../mlp.csv at 7d47513, and the A100
 * Llama-2-7B attention.csv copy): EVERY profiled token count 1-4,096 of
 * every pair, one decoder block, TP 1, within 5% MAPE; attention within
 * 20% MAPE, decode and prefill separately; the time steps where the
 * measured time steps. Exits 77 (skipped) when ../shared is absent. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "gpu_model/calib.h"
#include "gpu_model/roofline.h"

static char dir[4096];

static void builtin(const char *family, etsim_gpu_profile *g) {
    etsim_err err = {{0}};
    assert_int_equal(etsim_gpu_profile_find(etsim_calib_family_gpu(family), g, &err), 0);
}

static void test_every_token_count(void **state) {
    (void)state;
    etsim_calib_data d;
    etsim_err err = {{0}};
    assert_int_equal(etsim_calib_load(dir, &d, &err), 0);
    assert_int_equal(d.n_pairs, 7); /* H100 x 3, A100 x 4 */
    for (int32_t p = 0; p < d.n_pairs; p++) {
        const etsim_calib_pair *pr = &d.pairs[p];
        etsim_gpu_profile g;
        builtin(pr->family, &g);
        int32_t want = 0;
        for (int32_t i = 0; i < pr->mlp.n; i++) want += pr->mlp.rows[i].tokens <= 4096;
        double mape, mid, worst;
        int32_t wn;
        int32_t n = etsim_calib_mlp_mape(&pr->mlp, &g, 1, 4096, &mape, &worst, &wn);
        etsim_calib_mlp_mape(&pr->mlp, &g, 128, 1024, &mid, NULL, NULL);
        print_message("%s %-28s %3d counts  MAPE %.2f%%  128-1024 %.2f%%  worst %+.1f%% at %d\n",
                      pr->family, pr->model, n, mape, mid, worst, wn);
        assert_int_equal(n, want);
        assert_true(n >= 250); /* every profiled count, not ten powers of two */
        assert_true(mape <= 5.0);
    }
    etsim_calib_free(&d);
}

static void test_attention(void **state) {
    (void)state;
    etsim_calib_data d;
    etsim_err err = {{0}};
    assert_int_equal(etsim_calib_load(dir, &d, &err), 0);
    assert_true(d.has_attn);
    etsim_gpu_profile g;
    builtin(d.attn_family, &g);
    double dec, pre;
    etsim_calib_attn_mape(&d, &g, &dec, &pre);
    print_message("attention MAPE: decode %.2f%%, prefill %.2f%%\n", dec, pre);
    assert_true(dec <= 20.0);
    assert_true(pre <= 20.0);
    etsim_calib_free(&d);
}

/* The measured H100 CodeLlama-34B block time jumps from 512 to 520 tokens
 * (1.11 -> 1.68 ms: a new row of tiles and a second wave); a smooth
 * roofline moves by 1.6% there. The model must step too. */
static void test_step_at_wave_boundary(void **state) {
    (void)state;
    etsim_calib_data d;
    etsim_err err = {{0}};
    assert_int_equal(etsim_calib_load(dir, &d, &err), 0);
    const etsim_calib_pair *pr = NULL;
    for (int32_t p = 0; p < d.n_pairs; p++)
        if (!strcmp(d.pairs[p].family, "h100") &&
            !strcmp(d.pairs[p].model, "CodeLlama-34b-Instruct-hf"))
            pr = &d.pairs[p];
    assert_non_null(pr);
    etsim_gpu_profile g;
    builtin("h100", &g);
    etsim_model_profile m;
    etsim_calib_block_model(&pr->mlp, &m);
    double a = etsim_roofline_layer_s(&m, &g, 512), b = etsim_roofline_layer_s(&m, &g, 520);
    print_message("model 512 -> 520 tokens: %.3f -> %.3f ms\n", a * 1e3, b * 1e3);
    assert_true(b > 1.15 * a);
    etsim_calib_free(&d);
}

int main(void) {
    const char *shared = getenv("ETSIM_SHARED_DIR");
    snprintf(dir, sizeof dir, "%s/data/gpu/vidur", shared && shared[0] ? shared : "../shared");
    struct stat st;
    if (stat(dir, &st) != 0) {
        printf("SKIP test_gpu_calib: %s absent (set ETSIM_SHARED_DIR to the shared data)\n", dir);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_token_count),
        cmocka_unit_test(test_attention),
        cmocka_unit_test(test_step_at_wave_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
