/* trace_bench.c -- the trace I/O benchmark (see trace_bench.h).
 *
 * Trees are shaped like a width-limited search: each depth hands a width of
 * 64 children to the open nodes of the previous depth, children of one
 * parent are generated together, leaves grow likelier with depth. Scores
 * are uniform floats (full random mantissas, the worst case for
 * compression), step tokens ~ 10 + |N(0, 70)|. Embeddings form 1-3
 * clusters per parent (centroid + noise, unit length, members ~0.03 apart
 * in cosine distance: right at the ETS clustering cut of 0.05, where
 * encoding error matters most). Texts are words from a small vocabulary,
 * about 4 characters per token. Everything is keyed by etsim_rng, so the
 * figures are reproducible. */
#include "traces/trace_bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "traces/trace.h"

enum { V_EMB = 1, V_TEXT = 2, V_HASH = 4, V_ANSWER = 8 };
#define BENCH_SEED 20240601u
#define BENCH_WIDTH 64
#define SAMPLE_PROBLEMS 50

/* CPU seconds of the calling thread: rates "on one core" that do not
 * depend on what else the machine is running. */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void unit(float *v, int32_t dim) {
    double s = 0;
    for (int32_t j = 0; j < dim; j++) s += (double)v[j] * v[j];
    float inv = s > 0 ? (float)(1.0 / sqrt(s)) : 0.0f;
    for (int32_t j = 0; j < dim; j++) v[j] *= inv;
}

static void step_text(etsim_rng *r, int32_t tokens, char *buf, size_t cap) {
    static const char *const words[] = {
        "we", "have", "the", "so", "then", "x", "y", "=", "+", "-", "\\frac{1}{2}", "2", "3",
        "5", "7", "10", "sum", "of", "is", "equation", "solve", "for", "multiply", "both",
        "sides", "by", "substitute", "into", "gives", "therefore", "answer", "\\boxed{4}",
        "Step", "1:", "2:", "3:", "let", "be", "number", "value", "find", "total", "each",
        "divide", "square", "root", "\\sqrt{2}", "area", "triangle", "circle"};
    const size_t nw = sizeof words / sizeof words[0];
    size_t len = 0, want = (size_t)tokens * 4;
    if (want > cap - 32) want = cap - 32;
    buf[0] = 0;
    while (len < want) {
        const char *w = words[etsim_rng_u64(r) % nw];
        len += (size_t)snprintf(buf + len, cap - len, "%s ", w);
    }
}

