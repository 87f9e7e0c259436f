/* cmd_gpu_calib.c -- calibrate the GPU model on the vidur profiles
 * (gpu_model/calib.h):
 *
 *   etsim gpu calibrate --data DIR [--network DIR] [--ops]
 *                                          MAPE per calibration pair with
 *                                          the shipped (built-in) constants,
 *                                          and the all-reduce per TP degree;
 *                                          --ops: per GEMM, TP degree and
 *                                          token range
 *   etsim fit --target gpu --data DIR [--network DIR] [--out FILE] [--check]
 *                                          refit the constants from the CSVs;
 *                                          --check: they must equal the
 *                                          shipped ones (4 significant digits)
 *
 * --data is required: a directory of vidur's measured profiles
 * (<family>_<model>_mlp.csv, <family>_<model>_attention_{decode,prefill}.csv
 * from microsoft/vidur data/profiling/compute), which etsim does not ship;
 * --network (the measured all-reduce files, gpu_model/calib_ar.h) to
 * gpu_model/profiles/network, the checkout's own copy; no environment
 * variable is read. */
#include "sim/cli/cmd_gpu_calib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_model/calib.h"
#include "gpu_model/calib_ar.h"
#include "sim/cli/cli.h"

/* The built-in GPUs that share a family's fitted linear constants. */
static const char *const hopper[] = {"h100-sxm", "h100-nvl", "h100-pcie", "h200", NULL};
static const char *const ampere[] = {"a100-80gb", NULL};

static const char *const *family_members(const char *family) {
    return !strcmp(family, "h100") ? hopper : ampere;
}

/* The GPUs that take a family's fitted all-reduce constants: those whose
   GPUs meet over NVSwitch as in the measured DGX boxes (h200: the same
   HGX NVLink 4 board). h100-nvl (NVLink bridge pairs) and h100-pcie (PCIe)
   are other interconnects and keep the assumed ones. */
static const char *const hopper_nvswitch[] = {"h100-sxm", "h200", NULL};

static const char *const *ar_members(const char *family) {
    return !strcmp(family, "h100") ? hopper_nvswitch : ampere;
}

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim gpu calibrate --data DIR [--network DIR] [--ops] [--gpu-file FAMILY=FILE]\n"
        "       etsim fit --target gpu --data DIR [--network DIR] [--out FILE] [--check]\n"
        "  calibrate   per calibration pair (GPU family x model; vidur mlp.csv, one decoder\n"
        "              block, TP 1): block-time MAPE over every token count 1-4096 and\n"
        "              over 128-1024 with the shipped constants; attention MAPE, decode\n"
        "              and prefill, on the A100 Llama-2-7B points; the TP 2/4/8 shards;\n"
        "              the all-reduce per family and TP degree (measured NCCL times)\n"
        "  --ops       also each GEMM (qkv, o, gate+up, down) against its own column, per\n"
        "              TP degree and token range\n"
        "  --gpu-file FAMILY=FILE  report with the GPU profile in FILE (one JSON object)\n"
        "              for FAMILY (h100, a100) instead of the built-in one\n"
        "  fit         refit those constants from the CSVs (deterministic) and print them\n"
        "              as they appear in gpu_model/profiles/gpus.json\n"
        "  --data DIR  the measured profiles, vidur's <family>_<model>_mlp.csv and\n"
        "              _attention_{decode,prefill}.csv (required; from microsoft/vidur)\n"
        "  --network DIR  the all-reduce files <family>_all_reduce.csv (default\n"
        "              gpu_model/profiles/network)\n"
        "  --out FILE  write the fitted constants (JSON) to FILE\n"
        "  --check     exit 1 unless the refit equals the built-in profiles\n");
}

/* Round-trip through "%.4g", as the shipped JSON holds them. */
static double r4(double x) {
    char b[64];
    snprintf(b, sizeof b, "%.4g", x);
    return strtod(b, NULL);
}

static int same(const char *gpu, const char *key, double shipped, double fitted) {
    if (r4(fitted) == shipped) return 1;
    fprintf(stderr, "etsim: fit: %s: %s is %.6g in the built-in profile, the fit gives %.4g\n",
            gpu, key, shipped, r4(fitted));
    return 0;
}

