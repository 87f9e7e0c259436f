/* config.c -- the live oracle's settings (parsed from the capture config's
 * JSON object, key by key, so that the capture can reject unknown keys),
 * their canonical JSON for the trace header, the dataset loader and the
 * counters. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/json.h"
#include "sim/data/bench_builtin.h"
#include "traces/capture/live.h"

static const char *const default_markers[] = {"The answer is", "The final answer is:",
                                              "Therefore, the final answer is"};
static const char *const default_plus[] = {"+", " +", "\xe2\x96\x81+", "\xc4\xa0+"};
static const char *const default_minus[] = {"-", " -", "\xe2\x96\x81-", "\xc4\xa0-"};

void etsim_live_config_init(etsim_live_config *c) {
    memset(c, 0, sizeof *c);
    c->max_step_tokens = 256;
    c->temperature = 1.0;
    c->top_p = 1.0;
    c->send_seed = 1;
    c->token_count = ETSIM_TOKENS_LOGPROBS;
    c->eos_is_leaf = 0;
    c->prm_top_logprobs = 20;
    c->embed_batch = 64;
    c->probe_timeout_ms = 3000;
    etsim_http_opts_default(&c->http);
}

static void free_list(char **v, int n) {
    for (int i = 0; i < n; i++) free(v[i]);
}

void etsim_live_config_free(etsim_live_config *c) {
    free(c->policy_url);
    free(c->policy_model);
    free(c->prm_url);
    free(c->prm_model);
    free(c->prm_kind);
    free(c->embed_url);
    free(c->embed_model);
    free(c->tokenize_url);
    free(c->step_delimiter);
    free_list(c->stop, c->n_stop);
    free(c->prompt_template);
    free(c->step_template);
    free_list(c->answer_markers, c->n_markers);
    free(c->policy_extra);
    free(c->prm_question_template);
    free(c->prm_step_template);
    free(c->prm_step_join);
    free_list(c->plus, c->n_plus);
    free_list(c->minus, c->n_minus);
    free(c->prm_transform);
    free(c->prm_pooling_task);
    free(c->embed_encoding);
    free((char *)c->http.auth_bearer);
    memset(c, 0, sizeof *c);
}

static int set_str(char **dst, const char *key, const cJSON *v, etsim_err *err) {
    if (cJSON_IsNull(v)) {
        free(*dst);
        *dst = NULL;
        return 1;
    }
    if (!cJSON_IsString(v)) return etsim_errf(err, "key %s: expected a string", key);
    free(*dst);
    *dst = etsim_strdup(v->valuestring);
    return 1;
}

static int set_list(char **dst, int *n, const char *key, const cJSON *v, etsim_err *err) {
    free_list(dst, *n);
    *n = 0;
    if (cJSON_IsString(v)) {
        dst[(*n)++] = etsim_strdup(v->valuestring);
        return 1;
    }
    if (!cJSON_IsArray(v)) return etsim_errf(err, "key %s: expected a string or a list of strings", key);
    const cJSON *e;
    cJSON_ArrayForEach(e, v) {
        if (!cJSON_IsString(e)) return etsim_errf(err, "key %s: expected a list of strings", key);
        if (*n == ETSIM_LIVE_MAX_LIST)
            return etsim_errf(err, "key %s: more than %d entries", key, ETSIM_LIVE_MAX_LIST);
        dst[(*n)++] = etsim_strdup(e->valuestring);
    }
    return 1;
}

/* prm_plus / prm_minus: label texts (strings) or token ids (integers), one
 * kind per list. */
