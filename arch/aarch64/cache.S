/*
 * Data and instruction cache maintenance by address (see cache.h).
 *
 * Arm ARM DDI0487 K.a, chapter D7 "The AArch64 System Level Memory Model",
 * "Cache support", "Cache maintenance instructions" (D4.4 in editions F-H):
 * DC IVAC invalidates, DC CIVAC cleans and invalidates, the line holding a
 * VA to the Point of Coherency; with the MMU off the VA is the PA. Their
 * completion is only guaranteed after a DSB.
 *
 * The line size is CTR_EL0.DminLine (D24.2 "CTR_EL0"), the smallest data
 * or unified cache line of any level, as log2 of 4-byte words:
 *
 *   CTR_EL0:  31  29  28  27..24  23..20  19..16    15..14  13..4  3..0
 *            |RES1| DIC| IDC| CWG  | ERG  | DminLine | L1Ip | RES0 | IminLine|
 */
#include "arch/aarch64/cache.h"

/* line: \reg = the smallest data cache line in bytes (4 << DminLine). */
.macro line reg, tmp
	mrs	\tmp, ctr_el0
	ubfx	\tmp, \tmp, #CTR_EL0_DminLine_SHIFT, #4
	mov	\reg, #4
	lsl	\reg, \reg, \tmp
.endm

/* size_t dcache_line_size(void) */
	.section .text.dcache_line_size, "ax"
	.globl	dcache_line_size
	.type	dcache_line_size, %function
dcache_line_size:
	line	x0, x1
	ret
	.size	dcache_line_size, . - dcache_line_size

/*
 * size_t dcache_inval_poc(uintptr_t start, uintptr_t end)
 *
 * As Linux's dcache_inval_poc (arch/arm64/mm/cache.S): a partial line at
 * either end is cleaned and invalidated (DC CIVAC), so bytes of it outside
 * [start, end) keep their newest value; whole lines are invalidated (DC
 * IVAC). Returns the number of lines operated on; ends with DSB SY. Uses
 * x0-x4 only and no stack (the entry code calls it before there is one).
 */
	.section .text.dcache_inval_poc, "ax"
	.globl	dcache_inval_poc
	.type	dcache_inval_poc, %function
dcache_inval_poc:
	line	x2, x3
	sub	x3, x2, #1		/* line mask */
	mov	x4, #0			/* lines done */
	cmp	x0, x1
	b.hs	3f
	tst	x1, x3			/* partial last line: clean it too */
	bic	x1, x1, x3
	b.eq	1f
	dc	civac, x1
	add	x4, x4, #1
1:	tst	x0, x3			/* partial first line: clean it too */
	bic	x0, x0, x3
	b.eq	2f
	cmp	x0, x1			/* start and end in the same line: done */
	b.eq	3f
	dc	civac, x0
	add	x4, x4, #1
	add	x0, x0, x2
2:	cmp	x0, x1
	b.hs	3f
	dc	ivac, x0
	add	x4, x4, #1
	add	x0, x0, x2
	b	2b
3:	dsb	sy
	mov	x0, x4
	ret
	.size	dcache_inval_poc, . - dcache_inval_poc

/*
 * size_t dcache_clean_poc(uintptr_t start, uintptr_t end)
 *
 * Clean [start, end) to the Point of Coherency (DC CVAC by line), for a
 * reader whose MMU and caches are off (a secondary CPU reading what the
 * boot CPU wrote, arch/aarch64/smp.c). Returns the lines cleaned; ends with
 * DSB SY. Uses x0-x4 only and no stack.
 */
	.section .text.dcache_clean_poc, "ax"
	.globl	dcache_clean_poc
	.type	dcache_clean_poc, %function
dcache_clean_poc:
	line	x2, x3
	sub	x3, x2, #1
	bic	x0, x0, x3
	mov	x4, #0
1:	cmp	x0, x1
	b.hs	2f
	dc	cvac, x0
	add	x4, x4, #1
	add	x0, x0, x2
	b	1b
2:	dsb	sy
	mov	x0, x4
	ret
	.size	dcache_clean_poc, . - dcache_clean_poc

/*
 * void icache_sync_range(uintptr_t start, uintptr_t end)
 *
 * Make [start, end), written as data, safe to execute (Arm ARM DDI0487 K.a
 * D7.5.9, "Ordering and completion of data and instruction cache
 * instructions"): DC CVAU by data line, DSB ISH, IC IVAU by instruction
 * line (CTR_EL0.IminLine), DSB ISH, ISB. Uses x0-x4 only and no stack.
 */
	.section .text.icache_sync_range, "ax"
	.globl	icache_sync_range
	.type	icache_sync_range, %function
icache_sync_range:
	line	x2, x3
	sub	x3, x2, #1
	bic	x4, x0, x3
1:	cmp	x4, x1
	b.hs	2f
	dc	cvau, x4
	add	x4, x4, x2
	b	1b
2:	dsb	ish
	mrs	x3, ctr_el0
	and	x3, x3, #CTR_EL0_IminLine_MASK
	mov	x2, #4
	lsl	x2, x2, x3
	sub	x3, x2, #1
	bic	x4, x0, x3
3:	cmp	x4, x1
	b.hs	4f
	ic	ivau, x4
	add	x4, x4, x2
	b	3b
4:	dsb	ish
	isb
	ret
	.size	icache_sync_range, . - icache_sync_range

/* void icache_inval_all(void) */
	.section .text.icache_inval_all, "ax"
	.globl	icache_inval_all
	.type	icache_inval_all, %function
icache_inval_all:
	ic	iallu
	dsb	nsh
	isb
	ret
	.size	icache_inval_all, . - icache_inval_all
