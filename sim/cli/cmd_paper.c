/* cmd_paper.c -- `etsim paper (--trace-dir DIR | --synthetic) --out DIR`:
 * regenerate the ETS paper's Figures 2 and 3 and Tables 1-3 in one command
 * (sim/sweep/paper.h): resumable sweeps, the paper's hyperparameter rule,
 * tables beside the published values. The library writes the figures' data
 * and gnuplot scripts; this command then renders them by running gnuplot,
 * found on $PATH (plots/gnuplot.h), unless --no-render. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_progress.h"
#include "sim/cli/cmd_sweep.h"
#include "plots/gnuplot.h"
#include "sim/sweep/paper.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim paper (--synthetic | --trace-dir DIR) --out DIR [options]\n"
        "  --synthetic         use the paper-fitted synthetic profiles shipped with etsim\n"
        "  --trace-dir DIR     use DIR/<setup>-<dataset>.trace for setup llemma34b|mistral7b\n"
        "                      and dataset math500|gsm8k (missing ones are skipped)\n"
        "  --out DIR           output: table{1,2,3}.{md,csv,tex}, fig{2,3}.{dat,png,svg},\n"
        "                      plots/*.gp, paper.md, and the sweeps (resumable)\n"
        "  --threads T         worker threads (default: all cores)\n"
        "  --problems N        first N problems of each setup (default: all)\n"
        "  --setups LIST       comma list of setups to run (default: all four)\n"
        "  --lambdas L,L,...   ETS lambda_b (lambdac) values to sweep (default 1,1.5,2:\n"
        "                      the paper's range [1,2])\n"
        "  --kv-lambdas L,...  ETS-KV lambda_b values (default 0.75,1,1.25)\n"
        "  --ets-lambda-d X    ETS lambda_d (lambdas), default 1\n"
        "  --ets-temperature T ETS and ETS-KV softmax temperature (default 0.2, as the\n"
        "                      public configs; the paper's text says 1.0)\n"
        "  --reference FILE    the paper's numbers (default: the built-in ets_paper.json)\n"
        "  --no-render         write data and gnuplot scripts, do not run gnuplot\n"
        "  --force             discard earlier results in DIR\n");
}

static int parse_list(const char *flag, const char *s, double *v, int *n) {
    *n = 0;
    char *dup = strdup(s), *save = NULL;
    for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *end;
        double x = strtod(t, &end);
        if (*end || !(x >= 0 && x < 1e6) || *n == ETSIM_PAPER_MAX_LAMBDAS) {
            free(dup);
            etsim_cli_fail(2, "%s: '%s' is not a list of up to %d numbers >= 0", flag, s,
                           ETSIM_PAPER_MAX_LAMBDAS);
            return -1;
        }
        v[(*n)++] = x;
    }
    free(dup);
    if (!*n) {
        etsim_cli_fail(2, "%s: empty list", flag);
        return -1;
    }
    return 0;
}

static int parse_num(const char *flag, const char *s, double lo, double hi, double *out) {
    char *end;
    double x = strtod(s, &end);
    if (*end || !(x >= lo && x <= hi)) {
        etsim_cli_fail(2, "%s: '%s' is not a number in [%g, %g]", flag, s, lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

int etsim_cmd_paper(int argc, char **argv) {
    etsim_paper_opts o;
    etsim_paper_opts_init(&o);
    o.threads = etsim_cli_sweep_threads();
    o.notice.fn = etsim_cli_sweep_notice;
    o.progress = etsim_cli_progress();
    int synthetic = 0, render = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--synthetic")) {
            synthetic = 1;
        } else if (!strcmp(a, "--trace-dir") && i + 1 < argc) {
            o.trace_dir = argv[++i];
        } else if (!strcmp(a, "--out") && i + 1 < argc) {
            o.out_dir = argv[++i];
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 1024, &o.threads) < 0) return 2;
        } else if (!strcmp(a, "--problems") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 100000000, &o.problems) < 0) return 2;
        } else if (!strcmp(a, "--setups") && i + 1 < argc) {
            o.setups = argv[++i];
        } else if (!strcmp(a, "--lambdas") && i + 1 < argc) {
            if (parse_list(a, argv[++i], o.ets_lambdas, &o.n_ets) < 0) return 2;
        } else if (!strcmp(a, "--kv-lambdas") && i + 1 < argc) {
            if (parse_list(a, argv[++i], o.kv_lambdas, &o.n_kv) < 0) return 2;
        } else if (!strcmp(a, "--ets-lambda-d") && i + 1 < argc) {
            if (parse_num(a, argv[++i], 0, 1e6, &o.ets_lambdas_s) < 0) return 2;
        } else if (!strcmp(a, "--ets-temperature") && i + 1 < argc) {
            if (parse_num(a, argv[++i], 1e-6, 1e6, &o.ets_temperature) < 0) return 2;
        } else if (!strcmp(a, "--reference") && i + 1 < argc) {
            o.reference = argv[++i];
        } else if (!strcmp(a, "--no-render")) {
            render = 0;
        } else if (!strcmp(a, "--force")) {
            o.force = 1;
        } else {
            fprintf(stderr, "etsim paper: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (synthetic == (o.trace_dir != NULL))
        return etsim_cli_fail(2, "paper: give exactly one of --synthetic and --trace-dir DIR");
    if (!o.out_dir) return etsim_cli_fail(2, "paper: --out DIR is required");
    etsim_err err = {{0}};
    etsim_paper_stats st;
    if (etsim_paper_run(&o, stdout, &st, &err) < 0) return etsim_cli_fail(1, "%s", err.msg);
    int rendered = 0;
    if (st.figures) {
        char *gnuplot = render ? etsim_gnuplot_find(getenv("PATH")) : NULL;
        if (gnuplot) {
            int rc = etsim_gnuplot_paper_figures(gnuplot, o.out_dir, &err);
            free(gnuplot);
            if (rc < 0) return etsim_cli_fail(1, "%s", err.msg);
            rendered = 1;
        } else {
            fprintf(stderr, "etsim: gnuplot %s: render with: cd %s && gnuplot plots/fig2.gp && "
                            "gnuplot plots/fig3.gp\n",
                    render ? "not found" : "skipped", o.out_dir);
        }
    }
    fprintf(stderr, "etsim: paper: %d setups in %.1f s (main sweep %.1f s, throughput %.1f s)%s; "
                    "see %s/paper.md\n",
            st.setups, st.seconds_total, st.seconds_main, st.seconds_throughput,
            rendered ? ", figures rendered" : "", o.out_dir);
    return 0;
}
