/* registry.c -- the list of selectors (registry.h), expanded from
 * selectors/list.h. Aliases map the reference harness's select_method
 * names onto ours. */
#include "selectors/registry.h"

#include <string.h>

#define ETSIM_SELECTOR(name) extern const etsim_selector etsim_selector_##name;
#include "selectors/list.h"
#undef ETSIM_SELECTOR

static const etsim_selector *const registry[] = {
#define ETSIM_SELECTOR(name) &etsim_selector_##name,
#include "selectors/list.h"
#undef ETSIM_SELECTOR
    NULL,
};

static const struct { const char *alias, *name; } aliases[] = {
    {"softmax", "rebase"},
    {"beam_search", "beam"},
    {"softmax_costmodel", "ets"},
    {"ets_kv", "ets-kv"},
    {NULL, NULL},
};

const etsim_selector *const *etsim_selectors(void) { return registry; }

const etsim_selector *etsim_selector_find(const char *name) {
    if (!name) return NULL;
    for (int i = 0; aliases[i].alias; i++)
        if (!strcmp(name, aliases[i].alias)) name = aliases[i].name;
    for (int i = 0; registry[i]; i++)
        if (!strcmp(registry[i]->name, name)) return registry[i];
    return NULL;
}
