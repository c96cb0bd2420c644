/*
 * Kernel entry: the arm64 Image header, then the boot CPU's path from
 * whatever exception level the loader used down to EL1, self-relocation,
 * BSS, stacks, vectors, and the call to kmain.
 *
 * On entry (Linux Documentation/arch/arm64/booting.rst): MMU off, x0 = the
 * physical address of the device tree blob, interrupts masked, loaded at a
 * 2 MiB-aligned address (flags bit 3 says any such address will do).
 *
 * Registers kept across this file (callee-saved, so the C calls keep them):
 *   x19  DTB address           x21  address the image runs at
 *   x20  exception level at entry
 *   x22  CNTPCT_EL0 at entry (after the counters are opened to EL1)
 *   x23  where the drop to EL1 continues: at_el1 (the boot CPU) or a
 *        secondary CPU's path (secondary_el1, arch/aarch64/smp.c)
 */
#include "arch/aarch64/cache.h"
#include "arch/aarch64/smp.h"
#include "arch/aarch64/sysreg.h"

#define R_AARCH64_RELATIVE 1027

/*
 * Image header flags (booting.rst, "flags field"):
 *
 *   bit 0      0 little endian
 *   bits 2:1   kernel page size: 1 4 KiB, 2 16 KiB, 3 64 KiB (the build's
 *              granule, <arch/page.h>)
 *   bit 3      1 the image may be placed anywhere in physical memory
 */
#if ARCH_PAGE_SHIFT == 12
#define IMAGE_FLAGS_PAGE 1
#elif ARCH_PAGE_SHIFT == 14
#define IMAGE_FLAGS_PAGE 2
#else
#define IMAGE_FLAGS_PAGE 3
#endif
#define IMAGE_FLAGS ((0 << 0) | (IMAGE_FLAGS_PAGE << 1) | (1 << 3))
#define IMAGE_MAGIC 0x644d5241 /* "ARM\x64" */

/* adr_l: the run-time address of sym (PC relative, so valid before and
 * after relocation, up to +-4 GiB away). */
.macro adr_l reg, sym
	adrp	\reg, \sym
	add	\reg, \reg, :lo12:\sym
.endm

/* sctlr_el1_boot: SCTLR_EL1 = SCTLR_EL1_BOOT (MMU and caches off). */
.macro sctlr_el1_boot tmp
	mov	\tmp, #(SCTLR_EL1_BOOT & 0xffff)
	movk	\tmp, #(SCTLR_EL1_BOOT >> 16), lsl #16
	msr	sctlr_el1, \tmp
.endm

/* pmu_present: branch to \absent unless ID_AA64DFR0_EL1.PMUVer names the
 * architected PMU (neither 0 = none nor 0xf = IMPLEMENTATION DEFINED). */
.macro pmu_present tmp, absent
	mrs	\tmp, id_aa64dfr0_el1
	ubfx	\tmp, \tmp, #ID_AA64DFR0_PMUVer_SHIFT, #4
	cbz	\tmp, \absent
	cmp	\tmp, #ID_AA64DFR0_PMUVer_IMPDEF
	b.eq	\absent
.endm

/*
 * The 64-byte arm64 Image header (booting.rst, "Call the kernel image"):
 *
 *   0x00 code0  0x04 code1  0x08 text_offset  0x10 image_size
 *   0x18 flags  0x20 res2   0x28 res3         0x30 res4
 *   0x38 magic  0x3c res5
 */
	.section .head.text, "ax"
	.globl	_head
_head:
	b	primary_entry		/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset: load at the 2 MiB boundary */
	.quad	__image_size		/* image_size, BSS and stacks included */
	.quad	IMAGE_FLAGS		/* flags */
	.quad	0			/* res2 */
	.quad	0			/* res3 */
	.quad	0			/* res4 */
	.long	IMAGE_MAGIC		/* magic */
	.long	0			/* res5 (PE header offset: none) */

	.section .text.entry, "ax"
primary_entry:
	mov	x19, x0

	/* Only the boot CPU, affinity 0.0.0.0, runs the kernel. */
	mrs	x0, mpidr_el1
	mov	x1, #0xffffff		/* Aff2..Aff0 */
	movk	x1, #0xff, lsl #32	/* Aff3 */
	tst	x0, x1
	b.ne	hold

	adr	x23, at_el1
drop_to_el1:
	mrs	x20, CurrentEL
	ubfx	x20, x20, #CurrentEL_EL_SHIFT, #2
	cmp	x20, #3
	b.eq	from_el3
	cmp	x20, #2
	b.eq	from_el2
	br	x23			/* at EL1 already */

