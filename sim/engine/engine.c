/* engine.c -- the search loop (see engine.h for the semantics, which follow
 * SqueezeAILab/ETS rebase.py: select_and_expand / insert / get_kv_size).
 *
 * How it works. The loop is a resumable state machine (etsim_search):
 * `frontier` holds the nodes of the current depth in insertion order. Each
 * depth: retire leaves and over-long nodes, build the selector's view
 * (candidates plus all ancestors, ordered by node id, which puts parents
 * first because the arena only ever appends children after their parent),
 * log the decision and the KV metric, then walk the expansions in fork
 * order. Where the walk needs children the tree does not hold, the step
 * returns them as needs and keeps its place (the selection and the index
 * of the expansion); the next step takes the driver's answers and walks on,
 * so every selection is made exactly once however often the search stops.
 * Children the source cannot supply are handled by the --on-missing
 * policy: an error, truncation, or clones of recorded siblings (a clone
 * copies its source's data and mirrors the source's own children when
 * expanded). etsim_search_problem drives the machine with an oracle. */
#include "sim/engine/engine.h"
#include "sim/core/prof.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void etsim_search_config_init(etsim_search_config *c, const etsim_selector *sel,
                              int32_t width) {
    memset(c, 0, sizeof *c);
    c->width = width;
    c->max_tokens = 1024;
    c->max_expansions = 25;
    c->on_missing = ETSIM_MISSING_ERROR;
    c->root_tokens = ETSIM_ROOT_PROMPT;
    etsim_sel_config_init(&c->sel, sel);
}

static int parse_int(const char *key, const char *value, int32_t min, int32_t *out,
                     etsim_err *err) {
    char *end = NULL;
    long v = strtol(value, &end, 10);
    if (!value[0] || *end || v < min || v > 1000000000L)
        return etsim_errf(err, "parameter %s: '%s' is not an integer >= %d", key, value, min);
    *out = (int32_t)v;
    return 0;
}

int etsim_search_config_set(etsim_search_config *c, const char *key, const char *value,
                            etsim_err *err) {
    if (!strcmp(key, "max_tokens")) return parse_int(key, value, 1, &c->max_tokens, err);
    if (!strcmp(key, "max_expansions") || !strcmp(key, "max_depth"))
        return parse_int(key, value, 1, &c->max_expansions, err);
    if (!strcmp(key, "width")) return parse_int(key, value, 1, &c->width, err);
    if (!strcmp(key, "root_tokens")) {
        if (!strcmp(value, "prompt")) c->root_tokens = ETSIM_ROOT_PROMPT;
        else if (!strcmp(value, "reference")) c->root_tokens = ETSIM_ROOT_REFERENCE;
        else return etsim_errf(err, "parameter root_tokens: '%s' is not prompt|reference", value);
        return 0;
    }
    if (!strcmp(key, "kv_metric")) {
        if (!strcmp(value, "union")) c->kv_metric = ETSIM_KV_UNION;
        else if (!strcmp(value, "reference")) c->kv_metric = ETSIM_KV_REFERENCE;
        else return etsim_errf(err, "parameter kv_metric: '%s' is not union|reference", value);
        return 0;
    }
    if (!strcmp(key, "on_missing")) {
        if (!strcmp(value, "error")) c->on_missing = ETSIM_MISSING_ERROR;
        else if (!strcmp(value, "truncate")) c->on_missing = ETSIM_MISSING_TRUNCATE;
        else if (!strcmp(value, "resample")) c->on_missing = ETSIM_MISSING_RESAMPLE;
        else
            return etsim_errf(err, "parameter on_missing: '%s' is not error|truncate|resample",
                              value);
        return 0;
    }
    return etsim_sel_config_set(&c->sel, key, value, err);
}

void etsim_counters_add(etsim_counters *acc, const etsim_counters *c) {
    acc->model_calls += c->model_calls;
    acc->tokens_generated += c->tokens_generated;
    acc->kv_tokens += c->kv_tokens;
    acc->selections += c->selections;
    acc->nodes_generated += c->nodes_generated;
    acc->dropped_unscored += c->dropped_unscored;
    acc->retired_leaf += c->retired_leaf;
    acc->retired_length += c->retired_length;
    acc->missing_children += c->missing_children;
    acc->resampled_children += c->resampled_children;
    acc->no_leaf += c->no_leaf;
    acc->no_leaf_max_expansions += c->no_leaf_max_expansions;
    acc->no_leaf_max_tokens += c->no_leaf_max_tokens;
}

