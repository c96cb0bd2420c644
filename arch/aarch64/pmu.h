/*
 * The PMU cycle counter PMCCNTR_EL0 (Arm ARM D24, Performance Monitors
 * registers). The entry code starts it (EL1 only, 64 bits); pmu_init checks
 * that it really counts. Under QEMU -icount shift=0 it counts instructions.
 */
#ifndef ARCH_AARCH64_PMU_H
#define ARCH_AARCH64_PMU_H

#include "lib/types.h"

/*
 * pmu_init: if ID_AA64DFR0_EL1.PMUVer names the architected PMU, make sure
 * the cycle counter is enabled (without resetting it) and test that two
 * reads around some work differ. Returns whether it counts.
 */
bool pmu_init(void);

/* pmu_counts: pmu_init's answer. */
bool pmu_counts(void);

/* pmu_cycles: PMCCNTR_EL0 now (0 if the PMU does not count). */
uint64_t pmu_cycles(void);

#endif
