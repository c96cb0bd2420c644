/*
 * Page zeroing with DC ZVA (Arm ARM, "DC ZVA, Data Cache Zero by VA", and
 * DCZID_EL0). DCZID_EL0.BS [3:0] is log2 of the block size in 4-byte words;
 * DCZID_EL0.DZP [4] set means DC ZVA is prohibited.
 *
 * The fault path zeroes one page per write fault, so arch_zero_page is
 * straight-line code: a run of 64 "DC ZVA; ADD" pairs that is entered part
 * way in, so that exactly 4096 / block-size blocks are zeroed. With the
 * usual 64-byte block that is 7 + 127 + 1 instructions for the whole page.
 */

#define PAGE_SIZE	4096
#define ZVA_MAX_BLOCKS	64	/* pairs in the run: blocks of >= 64 bytes */
#define PAIR_BYTES	8	/* "dc zva" + "add", 4 bytes each */

	.section .data.zva, "aw"
	.balign 16
/* Filled by arch_cpu_init_zva: block bytes (0: use stores), code to skip. */
zva:	.quad	0, 0

	.text

/* void arch_zero_page(void *page) */
	.section .text.arch_zero_page, "ax"
	.globl	arch_zero_page
	.type	arch_zero_page, %function
	.balign	16
arch_zero_page:
	adrp	x1, zva
	add	x1, x1, :lo12:zva
	ldp	x2, x3, [x1]		/* x2 = block bytes, x3 = bytes to skip */
	cbz	x2, .Lstores
	adr	x4, .Lzva_run
	add	x4, x4, x3
	br	x4
.Lzva_run:
	.rept	ZVA_MAX_BLOCKS - 1
	dc	zva, x0
	add	x0, x0, x2
	.endr
	dc	zva, x0
	ret

	/* No DC ZVA: 16 STPs (256 bytes) per iteration. */
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

/* void arch_cpu_init_zva(void) */
	.section .text.arch_cpu_init_zva, "ax"
	.globl	arch_cpu_init_zva
	.type	arch_cpu_init_zva, %function
arch_cpu_init_zva:
	mrs	x0, dczid_el0
	mov	x1, xzr			/* block bytes: 0 = use stores */
	mov	x3, xzr
	tbnz	x0, #4, 1f		/* DZP: prohibited */
	and	x0, x0, #0xf		/* BS */
	mov	x1, #4
	lsl	x1, x1, x0		/* 4 << BS bytes */
	cmp	x1, #(PAGE_SIZE / ZVA_MAX_BLOCKS)
	b.hs	2f
	mov	x1, xzr			/* blocks below 64 bytes: the run is too short */
	b	1f
2:	mov	x2, #PAGE_SIZE
	udiv	x2, x2, x1		/* blocks per page, <= ZVA_MAX_BLOCKS */
	mov	x3, #ZVA_MAX_BLOCKS
	sub	x3, x3, x2
	lsl	x3, x3, #3		/* pairs to skip * PAIR_BYTES (8) */
1:	adrp	x4, zva
	add	x4, x4, :lo12:zva
	stp	x1, x3, [x4]
	ret
	.size	arch_cpu_init_zva, . - arch_cpu_init_zva

/* uint64_t arch_zva_block_size(void) */
	.section .text.arch_zva_block_size, "ax"
	.globl	arch_zva_block_size
	.type	arch_zva_block_size, %function
arch_zva_block_size:
	adrp	x0, zva
	ldr	x0, [x0, :lo12:zva]
	ret
	.size	arch_zva_block_size, . - arch_zva_block_size
