/* pick.c -- the paper's "largest lambda within 0.2 points of REBASE" rule
 * (see pick.h). */
#include "sim/sweep/pick.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/sbuf.h"

static int is_ets(const etsim_report_row *r) {
    return !strcmp(r->selector, "ets") || !strcmp(r->selector, "ets-kv");
}

/* REBASE rows match on source, width, engine and problems. */
static const etsim_report_row *find_rebase(const etsim_report *rep, const etsim_report_row *r) {
    const etsim_report_row *best = NULL;
    double want_t = etsim_report_param(r, "softmax_temperature");
    for (int32_t i = 0; i < rep->n_rows; i++) {
        const etsim_report_row *c = &rep->rows[i];
        if (strcmp(c->selector, "rebase") || !c->has_summary) continue;
        if (strcmp(c->source_kind, r->source_kind) || strcmp(c->source_spec, r->source_spec) ||
            strcmp(c->engine, r->engine) || c->width != r->width || c->first != r->first ||
            c->count != r->count)
            continue;
        double t = etsim_report_param(c, "softmax_temperature");
        if (!best) {
            best = c;
            continue;
        }
        double bt = etsim_report_param(best, "softmax_temperature");
        /* prefer the same temperature, then the default 0.2, then hash order */
        int score_c = (t == want_t) * 2 + (t == 0.2), score_b = (bt == want_t) * 2 + (bt == 0.2);
        if (score_c > score_b) best = c;
    }
    return best;
}

