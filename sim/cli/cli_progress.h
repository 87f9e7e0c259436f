/* cli_progress.h -- the CLI's progress line: the library only counts
 * (sim/core/progress.h); drawing on stderr is the program's business, and
 * only when stderr is a terminal and ETSIM_NO_PROGRESS is unset. */
#ifndef ETSIM_CLI_PROGRESS_H
#define ETSIM_CLI_PROGRESS_H

#include "sim/core/progress.h"

/* 1 when a progress line should be drawn: stderr is a terminal and the
 * environment has no ETSIM_NO_PROGRESS. Decided once per process. */
int etsim_cli_progress_wanted(void);

/* The function to put in a library call's options: the drawer when a
 * line is wanted, NULL otherwise. */
etsim_progress_fn etsim_cli_progress(void);

/* Draws "\r<what>: done/total (rate/s, ETA m:ss)", ending the line on the
 * final report. ctx is unused. */
void etsim_cli_progress_draw(void *ctx, const etsim_progress_report *r);

#endif
