/*
 * CPU identification from MIDR_EL1 (Arm ARM D24.2, "MIDR_EL1").
 */
#ifndef ARCH_AARCH64_CPUID_H
#define ARCH_AARCH64_CPUID_H

#include "lib/types.h"

/* cpu_name: the core's name ("cortex-a72"), or NULL if not in the table. */
const char *cpu_name(uint64_t midr);

/* cpu_pa_bits: the implemented physical address size in bits, from
 * ID_AA64MMFR0_EL1.PARange (Arm ARM D24.2): 32, 36, 40, 42, 44, 48 or 52. */
unsigned cpu_pa_bits(void);

#endif
