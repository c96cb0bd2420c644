# One fault kind, faultline and Linux as stacked bars by stage
# (tools/anatomy/anatomy.py writes the data and calls this).
# Variables (gnuplot -e): dat (header "kernel stage...", then one row per
# kernel), out (the svg), ncol (columns in dat), title_text.

set terminal svg size 900,600 dynamic enhanced font "sans,11" background "white"
set output out
set title "Anatomy of a fault: ".title_text noenhanced
set ylabel "instructions (QEMU icount, cortex-a72)"
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.5
set key outside right top noenhanced invert
set grid ytics
set yrange [0:*]
set linetype 9 lc rgb "#7f7f7f"
set linetype 10 lc rgb "#17becf"
set linetype 11 lc rgb "#bcbd22"
set linetype 12 lc rgb "#8c564b"
set linetype 13 lc rgb "#e377c2"
plot for [i=2:ncol] dat using i:xtic(1) title columnheader(i)
