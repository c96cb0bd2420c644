/*
 * Which atomics this core runs (arch/aarch64/include/arch/atomic.h): LSE
 * when ID_AA64ISAR0_EL1.Atomic (bits [23:20], Arm ARM D24.2) is 0b0010 or
 * more, the exclusives otherwise or when asked to.
 */
#include "arch/aarch64/sysreg.h"
#include <arch/atomic.h>

#define ID_AA64ISAR0_Atomic_SHIFT 20
#define ID_AA64ISAR0_Atomic_LSE 2

bool arch_lse;

void arch_atomics_init(bool force_llsc)
{
	uint64_t isar0 = read_sysreg(id_aa64isar0_el1);

	arch_lse = !force_llsc &&
		   sysreg_field(isar0, ID_AA64ISAR0_Atomic_SHIFT, 4) >= ID_AA64ISAR0_Atomic_LSE;
}
