/* parse.c -- server reply parsers (see parse.h). Built on cJSON; every
 * access checks presence and type, and every count is bounded before it
 * sizes an allocation. */
#include "traces/capture/parse.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHOICES 65536
#define MAX_EMB_DIM 65536

static cJSON *parse_json(const char *body, size_t len, etsim_err *err) {
    if (!body || len == 0) {
        etsim_errf(err, "empty reply");
        return NULL;
    }
    cJSON *j = cJSON_ParseWithLength(body, len);
    if (!j) {
        const char *at = cJSON_GetErrorPtr();
        long off = at && at >= body && at <= body + len ? (long)(at - body) : -1;
        etsim_errf(err, "reply is not valid JSON (near byte %ld)", off);
        return NULL;
    }
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        etsim_errf(err, "reply is not a JSON object");
        return NULL;
    }
    return j;
}

/* cJSON ends a string at an escaped NUL ("\u0000"), silently cutting the
 * text there; every server escapes a generated NUL byte that way (Python's
 * json and pydantic, orjson, nlohmann). A copy of the body with each such
 * escape turned into "\ufffd" (as long) is parsed instead, and the
 * repairs are counted like invalid UTF-8. NULL: none found. */
static char *nul_escapes(const char *body, size_t len, int32_t *count) {
    char *copy = NULL;
    *count = 0;
    for (const char *p = body, *end = body + len; (p = memchr(p, '\\', (size_t)(end - p)));) {
        if (end - p >= 6 && !memcmp(p, "\\u0000", 6)) {
            if (!copy) {
                copy = etsim_malloc(len + 1);
                memcpy(copy, body, len);
                copy[len] = 0;
            }
            memcpy(copy + (p - body), "\\ufffd", 6);
            (*count)++;
            p += 6;
        } else {
            p += p + 1 < end ? 2 : 1; /* skip the escaped character */
        }
    }
    return copy;
}

/* An "error" member means the server refused even though it said 200;
 * so does vLLM's older ErrorResponse, {"object": "error", "message", ...}
 * at the top level (entrypoints/openai/protocol.py). */
static int check_error_member(const cJSON *j, etsim_err *err) {
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, "object");
    if (cJSON_IsString(o) && !strcmp(o->valuestring, "error")) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
        return etsim_errf(err, "server reported an error: %s",
                          cJSON_IsString(m) ? m->valuestring : "(no message)");
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
    if (!e || cJSON_IsNull(e)) return 0;
    const cJSON *m = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "message") : e;
    return etsim_errf(err, "server reported an error: %s",
                      cJSON_IsString(m) ? m->valuestring : "(no message)");
}

