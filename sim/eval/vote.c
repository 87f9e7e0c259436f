/* vote.c -- aggregation and answer selection (see vote.h), a line-by-line
 * reading of math_evaluate.py's agg_* functions, evaluate() and
 * majority_vote(). Answers are prepared once (both normalisations) so the
 * class comparisons cost only the final string compares. */
#include "sim/eval/vote.h"

#include <math.h>
#include <string.h>

int etsim_agg_parse(const char *s) {
    static const char *const n[] = {"last", "min", "prod", "mean"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, n[i])) return i;
    return -1;
}
int etsim_vote_parse(const char *s) {
    static const char *const n[] = {"best", "majority", "weighted"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, n[i])) return i;
    return -1;
}
const char *etsim_agg_name(etsim_agg a) {
    static const char *const n[] = {"last", "min", "prod", "mean"};
    return (unsigned)a < 4 ? n[a] : "?";
}
const char *etsim_vote_name(etsim_vote v) {
    static const char *const n[] = {"best", "majority", "weighted"};
    return (unsigned)v < 3 ? n[v] : "?";
}

etsim_eval_opts etsim_eval_opts_default(void) {
    etsim_eval_opts o = {ETSIM_AGG_LAST, ETSIM_VOTE_WEIGHTED, ETSIM_EXTRACT_SHEPHERD, ETSIM_GRADER_REFERENCE};
    return o;
}

double etsim_agg_scores(const double *s, int n, etsim_agg agg) {
    if (n <= 0) return 0;
    switch (agg) {
    case ETSIM_AGG_LAST: return isnan(s[n - 1]) ? 0 : s[n - 1];
    case ETSIM_AGG_MIN: {
        double m = 1;
        for (int i = 0; i < n; i++)
            if (!isnan(s[i]) && s[i] < m) m = s[i];
        return m;
    }
    case ETSIM_AGG_PROD: {
        double p = 1;
        for (int i = 0; i < n; i++)
            if (!isnan(s[i])) p *= s[i];
        return p;
    }
    case ETSIM_AGG_MEAN: {
        double sum = 0;
        int c = 0;
        for (int i = 0; i < n; i++)
            if (!isnan(s[i])) sum += s[i], c++;
        return c ? sum / c : 0;
    }
    }
    return 0;
}

static const char *leaf_answer(etsim_arena *a, const etsim_leaf *l, const etsim_eval_opts *o) {
    return l->answer ? l->answer : etsim_extract_answer(a, l->text, o->extract, o->grader);
}

void etsim_vote_select(etsim_arena *a, const etsim_leaf *leaves, int n, const char *gt,
                       const etsim_eval_opts *o, etsim_vote_result *out) {
    out->chosen = -1;
    out->answer = NULL;
    out->support = 0;
    out->correct = false;
    etsim_prepared pgt;
    etsim_grade_prepare(a, gt, &pgt);
    if (o->vote == ETSIM_VOTE_BEST) {
        double best = -999.999;
        for (int i = 0; i < n; i++) {
            double v = etsim_agg_scores(leaves[i].scores, leaves[i].n_scores, o->agg);
            if (v > best) {
                best = v;
                out->chosen = i;
            }
        }
        /* no leaf: the reference extracts from None, giving "[invalid]" */
        out->answer = out->chosen >= 0 ? leaf_answer(a, &leaves[out->chosen], o) : ETSIM_INVALID_ANSWER;
        out->support = out->chosen >= 0 ? best : 0;
        etsim_prepared pa;
        etsim_grade_prepare(a, out->answer, &pa);
        out->correct = gt && etsim_grade_prepared(a, &pa, &pgt, o->grader);
        return;
    }
    etsim_prepared *reps = etsim_arena_alloc(a, sizeof *reps * (size_t)(n ? n : 1));
    double *weights = etsim_arena_alloc(a, sizeof *weights * (size_t)(n ? n : 1));
    int nclass = 0;
    double max_vote = 0;
    etsim_prepared chosen = {0};
    for (int i = 0; i < n; i++) {
        etsim_prepared ans;
        etsim_grade_prepare(a, leaf_answer(a, &leaves[i], o), &ans);
        if (o->grader == ETSIM_GRADER_CLEAN && !strcmp(ans.raw, ETSIM_INVALID_ANSWER)) continue;
        double w = o->vote == ETSIM_VOTE_WEIGHTED ? etsim_agg_scores(leaves[i].scores, leaves[i].n_scores, o->agg) : 1;
        bool matched = false;
        for (int c = 0; c < nclass; c++) {
            if (!etsim_grade_prepared(a, &ans, &reps[c], o->grader)) continue;
            matched = true;
            weights[c] += w;
            if (weights[c] > max_vote) {
                max_vote = weights[c];
                chosen = ans;
                out->chosen = i;
            }
        }
        if (matched) continue;
        reps[nclass] = ans;
        weights[nclass++] = w;
        if (w > max_vote) { /* math_evaluate.py: `if weight > max_vote` */
            max_vote = w;
            chosen = ans;
            out->chosen = i;
        }
    }
    out->support = max_vote;
    if (out->chosen < 0) {
        /* No class ever exceeded 0 (no leaves, or all-zero weights): the
         * reference keeps max_rep = None and grades str(None), "None". */
        etsim_prepared none;
        etsim_grade_prepare(a, "None", &none);
        out->correct = gt && etsim_grade_prepared(a, &none, &pgt, o->grader);
        return;
    }
    out->answer = chosen.raw;
    out->correct = gt && etsim_grade_prepared(a, &chosen, &pgt, o->grader);
}
