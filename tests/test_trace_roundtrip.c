/* test_trace_roundtrip.c -- trace format v1 round trips: every field
 * bit-exact (f32 embeddings), lossy encodings within their bounds, header
 * metadata, random access to problem k, shard reads, lookup by problem
 * index, the trace oracle, a hand-worked small frame, and XXH64 against
 * its published test vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_trace_util.h"
#include "traces/oracle_trace.h"
#include "traces/trace_bench.h"
#include "traces/trace_internal.h"

#include <pthread.h>

static void test_xxh64_vectors(void **state) {
    (void)state;
    assert_true(etsim_trace_xxh64("", 0, 0) == 0xEF46DB3751D8E999ULL);
    assert_true(etsim_trace_xxh64("a", 1, 0) == 0xD24EC4F1A98C6E5BULL);
    assert_true(etsim_trace_xxh64("abc", 3, 0) == 0x44BC2CF5AD770999ULL);
    const char *s = "Nobody inspects the spammish repetition"; /* 39 bytes */
    assert_true(etsim_trace_xxh64(s, strlen(s), 0) == 0xFBCEA83C8A378BF1ULL);
}

static void roundtrip(int32_t dim, const char *enc, int with_text, int exact, double tol) {
    char *dir = tt_tmpdir(), *path = tt_path(dir, "rt.trace");
    const int32_t np = 7, nodes = 150;
    etsim_err err = {{0}};
    tt_write_trace(path, np, nodes, dim, enc, with_text, 42);
    etsim_trace *tr = etsim_trace_open(path, &err);
    if (!tr) fail_msg("%s", err.msg);
    assert_int_equal(etsim_trace_n_problems(tr), np);
    assert_int_equal(etsim_trace_has_index(tr), 1);
    const etsim_meta *m = etsim_trace_meta(tr);
    assert_string_equal(m->dataset, "math500");
    assert_string_equal(m->policy_model, "policy-1b");
    assert_string_equal(m->prm_model, "prm-7b");
    assert_string_equal(m->tokenizer, "tok");
    assert_string_equal(m->step_delimiter, "\n\n");
    assert_string_equal(m->answer_format, "boxed");
    assert_string_equal(m->settings_json, "{\"width\":16,\"temperature\":0.8}");
    assert_int_equal(m->emb_dim, dim);
    assert_int_equal(m->tokens_estimated, 1);
    assert_int_equal(m->n_problems, np);
    if (dim) assert_string_equal(m->embed_encoding, enc ? enc : "f16");
    else assert_null(m->embed_encoding);

    etsim_tree want, got;
    etsim_tree_init(&want, dim);
    etsim_tree_init(&got, 0);
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    int64_t total = 0, leaves = 0;
    /* random access: back to front */
    for (int32_t k = np - 1; k >= 0; k--) {
        tt_make_tree(&want, 2 * k + 1, nodes + k, dim, with_text, 42);
        if (etsim_trace_load(tr, k, &got, s, &err) < 0) fail_msg("%s", err.msg);
        tt_assert_tree_equal(&want, &got, exact, tol);
        total += got.n_nodes;
        for (int32_t i = 0; i < got.n_nodes; i++)
            leaves += (got.nodes[i].flags & ETSIM_NODE_LEAF) != 0;
        assert_int_equal(etsim_trace_entry_at(tr, k)->problem, 2 * k + 1);
    }
    etsim_trace_counters c;
    etsim_trace_counters_get(tr, &c);
    assert_int_equal(c.n_nodes, total);
    assert_int_equal(c.n_leaves, leaves);
    assert_int_equal(etsim_trace_n_nodes(tr), total);
    etsim_trace_scratch_free(s);
    etsim_tree_free(&want);
    etsim_tree_free(&got);
    etsim_trace_close(tr);
    free(path);
    tt_rmdir(dir);
}

