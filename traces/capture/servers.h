/* servers.h -- which server software answers the policy and PRM URLs, and
 * what follows from it. Read from the start-up probe (GET /v1/models:
 * data[0].owned_by is "vllm", "sglang" or "llamacpp"; SGLang's
 * /server_info (before: /get_server_info) says whether it runs with
 * --enable-deterministic-inference; vLLM's /version whether it predates
 * 0.7, and for a reward-head PRM whether /pooling's activation switch is
 * named "softmax" (0.10.0-0.11.0) or "use_activation") or set in the config (policy_server,
 * prm_server). What each server needs for its children to be correct and
 * reproducible:
 *   vLLM       n children per request; child j of a request seeded s is
 *              seeded s + j: a rerun reproduces them.
 *   SGLang     every copy of an n > 1 request gets the same seed (and a
 *              default server ignores seeds): one request per child with
 *              its own seed (split_n), reproducible only in deterministic
 *              mode.
 *   llama.cpp  releases before PR #17775 answer n != 1 with HTTP 500, later
 *              ones report usage for the first child only, and its
 *              logprobs omit a stop word's tokens: one request per child
 *              (split_n), token counts from usage.completion_tokens. */
#ifndef ETSIM_LIVE_SERVERS_H
#define ETSIM_LIVE_SERVERS_H

#include <stdio.h>

#include "traces/capture/live.h"

const char *etsim_live_server_name(int kind);
/* ETSIM_SRV_* for a /v1/models owned_by, -1 when unknown. */
int etsim_live_server_from_owned_by(const char *owned_by);
/* Resolve policy_server / prm_server (AUTO: from owned_by) and apply what
 * follows (split_n; labels as ids need a server that returns ids). One
 * line naming the server and the remedy when it cannot work. */
int etsim_live_servers_resolve(etsim_live_config *c, const char *policy_owned_by,
                               const char *prm_owned_by, etsim_err *err);
/* One line per role saying what a rerun of this capture reproduces (on
 * stdout: stderr is kept for the one line of an error). */
void etsim_live_servers_note(const etsim_live_config *c, FILE *f);

#endif
