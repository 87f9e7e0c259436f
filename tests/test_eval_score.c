/* test_eval_score.c -- accuracy of replay results (sim/eval/score.h) read
 * through the streaming reader (sim/engine/result_read.h): hand-built result
 * files with hand-worked accuracies for every vote mode, leaves that carry
 * only texts, in-process scoring equal to scoring the written file, and
 * bad input (one message naming file, problem and field). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/eval/score.h"
#include "sim/engine/result.h"
#include "selectors/registry.h"
#include "sim/etsim.h"

static char *write_tmp(const char *text) {
    char *path = strdup("evalx_score_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* Five problems, worked by hand (weight = last step score):
 *  0 gt 5:           "5" .9, "6" .4, "6" .4   weighted 5 (.9 > .8) ok; majority 6 wrong; best 5 ok
 *  1 gt \frac{1}{2}: "0.5" .7, "1/3" .6       0.5 == \frac{1}{2}: ok in every mode
 *  2 gt (1,2):       "(1,2)" .9               reference reads "(12)": wrong; clean keeps the comma: ok
 *  3 gt 3:           no leaves                wrong (no answer)
 *  4 gt null:        "3" .8                   wrong (no ground truth) */
static const char *HAND =
    "{\"etsim_result\":1,\"config\":{\"selector\":\"rebase\",\"width\":4,\"meta\":{\"answer_format\":\"shepherd\"}},\n"
    "\"problems\":[\n"
    "{\"index\":0,\"id\":\"p0\",\"answer\":\"5\",\"subject\":\"Algebra\",\"level\":1,\"decisions\":[{\"x\":[1,{\"y\":\"]\"}]}],"
    " \"leaves\":[{\"node\":1,\"answer\":\"5\",\"step_scores\":[0.2,0.9]},{\"node\":2,\"answer\":\"6\",\"step_scores\":[0.4]},"
    "{\"node\":3,\"answer\":\"6\",\"step_scores\":[0.4]}]},\n"
    "{\"index\":1,\"id\":\"p1\",\"answer\":\"\\\\frac{1}{2}\",\"subject\":\"Algebra\",\"level\":2,"
    " \"leaves\":[{\"node\":1,\"answer\":\"0.5\",\"step_scores\":[0.7]},{\"node\":2,\"answer\":\"1/3\",\"step_scores\":[0.6]}]},\n"
    "{\"index\":2,\"id\":\"p2\",\"answer\":\"(1,2)\",\"subject\":\"Geometry\",\"level\":2,"
    " \"leaves\":[{\"node\":1,\"answer\":\"(1,2)\",\"step_scores\":[0.9]}]},\n"
    "{\"index\":3,\"id\":\"p3\",\"answer\":\"3\",\"subject\":\"Geometry\",\"level\":3,\"leaves\":[]},\n"
    "{\"index\":4,\"id\":\"p4\",\"answer\":null,\"leaves\":[{\"node\":1,\"answer\":\"3\",\"step_scores\":[0.8]}]}\n"
    "],\n\"summary\":{\"problems\":5}}\n";

static void eval_file(const char *path, const etsim_eval_opts *o, etsim_eval_acc *acc, int *correct_out) {
    etsim_err err = {{0}};
    etsim_result_reader rr;
    assert_int_equal(etsim_result_reader_open(&rr, path, ETSIM_RR_LEAVES | ETSIM_RR_NODES, &err), 0);
    etsim_eval_acc_init(acc, o);
    etsim_rr_problem *p;
    int rc, k = 0;
    while ((rc = etsim_result_reader_next(&rr, &p, &err)) == 1) {
        etsim_problem_eval e;
        assert_int_equal(etsim_eval_rr_problem(p, rr.answer_format, o, &e, &err), 0);
        if (correct_out) correct_out[k++] = e.correct;
        etsim_eval_acc_add(acc, &e, p->subject, p->level);
        etsim_problem_eval_free(&e);
    }
    if (rc) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, 0);
    etsim_result_reader_close(&rr);
}

