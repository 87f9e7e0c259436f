/* test_sel_cluster.c -- average-linkage clustering on cosine distance
 * (selectors/cluster.c) against a worked dendrogram, hand-computed cosine
 * distances, scipy 1.10's own output on a case full of exact ties
 * (merge order, left/right ids and flat-cluster numbering included), and
 * a plain transcription of scipy's nn_chain on larger tie-ridden inputs
 * (the fast linkage's neighbour cache, compaction and row strides). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "selectors/cluster.h"

static void test_worked_dendrogram(void **state) {
    (void)state;
    /* Points a..e. Average linkage by hand:
     *   a+b at 0.01; c+d at 0.02;
     *   d(ab, cd) = mean(0.30, 0.32, 0.34, 0.36) = 0.33;
     *   d(abcd, e) = mean(0.9, 0.8, 0.7, 0.6) = 0.75.
     * scipy ids: ab = 5, cd = 6, abcd = 7. Cut at 0.05: {a,b} {c,d} {e},
     * numbered as scipy walks the tree from the top, left first: the right
     * subtree (abcd) holds clusters 0 and 1, the left leaf e comes last. */
    double d[25] = {0,   .01, .30, .34, .9,  .01, 0,   .32, .36, .8,  .30, .32, 0,
                    .02, .7,  .34, .36, .02, 0,   .6,  .9,  .8,  .7,  .6,  0};
    double Z[16];
    etsim_cluster_linkage_average(d, 5, Z);
    const double want[16] = {0, 1, 0.01, 2, 2, 3, 0.02, 2, 5, 6, 0.33, 4, 4, 7, 0.75, 5};
    for (int k = 0; k < 16; k++) assert_true(fabs(Z[k] - want[k]) < 1e-12);
    int32_t labels[5];
    assert_int_equal(etsim_cluster_fcluster_distance(Z, 5, 0.05, labels), 3);
    const int32_t want_labels[5] = {0, 0, 1, 1, 2};
    assert_memory_equal(labels, want_labels, sizeof labels);
    /* A cut above every merge gives one cluster, below every merge n. */
    assert_int_equal(etsim_cluster_fcluster_distance(Z, 5, 1.0, labels), 1);
    assert_int_equal(etsim_cluster_fcluster_distance(Z, 5, 0.001, labels), 5);
    /* The cut is inclusive (distance <= t), as fcluster's. */
    assert_int_equal(etsim_cluster_fcluster_distance(Z, 5, 0.33, labels), 2);
}

static void test_cosine_distances(void **state) {
    (void)state;
    const float v0[] = {1, 0}, v1[] = {0, 1}, v2[] = {1, 1}, v3[] = {-2, 0};
    const float *vecs[] = {v0, v1, v2, v3};
    double d[16];
    etsim_err err;
    assert_int_equal(etsim_cluster_cosine_distances(vecs, 4, 2, NULL, d, &err), 0);
    assert_true(fabs(d[0 * 4 + 1] - 1.0) < 1e-15);
    assert_true(fabs(d[0 * 4 + 2] - (1.0 - 1.0 / sqrt(2.0))) < 1e-15);
    assert_true(fabs(d[0 * 4 + 3] - 2.0) < 1e-15);   /* opposite: cosine -1 */
    assert_true(fabs(d[3 * 4 + 0] - 2.0) < 1e-15);   /* symmetric */
    assert_true(d[2 * 4 + 2] == 0.0);
}

/* v_i[k] = ((7i + 3k) mod 5) - 2: five directions repeated, so the
 * linkage is riddled with exact ties. Expected values: scipy 1.10.1,
 * linkage(E, 'average', 'cosine') and fcluster(Z, 0.05, 'distance') - 1. */
