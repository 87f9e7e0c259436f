/* paper_out.c -- the files `etsim paper` writes after its sweeps: Tables
 * 1-3 (Markdown, CSV, LaTeX) beside the published values of
 * ets_paper.json and the difference, the plain data files of Figures 2
 * and 3, the gnuplot scripts that draw them (the CLI runs gnuplot on
 * them: the library draws nothing), and paper.md tying them together.
 *
 * Definitions used throughout (and stated in paper.md):
 *   accuracy      weighted majority vote, weight = last-step PRM score, %
 *   KV reduction  REBASE's ETS KV metric / the method's, same width/setup
 *   throughput    problems/s of the simulated serving run, best over 4, 8,
 *                 16, 32 problems in flight, relative to REBASE; its band is
 *                 the range of ETS / REBASE over KV pool x0.5-x2 and 4-32
 *                 problems in flight (table2_band: every setting with its
 *                 regime; gpu_model/cost_band.h)
 *   Figure 2      FLOPs (as in the paper: proportional to tokens
 *                 generated), model calls, KV metric and simulated runtime
 *                 at width 256, relative to beam search with sqrt(N) beams
 *   noise bands   Table 1: each accuracy's standard error sqrt(p(1-p)/n),
 *                 and ETS - REBASE with the paired standard error (sd of
 *                 the per-problem differences / sqrt(n)), both from the
 *                 problem lines of sweep-main/summary.jsonl */
#include "sim/sweep/paper_out.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/sweep/plots_data.h"

/* ---- the published values (r->ref; NULL: tables without them) ----------------------------- */

/* ref[path...][width] -> [accuracy, kv] element k; NAN when absent. */
static double ref_pair(const cJSON *ref, const char *const *path, int n, int32_t width, int k) {
    const cJSON *v = ref;
    for (int i = 0; i < n && v; i++) v = cJSON_GetObjectItemCaseSensitive(v, path[i]);
    char w[16];
    snprintf(w, sizeof w, "%d", width);
    v = v ? cJSON_GetObjectItemCaseSensitive(v, w) : NULL;
    v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, k) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static double ref_num(const cJSON *ref, const char *a, const char *b, const char *c) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ref, a);
    v = v ? cJSON_GetObjectItemCaseSensitive(v, b) : NULL;
    if (c) v = v ? cJSON_GetObjectItemCaseSensitive(v, c) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* ---- finding rows ---------------------------------------------------------------------------- */

static const etsim_report_row *row_find(const etsim_report *rep, const char *sel,
                                        const char *spec, int32_t width, const char *pname,
                                        double pval) {
    for (int32_t i = 0; i < rep->n_rows; i++) {
        const etsim_report_row *r = &rep->rows[i];
        if (!r->has_summary || strcmp(r->selector, sel) || strcmp(r->source_spec, spec) ||
            r->width != width)
            continue;
        if (pname && etsim_report_param(r, pname) != pval) continue;
        return r;
    }
    return NULL;
}

static double kv_red(const etsim_report_row *rebase, const etsim_report_row *r) {
    if (!rebase || !r || !(r->mean_kv > 0)) return NAN;
    return rebase->mean_kv / r->mean_kv;
}

/* ---- a small table model written three ways --------------------------------------------------- */

#define TBL_COLS 14
#define TBL_ROWS 64

typedef struct tbl {
    const char *title;
    int ncol, nrow;
    const char *head[TBL_COLS];
    char cell[TBL_ROWS][TBL_COLS][48];
} tbl;

static void tbl_num(tbl *t, int row, int col, double v, const char *fmt) {
    if (isnan(v)) snprintf(t->cell[row][col], sizeof t->cell[row][col], "-");
    else snprintf(t->cell[row][col], sizeof t->cell[row][col], fmt, v);
}

static void tbl_str(tbl *t, int row, int col, const char *s) {
    snprintf(t->cell[row][col], sizeof t->cell[row][col], "%s", s);
}

/* ours, paper, diff (paper columns only when a reference was found) */
static int tbl_triple(tbl *t, int row, int col, double ours, double paper, int with_ref,
                      const char *fmt, const char *dfmt) {
    tbl_num(t, row, col++, ours, fmt);
    if (with_ref) {
        tbl_num(t, row, col++, paper, fmt);
        tbl_num(t, row, col++, isnan(paper) ? NAN : ours - paper, dfmt);
    }
    return col;
}

static void tbl_write_md(FILE *fp, const tbl *t) {
    fprintf(fp, "**%s**\n\n|", t->title);
    for (int c = 0; c < t->ncol; c++) fprintf(fp, " %s |", t->head[c]);
    fputs("\n|", fp);
    for (int c = 0; c < t->ncol; c++) fputs(c < 4 ? "---|" : "---:|", fp);
    fputc('\n', fp);
    for (int r = 0; r < t->nrow; r++) {
        fputc('|', fp);
        for (int c = 0; c < t->ncol; c++) fprintf(fp, " %s |", t->cell[r][c]);
        fputc('\n', fp);
    }
}

