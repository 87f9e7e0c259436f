/* standin.c -- the capture's synthetic stand-in (see standin.h): an oracle
 * wrapping the synthetic one whose expand rounds the embeddings of the
 * children just made through the trace encoding (encode, decode in place). */
#include <stdlib.h>

#include "traces/capture/standin.h"
#include "traces/trace.h"

typedef struct rounding {
    etsim_oracle *inner;
    int enc;
} rounding;

static int rounding_open(etsim_oracle *o, int32_t problem, etsim_tree *t, etsim_err *err) {
    rounding *r = o->impl;
    return r->inner->vt->open(r->inner, problem, t, err);
}

static int rounding_expand(etsim_oracle *o, etsim_tree *t, int32_t node, int32_t want,
                           etsim_err *err) {
    rounding *r = o->impl;
    int32_t before = t->n_nodes;
    int rc = r->inner->vt->expand(r->inner, t, node, want, err);
    if (rc < 0 || t->emb_dim <= 0) return rc;
    size_t rb = etsim_trace_emb_row_bytes(r->enc, t->emb_dim);
    unsigned char *buf = etsim_malloc(rb ? rb : 1);
    for (int32_t i = before; i < t->n_nodes; i++) {
        int32_t row = t->nodes[i].emb_row;
        if (row < 0) continue;
        float *v = t->emb + (int64_t)row * t->emb_dim;
        etsim_trace_emb_encode(r->enc, v, 1, t->emb_dim, buf);
        etsim_trace_emb_decode(r->enc, buf, 1, t->emb_dim, v);
    }
    free(buf);
    return rc;
}

static void rounding_close(etsim_oracle *o) {
    rounding *r = o->impl;
    etsim_oracle_close(r->inner);
    etsim_meta_free(&o->meta);
    free(r);
    free(o);
}

static const etsim_oracle_vtab rounding_vtab = {
    .name = "rounding",
    .open = rounding_open,
    .expand = rounding_expand,
    .close = rounding_close,
};

etsim_oracle *cap_standin_open(const char *profile, etsim_err *err) {
    etsim_oracle *inner = etsim_oracle_open("synthetic", profile, err);
    if (!inner) return NULL;
    rounding *r = etsim_calloc(1, sizeof *r);
    r->inner = inner;
    r->enc = inner->meta.embed_encoding ? etsim_trace_emb_encoding(inner->meta.embed_encoding)
                                        : ETSIM_EMB_F16;
    if (r->enc < 0) r->enc = ETSIM_EMB_F16;
    etsim_oracle *o = etsim_calloc(1, sizeof *o);
    o->vt = &rounding_vtab;
    o->impl = r;
    etsim_meta_copy(&o->meta, &inner->meta);
    return o;
}
