/* sel_bench.h -- speed of one ETS selection step (`etsim bench` calls it).
 * See sel_bench.c for the instances measured. */
#ifndef ETSIM_SEL_BENCH_H
#define ETSIM_SEL_BENCH_H

#include <stdio.h>
#include "sim/core/util.h"

/* One measured size: medians in milliseconds. */
typedef struct etsim_sel_bench_row {
    int32_t n_cand, n_branch, n_clusters;
    double step_ms;         /* the whole ETS select(), clustering included */
    double cluster_ms;      /* distances + linkage + cut alone             */
    double ilp_ms;          /* etsim_ilp_solve alone                       */
    double glpk_ms;         /* etsim_ilp_solve forced onto GLPK            */
    double literal_ms;      /* the reference's literal model in GLPK, or -1 */
    int lp_integral;        /* the exact solver answered (no GLPK)         */
} etsim_sel_bench_row;

/* Measure N = 64 .. 1024 and print a table to `report` (may be NULL).
 * rows (may be NULL) gets up to max_rows entries; returns the number of
 * rows measured, or -1 with err set. */
int etsim_sel_bench(FILE *report, etsim_sel_bench_row *rows, int max_rows, etsim_err *err);

/* The ILP model of one bench step on its own: N candidates of instance
 * `seed` (the bench uses 42), ETS with lambda_b (lambda_c) and lambda_s
 * 1.45, T 0.2, built as ets.c builds it. For tests and solver studies;
 * etsim_sel_bench_model_ilp gives the model, valid until the free. Returns
 * NULL with err set when clustering fails. */
typedef struct etsim_sel_bench_model etsim_sel_bench_model;
etsim_sel_bench_model *etsim_sel_bench_model_new(int32_t n_cand, uint64_t seed, double lambda_b,
                                                 etsim_err *err);
const struct etsim_ilp_model *etsim_sel_bench_model_ilp(const etsim_sel_bench_model *bm);
void etsim_sel_bench_model_free(etsim_sel_bench_model *bm);

/* Where `--part select` writes its ETS models for selectors/bench_pulp.py
 * (NULL: nowhere; the CLI takes it from ETSIM_BENCH_DUMP). */
void etsim_sel_bench_set_dump_dir(const char *dir);

#endif
