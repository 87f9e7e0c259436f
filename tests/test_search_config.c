/* test_search_config.c -- the one parser of search configurations
 * (sim/engine/search_config.h): the JSON form and the KEY=VALUE form give
 * the same configuration, and each bad input gets one message naming the
 * key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "selectors/registry.h"
#include "sim/engine/search_config.h"

static const etsim_search_json_opts OPTS = {.lookup = etsim_selector_lookup, .max_width = 1000};

static int from_text(const char *json, etsim_search_config *cfg, const etsim_search_json_opts *o,
                     etsim_err *err) {
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    int rc = etsim_search_config_from_json(cfg, j, o, err);
    cJSON_Delete(j);
    return rc;
}

static void test_forms_agree(void **state) {
    (void)state;
    etsim_err err = {{0}};
    etsim_search_config a, b;
    if (from_text("{\"selector\":\"softmax_costmodel\",\"width\":64,\"params\":{\"lambdas\":1.45,"
                  "\"root_tokens\":\"reference\",\"max_tokens\":512}}", &a, &OPTS, &err) < 0)
        fail_msg("%s", err.msg);
    const char *sets[] = {"lambdas=1.45", "root_tokens=reference", "max_tokens=512"};
    assert_int_equal(etsim_search_config_from_sets(&b, etsim_selector_find("ets"), 64, sets, 3, &err), 0);
    assert_string_equal(a.sel.sel->name, "ets"); /* the harness's alias */
    assert_int_equal(a.width, 64);
    assert_int_equal(a.max_tokens, 512);
    assert_int_equal(a.root_tokens, ETSIM_ROOT_REFERENCE);
    assert_true(etsim_sel_config_get(&a.sel, "lambdas") == 1.45);
    assert_memory_equal(&a, &b, sizeof a);
}

static void test_errors(void **state) {
    (void)state;
    struct {
        const char *json, *want;
    } bad[] = {
        {"{\"selector\":\"nope\",\"width\":4}", "field 'selector': unknown selector 'nope' (known: "},
        {"{\"width\":4}", "field 'selector': expected a selector name"},
        {"{\"selector\":\"rebase\",\"width\":1001}", "field 'width': expected an integer in [1, 1000]"},
        {"{\"selector\":\"rebase\",\"width\":2.5}", "field 'width'"},
        {"{\"selector\":\"rebase\",\"width\":4,\"params\":{\"temp\":1}}", "field 'params.temp': selector rebase: unknown parameter 'temp'"},
        {"{\"selector\":\"rebase\",\"width\":4,\"params\":{\"max_tokens\":[1]}}", "field 'params.max_tokens': expected a number"},
        {"{\"selector\":\"rebase\",\"width\":4,\"params\":[]}", "field 'params': expected an object"},
        {"{\"selector\":\"rebase\",\"width\":4,\"colour\":1}", "unknown key 'colour' (known: selector, width, params)"},
        {"[]", "expected an object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        etsim_err err = {{0}};
        etsim_search_config cfg;
        assert_int_equal(from_text(bad[i].json, &cfg, &OPTS, &err), -1);
        if (strncmp(err.msg, bad[i].want, strlen(bad[i].want)))
            fail_msg("case %zu: got '%s', want '%s'", i, err.msg, bad[i].want);
    }
    etsim_err err = {{0}};
    etsim_search_config cfg;
    const char *sets[] = {"lambdas"};
    assert_int_equal(etsim_search_config_from_sets(&cfg, etsim_selector_find("ets"), 4, sets, 1, &err), -1);
    assert_string_equal(err.msg, "'lambdas': expected KEY=VALUE");
}

/* `etsim select`'s form: selector parameters only, null = default, the
 * harness's shared keys ignored where the selector does not read them. */
static void test_selector_params_only(void **state) {
    (void)state;
    static const char *const harness[] = {"lambdas", NULL};
    etsim_search_json_opts o = OPTS;
    o.selector_params_only = 1;
    o.ignore_keys = harness;
    o.any_other_keys = 1;
    etsim_err err = {{0}};
    etsim_search_config cfg;
    assert_int_equal(from_text("{\"selector\":\"rebase\",\"width\":4,\"nodes\":[],\"params\":{\"lambdas\":3,"
                               "\"softmax_temperature\":null}}", &cfg, &o, &err), 0);
    assert_int_equal(from_text("{\"selector\":\"rebase\",\"width\":4,\"params\":{\"max_tokens\":3}}", &cfg,
                               &o, &err), -1);
    assert_string_equal(err.msg, "field 'params.max_tokens': unknown parameter for selector rebase");
    assert_int_equal(from_text("{\"selector\":\"rebase\",\"width\":4,\"params\":{\"softmax_temperature\":\"x\"}}",
                               &cfg, &o, &err), -1);
    assert_string_equal(err.msg, "field 'params.softmax_temperature': expected a number or null");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms_agree),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_selector_params_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
