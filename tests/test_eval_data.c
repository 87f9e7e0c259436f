/* test_eval_data.c -- benchmark loaders on small files written here (every
 * error names file, line and field) and on the real MATH500 / GSM8K copies
 * in ETSIM_SHARED_DIR when present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/eval/bench_data.h"

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

static void test_real_copies(void **state) {
    (void)state;
    const char *shared = getenv("ETSIM_SHARED_DIR");
    char m[1024], g[1024];
    snprintf(m, sizeof m, "%s/data/benchmarks/math500_test.jsonl", shared ? shared : "/nonexistent");
    snprintf(g, sizeof g, "%s/data/benchmarks/gsm8k_test.jsonl", shared ? shared : "/nonexistent");
    if (access(m, R_OK) || access(g, R_OK)) {
        print_message("skipped: benchmark copies absent under ETSIM_SHARED_DIR\n");
        skip();
    }
    etsim_bench_set s;
    etsim_err err = {{0}};
    assert_int_equal(etsim_bench_load_auto(m, &s, &err), 0);
    assert_int_equal(s.kind, ETSIM_BENCH_MATH500);
    assert_int_equal(s.n, 500);
    assert_string_equal(s.p[0].id, "test/precalculus/807.json");
    assert_string_equal(s.p[0].answer, "\\left( 3, \\frac{\\pi}{2} \\right)");
    for (int i = 0; i < s.n; i++) assert_true(s.p[i].level >= 1 && s.p[i].level <= 5);
    etsim_bench_free(&s);
    assert_int_equal(etsim_bench_load_auto(g, &s, &err), 0);
    assert_int_equal(s.kind, ETSIM_BENCH_GSM8K);
    assert_int_equal(s.n, 1319);
    assert_string_equal(s.p[0].answer, "18");
    etsim_bench_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_small_files), cmocka_unit_test(test_real_copies)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
