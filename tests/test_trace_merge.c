/* test_trace_merge.c -- etsim_trace_merge (traces/trace_merge.h) on traces
 * written through the writer API: interleaved inputs come out in problem
 * order, every tree bit-exact; an identical duplicate is written once; a
 * duplicate with other contents, a header field that differs, differing
 * settings without a merge rule are errors naming the problem / input /
 * field, and leave no output file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_trace_util.h"
#include "traces/trace_merge.h"

static etsim_meta test_meta(const char *policy, const char *settings) {
    etsim_meta m;
    memset(&m, 0, sizeof m);
    m.dataset = (char *)"math500";
    m.policy_model = (char *)policy;
    m.emb_dim = 4;
    m.embed_encoding = (char *)"f32";
    m.settings_json = (char *)settings;
    return m;
}

/* Write problems `idx` (n of them, increasing) with tree seed `seed`. */
static void write_trace(const char *path, const etsim_meta *m, const int32_t *idx, int n,
                        uint64_t seed) {
    etsim_err err = {{0}};
    etsim_trace_writer *w = etsim_trace_writer_open(path, m, 0, &err);
    assert_non_null(w);
    etsim_tree t;
    etsim_tree_init(&t, 4);
    for (int i = 0; i < n; i++) {
        tt_make_tree(&t, idx[i], 30 + idx[i], 4, 1, seed);
        assert_int_equal(etsim_trace_writer_add(w, &t, &err), 0);
    }
    assert_int_equal(etsim_trace_writer_finish(w, &err), 0);
    etsim_tree_free(&t);
}

static void test_merge(void **state) {
    (void)state;
    char *dir = tt_tmpdir();
    char *a = tt_path(dir, "a.trace"), *b = tt_path(dir, "b.trace"), *c = tt_path(dir, "c.trace");
    char *d = tt_path(dir, "d.trace"), *e = tt_path(dir, "e.trace"), *out = tt_path(dir, "out.trace");
    etsim_meta m = test_meta("p", "{\"x\":1}");
    const int32_t ia[] = {0, 2, 5}, ib[] = {1, 3, 4, 7}, ic[] = {2, 3};
    write_trace(a, &m, ia, 3, 9);
    write_trace(b, &m, ib, 4, 9);
    write_trace(c, &m, ic, 2, 9); /* duplicates of a's 2 and b's 3, identical */
    write_trace(d, &m, ic, 2, 10); /* the same problems, other contents */
    etsim_meta m2 = test_meta("q", "{\"x\":1}");
    write_trace(e, &m2, ic, 2, 9);

    etsim_err err = {{0}};
    etsim_trace_merge_report rep;
    const char *in1[] = {b, c, a};
    assert_int_equal(etsim_trace_merge(out, in1, 3, NULL, &rep, &err), 0);
    assert_int_equal(rep.problems, 7);
    assert_int_equal(rep.duplicates, 2);
    etsim_trace *tr = etsim_trace_open(out, &err);
    assert_non_null(tr);
    assert_int_equal(etsim_trace_n_problems(tr), 7);
    assert_int_equal(etsim_trace_problems_planned(tr), 7);
    tt_assert_str(etsim_trace_meta(tr)->settings_json, "{\"x\":1}");
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    etsim_tree got, want;
    etsim_tree_init(&got, 4);
    etsim_tree_init(&want, 4);
    const int32_t order[] = {0, 1, 2, 3, 4, 5, 7};
    for (int k = 0; k < 7; k++) {
        assert_int_equal(etsim_trace_load(tr, k, &got, s, &err), 0);
        tt_make_tree(&want, order[k], 30 + order[k], 4, 1, 9);
        tt_assert_tree_equal(&want, &got, 1, 0);
    }
    etsim_trace_close(tr);
    unlink(out);

    const char *in2[] = {a, d};
    assert_int_equal(etsim_trace_merge(out, in2, 2, NULL, &rep, &err), -1);
    assert_non_null(strstr(err.msg, "problem 2 is in"));
    assert_non_null(strstr(err.msg, "d.trace with different contents"));
    assert_int_equal(access(out, F_OK), -1);

    const char *in3[] = {a, e};
    assert_int_equal(etsim_trace_merge(out, in3, 2, NULL, &rep, &err), -1);
    assert_non_null(strstr(err.msg, "e.trace: header field policy_model is \"q\""));
    assert_int_equal(access(out, F_OK), -1);

    etsim_meta m3 = test_meta("p", "{\"x\":2}");
    write_trace(e, &m3, ib, 4, 9);
    const char *in4[] = {a, e};
    assert_int_equal(etsim_trace_merge(out, in4, 2, NULL, &rep, &err), -1);
    assert_non_null(strstr(err.msg, "header field settings differs"));
    assert_int_equal(access(out, F_OK), -1);

    etsim_trace_scratch_free(s);
    etsim_tree_free(&got);
    etsim_tree_free(&want);
    const char *files[] = {a, b, c, d, e};
    for (int i = 0; i < 5; i++) unlink(files[i]);
    rmdir(dir);
    free(a), free(b), free(c), free(d), free(e), free(out), free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_merge)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
