/* report.h -- read a sweep's results back as one row per configuration:
 * what it was (selector, width, parameters, source) and its summary
 * (accuracy, counters, KV, GPU simulation). `etsim pick`, `etsim paper`
 * and the sweep's closing table are built on it.
 *
 * Input: a sweep directory (configs from grid.json; summaries from
 * summary.jsonl, or from results.jsonl while the sweep is incomplete) or a
 * summary.jsonl file. Problem lines are skipped without parsing. */
#ifndef ETSIM_SWEEP_REPORT_H
#define ETSIM_SWEEP_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "sim/engine/engine.h"

#define ETSIM_REPORT_MAX_PARAMS 16

typedef struct etsim_report_server {
    double busy_s, kv_used_mean, kv_used_peak, recomputed_tokens, flops;
    int64_t kv_pool_tokens;
} etsim_report_server;

typedef struct etsim_report_gpu {
    char *setting;              /* canonical JSON of the GPU setting      */
    double makespan_s, problems_per_s, tokens_per_s, flops;
    char regime[20];            /* pool-bound, bandwidth-bound, compute-bound ("" if absent) */
    etsim_report_server policy, prm;
} etsim_report_gpu;

typedef struct etsim_report_row {
    char hash[17];
    char *selector;
    int32_t width;
    int32_t n_params;
    char *param_name[ETSIM_REPORT_MAX_PARAMS];
    double param_value[ETSIM_REPORT_MAX_PARAMS]; /* NAN: derived / null  */
    char *engine;               /* max_tokens etc. as a compact string    */
    char *source_kind, *source_spec, *dataset;
    int32_t first, count;
    int has_summary;
    int32_t problems;
    double acc_weighted, acc_majority, acc_best;  /* percent             */
    etsim_counters sum;
    double mean_calls, mean_tokens, mean_kv;      /* per problem          */
    double kv_shared_mean, kv_unshared_mean;
    etsim_report_gpu *gpu;
    int32_t n_gpu;
} etsim_report_row;

typedef struct etsim_report {
    char grid_hash[17];
    etsim_report_row *rows;     /* in config hash order                   */
    int32_t n_rows;
} etsim_report;

int etsim_report_load(const char *path, etsim_report *rep, etsim_err *err);
void etsim_report_free(etsim_report *rep);

/* A selector parameter of a row; NAN when absent. */
double etsim_report_param(const etsim_report_row *row, const char *name);
/* 1 when rows a and b differ at most in the named parameter (and width
 * when ignore_width), i.e. belong to one sweep series. */
int etsim_report_same_except(const etsim_report_row *a, const etsim_report_row *b,
                             const char *param, int ignore_width);

/* The closing table of `etsim sweep`: one line per config with a summary. */
void etsim_report_print(FILE *fp, const etsim_report *rep);
int etsim_report_print_dir(FILE *fp, const char *dir, etsim_err *err);

#endif
