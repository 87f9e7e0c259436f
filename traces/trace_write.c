/* trace_write.c -- the trace writer (format in traces/FORMAT.md).
 *
 * Each problem is encoded into a columnar payload (tr_encode_problem),
 * compressed as one zstd frame with its content checksum, and written
 * behind a 32-byte record header; the file is flushed after every problem
 * so that a crash leaves only complete frames plus at most one torn one.
 * finish() appends the index and the trailer, then renames the temporary
 * file <path>.tmp.<pid> onto <path>. resume() reopens the temporary file of
 * an interrupted capture through the reader's scan mode, truncates what
 * follows the last valid frame and continues.
 *
 * The header's "longest_path" (the deepest / longest root-to-leaf path of
 * all trees written) is only known at the end, while the header record
 * comes first and its compressed size depends on its content. So finish()
 * writes the final file afresh: file header, the header record with
 * longest_path, the problem records copied byte for byte (they hold no
 * offsets), then the index with offsets shifted by the header's change in
 * size. Until then the temporary file is a valid partial trace. */
#include "traces/trace_internal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct etsim_trace_writer {
    etsim_atomic_file af;
    char *name;                 /* final path, for messages            */
    ZSTD_CCtx *cctx;
    int32_t emb_dim;
    int emb_enc;
    int64_t off;                /* bytes written so far                */
    int64_t data_start;
    etsim_trace_entry *entries;
    int64_t cap_entries;
    int32_t n;
    etsim_trace_counters c;
    tr_buf raw, comp;
    int64_t dropped;
    etsim_meta meta;            /* the header, rewritten by finish()   */
    int32_t lp_steps, lp_tokens, lp_step_tokens; /* longest path so far */
    int has_leaf;
};

/* Fold a tree's root-to-leaf paths into the writer's longest path. */
static void note_longest_path(etsim_trace_writer *w, const etsim_tree *t) {
    for (int32_t i = 1; i < t->n_nodes; i++) {
        const etsim_node *nd = &t->nodes[i];
        if (!(nd->flags & ETSIM_NODE_LEAF)) continue;
        int32_t gen = nd->cum_tokens - t->nodes[0].cum_tokens;
        if (nd->depth > w->lp_steps) w->lp_steps = nd->depth;
        if (nd->cum_tokens > w->lp_tokens) w->lp_tokens = nd->cum_tokens;
        if (gen > w->lp_step_tokens) w->lp_step_tokens = gen;
        w->has_leaf = 1;
    }
}

/* ---- payload encoding ------------------------------------------------------ */

static void put_str(tr_buf *b, const char *s) {
    if (!s) {
        tr_buf_u32(b, TR_STR_ABSENT);
        return;
    }
    size_t n = strlen(s);
    tr_buf_u32(b, (uint32_t)n);
    tr_buf_bytes(b, s, n);
}

static int needs_hash(const etsim_tree *t, const etsim_node *nd) {
    if (!nd->text_hash) return 0;
    if (nd->text_off < 0) return 1;
    return nd->text_hash != etsim_hash_str(t->strpool + nd->text_off);
}

