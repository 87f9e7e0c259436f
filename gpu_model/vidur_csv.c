/* vidur_csv.c -- the vidur profile readers (see vidur_csv.h). A small
 * CSV splitter (no quoting: vidur writes none), the header mapped to
 * column indices once, every used cell parsed with strtod and checked. */
#include "gpu_model/vidur_csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 128

static const char *const mlp_ops[9] = {
    "input_layernorm", "attn_pre_proj", "attn_rope", "attn_post_proj",
    "post_attention_layernorm", "mlp_up_proj", "mlp_act", "mlp_down_proj", "add",
};
/* which of mlp_ops are GEMMs */
static const int mlp_is_gemm[9] = {0, 1, 0, 1, 0, 1, 0, 1, 0};

/* Split `line` in place at commas; trailing '\r' dropped. */
static int split(char *line, char **cells) {
    size_t l = strlen(line);
    if (l && line[l - 1] == '\r') line[l - 1] = 0;
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == MAX_COLS) return -1;
        cells[n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = 0;
        p = c + 1;
    }
    return n;
}

static int col_index(char **hdr, int nh, const char *name) {
    for (int i = 0; i < nh; i++)
        if (!strcmp(hdr[i], name)) return i;
    return -1;
}

static int cell_num(const char *path, long row, const char *col, const char *cell, double *out,
                    etsim_err *err) {
    char *end = NULL;
    double x = strtod(cell, &end);
    if (!cell[0] || *end || !isfinite(x))
        return etsim_errf(err, "%s: row %ld, column '%s': '%s' is not a number", path, row, col,
                          cell);
    *out = x;
    return 0;
}

/* Next line of the buffer (NUL-terminated in place), or NULL at the end. */
static char *next_line(char **p) {
    if (!**p) return NULL;
    char *s = *p, *e = strchr(s, '\n');
    if (e) {
        *e = 0;
        *p = e + 1;
    } else {
        *p = s + strlen(s);
    }
    return s;
}

typedef struct raw_row {
    long line;
    int32_t tokens;
    double op[9];
} raw_row;

