/* capture_internal.h -- what the capture driver (capture.c) and its
 * configuration parser (capture_config.c) share. */
#ifndef ETSIM_LIVE_CAPTURE_INTERNAL_H
#define ETSIM_LIVE_CAPTURE_INTERNAL_H

#include "sim/engine/engine.h"
#include "traces/capture/capture.h"

typedef struct cap_sel {
    char *name;               /* label: result file name, report line    */
    etsim_search_config cfg;
} cap_sel;

typedef struct cap_config {
    etsim_live_config live;
    char *dataset, *dataset_name, *answer_format, *out;
    int32_t first, end;       /* end -1: to the end of the problem set   */
    cap_sel *sels;
    int n_sels;
    int32_t in_flight;
    int zstd_level;
    char *capture_json;       /* canonical settings                       */
    uint64_t hash;            /* of the canonical settings, URLs excluded */
    int shard_i, shard_n;     /* capture_shard.c: shard i of n, 0/0 = all */
} cap_config;

int cap_config_load(const char *path, const char *synthetic, cap_config *c, etsim_err *err);
void cap_config_free(cap_config *c);
char *cap_settings_json(const cap_config *c, const char *counts_json);
uint64_t cap_settings_hash(const char *settings_json);
/* The hash of canonical settings (a cJSON object), server URLs excluded. */
struct cJSON;
uint64_t cap_canon_hash(const struct cJSON *canon);

/* capture_shard.c: record shard i of n (1-based) in the canonical settings
 * ("shard": [i, n]) and the hash, so a shard's --resume never takes
 * another shard's file; the range itself is narrowed by cap_shard_range. */
void cap_config_shard(cap_config *c, int i, int n);
/* Narrow [*first, *end) to shard i of n: contiguous, balanced, in order
 * (the first (end-first) % n shards get one problem more). */
void cap_shard_range(int i, int n, int32_t *first, int32_t *end);

#endif
