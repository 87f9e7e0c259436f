/* metrics.c -- the per-problem result line of a sweep and the per-config
 * summary computed from those lines (formats in metrics.h).
 *
 * A problem line is written from the engine's result right after the
 * search and never changes; everything a summary needs is in it, so a
 * summary can be recomputed at any time (after a resume, after merging
 * shards) from the lines alone, in problem order. The GPU simulation needs
 * each problem's fork structure, so configs with GPU settings carry a
 * compact cost trace ("ct") in their lines: the parent array run-length
 * coded (children of one candidate are consecutive in generation order),
 * step tokens, and per selection the candidate count, their tokens and
 * whether the selector clustered. */
#include "sim/sweep/metrics.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_model/cost.h"
#include "sim/eval/vote.h"
#include "sim/core/json.h"
#include "sim/core/sbuf.h"

/* ---- voting ------------------------------------------------------------------------ */

/* The reference's aggregation (math_evaluate.py) as sim/eval/vote.h
 * implements it, with the weight of a leaf = its last-step PRM score:
 * weighted majority, plain majority and best-of-N. The answers are already
 * extracted (the oracle stores final answers). */
void etsim_sweep_vote(const etsim_problem_result *r, etsim_sweep_votes *out) {
    const etsim_tree *t = &r->tree;
    memset(out, 0, sizeof *out);
    int32_t n = r->n_leaves;
    etsim_arena a;
    etsim_arena_init(&a);
    etsim_leaf *lv = etsim_calloc((size_t)(n > 0 ? n : 1), sizeof *lv);
    double *last = etsim_malloc((size_t)(n > 0 ? n : 1) * sizeof *last);
    for (int32_t i = 0; i < n; i++) {
        const char *ans = etsim_tree_answer(t, r->leaves[i]);
        last[i] = t->nodes[r->leaves[i]].score;
        lv[i].answer = ans ? ans : ETSIM_INVALID_ANSWER;
        lv[i].scores = &last[i];
        lv[i].n_scores = 1;
    }
    static const etsim_vote kinds[3] = {ETSIM_VOTE_WEIGHTED, ETSIM_VOTE_MAJORITY, ETSIM_VOTE_BEST};
    etsim_eval_opts o = etsim_eval_opts_default();
    o.agg = ETSIM_AGG_LAST;
    for (int k = 0; k < 3; k++) {
        etsim_vote_result vr;
        o.vote = kinds[k];
        etsim_vote_select(&a, lv, n, t->prob.answer, &o, &vr);
        out->answer[k] = vr.chosen >= 0 ? etsim_tree_answer(t, r->leaves[vr.chosen]) : NULL;
        out->correct[k] = vr.chosen >= 0 && vr.correct;
    }
    free(lv);
    free(last);
    etsim_arena_free(&a);
}

/* ---- problem lines --------------------------------------------------------------------- */

static void write_counters(etsim_sbuf *sb, const etsim_counters *c) {
    etsim_sbuf_printf(sb,
                      "{\"model_calls\":%lld,\"tokens_generated\":%lld,\"kv_tokens\":%lld,"
                      "\"selections\":%lld,\"nodes_generated\":%lld,\"dropped_unscored\":%lld,"
                      "\"retired_leaf\":%lld,\"retired_length\":%lld,\"missing_children\":%lld,"
                      "\"resampled_children\":%lld}",
                      (long long)c->model_calls, (long long)c->tokens_generated, (long long)c->kv_tokens,
                      (long long)c->selections, (long long)c->nodes_generated,
                      (long long)c->dropped_unscored, (long long)c->retired_leaf,
                      (long long)c->retired_length, (long long)c->missing_children,
                      (long long)c->resampled_children);
}

static const char *const COUNTER_NAMES[10] = {
    "model_calls", "tokens_generated", "kv_tokens", "selections", "nodes_generated",
    "dropped_unscored", "retired_leaf", "retired_length", "missing_children",
    "resampled_children"};

