/* trace_read.c -- opening and validating a trace (format in
 * traces/FORMAT.md): file header, header record, trailer and index; or, in
 * scan mode, the index rebuilt by walking the problem records from the
 * front and stopping at the first incomplete or invalid one. Also the
 * record reader that every load goes through (bounds, checksums, zstd
 * frame checks, decompression into the caller's scratch).
 *
 * The file is untrusted: every length is checked against the file size and
 * the frame limit before any allocation or read depends on it. Reads use
 * pread (or a borrowed memory image), so a reader is immutable after open
 * and may be shared by threads that each bring their own scratch. */
#include "traces/trace_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- scratch ---------------------------------------------------------------- */

etsim_trace_scratch *etsim_trace_scratch_new(void) {
    etsim_trace_scratch *s = etsim_calloc(1, sizeof *s);
    s->dctx = ZSTD_createDCtx();
    if (!s->dctx) {
        fprintf(stderr, "etsim: out of memory creating a zstd context\n");
        abort();
    }
    return s;
}

void etsim_trace_scratch_free(etsim_trace_scratch *s) {
    if (!s) return;
    ZSTD_freeDCtx(s->dctx);
    ZSTD_freeCCtx(s->cctx);
    free(s->comp);
    free(s->raw);
    free(s->tmp);
    free(s);
}

/* ---- byte access ------------------------------------------------------------- */

/* Bytes [off, off+n) of the source: a pointer into the memory image, or
 * read into *buf (grown as needed). NULL when they cannot be read. */
