/* rebase.c -- REBASE (Wu et al. 2024), `select_softmax` in the ETS harness.
 *
 * Candidates are ordered as the reference orders them (`sorted(key=score)`
 * then `reverse()`: descending, ties with the later-inserted candidate
 * first) and receive children by the sequential-ceil rule over
 * e_i = exp(score_i / T): w_i = ceil(B e_i / sum_{j>=i} e_j), B -= w_i.
 * The fork order -- and so the next depth's insertion order -- is that
 * sorted order. See selectors/README.md for the numeric choices. */
#include <math.h>
#include <stdlib.h>

#include "sim/engine/selector.h"
#include "selectors/common.h"

enum { P_TEMPERATURE };

static const etsim_param_def rebase_params[] = {
    {"softmax_temperature", 0.2, 1e-6, 1e6, "T in exp(score / T); lower is greedier", 0},
    {NULL, 0, 0, 0, NULL, 0},
};

static int rebase_select(const etsim_sel_config *cfg, const etsim_sel_input *in,
                         etsim_sel_output *out, etsim_err *err) {
    int32_t n = in->n_cand;
    double temperature = cfg->v[P_TEMPERATURE];
    double *scores = etsim_malloc((size_t)n * sizeof *scores);
    double *logits = etsim_malloc((size_t)n * sizeof *logits);
    int32_t *order = etsim_malloc((size_t)n * sizeof *order);
    int32_t *counts = etsim_malloc((size_t)n * sizeof *counts);
    for (int32_t i = 0; i < n; i++) scores[i] = in->nodes[in->cand[i]].score;
    etsim_order_desc_later_first(scores, n, order);
    for (int32_t i = 0; i < n; i++) logits[i] = scores[order[i]] / temperature;
    etsim_rebase_allocate(logits, n, in->width, counts);
    for (int32_t i = 0; i < n; i++) etsim_sel_expand(out, order[i], counts[i]);
    free(scores);
    free(logits);
    free(order);
    free(counts);
    (void)err;
    return 0;
}

const etsim_selector etsim_selector_rebase = {
    .abi = ETSIM_SELECTOR_ABI,
    .name = "rebase",
    .summary = "REBASE: softmax(score/T) sequential-ceil allocation of the width",
    .params = rebase_params,
    .validate = NULL,
    .select = rebase_select,
};
