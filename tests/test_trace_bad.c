/* test_trace_bad.c -- the trace reader on bad input: missing, empty,
 * truncated (every cut point), flipped bytes (every byte of a small file:
 * all are covered by a check), wrong version and magic, and hand-built
 * frames with out-of-range parents, bad counts, NUL bytes, overflowing
 * tokens, short embeddings, trailing bytes and bad header JSON. Each must
 * fail with one line naming the file (and problem / node / field where
 * they apply) and never crash. Also the writer's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_trace_util.h"
#include "traces/trace_internal.h"

/* ---- building files by hand ------------------------------------------------ */

static void add_record(tr_buf *out, char kind, uint32_t problem, uint32_t n_nodes,
                       uint32_t seq, const void *payload, size_t len) {
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    size_t bound = ZSTD_compressBound(len);
    unsigned char *z = malloc(bound);
    size_t zl = ZSTD_compress2(c, z, bound, payload, len);
    assert_false(ZSTD_isError(zl));
    tr_rec r = {kind, problem, n_nodes, (uint32_t)len, (uint32_t)zl,
                (uint32_t)etsim_trace_xxh64(z, zl, 0), seq};
    tr_rec_pack(&r, tr_buf_room(out, TR_REC_HEADER_LEN));
    tr_buf_bytes(out, z, zl);
    free(z);
    ZSTD_freeCCtx(c);
}

/* A whole file: header JSON, n problem payloads (indices 0..n-1 with the
 * given node counts), index and trailer. */
static tr_buf build_file(const char *json, tr_buf *payloads, const uint32_t *n_nodes, int n) {
    tr_buf f = {0};
    unsigned char *fh = tr_buf_room(&f, TR_FILE_HEADER_LEN);
    memcpy(fh, TR_FILE_MAGIC, 8);
    tr_put_u32(fh + 8, 1);
    tr_put_u32(fh + 12, 0);
    add_record(&f, 'H', 0, 0, 0, json, strlen(json));
    tr_buf idx = {0};
    tr_buf_u32(&idx, (uint32_t)n);
    tr_buf_u32(&idx, 0);
    uint64_t total = 0;
    for (int k = 0; k < n; k++) total += n_nodes[k];
    tr_buf_u64(&idx, total);
    for (int j = 0; j < 5; j++) tr_buf_u64(&idx, 0);
    for (int k = 0; k < n; k++) {
        int64_t off = f.len;
        add_record(&f, 'P', (uint32_t)k, n_nodes[k], (uint32_t)k, payloads[k].p,
                   (size_t)payloads[k].len);
        tr_buf_u64(&idx, (uint64_t)off);
        tr_buf_u32(&idx, (uint32_t)(f.len - off));
        tr_buf_u32(&idx, (uint32_t)k);
        tr_buf_u32(&idx, n_nodes[k]);
        tr_buf_u32(&idx, (uint32_t)payloads[k].len);
    }
    int64_t index_off = f.len;
    add_record(&f, 'I', 0, 0, (uint32_t)n, idx.p, (size_t)idx.len);
    free(idx.p);
    unsigned char *t = tr_buf_room(&f, TR_TRAILER_LEN);
    memcpy(t, TR_TRAILER_MAGIC, 8);
    tr_put_u64(t + 8, (uint64_t)index_off);
    tr_put_u64(t + 16, (uint64_t)f.len);
    tr_put_u32(t + 24, 1);
    tr_put_u32(t + 28, (uint32_t)etsim_trace_xxh64(t, 28, TR_HEADER_SEED));
    return f;
}

static const char *JSON0 = "{\"format\":\"etsim-trace\",\"version\":1,\"emb_dim\":0}";
static const char *JSON4 =
    "{\"format\":\"etsim-trace\",\"version\":1,\"emb_dim\":4,\"embed_encoding\":\"f32\"}";

/* Payload of a 3-node chain root -> 1 -> 2, parameterised by its faults. */
typedef struct frame_spec {
    uint32_t parent_z[3];   /* zigzag parent deltas                   */
    uint32_t tokens[3];
    uint32_t n_hash_claim;  /* what the counts say                    */
    unsigned char flags[3];
    const char *answer;     /* node 2's answer, with its length below */
    uint32_t answer_len;
    uint32_t n_emb;         /* rows claimed; `emb_bytes` present       */
    uint32_t emb_bytes;
    int trailing;
} frame_spec;

