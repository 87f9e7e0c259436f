/* sal.c -- reading search-and-learn outputs and re-deriving their stored
 * votes (see sal.h). Reading is strict: every field the votes need must be
 * there with the right type, and errors name file, line and field. */
#include "sim/eval/sal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/eval/jsonl.h"
#include "sim/eval/sal_parse.h"

static char *opt_str(const cJSON *o, const char *f) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f);
    return cJSON_IsString(v) && v->valuestring ? etsim_strdup(v->valuestring) : NULL;
}

static void row_free(etsim_sal_row *r) {
    free(r->problem);
    free(r->answer);
    free(r->unique_id);
    free(r->subject);
    for (int i = 0; i < r->n; i++) {
        if (r->completions) free(r->completions[i]);
        if (r->scores) free(r->scores[i]);
    }
    free(r->completions);
    free(r->scores);
    free(r->n_scores);
    free(r->tokens);
    free(r->agg_scores);
    for (int t = 0; t < 3; t++)
        for (int k = 0; k < r->n_k; k++) free(r->pred[t][k]);
    memset(r, 0, sizeof *r);
}

static int parse_row(const etsim_jsonl *jr, const cJSON *o, etsim_sal_row *r, etsim_err *err) {
    memset(r, 0, sizeof *r);
    r->line = jr->line;
    if (!cJSON_IsObject(o)) return etsim_errf(err, "%s:%ld: row is not a JSON object", jr->name, jr->line);
    const cJSON *comp = cJSON_GetObjectItemCaseSensitive(o, "completions");
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(o, "scores");
    if (!cJSON_IsArray(comp)) return etsim_errf(err, "%s:%ld: field \"completions\" missing or not a list", jr->name, jr->line);
    if (!cJSON_IsArray(sc)) return etsim_errf(err, "%s:%ld: field \"scores\" missing or not a list", jr->name, jr->line);
    int n = cJSON_GetArraySize(comp);
    if (cJSON_GetArraySize(sc) != n)
        return etsim_errf(err, "%s:%ld: field \"scores\" has %d entries for %d completions", jr->name, jr->line,
                          cJSON_GetArraySize(sc), n);
    r->problem = opt_str(o, "problem");
    r->answer = opt_str(o, "answer");
    r->unique_id = opt_str(o, "unique_id");
    r->subject = opt_str(o, "subject");
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(o, "level");
    r->level = cJSON_IsNumber(lv) && fabs(lv->valuedouble) < 1e9 ? (int)lv->valuedouble : 0; /* no int overflow */
    r->n = n;
    r->completions = etsim_calloc((size_t)(n ? n : 1), sizeof(char *));
    r->scores = etsim_calloc((size_t)(n ? n : 1), sizeof(double *));
    r->n_scores = etsim_calloc((size_t)(n ? n : 1), sizeof(int));
    for (int i = 0; i < n; i++) {
        const cJSON *c = cJSON_GetArrayItem(comp, i), *s = cJSON_GetArrayItem(sc, i);
        if (!cJSON_IsString(c)) return etsim_errf(err, "%s:%ld: field \"completions[%d]\" is not a string", jr->name, jr->line, i);
        if (!cJSON_IsArray(s)) return etsim_errf(err, "%s:%ld: field \"scores[%d]\" is not a list", jr->name, jr->line, i);
        r->completions[i] = etsim_strdup(c->valuestring);
        int m = cJSON_GetArraySize(s);
        r->scores[i] = etsim_calloc((size_t)(m ? m : 1), sizeof(double));
        r->n_scores[i] = m;
        for (int j = 0; j < m; j++) {
            const cJSON *v = cJSON_GetArrayItem(s, j);
            if (cJSON_IsNull(v)) r->scores[i][j] = NAN;
            else if (cJSON_IsNumber(v)) r->scores[i][j] = v->valuedouble;
            else return etsim_errf(err, "%s:%ld: field \"scores[%d][%d]\" is not a number", jr->name, jr->line, i, j);
        }
    }
    const cJSON *tk = cJSON_GetObjectItemCaseSensitive(o, "completion_tokens");
    if (cJSON_IsArray(tk) && cJSON_GetArraySize(tk) == n) {
        r->tokens = etsim_calloc((size_t)(n ? n : 1), sizeof(int));
        for (int i = 0; i < n; i++) {
            const cJSON *v = cJSON_GetArrayItem(tk, i);
            r->tokens[i] = cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble < 1e9 ? (int)v->valuedouble : 0;
        }
    }
    const cJSON *ag = cJSON_GetObjectItemCaseSensitive(o, "agg_scores");
    if (cJSON_IsArray(ag) && cJSON_GetArraySize(ag) == n) {
        r->agg_scores = etsim_calloc((size_t)(n ? n : 1), sizeof(double));
        for (int i = 0; i < n; i++) {
            const cJSON *v = cJSON_GetArrayItem(ag, i);
            r->agg_scores[i] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
        }
    }
    static const char *const kinds[3] = {"pred_naive@", "pred_maj@", "pred_weighted@"};
    for (int k = 1; k <= 4096 && r->n_k < ETSIM_SAL_MAX_K; k *= 2) {
        char key[3][40];
        bool any = false;
        for (int t = 0; t < 3; t++) {
            snprintf(key[t], sizeof key[t], "%s%d", kinds[t], k);
            if (cJSON_GetObjectItemCaseSensitive(o, key[t])) any = true;
        }
        if (!any) continue;
        r->ks[r->n_k] = k;
        for (int t = 0; t < 3; t++) r->pred[t][r->n_k] = opt_str(o, key[t]);
        r->n_k++;
    }
    return 0;
}

