/* cover.h -- covering runs: the union of the children that a list of search
 * configurations requests from an oracle, one problem at a time. This is
 * how `etsim synth` writes a synthetic trace that every listed selector
 * can replay without missing children.
 *
 * The engine reuses a result's tree when it already holds nodes, so
 * running several configurations on one etsim_problem_result leaves in its
 * tree exactly the union of what they asked for (child i of a node is the
 * same whoever asks first). */
#ifndef ETSIM_SYNTH_COVER_H
#define ETSIM_SYNTH_COVER_H

#include "sim/engine/engine.h"

typedef struct etsim_cover_configs {
    etsim_search_config *cfg;
    int32_t n;
    char *json;            /* the list as given, normalised (for trace settings) */
} etsim_cover_configs;

/* Parse a configuration list: a JSON array of objects
 *   {"selector": "rebase", "width": 64, "params": {"softmax_temperature": 0.2}}
 * (or an object {"configs": [...]}). "params" values are numbers, strings
 * or booleans and go through etsim_search_config_set, so selector
 * parameters and engine keys (max_tokens, max_expansions, root_tokens,
 * on_missing) are both accepted. Errors name `origin`, the entry and the
 * field. */
int etsim_cover_configs_parse(const char *json, size_t len, const char *origin,
                              etsim_cover_configs *out, etsim_err *err);
int etsim_cover_configs_load(const char *path, etsim_cover_configs *out, etsim_err *err);
void etsim_cover_configs_free(etsim_cover_configs *c);

/* Run every configuration on problem `problem`, accumulating the union of
 * their children in res->tree (res must be freshly initialised or hold
 * this problem's tree). res->c gets the counters summed over the runs. */
int etsim_cover_problem(etsim_oracle *o, const etsim_cover_configs *cfgs, int32_t problem,
                        etsim_problem_result *res, etsim_err *err);

#endif