static frame_spec good_spec(void) {
    frame_spec s = {{0, 2, 2}, {10, 5, 7}, 0, {0, 2, 3 | TR_HAS_ANSWER}, "42", 2, 0, 0, 0};
    return s;
}

static tr_buf payload(const frame_spec *s) {
    tr_buf b = {0};
    tr_buf_u32(&b, 0);
    tr_buf_u32(&b, 3);
    tr_buf_u32(&b, 10);
    tr_buf_u32(&b, 0);
    tr_buf_u32(&b, 1);
    tr_buf_bytes(&b, "p", 1);
    for (int j = 0; j < 3; j++) tr_buf_u32(&b, TR_STR_ABSENT);
    tr_buf_u32(&b, s->n_hash_claim);
    tr_buf_u32(&b, 1);
    tr_buf_u32(&b, 0);
    tr_buf_u32(&b, s->n_emb);
    tr_buf_bytes(&b, s->flags, 3);
    for (int i = 0; i < 3; i++) tr_buf_varint(&b, s->parent_z[i]);
    for (int i = 0; i < 3; i++) tr_buf_varint(&b, s->tokens[i]);
    memset(tr_buf_room(&b, 12), 0x3f, 12);
    tr_buf_varint(&b, s->answer_len);
    tr_buf_bytes(&b, s->answer, s->answer_len <= 3 ? s->answer_len : 2); /* 200: a lie */
    memset(tr_buf_room(&b, s->emb_bytes), 0, s->emb_bytes);
    if (s->trailing) tr_buf_u32(&b, 0);
    return b;
}

/* Build a one-problem file from spec; expect load(0) to fail with `needle`. */
static void expect_load_error(const char *json, const frame_spec *spec, const char *needle) {
    tr_buf p = payload(spec);
    uint32_t nn = 3;
    tr_buf f = build_file(json, &p, &nn, 1);
    etsim_err err = {{0}};
    etsim_trace *tr = etsim_trace_open_mem(f.p, (size_t)f.len, "bad.trace", 0, 0, &err);
    if (!tr) fail_msg("open failed: %s", err.msg);
    etsim_tree t;
    etsim_tree_init(&t, 0);
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    int rc = etsim_trace_load(tr, 0, &t, s, &err);
    if (needle) {
        if (rc != -1) fail_msg("loaded, expected '%s'", needle);
        tt_assert_msg(&err, needle);
        assert_int_equal(t.n_nodes, 0);
    } else {
        if (rc < 0) fail_msg("%s", err.msg);
        assert_int_equal(t.n_nodes, 3);
    }
    etsim_trace_scratch_free(s);
    etsim_tree_free(&t);
    etsim_trace_close(tr);
    free(p.p);
    free(f.p);
}

static void test_hand_frames(void **state) {
    (void)state;
    frame_spec s = good_spec();
    expect_load_error(JSON0, &s, NULL); /* the builder itself is right */

    s = good_spec();
    s.parent_z[2] = 10; /* previous parent 0, +5 */
    expect_load_error(JSON0, &s, "bad.trace: problem 0 node 2: parent 5 is not before the node");
    s = good_spec();
    s.parent_z[2] = 5; /* 0 - 3 */
    expect_load_error(JSON0, &s, "bad.trace: problem 0 node 2: parent -3 is out of range");
    s = good_spec();
    s.parent_z[0] = 2;
    expect_load_error(JSON0, &s, "problem 0 node 0: parent 0, the root's must be -1");
    s = good_spec();
    s.parent_z[1] = 0x80; /* two-byte varint: -1 + 64 */
    expect_load_error(JSON0, &s, "problem 0 node 1: parent 63 is not before the node");
    s = good_spec();
    s.n_hash_claim = 1;
    expect_load_error(JSON0, &s, "problem 0: field n_hash is 1 but 0 nodes have the flag");
    s = good_spec();
    s.tokens[2] = 0x7FFFFFF0u; /* 10 + 5 + this = INT32_MAX: still fits */
    expect_load_error(JSON0, &s, NULL);
    s.tokens[2] = 0x7FFFFFF1u;
    expect_load_error(JSON0, &s, "problem 0 node 2: field step_tokens: cumulative tokens overflow");
    s = good_spec();
    s.tokens[1] = 0x80000000u;
    expect_load_error(JSON0, &s, "problem 0 node 1: field step_tokens: bad value");
    s = good_spec();
    s.answer = "4\0002";
    s.answer_len = 3;
    expect_load_error(JSON0, &s, "problem 0: column answers: a string contains a NUL byte");
    s = good_spec();
    s.answer_len = 200;
    expect_load_error(JSON0, &s, "problem 0: column answers: 200 bytes of strings");
    s = good_spec();
    s.trailing = 1;
    expect_load_error(JSON0, &s, "problem 0: 4 trailing bytes after the node table");
    s = good_spec();
    s.flags[1] |= TR_HAS_EMB;
    s.n_emb = 1;
    s.emb_bytes = 16;
    expect_load_error(JSON0, &s, "field n_emb 1 but the header has no embeddings");
    expect_load_error(JSON4, &s, NULL);
    s.emb_bytes = 15;
    expect_load_error(JSON4, &s, "problem 0: column embeddings: 16 bytes needed, 15 remain");
}

