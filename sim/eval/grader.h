/* grader.h -- answer equivalence exactly as the ETS / REBASE evaluation
 * scripts judge it: the PRM800K grade_answer() with sympy switched off.
 *
 * grade(given, gt) is true when
 *   1. the mathd normalisations of both are equal, or
 *   2. the PRM800K normalisations are equal, or
 *   3. (tuple/interval step) both split into the same number of elements
 *      with the same brackets and every element pair is equal -- where,
 *      with sympy off, the only element pairs that count as equal are two
 *      identical fractions "a/b" (unreduced fractions never equal reduced
 *      ones). Everything else that sympy would have simplified is false.
 *
 * ETSIM_GRADER_CLEAN fixes the reference's known quirks, documented and
 * never the default: identical tuple elements count as equal (the
 * reference needs sympy to see "5" == "5" inside "(5)" vs "5"); the other
 * clean fixes live where the quirks are (extract.h keeps commas inside
 * tuples, vote.h keeps "[invalid]" answers out of the vote). */
#ifndef ETSIM_EVAL_GRADER_H
#define ETSIM_EVAL_GRADER_H

#include <stdbool.h>

#include "sim/eval/pystr.h"

typedef enum etsim_grader_mode {
    ETSIM_GRADER_REFERENCE = 0,
    ETSIM_GRADER_CLEAN = 1,
} etsim_grader_mode;

/* Parse "reference" / "clean"; -1 if unknown. */
int etsim_grader_mode_parse(const char *s);
const char *etsim_grader_mode_name(etsim_grader_mode m);

/* An answer with both normalisations computed once (for voting, where the
 * same answers are compared many times). Strings live in the arena. */
typedef struct etsim_prepared {
    const char *raw;   /* NULL: "no answer" (never equal to anything) */
    const char *mathd;
    const char *prm;
} etsim_prepared;

void etsim_grade_prepare(etsim_arena *a, const char *answer, etsim_prepared *out);
bool etsim_grade_prepared(etsim_arena *a, const etsim_prepared *given, const etsim_prepared *gt,
                          etsim_grader_mode mode);

/* One-shot grading with a per-thread scratch arena (reset every call). */
bool etsim_grade(const char *given, const char *gt, etsim_grader_mode mode);

/* Release the calling thread's scratch arena now. Optional: a thread's
 * arena is freed when the thread exits; the main thread may call this
 * before exit for leak checkers. */
void etsim_grade_thread_cleanup(void);

#endif