void etsim_problem_result_init(etsim_problem_result *r, int32_t emb_dim) {
    memset(r, 0, sizeof *r);
    etsim_tree_init(&r->tree, emb_dim);
}

/* Drop the logs of a previous search but keep the tree (`etsim synth` runs
 * several configurations over one growing tree). */
static void result_clear_logs(etsim_problem_result *r) {
    r->n_gen = 0;
    r->n_leaves = 0;
    r->n_logs = 0;
    r->n_log_nodes = 0;
    r->n_exp_total = 0;
    memset(&r->c, 0, sizeof r->c);
}

void etsim_problem_result_free(etsim_problem_result *r) {
    etsim_tree_free(&r->tree);
    free(r->gen_order);
    free(r->leaves);
    free(r->logs);
    free(r->log_nodes);
    free(r->log_scores);
    free(r->log_counts);
    free(r->log_tags);
    free(r->log_kept);
    free(r->log_cluster);
    free(r->exp_cand);
    free(r->exp_count);
    int32_t dim = r->tree.emb_dim;
    memset(r, 0, sizeof *r);
    r->tree.emb_dim = dim;
}

int64_t etsim_kv_union_tokens(const etsim_tree *t, const int32_t *nodes, int32_t n,
                              int32_t root_tokens, uint8_t *mark) {
    int64_t total = 0;
    for (int32_t i = 0; i < n; i++) {
        for (int32_t v = nodes[i]; v >= 0 && !mark[v]; v = t->nodes[v].parent) {
            mark[v] = 1;
            total += v == 0 ? root_tokens : t->nodes[v].step_tokens;
        }
    }
    for (int32_t i = 0; i < n; i++)
        for (int32_t v = nodes[i]; v >= 0 && mark[v]; v = t->nodes[v].parent) mark[v] = 0;
    return total;
}

/* ---- the search state ---------------------------------------------------------- */

enum { PHASE_SELECT = 0, PHASE_EXPAND, PHASE_DONE, PHASE_FAILED };

#define NEED_MORE (-2) /* ensure_children: the driver must supply children first */

struct etsim_search {
    const etsim_search_config *cfg;
    etsim_problem_result *res;
    etsim_tree *t;                /* res->tree, or a tree shared with others */
    int32_t problem;
    unsigned flags;
    int phase;
    etsim_err fail;               /* what a failed search repeats          */
    int32_t depth, remaining;
    int32_t prompt_tokens, root_tokens;
    /* Nodes left at the depth where max_expansions stopped the search:
     * would-be candidates, and nodes the length limit would have retired. */
    int32_t live_at_cut, long_at_cut;
    etsim_sel_output out;         /* the selection being expanded          */
    int32_t n_cand, exp_next;     /* its candidates; next expansion to walk */
    int32_t *frontier, *next;
    int64_t cap_frontier, cap_next;
    int32_t n_frontier, n_next;
    int32_t *cand;                /* candidate node ids this depth        */
    int64_t cap_cand;
    /* Per tree node (grown with the tree, which other searches may grow): */
    uint8_t *mark;                /* zeroed between uses                   */
    int32_t *view_index;          /* index in the view                     */
    int32_t *gen_kids;            /* children this search generated        */
    int32_t *tag;                 /* this search's selector tag (-1 none): kept
                                   * here, not in the tree, so searches sharing
                                   * a tree do not see each other's tags     */
    int32_t *ans_want, *ans_have; /* the last need answered for the node   */
    int64_t cap_nodes_scratch;
    etsim_sel_node *view;
    int64_t cap_view;
    int32_t *view_ids;
    int64_t cap_view_ids;
    int32_t *view_cand;
    int64_t cap_view_cand;
    int64_t work_selections;      /* selector calls, redone ones included  */
    int64_t work_ilp;             /* ... whose output has an objective     */
    etsim_search_need *need;      /* handed to the driver by step()        */
    int32_t n_need;
    int64_t cap_need;
    int need_open;                /* answers are due at the next step      */
};

