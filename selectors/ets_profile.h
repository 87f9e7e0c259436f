/* ets_profile.h -- where an ETS / ETS-KV run spends its selection time
 * (`etsim bench --part paper` reads it). Off unless ETSIM_PROFILE is set in
 * the environment; then each part's thread CPU time is summed over all
 * threads and one line is printed to stderr at exit:
 *   etsim-profile: select S n N cluster S n N exact S n N glpk S n N
 * (seconds and counts: whole ETS select() calls, clusterings, ILPs the exact
 * solver answered, ILPs GLPK answered, including the exact solver's time
 * on the ones it handed over). */
#ifndef ETSIM_ETS_PROFILE_H
#define ETSIM_ETS_PROFILE_H

enum { ETSIM_PROF_SELECT, ETSIM_PROF_CLUSTER, ETSIM_PROF_EXACT, ETSIM_PROF_GLPK, ETSIM_PROF_PARTS };

/* 1 when ETSIM_PROFILE is set (read once). */
int etsim_prof_enabled(void);
/* This thread's CPU seconds (for differences). */
double etsim_prof_now(void);
void etsim_prof_add(int part, double seconds);

#endif
