/*
 * The EL1 exception vector table (Arm ARM D1.3.2): 16 slots of 0x80 bytes,
 * the table 2 KiB aligned.
 *
 *   0x000 current EL, SP_EL0  sync / IRQ / FIQ / SError   <- kernel code
 *   0x200 current EL, SP_ELx  sync / IRQ / FIQ / SError   <- inside a handler
 *   0x400 lower EL, AArch64   (unused: nothing runs at EL0)
 *   0x600 lower EL, AArch32   (unused)
 *
 * Every slot pushes a struct exc_frame (exception.h) on SP_EL1 and saves
 * x0/x1. A synchronous exception from kernel code that is a Data Abort from
 * the current EL (ESR_EL1.EC == 0x25) takes the fast path: save only the
 * registers the C calling convention lets do_page_fault clobber (x0-x18,
 * LR), call it, restore, ERET. Everything else, and a fault the fast path
 * could not resolve, saves the whole frame and calls C.
 */
#include "arch/aarch64/exception.h"

#define ESR_EC_SHIFT 26
#define ESR_EC_DABT_CUR 0x25

	.text

/*
 * fault_mark: a stage mark (struct fault_mark, mm/fault.h) for this point:
 * no instruction, one entry in section fault_marks.
 */
.macro fault_mark stage
661:
	.pushsection fault_marks, "a"
	.balign	4
	.long	661b - .
	.long	\stage
	.popsection
.endm

/* vslot: one vector slot that saves x0/x1 and branches to \target with the
 * slot number in x1 (x0 keeps its saved copy). */
.macro vslot n, target
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #FRAME_X(0)]
	mov	x1, #\n
	b	\target
.endm

