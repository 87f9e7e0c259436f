/* test_gpu_result.c -- the cost model's two input paths agree: traces taken
 * in process from engine results equal the traces read back from the
 * result file the same replay wrote (through the engine's result reader
 * with the cost model's field mask); and the reader survives
 * truncated and corrupted files (every prefix, flipped bytes) with a clean
 * error, as untrusted input must. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "gpu_model/cost.h"
#include "gpu_model/result_in.h"
#include "sim/engine/replay.h"
#include "sim/engine/result.h"
#include "selectors/registry.h"

extern const etsim_oracle_kind etsim_oracle_kind_synthetic;

typedef struct sink_ctx {
    etsim_result_writer *w;
    etsim_cost_traces *set;
} sink_ctx;

static int sink(void *ctx, etsim_problem_result *res, etsim_err *err) {
    sink_ctx *c = ctx;
    if (etsim_cost_traces_add(c->set, res, err) < 0) return -1;
    return etsim_result_writer_add(c->w, res, err);
}

static void same_trace(const etsim_cost_trace *a, const etsim_cost_trace *b) {
    assert_int_equal(a->problem, b->problem);
    assert_int_equal(a->n_nodes, b->n_nodes);
    assert_int_equal(a->n_rounds, b->n_rounds);
    assert_memory_equal(a->parent, b->parent, (size_t)a->n_nodes * sizeof *a->parent);
    assert_memory_equal(a->tokens, b->tokens, (size_t)a->n_nodes * sizeof *a->tokens);
    assert_memory_equal(a->round_off, b->round_off, (size_t)(a->n_rounds + 1) * sizeof *a->round_off);
    assert_memory_equal(a->round_cand, b->round_cand, (size_t)a->n_rounds * sizeof *a->round_cand);
    assert_memory_equal(a->round_cand_tokens, b->round_cand_tokens,
                        (size_t)a->n_rounds * sizeof *a->round_cand_tokens);
    assert_memory_equal(a->round_embed, b->round_embed, (size_t)a->n_rounds);
}

static char path[] = "/tmp/etsim_gpu_result_XXXXXX";

static void replay_both(const char *selector, etsim_cost_traces *live, etsim_cost_traces *file) {
    etsim_err err = {{0}};
    /* by symbol, not by name: the registry's weak references do not pull
     * the synthetic backend out of the static library by themselves */
    etsim_oracle *o = etsim_oracle_kind_synthetic.open("default", &err);
    if (!o) fail_msg("%s", err.msg);
    etsim_search_config cfg;
    etsim_search_config_init(&cfg, etsim_selector_find(selector), 16);
    etsim_result_writer w;
    assert_int_equal(etsim_result_writer_open(&w, path, 0, &cfg, "synthetic", "default", &o->meta,
                                              NULL, &err), 0);
    sink_ctx ctx = {&w, live};
    etsim_replay_opts opt = {.first = 0, .count = 3, .threads = 1};
    if (etsim_replay(o, &cfg, &opt, sink, &ctx, &err) < 0) fail_msg("%s", err.msg);
    assert_int_equal(etsim_result_writer_commit(&w, &err), 0);
    etsim_oracle_close(o);
    if (etsim_cost_traces_read_result(path, file, &err) < 0) fail_msg("%s", err.msg);
}

static void test_live_equals_file(void **state) {
    (void)state;
    const char *sels[] = {"rebase", "beam", "ets"};
    for (int s = 0; s < 3; s++) {
        if (!etsim_selector_find(sels[s])) continue;
        etsim_cost_traces live = {0}, file = {0};
        replay_both(sels[s], &live, &file);
        assert_int_equal(live.n, 3);
        assert_int_equal(file.n, 3);
        for (int i = 0; i < 3; i++) same_trace(&live.v[i], &file.v[i]);
        if (!strcmp(sels[s], "ets")) { /* ETS clusters: the embedder runs */
            int any = 0;
            for (int32_t r = 0; r < live.v[0].n_rounds; r++) any |= live.v[0].round_embed[r];
            assert_true(any);
        }
        etsim_cost_traces_free(&live);
        etsim_cost_traces_free(&file);
    }
}

/* Every proper prefix of a valid file fails cleanly; flipped bytes never
 * crash (ASan watches) and either fail or give a valid trace set. */