int tr_encode_problem(const etsim_tree *t, int32_t emb_dim, int emb_enc, tr_buf *b,
                      const char *name, int32_t k, etsim_err *err) {
    int32_t n = t->n_nodes;
    uint32_t n_hash = 0, n_ans = 0, n_text = 0, n_emb = 0;
    b->len = 0;
    if (n < 1) return etsim_errf(err, "%s: problem %d: the tree has no root", name, k);
    if (t->prob.index < 0)
        return etsim_errf(err, "%s: problem %d: negative problem index %d", name, k,
                          t->prob.index);
    for (int32_t i = 0; i < n; i++) {
        const etsim_node *nd = &t->nodes[i];
        if (i == 0 ? nd->parent != -1 : (nd->parent < 0 || nd->parent >= i))
            return etsim_errf(err, "%s: problem %d node %d: parent %d is not before the node",
                              name, k, i, nd->parent);
        if (nd->flags & ~TR_NODE_FLAGS_MASK)
            return etsim_errf(err, "%s: problem %d node %d: flags 0x%x hold bits the format cannot store",
                              name, k, i, nd->flags);
        if (nd->step_tokens < 0)
            return etsim_errf(err, "%s: problem %d node %d: negative step_tokens %d", name, k,
                              i, nd->step_tokens);
        if (nd->emb_row >= 0) {
            if (emb_dim <= 0 || t->emb_dim != emb_dim)
                return etsim_errf(err, "%s: problem %d node %d: embedding of dimension %d, the trace header says %d",
                                  name, k, i, t->emb_dim, emb_dim);
            n_emb++;
        }
        n_hash += (uint32_t)needs_hash(t, nd);
        n_ans += nd->answer_off >= 0;
        n_text += nd->text_off >= 0;
    }
    if (t->prob.prompt_tokens < 0)
        return etsim_errf(err, "%s: problem %d: negative prompt_tokens", name, k);

    tr_buf_u32(b, (uint32_t)t->prob.index);
    tr_buf_u32(b, (uint32_t)n);
    tr_buf_u32(b, (uint32_t)t->prob.prompt_tokens);
    tr_buf_u32(b, (uint32_t)t->prob.level);
    put_str(b, t->prob.id);
    put_str(b, t->prob.question);
    put_str(b, t->prob.answer);
    put_str(b, t->prob.subject);
    tr_buf_u32(b, n_hash);
    tr_buf_u32(b, n_ans);
    tr_buf_u32(b, n_text);
    tr_buf_u32(b, n_emb);

    unsigned char *fl = tr_buf_room(b, n);
    for (int32_t i = 0; i < n; i++) {
        const etsim_node *nd = &t->nodes[i];
        fl[i] = (unsigned char)((nd->flags & TR_NODE_FLAGS_MASK) |
                                (needs_hash(t, nd) ? TR_HAS_HASH : 0) |
                                (nd->answer_off >= 0 ? TR_HAS_ANSWER : 0) |
                                (nd->text_off >= 0 ? TR_HAS_TEXT : 0) |
                                (nd->emb_row >= 0 ? TR_HAS_EMB : 0));
    }
    int32_t prev = -1;
    for (int32_t i = 0; i < n; i++) {
        int32_t d = t->nodes[i].parent - prev;
        tr_buf_varint(b, ((uint32_t)d << 1) ^ (uint32_t)(d >> 31));
        prev = t->nodes[i].parent;
    }
    for (int32_t i = 0; i < n; i++) tr_buf_varint(b, (uint32_t)t->nodes[i].step_tokens);
    unsigned char *sc = tr_buf_room(b, 4 * (int64_t)n);
    for (int32_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &t->nodes[i].score, 4);
        for (int j = 0; j < 4; j++) sc[(int64_t)j * n + i] = (unsigned char)(u >> (8 * j));
    }
    for (int32_t i = 0; i < n; i++)
        if (needs_hash(t, &t->nodes[i])) tr_buf_u64(b, t->nodes[i].text_hash);
    for (int pass = 0; pass < 2; pass++) { /* answers, then texts */
        for (int32_t i = 0; i < n; i++) {
            int64_t off = pass ? t->nodes[i].text_off : t->nodes[i].answer_off;
            if (off >= 0) tr_buf_varint(b, (uint32_t)strlen(t->strpool + off));
        }
        for (int32_t i = 0; i < n; i++) {
            int64_t off = pass ? t->nodes[i].text_off : t->nodes[i].answer_off;
            if (off >= 0) tr_buf_bytes(b, t->strpool + off, strlen(t->strpool + off));
        }
    }
    if (n_emb) {
        float *rows = etsim_malloc((size_t)n_emb * (size_t)emb_dim * sizeof *rows);
        int64_t r = 0;
        for (int32_t i = 0; i < n; i++)
            if (t->nodes[i].emb_row >= 0)
                memcpy(rows + r++ * emb_dim, etsim_tree_embedding(t, i),
                       (size_t)emb_dim * sizeof *rows);
        size_t rb = etsim_trace_emb_row_bytes(emb_enc, emb_dim);
        etsim_trace_emb_encode(emb_enc, rows, n_emb, emb_dim,
                               tr_buf_room(b, (int64_t)(rb * n_emb)));
        free(rows);
    }
    return 0;
}

/* ---- records ------------------------------------------------------------------ */

