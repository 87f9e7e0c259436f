/* prm.c -- the PRM registry: prm_kind name -> module (see prm.h). The
 * modules' shared helpers live in prm_label.c, so the registry is the only
 * file that knows every module and no module knows the registry. */
#include "traces/capture/prm.h"

#include <string.h>

const etsim_live_prm *etsim_live_prm_find(const char *name) {
    static const etsim_live_prm *const all[] = {&etsim_live_prm_shepherd,
                                                &etsim_live_prm_rlhflow, &etsim_live_prm_head};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (name && !strcmp(all[i]->name, name)) return all[i];
    return NULL;
}
