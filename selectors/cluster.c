/* cluster.c -- average-linkage clustering on cosine distance with scipy's
 * exact semantics (see cluster.h for the stages and why each follows scipy).
 *
 * Cost: distances O(n^2 d), four pairs at a time so that independent sums
 * overlap while each pair keeps scipy's summation order bit for bit; linkage is
 * the nearest-neighbour chain, O(n^2) time on a full n x n matrix (8 MiB at
 * n = 1024); the flat cut is O(n). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "selectors/cluster.h"

/* scipy's dot product as its compiled code sums it (Debian's 1.10.1 build,
 * checked bit for bit against pdist): two lanes over even and odd
 * components, the lanes added, then the odd component left over.
 * dot2x4 computes four of them at once: independent chains keep the
 * multiplier busy where one chain would wait on its additions, without
 * changing any result bit. */
static void dot2x4(const double *u, const double *v0, const double *v1, const double *v2,
                   const double *v3, int32_t dim, double *out) {
    double a0 = 0, a1 = 0, b0 = 0, b1 = 0, c0 = 0, c1 = 0, d0 = 0, d1 = 0;
    int32_t k = 0;
    for (; k + 1 < dim; k += 2) {
        a0 += u[k] * v0[k];
        a1 += u[k + 1] * v0[k + 1];
        b0 += u[k] * v1[k];
        b1 += u[k + 1] * v1[k + 1];
        c0 += u[k] * v2[k];
        c1 += u[k + 1] * v2[k + 1];
        d0 += u[k] * v3[k];
        d1 += u[k + 1] * v3[k + 1];
    }
    out[0] = a0 + a1;
    out[1] = b0 + b1;
    out[2] = c0 + c1;
    out[3] = d0 + d1;
    if (k < dim) {
        out[0] += u[k] * v0[k];
        out[1] += u[k] * v1[k];
        out[2] += u[k] * v2[k];
        out[3] += u[k] * v3[k];
    }
}

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

static double cosine_distance(double dot, double nu, double nv) {
    /* Zero vectors (README "Zero vectors"): one point, orthogonal to all. */
    if (nu == 0.0 || nv == 0.0) return nu == nv ? 0.0 : 1.0;
    double c = dot / (nu * nv);
    if (fabs(c) > 1.0) c = copysign(1.0, c); /* scipy clips rounding error */
    return 1.0 - c;
}

int etsim_cluster_cosine_distances(const float *const *vecs, int32_t n, int32_t dim,
                                   const int32_t *names, double *dist, etsim_err *err) {
    if (n <= 0) return 0;
    if (dim <= 0) return etsim_errf(err, "embeddings: dimension %d", dim);
    size_t nn = (size_t)n, dd = (size_t)dim;
    double *norm = etsim_malloc(nn * sizeof *norm);
    double *xd = etsim_malloc(nn * dd * sizeof *xd); /* widened to double, as scipy */
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
    }
    for (int32_t i = 0; i < n; i++) {
        const double *u = xd + (size_t)i * dd;
        dist[(size_t)i * nn + (size_t)i] = 0.0;
        int32_t j = i + 1;
        for (; j + 3 < n; j += 4) {
            double dots[4];
            dot2x4(u, xd + (size_t)j * dd, xd + (size_t)(j + 1) * dd, xd + (size_t)(j + 2) * dd,
                   xd + (size_t)(j + 3) * dd, dim, dots);
            for (int32_t q = 0; q < 4; q++) {
                double d = cosine_distance(dots[q], norm[i], norm[j + q]);
                dist[(size_t)i * nn + (size_t)(j + q)] = d;
                dist[(size_t)(j + q) * nn + (size_t)i] = d;
            }
        }
        for (; j < n; j++) {
            double d = cosine_distance(dot2d(u, xd + (size_t)j * dd, dim), norm[i], norm[j]);
            dist[(size_t)i * nn + (size_t)j] = d;
            dist[(size_t)j * nn + (size_t)i] = d;
        }
    }
    rc = 0;
done:
    free(norm);
    free(xd);
    return rc;
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

void etsim_cluster_linkage_average(double *d, int32_t n, double *Z) {
    size_t nn = (size_t)n;
    int32_t *size = etsim_malloc(nn * sizeof *size);
    int32_t *chain = etsim_malloc((nn + 1) * sizeof *chain);
    double *zu = etsim_malloc(4 * nn * sizeof *zu);
    /* Active positions in ascending order: scans visit them in scipy's
     * index order (ties go to the first minimum) without passing over the
     * merged-away ones. */
    int32_t *active = etsim_malloc(nn * sizeof *active);
    for (int32_t i = 0; i < n; i++) {
        size[i] = 1;
        active[i] = i;
    }
    int32_t n_active = n, chain_len = 0, x = 0, y = 0;
    for (int32_t k = 0; k < n - 1; k++) {
        if (chain_len == 0) { /* restart from the lowest active position */
            chain_len = 1;
            chain[0] = active[0];
        }
        double cur;
        for (;;) {
            x = chain[chain_len - 1];
            /* Prefer the previous chain element among equal minima: it is
             * what stops the chain from cycling (scipy's rule). */
            if (chain_len > 1) {
                y = chain[chain_len - 2];
                cur = d[(size_t)x * nn + (size_t)y];
            } else {
                cur = INFINITY;
            }
            const double *row = d + (size_t)x * nn;
            for (int32_t a = 0; a < n_active; a++) {
                int32_t i = active[a];
                if (i != x && row[i] < cur) {
                    cur = row[i];
                    y = i;
                }
            }
            if (chain_len > 1 && y == chain[chain_len - 2]) break;
            chain[chain_len++] = y;
        }
        chain_len -= 2;
        if (x > y) {
            int32_t t = x;
            x = y;
            y = t;
        }
        int32_t nx = size[x], ny = size[y];
        zu[4 * (size_t)k + 0] = x;
        zu[4 * (size_t)k + 1] = y;
        zu[4 * (size_t)k + 2] = cur;
        zu[4 * (size_t)k + 3] = nx + ny;
        size[x] = 0;
        size[y] = nx + ny;
        int32_t a = 0;
        while (active[a] != x) a++;
        memmove(active + a, active + a + 1, (size_t)(n_active - a - 1) * sizeof *active);
        n_active--;
        for (int32_t q = 0; q < n_active; q++) {
            int32_t i = active[q];
            if (i == y) continue;
            double v = (nx * d[(size_t)i * nn + (size_t)x] + ny * d[(size_t)i * nn + (size_t)y]) /
                       (nx + ny);
            d[(size_t)i * nn + (size_t)y] = v;
            d[(size_t)y * nn + (size_t)i] = v;
        }
    }
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
    free(size);
    free(active);
    free(chain);
    free(zu);
    free(idx);
    free(tmp);
    free(parent);
    free(csize);
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
    size_t nn = (size_t)n;
    double *dist = etsim_malloc(nn * nn * sizeof *dist);
    double *Z = etsim_malloc(4 * nn * sizeof *Z);
    int32_t k = -1;
    if (etsim_cluster_cosine_distances(vecs, n, dim, names, dist, err) < 0) goto done;
    if (n == 1) {
        labels[0] = 0;
        k = 1;
        goto done;
    }
    etsim_cluster_linkage_average(dist, n, Z);
    k = etsim_cluster_fcluster_distance(Z, n, t, labels);
done:
    free(dist);
    free(Z);
    return k;
}
