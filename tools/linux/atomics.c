/*
 * <arch/atomic.h> in the Linux programs (the console's lock is built in,
 * unused with one thread of output): the LSE atomics when Linux says the
 * core has them (HWCAP_ATOMICS, from ID_AA64ISAR0_EL1.Atomic).
 */
#include <sys/auxv.h>

#include <arch/atomic.h>

bool arch_lse;

void arch_atomics_init(bool force_llsc)
{
	arch_lse = !force_llsc && (getauxval(AT_HWCAP) & HWCAP_ATOMICS);
}
