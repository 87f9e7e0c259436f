/* measured.c -- load a vidur profile directory and interpolate in it (see
 * measured.h). The block table reuses vidur_csv.c's reader (duplicates
 * averaged, disagreeing ones rejected); the attention points are kept as
 * (x, y, ms) triples and interpolated over the two measured x values
 * around a query, linearly in y along each. */
#include "gpu_model/measured.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- vidur attention.csv -------------------------------------------------- */

/* vidur's attention profile: per-layer medians; decode rows have
 * is_prefill False (batch_size x kv_cache_size), prefill rows True
 * (prefill_chunk_size x kv_cache_size, batch 1). Only TP-1 rows are kept;
 * the time column of the other phase is not read (vidur leaves it empty). */
static const char *const attn_cols[] = {
    "num_tensor_parallel_workers", "batch_size", "prefill_chunk_size", "kv_cache_size",
    "is_prefill", "time_stats.attn_decode.median", "time_stats.attn_prefill.median",
};
enum { A_TP, A_B, A_C, A_KV, A_PF, A_DEC, A_PRE, A_N };

static char *next_line(char **p) {
    if (!**p) return NULL;
    char *s = *p, *e = strchr(s, '\n');
    if (e) {
        *e = 0;
        *p = e + 1;
    } else {
        *p = s + strlen(s);
    }
    size_t l = strlen(s);
    if (l && s[l - 1] == '\r') s[l - 1] = 0;
    return s;
}

