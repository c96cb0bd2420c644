/*
 * Page zeroing with DC ZVA (Arm ARM, "DC ZVA, Data Cache Zero by VA", and
 * DCZID_EL0). DCZID_EL0.BS [3:0] is log2 of the block size in 4-byte words;
 * DCZID_EL0.DZP [4] set means DC ZVA is prohibited.
 *
 * The fault path zeroes one page per write fault, so arch_zero_page jumps
 * through a pointer chosen once by arch_cpu_init_zva:
 *   .Lzva64     64-byte blocks (every Cortex-A core, QEMU's CPUs):
 *               PAGE_SIZE / 64 straight-line "DC ZVA; ADD #64" pairs
 *               (with 4 KiB pages 3 + 127 + 1 instructions for the page;
 *               16 KiB and 64 KiB pages unroll 256 and 1024 DC ZVA)
 *   .Lzva_loop  other block sizes from 128 bytes to 2 KiB: a loop
 *   .Lstores    DC ZVA prohibited, or blocks under 64 bytes: STP XZR stores
 *   .Lboot      before arch_cpu_init_zva, with the MMU off (memory is
 *               Device, where DC ZVA takes an alignment fault): the page
 *               (a boot translation table) is invalidated to the PoC by
 *               arch_inval_before_write, then zeroed by .Lstores
 */

#include <arch/page.h>

#define PAGE_SIZE	(1 << ARCH_PAGE_SHIFT)

	.section .data.zva, "aw"
	.balign 8
zva_entry:	.quad	.Lboot	/* R_AARCH64_RELATIVE, applied at entry */
zva_block:	.quad	0		/* bytes per DC ZVA; 0: stores */

/* void arch_zero_page(void *page) */
	.section .text.arch_zero_page, "ax"
	.globl	arch_zero_page
	.type	arch_zero_page, %function
	.balign	16
arch_zero_page:
	adrp	x1, zva_entry
	ldr	x1, [x1, :lo12:zva_entry]
	br	x1

.Lzva64:
	.rept	PAGE_SIZE / 64 - 1
	dc	zva, x0
	add	x0, x0, #64
	.endr
	dc	zva, x0
	ret

.Lzva_loop:
	adrp	x1, zva_block
	ldr	x1, [x1, :lo12:zva_block]
	add	x2, x0, #PAGE_SIZE
1:	dc	zva, x0			/* two blocks per round: at most 2 KiB each */
	add	x0, x0, x1
	dc	zva, x0
	add	x0, x0, x1
	cmp	x0, x2
	b.ne	1b
	ret

.Lboot:
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	str	x0, [sp, #16]
	mov	x1, #PAGE_SIZE
	bl	arch_inval_before_write
	ldr	x0, [sp, #16]
	ldp	x29, x30, [sp], #32
.Lstores:
	add	x1, x0, #PAGE_SIZE
1:	.irp	off, 0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240
	stp	xzr, xzr, [x0, #\off]
	.endr
	add	x0, x0, #256
	cmp	x0, x1
	b.ne	1b
	ret
	.size	arch_zero_page, . - arch_zero_page

/*
 * void arch_zero_pages(void *page, size_t n): n >= 1 consecutive pages (a
 * folio). With 64-byte DC ZVA blocks one straight-line page body in a loop
 * (two instructions per page beyond the zeroing), else arch_zero_page for
 * each page.
 */
	.section .text.arch_zero_pages, "ax"
	.globl	arch_zero_pages
	.type	arch_zero_pages, %function
	.balign	16
arch_zero_pages:
	cbz	x1, 3f
	adrp	x2, zva_entry
	ldr	x2, [x2, :lo12:zva_entry]
	adr	x3, .Lzva64
	add	x1, x0, x1, lsl #ARCH_PAGE_SHIFT
	cmp	x2, x3
	b.ne	2f
1:	.rept	PAGE_SIZE / 64
	dc	zva, x0
	add	x0, x0, #64
	.endr
	cmp	x0, x1
	b.lo	1b
	ret
2:	stp	x29, x30, [sp, #-32]!	/* each page through arch_zero_page */
	mov	x29, sp
	stp	x19, x20, [sp, #16]
	mov	x19, x0
	mov	x20, x1
4:	mov	x0, x19
	bl	arch_zero_page
	add	x19, x19, #PAGE_SIZE
	cmp	x19, x20
	b.lo	4b
	ldp	x19, x20, [sp, #16]
	ldp	x29, x30, [sp], #32
3:	ret
	.size	arch_zero_pages, . - arch_zero_pages

/* void arch_cpu_init_zva(void) */
	.section .text.arch_cpu_init_zva, "ax"
	.globl	arch_cpu_init_zva
	.type	arch_cpu_init_zva, %function
arch_cpu_init_zva:
	mrs	x0, dczid_el0
	adr	x2, .Lstores
	mov	x1, xzr
	tbnz	x0, #4, 9f		/* DZP: prohibited */
	and	x0, x0, #0xf		/* BS */
	mov	x3, #4
	lsl	x3, x3, x0		/* 4 << BS bytes */
	cmp	x3, #64
	b.lo	9f			/* too small to be worth it */
	mov	x1, x3
	adr	x2, .Lzva64
	b.eq	9f
	adr	x2, .Lzva_loop
9:	adrp	x4, zva_entry
	add	x4, x4, :lo12:zva_entry
	stp	x2, x1, [x4]		/* zva_entry, zva_block */
	ret
	.size	arch_cpu_init_zva, . - arch_cpu_init_zva