static const etsim_eval_group *find_subject(const etsim_eval_acc *a, const char *s) {
    for (int64_t i = 0; i < a->n_subjects; i++)
        if (!strcmp(a->subjects[i].subject, s)) return &a->subjects[i];
    fail_msg("no subject %s", s);
    return NULL;
}
static const etsim_eval_group *find_level(const etsim_eval_acc *a, int l) {
    for (int64_t i = 0; i < a->n_levels; i++)
        if (a->levels[i].level == l) return &a->levels[i];
    fail_msg("no level %d", l);
    return NULL;
}

static void test_hand_built_accuracy(void **state) {
    (void)state;
    char *path = write_tmp(HAND);
    etsim_eval_opts o = etsim_eval_opts_default();
    etsim_eval_acc acc;
    int c[5];
    eval_file(path, &o, &acc, c);
    assert_int_equal(acc.problems, 5);
    assert_int_equal(acc.correct, 2);
    int want[5] = {1, 1, 0, 0, 0};
    for (int i = 0; i < 5; i++) assert_int_equal(c[i], want[i]);
    assert_true(fabs(etsim_eval_acc_percent(&acc) - 40.0) < 1e-12);
    assert_int_equal(acc.leaves, 7);
    assert_int_equal(acc.no_leaves, 1);
    assert_int_equal(acc.no_gt, 1);
    assert_int_equal(find_subject(&acc, "Algebra")->correct, 2);
    assert_int_equal(find_subject(&acc, "Algebra")->problems, 2);
    assert_int_equal(find_subject(&acc, "Geometry")->correct, 0);
    assert_int_equal(find_subject(&acc, "Geometry")->problems, 2);
    assert_int_equal(find_subject(&acc, "(none)")->problems, 1);
    assert_int_equal(find_level(&acc, 2)->problems, 2);
    assert_int_equal(find_level(&acc, 2)->correct, 1);
    assert_int_equal(find_level(&acc, 0)->problems, 1);

    /* the JSON summary: subjects sorted, levels ascending */
    etsim_sbuf b = {0};
    etsim_eval_acc_json(&b, &acc);
    assert_non_null(strstr(b.data, "\"problems\":5,\"correct\":2,\"accuracy\":40,"));
    assert_non_null(strstr(b.data, "\"by_subject\":{\"(none)\":{\"problems\":1,\"correct\":0,\"accuracy\":0},"
                                   "\"Algebra\":{\"problems\":2,\"correct\":2,\"accuracy\":100},"));
    assert_non_null(strstr(b.data, "\"by_level\":{\"0\":"));
    etsim_sbuf_free(&b);
    etsim_eval_acc_free(&acc);

    o.vote = ETSIM_VOTE_MAJORITY; /* problem 0 goes to "6" */
    eval_file(path, &o, &acc, c);
    assert_int_equal(acc.correct, 1);
    assert_int_equal(c[0], 0);
    etsim_eval_acc_free(&acc);
    o.vote = ETSIM_VOTE_BEST;
    eval_file(path, &o, &acc, NULL);
    assert_int_equal(acc.correct, 2);
    etsim_eval_acc_free(&acc);
    o = etsim_eval_opts_default();
    o.grader = ETSIM_GRADER_CLEAN; /* the tuple keeps its comma */
    eval_file(path, &o, &acc, c);
    assert_int_equal(acc.correct, 3);
    assert_int_equal(c[2], 1);
    etsim_eval_acc_free(&acc);
    etsim_grade_thread_cleanup();
    unlink(path);
    free(path);
}

