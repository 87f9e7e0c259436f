/* commands.h -- one entry point per `etsim` subcommand. Each lives in its
 * own sim/cli/cmd_<name>.c and is registered by one line in main.c. Each
 * returns the process exit status: 0 ok, 1 bad data or failure, 2 usage. */
#ifndef ETSIM_CLI_COMMANDS_H
#define ETSIM_CLI_COMMANDS_H

int etsim_cmd_replay(int argc, char **argv);
int etsim_cmd_bench(int argc, char **argv);
int etsim_cmd_grade(int argc, char **argv);
int etsim_cmd_eval(int argc, char **argv);
int etsim_cmd_export(int argc, char **argv);
int etsim_cmd_import(int argc, char **argv);
int etsim_cmd_synth(int argc, char **argv);
int etsim_cmd_gpu(int argc, char **argv);
int etsim_cmd_cost(int argc, char **argv);
int etsim_cmd_select(int argc, char **argv);
int etsim_cmd_inspect(int argc, char **argv);
int etsim_cmd_trace(int argc, char **argv);
int etsim_cmd_sweep(int argc, char **argv);
int etsim_cmd_merge(int argc, char **argv);
int etsim_cmd_pick(int argc, char **argv);
int etsim_cmd_diff(int argc, char **argv);
int etsim_cmd_paper(int argc, char **argv);
int etsim_cmd_fit(int argc, char **argv);

int etsim_cmd_capture(int argc, char **argv);
int etsim_cmd_embed(int argc, char **argv);

#endif
