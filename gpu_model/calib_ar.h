/* calib_ar.h -- fit and report the tensor-parallel all-reduce model
 * (etsim_roofline_allreduce_s: allreduce_s + 2 (T - 1) / T x bytes /
 * (eff_interconnect x interconnect_bytes_per_s)) against measured NCCL
 * all-reduce times.
 *
 * The data: one file per GPU family, <family>_all_reduce.csv in one
 * directory (gpu_model/profiles/network/), vidur's column names:
 * num_workers (the TP degree, >= 2), size (the buffer, bytes),
 * time_stats.all_reduce.median (ms); one row per (degree, size), rows in
 * any order, a '#' line is a comment. The shipped files are microsoft/vidur's
 * data/profiling/network/{h100,a100}_dgx/all_reduce.csv cut to those
 * columns and the intra-node TP 2/4/8 rows (provenance in
 * gpu_model/README.md).
 *
 * Files are untrusted: a missing column, a cell that is not a number, a
 * degree below 2 or not an integer, a zero size or time are one-line
 * errors naming the file, the row (1-based line) and the column.
 *
 * The fit is deterministic: Nelder-Mead from fixed starts over the two
 * constants, minimising the mean over the file's TP degrees of each
 * degree's MAPE (every row counted), so the degree with the most rows does
 * not decide alone. */
#ifndef ETSIM_GPU_CALIB_AR_H
#define ETSIM_GPU_CALIB_AR_H

#include <stdio.h>

#include "gpu_model/profiles.h"
#include "gpu_model/vidur_csv.h"

#define ETSIM_CALIB_AR_FAMILIES 4
#define ETSIM_CALIB_AR_TP_MAX 8

typedef struct etsim_calib_ar {
    char family[16];            /* h100, a100                          */
    etsim_vidur_points pts;     /* num_workers, size (bytes), median (ms) */
    int32_t n_tp;               /* the TP degrees present, ascending    */
    int32_t tp[ETSIM_CALIB_AR_TP_MAX];
} etsim_calib_ar;

typedef struct etsim_calib_ar_data {
    int32_t n;                  /* families, sorted by file name        */
    etsim_calib_ar fam[ETSIM_CALIB_AR_FAMILIES];
} etsim_calib_ar_data;

/* Load every <family>_all_reduce.csv of `dir` (a known family; none is an
 * error). */
int etsim_calib_ar_load(const char *dir, etsim_calib_ar_data *d, etsim_err *err);
/* One file (the family is the caller's). */
int etsim_calib_ar_read(const char *path, etsim_calib_ar *a, etsim_err *err);
void etsim_calib_ar_free(etsim_calib_ar_data *d);

/* MAPE (%) of `g`'s all-reduce time on the rows of degree `tp` (0: all
 * rows) and the mean signed error (%, + = the model is slower). Returns
 * the number of rows. */
int32_t etsim_calib_ar_mape(const etsim_calib_ar *a, const etsim_gpu_profile *g, int32_t tp,
                            double *mape, double *bias);

/* Fit allreduce_s and eff_interconnect into *g (the family's built-in
 * profile: its interconnect_bytes_per_s). */
void etsim_calib_ar_fit(const etsim_calib_ar *a, etsim_gpu_profile *g);

/* The two constants as JSON fields (4 significant digits, as in gpus.json). */
void etsim_calib_ar_print(FILE *fp, const etsim_gpu_profile *g);

#endif
