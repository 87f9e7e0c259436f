/* paper.h -- regenerate the ETS paper's Figure 2, Figure 3 and Tables 1-3
 * in one call, from recorded traces or from the synthetic model.
 *
 * Plan (every step is a resumable sweep, so an interrupted run continues):
 *  1. Main sweep (OUT/sweep-main) over the four setups {Llemma-34B,
 *     Mistral-7B-SFT} x {MATH500, GSM8K}: REBASE (T 0.2) and ETS (the
 *     paper's lambda_d = 1, lambda_b = lambdac swept) at widths 16, 64,
 *     256 on every setup; on Llemma-34B / MATH500 also ETS-KV (lambda_b
 *     swept), beam search and DVTS (fixed 4 and sqrt(N) variants), all
 *     with the GPU simulation (H100 NVL, Llemma-34B policy and PRM, 8
 *     problems in flight).
 *  2. `pick`: for ETS and ETS-KV at each width the largest lambda_b
 *     within 0.2 points of REBASE (pick.h).
 *  3. Throughput sweep (OUT/sweep-throughput), the paper's protocol: the
 *     first 100 MATH500 problems at width 256, REBASE and the picked ETS,
 *     simulated with 4, 8, 16 and 32 problems in flight; best of each.
 *  4. Data files, tables (Markdown, CSV, LaTeX; beside the published
 *     values of ets_paper.json -- --reference FILE or the built-in copy,
 *     read before anything is written -- and the difference), the
 *     figures' data and their gnuplot scripts (OUT/plots/fig2.gp and
 *     fig3.gp) and paper.md (paper_out.h). The library draws nothing: the
 *     CLI renders the figures (PNG and SVG) by running gnuplot on the
 *     scripts (plots/gnuplot.h).
 *
 * Sources. --synthetic uses the paper-fitted profiles shipped with etsim
 * (sim/synthetic/fitted: paper-llemma34b-math500, ...). --trace-dir DIR uses
 * DIR/<setup>-<dataset>.trace (also .etr), setup llemma34b | mistral7b,
 * dataset math500 | gsm8k; missing setups are skipped and said so. */
#ifndef ETSIM_SWEEP_PAPER_H
#define ETSIM_SWEEP_PAPER_H

#include <stdio.h>

#include "sim/core/util.h"
#include "sim/sweep/paper_plan.h" /* etsim_paper_opts, etsim_paper_stats */

/* Run everything; Table 1 is printed (Markdown) to `table_out` if given. */
int etsim_paper_run(const etsim_paper_opts *o, FILE *table_out, etsim_paper_stats *st,
                    etsim_err *err);

#endif
