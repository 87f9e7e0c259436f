/* bench.c -- client overhead benchmark (see bench.h).
 *
 * The loopback server (loopback.c) runs in its own thread and answers each
 * request with a recorded-size completion reply: 4 choices of about 60
 * tokens with per-token logprobs, as a policy server sends them. The
 * client keeps 32 requests in flight, each built the way the live oracle
 * builds a policy request (a 1.5 KB prompt escaped into JSON) and each
 * reply is parsed by the same parser. The figure is completed requests per
 * second of wall time and per second of the client thread's CPU time (the
 * server's thread runs on the other core). */
#include "traces/capture/bench.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "traces/capture/http.h"
#include "sim/core/sbuf.h"
#include "traces/capture/loopback.h"
#include "traces/capture/parse.h"

typedef struct bench_state {
    etsim_http *h;
    char *url;
    char *prompt;
    int64_t sent, done, parse_fail, n_choices;
    int failed;
    etsim_err err;
} bench_state;

static void on_done(void *ctx, const char *body, size_t len, const etsim_err *failure);

static void send_one(bench_state *b) {
    etsim_sbuf j = {0};
    etsim_sbuf_puts(&j, "{\"model\":\"bench\",\"prompt\":");
    etsim_sbuf_json_string_mode(&j, b->prompt, ETSIM_JSON_BYTES);
    etsim_sbuf_printf(&j, ",\"n\":4,\"max_tokens\":256,\"temperature\":1,\"top_p\":1,"
                          "\"stop\":[\"\\n\\n\"],\"seed\":%lld,\"logprobs\":1}",
                      (long long)b->sent);
    size_t len;
    char *body = etsim_sbuf_take(&j, &len);
    b->sent++;
    etsim_http_post_owned(b->h, "policy", b->url, body, len, on_done, b);
}

static void on_done(void *ctx, const char *body, size_t len, const etsim_err *failure) {
    bench_state *b = ctx;
    if (failure) {
        if (!b->failed) b->err = *failure;
        b->failed = 1;
        return;
    }
    etsim_live_completion c;
    etsim_err e;
    if (etsim_live_parse_completion(body, len, 4, &c, &e) < 0) {
        b->parse_fail++;
    } else {
        b->n_choices += c.n;
        etsim_live_completion_free(&c);
    }
    b->done++;
}

static char *canned_reply(void) {
    etsim_sbuf j = {0};
    etsim_sbuf_puts(&j, "{\"id\":\"cmpl-bench\",\"object\":\"text_completion\",\"model\":\"bench\",\"choices\":[");
    for (int c = 0; c < 4; c++) {
        if (c) etsim_sbuf_puts(&j, ",");
        etsim_sbuf_printf(&j, "{\"index\":%d,\"text\":\"", c);
        for (int t = 0; t < 60; t++) etsim_sbuf_puts(&j, "tok ");
        etsim_sbuf_puts(&j, "\",\"logprobs\":{\"tokens\":[");
        for (int t = 0; t < 60; t++) etsim_sbuf_puts(&j, t ? ",\"tok \"" : "\"tok \"");
        etsim_sbuf_puts(&j, "],\"token_logprobs\":[");
        for (int t = 0; t < 60; t++) etsim_sbuf_puts(&j, t ? ",-0.25" : "-0.25");
        etsim_sbuf_puts(&j, "]},\"finish_reason\":\"stop\",\"stop_reason\":\"\\n\\n\"}");
    }
    etsim_sbuf_puts(&j, "],\"usage\":{\"prompt_tokens\":400,\"completion_tokens\":240,\"total_tokens\":640}}");
    return etsim_sbuf_take(&j, NULL);
}

static double thread_cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int etsim_live_bench(FILE *report, etsim_err *err) {
    char *reply = canned_reply();
    etsim_loopback_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.reply = reply;
    etsim_loopback *srv = etsim_loopback_start(&lo, err);
    free(reply);
    if (!srv) return -1;
    bench_state b;
    memset(&b, 0, sizeof b);
    etsim_http_opts ho;
    etsim_http_opts_default(&ho);
    ho.max_in_flight = 32;
    b.h = etsim_http_new(&ho);
    size_t n = 64;
    b.url = etsim_malloc(n);
    snprintf(b.url, n, "http://127.0.0.1:%d/v1/completions", etsim_loopback_port(srv));
    b.prompt = etsim_malloc(1601);
    for (int i = 0; i < 1600; i++) b.prompt[i] = "Let x = 3. \"Step\"\n"[i % 18];
    b.prompt[1600] = 0;
    /* Warm up (connections), then measure. */
    for (int i = 0; i < 32; i++) send_one(&b);
    while (b.done < 200 && !b.failed) {
        etsim_http_step(b.h, 100);
        while (!b.failed && b.sent - b.done < 32) send_one(&b);
    }
    int64_t done0 = b.done;
    double t0 = etsim_now_s(), c0 = thread_cpu_s();
    while (!b.failed && etsim_now_s() - t0 < 2.0) {
        etsim_http_step(b.h, 100);
        while (!b.failed && b.sent - b.done < 32) send_one(&b);
    }
    double wall = etsim_now_s() - t0, cpu = thread_cpu_s() - c0;
    int64_t done = b.done - done0;
    while (etsim_http_pending(b.h) > 0 && !b.failed) etsim_http_step(b.h, 100);
    int rc = 0;
    if (b.failed) {
        *err = b.err;
        rc = -1;
    } else if (b.parse_fail) {
        rc = etsim_errf(err, "bench: %lld replies failed to parse", (long long)b.parse_fail);
    } else {
        fprintf(report, "live client: %lld completion requests (n=4, 1.6 KB prompt, 4 x 60 "
                        "tokens with logprobs) in %.2f s against a loopback server\n",
                (long long)done, wall);
        fprintf(report, "live client: %.0f requests/s wall, %.0f requests per CPU-second of "
                        "the client thread (%.1f us each)\n",
                done / wall, cpu > 0 ? done / cpu : 0.0, cpu > 0 ? cpu / done * 1e6 : 0.0);
    }
    etsim_http_free(b.h);
    etsim_loopback_stop(srv);
    free(b.url);
    free(b.prompt);
    return rc;
}
