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

#include "sim/util.h"

typedef struct etsim_embed_opts {
    const char *in;           /* trace to read                                */
    const char *out;          /* trace to write (NULL: replace `in`)           */
    const char *backend;      /* "http(s)://..." or "fasttext:MODEL"           */
    const char *model;        /* embedding model name (http; NULL: /models)    */
    const char *fasttext_bin; /* program (NULL: $ETSIM_FASTTEXT or "fasttext") */
    const char *encoding;     /* f32 | f16 | i8 (NULL: the trace's, else f16)  */
    int32_t batch;            /* texts per HTTP request (64)                   */
} etsim_embed_opts;

typedef struct etsim_embed_report {
    int32_t problems;
    int64_t nodes, embedded;  /* nodes, nodes with text that got a vector     */
    int32_t dim;
    int64_t requests;
} etsim_embed_report;

int etsim_embed_trace(const etsim_embed_opts *o, etsim_embed_report *rep, etsim_err *err);

#endif
