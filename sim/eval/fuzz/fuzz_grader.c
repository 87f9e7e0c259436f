/* fuzz_grader.c -- libFuzzer target for the answer graders: the input is
 * split at its first newline into (given, ground truth); both grader
 * modes, both normalisation passes, the LaTeX-to-text converter, every
 * extraction profile and search-and-learn's parser and grouping key run on
 * it. Crashes, sanitizer reports and non-determinism (grading the same pair
 * twice must agree) are the findings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/eval/extract.h"
#include "sim/eval/grader.h"
#include "sim/eval/latex2text.h"
#include "sim/eval/normalize.h"
#include "sim/eval/sal_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = 0;
    char *nl = memchr(buf, '\n', strlen(buf));
    const char *given = buf, *gt = "";
    if (nl) {
        *nl = 0;
        gt = nl + 1;
    }
    bool r1 = etsim_grade(given, gt, ETSIM_GRADER_REFERENCE);
    bool r2 = etsim_grade(given, gt, ETSIM_GRADER_REFERENCE);
    if (r1 != r2) abort();
    if (r1 && !etsim_grade(given, gt, ETSIM_GRADER_CLEAN)) abort(); /* clean only adds equalities */
    etsim_arena a;
    etsim_arena_init(&a);
    (void)etsim_norm_mathd(&a, given);
    (void)etsim_norm_prm(&a, gt);
    (void)etsim_latex_to_text(&a, given);
    for (int p = 0; p < 4; p++) (void)etsim_extract_answer(&a, buf, (etsim_extract_profile)p, ETSIM_GRADER_REFERENCE);
    (void)etsim_sal_canonical(&a, etsim_sal_extract_answer(&a, given));
    etsim_arena_free(&a);
    free(buf);
    return 0;
}