/* Leaves without answers: the answer comes from the root-to-leaf text. */
static void test_text_only_leaves(void **state) {
    (void)state;
    char *path = write_tmp(
        "{\"etsim_result\":1,\"config\":{\"meta\":{\"answer_format\":\"shepherd\"}},\"problems\":[\n"
        "{\"index\":0,\"answer\":\"7\",\"nodes\":{\"parent\":[-1,0,1,0,0],\"tokens\":[1,2,3,4,5],"
        "\"text\":[\"What is 3+4?\",\"Step 1: add\",\"The answer is: 7\",\"The answer is: 8\",null]},"
        "\"leaves\":[{\"node\":2,\"answer\":null,\"step_scores\":[0.5,0.9]},{\"node\":3,\"step_scores\":[0.3]},"
        "{\"node\":4,\"answer\":null,\"step_scores\":[0.95]}]},\n"
        "{\"index\":1,\"answer\":\"7\",\"leaves\":[{\"node\":1,\"answer\":null,\"step_scores\":[0.5]},"
        "{\"node\":2,\"step_scores\":[0.4]}]}]}");
    etsim_err err = {{0}};
    etsim_result_reader rr;
    assert_int_equal(etsim_result_reader_open(&rr, path, ETSIM_RR_LEAVES | ETSIM_RR_NODES, &err), 0);
    etsim_rr_problem *p;
    assert_int_equal(etsim_result_reader_next(&rr, &p, &err), 1);
    assert_string_equal(p->question, "What is 3+4?");
    assert_int_equal(p->n_nodes, 5);
    etsim_eval_opts o = etsim_eval_opts_default();
    etsim_problem_eval e;
    assert_int_equal(etsim_eval_rr_problem(p, NULL, &o, &e, &err), 0);
    /* 7 (.9) first; 8 (.3) starts a class of its own and stays below;
     * node 4's "[invalid]" (its text is only the question: no answer line)
     * starts a class whose .95 outweighs .9, so it wins (math_evaluate.py's
     * `if weight > max_vote`) */
    assert_int_equal(e.n_no_answer, 0);
    assert_int_equal(e.n_leaves, 3);
    assert_string_equal(e.answer, ETSIM_INVALID_ANSWER);
    assert_false(e.correct);
    etsim_problem_eval_free(&e);
    o.vote = ETSIM_VOTE_MAJORITY; /* one vote each: the first class keeps it */
    assert_int_equal(etsim_eval_rr_problem(p, NULL, &o, &e, &err), 0);
    assert_string_equal(e.answer, "7");
    assert_true(e.correct);
    o.vote = ETSIM_VOTE_WEIGHTED;
    etsim_problem_eval_free(&e);
    /* without texts, answer-less leaves give "[invalid]" and are counted */
    assert_int_equal(etsim_result_reader_next(&rr, &p, &err), 1);
    assert_null(p->text);
    assert_int_equal(etsim_eval_rr_problem(p, NULL, &o, &e, &err), 0);
    assert_int_equal(e.n_no_answer, 2);
    assert_string_equal(e.answer, ETSIM_INVALID_ANSWER);
    assert_false(e.correct);
    etsim_problem_eval_free(&e);
    o.grader = ETSIM_GRADER_CLEAN; /* "[invalid]" does not vote: no answer */
    assert_int_equal(etsim_eval_rr_problem(p, NULL, &o, &e, &err), 0);
    assert_null(e.answer);
    assert_int_equal(e.chosen, -1);
    etsim_problem_eval_free(&e);
    assert_int_equal(etsim_result_reader_next(&rr, &p, &err), 0);
    etsim_result_reader_close(&rr);

    /* the joined text itself */
    etsim_arena a;
    etsim_arena_init(&a);
    const char *steps[] = {"Step 1: add", "The answer is: 7"};
    assert_string_equal(etsim_eval_join_text(&a, "Q", steps, 2, ETSIM_EXTRACT_SHEPHERD),
                        "Q\nStep 1: add \xd0\xba\xd0\xb8\nThe answer is: 7 \xd0\xba\xd0\xb8");
    assert_string_equal(etsim_eval_join_text(&a, NULL, steps, 2, ETSIM_EXTRACT_SAL),
                        "Step 1: add\n\nThe answer is: 7");
    assert_null(etsim_eval_join_text(&a, NULL, (const char *const[]){NULL}, 1, ETSIM_EXTRACT_BOXED));
    assert_string_equal(etsim_eval_answer_text(&a, "5", ETSIM_EXTRACT_BOXED), "The final answer is $\\boxed{5}$.");
    /* answers read back through their own answer line, per profile */
    assert_string_equal(etsim_eval_leaf_answer(&a, " 1,000 ", NULL, ETSIM_EXTRACT_SHEPHERD, ETSIM_GRADER_REFERENCE), "1000");
    assert_string_equal(etsim_eval_leaf_answer(&a, "\\frac{1}{2}", NULL, ETSIM_EXTRACT_BOXED, ETSIM_GRADER_REFERENCE),
                        "\\frac{1}{2}");
    assert_string_equal(etsim_eval_leaf_answer(&a, "x", NULL, ETSIM_EXTRACT_GSM8K, ETSIM_GRADER_REFERENCE),
                        ETSIM_INVALID_ANSWER);
    assert_null(etsim_eval_leaf_answer(&a, NULL, NULL, ETSIM_EXTRACT_SHEPHERD, ETSIM_GRADER_REFERENCE));
    /* sal answers are search-and-learn's own reading already: kept as they are */
    assert_string_equal(etsim_eval_leaf_answer(&a, "\\boxed{x}", NULL, ETSIM_EXTRACT_SAL, ETSIM_GRADER_REFERENCE),
                        "\\boxed{x}");
    assert_string_equal(etsim_eval_leaf_answer(&a, "\\boxed{x}", NULL, ETSIM_EXTRACT_BOXED, ETSIM_GRADER_REFERENCE), "x");
    etsim_arena_free(&a);
    etsim_grade_thread_cleanup();
    unlink(path);
    free(path);
}

