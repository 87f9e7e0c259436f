/* registry.c -- the list of selectors (registry.h), expanded from
 * selectors/list.h, plus the selectors registered at run time (C plug-ins
 * through etsim_selector_register) and the name-prefix factories ("exec:"
 * external selectors, installed by an application layer). Aliases map the
 * reference harness's select_method names onto ours. Registration happens
 * before any search starts (single-threaded); lookups are read-only. */
#include "selectors/registry.h"

#include <string.h>

#define ETSIM_SELECTOR(name) extern const etsim_selector etsim_selector_##name;
#include "selectors/list.h"
#undef ETSIM_SELECTOR

enum {
    N_BUILTIN = 0
#define ETSIM_SELECTOR(name) + 1
#include "selectors/list.h"
#undef ETSIM_SELECTOR
};

static const etsim_selector *registry[N_BUILTIN + ETSIM_SELECTOR_MAX_REGISTERED + 1] = {
#define ETSIM_SELECTOR(name) &etsim_selector_##name,
#include "selectors/list.h"
#undef ETSIM_SELECTOR
    NULL,
};
static int n_registered = N_BUILTIN;

static struct {
    const char *prefix;
    const etsim_selector *(*open)(const char *name);
} factories[4];
static int n_factories;

static const struct { const char *alias, *name; } aliases[] = {
    {"softmax", "rebase"},
    {"beam_search", "beam"},
    {"softmax_costmodel", "ets"},
    {"ets_kv", "ets-kv"},
    {NULL, NULL},
};

const etsim_selector *const *etsim_selectors(void) { return registry; }

int etsim_selector_register(const etsim_selector *sel, etsim_err *err) {
    if (!sel) return etsim_errf(err, "selector registration: NULL selector");
    if (sel->abi != ETSIM_SELECTOR_ABI)
        return etsim_errf(err, "selector %s: ABI version %d, this etsim speaks %d (rebuild it against "
                          "selectors/plugin.h)", sel->name ? sel->name : "(unnamed)", sel->abi,
                          ETSIM_SELECTOR_ABI);
    if (!sel->name || !sel->name[0] || !sel->select)
        return etsim_errf(err, "selector registration: name and select are required");
    if (strchr(sel->name, ':'))
        return etsim_errf(err, "selector %s: ':' is reserved for prefixes (exec:)", sel->name);
    int n_params = 0;
    while (sel->params && sel->params[n_params].name) n_params++;
    if (n_params > ETSIM_SEL_MAX_PARAMS)
        return etsim_errf(err, "selector %s: %d parameters, at most %d", sel->name, n_params,
                          ETSIM_SEL_MAX_PARAMS);
    if (etsim_selector_find(sel->name))
        return etsim_errf(err, "selector %s: a selector of that name exists", sel->name);
    if (n_registered >= N_BUILTIN + ETSIM_SELECTOR_MAX_REGISTERED)
        return etsim_errf(err, "selector %s: at most %d selectors can be registered", sel->name,
                          ETSIM_SELECTOR_MAX_REGISTERED);
    registry[n_registered++] = sel;
    return 0;
}

void etsim_selector_register_prefix(const char *prefix, const etsim_selector *(*open)(const char *name)) {
    if (n_factories < (int)(sizeof factories / sizeof factories[0])) {
        factories[n_factories].prefix = prefix;
        factories[n_factories++].open = open;
    }
}

const etsim_selector *etsim_selector_find(const char *name) {
    if (!name) return NULL;
    for (int i = 0; aliases[i].alias; i++)
        if (!strcmp(name, aliases[i].alias)) name = aliases[i].name;
    for (int i = 0; registry[i]; i++)
        if (!strcmp(registry[i]->name, name)) return registry[i];
    for (int i = 0; i < n_factories; i++)
        if (!strncmp(name, factories[i].prefix, strlen(factories[i].prefix)))
            return factories[i].open(name);
    return NULL;
}

const etsim_selector *etsim_selector_lookup(const char *name, etsim_err *err) {
    const etsim_selector *sel = etsim_selector_find(name);
    if (sel) return sel;
    char known[256] = "";
    for (int i = 0; registry[i]; i++) {
        if (i) strncat(known, ", ", sizeof known - strlen(known) - 1);
        strncat(known, registry[i]->name, sizeof known - strlen(known) - 1);
    }
    etsim_errf(err, "unknown selector '%s' (known: %s)", name ? name : "(none)", known);
    return NULL;
}
