/* meta.c -- freeing and copying etsim_meta (see meta.h). */
#include "sim/core/meta.h"

#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"

void etsim_meta_free(etsim_meta *m) {
    free(m->dataset);
    free(m->policy_model);
    free(m->prm_model);
    free(m->embed_model);
    free(m->tokenizer);
    free(m->step_delimiter);
    free(m->answer_format);
    free(m->embed_encoding);
    free(m->settings_json);
    memset(m, 0, sizeof *m);
}

void etsim_meta_copy(etsim_meta *dst, const etsim_meta *src) {
    dst->dataset = etsim_strdup(src->dataset);
    dst->policy_model = etsim_strdup(src->policy_model);
    dst->prm_model = etsim_strdup(src->prm_model);
    dst->embed_model = etsim_strdup(src->embed_model);
    dst->tokenizer = etsim_strdup(src->tokenizer);
    dst->step_delimiter = etsim_strdup(src->step_delimiter);
    dst->answer_format = etsim_strdup(src->answer_format);
    dst->embed_encoding = etsim_strdup(src->embed_encoding);
    dst->settings_json = etsim_strdup(src->settings_json);
    dst->emb_dim = src->emb_dim;
    dst->tokens_estimated = src->tokens_estimated;
    dst->n_problems = src->n_problems;
    dst->has_longest_path = src->has_longest_path;
    dst->longest_steps = src->longest_steps;
    dst->longest_tokens = src->longest_tokens;
    dst->longest_step_tokens = src->longest_step_tokens;
}
