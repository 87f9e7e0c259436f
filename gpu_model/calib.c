/* calib.c -- fit and report the GPU model against vidur profiles (see
 * calib.h). A plain Nelder-Mead over a handful of constants, bounds as a
 * penalty, fixed starts and budgets: the same CSVs give the same
 * constants on any machine. */
#include "gpu_model/calib.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_model/roofline.h"

/* ---- loading ------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

const char *etsim_calib_family_gpu(const char *family) {
    if (!strcmp(family, "h100")) return "h100-sxm";
    if (!strcmp(family, "a100")) return "a100-80gb";
    return NULL;
}

void etsim_calib_block_model(const etsim_vidur_mlp *t, etsim_model_profile *m) {
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "block");
    m->layers = 1;
    m->hidden = t->hidden;
    m->heads = t->heads;
    m->kv_heads = t->kv_heads;
    m->head_dim = t->hidden / t->heads;
    m->ffn = t->ffn;
    m->vocab = 32000;
    m->dtype_bytes = 2;
    m->gated_mlp = t->gated;
    m->rotary_fraction = 1.0;
    m->tp = 1;
    etsim_model_derive(m);
}

/* "<family>_<model><suffix>" -> family, model; 0 when the name fits. */
static int split_name(const char *file, const char *suffix, char *family, size_t fcap,
                      char *model, size_t mcap) {
    const char *us = strchr(file, '_');
    if (!us || !ends_with(file, suffix)) return -1;
    size_t fl = (size_t)(us - file), ml = strlen(us + 1) - strlen(suffix);
    if (fl == 0 || fl >= fcap || ml == 0 || ml >= mcap) return -1;
    memcpy(family, file, fl);
    family[fl] = 0;
    memcpy(model, us + 1, ml);
    model[ml] = 0;
    return etsim_calib_family_gpu(family) ? 0 : -1;
}

int etsim_calib_load(const char *dir, etsim_calib_data *d, etsim_err *err) {
    memset(d, 0, sizeof *d);
    DIR *dp = opendir(dir);
    if (!dp) return etsim_errf(err, "%s: cannot open the vidur profile directory", dir);
    char **names = NULL, path[4096];
    int64_t cap = 0, n = 0;
    struct dirent *e;
    while ((e = readdir(dp))) {
        if (!ends_with(e->d_name, ".csv")) continue;
        etsim_grow((void **)&names, &cap, n + 1, sizeof *names);
        names[n++] = etsim_strdup(e->d_name);
    }
    closedir(dp);
    qsort(names, (size_t)n, sizeof *names, cmp_str); /* readdir order is not stable */
    int rc = 0;
    char fam[16], model[96];
    for (int64_t i = 0; i < n && !rc; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (!split_name(names[i], "_mlp.csv", fam, sizeof fam, model, sizeof model)) {
            if (d->n_pairs == ETSIM_CALIB_PAIRS_MAX) {
                rc = etsim_errf(err, "%s: more than %d profiles", dir, ETSIM_CALIB_PAIRS_MAX);
                break;
            }
            etsim_calib_pair *p = &d->pairs[d->n_pairs];
            snprintf(p->family, sizeof p->family, "%s", fam);
            snprintf(p->model, sizeof p->model, "%s", model);
            int32_t tps[8], ntp = 0;
            if (etsim_vidur_mlp_read(path, &p->mlp, err) < 0 ||
                etsim_vidur_mlp_tps(path, tps, 8, &ntp, err) < 0) {
                etsim_vidur_mlp_free(&p->mlp);
                rc = -1;
            } else {
                d->n_pairs++;
                for (int32_t k = 0; k < ntp && !rc && p->n_tp < ETSIM_CALIB_TP_MAX; k++) {
                    if (tps[k] == 1) continue;
                    if (etsim_vidur_mlp_read_tp(path, tps[k], &p->tp_mlp[p->n_tp], err) < 0)
                        rc = -1;
                    else p->tp[p->n_tp++] = tps[k];
                }
            }
        } else if (!split_name(names[i], "_attention_decode.csv", fam, sizeof fam, model,
                               sizeof model)) {
            static const char *const cols[3] = {"kv", "b", "ms"};
            if (d->decode.n) {
                rc = etsim_errf(err, "%s: a second attention decode profile", path);
                break;
            }
            snprintf(d->attn_family, sizeof d->attn_family, "%s", fam);
            snprintf(d->attn_model, sizeof d->attn_model, "%s", model);
            rc = etsim_vidur_points_read(path, cols, &d->decode, err);
        } else if (!split_name(names[i], "_attention_prefill.csv", fam, sizeof fam, model,
                               sizeof model)) {
            static const char *const cols[3] = {"c", "kv", "ms"};
            if (d->prefill.n) {
                rc = etsim_errf(err, "%s: a second attention prefill profile", path);
                break;
            }
            rc = etsim_vidur_points_read(path, cols, &d->prefill, err);
        }
    }
    for (int64_t i = 0; i < n; i++) free(names[i]);
    free(names);
    if (!rc && !d->n_pairs) rc = etsim_errf(err, "%s: no <family>_<model>_mlp.csv files", dir);
    if (!rc && d->decode.n && d->prefill.n) {
        /* the attention model's shape comes from its own mlp.csv */
        for (int32_t i = 0; i < d->n_pairs; i++)
            if (!strcmp(d->pairs[i].family, d->attn_family) &&
                !strcmp(d->pairs[i].model, d->attn_model)) {
                etsim_calib_block_model(&d->pairs[i].mlp, &d->attn_shape);
                d->has_attn = 1;
            }
        if (!d->has_attn)
            rc = etsim_errf(err, "%s: attention profile of %s_%s has no %s_%s_mlp.csv for its "
                            "shape", dir, d->attn_family, d->attn_model, d->attn_family,
                            d->attn_model);
    }
    if (rc) etsim_calib_free(d);
    return rc;
}

