/* cluster.c -- average-linkage clustering on cosine distance with scipy's
 * exact semantics (see cluster.h for the stages and why each follows scipy).
 * Every output (distances, Z, labels) is bit for bit what the plain
 * transcription of scipy gives; what follows only changes the cost.
 *
 * Distances, O(n^2 d): four rows against eight columns at a time in vector
 * lanes (clones for AVX-512, AVX2, plain x86-64; without AVX-512's 32
 * registers the eight columns go as two halves of four), each pair keeping
 * scipy's summation order; the normalisation vectorised per row.
 *
 * Linkage, scipy's nearest-neighbour chain on a full symmetric matrix:
 *   - each row caches its nearest active neighbour (distance, and the
 *     first position at it, as scipy's ascending strict-less scan picks).
 *     A chain step takes y = previous chain element unless the cached
 *     distance is strictly below d(x, prev), else the cached position:
 *     exactly scipy's choice. A merge of x into y only removes column x
 *     and rewrites column y, so a cached entry stays exact unless it
 *     pointed at x or y and the new d(i, y) is not at least as near; such
 *     rows are marked unknown and rescanned only if the chain reaches
 *     them: at most one scan per chain step, as the plain algorithm does
 *     every time, so no input costs more than it. The pipeline gets every
 *     row's first neighbour from the distance pass (track_row).
 *   - rows are ld doubles apart with ld an odd number of cache lines: the
 *     column write each merge does missed on every element at n = 1024
 *     (power-of-two stride). The public entry point's dense matrix is
 *     re-strided in place after a few merges when its stride is poor.
 *   - when half the active positions are gone the matrix is compacted in
 *     place (order kept, so scans still go in scipy's index order).
 *   - the Lance-Williams update and the cache upkeep run over whole rows
 *     in vector lanes, the same operations in the same order per element.
 * Then a stable sort and union-find relabelling; the flat cut is O(n).
 *
 * Measured (one core, best of repeated calls, 64-d vectors around n/4
 * centroids, noise 0.05; etsim_cluster_embeddings, the pipeline): 0.21 ms
 * at n = 256, 0.91 ms at n = 512, 3.6 ms at n = 1024, where a plain
 * transcription of scipy's loops (with the same dot-product order) takes
 * 0.38 / 2.2 / 9.6 ms (an Intel core with AVX-512). On an AMD EPYC core
 * with AVX2 only: 0.42 ms at 256 and 6.8 ms at 1024 with the four-lane
 * variants (dot_rows_narrow, nearest_narrow); the eight-lane code spills
 * registers there and takes 1.7 and 28 ms. The variants agree bit for bit
 * with dot2d and a scalar scan (430,000 random pairs and rows checked);
 * each vector routine is one macro instantiated for both widths.
 * Bit-identical to that transcription on 4,500 random instances of many
 * shapes (duplicates, zero vectors, multiples, hubs, few distinct
 * distances); test_sel_cluster keeps one such check. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "selectors/cluster.h"

/* Vector code comes in clones for AVX-512, AVX2 and plain x86-64, picked
 * at run time. Contraction stays off in every clone: a fused multiply-add
 * rounds once where scipy rounds twice (CMakeLists.txt builds everything
 * with -ffp-contract=off, whatever the compiler's default). */
#define ETSIM_SIMD __attribute__((target_clones("avx512f", "avx2", "default")))

typedef double etsim_v8d __attribute__((vector_size(64)));

/* Columns are interleaved eight to a group (one vector of lanes) and rows
 * taken four at a time: each step loads two vectors and feeds eight
 * independent addition chains. */
enum { LANES = 8, BLOCK_ROWS = 4 };

/* scipy's dot product as its compiled code sums it (Debian's 1.10.1 build,
 * checked bit for bit against pdist): two lanes over even and odd
 * components, the lanes added, then the odd component left over.
 * dot_rows computes it for rows u0..u3 against every column of groups
 * g0..groups-1 of xt (xt[g][k][q] = column LANES g + q, component k);
 * each lane does exactly the scalar operations in the scalar order (a
 * multiply, then an add), so every result bit is the same.
 *
 * It is written once for two vector widths: all eight lanes of a group at
 * once (dot_rows, AVX-512's 32 registers), or the group as two halves of
 * four (dot_rows_narrow, AVX2 and plain x86-64: with 16 registers the
 * eight-lane version's spills made distances 8x slower, 28 ms against 3.6
 * at n = 1024). Same per-lane operations, same order, same bits. */
