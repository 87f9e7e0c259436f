/* ets.c -- ETS and ETS-KV, `select_softmax_costmodel` of the ETS harness
 * (SqueezeAILab/ETS rebase.py).
 *
 * One selection step:
 *  1. Outcome weights O_i: candidates sorted by score descending, stable
 *     (`sorted(reverse=True)`: equal scores keep insertion order), REBASE's
 *     sequential-ceil allocation of the width B over exp(score / T), and
 *     O_i = count_i / sum of counts.
 *  2. Branch nodes: every distinct proper ancestor of a candidate (root
 *     included), M of them; node cost c = 1 / (M + N); cost weight
 *     -lambda_c, or +1e-4 when lambda_c = 0 (the reference's guard).
 *  3. Coverage, only when lambda_s > 0, N > 1 and the candidates' step
 *     texts are not all equal (with lambda_s > 0 a source without any
 *     embeddings is refused at every step): average-linkage clusters of the step
 *     embeddings cut at cosine distance 0.05 (cluster.h), K clusters, each
 *     covered cluster worth lambda_s / K.
 *  4. The ILP (ilp.h) picks the kept set x; ties between optimal selections
 *     go to the higher score, then the earlier candidate (the order of 1.).
 *  5. Children: REBASE's allocation of B over the kept candidates, logits
 *     score / T for kept and -inf for pruned ones, ordered as the
 *     reference's `sorted(key=logit); reverse()` (descending, ties later
 *     first; the pruned, all -inf, last in reverse insertion order); the
 *     expansions follow that order.
 * ETS-KV is the same with lambda_s fixed at 0: no clustering, no embeddings.
 * selectors/README.md records every reading taken here. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "selectors/cluster.h"
#include "sim/core/prof.h"
#include "selectors/ilp.h"
#include "sim/engine/selector.h"
#include "selectors/common.h"

enum { P_TEMPERATURE, P_LAMBDAC, P_LAMBDAS };

static const etsim_param_def ets_params[] = {
    {"softmax_temperature", 0.2, 1e-6, 1e6, "T in exp(score / T)", 0},
    {"lambdac", 1.0, 0, 1e6, "cost weight lambda_c (0 means +1e-4, as the reference)", 0},
    {"lambdas", NAN, 0, 1e6,
     "coverage weight lambda_s; default from the initial width N: 1.5 (N <= 32), "
     "1.4 (N <= 128), 1.45 (larger), the public configs for 16 / 64 / 256", 0},
    {NULL, 0, 0, 0, NULL, 0},
};

static const etsim_param_def ets_kv_params[] = {
    {"softmax_temperature", 0.2, 1e-6, 1e6, "T in exp(score / T)", 0},
    {"lambdac", 1.0, 0, 1e6, "cost weight lambda_c (0 means +1e-4, as the reference)", 0},
    {NULL, 0, 0, 0, NULL, 0},
};

/* The public configs set lambda_s = 1.5 / 1.4 / 1.45 for N = 16 / 64 / 256;
 * other widths take the config nearest on a log scale (cuts at the
 * geometric midpoints 32 and 128). */
static double default_lambdas(int32_t initial_width) {
    if (initial_width <= 32) return 1.5;
    if (initial_width <= 128) return 1.4;
    return 1.45;
}

/* Do two candidates have the same step text? Texts when both are known
 * (the reference compares the strings), else the text hashes; a step with
 * neither is taken as distinct from everything. */
static int same_text(const etsim_sel_node *a, const etsim_sel_node *b) {
    if (a->text && b->text) return strcmp(a->text, b->text) == 0;
    uint64_t ha = a->text ? etsim_hash_str(a->text) : a->text_hash;
    uint64_t hb = b->text ? etsim_hash_str(b->text) : b->text_hash;
    return ha != 0 && ha == hb;
}