static void csv_field(FILE *fp, const char *s) {
    if (strpbrk(s, ",\"\n")) {
        fputc('"', fp);
        for (; *s; s++) {
            if (*s == '"') fputc('"', fp);
            fputc(*s, fp);
        }
        fputc('"', fp);
    } else {
        fputs(s, fp);
    }
}

static void tbl_write_csv(FILE *fp, const tbl *t) {
    for (int c = 0; c < t->ncol; c++) {
        if (c) fputc(',', fp);
        csv_field(fp, t->head[c]);
    }
    fputc('\n', fp);
    for (int r = 0; r < t->nrow; r++) {
        for (int c = 0; c < t->ncol; c++) {
            if (c) fputc(',', fp);
            csv_field(fp, strcmp(t->cell[r][c], "-") ? t->cell[r][c] : "");
        }
        fputc('\n', fp);
    }
}

static void tex_field(FILE *fp, const char *s) {
    for (; *s; s++) {
        if (strchr("%&_#$", *s)) fputc('\\', fp);
        if (!strncmp(s, "\xce\x94", 2)) { /* UTF-8 Delta */
            fputs("$\\Delta$", fp);
            s++;
            continue;
        }
        if (!strncmp(s, "\xce\xbb", 2)) { /* UTF-8 lambda */
            fputs("$\\lambda$", fp);
            s++;
            continue;
        }
        fputc(*s, fp);
    }
}

static void tbl_write_tex(FILE *fp, const tbl *t) {
    fputs("% generated by etsim paper\n\\begin{table}[t]\n\\centering\n\\caption{", fp);
    tex_field(fp, t->title);
    fputs("}\n\\begin{tabular}{", fp);
    for (int c = 0; c < t->ncol; c++) fputc(c < 4 ? 'l' : 'r', fp);
    fputs("}\n\\hline\n", fp);
    for (int c = 0; c < t->ncol; c++) {
        if (c) fputs(" & ", fp);
        tex_field(fp, t->head[c]);
    }
    fputs(" \\\\\n\\hline\n", fp);
    for (int r = 0; r < t->nrow; r++) {
        for (int c = 0; c < t->ncol; c++) {
            if (c) fputs(" & ", fp);
            tex_field(fp, t->cell[r][c]);
        }
        fputs(" \\\\\n", fp);
    }
    fputs("\\hline\n\\end{tabular}\n\\end{table}\n", fp);
}

typedef void (*writer_fn)(FILE *, const tbl *);

static int write_file(const char *dir, const char *name, writer_fn fn, const tbl *t,
                      etsim_err *err) {
    char *path = etsim_paper_path(dir, name);
    etsim_atomic_file af;
    int rc = etsim_atomic_open(&af, path, err);
    if (rc == 0) {
        fn(af.fp, t);
        rc = etsim_atomic_commit(&af, err);
    }
    free(path);
    return rc;
}

static int write_table(const char *dir, const char *base, const tbl *t, etsim_err *err) {
    char name[64];
    snprintf(name, sizeof name, "%s.md", base);
    if (write_file(dir, name, tbl_write_md, t, err) < 0) return -1;
    snprintf(name, sizeof name, "%s.csv", base);
    if (write_file(dir, name, tbl_write_csv, t, err) < 0) return -1;
    snprintf(name, sizeof name, "%s.tex", base);
    return write_file(dir, name, tbl_write_tex, t, err);
}

static void heads(tbl *t, const char *const *fixed, int nf, const char *const *metric,
                  int nm, int with_ref) {
    t->ncol = 0;
    for (int i = 0; i < nf; i++) t->head[t->ncol++] = fixed[i];
    for (int i = 0; i < nm; i++) {
        t->head[t->ncol++] = metric[3 * i];
        if (with_ref) {
            t->head[t->ncol++] = metric[3 * i + 1];
            t->head[t->ncol++] = metric[3 * i + 2];
        }
    }
}

/* ---- noise bands of Table 1 ---------------------------------------------------------------------- */

/* Per-problem correctness (weighted vote) of the rows Table 1 shows, read
 * from the main sweep's summary.jsonl, so each cell can carry its
 * standard error and each ETS cell the paired standard error of its
 * difference to REBASE (both run on the same problems). */
#define T1_MAX_ROWS (ETSIM_PAPER_N_SETUPS * 3 * 2)

typedef struct t1_right {
    const etsim_report_row *row[T1_MAX_ROWS];
    uint8_t *ok[T1_MAX_ROWS];   /* 0 wrong, 1 right, 2 not seen           */
    int n;
} t1_right;

