/* live_job.c -- one expansion job of the live oracle: the requests that
 * make children [k0, want) of one node, and their addition to the tree.
 *
 * How it works. A job first asks the policy for the missing children: one
 * /v1/completions request with n = want - k0 (or n requests of n = 1 with
 * split_n), seeded from (seed, problem, node key, first ordinal asked). A
 * reply with fewer choices than asked is counted and followed by a request
 * for the rest. When every child has its text, the scoring requests go out
 * together: one PRM request per child, /tokenize per child if token counts
 * come from there, and the embeddings in batches. When the last reply is
 * in, the job is done; its children are added to the tree by
 * lv_job_commit, in ordinal order, only then -- so a failed job never
 * leaves half a family in a tree. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "traces/capture/oracle_live.h"
#include "traces/capture/parse.h"
#include "traces/trace.h"

enum { CALL_POLICY, CALL_PRM, CALL_EMBED, CALL_TOKENIZE };

struct lv_call {
    lv_call *prev, *next;  /* L->calls                                     */
    lv_live *L;
    lv_job *job;           /* NULL once orphaned                           */
    int kind;
    int32_t idx, count;    /* kids [idx, idx + count); idx -1: the prompt  */
    char head[160];        /* start of the request, for error messages      */
    size_t req_len;
};

void lv_fail(lv_live *L, const etsim_err *e) {
    if (L->failed) return;
    L->failed = 1;
    L->fail = *e;
}

static uint32_t request_seed(const lv_job *j, int32_t ordinal) {
    etsim_rng r = etsim_rng_make(j->L->cfg.seed, (uint64_t)j->problem, j->node_key,
                                 (uint64_t)ordinal, 0x706f6c696379ULL /* "policy" */);
    return (uint32_t)(etsim_rng_u64(&r) & 0x7fffffffu);
}

lv_job *lv_job_new(lv_live *L, lv_ctx *cx, etsim_tree *t, int32_t node, int32_t want) {
    lv_job *j = etsim_calloc(1, sizeof *j);
    j->L = L;
    j->cx = cx;
    j->t = t;
    j->problem = t->prob.index;
    j->node = node;
    j->k0 = t->nodes[node].n_kids;
    j->want = want;
    j->node_key = t->nodes[node].key;
    j->prompt_tokens = -1;
    int32_t m = want - j->k0;
    j->kids = etsim_calloc((size_t)(m > 0 ? m : 1), sizeof *j->kids);
    for (int32_t i = 0; i < m; i++) j->kids[i].tokens = -1;
    /* Ancestor texts, root excluded, root-first. Copies: the tree's string
     * pool may move while the job is in flight. */
    int depth = t->nodes[node].depth;
    j->steps = etsim_calloc((size_t)depth + 1, sizeof *j->steps);
    j->n_steps = depth;
    for (int32_t v = node, k = depth - 1; v > 0 && k >= 0; v = t->nodes[v].parent, k--) {
        const char *s = etsim_tree_text(t, v);
        j->steps[k] = etsim_strdup(s ? s : "");
    }
    /* The policy prompt, rendered once (follow-up requests reuse it). */
    etsim_sbuf b = {0};
    const etsim_live_config *c = &L->cfg;
    const char *q = t->prob.question ? t->prob.question : "";
    etsim_sbuf_json_template(&b, c->prompt_template, "{question}", q, ETSIM_JSON_BYTES);
    for (int k = 0; k < j->n_steps; k++)
        etsim_sbuf_json_template(&b, c->step_template, "{step}", j->steps[k], ETSIM_JSON_BYTES);
    j->prompt = etsim_sbuf_take(&b, &j->prompt_len);
    return j;
}

void lv_job_free(lv_job *j) {
    if (!j) return;
    int32_t m = j->want - j->k0;
    for (int32_t i = 0; i < m; i++) {
        free(j->kids[i].text);
        free(j->kids[i].stop_str);
        free(j->kids[i].emb);
    }
    free(j->kids);
    for (int k = 0; k < j->n_steps; k++) free(j->steps[k]);
    free(j->steps);
    free(j->prompt);
    free(j);
}

