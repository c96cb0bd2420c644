/*
 * AArch64 per-CPU state (the <arch/percpu.h> half of mm/percpu.h): each CPU
 * finds its own block through TPIDR_EL1, EL1's software thread ID register
 * (Arm ARM D23.2, "TPIDR_EL1"), which nothing else in faultline uses. Linux
 * keeps the CPU's per-CPU offset there too (__my_cpu_offset); here it is
 * the block's address, so a field is one MRS and one load or store away
 * (the exception vectors reach the fault stamps that way).
 *
 * The boot CPU's TPIDR_EL1 is set to percpu_blocks[0] in boot/entry.S,
 * before the vectors are installed; a secondary CPU will call percpu_enter
 * first thing.
 */
#ifndef ARCH_AARCH64_PERCPU_H
#define ARCH_AARCH64_PERCPU_H

/* Raspberry Pi 3 and 4 have four cores; QEMU virt gets -smp 4 at most. */
#define NR_CPUS 4

/*
 * The arch's part of a CPU's block is its first member (mm/percpu.h), and
 * it is ARCH_PERCPU_SIZE bytes, so that the portable fields that the
 * vectors use are at fixed offsets (PERCPU_* in arch/aarch64/exception.h).
 */
#define ARCH_PERCPU_SIZE 128

#ifndef __ASSEMBLY__
#include "arch/aarch64/expect.h"
#include "lib/types.h"

/*
 * The classes a ticket lock's contention is counted by (<arch/spinlock.h>,
 * arch_spin_lock_as): each CPU counts its own contended acquisitions of
 * each class and the CNTVCT_EL0 ticks it waited.
 */
#define ARCH_LOCK_OTHER 0    /* every lock not named below */
#define ARCH_LOCK_PAGE_RUN 1 /* mm/page_alloc.c's run lock */
#define ARCH_LOCK_CLASSES 2

struct arch_lock_contention {
	uint64_t contended; /* acquisitions that waited (+0: the lock's asm) */
	uint64_t wait;      /* CNTVCT_EL0 ticks they waited (+8) */
};

struct arch_percpu {
	union {
		struct {
			unsigned cpu;   /* this CPU's index: arch_cpu_id() */
			/* arch/aarch64/expect.c: an expected fault */
			bool expect_armed, expect_taken;
			struct expected_fault expect_last;
			/* arch/aarch64/pmu.c: what pmu_init found */
			bool pmu_counts, pmu_inst;
			/* <arch/spinlock.h>: a contended wait's start, and the counts */
			uint64_t lock_t0;
			struct arch_lock_contention lock[ARCH_LOCK_CLASSES];
		};
		char size[ARCH_PERCPU_SIZE];
	};
};
_Static_assert(sizeof(struct arch_percpu) == ARCH_PERCPU_SIZE, "arch per-CPU size");

/* ARCH_LOCK_OFFSET: where class cls's counts are in a CPU's block. */
#define ARCH_LOCK_OFFSET(cls)                                                  \
	(__builtin_offsetof(struct arch_percpu, lock) +                        \
	 (cls) * sizeof(struct arch_lock_contention))

/*
 * The reads of TPIDR_EL1 are not volatile, so the compiler may reuse one
 * read (nothing moves between CPUs under running code), but, as Linux's
 * __my_cpu_offset, they name a word on the stack as an input, so a
 * compiler barrier or a call (percpu_enter among them) orders them.
 */
register unsigned long arch_percpu_sp __asm__("sp"); /* Linux's current_stack_pointer */
#define ARCH_PERCPU_HAZARD ((const unsigned long *)arch_percpu_sp)

/* arch_percpu_base: this CPU's block. */
static inline struct arch_percpu *arch_percpu_base(void)
{
	struct arch_percpu *p;

	__asm__("mrs %0, tpidr_el1" : "=r"(p) : "Q"(*ARCH_PERCPU_HAZARD));
	return p;
}

/* arch_percpu_set: make p this CPU's block (its cpu field already set). */
static inline void arch_percpu_set(struct arch_percpu *p)
{
	__asm__ volatile("msr tpidr_el1, %0" :: "r"(p) : "memory");
}

/*
 * arch_cpu_id: this CPU's index, 0 .. NR_CPUS - 1 (0 is the boot CPU): the
 * cpu field of its block, as an unsigned long (an index: no extension).
 * One asm statement (MRS and LDR), reused as arch_percpu_base's is.
 */
static inline unsigned long arch_cpu_id(void)
{
	unsigned long id;

	_Static_assert(__builtin_offsetof(struct arch_percpu, cpu) == 0, "cpu at +0");
	__asm__("mrs %0, tpidr_el1\n\tldr %w0, [%0]" /* zero-extends */
		: "=r"(id) : "Q"(*ARCH_PERCPU_HAZARD));
	return id;
}

/* arch_cpu_relax: a spinning CPU's pause (the spinlock waits with WFE instead). */
static inline void arch_cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}
#endif

#endif
