/* capture.h -- covering capture: run a LIST of selector configurations
 * against one memoised oracle (live servers, or the synthetic model as a
 * stand-in) and write one trace holding, per problem, the union of every
 * child any configuration asked for. Replaying any configuration of the
 * list from that trace reproduces its live decisions exactly.
 *
 * The configuration file (JSON) holds the live oracle's keys (live.h,
 * documented in traces/CAPTURE.md) and:
 *   "dataset"            "math500" or "gsm8k" (the built-in sets), or a JSONL
 *                        problem file (relative to the config file)
 *   "dataset_name"       name for the trace header (default: file stem)
 *   "answer_format"      header's answer extraction profile ("boxed")
 *   "problems"           [first, end): half-open range of problem indices
 *   "selectors"          [{"selector", "width", "params": {...}, "name"}]
 *   "max_tokens", "max_expansions", "root_tokens"   engine keys for all
 *   "out"                trace path (relative to the config file)
 *   "problems_in_flight" problems worked on at once (8)
 *   "zstd_level"         trace compression level (3)
 *
 * Nothing is lost: every finished problem is one flushed frame, and an
 * interrupted capture (a stop request, a server that stays down, kill -9
 * at any moment, the final header rewrite included) leaves its partial
 * file for `resume`, which keeps every finished problem and redoes only
 * the rest (see capture.c for how). A running capture holds <out>.lock: a
 * second capture or resume of the same trace stops, naming the holder. Counters (dropped children, short replies,
 * repaired texts, ...) are journalled per problem next to the output and
 * written into the trace header's settings when the capture finishes. */
#ifndef ETSIM_LIVE_CAPTURE_H
#define ETSIM_LIVE_CAPTURE_H

#include <signal.h>
#include <stdint.h>

#include "traces/capture/live.h"

typedef struct etsim_capture_progress {
    int32_t done, total;     /* problems finished (resumed ones included) / in range */
    int32_t resumed;         /* kept from an interrupted run                */
    double elapsed_s;        /* this run                                     */
    int64_t requests;        /* HTTP requests answered, this run             */
    int64_t tokens;          /* generated tokens received, this run          */
    double req_per_s, tok_per_s, eta_s;
} etsim_capture_progress;

typedef void (*etsim_capture_progress_fn)(void *ctx, const etsim_capture_progress *p);

typedef struct etsim_capture_opts {
    const char *config_path;
    const char *out;                /* overrides the config's "out"         */
    int resume;
    const char *results_dir;        /* write each configuration's live result JSON here */
    const char *synthetic;          /* profile: the synthetic model stands in for servers */
    int shard_i, shard_n;           /* capture shard i of n (1-based) of the problem
                                       range: a contiguous, balanced slice; 0/0 = all */
    volatile sig_atomic_t *stop;    /* set non-zero to stop (finished problems are kept) */
    etsim_capture_progress_fn progress;
    void *progress_ctx;
    /* Crash-safety test hooks (tests/cli_capture_crash.sh; the CLI takes
     * them from ETSIM_TEST_KILL_AT / ETSIM_TEST_STOP_AT): "POINT" or
     * "POINT:K" makes the process SIGKILL (kill_at) or SIGSTOP (stop_at)
     * itself when it reaches POINT (the K-th time). Points: "start" (trace
     * opened and locked, no problem yet), "frame" (after a problem's
     * frame), "rewrite" (after a problem of the final copy), "renamed"
     * (final trace in place, partial file and journal not yet removed).
     * NULL: no hook. */
    const char *test_kill_at;
    const char *test_stop_at;
} etsim_capture_opts;

typedef struct etsim_capture_report {
    int32_t written;          /* problems written by this run                */
    int32_t resumed;          /* problems kept from an interrupted run      */
    int32_t n_configs;
    char **config_names;
    int64_t union_nodes;      /* nodes of the trees written by this run     */
    int64_t *config_nodes;    /* per configuration: nodes its search made, root included */
    etsim_live_counts counts; /* this run                                    */
    etsim_http_stats http;
    double seconds;
    char *out;                /* the trace written                           */
    int partial_kept;         /* stopped or failed: a partial file awaits --resume */
    int restarted;            /* --resume found nothing finished: started afresh
                                 (1: an interrupted run's files, 2: no file at all) */
    int already_complete;     /* --resume found the finished trace in place  */
} etsim_capture_report;

void etsim_capture_report_free(etsim_capture_report *r);

/* Run a capture. Returns 0 when the trace is complete, 1 when stopped on
 * request (the partial file is kept for resume), -1 on error (err set; a
 * partial file with the finished problems is kept for resume). */
int etsim_capture_run(const etsim_capture_opts *opts, etsim_capture_report *rep,
                      etsim_err *err);

/* ---- joining shard traces (etsim trace merge) ------------------------------- */

/* The header settings of a trace joined from capture shards (a callback of
 * etsim_trace_merge, traces/trace_merge.h). Inputs whose settings carry a
 * "capture" object must agree on it except for "shard" and the server URLs
 * (the first input's are kept); when all are shards of one n, every shard
 * 1..n must be there. The result is what one capture of the whole range
 * writes: "capture" without "shard", its config_hash, and "counts" summed
 * over the inputs (left out when `overlap`: a problem in two inputs would
 * be counted twice). Other settings must be identical. NULL (err names the
 * input and the field) when they do not agree. */
char *etsim_capture_settings_merge(void *ctx, const char *const *settings,
                                   const char *const *names, int n, int overlap,
                                   etsim_err *err);

/* ---- coverage of a sweep by a covering trace ---------------------------------- */
typedef struct etsim_coverage_row {
    char *name;
    int64_t requested;  /* children the configuration asked for          */
    int64_t answered;   /* ... that the trace held                        */
    int64_t missing;    /* ... that it did not (truncated)                */
} etsim_coverage_row;

/* Replay each configuration of config_path's "selectors" over the trace
 * with missing children truncated; one row per configuration. */
int etsim_capture_coverage(const char *config_path, const char *trace_path,
                           etsim_coverage_row **rows, int *n, etsim_err *err);
void etsim_capture_coverage_free(etsim_coverage_row *rows, int n);

#endif
