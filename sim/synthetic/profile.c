/* profile.c -- synthetic-model profiles: the parameter table, JSON parsing
 * and validation, built-in lookup and serialisation.
 *
 * One table lists every parameter (name, type, struct offset, range, help);
 * parsing, `set`, JSON output and the help listing all walk it, so a new
 * parameter is one table line plus one struct field. A profile is read on
 * top of a base: the built-in "default" profile must set every key (so the
 * defaults live in exactly one place, profiles_builtin.c); every other
 * profile starts from its "base" (a built-in name, "default" when absent)
 * and overrides some keys. Unknown keys, duplicate keys, wrong types and
 * out-of-range values are errors naming the profile and the key. */
#include "sim/core/json.h"
#include "sim/synthetic/fitted.h"
#include "sim/synthetic/synthetic.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { T_NUM, T_INT, T_BOOL, T_STR, T_STRS } ptype;

typedef struct pdef {
    const char *name;
    ptype type;
    size_t off;
    double min, max;
    const char *help;
} pdef;

#define OFF(f) offsetof(etsim_synth_profile, f)
#define NUM(f, lo, hi, h) {#f, T_NUM, OFF(f), lo, hi, h}
#define INT(f, lo, hi, h) {#f, T_INT, OFF(f), lo, hi, h}

static const pdef PARAMS[] = {
    {"description", T_STR, OFF(description), 0, 0, "free text"},
    {"dataset", T_STR, OFF(dataset), 0, 0, "dataset name written to traces"},
    {"answer_format", T_STR, OFF(answer_format), 0, 0,
     "answer extraction profile: shepherd, gsm8k, boxed or sal"},
    {"step_delimiter", T_STR, OFF(step_delimiter), 0, 0, "step delimiter recorded in traces"},
    {"subjects", T_STRS, OFF(subjects), 0, 0, "subjects drawn uniformly per problem (may be empty)"},
    NUM(seed, 0, 9007199254740992.0, "model seed (integer)"),
    INT(n_problems, 1, 10000000, "problems in the set"),
    INT(emb_dim, 0, 4096, "embedding dimension (0 = no embeddings)"),
    {"step_text", T_BOOL, OFF(step_text), 0, 1, "write short synthetic step texts"},
    NUM(prompt_tokens_median, 1, 100000, "median prompt tokens"),
    NUM(prompt_tokens_sigma, 0, 3, "log-sd of prompt tokens"),
    INT(answer_max, 1, 1000000000, "ground truth drawn uniformly from 0..answer_max"),
    NUM(error_logit_mean, -20, 20, "mean per-problem logit of the per-step error probability"),
    NUM(error_logit_sd, 0, 10, "sd of that logit across problems (difficulty spread)"),
    NUM(error_depth_slope, -5, 5, "added to the error logit per depth step"),
    NUM(recover_prob, 0, 1, "per-step chance, times (1 - error probability), that a wrong track becomes correct"),
    NUM(step_tokens_median, 1, 65536, "median tokens per step"),
    NUM(step_tokens_sigma, 0, 3, "log-sd of step tokens within a problem"),
    NUM(step_tokens_problem_sd, 0, 3, "log-sd of a problem's median step tokens"),
    NUM(leaf_tokens_scale, 0.01, 100, "final steps are this times as long"),
    INT(max_step_tokens, 1, 65536, "cap on tokens per step (sets the MAXLEN flag)"),
    NUM(leaf_logit_base, -20, 20, "logit of the chance that a depth-1 step ends the solution"),
    NUM(leaf_depth_slope, -10, 10, "added to that logit per depth step"),
    NUM(leaf_problem_sd, 0, 10, "per-problem sd of the leaf logit"),
    NUM(leaf_difficulty_slope, -10, 10, "harder problems end later: leaf logit -= this * z"),
    NUM(leaf_wrong_offset, -10, 10, "added to the leaf logit on a wrong track"),
    NUM(prm_mean_correct, -20, 20, "PRM logit mean on a correct track"),
    NUM(prm_mean_wrong, -20, 20, "PRM logit mean on a wrong track, once detected"),
    NUM(prm_detect_lag, 0, 1, "fraction of the gap still undetected k+1 steps after an error: lag^(k+1)"),
    NUM(prm_subtle_rate, 0, 1, "share of errors the PRM never notices (scored as correct steps)"),
    NUM(prm_noise_sd, 0, 10, "sd of the PRM logit noise"),
    NUM(prm_rho, 0, 0.999, "correlation of the noise between a node and its parent"),
    NUM(prm_depth_drift, -5, 5, "added to the PRM logit per depth step"),
    NUM(prm_problem_sd, 0, 10, "per-problem sd of a PRM logit offset"),
    NUM(prm_gap_difficulty, -3, 3, "correct/wrong gap multiplied by exp(-this * z)"),
    NUM(prm_leaf_sharpen, 0, 10, "final steps: the gap around the midpoint is multiplied by this"),
    NUM(prm_dup_noise_sd, 0, 10, "sd of a near-duplicate's PRM logit around its cluster's"),
    NUM(unscored_rate, 0, 1, "probability that the PRM returns no score for a step"),
    INT(wrong_answers, 1, ETSIM_SYNTH_MAX_WRONG, "frequent wrong answers per problem"),
    NUM(wrong_answer_skew, 0, 10, "Zipf exponent of the frequent wrong answers"),
    NUM(wrong_answer_tail, 0, 1, "chance that an error leads to a rare (unique) wrong answer"),
    NUM(wrong_answer_redraw, 0, 1, "per-step chance that a wrong track changes its wrong answer"),
    NUM(dup_rate, 0, 1, "chance that a child repeats the meaning of an earlier sibling"),
    NUM(dup_depth_slope, -10, 10, "added to the duplicate logit per depth step"),
    NUM(exact_dup_frac, 0, 1, "fraction of duplicates whose text is exactly the same"),
    NUM(cluster_cos_dist, 0, 1, "mean cosine distance between two near-duplicates"),
    NUM(dup_tokens_jitter, 0, 3, "log-sd of a near-duplicate's tokens around its cluster's"),
    NUM(common_step_rate, 0, 1, "chance that a fresh non-final step is one of the problem's common steps"),
    INT(common_steps, 1, 255, "common steps per depth and track"),
    NUM(common_step_skew, 0, 10, "Zipf exponent over the common steps"),
    NUM(common_step_any_track, 0, 1,
        "share of common steps drawn from one pool shared by correct and wrong tracks"),
    NUM(level_noise_sd, 0, 10, "sd of noise added to difficulty before it sets the level (1..5)"),
};
#define N_PARAMS ((int32_t)(sizeof PARAMS / sizeof PARAMS[0]))