static void test_roundtrip_f32_text(void **state) {
    (void)state;
    roundtrip(8, "f32", 1, 1, 0);
}
static void test_roundtrip_no_emb(void **state) {
    (void)state;
    roundtrip(0, NULL, 0, 1, 0);
}
/* f16: |v| < 6 here (normal draws), relative error <= 2^-11. */
static void test_roundtrip_f16_default(void **state) {
    (void)state;
    roundtrip(16, NULL, 1, 0, 6.0 / 2048);
}
/* i8: error <= scale / 2 = max|v| / 254, max|v| < 6 here. */
static void test_roundtrip_i8(void **state) {
    (void)state;
    roundtrip(16, "i8", 0, 0, 6.0 / 254);
}

static void test_shards_and_find(void **state) {
    (void)state;
    char *dir = tt_tmpdir(), *path = tt_path(dir, "sh.trace");
    etsim_err err = {{0}};
    tt_write_trace(path, 10, 20, 0, NULL, 0, 3);
    etsim_trace *tr = etsim_trace_open(path, &err);
    assert_non_null(tr);
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    etsim_tree t;
    etsim_tree_init(&t, 0);
    int32_t next = 0;
    for (int32_t sh = 0; sh < 3; sh++) {
        int32_t lo, hi;
        etsim_trace_shard(tr, sh, 3, &lo, &hi);
        assert_int_equal(lo, next); /* contiguous, covering */
        assert_true(hi - lo >= 3 && hi - lo <= 4);
        for (int32_t k = lo; k < hi; k++) {
            if (etsim_trace_load(tr, k, &t, s, &err) < 0) fail_msg("%s", err.msg);
            assert_int_equal(t.prob.index, 2 * k + 1);
            assert_int_equal(t.n_nodes, 20 + k);
        }
        next = hi;
    }
    assert_int_equal(next, 10);
    assert_int_equal(etsim_trace_find(tr, 7), 3);
    assert_int_equal(etsim_trace_find(tr, 1), 0);
    assert_int_equal(etsim_trace_find(tr, 19), 9);
    assert_int_equal(etsim_trace_find(tr, 8), -1);
    assert_int_equal(etsim_trace_find(tr, 100), -1);
    assert_int_equal(etsim_trace_load(tr, 10, &t, s, &err), -1);
    tt_assert_msg(&err, "problem 10 out of range");
    assert_int_equal(t.n_nodes, 0);
    etsim_tree_free(&t);
    etsim_trace_scratch_free(s);
    etsim_trace_close(tr);
    free(path);
    tt_rmdir(dir);
}

static void test_oracle(void **state) {
    (void)state;
    char *dir = tt_tmpdir(), *path = tt_path(dir, "or.trace");
    etsim_err err = {{0}};
    tt_write_trace(path, 3, 40, 4, "f32", 1, 9);
    etsim_oracle *o = etsim_oracle_kind_trace.open(path, &err);
    if (!o) fail_msg("%s", err.msg);
    assert_int_equal(o->meta.n_problems, 3);
    assert_int_equal(o->meta.emb_dim, 4);
    etsim_tree t, want;
    etsim_tree_init(&t, 4);
    etsim_tree_init(&want, 4);
    assert_int_equal(etsim_oracle_problem_open(o, 1, &t, &err), 0);
    tt_make_tree(&want, 3, 41, 4, 1, 9);
    tt_assert_tree_equal(&want, &t, 1, 0);
    for (int32_t i = 0; i < t.n_nodes; i++) {
        int32_t have = t.nodes[i].n_kids;
        assert_int_equal(etsim_oracle_expand(o, &t, i, have + 3, &err), have);
        if (have > 0) assert_int_equal(etsim_oracle_expand(o, &t, i, have - 1, &err), have - 1);
    }
    /* an appended clone does not count as recorded */
    int32_t before = t.nodes[0].n_kids;
    etsim_tree_add_child(&t, 0, 5);
    assert_int_equal(etsim_oracle_expand(o, &t, 0, before + 1, &err), before);
    assert_int_equal(etsim_oracle_problem_open(o, 3, &t, &err), -1);
    tt_assert_msg(&err, "problem 3 out of range");
    etsim_tree_free(&t);
    etsim_tree_free(&want);
    etsim_oracle_close(o);
    assert_null(etsim_oracle_kind_trace.open("/nonexistent/x.trace", &err));
    tt_assert_msg(&err, "/nonexistent/x.trace: cannot open");
    free(path);
    tt_rmdir(dir);
}

