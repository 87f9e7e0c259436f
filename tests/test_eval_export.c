/* test_eval_export.c -- `etsim export` (sim/eval/export.h): the exact bytes
 * of answers.json for a small result (json.dump(indent=4) layout, ASCII
 * escapes, float repr) and of stats.log; the round trip (export, re-read
 * answers.json with cJSON, vote with vote.h -> the same accuracy as
 * scoring the result); texts joined from --with-text results; bad input
 * leaves no output behind. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/eval/export.h"
#include "sim/eval/score.h"

static char *write_tmp(const char *text) {
    char *path = strdup("evalx_export_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs(text, fp);
    fclose(fp);
    return path;
}

static char *tmp_dir(void) {
    char *d = strdup("evalx_exportdir_XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static char *slurp(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    etsim_err err = {{0}};
    size_t n;
    return etsim_read_file(path, &n, &err);
}

static void rm_dir(const char *dir) {
    char path[512];
    const char *names[] = {"answers.json", "stats.log"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static int dir_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

#define COUNTERS(calls, tok, kv) \
    "\"counters\":{\"model_calls\":" #calls ",\"tokens_generated\":" #tok ",\"kv_tokens\":" #kv "}"

/* Two problems; scores are float32 values as the writer prints them. */
static const char *SMALL =
    "{\"etsim_result\":1,\"config\":{\"selector\":\"rebase\",\"width\":2,\"meta\":{\"answer_format\":\"shepherd\"}},"
    "\"problems\":[\n"
    "{\"index\":0,\"id\":\"a\",\"answer\":\"5\"," COUNTERS(4, 100, 250) ","
    "\"leaves\":[{\"node\":3,\"answer\":\"5\",\"tokens\":9,\"step_scores\":[0.5,0.979135513]},"
    "{\"node\":4,\"answer\":\"\xd0\xb6\\\"6\",\"step_scores\":[1e-05]}]},\n"
    "{\"index\":1,\"id\":\"b\",\"answer\":null," COUNTERS(2, 20, 30) ",\"leaves\":[]}\n"
    "],\"summary\":{\"problems\":2}}\n";

/* What Python's json.dump(results, f, indent=4) writes for it. */
static const char *SMALL_ANSWERS =
    "[\n"
    "    {\n"
    "        \"id\": 0,\n"
    "        \"question\": \"\",\n"
    "        \"model_answer\": [\n"
    "            {\n"
    "                \"text\": \"The answer is: 5 \\u043a\\u0438\",\n"
    "                \"step_scores\": [\n"
    "                    0.5,\n"
    "                    0.9791355133056641\n"
    "                ]\n"
    "            },\n"
    "            {\n"
    "                \"text\": \"The answer is: \\u0436\\\"6 \\u043a\\u0438\",\n"
    "                \"step_scores\": [\n"
    "                    9.999999747378752e-06\n"
    "                ]\n"
    "            }\n"
    "        ],\n"
    "        \"ground_truth_answer\": \"5\",\n"
    "        \"total_tokens\": 100\n"
    "    },\n"
    "    {\n"
    "        \"id\": 1,\n"
    "        \"question\": \"\",\n"
    "        \"model_answer\": [],\n"
    "        \"ground_truth_answer\": null,\n"
    "        \"total_tokens\": 20\n"
    "    }\n"
    "]";

static void test_exact_bytes(void **state) {
    (void)state;
    char *in = write_tmp(SMALL), *dir = tmp_dir();
    etsim_export_opts o = {dir, NULL, NULL, 12.5};
    etsim_export_stats st;
    etsim_err err = {{0}};
    if (etsim_export_ets(in, &o, &st, &err)) fail_msg("%s", err.msg);
    assert_int_equal(st.problems, 2);
    assert_int_equal(st.leaves, 2);
    assert_int_equal(st.from_answer, 2);
    char *a = slurp(dir, "answers.json"), *s = slurp(dir, "stats.log");
    assert_string_equal(a, SMALL_ANSWERS);
    assert_string_equal(s, "Total KV cache size: 280\nNumber of Model Calls: 6\nNumber of Tokens Generated: 120\n"
                           "Time: 12.5\n");
    free(a);
    free(s);
    /* the default time is Python's 0.0 */
    o.time_s = 0;
    assert_int_equal(etsim_export_ets(in, &o, &st, &err), 0);
    s = slurp(dir, "stats.log");
    assert_non_null(strstr(s, "\nTime: 0.0\n"));
    free(s);
    rm_dir(dir);
    unlink(in);
    free(in);
    free(dir);
}

