/* registry.h -- finding selectors by name: the built-ins of selectors/list.h
 * and the reference harness's select_method aliases ("softmax" is REBASE,
 * "softmax_costmodel" is ETS, ...). Applications look selectors up here and
 * hand the engine the etsim_selector they found. */
#ifndef ETSIM_SELECTORS_REGISTRY_H
#define ETSIM_SELECTORS_REGISTRY_H

#include "sim/engine/selector.h"

/* The selector called name (or an alias of it); NULL when none is. */
const etsim_selector *etsim_selector_find(const char *name);
/* The same, or NULL with err "unknown selector 'x' (known: a, b, ...)"
 * (the lookup the search-configuration parser takes,
 * sim/engine/search_config.h). */
const etsim_selector *etsim_selector_lookup(const char *name, etsim_err *err);
/* Every built-in selector, NULL-terminated. */
const etsim_selector *const *etsim_selectors(void);

#endif
