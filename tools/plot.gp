# The benchmark plots, drawn from data files tools/results.py and
# tools/compare.py prepare. Variables (gnuplot -e), each optional:
#   dir, unit, title_prefix               where the data is, the unit, a title
#   rows, row_px                          cases in the bar charts, pixels per case
#   cdf_out, have_cdf                     CDF: number of blocks in cdf.dat
#   lat_out, have_lat                     bars: latency.dat has rows (icount runs)
#   stages_out, have_stages, nstages      stacked stage medians: rows, stages
#   stages_note                           a second title line for them (the
#                                         stamps' own cost)
#   vma_out, have_vma                     find_vma: number of blocks
#   compare_out, have_compare             faultline vs Linux: number of series
#   smp_out, have_smp                     suite=smp: p50 against cores (blocks)
#   shoot_out, have_shoot                 suite=smp shootdowns: p50 against pages
#   folio_out, have_folio                 per-4KiB fault cost against folio
#                                         size: number of series
#
#   cdf.dat       one block per fault case: "name", then "latency fraction"
#   latency.dat   header, then one row per fault case: "name" p50 p90 p99
#   stages.dat    header "case start <stage>...", then one row per case:
#                 "name" 0 and the running sum after each stage (the stage
#                 names come from the CSV header), then the p50 without
#                 stamps (drawn as a cross)
#   find_vma.dat  one block per method: "name", then "vmas p50"
#   folio.dat     one block per granule and pattern: "name", then
#                 "folio_KiB per_4k_p50"
#   compare.dat   header, then one row per case: "name" and, per series,
#                 p50 p99
#
# The bar charts are horizontal, one row per case, so case names are
# horizontal text that every SVG renderer draws in place (rotated x labels
# came out as their last character in some renderers).

if (!exists("have_cdf")) have_cdf = 0
if (!exists("have_lat")) have_lat = 0
if (!exists("have_stages")) have_stages = 0
if (!exists("have_vma")) have_vma = 0
if (!exists("have_compare")) have_compare = 0
if (!exists("have_folio")) have_folio = 0
if (!exists("nstages")) nstages = 0
if (!exists("rows")) rows = 10
if (!exists("row_px")) row_px = 24
if (!exists("title_prefix")) title_prefix = ""
if (!exists("stages_note")) stages_note = ""

bar_height = rows * row_px + 160
set datafile separator whitespace
set key autotitle columnheader   # every data file's first line is a header
set key outside right top noenhanced
set grid
set linetype 9 lc rgb "#7f7f7f"   # nine stages: the default cycle has eight
set linetype 10 lc rgb "#17becf"

