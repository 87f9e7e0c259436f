/* live.h -- the live oracle: children come from real model servers. A
 * policy server (OpenAI-compatible /v1/completions: vLLM, SGLang,
 * llama.cpp) writes each step, a PRM scores it (one module per scoring
 * convention, traces/capture/prm_*.c) and an embedder (/v1/embeddings) embeds its
 * text. Everything received is recorded in the tree, so a trace written
 * from it replays offline exactly.
 *
 * Two ways to drive it:
 *  - through the oracle vtable (sim/engine/oracle.h): expand(node, want) sends the
 *    requests for the missing children and waits for them. Simple, but one
 *    expansion at a time (calls are serialised by a lock).
 *  - asynchronously, as the covering capture does (traces/capture/capture.c):
 *    after etsim_live_attach(), etsim_live_request() starts the requests for
 *    a node's missing children and returns at once; the driver requests
 *    every child its searches need (etsim_search_step's needs, merged over
 *    the configurations of every problem in flight), drives the HTTP client
 *    (etsim_live_poll), and once all replies of a problem are in adds the
 *    children, in request order (etsim_live_commit), then answers the needs
 *    and steps the searches again. Only finished children ever enter a
 *    tree, and the vtable is never called on the driver's trees.
 *
 * Child i of a node is made once and memoised in the tree; requests carry
 * a seed derived from (seed, problem, node key, first ordinal asked), so a
 * server that honours `seed` gives the same children on a re-run. */
#ifndef ETSIM_LIVE_H
#define ETSIM_LIVE_H

#include <stdint.h>

#include "traces/capture/http.h"
#include "sim/engine/oracle.h"

struct cJSON;

enum { ETSIM_TOKENS_LOGPROBS = 0, ETSIM_TOKENS_USAGE, ETSIM_TOKENS_TOKENIZE };

/* Which server software answers a URL (traces/capture/servers.h): what its
 * replies look like and what makes its children reproducible. */
enum { ETSIM_SRV_AUTO = 0, ETSIM_SRV_VLLM, ETSIM_SRV_SGLANG, ETSIM_SRV_LLAMACPP };

#define ETSIM_LIVE_MAX_LIST 16

typedef struct etsim_live_config {
    /* servers ("..._url" are base URLs such as http://HOST:PORT/v1) */
    char *policy_url, *policy_model;
    char *prm_url, *prm_model, *prm_kind;   /* shepherd-logprobs | rlhflow | reward-head */
    char *embed_url, *embed_model;          /* embed_url NULL: no embeddings */
    char *tokenize_url;                     /* full URL, for token_count "tokenize" */
    /* generation */
    char *step_delimiter;                   /* "\n\n", "ки", ...              */
    char *stop[ETSIM_LIVE_MAX_LIST];        /* stop strings (default: delimiter) */
    int n_stop;
    char *prompt_template;                  /* "{question}" replaced          */
    char *step_template;                    /* "{step}" replaced; default "{step}<delimiter>" */
    int32_t max_step_tokens;                /* 256                            */
    double temperature, top_p;              /* 1.0, 1.0                       */
    uint64_t seed;
    int send_seed;                          /* 1: send per-request seeds      */
    int split_n;                            /* 1: n requests of n=1 each      */
    int split_n_set;                        /* split_n was given in the config */
    int policy_server, prm_server;          /* ETSIM_SRV_*; AUTO: from the probe */
    int sglang_deterministic;               /* probe: --enable-deterministic-inference */
    int prm_act_softmax;                    /* probe: vLLM 0.10.0-0.11.0 reads /pooling's
                                               activation switch as "softmax", not
                                               "use_activation" (oracle_live.c) */
    int token_count;                        /* ETSIM_TOKENS_*                 */
    char *answer_markers[ETSIM_LIVE_MAX_LIST]; /* step text containing one = leaf */
    int n_markers;
    int eos_is_leaf;                        /* an EOS-terminated step is a leaf */
    char *policy_extra;                     /* JSON object text merged into policy requests */
    /* PRM */
    char *prm_question_template;            /* shepherd/head: "{question} "   */
    char *prm_step_template;                /* "{step} ки"                    */
    char *prm_step_join;                    /* "\n"                           */
    char *plus[ETSIM_LIVE_MAX_LIST], *minus[ETSIM_LIVE_MAX_LIST];
    int n_plus, n_minus;
    /* labels given as token ids (prm_plus / prm_minus as integers): matched
     * by id, never by the server's decoded text */
    int32_t plus_ids[ETSIM_LIVE_MAX_LIST], minus_ids[ETSIM_LIVE_MAX_LIST];
    int n_plus_ids, n_minus_ids;
    int32_t prm_top_logprobs;               /* 20                             */
    char *prm_transform;                    /* reward-head: sigmoid-mean | mean | first */
    char *prm_pooling_task;                 /* reward-head: optional "task"   */
    /* embeddings */
    char *embed_encoding;                   /* f16 (trace encoding; values are rounded through it) */
    int32_t embed_batch;                    /* inputs per request (64)        */
    /* transport */
    etsim_http_opts http;
    long probe_timeout_ms;                  /* start-up checks (3000)         */
} etsim_live_config;