void lv_job_orphan(lv_job *j) {
    for (lv_call *c = j->L->calls; c; c = c->next)
        if (c->job == j) c->job = NULL;
}

static void count_request(lv_job *j, int kind) {
    etsim_live_counts *a = &j->L->counts, *b = j->cx ? &j->cx->counts : NULL;
    for (int i = 0; i < 2; i++) {
        etsim_live_counts *c = i ? b : a;
        if (!c) continue;
        if (kind == CALL_POLICY) c->policy_requests++;
        else if (kind == CALL_PRM) c->prm_requests++;
        else if (kind == CALL_EMBED) c->embed_requests++;
        else c->tokenize_requests++;
    }
}

static void on_reply(void *ctx, const char *body, size_t len, const etsim_err *failure);

static void send(lv_job *j, int kind, int32_t idx, int32_t count, const char *url, char *body,
                 size_t len) {
    lv_live *L = j->L;
    lv_call *c = etsim_calloc(1, sizeof *c);
    c->job = j;
    c->L = L;
    c->kind = kind;
    c->idx = idx;
    c->count = count;
    c->req_len = len;
    snprintf(c->head, sizeof c->head, "%.*s", (int)(len < sizeof c->head - 1 ? len : sizeof c->head - 1), body);
    c->next = L->calls;
    if (L->calls) L->calls->prev = c;
    L->calls = c;
    j->outstanding++;
    count_request(j, kind);
    static const char *const labels[] = {"policy", "prm", "embedder", "tokenizer"};
    etsim_http_post_owned(L->http, labels[kind], url, body, len, on_reply, c);
}

static void send_policy(lv_job *j, int32_t idx, int32_t count) {
    const etsim_live_config *c = &j->L->cfg;
    etsim_sbuf b = {0};
    etsim_sbuf_puts(&b, "{\"model\":");
    etsim_sbuf_json_string_mode(&b, j->L->policy_model, ETSIM_JSON_BYTES);
    etsim_sbuf_puts(&b, ",\"prompt\":\"");
    etsim_sbuf_put(&b, j->prompt, j->prompt_len);
    etsim_sbuf_printf(&b, "\",\"n\":%d,\"max_tokens\":%d,", (int)count, (int)c->max_step_tokens);
    char num[32];
    etsim_fmt_double(num, c->temperature);
    etsim_sbuf_printf(&b, "\"temperature\":%s,", num);
    etsim_fmt_double(num, c->top_p);
    etsim_sbuf_printf(&b, "\"top_p\":%s,\"stop\":[", num);
    for (int i = 0; i < c->n_stop; i++) {
        if (i) etsim_sbuf_puts(&b, ",");
        etsim_sbuf_json_string_mode(&b, c->stop[i], ETSIM_JSON_BYTES);
    }
    etsim_sbuf_puts(&b, "]");
    if (c->send_seed)
        etsim_sbuf_printf(&b, ",\"seed\":%u", (unsigned)request_seed(j, j->k0 + idx));
    /* Logprobs also for llama.cpp (how an EOS is told from a stop word)
     * and for n > 1 (the evidence that identical siblings were not drawn
     * independently, identical_siblings). */
    if (c->token_count == ETSIM_TOKENS_LOGPROBS || c->policy_server == ETSIM_SRV_LLAMACPP ||
        count > 1)
        etsim_sbuf_puts(&b, ",\"logprobs\":1");
    if (c->policy_extra && strlen(c->policy_extra) > 2) {
        etsim_sbuf_puts(&b, ",");
        etsim_sbuf_put(&b, c->policy_extra + 1, strlen(c->policy_extra) - 2);
    }
    etsim_sbuf_puts(&b, "}");
    size_t len;
    char *body = etsim_sbuf_take(&b, &len);
    send(j, CALL_POLICY, idx, count, j->L->completions_url, body, len);
}

