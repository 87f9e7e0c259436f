/* test_eval_sal.c -- search-and-learn interop: its Qwen-math parser and
 * strip_string on hand-checked cases, the vote re-derivation on a hand-made
 * row, tree building (prefix merging, the step/score mismatch skip), and
 * the agreement figures on the real files in ../shared/data/real
 * (ETSIM_SHARED_DIR; skipped, exit 77, when absent). */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_skip.h"

#include "sim/eval/import.h"
#include "sim/eval/sal.h"
#include "sim/eval/sal_parse.h"

static void test_parser(void **state) {
    (void)state;
    etsim_arena a;
    etsim_arena_init(&a);
#define X(in, out) assert_string_equal(etsim_sal_extract_answer(&a, in), out)
    X("so $\\boxed{\\dfrac{1}{2}}$.", "\\frac{1}{2}");
    X("The final answer is: $\\boxed{01}$", "1");                 /* word2number: int("01") */
    X("\\boxed{5 \\text{ cm}}", "5");                             /* trailing \text unit */
    X("\\boxed{(3, \\frac{\\pi}{2})}", "(3,\\frac{\\pi}{2})");    /* spaces removed */
    X("\\boxed{x = 4}", "4");
    X("\\boxed{10\\%}", "10");
    X("\\boxed{3.000}", "3");
    X("\\boxed{five}", "5");
    X("\\boxed{\\text{Evelyn}}", "Evelyn");
    X("\\boxed{ 1/2 }", "\\frac{1}{2}");
    X("\\boxed{\\sqrt2}", "\\sqrt{2}");
    X("the answer is 42.", "42");
    X("no box, numbers 3 and 4,500 here", "4500");
    X("nothing", "");
#undef X
    assert_string_equal(etsim_sal_word_to_num(&a, "two hundred"), "200");
    assert_string_equal(etsim_sal_word_to_num(&a, "x"), "x");
    /* grouping keys */
    assert_string_equal(etsim_sal_canonical(&a, "0.75"), etsim_sal_canonical(&a, "\\frac{3}{4}"));
    assert_string_equal(etsim_sal_canonical(&a, "4^{1.5}"), etsim_sal_canonical(&a, "8"));
    assert_string_not_equal(etsim_sal_canonical(&a, "4^(3/2)"), etsim_sal_canonical(&a, "8"));
    assert_string_equal(etsim_sal_canonical(&a, "\\frac{4^3}{4^0}=64"), "bool:True");
    assert_string_equal(etsim_sal_canonical(&a, "(5/2)+(i\\sqrt{2})"), etsim_sal_canonical(&a, "\\frac{5}{2}+i\\sqrt{2}"));
    assert_string_not_equal(etsim_sal_canonical(&a, "x+1"), etsim_sal_canonical(&a, "x+2"));
    etsim_arena_free(&a);
}

static char *S(const char *s) { return strdup(s); }

/* a hand-made row: 3 completions; two share their first step */
static void make_row(etsim_sal_row *r, double **sc) {
    memset(r, 0, sizeof *r);
    r->n = 3;
    r->problem = S("What is 1+1?");
    r->answer = S("2");
    r->unique_id = S("test/x/1.json");
    r->completions = calloc(3, sizeof(char *));
    r->scores = calloc(3, sizeof(double *));
    r->n_scores = calloc(3, sizeof(int));
    r->completions[0] = S("Add.\n\nSo $\\boxed{2}$");
    r->completions[1] = S("Add.\n\nHence $\\boxed{3}$");
    r->completions[2] = S("Guess $\\boxed{2.0}$");
    static double s0[] = {0.9, 0.4}, s1[] = {0.9, 0.7}, s2[] = {0.5, NAN};
    sc[0] = s0, sc[1] = s1, sc[2] = s2;
    for (int i = 0; i < 3; i++) {
        r->scores[i] = malloc(2 * sizeof(double));
        memcpy(r->scores[i], sc[i], 2 * sizeof(double));
    }
    r->n_scores[0] = 2, r->n_scores[1] = 2, r->n_scores[2] = 1;
}
static void free_row(etsim_sal_row *r) {
    for (int i = 0; i < r->n; i++) free(r->completions[i]), free(r->scores[i]);
    free(r->completions), free(r->scores), free(r->n_scores);
    free(r->problem), free(r->answer), free(r->unique_id);
}

