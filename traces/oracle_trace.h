/* oracle_trace.h -- the "trace" oracle kind: children come from a trace
 * file (traces/FORMAT.md). open(problem) loads the whole recorded tree of
 * the problem at that position; expand(node, want) reports
 * min(want, recorded children). The engine applies the --on-missing policy. */
#ifndef ETSIM_ORACLE_TRACE_H
#define ETSIM_ORACLE_TRACE_H

#include "sim/engine/oracle.h"

/* spec = path of the trace file. */
extern const etsim_oracle_kind etsim_oracle_kind_trace;

#endif
