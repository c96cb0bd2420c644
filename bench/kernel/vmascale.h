/*
 * find_vma scaling: the cost of one lookup in an mm holding 1 .. 100,000
 * VMAs, three ways (the CSV pattern column; pages holds the VMA count):
 *
 *   find_vma-cache  cache on, the same VMA as the lookup before: a hit,
 *                   as on a run of faults into one area
 *   find_vma-tree   cache off, a random VMA: the red-black tree descent
 *   find_vma-list   a random VMA found by walking the sorted list
 */
#ifndef BENCH_VMASCALE_H
#define BENCH_VMASCALE_H

#include "bench/stats.h"
#include "mm/mm.h"

/* VMAs are one page each with a one-page hole between them, from
 * MM_MMAP_MIN up: at most VMASCALE_MAX of them fit below TASK_SIZE. */
#define VMASCALE_BASE MM_MMAP_MIN
#define VMASCALE_STEP (2 * PAGE_SIZE)
#define VMASCALE_MAX ((TASK_SIZE - VMASCALE_BASE) / VMASCALE_STEP)

#define VMASCALE_SAMPLES 1024
#define VMASCALE_LIST_SAMPLES_BIG 64 /* list walks above 1,000 VMAs */

struct vma_row {
	const char *pattern;
	uint64_t nvma;
	uint64_t samples;
	struct stats lat;
};

typedef void (*vma_row_fn)(const struct vma_row *row, void *ctx);

/*
 * bench_vmascale: build one private mm up to each of counts[0..n) VMAs (in
 * ascending order), measure the three lookups at each and hand every row to
 * fn. Everything is freed before it returns. 0, -EINVAL (counts not
 * ascending, zero or above VMASCALE_MAX) or -ENOMEM (no RAM for the VMAs).
 */
int bench_vmascale(const uint64_t *counts, size_t n, uint64_t overhead,
		   uint64_t seed, vma_row_fn fn, void *ctx);

#endif
