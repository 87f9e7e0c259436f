/* sel_bench.c -- how long one ETS selection step takes, and how it grows
 * with the number of candidates N (the README's figures: 256 candidates in a
 * tree 10 deep with 64-d embeddings, median <= 1 ms with clustering at
 * every lambda_b; 1,024 candidates <= 20 ms).
 *
 * Instances are synthetic but shaped like a real step: candidates at depth
 * 10 of a tree whose level sizes grow geometrically from the root to N
 * (every inner node has a candidate below it), PRM scores uniform in
 * [0, 1], and embeddings drawn around N/4 centroids with small noise so
 * that near-duplicate steps form clusters under the 0.05 cut. Everything
 * comes from the counter RNG: the same instance on every run. Each size
 * reports the median of several runs of the whole select() (clustering
 * included) and of its two parts; the literal reference model (one row per
 * ancestor-candidate pair, all binary) is timed up to N = 512 for
 * comparison with the edge model that etsim solves. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "selectors/cluster.h"
#include "selectors/ilp.h"
#include "selectors/sel_bench.h"
#include "sim/engine/selector.h"
#include "selectors/common.h"
#include "selectors/registry.h"

enum { DEPTH = 10, DIM = 64 };

/* Thread CPU time: on a shared machine it measures the work itself; on an
 * idle one it equals wall time for this single-threaded code. */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct bench_inst {
    etsim_sel_node *nodes;
    int32_t n_nodes;
    int32_t *cand;
    int32_t n_cand;
    float *emb;
} bench_inst;

static void make_inst(bench_inst *b, int32_t N, uint64_t seed) {
    etsim_rng r = etsim_rng_make(seed, (uint64_t)N, 0, 0, 0);
    int32_t size[DEPTH + 1], start[DEPTH + 1], total = 0;
    for (int32_t l = 0; l <= DEPTH; l++) {
        double s = pow((double)N, (double)l / DEPTH);
        size[l] = l == DEPTH ? N : (int32_t)(s + 0.5);
        if (size[l] < 1) size[l] = 1;
        if (l > 0 && size[l] < size[l - 1]) size[l] = size[l - 1];
        start[l] = total;
        total += size[l];
    }
    b->n_nodes = total;
    b->n_cand = N;
    b->nodes = etsim_calloc((size_t)total, sizeof *b->nodes);
    b->cand = etsim_malloc((size_t)N * sizeof *b->cand);
    b->emb = etsim_malloc((size_t)N * DIM * sizeof *b->emb);
    int32_t n_cent = N / 4 > 0 ? N / 4 : 1;
    float *cent = etsim_malloc((size_t)n_cent * DIM * sizeof *cent);
    for (int32_t k = 0; k < n_cent * DIM; k++) cent[k] = (float)etsim_rng_normal(&r);
    for (int32_t l = 0; l <= DEPTH; l++)
        for (int32_t k = 0; k < size[l]; k++) {
            int32_t v = start[l] + k;
            etsim_sel_node *nd = &b->nodes[v];
            nd->id = v;
            nd->tag = -1;
            nd->step_tokens = 20 + (int32_t)(etsim_rng_u64(&r) % 80);
            nd->text_hash = (uint64_t)v + 1; /* all step texts distinct */
            if (l == 0) {
                nd->parent = -1;
                nd->score = 1.0;
                continue;
            }
            int32_t np = size[l - 1];
            nd->parent = start[l - 1] + (k < np ? k : (int32_t)(etsim_rng_u64(&r) % (uint64_t)np));
            nd->score = etsim_rng_uniform(&r);
        }
    for (int32_t i = 0; i < N; i++) {
        int32_t v = start[DEPTH] + i, c = (int32_t)(etsim_rng_u64(&r) % (uint64_t)n_cent);
        b->cand[i] = v;
        float *e = b->emb + (size_t)i * DIM;
        for (int32_t k = 0; k < DIM; k++)
            e[k] = cent[(size_t)c * DIM + k] + 0.05f * (float)etsim_rng_normal(&r);
        b->nodes[v].embedding = e;
    }
    free(cent);
}

