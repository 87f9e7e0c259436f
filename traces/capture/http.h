/* http.h -- the HTTP client of the live oracle: many JSON POST/GET requests
 * in flight on one thread through libcurl's multi interface, with keep-alive
 * connections, per-request timeouts and retries.
 *
 * A request is queued with a completion callback and runs when the caller
 * drives the client with etsim_http_step(). Each request ends in exactly
 * one callback: either with the reply body of a 2xx answer, or with a
 * failure message. Transient failures (connection refused or reset, an
 * empty or cut reply, a timeout, HTTP 5xx, 408 and 429) are retried after
 * a capped exponential backoff (base * 2^(attempt-1), at most max); any
 * other 4xx, a reply over the size limit, or running out of retries is a
 * permanent failure whose message names the label, the URL, the status and
 * the start of the request and of the reply on one line.
 *
 * Not thread-safe: one client belongs to one thread at a time. */
#ifndef ETSIM_LIVE_HTTP_H
#define ETSIM_LIVE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/util.h"

typedef struct etsim_http etsim_http;
typedef struct etsim_http_req etsim_http_req;

typedef struct etsim_http_opts {
    int max_in_flight;        /* concurrent transfers (64)                    */
    long connect_timeout_ms;  /* TCP connect (5000)                            */
    long timeout_ms;          /* whole transfer (600000)                       */
    int max_retries;          /* transient failures retried per request (8)   */
    long backoff_base_ms;     /* first retry delay (250)                       */
    long backoff_max_ms;      /* cap of the delay (8000)                       */
    size_t max_reply;         /* reply size limit in bytes (256 MiB)           */
    const char *auth_bearer;  /* "Authorization: Bearer ..." if non-NULL        */
} etsim_http_opts;

void etsim_http_opts_default(etsim_http_opts *o);

/* Called once per request. On success body/len hold the reply (NUL-
 * terminated, valid during the call) and failure is NULL; on a permanent
 * failure body is NULL and failure holds the message. The callback may
 * queue new requests. */
typedef void (*etsim_http_done_fn)(void *ctx, const char *body, size_t len,
                                   const etsim_err *failure);

etsim_http *etsim_http_new(const etsim_http_opts *opts);
void etsim_http_free(etsim_http *h); /* cancels queued requests silently; NULL ok */

/* Queue a POST of `body` (copied) to url. `label` ("policy", "prm", ...)
 * starts failure messages; it must outlive the request. */
void etsim_http_post(etsim_http *h, const char *label, const char *url, const char *body,
                     size_t len, etsim_http_done_fn done, void *ctx);
/* Same, taking ownership of a malloc'd body. */
void etsim_http_post_owned(etsim_http *h, const char *label, const char *url, char *body,
                           size_t len, etsim_http_done_fn done, void *ctx);
void etsim_http_get(etsim_http *h, const char *label, const char *url,
                    etsim_http_done_fn done, void *ctx);

/* Run transfers for up to timeout_ms (returns sooner when a callback ran).
 * Returns the number of requests not yet completed (queued, waiting for a
 * retry or in flight). */
int etsim_http_step(etsim_http *h, int timeout_ms);
int etsim_http_pending(const etsim_http *h);

/* Override retries for requests queued from now on (a start-up probe
 * should fail in seconds, not retry for a minute). */
void etsim_http_set_retries(etsim_http *h, int max_retries, long connect_timeout_ms);

typedef struct etsim_http_stats {
    int64_t requests;     /* completed successfully                       */
    int64_t attempts;     /* transfers started, retries included          */
    int64_t retries;      /* transient failures retried                   */
    int64_t failures;     /* permanent failures                           */
    int64_t bytes_in, bytes_out;
} etsim_http_stats;
void etsim_http_get_stats(const etsim_http *h, etsim_http_stats *s);

/* Append a printable, single-line excerpt of s (at most max bytes, control
 * characters escaped, "..." when cut) to buf of size cap. Used in the
 * one-line error messages that quote requests and replies. */
void etsim_http_excerpt(char *buf, size_t cap, const char *s, size_t len, size_t max);

#endif
