/* prm_label.h -- what the PRM modules share (traces/capture/prm_*.c): the
 * path text every text-in PRM reads, and the reading of the "+"/"-" labels
 * from the top logprobs of one generated token, with the checks that keep
 * a score from being silently wrong:
 *  - labels given as token ids (prm_plus / prm_minus integers) are matched
 *    by id: vLLM is asked for return_tokens_as_token_ids ("token_id:N"
 *    keys), llama.cpp names each entry's id anyway;
 *  - labels given as text are refused where the text cannot be trusted: a
 *    completions top list (an object keyed by decoded text) with fewer
 *    entries than asked while a label is among them (keys that decode alike
 *    overwrote each other: vLLM between PR #19209 and PR #48674 decodes
 *    each token alone, so "▁+" and "+" both become "+"), or one label
 *    present and the other absent (a token below the list cannot be told
 *    from one decoded to another text);
 *  - an empty top list, a logprob above 0 or NaN, and a reply whose shape
 *    differs from the first reply's are errors. */
#ifndef ETSIM_LIVE_PRM_LABEL_H
#define ETSIM_LIVE_PRM_LABEL_H

#include "traces/capture/prm.h"

/* P(+) / (P(+) + P(-)); 0 (no score) when neither label is in the list. */
int etsim_live_prm_label_score(const etsim_live_config *c, const char *body, size_t len,
                               double *score, etsim_live_counts *cnt, etsim_live_prm_seen *seen,
                               etsim_err *err);
/* Write the PRM path text (question template, then each step through the
 * step template, joined) as the inside of a JSON string. */
void etsim_live_prm_path_text(etsim_sbuf *b, const etsim_live_config *c, const char *question,
                              const char *const *steps, int n);
/* Fill err like etsim_errf and return ETSIM_PRM_REFUSED. */
int etsim_live_prm_refuse(etsim_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* ,"return_tokens_as_token_ids":true when the labels are ids and the PRM
 * server reads that field (vLLM; llama.cpp names ids unasked). */
void etsim_live_prm_ids_field(etsim_sbuf *b, const etsim_live_config *c);

#endif