static int write_bytes(etsim_trace_writer *w, const void *p, size_t n, etsim_err *err) {
    if (n && fwrite(p, 1, n, w->af.fp) != n)
        return etsim_errf(err, "%s: write failed: %s", w->name, strerror(errno));
    w->off += (int64_t)n;
    return 0;
}

/* Compress w->raw and write it as one record. */
static int write_record(etsim_trace_writer *w, char kind, uint32_t problem,
                        uint32_t n_nodes, uint32_t seq, tr_rec *out, etsim_err *err) {
    if ((uint64_t)w->raw.len > ETSIM_TRACE_MAX_FRAME)
        return etsim_errf(err, "%s: record %c %u: payload of %lld bytes exceeds the %u-byte frame limit",
                          w->name, kind, seq, (long long)w->raw.len, ETSIM_TRACE_MAX_FRAME);
    size_t bound = ZSTD_compressBound((size_t)w->raw.len);
    etsim_grow((void **)&w->comp.p, &w->comp.cap, (int64_t)bound, 1);
    size_t clen = ZSTD_compress2(w->cctx, w->comp.p, bound, w->raw.p, (size_t)w->raw.len);
    if (ZSTD_isError(clen))
        return etsim_errf(err, "%s: zstd compression failed: %s", w->name,
                          ZSTD_getErrorName(clen));
    tr_rec r = {kind, problem, n_nodes, (uint32_t)w->raw.len, (uint32_t)clen,
                (uint32_t)etsim_trace_xxh64(w->comp.p, clen, 0), seq};
    unsigned char hdr[TR_REC_HEADER_LEN];
    tr_rec_pack(&r, hdr);
    if (write_bytes(w, hdr, sizeof hdr, err) < 0 || write_bytes(w, w->comp.p, clen, err) < 0)
        return -1;
    if (out) *out = r;
    return 0;
}

static etsim_trace_writer *writer_new(const char *path, int zstd_level) {
    etsim_trace_writer *w = etsim_calloc(1, sizeof *w);
    w->name = etsim_strdup(path);
    w->cctx = ZSTD_createCCtx();
    if (!w->cctx) {
        fprintf(stderr, "etsim: out of memory creating a zstd context\n");
        abort();
    }
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel,
                           zstd_level ? zstd_level : ETSIM_TRACE_DEFAULT_LEVEL);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
    w->emb_enc = -1;
    return w;
}

static void writer_free(etsim_trace_writer *w) {
    etsim_meta_free(&w->meta);
    ZSTD_freeCCtx(w->cctx);
    free(w->name);
    free(w->entries);
    free(w->raw.p);
    free(w->comp.p);
    free(w);
}

etsim_trace_writer *etsim_trace_writer_open(const char *path, const etsim_meta *meta,
                                            int zstd_level, etsim_err *err) {
    etsim_trace_writer *w = writer_new(path, zstd_level);
    char *json = NULL;
    unsigned char fh[TR_FILE_HEADER_LEN] = TR_FILE_MAGIC;
    w->emb_dim = meta->emb_dim;
    if (meta->emb_dim < 0 || meta->emb_dim > 65536) {
        etsim_errf(err, "%s: emb_dim %d is not in 0..65536", path, meta->emb_dim);
        goto err;
    }
    if (meta->emb_dim > 0) {
        w->emb_enc = meta->embed_encoding ? etsim_trace_emb_encoding(meta->embed_encoding)
                                          : ETSIM_EMB_F16;
        if (w->emb_enc < 0) {
            etsim_errf(err, "%s: embed_encoding '%s' is not one of f32, f16, i8", path,
                       meta->embed_encoding);
            goto err;
        }
    }
    etsim_meta_copy(&w->meta, meta);
    w->meta.has_longest_path = 0; /* finish() writes the one of these trees */
    json = tr_meta_to_json(&w->meta, w->emb_enc, err);
    if (!json) {
        etsim_err_prefix(err, "%s", path);
        goto err;
    }
    if (etsim_atomic_open(&w->af, path, err) < 0) goto err;
    tr_put_u32(fh + 8, ETSIM_TRACE_VERSION);
    tr_put_u32(fh + 12, 0);
    if (write_bytes(w, fh, sizeof fh, err) < 0) goto err;
    w->raw.len = 0;
    tr_buf_bytes(&w->raw, json, strlen(json));
    if (write_record(w, 'H', 0, 0, 0, NULL, err) < 0) goto err;
    w->data_start = w->off;
    free(json);
    return w;
err:
    free(json);
    etsim_trace_writer_abort(w);
    return NULL;
}

