/* cmd_gpu_calib.h -- `etsim gpu calibrate` and `etsim fit --target gpu`
 * (sim/cli/cmd_gpu_calib.c). */
#ifndef ETSIM_CLI_CMD_GPU_CALIB_H
#define ETSIM_CLI_CMD_GPU_CALIB_H

/* argv[0] is the subcommand word ("calibrate" or "fit"); `fit` selects
 * the fit (else the report). Returns the exit status. */
int etsim_cmd_gpu_calib(int argc, char **argv, int fit);

#endif