/* A search run in process scores exactly like its result file read back. */
static void test_in_process_equals_file(void **state) {
    (void)state;
    etsim_err err = {{0}};
    etsim_init();
    etsim_oracle *o = etsim_oracle_open("synthetic", "default", &err);
    assert_non_null(o);
    etsim_search_config cfg;
    etsim_search_config_init(&cfg, etsim_selector_find("rebase"), 16);
    char path[] = "evalx_inproc_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    etsim_result_writer w;
    etsim_eval_summary summary; /* the writer's own "accuracy" (what replay writes) */
    etsim_eval_summary_init(&summary, o->meta.answer_format);
    assert_int_equal(etsim_result_writer_open(&w, path, 0, &cfg, "synthetic", "default", &o->meta,
                                              &summary.hook, &err), 0);
    etsim_eval_opts opts = etsim_eval_opts_default();
    enum { N = 24 };
    char *answers[N];
    int correct[N];
    etsim_eval_acc acc;
    etsim_eval_acc_init(&acc, &opts);
    for (int i = 0; i < N; i++) {
        etsim_problem_result res;
        etsim_problem_result_init(&res, o->meta.emb_dim);
        assert_int_equal(etsim_search_problem(o, &cfg, i, &res, &err), 0);
        etsim_problem_eval e;
        assert_int_equal(etsim_eval_problem(&res, o->meta.answer_format, &opts, &e, &err), 0);
        assert_int_equal(e.n_leaves, res.n_leaves);
        answers[i] = e.answer ? strdup(e.answer) : NULL;
        correct[i] = e.correct;
        etsim_problem_eval_free(&e);
        assert_int_equal(etsim_eval_acc_add_result(&acc, &res, o->meta.answer_format, &err), 0);
        assert_int_equal(etsim_result_writer_add(&w, &res, &err), 0);
        etsim_problem_result_free(&res);
    }
    assert_int_equal(etsim_result_writer_commit(&w, &err), 0);
    assert_true(acc.correct > 0 && acc.correct < N); /* the comparison means something */
    assert_int_equal(summary.acc.correct, acc.correct);
    assert_int_equal(summary.acc.problems, N);
    etsim_eval_summary_free(&summary);

    etsim_result_reader rr;
    assert_int_equal(etsim_result_reader_open(&rr, path, ETSIM_RR_LEAVES, &err), 0);
    assert_string_equal(rr.answer_format, o->meta.answer_format);
    assert_int_equal(rr.width, 16);
    etsim_rr_problem *p;
    int k = 0, c = 0;
    while (etsim_result_reader_next(&rr, &p, &err) == 1) {
        etsim_problem_eval e;
        assert_int_equal(etsim_eval_rr_problem(p, rr.answer_format, &opts, &e, &err), 0);
        assert_int_equal(p->index, k);
        if (answers[k]) assert_string_equal(e.answer, answers[k]);
        else assert_null(e.answer);
        assert_int_equal(e.correct, correct[k]);
        c += e.correct;
        etsim_problem_eval_free(&e);
        free(answers[k++]);
    }
    assert_int_equal(k, N);
    assert_int_equal(c, acc.correct);
    etsim_result_reader_close(&rr);
    etsim_eval_acc_free(&acc);
    etsim_oracle_close(o);
    etsim_grade_thread_cleanup();
    unlink(path);
}

