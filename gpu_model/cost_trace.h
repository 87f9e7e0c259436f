/* cost_trace.h -- what the cost model needs from one replayed problem, in
 * a compact form that outlives the replay's tree.
 *
 * Nodes are the generated nodes in generation order (root = 0, parent
 * before child), as in a result file. Round r is the r-th selection: it
 * forked the nodes [round_off[r], round_off[r+1]), all of depth r + 1 and
 * all children of round r's expanded candidates, in fork order. A fork
 * decodes its step on the policy server and is then scored by the PRM;
 * selection r + 1 waits for all forks of round r. round_cand[r] is the
 * number of candidates selection r saw (host time) and round_embed[r]
 * says whether it embedded them (the selector logged clusters), with
 * round_cand_tokens[r] their step tokens (the embedder's input).
 *
 * Builders validate everything: the input may come from an untrusted
 * result file. */
#ifndef ETSIM_GPU_COST_TRACE_H
#define ETSIM_GPU_COST_TRACE_H

#include <stdint.h>

#include "sim/engine/engine.h"

/* Bounds that keep all token arithmetic far inside int64. */
#define ETSIM_COST_MAX_STEP_TOKENS (1 << 24)
#define ETSIM_COST_MAX_PATH_TOKENS (1 << 28)

typedef struct etsim_cost_trace {
    int32_t problem;            /* problem index (for reports)             */
    int32_t n_nodes;
    int32_t *parent;            /* -1 for the root                         */
    int32_t *tokens;            /* step tokens; root: prompt tokens        */
    int32_t *cum;               /* root..node inclusive                    */
    int32_t *depth;
    int32_t n_rounds;
    int32_t *round_off;         /* n_rounds + 1 entries                    */
    int32_t *round_cand;
    int64_t *round_cand_tokens;
    uint8_t *round_embed;
} etsim_cost_trace;

/* Build from raw arrays (copied). round_* arrays have n_rounds entries;
 * round_cand_tokens and round_embed may be NULL (0). Fails, naming the
 * problem and node, unless: node 0 is the root (parent -1), every other
 * parent precedes its child, tokens are in [0, 2^24), paths stay under
 * 2^28 tokens, depth never decreases along the order, and no node is
 * deeper than n_rounds. */
int etsim_cost_trace_build(etsim_cost_trace *t, int32_t problem, int32_t n_nodes,
                           const int32_t *parent, const int32_t *tokens, int32_t n_rounds,
                           const int32_t *round_cand, const int64_t *round_cand_tokens,
                           const uint8_t *round_embed, etsim_err *err);

/* From an engine result: nodes from gen_order, rounds from the depth logs
 * (round_embed = the log has clusters). */
int etsim_cost_trace_from_result(etsim_cost_trace *t, const etsim_problem_result *r,
                                 etsim_err *err);

void etsim_cost_trace_free(etsim_cost_trace *t);

/* Totals: tokens of all forks (generated = scored). */
int64_t etsim_cost_trace_fork_tokens(const etsim_cost_trace *t);

#endif
