/* test_live_oracle.c -- the live oracle against the in-process loopback
 * server with canned replies (a policy answering two choices, an RLHFlow
 * chat PRM with P(+) = 0.6 and P(-) = 0.2, an embedder): what one
 * expansion records (texts, token counts, the root's prompt tokens, leaf
 * and MAXLEN flags, the answer, the score 0.6 / 0.8 = 0.75, embeddings),
 * memoisation (asking again sends nothing), asynchronous expansion
 * (etsim_live_request on attached trees only, nothing in the tree before
 * the commit, a node requested twice refused, existing children not asked
 * again) and a start-up check that names an unreachable server. */
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

#include "traces/capture/live.h"
#include "traces/capture/loopback.h"

static const char MODELS[] = "{\"object\":\"list\",\"data\":[{\"id\":\"m\",\"owned_by\":\"vllm\"}]}";
static const char POLICY[] =
    "{\"choices\":[{\"index\":0,\"text\":\"Step one\",\"logprobs\":{\"tokens\":[\"Step\",\" one\",\"\\n\"]},"
    "\"finish_reason\":\"stop\",\"stop_reason\":\"\\n\\n\"},"
    "{\"index\":1,\"text\":\"The answer is 7.\",\"logprobs\":{\"tokens\":[\"The\",\" answer\",\" is\",\" 7\",\".\"]},"
    "\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":8}}";
static char CHAT[512];
static const char EMBED[] = "{\"data\":[{\"index\":0,\"embedding\":[0.5,-0.25,1.0]}]}";

typedef struct fixture {
    etsim_loopback *srv;
    char dataset[64];
    etsim_live_config cfg;
    etsim_oracle *o;
} fixture;

static int setup(void **st) {
    fixture *f = calloc(1, sizeof *f);
    snprintf(CHAT, sizeof CHAT,
             "{\"choices\":[{\"index\":0,\"logprobs\":{\"content\":[{\"token\":\"+\",\"logprob\":-0.5,"
             "\"top_logprobs\":[{\"token\":\"+\",\"logprob\":%.17g},{\"token\":\"-\",\"logprob\":%.17g}]}]}}]}",
             log(0.6), log(0.2));
    etsim_loopback_opts lo = {.reply = "{}"};
    const char *suf[] = {"/models", "/chat/completions", "/completions", "/embeddings"};
    const char *rep[] = {MODELS, CHAT, POLICY, EMBED};
    for (int i = 0; i < 4; i++) {
        lo.route_suffix[i] = suf[i];
        lo.route_reply[i] = rep[i];
    }
    etsim_err err;
    f->srv = etsim_loopback_start(&lo, &err);
    if (!f->srv) return -1;
    snprintf(f->dataset, sizeof f->dataset, "live_oracle_%d.jsonl", (int)getpid());
    FILE *fp = fopen(f->dataset, "w");
    fputs("{\"problem\": \"What is 3+4?\", \"answer\": \"7\", \"unique_id\": \"p0\"}\n", fp);
    fclose(fp);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1", etsim_loopback_port(f->srv));
    etsim_live_config_init(&f->cfg);
    f->cfg.policy_url = strdup(url);
    f->cfg.prm_url = strdup(url);
    f->cfg.embed_url = strdup(url);
    f->cfg.prm_kind = strdup("rlhflow");
    f->cfg.embed_batch = 1;           /* the canned embedder answers one input */
    f->cfg.embed_encoding = strdup("f32");
    if (etsim_live_config_finish(&f->cfg, &err) < 0) return -1;
    f->o = etsim_live_open(&f->cfg, f->dataset, &err);
    if (!f->o) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    *st = f;
    return 0;
}

static int teardown(void **st) {
    fixture *f = *st;
    etsim_oracle_close(f->o);
    etsim_live_config_free(&f->cfg);
    etsim_loopback_stop(f->srv);
    unlink(f->dataset);
    free(f);
    return 0;
}

static void check_children(const etsim_tree *t) {
    assert_int_equal(t->nodes[0].n_kids, 2);
    assert_int_equal(t->prob.prompt_tokens, 11);
    const etsim_node *a = &t->nodes[t->nodes[0].kids[0]], *b = &t->nodes[t->nodes[0].kids[1]];
    assert_string_equal(etsim_tree_text(t, t->nodes[0].kids[0]), "Step one");
    assert_int_equal(a->step_tokens, 3);
    assert_int_equal(a->cum_tokens, 14);
    assert_int_equal(a->flags, ETSIM_NODE_SCORED);
    assert_true(a->score == 0.75f);
    assert_int_equal(b->step_tokens, 5);
    assert_int_equal(b->flags, ETSIM_NODE_SCORED | ETSIM_NODE_LEAF | ETSIM_NODE_MAXLEN);
    assert_string_equal(etsim_tree_answer(t, t->nodes[0].kids[1]), "7");
    const float *e = etsim_tree_embedding(t, t->nodes[0].kids[1]);
    assert_non_null(e);
    assert_true(e[0] == 0.5f && e[1] == -0.25f && e[2] == 1.0f);
}