if (have_cdf) {
	set terminal svg size 1400,800 dynamic enhanced font "sans,11" background "white"
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

# Horizontal bars: case i (0 from the top) at y = -i.
set terminal svg size 1400,bar_height dynamic enhanced font "sans,11" background "white"
set ytics noenhanced font ",10"
set grid noytics xtics
set style fill solid 0.85 border -1
set ylabel ""
set yrange [-rows+0.5:0.5]
set offsets 0, 0, 0, 0

if (have_lat) {
	# Under icount every sample of a case is nearly the same count, so a CDF
	# is a vertical line: the p50 as a bar, a whisker up to the p99, the p90
	# marked, say more.
	set output lat_out
	set title title_prefix." : fault latency per case (bar p50, + p90, whisker to p99)" noenhanced
	set xlabel "latency (".unit.", counter-read overhead subtracted)"
	set xrange [0:*]
	plot dir."/latency.dat" using ($2/2):(-$0):($2/2):(0.35):ytic(1) \
		with boxxyerror title columnheader(2), \
	     "" using 2:(-$0):2:4 with xerrorbars lc "black" pt -1 title columnheader(4), \
	     "" using 3:(-$0) with points pt 1 ps 1.5 lc "black" title columnheader(3)
	set xrange [*:*]
}

if (have_stages) {
	set output stages_out
	set title title_prefix." : where a fault's time goes (stage medians)".(stages_note eq "" ? "" : "\n".stages_note) noenhanced
	set xlabel "median per stage (".unit."), stacked"
	set xrange [0:*]
	plot for [s=1:nstages] dir."/stages.dat" \
		using ((column(s+1)+column(s+2))/2):(-$0):((column(s+2)-column(s+1))/2):(0.35):ytic(1) \
		with boxxyerror lt s title columnheader(s+2), \
	     "" using (column(nstages+3)):(-$0) with points pt 2 ps 2 lw 2 lc "black" \
		title columnheader(nstages+3)
	set xrange [*:*]
}

if (have_compare) {
	# Per case one bar per series (faultline, each Linux configuration):
	# the bar is the p50, the whisker reaches the p99. Log scale: Linux is
	# ten times longer and its p99 a timer interrupt away.
	set output compare_out
	set title title_prefix." : faultline and Linux per fault case (bar p50, whisker to p99)" noenhanced
	set xlabel "latency per access (".unit.", log scale)"
	set logscale x
	set xrange [10:*]
	h = 0.8 / have_compare
	ybar(s) = -column(0) + 0.4 - h * (s + 0.5)
	plot dir."/compare.dat" using (NaN):(-column(0)):ytic(1) with points notitle, \
	     for [s=0:have_compare-1] "" \
		using (column(2+2*s)):(ybar(s)):(10):(column(2+2*s)):(ybar(s)-0.45*h):(ybar(s)+0.45*h) \
		with boxxyerror lt s+1 title columnheader(2+2*s), \
	     for [s=0:have_compare-1] "" \
		using (column(2+2*s)):(ybar(s)):(column(2+2*s)):(column(3+2*s)) \
		with xerrorbars lc "black" pt -1 notitle
	unset logscale x
	set xrange [*:*]
}

if (have_vma) {
	set terminal svg size 1400,800 dynamic enhanced font "sans,11" background "white"
	set output vma_out
	set title title_prefix." : find_vma cost against the number of VMAs" noenhanced
	set xlabel "VMAs in the mm"
	set ylabel "p50 per lookup (".unit.")"
	set grid xtics ytics
	set yrange [*:*]
	set ytics auto
	set logscale x
	set logscale y
	set style data linespoints
	plot for [i=0:have_vma-1] dir."/find_vma.dat" index i using 1:2 \
		with linespoints lw 2 pt 7 title columnheader(1)
}

if (have_folio) {
	set terminal svg size 1400,800 dynamic enhanced font "sans,11" background "white"
	set output folio_out
	set title title_prefix." : write-fault cost per 4 KiB mapped against the folio size" noenhanced
	set xlabel "folio size (KiB; the base page for none)"
	set ylabel "p50 per 4 KiB mapped (".unit.")"
	set grid xtics ytics
	set xrange [*:*]
	set yrange [*:*]
	set ytics auto
	set logscale x 2
	set logscale y
	set style data linespoints
	plot for [i=0:have_folio-1] dir."/folio.dat" index i using 1:2 \
		with linespoints lw 2 pt 7 title columnheader(1)
}

# suite=smp (tools/smp_results.py): smp.dat, one block per case: "name",
# then "cpus p50" (the slowest core's p50 at that CPU count).
if (!exists("have_smp")) have_smp = 0
if (have_smp) {
	set terminal svg size 1400,800 dynamic enhanced font "sans,11" background "white"
	set output smp_out
	set title title_prefix noenhanced
	set xlabel "cores taking faults (the others halted)"
	set ylabel "p50 per fault, slowest core (".unit.")"
	set grid xtics ytics
	unset logscale x
	set logscale y
	set xrange [0.8:4.2]
	set yrange [*:*]
	set xtics (1, 2, 4)
	plot for [i=0:have_smp-1] dir."/smp.dat" index i using 1:2 \
		with linespoints lw 2 pt 7 title columnheader(1)
}

# suite=smp shootdowns (tools/smp_results.py): shoot.dat, one block per call
# and core count: "name", then "pages p50" (the initiator's p50 per call).
if (!exists("have_shoot")) have_shoot = 0
if (have_shoot) {
	set terminal svg size 1400,800 dynamic enhanced font "sans,11" background "white"
	set output shoot_out
	set title title_prefix noenhanced
	set xlabel "pages unmapped or write-protected (base pages)"
	set ylabel "p50 per call, core 0 (".unit.")"
	set grid xtics ytics
	set logscale x 2
	set logscale y
	set xrange [*:*]
	set yrange [*:*]
	set xtics auto
	plot for [i=0:have_shoot-1] dir."/shoot.dat" index i using 1:2 \
		with linespoints lw 2 pt 7 title columnheader(1)
}
