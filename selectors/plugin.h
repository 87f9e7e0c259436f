/* plugin.h -- the public header for selectors built outside etsim's tree
 * as shared libraries (`--selector-lib PATH.so`).
 *
 * A plug-in is the same vtable the built-ins use (sim/engine/selector.h:
 * etsim_selector with .abi = ETSIM_SELECTOR_ABI) plus one exported entry
 * function, ETSIM_PLUGIN_ENTRY, that etsim calls once after dlopen:
 *
 *     #include "selectors/plugin.h"
 *     static int my_select(const etsim_sel_config *cfg, const etsim_sel_input *in,
 *                          etsim_sel_output *out, etsim_err *err) { ... }
 *     static const etsim_selector my_sel = {.abi = ETSIM_SELECTOR_ABI,
 *         .name = "mine", .summary = "...", .params = my_params, .select = my_select};
 *     ETSIM_PLUGIN_EXPORT int etsim_plugin_init(const etsim_plugin_host *host, etsim_err *err) {
 *         etsim_plugin_use(host);                 (optional: etsim_sel_expand below)
 *         return host->register_selector(&my_sel, err);
 *     }
 *
 * Build: cc -shared -fPIC -I ETSIM_HEADERS mine.c -o mine.so. The headers
 * needed are this one, sim/engine/selector.h and sim/core/util.h; nothing
 * is linked. The plug-in calls etsim only through the host table (no
 * undefined symbols, so etsim need not export its own), and
 * etsim_plugin_expand() stands in for etsim_sel_expand(). A plug-in built
 * against another ABI is refused where it registers, naming both versions.
 * selectors/examples/rebase_plugin.c is a complete example. */
#ifndef ETSIM_SELECTORS_PLUGIN_H
#define ETSIM_SELECTORS_PLUGIN_H

#include "sim/engine/selector.h"

#define ETSIM_PLUGIN_ENTRY "etsim_plugin_init"
#define ETSIM_PLUGIN_EXPORT __attribute__((visibility("default")))

typedef struct etsim_plugin_host {
    int abi;    /* ETSIM_SELECTOR_ABI of the etsim that loads the plug-in */
    /* Add a selector (copied by pointer: keep it static). */
    int (*register_selector)(const etsim_selector *sel, etsim_err *err);
    /* etsim_sel_expand: append an expansion (candidate index, children). */
    void (*expand)(etsim_sel_output *out, int32_t cand_index, int32_t count);
    /* etsim_errf: a one-line error; returns -1. */
    int (*errf)(etsim_err *err, const char *fmt, ...);
} etsim_plugin_host;

typedef int (*etsim_plugin_init_fn)(const etsim_plugin_host *host, etsim_err *err);

#endif