static void test_sync_expand(void **st) {
    fixture *f = *st;
    assert_int_equal(f->o->meta.emb_dim, 3);
    assert_string_equal(f->o->meta.policy_model, "m");
    etsim_tree t;
    etsim_tree_init(&t, f->o->meta.emb_dim);
    etsim_err err;
    assert_int_equal(etsim_oracle_problem_open(f->o, 0, &t, &err), 0);
    assert_string_equal(t.prob.id, "p0");
    assert_string_equal(t.prob.answer, "7");
    int64_t before = etsim_loopback_requests(f->srv);
    assert_int_equal(etsim_oracle_expand(f->o, &t, 0, 2, &err), 2);
    /* one policy request, two PRM requests, two embedding requests */
    assert_int_equal(etsim_loopback_requests(f->srv) - before, 5);
    check_children(&t);
    /* memoised: asking again sends nothing */
    before = etsim_loopback_requests(f->srv);
    assert_int_equal(etsim_oracle_expand(f->o, &t, 0, 1, &err), 1);
    assert_int_equal(etsim_oracle_expand(f->o, &t, 0, 2, &err), 2);
    assert_int_equal(etsim_loopback_requests(f->srv), before);
    etsim_live_counts c;
    etsim_live_get_counts(f->o, &c);
    assert_int_equal(c.children, 2);
    assert_int_equal(c.tokens, 8);
    assert_int_equal(c.maxlen, 1);
    etsim_tree_free(&t);
}

static void test_async(void **st) {
    fixture *f = *st;
    etsim_tree t;
    etsim_tree_init(&t, f->o->meta.emb_dim);
    etsim_err err;
    assert_int_equal(etsim_oracle_problem_open(f->o, 0, &t, &err), 0);
    /* only attached trees take requests */
    assert_int_equal(etsim_live_request(f->o, &t, 0, 2, &err), -1);
    assert_non_null(strstr(err.msg, "not attached"));
    etsim_live_attach(f->o, &t);
    int64_t before = etsim_loopback_requests(f->srv);
    /* started at once, and nothing enters the tree before the commit */
    assert_int_equal(etsim_live_request(f->o, &t, 0, 2, &err), 1);
    assert_int_equal(t.n_nodes, 1);
    assert_int_equal(etsim_live_outstanding(f->o, &t), 1);
    /* a second request for the node before the commit: merge wants first */
    assert_int_equal(etsim_live_request(f->o, &t, 0, 3, &err), -1);
    assert_non_null(strstr(err.msg, "requested twice"));
    /* out of range */
    assert_int_equal(etsim_live_request(f->o, &t, 7, 1, &err), -1);
    double t0 = etsim_now_s();
    while (etsim_live_outstanding(f->o, &t) > 0 && etsim_now_s() - t0 < 20)
        assert_int_equal(etsim_live_poll(f->o, 50, &err), 0);
    assert_int_equal(etsim_live_outstanding(f->o, &t), 0);
    assert_true(etsim_loopback_requests(f->srv) > before);
    assert_int_equal(etsim_live_commit(f->o, &t, &err), 0);
    check_children(&t);
    /* children that exist are not asked for again */
    assert_int_equal(etsim_live_request(f->o, &t, 0, 2, &err), 0);
    etsim_live_counts pc;
    assert_int_equal(etsim_live_problem_counts(f->o, &t, &pc), 0);
    assert_int_equal(pc.policy_requests, 1);
    assert_int_equal(pc.prm_requests, 2);
    assert_int_equal(pc.embed_requests, 2);
    etsim_live_detach(f->o, &t);
    etsim_tree_free(&t);
}

static void test_unreachable(void **st) {
    fixture *f = *st;
    etsim_live_config c;
    etsim_live_config_init(&c);
    /* a port nobody listens on */
    etsim_loopback_opts lo = {.reply = "{}"};
    etsim_err err;
    etsim_loopback *dead = etsim_loopback_start(&lo, &err);
    assert_non_null(dead);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1", etsim_loopback_port(dead));
    etsim_loopback_stop(dead);
    char live[64];
    snprintf(live, sizeof live, "http://127.0.0.1:%d/v1", etsim_loopback_port(f->srv));
    c.policy_url = strdup(live);
    c.prm_url = strdup(url);
    c.prm_kind = strdup("rlhflow");
    assert_int_equal(etsim_live_config_finish(&c, &err), 0);
    double t0 = etsim_now_s();
    assert_null(etsim_live_open(&c, f->dataset, &err));
    assert_true(etsim_now_s() - t0 < 10);
    assert_non_null(strstr(err.msg, "PRM server unreachable"));
    assert_non_null(strstr(err.msg, url));
    etsim_live_config_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_expand),
        cmocka_unit_test(test_async),
        cmocka_unit_test(test_unreachable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