static void test_matches_scipy_with_ties(void **state) {
    (void)state;
    enum { n = 14, dim = 3 };
    float data[n][dim];
    const float *vecs[n];
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < dim; k++) data[i][k] = (float)(((7 * i + 3 * k) % 5) - 2);
        vecs[i] = data[i];
    }
    static const double want[n - 1][4] = {
        {0, 5, 0, 2},
        {4, 9, 0, 2},
        {10, 14, 0, 3},
        {1, 6, 2.2204460492503131e-16, 2},
        {2, 7, 2.2204460492503131e-16, 2},
        {3, 8, 2.2204460492503131e-16, 2},
        {11, 17, 2.2204460492503131e-16, 3},
        {12, 18, 2.2204460492503131e-16, 3},
        {13, 19, 2.2204460492503131e-16, 3},
        {15, 20, 0.26970325665977857, 5},
        {16, 22, 0.26970325665977857, 6},
        {21, 24, 1.3024514503058253, 9},
        {23, 25, 1.5554208680955091, 14},
    };
    static const int32_t want_labels[n] = {3, 1, 2, 4, 0, 3, 1, 2, 4, 0, 3, 1, 2, 4};
    double d[n * n], Z[4 * n];
    etsim_err err;
    assert_int_equal(etsim_cluster_cosine_distances(vecs, n, dim, NULL, d, &err), 0);
    etsim_cluster_linkage_average(d, n, Z);
    for (int k = 0; k < n - 1; k++) {
        assert_int_equal((int)Z[4 * k + 0], (int)want[k][0]);
        assert_int_equal((int)Z[4 * k + 1], (int)want[k][1]);
        assert_true(fabs(Z[4 * k + 2] - want[k][2]) <= 1e-15);
        assert_int_equal((int)Z[4 * k + 3], (int)want[k][3]);
    }
    int32_t labels[n];
    assert_int_equal(etsim_cluster_embeddings(vecs, n, dim, ETSIM_CLUSTER_CUT, NULL, labels, &err),
                     5);
    assert_memory_equal(labels, want_labels, sizeof labels);
}

static void test_bad_embeddings(void **state) {
    (void)state;
    const float ok[] = {1, 2}, nan_v[] = {1, NAN};
    const float *vecs[] = {ok, nan_v};
    int32_t names[] = {41, 42}, labels[2];
    etsim_err err;
    assert_int_equal(etsim_cluster_embeddings(vecs, 2, 2, 0.05, names, labels, &err), -1);
    assert_non_null(strstr(err.msg, "node 42"));
    assert_non_null(strstr(err.msg, "not finite"));
}

/* The zero-vector rule (selectors/README.md, "Zero vectors"): zero vectors
 * are at distance 0 from each other and 1 from everything else, so blank
 * steps form one cluster of their own, as identical blank texts would under
 * the reference's sentence embedder. Worked by hand: a = (1, 0),
 * b = (0.6, 0.8) (cos 0.6, distance 0.4), z1 = z2 = (0, 0); c = (1, 0.01)
 * (distance 1 - 1/sqrt(1.0001) = 4.99963e-5 from a). Clusters at the 0.05
 * cut: {a, c}, {b}, {z1, z2}. */
static void test_zero_vectors(void **state) {
    (void)state;
    const float a[] = {1, 0}, b[] = {0.6f, 0.8f}, z[] = {0, 0}, c[] = {1, 0.01f};
    const float *vecs[] = {a, z, b, z, c};
    double d[25];
    etsim_err err;
    assert_int_equal(etsim_cluster_cosine_distances(vecs, 5, 2, NULL, d, &err), 0);
    assert_true(d[0 * 5 + 1] == 1.0 && d[1 * 5 + 0] == 1.0); /* a - z1 */
    assert_true(d[1 * 5 + 3] == 0.0 && d[3 * 5 + 1] == 0.0); /* z1 - z2 */
    assert_true(d[2 * 5 + 3] == 1.0);                       /* b - z2 */
    assert_true(d[1 * 5 + 1] == 0.0);
    assert_true(fabs(d[0 * 5 + 2] - 0.4) < 1e-7);
    int32_t labels[5];
    int32_t k = etsim_cluster_embeddings(vecs, 5, 2, 0.05, NULL, labels, &err);
    assert_int_equal(k, 3);
    assert_int_equal(labels[0], labels[4]);
    assert_int_equal(labels[1], labels[3]);
    assert_true(labels[0] != labels[1] && labels[0] != labels[2] && labels[1] != labels[2]);
    /* only zero vectors: one cluster */
    const float *zeros[] = {z, z, z};
    assert_int_equal(etsim_cluster_embeddings(zeros, 3, 2, 0.05, NULL, labels, &err), 1);
}

