/*
 * The fake's spinlock: the same ticket lock as arch/aarch64's, on C11
 * atomics, so host tests can take it from real threads (a fake CPU is a
 * thread: arch/fake/include/arch/percpu.h) and ThreadSanitizer checks that
 * it orders what it protects (tests/unit/tsan/). Each access to the lock
 * is an interleaving point (fake_step, <arch/atomic.h>), and a contended
 * lock waits with arch_wait_event, so under the interleaving scheduler
 * (<arch/sched.h>) a waiter lets the holder run. As there, next counts
 * every ticket ever taken (64 bits here) and the lock compares its low 16
 * bits with owner.
 */
#ifndef ARCH_FAKE_SPINLOCK_H
#define ARCH_FAKE_SPINLOCK_H

#include <stdatomic.h>

#include "lib/types.h"
#include <arch/atomic.h>
#include <arch/cpu.h>
#include <arch/percpu.h>

typedef struct {
	_Atomic uint16_t owner;
	_Atomic uint64_t next; /* tickets ever taken; the next is its low 16 bits */
} arch_spinlock_t;

#define ARCH_SPINLOCK_UNLOCKED ((arch_spinlock_t){ 0, 0 })

/* arch_spin_lock_as: take lock; a wait is counted in this CPU's
 * lock[cls] (as aarch64's: contended, and the time waited). */
static inline void arch_spin_lock_as(arch_spinlock_t *lock, unsigned cls)
{
	uint16_t ticket;
	uint64_t t0 = 0;

	fake_step();
	ticket = (uint16_t)atomic_fetch_add_explicit(&lock->next, 1, memory_order_relaxed);
	for (;;) {
		fake_step();
		if (atomic_load_explicit(&lock->owner, memory_order_acquire) == ticket)
			break;
		if (!t0)
			t0 = arch_read_cntvct() | 1;
		arch_wait_event(); /* a host with fewer cores than fake CPUs */
	}
	if (t0) {
		struct arch_lock_contention *c = &arch_percpu_base()->lock[cls];

		c->contended++;
		c->wait += arch_read_cntvct() - t0;
	}
}

/* arch_spin_lock: take lock (its contention counted as ARCH_LOCK_OTHER's). */
static inline void arch_spin_lock(arch_spinlock_t *lock)
{
	arch_spin_lock_as(lock, ARCH_LOCK_OTHER);
}

static inline bool arch_spin_trylock(arch_spinlock_t *lock)
{
	uint16_t owner;
	uint64_t expect;

	fake_step();
	owner = atomic_load_explicit(&lock->owner, memory_order_relaxed);
	fake_step();
	expect = atomic_load_explicit(&lock->next, memory_order_relaxed);
	if ((uint16_t)expect != owner)
		return false;

	/* Free when next == owner: take ticket owner, if no one else did. */
	return atomic_compare_exchange_strong_explicit(&lock->next, &expect, expect + 1,
						       memory_order_acquire,
						       memory_order_relaxed) &&
	       atomic_load_explicit(&lock->owner, memory_order_acquire) == owner;
}

static inline void arch_spin_unlock(arch_spinlock_t *lock)
{
	uint16_t owner = atomic_load_explicit(&lock->owner, memory_order_relaxed);

	fake_step();
	atomic_store_explicit(&lock->owner, (uint16_t)(owner + 1), memory_order_release);
}

static inline bool arch_spin_is_locked(arch_spinlock_t *lock)
{
	fake_step();
	return atomic_load_explicit(&lock->owner, memory_order_relaxed) !=
	       (uint16_t)atomic_load_explicit(&lock->next, memory_order_relaxed);
}

/* arch_spin_tickets: tickets ever taken, i.e. acquisitions (a snapshot). */
static inline uint64_t arch_spin_tickets(arch_spinlock_t *lock)
{
	return atomic_load_explicit(&lock->next, memory_order_relaxed);
}

#endif
