/* oracle_trace.c -- the "trace" oracle: a recorded trace behind the
 * etsim_oracle_vtab. The reader is immutable after open and reads frames
 * with pread, so the only shared mutable state is a small pool of
 * decompression scratches (one per concurrently loading thread), guarded
 * by a mutex that is held only to take or return one. Trees are the
 * caller's, so problems load in parallel.
 *
 * A loaded tree holds every recorded child, so expand() only counts: each
 * node's `aux` keeps its recorded child count, which stays right even after
 * the engine appends resampled clones under --on-missing resample. */
#include "traces/oracle_trace.h"

#include <pthread.h>
#include <stdlib.h>

#include "traces/trace.h"

typedef struct trace_impl {
    etsim_trace *tr;
    pthread_mutex_t mu;
    etsim_trace_scratch **pool;
    int64_t n_pool, cap_pool;
} trace_impl;

static int trace_open_problem(etsim_oracle *o, int32_t problem, etsim_tree *t,
                              etsim_err *err) {
    trace_impl *im = o->impl;
    etsim_trace_scratch *s = NULL;
    pthread_mutex_lock(&im->mu);
    if (im->n_pool > 0) s = im->pool[--im->n_pool];
    pthread_mutex_unlock(&im->mu);
    if (!s) s = etsim_trace_scratch_new();
    int rc = etsim_trace_load(im->tr, problem, t, s, err);
    pthread_mutex_lock(&im->mu);
    etsim_grow((void **)&im->pool, &im->cap_pool, im->n_pool + 1, sizeof *im->pool);
    im->pool[im->n_pool++] = s;
    pthread_mutex_unlock(&im->mu);
    if (rc < 0) return -1;
    for (int32_t i = 0; i < t->n_nodes; i++) t->nodes[i].aux = (uint64_t)t->nodes[i].n_kids;
    return 0;
}

static int trace_expand(etsim_oracle *o, etsim_tree *t, int32_t node, int32_t want,
                        etsim_err *err) {
    if (node < 0 || node >= t->n_nodes)
        return etsim_errf(err, "%s: node %d does not exist (tree has %d nodes)",
                          etsim_trace_name(((trace_impl *)o->impl)->tr), node, t->n_nodes);
    int64_t have = (int64_t)t->nodes[node].aux;
    return want < have ? want : (int)have;
}

static void trace_close(etsim_oracle *o) {
    if (!o) return;
    trace_impl *im = o->impl;
    if (im) {
        for (int64_t i = 0; i < im->n_pool; i++) etsim_trace_scratch_free(im->pool[i]);
        free(im->pool);
        pthread_mutex_destroy(&im->mu);
        etsim_trace_close(im->tr);
        free(im);
    }
    etsim_meta_free(&o->meta);
    free(o);
}

static const etsim_oracle_vtab TRACE_VT = {
    .name = "trace",
    .open = trace_open_problem,
    .expand = trace_expand,
    .close = trace_close,
};

static etsim_oracle *trace_kind_open(const char *spec, etsim_err *err) {
    etsim_trace *tr = etsim_trace_open(spec, err);
    if (!tr) return NULL;
    trace_impl *im = etsim_calloc(1, sizeof *im);
    im->tr = tr;
    pthread_mutex_init(&im->mu, NULL);
    etsim_oracle *o = etsim_calloc(1, sizeof *o);
    o->vt = &TRACE_VT;
    o->impl = im;
    etsim_meta_copy(&o->meta, etsim_trace_meta(tr));
    return o;
}

const etsim_oracle_kind etsim_oracle_kind_trace = {
    .abi = ETSIM_ORACLE_ABI,
    .name = "trace",
    .help = "children recorded in a trace file; spec = path of the trace",
    .open = trace_kind_open,
    .spec_is_path = etsim_oracle_spec_is_file,
};
