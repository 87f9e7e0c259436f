/* oracle_live.c -- the live oracle (see live.h): opening (dataset, server
 * checks, metadata), the vtable, and asynchronous expansion for the
 * covering capture (requests started at once, children added by commit). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/capture/oracle_live.h"
#include "traces/capture/parse.h"
#include "traces/capture/servers.h"
#include "traces/trace.h"

static const etsim_oracle_vtab live_vtab;

static lv_live *impl(const etsim_oracle *o) { return (lv_live *)o->impl; }

int etsim_oracle_is_live(const etsim_oracle *o) { return o && o->vt == &live_vtab; }
const etsim_live_config *etsim_live_get_config(const etsim_oracle *o) { return &impl(o)->cfg; }
etsim_http *etsim_live_http(etsim_oracle *o) { return impl(o)->http; }
void etsim_live_get_counts(const etsim_oracle *o, etsim_live_counts *c) { *c = impl(o)->counts; }

/* base + path, unless base already ends with path. */
static char *join_url(const char *base, const char *path) {
    size_t bl = strlen(base), pl = strlen(path);
    while (bl > 0 && base[bl - 1] == '/') bl--;
    if (bl >= pl && !strncmp(base + bl - pl, path, pl)) {
        char *s = etsim_malloc(bl + 1);
        memcpy(s, base, bl);
        s[bl] = 0;
        return s;
    }
    char *s = etsim_malloc(bl + pl + 1);
    memcpy(s, base, bl);
    memcpy(s + bl, path, pl + 1);
    return s;
}

/* GET .../v1/models of a base URL (".../v1" or the server root). */
static char *models_url(const char *base) {
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/') bl--;
    int has_v1 = bl >= 3 && !strncmp(base + bl - 3, "/v1", 3);
    char *s = etsim_malloc(bl + 16);
    memcpy(s, base, bl);
    strcpy(s + bl, has_v1 ? "/models" : "/v1/models");
    return s;
}

/* The server root of a base URL (".../v1" or the root) + path. */
static char *root_url(const char *base, const char *path) {
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/') bl--;
    if (bl >= 3 && !strncmp(base + bl - 3, "/v1", 3)) bl -= 3;
    char *s = etsim_malloc(bl + strlen(path) + 1);
    memcpy(s, base, bl);
    strcpy(s + bl, path);
    return s;
}

/* ---- start-up probes -------------------------------------------------------- */

typedef struct probe {
    int done;
    int ok;
    etsim_err err;
    char *body;
    size_t len;
} probe;

static void on_probe(void *ctx, const char *body, size_t len, const etsim_err *failure) {
    probe *p = ctx;
    p->done = 1;
    if (failure) {
        p->err = *failure;
        return;
    }
    p->ok = 1;
    p->body = etsim_malloc(len + 1);
    memcpy(p->body, body, len);
    p->body[len] = 0;
    p->len = len;
}

static int run_probes(lv_live *L, probe *p, int n) {
    double deadline = etsim_now_s() + 60;
    for (;;) {
        int left = 0;
        for (int i = 0; i < n; i++) left += !p[i].done;
        if (!left || etsim_now_s() > deadline) return left ? -1 : 0;
        etsim_http_step(L->http, 100);
    }
}

/* The first model id of a /models reply, or the configured name. */
static int model_name(const char *configured, const probe *p, const char *what, const char *url,
                      char **out, etsim_err *err) {
    char *id = NULL;
    etsim_err pe;
    if (etsim_live_parse_models(p->body, p->len, &id, &pe) < 0)
        return etsim_errf(err, "%s %s: malformed reply: %s", what, url, pe.msg);
    if (configured) {
        free(id);
        id = etsim_strdup(configured);
    }
    if (!id) return etsim_errf(err, "%s %s: serves no model (name one in the config)", what, url);
    *out = id;
    return 0;
}

/* GET <root>/version of a vLLM server into v ("" when it does not say). */
static void vllm_version(lv_live *L, const char *base, char *v, size_t cap) {
    char *url = root_url(base, "/version");
    probe q;
    memset(&q, 0, sizeof q);
    v[0] = 0;
    etsim_http_get(L->http, "probe", url, on_probe, &q);
    if (run_probes(L, &q, 1) == 0 && q.ok) {
        cJSON *j = cJSON_ParseWithLength(q.body, q.len);
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "version");
        if (cJSON_IsString(s)) snprintf(v, cap, "%.*s", (int)cap - 1, s->valuestring);
        cJSON_Delete(j);
    }
    free(q.body);
    free(url);
}

