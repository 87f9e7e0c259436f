/* cmd_synth.c -- `etsim synth`: write a synthetic trace holding the union of
 * the children that a list of search configurations requests, so that
 * each of them (and anything asking for no more) replays from the trace
 * exactly as from the synthetic model. Per problem: run every
 * configuration on one tree (traces/capture/cover.h), append the tree to
 * the trace writer. Problems go in order; the output is written to a
 * temporary file and renamed into place only when complete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_progress.h"
#include "traces/capture/cover.h"
#include "sim/synthetic/synthetic.h"
#include "traces/trace.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim synth --configs CONFIGS.json --out FILE.trace [options]\n"
        "  --profile P           built-in profile name or JSON profile path (default: default;\n"
        "                        built-ins: ");
    for (const char *const *n = etsim_synth_builtin_names(); *n; n++)
        fprintf(fp, "%s%s", n == etsim_synth_builtin_names() ? "" : ", ", *n);
    fprintf(fp, ")\n"
        "  --param KEY=VALUE     override one profile parameter (repeatable)\n"
        "  --configs FILE        JSON list of {\"selector\": \"rebase\", \"width\": 64,\n"
        "                        \"params\": {...}}; the trace holds the union of the\n"
        "                        children these configurations request\n"
        "  --problems N          first N problems (default: the profile's n_problems)\n"
        "  --emb-encoding E      f16 (default), f32 or i8\n"
        "  --level L             zstd level (default 3)\n"
        "  --out FILE            trace file (written atomically)\n"
        "  --show-profile        print the resolved profile as JSON and exit\n"
        "  --list-params         list the profile parameters with their ranges and exit\n"
        "Exit status: 0 ok, 1 bad data (profile, configs, I/O), 2 usage.\n");
}

static void list_params(void) {
    int32_t n = 0;
    const etsim_synth_param_info *info = etsim_synth_params(&n);
    for (int32_t i = 0; i < n; i++) {
        if (!strcmp(info[i].type, "number") || !strcmp(info[i].type, "integer"))
            printf("%-24s %-8s [%g, %g]  %s\n", info[i].name, info[i].type, info[i].min, info[i].max,
                   info[i].help);
        else
            printf("%-24s %-8s %s\n", info[i].name, info[i].type, info[i].help);
    }
}

/* Trace header settings: the resolved profile and the configurations. */
static char *settings_json(const etsim_synth_profile *p, const etsim_cover_configs *cfgs) {
    char *prof = etsim_synth_profile_to_json(p);
    size_t n = strlen(prof) + strlen(cfgs->json) + 64;
    char *out = etsim_malloc(n);
    snprintf(out, n, "{\"generator\":\"etsim synth\",\"profile\":%s,\"configs\":%s}", prof, cfgs->json);
    free(prof);
    return out;
}

