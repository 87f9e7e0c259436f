/* servers.c -- server software detection and its consequences (see
 * servers.h). A table of names and one resolver: every per-server rule of
 * the capture is decided here, once, at start-up. */
#include "traces/capture/servers.h"

#include <string.h>

static const char *const names[] = {"auto", "vllm", "sglang", "llama.cpp"};

const char *etsim_live_server_name(int kind) {
    return kind >= 0 && kind <= ETSIM_SRV_LLAMACPP ? names[kind] : "unknown";
}

int etsim_live_server_from_owned_by(const char *o) {
    if (!o) return -1;
    if (!strcmp(o, "vllm")) return ETSIM_SRV_VLLM;
    if (!strcmp(o, "sglang")) return ETSIM_SRV_SGLANG;
    if (!strcmp(o, "llamacpp")) return ETSIM_SRV_LLAMACPP;
    return -1;
}

static int resolve_one(int *kind, const char *key, const char *url, const char *owned,
                       etsim_err *err) {
    if (*kind != ETSIM_SRV_AUTO) return 0;
    int k = etsim_live_server_from_owned_by(owned);
    if (k < 0)
        return etsim_errf(err, "%s %s: /v1/models says owned_by '%s', which is no server etsim "
                               "knows (vllm, sglang, llamacpp); set \"%s\" to \"vllm\", "
                               "\"sglang\" or \"llama.cpp\" if it speaks one of their protocols",
                          !strcmp(key, "policy_server") ? "policy server" : "PRM server", url,
                          owned ? owned : "(none)", key);
    *kind = k;
    return 0;
}

int etsim_live_servers_resolve(etsim_live_config *c, const char *policy_owned_by,
                               const char *prm_owned_by, etsim_err *err) {
    if (resolve_one(&c->policy_server, "policy_server", c->policy_url, policy_owned_by, err) < 0 ||
        resolve_one(&c->prm_server, "prm_server", c->prm_url, prm_owned_by, err) < 0)
        return -1;
    if (c->policy_server == ETSIM_SRV_SGLANG || c->policy_server == ETSIM_SRV_LLAMACPP) {
        if (c->split_n_set && !c->split_n)
            return etsim_errf(err, "policy server %s: %s cannot make n distinct, countable "
                                   "children in one request (%s); remove \"split_n\": false",
                              c->policy_url, names[c->policy_server],
                              c->policy_server == ETSIM_SRV_SGLANG
                                  ? "every copy gets the same seed"
                                  : "n != 1 is HTTP 500 before PR #17775, and usage counts the "
                                    "first child only after it");
        c->split_n = 1;
    }
    if (c->n_plus_ids && c->prm_server == ETSIM_SRV_SGLANG && strcmp(c->prm_kind, "reward-head"))
        return etsim_errf(err, "PRM server %s: SGLang returns token texts, not ids, so labels "
                               "given as ids (prm_plus/prm_minus) cannot be matched; give them as "
                               "strings or serve the PRM with vLLM", c->prm_url);
    return 0;
}

void etsim_live_servers_note(const etsim_live_config *c, FILE *f) {
    const char *what;
    switch (c->policy_server) {
    case ETSIM_SRV_VLLM:
        what = c->send_seed ? "child j of a request seeded s is seeded s + j: a rerun reproduces "
                              "the children"
                            : "no seeds sent: a rerun records different children";
        break;
    case ETSIM_SRV_SGLANG:
        what = c->sglang_deterministic
                   ? "one request per child with its own seed, deterministic inference: a rerun "
                     "reproduces the children"
                   : "one request per child; without --enable-deterministic-inference SGLang "
                     "ignores seeds: a rerun or resume records different children";
        break;
    default:
        what = "one request per child with its own seed: a rerun on the same build and "
               "settings reproduces the children";
        break;
    }
    fprintf(f, "policy server %s (%s): %s\n", c->policy_url, names[c->policy_server], what);
    if (c->n_plus_ids == 0 && strcmp(c->prm_kind, "reward-head"))
        fprintf(f, "PRM server %s (%s): labels matched by text; a reply whose texts are ambiguous "
                   "stops the capture (give prm_plus/prm_minus as token ids to match by id)\n",
                c->prm_url, names[c->prm_server]);
}
