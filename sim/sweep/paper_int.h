/* paper_int.h -- internals shared by paper.c (planning, sweeps) and
 * paper_out.c (tables, figure data, gnuplot); not a public API. */
#ifndef ETSIM_SWEEP_PAPER_INT_H
#define ETSIM_SWEEP_PAPER_INT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "sim/sweep/paper.h"
#include "sim/sweep/pick.h"
#include "sim/sweep/report.h"

#define ETSIM_PAPER_N_SETUPS 4

typedef struct etsim_paper_setup {
    const char *model_id, *dataset_id;   /* file and profile names        */
    const char *model_name, *dataset_name; /* as ets_paper.json spells them */
    int main;                            /* Llemma-34B / MATH500          */
} etsim_paper_setup;

extern const etsim_paper_setup ETSIM_PAPER_SETUPS[ETSIM_PAPER_N_SETUPS];
extern const int32_t ETSIM_PAPER_WIDTHS[3];

typedef struct etsim_paper_source {
    const etsim_paper_setup *setup;
    int present;
    const char *kind;
    char *spec;
    int32_t n_problems;
} etsim_paper_source;

typedef struct etsim_paper_results {
    const etsim_paper_opts *o;
    const etsim_paper_source *src;       /* ETSIM_PAPER_N_SETUPS entries   */
    const etsim_paper_source *main_src;  /* NULL when absent               */
    const etsim_report *main;
    const etsim_report *throughput;
    const etsim_pick_set *picks;
} etsim_paper_results;

char *etsim_paper_path(const char *dir, const char *name);
int etsim_paper_resolve_sources(const etsim_paper_opts *o, etsim_paper_source *src,
                                etsim_err *err);
char *etsim_paper_grid_main(const etsim_paper_opts *o, const etsim_paper_source *src);
char *etsim_paper_grid_throughput(const etsim_paper_opts *o, const etsim_paper_source *main_src,
                                  double ets_lambdac);
cJSON *etsim_paper_gpu_json(int32_t inflight);

/* paper_out.c: everything written after the sweeps. */
int etsim_paper_write_outputs(const etsim_paper_results *r, FILE *table_out,
                              etsim_paper_stats *st, etsim_err *err);

/* The gnuplot scripts compiled into the library (plots_data.c, generated
 * from plots/ by plots/embed.sh). */
typedef struct etsim_plot_script {
    const char *name;   /* "fig2.gp" */
    const char *text;
} etsim_plot_script;
extern const etsim_plot_script etsim_plot_scripts[];
extern const int etsim_plot_script_count;

#endif
