/* test_sweep_grid.c -- sweep grids: expansion counts, order-independent
 * hashes, de-duplication, params_by_width, blocks, validation errors
 * that name the grid entry, and sources of any registered oracle kind
 * (sim/sweep/grid.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/sweep/grid.h"
#include "sim/etsim.h"

static int parse(const char *text, etsim_sweep_grid *g, etsim_err *err) {
    memset(err, 0, sizeof *err);
    return etsim_sweep_grid_parse(text, strlen(text), "g.json", NULL, g, err);
}

static void test_product_count(void **state) {
    (void)state;
    etsim_sweep_grid g;
    etsim_err err;
    const char *t = "{\"sources\":[\"synthetic:default\"],\"widths\":[4,8,16],"
                    "\"selectors\":[{\"selector\":\"rebase\",\"params\":{\"softmax_temperature\":[0.2,0.5]}},"
                    "{\"selector\":\"beam\",\"params\":{\"fixedwidth\":[0,2]},\"widths\":[8]}],"
                    "\"engine\":{\"max_tokens\":[512,1024]},\"problems\":5}";
    assert_int_equal(parse(t, &g, &err), 0);
    /* rebase: 3 widths x 2 temps x 2 max_tokens = 12; beam: 1 x 2 x 2 = 4 */
    assert_int_equal(g.n_configs, 16);
    assert_int_equal(g.n_units, 16 * 5);
    for (int i = 1; i < g.n_configs; i++)
        assert_true(strcmp(g.configs[i - 1].hash, g.configs[i].hash) < 0);
    for (int i = 0; i < g.n_configs; i++) {
        assert_int_equal((int)strlen(g.configs[i].hash), 16);
        assert_int_equal(g.configs[i].count, 5);
        assert_non_null(strstr(g.configs[i].canon, "\"search\":{\"selector\""));
    }
    etsim_sweep_grid_free(&g);
}

static void test_hash_order_independent(void **state) {
    (void)state;
    etsim_sweep_grid a, b;
    etsim_err err;
    const char *t1 = "{\"sources\":[\"synthetic:default\"],\"widths\":[4,8],"
                     "\"selectors\":[\"rebase\",{\"selector\":\"beam\"}],\"problems\":3}";
    const char *t2 = "{\"problems\":3,\"selectors\":[{\"selector\":\"beam\"},\"rebase\"],"
                     "\"widths\":[8,4],\"sources\":\"synthetic\"}";
    assert_int_equal(parse(t1, &a, &err), 0);
    assert_int_equal(parse(t2, &b, &err), 0);
    assert_string_equal(a.hash, b.hash);
    assert_int_equal(a.n_configs, 4);
    for (int i = 0; i < a.n_configs; i++) assert_string_equal(a.configs[i].hash, b.configs[i].hash);
    etsim_sweep_grid_free(&b);
    /* one more problem changes every config and the grid */
    const char *t3 = "{\"sources\":[\"synthetic:default\"],\"widths\":[4,8],"
                     "\"selectors\":[\"rebase\",{\"selector\":\"beam\"}],\"problems\":4}";
    assert_int_equal(parse(t3, &b, &err), 0);
    assert_string_not_equal(a.hash, b.hash);
    etsim_sweep_grid_free(&a);
    etsim_sweep_grid_free(&b);
}

static void test_dedupe_and_defaults(void **state) {
    (void)state;
    etsim_sweep_grid g;
    etsim_err err;
    /* softmax_temperature 0.2 is rebase's default: the same config twice */
    const char *t = "{\"sources\":[\"synthetic\"],\"widths\":[4],\"problems\":2,"
                    "\"selectors\":[\"rebase\",{\"selector\":\"rebase\",\"params\":{\"softmax_temperature\":0.2}}]}";
    assert_int_equal(parse(t, &g, &err), 0);
    assert_int_equal(g.n_configs, 1);
    etsim_sweep_grid_free(&g);
}

