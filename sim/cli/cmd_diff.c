/* cmd_diff.c -- `etsim diff A.json B.json`: compare two replay results of
 * the same source (sim/eval/result_diff.h): counters and accuracy side by
 * side, then per problem the first selection where they diverge and the
 * leaves and answers that changed. Exit status: 0 identical, 1 differ,
 * 2 usage or unreadable input (one `etsim: ` line, nothing on stdout). */
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/eval/result_diff.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim diff [--json] [--max N] [--all] A.json B.json\n"
        "Compare two replay results of the same source: config differences, counters\n"
        "and accuracy side by side, then per problem the first selection where they\n"
        "diverge (depth, candidates with scores, the children each result gave them,\n"
        "for ETS the objective, kept set and clusters), counters, leaves and answers.\n"
        "  --json    one JSON object for machines (every diverging problem)\n"
        "  --max N   detail at most N diverging problems (default 10; 0: all)\n"
        "  --all     list every candidate of a diverging selection, not only changed ones\n"
        "Exit status: 0 identical, 1 different, 2 usage or error.\n");
}

int etsim_cmd_diff(int argc, char **argv) {
    const char *paths[2] = {NULL, NULL};
    int n_paths = 0;
    etsim_diff_opts opts = {.json = 0, .max_problems = 10, .all_rows = 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            opts.json = 1;
        } else if (!strcmp(a, "--all")) {
            opts.all_rows = 1;
        } else if (!strcmp(a, "--max") && i + 1 < argc) {
            if (etsim_cli_int("--max", argv[++i], 0, 1 << 30, &opts.max_problems) < 0) return 2;
        } else if (a[0] != '-' && n_paths < 2) {
            paths[n_paths++] = a;
        } else {
            fprintf(stderr, "etsim diff: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (n_paths != 2) return etsim_cli_fail(2, "diff: give two result files (etsim diff A.json B.json)");
    etsim_err err = {{0}};
    int rc = etsim_result_diff(paths[0], paths[1], &opts, stdout, &err);
    if (rc < 0) return etsim_cli_fail(2, "%s", err.msg);
    return rc;
}
