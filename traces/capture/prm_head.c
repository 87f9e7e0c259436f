/* prm_head.c -- reward-head PRMs through vLLM's /pooling (see prm.h): the
 * REBASE/ETS Llemma-34B PRM outputs a value per token; the path text ends
 * with the step tag, so the last row of the per-token outputs is the head
 * at the last tag. prm_transform picks the score: "sigmoid-mean"
 * (sigmoid of the mean of that row, the reference's reading), "mean"
 * (the mean as is) or "first" (its first component, e.g. P("+") from
 * vLLM's STEP pooler with returned_token_ids, already a probability). */
#include <math.h>
#include <string.h>

#include "traces/capture/parse.h"
#include "traces/capture/prm.h"

static char *head_request(const etsim_live_config *c, const char *model, const char *question,
                          const char *const *steps, int n, size_t *len) {
    etsim_jbuf b = {0};
    etsim_jbuf_raw(&b, "{\"model\":");
    etsim_jbuf_str(&b, model);
    if (c->prm_pooling_task) {
        etsim_jbuf_raw(&b, ",\"task\":");
        etsim_jbuf_str(&b, c->prm_pooling_task);
    }
    etsim_jbuf_raw(&b, ",\"input\":");
    etsim_jbuf_qopen(&b);
    etsim_live_prm_path_text(&b, c, question, steps, n);
    etsim_jbuf_qclose(&b);
    etsim_jbuf_raw(&b, "}");
    return etsim_jbuf_take(&b, len);
}

static int head_score(const etsim_live_config *c, const char *body, size_t len, double *score,
                      etsim_live_counts *cnt, etsim_err *err) {
    (void)cnt;
    double mean, first;
    if (etsim_live_parse_pooling_last(body, len, &mean, &first, err) < 0) return -1;
    /* A NaN, or a "first" output outside [0, 1], is no score: the server
     * is broken, and dropping the child would silently change the tree. */
    if (!strcmp(c->prm_transform, "first")) {
        if (!(first >= 0 && first <= 1))
            return etsim_errf(err, "data[0].data: last row's first value is %g: not a probability "
                                   "in [0, 1]", first);
        *score = first;
    } else {
        if (isnan(mean) || (!strcmp(c->prm_transform, "mean") && !isfinite(mean)))
            return etsim_errf(err, "data[0].data: last row's mean is %g: not a score", mean);
        *score = !strcmp(c->prm_transform, "mean") ? mean : 1.0 / (1.0 + exp(-mean));
    }
    return 1;
}

const etsim_live_prm etsim_live_prm_head = {
    .name = "reward-head",
    .path = "/pooling",
    .request = head_request,
    .score = head_score,
};
