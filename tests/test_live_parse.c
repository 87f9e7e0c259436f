/* test_live_parse.c -- the live oracle's server-reply parsers, request
 * builders and helpers on hand-written replies with hand-worked values:
 * choice ordering and limits, token counts, finish reasons, UTF-8 repair,
 * PRM label probabilities (completions and chat formats), reward-head
 * rows, embeddings, answer extraction and JSON escaping. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/core/sbuf.h"
#include "traces/capture/oracle_live.h"
#include "traces/capture/parse.h"
#include "traces/capture/prm.h"
#include "traces/capture/prm_label.h"

#define S(x) x, strlen(x)

static void test_completion_order_and_tokens(void **st) {
    (void)st;
    const char *r = "{\"choices\":["
                    "{\"index\":1,\"text\":\"B\",\"logprobs\":{\"tokens\":[\"x\",\"y\",\"z\"]},"
                    "\"finish_reason\":\"length\"},"
                    "{\"index\":0,\"text\":\"A\\n\",\"logprobs\":{\"tokens\":[\"a\"]},"
                    "\"finish_reason\":\"stop\",\"stop_reason\":\"\\n\\n\"}],"
                    "\"usage\":{\"prompt_tokens\":17,\"completion_tokens\":4}}";
    etsim_live_completion c;
    etsim_err e;
    assert_int_equal(etsim_live_parse_completion(S(r), 2, &c, &e), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.choices[0].text, "A\n");
    assert_string_equal(c.choices[1].text, "B");
    assert_int_equal(c.choices[0].tokens, 1);
    assert_int_equal(c.choices[1].tokens, 3);
    assert_int_equal(c.choices[0].finish, ETSIM_FINISH_STOP);
    assert_int_equal(c.choices[1].finish, ETSIM_FINISH_LENGTH);
    assert_int_equal(c.prompt_tokens, 17);
    assert_int_equal(c.completion_tokens, 4);
    etsim_live_completion_free(&c);
}

static void test_completion_eos_and_limits(void **st) {
    (void)st;
    etsim_live_completion c;
    etsim_err e;
    /* vLLM: stop_reason null = EOS; SGLang: matched_stop a token id = EOS */
    const char *v = "{\"choices\":[{\"text\":\"x\",\"finish_reason\":\"stop\",\"stop_reason\":null},"
                    "{\"text\":\"y\",\"finish_reason\":\"stop\",\"matched_stop\":128009}]}";
    assert_int_equal(etsim_live_parse_completion(S(v), 2, &c, &e), 0);
    assert_int_equal(c.choices[0].finish, ETSIM_FINISH_EOS);
    assert_int_equal(c.choices[1].finish, ETSIM_FINISH_EOS);
    assert_int_equal(c.choices[0].tokens, -1); /* no logprobs */
    assert_int_equal(c.prompt_tokens, -1);
    etsim_live_completion_free(&c);
    /* more choices than asked */
    assert_int_equal(etsim_live_parse_completion(S(v), 1, &c, &e), -1);
    assert_non_null(strstr(e.msg, "choices"));
    /* duplicate index, index out of range, missing text, not JSON, error member */
    const char *dup = "{\"choices\":[{\"index\":0,\"text\":\"a\"},{\"index\":0,\"text\":\"b\"}]}";
    assert_int_equal(etsim_live_parse_completion(S(dup), 2, &c, &e), -1);
    assert_non_null(strstr(e.msg, "appears twice"));
    const char *range = "{\"choices\":[{\"index\":5,\"text\":\"a\"}]}";
    assert_int_equal(etsim_live_parse_completion(S(range), 4, &c, &e), -1);
    assert_non_null(strstr(e.msg, "index"));
    const char *notext = "{\"choices\":[{\"index\":0}]}";
    assert_int_equal(etsim_live_parse_completion(S(notext), 1, &c, &e), -1);
    assert_non_null(strstr(e.msg, "field text"));
    assert_int_equal(etsim_live_parse_completion(S("{\"choices\": [tru"), 1, &c, &e), -1);
    assert_non_null(strstr(e.msg, "not valid JSON"));
    const char *errm = "{\"error\":{\"message\":\"model overloaded\"}}";
    assert_int_equal(etsim_live_parse_completion(S(errm), 1, &c, &e), -1);
    assert_non_null(strstr(e.msg, "model overloaded"));
    /* vLLM's older ErrorResponse: the error at the top level */
    const char *verr = "{\"object\":\"error\",\"message\":\"max_tokens too large\",\"type\":"
                       "\"BadRequestError\",\"param\":null,\"code\":400}";
    assert_int_equal(etsim_live_parse_completion(S(verr), 1, &c, &e), -1);
    assert_non_null(strstr(e.msg, "max_tokens too large"));
}

