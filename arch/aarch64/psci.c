/*
 * PSCI calls (Arm DEN0022 D, 5.1 function IDs; SMC Calling Convention
 * DEN0028: function ID in w0, result in x0, x1-x17 may be clobbered).
 *
 * The conduit the tree names is probed before it is trusted, as semihosting
 * is: PSCI_VERSION with an expected fault armed. An SMC with no EL3 (or an
 * HVC with no EL2) is UNDEFINED at EL1 (Arm ARM D1.4, "SMC" / "HVC"
 * exception generation): the probe catches that, and a firmware without
 * PSCI answers NOT_SUPPORTED. Then the other conduit is tried, but only
 * where the call reaches an exception level faultline does not own: HVC
 * when the kernel entered at EL1, SMC when it entered below EL3 (from its
 * own EL2 or EL3, whose vectors it never installs, a call would never
 * return).
 */
#include "arch/aarch64/expect.h"
#include "arch/aarch64/psci.h"
#include "lib/errno.h"

#define PSCI_VERSION 0x84000000u    /* SMC32 fast call */
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_NOT_SUPPORTED (-1)

static enum psci_conduit conduit;

#define SMCCC_CLOBBERS                                                        \
	"x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",  \
		"x12", "x13", "x14", "x15", "x16", "x17", "memory"

static uint64_t psci_call(enum psci_conduit c, uint32_t fn)
{
	register uint64_t x0 __asm__("x0") = fn;

	if (c == PSCI_HVC)
		__asm__ volatile("hvc #0" : "+r"(x0) : : SMCCC_CLOBBERS);
	else
		__asm__ volatile("smc #0" : "+r"(x0) : : SMCCC_CLOBBERS);
	return x0;
}

/* answers: PSCI_VERSION through c neither faults nor is refused. */
static bool answers(enum psci_conduit c)
{
	uint64_t v;

	expect_fault_begin();
	v = psci_call(c, PSCI_VERSION);
	if (expect_fault_end(NULL))
		return false;
	return (int32_t)v != PSCI_NOT_SUPPORTED;
}

enum psci_conduit psci_probe(enum psci_conduit named, unsigned entry_el)
{
	conduit = PSCI_NONE;
	if (named == PSCI_NONE)
		return conduit; /* no /psci: nothing is tried */
	if (answers(named))
		conduit = named;
	else if (named != PSCI_HVC && entry_el == 1 && answers(PSCI_HVC))
		conduit = PSCI_HVC;
	else if (named != PSCI_SMC && entry_el < 3 && answers(PSCI_SMC))
		conduit = PSCI_SMC;
	return conduit;
}

int psci_system_off(void)
{
	if (conduit == PSCI_NONE)
		return -ENOTSUP;
	psci_call(conduit, PSCI_SYSTEM_OFF);
	return -EIO;
}