void lv_job_start(lv_job *j) {
    int32_t m = j->want - j->k0;
    j->stage = LV_POLICY;
    if (m <= 0) {
        j->stage = LV_DONE;
        if (j->cx) j->cx->jobs_left--;
        return;
    }
    if (j->L->cfg.split_n)
        for (int32_t i = 0; i < m; i++) send_policy(j, i, 1);
    else
        send_policy(j, 0, m);
}

static void send_scoring(lv_job *j) {
    lv_live *L = j->L;
    const etsim_live_config *c = &L->cfg;
    int32_t m = j->want - j->k0;
    j->stage = LV_SCORING;
    const char **steps = etsim_calloc((size_t)j->n_steps + 1, sizeof *steps);
    for (int k = 0; k < j->n_steps; k++) steps[k] = j->steps[k];
    for (int32_t i = 0; i < m; i++) {
        steps[j->n_steps] = j->kids[i].text;
        size_t len;
        char *body = L->prm->request(c, L->prm_model, j->t->prob.question ? j->t->prob.question : "",
                                     steps, j->n_steps + 1, &len);
        send(j, CALL_PRM, i, 1, L->prm_endpoint, body, len);
    }
    free(steps);
    if (c->token_count == ETSIM_TOKENS_TOKENIZE) {
        /* llama.cpp's /tokenize reads "content" (and "add_special"),
         * vLLM's and SGLang's read "prompt" (and "add_special_tokens"). */
        int lcpp = c->policy_server == ETSIM_SRV_LLAMACPP;
        for (int32_t i = 0; i < m; i++) {
            /* The child's generated tokens: its text and the stop string
             * that ended it (an EOS adds one token, on_tokenize). */
            const lv_kid *k = &j->kids[i];
            etsim_sbuf b = {0};
            etsim_sbuf_puts(&b, "{\"model\":");
            etsim_sbuf_json_string_mode(&b, L->policy_model, ETSIM_JSON_BYTES);
            etsim_sbuf_puts(&b, lcpp ? ",\"content\":\"" : ",\"prompt\":\"");
            etsim_sbuf_json_escape(&b, k->text, strlen(k->text), ETSIM_JSON_BYTES);
            if (k->stop_str) etsim_sbuf_json_escape(&b, k->stop_str, strlen(k->stop_str), ETSIM_JSON_BYTES);
            /* llama.cpp parses special-token spellings by default
             * (parse_special true), but generation renders a generated
             * special token as "" (common_token_to_piece without special),
             * so a step text that spells one ("<|im_end|>") was generated
             * as ordinary pieces and is counted so. The prompt keeps the
             * default: the completion endpoint tokenizes it with
             * parse_special (tokenize_input_prompts(..., true, true)). */
            etsim_sbuf_puts(&b, lcpp ? "\",\"add_special\":false,\"parse_special\":false}"
                                   : "\",\"add_special_tokens\":false}");
            size_t len;
            char *body = etsim_sbuf_take(&b, &len);
            send(j, CALL_TOKENIZE, i, 1, c->tokenize_url, body, len);
        }
        if (j->node == 0 && j->prompt_tokens < 0) {
            etsim_sbuf b = {0};
            etsim_sbuf_puts(&b, "{\"model\":");
            etsim_sbuf_json_string_mode(&b, L->policy_model, ETSIM_JSON_BYTES);
            etsim_sbuf_puts(&b, lcpp ? ",\"content\":\"" : ",\"prompt\":\"");
            etsim_sbuf_put(&b, j->prompt, j->prompt_len);
            etsim_sbuf_puts(&b, lcpp ? "\",\"add_special\":true}" : "\"}");
            size_t len;
            char *body = etsim_sbuf_take(&b, &len);
            send(j, CALL_TOKENIZE, -1, 1, c->tokenize_url, body, len);
        }
    }
    if (L->embed_endpoint) {
        for (int32_t i = 0; i < m; i += c->embed_batch) {
            int32_t n = m - i < c->embed_batch ? m - i : c->embed_batch;
            etsim_sbuf b = {0};
            etsim_sbuf_puts(&b, "{\"model\":");
            etsim_sbuf_json_string_mode(&b, L->embed_model, ETSIM_JSON_BYTES);
            etsim_sbuf_puts(&b, ",\"encoding_format\":\"float\",\"input\":[");
            for (int32_t k = 0; k < n; k++) {
                if (k) etsim_sbuf_puts(&b, ",");
                etsim_sbuf_json_string_mode(&b, j->kids[i + k].text, ETSIM_JSON_BYTES);
            }
            etsim_sbuf_puts(&b, "]}");
            size_t len;
            char *body = etsim_sbuf_take(&b, &len);
            send(j, CALL_EMBED, i, n, L->embed_endpoint, body, len);
        }
    }
}

