/* prof.h -- where a run spends its CPU time, by part (`etsim bench --part
 * paper` reads it). Off unless enabled (the CLI does so when ETSIM_PROFILE
 * is set); then each part's thread CPU time is summed over all threads, and
 * etsim_prof_report writes one line (the CLI, at exit):
 *   etsim-profile: <part> S n N <part> S n N ...
 * seconds and counts per part, in the order of the enum. The parts nest as
 * the data flows (the engine times its oracle and selector calls, the ETS
 * selector its clustering and ILP, the ILP its tie rule), so a caller gets
 * the search loop's own time as the whole minus the outer parts. Each
 * module records its own part; none depends on another to do it. */
#ifndef ETSIM_PROF_H
#define ETSIM_PROF_H

#include <stdio.h>

enum {
    ETSIM_PROF_ORACLE,   /* oracle calls: opening a problem, expanding nodes
                            (generation, PRM scores, embeddings)            */
    ETSIM_PROF_SELECT,   /* selector calls, every selector                 */
    ETSIM_PROF_CLUSTER,  /* ETS: clustering the candidates' embeddings      */
    ETSIM_PROF_EXACT,    /* ETS: ILPs the exact solver answered             */
    ETSIM_PROF_GLPK,     /* ETS: ILPs GLPK answered (with the exact solver's
                            time on the ones it handed over)                */
    ETSIM_PROF_TIE,      /* ... of which GLPK's tie-rule stages             */
    ETSIM_PROF_GRADE,    /* results: answer extraction, voting, grading     */
    ETSIM_PROF_WRITE,    /* results: the rest of writing them out           */
    ETSIM_PROF_PARTS
};

/* The part's name in the report line. */
const char *etsim_prof_name(int part);
/* Turn the counters on (before work starts); 1 when on. */
void etsim_prof_enable(void);
int etsim_prof_enabled(void);
/* The line above, when enabled (nothing otherwise). */
void etsim_prof_report(FILE *fp);
/* This thread's CPU seconds (for differences). */
double etsim_prof_now(void);
void etsim_prof_add(int part, double seconds);

#endif
