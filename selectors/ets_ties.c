/* ets_ties.c -- the exact ETS solver's arithmetic around the tie rule
 * (ets_exact.c): the outcome weights' common denominator; the list of
 * integer combinations by which two objective values could differ by less
 * than the tie tolerance without being equal (where the solver's value
 * comparisons would not match the rule); and, after the search, ruling
 * each of them out for the answer by bounds on fixed counts, or not (then
 * the solver declines). Separate from ets_exact.c only to keep each file
 * readable; the bounds come from ets_exact.c through a callback. */
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

/* Every integer combination dC/D + u dn + v dk (0 <= dC <= C, |dn| <= N +
 * M, |dk| <= K) whose |value| lies in [lo, hi]: such a difference of two
 * objective values would be a tie for the rule but not for the solver's
 * comparisons. Returns how many (at most max; -1 if there are more). */
int32_t etsim_exact_near_tie_list(double D, int64_t C, int32_t NM, int32_t K, double u, double v,
                                  double lo, double hi, etsim_near_tie *out, int32_t max) {
    double inv_abs_u = 1.0 / fabs(u);
    /* With |u| far above hi only the lattice point nearest to t can put
     * |t + u dn| in [lo, hi] (the next is |u| / 2 away), so one rounding
     * per term suffices, and a row (one dk) is first tested without a
     * branch (row_hits): it runs over every (dk, dC) of every step, so its
     * cost matters. Only a row with a hit is walked again to list it. */
    int nearest_only = fabs(u) > 1e3 * hi;
    /* dC / D once per dC, not per (dk, dC): the same values, no division
     * in the inner loop */
    double *frac = etsim_malloc((size_t)(C + 1) * sizeof *frac);
    for (int64_t dC = 0; dC <= C; dC++) frac[dC] = (double)dC / D;
    int32_t n = 0;
    for (int32_t dk = -K; dk <= K && n >= 0; dk++) {
        double base = v * (double)dk;
        if (nearest_only && !row_hits(frac, C + 1, base, u, inv_abs_u, lo, hi, (double)NM)) continue;
        for (int64_t dC = 0; dC <= C && n >= 0; dC++) {
            double t = frac[dC] + base; /* want t + u dn near 0: dn ~ t / |u| */
            double q = nearest_only ? nearbyint(t * inv_abs_u) : floor(t * inv_abs_u);
            for (int e = 0; e < (nearest_only ? 1 : 2); e++) {
                double dn = q + e;
                if (fabs(dn) > (double)NM) continue;
                double d = t + u * dn;
                if (fabs(d) < lo || fabs(d) > hi) continue;
                if (n == max) {
                    n = -1;
                    break;
                }
                out[n++] = (etsim_near_tie){dC, dk, (int64_t)dn, d};
            }
        }
    }
    free(frac);
    return n;
}

int etsim_exact_rule_out(const etsim_rule_out_in *in, const etsim_near_tie *nt, int32_t n_nt,
                         double (*shifted_max)(void *ctx, double alpha, double beta), void *ctx) {
    double base = shifted_max(ctx, 0.0, 0.0);
    /* how far a shift must lower the bound at the answer's own counts: past
     * the Lagrangian gap and the rounding margins */
    double gap = base - in->f > 0 ? base - in->f : 0.0;
    double drop = 2.0 * (gap + 2.0 * in->margin + in->tol);
    for (int32_t q = 0; q < n_nt; q++)
        for (int sign = -1; sign <= 1; sign += 2) {
            /* x' = x* - sign * combination, so f(x') = f* - sign * value */
            int64_t c1 = in->C - sign * nt[q].dC, n1 = in->n - sign * nt[q].dn,
                    k1 = in->k - sign * (int64_t)nt[q].dk;
            if (c1 < 0 || c1 > in->C_total || n1 < 1 || n1 > in->NM || k1 < 0 || k1 > in->K ||
                k1 > n1)
                continue; /* no selection has these counts */
            double f1 = in->f - sign * nt[q].value;
            int64_t dn = in->n - n1, dk = in->k - k1;
            int ruled_out = 0;
            /* shift the node weight, the cluster weight, or both by half;
             * then the same 8x larger */
            for (int t = 0; t < 6 && !ruled_out; t++) {
                int kind = t % 3;
                if ((kind != 1 && dn == 0) || (kind != 0 && dk == 0)) continue;
                double step = (t < 3 ? 1.0 : 8.0) * (kind == 2 ? 0.5 : 1.0) * drop;
                double alpha = kind == 1 ? 0.0 : -(dn > 0 ? 1.0 : -1.0) * step / fabs((double)dn);
                double beta = kind == 0 ? 0.0 : -(dk > 0 ? 1.0 : -1.0) * step / fabs((double)dk);
                if (in->v + beta < 0) continue;
                double bound = shifted_max(ctx, alpha, beta) - alpha * (double)n1 -
                               beta * (double)k1 + in->margin;
                ruled_out = bound < f1 - in->margin;
            }
            if (!ruled_out) return 0;
        }
    return 1;
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
            /* counts up to 2^40 each: the int64 sum cannot overflow */
            ok = r >= 0 && r <= 0x1p40 && fabs(c - r) <= 1e-9 * (1.0 + r);
            if (ok) sum += (int64_t)r;
        }
        if (ok) {
            *C = sum;
            return D;
        }
    }
    return 0;
}
