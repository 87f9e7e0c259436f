/* common.h -- pieces of the reference harness's semantics that several
 * selectors share (sort orders, REBASE's allocation, ceil(sqrt)). */
#ifndef ETSIM_SELECTORS_COMMON_H
#define ETSIM_SELECTORS_COMMON_H

#include <stdint.h>

#include "sim/core/util.h"

/* Order candidates as the reference's `sorted(key=score); reverse()`:
 * descending by score, ties with the LATER candidate first. order[] gets
 * indices into scores[]. */
void etsim_order_desc_later_first(const double *scores, int32_t n, int32_t *order);
/* `sorted(key=score, reverse=True)`: descending, ties EARLIER first. */
void etsim_order_desc_stable(const double *scores, int32_t n, int32_t *order);

/* REBASE's sequential-ceil allocation over already ordered values:
 * e_i = exp(logit_i) (logit -INFINITY gives e_i = 0),
 * w_i = ceil(B * e_i / sum_{j>=i} e_j), B -= w_i. Computed in double with
 * the exponents shifted by the maximum; a ratio within 1e-9 (relative) of
 * an integer is taken as that integer so exact ratios never round up.
 * counts[i] aligned with logits[]. Returns the total handed out. */
int64_t etsim_rebase_allocate(const double *logits, int32_t n, int32_t width,
                              int32_t *counts);

/* Python's int(math.ceil(math.sqrt(n))), exactly, for n >= 0. */
int32_t etsim_ceil_sqrt(int32_t n);

#endif
