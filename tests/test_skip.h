/* test_skip.h -- honest skips for the CMocka tests. A case that cannot run
 * here (an optional input such as ../shared is absent) calls
 * TEST_SKIP("reason"); main returns test_result(failures), which is the
 * failure count when any case failed, else 77 when a case was skipped
 * (tests/CMakeLists.txt declares SKIP_RETURN_CODE 77, so ctest says
 * "Skipped"), else 0. Under CI=true a skip is a failure: CI has
 * everything. Include after <cmocka.h>. */
#ifndef ETSIM_TEST_SKIP_H
#define ETSIM_TEST_SKIP_H

#include <stdlib.h>
#include <string.h>

static int test_skipped;

static int test_under_ci(void) {
    const char *ci = getenv("CI");
    return ci && !strcmp(ci, "true");
}

#define TEST_SKIP(reason)                                                           \
    do {                                                                            \
        if (test_under_ci()) fail_msg("skipped under CI=true: %s", (reason));       \
        print_message("SKIP: %s\n", (reason));                                      \
        test_skipped++;                                                             \
        skip();                                                                     \
    } while (0)

static inline int test_result(int failures) { return failures ? failures : test_skipped ? 77 : 0; }

#endif
