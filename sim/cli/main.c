/* main.c -- the `etsim` command line: a table of subcommands. All the work
 * happens in libetsim; each command only parses flags, calls the library
 * and reports errors as one `etsim: ...` line on stderr. */
#include <stdio.h>
#include <string.h>

#include "sim/cli/commands.h"

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command;

static const cli_command commands[] = {
    {"replay", etsim_cmd_replay, "run a selector over a trace or the synthetic model"},
    {"bench", etsim_cmd_bench, "measure replay speed, determinism and trace I/O"},
    {NULL, NULL, NULL},
};

static void usage(FILE *fp) {
    fprintf(fp, "usage: etsim <command> [options]   (etsim <command> --help)\n\ncommands:\n");
    for (const cli_command *c = commands; c->name; c++)
        fprintf(fp, "  %-9s %s\n", c->name, c->summary);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (const cli_command *c = commands; c->name; c++)
        if (!strcmp(argv[1], c->name)) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "etsim: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