/* A 3-node tree worked by hand: root(prompt 10) -> a(5) -> b(300).
 * flags 3 bytes; parents -1,0,1 -> deltas 0,+1,+1 -> zigzag 0,2,2: 3 bytes;
 * tokens 10, 5, 300 (= 0xAC 0x02): 4 bytes; score 12 bytes; no hash;
 * answers: node b "42": 1 length byte + 2 bytes; fixed part 16 + strings
 * (id "p" = 4+1, three absent = 12) + counts 16 = 49. */
static void test_hand_worked_columns(void **state) {
    (void)state;
    char *dir = tt_tmpdir(), *path = tt_path(dir, "hand.trace");
    etsim_err err = {{0}};
    etsim_meta m = tt_meta(0, NULL);
    etsim_trace_writer *w = etsim_trace_writer_open(path, &m, 0, &err);
    assert_non_null(w);
    etsim_tree t;
    etsim_tree_init(&t, 0);
    t.prob.index = 0;
    etsim_problem_set(&t.prob, "p", NULL, NULL, NULL, 0);
    etsim_tree_add_root(&t, 10);
    int32_t a = etsim_tree_add_child(&t, 0, 5);
    int32_t b = etsim_tree_add_child(&t, a, 300);
    etsim_tree_set_score(&t, a, 0.5f);
    etsim_tree_set_score(&t, b, 0.25f);
    t.nodes[b].flags |= ETSIM_NODE_LEAF;
    etsim_tree_set_answer(&t, b, "42");
    assert_int_equal(etsim_trace_writer_add(w, &t, &err), 0);
    assert_int_equal(etsim_trace_writer_finish(w, &err), 0);
    etsim_trace *tr = etsim_trace_open(path, &err);
    assert_non_null(tr);
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    int64_t raw[ETSIM_TRACE_NCOLS], comp[ETSIM_TRACE_NCOLS];
    assert_int_equal(etsim_trace_columns(tr, 0, s, 0, raw, comp, &err), 0);
    const int64_t expect[ETSIM_TRACE_NCOLS] = {49, 3, 3, 4, 12, 0, 3, 0, 0};
    for (int j = 0; j < ETSIM_TRACE_NCOLS; j++) assert_int_equal(raw[j], expect[j]);
    assert_int_equal(comp[ETSIM_TRACE_COL_HASH], 0);
    assert_true(comp[ETSIM_TRACE_COL_SCORE] > 0);
    assert_int_equal(etsim_trace_entry_at(tr, 0)->raw_len, 49 + 3 + 3 + 4 + 12 + 3);
    etsim_tree got;
    etsim_tree_init(&got, 0);
    assert_int_equal(etsim_trace_load(tr, 0, &got, s, &err), 0);
    assert_int_equal(got.nodes[b].cum_tokens, 315);
    assert_int_equal(got.nodes[b].depth, 2);
    assert_string_equal(etsim_tree_answer(&got, b), "42");
    assert_true(got.nodes[0].score == 1.0f);
    etsim_tree_free(&got);
    etsim_tree_free(&t);
    etsim_trace_scratch_free(s);
    etsim_trace_close(tr);
    free(path);
    tt_rmdir(dir);
}

/* The header's longest_path, worked by hand: problem 0 is root(10) ->
 * a(5) -> b(300, leaf); problem 1 is root(50) -> c(1) -> d(2) -> e(3, leaf)
 * -> f(7) -> g(9) (f, g not leaves). Deepest leaf: e, 3 steps; most
 * tokens: b, 315 with the root's, 305 without. A trace written before the
 * field existed (header without it) reads as "unknown". */