static void job_progress(lv_job *j) {
    if (j->outstanding > 0 || j->L->failed) return;
    int32_t m = j->want - j->k0;
    if (j->stage == LV_POLICY) {
        int32_t got = 0;
        while (got < m && j->kids[got].has_text) got++;
        if (got < m) { /* short reply: ask for the rest */
            if (j->L->cfg.split_n) {
                for (int32_t i = got; i < m; i++)
                    if (!j->kids[i].has_text) send_policy(j, i, 1);
            } else {
                send_policy(j, got, m - got);
            }
            return;
        }
        send_scoring(j);
        if (j->outstanding > 0) return;
    }
    j->stage = LV_DONE;
    if (j->cx) j->cx->jobs_left--;
}

/* "<label> <url>: <what>; request '...'; reply '...'" */
static void reply_error(lv_job *j, const lv_call *c, const char *what, const char *body,
                        size_t len) {
    static const char *const labels[] = {"policy", "prm", "embedder", "tokenizer"};
    const char *url = c->kind == CALL_POLICY ? j->L->completions_url
                      : c->kind == CALL_PRM  ? j->L->prm_endpoint
                      : c->kind == CALL_EMBED ? j->L->embed_endpoint
                                              : j->L->cfg.tokenize_url;
    char req[200] = "", rep[240] = "";
    etsim_http_excerpt(req, sizeof req, c->head, strlen(c->head), 140);
    etsim_http_excerpt(rep, sizeof rep, body, len, 180);
    etsim_err e;
    etsim_errf(&e, "%s %s: problem %d node %d: %s; request '%s'; reply '%s'", labels[c->kind],
               url ? url : "", j->problem, j->node, what, req, rep);
    lv_fail(j->L, &e);
}

/* Children of one request that are all the same text at temperature > 0
 * were not sampled independently (SGLang gives every copy of an n > 1
 * request one seed): an error when the server's own logprobs say that n
 * independent draws of that text would coincide with probability below
 * 1e-6. More likely coincidences are legitimate (a likely final step),
 * and a reply without logprobs gives no evidence: both are only counted
 * (duplicate_siblings). */
/* llama.cpp releases that ignore the request's "logprobs" on
 * /v1/completions (from PR #10783, which gave the reply its OpenAI form
 * with "logprobs": null by default, until PR #11344 read "logprobs" into
 * n_probs; server-task.cpp to_json_oaicompat) answer every step with
 * logprobs null, and without entries every "stop" would read as a stop
 * word: no EOS ever detected, silently. A current server writes null only
 * when it kept no entry: the stop word's cut removes as many entries as
 * the stop word tokenizes to alone (at most its byte length), and a token
 * that ends inside a UTF-8 character has no entry but is followed by one
 * that completes it (at most 3 such before each), so null with more than
 * 4 * (longest stop in bytes) + 3 tokens (3 for "length": nothing is cut)
 * cannot come from a server that honours "logprobs". A missing key is
 * refused at once: every llama.cpp release with this reply form writes it.
 * Returns 1 and fills what when the reply is refused. */
