/* import.c -- search-and-learn and ETS-harness imports (see import.h).
 * Both build etsim_tree's and hand them to the trace writer in increasing
 * problem index; any error aborts the writer so no partial trace appears. */
#include "sim/eval/import.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/eval/bench_data.h"
#include "sim/eval/sal_parse.h"
#include "traces/trace.h"

int32_t etsim_import_estimate_tokens(const char *text) {
    size_t n = text ? strlen(text) : 0;
    size_t t = (n + 3) / 4;
    return t < 1 ? 1 : t > 100000000 ? 100000000 : (int32_t)t;
}

/* number of "\n\n"-separated pieces (Python's len(s.split("\n\n"))) */
static int count_steps(const char *s) {
    int n = 1;
    for (const char *p = strstr(s, "\n\n"); p; p = strstr(p + 2, "\n\n")) n++;
    return n;
}

static int32_t find_child(const etsim_tree *t, int32_t parent, const char *text) {
    const etsim_node *p = &t->nodes[parent];
    for (int32_t k = 0; k < p->n_kids; k++) {
        const char *x = etsim_tree_text(t, p->kids[k]);
        if (x && !strcmp(x, text)) return p->kids[k];
    }
    return -1;
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
        int32_t cur = root;
        const char *p = r->completions[i];
        for (int j = 0; j < r->n_scores[i]; j++) {
            const char *end = strstr(p, "\n\n");
            size_t len = end ? (size_t)(end - p) : strlen(p);
            const char *step = etsim_arena_strndup(&a, p, len);
            p = end ? end + 2 : p + len;
            double sc = r->scores[i][j];
            int32_t c = find_child(t, cur, step);
            if (c >= 0) {
                st->merged_steps++;
                float have = t->nodes[c].score;
                if (!(isnan(have) && isnan(sc)) && have != (float)sc) st->score_conflicts++;
            } else {
                c = etsim_tree_add_child(t, cur, etsim_import_estimate_tokens(step));
                etsim_tree_set_text(t, c, step);
                if (!isnan(sc)) etsim_tree_set_score(t, c, (float)sc);
            }
            cur = c;
        }
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
                if (o->report)
                    fprintf(o->report, "skipped: %s:%ld: problem %s not found in %s\n", in, f.rows[i].line,
                            f.rows[i].unique_id ? f.rows[i].unique_id : "(no unique_id)", o->dataset);
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
            st->skipped_unknown++;
            continue;
        }
        int bad = -1;
        if (etsim_sal_build_tree(r, ord[k].index, &t, st, &bad)) {
            st->skipped_mismatch++;
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

/* ---- ETS harness node dumps ---------------------------------------------------- */
typedef struct ets_file {
    long qid;
    char *path;
} ets_file;
static int ets_file_cmp(const void *x, const void *y) {
    const ets_file *a = x, *b = y;
    return a->qid < b->qid ? -1 : a->qid > b->qid;
}

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

static int ets_tree(const char *path, long qid, const etsim_bench_set *ds, const etsim_import_opts *o, etsim_tree *t,
                    etsim_import_stats *st, etsim_err *err) {
    size_t len;
    char *buf = etsim_read_file(path, &len, err);
    if (!buf) return -1;
    cJSON *doc = cJSON_Parse(buf);
    free(buf);
    if (!doc) return etsim_errf(err, "%s: malformed JSON", path);
    const cJSON *list = cJSON_IsArray(doc) ? doc : cJSON_GetObjectItemCaseSensitive(doc, "nodes_info");
    int rc = -1, n = cJSON_GetArraySize(list);
    ets_node *nodes = NULL;
    int32_t *map = NULL;
    const char **full = NULL;
    etsim_arena a;
    etsim_arena_init(&a);
    if (!cJSON_IsArray(list) || n == 0) {
        etsim_errf(err, "%s: field \"nodes_info\" missing or empty", path);
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
    t->prob.index = (int32_t)qid;
    if (ds) {
        const etsim_bench_problem *p = &ds->p[qid];
        etsim_problem_set(&t->prob, p->id, p->question, p->answer, p->subject, p->level);
    }
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
            me = etsim_tree_add_root(t, ds ? etsim_import_estimate_tokens(t->prob.question) : etsim_import_estimate_tokens(text));
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
    cJSON_Delete(doc);
    return rc;
}

int etsim_import_ets(const char *dir, const etsim_import_opts *o, etsim_import_stats *st, etsim_err *err) {
    memset(st, 0, sizeof *st);
    etsim_bench_set ds = {0};
    ets_file *files = NULL;
    int n = 0, rc = -1;
    int64_t cap = 0;
    etsim_trace_writer *w = NULL;
    etsim_tree t;
    etsim_tree_init(&t, 0);
    DIR *d = opendir(dir);
    if (!d) return etsim_errf(err, "%s: cannot open directory", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        long q;
        char tail[8];
        if (sscanf(e->d_name, "answer_q%ld.jso%1[n]", &q, tail) != 2 || q < 0) continue;
        etsim_grow((void **)&files, &cap, n + 1, sizeof *files);
        size_t pl = strlen(dir) + strlen(e->d_name) + 2;
        files[n].path = etsim_malloc(pl);
        snprintf(files[n].path, pl, "%s/%s", dir, e->d_name);
        files[n++].qid = q;
    }
    closedir(d);
    if (n == 0) {
        etsim_errf(err, "%s: no answer_q{id}.json files", dir);
        goto err;
    }
    qsort(files, (size_t)n, sizeof *files, ets_file_cmp);
    if (o->dataset && etsim_bench_load_auto(o->dataset, &ds, err)) goto err;
    etsim_meta meta;
    fill_meta(&meta, o->dataset ? (ds.kind == ETSIM_BENCH_GSM8K ? "gsm8k" : "math500") : "math500", NULL,
              (char *)etsim_extract_profile_name(o->extract), "{\"source\":\"ets-harness\"}");
    meta.n_problems = n;
    w = etsim_trace_writer_open(o->out, &meta, 0, err);
    if (!w) goto err;
    for (int i = 0; i < n; i++) {
        st->rows++;
        if (i && files[i].qid == files[i - 1].qid) continue;
        if (o->dataset && files[i].qid >= ds.n) {
            etsim_errf(err, "%s: question %ld is beyond the %d problems of %s", files[i].path, files[i].qid, ds.n,
                       o->dataset);
            goto err;
        }
        if (ets_tree(files[i].path, files[i].qid, o->dataset ? &ds : NULL, o, &t, st, err)) goto err;
        if (etsim_trace_writer_add(w, &t, err)) goto err;
        st->imported++;
    }
    rc = etsim_trace_writer_finish(w, err);
    w = NULL;
err:
    etsim_trace_writer_abort(w);
    for (int i = 0; i < n; i++) free(files[i].path);
    free(files);
    etsim_tree_free(&t);
    etsim_bench_free(&ds);
    return rc;
}
