/* cmd_select.c -- `etsim select`: run ONE selection step of any selector on
 * an instance given as JSON, and print the decision as one JSON object.
 * It answers "why did ETS prune this node?" and lets tests drive selectors
 * without a search.
 *
 * Input (a file argument, or standard input):
 *   {"selector": "ets", "width": 64, "initial_width": 256, "depth": 3,
 *    "params": {"softmax_temperature": 0.2, "lambdac": 1.0, "lambdas": 1.45,
 *               "fixedwidth": 0},
 *    "nodes": [{"id": 0, "parent": null, "tokens": 40},
 *              {"id": 7, "parent": 0, "tokens": 31, "score": 0.83,
 *               "text": "...", "embedding": [0.1, ...], "subtree": 2}, ...],
 *    "candidates": [7, 9, 12]}
 * `nodes` holds every candidate and all its ancestors (other nodes are
 * ignored), `candidates` the candidate ids in insertion order, `width` the
 * remaining width B, `initial_width` N (default: width), `depth` the
 * candidates' depth (optional; checked against the tree). In `params` the
 * keys of the reference's configs that a selector does not read are
 * ignored, as the harness ignores them; null or "fixedwidth": 0 mean "not
 * set"; anything else unknown is an error.
 * Output: {"counts": [...]} aligned with `candidates` (children per
 * candidate); ETS and ETS-KV add "kept" (ids with x_i = 1), "clusters" (a
 * cluster index per candidate, null when no clustering ran) and
 * "objective". --expansions adds "expansions": [[id, count], ...] in fork
 * order, which is the next depth's insertion order.
 * Exit status: 0 ok, 1 bad instance, 2 usage. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sim/engine/selector.h"
#include "selectors/registry.h"
#include "sim/engine/search_config.h"
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/core/sbuf.h"
#include "sim/core/json.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim select [--expansions] [FILE]\n"
        "Run one selection step of a selector on an instance (JSON from FILE or\n"
        "standard input) and print the decision as JSON on standard output.\n"
        "  --expansions   also print the expansions in fork order\n"
        "Input: {\"selector\", \"width\", \"initial_width\", \"depth\", \"params\",\n"
        "        \"nodes\": [{\"id\", \"parent\", \"tokens\", \"score\", \"text\",\n"
        "                   \"embedding\", \"subtree\"}], \"candidates\": [ids]}\n"
        "Output: {\"counts\": [...]} aligned with candidates; ets and ets-kv add\n"
        "        \"kept\", \"clusters\" and \"objective\".\n"
        "Selectors:");
    for (const etsim_selector *const *s = etsim_selectors(); *s; s++) fprintf(fp, " %s", (*s)->name);
    fprintf(fp, "\nExit status: 0 ok, 1 bad instance, 2 usage.\n");
}

typedef struct in_node {
    int32_t id, parent_id, parent, depth, tokens, tag, view;
    int has_parent, has_score;
    double score;
    const char *text;
    float *emb;
} in_node;

typedef struct instance {
    cJSON *json;
    const etsim_selector *sel;
    etsim_sel_config cfg;
    int32_t width, initial_width, depth;
    in_node *nodes;
    int32_t n_nodes, emb_dim;
    int32_t *cand;      /* indices into nodes */
    int32_t n_cand;
} instance;

static void instance_free(instance *in) {
    for (int32_t i = 0; i < in->n_nodes; i++) free(in->nodes[i].emb);
    free(in->nodes);
    free(in->cand);
    cJSON_Delete(in->json);
}

/* An integral JSON number in [min, max]. */
static int get_int(const cJSON *v, const char *what, int64_t min, int64_t max, int32_t *out,
                   etsim_err *err) {
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        v->valuedouble < (double)min || v->valuedouble > (double)max)
        return etsim_errf(err, "%s: expected an integer in [%lld, %lld]", what, (long long)min,
                          (long long)max);
    *out = (int32_t)v->valuedouble;
    return 0;
}

static int find_node(const instance *in, int32_t id) {
    for (int32_t i = 0; i < in->n_nodes; i++)
        if (in->nodes[i].id == id) return i;
    return -1;
}

/* The reference's shared config keys: accepted in "params" and ignored
 * when a selector does not read them, as the harness ignores them. */
static const char *const harness_keys[] = {"softmax_temperature", "lambdac", "lambdas",
                                           "fixedwidth", NULL};

/* selector, width and params, through the one search-configuration
 * parser (sim/engine/search_config.h); the rest of the instance is read
 * by parse_instance. */