static int check_linear(const etsim_gpu_profile *fit, const char *family) {
    int ok = 1;
    etsim_err err = {{0}};
    for (const char *const *n = family_members(family); *n; n++) {
        etsim_gpu_profile b;
        if (etsim_gpu_profile_find(*n, &b, &err) < 0) {
            fprintf(stderr, "etsim: fit: %s\n", err.msg);
            return 0;
        }
        ok &= same(*n, "eff_weight_bw", b.eff_weight_bw, fit->eff_weight_bw);
        ok &= same(*n, "smooth_p", b.smooth_p, fit->smooth_p);
        ok &= same(*n, "gemm_kernel_s", b.gemm_kernel_s, fit->gemm_kernel_s);
        ok &= same(*n, "eff_elementwise_bw", b.eff_elementwise_bw, fit->eff_elementwise_bw);
        ok &= same(*n, "elementwise_kernel_s", b.elementwise_kernel_s, fit->elementwise_kernel_s);
        ok &= same(*n, "streamk_eff", b.streamk_eff, fit->streamk_eff);
        if (b.n_tiles != fit->n_tiles) ok = 0;
        for (int32_t i = 0; i < b.n_tiles && i < fit->n_tiles; i++)
            ok &= same(*n, "gemm_tiles eff", b.gemm_tiles[i].eff, fit->gemm_tiles[i].eff);
    }
    return ok;
}

static int check_attention(const etsim_gpu_profile *fit) {
    int ok = 1;
    etsim_gpu_profile *all = NULL;
    int32_t n = 0;
    etsim_err err = {{0}};
    if (etsim_gpu_profiles_builtin(&all, &n, &err) < 0) return 0;
    for (int32_t i = 0; i < n; i++) {
        const etsim_gpu_profile *b = &all[i];
        ok &= same(b->name, "attn_kernel_s", b->attn_kernel_s, fit->attn_kernel_s);
        ok &= same(b->name, "attn_per_req_s", b->attn_per_req_s, fit->attn_per_req_s);
        ok &= same(b->name, "eff_attn_bw", b->eff_attn_bw, fit->eff_attn_bw);
        ok &= same(b->name, "eff_attn_compute", b->eff_attn_compute, fit->eff_attn_compute);
        ok &= same(b->name, "attn_causal_work", b->attn_causal_work, fit->attn_causal_work);
    }
    free(all);
    return ok;
}

static int check_allreduce(const etsim_gpu_profile *fit, const char *family) {
    int ok = 1;
    etsim_err err = {{0}};
    for (const char *const *n = ar_members(family); *n; n++) {
        etsim_gpu_profile b;
        if (etsim_gpu_profile_find(*n, &b, &err) < 0) {
            fprintf(stderr, "etsim: fit: %s\n", err.msg);
            return 0;
        }
        ok &= same(*n, "allreduce_s", b.allreduce_s, fit->allreduce_s);
        ok &= same(*n, "eff_interconnect", b.eff_interconnect, fit->eff_interconnect);
    }
    return ok;
}

/* One "TP 2 x%, TP 4 y%" list of a family's all-reduce MAPE per degree. */
static void ar_mapes(FILE *fp, const etsim_calib_ar *a, const etsim_gpu_profile *g) {
    for (int32_t k = 0; k < a->n_tp; k++) {
        double m;
        etsim_calib_ar_mape(a, g, a->tp[k], &m, NULL);
        fprintf(fp, "%sTP %d %.2f%%", k ? ", " : "", a->tp[k], m);
    }
}

