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
 * bounds it below, the two joined by a p-norm smooth maximum. A grid of
 * fewer tiles than SMs, or with a ragged last wave, may instead run
 * stream-K (the K loops cut into slices dealt evenly to the SMs, at a
 * fitted efficiency penalty), as cuBLAS does for small sharded GEMMs. */
#include "gpu_model/roofline.h"

#include "gpu_model/measured.h"

#include <math.h>
#include <string.h>

double etsim_roofline_pnorm(double x, double y, double p) {
    double hi = x > y ? x : y, lo = x > y ? y : x;
    if (hi <= 0) return 0;
    /* hi (1 + (lo/hi)^p)^(1/p): no overflow for large p */
    return hi * pow(1.0 + pow(lo / hi, p), 1.0 / p);
}

/* One GEMM; adds the time to *cmp when the wave (compute) term is the
 * larger of the two the p-norm joins. */
static double gemm_t(const etsim_gpu_profile *g, double n, double N, double K, double dtype_bytes,
                     double *cmp) {
    if (n <= 0 || N <= 0 || K <= 0) return 0;
    /* weights once, activations in and out */
    double t_mem = (N * K + n * K + n * N) * dtype_bytes /
                   (g->eff_weight_bw * g->bandwidth_bytes_per_s);
    double best = INFINITY, best_cmp = 0;
    if (g->sm_count <= 0 || g->n_tiles <= 0) {
        best_cmp = 2.0 * n * N * K / (g->eff_compute * g->bf16_flops_per_s);
        best = etsim_roofline_pnorm(t_mem, best_cmp, g->smooth_p);
    } else {
        double sm_flops = g->bf16_flops_per_s / g->sm_count;
        for (int32_t i = 0; i < g->n_tiles; i++) {
            const etsim_gemm_tile *t = &g->gemm_tiles[i];
            double tiles = ceil(n / t->m) * ceil(N / t->n);
            double waves = ceil(tiles / g->sm_count);
            double t_cmp = waves * 2.0 * t->m * t->n * K / (t->eff * sm_flops);
            if (g->streamk_eff > 0 && g->streamk_k > 0) {
                /* stream-K: tiles x ceil(K / k) slices dealt evenly to the
                   SMs; slower per slice, so whole waves stay data-parallel */
                double kd = g->streamk_k, slices = tiles * ceil(K / kd);
                double t_sk = ceil(slices / g->sm_count) * 2.0 * t->m * t->n * kd /
                              (g->streamk_eff * t->eff * sm_flops);
                if (t_sk < t_cmp) t_cmp = t_sk;
            }
            double tt = etsim_roofline_pnorm(t_mem, t_cmp, g->smooth_p);
            if (tt < best) best = tt, best_cmp = t_cmp;
        }
    }
    if (cmp && best_cmp > t_mem) *cmp += best;
    return best + g->gemm_kernel_s;
}

double etsim_roofline_gemm_s(const etsim_gpu_profile *g, double n, double N, double K,
                             double dtype_bytes) {
    return gemm_t(g, n, N, K, dtype_bytes, NULL);
}

static double layer_gemm_t(const etsim_model_profile *m, const etsim_gpu_profile *g,
                           double tokens, double *cmp) {
    if (tokens <= 0) return 0;
    double h = m->hidden, q = (double)m->heads * m->head_dim,
           kv = (double)m->kv_heads * m->head_dim, f = m->ffn, dt = m->dtype_bytes;
    return gemm_t(g, tokens, q + 2.0 * kv, h, dt, cmp) +                        /* qkv      */
           gemm_t(g, tokens, h, q, dt, cmp) +                                   /* o        */
           gemm_t(g, tokens, (m->gated_mlp ? 2.0 : 1.0) * f, h, dt, cmp) +      /* (gate+)up */
           gemm_t(g, tokens, h, f, dt, cmp);                                    /* down     */
}

double etsim_roofline_layer_gemm_s(const etsim_model_profile *m, const etsim_gpu_profile *g,
                                   double tokens) {
    return layer_gemm_t(m, g, tokens, NULL);
}

double etsim_roofline_layer_elementwise_s(const etsim_model_profile *m,
                                          const etsim_gpu_profile *g, double tokens) {
    if (tokens <= 0) return 0;
    return m->elementwise_kernels * g->elementwise_kernel_s +
           tokens * m->elementwise_bytes_per_token /
               (g->eff_elementwise_bw * g->bandwidth_bytes_per_s);
}

/* The analytic block (no measured profile); compute-bound GEMM time to *cmp. */
static double layer_analytic(const etsim_model_profile *m, const etsim_gpu_profile *g,
                             double tokens, double *cmp) {
    if (tokens <= 0) return 0;
    return layer_gemm_t(m, g, tokens, cmp) + etsim_roofline_layer_elementwise_s(m, g, tokens) +
           g->layer_fixed_s;
}

/* The block, measured where the profile covers it: inside its token range
 * interpolated; outside, the analytic time scaled by measured / analytic
 * at the nearest measured token count. *cmp scales with it. */
static double layer_t(const etsim_model_profile *m, const etsim_gpu_profile *g, double tokens,
                      double *cmp) {
    double c = 0, a = layer_analytic(m, g, tokens, &c), s = 0, edge = 0;
    int r = g->measured && tokens > 0 ? etsim_measured_block_s(g->measured, m, tokens, &s, &edge)
                                      : 0;
    double t = a;
    if (r == 1) t = s;
    else if (r == 2) {
        double ae = layer_analytic(m, g, edge, NULL);
        if (ae > 0) t = a * s / ae;
    }
    if (cmp && a > 0) *cmp += c * t / a;
    return t;
}