/* Finishes as the real servers report them (tests/server_shapes.py cites
 * the files): vLLM's extra EOS ids as an integer stop_reason, an aborted
 * step, and llama.cpp's "stop" told apart from its logprobs.content. */
static int finish_of(const char *body, int32_t *tokens_out) {
    etsim_live_completion c;
    etsim_err e;
    assert_int_equal(etsim_live_parse_completion(body, strlen(body), 1, &c, &e), 0);
    int f = c.choices[0].finish;
    if (tokens_out) *tokens_out = c.choices[0].tokens;
    etsim_live_completion_free(&c);
    return f;
}

static void test_completion_server_finishes(void **st) {
    (void)st;
    /* vLLM: a generation-config EOS id (Llama 3.x 128001) is stop_reason 128001 */
    assert_int_equal(finish_of("{\"choices\":[{\"index\":0,\"text\":\"x\",\"finish_reason\":\"stop\","
                               "\"stop_reason\":128001}]}", NULL), ETSIM_FINISH_EOS);
    /* SGLang's graceful abort, vLLM's repetition stop, no finish_reason */
    etsim_live_completion c;
    etsim_err e;
    const char *ab = "{\"choices\":[{\"index\":0,\"text\":\"half a st\",\"finish_reason\":\"abort\","
                     "\"matched_stop\":null}]}";
    assert_int_equal(etsim_live_parse_completion(S(ab), 1, &c, &e), 0);
    assert_int_equal(c.choices[0].finish, ETSIM_FINISH_OTHER);
    assert_string_equal(c.choices[0].finish_name, "abort");
    etsim_live_completion_free(&c);
    assert_int_equal(finish_of("{\"choices\":[{\"text\":\"x\",\"finish_reason\":\"repetition\","
                               "\"stop_reason\":\"repetition_detected\"}]}", NULL), ETSIM_FINISH_OTHER);
    /* llama.cpp, EOS after a held-back "\n": the EOS entry releases ".\n" */
    int32_t t;
    assert_int_equal(finish_of("{\"choices\":[{\"text\":\"x.\\n\",\"index\":0,\"logprobs\":{\"content\":["
                               "{\"id\":87,\"token\":\"x\",\"logprob\":-1,\"top_logprobs\":[]},"
                               "{\"id\":13,\"token\":\"\",\"logprob\":-1,\"top_logprobs\":[]},"
                               "{\"id\":2,\"token\":\".\\n\",\"logprob\":-1,\"top_logprobs\":[]}]},"
                               "\"finish_reason\":\"stop\"}],\"usage\":{\"completion_tokens\":3}}", &t),
                     ETSIM_FINISH_EOS);
    assert_int_equal(t, 3);
    /* llama.cpp, stop word "\n\n" as ".\n" (held back) + "\n" (cut): the
     * entries add up to "4", the text is "4." */
    assert_int_equal(finish_of("{\"choices\":[{\"text\":\"4.\",\"index\":0,\"logprobs\":{\"content\":["
                               "{\"id\":19,\"token\":\"4\",\"logprob\":-1,\"top_logprobs\":[]},"
                               "{\"id\":13,\"token\":\"\",\"logprob\":-1,\"top_logprobs\":[]}]},"
                               "\"finish_reason\":\"stop\"}],\"usage\":{\"completion_tokens\":3}}", NULL),
                     ETSIM_FINISH_STOP);
    /* ... as "4." + "\n" (held back) + "\n" (cut): the held entry's own
     * piece is "\n" in its top list */
    assert_int_equal(finish_of("{\"choices\":[{\"text\":\"4.\",\"index\":0,\"logprobs\":{\"content\":["
                               "{\"id\":20,\"token\":\"4.\",\"logprob\":-1,\"top_logprobs\":[]},"
                               "{\"id\":198,\"token\":\"\",\"logprob\":-1,\"top_logprobs\":"
                               "[{\"id\":198,\"token\":\"\\n\",\"logprob\":-0.1}]}]},"
                               "\"finish_reason\":\"stop\"}],\"usage\":{\"completion_tokens\":3}}", NULL),
                     ETSIM_FINISH_STOP);
    /* ... "4" + "\n" (held back, sampled from outside its own top list) +
     * "\n" (cut): an earlier top list shows id 198 as "\n", so the held
     * entry is an ordinary token, no EOS */
    assert_int_equal(finish_of("{\"choices\":[{\"text\":\"4\",\"index\":0,\"logprobs\":{\"content\":["
                               "{\"id\":19,\"token\":\"4\",\"logprob\":-1,\"top_logprobs\":"
                               "[{\"id\":198,\"token\":\"\\n\",\"logprob\":-0.5}]},"
                               "{\"id\":198,\"token\":\"\",\"logprob\":-2,\"top_logprobs\":"
                               "[{\"id\":13,\"token\":\".\",\"logprob\":-0.1}]}]},"
                               "\"finish_reason\":\"stop\"}],\"usage\":{\"completion_tokens\":3}}", NULL),
                     ETSIM_FINISH_STOP);
    /* ... the residual: id 198 shown nowhere with its piece reads as EOS
     * (traces/capture/README.md, "Checked against") */
    assert_int_equal(finish_of("{\"choices\":[{\"text\":\"4\",\"index\":0,\"logprobs\":{\"content\":["
                               "{\"id\":19,\"token\":\"4\",\"logprob\":-1,\"top_logprobs\":[]},"
                               "{\"id\":198,\"token\":\"\",\"logprob\":-2,\"top_logprobs\":"
                               "[{\"id\":13,\"token\":\".\",\"logprob\":-0.1}]}]},"
                               "\"finish_reason\":\"stop\"}],\"usage\":{\"completion_tokens\":3}}", NULL),
                     ETSIM_FINISH_EOS);
    /* ... EOS after a character split over two tokens (the first gets no
     * entry): fewer entries than tokens, but it is an EOS */
    assert_int_equal(finish_of("{\"choices\":[{\"text\":\"\\u03c0\",\"index\":0,\"logprobs\":{\"content\":["
                               "{\"id\":300,\"token\":\"\\u03c0\",\"logprob\":-1,\"top_logprobs\":[]},"
                               "{\"id\":2,\"token\":\"\",\"logprob\":-1,\"top_logprobs\":"
                               "[{\"id\":2,\"token\":\"\",\"logprob\":-0.1}]}]},"
                               "\"finish_reason\":\"stop\"}],\"usage\":{\"completion_tokens\":3}}", NULL),
                     ETSIM_FINISH_EOS);
}

