/* test_core.c -- the base layer's shared pieces: the worker pool
 * (sim/core/pool.h) runs every item once whatever the thread count, gives
 * each thread its own index, and stops claiming after a failing item; the
 * byte buffer (sim/core/sbuf.h) appends, formats, reads a stream and hands
 * its contents over NUL-terminated; a notice (sim/core/notice.h) reaches
 * its function formatted, and no function means silence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/notice.h"
#include "sim/core/pool.h"
#include "sim/core/sbuf.h"

#define ITEMS 1000
#define THREADS 8

typedef struct job {
    int runs[ITEMS];            /* times each item ran (atomic)       */
    int64_t sum[THREADS];       /* per thread: sum of its items       */
    int64_t fail_at;            /* item that fails; -1 none           */
} job;

static int count_item(void *arg, int64_t item, int thread) {
    job *j = arg;
    __atomic_add_fetch(&j->runs[item], 1, __ATOMIC_RELAXED);
    j->sum[thread] += item;
    return item == j->fail_at ? -1 : 0;
}

static void test_pool(void **state) {
    (void)state;
    for (int threads = 1; threads <= THREADS; threads *= 2) {
        job j = {.fail_at = -1};
        assert_int_equal(etsim_pool_run(ITEMS, threads, count_item, &j), 0);
        int64_t total = 0;
        for (int i = 0; i < ITEMS; i++) assert_int_equal(j.runs[i], 1);
        for (int t = 0; t < THREADS; t++) total += j.sum[t];
        assert_int_equal(total, (int64_t)ITEMS * (ITEMS - 1) / 2);
        for (int t = threads; t < THREADS; t++) assert_int_equal(j.sum[t], 0);
    }
    /* a failing item: -1, and no item after the ones running then */
    job j = {.fail_at = 10};
    assert_int_equal(etsim_pool_run(ITEMS, 4, count_item, &j), -1);
    int ran = 0;
    for (int i = 0; i < ITEMS; i++) ran += j.runs[i];
    assert_true(ran >= 11 && ran <= 10 + 4);
    /* nothing to do */
    assert_int_equal(etsim_pool_run(0, 4, count_item, &j), 0);
}

static void test_sbuf(void **state) {
    (void)state;
    etsim_sbuf b = {0};
    size_t len = 99;
    char *s = etsim_sbuf_take(&b, &len); /* empty: "" rather than NULL */
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);
    etsim_sbuf_puts(&b, "a");
    etsim_sbuf_printf(&b, "%d-%s", 42, "x");
    etsim_sbuf_int(&b, -7);
    etsim_sbuf_put(&b, "zz", 1);
    assert_string_equal(b.data, "a42-x-7z");
    char *at = etsim_sbuf_reserve(&b, 3);
    memcpy(at, "123", 3);
    etsim_sbuf_added(&b, 3);
    FILE *fp = tmpfile();
    assert_non_null(fp);
    for (int i = 0; i < 100000; i++) fputc('a' + i % 26, fp);
    rewind(fp);
    etsim_sbuf_read_fp(&b, fp);
    fclose(fp);
    s = etsim_sbuf_take(&b, &len);
    assert_int_equal(len, 11 + 100000);
    assert_int_equal(strncmp(s, "a42-x-7z123abc", 14), 0);
    assert_int_equal(s[len], 0);
    assert_null(b.data);
    free(s);
}

static void note(void *ctx, const char *msg) { snprintf(ctx, 64, "%s", msg); }

static void test_notice(void **state) {
    (void)state;
    char got[64] = "";
    etsim_notice n = {note, got};
    etsim_notice_say(&n, "%s: %d lines", "log", 3);
    assert_string_equal(got, "log: 3 lines");
    etsim_notice quiet = {0};
    etsim_notice_say(&quiet, "unheard");
    etsim_notice_say(NULL, "unheard");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_sbuf),
        cmocka_unit_test(test_notice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
