/* fitted.c -- lookup of the fitted synthetic profiles compiled into the
 * library (see fitted.h). The table itself is fitted_data.c, generated
 * from the JSON files in sim/synthetic/fitted by sim/synthetic/fitted/embed.sh. */
#include "sim/synthetic/fitted.h"

#include <stdlib.h>
#include <string.h>

#include "sim/synthetic/synthetic.h"
#include "sim/synthetic/fitted_data.h"

const char *const *etsim_fitted_profile_names(void) {
    static const char *names[ETSIM_FITTED_MAX + 1];
    int n = 0;
    for (int i = 0; i < etsim_fitted_count && n < ETSIM_FITTED_MAX; i++)
        names[n++] = etsim_fitted_table[i].name;
    names[n] = NULL;
    return names;
}

const char *etsim_fitted_profile_json(const char *name) {
    if (!name) return NULL;
    for (int i = 0; i < etsim_fitted_count; i++)
        if (!strcmp(etsim_fitted_table[i].name, name)) return etsim_fitted_table[i].json;
    return NULL;
}
