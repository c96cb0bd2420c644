/*
 * Arm semihosting (Arm "Semihosting for AArch32 and AArch64", AArch64
 * trap instruction HLT #0xF000), used only to end a QEMU run with an exit
 * status. QEMU implements it when started with -semihosting.
 */
#ifndef ARCH_AARCH64_SEMIHOST_H
#define ARCH_AARCH64_SEMIHOST_H

#include "lib/types.h"

/*
 * semihost_available: whether semihosting calls work here. Probed once,
 * safely: without a semihosting host, HLT is an UNDEFINED instruction at
 * EL1; the probe runs under expect_fault_begin, so that exception is caught
 * and skipped, and the answer is no. (With a hardware debugger attached and
 * halting enabled, HLT would halt the core: do not debug with halting
 * enabled and -semihosting off at the same time.)
 */
bool semihost_available(void);

/* semihost_exit: SYS_EXIT with ADP_Stopped_ApplicationExit and `code` as
 * the exit status (QEMU exits with it). Returns only if semihosting is
 * unavailable. */
void semihost_exit(int code);

#endif
