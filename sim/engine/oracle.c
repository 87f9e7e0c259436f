/* oracle.c -- the registry of oracle kinds and the sources that name them.
 * The engine names no backend: each registers its etsim_oracle_kind
 * (etsim_oracle_register) and the engine opens oracles by kind name. The
 * registry is a small fixed array guarded by a mutex; kinds are never
 * removed, so a pointer handed out by etsim_oracle_kind_find stays valid
 * for the life of the process. A source "KIND:SPEC" is split at its first
 * ':' and settled by the kind's own fields (default spec, path or not). */
#include <pthread.h>
#include <stdio.h>
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

/* ---- sources ----------------------------------------------------------------- */

void etsim_oracle_kind_names(char *buf, size_t size) {
    if (!size) return;
    buf[0] = 0;
    size_t used = 0;
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < n_registered && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", registry[i]->name);
    pthread_mutex_unlock(&registry_lock);
}

int etsim_oracle_source_split(const char *text, char *kind, size_t kind_size,
                              const char **spec, etsim_err *err) {
    const char *colon = strchr(text, ':');
    size_t n = colon ? (size_t)(colon - text) : strlen(text);
    if (n == 0) return etsim_errf(err, "source '%s': no kind before the ':' (KIND:SPEC)", text);
    if (n >= kind_size) return etsim_errf(err, "source '%.40s...': kind name too long", text);
    memcpy(kind, text, n);
    kind[n] = 0;
    *spec = colon ? colon + 1 : NULL;
    return 0;
}

const etsim_oracle_kind *etsim_oracle_source_kind(const char *kind, const char **spec,
                                                  etsim_err *err) {
    const etsim_oracle_kind *k = etsim_oracle_kind_find(kind);
    if (!k) {
        char known[256];
        etsim_oracle_kind_names(known, sizeof known);
        etsim_errf(err, "unknown source kind '%s' (known: %s)", kind, known);
        return NULL;
    }
    if (!*spec || !(*spec)[0]) *spec = k->default_spec;
    if (!*spec) {
        etsim_errf(err, "a %s source needs a spec: %s:SPEC (%s)", k->name, k->name,
                   k->help ? k->help : "");
        return NULL;
    }
    return k;
}

etsim_oracle *etsim_oracle_open_at(const char *kind, const char *spec, const char *base_dir,
                                   etsim_err *err) {
    const etsim_oracle_kind *k = etsim_oracle_source_kind(kind, &spec, err);
    if (!k) return NULL;
    if (!base_dir || !base_dir[0] || spec[0] == '/' || !k->spec_is_path || !k->spec_is_path(spec))
        return k->open(spec, err);
    size_t n = strlen(base_dir) + strlen(spec) + 2;
    char *path = etsim_malloc(n);
    snprintf(path, n, "%s/%s", base_dir, spec);
    etsim_oracle *o = k->open(path, err);
    free(path);
    return o;
}

int etsim_oracle_spec_is_file(const char *spec) {
    (void)spec;
    return 1;
}
