/* vidur_csv.h -- read microsoft/vidur's kernel-time profiles (CSV) for the
 * GPU model's calibration.
 *
 * mlp.csv: one row per (num_tokens, TP degree) with the per-op medians
 * (ms) of ONE decoder block: input_layernorm, attn_pre_proj (qkv),
 * attn_rope, attn_post_proj (o), post_attention_layernorm, mlp_up_proj
 * (gate+up), mlp_act, mlp_down_proj, add; and the block's shape (n_head,
 * n_kv_head, n_embd, n_expanded_embd, use_gated_mlp). Rows of one TP
 * degree are kept (TP 1 unless asked); duplicate rows of one token count are averaged when they agree
 * within 10% and rejected otherwise.
 *
 * The attention points in the project's calibration copy are three named numeric
 * columns (after '#' comment lines): kv,b,ms (decode) or c,kv,ms (prefill).
 *
 * Files are untrusted: a missing column, a cell that is not a number, no
 * TP-1 row, disagreeing duplicates are one-line errors naming the file,
 * the row (1-based line) and the column. */
#ifndef ETSIM_GPU_VIDUR_CSV_H
#define ETSIM_GPU_VIDUR_CSV_H

#include <stdint.h>

#include "sim/core/util.h"

typedef struct etsim_vidur_mlp_row {
    int32_t tokens;
    double total_ms;    /* sum of the nine medians                  */
    double gemm_ms;     /* qkv + o + gate/up + down                 */
    double elem_ms;     /* norms + rope + act + add                 */
    double op_ms[4];    /* the GEMMs one by one: qkv, o, gate+up, down */
} etsim_vidur_mlp_row;

typedef struct etsim_vidur_mlp {
    int32_t heads, kv_heads, hidden, ffn;
    int gated;
    int32_t n;                  /* rows, ascending token count, TP 1 */
    etsim_vidur_mlp_row *rows;
} etsim_vidur_mlp;

int etsim_vidur_mlp_read(const char *path, etsim_vidur_mlp *out, etsim_err *err);
/* The rows of one TP degree (the block shape is the whole model's); no
 * row of that degree is an error. */
int etsim_vidur_mlp_read_tp(const char *path, int32_t tp, etsim_vidur_mlp *out, etsim_err *err);
/* The TP degrees present in the file, ascending (at most `cap`). */
int etsim_vidur_mlp_tps(const char *path, int32_t *tps, int32_t cap, int32_t *n, etsim_err *err);
void etsim_vidur_mlp_free(etsim_vidur_mlp *t);

/* Three numeric columns named cols[0..2] (any order in the header). */
typedef struct etsim_vidur_points {
    int32_t n;
    double (*v)[3];             /* in the order of cols             */
    long *line;                 /* each row's 1-based line, for errors */
} etsim_vidur_points;

int etsim_vidur_points_read(const char *path, const char *const cols[3],
                            etsim_vidur_points *out, etsim_err *err);
void etsim_vidur_points_free(etsim_vidur_points *p);

#endif
