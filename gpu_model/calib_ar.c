/* calib_ar.c -- the all-reduce model against measured NCCL times (see
 * calib_ar.h). Reads vidur's three columns through etsim_vidur_points_read,
 * checks each row, and fits the two constants with the calibration's
 * Nelder-Mead. */
#include "gpu_model/calib_ar.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_model/calib.h"
#include "gpu_model/roofline.h"

static const char *const ar_cols[3] = {"num_workers", "size", "time_stats.all_reduce.median"};

#define AR_SUFFIX "_all_reduce.csv"

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int etsim_calib_ar_read(const char *path, etsim_calib_ar *a, etsim_err *err) {
    memset(&a->pts, 0, sizeof a->pts);
    a->n_tp = 0;
    if (etsim_vidur_points_read(path, ar_cols, &a->pts, err) < 0) return -1;
    for (int32_t i = 0; i < a->pts.n; i++) {
        const double *v = a->pts.v[i];
        long row = a->pts.line[i];
        /* degree 1 has no all-reduce; a fractional one is a broken file */
        if (v[0] < 2 || v[0] > 1024 || v[0] != floor(v[0])) {
            etsim_errf(err, "%s: row %ld, column '%s': %g is not a TP degree (an integer >= 2)",
                       path, row, ar_cols[0], v[0]);
            goto err;
        }
        for (int k = 1; k < 3; k++)
            if (v[k] <= 0) { /* a zero time would divide the MAPE by zero */
                etsim_errf(err, "%s: row %ld, column '%s': zero", path, row, ar_cols[k]);
                goto err;
            }
        int32_t tp = (int32_t)v[0], j = 0;
        while (j < a->n_tp && a->tp[j] < tp) j++;
        if (j < a->n_tp && a->tp[j] == tp) continue;
        if (a->n_tp == ETSIM_CALIB_AR_TP_MAX) {
            etsim_errf(err, "%s: row %ld, column '%s': more than %d TP degrees", path, row,
                       ar_cols[0], ETSIM_CALIB_AR_TP_MAX);
            goto err;
        }
        memmove(&a->tp[j + 1], &a->tp[j], (size_t)(a->n_tp - j) * sizeof *a->tp);
        a->tp[j] = tp;
        a->n_tp++;
    }
    return 0;
err:
    etsim_vidur_points_free(&a->pts);
    return -1;
}

int etsim_calib_ar_load(const char *dir, etsim_calib_ar_data *d, etsim_err *err) {
    memset(d, 0, sizeof *d);
    DIR *dp = opendir(dir);
    if (!dp) return etsim_errf(err, "%s: cannot open the all-reduce profile directory", dir);
    char **names = NULL, path[4096];
    int64_t cap = 0, n = 0;
    struct dirent *e;
    while ((e = readdir(dp))) {
        size_t l = strlen(e->d_name), s = strlen(AR_SUFFIX);
        if (l <= s || strcmp(e->d_name + l - s, AR_SUFFIX)) continue;
        etsim_grow((void **)&names, &cap, n + 1, sizeof *names);
        names[n++] = etsim_strdup(e->d_name);
    }
    closedir(dp);
    qsort(names, (size_t)n, sizeof *names, cmp_str); /* readdir order is not stable */
    int rc = 0;
    for (int64_t i = 0; i < n && !rc; i++) {
        size_t fl = strlen(names[i]) - strlen(AR_SUFFIX);
        etsim_calib_ar *a = &d->fam[d->n];
        if (fl >= sizeof a->family) continue;
        memcpy(a->family, names[i], fl);
        a->family[fl] = 0;
        if (!etsim_calib_family_gpu(a->family)) continue; /* no GPU profile to fit */
        if (d->n == ETSIM_CALIB_AR_FAMILIES) {
            rc = etsim_errf(err, "%s: more than %d all-reduce files", dir,
                            ETSIM_CALIB_AR_FAMILIES);
            break;
        }
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (etsim_calib_ar_read(path, a, err) < 0) rc = -1;
        else d->n++;
    }
    for (int64_t i = 0; i < n; i++) free(names[i]);
    free(names);
    if (!rc && !d->n)
        rc = etsim_errf(err, "%s: no <family>%s file (h100, a100)", dir, AR_SUFFIX);
    if (rc) etsim_calib_ar_free(d);
    return rc;
}

void etsim_calib_ar_free(etsim_calib_ar_data *d) {
    for (int32_t i = 0; i < d->n; i++) etsim_vidur_points_free(&d->fam[i].pts);
    memset(d, 0, sizeof *d);
}

int32_t etsim_calib_ar_mape(const etsim_calib_ar *a, const etsim_gpu_profile *g, int32_t tp,
                            double *mape, double *bias) {
    double sa = 0, ss = 0;
    int32_t n = 0;
    for (int32_t i = 0; i < a->pts.n; i++) {
        const double *v = a->pts.v[i];
        if (tp && (int32_t)v[0] != tp) continue;
        double meas = v[2] * 1e-3, model = etsim_roofline_allreduce_s(g, v[1], (int32_t)v[0]);
        double e = (model - meas) / meas;
        sa += fabs(e), ss += e, n++;
    }
    if (mape) *mape = n ? 100 * sa / n : 0;
    if (bias) *bias = n ? 100 * ss / n : 0;
    return n;
}

typedef struct ar_ctx {
    const etsim_calib_ar *a;
    etsim_gpu_profile g;
} ar_ctx;

/* x = {allreduce_s in us, eff_interconnect}: the mean of the degrees'
 * MAPEs; outside the bounds a penalty rising with the distance, so the
 * simplex walks back. */
static double ar_obj(const double *x, void *vc) {
    ar_ctx *c = vc;
    double out = 0;
    if (x[0] < 0) out += 1e6 * (1 - x[0]);
    if (x[1] < 0.05) out += 1e6 * (1.05 - x[1]);
    if (x[1] > 1) out += 1e6 * x[1];
    if (out > 0) return out;
    c->g.allreduce_s = x[0] * 1e-6;
    c->g.eff_interconnect = x[1];
    for (int32_t k = 0; k < c->a->n_tp; k++) {
        double m;
        etsim_calib_ar_mape(c->a, &c->g, c->a->tp[k], &m, NULL);
        out += m / c->a->n_tp;
    }
    return out;
}

void etsim_calib_ar_fit(const etsim_calib_ar *a, etsim_gpu_profile *g) {
    ar_ctx c = {a, *g};
    /* the shipped assumptions as the start; MAPE is flat-bottomed in
       places (medians of noisy small messages), hence the restarts */
    double x[2] = {10, 0.80};
    const double step[2] = {10, 0.1};
    etsim_calib_nelder_mead(ar_obj, &c, x, step, 2, 200, 3);
    g->allreduce_s = x[0] * 1e-6;
    g->eff_interconnect = x[1];
}

void etsim_calib_ar_print(FILE *fp, const etsim_gpu_profile *g) {
    fprintf(fp, "\"allreduce_s\": %.4g, \"eff_interconnect\": %.4g", g->allreduce_s,
            g->eff_interconnect);
}