static const char *const ANSWER_FORMATS[] = {"shepherd", "gsm8k", "boxed", "sal", NULL};

static etsim_synth_param_info param_info[sizeof PARAMS / sizeof PARAMS[0]];
static pthread_once_t param_info_once = PTHREAD_ONCE_INIT;

static void build_param_info(void) {
    static const char *const type_names[] = {"number", "integer", "bool", "string", "strings"};
    for (int32_t i = 0; i < N_PARAMS; i++) {
        param_info[i].name = PARAMS[i].name;
        param_info[i].type = type_names[PARAMS[i].type];
        param_info[i].min = PARAMS[i].min;
        param_info[i].max = PARAMS[i].max;
        param_info[i].help = PARAMS[i].help;
    }
}

const etsim_synth_param_info *etsim_synth_params(int32_t *n) {
    pthread_once(&param_info_once, build_param_info);
    *n = N_PARAMS;
    return param_info;
}

static const pdef *find_param(const char *name) {
    for (int32_t i = 0; i < N_PARAMS; i++)
        if (!strcmp(PARAMS[i].name, name)) return &PARAMS[i];
    return NULL;
}

static char **str_field(etsim_synth_profile *p, const pdef *d) {
    return (char **)((char *)p + d->off);
}

static void free_subjects(etsim_synth_profile *p) {
    for (int32_t i = 0; i < p->n_subjects; i++) free(p->subjects[i]);
    p->n_subjects = 0;
}

