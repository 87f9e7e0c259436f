/* dvts.c -- diverse verifier tree search as the ETS harness runs it
 * (`select_dvts` in SqueezeAILab/ETS rebase.py).
 *
 * subtrees = fixedwidth when set (> 0), else ceil(sqrt(N)) with N the
 * initial width; tree_width = floor(N / subtrees).
 *   depth 0:  the root gets N children.
 *   depth 1:  if there are fewer candidates than subtrees, the candidate
 *             list is cycled up to `subtrees` entries (a candidate can then
 *             appear, and be expanded, more than once). The list is split in
 *             insertion order into `subtrees` contiguous groups of
 *             floor(len / subtrees), the first (len mod subtrees) one larger;
 *             each entry takes its group's subtree id (a repeated candidate
 *             keeps the LAST id, as set_dvts_id overwrites); each group keeps
 *             its best entry (strictly greater wins: the first maximum stays).
 *   depth >= 2: subtree ids are inherited from the parent (the engine
 *             copies the tag); each parent keeps its best child (first
 *             maximum in insertion order).
 * Every entry of the (possibly cycled) list is emitted in list order; a
 * kept one gets tree_width children. The reference's per-subtree remaining
 * width is never decremented (retired nodes never carry a subtree id), so
 * every kept node gets the same tree_width; the subtree id is kept in the
 * tag for the decision log only. The remaining width B is not used.
 * The cycled list's repeats are reported in out->kv_extra for the engine's
 * kv_metric=reference. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/selector.h"
#include "selectors/common.h"

enum { P_FIXEDWIDTH };

static const etsim_param_def dvts_params[] = {
    {"fixedwidth", 0, 0, 1e6, "number of subtrees; 0 = ceil(sqrt(initial width))", 1},
    {NULL, 0, 0, 0, NULL, 0},
};

static int dvts_select(const etsim_sel_config *cfg, const etsim_sel_input *in,
                       etsim_sel_output *out, etsim_err *err) {
    int32_t n = in->n_cand, N = in->initial_width;
    if (in->width <= 0 || N <= 0)
        return etsim_errf(err, "dvts: remaining width %d, initial width %d", in->width, N);
    for (int32_t i = 0; i < n; i++) {
        const etsim_sel_node *nd = &in->nodes[in->cand[i]];
        if (!isfinite(nd->score))
            return etsim_errf(err, "node %d: field score: not a finite number", nd->id);
    }
    int32_t fixed = (int32_t)cfg->v[P_FIXEDWIDTH];
    int32_t subtrees = fixed > 0 ? fixed : etsim_ceil_sqrt(N);
    int32_t tree_width = N / subtrees;
    if (in->depth == 0) {
        if (n != 1)
            return etsim_errf(err, "dvts: depth 0 must have the root as its only candidate (%d given)", n);
        etsim_sel_expand(out, 0, N);
        return 0;
    }
    uint8_t *kept = etsim_calloc((size_t)n, 1);
    if (in->depth == 1) {
        int32_t len = n < subtrees ? subtrees : n;
        int32_t *list = etsim_malloc((size_t)len * sizeof *list);
        for (int32_t k = 0; k < len; k++) list[k] = k % n; /* itertools.cycle */
        int32_t split = len / subtrees, extra = len - split * subtrees, start = 0;
        for (int32_t g = 0; g < subtrees; g++) {
            int32_t end = start + split + (extra > 0 ? 1 : 0);
            if (extra > 0) extra--;
            int32_t best = list[start];
            double best_score = in->nodes[in->cand[best]].score;
            for (int32_t j = start; j < end; j++) {
                int32_t c = list[j];
                out->tags[c] = g;
                double s = in->nodes[in->cand[c]].score;
                if (s > best_score) {
                    best = c;
                    best_score = s;
                }
            }
            kept[best] = 1;
            start = end;
        }
        for (int32_t k = 0; k < len; k++)
            if (kept[list[k]] && tree_width > 0) etsim_sel_expand(out, list[k], tree_width);
        /* The reference's get_kv_size(nodes) gets the cycled list and
         * counts a repeated entry's own tokens each time. */
        for (int32_t k = n; k < len; k++) out->kv_extra[list[k]]++;
        free(list);
    } else {
        /* best child per parent, indexed by the parent's view index */
        int32_t *best = etsim_malloc((size_t)in->n_nodes * sizeof *best);
        for (int32_t v = 0; v < in->n_nodes; v++) best[v] = -1;
        for (int32_t i = 0; i < n; i++) {
            int32_t p = in->nodes[in->cand[i]].parent;
            if (p < 0 || p >= in->n_nodes) {
                free(best);
                free(kept);
                return etsim_errf(err, "dvts: node %d at depth %d has no parent",
                                  in->nodes[in->cand[i]].id, in->depth);
            }
            if (best[p] < 0 || in->nodes[in->cand[i]].score > in->nodes[in->cand[best[p]]].score)
                best[p] = i;
        }
        for (int32_t v = 0; v < in->n_nodes; v++)
            if (best[v] >= 0) kept[best[v]] = 1;
        free(best);
        for (int32_t i = 0; i < n; i++)
            if (kept[i] && tree_width > 0) etsim_sel_expand(out, i, tree_width);
    }
    free(kept);
    return 0;
}

const etsim_selector etsim_selector_dvts = {
    .abi = ETSIM_SELECTOR_ABI,
    .name = "dvts",
    .summary = "DVTS: ceil(sqrt(N)) independent subtrees, best child per parent",
    .params = dvts_params,
    .validate = NULL,
    .select = dvts_select,
};
