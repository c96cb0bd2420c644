/*
 * suite=smp's lock, allocator and bring-up statistics (issue 19): for each
 * case at each CPU count, what its locks and the per-CPU page caches did
 * from its setup to its check, and once per run the secondaries'
 * bring-up. Printed after the "smp" block as three CSV blocks,
 * "smp-locks", "smp-alloc" and "smp-bringup" (docs/contract.md).
 */
#ifndef BENCH_KERNEL_SMP_STATS_H
#define BENCH_KERNEL_SMP_STATS_H

#include "bench/csv.h"

/* smp_stats_reset: forget every case (a new suite=smp run). */
void smp_stats_reset(void);

/* smp_stats_begin: snapshot the counters before a case (CPU 0, a
 * quiescent point: no other CPU in smp_run). */
void smp_stats_begin(void);

/*
 * smp_stats_end: the counters since smp_stats_begin are the case's:
 * pattern and access as its rows say, order its folio order (0: base
 * pages), cpus the CPUs it ran on, placement its placement.
 */
void smp_stats_end(const char *pattern, const char *access, unsigned order, unsigned cpus,
		   const char *placement);

/* smp_stats_print: the three blocks, from what the cases kept. */
void smp_stats_print(const struct bench_meta *m);

#endif
