/* http.c -- libcurl multi client (see http.h).
 *
 * How it works. Requests wait in a FIFO until a transfer slot is free
 * (max_in_flight), then get an easy handle from a pool and join the multi
 * handle, whose connection cache keeps connections alive between requests.
 * A finished transfer is classified: success runs the callback with the
 * reply; a transient failure parks the request on a retry list with its due
 * time; anything else runs the callback with a one-line message. Retry
 * delays carry no jitter, so a run is reproducible. */
#include "traces/capture/http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/core/sbuf.h"

struct etsim_http_req {
    etsim_http_req *next;
    const char *label;
    char *url;
    char *body;
    size_t body_len;
    int is_post;
    etsim_http_done_fn done;
    void *ctx;
    int attempt;             /* transfers started so far                  */
    int max_retries;
    long connect_timeout_ms;
    double due_s;            /* retry list: when to start again           */
    size_t max_reply;
    CURL *easy;
    etsim_sbuf resp;
    int too_big;
};

typedef struct req_list {
    etsim_http_req *head, *tail;
    int n;
} req_list;

struct etsim_http {
    etsim_http_opts o;
    CURLM *multi;
    struct curl_slist *headers;
    char *auth_header;
    CURL **pool;
    int n_pool, cap_pool;
    req_list queue;          /* ready to start                             */
    req_list retry;          /* waiting for their due time                 */
    req_list active;         /* transfers in the multi handle              */
    int in_flight;
    int max_retries;         /* applied to newly queued requests           */
    long connect_timeout_ms;
    etsim_http_stats st;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

void etsim_http_opts_default(etsim_http_opts *o) {
    memset(o, 0, sizeof *o);
    o->max_in_flight = 64;
    o->connect_timeout_ms = 5000;
    o->timeout_ms = 600000;
    o->max_retries = 8;
    o->backoff_base_ms = 250;
    o->backoff_max_ms = 8000;
    o->max_reply = (size_t)256 << 20;
}

static void list_push(req_list *l, etsim_http_req *r) {
    r->next = NULL;
    if (l->tail) l->tail->next = r;
    else l->head = r;
    l->tail = r;
    l->n++;
}

static etsim_http_req *list_pop(req_list *l) {
    etsim_http_req *r = l->head;
    if (!r) return NULL;
    l->head = r->next;
    if (!l->head) l->tail = NULL;
    l->n--;
    r->next = NULL;
    return r;
}

static void list_remove(req_list *l, etsim_http_req *r) {
    etsim_http_req *prev = NULL;
    for (etsim_http_req *q = l->head; q; prev = q, q = q->next) {
        if (q != r) continue;
        if (prev) prev->next = q->next;
        else l->head = q->next;
        if (l->tail == q) l->tail = prev;
        l->n--;
        q->next = NULL;
        return;
    }
}

etsim_http *etsim_http_new(const etsim_http_opts *opts) {
    pthread_once(&curl_once, curl_init_once);
    etsim_http *h = etsim_calloc(1, sizeof *h);
    if (opts) h->o = *opts;
    else etsim_http_opts_default(&h->o);
    if (h->o.max_in_flight < 1) h->o.max_in_flight = 1;
    h->max_retries = h->o.max_retries;
    h->connect_timeout_ms = h->o.connect_timeout_ms;
    h->multi = curl_multi_init();
    if (!h->multi) {
        fprintf(stderr, "etsim: cannot create a libcurl multi handle\n");
        abort();
    }
    curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)h->o.max_in_flight);
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->o.max_in_flight + 8);
    h->headers = curl_slist_append(NULL, "Content-Type: application/json");
    /* Without this curl waits for "100 Continue" before sending bodies over
     * 1 KiB, which many small servers never send. */
    h->headers = curl_slist_append(h->headers, "Expect:");
    if (h->o.auth_bearer) {
        size_t n = strlen(h->o.auth_bearer) + 32;
        h->auth_header = etsim_malloc(n);
        snprintf(h->auth_header, n, "Authorization: Bearer %s", h->o.auth_bearer);
        h->headers = curl_slist_append(h->headers, h->auth_header);
    }
    return h;
}

static void req_free(etsim_http_req *r) {
    free(r->url);
    free(r->body);
    etsim_sbuf_free(&r->resp);
    free(r);
}

