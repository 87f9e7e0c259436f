/* grid.h -- a sweep grid: the cartesian product of sources (traces or
 * synthetic profiles), selectors with lists of parameter values, widths,
 * engine settings and GPU settings, expanded into a list of fully resolved
 * configurations, each identified by a hash of its canonical JSON.
 *
 * Grid file (JSON; sim/sweep/README.md documents every key):
 *   {
 *     "sources":   ["synthetic:default", {"trace": "t.etr"}, ...],
 *                  (any registered oracle kind: "KIND:SPEC", sim/engine/oracle.h)
 *     "selectors": [{"selector": "rebase"},
 *                   {"selector": "ets", "params": {"lambdac": [1, 1.5, 2]},
 *                    "widths": [64], "params_by_width": {"64": {"lambdas": 1.4}}}],
 *     "widths":    [16, 64, 256],
 *     "engine":    {"max_tokens": 1024, "root_tokens": ["prompt", "reference"]},
 *     "gpu":       [{"gpu": "h100-nvl", "policy": "llemma-34b", "prm": "llemma-34b-prm",
 *                    "inflight": 8}],
 *     "problems":  100, "first": 0,
 *     "blocks":    [{...same keys...}, ...]     optional: union of products
 *   }
 * Without "blocks" the file is one block. With "blocks", each block is a
 * product of its own keys, with the top level's keys as defaults. Configs
 * that come out identical (same hash) are kept once.
 *
 * Validation is complete before any work: every selector, parameter,
 * value, width, source and GPU name is checked and sources are opened, so
 * an error names the grid entry ("grid.json: blocks[1].selectors[2]: ...").
 *
 * Identity. A configuration's canonical JSON holds everything its result
 * lines depend on: the resolved search config (sim/engine/result.h's config
 * object, every selector parameter included), the source (kind, spec,
 * dataset and a digest of the source's header/profile), the problem range,
 * the GPU settings and the grading mode. Its hash keys the result lines.
 * The grid hash is a hash of the sorted config hashes, so reordering a
 * grid file changes nothing. */
#ifndef ETSIM_SWEEP_GRID_H
#define ETSIM_SWEEP_GRID_H

#include <stdint.h>

#include "gpu_model/cost.h"
#include "sim/engine/engine.h"
#include "sim/engine/oracle.h"

#define ETSIM_SWEEP_HASH_LEN 16 /* hex digits */

typedef struct etsim_sweep_source {
    char *kind;               /* a registered oracle kind ("trace", ...)   */
    char *spec;               /* as written in the grid                    */
    char *label;              /* short name for reports                    */
    char *dataset;            /* from the oracle's metadata (may be "")    */
    char digest[ETSIM_SWEEP_HASH_LEN + 1];
    int32_t n_problems;
    etsim_oracle *oracle;     /* open while the grid lives                 */
} etsim_sweep_source;

/* One GPU setting: options of the cost model (gpu_model/cost.h keys:
 * gpu, policy, prm, inflight, sharing, ...), checked by resolving them. */
typedef struct etsim_sweep_gpu {
    char **keys, **vals;      /* sorted by key                             */
    int32_t n;
    char *canon;              /* canonical JSON object {"key": "value"}    */
} etsim_sweep_gpu;

typedef struct etsim_sweep_config {
    char hash[ETSIM_SWEEP_HASH_LEN + 1];
    char *canon;              /* canonical JSON object                     */
    etsim_search_config search;
    int32_t source;           /* index into grid->sources                  */
    int32_t first, count;     /* problems [first, first + count)           */
    int32_t *gpus;            /* indices into grid->gpus                   */
    int32_t n_gpus;
    int32_t order;            /* position of first appearance in the file  */
} etsim_sweep_config;

typedef struct etsim_sweep_grid {
    etsim_sweep_source *sources;
    int32_t n_sources;
    etsim_sweep_gpu *gpus;
    int32_t n_gpus;
    etsim_sweep_config *configs;  /* sorted by hash                         */
    int32_t n_configs;
    int64_t n_units;              /* sum of config problem counts           */
    char hash[ETSIM_SWEEP_HASH_LEN + 1];
    char *origin;                 /* file name used in messages             */
} etsim_sweep_grid;

/* Parse, validate and expand a grid. base_dir resolves relative trace
 * paths (NULL = current directory). On error nothing stays allocated. */
int etsim_sweep_grid_parse(const char *json, size_t len, const char *origin,
                           const char *base_dir, etsim_sweep_grid *g, etsim_err *err);
int etsim_sweep_grid_load(const char *path, etsim_sweep_grid *g, etsim_err *err);
void etsim_sweep_grid_free(etsim_sweep_grid *g);

/* Index of the config with this hash, or -1. */
int32_t etsim_sweep_grid_find(const etsim_sweep_grid *g, const char *hash);

/* The grid description stored in an output directory (grid.json): the
 * grid hash, the shard, the grid's own text and base directory (so the
 * grid can be parsed again from the directory alone), and every config's
 * hash and canonical JSON. malloc'd. */
char *etsim_sweep_grid_describe(const etsim_sweep_grid *g, const char *shard,
                                const char *grid_text, const char *base_dir);

/* The cost model configuration of a GPU setting (free with
 * etsim_cost_config_free). */
int etsim_sweep_gpu_config(const etsim_sweep_gpu *s, etsim_cost_config *cc, etsim_err *err);

/* 16-hex-digit hash of a byte string (two FNV/mix passes folded). */
void etsim_sweep_hash_hex(const void *p, size_t n, char out[ETSIM_SWEEP_HASH_LEN + 1]);

#endif
