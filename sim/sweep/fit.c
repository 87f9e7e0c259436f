/* fit.c -- the coordinate search behind `etsim fit` (see fit.h); the
 * objectives are fit_paper.c and fit_real.c, the replay they run is
 * fit_replay.c. */
#include "sim/sweep/fit.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>


/* ---- parameters of a profile ------------------------------------------------------------- */

static double profile_get(const etsim_synth_profile *p, const char *name) {
    char *json = etsim_synth_profile_to_json(p);
    cJSON *j = cJSON_Parse(json);
    free(json);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    double x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    cJSON_Delete(j);
    return x;
}

static int profile_set(etsim_synth_profile *p, const char *name, double v, etsim_err *err) {
    char buf[32];
    etsim_fmt_double(buf, v);
    return etsim_synth_profile_set(p, name, buf, err);
}

/* ---- the search -------------------------------------------------------------------------------- */

typedef struct objective {
    etsim_fit_paper *paper;
    etsim_fit_real *real;
} objective;

static double loss_of(const etsim_fit_stats *st) {
    double l = 0;
    for (int i = 0; i < st->n; i++) {
        double d = (st->model[i] - st->target[i]) / st->scale[i];
        l += isfinite(d) ? d * d : 1e6;
    }
    return l;
}

static int evaluate(objective *ob, const etsim_synth_profile *p, etsim_fit_stats *st,
                    double *loss, etsim_err *err) {
    memset(st, 0, sizeof *st);
    int rc = ob->paper ? etsim_fit_paper_eval(ob->paper, p, st, err)
                       : etsim_fit_real_eval(ob->real, p, st, err);
    if (rc == 0) *loss = loss_of(st);
    return rc;
}

/* The fitted profile as a complete JSON object (every parameter, so it
 * loads on its own), named and described. */
static char *describe(const etsim_fit_opts *o, const etsim_synth_profile *p,
                      const etsim_fit_result *res) {
    char *json = etsim_synth_profile_to_json(p);
    cJSON *j = cJSON_Parse(json);
    free(json);
    if (!j) return NULL;
    char desc[768];
    if (!strcmp(o->target, "paper"))
        snprintf(desc, sizeof desc,
                 "FITTED by etsim fit --target paper --setup %s --base %s (%d problems, %d "
                 "evaluations, loss %.3g from %.3g) to the ETS paper's Table 1: REBASE and ETS "
                 "accuracy and ETS KV reduction at widths 16/64/256 (REBASE T 0.2; ETS T 0.2, "
                 "lambdas 1, lambdac the paper's rule picks from etsim paper's default list)",
                 o->setup, o->base, o->problems, res->evals, res->loss, res->start_loss);
    else
        snprintf(desc, sizeof desc,
                 "FITTED by etsim fit --target real --base %s (%d files, %d evaluations, loss "
                 "%.3g from %.3g) to search-and-learn beam-search outputs: steps, tokens per "
                 "step, accuracy, PRM scores on correct and wrong completions, prefix sharing, "
                 "answer diversity",
                 o->base, o->n_data, res->evals, res->loss, res->start_loss);
    cJSON_DeleteItemFromObjectCaseSensitive(j, "base");
    cJSON_DeleteItemFromObjectCaseSensitive(j, "origin");
    cJSON_ReplaceItemInObjectCaseSensitive(j, "name", cJSON_CreateString(o->name));
    if (cJSON_GetObjectItemCaseSensitive(j, "description"))
        cJSON_ReplaceItemInObjectCaseSensitive(j, "description", cJSON_CreateString(desc));
    else
        cJSON_AddStringToObject(j, "description", desc);
    char *out = cJSON_Print(j);
    cJSON_Delete(j);
    size_t n = strlen(out);
    out = etsim_realloc(out, n + 2);
    out[n] = '\n';
    out[n + 1] = 0;
    return out;
}