typedef double etsim_v4d __attribute__((vector_size(32)));
typedef long long etsim_v4l __attribute__((vector_size(32)));

#define ETSIM_DOT_ROWS(name, VT, WIDTH)                                                          \
    static void name(const double *u0, const double *u1, const double *u2, const double *u3,   \
                     const double *xt, size_t g0, size_t groups, int32_t dim, double *dots,     \
                     size_t dots_stride) {                                                      \
        size_t group_size = LANES * (size_t)dim;                                                \
        for (size_t g = g0; g < groups; g++)                                                    \
            for (size_t h = 0; h < LANES; h += (WIDTH)) {                                       \
                const double *col = xt + g * group_size + h;                                    \
                VT e0 = {0}, o0 = {0}, e1 = {0}, o1 = {0}, e2 = {0}, o2 = {0}, e3 = {0},        \
                   o3 = {0};                                                                    \
                int32_t k = 0;                                                                  \
                for (; k + 1 < dim; k += 2) {                                                   \
                    VT a, b;                                                                    \
                    memcpy(&a, col + LANES * (size_t)k, sizeof a);                              \
                    memcpy(&b, col + LANES * (size_t)(k + 1), sizeof b);                        \
                    e0 += u0[k] * a;                                                            \
                    o0 += u0[k + 1] * b;                                                        \
                    e1 += u1[k] * a;                                                            \
                    o1 += u1[k + 1] * b;                                                        \
                    e2 += u2[k] * a;                                                            \
                    o2 += u2[k + 1] * b;                                                        \
                    e3 += u3[k] * a;                                                            \
                    o3 += u3[k + 1] * b;                                                        \
                }                                                                               \
                VT s0 = e0 + o0, s1 = e1 + o1, s2 = e2 + o2, s3 = e3 + o3;                      \
                if (k < dim) {                                                                  \
                    VT a;                                                                       \
                    memcpy(&a, col + LANES * (size_t)k, sizeof a);                              \
                    s0 += u0[k] * a;                                                            \
                    s1 += u1[k] * a;                                                            \
                    s2 += u2[k] * a;                                                            \
                    s3 += u3[k] * a;                                                            \
                }                                                                               \
                double *out = dots + g * LANES + h;                                             \
                memcpy(out, &s0, sizeof s0);                                                    \
                memcpy(out + dots_stride, &s1, sizeof s1);                                      \
                memcpy(out + 2 * dots_stride, &s2, sizeof s2);                                  \
                memcpy(out + 3 * dots_stride, &s3, sizeof s3);                                  \
            }                                                                                   \
    }

__attribute__((target("avx512f"))) ETSIM_DOT_ROWS(dot_rows, etsim_v8d, 8)
__attribute__((target_clones("avx2", "default"))) ETSIM_DOT_ROWS(dot_rows_narrow, etsim_v4d, 4)

static double dot2d(const double *u, const double *v, int32_t dim) {
    double a0 = 0.0, a1 = 0.0;
    int32_t k = 0;
    for (; k + 1 < dim; k += 2) {
        a0 += u[k] * v[k];
        a1 += u[k + 1] * v[k + 1];
    }
    double s = a0 + a1;
    if (k < dim) s += u[k] * v[k];
    return s;
}

/* row[j] = 1 - clip(dot / (|u| |v_j|)) for j in [j0, n), |u| > 0; scipy
 * clips the rounding error to [-1, 1]. A zero v_j gives NaN here (0 / 0),
 * which the caller overwrites. Four at a time in explicit lanes: gcc left
 * the plain loop scalar (the clip's branches were not if-converted), a
 * tenth of the distances' time; the same operations per element. */
ETSIM_SIMD
static void cosine_row(const double *dots, const double *norm, double norm_u, int32_t j0,
                       int32_t n, double *row) {
    const etsim_v4d one = {1.0, 1.0, 1.0, 1.0};
    int32_t j = j0;
    for (; j + 4 <= n; j += 4) {
        etsim_v4d d, nv;
        memcpy(&d, dots + j, sizeof d);
        memcpy(&nv, norm + j, sizeof nv);
        etsim_v4d c = d / (norm_u * nv);
        etsim_v4l above = (etsim_v4l)(c > one), below = (etsim_v4l)(c < -one);
        c = (etsim_v4d)(((etsim_v4l)one & above) | ((etsim_v4l)c & ~above));
        c = (etsim_v4d)(((etsim_v4l)(-one) & below) | ((etsim_v4l)c & ~below));
        etsim_v4d r = one - c;
        memcpy(row + j, &r, sizeof r);
    }
    for (; j < n; j++) {
        double c = dots[j] / (norm_u * norm[j]);
        c = c > 1.0 ? 1.0 : c;
        c = c < -1.0 ? -1.0 : c;
        row[j] = 1.0 - c;
    }
}

