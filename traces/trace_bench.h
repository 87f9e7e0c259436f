/* trace_bench.h -- trace I/O benchmark (hooked into `etsim bench`): build
 * random search-shaped trees, write them as traces, read them back, and
 * report read speed, bytes per node and the embedding encodings' error
 * against float32 cosine similarity. */
#ifndef ETSIM_TRACE_BENCH_H
#define ETSIM_TRACE_BENCH_H

#include <stdio.h>

#include "sim/core/util.h"

typedef struct etsim_trace_bench_result {
    long long nodes;                 /* problems x nodes_per_problem          */
    double fixed_bytes_per_node;     /* whole file, no text/answers/emb/hash  */
    double col_bytes_per_node[4];    /* parent, tokens, score, flags, each
                                      * compressed alone                     */
    double hash_bytes_per_node;      /* extra for text hashes without text    */
    double emb_bytes_per_node[3];    /* whole file with embeddings: f32, f16, i8 */
    double cos_err_max[3], cos_err_mean[3]; /* vs float32 cosine similarity  */
    double text_bytes_per_node;      /* whole file, chosen encoding + text    */
    double read_nodes_per_s;         /* chosen encoding with embeddings, per
                                      * CPU second of the reading thread     */
    double read_fixed_nodes_per_s;   /* fixed fields only, same              */
    double read_nodes_per_s_wall;    /* the same two by the wall clock       */
    double read_fixed_nodes_per_s_wall;
    double write_nodes_per_s;        /* chosen encoding, per CPU second       */
    const char *encoding;            /* the default: "f16"                    */
} etsim_trace_bench_result;

/* Full-size figures for the fixed-field trace and the embedding trace in
 * the default encoding (read speed measured on it, one thread, in CPU time
 * of that thread so that a busy machine does not skew it); the other
 * encodings and the text variant on the first min(problems, 50) problems.
 * emb_dim 0 skips embeddings, with_text 0 skips the text variant. Writes a
 * human-readable report to `report` (may be NULL) and fills *res (may be
 * NULL). Temporary files go to a new directory in tmp_dir (NULL or "":
 * /tmp; the CLI passes $TMPDIR) and are removed. */
int etsim_trace_bench_io(FILE *report, const char *tmp_dir, int problems, int nodes_per_problem,
                         int emb_dim, int with_text, etsim_trace_bench_result *res,
                         etsim_err *err);

#endif
