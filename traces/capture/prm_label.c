/* prm_label.c -- label reading and path text shared by the PRM modules
 * (see prm_label.h for the checks and why each exists). */
#include "traces/capture/prm_label.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "traces/capture/parse.h"

int etsim_live_prm_refuse(etsim_err *err, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return ETSIM_PRM_REFUSED;
}

static const char *label_name(const etsim_live_config *c, int plus, char *buf, size_t n) {
    if (c->n_plus_ids)
        snprintf(buf, n, "id %d", (int)(plus ? c->plus_ids[0] : c->minus_ids[0]));
    else
        snprintf(buf, n, "'%s'", plus ? c->plus[0] : c->minus[0]);
    return buf;
}

int etsim_live_prm_label_score(const etsim_live_config *c, const char *body, size_t len,
                               double *score, etsim_live_counts *cnt, etsim_live_prm_seen *seen,
                               etsim_err *err) {
    etsim_live_labels lab = {(const char *const *)c->plus, c->n_plus,
                             (const char *const *)c->minus, c->n_minus,
                             c->plus_ids, c->minus_ids, c->n_plus_ids, c->n_minus_ids};
    etsim_live_label_read r;
    char a[64], b[64];
    if (etsim_live_parse_label_probs(body, len, &lab, &r, err) < 0) return -1;
    if (r.entries == 0)
        return etsim_live_prm_refuse(err, "choices[0].logprobs: the top list is empty: no label can be read "
                               "(is prm_top_logprobs %d within the server's --max-logprobs?)",
                          (int)c->prm_top_logprobs);
    if (!seen->form) {
        seen->form = r.form;
        seen->with_ids = r.with_ids;
    } else if (seen->form != r.form || seen->with_ids != r.with_ids) {
        static const char *const forms[] = {"", "an object keyed by token text", "a list of entries"};
        return etsim_live_prm_refuse(err, "choices[0].logprobs: the reply changed shape: its top list is %s%s, "
                               "the first reply's was %s%s",
                          forms[r.form], r.with_ids ? " with ids" : "", forms[seen->form],
                          seen->with_ids ? " with ids" : "");
    }
    if (!c->n_plus_ids) {
        int any = r.found_plus || r.found_minus;
        if (r.form == ETSIM_TOP_DICT && any && r.entries < c->prm_top_logprobs)
            return etsim_live_prm_refuse(err, "choices[0].logprobs.top_logprobs[0]: %d distinct tokens for the "
                                   "%d asked: tokens that decode to the same text overwrote each "
                                   "other (vLLM between PR #19209 and PR #48674 decodes '\xe2\x96\x81+' "
                                   "and '+' both as '+'), so label %s may hold another token's "
                                   "probability; give prm_plus/prm_minus as token ids",
                              r.entries, (int)c->prm_top_logprobs, label_name(c, 1, a, sizeof a));
        if (any && (!r.found_plus || !r.found_minus))
            return etsim_live_prm_refuse(err, "choices[0].logprobs: label %s is among the %d top tokens but "
                                   "label %s is not: with labels given as text, a token below the "
                                   "list cannot be told from one the server decoded to another "
                                   "text; give prm_plus/prm_minus as token ids or raise "
                                   "prm_top_logprobs",
                              label_name(c, r.found_plus, a, sizeof a), r.entries,
                              label_name(c, !r.found_plus, b, sizeof b));
    }
    if (!(r.p_plus + r.p_minus > 0)) return 0;
    /* A label id outside the top-k has a probability below the k-th
     * token's: taking it as 0 errs by less than that, and is counted. */
    if (r.p_plus == 0 || r.p_minus == 0) cnt->prm_label_clipped++;
    *score = r.p_plus / (r.p_plus + r.p_minus);
    return 1;
}

void etsim_live_prm_path_text(etsim_sbuf *b, const etsim_live_config *c, const char *question,
                              const char *const *steps, int n) {
    etsim_sbuf_json_template(b, c->prm_question_template, "{question}", question, ETSIM_JSON_BYTES);
    for (int i = 0; i < n; i++) {
        if (i) etsim_sbuf_json_escape(b, c->prm_step_join, strlen(c->prm_step_join), ETSIM_JSON_BYTES);
        etsim_sbuf_json_template(b, c->prm_step_template, "{step}", steps[i], ETSIM_JSON_BYTES);
    }
}

void etsim_live_prm_ids_field(etsim_sbuf *b, const etsim_live_config *c) {
    if (c->n_plus_ids && c->prm_server != ETSIM_SRV_LLAMACPP)
        etsim_sbuf_puts(b, ",\"return_tokens_as_token_ids\":true");
}