static int parse_config(instance *in, const cJSON *root, etsim_err *err) {
    const etsim_search_json_opts opts = {.lookup = etsim_selector_lookup, .max_width = INT32_MAX,
                                         .any_other_keys = 1, .selector_params_only = 1,
                                         .ignore_keys = harness_keys};
    etsim_search_config sc;
    if (etsim_search_config_from_json(&sc, root, &opts, err) < 0) return -1;
    in->sel = sc.sel.sel;
    in->cfg = sc.sel;
    in->width = sc.width;
    /* ETS-KV is ETS with lambda_s = 0: another value contradicts it. */
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(root, "params");
    const cJSON *ls = cJSON_IsObject(params) ? cJSON_GetObjectItemCaseSensitive(params, "lambdas") : NULL;
    if (!strcmp(in->sel->name, "ets-kv") && etsim_sel_config_get_index(&in->cfg, "lambdas") < 0 &&
        cJSON_IsNumber(ls) && ls->valuedouble != 0)
        return etsim_errf(err, "field 'params.lambdas': ets-kv fixes lambdas = 0 "
                               "(use selector ets for lambdas = %g)", ls->valuedouble);
    return 0;
}

static int parse_node(instance *in, int32_t i, const cJSON *o, etsim_err *err) {
    in_node *nd = &in->nodes[i];
    memset(nd, 0, sizeof *nd);
    nd->tag = -1;
    nd->depth = -1;
    nd->parent = -1;
    nd->view = -1;
    if (!cJSON_IsObject(o)) return etsim_errf(err, "nodes[%d]: expected an object", i);
    char what[64];
    snprintf(what, sizeof what, "nodes[%d]: field id", i);
    if (get_int(cJSON_GetObjectItemCaseSensitive(o, "id"), what, INT32_MIN, INT32_MAX, &nd->id,
                err) < 0)
        return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "parent");
    if (!v) return etsim_errf(err, "node %d: field parent: missing (null for the root)", nd->id);
    if (!cJSON_IsNull(v)) {
        snprintf(what, sizeof what, "node %d: field parent", nd->id);
        if (get_int(v, what, INT32_MIN, INT32_MAX, &nd->parent_id, err) < 0) return -1;
        nd->has_parent = 1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "tokens")) && !cJSON_IsNull(v)) {
        snprintf(what, sizeof what, "node %d: field tokens", nd->id);
        if (get_int(v, what, 0, INT32_MAX, &nd->tokens, err) < 0) return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "subtree")) && !cJSON_IsNull(v)) {
        snprintf(what, sizeof what, "node %d: field subtree", nd->id);
        if (get_int(v, what, -1, INT32_MAX, &nd->tag, err) < 0) return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "score")) && !cJSON_IsNull(v)) {
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
            return etsim_errf(err, "node %d: field score: not a finite number", nd->id);
        nd->score = v->valuedouble;
        nd->has_score = 1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "text")) && !cJSON_IsNull(v)) {
        if (!cJSON_IsString(v)) return etsim_errf(err, "node %d: field text: expected a string", nd->id);
        nd->text = v->valuestring;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "embedding")) && !cJSON_IsNull(v)) {
        int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
        if (n <= 0) return etsim_errf(err, "node %d: field embedding: expected a non-empty array", nd->id);
        if (in->emb_dim && n != in->emb_dim)
            return etsim_errf(err, "node %d: field embedding: dimension %d, other nodes have %d",
                              nd->id, n, in->emb_dim);
        in->emb_dim = n;
        nd->emb = etsim_malloc((size_t)n * sizeof *nd->emb);
        int k = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            float f = cJSON_IsNumber(e) ? (float)e->valuedouble : NAN;
            if (!isfinite(f))
                return etsim_errf(err, "node %d: field embedding[%d]: not a finite float", nd->id, k);
            nd->emb[k++] = f;
        }
    }
    return 0;
}

/* Resolve parents, check that the parent chains form one tree, and give
 * every node its depth. */
static int check_tree(instance *in, etsim_err *err) {
    int32_t root = -1;
    for (int32_t i = 0; i < in->n_nodes; i++) {
        in_node *nd = &in->nodes[i];
        for (int32_t j = 0; j < i; j++)
            if (in->nodes[j].id == nd->id) return etsim_errf(err, "node %d: field id: duplicate", nd->id);
        if (!nd->has_parent) {
            if (root >= 0)
                return etsim_errf(err, "not a tree: nodes %d and %d both have parent null",
                                  in->nodes[root].id, nd->id);
            root = i;
        }
    }
    if (root < 0) return etsim_errf(err, "not a tree: no node has parent null (the root)");
    for (int32_t i = 0; i < in->n_nodes; i++) {
        in_node *nd = &in->nodes[i];
        if (!nd->has_parent) continue;
        nd->parent = find_node(in, nd->parent_id);
        if (nd->parent < 0)
            return etsim_errf(err, "node %d: field parent: no node has id %d", nd->id, nd->parent_id);
    }
    in->nodes[root].depth = 0;
    for (int32_t i = 0; i < in->n_nodes; i++) {
        int32_t steps = 0, v = i;
        while (in->nodes[v].depth < 0) {
            v = in->nodes[v].parent;
            if (++steps > in->n_nodes)
                return etsim_errf(err, "not a tree: the parent chain of node %d loops",
                                  in->nodes[i].id);
        }
        int32_t d = in->nodes[v].depth + steps;
        for (v = i; in->nodes[v].depth < 0; v = in->nodes[v].parent) in->nodes[v].depth = d--;
    }
    return 0;
}