static int ets_run(const etsim_sel_config *cfg, const etsim_sel_input *in,
                   etsim_sel_output *out, double lambdas, etsim_err *err) {
    int32_t N = in->n_cand, B = in->width;
    double T = cfg->v[P_TEMPERATURE], lambdac = cfg->v[P_LAMBDAC];
    if (B <= 0) return etsim_errf(err, "ets: remaining width %d", B);
    if (N <= 0) return etsim_errf(err, "ets: no candidates");
    if (!(T > 0) || !(lambdac >= 0) || !(lambdas >= 0))
        return etsim_errf(err, "ets: softmax_temperature %g, lambdac %g, lambdas %g out of range",
                          T, lambdac, lambdas);
    /* A source without embeddings cannot run ETS's coverage term. Refuse at
     * every step, not only where the texts differ: otherwise steps whose
     * texts happen to be equal (clones under --on-missing resample, say)
     * would run as ETS-KV without a word. */
    if (lambdas > 0 && in->emb_dim <= 0)
        return etsim_errf(err, "field embedding: missing (the source has no step embeddings), "
                          "and lambdas = %g needs step embeddings (use ets-kv, or --set "
                          "lambdas=0)", lambdas);
    int rc = -1;
    int prof = etsim_prof_enabled();
    size_t nz = (size_t)N;
    double *scores = etsim_malloc(nz * sizeof *scores);
    double *logits = etsim_malloc(nz * sizeof *logits);
    double *outcome = etsim_malloc(nz * sizeof *outcome);
    int32_t *order = etsim_malloc(nz * sizeof *order);
    int32_t *counts = etsim_malloc(nz * sizeof *counts);
    int32_t *labels = etsim_calloc(nz, sizeof *labels);
    int32_t *names = etsim_malloc(nz * sizeof *names);
    int32_t *cand_parent = etsim_malloc(nz * sizeof *cand_parent);
    int32_t *branch_of = etsim_malloc((size_t)in->n_nodes * sizeof *branch_of);
    int32_t *branch_parent = etsim_malloc((size_t)in->n_nodes * sizeof *branch_parent);
    uint8_t *x = etsim_calloc(nz, 1);
    const float **vecs = etsim_calloc(nz, sizeof *vecs);

    for (int32_t i = 0; i < N; i++) {
        int32_t c = in->cand[i];
        if (c < 0 || c >= in->n_nodes) {
            etsim_errf(err, "ets: candidate %d outside the view", i);
            goto done;
        }
        const etsim_sel_node *nd = &in->nodes[c];
        names[i] = nd->id;
        if (!isfinite(nd->score)) {
            etsim_errf(err, "node %d: field score: not a finite number", nd->id);
            goto done;
        }
        scores[i] = nd->score;
    }

    /* 1. outcome weights */
    etsim_order_desc_stable(scores, N, order);
    for (int32_t r = 0; r < N; r++) logits[r] = scores[order[r]] / T;
    int64_t total = etsim_rebase_allocate(logits, N, B, counts);
    for (int32_t r = 0; r < N; r++)
        outcome[order[r]] = total > 0 ? (double)counts[r] / (double)total : 0.0;

    /* 2. branch nodes: mark ancestors, number them in view order */
    for (int32_t v = 0; v < in->n_nodes; v++) {
        branch_of[v] = -1;
        int32_t p = in->nodes[v].parent;
        if (p >= v || (v == 0) != (p < 0)) {
            etsim_errf(err, "ets: view node %d (id %d) has parent %d: not in parent order", v,
                       in->nodes[v].id, p);
            goto done;
        }
    }
    for (int32_t i = 0; i < N; i++)
        for (int32_t v = in->nodes[in->cand[i]].parent; v >= 0 && branch_of[v] != -2;
             v = in->nodes[v].parent)
            branch_of[v] = -2;
    int32_t M = 0;
    for (int32_t v = 0; v < in->n_nodes; v++)
        if (branch_of[v] == -2) {
            int32_t p = in->nodes[v].parent;
            branch_parent[M] = p >= 0 ? branch_of[p] : -1;
            branch_of[v] = M++;
        }
    for (int32_t i = 0; i < N; i++) {
        int32_t p = in->nodes[in->cand[i]].parent;
        cand_parent[i] = p >= 0 ? branch_of[p] : -1;
    }
    double cost = 1.0 / (double)(M + N);
    double weight = lambdac == 0 ? 1e-4 : -lambdac;

    /* 3. semantic coverage */
    int apply_sim = 0;
    if (lambdas > 0 && N > 1)
        for (int32_t i = 1; i < N && !apply_sim; i++)
            apply_sim = !same_text(&in->nodes[in->cand[0]], &in->nodes[in->cand[i]]);
    int32_t K = 0;
    if (apply_sim) {
        for (int32_t i = 0; i < N; i++) {
            vecs[i] = in->emb_dim > 0 ? in->nodes[in->cand[i]].embedding : NULL;
            if (!vecs[i]) {
                etsim_errf(err, "node %d: field embedding: missing, and lambdas = %g needs "
                           "step embeddings (use ets-kv, or --set lambdas=0)", names[i], lambdas);
                goto done;
            }
        }
        double t0 = prof ? etsim_prof_now() : 0.0;
        /* shared: the same candidates reached under another lambda (a
         * sweep's configurations of one problem) reuse the clustering */
        K = etsim_cluster_embeddings_shared(vecs, N, in->emb_dim, ETSIM_CLUSTER_CUT, names, labels,
                                            err);
        if (prof) etsim_prof_add(ETSIM_PROF_CLUSTER, etsim_prof_now() - t0);
        if (K < 0) goto done;
    }

    /* 4. the ILP */
    etsim_ilp_model m = {
        .n_cand = N,
        .n_branch = M,
        .cand_parent = cand_parent,
        .branch_parent = branch_parent,
        .outcome = outcome,
        .unit_cost = weight * cost,
        .n_clusters = K,
        .cluster = labels,
        .coverage = K > 0 ? lambdas / K : 0.0,
        .prefer = order,
        .outcome_den = total,
    };
    double objective = 0;
    etsim_ilp_stats ilp_stats;
    double t_ilp = prof ? etsim_prof_now() : 0.0;
    if (etsim_ilp_solve(&m, x, &objective, &ilp_stats, err) < 0) goto done;
    if (prof)
        etsim_prof_add(ilp_stats.exact ? ETSIM_PROF_EXACT : ETSIM_PROF_GLPK, etsim_prof_now() - t_ilp);

    /* 5. children for the kept candidates */
    for (int32_t i = 0; i < N; i++) logits[i] = x[i] ? scores[i] / T : -INFINITY;
    etsim_order_desc_later_first(logits, N, order);
    double *sorted = outcome; /* reuse: O_i is no longer needed */
    for (int32_t r = 0; r < N; r++) sorted[r] = logits[order[r]];
    etsim_rebase_allocate(sorted, N, B, counts);
    for (int32_t r = 0; r < N; r++)
        if (counts[r] > 0) etsim_sel_expand(out, order[r], counts[r]);

    for (int32_t i = 0; i < N; i++) {
        out->kept[i] = x[i];
        out->cluster[i] = apply_sim ? labels[i] : -1;
    }
    out->has_kept = 1;
    out->has_clusters = apply_sim;
    out->has_objective = 1;
    out->objective = objective;
    rc = 0;
done:
    free(scores);
    free(logits);
    free(outcome);
    free(order);
    free(counts);
    free(labels);
    free(names);
    free(cand_parent);
    free(branch_of);
    free(branch_parent);
    free(x);
    free(vecs);
    return rc;
}

static int ets_select(const etsim_sel_config *cfg, const etsim_sel_input *in,
                      etsim_sel_output *out, etsim_err *err) {
    double lambdas = cfg->v[P_LAMBDAS];
    if (isnan(lambdas)) lambdas = default_lambdas(in->initial_width);
    return ets_run(cfg, in, out, lambdas, err);
}

static int ets_kv_select(const etsim_sel_config *cfg, const etsim_sel_input *in,
                         etsim_sel_output *out, etsim_err *err) {
    return ets_run(cfg, in, out, 0.0, err);
}

const etsim_selector etsim_selector_ets = {
    .abi = ETSIM_SELECTOR_ABI,
    .name = "ets",
    .summary = "ETS: ILP over KV cost, softmax outcome and semantic coverage, then REBASE",
    .params = ets_params,
    .validate = NULL,
    .select = ets_select,
};

const etsim_selector etsim_selector_ets_kv = {
    .abi = ETSIM_SELECTOR_ABI,
    .name = "ets-kv",
    .summary = "ETS-KV: ETS without the coverage term (lambdas = 0, no embeddings)",
    .params = ets_kv_params,
    .validate = NULL,
    .select = ets_kv_select,
};
