/* result_in.h -- read the cost model's input back from a replay result
 * file (sim/engine/result.h, "etsim_result": 1) for `etsim cost RESULT.json`.
 *
 * The file is mapped, not read into the heap, and a non-recursive scanner
 * picks out each problem's index, nodes.parent, nodes.tokens and decision
 * candidates (and whether clusters were logged), so working memory grows
 * with the largest problem, not with the file. What is read is validated
 * as untrusted input; errors name the file, the problem and the field. */
#ifndef ETSIM_GPU_RESULT_IN_H
#define ETSIM_GPU_RESULT_IN_H

#include "gpu_model/cost.h"

/* Append one trace per problem of the result file to `set`. */
int etsim_cost_traces_read_result(const char *path, etsim_cost_traces *set, etsim_err *err);

/* The same from text in memory (`name` for errors); used by the reader
 * and by tests and fuzzers. */
int etsim_cost_traces_parse_result(const char *text, size_t len, const char *name,
                                   etsim_cost_traces *set, etsim_err *err);

#endif