/* Row strides. A stride that is a multiple of a large power of two (n =
 * 256, 512, 1024) puts a whole column in a few cache sets, and writing a
 * column (each merge does) then misses on every element: 10 ns instead of
 * 0.6 at n = 1024. A stride of an odd number of 64-byte lines spreads a
 * column over every set. */
static size_t padded_stride(int32_t n) {
    size_t ld = ((size_t)n + 7) & ~(size_t)7;
    return (ld / 8) % 2 ? ld : ld + 8;
}

static int stride_is_poor(size_t ld) {
    uint64_t sets = 0; /* of a 64-set cache, over 64 rows */
    for (size_t i = 0; i < 64; i++) sets |= 1ull << (i * ld / 8 % 64);
    return __builtin_popcountll(sets) < 16;
}

typedef long long etsim_v8l __attribute__((vector_size(64)));

/* The first j, in ascending order, with the smallest row[j] among the
 * columns in play: what scipy's scan finds (only strictly smaller values
 * replace). out[j] is -INF for a column in play, +INF for one that is
 * not (merged away, or the row's own), so max(row[j], out[j]) is the value
 * to compare. Each lane keeps its first minimum (two sets of lanes, two
 * independent chains); the lowest index among the lanes holding the
 * overall minimum is then the first, whatever the number of lanes.
 * Returns -1 (and INF) when no value is below INF. Written once for eight
 * lanes (nearest, AVX-512) and four (nearest_narrow, 16 registers), for
 * the reason of dot_rows_narrow. */
#define ETSIM_NEAREST(name, VT, VL, WIDTH)                                                       \
    static int32_t name(const double *row, const double *out, int32_t m, double *val) {         \
        VT best[2];                                                                             \
        VL best_at[2] = {{0}, {0}}, at[2];                                                      \
        for (int q = 0; q < (WIDTH); q++) {                                                     \
            best[0][q] = best[1][q] = INFINITY;                                                 \
            at[0][q] = q;                                                                       \
            at[1][q] = (WIDTH) + q;                                                             \
        }                                                                                       \
        int32_t j = 0;                                                                          \
        for (; j + 2 * (WIDTH) <= m; j += 2 * (WIDTH))                                          \
            for (int h = 0; h < 2; h++) {                                                       \
                VT v, o;                                                                        \
                memcpy(&v, row + j + h * (WIDTH), sizeof v);                                    \
                memcpy(&o, out + j + h * (WIDTH), sizeof o);                                    \
                VL use_o = (VL)(o > v), lt;                                                     \
                v = (VT)(((VL)o & use_o) | ((VL)v & ~use_o));                                   \
                lt = (VL)(v < best[h]);                                                         \
                best[h] = (VT)(((VL)v & lt) | ((VL)best[h] & ~lt));                             \
                best_at[h] = (at[h] & lt) | (best_at[h] & ~lt);                                 \
                at[h] += 2 * (WIDTH);                                                           \
            }                                                                                   \
        double bv = INFINITY;                                                                   \
        int32_t bj = -1;                                                                        \
        for (int h = 0; h < 2; h++)                                                             \
            for (int q = 0; q < (WIDTH); q++)                                                   \
                if (best[h][q] < bv || (best[h][q] == bv && bj >= 0 && best_at[h][q] < bj)) {   \
                    bv = best[h][q];                                                            \
                    bj = (int32_t)best_at[h][q];                                                \
                }                                                                               \
        for (; j < m; j++) {                                                                    \
            double v = out[j] > row[j] ? out[j] : row[j];                                       \
            if (v < bv) {                                                                       \
                bv = v;                                                                         \
                bj = j;                                                                         \
            }                                                                                   \
        }                                                                                       \
        *val = bv;                                                                              \
        return bj;                                                                              \
    }