/* Which field turns a vLLM /pooling head's activation off, from its
 * version: PR #20538 (0.10.0) made the activation a per-request switch
 * named "softmax" for reward (encode) heads, on by default
 * (pooling_params.py _set_default_parameters: "encode" -> softmax True);
 * PRs #25370/#25524 (0.11.1) renamed it "use_activation" (token_classify,
 * also on by default), "softmax" kept as a deprecated alias. Every release
 * ignores an unknown request field (logged on the server only), so the
 * wrong name leaves the activation on and sigmoid-mean squashes twice.
 * Before 0.10.0 there is no switch, and the reward pooler applies no
 * activation unless the model's pooler config asks for one. Returns 1 for
 * "softmax", 0 for "use_activation", -1 for a development build whose
 * number does not say which side of a rename it was built from. */
static int pooling_act_softmax(const char *v) {
    int ma = 0, mi = 0, pa = 0;
    if (sscanf(v, "%d.%d.%d", &ma, &mi, &pa) < 2) return 0;
    long n = (long)ma * 1000000 + (long)mi * 1000 + pa;
    if (strstr(v, "dev") && n >= 9003 && n <= 11001) return -1;
    return n >= 10000 && n < 11001;
}

/* Which software the policy and PRM servers run (servers.h), and for
 * SGLang whether it samples deterministically (GET <root>/server_info, or
 * <root>/get_server_info, its name before SGLang deprecated it for
 * removal -- http_server.py; no answer counts as no). */
static int identify_servers(lv_live *L, const probe *pol, const probe *prm, etsim_err *err) {
    etsim_live_config *c = &L->cfg;
    char *po = etsim_live_parse_owned_by(pol->body, pol->len);
    char *ro = etsim_live_parse_owned_by(prm->body, prm->len);
    int rc = etsim_live_servers_resolve(c, po, ro, err);
    free(po);
    free(ro);
    if (rc < 0) return -1;
    if (c->policy_server == ETSIM_SRV_SGLANG) {
        static const char *const paths[] = {"/server_info", "/get_server_info"};
        for (int k = 0; k < 2; k++) {
            char *url = root_url(c->policy_url, paths[k]);
            probe q;
            memset(&q, 0, sizeof q);
            etsim_http_get(L->http, "probe", url, on_probe, &q);
            int ok = run_probes(L, &q, 1) == 0 && q.ok;
            if (ok) {
                cJSON *j = cJSON_ParseWithLength(q.body, q.len);
                c->sglang_deterministic = cJSON_IsTrue(
                    cJSON_GetObjectItemCaseSensitive(j, "enable_deterministic_inference"));
                cJSON_Delete(j);
            }
            free(q.body);
            free(url);
            if (ok) break;
        }
    }
    /* vLLM before 0.6.4 returns the n children of a request sorted by
     * cumulative logprob (outputs.py RequestOutput.from_seq_group), so a
     * configuration that uses the first k of them would get the k likeliest
     * of n draws, not k draws; the sort is gone in 0.7 (and in 0.6.4's
     * caching from_seq_group). GET /version; below 0.7, one request per
     * child. No answer: a release with /version predates none we know of
     * that sorts, so nothing changes. */
    char vers[32] = "";
    if (c->policy_server == ETSIM_SRV_VLLM && !c->split_n_set) {
        char v[64];
        int major, minor;
        vllm_version(L, c->policy_url, v, sizeof v);
        if (sscanf(v, "%d.%d", &major, &minor) == 2 && major == 0 && minor < 7) {
            snprintf(vers, sizeof vers, "%.24s", v);
            c->split_n = 1;
        }
    }
    /* A reward head read raw (the means) needs its activation off, and
     * the field that says so depends on the release. */
    if (c->prm_server == ETSIM_SRV_VLLM && !strcmp(c->prm_kind, "reward-head") &&
        strcmp(c->prm_transform, "first")) {
        char v[64];
        vllm_version(L, c->prm_url, v, sizeof v);
        int act = pooling_act_softmax(v);
        if (act < 0)
            return etsim_errf(err, "PRM server %s: vLLM %s is a development build from between "
                                   "releases that renamed /pooling's activation switch (\"softmax\" "
                                   "0.10.0 to 0.11.0, \"use_activation\" from 0.11.1; the other name is "
                                   "ignored), so prm_transform \"%s\" cannot be sure to read raw "
                                   "outputs; serve the PRM with a vLLM release",
                              c->prm_url, v, c->prm_transform);
        c->prm_act_softmax = act;
    }
    etsim_live_servers_note(c, stdout);
    if (vers[0])
        printf("policy server %s (vllm %s): releases before 0.7 may return the n children of a "
               "request sorted by likelihood; one request per child (split_n)\n",
               c->policy_url, vers);
    return 0;
}