static void test_utf8_repair(void **st) {
    (void)st;
    int32_t bad;
    /* a lone continuation byte, an overlong "/", a truncated 3-byte lead,
     * valid "é" and "ки" kept */
    char *s = etsim_live_utf8_repair(S("a\x80" "b\xc0\xaf" "\xc3\xa9\xd0\xba\xd0\xb8\xe2\x82"), &bad);
    assert_int_equal(bad, 5);
    assert_string_equal(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "\xc3\xa9\xd0\xba\xd0\xb8"
                           "\xef\xbf\xbd\xef\xbf\xbd");
    free(s);
    /* a raw invalid byte inside a reply's text is repaired and counted */
    etsim_live_completion c;
    etsim_err e;
    const char r[] = "{\"choices\":[{\"text\":\"x\xffy\",\"finish_reason\":\"stop\"}]}";
    assert_int_equal(etsim_live_parse_completion(r, sizeof r - 1, 1, &c, &e), 0);
    assert_int_equal(c.choices[0].invalid_utf8, 1);
    assert_string_equal(c.choices[0].text, "x\xef\xbf\xbdy");
    etsim_live_completion_free(&c);
    /* an escaped NUL (a generated byte 0) would end cJSON's string: it is
     * repaired and counted, an escaped backslash before "u0000" is not one */
    const char nul[] = "{\"choices\":[{\"text\":\"a\\u0000b\\\\u0000\",\"finish_reason\":\"length\"}]}";
    assert_int_equal(etsim_live_parse_completion(nul, sizeof nul - 1, 1, &c, &e), 0);
    assert_string_equal(c.choices[0].text, "a\xef\xbf\xbd" "b\\u0000");
    assert_int_equal(c.choices[0].invalid_utf8, 1);
    etsim_live_completion_free(&c);
}

static const char *const plus[] = {"+", " +"};
static const char *const minus[] = {"-"};