static int64_t *counter_field(etsim_counters *c, int i) {
    int64_t *f[10] = {&c->model_calls, &c->tokens_generated, &c->kv_tokens, &c->selections,
                      &c->nodes_generated, &c->dropped_unscored, &c->retired_leaf,
                      &c->retired_length, &c->missing_children, &c->resampled_children};
    return f[i];
}

static void write_answers(etsim_sbuf *sb, const etsim_problem_result *r) {
    const etsim_tree *t = &r->tree;
    int32_t n = r->n_leaves, n_dist = 0;
    int32_t *first = etsim_malloc((size_t)(n > 0 ? n : 1) * sizeof *first);
    int32_t *count = etsim_malloc((size_t)(n > 0 ? n : 1) * sizeof *count);
    double *weight = etsim_malloc((size_t)(n > 0 ? n : 1) * sizeof *weight);
    for (int32_t i = 0; i < n; i++) {
        const char *a = etsim_tree_answer(t, r->leaves[i]);
        double w = t->nodes[r->leaves[i]].score;
        int32_t k = 0;
        for (; k < n_dist; k++) {
            const char *b = etsim_tree_answer(t, r->leaves[first[k]]);
            if ((a == NULL && b == NULL) || (a && b && !strcmp(a, b))) break;
        }
        if (k == n_dist) {
            first[k] = i;
            count[k] = 0;
            weight[k] = 0;
            n_dist++;
        }
        count[k]++;
        weight[k] += isnan(w) ? 0.0 : w;
    }
    etsim_sbuf_puts(sb, "\"answers\":[");
    for (int32_t k = 0; k < n_dist; k++) {
        etsim_sbuf_puts(sb, k ? ",[" : "[");
        etsim_sbuf_json_string(sb, etsim_tree_answer(t, r->leaves[first[k]]));
        etsim_sbuf_printf(sb, ",%d,", count[k]);
        etsim_sbuf_double(sb, weight[k]);
        etsim_sbuf_putc(sb, ']');
    }
    etsim_sbuf_putc(sb, ']');
    free(first);
    free(count);
    free(weight);
}

static void write_cost_trace(etsim_sbuf *sb, const etsim_cost_trace *ct) {
    etsim_sbuf_puts(sb, "\"ct\":{\"par\":[");
    int first = 1;
    for (int32_t i = 0; i < ct->n_nodes;) {
        int32_t j = i;
        while (j < ct->n_nodes && ct->parent[j] == ct->parent[i]) j++;
        etsim_sbuf_printf(sb, first ? "%d,%d" : ",%d,%d", ct->parent[i], j - i);
        first = 0;
        i = j;
    }
    etsim_sbuf_puts(sb, "],\"tok\":[");
    for (int32_t i = 0; i < ct->n_nodes; i++) etsim_sbuf_printf(sb, i ? ",%d" : "%d", ct->tokens[i]);
    etsim_sbuf_puts(sb, "],\"cand\":[");
    for (int32_t r = 0; r < ct->n_rounds; r++) etsim_sbuf_printf(sb, r ? ",%d" : "%d", ct->round_cand[r]);
    etsim_sbuf_puts(sb, "],\"ctok\":[");
    for (int32_t r = 0; r < ct->n_rounds; r++)
        etsim_sbuf_printf(sb, r ? ",%lld" : "%lld", (long long)ct->round_cand_tokens[r]);
    etsim_sbuf_puts(sb, "],\"emb\":[");
    for (int32_t r = 0; r < ct->n_rounds; r++) etsim_sbuf_printf(sb, r ? ",%d" : "%d", ct->round_embed[r]);
    etsim_sbuf_puts(sb, "]}");
}

