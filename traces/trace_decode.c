/* trace_decode.c -- one problem frame's payload (see "Problem record" in
 * traces/FORMAT.md) into an etsim_tree.
 *
 * Two passes. The first walks the payload with a bounds-checked cursor and
 * validates everything (counts against the flags column, parents before
 * children, token ranges and cumulative sums, string lengths and NUL bytes,
 * embedding sizes, no trailing bytes) into scratch arrays, so a bad frame
 * is rejected before the tree is touched. The second fills the tree arena
 * directly: node array, children lists and string pool sized up front,
 * embeddings decoded straight into the tree's matrix. */
#include "traces/trace_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct cur {
    const unsigned char *p, *end;
} cur;

static inline int64_t left(const cur *c) { return c->end - c->p; }

static inline int get_varint(cur *c, uint32_t *v) {
    uint32_t x = 0;
    for (int i = 0; i < 5; i++) {
        if (c->p >= c->end) return -1;
        uint32_t b = *c->p++;
        if (i == 4 && b > 0x0F) return -1;
        x |= (b & 0x7Fu) << (7 * i);
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

static char *dup_n(const unsigned char *p, uint32_t n) {
    char *s = etsim_malloc((size_t)n + 1);
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

/* A string column (lengths then bytes): validate and return its bytes. */
static int string_column(cur *c, uint32_t count, uint32_t *lens, const unsigned char **bytes,
                         const char *nm, int32_t k, const char *field, etsim_err *err) {
    uint64_t total = 0;
    for (uint32_t j = 0; j < count; j++) {
        if (get_varint(c, &lens[j]) < 0)
            return etsim_errf(err, "%s: problem %d: column %s: bad length %u (truncated frame?)",
                              nm, k, field, j);
        total += lens[j];
    }
    if ((uint64_t)left(c) < total)
        return etsim_errf(err, "%s: problem %d: column %s: %llu bytes of strings, %lld remain",
                          nm, k, field, (unsigned long long)total, (long long)left(c));
    if (memchr(c->p, 0, total))
        return etsim_errf(err, "%s: problem %d: column %s: a string contains a NUL byte", nm, k,
                          field);
    *bytes = c->p;
    c->p += total;
    return 0;
}

int tr_decode_problem(const etsim_trace *tr, int32_t k, const tr_rec *rec,
                      etsim_trace_scratch *s, etsim_tree *t,
                      int64_t raw_cols[ETSIM_TRACE_NCOLS],
                      int64_t comp_cols[ETSIM_TRACE_NCOLS], int level, etsim_err *err) {
    static const char *const str_names[4] = {"id", "question", "answer", "subject"};
    const char *nm = tr->name;
    cur c = {s->raw, s->raw + rec->raw_len};
    const unsigned char *bound[ETSIM_TRACE_NCOLS + 1];
    const unsigned char *str_p[4];
    uint32_t str_len[4];
    bound[0] = c.p;
    if (left(&c) < 16)
        return etsim_errf(err, "%s: problem %d: frame of %u bytes is too short", nm, k,
                          rec->raw_len);
    uint32_t index = tr_get_u32(c.p), n = tr_get_u32(c.p + 4);
    int32_t prompt = (int32_t)tr_get_u32(c.p + 8), plevel = (int32_t)tr_get_u32(c.p + 12);
    c.p += 16;
    if (index != rec->problem)
        return etsim_errf(err, "%s: problem %d: field index %u differs from the record header's %u",
                          nm, k, index, rec->problem);
    if (n != rec->n_nodes || n < 1 || n > INT32_MAX)
        return etsim_errf(err, "%s: problem %d: field n_nodes %u differs from the record header's %u",
                          nm, k, n, rec->n_nodes);
    if (prompt < 0)
        return etsim_errf(err, "%s: problem %d: field prompt_tokens %d is negative", nm, k,
                          prompt);
    for (int j = 0; j < 4; j++) {
        if (left(&c) < 4)
            return etsim_errf(err, "%s: problem %d: field %s is cut off", nm, k, str_names[j]);
        str_len[j] = tr_get_u32(c.p);
        c.p += 4;
        str_p[j] = NULL;
        if (str_len[j] == TR_STR_ABSENT) continue;
        if ((uint64_t)left(&c) < str_len[j])
            return etsim_errf(err, "%s: problem %d: field %s: length %u runs past the frame", nm,
                              k, str_names[j], str_len[j]);
        if (memchr(c.p, 0, str_len[j]))
            return etsim_errf(err, "%s: problem %d: field %s contains a NUL byte", nm, k,
                              str_names[j]);
        str_p[j] = c.p;
        c.p += str_len[j];
    }
    if (left(&c) < 16)
        return etsim_errf(err, "%s: problem %d: column counts are cut off", nm, k);
    uint32_t n_hash = tr_get_u32(c.p), n_ans = tr_get_u32(c.p + 4);
    uint32_t n_text = tr_get_u32(c.p + 8), n_emb = tr_get_u32(c.p + 12);
    c.p += 16;
    /* Each node needs at least 7 bytes (flags, parent, tokens, score):
     * checking that first bounds every allocation below by the frame size. */
    if ((uint64_t)left(&c) < (uint64_t)n * 7)
        return etsim_errf(err, "%s: problem %d: field n_nodes %u needs at least %llu bytes, %lld remain",
                          nm, k, n, (unsigned long long)n * 7, (long long)left(&c));
    if (n_emb > 0 && tr->meta.emb_dim <= 0)
        return etsim_errf(err, "%s: problem %d: field n_emb %u but the header has no embeddings",
                          nm, k, n_emb);
    bound[ETSIM_TRACE_COL_FLAGS] = c.p;

    const unsigned char *fl = c.p;
    c.p += n;
    uint32_t cnt[4] = {0, 0, 0, 0};
    for (uint32_t i = 0; i < n; i++) {
        cnt[0] += (fl[i] & TR_HAS_HASH) != 0;
        cnt[1] += (fl[i] & TR_HAS_ANSWER) != 0;
        cnt[2] += (fl[i] & TR_HAS_TEXT) != 0;
        cnt[3] += (fl[i] & TR_HAS_EMB) != 0;
    }
    const uint32_t want[4] = {n_hash, n_ans, n_text, n_emb};
    static const char *const cnt_names[4] = {"n_hash", "n_answer", "n_text", "n_emb"};
    for (int j = 0; j < 4; j++)
        if (cnt[j] != want[j])
            return etsim_errf(err, "%s: problem %d: field %s is %u but %u nodes have the flag", nm,
                              k, cnt_names[j], want[j], cnt[j]);

    /* scratch: parent, step tokens, cumulative tokens, children count, and
     * the string lengths of answers and texts */
    etsim_grow((void **)&s->tmp, &s->tmp_cap,
               ((int64_t)n * 4 + (int64_t)n_ans + n_text) * 4, 1);
    int32_t *par = (int32_t *)s->tmp, *tok = par + n, *cum = tok + n, *nk = cum + n;
    uint32_t *ans_len = (uint32_t *)(nk + n), *text_len = ans_len + n_ans;

    bound[ETSIM_TRACE_COL_PARENT] = c.p;
    int64_t prev = -1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t z;
        if (get_varint(&c, &z) < 0)
            return etsim_errf(err, "%s: problem %d node %u: field parent: bad varint (truncated frame?)",
                              nm, k, i);
        int64_t p = prev + (int64_t)((int32_t)(z >> 1) ^ -(int32_t)(z & 1));
        if (i == 0 && p != -1)
            return etsim_errf(err, "%s: problem %d node 0: parent %lld, the root's must be -1", nm,
                              k, (long long)p);
        if (i > 0 && p < 0)
            return etsim_errf(err, "%s: problem %d node %u: parent %lld is out of range", nm, k, i,
                              (long long)p);
        if (i > 0 && p >= i)
            return etsim_errf(err, "%s: problem %d node %u: parent %lld is not before the node",
                              nm, k, i, (long long)p);
        par[i] = (int32_t)p;
        nk[i] = 0;
        prev = p;
    }
    bound[ETSIM_TRACE_COL_TOKENS] = c.p;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t v;
        if (get_varint(&c, &v) < 0 || v > INT32_MAX)
            return etsim_errf(err, "%s: problem %d node %u: field step_tokens: bad value", nm, k,
                              i);
        tok[i] = (int32_t)v;
        int64_t sum = (i ? (int64_t)cum[par[i]] : 0) + v;
        if (sum > INT32_MAX)
            return etsim_errf(err, "%s: problem %d node %u: field step_tokens: cumulative tokens overflow",
                              nm, k, i);
        cum[i] = (int32_t)sum;
        if (i) nk[par[i]]++;
    }
    bound[ETSIM_TRACE_COL_SCORE] = c.p;
    if ((uint64_t)left(&c) < (uint64_t)n * 4)
        return etsim_errf(err, "%s: problem %d: column score is cut off", nm, k);
    const unsigned char *sc = c.p;
    c.p += (size_t)n * 4;
    bound[ETSIM_TRACE_COL_HASH] = c.p;
    if ((uint64_t)left(&c) < (uint64_t)n_hash * 8)
        return etsim_errf(err, "%s: problem %d: column hash is cut off", nm, k);
    const unsigned char *hs = c.p;
    c.p += (size_t)n_hash * 8;
    bound[ETSIM_TRACE_COL_ANSWER] = c.p;
    const unsigned char *ans_bytes = NULL, *text_bytes = NULL;
    if (string_column(&c, n_ans, ans_len, &ans_bytes, nm, k, "answers", err) < 0) return -1;
    bound[ETSIM_TRACE_COL_TEXT] = c.p;
    if (string_column(&c, n_text, text_len, &text_bytes, nm, k, "texts", err) < 0) return -1;
    bound[ETSIM_TRACE_COL_EMB] = c.p;
    int32_t dim = tr->meta.emb_dim;
    const unsigned char *emb = c.p;
    if (n_emb) {
        uint64_t need = (uint64_t)n_emb * etsim_trace_emb_row_bytes(tr->emb_enc, dim);
        if ((uint64_t)left(&c) < need)
            return etsim_errf(err, "%s: problem %d: column embeddings: %llu bytes needed, %lld remain",
                              nm, k, (unsigned long long)need, (long long)left(&c));
        c.p += need;
    }
    bound[ETSIM_TRACE_NCOLS] = c.p;
    if (c.p != c.end)
        return etsim_errf(err, "%s: problem %d: %lld trailing bytes after the node table", nm, k,
                          (long long)left(&c));

    if (!t) { /* column accounting only */
        void *zbuf = NULL;
        int64_t zcap = 0;
        if (comp_cols && !s->cctx) s->cctx = ZSTD_createCCtx();
        for (int j = 0; j < ETSIM_TRACE_NCOLS; j++) {
            size_t len = (size_t)(bound[j + 1] - bound[j]);
            if (raw_cols) raw_cols[j] = (int64_t)len;
            if (!comp_cols) continue;
            comp_cols[j] = 0;
            if (!len || !s->cctx) continue;
            etsim_grow(&zbuf, &zcap, (int64_t)ZSTD_compressBound(len), 1);
            size_t z = ZSTD_compressCCtx(s->cctx, zbuf, (size_t)zcap, bound[j], len,
                                         level ? level : ETSIM_TRACE_DEFAULT_LEVEL);
            comp_cols[j] = ZSTD_isError(z) ? -1 : (int64_t)z;
        }
        free(zbuf);
        return 0;
    }

    /* ---- second pass: fill the tree ---- */
    etsim_tree_reset(t);
    t->emb_dim = dim;
    t->prob.index = (int32_t)index;
    t->prob.level = plevel;
    char **strs[4] = {&t->prob.id, &t->prob.question, &t->prob.answer, &t->prob.subject};
    for (int j = 0; j < 4; j++)
        if (str_p[j]) *strs[j] = dup_n(str_p[j], str_len[j]);
    etsim_grow((void **)&t->nodes, &t->cap_nodes, (int64_t)n, sizeof *t->nodes);
    etsim_tree_add_root(t, tok[0]);
    t->prob.prompt_tokens = prompt;
    for (uint32_t i = 0; i < n; i++) {
        if (i) etsim_tree_add_child(t, par[i], tok[i]);
        etsim_node *nd = &t->nodes[i];
        if (nk[i]) { /* exact capacity: no regrowth while children arrive */
            nd->kids = etsim_malloc((size_t)nk[i] * sizeof *nd->kids);
            nd->cap_kids = nk[i];
        }
        nd->flags = fl[i] & TR_NODE_FLAGS_MASK;
        uint32_t u = (uint32_t)sc[i] | (uint32_t)sc[n + i] << 8 |
                     (uint32_t)sc[2 * (size_t)n + i] << 16 | (uint32_t)sc[3 * (size_t)n + i] << 24;
        memcpy(&nd->score, &u, 4);
    }
    if (n_ans || n_text) {
        int64_t total = (int64_t)(bound[ETSIM_TRACE_COL_EMB] - bound[ETSIM_TRACE_COL_ANSWER]) +
                        n_ans + n_text;
        etsim_grow((void **)&t->strpool, &t->str_cap, t->str_len + total, 1);
        uint32_t ja = 0, jt = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (fl[i] & TR_HAS_ANSWER) {
                uint32_t len = ans_len[ja++];
                char *d = t->strpool + t->str_len;
                memcpy(d, ans_bytes, len);
                d[len] = 0;
                t->nodes[i].answer_off = t->str_len;
                t->str_len += (int64_t)len + 1;
                ans_bytes += len;
            }
            if (fl[i] & TR_HAS_TEXT) {
                uint32_t len = text_len[jt++];
                char *d = t->strpool + t->str_len;
                memcpy(d, text_bytes, len);
                d[len] = 0;
                t->nodes[i].text_off = t->str_len;
                t->nodes[i].text_hash = etsim_hash_bytes(d, len, 0);
                t->str_len += (int64_t)len + 1;
                text_bytes += len;
            }
        }
    }
    if (n_hash)
        for (uint32_t i = 0; i < n; i++)
            if (fl[i] & TR_HAS_HASH) {
                t->nodes[i].text_hash = tr_get_u64(hs);
                hs += 8;
            }
    if (n_emb) {
        etsim_grow((void **)&t->emb, &t->emb_cap, (int64_t)n_emb * dim, sizeof *t->emb);
        etsim_trace_emb_decode(tr->emb_enc, emb, n_emb, dim, t->emb);
        int32_t row = 0;
        for (uint32_t i = 0; i < n; i++)
            if (fl[i] & TR_HAS_EMB) t->nodes[i].emb_row = row++;
        t->emb_rows = row;
    }
    return 0;
}