void etsim_calib_free(etsim_calib_data *d) {
    for (int32_t i = 0; i < d->n_pairs; i++) {
        etsim_vidur_mlp_free(&d->pairs[i].mlp);
        for (int32_t k = 0; k < d->pairs[i].n_tp; k++) etsim_vidur_mlp_free(&d->pairs[i].tp_mlp[k]);
    }
    etsim_vidur_points_free(&d->decode);
    etsim_vidur_points_free(&d->prefill);
    memset(d, 0, sizeof *d);
}

/* ---- errors ------------------------------------------------------------- */

/* MAPE (%) of the model's layer time against the rows of T whose token
 * count lies in [lo, hi]; the signed worst error (%) and its token count. */
static int32_t layer_mape(const etsim_model_profile *m, const etsim_vidur_mlp *t,
                          const etsim_gpu_profile *g, int32_t lo, int32_t hi, double *mape,
                          double *worst, int32_t *worst_n) {
    double sum = 0, w = 0;
    int32_t cnt = 0, wn = 0;
    for (int32_t i = 0; i < t->n; i++) {
        int32_t n = t->rows[i].tokens;
        if (n < lo || n > hi) continue;
        double e = etsim_roofline_layer_s(m, g, n) * 1e3 / t->rows[i].total_ms - 1.0;
        sum += fabs(e);
        if (fabs(e) > fabs(w)) w = e, wn = n;
        cnt++;
    }
    if (mape) *mape = cnt ? 100.0 * sum / cnt : 0;
    if (worst) *worst = 100.0 * w;
    if (worst_n) *worst_n = wn;
    return cnt;
}

int32_t etsim_calib_mlp_mape(const etsim_vidur_mlp *t, const etsim_gpu_profile *g, int32_t lo,
                             int32_t hi, double *mape, double *worst, int32_t *worst_n) {
    etsim_model_profile m;
    etsim_calib_block_model(t, &m);
    return layer_mape(&m, t, g, lo, hi, mape, worst, worst_n);
}