static void test_params_by_width_and_blocks(void **state) {
    (void)state;
    etsim_sweep_grid g;
    etsim_err err;
    const char *t = "{\"problems\":2,\"widths\":[4,8],"
                    "\"blocks\":[{\"sources\":[\"synthetic\"],\"selectors\":[{\"selector\":\"rebase\","
                    "\"params\":{\"softmax_temperature\":[0.2,0.4]},"
                    "\"params_by_width\":{\"8\":{\"softmax_temperature\":0.9}}}]},"
                    "{\"sources\":[\"synthetic\"],\"widths\":[16],\"selectors\":[\"beam\"]}]}";
    assert_int_equal(parse(t, &g, &err), 0);
    /* width 4: two temperatures; width 8: only 0.9; block 2: beam at 16 */
    assert_int_equal(g.n_configs, 4);
    int w8 = 0, t09 = 0;
    for (int i = 0; i < g.n_configs; i++) {
        const etsim_sweep_config *c = &g.configs[i];
        if (c->search.width == 8) {
            w8++;
            t09 += fabs(etsim_sel_config_get(&c->search.sel, "softmax_temperature") - 0.9) < 1e-12;
        }
    }
    assert_int_equal(w8, 1);
    assert_int_equal(t09, 1);
    etsim_sweep_grid_free(&g);
}

static void expect_error(const char *t, const char *needle) {
    etsim_sweep_grid g;
    etsim_err err;
    assert_int_equal(parse(t, &g, &err), -1);
    if (!strstr(err.msg, needle)) fail_msg("error '%s' lacks '%s'", err.msg, needle);
    assert_non_null(strstr(err.msg, "g.json"));
    assert_null(strchr(err.msg, '\n'));
    assert_int_equal(g.n_configs, 0); /* nothing left allocated */
}

static void test_errors(void **state) {
    (void)state;
    expect_error("{\"sources\":[\"synthetic\"],\"widths\":[4],\"selectors\":[\"rebase\",\"nope\"]}",
                 "selectors[1]: unknown selector 'nope'");
    expect_error("{\"sources\":[\"synthetic\"],\"widths\":[4],"
                 "\"selectors\":[{\"selector\":\"beam\",\"params\":{\"fixedwidht\":1}}]}",
                 "selectors[0]");
    expect_error("{\"sources\":[\"synthetic\",\"synthetic:nope\"],\"widths\":[4],\"selectors\":[\"rebase\"]}",
                 "sources[1]");
    expect_error("{\"sources\":[\"trace:/nonexistent/x.trace\"],\"widths\":[4],\"selectors\":[\"rebase\"]}",
                 "sources[0]");
    expect_error("{\"sources\":[\"synthetic\"],\"widths\":[4,-2],\"selectors\":[\"rebase\"]}",
                 "widths");
    expect_error("{\"sources\":[\"synthetic\"],\"widths\":[4],\"selectors\":[\"rebase\"],\"colour\":1}",
                 "unknown key 'colour'");
    expect_error("{\"sources\":[\"synthetic\"],\"widths\":[4],\"selectors\":[\"rebase\"],"
                 "\"gpu\":{\"gpu\":\"h999\",\"policy\":\"llemma-34b\",\"prm\":\"llemma-34b-prm\"}}",
                 "gpu");
    expect_error("{\"blocks\":[{\"sources\":[\"synthetic\"],\"widths\":[4],\"selectors\":[\"rebase\"]},"
                 "{\"sources\":[\"synthetic\"],\"widths\":[4],\"selectors\":[\"bem\"]}]}",
                 "blocks[1].selectors[0]");
    expect_error("{\"sources\":[\"synthetic\"],\"widths\":[4],\"selectors\":[{\"selector\":\"rebase\","
                 "\"params_by_width\":{\"5\":{}}}]}", "params_by_width");
    expect_error("[1,2]", "object");
}

static void test_gpu_settings_in_identity(void **state) {
    (void)state;
    etsim_sweep_grid a, b;
    etsim_err err;
    const char *t1 = "{\"sources\":[\"synthetic\"],\"widths\":[4],\"selectors\":[\"rebase\"],"
                     "\"gpu\":{\"gpu\":\"h100-nvl\",\"policy\":\"llemma-34b\",\"prm\":\"llemma-34b-prm\"}}";
    const char *t2 = "{\"sources\":[\"synthetic\"],\"widths\":[4],\"selectors\":[\"rebase\"],"
                     "\"gpu\":{\"prm\":\"llemma-34b-prm\",\"policy\":\"llemma-34b\",\"gpu\":\"h100-nvl\","
                     "\"inflight\":16}}";
    assert_int_equal(parse(t1, &a, &err), 0);
    assert_int_equal(parse(t2, &b, &err), 0);
    assert_int_equal(a.n_gpus, 1);
    assert_int_equal(a.configs[0].n_gpus, 1);
    assert_string_not_equal(a.configs[0].hash, b.configs[0].hash);
    /* canonical form: keys sorted */
    assert_non_null(strstr(b.gpus[0].canon, "{\"gpu\":\"h100-nvl\",\"inflight\":\"16\""));
    etsim_sweep_grid_free(&a);
    etsim_sweep_grid_free(&b);
}

