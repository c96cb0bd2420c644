/*
 * PSCI calls (Arm DEN0022 D, 5.1 function IDs; SMC Calling Convention
 * DEN0028: function ID in w0, result in x0, x1-x17 may be clobbered).
 */
#include "arch/aarch64/psci.h"
#include "lib/errno.h"

#define PSCI_SYSTEM_OFF 0x84000008u /* SMC32 fast call */

static enum psci_conduit conduit;

void psci_set_conduit(enum psci_conduit c)
{
	conduit = c;
}

#define SMCCC_CLOBBERS                                                        \
	"x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",  \
		"x12", "x13", "x14", "x15", "x16", "x17", "memory"

static uint64_t psci_call(uint32_t fn)
{
	register uint64_t x0 __asm__("x0") = fn;

	if (conduit == PSCI_HVC)
		__asm__ volatile("hvc #0" : "+r"(x0) : : SMCCC_CLOBBERS);
	else
		__asm__ volatile("smc #0" : "+r"(x0) : : SMCCC_CLOBBERS);
	return x0;
}

int psci_system_off(void)
{
	if (conduit == PSCI_NONE)
		return -ENOTSUP;
	psci_call(PSCI_SYSTEM_OFF);
	return -EIO;
}
