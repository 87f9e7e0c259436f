/* commands.h -- one entry point per `etsim` subcommand. Each lives in its
 * own sim/cli/cmd_<name>.c and is registered by one line in main.c. Each
 * returns the process exit status: 0 ok, 1 bad data or failure, 2 usage. */
#ifndef ETSIM_CLI_COMMANDS_H
#define ETSIM_CLI_COMMANDS_H

int etsim_cmd_replay(int argc, char **argv);
int etsim_cmd_bench(int argc, char **argv);

#endif
