/* result_read.h -- the one reader of replay result files (result.h; the
 * engine writes them, so the engine reads them), streaming one problem at
 * a time, for evaluation (`etsim eval`, `etsim export`: leaves, answers,
 * step scores) and for the cost model (`etsim cost`: the tree's shape and
 * the decisions). It also reads the ETS / REBASE harness's answers.json (a
 * top-level array of {id, question, model_answer: [{text, step_scores}],
 * ground_truth_answer, total_tokens}), so real harness outputs can be
 * scored the same way.
 *
 * A field mask (ETSIM_RR_*) says which fields of a problem to materialise;
 * every other value is only scanned. Why streaming: a width-256 result of
 * 500 problems is 50-70 MB, most of it the "decisions" log; cJSON over the
 * whole file would hold ~1 GB of nodes. The reader walks the document with
 * a small byte scanner over a fixed read buffer (or the caller's memory),
 * checks that skipped values balance their brackets and end their
 * strings, reads integer arrays (node parents and tokens, decision
 * candidates) itself and hands the other wanted values of one problem
 * (ids, answers, counters, leaves, node texts) to cJSON. Memory is one
 * problem's wanted fields. The input is untrusted: every field read is
 * checked (types, ranges, parents before children, candidates and leaves
 * naming generated nodes).
 *
 * Order: "etsim_result" (must be 1) must come before "problems"; "config"
 * (selector, width, meta.answer_format, meta.dataset) is read when it
 * comes before "problems" (the writer always puts it there); "summary"
 * after the problems is checked against the number of problems read.
 *
 * Errors are one line: "FILE:LINE: problem K: field "leaves[3].step_scores"
 * is not an array" (K = position in the problem list, LINE = the line the
 * problem starts on) or "FILE:LINE: malformed JSON (...)". */
#ifndef ETSIM_RESULT_READ_H
#define ETSIM_RESULT_READ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/engine/engine.h"

typedef enum etsim_rr_format {
    ETSIM_RR_RESULT = 0,   /* etsim replay result (object)          */
    ETSIM_RR_ANSWERS = 1,  /* ETS/REBASE answers.json (array)       */
} etsim_rr_format;

/* The field mask: what a problem materialises ("index" always). A field
 * a mask bit names is required unless marked optional. */
enum {
    /* evaluation: "answer" (ground truth), "leaves" (node, answer, tokens,
     * step_scores); optional "id", "subject", "level", "prompt_tokens",
     * "counters". answers.json: its problems need this bit. */
    ETSIM_RR_LEAVES = 1 << 0,
    /* optional nodes.parent and nodes.text (texts need the parents) */
    ETSIM_RR_NODES = 1 << 1,
    /* nodes.parent and nodes.tokens, same length */
    ETSIM_RR_TOKENS = 1 << 2,
    /* "decisions": each one's "candidates" (node ids) and whether it
     * logged "clusters" (the selector ran the embedder) */
    ETSIM_RR_DECISIONS = 1 << 3,
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
    int32_t n_nodes;       /* with ETSIM_RR_NODES / _TOKENS; 0 if absent */
    int32_t *parent;       /* parent[0] = -1, parent[k] in [0, k)      */
    int32_t *tokens;       /* ETSIM_RR_TOKENS: step tokens (root: prompt) */
    const char **text;     /* NULL when the result has no texts        */
    /* ETSIM_RR_DECISIONS: decision d saw the candidates
     * candidates[cand_off[d] .. cand_off[d + 1]) (node ids, checked
     * against n_nodes when the nodes were read) and logged clusters when
     * clustered[d] is 1. */
    int32_t n_decisions;
    int64_t *cand_off;     /* n_decisions + 1 entries                  */
    int32_t *candidates;
    uint8_t *clustered;
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
 * first problem. flags: the field mask (ETSIM_RR_*). */
int etsim_result_reader_open(etsim_result_reader *r, const char *path, int flags, etsim_err *err);
/* The same over an open stream (not closed by the reader); name is used in
 * messages. */
int etsim_result_reader_open_fp(etsim_result_reader *r, FILE *fp, const char *name, int flags, etsim_err *err);
/* The same over text[0..len) in memory (not copied: it must outlive the
 * reader; no NUL terminator needed). */
int etsim_result_reader_open_mem(etsim_result_reader *r, const char *text, size_t len, const char *name,
                                 int flags, etsim_err *err);
/* 1 and *out (valid until the next call or close) for a problem, 0 at the
 * end (after the rest of the document was checked), -1 on error. */
int etsim_result_reader_next(etsim_result_reader *r, etsim_rr_problem **out, etsim_err *err);
void etsim_result_reader_close(etsim_result_reader *r);

#endif
