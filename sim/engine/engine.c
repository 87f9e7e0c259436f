/* engine.c -- the search loop (see engine.h for the semantics, which follow
 * SqueezeAILab/ETS rebase.py: select_and_expand / insert / get_kv_size).
 *
 * How it works. `frontier` holds the nodes of the current depth in
 * insertion order. Each depth: retire leaves and over-long nodes, build the
 * selector's view (candidates plus all ancestors, ordered by node id, which
 * puts parents first because the arena only ever appends children after
 * their parent), log the decision and the KV metric, then walk the
 * expansions in fork order asking the oracle for each node's next children.
 * Children the oracle cannot supply are handled by the --on-missing policy:
 * an error, truncation, or clones of recorded siblings (a clone copies its
 * source's data and mirrors the source's own children when expanded). */
#include "sim/engine/engine.h"

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

/* Drop the logs of a previous search but keep the tree (a covering capture
 * or `etsim synth` runs several configurations over one growing tree). */
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

/* ---- per-search scratch ------------------------------------------------------ */

typedef struct search_state {
    etsim_oracle *o;
    const etsim_search_config *cfg;
    etsim_problem_result *res;
    int32_t *frontier, *next;
    int64_t cap_frontier, cap_next;
    int32_t n_frontier, n_next;
    int32_t *cand;                /* candidate node ids this depth        */
    int64_t cap_cand;
    uint8_t *mark;                /* per tree node, zeroed between uses    */
    int32_t *view_index;          /* per tree node: index in the view      */
    int32_t *gen_kids;            /* per tree node: children generated     */
    int64_t cap_nodes_scratch;
    etsim_sel_node *view;
    int64_t cap_view;
    int32_t *view_ids;
    int64_t cap_view_ids;
    int32_t *view_cand;
    int64_t cap_view_cand;
} search_state;

/* Keep the per-node scratch arrays as long as the tree (it grows while the
 * oracle materialises children). New entries are zero. */
static void scratch_fit(search_state *s) {
    int64_t need = s->res->tree.n_nodes;
    if (need <= s->cap_nodes_scratch) return;
    int64_t old = s->cap_nodes_scratch, cap = old ? old : 64;
    while (cap < need) cap *= 2;
    s->mark = etsim_realloc(s->mark, (size_t)cap);
    s->view_index = etsim_realloc(s->view_index, (size_t)cap * sizeof(int32_t));
    s->gen_kids = etsim_realloc(s->gen_kids, (size_t)cap * sizeof(int32_t));
    memset(s->mark + old, 0, (size_t)(cap - old));
    memset(s->view_index + old, 0, (size_t)(cap - old) * sizeof(int32_t));
    memset(s->gen_kids + old, 0, (size_t)(cap - old) * sizeof(int32_t));
    s->cap_nodes_scratch = cap;
}

static void state_free(search_state *s) {
    free(s->frontier);
    free(s->next);
    free(s->cand);
    free(s->mark);
    free(s->view_index);
    free(s->gen_kids);
    free(s->view);
    free(s->view_ids);
    free(s->view_cand);
}

