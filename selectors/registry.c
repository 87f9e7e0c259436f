/* registry.c -- the list of selectors. Adding a selector is one new file in
 * selectors/ and one line here. Aliases map the reference harness's
 * select_method names onto ours. */
#include <string.h>

#include "selectors/ilp.h"
#include "selectors/selector.h"

extern const etsim_selector etsim_selector_rebase;
extern const etsim_selector etsim_selector_beam;
extern const etsim_selector etsim_selector_dvts;
extern const etsim_selector etsim_selector_ets;
extern const etsim_selector etsim_selector_ets_kv;

static const etsim_selector *const registry[] = {
    &etsim_selector_rebase,
    &etsim_selector_beam,
    &etsim_selector_dvts,
    &etsim_selector_ets,
    &etsim_selector_ets_kv,
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

void etsim_selector_thread_cleanup(void) { etsim_ilp_thread_cleanup(); }
