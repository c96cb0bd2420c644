/*
 * The PMU (Arm ARM DDI0487 K.a, D24, Performance Monitors registers): the
 * cycle counter PMCCNTR_EL0, which the entry code starts (EL1 only, 64
 * bits) and pmu_init checks really counts, and event counter 0 programmed
 * with INST_RETIRED where the PMU offers that event. Under QEMU -icount
 * shift=0 both count instructions; QEMU offers INST_RETIRED only then.
 */
#ifndef ARCH_AARCH64_PMU_H
#define ARCH_AARCH64_PMU_H

#include "lib/types.h"

/* INST_RETIRED, "Instruction architecturally executed" (Arm ARM D24,
 * common event numbers); its PMCEID0_EL0 bit is the event number. */
#define PMU_EVENT_INST_RETIRED 0x08

/*
 * pmu_init: if ID_AA64DFR0_EL1.PMUVer names the architected PMU, make sure
 * the cycle counter is enabled (without resetting it) and test that two
 * reads around some work differ; then, if PMCR_EL0.N > 0 and PMCEID0_EL0
 * says INST_RETIRED is implemented, count it at EL1 in event counter 0 and
 * test that too (see pmu_inst). Returns whether the cycle counter counts.
 */
bool pmu_init(void);

/*
 * pmu_icount: whether PMCCNTR_EL0 counts instructions (QEMU -icount
 * shift=0): two NOP sleds, SLED_EXTRA (1536) NOPs apart, differ by exactly
 * that much in eight runs out of eight. False when the PMU does not count.
 * A core that retired exactly one NOP per cycle, run after run, would pass
 * too; every supported core issues more than one.
 */
bool pmu_icount(void);

/* pmu_counts: pmu_init's answer. */
bool pmu_counts(void);

/* pmu_inst: whether event counter 0 counts INST_RETIRED (after pmu_init). */
bool pmu_inst(void);

/* pmu_cycles: PMCCNTR_EL0 now (0 if the PMU does not count). */
uint64_t pmu_cycles(void);

/*
 * pmu_inst_read: PMEVCNTR0_EL0, instructions retired at EL1 (meaningful
 * only when pmu_inst()), read between two ISBs like arch_counter. The
 * counter is 32 bits wide before FEAT_PMUv3p5; callers extend it.
 */
static inline uint32_t pmu_inst_read(void)
{
	uint64_t v;

	__asm__ volatile("isb\n\tmrs %0, pmevcntr0_el0\n\tisb" : "=r"(v) :: "memory");
	return (uint32_t)v;
}

#endif