void etsim_http_free(etsim_http *h) {
    if (!h) return;
    etsim_http_req *r;
    while ((r = list_pop(&h->queue))) req_free(r);
    while ((r = list_pop(&h->retry))) req_free(r);
    while ((r = list_pop(&h->active))) {
        curl_multi_remove_handle(h->multi, r->easy);
        curl_easy_cleanup(r->easy);
        req_free(r);
    }
    for (int i = 0; i < h->n_pool; i++) curl_easy_cleanup(h->pool[i]);
    free(h->pool);
    curl_multi_cleanup(h->multi);
    curl_slist_free_all(h->headers);
    free(h->auth_header);
    free(h);
}

static void queue_req(etsim_http *h, const char *label, const char *url, char *body,
                      size_t len, int is_post, etsim_http_done_fn done, void *ctx) {
    etsim_http_req *r = etsim_calloc(1, sizeof *r);
    r->label = label;
    r->url = etsim_strdup(url);
    r->body = body;
    r->body_len = len;
    r->is_post = is_post;
    r->done = done;
    r->ctx = ctx;
    r->max_retries = h->max_retries;
    r->connect_timeout_ms = h->connect_timeout_ms;
    r->max_reply = h->o.max_reply;
    list_push(&h->queue, r);
}

void etsim_http_post(etsim_http *h, const char *label, const char *url, const char *body,
                     size_t len, etsim_http_done_fn done, void *ctx) {
    char *copy = etsim_malloc(len + 1);
    memcpy(copy, body, len);
    copy[len] = 0;
    queue_req(h, label, url, copy, len, 1, done, ctx);
}

void etsim_http_post_owned(etsim_http *h, const char *label, const char *url, char *body,
                           size_t len, etsim_http_done_fn done, void *ctx) {
    queue_req(h, label, url, body, len, 1, done, ctx);
}

void etsim_http_get(etsim_http *h, const char *label, const char *url,
                    etsim_http_done_fn done, void *ctx) {
    queue_req(h, label, url, NULL, 0, 0, done, ctx);
}

void etsim_http_set_retries(etsim_http *h, int max_retries, long connect_timeout_ms) {
    h->max_retries = max_retries;
    h->connect_timeout_ms = connect_timeout_ms;
}

int etsim_http_pending(const etsim_http *h) {
    return h->queue.n + h->retry.n + h->in_flight;
}

void etsim_http_get_stats(const etsim_http *h, etsim_http_stats *s) { *s = h->st; }

/* Append to the reply buffer; returning short aborts the transfer, which is
 * how replies over the size limit end (a chunked reply has no length that
 * CURLOPT_MAXFILESIZE could check up front). */
static size_t on_write(char *data, size_t size, size_t nmemb, void *userp) {
    etsim_http_req *r = userp;
    size_t n = size * nmemb;
    if (r->max_reply && (size_t)r->resp.len + n > r->max_reply) {
        r->too_big = 1;
        return 0;
    }
    etsim_sbuf_put(&r->resp, data, n);
    return n;
}

static void start_one(etsim_http *h, etsim_http_req *r) {
    CURL *e = h->n_pool ? h->pool[--h->n_pool] : curl_easy_init();
    if (!e) {
        fprintf(stderr, "etsim: cannot create a libcurl easy handle\n");
        abort();
    }
    curl_easy_reset(e);
    r->easy = e;
    r->resp.len = 0; /* a retry starts the reply afresh */
    r->too_big = 0;
    r->attempt++;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->headers);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->o.timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
    if (h->o.max_reply) curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->o.max_reply);
    if (r->is_post) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
    h->st.attempts++;
    h->st.bytes_out += (int64_t)r->body_len;
    curl_multi_add_handle(h->multi, e);
    list_push(&h->active, r);
    h->in_flight++;
}

static void promote_retries(etsim_http *h, double now) {
    req_list keep = {0};
    etsim_http_req *r;
    while ((r = list_pop(&h->retry))) {
        if (r->due_s <= now) list_push(&h->queue, r);
        else list_push(&keep, r);
    }
    h->retry = keep;
}

static void start_queued(etsim_http *h) {
    while (h->in_flight < h->o.max_in_flight && h->queue.head) start_one(h, list_pop(&h->queue));
}

void etsim_http_excerpt(char *buf, size_t cap, const char *s, size_t len, size_t max) {
    size_t at = strlen(buf);
    if (!s) s = "", len = 0;
    for (size_t i = 0; i < len && i < max && at + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') at += (size_t)snprintf(buf + at, cap - at, "\\n");
        else if (c == '\r') at += (size_t)snprintf(buf + at, cap - at, "\\r");
        else if (c == '\t') at += (size_t)snprintf(buf + at, cap - at, "\\t");
        else if (c < 0x20 || c == 0x7f) at += (size_t)snprintf(buf + at, cap - at, "\\x%02x", c);
        else buf[at++] = (char)c;
    }
    if (len > max && at + 4 < cap) {
        memcpy(buf + at, "...", 3);
        at += 3;
    }
    if (at < cap) buf[at] = 0;
    else buf[cap - 1] = 0;
}

