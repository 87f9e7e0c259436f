/* prm_rlhflow.c -- RLHFlow-style chat PRMs (e.g. RLHFlow/Llama3.1-8B-PRM-
 * Deepseek-Data, the PRM of the real search-and-learn outputs) through
 * /v1/chat/completions (see prm.h). The conversation is built as
 * search-and-learn builds it: the first user turn is the question, a space
 * and step 1; every later step is its own user turn; every earlier step is
 * answered "+" by the assistant. The server's chat template adds the
 * assistant header, and the first generated token's top logprobs give
 * P("+") for the last step. */
#include <string.h>

#include "traces/capture/prm_label.h"

static char *rlhflow_request(const etsim_live_config *c, const char *model,
                             const char *question, const char *const *steps, int n,
                             size_t *len) {
    etsim_sbuf b = {0};
    etsim_sbuf_puts(&b, "{\"model\":");
    etsim_sbuf_json_string_mode(&b, model, ETSIM_JSON_BYTES);
    etsim_sbuf_puts(&b, ",\"messages\":[");
    for (int i = 0; i < n; i++) {
        if (i) etsim_sbuf_puts(&b, ",{\"role\":\"assistant\",\"content\":\"+\"},");
        etsim_sbuf_puts(&b, "{\"role\":\"user\",\"content\":");
        etsim_sbuf_putc(&b, '"');
        if (i == 0) etsim_sbuf_json_template(&b, c->prm_question_template, "{question}", question, ETSIM_JSON_BYTES);
        etsim_sbuf_json_escape(&b, steps[i], strlen(steps[i]), ETSIM_JSON_BYTES);
        etsim_sbuf_putc(&b, '"');
        etsim_sbuf_puts(&b, "}");
    }
    etsim_sbuf_printf(&b, "],\"max_tokens\":1,\"temperature\":0,\"logprobs\":true,"
                          "\"top_logprobs\":%d",
                      (int)c->prm_top_logprobs);
    etsim_live_prm_ids_field(&b, c);
    etsim_sbuf_puts(&b, "}");
    return etsim_sbuf_take(&b, len);
}

const etsim_live_prm etsim_live_prm_rlhflow = {
    .name = "rlhflow",
    .path = "/chat/completions",
    .request = rlhflow_request,
    .score = etsim_live_prm_label_score,
};
