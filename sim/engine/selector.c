/* selector.c -- the engine's side of the selector interface (selector.h):
 * the output a selector appends its expansions to, and parameter handling
 * (declared defaults and ranges, `key=value` parsing, validated once before
 * any work so select() never parses strings). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/selector.h"

void etsim_sel_output_init(etsim_sel_output *out, int32_t n_cand) {
    memset(out, 0, sizeof *out);
    out->tags = etsim_calloc((size_t)(n_cand > 0 ? n_cand : 1), sizeof *out->tags);
    out->kept = etsim_calloc((size_t)(n_cand > 0 ? n_cand : 1), sizeof *out->kept);
    out->cluster = etsim_calloc((size_t)(n_cand > 0 ? n_cand : 1), sizeof *out->cluster);
    out->kv_extra = etsim_calloc((size_t)(n_cand > 0 ? n_cand : 1), sizeof *out->kv_extra);
}

void etsim_sel_output_free(etsim_sel_output *out) {
    free(out->exp_cand);
    free(out->exp_count);
    free(out->tags);
    free(out->kept);
    free(out->cluster);
    free(out->kv_extra);
    memset(out, 0, sizeof *out);
}

void etsim_sel_expand(etsim_sel_output *out, int32_t cand_index, int32_t count) {
    int64_t cap = out->cap_exp;
    etsim_grow((void **)&out->exp_cand, &cap, out->n_exp + 1, sizeof *out->exp_cand);
    cap = out->cap_exp;
    etsim_grow((void **)&out->exp_count, &cap, out->n_exp + 1, sizeof *out->exp_count);
    out->cap_exp = cap;
    out->exp_cand[out->n_exp] = cand_index;
    out->exp_count[out->n_exp] = count;
    out->n_exp++;
}

/* ---- ordering ------------------------------------------------------------------ */

void etsim_sel_config_init(etsim_sel_config *cfg, const etsim_selector *sel) {
    memset(cfg, 0, sizeof *cfg);
    cfg->sel = sel;
    for (int i = 0; sel->params && sel->params[i].name && i < ETSIM_SEL_MAX_PARAMS; i++)
        cfg->v[i] = sel->params[i].def;
}

int etsim_sel_config_get_index(const etsim_sel_config *cfg, const char *key) {
    const etsim_param_def *p = cfg->sel->params;
    for (int i = 0; p && p[i].name && i < ETSIM_SEL_MAX_PARAMS; i++)
        if (!strcmp(p[i].name, key)) return i;
    return -1;
}

double etsim_sel_config_get(const etsim_sel_config *cfg, const char *key) {
    int i = etsim_sel_config_get_index(cfg, key);
    return i < 0 ? NAN : cfg->v[i];
}

int etsim_sel_config_set(etsim_sel_config *cfg, const char *key, const char *value,
                         etsim_err *err) {
    int i = etsim_sel_config_get_index(cfg, key);
    if (i < 0) {
        char known[256] = "";
        const etsim_param_def *p = cfg->sel->params;
        for (int k = 0; p && p[k].name; k++) {
            if (k) strncat(known, ", ", sizeof known - strlen(known) - 1);
            strncat(known, p[k].name, sizeof known - strlen(known) - 1);
        }
        return etsim_errf(err, "selector %s: unknown parameter '%s' (known: %s)",
                          cfg->sel->name, key, known[0] ? known : "none");
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(value, &end);
    if (!value[0] || *end || errno || !isfinite(v))
        return etsim_errf(err, "selector %s: parameter %s: '%s' is not a finite number",
                          cfg->sel->name, key, value);
    const etsim_param_def *d = &cfg->sel->params[i];
    if (v < d->min || v > d->max)
        return etsim_errf(err, "selector %s: parameter %s = %s is outside [%g, %g]",
                          cfg->sel->name, key, value, d->min, d->max);
    if (d->integer && v != floor(v))
        return etsim_errf(err, "selector %s: parameter %s = %s is not an integer",
                          cfg->sel->name, key, value);
    cfg->v[i] = v;
    cfg->set[i] = 1;
    return 0;
}
