/* score.c -- per-problem answer selection and accuracy totals (see score.h).
 * Each problem is evaluated in its own arena: leaf answers are computed as
 * the reference would read them, handed to etsim_vote_select, and only the
 * chosen answer is copied out. */
#include "sim/eval/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KI "\xd0\xba\xd0\xb8" /* "ки", the Math-Shepherd step tag */

int etsim_eval_profile(const char *answer_format, const etsim_eval_opts *o, etsim_extract_profile *out,
                       etsim_err *err) {
    if (!answer_format) {
        *out = o->extract;
        return 0;
    }
    int p = etsim_extract_profile_parse(answer_format);
    if (p < 0)
        return etsim_errf(err, "answer_format '%s' is not shepherd, gsm8k, boxed or sal", answer_format);
    *out = (etsim_extract_profile)p;
    return 0;
}

static int shepherd_like(etsim_extract_profile p) { return p == ETSIM_EXTRACT_SHEPHERD || p == ETSIM_EXTRACT_GSM8K; }

const char *etsim_eval_answer_text(etsim_arena *a, const char *answer, etsim_extract_profile p) {
    etsim_sb b;
    etsim_sb_init(&b, a, strlen(answer) + 48);
    if (shepherd_like(p)) {
        etsim_sb_puts(&b, "The answer is: ");
        etsim_sb_puts(&b, answer);
        etsim_sb_puts(&b, " " KI);
    } else {
        etsim_sb_puts(&b, p == ETSIM_EXTRACT_SAL ? "Therefore, the final answer is: $\\boxed{"
                                                 : "The final answer is $\\boxed{");
        etsim_sb_puts(&b, answer);
        etsim_sb_puts(&b, p == ETSIM_EXTRACT_SAL ? "}$" : "}$.");
    }
    return etsim_sb_str(&b);
}

/* s ends with "ки" once trailing whitespace is ignored */
static int ends_with_tag(const char *s) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
    return n >= 4 && !memcmp(s + n - 4, KI, 4);
}

const char *etsim_eval_join_text(etsim_arena *a, const char *question, const char *const *steps, int32_t n,
                                 etsim_extract_profile p) {
    int any = question != NULL;
    for (int32_t i = 0; i < n && !any; i++) any = steps[i] != NULL;
    if (!any) return NULL;
    etsim_sb b;
    etsim_sb_init(&b, a, 256);
    if (question) {
        etsim_sb_puts(&b, question);
        etsim_sb_putc(&b, '\n'); /* the harness prompt is question + "\n" */
    }
    for (int32_t i = 0; i < n; i++) {
        const char *s = steps[i] ? steps[i] : "";
        if (shepherd_like(p)) {
            if (i && s[0] != '\n') etsim_sb_putc(&b, '\n');
            etsim_sb_puts(&b, s);
            if (!ends_with_tag(s)) etsim_sb_puts(&b, " " KI);
        } else {
            if (i) etsim_sb_puts(&b, "\n\n");
            etsim_sb_puts(&b, s);
        }
    }
    return etsim_sb_str(&b);
}

const char *etsim_eval_leaf_answer(etsim_arena *a, const char *answer, const char *text, etsim_extract_profile p,
                                   etsim_grader_mode g) {
    if (answer && p == ETSIM_EXTRACT_SAL) return answer; /* already search-and-learn's reading; its parser is not idempotent */
    if (answer) return etsim_extract_answer(a, etsim_eval_answer_text(a, answer, p), p, g);
    if (text) return etsim_extract_answer(a, text, p, g);
    return NULL;
}

/* Vote among prepared leaves and fill out (common tail of both entry points). */
static void finish(etsim_arena *a, etsim_leaf *leaves, int32_t n, const char *gt, const etsim_eval_opts *o,
                   etsim_problem_eval *out) {
    etsim_vote_result vr;
    etsim_vote_select(a, leaves, (int)n, gt, o, &vr);
    out->n_leaves = n;
    out->chosen = vr.chosen;
    out->answer = vr.answer ? etsim_strdup(vr.answer) : NULL;
    out->support = vr.support;
    out->has_gt = gt != NULL;
    out->correct = vr.correct;
}

static void eval_init(etsim_problem_eval *out, int32_t index, etsim_extract_profile p) {
    memset(out, 0, sizeof *out);
    out->index = index;
    out->chosen = -1;
    out->profile = p;
}

