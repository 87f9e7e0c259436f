/* result.c -- streaming writer of replay result files (format in result.h).
 * Numbers are written with etsim_fmt_double so that equal results give
 * byte-identical files on every run and thread count. */
#include "sim/engine/result.h"
#include "sim/core/prof.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *missing_name(etsim_missing_policy p) {
    return p == ETSIM_MISSING_TRUNCATE ? "truncate"
           : p == ETSIM_MISSING_RESAMPLE ? "resample" : "error";
}

void etsim_result_config_json(etsim_sbuf *b, const etsim_search_config *cfg) {
    const etsim_selector *sel = cfg->sel.sel;
    etsim_sbuf_puts(b, "{\"selector\":");
    etsim_sbuf_json_string(b, sel->name);
    etsim_sbuf_printf(b, ",\"width\":%d,\"params\":{", cfg->width);
    for (int i = 0; sel->params && sel->params[i].name; i++) {
        if (i) etsim_sbuf_putc(b, ',');
        etsim_sbuf_json_string(b, sel->params[i].name);
        etsim_sbuf_putc(b, ':');
        etsim_sbuf_double(b, cfg->sel.v[i]);
    }
    etsim_sbuf_printf(b, "},\"max_tokens\":%d,\"max_expansions\":%d,\"on_missing\":\"%s\","
                      "\"root_tokens\":\"%s\"",
                      cfg->max_tokens, cfg->max_expansions, missing_name(cfg->on_missing),
                      cfg->root_tokens == ETSIM_ROOT_REFERENCE ? "reference" : "prompt");
    /* Written only when not the default, so that results and sweep keys of
     * the default metric stay as they were. */
    if (cfg->kv_metric == ETSIM_KV_REFERENCE) etsim_sbuf_puts(b, ",\"kv_metric\":\"reference\"");
    etsim_sbuf_putc(b, '}');
}

static void write_meta(FILE *fp, const etsim_meta *m) {
    fputs("{\"dataset\":", fp);
    etsim_json_write_string(fp, m->dataset);
    fputs(",\"policy_model\":", fp);
    etsim_json_write_string(fp, m->policy_model);
    fputs(",\"prm_model\":", fp);
    etsim_json_write_string(fp, m->prm_model);
    fputs(",\"embed_model\":", fp);
    etsim_json_write_string(fp, m->embed_model);
    fputs(",\"answer_format\":", fp);
    etsim_json_write_string(fp, m->answer_format);
    fprintf(fp, ",\"emb_dim\":%d,\"tokens_estimated\":%s,\"n_problems\":%d}", m->emb_dim,
            m->tokens_estimated ? "true" : "false", m->n_problems);
}

static void put_counters(etsim_sbuf *b, const etsim_counters *c) {
    const struct { const char *name; int64_t v; } f[] = {
        {"model_calls", c->model_calls},       {"tokens_generated", c->tokens_generated},
        {"kv_tokens", c->kv_tokens},           {"selections", c->selections},
        {"nodes_generated", c->nodes_generated}, {"dropped_unscored", c->dropped_unscored},
        {"retired_leaf", c->retired_leaf},     {"retired_length", c->retired_length},
        {"missing_children", c->missing_children},
        {"resampled_children", c->resampled_children},
        {"no_leaf", c->no_leaf},
        {"no_leaf_max_expansions", c->no_leaf_max_expansions},
        {"no_leaf_max_tokens", c->no_leaf_max_tokens},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        etsim_sbuf_puts(b, i ? ",\"" : "{\"");
        etsim_sbuf_puts(b, f[i].name);
        etsim_sbuf_puts(b, "\":");
        etsim_sbuf_int(b, f[i].v);
    }
    etsim_sbuf_putc(b, '}');
}

