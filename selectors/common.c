/* common.c -- pieces of the reference harness's semantics shared by several
 * selectors (common.h): its two sort orders, REBASE's sequential-ceil
 * allocation and the integer square root DVTS uses.
 *
 * Sort orders. Python's sorted() is stable. `sorted(key=s); reverse()`
 * yields descending scores with ties in REVERSED insertion order (later
 * first); `sorted(key=s, reverse=True)` keeps insertion order among ties.
 * Both are reproduced exactly with a stable merge sort on (score, index). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "selectors/common.h"

/* Stable merge sort of idx[] by scores descending; `later_first` flips the
 * tie rule. Scores compared as doubles; NaN never reaches here (the engine
 * and `etsim select` reject it). */
static int before(const double *s, int32_t a, int32_t b, int later_first) {
    if (s[a] != s[b]) return s[a] > s[b];
    return later_first ? a > b : a < b;
}

static void merge_sort(const double *s, int32_t *idx, int32_t *tmp, int32_t n, int later_first) {
    if (n <= 16) { /* insertion sort: (score, index) is a total order, so the result is the same */
        for (int32_t i = 1; i < n; i++) {
            int32_t v = idx[i], j = i;
            for (; j > 0 && before(s, v, idx[j - 1], later_first); j--) idx[j] = idx[j - 1];
            idx[j] = v;
        }
        return;
    }
    int32_t h = n / 2;
    merge_sort(s, idx, tmp, h, later_first);
    merge_sort(s, idx + h, tmp, n - h, later_first);
    int32_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = before(s, idx[j], idx[i], later_first) ? idx[j++] : idx[i++];
    while (i < h) tmp[k++] = idx[i++];
    while (j < n) tmp[k++] = idx[j++];
    memcpy(idx, tmp, (size_t)n * sizeof *idx);
}

static void order_desc(const double *scores, int32_t n, int32_t *order, int later_first) {
    for (int32_t i = 0; i < n; i++) order[i] = i;
    int32_t *tmp = etsim_malloc((size_t)(n > 0 ? n : 1) * sizeof *tmp);
    merge_sort(scores, order, tmp, n, later_first);
    free(tmp);
}

void etsim_order_desc_later_first(const double *scores, int32_t n, int32_t *order) {
    order_desc(scores, n, order, 1);
}

void etsim_order_desc_stable(const double *scores, int32_t n, int32_t *order) {
    order_desc(scores, n, order, 0);
}

/* ---- REBASE allocation ------------------------------------------------------- */

int64_t etsim_rebase_allocate(const double *logits, int32_t n, int32_t width,
                              int32_t *counts) {
    if (n <= 0) return 0;
    double maxl = -INFINITY;
    for (int32_t i = 0; i < n; i++)
        if (logits[i] > maxl) maxl = logits[i];
    double *e = etsim_malloc((size_t)n * sizeof *e);
    double *suffix = etsim_malloc((size_t)(n + 1) * sizeof *suffix);
    for (int32_t i = 0; i < n; i++)
        e[i] = (isinf(maxl) || logits[i] == -INFINITY) ? 0.0 : exp(logits[i] - maxl);
    /* Suffix sums computed from the end, not by repeated subtraction as the
     * reference does in float32: the exact sum_{j>=i} e_j without drift. */
    suffix[n] = 0.0;
    for (int32_t i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + e[i];
    int64_t remaining = width, total = 0;
    for (int32_t i = 0; i < n; i++) {
        int32_t w = 0;
        if (e[i] > 0 && suffix[i] > 0 && remaining > 0) {
            double r = (double)remaining * e[i] / suffix[i];
            double nearest = floor(r + 0.5);
            /* An exact integer ratio (e.g. equal scores splitting 16 over 4)
             * must not become one more through rounding noise. */
            if (fabs(r - nearest) <= 1e-9 * (r > 1 ? r : 1)) r = nearest;
            double c = ceil(r);
            if (c > (double)remaining) c = (double)remaining;
            w = (int32_t)c;
        }
        counts[i] = w;
        remaining -= w;
        total += w;
    }
    free(e);
    free(suffix);
    return total;
}

int32_t etsim_ceil_sqrt(int32_t n) {
    /* Integer correction of the float root: exact where a double sqrt of a
     * perfect square could land a hair off. */
    int64_t k = (int64_t)sqrt((double)n);
    while (k * k < n) k++;
    while (k > 1 && (k - 1) * (k - 1) >= n) k--;
    return (int32_t)k;
}
