/* cost_trace.c -- build and validate the compact per-problem input of the
 * cost model (see cost_trace.h). One pass over the nodes checks the tree
 * invariants; rounds are the runs of equal depth in generation order. */
#include "gpu_model/cost_trace.h"

#include <stdlib.h>
#include <string.h>

void etsim_cost_trace_free(etsim_cost_trace *t) {
    free(t->parent);
    free(t->tokens);
    free(t->cum);
    free(t->depth);
    free(t->round_off);
    free(t->round_cand);
    free(t->round_cand_tokens);
    free(t->round_embed);
    memset(t, 0, sizeof *t);
}

int etsim_cost_trace_build(etsim_cost_trace *t, int32_t problem, int32_t n_nodes,
                           const int32_t *parent, const int32_t *tokens, int32_t n_rounds,
                           const int32_t *round_cand, const int64_t *round_cand_tokens,
                           const uint8_t *round_embed, etsim_err *err) {
    memset(t, 0, sizeof *t);
    t->problem = problem;
    if (n_nodes < 1)
        return etsim_errf(err, "problem %d: no nodes (the root is missing)", problem);
    if (n_rounds < 0) return etsim_errf(err, "problem %d: negative round count", problem);
    size_t nn = (size_t)n_nodes, nr = (size_t)n_rounds;
    t->n_nodes = n_nodes;
    t->n_rounds = n_rounds;
    t->parent = etsim_malloc(nn * sizeof *t->parent);
    t->tokens = etsim_malloc(nn * sizeof *t->tokens);
    t->cum = etsim_malloc(nn * sizeof *t->cum);
    t->depth = etsim_malloc(nn * sizeof *t->depth);
    t->round_off = etsim_calloc(nr + 1, sizeof *t->round_off);
    t->round_cand = etsim_calloc(nr + 1, sizeof *t->round_cand);
    t->round_cand_tokens = etsim_calloc(nr + 1, sizeof *t->round_cand_tokens);
    t->round_embed = etsim_calloc(nr + 1, sizeof *t->round_embed);

    for (int32_t i = 0; i < n_nodes; i++) {
        int32_t p = parent[i], k = tokens[i];
        if (i == 0 ? p != -1 : (p < 0 || p >= i)) {
            etsim_errf(err, "problem %d: node %d: parent %d %s", problem, i, p,
                       i == 0 ? "(the root's parent must be -1)" : "must precede the node");
            goto err;
        }
        if (k < 0 || k >= ETSIM_COST_MAX_STEP_TOKENS) {
            etsim_errf(err, "problem %d: node %d: step tokens %d out of range [0, %d)", problem, i,
                       k, ETSIM_COST_MAX_STEP_TOKENS);
            goto err;
        }
        int64_t cum = (int64_t)k + (i ? t->cum[p] : 0);
        if (cum >= ETSIM_COST_MAX_PATH_TOKENS) {
            etsim_errf(err, "problem %d: node %d: path of %lld tokens is too long", problem, i,
                       (long long)cum);
            goto err;
        }
        t->parent[i] = p;
        t->tokens[i] = k;
        t->cum[i] = (int32_t)cum;
        t->depth[i] = i ? t->depth[p] + 1 : 0;
        if (i > 1 && t->depth[i] < t->depth[i - 1]) {
            etsim_errf(err, "problem %d: node %d: depth %d after depth %d (nodes must be in "
                       "generation order)", problem, i, t->depth[i], t->depth[i - 1]);
            goto err;
        }
        if (t->depth[i] > n_rounds) {
            etsim_errf(err, "problem %d: node %d: depth %d but only %d selections", problem, i,
                       t->depth[i], n_rounds);
            goto err;
        }
    }
    /* round r = nodes of depth r + 1; depths are sorted, so a counting pass */
    for (int32_t i = 1; i < n_nodes; i++) t->round_off[t->depth[i] - 1]++;
    for (int32_t r = 0, acc = 1; r <= n_rounds; r++) {
        int32_t c = t->round_off[r];
        t->round_off[r] = acc;
        acc += c;
    }
    for (int32_t r = 0; r < n_rounds; r++) {
        int32_t c = round_cand ? round_cand[r] : 0;
        int64_t ct = round_cand_tokens ? round_cand_tokens[r] : 0;
        if (c < 0 || ct < 0 || ct > (int64_t)c * ETSIM_COST_MAX_STEP_TOKENS) {
            etsim_errf(err, "problem %d: selection %d: bad candidate count %d or tokens %lld",
                       problem, r, c, (long long)ct);
            goto err;
        }
        t->round_cand[r] = c;
        t->round_cand_tokens[r] = ct;
        t->round_embed[r] = round_embed && round_embed[r] ? 1 : 0;
    }
    return 0;
err:
    etsim_cost_trace_free(t);
    return -1;
}

