/* paper_out.h -- the files `etsim paper` writes once its sweeps are done
 * (paper_out.c): Tables 1-3, the figures' data files and gnuplot scripts,
 * paper.md. Rendering the figures is not the library's business: the
 * scripts are written beside the data, and the CLI runs gnuplot on them
 * (plots/gnuplot.h). */
#ifndef ETSIM_SWEEP_PAPER_OUT_H
#define ETSIM_SWEEP_PAPER_OUT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "sim/sweep/paper_plan.h"
#include "sim/sweep/pick.h"
#include "sim/sweep/report.h"

typedef struct etsim_paper_results {
    const etsim_paper_opts *o;
    const etsim_paper_source *src;       /* ETSIM_PAPER_N_SETUPS entries   */
    const etsim_paper_source *main_src;  /* NULL when absent               */
    const etsim_report *main;
    const etsim_report *throughput;
    const etsim_pick_set *picks;
    const cJSON *ref;                    /* the paper's numbers (paper_ref.h);
                                          * NULL: tables without them     */
    const char *ref_path;                /* where they came from           */
} etsim_paper_results;

/* Everything written after the sweeps; Table 1 also to table_out (Markdown)
 * when given. Sets st->reference_found and st->figures. */
int etsim_paper_write_outputs(const etsim_paper_results *r, FILE *table_out,
                              etsim_paper_stats *st, etsim_err *err);

#endif
