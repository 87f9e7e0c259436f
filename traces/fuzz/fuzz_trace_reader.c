/* fuzz_trace_reader.c -- libFuzzer target for the trace reader.
 *
 * Checksums guard every byte of a trace, so mutated files rarely get past
 * the framing layer. The target therefore has two modes, chosen by the
 * first input byte:
 *   even: the rest is a trace file, opened as is (index and scan modes) --
 *         fuzzes the framing: file header, record headers, trailer, index;
 *   odd:  the rest is [header choice byte] then problem payloads, each as
 *         [u16 length][bytes]; the target wraps them into a well-formed
 *         file (valid records, checksums, index; the payload's index field
 *         is set to its position) -- fuzzes the problem decoder.
 * Either way every problem is loaded and column-accounted; errors must be
 * one line. Build: CC=clang cmake -DETSIM_FUZZ=ON; run e.g.
 *   ./fuzz_trace_reader -max_total_time=60 corpus/ */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace_internal.h"

#define FUZZ_FRAME_LIMIT (1u << 20)

static const char *const HEADERS[4] = {
    "{\"format\":\"etsim-trace\",\"version\":1,\"emb_dim\":0}",
    "{\"format\":\"etsim-trace\",\"version\":1,\"emb_dim\":4,\"embed_encoding\":\"f32\"}",
    "{\"format\":\"etsim-trace\",\"version\":1,\"emb_dim\":4,\"embed_encoding\":\"f16\"}",
    "{\"format\":\"etsim-trace\",\"version\":1,\"emb_dim\":3,\"embed_encoding\":\"i8\"}",
};

static void check_msg(const etsim_err *err) {
    if (strchr(err->msg, '\n') || !err->msg[0]) abort(); /* one non-empty line */
}

static void exercise(const unsigned char *p, size_t len, unsigned flags) {
    etsim_err err = {{0}};
    etsim_trace *tr = etsim_trace_open_mem(p, len, "fuzz", flags, FUZZ_FRAME_LIMIT, &err);
    if (!tr) {
        check_msg(&err);
        return;
    }
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    etsim_tree t;
    etsim_tree_init(&t, 0);
    for (int32_t k = 0; k < etsim_trace_n_problems(tr); k++) {
        int64_t raw[ETSIM_TRACE_NCOLS], comp[ETSIM_TRACE_NCOLS];
        if (etsim_trace_load(tr, k, &t, s, &err) < 0) {
            check_msg(&err);
            continue;
        }
        /* the tree must be internally consistent */
        for (int32_t i = 1; i < t.n_nodes; i++)
            if (t.nodes[i].parent < 0 || t.nodes[i].parent >= i) abort();
        if (etsim_trace_columns(tr, k, s, 1, raw, comp, &err) < 0) abort(); /* loaded fine */
    }
    etsim_tree_free(&t);
    etsim_trace_scratch_free(s);
    etsim_trace_close(tr);
}

static void add_record(tr_buf *out, ZSTD_CCtx *c, char kind, uint32_t problem,
                       uint32_t n_nodes, uint32_t seq, const void *payload, size_t len) {
    size_t bound = ZSTD_compressBound(len);
    unsigned char *z = etsim_malloc(bound);
    size_t zl = ZSTD_compress2(c, z, bound, payload, len);
    if (ZSTD_isError(zl)) abort();
    tr_rec r = {kind, problem, n_nodes, (uint32_t)len, (uint32_t)zl,
                (uint32_t)etsim_trace_xxh64(z, zl, 0), seq};
    tr_rec_pack(&r, tr_buf_room(out, TR_REC_HEADER_LEN));
    tr_buf_bytes(out, z, zl);
    free(z);
}

static void structured(const unsigned char *p, size_t len) {
    if (len < 1) return;
    const char *json = HEADERS[p[0] & 3];
    p++;
    len--;
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    tr_buf f = {0}, idx = {0};
    unsigned char *fh = tr_buf_room(&f, TR_FILE_HEADER_LEN);
    memcpy(fh, TR_FILE_MAGIC, 8);
    tr_put_u32(fh + 8, ETSIM_TRACE_VERSION);
    tr_put_u32(fh + 12, 0);
    add_record(&f, c, 'H', 0, 0, 0, json, strlen(json));
    tr_buf entries = {0};
    uint32_t n = 0;
    uint64_t total = 0;
    while (len >= 2 && n < 64) {
        size_t pl = (size_t)p[0] | (size_t)p[1] << 8;
        p += 2;
        len -= 2;
        if (pl > len) pl = len;
        unsigned char *pay = etsim_malloc(pl + 8);
        memcpy(pay, p, pl);
        p += pl;
        len -= pl;
        uint32_t nn = pl >= 8 ? tr_get_u32(pay + 4) : 1;
        if (pl >= 4) tr_put_u32(pay, n);
        if (nn < 1 || nn > INT32_MAX) nn = 1;
        int64_t off = f.len;
        add_record(&f, c, 'P', n, nn, n, pay, pl);
        free(pay);
        tr_buf_u64(&entries, (uint64_t)off);
        tr_buf_u32(&entries, (uint32_t)(f.len - off));
        tr_buf_u32(&entries, n);
        tr_buf_u32(&entries, nn);
        tr_buf_u32(&entries, (uint32_t)pl);
        total += nn;
        n++;
    }
    tr_buf_u32(&idx, n);
    tr_buf_u32(&idx, 0);
    tr_buf_u64(&idx, total);
    for (int j = 0; j < 5; j++) tr_buf_u64(&idx, 0);
    tr_buf_bytes(&idx, entries.p, (size_t)entries.len);
    int64_t index_off = f.len;
    add_record(&f, c, 'I', 0, 0, n, idx.p ? idx.p : (unsigned char *)"", (size_t)idx.len);
    unsigned char *t = tr_buf_room(&f, TR_TRAILER_LEN);
    memcpy(t, TR_TRAILER_MAGIC, 8);
    tr_put_u64(t + 8, (uint64_t)index_off);
    tr_put_u64(t + 16, (uint64_t)f.len);
    tr_put_u32(t + 24, ETSIM_TRACE_VERSION);
    tr_put_u32(t + 28, (uint32_t)etsim_trace_xxh64(t, 28, TR_HEADER_SEED));
    exercise(f.p, (size_t)f.len, 0);
    free(f.p);
    free(idx.p);
    free(entries.p);
    ZSTD_freeCCtx(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    if (data[0] & 1) {
        structured(data + 1, size - 1);
    } else {
        exercise(data + 1, size - 1, 0);
        exercise(data + 1, size - 1, ETSIM_TRACE_SCAN);
    }
    return 0;
}