int etsim_result_writer_open(etsim_result_writer *w, const char *path, int flags,
                             const etsim_search_config *cfg, const char *source_kind,
                             const char *source_spec, const etsim_meta *meta,
                             const etsim_result_summary *summary, etsim_err *err) {
    memset(w, 0, sizeof *w);
    if (etsim_atomic_open(&w->af, path, err) < 0) return -1;
    w->summary = summary;
    w->flags = flags;
    FILE *fp = w->af.fp;
    fputs("{\"etsim_result\":1,\"config\":", fp);
    /* the config object without its closing brace: source and meta go in it */
    etsim_sbuf conf = {0};
    etsim_result_config_json(&conf, cfg);
    fwrite(conf.data, 1, (size_t)conf.len - 1, fp);
    etsim_sbuf_free(&conf);
    fputs(",\"source\":{\"kind\":", fp);
    etsim_json_write_string(fp, source_kind);
    fputs(",\"spec\":", fp);
    etsim_json_write_string(fp, source_spec);
    fputs("},\"meta\":", fp);
    write_meta(fp, meta);
    fputs("},\n\"problems\":[", fp);
    return 0;
}

static void put_ints(etsim_sbuf *b, const int32_t *v, int64_t n) {
    etsim_sbuf_putc(b, '[');
    for (int64_t i = 0; i < n; i++) {
        if (i) etsim_sbuf_putc(b, ',');
        etsim_sbuf_int(b, v[i]);
    }
    etsim_sbuf_putc(b, ']');
}

/* Scores are formatted once per node into w->scores and copied wherever
 * the node appears again (decisions, leaves' step scores). */
static void put_score(etsim_sbuf *b, const etsim_result_writer *w, int32_t gen_id) {
    int64_t o = w->score_off[gen_id];
    etsim_sbuf_put(b, w->scores.data + o, (size_t)(w->score_off[gen_id + 1] - o));
}

static void put_decisions(etsim_result_writer *w, const etsim_problem_result *r) {
    etsim_sbuf *b = &w->buf;
    for (int32_t d = 0; d < r->n_logs; d++) {
        const etsim_depth_log *lg = &r->logs[d];
        const int64_t o = lg->cand_off;
        etsim_sbuf_puts(b, d ? ",\n{\"depth\":" : "{\"depth\":");
        etsim_sbuf_int(b, lg->depth);
        etsim_sbuf_puts(b, ",\"width\":");
        etsim_sbuf_int(b, lg->width);
        etsim_sbuf_puts(b, ",\"kv_tokens\":");
        etsim_sbuf_int(b, lg->kv_tokens);
        etsim_sbuf_puts(b, ",\"candidates\":[");
        for (int32_t i = 0; i < lg->n_cand; i++) {
            if (i) etsim_sbuf_putc(b, ',');
            etsim_sbuf_int(b, w->remap[r->log_nodes[o + i]]);
        }
        etsim_sbuf_puts(b, "],\"scores\":[");
        for (int32_t i = 0; i < lg->n_cand; i++) {
            if (i) etsim_sbuf_putc(b, ',');
            put_score(b, w, w->remap[r->log_nodes[o + i]]);
        }
        etsim_sbuf_puts(b, "],\"counts\":");
        put_ints(b, r->log_counts + o, lg->n_cand);
        etsim_sbuf_puts(b, ",\"expansions\":[");
        for (int32_t e = 0; e < lg->n_exp; e++) {
            etsim_sbuf_puts(b, e ? ",[" : "[");
            etsim_sbuf_int(b, w->remap[r->exp_cand[lg->exp_off + e]]);
            etsim_sbuf_putc(b, ',');
            etsim_sbuf_int(b, r->exp_count[lg->exp_off + e]);
            etsim_sbuf_putc(b, ']');
        }
        etsim_sbuf_putc(b, ']');
        int any_tag = 0;
        for (int32_t i = 0; i < lg->n_cand; i++) any_tag |= r->log_tags[o + i] >= 0;
        if (any_tag) {
            etsim_sbuf_puts(b, ",\"tags\":");
            put_ints(b, r->log_tags + o, lg->n_cand);
        }
        if (lg->has_kept) {
            etsim_sbuf_puts(b, ",\"kept\":[");
            int first = 1;
            for (int32_t i = 0; i < lg->n_cand; i++)
                if (r->log_kept[o + i]) {
                    if (!first) etsim_sbuf_putc(b, ',');
                    etsim_sbuf_int(b, w->remap[r->log_nodes[o + i]]);
                    first = 0;
                }
            etsim_sbuf_putc(b, ']');
        }
        if (lg->has_clusters) {
            etsim_sbuf_puts(b, ",\"clusters\":");
            put_ints(b, r->log_cluster + o, lg->n_cand);
        }
        if (lg->has_objective) {
            etsim_sbuf_puts(b, ",\"objective\":");
            etsim_sbuf_double(b, lg->objective);
        }
        etsim_sbuf_putc(b, '}');
    }
}