static int utf8_seq_len(const unsigned char *p, size_t left) {
    unsigned c = p[0];
    int n;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, min = 0x10000;
    else return 0;
    if ((size_t)n > left) return 0;
    unsigned cp = c & (0xFF >> (n + 1));
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

char *etsim_live_utf8_repair(const char *s, size_t len, int32_t *bad) {
    const unsigned char *p = (const unsigned char *)s;
    size_t cap = len * 3 + 1, o = 0;
    char *out = etsim_malloc(cap);
    int32_t nbad = 0;
    for (size_t i = 0; i < len;) {
        int n = utf8_seq_len(p + i, len - i);
        if (n == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            nbad++;
            i++;
        } else {
            memcpy(out + o, p + i, (size_t)n);
            o += (size_t)n;
            i += (size_t)n;
        }
    }
    out[o] = 0;
    if (bad) *bad = nbad;
    return out;
}

static const cJSON *get(const cJSON *o, const char *key) {
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

static int32_t get_count(const cJSON *o, const char *key) {
    const cJSON *v = get(o, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 2147483647.0)
        return -1;
    return (int32_t)v->valuedouble;
}

void etsim_live_completion_free(etsim_live_completion *c) {
    for (int32_t i = 0; i < c->n; i++) {
        free(c->choices[i].text);
        free(c->choices[i].stop_str);
    }
    free(c->choices);
    memset(c, 0, sizeof *c);
}

static int finish_code(const cJSON *ch) {
    const cJSON *fr = get(ch, "finish_reason");
    if (!cJSON_IsString(fr)) return ETSIM_FINISH_OTHER;
    if (!strcmp(fr->valuestring, "length")) return ETSIM_FINISH_LENGTH;
    if (strcmp(fr->valuestring, "stop") && strcmp(fr->valuestring, "eos"))
        return ETSIM_FINISH_OTHER;
    if (!strcmp(fr->valuestring, "eos")) return ETSIM_FINISH_EOS;
    /* vLLM: stop_reason null = end of sequence, else the stop string or a
     * stop token id. A number is an end-of-sequence token too: vLLM adds
     * the generation config's other eos_token_ids to stop_token_ids
     * (sampling_params.py update_from_generation_config), and check_stop
     * (v1/core/sched/utils.py) reports them as stop_reason = the id --
     * Llama 3.x ends with 128001/128008 that way, Qwen2.5 with 151643.
     * SGLang: matched_stop is the string, or the EOS token id (a number). */
    const cJSON *sr = get(ch, "stop_reason");
    if (sr && (cJSON_IsNull(sr) || cJSON_IsNumber(sr))) return ETSIM_FINISH_EOS;
    const cJSON *ms = get(ch, "matched_stop");
    if (ms && cJSON_IsNumber(ms)) return ETSIM_FINISH_EOS;
    /* llama.cpp says "stop" for EOS and for a stop word alike: see
     * lcpp_finish, which needs the reply's usage. */
    return ETSIM_FINISH_STOP;
}

/* llama.cpp's "stop": an EOS or a stop word (tools/server/server-context.cpp
 * process_token, send_final_response; server-task.cpp probs_vector_to_json).
 * Each logprobs.content entry's "token" is the text that token released:
 * "" while a partial stop-word match is held back, the held-back text
 * plus "" for the end-of-generation token; a token ending inside a UTF-8
 * character gets no entry; a stop word's tokens (as many as the stop word
 * tokenizes to alone) are cut from the end. So, for a one-child reply
 * with usage.completion_tokens = ct:
 *  - as many entries as ct: nothing was cut, so no stop word: EOS (this
 *    also catches an EOS whose entry released a held-back "\n");
 *  - fewer entries, and their texts do not add up to the choice's text:
 *    text was cut with the stop word's tokens: a stop word;
 *  - otherwise (an EOS after a split UTF-8 character, or a stop word whose
 *    cut tokens released nothing) the last entry decides: a token whose
 *    own piece is shown non-empty anywhere in the reply (its own top list,
 *    another entry, another entry's top list: pieces are rendered without
 *    special tokens, populate_token_probs, so an end-of-generation token
 *    never shows a non-empty piece) is no end-of-generation token; an
 *    entry rendering as "" whose id is shown nowhere with a piece is one.
 *    Residual: a held-back token sampled from outside every top list of
 *    the reply (its id never shown with its piece) is read as EOS; the
 *    reply holds nothing else that names its piece (README.md, "Checked
 *    against"). */
static int id_has_piece(const cJSON *e, double id) {
    const cJSON *eid = get(e, "id"), *et = get(e, "token");
    return cJSON_IsNumber(eid) && eid->valuedouble == id && cJSON_IsString(et) && et->valuestring[0];
}

static int lcpp_finish(const cJSON *ch, int32_t ct) {
    const cJSON *content = get(get(ch, "logprobs"), "content");
    int n = cJSON_IsArray(content) ? cJSON_GetArraySize(content) : 0;
    if (n == 0) return ETSIM_FINISH_STOP;
    if (ct >= 0 && n == ct) return ETSIM_FINISH_EOS;
    const cJSON *text = get(ch, "text");
    if (cJSON_IsString(text)) {
        const char *t = text->valuestring;
        size_t off = 0, tl = strlen(t);
        int same = 1;
        const cJSON *e;
        cJSON_ArrayForEach(e, content) {
            const cJSON *tok = get(e, "token");
            size_t k = cJSON_IsString(tok) ? strlen(tok->valuestring) : 0;
            if (!cJSON_IsString(tok) || off + k > tl || memcmp(t + off, tok->valuestring, k)) {
                same = 0;
                break;
            }
            off += k;
        }
        if (!same || off != tl) return ETSIM_FINISH_STOP;
    }
    const cJSON *last = cJSON_GetArrayItem(content, n - 1);
    const cJSON *t = get(last, "token"), *id = get(last, "id");
    if (!cJSON_IsString(t) || t->valuestring[0]) return ETSIM_FINISH_STOP;
    if (!cJSON_IsNumber(id)) return ETSIM_FINISH_EOS;
    const cJSON *e, *alt;
    cJSON_ArrayForEach(e, content) {
        if (id_has_piece(e, id->valuedouble)) return ETSIM_FINISH_STOP; /* a held-back ordinary token */
        cJSON_ArrayForEach(alt, get(e, "top_logprobs"))
            if (id_has_piece(alt, id->valuedouble)) return ETSIM_FINISH_STOP;
    }
    return ETSIM_FINISH_EOS;
}

/* The stop string a choice names: vLLM's stop_reason, SGLang's matched_stop. */
static char *stop_string(const cJSON *ch) {
    const cJSON *sr = get(ch, "stop_reason");
    if (!cJSON_IsString(sr)) sr = get(ch, "matched_stop");
    return cJSON_IsString(sr) ? etsim_strdup(sr->valuestring) : NULL;
}

int etsim_live_parse_completion(const char *body, size_t len, int32_t max_choices,
                                etsim_live_completion *out, etsim_err *err) {
    memset(out, 0, sizeof *out);
    int32_t nuls = 0;
    char *fixed = body ? nul_escapes(body, len, &nuls) : NULL;
    cJSON *j = parse_json(fixed ? fixed : body, len, err);
    free(fixed);
    if (!j) return -1;
    if (check_error_member(j, err) < 0) goto err;
    const cJSON *choices = get(j, "choices");
    if (!cJSON_IsArray(choices)) {
        etsim_errf(err, "field choices: missing or not an array");
        goto err;
    }
    int n = cJSON_GetArraySize(choices);
    if (max_choices > MAX_CHOICES) max_choices = MAX_CHOICES;
    if (n > max_choices) {
        etsim_errf(err, "field choices: %d choices, at most %d were asked for", n, max_choices);
        goto err;
    }
    out->choices = etsim_calloc((size_t)(n ? n : 1), sizeof *out->choices);
    out->n = n;
    int k = 0;
    const cJSON *ch;
    cJSON_ArrayForEach(ch, choices) {
        const cJSON *idx = get(ch, "index");
        int at = k;
        if (idx) {
            if (!cJSON_IsNumber(idx) || idx->valuedouble < 0 || idx->valuedouble >= n ||
                idx->valuedouble != floor(idx->valuedouble)) {
                etsim_errf(err, "choices[%d]: field index: not an integer in [0, %d)", k, n);
                goto err;
            }
            at = (int)idx->valuedouble;
        }
        etsim_live_choice *c = &out->choices[at];
        if (c->text) {
            etsim_errf(err, "choices[%d]: field index: %d appears twice", k, at);
            goto err;
        }
        const cJSON *text = get(ch, "text");
        if (!cJSON_IsString(text)) {
            etsim_errf(err, "choices[%d]: field text: missing or not a string", k);
            goto err;
        }
        c->text = etsim_live_utf8_repair(text->valuestring, strlen(text->valuestring),
                                         &c->invalid_utf8);
        c->finish = finish_code(ch);
        const cJSON *fr = get(ch, "finish_reason");
        if (cJSON_IsString(fr))
            snprintf(c->finish_name, sizeof c->finish_name, "%s", fr->valuestring);
        if (c->finish == ETSIM_FINISH_STOP) c->stop_str = stop_string(ch);
        c->tokens = -1;
        c->logprob_sum = NAN;
        const cJSON *lp = get(ch, "logprobs");
        c->logprobs_state = !lp ? ETSIM_LP_ABSENT : cJSON_IsNull(lp) ? ETSIM_LP_NULL : ETSIM_LP_OBJECT;
        const cJSON *toks = get(lp, "tokens"), *lps = get(lp, "token_logprobs");
        const cJSON *content = get(lp, "content");
        if (cJSON_IsArray(toks)) {
            c->tokens = cJSON_GetArraySize(toks);
        } else if (cJSON_IsArray(content)) { /* llama.cpp: [{id, token, logprob, ...}] */
            c->tokens = cJSON_GetArraySize(content);
            double sum = 0;
            const cJSON *e;
            cJSON_ArrayForEach(e, content) {
                const cJSON *v = get(e, "logprob");
                sum += cJSON_IsNumber(v) ? v->valuedouble : NAN;
            }
            c->logprob_sum = sum;
        }
        if (cJSON_IsArray(lps)) {
            double sum = 0;
            const cJSON *v;
            cJSON_ArrayForEach(v, lps) sum += cJSON_IsNumber(v) ? v->valuedouble : NAN;
            c->logprob_sum = sum;
        }
        k++;
    }
    const cJSON *usage = get(j, "usage");
    out->prompt_tokens = get_count(usage, "prompt_tokens");
    out->completion_tokens = get_count(usage, "completion_tokens");
    /* Escaped NULs repaired: counted on the first choice (the reply's
     * total is what the trace header reports). */
    if (out->n > 0) out->choices[0].invalid_utf8 += nuls;
    /* llama.cpp (a "stop" naming neither stop string nor token, with
     * logprobs.content): EOS or stop word, from the entries and usage. */
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, choices) {
        const cJSON *idx = get(c, "index");
        etsim_live_choice *oc = &out->choices[idx ? (int)idx->valuedouble : i];
        i++;
        if (oc->finish != ETSIM_FINISH_STOP || oc->stop_str || get(c, "stop_reason") ||
            get(c, "matched_stop"))
            continue;
        oc->finish = lcpp_finish(c, out->n == 1 ? out->completion_tokens : -1);
    }
    cJSON_Delete(j);
    return 0;
err:
    cJSON_Delete(j);
    etsim_live_completion_free(out);
    return -1;
}

/* A log-probability above this is impossible (rounding in a server's
 * log-softmax stays far below it). */
#define LOGPROB_SLACK 1e-6

/* The token id an entry names: llama.cpp's "id" field, or vLLM's
 * "token_id:N" text (return_tokens_as_token_ids). -1: none. */
static long entry_id(const char *tok, const cJSON *id) {
    if (cJSON_IsNumber(id) && id->valuedouble >= 0 && id->valuedouble <= 2147483647.0 &&
        id->valuedouble == floor(id->valuedouble))
        return (long)id->valuedouble;
    if (tok && !strncmp(tok, "token_id:", 9) && tok[9] >= '0' && tok[9] <= '9') {
        char *end;
        long v = strtol(tok + 9, &end, 10);
        if (!*end && v >= 0 && v <= 2147483647L) return v;
    }
    return -1;
}

/* Check one top-token logprob (NaN or > 0 is no probability: the server is
 * broken, and taking the label as missing would silently change the tree),
 * then add it to its label's probability. */
static int add_label(const etsim_live_labels *lab, const char *where, const char *tok,
                     const cJSON *idv, double lp, etsim_live_label_read *r, etsim_err *err) {
    if (isnan(lp) || lp > LOGPROB_SLACK)
        return etsim_errf(err, "%s: logprob of token '%.40s' is %g: not a probability in [0, 1]",
                          where, tok ? tok : "", lp);
    r->entries++;
    long id = entry_id(tok, idv);
    if (id < 0) r->with_ids = 0;
    if (!tok || isinf(lp)) return 0;
    if (lab->n_plus_ids > 0) {
        if (id < 0)
            return etsim_errf(err, "%s: token '%.40s' carries no id, but the labels are token ids "
                                   "(the server ignored return_tokens_as_token_ids)", where, tok);
        for (int i = 0; i < lab->n_plus_ids; i++)
            if (id == lab->plus_ids[i]) r->p_plus += exp(lp), r->found_plus++;
        for (int i = 0; i < lab->n_minus_ids; i++)
            if (id == lab->minus_ids[i]) r->p_minus += exp(lp), r->found_minus++;
        return 0;
    }
    for (int i = 0; i < lab->n_plus; i++)
        if (!strcmp(tok, lab->plus[i])) r->p_plus += exp(lp), r->found_plus++;
    for (int i = 0; i < lab->n_minus; i++)
        if (!strcmp(tok, lab->minus[i])) r->p_minus += exp(lp), r->found_minus++;
    return 0;
}

int etsim_live_parse_label_probs(const char *body, size_t len, const etsim_live_labels *lab,
                                 etsim_live_label_read *r, etsim_err *err) {
    memset(r, 0, sizeof *r);
    r->with_ids = 1;
    cJSON *j = parse_json(body, len, err);
    if (!j) return -1;
    if (check_error_member(j, err) < 0) goto err;
    const cJSON *choices = get(j, "choices");
    const cJSON *c0 = cJSON_IsArray(choices) ? cJSON_GetArrayItem(choices, 0) : NULL;
    if (!cJSON_IsObject(c0)) {
        etsim_errf(err, "field choices: missing, empty or not an array of objects");
        goto err;
    }
    const cJSON *lp = get(c0, "logprobs");
    if (!cJSON_IsObject(lp)) {
        etsim_errf(err, "choices[0]: field logprobs: missing (was logprobs requested?)");
        goto err;
    }
    const cJSON *content = get(lp, "content");
    if (content) {
        /* Chat completions, llama.cpp: content[0].top_logprobs = [{token, logprob[, id]}]. */
        r->form = ETSIM_TOP_LIST;
        const cJSON *first = cJSON_IsArray(content) ? cJSON_GetArrayItem(content, 0) : NULL;
        const cJSON *top = get(first, "top_logprobs");
        if (!cJSON_IsArray(top)) {
            etsim_errf(err, "choices[0].logprobs: field content[0].top_logprobs: missing or not an array");
            goto err;
        }
        const cJSON *e;
        cJSON_ArrayForEach(e, top) {
            const cJSON *t = get(e, "token"), *v = get(e, "logprob");
            if (!cJSON_IsString(t) || !cJSON_IsNumber(v)) {
                etsim_errf(err, "choices[0].logprobs.content[0].top_logprobs: entry without token/logprob");
                goto err;
            }
            if (add_label(lab, "choices[0].logprobs.content[0].top_logprobs", t->valuestring,
                          get(e, "id"), v->valuedouble, r, err) < 0)
                goto err;
        }
    } else {
        /* Completions (vLLM, SGLang): top_logprobs[0] = {token: logprob}. */
        r->form = ETSIM_TOP_DICT;
        const cJSON *tops = get(lp, "top_logprobs");
        const cJSON *top = cJSON_IsArray(tops) ? cJSON_GetArrayItem(tops, 0) : NULL;
        if (!cJSON_IsObject(top)) {
            etsim_errf(err, "choices[0].logprobs: field top_logprobs[0]: missing or not an object");
            goto err;
        }
        const cJSON *e;
        cJSON_ArrayForEach(e, top) {
            if (!cJSON_IsNumber(e)) {
                etsim_errf(err, "choices[0].logprobs.top_logprobs[0]: value of '%.40s' is not a number",
                           e->string ? e->string : "");
                goto err;
            }
            if (add_label(lab, "choices[0].logprobs.top_logprobs[0]", e->string, NULL,
                          e->valuedouble, r, err) < 0)
                goto err;
        }
    }
    if (r->entries == 0) r->with_ids = 0;
    if (r->p_plus + r->p_minus > 1 + LOGPROB_SLACK) {
        etsim_errf(err, "choices[0].logprobs: the label tokens' probabilities sum to %g: not a "
                        "probability in [0, 1]", r->p_plus + r->p_minus);
        goto err;
    }
    cJSON_Delete(j);
    return 0;
err:
    cJSON_Delete(j);
    return -1;
}

int etsim_live_parse_pooling(const char *body, size_t len, etsim_live_pooling *out,
                             etsim_err *err) {
    memset(out, 0, sizeof *out);
    cJSON *j = parse_json(body, len, err);
    if (!j) return -1;
    if (check_error_member(j, err) < 0) goto err;
    const cJSON *data = get(j, "data");
    const cJSON *d0 = cJSON_IsArray(data) ? cJSON_GetArrayItem(data, 0) : NULL;
    const cJSON *rows = get(d0, "data");
    if (!cJSON_IsArray(rows) || cJSON_GetArraySize(rows) == 0) {
        etsim_errf(err, "field data[0].data: missing, empty or not an array");
        goto err;
    }
    out->rows = cJSON_GetArraySize(rows);
    const cJSON *row;
    int r = 0;
    cJSON_ArrayForEach(row, rows) {
        int w = 0;
        double sum = 0, first = NAN, lo = INFINITY, hi = -INFINITY;
        if (cJSON_IsNumber(row)) {
            if (r > 0 && !out->flat) goto mixed;
            out->flat = 1;
            sum = first = lo = hi = row->valuedouble;
            w = 1;
        } else if (cJSON_IsArray(row)) {
            if (out->flat) goto mixed;
            const cJSON *v;
            cJSON_ArrayForEach(v, row) {
                if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
                    etsim_errf(err, "field data[0].data[%d]: holds something that is no finite number", r);
                    goto err;
                }
                if (w == 0) first = v->valuedouble;
                sum += v->valuedouble;
                lo = fmin(lo, v->valuedouble);
                hi = fmax(hi, v->valuedouble);
                w++;
            }
        }
        if (w == 0 || !isfinite(sum)) {
            etsim_errf(err, "field data[0].data[%d]: not a finite number or a non-empty array of numbers", r);
            goto err;
        }
        if (r > 0 && w != out->width) {
            etsim_errf(err, "field data[0].data[%d]: %d values, the rows before have %d", r, w, out->width);
            goto err;
        }
        out->width = w;
        out->last_mean = sum / w;
        out->last_first = first;
        out->last_sum = sum;
        out->last_min = lo;
        out->last_max = hi;
        r++;
    }
    cJSON_Delete(j);
    return 0;
mixed:
    etsim_errf(err, "field data[0].data: mixes numbers and arrays");
err:
    cJSON_Delete(j);
    return -1;
}

