# The benchmark plots, drawn from data files tools/results.py prepares.
# Variables (gnuplot -e): dir, unit, title_prefix, cdf_out, stages_out,
# vma_out, have_cdf and have_vma (how many blocks), have_stages (0 or 1).
#
#   cdf.dat       one block per fault case: "name", then "latency fraction"
#   stages.dat    header, then one row per case: "name" entry ... eret
#   find_vma.dat  one block per method: "name", then "vmas p50"

set terminal svg size 1400,800 dynamic enhanced font "sans,11" background "white"
set datafile separator whitespace
set key outside right top noenhanced
set grid
set linetype 9 lc rgb "#7f7f7f"   # nine stages: the default cycle has eight

if (have_cdf) {
	set output cdf_out
	set title title_prefix." : fault latency CDF (first samples of each case)" noenhanced
	set xlabel "latency (".unit.", counter-read overhead subtracted)"
	set ylabel "fraction of samples"
	set logscale x
	set yrange [0:1]
	plot for [i=0:have_cdf-1] dir."/cdf.dat" index i using 1:2 \
		with steps lw 1.5 title columnheader(1)
	unset logscale x
	set yrange [*:*]
}

if (have_stages) {
	set output stages_out
	set title title_prefix." : where a fault's time goes (stage medians)" noenhanced
	set ylabel "median per stage (".unit.")"
	set xlabel ""
	set style data histograms
	set style histogram rowstacked
	set style fill solid 0.85 border -1
	set boxwidth 0.75
	set xtics rotate by 90 right noenhanced font ",9"
	set bmargin 14
	plot for [c=2:10] dir."/stages.dat" using c:xtic(1) title columnheader(c)
	set xtics norotate
	set bmargin
}

if (have_vma) {
	set output vma_out
	set title title_prefix." : find_vma cost against the number of VMAs" noenhanced
	set xlabel "VMAs in the mm"
	set ylabel "p50 per lookup (".unit.")"
	set logscale x
	set logscale y
	set style data linespoints
	plot for [i=0:have_vma-1] dir."/find_vma.dat" index i using 1:2 \
		with linespoints lw 2 pt 7 title columnheader(1)
}
