/* test_trace_cli.c -- `etsim inspect` on traces written here: the JSON
 * statistics of a hand-built two-problem trace (every figure worked out
 * below), the text output, a truncated copy (exit 1, one stderr line,
 * nothing on stdout) and the same copy under --scan. Skips when ETSIM_BIN
 * is not an executable (the CLI is built by the etsim_cli target). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_skip.h"

#include <cjson/cJSON.h>
#include <sys/wait.h>

#include "test_trace_util.h"

/* Problem 0: root -> a, b, c; a -> d, e (a, d leaves are not marked;
 * c and e are leaves with answers). Problem 1: the root alone.
 * depth histogram: depth 0: 2 roots, depth 1: a b c, depth 2: d e -> [2,3,2]
 * children per node: 0 -> b c d e + root1 = 5, 2 -> a, 3 -> root0. */
static void write_hand_trace(const char *path) {
    etsim_err err = {{0}};
    etsim_meta m = tt_meta(0, NULL);
    m.n_problems = 2;
    etsim_trace_writer *w = etsim_trace_writer_open(path, &m, 0, &err);
    assert_non_null(w);
    etsim_tree t;
    etsim_tree_init(&t, 0);
    t.prob.index = 0;
    etsim_problem_set(&t.prob, "p0", NULL, "7", NULL, 1);
    etsim_tree_add_root(&t, 100);
    int32_t a = etsim_tree_add_child(&t, 0, 10);
    etsim_tree_add_child(&t, 0, 20);
    int32_t c = etsim_tree_add_child(&t, 0, 30);
    etsim_tree_add_child(&t, a, 40);
    int32_t e = etsim_tree_add_child(&t, a, 50);
    for (int32_t i = 1; i < t.n_nodes; i++) etsim_tree_set_score(&t, i, 0.1f * (float)i);
    t.nodes[c].flags |= ETSIM_NODE_LEAF;
    t.nodes[e].flags |= ETSIM_NODE_LEAF;
    etsim_tree_set_answer(&t, c, "7");
    etsim_tree_set_answer(&t, e, "8");
    assert_int_equal(etsim_trace_writer_add(w, &t, &err), 0);
    etsim_tree_reset(&t);
    t.prob.index = 1;
    etsim_problem_set(&t.prob, "p1", NULL, "3", NULL, 2);
    etsim_tree_add_root(&t, 80);
    assert_int_equal(etsim_trace_writer_add(w, &t, &err), 0);
    etsim_tree_free(&t);
    assert_int_equal(etsim_trace_writer_finish(w, &err), 0);
}

/* Run `$ETSIM_BIN inspect ARGS FILE`; returns the exit code, stdout and
 * stderr in malloc'd strings. */
static int run_inspect(const char *dir, const char *args, const char *file, char **out,
                       char **errtxt) {
    char cmd[2048];
    char *o = tt_path(dir, "stdout"), *e = tt_path(dir, "stderr");
    snprintf(cmd, sizeof cmd, "\"%s\" inspect %s \"%s\" >\"%s\" 2>\"%s\"", getenv("ETSIM_BIN"),
             args, file, o, e);
    int st = system(cmd);
    size_t n;
    *out = (char *)tt_read_all(o, &n);
    *errtxt = (char *)tt_read_all(e, &n);
    free(o);
    free(e);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int have_bin(void) {
    const char *b = getenv("ETSIM_BIN");
    return b && access(b, X_OK) == 0;
}

static double num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v)) fail_msg("no number '%s'", k);
    return v->valuedouble;
}