/* Keep the per-node scratch arrays as long as the tree. New entries are
 * zero (tags -1). */
static void scratch_fit(etsim_search *s) {
    int64_t need = s->t->n_nodes;
    if (need <= s->cap_nodes_scratch) return;
    int64_t old = s->cap_nodes_scratch, cap = old ? old : 64;
    while (cap < need) cap *= 2;
    size_t n = (size_t)(cap - old);
    s->mark = etsim_realloc(s->mark, (size_t)cap);
    memset(s->mark + old, 0, n);
    int32_t **arrs[] = {&s->view_index, &s->gen_kids, &s->tag, &s->ans_want, &s->ans_have};
    for (size_t a = 0; a < sizeof arrs / sizeof *arrs; a++) {
        *arrs[a] = etsim_realloc(*arrs[a], (size_t)cap * sizeof(int32_t));
        memset(*arrs[a] + old, 0, n * sizeof(int32_t));
    }
    for (int64_t i = old; i < cap; i++) s->tag[i] = -1;
    s->cap_nodes_scratch = cap;
}

void etsim_search_abandon(etsim_search *s) {
    if (!s) return;
    etsim_sel_output_free(&s->out);
    free(s->frontier);
    free(s->next);
    free(s->cand);
    free(s->mark);
    free(s->view_index);
    free(s->gen_kids);
    free(s->tag);
    free(s->ans_want);
    free(s->ans_have);
    free(s->view);
    free(s->view_ids);
    free(s->view_cand);
    free(s->need);
    free(s);
}

static void push_i32(int32_t **arr, int64_t *cap, int32_t *n, int32_t v) {
    etsim_grow((void **)arr, cap, (int64_t)*n + 1, sizeof **arr);
    (*arr)[(*n)++] = v;
}

/* "problem P (id): " before a search's error. */
static int prefix_problem(const etsim_tree *t, int32_t problem, etsim_err *err) {
    const char *id = t->prob.id;
    return etsim_err_prefix(err, "problem %d%s%s%s", problem, id ? " (" : "", id ? id : "",
                            id ? ")" : "");
}

/* Make `node` a clone of recorded node `origin` (data shared by offset). */
static int32_t add_clone(etsim_tree *t, int32_t parent, int32_t origin) {
    int32_t id = etsim_tree_add_child(t, parent, t->nodes[origin].step_tokens);
    etsim_node *c = &t->nodes[id];
    const etsim_node *src = &t->nodes[origin];
    c->flags = src->flags | ETSIM_NODE_RESAMPLED;
    c->score = src->score;
    c->text_hash = src->text_hash;
    c->text_off = src->text_off;
    c->answer_off = src->answer_off;
    c->emb_row = src->emb_row;
    c->src = src->src >= 0 ? src->src : origin;
    return id;
}

static int recorded_kids(const etsim_tree *t, int32_t node) {
    const etsim_node *n = &t->nodes[node];
    int32_t k = 0;
    while (k < n->n_kids && !(t->nodes[n->kids[k]].flags & ETSIM_NODE_RESAMPLED)) k++;
    return k;
}

/* Ask the driver for the first `want` children of `node` (one entry per
 * node: the largest want). */
static void need_add(etsim_search *s, int32_t node, int32_t want) {
    for (int32_t i = 0; i < s->n_need; i++)
        if (s->need[i].node == node) {
            if (s->need[i].want < want) s->need[i].want = want;
            return;
        }
    etsim_grow((void **)&s->need, &s->cap_need, (int64_t)s->n_need + 1, sizeof *s->need);
    s->need[s->n_need++] = (etsim_search_need){node, want, -1};
}

/* Ensure node has `want` children under the missing-children policy;
 * returns how many are usable (<= want), NEED_MORE when the driver must
 * be asked first (nothing has changed then: calling again once it has
 * answered picks up at the same point), or -1. Where the old loop asked
 * the oracle, this asks the driver: its answer stands in for expand's
 * return value. */
