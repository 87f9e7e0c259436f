/* calib.h -- calibrate the GPU model on measured kernel times (vidur
 * profiles) and report how well it fits.
 *
 * Pairs are (GPU family, model) files <family>_<model>_mlp.csv in one
 * directory (vidur's data/profiling/compute layout); the family prefix names the GPU
 * profile whose datasheet figures, SM count and tile shapes the fit uses:
 * h100 -> h100-sxm (and the Hopper profiles share its constants), a100 ->
 * a100-80gb. Attention points: a100_<model>_attention_{decode,prefill}.csv.
 *
 * Like for like: one decoder block (vidur's per-op medians summed: norms,
 * qkv, rope, o, gate+up, act, down, add; no LM head, no embedding, no
 * attention kernel), every profiled token count from 1 to 4,096, TP 1.
 *
 * The fit is deterministic (fixed starts, fixed Nelder-Mead budget):
 *   1. eff_elementwise_bw, elementwise_kernel_s on the small ops' columns;
 *   2. eff_weight_bw, smooth_p, gemm_kernel_s, each tile's efficiency and
 *      streamk_eff on the TP-1 block total (mean + worst pair MAPE);
 *   2b. the same constants on TP 1 and every TP 2/4/8 table (each MAPE
 *      relative to its target, 5% / 8%), a pair's TP-1 MAPE above its
 *      step-2 value penalised;
 *   3. attention (A100 Llama-2-7B): attn_kernel_s, attn_per_req_s,
 *      eff_attn_bw on decode; eff_attn_compute, attn_causal_work on prefill. */
#ifndef ETSIM_GPU_CALIB_H
#define ETSIM_GPU_CALIB_H

#include <stdio.h>

#include "gpu_model/profiles.h"
#include "gpu_model/vidur_csv.h"

#define ETSIM_CALIB_PAIRS_MAX 32

#define ETSIM_CALIB_TP_MAX 4

typedef struct etsim_calib_pair {
    char family[16];            /* h100, a100                        */
    char model[96];             /* from the file name                */
    etsim_vidur_mlp mlp;        /* TP 1                              */
    int32_t n_tp;               /* tensor-parallel tables (TP 2, 4, 8) */
    int32_t tp[ETSIM_CALIB_TP_MAX];
    etsim_vidur_mlp tp_mlp[ETSIM_CALIB_TP_MAX]; /* one GPU's shard per row */
} etsim_calib_pair;

typedef struct etsim_calib_data {
    int32_t n_pairs;
    etsim_calib_pair pairs[ETSIM_CALIB_PAIRS_MAX];
    int has_attn;               /* decode + prefill points and the model's shape */
    char attn_family[16], attn_model[96];
    etsim_vidur_points decode;  /* kv, b, ms                          */
    etsim_vidur_points prefill; /* c, kv, ms                          */
    etsim_model_profile attn_shape; /* one layer of the attention model */
} etsim_calib_data;

/* Load every pair of `dir` (sorted by file name). */
int etsim_calib_load(const char *dir, etsim_calib_data *d, etsim_err *err);
void etsim_calib_free(etsim_calib_data *d);

/* The built-in GPU profile a family is calibrated on ("h100-sxm"). */
const char *etsim_calib_family_gpu(const char *family);

/* One block of the pair's shape (layers 1, bf16) as a model profile. */
void etsim_calib_block_model(const etsim_vidur_mlp *t, etsim_model_profile *m);

/* Block-time MAPE (%) of `g` on the pair over token counts [lo, hi]; the
 * worst signed error (%) and its token count. Returns the number of rows. */
int32_t etsim_calib_mlp_mape(const etsim_vidur_mlp *t, const etsim_gpu_profile *g, int32_t lo,
                             int32_t hi, double *mape, double *worst, int32_t *worst_n);

/* The same for one TP-tp shard of the block (the rows of that degree;
 * vidur times the sharded GEMMs and small ops on one GPU, without the
 * all-reduce). `t` is the TP-1 table (its shape), `rows` the TP-tp one. */
int32_t etsim_calib_mlp_mape_tp(const etsim_vidur_mlp *t, const etsim_vidur_mlp *rows,
                                int32_t tp, const etsim_gpu_profile *g, double *mape,
                                double *worst, int32_t *worst_n);

/* One GEMM of the block against its own column (op 0..3: qkv, o,
 * gate+up, down) for the TP-tp shard (`rows` the TP-tp table, tp 1 the
 * TP-1 one) over token counts [lo, hi]: MAPE and mean signed error (%,
 * + = the model is slower). Returns the number of rows. */
int32_t etsim_calib_op_error(const etsim_vidur_mlp *t, const etsim_vidur_mlp *rows, int32_t tp,
                             int op, const etsim_gpu_profile *g, int32_t lo, int32_t hi,
                             double *mape, double *bias);
extern const char *const etsim_calib_op_names[4];

/* Attention MAPE (%) of `g` on the decode and prefill points. */
void etsim_calib_attn_mape(const etsim_calib_data *d, const etsim_gpu_profile *g,
                           double *decode, double *prefill);

/* Fit the linear-layer constants of `family` into *g (which holds the
 * family's built-in profile: datasheet, SMs, tile shapes). */
int etsim_calib_fit_linear(const etsim_calib_data *d, const char *family, etsim_gpu_profile *g,
                           etsim_err *err);
/* Fit the attention constants into *g (the attention family's profile). */
int etsim_calib_fit_attention(const etsim_calib_data *d, etsim_gpu_profile *g, etsim_err *err);

/* Minimise f from x (in place, n <= ETSIM_CALIB_NM_MAX) with initial
 * simplex steps `step`, `iters` iterations, restarting from the best point
 * `restarts` times; ties keep index order, so a fit is deterministic. */
#define ETSIM_CALIB_NM_MAX 12
typedef double (*etsim_calib_nm_fn)(const double *x, void *ctx);
void etsim_calib_nelder_mead(etsim_calib_nm_fn f, void *ctx, double *x, const double *step,
                             int n, int iters, int restarts);

/* Print the fitted constants of a profile as JSON fields (4 significant
 * digits, as shipped in gpu_model/profiles/gpus.json). */
void etsim_calib_print_linear(FILE *fp, const etsim_gpu_profile *g);
void etsim_calib_print_attention(FILE *fp, const etsim_gpu_profile *g);

#endif