/* Every server must answer GET /models (one try, probe_timeout_ms to
 * connect) and the embedder must embed "probe", which gives the
 * dimension. A server that does not answer fails the start in seconds,
 * named by its URL. */
static int probe_servers(lv_live *L, etsim_err *err) {
    const etsim_live_config *c = &L->cfg;
    probe p[4];
    memset(p, 0, sizeof p);
    char *urls[4] = {models_url(c->policy_url), models_url(c->prm_url),
                     c->embed_url ? models_url(c->embed_url) : NULL,
                     L->embed_endpoint ? etsim_strdup(L->embed_endpoint) : NULL};
    const char *what[4] = {"policy server", "PRM server", "embedding server", "embedding server"};
    int rc = -1;
    etsim_http_set_retries(L->http, 0, c->probe_timeout_ms);
    for (int i = 0; i < 3; i++) {
        if (urls[i]) etsim_http_get(L->http, "probe", urls[i], on_probe, &p[i]);
        else p[i].done = p[i].ok = 1;
    }
    if (run_probes(L, p, 3) < 0) {
        etsim_errf(err, "servers did not answer the start-up checks within 60 s (%s)", urls[0]);
        goto done;
    }
    for (int i = 0; i < 3; i++)
        if (!p[i].ok) {
            etsim_errf(err, "%s unreachable: %s", what[i], p[i].err.msg);
            goto done;
        }
    if (model_name(c->policy_model, &p[0], what[0], urls[0], &L->policy_model, err) < 0 ||
        model_name(c->prm_model, &p[1], what[1], urls[1], &L->prm_model, err) < 0)
        goto done;
    if (identify_servers(L, &p[0], &p[1], err) < 0) goto done;
    if (urls[3]) {
        if (model_name(c->embed_model, &p[2], what[2], urls[2], &L->embed_model, err) < 0) goto done;
        etsim_sbuf b = {0};
        etsim_sbuf_puts(&b, "{\"model\":");
        etsim_sbuf_json_string_mode(&b, L->embed_model, ETSIM_JSON_BYTES);
        etsim_sbuf_puts(&b, ",\"encoding_format\":\"float\",\"input\":[\"probe\"]}");
        size_t len;
        char *body = etsim_sbuf_take(&b, &len);
        etsim_http_post_owned(L->http, "probe", urls[3], body, len, on_probe, &p[3]);
        if (run_probes(L, p + 3, 1) < 0 || !p[3].ok) {
            etsim_errf(err, "%s unreachable: %s", what[3], p[3].done ? p[3].err.msg : urls[3]);
            goto done;
        }
        int32_t dim = 0;
        float *v = NULL;
        etsim_err pe;
        if (etsim_live_parse_embeddings(p[3].body, p[3].len, 1, &dim, &v, &pe) < 0) {
            etsim_errf(err, "%s %s: malformed reply: %s", what[3], urls[3], pe.msg);
            goto done;
        }
        free(v);
        L->emb_dim = dim;
    }
    rc = 0;
done:
    etsim_http_set_retries(L->http, c->http.max_retries, c->http.connect_timeout_ms);
    for (int i = 0; i < 4; i++) {
        free(p[i].body);
        free(urls[i]);
    }
    return rc;
}

/* ---- vtable -------------------------------------------------------------------- */

static lv_ctx *ctx_of(lv_live *L, const etsim_tree *t) {
    for (int32_t i = 0; i < L->n_ctx; i++)
        if (L->ctxs[i]->t == t) return L->ctxs[i];
    return NULL;
}

static int live_problem_open(etsim_oracle *o, int32_t problem, etsim_tree *t, etsim_err *err) {
    lv_live *L = impl(o);
    if (problem < 0 || problem >= L->data.n)
        return etsim_errf(err, "problem %d: the dataset has %d problems", problem, L->data.n);
    const etsim_live_problem *p = &L->data.p[problem];
    t->prob.index = problem;
    etsim_problem_set(&t->prob, p->id, p->question, p->answer, p->subject, p->level);
    /* The prompt's token count arrives with the first policy reply. */
    etsim_tree_add_root(t, 0);
    return 0;
}

