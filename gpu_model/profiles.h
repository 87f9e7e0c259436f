/* profiles.h -- hardware and model profiles for the GPU cost model.
 *
 * A GPU profile is the datasheet (HBM bytes, peak bandwidth, dense BF16
 * peak) plus the achievable fractions and small fixed costs the roofline
 * uses (gpu_model/README.md lists each with its default and source). A
 * model profile is the transformer's shape; everything the cost model
 * needs (parameters, weight bytes, KV bytes per token, FLOPs per token) is
 * derived from the shape by etsim_model_derive, never typed in.
 *
 * Built-in profiles are the JSON files in gpu_model/profiles/, embedded in
 * the library (profiles_data.c), so nothing is read at run time. A user
 * profile is the same JSON object in a file of its own. Names match
 * case-insensitively, against the name and the aliases. */
#ifndef ETSIM_GPU_PROFILES_H
#define ETSIM_GPU_PROFILES_H

#include <stdint.h>

#include "sim/core/util.h"

#define ETSIM_PROFILE_NAME_MAX 64
#define ETSIM_PROFILE_ALIASES_MAX 256
#define ETSIM_GEMM_TILES_MAX 8

/* One GEMM tile shape a GPU's kernels use: an m x n block of the output
 * per thread block (m along tokens, n along the output features), and the
 * fraction of the dense peak one wave of such tiles reaches. */
typedef struct etsim_gemm_tile {
    int32_t m, n;
    double eff;
} etsim_gemm_tile;

/* The attention kernel family (a profile knob): FlashAttention 2 launches
 * one thread block per (request, head, 128 query rows), so small prefill
 * chunks leave SMs idle (quantised in waves); FlashInfer splits the KV
 * dimension too and is modelled without that quantisation. */
typedef enum etsim_attn_kernel {
    ETSIM_ATTN_FLASHATTENTION = 0,
    ETSIM_ATTN_FLASHINFER = 1,
} etsim_attn_kernel;

typedef struct etsim_gpu_profile {
    char name[ETSIM_PROFILE_NAME_MAX];
    char aliases[ETSIM_PROFILE_ALIASES_MAX]; /* comma-separated          */
    double hbm_bytes;               /* device memory                      */
    double bandwidth_bytes_per_s;   /* peak HBM bandwidth                 */
    double bf16_flops_per_s;        /* dense BF16 tensor-core peak        */
    /* achievable fractions, all in (0, 1] */
    double eff_weight_bw;           /* streaming weights in GEMMs         */
    double eff_compute;             /* large GEMMs (no tile model: sm_count 0) */
    double eff_attn_bw;             /* decode attention reading the KV    */
    double eff_attn_compute;        /* prefill (flash) attention          */
    double eff_elementwise_bw;      /* norms, rotary, activation, residual */
    double smooth_p;                /* p of the p-norm max-smoothing, >= 1 */
    /* GEMM tiles over the SMs (sm_count 0: a smooth roofline, no waves) */
    int32_t sm_count;               /* streaming multiprocessors          */
    int32_t n_tiles;                /* entries of gemm_tiles              */
    etsim_gemm_tile gemm_tiles[ETSIM_GEMM_TILES_MAX];
    /* stream-K / split-K schedules (Hopper and Ampere cuBLAS): the K loop of
       the tiles is cut into streamk_k-deep slices spread evenly over the
       SMs, so a grid of fewer tiles than SMs, or a last wave part full, is
       not charged a whole wave; each slice runs at streamk_eff x the tile's
       efficiency (fix-up and partial sums). 0: off (whole waves only). */
    double streamk_eff;             /* in [0, 1]                          */
    int32_t streamk_k;              /* K depth of one slice (default 64)  */
    /* attention kernels */
    etsim_attn_kernel attn_kernel;  /* FlashAttention or FlashInfer       */
    double attn_causal_work;        /* cost of a causal (diagonal) query-key pair
                                       relative to a pair against cached KV, >= 0 */
    /* fixed costs, >= 0 */
    double gemm_kernel_s;           /* per GEMM (launch, epilogue)        */
    double elementwise_kernel_s;    /* per norm / rotary / act / add kernel */
    double attn_kernel_s;           /* per attention kernel (per layer)   */
    double attn_per_req_s;          /* per request in an attention kernel */
    double layer_fixed_s;           /* anything else per decoder layer    */
    double iter_overhead_s;         /* host time per iteration (a)        */
    double iter_overhead_per_req_s; /* host time per request in it (b)    */
    /* tensor parallelism: all-reduce over the GPU-to-GPU link */
    double interconnect_bytes_per_s;/* per GPU, one direction (NVLink)    */
    double eff_interconnect;        /* fraction of it an all-reduce reaches */
    double allreduce_s;             /* fixed time per all-reduce          */
    /* measured kernel times (--gpu-profile, measured.h) used instead of the
       analytic terms wherever they cover a query; NULL: none. Not owned. */
    const struct etsim_measured *measured;
} etsim_gpu_profile;