static int run_fit(const etsim_calib_data *d, const etsim_calib_ar_data *ar, const char *out,
                   int check) {
    etsim_err err = {{0}};
    etsim_atomic_file af = {0};
    FILE *fp = stdout;
    if (out) {
        if (etsim_atomic_open(&af, out, &err) < 0) return etsim_cli_fail(1, "fit: %s", err.msg);
        fp = af.fp;
    }
    int ok = 1;
    fprintf(fp, "{\"etsim_gpu_fit\": 1,\n\"families\": {");
    const char *fams[2] = {"h100", "a100"};
    int printed = 0;
    for (int f = 0; f < 2; f++) {
        int have = 0;
        for (int32_t p = 0; p < d->n_pairs; p++) have |= !strcmp(d->pairs[p].family, fams[f]);
        if (!have) continue;
        etsim_gpu_profile g;
        if (etsim_gpu_profile_find(etsim_calib_family_gpu(fams[f]), &g, &err) < 0 ||
            etsim_calib_fit_linear(d, fams[f], &g, &err) < 0)
            goto fail;
        double sum = 0, worst = 0;
        int32_t np = 0;
        for (int32_t p = 0; p < d->n_pairs; p++) {
            double mape;
            if (strcmp(d->pairs[p].family, fams[f])) continue;
            etsim_calib_mlp_mape(&d->pairs[p].mlp, &g, 1, 4096, &mape, NULL, NULL);
            sum += mape, np++;
            if (mape > worst) worst = mape;
        }
        fprintf(stderr, "etsim: fit: %s: block-time MAPE over %d pairs: mean %.2f%%, worst %.2f%%\n",
                fams[f], np, sum / np, worst);
        fprintf(fp, "%s\n\"%s\": {\"gpu\": \"%s\",\n", printed++ ? "," : "", fams[f], g.name);
        etsim_calib_print_linear(fp, &g);
        fprintf(fp, "}");
        if (check) ok &= check_linear(&g, fams[f]);
    }
    fprintf(fp, "}");
    fprintf(fp, ",\n\"allreduce\": {");
    for (int32_t f = 0; f < ar->n; f++) {
        const etsim_calib_ar *a = &ar->fam[f];
        etsim_gpu_profile g;
        if (etsim_gpu_profile_find(etsim_calib_family_gpu(a->family), &g, &err) < 0) goto fail;
        etsim_calib_ar_fit(a, &g);
        fprintf(stderr, "etsim: fit: %s all-reduce MAPE: ", a->family);
        ar_mapes(stderr, a, &g);
        fprintf(stderr, "\n");
        fprintf(fp, "%s\n\"%s\": {\"gpus\": [", f ? "," : "", a->family);
        for (const char *const *n = ar_members(a->family); *n; n++)
            fprintf(fp, "%s\"%s\"", n == ar_members(a->family) ? "" : ", ", *n);
        fprintf(fp, "],\n");
        etsim_calib_ar_print(fp, &g);
        fprintf(fp, "}");
        if (check) ok &= check_allreduce(&g, a->family);
    }
    fprintf(fp, "}");
    if (d->has_attn) {
        etsim_gpu_profile g;
        if (etsim_gpu_profile_find(etsim_calib_family_gpu(d->attn_family), &g, &err) < 0 ||
            etsim_calib_fit_attention(d, &g, &err) < 0)
            goto fail;
        double dec, pre;
        etsim_calib_attn_mape(d, &g, &dec, &pre);
        fprintf(stderr, "etsim: fit: attention (%s %s): decode MAPE %.2f%%, prefill MAPE %.2f%%\n",
                d->attn_family, d->attn_model, dec, pre);
        fprintf(fp, ",\n\"attention\": {\"gpu\": \"%s\", \"model\": \"%s\",\n", g.name,
                d->attn_model);
        etsim_calib_print_attention(fp, &g);
        fprintf(fp, "}");
        if (check) ok &= check_attention(&g);
    }
    fprintf(fp, "}\n");
    if (out && etsim_atomic_commit(&af, &err) < 0) return etsim_cli_fail(1, "fit: %s", err.msg);
    if (check && !ok)
        return etsim_cli_fail(1, "fit: the refit differs from the built-in profiles (run "
                                 "gpu_model/profiles/embed.sh after updating gpus.json)");
    if (check) fprintf(stderr, "etsim: fit: the refit equals the built-in profiles\n");
    return 0;
fail:
    if (out) etsim_atomic_abort(&af);
    return etsim_cli_fail(1, "fit: %s", err.msg);
}

/* --gpu-file FAMILY=FILE: report with a candidate profile (an earlier
 * gpus.json entry, a refit) instead of the family's built-in one. */
typedef struct family_file {
    int n;
    char family[2][16];
    const char *file[2];
} family_file;

static int report_gpu(const family_file *ff, const char *family, etsim_gpu_profile *g,
                      etsim_err *err) {
    for (int i = 0; i < ff->n; i++)
        if (!strcmp(ff->family[i], family)) return etsim_gpu_profile_load(ff->file[i], g, err);
    return etsim_gpu_profile_find(etsim_calib_family_gpu(family), g, err);
}

