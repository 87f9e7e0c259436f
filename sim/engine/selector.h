/* selector.h -- the selector interface: given the candidates of one depth,
 * decide how many children each one gets. Selectors see only candidates
 * (scores, the ancestry they share, step texts and embeddings); never
 * files, servers or GPUs. A selector is a struct of function pointers plus
 * one line in the list of built-ins (selectors/list.h); the engine is handed
 * a selector, it never looks one up (selectors/registry.h does).
 *
 * The engine calls `select` once per depth with an etsim_sel_input and the
 * selector appends expansions (candidate, child count) in the order the
 * reference harness would fork them: that order decides the insertion order
 * of the next depth's candidates, so it is part of the semantics. A
 * candidate may appear more than once (DVTS cycles short candidate lists);
 * its i-th expansion gets the next children in ordinal order.
 *
 * Parameters are declared per selector (name, default, range) and resolved
 * once into an etsim_sel_config, so `--set key=value` is validated before
 * any work and select() never parses strings. */
#ifndef ETSIM_SELECTOR_H
#define ETSIM_SELECTOR_H

#include <stdint.h>
#include "sim/core/util.h"

/* One node of the candidate view: every candidate and all its ancestors,
 * parents before children (index 0 is the root). */
typedef struct etsim_sel_node {
    int32_t parent;         /* index into the view, -1 for the root        */
    int32_t id;             /* caller's node id (for logs; not semantic)   */
    int32_t step_tokens;
    int32_t tag;            /* selector tag inherited from parent (DVTS subtree id), -1 none */
    double score;           /* PRM score (root: 1.0)                        */
    uint64_t text_hash;     /* hash of the step text, 0 if unknown         */
    const char *text;       /* step text or NULL                            */
    const float *embedding; /* emb_dim floats or NULL                       */
} etsim_sel_node;

typedef struct etsim_sel_input {
    const etsim_sel_node *nodes;
    int32_t n_nodes;
    const int32_t *cand;    /* candidate indices into nodes, insertion order */
    int32_t n_cand;
    int32_t width;          /* remaining width B (> 0)                      */
    int32_t initial_width;  /* N                                            */
    int32_t depth;          /* depth of the candidates (0 = root only)      */
    int32_t emb_dim;        /* 0 when there are no embeddings               */
} etsim_sel_input;

typedef struct etsim_sel_output {
    /* Expansions in fork order: (index into in->cand, children). Append
     * with etsim_sel_expand; entries with count 0 are allowed and ignored. */
    int32_t *exp_cand;
    int32_t *exp_count;
    int32_t n_exp;
    int64_t cap_exp;
    /* Per candidate (n_cand entries, allocated by the caller): */
    int32_t *tags;          /* new tag per candidate; preset to the input tag */
    uint8_t *kept;          /* ILP selectors: x_i; others leave has_kept 0  */
    int32_t *cluster;       /* ILP selectors: cluster index per candidate   */
    int32_t *kv_extra;      /* times the reference's node list repeats the
                             * candidate beyond once (DVTS's cycled depth 1);
                             * read by --set kv_metric=reference only      */
    int has_kept, has_clusters, has_objective;
    double objective;
} etsim_sel_output;

void etsim_sel_output_init(etsim_sel_output *out, int32_t n_cand);
void etsim_sel_output_free(etsim_sel_output *out);
void etsim_sel_expand(etsim_sel_output *out, int32_t cand_index, int32_t count);

/* ---- parameters ---------------------------------------------------------- */
#define ETSIM_SEL_MAX_PARAMS 16

typedef struct etsim_param_def {
    const char *name;
    double def;             /* default; NAN means "derived" (see help)      */
    double min, max;        /* accepted range, inclusive                    */
    const char *help;
    int integer;            /* 1: only whole numbers are accepted           */
} etsim_param_def;

typedef struct etsim_sel_config {
    const struct etsim_selector *sel;
    double v[ETSIM_SEL_MAX_PARAMS]; /* aligned with sel->params             */
    uint8_t set[ETSIM_SEL_MAX_PARAMS]; /* 1 when given explicitly           */
} etsim_sel_config;

/* Bumped whenever etsim_sel_input, etsim_sel_output, etsim_sel_config or
 * this struct change shape: a selector built against another version is
 * refused where it is registered or loaded. */
#define ETSIM_SELECTOR_ABI 1

typedef struct etsim_selector {
    int abi;                        /* ETSIM_SELECTOR_ABI                   */
    const char *name;
    const char *summary;
    const etsim_param_def *params;  /* terminated by {NULL}                 */
    /* Optional: check parameter combinations once, before any work. */
    int (*validate)(const etsim_sel_config *cfg, etsim_err *err);
    int (*select)(const etsim_sel_config *cfg, const etsim_sel_input *in,
                  etsim_sel_output *out, etsim_err *err);
} etsim_selector;

/* Defaults into cfg; then etsim_sel_config_set for each "key=value". */
void etsim_sel_config_init(etsim_sel_config *cfg, const etsim_selector *sel);
int etsim_sel_config_set(etsim_sel_config *cfg, const char *key, const char *value,
                         etsim_err *err);
int etsim_sel_config_get_index(const etsim_sel_config *cfg, const char *key);
double etsim_sel_config_get(const etsim_sel_config *cfg, const char *key); /* NAN if unknown */

#endif
