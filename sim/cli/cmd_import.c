/* cmd_import.c -- `etsim import`: bring search results recorded by other
 * tools into etsim traces.
 *   etsim import sal FILE.jsonl [--dataset math500|gsm8k|B.jsonl] [--out TRACE] [--report R]
 *   etsim import ets ANSWERS.json|DIR [--dataset math500|gsm8k|B.jsonl] --out TRACE [--extract P]
 * The sal form also re-derives search-and-learn's stored votes and prints
 * how many agree; the report lists every disagreement with its reason and
 * every skipped row. Both exit 1 without writing a trace when nothing
 * could be imported, saying why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/eval/import.h"
#include "sim/eval/sal.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "usage: etsim import sal FILE.jsonl [--dataset BENCH] [--out TRACE] [--report FILE]\n"
            "       etsim import ets ANSWERS.json|DIR --out TRACE [--dataset BENCH] [--extract PROFILE]\n"
            "  sal   search-and-learn results: completions split on blank lines into steps\n"
            "        aligned with their scores, equal prefixes merged into one tree per problem;\n"
            "        prints agreement of our pred_naive/maj/weighted@k with the stored ones.\n"
            "        Without --out only the agreement is checked. The report (default\n"
            "        TRACE.report.txt, or standard error without --out) explains every\n"
            "        disagreement and lists skipped rows.\n"
            "  ets   the ETS harness's output (rebase.py): answers.json, or a directory of its\n"
            "        answer_q{id}.json files (or of node dumps with nodes_info). Each leaf's\n"
            "        text is cut after every step tag \"\xd0\xba\xd0\xb8\" into one step per step score,\n"
            "        equal prefixes merged into one tree per question.\n"
            "  --dataset   math500 or gsm8k (the built-in sets) or a MATH500/GSM8K JSON lines\n"
            "              file: problem data and ordering (rows or questions not in it are\n"
            "              skipped and counted)\n"
            "  --extract   ets leaves' answer profile: shepherd (default), gsm8k, boxed, sal\n"
            "  Nothing imported (every row skipped or not in the dataset) is an error: exit 1,\n"
            "  no trace written.\n");
}

static int report_open(etsim_atomic_file *af, const char *path, FILE **fp, etsim_err *err) {
    if (!path) {
        *fp = stderr;
        return 0;
    }
    if (etsim_atomic_open(af, path, err)) return -1;
    *fp = af->fp;
    return 0;
}

static int run_sal(const char *in, const etsim_import_opts *o, const char *report_path) {
    etsim_err err = {{0}};
    etsim_atomic_file af = {0};
    FILE *rep = NULL;
    char *def = NULL;
    if (!report_path && o->out) {
        def = etsim_malloc(strlen(o->out) + 16);
        sprintf(def, "%s.report.txt", o->out);
        report_path = def;
    }
    if (report_open(&af, report_path, &rep, &err)) {
        free(def);
        return etsim_cli_fail(1, "%s", err.msg);
    }
    etsim_sal_file f;
    if (etsim_sal_read(in, &f, &err)) goto fail;
    etsim_sal_agree ag;
    fprintf(rep, "agreement with %s (search-and-learn's own votes recomputed)\n", in);
    etsim_sal_check(&f, in, rep, &ag);
    static const char *const kinds[3] = {"pred_naive", "pred_maj", "pred_weighted"};
    printf("%s: %d rows\n", in, f.n_rows);
    for (int k = 0; k < 3; k++) {
        double pct = ag.total[k] ? 100.0 * (double)ag.agree[k] / (double)ag.total[k] : 100.0;
        printf("  %-14s %ld/%ld agree (%.2f%%)\n", kinds[k], ag.agree[k], ag.total[k], pct);
        fprintf(rep, "%s %ld/%ld agree (%.2f%%)\n", kinds[k], ag.agree[k], ag.total[k], pct);
    }
    printf("  rows with every pred_naive@k reproduced: %ld/%d\n", ag.rows_all_naive, f.n_rows);
    if (ag.agg_mismatch) printf("  stored agg_scores differing from the last step score: %ld\n", ag.agg_mismatch);
    etsim_sal_free(&f);
    if (o->out) {
        etsim_import_opts oo = *o;
        oo.report = rep;
        etsim_import_stats st;
        if (etsim_import_sal(in, &oo, &st, &err)) goto fail;
        printf("  imported %d problems, %ld nodes (%ld steps merged into shared prefixes) -> %s\n", st.imported,
               st.nodes, st.merged_steps, o->out);
        printf("  skipped: %d rows with step/score count mismatch, %d rows not in the dataset",
               st.skipped_mismatch, st.skipped_unknown);
        if (st.skipped_duplicate) printf(", %d duplicate rows", st.skipped_duplicate);
        printf("\n");
        if (st.score_conflicts) printf("  merged steps whose scores differed (first kept): %ld\n", st.score_conflicts);
        fprintf(rep, "skipped rows: %d step/score mismatch, %d not in dataset\n", st.skipped_mismatch,
                st.skipped_unknown);
    }
    if (report_path && etsim_atomic_commit(&af, &err)) {
        free(def);
        return etsim_cli_fail(1, "%s", err.msg);
    }
    if (report_path) printf("  report: %s\n", report_path);
    free(def);
    return 0;
fail:
    if (report_path) etsim_atomic_abort(&af);
    free(def);
    return etsim_cli_fail(1, "%s", err.msg);
}

int etsim_cmd_import(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *what = argv[1], *in = NULL, *report = NULL;
    etsim_import_opts o = {0};
    o.extract = ETSIM_EXTRACT_SHEPHERD;
    if (strcmp(what, "sal") && strcmp(what, "ets")) {
        usage(stderr);
        return etsim_cli_fail(2, "import: unknown source '%s' (sal or ets)", what);
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--dataset") || !strcmp(a, "--out") || !strcmp(a, "--report") || !strcmp(a, "--extract")) {
            if (!has_val) return etsim_cli_fail(2, "%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--dataset")) o.dataset = v;
            else if (!strcmp(a, "--out")) o.out = v;
            else if (!strcmp(a, "--report")) report = v;
            else {
                int p = etsim_extract_profile_parse(v);
                if (p < 0) return etsim_cli_fail(2, "--extract: unknown profile '%s'", v);
                o.extract = (etsim_extract_profile)p;
            }
        } else if (a[0] == '-') {
            usage(stderr);
            return etsim_cli_fail(2, "import: unknown option '%s'", a);
        } else if (!in) {
            in = a;
        } else {
            return etsim_cli_fail(2, "import: more than one input");
        }
    }
    if (!in) return etsim_cli_fail(2, "import %s: no input given", what);
    if (!strcmp(what, "sal")) return run_sal(in, &o, report);
    if (!o.out) return etsim_cli_fail(2, "import ets: --out TRACE is required");
    etsim_err err = {{0}};
    etsim_import_stats st;
    if (etsim_import_ets(in, &o, &st, &err)) return etsim_cli_fail(1, "%s", err.msg);
    printf("%s: imported %d questions, %ld leaves, %ld nodes -> %s\n", in, st.imported, st.leaves, st.nodes, o.out);
    if (st.skipped_mismatch || st.skipped_unknown || st.skipped_duplicate)
        printf("  skipped: %d questions whose texts do not split into their step scores, %d not in the dataset, "
               "%d duplicates\n", st.skipped_mismatch, st.skipped_unknown, st.skipped_duplicate);
    if (st.first_skip[0]) printf("  first skipped: %s\n", st.first_skip);
    if (st.first_unknown[0]) printf("  first not in the dataset: %s\n", st.first_unknown);
    if (st.merged_steps) printf("  steps merged into shared prefixes: %ld\n", st.merged_steps);
    if (st.from_answers)
        printf("  answers.json holds the leaves' paths only (rebase.py writes no pruned branch): a replay\n"
               "  asking for more children than were kept needs --on-missing truncate|resample\n");
    if (st.no_leaves)
        printf("  questions without any leaf: %d (replaying them needs --on-missing truncate)\n", st.no_leaves);
    if (st.text_not_prefix)
        printf("  nodes whose texts do not extend their parent's (kept whole): %ld\n",
               st.text_not_prefix);
    if (st.text_not_rejoined)
        printf("  leaves whose text an export would join differently from the original: %ld\n",
               st.text_not_rejoined);
    return 0;
}
