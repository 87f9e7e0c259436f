/* test_eval_import.c -- the ETS-harness answers.json import, node by node:
 * a leaf text cut after each "ки" into one step per step score (a blank
 * tail joins the last step, a tag-less tail is a step of its own), shared
 * prefixes merged only when text and score agree, identical leaves kept as
 * two leaves, the leaves' answers; skipped questions (step count, prompt)
 * counted with their first reason; a dataset that places a question by its
 * text when the id does not match; nothing imported -> -1, a message, and
 * no trace file; and `etsim replay` on a trace with no problems naming that
 * rather than --first (skipped when ETSIM_BIN is not built). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/eval/import.h"
#include "test_trace_util.h"

#define KI "\\u043a\\u0438" /* "ки" as JSON writes it (rebase.py: json.dump, ensure_ascii) */

static void load_one(const char *path, int32_t k, etsim_tree *t) {
    etsim_err err = {{0}};
    etsim_trace *tr = etsim_trace_open(path, &err);
    if (!tr) fail_msg("%s", err.msg);
    etsim_trace_scratch *s = etsim_trace_scratch_new();
    if (etsim_trace_load(tr, k, t, s, &err)) fail_msg("%s", err.msg);
    etsim_trace_scratch_free(s);
    etsim_trace_close(tr);
}

static int32_t kid(const etsim_tree *t, int32_t node, int32_t k) {
    assert_true(k < t->nodes[node].n_kids);
    return t->nodes[node].kids[k];
}

static void test_tree(void **state) {
    (void)state;
    char *dir = tt_tmpdir();
    char *in = tt_path(dir, "answers.json"), *out = tt_path(dir, "a.trace");
    FILE *fp = fopen(in, "w");
    assert_non_null(fp);
    fputs("[{\"id\": 0, \"question\": \"Q\", \"ground_truth_answer\": \"7\", \"total_tokens\": 9, \"model_answer\": [\n"
          " {\"text\": \"Q\\nStep " KI "\\nThe answer is: 7 " KI "\", \"step_scores\": [0.5, 0.25]},\n"
          " {\"text\": \"Q\\nStep " KI "\\nThe answer is: 7 " KI "\", \"step_scores\": [0.5, 0.25]},\n"
          " {\"text\": \"Q\\nStep " KI "\\nThe answer is: 8 " KI "\\n\", \"step_scores\": [0.5, 0.75]},\n"
          " {\"text\": \"Q\\nStep " KI "\\nThe answer is: 9\", \"step_scores\": [0.5, 0.125]},\n"
          " {\"text\": \"Q\\nStep " KI "\\nThe answer is: 7 " KI "\", \"step_scores\": [0.375, 0.25]}]},\n"
          /* skipped: two steps, three scores */
          " {\"id\": 1, \"question\": \"R\", \"ground_truth_answer\": \"1\", \"model_answer\": [\n"
          " {\"text\": \"R\\nA " KI "\\nB " KI "\", \"step_scores\": [0.5, 0.5, 0.5]}]},\n"
          /* imported without leaves */
          " {\"id\": 2, \"question\": \"S\", \"ground_truth_answer\": \"2\", \"model_answer\": []}]\n",
          fp);
    fclose(fp);
    etsim_import_opts o = {0};
    o.out = out;
    o.extract = ETSIM_EXTRACT_SHEPHERD;
    etsim_import_stats st;
    etsim_err err = {{0}};
    if (etsim_import_ets(in, &o, &st, &err)) fail_msg("%s", err.msg);
    assert_int_equal(st.rows, 3);
    assert_int_equal(st.imported, 2);
    assert_int_equal(st.skipped_mismatch, 1);
    assert_non_null(strstr(st.first_skip, "record 1: model_answer[0]: the text has 2 steps"));
    assert_non_null(strstr(st.first_skip, "but 3 step_scores"));
    assert_int_equal(st.leaves, 5);
    assert_int_equal(st.no_leaves, 1);
    assert_int_equal(st.merged_steps, 3);     /* "Step" of leaves 1, 2, 3 */
    assert_int_equal(st.text_not_rejoined, 1); /* the tag-less tail: an export adds " ки" */

    etsim_tree t;
    etsim_tree_init(&t, 0);
    load_one(out, 0, &t);
    assert_int_equal(t.prob.index, 0);
    assert_string_equal(t.prob.question, "Q");
    assert_string_equal(t.prob.answer, "7");
    assert_string_equal(etsim_tree_text(&t, 0), "Q");
    assert_int_equal(t.n_nodes, 8);
    assert_int_equal(t.nodes[0].n_kids, 2);
    int32_t a = kid(&t, 0, 0), a2 = kid(&t, 0, 1);
    assert_string_equal(etsim_tree_text(&t, a), "Step \xd0\xba\xd0\xb8");
    assert_true(t.nodes[a].score == 0.5f && t.nodes[a2].score == 0.375f);
    assert_string_equal(etsim_tree_text(&t, a2), etsim_tree_text(&t, a)); /* same text, other score */
    assert_int_equal(t.nodes[a].n_kids, 4);
    assert_int_equal(t.nodes[a2].n_kids, 1);
    assert_false(t.nodes[a].flags & ETSIM_NODE_LEAF);
    static const char *const texts[4] = {"\nThe answer is: 7 \xd0\xba\xd0\xb8", "\nThe answer is: 7 \xd0\xba\xd0\xb8",
                                         "\nThe answer is: 8 \xd0\xba\xd0\xb8\n", "\nThe answer is: 9"};
    static const char *const answers[4] = {"7", "7", "8", "[invalid]"};
    static const float scores[4] = {0.25f, 0.25f, 0.75f, 0.125f};
    for (int k = 0; k < 4; k++) {
        int32_t l = kid(&t, a, k);
        assert_true(t.nodes[l].flags & ETSIM_NODE_LEAF);
        assert_string_equal(etsim_tree_text(&t, l), texts[k]);
        assert_string_equal(etsim_tree_answer(&t, l), answers[k]);
        assert_true(t.nodes[l].score == scores[k]);
        assert_int_equal(t.nodes[l].n_kids, 0);
    }
    int32_t l = kid(&t, a2, 0);
    assert_true((t.nodes[l].flags & ETSIM_NODE_LEAF) && t.nodes[l].score == 0.25f);
    load_one(out, 1, &t);
    assert_int_equal(t.prob.index, 2);
    assert_int_equal(t.n_nodes, 1);
    etsim_tree_free(&t);
    free(in);
    free(out);
    tt_rmdir(dir);
}

