/* roofline.c -- the iteration model (see roofline.h and gpu_model/README.md).
 * Pure functions of the profiles and the iteration shape, so the
 * discrete-event simulation, `etsim gpu iter` and the calibration report
 * agree.
 *
 * Each GEMM is tiles over the SMs: ceil(n / m) x ceil(N / n_t) output
 * tiles run in ceil(tiles / SMs) waves, each as long as one full tile, so
 * the time steps where the token count crosses a tile or wave boundary,
 * as measured GEMM times do. The kernel picks the fastest of the GPU's
 * tile shapes (as cuBLAS' heuristics roughly do); the weight stream
 * bounds it below, the two joined by a p-norm smooth maximum. */
#include "gpu_model/roofline.h"

#include <math.h>
#include <string.h>

double etsim_roofline_pnorm(double x, double y, double p) {
    double hi = x > y ? x : y, lo = x > y ? y : x;
    if (hi <= 0) return 0;
    /* hi (1 + (lo/hi)^p)^(1/p): no overflow for large p */
    return hi * pow(1.0 + pow(lo / hi, p), 1.0 / p);
}

double etsim_roofline_gemm_s(const etsim_gpu_profile *g, double n, double N, double K,
                             double dtype_bytes) {
    if (n <= 0 || N <= 0 || K <= 0) return 0;
    /* weights once, activations in and out */
    double t_mem = (N * K + n * K + n * N) * dtype_bytes /
                   (g->eff_weight_bw * g->bandwidth_bytes_per_s);
    if (g->sm_count <= 0 || g->n_tiles <= 0) {
        double t_cmp = 2.0 * n * N * K / (g->eff_compute * g->bf16_flops_per_s);
        return etsim_roofline_pnorm(t_mem, t_cmp, g->smooth_p) + g->gemm_kernel_s;
    }
    double sm_flops = g->bf16_flops_per_s / g->sm_count, best = INFINITY;
    for (int32_t i = 0; i < g->n_tiles; i++) {
        const etsim_gemm_tile *t = &g->gemm_tiles[i];
        double tiles = ceil(n / t->m) * ceil(N / t->n);
        double waves = ceil(tiles / g->sm_count);
        double t_cmp = waves * 2.0 * t->m * t->n * K / (t->eff * sm_flops);
        double tt = etsim_roofline_pnorm(t_mem, t_cmp, g->smooth_p);
        if (tt < best) best = tt;
    }
    return best + g->gemm_kernel_s;
}

double etsim_roofline_layer_gemm_s(const etsim_model_profile *m, const etsim_gpu_profile *g,
                                   double tokens) {
    if (tokens <= 0) return 0;
    double h = m->hidden, q = (double)m->heads * m->head_dim,
           kv = (double)m->kv_heads * m->head_dim, f = m->ffn, dt = m->dtype_bytes;
    return etsim_roofline_gemm_s(g, tokens, q + 2.0 * kv, h, dt) +       /* qkv      */
           etsim_roofline_gemm_s(g, tokens, h, q, dt) +                  /* o        */
           etsim_roofline_gemm_s(g, tokens, (m->gated_mlp ? 2.0 : 1.0) * f, h, dt) + /* (gate+)up */
           etsim_roofline_gemm_s(g, tokens, h, f, dt);                   /* down     */
}

double etsim_roofline_layer_elementwise_s(const etsim_model_profile *m,
                                          const etsim_gpu_profile *g, double tokens) {
    if (tokens <= 0) return 0;
    return m->elementwise_kernels * g->elementwise_kernel_s +
           tokens * m->elementwise_bytes_per_token /
               (g->eff_elementwise_bw * g->bandwidth_bytes_per_s);
}

double etsim_roofline_layer_s(const etsim_model_profile *m, const etsim_gpu_profile *g,
                              double tokens) {
    if (tokens <= 0) return 0;
    return etsim_roofline_layer_gemm_s(m, g, tokens) +
           etsim_roofline_layer_elementwise_s(m, g, tokens) + g->layer_fixed_s;
}

double etsim_roofline_linear_s(const etsim_model_profile *m, const etsim_gpu_profile *g,
                               double tokens, double logits) {
    if (tokens <= 0) return 0;
    double t = m->layers * etsim_roofline_layer_s(m, g, tokens);
    if (!m->encoder_only && logits > 0)
        t += etsim_roofline_gemm_s(g, logits, m->vocab, m->hidden, m->dtype_bytes);
    return t;
}

/* Prefill attention of one layer-stack: `ctx_pairs` query-key pairs
 * against cached KV, `causal_pairs` inside the new chunk. FlashAttention
 * runs one thread block per (request, head, 128 query rows); fewer blocks
 * than SMs, or a last wave part full, leave SMs idle. */
static double prefill_attn_s(const etsim_model_profile *m, const etsim_gpu_profile *g,
                             const etsim_iter_shape *sh) {
    if (sh->prefill_tokens <= 0 || sh->prefill_reqs <= 0) return 0;
    double causal = sh->prefill_causal_pairs;
    double ctx = sh->prefill_pairs - causal;
    if (ctx < 0) ctx = 0;
    double work = m->attn_flops_per_ctx_token * (ctx + g->attn_causal_work * causal);
    double idle = 1.0;
    if (g->attn_kernel == ETSIM_ATTN_FLASHATTENTION && g->sm_count > 0) {
        double per_req = sh->prefill_tokens / sh->prefill_reqs;
        double blocks = ceil(per_req / 128.0) * sh->prefill_reqs * m->heads;
        idle = ceil(blocks / g->sm_count) * g->sm_count / blocks;
    }
    double t_cmp = work * idle / (g->eff_attn_compute * g->bf16_flops_per_s);
    double t_mem = sh->prefill_ctx_tokens * m->kv_bytes_per_token /
                   (g->eff_attn_bw * g->bandwidth_bytes_per_s);
    return m->layers * (g->attn_kernel_s + g->attn_per_req_s * sh->prefill_reqs) +
           (t_cmp > t_mem ? t_cmp : t_mem);
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

    double kv_read = (1.0 - sharing) * sh->decode_ctx_sum + sharing * sh->decode_ctx_union;
    out->kv_read_bytes = kv_read * m->kv_bytes_per_token;
    double t_decode = 0;
    if (sh->decode_reqs > 0)
        t_decode = m->layers * (g->attn_kernel_s + g->attn_per_req_s * sh->decode_reqs) +
                   out->kv_read_bytes / (g->eff_attn_bw * g->bandwidth_bytes_per_s);
    double pf_flops = m->attn_flops_per_ctx_token * sh->prefill_pairs;
    out->attention_s = t_decode + prefill_attn_s(m, g, sh);
    out->attention_flops = m->attn_flops_per_ctx_token * sh->decode_ctx_sum + pf_flops;

    out->overhead_s = g->iter_overhead_s + g->iter_overhead_per_req_s * reqs;
    out->total_s = out->linear_s + out->attention_s + out->overhead_s;
}