static void t1_want(t1_right *t, const etsim_report_row *row) {
    if (!row || t->n == T1_MAX_ROWS || row->count <= 0) return;
    for (int i = 0; i < t->n; i++)
        if (t->row[i] == row) return;
    t->row[t->n] = row;
    t->ok[t->n] = etsim_malloc((size_t)row->count);
    memset(t->ok[t->n], 2, (size_t)row->count);
    t->n++;
}

static const uint8_t *t1_ok(const t1_right *t, const etsim_report_row *row) {
    for (int i = 0; t && row && i < t->n; i++) {
        if (t->row[i] != row) continue;
        for (int32_t k = 0; k < row->count; k++)
            if (t->ok[i][k] > 1) return NULL; /* incomplete: no band */
        return t->ok[i];
    }
    return NULL;
}

static void t1_right_free(t1_right *t) {
    for (int i = 0; i < t->n; i++) free(t->ok[i]);
    t->n = 0;
}

static int t1_load(const char *path, t1_right *t, etsim_err *err) {
    FILE *fp = fopen(path, "r");
    if (!fp) return etsim_errf(err, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int64_t lineno = 0;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, fp)) > 0) {
        lineno++;
        /* problem lines start with their key; skip the others unparsed */
        if (len < 28 || strncmp(line, "{\"cfg\":\"", 8) || line[24] != '"') continue;
        int i = 0;
        while (i < t->n && strncmp(t->row[i]->hash, line + 8, 16)) i++;
        if (i == t->n) continue;
        cJSON *j = cJSON_ParseWithLength(line, (size_t)len);
        const cJSON *p = j ? cJSON_GetObjectItemCaseSensitive(j, "p") : NULL;
        const cJSON *v = j ? cJSON_GetObjectItemCaseSensitive(j, "vote") : NULL;
        v = v ? cJSON_GetObjectItemCaseSensitive(v, "weighted") : NULL;
        v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, 1) : NULL;
        if (!j) {
            rc = etsim_errf(err, "%s: line %lld: not valid JSON", path, (long long)lineno);
        } else if (!p) {
            /* a config or summary line */
        } else if (!cJSON_IsNumber(p) || !cJSON_IsBool(v)) {
            rc = etsim_errf(err, "%s: line %lld: field p or vote.weighted malformed", path,
                            (long long)lineno);
        } else {
            double k = p->valuedouble - t->row[i]->first;
            if (k >= 0 && k < t->row[i]->count) t->ok[i][(int32_t)k] = cJSON_IsTrue(v) ? 1 : 0;
        }
        cJSON_Delete(j);
    }
    free(line);
    fclose(fp);
    return rc;
}

/* Standard error (points) of an accuracy over n problems. */
static double acc_se(const uint8_t *ok, int32_t n) {
    if (!ok || n < 2) return NAN;
    double k = 0;
    for (int32_t i = 0; i < n; i++) k += ok[i];
    double p = k / n;
    return 100.0 * sqrt(p * (1 - p) / n);
}

/* Paired standard error (points) of mean(a - b): sd of the per-problem
 * differences / sqrt(n). */
static double paired_se(const uint8_t *a, const uint8_t *b, int32_t n) {
    if (!a || !b || n < 2) return NAN;
    double s = 0, s2 = 0;
    for (int32_t i = 0; i < n; i++) {
        double d = (double)a[i] - (double)b[i];
        s += d;
        s2 += d * d;
    }
    double var = (s2 - s * s / n) / (n - 1);
    return 100.0 * sqrt(var > 0 ? var / n : 0);
}

/* ---- Tables ------------------------------------------------------------------------------------- */

static const etsim_report_row *t1_row(const etsim_paper_results *r,
                                      const etsim_paper_source *src, int ets, int32_t width) {
    if (!ets) return row_find(r->main, "rebase", src->spec, width, NULL, 0);
    const etsim_pick *pk = etsim_pick_find(r->picks, "ets", src->spec, width);
    return pk ? pk->chosen : NULL;
}