static void free_inst(bench_inst *b) {
    free(b->nodes);
    free(b->cand);
    free(b->emb);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* The ILP model of an ETS step, built the way ets.c builds it (lambda_c 1,
 * lambda_s 1.45, T 0.2), for timing the solver on its own. */
typedef struct bench_model {
    etsim_ilp_model m;
    int32_t *cand_parent, *branch_parent, *labels, *order;
    double *outcome;
} bench_model;

static int build_model(const bench_inst *b, int32_t width, bench_model *bm, double *cluster_ms,
                       etsim_err *err) {
    int32_t N = b->n_cand;
    memset(bm, 0, sizeof *bm);
    bm->cand_parent = etsim_malloc((size_t)N * sizeof(int32_t));
    bm->branch_parent = etsim_malloc((size_t)b->n_nodes * sizeof(int32_t));
    bm->labels = etsim_malloc((size_t)N * sizeof(int32_t));
    bm->order = etsim_malloc((size_t)N * sizeof(int32_t));
    bm->outcome = etsim_malloc((size_t)N * sizeof(double));
    double *scores = etsim_malloc((size_t)N * sizeof *scores);
    double *logits = etsim_malloc((size_t)N * sizeof *logits);
    int32_t *counts = etsim_malloc((size_t)N * sizeof *counts);
    int32_t *branch_of = etsim_malloc((size_t)b->n_nodes * sizeof *branch_of);
    const float **vecs = etsim_malloc((size_t)N * sizeof *vecs);
    for (int32_t i = 0; i < N; i++) {
        scores[i] = b->nodes[b->cand[i]].score;
        vecs[i] = b->nodes[b->cand[i]].embedding;
    }
    etsim_order_desc_stable(scores, N, bm->order);
    for (int32_t k = 0; k < N; k++) logits[k] = scores[bm->order[k]] / 0.2;
    etsim_rebase_allocate(logits, N, width, counts);
    for (int32_t k = 0; k < N; k++) bm->outcome[bm->order[k]] = (double)counts[k] / width;
    for (int32_t v = 0; v < b->n_nodes; v++) branch_of[v] = -1;
    for (int32_t i = 0; i < N; i++)
        for (int32_t v = b->nodes[b->cand[i]].parent; v >= 0 && branch_of[v] != -2;
             v = b->nodes[v].parent)
            branch_of[v] = -2;
    int32_t M = 0;
    for (int32_t v = 0; v < b->n_nodes; v++)
        if (branch_of[v] == -2) {
            int32_t p = b->nodes[v].parent;
            bm->branch_parent[M] = p >= 0 ? branch_of[p] : -1;
            branch_of[v] = M++;
        }
    for (int32_t i = 0; i < N; i++) bm->cand_parent[i] = branch_of[b->nodes[b->cand[i]].parent];
    double t0 = cpu_now();
    int32_t K = etsim_cluster_embeddings(vecs, N, DIM, ETSIM_CLUSTER_CUT, NULL, bm->labels, err);
    *cluster_ms = (cpu_now() - t0) * 1e3;
    free(scores);
    free(logits);
    free(counts);
    free(branch_of);
    free(vecs);
    if (K < 0) return -1;
    bm->m = (etsim_ilp_model){.n_cand = N, .n_branch = M, .cand_parent = bm->cand_parent,
                              .branch_parent = bm->branch_parent, .outcome = bm->outcome,
                              .unit_cost = -1.0 / (double)(M + N), .n_clusters = K,
                              .cluster = bm->labels, .coverage = 1.45 / K, .prefer = bm->order,
                              .outcome_den = width};
    return 0;
}

/* With a dump directory (etsim_sel_bench_set_dump_dir; the CLI takes it
 * from ETSIM_BENCH_DUMP), write the model as DIR/ets_model_N.json for the
 * PuLP + CBC comparison (selectors/bench_pulp.py). */
static const char *bench_dump_dir;

void etsim_sel_bench_set_dump_dir(const char *dir) { bench_dump_dir = dir; }

static void dump_model(const bench_model *bm) {
    const char *dir = bench_dump_dir;
    if (!dir) return;
    const etsim_ilp_model *m = &bm->m;
    char path[1024];
    snprintf(path, sizeof path, "%s/ets_model_%d.json", dir, m->n_cand);
    FILE *fp = fopen(path, "w");
    if (!fp) return;
    fprintf(fp, "{\"n_cand\": %d, \"n_branch\": %d, \"n_clusters\": %d, \"lambda_s\": 1.45,\n",
            m->n_cand, m->n_branch, m->n_clusters);
    const char *names[] = {"cand_parent", "branch_parent", "cluster"};
    const int32_t *arrs[] = {m->cand_parent, m->branch_parent, m->cluster};
    int32_t lens[] = {m->n_cand, m->n_branch, m->n_cand};
    for (int a = 0; a < 3; a++) {
        fprintf(fp, " \"%s\": [", names[a]);
        for (int32_t i = 0; i < lens[a]; i++) fprintf(fp, "%s%d", i ? "," : "", arrs[a][i]);
        fprintf(fp, "],\n");
    }
    fprintf(fp, " \"outcome\": [");
    for (int32_t i = 0; i < m->n_cand; i++) fprintf(fp, "%s%.17g", i ? "," : "", m->outcome[i]);
    fprintf(fp, "]}\n");
    fclose(fp);
}

static void free_model(bench_model *bm) {
    free(bm->cand_parent);
    free(bm->branch_parent);
    free(bm->labels);
    free(bm->order);
    free(bm->outcome);
}

struct etsim_sel_bench_model {
    bench_inst inst;
    bench_model model;
};

etsim_sel_bench_model *etsim_sel_bench_model_new(int32_t n_cand, uint64_t seed, double lambda_b,
                                                 etsim_err *err) {
    etsim_sel_bench_model *bm = etsim_calloc(1, sizeof *bm);
    make_inst(&bm->inst, n_cand, seed);
    double cluster_ms;
    if (build_model(&bm->inst, n_cand, &bm->model, &cluster_ms, err) < 0) {
        free_model(&bm->model);
        free_inst(&bm->inst);
        free(bm);
        return NULL;
    }
    etsim_ilp_model *m = &bm->model.m;
    m->unit_cost = -lambda_b / (double)(m->n_branch + m->n_cand);
    return bm;
}

const etsim_ilp_model *etsim_sel_bench_model_ilp(const etsim_sel_bench_model *bm) {
    return &bm->model.m;
}

void etsim_sel_bench_model_free(etsim_sel_bench_model *bm) {
    if (!bm) return;
    free_model(&bm->model);
    free_inst(&bm->inst);
    free(bm);
}

/* Median thread CPU ms of `reps` select() calls of selector sel with
 * lambdac = lambda_b (and lambdas 1.45 for ets) on instance b. */
static int time_select(const char *sel, double lambda_b, const bench_inst *b, int reps,
                       double *ms, etsim_err *err) {
    const etsim_selector *s = etsim_selector_find(sel);
    if (!s) return etsim_errf(err, "sel bench: selector %s not registered", sel);
    etsim_sel_config cfg;
    etsim_sel_config_init(&cfg, s);
    char lc[32];
    snprintf(lc, sizeof lc, "%.17g", lambda_b);
    if (etsim_sel_config_set(&cfg, "lambdac", lc, err) < 0) return -1;
    if (!strcmp(sel, "ets") && etsim_sel_config_set(&cfg, "lambdas", "1.45", err) < 0) return -1;
    etsim_sel_input in = {.nodes = b->nodes, .n_nodes = b->n_nodes, .cand = b->cand,
                          .n_cand = b->n_cand, .width = b->n_cand, .initial_width = b->n_cand,
                          .depth = DEPTH, .emb_dim = DIM};
    double *t = etsim_malloc((size_t)reps * sizeof *t);
    int rc = 0;
    for (int r = 0; r < reps && rc == 0; r++) {
        etsim_sel_output out;
        etsim_sel_output_init(&out, b->n_cand);
        double t0 = cpu_now();
        rc = s->select(&cfg, &in, &out, err);
        t[r] = (cpu_now() - t0) * 1e3;
        etsim_sel_output_free(&out);
    }
    if (rc == 0) *ms = median(t, reps);
    free(t);
    return rc;
}

/* One ETS and one ETS-KV step at every lambda_b of the paper's sweeps, with
 * the exact solver (the default) and forced onto GLPK. */
static int bench_lambdas(FILE *report, etsim_err *err) {
    static const double lambdas[] = {0.75, 1.0, 1.25, 1.5, 2.0};
    static const int32_t sizes[] = {256, 1024};
    if (report)
        fprintf(report, "\nOne selection step per lambda_b (lambda_c), same instances; medians of "
                        "thread CPU ms; \"GLPK\" = the GLPK path forced (ETSIM_ETS_SOLVER=glpk)\n"
                        "%6s %8s %10s %10s %10s %10s\n",
                "N", "lambda_b", "ETS", "ETS GLPK", "ETS-KV", "KV GLPK");
    int saved_solver = etsim_ilp_default_solver();
    int rc = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes && rc == 0; s++) {
        bench_inst b;
        make_inst(&b, sizes[s], 42);
        int reps = sizes[s] <= 256 ? 21 : 5, glpk_reps = sizes[s] <= 256 ? 7 : 3;
        for (size_t l = 0; l < sizeof lambdas / sizeof *lambdas && rc == 0; l++) {
            double ms[4] = {0};
            etsim_ilp_set_default_solver(ETSIM_ILP_AUTO);
            rc = time_select("ets", lambdas[l], &b, reps, &ms[0], err);
            if (rc == 0) rc = time_select("ets-kv", lambdas[l], &b, reps, &ms[2], err);
            etsim_ilp_set_default_solver(ETSIM_ILP_GLPK);
            if (rc == 0) rc = time_select("ets", lambdas[l], &b, glpk_reps, &ms[1], err);
            if (rc == 0) rc = time_select("ets-kv", lambdas[l], &b, glpk_reps, &ms[3], err);
            if (rc == 0 && report)
                fprintf(report, "%6d %8.2f %10.2f %10.2f %10.2f %10.2f\n", sizes[s], lambdas[l],
                        ms[0], ms[1], ms[2], ms[3]);
        }
        free_inst(&b);
    }
    etsim_ilp_set_default_solver(saved_solver);
    return rc;
}

