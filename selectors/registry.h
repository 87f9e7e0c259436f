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
/* Every built-in and registered selector, NULL-terminated. */
const etsim_selector *const *etsim_selectors(void);

/* Add a selector (a C plug-in's, selectors/plugin.h) before any search
 * starts: refused when sel->abi != ETSIM_SELECTOR_ABI, when the name is
 * taken or holds ':', or when it declares more than ETSIM_SEL_MAX_PARAMS
 * parameters. sel must outlive every search. Not thread-safe. */
#define ETSIM_SELECTOR_MAX_REGISTERED 32
int etsim_selector_register(const etsim_selector *sel, etsim_err *err);

/* Names starting with prefix ("exec:") are handed to open(name), which
 * returns a selector that lives until exit (or NULL). Installed by an
 * application layer; selectors themselves never see processes. */
void etsim_selector_register_prefix(const char *prefix,
                                    const etsim_selector *(*open)(const char *name));

#endif