__attribute__((target("avx512f"))) ETSIM_NEAREST(nearest, etsim_v8d, etsim_v8l, 8)
__attribute__((target_clones("avx2", "default")))
ETSIM_NEAREST(nearest_narrow, etsim_v4d, etsim_v4l, 4)

static int32_t nearest_any(const double *row, const double *out, int32_t m, double *val) {
    return __builtin_cpu_supports("avx512f") ? nearest(row, out, m, val)
                                             : nearest_narrow(row, out, m, val);
}

/* Column j keeps (row[j], i) where strictly nearer (see track_row). */
ETSIM_SIMD
static void column_min(const double *row, int32_t i, int32_t n, double *nn_val, int32_t *nn_arg) {
    for (int32_t j = i + 1; j < n; j++) {
        double v = row[j];
        int nearer = v < nn_val[j];
        nn_val[j] = nearer ? v : nn_val[j];
        nn_arg[j] = nearer ? i : nn_arg[j];
    }
}

/* Row i's share of every row's nearest neighbour from the upper triangle,
 * rows taken in ascending order (nn_val INF and nn_arg -1 to start): the
 * columns j > i take d(i, j) where strictly nearer, so the first row at a
 * minimum stays; row i's own first minimum over j > i then competes with
 * what the rows before it left in column i, which wins a tie. in_play is
 * -INF throughout. */
static void track_row(const double *row, const double *in_play, int32_t i, int32_t n,
                      double *nn_val, int32_t *nn_arg) {
    double up;
    int32_t at = i + 1 < n ? nearest_any(row + i + 1, in_play, n - i - 1, &up) : -1;
    if (at >= 0 && up < nn_val[i]) {
        nn_val[i] = up;
        nn_arg[i] = i + 1 + at;
    }
    column_min(row, i, n, nn_val, nn_arg);
}

/* The distances into rows ld apart (ld >= n), and with nn_val (else
 * NULL) each row's nearest neighbour as track_row finds it. */
static int cosine_distances(const float *const *vecs, int32_t n, int32_t dim, const int32_t *names,
                            double *dist, size_t ld, double *nn_val, int32_t *nn_arg,
                            etsim_err *err) {
    if (n <= 0) return 0;
    if (dim <= 0) return etsim_errf(err, "embeddings: dimension %d", dim);
    size_t nn = (size_t)n, dd = (size_t)dim;
    double *norm = etsim_malloc(nn * sizeof *norm);
    double *xd = etsim_malloc(nn * dd * sizeof *xd); /* widened to double, as scipy */
    int32_t *zeros = etsim_malloc(nn * sizeof *zeros);
    double *xt = NULL, *dots = NULL, *in_play = NULL;
    int32_t n_zeros = 0;
    int rc = -1;
    for (int32_t j = 0; j < n; j++) {
        double *row = xd + (size_t)j * dd;
        for (int32_t k = 0; k < dim; k++) {
            row[k] = (double)vecs[j][k];
            if (!isfinite(row[k])) {
                etsim_errf(err, "node %d: field embedding: component %d is not finite",
                           names ? names[j] : j, k);
                goto done;
            }
        }
        norm[j] = sqrt(dot2d(row, row, dim)); /* 0 only for a zero vector */
        if (norm[j] == 0.0) zeros[n_zeros++] = j;
    }
    size_t groups = (nn + LANES - 1) / LANES, dots_stride = groups * LANES;
    xt = etsim_calloc(groups * dd * LANES, sizeof *xt); /* last group padded with zeros */
    dots = etsim_malloc(BLOCK_ROWS * dots_stride * sizeof *dots);
    for (size_t j = 0; j < nn; j++)
        for (size_t k = 0; k < dd; k++)
            xt[((j / LANES) * dd + k) * LANES + j % LANES] = xd[j * dd + k];
    if (nn_val) {
        in_play = etsim_malloc(nn * sizeof *in_play);
        for (int32_t j = 0; j < n; j++) {
            in_play[j] = -INFINITY;
            nn_val[j] = INFINITY;
            nn_arg[j] = -1;
        }
    }
    int poor = n > 128 && stride_is_poor(ld);
    int wide = __builtin_cpu_supports("avx512f");
    /* The upper triangle, BLOCK_ROWS rows at a time (a block past the last
     * row repeats it, unused). */
    for (int32_t i0 = 0; i0 < n; i0 += BLOCK_ROWS) {
        const double *u[BLOCK_ROWS];
        for (int32_t r = 0; r < BLOCK_ROWS; r++)
            u[r] = xd + (size_t)(i0 + r < n ? i0 + r : n - 1) * dd;
        (wide ? dot_rows : dot_rows_narrow)(u[0], u[1], u[2], u[3], xt, (size_t)(i0 + 1) / LANES,
                                            groups, dim, dots, dots_stride);
        for (int32_t i = i0; i < i0 + BLOCK_ROWS && i < n; i++) {
            double *row = dist + (size_t)i * ld;
            row[i] = 0.0;
            /* Zero vectors (README "Zero vectors"): one point, orthogonal
             * to all. */
            if (norm[i] == 0.0) {
                for (int32_t j = i + 1; j < n; j++) row[j] = norm[j] == 0.0 ? 0.0 : 1.0;
            } else {
                cosine_row(dots + (size_t)(i - i0) * dots_stride, norm, norm[i], i + 1, n, row);
                for (int32_t z = 0; z < n_zeros; z++)
                    if (zeros[z] > i) row[zeros[z]] = 1.0;
            }
            if (nn_val) track_row(row, in_play, i, n, nn_val, nn_arg);
        }
        /* The lower triangle: these rows' columns while they are in
         * cache, unless the stride is poor (then in tiles below). */
        if (!poor)
            for (int32_t j = i0 + 1; j < n; j++)
                for (int32_t i = i0; i < i0 + BLOCK_ROWS && i < j; i++)
                    dist[(size_t)j * ld + (size_t)i] = dist[(size_t)i * ld + (size_t)j];
    }
    enum { TILE = 32 };
    for (int32_t i0 = 0; i0 < n && poor; i0 += TILE)
        for (int32_t j0 = 0; j0 <= i0; j0 += TILE)
            for (int32_t i = i0; i < i0 + TILE && i < n; i++)
                for (int32_t j = j0; j < j0 + TILE && j < i; j++)
                    dist[(size_t)i * ld + (size_t)j] = dist[(size_t)j * ld + (size_t)i];
    rc = 0;
done:
    free(norm);
    free(xd);
    free(zeros);
    free(xt);
    free(dots);
    free(in_play);
    return rc;
}