static int lcpp_logprobs_ignored(const etsim_live_config *c, const etsim_live_completion *r,
                                 char *what, size_t cap) {
    if (c->policy_server != ETSIM_SRV_LLAMACPP) return 0;
    size_t stop_bytes = 0;
    for (int i = 0; i < c->n_stop; i++)
        if (strlen(c->stop[i]) > stop_bytes) stop_bytes = strlen(c->stop[i]);
    for (int32_t i = 0; i < r->n; i++) {
        const etsim_live_choice *ch = &r->choices[i];
        if (ch->logprobs_state == ETSIM_LP_OBJECT) continue;
        int64_t bound = 3 + (ch->finish == ETSIM_FINISH_LENGTH ? 0 : 4 * (int64_t)stop_bytes);
        if (ch->logprobs_state == ETSIM_LP_NULL && (r->completion_tokens < 0 ||
                                                   r->completion_tokens <= bound))
            continue;
        snprintf(what, cap, "choice %d: logprobs %s for %d generated tokens although the request "
                            "asked for them: this llama.cpp release ignores \"logprobs\" on "
                            "/v1/completions (PR #10783 until PR #11344), so an EOS cannot be told "
                            "from a stop word; upgrade llama-server, or add \"n_probs\": 1 to "
                            "policy_extra",
                 (int)i, ch->logprobs_state == ETSIM_LP_NULL ? "null" : "missing",
                 (int)r->completion_tokens);
        return 1;
    }
    return 0;
}

static int identical_siblings(const etsim_live_config *c, const etsim_live_completion *r,
                              char *what, size_t n) {
    if (r->n < 2 || !(c->temperature > 0)) return 0;
    for (int32_t i = 1; i < r->n; i++)
        if (strcmp(r->choices[i].text, r->choices[0].text)) return 0;
    double lp = r->choices[0].logprob_sum;
    if (!(isfinite(lp) && (r->n - 1) * lp < log(1e-6))) return 0;
    snprintf(what, n, "all %d children of one request are the same text at temperature %g "
                      "(they were not sampled independently: SGLang seeds every copy alike); "
                      "set \"split_n\": true", (int)r->n, c->temperature);
    return 1;
}

