/* test_shared_copies.c -- provenance of the data that ships inside etsim:
 * the built-in MATH500 and GSM8K sets and the paper's numbers are
 * byte-identical to the copies in ../shared (data/benchmarks/, whose
 * MANIFEST.json names the upstream repository, commit and sha256 of each,
 * and reference/ets_paper.json). A clone has no ../shared: the test then
 * skips (exit 77); CI has it. */
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
#include "sim/data/paper_ref.h"
#include "test_skip.h"

static void test_same_as_shared(void **state) {
    (void)state;
    const char *shared = getenv("ETSIM_SHARED_DIR");
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/data/MANIFEST.json", shared ? shared : "");
    if (!shared || access(probe, R_OK)) TEST_SKIP("../shared absent (ETSIM_SHARED_DIR): it is not part of a clone");
    const char *names[] = {"math500", "gsm8k"};
    for (int i = 0; i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/data/benchmarks/%s_test.jsonl", shared, names[i]);
        size_t flen = 0, blen = 0;
        etsim_err err = {{0}};
        char *file = etsim_read_file(path, &flen, &err);
        if (!file) fail_msg("%s", err.msg);
        char *builtin = etsim_bench_builtin_text(names[i], &blen, &err);
        assert_non_null(builtin);
        if (flen != blen || memcmp(file, builtin, flen)) fail_msg("built-in %s differs from %s", names[i], path);
        free(file);
        free(builtin);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/reference/ets_paper.json", shared);
    size_t len = 0;
    etsim_err err = {{0}};
    char *text = etsim_read_file(path, &len, &err);
    if (!text) fail_msg("%s", err.msg);
    if (strcmp(text, etsim_paper_ref_json)) fail_msg("built-in ets_paper.json differs from %s", path);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_same_as_shared)};
    return test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