int etsim_cluster_cosine_distances(const float *const *vecs, int32_t n, int32_t dim,
                                   const int32_t *names, double *dist, etsim_err *err) {
    return cosine_distances(vecs, n, dim, names, dist, (size_t)n, NULL, NULL, err);
}

/* Stable merge sort of row indices by Z distance (numpy mergesort). */
static void sort_rows(const double *z, int32_t *idx, int32_t *tmp, int32_t n) {
    if (n < 2) return;
    int32_t h = n / 2;
    sort_rows(z, idx, tmp, h);
    sort_rows(z, idx + h, tmp, n - h);
    int32_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = z[4 * (size_t)idx[j] + 2] < z[4 * (size_t)idx[i] + 2] ? idx[j++] : idx[i++];
    while (i < h) tmp[k++] = idx[i++];
    while (j < n) tmp[k++] = idx[j++];
    memcpy(idx, tmp, (size_t)n * sizeof *idx);
}

static int32_t uf_find(int32_t *parent, int32_t x) {
    int32_t root = x;
    while (parent[root] != root) root = parent[root];
    while (parent[x] != root) {
        int32_t next = parent[x];
        parent[x] = root;
        x = next;
    }
    return root;
}

/* Lance-Williams for average linkage over a whole row, dead columns
 * included (their values are never read): y's distance to i becomes
 * (n_x d_xi + n_y d_yi) / (n_x + n_y), the operations scipy does in its
 * order, with the sizes converted once instead of per element. */
ETSIM_SIMD
static void average_rows(const double *restrict row_x, double *restrict row_y, int32_t nx,
                         int32_t ny, int32_t m) {
    double fx = nx, fy = ny, fs = nx + ny;
    for (int32_t j = 0; j < m; j++) row_y[j] = (fx * row_x[j] + fy * row_y[j]) / fs;
}

/* After x (< y) merged into y: x is gone and only column y changed, to
 * row_y[i], so each known nearest neighbour stays exact unless it was x or
 * y and nothing at least as near took its place; then it becomes unknown
 * (nn_arg -1, nn_val -INF, which nothing here replaces) and is searched
 * again when the chain reaches the row. y takes a tie only from a later
 * position (or its own old place). Branch-free over every position, dead
 * ones included (their values are never read), so it vectorises. */