#define MAXC 160
static int split(char *line, char **cells) {
    int n = 0;
    for (char *p = line;;) {
        if (n == MAXC) return -1;
        cells[n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = 0;
        p = c + 1;
    }
    return n;
}

static int num(const char *path, long row, const char *col, const char *cell, double *out,
               etsim_err *err) {
    char *end = NULL;
    double x = strtod(cell, &end);
    if (!cell[0] || *end || !isfinite(x) || x < 0)
        return etsim_errf(err, "%s: row %ld, column '%s': '%s' is not a number >= 0", path, row,
                          col, cell);
    *out = x;
    return 0;
}

static void add_point(etsim_vidur_points *p, int64_t *cap, double a, double b, double c) {
    etsim_grow((void **)&p->v, cap, p->n + 1, sizeof *p->v);
    p->v[p->n][0] = a;
    p->v[p->n][1] = b;
    p->v[p->n][2] = c;
    p->n++;
}

static int read_attention_csv(const char *path, etsim_measured *m, etsim_err *err) {
    size_t len = 0;
    char *text = etsim_read_file(path, &len, err), *p = text, *line, *hdr[MAXC], *cells[MAXC];
    if (!text) return -1;
    int ci[A_N], nh = 0, rc = -1;
    int64_t cap_d = 0, cap_p = 0;
    long row = 0;
    while ((line = next_line(&p))) {
        row++;
        if (!line[0] || line[0] == '#') continue;
        if (!nh) {
            nh = split(line, hdr);
            for (int k = 0; k < A_N; k++) {
                ci[k] = -1;
                for (int i = 0; i < nh; i++)
                    if (!strcmp(hdr[i], attn_cols[k])) ci[k] = i;
                if (ci[k] < 0) {
                    etsim_errf(err, "%s: row %ld: missing column '%s'", path, row, attn_cols[k]);
                    goto out;
                }
            }
            continue;
        }
        if (split(line, cells) != nh) {
            etsim_errf(err, "%s: row %ld: cell count differs from the header's %d", path, row, nh);
            goto out;
        }
        const char *pf = cells[ci[A_PF]];
        if (strcmp(pf, "True") && strcmp(pf, "False")) {
            etsim_errf(err, "%s: row %ld, column 'is_prefill': '%s' is not True/False", path, row,
                       pf);
            goto out;
        }
        int prefill = !strcmp(pf, "True");
        double v[A_N] = {0};
        for (int k = 0; k < A_N; k++) {
            if (k == A_PF || (k == A_DEC && prefill) || (k == A_PRE && !prefill)) continue;
            if (num(path, row, attn_cols[k], cells[ci[k]], &v[k], err) < 0) goto out;
        }
        if (v[A_TP] != 1) continue;
        if (prefill) add_point(&m->prefill, &cap_p, v[A_C], v[A_KV], v[A_PRE]);
        else add_point(&m->decode, &cap_d, v[A_KV], v[A_B], v[A_DEC]);
    }
    if (!nh) etsim_errf(err, "%s: row 1: no header", path);
    else if (!m->decode.n && !m->prefill.n)
        etsim_errf(err, "%s: no rows with num_tensor_parallel_workers = 1", path);
    else rc = 0;
out:
    free(text);
    return rc;
}

/* ---- loading ------------------------------------------------------------- */

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int etsim_measured_load(const char *dir, etsim_measured *m, etsim_err *err) {
    memset(m, 0, sizeof *m);
    char path[1100];
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return etsim_errf(err, "%s: --gpu-profile: not a directory", dir);
    snprintf(m->dir, sizeof m->dir, "%s", dir);
    snprintf(path, sizeof path, "%s/mlp.csv", dir);
    if (!exists(path))
        return etsim_errf(err, "%s: --gpu-profile: no mlp.csv (vidur's profile of one model)", dir);
    int32_t tps[ETSIM_MEASURED_TP_MAX], n = 0;
    if (etsim_vidur_mlp_tps(path, tps, ETSIM_MEASURED_TP_MAX, &n, err) < 0) return -1;
    if (n == 0 || tps[0] != 1) /* the reader names file and column */
        return etsim_vidur_mlp_read_tp(path, 1, &m->mlp[0], err) < 0 ? -1
               : etsim_errf(err, "%s: no rows with num_tensor_parallel_workers = 1", path);
    for (int32_t i = 0; i < n; i++) {
        if (etsim_vidur_mlp_read_tp(path, tps[i], &m->mlp[i], err) < 0) goto fail;
        m->tp[i] = tps[i];
        m->n_tp = i + 1;
        const etsim_vidur_mlp *t = &m->mlp[i];
        if (i && (t->heads != m->heads || t->kv_heads != m->kv_heads || t->hidden != m->hidden ||
                  t->ffn != m->ffn || t->gated != m->gated)) {
            etsim_errf(err, "%s: the TP-%d rows describe another model shape than the TP-1 rows",
                       path, tps[i]);
            goto fail;
        }
        if (!i) {
            m->heads = t->heads;
            m->kv_heads = t->kv_heads;
            m->hidden = t->hidden;
            m->ffn = t->ffn;
            m->gated = t->gated;
        }
    }
    snprintf(path, sizeof path, "%s/attention.csv", dir);
    if (exists(path) && read_attention_csv(path, m, err) < 0) goto fail;
    static const char *const dcols[3] = {"kv", "b", "ms"}, *const pcols[3] = {"c", "kv", "ms"};
    snprintf(path, sizeof path, "%s/attention_decode.csv", dir);
    if (!m->decode.n && exists(path) && etsim_vidur_points_read(path, dcols, &m->decode, err) < 0)
        goto fail;
    snprintf(path, sizeof path, "%s/attention_prefill.csv", dir);
    if (!m->prefill.n && exists(path) &&
        etsim_vidur_points_read(path, pcols, &m->prefill, err) < 0)
        goto fail;
    /* vidur's times are milliseconds; keep seconds */
    for (int32_t i = 0; i < m->decode.n; i++) m->decode.v[i][2] *= 1e-3;
    for (int32_t i = 0; i < m->prefill.n; i++) m->prefill.v[i][2] *= 1e-3;
    return 0;
fail:
    etsim_measured_free(m);
    return -1;
}

void etsim_measured_from_mlp(etsim_measured *m, etsim_vidur_mlp *mlp) {
    memset(m, 0, sizeof *m);
    m->mlp[0] = *mlp;
    memset(mlp, 0, sizeof *mlp);
    m->tp[0] = 1;
    m->n_tp = 1;
    m->heads = m->mlp[0].heads;
    m->kv_heads = m->mlp[0].kv_heads;
    m->hidden = m->mlp[0].hidden;
    m->ffn = m->mlp[0].ffn;
    m->gated = m->mlp[0].gated;
}

void etsim_measured_free(etsim_measured *m) {
    for (int32_t i = 0; i < m->n_tp; i++) etsim_vidur_mlp_free(&m->mlp[i]);
    etsim_vidur_points_free(&m->decode);
    etsim_vidur_points_free(&m->prefill);
    memset(m, 0, sizeof *m);
}

/* ---- lookups ------------------------------------------------------------- */

static int32_t tp_of(const etsim_model_profile *m) { return m->tp > 1 ? m->tp : 1; }

int etsim_measured_matches(const etsim_measured *p, const etsim_model_profile *m) {
    if (!p) return 0;
    int32_t tp = tp_of(m);
    int32_t kv = p->kv_heads >= tp ? p->kv_heads / tp : 1;
    return m->heads * tp == p->heads && m->kv_heads == kv && m->hidden == p->hidden &&
           m->ffn * tp == p->ffn && !!m->gated_mlp == !!p->gated && m->head_dim * p->heads ==
           p->hidden;
}

int etsim_measured_block_s(const etsim_measured *p, const etsim_model_profile *m,
                           double n, double *s, double *edge) {
    if (!p || !etsim_measured_matches(p, m)) return 0;
    const etsim_vidur_mlp *t = NULL;
    for (int32_t i = 0; i < p->n_tp; i++)
        if (p->tp[i] == tp_of(m)) t = &p->mlp[i];
    if (!t || t->n < 1) return 0;
    const etsim_vidur_mlp_row *r = t->rows;
    if (n < r[0].tokens || n > r[t->n - 1].tokens) {
        const etsim_vidur_mlp_row *e = n < r[0].tokens ? &r[0] : &r[t->n - 1];
        *edge = e->tokens;
        *s = e->total_ms * 1e-3;
        return 2;
    }
    int32_t lo = 0, hi = t->n - 1; /* r[lo].tokens <= n <= r[hi].tokens */
    while (hi - lo > 1) {
        int32_t mid = (lo + hi) / 2;
        if (r[mid].tokens <= n) lo = mid;
        else hi = mid;
    }
    double x0 = r[lo].tokens, x1 = r[hi].tokens, y0 = r[lo].total_ms, y1 = r[hi].total_ms;
    double y = x1 > x0 ? y0 + (y1 - y0) * (n - x0) / (x1 - x0) : y0;
    *s = y * 1e-3;
    return 1;
}

/* Linear in y among the points with x == xv; 1 when y lies in their range. */
static int along(const etsim_vidur_points *pt, double xv, double y, double *out) {
    double ylo = -INFINITY, yhi = INFINITY, vlo = 0, vhi = 0;
    for (int32_t i = 0; i < pt->n; i++) {
        const double *v = pt->v[i];
        if (v[0] != xv) continue;
        if (v[1] <= y && v[1] > ylo) ylo = v[1], vlo = v[2];
        if (v[1] >= y && v[1] < yhi) yhi = v[1], vhi = v[2];
    }
    if (!isfinite(ylo) || !isfinite(yhi)) return 0;
    *out = yhi > ylo ? vlo + (vhi - vlo) * (y - ylo) / (yhi - ylo) : vlo;
    return 1;
}

/* Over the two measured x values around x, each linear in y. */
static int interp2(const etsim_vidur_points *pt, double x, double y, double *out) {
    double xlo = -INFINITY, xhi = INFINITY;
    for (int32_t i = 0; i < pt->n; i++) {
        double xv = pt->v[i][0];
        if (xv <= x && xv > xlo) xlo = xv;
        if (xv >= x && xv < xhi) xhi = xv;
    }
    double a = 0, b = 0;
    if (!isfinite(xlo) || !isfinite(xhi) || !along(pt, xlo, y, &a) || !along(pt, xhi, y, &b))
        return 0;
    *out = xhi > xlo ? a + (b - a) * (x - xlo) / (xhi - xlo) : a;
    return 1;
}

int etsim_measured_decode_s(const etsim_measured *p, const etsim_model_profile *m, double kv,
                            double batch, double *s) {
    if (!p || !p->decode.n || tp_of(m) != 1 || !etsim_measured_matches(p, m)) return 0;
    return interp2(&p->decode, kv, batch, s);
}

int etsim_measured_prefill_s(const etsim_measured *p, const etsim_model_profile *m,
                             double chunk, double kv, double *s) {
    if (!p || !p->prefill.n || tp_of(m) != 1 || !etsim_measured_matches(p, m)) return 0;
    return interp2(&p->prefill, chunk, kv, s);
}