void etsim_synth_profile_free(etsim_synth_profile *p) {
    if (!p) return;
    free(p->name);
    free(p->origin);
    for (int32_t i = 0; i < N_PARAMS; i++)
        if (PARAMS[i].type == T_STR) free(*str_field(p, &PARAMS[i]));
    free_subjects(p);
    memset(p, 0, sizeof *p);
}

void etsim_synth_profile_copy(etsim_synth_profile *dst, const etsim_synth_profile *src) {
    memcpy(dst, src, sizeof *dst);
    dst->name = etsim_strdup(src->name);
    dst->origin = etsim_strdup(src->origin);
    for (int32_t i = 0; i < N_PARAMS; i++)
        if (PARAMS[i].type == T_STR)
            *str_field(dst, &PARAMS[i]) = etsim_strdup(*str_field((etsim_synth_profile *)src, &PARAMS[i]));
    for (int32_t i = 0; i < src->n_subjects; i++) dst->subjects[i] = etsim_strdup(src->subjects[i]);
}

/* Check and store a numeric value. */
static int set_number(etsim_synth_profile *p, const pdef *d, double v, const char *origin,
                      etsim_err *err) {
    char *base = (char *)p + d->off;
    if (!isfinite(v) || v < d->min || v > d->max)
        return etsim_errf(err, "%s: key '%s': value %g out of range [%g, %g]", origin, d->name,
                          v, d->min, d->max);
    if ((d->type == T_INT || d->type == T_BOOL || !strcmp(d->name, "seed")) && v != floor(v))
        return etsim_errf(err, "%s: key '%s': value %g is not an integer", origin, d->name, v);
    if (d->type == T_NUM)
        *(double *)base = v;
    else
        *(int32_t *)base = (int32_t)v;
    return 0;
}

static int check_answer_format(const char *v, const char *origin, etsim_err *err) {
    for (const char *const *f = ANSWER_FORMATS; *f; f++)
        if (!strcmp(*f, v)) return 0;
    return etsim_errf(err, "%s: key 'answer_format': unknown format '%s' (shepherd, gsm8k, boxed, sal)",
                      origin, v);
}

static int set_item(etsim_synth_profile *p, const pdef *d, const cJSON *item, const char *origin,
                    etsim_err *err) {
    switch (d->type) {
    case T_NUM:
    case T_INT:
        if (!cJSON_IsNumber(item))
            return etsim_errf(err, "%s: key '%s': expected a number", origin, d->name);
        return set_number(p, d, cJSON_GetNumberValue(item), origin, err);
    case T_BOOL:
        if (!cJSON_IsBool(item))
            return etsim_errf(err, "%s: key '%s': expected true or false", origin, d->name);
        *(int32_t *)((char *)p + d->off) = cJSON_IsTrue(item) ? 1 : 0;
        return 0;
    case T_STR: {
        const char *s = cJSON_GetStringValue(item);
        if (!s) return etsim_errf(err, "%s: key '%s': expected a string", origin, d->name);
        if (strlen(s) > 4096)
            return etsim_errf(err, "%s: key '%s': string longer than 4096 bytes", origin, d->name);
        if (!strcmp(d->name, "answer_format") && check_answer_format(s, origin, err)) return -1;
        if (!strcmp(d->name, "dataset") && !*s)
            return etsim_errf(err, "%s: key 'dataset': must not be empty", origin);
        char **f = str_field(p, d);
        free(*f);
        *f = etsim_strdup(s);
        return 0;
    }
    case T_STRS: {
        if (!cJSON_IsArray(item))
            return etsim_errf(err, "%s: key '%s': expected an array of strings", origin, d->name);
        int n = cJSON_GetArraySize(item);
        if (n > ETSIM_SYNTH_MAX_SUBJECTS)
            return etsim_errf(err, "%s: key '%s': more than %d entries", origin, d->name,
                              ETSIM_SYNTH_MAX_SUBJECTS);
        const cJSON *e;
        cJSON_ArrayForEach(e, item) {
            const char *s = cJSON_GetStringValue(e);
            if (!s || !*s || strlen(s) > 256)
                return etsim_errf(err, "%s: key '%s': entries must be non-empty strings (<= 256 bytes)",
                                  origin, d->name);
        }
        free_subjects(p);
        cJSON_ArrayForEach(e, item) p->subjects[p->n_subjects++] = etsim_strdup(e->valuestring);
        return 0;
    }
    }
    return etsim_errf(err, "%s: key '%s': internal type error", origin, d->name);
}

