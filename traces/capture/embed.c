/* embed.c -- (re)embed the step texts of a trace (see embed.h).
 *
 * How it works. The backend embeds "probe" first, which checks that it
 * works (naming the URL or program when it does not) and gives the
 * dimension. Then each problem is loaded, the texts of its nodes (the
 * root, which is the prompt, excepted) are embedded -- through the HTTP
 * client in batches all in flight at once, or through one long-lived
 * fastText process fed by a writer thread while this thread reads one
 * vector line per text -- and the problem is written to the output trace
 * with the new vectors replacing any old ones. Blank steps are not sent:
 * they get the zero vector and are counted (embed.h). The output is written to a
 * temporary file and renamed into place, so a failure leaves the input as
 * it was. */
#include "traces/capture/embed.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traces/capture/http.h"
#include "sim/core/sbuf.h"
#include "traces/capture/parse.h"
#include "traces/trace.h"

typedef struct backend {
    int fasttext;
    int32_t dim;
    int64_t requests;
    /* http */
    etsim_http *h;
    char *url, *model;
    int32_t batch;
    /* fastText */
    const char *bin;
    char *model_path;
    pid_t pid;
    int to_child;
    FILE *from_child;
    char *line;
    size_t line_cap;
} backend;

/* ---- HTTP ------------------------------------------------------------------------- */

typedef struct batch {
    backend *b;
    int32_t n;
    int32_t dim;
    float *v;
    int done, failed;
    etsim_err err;
} batch;

static void on_batch(void *ctx, const char *body, size_t len, const etsim_err *failure) {
    batch *bt = ctx;
    bt->done = 1;
    if (failure) {
        bt->failed = 1;
        bt->err = *failure;
        return;
    }
    bt->dim = bt->b->dim;
    etsim_err e;
    if (etsim_live_parse_embeddings(body, len, bt->n, &bt->dim, &bt->v, &e) < 0) {
        bt->failed = 1;
        char rep[200] = "";
        etsim_http_excerpt(rep, sizeof rep, body, len, 160);
        etsim_errf(&bt->err, "embedder %s: malformed reply: %.200s; reply '%s'", bt->b->url, e.msg, rep);
    }
}

static int http_embed(backend *b, char *const *texts, int32_t n, float *out, etsim_err *err) {
    int32_t nb = (n + b->batch - 1) / b->batch;
    batch *bt = etsim_calloc((size_t)(nb ? nb : 1), sizeof *bt);
    for (int32_t k = 0; k < nb; k++) {
        int32_t lo = k * b->batch, m = n - lo < b->batch ? n - lo : b->batch;
        etsim_sbuf j = {0};
        etsim_sbuf_puts(&j, "{\"model\":");
        etsim_sbuf_json_string_mode(&j, b->model, ETSIM_JSON_BYTES);
        etsim_sbuf_puts(&j, ",\"encoding_format\":\"float\",\"input\":[");
        for (int32_t i = 0; i < m; i++) {
            if (i) etsim_sbuf_puts(&j, ",");
            etsim_sbuf_json_string_mode(&j, texts[lo + i], ETSIM_JSON_BYTES);
        }
        etsim_sbuf_puts(&j, "]}");
        size_t len;
        char *body = etsim_sbuf_take(&j, &len);
        bt[k].b = b;
        bt[k].n = m;
        etsim_http_post_owned(b->h, "embedder", b->url, body, len, on_batch, &bt[k]);
        b->requests++;
    }
    while (etsim_http_pending(b->h) > 0) etsim_http_step(b->h, 100);
    int rc = 0;
    for (int32_t k = 0; k < nb && rc == 0; k++) {
        if (bt[k].failed) {
            *err = bt[k].err;
            rc = -1;
        } else if (b->dim && bt[k].dim != b->dim) {
            rc = etsim_errf(err, "embedder %s: dimension %d, earlier %d", b->url, bt[k].dim, b->dim);
        } else {
            b->dim = bt[k].dim;
            if (out) memcpy(out + (size_t)k * b->batch * b->dim, bt[k].v,
                            (size_t)bt[k].n * b->dim * sizeof *out);
        }
    }
    for (int32_t k = 0; k < nb; k++) free(bt[k].v);
    free(bt);
    return rc;
}

/* ---- fastText ---------------------------------------------------------------------- */