int etsim_eval_problem(const etsim_problem_result *r, const char *answer_format, const etsim_eval_opts *o,
                       etsim_problem_eval *out, etsim_err *err) {
    etsim_extract_profile prof = o->extract;
    const etsim_tree *t = &r->tree;
    memset(out, 0, sizeof *out);
    out->chosen = -1;
    if (etsim_eval_profile(answer_format, o, &prof, err)) return -1;
    eval_init(out, t->prob.index, prof);
    etsim_arena a;
    etsim_arena_init(&a);
    int32_t n = r->n_leaves;
    etsim_leaf *leaves = etsim_arena_alloc(&a, sizeof *leaves * (size_t)(n ? n : 1));
    for (int32_t i = 0; i < n; i++) {
        int32_t v = r->leaves[i], depth = t->nodes[v].depth;
        double *sc = etsim_arena_alloc(&a, sizeof *sc * (size_t)(depth ? depth : 1));
        const char **steps = etsim_arena_alloc(&a, sizeof *steps * (size_t)(depth ? depth : 1));
        /* root-to-leaf, root excluded, as the result file's step_scores */
        int32_t k = depth;
        for (int32_t u = v; u > 0 && k > 0; u = t->nodes[u].parent) {
            const etsim_node *nd = &t->nodes[u];
            k--;
            sc[k] = (nd->flags & ETSIM_NODE_SCORED) ? (double)nd->score : NAN;
            steps[k] = etsim_tree_text(t, u);
        }
        const char *ans = etsim_tree_answer(t, v), *text = NULL;
        if (!ans) text = etsim_eval_join_text(&a, t->prob.question, steps, depth, prof);
        const char *got = etsim_eval_leaf_answer(&a, ans, text, prof, o->grader);
        if (!got) {
            out->n_no_answer++;
            got = ETSIM_INVALID_ANSWER;
        }
        leaves[i] = (etsim_leaf){NULL, got, sc, depth};
    }
    finish(&a, leaves, n, t->prob.answer, o, out);
    etsim_arena_free(&a);
    return 0;
}

int etsim_eval_rr_problem(const etsim_rr_problem *p, const char *answer_format, const etsim_eval_opts *o,
                          etsim_problem_eval *out, etsim_err *err) {
    etsim_extract_profile prof = o->extract;
    memset(out, 0, sizeof *out);
    out->chosen = -1;
    if (etsim_eval_profile(answer_format, o, &prof, err)) return -1;
    eval_init(out, p->index, prof);
    etsim_arena a;
    etsim_arena_init(&a);
    int32_t n = p->n_leaves;
    etsim_leaf *leaves = etsim_arena_alloc(&a, sizeof *leaves * (size_t)(n ? n : 1));
    const char **steps = NULL;
    if (p->text) steps = etsim_arena_alloc(&a, sizeof *steps * (size_t)(p->n_nodes ? p->n_nodes : 1));
    for (int32_t i = 0; i < n; i++) {
        const etsim_rr_leaf *l = &p->leaves[i];
        const char *text = l->text;
        if (!l->answer && !text && p->text) {
            /* parents are earlier nodes (checked by the reader), so the walk ends */
            int32_t k = 0;
            for (int32_t u = l->node; u > 0; u = p->parent[u]) steps[k++] = p->text[u];
            for (int32_t x = 0, y = k - 1; x < y; x++, y--) {
                const char *tmp = steps[x];
                steps[x] = steps[y];
                steps[y] = tmp;
            }
            text = etsim_eval_join_text(&a, p->text[0], steps, k, prof);
        }
        const char *got = etsim_eval_leaf_answer(&a, l->answer, text, prof, o->grader);
        if (!got) {
            out->n_no_answer++;
            got = ETSIM_INVALID_ANSWER;
        }
        leaves[i] = (etsim_leaf){NULL, got, l->scores, l->n_scores};
    }
    finish(&a, leaves, n, p->answer, o, out);
    etsim_arena_free(&a);
    return 0;
}

void etsim_problem_eval_free(etsim_problem_eval *e) {
    free(e->answer);
    e->answer = NULL;
}

/* ---- totals ------------------------------------------------------------------ */
void etsim_eval_acc_init(etsim_eval_acc *acc, const etsim_eval_opts *o) {
    memset(acc, 0, sizeof *acc);
    acc->opts = *o;
    acc->profile = o->extract;
}

static etsim_eval_group *group(etsim_eval_group **v, int64_t *n, int64_t *cap, const char *subject, int32_t level) {
    for (int64_t i = 0; i < *n; i++)
        if (subject ? !strcmp((*v)[i].subject, subject) : (*v)[i].level == level) return &(*v)[i];
    etsim_grow((void **)v, cap, *n + 1, sizeof **v);
    etsim_eval_group *g = &(*v)[(*n)++];
    memset(g, 0, sizeof *g);
    g->subject = subject ? etsim_strdup(subject) : NULL;
    g->level = level;
    return g;
}