/* Bad input: one error line naming file, (line,) problem and field. */
static void expect_error(const char *text, const char *want) {
    char *path = write_tmp(text);
    etsim_err err = {{0}};
    etsim_result_reader rr;
    int rc = etsim_result_reader_open(&rr, path, ETSIM_RR_LEAVES | ETSIM_RR_NODES, &err);
    if (rc == 0) {
        etsim_rr_problem *p;
        while ((rc = etsim_result_reader_next(&rr, &p, &err)) == 1) {}
        etsim_result_reader_close(&rr);
    }
    assert_int_equal(rc, -1);
    if (!strstr(err.msg, want) || !strstr(err.msg, path)) fail_msg("got '%s', want '%s'", err.msg, want);
    assert_null(strchr(err.msg, '\n'));
    unlink(path);
    free(path);
}

static void test_bad_input(void **state) {
    (void)state;
    const char *H = "{\"etsim_result\":1,\"problems\":[\n";
    char buf[1024];
#define BAD(body, want)                                  \
    do {                                                 \
        snprintf(buf, sizeof buf, "%s%s", H, body);      \
        expect_error(buf, want);                         \
    } while (0)
    BAD("{\"index\":0,\"answer\":\"1\",\"leaves\":[]},\n{\"index\":1,\"leaves\":[]}]}",
        ":3: problem 1: field \"answer\" missing");
    BAD("{\"answer\":\"1\",\"leaves\":[]}]}", "problem 0: field \"index\" missing");
    BAD("{\"index\":0,\"answer\":\"1\"}]}", "problem 0: field \"leaves\" missing");
    BAD("{\"index\":0,\"answer\":\"1\",\"leaves\":[{\"node\":1,\"answer\":\"1\",\"step_scores\":\"x\"}]}]}",
        "problem 0: field \"leaves[0].step_scores\" is not an array");
    BAD("{\"index\":0,\"answer\":\"1\",\"leaves\":[{\"node\":1,\"step_scores\":[0.5,\"a\"]}]}]}",
        "field \"leaves[0].step_scores[1]\" is not a number or null");
    BAD("{\"index\":0,\"answer\":5,\"leaves\":[]}]}", "problem 0: field \"answer\" is not a string or null");
    BAD("{\"index\":-1,\"answer\":\"5\",\"leaves\":[]}]}", "field \"index\" is not an integer");
    BAD("{\"index\":0,\"answer\":\"1\",\"counters\":{\"model_calls\":1},\"leaves\":[]}]}",
        "field \"counters.tokens_generated\" missing");
    BAD("{\"index\":0,\"answer\":\"1\",\"nodes\":{\"parent\":[-1,0],\"text\":[\"q\"]},\"leaves\":[]}]}",
        "field \"nodes.text\" has 1 entries but nodes.parent has 2");
    BAD("{\"index\":0,\"answer\":\"1\",\"nodes\":{\"parent\":[-1,1]},\"leaves\":[]}]}",
        "field \"nodes.parent\" element 1: parent 1 is not an earlier node");
    BAD("{\"index\":0,\"answer\":\"1\",\"nodes\":{\"parent\":[-1,0]},\"leaves\":[{\"node\":5,\"step_scores\":[]}]}]}",
        "field \"leaves[0].node\" 5 is not a generated node");
    BAD("{\"index\":0,\"answer\":\"1\",\"leaves\":[]}", "malformed JSON");           /* truncated */
    BAD("{\"index\":0,\"answer\":\"1\",\"decisions\":[{]],\"leaves\":[]}]}", "malformed JSON"); /* skipped part */
    BAD("{\"index\":0,\"answer\":\"1\",\"leaves\":[]}]} x", "data after the end");
    BAD("{\"index\":0,\"answer\":\"1\",\"leaves\":[]}],\"summary\":{\"problems\":2}}", "summary.problems\" is 2");
    expect_error("{\"problems\":[]}", "field \"etsim_result\" missing before \"problems\"");
    expect_error("{\"etsim_result\":2,\"problems\":[]}", "unsupported result format");
    expect_error("", "empty file");
    expect_error("\"x\"", "not an etsim result");
    expect_error("[{\"id\":0,\"model_answer\":[],\"total_tokens\":3}]", "problem 0: field \"ground_truth_answer\" missing");
    expect_error("[{\"id\":0,\"ground_truth_answer\":\"1\",\"model_answer\":[{\"step_scores\":[]}]}]",
                 "field \"model_answer[0].text\" missing");
#undef BAD
    /* an unknown answer_format is named */
    etsim_err err = {{0}};
    etsim_extract_profile pr;
    etsim_eval_opts o = etsim_eval_opts_default();
    assert_int_equal(etsim_eval_profile("latex", &o, &pr, &err), -1);
    assert_non_null(strstr(err.msg, "answer_format 'latex'"));
}

