/* cmd_eval.c -- `etsim eval`: accuracy of a replay result (or of an ETS /
 * REBASE answers.json), with per-subject and per-level breakdowns. The
 * file is streamed a problem at a time (result_read.h); each problem's
 * leaves are voted on and graded (score.h). Nothing goes to standard
 * output unless the whole file was read: per-problem lines are buffered. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/eval/bench_data.h"
#include "sim/eval/score.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "usage: etsim eval RESULT.json [options]\n"
            "  Accuracy of a replay result (etsim replay --out) or of an ETS/REBASE answers.json:\n"
            "  one answer per problem chosen from its finished leaves, graded against the\n"
            "  problem's ground truth as math_evaluate.py does (PRM800K grader, sympy off).\n"
            "  --vote weighted|majority|best   answer selection (default weighted)\n"
            "  --agg last|min|prod|mean        step-score aggregation, the vote weight or the\n"
            "                                  best-of-N score (default last)\n"
            "  --extract shepherd|gsm8k|boxed|sal\n"
            "                                  answer extraction profile (default: the result's\n"
            "                                  answer_format; shepherd for answers.json)\n"
            "  --grader reference|clean        reference: as the ETS scripts, quirks included\n"
            "                                  (default); clean: keep tuple commas, identical\n"
            "                                  tuple elements equal, [invalid] does not vote\n"
            "  --dataset BENCH                 grade against a benchmark's ground truth (and take\n"
            "                                  subject and level from it): math500 or gsm8k (the\n"
            "                                  built-in sets) or a MATH500/GSM8K JSON lines file;\n"
            "                                  each problem is matched by id, else by question\n"
            "  --json                          print the totals as one JSON object\n"
            "  --per-problem                   also list each problem: index, id, correct,\n"
            "                                  leaves, chosen answer, ground truth\n"
            "  A leaf's answer is read as the reference would read the exported text\n"
            "  (see `etsim export --help`); a problem without ground truth counts as wrong.\n");
}

static int parse_choice(const char *flag, const char *v, int (*parse)(const char *), const char *choices, int *out) {
    if (!v) return etsim_cli_fail(2, "%s needs a value (%s)", flag, choices);
    int x = parse(v);
    if (x < 0) return etsim_cli_fail(2, "%s: unknown value '%s' (%s)", flag, v, choices);
    *out = x;
    return 0;
}

static void per_problem_line(etsim_sbuf *b, int json, const etsim_rr_problem *p, const etsim_problem_eval *e) {
    if (json) {
        etsim_sbuf_puts(b, b->len ? ",{\"index\":" : "{\"index\":");
        etsim_sbuf_int(b, p->index);
        etsim_sbuf_puts(b, ",\"id\":");
        etsim_sbuf_json_string(b, p->id);
        etsim_sbuf_puts(b, e->correct ? ",\"correct\":true" : ",\"correct\":false");
        etsim_sbuf_puts(b, ",\"leaves\":");
        etsim_sbuf_int(b, e->n_leaves);
        etsim_sbuf_puts(b, ",\"answer\":");
        etsim_sbuf_json_string(b, e->answer);
        etsim_sbuf_puts(b, ",\"ground_truth\":");
        etsim_sbuf_json_string(b, p->answer);
        etsim_sbuf_putc(b, '}');
        return;
    }
    etsim_sbuf_int(b, p->index);
    etsim_sbuf_putc(b, '\t');
    etsim_sbuf_json_string(b, p->id);
    etsim_sbuf_puts(b, e->correct ? "\tcorrect\t" : "\twrong\t");
    etsim_sbuf_int(b, e->n_leaves);
    etsim_sbuf_putc(b, '\t');
    etsim_sbuf_json_string(b, e->answer);
    etsim_sbuf_putc(b, '\t');
    etsim_sbuf_json_string(b, p->answer);
    etsim_sbuf_putc(b, '\n');
}

/* --dataset: the benchmark's ground truth, subject and level for p */
static int use_dataset(const etsim_result_reader *rr, etsim_rr_problem *p, const etsim_bench_set *ds,
                       const char *name, etsim_err *err) {
    int32_t i = etsim_bench_find(ds, p->id, p->question);
    if (i < 0)
        return etsim_errf(err, "%s:%ld: problem %d: field \"id\" %s%s%s is not in the dataset %s", rr->path, p->line,
                          p->index, p->id ? "\"" : "", p->id ? p->id : "(absent)", p->id ? "\"" : "", name);
    p->answer = ds->p[i].answer;
    if (ds->p[i].subject) p->subject = ds->p[i].subject;
    if (ds->p[i].level) p->level = ds->p[i].level;
    return 0;
}

