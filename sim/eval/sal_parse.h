/* sal_parse.h -- search-and-learn's own answer handling, the second
 * extraction/normalisation profile beside the ETS one:
 *
 *  - etsim_sal_extract_answer: sal.utils.qwen_math_parser.extract_answer
 *    (data "math"): drop " ки"; the "final answer is $...$. I hope" form;
 *    else the text after the last "boxed" (brace-matched when it opens
 *    with '{', else up to '$'); else after the last "he answer is" /
 *    "final answer is"; else the last number; then newlines, a leading
 *    ':' and a trailing '.' or '/' go, and strip_string normalises it.
 *  - etsim_sal_strip_string: its strip_string (units list, \text removal,
 *    word numbers via word2number, "x=" prefixes, \frac and a/b fixes,
 *    trailing ".000" removal, all spaces removed, ...).
 *  - etsim_sal_canonical: the grouping key used by its majority and
 *    weighted votes. search-and-learn groups by sympy canonical forms
 *    (latex2sympy + simplify); we approximate: an expression that
 *    evaluates to a real constant (numbers, + - * / ^, \frac, \sqrt, \pi,
 *    \cdot, \times, implicit products, sin/cos/tan/ln/log/exp) is keyed by
 *    its value to 10 significant digits; an equation of two constants by
 *    its truth value; everything else by strip_string(answer), which is
 *    search-and-learn's own fallback when sympy fails. */
#ifndef ETSIM_EVAL_SAL_PARSE_H
#define ETSIM_EVAL_SAL_PARSE_H

#include "sim/eval/pystr.h"

const char *etsim_sal_extract_answer(etsim_arena *a, const char *completion);
const char *etsim_sal_strip_string(etsim_arena *a, const char *s);
const char *etsim_sal_word_to_num(etsim_arena *a, const char *s); /* s unchanged if not a number */
const char *etsim_sal_canonical(etsim_arena *a, const char *answer);

#endif
