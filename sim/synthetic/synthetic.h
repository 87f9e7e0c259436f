/* synthetic.h -- the synthetic oracle: a deterministic generative model of
 * PRM-guided tree search on math problems, used as etsim's embedded default
 * so that everything runs with no GPU and no data files.
 *
 * A profile (JSON, see sim/synthetic/README.md for every parameter) sets the
 * model's parameters. Built-in profiles are compiled into the library
 * (profiles_builtin.c); a user profile is a JSON file whose keys override a
 * built-in base ("base": "default" unless given).
 *
 * The model (synthetic.c) generates children lazily inside expand(): child i
 * of node n is a pure function of (seed, problem, n->key, i) and of the
 * hidden state of n and of its earlier siblings, which always exist first
 * (children are made in ordinal order). Hence any selector, at any width,
 * in any evaluation order, sees the same tree. Hidden state (correct or
 * wrong track, PRM residual, cluster) lives in node->aux. */
#ifndef ETSIM_SYNTHETIC_H
#define ETSIM_SYNTHETIC_H

#include <stdint.h>
#include "sim/engine/oracle.h"

/* Registry entry: name "synthetic", spec = built-in profile name or JSON
 * path ("" or "default" = the default profile). */
extern const etsim_oracle_kind etsim_oracle_kind_synthetic;

#define ETSIM_SYNTH_MAX_WRONG 30   /* most frequent wrong answers per problem */
#define ETSIM_SYNTH_MAX_SUBJECTS 32

/* Every model parameter. The README documents meaning, default and range;
 * the parameter table in profile.c is the single source of ranges. */
typedef struct etsim_synth_profile {
    /* identity and metadata */
    char *name;                 /* built-in name or file base name         */
    char *origin;               /* "builtin:<name>" or the file path       */
    char *description;
    char *dataset;
    char *answer_format;        /* shepherd | gsm8k | boxed | sal           */
    char *step_delimiter;
    char *subjects[ETSIM_SYNTH_MAX_SUBJECTS];
    int32_t n_subjects;
    double seed;                /* integer in [0, 2^53]                     */
    int32_t n_problems;
    int32_t emb_dim;
    int32_t step_text;          /* 1: write short synthetic step texts     */
    /* problems */
    double prompt_tokens_median, prompt_tokens_sigma;
    int32_t answer_max;
    /* tracks (correctness) */
    double error_logit_mean, error_logit_sd, error_depth_slope, recover_prob;
    /* steps */
    double step_tokens_median, step_tokens_sigma, step_tokens_problem_sd;
    double leaf_tokens_scale;
    int32_t max_step_tokens;
    double leaf_logit_base, leaf_depth_slope, leaf_problem_sd;
    double leaf_difficulty_slope, leaf_wrong_offset;
    /* PRM */
    double prm_mean_correct, prm_mean_wrong, prm_detect_lag, prm_subtle_rate, prm_noise_sd;
    double prm_rho, prm_depth_drift, prm_problem_sd, prm_gap_difficulty;
    double prm_leaf_sharpen, prm_dup_noise_sd, unscored_rate;
    /* answers */
    int32_t wrong_answers;
    double wrong_answer_skew, wrong_answer_tail, wrong_answer_redraw;
    /* near-duplicates */
    double dup_rate, dup_depth_slope, exact_dup_frac, cluster_cos_dist;
    double dup_tokens_jitter;
    double common_step_rate, common_step_skew;
    double common_step_any_track; /* share of common steps from a pool every track shares */
    double level_noise_sd;        /* noise between difficulty and the reported level */
    int32_t common_steps;
} etsim_synth_profile;

/* Load a profile: NULL, "" or "default" = the default built-in; a built-in
 * name; or a path to a JSON file. Unknown keys, duplicate keys, wrong types
 * and out-of-range values are errors naming the file and the key. */
int etsim_synth_profile_load(const char *spec, etsim_synth_profile *p, etsim_err *err);
/* Parse profile JSON text; `origin` names it in errors. */
int etsim_synth_profile_parse(const char *json, size_t len, const char *origin,
                              const char *default_name, etsim_synth_profile *p,
                              etsim_err *err);
/* Set one parameter from text ("key", "value"), validated as in a file
 * (useful for --set style overrides and for fitting). */
int etsim_synth_profile_set(etsim_synth_profile *p, const char *key, const char *value,
                            etsim_err *err);
void etsim_synth_profile_free(etsim_synth_profile *p);
void etsim_synth_profile_copy(etsim_synth_profile *dst, const etsim_synth_profile *src);
/* The resolved profile as a complete JSON object (malloc'd): what a trace
 * header records as its settings, and loadable again as a profile. */
char *etsim_synth_profile_to_json(const etsim_synth_profile *p);

/* Built-in profiles: NULL-terminated names, and the JSON text of one. */
const char *const *etsim_synth_builtin_names(void);
const char *etsim_synth_builtin_json(const char *name);   /* NULL if unknown */

/* Parameter table, for help output and documentation checks. */
typedef struct etsim_synth_param_info {
    const char *name;
    const char *type;          /* "number", "integer", "bool", "string", "strings" */
    double min, max;           /* numeric range, inclusive                 */
    const char *help;
} etsim_synth_param_info;
const etsim_synth_param_info *etsim_synth_params(int32_t *n);

/* Open a synthetic oracle from a resolved profile (copied). */
etsim_oracle *etsim_synth_open(const etsim_synth_profile *p, etsim_err *err);

/* Hidden state of a node made by a synthetic oracle (undefined for other
 * oracles' trees): 1 when the partial solution is on a correct track; the
 * ordinal of the sibling that represents the node's semantic cluster (the
 * node's own ordinal for a fresh step); 1 when the node's text is an exact
 * copy of that sibling's. For tests, fitting and diagnostics. */
int etsim_synth_node_correct(const etsim_tree *t, int32_t node);
int32_t etsim_synth_node_cluster(const etsim_tree *t, int32_t node);
int etsim_synth_node_exact_dup(const etsim_tree *t, int32_t node);
/* Common steps (cousins that converge on one meaning): 0 when the node is
 * not one, else k+1 for the problem's k-th common step at its depth and
 * track; *exact (may be NULL) = 1 when its text is the common text. */
int etsim_synth_node_common(const etsim_tree *t, int32_t node, int *exact);
/* Key of the node's embedding centroid: nodes of one tree with the same
 * key are near-duplicates (sibling clusters and common steps alike). */
uint64_t etsim_synth_node_cluster_key(const etsim_tree *t, int32_t node);

#endif
