/* test_eval_vote.c -- answer extraction profiles and the selection rules of
 * math_evaluate.py, with every expected value worked out by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/eval/extract.h"
#include "sim/eval/jsonl.h"
#include "sim/eval/vote.h"

#define KI " \xd0\xba\xd0\xb8"

static void test_extract(void **state) {
    (void)state;
    etsim_arena a;
    etsim_arena_init(&a);
    etsim_grader_mode R = ETSIM_GRADER_REFERENCE, C = ETSIM_GRADER_CLEAN;
    /* first match; greedy to the last " ки" of that line; commas removed */
    assert_string_equal(etsim_extract_answer(&a, "Step 1 ки\nThe answer is: 1,000" KI "\n", ETSIM_EXTRACT_SHEPHERD, R), "1000");
    assert_string_equal(etsim_extract_answer(&a, "The answer is: (1,2)" KI, ETSIM_EXTRACT_SHEPHERD, R), "(12)");
    assert_string_equal(etsim_extract_answer(&a, "The answer is: (1,2)" KI, ETSIM_EXTRACT_SHEPHERD, C), "(1,2)");
    assert_string_equal(etsim_extract_answer(&a, "The answer is: 5" KI " x" KI, ETSIM_EXTRACT_SHEPHERD, R), "5" KI " x");
    assert_string_equal(etsim_extract_answer(&a, "The answer is: 5\n" KI, ETSIM_EXTRACT_SHEPHERD, R), "[invalid]");
    assert_string_equal(etsim_extract_answer(&a, "The answer is:" KI "\nThe answer is: 7" KI, ETSIM_EXTRACT_SHEPHERD, R), "7");
    assert_string_equal(etsim_extract_answer(&a, NULL, ETSIM_EXTRACT_SHEPHERD, R), "[invalid]");
    assert_string_equal(etsim_extract_answer(&a, "so The answer is: -1,234.5 dollars", ETSIM_EXTRACT_GSM8K, R), "-1234.5");
    assert_string_equal(etsim_extract_answer(&a, "The answer is: x", ETSIM_EXTRACT_GSM8K, R), "[invalid]");
    assert_string_equal(etsim_extract_answer(&a, "\\boxed{1} then \\boxed{\\frac{1}{2}}.", ETSIM_EXTRACT_BOXED, R), "\\frac{1}{2}");
    assert_string_equal(etsim_extract_answer(&a, "\\boxed{\\frac{1}{2}", ETSIM_EXTRACT_BOXED, R), "[invalid]");
    assert_string_equal(etsim_extract_answer(&a, "$\\boxed 5$", ETSIM_EXTRACT_BOXED, R), "5");
    assert_string_equal(etsim_extract_answer(&a, "\\fbox{9}", ETSIM_EXTRACT_BOXED, R), "9");
    etsim_arena_free(&a);
}

static void test_aggregation(void **state) {
    (void)state;
    double s[] = {0.5, 0.9, 0.2};
    double miss[] = {0.5, NAN};
    double big[] = {1.5, 1.2};
    assert_true(etsim_agg_scores(NULL, 0, ETSIM_AGG_LAST) == 0);
    assert_true(etsim_agg_scores(NULL, 0, ETSIM_AGG_MIN) == 0);
    assert_true(etsim_agg_scores(NULL, 0, ETSIM_AGG_PROD) == 0);
    assert_true(etsim_agg_scores(NULL, 0, ETSIM_AGG_MEAN) == 0);
    assert_true(etsim_agg_scores(s, 3, ETSIM_AGG_LAST) == 0.2);
    assert_true(etsim_agg_scores(s, 3, ETSIM_AGG_MIN) == 0.2);
    assert_true(fabs(etsim_agg_scores(s, 3, ETSIM_AGG_PROD) - 0.09) < 1e-15);
    assert_true(fabs(etsim_agg_scores(s, 3, ETSIM_AGG_MEAN) - 1.6 / 3) < 1e-15);
    assert_true(etsim_agg_scores(miss, 2, ETSIM_AGG_LAST) == 0);     /* last None -> 0 */
    assert_true(etsim_agg_scores(miss, 2, ETSIM_AGG_MIN) == 0.5);
    assert_true(etsim_agg_scores(big, 2, ETSIM_AGG_MIN) == 1);       /* minimum starts at 1 */
}

typedef struct leafdef {
    const char *ans;
    double score;
} leafdef;