int32_t etsim_calib_mlp_mape_tp(const etsim_vidur_mlp *t, const etsim_vidur_mlp *rows,
                                int32_t tp, const etsim_gpu_profile *g, double *mape,
                                double *worst, int32_t *worst_n) {
    etsim_model_profile full, m;
    etsim_calib_block_model(t, &full);
    etsim_err err = {{0}};
    if (etsim_model_shard(&full, tp, "tp", &m, &err) < 0) return 0;
    return layer_mape(&m, rows, g, INT32_MIN, 4096, mape, worst, worst_n);
}

const char *const etsim_calib_op_names[4] = {"qkv", "o", "gate+up", "down"};

int32_t etsim_calib_op_error(const etsim_vidur_mlp *t, const etsim_vidur_mlp *rows, int32_t tp,
                             int op, const etsim_gpu_profile *g, int32_t lo, int32_t hi,
                             double *mape, double *bias) {
    etsim_model_profile full, m;
    etsim_calib_block_model(t, &full);
    etsim_err err = {{0}};
    if (op < 0 || op > 3 || etsim_model_shard(&full, tp, "tp", &m, &err) < 0) return 0;
    double h = m.hidden, q = (double)m.heads * m.head_dim, kv = (double)m.kv_heads * m.head_dim;
    double N[4] = {q + 2 * kv, h, (m.gated_mlp ? 2.0 : 1.0) * m.ffn, h};
    double K[4] = {h, q, h, m.ffn};
    double sa = 0, ss = 0;
    int32_t cnt = 0;
    for (int32_t i = 0; i < rows->n; i++) {
        const etsim_vidur_mlp_row *r = &rows->rows[i];
        if (r->tokens < lo || r->tokens > hi || r->op_ms[op] <= 0) continue;
        double e = etsim_roofline_gemm_s(g, r->tokens, N[op], K[op], m.dtype_bytes) * 1e3 /
                   r->op_ms[op] - 1.0;
        sa += fabs(e), ss += e, cnt++;
    }
    if (mape) *mape = cnt ? 100.0 * sa / cnt : 0;
    if (bias) *bias = cnt ? 100.0 * ss / cnt : 0;
    return cnt;
}

static double decode_ms(const etsim_model_profile *m, const etsim_gpu_profile *g, double kv,
                        double b) {
    etsim_iter_shape sh = {0};
    etsim_iter_terms it;
    sh.decode_reqs = b;
    sh.decode_ctx_sum = sh.decode_ctx_union = b * kv;
    etsim_roofline_iter(m, g, &sh, 0.0, &it);
    return it.attention_s * 1e3;
}

static double prefill_ms(const etsim_model_profile *m, const etsim_gpu_profile *g, double c,
                         double kv) {
    etsim_iter_shape sh = {0};
    etsim_iter_terms it;
    sh.prefill_reqs = 1;
    sh.prefill_tokens = c;
    sh.prefill_pairs = c * (kv + (c + 1) / 2);
    sh.prefill_causal_pairs = c * (c + 1) / 2;
    sh.prefill_ctx_tokens = kv;
    etsim_roofline_iter(m, g, &sh, 0.0, &it);
    return it.attention_s * 1e3;
}

void etsim_calib_attn_mape(const etsim_calib_data *d, const etsim_gpu_profile *g,
                           double *decode, double *prefill) {
    double sd = 0, sp = 0;
    for (int32_t i = 0; i < d->decode.n; i++) {
        const double *v = d->decode.v[i];
        sd += fabs(decode_ms(&d->attn_shape, g, v[0], v[1]) / v[2] - 1.0);
    }
    for (int32_t i = 0; i < d->prefill.n; i++) {
        const double *v = d->prefill.v[i];
        sp += fabs(prefill_ms(&d->attn_shape, g, v[0], v[1]) / v[2] - 1.0);
    }
    *decode = d->decode.n ? 100.0 * sd / d->decode.n : 0;
    *prefill = d->prefill.n ? 100.0 * sp / d->prefill.n : 0;
}

/* ---- Nelder-Mead ---------------------------------------------------------- */