static int run_report(const etsim_calib_data *d, const etsim_calib_ar_data *ar, int ops,
                      const family_file *ff) {
    etsim_err err = {{0}};
    for (int i = 0; i < ff->n; i++) { /* a bad file fails before any report line */
        etsim_gpu_profile g;
        if (etsim_gpu_profile_load(ff->file[i], &g, &err) < 0)
            return etsim_cli_fail(1, "gpu calibrate: %s", err.msg);
    }
    printf("linear part, one decoder block, TP 1 (vidur mlp.csv, sum of per-op medians)\n");
    printf("%-6s %-28s %6s %9s %12s %22s\n", "family", "model", "points", "MAPE 1-4k",
           "MAPE 128-1k", "worst (tokens)");
    double max_all = 0;
    for (int32_t p = 0; p < d->n_pairs; p++) {
        const etsim_calib_pair *pr = &d->pairs[p];
        etsim_gpu_profile g;
        if (report_gpu(ff, pr->family, &g, &err) < 0)
            return etsim_cli_fail(1, "gpu calibrate: %s", err.msg);
        double all, mid, worst;
        int32_t wn, n = etsim_calib_mlp_mape(&pr->mlp, &g, 1, 4096, &all, &worst, &wn);
        etsim_calib_mlp_mape(&pr->mlp, &g, 128, 1024, &mid, NULL, NULL);
        if (all > max_all) max_all = all;
        printf("%-6s %-28s %6d %8.2f%% %11.2f%% %+13.1f%% (%5d)\n", pr->family, pr->model, n, all,
               mid, worst, wn);
    }
    printf("worst pair MAPE (1-4096 tokens): %.2f%%\n", max_all);
    /* tensor parallelism: one GPU's shard of the block against the TP rows */
    printf("tensor-parallel shards, one GPU, no all-reduce (vidur's TP rows, 1-4096 tokens)\n");
    printf("  %-6s %-28s %4s %6s %9s %22s\n", "family", "model", "TP", "points", "MAPE",
           "worst (tokens)");
    double max_tp = 0;
    for (int32_t p = 0; p < d->n_pairs; p++) {
        const etsim_calib_pair *pr = &d->pairs[p];
        etsim_gpu_profile g;
        if (report_gpu(ff, pr->family, &g, &err) < 0)
            return etsim_cli_fail(1, "gpu calibrate: %s", err.msg);
        for (int32_t k = 0; k < pr->n_tp; k++) {
            double mape, worst;
            int32_t wn, n = etsim_calib_mlp_mape_tp(&pr->mlp, &pr->tp_mlp[k], pr->tp[k], &g,
                                                    &mape, &worst, &wn);
            if (mape > max_tp) max_tp = mape;
            printf("  %-6s %-28s %4d %6d %8.2f%% %+13.1f%% (%5d)\n", pr->family, pr->model,
                   pr->tp[k], n, mape, worst, wn);
        }
    }
    printf("worst TP MAPE: %.2f%%\n", max_tp);
    /* the all-reduce the shards leave out, against measured NCCL times */
    printf("all-reduce (measured NCCL medians, every row)\n");
    printf("  %-6s %-10s %4s %6s %9s %12s\n", "family", "gpu", "TP", "points", "MAPE",
           "mean error");
    for (int32_t f = 0; f < ar->n; f++) {
        const etsim_calib_ar *a = &ar->fam[f];
        etsim_gpu_profile g;
        if (report_gpu(ff, a->family, &g, &err) < 0)
            return etsim_cli_fail(1, "gpu calibrate: %s", err.msg);
        for (int32_t k = 0; k < a->n_tp; k++) {
            double mape, bias;
            int32_t n = etsim_calib_ar_mape(a, &g, a->tp[k], &mape, &bias);
            printf("  %-6s %-10s %4d %6d %8.2f%% %+11.1f%%\n", a->family, g.name, a->tp[k], n,
                   mape, bias);
        }
    }
    if (ops) {
        /* each GEMM against its own column: where the block's error comes
           from, by degree and token range (MAPE / mean signed error) */
        static const int32_t lo[4] = {1, 1, 128, 1024}, hi[4] = {4096, 127, 1023, 4096};
        printf("per GEMM, MAPE / mean signed error (+ = model slower), %%\n");
        printf("  %-6s %-28s %4s %-8s %14s %14s %14s %14s\n", "family", "model", "TP", "op",
               "1-4096", "1-127", "128-1023", "1024-4096");
        for (int32_t p = 0; p < d->n_pairs; p++) {
            const etsim_calib_pair *pr = &d->pairs[p];
            etsim_gpu_profile g;
            if (report_gpu(ff, pr->family, &g, &err) < 0)
                return etsim_cli_fail(1, "gpu calibrate: %s", err.msg);
            for (int32_t k = -1; k < pr->n_tp; k++) {
                const etsim_vidur_mlp *rows = k < 0 ? &pr->mlp : &pr->tp_mlp[k];
                int32_t tp = k < 0 ? 1 : pr->tp[k];
                for (int op = 0; op < 4; op++) {
                    printf("  %-6s %-28s %4d %-8s", pr->family, pr->model, tp,
                           etsim_calib_op_names[op]);
                    for (int r = 0; r < 4; r++) {
                        double mape, bias;
                        etsim_calib_op_error(&pr->mlp, rows, tp, op, &g, lo[r], hi[r], &mape,
                                             &bias);
                        printf(" %6.1f / %+5.1f", mape, bias);
                    }
                    printf("\n");
                }
            }
        }
    }
    if (d->has_attn) {
        etsim_gpu_profile g;
        if (report_gpu(ff, d->attn_family, &g, &err) < 0)
            return etsim_cli_fail(1, "gpu calibrate: %s", err.msg);
        double dec, pre;
        etsim_calib_attn_mape(d, &g, &dec, &pre);
        printf("attention (%s %s, %s, per layer): decode MAPE %.2f%% (%d points), prefill MAPE "
               "%.2f%% (%d points)\n", d->attn_family, d->attn_model,
               g.attn_kernel == ETSIM_ATTN_FLASHINFER ? "flashinfer" : "flashattention", dec,
               d->decode.n, pre, d->prefill.n);
    }
    return 0;
}