static void test_corrupt(void **state) {
    (void)state;
    etsim_cost_traces live = {0}, file = {0};
    replay_both("rebase", &live, &file);
    etsim_cost_traces_free(&live);
    etsim_cost_traces_free(&file);
    size_t len = 0;
    etsim_err err = {{0}};
    char *text = etsim_read_file(path, &len, &err);
    assert_non_null(text);
    size_t step = len / 300 + 1; /* keep the test fast under ASan */
    for (size_t cut = 0; cut < len; cut += step) {
        etsim_cost_traces set = {0};
        char *copy = etsim_malloc(cut + 1);
        memcpy(copy, text, cut);
        int rc = etsim_cost_traces_parse_result(copy, cut, "cut.json", &set, &err);
        /* only whitespace may be lost at the very end */
        if (rc == 0 && strspn(text + cut, " \n") != len - cut)
            fail_msg("prefix of %zu/%zu bytes accepted", cut, len);
        etsim_cost_traces_free(&set);
        free(copy);
    }
    const char junk[] = {'}', ']', '"', '\\', '-', '9', ',', ':', 'x', '\0'};
    for (size_t k = 0; k < 300; k++) {
        char *copy = etsim_malloc(len);
        memcpy(copy, text, len);
        size_t at = (k * 7919) % len;
        copy[at] = junk[k % sizeof junk];
        etsim_cost_traces set = {0};
        (void)etsim_cost_traces_parse_result(copy, len, "flip.json", &set, &err);
        etsim_cost_traces_free(&set);
        free(copy);
    }
    free(text);
    const char *bad[] = {"", "[]", "{\"etsim_result\":2,\"problems\":[]}",
                         "{\"problems\":[]}", "{\"etsim_result\":1}",
                         "{\"etsim_result\":1,\"problems\":[{\"index\":0}]}",
                         ("{\"etsim_result\":1,\"problems\":[{\"index\":0,\"nodes\":{\"parent\":[-1,5],"
                          "\"tokens\":[3,4]},\"decisions\":[{\"candidates\":[0]}]}]}")};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        etsim_cost_traces set = {0};
        assert_int_equal(etsim_cost_traces_parse_result(bad[i], strlen(bad[i]), "bad.json", &set,
                                                        &err), -1);
        assert_non_null(strstr(err.msg, "bad.json"));
        etsim_cost_traces_free(&set);
    }
    /* the one result reader's messages name file, problem and field */
    const struct {
        const char *text, *want;
    } named[] = {
        {"{\"etsim_result\":1,\"problems\":[{\"index\":0,\"nodes\":{\"parent\":[-1,0],\"tokens\":[3]},"
         "\"decisions\":[]}]}",
         "problem 0: field \"nodes.tokens\" has 1 entries but nodes.parent has 2"},
        {"{\"etsim_result\":1,\"problems\":[{\"index\":0,\"nodes\":{\"parent\":[-1,0],\"tokens\":[3,4]},"
         "\"decisions\":[{\"candidates\":[0]},{\"candidates\":[1,2]}]}]}",
         "problem 0: field \"decisions[1].candidates\" element 1: 2 is not a generated node (0..1)"},
        {"{\"etsim_result\":1,\"problems\":[{\"index\":0,\"nodes\":{\"parent\":[-1,0],\"tokens\":[3,4]},"
         "\"decisions\":[{\"kept\":[0]}]}]}",
         "problem 0: field \"decisions[0].candidates\" missing"},
        {"{\"etsim_result\":1,\"problems\":[{\"index\":0,\"nodes\":{\"parent\":[-1,0]},\"decisions\":[]}]}",
         "problem 0: field \"nodes.tokens\" missing"},
        {"{\"etsim_result\":1,\"problems\":[{\"index\":0,\"nodes\":{\"parent\":[-1,0],\"tokens\":[3,-4]},"
         "\"decisions\":[]}]}",
         "problem 0: field \"nodes.tokens\" element 1 is not a token count"},
        {"[{\"id\":0}]", "an ETS answers.json"},
    };
    for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
        etsim_cost_traces set = {0};
        assert_int_equal(etsim_cost_traces_parse_result(named[i].text, strlen(named[i].text), "named.json", &set,
                                                        &err), -1);
        if (!strstr(err.msg, named[i].want) || strncmp(err.msg, "named.json", 10))
            fail_msg("case %zu: got '%s', want '%s'", i, err.msg, named[i].want);
        etsim_cost_traces_free(&set);
    }
    const char *ok = "{\"etsim_result\":1,\"config\":{\"x\":[1,{\"y\":\"]}\"}]},\"problems\":[{\"index\":4,"
                     "\"nodes\":{\"parent\":[-1,0,0],\"tokens\":[3,4,5]},\"decisions\":"
                     "[{\"candidates\":[0],\"clusters\":[0]}]}]}";
    etsim_cost_traces set = {0};
    assert_int_equal(etsim_cost_traces_parse_result(ok, strlen(ok), "ok.json", &set, &err), 0);
    assert_int_equal(set.n, 1);
    assert_int_equal(set.v[0].problem, 4);
    assert_int_equal(set.v[0].round_cand_tokens[0], 3);
    assert_int_equal(set.v[0].round_embed[0], 1);
    etsim_cost_traces_free(&set);
    assert_int_equal(etsim_cost_traces_read_result("/nonexistent/r.json", &set, &err), -1);
}

static int setup(void **state) {
    (void)state;
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    remove(path);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_equals_file),
        cmocka_unit_test(test_corrupt),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
