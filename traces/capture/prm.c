/* prm.c -- the PRM registry and what the label-reading modules share. */
#include "traces/capture/prm.h"

#include <string.h>

#include "traces/capture/parse.h"

const etsim_live_prm *etsim_live_prm_find(const char *name) {
    static const etsim_live_prm *const all[] = {&etsim_live_prm_shepherd,
                                                &etsim_live_prm_rlhflow, &etsim_live_prm_head};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (name && !strcmp(all[i]->name, name)) return all[i];
    return NULL;
}

int etsim_live_prm_label_score(const etsim_live_config *c, const char *body, size_t len,
                               double *score, etsim_live_counts *cnt, etsim_err *err) {
    etsim_live_labels lab = {(const char *const *)c->plus, c->n_plus,
                             (const char *const *)c->minus, c->n_minus};
    double pp, pm;
    int found;
    if (etsim_live_parse_label_probs(body, len, &lab, &pp, &pm, &found, err) < 0) return -1;
    if (!(pp + pm > 0)) return 0;
    /* A label outside the top-k has a probability below the k-th token's:
     * taking it as 0 errs by less than that, and is counted. */
    if (pp == 0 || pm == 0) cnt->prm_label_clipped++;
    *score = pp / (pp + pm);
    return 1;
}

void etsim_live_prm_path_text(etsim_jbuf *b, const etsim_live_config *c, const char *question,
                              const char *const *steps, int n) {
    etsim_jbuf_qtemplate(b, c->prm_question_template, "{question}", question);
    for (int i = 0; i < n; i++) {
        if (i) etsim_jbuf_qpart(b, c->prm_step_join, strlen(c->prm_step_join));
        etsim_jbuf_qtemplate(b, c->prm_step_template, "{step}", steps[i]);
    }
}