static void test_votes_and_tree(void **state) {
    (void)state;
    etsim_sal_row r;
    double *sc[3];
    make_row(&r, sc);
    etsim_arena a;
    etsim_arena_init(&a);
    /* naive@3: highest last score 0.7 -> "3" */
    assert_string_equal(etsim_sal_vote(&a, &r, 3, ETSIM_SAL_NAIVE), "\\boxed{3}");
    /* maj@3: "2" and "2.0"->"2" group (count 2) -> "2" */
    assert_string_equal(etsim_sal_vote(&a, &r, 3, ETSIM_SAL_MAJ), "\\boxed{2}");
    /* weighted@3: 0.4 + 0.5 = 0.9 for "2" beats 0.7 */
    assert_string_equal(etsim_sal_vote(&a, &r, 3, ETSIM_SAL_WEIGHTED), "\\boxed{2}");
    /* weighted@2: 0.7 beats 0.4 */
    assert_string_equal(etsim_sal_vote(&a, &r, 2, ETSIM_SAL_WEIGHTED), "\\boxed{3}");
    etsim_arena_free(&a);

    etsim_tree t;
    etsim_tree_init(&t, 0);
    etsim_import_stats st = {0};
    int bad = -1;
    assert_int_equal(etsim_sal_build_tree(&r, 7, &t, &st, &bad), 0);
    /* root + "Add." (shared) + 2 second steps + "Guess" = 5 nodes */
    assert_int_equal(t.n_nodes, 5);
    assert_int_equal(st.merged_steps, 1);
    assert_int_equal(t.prob.index, 7);
    int leaves = 0;
    for (int i = 0; i < t.n_nodes; i++) leaves += (t.nodes[i].flags & ETSIM_NODE_LEAF) != 0;
    assert_int_equal(leaves, 3);
    assert_string_equal(etsim_tree_text(&t, 1), "Add.");
    assert_true(fabsf(t.nodes[1].score - 0.9f) < 1e-6);
    assert_string_equal(etsim_tree_answer(&t, 2), "2");
    assert_int_equal(t.nodes[1].step_tokens, 1); /* 4 bytes -> 1 token */
    /* a completion with 2 steps but 1 score: the row is skipped */
    r.n_scores[1] = 1;
    assert_int_equal(etsim_sal_build_tree(&r, 7, &t, &st, &bad), 1);
    assert_int_equal(bad, 1);
    etsim_tree_free(&t);
    free_row(&r);
}

static void test_real_files(void **state) {
    (void)state;
    const char *shared = getenv("ETSIM_SHARED_DIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/data/real", shared ? shared : "/nonexistent");
    DIR *d = opendir(dir);
    if (!d) TEST_SKIP("../shared/data/real absent (ETSIM_SHARED_DIR): it is not part of a clone");
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 6, ".jsonl")) continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        etsim_sal_file f;
        etsim_err err = {{0}};
        assert_int_equal(etsim_sal_read(path, &f, &err), 0);
        etsim_sal_agree ag;
        etsim_sal_check(&f, e->d_name, NULL, &ag);
        print_message("%s: naive %ld/%ld maj %ld/%ld weighted %ld/%ld\n", e->d_name, ag.agree[0], ag.total[0],
                      ag.agree[1], ag.total[1], ag.agree[2], ag.total[2]);
        assert_true(ag.total[0] > 0);
        assert_int_equal(ag.rows_all_naive, f.n_rows);          /* pred_naive: 100% of rows */
        assert_true(ag.agree[1] * 100 >= ag.total[1] * 97);      /* >= 97% */
        assert_true(ag.agree[2] * 100 >= ag.total[2] * 97);
        etsim_sal_free(&f);
        files++;
    }
    closedir(d);
    assert_true(files > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser),
        cmocka_unit_test(test_votes_and_tree),
        cmocka_unit_test(test_real_files),
    };
    return test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
