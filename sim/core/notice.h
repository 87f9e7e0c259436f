/* notice.h -- one-line notices from the library to whoever runs it.
 *
 * The library prints nothing (README, Architecture). What a user should
 * hear about but is not an error -- a torn last line dropped from an
 * interrupted run's log, a fit's round, a paper step -- goes to the
 * etsim_notice an options struct carries; the CLI passes a function that
 * prints "etsim: <msg>" on stderr. A zeroed etsim_notice says nothing. */
#ifndef ETSIM_CORE_NOTICE_H
#define ETSIM_CORE_NOTICE_H

typedef void (*etsim_notice_fn)(void *ctx, const char *msg);

typedef struct etsim_notice {
    etsim_notice_fn fn; /* NULL: notices are dropped */
    void *ctx;
} etsim_notice;

/* Format one notice (printf style, cut at ETSIM_ERR_MAX bytes, without a
 * newline) and hand it to n->fn. n may be NULL. */
void etsim_notice_say(const etsim_notice *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
