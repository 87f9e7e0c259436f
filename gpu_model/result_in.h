/* result_in.h -- read the cost model's input back from a replay result
 * file (sim/engine/result.h, "etsim_result": 1) for `etsim cost RESULT.json`.
 *
 * The file is streamed by the engine's result reader
 * (sim/engine/result_read.h) with the cost model's field mask (tree shape
 * and decisions), so working memory grows with the largest problem, not
 * with the file. What is read is validated as untrusted input; errors name
 * the file, the line, the problem and the field. */
#ifndef ETSIM_GPU_RESULT_IN_H
#define ETSIM_GPU_RESULT_IN_H

#include "gpu_model/cost.h"

/* Append one trace per problem of the result file ("-": standard input)
 * to `set`. */
int etsim_cost_traces_read_result(const char *path, etsim_cost_traces *set, etsim_err *err);

/* The same from text in memory (`name` for errors); used by tests and
 * fuzzers. */
int etsim_cost_traces_parse_result(const char *text, size_t len, const char *name,
                                   etsim_cost_traces *set, etsim_err *err);

#endif