static int set_labels(char **txt, int *n_txt, int32_t *ids, int *n_ids, const char *key,
                      const cJSON *v, etsim_err *err) {
    const cJSON *first = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, 0) : v;
    if (!cJSON_IsNumber(first)) {
        *n_ids = 0;
        return set_list(txt, n_txt, key, v, err);
    }
    free_list(txt, *n_txt);
    *n_txt = 0;
    *n_ids = 0;
    const cJSON *e;
    if (cJSON_IsNumber(v)) {
        if (v->valuedouble != floor(v->valuedouble) || v->valuedouble < 0 || v->valuedouble > 2147483647.0)
            return etsim_errf(err, "key %s: a token id must be an integer >= 0", key);
        ids[(*n_ids)++] = (int32_t)v->valuedouble;
        return 1;
    }
    cJSON_ArrayForEach(e, v) {
        if (!cJSON_IsNumber(e) || e->valuedouble != floor(e->valuedouble) || e->valuedouble < 0 ||
            e->valuedouble > 2147483647.0)
            return etsim_errf(err, "key %s: expected a list of token ids (integers >= 0) or of strings, "
                                   "not both", key);
        if (*n_ids == ETSIM_LIVE_MAX_LIST)
            return etsim_errf(err, "key %s: more than %d entries", key, ETSIM_LIVE_MAX_LIST);
        ids[(*n_ids)++] = (int32_t)e->valuedouble;
    }
    return 1;
}

static const char *const server_names[] = {"auto", "vllm", "sglang", "llama.cpp"};

static int set_server(int *dst, const char *key, const cJSON *v, etsim_err *err) {
    if (cJSON_IsString(v))
        for (int i = 0; i < 4; i++)
            if (!strcmp(v->valuestring, server_names[i])) {
                *dst = i;
                return 1;
            }
    return etsim_errf(err, "key %s: expected \"auto\", \"vllm\", \"sglang\" or \"llama.cpp\"", key);
}

static int set_num(double *dst, const char *key, const cJSON *v, double lo, double hi,
                   etsim_err *err) {
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi))
        return etsim_errf(err, "key %s: expected a number in [%g, %g]", key, lo, hi);
    *dst = v->valuedouble;
    return 1;
}

static int set_int(long *dst, const char *key, const cJSON *v, long lo, long hi, etsim_err *err) {
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        !(v->valuedouble >= (double)lo && v->valuedouble <= (double)hi))
        return etsim_errf(err, "key %s: expected an integer in [%ld, %ld]", key, lo, hi);
    *dst = (long)v->valuedouble;
    return 1;
}

static int set_bool(int *dst, const char *key, const cJSON *v, etsim_err *err) {
    if (!cJSON_IsBool(v)) return etsim_errf(err, "key %s: expected true or false", key);
    *dst = cJSON_IsTrue(v);
    return 1;
}

