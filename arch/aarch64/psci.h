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

#endif
