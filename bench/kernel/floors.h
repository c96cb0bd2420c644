/*
 * The floors: what the cheapest possible fault on this machine must cost
 * at least, measured with the same counter as the faults. A fault row's
 * floor_ratio is its p50 over the sum of the three medians.
 */
#ifndef BENCH_FLOORS_H
#define BENCH_FLOORS_H

#include "bench/stats.h"

#define FLOOR_SAMPLES 256

struct bench_floors {
	struct stats exception; /* SVC to a vector that only ERETs, and back */
	struct stats zero;      /* arch_zero_page() of one cold page (the granule's) */
	struct stats pte;       /* arch_pte_write() of one level-3 entry */
};

/*
 * bench_floors: measure the three floors with env_counter(), the counter
 * read overhead `overhead` subtracted. 0, or -ENOMEM (no page or table).
 */
int bench_floors(uint64_t overhead, struct bench_floors *f);

/* bench_zero_ring_pages: the pages the zero floor cycles through (twice the
 * largest cache, cpu_cache_bytes; at most 4096). */
size_t bench_zero_ring_pages(void);

/* bench_floor_sum: the sum of the three medians. */
uint64_t bench_floor_sum(const struct bench_floors *f);

#endif