static void test_inspect_json(void **state) {
    (void)state;
    if (!have_bin()) TEST_SKIP("ETSIM_BIN unset (the etsim program to run)");
    char *dir = tt_tmpdir(), *path = tt_path(dir, "hand.trace");
    write_hand_trace(path);
    char *out, *err;
    assert_int_equal(run_inspect(dir, "--json", path, &out, &err), 0);
    assert_string_equal(err, "");
    cJSON *o = cJSON_Parse(out);
    assert_non_null(o);
    assert_int_equal(num(o, "problems"), 2);
    assert_int_equal(num(o, "nodes"), 7);
    assert_int_equal(num(o, "leaves"), 2);
    assert_int_equal(num(o, "scored"), 5);
    assert_int_equal(num(o, "answers"), 2);
    assert_int_equal(num(o, "embeddings"), 0);
    assert_int_equal(num(o, "step_tokens"), 100 + 10 + 20 + 30 + 40 + 50 + 80);
    assert_int_equal(num(o, "max_cum_tokens"), 100 + 10 + 50);
    const cJSON *npp = cJSON_GetObjectItemCaseSensitive(o, "nodes_per_problem");
    assert_int_equal(num(npp, "min"), 1);
    assert_int_equal(num(npp, "max"), 6);
    const cJSON *dh = cJSON_GetObjectItemCaseSensitive(o, "depth_histogram");
    assert_int_equal(cJSON_GetArraySize(dh), 3);
    const int want_d[3] = {2, 3, 2};
    for (int i = 0; i < 3; i++) assert_int_equal(cJSON_GetArrayItem(dh, i)->valuedouble, want_d[i]);
    const cJSON *bh = cJSON_GetObjectItemCaseSensitive(o, "branching_histogram");
    assert_int_equal(cJSON_GetArraySize(bh), 3);
    const int want_b[3][2] = {{0, 5}, {2, 1}, {3, 1}};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(num(cJSON_GetArrayItem(bh, i), "children"), want_b[i][0]);
        assert_int_equal(num(cJSON_GetArrayItem(bh, i), "nodes"), want_b[i][1]);
    }
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "header");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(h, "dataset")->valuestring, "math500");
    assert_int_equal(num(h, "problems_planned"), 2);
    assert_int_equal(num(cJSON_GetObjectItemCaseSensitive(h, "settings"), "width"), 16);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "bytes");
    size_t flen;
    free(tt_read_all(path, &flen));
    assert_int_equal(num(b, "file"), (double)flen);
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(b, "columns");
    assert_int_equal(num(cJSON_GetObjectItemCaseSensitive(cols, "flags"), "raw"), 7);
    assert_int_equal(num(cJSON_GetObjectItemCaseSensitive(cols, "score"), "raw"), 28);
    cJSON_Delete(o);
    free(out);
    free(err);

    /* text output names the same figures */
    assert_int_equal(run_inspect(dir, "", path, &out, &err), 0);
    assert_non_null(strstr(out, "problems        2 (of 2 planned)"));
    assert_non_null(strstr(out, "nodes           7 (per problem: min 1, mean 3.5, max 6)"));
    assert_non_null(strstr(out, "step delimiter  \\n\\n"));
    free(out);
    free(err);
    free(path);
    tt_rmdir(dir);
}

static void test_inspect_truncated(void **state) {
    (void)state;
    if (!have_bin()) TEST_SKIP("ETSIM_BIN unset (the etsim program to run)");
    char *dir = tt_tmpdir(), *path = tt_path(dir, "t.trace"), *cut = tt_path(dir, "cut.trace");
    tt_write_trace(path, 4, 30, 4, "f16", 1, 5);
    etsim_err e = {{0}};
    etsim_trace *tr = etsim_trace_open(path, &e);
    assert_non_null(tr);
    int64_t off3 = etsim_trace_entry_at(tr, 3)->offset;
    etsim_trace_close(tr);
    size_t len;
    unsigned char *b = tt_read_all(path, &len);
    tt_write_all(cut, b, (size_t)off3 + 50);
    free(b);
    char *out, *err;
    assert_int_equal(run_inspect(dir, "", cut, &out, &err), 1);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "etsim: "));
    assert_non_null(strstr(err, "cut.trace: "));
    assert_non_null(strstr(err, "truncated"));
    assert_int_equal(strchr(err, '\n') - err, (long)strlen(err) - 1); /* one line */
    free(out);
    free(err);
    assert_int_equal(run_inspect(dir, "--scan --json", cut, &out, &err), 0);
    cJSON *o = cJSON_Parse(out);
    assert_non_null(o);
    assert_int_equal(num(o, "problems"), 3);
    assert_int_equal(num(o, "dropped_bytes"), 50);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "has_index")));
    cJSON_Delete(o);
    free(out);
    free(err);
    free(path);
    free(cut);
    tt_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inspect_json),
        cmocka_unit_test(test_inspect_truncated),
    };
    return test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