/* One search-shaped tree of n nodes for problem p. */
static void bench_tree(etsim_tree *t, int32_t p, int32_t n, int32_t dim, unsigned v,
                       int32_t **frontier, int64_t *cap_f, int32_t **next, int64_t *cap_n,
                       float *emb, float *cen, char *text, size_t text_cap) {
    etsim_rng r = etsim_rng_make(BENCH_SEED, (uint64_t)p, 0, 0, 1);
    char id[48];
    snprintf(id, sizeof id, "bench/%d", p);
    etsim_tree_reset(t);
    t->emb_dim = (v & V_EMB) ? dim : 0;
    t->prob.index = p;
    etsim_problem_set(&t->prob, id, NULL, "42", NULL, 0);
    etsim_tree_add_root(t, 60 + (int32_t)(etsim_rng_u64(&r) % 200));
    int32_t nf = 1, depth = 0;
    (*frontier)[0] = 0;
    while (t->n_nodes < n) {
        int32_t nn = 0;
        depth++;
        if (nf == 0) { /* everything ended: reopen a random earlier node */
            (*frontier)[0] = (int32_t)(etsim_rng_u64(&r) % (uint64_t)t->n_nodes);
            nf = 1;
        }
        int32_t width = BENCH_WIDTH;
        for (int32_t f = 0; f < nf && t->n_nodes < n && width > 0; f++) {
            int32_t par = (*frontier)[f];
            int32_t kids = 1 + (int32_t)(etsim_rng_u64(&r) % (uint64_t)(2 * BENCH_WIDTH / nf + 1));
            if (kids > width) kids = width;
            width -= kids;
            int32_t nclus = 1 + (int32_t)(etsim_rng_u64(&r) % 3);
            if (v & V_EMB)
                for (int32_t c = 0; c < nclus; c++) {
                    etsim_rng rc = etsim_rng_make(BENCH_SEED, (uint64_t)p, t->nodes[par].key,
                                                  (uint64_t)c, 2);
                    for (int32_t j = 0; j < dim; j++)
                        cen[c * dim + j] = (float)etsim_rng_normal(&rc);
                    unit(cen + c * dim, dim);
                }
            for (int32_t k = 0; k < kids && t->n_nodes < n; k++) {
                int32_t tok = 10 + (int32_t)fabs(etsim_rng_normal(&r) * 70);
                int32_t id_ = etsim_tree_add_child(t, par, tok);
                uint64_t x = etsim_rng_u64(&r);
                if (x % 50 != 0) etsim_tree_set_score(t, id_, (float)etsim_rng_uniform(&r));
                int leaf = etsim_rng_uniform(&r) < 0.02 * depth;
                if (leaf) t->nodes[id_].flags |= ETSIM_NODE_LEAF;
                if (leaf && (v & V_ANSWER)) {
                    char a[24];
                    snprintf(a, sizeof a, "%d", (int)(x % 7));
                    etsim_tree_set_answer(t, id_, a);
                }
                if (v & V_TEXT) {
                    step_text(&r, tok, text, text_cap);
                    etsim_tree_set_text(t, id_, text);
                } else if (v & V_HASH) {
                    t->nodes[id_].text_hash = etsim_rng_u64(&r);
                }
                if (v & V_EMB) {
                    const float *c = cen + (int64_t)(x % (uint64_t)nclus) * dim;
                    /* uniform noise of sd 0.0217 (cheaper than normal) */
                    for (int32_t j = 0; j < dim; j++)
                        emb[j] = c[j] + 0.0376f * (float)(2 * etsim_rng_uniform(&r) - 1);
                    unit(emb, dim);
                    etsim_tree_set_embedding(t, id_, emb);
                }
                if (!leaf) {
                    etsim_grow((void **)next, cap_n, nn + 1, sizeof **next);
                    (*next)[nn++] = id_;
                }
            }
        }
        etsim_grow((void **)frontier, cap_f, nn + 1, sizeof **frontier);
        memcpy(*frontier, *next, (size_t)nn * sizeof **next);
        nf = nn;
    }
}

typedef struct bench_gen {
    int32_t *frontier, *next;
    int64_t cap_f, cap_n;
    float *emb, *cen;
    char text[8192];
} bench_gen;

static void gen_tree(bench_gen *g, etsim_tree *t, int32_t p, int32_t n, int32_t dim, unsigned v) {
    bench_tree(t, p, n, dim, v, &g->frontier, &g->cap_f, &g->next, &g->cap_n, g->emb, g->cen,
               g->text, sizeof g->text);
}

/* Write problems [0, np) of variant v; *write_s gets the CPU time spent
 * in the writer (generation excluded). */
static int write_variant(const char *path, int32_t np, int32_t n, int32_t dim, unsigned v,
                         const char *enc, bench_gen *g, double *write_s, etsim_err *err) {
    etsim_meta m;
    memset(&m, 0, sizeof m);
    m.dataset = (char *)"bench";
    m.emb_dim = (v & V_EMB) ? dim : 0;
    m.embed_encoding = (char *)enc;
    etsim_trace_writer *w = etsim_trace_writer_open(path, &m, 0, err);
    if (!w) return -1;
    etsim_tree t;
    etsim_tree_init(&t, m.emb_dim);
    double spent = 0;
    for (int32_t p = 0; p < np; p++) {
        gen_tree(g, &t, p, n, dim, v);
        double t0 = cpu_now();
        if (etsim_trace_writer_add(w, &t, err) < 0) {
            etsim_tree_free(&t);
            etsim_trace_writer_abort(w);
            return -1;
        }
        spent += cpu_now() - t0;
    }
    etsim_tree_free(&t);
    double t0 = cpu_now();
    if (etsim_trace_writer_finish(w, err) < 0) return -1;
    if (write_s) *write_s = spent + cpu_now() - t0;
    return 0;
}

