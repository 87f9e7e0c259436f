/* result.c -- streaming writer of replay result files (format in result.h).
 * Numbers are written with etsim_fmt_double so that equal results give
 * byte-identical files on every run and thread count. */
#include "sim/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *missing_name(etsim_missing_policy p) {
    return p == ETSIM_MISSING_TRUNCATE ? "truncate"
           : p == ETSIM_MISSING_RESAMPLE ? "resample" : "error";
}

static void put_double(FILE *fp, double v) {
    char buf[32];
    etsim_fmt_double(buf, v);
    fputs(buf, fp);
}

void etsim_result_write_config(FILE *fp, const etsim_search_config *cfg) {
    const etsim_selector *sel = cfg->sel.sel;
    fprintf(fp, "{\"selector\":");
    etsim_json_write_string(fp, sel->name);
    fprintf(fp, ",\"width\":%d,\"params\":{", cfg->width);
    for (int i = 0; sel->params && sel->params[i].name; i++) {
        if (i) putc(',', fp);
        etsim_json_write_string(fp, sel->params[i].name);
        putc(':', fp);
        put_double(fp, cfg->sel.v[i]);
    }
    fprintf(fp, "},\"max_tokens\":%d,\"max_expansions\":%d,\"on_missing\":\"%s\","
                "\"root_tokens\":\"%s\"}",
            cfg->max_tokens, cfg->max_expansions, missing_name(cfg->on_missing),
            cfg->root_tokens == ETSIM_ROOT_REFERENCE ? "reference" : "prompt");
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

static void write_counters(FILE *fp, const etsim_counters *c) {
    fprintf(fp,
            "{\"model_calls\":%lld,\"tokens_generated\":%lld,\"kv_tokens\":%lld,"
            "\"selections\":%lld,\"nodes_generated\":%lld,\"dropped_unscored\":%lld,"
            "\"retired_leaf\":%lld,\"retired_length\":%lld,\"missing_children\":%lld,"
            "\"resampled_children\":%lld}",
            (long long)c->model_calls, (long long)c->tokens_generated,
            (long long)c->kv_tokens, (long long)c->selections, (long long)c->nodes_generated,
            (long long)c->dropped_unscored, (long long)c->retired_leaf,
            (long long)c->retired_length, (long long)c->missing_children,
            (long long)c->resampled_children);
}

int etsim_result_writer_open(etsim_result_writer *w, const char *path, int flags,
                             const etsim_search_config *cfg, const char *source_kind,
                             const char *source_spec, const etsim_meta *meta,
                             etsim_err *err) {
    memset(w, 0, sizeof *w);
    if (etsim_atomic_open(&w->af, path, err) < 0) return -1;
    w->flags = flags;
    FILE *fp = w->af.fp;
    fputs("{\"etsim_result\":1,\"config\":", fp);
    etsim_result_write_config(fp, cfg);
    /* splice source and meta into the config object */
    fseek(fp, -1, SEEK_CUR);
    fputs(",\"source\":{\"kind\":", fp);
    etsim_json_write_string(fp, source_kind);
    fputs(",\"spec\":", fp);
    etsim_json_write_string(fp, source_spec);
    fputs("},\"meta\":", fp);
    write_meta(fp, meta);
    fputs("},\n\"problems\":[", fp);
    return 0;
}

static void write_int_array(FILE *fp, const int32_t *v, int64_t n) {
    putc('[', fp);
    for (int64_t i = 0; i < n; i++) fprintf(fp, i ? ",%d" : "%d", v[i]);
    putc(']', fp);
}

int etsim_result_writer_add(etsim_result_writer *w, const etsim_problem_result *r,
                            etsim_err *err) {
    FILE *fp = w->af.fp;
    const etsim_tree *t = &r->tree;
    const etsim_problem *p = &t->prob;
    etsim_grow((void **)&w->remap, &w->cap_remap, t->n_nodes, sizeof *w->remap);
    for (int32_t i = 0; i < t->n_nodes; i++) w->remap[i] = -1;
    for (int32_t k = 0; k < r->n_gen; k++) w->remap[r->gen_order[k]] = k;

    fputs(w->n_problems ? ",\n{" : "\n{", fp);
    fprintf(fp, "\"index\":%d,\"id\":", p->index);
    etsim_json_write_string(fp, p->id);
    fputs(",\"answer\":", fp);
    etsim_json_write_string(fp, p->answer);
    fputs(",\"subject\":", fp);
    etsim_json_write_string(fp, p->subject);
    fprintf(fp, ",\"level\":%d,\"prompt_tokens\":%d,\"counters\":", p->level, p->prompt_tokens);
    write_counters(fp, &r->c);

    fputs(",\n\"nodes\":{\"parent\":[", fp);
    for (int32_t k = 0; k < r->n_gen; k++) {
        int32_t par = t->nodes[r->gen_order[k]].parent;
        fprintf(fp, k ? ",%d" : "%d", par >= 0 ? w->remap[par] : -1);
    }
    fputs("],\"tokens\":[", fp);
    for (int32_t k = 0; k < r->n_gen; k++)
        fprintf(fp, k ? ",%d" : "%d", t->nodes[r->gen_order[k]].step_tokens);
    fputs("],\"score\":[", fp);
    for (int32_t k = 0; k < r->n_gen; k++) {
        const etsim_node *nd = &t->nodes[r->gen_order[k]];
        if (k) putc(',', fp);
        put_double(fp, (nd->flags & ETSIM_NODE_SCORED) || k == 0 ? (double)nd->score : NAN);
    }
    fputs("],\"flags\":[", fp);
    for (int32_t k = 0; k < r->n_gen; k++)
        fprintf(fp, k ? ",%u" : "%u", t->nodes[r->gen_order[k]].flags);
    putc(']', fp);
    if (w->flags & ETSIM_RESULT_WITH_TEXT) {
        fputs(",\"text\":[", fp);
        for (int32_t k = 0; k < r->n_gen; k++) {
            if (k) putc(',', fp);
            etsim_json_write_string(fp, k == 0 ? p->question : etsim_tree_text(t, r->gen_order[k]));
        }
        putc(']', fp);
    }
    fputs("},\n\"decisions\":[", fp);
    for (int32_t d = 0; d < r->n_logs; d++) {
        const etsim_depth_log *lg = &r->logs[d];
        const int64_t o = lg->cand_off;
        fprintf(fp, "%s{\"depth\":%d,\"width\":%d,\"kv_tokens\":%lld,\"candidates\":[",
                d ? ",\n" : "", lg->depth, lg->width, (long long)lg->kv_tokens);
        for (int32_t i = 0; i < lg->n_cand; i++)
            fprintf(fp, i ? ",%d" : "%d", w->remap[r->log_nodes[o + i]]);
        fputs("],\"scores\":[", fp);
        for (int32_t i = 0; i < lg->n_cand; i++) {
            if (i) putc(',', fp);
            put_double(fp, r->log_scores[o + i]);
        }
        fputs("],\"counts\":", fp);
        write_int_array(fp, r->log_counts + o, lg->n_cand);
        fputs(",\"expansions\":[", fp);
        for (int32_t e = 0; e < lg->n_exp; e++)
            fprintf(fp, e ? ",[%d,%d]" : "[%d,%d]", w->remap[r->exp_cand[lg->exp_off + e]],
                    r->exp_count[lg->exp_off + e]);
        putc(']', fp);
        int any_tag = 0;
        for (int32_t i = 0; i < lg->n_cand; i++) any_tag |= r->log_tags[o + i] >= 0;
        if (any_tag) {
            fputs(",\"tags\":", fp);
            write_int_array(fp, r->log_tags + o, lg->n_cand);
        }
        if (lg->has_kept) {
            fputs(",\"kept\":[", fp);
            int first = 1;
            for (int32_t i = 0; i < lg->n_cand; i++)
                if (r->log_kept[o + i]) {
                    fprintf(fp, first ? "%d" : ",%d", w->remap[r->log_nodes[o + i]]);
                    first = 0;
                }
            putc(']', fp);
        }
        if (lg->has_clusters) {
            fputs(",\"clusters\":", fp);
            write_int_array(fp, r->log_cluster + o, lg->n_cand);
        }
        if (lg->has_objective) {
            fputs(",\"objective\":", fp);
            put_double(fp, lg->objective);
        }
        putc('}', fp);
    }
    fputs("],\n\"leaves\":[", fp);
    for (int32_t i = 0; i < r->n_leaves; i++) {
        int32_t v = r->leaves[i];
        fprintf(fp, "%s{\"node\":%d,\"answer\":", i ? "," : "", w->remap[v]);
        etsim_json_write_string(fp, etsim_tree_answer(t, v));
        fprintf(fp, ",\"tokens\":%d,\"step_scores\":[", t->nodes[v].cum_tokens);
        /* root-to-leaf order, root excluded: walk up into a small stack */
        int32_t depth = t->nodes[v].depth, k = depth;
        double stack_local[64], *st = depth <= 64 ? stack_local : etsim_malloc(sizeof(double) * depth);
        for (int32_t u = v; u > 0; u = t->nodes[u].parent) st[--k] = t->nodes[u].score;
        for (int32_t j = 0; j < depth; j++) {
            if (j) putc(',', fp);
            put_double(fp, st[j]);
        }
        if (st != stack_local) free(st);
        fputs("]}", fp);
    }
    fputs("]}", fp);
    etsim_counters_add(&w->total, &r->c);
    w->n_problems++;
    if (ferror(fp)) return etsim_errf(err, "%s: write failed", w->af.path);
    return 0;
}

int etsim_result_writer_commit(etsim_result_writer *w, etsim_err *err) {
    FILE *fp = w->af.fp;
    fprintf(fp, "\n],\n\"summary\":{\"problems\":%d,\"counters\":", w->n_problems);
    write_counters(fp, &w->total);
    fputs("}}\n", fp);
    free(w->remap);
    w->remap = NULL;
    return etsim_atomic_commit(&w->af, err);
}

void etsim_result_writer_abort(etsim_result_writer *w) {
    free(w->remap);
    w->remap = NULL;
    etsim_atomic_abort(&w->af);
}
