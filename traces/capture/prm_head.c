/* prm_head.c -- reward-head PRMs through vLLM's /pooling (see prm.h): the
 * REBASE/ETS Llemma-34B PRM outputs a value per token; the path text ends
 * with the step tag, so the last row of the per-token outputs is the head
 * at the last tag. prm_transform picks the score: "sigmoid-mean"
 * (sigmoid of the mean of that row, the reference's reading), "mean"
 * (the mean as is) or "first" (its first component, e.g. P("+") from
 * vLLM's STEP pooler with returned_token_ids, already a probability).
 *
 * The reply's shape is checked against the transform, since any array of
 * numbers would otherwise give a number: rows must be arrays (per token or
 * per step tag; a flat list is a sequence-level output such as a
 * classifier's pair), "first" needs rows of exactly 2 probabilities
 * (P(+), P(-), summing to at most 1), the means need rows of at most
 * HEAD_MAX_WIDTH values (a wider row is a hidden state, not a head's
 * output), and every reply must have the first reply's width. For the
 * means the request says "use_activation": false (raw head outputs). */
#include <math.h>
#include <string.h>

#include "traces/capture/parse.h"
#include "traces/capture/prm_label.h"

#define HEAD_MAX_WIDTH 16

static char *head_request(const etsim_live_config *c, const char *model, const char *question,
                          const char *const *steps, int n, size_t *len) {
    etsim_sbuf b = {0};
    etsim_sbuf_puts(&b, "{\"model\":");
    etsim_sbuf_json_string_mode(&b, model, ETSIM_JSON_BYTES);
    if (c->prm_pooling_task) {
        etsim_sbuf_puts(&b, ",\"task\":");
        etsim_sbuf_json_string_mode(&b, c->prm_pooling_task, ETSIM_JSON_BYTES);
    }
    /* The means read the head's raw outputs, but vLLM applies the task's
     * activation by default for (token_)classify -- a sigmoid for one
     * label, a softmax for more (pooling_params.py
     * _set_default_parameters) -- and sigmoid-mean would then squash an
     * already squashed value into (0.5, 0.73). "first" reads the STEP
     * pooler's probabilities, activation included.
     * vLLM 0.10.0 to 0.11.0 named the switch "softmax" and ignore an
     * unknown "use_activation" (the start-up /version probe says which;
     * never both: the first alias reader of the use_activation releases
     * takes any "softmax" given, false included, as true --
     * config/pooler.py get_use_activation). */
    if (strcmp(c->prm_transform, "first"))
        etsim_sbuf_puts(&b, c->prm_act_softmax ? ",\"softmax\":false" : ",\"use_activation\":false");
    etsim_sbuf_puts(&b, ",\"input\":");
    etsim_sbuf_putc(&b, '"');
    etsim_live_prm_path_text(&b, c, question, steps, n);
    etsim_sbuf_putc(&b, '"');
    etsim_sbuf_puts(&b, "}");
    return etsim_sbuf_take(&b, len);
}

static int head_score(const etsim_live_config *c, const char *body, size_t len, double *score,
                      etsim_live_counts *cnt, etsim_live_prm_seen *seen, etsim_err *err) {
    (void)cnt;
    etsim_live_pooling p;
    if (etsim_live_parse_pooling(body, len, &p, err) < 0) return -1;
    int first = !strcmp(c->prm_transform, "first");
    if (p.flat)
        return etsim_live_prm_refuse(err, "data[0].data: a flat list of %d numbers is a sequence-level output "
                               "(e.g. a classifier's pair), not per-token rows; serve the PRM with "
                               "an ALL or STEP pooler", (int)p.rows);
    if (first && p.width != 2)
        return etsim_live_prm_refuse(err, "data[0].data: rows of %d values; prm_transform \"first\" reads "
                               "rows of 2 probabilities (P(+), P(-): a STEP pooler with two "
                               "returned_token_ids)", (int)p.width);
    if (!first && p.width > HEAD_MAX_WIDTH)
        return etsim_live_prm_refuse(err, "data[0].data: rows of %d values: a hidden state, not a reward "
                               "head's output (at most %d values); serve the model with its "
                               "reward head (--task reward)", (int)p.width, HEAD_MAX_WIDTH);
    if (!seen->form) {
        seen->form = 3;
        seen->width = p.width;
    } else if (seen->width != p.width) {
        return etsim_live_prm_refuse(err, "data[0].data: the reply changed shape: rows of %d values, the first "
                               "reply's had %d", (int)p.width, (int)seen->width);
    }
    /* A "first" output outside [0, 1], or a pair above 1, is no
     * probability: the server is broken, and dropping the child would
     * silently change the tree. */
    if (first) {
        if (!(p.last_min >= 0 && p.last_max <= 1 && p.last_sum <= 1 + 1e-3))
            return etsim_live_prm_refuse(err, "data[0].data: last row (%g, %g) is not a pair of probabilities "
                                   "summing to at most 1", p.last_first, p.last_sum - p.last_first);
        *score = p.last_first;
    } else {
        *score = !strcmp(c->prm_transform, "mean") ? p.last_mean : 1.0 / (1.0 + exp(-p.last_mean));
    }
    return 1;
}

const etsim_live_prm etsim_live_prm_head = {
    .name = "reward-head",
    .path = "/pooling",
    .request = head_request,
    .score = head_score,
};