static void put_leaves(etsim_result_writer *w, const etsim_problem_result *r) {
    etsim_sbuf *b = &w->buf;
    const etsim_tree *t = &r->tree;
    int32_t path_local[64];
    for (int32_t i = 0; i < r->n_leaves; i++) {
        int32_t v = r->leaves[i];
        etsim_sbuf_puts(b, i ? ",{\"node\":" : "{\"node\":");
        etsim_sbuf_int(b, w->remap[v]);
        etsim_sbuf_puts(b, ",\"answer\":");
        etsim_sbuf_json_string(b, etsim_tree_answer(t, v));
        etsim_sbuf_puts(b, ",\"tokens\":");
        etsim_sbuf_int(b, t->nodes[v].cum_tokens);
        etsim_sbuf_puts(b, ",\"step_scores\":[");
        /* root-to-leaf order, root excluded */
        int32_t depth = t->nodes[v].depth, k = depth;
        int32_t *path = depth <= 64 ? path_local : etsim_malloc(sizeof(int32_t) * (size_t)depth);
        for (int32_t u = v; u > 0; u = t->nodes[u].parent) path[--k] = u;
        for (int32_t j = 0; j < depth; j++) {
            if (j) etsim_sbuf_putc(b, ',');
            put_score(b, w, w->remap[path[j]]);
        }
        if (path != path_local) free(path);
        etsim_sbuf_puts(b, "]}");
    }
}