/* With a dataset: id 0's question sits at position 1 there; id 1's nowhere. */
static void test_dataset(void **state) {
    (void)state;
    char *dir = tt_tmpdir();
    char *in = tt_path(dir, "answers.json"), *out = tt_path(dir, "a.trace"), *ds = tt_path(dir, "ds.jsonl");
    FILE *fp = fopen(ds, "w");
    assert_non_null(fp);
    fputs("{\"problem\": \"X\", \"answer\": \"0\", \"unique_id\": \"test/a/1.json\", \"level\": 1}\n"
          "{\"problem\": \"Q\", \"answer\": \"7\", \"unique_id\": \"test/a/2.json\", \"level\": 3}\n",
          fp);
    fclose(fp);
    fp = fopen(in, "w");
    assert_non_null(fp);
    fputs("[{\"id\": 0, \"question\": \"Q\", \"ground_truth_answer\": \"6\", \"model_answer\": [\n"
          " {\"text\": \"Q\\nThe answer is: 7 " KI "\", \"step_scores\": [0.5]}]},\n"
          " {\"id\": 1, \"question\": \"Y\", \"ground_truth_answer\": \"1\", \"model_answer\": []}]\n",
          fp);
    fclose(fp);
    etsim_import_opts o = {0};
    o.out = out;
    o.dataset = ds;
    o.extract = ETSIM_EXTRACT_SHEPHERD;
    etsim_import_stats st;
    etsim_err err = {{0}};
    if (etsim_import_ets(in, &o, &st, &err)) fail_msg("%s", err.msg);
    assert_int_equal(st.imported, 1);
    assert_int_equal(st.skipped_unknown, 1);
    assert_non_null(strstr(st.first_unknown, "record 1, question 1 \"Y\""));
    etsim_tree t;
    etsim_tree_init(&t, 0);
    load_one(out, 0, &t);
    assert_int_equal(t.prob.index, 1);
    assert_string_equal(t.prob.id, "test/a/2.json");
    assert_string_equal(t.prob.answer, "7"); /* the dataset's, not the file's "6" */
    assert_int_equal(t.prob.level, 3);
    etsim_tree_free(&t);

    /* nothing left to import: -1, why, and no file (nor a temporary one) */
    fp = fopen(in, "w");
    fputs("[{\"id\": 1, \"question\": \"Y\", \"model_answer\": []}]", fp);
    fclose(fp);
    assert_int_equal(unlink(out), 0);
    assert_int_equal(etsim_import_ets(in, &o, &st, &err), -1);
    assert_non_null(strstr(err.msg, "nothing imported: none of its 1 questions is a problem of"));
    assert_non_null(strstr(err.msg, "is --dataset the right file?"));
    struct stat sb;
    assert_int_not_equal(stat(out, &sb), 0);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "test \"$(ls '%s' | wc -l)\" -eq 2", dir); /* answers.json, ds.jsonl */
    assert_int_equal(system(cmd), 0);
    free(in);
    free(out);
    free(ds);
    tt_rmdir(dir);
}

static void test_replay_empty_trace(void **state) {
    (void)state;
    const char *bin = getenv("ETSIM_BIN");
    if (!bin || access(bin, X_OK) != 0) {
        print_message("skipped: ETSIM_BIN is not an executable\n");
        skip();
    }
    char *dir = tt_tmpdir();
    char *tr = tt_path(dir, "empty.trace"), *errp = tt_path(dir, "stderr"), *res = tt_path(dir, "r.json");
    tt_write_trace(tr, 0, 0, 0, NULL, 0, 1);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "\"%s\" replay --trace \"%s\" --selector rebase --width 4 --out \"%s\" >/dev/null 2>\"%s\"", bin, tr,
             res, errp);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    size_t n;
    char *msg = (char *)tt_read_all(errp, &n);
    assert_non_null(strstr(msg, "empty.trace: the trace holds no problems: nothing to replay"));
    assert_null(strstr(msg, "--first"));
    free(msg);
    struct stat sb;
    assert_int_not_equal(stat(res, &sb), 0);
    free(tr);
    free(errp);
    free(res);
    tt_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_dataset),
        cmocka_unit_test(test_replay_empty_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