int etsim_trace_writer_add(etsim_trace_writer *w, const etsim_tree *t, etsim_err *err) {
    int32_t k = w->n;
    if (w->n > 0 && t->prob.index <= w->entries[w->n - 1].problem)
        return etsim_errf(err, "%s: problem %d: index %d does not follow %d (indices must increase)",
                          w->name, k, t->prob.index, w->entries[w->n - 1].problem);
    if (tr_encode_problem(t, w->emb_dim, w->emb_enc, &w->raw, w->name, k, err) < 0) return -1;
    int64_t off = w->off;
    tr_rec r;
    if (write_record(w, 'P', (uint32_t)t->prob.index, (uint32_t)t->n_nodes, (uint32_t)k, &r,
                     err) < 0)
        return -1;
    if (fflush(w->af.fp) != 0)
        return etsim_errf(err, "%s: write failed: %s", w->name, strerror(errno));
    etsim_grow((void **)&w->entries, &w->cap_entries, (int64_t)w->n + 1, sizeof *w->entries);
    etsim_trace_entry *e = &w->entries[w->n++];
    e->offset = off;
    e->record_len = TR_REC_HEADER_LEN + r.comp_len;
    e->problem = t->prob.index;
    e->n_nodes = t->n_nodes;
    e->raw_len = r.raw_len;
    note_longest_path(w, t);
    w->c.n_nodes += t->n_nodes;
    for (int32_t i = 0; i < t->n_nodes; i++) {
        const etsim_node *nd = &t->nodes[i];
        w->c.n_leaves += (nd->flags & ETSIM_NODE_LEAF) != 0;
        w->c.n_scored += (nd->flags & ETSIM_NODE_SCORED) != 0;
        w->c.n_text += nd->text_off >= 0;
        w->c.n_answer += nd->answer_off >= 0;
        w->c.n_emb += nd->emb_row >= 0;
    }
    return 0;
}

int32_t etsim_trace_writer_count(const etsim_trace_writer *w) { return w->n; }
int32_t etsim_trace_writer_last_index(const etsim_trace_writer *w) {
    return w->n ? w->entries[w->n - 1].problem : -1;
}
int64_t etsim_trace_writer_dropped_bytes(const etsim_trace_writer *w) { return w->dropped; }

/* Copy bytes [from, to) of the file `src` to the writer's file. */
static int copy_range(etsim_trace_writer *w, FILE *src, int64_t from, int64_t to,
                      etsim_err *err) {
    char buf[1 << 16];
    if (fseeko(src, (off_t)from, SEEK_SET) != 0)
        return etsim_errf(err, "%s: cannot reread the written problems: %s", w->name,
                          strerror(errno));
    for (int64_t left = to - from; left > 0;) {
        size_t want = left < (int64_t)sizeof buf ? (size_t)left : sizeof buf;
        if (fread(buf, 1, want, src) != want)
            return etsim_errf(err, "%s: cannot reread the written problems", w->name);
        if (write_bytes(w, buf, want, err) < 0) return -1;
        left -= (int64_t)want;
    }
    return 0;
}

