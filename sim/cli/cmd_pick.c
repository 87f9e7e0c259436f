/* cmd_pick.c -- `etsim pick RESULTS --rule paper`: choose ETS / ETS-KV
 * hyperparameters from a sweep's results by the ETS paper's rule (the
 * largest cost weight whose accuracy is within 0.2 points of REBASE at the
 * same width; sim/sweep/pick.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/sweep/pick.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim pick RESULTS [--rule paper] [--param NAME] [--tolerance P] [--json] [-v]\n"
        "  RESULTS        a sweep directory or its summary.jsonl\n"
        "  --rule paper   for ETS and ETS-KV at each width and source: the largest value\n"
        "                 of the swept parameter whose weighted-majority accuracy is at\n"
        "                 least REBASE's (same width and source) minus the tolerance\n"
        "  --param NAME   the swept parameter (default lambdac, the paper's lambda_b)\n"
        "  --tolerance P  accuracy points (default 0.2)\n"
        "  --json         machine-readable output\n"
        "  -v             list every value of each series\n");
}

int etsim_cmd_pick(int argc, char **argv) {
    const char *path = NULL, *param = "lambdac", *rule = "paper";
    double tol = 0.2;
    int json = 0, verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--rule") && i + 1 < argc) {
            rule = argv[++i];
        } else if (!strcmp(a, "--param") && i + 1 < argc) {
            param = argv[++i];
        } else if (!strcmp(a, "--tolerance") && i + 1 < argc) {
            char *end;
            tol = strtod(argv[++i], &end);
            if (*end || !(tol >= 0 && tol <= 100))
                return etsim_cli_fail(2, "--tolerance: '%s' is not a number of points in [0, 100]",
                                      argv[i]);
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            verbose = 1;
        } else if (a[0] != '-' && !path) {
            path = a;
        } else {
            fprintf(stderr, "etsim pick: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!path) return etsim_cli_fail(2, "pick: give a sweep directory or summary file");
    if (strcmp(rule, "paper")) return etsim_cli_fail(2, "pick: unknown rule '%s' (known: paper)", rule);
    etsim_err err = {{0}};
    etsim_report rep;
    if (etsim_report_load(path, &rep, &err) < 0) return etsim_cli_fail(1, "%s", err.msg);
    etsim_pick_set set;
    if (etsim_pick_paper(&rep, param, tol, &set, &err) < 0) {
        etsim_report_free(&rep);
        return etsim_cli_fail(1, "%s", err.msg);
    }
    int rc = 0;
    if (set.n == 0) rc = etsim_cli_fail(1, "%s: no ETS or ETS-KV configs with a summary", path);
    else if (json) etsim_pick_print_json(stdout, &set);
    else etsim_pick_print(stdout, &set, verbose);
    etsim_pick_set_free(&set);
    etsim_report_free(&rep);
    return rc;
}