/* Series are short: a stable insertion sort by the parameter value. */
static void sort_series(const etsim_report_row **v, int32_t n, const char *param) {
    for (int32_t i = 1; i < n; i++) {
        const etsim_report_row *x = v[i];
        double xv = etsim_report_param(x, param);
        int32_t j = i - 1;
        while (j >= 0 && etsim_report_param(v[j], param) > xv) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static int cmp_pick(const void *pa, const void *pb) {
    const etsim_pick *a = pa, *b = pb;
    int c = strcmp(a->chosen->source_spec, b->chosen->source_spec);
    if (!c) c = strcmp(a->chosen->selector, b->chosen->selector);
    if (!c) c = (a->chosen->width > b->chosen->width) - (a->chosen->width < b->chosen->width);
    if (!c) c = strcmp(a->chosen->hash, b->chosen->hash);
    return c;
}

int etsim_pick_rule(const double *acc, int n, double rebase_acc, double tolerance, int *within) {
    double floor_acc = rebase_acc - tolerance - 1e-9;
    for (int k = n - 1; k >= 0; k--)
        if (acc[k] >= floor_acc) {
            *within = 1;
            return k;
        }
    int best = 0; /* fallback: the most accurate, largest value on ties */
    for (int k = 1; k < n; k++)
        if (acc[k] >= acc[best]) best = k;
    *within = 0;
    return best;
}

int etsim_pick_paper(const etsim_report *rep, const char *param, double tolerance,
                     etsim_pick_set *out, etsim_err *err) {
    memset(out, 0, sizeof *out);
    out->param = etsim_strdup(param);
    out->tolerance = tolerance;
    uint8_t *used = etsim_calloc((size_t)(rep->n_rows > 0 ? rep->n_rows : 1), 1);
    int64_t cap = 0;
    for (int32_t i = 0; i < rep->n_rows; i++) {
        const etsim_report_row *r = &rep->rows[i];
        if (used[i] || !is_ets(r) || !r->has_summary) continue;
        if (isnan(etsim_report_param(r, param))) {
            free(used);
            etsim_pick_set_free(out);
            return etsim_errf(err, "config %s (%s): has no parameter '%s'", r->hash, r->selector,
                              param);
        }
        etsim_pick pk;
        memset(&pk, 0, sizeof pk);
        pk.series = etsim_malloc((size_t)rep->n_rows * sizeof *pk.series);
        for (int32_t k = i; k < rep->n_rows; k++) {
            const etsim_report_row *c = &rep->rows[k];
            if (used[k] || !c->has_summary || !etsim_report_same_except(r, c, param, 0)) continue;
            used[k] = 1;
            pk.series[pk.n_series++] = c;
        }
        sort_series(pk.series, pk.n_series, param);
        pk.rebase = find_rebase(rep, r);
        if (!pk.rebase) {
            free(pk.series);
            free(used);
            etsim_pick_set_free(out);
            return etsim_errf(err, "%s width %d on %s: no REBASE config with the same source, "
                                   "width, engine settings and problems to compare with",
                              r->selector, r->width, r->source_spec);
        }
        double *acc = etsim_malloc((size_t)pk.n_series * sizeof *acc);
        for (int32_t k = 0; k < pk.n_series; k++) acc[k] = pk.series[k]->acc_weighted;
        pk.chosen = pk.series[etsim_pick_rule(acc, pk.n_series, pk.rebase->acc_weighted,
                                              tolerance, &pk.within)];
        free(acc);
        pk.value = etsim_report_param(pk.chosen, param);
        pk.kv_reduction = pk.chosen->mean_kv > 0 ? pk.rebase->mean_kv / pk.chosen->mean_kv : NAN;
        etsim_grow((void **)&out->picks, &cap, out->n + 1, sizeof *out->picks);
        out->picks[out->n++] = pk;
    }
    free(used);
    qsort(out->picks, (size_t)out->n, sizeof *out->picks, cmp_pick);
    return 0;
}

void etsim_pick_set_free(etsim_pick_set *s) {
    for (int32_t i = 0; i < s->n; i++) free(s->picks[i].series);
    free(s->picks);
    free(s->param);
    memset(s, 0, sizeof *s);
}

const etsim_pick *etsim_pick_find(const etsim_pick_set *s, const char *selector,
                                  const char *source_spec, int32_t width) {
    for (int32_t i = 0; i < s->n; i++) {
        const etsim_report_row *c = s->picks[i].chosen;
        if (!strcmp(c->selector, selector) && !strcmp(c->source_spec, source_spec) &&
            c->width == width)
            return &s->picks[i];
    }
    return NULL;
}

void etsim_pick_print(FILE *fp, const etsim_pick_set *s, int verbose) {
    fprintf(fp, "rule: largest %s with accuracy >= REBASE - %g points (weighted majority)\n",
            s->param, s->tolerance);
    fprintf(fp, "%-24s %-8s %5s %10s %8s %8s %8s %6s  %s\n", "source", "selector", "width",
            "REBASE%", s->param, "acc%", "diff", "KVred", "config");
    for (int32_t i = 0; i < s->n; i++) {
        const etsim_pick *p = &s->picks[i];
        fprintf(fp, "%-24.24s %-8s %5d %10.2f %8g %8.2f %+8.2f %6.2f  %s%s\n",
                p->chosen->source_spec, p->chosen->selector, p->chosen->width,
                p->rebase->acc_weighted, p->value, p->chosen->acc_weighted,
                p->chosen->acc_weighted - p->rebase->acc_weighted, p->kv_reduction,
                p->chosen->hash, p->within ? "" : "  (none within tolerance: most accurate)");
        if (verbose)
            for (int32_t k = 0; k < p->n_series; k++) {
                const etsim_report_row *c = p->series[k];
                fprintf(fp, "%48s %8g %8.2f %+8.2f %6.2f  %s\n", "",
                        etsim_report_param(c, s->param), c->acc_weighted,
                        c->acc_weighted - p->rebase->acc_weighted,
                        c->mean_kv > 0 ? p->rebase->mean_kv / c->mean_kv : NAN, c->hash);
            }
    }
}

void etsim_pick_print_json(FILE *fp, const etsim_pick_set *s) {
    fprintf(fp, "{\"param\":");
    etsim_json_write_string(fp, s->param);
    char b[32];
    etsim_fmt_double(b, s->tolerance);
    fprintf(fp, ",\"tolerance\":%s,\"picks\":[", b);
    for (int32_t i = 0; i < s->n; i++) {
        const etsim_pick *p = &s->picks[i];
        fprintf(fp, "%s\n{\"selector\":", i ? "," : "");
        etsim_json_write_string(fp, p->chosen->selector);
        fputs(",\"source\":", fp);
        etsim_json_write_string(fp, p->chosen->source_spec);
        fprintf(fp, ",\"width\":%d,\"value\":", p->chosen->width);
        etsim_fmt_double(b, p->value);
        fputs(b, fp);
        fprintf(fp, ",\"within\":%s,\"config\":\"%s\",\"rebase_config\":\"%s\",\"accuracy\":",
                p->within ? "true" : "false", p->chosen->hash, p->rebase->hash);
        etsim_fmt_double(b, p->chosen->acc_weighted);
        fputs(b, fp);
        fputs(",\"rebase_accuracy\":", fp);
        etsim_fmt_double(b, p->rebase->acc_weighted);
        fputs(b, fp);
        fputs(",\"kv_reduction\":", fp);
        etsim_fmt_double(b, p->kv_reduction);
        fputs(b, fp);
        fputs(",\"series\":[", fp);
        for (int32_t k = 0; k < p->n_series; k++) {
            etsim_fmt_double(b, etsim_report_param(p->series[k], s->param));
            fprintf(fp, "%s[%s,", k ? "," : "", b);
            etsim_fmt_double(b, p->series[k]->acc_weighted);
            fprintf(fp, "%s]", b);
        }
        fputs("]}", fp);
    }
    fputs("]}\n", fp);
}
