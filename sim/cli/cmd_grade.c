/* cmd_grade.c -- `etsim grade`: grade answer pairs with the PRM800K grader
 * as the ETS / REBASE scripts run it. Input is JSON lines {"given": ...,
 * "gt": ...} from a file or standard input; output is "true" or "false"
 * per input record, in order. Nothing is printed unless every line is
 * valid: a malformed line is one error naming the file and line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/core/sbuf.h"
#include "sim/eval/grader.h"
#include "sim/eval/jsonl.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "usage: etsim grade [--grader reference|clean] [FILE]\n"
            "  Reads JSON lines {\"given\": ANSWER, \"gt\": GROUND_TRUTH} (FILE or standard\n"
            "  input) and prints true or false for each, in order.\n"
            "  --grader reference  PRM800K grader with sympy off, as the ETS/REBASE scripts (default)\n"
            "  --grader clean      also count identical tuple elements as equal\n"
            "  A \"given\" of null grades false, as the reference does for None.\n");
}

/* the answer field: a string, or null (-> NULL); anything else is an error */
static int field(const etsim_jsonl *jr, const cJSON *o, const char *name, const char **out, etsim_err *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v) return etsim_errf(err, "%s:%ld: field \"%s\" missing", jr->name, jr->line, name);
    if (cJSON_IsNull(v)) {
        *out = NULL;
        return 0;
    }
    if (!cJSON_IsString(v)) return etsim_errf(err, "%s:%ld: field \"%s\" is not a string", jr->name, jr->line, name);
    *out = v->valuestring;
    return 0;
}

int etsim_cmd_grade(int argc, char **argv) {
    const char *path = NULL;
    etsim_grader_mode mode = ETSIM_GRADER_REFERENCE;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--grader")) {
            if (i + 1 >= argc) return etsim_cli_fail(2, "--grader needs a value (reference or clean)");
            int m = etsim_grader_mode_parse(argv[++i]);
            if (m < 0) return etsim_cli_fail(2, "--grader: unknown mode '%s' (reference or clean)", argv[i]);
            mode = (etsim_grader_mode)m;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            usage(stderr);
            return etsim_cli_fail(2, "grade: unknown option '%s'", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return etsim_cli_fail(2, "grade: more than one input file");
        }
    }
    etsim_err err = {{0}};
    etsim_jsonl jr;
    if (path && strcmp(path, "-")) {
        if (etsim_jsonl_open(&jr, path, &err)) return etsim_cli_fail(1, "%s", err.msg);
    } else {
        etsim_jsonl_from_fp(&jr, stdin, "<stdin>");
    }
    etsim_sbuf out = {0};
    cJSON *o = NULL;
    int rc;
    while ((rc = etsim_jsonl_next(&jr, &o, &err)) == 1) {
        const char *given = NULL, *gt = NULL;
        if (!cJSON_IsObject(o)) rc = etsim_errf(&err, "%s:%ld: record is not a JSON object", jr.name, jr.line);
        else if (field(&jr, o, "given", &given, &err) || field(&jr, o, "gt", &gt, &err)) rc = -1;
        if (rc < 0) {
            cJSON_Delete(o);
            break;
        }
        bool r = etsim_grade(given, gt, mode);
        cJSON_Delete(o);
        etsim_sbuf_puts(&out, r ? "true\n" : "false\n");
    }
    etsim_jsonl_close(&jr);
    etsim_grade_thread_cleanup();
    if (rc < 0) {
        etsim_sbuf_free(&out);
        return etsim_cli_fail(1, "%s", err.msg);
    }
    if (out.len) fwrite(out.data, 1, (size_t)out.len, stdout);
    etsim_sbuf_free(&out);
    if (fflush(stdout)) return etsim_cli_fail(1, "grade: cannot write the output");
    return 0;
}