int etsim_cost_trace_from_result(etsim_cost_trace *t, const etsim_problem_result *r,
                                 etsim_err *err) {
    const etsim_tree *tree = &r->tree;
    int32_t n = r->n_gen, nr = r->n_logs, pidx = tree->prob.index;
    int rc = -1;
    int32_t *remap = etsim_malloc((size_t)(tree->n_nodes > 0 ? tree->n_nodes : 1) * sizeof *remap);
    int32_t *parent = etsim_malloc((size_t)(n > 0 ? n : 1) * sizeof *parent);
    int32_t *tokens = etsim_malloc((size_t)(n > 0 ? n : 1) * sizeof *tokens);
    int32_t *cand = etsim_malloc((size_t)(nr > 0 ? nr : 1) * sizeof *cand);
    int64_t *cand_tok = etsim_malloc((size_t)(nr > 0 ? nr : 1) * sizeof *cand_tok);
    uint8_t *embed = etsim_malloc((size_t)(nr > 0 ? nr : 1));
    memset(t, 0, sizeof *t);
    for (int32_t i = 0; i < tree->n_nodes; i++) remap[i] = -1;
    for (int32_t k = 0; k < n; k++) {
        int32_t v = r->gen_order[k];
        if (v < 0 || v >= tree->n_nodes) {
            etsim_errf(err, "problem %d: generation order entry %d: node %d out of range", pidx,
                       k, v);
            goto err;
        }
        remap[v] = k;
    }
    for (int32_t k = 0; k < n; k++) {
        const etsim_node *nd = &tree->nodes[r->gen_order[k]];
        parent[k] = nd->parent < 0 ? -1 : remap[nd->parent];
        if (k > 0 && parent[k] < 0) {
            etsim_errf(err, "problem %d: node %d: parent was not generated", pidx,
                       r->gen_order[k]);
            goto err;
        }
        tokens[k] = nd->step_tokens;
    }
    for (int32_t d = 0; d < nr; d++) {
        const etsim_depth_log *lg = &r->logs[d];
        cand[d] = lg->n_cand;
        embed[d] = lg->has_clusters ? 1 : 0;
        int64_t sum = 0;
        for (int32_t i = 0; i < lg->n_cand; i++) {
            int32_t v = r->log_nodes[lg->cand_off + i];
            if (v >= 0 && v < tree->n_nodes) sum += tree->nodes[v].step_tokens;
        }
        cand_tok[d] = sum;
    }
    rc = etsim_cost_trace_build(t, pidx, n, parent, tokens, nr, cand, cand_tok, embed, err);
err:
    free(remap);
    free(parent);
    free(tokens);
    free(cand);
    free(cand_tok);
    free(embed);
    return rc;
}

int64_t etsim_cost_trace_fork_tokens(const etsim_cost_trace *t) {
    int64_t s = 0;
    for (int32_t i = 1; i < t->n_nodes; i++) s += t->tokens[i];
    return s;
}
