/* eval_bench.h -- grading speed benchmark, hooked into `etsim bench`:
 * grades 1,000,000 answer pairs drawn from a fixed pool of MATH-style
 * answers and their variants on one core and reports pairs per second
 * (target: under 2 s for the million). */
#ifndef ETSIM_EVAL_EVAL_BENCH_H
#define ETSIM_EVAL_EVAL_BENCH_H

#include <stdio.h>

#include "sim/core/util.h"

int etsim_eval_bench(FILE *report, etsim_err *err);

#endif
