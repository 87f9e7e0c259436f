/* cmd_merge.c -- `etsim merge --out DIR SHARD_DIR...`: join the outputs of
 * `etsim sweep --shard i/n` runs of one grid (sim/sweep/sweep.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cmd_sweep.h"
#include "sim/sweep/sweep.h"

static void merge_usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim merge --out DIR SHARD_DIR... [--force] [--threads T]\n"
        "  joins the results of `etsim sweep --shard i/n` runs of one grid; when every\n"
        "  unit is present, DIR/summary.jsonl is byte-identical to a single run's.\n"
        "  Missing units can be run afterwards with `etsim sweep GRID --out DIR --resume`.\n");
}

int etsim_cmd_merge(int argc, char **argv) {
    etsim_sweep_opts o = {0};
    o.threads = etsim_cli_sweep_threads();
    o.notice.fn = etsim_cli_sweep_notice;
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    int n = 0, quiet = 0, rc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            merge_usage(stdout);
            free(dirs);
            return 0;
        } else if (!strcmp(a, "--out") && i + 1 < argc) {
            o.out_dir = argv[++i];
        } else if (!strcmp(a, "--force")) {
            o.force = 1;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 1024, &o.threads) < 0) {
                free(dirs);
                return 2;
            }
        } else if (a[0] != '-') {
            dirs[n++] = a;
        } else {
            fprintf(stderr, "etsim merge: unknown or incomplete option '%s'\n", a);
            merge_usage(stderr);
            free(dirs);
            return 2;
        }
    }
    if (!o.out_dir || n == 0) {
        free(dirs);
        return etsim_cli_fail(2, "merge: give --out DIR and at least one shard directory");
    }
    etsim_err err = {{0}};
    etsim_sweep_stats st;
    if (etsim_sweep_merge(dirs, n, &o, &st, &err) < 0) rc = etsim_cli_fail(1, "%s", err.msg);
    else rc = etsim_cli_sweep_finish(&o, &st, quiet);
    free(dirs);
    return rc;
}