int etsim_synth_profile_set(etsim_synth_profile *p, const char *key, const char *value,
                            etsim_err *err) {
    const pdef *d = find_param(key);
    if (!d || d->type == T_STRS)
        return etsim_errf(err, "synthetic profile: unknown or non-scalar key '%s'", key);
    const char *origin = p->origin ? p->origin : "synthetic profile";
    if (d->type == T_STR) {
        cJSON *s = cJSON_CreateString(value);
        int rc = set_item(p, d, s, origin, err);
        cJSON_Delete(s);
        return rc;
    }
    if (d->type == T_BOOL) {
        if (!strcmp(value, "true") || !strcmp(value, "1")) return set_number(p, d, 1, origin, err);
        if (!strcmp(value, "false") || !strcmp(value, "0")) return set_number(p, d, 0, origin, err);
        return etsim_errf(err, "%s: key '%s': expected true or false, got '%s'", origin, key, value);
    }
    char *end = NULL;
    double v = strtod(value, &end);
    if (!*value || end == value || *end)
        return etsim_errf(err, "%s: key '%s': '%s' is not a number", origin, key, value);
    return set_number(p, d, v, origin, err);
}

static int parse_into(const char *json, size_t len, const char *origin, etsim_synth_profile *p,
                      int require_all, int allow_base, int *name_set, etsim_err *err);

static int load_builtin(const char *name, etsim_synth_profile *p, etsim_err *err) {
    const char *json = etsim_synth_builtin_json(name);
    if (!json) return etsim_errf(err, "synthetic profile: unknown built-in profile '%s'", name);
    char origin[300];
    snprintf(origin, sizeof origin, "builtin:%s", name);
    int is_default = !strcmp(name, "default");
    int name_set = 0;
    if (parse_into(json, strlen(json), origin, p, is_default, !is_default, &name_set, err))
        return -1;
    free(p->name);
    free(p->origin);
    p->name = etsim_strdup(name);
    p->origin = etsim_strdup(origin);
    return 0;
}

/* Parse `json` on top of p (already holding the base unless require_all). */
static int parse_into(const char *json, size_t len, const char *origin, etsim_synth_profile *p,
                      int require_all, int allow_base, int *name_set, etsim_err *err) {
    cJSON *root = etsim_json_parse(json, len, origin, err);
    uint8_t seen[sizeof PARAMS / sizeof PARAMS[0]] = {0};
    int rc = -1;
    if (!root) goto err;
    if (!cJSON_IsObject(root)) {
        etsim_errf(err, "%s: a profile must be a JSON object", origin);
        goto err;
    }
    const cJSON *base = cJSON_GetObjectItemCaseSensitive(root, "base");
    if (!require_all) {
        const char *bname = "default";
        if (base) {
            if (!allow_base || !cJSON_GetStringValue(base)) {
                etsim_errf(err, "%s: key 'base': expected the name of a built-in profile", origin);
                goto err;
            }
            bname = base->valuestring;
        }
        etsim_synth_profile_free(p);
        if (load_builtin(bname, p, err)) {
            etsim_err_prefix(err, "%s: key 'base'", origin);
            goto err;
        }
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, root) {
        const char *key = item->string ? item->string : "";
        if (!strcmp(key, "base")) continue;
        if (!strcmp(key, "name")) {
            const char *s = cJSON_GetStringValue(item);
            if (!s || !*s || strlen(s) > 256) {
                etsim_errf(err, "%s: key 'name': expected a non-empty string", origin);
                goto err;
            }
            if (*name_set) {
                etsim_errf(err, "%s: duplicate key 'name'", origin);
                goto err;
            }
            *name_set = 1;
            free(p->name);
            p->name = etsim_strdup(s);
            continue;
        }
        const pdef *d = find_param(key);
        if (!d) {
            etsim_errf(err, "%s: unknown key '%s'", origin, key);
            goto err;
        }
        int idx = (int)(d - PARAMS);
        if (seen[idx]) {
            etsim_errf(err, "%s: duplicate key '%s'", origin, key);
            goto err;
        }
        seen[idx] = 1;
        if (set_item(p, d, item, origin, err)) goto err;
    }
    if (require_all)
        for (int32_t i = 0; i < N_PARAMS; i++)
            if (!seen[i]) {
                etsim_errf(err, "%s: missing key '%s'", origin, PARAMS[i].name);
                goto err;
            }
    rc = 0;
err:
    cJSON_Delete(root);
    return rc;
}