static int live_expand(etsim_oracle *o, etsim_tree *t, int32_t node, int32_t want,
                       etsim_err *err) {
    lv_live *L = impl(o);
    if (node < 0 || node >= t->n_nodes) return etsim_errf(err, "node %d: out of range", node);
    if (t->nodes[node].n_kids >= want) return want;
    pthread_mutex_lock(&L->lock);
    int rc = -1;
    if (L->failed) {
        *err = L->fail;
        goto done;
    }
    lv_job *j = lv_job_new(L, NULL, t, node, want);
    lv_job_start(j);
    while (j->stage != LV_DONE && !L->failed) etsim_http_step(L->http, 100);
    if (L->failed) {
        lv_job_orphan(j);
        *err = L->fail;
    } else if (lv_job_commit(j, err) == 0) {
        rc = want;
    }
    lv_job_free(j);
done:
    pthread_mutex_unlock(&L->lock);
    return rc;
}

static void ctx_free(lv_live *L, lv_ctx *cx) {
    for (int32_t i = 0; i < cx->n_jobs; i++) {
        if (cx->jobs[i]->stage != LV_DONE) lv_job_orphan(cx->jobs[i]);
        lv_job_free(cx->jobs[i]);
    }
    free(cx->jobs);
    free(cx);
    (void)L;
}

static void live_close(etsim_oracle *o) {
    lv_live *L = impl(o);
    /* The client first: cancelled requests run no callbacks, so the jobs
     * and call records can go afterwards in any order. */
    etsim_http_free(L->http);
    lv_calls_free(L);
    for (int32_t i = 0; i < L->n_ctx; i++) ctx_free(L, L->ctxs[i]);
    free(L->ctxs);
    etsim_live_dataset_free(&L->data);
    etsim_live_config_free(&L->cfg);
    free(L->completions_url);
    free(L->prm_endpoint);
    free(L->embed_endpoint);
    free(L->policy_model);
    free(L->prm_model);
    free(L->embed_model);
    pthread_mutex_destroy(&L->lock);
    free(L);
    etsim_meta_free(&o->meta);
    free(o);
}

static const etsim_oracle_vtab live_vtab = {
    .name = "live",
    .open = live_problem_open,
    .expand = live_expand,
    .close = live_close,
};

/* Deep copy of the config (every string duplicated). */
static void config_copy(etsim_live_config *d, const etsim_live_config *s) {
    *d = *s;
#define DUP(f) d->f = s->f ? etsim_strdup(s->f) : NULL
    DUP(policy_url);
    DUP(policy_model);
    DUP(prm_url);
    DUP(prm_model);
    DUP(prm_kind);
    DUP(embed_url);
    DUP(embed_model);
    DUP(tokenize_url);
    DUP(step_delimiter);
    DUP(prompt_template);
    DUP(step_template);
    DUP(policy_extra);
    DUP(prm_question_template);
    DUP(prm_step_template);
    DUP(prm_step_join);
    DUP(prm_transform);
    DUP(prm_pooling_task);
    DUP(embed_encoding);
#undef DUP
    d->http.auth_bearer = s->http.auth_bearer ? etsim_strdup(s->http.auth_bearer) : NULL;
    for (int i = 0; i < s->n_stop; i++) d->stop[i] = etsim_strdup(s->stop[i]);
    for (int i = 0; i < s->n_markers; i++) d->answer_markers[i] = etsim_strdup(s->answer_markers[i]);
    for (int i = 0; i < s->n_plus; i++) d->plus[i] = etsim_strdup(s->plus[i]);
    for (int i = 0; i < s->n_minus; i++) d->minus[i] = etsim_strdup(s->minus[i]);
}

