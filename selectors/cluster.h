/* cluster.h -- agglomerative clustering of step embeddings as the ETS
 * harness does it: scipy `linkage(E, method='average', metric='cosine')`
 * followed by `fcluster(Z, t, criterion='distance') - 1`.
 *
 * Every stage follows scipy's own algorithm so that merge order, tie
 * handling and cluster numbering agree with it, not just the partition:
 *   - distances: pdist 'cosine' in double (float32 inputs widened):
 *     cosine = u.v / (|u| |v|), clipped to [-1, 1], d = 1 - cosine, with
 *     the dot products summed as scipy's compiled code sums them (two
 *     lanes, even and odd components; see cluster.c);
 *   - linkage: the nearest-neighbour-chain algorithm (scipy's nn_chain, the
 *     one it uses for 'average'), Lance-Williams update
 *     (n_x d_xi + n_y d_yi) / (n_x + n_y), then a stable sort by distance
 *     and union-find relabelling (scipy's `label`);
 *   - flat clusters: the maximum merge distance below each node, then a
 *     depth-first walk from the top (left subtree first) numbering clusters
 *     whose maximum is <= t (scipy's cluster_dist / cluster_monocrit).
 * The linkage matrix Z has scipy's layout: row k = (left id, right id,
 * distance, size), ids >= n name the cluster formed at row id - n. */
#ifndef ETSIM_CLUSTER_H
#define ETSIM_CLUSTER_H

#include <stdint.h>
#include "sim/core/util.h"

/* The cut used by the ETS harness. */
#define ETSIM_CLUSTER_CUT 0.05

/* Full n x n cosine distance matrix (row-major, zero diagonal) of the
 * vectors vecs[0..n-1], each `dim` floats. Fails on a non-finite value;
 * `names` (may be NULL) gives the node id to cite for each vector.
 * A zero vector (all components 0: what `etsim embed` gives a blank step)
 * has no cosine (scipy's pdist gives NaN and its linkage refuses it), so
 * it follows etsim's rule (selectors/README.md, "Zero vectors"): distance
 * 0 to every other zero vector, 1 to every nonzero one. */
int etsim_cluster_cosine_distances(const float *const *vecs, int32_t n, int32_t dim,
                                   const int32_t *names, double *dist, etsim_err *err);

/* Average linkage over the n x n distance matrix `dist` (overwritten: it
 * holds cluster distances as the algorithm runs, and is compacted and
 * re-strided in place). Z gets (n-1) rows of 4. n >= 2; the distances must
 * be finite (scipy's linkage refuses anything else). */
void etsim_cluster_linkage_average(double *dist, int32_t n, double *Z);

/* scipy fcluster(Z, t, criterion='distance') - 1: labels[i] in [0, K).
 * Returns K. n >= 2. */
int32_t etsim_cluster_fcluster_distance(const double *Z, int32_t n, double t, int32_t *labels);

/* The whole pipeline for the harness: labels per vector, returns K (>= 1)
 * or -1 with err set. n == 1 gives one cluster. */
int32_t etsim_cluster_embeddings(const float *const *vecs, int32_t n, int32_t dim, double t,
                                 const int32_t *names, int32_t *labels, etsim_err *err);

/* The same, computed once per thread for each distinct set of vectors and
 * reused while it stays among the thread's recent results
 * (cluster_cache.c): the vectors are compared in full, so the labels are
 * always those etsim_cluster_embeddings computes. */
int32_t etsim_cluster_embeddings_shared(const float *const *vecs, int32_t n, int32_t dim,
                                        double t, const int32_t *names, int32_t *labels,
                                        etsim_err *err);

/* Sharing on (the default) or off: etsim bench turns it off so that a
 * timed selection clusters every time. Set before selections run. */
void etsim_cluster_set_sharing(int on);

#endif