static void on_policy(lv_job *j, lv_call *c, const char *body, size_t len) {
    etsim_live_completion r;
    etsim_err e;
    if (etsim_live_parse_completion(body, len, c->count, &r, &e) < 0) {
        char what[240];
        snprintf(what, sizeof what, "malformed reply: %.200s", e.msg);
        reply_error(j, c, what, body, len);
        return;
    }
    if (r.n == 0) {
        char what[96];
        snprintf(what, sizeof what, "no choices for n=%d", (int)c->count);
        reply_error(j, c, what, body, len);
        etsim_live_completion_free(&r);
        return;
    }
    if (r.n < c->count) {
        j->L->counts.short_replies++;
        if (j->cx) j->cx->counts.short_replies++;
    }
    if (j->prompt_tokens < 0 && r.prompt_tokens >= 0) j->prompt_tokens = r.prompt_tokens;
    const etsim_live_config *cfg = &j->L->cfg;
    char what[320];
    /* A step that ended otherwise than by a stop string, EOS or the token
     * limit is no step: SGLang answers a gracefully aborted request with
     * HTTP 200, finish_reason "abort" and the text so far
     * (serving_completions.py); vLLM has "abort", "error" and
     * "repetition". Recording it would put a truncated text in the tree. */
    for (int32_t i = 0; i < r.n; i++)
        if (r.choices[i].finish == ETSIM_FINISH_OTHER) {
            snprintf(what, sizeof what, "choice %d: finish_reason '%s' is none of stop, length: "
                                        "the server did not finish the step (aborted or failed), "
                                        "so its text is no whole step",
                     (int)i, r.choices[i].finish_name[0] ? r.choices[i].finish_name : "(none)");
            reply_error(j, c, what, body, len);
            etsim_live_completion_free(&r);
            return;
        }
    if (lcpp_logprobs_ignored(cfg, &r, what, sizeof what) ||
        identical_siblings(cfg, &r, what, sizeof what)) {
        reply_error(j, c, what, body, len);
        etsim_live_completion_free(&r);
        return;
    }
    for (int32_t i = 0; i < r.n; i++) {
        lv_kid *k = &j->kids[c->idx + i];
        etsim_live_choice *ch = &r.choices[i];
        for (int32_t q = 0; q < i; q++)
            if (!strcmp(j->kids[c->idx + q].text, ch->text)) {
                j->duplicates++;
                break;
            }
        k->text = ch->text;
        ch->text = NULL;
        k->stop_str = ch->stop_str;
        ch->stop_str = NULL;
        k->has_text = 1;
        k->finish = ch->finish;
        k->invalid_utf8 = ch->invalid_utf8;
        /* A child's token count is the number of tokens the server
         * generated for it, the token that completed a stop string and an
         * EOS included (see CAPTURE.md, "Token counts"). */
        int lcpp = cfg->policy_server == ETSIM_SRV_LLAMACPP;
        if (cfg->token_count == ETSIM_TOKENS_USAGE ||
            (cfg->token_count == ETSIM_TOKENS_LOGPROBS && lcpp)) {
            /* llama.cpp cuts a stop word's tokens from logprobs.content;
             * usage counts them, and is per child since n = 1. */
            if (r.completion_tokens < 0 || (lcpp && r.n != 1)) {
                reply_error(j, c, lcpp ? "no usage.completion_tokens for a one-child request "
                                         "(llama.cpp's count of a child's tokens)"
                                       : "no usage.completion_tokens (token_count \"usage\" needs it)",
                            body, len);
                etsim_live_completion_free(&r);
                return;
            }
            k->tokens = r.completion_tokens;
        } else if (cfg->token_count == ETSIM_TOKENS_LOGPROBS) {
            if (ch->tokens < 0) {
                reply_error(j, c, "choice without logprobs.tokens (token_count \"logprobs\" needs them)",
                            body, len);
                etsim_live_completion_free(&r);
                return;
            }
            k->tokens = ch->tokens;
        } else if (ch->finish == ETSIM_FINISH_STOP && !k->stop_str) {
            /* token_count "tokenize": the stop string is tokenized with the
             * text; with one stop string it is known without being named. */
            if (cfg->n_stop != 1) {
                reply_error(j, c, "the reply does not name the stop string that ended the step, "
                                  "and token_count \"tokenize\" with several stop strings needs it; "
                                  "use token_count \"usage\"", body, len);
                etsim_live_completion_free(&r);
                return;
            }
            k->stop_str = etsim_strdup(cfg->stop[0]);
        }
    }
    etsim_live_completion_free(&r);
}

static void on_prm(lv_job *j, lv_call *c, const char *body, size_t len) {
    etsim_err e;
    double s = NAN;
    etsim_live_counts dummy;
    memset(&dummy, 0, sizeof dummy);
    int rc = j->L->prm->score(&j->L->cfg, body, len, &s, &dummy, &j->L->prm_seen, &e);
    if (rc < 0) {
        char what[480];
        snprintf(what, sizeof what, "%s%.440s", rc == ETSIM_PRM_REFUSED ? "" : "malformed reply: ", e.msg);
        reply_error(j, c, what, body, len);
        return;
    }
    j->L->counts.prm_label_clipped += dummy.prm_label_clipped;
    if (j->cx) j->cx->counts.prm_label_clipped += dummy.prm_label_clipped;
    lv_kid *k = &j->kids[c->idx];
    k->has_score = rc == 1 && isfinite(s);
    k->score = s;
}

