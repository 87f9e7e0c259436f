/* normalize.h -- the two answer-normalisation passes of the PRM800K grader,
 * reproduced rule by rule from the Python the ETS and REBASE repositories
 * ship (grading/math_normalize.py and grading/grader.py):
 *
 *  - etsim_norm_mathd: math_normalize.normalize_answer, the Hendrycks MATH
 *    pass (strip, unwrap \text{...}, _strip_string: drop \left \right \!
 *    and ^\circ, \$ and \%, units after "\text{ ", "k = " prefixes, fix
 *    \sqrt3 and \frac12, 0.5 -> \frac{1}{2}, a/b -> \frac{a}{b}). Where the
 *    Python raises inside _strip_string (e.g. "\sqrt" at the very end, two
 *    "\text{ " units) it returns the answer as it was after unwrapping, and
 *    so do we.
 *  - etsim_norm_prm: grader._normalize (unwrap \text{}, drop $ and %, "or"
 *    / "and" to commas, million/billion/trillion, the unit list, ^\circ,
 *    outer braces, ",\!" separators, integral floats to ints, LaTeX to text
 *    with the pylatexenc converter, "- " joins, mixed numbers "7 3/4" ->
 *    "7+3/4", spaces and braces dropped, lower case, integers canonical).
 *
 * Both return strings owned by the arena. NULL input gives NULL. */
#ifndef ETSIM_EVAL_NORMALIZE_H
#define ETSIM_EVAL_NORMALIZE_H

#include <stdbool.h>

#include "sim/eval/pystr.h"

const char *etsim_norm_mathd(etsim_arena *a, const char *answer);
const char *etsim_norm_prm(etsim_arena *a, const char *expr);

/* Helpers the grader shares with the normaliser. */
/* _strip_properly_formatted_commas: "1,234,567" -> "1234567", tuple commas kept */
const char *etsim_norm_strip_thousands(etsim_arena *a, const char *expr);
/* _str_is_int: float(strip_thousands(x)) within 1e-7 of an integer */
bool etsim_norm_str_is_int(etsim_arena *a, const char *x);
/* the `^\text\{(.+?)\}$` unwrap; returns the inside or NULL when no match */
const char *etsim_norm_text_unwrap(etsim_arena *a, const char *s);

#endif