int etsim_live_parse_embeddings(const char *body, size_t len, int32_t n, int32_t *dim,
                                float **out, etsim_err *err) {
    *out = NULL;
    float *v = NULL;
    uint8_t *seen = NULL;
    cJSON *j = parse_json(body, len, err);
    if (!j) return -1;
    if (check_error_member(j, err) < 0) goto err;
    const cJSON *data = get(j, "data");
    if (!cJSON_IsArray(data)) {
        etsim_errf(err, "field data: missing or not an array");
        goto err;
    }
    if (cJSON_GetArraySize(data) != n) {
        etsim_errf(err, "field data: %d embeddings for %d inputs", cJSON_GetArraySize(data), n);
        goto err;
    }
    int32_t d = *dim;
    seen = etsim_calloc((size_t)(n ? n : 1), 1);
    int k = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, data) {
        const cJSON *idx = get(item, "index"), *emb = get(item, "embedding");
        int at = k;
        if (idx) {
            if (!cJSON_IsNumber(idx) || idx->valuedouble < 0 || idx->valuedouble >= n ||
                idx->valuedouble != floor(idx->valuedouble)) {
                etsim_errf(err, "data[%d]: field index: not an integer in [0, %d)", k, n);
                goto err;
            }
            at = (int)idx->valuedouble;
        }
        if (seen[at]) {
            etsim_errf(err, "data[%d]: field index: %d appears twice", k, at);
            goto err;
        }
        seen[at] = 1;
        if (!cJSON_IsArray(emb)) {
            etsim_errf(err, "data[%d]: field embedding: missing or not an array of numbers", k);
            goto err;
        }
        int m = cJSON_GetArraySize(emb);
        if (d == 0) {
            if (m < 1 || m > MAX_EMB_DIM) {
                etsim_errf(err, "data[%d]: field embedding: dimension %d not in 1..%d", k, m,
                           MAX_EMB_DIM);
                goto err;
            }
            d = m;
        }
        if (m != d) {
            etsim_errf(err, "data[%d]: field embedding: dimension %d, expected %d", k, m, d);
            goto err;
        }
        if (!v) v = etsim_malloc((size_t)n * (size_t)d * sizeof *v);
        int i = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, emb) {
            if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) || fabs(x->valuedouble) > 3e38) {
                etsim_errf(err, "data[%d]: field embedding[%d]: not a finite number", k, i);
                goto err;
            }
            v[(size_t)at * (size_t)d + (size_t)i++] = (float)x->valuedouble;
        }
        k++;
    }
    if (n > 0 && !v) {
        etsim_errf(err, "field data: no embeddings");
        goto err;
    }
    *dim = d;
    *out = v;
    free(seen);
    cJSON_Delete(j);
    return 0;