/* answers.json (the reference harness's own output) reads as problems whose
 * leaves carry texts. */
static void test_answers_json(void **state) {
    (void)state;
    char *path = write_tmp("[\n {\"id\": 3, \"question\": \"Q\", \"model_answer\": ["
                           "{\"text\": \"Q\\nThe answer is: 4 \\u043a\\u0438\", \"step_scores\": [0.5, 0.25]},"
                           "{\"text\": \"The answer is: 5 \\u043a\\u0438\", \"step_scores\": [0.3]},"
                           "{\"text\": null, \"step_scores\": []}],"
                           " \"ground_truth_answer\": \"4\", \"total_tokens\": 77}\n]\n");
    etsim_err err = {{0}};
    etsim_result_reader rr;
    assert_int_equal(etsim_result_reader_open(&rr, path, ETSIM_RR_LEAVES, &err), 0);
    assert_int_equal(rr.format, ETSIM_RR_ANSWERS);
    etsim_rr_problem *p;
    assert_int_equal(etsim_result_reader_next(&rr, &p, &err), 1);
    assert_int_equal(p->index, 3);
    assert_int_equal(p->total_tokens, 77);
    assert_int_equal(p->n_leaves, 3);
    assert_true(p->leaves[0].scores[1] == 0.25);
    etsim_eval_opts o = etsim_eval_opts_default();
    etsim_problem_eval e;
    assert_int_equal(etsim_eval_rr_problem(p, NULL, &o, &e, &err), 0);
    /* weighted: "4" (.25) comes first; "5" (.3) starts its own class,
     * which outweighs it and wins */
    assert_string_equal(e.answer, "5");
    assert_false(e.correct);
    assert_int_equal(e.n_no_answer, 1);
    etsim_problem_eval_free(&e);
    o.vote = ETSIM_VOTE_BEST; /* last: 5 (.3) beats 4 (.25) */
    assert_int_equal(etsim_eval_rr_problem(p, NULL, &o, &e, &err), 0);
    assert_string_equal(e.answer, "5");
    assert_false(e.correct);
    assert_int_equal(e.chosen, 1);
    etsim_problem_eval_free(&e);
    o.agg = ETSIM_AGG_MEAN; /* mean: 4 (.375) beats 5 (.3) */
    assert_int_equal(etsim_eval_rr_problem(p, NULL, &o, &e, &err), 0);
    assert_string_equal(e.answer, "4");
    assert_true(e.correct);
    etsim_problem_eval_free(&e);
    assert_int_equal(etsim_result_reader_next(&rr, &p, &err), 0);
    etsim_result_reader_close(&rr);
    etsim_grade_thread_cleanup();
    unlink(path);
    free(path);
}