int etsim_synth_profile_parse(const char *json, size_t len, const char *origin,
                              const char *default_name, etsim_synth_profile *p, etsim_err *err) {
    memset(p, 0, sizeof *p);
    int name_set = 0;
    if (parse_into(json, len, origin, p, 0, 1, &name_set, err)) {
        etsim_synth_profile_free(p);
        return -1;
    }
    /* A "name" key wins; else the caller's name for it; else the base's. */
    if (!name_set && default_name) {
        free(p->name);
        p->name = etsim_strdup(default_name);
    }
    free(p->origin);
    p->origin = etsim_strdup(origin);
    return 0;
}

/* "dir/my_profile.json" -> "my_profile" */
static char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    s = s ? s + 1 : path;
    char *out = etsim_strdup(s);
    char *dot = strrchr(out, '.');
    if (dot && dot != out) *dot = 0;
    return out;
}

int etsim_synth_profile_load(const char *spec, etsim_synth_profile *p, etsim_err *err) {
    memset(p, 0, sizeof *p);
    if (!spec || !*spec) spec = "default";
    if (etsim_synth_builtin_json(spec)) {
        if (load_builtin(spec, p, err)) {
            etsim_synth_profile_free(p);
            return -1;
        }
        return 0;
    }
    const char *fitted = etsim_fitted_profile_json(spec);
    if (fitted) {
        char origin[160];
        snprintf(origin, sizeof origin, "fitted:%s", spec);
        return etsim_synth_profile_parse(fitted, strlen(fitted), origin, spec, p, err);
    }
    size_t len = 0;
    etsim_err ferr;
    char *text = etsim_read_file(spec, &len, &ferr);
    if (!text) {
        char names[768] = "";
        for (int pass = 0; pass < 2; pass++)
            for (const char *const *n = pass ? etsim_fitted_profile_names()
                                             : etsim_synth_builtin_names(); *n; n++) {
                if (*names) strncat(names, ", ", sizeof names - strlen(names) - 1);
                strncat(names, *n, sizeof names - strlen(names) - 1);
            }
        return etsim_errf(err, "synthetic profile '%s' is neither a built-in or fitted profile (%s) "
                               "nor a readable file: %s", spec, names, ferr.msg);
    }
    char *name = base_name(spec);
    int rc = etsim_synth_profile_parse(text, len, spec, name, p, err);
    free(name);
    free(text);
    return rc;
}

char *etsim_synth_profile_to_json(const etsim_synth_profile *p) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", p->name ? p->name : "");
    for (int32_t i = 0; i < N_PARAMS; i++) {
        const pdef *d = &PARAMS[i];
        const char *base = (const char *)p + d->off;
        switch (d->type) {
        case T_NUM: cJSON_AddNumberToObject(o, d->name, *(const double *)base); break;
        case T_INT: cJSON_AddNumberToObject(o, d->name, *(const int32_t *)base); break;
        case T_BOOL: cJSON_AddBoolToObject(o, d->name, *(const int32_t *)base); break;
        case T_STR: {
            const char *s = *(char *const *)base;
            cJSON_AddStringToObject(o, d->name, s ? s : "");
            break;
        }
        case T_STRS: {
            cJSON *a = cJSON_AddArrayToObject(o, d->name);
            for (int32_t k = 0; k < p->n_subjects; k++)
                cJSON_AddItemToArray(a, cJSON_CreateString(p->subjects[k]));
            break;
        }
        }
    }
    char *out = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    char *copy = etsim_strdup(out);   /* cJSON's allocator may differ from free() users expect */
    cJSON_free(out);
    return copy;
}