static void test_label_probs(void **st) {
    (void)st;
    etsim_live_labels lab = {plus, 2, minus, 1, NULL, NULL, 0, 0};
    etsim_live_label_read rd;
    etsim_err e;
    /* completions: P(+) = 0.5 + 0.1 (two variants), P(-) = 0.2 */
    char r[256];
    snprintf(r, sizeof r,
             "{\"choices\":[{\"text\":\"+\",\"logprobs\":{\"tokens\":[\"+\"],\"top_logprobs\":"
             "[{\"+\":%.17g,\" +\":%.17g,\"-\":%.17g,\"x\":-5}]}}]}",
             log(0.5), log(0.1), log(0.2));
    assert_int_equal(etsim_live_parse_label_probs(S(r), &lab, &rd, &e), 0);
    assert_int_equal(rd.found_plus + rd.found_minus, 3);
    assert_int_equal(rd.entries, 4);
    assert_int_equal(rd.form, ETSIM_TOP_DICT);
    assert_true(fabs(rd.p_plus - 0.6) < 1e-12 && fabs(rd.p_minus - 0.2) < 1e-12);
    /* chat: content[0].top_logprobs list */
    snprintf(r, sizeof r,
             "{\"choices\":[{\"logprobs\":{\"content\":[{\"token\":\"+\",\"logprob\":-0.1,"
             "\"top_logprobs\":[{\"token\":\"+\",\"logprob\":%.17g},{\"token\":\"-\",\"logprob\":%.17g}]}]}}]}",
             log(0.3), log(0.1));
    assert_int_equal(etsim_live_parse_label_probs(S(r), &lab, &rd, &e), 0);
    assert_true(fabs(rd.p_plus - 0.3) < 1e-12 && fabs(rd.p_minus - 0.1) < 1e-12);
    assert_int_equal(rd.form, ETSIM_TOP_LIST);
    /* no logprobs at all: an error naming the field */
    assert_int_equal(etsim_live_parse_label_probs(S("{\"choices\":[{\"text\":\"+\"}]}"), &lab, &rd,
                                                  &e), -1);
    assert_non_null(strstr(e.msg, "logprobs"));
    /* labels as ids: vLLM's "token_id:N" keys and llama.cpp's "id" fields */
    static const int32_t pid[] = {648, 29974}, mid[] = {387};
    etsim_live_labels byid = {plus, 2, minus, 1, pid, mid, 2, 1};
    snprintf(r, sizeof r,
             "{\"choices\":[{\"logprobs\":{\"top_logprobs\":[{\"token_id:648\":%.17g,"
             "\"token_id:29974\":%.17g,\"token_id:387\":%.17g}]}}]}", log(0.5), log(0.1), log(0.2));
    assert_int_equal(etsim_live_parse_label_probs(S(r), &byid, &rd, &e), 0);
    assert_true(fabs(rd.p_plus - 0.6) < 1e-12 && fabs(rd.p_minus - 0.2) < 1e-12 && rd.with_ids);
    snprintf(r, sizeof r,
             "{\"choices\":[{\"logprobs\":{\"content\":[{\"id\":648,\"token\":\"+\",\"logprob\":-1,"
             "\"top_logprobs\":[{\"id\":648,\"token\":\"+\",\"logprob\":%.17g},{\"id\":387,\"token\":\"-\","
             "\"logprob\":%.17g}]}]}}]}", log(0.3), log(0.1));
    assert_int_equal(etsim_live_parse_label_probs(S(r), &byid, &rd, &e), 0);
    assert_true(fabs(rd.p_plus - 0.3) < 1e-12 && fabs(rd.p_minus - 0.1) < 1e-12);
    /* ids asked for, texts returned: the server ignored return_tokens_as_token_ids */
    snprintf(r, sizeof r, "{\"choices\":[{\"logprobs\":{\"top_logprobs\":[{\"+\":-1}]}}]}");
    assert_int_equal(etsim_live_parse_label_probs(S(r), &byid, &rd, &e), -1);
    assert_non_null(strstr(e.msg, "return_tokens_as_token_ids"));
}

/* A top list of k entries: the given ones, then fillers. */
static void top_dict(char *r, size_t n, int k, const char *given) {
    int o = snprintf(r, n, "{\"choices\":[{\"logprobs\":{\"top_logprobs\":[{%s", given);
    int have = 0;
    for (const char *p = given; *p; p++) have += *p == ':';
    for (int i = have; i < k; i++) o += snprintf(r + o, n - (size_t)o, "%s\"w%d\":-30", o ? "," : "", i);
    snprintf(r + o, n - (size_t)o, "}]}}]}");
}

