/* result_diff.h -- compare two replay results (sim/engine/result.h) of the
 * same source, for regression tests on selectors (`etsim diff`).
 *
 * What is compared, in this order:
 *  1. the configurations: source, selector, width, parameters and limits;
 *     each difference is a note ("selectors differ: rebase vs ets"), and
 *     the comparison goes on with what is comparable;
 *  2. the summaries side by side: every counter and every accuracy figure;
 *  3. per problem (matched by "index"): the first selection where the two
 *     decision logs diverge (depth, remaining width, the candidates with
 *     their scores and the children each result gave them; for ETS the
 *     objective, the kept set and the clusters), the counters that changed,
 *     and the leaves and answers that changed (answers as multisets).
 *
 * How it works: each file is mapped and split by a byte scanner
 * (sim/eval/result_scan.h) into its top-level values and the byte ranges
 * of its problems and of their members; config and summary are parsed with
 * sim/core/json.h. A problem whose bytes are the same in both files is
 * identical and never parsed, so diffing a result against itself costs one
 * scan; of the others only what is reported is parsed, one pair at a time
 * (memory: the two files plus one problem pair). The whole report is built
 * in memory and written only when both files were read without error.
 */
#ifndef ETSIM_EVAL_RESULT_DIFF_H
#define ETSIM_EVAL_RESULT_DIFF_H

#include <stdio.h>

#include "sim/core/util.h"

typedef struct etsim_diff_opts {
    int json;          /* one JSON object instead of the text report        */
    int max_problems;  /* diverging problems detailed (text); <= 0: all     */
    int all_rows;      /* text: list every candidate, not only changed ones */
} etsim_diff_opts;

/* Compare the results at path_a and path_b and write the report to out.
 * Returns 0 when the results are identical (same bytes problem by problem
 * and the same config and summary), 1 when they differ, -1 on error (err
 * set to one line naming the file, line and problem; nothing written). */
int etsim_result_diff(const char *path_a, const char *path_b, const etsim_diff_opts *opts,
                      FILE *out, etsim_err *err);

#endif
