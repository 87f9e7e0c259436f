/* des.h -- deterministic discrete-event simulation of the ETS serving
 * setup: T problems in flight, a policy server and a PRM server on
 * separate GPUs, the embedder co-located with the PRM, selection on the
 * host.
 *
 * Per problem and round: selection (host time) -> every fork of the round
 * is a policy request that decodes its step (length from the trace) ->
 * when it finishes, a PRM request prefills the new step (plus any part of
 * its path the PRM's cache lost) -> when all forks of the round are
 * scored, the next selection starts (after the embedder, on the PRM GPU,
 * if that selection clustered). A finished problem frees its slot for the
 * next problem in index order.
 *
 * Each server runs continuous batching in iterations: requests waiting in
 * FIFO order are admitted while the prefill token budget, the running
 * limit and the KV pool allow (the pool must hold the request's missing
 * path, and reserve_ratio x its remaining decode tokens beyond what
 * running requests reserved); an iteration decodes one token for every
 * decoding request and prefills chunks for the admitted ones, its time
 * given by the roofline model (roofline.h). KV lives in an LRU radix pool
 * (kv_radix.h); when decode finds it full, the latest-admitted decoding
 * requests are retracted, lose their KV and recompute it when readmitted.
 *
 * Events are ordered by (time, sequence number); there is no wall clock,
 * no hashing and no thread, so a run is a pure function of its inputs. */
#ifndef ETSIM_GPU_DES_H
#define ETSIM_GPU_DES_H

#include <stdint.h>

#include "gpu_model/cost_trace.h"
#include "gpu_model/profiles.h"

typedef struct etsim_des_server_cfg {
    const etsim_model_profile *model;
    const etsim_gpu_profile *gpu;
    int64_t pool_tokens;        /* KV pool capacity; ETSIM_KV_UNLIMITED   */
    int32_t max_running;        /* requests admitted at once              */
    int32_t max_prefill_tokens; /* prefill tokens per iteration (chunking) */
} etsim_des_server_cfg;

/* How a server batches (gpu_model/README.md cites each server's code):
 *   SEPARATE  a prefill-only iteration whenever waiting requests can be
 *             admitted, else a run of `decode_steps` decode iterations
 *             (SGLang <= 0.3's default, the server of the ETS harness);
 *   CHUNKED   every iteration decodes all running requests and fills the
 *             rest of a `max_prefill_tokens` token budget with prefill
 *             chunks (vLLM V1, Sarathi-Serve);
 *   MIXED     every iteration decodes all running requests plus up to
 *             `max_prefill_tokens` prefill tokens (SGLang with
 *             --enable-mixed-chunk). */
typedef enum etsim_batching {
    ETSIM_BATCH_SEPARATE = 0,
    ETSIM_BATCH_CHUNKED = 1,
    ETSIM_BATCH_MIXED = 2,
} etsim_batching;

typedef struct etsim_des_config {
    etsim_des_server_cfg policy, prm;
    const etsim_model_profile *embedder; /* on the PRM GPU; NULL: no cost */
    int32_t inflight;           /* problems in flight, T >= 1             */
    etsim_batching batching;    /* how servers form iterations            */
    int32_t decode_steps;       /* SEPARATE: decode iterations per run (10) */
    double sharing;             /* s in [0, 1], see roofline.h            */
    double reserve_ratio;       /* (0, 1]: 1 = requests wait, never retracted */
    double select_s;            /* host time per selection                */
    double select_per_cand_s;   /* ... per candidate                      */
    double select_pair_s;       /* ... per candidate pair when clustering */
    int32_t embed_batch;        /* sequences per embedder forward         */
    int32_t series_max;         /* occupancy series points kept (>= 2)    */
} etsim_des_config;

#define ETSIM_DES_HIST 16       /* bucket k: 2^k <= requests < 2^(k+1)   */

typedef struct etsim_des_point {
    double t;
    int64_t used, referenced, unshared;
} etsim_des_point;

typedef struct etsim_des_server_stats {
    int64_t pool_tokens;
    double busy_s, linear_s, attention_s, overhead_s;
    int64_t iterations;
    int64_t batch_hist[ETSIM_DES_HIST];
    int64_t batch_max;
    double batch_sum;           /* sum over iterations of requests        */
    int64_t decode_tokens, prefill_tokens, recomputed_tokens;
    int64_t evictions, evicted_tokens, retractions;
    double linear_flops, attention_flops;
    double compute_s;           /* of busy_s, compute-bound terms (roofline.h) */
    double pool_wait_s;         /* iterations run while admission waited for KV */
    double embed_s;             /* PRM GPU only: embedder time            */
    int64_t embed_calls;
    /* occupancy, tokens, time-weighted over [0, makespan] */
    double used_mean, referenced_mean, unshared_mean;
    int64_t used_peak, referenced_peak, unshared_peak;
    etsim_des_point *series;
    int32_t n_series;
} etsim_des_server_stats;

typedef struct etsim_des_problem_stats {
    int32_t problem;
    double start_s, end_s;
    int64_t generated_tokens, scored_tokens;
    int64_t recomputed_policy, recomputed_prm;
    int32_t rounds;
} etsim_des_problem_stats;

typedef struct etsim_des_result {
    double makespan_s;
    double host_select_s;       /* total host selection time (overlapped) */
    int64_t generated_tokens, scored_tokens;
    etsim_des_server_stats policy, prm;
    etsim_des_problem_stats *problems; /* one per trace, input order      */
    int32_t n_problems;
} etsim_des_result;

void etsim_des_config_defaults(etsim_des_config *c);

/* Run the simulation over n traces (in order). Fails on a configuration
 * that cannot run (a pool smaller than one request's path), naming the
 * problem and node. */
int etsim_des_run(const etsim_des_config *cfg, const etsim_cost_trace *traces, int32_t n,
                  etsim_des_result *out, etsim_err *err);
void etsim_des_result_free(etsim_des_result *r);

#endif
