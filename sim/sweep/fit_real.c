/* fit_real.c -- the `etsim fit --target real` objective: statistics of
 * real search-and-learn beam-search outputs (Llama-3 policies, RLHFlow
 * Llama3.1-8B PRM, MATH500) against the same statistics of beam search on
 * the synthetic model at each file's beam count.
 *
 * Per completion: steps (its PRM scores), tokens per step (the text's
 * estimated tokens over its steps; ~4 bytes a token, as the importer
 * estimates), correctness (search-and-learn's answer parser, graded with
 * the reference grader or equal canonical forms), the last-step score and
 * the mean step score, split by correct and wrong. Per problem: prefix
 * sharing (1 - distinct steps / all steps, completions merged on equal
 * step prefixes) and answer diversity (distinct answers / completions).
 * Each statistic is the mean over all completions (or problems) of all
 * files together. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/eval/extract.h"
#include "sim/eval/import.h"
#include "sim/eval/sal.h"
#include "sim/eval/sal_parse.h"
#include "sim/engine/engine.h"
#include "sim/sweep/fit.h"
#include "selectors/registry.h"

enum { S_STEPS, S_TOKENS, S_ACC, S_LAST_OK, S_LAST_BAD, S_MEAN_OK, S_MEAN_BAD, S_SHARE, S_DIV,
       S_N };

static const char *const STAT_NAMES[S_N] = {
    "steps per completion", "tokens per step",      "completion accuracy",
    "last score, correct",  "last score, wrong",    "mean score, correct",
    "mean score, wrong",    "prefix sharing",       "answer diversity"};
static const double STAT_SCALE[S_N] = {0.5, 8, 0.03, 0.03, 0.03, 0.03, 0.03, 0.05, 0.05};

typedef struct acc {
    double sum[S_N];
    double cnt[S_N];
} acc;

static void add(acc *a, int k, double v) {
    if (!isfinite(v)) return;
    a->sum[k] += v;
    a->cnt[k] += 1;
}

typedef struct file_info {
    int n;          /* completions per problem (beam count) */
    int rows;
} file_info;

struct etsim_fit_real {
    int threads;
    int32_t problems;
    file_info *files;
    int n_files;
    double target[S_N];
};

static const etsim_fit_param REAL_PARAMS[] = {
    {"error_logit_mean", -8, 4, 0.4, 0.05},
    {"leaf_logit_base", -10, 4, 0.5, 0.1},
    {"step_tokens_median", 8, 400, 12, 1},
    {"prm_mean_correct", -4, 10, 0.5, 0.05},
    {"prm_mean_wrong", -6, 8, 0.5, 0.05},
    {"prm_noise_sd", 0.05, 4, 0.3, 0.04},
    {"wrong_answer_tail", 0, 1, 0.15, 0.02},
};

const etsim_fit_param *etsim_fit_real_params(int *n) {
    *n = (int)(sizeof REAL_PARAMS / sizeof REAL_PARAMS[0]);
    return REAL_PARAMS;
}

static int real_correct(etsim_arena *a, const char *completion, const char *gt) {
    const char *ans = etsim_extract_answer(a, completion, ETSIM_EXTRACT_SAL, ETSIM_GRADER_REFERENCE);
    if (!ans || !strcmp(ans, ETSIM_INVALID_ANSWER) || !gt) return 0;
    if (etsim_grade(ans, gt, ETSIM_GRADER_REFERENCE)) return 1;
    char *boxed = etsim_arena_concat(a, etsim_arena_concat(a, "\\boxed{", gt), "}");
    const char *g = etsim_extract_answer(a, boxed, ETSIM_EXTRACT_SAL, ETSIM_GRADER_REFERENCE);
    return !strcmp(etsim_sal_canonical(a, ans), etsim_sal_canonical(a, g));
}

static void real_row(const etsim_sal_row *r, int32_t idx, acc *A) {
    etsim_arena a;
    etsim_arena_init(&a);
    long total_steps = 0;
    const char **canon = etsim_calloc((size_t)(r->n > 0 ? r->n : 1), sizeof *canon);
    int distinct = 0;
    for (int i = 0; i < r->n; i++) {
        int ns = r->n_scores[i];
        if (ns < 1) continue;
        total_steps += ns;
        add(A, S_STEPS, ns);
        add(A, S_TOKENS, (double)etsim_import_estimate_tokens(r->completions[i]) / ns);
        int ok = real_correct(&a, r->completions[i], r->answer);
        add(A, S_ACC, ok);
        double mean = 0;
        for (int k = 0; k < ns; k++) mean += r->scores[i][k];
        add(A, ok ? S_LAST_OK : S_LAST_BAD, r->scores[i][ns - 1]);
        add(A, ok ? S_MEAN_OK : S_MEAN_BAD, mean / ns);
        const char *ans = etsim_extract_answer(&a, r->completions[i], ETSIM_EXTRACT_SAL,
                                               ETSIM_GRADER_REFERENCE);
        const char *c = etsim_sal_canonical(&a, ans);
        int seen = 0;
        for (int k = 0; k < distinct; k++) seen |= !strcmp(canon[k], c);
        if (!seen) canon[distinct++] = c;
    }
    if (r->n > 0) add(A, S_DIV, (double)distinct / r->n);
    etsim_tree t;
    etsim_tree_init(&t, 0);
    etsim_import_stats ist;
    memset(&ist, 0, sizeof ist);
    int bad = 0;
    if (total_steps > 0 && etsim_sal_build_tree(r, idx, &t, &ist, &bad) == 0)
        add(A, S_SHARE, 1.0 - (double)(t.n_nodes - 1) / (double)total_steps);
    etsim_tree_free(&t);
    free(canon);
    etsim_arena_free(&a);
}

