/* roofline.h -- the time of one serving iteration on one GPU, split into
 * its terms (gpu_model/README.md has every equation):
 *
 *   linear    = layers x [ sum over qkv, o, (gate+)up, down of GEMM(n, N, K)
 *                          + k_e t_e + n E_l / (e_e B) + t_fix ] + GEMM(logits, vocab, h)
 *   GEMM      = min over tiles (m, n_t, e) of
 *                 pnorm((N K + n K + n N) b / (e_w B),
 *                       ceil(ceil(n/m) ceil(N/n_t) / SMs) 2 m n_t K / (e F / SMs); p) + t_g
 *   attention = L (t_a + t_r D) + kv_b [(1 - s) sum_ctx + s union_ctx] / (e_a B)   decode
 *               + L (t_a + t_r P) + max(4 L q (ctx_pairs + w causal_pairs) u / (e_ac F),
 *                                       kv_b ctx_prefill / (e_a B))          prefill
 *   overhead  = a + b x requests
 *
 * A tensor-parallel shard (m->tp > 1, etsim_model_shard) runs its share of
 * every GEMM and head, plus two all-reduces of n x hidden per layer over
 * the GPU's interconnect; FLOPs and KV traffic are reported for all
 * shards together. With a measured profile (g->measured, measured.h) the
 * block, decode and prefill attention times come from it where it covers
 * the query.
 *
 * with n the tokens of the iteration, B the peak bandwidth, F the dense
 * BF16 peak, pnorm(x, y; p) = (x^p + y^p)^(1/p) a smooth maximum, u >= 1
 * the idle SMs of a FlashAttention prefill's last wave. */
#ifndef ETSIM_GPU_ROOFLINE_H
#define ETSIM_GPU_ROOFLINE_H

#include "gpu_model/profiles.h"

/* What one iteration does (all counts may be fractional in what-ifs). */
typedef struct etsim_iter_shape {
    double decode_reqs;         /* requests generating one token each     */
    double decode_ctx_sum;      /* sum of their context lengths (tokens)  */
    double decode_ctx_union;    /* unique tokens in the union of contexts */
    double prefill_reqs;        /* requests prefilling new tokens         */
    double prefill_tokens;      /* new tokens prefilled                   */
    double prefill_pairs;       /* sum n_i (c_i + (n_i + 1) / 2): causal query-key pairs */
    double prefill_causal_pairs;/* of those, sum n_i (n_i + 1) / 2 inside the new chunks */
    double prefill_ctx_tokens;  /* sum c_i: cached context the prefill reads */
    double logits;              /* sequences whose LM head output is needed */
} etsim_iter_shape;

typedef struct etsim_iter_terms {
    double linear_s, attention_s, overhead_s, total_s;
    double linear_flops;        /* 2 x linear params x tokens (+ LM head) */
    double attention_flops;     /* 4 L H d x (decode context + prefill pairs) */
    double kv_read_bytes;       /* decode attention KV traffic            */
    double compute_s;           /* of total_s, the terms bound by compute (GEMMs
                                   whose tile waves outlast the weight stream,
                                   prefill attention above its KV read)    */
} etsim_iter_terms;

/* (x^p + y^p)^(1/p), computed without overflow; p >= 1. */
double etsim_roofline_pnorm(double x, double y, double p);

/* One GEMM of n tokens x (K -> N features), elements of `dtype_bytes`. */
double etsim_roofline_gemm_s(const etsim_gpu_profile *g, double n, double N, double K,
                             double dtype_bytes);

/* The four GEMMs of one decoder layer; its norms, rotary, activation and
 * residual add. */
double etsim_roofline_layer_gemm_s(const etsim_model_profile *m, const etsim_gpu_profile *g,
                                   double tokens);
double etsim_roofline_layer_elementwise_s(const etsim_model_profile *m,
                                          const etsim_gpu_profile *g, double tokens);

/* One decoder layer's non-attention time for `tokens` tokens: GEMMs,
 * norms, rotary, activation, residual (what vidur's mlp.csv "all" column
 * measures). 0 for tokens <= 0. */
double etsim_roofline_layer_s(const etsim_model_profile *m, const etsim_gpu_profile *g,
                              double tokens);

/* All layers plus the LM head for `logits` sequences. */
double etsim_roofline_linear_s(const etsim_model_profile *m, const etsim_gpu_profile *g,
                               double tokens, double logits);

/* One all-reduce of `bytes` over `tp` GPUs (ring: 2 (tp - 1) / tp of the
 * bytes over the link, plus a fixed time); 0 for tp <= 1. */
double etsim_roofline_allreduce_s(const etsim_gpu_profile *g, double bytes, int32_t tp);

/* The full iteration. `sharing` in [0, 1]: 0 reads a shared prefix once
 * per request (SGLang), 1 once per group (cascade kernels). */
void etsim_roofline_iter(const etsim_model_profile *m, const etsim_gpu_profile *g,
                         const etsim_iter_shape *shape, double sharing, etsim_iter_terms *out);

#endif