/*
 * EL3 (no firmware below us, e.g. QEMU virt,secure=on): make the lower ELs
 * Non-secure AArch64, trap nothing to EL3, and continue at EL2 if it is
 * implemented, else at EL1.
 *
 * What firmware would have done on real silicon comes first: the counter
 * frequency (CNTFRQ_EL0 is writable only at the highest EL; its reset value
 * is UNKNOWN), when the board names one (BOARD_CNTFRQ, configs/<board>.mk;
 * QEMU's reset value is right, so qemu-virt keeps it), and the
 * IMPLEMENTATION DEFINED CPUECTLR_EL1.SMPEN, which must be 1 before the
 * caches and MMU are enabled on Cortex-A53, A57 and A72 (their TRMs,
 * "CPU Extended Control Register"; other cores have no such bit there).
 */
from_el3:
#ifdef BOARD_CNTFRQ
	ldr	x0, =BOARD_CNTFRQ
	msr	cntfrq_el0, x0
#endif
	mrs	x0, midr_el1
	ubfx	x1, x0, #MIDR_Implementer_SHIFT, #8
	cmp	x1, #MIDR_IMPL_ARM
	b.ne	1f
	ubfx	x1, x0, #MIDR_PartNum_SHIFT, #12
	cmp	x1, #MIDR_PART_A53
	b.eq	2f
	cmp	x1, #MIDR_PART_A57
	b.eq	2f
	cmp	x1, #MIDR_PART_A72
	b.ne	1f
2:	mrs	x0, CPUECTLR_EL1
	orr	x0, x0, #CPUECTLR_EL1_SMPEN
	msr	CPUECTLR_EL1, x0
	isb
1:	msr	mdcr_el3, xzr		/* no PMU/debug traps to EL3 */
	msr	cptr_el3, xzr		/* no FP/trace/CPACR traps to EL3 */
	mrs	x0, id_aa64pfr0_el1
	ubfx	x0, x0, #ID_AA64PFR0_EL2_SHIFT, #4
	cbz	x0, 1f
	mov	x0, #(SCR_EL3_RES1 | SCR_EL3_NS | SCR_EL3_HCE | SCR_EL3_RW)
	msr	scr_el3, x0
	mov	x0, #(SCTLR_EL2_RES1 & 0xffff)
	movk	x0, #(SCTLR_EL2_RES1 >> 16), lsl #16
	msr	sctlr_el2, x0
	mov	x0, #(SPSR_DAIF | SPSR_M_EL2h)
	msr	spsr_el3, x0
	adr	x0, from_el2
	msr	elr_el3, x0
	eret
1:	mov	x0, #(SCR_EL3_RES1 | SCR_EL3_NS | SCR_EL3_RW)
	msr	scr_el3, x0
	isb
	sctlr_el1_boot x0		/* UNKNOWN at reset: MMU off before EL1 runs */
	mov	x0, #(SPSR_DAIF | SPSR_M_EL1h)
	msr	spsr_el3, x0
	msr	elr_el3, x23
	eret

/*
 * EL2: EL1 is AArch64 and unvirtualised, may read the physical counter and
 * use the timers, sees every PMU event counter (MDCR_EL2.HPMN = PMCR_EL0.N)
 * and traps nothing to EL2.
 *
 * HCR_EL2 goes first, with an ISB: a loader may have left E2H = 1 (VHE),
 * under which the SCTLR_EL1 and CNTHCTL_EL2/CPTR_EL2 accesses below would
 * mean other registers or layouts (Arm ARM D24.2, "HCR_EL2", E2H). Then
 * SCTLR_EL1, whose value is UNKNOWN when EL1 is not the reset EL: a loader
 * that left SCTLR_EL1.M = 1 would otherwise run at_el1 through its tables.
 * EL1 reads MIDR_EL1/MPIDR_EL1 through VPIDR_EL2/VMPIDR_EL2, UNKNOWN at
 * reset too: they get the real values.
 */
from_el2:
	mov	x0, #HCR_EL2_RW
	msr	hcr_el2, x0
	isb
	sctlr_el1_boot x0
	mrs	x0, midr_el1
	msr	vpidr_el2, x0
	mrs	x0, mpidr_el1
	msr	vmpidr_el2, x0
	mov	x0, #(CNTHCTL_EL2_EL1PCTEN | CNTHCTL_EL2_EL1PCEN)
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	mov	x0, #0
	pmu_present x1, 1f
	mrs	x1, pmcr_el0
	ubfx	x0, x1, #PMCR_EL0_N_SHIFT, #5	/* HPMN; TPM = TPMCR = 0 */
