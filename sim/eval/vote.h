/* vote.h -- from a problem's finished leaves to one answer, exactly as the
 * ETS / REBASE math_evaluate.py does it, over plain arrays so that replay
 * results can call it in process.
 *
 * Step-score aggregation (a leaf's scores, root to leaf; NaN = missing,
 * the reference's None):
 *   last  empty -> 0; last missing -> 0; else the last score
 *   min   empty -> 0; running minimum starting at 1 (scores above 1 never
 *         count), missing skipped
 *   prod  empty -> 0; product of the present scores
 *   mean  empty -> 0; mean of the present scores (0 if none) -- the
 *         reference would crash on a missing score in mean/prod
 * Selection:
 *   best      best-of-N: the first leaf whose aggregate is strictly greater
 *             than everything before it (so the first maximum wins)
 *   majority  / weighted: each answer is graded against every existing
 *             class representative and adds its weight (1, or the
 *             aggregate) to EVERY class it matches; when a class total
 *             strictly exceeds the running maximum (which starts at 0)
 *             the answer currently voting becomes the chosen one. An
 *             answer matching no class starts a new one and becomes the
 *             chosen one when its own weight strictly exceeds the running
 *             maximum (math_evaluate.py's `if weight > max_vote`), so a
 *             later class whose first leaf outweighs the leader wins, and
 *             ties keep the earlier choice. When nothing ever exceeds 0
 *             (all-zero weights, or no leaves) there is no answer: the
 *             reference keeps max_rep = None and grades the string "None"
 *             (wrong unless the truth itself reads "None").
 * Clean grader mode: "[invalid]" answers do not vote. */
#ifndef ETSIM_EVAL_VOTE_H
#define ETSIM_EVAL_VOTE_H

#include <stdbool.h>

#include "sim/eval/extract.h"
#include "sim/eval/grader.h"

typedef enum etsim_agg { ETSIM_AGG_LAST = 0, ETSIM_AGG_MIN, ETSIM_AGG_PROD, ETSIM_AGG_MEAN } etsim_agg;
typedef enum etsim_vote { ETSIM_VOTE_BEST = 0, ETSIM_VOTE_MAJORITY, ETSIM_VOTE_WEIGHTED } etsim_vote;

int etsim_agg_parse(const char *s);   /* -1 if unknown */
int etsim_vote_parse(const char *s);  /* "best", "majority", "weighted"; -1 if unknown */
const char *etsim_agg_name(etsim_agg a);
const char *etsim_vote_name(etsim_vote v);

double etsim_agg_scores(const double *scores, int n, etsim_agg agg);

/* One finished leaf: its full solution text (answer extracted with the
 * profile) or an already extracted answer, and its step scores. */
typedef struct etsim_leaf {
    const char *text;     /* used when answer is NULL                       */
    const char *answer;   /* pre-extracted answer, or NULL                  */
    const double *scores; /* root..leaf step scores, NaN = missing          */
    int n_scores;
} etsim_leaf;

typedef struct etsim_eval_opts {
    etsim_agg agg;                 /* aggregation (weight for weighted vote) */
    etsim_vote vote;
    etsim_extract_profile extract;
    etsim_grader_mode grader;
} etsim_eval_opts;

/* Default for paper numbers: weighted majority, last step score,
 * Math-Shepherd extraction, reference grader. */
etsim_eval_opts etsim_eval_opts_default(void);

typedef struct etsim_vote_result {
    int chosen;          /* leaf whose answer was chosen, -1 for none */
    const char *answer;  /* its answer (arena), NULL for none         */
    double support;      /* best aggregate, or the winning class total */
    bool correct;        /* graded against gt (false when gt NULL)    */
} etsim_vote_result;

/* Select an answer among n leaves and grade it against gt (may be NULL).
 * Strings in the result live in the arena. */
void etsim_vote_select(etsim_arena *a, const etsim_leaf *leaves, int n, const char *gt,
                       const etsim_eval_opts *o, etsim_vote_result *out);

#endif