etsim_fit_real *etsim_fit_real_new(const etsim_fit_opts *o, etsim_err *err) {
    if (o->n_data < 1) {
        etsim_errf(err, "--target real needs search-and-learn files (--data FILE ...)");
        return NULL;
    }
    etsim_fit_real *fr = etsim_calloc(1, sizeof *fr);
    fr->threads = o->threads;
    fr->problems = o->problems;
    fr->files = etsim_calloc((size_t)o->n_data, sizeof *fr->files);
    acc A;
    memset(&A, 0, sizeof A);
    for (int f = 0; f < o->n_data; f++) {
        etsim_sal_file sf;
        if (etsim_sal_read(o->data[f], &sf, err) < 0) {
            etsim_fit_real_free(fr);
            return NULL;
        }
        int maxn = 0;
        for (int i = 0; i < sf.n_rows; i++) {
            if (sf.rows[i].n > maxn) maxn = sf.rows[i].n;
            real_row(&sf.rows[i], i, &A);
        }
        fr->files[fr->n_files].n = maxn;
        fr->files[fr->n_files].rows = sf.n_rows;
        fr->n_files++;
        etsim_sal_free(&sf);
    }
    for (int k = 0; k < S_N; k++) fr->target[k] = A.cnt[k] > 0 ? A.sum[k] / A.cnt[k] : NAN;
    return fr;
}

void etsim_fit_real_free(etsim_fit_real *fr) {
    if (!fr) return;
    free(fr->files);
    free(fr);
}

/* Beam search on the synthetic model: the same statistics over its leaves. */
static int synth_stats(const etsim_synth_profile *p, const file_info *fi, int32_t problems,
                       acc *A, etsim_err *err) {
    etsim_oracle *o = etsim_synth_open(p, err);
    if (!o) return -1;
    const etsim_selector *beam = etsim_selector_find("beam");
    etsim_search_config sc;
    etsim_search_config_init(&sc, beam, fi->n > 0 ? fi->n : 1);
    int32_t np = fi->rows < problems ? fi->rows : problems;
    if (np > o->meta.n_problems) np = o->meta.n_problems;
    int rc = 0;
    for (int32_t pi = 0; pi < np && rc == 0; pi++) {
        etsim_problem_result r;
        etsim_problem_result_init(&r, o->meta.emb_dim);
        if (etsim_search_problem(o, &sc, pi, &r, err) < 0) {
            rc = -1;
        } else {
            const etsim_tree *t = &r.tree;
            uint8_t *mark = etsim_calloc((size_t)t->n_nodes, 1);
            long steps_all = 0, uniq = 0;
            int distinct = 0;
            const char **ans = etsim_calloc((size_t)(r.n_leaves > 0 ? r.n_leaves : 1), sizeof *ans);
            for (int32_t li = 0; li < r.n_leaves; li++) {
                int32_t v = r.leaves[li];
                const etsim_node *nd = &t->nodes[v];
                int ns = nd->depth;
                if (ns < 1) continue;
                const char *a = etsim_tree_answer(t, v);
                int ok = a && t->prob.answer && !strcmp(a, t->prob.answer);
                double mean = 0;
                for (int32_t u = v; u > 0; u = t->nodes[u].parent) {
                    mean += t->nodes[u].score;
                    if (!mark[u]) {
                        mark[u] = 1;
                        uniq++;
                    }
                }
                steps_all += ns;
                add(A, S_STEPS, ns);
                add(A, S_TOKENS, (double)(nd->cum_tokens - t->nodes[0].step_tokens) / ns);
                add(A, S_ACC, ok);
                add(A, ok ? S_LAST_OK : S_LAST_BAD, nd->score);
                add(A, ok ? S_MEAN_OK : S_MEAN_BAD, mean / ns);
                int seen = 0;
                for (int k = 0; k < distinct; k++) seen |= a && ans[k] && !strcmp(ans[k], a);
                if (!seen) ans[distinct++] = a;
            }
            if (r.n_leaves > 0) add(A, S_DIV, (double)distinct / r.n_leaves);
            if (steps_all > 0) add(A, S_SHARE, 1.0 - (double)uniq / (double)steps_all);
            free(ans);
            free(mark);
        }
        etsim_problem_result_free(&r);
    }
    etsim_oracle_close(o);
    return rc;
}

int etsim_fit_real_eval(etsim_fit_real *fr, const etsim_synth_profile *p, etsim_fit_stats *st,
                        etsim_err *err) {
    acc A;
    memset(&A, 0, sizeof A);
    for (int f = 0; f < fr->n_files; f++)
        if (synth_stats(p, &fr->files[f], fr->problems, &A, err) < 0) return -1;
    st->n = S_N;
    for (int k = 0; k < S_N; k++) {
        st->name[k] = STAT_NAMES[k];
        st->model[k] = A.cnt[k] > 0 ? A.sum[k] / A.cnt[k] : NAN;
        st->target[k] = fr->target[k];
        st->scale[k] = STAT_SCALE[k];
    }
    return 0;
}