static const unsigned char *bytes_at(const etsim_trace *tr, int64_t off, size_t n,
                                     unsigned char **buf, int64_t *cap) {
    if (off < 0 || (uint64_t)off > (uint64_t)tr->file_len ||
        (uint64_t)tr->file_len - (uint64_t)off < n)
        return NULL;
    if (tr->mem) return tr->mem + off;
    etsim_grow((void **)buf, cap, (int64_t)n, 1);
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(tr->fd, *buf + got, n - got, (off_t)(off + (int64_t)got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return NULL;
        got += (size_t)r;
    }
    return *buf;
}

int tr_read_record(const etsim_trace *tr, int64_t off, int64_t end, char kind,
                   const char *what, etsim_trace_scratch *s, tr_rec *rec, etsim_err *err) {
    const char *why = NULL;
    if (end - off < TR_REC_HEADER_LEN)
        return etsim_errf(err, "%s: %s: record header at offset %lld is cut off (truncated file)",
                          tr->name, what, (long long)off);
    const unsigned char *h = bytes_at(tr, off, TR_REC_HEADER_LEN, &s->comp, &s->comp_cap);
    if (!h)
        return etsim_errf(err, "%s: %s: cannot read the record header at offset %lld: %s",
                          tr->name, what, (long long)off, strerror(errno));
    if (tr_rec_unpack(h, rec, &why) < 0)
        return etsim_errf(err, "%s: %s: %s at offset %lld (corrupted file)", tr->name, what,
                          why, (long long)off);
    if (rec->kind != kind)
        return etsim_errf(err, "%s: %s: expected a '%c' record at offset %lld, found '%c'",
                          tr->name, what, kind, (long long)off, rec->kind);
    if (rec->raw_len > tr->max_frame || rec->comp_len > tr->max_frame)
        return etsim_errf(err, "%s: %s: frame size %u (compressed %u) exceeds the limit of %zu bytes",
                          tr->name, what, rec->raw_len, rec->comp_len, tr->max_frame);
    if (end - off - TR_REC_HEADER_LEN < (int64_t)rec->comp_len)
        return etsim_errf(err, "%s: %s: frame of %u bytes at offset %lld runs past the end (truncated file)",
                          tr->name, what, rec->comp_len, (long long)off);
    const unsigned char *z = bytes_at(tr, off + TR_REC_HEADER_LEN, rec->comp_len, &s->comp,
                                      &s->comp_cap);
    if (!z)
        return etsim_errf(err, "%s: %s: cannot read %u bytes at offset %lld: %s", tr->name,
                          what, rec->comp_len, (long long)off, strerror(errno));
    if ((uint32_t)etsim_trace_xxh64(z, rec->comp_len, 0) != rec->payload_check)
        return etsim_errf(err, "%s: %s: payload checksum mismatch (corrupted file)", tr->name,
                          what);
    /* One zstd frame, exactly comp_len bytes, declaring raw_len, with the
     * content checksum on (so the decompressor verifies the content). */
    if (rec->comp_len < 6 || tr_get_u32(z) != 0xFD2FB528u || !(z[4] & 0x04))
        return etsim_errf(err, "%s: %s: payload is not a zstd frame with a content checksum",
                          tr->name, what);
    size_t fsz = ZSTD_findFrameCompressedSize(z, rec->comp_len);
    unsigned long long csz = ZSTD_getFrameContentSize(z, rec->comp_len);
    if (ZSTD_isError(fsz) || fsz != rec->comp_len || csz != rec->raw_len)
        return etsim_errf(err, "%s: %s: zstd frame does not match its record header (size %u, content %u)",
                          tr->name, what, rec->comp_len, rec->raw_len);
    etsim_grow((void **)&s->raw, &s->raw_cap, (int64_t)rec->raw_len + 1, 1);
    size_t got = ZSTD_decompressDCtx(s->dctx, s->raw, rec->raw_len, z, rec->comp_len);
    if (ZSTD_isError(got))
        return etsim_errf(err, "%s: %s: zstd: %s (corrupted file)", tr->name, what,
                          ZSTD_getErrorName(got));
    if (got != rec->raw_len)
        return etsim_errf(err, "%s: %s: frame decompressed to %zu bytes, expected %u", tr->name,
                          what, got, rec->raw_len);
    s->raw[got] = 0;
    return 0;
}

/* ---- open -------------------------------------------------------------------- */

static int read_header(etsim_trace *tr, etsim_trace_scratch *s, etsim_err *err) {
    unsigned char buf[TR_FILE_HEADER_LEN];
    const unsigned char *h = NULL;
    tr_rec rec;
    if (tr->file_len < TR_FILE_HEADER_LEN)
        return etsim_errf(err, "%s: not an etsim trace (file is %lld bytes, too short)",
                          tr->name, (long long)tr->file_len);
    unsigned char *hp = buf;
    int64_t cap = sizeof buf;
    h = bytes_at(tr, 0, TR_FILE_HEADER_LEN, &hp, &cap);
    if (!h) return etsim_errf(err, "%s: cannot read: %s", tr->name, strerror(errno));
    if (memcmp(h, TR_FILE_MAGIC, 8) != 0)
        return etsim_errf(err, "%s: not an etsim trace (bad magic)", tr->name);
    uint32_t version = tr_get_u32(h + 8);
    if (version != ETSIM_TRACE_VERSION)
        return etsim_errf(err, "%s: unsupported trace format version %u (this etsim reads version %d)",
                          tr->name, version, ETSIM_TRACE_VERSION);
    if (tr_get_u32(h + 12) != 0)
        return etsim_errf(err, "%s: file header: reserved field is not 0 (corrupted file)",
                          tr->name);
    if (tr_read_record(tr, TR_FILE_HEADER_LEN, tr->file_len, 'H', "header", s, &rec, err) < 0)
        return -1;
    if (tr_meta_from_json((const char *)s->raw, rec.raw_len, &tr->meta, &tr->planned, err) < 0)
        return etsim_err_prefix(err, "%s", tr->name);
    tr->emb_enc = tr->meta.emb_dim > 0 ? etsim_trace_emb_encoding(tr->meta.embed_encoding) : -1;
    tr->data_start = TR_FILE_HEADER_LEN + TR_REC_HEADER_LEN + (int64_t)rec.comp_len;
    return 0;
}

/* Trailer -> index offset; -1 with a reason (not an error message yet). */
static int read_trailer(etsim_trace *tr, etsim_trace_scratch *s, int64_t *index_off,
                        const char **why) {
    if (tr->file_len - tr->data_start < TR_TRAILER_LEN + TR_REC_HEADER_LEN) {
        *why = "the file ends before an index";
        return -1;
    }
    const unsigned char *t = bytes_at(tr, tr->file_len - TR_TRAILER_LEN, TR_TRAILER_LEN,
                                      &s->comp, &s->comp_cap);
    if (!t || memcmp(t, TR_TRAILER_MAGIC, 8) != 0) {
        *why = "no index trailer at the end";
        return -1;
    }
    if (tr_get_u32(t + 28) != (uint32_t)etsim_trace_xxh64(t, 28, TR_HEADER_SEED)) {
        *why = "index trailer checksum mismatch";
        return -1;
    }
    if (tr_get_u32(t + 24) != ETSIM_TRACE_VERSION) {
        *why = "index trailer has another version";
        return -1;
    }
    if (tr_get_u64(t + 16) != (uint64_t)tr->file_len) {
        *why = "the trailer's file length differs from the file's";
        return -1;
    }
    uint64_t io = tr_get_u64(t + 8);
    if (io < (uint64_t)tr->data_start ||
        io > (uint64_t)(tr->file_len - TR_TRAILER_LEN - TR_REC_HEADER_LEN)) {
        *why = "index offset out of range";
        return -1;
    }
    *index_off = (int64_t)io;
    return 0;
}

static int read_index(etsim_trace *tr, etsim_trace_scratch *s, int64_t index_off,
                      etsim_err *err) {
    tr_rec rec;
    int64_t end = tr->file_len - TR_TRAILER_LEN;
    if (tr_read_record(tr, index_off, end, 'I', "index", s, &rec, err) < 0) return -1;
    if (index_off + TR_REC_HEADER_LEN + (int64_t)rec.comp_len != end)
        return etsim_errf(err, "%s: index: record does not end at the trailer", tr->name);
    const unsigned char *p = s->raw;
    if (rec.raw_len < TR_INDEX_FIXED)
        return etsim_errf(err, "%s: index: %u bytes, too short", tr->name, rec.raw_len);
    uint32_t n = tr_get_u32(p);
    if (n != rec.seq || (uint64_t)rec.raw_len != TR_INDEX_FIXED + (uint64_t)n * TR_INDEX_ENTRY ||
        n > INT32_MAX)
        return etsim_errf(err, "%s: index: field n_problems %u does not match its size %u",
                          tr->name, n, rec.raw_len);
    uint64_t cnt[6];
    for (int i = 0; i < 6; i++) cnt[i] = tr_get_u64(p + 8 + 8 * i);
    tr->entries = etsim_malloc((size_t)(n ? n : 1) * sizeof *tr->entries);
    tr->n = (int32_t)n;
    int64_t expect = tr->data_start;
    uint64_t total = 0;
    for (uint32_t k = 0; k < n; k++) {
        const unsigned char *e = p + TR_INDEX_FIXED + (size_t)k * TR_INDEX_ENTRY;
        etsim_trace_entry *en = &tr->entries[k];
        uint64_t off = tr_get_u64(e);
        en->record_len = tr_get_u32(e + 8);
        uint32_t prob = tr_get_u32(e + 12), nn = tr_get_u32(e + 16);
        en->raw_len = tr_get_u32(e + 20);
        if (off != (uint64_t)expect)
            return etsim_errf(err, "%s: index: problem %u: field offset %llu, expected %lld",
                              tr->name, k, (unsigned long long)off, (long long)expect);
        if (en->record_len < TR_REC_HEADER_LEN ||
            en->record_len - TR_REC_HEADER_LEN > tr->max_frame || en->raw_len > tr->max_frame ||
            (int64_t)en->record_len > index_off - expect)
            return etsim_errf(err, "%s: index: problem %u: field record_len %u out of range",
                              tr->name, k, en->record_len);
        if (prob > INT32_MAX || (k > 0 && (int32_t)prob <= tr->entries[k - 1].problem))
            return etsim_errf(err, "%s: index: problem %u: field problem %u does not increase",
                              tr->name, k, prob);
        if (nn < 1 || nn > INT32_MAX)
            return etsim_errf(err, "%s: index: problem %u: field n_nodes %u out of range",
                              tr->name, k, nn);
        en->offset = (int64_t)off;
        en->problem = (int32_t)prob;
        en->n_nodes = (int32_t)nn;
        expect += en->record_len;
        total += nn;
    }
    if (expect != index_off)
        return etsim_errf(err, "%s: index: problems end at %lld but the index starts at %lld",
                          tr->name, (long long)expect, (long long)index_off);
    if (cnt[0] != total)
        return etsim_errf(err, "%s: index: field n_nodes %llu differs from the sum %llu",
                          tr->name, (unsigned long long)cnt[0], (unsigned long long)total);
    for (int i = 1; i < 6; i++)
        if (cnt[i] > total)
            return etsim_errf(err, "%s: index: counter %d (%llu) exceeds the node count", tr->name,
                              i, (unsigned long long)cnt[i]);
    tr->counters = (etsim_trace_counters){(int64_t)cnt[0], (int64_t)cnt[1], (int64_t)cnt[2],
                                          (int64_t)cnt[3], (int64_t)cnt[4], (int64_t)cnt[5]};
    tr->data_end = index_off;
    tr->has_index = 1;
    return 0;
}

/* Walk the problem records from the front; keep each one that is complete
 * and decodes, stop at the first that is not. Never fails. */
static void scan_problems(etsim_trace *tr, etsim_trace_scratch *s) {
    int64_t off = tr->data_start, cap = 0;
    etsim_tree t;
    etsim_tree_init(&t, 0);
    for (;;) {
        tr_rec rec;
        etsim_err e;
        int32_t k = tr->n;
        if (tr_read_record(tr, off, tr->file_len, 'P', "scan", s, &rec, &e) < 0) break;
        if (rec.seq != (uint32_t)k || rec.problem > INT32_MAX || rec.n_nodes < 1 ||
            rec.n_nodes > INT32_MAX || (k > 0 && (int32_t)rec.problem <= tr->entries[k - 1].problem))
            break;
        if (tr_decode_problem(tr, k, &rec, s, &t, NULL, NULL, 0, &e) < 0) break;
        etsim_grow((void **)&tr->entries, &cap, (int64_t)k + 1, sizeof *tr->entries);
        tr->entries[k] = (etsim_trace_entry){off, TR_REC_HEADER_LEN + rec.comp_len,
                                             (int32_t)rec.problem, (int32_t)rec.n_nodes,
                                             rec.raw_len};
        tr->n++;
        off += TR_REC_HEADER_LEN + (int64_t)rec.comp_len;
        etsim_trace_counters *c = &tr->counters;
        c->n_nodes += t.n_nodes;
        for (int32_t i = 0; i < t.n_nodes; i++) {
            const etsim_node *nd = &t.nodes[i];
            c->n_leaves += (nd->flags & ETSIM_NODE_LEAF) != 0;
            c->n_scored += (nd->flags & ETSIM_NODE_SCORED) != 0;
            c->n_text += nd->text_off >= 0;
            c->n_answer += nd->answer_off >= 0;
            c->n_emb += nd->emb_row >= 0;
        }
    }
    etsim_tree_free(&t);
    tr->data_end = off;
    /* A valid index record right here means the file was finished. */
    tr_rec rec;
    etsim_err e;
    tr->dropped = tr_read_record(tr, off, tr->file_len, 'I', "scan", s, &rec, &e) == 0
                      ? 0
                      : tr->file_len - off;
}

static etsim_trace *open_common(etsim_trace *tr, unsigned flags, size_t max_frame,
                                etsim_err *err) {
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    const char *why = NULL;
    int64_t index_off = 0;
    tr->max_frame = max_frame ? max_frame : ETSIM_TRACE_MAX_FRAME;
    if (tr->max_frame > 0xFFFFFFFFu) tr->max_frame = 0xFFFFFFFFu;
    if (read_header(tr, s, err) < 0) goto err;
    if (read_trailer(tr, s, &index_off, &why) == 0) {
        if (read_index(tr, s, index_off, err) < 0) goto err;
    } else if (flags & ETSIM_TRACE_SCAN) {
        scan_problems(tr, s);
    } else {
        etsim_errf(err, "%s: %s: the file is truncated or its capture was interrupted "
                   "(etsim inspect --scan recovers the complete problems)", tr->name, why);
        goto err;
    }
    tr->meta.n_problems = tr->n;
    etsim_trace_scratch_free(s);
    return tr;
err:
    etsim_trace_scratch_free(s);
    etsim_trace_close(tr);
    return NULL;
}

etsim_trace *etsim_trace_open_ex(const char *path, unsigned flags, size_t max_frame,
                                 etsim_err *err) {
    etsim_trace *tr = etsim_calloc(1, sizeof *tr);
    struct stat st;
    tr->name = etsim_strdup(path);
    tr->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (tr->fd < 0) {
        etsim_errf(err, "%s: cannot open: %s", path, strerror(errno));
        goto err;
    }
    if (fstat(tr->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        etsim_errf(err, "%s: not a regular file", path);
        goto err;
    }
    tr->file_len = (int64_t)st.st_size;
    return open_common(tr, flags, max_frame, err);
err:
    etsim_trace_close(tr);
    return NULL;
}

etsim_trace *etsim_trace_open(const char *path, etsim_err *err) {
    return etsim_trace_open_ex(path, 0, 0, err);
}

etsim_trace *etsim_trace_open_mem(const void *data, size_t len, const char *name,
                                  unsigned flags, size_t max_frame, etsim_err *err) {
    etsim_trace *tr = etsim_calloc(1, sizeof *tr);
    static const unsigned char empty[1];
    tr->name = etsim_strdup(name ? name : "<memory>");
    tr->fd = -1;
    tr->mem = data ? data : empty;
    tr->file_len = data ? (int64_t)len : 0;
    return open_common(tr, flags, max_frame, err);
}

void etsim_trace_close(etsim_trace *tr) {
    if (!tr) return;
    if (!tr->mem && tr->fd >= 0) close(tr->fd);
    etsim_meta_free(&tr->meta);
    free(tr->entries);
    free(tr->name);
    free(tr);
}

/* ---- accessors ----------------------------------------------------------------- */

const char *etsim_trace_name(const etsim_trace *tr) { return tr->name; }
const etsim_meta *etsim_trace_meta(const etsim_trace *tr) { return &tr->meta; }
int32_t etsim_trace_n_problems(const etsim_trace *tr) { return tr->n; }
int64_t etsim_trace_n_nodes(const etsim_trace *tr) { return tr->counters.n_nodes; }
int64_t etsim_trace_file_bytes(const etsim_trace *tr) { return tr->file_len; }
int32_t etsim_trace_problems_planned(const etsim_trace *tr) { return tr->planned; }
int etsim_trace_has_index(const etsim_trace *tr) { return tr->has_index; }
int64_t etsim_trace_dropped_bytes(const etsim_trace *tr) { return tr->dropped; }
void etsim_trace_counters_get(const etsim_trace *tr, etsim_trace_counters *c) {
    *c = tr->counters;
}

const etsim_trace_entry *etsim_trace_entry_at(const etsim_trace *tr, int32_t k) {
    return k >= 0 && k < tr->n ? &tr->entries[k] : NULL;
}

int32_t etsim_trace_find(const etsim_trace *tr, int32_t problem) {
    int32_t lo = 0, hi = tr->n;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (tr->entries[mid].problem < problem) lo = mid + 1;
        else hi = mid;
    }
    return lo < tr->n && tr->entries[lo].problem == problem ? lo : -1;
}

void etsim_trace_shard(const etsim_trace *tr, int32_t s, int32_t n, int32_t *lo,
                       int32_t *hi) {
    if (n < 1 || s < 0 || s >= n) {
        *lo = *hi = 0;
        return;
    }
    *lo = (int32_t)((int64_t)tr->n * s / n);
    *hi = (int32_t)((int64_t)tr->n * (s + 1) / n);
}

static int read_problem(const etsim_trace *tr, int32_t k, etsim_trace_scratch *s,
                        tr_rec *rec, etsim_err *err) {
    char what[48];
    if (k < 0 || k >= tr->n)
        return etsim_errf(err, "%s: problem %d out of range (the trace holds %d)", tr->name, k,
                          tr->n);
    const etsim_trace_entry *e = &tr->entries[k];
    snprintf(what, sizeof what, "problem %d", k);
    if (tr_read_record(tr, e->offset, e->offset + e->record_len, 'P', what, s, rec, err) < 0)
        return -1;
    if (rec->seq != (uint32_t)k || rec->problem != (uint32_t)e->problem ||
        rec->n_nodes != (uint32_t)e->n_nodes || rec->raw_len != e->raw_len ||
        TR_REC_HEADER_LEN + rec->comp_len != e->record_len)
        return etsim_errf(err, "%s: problem %d: record header disagrees with the index",
                          tr->name, k);
    return 0;
}

int etsim_trace_load(const etsim_trace *tr, int32_t k, etsim_tree *t,
                     etsim_trace_scratch *s, etsim_err *err) {
    tr_rec rec;
    etsim_tree_reset(t);
    if (read_problem(tr, k, s, &rec, err) < 0) return -1;
    return tr_decode_problem(tr, k, &rec, s, t, NULL, NULL, 0, err);
}

int etsim_trace_columns(const etsim_trace *tr, int32_t k, etsim_trace_scratch *s,
                        int level, int64_t raw[ETSIM_TRACE_NCOLS],
                        int64_t comp[ETSIM_TRACE_NCOLS], etsim_err *err) {
    tr_rec rec;
    if (read_problem(tr, k, s, &rec, err) < 0) return -1;
    return tr_decode_problem(tr, k, &rec, s, NULL, raw, comp, level, err);
}

const char *const etsim_trace_col_names[ETSIM_TRACE_NCOLS] = {
    "problem", "flags", "parent", "step_tokens", "score", "text_hash", "answers", "texts",
    "embeddings"};