static int ensure_children(etsim_search *s, int32_t node, int32_t want, etsim_err *err) {
    etsim_tree *t = s->t;
    if (t->nodes[node].n_kids >= want) return want;
    int32_t src = t->nodes[node].src;
    if (src >= 0) {
        /* A clone's children mirror its source's children, recursively
         * under the same policy. */
        int have = ensure_children(s, src, want, err);
        if (have < 0) return have;
        for (int32_t k = t->nodes[node].n_kids; k < have; k++)
            add_clone(t, node, t->nodes[src].kids[k]);
        return t->nodes[node].n_kids < want ? t->nodes[node].n_kids : want;
    }
    if (s->ans_want[node] < want) {
        need_add(s, node, want);
        return NEED_MORE;
    }
    int have = s->ans_have[node] < want ? s->ans_have[node] : want;
    if (have >= want) return want;
    s->res->c.missing_children += want - have;
    switch (s->cfg->on_missing) {
    case ETSIM_MISSING_ERROR:
        return etsim_errf(err, "node %d: %d children requested, only %d recorded "
                          "(use --on-missing truncate|resample)", node, want, have);
    case ETSIM_MISSING_TRUNCATE:
        return have;
    case ETSIM_MISSING_RESAMPLE: {
        int32_t rec = recorded_kids(t, node);
        if (rec == 0) return have;
        for (int32_t j = t->nodes[node].n_kids; j < want; j++) {
            add_clone(t, node, t->nodes[node].kids[(j - rec) % rec]);
            s->res->c.resampled_children++;
        }
        return want;
    }
    }
    return have;
}

/* Batch mode: the needs of the expansions after `first` (which has just
 * asked), as ensure_children would meet them if every earlier one were
 * met in full -- want counts the children earlier expansions of the same
 * candidate take (DVTS repeats candidates). Invalid expansions are left
 * for the walk to report. */