static etsim_vote_result run(const leafdef *d, int n, etsim_vote v, etsim_grader_mode m, const char *gt) {
    static double sc[16];
    etsim_leaf L[16];
    for (int i = 0; i < n; i++) {
        sc[i] = d[i].score;
        L[i] = (etsim_leaf){NULL, d[i].ans, &sc[i], 1};
    }
    etsim_eval_opts o = etsim_eval_opts_default();
    o.vote = v;
    o.grader = m;
    static etsim_arena a;
    etsim_arena_free(&a);
    etsim_arena_init(&a);
    etsim_vote_result r;
    etsim_vote_select(&a, L, n, gt, &o, &r);
    return r;
}

static void test_votes(void **state) {
    (void)state;
    etsim_grader_mode R = ETSIM_GRADER_REFERENCE;
    /* best-of-N: strictly greater replaces, so the first maximum wins */
    leafdef b[] = {{"1", 0.5}, {"2", 0.9}, {"3", 0.9}};
    etsim_vote_result r = run(b, 3, ETSIM_VOTE_BEST, R, "2");
    assert_int_equal(r.chosen, 1);
    assert_true(r.correct);
    /* majority: "1/2" and "0.5" fall in one class (graded equal), 2 votes vs 1 */
    leafdef m[] = {{"3", 0.9}, {"\\frac{1}{2}", 0.1}, {"0.5", 0.1}};
    r = run(m, 3, ETSIM_VOTE_MAJORITY, R, "1/2");
    assert_int_equal(r.chosen, 2); /* max_rep is the answer voting when the class takes the lead */
    assert_string_equal(r.answer, "0.5");
    assert_true(r.correct);
    /* weighted (last score): 0.9 beats 0.1 + 0.1 */
    r = run(m, 3, ETSIM_VOTE_WEIGHTED, R, "1/2");
    assert_int_equal(r.chosen, 0);
    assert_false(r.correct);
    assert_true(fabs(r.support - 0.9) < 1e-12);
    /* ties: a later class must strictly exceed -> first class keeps it */
    leafdef t[] = {{"4", 0.5}, {"5", 0.5}};
    r = run(t, 2, ETSIM_VOTE_WEIGHTED, R, "5");
    assert_int_equal(r.chosen, 0);
    /* all-zero weights: math_evaluate.py's `if weight > max_vote` never
     * fires, max_rep stays None and "None" is graded: no answer, wrong */
    leafdef z[] = {{"4", 0}, {"4", 0}, {"5", 0}};
    r = run(z, 3, ETSIM_VOTE_WEIGHTED, R, "5");
    assert_int_equal(r.chosen, -1);
    assert_null(r.answer);
    assert_false(r.correct);
    assert_true(r.support == 0);
    r = run(z, 3, ETSIM_VOTE_WEIGHTED, R, "None"); /* str(None) is graded */
    assert_true(r.correct);
    /* first class weight 0, then a new class that outweighs it */
    leafdef z2[] = {{"4", 0}, {"6", 0.3}};
    r = run(z2, 2, ETSIM_VOTE_WEIGHTED, R, "6");
    assert_int_equal(r.chosen, 1);
    assert_true(r.correct);
    /* a later class whose first leaf outweighs the leader wins */
    leafdef later[] = {{"3", 0.07}, {"1", 0.75}};
    r = run(later, 2, ETSIM_VOTE_WEIGHTED, R, "1");
    assert_int_equal(r.chosen, 1);
    assert_true(r.correct);
    r = run(later, 2, ETSIM_VOTE_MAJORITY, R, "1"); /* 1 vote each: the first keeps it */
    assert_int_equal(r.chosen, 0);
    /* "[invalid]" answers vote together in the reference, not in clean mode */
    leafdef inv[] = {{"[invalid]", 0.4}, {"7", 0.5}, {"[invalid]", 0.4}};
    r = run(inv, 3, ETSIM_VOTE_WEIGHTED, R, "7");
    assert_string_equal(r.answer, "[invalid]");
    r = run(inv, 3, ETSIM_VOTE_WEIGHTED, ETSIM_GRADER_CLEAN, "7");
    assert_string_equal(r.answer, "7");
    assert_true(r.correct);
    /* no leaves: best-of-N reads "[invalid]" */
    r = run(b, 0, ETSIM_VOTE_BEST, R, "2");
    assert_int_equal(r.chosen, -1);
    assert_false(r.correct);
    run(b, 0, ETSIM_VOTE_BEST, R, NULL);
    etsim_grade_thread_cleanup();
}