static void on_embed(lv_job *j, lv_call *c, const char *body, size_t len) {
    etsim_err e;
    int32_t dim = j->L->emb_dim;
    float *v = NULL;
    if (etsim_live_parse_embeddings(body, len, c->count, &dim, &v, &e) < 0) {
        char what[240];
        snprintf(what, sizeof what, "malformed reply: %.200s", e.msg);
        reply_error(j, c, what, body, len);
        return;
    }
    /* Round through the trace's encoding now, so that the live decisions
     * see exactly the values an offline replay will read back. */
    size_t rb = etsim_trace_emb_row_bytes(j->L->emb_enc, dim);
    unsigned char *enc = etsim_malloc(rb ? rb : 1);
    for (int32_t i = 0; i < c->count; i++) {
        float *row = etsim_malloc((size_t)dim * sizeof *row);
        etsim_trace_emb_encode(j->L->emb_enc, v + (size_t)i * (size_t)dim, 1, dim, enc);
        etsim_trace_emb_decode(j->L->emb_enc, enc, 1, dim, row);
        free(j->kids[c->idx + i].emb);
        j->kids[c->idx + i].emb = row;
    }
    free(enc);
    free(v);
}

static void on_tokenize(lv_job *j, lv_call *c, const char *body, size_t len) {
    etsim_err e;
    int32_t n;
    if (etsim_live_parse_tokenize(body, len, &n, &e) < 0) {
        char what[240];
        snprintf(what, sizeof what, "malformed reply: %.200s", e.msg);
        reply_error(j, c, what, body, len);
        return;
    }
    if (c->idx < 0) {
        j->prompt_tokens = n;
        return;
    }
    lv_kid *k = &j->kids[c->idx];
    if (n == 0 && (k->text[0] || k->stop_str)) {
        reply_error(j, c, "0 tokens for a non-empty text (does the endpoint read another field? "
                          "llama.cpp's /tokenize reads \"content\": set policy_server)", body, len);
        return;
    }
    k->tokens = n + (k->finish == ETSIM_FINISH_EOS); /* the EOS token is generated too */
}

static void on_reply(void *ctx, const char *body, size_t len, const etsim_err *failure) {
    lv_call *c = ctx;
    lv_live *L = c->L;
    lv_job *j = c->job;
    if (c->prev) c->prev->next = c->next;
    else L->calls = c->next;
    if (c->next) c->next->prev = c->prev;
    if (j) { /* an orphaned call's job is gone: its reply is dropped */
        j->outstanding--;
        if (failure) {
            etsim_err e = *failure;
            etsim_err_prefix(&e, "problem %d node %d", j->problem, j->node);
            lv_fail(L, &e);
        } else if (!L->failed) {
            switch (c->kind) {
            case CALL_POLICY: on_policy(j, c, body, len); break;
            case CALL_PRM: on_prm(j, c, body, len); break;
            case CALL_EMBED: on_embed(j, c, body, len); break;
            default: on_tokenize(j, c, body, len); break;
            }
        }
        job_progress(j);
    }
    free(c);
}

/* Free the records of calls whose requests were cancelled (the HTTP client
 * was freed first, so no callback can run any more). */
void lv_calls_free(lv_live *L) {
    lv_call *c = L->calls;
    while (c) {
        lv_call *n = c->next;
        free(c);
        c = n;
    }
    L->calls = NULL;
}

static int has_marker(const etsim_live_config *c, const char *text) {
    for (int i = 0; i < c->n_markers; i++)
        if (c->answer_markers[i][0] && strstr(text, c->answer_markers[i])) return 1;
    return 0;
}

