/*
 * Integer statistics of latency samples: sorting, nearest-rank percentiles,
 * mean and standard deviation without floating point or 128-bit division
 * helpers from a runtime library.
 */
#include "bench/stats.h"

static void sift_down(uint64_t *v, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && v[child + 1] > v[child])
			child++;
		if (v[root] >= v[child])
			return;
		uint64_t t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

void stats_sort(uint64_t *v, size_t n)
{
	if (n < 2)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n - 1; end > 0; end--) {
		uint64_t t = v[0];
		v[0] = v[end];
		v[end] = t;
		sift_down(v, 0, end);
	}
}

uint64_t stats_rank(const uint64_t *v, size_t n, unsigned permille)
{
	if (n == 0)
		return 0;
	if (permille > 1000)
		permille = 1000;
	/* rank = ceil(permille * n / 1000), at least 1. */
	uint64_t rank = ((uint64_t)permille * n + 999) / 1000;
	if (rank == 0)
		rank = 1;
	return v[rank - 1];
}

/* div128: x / d for d != 0 by shift and subtract (no __udivti3 in the kernel). */
static unsigned __int128 div128(unsigned __int128 x, uint64_t d)
{
	unsigned __int128 q = 0, r = 0;

	for (int i = 127; i >= 0; i--) {
		r = (r << 1) | ((x >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= (unsigned __int128)1 << i;
		}
	}
	return q;
}

uint64_t stats_isqrt(unsigned __int128 x)
{
	/* Bit by bit: the result fits in 64 bits because x < 2^128. */
	uint64_t r = 0;

	for (int b = 63; b >= 0; b--) {
		uint64_t t = r | (1ull << b);
		if ((unsigned __int128)t * t <= x)
			r = t;
	}
	return r;
}

void stats_compute(uint64_t *v, size_t n, struct stats *s)
{
	*s = (struct stats){ .n = n };
	if (n == 0)
		return;
	stats_sort(v, n);
	s->min = v[0];
	s->max = v[n - 1];
	s->p50 = stats_rank(v, n, 500);
	s->p90 = stats_rank(v, n, 900);
	s->p99 = stats_rank(v, n, 990);
	s->p999 = stats_rank(v, n, 999);

	unsigned __int128 sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->mean = (uint64_t)div128(sum + n / 2, n);

	/* Deviations are taken from the rounded mean (off by at most half a
	 * count from the exact one); squares of 64-bit values fit 128 bits. */
	unsigned __int128 sq = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t d = v[i] > s->mean ? v[i] - s->mean : s->mean - v[i];
		sq += (unsigned __int128)d * d;
	}
	s->stddev = stats_isqrt(div128(sq, n));
}

bool stats_unstable(const uint64_t *rep_p50, size_t nrep, uint64_t p50,
		    unsigned permille, uint64_t slack)
{
	if (nrep < 2)
		return false;
	uint64_t lo = rep_p50[0], hi = rep_p50[0];
	for (size_t i = 1; i < nrep; i++) {
		lo = MIN(lo, rep_p50[i]);
		hi = MAX(hi, rep_p50[i]);
	}
	uint64_t spread = hi - lo;
	if (spread <= slack)
		return false;
	return (unsigned __int128)spread * 1000 > (unsigned __int128)p50 * permille;
}