int etsim_live_config_key(etsim_live_config *c, const char *key, const cJSON *v,
                          etsim_err *err) {
    long l = 0;
    int rc;
    static const struct { const char *key; size_t off; } strs[] = {
        {"policy_url", offsetof(etsim_live_config, policy_url)},
        {"policy_model", offsetof(etsim_live_config, policy_model)},
        {"prm_url", offsetof(etsim_live_config, prm_url)},
        {"prm_model", offsetof(etsim_live_config, prm_model)},
        {"prm_kind", offsetof(etsim_live_config, prm_kind)},
        {"embed_url", offsetof(etsim_live_config, embed_url)},
        {"embed_model", offsetof(etsim_live_config, embed_model)},
        {"tokenize_url", offsetof(etsim_live_config, tokenize_url)},
        {"step_delimiter", offsetof(etsim_live_config, step_delimiter)},
        {"prompt_template", offsetof(etsim_live_config, prompt_template)},
        {"step_template", offsetof(etsim_live_config, step_template)},
        {"prm_question_template", offsetof(etsim_live_config, prm_question_template)},
        {"prm_step_template", offsetof(etsim_live_config, prm_step_template)},
        {"prm_step_join", offsetof(etsim_live_config, prm_step_join)},
        {"prm_transform", offsetof(etsim_live_config, prm_transform)},
        {"prm_pooling_task", offsetof(etsim_live_config, prm_pooling_task)},
        {"embed_encoding", offsetof(etsim_live_config, embed_encoding)},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (!strcmp(key, strs[i].key)) return set_str((char **)((char *)c + strs[i].off), key, v, err);
    if (!strcmp(key, "stop")) return set_list(c->stop, &c->n_stop, key, v, err);
    if (!strcmp(key, "answer_markers")) return set_list(c->answer_markers, &c->n_markers, key, v, err);
    if (!strcmp(key, "prm_plus"))
        return set_labels(c->plus, &c->n_plus, c->plus_ids, &c->n_plus_ids, key, v, err);
    if (!strcmp(key, "prm_minus"))
        return set_labels(c->minus, &c->n_minus, c->minus_ids, &c->n_minus_ids, key, v, err);
    if (!strcmp(key, "policy_server")) return set_server(&c->policy_server, key, v, err);
    if (!strcmp(key, "prm_server")) return set_server(&c->prm_server, key, v, err);
    if (!strcmp(key, "temperature")) return set_num(&c->temperature, key, v, 0, 100, err);
    if (!strcmp(key, "top_p")) return set_num(&c->top_p, key, v, 0, 1, err);
    if (!strcmp(key, "send_seed")) return set_bool(&c->send_seed, key, v, err);
    if (!strcmp(key, "split_n")) {
        c->split_n_set = 1;
        return set_bool(&c->split_n, key, v, err);
    }
    if (!strcmp(key, "eos_is_leaf")) return set_bool(&c->eos_is_leaf, key, v, err);
    if (!strcmp(key, "policy_extra")) {
        if (!cJSON_IsObject(v)) return etsim_errf(err, "key %s: expected a JSON object", key);
        free(c->policy_extra);
        c->policy_extra = cJSON_PrintUnformatted(v);
        return 1;
    }
    if (!strcmp(key, "token_count")) {
        if (!cJSON_IsString(v)) return etsim_errf(err, "key %s: expected a string", key);
        if (!strcmp(v->valuestring, "logprobs")) c->token_count = ETSIM_TOKENS_LOGPROBS;
        else if (!strcmp(v->valuestring, "usage")) c->token_count = ETSIM_TOKENS_USAGE;
        else if (!strcmp(v->valuestring, "tokenize")) c->token_count = ETSIM_TOKENS_TOKENIZE;
        else return etsim_errf(err, "key %s: '%s' is not logprobs|usage|tokenize", key, v->valuestring);
        return 1;
    }
    if (!strcmp(key, "seed")) {
        if ((rc = set_int(&l, key, v, 0, 2147483647L, err)) < 0) return rc;
        c->seed = (uint64_t)l;
        return 1;
    }
    if (!strcmp(key, "max_step_tokens")) {
        if ((rc = set_int(&l, key, v, 1, 1000000, err)) < 0) return rc;
        c->max_step_tokens = (int32_t)l;
        return 1;
    }
    if (!strcmp(key, "prm_top_logprobs")) {
        if ((rc = set_int(&l, key, v, 2, 100, err)) < 0) return rc;
        c->prm_top_logprobs = (int32_t)l;
        return 1;
    }
    if (!strcmp(key, "embed_batch")) {
        if ((rc = set_int(&l, key, v, 1, 4096, err)) < 0) return rc;
        c->embed_batch = (int32_t)l;
        return 1;
    }
    if (!strcmp(key, "max_in_flight")) {
        if ((rc = set_int(&l, key, v, 1, 4096, err)) < 0) return rc;
        c->http.max_in_flight = (int)l;
        return 1;
    }
    if (!strcmp(key, "max_retries")) {
        if ((rc = set_int(&l, key, v, 0, 1000, err)) < 0) return rc;
        c->http.max_retries = (int)l;
        return 1;
    }
    if (!strcmp(key, "connect_timeout_ms")) return set_int(&c->http.connect_timeout_ms, key, v, 1, 3600000L, err);
    if (!strcmp(key, "request_timeout_ms")) return set_int(&c->http.timeout_ms, key, v, 1, 86400000L, err);
    if (!strcmp(key, "backoff_base_ms")) return set_int(&c->http.backoff_base_ms, key, v, 0, 3600000L, err);
    if (!strcmp(key, "backoff_max_ms")) return set_int(&c->http.backoff_max_ms, key, v, 0, 3600000L, err);
    if (!strcmp(key, "probe_timeout_ms")) return set_int(&c->probe_timeout_ms, key, v, 1, 3600000L, err);
    if (!strcmp(key, "api_key_env")) {
        if (!cJSON_IsString(v)) return etsim_errf(err, "key %s: expected a string", key);
        const char *val = getenv(v->valuestring);
        if (!val) return etsim_errf(err, "key %s: environment variable %s is not set", key, v->valuestring);
        free((char *)c->http.auth_bearer);
        c->http.auth_bearer = etsim_strdup(val);
        return 1;
    }
    return 0;
}

static void default_list(char **dst, int *n, const char *const *src, int m) {
    if (*n) return;
    for (int i = 0; i < m; i++) dst[(*n)++] = etsim_strdup(src[i]);
}

static void default_str(char **dst, const char *s) {
    if (!*dst) *dst = etsim_strdup(s);
}

int etsim_live_config_finish(etsim_live_config *c, etsim_err *err) {
    if (!c->policy_url) return etsim_errf(err, "key policy_url: required");
    if (!c->prm_url) return etsim_errf(err, "key prm_url: required");
    default_str(&c->prm_kind, "shepherd-logprobs");
    if (strcmp(c->prm_kind, "shepherd-logprobs") && strcmp(c->prm_kind, "rlhflow") &&
        strcmp(c->prm_kind, "reward-head"))
        return etsim_errf(err, "key prm_kind: '%s' is not shepherd-logprobs|rlhflow|reward-head",
                          c->prm_kind);
    default_str(&c->step_delimiter, "\n\n");
    if (!c->step_delimiter[0]) return etsim_errf(err, "key step_delimiter: must not be empty");
    if (!c->n_stop) c->stop[c->n_stop++] = etsim_strdup(c->step_delimiter);
    default_str(&c->prompt_template, "{question}\n");
    if (!c->step_template) {
        size_t n = strlen(c->step_delimiter) + 8;
        c->step_template = etsim_malloc(n);
        snprintf(c->step_template, n, "{step}%s", c->step_delimiter);
    }
    default_list(c->answer_markers, &c->n_markers, default_markers, 3);
    default_str(&c->prm_question_template, "{question} ");
    default_str(&c->prm_step_template, "{step} \xd0\xba\xd0\xb8"); /* "{step} ки" */
    default_str(&c->prm_step_join, "\n");
    if ((c->n_plus_ids > 0) != (c->n_minus_ids > 0))
        return etsim_errf(err, "key %s: give prm_plus and prm_minus both as token ids or both as "
                               "strings", c->n_plus_ids ? "prm_minus" : "prm_plus");
    if (!c->n_plus_ids) {
        default_list(c->plus, &c->n_plus, default_plus, 4);
        default_list(c->minus, &c->n_minus, default_minus, 4);
    }
    default_str(&c->prm_transform, "sigmoid-mean");
    if (strcmp(c->prm_transform, "sigmoid-mean") && strcmp(c->prm_transform, "mean") &&
        strcmp(c->prm_transform, "first"))
        return etsim_errf(err, "key prm_transform: '%s' is not sigmoid-mean|mean|first",
                          c->prm_transform);
    default_str(&c->embed_encoding, "f16");
    if (strcmp(c->embed_encoding, "f32") && strcmp(c->embed_encoding, "f16") &&
        strcmp(c->embed_encoding, "i8"))
        return etsim_errf(err, "key embed_encoding: '%s' is not f32|f16|i8", c->embed_encoding);
    if (c->token_count == ETSIM_TOKENS_TOKENIZE && !c->tokenize_url)
        return etsim_errf(err, "key tokenize_url: required with token_count \"tokenize\"");
    if (c->token_count == ETSIM_TOKENS_USAGE) {
        if (c->split_n_set && !c->split_n)
            return etsim_errf(err, "key split_n: token_count \"usage\" needs split_n true (a reply's "
                                   "usage covers all its children)");
        c->split_n = 1; /* usage is exact only for n = 1 */
    }
    if (!strstr(c->prompt_template, "{question}"))
        return etsim_errf(err, "key prompt_template: has no {question}");
    if (!strstr(c->step_template, "{step}")) return etsim_errf(err, "key step_template: has no {step}");
    return 0;
}

static cJSON *str_list(char *const *v, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

static cJSON *id_list(const int32_t *v, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

static void add_opt_str(cJSON *o, const char *k, const char *v) {
    if (v) cJSON_AddStringToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

char *etsim_live_config_json(const etsim_live_config *c) {
    static const char *const tc[] = {"logprobs", "usage", "tokenize"};
    cJSON *o = cJSON_CreateObject();
    add_opt_str(o, "policy_url", c->policy_url);
    add_opt_str(o, "policy_model", c->policy_model);
    add_opt_str(o, "prm_url", c->prm_url);
    add_opt_str(o, "prm_model", c->prm_model);
    add_opt_str(o, "prm_kind", c->prm_kind);
    add_opt_str(o, "embed_url", c->embed_url);
    add_opt_str(o, "embed_model", c->embed_model);
    add_opt_str(o, "step_delimiter", c->step_delimiter);
    cJSON_AddItemToObject(o, "stop", str_list(c->stop, c->n_stop));
    add_opt_str(o, "prompt_template", c->prompt_template);
    add_opt_str(o, "step_template", c->step_template);
    cJSON_AddNumberToObject(o, "max_step_tokens", c->max_step_tokens);
    cJSON_AddNumberToObject(o, "temperature", c->temperature);
    cJSON_AddNumberToObject(o, "top_p", c->top_p);
    cJSON_AddNumberToObject(o, "seed", (double)c->seed);
    cJSON_AddBoolToObject(o, "send_seed", c->send_seed);
    cJSON_AddBoolToObject(o, "split_n", c->split_n);
    cJSON_AddStringToObject(o, "token_count", tc[c->token_count]);
    cJSON_AddItemToObject(o, "answer_markers", str_list(c->answer_markers, c->n_markers));
    cJSON_AddBoolToObject(o, "eos_is_leaf", c->eos_is_leaf);
    if (c->policy_extra) cJSON_AddItemToObject(o, "policy_extra", cJSON_Parse(c->policy_extra));
    add_opt_str(o, "prm_question_template", c->prm_question_template);
    add_opt_str(o, "prm_step_template", c->prm_step_template);
    add_opt_str(o, "prm_step_join", c->prm_step_join);
    if (c->n_plus_ids) {
        cJSON_AddItemToObject(o, "prm_plus", id_list(c->plus_ids, c->n_plus_ids));
        cJSON_AddItemToObject(o, "prm_minus", id_list(c->minus_ids, c->n_minus_ids));
    } else {
        cJSON_AddItemToObject(o, "prm_plus", str_list(c->plus, c->n_plus));
        cJSON_AddItemToObject(o, "prm_minus", str_list(c->minus, c->n_minus));
    }
    /* The server software decides how children are made (one request per
     * child, seeds): it belongs to the settings a resume must match. */
    cJSON_AddStringToObject(o, "policy_server", server_names[c->policy_server]);
    cJSON_AddStringToObject(o, "prm_server", server_names[c->prm_server]);
    cJSON_AddNumberToObject(o, "prm_top_logprobs", c->prm_top_logprobs);
    add_opt_str(o, "prm_transform", c->prm_transform);
    add_opt_str(o, "embed_encoding", c->embed_encoding);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* ---- dataset ------------------------------------------------------------- */

static char *json_str(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (cJSON_IsString(v)) return etsim_strdup(v->valuestring);
    if (cJSON_IsNumber(v)) {
        char buf[32];
        etsim_fmt_double(buf, v->valuedouble);
        return etsim_strdup(buf);
    }
    return NULL;
}

void etsim_live_dataset_free(etsim_live_dataset *d) {
    for (int32_t i = 0; i < d->n; i++) {
        free(d->p[i].id);
        free(d->p[i].question);
        free(d->p[i].answer);
        free(d->p[i].subject);
    }
    free(d->p);
    memset(d, 0, sizeof *d);
}

int etsim_live_dataset_load(const char *path, etsim_live_dataset *d, etsim_err *err) {
    memset(d, 0, sizeof *d);
    size_t len;
    char *text = etsim_bench_read(path, &len, err); /* "math500" / "gsm8k": the built-in sets */
    if (!text) return -1;
    int64_t cap = 0;
    int line = 0;
    char *save = NULL;
    for (char *s = strtok_r(text, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
        line++;
        while (*s == ' ' || *s == '\t' || *s == '\r') s++;
        if (!*s) continue;
        etsim_err why = {{0}}; /* the shared policy (sim/core/json.h), line by line */
        cJSON *j = etsim_json_parse(s, strlen(s), NULL, &why);
        if (!j) {
            const char *m = why.msg, *colon = strchr(m, ':');
            if (!strncmp(m, "line ", 5) && colon) m = colon + 2; /* the line is ours */
            etsim_errf(err, "%s: line %d: %s", path, line, m);
            goto err;
        }
        if (!cJSON_IsObject(j)) {
            cJSON_Delete(j);
            etsim_errf(err, "%s: line %d: not a JSON object", path, line);
            goto err;
        }
        etsim_grow((void **)&d->p, &cap, (int64_t)d->n + 1, sizeof *d->p);
        etsim_live_problem *p = &d->p[d->n++];
        memset(p, 0, sizeof *p);
        p->question = json_str(j, "problem");
        if (!p->question) p->question = json_str(j, "question");
        p->answer = json_str(j, "answer");
        if (p->answer) {
            char *hash = strstr(p->answer, "####"); /* GSM8K: rationale #### answer */
            if (hash) {
                char *a = hash + 4;
                while (*a == ' ') a++;
                memmove(p->answer, a, strlen(a) + 1);
            }
        }
        p->id = json_str(j, "unique_id");
        if (!p->id) p->id = json_str(j, "id");
        p->subject = json_str(j, "subject");
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(j, "level");
        if (cJSON_IsNumber(lv) && lv->valuedouble >= 0 && lv->valuedouble < 100)
            p->level = (int32_t)lv->valuedouble;
        else if (cJSON_IsString(lv) && !strncmp(lv->valuestring, "Level ", 6))
            p->level = atoi(lv->valuestring + 6);
        cJSON_Delete(j);
        if (!p->question || !p->question[0]) {
            etsim_errf(err, "%s: line %d: field problem (or question): missing or empty", path, line);
            goto err;
        }
        if (!p->id) {
            char buf[32];
            snprintf(buf, sizeof buf, "%d", d->n - 1);
            p->id = etsim_strdup(buf);
        }
    }
    free(text);
    if (d->n == 0) {
        etsim_errf(err, "%s: no problems", path);
        etsim_live_dataset_free(d);
        return -1;
    }
    return 0;
err:
    free(text);
    etsim_live_dataset_free(d);
    return -1;
}

/* ---- counters -------------------------------------------------------------- */

void etsim_live_counts_add(etsim_live_counts *a, const etsim_live_counts *c) {
    a->policy_requests += c->policy_requests;
    a->prm_requests += c->prm_requests;
    a->embed_requests += c->embed_requests;
    a->tokenize_requests += c->tokenize_requests;
    a->children += c->children;
    a->tokens += c->tokens;
    a->prm_no_score += c->prm_no_score;
    a->prm_label_clipped += c->prm_label_clipped;
    a->short_replies += c->short_replies;
    a->invalid_utf8 += c->invalid_utf8;
    a->maxlen += c->maxlen;
    a->eos += c->eos;
    a->duplicate_siblings += c->duplicate_siblings;
}

char *etsim_live_counts_json(const etsim_live_counts *c) {
    cJSON *o = cJSON_CreateObject();
#define F(x) cJSON_AddNumberToObject(o, #x, (double)c->x)
    F(policy_requests);
    F(prm_requests);
    F(embed_requests);
    F(tokenize_requests);
    F(children);
    F(tokens);
    F(prm_no_score);
    F(prm_label_clipped);
    F(short_replies);
    F(invalid_utf8);
    F(maxlen);
    F(eos);
    F(duplicate_siblings);
#undef F
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}
