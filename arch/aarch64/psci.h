/*
 * PSCI (Arm DEN0022, Power State Coordination Interface) through the
 * conduit the device tree names (/psci "method" = "hvc" or "smc").
 */
#ifndef ARCH_AARCH64_PSCI_H
#define ARCH_AARCH64_PSCI_H

#include "lib/dt.h" /* enum psci_conduit: PSCI_NONE, PSCI_HVC, PSCI_SMC */

/* psci_set_conduit: use this conduit from now on. */
void psci_set_conduit(enum psci_conduit c);

/* psci_system_off: SYSTEM_OFF; returns only if it failed: -ENOTSUP
 * without a conduit, else -EIO. */
int psci_system_off(void);

#endif
