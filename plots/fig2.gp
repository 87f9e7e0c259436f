# fig2.gp -- the ETS paper's Figure 2: beam search, DVTS and REBASE at width
# 256 (Llemma-34B setup): FLOPs, model calls, KV cache size and simulated
# runtime, each normalised to beam search (sqrt(N) variants), as grouped bars.
#
# Input: `datafile`, written by `etsim paper` (fig2.dat): one row per metric,
#   "metric" beam lo hi dvts lo hi rebase lo hi   (values relative to beam search;
#   lo, hi: the error bar -- for the runtime, its range over KV pool x0.5-x2
#   and 4-32 problems in flight; equal to the value for the counted metrics)
# Output: `outbase`.png and `outbase`.svg.
#   gnuplot -e "datafile='fig2.dat'; outbase='fig2'" fig2.gp
if (!exists("datafile")) datafile = 'fig2.dat'
if (!exists("outbase")) outbase = 'fig2'

set style data histograms
set style histogram errorbars gap 1.5 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "relative to beam search"
set yrange [0:*]
# head room above the tallest bar, so no bar touches the frame
set offsets 0, 0, graph 0.08, 0
set grid ytics lc rgb "#d0d0d0"
set key top left
set title "Width 256: cost of search, normalised to beam search"
set xtics nomirror scale 0
# in the top margin, right of the title: inside the plot the tallest bar
# (REBASE's runtime, at the right) covered its start
set label 1 "simulated (etsim)" at screen 0.985, screen 0.955 right font ",9" tc rgb "#606060"

do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 900,540 enhanced font "Sans,11" }
    if (fmt eq "svg") { set terminal svg size 900,540 enhanced font "Sans,11" }
    set output outbase.".".fmt
    plot datafile using 2:3:4:xtic(1) title "Beam Search" lc rgb "#4C72B0", \
         '' using 5:6:7 title "DVTS" lc rgb "#55A868", \
         '' using 8:9:10 title "REBASE" lc rgb "#C44E52"
    unset output
}