int etsim_trace_writer_finish(etsim_trace_writer *w, etsim_err *err) {
    tr_buf *b = &w->raw;
    char *src_path = NULL, *json = NULL;
    FILE *src = NULL;
    int64_t old_start = w->data_start, old_end = w->off;
    unsigned char fh[TR_FILE_HEADER_LEN] = TR_FILE_MAGIC;

    /* Move the problems written so far aside (still a valid partial trace
     * under <path>.tmp.*, so a crash here loses nothing) and start the
     * final file with the completed header. */
    if (fflush(w->af.fp) != 0) {
        etsim_errf(err, "%s: write failed: %s", w->name, strerror(errno));
        goto err;
    }
    fclose(w->af.fp);
    w->af.fp = NULL;
    size_t n = strlen(w->af.tmp_path) + 8;
    src_path = etsim_malloc(n);
    snprintf(src_path, n, "%s.data", w->af.tmp_path);
    if (rename(w->af.tmp_path, src_path) != 0) {
        etsim_errf(err, "%s: cannot rename %s: %s", w->name, w->af.tmp_path, strerror(errno));
        free(src_path);
        src_path = NULL;
        goto err;
    }
    src = fopen(src_path, "rb");
    if (!src) {
        etsim_errf(err, "%s: cannot reopen %s: %s", w->name, src_path, strerror(errno));
        goto err;
    }
    free(w->af.path);
    free(w->af.tmp_path);
    if (etsim_atomic_open(&w->af, w->name, err) < 0) goto err;
    w->meta.has_longest_path = w->has_leaf;
    w->meta.longest_steps = w->lp_steps;
    w->meta.longest_tokens = w->lp_tokens;
    w->meta.longest_step_tokens = w->lp_step_tokens;
    json = tr_meta_to_json(&w->meta, w->emb_enc, err);
    if (!json) goto err;
    w->off = 0;
    tr_put_u32(fh + 8, ETSIM_TRACE_VERSION);
    tr_put_u32(fh + 12, 0);
    if (write_bytes(w, fh, sizeof fh, err) < 0) goto err;
    b->len = 0;
    tr_buf_bytes(b, json, strlen(json));
    if (write_record(w, 'H', 0, 0, 0, NULL, err) < 0) goto err;
    int64_t shift = w->off - old_start;
    if (copy_range(w, src, old_start, old_end, err) < 0) goto err;

    int64_t index_off = w->off;
    b->len = 0;
    tr_buf_u32(b, (uint32_t)w->n);
    tr_buf_u32(b, 0);
    tr_buf_u64(b, (uint64_t)w->c.n_nodes);
    tr_buf_u64(b, (uint64_t)w->c.n_leaves);
    tr_buf_u64(b, (uint64_t)w->c.n_scored);
    tr_buf_u64(b, (uint64_t)w->c.n_text);
    tr_buf_u64(b, (uint64_t)w->c.n_answer);
    tr_buf_u64(b, (uint64_t)w->c.n_emb);
    for (int32_t k = 0; k < w->n; k++) {
        const etsim_trace_entry *e = &w->entries[k];
        tr_buf_u64(b, (uint64_t)(e->offset + shift));
        tr_buf_u32(b, e->record_len);
        tr_buf_u32(b, (uint32_t)e->problem);
        tr_buf_u32(b, (uint32_t)e->n_nodes);
        tr_buf_u32(b, e->raw_len);
    }
    unsigned char tl[TR_TRAILER_LEN] = TR_TRAILER_MAGIC;
    if (write_record(w, 'I', 0, 0, (uint32_t)w->n, NULL, err) < 0) goto err;
    tr_put_u64(tl + 8, (uint64_t)index_off);
    tr_put_u64(tl + 16, (uint64_t)(w->off + TR_TRAILER_LEN));
    tr_put_u32(tl + 24, ETSIM_TRACE_VERSION);
    tr_put_u32(tl + 28, (uint32_t)etsim_trace_xxh64(tl, 28, TR_HEADER_SEED));
    if (write_bytes(w, tl, sizeof tl, err) < 0) goto err;
    fclose(src);
    src = NULL;
    if (etsim_atomic_commit(&w->af, err) < 0) {
        unlink(src_path);
        free(src_path);
        free(json);
        writer_free(w);
        return -1;
    }
    unlink(src_path);
    free(src_path);
    free(json);
    writer_free(w);
    return 0;
err:
    if (src) fclose(src);
    if (src_path) unlink(src_path);
    free(src_path);
    free(json);
    etsim_trace_writer_abort(w);
    return -1;
}

void etsim_trace_writer_abort(etsim_trace_writer *w) {
    if (!w) return;
    if (w->af.fp) {
        etsim_atomic_abort(&w->af);
    } else { /* finish() failed between its two files */
        free(w->af.path);
        free(w->af.tmp_path);
    }
    writer_free(w);
}

/* ---- resume --------------------------------------------------------------------- */