#define NM_MAX ETSIM_CALIB_NM_MAX
typedef etsim_calib_nm_fn nm_fn;

void etsim_calib_nelder_mead(nm_fn f, void *ctx, double *x, const double *step, int n, int iters,
                             int restarts) {
    double pts[NM_MAX + 1][NM_MAX], val[NM_MAX + 1], c[NM_MAX], xr[NM_MAX], xe[NM_MAX];
    for (int r = 0; r <= restarts; r++) {
        for (int i = 0; i <= n; i++) {
            memcpy(pts[i], x, (size_t)n * sizeof *x);
            if (i) pts[i][i - 1] += step[i - 1];
            val[i] = f(pts[i], ctx);
        }
        for (int it = 0; it < iters; it++) {
            /* order: insertion sort keeps ties in index order (deterministic) */
            for (int i = 1; i <= n; i++)
                for (int j = i; j > 0 && val[j] < val[j - 1]; j--) {
                    double tv = val[j], tp[NM_MAX];
                    memcpy(tp, pts[j], sizeof tp);
                    memcpy(pts[j], pts[j - 1], sizeof tp);
                    memcpy(pts[j - 1], tp, sizeof tp);
                    val[j] = val[j - 1];
                    val[j - 1] = tv;
                }
            for (int k = 0; k < n; k++) {
                c[k] = 0;
                for (int i = 0; i < n; i++) c[k] += pts[i][k];
                c[k] /= n;
            }
            for (int k = 0; k < n; k++) xr[k] = 2 * c[k] - pts[n][k];
            double fr = f(xr, ctx);
            if (fr < val[0]) {
                for (int k = 0; k < n; k++) xe[k] = 3 * c[k] - 2 * pts[n][k];
                double fe = f(xe, ctx);
                memcpy(pts[n], fe < fr ? xe : xr, sizeof xr);
                val[n] = fe < fr ? fe : fr;
            } else if (fr < val[n - 1]) {
                memcpy(pts[n], xr, sizeof xr);
                val[n] = fr;
            } else {
                for (int k = 0; k < n; k++) xe[k] = 0.5 * (c[k] + pts[n][k]);
                double fc = f(xe, ctx);
                if (fc < val[n]) {
                    memcpy(pts[n], xe, sizeof xe);
                    val[n] = fc;
                } else {
                    for (int i = 1; i <= n; i++) {
                        for (int k = 0; k < n; k++) pts[i][k] = 0.5 * (pts[0][k] + pts[i][k]);
                        val[i] = f(pts[i], ctx);
                    }
                }
            }
        }
        int best = 0;
        for (int i = 1; i <= n; i++)
            if (val[i] < val[best]) best = i;
        memcpy(x, pts[best], (size_t)n * sizeof *x);
    }
}

/* ---- the linear fit ------------------------------------------------------- */

typedef struct lin_ctx {
    const etsim_calib_data *d;
    const char *family;
    etsim_gpu_profile g;
    int stage;                  /* 1: elementwise, 2: GEMMs on TP 1,
                                   3: GEMMs on TP 1 and the TP shards */
    double cap[ETSIM_CALIB_PAIRS_MAX]; /* stage 3: each pair's TP-1 MAPE after stage 2 */
} lin_ctx;

#define PENALTY 1e9