void etsim_eval_acc_add(etsim_eval_acc *acc, const etsim_problem_eval *e, const char *subject, int32_t level) {
    acc->profile = e->profile;
    acc->problems++;
    acc->correct += e->correct;
    acc->leaves += e->n_leaves;
    acc->leaves_no_answer += e->n_no_answer;
    acc->no_leaves += e->n_leaves == 0;
    acc->no_gt += !e->has_gt;
    etsim_eval_group *g = group(&acc->subjects, &acc->n_subjects, &acc->cap_subjects, subject ? subject : "(none)", 0);
    g->problems++;
    g->correct += e->correct;
    g = group(&acc->levels, &acc->n_levels, &acc->cap_levels, NULL, level);
    g->problems++;
    g->correct += e->correct;
}

int etsim_eval_acc_add_result(etsim_eval_acc *acc, const etsim_problem_result *r, const char *answer_format,
                              etsim_err *err) {
    etsim_problem_eval e;
    if (etsim_eval_problem(r, answer_format, &acc->opts, &e, err)) return -1;
    etsim_eval_acc_add(acc, &e, r->tree.prob.subject, r->tree.prob.level);
    etsim_problem_eval_free(&e);
    return 0;
}

double etsim_eval_acc_percent(const etsim_eval_acc *acc) {
    return acc->problems ? 100.0 * (double)acc->correct / (double)acc->problems : 0;
}

static int by_subject(const void *x, const void *y) {
    return strcmp(((const etsim_eval_group *)x)->subject, ((const etsim_eval_group *)y)->subject);
}
static int by_level(const void *x, const void *y) {
    int32_t a = ((const etsim_eval_group *)x)->level, b = ((const etsim_eval_group *)y)->level;
    return a < b ? -1 : a > b;
}
static void sort_groups(const etsim_eval_acc *acc) {
    /* sorting in place keeps the accumulator valid (groups are found by key) */
    if (acc->n_subjects) qsort(acc->subjects, (size_t)acc->n_subjects, sizeof *acc->subjects, by_subject);
    if (acc->n_levels) qsort(acc->levels, (size_t)acc->n_levels, sizeof *acc->levels, by_level);
}

static double pct(int64_t c, int64_t n) { return n ? 100.0 * (double)c / (double)n : 0; }

void etsim_eval_acc_print(FILE *fp, const etsim_eval_acc *acc, int breakdown) {
    const etsim_eval_opts *o = &acc->opts;
    fprintf(fp, "accuracy %.2f%% (%lld/%lld)  vote %s, agg %s, extract %s, grader %s\n", etsim_eval_acc_percent(acc),
            (long long)acc->correct, (long long)acc->problems, etsim_vote_name(o->vote), etsim_agg_name(o->agg),
            etsim_extract_profile_name(acc->profile), etsim_grader_mode_name(o->grader));
    fprintf(fp, "  leaves %lld", (long long)acc->leaves);
    if (acc->leaves_no_answer) fprintf(fp, ", %lld without answer or text", (long long)acc->leaves_no_answer);
    if (acc->no_leaves) fprintf(fp, "; %lld problems without leaves", (long long)acc->no_leaves);
    if (acc->no_gt) fprintf(fp, "; %lld problems without ground truth (counted wrong)", (long long)acc->no_gt);
    fputc('\n', fp);
    if (!breakdown) return;
    sort_groups(acc);
    int named = acc->n_subjects > 1 || (acc->n_subjects == 1 && strcmp(acc->subjects[0].subject, "(none)"));
    if (named) {
        fprintf(fp, "by subject:\n");
        for (int64_t i = 0; i < acc->n_subjects; i++) {
            const etsim_eval_group *g = &acc->subjects[i];
            fprintf(fp, "  %-26s %6.2f%%  (%lld/%lld)\n", g->subject, pct(g->correct, g->problems),
                    (long long)g->correct, (long long)g->problems);
        }
    }
    if (acc->n_levels > 1 || (acc->n_levels == 1 && acc->levels[0].level != 0)) {
        fprintf(fp, "by level:\n");
        for (int64_t i = 0; i < acc->n_levels; i++) {
            const etsim_eval_group *g = &acc->levels[i];
            char name[32];
            if (g->level) snprintf(name, sizeof name, "Level %d", g->level);
            else snprintf(name, sizeof name, "(none)");
            fprintf(fp, "  %-26s %6.2f%%  (%lld/%lld)\n", name, pct(g->correct, g->problems), (long long)g->correct,
                    (long long)g->problems);
        }
    }
}

