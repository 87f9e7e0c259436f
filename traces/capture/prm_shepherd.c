/* prm_shepherd.c -- Math-Shepherd style PRMs through /v1/completions (see
 * prm.h). The path ends with the tag, so the distribution of the one token
 * generated after it is the PRM's "+"/"-" judgement of the last step: the
 * same logits Math-Shepherd reads at the tag position (causal attention
 * makes them independent of anything after the tag). */
#include "traces/capture/prm_label.h"

static char *shepherd_request(const etsim_live_config *c, const char *model,
                              const char *question, const char *const *steps, int n,
                              size_t *len) {
    etsim_sbuf b = {0};
    etsim_sbuf_puts(&b, "{\"model\":");
    etsim_sbuf_json_string_mode(&b, model, ETSIM_JSON_BYTES);
    etsim_sbuf_puts(&b, ",\"prompt\":");
    etsim_sbuf_putc(&b, '"');
    etsim_live_prm_path_text(&b, c, question, steps, n);
    etsim_sbuf_putc(&b, '"');
    etsim_sbuf_printf(&b, ",\"max_tokens\":1,\"temperature\":0,\"logprobs\":%d",
                      (int)c->prm_top_logprobs);
    etsim_live_prm_ids_field(&b, c);
    etsim_sbuf_puts(&b, "}");
    return etsim_sbuf_take(&b, len);
}

const etsim_live_prm etsim_live_prm_shepherd = {
    .name = "shepherd-logprobs",
    .path = "/completions",
    .request = shepherd_request,
    .score = etsim_live_prm_label_score,
};
