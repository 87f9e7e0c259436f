/* search_config.h -- the one parser of search configurations: a selector
 * named by the user, its parameters, a width and the engine limits, given
 * as `key=value` strings or as a JSON object
 *
 *     {"selector": "ets", "width": 64, "params": {"lambdas": 1.45, ...}}
 *
 * Every front end goes through it: the CLI's --selector/--width/--set,
 * `etsim fit`'s configurations, one combination of a sweep grid's axes,
 * capture configs' "selectors", covering runs (`etsim synth --configs`)
 * and `etsim select` instances. A value is applied with
 * etsim_search_config_set (engine.h): engine keys or the selector's
 * parameters, each checked there; the selector's validate hook then checks
 * the combination.
 *
 * Messages name the key, "field 'width': expected an integer in [1,
 * 1000000]", "field 'params.lambdas': selector ets: parameter ...";
 * callers prefix the file and the record ("grid.json: selectors[2]: ").
 *
 * The engine looks no selector up (selectors/registry.h does): callers
 * pass the lookup, etsim_selector_lookup. */
#ifndef ETSIM_SEARCH_CONFIG_H
#define ETSIM_SEARCH_CONFIG_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sim/engine/engine.h"

/* The selector called `name`, or NULL with err "unknown selector 'x'
 * (known: ...)". */
typedef const etsim_selector *(*etsim_selector_lookup_fn)(const char *name, etsim_err *err);

/* A JSON scalar as the value text etsim_search_config_set takes: a string
 * as it is, a number in the shortest form that reads back the same, a
 * boolean as 1 / 0. -1 for anything else (or a string too long for buf). */
int etsim_search_value_text(const cJSON *v, char *buf, size_t cap);

/* Apply one "KEY=VALUE" (split at the first '='). */
int etsim_search_config_set_kv(etsim_search_config *cfg, const char *kv, etsim_err *err);

/* Start from the defaults of `sel` at `width`, apply keys[i]=values[i]
 * (later wins), then validate. */
int etsim_search_config_resolve(etsim_search_config *cfg, const etsim_selector *sel, int32_t width,
                                const char *const *keys, const char *const *values, int n,
                                etsim_err *err);

/* The same from "KEY=VALUE" strings. */
int etsim_search_config_from_sets(etsim_search_config *cfg, const etsim_selector *sel, int32_t width,
                                  const char *const *sets, int n_sets, etsim_err *err);

typedef struct etsim_search_json_opts {
    etsim_selector_lookup_fn lookup;  /* required                         */
    int64_t max_width;                /* "width" in [1, max_width]        */
    /* Other keys the object may hold, read by the caller (NULL-terminated;
     * NULL: none). Any key not listed and not selector/width/params is an
     * error. */
    const char *const *extra_keys;
    int any_other_keys;               /* 1: allow every other key         */
    /* Engine keys given outside the object, for every configuration (an
     * object of key -> scalar, or NULL), applied before "params"; an
     * error names "key 'KEY' (for every configuration)". */
    const cJSON *engine;
    /* `etsim select`: "params" hold only the selector's own parameters,
     * each a number or null (null: the default); a key the selector does
     * not declare is allowed, and ignored, when it is one of ignore_keys
     * (the reference harness's shared config keys). */
    int selector_params_only;
    const char *const *ignore_keys;
} etsim_search_json_opts;

/* A configuration from a JSON object (see above). */
int etsim_search_config_from_json(etsim_search_config *cfg, const cJSON *obj,
                                  const etsim_search_json_opts *o, etsim_err *err);

#endif