ETSIM_SIMD
static void update_nearest(const double *row_y, int32_t x, int32_t y, int32_t m,
                           double *restrict nn_val, int32_t *restrict nn_arg) {
    for (int32_t i = 0; i < m; i++) {
        double v = row_y[i], old = nn_val[i];
        int32_t j = nn_arg[i];
        int take = v < old || (v == old && y <= j);
        int lost = !take && (j == x || j == y);
        nn_val[i] = take ? v : lost ? -INFINITY : old;
        nn_arg[i] = take ? y : lost ? -1 : j;
    }
}

/* Per-position state of the chain. Positions are renumbered densely, in
 * ascending order, when the matrix is compacted, so that scans still visit
 * them in scipy's index order. */
typedef struct chain_state {
    int32_t *orig;   /* scipy's position (the original index)               */
    int32_t *size;   /* points in the cluster, 0 once merged away           */
    int32_t *active; /* positions still in play, ascending                  */
    double *out;     /* -INF in play, +INF not (see nearest)                */
    double *nn_val;  /* nearest position in play: its distance and the      */
    int32_t *nn_arg; /* first position at it; -1 (and -INF) when unknown     */
    int32_t *chain, *map;
} chain_state;

/* Drop the merged-away rows and columns and give the matrix a good stride
 * (new_ld <= ld): rows and columns stay short and in cache as merges go
 * on. In place, in ascending order: an element only ever moves down. */
static void compact(double *d, size_t ld, size_t new_ld, int32_t n_active, int32_t chain_len,
                    chain_state *s) {
    for (int32_t a = 0; a < n_active; a++) s->map[s->active[a]] = a;
    for (int32_t a = 0; a < n_active; a++) {
        const double *src = d + (size_t)s->active[a] * ld;
        double *dst = d + (size_t)a * new_ld;
        for (int32_t b = 0; b < n_active; b++) dst[b] = src[s->active[b]];
    }
    for (int32_t a = 0; a < n_active; a++) {
        int32_t p = s->active[a];
        s->orig[a] = s->orig[p];
        s->size[a] = s->size[p];
        s->nn_val[a] = s->nn_val[p];
        s->nn_arg[a] = s->nn_arg[p] >= 0 ? s->map[s->nn_arg[p]] : -1;
        s->out[a] = -INFINITY;
        s->active[a] = a;
    }
    for (int32_t c = 0; c < chain_len; c++) s->chain[c] = s->map[s->chain[c]];
}

/* scipy's nn_chain on the n x n matrix d with rows ld apart (see the file
 * comment for why the cached neighbours make the same choices). zu gets
 * rows (x, y, distance, size) in merge order, x < y scipy positions. */
