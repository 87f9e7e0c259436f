/* cost.h -- the GPU cost model's front door: resolve profiles and memory
 * into a simulation configuration, run the replay KV accounting and the
 * serving simulation over a set of replayed problems, and write the report
 * as JSON.
 *
 * In process (etsim replay --gpu ...): collect one etsim_cost_trace per
 * problem in the replay's sink with etsim_cost_traces_add (the tree can be
 * freed right after), then etsim_cost_run. From a file (etsim cost
 * RESULT.json): etsim_cost_traces_read_result (result_in.h). Nothing here
 * depends on a selector: only on what the replay did. */
#ifndef ETSIM_GPU_COST_H
#define ETSIM_GPU_COST_H

#include <stdio.h>

#include "gpu_model/cost_trace.h"
#include "gpu_model/des.h"
#include "gpu_model/kv_radix.h"
#include "gpu_model/measured.h"
#include "gpu_model/profiles.h"

typedef struct etsim_cost_config {
    /* profiles: a built-in name, or a user file (the file wins) */
    char *gpu, *prm_gpu;            /* prm_gpu NULL: same as gpu          */
    char *policy, *prm, *embedder;  /* embedder "none": no embedder cost  */
    char *gpu_file, *prm_gpu_file, *policy_file, *prm_file, *embedder_file;
    double policy_mem_fraction;     /* SGLang mem_fraction_static (0.88)  */
    double prm_mem_fraction;        /* ETS PRM server (0.85)              */
    double context_bytes;           /* CUDA context, activations (1 GiB)  */
    int64_t policy_kv_tokens;       /* 0: from memory; else fixed (or ETSIM_KV_UNLIMITED) */
    int64_t prm_kv_tokens;
    double kv_scale;                /* multiplies both pools (1; the band: 0.5-2) */
    int32_t tp, prm_tp;             /* tensor-parallel degree per server (1) */
    char *gpu_profile, *prm_gpu_profile; /* measured vidur profile directories */
    etsim_des_config des;           /* in-flight problems, sharing, ...   */
} etsim_cost_config;

void etsim_cost_config_init(etsim_cost_config *c);
void etsim_cost_config_free(etsim_cost_config *c);
/* Set one option by name (the `etsim cost --cost-set key=value` keys; README
 * lists them): gpu, prm_gpu, policy, prm, embedder, gpu_file, prm_gpu_file,
 * policy_file, prm_file, embedder_file, inflight, sharing,
 * policy_mem_fraction, prm_mem_fraction, context_bytes, policy_kv_tokens,
 * prm_kv_tokens (a count or "unlimited"), kv_tokens (both), max_running,
 * max_prefill_tokens, reserve_ratio, select_s, select_per_cand_s,
 * select_pair_s, embed_batch, series_max, kv_scale, tp, prm_tp, gpu_profile,
 * prm_gpu_profile, batching (separate | chunked | mixed), decode_steps. */
int etsim_cost_config_set(etsim_cost_config *c, const char *key, const char *value,
                          etsim_err *err);

/* Command-line flags for the cost model, shared by `etsim cost` and
 * `etsim replay`: if argv[*i] is one (--gpu, --prm-gpu, --policy, --prm,
 * --embedder, --gpu-file, --prm-gpu-file, --policy-file, --prm-file,
 * --embedder-file, --inflight, --sharing, --tp, --batching, --gpu-profile,
 * --prm-gpu-profile, --cost-set KEY=VALUE), apply it,
 * advance *i past its value and return 1; 0 if it is another flag; -1 on
 * a bad value or a missing one. */
int etsim_cost_config_arg(etsim_cost_config *c, int argc, char **argv, int *i, etsim_err *err);

/* A growable set of traces, one per problem, in problem order. */
typedef struct etsim_cost_traces {
    etsim_cost_trace *v;
    int32_t n;
    int64_t cap;
} etsim_cost_traces;

int etsim_cost_traces_add(etsim_cost_traces *set, const etsim_problem_result *r, etsim_err *err);
void etsim_cost_traces_free(etsim_cost_traces *set);

/* The resolved setup of one server. */
typedef struct etsim_cost_server_setup {
    etsim_gpu_profile gpu;
    etsim_model_profile model;      /* the whole model                    */
    etsim_model_profile shard;      /* one GPU's share (= model at TP 1)  */
    int32_t tp;
    etsim_measured *measured;       /* --gpu-profile; NULL: analytic only */
    double mem_fraction;
    int64_t kv_pool_tokens;
    const char *pool_from;          /* "memory", "set" or "unlimited"     */
} etsim_cost_server_setup;

typedef struct etsim_cost_report {
    etsim_cost_server_setup policy, prm;
    etsim_model_profile embedder;
    int has_embedder;
    etsim_des_config des;           /* as run                             */
    double context_bytes;
    etsim_des_result sim;
    etsim_kv_replay_stats *kv;      /* per problem (replay accounting)    */
    etsim_kv_replay_stats kv_total; /* sums; mean = per round; peak = max */
    int32_t n_problems;
    /* more top-level report fields (the band of cost_band.h), when set */
    void (*write_extra)(FILE *fp, const void *ctx);
    const void *extra_ctx;
} etsim_cost_report;

/* Resolve profiles and pools (errors: unknown names, models that do not
 * fit, bad constants) without running anything. */
int etsim_cost_resolve(const etsim_cost_config *c, etsim_cost_report *rep, etsim_err *err);

int etsim_cost_run(const etsim_cost_config *c, const etsim_cost_trace *traces, int32_t n,
                   etsim_cost_report *rep, etsim_err *err);
void etsim_cost_report_free(etsim_cost_report *rep);

/* The JSON report; per-problem entries when with_problems. */
void etsim_cost_report_write_json(FILE *fp, const etsim_cost_report *rep, int with_problems);
/* The regime of a run, from its busier server: "pool-bound" when
 * admission waited for KV during more than a quarter of its busy time or
 * recomputation exceeded 5% of the tokens processed; else "compute-bound"
 * when compute-bound terms are more than half its busy time; else
 * "bandwidth-bound". */
const char *etsim_cost_regime(const etsim_cost_report *rep);

/* A few human-readable lines. */
void etsim_cost_report_print_summary(FILE *fp, const etsim_cost_report *rep);

#endif