static int parse_instance(instance *in, const char *text, size_t len, etsim_err *err) {
    in->json = etsim_json_parse(text, len, NULL, err);
    if (!in->json) return -1;
    const cJSON *root = in->json;
    if (!cJSON_IsObject(root)) return etsim_errf(err, "expected a JSON object");
    if (parse_config(in, root, err) < 0) return -1;
    const cJSON *v;
    in->initial_width = in->width;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "initial_width")) && !cJSON_IsNull(v) &&
        get_int(v, "field initial_width", 1, INT32_MAX, &in->initial_width, err) < 0)
        return -1;
    in->depth = -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "depth")) && !cJSON_IsNull(v) &&
        get_int(v, "field depth", 0, INT32_MAX, &in->depth, err) < 0)
        return -1;

    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(root, "nodes");
    if (!cJSON_IsArray(nodes) || cJSON_GetArraySize(nodes) == 0)
        return etsim_errf(err, "field nodes: expected a non-empty array");
    in->n_nodes = cJSON_GetArraySize(nodes);
    in->nodes = etsim_calloc((size_t)in->n_nodes, sizeof *in->nodes);
    int32_t i = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, nodes) {
        if (parse_node(in, i, o, err) < 0) {
            in->n_nodes = i + 1; /* free what this node allocated */
            return -1;
        }
        i++;
    }
    if (check_tree(in, err) < 0) return -1;

    const cJSON *cands = cJSON_GetObjectItemCaseSensitive(root, "candidates");
    if (!cJSON_IsArray(cands) || cJSON_GetArraySize(cands) == 0)
        return etsim_errf(err, "field candidates: expected a non-empty array of node ids");
    in->n_cand = cJSON_GetArraySize(cands);
    in->cand = etsim_malloc((size_t)in->n_cand * sizeof *in->cand);
    i = 0;
    cJSON_ArrayForEach(o, cands) {
        int32_t id = 0;
        char what[64];
        snprintf(what, sizeof what, "field candidates[%d]", i);
        if (get_int(o, what, INT32_MIN, INT32_MAX, &id, err) < 0) return -1;
        int32_t k = find_node(in, id);
        if (k < 0) return etsim_errf(err, "field candidates[%d]: no node has id %d", i, id);
        for (int32_t j = 0; j < i; j++)
            if (in->cand[j] == k) return etsim_errf(err, "field candidates[%d]: node %d listed twice", i, id);
        const in_node *nd = &in->nodes[k];
        if (i > 0 && nd->depth != in->nodes[in->cand[0]].depth)
            return etsim_errf(err, "node %d: candidates must share one depth (%d here, %d for node %d)",
                              id, nd->depth, in->nodes[in->cand[0]].depth, in->nodes[in->cand[0]].id);
        if (!nd->has_score && nd->has_parent)
            return etsim_errf(err, "node %d: field score: missing for a candidate", id);
        in->cand[i++] = k;
    }
    int32_t depth = in->nodes[in->cand[0]].depth;
    if (in->depth >= 0 && in->depth != depth)
        return etsim_errf(err, "field depth: %d, but the candidates are at depth %d in the tree",
                          in->depth, depth);
    in->depth = depth;
    return 0;
}

/* The selector view: candidates and their ancestors, by depth then input
 * order (parents before children, the root at index 0). */
static void build_view(instance *in, etsim_sel_node **view_out, int32_t *n_view,
                       int32_t **cand_out) {
    int32_t n = 0, max_depth = 0;
    for (int32_t c = 0; c < in->n_cand; c++)
        for (int32_t v = in->cand[c]; v >= 0 && in->nodes[v].view != -2; v = in->nodes[v].parent) {
            in->nodes[v].view = -2;
            n++;
            if (in->nodes[v].depth > max_depth) max_depth = in->nodes[v].depth;
        }
    etsim_sel_node *view = etsim_calloc((size_t)n, sizeof *view);
    int32_t k = 0;
    for (int32_t d = 0; d <= max_depth; d++)
        for (int32_t i = 0; i < in->n_nodes; i++) {
            in_node *nd = &in->nodes[i];
            if (nd->view != -2 || nd->depth != d) continue;
            nd->view = k;
            etsim_sel_node *s = &view[k++];
            s->parent = nd->parent >= 0 ? in->nodes[nd->parent].view : -1;
            s->id = nd->id;
            s->step_tokens = nd->tokens;
            s->tag = nd->tag;
            s->score = nd->has_parent ? nd->score : (nd->has_score ? nd->score : 1.0);
            s->text = nd->text;
            s->text_hash = nd->text ? etsim_hash_str(nd->text) : 0;
            s->embedding = nd->emb;
        }
    int32_t *cand = etsim_malloc((size_t)in->n_cand * sizeof *cand);
    for (int32_t c = 0; c < in->n_cand; c++) cand[c] = in->nodes[in->cand[c]].view;
    *view_out = view;
    *n_view = n;
    *cand_out = cand;
}

