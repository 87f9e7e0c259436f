/* bench.h -- the live client's overhead figure: completion requests per
 * second that the HTTP client plus request building plus reply parsing
 * sustain on one core against a loopback server that answers at once. */
#ifndef ETSIM_LIVE_BENCH_H
#define ETSIM_LIVE_BENCH_H

#include <stdio.h>

#include "sim/core/util.h"

/* Runs for about two seconds; writes a few lines to `report`. */
int etsim_live_bench(FILE *report, etsim_err *err);

#endif
