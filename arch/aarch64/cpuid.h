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

/*
 * cpu_cache_bytes: the size of the largest data or unified cache this core
 * reports (CLIDR_EL1's levels, each read through CSSELR_EL1/CCSIDR_EL1, in
 * either CCSIDR format: FEAT_CCIDX's or the original), or 0 if it reports
 * none. For buffers that must not fit in the caches.
 */
uint64_t cpu_cache_bytes(void);

/* cpu_ccsidr_bytes: the bytes a CCSIDR_EL1 value describes (line size x
 * ways x sets); ccidx: the FEAT_CCIDX 64-bit format. */
uint64_t cpu_ccsidr_bytes(uint64_t ccsidr, bool ccidx);

#endif
