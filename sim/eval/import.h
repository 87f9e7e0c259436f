/* import.h -- bring recorded searches from other tools into etsim traces.
 *
 * search-and-learn (etsim_import_sal): each row's completions are split on
 * the blank line "\n\n" into steps that must align one-to-one with that
 * completion's scores; completions sharing a prefix of identical steps
 * share those nodes (one tree per problem); leaves get the answer
 * search-and-learn's parser extracts. Token counts are estimated from the
 * text (about 4 bytes a token; the header says tokens_estimated). A row
 * whose step and score counts disagree is skipped and counted, never
 * shifted onto the wrong steps.
 *
 * ETS harness (etsim_import_ets), what the public rebase.py (SqueezeAILab/ETS
 * @ac937a7) writes: answers.json, a list of questions {"id", "question",
 * "model_answer": [{"text", "step_scores"}], "ground_truth_answer",
 * "total_tokens"} (lines 686-697, 748-755), or its per-question copies
 * answer_q{id}.json in a directory. A leaf's text is state.text(): the
 * prompt question + "\n" (line 648; llemma and mistral policies) and then
 * every generation, each stopped at the step tag "ки" (lines 167, 170), so
 * the text after the prompt is cut right after each tag (a blank tail joins
 * the last step) into as many steps as the leaf has step_scores (one per
 * node below the root, line 689: the PRM score of that step, line 196).
 * Steps with the same text and score under the same parent share a node;
 * every listed leaf is a node of its own (identical leaves stay two votes).
 * The root's text is the question; leaves get the answer the reference
 * extraction reads from the whole text (opts.extract); tokens are
 * estimated as above. A question whose texts cannot be split so (a text
 * not starting with the question, e.g. the llama chat template, or a step
 * count that differs from the scores) is skipped and counted, never shifted.
 * The same directory may instead hold node dumps ({"nodes_info": [{id, text,
 * score, parent_id, depth, leaf}, ...]}, which rebase.py builds but does not
 * write): one tree per question, the complete recorded search; a node's
 * step is its text after its parent's.
 * With a dataset, a question is placed at its id when the dataset's
 * question there is the same, else where that question is; one found
 * nowhere is skipped ("not in the dataset").
 *
 * Both imports fail, writing nothing, when no problem was imported; the
 * message says why (rows/questions not in the dataset, with the first one
 * and a hint that --dataset may be the wrong file; every row skipped, with
 * the first reason). */
#ifndef ETSIM_EVAL_IMPORT_H
#define ETSIM_EVAL_IMPORT_H

#include <stdio.h>

#include "sim/eval/extract.h"
#include "sim/eval/sal.h"
#include "sim/core/tree.h"
#include "sim/core/util.h"

typedef struct etsim_import_stats {
    int rows;             /* rows / files read                           */
    int imported;         /* problems written                            */
    int skipped_mismatch; /* rows whose step and score counts disagree   */
    int skipped_unknown;  /* rows not found in the dataset               */
    int skipped_duplicate;/* rows of a problem imported already          */
    long nodes;           /* nodes written, roots included               */
    long merged_steps;    /* steps that reused an existing node          */
    long score_conflicts; /* merged steps whose scores differed          */
    long text_not_prefix; /* ETS dumps: a node's text does not extend its
                           * parent's, so it is kept whole as the step   */
    long leaves;          /* ETS: leaves imported                        */
    int from_answers;     /* ETS: questions imported from the answers form */
    int no_leaves;        /* ETS: questions imported without any leaf    */
    long text_not_rejoined; /* ETS answers: leaves whose text the steps,
                           * joined as `etsim export` joins them
                           * (etsim_eval_join_text), do not give back    */
    char first_skip[ETSIM_ERR_MAX];    /* first skip reason, "" if none    */
    char first_unknown[256];           /* first row not in the dataset     */
} etsim_import_stats;

/* Estimated tokens of a text: max(1, ceil(bytes / 4)). */
int32_t etsim_import_estimate_tokens(const char *text);

/* Build the tree of one search-and-learn row. Returns 0, or 1 when the row
 * is skipped because a completion's step count differs from its score
 * count (*bad_completion gets which one). */
int etsim_sal_build_tree(const etsim_sal_row *r, int32_t index, etsim_tree *t, etsim_import_stats *st,
                         int *bad_completion);

typedef struct etsim_import_opts {
    const char *dataset;        /* benchmark file (MATH500/GSM8K), or NULL */
    const char *out;            /* trace path                              */
    FILE *report;               /* skipped rows, agreement; may be NULL     */
    etsim_extract_profile extract; /* ETS import: answer extraction         */
} etsim_import_opts;

int etsim_import_sal(const char *in, const etsim_import_opts *o, etsim_import_stats *st, etsim_err *err);
/* in: answers.json (or one question of it), or a directory of
 * answer_q{id}.json files (either form), else its answers.json. */
int etsim_import_ets(const char *in, const etsim_import_opts *o, etsim_import_stats *st, etsim_err *err);

#endif
