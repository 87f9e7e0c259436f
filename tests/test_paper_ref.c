/* test_paper_ref.c -- the ETS paper's published numbers ship inside etsim:
 * the built-in copy parses and holds Table 1-3 values as printed in the
 * paper (Hooper et al., arXiv 2502.13575), it equals
 * sim/data/reference/ets_paper.json byte for byte, and --reference FILE
 * reads another copy, with one error naming the file when it is missing or
 * not JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/data/paper_ref.h"
#include "test_skip.h"

/* the number at ref.keys[0]...keys[n-1], then element k of it when k >= 0 */
static double at(const cJSON *j, const char *const *keys, int n, int k) {
    for (int i = 0; i < n && j; i++) j = cJSON_GetObjectItemCaseSensitive(j, keys[i]);
    if (k >= 0) j = cJSON_GetArrayItem(j, k);
    if (!cJSON_IsNumber(j)) fail_msg("%s...%s: not a number", keys[0], keys[n - 1]);
    return j->valuedouble;
}

#define AT(k, ...) at(ref, (const char *const[]){__VA_ARGS__}, \
                      (int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)), (k))

static void test_builtin_values(void **state) {
    (void)state;
    etsim_err err = {{0}};
    char *where = NULL;
    cJSON *ref = etsim_paper_ref_load(NULL, &where, &err);
    assert_non_null(ref);
    assert_string_equal(where, ETSIM_PAPER_REF_BUILTIN);
    /* Table 1: accuracy (%) and KV reduction, as printed */
    assert_true(AT(0, "table1", "MATH500", "Llemma-34B", "REBASE", "16") == 47.2);
    assert_true(AT(0, "table1", "MATH500", "Llemma-34B", "ETS", "256") == 52.8);
    assert_true(AT(1, "table1", "MATH500", "Llemma-34B", "ETS", "256") == 1.8);
    assert_true(AT(0, "table1", "MATH500", "Mistral-7B-SFT", "REBASE", "64") == 43.4);
    assert_true(AT(0, "table1", "GSM8K", "Llemma-34B", "REBASE", "16") == 87.7);
    assert_true(AT(1, "table1", "GSM8K", "Llemma-34B", "ETS", "64") == 1.7);
    /* Table 2: throughput; Table 3: the ETS-KV ablation */
    assert_true(AT(-1, "table2", "ETS", "throughput") == 1.4);
    assert_true(AT(-1, "table2", "ETS", "kv_reduction") == 1.8);
    assert_true(AT(0, "table3", "ETS-KV", "64") == 51.4);
    assert_true(AT(1, "table3", "ETS-KV", "256") == 1.7);
    /* every Table 1 cell: 2 datasets x 2 models x 2 methods x 3 widths */
    const char *ds[] = {"MATH500", "GSM8K"}, *md[] = {"Llemma-34B", "Mistral-7B-SFT"}, *me[] = {"REBASE", "ETS"},
               *w[] = {"16", "64", "256"};
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 2; c++)
                for (int d = 0; d < 3; d++) {
                    double acc = AT(0, "table1", ds[a], md[b], me[c], w[d]), kv = AT(1, "table1", ds[a], md[b], me[c], w[d]);
                    assert_true(acc > 30 && acc < 95);
                    assert_true(c ? kv >= 1.0 : kv == 1.0);
                }
    cJSON_Delete(ref);
    free(where);
}

/* The embedded copy must be the file, byte for byte. */
static void test_builtin_matches_file(void **state) {
    (void)state;
    const char *src = getenv("ETSIM_SOURCE_DIR");
    if (!src) TEST_SKIP("ETSIM_SOURCE_DIR unset (the check reads sim/data/reference/)");
    char path[4096];
    snprintf(path, sizeof path, "%s/sim/data/reference/ets_paper.json", src);
    size_t len = 0;
    etsim_err err = {{0}};
    char *text = etsim_read_file(path, &len, &err);
    assert_non_null(text);
    if (strcmp(text, etsim_paper_ref_json))
        fail_msg("%s differs from paper_ref_data.c: run sim/data/reference/embed.sh", path);
    /* --reference FILE: the same numbers */
    char *where = NULL;
    cJSON *ref = etsim_paper_ref_load(path, &where, &err);
    assert_non_null(ref);
    assert_string_equal(where, path);
    assert_true(AT(0, "table1", "MATH500", "Llemma-34B", "ETS", "256") == 52.8);
    cJSON_Delete(ref);
    free(where);
    free(text);
}

static void test_bad_reference(void **state) {
    (void)state;
    etsim_err err = {{0}};
    char *where = (char *)"untouched";
    assert_null(etsim_paper_ref_load("/nonexistent/ets_paper.json", &where, &err));
    assert_null(where);
    assert_non_null(strstr(err.msg, "/nonexistent/ets_paper.json"));
    char path[64];
    snprintf(path, sizeof path, "paper_ref_%d.json", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"table1\": ", f);
    fclose(f);
    assert_null(etsim_paper_ref_load(path, NULL, &err));
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "invalid JSON"));
    unlink(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_builtin_values), cmocka_unit_test(test_builtin_matches_file),
                                       cmocka_unit_test(test_bad_reference)};
    return test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