static void test_label_score(void **st) {
    (void)st;
    etsim_live_config c;
    etsim_live_config_init(&c);
    c.plus[c.n_plus++] = etsim_strdup("+");
    c.minus[c.n_minus++] = etsim_strdup("-");
    c.prm_top_logprobs = 4;
    etsim_live_counts cnt;
    memset(&cnt, 0, sizeof cnt);
    etsim_live_prm_seen seen;
    memset(&seen, 0, sizeof seen);
    double s;
    etsim_err e;
    char r[512], g[128];
    snprintf(g, sizeof g, "\"+\":%.17g,\"-\":%.17g", log(0.6), log(0.2));
    top_dict(r, sizeof r, 4, g);
    assert_int_equal(etsim_live_prm_label_score(&c, S(r), &s, &cnt, &seen, &e), 1);
    assert_true(fabs(s - 0.75) < 1e-12);
    assert_int_equal(cnt.prm_label_clipped, 0);
    /* text labels, "-" outside the top list: ambiguous, refused naming the
     * label and the remedy */
    snprintf(g, sizeof g, "\"+\":%.17g", log(0.9));
    top_dict(r, sizeof r, 4, g);
    assert_int_equal(etsim_live_prm_label_score(&c, S(r), &s, &cnt, &seen, &e), ETSIM_PRM_REFUSED);
    assert_non_null(strstr(e.msg, "label '-'"));
    assert_non_null(strstr(e.msg, "token ids"));
    /* keys collided (3 distinct tokens for the 4 asked, a label among
     * them): refused */
    snprintf(g, sizeof g, "\"+\":%.17g,\"-\":%.17g,\"a\":-9", log(0.1), log(0.2));
    snprintf(r, sizeof r, "{\"choices\":[{\"logprobs\":{\"top_logprobs\":[{%s}]}}]}", g);
    assert_int_equal(etsim_live_prm_label_score(&c, S(r), &s, &cnt, &seen, &e), ETSIM_PRM_REFUSED);
    assert_non_null(strstr(e.msg, "3 distinct tokens for the 4 asked"));
    /* neither label: no score */
    top_dict(r, sizeof r, 4, "\"a\":-1");
    assert_int_equal(etsim_live_prm_label_score(&c, S(r), &s, &cnt, &seen, &e), 0);
    /* an empty top list: refused */
    assert_int_equal(etsim_live_prm_label_score(
                         &c, S("{\"choices\":[{\"logprobs\":{\"top_logprobs\":[{}]}}]}"), &s, &cnt,
                         &seen, &e), ETSIM_PRM_REFUSED);
    assert_non_null(strstr(e.msg, "empty"));
    /* the shape changes mid-capture (a list after objects): refused */
    assert_int_equal(etsim_live_prm_label_score(
                         &c, S("{\"choices\":[{\"logprobs\":{\"content\":[{\"token\":\"+\",\"logprob\":-1,"
                               "\"top_logprobs\":[{\"token\":\"+\",\"logprob\":-1}]}]}}]}"),
                         &s, &cnt, &seen, &e), ETSIM_PRM_REFUSED);
    assert_non_null(strstr(e.msg, "changed shape"));
    /* labels as ids: "-" below the list is unambiguous, P(-) = 0, counted */
    c.plus_ids[c.n_plus_ids++] = 648;
    c.minus_ids[c.n_minus_ids++] = 387;
    memset(&seen, 0, sizeof seen);
    snprintf(g, sizeof g, "\"token_id:648\":%.17g,\"token_id:1\":-3", log(0.9));
    snprintf(r, sizeof r, "{\"choices\":[{\"logprobs\":{\"top_logprobs\":[{%s}]}}]}", g);
    assert_int_equal(etsim_live_prm_label_score(&c, S(r), &s, &cnt, &seen, &e), 1);
    assert_true(s == 1.0);
    assert_int_equal(cnt.prm_label_clipped, 1);
    etsim_live_config_free(&c);
}

static int head(etsim_live_config *c, const char *body, double *s, etsim_live_prm_seen *seen,
                etsim_err *e) {
    etsim_live_counts cnt;
    memset(&cnt, 0, sizeof cnt);
    return etsim_live_prm_head.score(c, body, strlen(body), s, &cnt, seen, e);
}