static void table1(const etsim_paper_results *r, const cJSON *ref, const t1_right *right,
                   tbl *t) {
    int wr = ref != NULL;
    static const char *const fixed[] = {"Dataset", "Model", "Method", "Width"};
    static const char *const metric[] = {"Accuracy (%)", "paper", "Δ",
                                         "KV reduction", "paper", "Δ"};
    t->title = "Table 1: accuracy and KV cache reduction relative to REBASE (SE: standard error "
               "of the accuracy; ETS - REBASE: accuracy difference on the same problems, paired "
               "standard error in brackets)";
    heads(t, fixed, 4, metric, 2, wr);
    t->head[t->ncol++] = "λ_b";
    t->head[t->ncol++] = "SE";
    t->head[t->ncol++] = "ETS - REBASE (SE)";
    for (int s = 0; s < ETSIM_PAPER_N_SETUPS; s++) {
        const etsim_paper_source *src = &r->src[s];
        if (!src->present) continue;
        for (int m = 0; m < 2; m++)
            for (int w = 0; w < 3; w++) {
                int32_t width = ETSIM_PAPER_WIDTHS[w];
                const etsim_report_row *reb = t1_row(r, src, 0, width);
                const etsim_pick *pk = m ? etsim_pick_find(r->picks, "ets", src->spec, width) : NULL;
                const etsim_report_row *row = t1_row(r, src, m, width);
                const char *path[3] = {src->setup->dataset_name, src->setup->model_name,
                                       m ? "ETS" : "REBASE"};
                int row_i = t->nrow++;
                tbl_str(t, row_i, 0, src->setup->dataset_name);
                tbl_str(t, row_i, 1, src->setup->model_name);
                tbl_str(t, row_i, 2, m ? "ETS" : "REBASE");
                tbl_num(t, row_i, 3, width, "%.0f");
                const cJSON *t1 = ref ? cJSON_GetObjectItemCaseSensitive(ref, "table1") : NULL;
                int c = tbl_triple(t, row_i, 4, row ? row->acc_weighted : NAN,
                                   ref_pair(t1, path, 3, width, 0), wr, "%.1f", "%+.1f");
                c = tbl_triple(t, row_i, c, kv_red(reb, row), ref_pair(t1, path, 3, width, 1), wr,
                               "%.2f", "%+.2f");
                tbl_num(t, row_i, c++, pk ? pk->value : NAN, "%g");
                const uint8_t *ok = t1_ok(right, row), *rok = t1_ok(right, reb);
                tbl_num(t, row_i, c++, row ? acc_se(ok, row->count) : NAN, "%.1f");
                double pse = m && row && reb && row->count == reb->count
                                 ? paired_se(ok, rok, row->count) : NAN;
                if (isnan(pse)) tbl_str(t, row_i, c, "-");
                else snprintf(t->cell[row_i][c], sizeof t->cell[row_i][c], "%+.1f (%.1f)",
                              row->acc_weighted - reb->acc_weighted, pse);
            }
    }
}

/* The nominal settings (no kv_scale) are Table 2's; the others its band. */
static int nominal(const etsim_report_gpu *g) { return !strstr(g->setting, "kv_scale"); }

static double best_tput(const etsim_report_row *row) {
    double best = NAN;
    for (int32_t k = 0; row && k < row->n_gpu; k++)
        if (nominal(&row->gpu[k]) && (isnan(best) || row->gpu[k].problems_per_s > best))
            best = row->gpu[k].problems_per_s;
    return best;
}

static const etsim_report_gpu *gpu_at(const etsim_report_row *row, const char *setting) {
    for (int32_t k = 0; row && k < row->n_gpu; k++)
        if (!strcmp(row->gpu[k].setting, setting)) return &row->gpu[k];
    return NULL;
}

/* kv_scale and inflight of a setting (canonical JSON, values as strings) */
static void setting_of(const char *setting, double *scale, double *inflight) {
    *scale = 1;
    *inflight = NAN;
    cJSON *j = cJSON_Parse(setting);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "kv_scale"),
                *b = cJSON_GetObjectItemCaseSensitive(j, "inflight");
    if (cJSON_IsString(a)) *scale = atof(a->valuestring);
    if (cJSON_IsString(b)) *inflight = atof(b->valuestring);
    cJSON_Delete(j);
}

/* Range of ETS / REBASE throughput over every setting both have. */
static void band_ratio(const etsim_report_row *reb, const etsim_report_row *ets, double *lo,
                       double *hi) {
    *lo = *hi = NAN;
    for (int32_t k = 0; ets && k < ets->n_gpu; k++) {
        const etsim_report_gpu *b = gpu_at(reb, ets->gpu[k].setting);
        if (!b || !(b->problems_per_s > 0)) continue;
        double x = ets->gpu[k].problems_per_s / b->problems_per_s;
        if (isnan(*lo) || x < *lo) *lo = x;
        if (isnan(*hi) || x > *hi) *hi = x;
    }
}