static void test_longest_path(void **state) {
    (void)state;
    char *dir = tt_tmpdir(), *path = tt_path(dir, "lp.trace");
    etsim_err err = {{0}};
    etsim_meta m = tt_meta(0, NULL);
    m.has_longest_path = 1; /* ignored: the writer computes its own */
    m.longest_steps = 99;
    etsim_trace_writer *w = etsim_trace_writer_open(path, &m, 0, &err);
    assert_non_null(w);
    etsim_tree t;
    etsim_tree_init(&t, 0);
    t.prob.index = 0;
    etsim_problem_set(&t.prob, "p0", NULL, NULL, NULL, 0);
    etsim_tree_add_root(&t, 10);
    int32_t a = etsim_tree_add_child(&t, 0, 5);
    int32_t b = etsim_tree_add_child(&t, a, 300);
    t.nodes[b].flags |= ETSIM_NODE_LEAF;
    assert_int_equal(etsim_trace_writer_add(w, &t, &err), 0);
    etsim_tree_reset(&t);
    t.prob.index = 1;
    etsim_problem_set(&t.prob, "p1", NULL, NULL, NULL, 0);
    etsim_tree_add_root(&t, 50);
    int32_t c = etsim_tree_add_child(&t, 0, 1);
    int32_t d = etsim_tree_add_child(&t, c, 2);
    int32_t e = etsim_tree_add_child(&t, d, 3);
    int32_t f = etsim_tree_add_child(&t, e, 7);
    etsim_tree_add_child(&t, f, 9);
    t.nodes[e].flags |= ETSIM_NODE_LEAF;
    assert_int_equal(etsim_trace_writer_add(w, &t, &err), 0);
    assert_int_equal(etsim_trace_writer_finish(w, &err), 0);
    etsim_tree_free(&t);
    etsim_trace *tr = etsim_trace_open(path, &err);
    if (!tr) fail_msg("%s", err.msg);
    const etsim_meta *got = etsim_trace_meta(tr);
    assert_int_equal(got->has_longest_path, 1);
    assert_int_equal(got->longest_steps, 3);
    assert_int_equal(got->longest_tokens, 315);
    assert_int_equal(got->longest_step_tokens, 305);
    assert_int_equal(etsim_trace_n_problems(tr), 2);
    etsim_tree back;
    etsim_tree_init(&back, 0);
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    assert_int_equal(etsim_trace_load(tr, 1, &back, s, &err), 0); /* offsets shifted right */
    assert_int_equal(back.n_nodes, 6);
    etsim_trace_scratch_free(s);
    etsim_tree_free(&back);
    etsim_trace_close(tr);

    /* no leaf at all: the key is left out */
    w = etsim_trace_writer_open(path, &m, 0, &err);
    etsim_tree_init(&t, 0);
    t.prob.index = 0;
    etsim_problem_set(&t.prob, "p0", NULL, NULL, NULL, 0);
    etsim_tree_add_root(&t, 10);
    etsim_tree_add_child(&t, 0, 5);
    assert_int_equal(etsim_trace_writer_add(w, &t, &err), 0);
    assert_int_equal(etsim_trace_writer_finish(w, &err), 0);
    etsim_tree_free(&t);
    tr = etsim_trace_open(path, &err);
    if (!tr) fail_msg("%s", err.msg);
    assert_int_equal(etsim_trace_meta(tr)->has_longest_path, 0);
    etsim_trace_close(tr);
    free(path);
    tt_rmdir(dir);
}

/* A reader shared by threads, each with its own scratch, is covered by
 * the oracle; here: same trace from memory equals from file. */