1:	msr	mdcr_el2, x0
	mov	x0, #CPTR_EL2_RES1
	msr	cptr_el2, x0
	msr	hstr_el2, xzr
	mov	x0, #(SPSR_DAIF | SPSR_M_EL1h)
	msr	spsr_el2, x0
	msr	elr_el2, x23
	eret

at_el1:
	sctlr_el1_boot x0
	isb
	mrs	x22, cntpct_el0

	/*
	 * Start the cycle counter now, so kmain can tell how long boot took:
	 * count at EL1 only, enabled, reset, 64 bits wide.
	 */
	pmu_present x0, 1f
	mov	x0, #PMCCFILTR_EL0_EL1_ONLY
	msr	pmccfiltr_el0, x0
	mrs	x0, pmcr_el0
	mov	x1, #(PMCR_EL0_E | PMCR_EL0_C | PMCR_EL0_LC)
	orr	x0, x0, x1
	msr	pmcr_el0, x0
	mov	x0, #PMCNTENSET_EL0_C
	msr	pmcntenset_el0, x0
	isb
1:
	/*
	 * Invalidate to the PoC what the next steps write with the MMU off
	 * (relocated pointers, .data, .bss, the stacks), so that no line a
	 * previous boot stage left dirty there is evicted over it later
	 * (arch/aarch64/mmu.c invalidates it again before the MMU goes on).
	 */
	adr_l	x0, __rodata_start
	adr_l	x1, __image_end
	bl	dcache_inval_poc

	/*
	 * Apply the R_AARCH64_RELATIVE relocations (ELF for the Arm 64-bit
	 * Architecture, 5.7.10): *(base + r_offset) = base + r_addend, where
	 * base is where we run, since we are linked at 0. R_AARCH64_NONE
	 * (which ld may leave behind) is skipped; any other type is a build
	 * error (tools/imgcheck.py rejects it), and parks if one slips by.
	 *
	 *   Elf64_Rela: | r_offset (8) | r_info (8) | r_addend (8) |
	 */
	adr	x21, _head
	adr_l	x0, __rela_start
	adr_l	x1, __rela_end
2:	cmp	x0, x1
	b.hs	3f
	ldp	x2, x3, [x0], #16
	ldr	x4, [x0], #8
	cbz	x3, 2b			/* R_AARCH64_NONE: nothing to do */
	cmp	x3, #R_AARCH64_RELATIVE
	b.ne	park
	add	x4, x4, x21
	str	x4, [x2, x21]
	b	2b
3:
	/*
	 * The text is about to be executed as relocated, and later through
	 * the instruction cache: clean it to the PoU and invalidate it there
	 * by VA (Arm ARM D7.5.9, "Ordering and completion of data and
	 * instruction cache instructions": DC CVAU, DSB ISH, IC IVAU, DSB ISH,
	 * ISB), so no line an earlier stage fetched for these addresses stays.
	 */
	adr_l	x0, __text_start
	adr_l	x1, __text_end
	bl	icache_sync_range
	/* BSS: both ends are page aligned. */
	adr_l	x0, __bss_start
	adr_l	x1, __bss_end
4:	cmp	x0, x1
	b.hs	5f
	stp	xzr, xzr, [x0], #16
	b	4b
5:
	/*
	 * Exceptions run on SP_EL1 (the exception stack), the kernel on SP_EL0
	 * (PSTATE.SPSel = 0), so an overflow of the kernel stack into its
	 * guard page is still reported from a good stack.
	 */
	adr_l	x0, __exc_stack_top
	mov	sp, x0
	msr	spsel, #0
	adr_l	x0, __stack_top
	mov	sp, x0
	/* This CPU's per-CPU block (mm/percpu.h), before any exception. */
	adr_l	x0, percpu_blocks
	msr	tpidr_el1, x0
	adr_l	x0, exception_vectors
	msr	vbar_el1, x0
	isb
	/*
	 * With the vectors in place, unmask SError (PSTATE.A; DAIFClr bit 2,
	 * Arm ARM C5.2.2 "DAIF"): an asynchronous abort (a write the
	 * interconnect refused, a RAS error) is reported (exception.c) as the
	 * run's failure, not left pending for the whole run. IRQ, FIQ and
	 * debug stay masked: nothing here uses them.
	 */
	msr	daifclr, #4

	mov	x0, x19
	mov	w1, w20
	mov	x2, x22
	mov	x29, #0			/* the backtrace ends here */
	mov	x30, #0
	bl	kmain
	/* kmain does not return; fall through to park if it ever did. */

