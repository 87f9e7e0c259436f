/* verify.c -- replay a finished capture and compare (see verify.h). Each
 * configuration is replayed through the same result writer the live run
 * used, into DIR/.verify-<name>.json, which is compared with DIR/<name>.json
 * from the "problems" key on (the header naturally names another source)
 * and removed. The trace's trees are then walked once for the counts. */
#include "traces/capture/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/result.h"
#include "sim/eval/score.h"
#include "traces/capture/capture_internal.h"
#include "traces/trace.h"

void etsim_verify_report_free(etsim_verify_report *rep) {
    free(rep->first_differing);
    memset(rep, 0, sizeof *rep);
}

/* The bytes of path from its first "problems": on (malloc'd), or NULL. */
static char *tail_from_problems(const char *path, size_t *len, etsim_err *err) {
    size_t n;
    char *all = etsim_read_file(path, &n, err);
    if (!all) return NULL;
    char *p = strstr(all, "\"problems\":");
    if (!p) {
        free(all);
        etsim_errf(err, "%s: no \"problems\" key", path);
        return NULL;
    }
    *len = n - (size_t)(p - all);
    memmove(all, p, *len);
    return all;
}

/* Replay configuration `sel` over the trace into `path`. */
static int replay_one(etsim_oracle *o, const cap_sel *sel, const char *path, etsim_err *err) {
    etsim_result_writer w;
    etsim_eval_summary acc;
    etsim_eval_summary_init(&acc, o->meta.answer_format);
    int rc = etsim_result_writer_open(&w, path, 0, &sel->cfg, "trace", "", &o->meta, &acc.hook, err);
    if (rc < 0) goto done;
    for (int32_t k = 0; k < o->meta.n_problems && rc == 0; k++) {
        etsim_problem_result res;
        etsim_problem_result_init(&res, o->meta.emb_dim);
        rc = etsim_search_problem(o, &sel->cfg, k, &res, err);
        if (rc == 0) rc = etsim_result_writer_add(&w, &res, err);
        etsim_problem_result_free(&res);
    }
    if (rc == 0) rc = etsim_result_writer_commit(&w, err);
    else etsim_result_writer_abort(&w);
done:
    etsim_eval_summary_free(&acc);
    return rc;
}

static int compare(const cap_sel *sel, const char *dir, etsim_oracle *o, etsim_verify_report *rep,
                   etsim_err *err) {
    size_t n = strlen(dir) + strlen(sel->name) + 32;
    char *live = etsim_malloc(n), *mine = etsim_malloc(n), *a = NULL, *b = NULL;
    snprintf(live, n, "%s/%s.json", dir, sel->name);
    snprintf(mine, n, "%s/.verify-%s.json", dir, sel->name);
    int rc = -1;
    size_t la, lb;
    if (replay_one(o, sel, mine, err) < 0) goto done;
    if (!(a = tail_from_problems(live, &la, err)) || !(b = tail_from_problems(mine, &lb, err)))
        goto done;
    size_t i = 0;
    while (i < la && i < lb && a[i] == b[i]) i++;
    if (i == la && i == lb) {
        rep->agree++;
    } else if (!rep->first_differing) {
        rep->first_differing = etsim_strdup(sel->name);
        rep->differ_at = (int64_t)i;
    }
    rep->configs++;
    rc = 0;
done:
    remove(mine);
    free(a);
    free(b);
    free(live);
    free(mine);
    return rc;
}

static int count_trees(const char *trace_path, etsim_verify_report *rep, etsim_err *err) {
    etsim_trace *tr = etsim_trace_open(trace_path, err);
    if (!tr) return -1;
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    int rc = 0;
    for (int32_t k = 0; k < etsim_trace_n_problems(tr) && rc == 0; k++) {
        etsim_tree t;
        etsim_tree_init(&t, etsim_trace_meta(tr)->emb_dim);
        rc = etsim_trace_load(tr, k, &t, s, err);
        for (int32_t v = 0; rc == 0 && v < t.n_nodes; v++) {
            const etsim_node *nd = &t.nodes[v];
            if (v > 0) {
                rep->nodes++;
                if (nd->step_tokens == 0) rep->zero_token_children++;
                if (!(nd->flags & ETSIM_NODE_SCORED)) rep->unscored_children++;
            }
            for (int32_t i = 1; i < nd->n_kids; i++)
                for (int32_t e = 0; e < i; e++) {
                    const char *x = etsim_tree_text(&t, nd->kids[i]), *y = etsim_tree_text(&t, nd->kids[e]);
                    if (x && y && !strcmp(x, y)) {
                        rep->duplicate_siblings++;
                        break;
                    }
                }
        }
        etsim_tree_free(&t);
    }
    etsim_trace_scratch_free(s);
    etsim_trace_close(tr);
    return rc;
}

int etsim_capture_verify(const char *config_path, const char *trace_path,
                         const char *results_dir, etsim_verify_report *rep, etsim_err *err) {
    memset(rep, 0, sizeof *rep);
    cap_config cfg;
    /* Only the selector list matters: parse as --coverage does. */
    if (cap_config_load(config_path, "coverage", 0, &cfg, err) < 0) return -1;
    etsim_oracle *o = etsim_oracle_open("trace", trace_path, err);
    int rc = o ? 0 : -1;
    for (int c = 0; rc == 0 && c < cfg.n_sels; c++) rc = compare(&cfg.sels[c], results_dir, o, rep, err);
    if (o) etsim_oracle_close(o);
    cap_config_free(&cfg);
    if (rc == 0) rc = count_trees(trace_path, rep, err);
    return rc;
}