typedef struct feeder {
    int fd;
    char *const *texts;
    int32_t n;
    int failed;
} feeder;

static void *feed(void *arg) {
    feeder *f = arg;
    for (int32_t i = 0; i < f->n && !f->failed; i++) {
        /* One line per text: fastText reads a sentence up to the newline. */
        size_t len = strlen(f->texts[i]);
        char *line = etsim_malloc(len + 2);
        for (size_t k = 0; k < len; k++) {
            char c = f->texts[i][k];
            line[k] = c == '\n' || c == '\r' ? ' ' : c;
        }
        line[len] = '\n';
        size_t off = 0;
        while (off < len + 1) {
            ssize_t w = send(f->fd, line + off, len + 1 - off, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                f->failed = 1;
                break;
            }
            off += (size_t)w;
        }
        free(line);
    }
    return NULL;
}

static int fasttext_start(backend *b, etsim_err *err) {
    /* stdin is a socket so that writing to a dead child fails with EPIPE
     * (MSG_NOSIGNAL) instead of raising SIGPIPE in this process. */
    int in[2], out[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, in) < 0 || pipe(out) < 0)
        return etsim_errf(err, "fasttext: cannot create pipes: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) return etsim_errf(err, "fasttext: cannot fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execlp(b->bin, b->bin, "print-sentence-vectors", b->model_path, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    b->pid = pid;
    b->to_child = in[1];
    b->from_child = fdopen(out[0], "r");
    return 0;
}

static int fasttext_died(backend *b, etsim_err *err) {
    int status = 0;
    if (b->pid > 0 && waitpid(b->pid, &status, 0) == b->pid) {
        b->pid = -1;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            return etsim_errf(err, "fasttext: cannot run '%s' (install the Debian package fasttext "
                              "or set ETSIM_FASTTEXT)", b->bin);
        return etsim_errf(err, "fasttext: '%s print-sentence-vectors %s' ended (status %d) "
                          "before printing every vector", b->bin, b->model_path, status);
    }
    return etsim_errf(err, "fasttext: no output from '%s'", b->bin);
}

static int fasttext_embed(backend *b, char *const *texts, int32_t n, float *out, etsim_err *err) {
    feeder f = {b->to_child, texts, n, 0};
    pthread_t th;
    if (pthread_create(&th, NULL, feed, &f) != 0) return etsim_errf(err, "fasttext: cannot start a thread");
    int rc = 0;
    for (int32_t i = 0; i < n && rc == 0; i++) {
        ssize_t len = getline(&b->line, &b->line_cap, b->from_child);
        if (len <= 0) {
            f.failed = 1;
            /* Unblock the feeder (its pipe has no reader any more). */
            rc = fasttext_died(b, err);
            break;
        }
        int32_t d = 0;
        char *p = b->line, *end;
        for (;;) {
            float v = strtof(p, &end);
            if (end == p) break;
            if (b->dim && d >= b->dim) {
                d++;
                break;
            }
            if (out && b->dim) out[(size_t)i * b->dim + d] = v;
            d++;
            p = end;
        }
        if (b->dim == 0) {
            if (d < 1) rc = etsim_errf(err, "fasttext: output line %d holds no numbers", i + 1);
            b->dim = d;
        } else if (d != b->dim) {
            rc = etsim_errf(err, "fasttext: output line %d holds %d numbers, expected %d", i + 1, d,
                            b->dim);
        }
    }
    if (rc < 0 && b->pid > 0) kill(b->pid, SIGKILL);
    pthread_join(th, NULL);
    return rc;
}

/* ---- driver -------------------------------------------------------------------------- */

/* Text empty or only whitespace: nothing to embed (see embed.h). */
static int blank_text(const char *s) {
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' && *s != '\v')
            return 0;
    return 1;
}

static int zero_vector(const float *v, int32_t dim) {
    for (int32_t k = 0; k < dim; k++)
        if (v[k] != 0.0f) return 0;
    return 1;
}

static int backend_embed(backend *b, char *const *texts, int32_t n, float *out, etsim_err *err) {
    if (n == 0) return 0;
    return b->fasttext ? fasttext_embed(b, texts, n, out, err) : http_embed(b, texts, n, out, err);
}

static void backend_close(backend *b) {
    etsim_http_free(b->h);
    free(b->url);
    free(b->model);
    free(b->model_path);
    free(b->line);
    if (b->to_child > 0) close(b->to_child);
    if (b->from_child) fclose(b->from_child);
    if (b->pid > 0) waitpid(b->pid, NULL, 0);
}

typedef struct models_probe {
    int done;
    char *id;
    etsim_err err;
    int failed;
} models_probe;

static void on_models(void *ctx, const char *body, size_t len, const etsim_err *failure) {
    models_probe *p = ctx;
    p->done = 1;
    if (failure) {
        p->failed = 1;
        p->err = *failure;
    } else if (etsim_live_parse_models(body, len, &p->id, &p->err) < 0) {
        p->failed = 1;
    }
}

static int backend_open(backend *b, const etsim_embed_opts *o, etsim_err *err) {
    memset(b, 0, sizeof *b);
    b->batch = o->batch > 0 ? o->batch : 64;
    if (!strncmp(o->backend, "fasttext:", 9)) {
        b->fasttext = 1;
        b->model_path = etsim_strdup(o->backend + 9);
        b->bin = o->fasttext_bin ? o->fasttext_bin : "fasttext";
        if (access(b->model_path, R_OK) != 0)
            return etsim_errf(err, "fasttext model %s: %s", b->model_path, strerror(errno));
        if (fasttext_start(b, err) < 0) return -1;
    } else if (!strncmp(o->backend, "http://", 7) || !strncmp(o->backend, "https://", 8)) {
        etsim_http_opts ho;
        etsim_http_opts_default(&ho);
        ho.max_retries = 4;
        b->h = etsim_http_new(&ho);
        size_t n = strlen(o->backend);
        while (n > 0 && o->backend[n - 1] == '/') n--;
        int full = n >= 11 && !strncmp(o->backend + n - 11, "/embeddings", 11);
        b->url = etsim_malloc(n + 16);
        memcpy(b->url, o->backend, n);
        strcpy(b->url + n, full ? "" : "/embeddings");
        if (o->model) {
            b->model = etsim_strdup(o->model);
        } else {
            size_t base = strlen(b->url) - 11;
            char *murl = etsim_malloc(base + 16);
            memcpy(murl, b->url, base);
            strcpy(murl + base, "/models");
            models_probe p = {0};
            etsim_http_set_retries(b->h, 0, 3000);
            etsim_http_get(b->h, "embedder", murl, on_models, &p);
            while (!p.done) etsim_http_step(b->h, 100);
            etsim_http_set_retries(b->h, ho.max_retries, ho.connect_timeout_ms);
            free(murl);
            if (p.failed) {
                *err = p.err;
                return etsim_err_prefix(err, "embedding server unreachable or not OpenAI-compatible");
            }
            if (!p.id) return etsim_errf(err, "embedder %s: serves no model (give --model)", b->url);
            b->model = p.id;
        }
    } else {
        return etsim_errf(err, "backend '%s': expected http://HOST:PORT/v1/embeddings or fasttext:MODEL",
                          o->backend);
    }
    /* The probe: checks the backend and gives the dimension. */
    char *probe = "probe";
    return backend_embed(b, &probe, 1, NULL, err);
}

static char *settings_with_embed(const char *settings, const etsim_embed_opts *o, const char *model) {
    cJSON *s = settings ? cJSON_Parse(settings) : NULL;
    if (!cJSON_IsObject(s)) {
        cJSON_Delete(s);
        s = cJSON_CreateObject();
    }
    cJSON_DeleteItemFromObjectCaseSensitive(s, "embed");
    cJSON *e = cJSON_AddObjectToObject(s, "embed");
    cJSON_AddStringToObject(e, "backend", o->backend);
    if (model) cJSON_AddStringToObject(e, "model", model);
    char *out = cJSON_PrintUnformatted(s);
    cJSON_Delete(s);
    return out;
}

int etsim_embed_trace(const etsim_embed_opts *o, etsim_embed_report *rep, etsim_err *err) {
    memset(rep, 0, sizeof *rep);
    rep->blank_problem = rep->blank_node = rep->zero_problem = rep->zero_node = -1;
    backend b;
    float *zeros = NULL;
    int32_t *blank_ids = NULL;
    int64_t cap_b = 0;
    etsim_trace *tr = NULL;
    etsim_trace_writer *w = NULL;
    etsim_trace_scratch *sc = NULL;
    etsim_tree t;
    etsim_meta m;
    char **texts = NULL;
    int32_t *ids = NULL;
    float *vec = NULL;
    int64_t cap_t = 0, cap_i = 0, cap_v = 0;
    int rc = -1;
    memset(&m, 0, sizeof m);
    etsim_tree_init(&t, 0);
    tr = etsim_trace_open(o->in, err);
    if (!tr) {
        memset(&b, 0, sizeof b);
        goto done;
    }
    if (backend_open(&b, o, err) < 0) goto done;
    etsim_meta_copy(&m, etsim_trace_meta(tr));
    m.emb_dim = b.dim;
    free(m.embed_model);
    m.embed_model = etsim_strdup(b.fasttext ? o->backend : b.model);
    const char *enc = o->encoding ? o->encoding : m.embed_encoding ? m.embed_encoding : "f16";
    if (etsim_trace_emb_encoding(enc) < 0) {
        etsim_errf(err, "encoding '%s' is not f32|f16|i8", enc);
        goto done;
    }
    char *enc_copy = etsim_strdup(enc);
    free(m.embed_encoding);
    m.embed_encoding = enc_copy;
    char *settings = settings_with_embed(m.settings_json, o, m.embed_model);
    free(m.settings_json);
    m.settings_json = settings;
    m.n_problems = etsim_trace_problems_planned(tr);
    w = etsim_trace_writer_open(o->out ? o->out : o->in, &m, 0, err);
    if (!w) goto done;
    sc = etsim_trace_scratch_new();
    rep->dim = b.dim;
    zeros = etsim_calloc((size_t)(b.dim > 0 ? b.dim : 1), sizeof *zeros);
    for (int32_t k = 0; k < etsim_trace_n_problems(tr); k++) {
        if (etsim_trace_load(tr, k, &t, sc, err) < 0) goto done;
        int32_t n = 0, n_blank = 0;
        for (int32_t i = 1; i < t.n_nodes; i++) {
            const char *s = etsim_tree_text(&t, i);
            if (!s) continue;
            if (blank_text(s)) {
                etsim_grow((void **)&blank_ids, &cap_b, n_blank + 1, sizeof *blank_ids);
                blank_ids[n_blank++] = i;
                if (rep->blank == 0) {
                    rep->blank_problem = t.prob.index;
                    rep->blank_node = i;
                }
                rep->blank++;
                continue;
            }
            etsim_grow((void **)&texts, &cap_t, n + 1, sizeof *texts);
            etsim_grow((void **)&ids, &cap_i, n + 1, sizeof *ids);
            texts[n] = (char *)s;
            ids[n++] = i;
        }
        etsim_grow((void **)&vec, &cap_v, (int64_t)n * b.dim + 1, sizeof *vec);
        if (backend_embed(&b, texts, n, vec, err) < 0) {
            etsim_err_prefix(err, "%s: problem %d", o->in, k);
            goto done;
        }
        t.emb_dim = b.dim;
        t.emb_rows = 0;
        for (int32_t i = 0; i < t.n_nodes; i++) t.nodes[i].emb_row = -1;
        for (int32_t i = 0; i < n; i++) {
            const float *v = vec + (size_t)i * b.dim;
            if (zero_vector(v, b.dim)) {
                if (rep->zero == 0) {
                    rep->zero_problem = t.prob.index;
                    rep->zero_node = ids[i];
                }
                rep->zero++;
            }
            etsim_tree_set_embedding(&t, ids[i], v);
        }
        for (int32_t i = 0; i < n_blank; i++) etsim_tree_set_embedding(&t, blank_ids[i], zeros);
        if (etsim_trace_writer_add(w, &t, err) < 0) goto done;
        rep->problems++;
        rep->nodes += t.n_nodes;
        rep->embedded += n + n_blank;
    }
    etsim_trace_close(tr);
    tr = NULL;
    rc = etsim_trace_writer_finish(w, err);
    w = NULL;
done:
    rep->requests = b.requests;
    etsim_trace_writer_abort(w);
    backend_close(&b);
    etsim_trace_scratch_free(sc);
    etsim_trace_close(tr);
    etsim_tree_free(&t);
    etsim_meta_free(&m);
    free(texts);
    free(ids);
    free(vec);
    free(zeros);
    free(blank_ids);
    return rc;
}
