/* trace_internal.h -- what the trace writer, reader and decoder share and
 * nobody else needs: the on-disk constants of traces/FORMAT.md,
 * little-endian and varint helpers, the XXH64 checksum, the record header
 * and the reader's private structs. */
#ifndef ETSIM_TRACE_INTERNAL_H
#define ETSIM_TRACE_INTERNAL_H

#include <stdint.h>
#include <string.h>
#include <zstd.h>

#include "traces/trace.h"

#define TR_FILE_MAGIC "ETSTRACE"
#define TR_TRAILER_MAGIC "ETSTRIDX"
#define TR_FILE_HEADER_LEN 16
#define TR_REC_HEADER_LEN 32
#define TR_TRAILER_LEN 32
#define TR_HEADER_SEED 0x45545231u
#define TR_INDEX_FIXED 56 /* n_problems..n_emb */
#define TR_INDEX_ENTRY 24
#define TR_STR_ABSENT 0xFFFFFFFFu

/* flags column bits (low nibble = etsim node flags) */
#define TR_NODE_FLAGS_MASK 0x0Fu
#define TR_HAS_HASH 0x10u
#define TR_HAS_ANSWER 0x20u
#define TR_HAS_TEXT 0x40u
#define TR_HAS_EMB 0x80u

static inline uint32_t tr_get_u32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static inline uint64_t tr_get_u64(const unsigned char *p) {
    return (uint64_t)tr_get_u32(p) | (uint64_t)tr_get_u32(p + 4) << 32;
}
static inline void tr_put_u32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}
static inline void tr_put_u64(unsigned char *p, uint64_t v) {
    tr_put_u32(p, (uint32_t)v);
    tr_put_u32(p + 4, (uint32_t)(v >> 32));
}

/* XXH64 (Yann Collet's algorithm); the checksum of every record. */
uint64_t etsim_trace_xxh64(const void *data, size_t len, uint64_t seed);

/* One record header, unpacked. */
typedef struct tr_rec {
    char kind;          /* 'H', 'P', 'I'                          */
    uint32_t problem;
    uint32_t n_nodes;
    uint32_t raw_len;
    uint32_t comp_len;
    uint32_t payload_check;
    uint32_t seq;
} tr_rec;

/* Pack a record header (computes header_check) into 32 bytes. */
void tr_rec_pack(const tr_rec *r, unsigned char out[TR_REC_HEADER_LEN]);
/* Unpack and check magic + header_check; 0 ok, -1 (with a short reason in
 * *why) otherwise. */
int tr_rec_unpack(const unsigned char in[TR_REC_HEADER_LEN], tr_rec *r, const char **why);

/* A growable byte buffer (writer side). */
typedef struct tr_buf {
    unsigned char *p;
    int64_t len, cap;
} tr_buf;
static inline unsigned char *tr_buf_room(tr_buf *b, int64_t n) {
    etsim_grow((void **)&b->p, &b->cap, b->len + n, 1);
    unsigned char *at = b->p + b->len;
    b->len += n;
    return at;
}
static inline void tr_buf_u32(tr_buf *b, uint32_t v) { tr_put_u32(tr_buf_room(b, 4), v); }
static inline void tr_buf_u64(tr_buf *b, uint64_t v) { tr_put_u64(tr_buf_room(b, 8), v); }
static inline void tr_buf_bytes(tr_buf *b, const void *p, size_t n) {
    if (n) memcpy(tr_buf_room(b, (int64_t)n), p, n);
}
static inline void tr_buf_varint(tr_buf *b, uint32_t v) {
    unsigned char *p = tr_buf_room(b, 5);
    int n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    b->len -= 5 - n;
}

/* Header JSON <-> meta. Encoding returns a malloc'd string; decoding fills
 * *m (strings owned) and *planned, or fails with a one-line reason. */
char *tr_meta_to_json(const etsim_meta *m, int emb_enc, etsim_err *err);
int tr_meta_from_json(const char *json, size_t len, etsim_meta *m, int32_t *planned,
                      etsim_err *err);

/* ---- reader internals ------------------------------------------------- */

struct etsim_trace {
    char *name;
    int fd;                       /* -1 for memory sources              */
    const unsigned char *mem;
    int64_t file_len;
    size_t max_frame;
    etsim_meta meta;
    int32_t planned;
    int emb_enc;                  /* ETSIM_EMB_*, -1 without embeddings  */
    etsim_trace_entry *entries;
    int32_t n;
    etsim_trace_counters counters;
    int has_index;
    int64_t data_start;           /* first problem record               */
    int64_t data_end;             /* end of the last problem record     */
    int64_t dropped;
};

struct etsim_trace_scratch {
    ZSTD_DCtx *dctx;
    ZSTD_CCtx *cctx;              /* only for etsim_trace_columns        */
    unsigned char *comp;          /* record bytes read from a file       */
    int64_t comp_cap;
    unsigned char *raw;           /* decompressed payload                */
    int64_t raw_cap;
    unsigned char *tmp;           /* column scratch                      */
    int64_t tmp_cap;
};

/* Read one record at `off` (which must end by `end`) of the expected kind,
 * verify it, and decompress its payload into s->raw. `what` names the
 * record in errors ("problem 3", "header", "index"). 0 ok, -1 with err. */
int tr_read_record(const etsim_trace *tr, int64_t off, int64_t end, char kind,
                   const char *what, etsim_trace_scratch *s, tr_rec *rec, etsim_err *err);

/* Decode a problem payload (s->raw, rec->raw_len bytes) into t; or only
 * account its column sizes when t is NULL and raw_cols non-NULL.
 * `k` is the position used in messages. */
int tr_decode_problem(const etsim_trace *tr, int32_t k, const tr_rec *rec,
                      etsim_trace_scratch *s, etsim_tree *t,
                      int64_t raw_cols[ETSIM_TRACE_NCOLS],
                      int64_t comp_cols[ETSIM_TRACE_NCOLS], int level, etsim_err *err);

/* Encode tree t as a problem payload into b (writer). */
int tr_encode_problem(const etsim_tree *t, int32_t emb_dim, int emb_enc, tr_buf *b,
                      const char *name, int32_t k, etsim_err *err);

#endif
