/* registry.h -- finding selectors by name: the built-ins of selectors/list.h
 * and the reference harness's select_method aliases ("softmax" is REBASE,
 * "softmax_costmodel" is ETS, ...). Applications look selectors up here and
 * hand the engine the etsim_selector they found. */
#ifndef ETSIM_SELECTORS_REGISTRY_H
#define ETSIM_SELECTORS_REGISTRY_H

#include "sim/engine/selector.h"

/* The selector called name (or an alias of it); NULL when none is. */
const etsim_selector *etsim_selector_find(const char *name);
/* Every built-in selector, NULL-terminated. */
const etsim_selector *const *etsim_selectors(void);

#endif
