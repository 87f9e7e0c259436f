/* test_synthetic_profile.c -- synthetic-model profiles: built-ins load and
 * differ, user files override a base, every kind of bad input is one error
 * naming the file and the key, the JSON form round-trips, and the README
 * documents every parameter. Files are written to the working directory
 * (the test's build directory under ctest). */
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

#include "sim/synthetic/synthetic.h"

static void write_text(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_builtins(void **state) {
    (void)state;
    const char *const *names = etsim_synth_builtin_names();
    int n = 0;
    for (; names[n]; n++) {
        etsim_err err = {{0}};
        etsim_synth_profile p;
        if (etsim_synth_profile_load(names[n], &p, &err)) fail_msg("%s: %s", names[n], err.msg);
        assert_string_equal(p.name, names[n]);
        assert_true(p.n_problems > 0);
        etsim_synth_profile_free(&p);
    }
    assert_true(n >= 2);

    etsim_err err = {{0}};
    etsim_synth_profile d, g, e;
    assert_int_equal(etsim_synth_profile_load("default", &d, &err), 0);
    assert_int_equal(etsim_synth_profile_load("gsm8k", &g, &err), 0);
    assert_int_equal(etsim_synth_profile_load(NULL, &e, &err), 0); /* NULL = default */
    assert_string_equal(d.dataset, "math500");
    assert_string_equal(g.dataset, "gsm8k");
    assert_int_equal(d.n_problems, 500);
    assert_int_equal(g.n_problems, 1319);
    assert_int_equal(d.emb_dim, 64);
    assert_int_equal(d.max_step_tokens, 256);
    assert_true(g.error_logit_mean < d.error_logit_mean); /* gsm8k is easier */
    assert_int_equal(d.n_subjects, 7);
    assert_int_equal(g.n_subjects, 0);
    /* inherited from the base where gsm8k says nothing */
    assert_true(g.prm_rho == d.prm_rho);
    assert_string_equal(e.name, "default");
    char *jd = etsim_synth_profile_to_json(&d), *je = etsim_synth_profile_to_json(&e);
    assert_string_equal(jd, je);
    free(jd);
    free(je);
    etsim_synth_profile_free(&d);
    etsim_synth_profile_free(&g);
    etsim_synth_profile_free(&e);
}

static void test_user_file(void **state) {
    (void)state;
    write_text("synth_user.json",
               "{\"base\": \"gsm8k\", \"error_logit_mean\": -1.5, \"emb_dim\": 16,\n"
               " \"subjects\": [\"Arithmetic\"], \"step_text\": false}\n");
    etsim_err err = {{0}};
    etsim_synth_profile p;
    if (etsim_synth_profile_load("synth_user.json", &p, &err)) fail_msg("%s", err.msg);
    assert_string_equal(p.name, "synth_user");
    assert_string_equal(p.origin, "synth_user.json");
    assert_string_equal(p.dataset, "gsm8k");
    assert_true(p.error_logit_mean == -1.5);
    assert_int_equal(p.emb_dim, 16);
    assert_int_equal(p.step_text, 0);
    assert_int_equal(p.n_subjects, 1);
    assert_string_equal(p.subjects[0], "Arithmetic");

    /* the JSON form loads back to the same profile */
    char *json = etsim_synth_profile_to_json(&p);
    write_text("synth_roundtrip.json", json);
    etsim_synth_profile q;
    if (etsim_synth_profile_load("synth_roundtrip.json", &q, &err)) fail_msg("%s", err.msg);
    char *json2 = etsim_synth_profile_to_json(&q);
    assert_string_equal(json, json2);
    assert_string_equal(q.name, "synth_user"); /* the "name" key wins over the file name */
    free(json);
    free(json2);
    etsim_synth_profile_free(&q);

    /* set: validated like a file */
    assert_int_equal(etsim_synth_profile_set(&p, "prm_rho", "0.5", &err), 0);
    assert_true(p.prm_rho == 0.5);
    assert_int_equal(etsim_synth_profile_set(&p, "prm_rho", "1.5", &err), -1);
    assert_non_null(strstr(err.msg, "prm_rho"));
    assert_int_equal(etsim_synth_profile_set(&p, "n_problems", "2.5", &err), -1);
    assert_non_null(strstr(err.msg, "not an integer"));
    assert_int_equal(etsim_synth_profile_set(&p, "bogus", "1", &err), -1);
    assert_int_equal(etsim_synth_profile_set(&p, "answer_format", "latex", &err), -1);
    assert_int_equal(etsim_synth_profile_set(&p, "answer_format", "boxed", &err), 0);
    assert_string_equal(p.answer_format, "boxed");
    etsim_synth_profile_free(&p);

    /* a file opened as an oracle: model names carry the profile name */
    etsim_oracle *o = etsim_oracle_kind_synthetic.open("synth_user.json", &err);
    assert_non_null(o);
    assert_string_equal(o->meta.policy_model, "synthetic:synth_user");
    assert_int_equal(o->meta.emb_dim, 16);
    etsim_oracle_close(o);
    remove("synth_user.json");
    remove("synth_roundtrip.json");
}

/* Each bad profile: load fails with a message holding all `needles`. */
static void expect_error(const char *text, const char *n1, const char *n2) {
    write_text("synth_bad.json", text);
    etsim_err err = {{0}};
    etsim_synth_profile p;
    assert_int_equal(etsim_synth_profile_load("synth_bad.json", &p, &err), -1);
    if (!strstr(err.msg, "synth_bad.json")) fail_msg("no file name in: %s", err.msg);
    if (n1 && !strstr(err.msg, n1)) fail_msg("'%s' not in: %s", n1, err.msg);
    if (n2 && !strstr(err.msg, n2)) fail_msg("'%s' not in: %s", n2, err.msg);
    assert_null(strchr(err.msg, '\n'));
    remove("synth_bad.json");
}

static void test_errors(void **state) {
    (void)state;
    expect_error("{\"prm_nosie_sd\": 1}", "unknown key", "prm_nosie_sd");
    expect_error("{\"prm_rho\": 1.5}", "prm_rho", "out of range");
    expect_error("{\"dup_rate\": -0.1}", "dup_rate", "out of range");
    expect_error("{\"emb_dim\": 64.5}", "emb_dim", "not an integer");
    expect_error("{\"max_step_tokens\": 0}", "max_step_tokens", "out of range");
    expect_error("{\"seed\": \"42\"}", "seed", "expected a number");
    expect_error("{\"step_text\": 1}", "step_text", "true or false");
    expect_error("{\"dataset\": 3}", "dataset", "expected a string");
    expect_error("{\"dataset\": \"\"}", "dataset", "empty");
    expect_error("{\"answer_format\": \"latex\"}", "answer_format", "latex");
    expect_error("{\"subjects\": [\"a\", 2]}", "subjects", NULL);
    expect_error("{\"subjects\": \"Algebra\"}", "subjects", "array");
    expect_error("{\"dup_rate\": 0.1, \"dup_rate\": 0.2}", "duplicate key", "dup_rate");
    expect_error("{\"base\": \"nonexistent\"}", "base", "nonexistent");
    expect_error("{\"base\": 3}", "base", NULL);
    expect_error("[1, 2]", "JSON object", NULL);
    expect_error("{\n\"seed\": 1,\n\"dup_rate\": ,\n}", "line 3", "invalid JSON");
    expect_error("", "invalid JSON", NULL);

    etsim_err err = {{0}};
    etsim_synth_profile p;
    assert_int_equal(etsim_synth_profile_load("/nonexistent/dir/profile.json", &p, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/profile.json"));
    assert_non_null(strstr(err.msg, "default")); /* lists the built-ins */

    /* parse directly: the origin names the source */
    const char *text = "{\"wrong_answers\": 31}";
    assert_int_equal(etsim_synth_profile_parse(text, strlen(text), "inline", NULL, &p, &err), -1);
    assert_non_null(strstr(err.msg, "inline: key 'wrong_answers'"));
}

/* Every parameter in the table is documented in the README. */
static void test_readme_documents_params(void **state) {
    (void)state;
    const char *src = getenv("ETSIM_SOURCE_DIR");
    if (!src) TEST_SKIP("ETSIM_SOURCE_DIR unset (the check reads sim/synthetic/README.md)");
    char path[1024];
    snprintf(path, sizeof path, "%s/sim/synthetic/README.md", src);
    etsim_err err = {{0}};
    size_t len = 0;
    char *text = etsim_read_file(path, &len, &err);
    if (!text) fail_msg("%s", err.msg);
    int32_t n = 0;
    const etsim_synth_param_info *info = etsim_synth_params(&n);
    assert_true(n > 30);
    for (int32_t i = 0; i < n; i++) {
        char needle[128];
        snprintf(needle, sizeof needle, "`%s`", info[i].name);
        if (!strstr(text, needle)) fail_msg("README does not document %s", info[i].name);
    }
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtins),
        cmocka_unit_test(test_user_file),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_readme_documents_params),
    };
    return test_result(cmocka_run_group_tests(tests, NULL, NULL));
}
