/* embed.h -- add or replace the step embeddings of a trace whose nodes
 * carry text (`etsim embed`), so that a trace imported from
 * search-and-learn outputs can run ETS with semantic coverage without a
 * GPU. Two backends:
 *   http://HOST:PORT/v1/embeddings   an OpenAI-compatible embedding server
 *   fasttext:MODEL.bin               a local fastText model through the
 *                                    `fasttext print-sentence-vectors`
 *                                    program (Debian package fasttext)
 * FastText vectors of step text stand in for the ETS paper's math BERT
 * (math-similarity/Bert-MLM_arXiv-MP-class_zbMath); they are not the same
 * vectors, and clustering thresholds tuned on one do not carry over. */
#ifndef ETSIM_LIVE_EMBED_H
#define ETSIM_LIVE_EMBED_H

#include <stdint.h>

#include "sim/core/util.h"

typedef struct etsim_embed_opts {
    const char *in;           /* trace to read                                */
    const char *out;          /* trace to write (NULL: replace `in`)           */
    const char *backend;      /* "http(s)://..." or "fasttext:MODEL"           */
    const char *model;        /* embedding model name (http; NULL: /models)    */
    const char *fasttext_bin; /* program (NULL: "fasttext" on $PATH; the CLI
                               * passes $ETSIM_FASTTEXT when set)          */
    const char *encoding;     /* f32 | f16 | i8 (NULL: the trace's, else f16)  */
    int32_t batch;            /* texts per HTTP request (64)                   */
} etsim_embed_opts;

/* Blank steps (text empty or only whitespace) are not sent to the backend
 * (fastText gives them a zero vector, HTTP servers may refuse them): they
 * get the zero vector, which ETS's clustering treats by a fixed rule (one
 * cluster of all zero vectors, apart from every other step; see
 * selectors/README.md, "Zero vectors"). Steps with text for which the
 * backend returned a zero vector are counted too. Problems are named by
 * their index in the problem set, nodes by their id in the trace. */
typedef struct etsim_embed_report {
    int32_t problems;
    int64_t nodes, embedded;  /* nodes, nodes with text that got a vector     */
    int32_t dim;
    int64_t requests;
    int64_t blank;            /* blank steps given the zero vector            */
    int32_t blank_problem, blank_node;     /* the first one (-1 if none)    */
    int64_t zero;             /* non-blank steps the backend gave 0 vectors   */
    int32_t zero_problem, zero_node;       /* the first one (-1 if none)    */
} etsim_embed_report;

int etsim_embed_trace(const etsim_embed_opts *o, etsim_embed_report *rep, etsim_err *err);

#endif