int etsim_cmd_gpu_calib(int argc, char **argv, int fit) {
    const char *data = NULL, *net = NULL, *out = NULL;
    int check = 0, ops = 0;
    family_file ff = {0};
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(f, "--data") && has) {
            data = argv[++i];
        } else if (!strcmp(f, "--network") && has) {
            net = argv[++i];
        } else if (fit && !strcmp(f, "--out") && has) {
            out = argv[++i];
        } else if (!fit && !strcmp(f, "--ops")) {
            ops = 1;
        } else if (!fit && !strcmp(f, "--gpu-file") && has) {
            const char *v = argv[++i], *eq = strchr(v, '=');
            if (!eq || eq == v || (size_t)(eq - v) >= sizeof ff.family[0] || !eq[1] ||
                ff.n == 2) {
                fprintf(stderr, "etsim: gpu calibrate: --gpu-file wants FAMILY=FILE with FAMILY "
                                "h100 or a100, at most once each: '%s'\n", v);
                return 2;
            }
            memcpy(ff.family[ff.n], v, (size_t)(eq - v));
            ff.family[ff.n][eq - v] = 0;
            if (!etsim_calib_family_gpu(ff.family[ff.n])) {
                fprintf(stderr, "etsim: gpu calibrate: --gpu-file: unknown family '%s' (h100, "
                                "a100)\n", ff.family[ff.n]);
                return 2;
            }
            ff.file[ff.n++] = eq + 1;
        } else if (fit && !strcmp(f, "--check")) {
            check = 1;
        } else if (fit && !strcmp(f, "--target") && has) {
            i++; /* "gpu", checked by the caller */
        } else {
            fprintf(stderr, "etsim: %s: unknown or incomplete option '%s'\n",
                    fit ? "fit" : "gpu calibrate", f);
            usage(stderr);
            return 2;
        }
    }
    if (!data) {
        fprintf(stderr, "etsim: %s: --data DIR is required (vidur's measured profiles)\n",
                fit ? "fit --target gpu" : "gpu calibrate");
        return 2;
    }
    if (!net) net = "gpu_model/profiles/network";
    etsim_calib_data d;
    etsim_calib_ar_data ar;
    etsim_err err = {{0}};
    if (etsim_calib_load(data, &d, &err) < 0)
        return etsim_cli_fail(1, "%s: %s", fit ? "fit" : "gpu calibrate", err.msg);
    if (etsim_calib_ar_load(net, &ar, &err) < 0) {
        etsim_calib_free(&d);
        return etsim_cli_fail(1, "%s: %s", fit ? "fit" : "gpu calibrate", err.msg);
    }
    int rc = fit ? run_fit(&d, &ar, out, check) : run_report(&d, &ar, ops, &ff);
    etsim_calib_ar_free(&ar);
    etsim_calib_free(&d);
    return rc;
}
