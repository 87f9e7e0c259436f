/* export.c -- replay result -> ETS/REBASE answers.json + stats.log (see
 * export.h). The result is streamed a problem at a time (result_read.h);
 * each problem is formatted into one buffer in json.dump(indent=4) layout
 * (strings in sbuf.h's ETSIM_JSON_ASCII mode, as json.dump writes them)
 * and written to a temporary file that is renamed into place only after
 * the whole input was read. */
#include "sim/eval/export.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/core/sbuf.h"
#include "sim/engine/result_read.h"
#include "sim/eval/score.h"

/* ---- Python-compatible strings ------------------------------------------------- */
/* repr(float) as etsim_py_float_repr, but finding the shortest digit
 * count from the long end: PRM scores are float32 values, whose doubles
 * nearly always need 16 or 17 digits, so this costs two conversions where
 * a search from one digit up costs seventeen (export time was dominated by
 * it). Round-tripping is monotone in the digit count, so the result is the
 * same shortest representation. */
static const char *py_repr(etsim_arena *a, double v) {
    if (!isfinite(v)) return etsim_py_float_repr(a, v);
    char tmp[40];
    int p = 17;
    snprintf(tmp, sizeof tmp, "%.*e", 15, v);
    if (strtod(tmp, NULL) == v) {
        p = 16;
        snprintf(tmp, sizeof tmp, "%.*e", 14, v);
        if (strtod(tmp, NULL) == v) return etsim_py_float_repr(a, v); /* short: search from 1 */
    }
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
    char digits[24], out[48], *o = out;
    int nd = 0;
    const char *s = tmp + (tmp[0] == '-');
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9') digits[nd++] = *s;
    int exp = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (tmp[0] == '-') *o++ = '-';
    if (exp < -4 || exp >= 16) {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            for (int i = 1; i < nd; i++) *o++ = digits[i];
        }
        snprintf(o, (size_t)(out + sizeof out - o), "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else if (exp < 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -exp - 1; i++) *o++ = '0';
        for (int i = 0; i < nd; i++) *o++ = digits[i];
        *o = 0;
    } else {
        for (int i = 0; i <= exp; i++) *o++ = i < nd ? digits[i] : '0';
        *o++ = '.';
        if (nd > exp + 1)
            for (int i = exp + 1; i < nd; i++) *o++ = digits[i];
        else
            *o++ = '0';
        *o = 0;
    }
    return etsim_arena_strdup(a, out);
}

static void put_indent(etsim_sbuf *b, int level) {
    etsim_sbuf_putc(b, '\n');
    for (int i = 0; i < level; i++) etsim_sbuf_puts(b, "    ");
}

/* ---- export ---------------------------------------------------------------------- */
/* Formatted scores of the current problem, keyed by the double's bits: a
 * node's score repeats in the step_scores of every leaf below it. */
#define SCORE_CACHE 4096
typedef struct score_slot {
    uint64_t bits;
    uint32_t gen;
    const char *s;
} score_slot;

typedef struct exporter {
    const etsim_export_opts *o;
    score_slot cache[SCORE_CACHE];
    uint32_t gen;          /* current problem's generation (slots of older ones are empty) */
    etsim_arena cache_a;   /* their strings, reset per problem */
    etsim_export_stats *st;
    etsim_result_reader rr;
    etsim_arena a;
    etsim_sbuf b;
    const char **steps;
    int64_t cap_steps;
} exporter;

static const char *score_repr(exporter *x, double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t h = etsim_mix64(bits);
    for (uint32_t i = 0; i < 8; i++) { /* short probe; a miss just formats again */
        score_slot *sl = &x->cache[(h + i) & (SCORE_CACHE - 1)];
        if (sl->gen == x->gen && sl->bits == bits) return sl->s;
        if (sl->gen != x->gen) {
            sl->gen = x->gen;
            sl->bits = bits;
            sl->s = py_repr(&x->cache_a, v);
            return sl->s;
        }
    }
    return py_repr(&x->a, v);
}