char *etsim_sweep_problem_line(const etsim_sweep_grid *g, const etsim_sweep_config *cf,
                               const etsim_problem_result *r, size_t *len, etsim_err *err) {
    (void)g;
    const etsim_tree *t = &r->tree;
    etsim_cost_trace ct;
    if (etsim_cost_trace_from_result(&ct, r, err) < 0) return NULL;
    int32_t *stamp = etsim_malloc((size_t)(ct.n_nodes > 0 ? ct.n_nodes : 1) * sizeof *stamp);
    etsim_kv_replay_stats kv;
    etsim_kv_replay_account(&ct, &kv, stamp);
    free(stamp);
    etsim_sweep_votes v;
    etsim_sweep_vote(r, &v);

    etsim_sbuf line = {0}, *sb = &line;
    etsim_sbuf_printf(sb, "{\"cfg\":\"%s\",\"p\":%d,\"id\":", cf->hash, t->prob.index);
    etsim_sbuf_json_string(sb, t->prob.id);
    etsim_sbuf_puts(sb, ",\"gt\":");
    etsim_sbuf_json_string(sb, t->prob.answer);
    etsim_sbuf_puts(sb, ",\"c\":");
    write_counters(sb, &r->c);
    etsim_sbuf_puts(sb, ",\"kv\":{\"shared_mean\":");
    etsim_sbuf_double(sb, kv.shared_mean);
    etsim_sbuf_puts(sb, ",\"shared_peak\":");
    etsim_sbuf_double(sb, kv.shared_peak);
    etsim_sbuf_puts(sb, ",\"unshared_mean\":");
    etsim_sbuf_double(sb, kv.unshared_mean);
    etsim_sbuf_puts(sb, ",\"unshared_peak\":");
    etsim_sbuf_double(sb, kv.unshared_peak);
    etsim_sbuf_printf(sb, "},\"leaves\":%d,\"vote\":{", r->n_leaves);
    static const char *const vname[3] = {"weighted", "majority", "best"};
    for (int k = 0; k < 3; k++) {
        etsim_sbuf_printf(sb, "%s\"%s\":[", k ? "," : "", vname[k]);
        etsim_sbuf_json_string(sb, v.answer[k]);
        etsim_sbuf_printf(sb, ",%s]", v.correct[k] ? "true" : "false");
    }
    etsim_sbuf_puts(sb, "},");
    write_answers(sb, r);
    if (cf->n_gpus > 0) {
        etsim_sbuf_putc(sb, ',');
        write_cost_trace(sb, &ct);
    }
    etsim_sbuf_puts(sb, "}\n");
    etsim_cost_trace_free(&ct);
    return etsim_sbuf_take(sb, len);
}

/* ---- summaries ------------------------------------------------------------------------- */

struct etsim_sweep_summarizer {
    const etsim_sweep_grid *g;
    const etsim_sweep_config *cf;
    int32_t n;                  /* problems added                       */
    etsim_counters sum;
    int64_t correct[3];
    double kv_shared_mean, kv_unshared_mean, kv_shared_peak, kv_unshared_peak;
    etsim_cost_traces traces;   /* when the config has GPU settings     */
};

etsim_sweep_summarizer *etsim_sweep_summarizer_new(const etsim_sweep_grid *g,
                                                   const etsim_sweep_config *cf) {
    etsim_sweep_summarizer *s = etsim_calloc(1, sizeof *s);
    s->g = g;
    s->cf = cf;
    return s;
}

void etsim_sweep_summarizer_free(etsim_sweep_summarizer *s) {
    if (!s) return;
    etsim_cost_traces_free(&s->traces);
    free(s);
}

/* Read an int array field; NULL on a type error. */
static int32_t *int_array(const cJSON *a, int32_t *n, int64_t lo, int64_t hi) {
    if (!cJSON_IsArray(a)) return NULL;
    int32_t k = cJSON_GetArraySize(a);
    int32_t *v = etsim_malloc((size_t)(k > 0 ? k : 1) * sizeof *v);
    int32_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsNumber(e) || e->valuedouble < (double)lo || e->valuedouble > (double)hi ||
            e->valuedouble != floor(e->valuedouble)) {
            free(v);
            return NULL;
        }
        v[i++] = (int32_t)e->valuedouble;
    }
    *n = k;
    return v;
}