void etsim_live_config_init(etsim_live_config *c);
void etsim_live_config_free(etsim_live_config *c);
/* Apply one member of a JSON config object. Returns 1 when `key` is a live
 * key (applied), 0 when it is not one, -1 (err names the key) when the
 * value is wrong. */
int etsim_live_config_key(etsim_live_config *c, const char *key, const struct cJSON *v,
                          etsim_err *err);
/* Check required keys and fill derived defaults. */
int etsim_live_config_finish(etsim_live_config *c, etsim_err *err);
/* Canonical JSON of the settings that determine the recorded content
 * (malloc'd). */
char *etsim_live_config_json(const etsim_live_config *c);

/* One problem of the dataset (JSONL: problem|question, answer, unique_id|id,
 * subject, level; GSM8K answers are cut after "####"). */
typedef struct etsim_live_problem {
    char *id, *question, *answer, *subject;
    int32_t level;
} etsim_live_problem;

typedef struct etsim_live_dataset {
    etsim_live_problem *p;
    int32_t n;
} etsim_live_dataset;

/* path: a JSONL file, or "math500" / "gsm8k" for the built-in sets. */
int etsim_live_dataset_load(const char *path, etsim_live_dataset *d, etsim_err *err);
void etsim_live_dataset_free(etsim_live_dataset *d);

typedef struct etsim_live_counts {
    int64_t policy_requests, prm_requests, embed_requests, tokenize_requests;
    int64_t children;          /* children materialised                       */
    int64_t tokens;            /* their generated tokens                      */
    int64_t prm_no_score;      /* PRM gave no score: the engine drops them    */
    int64_t prm_label_clipped; /* one label outside the top-k, taken as p = 0 */
    int64_t short_replies;     /* replies with fewer choices than asked       */
    int64_t invalid_utf8;      /* bytes replaced by U+FFFD in step texts      */
    int64_t maxlen;            /* steps cut at max_step_tokens                */
    int64_t eos;               /* steps ended by end-of-sequence              */
    int64_t duplicate_siblings;/* children whose text equals an earlier sibling's
                                  of the same request                          */
} etsim_live_counts;

void etsim_live_counts_add(etsim_live_counts *acc, const etsim_live_counts *c);
/* {"policy_requests": ..., ...} (malloc'd) */
char *etsim_live_counts_json(const etsim_live_counts *c);

/* Open: takes ownership of nothing (copies cfg), loads the dataset (its
 * problems become the oracle's problems 0..n-1), checks that every server
 * answers (GET <url>/models; an embedding of "probe" gives the dimension)
 * within probe_timeout_ms, naming the URL when one does not, and fills
 * o->meta (models, delimiter, emb_dim, encoding). */
etsim_oracle *etsim_live_open(const etsim_live_config *cfg, const char *dataset_path,
                              etsim_err *err);
int etsim_oracle_is_live(const etsim_oracle *o);
/* Registry entry "live" (traces/capture/capture_config.c): spec = the path of a
 * capture configuration; its server keys and dataset are used. */
extern const etsim_oracle_kind etsim_oracle_kind_live;
const etsim_live_config *etsim_live_get_config(const etsim_oracle *o);
etsim_http *etsim_live_http(etsim_oracle *o);
void etsim_live_get_counts(const etsim_oracle *o, etsim_live_counts *c);

/* ---- asynchronous expansion (covering capture) ------------------------- */
int etsim_live_attach(etsim_oracle *o, etsim_tree *t);  /* after open, before requests */
void etsim_live_detach(etsim_oracle *o, etsim_tree *t); /* drops unfinished work       */
/* Start the requests that make the first `want` children of `node` of an
 * attached tree. Returns 1 when started, 0 when they exist already, -1
 * with err (a node already requested since the last commit: merge the
 * wants first). */
int etsim_live_request(etsim_oracle *o, etsim_tree *t, int32_t node, int32_t want,
                       etsim_err *err);
/* Jobs of t not finished yet. */
int etsim_live_outstanding(etsim_oracle *o, etsim_tree *t);
/* Add the children of every finished job of t, in request order. */
int etsim_live_commit(etsim_oracle *o, etsim_tree *t, etsim_err *err);
/* Counters of the work done for t since attach (-1 if not attached). */
int etsim_live_problem_counts(etsim_oracle *o, etsim_tree *t, etsim_live_counts *c);
/* Drive the HTTP client for up to timeout_ms; -1 with err on a permanent
 * failure (the first one; every later call fails the same way). */
int etsim_live_poll(etsim_oracle *o, int timeout_ms, etsim_err *err);

#endif
