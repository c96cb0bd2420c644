/*
 * PSCI calls (Arm DEN0022 D, 5.1 function IDs; SMC Calling Convention
 * DEN0028: function ID in w0, result in x0, x1-x17 may be clobbered).
 *
 * The conduit the tree names is probed before it is trusted, as semihosting
 * is: PSCI_VERSION with an expected fault armed. An SMC with no EL3 (or an
 * HVC with no EL2) is UNDEFINED at EL1 (Arm ARM D1.4, "SMC" / "HVC"
 * exception generation): the probe catches that, and a firmware without
 * PSCI answers NOT_SUPPORTED. Then the other conduit is tried.
 *
 * No conduit, the tree's included, is ever called where it reaches an
 * exception level faultline itself entered at: it never installs vectors
 * there (VBAR_EL2/VBAR_EL3 keep their UNKNOWN reset values), so the call
 * would never return. SMC is refused when the kernel entered at EL3 (no
 * firmware exists above it); HVC when it entered at EL2 or at EL3 on a CPU
 * with EL2 (where EL2 is not implemented, HVC at EL1 is UNDEFINED: the
 * probe catches that).
 */
#include "arch/aarch64/expect.h"
#include "arch/aarch64/psci.h"
#include "arch/aarch64/sysreg.h"
#include "lib/errno.h"

#define PSCI_VERSION 0x84000000u    /* SMC32 fast call */
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_CPU_ON 0xC4000003u     /* SMC64 fast call */
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

/* psci_call3: fn with three 64-bit arguments (x1..x3). */
static int64_t psci_call3(enum psci_conduit c, uint32_t fn, uint64_t a1, uint64_t a2,
			  uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	if (c == PSCI_HVC)
		__asm__ volatile("hvc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :
				 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
				   "x13", "x14", "x15", "x16", "x17", "memory");
	else
		__asm__ volatile("smc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :
				 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
				   "x13", "x14", "x15", "x16", "x17", "memory");
	return (int32_t)x0; /* PSCI return codes are 32-bit signed */
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

/* owned: c reaches an exception level the kernel entered at (so it owns
 * that level and installed no vectors there). */
static bool owned(enum psci_conduit c, unsigned entry_el)
{
	uint64_t el2 = sysreg_field(read_sysreg(id_aa64pfr0_el1), ID_AA64PFR0_EL2_SHIFT, 4);

	if (c == PSCI_SMC)
		return entry_el >= 3;
	return entry_el >= 2 && el2 != 0;
}

const char *psci_refusal(enum psci_conduit c, unsigned entry_el)
{
	if (!owned(c, entry_el))
		return NULL;
	if (c == PSCI_SMC)
		return "the kernel entered at EL3, so no firmware exists to answer an SMC "
		       "(refused, not issued)";
	return entry_el == 2 ? "the kernel entered at EL2, so no hypervisor exists to answer "
			       "an HVC (refused, not issued)"
			     : "the kernel entered at EL3 and owns EL2, so no hypervisor exists "
			       "to answer an HVC (refused, not issued)";
}

enum psci_conduit psci_probe(enum psci_conduit named, unsigned entry_el)
{
	conduit = PSCI_NONE;
	if (named == PSCI_NONE)
		return conduit; /* no /psci: nothing is tried */
	if (!owned(named, entry_el) && answers(named))
		conduit = named;
	else if (named != PSCI_HVC && !owned(PSCI_HVC, entry_el) && answers(PSCI_HVC))
		conduit = PSCI_HVC;
	else if (named != PSCI_SMC && !owned(PSCI_SMC, entry_el) && answers(PSCI_SMC))
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

int psci_cpu_on(uint64_t mpidr, paddr_t entry, uint64_t context)
{
	if (conduit == PSCI_NONE)
		return PSCI_RET_NOT_SUPPORTED;
	return (int)psci_call3(conduit, PSCI_CPU_ON, mpidr, entry, context);
}

const char *psci_ret_name(int ret)
{
	static const char *const names[] = {
		"SUCCESS", "NOT_SUPPORTED", "INVALID_PARAMETERS", "DENIED", "ALREADY_ON",
		"ON_PENDING", "INTERNAL_FAILURE", "NOT_PRESENT", "DISABLED",
		"INVALID_ADDRESS",
	};

	if (ret > 0 || -ret >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown PSCI return code";
	return names[-ret];
}
