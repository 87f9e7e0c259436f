/* import.c -- search-and-learn and ETS-harness imports (see import.h).
 * Both build etsim_tree's and hand them to the trace writer in increasing
 * problem index; the writer writes a temporary file that is renamed into
 * place only when at least one problem was imported and nothing failed, so
 * neither an error nor an import that skipped everything leaves a trace.
 *
 * One path builder (add_path) serves both text forms: a completion or leaf
 * text is cut into steps, and each step either reuses the parent's child
 * with the same text (a shared prefix) or becomes a new node. */
#include "sim/eval/import.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/eval/bench_data.h"
#include "sim/eval/jsonl.h"
#include "sim/core/json.h"
#include "sim/eval/sal_parse.h"
#include "sim/eval/score.h"
#include "traces/trace.h"

#define STEP_TAG "\xd0\xba\xd0\xb8" /* "ки": rebase.py's stop string (llemma, mistral) */

int32_t etsim_import_estimate_tokens(const char *text) {
    size_t n = text ? strlen(text) : 0;
    size_t t = (n + 3) / 4;
    return t < 1 ? 1 : t > 100000000 ? 100000000 : (int32_t)t;
}

/* ---- shared: skip bookkeeping and the path builder --------------------------- */
/* Remember the first reason of each kind for the "nothing imported" error. */
static void note_first(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note_first(char *dst, size_t n, const char *fmt, ...) {
    if (dst[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, n, fmt, ap);
    va_end(ap);
}

/* The error for an import that wrote nothing: why, with the first example
 * of each reason. */
static int nothing_imported(etsim_err *err, const char *in, const etsim_import_stats *st, const char *dataset,
                            const char *what) {
    const char *first_unknown = st->first_unknown, *first_skip = st->first_skip;
    if (st->rows == 0) return etsim_errf(err, "%s: no %s, nothing imported", in, what);
    if (st->skipped_unknown && !st->skipped_mismatch)
        return etsim_errf(err, "%s: nothing imported: none of its %d %s is a problem of %s (first: %s); "
                          "is --dataset the right file?", in, st->skipped_unknown, what, dataset, first_unknown);
    if (st->skipped_mismatch && !st->skipped_unknown)
        return etsim_errf(err, "%s: nothing imported: all %d %s skipped; first: %s", in, st->skipped_mismatch, what,
                          first_skip);
    return etsim_errf(err, "%s: nothing imported: %d %s not in %s (first: %s), %d skipped (first: %s)", in,
                      st->skipped_unknown, what, dataset ? dataset : "the dataset", first_unknown,
                      st->skipped_mismatch, first_skip);
}

static int32_t find_child(const etsim_tree *t, int32_t parent, const char *text, const double *score) {
    const etsim_node *p = &t->nodes[parent];
    for (int32_t k = 0; k < p->n_kids; k++) {
        const etsim_node *c = &t->nodes[p->kids[k]];
        const char *x = etsim_tree_text(t, p->kids[k]);
        if (!x || strcmp(x, text)) continue;
        if (score) { /* exact merging: the same score too, and never into a leaf */
            if (c->flags & ETSIM_NODE_LEAF) continue;
            bool have = c->flags & ETSIM_NODE_SCORED;
            if (have != !isnan(*score) || (have && c->score != (float)*score)) continue;
        }
        return p->kids[k];
    }
    return -1;
}

enum {
    /* search-and-learn: a step with the same text as a child of its parent
     * reuses it (completions ending alike share their last node too); a
     * differing score is counted and the first kept */
    MERGE_TEXT,
    /* ETS harness: a step reuses a child with the same text and the same
     * score, so every leaf keeps its step scores; the last step is always a
     * new node, as every listed leaf is a node of its own in the reference */
    MERGE_EXACT,
};

/* Add steps[0..n) below the root; returns the last node (the root if n = 0). */
static int32_t add_path(etsim_tree *t, const char *const *steps, const double *scores, int n, int mode,
                        etsim_import_stats *st) {
    int32_t cur = 0;
    for (int j = 0; j < n; j++) {
        double sc = scores[j];
        int32_t c = mode == MERGE_EXACT && j == n - 1 ? -1
                                                      : find_child(t, cur, steps[j], mode == MERGE_EXACT ? &sc : NULL);
        if (c >= 0) {
            st->merged_steps++;
            float have = t->nodes[c].score;
            if (!(isnan(have) && isnan(sc)) && have != (float)sc) st->score_conflicts++;
        } else {
            c = etsim_tree_add_child(t, cur, etsim_import_estimate_tokens(steps[j]));
            etsim_tree_set_text(t, c, steps[j]);
            if (!isnan(sc)) etsim_tree_set_score(t, c, (float)sc);
        }
        cur = c;
    }
    return cur;
}

/* ---- search-and-learn -------------------------------------------------------- */
/* number of "\n\n"-separated pieces (Python's len(s.split("\n\n"))) */
static int count_steps(const char *s) {
    int n = 1;
    for (const char *p = strstr(s, "\n\n"); p; p = strstr(p + 2, "\n\n")) n++;
    return n;
}

int etsim_sal_build_tree(const etsim_sal_row *r, int32_t index, etsim_tree *t, etsim_import_stats *st,
                         int *bad_completion) {
    for (int i = 0; i < r->n; i++)
        if (count_steps(r->completions[i]) != r->n_scores[i]) {
            if (bad_completion) *bad_completion = i;
            return 1;
        }
    etsim_tree_reset(t);
    etsim_problem_set(&t->prob, r->unique_id, r->problem, r->answer, r->subject, r->level);
    t->prob.index = index;
    t->prob.prompt_tokens = etsim_import_estimate_tokens(r->problem);
    int32_t root = etsim_tree_add_root(t, t->prob.prompt_tokens);
    etsim_arena a;
    etsim_arena_init(&a);
    for (int i = 0; i < r->n; i++) {
        int ns = r->n_scores[i];
        const char **steps = etsim_arena_alloc(&a, sizeof *steps * (size_t)(ns ? ns : 1));
        const char *p = r->completions[i];
        for (int j = 0; j < ns; j++) {
            const char *end = strstr(p, "\n\n");
            size_t len = end ? (size_t)(end - p) : strlen(p);
            steps[j] = etsim_arena_strndup(&a, p, len);
            p = end ? end + 2 : p + len;
        }
        int32_t cur = add_path(t, steps, r->scores[i], ns, MERGE_TEXT, st);
        if (cur != root) {
            t->nodes[cur].flags |= ETSIM_NODE_LEAF;
            if (!etsim_tree_answer(t, cur))
                etsim_tree_set_answer(t, cur, etsim_sal_extract_answer(&a, r->completions[i]));
        }
        etsim_arena_reset(&a);
    }
    etsim_arena_free(&a);
    st->nodes += t->n_nodes;
    return 0;
}

typedef struct order {
    int32_t index;
    int row;
} order;
static int order_cmp(const void *x, const void *y) {
    const order *a = x, *b = y;
    return a->index != b->index ? (a->index < b->index ? -1 : 1) : (a->row < b->row ? -1 : a->row > b->row);
}

static void fill_meta(etsim_meta *m, const char *dataset, const char *delim, const char *format, const char *settings) {
    memset(m, 0, sizeof *m);
    m->dataset = (char *)dataset;
    m->step_delimiter = (char *)delim;
    m->answer_format = (char *)format;
    m->settings_json = (char *)settings;
    m->tokens_estimated = 1;
}

int etsim_import_sal(const char *in, const etsim_import_opts *o, etsim_import_stats *st, etsim_err *err) {
    memset(st, 0, sizeof *st);
    etsim_sal_file f;
    etsim_bench_set ds = {0};
    etsim_trace_writer *w = NULL;
    order *ord = NULL;
    etsim_tree t;
    etsim_tree_init(&t, 0);
    int rc = -1;
    if (etsim_sal_read(in, &f, err)) {
        etsim_tree_free(&t);
        return -1;
    }
    if (o->dataset && etsim_bench_load_auto(o->dataset, &ds, err)) goto err;
    st->rows = f.n_rows;
    ord = etsim_calloc((size_t)(f.n_rows ? f.n_rows : 1), sizeof *ord);
    int n_ord = 0;
    for (int i = 0; i < f.n_rows; i++) {
        int32_t idx = i;
        if (o->dataset) {
            idx = etsim_bench_find(&ds, f.rows[i].unique_id, f.rows[i].problem);
            if (idx < 0) {
                st->skipped_unknown++;
                const char *uid = f.rows[i].unique_id ? f.rows[i].unique_id : "(no unique_id)";
                note_first(st->first_unknown, sizeof st->first_unknown, "line %ld, problem %.120s", f.rows[i].line,
                           uid);
                if (o->report)
                    fprintf(o->report, "skipped: %s:%ld: problem %s not found in %s\n", in, f.rows[i].line, uid,
                            o->dataset);
                continue;
            }
        }
        ord[n_ord].index = idx;
        ord[n_ord++].row = i;
    }
    qsort(ord, (size_t)n_ord, sizeof *ord, order_cmp);
    char settings[512];
    snprintf(settings, sizeof settings, "{\"source\":\"search-and-learn\",\"rows\":%d}", f.n_rows);
    etsim_meta meta;
    fill_meta(&meta, o->dataset ? (ds.kind == ETSIM_BENCH_GSM8K ? "gsm8k" : "math500") : "math500", "\n\n", "sal",
              settings);
    meta.n_problems = n_ord;
    w = etsim_trace_writer_open(o->out, &meta, 0, err);
    if (!w) goto err;
    int32_t last = -1;
    for (int k = 0; k < n_ord; k++) {
        const etsim_sal_row *r = &f.rows[ord[k].row];
        if (ord[k].index == last) { /* the same problem twice: keep the first */
            if (o->report) fprintf(o->report, "skipped: %s:%ld: duplicate of problem %d\n", in, r->line, last);
            st->skipped_duplicate++;
            continue;
        }
        int bad = -1;
        if (etsim_sal_build_tree(r, ord[k].index, &t, st, &bad)) {
            st->skipped_mismatch++;
            note_first(st->first_skip, sizeof st->first_skip, "line %ld: completion %d has %d steps but %d scores",
                       r->line, bad, count_steps(r->completions[bad]), r->n_scores[bad]);
            if (o->report)
                fprintf(o->report, "skipped: %s:%ld: completion %d has %d steps but %d scores\n", in, r->line, bad,
                        count_steps(r->completions[bad]), r->n_scores[bad]);
            continue;
        }
        if (o->dataset) { /* the dataset's own problem data wins */
            const etsim_bench_problem *p = &ds.p[ord[k].index];
            etsim_problem_set(&t.prob, p->id, p->question, p->answer, p->subject, p->level);
        }
        if (etsim_trace_writer_add(w, &t, err)) goto err;
        last = ord[k].index;
        st->imported++;
    }
    if (st->imported == 0) {
        nothing_imported(err, in, st, o->dataset, "rows");
        goto err;
    }
    rc = etsim_trace_writer_finish(w, err);
    w = NULL;
err:
    etsim_trace_writer_abort(w);
    free(ord);
    etsim_tree_free(&t);
    etsim_bench_free(&ds);
    etsim_sal_free(&f);
    return rc;
}

/* ---- ETS harness --------------------------------------------------------------- */
static bool blank(const char *s) {
    for (; *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r') return false;
    return true;
}

/* A leaf text after its prompt, cut right after each step tag (each
 * generation stops at it); text after the last tag is one more step, or,
 * when blank, the end of the last one. */
static const char **split_after_tag(etsim_arena *a, const char *body, int *n_out) {
    int cap = 1;
    for (const char *p = strstr(body, STEP_TAG); p; p = strstr(p + strlen(STEP_TAG), STEP_TAG)) cap++;
    const char **steps = etsim_arena_alloc(a, sizeof *steps * (size_t)cap);
    int n = 0;
    const char *p = body, *last = body, *q;
    while ((q = strstr(p, STEP_TAG))) {
        size_t len = (size_t)(q - p) + strlen(STEP_TAG);
        steps[n++] = etsim_arena_strndup(a, p, len);
        last = p;
        p += len;
    }
    if (*p && n && blank(p))
        steps[n - 1] = etsim_arena_strndup(a, last, strlen(last));
    else if (*p)
        steps[n++] = etsim_arena_strndup(a, p, strlen(p));
    *n_out = n;
    return steps;
}

/* One question of answers.json ({"id", "question", "model_answer": [{"text",
 * "step_scores"}], "ground_truth_answer", "total_tokens"}, rebase.py lines
 * 686-696). Returns 0, 1 when the question is skipped (why says so), -1 on
 * malformed input. */
static int ets_answers_tree(const char *where, const cJSON *q, int32_t index, const etsim_bench_problem *dsp,
                            const etsim_import_opts *o, etsim_tree *t, etsim_import_stats *st, char *why,
                            size_t why_n, etsim_err *err) {
    const cJSON *qs = cJSON_GetObjectItemCaseSensitive(q, "question");
    const cJSON *ma = cJSON_GetObjectItemCaseSensitive(q, "model_answer");
    const cJSON *gt = cJSON_GetObjectItemCaseSensitive(q, "ground_truth_answer");
    if (!cJSON_IsString(qs)) return etsim_errf(err, "%s: field \"question\" missing or not a string", where);
    if (!cJSON_IsArray(ma)) return etsim_errf(err, "%s: field \"model_answer\" missing or not a list", where);
    if (gt && !cJSON_IsNull(gt) && !cJSON_IsString(gt))
        return etsim_errf(err, "%s: field \"ground_truth_answer\" is not a string", where);
    const char *question = qs->valuestring;
    size_t qlen = strlen(question);
    etsim_tree_reset(t);
    if (dsp)
        etsim_problem_set(&t->prob, dsp->id, dsp->question, dsp->answer, dsp->subject, dsp->level);
    else
        etsim_problem_set(&t->prob, NULL, question, cJSON_IsString(gt) ? gt->valuestring : NULL, NULL, 0);
    t->prob.index = index;
    t->prob.prompt_tokens = etsim_import_estimate_tokens(question);
    etsim_tree_set_text(t, etsim_tree_add_root(t, t->prob.prompt_tokens), question);
    etsim_arena a;
    etsim_arena_init(&a);
    int rc = -1, n = cJSON_GetArraySize(ma);
    for (int i = 0; i < n; i++) {
        const cJSON *leaf = cJSON_GetArrayItem(ma, i);
        const cJSON *txt = cJSON_GetObjectItemCaseSensitive(leaf, "text");
        const cJSON *ss = cJSON_GetObjectItemCaseSensitive(leaf, "step_scores");
        if (!cJSON_IsString(txt)) {
            etsim_errf(err, "%s: model_answer[%d]: field \"text\" missing or not a string", where, i);
            goto done;
        }
        if (!cJSON_IsArray(ss)) {
            etsim_errf(err, "%s: model_answer[%d]: field \"step_scores\" missing or not a list", where, i);
            goto done;
        }
        int ns = cJSON_GetArraySize(ss);
        double *scores = etsim_arena_alloc(&a, sizeof *scores * (size_t)(ns ? ns : 1));
        for (int j = 0; j < ns; j++) {
            const cJSON *x = cJSON_GetArrayItem(ss, j);
            if (!cJSON_IsNumber(x) && !cJSON_IsNull(x)) {
                etsim_errf(err, "%s: model_answer[%d]: step_scores[%d] is not a number", where, i, j);
                goto done;
            }
            scores[j] = cJSON_IsNumber(x) ? x->valuedouble : NAN;
        }
        const char *text = txt->valuestring;
        if (strncmp(text, question, qlen) || text[qlen] != '\n') {
            snprintf(why, why_n, "%s: model_answer[%d]: the text does not begin with the question and a newline "
                     "(rebase.py's prompt for llemma and mistral policies)", where, i);
            rc = 1;
            goto done;
        }
        int k;
        const char **steps = split_after_tag(&a, text + qlen + 1, &k);
        if (k != ns || ns == 0) {
            snprintf(why, why_n, "%s: model_answer[%d]: the text has %d steps (each ending in \"" STEP_TAG
                     "\") but %d step_scores", where, i, k, ns);
            rc = 1;
            goto done;
        }
        int32_t me = add_path(t, steps, scores, ns, MERGE_EXACT, st);
        t->nodes[me].flags |= ETSIM_NODE_LEAF;
        /* the reference extracts from the leaf's whole text */
        etsim_tree_set_answer(t, me, etsim_extract_answer(&a, text, o->extract, ETSIM_GRADER_REFERENCE));
        const char *again = etsim_eval_join_text(&a, question, steps, ns, o->extract);
        if (!again || strcmp(again, text)) st->text_not_rejoined++;
        etsim_arena_reset(&a);
    }
    st->leaves += n;
    st->from_answers++;
    if (n == 0) st->no_leaves++;
    st->nodes += t->n_nodes;
    rc = 0;
done:
    etsim_arena_free(&a);
    return rc;
}

/* ---- ETS harness node dumps (nodes_info) ---- */
typedef struct ets_node {
    long id, parent;
    int depth;
    const cJSON *j;
} ets_node;
static int ets_node_cmp(const void *x, const void *y) {
    const ets_node *a = x, *b = y;
    if (a->depth != b->depth) return a->depth < b->depth ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* One node dump ({"nodes_info": [{id, text, score, parent_id, depth, leaf}]}
 * or the bare list): the complete recorded search of one question. */
static int ets_nodes_tree(const char *path, const cJSON *doc, int32_t index, const etsim_bench_problem *dsp,
                          const etsim_import_opts *o, etsim_tree *t, etsim_import_stats *st, etsim_err *err) {
    const cJSON *list = cJSON_IsArray(doc) ? doc : cJSON_GetObjectItemCaseSensitive(doc, "nodes_info");
    int rc = -1, n = cJSON_GetArraySize(list);
    ets_node *nodes = NULL;
    int32_t *map = NULL;
    const char **full = NULL;
    etsim_arena a;
    etsim_arena_init(&a);
    if (!cJSON_IsArray(list) || n == 0) {
        etsim_errf(err, "%s: neither \"model_answer\" (answers.json) nor a non-empty \"nodes_info\"", path);
        goto done;
    }
    nodes = etsim_calloc((size_t)n, sizeof *nodes);
    for (int i = 0; i < n; i++) {
        const cJSON *x = cJSON_GetArrayItem(list, i);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(x, "id");
        const cJSON *par = cJSON_GetObjectItemCaseSensitive(x, "parent_id");
        const cJSON *dep = cJSON_GetObjectItemCaseSensitive(x, "depth");
        if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble >= n) {
            etsim_errf(err, "%s: node %d: field \"id\" missing or not in 0..%d", path, i, n - 1);
            goto done;
        }
        if (par && !cJSON_IsNull(par) && !cJSON_IsNumber(par)) {
            etsim_errf(err, "%s: node %d: field \"parent_id\" is not a number", path, i);
            goto done;
        }
        /* (checked first: a number beyond long/int would overflow the casts) */
        if (cJSON_IsNumber(par) && par->valuedouble >= n) {
            etsim_errf(err, "%s: node %d: field \"parent_id\" %g names no node (ids are 0..%d)", path, i,
                       par->valuedouble, n - 1);
            goto done;
        }
        if (cJSON_IsNumber(dep) && !(fabs(dep->valuedouble) < 1e9)) {
            etsim_errf(err, "%s: node %d: field \"depth\" %g is out of range", path, i, dep->valuedouble);
            goto done;
        }
        nodes[i].id = (long)id->valuedouble;
        nodes[i].parent = cJSON_IsNumber(par) && par->valuedouble > -1 ? (long)par->valuedouble : -1;
        nodes[i].depth = cJSON_IsNumber(dep) ? (int)dep->valuedouble : 0;
        nodes[i].j = x;
    }
    qsort(nodes, (size_t)n, sizeof *nodes, ets_node_cmp);
    map = etsim_malloc(sizeof *map * (size_t)n);
    full = etsim_malloc(sizeof *full * (size_t)n);
    for (int i = 0; i < n; i++) map[i] = -1;
    etsim_tree_reset(t);
    t->prob.index = index;
    if (dsp) etsim_problem_set(&t->prob, dsp->id, dsp->question, dsp->answer, dsp->subject, dsp->level);
    for (int i = 0; i < n; i++) {
        const ets_node *x = &nodes[i];
        if (map[x->id] >= 0) {
            etsim_errf(err, "%s: node %ld: duplicate id", path, x->id);
            goto done;
        }
        const cJSON *txt = cJSON_GetObjectItemCaseSensitive(x->j, "text");
        const char *text = cJSON_IsString(txt) ? txt->valuestring : "";
        int32_t me;
        if (x->parent < 0) {
            if (t->n_nodes) {
                etsim_errf(err, "%s: node %ld: a second root (parent_id null)", path, x->id);
                goto done;
            }
            me = etsim_tree_add_root(t, etsim_import_estimate_tokens(dsp ? t->prob.question : text));
            t->prob.prompt_tokens = t->nodes[me].step_tokens;
        } else {
            if (x->parent >= n || map[x->parent] < 0) {
                etsim_errf(err, "%s: node %ld: field \"parent_id\" %ld names no earlier node", path, x->id, x->parent);
                goto done;
            }
            /* The harness dumps state.text(): the whole text so far. The
             * step is what follows the parent's text. */
            const char *ptext = full[map[x->parent]];
            size_t plen = strlen(ptext);
            const char *step = strncmp(text, ptext, plen) == 0 ? text + plen : text;
            if (step == text && plen) st->text_not_prefix++;
            me = etsim_tree_add_child(t, map[x->parent], etsim_import_estimate_tokens(step));
            full[me] = text;
            map[x->id] = me;
            etsim_tree_set_text(t, me, step);
        }
        if (x->parent < 0) {
            full[me] = text;
            map[x->id] = me;
            etsim_tree_set_text(t, me, text);
        }
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(x->j, "score");
        if (cJSON_IsNumber(sc) && me != 0) etsim_tree_set_score(t, me, (float)sc->valuedouble);
        const cJSON *leaf = cJSON_GetObjectItemCaseSensitive(x->j, "leaf");
        if (cJSON_IsTrue(leaf) && me != 0) {
            t->nodes[me].flags |= ETSIM_NODE_LEAF;
            st->leaves++;
            /* the reference extracts from the node's whole text */
            etsim_tree_set_answer(t, me, etsim_extract_answer(&a, text, o->extract, ETSIM_GRADER_REFERENCE));
            etsim_arena_reset(&a);
        }
    }
    if (t->n_nodes == 0) {
        etsim_errf(err, "%s: no root node (parent_id null)", path);
        goto done;
    }
    st->nodes += t->n_nodes;
    rc = 0;
done:
    etsim_arena_free(&a);
    free(map);
    free(full);
    free(nodes);
    return rc;
}


/* ---- ETS import driver ------------------------------------------------------- */
/* One question: a record of answers.json, or one answer_q{id}.json file
 * (parsed again when its turn comes, so only one file is held at a time). */
typedef struct ets_rec {
    long qid;            /* the record's "id", or the file name's            */
    int32_t index;       /* problem index in the trace                       */
    int pos;             /* order read (ties)                                */
    char *path;          /* answer_q{id}.json, or NULL                        */
    const cJSON *obj;    /* the record of answers.json, or NULL               */
} ets_rec;
static int ets_rec_cmp(const void *x, const void *y) {
    const ets_rec *a = x, *b = y;
    if (a->index != b->index) return a->index < b->index ? -1 : 1;
    int c = a->path && b->path ? strcmp(a->path, b->path) : 0; /* not readdir's order */
    return c ? c : (a->pos < b->pos ? -1 : a->pos > b->pos);
}

static cJSON *load_json(const char *path, etsim_err *err) {
    size_t len;
    char *buf = etsim_read_file(path, &len, err);
    if (!buf) return NULL;
    len = etsim_json_decode_nul_escapes(buf, len); /* keep a text's \u0000, as Python does */
    cJSON *doc = etsim_json_parse(buf, len, path, err); /* sim/core/json.h's policy */
    free(buf);
    return doc;
}

/* answers form (model_answer) or node dump (nodes_info, or a bare node list) */
static bool is_answers_record(const cJSON *x) {
    return cJSON_IsObject(x) && !cJSON_GetObjectItemCaseSensitive(x, "nodes_info") &&
           cJSON_GetObjectItemCaseSensitive(x, "model_answer");
}

/* Where the record's question sits in the dataset: its id when the
 * question there is the same (or a node dump, which has no question field),
 * else the problem with that question; -1 when none. */
static int32_t ets_dataset_index(const etsim_bench_set *ds, long qid, const cJSON *x) {
    const cJSON *q = is_answers_record(x) ? cJSON_GetObjectItemCaseSensitive(x, "question") : NULL;
    if (!cJSON_IsString(q)) return qid < ds->n ? (int32_t)qid : -1;
    if (qid < ds->n && ds->p[qid].question && !strcmp(ds->p[qid].question, q->valuestring)) return (int32_t)qid;
    return etsim_bench_find(ds, NULL, q->valuestring);
}

typedef struct ets_ctx {
    const etsim_import_opts *o;
    etsim_import_stats *st;
    etsim_bench_set ds;
    ets_rec *recs;
    int n;
    int64_t cap;
    cJSON *doc;          /* answers.json, when that is the input              */
    bool answers_form;   /* some record is in the answers form                */
} ets_ctx;

/* Pass 1 over one record: its id and problem index. */
static int ets_add_rec(ets_ctx *c, const char *where, long qid, char *path, const cJSON *obj, etsim_err *err) {
    if (c->o->dataset) {
        int32_t idx = ets_dataset_index(&c->ds, qid, obj);
        if (idx < 0) {
            c->st->skipped_unknown++;
            const cJSON *q = cJSON_GetObjectItemCaseSensitive(obj, "question");
            note_first(c->st->first_unknown, sizeof c->st->first_unknown, "%s, question %ld \"%.60s%s\"", where, qid,
                       cJSON_IsString(q) ? q->valuestring : "",
                       cJSON_IsString(q) && strlen(q->valuestring) > 60 ? "..." : "");
            if (c->o->report)
                fprintf(c->o->report, "skipped: %s: question %ld not found in %s\n", where, qid, c->o->dataset);
            free(path);
            return 0;
        }
        qid = idx;
    } else if (qid > INT32_MAX) {
        free(path);
        return etsim_errf(err, "%s: question id %ld is too large", where, qid);
    }
    if (is_answers_record(obj)) c->answers_form = true;
    etsim_grow((void **)&c->recs, &c->cap, c->n + 1, sizeof *c->recs);
    c->recs[c->n] = (ets_rec){qid, (int32_t)qid, c->n, path, path ? NULL : obj};
    c->n++;
    return 0;
}

/* The question number in a file name answer_q{id}.json, or -1. */
static long qid_of_name(const char *name) {
    const char *base = strrchr(name, '/');
    const char *s = base ? base + 1 : name;
    long q;
    int end = 0;
    if (strncmp(s, "answer_q", 8) || s[8] < '0' || s[8] > '9') return -1;
    if (sscanf(s, "answer_q%ld.json%n", &q, &end) != 1 || end == 0 || s[end] || q < 0) return -1;
    return q;
}

static int ets_read_dir(ets_ctx *c, const char *dir, DIR *d, etsim_err *err) {
    struct dirent *e;
    while ((e = readdir(d))) {
        long q = qid_of_name(e->d_name);
        if (q < 0) continue;
        size_t pl = strlen(dir) + strlen(e->d_name) + 2;
        char *path = etsim_malloc(pl);
        snprintf(path, pl, "%s/%s", dir, e->d_name);
        c->st->rows++;
        cJSON *doc = load_json(path, err);
        if (!doc) {
            free(path);
            return -1;
        }
        const cJSON *id = is_answers_record(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "id") : NULL;
        int rc = 0;
        if (id && !(cJSON_IsNumber(id) && id->valuedouble == (double)q)) {
            rc = etsim_errf(err, "%s: field \"id\" is not %ld, the number in the file name", path, q);
            free(path);
        } else {
            rc = ets_add_rec(c, path, q, path, doc, err);
        }
        cJSON_Delete(doc);
        if (rc) return -1;
    }
    return 0;
}

/* A file: answers.json (a list of questions), one question of it, or one
 * node dump (its question number from the file name, else 0). */
static int ets_read_file(ets_ctx *c, const char *path, etsim_err *err) {
    c->doc = load_json(path, err);
    if (!c->doc) return -1;
    bool list = cJSON_IsArray(c->doc);
    const cJSON *first = list ? cJSON_GetArrayItem(c->doc, 0) : c->doc;
    if (!list || (first && !is_answers_record(first) && cJSON_GetObjectItemCaseSensitive(first, "parent_id"))) {
        if (!is_answers_record(c->doc)) {
            long q = qid_of_name(path);
            c->st->rows++;
            return ets_add_rec(c, path, q < 0 ? 0 : q, NULL, c->doc, err);
        }
    }
    int n = list ? cJSON_GetArraySize(c->doc) : 1;
    for (int i = 0; i < n; i++) {
        const cJSON *x = list ? cJSON_GetArrayItem(c->doc, i) : c->doc;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(x, "id");
        char where[600];
        snprintf(where, sizeof where, "%s: record %d", path, i);
        c->st->rows++;
        if (!is_answers_record(x))
            return etsim_errf(err, "%s: not a question of answers.json (fields \"question\", \"model_answer\")",
                              where);
        if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble > 2e9 ||
            id->valuedouble != (double)(long)id->valuedouble)
            return etsim_errf(err, "%s: field \"id\" missing or not a whole number >= 0", where);
        if (ets_add_rec(c, where, (long)id->valuedouble, NULL, x, err)) return -1;
    }
    return 0;
}

int etsim_import_ets(const char *in, const etsim_import_opts *o, etsim_import_stats *st, etsim_err *err) {
    memset(st, 0, sizeof *st);
    ets_ctx c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.st = st;
    int rc = -1;
    etsim_trace_writer *w = NULL;
    etsim_tree t;
    etsim_tree_init(&t, 0);
    cJSON *doc = NULL;
    char *answers_path = NULL;
    if (o->dataset && etsim_bench_load_auto(o->dataset, &c.ds, err)) goto err;
    struct stat sb;
    if (stat(in, &sb) != 0) {
        etsim_errf(err, "%s: cannot open", in);
        goto err;
    }
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(in);
        if (!d) {
            etsim_errf(err, "%s: cannot open directory", in);
            goto err;
        }
        int r = ets_read_dir(&c, in, d, err);
        closedir(d);
        if (r) goto err;
        if (st->rows == 0) { /* no per-question files: the run's answers.json */
            answers_path = etsim_malloc(strlen(in) + 16);
            sprintf(answers_path, "%s/answers.json", in);
            if (stat(answers_path, &sb) != 0) {
                etsim_errf(err, "%s: neither answer_q{id}.json files nor answers.json", in);
                goto err;
            }
            if (ets_read_file(&c, answers_path, err)) goto err;
        }
    } else if (ets_read_file(&c, in, err)) {
        goto err;
    }
    if (c.n) qsort(c.recs, (size_t)c.n, sizeof *c.recs, ets_rec_cmp);
    etsim_meta meta;
    fill_meta(&meta, o->dataset ? (c.ds.kind == ETSIM_BENCH_GSM8K ? "gsm8k" : "math500") : "math500",
              c.answers_form ? STEP_TAG : NULL, (char *)etsim_extract_profile_name(o->extract),
              "{\"source\":\"ets-harness\"}");
    meta.n_problems = c.n;
    w = etsim_trace_writer_open(o->out, &meta, 0, err);
    if (!w) goto err;
    int32_t last = -1;
    for (int i = 0; i < c.n; i++) {
        const ets_rec *r = &c.recs[i];
        char where[600];
        if (r->path)
            snprintf(where, sizeof where, "%s", r->path);
        else
            snprintf(where, sizeof where, "%s: record %d", answers_path ? answers_path : in, r->pos);
        if (r->index == last) { /* the same question twice: keep the first */
            st->skipped_duplicate++;
            if (o->report) fprintf(o->report, "skipped: %s: duplicate of problem %d\n", where, last);
            continue;
        }
        const cJSON *x = r->obj;
        if (r->path) {
            cJSON_Delete(doc);
            if (!(doc = load_json(r->path, err))) goto err;
            x = doc;
        }
        const etsim_bench_problem *dsp = o->dataset ? &c.ds.p[r->index] : NULL;
        char why[ETSIM_ERR_MAX] = "";
        int b = is_answers_record(x) ? ets_answers_tree(where, x, r->index, dsp, o, &t, st, why, sizeof why, err)
                                     : ets_nodes_tree(where, x, r->index, dsp, o, &t, st, err);
        if (b < 0) goto err;
        if (b > 0) {
            st->skipped_mismatch++;
            note_first(st->first_skip, sizeof st->first_skip, "%s", why);
            if (o->report) fprintf(o->report, "skipped: %s\n", why);
            continue;
        }
        if (etsim_trace_writer_add(w, &t, err)) goto err;
        last = r->index;
        st->imported++;
    }
    if (st->imported == 0) {
        nothing_imported(err, answers_path ? answers_path : in, st, o->dataset, "questions");
        goto err;
    }
    rc = etsim_trace_writer_finish(w, err);
    w = NULL;
err:
    etsim_trace_writer_abort(w);
    for (int i = 0; i < c.n; i++) free(c.recs[i].path);
    free(c.recs);
    free(answers_path);
    cJSON_Delete(doc);
    cJSON_Delete(c.doc);
    etsim_tree_free(&t);
    etsim_bench_free(&c.ds);
    return rc;
}
