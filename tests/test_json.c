/* test_json.c -- the shared strict JSON loader (sim/core/json.h) and the lock
 * helper (sim/core/lock.h): trailing content, duplicate keys (at any depth,
 * with the line of the second occurrence) and NUL in strings are rejected
 * with one line naming the input, line and key; valid documents parse as
 * cJSON parses them. A held lock refuses a second taker, naming the
 * holder; a released or abandoned one can be taken again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/core/json.h"
#include "sim/core/lock.h"

#define S(x) x, sizeof(x) - 1

/* Parse must fail with a message containing `want`. */
static void expect_error(const char *text, size_t len, const char *want) {
    etsim_err e = {{0}};
    cJSON *j = etsim_json_parse(text, len, "in.json", &e);
    if (j) {
        cJSON_Delete(j);
        fail_msg("accepted: %.*s", (int)len, text);
    }
    if (!strstr(e.msg, want)) fail_msg("message '%s' lacks '%s'", e.msg, want);
    assert_null(strchr(e.msg, '\n'));
    assert_true(strncmp(e.msg, "in.json: line ", 14) == 0);
}

static void test_valid(void **st) {
    (void)st;
    etsim_err e = {{0}};
    cJSON *j = etsim_json_parse(S("  {\"a\": [1, {\"b\": \"x\"}], \"c\": {\"a\": 2}}\n\n"), "in", &e);
    assert_non_null(j);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "c")->child->valueint, 2);
    cJSON_Delete(j);
    /* the same key in different objects, and escaped backslashes before u0000 */
    j = etsim_json_parse(S("[{\"k\": 1}, {\"k\": 2}, \"\\\\u0000\"]"), "in", &e);
    assert_non_null(j);
    assert_string_equal(cJSON_GetArrayItem(j, 2)->valuestring, "\\u0000");
    cJSON_Delete(j);
    /* not NUL-terminated: only len bytes are read */
    char buf[8] = {'[', '1', ']', 'x', 'x', 'x', 'x', 'x'};
    j = etsim_json_parse(buf, 3, "in", &e);
    assert_non_null(j);
    cJSON_Delete(j);
}

static void test_trailing(void **st) {
    (void)st;
    expect_error(S("{\"a\": 1}\n}"), "line 2: unexpected content after the JSON value: '}'");
    expect_error(S("{\"a\": 1} {\"b\": 2}"), "line 1: unexpected content");
    expect_error(S("[1]\n\n  garbage"), "line 3: unexpected content after the JSON value: 'garbage'");
    expect_error("{}\0x", 4, "unexpected content after the JSON value: a NUL byte");
}

static void test_duplicates(void **st) {
    (void)st;
    expect_error(S("{\"a\": 1,\n \"b\": 2,\n \"a\": 3}"), "line 3: duplicate key 'a'");
    /* nested, in an array of objects */
    expect_error(S("{\"s\": [\n {\"w\": 1},\n {\"w\": 2,\n  \"x\": 0, \"w\": 4}]}"),
                 "line 4: duplicate key 'w'");
    /* the earliest repeat in the text is named, even when a later object repeats too */
    expect_error(S("{\"o\": {\"p\": 1,\n\"p\": 2},\n\"o\": 3}"), "line 2: duplicate key 'p'");
    /* many keys (the sorted path) */
    char big[4096];
    int n = snprintf(big, sizeof big, "{");
    for (int i = 0; i < 100; i++) n += snprintf(big + n, sizeof big - (size_t)n, "\"k%d\": %d,\n", i, i);
    n += snprintf(big + n, sizeof big - (size_t)n, "\"k42\": 0}");
    expect_error(big, (size_t)n, "line 101: duplicate key 'k42'");
}

static void test_nul_and_syntax(void **st) {
    (void)st;
    expect_error(S("{\"dataset\":\n \"math\\u0000500\"}"), "line 2: a string holds a NUL character");
    expect_error(S("{\"a\":\n [1,\n 2,,]}"), "line 3: invalid JSON");
    expect_error("", 0, "line 1: invalid JSON (empty)");
    etsim_err e = {{0}};
    assert_null(etsim_json_parse(S("{\"a\": 1, \"a\": 2}"), NULL, &e));
    assert_string_equal(e.msg, "line 1: duplicate key 'a'");
}

static void test_load(void **st) {
    (void)st;
    char path[] = "/tmp/etsim_test_json_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{\"x\": 1}\n#", 10), 10);
    close(fd);
    etsim_err e = {{0}};
    assert_null(etsim_json_load(path, &e));
    assert_non_null(strstr(e.msg, path));
    assert_non_null(strstr(e.msg, "line 2: unexpected content"));
    unlink(path);
    assert_null(etsim_json_load(path, &e)); /* missing file: named */
    assert_non_null(strstr(e.msg, path));
}

static void test_lock(void **st) {
    (void)st;
    char dir[] = "/tmp/etsim_test_lock_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/x.lock", dir);
    etsim_lock a, b;
    etsim_err e = {{0}};
    assert_int_equal(etsim_lock_take(&a, path, "test A", &e), 0);
    assert_null(a.previous);
    /* a second taker in another process is refused, naming the holder */
    pid_t pid = fork();
    if (pid == 0) {
        etsim_lock c;
        etsim_err ce = {{0}};
        int rc = etsim_lock_take(&c, path, "test C", &ce);
        char want[64];
        snprintf(want, sizeof want, "pid %ld on ", (long)getppid());
        _exit(rc == -1 && strstr(ce.msg, want) && strstr(ce.msg, "(test A)") &&
                      strstr(ce.msg, "in use by")
                  ? 0
                  : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    etsim_lock_release(&a);
    assert_int_equal(access(path, F_OK), -1); /* released: the file is gone */
    /* a holder killed without releasing: the lock is free, its record is reported */
    pid = fork();
    if (pid == 0) {
        etsim_lock d;
        etsim_err de;
        if (etsim_lock_take(&d, path, "test D", &de) < 0) _exit(1);
        _exit(0); /* no release: the file stays with D's record */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(etsim_lock_take(&b, path, "test B", &e), 0);
    assert_non_null(b.previous);
    assert_non_null(strstr(b.previous, "(test D)"));
    etsim_lock_release(&b);
    etsim_lock_release(&b); /* twice: a no-op */
    rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),          cmocka_unit_test(test_trailing),
        cmocka_unit_test(test_duplicates),     cmocka_unit_test(test_nul_and_syntax),
        cmocka_unit_test(test_load),           cmocka_unit_test(test_lock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
