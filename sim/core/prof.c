/* prof.c -- CPU time per part of a run (see prof.h). Sums are atomic
 * nanosecond counters, so any number of replay threads may add to them;
 * the caller prints the report (the CLI, at exit). */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/core/prof.h"

static _Atomic int64_t prof_ns[ETSIM_PROF_PARTS];
static _Atomic int64_t prof_n[ETSIM_PROF_PARTS];
static _Atomic int prof_on;

const char *etsim_prof_name(int part) {
    static const char *names[ETSIM_PROF_PARTS] = {"oracle", "select", "cluster", "exact",
                                                  "glpk",   "tie",    "grade",   "write"};
    return part >= 0 && part < ETSIM_PROF_PARTS ? names[part] : "?";
}

void etsim_prof_report(FILE *fp) {
    if (!atomic_load(&prof_on)) return;
    fprintf(fp, "etsim-profile:");
    for (int p = 0; p < ETSIM_PROF_PARTS; p++)
        fprintf(fp, " %s %.6f n %lld", etsim_prof_name(p), (double)atomic_load(&prof_ns[p]) * 1e-9,
                (long long)atomic_load(&prof_n[p]));
    fprintf(fp, "\n");
}

void etsim_prof_enable(void) { atomic_store(&prof_on, 1); }

int etsim_prof_enabled(void) { return atomic_load(&prof_on); }

double etsim_prof_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void etsim_prof_add(int part, double seconds) {
    if (part < 0 || part >= ETSIM_PROF_PARTS) return;
    atomic_fetch_add(&prof_ns[part], (int64_t)(seconds * 1e9));
    atomic_fetch_add(&prof_n[part], 1);
}
