/* extract.h -- final-answer extraction from a solution text, one profile
 * per recording convention (a trace header says which one applies):
 *
 *  shepherd  Math-Shepherd / ETS / REBASE: the first match of
 *            `The answer is:(.+) ки` ('.' stays on one line, greedy, so the
 *            last " ки" of that line ends it), stripped, every comma removed;
 *            no match gives "[invalid]".
 *  gsm8k     `The answer is: (-?[0-9.,]+)`, stripped, commas removed, else
 *            "[invalid]".
 *  boxed     the last \boxed{...} (or \fbox{...}) with brace matching;
 *            "\boxed 5" reads up to '$'; unbalanced braces give "[invalid]".
 *  sal       search-and-learn's Qwen-math parser (sal_parse.h): last
 *            \boxed{} else "answer is" else the last number, normalised by
 *            its own strip_string.
 *
 * Clean grader mode changes one documented quirk: shepherd and gsm8k keep
 * commas that separate tuple elements (only thousands separators are
 * removed), so "(1,2)" is not read as "(12)". */
#ifndef ETSIM_EVAL_EXTRACT_H
#define ETSIM_EVAL_EXTRACT_H

#include "sim/eval/grader.h"
#include "sim/eval/pystr.h"

#define ETSIM_INVALID_ANSWER "[invalid]"

typedef enum etsim_extract_profile {
    ETSIM_EXTRACT_SHEPHERD = 0,
    ETSIM_EXTRACT_GSM8K = 1,
    ETSIM_EXTRACT_BOXED = 2,
    ETSIM_EXTRACT_SAL = 3,
} etsim_extract_profile;

int etsim_extract_profile_parse(const char *s); /* -1 if unknown */
const char *etsim_extract_profile_name(etsim_extract_profile p);

/* The answer of `text` (never NULL; "[invalid]" when nothing is found;
 * text NULL also gives "[invalid]", as the reference does for None). */
const char *etsim_extract_answer(etsim_arena *a, const char *text, etsim_extract_profile p,
                                 etsim_grader_mode mode);

/* The contents of the last \boxed{...} / \fbox{...}, or NULL. */
const char *etsim_extract_last_boxed(etsim_arena *a, const char *text);

#endif