static void push_i32(int32_t **arr, int64_t *cap, int32_t *n, int32_t v) {
    etsim_grow((void **)arr, cap, (int64_t)*n + 1, sizeof **arr);
    (*arr)[(*n)++] = v;
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

/* Ensure node has `want` children under the missing-children policy;
 * returns how many are usable (<= want) or -1. */
static int ensure_children(search_state *s, int32_t node, int32_t want, etsim_err *err) {
    etsim_tree *t = &s->res->tree;
    if (t->nodes[node].n_kids >= want) return want;
    int32_t src = t->nodes[node].src;
    if (src >= 0) {
        /* A clone's children mirror its source's children, recursively
         * under the same policy. */
        int have = ensure_children(s, src, want, err);
        if (have < 0) return -1;
        for (int32_t k = t->nodes[node].n_kids; k < have; k++)
            add_clone(t, node, t->nodes[src].kids[k]);
        return t->nodes[node].n_kids < want ? t->nodes[node].n_kids : want;
    }
    int have = etsim_oracle_expand(s->o, t, node, want, err);
    if (have < 0) return -1;
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

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Build the selector view: candidates and ancestors, by ascending node id. */
static void build_view(search_state *s, int32_t n_cand, etsim_sel_input *in) {
    etsim_tree *t = &s->res->tree;
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
        sn->tag = nd->tag;
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

static void log_decision(search_state *s, const etsim_sel_input *in,
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
        r->log_scores[k] = s->res->tree.nodes[s->cand[i]].score;
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

static int record_generated(search_state *s, int32_t child) {
    etsim_problem_result *r = s->res;
    etsim_tree *t = &r->tree;
    etsim_node *c = &t->nodes[child];
    c->tag = t->nodes[c->parent].tag;
    r->c.model_calls++;
    r->c.nodes_generated++;
    r->c.tokens_generated += c->step_tokens;
    push_i32(&r->gen_order, &r->cap_gen, &r->n_gen, child);
    if (!(c->flags & ETSIM_NODE_SCORED)) {
        r->c.dropped_unscored++;
        return 0;
    }
    push_i32(&s->next, &s->cap_next, &s->n_next, child);
    return 0;
}

static int run_search(search_state *s, int32_t problem, etsim_err *err) {
    const etsim_search_config *cfg = s->cfg;
    etsim_problem_result *r = s->res;
    etsim_tree *t = &r->tree;
    int32_t remaining = cfg->width;
    int32_t prompt_tokens = t->nodes[0].step_tokens;
    int32_t root_tokens = cfg->root_tokens == ETSIM_ROOT_REFERENCE ? 2 : prompt_tokens;
    etsim_sel_output out;
    int rc = -1;
    /* Nodes left at the depth where max_expansions stopped the search:
     * would-be candidates, and nodes the length limit would have retired. */
    int32_t live_at_cut = 0, long_at_cut = 0;

    s->n_frontier = 0;
    push_i32(&s->frontier, &s->cap_frontier, &s->n_frontier, 0);
    push_i32(&r->gen_order, &r->cap_gen, &r->n_gen, 0);
    memset(&out, 0, sizeof out);
    for (int32_t depth = 0;; depth++) {
        int32_t n_cand = 0;
        scratch_fit(s);
        etsim_grow((void **)&s->cand, &s->cap_cand, s->n_frontier, sizeof *s->cand);
        for (int32_t i = 0; i < s->n_frontier; i++) {
            int32_t v = s->frontier[i];
            const etsim_node *nd = &t->nodes[v];
            /* cum_tokens includes the real prompt; the reference's root is 2. */
            int64_t cum = (int64_t)nd->cum_tokens - prompt_tokens + root_tokens;
            if (nd->flags & ETSIM_NODE_LEAF) {
                remaining--;
                r->c.retired_leaf++;
            } else if (cum >= cfg->max_tokens) {
                remaining--;
                r->c.retired_length++;
            } else {
                if (!isfinite(nd->score)) {
                    etsim_errf(err, "node %d: field score: %s PRM score", v,
                               isnan(nd->score) ? "NaN" : "infinite");
                    goto done;
                }
                s->cand[n_cand++] = v;
            }
        }
        if (remaining <= 0 || n_cand == 0) break;

        etsim_sel_input in;
        memset(&in, 0, sizeof in);
        build_view(s, n_cand, &in);
        in.width = remaining;
        in.initial_width = cfg->width;
        in.depth = depth;
        etsim_sel_output_init(&out, n_cand);
        for (int32_t i = 0; i < n_cand; i++) out.tags[i] = t->nodes[s->cand[i]].tag;
        if (cfg->sel.sel->select(&cfg->sel, &in, &out, err) < 0) {
            etsim_err_prefix(err, "depth %d: selector %s", depth, cfg->sel.sel->name);
            goto done;
        }
        int64_t kv = etsim_kv_union_tokens(t, s->cand, n_cand, root_tokens, s->mark);
        if (cfg->kv_metric == ETSIM_KV_REFERENCE) /* see etsim_kv_metric */
            for (int32_t i = 0; i < n_cand; i++)
                kv += (int64_t)out.kv_extra[i] * t->nodes[s->cand[i]].step_tokens;
        r->c.kv_tokens += kv;
        r->c.selections++;
        log_decision(s, &in, &out, kv);
        for (int32_t i = 0; i < n_cand; i++) t->nodes[s->cand[i]].tag = out.tags[i];

        s->n_next = 0;
        for (int32_t e = 0; e < out.n_exp; e++) {
            int32_t ci = out.exp_cand[e], count = out.exp_count[e];
            if (ci < 0 || ci >= n_cand || count < 0) {
                etsim_errf(err, "depth %d: selector %s returned an invalid expansion", depth,
                           cfg->sel.sel->name);
                goto done;
            }
            if (count == 0) continue;
            int32_t v = s->cand[ci];
            int32_t start = s->gen_kids[v], want = start + count;
            int have = ensure_children(s, v, want, err);
            if (have < 0) goto done;
            scratch_fit(s); /* the oracle may have grown the tree */
            for (int32_t k = start; k < have; k++) record_generated(s, t->nodes[v].kids[k]);
            s->gen_kids[v] = want;
        }
        etsim_sel_output_free(&out);
        int32_t *tmp = s->frontier;
        int64_t tcap = s->cap_frontier;
        s->frontier = s->next;
        s->cap_frontier = s->cap_next;
        s->n_frontier = s->n_next;
        s->next = tmp;
        s->cap_next = tcap;
        if (depth + 1 >= cfg->max_expansions) {
            for (int32_t i = 0; i < s->n_frontier; i++) {
                const etsim_node *nd = &t->nodes[s->frontier[i]];
                int64_t cum = (int64_t)nd->cum_tokens - prompt_tokens + root_tokens;
                if (nd->flags & ETSIM_NODE_LEAF) continue;
                if (cum >= cfg->max_tokens) long_at_cut++;
                else live_at_cut++;
            }
            break;
        }
    }
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
        if (live_at_cut > 0) r->c.no_leaf_max_expansions = 1;
        else if (r->c.retired_length > 0 || long_at_cut > 0) r->c.no_leaf_max_tokens = 1;
    }
    rc = 0;
done:
    etsim_sel_output_free(&out);
    (void)problem;
    return rc;
}

int etsim_search_problem(etsim_oracle *o, const etsim_search_config *cfg, int32_t problem,
                         etsim_problem_result *res, etsim_err *err) {
    search_state s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.cfg = cfg;
    s.res = res;
    if (cfg->width <= 0) return etsim_errf(err, "width must be > 0 (got %d)", cfg->width);
    result_clear_logs(res);
    if (res->tree.n_nodes == 0) {
        res->tree.prob.index = problem;
        if (etsim_oracle_problem_open(o, problem, &res->tree, err) < 0) {
            etsim_err_prefix(err, "problem %d", problem);
            return -1;
        }
        if (res->tree.n_nodes < 1)
            return etsim_errf(err, "problem %d: oracle produced no root", problem);
    } else {
        /* Reusing a tree (covering runs): selector tags belong to a run. */
        for (int32_t i = 0; i < res->tree.n_nodes; i++) res->tree.nodes[i].tag = -1;
    }
    int rc = run_search(&s, problem, err);
    if (rc < 0) {
        const char *id = res->tree.prob.id;
        etsim_err_prefix(err, "problem %d%s%s%s", problem, id ? " (" : "", id ? id : "",
                         id ? ")" : "");
    }
    state_free(&s);
    return rc;
}
