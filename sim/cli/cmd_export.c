/* cmd_export.c -- `etsim export`: a replay result as the ETS / REBASE
 * harness's answers.json and stats.log (format and leaf-text rules in
 * sim/eval/export.h), so the reference evaluation scripts run on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/eval/export.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "usage: etsim export RESULT.json --out DIR [options]\n"
            "  Write DIR/answers.json (one object per problem: id, question, model_answer =\n"
            "  [{text, step_scores}] per leaf, ground_truth_answer, total_tokens) and\n"
            "  DIR/stats.log (rebase.py's four lines) from a replay result, as the ETS/REBASE\n"
            "  harness writes them, so math_evaluate.py runs on them unchanged.\n"
            "  --out DIR          output directory (created if missing)\n"
            "  --extract P        shepherd|gsm8k|boxed|sal: the answer line written for leaves\n"
            "                     without text (default: the result's answer_format)\n"
            "  --dataset BENCH    math500, gsm8k (built in) or a MATH500/GSM8K jsonl file:\n"
            "                     take each question from it (by id)\n"
            "  --time SECONDS     the stats.log \"Time:\" value (default 0.0; a replay has no\n"
            "                     wall time of its own)\n"
            "  Leaf text: the root-to-leaf step texts when the result has them (etsim replay\n"
            "  --with-text); otherwise only the answer line, e.g. \"The answer is: 765 ки\",\n"
            "  which the reference extraction reads as the answer `etsim eval` scores.\n");
}

int etsim_cmd_export(int argc, char **argv) {
    const char *path = NULL, *dataset = NULL;
    etsim_export_opts o;
    memset(&o, 0, sizeof o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--out") || !strcmp(a, "--extract") || !strcmp(a, "--dataset") || !strcmp(a, "--time")) {
            if (!val) return etsim_cli_fail(2, "%s needs a value", a);
            i++;
            if (!strcmp(a, "--out")) {
                o.dir = val;
            } else if (!strcmp(a, "--extract")) {
                if (etsim_extract_profile_parse(val) < 0)
                    return etsim_cli_fail(2, "--extract: unknown profile '%s' (shepherd, gsm8k, boxed or sal)", val);
                o.answer_format = val;
            } else if (!strcmp(a, "--dataset")) {
                dataset = val;
            } else {
                char *end;
                o.time_s = strtod(val, &end);
                if (end == val || *end || !(o.time_s >= 0) || o.time_s > 1e15)
                    return etsim_cli_fail(2, "--time: '%s' is not a number of seconds", val);
            }
        } else if (a[0] == '-' && a[1]) {
            usage(stderr);
            return etsim_cli_fail(2, "export: unknown option '%s'", a);
        } else if (!path) {
            path = a;
        } else {
            return etsim_cli_fail(2, "export: more than one input file");
        }
    }
    if (!path || !o.dir) {
        usage(stderr);
        return etsim_cli_fail(2, "export: %s", path ? "--out DIR is required" : "no result file given");
    }
    etsim_err err = {{0}};
    etsim_bench_set ds;
    memset(&ds, 0, sizeof ds);
    if (dataset) {
        if (etsim_bench_load_auto(dataset, &ds, &err)) return etsim_cli_fail(1, "%s", err.msg);
        o.dataset = &ds;
    }
    etsim_export_stats st;
    int rc = etsim_export_ets(path, &o, &st, &err);
    etsim_bench_free(&ds);
    if (rc) return etsim_cli_fail(1, "%s", err.msg);
    printf("exported %d problems, %lld leaves to %s/answers.json and %s/stats.log (extract %s)\n", st.problems,
           (long long)st.leaves, o.dir, o.dir, etsim_extract_profile_name(st.profile));
    if (st.from_answer) printf("  %lld leaf texts written from the answer alone (no step texts in the result)\n", (long long)st.from_answer);
    if (st.no_answer) fprintf(stderr, "etsim: warning: %lld leaves have neither an answer nor a text (exported as \"\")\n", (long long)st.no_answer);
    if (st.text_mismatch)
        fprintf(stderr, "etsim: warning: %lld leaf texts read a different answer than the result's answer\n",
                (long long)st.text_mismatch);
    return 0;
}