/* The newest "<path>.tmp.*" file, or NULL. */
static char *find_partial(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir = slash ? etsim_strdup(path) : etsim_strdup(".");
    if (slash) dir[slash - path + (slash == path)] = 0;
    const char *base = slash ? slash + 1 : path;
    size_t blen = strlen(base);
    char *best = NULL;
    double best_t = -1;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strncmp(de->d_name, base, blen) || strncmp(de->d_name + blen, ".tmp.", 5)) continue;
        size_t n = strlen(dir) + strlen(de->d_name) + 2;
        char *full = etsim_malloc(n);
        snprintf(full, n, "%s/%s", dir, de->d_name);
        struct stat st;
        double mt = stat(full, &st) == 0 ? st.st_mtim.tv_sec + st.st_mtim.tv_nsec * 1e-9 : -1;
        if (mt > best_t) {
            free(best);
            best = full;
            best_t = mt;
        } else {
            free(full);
        }
    }
    if (d) closedir(d);
    free(dir);
    return best;
}

etsim_trace_writer *etsim_trace_writer_resume(const char *path, const char *partial,
                                              etsim_meta *meta_out, int zstd_level,
                                              etsim_err *err) {
    char *found = partial ? etsim_strdup(partial) : find_partial(path);
    etsim_trace *tr = NULL;
    etsim_trace_writer *w = NULL;
    if (meta_out) memset(meta_out, 0, sizeof *meta_out);
    if (!found) {
        etsim_errf(err, "%s: no interrupted capture to resume (no %s.tmp.* file)", path, path);
        return NULL;
    }
    tr = etsim_trace_open_ex(found, ETSIM_TRACE_SCAN, 0, err);
    if (!tr) goto err;
    w = writer_new(path, zstd_level);
    w->emb_dim = tr->meta.emb_dim;
    w->emb_enc = tr->emb_enc;
    w->n = tr->n;
    w->cap_entries = tr->n;
    w->entries = etsim_malloc((size_t)(tr->n ? tr->n : 1) * sizeof *w->entries);
    if (tr->n) memcpy(w->entries, tr->entries, (size_t)tr->n * sizeof *w->entries);
    w->c = tr->counters;
    w->data_start = tr->data_start;
    w->off = tr->data_end;
    w->dropped = tr->has_index ? 0 : tr->file_len - tr->data_end;
    size_t n = strlen(path) + 32;
    w->af.path = etsim_strdup(path);
    w->af.tmp_path = etsim_malloc(n);
    snprintf(w->af.tmp_path, n, "%s.tmp.%ld", path, (long)getpid());
    if (strcmp(found, w->af.tmp_path) != 0 && rename(found, w->af.tmp_path) != 0) {
        etsim_errf(err, "%s: cannot rename to %s: %s", found, w->af.tmp_path, strerror(errno));
        goto err;
    }
    w->af.fp = fopen(w->af.tmp_path, "r+b");
    if (!w->af.fp || ftruncate(fileno(w->af.fp), (off_t)w->off) != 0 ||
        fseeko(w->af.fp, (off_t)w->off, SEEK_SET) != 0) {
        etsim_errf(err, "%s: cannot reopen for appending: %s", w->af.tmp_path, strerror(errno));
        goto err;
    }
    /* The longest path of the problems kept: read back from their frames
     * (the partial header cannot hold it; see the top of this file). */
    etsim_meta_copy(&w->meta, &tr->meta);
    w->meta.n_problems = tr->planned; /* the reader's n_problems counts the file's */
    w->meta.has_longest_path = 0;
    {
        etsim_trace_scratch *sc = etsim_trace_scratch_new();
        etsim_tree t;
        etsim_tree_init(&t, tr->meta.emb_dim);
        int bad = 0;
        for (int32_t k = 0; k < tr->n && !bad; k++) {
            bad = etsim_trace_load(tr, k, &t, sc, err) < 0;
            if (!bad) note_longest_path(w, &t);
        }
        etsim_tree_free(&t);
        etsim_trace_scratch_free(sc);
        if (bad) goto err;
    }
    if (meta_out) etsim_meta_copy(meta_out, &tr->meta);
    etsim_trace_close(tr);
    free(found);
    return w;
err:
    if (w) {
        if (w->af.fp) fclose(w->af.fp);
        free(w->af.path);
        free(w->af.tmp_path);
        memset(&w->af, 0, sizeof w->af);
        writer_free(w);
    }
    etsim_trace_close(tr);
    free(found);
    return NULL;
}