static void test_py_json_string(void **state) {
    (void)state;
    etsim_sbuf b = {0};
    /* control characters, DEL, BMP, astral (surrogate pair), invalid byte */
    etsim_sbuf_json_string_mode(&b, "a\"\\\n\t\x01\x7f\xc3\xa9\xf0\x9f\x98\x80\xff/", ETSIM_JSON_ASCII);
    assert_string_equal(b.data, "\"a\\\"\\\\\\n\\t\\u0001\\u007f\\u00e9\\ud83d\\ude00\\ufffd/\"");
    b.len = 0;
    etsim_sbuf_json_string_mode(&b, NULL, ETSIM_JSON_ASCII);
    assert_string_equal(b.data, "null");
    /* where the three modes differ: \b, DEL, an overlong sequence (well
     * shaped, rejected by Python's decoder), a stray continuation byte and
     * C0 80 (the eval code's U+0000) */
    const char *s = "\b\x7f\xe0\x80\x80\x80\xc0\x80";
    b.len = 0;
    etsim_sbuf_json_string_mode(&b, s, ETSIM_JSON_ASCII);
    assert_string_equal(b.data, "\"\\b\\u007f\\ufffd\\ufffd\\ufffd\\ufffd\\u0000\"");
    b.len = 0;
    etsim_sbuf_json_string_mode(&b, s, ETSIM_JSON_UTF8);
    assert_string_equal(b.data, "\"\\u0008\x7f\xe0\x80\x80\\ufffd\\u0000\"");
    b.len = 0;
    etsim_sbuf_json_string_mode(&b, s, ETSIM_JSON_BYTES);
    assert_string_equal(b.data, "\"\\u0008\x7f\xe0\x80\x80\x80\xc0\x80\"");
    etsim_sbuf_free(&b);
}

/* Export, re-read answers.json with cJSON, vote with vote.h on the texts:
 * the same answers and accuracy as scoring the result itself. */
static void roundtrip(const char *result, etsim_grader_mode mode) {
    char *dir = tmp_dir();
    etsim_export_opts o = {dir, NULL, NULL, 0};
    etsim_export_stats st;
    etsim_err err = {{0}};
    if (etsim_export_ets(result, &o, &st, &err)) fail_msg("%s", err.msg);
    etsim_eval_opts eo = etsim_eval_opts_default();
    eo.grader = mode;

    /* scoring the result */
    etsim_result_reader rr;
    assert_int_equal(etsim_result_reader_open(&rr, result, ETSIM_RR_LEAVES | ETSIM_RR_NODES, &err), 0);
    char *want[64];
    int want_correct = 0, n = 0;
    etsim_rr_problem *p;
    while (etsim_result_reader_next(&rr, &p, &err) == 1) {
        etsim_problem_eval e;
        assert_int_equal(etsim_eval_rr_problem(p, rr.answer_format, &eo, &e, &err), 0);
        assert_true(n < 64);
        want[n++] = e.answer ? strdup(e.answer) : NULL;
        want_correct += e.correct;
        etsim_problem_eval_free(&e);
    }
    etsim_result_reader_close(&rr);

    /* scoring answers.json as the reference does: extract from each text */
    char *text = slurp(dir, "answers.json");
    cJSON *doc = cJSON_Parse(text);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetArraySize(doc), n);
    int got_correct = 0, k = 0;
    etsim_arena a;
    etsim_arena_init(&a);
    for (const cJSON *q = doc->child; q; q = q->next, k++) {
        const cJSON *ma = cJSON_GetObjectItemCaseSensitive(q, "model_answer");
        const cJSON *gt = cJSON_GetObjectItemCaseSensitive(q, "ground_truth_answer");
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(q, "id")->valueint, k);
        int nl = cJSON_GetArraySize(ma), i = 0;
        etsim_leaf *leaves = etsim_arena_alloc(&a, sizeof *leaves * (size_t)(nl ? nl : 1));
        for (const cJSON *l = ma->child; l; l = l->next, i++) {
            const cJSON *sc = cJSON_GetObjectItemCaseSensitive(l, "step_scores");
            int ns = cJSON_GetArraySize(sc), j = 0;
            double *v = etsim_arena_alloc(&a, sizeof *v * (size_t)(ns ? ns : 1));
            for (const cJSON *x = sc->child; x; x = x->next, j++) v[j] = cJSON_IsNull(x) ? NAN : x->valuedouble;
            leaves[i] = (etsim_leaf){cJSON_GetObjectItemCaseSensitive(l, "text")->valuestring, NULL, v, ns};
        }
        etsim_vote_result vr;
        etsim_vote_select(&a, leaves, nl, cJSON_IsString(gt) ? gt->valuestring : NULL, &eo, &vr);
        if (want[k]) assert_string_equal(vr.answer, want[k]);
        else assert_null(vr.answer);
        got_correct += vr.correct;
        free(want[k]);
        etsim_arena_reset(&a);
    }
    assert_int_equal(got_correct, want_correct);
    etsim_arena_free(&a);
    cJSON_Delete(doc);
    free(text);
    rm_dir(dir);
    free(dir);
}

