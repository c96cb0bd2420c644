/*
 * Expected faults: a test or benchmark arms the mechanism, makes an access
 * that must fault, and reads back what the hardware reported, instead of
 * the fault ending the run with a crash report.
 *
 *	expect_fault_begin();
 *	*(volatile int *)read_only = 1;
 *	if (!expect_fault_end(&f) || !(f.flags & FAULT_PERMISSION)) ...
 *
 * Only a fault do_page_fault cannot resolve (or any other synchronous
 * exception) is caught; a fault it resolves is retried as usual. One fault
 * is caught per begin: the mechanism disarms itself when it fires, so a
 * second fault is unexpected. Resumption: a Data Abort or other exception
 * continues at the next instruction (ELR + 4); an Instruction Abort (a call
 * through a pointer into a non-executable page) returns to the caller
 * (ELR = LR), as if the call had returned.
 */
#ifndef ARCH_AARCH64_EXPECT_H
#define ARCH_AARCH64_EXPECT_H

#include "lib/types.h"

struct exc_frame;

struct expected_fault {
	unsigned ec;     /* ESR_EL1.EC */
	uint64_t esr;
	uint64_t far;    /* FAR_EL1 (meaningful for aborts) */
	uint64_t elr;    /* where it happened */
	unsigned flags;  /* FAULT_* (mm/fault.h) for aborts, else 0 */
	int result;      /* do_page_fault's return for aborts, else 0 */
};

/* expect_fault_begin: arm: the next unresolved fault is recorded, not fatal. */
void expect_fault_begin(void);

/* expect_fault_end: disarm; true (and *out filled, if not NULL) if a fault
 * was taken since expect_fault_begin. */
bool expect_fault_end(struct expected_fault *out);

/*
 * expect_fault_take: for the exception code: if armed, record the exception
 * in f (flags and result of the fault path), set f->elr to resume, disarm
 * and return true; else return false.
 */
bool expect_fault_take(struct exc_frame *f, unsigned flags, int result);

/*
 * expect_probe_read32: read the 32-bit word at `addr` (MMU off: a physical
 * address) that may not exist. Returns true and fills *f if the read
 * faulted (a synchronous external abort where nothing answers), else
 * false and sets *val. For checking what a device tree claims before use.
 */
bool expect_probe_read32(uintptr_t addr, uint32_t *val, struct expected_fault *f);

#endif