static double lin_obj(const double *x, void *vc) {
    lin_ctx *c = vc;
    etsim_gpu_profile *g = &c->g;
    if (c->stage == 1) {
        if (x[0] <= 0.02 || x[0] > 1 || x[1] < 0 || x[1] > 1e-3) return PENALTY;
        g->eff_elementwise_bw = x[0];
        g->elementwise_kernel_s = x[1];
    } else {
        if (x[0] <= 0.05 || x[0] > 1 || x[1] < 1 || x[1] > 32 || x[2] < 0 || x[2] > 1e-4)
            return PENALTY;
        g->eff_weight_bw = x[0];
        g->smooth_p = x[1];
        g->gemm_kernel_s = x[2];
        for (int32_t i = 0; i < g->n_tiles; i++) {
            if (x[3 + i] <= 0.02 || x[3 + i] > 1) return PENALTY;
            g->gemm_tiles[i].eff = x[3 + i];
        }
        double sk = x[3 + g->n_tiles];
        if (sk <= 0.05 || sk > 1) return PENALTY;
        g->streamk_eff = sk;
    }
    /* every table of the family: TP 1 and, in stage 3, each TP degree's
       shard; each MAPE relative to its target (5% TP 1, 8% sharded), so the
       worst term weighs the table furthest from its target. Stage 3 may not
       buy the shards' fit with the TP-1 one: a pair's TP-1 MAPE above its
       stage-2 value is penalised steeply. */
    double sum = 0, worst = 0, over = 0;
    int32_t tables = 0;
    for (int32_t p = 0; p < c->d->n_pairs; p++) {
        const etsim_calib_pair *pr = &c->d->pairs[p];
        if (strcmp(pr->family, c->family)) continue;
        for (int32_t k = -1; k < (c->stage < 3 ? 0 : pr->n_tp); k++) {
            const etsim_vidur_mlp *t = k < 0 ? &pr->mlp : &pr->tp_mlp[k];
            etsim_model_profile full, m;
            etsim_calib_block_model(&pr->mlp, &full);
            m = full;
            etsim_err e = {{0}};
            if (k >= 0 && etsim_model_shard(&full, pr->tp[k], "tp", &m, &e) < 0) continue;
            double s = 0;
            int32_t cnt = 0;
            for (int32_t i = 0; i < t->n; i++) {
                const etsim_vidur_mlp_row *r = &t->rows[i];
                if (r->tokens > 4096) continue;
                double pred = c->stage == 1 ? etsim_roofline_layer_elementwise_s(&m, g, r->tokens)
                                            : etsim_roofline_layer_s(&m, g, r->tokens);
                double meas = c->stage == 1 ? r->elem_ms : r->total_ms;
                s += fabs(pred * 1e3 / meas - 1.0);
                cnt++;
            }
            double mape = (cnt ? s / cnt : 0) / (k < 0 ? 0.05 : 0.08);
            if (c->stage == 3 && k < 0 && mape > c->cap[p]) over += mape - c->cap[p];
            if (c->stage == 2 && k < 0) c->cap[p] = mape;
            sum += mape;
            if (mape > worst) worst = mape;
            tables++;
        }
    }
    return tables ? sum / tables + worst + 3.0 * over : 0;
}

int etsim_calib_fit_linear(const etsim_calib_data *d, const char *family, etsim_gpu_profile *g,
                           etsim_err *err) {
    int32_t have = 0;
    for (int32_t p = 0; p < d->n_pairs; p++) have += !strcmp(d->pairs[p].family, family);
    if (!have) return etsim_errf(err, "no %s_*_mlp.csv profile to fit", family);
    if (g->sm_count <= 0 || g->n_tiles <= 0)
        return etsim_errf(err, "GPU profile '%s' has no sm_count / gemm_tiles to fit", g->name);
    lin_ctx c = {d, family, *g, 1, {0}};
    /* stage 1: the small kernels, against their own columns */
    double x1[2] = {0.5, 4e-6}, s1[2] = {0.1, 2e-6};
    etsim_calib_nelder_mead(lin_obj, &c, x1, s1, 2, 150, 2);
    lin_obj(x1, &c);
    /* stage 2: weight stream, smoothing, per-GEMM time, tile efficiencies */
    c.stage = 2;
    double x2[NM_MAX], s2[NM_MAX];
    x2[0] = 0.85, s2[0] = 0.05;
    x2[1] = 4.0, s2[1] = 1.0;
    x2[2] = 3e-6, s2[2] = 2e-6;
    for (int32_t i = 0; i < g->n_tiles && 3 + i < NM_MAX; i++) x2[3 + i] = 0.7, s2[3 + i] = 0.1;
    int n2 = 4 + g->n_tiles;
    if (n2 <= NM_MAX) x2[n2 - 1] = 0.8, s2[n2 - 1] = 0.1; /* streamk_eff */
    if (n2 > NM_MAX) return etsim_errf(err, "GPU profile '%s': too many tiles to fit", g->name);
    etsim_calib_nelder_mead(lin_obj, &c, x2, s2, n2, 300, 3);
    lin_obj(x2, &c); /* sets cap[] */
    /* stage 3: the same constants on the TP shards too, from stage 2's */
    c.stage = 3;
    etsim_calib_nelder_mead(lin_obj, &c, x2, s2, n2, 300, 3);
    lin_obj(x2, &c);
    *g = c.g;
    return 0;
}