static void test_roundtrip(void **state) {
    (void)state;
    /* gt 5: 5 wins; gt (1,2): reference reads "(12)" both ways; gt 0.5:
     * "\frac{1}{2}" (.6) vs "1/3" (.5) + "1/3" (.2) -> 1/3; no-text null answer */
    char *in = write_tmp(
        "{\"etsim_result\":1,\"problems\":[\n"
        "{\"index\":0,\"answer\":\"5\"," COUNTERS(1, 1, 1) ",\"leaves\":["
        "{\"node\":1,\"answer\":\"5\",\"step_scores\":[0.9]},{\"node\":2,\"answer\":\"6\",\"step_scores\":[0.4]}]},\n"
        "{\"index\":1,\"answer\":\"(1,2)\"," COUNTERS(1, 1, 1) ",\"leaves\":["
        "{\"node\":1,\"answer\":\"(1,2)\",\"step_scores\":[0.9]}]},\n"
        "{\"index\":2,\"answer\":\"0.5\"," COUNTERS(1, 1, 1) ",\"leaves\":["
        "{\"node\":1,\"answer\":\"\\\\frac{1}{2}\",\"step_scores\":[0.6]},"
        "{\"node\":2,\"answer\":\"1/3\",\"step_scores\":[0.1,0.5]},{\"node\":3,\"answer\":\"1/3\",\"step_scores\":[0.2]},"
        "{\"node\":4,\"answer\":null,\"step_scores\":[0.99]}]}\n"
        "]}");
    roundtrip(in, ETSIM_GRADER_REFERENCE);
    roundtrip(in, ETSIM_GRADER_CLEAN);
    unlink(in);
    free(in);
    /* a result with step texts: the joined texts are exported and read the same */
    in = write_tmp("{\"etsim_result\":1,\"config\":{\"meta\":{\"answer_format\":\"shepherd\"}},\"problems\":[\n"
                   "{\"index\":0,\"answer\":\"7\"," COUNTERS(4, 10, 12) ","
                   "\"nodes\":{\"parent\":[-1,0,1,0],\"text\":[\"What is 3+4?\",\"Step 1: add\",\"The answer is: 7\","
                   "\"The answer is: 8\"]},\"leaves\":[{\"node\":2,\"answer\":null,\"step_scores\":[0.5,0.9]},"
                   "{\"node\":3,\"answer\":\"8\",\"step_scores\":[0.3]}]}]}");
    roundtrip(in, ETSIM_GRADER_REFERENCE);
    char *dir = tmp_dir();
    etsim_export_opts o = {dir, NULL, NULL, 0};
    etsim_export_stats st;
    etsim_err err = {{0}};
    assert_int_equal(etsim_export_ets(in, &o, &st, &err), 0);
    assert_int_equal(st.from_answer, 0);
    assert_int_equal(st.text_mismatch, 0);
    char *a = slurp(dir, "answers.json");
    assert_non_null(strstr(a, "\"question\": \"What is 3+4?\""));
    assert_non_null(strstr(a, "\"text\": \"What is 3+4?\\nStep 1: add \\u043a\\u0438\\nThe answer is: 7 \\u043a\\u0438\""));
    free(a);
    rm_dir(dir);
    free(dir);
    unlink(in);
    free(in);
}

/* A leaf whose text reads another answer than its recorded one is counted. */
static void test_text_mismatch(void **state) {
    (void)state;
    char *in = write_tmp("{\"etsim_result\":1,\"problems\":[{\"index\":0,\"answer\":\"7\"," COUNTERS(1, 1, 1) ","
                         "\"nodes\":{\"parent\":[-1,0],\"text\":[\"Q\",\"The answer is: 7\"]},"
                         "\"leaves\":[{\"node\":1,\"answer\":\"9\",\"step_scores\":[0.5]}]}]}");
    char *dir = tmp_dir();
    etsim_export_opts o = {dir, NULL, NULL, 0};
    etsim_export_stats st;
    etsim_err err = {{0}};
    assert_int_equal(etsim_export_ets(in, &o, &st, &err), 0);
    assert_int_equal(st.text_mismatch, 1);
    rm_dir(dir);
    free(dir);
    unlink(in);
    free(in);
}

