/* test_synthetic_cover.c -- covering runs (traces/capture/cover.h): parsing
 * configuration lists (and their errors), and the property `etsim synth`
 * rests on: the covering tree holds every node that each configuration
 * generates on its own, with the same content, and nothing beyond their
 * union. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "traces/capture/cover.h"
#include "sim/synthetic/synthetic.h"

static void test_parse(void **state) {
    (void)state;
    etsim_err err = {{0}};
    etsim_cover_configs c;
    const char *ok = "[{\"selector\": \"rebase\", \"width\": 16},"
                     " {\"selector\": \"rebase\", \"width\": 64,"
                     "  \"params\": {\"softmax_temperature\": 0.5, \"max_tokens\": 512,"
                     "              \"root_tokens\": \"reference\"}}]";
    if (etsim_cover_configs_parse(ok, strlen(ok), "cfg.json", &c, &err)) fail_msg("%s", err.msg);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.cfg[0].width, 16);
    assert_int_equal(c.cfg[1].width, 64);
    assert_int_equal(c.cfg[1].max_tokens, 512);
    assert_int_equal(c.cfg[1].root_tokens, ETSIM_ROOT_REFERENCE);
    assert_true(etsim_sel_config_get(&c.cfg[1].sel, "softmax_temperature") == 0.5);
    assert_true(etsim_sel_config_get(&c.cfg[0].sel, "softmax_temperature") == 0.2);
    assert_non_null(strstr(c.json, "\"width\":64"));
    etsim_cover_configs_free(&c);

    const char *wrapped = "{\"configs\": [{\"selector\": \"rebase\", \"width\": 4}]}";
    assert_int_equal(etsim_cover_configs_parse(wrapped, strlen(wrapped), "w", &c, &err), 0);
    assert_int_equal(c.n, 1);
    etsim_cover_configs_free(&c);

    struct {
        const char *json, *needle;
    } bad[] = {
        {"[{\"selector\": \"nosuch\", \"width\": 4}]", "config 0: field 'selector'"},
        {"[{\"width\": 4}]", "field 'selector'"},
        {"[{\"selector\": \"rebase\"}]", "field 'width'"},
        {"[{\"selector\": \"rebase\", \"width\": 2.5}]", "field 'width'"},
        {"[{\"selector\": \"rebase\", \"width\": -3}]", "field 'width'"},
        {"[{\"selector\": \"rebase\", \"width\": 4, \"params\": {\"bogus\": 1}}]", "bogus"},
        {"[{\"selector\": \"rebase\", \"width\": 4, \"params\": {\"max_tokens\": [1]}}]", "max_tokens"},
        {"[{\"selector\": \"rebase\", \"width\": 4, \"params\": 3}]", "field 'params'"},
        {"[{\"selector\": \"rebase\", \"width\": 4, \"extra\": 1}]", "unknown key 'extra'"},
        {"[{\"selector\": \"rebase\", \"width\": 4, \"width\": 8}]", "duplicate key 'width'"},
        {"[{\"selector\": \"rebase\", \"width\": 4}, 7]", "config 1"},
        {"[]", "non-empty"},
        {"{\"other\": []}", "non-empty"},
        {"[{\"selector\": \"rebase\",\n \"width\": }]", "line 2"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.msg[0] = 0;
        assert_int_equal(etsim_cover_configs_parse(bad[i].json, strlen(bad[i].json), "cfg.json", &c, &err), -1);
        if (!strstr(err.msg, "cfg.json") || !strstr(err.msg, bad[i].needle))
            fail_msg("case %zu: '%s' not in: %s", i, bad[i].needle, err.msg);
        assert_null(c.cfg);
    }
}

static int32_t find_by_key(const etsim_tree *t, uint64_t key) {
    for (int32_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i].key == key) return i;
    return -1;
}

static void test_union(void **state) {
    (void)state;
    etsim_err err = {{0}};
    etsim_oracle *o = etsim_oracle_kind_synthetic.open("default", &err);
    assert_non_null(o);
    const char *json = "[{\"selector\": \"rebase\", \"width\": 8},"
                       " {\"selector\": \"rebase\", \"width\": 32, \"params\": {\"softmax_temperature\": 1.0}},"
                       " {\"selector\": \"rebase\", \"width\": 16}]";
    etsim_cover_configs c;
    if (etsim_cover_configs_parse(json, strlen(json), "cfg", &c, &err)) fail_msg("%s", err.msg);
    for (int32_t p = 0; p < 4; p++) {
        etsim_problem_result u;
        etsim_problem_result_init(&u, o->meta.emb_dim);
        if (etsim_cover_problem(o, &c, p, &u, &err)) fail_msg("%s", err.msg);
        uint8_t *covered = calloc((size_t)u.tree.n_nodes, 1);
        covered[0] = 1;
        int64_t calls = 0;
        for (int32_t k = 0; k < c.n; k++) {
            etsim_problem_result r;
            etsim_problem_result_init(&r, o->meta.emb_dim);
            if (etsim_search_problem(o, &c.cfg[k], p, &r, &err)) fail_msg("%s", err.msg);
            calls += r.c.model_calls;
            for (int32_t v = 0; v < r.tree.n_nodes; v++) {
                int32_t w = find_by_key(&u.tree, r.tree.nodes[v].key);
                assert_true(w >= 0);
                covered[w] = 1;
                assert_int_equal(u.tree.nodes[w].step_tokens, r.tree.nodes[v].step_tokens);
                assert_int_equal(u.tree.nodes[w].flags, r.tree.nodes[v].flags);
                assert_memory_equal(&u.tree.nodes[w].score, &r.tree.nodes[v].score, sizeof(float));
                assert_true(u.tree.nodes[w].text_hash == r.tree.nodes[v].text_hash);
            }
            etsim_problem_result_free(&r);
        }
        /* nothing beyond the union */
        for (int32_t w = 0; w < u.tree.n_nodes; w++) assert_true(covered[w]);
        assert_int_equal(u.c.model_calls, calls); /* counters summed over the runs */
        free(covered);
        etsim_problem_result_free(&u);
    }
    etsim_cover_configs_free(&c);
    etsim_oracle_close(o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_union),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
