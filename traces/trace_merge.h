/* trace_merge.h -- join traces that hold slices of one problem set (the
 * shards of a capture split across machines) into one trace, as if it had
 * been written in one piece (`etsim trace merge`, traces/FORMAT.md "Joining
 * traces"). */
#ifndef ETSIM_TRACE_MERGE_H
#define ETSIM_TRACE_MERGE_H

#include <stdint.h>

#include "sim/core/util.h"

/* The merged header's settings from the inputs' (each may be NULL; names[i]
 * is input i's path for messages). `overlap`: some problem is in more than
 * one input. Returns a malloc'd JSON object text (or NULL with err unset
 * for "no settings"), or NULL with err set when the inputs do not agree. */
typedef char *(*etsim_trace_settings_merge_fn)(void *ctx, const char *const *settings,
                                               const char *const *names, int n, int overlap,
                                               etsim_err *err);

typedef struct etsim_trace_merge_opts {
    int zstd_level;                         /* 0: ETSIM_TRACE_DEFAULT_LEVEL */
    /* NULL: the settings must be identical in every input. */
    etsim_trace_settings_merge_fn settings_merge;
    void *settings_ctx;
} etsim_trace_merge_opts;

typedef struct etsim_trace_merge_report {
    int32_t problems;    /* in the output                                  */
    int32_t duplicates;  /* problems found in more than one input (equal)  */
    int64_t nodes;       /* in the output                                  */
} etsim_trace_merge_report;

/* Write `out` (temporary file + rename: nothing appears on error) holding
 * every problem of the n inputs in increasing problem index. The inputs
 * must be complete traces (with their index) whose headers agree field by
 * field (dataset, models, tokenizer, step delimiter, answer format,
 * embedding dimension and encoding, tokens_estimated; settings as above);
 * problems_planned, longest_path and the index counters are recomputed. A
 * problem present in several inputs must have byte-identical records
 * (decompressed), else the error names it and both inputs. Each problem is
 * decoded and re-encoded, so every record is validated on the way. */
int etsim_trace_merge(const char *out, const char *const *inputs, int n,
                      const etsim_trace_merge_opts *opts, etsim_trace_merge_report *rep,
                      etsim_err *err);

#endif
