/* cmd_sweep.h -- helpers shared by `etsim sweep` and `etsim merge`. */
#ifndef ETSIM_CLI_CMD_SWEEP_H
#define ETSIM_CLI_CMD_SWEEP_H

#include "sim/sweep/sweep.h"

void etsim_cli_sweep_notice(void *ctx, const char *msg);
int etsim_cli_sweep_threads(void);
/* Report a finished run; prints the summary table unless quiet. Returns
 * the exit status (1 when the run is incomplete). */
int etsim_cli_sweep_finish(const etsim_sweep_opts *o, const etsim_sweep_stats *st, int quiet);

#endif
