/*
 * PSCI (Arm DEN0022, Power State Coordination Interface) through the
 * conduit the device tree names (/psci "method" = "hvc" or "smc"), once a
 * probe has shown that it answers.
 */
#ifndef ARCH_AARCH64_PSCI_H
#define ARCH_AARCH64_PSCI_H

#include "lib/dt.h" /* enum psci_conduit: PSCI_NONE, PSCI_HVC, PSCI_SMC */

/*
 * psci_probe: find the conduit to use from now on and return it: `named`
 * (the tree's) if PSCI_VERSION through it answers, else the other one where
 * it is safe to try from entry exception level entry_el (see psci.c), else
 * PSCI_NONE. Needs the exception vectors (a probe may fault).
 */
enum psci_conduit psci_probe(enum psci_conduit named, unsigned entry_el);

/*
 * psci_refusal: why conduit c is never issued by a kernel that entered at
 * entry_el (it reaches an exception level the kernel owns, whose vectors it
 * never installs), or NULL when c may be tried.
 */
const char *psci_refusal(enum psci_conduit c, unsigned entry_el);

/* psci_system_off: SYSTEM_OFF; returns only if it failed: -ENOTSUP
 * without a conduit, else -EIO. */
int psci_system_off(void);

/* PSCI return codes (DEN0022 D, 5.2.2), as psci_cpu_on returns them. */
#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID_PARAMETERS (-2)
#define PSCI_RET_DENIED (-3)
#define PSCI_RET_ALREADY_ON (-4)
#define PSCI_RET_ON_PENDING (-5)
#define PSCI_RET_INTERNAL_FAILURE (-6)
#define PSCI_RET_NOT_PRESENT (-7)
#define PSCI_RET_DISABLED (-8)
#define PSCI_RET_INVALID_ADDRESS (-9)

/*
 * psci_cpu_on: CPU_ON (SMC64, 0xC4000003): start the CPU whose MPIDR
 * affinity is mpidr at physical address entry, in the caller's EL, with x0 =
 * context. Returns the PSCI code (PSCI_RET_*: 0 started, negative refused;
 * PSCI_RET_NOT_SUPPORTED without a conduit).
 */
int psci_cpu_on(uint64_t mpidr, paddr_t entry, uint64_t context);

/* psci_ret_name: "SUCCESS", "INVALID_PARAMETERS", ... for a PSCI return code. */
const char *psci_ret_name(int ret);

#endif