/* Read every problem; *nodes_out, the elapsed and the CPU seconds. */
static int read_all(const char *path, int64_t *nodes_out, double *secs, double *cpu,
                    etsim_err *err) {
    double t0 = etsim_now_s(), c0 = cpu_now();
    etsim_trace *tr = etsim_trace_open(path, err);
    if (!tr) return -1;
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    etsim_tree t;
    etsim_tree_init(&t, 0);
    int64_t nodes = 0;
    int rc = 0;
    for (int32_t k = 0; k < etsim_trace_n_problems(tr) && rc == 0; k++) {
        rc = etsim_trace_load(tr, k, &t, s, err);
        nodes += t.n_nodes;
    }
    *secs = etsim_now_s() - t0;
    *cpu = cpu_now() - c0;
    *nodes_out = nodes;
    etsim_tree_free(&t);
    etsim_trace_scratch_free(s);
    etsim_trace_close(tr);
    return rc;
}

/* Bytes of the problem records of the first np problems. */
static int64_t record_bytes(const char *path, int32_t np, etsim_err *err) {
    etsim_trace *tr = etsim_trace_open(path, err);
    if (!tr) return -1;
    int64_t sum = 0;
    for (int32_t k = 0; k < np && k < etsim_trace_n_problems(tr); k++)
        sum += etsim_trace_entry_at(tr, k)->record_len;
    etsim_trace_close(tr);
    return sum;
}