etsim_oracle *etsim_live_open(const etsim_live_config *cfg, const char *dataset_path,
                              etsim_err *err) {
    etsim_oracle *o = etsim_calloc(1, sizeof *o);
    lv_live *L = etsim_calloc(1, sizeof *L);
    o->vt = &live_vtab;
    o->impl = L;
    pthread_mutex_init(&L->lock, NULL);
    config_copy(&L->cfg, cfg);
    L->prm = etsim_live_prm_find(cfg->prm_kind);
    if (!L->prm) {
        etsim_errf(err, "key prm_kind: '%s' is not a known PRM kind", cfg->prm_kind ? cfg->prm_kind : "");
        goto err;
    }
    L->emb_enc = etsim_trace_emb_encoding(cfg->embed_encoding ? cfg->embed_encoding : "f16");
    if (L->emb_enc < 0) {
        etsim_errf(err, "key embed_encoding: '%s' is not f32|f16|i8", cfg->embed_encoding);
        goto err;
    }
    if (etsim_live_dataset_load(dataset_path, &L->data, err) < 0) goto err;
    L->http = etsim_http_new(&L->cfg.http);
    L->completions_url = join_url(cfg->policy_url, "/completions");
    L->prm_endpoint = join_url(cfg->prm_url, L->prm->path);
    if (cfg->embed_url) L->embed_endpoint = join_url(cfg->embed_url, "/embeddings");
    if (probe_servers(L, err) < 0) goto err;
    etsim_meta *m = &o->meta;
    m->policy_model = etsim_strdup(L->policy_model);
    m->prm_model = etsim_strdup(L->prm_model);
    m->embed_model = L->embed_model ? etsim_strdup(L->embed_model) : NULL;
    m->tokenizer = etsim_strdup(L->policy_model);
    m->step_delimiter = etsim_strdup(cfg->step_delimiter);
    m->embed_encoding = L->emb_dim > 0 ? etsim_strdup(cfg->embed_encoding) : NULL;
    m->emb_dim = L->emb_dim;
    m->n_problems = L->data.n;
    return o;
err:
    live_close(o);
    return NULL;
}

/* ---- asynchronous expansion ---------------------------------------------------- */

int etsim_live_attach(etsim_oracle *o, etsim_tree *t) {
    lv_live *L = impl(o);
    if (ctx_of(L, t)) return 0;
    lv_ctx *cx = etsim_calloc(1, sizeof *cx);
    cx->t = t;
    etsim_grow((void **)&L->ctxs, &L->cap_ctx, (int64_t)L->n_ctx + 1, sizeof *L->ctxs);
    L->ctxs[L->n_ctx++] = cx;
    return 0;
}

void etsim_live_detach(etsim_oracle *o, etsim_tree *t) {
    lv_live *L = impl(o);
    for (int32_t i = 0; i < L->n_ctx; i++)
        if (L->ctxs[i]->t == t) {
            ctx_free(L, L->ctxs[i]);
            L->ctxs[i] = L->ctxs[--L->n_ctx];
            return;
        }
}

int etsim_live_request(etsim_oracle *o, etsim_tree *t, int32_t node, int32_t want,
                       etsim_err *err) {
    lv_live *L = impl(o);
    lv_ctx *cx = ctx_of(L, t);
    if (!cx) return etsim_errf(err, "problem %d: the tree is not attached", t->prob.index);
    if (node < 0 || node >= t->n_nodes)
        return etsim_errf(err, "problem %d: node %d: out of range", t->prob.index, node);
    if (t->nodes[node].n_kids >= want) return 0;
    for (int32_t i = 0; i < cx->n_jobs; i++)
        if (cx->jobs[i]->node == node)
            return etsim_errf(err, "problem %d node %d: children requested twice before a commit",
                              t->prob.index, node);
    lv_job *j = lv_job_new(L, cx, t, node, want);
    etsim_grow((void **)&cx->jobs, &cx->cap_jobs, (int64_t)cx->n_jobs + 1, sizeof *cx->jobs);
    cx->jobs[cx->n_jobs++] = j;
    cx->jobs_left++;
    lv_job_start(j);
    return 1;
}

int etsim_live_outstanding(etsim_oracle *o, etsim_tree *t) {
    lv_ctx *cx = ctx_of(impl(o), t);
    return cx ? cx->jobs_left : 0;
}

int etsim_live_commit(etsim_oracle *o, etsim_tree *t, etsim_err *err) {
    lv_ctx *cx = ctx_of(impl(o), t);
    if (!cx) return 0;
    int rc = 0;
    for (int32_t i = 0; i < cx->n_jobs; i++) {
        if (rc == 0 && lv_job_commit(cx->jobs[i], err) < 0) rc = -1;
        lv_job_free(cx->jobs[i]);
    }
    cx->n_jobs = 0;
    cx->jobs_left = 0;
    return rc;
}

int etsim_live_problem_counts(etsim_oracle *o, etsim_tree *t, etsim_live_counts *c) {
    lv_ctx *cx = ctx_of(impl(o), t);
    if (!cx) return -1;
    *c = cx->counts;
    return 0;
}

int etsim_live_poll(etsim_oracle *o, int timeout_ms, etsim_err *err) {
    lv_live *L = impl(o);
    if (!L->failed) etsim_http_step(L->http, timeout_ms);
    if (L->failed) {
        if (err) *err = L->fail;
        return -1;
    }
    return 0;
}