static int add_cost_trace(etsim_sweep_summarizer *s, int32_t p, const cJSON *ct, etsim_err *err) {
    int32_t n_par = 0, n_tok = 0, n_cand = 0, n_ctok = 0, n_emb = 0;
    int32_t *par = int_array(cJSON_GetObjectItemCaseSensitive(ct, "par"), &n_par, -1, INT32_MAX);
    int32_t *tok = int_array(cJSON_GetObjectItemCaseSensitive(ct, "tok"), &n_tok, 0, INT32_MAX);
    int32_t *cand = int_array(cJSON_GetObjectItemCaseSensitive(ct, "cand"), &n_cand, 0, INT32_MAX);
    int32_t *ctok = int_array(cJSON_GetObjectItemCaseSensitive(ct, "ctok"), &n_ctok, 0, INT32_MAX);
    int32_t *emb = int_array(cJSON_GetObjectItemCaseSensitive(ct, "emb"), &n_emb, 0, 1);
    int32_t *parent = NULL;
    int64_t *ctok64 = NULL;
    uint8_t *emb8 = NULL;
    int rc = -1;
    if (!par || !tok || !cand || !ctok || !emb || n_par % 2 || n_cand != n_ctok ||
        n_cand != n_emb) {
        etsim_errf(err, "problem %d: field ct: malformed cost trace", p);
        goto out;
    }
    parent = etsim_malloc((size_t)(n_tok > 0 ? n_tok : 1) * sizeof *parent);
    int32_t k = 0;
    for (int32_t i = 0; i < n_par; i += 2) {
        if (par[i + 1] < 1 || par[i + 1] > n_tok - k) {
            etsim_errf(err, "problem %d: field ct.par: runs do not match %d nodes", p, n_tok);
            goto out;
        }
        for (int32_t j = 0; j < par[i + 1]; j++) parent[k++] = par[i];
    }
    if (k != n_tok) {
        etsim_errf(err, "problem %d: field ct.par: runs cover %d of %d nodes", p, k, n_tok);
        goto out;
    }
    ctok64 = etsim_malloc((size_t)(n_cand > 0 ? n_cand : 1) * sizeof *ctok64);
    emb8 = etsim_malloc((size_t)(n_cand > 0 ? n_cand : 1));
    for (int32_t i = 0; i < n_cand; i++) {
        ctok64[i] = ctok[i];
        emb8[i] = (uint8_t)emb[i];
    }
    etsim_grow((void **)&s->traces.v, &s->traces.cap, s->traces.n + 1, sizeof *s->traces.v);
    if (etsim_cost_trace_build(&s->traces.v[s->traces.n], p, n_tok, parent, tok, n_cand, cand,
                               ctok64, emb8, err) < 0)
        goto out;
    s->traces.n++;
    rc = 0;
out:
    free(par);
    free(tok);
    free(cand);
    free(ctok);
    free(emb);
    free(parent);
    free(ctok64);
    free(emb8);
    return rc;
}

