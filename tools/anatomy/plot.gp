# One fault kind, faultline and Linux as stacked bars by stage
# (tools/anatomy/anatomy.py writes the data and calls this).
# Variables (gnuplot -e): dat (header "kernel stage...", then one row per
# kernel), out (the svg), ncol (columns in dat), title_text, colours (one
# colour per stage column, the same stage the same colour in every plot:
# anatomy.py's STAGE_COLOURS).

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
plot for [i=2:ncol] dat using i:xtic(1) lc rgb word(colours, i-1) title columnheader(i)
