/* cmd_sweep.c -- `etsim sweep GRID.json --out DIR`: run a grid of
 * configurations x problems (sim/sweep/sweep.h) resumably and in parallel.
 * After a complete run a short table of the configs' summaries is printed.
 * The helpers at the top are shared with cmd_merge.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_progress.h"
#include "sim/cli/shard.h"
#include "sim/sweep/report.h"
#include "sim/sweep/sweep.h"
#include "sim/cli/cmd_sweep.h"

static void sweep_usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim sweep GRID.json --out DIR [--threads T] [--resume] [--force]\n"
        "                   [--shard i/n|auto|auto/N] [--quiet]\n"
        "  GRID.json      sources x selectors x parameter lists x widths x GPU settings\n"
        "                 (format: sim/sweep/README.md); checked completely before any work\n"
        "  --out DIR      output directory: grid.json, results.jsonl (append-only log),\n"
        "                 summary.jsonl (canonical, written when every unit is done)\n"
        "  --threads T    worker threads (default: all cores); results do not depend on T\n"
        "  --resume       continue an interrupted sweep of the same grid in DIR\n"
        "  --force        discard whatever DIR holds and start over\n"
        "  --shard i/n    run the i-th of n deterministic slices of the work units\n"
        "                 (join the shard directories with `etsim merge`); auto: from a\n"
        "                 Slurm job array 0..n-1 (SLURM_ARRAY_TASK_ID/_COUNT); auto/N: n = N,\n"
        "                 shard = SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (+1)\n"
        "  --quiet        no summary table\n");
}

void etsim_cli_sweep_notice(void *ctx, const char *msg) {
    (void)ctx;
    fprintf(stderr, "etsim: %s\n", msg);
}

int etsim_cli_sweep_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

int etsim_cli_sweep_finish(const etsim_sweep_opts *o, const etsim_sweep_stats *st, int quiet) {
    fprintf(stderr, "etsim: %s: %lld units (%lld already present, %lld run) in %.1f s, %d "
                    "config summaries written\n",
            o->out_dir, (long long)st->units, (long long)st->units_present,
            (long long)st->units_run, st->seconds, st->configs_summarised);
    if (!st->complete) {
        fprintf(stderr, "etsim: %s is incomplete: run `etsim sweep GRID --out %s --resume`\n",
                o->out_dir, o->out_dir);
        return 1;
    }
    if (!quiet) {
        etsim_err err = {{0}};
        if (etsim_report_print_dir(stdout, o->out_dir, &err) < 0)
            return etsim_cli_fail(1, "%s", err.msg);
    }
    return 0;
}

int etsim_cmd_sweep(int argc, char **argv) {
    etsim_sweep_opts o = {0};
    o.threads = etsim_cli_sweep_threads();
    o.progress = etsim_cli_progress();
    o.notice.fn = etsim_cli_sweep_notice;
    const char *grid = NULL;
    int quiet = 0;
    etsim_err err = {{0}};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            sweep_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--out") && i + 1 < argc) {
            o.out_dir = argv[++i];
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 1024, &o.threads) < 0) return 2;
        } else if (!strcmp(a, "--resume")) {
            o.resume = 1;
        } else if (!strcmp(a, "--force")) {
            o.force = 1;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--shard") && i + 1 < argc) {
            if (etsim_cli_shard_parse(argv[++i], &o.shard_i, &o.shard_n, &err) < 0)
                return etsim_cli_fail(2, "%s", err.msg);
        } else if (a[0] != '-' && !grid) {
            grid = a;
        } else {
            fprintf(stderr, "etsim sweep: unknown or incomplete option '%s'\n", a);
            sweep_usage(stderr);
            return 2;
        }
    }
    if (!grid) return etsim_cli_fail(2, "sweep: give a grid file (see --help)");
    if (!o.out_dir) return etsim_cli_fail(2, "sweep: --out DIR is required");
    etsim_sweep_stats st;
    if (etsim_sweep_run_file(grid, &o, &st, &err) < 0) return etsim_cli_fail(1, "%s", err.msg);
    return etsim_cli_sweep_finish(&o, &st, quiet);
}
