/* fuzz_result_read.c -- libFuzzer target for the streaming reader of
 * replay results and ETS answers.json (sim/engine/result_read.h, with
 * evaluation's field mask) and the scoring of
 * what it reads (score.h): the input is the file. Every problem it yields
 * is scored with both graders; crashes, sanitizer reports and a problem
 * scored differently twice are the findings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/eval/score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0 || size > (1 << 16)) return 0;
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp) return 0;
    etsim_err err = {{0}};
    etsim_result_reader rr;
    if (etsim_result_reader_open_fp(&rr, fp, "fuzz", ETSIM_RR_LEAVES | ETSIM_RR_NODES, &err) == 0) {
        etsim_rr_problem *p;
        etsim_eval_opts o = etsim_eval_opts_default();
        while (etsim_result_reader_next(&rr, &p, &err) == 1) {
            for (int g = 0; g < 2; g++) {
                o.grader = (etsim_grader_mode)g;
                etsim_problem_eval a, b;
                if (etsim_eval_rr_problem(p, rr.answer_format, &o, &a, &err)) break;
                if (etsim_eval_rr_problem(p, rr.answer_format, &o, &b, &err)) abort();
                if (a.correct != b.correct || a.chosen != b.chosen ||
                    (a.answer && (!b.answer || strcmp(a.answer, b.answer))))
                    abort();
                etsim_problem_eval_free(&a);
                etsim_problem_eval_free(&b);
            }
        }
        etsim_result_reader_close(&rr);
    }
    fclose(fp);
    return 0;
}
