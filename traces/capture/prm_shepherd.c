/* prm_shepherd.c -- Math-Shepherd style PRMs through /v1/completions (see
 * prm.h). The path ends with the tag, so the distribution of the one token
 * generated after it is the PRM's "+"/"-" judgement of the last step: the
 * same logits Math-Shepherd reads at the tag position (causal attention
 * makes them independent of anything after the tag). */
#include "traces/capture/prm_label.h"

static char *shepherd_request(const etsim_live_config *c, const char *model,
                              const char *question, const char *const *steps, int n,
                              size_t *len) {
    etsim_jbuf b = {0};
    etsim_jbuf_raw(&b, "{\"model\":");
    etsim_jbuf_str(&b, model);
    etsim_jbuf_raw(&b, ",\"prompt\":");
    etsim_jbuf_qopen(&b);
    etsim_live_prm_path_text(&b, c, question, steps, n);
    etsim_jbuf_qclose(&b);
    etsim_jbuf_printf(&b, ",\"max_tokens\":1,\"temperature\":0,\"logprobs\":%d",
                      (int)c->prm_top_logprobs);
    etsim_live_prm_ids_field(&b, c);
    etsim_jbuf_raw(&b, "}");
    return etsim_jbuf_take(&b, len);
}

const etsim_live_prm etsim_live_prm_shepherd = {
    .name = "shepherd-logprobs",
    .path = "/completions",
    .request = shepherd_request,
    .score = etsim_live_prm_label_score,
};
