/* beam.c -- beam search as the ETS harness runs it (`select_beam_search` in
 * SqueezeAILab/ETS rebase.py).
 *
 * keep = fixedwidth when set (> 0), else ceil(sqrt(B)) with B the
 * remaining width. Depth 0: the root gets B children. Otherwise candidates
 * are ordered as the reference's `sorted(key=score); reverse()` (descending,
 * ties later-inserted first) and the first `keep` of that order get
 * ceil(B / keep) children each, the rest none; the total may exceed B, as
 * in the reference. Expansions are emitted in that order, which is the
 * reference's fork order and so the next depth's insertion order. */
#include <math.h>
#include <stdlib.h>

#include "sim/engine/selector.h"
#include "selectors/common.h"

enum { P_FIXEDWIDTH };

static const etsim_param_def beam_params[] = {
    {"fixedwidth", 0, 0, 1e6, "beams kept per step; 0 = ceil(sqrt(remaining width))", 1},
    {NULL, 0, 0, 0, NULL, 0},
};

static int beam_select(const etsim_sel_config *cfg, const etsim_sel_input *in,
                       etsim_sel_output *out, etsim_err *err) {
    int32_t n = in->n_cand, width = in->width;
    if (width <= 0) return etsim_errf(err, "beam: remaining width %d", width);
    if (in->depth == 0 && n != 1)
        return etsim_errf(err, "beam: depth 0 must have the root as its only candidate (%d given)", n);
    int32_t fixed = (int32_t)cfg->v[P_FIXEDWIDTH];
    int32_t keep = fixed > 0 ? fixed : etsim_ceil_sqrt(width);
    int32_t num = in->depth == 0 ? width : (int32_t)(((int64_t)width + keep - 1) / keep);
    double *scores = etsim_malloc((size_t)(n > 0 ? n : 1) * sizeof *scores);
    int32_t *order = etsim_malloc((size_t)(n > 0 ? n : 1) * sizeof *order);
    for (int32_t i = 0; i < n; i++) {
        const etsim_sel_node *nd = &in->nodes[in->cand[i]];
        if (!isfinite(nd->score)) {
            free(scores);
            free(order);
            return etsim_errf(err, "node %d: field score: not a finite number", nd->id);
        }
        scores[i] = nd->score;
    }
    etsim_order_desc_later_first(scores, n, order);
    for (int32_t r = 0; r < n && r < keep; r++) etsim_sel_expand(out, order[r], num);
    free(scores);
    free(order);
    return 0;
}

const etsim_selector etsim_selector_beam = {
    .abi = ETSIM_SELECTOR_ABI,
    .name = "beam",
    .summary = "beam search: top ceil(sqrt(B)) (or fixedwidth) get ceil(B/keep) children",
    .params = beam_params,
    .validate = NULL,
    .select = beam_select,
};
