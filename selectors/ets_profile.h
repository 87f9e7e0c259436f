/* ets_profile.h -- where an ETS / ETS-KV run spends its selection time
 * (`etsim bench --part paper` reads it). Off unless enabled (the CLI does so
 * when ETSIM_PROFILE is set); then each part's thread CPU time is summed over
 * all threads, and etsim_prof_report writes one line (the CLI, at exit):
 *   etsim-profile: select S n N cluster S n N exact S n N glpk S n N
 * (seconds and counts: whole ETS select() calls, clusterings, ILPs the exact
 * solver answered, ILPs GLPK answered, including the exact solver's time
 * on the ones it handed over). */
#ifndef ETSIM_ETS_PROFILE_H
#define ETSIM_ETS_PROFILE_H

#include <stdio.h>

enum { ETSIM_PROF_SELECT, ETSIM_PROF_CLUSTER, ETSIM_PROF_EXACT, ETSIM_PROF_GLPK, ETSIM_PROF_PARTS };

/* Turn the counters on (before searches start); 1 when on. */
void etsim_prof_enable(void);
int etsim_prof_enabled(void);
/* The line above, when enabled (nothing otherwise). */
void etsim_prof_report(FILE *fp);
/* This thread's CPU seconds (for differences). */
double etsim_prof_now(void);
void etsim_prof_add(int part, double seconds);

#endif