static void nn_chain(double *d, int32_t n, size_t ld, const double *nn_val,
                     const int32_t *nn_arg, double *zu) {
    size_t nn = (size_t)n;
    chain_state s = {etsim_malloc(nn * sizeof *s.orig),    etsim_malloc(nn * sizeof *s.size),
                     etsim_malloc(nn * sizeof *s.active),  etsim_malloc(nn * sizeof *s.out),
                     etsim_malloc(nn * sizeof *s.nn_val),  etsim_malloc(nn * sizeof *s.nn_arg),
                     etsim_malloc((nn + 1) * sizeof *s.chain),
                     etsim_malloc(nn * sizeof *s.map)};
    for (int32_t i = 0; i < n; i++) {
        s.orig[i] = i;
        s.size[i] = 1;
        s.active[i] = i;
        s.out[i] = -INFINITY;
    }
    if (nn_val) {
        memcpy(s.nn_val, nn_val, nn * sizeof *s.nn_val);
        memcpy(s.nn_arg, nn_arg, nn * sizeof *s.nn_arg);
    } else {
        for (int32_t i = 0; i < n; i++) {
            s.nn_val[i] = INFINITY;
            s.nn_arg[i] = -1;
        }
        for (int32_t i = 0; i < n; i++) track_row(d + (size_t)i * ld, s.out, i, n, s.nn_val, s.nn_arg);
    }
    int poor = n > 128 && stride_is_poor(ld);
    int32_t m = n, n_active = n, chain_len = 0;
    for (int32_t k = 0; k < n - 1; k++) {
        if (chain_len == 0) s.chain[chain_len++] = s.active[0];
        int32_t x, y;
        double cur;
        for (;;) {
            x = s.chain[chain_len - 1];
            if (s.nn_arg[x] < 0) {
                s.out[x] = INFINITY;
                s.nn_arg[x] = nearest_any(d + (size_t)x * ld, s.out, m, &s.nn_val[x]);
                s.out[x] = -INFINITY;
                if (s.nn_arg[x] < 0) /* nothing below INF: not scipy's input */
                    s.nn_arg[x] = s.active[s.active[0] == x];
            }
            /* scipy starts its scan from the previous chain element, so it
             * stays unless something is strictly nearer: what stops the
             * chain from cycling. */
            if (chain_len > 1) {
                y = s.chain[chain_len - 2];
                cur = d[(size_t)x * ld + (size_t)y];
                if (!(s.nn_val[x] < cur)) break;
            }
            y = s.nn_arg[x];
            s.chain[chain_len++] = y;
        }
        chain_len -= 2;
        if (x > y) {
            int32_t t = x;
            x = y;
            y = t;
        }
        int32_t nx = s.size[x], ny = s.size[y];
        zu[4 * (size_t)k + 0] = s.orig[x];
        zu[4 * (size_t)k + 1] = s.orig[y];
        zu[4 * (size_t)k + 2] = cur;
        zu[4 * (size_t)k + 3] = nx + ny;
        s.size[x] = 0;
        s.size[y] = nx + ny;
        s.out[x] = INFINITY;
        int32_t lo = 0, hi = n_active - 1; /* x's place in active */
        while (lo < hi) {
            int32_t mid = (lo + hi) / 2;
            if (s.active[mid] < x) lo = mid + 1;
            else hi = mid;
        }
        memmove(s.active + lo, s.active + lo + 1, (size_t)(n_active - lo - 1) * sizeof *s.active);
        n_active--;
        double *row_y = d + (size_t)y * ld;
        average_rows(d + (size_t)x * ld, row_y, nx, ny, m);
        /* Mirror row y into column y (scans read rows), finding row y's
         * nearest on the way (ascending, as scipy's scan), then bring the
         * other rows' up to date. */
        double best = INFINITY;
        int32_t best_at = -1;
        for (int32_t a = 0; a < n_active; a++) {
            int32_t i = s.active[a];
            double v = row_y[i];
            d[(size_t)i * ld + (size_t)y] = v;
            if (v < best && i != y) {
                best = v;
                best_at = i;
            }
        }
        update_nearest(row_y, x, y, m, s.nn_val, s.nn_arg);
        s.nn_val[y] = best;
        s.nn_arg[y] = best_at;
        size_t new_ld = padded_stride(n_active);
        if ((m >= 32 && 2 * n_active <= m) || (poor && new_ld <= ld)) {
            compact(d, ld, new_ld, n_active, chain_len, &s);
            m = n_active;
            ld = new_ld;
            poor = 0;
        }
    }
    free(s.orig);
    free(s.size);
    free(s.active);
    free(s.out);
    free(s.nn_val);
    free(s.nn_arg);
    free(s.chain);
    free(s.map);
}

/* nn_val, nn_arg: each row's nearest neighbour as track_row finds it, or
 * NULL to find them here. */
static void linkage_average(double *d, int32_t n, size_t ld, const double *nn_val,
                            const int32_t *nn_arg, double *Z) {
    size_t nn = (size_t)n;
    double *zu = etsim_malloc(4 * nn * sizeof *zu);
    nn_chain(d, n, ld, nn_val, nn_arg, zu);
    /* Sort merges by distance (stable), then rename positions to cluster
     * ids with a union-find, smaller root first (scipy's `label`). */
    int32_t rows = n - 1;
    int32_t *idx = etsim_malloc((nn > 1 ? nn - 1 : 1) * sizeof *idx);
    int32_t *tmp = etsim_malloc((nn > 1 ? nn - 1 : 1) * sizeof *tmp);
    for (int32_t k = 0; k < rows; k++) idx[k] = k;
    sort_rows(zu, idx, tmp, rows);
    int32_t *parent = etsim_malloc((2 * nn) * sizeof *parent);
    int32_t *csize = etsim_malloc((2 * nn) * sizeof *csize);
    for (int32_t i = 0; i < 2 * n - 1; i++) {
        parent[i] = i;
        csize[i] = 1;
    }
    int32_t next = n;
    for (int32_t k = 0; k < rows; k++) {
        const double *r = zu + 4 * (size_t)idx[k];
        int32_t rx = uf_find(parent, (int32_t)r[0]), ry = uf_find(parent, (int32_t)r[1]);
        double *out = Z + 4 * (size_t)k;
        out[0] = rx < ry ? rx : ry;
        out[1] = rx < ry ? ry : rx;
        out[2] = r[2];
        parent[rx] = next;
        parent[ry] = next;
        csize[next] = csize[rx] + csize[ry];
        out[3] = csize[next];
        next++;
    }
    free(zu);
    free(idx);
    free(tmp);
    free(parent);
    free(csize);
}