/* ---- sources: any registered kind, through the engine's registry ---------- */

/* A kind the grid parser has never heard of: it records the spec it is
 * given and serves the synthetic model's default profile. */
static char toy_seen[512];

static etsim_oracle *toy_open(const char *spec, etsim_err *err) {
    snprintf(toy_seen, sizeof toy_seen, "%s", spec);
    return etsim_oracle_open("synthetic", "default", err);
}

static int toy_is_path(const char *spec) { return strncmp(spec, "name-", 5) != 0; }

static const etsim_oracle_kind toy_kind = {
    .abi = ETSIM_ORACLE_ABI,
    .name = "toy",
    .help = "test kind",
    .open = toy_open,
    .default_spec = "name-default",
    .spec_is_path = toy_is_path,
};

static void test_source_kinds(void **state) {
    (void)state;
    etsim_err err = {{0}};
    assert_int_equal(etsim_oracle_register(&toy_kind, &err), 0);
    etsim_sweep_grid g;
    /* a path spec is resolved against the grid's directory */
    const char *t = "{\"sources\":[\"toy:runs/a.dat\"],\"widths\":[4],\"selectors\":[\"rebase\"],"
                    "\"problems\":2}";
    assert_int_equal(etsim_sweep_grid_parse(t, strlen(t), "g.json", "/grids", &g, &err), 0);
    assert_string_equal(toy_seen, "/grids/runs/a.dat");
    assert_string_equal(g.sources[0].kind, "toy");
    assert_string_equal(g.sources[0].spec, "runs/a.dat"); /* identity: as written */
    etsim_sweep_grid_free(&g);
    /* the kind alone: its default spec (not a path); the object forms */
    const char *forms[] = {"\"toy\"", "{\"toy\":\"name-default\"}",
                           "{\"kind\":\"toy\",\"label\":\"t\"}"};
    for (int i = 0; i < 3; i++) {
        char text[256];
        snprintf(text, sizeof text, "{\"sources\":[%s],\"widths\":[4],\"selectors\":[\"rebase\"]}",
                 forms[i]);
        toy_seen[0] = 0;
        assert_int_equal(etsim_sweep_grid_parse(text, strlen(text), "g.json", "/grids", &g, &err), 0);
        assert_string_equal(toy_seen, "name-default");
        assert_string_equal(g.sources[0].spec, "name-default");
        etsim_sweep_grid_free(&g);
    }
    expect_error("{\"sources\":[\"bogus:x\"],\"widths\":[4],\"selectors\":[\"rebase\"]}",
                 "unknown source kind 'bogus' (known: trace, synthetic, live, toy)");
    expect_error("{\"sources\":[\"trace\"],\"widths\":[4],\"selectors\":[\"rebase\"]}",
                 "a trace source needs a spec: trace:SPEC");
    expect_error("{\"sources\":[{\"toy\":\"a\",\"trace\":\"b\"}],\"widths\":[4],"
                 "\"selectors\":[\"rebase\"]}", "give one source kind");
    expect_error("{\"sources\":[{\"tarce\":\"b\"}],\"widths\":[4],\"selectors\":[\"rebase\"]}",
                 "unknown key 'tarce' (known: trace, synthetic, live, toy, kind, spec, label)");
}

int main(void) {
    etsim_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_product_count),
        cmocka_unit_test(test_hash_order_independent),
        cmocka_unit_test(test_dedupe_and_defaults),
        cmocka_unit_test(test_params_by_width_and_blocks),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_gpu_settings_in_identity),
        cmocka_unit_test(test_source_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
