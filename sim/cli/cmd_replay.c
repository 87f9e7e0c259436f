/* cmd_replay.c -- `etsim replay`: run one selector configuration over a
 * trace or the synthetic model and write the result file (sim/engine/result.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_model/cost.h"
#include "sim/cli/cli.h"
#include "sim/cli/cli_progress.h"
#include "sim/engine/replay.h"
#include "sim/engine/result.h"
#include "sim/eval/score.h"
#include "selectors/registry.h"

static void usage(FILE *fp) {
    fprintf(fp,
        "usage: etsim replay (--source KIND:SPEC | --trace FILE | --synthetic [PROFILE])\n"
        "                    --selector NAME --width N --out RESULT.json [options]\n"
        "  --source KIND:SPEC    any oracle kind: trace:FILE, synthetic[:PROFILE],\n"
        "                        live:CONFIG, ... (the three below are its aliases)\n"
        "  --trace FILE          replay a recorded trace\n"
        "  --synthetic [P]       use the synthetic model (default profile if P omitted)\n"
        "  --live CONFIG         ask live servers (a capture config, see traces/CAPTURE.md)\n"
        "  --selector NAME       rebase | beam | dvts | ets | ets-kv (see --list)\n"
        "  --width N             initial width N (> 0)\n"
        "  --set KEY=VALUE       selector or engine parameter (repeatable):\n"
        "                        engine keys: max_tokens (1024), max_expansions (25),\n"
        "                        root_tokens (prompt|reference), kv_metric\n"
        "                        (union|reference), on_missing\n"
        "  --on-missing M        error | truncate | resample (default error)\n"
        "  --problems N          first N problems (default all)\n"
        "  --first K             start at problem K (default 0)\n"
        "  --threads T           worker threads (default 1); output is identical\n"
        "  --with-text           include step texts in the result\n"
        "  --out FILE            result file (written atomically)\n"
        "GPU cost model (see `etsim cost --help` for every flag):\n"
        "  --gpu G --policy M --prm M   price the replay on a simulated GPU setup\n"
        "  --cost-out FILE       write the cost report as JSON\n"
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
    etsim_cost_traces *costs; /* NULL unless --gpu etc. were given */
} replay_ctx;

/* Runs in problem order (see replay.h), so both outputs are deterministic. */
static int sink(void *ctx, etsim_problem_result *res, etsim_err *err) {
    replay_ctx *c = ctx;
    if (c->costs && etsim_cost_traces_add(c->costs, res, err) < 0) return -1;
    return etsim_result_writer_add(c->w, res, err);
}

/* n with thousands separators ("1,870"). */
static const char *fmt_count(char *buf, size_t size, int64_t n) {
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", (long long)(n < 0 ? -n : n));
    size_t o = 0;
    if (n < 0 && o + 1 < size) buf[o++] = '-';
    for (int i = 0; i < len && o + 1 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0 && o + 1 < size) buf[o++] = ',';
        if (o + 1 < size) buf[o++] = digits[i];
    }
    buf[o] = 0;
    return buf;
}

/* Problems that ended without any leaf are graded wrong; say how many and
 * which limit ended them, and, when the trace records its longest path
 * (traces/FORMAT.md), the limits that would let every recorded leaf be
 * reached: max_expansions = the deepest leaf's steps (the leaves generated
 * by the last selection are kept), max_tokens = the longest leaf's
 * cumulative count + 1 (a node is retired at cum >= max_tokens, so every
 * ancestor of that leaf then stays below it). */
