/*
 * suite=smp's shootdown cases (issue 19; bench/kernel/smp_shootdown.c):
 * one core's munmap or mprotect of pages k - 1 other cores hold, its cost
 * and the TLB maintenance it issued, at 1, 2 and 4 cores.
 */
#ifndef BENCH_KERNEL_SMP_SHOOTDOWN_H
#define BENCH_KERNEL_SMP_SHOOTDOWN_H

#include "bench/stats.h"
#include "lib/types.h"

/* Timed calls per case (after one warm-up call), as the Linux program's SMP_SHOOT_REPS. */
#define SHOOT_REPS 32

/* One case's result: the call's latency over SHOOT_REPS calls, and its TLB maintenance summed over them. */
struct shoot_row {
	bool protect;          /* mprotect(PROT_READ), else munmap */
	bool block;            /* one block mapped by a THP fault */
	uint64_t pages;        /* base pages the call covers */
	unsigned cpus;         /* the initiator and cpus - 1 holders */
	uint64_t samples;
	uint64_t flushes, tlbis, flush_all;
	struct stats lat;
};

/*
 * smp_shootdown_run: every case on `online` CPUs (on CPU 0, outside
 * smp_run, after smp_park_init: the peers park as it found), calling
 * progress before each and failed for each that fails (why: its reason,
 * such as pages that do not fit in the RAM the benchmarks may use); 0 or
 * the last error. The rows are then smp_shootdown_rows().
 */
int smp_shootdown_run(unsigned online, uint64_t overhead,
		      void (*progress)(const char *what, unsigned cpus),
		      void (*failed)(int err, const char *what, unsigned cpus,
				     const char *why));

/* smp_shootdown_cases: the cases smp_shootdown_run runs with `online` CPUs. */
size_t smp_shootdown_cases(unsigned online);

/* smp_shoot_name: "shootdown munmap 16 pages" or "shootdown mprotect block" into buf. */
void smp_shoot_name(char *buf, size_t len, bool protect, uint64_t pages);

/* smp_shootdown_rows: the last run's rows, *n of them. */
const struct shoot_row *smp_shootdown_rows(size_t *n);

#endif