/* Table 2's band, one row per setting: pools, problems/s and regimes. */
static void table2_band(const etsim_paper_results *r, tbl *t) {
    t->title = "Table 2 band: ETS / REBASE throughput over KV pool x0.5-x2 and problems in flight "
               "(simulated H100 NVL)";
    static const char *const h[] = {"KV pool x", "in flight", "policy pool (tokens)",
                                    "REBASE problems/s", "REBASE regime", "ETS problems/s",
                                    "ETS regime", "ETS / REBASE"};
    for (int c = 0; c < 8; c++) t->head[t->ncol++] = h[c];
    const char *spec = r->main_src->spec;
    const etsim_report_row *treb = r->throughput ? row_find(r->throughput, "rebase", spec, 256,
                                                            NULL, 0) : NULL;
    const etsim_report_row *tets = r->throughput ? row_find(r->throughput, "ets", spec, 256,
                                                            NULL, 0) : NULL;
    for (int32_t k = 0; tets && k < tets->n_gpu && t->nrow < TBL_ROWS; k++) {
        const etsim_report_gpu *e = &tets->gpu[k], *b = gpu_at(treb, e->setting);
        double scale, infl;
        setting_of(e->setting, &scale, &infl);
        int i = t->nrow++;
        tbl_num(t, i, 0, scale, "%.3g");
        tbl_num(t, i, 1, infl, "%.0f");
        tbl_num(t, i, 2, b ? (double)b->policy.kv_pool_tokens : NAN, "%.0f");
        tbl_num(t, i, 3, b ? b->problems_per_s : NAN, "%.4f");
        tbl_str(t, i, 4, b && b->regime[0] ? b->regime : "-");
        tbl_num(t, i, 5, e->problems_per_s, "%.4f");
        tbl_str(t, i, 6, e->regime[0] ? e->regime : "-");
        tbl_num(t, i, 7, b && b->problems_per_s > 0 ? e->problems_per_s / b->problems_per_s : NAN,
                "%.2f");
    }
}

static void table2(const etsim_paper_results *r, const cJSON *ref, tbl *t) {
    int wr = ref != NULL;
    static const char *const fixed[] = {"Method"};
    static const char *const metric[] = {"Accuracy (%)", "paper", "Δ", "KV reduction", "paper",
                                         "Δ", "Throughput (rel.)", "paper", "Δ"};
    t->title = "Table 2: Llemma-34B, MATH500, width 256 (throughput: simulated H100 NVL)";
    heads(t, fixed, 1, metric, 3, wr);
    t->head[t->ncol++] = "problems/s (sim.)";
    t->head[t->ncol++] = "throughput band (pool x0.5-2, 4-32 in flight)";
    const char *spec = r->main_src->spec;
    const etsim_report_row *reb = row_find(r->main, "rebase", spec, 256, NULL, 0);
    const etsim_pick *pk = etsim_pick_find(r->picks, "ets", spec, 256);
    const etsim_report_row *treb = row_find(r->throughput, "rebase", spec, 256, NULL, 0);
    const etsim_report_row *tets = row_find(r->throughput, "ets", spec, 256, NULL, 0);
    double base = best_tput(treb);
    const cJSON *t2 = ref ? cJSON_GetObjectItemCaseSensitive(ref, "table2") : NULL;
    for (int m = 0; m < 2; m++) {
        const etsim_report_row *row = m ? (pk ? pk->chosen : NULL) : reb;
        const char *name = m ? "ETS" : "REBASE";
        int i = t->nrow++;
        tbl_str(t, i, 0, name);
        int c = tbl_triple(t, i, 1, row ? row->acc_weighted : NAN,
                           t2 ? ref_num(t2, name, "accuracy", NULL) : NAN, wr, "%.1f", "%+.1f");
        c = tbl_triple(t, i, c, kv_red(reb, row), t2 ? ref_num(t2, name, "kv_reduction", NULL) : NAN,
                       wr, "%.2f", "%+.2f");
        double tp = best_tput(m ? tets : treb);
        c = tbl_triple(t, i, c, tp / base, t2 ? ref_num(t2, name, "throughput", NULL) : NAN, wr,
                       "%.2f", "%+.2f");
        tbl_num(t, i, c++, tp, "%.4f");
        double lo = 1, hi = 1;
        if (m) band_ratio(treb, tets, &lo, &hi);
        if (isnan(lo)) tbl_str(t, i, c, "-");
        else snprintf(t->cell[i][c], sizeof t->cell[i][c], "%.2f-%.2f", lo, hi);
    }
}