err:
    free(v);
    free(seen);
    cJSON_Delete(j);
    return -1;
}

int etsim_live_parse_models(const char *body, size_t len, char **first_id, etsim_err *err) {
    *first_id = NULL;
    cJSON *j = parse_json(body, len, err);
    if (!j) return -1;
    const cJSON *data = get(j, "data");
    if (!cJSON_IsArray(data)) {
        cJSON_Delete(j);
        return etsim_errf(err, "field data: missing or not an array");
    }
    const cJSON *id = get(cJSON_GetArrayItem(data, 0), "id");
    if (cJSON_IsString(id)) *first_id = etsim_live_utf8_repair(id->valuestring,
                                                               strlen(id->valuestring), NULL);
    cJSON_Delete(j);
    return 0;
}

char *etsim_live_parse_owned_by(const char *body, size_t len) {
    cJSON *j = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    const cJSON *o = get(cJSON_GetArrayItem(get(j, "data"), 0), "owned_by");
    char *s = cJSON_IsString(o) ? etsim_live_utf8_repair(o->valuestring, strlen(o->valuestring), NULL)
                                : NULL;
    cJSON_Delete(j);
    return s;
}

int etsim_live_parse_tokenize(const char *body, size_t len, int32_t *count, etsim_err *err) {
    cJSON *j = parse_json(body, len, err);
    if (!j) return -1;
    if (check_error_member(j, err) < 0) {
        cJSON_Delete(j);
        return -1;
    }
    int32_t c = get_count(j, "count");
    if (c < 0) {
        const cJSON *t = get(j, "tokens");
        if (cJSON_IsArray(t)) c = cJSON_GetArraySize(t);
    }
    cJSON_Delete(j);
    if (c < 0) return etsim_errf(err, "field count: missing (and no tokens array)");
    *count = c;
    return 0;
}
