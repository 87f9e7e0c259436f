/* result.h -- the replay result file: one JSON document written as a stream
 * (a problem at a time, so memory never holds more than the problems in
 * flight) into a temporary file renamed into place on success.
 *
 * Format (etsim_result = 1):
 * {
 *  "etsim_result": 1,
 *  "config": {"selector", "width", "params": {...}, "max_tokens",
 *             "max_expansions", "on_missing", "root_tokens",
 *             "kv_metric" (only when "reference"),
 *             "source": {"kind", "spec"}, "meta": {trace header fields}},
 *  "problems": [ {
 *     "index", "id", "answer" (ground truth), "subject", "level",
 *     "prompt_tokens",
 *     "counters": {model_calls, tokens_generated, kv_tokens, selections,
 *                  nodes_generated, dropped_unscored, retired_leaf,
 *                  retired_length, missing_children, resampled_children,
 *                  no_leaf, no_leaf_max_expansions, no_leaf_max_tokens:
 *                  1 when the problem ended without any scored leaf, in
 *                  all / because of that limit (sim/engine/engine.h)},
 *     "nodes": {          generated nodes; id = position, root = 0
 *        "parent": [...], "tokens": [...] (step tokens; root: prompt),
 *        "score": [...] (null when unscored), "flags": [...] (ETSIM_NODE_*),
 *        "text": [...] only with --with-text },
 *     "decisions": [ {"depth", "width", "kv_tokens",
 *        "candidates": [ids], "scores": [...], "counts": [...],
 *        "expansions": [[id, count], ...] in fork order,
 *        optional "tags", "kept", "clusters", "objective"} ],
 *     "leaves": [ {"node", "answer", "tokens" (cumulative, prompt included),
 *                  "step_scores": [root-to-leaf scores, root excluded]} ]
 *  } ... ],
 *  "summary": {"problems", "counters": summed (no_leaf*: problems),
 *              "accuracy": the paper's
 *              default vote (weighted majority, last step score) with
 *              per-subject and per-level breakdowns}
 * }
 * Node ids in a result are generation order (as the reference numbers its
 * nodes), not the trace's ids. */
#ifndef ETSIM_RESULT_H
#define ETSIM_RESULT_H

#include "sim/core/sbuf.h"
#include "sim/engine/engine.h"

enum { ETSIM_RESULT_WITH_TEXT = 1 };

/* A section of "summary" computed over the problems written: the engine
 * scores nothing itself, so evaluation plugs its accuracy in here
 * (etsim_eval_summary in sim/eval/score.h writes "accuracy"). */
typedef struct etsim_result_summary {
    const char *key;        /* key inside "summary"                         */
    void *ctx;
    /* Called once per problem written, in file order. */
    int (*add)(void *ctx, const etsim_problem_result *r, etsim_err *err);
    /* Append the section's JSON value. */
    void (*json)(void *ctx, etsim_sbuf *b);
} etsim_result_summary;

typedef struct etsim_result_writer {
    etsim_atomic_file af;
    int flags;
    int n_problems;
    etsim_counters total;
    int32_t *remap;          /* tree id -> result id scratch */
    int64_t cap_remap;
    etsim_sbuf buf;          /* one problem's JSON, written at once */
    etsim_sbuf scores;       /* formatted scores of the problem's nodes */
    const etsim_result_summary *summary; /* NULL: counters only          */
    int64_t *score_off;      /* gen id -> offset in scores (n_gen + 1) */
    int64_t cap_score_off;
} etsim_result_writer;

/* source_kind/spec describe the oracle ("synthetic", "default"); summary
 * (may be NULL; must outlive the writer) adds its section to "summary". */
int etsim_result_writer_open(etsim_result_writer *w, const char *path, int flags,
                             const etsim_search_config *cfg, const char *source_kind,
                             const char *source_spec, const etsim_meta *meta,
                             const etsim_result_summary *summary, etsim_err *err);
int etsim_result_writer_add(etsim_result_writer *w, const etsim_problem_result *res,
                            etsim_err *err);
int etsim_result_writer_commit(etsim_result_writer *w, etsim_err *err);
void etsim_result_writer_abort(etsim_result_writer *w);

/* Write the config object alone (also used by sweeps to key configs). */
void etsim_result_config_json(etsim_sbuf *b, const etsim_search_config *cfg);

#endif
