/* fitted.c -- lookup of the fitted synthetic profiles compiled into the
 * library (see fitted.h). The table itself is fitted_data.c, generated
 * from the JSON files in sim/sweep/profiles by sim/sweep/profiles/embed.sh. */
#include "sim/sweep/fitted.h"

#include <stdlib.h>
#include <string.h>

#include "sim/synthetic/synthetic.h"
#include "sim/sweep/fitted_data.h"

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

etsim_oracle *etsim_fitted_open(const char *name, etsim_err *err) {
    const char *json = etsim_fitted_profile_json(name);
    if (!json) {
        char known[512] = "";
        for (int i = 0; i < etsim_fitted_count; i++) {
            if (i) strncat(known, ", ", sizeof known - strlen(known) - 1);
            strncat(known, etsim_fitted_table[i].name, sizeof known - strlen(known) - 1);
        }
        etsim_errf(err, "unknown fitted profile '%s' (fitted: %s)", name,
                   known[0] ? known : "none");
        return NULL;
    }
    etsim_synth_profile p;
    char origin[160];
    snprintf(origin, sizeof origin, "fitted:%s", name);
    if (etsim_synth_profile_parse(json, strlen(json), origin, name, &p, err) < 0) return NULL;
    etsim_oracle *o = etsim_synth_open(&p, err);
    etsim_synth_profile_free(&p);
    return o;
}