static void test_text_leaves(void **state) {
    (void)state;
    double s1[] = {0.9, 0.8}, s2[] = {0.7, 0.95};
    etsim_leaf L[] = {{"Step ки\nThe answer is: 12" KI, NULL, s1, 2}, {"The answer is: 13" KI, NULL, s2, 2}};
    etsim_eval_opts o = etsim_eval_opts_default();
    etsim_arena a;
    etsim_arena_init(&a);
    etsim_vote_result r;
    o.vote = ETSIM_VOTE_BEST;
    o.agg = ETSIM_AGG_MIN;
    etsim_vote_select(&a, L, 2, "12", &o, &r);
    assert_int_equal(r.chosen, 0); /* min 0.8 beats min 0.7 */
    assert_string_equal(r.answer, "12");
    assert_true(r.correct);
    o.agg = ETSIM_AGG_LAST;
    etsim_vote_select(&a, L, 2, "12", &o, &r);
    assert_int_equal(r.chosen, 1); /* last 0.95 beats last 0.8 */
    assert_false(r.correct);
    etsim_arena_free(&a);
}

static char *testdata(const char *name) {
    const char *src = getenv("ETSIM_SOURCE_DIR");
    static char path[1024];
    snprintf(path, sizeof path, "%s/sim/eval/testdata/%s", src ? src : "..", name);
    return path;
}

/* vote_golden.jsonl holds the choices of the unmodified math_evaluate.py
 * (SqueezeAILab/ETS @ ac937a7, its own sympy grader) on crafted and random
 * cases; sim/eval/tools/gen_vote_golden.py wrote it. */
static void test_golden_votes(void **state) {
    (void)state;
    etsim_jsonl r;
    etsim_err err = {{0}};
    assert_int_equal(etsim_jsonl_open(&r, testdata("vote_golden.jsonl"), &err), 0);
    etsim_arena a;
    etsim_arena_init(&a);
    cJSON *o;
    int n = 0, bad = 0, n_none = 0, n_later = 0;
    static const char *const kinds[3] = {"best", "majority", "weighted"};
    while (etsim_jsonl_next(&r, &o, &err) == 1) {
        const cJSON *answers = cJSON_GetObjectItem(o, "answers"), *scores = cJSON_GetObjectItem(o, "scores");
        int nl = cJSON_GetArraySize(answers);
        etsim_leaf L[16];
        double sc[16][4];
        assert_true(nl <= 16);
        for (int i = 0; i < nl; i++) {
            const cJSON *ss = cJSON_GetArrayItem(scores, i);
            int ns = cJSON_GetArraySize(ss);
            assert_true(ns <= 4);
            for (int k = 0; k < ns; k++) {
                const cJSON *v = cJSON_GetArrayItem(ss, k);
                sc[i][k] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
            }
            L[i] = (etsim_leaf){NULL, cJSON_GetArrayItem(answers, i)->valuestring, sc[i], ns};
        }
        etsim_eval_opts opt = etsim_eval_opts_default();
        opt.agg = etsim_agg_parse(cJSON_GetObjectItem(o, "agg")->valuestring);
        const char *gt = cJSON_GetObjectItem(o, "gt")->valuestring;
        for (int k = 0; k < 3; k++) {
            const cJSON *e = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "expect"), kinds[k]);
            const cJSON *want = cJSON_GetObjectItem(e, "answer");
            opt.vote = etsim_vote_parse(kinds[k]);
            etsim_vote_result vr;
            etsim_vote_select(&a, L, nl, gt, &opt, &vr);
            bool ok = vr.correct == cJSON_IsTrue(cJSON_GetObjectItem(e, "correct"));
            if (cJSON_IsNull(want)) ok = ok && vr.answer == NULL, n_none++;
            else ok = ok && vr.answer && !strcmp(vr.answer, want->valuestring);
            if (!ok && bad++ < 5) print_message("case %d %s: got %s\n", n + 1, kinds[k], vr.answer ? vr.answer : "(none)");
            /* weighted picks a class other than the first one formed */
            if (k == 2 && vr.answer && nl > 1 && vr.chosen > 0) n_later++;
        }
        n++;
        cJSON_Delete(o);
        etsim_arena_reset(&a);
    }
    etsim_jsonl_close(&r);
    etsim_arena_free(&a);
    etsim_grade_thread_cleanup();
    assert_int_equal(n, 413);
    assert_true(n_none >= 3 && n_later >= 50); /* both rules really exercised */
    assert_int_equal(bad, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract),
        cmocka_unit_test(test_aggregation),
        cmocka_unit_test(test_votes),
        cmocka_unit_test(test_text_leaves), cmocka_unit_test(test_golden_votes),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    etsim_grade_thread_cleanup();
    return rc;
}
