/* oracle_live.h -- what the live oracle's files share: the oracle's
 * private state, an expansion job (the requests that make children
 * [k0, want) of one node) and the per-tree context of asynchronous
 * expansion (the jobs of one tree and its counters). */
#ifndef ETSIM_ORACLE_LIVE_H
#define ETSIM_ORACLE_LIVE_H

#include <pthread.h>

#include "traces/capture/live.h"
#include "traces/capture/prm.h"

typedef struct lv_kid {
    char *text;
    char *stop_str;       /* the stop string the server matched, or NULL    */
    int32_t tokens;       /* -1 until known                                */
    int finish;           /* ETSIM_FINISH_*                                */
    int32_t invalid_utf8;
    int has_text;
    int has_score;
    double score;
    float *emb;           /* emb_dim floats, already rounded through the trace encoding */
} lv_kid;

typedef struct lv_live lv_live;
typedef struct lv_ctx lv_ctx;

enum { LV_POLICY = 0, LV_SCORING = 1, LV_DONE = 2 };

typedef struct lv_job {
    lv_live *L;
    lv_ctx *cx;           /* NULL for a synchronous expansion              */
    etsim_tree *t;
    int32_t problem, node, k0, want;
    uint64_t node_key;
    lv_kid *kids;         /* want - k0                                      */
    char **steps;         /* ancestor step texts, root excluded (copies)    */
    int n_steps;
    char *prompt;         /* policy prompt, JSON-escaped (no quotes)        */
    size_t prompt_len;
    int32_t prompt_tokens;/* usage.prompt_tokens of a reply, -1             */
    int outstanding;      /* requests in flight                             */
    int32_t duplicates;   /* children equal to an earlier sibling of their request */
    int stage;
} lv_job;

struct lv_ctx {
    etsim_tree *t;
    lv_job **jobs;        /* requested, in request order                    */
    int32_t n_jobs;
    int64_t cap_jobs;
    int32_t jobs_left;    /* not LV_DONE                                     */
    etsim_live_counts counts;
};

typedef struct lv_call lv_call;

struct lv_live {
    etsim_live_config cfg;
    etsim_live_dataset data;
    const etsim_live_prm *prm;
    etsim_http *http;
    char *completions_url, *prm_endpoint, *embed_endpoint;
    char *policy_model, *prm_model, *embed_model;
    int32_t emb_dim;
    int emb_enc;
    lv_ctx **ctxs;
    int32_t n_ctx;
    int64_t cap_ctx;
    lv_call *calls;       /* requests in flight (freed at close if cancelled) */
    etsim_live_prm_seen prm_seen; /* shape of the first PRM reply         */
    int failed;
    etsim_err fail;
    etsim_live_counts counts;
    pthread_mutex_t lock; /* serialises the synchronous vtable path         */
};

/* jobs (live_job.c) */
lv_job *lv_job_new(lv_live *L, lv_ctx *cx, etsim_tree *t, int32_t node, int32_t want);
void lv_job_start(lv_job *j);
int lv_job_commit(lv_job *j, etsim_err *err);
void lv_job_free(lv_job *j);
/* Forget the calls of a job (their replies will be ignored). */
void lv_job_orphan(lv_job *j);
void lv_fail(lv_live *L, const etsim_err *e);
void lv_calls_free(lv_live *L);
/* Final answer of a leaf step (\boxed{...} or the text after a marker). */
char *lv_extract_answer(const etsim_live_config *c, const char *text);

#endif
