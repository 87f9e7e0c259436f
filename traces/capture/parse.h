/* parse.h -- parsers for the replies of model servers (OpenAI-compatible
 * completions, chat completions, embeddings and models; vLLM's pooling and
 * tokenize), separated from the HTTP code so that they can be fuzzed
 * (traces/capture/fuzz/fuzz_live_parse.c) and tested on recorded bytes.
 *
 * Every parser treats the reply as untrusted: a reply that is not JSON,
 * lacks a field, has a field of the wrong type or a value out of range
 * fails with one line naming the field (the caller adds the URL, request
 * and reply). Texts are repaired to valid UTF-8 (each invalid byte becomes
 * U+FFFD) and the repairs are counted, never hidden. */
#ifndef ETSIM_LIVE_PARSE_H
#define ETSIM_LIVE_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/util.h"

enum {
    ETSIM_FINISH_STOP = 0,   /* a stop string was matched                    */
    ETSIM_FINISH_LENGTH = 1, /* max_tokens reached                          */
    ETSIM_FINISH_EOS = 2,    /* end of sequence (the server said so)        */
    ETSIM_FINISH_OTHER = 3,  /* anything else ("abort", "error", "repetition",
                                missing): the step did not end as asked, and
                                the capture refuses it (live_job.c)          */
};

typedef struct etsim_live_choice {
    char *text;              /* malloc'd, valid UTF-8                        */
    int32_t tokens;          /* entries of logprobs.tokens (vLLM, SGLang) or
                                logprobs.content (llama.cpp), -1 none        */
    int finish;              /* ETSIM_FINISH_*                               */
    char finish_name[24];    /* the reply's finish_reason as sent ("" none)  */
    int32_t invalid_utf8;    /* bytes replaced by U+FFFD                      */
    char *stop_str;          /* the stop string the server says it matched
                                (vLLM stop_reason, SGLang matched_stop), or NULL */
    double logprob_sum;      /* sum of the generated tokens' logprobs, NAN unknown */
    int logprobs_state;      /* ETSIM_LP_*: what the choice's "logprobs" was  */
} etsim_live_choice;

/* A choice's "logprobs" member: an object, null, or no such key. llama.cpp
 * writes null when it kept no entry and omits nothing; a server that
 * ignored the request's "logprobs" writes null (or, in forks, nothing)
 * for every reply (live_job.c, lcpp_logprobs_ignored). */
enum { ETSIM_LP_OBJECT = 0, ETSIM_LP_NULL = 1, ETSIM_LP_ABSENT = 2 };

typedef struct etsim_live_completion {
    etsim_live_choice *choices; /* ordered by the reply's "index"           */
    int32_t n;
    int32_t prompt_tokens;      /* usage.prompt_tokens, -1 unknown           */
    int32_t completion_tokens;  /* usage.completion_tokens, -1 unknown       */
} etsim_live_completion;

/* /v1/completions reply. At most max_choices choices are accepted. */
int etsim_live_parse_completion(const char *body, size_t len, int32_t max_choices,
                                etsim_live_completion *out, etsim_err *err);
void etsim_live_completion_free(etsim_live_completion *c);

/* The PRM's "+" and "-" labels: token strings, or (n_plus_ids > 0) token
 * ids, matched against vLLM's "token_id:N" keys (return_tokens_as_token_ids)
 * or llama.cpp's "id" fields. */
typedef struct etsim_live_labels {
    const char *const *plus;
    int n_plus;
    const char *const *minus;
    int n_minus;
    const int32_t *plus_ids, *minus_ids;
    int n_plus_ids, n_minus_ids;
} etsim_live_labels;

enum { ETSIM_TOP_DICT = 1, ETSIM_TOP_LIST = 2 };

/* What the top list at the first generated position said of the labels. */
typedef struct etsim_live_label_read {
    double p_plus, p_minus;  /* summed over the matching variants           */
    int found_plus, found_minus; /* matching entries                         */
    int entries;             /* entries of the top list                      */
    int form;                /* ETSIM_TOP_DICT (completions: token -> logprob)
                                or ETSIM_TOP_LIST (chat, llama.cpp)          */
    int with_ids;            /* every entry carried a token id               */
} etsim_live_label_read;

/* Probabilities of the labels at the first generated position: from a
 * /v1/completions reply (choices[0].logprobs.top_logprobs[0], an object
 * token -> logprob) or a /v1/chat/completions or llama.cpp reply
 * (choices[0].logprobs.content[0].top_logprobs, a list of {token,
 * logprob[, id]}). Variants matching a label are summed; a label outside
 * the returned top-k contributes 0. With labels given as ids, an entry
 * whose id cannot be read is an error (the server ignored
 * return_tokens_as_token_ids). */
int etsim_live_parse_label_probs(const char *body, size_t len, const etsim_live_labels *lab,
                                 etsim_live_label_read *out, etsim_err *err);

/* vLLM /pooling reply, data[0].data: rows (arrays of numbers, one per token
 * or per step tag) or a flat list of numbers (flat = 1; then each number is
 * a row of width 1). Every row must have the same width. */
typedef struct etsim_live_pooling {
    int32_t rows, width;
    int flat;
    double last_mean, last_first, last_sum, last_min, last_max;
} etsim_live_pooling;
int etsim_live_parse_pooling(const char *body, size_t len, etsim_live_pooling *out,
                             etsim_err *err);

/* /v1/embeddings reply for `n` inputs: out gets n * dim floats in input
 * order. *dim: in, expected dimension (0 = take the reply's); out, the
 * dimension. */
int etsim_live_parse_embeddings(const char *body, size_t len, int32_t n, int32_t *dim,
                                float **out, etsim_err *err);

/* /v1/models reply: the first model id (malloc'd), or NULL when none. */
int etsim_live_parse_models(const char *body, size_t len, char **first_id, etsim_err *err);
/* data[0].owned_by of a /v1/models reply (malloc'd), NULL when absent. */
char *etsim_live_parse_owned_by(const char *body, size_t len);

/* vLLM /tokenize reply: "count" (or the length of "tokens"). */
int etsim_live_parse_tokenize(const char *body, size_t len, int32_t *count, etsim_err *err);

/* Copy s (len bytes, may contain invalid UTF-8 but no NUL) into a new
 * string where each byte that does not start a valid UTF-8 sequence is
 * replaced by U+FFFD; *bad gets the count. */
char *etsim_live_utf8_repair(const char *s, size_t len, int32_t *bad);

#endif