void etsim_cluster_linkage_average(double *dist, int32_t n, double *Z) {
    linkage_average(dist, n, (size_t)n, NULL, NULL, Z);
}

int32_t etsim_cluster_fcluster_distance(const double *Z, int32_t n, double t, int32_t *labels) {
    size_t nn = (size_t)n;
    double *md = etsim_malloc(nn * sizeof *md);              /* max dist below row */
    int32_t *stack = etsim_malloc(nn * sizeof *stack);
    uint8_t *visited = etsim_calloc(2 * nn, 1);
#define ZL(r) ((int32_t)Z[4 * (size_t)(r) + 0])
#define ZR(r) ((int32_t)Z[4 * (size_t)(r) + 1])
    /* Post-order walk: md[row] = max(own distance, children's md). */
    int32_t k = 0;
    stack[0] = 2 * n - 2;
    while (k >= 0) {
        int32_t root = stack[k] - n, lc = ZL(root), rc = ZR(root);
        if (lc >= n && !visited[lc]) {
            visited[lc] = 1;
            stack[++k] = lc;
            continue;
        }
        if (rc >= n && !visited[rc]) {
            visited[rc] = 1;
            stack[++k] = rc;
            continue;
        }
        double m = Z[4 * (size_t)root + 2];
        if (lc >= n && md[lc - n] > m) m = md[lc - n];
        if (rc >= n && md[rc - n] > m) m = md[rc - n];
        md[root] = m;
        k--;
    }
    /* Pre-order walk numbering clusters: the first node on a path whose md
     * is <= t leads a cluster; leaves outside any leader are singletons. */
    memset(visited, 0, 2 * nn);
    int32_t n_cluster = 0, leader = -1;
    k = 0;
    stack[0] = 2 * n - 2;
    while (k >= 0) {
        int32_t root = stack[k] - n, lc = ZL(root), rc = ZR(root);
        if (leader == -1 && md[root] <= t) {
            leader = root;
            n_cluster++;
        }
        if (lc >= n && !visited[lc]) {
            visited[lc] = 1;
            stack[++k] = lc;
            continue;
        }
        if (rc >= n && !visited[rc]) {
            visited[rc] = 1;
            stack[++k] = rc;
            continue;
        }
        if (lc < n) {
            if (leader == -1) n_cluster++;
            labels[lc] = n_cluster - 1;
        }
        if (rc < n) {
            if (leader == -1) n_cluster++;
            labels[rc] = n_cluster - 1;
        }
        if (leader == root) leader = -1;
        k--;
    }
#undef ZL
#undef ZR
    free(md);
    free(stack);
    free(visited);
    return n_cluster;
}

int32_t etsim_cluster_embeddings(const float *const *vecs, int32_t n, int32_t dim, double t,
                                 const int32_t *names, int32_t *labels, etsim_err *err) {
    if (n <= 0) return 0;
    size_t ld = padded_stride(n);
    double *dist = etsim_malloc((size_t)n * ld * sizeof *dist);
    double *Z = etsim_malloc(4 * (size_t)n * sizeof *Z);
    double *nn_val = etsim_malloc((size_t)n * sizeof *nn_val);
    int32_t *nn_arg = etsim_malloc((size_t)n * sizeof *nn_arg);
    int32_t k = -1;
    if (cosine_distances(vecs, n, dim, names, dist, ld, nn_val, nn_arg, err) < 0) goto done;
    if (n == 1) {
        labels[0] = 0;
        k = 1;
        goto done;
    }
    linkage_average(dist, n, ld, nn_val, nn_arg, Z);
    k = etsim_cluster_fcluster_distance(Z, n, t, labels);
done:
    free(dist);
    free(Z);
    free(nn_val);
    free(nn_arg);
    return k;
}