char *lv_extract_answer(const etsim_live_config *c, const char *text) {
    const char *b = NULL, *p = text;
    while ((p = strstr(p, "\\boxed{"))) b = p++;
    if (b) {
        const char *s = b + 7;
        int depth = 1;
        const char *e = s;
        for (; *e && depth > 0; e++) {
            if (*e == '{') depth++;
            else if (*e == '}') depth--;
        }
        if (depth == 0) {
            size_t n = (size_t)(e - 1 - s);
            char *a = etsim_malloc(n + 1);
            memcpy(a, s, n);
            a[n] = 0;
            return a;
        }
    }
    const char *best = NULL;
    size_t best_len = 0;
    for (int i = 0; i < c->n_markers; i++) {
        const char *m = c->answer_markers[i];
        if (!m[0]) continue;
        for (const char *q = strstr(text, m); q; q = strstr(q + 1, m))
            if (!best || q + strlen(m) > best + best_len) {
                best = q;
                best_len = strlen(m);
            }
    }
    if (!best) return NULL;
    const char *s = best + best_len;
    while (*s == ' ' || *s == ':' || *s == '\t' || *s == '$') s++;
    const char *e = s + strlen(s);
    while (e > s && strchr(" \t\r\n.$", e[-1])) e--;
    if (e == s) return NULL;
    char *a = etsim_malloc((size_t)(e - s) + 1);
    memcpy(a, s, (size_t)(e - s));
    a[e - s] = 0;
    return a;
}

int lv_job_commit(lv_job *j, etsim_err *err) {
    etsim_tree *t = j->t;
    const etsim_live_config *c = &j->L->cfg;
    int32_t m = j->want - j->k0;
    if (m <= 0) return 0;
    if (j->node == 0 && t->nodes[0].n_kids == 0 && t->prob.prompt_tokens == 0) {
        if (j->prompt_tokens < 0)
            return etsim_errf(err, "problem %d: the policy's reply has no usage.prompt_tokens "
                              "(the root's token count); set token_count \"tokenize\"", j->problem);
        t->nodes[0].step_tokens = j->prompt_tokens;
        t->nodes[0].cum_tokens = j->prompt_tokens;
        t->prob.prompt_tokens = j->prompt_tokens;
    }
    if (t->nodes[j->node].n_kids != j->k0)
        return etsim_errf(err, "problem %d node %d: children changed while a request was in flight",
                          j->problem, j->node);
    etsim_live_counts add;
    memset(&add, 0, sizeof add);
    for (int32_t i = 0; i < m; i++) {
        lv_kid *k = &j->kids[i];
        if (k->tokens < 0)
            return etsim_errf(err, "problem %d node %d child %d: no token count", j->problem,
                              j->node, j->k0 + i);
        int32_t id = etsim_tree_add_child(t, j->node, k->tokens);
        etsim_tree_set_text(t, id, k->text);
        etsim_node *nd = &t->nodes[id];
        if (k->finish == ETSIM_FINISH_LENGTH) {
            nd->flags |= ETSIM_NODE_MAXLEN;
            add.maxlen++;
        }
        if (k->finish == ETSIM_FINISH_EOS) add.eos++;
        if (has_marker(c, k->text) || (c->eos_is_leaf && k->finish == ETSIM_FINISH_EOS)) {
            t->nodes[id].flags |= ETSIM_NODE_LEAF;
            char *a = lv_extract_answer(c, k->text);
            if (a) etsim_tree_set_answer(t, id, a);
            free(a);
        }
        if (k->has_score) etsim_tree_set_score(t, id, (float)k->score);
        else add.prm_no_score++;
        if (k->emb && t->emb_dim > 0) etsim_tree_set_embedding(t, id, k->emb);
        add.invalid_utf8 += k->invalid_utf8;
        add.children++;
        add.tokens += k->tokens;
    }
    add.duplicate_siblings = j->duplicates;
    etsim_live_counts_add(&j->L->counts, &add);
    if (j->cx) etsim_live_counts_add(&j->cx->counts, &add);
    return 0;
}