int etsim_sweep_summarizer_add(etsim_sweep_summarizer *s, const char *line, size_t len,
                               etsim_err *err) {
    int32_t want = s->cf->first + s->n;
    cJSON *j = etsim_json_parse(line, len, NULL, err);
    int rc = -1;
    if (!j) {
        etsim_err_prefix(err, "config %s problem %d", s->cf->hash, want);
        goto out;
    }
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "p");
    if (!cJSON_IsNumber(p) || p->valuedouble != want) {
        etsim_errf(err, "config %s: expected problem %d next, field p is not that", s->cf->hash,
                   want);
        goto out;
    }
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "c");
    for (int i = 0; i < 10; i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(c, COUNTER_NAMES[i]);
        /* a count: the int64 cast and the sum below must not overflow */
        if (!cJSON_IsNumber(f) || !(f->valuedouble >= 0 && f->valuedouble < 1e15)) {
            etsim_errf(err, "config %s problem %d: field c.%s missing or not a count", s->cf->hash,
                       want, COUNTER_NAMES[i]);
            goto out;
        }
        *counter_field(&s->sum, i) += (int64_t)f->valuedouble;
    }
    const cJSON *vote = cJSON_GetObjectItemCaseSensitive(j, "vote");
    static const char *const vname[3] = {"weighted", "majority", "best"};
    for (int k = 0; k < 3; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(vote, vname[k]);
        const cJSON *ok = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, 1) : NULL;
        if (!cJSON_IsBool(ok)) {
            etsim_errf(err, "config %s problem %d: field vote.%s malformed", s->cf->hash, want,
                       vname[k]);
            goto out;
        }
        s->correct[k] += cJSON_IsTrue(ok);
    }
    const cJSON *kv = cJSON_GetObjectItemCaseSensitive(j, "kv");
    const cJSON *f;
    if ((f = cJSON_GetObjectItemCaseSensitive(kv, "shared_mean")) && cJSON_IsNumber(f))
        s->kv_shared_mean += f->valuedouble;
    if ((f = cJSON_GetObjectItemCaseSensitive(kv, "unshared_mean")) && cJSON_IsNumber(f))
        s->kv_unshared_mean += f->valuedouble;
    if ((f = cJSON_GetObjectItemCaseSensitive(kv, "shared_peak")) && cJSON_IsNumber(f))
        s->kv_shared_peak = fmax(s->kv_shared_peak, f->valuedouble);
    if ((f = cJSON_GetObjectItemCaseSensitive(kv, "unshared_peak")) && cJSON_IsNumber(f))
        s->kv_unshared_peak = fmax(s->kv_unshared_peak, f->valuedouble);
    if (s->cf->n_gpus > 0) {
        const cJSON *ct = cJSON_GetObjectItemCaseSensitive(j, "ct");
        if (!cJSON_IsObject(ct)) {
            etsim_errf(err, "config %s problem %d: field ct missing (config has GPU settings)",
                       s->cf->hash, want);
            goto out;
        }
        if (add_cost_trace(s, want, ct, err) < 0) goto out;
    }
    s->n++;
    rc = 0;
out:
    cJSON_Delete(j);
    return rc;
}

static void write_server(etsim_sbuf *sb, const etsim_cost_server_setup *su,
                         const etsim_des_server_stats *st) {
    etsim_sbuf_puts(sb, "{\"busy_s\":");
    etsim_sbuf_double(sb, st->busy_s);
    etsim_sbuf_printf(sb, ",\"kv_pool_tokens\":%lld,\"kv_used_mean\":", (long long)su->kv_pool_tokens);
    etsim_sbuf_double(sb, st->used_mean);
    etsim_sbuf_printf(sb, ",\"kv_used_peak\":%lld,\"kv_unshared_mean\":", (long long)st->used_peak);
    etsim_sbuf_double(sb, st->unshared_mean);
    etsim_sbuf_printf(sb, ",\"recomputed_tokens\":%lld,\"retractions\":%lld,\"evicted_tokens\":%lld,"
                      "\"iterations\":%lld,\"flops\":",
                      (long long)st->recomputed_tokens, (long long)st->retractions,
                      (long long)st->evicted_tokens, (long long)st->iterations);
    etsim_sbuf_double(sb, st->linear_flops + st->attention_flops);
    etsim_sbuf_putc(sb, '}');
}