double etsim_roofline_layer_s(const etsim_model_profile *m, const etsim_gpu_profile *g,
                              double tokens) {
    return layer_t(m, g, tokens, NULL);
}

double etsim_roofline_allreduce_s(const etsim_gpu_profile *g, double bytes, int32_t tp) {
    if (tp <= 1 || bytes <= 0) return 0;
    double t = g->allreduce_s;
    if (g->interconnect_bytes_per_s > 0)
        t += 2.0 * (tp - 1) / tp * bytes / (g->eff_interconnect * g->interconnect_bytes_per_s);
    return t;
}

static double linear_t(const etsim_model_profile *m, const etsim_gpu_profile *g, double tokens,
                       double logits, double *cmp) {
    if (tokens <= 0) return 0;
    /* a shard's two all-reduces per layer (after o and after down) */
    double ar = 2.0 * etsim_roofline_allreduce_s(g, tokens * m->hidden * m->dtype_bytes, m->tp);
    double t = m->layers * (layer_t(m, g, tokens, cmp) + ar);
    if (cmp) *cmp *= m->layers;
    if (!m->encoder_only && logits > 0)
        t += gemm_t(g, logits, m->vocab, m->hidden, m->dtype_bytes, cmp);
    return t;
}

double etsim_roofline_linear_s(const etsim_model_profile *m, const etsim_gpu_profile *g,
                               double tokens, double logits) {
    return linear_t(m, g, tokens, logits, NULL);
}

/* Prefill attention of one layer-stack: `ctx_pairs` query-key pairs
 * against cached KV, `causal_pairs` inside the new chunk. FlashAttention
 * runs one thread block per (request, head, 128 query rows); fewer blocks
 * than SMs, or a last wave part full, leave SMs idle. *compute is set
 * when the compute term exceeds the KV read. */
static double prefill_analytic(const etsim_model_profile *m, const etsim_gpu_profile *g,
                               const etsim_iter_shape *sh, int *compute) {
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
    if (compute) *compute = t_cmp > t_mem;
    return m->layers * (g->attn_kernel_s + g->attn_per_req_s * sh->prefill_reqs) +
           (t_cmp > t_mem ? t_cmp : t_mem);
}

/* One request of c new tokens after kv cached ones. */
static etsim_iter_shape one_prefill(double c, double kv) {
    etsim_iter_shape s = {0};
    s.prefill_reqs = 1;
    s.prefill_tokens = c;
    s.prefill_pairs = c * (kv + (c + 1) / 2);
    s.prefill_causal_pairs = c * (c + 1) / 2;
    s.prefill_ctx_tokens = kv;
    return s;
}

/* Measured where the profile covers the mean request: exact for one
 * request; for several, the analytic batch scaled by measured / analytic
 * at the mean request (the profile has batch-1 prefills only). */
static double prefill_attn_s(const etsim_model_profile *m, const etsim_gpu_profile *g,
                             const etsim_iter_shape *sh, double *cmp) {
    int compute = 0;
    double t = prefill_analytic(m, g, sh, &compute);
    if (t <= 0) return 0;
    double c = sh->prefill_tokens / sh->prefill_reqs, kv = sh->prefill_ctx_tokens / sh->prefill_reqs;
    double per_layer = 0;
    if (g->measured && etsim_measured_prefill_s(g->measured, m, c, kv, &per_layer)) {
        etsim_iter_shape s1 = one_prefill(c, kv);
        double one = sh->prefill_reqs == 1 ? t : prefill_analytic(m, g, &s1, NULL);
        if (one > 0) t = t * m->layers * per_layer / one;
    }
    if (cmp && compute) *cmp += t;
    return t;
}

void etsim_roofline_iter(const etsim_model_profile *m, const etsim_gpu_profile *g,
                         const etsim_iter_shape *sh, double sharing, etsim_iter_terms *out) {
    memset(out, 0, sizeof *out);
    double tokens = sh->decode_reqs + sh->prefill_tokens;
    double reqs = sh->decode_reqs + sh->prefill_reqs;
    if (tokens <= 0 && reqs <= 0) return;
    double logits = sh->logits, cmp = 0, tp = m->tp > 1 ? m->tp : 1;
    out->linear_s = linear_t(m, g, tokens, logits, &cmp);
    /* FLOPs of all the shards together */
    out->linear_flops = tp * (2.0 * m->layers * m->layer_linear_params * tokens +
                              (m->encoder_only ? 0.0 : 2.0 * (double)m->vocab * m->hidden * logits));

    double kv_read = (1.0 - sharing) * sh->decode_ctx_sum + sharing * sh->decode_ctx_union;
    out->kv_read_bytes = tp * kv_read * m->kv_bytes_per_token;
    double t_decode = 0;
    if (sh->decode_reqs > 0) {
        t_decode = m->layers * (g->attn_kernel_s + g->attn_per_req_s * sh->decode_reqs) +
                   kv_read * m->kv_bytes_per_token / (g->eff_attn_bw * g->bandwidth_bytes_per_s);
        double per_layer = 0; /* measured at the mean (effective) context */
        if (g->measured && etsim_measured_decode_s(g->measured, m, kv_read / sh->decode_reqs,
                                                   sh->decode_reqs, &per_layer))
            t_decode = m->layers * per_layer;
    }
    double pf_flops = m->attn_flops_per_ctx_token * sh->prefill_pairs;
    out->attention_s = t_decode + prefill_attn_s(m, g, sh, &cmp);
    out->attention_flops = tp * (m->attn_flops_per_ctx_token * sh->decode_ctx_sum + pf_flops);

    out->overhead_s = g->iter_overhead_s + g->iter_overhead_per_req_s * reqs;
    out->total_s = out->linear_s + out->attention_s + out->overhead_s;
    out->compute_s = cmp;
}
