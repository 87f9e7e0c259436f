/* loopback.c -- the in-process loopback HTTP server (see loopback.h).
 *
 * How it works. One thread polls the listening socket, every client socket
 * and a wake-up pipe. Bytes read are appended to the client's buffer; each
 * complete request (headers up to a blank line, then Content-Length bytes)
 * is answered in full with a blocking send. Requests are numbered in the
 * order they complete, which is what the fault options count. */
#include "traces/capture/loopback.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/core/sbuf.h"

#define MAX_CLIENTS 1024

typedef struct client {
    int fd;
    etsim_sbuf in;       /* bytes received and not yet answered */
    char buf_req[256];   /* the current request's first line */
    size_t req_len;
} client;

struct etsim_loopback {
    etsim_loopback_opts o;
    char *reply;
    size_t reply_len;
    int listen_fd;
    int wake[2];
    int port;
    pthread_t thread;
    client clients[MAX_CLIENTS];
    int n_clients;
    int64_t requests; /* atomically read by etsim_loopback_requests */
};

static void client_close(etsim_loopback *s, int i) {
    close(s->clients[i].fd);
    etsim_sbuf_free(&s->clients[i].in);
    s->clients[i] = s->clients[--s->n_clients];
}

static int send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int respond(int fd, int status, const char *body, size_t len) {
    char head[256];
    const char *reason = status == 200 ? "OK" : status == 400 ? "Bad Request" : "Internal Server Error";
    int hn = snprintf(head, sizeof head,
                      "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\nConnection: keep-alive\r\n\r\n",
                      status, reason, len);
    if (send_all(fd, head, (size_t)hn) < 0) return -1;
    return send_all(fd, body, len);
}

static char *find_blank_line(char *p, size_t n) {
    for (size_t i = 0; i + 4 <= n; i++)
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') return p + i;
    return NULL;
}

/* Answer every complete request in the client's buffer. Returns -1 when
 * the connection must be closed. */
static int serve_buffer(etsim_loopback *s, client *c) {
    for (;;) {
        char *buf = c->in.data;
        size_t len = (size_t)c->in.len;
        char *end = find_blank_line(buf, len);
        if (!end) return 0;
        size_t head_len = (size_t)(end - buf) + 4, body_len = 0;
        for (char *p = buf; p < end; p++) {
            if ((p == buf || p[-1] == '\n') && !strncasecmp(p, "content-length:", 15)) {
                body_len = (size_t)strtoul(p + 15, NULL, 10);
                break;
            }
        }
        if (len < head_len + body_len) return 0;
        char *eol = memchr(buf, '\n', head_len);
        c->req_len = eol ? (size_t)(eol - buf) : 0;
        if (c->req_len > sizeof c->buf_req) c->req_len = sizeof c->buf_req;
        memcpy(c->buf_req, buf, c->req_len);
        memmove(buf, buf + head_len + body_len, len - head_len - body_len);
        c->in.len -= (int64_t)(head_len + body_len);
        int64_t k = __atomic_add_fetch(&s->requests, 1, __ATOMIC_RELAXED);
        const etsim_loopback_opts *o = &s->o;
        if (o->drop_every > 0 && k % o->drop_every == 0) return -1;
        int rc;
        if (o->fail_every > 0 && k % o->fail_every == 0) {
            rc = respond(c->fd, 500, "{\"error\":\"injected\"}", 20);
        } else if (o->client_error_every > 0 && k % o->client_error_every == 0) {
            static const char e[] = "{\"error\":{\"message\":\"injected bad request\"}}";
            rc = respond(c->fd, 400, e, sizeof e - 1);
        } else if (o->bad_json_every > 0 && k % o->bad_json_every == 0) {
            rc = respond(c->fd, 200, "{not json", 9);
        } else {
            const char *body = s->reply;
            /* "METHOD /path HTTP/1.1": route on the path's ending. */
            char *sp = memchr(c->buf_req, ' ', c->req_len);
            char *sp2 = sp ? memchr(sp + 1, ' ', (size_t)(c->buf_req + c->req_len - sp - 1)) : NULL;
            for (int i = 0; sp2 && i < ETSIM_LOOPBACK_MAX_ROUTES && o->route_suffix[i]; i++) {
                size_t n = strlen(o->route_suffix[i]);
                if ((size_t)(sp2 - sp - 1) >= n && !memcmp(sp2 - n, o->route_suffix[i], n)) {
                    body = o->route_reply[i];
                    break;
                }
            }
            rc = respond(c->fd, 200, body, strlen(body));
        }
        if (rc < 0) return -1;
    }
}