static void test_open_mem(void **state) {
    (void)state;
    char *dir = tt_tmpdir(), *path = tt_path(dir, "mem.trace");
    etsim_err err = {{0}};
    tt_write_trace(path, 4, 30, 4, "f32", 1, 5);
    size_t len;
    unsigned char *buf = tt_read_all(path, &len);
    etsim_trace *a = etsim_trace_open(path, &err), *b = etsim_trace_open_mem(buf, len, "m", 0, 0, &err);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(etsim_trace_file_bytes(b), (int64_t)len);
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    etsim_tree x, y;
    etsim_tree_init(&x, 0);
    etsim_tree_init(&y, 0);
    for (int32_t k = 0; k < 4; k++) {
        assert_int_equal(etsim_trace_load(a, k, &x, s, &err), 0);
        assert_int_equal(etsim_trace_load(b, k, &y, s, &err), 0);
        tt_assert_tree_equal(&x, &y, 1, 0);
    }
    etsim_tree_free(&x);
    etsim_tree_free(&y);
    etsim_trace_scratch_free(s);
    etsim_trace_close(a);
    etsim_trace_close(b);
    free(buf);
    free(path);
    tt_rmdir(dir);
}

static void test_emb_encodings_error(void **state) {
    (void)state;
    const int32_t dim = 64, rows = 50;
    float *in = malloc(sizeof(float) * dim * rows), *out = malloc(sizeof(float) * dim * rows);
    unsigned char *enc = malloc((size_t)dim * rows * 4 + (size_t)rows * 4);
    etsim_rng r = etsim_rng_make(1, 2, 3, 4, 5);
    for (int32_t i = 0; i < dim * rows; i++) in[i] = (float)etsim_rng_normal(&r) * 0.1f;
    in[0] = 65504.0f;  /* largest f16 */
    in[1] = 1e-6f;     /* f16 subnormal */
    in[2] = -0.0f;
    for (int e = 0; e < 3; e++) {
        etsim_trace_emb_encode(e, in, rows, dim, enc);
        etsim_trace_emb_decode(e, enc, rows, dim, out);
        for (int32_t i = 0; i < dim * rows; i++) {
            double d = fabs((double)in[i] - out[i]);
            if (e == ETSIM_EMB_F32) assert_int_equal(tt_float_bits(in[i]), tt_float_bits(out[i]));
            else if (e == ETSIM_EMB_F16) assert_true(d <= fabs(in[i]) / 2048 + 3e-8);
            else if (i >= dim) assert_true(d <= 0.5 / 127 * 0.6); /* rows 1..: |v| < 0.6 */
        }
    }
    assert_int_equal(etsim_trace_emb_encoding("f16"), ETSIM_EMB_F16);
    assert_int_equal(etsim_trace_emb_encoding("bf16"), -1);
    free(in);
    free(out);
    free(enc);
}


/* Two threads share one trace oracle, each loading every problem into its
 * own tree (the engine's pattern); all trees must come out right. */
typedef struct oracle_job {
    etsim_oracle *o;
    int ok;
} oracle_job;

static void *oracle_worker(void *arg) {
    oracle_job *j = arg;
    etsim_tree t, want;
    etsim_tree_init(&t, 4);
    etsim_tree_init(&want, 4);
    etsim_err err;
    j->ok = 1;
    for (int rep = 0; rep < 5; rep++)
        for (int32_t k = 0; k < 6; k++) {
            if (etsim_oracle_problem_open(j->o, k, &t, &err) < 0) j->ok = 0;
            tt_make_tree(&want, 2 * k + 1, 30 + k, 4, 1, 13);
            if (t.n_nodes != want.n_nodes || t.prob.index != want.prob.index ||
                memcmp(t.emb, want.emb, sizeof(float) * 4 * (size_t)want.emb_rows) != 0)
                j->ok = 0;
        }
    etsim_tree_free(&t);
    etsim_tree_free(&want);
    return NULL;
}

static void test_oracle_threads(void **state) {
    (void)state;
    char *dir = tt_tmpdir(), *path = tt_path(dir, "th.trace");
    etsim_err err = {{0}};
    tt_write_trace(path, 6, 30, 4, "f32", 1, 13);
    etsim_oracle *o = etsim_oracle_kind_trace.open(path, &err);
    assert_non_null(o);
    pthread_t th[2];
    oracle_job jobs[2] = {{o, 0}, {o, 0}};
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, oracle_worker, &jobs[i]), 0);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    assert_int_equal(jobs[0].ok, 1);
    assert_int_equal(jobs[1].ok, 1);
    etsim_oracle_close(o);
    free(path);
    tt_rmdir(dir);
}

