/* sweep.h -- run a grid (grid.h) into an output directory: every
 * (configuration x problem) work unit once, on T threads, resumable after
 * any crash, shardable over machines, with a canonical summary at the end.
 *
 * Output directory:
 *   grid.json      the grid: its hash, the shard, the original grid text
 *                  (so `etsim merge` and `--resume` need nothing else) and
 *                  every config's hash and canonical JSON;
 *   results.jsonl  the append-only log (log.h): one line per finished
 *                  unit, in completion order, plus a summary line per
 *                  config once all its problems are present (metrics.h);
 *   summary.jsonl  written atomically when every unit of the run (or
 *                  shard) is present: a header line, then per config (by
 *                  hash) its config line, its problem lines in problem
 *                  order and its summary line. Byte-identical whatever the
 *                  thread count, sharding + merge, or interruptions.
 *
 * Work units are numbered in canonical order (configs by hash, then
 * problem); shard i/n (1-based) runs the units u with u % n == i - 1.
 * Units of one (source, problem) run in one task on one thread, sharing
 * the problem's tree, so the oracle generates each node once whatever
 * number of configs asks for it (configs with on_missing=resample get a
 * tree of their own, since resampling adds nodes). */
#ifndef ETSIM_SWEEP_SWEEP_H
#define ETSIM_SWEEP_SWEEP_H

#include <stdint.h>

#include "sim/core/notice.h"
#include "sim/core/progress.h"
#include "sim/core/util.h"

typedef struct etsim_sweep_opts {
    const char *out_dir;
    int threads;              /* >= 1                                     */
    int resume;               /* continue results of the same grid        */
    int force;                /* discard results of any grid and start    */
    int shard_i, shard_n;     /* 1..n of n; 0/0 = everything              */
    /* Units done of this run; NULL: none (the CLI draws a line). */
    etsim_progress_fn progress;
    void *progress_ctx;
    etsim_notice notice;      /* torn line dropped, ...; zeroed: none     */
} etsim_sweep_opts;

typedef struct etsim_sweep_stats {
    int32_t configs;
    int64_t units;            /* units of this run (its shard)            */
    int64_t units_present;    /* already in the log when it started       */
    int64_t units_run;        /* computed by this run                     */
    int32_t configs_summarised; /* summary lines written by this run      */
    int64_t torn_bytes;
    int complete;             /* every unit present: summary.jsonl written */
    double seconds;
} etsim_sweep_stats;

/* Parse the grid text (origin names it in errors, base_dir resolves its
 * relative paths) and run it. */
int etsim_sweep_run(const char *grid_text, size_t len, const char *origin, const char *base_dir,
                    const etsim_sweep_opts *opt, etsim_sweep_stats *st, etsim_err *err);
int etsim_sweep_run_file(const char *grid_path, const etsim_sweep_opts *opt,
                         etsim_sweep_stats *st, etsim_err *err);

/* Join shard directories into opt->out_dir: they must hold one grid (the
 * same hash); lines present in several must be identical. Summaries are
 * computed, and summary.jsonl written when the union is complete
 * (st->complete); otherwise `etsim sweep --resume` on the merged directory
 * runs what is missing. */
int etsim_sweep_merge(const char *const *shard_dirs, int n, const etsim_sweep_opts *opt,
                      etsim_sweep_stats *st, etsim_err *err);

/* Parse "i/n" (1 <= i <= n). */
int etsim_sweep_parse_shard(const char *s, int *i, int *n, etsim_err *err);

#endif
