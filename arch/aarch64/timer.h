/*
 * The generic timer's counter (Arm ARM D12, "The Generic Timer in
 * AArch64 state"): CNTFRQ_EL0 and the physical count CNTPCT_EL0, which the
 * entry code opened to EL1 (CNTHCTL_EL2.EL1PCTEN).
 */
#ifndef ARCH_AARCH64_TIMER_H
#define ARCH_AARCH64_TIMER_H

#include "lib/types.h"

/* timer_freq: the counter frequency in Hz, from CNTFRQ_EL0 (set by firmware
 * or QEMU; 0 means nobody did). */
uint64_t timer_freq(void);

/* timer_count: CNTPCT_EL0, after an ISB. */
uint64_t timer_count(void);

#endif
