/* fuzz_profiles.c -- libFuzzer target for GPU and model profiles
 * (gpu_model/profiles.h, user files given by --gpu-file, --policy-file,
 * ...): every input is parsed as both kinds. An accepted profile must hold
 * what the cost model divides by and multiplies with: positive, finite
 * constants and derived sizes. Crashes, sanitizer reports, a failure
 * without a message and an accepted profile with a non-finite or
 * non-positive constant are the findings. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "gpu_model/profiles.h"
#include "sim/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int positive(double v) {
    return isfinite(v) && v > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 8192) return 0;
    char *text = fuzz_cstr(data, size);
    etsim_err err = {{0}};
    etsim_gpu_profile g;
    if (etsim_gpu_profile_parse(text, "fuzz.json", &g, &err) < 0) {
        fuzz_check_err(&err);
    } else if (!positive(g.hbm_bytes) || !positive(g.bandwidth_bytes_per_s) ||
               !positive(g.bf16_flops_per_s) || !positive(g.eff_weight_bw) ||
               !positive(g.eff_compute) || !positive(g.eff_attn_bw) || !(g.smooth_p >= 1) ||
               !isfinite(g.smooth_p) || !(g.iter_overhead_s >= 0) || !g.name[0]) {
        abort();
    }
    etsim_model_profile m;
    memset(&err, 0, sizeof err);
    if (etsim_model_profile_parse(text, "fuzz.json", &m, &err) < 0) {
        fuzz_check_err(&err);
    } else if (!positive(m.params) || !positive(m.weight_bytes) || !(m.kv_bytes_per_token >= 0) ||
               !isfinite(m.kv_bytes_per_token) || !positive(m.linear_flops_per_token) ||
               !isfinite(m.attn_flops_per_ctx_token) || !m.name[0]) {
        abort();
    }
    free(text);
    return 0;
}