static const char *leaf_text(exporter *x, const etsim_rr_problem *p, const etsim_rr_leaf *l) {
    etsim_extract_profile prof = x->st->profile;
    if (l->text) return l->text;
    const char *text = NULL;
    if (p->text) {
        etsim_grow((void **)&x->steps, &x->cap_steps, p->n_nodes, sizeof *x->steps);
        int32_t k = 0;
        for (int32_t u = l->node; u > 0; u = p->parent[u]) x->steps[k++] = p->text[u];
        for (int32_t i = 0, j = k - 1; i < j; i++, j--) {
            const char *t = x->steps[i];
            x->steps[i] = x->steps[j];
            x->steps[j] = t;
        }
        text = etsim_eval_join_text(&x->a, p->text[0], x->steps, k, prof);
    }
    if (text && l->answer) {
        const char *want = etsim_eval_leaf_answer(&x->a, l->answer, NULL, prof, ETSIM_GRADER_REFERENCE);
        const char *got = etsim_extract_answer(&x->a, text, prof, ETSIM_GRADER_REFERENCE);
        if (strcmp(want, got)) x->st->text_mismatch++;
    }
    if (text) return text;
    if (l->answer) {
        x->st->from_answer++;
        return etsim_eval_answer_text(&x->a, l->answer, prof);
    }
    x->st->no_answer++;
    return "";
}

static int problem_json(exporter *x, const etsim_rr_problem *p, etsim_err *err) {
    etsim_sbuf *b = &x->b;
    const char *question = p->question;
    if (x->o->dataset) {
        int32_t i = p->id ? etsim_bench_find(x->o->dataset, p->id, NULL) : -1;
        if (i < 0)
            return etsim_errf(err, "%s:%ld: problem %d: field \"id\" %s%s%s is not in the dataset", x->rr.path, p->line,
                              p->pos, p->id ? "\"" : "", p->id ? p->id : "(missing)", p->id ? "\"" : "");
        question = x->o->dataset->p[i].question;
    }
    if (!p->has_counters)
        return etsim_errf(err, "%s:%ld: problem %d: field \"counters\" missing", x->rr.path, p->line, p->pos);
    b->len = 0;
    x->gen++;
    etsim_arena_reset(&x->cache_a);
    etsim_sbuf_puts(b, x->st->problems ? ",\n    {" : "\n    {");
    put_indent(b, 2);
    etsim_sbuf_puts(b, "\"id\": ");
    etsim_sbuf_int(b, p->index);
    etsim_sbuf_putc(b, ',');
    put_indent(b, 2);
    etsim_sbuf_puts(b, "\"question\": ");
    etsim_sbuf_json_string_mode(b, question ? question : "", ETSIM_JSON_ASCII);
    etsim_sbuf_putc(b, ',');
    put_indent(b, 2);
    etsim_sbuf_puts(b, "\"model_answer\": [");
    for (int32_t i = 0; i < p->n_leaves; i++) {
        const etsim_rr_leaf *l = &p->leaves[i];
        etsim_sbuf_puts(b, i ? "," : "");
        put_indent(b, 3);
        etsim_sbuf_putc(b, '{');
        put_indent(b, 4);
        etsim_sbuf_puts(b, "\"text\": ");
        etsim_sbuf_json_string_mode(b, leaf_text(x, p, l), ETSIM_JSON_ASCII);
        etsim_sbuf_putc(b, ',');
        put_indent(b, 4);
        etsim_sbuf_puts(b, "\"step_scores\": [");
        for (int32_t j = 0; j < l->n_scores; j++) {
            if (j) etsim_sbuf_putc(b, ',');
            put_indent(b, 5);
            if (isnan(l->scores[j])) {
                etsim_sbuf_puts(b, "null");
            } else {
                etsim_sbuf_puts(b, score_repr(x, l->scores[j]));
            }
        }
        if (l->n_scores) put_indent(b, 4);
        etsim_sbuf_putc(b, ']');
        put_indent(b, 3);
        etsim_sbuf_putc(b, '}');
        etsim_arena_reset(&x->a);
    }
    if (p->n_leaves) put_indent(b, 2);
    etsim_sbuf_puts(b, "],");
    put_indent(b, 2);
    etsim_sbuf_puts(b, "\"ground_truth_answer\": ");
    etsim_sbuf_json_string_mode(b, p->answer, ETSIM_JSON_ASCII);
    etsim_sbuf_putc(b, ',');
    put_indent(b, 2);
    etsim_sbuf_puts(b, "\"total_tokens\": ");
    etsim_sbuf_int(b, p->counters.tokens_generated);
    put_indent(b, 1);
    etsim_sbuf_putc(b, '}');
    x->st->problems++;
    x->st->leaves += p->n_leaves;
    x->st->kv_tokens += p->counters.kv_tokens;
    x->st->model_calls += p->counters.model_calls;
    x->st->tokens_generated += p->counters.tokens_generated;
    return 0;
}

