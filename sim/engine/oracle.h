/* oracle.h -- where children come from. A pluggable backend in the manner of
 * SQLite's VFS: a struct of function pointers plus a registry of named
 * openers. Three kinds exist or are planned:
 *   trace      children recorded in a trace file (traces/oracle_trace.c)
 *   synthetic  a deterministic generative model (sim/synthetic/)
 *   live       policy / PRM / embedding servers (capture)
 *
 * Contract. An oracle serves any number of problems; each problem is worked
 * on in its own etsim_tree, owned by the caller, so several threads can
 * work on different problems of one oracle at once (open/expand must be
 * thread-safe across different trees). `open` puts the root into an empty
 * tree (a trace oracle may load the whole recorded tree at once).
 * `expand(node, want)` makes sure the node's first `want` children exist
 * and returns how many exist now: fewer than `want` only when the backend
 * has no more (a trace holds only what was recorded). Child i of a node is
 * the same whoever asks and whenever: that is what lets different
 * selectors share one recorded tree. The search itself never calls
 * expand: it hands the children it needs to whoever drives it
 * (etsim_search_step, engine.h), and etsim_search_problem, the driver
 * every replay uses, asks the oracle. */
#ifndef ETSIM_ORACLE_H
#define ETSIM_ORACLE_H

#include "sim/core/meta.h"
#include "sim/core/prof.h"
#include "sim/core/tree.h"

typedef struct etsim_oracle etsim_oracle;

typedef struct etsim_oracle_vtab {
    const char *name;
    /* Put problem `problem` (0-based) into the empty tree t: root and
     * problem data (id, answer, prompt tokens...). */
    int (*open)(etsim_oracle *o, int32_t problem, etsim_tree *t, etsim_err *err);
    /* Ensure the first `want` children of `node` exist; return how many
     * exist now (0..want), or -1 with err set. */
    int (*expand)(etsim_oracle *o, etsim_tree *t, int32_t node, int32_t want,
                  etsim_err *err);
    /* Release the backend (not the trees). */
    void (*close)(etsim_oracle *o);
} etsim_oracle_vtab;

struct etsim_oracle {
    const etsim_oracle_vtab *vt;
    etsim_meta meta;        /* filled by the opener                         */
    void *impl;             /* backend private                              */
};

/* Registry: an opener makes an oracle from a spec string (a path for
 * traces, a profile name or path for synthetic, a config for live). The
 * engine knows no backend: backends register their kind from outside
 * (etsim_init in sim/etsim.c registers the built-in ones), as SQLite's VFSes
 * register with sqlite3_vfs_register. Everything that names a source --
 * the CLI's --source KIND:SPEC, a sweep grid's "sources" -- goes through
 * the functions below, so a new kind needs no edit anywhere else. */
#define ETSIM_ORACLE_ABI 2

typedef struct etsim_oracle_kind {
    int abi;                /* ETSIM_ORACLE_ABI the backend was built for   */
    const char *name;       /* "trace", "synthetic", ... (no ':')          */
    const char *help;
    etsim_oracle *(*open)(const char *spec, etsim_err *err);
    /* The spec of a source that names the kind alone ("synthetic"); NULL:
     * a spec is required ("trace:PATH"). */
    const char *default_spec;
    /* 1 when the spec is a file path, which a grid resolves against its
     * own directory when relative; NULL: never a path. */
    int (*spec_is_path)(const char *spec);
} etsim_oracle_kind;

/* Add a kind (thread-safe; registering the same kind again is a no-op).
 * -1 with err when another kind has the name, the ABI differs or the
 * registry is full. */
int etsim_oracle_register(const etsim_oracle_kind *kind, etsim_err *err);
const etsim_oracle_kind *etsim_oracle_kind_find(const char *name);
/* The registered kinds in registration order, NULL-terminated. */
const etsim_oracle_kind *const *etsim_oracle_kinds(void);
etsim_oracle *etsim_oracle_open(const char *kind, const char *spec, etsim_err *err);
void etsim_oracle_close(etsim_oracle *o); /* NULL ok */

/* ---- sources: a kind and a spec ----------------------------------------
 * Written "KIND:SPEC" (split at the first ':'), or "KIND" alone for the
 * kind's default spec. */

/* The registered kind names, ", "-separated, into buf (for messages). */
void etsim_oracle_kind_names(char *buf, size_t size);
/* Split text into its kind name (copied into kind, kind_size bytes) and
 * its spec (*spec points into text; NULL when there is no ':'). -1 with
 * err when the kind name is empty or too long. */
int etsim_oracle_source_split(const char *text, char *kind, size_t kind_size,
                              const char **spec, etsim_err *err);
/* The kind named `kind` and the spec to open: *spec as given, or the
 * kind's default spec when *spec is NULL or "". NULL with err naming the
 * known kinds, or saying that the kind needs a spec. */
const etsim_oracle_kind *etsim_oracle_source_kind(const char *kind, const char **spec,
                                                  etsim_err *err);
/* Open a source whose relative path specs are relative to base_dir (NULL:
 * the current directory), as a grid file's are. */
etsim_oracle *etsim_oracle_open_at(const char *kind, const char *spec, const char *base_dir,
                                   etsim_err *err);
/* A spec_is_path for kinds whose spec is always a file. */
int etsim_oracle_spec_is_file(const char *spec);

/* Every backend's calls are timed here (sim/core/prof.h) when profiling
 * is on, whoever makes them. */
static inline int etsim_oracle_problem_open(etsim_oracle *o, int32_t problem,
                                            etsim_tree *t, etsim_err *err) {
    if (!etsim_prof_enabled()) return o->vt->open(o, problem, t, err);
    double t0 = etsim_prof_now();
    int rc = o->vt->open(o, problem, t, err);
    etsim_prof_add(ETSIM_PROF_ORACLE, etsim_prof_now() - t0);
    return rc;
}
static inline int etsim_oracle_expand(etsim_oracle *o, etsim_tree *t,
                                      int32_t node, int32_t want, etsim_err *err) {
    if (!etsim_prof_enabled()) return o->vt->expand(o, t, node, want, err);
    double t0 = etsim_prof_now();
    int rc = o->vt->expand(o, t, node, want, err);
    etsim_prof_add(ETSIM_PROF_ORACLE, etsim_prof_now() - t0);
    return rc;
}

#endif
