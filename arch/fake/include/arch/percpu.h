/*
 * The fake's per-CPU state (the <arch/percpu.h> half of mm/percpu.h): a
 * host thread is a fake CPU. Each thread has a thread-local pointer to its
 * CPU's block, the boot CPU's (percpu_blocks[0]) until it calls
 * percpu_enter, so tests can run fake CPUs on real threads (the fake's
 * spinlock is real, on C11 atomics) or switch one thread between CPUs.
 */
#ifndef ARCH_FAKE_PERCPU_H
#define ARCH_FAKE_PERCPU_H

#define NR_CPUS 4

#include "lib/types.h"

/* The classes a ticket lock's contention is counted by (as aarch64's). */
#define ARCH_LOCK_OTHER 0
#define ARCH_LOCK_PAGE_RUN 1
#define ARCH_LOCK_CLASSES 2

struct arch_lock_contention {
	uint64_t contended; /* acquisitions that waited */
	uint64_t wait;      /* arch_read_cntvct() units they waited */
};

struct arch_percpu {
	unsigned cpu;   /* this CPU's index: arch_cpu_id() */
	struct arch_lock_contention lock[ARCH_LOCK_CLASSES]; /* <arch/spinlock.h> */
};

/* The calling thread's block (fake/cpu.c: percpu_blocks[0] at first). */
extern _Thread_local struct arch_percpu *fake_percpu;

static inline struct arch_percpu *arch_percpu_base(void)
{
	return fake_percpu;
}

static inline void arch_percpu_set(struct arch_percpu *p)
{
	fake_percpu = p;
}

static inline unsigned long arch_cpu_id(void)
{
	return fake_percpu->cpu;
}

static inline void arch_cpu_relax(void)
{
}

#endif