static void print_no_leaf_note(FILE *fp, const etsim_search_config *cfg, int problems,
                               const etsim_counters *c, const etsim_meta *meta) {
    if (c->no_leaf == 0) return;
    int64_t other = c->no_leaf - c->no_leaf_max_expansions - c->no_leaf_max_tokens;
    char a[32], b[32];
    fprintf(fp, "etsim replay: %lld of %d problems ended without a leaf (max_expansions %d: %lld, "
                "max_tokens %d: %lld",
            (long long)c->no_leaf, problems, cfg->max_expansions,
            (long long)c->no_leaf_max_expansions, cfg->max_tokens,
            (long long)c->no_leaf_max_tokens);
    if (other > 0) fprintf(fp, ", other causes: %lld", (long long)other);
    fputc(')', fp);
    if (!meta || !meta->has_longest_path) {
        fputs(meta ? "; the source does not record its longest path\n" : "\n", fp);
        return;
    }
    int64_t tokens = cfg->root_tokens == ETSIM_ROOT_REFERENCE
                         ? (int64_t)meta->longest_step_tokens + 2
                         : (int64_t)meta->longest_tokens;
    fprintf(fp, "; the trace's longest path is %s steps / %s tokens", fmt_count(a, sizeof a,
            meta->longest_steps), fmt_count(b, sizeof b, tokens));
    int want_exp = meta->longest_steps > cfg->max_expansions;
    int want_tok = tokens + 1 > cfg->max_tokens;
    if (!want_exp && !want_tok) {
        fputs(", within the limits\n", fp);
        return;
    }
    fputs(": try", fp);
    if (want_exp) fprintf(fp, " --set max_expansions=%d", meta->longest_steps);
    if (want_tok) fprintf(fp, " --set max_tokens=%lld", (long long)(tokens + 1));
    fputc('\n', fp);
}

/* Price the replay on the simulated GPUs and report. */
static int run_cost(const etsim_cost_config *ccfg, etsim_cost_traces *costs,
                    const char *cost_out, etsim_err *err) {
    etsim_cost_report rep;
    if (etsim_cost_run(ccfg, costs->v, costs->n, &rep, err) < 0) return -1;
    etsim_cost_report_print_summary(stdout, &rep);
    int rc = 0;
    if (cost_out) {
        etsim_atomic_file af;
        if (etsim_atomic_open(&af, cost_out, err) < 0) {
            rc = -1;
        } else {
            etsim_cost_report_write_json(af.fp, &rep, 1);
            rc = etsim_atomic_commit(&af, err);
        }
    }
    etsim_cost_report_free(&rep);
    return rc;
}

static int replay_run(const etsim_cli_source *src, const etsim_search_config *cfg,
                      int32_t first, int32_t problems, int threads, int with_text,
                      const char *out, const etsim_cost_config *ccfg, const char *cost_out) {
    etsim_err err = {{0}};
    etsim_oracle *o = etsim_oracle_open(src->kind, src->spec, &err);
    if (!o) return etsim_cli_fail(1, "%s", err.msg);
    int32_t total = o->meta.n_problems;
    if (total <= 0) { /* say what is empty, not which flag cannot be met */
        etsim_oracle_close(o);
        return etsim_cli_fail(1, "%s%sthe %s holds no problems: nothing to replay", src->spec ? src->spec : "",
                              src->spec ? ": " : "", src->kind);
    }
    if (first >= total) {
        etsim_oracle_close(o);
        return etsim_cli_fail(1, "--first %d: the %s holds only %d problems (0..%d)", first, src->kind, total,
                              total - 1);
    }
    if (problems < 0 || first + problems > total) problems = total - first;

    etsim_result_writer w;
    etsim_eval_summary accuracy;
    etsim_eval_summary_init(&accuracy, o->meta.answer_format);
    if (etsim_result_writer_open(&w, out, with_text ? ETSIM_RESULT_WITH_TEXT : 0, cfg,
                                 src->kind, src->spec, &o->meta, &accuracy.hook, &err) < 0) {
        etsim_eval_summary_free(&accuracy);
        etsim_oracle_close(o);
        return etsim_cli_fail(1, "%s", err.msg);
    }
    etsim_cost_traces costs;
    memset(&costs, 0, sizeof costs);
    replay_ctx ctx = {&w, ccfg ? &costs : NULL};
    etsim_replay_opts opt = {first, problems, threads, "replay", etsim_cli_progress(), NULL};
    int rc = 0;
    if (etsim_replay(o, cfg, &opt, sink, &ctx, &err) < 0) {
        etsim_result_writer_abort(&w);
        rc = etsim_cli_fail(1, "%s%s%s", src->spec && src->spec[0] ? src->spec : "",
                            src->spec && src->spec[0] ? ": " : "", err.msg);
        goto done;
    }
    etsim_counters total_c = w.total;
    etsim_cli_print_summary(stdout, cfg, problems, &total_c);
    etsim_eval_acc_print(stdout, &accuracy.acc, 0);
    print_no_leaf_note(stderr, cfg, problems, &total_c,
                       !strcmp(src->kind, "trace") ? &o->meta : NULL);
    if (etsim_result_writer_commit(&w, &err) < 0) {
        rc = etsim_cli_fail(1, "%s", err.msg);
        goto done;
    }
    if (ccfg && run_cost(ccfg, &costs, cost_out, &err) < 0) rc = etsim_cli_fail(1, "%s", err.msg);
done:
    etsim_eval_summary_free(&accuracy);
    etsim_cost_traces_free(&costs);
    etsim_oracle_close(o);
    return rc;
}