static void test_single_and_duplicates(void **state) {
    (void)state;
    const float a[] = {0.5f, -1.0f, 2.0f};
    const float *one[] = {a};
    int32_t labels[3];
    etsim_err err;
    assert_int_equal(etsim_cluster_embeddings(one, 1, 3, 0.05, NULL, labels, &err), 1);
    assert_int_equal(labels[0], 0);
    /* exact duplicates and a scaled copy (cosine ignores length): one cluster */
    const float b[] = {1.0f, -2.0f, 4.0f};
    const float *dup[] = {a, a, b};
    assert_int_equal(etsim_cluster_embeddings(dup, 3, 3, 0.05, NULL, labels, &err), 1);
    assert_true(labels[0] == 0 && labels[1] == 0 && labels[2] == 0);
}

/* scipy's linkage(method='average') as scipy's Cython writes it: full
 * scans of every row at every chain step, the matrix updated in place,
 * then a stable sort by distance and union-find labels. O(n^3). */
static void plain_linkage(double *d, int n, double *Z) {
    int *size = malloc(n * sizeof *size), *chain = malloc((n + 1) * sizeof *chain);
    double *zu = malloc(4 * (size_t)n * sizeof *zu);
    for (int i = 0; i < n; i++) size[i] = 1;
    int len = 0, x = 0, y = 0;
    for (int k = 0; k < n - 1; k++) {
        if (len == 0) {
            for (int i = 0; i < n; i++)
                if (size[i] > 0) {
                    chain[len++] = i;
                    break;
                }
        }
        double cur;
        for (;;) {
            x = chain[len - 1];
            cur = INFINITY;
            if (len > 1) {
                y = chain[len - 2];
                cur = d[x * n + y];
            }
            for (int i = 0; i < n; i++)
                if (size[i] > 0 && i != x && d[x * n + i] < cur) {
                    cur = d[x * n + i];
                    y = i;
                }
            if (len > 1 && y == chain[len - 2]) break;
            chain[len++] = y;
        }
        len -= 2;
        if (x > y) {
            int t = x;
            x = y;
            y = t;
        }
        int nx = size[x], ny = size[y];
        double row[4] = {x, y, cur, nx + ny};
        memcpy(zu + 4 * k, row, sizeof row);
        size[x] = 0;
        size[y] = nx + ny;
        for (int i = 0; i < n; i++)
            if (size[i] > 0 && i != y)
                d[i * n + y] = d[y * n + i] = (nx * d[x * n + i] + ny * d[y * n + i]) / (nx + ny);
    }
    int *order = malloc(n * sizeof *order), *root = malloc(2 * n * sizeof *root);
    for (int k = 0; k < n - 1; k++) { /* stable insertion sort by distance */
        int j = k;
        for (; j > 0 && zu[4 * order[j - 1] + 2] > zu[4 * k + 2]; j--) order[j] = order[j - 1];
        order[j] = k;
    }
    for (int i = 0; i < 2 * n; i++) root[i] = i;
    for (int k = 0; k < n - 1; k++) {
        const double *r = zu + 4 * order[k];
        int a = (int)r[0], b = (int)r[1];
        while (root[a] != a) a = root[a];
        while (root[b] != b) b = root[b];
        double *out = Z + 4 * k;
        out[0] = a < b ? a : b;
        out[1] = a < b ? b : a;
        out[2] = r[2];
        out[3] = (a < n ? 1 : Z[4 * (a - n) + 3]) + (b < n ? 1 : Z[4 * (b - n) + 3]);
        root[a] = root[b] = n + k;
    }
    free(size);
    free(chain);
    free(zu);
    free(order);
    free(root);
}