/* Strings that cross the reader's 1 MiB buffer boundary: every string byte
 * after a refill is string content, whatever it is (a bug once read the
 * first byte of a new buffer as an escape, so a string whose last byte
 * opened the next buffer ate its closing quote: a result file over 1 MiB
 * was rejected or misread). Problem 0's question is sized so that its last
 * byte is the first of the second buffer; the others put boundaries at
 * other offsets. Each must read back exactly. */
static void test_buffer_boundaries(void **state) {
    (void)state;
    enum { NPROB = 24 };
    static const char head[] = "[{\"id\": 0, \"question\": \"";
    size_t qlen[NPROB];
    char *path = strdup("evalx_bound_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    for (int p = 0; p < NPROB; p++) {
        qlen[p] = p ? 90000 + (size_t)p * 997 : ((size_t)1 << 20) + 1 - (sizeof head - 1);
        fprintf(fp, "%s{\"id\": %d, \"question\": \"", p ? "," : "[", p);
        for (size_t k = 0; k < qlen[p]; k++) fputc("abntu0123x"[(k + (size_t)p) % 10], fp);
        fprintf(fp, "\", \"model_answer\": [{\"text\": \"The answer is: %d \\u043a\\u0438\", \"step_scores\": [0.5]}],"
                    " \"ground_truth_answer\": \"%d\"}\n", p, p);
    }
    fputs("]\n", fp);
    fclose(fp);
    etsim_err err = {{0}};
    etsim_result_reader rr;
    assert_int_equal(etsim_result_reader_open(&rr, path, ETSIM_RR_LEAVES, &err), 0);
    etsim_rr_problem *pr;
    etsim_eval_opts o = etsim_eval_opts_default();
    int n = 0;
    while (etsim_result_reader_next(&rr, &pr, &err) == 1) {
        assert_int_equal(strlen(pr->question), qlen[n]);
        for (size_t k = 0; k < qlen[n]; k++)
            if (pr->question[k] != "abntu0123x"[(k + (size_t)n) % 10]) fail_msg("problem %d byte %zu", n, k);
        etsim_problem_eval e;
        assert_int_equal(etsim_eval_rr_problem(pr, NULL, &o, &e, &err), 0);
        assert_true(e.correct);
        etsim_problem_eval_free(&e);
        n++;
    }
    assert_string_equal(err.msg, "");
    assert_int_equal(n, NPROB);
    etsim_result_reader_close(&rr);
    unlink(path);
    free(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_built_accuracy), cmocka_unit_test(test_text_only_leaves),
        cmocka_unit_test(test_in_process_equals_file), cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_answers_json), cmocka_unit_test(test_buffer_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