static void json_group(etsim_sbuf *b, const etsim_eval_group *g) {
    etsim_sbuf_puts(b, "{\"problems\":");
    etsim_sbuf_int(b, g->problems);
    etsim_sbuf_puts(b, ",\"correct\":");
    etsim_sbuf_int(b, g->correct);
    etsim_sbuf_puts(b, ",\"accuracy\":");
    etsim_sbuf_double(b, pct(g->correct, g->problems));
    etsim_sbuf_putc(b, '}');
}

void etsim_eval_acc_json(etsim_sbuf *b, const etsim_eval_acc *acc) {
    const etsim_eval_opts *o = &acc->opts;
    sort_groups(acc);
    etsim_sbuf_puts(b, "{\"problems\":");
    etsim_sbuf_int(b, acc->problems);
    etsim_sbuf_puts(b, ",\"correct\":");
    etsim_sbuf_int(b, acc->correct);
    etsim_sbuf_puts(b, ",\"accuracy\":");
    etsim_sbuf_double(b, etsim_eval_acc_percent(acc));
    etsim_sbuf_puts(b, ",\"vote\":");
    etsim_sbuf_json_string(b, etsim_vote_name(o->vote));
    etsim_sbuf_puts(b, ",\"agg\":");
    etsim_sbuf_json_string(b, etsim_agg_name(o->agg));
    etsim_sbuf_puts(b, ",\"extract\":");
    etsim_sbuf_json_string(b, etsim_extract_profile_name(acc->profile));
    etsim_sbuf_puts(b, ",\"grader\":");
    etsim_sbuf_json_string(b, etsim_grader_mode_name(o->grader));
    etsim_sbuf_puts(b, ",\"leaves\":");
    etsim_sbuf_int(b, acc->leaves);
    etsim_sbuf_puts(b, ",\"leaves_without_answer\":");
    etsim_sbuf_int(b, acc->leaves_no_answer);
    etsim_sbuf_puts(b, ",\"problems_without_leaves\":");
    etsim_sbuf_int(b, acc->no_leaves);
    etsim_sbuf_puts(b, ",\"problems_without_ground_truth\":");
    etsim_sbuf_int(b, acc->no_gt);
    etsim_sbuf_puts(b, ",\"by_subject\":{");
    for (int64_t i = 0; i < acc->n_subjects; i++) {
        if (i) etsim_sbuf_putc(b, ',');
        etsim_sbuf_json_string(b, acc->subjects[i].subject);
        etsim_sbuf_putc(b, ':');
        json_group(b, &acc->subjects[i]);
    }
    etsim_sbuf_puts(b, "},\"by_level\":{");
    for (int64_t i = 0; i < acc->n_levels; i++) {
        if (i) etsim_sbuf_putc(b, ',');
        etsim_sbuf_putc(b, '"');
        etsim_sbuf_int(b, acc->levels[i].level);
        etsim_sbuf_puts(b, "\":");
        json_group(b, &acc->levels[i]);
    }
    etsim_sbuf_puts(b, "}}");
}

void etsim_eval_acc_free(etsim_eval_acc *acc) {
    for (int64_t i = 0; i < acc->n_subjects; i++) free(acc->subjects[i].subject);
    free(acc->subjects);
    free(acc->levels);
    memset(acc, 0, sizeof *acc);
}

static int summary_add(void *ctx, const etsim_problem_result *r, etsim_err *err) {
    etsim_eval_summary *s = ctx;
    return etsim_eval_acc_add_result(&s->acc, r, s->answer_format, err);
}

static void summary_json(void *ctx, etsim_sbuf *b) {
    etsim_eval_summary *s = ctx;
    etsim_eval_acc_json(b, &s->acc);
}

void etsim_eval_summary_init(etsim_eval_summary *s, const char *answer_format) {
    memset(s, 0, sizeof *s);
    etsim_eval_opts opts = etsim_eval_opts_default();
    etsim_eval_acc_init(&s->acc, &opts);
    s->answer_format = etsim_strdup(answer_format);
    s->hook.key = "accuracy";
    s->hook.ctx = s;
    s->hook.add = summary_add;
    s->hook.json = summary_json;
}

void etsim_eval_summary_free(etsim_eval_summary *s) {
    etsim_eval_acc_free(&s->acc);
    free(s->answer_format);
    s->answer_format = NULL;
}
