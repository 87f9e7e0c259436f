/* test_sweep_log.c -- the sweep's append-only result log (sim/sweep/log.h):
 * torn last lines are dropped and reported, damage before the end is an
 * error naming the line, appends read back exactly, and a second opener
 * is refused while the file is locked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/sweep/log.h"

#define L1 "{\"cfg\":\"0123456789abcdef\",\"p\":0,\"x\":1}\n"
#define L2 "{\"cfg\":\"0123456789abcdef\",\"p\":1,\"x\":2}\n"
#define L3 "{\"cfg\":\"0123456789abcdef\",\"summary\":{\"problems\":2}}\n"

typedef struct seen {
    int n;
    int32_t problem[8];
    int64_t off[8];
    size_t len[8];
} seen;

static int on_line(void *ctx, const char *cfg, int32_t p, int64_t off, size_t len,
                   int64_t lineno, etsim_err *err) {
    seen *s = ctx;
    (void)err;
    assert_string_equal(cfg, "0123456789abcdef");
    assert_int_equal(lineno, s->n + 1);
    s->problem[s->n] = p;
    s->off[s->n] = off;
    s->len[s->n++] = len;
    return 0;
}

static char *tmp_path(const char *name) {
    static char buf[256];
    snprintf(buf, sizeof buf, "/tmp/etsim_test_sweep_log_%d_%s", (int)getpid(), name);
    return buf;
}

static void write_file(const char *path, const char *text) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static long file_size(const char *path) {
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (long)st.st_size;
}

static void test_torn_last_line(void **state) {
    (void)state;
    const char *path = tmp_path("torn");
    write_file(path, L1 L2 "{\"cfg\":\"0123456789abcdef\",\"p\":2,\"x\"");
    etsim_sweep_log l;
    seen s = {0};
    int64_t torn = -1;
    etsim_err err = {{0}};
    assert_int_equal(etsim_sweep_log_open(&l, path, on_line, &s, &torn, &err), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.problem[0], 0);
    assert_int_equal(s.problem[1], 1);
    assert_int_equal(torn, (int64_t)strlen("{\"cfg\":\"0123456789abcdef\",\"p\":2,\"x\""));
    assert_int_equal(file_size(path), (long)strlen(L1 L2)); /* cut off the file */
    /* append after the repair and read it back */
    int64_t off = -1;
    assert_int_equal(etsim_sweep_log_append(&l, L3, strlen(L3), &off, &err), 0);
    assert_int_equal(off, (int64_t)strlen(L1 L2));
    char buf[128] = {0};
    assert_int_equal(etsim_sweep_log_read(&l, off, strlen(L3), buf, &err), 0);
    assert_string_equal(buf, L3);
    /* a second opener is refused while the first holds the lock */
    etsim_sweep_log l2;
    int64_t t2;
    assert_int_equal(etsim_sweep_log_open(&l2, path, NULL, NULL, &t2, &err), -1);
    assert_non_null(strstr(err.msg, "in use"));
    assert_int_equal(etsim_sweep_log_close(&l, &err), 0);
    /* reopened: three lines, the summary reported as problem -1 */
    seen s2 = {0};
    assert_int_equal(etsim_sweep_log_open(&l, path, on_line, &s2, &torn, &err), 0);
    assert_int_equal(s2.n, 3);
    assert_int_equal(s2.problem[2], -1);
    assert_int_equal(torn, 0);
    etsim_sweep_log_close(&l, &err);
    unlink(path);
}

static void test_invalid_complete_last_line(void **state) {
    (void)state;
    /* a newline-terminated last line that is not JSON (e.g. zero-filled
     * after a power loss) is dropped like a torn one */
    const char *path = tmp_path("zeros");
    write_file(path, L1 "{\"cfg\":\"01234\n");
    etsim_sweep_log l;
    seen s = {0};
    int64_t torn = 0;
    etsim_err err = {{0}};
    assert_int_equal(etsim_sweep_log_open(&l, path, on_line, &s, &torn, &err), 0);
    assert_int_equal(s.n, 1);
    assert_true(torn > 0);
    etsim_sweep_log_close(&l, &err);
    unlink(path);
}

static void test_damage_in_the_middle(void **state) {
    (void)state;
    const char *path = tmp_path("mid");
    write_file(path, L1 "not json\n" L2);
    etsim_sweep_log l;
    seen s = {0};
    int64_t torn = 0;
    etsim_err err = {{0}};
    assert_int_equal(etsim_sweep_log_open(&l, path, on_line, &s, &torn, &err), -1);
    assert_non_null(strstr(err.msg, "line 2"));
    assert_int_equal(file_size(path), (long)strlen(L1 "not json\n" L2)); /* untouched */
    unlink(path);
}

static void test_append_requires_newline(void **state) {
    (void)state;
    const char *path = tmp_path("nl");
    unlink(path);
    etsim_sweep_log l;
    int64_t torn;
    etsim_err err = {{0}};
    assert_int_equal(etsim_sweep_log_open(&l, path, NULL, NULL, &torn, &err), 0);
    assert_int_equal(etsim_sweep_log_append(&l, "{}", 2, NULL, &err), -1);
    assert_int_equal(l.size, 0);
    etsim_sweep_log_close(&l, &err);
    unlink(path);
}

static void test_line_key(void **state) {
    (void)state;
    char cfg[17];
    int32_t p = 7;
    assert_int_equal(etsim_sweep_line_key(L2, strlen(L2), cfg, &p), 0);
    assert_int_equal(p, 1);
    assert_int_equal(etsim_sweep_line_key(L3, strlen(L3), cfg, &p), 0);
    assert_int_equal(p, -1);
    const char *bad_cfg = "{\"cfg\":\"short\",\"p\":1}\n";
    assert_int_equal(etsim_sweep_line_key(bad_cfg, strlen(bad_cfg), cfg, &p), -1);
    const char *neg = "{\"cfg\":\"0123456789abcdef\",\"p\":-3}\n";
    assert_int_equal(etsim_sweep_line_key(neg, strlen(neg), cfg, &p), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_torn_last_line),
        cmocka_unit_test(test_invalid_complete_last_line),
        cmocka_unit_test(test_damage_in_the_middle),
        cmocka_unit_test(test_append_requires_newline),
        cmocka_unit_test(test_line_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
