/* gnuplot.h -- drawing figures by running the external gnuplot program on
 * the scripts and data files the library writes (sim/sweep/paper_out.h).
 * This is the `plots` layer: it sits above the library and only the
 * `etsim` program links it, so libetsim itself draws nothing and spawns
 * nothing. Nothing here reads the environment: the caller passes $PATH. */
#ifndef ETSIM_PLOTS_GNUPLOT_H
#define ETSIM_PLOTS_GNUPLOT_H

#include "sim/core/util.h"

/* The gnuplot executable in a PATH-style list of directories (NULL or ""
 * finds nothing): its full path (malloc'd), or NULL. */
char *etsim_gnuplot_find(const char *search_path);

/* Run `GNUPLOT -e "datafile='DATA'; outbase='OUTBASE'" SCRIPT` with DIR as
 * its working directory (SCRIPT, DATA and OUTBASE relative to it), stdout
 * to /dev/null, stderr inherited. -1 with err when it cannot be started or
 * does not exit with status 0. */
int etsim_gnuplot_run(const char *gnuplot, const char *dir, const char *script,
                      const char *data, const char *outbase, etsim_err *err);

/* The ETS paper's figures in an `etsim paper` output directory OUT:
 * OUT/plots/fig2.gp on fig2.dat and plots/fig3.gp on fig3.dat, giving
 * fig2.png, fig2.svg, fig3.png and fig3.svg in OUT. */
int etsim_gnuplot_paper_figures(const char *gnuplot, const char *out_dir, etsim_err *err);

#endif
