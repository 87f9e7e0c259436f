/* test_eval_data.c -- benchmark loaders on small files written here (every
 * error names file, line and field) and on the built-in MATH500 / GSM8K
 * copies, loaded by name (the eval loader and the live capture's), which
 * must equal sim/data/benchmarks/{math500,gsm8k}_test.jsonl byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/data/bench_builtin.h"
#include "sim/eval/bench_data.h"
#include "traces/capture/live.h"
#include "test_skip.h"

static const char *write_tmp(const char *name, const char *content) {
    static char path[256];
    snprintf(path, sizeof path, "eval_data_%d_%s", (int)getpid(), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    return path;
}

static void test_small_files(void **state) {
    (void)state;
    etsim_bench_set s;
    etsim_err err = {{0}};
    const char *p = write_tmp("m.jsonl",
                              "{\"problem\":\"1+1?\",\"answer\":\"2\",\"subject\":\"Algebra\",\"level\":1,\"unique_id\":\"a/1\"}\n"
                              "\n"
                              "{\"problem\":\"2+2?\",\"answer\":\"4\",\"subject\":\"Algebra\",\"level\":3,\"unique_id\":\"a/2\"}\n");
    assert_int_equal(etsim_bench_load(p, ETSIM_BENCH_MATH500, &s, &err), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.p[1].answer, "4");
    assert_int_equal(s.p[1].level, 3);
    assert_int_equal(etsim_bench_find(&s, "a/2", NULL), 1);
    assert_int_equal(etsim_bench_find(&s, NULL, "1+1?"), 0);
    etsim_bench_free(&s);
    unlink(p);

    p = write_tmp("noans.jsonl", "{\"problem\":\"x\",\"answer\":\"1\",\"unique_id\":\"u\"}\n{\"problem\":\"y\",\"unique_id\":\"v\"}\n");
    assert_int_equal(etsim_bench_load(p, ETSIM_BENCH_MATH500, &s, &err), -1);
    assert_non_null(strstr(err.msg, ":2: field \"answer\" missing"));
    assert_non_null(strstr(err.msg, p));
    unlink(p);

    p = write_tmp("bad.jsonl", "{\"question\":\"q\",\"answer\":\"so\\n#### 1,234\"}\n{\"question\": \n");
    assert_int_equal(etsim_bench_load(p, ETSIM_BENCH_GSM8K, &s, &err), -1);
    assert_non_null(strstr(err.msg, ":2: malformed JSON"));
    unlink(p);

    p = write_tmp("g.jsonl", "{\"question\":\"q\",\"answer\":\"so\\n#### 1,234\"}\n{\"question\":\"r\",\"answer\":\"no final\"}\n");
    assert_int_equal(etsim_bench_load(p, ETSIM_BENCH_GSM8K, &s, &err), -1);
    assert_non_null(strstr(err.msg, ":2: field \"answer\" has no \"#### N\""));
    unlink(p);

    p = write_tmp("g2.jsonl", "{\"question\":\"q\",\"answer\":\"so\\n#### -1,234\"}\n");
    assert_int_equal(etsim_bench_load_auto(p, &s, &err), 0);
    assert_int_equal(s.kind, ETSIM_BENCH_GSM8K);
    assert_string_equal(s.p[0].answer, "-1234");
    etsim_bench_free(&s);
    unlink(p);

    assert_int_equal(etsim_bench_load("/nonexistent/x.jsonl", ETSIM_BENCH_GSM8K, &s, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/x.jsonl"));
}

static void test_builtin_sets(void **state) {
    (void)state;
    etsim_bench_set s;
    etsim_err err = {{0}};
    assert_true(etsim_bench_builtin_is("math500") && etsim_bench_builtin_is("gsm8k"));
    assert_false(etsim_bench_builtin_is("./math500") || etsim_bench_builtin_is("MATH500") ||
                 etsim_bench_builtin_is(""));
    assert_int_equal(etsim_bench_load_auto("math500", &s, &err), 0);
    assert_int_equal(s.kind, ETSIM_BENCH_MATH500);
    assert_int_equal(s.n, 500);
    assert_string_equal(s.p[0].id, "test/precalculus/807.json");
    assert_string_equal(s.p[0].answer, "\\left( 3, \\frac{\\pi}{2} \\right)");
    assert_string_equal(s.p[0].subject, "Precalculus");
    for (int i = 0; i < s.n; i++) assert_true(s.p[i].level >= 1 && s.p[i].level <= 5);
    etsim_bench_free(&s);
    assert_int_equal(etsim_bench_load("gsm8k", ETSIM_BENCH_GSM8K, &s, &err), 0);
    assert_int_equal(s.n, 1319);
    assert_string_equal(s.p[0].answer, "18");
    assert_string_equal(s.p[1318].id, "gsm8k/1319");
    etsim_bench_free(&s);
    /* the live capture's loader takes the same names */
    etsim_live_dataset d;
    assert_int_equal(etsim_live_dataset_load("gsm8k", &d, &err), 0);
    assert_int_equal(d.n, 1319);
    assert_string_equal(d.p[0].answer, "18");
    etsim_live_dataset_free(&d);
    assert_int_equal(etsim_live_dataset_load("math500", &d, &err), 0);
    assert_int_equal(d.n, 500);
    assert_string_equal(d.p[499].id, "test/geometry/615.json");
    assert_int_equal(d.p[0].level, 2);
    etsim_live_dataset_free(&d);
    /* not a name: an error naming it */
    assert_null(etsim_bench_builtin_text("math", NULL, &err));
    assert_non_null(strstr(err.msg, "math: not a built-in benchmark (math500|gsm8k)"));
}

/* The embedded copies must be the files in sim/data/benchmarks, byte for byte. */
static void test_builtin_matches_files(void **state) {
    (void)state;
    const char *src = getenv("ETSIM_SOURCE_DIR");
    if (!src) TEST_SKIP("ETSIM_SOURCE_DIR unset (the check reads sim/data/benchmarks/)");
    const char *names[] = {"math500", "gsm8k"};
    for (int i = 0; i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/sim/data/benchmarks/%s_test.jsonl", src, names[i]);
        size_t flen = 0, blen = 0;
        etsim_err err = {{0}};
        char *file = etsim_read_file(path, &flen, &err);
        char *builtin = etsim_bench_builtin_text(names[i], &blen, &err);
        assert_non_null(file);
        assert_non_null(builtin);
        if (flen != blen || memcmp(file, builtin, flen))
            fail_msg("%s differs from bench_builtin_data.c: run sim/data/benchmarks/embed.sh", path);
        free(file);
        free(builtin);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_small_files), cmocka_unit_test(test_builtin_sets),
                                       cmocka_unit_test(test_builtin_matches_files)};
    return test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