int etsim_cmd_synth(int argc, char **argv) {
    const char *profile = "default", *configs = NULL, *out = NULL, *enc = "f16";
    const char *params[64];
    int n_params = 0, problems = -1, level = 0, show = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--list-params")) {
            list_params();
            return 0;
        } else if (!strcmp(a, "--show-profile")) {
            show = 1;
        } else if (!strcmp(a, "--profile") && i + 1 < argc) {
            profile = argv[++i];
        } else if (!strcmp(a, "--param") && i + 1 < argc) {
            if (n_params == 64) return etsim_cli_fail(2, "synth: too many --param options");
            params[n_params++] = argv[++i];
        } else if (!strcmp(a, "--configs") && i + 1 < argc) {
            configs = argv[++i];
        } else if (!strcmp(a, "--problems") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 1000000000, &problems) < 0) return 2;
        } else if (!strcmp(a, "--emb-encoding") && i + 1 < argc) {
            enc = argv[++i];
            if (etsim_trace_emb_encoding(enc) < 0)
                return etsim_cli_fail(2, "synth: --emb-encoding '%s': expected f16, f32 or i8", enc);
        } else if (!strcmp(a, "--level") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 22, &level) < 0) return 2;
        } else if (!strcmp(a, "--out") && i + 1 < argc) {
            out = argv[++i];
        } else {
            fprintf(stderr, "etsim synth: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }

    etsim_err err = {{0}};
    etsim_synth_profile prof;
    if (etsim_synth_profile_load(profile, &prof, &err)) return etsim_cli_fail(1, "%s", err.msg);
    for (int k = 0; k < n_params; k++) {
        char key[128];
        const char *eq = strchr(params[k], '=');
        if (!eq || eq == params[k] || (size_t)(eq - params[k]) >= sizeof key) {
            etsim_synth_profile_free(&prof);
            return etsim_cli_fail(2, "synth: --param '%s': expected KEY=VALUE", params[k]);
        }
        memcpy(key, params[k], (size_t)(eq - params[k]));
        key[eq - params[k]] = 0;
        if (etsim_synth_profile_set(&prof, key, eq + 1, &err)) {
            etsim_synth_profile_free(&prof);
            return etsim_cli_fail(2, "synth: --param: %s", err.msg);
        }
    }
    if (show) {
        char *json = etsim_synth_profile_to_json(&prof);
        printf("%s\n", json);
        free(json);
        etsim_synth_profile_free(&prof);
        return 0;
    }
    if (!configs || !out) {
        etsim_synth_profile_free(&prof);
        return etsim_cli_fail(2, "synth: --configs and --out are required (see --help)");
    }

    int rc = 1;
    etsim_cover_configs cfgs = {0};
    etsim_oracle *o = NULL;
    etsim_trace_writer *w = NULL;
    etsim_meta meta = {0};
    etsim_problem_result res;
    etsim_problem_result_init(&res, prof.emb_dim);
    if (etsim_cover_configs_load(configs, &cfgs, &err)) goto fail;
    o = etsim_synth_open(&prof, &err);
    if (!o) goto fail;
    if (problems < 0 || problems > o->meta.n_problems) problems = o->meta.n_problems;

    etsim_meta_copy(&meta, &o->meta);
    free(meta.embed_encoding);
    meta.embed_encoding = prof.emb_dim > 0 ? etsim_strdup(enc) : NULL;
    free(meta.settings_json);
    meta.settings_json = settings_json(&prof, &cfgs);
    meta.n_problems = problems;
    /* A synth killed with SIGKILL (no handler runs) leaves its temporary
     * file; the next synth of the same output removes those of dead pids. */
    etsim_atomic_clean_stale(out);
    w = etsim_trace_writer_open(out, &meta, level, &err);
    if (!w) goto fail;

    etsim_progress prog;
    etsim_progress_start(&prog, "synth", problems, etsim_cli_progress(), NULL);
    int64_t nodes = 0, leaves = 0;
    for (int32_t p = 0; p < problems; p++) {
        etsim_problem_result_free(&res);
        etsim_problem_result_init(&res, prof.emb_dim);
        if (etsim_cover_problem(o, &cfgs, p, &res, &err) < 0) {
            etsim_err_prefix(&err, "%s", configs);
            etsim_progress_finish(&prog);
            goto fail;
        }
        if (etsim_trace_writer_add(w, &res.tree, &err) < 0) {
            etsim_progress_finish(&prog);
            goto fail;
        }
        nodes += res.tree.n_nodes;
        for (int32_t v = 0; v < res.tree.n_nodes; v++)
            leaves += (res.tree.nodes[v].flags & ETSIM_NODE_LEAF) != 0;
        etsim_progress_add(&prog, 1);
    }
    etsim_progress_finish(&prog);
    etsim_trace_writer *fin = w;
    w = NULL;
    if (etsim_trace_writer_finish(fin, &err) < 0) goto fail;
    printf("synth: %s: %d problems, %lld nodes (%lld leaves), %d configurations, profile %s\n", out,
           problems, (long long)nodes, (long long)leaves, cfgs.n, prof.name);
    rc = 0;
    goto done;
fail:
    etsim_cli_fail(1, "%s", err.msg);
done:
    etsim_trace_writer_abort(w);
    etsim_problem_result_free(&res);
    etsim_meta_free(&meta);
    etsim_oracle_close(o);
    etsim_cover_configs_free(&cfgs);
    etsim_synth_profile_free(&prof);
    return rc;
}