static void expect_open_error_mem(const void *p, size_t len, const char *needle) {
    etsim_err err = {{0}};
    etsim_trace *tr = etsim_trace_open_mem(p, len, "bad.trace", 0, 0, &err);
    if (tr) fail_msg("opened, expected '%s'", needle);
    tt_assert_msg(&err, needle);
}

static void test_header_json(void **state) {
    (void)state;
    static const struct {
        const char *json, *needle;
    } cases[] = {
        {"[1]", "bad.trace: header: not a JSON object"},
        {"{\"format\":\"x\",\"version\":1}", "header: field 'format'"},
        {"{\"format\":\"etsim-trace\",\"version\":2}", "header: field 'version' is not 1"},
        {"{\"format\":\"etsim-trace\",\"version\":1,\"emb_dim\":-1}", "field 'emb_dim'"},
        {"{\"format\":\"etsim-trace\",\"version\":1,\"emb_dim\":8}", "field 'embed_encoding'"},
        {"{\"format\":\"etsim-trace\",\"version\":1,\"dataset\":3}", "field 'dataset' is not a string"},
        {"{\"format\":\"etsim-trace\",\"version\":1,\"settings\":[]}", "field 'settings'"},
        {"{\"format\":\"etsim-trace\",\"version\":1,\"tokens_estimated\":1}", "field 'tokens_estimated'"},
        {"{\"format\":", "bad.trace: header: line 1: invalid JSON"},
        /* issue 13: the shared JSON policy (sim/core/json.h) */
        {"{\"format\":\"etsim-trace\",\"version\":1,\"dataset\":\"math\\u0000500\"}",
         "bad.trace: header: line 1: a string holds a NUL character"},
        {"{\"format\":\"etsim-trace\",\"version\":1,\"version\":1}",
         "bad.trace: header: line 1: duplicate key 'version'"},
        {"{\"format\":\"etsim-trace\",\"version\":1} {}",
         "bad.trace: header: line 1: unexpected content after the JSON value"},
        {"{\"format\":\"etsim-trace\",\"version\":1,\"longest_path\":[]}",
         "header: field 'longest_path' is not an object"},
        {"{\"format\":\"etsim-trace\",\"version\":1,\"longest_path\":{\"steps\":-1,"
         "\"tokens\":5,\"step_tokens\":3}}", "field 'longest_path.steps' is not a count"},
        {"{\"format\":\"etsim-trace\",\"version\":1,\"longest_path\":{\"steps\":2,"
         "\"step_tokens\":3}}", "field 'longest_path.tokens' is not a count"},
        {"{\"format\":\"etsim-trace\",\"version\":1,\"longest_path\":{\"steps\":2,"
         "\"tokens\":3,\"step_tokens\":4.5}}", "field 'longest_path.step_tokens' is not a count"},
        {"{\"format\":\"etsim-trace\",\"version\":1,\"longest_path\":{\"steps\":2,"
         "\"tokens\":3,\"step_tokens\":4}}", "'longest_path.step_tokens' exceeds its 'tokens'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tr_buf f = build_file(cases[i].json, NULL, NULL, 0);
        expect_open_error_mem(f.p, (size_t)f.len, cases[i].needle);
        free(f.p);
    }
    /* A header from before longest_path existed reads as "unknown". */
    tr_buf f = build_file(JSON0, NULL, NULL, 0);
    etsim_err err = {{0}};
    etsim_trace *tr = etsim_trace_open_mem(f.p, (size_t)f.len, "old.trace", 0, 0, &err);
    if (!tr) fail_msg("%s", err.msg);
    assert_int_equal(etsim_trace_meta(tr)->has_longest_path, 0);
    etsim_trace_close(tr);
    free(f.p);
}

/* ---- damaging a real file ------------------------------------------------------ */

/* Open, then load every problem: 0 when all fine, else -1 with err. */
static int open_and_load_all(const unsigned char *p, size_t len, unsigned flags,
                             etsim_err *err) {
    etsim_trace *tr = etsim_trace_open_mem(p, len, "cut.trace", flags, 0, err);
    if (!tr) return -1;
    etsim_tree t;
    etsim_tree_init(&t, 0);
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    int rc = 0;
    for (int32_t k = 0; k < etsim_trace_n_problems(tr) && rc == 0; k++)
        rc = etsim_trace_load(tr, k, &t, s, err);
    etsim_trace_scratch_free(s);
    etsim_tree_free(&t);
    etsim_trace_close(tr);
    return rc;
}

static void test_every_cut_and_flip(void **state) {
    (void)state;
    char *dir = tt_tmpdir(), *path = tt_path(dir, "small.trace");
    tt_write_trace(path, 3, 6, 2, "f16", 1, 11);
    size_t len;
    unsigned char *orig = tt_read_all(path, &len), *buf = malloc(len);
    etsim_err err = {{0}};
    assert_int_equal(open_and_load_all(orig, len, 0, &err), 0);
    for (size_t cut = 0; cut < len; cut++) {
        err.msg[0] = 0;
        assert_int_equal(open_and_load_all(orig, cut, 0, &err), -1);
        tt_assert_msg(&err, "cut.trace: ");
        if (cut >= 16) {
            if (!strstr(err.msg, "truncated") && !strstr(err.msg, "interrupted"))
                fail_msg("cut at %zu: '%s' does not say truncated", cut, err.msg);
        }
        /* scan mode recovers a prefix and never fails past the header */
        int rc = open_and_load_all(orig, cut, ETSIM_TRACE_SCAN, &err);
        (void)rc;
    }
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(buf, orig, len);
            buf[i] ^= (unsigned char)(1u << bit);
            err.msg[0] = 0;
            if (open_and_load_all(buf, len, 0, &err) == 0)
                fail_msg("flip of bit %d at byte %zu went unnoticed", bit, i);
            tt_assert_msg(&err, "cut.trace");
            (void)open_and_load_all(buf, len, ETSIM_TRACE_SCAN, &err);
        }
    }
    free(buf);
    free(orig);
    free(path);
    tt_rmdir(dir);
}

