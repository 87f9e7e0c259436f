/* export.h -- write a replay result as the ETS / REBASE harness writes its
 * output, so that the reference evaluation scripts (math_evaluate.py) run
 * on it unchanged:
 *
 *  DIR/answers.json  a list, one object per problem in file order:
 *                    {"id": index, "question", "model_answer": [{"text",
 *                    "step_scores"}] (leaves in generation order, as
 *                    rebase.py lists its leaf nodes), "ground_truth_answer",
 *                    "total_tokens" (= counters.tokens_generated)}; written
 *                    the way Python's json.dump(..., indent=4) writes it
 *                    (ASCII only, \uXXXX escapes, float repr).
 *  DIR/stats.log     rebase.py's four lines: "Total KV cache size: N",
 *                    "Number of Model Calls: N", "Number of Tokens
 *                    Generated: N" (sums of the problems' counters) and
 *                    "Time: X" (opts->time_s, default 0.0: a replay has no
 *                    wall time of its own; pass the cost model's estimate).
 *
 * Leaf text: the root-to-leaf text (score.h etsim_eval_join_text) when the
 * result has step texts (etsim replay --with-text); otherwise the answer
 * line of the extraction profile alone (etsim_eval_answer_text, e.g.
 * "The answer is: 765 ки"), which the reference extraction reads as the
 * same answer `etsim eval` uses (sal: see score.h); a leaf with neither gets "" (reads as
 * "[invalid]", counted). When a leaf has both an answer and texts and the
 * text would read differently, it is counted in text_mismatch.
 * Question: the dataset's (opts->dataset, matched by id), else the
 * result's root text, else "".
 *
 * Both files appear together or not at all (atomic writes; on any error
 * neither is left behind). */
#ifndef ETSIM_EVAL_EXPORT_H
#define ETSIM_EVAL_EXPORT_H

#include "sim/eval/bench_data.h"
#include "sim/eval/extract.h"

typedef struct etsim_export_opts {
    const char *dir;                /* created if missing (one level)        */
    const char *answer_format;      /* NULL: the result's, else shepherd     */
    const etsim_bench_set *dataset; /* question source, or NULL              */
    double time_s;                  /* stats.log "Time:"                     */
} etsim_export_opts;

typedef struct etsim_export_stats {
    int32_t problems;
    int64_t leaves;
    int64_t from_answer;            /* leaf texts written from the answer     */
    int64_t no_answer;              /* leaves with neither answer nor text    */
    int64_t text_mismatch;          /* texts that read another answer         */
    int64_t kv_tokens, model_calls, tokens_generated;
    etsim_extract_profile profile;
} etsim_export_stats;

int etsim_export_ets(const char *result_path, const etsim_export_opts *o, etsim_export_stats *st, etsim_err *err);

#endif
