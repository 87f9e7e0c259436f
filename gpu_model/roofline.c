/* roofline.c -- the smooth roofline iteration model (see roofline.h and
 * gpu_model/README.md). Pure functions of the profiles and the iteration
 * shape, so the discrete-event simulation and `etsim gpu iter` agree. */
#include "gpu_model/roofline.h"

#include <math.h>
#include <string.h>

double etsim_roofline_pnorm(double x, double y, double p) {
    double hi = x > y ? x : y, lo = x > y ? y : x;
    if (hi <= 0) return 0;
    /* hi (1 + (lo/hi)^p)^(1/p): no overflow for large p */
    return hi * pow(1.0 + pow(lo / hi, p), 1.0 / p);
}

double etsim_roofline_layer_s(const etsim_model_profile *m, const etsim_gpu_profile *g,
                              double tokens) {
    if (tokens <= 0) return 0;
    double w_bytes = m->layer_linear_params * m->dtype_bytes;
    double t_mem = w_bytes / (g->eff_weight_bw * g->bandwidth_bytes_per_s);
    double t_cmp = 2.0 * m->layer_linear_params * tokens / (g->eff_compute * g->bf16_flops_per_s);
    double t_elem = tokens * m->elementwise_bytes_per_token /
                    (g->eff_elementwise_bw * g->bandwidth_bytes_per_s);
    return etsim_roofline_pnorm(t_mem, t_cmp, g->smooth_p) + t_elem + g->layer_fixed_s;
}

double etsim_roofline_linear_s(const etsim_model_profile *m, const etsim_gpu_profile *g,
                               double tokens, double logits) {
    if (tokens <= 0) return 0;
    double t = m->layers * etsim_roofline_layer_s(m, g, tokens);
    if (!m->encoder_only && logits > 0) {
        double head = (double)m->vocab * m->hidden;
        double t_mem = head * m->dtype_bytes / (g->eff_weight_bw * g->bandwidth_bytes_per_s);
        double t_cmp = 2.0 * head * logits / (g->eff_compute * g->bf16_flops_per_s);
        t += etsim_roofline_pnorm(t_mem, t_cmp, g->smooth_p);
    }
    return t;
}

void etsim_roofline_iter(const etsim_model_profile *m, const etsim_gpu_profile *g,
                         const etsim_iter_shape *sh, double sharing, etsim_iter_terms *out) {
    memset(out, 0, sizeof *out);
    double tokens = sh->decode_reqs + sh->prefill_tokens;
    double reqs = sh->decode_reqs + sh->prefill_reqs;
    if (tokens <= 0 && reqs <= 0) return;
    double logits = sh->logits;
    out->linear_s = etsim_roofline_linear_s(m, g, tokens, logits);
    out->linear_flops = 2.0 * m->layers * m->layer_linear_params * tokens +
                        (m->encoder_only ? 0.0 : 2.0 * (double)m->vocab * m->hidden * logits);

    double bw_attn = g->eff_attn_bw * g->bandwidth_bytes_per_s;
    double kv_read = (1.0 - sharing) * sh->decode_ctx_sum + sharing * sh->decode_ctx_union;
    out->kv_read_bytes = kv_read * m->kv_bytes_per_token;
    double t_decode = out->kv_read_bytes / bw_attn;
    double pf_flops = m->attn_flops_per_ctx_token * sh->prefill_pairs;
    double t_prefill = etsim_roofline_pnorm(
        pf_flops / (g->eff_attn_compute * g->bf16_flops_per_s),
        sh->prefill_ctx_tokens * m->kv_bytes_per_token / bw_attn, g->smooth_p);
    out->attention_s = t_decode + t_prefill;
    out->attention_flops = m->attn_flops_per_ctx_token * sh->decode_ctx_sum + pf_flops;

    out->overhead_s = g->iter_overhead_s + g->iter_overhead_per_req_s * reqs;
    out->total_s = out->linear_s + out->attention_s + out->overhead_s;
}