int etsim_fit_run(const etsim_fit_opts *o, etsim_fit_result *res, etsim_err *err) {
    memset(res, 0, sizeof *res);
    objective ob = {0};
    const etsim_fit_param *par;
    int np;
    if (!strcmp(o->target, "paper")) {
        ob.paper = etsim_fit_paper_new(o, err);
        if (!ob.paper) return -1;
        par = etsim_fit_paper_params(&np);
    } else if (!strcmp(o->target, "real")) {
        ob.real = etsim_fit_real_new(o, err);
        if (!ob.real) return -1;
        par = etsim_fit_real_params(&np);
    } else {
        return etsim_errf(err, "unknown fit target '%s' (known: paper, real)", o->target);
    }
    int rc = -1;
    etsim_synth_profile p, q;
    memset(&p, 0, sizeof p);
    memset(&q, 0, sizeof q);
    if (etsim_synth_profile_load(o->base, &p, err) < 0) goto out_obj;
    double x[ETSIM_FIT_MAX_PARAMS], step[ETSIM_FIT_MAX_PARAMS];
    for (int i = 0; i < np; i++) {
        x[i] = profile_get(&p, par[i].name);
        if (isnan(x[i])) {
            etsim_errf(err, "profile %s has no numeric parameter '%s'", o->base, par[i].name);
            goto out_p;
        }
        x[i] = fmin(par[i].hi, fmax(par[i].lo, x[i]));
        step[i] = par[i].step;
    }
    etsim_fit_stats st, best_st;
    double f;
    for (int i = 0; i < np; i++)
        if (profile_set(&p, par[i].name, x[i], err) < 0) goto out_p;
    if (evaluate(&ob, &p, &best_st, &f, err) < 0) goto out_p;
    res->start_loss = f;
    res->evals = 1;
    etsim_notice_say(&o->notice, "fit: start loss %.4g", f);
    while (res->evals < o->max_evals) {
        int improved = 0;
        for (int i = 0; i < np && !improved && res->evals < o->max_evals; i++)
            for (int dir = 1; dir >= -1 && !improved && res->evals < o->max_evals; dir -= 2) {
                double y = fmin(par[i].hi, fmax(par[i].lo, x[i] + dir * step[i]));
                if (y == x[i]) continue;
                etsim_synth_profile_free(&q);
                etsim_synth_profile_copy(&q, &p);
                if (profile_set(&q, par[i].name, y, err) < 0) goto out_p;
                double fy;
                if (evaluate(&ob, &q, &st, &fy, err) < 0) goto out_p;
                res->evals++;
                if (fy < f - 1e-12) {
                    f = fy;
                    x[i] = y;
                    best_st = st;
                    etsim_synth_profile_free(&p);
                    etsim_synth_profile_copy(&p, &q);
                    improved = 1;
                    etsim_notice_say(&o->notice, "fit: eval %d: %s = %g, loss %.4g", res->evals, par[i].name, y, f);
                }
            }
        if (!improved) {
            int small = 1;
            for (int i = 0; i < np; i++) {
                step[i] /= 2;
                small &= step[i] < par[i].min_step;
            }
            if (small) break;
        }
    }
    res->loss = f;
    res->stats = best_st;
    res->json = describe(o, &p, res);
    if (!res->json) {
        etsim_errf(err, "internal: cannot serialise the fitted profile");
        goto out_p;
    }
    if (etsim_synth_profile_parse(res->json, strlen(res->json), "fit", o->name, &res->profile,
                                  err) < 0)
        goto out_p;
    rc = 0;
out_p:
    etsim_synth_profile_free(&p);
    etsim_synth_profile_free(&q);
out_obj:
    if (ob.paper) etsim_fit_paper_free(ob.paper);
    if (ob.real) etsim_fit_real_free(ob.real);
    if (rc < 0) etsim_fit_result_free(res);
    return rc;
}

void etsim_fit_result_free(etsim_fit_result *res) {
    if (res->profile.name || res->profile.origin) etsim_synth_profile_free(&res->profile);
    free(res->json);
    memset(res, 0, sizeof *res);
}

void etsim_fit_print(FILE *fp, const etsim_fit_result *res) {
    fprintf(fp, "loss %.4g (start %.4g) after %d evaluations\n", res->loss, res->start_loss,
            res->evals);
    fprintf(fp, "%-28s %12s %12s %10s\n", "statistic", "model", "target", "scale");
    for (int i = 0; i < res->stats.n; i++)
        fprintf(fp, "%-28s %12.4g %12.4g %10.3g\n", res->stats.name[i], res->stats.model[i],
                res->stats.target[i], res->stats.scale[i]);
}
