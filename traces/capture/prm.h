/* prm.h -- process reward models, one module per scoring convention:
 *   shepherd-logprobs  prm_shepherd.c  Math-Shepherd: the path with each step
 *                      ending in the tag "ки"; score = P("+") normalised over
 *                      the "+"/"-" labels right after the last tag, read from
 *                      the top logprobs of one generated token
 *                      (/v1/completions, max_tokens 1, temperature 0).
 *   rlhflow            prm_rlhflow.c   RLHFlow chat PRMs: each step a user
 *                      turn answered "+" by the assistant; score = P("+")
 *                      over "+"/"-" at the answer to the last step
 *                      (/v1/chat/completions, top_logprobs).
 *   reward-head        prm_head.c      a scalar reward head (the Llemma-34B
 *                      PRM of REBASE/ETS): per-token head outputs from vLLM's
 *                      /pooling for the path ending in the tag; score =
 *                      sigmoid(mean of the outputs at the last position).
 * Each module builds the request for "score the last step of this path"
 * and reads the reply: a score, or none (the child is then dropped by the
 * engine, as the reference drops it, and counted). What the label modules
 * share (reading "+"/"-" from top logprobs, the path text) is in
 * prm_label.c; this file's prm.c is the registry alone, so that no module
 * of the PRM family needs another and its own caller. */
#ifndef ETSIM_LIVE_PRM_H
#define ETSIM_LIVE_PRM_H

#include <stddef.h>

#include "sim/core/sbuf.h"
#include "traces/capture/live.h"

/* The shape of the first PRM reply (form of the top list, ids or texts, a
 * pooling row's width): a server whose replies change shape mid-capture is
 * refused, since what the new shape means was never checked. */
typedef struct etsim_live_prm_seen {
    int form;       /* 0 = nothing seen yet; ETSIM_TOP_DICT / _LIST; 3 = pooling */
    int with_ids;
    int32_t width;  /* pooling row width (0 = flat list)                 */
} etsim_live_prm_seen;

#define ETSIM_PRM_REFUSED (-2)

typedef struct etsim_live_prm {
    const char *name;
    const char *path; /* appended to prm_url unless prm_url already ends with it */
    /* Body for scoring steps[n-1] given steps[0..n-2] (n >= 1). */
    char *(*request)(const etsim_live_config *c, const char *model, const char *question,
                     const char *const *steps, int n, size_t *len);
    /* 1: *score set; 0: no score; -1: malformed reply (err names the
     * field); ETSIM_PRM_REFUSED: a well-formed reply that cannot give a
     * trustworthy score (ambiguous labels, a wrong or changed shape, no
     * probability; err names the label or field and the remedy). */
    int (*score)(const etsim_live_config *c, const char *body, size_t len, double *score,
                 etsim_live_counts *cnt, etsim_live_prm_seen *seen, etsim_err *err);
} etsim_live_prm;

const etsim_live_prm *etsim_live_prm_find(const char *name);

extern const etsim_live_prm etsim_live_prm_shepherd;
extern const etsim_live_prm etsim_live_prm_rlhflow;
extern const etsim_live_prm etsim_live_prm_head;

#endif
