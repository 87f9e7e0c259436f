/* result_read.h -- streaming reader of the files `etsim eval` and
 * `etsim export` consume, one problem at a time:
 *
 *  - replay result files (sim/engine/result.h; a top-level object), and
 *  - the ETS / REBASE harness's answers.json (a top-level array of
 *    {id, question, model_answer: [{text, step_scores}], ground_truth_answer,
 *    total_tokens}), so real harness outputs can be scored the same way.
 *
 * Why streaming: a width-256 result of 500 problems is 50-70 MB, most of it
 * the "decisions" log that scoring never needs; cJSON over the whole file
 * would hold ~1 GB of nodes. The reader walks the document with a small
 * byte scanner over a fixed read buffer, skips the values it does not need
 * (checking only that brackets balance and strings end) and hands just the
 * needed values of one problem (ids, answers, counters, leaves, optionally
 * node parents and texts) to cJSON. Memory is one problem's leaves plus,
 * with ETSIM_RR_NODES, its node arrays.
 *
 * Order: "etsim_result" (must be 1) must come before "problems"; "config"
 * (selector, width, meta.answer_format, meta.dataset) is read when it
 * comes before "problems" (the writer always puts it there); "summary"
 * after the problems is checked against the number of problems read.
 *
 * Errors are one line: "FILE:LINE: problem K: field "leaves[3].step_scores"
 * is not an array" (K = position in the problem list, LINE = the line the
 * problem starts on) or "FILE:LINE: malformed JSON (...)". */
#ifndef ETSIM_EVAL_RESULT_READ_H
#define ETSIM_EVAL_RESULT_READ_H

#include <stdint.h>
#include <stdio.h>

#include "sim/engine/engine.h"
#include "sim/eval/pystr.h"

typedef enum etsim_rr_format {
    ETSIM_RR_RESULT = 0,   /* etsim replay result (object)          */
    ETSIM_RR_ANSWERS = 1,  /* ETS/REBASE answers.json (array)       */
} etsim_rr_format;

enum {
    ETSIM_RR_NODES = 1,    /* also read nodes.parent and nodes.text  */
};

typedef struct etsim_rr_leaf {
    int32_t node;          /* result node id; -1 in answers.json       */
    const char *answer;    /* NULL when null or absent                 */
    const char *text;      /* answers.json: the leaf's text; else NULL */
    int64_t tokens;        /* cumulative tokens, -1 if absent          */
    double *scores;        /* root-to-leaf step scores, NaN = null     */
    int32_t n_scores;
} etsim_rr_leaf;

typedef struct etsim_rr_problem {
    int32_t pos;           /* position in the file's problem list      */
    long line;             /* line the problem starts on               */
    int32_t index;         /* "index" (result) / "id" (answers.json)   */
    const char *id;        /* dataset id, NULL if absent               */
    const char *answer;    /* ground truth, NULL if null               */
    const char *subject;   /* NULL if absent                           */
    const char *question;  /* answers.json question / nodes.text[0]    */
    int32_t level;         /* 0 if absent                              */
    int32_t prompt_tokens;
    int has_counters;
    etsim_counters counters;
    int64_t total_tokens;  /* answers.json total_tokens, else counters.tokens_generated; -1 if neither */
    int32_t n_nodes;       /* with ETSIM_RR_NODES; 0 when absent       */
    int32_t *parent;       /* parent[k] in [-1, k)                     */
    const char **text;     /* NULL when the result has no texts        */
    etsim_rr_leaf *leaves;
    int32_t n_leaves;
} etsim_rr_problem;

typedef struct etsim_rr_impl etsim_rr_impl;

typedef struct etsim_result_reader {
    etsim_rr_format format;
    const char *path;       /* as given (for messages)                 */
    /* from "config" (result files); NULL / 0 when absent */
    char *selector;
    int32_t width;
    char *answer_format;
    char *dataset;
    int32_t problems_read;
    etsim_rr_impl *impl;
} etsim_result_reader;

/* Open PATH ("-" = standard input), detect the format, read up to the
 * first problem. */
int etsim_result_reader_open(etsim_result_reader *r, const char *path, int flags, etsim_err *err);
/* The same over an open stream (not closed by the reader); name is used in
 * messages. */
int etsim_result_reader_open_fp(etsim_result_reader *r, FILE *fp, const char *name, int flags, etsim_err *err);
/* 1 and *out (valid until the next call or close) for a problem, 0 at the
 * end (after the rest of the document was checked), -1 on error. */
int etsim_result_reader_next(etsim_result_reader *r, etsim_rr_problem **out, etsim_err *err);
void etsim_result_reader_close(etsim_result_reader *r);

#endif
