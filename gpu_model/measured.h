/* measured.h -- measured kernel times as an input to the iteration model
 * (`--gpu-profile DIR`): a user who profiled a GPU with vidur gets
 * measured-quality times wherever the profile covers a query, and the
 * analytic model (roofline.h) everywhere else.
 *
 * DIR is one model's directory of vidur's layout
 * (data/profiling/compute/<gpu>/<org>/<model>/):
 *   mlp.csv        required: one decoder block's per-op medians per
 *                  (num_tokens, TP degree) (vidur_csv.h); TP-1 rows required,
 *                  TP 2/4/8 rows used for tensor-parallel shards;
 *   attention.csv  optional, vidur's attention profile: per layer, decode
 *                  rows (is_prefill False: batch_size x kv_cache_size) and
 *                  prefill rows (is_prefill True: prefill_chunk_size x
 *                  kv_cache_size, batch 1), TP 1 rows used;
 *   attention_decode.csv (kv,b,ms), attention_prefill.csv (c,kv,ms)
 *                  optional, the same points as three named columns (the
 *                  form the project's calibration copy keeps).
 *
 * Lookups (each answers "covered" or not):
 *   block time at n tokens: piecewise linear between the two measured token
 *     counts around n (exact at a measured one); outside [min, max] the
 *     caller scales the analytic time by measured / analytic at the edge;
 *   decode attention at (mean KV length, batch): linear in batch along each
 *     of the two measured KV lengths around the query, then linear in KV
 *     length; not covered outside the measured ranges;
 *   prefill attention at (chunk, cached KV): the same over chunk and KV.
 * A profile applies to a model whose shape (heads, kv_heads, hidden, ffn,
 * gated MLP) equals the profile's; a TP-t shard uses the TP-t rows. */
#ifndef ETSIM_GPU_MEASURED_H
#define ETSIM_GPU_MEASURED_H

#include "gpu_model/profiles.h"
#include "gpu_model/vidur_csv.h"

#define ETSIM_MEASURED_TP_MAX 8

typedef struct etsim_measured {
    char dir[512];
    int32_t heads, kv_heads, hidden, ffn;   /* the whole model's shape     */
    int gated;
    int32_t n_tp;
    int32_t tp[ETSIM_MEASURED_TP_MAX];      /* degrees with rows, ascending */
    etsim_vidur_mlp mlp[ETSIM_MEASURED_TP_MAX];
    etsim_vidur_points decode;              /* kv, b, ms per layer (TP 1)  */
    etsim_vidur_points prefill;             /* c, kv, ms per layer (TP 1)  */
} etsim_measured;

/* Load DIR; errors name the file, row and column. */
int etsim_measured_load(const char *dir, etsim_measured *out, etsim_err *err);
/* Build one from an mlp table in memory (tests: held-out rows). Takes
 * ownership of *mlp (TP 1). */
void etsim_measured_from_mlp(etsim_measured *out, etsim_vidur_mlp *mlp);
void etsim_measured_free(etsim_measured *p);

/* Whether the profile is of model m's shape (m may be a TP shard). */
int etsim_measured_matches(const etsim_measured *p, const etsim_model_profile *m);

/* One decoder block's time (s) at `tokens` for m (its TP degree). Returns
 * 1 and *s inside the measured range; 2 outside it, with *edge the
 * nearest measured token count and *s the time there; 0 when the profile
 * has no rows for m. */
int etsim_measured_block_s(const etsim_measured *p, const etsim_model_profile *m,
                           double tokens, double *s, double *edge);

/* Per-layer attention times (s); 1 when covered. */
int etsim_measured_decode_s(const etsim_measured *p, const etsim_model_profile *m, double kv,
                            double batch, double *s);
int etsim_measured_prefill_s(const etsim_measured *p, const etsim_model_profile *m,
                             double chunk, double kv, double *s);

#endif
