/*
 * Integer statistics of latency samples (the kernel has no floating point).
 *
 * Percentiles use the nearest-rank method: for a sorted sample x[1..n] the
 * p-th percentile is x[ceil(p/100 * n)] (rank at least 1), so it is always a
 * value that was measured. p is given in per-mille (500 = p50, 999 = p99.9).
 * The mean is rounded to nearest; the standard deviation is the population
 * one, sqrt(sum((x - mean)^2) / n), rounded down.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include "lib/types.h"

struct stats {
	uint64_t n;
	uint64_t min, p50, p90, p99, p999, max;
	uint64_t mean, stddev;
};

/* stats_sort: sort v[0..n) ascending in place (heapsort: no recursion, no memory). */
void stats_sort(uint64_t *v, size_t n);

/* stats_rank: the nearest-rank percentile `permille` of sorted v[0..n); 0 if n is 0. */
uint64_t stats_rank(const uint64_t *v, size_t n, unsigned permille);

/* stats_compute: sort v[0..n) in place and fill s (all zero when n is 0). */
void stats_compute(uint64_t *v, size_t n, struct stats *s);

/* stats_isqrt: floor(sqrt(x)) of a 128-bit value. */
uint64_t stats_isqrt(unsigned __int128 x);

/*
 * stats_unstable: whether per-repetition medians disagree: their spread
 * (max - min) exceeds `permille` per mille of the overall median. Spreads of
 * at most `slack` counts are never unstable (quantisation of small values).
 */
bool stats_unstable(const uint64_t *rep_p50, size_t nrep, uint64_t p50,
		    unsigned permille, uint64_t slack);

#endif