typedef struct etsim_model_profile {
    char name[ETSIM_PROFILE_NAME_MAX];
    char aliases[ETSIM_PROFILE_ALIASES_MAX];
    /* shape */
    int32_t layers, hidden, heads, kv_heads, head_dim, ffn, vocab;
    int32_t dtype_bytes;            /* 1, 2 or 4                          */
    int32_t max_positions;          /* learned position table (0: rotary) */
    int gated_mlp;                  /* SwiGLU: up, gate and down          */
    int encoder_only;               /* BERT: no KV cache, no LM head      */
    int tied_embeddings;            /* LM head shares the embedding table */
    int bias;                       /* linear layers and norms have biases */
    int qkv_bias;                   /* only q, k, v have biases (Qwen)    */
    int parallel_block;             /* attention and MLP read one norm's output
                                       in parallel (GPT-J, phi-2): one norm */
    double rotary_fraction;         /* of head_dim rotated (phi-2: 0.4); 1 */
    /* tensor parallelism: the shape above is one GPU's shard of a model
       split `tp` ways (etsim_model_shard); 1 = the whole model */
    int32_t tp;
    /* derived by etsim_model_derive */
    double layer_linear_params;     /* q, k, v, o and MLP weights, 1 layer */
    double layer_params;            /* the above + norms (+ biases)       */
    double embed_params;            /* token (+ position) embeddings      */
    double lm_head_params;          /* 0 when tied or encoder-only        */
    double params;                  /* total                              */
    double weight_bytes;            /* params x dtype_bytes               */
    double kv_bytes_per_token;      /* 2 x layers x kv_heads x head_dim x dtype */
    double linear_flops_per_token;  /* 2 x (layers x layer_linear + LM head) */
    double attn_flops_per_ctx_token;/* 4 x layers x heads x head_dim      */
    double elementwise_bytes_per_token; /* per layer, see README          */
    int32_t elementwise_kernels;    /* norms + rotary + act + add, 1 layer */
} etsim_model_profile;

/* Fill defaults for the optional GPU fields (efficiencies, fixed costs). */
void etsim_gpu_profile_defaults(etsim_gpu_profile *g);

/* Parse one profile object from JSON text; `src` names the origin in
 * errors (a path or "built-in"). Unknown keys, missing required keys,
 * non-positive or non-finite constants are errors. */
int etsim_gpu_profile_parse(const char *json, const char *src, etsim_gpu_profile *out,
                            etsim_err *err);
int etsim_model_profile_parse(const char *json, const char *src, etsim_model_profile *out,
                              etsim_err *err);
int etsim_gpu_profile_load(const char *path, etsim_gpu_profile *out, etsim_err *err);
int etsim_model_profile_load(const char *path, etsim_model_profile *out, etsim_err *err);

/* Derive params, bytes and FLOPs from the shape (parse calls it). */
void etsim_model_derive(etsim_model_profile *m);

/* One GPU's shard of `full` under tensor parallelism `tp` (Megatron
 * style, as SGLang and vLLM shard): heads, kv_heads (replicated when tp
 * exceeds them), ffn and vocab divided by tp, hidden kept; norms and the
 * residual stay whole. tp must divide heads and ffn, and kv_heads must
 * divide tp or tp divide kv_heads; `field` names the option in errors. */
int etsim_model_shard(const etsim_model_profile *full, int32_t tp, const char *field,
                      etsim_model_profile *out, etsim_err *err);

/* The built-in profiles, in file order. *out is malloc'd (free it). */
int etsim_gpu_profiles_builtin(etsim_gpu_profile **out, int32_t *n, etsim_err *err);
int etsim_model_profiles_builtin(etsim_model_profile **out, int32_t *n, etsim_err *err);

/* Look a built-in up by name or alias. An unknown name is an error that
 * lists the known names. */
int etsim_gpu_profile_find(const char *name, etsim_gpu_profile *out, etsim_err *err);
int etsim_model_profile_find(const char *name, etsim_model_profile *out, etsim_err *err);

#endif