static void test_pooling(void **st) {
    (void)st;
    etsim_live_pooling p;
    etsim_err e;
    /* last row [1, 3]: mean 2, first 1 */
    assert_int_equal(etsim_live_parse_pooling(
                         S("{\"data\":[{\"index\":0,\"data\":[[0,0],[9,9],[1,3]]}]}"), &p, &e), 0);
    assert_true(p.last_mean == 2.0 && p.last_first == 1.0 && p.rows == 3 && p.width == 2 && !p.flat);
    assert_int_equal(etsim_live_parse_pooling(S("{\"data\":[{\"data\":[0.5,-1.5]}]}"), &p, &e), 0);
    assert_true(p.flat && p.last_mean == -1.5);
    assert_int_equal(etsim_live_parse_pooling(S("{\"data\":[{\"data\":[]}]}"), &p, &e), -1);
    assert_int_equal(etsim_live_parse_pooling(S("{\"data\":[{\"data\":[[null]]}]}"), &p, &e), -1);
    assert_int_equal(etsim_live_parse_pooling(S("{\"data\":[{\"data\":[[1,2],[3]]}]}"), &p, &e), -1);
    assert_int_equal(etsim_live_parse_pooling(S("{\"data\":[{\"data\":[1,[3]]}]}"), &p, &e), -1);
    /* the reward-head module: sigmoid(2) */
    etsim_live_config c;
    etsim_live_config_init(&c);
    c.prm_transform = etsim_strdup("sigmoid-mean");
    etsim_live_prm_seen seen;
    memset(&seen, 0, sizeof seen);
    double s;
    assert_int_equal(head(&c, "{\"data\":[{\"data\":[[1,3]]}]}", &s, &seen, &e), 1);
    assert_true(fabs(s - 1.0 / (1.0 + exp(-2.0))) < 1e-15);
    /* a row of another width later: refused */
    assert_int_equal(head(&c, "{\"data\":[{\"data\":[[1,3,4]]}]}", &s, &seen, &e), ETSIM_PRM_REFUSED);
    assert_non_null(strstr(e.msg, "changed shape"));
    /* a sequence-level pair, a hidden-state row: refused */
    memset(&seen, 0, sizeof seen);
    assert_int_equal(head(&c, "{\"data\":[{\"data\":[0.2,0.8]}]}", &s, &seen, &e), ETSIM_PRM_REFUSED);
    assert_non_null(strstr(e.msg, "sequence-level"));
    char big[1024];
    int o = snprintf(big, sizeof big, "{\"data\":[{\"data\":[[0");
    for (int i = 1; i < 64; i++) o += snprintf(big + o, sizeof big - (size_t)o, ",0.5");
    snprintf(big + o, sizeof big - (size_t)o, "]]}]}");
    assert_int_equal(head(&c, big, &s, &seen, &e), ETSIM_PRM_REFUSED);
    assert_non_null(strstr(e.msg, "hidden state"));
    /* "first": a pair of probabilities */
    free(c.prm_transform);
    c.prm_transform = etsim_strdup("first");
    assert_int_equal(head(&c, "{\"data\":[{\"data\":[[0.7,0.3]]}]}", &s, &seen, &e), 1);
    assert_true(s == 0.7);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(head(&c, "{\"data\":[{\"data\":[[0.7,0.3,0.1]]}]}", &s, &seen, &e), ETSIM_PRM_REFUSED);
    assert_int_equal(head(&c, "{\"data\":[{\"data\":[[0.9,0.8]]}]}", &s, &seen, &e), ETSIM_PRM_REFUSED);
    etsim_live_config_free(&c);
}

