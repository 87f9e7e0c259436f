/* shard.h -- the --shard flag of `etsim sweep` and `etsim capture`: "i/n"
 * as given, or "auto" / "auto/N" taken from the job scheduler's
 * environment (a Slurm job array or a Kubernetes Indexed Job). The CLI
 * reads the environment; the library never does. */
#ifndef ETSIM_CLI_SHARD_H
#define ETSIM_CLI_SHARD_H

#include "sim/core/util.h"

/* Parse `spec` into the 1-based shard *i of *n.
 *   "i/n"     as written (1 <= i <= n)
 *   "auto"    Slurm: i = SLURM_ARRAY_TASK_ID + 1, n = SLURM_ARRAY_TASK_COUNT,
 *             the array being 0..n-1 (SLURM_ARRAY_TASK_MIN 0, _MAX n-1)
 *   "auto/N"  n = N, i = SLURM_ARRAY_TASK_ID + 1 or JOB_COMPLETION_INDEX + 1
 *             (the form for rerunning single indices, and for Kubernetes,
 *             which does not export the number of completions)
 * Task ids are shard numbers counted from 0. 0, or -1 with a one-line
 * message in err naming the flag and the variable. */
int etsim_cli_shard_parse(const char *spec, int *i, int *n, etsim_err *err);

#endif