static void table3(const etsim_paper_results *r, const cJSON *ref, tbl *t) {
    int wr = ref != NULL;
    static const char *const fixed[] = {"Method", "Width"};
    static const char *const metric[] = {"Accuracy (%)", "paper", "Δ",
                                         "KV reduction", "paper", "Δ"};
    t->title = "Table 3: ablation on MATH500, Llemma-34B (ETS-KV: no semantic coverage term)";
    heads(t, fixed, 2, metric, 2, wr);
    t->head[t->ncol++] = "λ_b";
    const char *spec = r->main_src->spec;
    static const char *const names[3] = {"REBASE", "ETS-KV", "ETS"};
    static const char *const sels[3] = {"rebase", "ets-kv", "ets"};
    const cJSON *t3 = ref ? cJSON_GetObjectItemCaseSensitive(ref, "table3") : NULL;
    for (int m = 0; m < 3; m++)
        for (int w = 0; w < 3; w++) {
            int32_t width = ETSIM_PAPER_WIDTHS[w];
            const etsim_report_row *reb = row_find(r->main, "rebase", spec, width, NULL, 0);
            const etsim_pick *pk = m ? etsim_pick_find(r->picks, sels[m], spec, width) : NULL;
            const etsim_report_row *row = m ? (pk ? pk->chosen : NULL) : reb;
            int i = t->nrow++;
            tbl_str(t, i, 0, names[m]);
            tbl_num(t, i, 1, width, "%.0f");
            const char *path[1] = {names[m]};
            int c = tbl_triple(t, i, 2, row ? row->acc_weighted : NAN,
                               ref_pair(t3, path, 1, width, 0), wr, "%.1f", "%+.1f");
            c = tbl_triple(t, i, c, kv_red(reb, row), ref_pair(t3, path, 1, width, 1), wr,
                           "%.2f", "%+.2f");
            tbl_num(t, i, c, pk ? pk->value : NAN, "%g");
        }
}

/* ---- figure data ---------------------------------------------------------------------------------- */

/* Figure 2's runtime error bar: each method's runtime relative to beam
 * search at every band setting of the throughput sweep (its first
 * problems), divided by the same at the nominal setting (8 in flight, the
 * pool as sized), times the bar: [lo, hi] multipliers. */
static void runtime_band(const etsim_paper_results *r, const char *sel, double *lo, double *hi) {
    *lo = *hi = 1;
    if (!r->throughput) return;
    const char *spec = r->main_src->spec;
    const etsim_report_row *beam = row_find(r->throughput, "beam", spec, 256, "fixedwidth", 0);
    const etsim_report_row *me = !strcmp(sel, "rebase")
                                     ? row_find(r->throughput, sel, spec, 256, NULL, 0)
                                     : row_find(r->throughput, sel, spec, 256, "fixedwidth", 0);
    double nom = NAN, scale, infl;
    for (int pass = 0; pass < 2; pass++)
        for (int32_t k = 0; me && beam && k < me->n_gpu; k++) {
            const etsim_report_gpu *b = gpu_at(beam, me->gpu[k].setting);
            if (!b || !(b->makespan_s > 0)) continue;
            double rel = me->gpu[k].makespan_s / b->makespan_s;
            setting_of(me->gpu[k].setting, &scale, &infl);
            if (!pass && nominal(&me->gpu[k]) && infl == 8) nom = rel;
            if (pass && nom > 0) {
                if (rel / nom < *lo) *lo = rel / nom;
                if (rel / nom > *hi) *hi = rel / nom;
            }
        }
}

static int write_fig2(const etsim_paper_results *r, const char *path, etsim_err *err) {
    const char *spec = r->main_src->spec;
    const etsim_report_row *v[3] = {row_find(r->main, "beam", spec, 256, "fixedwidth", 0),
                                    row_find(r->main, "dvts", spec, 256, "fixedwidth", 0),
                                    row_find(r->main, "rebase", spec, 256, NULL, 0)};
    for (int i = 0; i < 3; i++)
        if (!v[i] || v[i]->n_gpu < 1)
            return etsim_errf(err, "Figure 2: missing %s result at width 256",
                              i == 0 ? "beam" : i == 1 ? "DVTS" : "REBASE");
    static const char *const sels[3] = {"beam", "dvts", "rebase"};
    double lo[3], hi[3];
    for (int i = 0; i < 3; i++) runtime_band(r, sels[i], &lo[i], &hi[i]);
    etsim_atomic_file af;
    if (etsim_atomic_open(&af, path, err) < 0) return -1;
    fprintf(af.fp, "# Figure 2 (etsim paper): width 256, %s; values relative to beam search "
                   "(sqrt(N) beams)\n# FLOPs ~ tokens generated (the paper's proxy); KV = ETS KV metric; "
                   "runtime = simulated makespan\n# runtime error bar: the range over KV pool "
                   "x0.5-x2 and 4-32 problems in flight (throughput sweep), as a multiple of "
                   "the bar\n# metric beam lo hi dvts lo hi rebase lo hi\n", r->main_src->spec);
    const char *names[4] = {"FLOPs", "\"Model calls\"", "\"KV cache size\"",
                            "\"Runtime (simulated)\""};
    for (int m = 0; m < 4; m++) {
        double x[3];
        for (int i = 0; i < 3; i++)
            x[i] = m == 0 ? (double)v[i]->sum.tokens_generated /* the paper's FLOPs proxy */
                 : m == 1 ? (double)v[i]->sum.model_calls
                 : m == 2 ? (double)v[i]->sum.kv_tokens
                          : v[i]->gpu[0].makespan_s;
        fprintf(af.fp, "%s", names[m]);
        for (int i = 0; i < 3; i++) {
            double y = x[i] / x[0];
            fprintf(af.fp, " %.4f %.4f %.4f", y, m == 3 ? y * lo[i] : y, m == 3 ? y * hi[i] : y);
        }
        fputc('\n', af.fp);
    }
    return etsim_atomic_commit(&af, err);
}

