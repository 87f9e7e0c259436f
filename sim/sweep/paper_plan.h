/* paper_plan.h -- what a regeneration of the ETS paper is made of, shared
 * by its planning (paper.c), its output files (paper_out.c) and the paper
 * fit (fit_paper.c): the four setups (model x dataset, as ets_paper.json
 * names them), the three widths, a setup's source, the options and
 * statistics of a run, and joining output paths. Data and small helpers,
 * so that the modules using them need not use each other. */
#ifndef ETSIM_SWEEP_PAPER_PLAN_H
#define ETSIM_SWEEP_PAPER_PLAN_H

#include <stdint.h>

#include "sim/core/notice.h"
#include "sim/core/progress.h"

#define ETSIM_PAPER_N_SETUPS 4

typedef struct etsim_paper_setup {
    const char *model_id, *dataset_id;   /* file and profile names        */
    const char *model_name, *dataset_name; /* as ets_paper.json spells them */
    int main;                            /* Llemma-34B / MATH500          */
} etsim_paper_setup;

extern const etsim_paper_setup ETSIM_PAPER_SETUPS[ETSIM_PAPER_N_SETUPS];
extern const int32_t ETSIM_PAPER_WIDTHS[3];

/* A setup's source in one run: the oracle kind and spec its grid entry
 * names, and its problem count. */
typedef struct etsim_paper_source {
    const etsim_paper_setup *setup;
    int present;
    const char *kind;
    char *spec;
    int32_t n_problems;
} etsim_paper_source;

/* The options and the outcome of a run (etsim_paper_run, paper.h). */
#define ETSIM_PAPER_MAX_LAMBDAS 16

typedef struct etsim_paper_opts {
    const char *out_dir;
    const char *trace_dir;        /* NULL: synthetic                       */
    const char *reference;        /* ets_paper.json; NULL: the built-in copy */
    int threads;
    int32_t problems;             /* per setup; 0 = all                    */
    int32_t throughput_problems;  /* 100                                   */
    double ets_lambdas[ETSIM_PAPER_MAX_LAMBDAS];
    int n_ets;
    double kv_lambdas[ETSIM_PAPER_MAX_LAMBDAS];
    int n_kv;
    double ets_lambdas_s;         /* lambda_d for ETS (1.0)                */
    double ets_temperature;       /* T for ETS and ETS-KV (0.2)            */
    const char *setups;           /* comma list (llemma34b-math500, ...); NULL = all */
    int force;                    /* discard previous results in OUT       */
    etsim_progress_fn progress;   /* the sweeps' units; NULL: none         */
    void *progress_ctx;
    etsim_notice notice;          /* each step; zeroed: none                */
} etsim_paper_opts;

void etsim_paper_opts_init(etsim_paper_opts *o);

typedef struct etsim_paper_stats {
    double seconds_main, seconds_throughput, seconds_total;
    int figures;                  /* figure data and scripts written (the
                                   * main setup was present): OUT/plots/
                                   * fig2.gp and fig3.gp can be run       */
    int reference_found;
    int setups;                   /* setups present                         */
} etsim_paper_stats;

/* "dir/name", malloc'd. */
char *etsim_paper_path(const char *dir, const char *name);

#endif