static void test_named_corruptions(void **state) {
    (void)state;
    char *dir = tt_tmpdir(), *path = tt_path(dir, "c.trace"), *bad = tt_path(dir, "bad.trace");
    tt_write_trace(path, 3, 30, 0, NULL, 0, 1);
    size_t len;
    unsigned char *b = tt_read_all(path, &len);
    etsim_err err = {{0}};

    assert_null(etsim_trace_open(bad, &err)); /* missing */
    tt_assert_msg(&err, "bad.trace: cannot open: No such file");
    tt_write_all(bad, "", 0);
    assert_null(etsim_trace_open(bad, &err));
    tt_assert_msg(&err, "bad.trace: not an etsim trace (file is 0 bytes, too short)");

    unsigned char *c = malloc(len);
    memcpy(c, b, len);
    memcpy(c, "ETSTRACX", 8);
    tt_write_all(bad, c, len);
    assert_null(etsim_trace_open(bad, &err));
    tt_assert_msg(&err, "bad.trace: not an etsim trace (bad magic)");

    memcpy(c, b, len);
    tr_put_u32(c + 8, 2);
    tt_write_all(bad, c, len);
    assert_null(etsim_trace_open(bad, &err));
    tt_assert_msg(&err, "bad.trace: unsupported trace format version 2 (this etsim reads version 1)");

    /* a flipped byte inside problem 1's frame: the file opens, problem 0
     * and 2 load, problem 1 names itself */
    etsim_trace *tr = etsim_trace_open(path, &err);
    assert_non_null(tr);
    const etsim_trace_entry *e1 = etsim_trace_entry_at(tr, 1);
    memcpy(c, b, len);
    c[e1->offset + TR_REC_HEADER_LEN + e1->record_len / 2] ^= 0x40;
    etsim_trace_close(tr);
    tt_write_all(bad, c, len);
    tr = etsim_trace_open(bad, &err);
    if (!tr) fail_msg("%s", err.msg);
    etsim_tree t;
    etsim_tree_init(&t, 0);
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    assert_int_equal(etsim_trace_load(tr, 0, &t, s, &err), 0);
    assert_int_equal(etsim_trace_load(tr, 1, &t, s, &err), -1);
    tt_assert_msg(&err, "bad.trace: problem 1: payload checksum mismatch (corrupted file)");
    assert_int_equal(etsim_trace_load(tr, 2, &t, s, &err), 0);
    etsim_trace_close(tr);

    /* the record header of problem 2 */
    tr = etsim_trace_open(path, &err);
    int64_t off2 = etsim_trace_entry_at(tr, 2)->offset;
    etsim_trace_close(tr);
    memcpy(c, b, len);
    c[off2 + 9] ^= 1; /* n_nodes */
    tt_write_all(bad, c, len);
    tr = etsim_trace_open(bad, &err);
    assert_non_null(tr);
    assert_int_equal(etsim_trace_load(tr, 2, &t, s, &err), -1);
    tt_assert_msg(&err, "bad.trace: problem 2: record header checksum mismatch");
    etsim_trace_close(tr);

    /* cut in the middle of problem 2: open says truncated; scan keeps 0, 1 */
    tt_write_all(bad, b, (size_t)off2 + 40);
    assert_null(etsim_trace_open(bad, &err));
    tt_assert_msg(&err, "truncated or its capture was interrupted");
    tr = etsim_trace_open_ex(bad, ETSIM_TRACE_SCAN, 0, &err);
    assert_non_null(tr);
    assert_int_equal(etsim_trace_n_problems(tr), 2);
    assert_int_equal(etsim_trace_has_index(tr), 0);
    assert_int_equal(etsim_trace_dropped_bytes(tr), 40);
    assert_int_equal(etsim_trace_load(tr, 1, &t, s, &err), 0);
    assert_int_equal(t.n_nodes, 31);
    etsim_trace_close(tr);

    /* a frame limit smaller than the frames */
    assert_null(etsim_trace_open_mem(b, len, "lim.trace", 0, 64, &err));
    tt_assert_msg(&err, "lim.trace: ");
    tt_assert_msg(&err, "exceeds the limit of 64 bytes");

    etsim_trace_scratch_free(s);
    etsim_tree_free(&t);
    free(c);
    free(b);
    free(path);
    free(bad);
    tt_rmdir(dir);
}