int etsim_cmd_eval(int argc, char **argv) {
    const char *path = NULL, *extract = NULL, *dataset = NULL;
    int json = 0, per_problem = 0, v = 0;
    etsim_eval_opts o = etsim_eval_opts_default();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--vote")) {
            if (parse_choice(a, val, etsim_vote_parse, "weighted, majority or best", &v)) return 2;
            o.vote = (etsim_vote)v, i++;
        } else if (!strcmp(a, "--agg")) {
            if (parse_choice(a, val, etsim_agg_parse, "last, min, prod or mean", &v)) return 2;
            o.agg = (etsim_agg)v, i++;
        } else if (!strcmp(a, "--extract")) {
            if (parse_choice(a, val, etsim_extract_profile_parse, "shepherd, gsm8k, boxed or sal", &v)) return 2;
            o.extract = (etsim_extract_profile)v, extract = val, i++;
        } else if (!strcmp(a, "--grader")) {
            if (parse_choice(a, val, etsim_grader_mode_parse, "reference or clean", &v)) return 2;
            o.grader = (etsim_grader_mode)v, i++;
        } else if (!strcmp(a, "--dataset")) {
            if (!val) return etsim_cli_fail(2, "--dataset needs a value (math500, gsm8k or a file)");
            dataset = val, i++;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--per-problem")) {
            per_problem = 1;
        } else if (a[0] == '-' && a[1]) {
            usage(stderr);
            return etsim_cli_fail(2, "eval: unknown option '%s'", a);
        } else if (!path) {
            path = a;
        } else {
            return etsim_cli_fail(2, "eval: more than one input file");
        }
    }
    if (!path) {
        usage(stderr);
        return etsim_cli_fail(2, "eval: no result file given");
    }
    etsim_err err = {{0}};
    etsim_bench_set ds = {0};
    if (dataset && etsim_bench_load_auto(dataset, &ds, &err)) return etsim_cli_fail(1, "%s", err.msg);
    etsim_result_reader rr;
    if (etsim_result_reader_open(&rr, path, ETSIM_RR_LEAVES | ETSIM_RR_NODES, &err)) {
        etsim_bench_free(&ds);
        return etsim_cli_fail(1, "%s", err.msg);
    }
    /* --extract wins over the trace's answer_format */
    const char *fmt = extract ? NULL : rr.answer_format;
    etsim_eval_acc acc;
    etsim_eval_acc_init(&acc, &o);
    etsim_sbuf lines = {0}, out = {0};
    etsim_rr_problem *p;
    int rc;
    while ((rc = etsim_result_reader_next(&rr, &p, &err)) == 1) {
        if (dataset && use_dataset(&rr, p, &ds, dataset, &err)) {
            rc = -1;
            break;
        }
        etsim_problem_eval e;
        if (etsim_eval_rr_problem(p, fmt, &o, &e, &err)) {
            etsim_err_prefix(&err, "%s: config.meta", rr.path);
            rc = -1;
            break;
        }
        etsim_eval_acc_add(&acc, &e, p->subject, p->level);
        if (per_problem) per_problem_line(&lines, json, p, &e);
        etsim_problem_eval_free(&e);
    }
    etsim_result_reader_close(&rr);
    etsim_bench_free(&ds);
    etsim_grade_thread_cleanup();
    if (rc < 0) {
        etsim_sbuf_free(&lines);
        etsim_eval_acc_free(&acc);
        return etsim_cli_fail(1, "%s", err.msg);
    }
    if (json) {
        etsim_eval_acc_json(&out, &acc);
        if (per_problem) {
            out.len--; /* reopen the object */
            etsim_sbuf_puts(&out, ",\"per_problem\":[");
            if (lines.len) etsim_sbuf_put(&out, lines.data, (size_t)lines.len);
            etsim_sbuf_puts(&out, "]}");
        }
        etsim_sbuf_putc(&out, '\n');
        fwrite(out.data, 1, (size_t)out.len, stdout);
    } else {
        etsim_eval_acc_print(stdout, &acc, 1);
        if (per_problem) {
            printf("per problem: index, id, correct, leaves, answer, ground truth\n");
            if (lines.len) fwrite(lines.data, 1, (size_t)lines.len, stdout);
        }
    }
    etsim_sbuf_free(&lines);
    etsim_sbuf_free(&out);
    etsim_eval_acc_free(&acc);
    if (fflush(stdout)) return etsim_cli_fail(1, "eval: cannot write the output");
    return 0;
}
