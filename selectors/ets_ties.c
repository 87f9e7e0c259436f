/* ets_ties.c -- the exact ETS solver's checks on the instance before it
 * solves (ets_exact.c): the outcome weights' common denominator, and
 * whether two objective values could differ by less than the tie
 * tolerance without being equal (then the solver declines: its value
 * comparisons would not match the tie rule). Separate from ets_exact.c
 * only to keep each file readable. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "selectors/ets_states.h"

typedef double ties_v4d __attribute__((vector_size(32)));
typedef int64_t ties_v4l __attribute__((vector_size(32)));

/* The nearest-lattice-point test of one row (one dk) over dC = 0..C: is
 * |t + u dn| in [lo, hi] with dn the integer nearest to t / |u|, t =
 * frac[dC] + base? Four dC per step in vector lanes, each lane doing the
 * scalar operations in the scalar order (no fused multiply-add: the avx2
 * clone has none), so the answer is the scalar loop's; the clones pick AVX2
 * where the CPU has it, at run time. It runs over every (dk, dC) of every
 * step, so its cost matters (a fifth of a 256-candidate solve as scalar
 * code). */
__attribute__((target_clones("avx2", "default")))
static int row_hits(const double *frac, int64_t n, double base, double u, double inv_abs_u,
                    double lo, double hi, double nm) {
    const double magic = 6755399441055744.0; /* 2^52 + 2^51: x + magic - magic rounds */
    ties_v4l hit = {0, 0, 0, 0};
    int64_t dC = 0;
    for (; dC + 4 <= n; dC += 4) {
        ties_v4d f;
        memcpy(&f, frac + dC, sizeof f);
        ties_v4d t = f + base;
        ties_v4d r = t * inv_abs_u;
        ties_v4d dn = (r + magic) - magic; /* nearest integer, |r| << 2^51 */
        ties_v4d d = t + u * dn;
        /* fabs: clear the sign bits (a vector cast reinterprets the bits) */
        ties_v4d ad = (ties_v4d)((ties_v4l)d & INT64_MAX), adn = (ties_v4d)((ties_v4l)dn & INT64_MAX);
        hit |= (ad >= lo) & (ad <= hi) & (adn <= nm);
    }
    int found = (hit[0] | hit[1] | hit[2] | hit[3]) != 0;
    for (; dC < n; dC++) {
        double t = frac[dC] + base;
        double r = t * inv_abs_u;
        double dn = (r + magic) - magic;
        double d = fabs(t + u * dn);
        found |= (d >= lo) & (d <= hi) & (fabs(dn) <= nm);
    }
    return found;
}

/* Is there an integer combination dC/D + u dn + v dk (|dC| <= C, |dn| <=
 * N + M, |dk| <= K) in [lo, hi]? Such a difference of two objective values
 * would be a tie for the rule but not for the solver's comparisons. */
int etsim_exact_near_tie_possible(double D, int64_t C, int32_t NM, int32_t K, double u, double v,
                                  double lo, double hi) {
    double inv_abs_u = 1.0 / fabs(u);
    /* With |u| far above hi only the lattice point nearest to t can put
     * |t + u dn| in [lo, hi] (the next is |u| / 2 away), so one rounding
     * per term suffices and the loop has no branch: it runs over every
     * (dk, dC) of every step, so its cost matters. */
    int nearest_only = fabs(u) > 1e3 * hi;
    /* dC / D once per dC, not per (dk, dC): the same values, no division
     * in the inner loop */
    double *frac = etsim_malloc((size_t)(C + 1) * sizeof *frac);
    for (int64_t dC = 0; dC <= C; dC++) frac[dC] = (double)dC / D;
    int found = 0;
    for (int32_t dk = -K; dk <= K && !found; dk++) {
        double base = v * (double)dk;
        if (nearest_only) {
            found = row_hits(frac, C + 1, base, u, inv_abs_u, lo, hi, (double)NM);
            continue;
        }
        for (int64_t dC = 0; dC <= C && !found; dC++) {
            double t = frac[dC] + base; /* want t + u dn near 0: dn ~ t / |u| */
            double q = floor(t * inv_abs_u);
            for (int e = 0; e < 2; e++) {
                double dn = q + e;
                if (fabs(dn) > (double)NM) continue;
                double d = fabs(t + u * dn);
                if (d >= lo && d <= hi) found = 1;
            }
        }
    }
    free(frac);
    return found;
}

/* O_i = c_i / D for integers c_i >= 0? Returns D (given or inferred up to
 * 4096) and *C = sum c_i, or 0. */
int64_t etsim_exact_find_den(const etsim_ilp_model *m, int64_t *C) {
    int64_t first = m->outcome_den > 0 ? m->outcome_den : 1;
    int64_t last = m->outcome_den > 0 ? m->outcome_den : 4096;
    for (int64_t D = first; D <= last; D++) {
        int64_t sum = 0;
        int ok = 1;
        for (int32_t i = 0; i < m->n_cand && ok; i++) {
            double c = m->outcome[i] * (double)D, r = nearbyint(c);
            ok = r >= 0 && fabs(c - r) <= 1e-9 * (1.0 + r);
            sum += (int64_t)r;
        }
        if (ok) {
            *C = sum;
            return D;
        }
    }
    return 0;
}