static void test_embeddings(void **st) {
    (void)st;
    int32_t dim = 0;
    float *v;
    etsim_err e;
    const char *r = "{\"data\":[{\"index\":1,\"embedding\":[3,4]},{\"index\":0,\"embedding\":[1,2]}]}";
    assert_int_equal(etsim_live_parse_embeddings(S(r), 2, &dim, &v, &e), 0);
    assert_int_equal(dim, 2);
    assert_true(v[0] == 1 && v[1] == 2 && v[2] == 3 && v[3] == 4);
    free(v);
    dim = 3; /* expected 3, got 2 */
    assert_int_equal(etsim_live_parse_embeddings(S(r), 2, &dim, &v, &e), -1);
    assert_non_null(strstr(e.msg, "dimension"));
    dim = 0;
    assert_int_equal(etsim_live_parse_embeddings(S(r), 3, &dim, &v, &e), -1);
    assert_non_null(strstr(e.msg, "2 embeddings for 3 inputs"));
    char *id;
    assert_int_equal(etsim_live_parse_models(S("{\"data\":[{\"id\":\"m1\"},{\"id\":\"m2\"}]}"), &id, &e), 0);
    assert_string_equal(id, "m1");
    free(id);
    int32_t n;
    assert_int_equal(etsim_live_parse_tokenize(S("{\"count\":7,\"tokens\":[1]}"), &n, &e), 0);
    assert_int_equal(n, 7);
    assert_int_equal(etsim_live_parse_tokenize(S("{\"tokens\":[1,2,3]}"), &n, &e), 0);
    assert_int_equal(n, 3);
}

static void test_sbuf_and_requests(void **st) {
    (void)st;
    etsim_sbuf b = {0};
    etsim_sbuf_json_string_mode(&b, "a\"b\\c\n\x01", ETSIM_JSON_BYTES);
    etsim_sbuf_puts(&b, ",");
    etsim_sbuf_putc(&b, '"');
    etsim_sbuf_json_template(&b, "Q: {question}; {question}", "{question}", "x\ty", ETSIM_JSON_BYTES);
    etsim_sbuf_putc(&b, '"');
    char *s = etsim_sbuf_take(&b, NULL);
    assert_string_equal(s, "\"a\\\"b\\\\c\\n\\u0001\",\"Q: x\\ty; x\\ty\"");
    free(s);
    /* Math-Shepherd request: path text with tags, one token, top-k logprobs */
    etsim_live_config c;
    etsim_live_config_init(&c);
    c.policy_url = etsim_strdup("http://x/v1");
    c.prm_url = etsim_strdup("http://x/v1");
    assert_int_equal(etsim_live_config_finish(&c, NULL), 0);
    const char *steps[] = {"s1", "s2"};
    size_t len;
    char *body = etsim_live_prm_shepherd.request(&c, "prm", "Q?", steps, 2, &len);
    assert_string_equal(body, "{\"model\":\"prm\",\"prompt\":\"Q? s1 \xd0\xba\xd0\xb8\\ns2 \xd0\xba\xd0\xb8\","
                              "\"max_tokens\":1,\"temperature\":0,\"logprobs\":20}");
    free(body);
    body = etsim_live_prm_rlhflow.request(&c, "prm", "Q?", steps, 2, &len);
    assert_string_equal(body, "{\"model\":\"prm\",\"messages\":[{\"role\":\"user\",\"content\":\"Q? s1\"},"
                              "{\"role\":\"assistant\",\"content\":\"+\"},{\"role\":\"user\",\"content\":\"s2\"}],"
                              "\"max_tokens\":1,\"temperature\":0,\"logprobs\":true,\"top_logprobs\":20}");
    free(body);
    etsim_live_config_free(&c);
}

static void test_answer_extraction(void **st) {
    (void)st;
    etsim_live_config c;
    etsim_live_config_init(&c);
    c.policy_url = etsim_strdup("http://x/v1");
    c.prm_url = etsim_strdup("http://x/v1");
    assert_int_equal(etsim_live_config_finish(&c, NULL), 0);
    char *a = lv_extract_answer(&c, "so $\\boxed{1}$ or rather $\\boxed{\\frac{1}{2}}$. I hope");
    assert_string_equal(a, "\\frac{1}{2}");
    free(a);
    a = lv_extract_answer(&c, "Step 3: The answer is: 42.");
    assert_string_equal(a, "42");
    free(a);
    assert_null(lv_extract_answer(&c, "no answer here"));
    assert_null(lv_extract_answer(&c, "The answer is   "));
    etsim_live_config_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_completion_order_and_tokens),
        cmocka_unit_test(test_completion_eos_and_limits),
        cmocka_unit_test(test_completion_server_finishes),
        cmocka_unit_test(test_utf8_repair),
        cmocka_unit_test(test_label_probs),
        cmocka_unit_test(test_label_score),
        cmocka_unit_test(test_pooling),
        cmocka_unit_test(test_embeddings),
        cmocka_unit_test(test_sbuf_and_requests),
        cmocka_unit_test(test_answer_extraction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