char *etsim_sweep_summarizer_finish(etsim_sweep_summarizer *s, size_t *len, etsim_err *err) {
    const etsim_sweep_config *cf = s->cf;
    if (s->n != cf->count) {
        etsim_errf(err, "config %s: %d of %d problems present", cf->hash, s->n, cf->count);
        return NULL;
    }
    etsim_sbuf line = {0}, *sb = &line;
    double np = s->n > 0 ? s->n : 1;
    etsim_sbuf_printf(sb, "{\"cfg\":\"%s\",\"summary\":{\"problems\":%d,\"accuracy\":{", cf->hash, s->n);
    static const char *const vname[3] = {"weighted", "majority", "best"};
    for (int k = 0; k < 3; k++) {
        etsim_sbuf_printf(sb, "%s\"%s\":", k ? "," : "", vname[k]);
        etsim_sbuf_double(sb, (double)s->correct[k] * 100.0 / np);
    }
    etsim_sbuf_puts(sb, "},\"counters\":");
    write_counters(sb, &s->sum);
    etsim_sbuf_puts(sb, ",\"mean\":{\"model_calls\":");
    etsim_sbuf_double(sb, (double)s->sum.model_calls / np);
    etsim_sbuf_puts(sb, ",\"tokens_generated\":");
    etsim_sbuf_double(sb, (double)s->sum.tokens_generated / np);
    etsim_sbuf_puts(sb, ",\"kv_tokens\":");
    etsim_sbuf_double(sb, (double)s->sum.kv_tokens / np);
    etsim_sbuf_puts(sb, ",\"kv_shared_mean\":");
    etsim_sbuf_double(sb, s->kv_shared_mean / np);
    etsim_sbuf_puts(sb, ",\"kv_unshared_mean\":");
    etsim_sbuf_double(sb, s->kv_unshared_mean / np);
    etsim_sbuf_puts(sb, "},\"peak\":{\"kv_shared\":");
    etsim_sbuf_double(sb, s->kv_shared_peak);
    etsim_sbuf_puts(sb, ",\"kv_unshared\":");
    etsim_sbuf_double(sb, s->kv_unshared_peak);
    etsim_sbuf_puts(sb, "},\"gpu\":[");
    for (int32_t gi = 0; gi < cf->n_gpus; gi++) {
        const etsim_sweep_gpu *gs = &s->g->gpus[cf->gpus[gi]];
        etsim_cost_config cc;
        etsim_cost_report rep;
        memset(&rep, 0, sizeof rep);
        if (etsim_sweep_gpu_config(gs, &cc, err) < 0) goto fail;
        int rc = etsim_cost_run(&cc, s->traces.v, s->traces.n, &rep, err);
        etsim_cost_config_free(&cc);
        if (rc < 0) {
            etsim_cost_report_free(&rep);
            etsim_err_prefix(err, "config %s: GPU setting %s", cf->hash, gs->canon);
            goto fail;
        }
        const etsim_des_result *sim = &rep.sim;
        double mk = sim->makespan_s > 0 ? sim->makespan_s : 1e-300;
        etsim_sbuf_printf(sb, "%s{\"setting\":%s,\"makespan_s\":", gi ? "," : "", gs->canon);
        etsim_sbuf_double(sb, sim->makespan_s);
        etsim_sbuf_puts(sb, ",\"problems_per_s\":");
        etsim_sbuf_double(sb, (double)s->n / mk);
        etsim_sbuf_puts(sb, ",\"tokens_per_s\":");
        etsim_sbuf_double(sb, (double)sim->generated_tokens / mk);
        etsim_sbuf_printf(sb, ",\"generated_tokens\":%lld,\"scored_tokens\":%lld,\"flops\":",
                          (long long)sim->generated_tokens, (long long)sim->scored_tokens);
        etsim_sbuf_double(sb, sim->policy.linear_flops + sim->policy.attention_flops +
                        sim->prm.linear_flops + sim->prm.attention_flops);
        etsim_sbuf_printf(sb, ",\"regime\":\"%s\"", etsim_cost_regime(&rep));
        etsim_sbuf_puts(sb, ",\"policy\":");
        write_server(sb, &rep.policy, &sim->policy);
        etsim_sbuf_puts(sb, ",\"prm\":");
        write_server(sb, &rep.prm, &sim->prm);
        etsim_sbuf_putc(sb, '}');
        etsim_cost_report_free(&rep);
    }
    etsim_sbuf_puts(sb, "]}}\n");
    return etsim_sbuf_take(sb, len);
fail:
    etsim_sbuf_free(sb);
    return NULL;
}
