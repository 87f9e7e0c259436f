/* cmd_gpu.c -- `etsim gpu`: inspect the GPU cost model's profiles and the
 * predicted time of one serving iteration, so that anyone can hold the
 * model against a measurement.
 *
 *   etsim gpu list
 *   etsim gpu show (--model M | --model-file F) [--gpu G | --gpu-file F]
 *   etsim gpu iter (--model M | --model-file F) (--gpu G | --gpu-file F)
 *                  --tokens N [--requests R] [--context C] [--shared P]
 *                  [--sharing S] [--json]
 *
 * An iteration of N new tokens over R requests (default R = N: a decode
 * batch, one token each); each request already holds C context tokens of
 * which the first P are a prefix shared by all of them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_model/profiles.h"
#include "gpu_model/measured.h"
#include "gpu_model/roofline.h"
#include "sim/cli/cli.h"
#include "sim/cli/cmd_gpu_calib.h"
#include "sim/cli/commands.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim gpu list\n"
        "       etsim gpu show (--model M | --model-file F) [--gpu G | --gpu-file F]\n"
        "                      [--mem-fraction X]\n"
        "       etsim gpu iter (--model M | --model-file F) (--gpu G | --gpu-file F)\n"
        "                      --tokens N [--requests R] [--context C] [--shared P]\n"
        "                      [--sharing S] [--json]\n"
        "       etsim gpu calibrate --data DIR   (see etsim gpu calibrate --help)\n"
        "  list            the built-in GPU and model profiles\n"
        "  show            a model's derived parameters, bytes and FLOPs (and its KV pool\n"
        "                  on a GPU at --mem-fraction, default 0.88, 1 GiB context)\n"
        "  iter            predicted time of one iteration, split into its terms\n"
        "  --tokens N      new tokens in the iteration (> 0)\n"
        "  --requests R    requests sharing them (default N: decode, one token each)\n"
        "  --context C     tokens each request already holds in the KV cache (default 0)\n"
        "  --shared P      of those, a prefix shared by all requests (default 0)\n"
        "  --sharing S     0: a shared prefix is read once per request (SGLang),\n"
        "                  1: once per batch (cascade kernels); default 0\n"
        "  --json          print {\"linear_ms\",\"attention_ms\",\"overhead_ms\",\"total_ms\"}\n"
        "  --model-file F, --gpu-file F  user profiles (JSON; gpu_model/README.md)\n"
        "  --tp T          tensor-parallel degree (one GPU's shard + all-reduces)\n"
        "  --gpu-profile DIR  measured vidur profile of the model (mlp.csv, attention.csv):\n"
        "                  its times wherever it covers the query, the model elsewhere\n");
}

static int num_arg(const char *flag, const char *v, double lo, double hi, double *out) {
    char *end = NULL;
    double x = strtod(v, &end);
    if (!v[0] || *end || !isfinite(x) || x < lo || x > hi) {
        etsim_cli_fail(2, "gpu: %s: '%s' is not a number in [%g, %g]", flag, v, lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

static int cmd_list(void) {
    etsim_err err = {{0}};
    etsim_gpu_profile *g = NULL;
    etsim_model_profile *m = NULL;
    int32_t ng = 0, nm = 0;
    if (etsim_gpu_profiles_builtin(&g, &ng, &err) < 0 ||
        etsim_model_profiles_builtin(&m, &nm, &err) < 0) {
        free(g);
        return etsim_cli_fail(1, "%s", err.msg);
    }
    printf("GPUs (dense BF16)          HBM GB   TB/s  TFLOP/s  aliases\n");
    for (int32_t i = 0; i < ng; i++)
        printf("  %-22s %8.1f %6.2f %8.0f  %s\n", g[i].name, g[i].hbm_bytes / 1e9,
               g[i].bandwidth_bytes_per_s / 1e12, g[i].bf16_flops_per_s / 1e12, g[i].aliases);
    printf("models                     params B  weights GB  KV bytes/token  aliases\n");
    for (int32_t i = 0; i < nm; i++)
        printf("  %-24s %8.3f %11.2f %15.0f  %s\n", m[i].name, m[i].params / 1e9,
               m[i].weight_bytes / 1e9, m[i].kv_bytes_per_token, m[i].aliases);
    free(g);
    free(m);
    return 0;
}

typedef struct gpu_args {
    const char *model, *model_file, *gpu, *gpu_file, *profile;
    double tokens, requests, context, shared, sharing, mem_fraction, tp;
    int json;
} gpu_args;

static int load(const gpu_args *a, int need_gpu, etsim_model_profile *m, etsim_gpu_profile *g,
                int *have_gpu) {
    etsim_err err = {{0}};
    if (!a->model && !a->model_file) return etsim_cli_fail(2, "gpu: give --model or --model-file");
    if (need_gpu && !a->gpu && !a->gpu_file) return etsim_cli_fail(2, "gpu: give --gpu or --gpu-file");
    if ((a->model_file ? etsim_model_profile_load(a->model_file, m, &err)
                       : etsim_model_profile_find(a->model, m, &err)) < 0)
        return etsim_cli_fail(1, "%s", err.msg);
    *have_gpu = a->gpu || a->gpu_file;
    if (*have_gpu && (a->gpu_file ? etsim_gpu_profile_load(a->gpu_file, g, &err)
                                  : etsim_gpu_profile_find(a->gpu, g, &err)) < 0)
        return etsim_cli_fail(1, "%s", err.msg);
    return 0;
}

static int cmd_show(const gpu_args *a) {
    etsim_model_profile m;
    etsim_gpu_profile g;
    int have_gpu = 0, rc = load(a, 0, &m, &g, &have_gpu);
    if (rc) return rc;
    printf("model %s: %d layers, hidden %d, heads %d / %d kv, head dim %d, ffn %d, vocab %d%s\n",
           m.name, m.layers, m.hidden, m.heads, m.kv_heads, m.head_dim, m.ffn, m.vocab,
           m.encoder_only ? ", encoder only" : "");
    printf("  parameters           %.4g (%.4g per layer)\n", m.params, m.layer_params);
    printf("  weight bytes         %.4g\n", m.weight_bytes);
    printf("  KV bytes per token   %.0f\n", m.kv_bytes_per_token);
    printf("  linear FLOPs/token   %.4g\n", m.linear_flops_per_token);
    printf("  attention FLOPs per context token %.4g\n", m.attn_flops_per_ctx_token);
    if (!have_gpu) return 0;
    const double ctx = 1024.0 * 1024 * 1024;
    double free_b = a->mem_fraction * g.hbm_bytes - m.weight_bytes - ctx;
    if (free_b <= 0)
        return etsim_cli_fail(1, "model '%s' does not fit on '%s' at mem fraction %g: %.2f GB short",
                              m.name, g.name, a->mem_fraction, -free_b / 1e9);
    printf("on %s at mem fraction %g: KV pool %.0f tokens (%.2f GB)\n", g.name, a->mem_fraction,
           m.kv_bytes_per_token > 0 ? floor(free_b / m.kv_bytes_per_token) : 0.0, free_b / 1e9);
    return 0;
}

static int iter_print(const gpu_args *a, const etsim_model_profile *m,
                      const etsim_gpu_profile *g);

static int cmd_iter(const gpu_args *a) {
    etsim_model_profile full, m;
    etsim_gpu_profile g;
    etsim_measured meas;
    etsim_err err = {{0}};
    int have_gpu = 0, rc = load(a, 1, &full, &g, &have_gpu);
    if (rc) return rc;
    if (etsim_model_shard(&full, (int32_t)a->tp, "--tp", &m, &err) < 0)
        return etsim_cli_fail(1, "%s", err.msg);
    if (a->profile) {
        if (etsim_measured_load(a->profile, &meas, &err) < 0)
            return etsim_cli_fail(1, "%s", err.msg);
        if (!etsim_measured_matches(&meas, &m)) {
            etsim_measured_free(&meas);
            return etsim_cli_fail(1, "%s: the profile is not of model '%s'", a->profile, m.name);
        }
        g.measured = &meas;
    }
    rc = iter_print(a, &m, &g);
    if (a->profile) etsim_measured_free(&meas);
    return rc;
}

static int iter_print(const gpu_args *a, const etsim_model_profile *mp,
                      const etsim_gpu_profile *gp) {
    const etsim_model_profile m = *mp;
    const etsim_gpu_profile g = *gp;
    if (a->tokens <= 0) return etsim_cli_fail(2, "gpu iter: --tokens N (> 0) is required");
    double R = a->requests > 0 ? a->requests : a->tokens;
    if (R > a->tokens) return etsim_cli_fail(2, "gpu iter: --requests exceeds --tokens");
    if (a->shared > a->context) return etsim_cli_fail(2, "gpu iter: --shared exceeds --context");
    double per = a->tokens / R, C = a->context;
    etsim_iter_shape sh = {0};
    sh.logits = R;
    if (per == 1.0) { /* decode */
        sh.decode_reqs = R;
        sh.decode_ctx_sum = R * C;
        sh.decode_ctx_union = a->shared + R * (C - a->shared);
    } else {
        sh.prefill_reqs = R;
        sh.prefill_tokens = a->tokens;
        sh.prefill_pairs = R * per * (C + (per + 1) / 2);
        sh.prefill_causal_pairs = R * per * (per + 1) / 2;
        sh.prefill_ctx_tokens = R * C;
    }
    etsim_iter_terms t;
    etsim_roofline_iter(&m, &g, &sh, a->sharing, &t);
    if (a->json) {
        printf("{\"linear_ms\":%.6g,\"attention_ms\":%.6g,\"overhead_ms\":%.6g,\"total_ms\":%.6g}\n",
               t.linear_s * 1e3, t.attention_s * 1e3, t.overhead_s * 1e3, t.total_s * 1e3);
        return 0;
    }
    printf("%s on %s%s: %g request(s) x %g new token(s), context %g (shared %g), sharing %g\n",
           m.name, g.name, g.measured ? " (measured profile)" : "", R, per, C, a->shared,
           a->sharing);
    if (m.tp > 1) printf("  TP %d: one GPU's shard plus 2 all-reduces per layer\n", m.tp);
    printf("  linear      %10.4f ms  (%.4g FLOPs, %.4g weight bytes)\n", t.linear_s * 1e3,
           t.linear_flops, m.weight_bytes);
    printf("  attention   %10.4f ms  (%.4g KV bytes read, %.4g FLOPs)\n", t.attention_s * 1e3,
           t.kv_read_bytes, t.attention_flops);
    printf("  overhead    %10.4f ms\n", t.overhead_s * 1e3);
    printf("  total       %10.4f ms  (%.1f new tokens/s)\n", t.total_s * 1e3,
           t.total_s > 0 ? a->tokens / t.total_s : 0.0);
    return 0;
}

