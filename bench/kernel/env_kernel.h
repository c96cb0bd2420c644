/*
 * Kernel side of the benchmark environment: which counter bench/env.h's
 * env_counter() reads, and what the run can say about the machine.
 */
#ifndef BENCH_ENV_KERNEL_H
#define BENCH_ENV_KERNEL_H

#include "lib/types.h"

enum env_counter_kind {
	ENV_PMCCNTR, /* PMCCNTR_EL0: cycles (instructions under QEMU -icount) */
	ENV_CNTVCT,  /* CNTVCT_EL0: generic-timer ticks at CNTFRQ_EL0 */
	ENV_INST,    /* PMEVCNTR0_EL0 counting INST_RETIRED: instructions */
};

/*
 * env_pmu_why_not: NULL when PMCCNTR_EL0 can time the benchmarks (the PMU
 * counts, see pmu_init, and PMCR_EL0.N > 0), else the reason it cannot.
 */
const char *env_pmu_why_not(void);

/* env_inst_why_not: NULL when INST_RETIRED can time the benchmarks (see
 * pmu_inst), else the reason it cannot. */
const char *env_inst_why_not(void);

/* env_use_counter: make env_counter() read this counter. */
void env_use_counter(enum env_counter_kind k);

/* env_counter_kind: the counter env_counter() reads. */
enum env_counter_kind env_counter_kind(void);

/* env_cpu_faults: the faults CPU cpu has taken in current_mm (its share of env_faults()). */
uint64_t env_cpu_faults(unsigned cpu);

/* env_cpu_pages_allocated: the data pages CPU cpu's faults allocated (its share of
 * env_pages_allocated()). */
uint64_t env_cpu_pages_allocated(unsigned cpu);

#endif