static void print_decision(const instance *in, const etsim_sel_output *out, int expansions) {
    int64_t *counts = etsim_calloc((size_t)in->n_cand, sizeof *counts);
    for (int32_t e = 0; e < out->n_exp; e++) counts[out->exp_cand[e]] += out->exp_count[e];
    printf("{\"counts\": [");
    for (int32_t c = 0; c < in->n_cand; c++) printf("%s%lld", c ? ", " : "", (long long)counts[c]);
    printf("]");
    if (out->has_kept) {
        printf(", \"kept\": [");
        int first = 1;
        for (int32_t c = 0; c < in->n_cand; c++)
            if (out->kept[c]) {
                printf("%s%d", first ? "" : ", ", in->nodes[in->cand[c]].id);
                first = 0;
            }
        printf("]");
    }
    if (out->has_kept || out->has_clusters) {
        if (out->has_clusters) {
            printf(", \"clusters\": [");
            for (int32_t c = 0; c < in->n_cand; c++) printf("%s%d", c ? ", " : "", out->cluster[c]);
            printf("]");
        } else {
            printf(", \"clusters\": null");
        }
    }
    if (out->has_objective) {
        char buf[40];
        etsim_fmt_double(buf, out->objective);
        printf(", \"objective\": %s", buf);
    }
    if (expansions) {
        printf(", \"expansions\": [");
        for (int32_t e = 0; e < out->n_exp; e++)
            printf("%s[%d, %d]", e ? ", " : "", in->nodes[in->cand[out->exp_cand[e]]].id,
                   out->exp_count[e]);
        printf("]");
    }
    printf("}\n");
    free(counts);
}

int etsim_cmd_select(int argc, char **argv) {
    const char *path = NULL;
    int expansions = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--expansions")) {
            expansions = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            usage(stderr);
            return etsim_cli_fail(2, "select: unknown option '%s'", argv[i]);
        } else if (path) {
            usage(stderr);
            return etsim_cli_fail(2, "select: more than one input file");
        } else {
            path = argv[i];
        }
    }
    etsim_err err;
    char *text = NULL;
    size_t len = 0;
    if (path && strcmp(path, "-")) {
        text = etsim_read_file(path, &len, &err);
        if (!text) return etsim_cli_fail(1, "select: %s", err.msg);
    } else {
        etsim_sbuf piped = {0};
        etsim_sbuf_read_fp(&piped, stdin);
        text = etsim_sbuf_take(&piped, &len);
        path = "<stdin>";
    }
    instance in;
    memset(&in, 0, sizeof in);
    int rc = 1;
    etsim_sel_node *view = NULL;
    int32_t *view_cand = NULL, n_view = 0;
    etsim_sel_output out;
    memset(&out, 0, sizeof out);
    if (parse_instance(&in, text, len, &err) < 0) {
        etsim_cli_fail(1, "select: %s: %s", path, err.msg);
        goto done;
    }
    build_view(&in, &view, &n_view, &view_cand);
    etsim_sel_input sin = {.nodes = view, .n_nodes = n_view, .cand = view_cand,
                           .n_cand = in.n_cand, .width = in.width,
                           .initial_width = in.initial_width, .depth = in.depth,
                           .emb_dim = in.emb_dim};
    etsim_sel_output_init(&out, in.n_cand);
    for (int32_t c = 0; c < in.n_cand; c++) out.tags[c] = view[view_cand[c]].tag;
    if (in.sel->select(&in.cfg, &sin, &out, &err) < 0) {
        etsim_cli_fail(1, "select: %s: selector %s: %s", path, in.sel->name, err.msg);
        goto done;
    }
    print_decision(&in, &out, expansions);
    rc = fflush(stdout) == 0 ? 0 : etsim_cli_fail(1, "select: writing standard output failed");
done:
    etsim_sel_output_free(&out);
    free(view);
    free(view_cand);
    instance_free(&in);
    free(text);
    return rc;
}