/* *created: the directory did not exist (removed again on failure) */
static int ensure_dir(const char *dir, int *created, etsim_err *err) {
    struct stat sb;
    *created = 0;
    if (!stat(dir, &sb)) return S_ISDIR(sb.st_mode) ? 0 : etsim_errf(err, "%s: exists and is not a directory", dir);
    if (mkdir(dir, 0777)) return etsim_errf(err, "%s: cannot create directory: %s", dir, strerror(errno));
    *created = 1;
    return 0;
}

static char *join_path(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = etsim_malloc(n);
    snprintf(p, n, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    return p;
}

int etsim_export_ets(const char *result_path, const etsim_export_opts *o, etsim_export_stats *st, etsim_err *err) {
    exporter *x = etsim_calloc(1, sizeof *x); /* the score cache is 96 KiB */
    memset(st, 0, sizeof *st);
    x->o = o;
    x->st = st;
    etsim_arena_init(&x->a);
    etsim_arena_init(&x->cache_a);
    etsim_atomic_file answers = {0}, stats = {0};
    char *answers_path = NULL, *stats_path = NULL;
    int rc = -1, committed = 0, created = 0;
    if (etsim_result_reader_open(&x->rr, result_path, ETSIM_RR_LEAVES | ETSIM_RR_NODES, err)) goto out;
    if (x->rr.format != ETSIM_RR_RESULT) {
        etsim_errf(err, "%s: is an ETS answers.json already; export needs an etsim result file", x->rr.path);
        goto out;
    }
    const char *fmt = o->answer_format ? o->answer_format : x->rr.answer_format;
    etsim_eval_opts eo = etsim_eval_opts_default();
    if (etsim_eval_profile(fmt, &eo, &st->profile, err)) {
        etsim_err_prefix(err, "%s: config.meta", x->rr.path);
        goto out;
    }
    if (ensure_dir(o->dir, &created, err)) goto out;
    answers_path = join_path(o->dir, "answers.json");
    stats_path = join_path(o->dir, "stats.log");
    if (etsim_atomic_open(&answers, answers_path, err) || etsim_atomic_open(&stats, stats_path, err)) goto out;
    fputc('[', answers.fp);
    etsim_rr_problem *p;
    int got;
    while ((got = etsim_result_reader_next(&x->rr, &p, err)) == 1) {
        if (problem_json(x, p, err)) goto out;
        fwrite(x->b.data, 1, (size_t)x->b.len, answers.fp);
    }
    if (got < 0) goto out;
    fputs(st->problems ? "\n]" : "]", answers.fp);
    const char *t = etsim_py_float_repr(&x->a, o->time_s);
    fprintf(stats.fp,
            "Total KV cache size: %lld\nNumber of Model Calls: %lld\nNumber of Tokens Generated: %lld\nTime: %s\n",
            (long long)st->kv_tokens, (long long)st->model_calls, (long long)st->tokens_generated, t);
    if (ferror(answers.fp) || ferror(stats.fp)) {
        etsim_errf(err, "%s: write failed", o->dir);
        goto out;
    }
    if (etsim_atomic_commit(&answers, err)) goto out;
    committed = 1;
    if (etsim_atomic_commit(&stats, err)) goto out;
    rc = 0;
out:
    if (rc && committed) unlink(answers_path); /* never leave one file without the other */
    if (answers.fp) etsim_atomic_abort(&answers);
    if (stats.fp) etsim_atomic_abort(&stats);
    if (rc && created) rmdir(o->dir);
    free(answers_path);
    free(stats_path);
    free(x->steps);
    etsim_sbuf_free(&x->b);
    etsim_arena_free(&x->a);
    etsim_arena_free(&x->cache_a);
    etsim_result_reader_close(&x->rr);
    free(x);
    return rc;
}
