/*
 * The end of every run: the contract's last console line, then power off.
 * Under QEMU with -semihosting the exit status reaches the host (0 for ok,
 * 1 for fail); otherwise PSCI SYSTEM_OFF; failing both, the CPU waits for
 * interrupts forever with all of them masked.
 */
#ifndef ARCH_AARCH64_STOP_H
#define ARCH_AARCH64_STOP_H

#include "lib/types.h"

/* stop_ok: print "faultline: done status=ok" and power off. */
NORETURN void stop_ok(void);

/* stop_fail: print "faultline: done status=fail (<reason>)" and power off
 * with a failure status. Safe to call again while stopping (then silent). */
NORETURN void stop_fail(const char *fmt, ...) PRINTF_LIKE(1, 2);

#endif
