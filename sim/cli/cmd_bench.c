/* cmd_bench.c -- `etsim bench`: placeholder entry filled in below. */
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"

int etsim_cmd_bench(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return etsim_cli_fail(2, "bench: not built yet");
}
