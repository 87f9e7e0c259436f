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
 *    (latex(simplify(latex2sympy(answer))), math.py
 *    memoized_canonical_form); we approximate: an expression that
 *    evaluates to a constant (numbers, + - * / ^, \frac, \sqrt, \pi, i,
 *    \cdot, \times, implicit products, sin/cos/tan/ln/log/exp) is keyed by
 *    its value to 10 significant digits -- where latex2sympy's parse ends
 *    early (a subscript on a number, a stray ")" "]" "}" "&" "'" "." or
 *    "\\\\" at the top level) the rest is ignored as there, so "4333_6"
 *    is 4333 and "42210_{5}" is "42210_5"; a pmatrix/matrix of constants
 *    by its shape and cell values ("16/49" = "\frac{16}{49}"); an
 *    equation of two constants by its truth value; everything else by
 *    strip_string(answer), search-and-learn's own fallback when sympy
 *    fails, where an integer result ("６" -> "6") equals that integer's
 *    latex() form. Measured against the reference on every row of the
 *    real files (sim/eval/testdata/sal_golden.jsonl, see test_eval_sal.c);
 *    known differences: symbolic answers ("x+1" vs "1+x", "\cscx" vs
 *    "\cscx.Therefore...") and decimals vs fractions beyond 10 digits. */
#ifndef ETSIM_EVAL_SAL_PARSE_H
#define ETSIM_EVAL_SAL_PARSE_H

#include "sim/eval/pystr.h"

const char *etsim_sal_extract_answer(etsim_arena *a, const char *completion);
const char *etsim_sal_strip_string(etsim_arena *a, const char *s);
const char *etsim_sal_word_to_num(etsim_arena *a, const char *s); /* s unchanged if not a number */
const char *etsim_sal_canonical(etsim_arena *a, const char *answer);

#endif