static int write_fig3(const etsim_paper_results *r, const char *path, etsim_err *err) {
    const char *spec = r->main_src->spec;
    etsim_atomic_file af;
    if (etsim_atomic_open(&af, path, err) < 0) return -1;
    fprintf(af.fp, "# Figure 3 (etsim paper): %s; accuracy %% (weighted majority), KV = ETS "
                   "metric per problem, runtime = simulated makespan (s)\n", spec);
    static const char *const names[6] = {"Beam Search (fixed 4)", "Beam Search (sqrt N)",
                                         "DVTS (fixed 4)", "DVTS (sqrt N)", "REBASE", "ETS"};
    for (int m = 0; m < 6; m++) {
        fprintf(af.fp, "%s\"%s\" width accuracy kv_tokens runtime_s\n", m ? "\n\n" : "", names[m]);
        for (int w = 0; w < 3; w++) {
            int32_t width = ETSIM_PAPER_WIDTHS[w];
            const etsim_report_row *row = NULL;
            if (m < 4) row = row_find(r->main, m < 2 ? "beam" : "dvts", spec, width, "fixedwidth",
                                      m % 2 == 0 ? 4 : 0);
            else if (m == 4) row = row_find(r->main, "rebase", spec, width, NULL, 0);
            else {
                const etsim_pick *pk = etsim_pick_find(r->picks, "ets", spec, width);
                row = pk ? pk->chosen : NULL;
            }
            if (!row || row->n_gpu < 1) {
                etsim_atomic_abort(&af);
                return etsim_errf(err, "Figure 3: missing %s at width %d", names[m], width);
            }
            fprintf(af.fp, "%d %.2f %.1f %.1f\n", width, row->acc_weighted, row->mean_kv,
                    row->gpu[0].makespan_s);
        }
    }
    return etsim_atomic_commit(&af, err);
}

/* ---- gnuplot scripts ---------------------------------------------------------------------------------------- */

static int write_scripts(const char *dir, etsim_err *err) {
    char *pdir = etsim_paper_path(dir, "plots");
    mkdir(pdir, 0755);
    int rc = 0;
    for (int i = 0; i < etsim_plot_script_count && rc == 0; i++) {
        char *p = etsim_paper_path(pdir, etsim_plot_scripts[i].name);
        etsim_atomic_file af;
        rc = etsim_atomic_open(&af, p, err);
        if (rc == 0) {
            fputs(etsim_plot_scripts[i].text, af.fp);
            rc = etsim_atomic_commit(&af, err);
        }
        free(p);
    }
    free(pdir);
    return rc;
}

/* ---- paper.md ------------------------------------------------------------------------------------ */