static void gather_needs(etsim_search *s, int32_t first) {
    const etsim_sel_output *out = &s->out;
    const etsim_tree *t = s->t;
    for (int32_t e = first + 1; e < out->n_exp; e++) {
        int32_t ci = out->exp_cand[e], count = out->exp_count[e];
        if (ci < 0 || ci >= s->n_cand || count <= 0) continue;
        int32_t v = s->cand[ci], want = s->gen_kids[v];
        for (int32_t j = first; j <= e; j++) {
            int32_t cj = out->exp_cand[j];
            if (cj >= 0 && cj < s->n_cand && out->exp_count[j] > 0 && s->cand[cj] == v)
                want += out->exp_count[j];
        }
        if (t->nodes[v].n_kids >= want) continue;
        int32_t target = t->nodes[v].src >= 0 ? t->nodes[v].src : v;
        if (t->nodes[target].n_kids < want && s->ans_want[target] < want)
            need_add(s, target, want);
    }
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Build the selector view: candidates and ancestors, by ascending node id. */
static void build_view(etsim_search *s, int32_t n_cand, etsim_sel_input *in) {
    etsim_tree *t = s->t;
    int32_t n_ids = 0;
    for (int32_t i = 0; i < n_cand; i++)
        for (int32_t v = s->cand[i]; v >= 0 && !s->mark[v]; v = t->nodes[v].parent) {
            s->mark[v] = 1;
            push_i32(&s->view_ids, &s->cap_view_ids, &n_ids, v);
        }
    /* A sort costs O(k log k) in the view size k; scanning marks would
     * cost O(tree), and a recorded tree can be far larger than the view. */
    qsort(s->view_ids, (size_t)n_ids, sizeof *s->view_ids, cmp_i32);
    etsim_grow((void **)&s->view, &s->cap_view, n_ids, sizeof *s->view);
    for (int32_t i = 0; i < n_ids; i++) {
        int32_t v = s->view_ids[i];
        const etsim_node *nd = &t->nodes[v];
        s->mark[v] = 0;
        s->view_index[v] = i;
        etsim_sel_node *sn = &s->view[i];
        sn->parent = nd->parent >= 0 ? s->view_index[nd->parent] : -1;
        sn->id = v;
        sn->step_tokens = v == 0 && s->cfg->root_tokens == ETSIM_ROOT_REFERENCE ? 2
                                                                                 : nd->step_tokens;
        sn->tag = s->tag[v];
        sn->score = nd->score;
        sn->text_hash = nd->text_hash;
        sn->text = etsim_tree_text(t, v);
        sn->embedding = etsim_tree_embedding(t, v);
    }
    etsim_grow((void **)&s->view_cand, &s->cap_view_cand, n_cand, sizeof *s->view_cand);
    for (int32_t i = 0; i < n_cand; i++) s->view_cand[i] = s->view_index[s->cand[i]];
    in->nodes = s->view;
    in->n_nodes = n_ids;
    in->cand = s->view_cand;
    in->n_cand = n_cand;
    in->emb_dim = t->emb_dim;
}

static void log_decision(etsim_search *s, const etsim_sel_input *in,
                         const etsim_sel_output *out, int64_t kv) {
    etsim_problem_result *r = s->res;
    int32_t n = in->n_cand;
    etsim_grow((void **)&r->logs, &r->cap_logs, r->n_logs + 1, sizeof *r->logs);
    int64_t need = r->n_log_nodes + n, cap;
    cap = r->cap_log_nodes;
    etsim_grow((void **)&r->log_nodes, &cap, need, sizeof *r->log_nodes);
    cap = r->cap_log_nodes;
    etsim_grow((void **)&r->log_scores, &cap, need, sizeof *r->log_scores);
    cap = r->cap_log_nodes;
    etsim_grow((void **)&r->log_counts, &cap, need, sizeof *r->log_counts);
    cap = r->cap_log_nodes;
    etsim_grow((void **)&r->log_tags, &cap, need, sizeof *r->log_tags);
    cap = r->cap_log_nodes;
    etsim_grow((void **)&r->log_kept, &cap, need, sizeof *r->log_kept);
    cap = r->cap_log_nodes;
    etsim_grow((void **)&r->log_cluster, &cap, need, sizeof *r->log_cluster);
    r->cap_log_nodes = cap;
    int64_t need_exp = r->n_exp_total + out->n_exp;
    cap = r->cap_exp;
    etsim_grow((void **)&r->exp_cand, &cap, need_exp, sizeof *r->exp_cand);
    cap = r->cap_exp;
    etsim_grow((void **)&r->exp_count, &cap, need_exp, sizeof *r->exp_count);
    r->cap_exp = cap;

    etsim_depth_log *lg = &r->logs[r->n_logs++];
    memset(lg, 0, sizeof *lg);
    lg->depth = in->depth;
    lg->width = in->width;
    lg->n_cand = n;
    lg->cand_off = r->n_log_nodes;
    lg->exp_off = r->n_exp_total;
    lg->n_exp = out->n_exp;
    lg->kv_tokens = kv;
    lg->has_kept = out->has_kept;
    lg->has_clusters = out->has_clusters;
    lg->has_objective = out->has_objective;
    lg->objective = out->objective;
    for (int32_t i = 0; i < n; i++) {
        int64_t k = r->n_log_nodes + i;
        r->log_nodes[k] = s->cand[i];
        r->log_scores[k] = s->t->nodes[s->cand[i]].score;
        r->log_counts[k] = 0;
        r->log_tags[k] = out->tags[i];
        r->log_kept[k] = out->kept[i];
        r->log_cluster[k] = out->cluster[i];
    }
    for (int32_t e = 0; e < out->n_exp; e++) {
        r->log_counts[r->n_log_nodes + out->exp_cand[e]] += out->exp_count[e];
        r->exp_cand[r->n_exp_total + e] = s->cand[out->exp_cand[e]];
        r->exp_count[r->n_exp_total + e] = out->exp_count[e];
    }
    r->n_log_nodes += n;
    r->n_exp_total += out->n_exp;
}

static void record_generated(etsim_search *s, int32_t child) {
    etsim_problem_result *r = s->res;
    const etsim_node *c = &s->t->nodes[child];
    s->tag[child] = s->tag[c->parent];
    r->c.model_calls++;
    r->c.nodes_generated++;
    r->c.tokens_generated += c->step_tokens;
    push_i32(&r->gen_order, &r->cap_gen, &r->n_gen, child);
    if (!(c->flags & ETSIM_NODE_SCORED)) {
        r->c.dropped_unscored++;
        return;
    }
    push_i32(&s->next, &s->cap_next, &s->n_next, child);
}

/* Steps 1-3 of a depth (engine.h): retire, then select and log. Leaves
 * the search in PHASE_EXPAND, or PHASE_DONE when nothing is left. */
static int select_depth(etsim_search *s, etsim_err *err) {
    const etsim_search_config *cfg = s->cfg;
    etsim_problem_result *r = s->res;
    etsim_tree *t = s->t;
    int32_t n_cand = 0;
    etsim_grow((void **)&s->cand, &s->cap_cand, s->n_frontier, sizeof *s->cand);
    for (int32_t i = 0; i < s->n_frontier; i++) {
        int32_t v = s->frontier[i];
        const etsim_node *nd = &t->nodes[v];
        /* cum_tokens includes the real prompt; the reference's root is 2. */
        int64_t cum = (int64_t)nd->cum_tokens - s->prompt_tokens + s->root_tokens;
        if (nd->flags & ETSIM_NODE_LEAF) {
            s->remaining--;
            r->c.retired_leaf++;
        } else if (cum >= cfg->max_tokens) {
            s->remaining--;
            r->c.retired_length++;
        } else {
            if (!isfinite(nd->score))
                return etsim_errf(err, "node %d: field score: %s PRM score", v,
                                  isnan(nd->score) ? "NaN" : "infinite");
            s->cand[n_cand++] = v;
        }
    }
    if (s->remaining <= 0 || n_cand == 0) {
        s->phase = PHASE_DONE;
        return 0;
    }
    etsim_sel_input in;
    memset(&in, 0, sizeof in);
    build_view(s, n_cand, &in);
    in.width = s->remaining;
    in.initial_width = cfg->width;
    in.depth = s->depth;
    etsim_sel_output *out = &s->out;
    etsim_sel_output_init(out, n_cand);
    for (int32_t i = 0; i < n_cand; i++) out->tags[i] = s->tag[s->cand[i]];
    int prof = etsim_prof_enabled();
    double t0 = prof ? etsim_prof_now() : 0.0;
    int sel_rc = cfg->sel.sel->select(&cfg->sel, &in, out, err);
    if (prof) etsim_prof_add(ETSIM_PROF_SELECT, etsim_prof_now() - t0);
    if (sel_rc < 0)
        return etsim_err_prefix(err, "depth %d: selector %s", s->depth, cfg->sel.sel->name);
    int64_t kv = etsim_kv_union_tokens(t, s->cand, n_cand, s->root_tokens, s->mark);
    if (cfg->kv_metric == ETSIM_KV_REFERENCE) /* see etsim_kv_metric */
        for (int32_t i = 0; i < n_cand; i++)
            kv += (int64_t)out->kv_extra[i] * t->nodes[s->cand[i]].step_tokens;
    r->c.kv_tokens += kv;
    r->c.selections++;
    s->work_selections++;
    s->work_ilp += out->has_objective != 0;
    log_decision(s, &in, out, kv);
    for (int32_t i = 0; i < n_cand; i++) s->tag[s->cand[i]] = out->tags[i];
    s->n_cand = n_cand;
    s->exp_next = 0;
    s->n_next = 0;
    s->phase = PHASE_EXPAND;
    return 0;
}

/* Step 4: fork the selection's expansions in order, from where the walk
 * stopped. Returns 0 when all are done, NEED_MORE when the driver must
 * supply children first, -1 on error. */
static int expand_selection(etsim_search *s, etsim_err *err) {
    const etsim_sel_output *out = &s->out;
    etsim_tree *t = s->t;
    for (; s->exp_next < out->n_exp; s->exp_next++) {
        int32_t ci = out->exp_cand[s->exp_next], count = out->exp_count[s->exp_next];
        if (ci < 0 || ci >= s->n_cand || count < 0)
            return etsim_errf(err, "depth %d: selector %s returned an invalid expansion",
                              s->depth, s->cfg->sel.sel->name);
        if (count == 0) continue;
        int32_t v = s->cand[ci];
        int32_t start = s->gen_kids[v], want = start + count;
        int have = ensure_children(s, v, want, err);
        if (have == NEED_MORE) {
            if (s->flags & ETSIM_SEARCH_BATCH) gather_needs(s, s->exp_next);
            return NEED_MORE;
        }
        if (have < 0) return -1;
        scratch_fit(s); /* clones may have grown the tree */
        for (int32_t k = start; k < have; k++) record_generated(s, t->nodes[v].kids[k]);
        s->gen_kids[v] = want;
    }
    return 0;
}

/* Step 5 and the move to the next depth: the generated children become
 * the frontier; stop after max_expansions selections. */
static void next_depth(etsim_search *s) {
    etsim_sel_output_free(&s->out);
    int32_t *tmp = s->frontier;
    int64_t tcap = s->cap_frontier;
    s->frontier = s->next;
    s->cap_frontier = s->cap_next;
    s->n_frontier = s->n_next;
    s->next = tmp;
    s->cap_next = tcap;
    if (s->depth + 1 >= s->cfg->max_expansions) {
        for (int32_t i = 0; i < s->n_frontier; i++) {
            const etsim_node *nd = &s->t->nodes[s->frontier[i]];
            int64_t cum = (int64_t)nd->cum_tokens - s->prompt_tokens + s->root_tokens;
            if (nd->flags & ETSIM_NODE_LEAF) continue;
            if (cum >= s->cfg->max_tokens) s->long_at_cut++;
            else s->live_at_cut++;
        }
        s->phase = PHASE_DONE;
        return;
    }
    s->depth++;
    s->phase = PHASE_SELECT;
}

/* The driver's answers to the needs handed out by the last step. */
static int take_answers(etsim_search *s, etsim_err *err) {
    if (!s->need_open) return 0;
    s->need_open = 0;
    for (int32_t i = 0; i < s->n_need; i++) {
        etsim_search_need *nd = &s->need[i];
        if (nd->have < 0)
            return etsim_errf(err, "node %d: the driver did not answer the need for %d children",
                              nd->node, nd->want);
        int32_t have = nd->have < nd->want ? nd->have : nd->want;
        if (have > s->t->nodes[nd->node].n_kids)
            return etsim_errf(err, "node %d: the driver answered %d children, the tree holds %d",
                              nd->node, have, s->t->nodes[nd->node].n_kids);
        s->ans_want[nd->node] = nd->want;
        s->ans_have[nd->node] = have;
    }
    s->n_need = 0;
    return 0;
}

/* The root's token count changed since the search began (a live server
 * reports the prompt's length with its first reply): what the search did
 * so far -- its first selection, which counted the root -- is redone with
 * the true count. Children already made stay in the tree. */
static void restart(etsim_search *s) {
    etsim_problem_result *r = s->res;
    result_clear_logs(r);
    etsim_sel_output_free(&s->out);
    memset(s->gen_kids, 0, (size_t)s->cap_nodes_scratch * sizeof *s->gen_kids);
    for (int64_t i = 0; i < s->cap_nodes_scratch; i++) s->tag[i] = -1;
    s->phase = PHASE_SELECT;
    s->depth = 0;
    s->remaining = s->cfg->width;
    s->live_at_cut = s->long_at_cut = 0;
    s->prompt_tokens = s->t->nodes[0].step_tokens;
    s->root_tokens = s->cfg->root_tokens == ETSIM_ROOT_REFERENCE ? 2 : s->prompt_tokens;
    s->n_frontier = 0;
    push_i32(&s->frontier, &s->cap_frontier, &s->n_frontier, 0);
    push_i32(&r->gen_order, &r->cap_gen, &r->n_gen, 0);
}

int etsim_search_step(etsim_search *s, etsim_search_need **need, int32_t *n_need,
                      etsim_err *err) {
    *need = NULL;
    *n_need = 0;
    if (s->phase == PHASE_FAILED) {
        if (err) *err = s->fail;
        return -1;
    }
    if (s->phase == PHASE_DONE) return ETSIM_SEARCH_DONE;
    scratch_fit(s); /* the driver (or another search) may have grown the tree */
    if (take_answers(s, err) < 0) goto fail;
    if (s->t->nodes[0].step_tokens != s->prompt_tokens) restart(s);
    while (s->phase != PHASE_DONE) {
        if (s->phase == PHASE_SELECT && select_depth(s, err) < 0) goto fail;
        if (s->phase != PHASE_EXPAND) break;
        int rc = expand_selection(s, err);
        if (rc == NEED_MORE) {
            s->need_open = 1;
            *need = s->need;
            *n_need = s->n_need;
            return ETSIM_SEARCH_NEED_CHILDREN;
        }
        if (rc < 0) goto fail;
        next_depth(s);
    }
    return ETSIM_SEARCH_DONE;
fail:
    prefix_problem(s->t, s->problem, err);
    if (err) s->fail = *err;
    else etsim_errf(&s->fail, "problem %d: search failed", s->problem);
    s->phase = PHASE_FAILED;
    return -1;
}

etsim_search *etsim_search_begin(etsim_oracle *o, const etsim_search_config *cfg,
                                 int32_t problem, etsim_problem_result *res, etsim_tree *tree,
                                 unsigned flags, etsim_err *err) {
    if (cfg->width <= 0) {
        etsim_errf(err, "width must be > 0 (got %d)", cfg->width);
        return NULL;
    }
    etsim_tree *t = tree ? tree : &res->tree;
    result_clear_logs(res);
    if (t->n_nodes == 0) {
        if (!o) {
            etsim_errf(err, "problem %d: an empty tree and no oracle to open it", problem);
            return NULL;
        }
        t->prob.index = problem;
        if (etsim_oracle_problem_open(o, problem, t, err) < 0) {
            etsim_err_prefix(err, "problem %d", problem);
            return NULL;
        }
        if (t->n_nodes < 1) {
            etsim_errf(err, "problem %d: oracle produced no root", problem);
            return NULL;
        }
    }
    etsim_search *s = etsim_calloc(1, sizeof *s);
    s->cfg = cfg;
    s->res = res;
    s->t = t;
    s->problem = problem;
    s->flags = flags;
    s->phase = PHASE_SELECT;
    s->remaining = cfg->width;
    s->prompt_tokens = t->nodes[0].step_tokens;
    s->root_tokens = cfg->root_tokens == ETSIM_ROOT_REFERENCE ? 2 : s->prompt_tokens;
    push_i32(&s->frontier, &s->cap_frontier, &s->n_frontier, 0);
    push_i32(&res->gen_order, &res->cap_gen, &res->n_gen, 0);
    return s;
}

void etsim_search_work(const etsim_search *s, int64_t *selections, int64_t *ilp_solves) {
    *selections = s->work_selections;
    *ilp_solves = s->work_ilp;
}

int etsim_search_finish(etsim_search *s, etsim_err *err) {
    if (s->phase != PHASE_DONE) {
        etsim_errf(err, "problem %d: the search is not done", s->problem);
        etsim_search_abandon(s);
        return -1;
    }
    etsim_problem_result *r = s->res;
    const etsim_tree *t = s->t;
    /* Answers: every scored leaf generated, in generation order, as the
     * reference collects them from all its nodes (leaves of the last
     * depth included even though they were never retired). */
    for (int32_t i = 1; i < r->n_gen; i++) {
        const etsim_node *nd = &t->nodes[r->gen_order[i]];
        if ((nd->flags & ETSIM_NODE_LEAF) && (nd->flags & ETSIM_NODE_SCORED))
            push_i32(&r->leaves, &r->cap_leaves, &r->n_leaves, r->gen_order[i]);
    }
    if (r->n_leaves == 0) {
        r->c.no_leaf = 1;
        if (s->live_at_cut > 0) r->c.no_leaf_max_expansions = 1;
        else if (r->c.retired_length > 0 || s->long_at_cut > 0) r->c.no_leaf_max_tokens = 1;
    }
    etsim_search_abandon(s);
    return 0;
}

int etsim_search_problem(etsim_oracle *o, const etsim_search_config *cfg, int32_t problem,
                         etsim_problem_result *res, etsim_err *err) {
    etsim_search *s = etsim_search_begin(o, cfg, problem, res, NULL, 0, err);
    if (!s) return -1;
    etsim_search_need *need;
    int32_t n_need;
    int rc;
    while ((rc = etsim_search_step(s, &need, &n_need, err)) == ETSIM_SEARCH_NEED_CHILDREN)
        for (int32_t i = 0; i < n_need; i++) {
            need[i].have = etsim_oracle_expand(o, &res->tree, need[i].node, need[i].want, err);
            if (need[i].have < 0) {
                prefix_problem(&res->tree, problem, err);
                etsim_search_abandon(s);
                return -1;
            }
        }
    if (rc < 0) {
        etsim_search_abandon(s);
        return -1;
    }
    return etsim_search_finish(s, err);
}