int etsim_sel_bench(FILE *report, etsim_sel_bench_row *rows, int max_rows, etsim_err *err) {
    static const int32_t sizes[] = {64, 128, 256, 512, 1024};
    const etsim_selector *ets = etsim_selector_find("ets");
    if (!ets) return etsim_errf(err, "sel bench: selector ets not registered");
    etsim_sel_config cfg;
    etsim_sel_config_init(&cfg, ets);
    if (etsim_sel_config_set(&cfg, "lambdas", "1.45", err) < 0) return -1;
    /* every timed selection clusters: no reuse between repetitions */
    etsim_cluster_set_sharing(0);
    if (report)
        fprintf(report, "ETS selection step: candidates at depth %d, %d-d embeddings, "
                        "width B = N, lambda_s 1.45, lambda_c 1, T 0.2;\n"
                        "medians of thread CPU time in ms\n"
                        "%6s %6s %5s %10s %10s %10s %10s %12s %s\n",
                DEPTH, DIM, "N", "M", "K", "step", "clusters", "ILP", "GLPK ILP", "literal ILP",
                "exact solver");
    int n_rows = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        int32_t N = sizes[s], width = N;
        int reps = N <= 256 ? 21 : N <= 512 ? 9 : 5;
        bench_inst b;
        make_inst(&b, N, 42);
        etsim_sel_input in = {.nodes = b.nodes, .n_nodes = b.n_nodes, .cand = b.cand,
                              .n_cand = N, .width = width, .initial_width = width,
                              .depth = DEPTH, .emb_dim = DIM};
        double *t_step = etsim_malloc((size_t)reps * sizeof *t_step);
        double *t_clu = etsim_malloc((size_t)reps * sizeof *t_clu);
        double *t_ilp = etsim_malloc((size_t)reps * sizeof *t_ilp);
        int glpk_reps = N <= 256 ? reps : 3;
        double *t_glpk = etsim_malloc((size_t)reps * sizeof *t_glpk);
        etsim_sel_bench_row row;
        memset(&row, 0, sizeof row);
        row.n_cand = N;
        row.literal_ms = -1;
        int rc = 0;
        bench_model bm;
        if (build_model(&b, width, &bm, &t_clu[0], err) < 0) rc = -1;
        if (rc == 0) dump_model(&bm);
        uint8_t *x = etsim_malloc((size_t)N);
        for (int r = 0; r < reps && rc == 0; r++) {
            etsim_sel_output out;
            etsim_sel_output_init(&out, N);
            double t0 = cpu_now();
            rc = ets->select(&cfg, &in, &out, err);
            t_step[r] = (cpu_now() - t0) * 1e3;
            etsim_sel_output_free(&out);
            if (rc < 0) break;
            const float **vecs = etsim_malloc((size_t)N * sizeof *vecs);
            for (int32_t i = 0; i < N; i++) vecs[i] = b.nodes[b.cand[i]].embedding;
            t0 = cpu_now();
            if (etsim_cluster_embeddings(vecs, N, DIM, ETSIM_CLUSTER_CUT, NULL, bm.labels, err) < 0)
                rc = -1;
            t_clu[r] = (cpu_now() - t0) * 1e3;
            free(vecs);
            double obj;
            etsim_ilp_stats st;
            t0 = cpu_now();
            if (rc == 0 && etsim_ilp_solve(&bm.m, x, &obj, &st, err) < 0) rc = -1;
            t_ilp[r] = (cpu_now() - t0) * 1e3;
            row.lp_integral = st.exact;
            if (r < glpk_reps && rc == 0) {
                bm.m.solver = ETSIM_ILP_GLPK;
                t0 = cpu_now();
                if (etsim_ilp_solve(&bm.m, x, &obj, &st, err) < 0) rc = -1;
                t_glpk[r] = (cpu_now() - t0) * 1e3;
                bm.m.solver = ETSIM_ILP_AUTO;
            }
        }
        if (rc == 0 && N <= 512) {
            double obj, t0 = cpu_now();
            if (etsim_ilp_solve_literal(&bm.m, x, &obj, err) < 0) rc = -1;
            row.literal_ms = (cpu_now() - t0) * 1e3;
        }
        if (rc == 0) {
            row.n_branch = bm.m.n_branch;
            row.n_clusters = bm.m.n_clusters;
            row.step_ms = median(t_step, reps);
            row.cluster_ms = median(t_clu, reps);
            row.ilp_ms = median(t_ilp, reps);
            row.glpk_ms = median(t_glpk, glpk_reps);
            if (report) {
                char lit[32] = "-";
                if (row.literal_ms >= 0) snprintf(lit, sizeof lit, "%.2f", row.literal_ms);
                fprintf(report, "%6d %6d %5d %10.2f %10.2f %10.2f %10.2f %12s %s\n", N,
                        row.n_branch, row.n_clusters, row.step_ms, row.cluster_ms, row.ilp_ms,
                        row.glpk_ms, lit, row.lp_integral ? "answered" : "handed to GLPK");
            }
            if (rows && n_rows < max_rows) rows[n_rows] = row;
            n_rows++;
        }
        if (bm.cand_parent) free_model(&bm);
        free(x);
        free(t_step);
        free(t_clu);
        free(t_ilp);
        free(t_glpk);
        free_inst(&b);
        if (rc < 0) {
            etsim_cluster_set_sharing(1);
            return -1;
        }
    }
    int rc = bench_lambdas(report, err);
    etsim_cluster_set_sharing(1);
    return rc < 0 ? -1 : n_rows;
}