static void *serve(void *arg) {
    etsim_loopback *s = arg;
    struct pollfd *pf = etsim_calloc(MAX_CLIENTS + 2, sizeof *pf);
    for (;;) {
        pf[0] = (struct pollfd){s->wake[0], POLLIN, 0};
        pf[1] = (struct pollfd){s->listen_fd, POLLIN, 0};
        for (int i = 0; i < s->n_clients; i++) pf[2 + i] = (struct pollfd){s->clients[i].fd, POLLIN, 0};
        int n = s->n_clients;
        if (poll(pf, (nfds_t)n + 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (pf[0].revents) break;
        /* Clients first (indices shift when one closes: walk backwards). */
        for (int i = n - 1; i >= 0; i--) {
            if (!pf[2 + i].revents) continue;
            client *c = &s->clients[i];
            char *at = etsim_sbuf_reserve(&c->in, 65536);
            ssize_t r = recv(c->fd, at, (size_t)(c->in.cap - c->in.len - 1), 0);
            if (r <= 0) {
                client_close(s, i);
                continue;
            }
            etsim_sbuf_added(&c->in, (size_t)r);
            if (serve_buffer(s, c) < 0) client_close(s, i);
        }
        if (pf[1].revents & POLLIN) {
            int fd = accept(s->listen_fd, NULL, NULL);
            if (fd >= 0 && s->n_clients < MAX_CLIENTS) {
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                s->clients[s->n_clients++] = (client){.fd = fd};
            } else if (fd >= 0) {
                close(fd);
            }
        }
    }
    free(pf);
    return NULL;
}

etsim_loopback *etsim_loopback_start(const etsim_loopback_opts *o, etsim_err *err) {
    etsim_loopback *s = etsim_calloc(1, sizeof *s);
    s->o = *o;
    s->reply = etsim_strdup(o->reply ? o->reply : "{}");
    s->reply_len = strlen(s->reply);
    s->wake[0] = s->wake[1] = -1;
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t al = sizeof a;
    int one = 1;
    if (s->listen_fd < 0 ||
        setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(s->listen_fd, 256) < 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &al) < 0 || pipe(s->wake) < 0) {
        etsim_errf(err, "loopback server: cannot listen on 127.0.0.1: %s", strerror(errno));
        goto err;
    }
    s->port = ntohs(a.sin_port);
    if (pthread_create(&s->thread, NULL, serve, s) != 0) {
        etsim_errf(err, "loopback server: cannot start its thread");
        goto err;
    }
    return s;
err:
    if (s->listen_fd >= 0) close(s->listen_fd);
    if (s->wake[0] >= 0) close(s->wake[0]);
    if (s->wake[1] >= 0) close(s->wake[1]);
    free(s->reply);
    free(s);
    return NULL;
}

int etsim_loopback_port(const etsim_loopback *s) { return s->port; }

int64_t etsim_loopback_requests(const etsim_loopback *s) {
    return __atomic_load_n(&s->requests, __ATOMIC_RELAXED);
}

void etsim_loopback_stop(etsim_loopback *s) {
    if (!s) return;
    char b = 1;
    if (write(s->wake[1], &b, 1) != 1) { /* the thread also ends on a closed pipe */
    }
    pthread_join(s->thread, NULL);
    while (s->n_clients > 0) client_close(s, s->n_clients - 1);
    close(s->listen_fd);
    close(s->wake[0]);
    close(s->wake[1]);
    free(s->reply);
    free(s);
}