static void write_overview(FILE *fp, const etsim_paper_results *r, const tbl *t1, const tbl *t2,
                           const tbl *t2b,
                           const tbl *t3, const char *ref_path, const etsim_paper_stats *st) {
    const etsim_paper_opts *o = r->o;
    fprintf(fp, "# ETS paper regeneration (etsim paper)\n\n");
    fprintf(fp, "Source: %s.\n\n", o->trace_dir ? "recorded traces" : "the synthetic model");
    fprintf(fp, "**What is measured, simulated and fitted.** ");
    if (o->trace_dir)
        fprintf(fp, "Trees, step lengths and PRM scores are *measured* (recorded traces); ");
    else
        fprintf(fp, "Everything here is *simulated*: trees, step lengths, PRM scores and answers "
                    "come from synthetic profiles whose error rates were *calibrated* to the "
                    "paper's published REBASE accuracies (sim/synthetic/fitted/README.md), so "
                    "agreement with those accuracies is by construction, not evidence; no "
                    "parameter was fitted to the other methods' numbers, but the model's "
                    "structure (how often the PRM misses errors, how spread difficulty is) was "
                    "chosen by experiments that compared ETS and beam search with REBASE, so "
                    "their agreement with the paper is partly by design too; ");
    fprintf(fp, "the search decisions, counters (model calls, tokens, the ETS KV metric) and "
                "accuracies are *computed* exactly as the reference harness computes them; "
                "FLOPs, runtimes and throughput are *simulated* by the GPU cost model (H100 NVL, "
                "Llemma-34B policy and PRM; gpu_model/README.md).\n\n");
    fprintf(fp, "Settings: REBASE T = 0.2; ETS T = %g, lambda_d (lambdas) = %g, lambda_b "
                "(lambdac) swept over {", o->ets_temperature, o->ets_lambdas_s);
    for (int i = 0; i < o->n_ets; i++) fprintf(fp, "%s%g", i ? ", " : "", o->ets_lambdas[i]);
    fprintf(fp, "}; ETS-KV lambda_b over {");
    for (int i = 0; i < o->n_kv; i++) fprintf(fp, "%s%g", i ? ", " : "", o->kv_lambdas[i]);
    fprintf(fp, "}; picked per width by the paper's rule (largest lambda_b within 0.2 points "
                "of REBASE). Accuracy: weighted majority vote, weight = last-step PRM score.\n\n");
    fprintf(fp, "Problems per setup:");
    for (int s = 0; s < ETSIM_PAPER_N_SETUPS; s++)
        if (r->src[s].present)
            fprintf(fp, " %s/%s %d;", r->src[s].setup->model_name, r->src[s].setup->dataset_name,
                    o->problems > 0 && o->problems < r->src[s].n_problems ? o->problems
                                                                          : r->src[s].n_problems);
    fprintf(fp, "\n\nPublished values: %s.\n\n", ref_path ? ref_path : "not found (no comparison)");
    tbl_write_md(fp, t1);
    if (r->main_src) {
        fputc('\n', fp);
        tbl_write_md(fp, t2);
        fputc('\n', fp);
        tbl_write_md(fp, t2b);
        fputc('\n', fp);
        tbl_write_md(fp, t3);
        fprintf(fp, "\n![Figure 2](fig2.png)\n\n![Figure 3](fig3.png)\n\n");
        fprintf(fp, "Figure data: fig2.dat, fig3.dat; scripts: plots/fig2.gp, plots/fig3.gp.\n");
    }
    fprintf(fp, "\nTimes: main sweep %.1f s, throughput sweep %.1f s.\n", st->seconds_main,
            st->seconds_throughput);
}

int etsim_paper_write_outputs(const etsim_paper_results *r, FILE *table_out,
                              etsim_paper_stats *st, etsim_err *err) {
    const etsim_paper_opts *o = r->o;
    const cJSON *ref = r->ref;
    const char *ref_path = r->ref_path;
    st->reference_found = ref != NULL;
    tbl *t1 = etsim_calloc(1, sizeof *t1), *t2 = etsim_calloc(1, sizeof *t2),
        *t3 = etsim_calloc(1, sizeof *t3), *t2b = etsim_calloc(1, sizeof *t2b);
    int rc = -1;
    t1_right right = {0};
    for (int s = 0; s < ETSIM_PAPER_N_SETUPS; s++)
        for (int m = 0; m < 2 && r->src[s].present; m++)
            for (int w = 0; w < 3; w++) t1_want(&right, t1_row(r, &r->src[s], m, ETSIM_PAPER_WIDTHS[w]));
    char *sum_path = etsim_paper_path(o->out_dir, "sweep-main/summary.jsonl");
    int lrc = t1_load(sum_path, &right, err);
    free(sum_path);
    if (lrc < 0) goto out;
    table1(r, ref, &right, t1);
    if (write_table(o->out_dir, "table1", t1, err) < 0) goto out;
    if (r->main_src) {
        table2(r, ref, t2);
        table2_band(r, t2b);
        table3(r, ref, t3);
        if (write_table(o->out_dir, "table2", t2, err) < 0 ||
            write_table(o->out_dir, "table2_band", t2b, err) < 0 ||
            write_table(o->out_dir, "table3", t3, err) < 0)
            goto out;
        char *f2 = etsim_paper_path(o->out_dir, "fig2.dat");
        char *f3 = etsim_paper_path(o->out_dir, "fig3.dat");
        int frc = write_fig2(r, f2, err);
        if (frc == 0) frc = write_fig3(r, f3, err);
        free(f2);
        free(f3);
        if (frc < 0 || write_scripts(o->out_dir, err) < 0) goto out;
        st->figures = 1;
    }
    char *md = etsim_paper_path(o->out_dir, "paper.md");
    etsim_atomic_file af;
    int mrc = etsim_atomic_open(&af, md, err);
    free(md);
    if (mrc < 0) goto out;
    write_overview(af.fp, r, t1, t2, t2b, t3, ref_path, st);
    if (etsim_atomic_commit(&af, err) < 0) goto out;
    if (table_out) tbl_write_md(table_out, t1);
    rc = 0;
out:
    t1_right_free(&right);
    free(t1);
    free(t2);
    free(t3);
    free(t2b);
    return rc;
}