static int cmp_raw(const void *a, const void *b) {
    const raw_row *x = a, *y = b;
    if (x->tokens != y->tokens) return x->tokens < y->tokens ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

int etsim_vidur_mlp_read(const char *path, etsim_vidur_mlp *out, etsim_err *err) {
    return etsim_vidur_mlp_read_tp(path, 1, out, err);
}

int etsim_vidur_mlp_tps(const char *path, int32_t *tps, int32_t cap, int32_t *n,
                        etsim_err *err) {
    *n = 0;
    size_t len = 0;
    char *text = etsim_read_file(path, &len, err), *p = text, *line;
    if (!text) return -1;
    char *hdr[MAX_COLS], *cells[MAX_COLS];
    line = next_line(&p);
    int nh = line ? split(line, hdr) : 0, ci = nh > 0 ? col_index(hdr, nh, "num_tensor_parallel_workers") : -1;
    long row = 1;
    if (ci < 0) {
        free(text);
        return etsim_errf(err, "%s: row 1: missing column 'num_tensor_parallel_workers'", path);
    }
    while ((line = next_line(&p))) {
        row++;
        if (!line[0] || (line[0] == '\r' && !line[1])) continue;
        if (split(line, cells) != nh) continue; /* the full reader reports it */
        double x = 0;
        if (cell_num(path, row, hdr[ci], cells[ci], &x, err) < 0) {
            free(text);
            return -1;
        }
        if (x < 1 || x > 1024 || x != floor(x)) {
            free(text);
            return etsim_errf(err, "%s: row %ld, column 'num_tensor_parallel_workers': %g is not "
                              "a TP degree", path, row, x);
        }
        int32_t t = (int32_t)x, k = 0;
        while (k < *n && tps[k] < t) k++;
        if (k < *n && tps[k] == t) continue;
        if (*n == cap) continue;
        memmove(tps + k + 1, tps + k, (size_t)(*n - k) * sizeof *tps);
        tps[k] = t;
        (*n)++;
    }
    free(text);
    return 0;
}

int etsim_vidur_mlp_read_tp(const char *path, int32_t want_tp, etsim_vidur_mlp *out,
                            etsim_err *err) {
    memset(out, 0, sizeof *out);
    size_t len = 0;
    char *text = etsim_read_file(path, &len, err), *p = text;
    raw_row *raw = NULL;
    int64_t cap = 0, nraw = 0;
    if (!text) return -1;
    char *hdr[MAX_COLS], *cells[MAX_COLS], colname[96];
    char *line = next_line(&p);
    int nh = line ? split(line, hdr) : 0;
    if (nh <= 0) {
        etsim_errf(err, "%s: row 1: no header", path);
        goto err;
    }
    int ci_op[9], ci_tok, ci_tp, ci_shape[5];
    static const char *const shape_cols[5] = {"n_head", "n_kv_head", "n_embd",
                                              "n_expanded_embd", "use_gated_mlp"};
    for (int k = 0; k < 9; k++) {
        snprintf(colname, sizeof colname, "time_stats.%s.median", mlp_ops[k]);
        if ((ci_op[k] = col_index(hdr, nh, colname)) < 0) {
            etsim_errf(err, "%s: row 1: missing column '%s'", path, colname);
            goto err;
        }
    }
    for (int k = 0; k < 5; k++)
        if ((ci_shape[k] = col_index(hdr, nh, shape_cols[k])) < 0) {
            etsim_errf(err, "%s: row 1: missing column '%s'", path, shape_cols[k]);
            goto err;
        }
    if ((ci_tok = col_index(hdr, nh, "num_tokens")) < 0 ||
        (ci_tp = col_index(hdr, nh, "num_tensor_parallel_workers")) < 0) {
        etsim_errf(err, "%s: row 1: missing column '%s'", path,
                   ci_tok < 0 ? "num_tokens" : "num_tensor_parallel_workers");
        goto err;
    }
    long row = 1;
    int have_shape = 0;
    while ((line = next_line(&p))) {
        row++;
        if (!line[0] || (line[0] == '\r' && !line[1])) continue;
        int nc = split(line, cells);
        if (nc != nh) {
            etsim_errf(err, "%s: row %ld: %d cells, the header has %d", path, row, nc, nh);
            goto err;
        }
        double tp = 0, tok = 0;
        if (cell_num(path, row, hdr[ci_tp], cells[ci_tp], &tp, err) < 0 ||
            cell_num(path, row, hdr[ci_tok], cells[ci_tok], &tok, err) < 0)
            goto err;
        if (tp != want_tp) continue;
        if (tok < 1 || tok > 1e7 || tok != floor(tok)) {
            etsim_errf(err, "%s: row %ld, column 'num_tokens': %g is not a positive integer", path,
                       row, tok);
            goto err;
        }
        int32_t shape[5];
        for (int k = 0; k < 5; k++) {
            double x = 0;
            const char *c = cells[ci_shape[k]];
            if (k == 4) {
                if (strcmp(c, "True") && strcmp(c, "False")) {
                    etsim_errf(err, "%s: row %ld, column 'use_gated_mlp': '%s' is not True/False",
                               path, row, c);
                    goto err;
                }
                shape[k] = !strcmp(c, "True");
                continue;
            }
            if (cell_num(path, row, shape_cols[k], c, &x, err) < 0) goto err;
            if (x < 1 || x > 1e7 || x != floor(x)) {
                etsim_errf(err, "%s: row %ld, column '%s': %g is not a positive integer", path, row,
                           shape_cols[k], x);
                goto err;
            }
            shape[k] = (int32_t)x;
        }
        if (!have_shape) {
            out->heads = shape[0];
            out->kv_heads = shape[1];
            out->hidden = shape[2];
            out->ffn = shape[3];
            out->gated = shape[4];
            have_shape = 1;
        } else if (shape[0] != out->heads || shape[1] != out->kv_heads ||
                   shape[2] != out->hidden || shape[3] != out->ffn || shape[4] != out->gated) {
            etsim_errf(err, "%s: row %ld: model shape differs from the first TP-%d row", path, row,
                       want_tp);
            goto err;
        }
        etsim_grow((void **)&raw, &cap, nraw + 1, sizeof *raw);
        raw_row *r = &raw[nraw++];
        r->line = row;
        r->tokens = (int32_t)tok;
        for (int k = 0; k < 9; k++) {
            if (cell_num(path, row, hdr[ci_op[k]], cells[ci_op[k]], &r->op[k], err) < 0) goto err;
            if (r->op[k] < 0) {
                etsim_errf(err, "%s: row %ld, column '%s': negative time", path, row,
                           hdr[ci_op[k]]);
                goto err;
            }
        }
    }
    if (!nraw) {
        etsim_errf(err, "%s: no rows with num_tensor_parallel_workers = %d", path, want_tp);
        goto err;
    }
    if (out->kv_heads > out->heads || out->heads % out->kv_heads || out->hidden % out->heads) {
        etsim_errf(err, "%s: row 2: impossible shape (n_head %d, n_kv_head %d, n_embd %d)", path,
                   out->heads, out->kv_heads, out->hidden);
        goto err;
    }
    qsort(raw, (size_t)nraw, sizeof *raw, cmp_raw);
    out->rows = etsim_calloc((size_t)nraw, sizeof *out->rows);
    for (int64_t i = 0; i < nraw;) {
        int64_t j = i;
        double sum[9] = {0};
        while (j < nraw && raw[j].tokens == raw[i].tokens) {
            double ti = 0, tj = 0;
            for (int k = 0; k < 9; k++) {
                ti += raw[i].op[k];
                tj += raw[j].op[k];
                sum[k] += raw[j].op[k];
            }
            if (fabs(tj - ti) > 0.10 * fmin(ti, tj)) {
                int worst = 0; /* the column that disagrees most */
                double wd = -1;
                for (int k = 0; k < 9; k++) {
                    double d = fabs(raw[j].op[k] - raw[i].op[k]) /
                               fmax(fmin(raw[j].op[k], raw[i].op[k]), 1e-12);
                    if (d > wd) wd = d, worst = k;
                }
                etsim_errf(err, "%s: row %ld, column 'time_stats.%s.median': duplicate of row %ld "
                           "(num_tokens %d, TP %d) whose block time differs by %.0f%% (> 10%%)",
                           path, raw[j].line, mlp_ops[worst], raw[i].line, raw[i].tokens, want_tp,
                           100.0 * fabs(tj - ti) / fmin(ti, tj));
                goto err;
            }
            j++;
        }
        etsim_vidur_mlp_row *o = &out->rows[out->n++];
        o->tokens = raw[i].tokens;
        for (int k = 0, g = 0; k < 9; k++) {
            double v = sum[k] / (double)(j - i);
            o->total_ms += v;
            if (mlp_is_gemm[k]) o->gemm_ms += v, o->op_ms[g++] = v;
            else o->elem_ms += v;
        }
        i = j;
    }
    free(raw);
    free(text);
    return 0;
err:
    free(raw);
    free(text);
    etsim_vidur_mlp_free(out);
    return -1;
}

void etsim_vidur_mlp_free(etsim_vidur_mlp *t) {
    free(t->rows);
    memset(t, 0, sizeof *t);
}

int etsim_vidur_points_read(const char *path, const char *const cols[3],
                            etsim_vidur_points *out, etsim_err *err) {
    memset(out, 0, sizeof *out);
    size_t len = 0;
    int64_t cap = 0, lcap = 0;
    char *text = etsim_read_file(path, &len, err), *p = text, *line, *hdr[MAX_COLS],
         *cells[MAX_COLS];
    if (!text) return -1;
    long row = 0;
    int nh = 0, ci[3];
    while ((line = next_line(&p))) {
        row++;
        if (line[0] == '#' || !line[0] || (line[0] == '\r' && !line[1])) continue;
        if (!nh) {
            nh = split(line, hdr);
            for (int k = 0; k < 3; k++)
                if (nh <= 0 || (ci[k] = col_index(hdr, nh, cols[k])) < 0) {
                    etsim_errf(err, "%s: row %ld: missing column '%s'", path, row, cols[k]);
                    goto err;
                }
            continue;
        }
        int nc = split(line, cells);
        if (nc != nh) {
            etsim_errf(err, "%s: row %ld: %d cells, the header has %d", path, row, nc, nh);
            goto err;
        }
        etsim_grow((void **)&out->v, &cap, out->n + 1, sizeof *out->v);
        etsim_grow((void **)&out->line, &lcap, out->n + 1, sizeof *out->line);
        out->line[out->n] = row;
        for (int k = 0; k < 3; k++) {
            double x = 0;
            if (cell_num(path, row, cols[k], cells[ci[k]], &x, err) < 0) goto err;
            if (x < 0) {
                etsim_errf(err, "%s: row %ld, column '%s': negative value", path, row, cols[k]);
                goto err;
            }
            out->v[out->n][k] = x;
        }
        out->n++;
    }
    if (!nh) {
        etsim_errf(err, "%s: no header line", path);
        goto err;
    }
    if (!out->n) {
        etsim_errf(err, "%s: no data rows", path);
        goto err;
    }
    free(text);
    return 0;
err:
    free(text);
    etsim_vidur_points_free(out);
    return -1;
}

void etsim_vidur_points_free(etsim_vidur_points *p) {
    free(p->v);
    free(p->line);
    memset(p, 0, sizeof *p);
}
