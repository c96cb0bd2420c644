/*
 * The exception frame vectors.S builds on the exception stack (SP_EL1), and
 * the C entry points it calls. Offsets are shared with the assembly and
 * checked by static_assert in exception.c.
 *
 *   0      x0 .. x30 (x29 = FP, x30 = LR), 8 bytes each
 *   248    sp     the interrupted stack pointer
 *   256    elr    ELR_EL1: where to return
 *   264    spsr   SPSR_EL1
 *   272    esr    ESR_EL1
 *   280    far    FAR_EL1
 *   288    (size, a multiple of 16)
 */
#ifndef ARCH_AARCH64_EXCEPTION_H
#define ARCH_AARCH64_EXCEPTION_H

#include <arch/percpu.h>

#define FRAME_X(n) ((n) * 8)
#define FRAME_SP 248
#define FRAME_ELR 256
#define FRAME_SPSR 264
#define FRAME_ESR 272
#define FRAME_FAR 280
#define FRAME_SIZE 288

/* STAGE_ENTRY and STAGE_EXIT (mm/fault.h), and where the vector finds this
 * CPU's fault_stamp[] and fault_stamps_on: at these offsets from TPIDR_EL1
 * (struct percpu, mm/percpu.h; checked in exception.c). */
#define FAULT_STAGE_ENTRY 0
#define FAULT_STAGE_EXIT 7
#define PERCPU_STAMP ARCH_PERCPU_SIZE
#define PERCPU_STAMP_ENTRY (PERCPU_STAMP + FAULT_STAGE_ENTRY * 8)
#define PERCPU_STAMP_EXIT (PERCPU_STAMP + FAULT_STAGE_EXIT * 8)
#define PERCPU_STAMPS_ON (PERCPU_STAMP + 8 * 8)

/*
 * Vector table slots (Arm ARM D1.3.2, "Exception vectors"): offset / 0x80.
 * The kernel runs with SP_EL0, so its own exceptions arrive in slots 0-3;
 * slots 4-7 mean an exception inside an exception handler.
 */
#define VEC_SYNC_SP0 0
#define VEC_SYNC_SPX 4
#define VEC_COUNT 16

#ifndef __ASSEMBLY__
#include "lib/types.h"

struct exc_frame {
	uint64_t x[31];
	uint64_t sp;
	uint64_t elr;
	uint64_t spsr;
	uint64_t esr;
	uint64_t far;
};

/* The 2 KiB-aligned table of 16 vectors (vectors.S), installed in
 * VBAR_EL1 by the entry code before any C runs. */
extern char exception_vectors[];

/*
 * el1_abort_fast: the data-abort fast path's C half (called by vectors.S
 * with ESR_EL1 and FAR_EL1 when fault_stamps_on is false): decode, call
 * do_page_fault_nostamp, return its result.
 */
int el1_abort_fast(uint64_t esr, uint64_t far);

/* el1_abort_stamped: el1_abort_fast for faults taken with fault_stamps_on. */
int el1_abort_stamped(uint64_t esr, uint64_t far);

/*
 * exception_abort_failed: the fast path's fault could not be resolved
 * (do_page_fault returned err): resume an expected fault, or crash.
 */
void exception_abort_failed(struct exc_frame *f, int err);

/*
 * exception_slow: every other exception, taken through vector slot `vec`.
 * Returns to retry or resume (f may be changed); otherwise crashes.
 */
void exception_slow(struct exc_frame *f, unsigned vec);
#endif

#endif
