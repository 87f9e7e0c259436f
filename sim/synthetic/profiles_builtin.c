/* profiles_builtin.c -- the synthetic model's built-in profiles, compiled
 * in so that etsim runs with no data files. Each is the JSON text a user
 * could write to a file. "default" sets every key (it is where the
 * defaults live; the loader refuses it if a key is missing); the others
 * name "default" as their base and override what differs. Parameters are
 * documented in sim/synthetic/README.md. */
#include "sim/synthetic/synthetic.h"

#include <string.h>

/* Llemma-34B policy + Llemma-34B PRM on MATH500 (the ETS paper's main
 * setting): REBASE weighted-majority
 * accuracy 48.0 / 49.6 / 50.6 at widths 16 / 64 / 256 (paper: 47.2 / 50.8 /
 * 52.0). PRM scores sit high (median ~0.9), as real PRM scores do. */
static const char PROFILE_DEFAULT[] =
    "{\n"
    "  \"name\": \"default\",\n"
    "  \"description\": \"Llemma-34B-like policy and PRM on MATH500-like problems\",\n"
    "  \"dataset\": \"math500\",\n"
    "  \"answer_format\": \"shepherd\",\n"
    "  \"step_delimiter\": \"\\u043a\\u0438\",\n"
    "  \"subjects\": [\"Algebra\", \"Counting & Probability\", \"Geometry\", \"Intermediate Algebra\",\n"
    "               \"Number Theory\", \"Prealgebra\", \"Precalculus\"],\n"
    "  \"seed\": 20250218,\n"
    "  \"n_problems\": 500,\n"
    "  \"emb_dim\": 64,\n"
    "  \"step_text\": true,\n"
    "  \"prompt_tokens_median\": 110,\n"
    "  \"prompt_tokens_sigma\": 0.4,\n"
    "  \"answer_max\": 999,\n"
    "  \"error_logit_mean\": -0.4,\n"
    "  \"error_logit_sd\": 1.4,\n"
    "  \"error_depth_slope\": 0.0,\n"
    "  \"recover_prob\": 0.02,\n"
    "  \"step_tokens_median\": 48,\n"
    "  \"step_tokens_sigma\": 0.6,\n"
    "  \"step_tokens_problem_sd\": 0.3,\n"
    "  \"leaf_tokens_scale\": 0.5,\n"
    "  \"max_step_tokens\": 256,\n"
    "  \"leaf_logit_base\": -3.5,\n"
    "  \"leaf_depth_slope\": 0.5,\n"
    "  \"leaf_problem_sd\": 0.6,\n"
    "  \"leaf_difficulty_slope\": 0.3,\n"
    "  \"leaf_wrong_offset\": -0.3,\n"
    "  \"prm_mean_correct\": 3.5,\n"
    "  \"prm_mean_wrong\": 1.5,\n"
    "  \"prm_detect_lag\": 0.5,\n"
    "  \"prm_subtle_rate\": 0,\n"
    "  \"prm_noise_sd\": 1.0,\n"
    "  \"prm_rho\": 0.6,\n"
    "  \"prm_depth_drift\": -0.05,\n"
    "  \"prm_problem_sd\": 0.5,\n"
    "  \"prm_gap_difficulty\": 0.3,\n"
    "  \"prm_leaf_sharpen\": 1.5,\n"
    "  \"prm_dup_noise_sd\": 0.1,\n"
    "  \"unscored_rate\": 0.0,\n"
    "  \"wrong_answers\": 4,\n"
    "  \"wrong_answer_skew\": 1.5,\n"
    "  \"wrong_answer_tail\": 0.2,\n"
    "  \"wrong_answer_redraw\": 0.1,\n"
    "  \"dup_rate\": 0.35,\n"
    "  \"dup_depth_slope\": 0.0,\n"
    "  \"exact_dup_frac\": 0.3,\n"
    "  \"cluster_cos_dist\": 0.01,\n"
    "  \"dup_tokens_jitter\": 0.1,\n"
    "  \"common_step_rate\": 0.5,\n"
    "  \"common_steps\": 8,\n"
    "  \"common_step_skew\": 1.0,\n"
    "  \"common_step_any_track\": 0,\n"
    "  \"level_noise_sd\": 0\n"
    "}\n";

/* An easier grade-school setting (GSM8K, 1,319 problems): REBASE
 * 87.0 / 89.5 / 89.8 at widths 16 / 64 / 256 (paper: 87.7 / 89.0 / 89.3). */
static const char PROFILE_GSM8K[] =
    "{\n"
    "  \"base\": \"default\",\n"
    "  \"name\": \"gsm8k\",\n"
    "  \"description\": \"Llemma-34B-like policy and PRM on GSM8K-like problems\",\n"
    "  \"dataset\": \"gsm8k\",\n"
    "  \"answer_format\": \"gsm8k\",\n"
    "  \"subjects\": [],\n"
    "  \"n_problems\": 1319,\n"
    "  \"prompt_tokens_median\": 90,\n"
    "  \"answer_max\": 9999,\n"
    "  \"error_logit_mean\": -2.2,\n"
    "  \"error_logit_sd\": 1.5,\n"
    "  \"step_tokens_median\": 30,\n"
    "  \"leaf_logit_base\": -2.5\n"
    "}\n";

/* Mistral-7B-SFT policy + Math-Shepherd PRM on MATH500: a weaker policy
 * and a noisier PRM: REBASE ~41-42% at widths 16-256
 * (paper: 38.8 / 43.4 / 42.4). */
static const char PROFILE_MISTRAL7B[] =
    "{\n"
    "  \"base\": \"default\",\n"
    "  \"name\": \"mistral7b\",\n"
    "  \"description\": \"Mistral-7B-SFT-like policy and Math-Shepherd-like PRM on MATH500-like problems\",\n"
    "  \"error_logit_mean\": -0.2,\n"
    "  \"prm_noise_sd\": 1.3,\n"
    "  \"step_tokens_median\": 40\n"
    "}\n";

typedef struct builtin {
    const char *name;
    const char *json;
} builtin;

static const builtin BUILTINS[] = {
    {"default", PROFILE_DEFAULT},
    {"gsm8k", PROFILE_GSM8K},
    {"mistral7b", PROFILE_MISTRAL7B},
};

const char *const *etsim_synth_builtin_names(void) {
    static const char *const names[] = {"default", "gsm8k", "mistral7b", NULL};
    return names;
}

const char *etsim_synth_builtin_json(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof BUILTINS / sizeof BUILTINS[0]; i++)
        if (!strcmp(BUILTINS[i].name, name)) return BUILTINS[i].json;
    return NULL;
}