int etsim_cmd_gpu(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "calibrate")) return etsim_cmd_gpu_calib(argc - 1, argv + 1, 0);
    gpu_args a = {0};
    a.mem_fraction = 0.88;
    a.tp = 1;
    for (int i = 2; i < argc; i++) {
        const char *f = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(f, "--json")) {
            a.json = 1;
        } else if (!strcmp(f, "--model") && has) {
            a.model = argv[++i];
        } else if (!strcmp(f, "--model-file") && has) {
            a.model_file = argv[++i];
        } else if (!strcmp(f, "--gpu") && has) {
            a.gpu = argv[++i];
        } else if (!strcmp(f, "--gpu-file") && has) {
            a.gpu_file = argv[++i];
        } else if (!strcmp(f, "--tokens") && has) {
            if (num_arg(f, argv[++i], 1, 1e9, &a.tokens) < 0) return 2;
        } else if (!strcmp(f, "--requests") && has) {
            if (num_arg(f, argv[++i], 1, 1e9, &a.requests) < 0) return 2;
        } else if (!strcmp(f, "--context") && has) {
            if (num_arg(f, argv[++i], 0, 1e9, &a.context) < 0) return 2;
        } else if (!strcmp(f, "--shared") && has) {
            if (num_arg(f, argv[++i], 0, 1e9, &a.shared) < 0) return 2;
        } else if (!strcmp(f, "--sharing") && has) {
            if (num_arg(f, argv[++i], 0, 1, &a.sharing) < 0) return 2;
        } else if (!strcmp(f, "--tp") && has) {
            if (num_arg(f, argv[++i], 1, 1024, &a.tp) < 0) return 2;
        } else if (!strcmp(f, "--gpu-profile") && has) {
            a.profile = argv[++i];
        } else if (!strcmp(f, "--mem-fraction") && has) {
            if (num_arg(f, argv[++i], 0.01, 1, &a.mem_fraction) < 0) return 2;
        } else {
            fprintf(stderr, "etsim: gpu: unknown or incomplete option '%s'\n", f);
            usage(stderr);
            return 2;
        }
    }
    if (!strcmp(sub, "list")) return cmd_list();
    if (!strcmp(sub, "show")) return cmd_show(&a);
    if (!strcmp(sub, "iter")) return cmd_iter(&a);
    fprintf(stderr, "etsim: gpu: unknown subcommand '%s' (list, show, iter, calibrate)\n", sub);
    return 2;
}
