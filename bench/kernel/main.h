/*
 * run=bench: the benchmark driver the boot code calls.
 */
#ifndef BENCH_MAIN_H
#define BENCH_MAIN_H

struct cmdline;

/*
 * bench_main: run the suite the command line names (narrowed by pattern=,
 * pages=, iters=, seed=, stages=, mode=, counter=) and print its CSV blocks
 * "<suite>.raw" (per sample) and "<suite>" (per case) on the console.
 * Returns 0, or a negative errno after printing why: bad options (-EINVAL),
 * a case that failed, could not run or leaked pages (-EIO); then *why is
 * the first failure line (without "bench: "), for the done line.
 */
int bench_main(const struct cmdline *cl, const char **why);

#endif
