/* metrics.h -- what a sweep records about one (configuration, problem) and
 * how a configuration's summary is computed from those records.
 *
 * Problem line (one JSON object on one line; every number formatted with
 * etsim_fmt_double, so a line is a pure function of config and problem):
 *   {"cfg": HASH, "p": INDEX, "id", "gt" (ground truth),
 *    "c": {engine counters},
 *    "kv": {"shared_mean", "shared_peak", "unshared_mean", "unshared_peak"}
 *          (per-round resident KV tokens: radix-shared and per-path),
 *    "leaves": N,
 *    "vote": {"weighted": [ANSWER, CORRECT], "majority": [...], "best": [...]},
 *    "answers": [[ANSWER, COUNT, WEIGHT], ...]  (exact strings, first-seen order),
 *    "ct": {...}  compact cost trace, only when the config has GPU settings}
 *
 * Summary line, appended once every problem of the config is present and
 * recomputed from the problem lines in problem order (so it never depends
 * on the order work finished in):
 *   {"cfg": HASH, "summary": {"problems", "accuracy": {"weighted",
 *    "majority", "best"} (percent), "counters": {sums}, "mean": {per
 *    problem means of model_calls, tokens_generated, kv_tokens, kv shared
 *    mean/peak}, "gpu": [{"setting", "makespan_s", "problems_per_s",
 *    "tokens_per_s", "flops", "policy": {...}, "prm": {...}}]}} */
#ifndef ETSIM_SWEEP_METRICS_H
#define ETSIM_SWEEP_METRICS_H

#include <stddef.h>

#include "sim/engine/engine.h"
#include "sim/sweep/grid.h"

/* Build the line for one problem (malloc'd, '\n'-terminated, *len set). */
char *etsim_sweep_problem_line(const etsim_sweep_grid *g, const etsim_sweep_config *cf,
                               const etsim_problem_result *r, size_t *len, etsim_err *err);

/* Summary of a config: feed its problem lines in problem order. */
typedef struct etsim_sweep_summarizer etsim_sweep_summarizer;

etsim_sweep_summarizer *etsim_sweep_summarizer_new(const etsim_sweep_grid *g,
                                                   const etsim_sweep_config *cf);
int etsim_sweep_summarizer_add(etsim_sweep_summarizer *s, const char *line, size_t len,
                               etsim_err *err);
/* The summary line (malloc'd, '\n'-terminated); runs the GPU simulation of
 * every GPU setting over the collected cost traces. */
char *etsim_sweep_summarizer_finish(etsim_sweep_summarizer *s, size_t *len, etsim_err *err);
void etsim_sweep_summarizer_free(etsim_sweep_summarizer *s);

/* Weighted majority (weights = last-step scores), majority and best-of-N
 * answers of a problem's leaves (sim/eval/vote.h, the reference's rules),
 * and whether each matches the ground truth with the reference grader.
 * idx: 0 weighted, 1 majority, 2 best. answer[i] points into the tree
 * (NULL: no answer). */
typedef struct etsim_sweep_votes {
    const char *answer[3];
    int correct[3];
} etsim_sweep_votes;

void etsim_sweep_vote(const etsim_problem_result *r, etsim_sweep_votes *out);

#endif
