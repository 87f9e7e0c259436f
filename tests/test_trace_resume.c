/* test_trace_resume.c -- recovering an interrupted capture: a temporary
 * file holding complete frames plus a torn one is refused by the normal
 * open, recovered by the scan open, and resumed by the writer; the resumed
 * and finished trace is byte-identical to one written in one go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_trace_util.h"

#define NODES 25
#define DIM 4

/* The temporary file a capture killed after `done` problems (with the
 * last `tear` bytes of the file lost) would leave behind, at `partial`. */
static void make_partial(const char *path, const char *partial, int32_t done, size_t tear) {
    etsim_err err = {{0}};
    etsim_meta m = tt_meta(DIM, "f16");
    etsim_trace_writer *w = etsim_trace_writer_open(path, &m, 0, &err);
    assert_non_null(w);
    etsim_tree t;
    etsim_tree_init(&t, DIM);
    for (int32_t k = 0; k < done; k++) {
        tt_make_tree(&t, 2 * k + 1, NODES + k, DIM, 1, 77);
        assert_int_equal(etsim_trace_writer_add(w, &t, &err), 0);
    }
    etsim_tree_free(&t);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    size_t len;
    unsigned char *b = tt_read_all(tmp, &len); /* flushed after every problem */
    assert_true(len > tear);
    tt_write_all(partial, b, len - tear);
    free(b);
    etsim_trace_writer_abort(w);
    assert_int_equal(access(tmp, F_OK), -1);
}

static void finish_from(etsim_trace_writer *w, int32_t from, int32_t to) {
    etsim_err err = {{0}};
    etsim_tree t;
    etsim_tree_init(&t, DIM);
    for (int32_t k = from; k < to; k++) {
        tt_make_tree(&t, 2 * k + 1, NODES + k, DIM, 1, 77);
        if (etsim_trace_writer_add(w, &t, &err) < 0) fail_msg("%s", err.msg);
    }
    etsim_tree_free(&t);
    if (etsim_trace_writer_finish(w, &err) < 0) fail_msg("%s", err.msg);
}

static void assert_same_file(const char *a, const char *b) {
    size_t la, lb;
    unsigned char *x = tt_read_all(a, &la), *y = tt_read_all(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(x, y, la);
    free(x);
    free(y);
}

static void test_resume_after_torn_frame(void **state) {
    (void)state;
    char *dir = tt_tmpdir();
    char *path = tt_path(dir, "cap.trace"), *ref = tt_path(dir, "ref.trace");
    char *partial = tt_path(dir, "cap.trace.tmp.999999");
    etsim_err err = {{0}};
    make_partial(path, partial, 3, 10); /* problem 2's frame is torn */

    assert_null(etsim_trace_open(partial, &err));
    tt_assert_msg(&err, "cap.trace.tmp.999999: ");
    tt_assert_msg(&err, "interrupted");
    etsim_trace *tr = etsim_trace_open_ex(partial, ETSIM_TRACE_SCAN, 0, &err);
    if (!tr) fail_msg("%s", err.msg);
    assert_int_equal(etsim_trace_n_problems(tr), 2);
    int64_t dropped = etsim_trace_dropped_bytes(tr);
    assert_true(dropped > 0);
    etsim_trace_close(tr);

    etsim_meta m;
    etsim_trace_writer *w = etsim_trace_writer_resume(path, NULL, &m, 0, &err);
    if (!w) fail_msg("%s", err.msg);
    assert_int_equal(etsim_trace_writer_count(w), 2);
    assert_int_equal(etsim_trace_writer_last_index(w), 3);
    assert_int_equal(etsim_trace_writer_dropped_bytes(w), dropped);
    assert_string_equal(m.dataset, "math500");
    assert_int_equal(m.emb_dim, DIM);
    etsim_meta_free(&m);
    assert_int_equal(access(partial, F_OK), -1); /* taken over */
    finish_from(w, 2, 5);

    tt_write_trace(ref, 5, NODES, DIM, "f16", 1, 77);
    assert_same_file(path, ref);
    free(path);
    free(ref);
    free(partial);
    tt_rmdir(dir);
}

static void test_resume_nothing_complete(void **state) {
    (void)state;
    char *dir = tt_tmpdir();
    char *path = tt_path(dir, "c.trace"), *ref = tt_path(dir, "r.trace");
    char *partial = tt_path(dir, "elsewhere.part");
    etsim_err err = {{0}};
    make_partial(path, partial, 1, 1);
    etsim_trace_writer *w = etsim_trace_writer_resume(path, partial, NULL, 0, &err);
    if (!w) fail_msg("%s", err.msg);
    assert_int_equal(etsim_trace_writer_count(w), 0);
    assert_int_equal(etsim_trace_writer_last_index(w), -1);
    finish_from(w, 0, 4);
    tt_write_trace(ref, 4, NODES, DIM, "f16", 1, 77);
    assert_same_file(path, ref);
    free(path);
    free(ref);
    free(partial);
    tt_rmdir(dir);
}

/* A capture that died after writing its index but before the rename. */
static void test_resume_finished_file(void **state) {
    (void)state;
    char *dir = tt_tmpdir();
    char *path = tt_path(dir, "f.trace"), *ref = tt_path(dir, "r.trace");
    char *partial = tt_path(dir, "f.trace.tmp.1");
    etsim_err err = {{0}};
    tt_write_trace(partial, 2, NODES, DIM, "f16", 1, 77);
    etsim_trace_writer *w = etsim_trace_writer_resume(path, NULL, NULL, 0, &err);
    if (!w) fail_msg("%s", err.msg);
    assert_int_equal(etsim_trace_writer_count(w), 2);
    assert_int_equal(etsim_trace_writer_dropped_bytes(w), 0);
    finish_from(w, 2, 3);
    tt_write_trace(ref, 3, NODES, DIM, "f16", 1, 77);
    assert_same_file(path, ref);
    free(path);
    free(ref);
    free(partial);
    tt_rmdir(dir);
}

static void test_resume_errors(void **state) {
    (void)state;
    char *dir = tt_tmpdir();
    char *path = tt_path(dir, "none.trace"), *junk = tt_path(dir, "junk");
    etsim_err err = {{0}};
    assert_null(etsim_trace_writer_resume(path, NULL, NULL, 0, &err));
    tt_assert_msg(&err, "none.trace: no interrupted capture to resume");
    tt_write_all(junk, "hello world, not a trace", 24);
    assert_null(etsim_trace_writer_resume(path, junk, NULL, 0, &err));
    tt_assert_msg(&err, "junk: not an etsim trace (bad magic)");
    assert_int_equal(access(junk, F_OK), 0); /* left alone */
    free(path);
    free(junk);
    tt_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_after_torn_frame),
        cmocka_unit_test(test_resume_nothing_complete),
        cmocka_unit_test(test_resume_finished_file),
        cmocka_unit_test(test_resume_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
