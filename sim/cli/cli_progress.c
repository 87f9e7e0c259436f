/* cli_progress.c -- the progress line the CLI draws for the library's
 * counters (see cli_progress.h): rate = done / elapsed, ETA = what is left
 * at that rate; redrawn in place with a carriage return. */
#include "sim/cli/cli_progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int etsim_cli_progress_wanted(void) {
    static int wanted = -1;
    if (wanted < 0) wanted = isatty(2) && !getenv("ETSIM_NO_PROGRESS");
    return wanted;
}

etsim_progress_fn etsim_cli_progress(void) {
    return etsim_cli_progress_wanted() ? etsim_cli_progress_draw : NULL;
}

void etsim_cli_progress_draw(void *ctx, const etsim_progress_report *r) {
    (void)ctx;
    double rate = r->elapsed_s > 0 ? r->done / r->elapsed_s : 0;
    double eta = rate > 0 ? (r->total - r->done) / rate : 0;
    fprintf(stderr, "\r%s: %lld/%lld (%.1f/s, ETA %d:%02d)%s", r->what, (long long)r->done,
            (long long)r->total, rate, (int)(eta / 60), (int)eta % 60, r->final ? "\n" : "  ");
    fflush(stderr);
}
