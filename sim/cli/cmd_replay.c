/* cmd_replay.c -- `etsim replay`: run one selector configuration over a
 * trace or the synthetic model and write the result file (sim/result.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/replay.h"
#include "sim/result.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim replay (--trace FILE | --synthetic [PROFILE]) --selector NAME\n"
        "                    --width N --out RESULT.json [options]\n"
        "  --trace FILE          replay a recorded trace\n"
        "  --synthetic [P]       use the synthetic model (default profile if P omitted)\n"
        "  --selector NAME       rebase | beam | dvts | ets | ets-kv (see --list)\n"
        "  --width N             initial width N (> 0)\n"
        "  --set KEY=VALUE       selector or engine parameter (repeatable):\n"
        "                        engine keys: max_tokens (1024), max_expansions (25),\n"
        "                        root_tokens (prompt|reference), on_missing\n"
        "  --on-missing M        error | truncate | resample (default error)\n"
        "  --problems N          first N problems (default all)\n"
        "  --first K             start at problem K (default 0)\n"
        "  --threads T           worker threads (default 1); output is identical\n"
        "  --with-text           include step texts in the result\n"
        "  --out FILE            result file (written atomically)\n"
        "  --list                list selectors and their parameters\n");
}

static void list_selectors(void) {
    const etsim_selector *const *s = etsim_selectors();
    for (int i = 0; s[i]; i++) {
        printf("%-8s %s\n", s[i]->name, s[i]->summary);
        for (int k = 0; s[i]->params && s[i]->params[k].name; k++)
            printf("    %-22s default %-8g %s\n", s[i]->params[k].name, s[i]->params[k].def,
                   s[i]->params[k].help);
    }
}

typedef struct replay_ctx {
    etsim_result_writer *w;
} replay_ctx;

static int sink(void *ctx, etsim_problem_result *res, etsim_err *err) {
    replay_ctx *c = ctx;
    return etsim_result_writer_add(c->w, res, err);
}

int etsim_cmd_replay(int argc, char **argv) {
    etsim_cli_source src;
    etsim_cli_source_init(&src);
    const char *selector = NULL, *out = NULL;
    int width = 0, threads = 1, with_text = 0;
    int32_t problems = -1, first = 0;
    const char *sets[64];
    int n_sets = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = etsim_cli_source_arg(&src, argc, argv, &i);
        if (r < 0) return 2;
        if (r > 0) continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--list")) {
            list_selectors();
            return 0;
        } else if (!strcmp(a, "--selector") && i + 1 < argc) {
            selector = argv[++i];
        } else if (!strcmp(a, "--width") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], -1000000, 1000000000, &width) < 0) return 2;
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 1024, &threads) < 0) return 2;
        } else if (!strcmp(a, "--problems") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 1000000000, &problems) < 0) return 2;
        } else if (!strcmp(a, "--first") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 0, 1000000000, &first) < 0) return 2;
        } else if (!strcmp(a, "--set") && i + 1 < argc) {
            if (n_sets == 64) return etsim_cli_fail(2, "too many --set options");
            sets[n_sets++] = argv[++i];
        } else if (!strcmp(a, "--on-missing") && i + 1 < argc) {
            static char buf[64];
            snprintf(buf, sizeof buf, "on_missing=%s", argv[++i]);
            if (n_sets == 64) return etsim_cli_fail(2, "too many --set options");
            sets[n_sets++] = buf;
        } else if (!strcmp(a, "--out") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(a, "--with-text")) {
            with_text = 1;
        } else {
            fprintf(stderr, "etsim replay: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!src.kind) return etsim_cli_fail(2, "replay: give --trace FILE or --synthetic [PROFILE]");
    if (!selector) return etsim_cli_fail(2, "replay: --selector is required (see --list)");
    if (!out) return etsim_cli_fail(2, "replay: --out is required");
    etsim_search_config cfg;
    etsim_err err = {{0}};
    if (etsim_cli_search_config(&cfg, selector, width, sets, n_sets, &err) < 0)
        return etsim_cli_fail(2, "%s", err.msg);

    etsim_oracle *o = etsim_oracle_open(src.kind, src.spec, &err);
    if (!o) return etsim_cli_fail(1, "%s", err.msg);
    int32_t total = o->meta.n_problems;
    if (first >= total) {
        etsim_oracle_close(o);
        return etsim_cli_fail(1, "--first %d: the source has only %d problems", first, total);
    }
    if (problems < 0 || first + problems > total) problems = total - first;

    etsim_result_writer w;
    if (etsim_result_writer_open(&w, out, with_text ? ETSIM_RESULT_WITH_TEXT : 0, &cfg,
                                 src.kind, src.spec, &o->meta, &err) < 0) {
        etsim_oracle_close(o);
        return etsim_cli_fail(1, "%s", err.msg);
    }
    replay_ctx ctx = {&w};
    etsim_replay_opts opt = {first, problems, threads, "replay"};
    int rc = etsim_replay(o, &cfg, &opt, sink, &ctx, &err);
    if (rc < 0) {
        etsim_result_writer_abort(&w);
        etsim_oracle_close(o);
        return etsim_cli_fail(1, "%s%s%s", src.spec && src.spec[0] ? src.spec : "",
                              src.spec && src.spec[0] ? ": " : "", err.msg);
    }
    etsim_counters total_c = w.total;
    if (etsim_result_writer_commit(&w, &err) < 0) {
        etsim_oracle_close(o);
        return etsim_cli_fail(1, "%s", err.msg);
    }
    etsim_cli_print_summary(stdout, &cfg, problems, &total_c);
    etsim_oracle_close(o);
    return 0;
}
