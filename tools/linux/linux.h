/*
 * The static Linux program that runs the benchmark patterns for
 * `make compare` (tools/linux/): what its files share beyond bench/env.h.
 */
#ifndef TOOLS_LINUX_LINUX_H
#define TOOLS_LINUX_LINUX_H

#include "lib/types.h"

/* The program's arguments (faultline command-line keys; see init.c). */
struct linux_opts {
	const char *run;     /* "bench", "tests" or "none" */
	const char *suite;   /* bench_suite() name */
	const char *pattern; /* only cases of this pattern (NULL: all) */
	const char *board;   /* CSV "board": where this runs ("qemu-virt") */
	const char *mode;    /* CSV "mode": "icount", "tcg" or "hw" */
	uint64_t pages;      /* override every case's page count (0: no) */
	uint64_t iters;      /* override every case's repetitions (0: no) */
	uint64_t seed;       /* random patterns */
};

/* linux_bench: run suite o->suite and print its CSV blocks; 0 if every case ran. */
int linux_bench(const struct linux_opts *o);

/* linux_counter_freq: CNTFRQ_EL0, the frequency env_counter() ticks at. */
uint64_t linux_counter_freq(void);

/* linux_cpu_name: the core's name from MIDR_EL1 ("cortex-a72"). */
const char *linux_cpu_name(void);

/* envcheck_run: check env_linux.c against what the patterns rely on; 0 if all passed. */
int envcheck_run(void);

#endif