/*
 * hold: where secondary CPUs wait forever, with every interrupt masked, in
 * WFI (a WFE loop would keep waking on events and, under QEMU, run
 * instructions that -icount charges to the boot CPU's clock). faultline
 * never starts them; where firmware released them anyway, they stop here.
 */
hold:
	msr	daifset, #0xf
1:	wfi
	b	1b

/*
 * Secondary CPUs (arch/aarch64/smp.c starts them), one entry per enable
 * method; x24 is the CPU index from here on:
 *
 *   secondary_entry_psci  PSCI CPU_ON's entry point: x0 is the context id,
 *                         the CPU index
 *   secondary_entry_spin  the spin table's release address: the index is
 *                         the slot of smp_boot_params.cpu[] whose mpidr is
 *                         this core's MPIDR_EL1 affinity (none: hold)
 *
 * Both drop to EL1 through the boot CPU's path (drop_to_el1, with x23 =
 * secondary_el1). MMU and caches are off until secondary_el1 turns them on,
 * so smp_boot_params is read from memory (the boot CPU cleaned it to the
 * PoC) and nothing is written before the MMU is on.
 */
	.globl	secondary_entry_psci
secondary_entry_psci:
	mov	x24, x0
	adr	x23, secondary_el1
	b	drop_to_el1

	.globl	secondary_entry_spin
secondary_entry_spin:
	mrs	x0, mpidr_el1
	mov	x1, #0xffffff		/* Aff2..Aff0 */
	movk	x1, #0xff, lsl #32	/* Aff3 */
	and	x0, x0, x1
	adr_l	x1, smp_boot_params
	add	x1, x1, #SMP_PARAM_CPU
	mov	x24, #1			/* CPU 0 is the boot CPU */
1:	cmp	x24, #NR_CPUS
	b.hs	hold
	lsl	x2, x24, #SMP_CPU_SHIFT
	add	x2, x2, #SMP_CPU_MPIDR
	ldr	x2, [x1, x2]
	cmp	x2, x0
	b.eq	2f
	add	x24, x24, #1
	b	1b
2:	adr	x23, secondary_el1
	b	drop_to_el1

secondary_el1:
	sctlr_el1_boot x0
	isb
	cmp	x24, #NR_CPUS
	b.hs	hold
	adr_l	x1, smp_boot_params
	/*
	 * The boot CPU's translation regime (Arm ARM D8.2: registers, then a
	 * local TLBI VMALLE1 for anything stale, IC IALLU, then SCTLR_EL1.M
	 * with an ISB), as mmu_enable_this_cpu does without its invalidation
	 * of what the boot CPU wrote (done once, and by now live data).
	 */
	ldr	x0, [x1, #SMP_PARAM_MAIR]
	msr	mair_el1, x0
	ldr	x0, [x1, #SMP_PARAM_TCR]
	msr	tcr_el1, x0
	ldr	x0, [x1, #SMP_PARAM_TTBR0]
	msr	ttbr0_el1, x0
	isb
	tlbi	vmalle1
	dsb	nsh
	ic	iallu
	dsb	nsh
	isb
	ldr	x0, [x1, #SMP_PARAM_SCTLR]
	msr	sctlr_el1, x0
	isb
	/* Stacks, per-CPU block, vectors: as the boot CPU's (at_el1). */
	add	x1, x1, #SMP_PARAM_CPU
	add	x1, x1, x24, lsl #SMP_CPU_SHIFT
	ldr	x0, [x1, #SMP_CPU_EXC_TOP]
	mov	sp, x0
	msr	spsel, #0
	ldr	x0, [x1, #SMP_CPU_STACK_TOP]
	mov	sp, x0
	ldr	x0, [x1, #SMP_CPU_PERCPU]
	msr	tpidr_el1, x0
	adr_l	x0, exception_vectors
	msr	vbar_el1, x0
	isb
	msr	daifclr, #4		/* SError reported, as on the boot CPU */
	mov	x0, x24
	mov	x29, #0
	mov	x30, #0
	bl	smp_secondary_main
	b	park

/* park: where the impossible (a bad relocation, kmain returning) stops. */
park:
	msr	daifset, #0xf
1:	wfi
	b	1b
