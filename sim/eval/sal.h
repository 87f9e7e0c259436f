/* sal.h -- HuggingFace search-and-learn result files (JSON Lines, one row
 * per problem: problem, answer, unique_id, subject, level, completions[n],
 * scores[n][steps], optional completion_tokens[n] and agg_scores[n], and
 * the stored votes pred_naive@k / pred_maj@k / pred_weighted@k).
 *
 * etsim_sal_check recomputes the votes with search-and-learn's own rules
 * (first k completions, "last" step score, Qwen-math extraction; naive =
 * the highest score, first one on ties; maj = the largest group, first on
 * ties; weighted = the group with the largest score sum, first on ties;
 * groups keyed by etsim_sal_canonical) and reports agreement with the
 * stored values, explaining every disagreement. */
#ifndef ETSIM_EVAL_SAL_H
#define ETSIM_EVAL_SAL_H

#include <stdbool.h>
#include <stdio.h>

#include "sim/eval/pystr.h"
#include "sim/core/util.h"

#define ETSIM_SAL_MAX_K 16

typedef struct etsim_sal_row {
    long line;                 /* line in the file (1-based)                 */
    char *problem, *answer, *unique_id, *subject;
    int level;
    int n;                     /* completions                                */
    char **completions;
    double **scores;           /* scores[i][0..n_scores[i])                  */
    int *n_scores;
    int *tokens;               /* completion_tokens or NULL                  */
    double *agg_scores;        /* stored agg_scores or NULL                  */
    int n_k;
    int ks[ETSIM_SAL_MAX_K];
    char *pred[3][ETSIM_SAL_MAX_K]; /* [naive, maj, weighted][k index], may be NULL */
} etsim_sal_row;

typedef struct etsim_sal_file {
    etsim_sal_row *rows;
    int n_rows;
} etsim_sal_file;

/* Read a whole file; errors name file, line and field. */
int etsim_sal_read(const char *path, etsim_sal_file *f, etsim_err *err);
void etsim_sal_free(etsim_sal_file *f);

enum { ETSIM_SAL_NAIVE = 0, ETSIM_SAL_MAJ = 1, ETSIM_SAL_WEIGHTED = 2 };

typedef struct etsim_sal_agree {
    long total[3], agree[3];   /* per vote kind, over all rows and k        */
    long rows_all_naive;       /* rows whose every pred_naive@k agrees      */
    long agg_mismatch;         /* stored agg_scores != last step score      */
} etsim_sal_agree;

/* Recompute search-and-learn's vote of one row for the first k
 * completions; returns "\boxed{...}" in the arena. */
const char *etsim_sal_vote(etsim_arena *a, const etsim_sal_row *r, int k, int kind);

/* Check every row; writes the per-file summary and one line per
 * disagreement to `report` (may be NULL). */
void etsim_sal_check(const etsim_sal_file *f, const char *name, FILE *report, etsim_sal_agree *out);

#endif
