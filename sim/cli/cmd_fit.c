/* cmd_fit.c -- `etsim fit`: fit synthetic-profile parameters to the ETS
 * paper's published numbers for one model setup, or to real
 * search-and-learn outputs (sim/sweep/fit.h), and write the fitted profile.
 * Fitted profiles that ship with etsim live in sim/synthetic/fitted/ (after
 * writing one there, run sim/synthetic/fitted/embed.sh and rebuild). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/cli/cli.h"
#include "sim/cli/cmd_gpu_calib.h"
#include "sim/cli/cmd_sweep.h"
#include "sim/sweep/fit.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim fit --target paper --setup SETUP [options] [--out PROFILE.json]\n"
        "       etsim fit --target real [--data FILE.jsonl ...] [options] [--out PROFILE.json]\n"
        "       etsim fit --target gpu --data DIR [--out FILE] [--check]   (GPU cost model)\n"
        "  --target paper    fit to the ETS paper's Table 1 for SETUP (llemma34b-math500,\n"
        "                    mistral7b-math500, llemma34b-gsm8k, mistral7b-gsm8k): REBASE\n"
        "                    and ETS accuracy and ETS KV reduction at widths 16, 64, 256\n"
        "  --target real     fit to search-and-learn outputs: --data FILE.jsonl (repeatable)\n"
        "                    or --data DIR (every .jsonl in DIR)\n"
        "  --base PROFILE    starting profile (default: default, mistral7b or gsm8k by setup)\n"
        "  --problems N      problems per evaluation (default 200 paper, 100 real)\n"
        "  --max-evals K     evaluation budget (default 60)\n"
        "  --threads T       worker threads (default: all cores)\n"
        "  --reference FILE  the paper's numbers (default: the built-in ets_paper.json)\n"
        "  --name NAME       profile name (default paper-SETUP / real-sal-llama3-math500)\n"
        "  --out FILE        write the fitted profile (default: print it)\n"
        "The fit is deterministic: the same options give the same profile.\n");
}

/* every .jsonl in dir, sorted */
static int list_real(const char *dir, const char ***files, int *n) {
    DIR *d = opendir(dir);
    if (!d) return etsim_cli_fail(1, "%s: cannot open directory", dir);
    struct dirent *e;
    char **names = NULL;
    int cnt = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 7 || strcmp(e->d_name + l - 6, ".jsonl")) continue;
        names = realloc(names, (size_t)(cnt + 1) * sizeof *names);
        size_t need = strlen(dir) + l + 2;
        names[cnt] = malloc(need);
        snprintf(names[cnt++], need, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    /* directory order is not stable: sort for a deterministic fit */
    for (int i = 1; i < cnt; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    *files = (const char **)names;
    *n = cnt;
    return cnt ? 0 : etsim_cli_fail(1, "%s: no .jsonl files", dir);
}

int etsim_cmd_fit(int argc, char **argv) {
    /* --target gpu: the GPU cost model's constants (sim/cli/cmd_gpu_calib.c) */
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--target") && !strcmp(argv[i + 1], "gpu"))
            return etsim_cmd_gpu_calib(argc, argv, 1);
    etsim_fit_opts o;
    memset(&o, 0, sizeof o);
    o.threads = etsim_cli_sweep_threads();
    o.max_evals = 60;
    o.notice.fn = etsim_cli_sweep_notice;
    const char *out = NULL;
    const char **data = calloc((size_t)argc + 1, sizeof *data);
    int n_data = 0, rc = 2, listed = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            rc = 0;
            goto out;
        } else if (!strcmp(a, "--target") && i + 1 < argc) {
            o.target = argv[++i];
        } else if (!strcmp(a, "--setup") && i + 1 < argc) {
            o.setup = argv[++i];
        } else if (!strcmp(a, "--base") && i + 1 < argc) {
            o.base = argv[++i];
        } else if (!strcmp(a, "--data") && i + 1 < argc) {
            data[n_data++] = argv[++i];
        } else if (!strcmp(a, "--problems") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 100000000, &o.problems) < 0) goto out;
        } else if (!strcmp(a, "--max-evals") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 100000, &o.max_evals) < 0) goto out;
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 1024, &o.threads) < 0) goto out;
        } else if (!strcmp(a, "--reference") && i + 1 < argc) {
            o.reference = argv[++i];
        } else if (!strcmp(a, "--name") && i + 1 < argc) {
            o.name = argv[++i];
        } else if (!strcmp(a, "--out") && i + 1 < argc) {
            out = argv[++i];
        } else {
            fprintf(stderr, "etsim fit: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            goto out;
        }
    }
    if (!o.target) {
        rc = etsim_cli_fail(2, "fit: --target paper, real or gpu is required");
        goto out;
    }
    if (strcmp(o.target, "paper") && strcmp(o.target, "real")) {
        rc = etsim_cli_fail(2, "fit: unknown target '%s' (paper or real)", o.target);
        goto out;
    }
    char name[128];
    int paper = !strcmp(o.target, "paper");
    if (paper) {
        static const char *const setups[] = {"llemma34b-math500", "mistral7b-math500",
                                             "llemma34b-gsm8k", "mistral7b-gsm8k", NULL};
        int known = 0;
        for (int i = 0; o.setup && setups[i]; i++) known |= !strcmp(o.setup, setups[i]);
        if (!known) {
            rc = etsim_cli_fail(2, "fit: %s%s%s--setup must be one of llemma34b-math500, "
                                   "mistral7b-math500, llemma34b-gsm8k, mistral7b-gsm8k",
                                o.setup ? "unknown setup '" : "", o.setup ? o.setup : "",
                                o.setup ? "': " : "");
            goto out;
        }
        if (!o.base)
            o.base = strstr(o.setup, "gsm8k") ? "gsm8k"
                     : strstr(o.setup, "mistral") ? "mistral7b" : "default";
        snprintf(name, sizeof name, "paper-%s", o.setup);
        if (!o.problems) o.problems = 200;
    } else {
        if (!o.base) o.base = "default";
        snprintf(name, sizeof name, "real-sal-llama3-math500");
        if (!o.problems) o.problems = 100;
        struct stat sb;
        if (!n_data) {
            rc = etsim_cli_fail(2, "fit: --target real needs --data FILE.jsonl or --data DIR "
                                   "(search-and-learn outputs)");
            goto out;
        }
        if (n_data == 1 && stat(data[0], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            const char *dir = data[0];
            free(data);
            data = NULL;
            n_data = 0;
            if (list_real(dir, &data, &n_data) != 0) {
                rc = 1;
                goto out;
            }
            listed = 1;
        }
    }
    if (!o.name) o.name = name;
    o.data = data;
    o.n_data = n_data;
    etsim_err err = {{0}};
    etsim_fit_result res;
    if (etsim_fit_run(&o, &res, &err) < 0) {
        rc = etsim_cli_fail(1, "%s", err.msg);
        goto out;
    }
    etsim_fit_print(stderr, &res);
    rc = 0;
    if (out) {
        etsim_atomic_file af;
        if (etsim_atomic_open(&af, out, &err) < 0) {
            rc = etsim_cli_fail(1, "%s", err.msg);
        } else {
            fputs(res.json, af.fp);
            if (etsim_atomic_commit(&af, &err) < 0) rc = etsim_cli_fail(1, "%s", err.msg);
        }
    } else {
        fputs(res.json, stdout);
    }
    etsim_fit_result_free(&res);
out:
    if (listed)
        for (int i = 0; i < n_data; i++) free((char *)data[i]);
    free(data);
    return rc;
}
