# fig3.gp -- the ETS paper's Figure 3: accuracy against KV cache size (left)
# and against simulated runtime (right) for beam search and DVTS (fixed 4
# and sqrt(N) variants), REBASE and ETS at widths 16, 64 and 256.
#
# Input: `datafile`, written by `etsim paper` (fig3.dat): one block per
# method, blocks separated by two blank lines, each block starting with
#   "Method name" width accuracy kv_tokens runtime_s
# then one row per width (accuracy in %, KV = the ETS KV metric per problem,
# runtime = simulated makespan of the problem set in seconds).
# Output: `outbase`.png and `outbase`.svg.
#   gnuplot -e "datafile='fig3.dat'; outbase='fig3'" fig3.gp
if (!exists("datafile")) datafile = 'fig3.dat'
if (!exists("outbase")) outbase = 'fig3'

stats datafile using 1 nooutput
nblocks = STATS_blocks

set grid lc rgb "#d0d0d0"
set logscale x 2
# one legend for both panels, in a row under them: inside a panel it hid
# points (the top left is where the narrow widths of beam search land)
key_below = 'set key at screen 0.5, screen 0.01 center bottom horizontal Left reverse maxrows 2 font ",10" samplen 4 width 3'
set bmargin 6.5
# points off the frame
set offsets 0, 0, graph 0.06, graph 0.06
set ylabel "accuracy (%)"
set style line 1 lc rgb "#4C72B0" lw 2 pt 5 dt 2
set style line 2 lc rgb "#4C72B0" lw 2 pt 5
set style line 3 lc rgb "#55A868" lw 2 pt 7 dt 2
set style line 4 lc rgb "#55A868" lw 2 pt 7
set style line 5 lc rgb "#C44E52" lw 2 pt 9
set style line 6 lc rgb "#8172B2" lw 2.5 pt 11

do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 1200,500 enhanced font "Sans,11" }
    if (fmt eq "svg") { set terminal svg size 1200,500 enhanced font "Sans,11" }
    set output outbase.".".fmt
    set multiplot layout 1,2 title "Accuracy vs KV cache size and simulated runtime (widths 16, 64, 256)"
    set xlabel "KV cache size (ETS metric, tokens per problem)"
    eval key_below
    plot for [i=0:nblocks-1] datafile index i using 3:2 with linespoints ls (i+1) title columnheader(1)
    set xlabel "simulated runtime (s, whole problem set)"
    unset key
    plot for [i=0:nblocks-1] datafile index i using 4:2 with linespoints ls (i+1) title columnheader(1)
    unset multiplot
    unset output
}