static int writer_add(etsim_result_writer *w, const etsim_problem_result *r, etsim_err *err) {
    const etsim_tree *t = &r->tree;
    const etsim_problem *p = &t->prob;
    etsim_sbuf *b = &w->buf;
    b->len = 0;
    w->scores.len = 0;
    etsim_grow((void **)&w->remap, &w->cap_remap, t->n_nodes, sizeof *w->remap);
    etsim_grow((void **)&w->score_off, &w->cap_score_off, (int64_t)r->n_gen + 1,
               sizeof *w->score_off);
    for (int32_t i = 0; i < t->n_nodes; i++) w->remap[i] = -1;
    for (int32_t k = 0; k < r->n_gen; k++) {
        const etsim_node *nd = &t->nodes[r->gen_order[k]];
        w->remap[r->gen_order[k]] = k;
        w->score_off[k] = w->scores.len;
        etsim_sbuf_float(&w->scores, (nd->flags & ETSIM_NODE_SCORED) || k == 0 ? nd->score : NAN);
    }
    w->score_off[r->n_gen] = w->scores.len;

    etsim_sbuf_puts(b, w->n_problems ? ",\n{\"index\":" : "\n{\"index\":");
    etsim_sbuf_int(b, p->index);
    etsim_sbuf_puts(b, ",\"id\":");
    etsim_sbuf_json_string(b, p->id);
    etsim_sbuf_puts(b, ",\"answer\":");
    etsim_sbuf_json_string(b, p->answer);
    etsim_sbuf_puts(b, ",\"subject\":");
    etsim_sbuf_json_string(b, p->subject);
    etsim_sbuf_puts(b, ",\"level\":");
    etsim_sbuf_int(b, p->level);
    etsim_sbuf_puts(b, ",\"prompt_tokens\":");
    etsim_sbuf_int(b, p->prompt_tokens);
    etsim_sbuf_puts(b, ",\"counters\":");
    put_counters(b, &r->c);
    etsim_sbuf_puts(b, ",\n\"nodes\":{\"parent\":[");
    for (int32_t k = 0; k < r->n_gen; k++) {
        int32_t par = t->nodes[r->gen_order[k]].parent;
        if (k) etsim_sbuf_putc(b, ',');
        etsim_sbuf_int(b, par >= 0 ? w->remap[par] : -1);
    }
    etsim_sbuf_puts(b, "],\"tokens\":[");
    for (int32_t k = 0; k < r->n_gen; k++) {
        if (k) etsim_sbuf_putc(b, ',');
        etsim_sbuf_int(b, t->nodes[r->gen_order[k]].step_tokens);
    }
    etsim_sbuf_puts(b, "],\"score\":[");
    for (int32_t k = 0; k < r->n_gen; k++) {
        if (k) etsim_sbuf_putc(b, ',');
        put_score(b, w, k);
    }
    etsim_sbuf_puts(b, "],\"flags\":[");
    for (int32_t k = 0; k < r->n_gen; k++) {
        if (k) etsim_sbuf_putc(b, ',');
        etsim_sbuf_int(b, t->nodes[r->gen_order[k]].flags);
    }
    etsim_sbuf_putc(b, ']');
    if (w->flags & ETSIM_RESULT_WITH_TEXT) {
        etsim_sbuf_puts(b, ",\"text\":[");
        for (int32_t k = 0; k < r->n_gen; k++) {
            if (k) etsim_sbuf_putc(b, ',');
            etsim_sbuf_json_string(b, k == 0 ? p->question : etsim_tree_text(t, r->gen_order[k]));
        }
        etsim_sbuf_putc(b, ']');
    }
    etsim_sbuf_puts(b, "},\n\"decisions\":[");
    put_decisions(w, r);
    etsim_sbuf_puts(b, "],\n\"leaves\":[");
    put_leaves(w, r);
    etsim_sbuf_puts(b, "]}");
    etsim_counters_add(&w->total, &r->c);
    w->n_problems++;
    int prof = etsim_prof_enabled();
    double t0 = prof ? etsim_prof_now() : 0.0;
    int summary_rc = w->summary ? w->summary->add(w->summary->ctx, r, err) : 0;
    if (prof) etsim_prof_add(ETSIM_PROF_GRADE, etsim_prof_now() - t0);
    if (summary_rc < 0) {
        etsim_err_prefix(err, "problem %d: %s", p->index, w->summary->key);
        return -1;
    }
    if (fwrite(b->data, 1, (size_t)b->len, w->af.fp) != (size_t)b->len || ferror(w->af.fp))
        return etsim_errf(err, "%s: write failed", w->af.path);
    return 0;
}

/* Timed as a whole (ETSIM_PROF_WRITE, the summary's grading included). */
int etsim_result_writer_add(etsim_result_writer *w, const etsim_problem_result *r,
                            etsim_err *err) {
    if (!etsim_prof_enabled()) return writer_add(w, r, err);
    double t0 = etsim_prof_now();
    int rc = writer_add(w, r, err);
    etsim_prof_add(ETSIM_PROF_WRITE, etsim_prof_now() - t0);
    return rc;
}

static void writer_free_buffers(etsim_result_writer *w) {
    free(w->remap);
    free(w->score_off);
    w->remap = NULL;
    w->score_off = NULL;
    etsim_sbuf_free(&w->buf);
    etsim_sbuf_free(&w->scores);
}

int etsim_result_writer_commit(etsim_result_writer *w, etsim_err *err) {
    FILE *fp = w->af.fp;
    etsim_sbuf *b = &w->buf;
    b->len = 0;
    etsim_sbuf_puts(b, "\n],\n\"summary\":{\"problems\":");
    etsim_sbuf_int(b, w->n_problems);
    etsim_sbuf_puts(b, ",\"counters\":");
    put_counters(b, &w->total);
    if (w->summary) {
        etsim_sbuf_puts(b, ",");
        etsim_sbuf_json_string(b, w->summary->key);
        etsim_sbuf_putc(b, ':');
        w->summary->json(w->summary->ctx, b);
    }
    etsim_sbuf_puts(b, "}}\n");
    fwrite(b->data, 1, (size_t)b->len, fp);
    writer_free_buffers(w);
    return etsim_atomic_commit(&w->af, err);
}

void etsim_result_writer_abort(etsim_result_writer *w) {
    writer_free_buffers(w);
    etsim_atomic_abort(&w->af);
}