int etsim_cmd_replay(int argc, char **argv) {
    etsim_cli_source src;
    etsim_cli_source_init(&src);
    const char *selector = NULL, *out = NULL;
    int width = 0, threads = 1, with_text = 0;
    int32_t problems = -1, first = 0;
    const char *sets[64], *cost_out = NULL;
    int n_sets = 0, with_cost = 0;
    etsim_cost_config ccfg;
    etsim_cost_config_init(&ccfg);
    etsim_err err = {{0}};
    int rc = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = etsim_cli_source_arg(&src, argc, argv, &i);
        if (r < 0) goto done;
        if (r > 0) continue;
        r = etsim_cost_config_arg(&ccfg, argc, argv, &i, &err);
        if (r < 0) {
            etsim_cli_fail(2, "%s", err.msg);
            goto done;
        }
        if (r > 0) {
            with_cost = 1;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            rc = 0;
            goto done;
        } else if (!strcmp(a, "--list")) {
            list_selectors();
            rc = 0;
            goto done;
        } else if (!strcmp(a, "--selector") && i + 1 < argc) {
            selector = argv[++i];
        } else if (!strcmp(a, "--width") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 1000000000, &width) < 0) goto done;
        } else if (!strcmp(a, "--threads") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 1024, &threads) < 0) goto done;
        } else if (!strcmp(a, "--problems") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 1, 1000000000, &problems) < 0) goto done;
        } else if (!strcmp(a, "--first") && i + 1 < argc) {
            if (etsim_cli_int(a, argv[++i], 0, 1000000000, &first) < 0) goto done;
        } else if (!strcmp(a, "--set") && i + 1 < argc) {
            if (n_sets == 64) {
                etsim_cli_fail(2, "too many --set options");
                goto done;
            }
            sets[n_sets++] = argv[++i];
        } else if (!strcmp(a, "--on-missing") && i + 1 < argc) {
            static char buf[64];
            snprintf(buf, sizeof buf, "on_missing=%s", argv[++i]);
            if (n_sets == 64) {
                etsim_cli_fail(2, "too many --set options");
                goto done;
            }
            sets[n_sets++] = buf;
        } else if (!strcmp(a, "--out") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(a, "--with-text")) {
            with_text = 1;
        } else if (!strcmp(a, "--cost-out") && i + 1 < argc) {
            cost_out = argv[++i];
            with_cost = 1;
        } else {
            fprintf(stderr, "etsim replay: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            goto done;
        }
    }
    if (!src.kind) {
        etsim_cli_fail(2, "replay: give --source KIND:SPEC (or --trace FILE, --synthetic [PROFILE], --live CONFIG)");
        goto done;
    }
    if (!selector || !out) {
        etsim_cli_fail(2, "replay: %s is required", selector ? "--out" : "--selector");
        goto done;
    }
    etsim_search_config cfg;
    if (etsim_cli_search_config(&cfg, selector, width, sets, n_sets, &err) < 0) {
        etsim_cli_fail(2, "%s", err.msg);
        goto done;
    }
    if (with_cost) {
        /* Resolve profiles before any work: an unknown GPU fails at once. */
        etsim_cost_report probe;
        if (etsim_cost_resolve(&ccfg, &probe, &err) < 0) {
            etsim_cli_fail(2, "%s", err.msg);
            goto done;
        }
        etsim_cost_report_free(&probe);
    }
    rc = replay_run(&src, &cfg, first, problems, threads, with_text, out,
                    with_cost ? &ccfg : NULL, cost_out);
done:
    etsim_cost_config_free(&ccfg);
    return rc;
}
