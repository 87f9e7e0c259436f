/* oracle.c -- the registry of oracle kinds. The engine names no backend:
 * each registers its etsim_oracle_kind (etsim_oracle_register) and the
 * engine opens oracles by kind name. The registry is a small fixed array
 * guarded by a mutex; kinds are never removed, so a pointer handed out by
 * etsim_oracle_kind_find stays valid for the life of the process. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/oracle.h"

#define ORACLE_KINDS_MAX 16

static const etsim_oracle_kind *registry[ORACLE_KINDS_MAX + 1];
static int n_registered;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

int etsim_oracle_register(const etsim_oracle_kind *kind, etsim_err *err) {
    if (!kind || !kind->name || !kind->open) {
        etsim_errf(err, "oracle kind without a name or an opener");
        return -1;
    }
    if (kind->abi != ETSIM_ORACLE_ABI) {
        etsim_errf(err, "oracle kind '%s' was built for oracle ABI %d, this etsim has %d",
                   kind->name, kind->abi, ETSIM_ORACLE_ABI);
        return -1;
    }
    int rc = 0;
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < n_registered; i++) {
        if (registry[i] == kind) goto done;
        if (!strcmp(registry[i]->name, kind->name)) {
            etsim_errf(err, "oracle kind '%s' is already registered", kind->name);
            rc = -1;
            goto done;
        }
    }
    if (n_registered == ORACLE_KINDS_MAX) {
        etsim_errf(err, "too many oracle kinds (at most %d)", ORACLE_KINDS_MAX);
        rc = -1;
        goto done;
    }
    registry[n_registered++] = kind;
done:
    pthread_mutex_unlock(&registry_lock);
    return rc;
}

const etsim_oracle_kind *const *etsim_oracle_kinds(void) { return registry; }

const etsim_oracle_kind *etsim_oracle_kind_find(const char *name) {
    const etsim_oracle_kind *found = NULL;
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < n_registered; i++)
        if (!strcmp(registry[i]->name, name)) found = registry[i];
    pthread_mutex_unlock(&registry_lock);
    return found;
}

etsim_oracle *etsim_oracle_open(const char *kind, const char *spec, etsim_err *err) {
    const etsim_oracle_kind *k = etsim_oracle_kind_find(kind);
    if (!k) {
        etsim_errf(err, "unknown oracle kind '%s'", kind);
        return NULL;
    }
    return k->open(spec, err);
}

void etsim_oracle_close(etsim_oracle *o) {
    if (o) o->vt->close(o);
}
