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
 * ETS harness (etsim_import_ets): a directory of answer_q{id}.json node
 * dumps ({"nodes_info": [{id, text, score, parent_id, depth, leaf}, ...]})
 * becomes one tree per question, the complete recorded search. */
#ifndef ETSIM_EVAL_IMPORT_H
#define ETSIM_EVAL_IMPORT_H

#include <stdio.h>

#include "sim/eval/extract.h"
#include "sim/eval/sal.h"
#include "sim/tree.h"
#include "sim/util.h"

typedef struct etsim_import_stats {
    int rows;             /* rows / files read                           */
    int imported;         /* problems written                            */
    int skipped_mismatch; /* rows whose step and score counts disagree   */
    int skipped_unknown;  /* rows not found in the dataset               */
    long nodes;           /* nodes written, roots included               */
    long merged_steps;    /* steps that reused an existing node          */
    long score_conflicts; /* merged steps whose scores differed          */
    long text_not_prefix; /* ETS dumps: a node's text does not extend its
                           * parent's, so it is kept whole as the step   */
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
int etsim_import_ets(const char *dir, const etsim_import_opts *o, etsim_import_stats *st, etsim_err *err);

#endif
