/*
 * Per-CPU state: each CPU's block, found through the arch (TPIDR_EL1 on
 * aarch64, a thread-local pointer on the fake: <arch/percpu.h>), holds what
 * one CPU changes on its own so that CPUs never write each other's lines:
 * the fault stamps and their switch (the exception vectors reach them at
 * fixed offsets), and, in its arch part, the expected-fault and PMU state.
 * An mm's counters and VMA cache are per-CPU too, in the mm (mm/mm.h:
 * struct mm_pcpu), indexed by arch_cpu_id() as Linux's percpu_counter is
 * by the CPU's offset.
 *
 * Nothing runs concurrently yet: these are the rooms SMP will use.
 *
 * <arch/percpu.h> must define:
 *   NR_CPUS                                 the most CPUs a build runs
 *   struct arch_percpu                      the arch's part of a block, its
 *                                           first member: `unsigned cpu`
 *   struct arch_percpu *arch_percpu_base(void)  this CPU's block
 *   void     arch_percpu_set(struct arch_percpu *)  make it this CPU's
 *   unsigned long arch_cpu_id(void)         this CPU's index (0: boot CPU)
 *   void     arch_cpu_relax(void)           a spin-wait's pause
 * and <arch/spinlock.h>: arch_spinlock_t, ARCH_SPINLOCK_UNLOCKED,
 *   arch_spin_lock, arch_spin_trylock, arch_spin_unlock, arch_spin_is_locked,
 *   arch_spin_tickets (acquisitions ever) and arch_spin_lock_as(lock, class),
 *   which counts a contended wait in the CPU's struct arch_percpu
 *   lock[class] (ARCH_LOCK_*).
 */
#ifndef MM_PERCPU_H
#define MM_PERCPU_H

#include "lib/types.h"
#include "mm/fault.h"
#include <arch/percpu.h>

struct percpu {
	struct arch_percpu arch;          /* first: arch_percpu_base() */
	uint64_t stamp[NR_STAGES];        /* fault_stamp (mm/fault.h) */
	bool stamps_on;                   /* fault_stamps_on */
};

extern struct percpu percpu_blocks[NR_CPUS];

/* this_cpu: the calling CPU's block. */
static inline struct percpu *this_cpu(void)
{
	return container_of(arch_percpu_base(), struct percpu, arch);
}

/* percpu_enter: make cpu's block the caller's (a secondary CPU's first
 * step; on the fake, a thread's). cpu < NR_CPUS. */
void percpu_enter(unsigned cpu);

#endif
