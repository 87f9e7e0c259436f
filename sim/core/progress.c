/* progress.c -- work counters that report to a caller's function (see
 * progress.h). The count is an atomic add; a report is made by the one
 * thread that swaps `busy` from 0 to 1, so the function is
 * never entered twice at once and the loop never waits for it. */
#include "sim/core/progress.h"

#include "sim/core/util.h"

#define REPORT_INTERVAL_S 0.1

static void report(etsim_progress *p, double now, int final) {
    etsim_progress_report r;
    r.what = p->what;
    r.done = __atomic_load_n(&p->done, __ATOMIC_RELAXED);
    r.total = p->total;
    r.elapsed_s = now - p->start_s;
    r.final = final;
    p->fn(p->ctx, &r);
    p->last_report_s = now;
}

void etsim_progress_start(etsim_progress *p, const char *what, int64_t total,
                          etsim_progress_fn fn, void *ctx) {
    p->what = what;
    p->total = total;
    p->done = 0;
    p->start_s = etsim_now_s();
    p->last_report_s = p->start_s;
    p->busy = 0;
    p->fn = fn;
    p->ctx = ctx;
}

void etsim_progress_add(etsim_progress *p, int64_t n) {
    __atomic_add_fetch(&p->done, n, __ATOMIC_RELAXED);
    if (!p->fn || __atomic_exchange_n(&p->busy, 1, __ATOMIC_ACQUIRE)) return;
    double now = etsim_now_s();
    if (now - p->last_report_s >= REPORT_INTERVAL_S) report(p, now, 0);
    __atomic_store_n(&p->busy, 0, __ATOMIC_RELEASE);
}

void etsim_progress_finish(etsim_progress *p) {
    if (p->fn) report(p, etsim_now_s(), 1);
}