/* ---- the attention fit ---------------------------------------------------- */

typedef struct attn_ctx {
    const etsim_calib_data *d;
    etsim_gpu_profile g;
    int stage;                  /* 1: decode, 2: prefill              */
} attn_ctx;

static double attn_obj(const double *x, void *vc) {
    attn_ctx *c = vc;
    etsim_gpu_profile *g = &c->g;
    if (c->stage == 1) {
        if (x[0] < 0 || x[0] > 1e-3 || x[1] < 0 || x[1] > 1e-3 || x[2] <= 0.05 || x[2] > 1)
            return PENALTY;
        g->attn_kernel_s = x[0];
        g->attn_per_req_s = x[1];
        g->eff_attn_bw = x[2];
    } else {
        if (x[0] <= 0.02 || x[0] > 1 || x[1] < 0 || x[1] > 100) return PENALTY;
        g->eff_attn_compute = x[0];
        g->attn_causal_work = x[1];
    }
    double dec, pre;
    etsim_calib_attn_mape(c->d, g, &dec, &pre);
    return c->stage == 1 ? dec : pre;
}

int etsim_calib_fit_attention(const etsim_calib_data *d, etsim_gpu_profile *g, etsim_err *err) {
    if (!d->has_attn) return etsim_errf(err, "no attention decode + prefill profile to fit");
    attn_ctx c = {d, *g, 1};
    double x1[3] = {5e-6, 1e-6, 0.8}, s1[3] = {3e-6, 1e-6, 0.1};
    etsim_calib_nelder_mead(attn_obj, &c, x1, s1, 3, 300, 2);
    attn_obj(x1, &c);
    c.stage = 2;
    double x2[2] = {0.4, 2.0}, s2[2] = {0.1, 0.5};
    etsim_calib_nelder_mead(attn_obj, &c, x2, s2, 2, 300, 2);
    attn_obj(x2, &c);
    *g = c.g;
    return 0;
}

/* ---- printing ------------------------------------------------------------- */

void etsim_calib_print_linear(FILE *fp, const etsim_gpu_profile *g) {
    fprintf(fp, "\"eff_weight_bw\": %.4g, \"smooth_p\": %.4g, \"gemm_kernel_s\": %.4g,\n",
            g->eff_weight_bw, g->smooth_p, g->gemm_kernel_s);
    fprintf(fp, "\"gemm_tiles\": [");
    for (int32_t i = 0; i < g->n_tiles; i++)
        fprintf(fp, "%s[%d, %d, %.4g]", i ? ", " : "", g->gemm_tiles[i].m, g->gemm_tiles[i].n,
                g->gemm_tiles[i].eff);
    fprintf(fp, "], \"streamk_eff\": %.4g,\n\"eff_elementwise_bw\": %.4g, "
            "\"elementwise_kernel_s\": %.4g", g->streamk_eff, g->eff_elementwise_bw,
            g->elementwise_kernel_s);
}

void etsim_calib_print_attention(FILE *fp, const etsim_gpu_profile *g) {
    fprintf(fp, "\"attn_kernel_s\": %.4g, \"attn_per_req_s\": %.4g, \"eff_attn_bw\": %.4g,\n"
                "\"eff_attn_compute\": %.4g, \"attn_causal_work\": %.4g",
            g->attn_kernel_s, g->attn_per_req_s, g->eff_attn_bw, g->eff_attn_compute,
            g->attn_causal_work);
}
