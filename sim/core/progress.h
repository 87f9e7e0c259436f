/* progress.h -- counting the work of long loops for whoever wants to show
 * it. The library draws nothing: a loop counts through an etsim_progress,
 * and the caller's etsim_progress_fn (given in the loop's options; the CLI
 * passes one that draws a line on stderr when stderr is a terminal) gets
 * the counts and the elapsed time, from which it can work out a rate and
 * an ETA. Without a function the counter only counts.
 *
 * Calls: at most 10 a second while the loop runs (from whichever thread
 * made progress, never two at once) and exactly one with `final` set when
 * the loop ends (etsim_progress_finish, after the workers are joined). */
#ifndef ETSIM_CORE_PROGRESS_H
#define ETSIM_CORE_PROGRESS_H

#include <stdint.h>

typedef struct etsim_progress_report {
    const char *what;     /* the counted thing: "replay", "sweep units"    */
    int64_t done, total;
    double elapsed_s;     /* since etsim_progress_start                    */
    int final;            /* the last report of this counter               */
} etsim_progress_report;

typedef void (*etsim_progress_fn)(void *ctx, const etsim_progress_report *r);

typedef struct etsim_progress {
    const char *what;
    int64_t total;
    int64_t done;         /* updated atomically                            */
    double start_s;
    double last_report_s; /* written only by the thread holding `busy`     */
    int busy;             /* a report is being made (atomic flag)          */
    etsim_progress_fn fn; /* NULL: count silently                          */
    void *ctx;
} etsim_progress;

void etsim_progress_start(etsim_progress *p, const char *what, int64_t total,
                          etsim_progress_fn fn, void *ctx);
/* Count n more done (thread-safe); reports when 0.1 s have passed. */
void etsim_progress_add(etsim_progress *p, int64_t n);
/* The final report (when there is a function). */
void etsim_progress_finish(etsim_progress *p);

#endif
