/* cmd_cost.c -- `etsim cost RESULT.json`: run the GPU cost model (replay
 * KV accounting + the serving simulation, gpu_model/cost.h) on what a
 * replay did, as recorded in its result file, and print a summary or
 * write the JSON report (atomically). */
#include <stdio.h>
#include <string.h>

#include "gpu_model/cost.h"
#include "gpu_model/cost_band.h"
#include "gpu_model/result_in.h"
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim cost RESULT.json [options] [--out REPORT.json | --out -]\n"
        "  --gpu G            GPU of both servers (default h100-nvl; `etsim gpu list`)\n"
        "  --prm-gpu G        the PRM server's GPU, if different\n"
        "  --policy M         policy model (default llemma-34b)\n"
        "  --prm M            PRM (default llemma-34b-prm)\n"
        "  --embedder M       embedder on the PRM GPU (default math-bert; none: no cost)\n"
        "  --gpu-file F, --prm-gpu-file F, --policy-file F, --prm-file F, --embedder-file F\n"
        "                     user profiles (JSON, see gpu_model/README.md)\n"
        "  --inflight T       problems in flight (default 8)\n"
        "  --sharing S        0: shared prefixes read once per request (SGLang, default),\n"
        "                     1: once per batch (cascade kernels)\n"
        "  --cost-set K=V     any cost option (repeatable): policy_mem_fraction (0.88),\n"
        "                     prm_mem_fraction (0.85), context_bytes (1 GiB),\n"
        "                     kv_tokens / policy_kv_tokens / prm_kv_tokens (N | unlimited),\n"
        "                     max_running (4096), max_prefill_tokens (8192),\n"
        "                     reserve_ratio (1), select_s, select_per_cand_s, select_pair_s,\n"
        "                     embed_batch (64), series_max (512)\n"
        "  --tp T, --prm-tp T tensor-parallel degree of the policy / PRM server (1)\n"
        "  --batching B       separate (SGLang's default, the ETS harness; default),\n"
        "                     chunked (vLLM V1), mixed (SGLang --enable-mixed-chunk)\n"
        "  --gpu-profile DIR  measured vidur profile (DIR/mlp.csv, attention.csv) of the\n"
        "                     policy model; --prm-gpu-profile DIR for the PRM's\n"
        "  --band             rerun over KV pool x0.5-x2 and 4-32 problems in flight:\n"
        "                     problems/s per setting with its regime, and the range\n"
        "  --baseline B.json  with --band: a second replay (REBASE for Table 2); the band\n"
        "                     is then of the throughput ratio RESULT / B\n"
        "  --no-problems      leave per-problem entries out of the report\n"
        "  --out FILE         write the JSON report (- for stdout); else print a summary\n");
}

static void write_band(FILE *fp, const void *ctx) { etsim_cost_band_write_json(fp, ctx); }

int etsim_cmd_cost(int argc, char **argv) {
    etsim_cost_config cfg;
    etsim_cost_config_init(&cfg);
    etsim_err err = {{0}};
    const char *in = NULL, *out = NULL, *base_in = NULL;
    int with_problems = 1, rc = 2, band = 0;
    etsim_cost_traces set = {0}, base = {0};
    etsim_cost_band bd;
    etsim_cost_report rep;
    memset(&rep, 0, sizeof rep);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = etsim_cost_config_arg(&cfg, argc, argv, &i, &err);
        if (r < 0) {
            rc = etsim_cli_fail(2, "cost: %s", err.msg);
            goto done;
        }
        if (r > 0) continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            rc = 0;
            goto done;
        } else if (!strcmp(a, "--out") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(a, "--band")) {
            band = 1;
        } else if (!strcmp(a, "--baseline") && i + 1 < argc) {
            base_in = argv[++i];
        } else if (!strcmp(a, "--no-problems")) {
            with_problems = 0;
        } else if (a[0] != '-' && !in) {
            in = a;
        } else {
            fprintf(stderr, "etsim: cost: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            goto done;
        }
    }
    if (!in) {
        rc = etsim_cli_fail(2, "cost: give a result file (etsim replay --out)");
        goto done;
    }
    /* resolve first: a bad GPU or model name is a usage error, found fast */
    if (etsim_cost_resolve(&cfg, &rep, &err) < 0) {
        rc = etsim_cli_fail(2, "cost: %s", err.msg);
        goto done;
    }
    etsim_cost_report_free(&rep); /* the run resolves again */
    if (etsim_cost_traces_read_result(in, &set, &err) < 0) {
        rc = etsim_cli_fail(1, "cost: %s", err.msg);
        goto done;
    }
    if (set.n == 0) {
        rc = etsim_cli_fail(1, "cost: %s: the result holds no problem", in);
        goto done;
    }
    if (base_in && !band) {
        rc = etsim_cli_fail(2, "cost: --baseline needs --band");
        goto done;
    }
    if (base_in && etsim_cost_traces_read_result(base_in, &base, &err) < 0) {
        rc = etsim_cli_fail(1, "cost: %s", err.msg);
        goto done;
    }
    if (base_in && base.n == 0) {
        rc = etsim_cli_fail(1, "cost: %s: the result holds no problem", base_in);
        goto done;
    }
    if (band && etsim_cost_band_run(&cfg, set.v, set.n, base.v, base.n, &bd, &err) < 0) {
        rc = etsim_cli_fail(1, "cost: %s", err.msg);
        goto done;
    }
    if (etsim_cost_run(&cfg, set.v, set.n, &rep, &err) < 0) {
        rc = etsim_cli_fail(1, "cost: %s", err.msg);
        goto done;
    }
    if (band) {
        rep.write_extra = write_band;
        rep.extra_ctx = &bd;
    }
    if (!out) {
        etsim_cost_report_print_summary(stdout, &rep);
        if (band) etsim_cost_band_print(stdout, &bd);
    } else if (!strcmp(out, "-")) {
        etsim_cost_report_write_json(stdout, &rep, with_problems);
    } else {
        etsim_atomic_file af;
        if (etsim_atomic_open(&af, out, &err) < 0) {
            rc = etsim_cli_fail(1, "cost: %s", err.msg);
            goto done;
        }
        etsim_cost_report_write_json(af.fp, &rep, with_problems);
        if (etsim_atomic_commit(&af, &err) < 0) {
            rc = etsim_cli_fail(1, "cost: %s", err.msg);
            goto done;
        }
        etsim_cost_report_print_summary(stdout, &rep);
        if (band) etsim_cost_band_print(stdout, &bd);
    }
    rc = 0;
done:
    etsim_cost_report_free(&rep);
    etsim_cost_traces_free(&set);
    etsim_cost_traces_free(&base);
    etsim_cost_config_free(&cfg);
    return rc;
}
