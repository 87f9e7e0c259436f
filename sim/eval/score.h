/* score.h -- accuracy of replayed searches: one answer per problem chosen
 * from its finished leaves (vote.h), graded against the problem's ground
 * truth, totalled with per-subject and per-level breakdowns (MATH500).
 * Works in process on an etsim_problem_result (the replay sink) and on
 * problems read back from a result file or an ETS answers.json
 * (result_read.h); both give the same numbers for the same search.
 *
 * Which answer a leaf gives -- as the reference evaluation would read it:
 *  - a leaf with an answer string (synthetic oracle, imported traces): the
 *    answer is written into the answer line of the extraction profile
 *    (etsim_eval_answer_text: "The answer is: A ки" for shepherd/gsm8k,
 *    "The final answer is $\boxed{A}$." for boxed, search-and-learn's
 *    "Therefore, the final answer is: $\boxed{A}$" for sal) and read back
 *    with that profile. That is exactly what `etsim export` writes for a
 *    leaf without text, so our accuracy equals what math_evaluate.py
 *    computes on the exported answers.json; it also reproduces the
 *    reference's quirks (reference grader mode removes every comma, so a
 *    tuple answer "(1,2)" reads "(12)"; --grader clean keeps tuple commas).
 *    Exception: under the sal profile the answer is used as it is -- it is
 *    already search-and-learn's reading of the completion (etsim import
 *    sal), and that parser is not idempotent (an answer "\boxed{x}" read
 *    back through "$\boxed{...}$" would lose its \boxed).
 *  - a leaf without an answer but with step texts: the root-to-leaf text
 *    (etsim_eval_join_text: the question, a newline, then the steps --
 *    shepherd/gsm8k steps each end in the " ки" tag and sit on their own
 *    lines, boxed/sal steps are separated by a blank line, as
 *    search-and-learn splits them) through the profile.
 *  - neither: "[invalid]", counted in n_no_answer.
 * Ground truth is the problem's answer (tree->prob.answer / "answer");
 * a problem without one counts as wrong (and is counted).
 * The profile is the trace's answer_format (etsim_meta.answer_format /
 * config.meta.answer_format) or, when that is NULL, opts->extract. */
#ifndef ETSIM_EVAL_SCORE_H
#define ETSIM_EVAL_SCORE_H

#include <stdbool.h>
#include <stdio.h>

#include "sim/engine/engine.h"
#include "sim/engine/result.h"
#include "sim/engine/result_read.h"
#include "sim/eval/pystr.h"
#include "sim/eval/vote.h"

/* answer_format name (NULL: o->extract) -> profile; unknown name: error. */
int etsim_eval_profile(const char *answer_format, const etsim_eval_opts *o, etsim_extract_profile *out,
                       etsim_err *err);

/* The answer line of profile p for answer A (see above). */
const char *etsim_eval_answer_text(etsim_arena *a, const char *answer, etsim_extract_profile p);
/* The text of a root-to-leaf path: question (may be NULL) and n step texts
 * (NULL entries read as empty). NULL when question and every step are NULL. */
const char *etsim_eval_join_text(etsim_arena *a, const char *question, const char *const *steps, int32_t n,
                                 etsim_extract_profile p);
/* The answer a leaf gives (answer, else text, else NULL = none). */
const char *etsim_eval_leaf_answer(etsim_arena *a, const char *answer, const char *text, etsim_extract_profile p,
                                   etsim_grader_mode g);

typedef struct etsim_problem_eval {
    int32_t index;          /* problem index                              */
    int32_t n_leaves;
    int32_t n_no_answer;    /* leaves with neither answer nor text        */
    int32_t chosen;         /* leaf (position in the leaf list) chosen, -1 */
    char *answer;           /* the chosen answer (owned), NULL for none   */
    double support;         /* winning class weight / best aggregate      */
    bool has_gt;            /* the problem has a ground-truth answer       */
    bool correct;
    etsim_extract_profile profile; /* profile used                        */
} etsim_problem_eval;

int etsim_eval_problem(const etsim_problem_result *r, const char *answer_format, const etsim_eval_opts *o,
                       etsim_problem_eval *out, etsim_err *err);
int etsim_eval_rr_problem(const etsim_rr_problem *p, const char *answer_format, const etsim_eval_opts *o,
                          etsim_problem_eval *out, etsim_err *err);
void etsim_problem_eval_free(etsim_problem_eval *e);

/* ---- totals ------------------------------------------------------------------ */
typedef struct etsim_eval_group {
    char *subject;          /* by-subject groups ("(none)" when absent)   */
    int32_t level;          /* by-level groups (0 = unknown)              */
    int64_t problems, correct;
} etsim_eval_group;

typedef struct etsim_eval_acc {
    etsim_eval_opts opts;
    etsim_extract_profile profile; /* of the last problem added           */
    int64_t problems, correct;
    int64_t leaves, leaves_no_answer, no_leaves, no_gt;
    etsim_eval_group *subjects;
    int64_t n_subjects, cap_subjects;
    etsim_eval_group *levels;
    int64_t n_levels, cap_levels;
} etsim_eval_acc;

void etsim_eval_acc_init(etsim_eval_acc *acc, const etsim_eval_opts *o);
void etsim_eval_acc_add(etsim_eval_acc *acc, const etsim_problem_eval *e, const char *subject, int32_t level);
/* etsim_eval_problem + etsim_eval_acc_add with the tree's subject/level. */
int etsim_eval_acc_add_result(etsim_eval_acc *acc, const etsim_problem_result *r, const char *answer_format,
                              etsim_err *err);
double etsim_eval_acc_percent(const etsim_eval_acc *acc); /* 0 when no problems */
/* "accuracy 52.80% (264/500) ..." and, with breakdown, per subject/level. */
void etsim_eval_acc_print(FILE *fp, const etsim_eval_acc *acc, int breakdown);
/* The totals as one JSON object (subjects sorted by name, levels ascending). */
void etsim_eval_acc_json(etsim_sbuf *b, const etsim_eval_acc *acc);
void etsim_eval_acc_free(etsim_eval_acc *acc);

/* The result writer's "accuracy" section (sim/engine/result.h): the
 * default vote over each problem written, extracted with the source's
 * answer format. Init fills s->hook; pass &s->hook to
 * etsim_result_writer_open and free s after the writer is done. */
typedef struct etsim_eval_summary {
    etsim_eval_acc acc;
    char *answer_format;
    etsim_result_summary hook;
} etsim_eval_summary;

void etsim_eval_summary_init(etsim_eval_summary *s, const char *answer_format);
void etsim_eval_summary_free(etsim_eval_summary *s);

#endif
