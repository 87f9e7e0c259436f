/* loopback.h -- a tiny HTTP/1.1 server on 127.0.0.1 in a thread of the
 * calling process, answering every request at once with a fixed reply. It
 * measures the client alone (etsim_live_bench) and injects transport
 * faults deterministically in the client's tests: every k-th request can
 * get a 500, a 400, malformed JSON or a dropped connection. Keep-alive is
 * honoured, so the client's connection reuse is what gets measured. */
#ifndef ETSIM_LIVE_LOOPBACK_H
#define ETSIM_LIVE_LOOPBACK_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/util.h"

typedef struct etsim_loopback etsim_loopback;

#define ETSIM_LOOPBACK_MAX_ROUTES 8

typedef struct etsim_loopback_opts {
    const char *reply;      /* body of the 200 answers (copied)             */
    /* Optional: requests whose path ends with route_suffix[i] get
     * route_reply[i] instead (both borrowed until stop). */
    const char *route_suffix[ETSIM_LOOPBACK_MAX_ROUTES];
    const char *route_reply[ETSIM_LOOPBACK_MAX_ROUTES];
    int fail_every;         /* k: requests k, 2k, ... get HTTP 500          */
    int drop_every;         /* ... have their connection closed, no reply   */
    int bad_json_every;     /* ... get "{not json" with status 200          */
    int client_error_every; /* ... get HTTP 400 with a JSON error body      */
} etsim_loopback_opts;

etsim_loopback *etsim_loopback_start(const etsim_loopback_opts *o, etsim_err *err);
int etsim_loopback_port(const etsim_loopback *s);
int64_t etsim_loopback_requests(const etsim_loopback *s); /* requests read so far */
void etsim_loopback_stop(etsim_loopback *s);              /* NULL ok */

#endif