static void fail_msg(etsim_err *err, const etsim_http_req *r, const char *why) {
    char req[200] = "", rep[240] = "";
    etsim_http_excerpt(req, sizeof req, r->body, r->body_len, 150);
    etsim_http_excerpt(rep, sizeof rep, r->resp.data, (size_t)r->resp.len, 200);
    etsim_errf(err, "%s %s: %s after %d attempt%s; request '%s'; reply '%s'", r->label, r->url,
               why, r->attempt, r->attempt == 1 ? "" : "s", req, rep);
}

static int is_transient_curl(CURLcode rc) {
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
        return 1;
    default:
        return 0;
    }
}

static double now_s(void) { return etsim_now_s(); }

/* Handle one finished transfer. Returns 1 if a callback ran. */
static int finish_one(etsim_http *h, CURL *e, CURLcode rc) {
    etsim_http_req *r = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(h->multi, e);
    list_remove(&h->active, r);
    if (h->n_pool == h->cap_pool) {
        h->cap_pool = h->cap_pool ? h->cap_pool * 2 : 16;
        h->pool = etsim_realloc(h->pool, (size_t)h->cap_pool * sizeof *h->pool);
    }
    h->pool[h->n_pool++] = e;
    h->in_flight--;
    r->easy = NULL;
    h->st.bytes_in += r->resp.len;

    char why[128];
    int transient = 0;
    if (rc == CURLE_OK && status >= 200 && status < 300) {
        h->st.requests++;
        etsim_sbuf_reserve(&r->resp, 0); /* "" rather than NULL for an empty reply */
        r->done(r->ctx, r->resp.data, (size_t)r->resp.len, NULL);
        req_free(r);
        return 1;
    }
    if (rc == CURLE_OK) {
        snprintf(why, sizeof why, "HTTP %ld", status);
        transient = status >= 500 || status == 408 || status == 429;
    } else if (rc == CURLE_FILESIZE_EXCEEDED || r->too_big) {
        snprintf(why, sizeof why, "reply larger than %zu bytes", h->o.max_reply);
    } else {
        snprintf(why, sizeof why, "%s", curl_easy_strerror(rc));
        transient = is_transient_curl(rc);
    }
    if (transient && r->attempt <= r->max_retries) {
        double delay = (double)h->o.backoff_base_ms;
        for (int i = 1; i < r->attempt && delay < (double)h->o.backoff_max_ms; i++) delay *= 2;
        if (delay > (double)h->o.backoff_max_ms) delay = (double)h->o.backoff_max_ms;
        r->due_s = now_s() + delay / 1000.0;
        h->st.retries++;
        list_push(&h->retry, r);
        return 0;
    }
    etsim_err err;
    fail_msg(&err, r, why);
    h->st.failures++;
    r->done(r->ctx, NULL, 0, &err);
    req_free(r);
    return 1;
}

static int drain(etsim_http *h) {
    int ran = 0, left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(h->multi, &left)))
        if (m->msg == CURLMSG_DONE) ran += finish_one(h, m->easy_handle, m->data.result);
    return ran;
}

static void sleep_ms(double ms) {
    if (ms <= 0) return;
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
    nanosleep(&ts, NULL);
}

int etsim_http_step(etsim_http *h, int timeout_ms) {
    int running = 0;
    promote_retries(h, now_s());
    start_queued(h);
    curl_multi_perform(h->multi, &running);
    int ran = drain(h);
    if (!ran && etsim_http_pending(h)) {
        double wait = timeout_ms;
        double now = now_s();
        for (etsim_http_req *r = h->retry.head; r; r = r->next) {
            double d = (r->due_s - now) * 1000.0;
            if (d < wait) wait = d < 0 ? 0 : d;
        }
        long curl_wait = -1;
        curl_multi_timeout(h->multi, &curl_wait); /* curl's own timers (may be 0) */
        if (curl_wait >= 0 && curl_wait < wait) wait = (double)curl_wait;
        if (h->in_flight) curl_multi_poll(h->multi, NULL, 0, (int)wait, NULL);
        else if (!h->queue.head) sleep_ms(wait);
        promote_retries(h, now_s());
        start_queued(h);
        curl_multi_perform(h->multi, &running);
        drain(h);
    }
    start_queued(h);
    return etsim_http_pending(h);
}