static double cosine(const float *a, const float *b, int32_t dim) {
    double ab = 0, aa = 0, bb = 0;
    for (int32_t j = 0; j < dim; j++) {
        ab += (double)a[j] * b[j];
        aa += (double)a[j] * a[j];
        bb += (double)b[j] * b[j];
    }
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

/* Error of each encoding in cosine similarity over sibling pairs (the
 * pairs ETS clusters) and random pairs of the sample problems. */
static void cosine_errors(bench_gen *g, int32_t np, int32_t n, int32_t dim,
                          etsim_trace_bench_result *res) {
    etsim_tree t;
    etsim_tree_init(&t, dim);
    float *dec = etsim_malloc((size_t)n * dim * sizeof *dec);
    unsigned char *buf = etsim_malloc((size_t)n * (dim * 4 + 4));
    double sum[3] = {0, 0, 0};
    int64_t pairs = 0;
    for (int e = 0; e < 3; e++) res->cos_err_max[e] = 0;
    for (int32_t p = 0; p < np; p++) {
        gen_tree(g, &t, p, n, dim, V_EMB);
        int32_t rows = t.emb_rows;
        for (int e = 0; e < 3; e++) {
            etsim_trace_emb_encode(e, t.emb, rows, dim, buf);
            etsim_trace_emb_decode(e, buf, rows, dim, dec);
            etsim_rng r = etsim_rng_make(BENCH_SEED, (uint64_t)p, 0, 0, 3);
            for (int32_t i = 1; i < t.n_nodes; i++) {
                const etsim_node *nd = &t.nodes[i];
                if (nd->emb_row < 0) continue;
                const etsim_node *par = &t.nodes[nd->parent];
                int32_t other[2] = {par->kids[(nd->ordinal + 1) % par->n_kids],
                                    1 + (int32_t)(etsim_rng_u64(&r) % (uint64_t)(t.n_nodes - 1))};
                for (int q = 0; q < 2; q++) {
                    int32_t o = t.nodes[other[q]].emb_row;
                    if (o < 0 || o == nd->emb_row) continue;
                    double exact = cosine(t.emb + (int64_t)nd->emb_row * dim,
                                          t.emb + (int64_t)o * dim, dim);
                    double got = cosine(dec + (int64_t)nd->emb_row * dim, dec + (int64_t)o * dim,
                                        dim);
                    double d = fabs(exact - got);
                    if (d > res->cos_err_max[e]) res->cos_err_max[e] = d;
                    sum[e] += d;
                    if (e == 0) pairs++;
                }
            }
        }
    }
    for (int e = 0; e < 3; e++) res->cos_err_mean[e] = pairs ? sum[e] / pairs : 0;
    free(dec);
    free(buf);
    etsim_tree_free(&t);
}

int etsim_trace_bench_io(FILE *report, const char *tmp_dir, int problems, int nodes_per_problem,
                         int emb_dim, int with_text, etsim_trace_bench_result *res_out,
                         etsim_err *err) {
    static const char *const enc_names[3] = {"f32", "f16", "i8"};
    etsim_trace_bench_result res;
    memset(&res, 0, sizeof res);
    if (problems < 1 || nodes_per_problem < 1 || emb_dim < 0 || emb_dim > 4096)
        return etsim_errf(err, "trace bench: bad sizes (problems %d, nodes %d, emb_dim %d)",
                          problems, nodes_per_problem, emb_dim);
    const char *base = tmp_dir;
    char dir[512], path[600] = "";
    snprintf(dir, sizeof dir, "%s/etsim_trace_bench_XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) return etsim_errf(err, "trace bench: cannot create a temporary directory in %s",
                                         base && *base ? base : "/tmp");
    bench_gen g;
    memset(&g, 0, sizeof g);
    g.cap_f = g.cap_n = 16;
    g.frontier = etsim_malloc(16 * sizeof(int32_t));
    g.next = etsim_malloc(16 * sizeof(int32_t));
    g.emb = etsim_malloc(((size_t)emb_dim + 1) * sizeof(float));
    g.cen = etsim_malloc(((size_t)emb_dim * 3 + 1) * sizeof(float));
    int32_t np = problems, n = nodes_per_problem;
    int32_t ns = problems < SAMPLE_PROBLEMS ? problems : SAMPLE_PROBLEMS;
    double nodes = (double)np * n, snodes = (double)ns * n, secs = 0, cpu = 0;
    int64_t got = 0, fixed_sample = 0;
    int rc = -1;
    res.nodes = (long long)np * n;
    res.encoding = "f16";

    /* fixed fields: full size, read speed, per-column sizes */
    snprintf(path, sizeof path, "%s/fixed.trace", dir);
    if (write_variant(path, np, n, 0, 0, NULL, &g, NULL, err) < 0) goto out;
    if (read_all(path, &got, &secs, &cpu, err) < 0) goto out;
    res.read_fixed_nodes_per_s = got / cpu;
    res.read_fixed_nodes_per_s_wall = got / secs;
    {
        etsim_trace *tr = etsim_trace_open(path, err);
        if (!tr) goto out;
        res.fixed_bytes_per_node = (double)etsim_trace_file_bytes(tr) / nodes;
        etsim_trace_scratch *s = etsim_trace_scratch_new();
        int64_t raw[ETSIM_TRACE_NCOLS], comp[ETSIM_TRACE_NCOLS], tot[ETSIM_TRACE_NCOLS] = {0};
        for (int32_t k = 0; k < ns; k++) {
            if (etsim_trace_columns(tr, k, s, 0, raw, comp, err) < 0) {
                etsim_trace_scratch_free(s);
                etsim_trace_close(tr);
                goto out;
            }
            for (int j = 0; j < ETSIM_TRACE_NCOLS; j++) tot[j] += comp[j];
        }
        res.col_bytes_per_node[0] = tot[ETSIM_TRACE_COL_PARENT] / snodes;
        res.col_bytes_per_node[1] = tot[ETSIM_TRACE_COL_TOKENS] / snodes;
        res.col_bytes_per_node[2] = tot[ETSIM_TRACE_COL_SCORE] / snodes;
        res.col_bytes_per_node[3] = tot[ETSIM_TRACE_COL_FLAGS] / snodes;
        etsim_trace_scratch_free(s);
        etsim_trace_close(tr);
    }
    fixed_sample = record_bytes(path, ns, err);
    if (fixed_sample < 0) goto out;
    unlink(path);

    snprintf(path, sizeof path, "%s/hash.trace", dir);
    if (write_variant(path, ns, n, 0, V_HASH, NULL, &g, NULL, err) < 0) goto out;
    int64_t hb = record_bytes(path, ns, err);
    if (hb < 0) goto out;
    res.hash_bytes_per_node = (double)(hb - fixed_sample) / snodes;
    unlink(path);

    if (emb_dim > 0) {
        double ws = 0;
        snprintf(path, sizeof path, "%s/emb_f16.trace", dir);
        if (write_variant(path, np, n, emb_dim, V_EMB, "f16", &g, &ws, err) < 0) goto out;
        res.write_nodes_per_s = nodes / ws;
        if (read_all(path, &got, &secs, &cpu, err) < 0) goto out;
        res.read_nodes_per_s = got / cpu;
        res.read_nodes_per_s_wall = got / secs;
        etsim_trace *tr = etsim_trace_open(path, err);
        if (!tr) goto out;
        res.emb_bytes_per_node[ETSIM_EMB_F16] = (double)etsim_trace_file_bytes(tr) / nodes;
        int64_t f16_sample = record_bytes(path, ns, err);
        etsim_trace_close(tr);
        unlink(path);
        for (int e = 0; e < 3; e += 2) { /* f32, i8 on the sample */
            snprintf(path, sizeof path, "%s/emb_%s.trace", dir, enc_names[e]);
            if (write_variant(path, ns, n, emb_dim, V_EMB, enc_names[e], &g, NULL, err) < 0)
                goto out;
            int64_t b = record_bytes(path, ns, err);
            if (b < 0) goto out;
            /* scale the sample to the full file as the f16 pair does */
            res.emb_bytes_per_node[e] =
                res.emb_bytes_per_node[ETSIM_EMB_F16] * (double)b / (double)f16_sample;
            unlink(path);
        }
        cosine_errors(&g, ns, n, emb_dim, &res);
    }
    if (with_text) {
        unsigned v = V_TEXT | V_ANSWER | (emb_dim > 0 ? V_EMB : 0);
        snprintf(path, sizeof path, "%s/text.trace", dir);
        if (write_variant(path, ns, n, emb_dim, v, "f16", &g, NULL, err) < 0) goto out;
        int64_t b = record_bytes(path, ns, err);
        if (b < 0) goto out;
        res.text_bytes_per_node = (double)b / snodes;
        unlink(path);
    }
    rc = 0;

    if (report) {
        fprintf(report, "trace_io: %d problems x %d nodes = %lld nodes, emb_dim %d (sample: %d problems)\n",
                np, n, res.nodes, emb_dim, ns);
        fprintf(report, "trace_io: fixed fields (parent, tokens, score, flags): %.2f B/node compressed "
                "(target <= 24); alone: parent %.2f, tokens %.2f, score %.2f, flags %.2f\n",
                res.fixed_bytes_per_node, res.col_bytes_per_node[0], res.col_bytes_per_node[1],
                res.col_bytes_per_node[2], res.col_bytes_per_node[3]);
        fprintf(report, "trace_io: text hashes without text: +%.2f B/node\n", res.hash_bytes_per_node);
        fprintf(report, "trace_io: read fixed fields: %.2f M nodes/s per CPU second of one thread "
                "(%.2f M/s wall clock)\n", res.read_fixed_nodes_per_s / 1e6,
                res.read_fixed_nodes_per_s_wall / 1e6);
        if (emb_dim > 0) {
            for (int e = 0; e < 3; e++)
                fprintf(report, "trace_io: with %d-d embeddings %s: %.1f B/node total; cosine similarity "
                        "error max %.2e mean %.2e%s\n", emb_dim, enc_names[e],
                        res.emb_bytes_per_node[e], res.cos_err_max[e], res.cos_err_mean[e],
                        e == ETSIM_EMB_F16 ? " (default)" : "");
            fprintf(report, "trace_io: read with f16 embeddings: %.2f M nodes/s per CPU second of one "
                    "thread (target >= 2; %.2f M/s wall clock); write %.2f M nodes/s per CPU second\n",
                    res.read_nodes_per_s / 1e6, res.read_nodes_per_s_wall / 1e6,
                    res.write_nodes_per_s / 1e6);
        }
        if (with_text)
            fprintf(report, "trace_io: with step texts and answers%s: %.1f B/node total\n",
                    emb_dim > 0 ? " (and f16 embeddings)" : "", res.text_bytes_per_node);
    }
out:
    if (path[0]) unlink(path);
    rmdir(dir);
    free(g.frontier);
    free(g.next);
    free(g.emb);
    free(g.cen);
    if (res_out) *res_out = res;
    return rc;
}