static void test_writer_refusals(void **state) {
    (void)state;
    char *dir = tt_tmpdir(), *path = tt_path(dir, "w.trace");
    etsim_err err = {{0}};
    etsim_meta m = tt_meta(4, "bf16");
    assert_null(etsim_trace_writer_open(path, &m, 0, &err));
    tt_assert_msg(&err, "embed_encoding 'bf16' is not one of f32, f16, i8");
    m = tt_meta(4, NULL);
    m.settings_json = (char *)"[1]";
    assert_null(etsim_trace_writer_open(path, &m, 0, &err));
    tt_assert_msg(&err, "settings_json is not a JSON object");
    m = tt_meta(4, NULL);
    etsim_trace_writer *w = etsim_trace_writer_open(path, &m, 0, &err);
    assert_non_null(w);
    etsim_tree t;
    etsim_tree_init(&t, 4);
    tt_make_tree(&t, 5, 10, 4, 0, 1);
    assert_int_equal(etsim_trace_writer_add(w, &t, &err), 0);
    assert_int_equal(etsim_trace_writer_add(w, &t, &err), -1);
    tt_assert_msg(&err, "problem 1: index 5 does not follow 5");
    tt_make_tree(&t, 6, 10, 4, 0, 1);
    t.emb_dim = 3; /* rows of the wrong width */
    assert_int_equal(etsim_trace_writer_add(w, &t, &err), -1);
    tt_assert_msg(&err, "embedding of dimension 3, the trace header says 4");
    t.emb_dim = 4;
    t.nodes[2].flags |= 1u << 6;
    assert_int_equal(etsim_trace_writer_add(w, &t, &err), -1);
    tt_assert_msg(&err, "problem 1 node 2: flags 0x");
    etsim_trace_writer_abort(w);
    assert_int_equal(access(path, F_OK), -1); /* nothing left behind */
    etsim_tree_free(&t);
    free(path);
    tt_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_frames),
        cmocka_unit_test(test_header_json),
        cmocka_unit_test(test_every_cut_and_flip),
        cmocka_unit_test(test_named_corruptions),
        cmocka_unit_test(test_writer_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