static uint64_t lcg(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* The fast linkage keeps each row's nearest neighbour between chain steps
 * and shrinks the matrix as clusters merge; Z must still be scipy's to
 * the bit. Inputs full of exact ties (a handful of distinct distances;
 * duplicate and zero vectors), at sizes that compact the matrix (n = 256
 * also has the cache-hostile stride the code re-strides), against the
 * plain transcription above; the whole pipeline (its own strides and
 * neighbour search) against the same on its labels. */
static void test_matches_plain_nn_chain(void **state) {
    (void)state;
    uint64_t seed = 17;
    static const int sizes[] = {2, 3, 9, 77, 200, 256};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        int n = sizes[t];
        size_t nn = (size_t)n;
        double *d = malloc(nn * nn * sizeof *d), *d2 = malloc(nn * nn * sizeof *d2);
        double *Z = malloc(4 * nn * sizeof *Z), *Zp = malloc(4 * nn * sizeof *Zp);
        for (int levels = 1; levels <= 4; levels += 3) {
            for (int i = 0; i < n; i++) {
                d[i * n + i] = 0.0;
                for (int j = i + 1; j < n; j++)
                    d[i * n + j] = d[j * n + i] = 0.5 * (double)(1 + lcg(&seed) % levels);
            }
            memcpy(d2, d, nn * nn * sizeof *d);
            etsim_cluster_linkage_average(d, n, Z);
            plain_linkage(d2, n, Zp);
            assert_memory_equal(Z, Zp, 4 * (nn - 1) * sizeof *Z);
        }
        enum { dim = 5, pool = 12 };
        float *e = malloc(nn * dim * sizeof *e), dirs[pool][dim];
        const float **vecs = malloc(nn * sizeof *vecs);
        for (int q = 0; q < pool; q++)
            for (int k = 0; k < dim; k++) dirs[q][k] = q ? (float)((int)(lcg(&seed) % 5) - 2) : 0.0f;
        for (int i = 0; i < n; i++) { /* duplicates, multiples, zero vectors */
            int q = (int)(lcg(&seed) % pool);
            float scale = (float)(1 + lcg(&seed) % 3);
            for (int k = 0; k < dim; k++) e[i * dim + k] = scale * dirs[q][k];
            vecs[i] = e + i * dim;
        }
        etsim_err err;
        int32_t *labels = malloc(nn * sizeof *labels), *want = malloc(nn * sizeof *want);
        assert_int_equal(etsim_cluster_cosine_distances(vecs, n, dim, NULL, d2, &err), 0);
        if (n > 1) {
            plain_linkage(d2, n, Zp);
            int32_t k = etsim_cluster_fcluster_distance(Zp, n, ETSIM_CLUSTER_CUT, want);
            assert_int_equal(etsim_cluster_embeddings(vecs, n, dim, ETSIM_CLUSTER_CUT, NULL, labels,
                                                      &err),
                             k);
            assert_memory_equal(labels, want, nn * sizeof *labels);
        }
        free(d);
        free(d2);
        free(Z);
        free(Zp);
        free(e);
        free(vecs);
        free(labels);
        free(want);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_dendrogram),
        cmocka_unit_test(test_cosine_distances),
        cmocka_unit_test(test_matches_scipy_with_ties),
        cmocka_unit_test(test_bad_embeddings),
        cmocka_unit_test(test_zero_vectors),
        cmocka_unit_test(test_single_and_duplicates),
        cmocka_unit_test(test_matches_plain_nn_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