/* save_x2_x18: the rest of the caller-saved registers, and LR. */
.macro save_x2_x18_lr
	stp	x2, x3, [sp, #FRAME_X(2)]
	stp	x4, x5, [sp, #FRAME_X(4)]
	stp	x6, x7, [sp, #FRAME_X(6)]
	stp	x8, x9, [sp, #FRAME_X(8)]
	stp	x10, x11, [sp, #FRAME_X(10)]
	stp	x12, x13, [sp, #FRAME_X(12)]
	stp	x14, x15, [sp, #FRAME_X(14)]
	stp	x16, x17, [sp, #FRAME_X(16)]
	str	x18, [sp, #FRAME_X(18)]
	str	x30, [sp, #FRAME_X(30)]
.endm

.macro restore_x2_x18_lr
	ldp	x2, x3, [sp, #FRAME_X(2)]
	ldp	x4, x5, [sp, #FRAME_X(4)]
	ldp	x6, x7, [sp, #FRAME_X(6)]
	ldp	x8, x9, [sp, #FRAME_X(8)]
	ldp	x10, x11, [sp, #FRAME_X(10)]
	ldp	x12, x13, [sp, #FRAME_X(12)]
	ldp	x14, x15, [sp, #FRAME_X(14)]
	ldp	x16, x17, [sp, #FRAME_X(16)]
	ldr	x18, [sp, #FRAME_X(18)]
	ldr	x30, [sp, #FRAME_X(30)]
.endm

/*
 * save_caller / restore_caller: the same registers for the fast path, one
 * STP and one LDP fewer: LR goes in the x19 slot, beside x18. The fast
 * path never stores x19 (C preserves it); abort_failed moves LR to its own
 * slot before it saves the rest.
 */
.macro save_caller
	stp	x2, x3, [sp, #FRAME_X(2)]
	stp	x4, x5, [sp, #FRAME_X(4)]
	stp	x6, x7, [sp, #FRAME_X(6)]
	stp	x8, x9, [sp, #FRAME_X(8)]
	stp	x10, x11, [sp, #FRAME_X(10)]
	stp	x12, x13, [sp, #FRAME_X(12)]
	stp	x14, x15, [sp, #FRAME_X(14)]
	stp	x16, x17, [sp, #FRAME_X(16)]
	stp	x18, x30, [sp, #FRAME_X(18)]
.endm

.macro restore_caller
	ldp	x2, x3, [sp, #FRAME_X(2)]
	ldp	x4, x5, [sp, #FRAME_X(4)]
	ldp	x6, x7, [sp, #FRAME_X(6)]
	ldp	x8, x9, [sp, #FRAME_X(8)]
	ldp	x10, x11, [sp, #FRAME_X(10)]
	ldp	x12, x13, [sp, #FRAME_X(12)]
	ldp	x14, x15, [sp, #FRAME_X(14)]
	ldp	x16, x17, [sp, #FRAME_X(16)]
	ldp	x18, x30, [sp, #FRAME_X(18)]
.endm

/* save_rest: x19-x29 and the system registers. The interrupted SP is SP_EL0
 * when we came from kernel code (SPSR_EL1.M[0] = 0), else this frame's top. */
.macro save_rest
	stp	x19, x20, [sp, #FRAME_X(19)]
	stp	x21, x22, [sp, #FRAME_X(21)]
	stp	x23, x24, [sp, #FRAME_X(23)]
	stp	x25, x26, [sp, #FRAME_X(25)]
	stp	x27, x28, [sp, #FRAME_X(27)]
	str	x29, [sp, #FRAME_X(29)]
	mrs	x21, spsr_el1
	mrs	x22, elr_el1
	mrs	x23, sp_el0
	add	x24, sp, #FRAME_SIZE
	tst	x21, #1
	csel	x23, x24, x23, ne
	stp	x23, x22, [sp, #FRAME_SP]
	str	x21, [sp, #FRAME_SPSR]
	mrs	x23, esr_el1
	mrs	x24, far_el1
	stp	x23, x24, [sp, #FRAME_ESR]
.endm

	.balign	0x800
	.globl	exception_vectors
exception_vectors:
	/* Current EL with SP_EL0: the kernel's own exceptions. */
	.balign	0x80
	fault_mark FAULT_STAGE_ENTRY
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #FRAME_X(0)]
	b	el1_sync_sp0
	vslot	1, exc_slow
	vslot	2, exc_slow
	vslot	3, exc_slow
	/* Current EL with SP_ELx: an exception while handling one. */
	vslot	4, exc_slow
	vslot	5, exc_slow
	vslot	6, exc_slow
	vslot	7, exc_slow
	/* Lower EL, AArch64 and AArch32: never expected. */
	vslot	8, exc_slow
	vslot	9, exc_slow
	vslot	10, exc_slow
	vslot	11, exc_slow
	vslot	12, exc_slow
	vslot	13, exc_slow
	vslot	14, exc_slow
	vslot	15, exc_slow

/*
 * dabt_fast: the Data Abort fast path, calling \handler(esr, far). x0/x1
 * are saved, x0 holds ESR_EL1; anything but a Data Abort from the current
 * EL goes to exc_slow. \stamp (1 or 0) says whether to take the exit stamp.
 */
.macro dabt_fast handler, stamp
	ubfx	x1, x0, #ESR_EC_SHIFT, #6	/* EC = ESR_EL1[31:26] */
	cmp	x1, #ESR_EC_DABT_CUR
	b.ne	sync_slow
	save_caller
	mrs	x1, far_el1
	bl	\handler		/* (esr, far) -> do_page_fault's result */
	cbnz	w0, abort_failed
	restore_caller
	fault_mark FAULT_STAGE_EXIT
.if \stamp
	isb
	mrs	x1, pmccntr_el0
	mrs	x0, tpidr_el1		/* this CPU's block */
	str	x1, [x0, #PERCPU_STAMP_EXIT]
.endif
	ldp	x0, x1, [sp, #FRAME_X(0)]
	add	sp, sp, #FRAME_SIZE
	eret
.endm

/*
 * Synchronous exception from kernel code. x0/x1 are saved. This CPU's
 * fault_stamps_on (TPIDR_EL1 points to its block) is tested here once: the stamped path is a copy with the entry and exit
 * stamps, and the C it calls takes the others.
 */
el1_sync_sp0:
	mrs	x0, tpidr_el1		/* this CPU's block */
	ldrb	w0, [x0, #PERCPU_STAMPS_ON]
	cbnz	w0, el1_sync_stamped
	mrs	x0, esr_el1
	dabt_fast el1_abort_fast, 0

el1_sync_stamped:
	isb
	mrs	x1, pmccntr_el0
	mrs	x0, tpidr_el1
	str	x1, [x0, #PERCPU_STAMP_ENTRY]	/* fault_stamp[STAGE_ENTRY] */
	mrs	x0, esr_el1
	dabt_fast el1_abort_stamped, 1

sync_slow:
	mov	x1, #VEC_SYNC_SP0
	b	exc_slow

/* do_page_fault refused: x0-x18 are in the frame and LR in the x19 slot
 * (save_caller); the callee-saved registers hold their interrupted values. */
abort_failed:
	ldr	x30, [sp, #FRAME_X(19)]
	str	x30, [sp, #FRAME_X(30)]
	mov	w2, w0
	save_rest
	mov	x0, sp
	mov	w1, w2
	bl	exception_abort_failed
	b	exc_return

/* The general path: x0/x1 saved, x1 = vector slot number. */
exc_slow:
	save_x2_x18_lr
	save_rest
	mov	x0, sp
	bl	exception_slow
exc_return:
	ldp	x0, x1, [sp, #FRAME_ELR]	/* elr, spsr (C may change elr) */
	msr	elr_el1, x0
	msr	spsr_el1, x1
	restore_x2_x18_lr
	ldp	x19, x20, [sp, #FRAME_X(19)]
	ldp	x21, x22, [sp, #FRAME_X(21)]
	ldp	x23, x24, [sp, #FRAME_X(23)]
	ldp	x25, x26, [sp, #FRAME_X(25)]
	ldp	x27, x28, [sp, #FRAME_X(27)]
	ldr	x29, [sp, #FRAME_X(29)]
	ldp	x0, x1, [sp, #FRAME_X(0)]
	add	sp, sp, #FRAME_SIZE
	eret