int etsim_sal_read(const char *path, etsim_sal_file *f, etsim_err *err) {
    memset(f, 0, sizeof *f);
    etsim_jsonl jr;
    if (etsim_jsonl_open(&jr, path, err)) return -1;
    int64_t cap = 0;
    cJSON *o = NULL;
    int rc;
    while ((rc = etsim_jsonl_next(&jr, &o, err)) == 1) {
        etsim_grow((void **)&f->rows, &cap, f->n_rows + 1, sizeof *f->rows);
        int prc = parse_row(&jr, o, &f->rows[f->n_rows], err);
        cJSON_Delete(o);
        if (prc) {
            row_free(&f->rows[f->n_rows]);
            rc = -1;
            break;
        }
        f->n_rows++;
    }
    etsim_jsonl_close(&jr);
    if (rc < 0) {
        etsim_sal_free(f);
        return -1;
    }
    return 0;
}

void etsim_sal_free(etsim_sal_file *f) {
    for (int i = 0; i < f->n_rows; i++) row_free(&f->rows[i]);
    free(f->rows);
    memset(f, 0, sizeof *f);
}

static double last_score(const etsim_sal_row *r, int i) {
    int m = r->n_scores[i];
    return m > 0 && !isnan(r->scores[i][m - 1]) ? r->scores[i][m - 1] : 0;
}

static const char *boxed(etsim_arena *a, const char *s) {
    return etsim_arena_concat(a, etsim_arena_concat(a, "\\boxed{", s), "}");
}

const char *etsim_sal_vote(etsim_arena *a, const etsim_sal_row *r, int k, int kind) {
    if (k > r->n) k = r->n;
    if (k <= 0) return NULL;
    const char **preds = etsim_arena_alloc(a, sizeof(char *) * (size_t)k);
    for (int i = 0; i < k; i++) preds[i] = etsim_sal_extract_answer(a, r->completions[i]);
    if (kind == ETSIM_SAL_NAIVE) {
        int best = 0;
        for (int i = 1; i < k; i++)
            if (last_score(r, i) > last_score(r, best)) best = i;
        return boxed(a, preds[best]);
    }
    /* groups in first-seen order; representative = first answer */
    const char **keys = etsim_arena_alloc(a, sizeof(char *) * (size_t)k);
    int *rep = etsim_arena_alloc(a, sizeof(int) * (size_t)k);
    double *tot = etsim_arena_alloc(a, sizeof(double) * (size_t)k);
    int ng = 0;
    for (int i = 0; i < k; i++) {
        const char *key = etsim_sal_canonical(a, preds[i]);
        int g = 0;
        while (g < ng && strcmp(keys[g], key)) g++;
        if (g == ng) {
            keys[ng] = key;
            rep[ng] = i;
            tot[ng++] = 0;
        }
        tot[g] += kind == ETSIM_SAL_MAJ ? 1.0 : last_score(r, i);
    }
    int best = 0;
    for (int g = 1; g < ng; g++)
        if (tot[g] > tot[best]) best = g;
    return boxed(a, preds[rep[best]]);
}

static void explain(etsim_arena *a, const etsim_sal_row *r, int k, const char *stored, FILE *rep) {
    /* is the stored answer one of our extracted answers? */
    size_t sl = strlen(stored);
    const char *inner = sl > 8 && !strncmp(stored, "\\boxed{", 7) ? etsim_arena_strndup(a, stored + 7, sl - 8) : stored;
    bool found = false;
    for (int i = 0; i < k && i < r->n; i++)
        if (!strcmp(etsim_sal_extract_answer(a, r->completions[i]), inner)) found = true;
    fprintf(rep, "      reason: %s\n      answers:",
            found ? "grouping -- search-and-learn's sympy canonical forms group these answers differently "
                    "from our numeric/string keys"
                  : "extraction -- the stored answer is none of our extracted answers");
    for (int i = 0; i < k && i < r->n; i++)
        fprintf(rep, " [%s | %.6g]", etsim_sal_extract_answer(a, r->completions[i]), last_score(r, i));
    fputc('\n', rep);
}

void etsim_sal_check(const etsim_sal_file *f, const char *name, FILE *report, etsim_sal_agree *out) {
    static const char *const kinds[3] = {"pred_naive", "pred_maj", "pred_weighted"};
    memset(out, 0, sizeof *out);
    etsim_arena a;
    etsim_arena_init(&a);
    for (int ri = 0; ri < f->n_rows; ri++) {
        const etsim_sal_row *r = &f->rows[ri];
        bool naive_ok = true;
        if (r->agg_scores)
            for (int i = 0; i < r->n; i++)
                if (r->agg_scores[i] != last_score(r, i)) out->agg_mismatch++;
        for (int ki = 0; ki < r->n_k; ki++) {
            for (int t = 0; t < 3; t++) {
                if (!r->pred[t][ki]) continue;
                const char *ours = etsim_sal_vote(&a, r, r->ks[ki], t);
                out->total[t]++;
                if (ours && !strcmp(ours, r->pred[t][ki])) {
                    out->agree[t]++;
                    continue;
                }
                if (t == ETSIM_SAL_NAIVE) naive_ok = false;
                if (report) {
                    fprintf(report, "  %s line %ld (%s) %s@%d: ours %s, file %s\n", name, r->line,
                            r->unique_id ? r->unique_id : "?", kinds[t], r->ks[ki], ours ? ours : "(none)",
                            r->pred[t][ki]);
                    explain(&a, r, r->ks[ki], r->pred[t][ki], report);
                }
            }
            etsim_arena_reset(&a);
        }
        if (naive_ok) out->rows_all_naive++;
    }
    etsim_arena_free(&a);
}