/* The I/O benchmark runs at a small size and its figures are sane: the
 * lossless encoding has no error, the lossy ones stay far below the ETS
 * clustering cut, sizes order f32 > f16 > i8 > no embeddings. */
static void test_bench_smoke(void **state) {
    (void)state;
    etsim_trace_bench_result r;
    etsim_err err = {{0}};
    if (etsim_trace_bench_io(NULL, getenv("TMPDIR"), 3, 300, 16, 1, &r, &err) < 0) fail_msg("%s", err.msg);
    assert_int_equal(r.nodes, 900);
    assert_true(r.fixed_bytes_per_node > 4 && r.fixed_bytes_per_node < 24);
    assert_true(r.cos_err_max[ETSIM_EMB_F32] == 0);
    assert_true(r.cos_err_max[ETSIM_EMB_F16] > 0 && r.cos_err_max[ETSIM_EMB_F16] < 1e-3);
    assert_true(r.cos_err_max[ETSIM_EMB_I8] < 0.02);
    assert_true(r.emb_bytes_per_node[ETSIM_EMB_F32] > r.emb_bytes_per_node[ETSIM_EMB_F16]);
    assert_true(r.emb_bytes_per_node[ETSIM_EMB_F16] > r.emb_bytes_per_node[ETSIM_EMB_I8]);
    assert_true(r.emb_bytes_per_node[ETSIM_EMB_I8] > r.fixed_bytes_per_node + 16);
    assert_true(r.text_bytes_per_node > r.emb_bytes_per_node[ETSIM_EMB_F16]);
    assert_true(r.hash_bytes_per_node > 7 && r.hash_bytes_per_node < 9.5);
    assert_true(r.read_nodes_per_s > 0 && r.write_nodes_per_s > 0);
    assert_string_equal(r.encoding, "f16");
    assert_int_equal(etsim_trace_bench_io(NULL, NULL, 0, 10, 0, 0, NULL, &err), -1);
    tt_assert_msg(&err, "trace bench: bad sizes");
}

/* A trace with no problems is valid: header, empty index, trailer. */
static void test_empty_trace(void **state) {
    (void)state;
    char *dir = tt_tmpdir(), *path = tt_path(dir, "empty.trace");
    etsim_err err = {{0}};
    tt_write_trace(path, 0, 1, 0, NULL, 0, 1);
    etsim_trace *tr = etsim_trace_open(path, &err);
    if (!tr) fail_msg("%s", err.msg);
    assert_int_equal(etsim_trace_n_problems(tr), 0);
    assert_int_equal(etsim_trace_n_nodes(tr), 0);
    int32_t lo = -1, hi = -1;
    etsim_trace_shard(tr, 0, 4, &lo, &hi);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 0);
    assert_int_equal(etsim_trace_find(tr, 0), -1);
    assert_null(etsim_trace_entry_at(tr, 0));
    etsim_trace_close(tr);
    free(path);
    tt_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xxh64_vectors),
        cmocka_unit_test(test_roundtrip_f32_text),
        cmocka_unit_test(test_roundtrip_no_emb),
        cmocka_unit_test(test_roundtrip_f16_default),
        cmocka_unit_test(test_roundtrip_i8),
        cmocka_unit_test(test_shards_and_find),
        cmocka_unit_test(test_empty_trace),
        cmocka_unit_test(test_oracle),
        cmocka_unit_test(test_oracle_threads),
        cmocka_unit_test(test_hand_worked_columns),
        cmocka_unit_test(test_longest_path),
        cmocka_unit_test(test_open_mem),
        cmocka_unit_test(test_emb_encodings_error),
        cmocka_unit_test(test_bench_smoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