/* --dataset: questions come from the benchmark file, matched by id. */
static void test_dataset_questions(void **state) {
    (void)state;
    char *ds_path = write_tmp("{\"problem\": \"What is $2+3$?\", \"solution\": \"s\", \"answer\": \"5\", "
                              "\"subject\": \"Algebra\", \"level\": 1, \"unique_id\": \"test/algebra/1.json\"}\n");
    char *in = write_tmp("{\"etsim_result\":1,\"problems\":[{\"index\":0,\"id\":\"test/algebra/1.json\",\"answer\":\"5\","
                         COUNTERS(1, 1, 1) ",\"leaves\":[]}]}");
    char *bad = write_tmp("{\"etsim_result\":1,\"problems\":[{\"index\":0,\"id\":\"x/9\",\"answer\":\"5\","
                          COUNTERS(1, 1, 1) ",\"leaves\":[]}]}");
    etsim_bench_set ds;
    etsim_err err = {{0}};
    assert_int_equal(etsim_bench_load_auto(ds_path, &ds, &err), 0);
    char *dir = tmp_dir();
    etsim_export_opts o = {dir, NULL, &ds, 0};
    etsim_export_stats st;
    assert_int_equal(etsim_export_ets(in, &o, &st, &err), 0);
    char *a = slurp(dir, "answers.json");
    assert_non_null(strstr(a, "\"question\": \"What is $2+3$?\","));
    free(a);
    assert_int_equal(etsim_export_ets(bad, &o, &st, &err), -1);
    assert_non_null(strstr(err.msg, "problem 0: field \"id\" \"x/9\" is not in the dataset"));
    etsim_bench_free(&ds);
    rm_dir(dir);
    free(dir);
    unlink(ds_path);
    unlink(in);
    unlink(bad);
    free(ds_path);
    free(in);
    free(bad);
}

/* Bad input: an error naming file, problem and field, and no output. */
static void test_bad_input(void **state) {
    (void)state;
    struct {
        const char *text, *want;
    } cases[] = {
        {"{\"etsim_result\":1,\"problems\":[{\"index\":0,\"answer\":\"1\"," COUNTERS(1, 1, 1) ",\"leaves\":[]},\n"
         "{\"index\":1,\"answer\":\"1\",\"leaves\":[]}]}",
         ":2: problem 1: field \"counters\" missing"},
        {"{\"etsim_result\":1,\"problems\":[{\"index\":0,\"answer\":\"1\"," COUNTERS(1, 1, 1) ",\"leaves\":[]},\n"
         "{\"index\":1,\"answer\":\"1\",\"leaves\":[{\"node\":1}]}]}",
         "problem 1: field \"leaves[0].step_scores\" missing"},
        {"{\"etsim_result\":1,\"problems\":[{\"index\":0,\"answer\":\"1\"," COUNTERS(1, 1, 1) ",\"leaves\":[]},",
         "malformed JSON"},
        {"{\"etsim_result\":1,\"config\":{\"meta\":{\"answer_format\":\"latex\"}},\"problems\":[]}",
         "answer_format 'latex'"},
        {"[]", "export needs an etsim result file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *in = write_tmp(cases[i].text);
        /* a directory the export creates is removed again */
        char newdir[64];
        snprintf(newdir, sizeof newdir, "evalx_newdir_%d_%zu", (int)getpid(), i);
        etsim_export_opts o = {newdir, NULL, NULL, 0};
        etsim_export_stats st;
        etsim_err err = {{0}};
        assert_int_equal(etsim_export_ets(in, &o, &st, &err), -1);
        if (!strstr(err.msg, cases[i].want)) fail_msg("case %zu: got '%s'", i, err.msg);
        struct stat sb;
        assert_int_equal(stat(newdir, &sb), -1);
        /* an existing directory stays empty */
        char *dir = tmp_dir();
        o.dir = dir;
        assert_int_equal(etsim_export_ets(in, &o, &st, &err), -1);
        assert_int_equal(dir_entries(dir), 0);
        rmdir(dir);
        free(dir);
        unlink(in);
        free(in);
    }
    /* --out naming a file */
    char *in = write_tmp(SMALL), *file = write_tmp("x");
    etsim_export_opts o = {file, NULL, NULL, 0};
    etsim_export_stats st;
    etsim_err err = {{0}};
    assert_int_equal(etsim_export_ets(in, &o, &st, &err), -1);
    assert_non_null(strstr(err.msg, "is not a directory"));
    unlink(in);
    unlink(file);
    free(in);
    free(file);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_bytes), cmocka_unit_test(test_py_json_string), cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_text_mismatch), cmocka_unit_test(test_dataset_questions), cmocka_unit_test(test_bad_input),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    etsim_grade_thread_cleanup();
    return rc;
}
