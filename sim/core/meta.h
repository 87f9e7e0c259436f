/* meta.h -- where a tree's data came from: the dataset, the models, the
 * step delimiter and the embedding layout. A trace header holds exactly
 * this, an oracle reports it, a result file copies it; it lives in the base
 * layer so the trace format, the engine and the backends share one
 * definition without depending on each other. */
#ifndef ETSIM_META_H
#define ETSIM_META_H

#include <stdint.h>

/* Metadata describing where the tree data came from; a trace header holds
 * exactly this. Strings owned by the oracle; any may be NULL. */
typedef struct etsim_meta {
    char *dataset;          /* "math500", "gsm8k", ...                      */
    char *policy_model;
    char *prm_model;
    char *embed_model;
    char *tokenizer;
    char *step_delimiter;   /* "ки", "\n\n", ...                            */
    char *answer_format;    /* extraction profile: "shepherd", "gsm8k", "boxed", "sal" */
    char *embed_encoding;   /* "f32", "f16", "i8", ... as stored             */
    char *settings_json;    /* capture settings, free-form JSON object       */
    int32_t emb_dim;        /* 0 = no embeddings                             */
    int32_t tokens_estimated; /* token counts are estimates (e.g. imported)  */
    int32_t n_problems;
    /* The longest root-to-leaf path of the trace's trees (header key
     * "longest_path", traces/FORMAT.md), when has_longest_path: most steps
     * of any leaf, most tokens of any leaf counting the root's (the
     * engine's cumulative count), and the same without the root's. */
    int32_t has_longest_path;
    int32_t longest_steps;
    int32_t longest_tokens;
    int32_t longest_step_tokens;
} etsim_meta;

/* Free the strings and zero m. */
void etsim_meta_free(etsim_meta *m);
/* Deep copy (strings duplicated); dst is overwritten, not freed first. */
void etsim_meta_copy(etsim_meta *dst, const etsim_meta *src);

#endif
